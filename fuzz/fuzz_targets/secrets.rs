//! Fuzz the secret scanner: arbitrary bytes (under a path chosen by the first byte, so
//! the kubeconfig, `.pypirc` and `.npmrc` contexts are exercised) must never panic or
//! hang, every position must lie inside the input, and no redacted value may show more
//! than four characters.

#![no_main]

use libfuzzer_sys::fuzz_target;
use moat_secrets::{Scanner, Settings};

const PATHS: &[&str] = &["a.txt", "home/u/.kube/config", ".pypirc", ".npmrc", "config.json"];

fuzz_target!(|data: &[u8]| {
    let Ok(scanner) = Scanner::new(Settings::default()) else {
        return;
    };
    let path = PATHS[usize::from(data.first().copied().unwrap_or(0)) % PATHS.len()];
    let lines = data.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
    let _ = scanner.skip_reason(path, data.len() as u64, data);
    for s in scanner.scan(path, data) {
        assert!(s.line >= 1 && s.line <= lines, "{} at line {} of {lines}", s.rule, s.line);
        assert!(s.span.0 <= s.span.1 && s.span.1 <= data.len());
        assert!(s.redacted.chars().skip(4).all(|c| c == '*'), "{}", s.redacted);
    }
});
