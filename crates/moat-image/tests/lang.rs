//! Language catalogers: Python, npm and Java images written by the test, real Go and
//! cargo-auditable binaries built by the test setup (cached under the target
//! directory), hand-built ELF files for the older Go layout and other byte orders, and
//! hostile binaries and archives.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod support;

use moat_image::catalog::lang::ParseError;
use moat_image::catalog::{gobin, java, rustbin};
use moat_image::layer::Expect;
use moat_image::{Catalogers, Limits, MergedFs, Package, PackageKind, catalog, catalog_all};
use support::lang::{
    Z, auditable_binary, dep_v0, go_binaries, go_inline, go_pointers, pom, zip, zlib,
};
use support::{E, layer};

/// Loads layers (bottom first) with every language cataloger on.
fn load(layers: &[Vec<u8>]) -> (MergedFs, Catalogers) {
    let mut fs = MergedFs::new(catalog::want(), Limits::default());
    let mut cats = Catalogers::new();
    for l in layers {
        fs.add_layer_inspected(&l[..], None, &Expect::default(), &mut [&mut cats])
            .unwrap();
    }
    (fs, cats)
}

/// (kind, name, version, location, layer) of every package, sorted.
fn summary(fs: &MergedFs, cats: &Catalogers) -> Vec<(PackageKind, String, String, String, usize)> {
    catalog_all(fs, cats)
        .unwrap()
        .packages
        .into_iter()
        .map(|p: Package| (p.kind, p.name, p.version, p.location, p.layer))
        .collect()
}

fn row(
    kind: PackageKind,
    name: &str,
    version: &str,
    location: &str,
    layer: usize,
) -> (PackageKind, String, String, String, usize) {
    (kind, name.into(), version.into(), location.into(), layer)
}

const SITE: &str = "usr/lib/python3/dist-packages";

#[test]
fn python_distributions_and_look_alikes() {
    let l0 = layer(&[
        E::File(
            &format!("{SITE}/requests-2.31.0.dist-info/METADATA"),
            b"Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\n\nName: ignored\n",
        ),
        E::File(
            &format!("{SITE}/PyYAML-6.0.egg-info/PKG-INFO"),
            b"Metadata-Version: 1.1\nName: PyYAML\nVersion: 6.0\n",
        ),
        E::File(
            &format!("{SITE}/six-1.16.0.egg-info"),
            b"Metadata-Version: 1.2\nName: six\nVersion: 1.16.0\n",
        ),
        E::File(
            &format!("{SITE}/urllib3-2.0.0.dist-info/METADATA"),
            b"Name: urllib3\nVersion: 2.0.0\n",
        ),
        // Look-alikes: a METADATA outside a .dist-info directory, a RECORD.
        E::File("srv/app/METADATA", b"Name: fake\nVersion: 9\n"),
        E::File(
            &format!("{SITE}/requests-2.31.0.dist-info/RECORD"),
            b"Name: fake\nVersion: 9\n",
        ),
        // Broken metadata is a problem, not a package.
        E::File(
            &format!("{SITE}/broken-1.dist-info/METADATA"),
            b"Metadata-Version: 2.1\n",
        ),
    ]);
    // The upper layer upgrades urllib3 and deletes six.
    let l1 = layer(&[
        E::File(
            &format!("{SITE}/urllib3-2.0.0.dist-info/METADATA"),
            b"Name: urllib3\nVersion: 2.0.7\n",
        ),
        E::File(&format!("{SITE}/.wh.six-1.16.0.egg-info"), b""),
    ]);
    let (fs, cats) = load(&[l0, l1]);
    let py = PackageKind::Python;
    assert_eq!(
        summary(&fs, &cats),
        [
            row(
                py,
                "PyYAML",
                "6.0",
                &format!("{SITE}/PyYAML-6.0.egg-info/PKG-INFO"),
                0
            ),
            row(
                py,
                "requests",
                "2.31.0",
                &format!("{SITE}/requests-2.31.0.dist-info/METADATA"),
                0
            ),
            row(
                py,
                "urllib3",
                "2.0.7",
                &format!("{SITE}/urllib3-2.0.0.dist-info/METADATA"),
                1
            ),
        ]
    );
    let problems = cats.problems(&fs);
    assert_eq!(problems.len(), 1);
    assert_eq!(
        problems[0].path,
        format!("{SITE}/broken-1.dist-info/METADATA")
    );
    assert_eq!(problems[0].kind, py);
}

