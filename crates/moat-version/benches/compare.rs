//! Parse + compare throughput per ecosystem (`cargo bench -p moat-version --bench compare`).
//!
//! Inputs are the versions of the conformance vectors in `../shared/vulndata/version-vectors/`
//! (real version strings from each ecosystem). `parse+compare/<eco>` parses both sides of every
//! vector line and compares them; `compare-parsed/<eco>` compares already parsed versions;
//! `match-10k` is the issue-10 target shape: 10,000 installed versions each checked against an
//! `introduced`/`fixed` range (two comparisons), parsing everything (target < 100 ms).

#![allow(clippy::many_single_char_names)]

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use moat_version::{Ecosystem, Version};

fn vectors(file: &str) -> Vec<(String, String)> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/vulndata/version-vectors")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    text.lines()
        .filter_map(|l| {
            let mut p = l.split(' ');
            match (p.next(), p.next(), p.next(), p.next()) {
                (Some(a), Some("<" | "=" | ">"), Some(b), None) => {
                    Some((a.to_owned(), b.to_owned()))
                }
                _ => None,
            }
        })
        .collect()
}

const SETS: [(Ecosystem, &str); 11] = [
    (Ecosystem::Debian, "debian-versions-generated.txt"),
    (Ecosystem::Rpm, "redhat-versions.txt"),
    (Ecosystem::Alpine, "alpine-versions-generated.txt"),
    (Ecosystem::PyPI, "pypi-versions-generated.txt"),
    (Ecosystem::Npm, "semver-versions.txt"),
    (Ecosystem::Go, "semver-versions.txt"),
    (Ecosystem::Maven, "maven-versions-generated.txt"),
    (Ecosystem::RubyGems, "rubygems-versions-generated.txt"),
    (Ecosystem::NuGet, "nuget-versions.txt"),
    (Ecosystem::Cran, "cran-versions-generated.txt"),
    (Ecosystem::Packagist, "packagist-versions-generated.txt"),
];

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("parse+compare");
    for (eco, file) in SETS {
        let pairs = vectors(file);
        g.throughput(Throughput::Elements(pairs.len() as u64));
        g.bench_function(eco.name(), |b| {
            b.iter(|| {
                for (x, y) in &pairs {
                    black_box(moat_version::compare(eco, x, y).ok());
                }
            });
        });
    }
    g.finish();

    let mut g = c.benchmark_group("compare-parsed");
    for (eco, file) in SETS {
        let parsed: Vec<(Version, Version)> = vectors(file)
            .iter()
            .filter_map(|(x, y)| Some((Version::parse(eco, x).ok()?, Version::parse(eco, y).ok()?)))
            .collect();
        g.throughput(Throughput::Elements(parsed.len() as u64));
        g.bench_function(eco.name(), |b| {
            b.iter(|| {
                for (x, y) in &parsed {
                    black_box(x.cmp(y));
                }
            });
        });
    }
    g.finish();

    // 10k installed packages (Debian and PyPI mixed), each against a range.
    let deb = vectors("debian-versions-generated.txt");
    let py = vectors("pypi-versions-generated.txt");
    let work: Vec<(Ecosystem, &str, &str, &str)> = deb
        .iter()
        .map(|(a, b)| (Ecosystem::Debian, a, b))
        .zip(py.iter().map(|(a, b)| (Ecosystem::PyPI, a, b)))
        .flat_map(|(x, y)| [x, y])
        .take(10_000)
        .map(|(e, a, b)| (e, a.as_str(), b.as_str(), a.as_str()))
        .collect();
    c.bench_function("match-10k", |b| {
        b.iter(|| {
            let mut hits = 0usize;
            for &(eco, installed, fixed, introduced) in &work {
                let (Ok(v), Ok(f), Ok(i)) = (
                    Version::parse(eco, installed),
                    Version::parse(eco, fixed),
                    Version::parse(eco, introduced),
                ) else {
                    continue;
                };
                hits += usize::from(v >= i && v < f);
            }
            black_box(hits)
        });
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
