//! A ring buffer too small for the burst, drained by a slow consumer: the kernel drops
//! records instead of blocking the traced process, counts them, and the sensor reports
//! the growing count while it runs and in its totals. Needs the `bpf` feature, root and
//! BTF; elsewhere it says why it is skipped.
#![cfg(all(feature = "bpf", target_os = "linux"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use moat_sensor::Plan;
use moat_sensor::sensor::{Options, Sensor};
use support::observe::skip_reason;

/// Opens in the burst.
const OPENS: u64 = 5000;

#[test]
fn a_full_ring_buffer_counts_and_reports_lost_events() {
    if let Some(why) = skip_reason() {
        eprintln!("skipped: {why}");
        return;
    }
    let stop = Arc::new(AtomicBool::new(false));
    let reported = Arc::new(Mutex::new(Vec::new()));
    let (ready_tx, ready_rx) = mpsc::channel();
    let worker = {
        let stop = Arc::clone(&stop);
        let reported = Arc::clone(&reported);
        std::thread::spawn(move || {
            let opts = Options {
                ringbuf_bytes: 16 << 10,
                wakeup_bytes: 4 << 10,
                poll_interval: Duration::from_millis(10),
                warn_interval: Duration::from_millis(20),
            };
            let mut sensor = Sensor::start(&Plan::for_types(["openat"]), opts).unwrap();
            ready_tx.send(()).unwrap();
            sensor
                .run(
                    &stop,
                    // A consumer far slower than the producer.
                    &mut |_| std::thread::sleep(Duration::from_micros(500)),
                    &mut |total| reported.lock().unwrap().push(total),
                )
                .unwrap()
        })
    };
    ready_rx.recv_timeout(Duration::from_secs(60)).unwrap();
    let started = Instant::now();
    let status = Command::new("/bin/sh")
        .args([
            "-c",
            &format!("i=0; while [ $i -lt {OPENS} ]; do true < /etc/hostname; i=$((i+1)); done"),
        ])
        .status()
        .unwrap();
    assert!(status.success());
    // The burst took far less than the consumer needs for it: the traced process was
    // never held up by the full buffer.
    let burst = started.elapsed();
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::Relaxed);
    let stats = worker.join().unwrap();
    let reported = reported.lock().unwrap().clone();
    assert!(stats.lost > 0, "{stats:?}");
    assert!(
        stats.records + stats.lost >= OPENS,
        "every open is either delivered or counted: {stats:?}"
    );
    assert!(
        stats.records < OPENS,
        "a 16 KiB buffer cannot hold the burst: {stats:?}"
    );
    assert!(
        burst < Duration::from_micros(500) * u32::try_from(OPENS).unwrap(),
        "the burst ({burst:?}) waited for the consumer"
    );
    assert!(!reported.is_empty(), "the growing count was reported");
    assert!(reported.windows(2).all(|w| w[0] < w[1]), "{reported:?}");
    assert!(
        reported.iter().all(|r| *r <= stats.lost),
        "{reported:?} {stats:?}"
    );
}
