//! Fuzzes the image layer reader and the package database parsers with arbitrary bytes.
//!
//! The input is split into up to three layers (each sniffed: plain tar, gzip or zstd)
//! merged into one filesystem view, then catalogued, every path resolved and every
//! directory listed; the same bytes are also fed to the dpkg and apk database parsers
//! directly. Nothing may panic, hang or allocate without bound (limits are small).

#![no_main]

use libfuzzer_sys::fuzz_target;
use moat_image::catalog::{apk, dpkg};
use moat_image::layer::Expect;
use moat_image::{Limits, MergedFs, catalog};

/// Splits `data` at the first two occurrences of a separator byte sequence.
fn layers(data: &[u8]) -> Vec<&[u8]> {
    const SEP: &[u8] = b"\xffLAYER\xff";
    let mut out = Vec::new();
    let mut rest = data;
    while out.len() < 2 {
        match rest.windows(SEP.len()).position(|w| w == SEP) {
            Some(i) => {
                out.push(rest.get(..i).unwrap_or_default());
                rest = rest.get(i + SEP.len()..).unwrap_or_default();
            }
            None => break,
        }
    }
    out.push(rest);
    out
}

fuzz_target!(|data: &[u8]| {
    let _ = dpkg::parse("var/lib/dpkg/status", data);
    let _ = apk::parse("lib/apk/db/installed", data);
    let limits = Limits {
        max_layer_bytes: 4 << 20,
        ..Limits::default()
    };
    let mut fs = MergedFs::new(catalog::want(), limits);
    for layer in layers(data) {
        if fs.add_layer(layer, None, &Expect::default()).is_err() {
            break;
        }
    }
    let _ = catalog(&fs);
    let paths: Vec<String> = fs.iter().map(|(p, _)| p.to_owned()).collect();
    for p in &paths {
        let _ = fs.resolve(p);
        let _ = fs.children(p);
        let _ = fs.file(p);
    }
});