#[test]
fn npm_installed_packages_only() {
    let lock = br#"{"name":"app","lockfileVersion":3,"packages":{"":{"devDependencies":{"jest":"29.0.0"}},"node_modules/jest":{"version":"29.0.0","dev":true}}}"#;
    let l0 = layer(&[
        E::File(
            "app/package.json",
            br#"{"name":"app","version":"1.0.0","dependencies":{"left-pad":"1"},"devDependencies":{"jest":"29"}}"#,
        ),
        E::File("app/package-lock.json", lock),
        E::File("app/node_modules/.package-lock.json", lock),
        E::File(
            "app/node_modules/left-pad/package.json",
            br#"{"name":"left-pad","version":"1.3.0","devDependencies":{"tape":"4"}}"#,
        ),
        E::File(
            "app/node_modules/@babel/core/package.json",
            br#"{"name":"@babel/core","version":"7.22.0"}"#,
        ),
        E::File(
            "app/node_modules/@babel/core/node_modules/semver/package.json",
            br#"{"name":"semver","version":"6.3.1"}"#,
        ),
        // Not a package root: a file deeper inside a package.
        E::File(
            "app/node_modules/left-pad/test/package.json",
            br#"{"name":"fixture","version":"0.0.1"}"#,
        ),
        E::File("app/node_modules/bad/package.json", b"{not json"),
    ]);
    let (fs, cats) = load(&[l0]);
    let npm = PackageKind::Npm;
    assert_eq!(
        summary(&fs, &cats),
        [
            row(
                npm,
                "@babel/core",
                "7.22.0",
                "app/node_modules/@babel/core/package.json",
                0
            ),
            row(
                npm,
                "left-pad",
                "1.3.0",
                "app/node_modules/left-pad/package.json",
                0
            ),
            row(
                npm,
                "semver",
                "6.3.1",
                "app/node_modules/@babel/core/node_modules/semver/package.json",
                0
            ),
        ]
    );
    let problems = cats.problems(&fs);
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].path, "app/node_modules/bad/package.json");
    assert!(matches!(problems[0].error, ParseError::Invalid { .. }));
    let p = &catalog_all(&fs, &cats).unwrap().packages[0];
    assert_eq!(
        moat_image::sbom::purl(p, None),
        "pkg:npm/%40babel/core@7.22.0"
    );
}

