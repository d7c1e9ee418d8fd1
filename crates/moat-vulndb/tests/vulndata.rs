//! Imports every set under `../shared/vulndata` once and checks hand-verified facts.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stderr,
    clippy::many_single_char_names,
    clippy::unnecessary_wraps,
    missing_docs
)]

use std::cmp::Ordering;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use moat_vulndb::{Database, Event, ImportOptions, ImportStats, RangeKind, import};

fn vulndata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vulndata")
}

struct Imported {
    _dir: tempfile::TempDir,
    db: PathBuf,
    stats: ImportStats,
}

fn imported() -> &'static Imported {
    static DB: OnceLock<Imported> = OnceLock::new();
    DB.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("vuln.db");
        let t = std::time::Instant::now();
        let stats = import(&db, &[vulndata()], &ImportOptions::default()).unwrap();
        eprintln!(
            "imported {} records from {} files ({} bytes) in {:?}; db {} bytes; {} errors",
            stats.total_records,
            stats.files,
            stats.input_bytes,
            t.elapsed(),
            std::fs::metadata(&db).unwrap().len(),
            stats.errors.len()
        );
        for e in stats.errors.iter().take(20) {
            eprintln!("  {e}");
        }
        Imported {
            _dir: dir,
            db,
            stats,
        }
    })
}

fn open() -> Database {
    Database::open(&imported().db).unwrap()
}

#[test]
fn imports_everything_without_errors() {
    let s = &imported().stats;
    assert!(s.errors.is_empty(), "{:?}", s.errors);
}

/// Test comparator: SemVer-like (numeric dot segments, `-pre` sorts before the release).
fn semverish(a: &str, b: &str) -> Result<Ordering, String> {
    fn split(s: &str) -> (Vec<u64>, Option<&str>) {
        let s = s.trim_start_matches('v');
        let (main, pre) = match s.split_once('-') {
            Some((m, p)) => (m, Some(p)),
            None => (s, None),
        };
        (
            main.split('.').map(|p| p.parse().unwrap_or(0)).collect(),
            pre,
        )
    }
    let ((ma, pa), (mb, pb)) = (split(a), split(b));
    let n = ma.len().max(mb.len());
    for i in 0..n {
        let o = ma.get(i).unwrap_or(&0).cmp(mb.get(i).unwrap_or(&0));
        if o != Ordering::Equal {
            return Ok(o);
        }
    }
    Ok(match (pa, pb) {
        (None, None) => Ordering::Equal,
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (Some(x), Some(y)) => x.cmp(y),
    })
}

#[test]
fn counts_per_ecosystem_match_the_readme() {
    let db = open();
    let eco = &db.meta().ecosystems;
    for (k, v) in eco {
        eprintln!("{k}: {} records, {} packages", v.records, v.packages);
    }
    // README: 4,291 Go files, 1,206 RustSec files, 2,661 PYSEC files (every one names PyPI).
    assert_eq!(eco["Go"].records, 4291);
    assert_eq!(eco["crates.io"].records, 1206);
    assert_eq!(eco["PyPI"].records, 2661);
    // 1,234 rubysec gem advisories (the 147 interpreter advisories are skipped).
    assert_eq!(
        eco["RubyGems"].records,
        1234 + 1,
        "plus the GHSA nokogiri sample"
    );
    let s = &imported().stats;
    assert!(s.skipped_entries >= 147);
    // IDs: the DSA, DLA and DTSA lists hold 5,406, 3,534 and 208 advisories.
    let ids: Vec<_> = ["DSA-5380-1", "DSA-135", "DLA-3380-1", "DTSA-1-1"]
        .iter()
        .map(|id| db.record(id).unwrap().len())
        .collect();
    assert_eq!(ids, vec![1, 1, 1, 1]);
}

