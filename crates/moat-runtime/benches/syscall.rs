//! Syscall replay throughput (`cargo bench -p moat-runtime --bench syscall`): the default
//! Falco ruleset (`../shared/runtime-rules/falcosecurity-rules/falco_rules.yaml`) against
//! 20,000 recorded events in the `docs/events.md` JSON-lines schema — a generated mix of
//! mostly `openat`/`read`/`connect`/`execve` from many processes, inside and outside
//! containers. Measures JSON parsing + rule-index lookup + evaluation, as
//! `moat runtime replay` does, on one thread and on two threads sharing the engine.
//! Skipped when `../shared` is absent.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use moat_runtime::{Engine, Source, load_rules_files, run_stream};

const EVENTS: usize = 20_000;

fn event(i: usize) -> String {
    let procs = [
        "nginx",
        "java",
        "python3",
        "node",
        "postgres",
        "bash",
        "curl",
        "redis-server",
    ];
    let files = [
        "/var/log/app.log",
        "/etc/hosts",
        "/usr/lib/libc.so.6",
        "/srv/data/db.bin",
        "/proc/self/stat",
        "/tmp/cache.tmp",
    ];
    let proc_name = procs[i % procs.len()];
    let container = if i.is_multiple_of(3) {
        "host"
    } else {
        "3ad7b26ded6d"
    };
    let common = format!(
        r#""evt.dir":"<","evt.rawtime":{},"proc.name":"{proc_name}","proc.exe":"{proc_name}","proc.exepath":"/usr/bin/{proc_name}","proc.cmdline":"{proc_name} --serve","proc.args":"--serve","proc.pid":{},"proc.tty":0,"proc.pname":"containerd-shim","proc.aname":["containerd-shim","systemd"],"user.name":"app","user.uid":1000,"container.id":"{container}","container.image.repository":"ghcr.io/acme/{proc_name}""#,
        1_732_380_000_000_000_000u64 + i as u64,
        1000 + i % 5000
    );
    match i % 10 {
        0..=3 => {
            let f = files[i % files.len()];
            let dir = f.rsplit_once('/').map_or("/", |(d, _)| d);
            format!(
                r#"{{"evt.type":"openat",{common},"evt.is_open_read":true,"evt.is_open_write":false,"fd.typechar":"f","fd.num":5,"fd.name":"{f}","fd.nameraw":"{f}","fd.directory":"{dir}","evt.arg":{{"flags":"O_RDONLY"}}}}"#
            )
        }
        4..=6 => format!(
            r#"{{"evt.type":"read",{common},"fd.typechar":"f","fd.num":5,"fd.name":"/srv/data/db.bin","evt.rawres":4096}}"#
        ),
        7 | 8 => format!(
            r#"{{"evt.type":"connect",{common},"fd.typechar":"4","fd.type":"ipv4","fd.sip":"10.0.0.{}","fd.sport":5432,"fd.sip.name":"db.shop.svc","fd.name":"10.1.0.2:40000->10.0.0.1:5432"}}"#,
            i % 250
        ),
        _ => format!(r#"{{"evt.type":"execve",{common}}}"#),
    }
}

fn bench(c: &mut Criterion) {
    let rules = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/runtime-rules/falcosecurity-rules/falco_rules.yaml");
    if !rules.exists() {
        return;
    }
    let engine = Engine::new(&load_rules_files(&[rules]), false).unwrap();
    let mut log = String::new();
    for i in 0..EVENTS {
        log.push_str(&event(i));
        log.push('\n');
    }
    let mut g = c.benchmark_group("syscall_replay");
    g.throughput(Throughput::Elements(EVENTS as u64));
    let replay = || {
        run_stream(
            &engine,
            Source::Syscall,
            &mut log.as_bytes(),
            &mut |a| {
                black_box(a);
            },
            &mut |b| panic!("{}", b.message),
        )
        .unwrap()
    };
    g.bench_function("default_rules_20k_events", |b| {
        b.iter(|| black_box(replay()));
    });
    // Two streams on two threads sharing one engine (scaling across cores).
    g.throughput(Throughput::Elements(2 * EVENTS as u64));
    g.bench_function("default_rules_2_threads_2x20k_events", |b| {
        b.iter(|| {
            std::thread::scope(|s| {
                let t = s.spawn(replay);
                let mine = replay();
                black_box((mine, t.join().unwrap()))
            })
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