#[test]
fn java_archives_nested_and_metadata_precedence() {
    let inner = zip(&[
        Z::File("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n"),
        Z::File(
            "META-INF/maven/org.slf4j/slf4j-api/pom.properties",
            &pom("org.slf4j", "slf4j-api", "1.7.36"),
        ),
    ]);
    let manifest_only = zip(&[Z::File(
        "META-INF/MANIFEST.MF",
        b"Manifest-Version: 1.0\r\nImplementation-Title: guava\r\nImplementation-Version: 31.1-jre\r\nImplementation-Vendor-Id: com.google.guava\r\n\r\n",
    )]);
    let bundle = zip(&[Z::File(
        "META-INF/MANIFEST.MF",
        b"Manifest-Version: 1.0\nBundle-SymbolicName: org.eclipse.jetty.util;singleton:=true\nBundle-Version: 9.4.51\n",
    )]);
    let name_only = zip(&[Z::File("com/example/A.class", b"\xca\xfe\xba\xbe")]);
    let war = zip(&[
        Z::File(
            "META-INF/maven/com.example/shop/pom.properties",
            &pom("com.example", "shop", "2.0.0"),
        ),
        Z::Stored("WEB-INF/lib/slf4j-api-1.7.36.jar", &inner),
        Z::Stored("WEB-INF/lib/guava.jar", &manifest_only),
        Z::Stored("WEB-INF/lib/jetty-util.jar", &bundle),
        Z::Stored("WEB-INF/lib/commons-io-2.11.0.jar", &name_only),
    ]);
    let ear = zip(&[Z::Stored("shop.war", &war)]);
    // pom.properties wins over MANIFEST.MF and the file name.
    let log4j = zip(&[
        Z::File(
            "META-INF/MANIFEST.MF",
            b"Implementation-Title: something-else\nImplementation-Version: 0.0\n",
        ),
        Z::File(
            "META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties",
            &pom("org.apache.logging.log4j", "log4j-core", "2.14.1"),
        ),
    ]);
    let l0 = layer(&[
        E::File("opt/app/lib/log4j-core-9.9.9.jar", &log4j),
        E::File("opt/app/shop.ear", &ear),
        E::File("opt/app/corrupt.jar", b"PK\x03\x04garbage that is no zip"),
        E::File("opt/app/readme.txt", b"not an archive"),
    ]);
    let (fs, cats) = load(&[l0]);
    let j = PackageKind::Java;
    let war_at = "opt/app/shop.ear!/shop.war";
    assert_eq!(
        summary(&fs, &cats),
        [
            row(j, "com.example:shop", "2.0.0", war_at, 0),
            row(
                j,
                "com.google.guava:guava",
                "31.1-jre",
                &format!("{war_at}!/WEB-INF/lib/guava.jar"),
                0
            ),
            row(
                j,
                "commons-io",
                "2.11.0",
                &format!("{war_at}!/WEB-INF/lib/commons-io-2.11.0.jar"),
                0
            ),
            row(
                j,
                "org.apache.logging.log4j:log4j-core",
                "2.14.1",
                "opt/app/lib/log4j-core-9.9.9.jar",
                0
            ),
            row(
                j,
                "org.eclipse.jetty.util",
                "9.4.51",
                &format!("{war_at}!/WEB-INF/lib/jetty-util.jar"),
                0
            ),
            row(
                j,
                "org.slf4j:slf4j-api",
                "1.7.36",
                &format!("{war_at}!/WEB-INF/lib/slf4j-api-1.7.36.jar"),
                0
            ),
            row(j, "shop", "", "opt/app/shop.ear", 0),
        ]
    );
    let problems = cats.problems(&fs);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].path, "opt/app/corrupt.jar");
    let cat = catalog_all(&fs, &cats).unwrap();
    let purls: Vec<String> = cat
        .packages
        .iter()
        .map(|p| moat_image::sbom::purl(p, None))
        .collect();
    assert!(purls.contains(&"pkg:maven/org.slf4j/slf4j-api@1.7.36".to_owned()));
    assert!(purls.contains(&"pkg:maven/commons-io@2.11.0".to_owned()));
}

#[test]
fn java_zip_bomb_and_deep_nesting_are_bounded() {
    // 64 MiB of zeros deflate to about 64 KiB: more than a nested archive may be.
    let zeros = vec![0u8; 64 << 20];
    let bomb = zip(&[Z::File("BOOT-INF/lib/zeros.jar", &zeros)]);
    assert!(bomb.len() < 1 << 20);
    drop(zeros);
    let a = java::read("app.jar", &bomb, java::JavaLimits::default());
    assert_eq!(a.problems.len(), 1, "{:?}", a.problems);
    assert_eq!(a.problems[0].0, "app.jar!/BOOT-INF/lib/zeros.jar");
    assert!(matches!(a.problems[0].1, ParseError::TooLarge { .. }));

    let mut nest = zip(&[Z::File(
        "META-INF/maven/g/deep/pom.properties",
        &pom("g", "deep", "1"),
    )]);
    for _ in 0..8 {
        nest = zip(&[Z::Stored("lib/inner.jar", &nest)]);
    }
    let a = java::read("outer.jar", &nest, java::JavaLimits::default());
    assert_eq!(a.problems.len(), 1, "{:?}", a.problems);
    assert!(
        matches!(a.problems[0].1, ParseError::TooLarge { ref what, .. } if what.contains("depth"))
    );
    // The depth limit stops before the innermost jar: only file-name packages.
    assert!(
        a.packages
            .iter()
            .all(|p| p.name == "outer" || p.name == "inner")
    );
    assert_eq!(a.packages.len(), 5);
}

const MODINFO: &str = "path\texample.com/old/cmd/old\nmod\texample.com/old\tv1.2.3\th1:x=\n\
dep\tgithub.com/pkg/errors\tv0.9.1\th1:y=\nbuild\tGOARCH=mips\n";

