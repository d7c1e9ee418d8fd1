//! Fuzz the version comparators: two arbitrary strings (split at the first NUL) are parsed
//! and compared in every ecosystem. Nothing may panic, and comparison must be reflexive and
//! antisymmetric.

#![no_main]

use std::cmp::Ordering;

use libfuzzer_sys::fuzz_target;
use moat_version::{Ecosystem, Version};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (a, b) = text.split_once('\0').unwrap_or((&text, "1.0"));
    for eco in Ecosystem::ALL {
        let (Ok(x), Ok(y)) = (Version::parse(eco, a), Version::parse(eco, b)) else {
            let _ = moat_version::compare(eco, a, b);
            continue;
        };
        assert_eq!(x.cmp(&x), Ordering::Equal, "{eco}: {a:?} not equal to itself");
        assert_eq!(x.cmp(&y), y.cmp(&x).reverse(), "{eco}: {a:?} vs {b:?} not antisymmetric");
    }
});
