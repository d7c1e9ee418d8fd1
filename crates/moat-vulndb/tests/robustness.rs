//! Hostile input: arbitrary bytes to every reader, and damaged database files, never panic.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::PathBuf;

use moat_vulndb::{Database, ImportOptions, import};
use proptest::prelude::*;

fn small_db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    for i in 0..40 {
        let rec = format!(
            r#"{{"id":"R-{i}","modified":"2024-01-01T00:00:00Z","aliases":["CVE-{i}"],
            "affected":[{{"package":{{"ecosystem":"Go","name":"p{}"}},
            "ranges":[{{"type":"SEMVER","events":[{{"introduced":"0"}},{{"fixed":"1.{i}"}}]}}]}}]}}"#,
            i % 7
        );
        std::fs::write(src.join(format!("R-{i}.json")), rec).unwrap();
    }
    let db = dir.path().join("v.db");
    import(&db, &[src], &ImportOptions::default()).unwrap();
    (dir, db)
}

#[test]
fn a_valid_small_database_reads_back() {
    let (_dir, db) = small_db();
    let d = Database::open(&db).unwrap();
    assert_eq!(d.meta().records, 40);
    assert_eq!(d.lookup("Go", "p3").unwrap().len(), 6);
    assert_eq!(d.record("CVE-17").unwrap()[0].id, "R-17");
    assert_eq!(d.all_records().unwrap().len(), 40);
    assert_eq!(d.packages().unwrap().len(), 7);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn readers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = moat_vulndb::import::parse_any(&bytes);
    }

    #[test]
    fn readers_never_panic_on_near_valid_text(
        s in "(\\{\"id\": ?\"[A-Z]-1\", ?\"affected\": ?\\[\\{\"ranges\": ?\\[\\{\"type\": ?\"(SEMVER|GIT|X)\", ?\"events\": ?\\[\\{\"(introduced|fixed|limit)\": ?\"[0-9.]{0,4}\"\\}\\]\\}\\]\\}\\]\\}|\\[[0-9]{1,2} [A-Z][a-z]{2} [0-9]{4}\\] DSA-[0-9]-1 p - x\n\t\\{CVE-1\\}\n\t\\[(bullseye|sid)\\] - p [0-9.<>a-z-]{0,6}\n|distroversion: v3\\.[0-9]\npackages:\n  - pkg:\n      name: a\n      secfixes:\n        [0-9r.-]{1,5}:\n          - CVE-1\n)"
    ) {
        let _ = moat_vulndb::import::parse_any(s.as_bytes());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn damaged_databases_give_errors_not_panics(
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let (_dir, db) = small_db();
        let mut bytes = std::fs::read(&db).unwrap();
        for (at, b) in flips {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        if let Some(c) = cut {
            bytes.truncate(c.index(bytes.len()));
        }
        std::fs::write(&db, &bytes).unwrap();
        if let Ok(d) = Database::open(&db) {
            let _ = d.lookup("Go", "p3");
            let _ = d.record("CVE-5");
            let _ = d.all_records();
            let _ = d.packages();
        }
    }
}
