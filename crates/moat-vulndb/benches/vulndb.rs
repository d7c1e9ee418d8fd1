//! Benchmarks: open + first lookup, and lookups on a warm database.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

fn main() {}