#[test]
fn go_stdlib_ranges() {
    let db = open();
    let recs = db.record("GO-2023-1571").unwrap();
    assert_eq!(recs.len(), 1);
    let r = &recs[0];
    assert!(r.aliases.contains(&"CVE-2022-41723".to_owned()));
    let std = r
        .affected
        .iter()
        .find(|a| a.package.name == "stdlib")
        .unwrap();
    assert_eq!(std.package.ecosystem, "Go");
    assert_eq!(std.ranges[0].kind, RangeKind::Semver);
    assert_eq!(
        std.ranges[0].events,
        vec![
            Event::Introduced("0".into()),
            Event::Fixed("1.19.6".into()),
            Event::Introduced("1.20.0-0".into()),
            Event::Fixed("1.20.1".into())
        ]
    );
    let v = std.affects("1.19.5", &semverish).unwrap();
    assert!(v.affected);
    assert_eq!(v.fixed, vec!["1.19.6".to_owned(), "1.20.1".to_owned()]);
    assert!(!std.affects("1.19.6", &semverish).unwrap().affected);
    assert!(std.affects("1.20.0", &semverish).unwrap().affected);
    // Lookup by package finds it; by alias too.
    let stdlib = db.lookup("Go", "stdlib").unwrap();
    assert!(stdlib.iter().any(|r| r.id == "GO-2023-1571"));
    assert!(stdlib.len() > 100, "{}", stdlib.len());
    assert!(
        db.record("GHSA-vvpx-j8f3-3w6h")
            .unwrap()
            .iter()
            .any(|r| r.id == "GO-2023-1571")
    );
}

#[test]
fn pysec_from_yaml_and_pep503_lookup() {
    let db = open();
    let r = db.record("PYSEC-2021-335").unwrap().remove(0);
    let a = &r.affected[0];
    assert_eq!(a.package.name, "accesscontrol");
    assert_eq!(a.ranges[0].kind, RangeKind::Git);
    assert_eq!(
        a.ranges[1].events,
        vec![
            Event::Introduced("4.0".into()),
            Event::Fixed("4.3".into()),
            Event::Introduced("5.0".into()),
            Event::Fixed("5.2".into())
        ]
    );
    assert_eq!(a.versions, vec!["4.0", "4.1", "4.2", "5.0", "5.1"]);
    let v = a.affects("5.1", &semverish).unwrap();
    assert!(v.affected);
    assert_eq!(v.git_ranges_ignored, 1);
    assert_eq!(v.fixed, vec!["5.2".to_owned()]);
    // Case and separator variants find it only through the normalising lookup.
    assert!(db.lookup("PyPI", "AccessControl").unwrap().is_empty());
    assert!(
        db.lookup_normalized("PyPI", "Access_Control")
            .unwrap()
            .is_empty(),
        "PEP 503 keeps letters; `_` is a separator, so access-control differs"
    );
    assert!(
        db.lookup_normalized("PyPI", "AccessControl")
            .unwrap()
            .iter()
            .any(|r| r.id == "PYSEC-2021-335")
    );
}

#[test]
fn rustsec_record() {
    let db = open();
    let recs = db.lookup("crates.io", "time").unwrap();
    let r = recs.iter().find(|r| r.id == "RUSTSEC-2020-0071").unwrap();
    let a = &r.affected[0];
    assert_eq!(a.package.purl.as_deref(), Some("pkg:cargo/time"));
    assert!(a.affects("0.1.44", &semverish).unwrap().affected);
    assert!(!a.affects("0.2.23", &semverish).unwrap().affected);
    assert!(!a.affects("0.2.1", &semverish).unwrap().affected);
}

#[test]
fn almalinux_from_files_and_zip() {
    let db = open();
    let plain = db.record("ALSA-2022:5249").unwrap().remove(0);
    assert_eq!(plain.modified.as_deref(), Some("2023-09-15T13:41:48Z"));
    let kernel = db.lookup("AlmaLinux:9", "kernel").unwrap();
    assert!(kernel.iter().any(|r| r.id == "ALSA-2022:5249"));
    let zipped = db.lookup("AlmaLinux:8", "thunderbird").unwrap();
    let r = zipped.iter().find(|r| r.id == "ALSA-2024:0003").unwrap();
    assert_eq!(
        r.affected[0].ranges[0].events[1],
        Event::Fixed("115.6.0-1.el8_9.alma".into())
    );
    // README: 3,237 zipped AlmaLinux 8 files, 1,783 AlmaLinux 9 and 660 AlmaLinux 10 plain
    // files; files shared between releases list packages for both, so the per-release
    // record counts equal the file counts.
    let eco = &db.meta().ecosystems;
    assert_eq!(eco["AlmaLinux:8"].records, 3237);
    assert_eq!(eco["AlmaLinux:9"].records, 1783);
    assert_eq!(eco["AlmaLinux:10"].records, 660);
}

