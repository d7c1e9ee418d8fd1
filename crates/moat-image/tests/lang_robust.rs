//! Properties of the language catalogers' binary and archive readers: what the Go
//! linker, cargo-auditable and Maven write is read back exactly, for any names and
//! versions; mutated ELF files and archives give a result or an error, never a panic.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod support;

use moat_image::catalog::{gobin, java, rustbin};
use proptest::prelude::*;
use support::lang::{Z, dep_v0, go_inline, go_pointers, pom, zip, zlib};

/// A Go module path or a version: no tabs, newlines or spaces.
fn token() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9._~+-]{1,12}(/[a-zA-Z0-9._~-]{1,12}){0,3}"
}

fn mutate(mut bytes: Vec<u8>, edits: &[(prop::sample::Index, u8)]) -> Vec<u8> {
    for (i, b) in edits {
        let i = i.index(bytes.len());
        bytes[i] = *b;
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn go_build_info_round_trips(
        is64: bool,
        big: bool,
        inline: bool,
        main in token(),
        deps in proptest::collection::vec((token(), token()), 0..6),
    ) {
        let mut text = format!("path\t{main}\nmod\t{main}\tv1.0.0\t\n");
        for (p, v) in &deps {
            text.push_str(&format!("dep\t{p}\t{v}\th1:x=\n"));
        }
        let bin = if inline {
            go_inline(is64, big, "go1.22.1", &text)
        } else {
            go_pointers(is64, big, "go1.22.1", &text, true)
        };
        let info = gobin::read(&bin).unwrap().unwrap();
        prop_assert_eq!(info.go_version, "go1.22.1");
        prop_assert_eq!(info.path, main);
        let got: Vec<(String, String)> = info.deps.into_iter().map(|d| (d.path, d.version)).collect();
        prop_assert_eq!(got, deps);
    }

    #[test]
    fn maven_coordinates_round_trip(
        group in "[a-z][a-z0-9.]{0,20}",
        artifact in "[a-z][a-z0-9-]{0,20}",
        version in "[0-9][0-9A-Za-z.-]{0,10}",
    ) {
        let inner = zip(&[Z::File(
            &format!("META-INF/maven/{group}/{artifact}/pom.properties"),
            &pom(&group, &artifact, &version),
        )]);
        let war = zip(&[Z::Stored("WEB-INF/lib/x.jar", &inner)]);
        let a = java::read("app.war", &war, java::JavaLimits::default());
        prop_assert!(a.problems.is_empty());
        let names: Vec<(String, String)> = a.packages.into_iter().map(|p| (p.name, p.version)).collect();
        prop_assert_eq!(&names[1], &(format!("{group}:{artifact}"), version));
    }

    #[test]
    fn mutated_binaries_never_panic(edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..12)) {
        let text = "path\ta\nmod\ta\tv1\t\ndep\tb\tv2\t\n";
        for bin in [
            go_inline(true, false, "go1.21", text),
            go_pointers(false, true, "go1.16", text, true),
            go_pointers(true, false, "go1.16", text, false),
            dep_v0(zlib(br#"{"packages":[{"name":"a","version":"1","root":true}]}"#)),
        ] {
            let bin = mutate(bin, &edits);
            let _ = gobin::read(&bin);
            let _ = rustbin::read(&bin);
        }
    }

    #[test]
    fn mutated_archives_never_panic(edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..12)) {
        let inner = zip(&[
            Z::File("META-INF/maven/g/a/pom.properties", &pom("g", "a", "1")),
            Z::File("META-INF/MANIFEST.MF", b"Implementation-Title: a\n"),
        ]);
        let war = zip(&[Z::Stored("WEB-INF/lib/a-1.jar", &inner), Z::File("index.html", b"<html>")]);
        let _ = java::read("x.war", &mutate(war, &edits), java::JavaLimits::default());
    }
}
