//! Mutated and random layer bytes never panic the reader: they load or give an error.

#![allow(clippy::unwrap_used)]

mod support;

use moat_image::layer::Expect;
use moat_image::{Limits, MergedFs, catalog};
use proptest::prelude::*;
use support::{E, layer};

fn sample() -> Vec<u8> {
    layer(&[
        E::File(
            "var/lib/dpkg/status",
            b"Package: a\nVersion: 1\n\nPackage: b\nVersion: 2\n",
        ),
        E::Sym("etc/os-release", "../usr/lib/os-release"),
        E::File("usr/lib/os-release", b"ID=debian\n"),
        E::File("lib/apk/db/.wh.installed", b""),
        E::Hard("x", "usr/lib/os-release"),
        E::Sym("loop", "loop"),
    ])
}

fn read(bytes: &[u8]) {
    let limits = Limits {
        max_layer_bytes: 1 << 20,
        ..Limits::default()
    };
    let mut fs = MergedFs::new(catalog::want(), limits);
    if fs.add_layer(bytes, None, &Expect::default()).is_ok() {
        let _ = catalog::catalog(&fs);
        for (p, _) in fs.iter() {
            let _ = fs.resolve(p);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn mutated_plain_layer(edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16)) {
        let mut bytes = sample();
        for (i, b) in edits {
            let i = i.index(bytes.len());
            bytes[i] = b;
        }
        read(&bytes);
    }

    #[test]
    fn mutated_gzip_layer(edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4)) {
        let mut bytes = support::gzip(&sample());
        for (i, b) in edits {
            let i = i.index(bytes.len());
            bytes[i] = b;
        }
        read(&bytes);
    }

    #[test]
    fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        read(&bytes);
        let mut zstd = vec![0x28, 0xb5, 0x2f, 0xfd];
        zstd.extend(&bytes);
        read(&zstd);
    }
}
