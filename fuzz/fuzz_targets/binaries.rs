//! Fuzzes the language catalogers' readers of binary and archive formats with arbitrary
//! bytes: the ELF reader with Go build information (both layouts) and the
//! cargo-auditable `.dep-v0` section (zlib + JSON, also fed raw), the Java archive
//! reader (zip central directory, nested archives, `pom.properties`, `MANIFEST.MF`) with
//! small limits, and the Python and npm metadata parsers. Nothing may panic, hang or
//! allocate without bound.

#![no_main]

use libfuzzer_sys::fuzz_target;
use moat_image::catalog::{gobin, java, npm, python, rustbin};

fuzz_target!(|data: &[u8]| {
    let _ = gobin::read(data);
    let _ = rustbin::read(data);
    let _ = rustbin::parse_section(data);
    let limits = java::JavaLimits {
        max_depth: 3,
        max_nested: 1 << 20,
        max_total: 4 << 20,
        max_entries: 10_000,
        max_metadata: 64 << 10,
    };
    let _ = java::read("fuzz.jar", data, limits);
    let _ = python::parse(data);
    let _ = npm::parse(data);
    let _ = gobin::parse_modinfo(&String::from_utf8_lossy(data));
});
