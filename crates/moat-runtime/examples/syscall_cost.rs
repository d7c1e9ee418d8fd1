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
//! pre-built in memory (the engine alone). The collected instructions divided by the
//! event count is the cost per event.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    missing_docs
)]

use std::hint::black_box;
use std::path::Path;

use moat_runtime::{Engine, Source, load_rules_files, run_stream};

#[path = "../benches/mix/syscall_mix.rs"]
mod syscall_mix;
use syscall_mix::{MemEvent, event};

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "json".to_string());
    let n: usize = args.next().map_or(20_000, |a| a.parse().unwrap());
    let rules = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/runtime-rules/falcosecurity-rules/falco_rules.yaml");
    let engine = Engine::new(&load_rules_files(&[rules]), false).unwrap();
    let log: String = (0..n).map(|i| event(i) + "\n").collect();
    let mem: Vec<MemEvent> = if mode == "mem" {
        log.lines().map(MemEvent::from_line).collect()
    } else {
        Vec::new()
    };
    let alerts = measure(&engine, &mode, &log, &mem);
    println!("{mode}: {n} events, {alerts} alerts");
}

#[inline(never)]
fn measure(engine: &Engine, mode: &str, log: &str, mem: &[MemEvent]) -> u64 {
    if mode == "mem" {
        let mut scratch = engine.scratch();
        let mut alerts = 0;
        for ev in mem {
            engine.process(Source::Syscall, ev, 0, &mut scratch, &mut |a| {
                alerts += 1;
                black_box(a);
            });
        }
        alerts
    } else {
        let stats = run_stream(
            engine,
            Source::Syscall,
            &mut log.as_bytes(),
            &mut |a| {
                black_box(a);
            },
            &mut |b| panic!("{}", b.message),
        )
        .unwrap();
        stats.alerts
    }
}
