//! The sensor's user-space path without the kernel (`cargo bench -p moat-sensor --bench
//! userspace`): merging per-CPU rings in time order ([`Reorder`]), and decoding records
//! into events (process tree, container, fd context) evaluated by Falco's default rules
//! (`../shared/runtime-rules/falcosecurity-rules/falco_rules.yaml`; that part is skipped
//! when `../shared` is absent). Records are made with [`RecordBuilder`] as the kernel
//! lays them out: a mix of opens (most of them of paths no rule reads), connects, and
//! fork/exec/exit of short-lived processes under a shell.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use moat_runtime::{Engine, Source, load_rules_files};
use moat_sensor::container::{CgroupMode, Resolver};
use moat_sensor::decode::Decoder;
use moat_sensor::merge::Reorder;
use moat_sensor::proctree::{Proc, ProcTree};
use moat_sensor::record::RecordBuilder;
use moat_sensor::users::Users;

/// Records per iteration.
const RECORDS: usize = 8192;

fn stamped(mut rec: Vec<u8>, ts: u64) -> Vec<u8> {
    rec[..8].copy_from_slice(&ts.to_le_bytes());
    rec
}

fn open(pid: u32, path: &str) -> Vec<u8> {
    RecordBuilder::new(1, 257, pid)
        .arg(0, (-100i64).cast_unsigned())
        .res(3)
        .comm("app")
        .string(0, path)
        .build()
}

fn connect(pid: u32) -> Vec<u8> {
    let mut sa = vec![2u8, 0, 0x1f, 0x90, 10, 0, 0, 7];
    sa.extend_from_slice(&[0; 8]);
    RecordBuilder::new(1, 42, pid)
        .arg(0, 5)
        .put(148, &2u16.to_le_bytes())
        .put(150, &1u16.to_le_bytes())
        .put(152, &6u16.to_le_bytes())
        .put(154, &43210u16.to_le_bytes())
        .put(160, &[10, 0, 0, 7])
        .comm("app")
        .blob(&sa)
        .build()
}

/// One cycle of a shell (pid 100) running a short-lived child `pid`: fork, exec, a few
/// opens and a connect, exit. 16 records.
fn cycle(pid: u32) -> Vec<Vec<u8>> {
    let mut v = vec![
        RecordBuilder::new(3, 0, pid)
            .put(96, &100u32.to_le_bytes())
            .comm("bash")
            .build(),
    ];
    let mut argv = Vec::new();
    for a in ["grep", "-r", "needle", "/srv"] {
        argv.extend_from_slice(a.as_bytes());
        argv.push(0);
    }
    v.push(
        RecordBuilder::new(2, 0, pid)
            .put(96, &100u32.to_le_bytes())
            .comm("grep")
            .string(0, "/usr/bin/grep")
            .blob(&argv)
            .build(),
    );
    for i in 0..12 {
        v.push(match i {
            0 => open(pid, "/etc/shadow"),
            1 => open(pid, "/etc/pam.d/common-auth"),
            5 => connect(pid),
            _ => open(pid, &format!("/srv/data/{i}/file.txt")),
        });
    }
    v.push(open(pid, "/var/log/app.log"));
    v.push(RecordBuilder::new(4, 0, pid).comm("grep").build());
    v
}

/// The record stream: cycles of children 1000, 1001, … stamped 100 ns apart.
fn stream() -> Vec<Vec<u8>> {
    (0u32..)
        .flat_map(|i| cycle(1000 + i % 20_000))
        .take(RECORDS)
        .enumerate()
        .map(|(i, r)| stamped(r, 1_000 + 100 * i as u64))
        .collect()
}

fn decoder(proc_root: &Path) -> Decoder {
    let mut tree = ProcTree::new();
    tree.insert(Proc {
        pid: 1,
        name: "systemd".into(),
        ..Proc::default()
    });
    tree.insert(Proc {
        pid: 100,
        ppid: 1,
        sid: 100,
        name: "bash".into(),
        exe: "-bash".into(),
        exepath: "/usr/bin/bash".into(),
        ..Proc::default()
    });
    Decoder::new(
        tree,
        Users::load(Path::new("/")),
        Resolver::new(
            CgroupMode::V2,
            PathBuf::from("/nonexistent"),
            proc_root.to_path_buf(),
        ),
        proc_root.to_path_buf(),
        0,
    )
}

fn bench(c: &mut Criterion) {
    let records = stream();
    let mut g = c.benchmark_group("sensor_userspace");
    g.throughput(Throughput::Elements(RECORDS as u64));

    // Two CPUs' rings drained one after the other (even records on one, odd on the
    // other), the newest records of each drain held back for the next, as `Sensor::run`
    // does. Each round's records are stamped after the previous round's.
    let mut rings: Vec<Vec<u8>> = records.iter().step_by(2).cloned().collect();
    rings.extend(records.iter().skip(1).step_by(2).cloned());
    let span = 100 * RECORDS as u64;
    g.bench_function("merge_2_rings_8k_records", |b| {
        let mut r = Reorder::new();
        b.iter(|| {
            let mut newest = 0;
            for rec in &mut rings {
                let ts = u64::from_le_bytes(rec[..8].try_into().unwrap()) + span;
                rec[..8].copy_from_slice(&ts.to_le_bytes());
                newest = newest.max(ts);
                r.push(rec);
            }
            let mut n = 0usize;
            // The newest 20 records wait for the next round.
            r.release(newest - 20 * 100, &mut |rec| n += rec.len());
            black_box(n)
        });
        r.release(u64::MAX, &mut |_| {});
    });

    let rules = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/runtime-rules/falcosecurity-rules/falco_rules.yaml");
    if rules.exists() {
        let engine = Engine::new(&load_rules_files(&[rules]), false).unwrap();
        let proc_root = tempfile::tempdir().unwrap();
        let mut dec = decoder(proc_root.path());
        let mut scratch = engine.scratch();
        g.bench_function("decode_evaluate_default_rules_8k_records", |b| {
            b.iter(|| {
                let mut alerts = 0usize;
                for rec in &records {
                    if let Ok(Some(ev)) = dec.handle(rec) {
                        engine.process(
                            Source::Syscall,
                            &dec.view(&ev),
                            ev.time_ns,
                            &mut scratch,
                            &mut |_| {
                                alerts += 1;
                            },
                        );
                    }
                }
                black_box(alerts)
            });
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
