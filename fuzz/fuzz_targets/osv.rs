//! Fuzz the advisory readers: arbitrary bytes as OSV JSON, OSV YAML (and the Alpine secdb
//! and rubysec documents detected in them) and a Debian security-tracker list must never
//! panic or hang.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = moat_vulndb::import::parse_any(data);
});
