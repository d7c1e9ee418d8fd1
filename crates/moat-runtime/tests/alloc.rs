//! Allocations on the hot path, counted by an instrumented global allocator: replaying
//! the generated syscall mix of the `syscall` bench through the default Falco ruleset
//! (JSON parsing included), and evaluating the same events pre-built in memory (the
//! engine alone, as the eBPF sensor drives it). The requirement is at most one
//! allocation per event; the engine in fact allocates nothing per event once its
//! buffers have grown, which is what is asserted. One test only: the counter is global
//! to the process, so nothing may run beside it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::cast_precision_loss,
    missing_docs
)]

use std::alloc::System;
use std::path::Path;

use moat_runtime::{Engine, Source, load_rules_files, run_stream};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

#[path = "../benches/mix/syscall_mix.rs"]
mod syscall_mix;
use syscall_mix::{MEM_WINDOW, MemEvent, event};

const EVENTS: usize = 5_000;

/// Allocations made while replaying or evaluating the mix, and its alert count.
#[test]
fn hot_path_allocates_nothing_per_event() {
    let rules = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/runtime-rules/falcosecurity-rules/falco_rules.yaml");
    if !rules.exists() {
        println!("../shared absent: skipped");
        return;
    }
    let engine = Engine::new(&load_rules_files(&[rules]), false).unwrap();
    let log: String = (0..EVENTS).map(|i| event(i) + "\n").collect();
    let mem: Vec<MemEvent> = log
        .lines()
        .take(MEM_WINDOW)
        .map(MemEvent::from_line)
        .collect();

    // JSON replay: the stream's buffers are allocated once, whatever the event count.
    let region = Region::new(GLOBAL);
    let mut alerts = 0u64;
    let stats = run_stream(
        &engine,
        Source::Syscall,
        &mut log.as_bytes(),
        &mut |_| alerts += 1,
        &mut |b| panic!("{}", b.message),
    )
    .unwrap();
    let json = region.change().allocations;
    assert_eq!(stats.events, EVENTS as u64);
    assert_eq!(alerts, 0, "the mix is benign");

    // The engine alone on in-memory events.
    let mut scratch = engine.scratch();
    let region = Region::new(GLOBAL);
    for ev in mem.iter().cycle().take(EVENTS) {
        engine.process(Source::Syscall, ev, 0, &mut scratch, &mut |_| alerts += 1);
    }
    let engine_only = region.change().allocations;
    println!(
        "allocations for {EVENTS} events: JSON replay {json} ({:.4}/event), engine alone {engine_only} ({:.4}/event)",
        json as f64 / EVENTS as f64,
        engine_only as f64 / EVENTS as f64
    );
    assert!(json <= 8, "JSON replay made {json} allocations");
    assert_eq!(engine_only, 0);
}