#[test]
fn go_build_info_hand_built_layouts() {
    for (is64, big) in [(true, false), (false, true), (true, true), (false, false)] {
        for bin in [
            go_inline(is64, big, "go1.21.5", MODINFO),
            go_pointers(is64, big, "go1.16.15", MODINFO, true),
            go_pointers(is64, big, "go1.16.15", MODINFO, false),
        ] {
            let info = gobin::read(&bin).unwrap().unwrap();
            assert!(info.go_version.starts_with("go1."), "{is64} {big}");
            assert_eq!(info.path, "example.com/old/cmd/old");
            assert_eq!(info.main.as_ref().unwrap().version, "v1.2.3");
            assert_eq!(info.deps[0].path, "github.com/pkg/errors");
            assert_eq!(info.settings, [("GOARCH".into(), "mips".into())]);
        }
    }
    // Not Go: an ELF without build information, and not an ELF at all.
    assert_eq!(gobin::read(&dep_v0(zlib(b"{}"))).unwrap(), None);
    assert_eq!(gobin::read(b"#!/bin/sh\necho hi\n").unwrap(), None);
}

#[test]
fn go_real_binaries() {
    let dir = go_binaries();
    for name in ["app", "app-stripped", "app-386"] {
        let bin = std::fs::read(dir.join(name)).unwrap();
        let info = gobin::read(&bin).unwrap().unwrap();
        assert!(info.go_version.starts_with("go1."), "{name}");
        assert_eq!(info.path, "example.com/app/cmd/app", "{name}");
        assert_eq!(info.main.as_ref().unwrap().path, "example.com/app");
        assert_eq!(info.deps.len(), 1, "{name}");
        assert_eq!(info.deps[0].path, "example.com/greet");
        assert_eq!(info.deps[0].replace.as_ref().unwrap().path, "./greet");
    }
    // Section headers removed (e_shoff and e_shnum zeroed): found through the writable
    // segment, as Go's debug/buildinfo does.
    let mut bin = std::fs::read(dir.join("app-stripped")).unwrap();
    bin[40..48].fill(0);
    bin[60..62].fill(0);
    bin[62..64].fill(0);
    assert!(gobin::read(&bin).unwrap().is_some());

    // In an image: executables by mode bit or in a bin directory; catalogued with
    // stdlib, main module and dependency, attributed to the layer that wrote the file.
    let app = std::fs::read(dir.join("app")).unwrap();
    let small = std::fs::read(dir.join("app-386")).unwrap();
    let l0 = layer(&[
        E::Exec("srv/app", &app),
        E::File("usr/local/bin/tool", &small),
    ]);
    let l1 = layer(&[E::Exec("srv/app", &app)]);
    let (fs, cats) = load(&[l0, l1]);
    let cat = catalog_all(&fs, &cats).unwrap();
    let go_version = gobin::read(&app).unwrap().unwrap().go_version;
    let got: Vec<(String, String, usize, String)> = cat
        .packages
        .iter()
        .filter(|p| p.location == "srv/app")
        .map(|p| {
            (
                p.name.clone(),
                p.version.clone(),
                p.layer,
                moat_image::sbom::purl(p, None),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "example.com/app".into(),
                "(devel)".into(),
                1,
                "pkg:golang/example.com/app@%28devel%29".into()
            ),
            (
                "example.com/greet".into(),
                "v0.0.0".into(),
                1,
                "pkg:golang/example.com/greet@v0.0.0".into()
            ),
            (
                "stdlib".into(),
                go_version.clone(),
                1,
                format!("pkg:golang/stdlib@{go_version}")
            ),
        ]
    );
    assert!(
        cat.packages
            .iter()
            .all(|p| p.source_name == "example.com/app")
    );
    assert_eq!(cat.packages.len(), 6);
    assert!(cats.problems(&fs).is_empty());
}

