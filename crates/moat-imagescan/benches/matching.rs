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

use criterion::{Criterion, criterion_group, criterion_main};
use moat_image::purl::Purl;
use moat_imagescan::vulns::{Subject, match_subjects};

fn subjects(db: &moat_vulndb::Database, advised: usize) -> Vec<Subject> {
    let mut out = Vec::new();
    let packages = db.packages().unwrap();
    let mut i = 0usize;
    while out.len() < 10_000 {
        if out.len() >= advised {
            let n = out.len();
            let purl = match n % 3 {
                0 => format!("pkg:deb/debian/libnothing{n}@1.0-1?distro=debian-11"),
                1 => format!("pkg:pypi/no-such-project-{n}@1.0"),
                _ => format!("pkg:golang/example.com/mod{n}@v1.0.0"),
            };
            out.push(Subject {
                purl: Purl::parse(&purl).unwrap(),
                source: None,
                location: String::new(),
            });
            continue;
        }
        let (eco, name) = &packages[i % packages.len()];
        i += 1;
        let purl = match eco.split(':').collect::<Vec<_>>().as_slice() {
            ["Debian", rel] => format!("pkg:deb/debian/{name}@1.0-1?distro=debian-{rel}"),
            ["Alpine", rel] => format!(
                "pkg:apk/alpine/{name}@1.0-r0?distro=alpine-{}",
                rel.trim_start_matches('v')
            ),
            ["AlmaLinux", rel] => {
                format!("pkg:rpm/almalinux/{name}@1.0-1.el{rel}?distro=almalinux-{rel}")
            }
            ["PyPI"] => format!("pkg:pypi/{name}@0.1.0"),
            ["Go"] => format!("pkg:golang/{name}@v0.1.0"),
            ["crates.io"] => format!("pkg:cargo/{name}@0.1.0"),
            _ => continue,
        };
        let Ok(purl) = Purl::parse(&purl) else {
            continue;
        };
        out.push(Subject {
            source: Some((name.clone(), String::new())),
            purl,
            location: String::new(),
        });
    }
    out
}

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