#[test]
fn debian_dsa_openssl_bullseye() {
    let db = open();
    let recs = db.lookup("Debian:11", "openssl").unwrap();
    let r = recs.iter().find(|r| r.id == "DSA-5343-1").unwrap();
    assert!(r.aliases.contains(&"CVE-2023-0286".to_owned()));
    assert_eq!(r.published.as_deref(), Some("2023-02-07T00:00:00Z"));
    assert_eq!(
        r.affected[0].ranges[0].events,
        vec![
            Event::Introduced("0".into()),
            Event::Fixed("1.1.1n-0+deb11u4".into())
        ]
    );
    // The alias lookup finds the DSA.
    assert!(
        db.record("CVE-2023-0286")
            .unwrap()
            .iter()
            .any(|r| r.id == "DSA-5343-1")
    );
}

#[test]
fn alpine_secfix() {
    let db = open();
    let recs = db.lookup("Alpine:v3.11", "openssl").unwrap();
    let r = recs
        .iter()
        .find(|r| r.id == "ALPINE-CVE-2019-1551")
        .unwrap();
    let a = r
        .affected
        .iter()
        .find(|a| a.package.ecosystem == "Alpine:v3.11")
        .unwrap();
    assert_eq!(a.ranges[0].events[1], Event::Fixed("1.1.1d-r3".into()));
}

#[test]
fn rubysec_gem() {
    let db = open();
    let recs = db.lookup("RubyGems", "nokogiri").unwrap();
    let r = recs
        .iter()
        .find(|r| r.id == "RUBYSEC-nokogiri-CVE-2019-5477")
        .unwrap();
    assert_eq!(
        r.affected[0].ranges[0].events,
        vec![Event::Introduced("0".into()), Event::Fixed("1.10.4".into())]
    );
    assert!(r.aliases.contains(&"CVE-2019-5477".to_owned()));
}

#[test]
fn ubuntu_and_ghsa_samples() {
    let db = open();
    let recs = db.lookup("Ubuntu:22.04:LTS", "glibc").unwrap();
    assert!(recs.iter().any(|r| r.id == "UBUNTU-CVE-2023-4911"));
    let recs = db.lookup_normalized("NuGet", "newtonsoft.json").unwrap();
    assert!(recs.iter().any(|r| r.id == "GHSA-5crp-9r3c-p9vr"));
    let log4j = db.record("CVE-2021-44228").unwrap();
    assert!(log4j.iter().any(|r| r.id == "GHSA-jfh8-c2jp-5v3q"));
}

#[test]
fn reimport_is_incremental() {
    let src = imported();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("copy.db");
    std::fs::copy(&src.db, &db).unwrap();
    let rust = vulndata().join("rustsec-osv");
    let stats = import(&db, &[rust], &ImportOptions::default()).unwrap();
    assert_eq!(stats.added, 0);
    assert_eq!(stats.updated, 0);
    assert_eq!(stats.unchanged, 1206);
    assert_eq!(stats.total_records, src.stats.total_records);
}

#[test]
fn shared_lookups_equal_fresh_ones_and_decode_each_record_once() {
    let db = open();
    let mut decoded = moat_vulndb::Decoded::default();
    // AlmaLinux advisories name many packages each: neighbours share records and blocks.
    let keys: Vec<(String, String)> = db
        .packages()
        .unwrap()
        .into_iter()
        .filter(|(e, _)| e == "AlmaLinux:9")
        .take(300)
        .collect();
    assert_eq!(keys.len(), 300);
    let mut by_id: std::collections::HashMap<String, std::sync::Arc<moat_vulndb::Record>> =
        std::collections::HashMap::new();
    let mut reused = 0;
    for (eco, name) in &keys {
        let fresh = db.lookup_normalized(eco, name).unwrap();
        let shared = db
            .lookup_normalized_shared(eco, name, &mut decoded)
            .unwrap();
        assert!(!fresh.is_empty(), "{eco} {name}");
        assert_eq!(
            fresh,
            shared.iter().map(|r| (**r).clone()).collect::<Vec<_>>(),
            "{eco} {name}"
        );
        for r in shared {
            if let Some(seen) = by_id.get(&r.id) {
                assert!(std::sync::Arc::ptr_eq(seen, &r), "{} decoded twice", r.id);
                reused += 1;
            } else {
                by_id.insert(r.id.clone(), r);
            }
        }
    }
    assert!(reused > 100, "only {reused} records shared");
    // A package no record names.
    assert!(
        db.lookup_normalized_shared("PyPI", "no-such-package", &mut decoded)
            .unwrap()
            .is_empty()
    );
}
