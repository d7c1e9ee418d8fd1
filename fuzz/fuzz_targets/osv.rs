//! Fuzz the advisory readers: arbitrary bytes as OSV JSON, OSV YAML (and the Alpine secdb
//! and rubysec documents detected in them) and a Debian security-tracker list must never
//! panic or hang. Known panics inside the YAML library are contained by the reader (and
//! reported as YAML errors); the shared hook keeps libFuzzer from counting them.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
#[allow(dead_code)]
mod common;
use common::install_panic_hook;

fuzz_target!(init: install_panic_hook(), |data: &[u8]| {
    let _ = moat_vulndb::import::parse_any(data);
});
