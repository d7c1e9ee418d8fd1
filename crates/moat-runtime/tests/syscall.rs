//! Recorded syscall events (`tests/fixtures/syscall_events.jsonl`, and
//! `network_events.jsonl` for the IP-network fields: IPv4, IPv6 and IPv4-mapped
//! addresses against `fd.net`/`fd.snet` CIDR checks; schema in `docs/events.md`)
//! against the default Falco ruleset: each line names, under
//! `moat.expect`, exactly the rules it must trigger — attacks trigger their rule, benign
//! lookalikes trigger nothing. Prints the number of distinct default rules proven.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::Path;

use moat_runtime::{Engine, Source, load_rules_files, run_stream};

#[test]
fn default_rules_fire_on_attacks_and_not_on_lookalikes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rules = root.join("../../../shared/runtime-rules/falcosecurity-rules/falco_rules.yaml");
    let compiled = load_rules_files(&[rules]);
    let engine = Engine::new(&compiled, false).unwrap();
    let fixtures = ["syscall_events.jsonl", "network_events.jsonl"]
        .map(|f| std::fs::read_to_string(root.join("tests/fixtures").join(f)).unwrap())
        .join("");
    let mut proven = BTreeSet::new();
    let mut failures = Vec::new();
    for (i, line) in fixtures.lines().enumerate() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let expect: BTreeSet<String> = v["moat.expect"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap().to_string())
            .collect();
        let mut fired = BTreeSet::new();
        let stats = run_stream(
            &engine,
            Source::Syscall,
            &mut line.as_bytes(),
            &mut |a| {
                fired.insert(a.rule);
            },
            &mut |b| panic!("line {}: {}", i + 1, b.message),
        )
        .unwrap();
        assert_eq!(stats.events, 1);
        if fired == expect {
            proven.extend(expect);
        } else {
            failures.push(format!(
                "line {}: fired {fired:?}, expected {expect:?}",
                i + 1
            ));
        }
    }
    println!("default syscall rules proven by fixtures: {}", proven.len());
    for r in &proven {
        println!("  {r}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
