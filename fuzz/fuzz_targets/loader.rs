//! Fuzzes the manifest loader with arbitrary bytes.
//!
//! Beyond "never panics", it checks that every position the loader hands out lies inside
//! the input, and that field paths built from the tree resolve back to the exact key
//! positions the tree recorded (the contract findings rely on). The scan's pre-pass
//! loader (`load_bytes_matching`) runs on the same input.

#![no_main]

use std::cell::Cell;

use libfuzzer_sys::fuzz_target;
use moat_manifest::node::{push_index, push_key};
use moat_manifest::{Node, Pos, Value, load_bytes, load_bytes_matching};

#[path = "common.rs"]
mod common;
use common::{DEPENDENCY_PANICKED, count_lines, install_panic_hook};

/// Paths a check would typically ask for.
const FIXED_PATHS: &[&str] = &[
    "",
    "metadata.name",
    "metadata.annotations[\"moat.dev/ignore\"]",
    "spec.template.spec.containers[0].image",
    "spec.containers[0].securityContext.privileged",
    "spec.jobTemplate.spec.template.spec.volumes[3].hostPath.path",
    "items[0].kind",
    "a[",
    "a[\"",
    "[99999999999999999999999]",
    "..[0]..x",
];

/// Upper bound on lookups per input, to keep executions fast.
const MAX_CHECKED_PATHS: usize = 2_000;

fuzz_target!(init: install_panic_hook(), |data: &[u8]| {
    DEPENDENCY_PANICKED.with(|p| p.set(false));
    let lf = load_bytes("fuzz.yaml", data);
    if DEPENDENCY_PANICKED.with(Cell::get) {
        assert!(
            lf.errors.iter().any(|e| e.message.contains("internal error")),
            "YAML library panicked but no error was reported: {:?}",
            lf.errors
        );
    }
    // The last line may lack a line break; errors found at the end of the stream may
    // point one line past it.
    let lines = count_lines(data);

    for e in &lf.errors {
        assert!(e.line <= lines + 1, "error line {} > {} lines + 1: {}", e.line, lines, e.message);
    }
    for w in &lf.warnings {
        assert!(w.line >= 1 && w.line <= lines, "warning line {} outside 1..={lines}: {}", w.line, w.message);
    }
    // The scan's pre-pass parses only the documents of some kinds: never a panic, and
    // positions inside the input.
    let some = load_bytes_matching("fuzz.yaml", data, &["Pod", "ServiceAccount", "a"]);
    for r in &some.resources {
        check_pos(r.node.pos, lines);
    }
    let mut budget = MAX_CHECKED_PATHS;
    for r in &lf.resources {
        for p in FIXED_PATHS {
            let l = r.node.lookup(p);
            check_pos(l.pos, lines);
        }
        check_tree(&r.node, &r.node, &mut String::new(), lines, &mut budget);
    }
});

fn check_pos(p: Pos, lines: u32) {
    assert!(
        p.line >= 1 && p.line <= lines,
        "line {} outside 1..={lines}",
        p.line
    );
    assert!(p.col >= 1, "column 0");
}

/// Walks the tree, checking that every simple path resolves to the position recorded
/// for it.
fn check_tree(root: &Node, node: &Node, path: &mut String, lines: u32, budget: &mut usize) {
    check_pos(node.pos, lines);
    match &node.value {
        Value::Map(entries) => {
            for e in entries {
                check_pos(e.key_pos, lines);
                // Keys the path syntax cannot express unambiguously.
                if e.key.is_empty() || e.key.contains("\"]") || *budget == 0 {
                    continue;
                }
                *budget -= 1;
                let len = path.len();
                push_key(path, &e.key);
                // Keys of a mapping are unique after loading (duplicates are reported
                // and replaced), so the path must lead back to this very entry.
                let l = root.lookup(path);
                assert!(
                    l.node.is_some_and(|n| std::ptr::eq(n, &e.value)),
                    "path {path:?} resolves elsewhere"
                );
                assert_eq!(l.pos, e.key_pos, "path {path:?}");
                check_tree(root, &e.value, path, lines, budget);
                path.truncate(len);
            }
        }
        Value::Seq(items) => {
            for (i, it) in items.iter().enumerate() {
                if *budget == 0 {
                    return;
                }
                *budget -= 1;
                let len = path.len();
                push_index(path, i);
                let l = root.lookup(path);
                assert!(
                    l.node.is_some_and(|n| std::ptr::eq(n, it)),
                    "path {path:?} resolves elsewhere"
                );
                assert_eq!(l.pos, it.pos, "path {path:?}");
                check_tree(root, it, path, lines, budget);
                path.truncate(len);
            }
        }
        _ => {}
    }
}
