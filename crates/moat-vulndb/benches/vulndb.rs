//! Benchmarks: open + first lookup (cold process, warm page cache), a warm lookup, and a
//! lookup by alias, on a database built from `../shared/vulndata` (Go, crates.io, `PyPI`,
//! Debian DSA list) in a temporary directory.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use moat_vulndb::{Database, ImportOptions, import};

fn bench(c: &mut Criterion) {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vulndata");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("vuln.db");
    let inputs = [
        data.join("go-vulndb"),
        data.join("rustsec-osv"),
        data.join("pypi-advisory-db"),
        data.join("debian-security-tracker/data/DSA/list"),
    ];
    import(&db, &inputs, &ImportOptions::default()).unwrap();

    c.bench_function("open + first lookup (Go stdlib)", |b| {
        b.iter(|| {
            let d = Database::open(&db).unwrap();
            black_box(d.lookup("Go", "stdlib").unwrap().len())
        });
    });
    c.bench_function("open + first lookup (Debian:11 openssl)", |b| {
        b.iter(|| {
            let d = Database::open(&db).unwrap();
            black_box(d.lookup("Debian:11", "openssl").unwrap().len())
        });
    });
    let d = Database::open(&db).unwrap();
    c.bench_function("warm lookup (crates.io time)", |b| {
        b.iter(|| black_box(d.lookup("crates.io", "time").unwrap().len()));
    });
    c.bench_function("warm lookup of an absent package", |b| {
        b.iter(|| black_box(d.lookup("PyPI", "no-such-package").unwrap().len()));
    });
    c.bench_function("record by alias (CVE-2023-0286)", |b| {
        b.iter(|| black_box(d.record("CVE-2023-0286").unwrap().len()));
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
