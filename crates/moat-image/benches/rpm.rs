//! rpm databases parsed per second on one core: 1000 packages (a large distribution
//! install) in each format, held in memory. The header blobs are real: made with
//! Debian's `rpm` (see `tests/support/rpmdb.rs`, needs `scripts/setup-test-deps`), then
//! repeated under new package numbers into an sqlite `Packages` table (`sqlite3` tool),
//! a Berkeley DB hash file (`db_load`, 4096-byte pages) and an NDB file.
//!
//! `cargo bench -p moat-image --bench rpm`

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::hint::black_box;
use std::process::Command;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use moat_image::catalog::rpm::{Format, parse};
use support::rpmdb::{self, Spec};

const PACKAGES: u32 = 1000;

fn databases(dir: &std::path::Path) -> [(Format, Vec<u8>); 3] {
    let rpms = rpmdb::build(
        dir,
        &Spec {
            name: "greeting",
            epoch: Some(1),
            version: "2.0",
            release: "1.el9",
            sub: Some("libgreet"),
        },
    );
    let root = rpmdb::install(dir, "root", &rpms);
    let blobs = rpmdb::header_blobs(&root);
    let records: Vec<(u32, Vec<u8>)> = (1..=PACKAGES)
        .map(|n| (n, blobs[n as usize % blobs.len()].1.clone()))
        .collect();
    let db = dir.join("bench.sqlite");
    let mut sql = String::from(
        "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL);\nBEGIN;\n",
    );
    for (_, blob) in &records {
        let hex = rpmdb::hex(blob);
        sql.push_str(&format!("INSERT INTO Packages(blob) VALUES (x'{hex}');\n"));
    }
    sql.push_str("COMMIT;\n");
    std::fs::write(dir.join("bench.sql"), sql).unwrap();
    let status = Command::new("sqlite3")
        .arg(&db)
        .arg(format!(".read {}", dir.join("bench.sql").display()))
        .status()
        .unwrap();
    assert!(status.success());
    [
        (Format::Sqlite, std::fs::read(&db).unwrap()),
        (Format::Bdb, rpmdb::bdb(dir, &records, 4096, false)),
        (Format::Ndb, rpmdb::ndb(&records)),
    ]
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let dbs = databases(dir.path());
    let mut g = c.benchmark_group("rpm");
    g.throughput(Throughput::Elements(u64::from(PACKAGES)));
    for (format, bytes) in &dbs {
        assert_eq!(
            parse(*format, "db", bytes).unwrap().len(),
            PACKAGES as usize
        );
        g.bench_function(format!("{format:?} {} KiB", bytes.len() / 1024), |b| {
            b.iter(|| parse(*format, "db", black_box(bytes)).unwrap());
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
