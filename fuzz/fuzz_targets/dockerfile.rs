//! Fuzz the Dockerfile parser, shell lexer and every rule: arbitrary bytes must never
//! panic or hang, and every position reported must lie inside the input.

#![no_main]

use libfuzzer_sys::fuzz_target;
use moat_dockerfile::{Linter, Settings, parse_bytes, rules, waivers};

fuzz_target!(|data: &[u8]| {
    let df = parse_bytes(data);
    let lines = data.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
    for e in &df.errors {
        assert!(e.pos.line >= 1 && e.pos.line <= lines, "error line {} of {lines}", e.pos.line);
    }
    let settings = Settings {
        require_digest: data.first().is_some_and(|b| b & 1 == 1),
        dockerignore: Some(data.len() % 2 == 0),
        required_labels: Vec::new(),
    };
    let linter = Linter::new(rules::ALL.to_vec(), settings);
    for hit in linter.lint(&df) {
        assert!(hit.pos.line >= 1 && hit.pos.line <= lines, "{} at line {} of {lines}", hit.meta.id, hit.pos.line);
    }
    let _ = waivers::inline_waivers(&df);
});
