//! Dockerfiles parsed and checked per second (all rules) on one core, over the realistic
//! Dockerfiles and rule fixtures of the crate's tests held in memory. Target: at least
//! 20k Dockerfiles/s.
//!
//! `cargo bench -p moat-dockerfile --bench lint`

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use moat_dockerfile::{Linter, Settings, parse_bytes, rules};

fn corpus() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut files = Vec::new();
    let mut dirs = vec![root.join("realistic"), root.join("fixtures")];
    while let Some(d) = dirs.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "Dockerfile") {
                files.push(std::fs::read(&p).unwrap());
            }
        }
    }
    files.sort();
    assert!(!files.is_empty(), "no Dockerfiles under {}", root.display());
    files
}

fn bench(c: &mut Criterion) {
    let files = corpus();
    let bytes: usize = files.iter().map(Vec::len).sum();
    let linter = Linter::new(
        rules::ALL.to_vec(),
        Settings {
            dockerignore: Some(true),
            ..Settings::default()
        },
    );
    let mut g = c.benchmark_group("dockerfile");
    g.throughput(Throughput::Elements(files.len() as u64));
    g.bench_function(
        format!("parse+lint {} files ({bytes} bytes)", files.len()),
        |b| {
            b.iter(|| {
                let mut n = 0;
                for f in &files {
                    let df = parse_bytes(black_box(f));
                    n += linter.lint(&df).len();
                }
                black_box(n)
            });
        },
    );
    g.throughput(Throughput::Elements(files.len() as u64));
    g.bench_function("parse only", |b| {
        b.iter(|| {
            for f in &files {
                black_box(parse_bytes(black_box(f)));
            }
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
