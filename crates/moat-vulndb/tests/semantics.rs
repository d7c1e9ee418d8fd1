//! OSV semantics on hand-written records (`tests/fixtures/edge/`), imported into a
//! database and evaluated with a simple test comparator: multiple ranges, unsorted events,
//! `last_affected`, `limit`, GIT ranges, withdrawn records, explicit versions, aliases.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::cmp::Ordering;
use std::path::Path;

use moat_vulndb::{Database, Event, ImportOptions, Reason, Record, import};

/// Dot-separated numbers; anything else is an error.
fn numeric(left: &str, right: &str) -> Result<Ordering, String> {
    let parse = |s: &str| -> Result<Vec<u64>, String> {
        s.split('.')
            .map(|p| p.parse().map_err(|_| format!("not numeric: {s}")))
            .collect()
    };
    let (l, r) = (parse(left)?, parse(right)?);
    for i in 0..l.len().max(r.len()) {
        match l.get(i).unwrap_or(&0).cmp(r.get(i).unwrap_or(&0)) {
            Ordering::Equal => {}
            o => return Ok(o),
        }
    }
    Ok(Ordering::Equal)
}

fn db() -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.db");
    let edge = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/edge");
    let stats = import(&path, &[edge], &ImportOptions::default()).unwrap();
    assert!(stats.errors.is_empty(), "{:?}", stats.errors);
    assert_eq!(stats.added, 5);
    assert_eq!(stats.withdrawn, 1);
    assert_eq!(stats.git_ranges, 1);
    (dir, Database::open(&path).unwrap())
}

fn one(db: &Database, id: &str) -> Record {
    let mut v = db.record(id).unwrap();
    assert_eq!(v.len(), 1, "{id}");
    v.remove(0)
}

fn affected(r: &Record, version: &str) -> bool {
    r.affects(0, version, &numeric).unwrap().unwrap().affected
}

#[test]
fn multiple_ranges_with_unsorted_events() {
    let (_d, db) = db();
    let r = one(&db, "EDGE-multi");
    let expect = [
        ("0.9", false),
        ("1.0.0", true),
        ("1.4.9", true),
        ("1.5.0", false),
        ("1.9", false),
        ("2.0.0", true),
        ("2.3.0", true),
        ("2.3.1", false),
        ("9", false),
    ];
    for (v, want) in expect {
        assert_eq!(affected(&r, v), want, "{v}");
    }
    let v = r.affects(0, "2.1", &numeric).unwrap().unwrap();
    assert_eq!(
        v.reason,
        Reason::Range {
            range: 1,
            event: Event::Introduced("2.0.0".into())
        }
    );
    assert_eq!(v.fixed, vec!["2.3.1".to_owned()]);
}

#[test]
fn last_affected_limit_and_git() {
    let (_d, db) = db();
    // The PyPI name is stored as written; the PEP 503 lookup finds it.
    assert!(db.lookup("PyPI", "edge-pkg").unwrap().is_empty());
    let r = db.lookup_normalized("PyPI", "edge_pkg").unwrap().remove(0);
    assert_eq!(r.id, "EDGE-last");
    assert!(affected(&r, "3.1"));
    assert!(!affected(&r, "3.1.1"));
    assert!(affected(&r, "5.9"));
    assert!(!affected(&r, "6.0"));
    let v = r.affects(0, "3.2", &numeric).unwrap().unwrap();
    assert_eq!(v.git_ranges_ignored, 1);
    assert_eq!(
        v.reason,
        Reason::NotAffected {
            event: Some((0, Event::LastAffected("3.1".into())))
        }
    );
}

#[test]
fn withdrawn_records_match_nothing() {
    let (_d, db) = db();
    let r = one(&db, "EDGE-withdrawn");
    let v = r.affects(0, "1.0", &numeric).unwrap().unwrap();
    assert!(!v.affected);
    assert_eq!(v.reason, Reason::Withdrawn);
    // Still listed for the package (so `moat vuln explain` can say why it did not match).
    let ids: Vec<String> = db
        .lookup("crates.io", "edge")
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(ids, vec!["EDGE-alias", "EDGE-multi", "EDGE-withdrawn"]);
}

#[test]
fn explicit_versions_and_aliases() {
    let (_d, db) = db();
    let r = one(&db, "GHSA-edge-edge-edge");
    assert_eq!(r.id, "EDGE-alias");
    assert!(affected(&r, "0.9.1"));
    assert!(!affected(&r, "0.9.2"));
    // One CVE, two records in different ecosystems: both are found by the alias.
    let mut ids: Vec<String> = db
        .record("CVE-2099-0001")
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    ids.sort();
    assert_eq!(ids, vec!["EDGE-alias", "EDGE-alias-other"]);
    // A Debian package of the same name is a different package.
    assert!(db.lookup("Debian:12", "edge").unwrap().is_empty());
    assert_eq!(db.lookup("Debian:12", "rust-edge").unwrap().len(), 1);
}
