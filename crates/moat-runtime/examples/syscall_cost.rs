//! Runs the generated syscall mix of the `syscall` bench once through the default Falco
//! ruleset, for instruction counting under callgrind (wall-clock figures are noisy on a
//! shared machine):
//!
//! ```text
//! cargo build --release -p moat-runtime --example syscall_cost
//! valgrind --tool=callgrind --toggle-collect='*syscall_cost::measure*' \
//!     target/release/examples/syscall_cost json 20000
//! ```
//!
//! `json` replays JSON lines (parsing included); `mem` evaluates the same events
//! pre-built in memory (the engine alone; 1,000 distinct events cycled, as a sensor
//! evaluates each event while it is still in cache). The collected instructions divided by the
//! event count is the cost per event.
//!
//! `json2` replays on two threads (`moat runtime replay --threads 2`): compare its wall
//! time with `json`'s for the 2-core scaling.
//!
//! A third argument repeats the run (`json 20000 100`: 2M events) and prints the thread's
//! user CPU time per event and events per CPU-second (from `/proc/thread-self/stat`),
//! which other processes' load changes far less than wall-clock time.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::cast_precision_loss,
    missing_docs
)]

use std::hint::black_box;
use std::path::Path;

use moat_runtime::{Engine, Source, load_rules_files};

#[path = "../benches/mix/syscall_mix.rs"]
mod syscall_mix;
use syscall_mix::{MEM_WINDOW, MemEvent, event, replay};

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "json".to_string());
    let n: usize = args.next().map_or(20_000, |a| a.parse().unwrap());
    let rules = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/runtime-rules/falcosecurity-rules/falco_rules.yaml");
    let engine = Engine::new(&load_rules_files(&[rules]), false).unwrap();
    let log: String = (0..n).map(|i| event(i) + "\n").collect();
    let mem: Vec<MemEvent> = if mode == "mem" {
        log.lines()
            .take(MEM_WINDOW)
            .map(MemEvent::from_line)
            .collect()
    } else {
        Vec::new()
    };
    let reps: usize = args.next().map_or(1, |a| a.parse().unwrap());
    let cpu0 = thread_cpu_seconds();
    let wall = std::time::Instant::now();
    let mut alerts = 0;
    for _ in 0..reps {
        alerts += measure(&engine, &mode, &log, &mem, n);
    }
    let (cpu, wall) = (thread_cpu_seconds() - cpu0, wall.elapsed().as_secs_f64());
    let total = (n * reps) as f64;
    println!("{mode}: {n} events x {reps}, {alerts} alerts");
    if reps > 1 && mode == "json2" {
        // The workers' CPU time is not this thread's: wall time only.
        println!("wall {wall:.2} s ({:.2}M events/s)", total / wall / 1e6);
    } else if reps > 1 {
        println!(
            "user CPU {cpu:.2} s ({:.0} ns/event, {:.2}M events per CPU-second); wall {wall:.2} s ({:.2}M events/s)",
            cpu * 1e9 / total,
            total / cpu / 1e6,
            total / wall / 1e6
        );
    }
}

/// This thread's user CPU time (`utime`, field 14 of `/proc/thread-self/stat`).
fn thread_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let ticks: f64 = after_name
        .split_whitespace()
        .nth(11)
        .and_then(|t| t.parse().ok())
        .unwrap_or(0.0);
    ticks / 100.0
}

#[inline(never)]
fn measure(engine: &Engine, mode: &str, log: &str, mem: &[MemEvent], n: usize) -> u64 {
    if mode == "mem" {
        let mut scratch = engine.scratch();
        let mut alerts = 0;
        for ev in mem.iter().cycle().take(n) {
            engine.process(Source::Syscall, ev, 0, &mut scratch, &mut |a| {
                alerts += 1;
                black_box(a);
            });
        }
        alerts
    } else {
        let threads = if mode == "json2" { 2 } else { 1 };
        let stats = replay(engine, log, threads);
        stats.alerts
    }
}