#[test]
fn rust_cargo_auditable_binary() {
    let bin = std::fs::read(auditable_binary()).unwrap();
    let crates = rustbin::read(&bin).unwrap().unwrap();
    let names: Vec<(&str, &str, bool)> = crates
        .iter()
        .map(|c| (c.name.as_str(), c.version.as_str(), c.root))
        .collect();
    assert_eq!(
        names,
        [
            ("auditable-fixture", "0.1.0", true),
            ("smallvec", "1.6.0", false)
        ]
    );
    let l0 = layer(&[E::Exec("usr/local/bin/fixture", &bin)]);
    let (fs, cats) = load(&[l0]);
    let cat = catalog_all(&fs, &cats).unwrap();
    let purls: Vec<String> = cat
        .packages
        .iter()
        .map(|p| moat_image::sbom::purl(p, None))
        .collect();
    assert_eq!(
        purls,
        [
            "pkg:cargo/auditable-fixture@0.1.0",
            "pkg:cargo/smallvec@1.6.0"
        ]
    );
    assert!(cat.packages.iter().all(|p| p.kind == PackageKind::Rust
        && p.source_name == "auditable-fixture"
        && p.location == "usr/local/bin/fixture"));
    // Not a Go binary.
    assert_eq!(gobin::read(&bin).unwrap(), None);
}

#[test]
fn hostile_binaries_are_errors_not_panics() {
    let good = go_inline(true, false, "go1.21.5", MODINFO);
    // Truncated at every length: never a panic, never a package from a cut header.
    for n in 0..good.len() {
        let _ = gobin::read(&good[..n]);
        let _ = rustbin::read(&good[..n]);
    }
    assert!(matches!(
        gobin::read(&good[..20]),
        Err(ParseError::Truncated { .. })
    ));
    // Section headers out of bounds.
    let mut bad = good.clone();
    bad[40..48].copy_from_slice(&(u64::MAX - 8).to_le_bytes());
    assert!(matches!(
        gobin::read(&bad),
        Err(ParseError::Invalid { .. } | ParseError::OutOfBounds { .. })
    ));
    // A huge section count.
    let mut bad = good.clone();
    bad[60..62].copy_from_slice(&0xfff0u16.to_le_bytes());
    assert!(matches!(
        gobin::read(&bad),
        Err(ParseError::OutOfBounds { .. })
    ));
    // Extended numbering claiming billions of sections.
    let mut bad = good.clone();
    bad[60..62].fill(0);
    let shoff = u64::from_le_bytes(bad[40..48].try_into().unwrap()) as usize;
    bad[shoff + 32..shoff + 40].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(matches!(
        gobin::read(&bad),
        Err(ParseError::TooLarge { .. })
    ));
    // A string length far beyond the file.
    let mut bad = good.clone();
    let magic = bad.windows(14).position(|w| w == gobin::MAGIC).unwrap();
    bad[magic + 32] = 0xff;
    bad[magic + 33] = 0xff;
    bad[magic + 34] = 0x7f;
    assert!(gobin::read(&bad).is_err());
    // Pointer layout with a pointer to nowhere.
    let mut bad = go_pointers(true, false, "go1.16", MODINFO, true);
    let magic = bad.windows(14).position(|w| w == gobin::MAGIC).unwrap();
    bad[magic + 16..magic + 24].copy_from_slice(&0xdead_0000u64.to_le_bytes());
    assert!(matches!(
        gobin::read(&bad),
        Err(ParseError::OutOfBounds { .. })
    ));
    // .dep-v0: garbage, a zlib bomb, JSON of the wrong shape.
    assert!(rustbin::read(&dep_v0(b"garbage".to_vec())).is_err());
    let bomb = dep_v0(zlib(&vec![b' '; 9 << 20]));
    assert!(matches!(
        rustbin::read(&bomb),
        Err(ParseError::TooLarge { .. })
    ));
    assert!(rustbin::read(&dep_v0(zlib(br#"{"packages":3}"#))).is_err());

    // In an image the malformed ones become problems with their path.
    let l0 = layer(&[E::Exec("bin/bomb", &bomb), E::Exec("bin/cut", &good[..100])]);
    let (fs, cats) = load(&[l0]);
    assert!(catalog_all(&fs, &cats).unwrap().packages.is_empty());
    let problems: Vec<(String, PackageKind)> = cats
        .problems(&fs)
        .into_iter()
        .map(|p| (p.path, p.kind))
        .collect();
    assert_eq!(problems, [("bin/bomb".into(), PackageKind::Rust)]);
}
