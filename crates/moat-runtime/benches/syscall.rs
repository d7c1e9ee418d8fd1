//! Syscall replay throughput (`cargo bench -p moat-runtime --bench syscall`): the default
//! Falco ruleset (`../shared/runtime-rules/falcosecurity-rules/falco_rules.yaml`) against
//! 20,000 recorded events in the `docs/events.md` JSON-lines schema — a generated mix of
//! mostly `openat`/`read`/`connect`/`execve` from many processes, inside and outside
//! containers. Measures JSON parsing + rule-index lookup + evaluation, as
//! `moat runtime replay` does, on one thread and on two threads sharing the engine; and
//! the engine alone on the same events pre-built in memory (the eBPF sensor's path).
//! Skipped when `../shared` is absent.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use moat_runtime::{Engine, Source, load_rules_files};

const EVENTS: usize = 20_000;

#[path = "mix/syscall_mix.rs"]
mod syscall_mix;
use syscall_mix::{MEM_WINDOW, MemEvent, event, replay};

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
    // `moat runtime replay --threads N` (1: the calling thread only).
    let replay_on = |threads: usize| replay(&engine, &log, threads);
    let replay_one = || replay_on(1);
    g.bench_function("default_rules_20k_events", |b| {
        b.iter(|| black_box(replay_one()));
    });
    // Two streams on two threads sharing one engine (scaling across cores).
    g.throughput(Throughput::Elements(2 * EVENTS as u64));
    g.bench_function("default_rules_2_threads_2x20k_events", |b| {
        b.iter(|| {
            std::thread::scope(|s| {
                let t = s.spawn(replay_one);
                let mine = replay_one();
                black_box((mine, t.join().unwrap()))
            })
        });
    });
    // One stream split across two threads (`moat runtime replay --threads 2`).
    g.throughput(Throughput::Elements(EVENTS as u64));
    g.bench_function("parallel_replay_2_threads_20k_events", |b| {
        b.iter(|| black_box(replay_on(2)));
    });
    // The engine alone on in-memory events (as the eBPF sensor hands them over), 1,000
    // distinct ones cycled (`MEM_WINDOW`).
    let mem: Vec<MemEvent> = log
        .lines()
        .take(MEM_WINDOW)
        .map(MemEvent::from_line)
        .collect();
    let mut scratch = engine.scratch();
    g.throughput(Throughput::Elements(EVENTS as u64));
    g.bench_function("engine_only_in_memory_20k_events", |b| {
        b.iter(|| {
            let mut alerts = 0usize;
            for ev in mem.iter().cycle().take(EVENTS) {
                engine.process(Source::Syscall, ev, 0, &mut scratch, &mut |a| {
                    alerts += 1;
                    black_box(a);
                });
            }
            black_box(alerts)
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
