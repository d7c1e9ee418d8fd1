//! Megabytes of uncompressed layer data per second on one core, with and without the
//! language catalogers, over one synthetic ~128 MB plain-tar layer held in memory:
//! 40 executables of 2 MB (ELF, 4 with Go build information, 4 with a `.dep-v0`
//! section), 20 jars of ~1 MB (stored entries and a nested jar), 4000 text files of
//! 6 KB, 300 Python and 300 npm metadata files (binary-heavy: a worst case for the
//! inspectors, which read every executable and archive). A third case wants the same
//! files but does not parse them, to separate reading from parsing. Target (issue 9):
//! at least 300 MB/s.
//!
//! `cargo bench -p moat-image --bench catalogers`

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use moat_image::layer::Expect;
use moat_image::{Catalogers, Inspector, Limits, MergedFs, catalog, catalog_all};
use support::lang::{PF_R, Sec, Z, dep_v0, elf, go_inline, pom, zip, zlib};
use support::{E, layer};

/// Pseudo-random filler (xorshift), so the data is not all zeros.
fn filler(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// A 2 MB executable: a `.text` section plus, for some, Go or cargo-auditable data.
fn binary(i: usize) -> Vec<u8> {
    let mut bin = match i % 10 {
        0 => go_inline(
            true,
            false,
            "go1.21.5",
            "path\tx\nmod\tx\tv1\t\ndep\ty\tv2\t\n",
        ),
        1 => dep_v0(zlib(
            br#"{"packages":[{"name":"a","version":"1","root":true}]}"#,
        )),
        _ => elf(
            true,
            false,
            &[Sec {
                name: ".text",
                addr: 0x1000,
                flags: PF_R | 1,
                data: filler(4096, i as u64),
            }],
            true,
        ),
    };
    bin.extend(filler((2 << 20) - bin.len().min(2 << 20), i as u64 + 7));
    bin
}

fn image() -> Vec<u8> {
    let binaries: Vec<(String, Vec<u8>)> = (0..40)
        .map(|i| (format!("usr/local/bin/tool{i}"), binary(i)))
        .collect();
    let inner = zip(&[Z::File(
        "META-INF/maven/org.slf4j/slf4j-api/pom.properties",
        &pom("org.slf4j", "slf4j-api", "1.7.36"),
    )]);
    let classes = filler(1 << 20, 99);
    let jar = zip(&[
        Z::File("META-INF/maven/g/a/pom.properties", &pom("g", "a", "1")),
        Z::Stored("com/example/Big.class", &classes),
        Z::Stored("BOOT-INF/lib/slf4j-api-1.7.36.jar", &inner),
    ]);
    let jars: Vec<String> = (0..20).map(|i| format!("opt/app/lib/a{i}.jar")).collect();
    let text = filler(6 << 10, 5);
    let texts: Vec<String> = (0..4000)
        .map(|i| format!("usr/share/doc/d{i}/README"))
        .collect();
    let pys: Vec<(String, Vec<u8>)> = (0..300)
        .map(|i| {
            let body = "x".repeat(2000);
            (
                format!("usr/lib/python3/dist-packages/p{i}-1.0.dist-info/METADATA"),
                format!("Metadata-Version: 2.1\nName: p{i}\nVersion: 1.0\n\n{body}").into_bytes(),
            )
        })
        .collect();
    let npms: Vec<(String, Vec<u8>)> = (0..300)
        .map(|i| {
            let description = "y".repeat(1000);
            (
                format!("app/node_modules/m{i}/package.json"),
                format!(r#"{{"name":"m{i}","version":"1.0.{i}","description":"{description}"}}"#)
                    .into_bytes(),
            )
        })
        .collect();
    let mut entries: Vec<E<'_>> = Vec::new();
    entries.extend(binaries.iter().map(|(p, d)| E::Exec(p, d)));
    entries.extend(jars.iter().map(|p| E::File(p, &jar)));
    entries.extend(texts.iter().map(|p| E::File(p, &text)));
    entries.extend(pys.iter().map(|(p, d)| E::File(p, d)));
    entries.extend(npms.iter().map(|(p, d)| E::File(p, d)));
    layer(&entries)
}

/// Wants what the catalogers want but does nothing with it: isolates the cost of
/// reading wanted files into memory from the cost of parsing them.
struct ReadOnly(Catalogers);

impl Inspector for ReadOnly {
    fn wants(&self, path: &str, size: u64, mode: u32) -> bool {
        self.0.wants(path, size, mode)
    }

    fn inspect(&mut self, _layer: usize, _path: &str, content: &[u8]) {
        black_box(content);
    }
}

fn bench(c: &mut Criterion) {
    let tar = image();
    let mut g = c.benchmark_group("layer");
    g.throughput(Throughput::Bytes(tar.len() as u64));
    g.sample_size(10);
    let mb = tar.len() >> 20;
    g.bench_function(format!("{mb} MB, OS catalogers only"), |b| {
        b.iter(|| {
            let mut fs = MergedFs::new(catalog::want(), Limits::default());
            fs.add_layer(&tar[..], None, &Expect::default()).unwrap();
            black_box(catalog::catalog(&fs).unwrap());
        });
    });
    g.bench_function(format!("{mb} MB, wanted files read, not parsed"), |b| {
        b.iter(|| {
            let mut fs = MergedFs::new(catalog::want(), Limits::default());
            let mut read = ReadOnly(Catalogers::new());
            fs.add_layer_inspected(&tar[..], None, &Expect::default(), &mut [&mut read])
                .unwrap();
            black_box(fs);
        });
    });
    g.bench_function(format!("{mb} MB, all catalogers"), |b| {
        b.iter(|| {
            let mut fs = MergedFs::new(catalog::want(), Limits::default());
            let mut cats = Catalogers::new();
            fs.add_layer_inspected(&tar[..], None, &Expect::default(), &mut [&mut cats])
                .unwrap();
            let c = catalog_all(&fs, &cats).unwrap();
            // 4 Go binaries (stdlib, main, dep), 4 Rust, 20 jars (outer + nested),
            // 300 Python, 300 npm.
            assert_eq!(c.packages.len(), 4 * 3 + 4 + 20 * 2 + 300 + 300);
            black_box(c);
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
