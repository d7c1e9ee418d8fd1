//! Vulnerability matching throughput against a database of all of `../shared/vulndata`:
//! `match-10k-typical` — 10,000 packages of which 1,000 have advisories (Debian, Alpine,
//! AlmaLinux, PyPI, Go, crates.io names the database knows, at old versions so every range
//! is evaluated) and 9,000 have none, as in real images; `match-10k-all-advised` — every
//! one of the 10,000 packages has advisories (the worst case: every record decoded).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stderr,
    missing_docs
)]

use std::path::Path;

mod support;

use criterion::{Criterion, criterion_group, criterion_main};
use moat_imagescan::vulns::match_subjects;
use support::subjects;

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("vuln.db");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vulndata");
    moat_vulndb::import(&db_path, &[data], &moat_vulndb::ImportOptions::default()).unwrap();
    let db = moat_vulndb::Database::open(&db_path).unwrap();
    for (name, advised) in [
        ("match-10k-typical", 1_000),
        ("match-10k-all-advised", 10_000),
    ] {
        let subjects = subjects(&db, advised);
        let matched = match_subjects(&db, &subjects, None).unwrap().matches.len();
        eprintln!(
            "{name}: {} packages, {matched} vulnerabilities",
            subjects.len()
        );
        c.bench_function(name, |b| {
            b.iter(|| match_subjects(&db, &subjects, None).unwrap());
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
