//! Precision corpus (`tests/precision/corpus/<set>/`): hand-written renderings of common
//! charts, each with an `expected.txt` reviewed by hand. `moat scan <set>` must report
//! exactly the findings listed there (check ID, file and line, with multiplicity), and
//! the per-check verdict counts in `docs/precision.md` must match the expected files.
//!
//! `expected.txt`: `#` lines are comments (`# FN:` records a false negative, `# FIXED:` a
//! false positive this review removed); every other line is `MOAT-NNN FILE:LINE VERDICT
//! NOTE`, VERDICT being `TP` (true positive), `DEB` (debatable, explained in
//! docs/precision.md) or `FP` (a known false positive not fixed).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use common::{moat, root};

/// (check ID, file relative to the set, line).
type Key = (String, String, u32);

const VERDICTS: &[&str] = &["TP", "DEB", "FP"];

fn corpus() -> PathBuf {
    root().join("tests/precision/corpus")
}

fn sets() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(corpus())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

/// Expected findings: key → verdicts (one per occurrence).
fn expected(set: &Path) -> (BTreeMap<Key, Vec<String>>, Vec<String>) {
    let path = set.join("expected.txt");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (every corpus set needs one)", path.display()));
    let mut map: BTreeMap<Key, Vec<String>> = BTreeMap::new();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut it = line.split_whitespace();
        let (Some(id), Some(loc), Some(verdict)) = (it.next(), it.next(), it.next()) else {
            errors.push(format!("{}:{}: malformed line", path.display(), i + 1));
            continue;
        };
        let Some((file, ln)) = loc.rsplit_once(':') else {
            errors.push(format!("{}:{}: expected FILE:LINE", path.display(), i + 1));
            continue;
        };
        if !VERDICTS.contains(&verdict) {
            errors.push(format!(
                "{}:{}: verdict must be one of {VERDICTS:?}",
                path.display(),
                i + 1
            ));
        }
        let key = (id.to_owned(), file.to_owned(), ln.parse().unwrap());
        map.entry(key).or_default().push(verdict.to_owned());
    }
    (map, errors)
}

/// What `moat scan SET` reports: key → messages (one per occurrence).
fn reported(set: &Path) -> BTreeMap<Key, Vec<String>> {
    let rel = set.strip_prefix(root()).unwrap();
    let rel_s = rel.to_str().unwrap();
    let out = moat(&[
        "scan",
        rel_s,
        "-f",
        "json",
        "--no-config",
        "--fail-on",
        "never",
    ]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{rel_s}: {e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(
        report["errors"],
        serde_json::json!([]),
        "{rel_s}: input errors"
    );
    let mut map: BTreeMap<Key, Vec<String>> = BTreeMap::new();
    for f in report["findings"].as_array().unwrap() {
        let file = f["location"]["file"].as_str().unwrap();
        let file = Path::new(file)
            .strip_prefix(rel)
            .map_or_else(|_| file.to_owned(), |p| p.display().to_string());
        let key = (
            f["check_id"].as_str().unwrap().to_owned(),
            file,
            u32::try_from(f["location"]["line"].as_u64().unwrap()).unwrap(),
        );
        let who = f["container"]
            .as_str()
            .map(|c| format!("[{c}] "))
            .unwrap_or_default();
        map.entry(key)
            .or_default()
            .push(format!("{who}{}", f["message"].as_str().unwrap()));
    }
    map
}

#[test]
fn corpus_findings_equal_the_reviewed_expectations() {
    let sets = sets();
    assert!(sets.len() >= 50, "the corpus has {} sets", sets.len());
    let mut failures = String::new();
    for set in &sets {
        let name = set.file_name().unwrap().to_string_lossy();
        let (want, errors) = expected(set);
        for e in errors {
            let _ = writeln!(failures, "{e}");
        }
        let got = reported(set);
        let keys: BTreeSet<&Key> = want.keys().chain(got.keys()).collect();
        let mut diff = String::new();
        for k in keys {
            let w = want.get(k).map_or(0, Vec::len);
            let g = got.get(k).map_or(&[][..], Vec::as_slice);
            let (id, file, line) = k;
            if g.len() > w {
                for msg in &g[w..] {
                    let _ = writeln!(
                        diff,
                        "  + {id} {file}:{line} ?? {msg}   (reported, not expected)"
                    );
                }
            } else if w > g.len() {
                let _ = writeln!(
                    diff,
                    "  - {id} {file}:{line}   (expected {w}x, reported {}x)",
                    g.len()
                );
            }
        }
        if !diff.is_empty() {
            let _ = writeln!(
                failures,
                "{name}: moat scan differs from {name}/expected.txt — review each line, give it a verdict:\n{diff}"
            );
        }
    }
    assert!(failures.is_empty(), "\n{failures}");
}

/// The per-check table in docs/precision.md is the count of verdicts in the expected files.
#[test]
fn docs_table_matches_the_expected_files() {
    let mut counts: BTreeMap<String, [usize; 3]> = BTreeMap::new();
    for set in sets() {
        for ((id, _, _), verdicts) in expected(&set).0 {
            for v in verdicts {
                let i = VERDICTS.iter().position(|x| *x == v).unwrap();
                counts.entry(id.clone()).or_default()[i] += 1;
            }
        }
    }
    let mut table = String::from(
        "| check | reported | TP | DEB | FP | precision (strict) | precision (DEB as TP) |\n|---|---:|---:|---:|---:|---:|---:|\n",
    );
    let mut total = [0usize; 3];
    let pct = |num: usize, den: usize| {
        // Percentages to one decimal, computed in integers.
        let tenths = (num * 1000 + den / 2) / den;
        format!("{}.{}%", tenths / 10, tenths % 10)
    };
    for (id, c) in &counts {
        let n = c[0] + c[1] + c[2];
        let _ = writeln!(
            table,
            "| {id} | {n} | {} | {} | {} | {} | {} |",
            c[0],
            c[1],
            c[2],
            pct(c[0], n),
            pct(c[0] + c[1], n)
        );
        for i in 0..3 {
            total[i] += c[i];
        }
    }
    let n = total.iter().sum();
    let _ = writeln!(
        table,
        "| **all** | **{n}** | **{}** | **{}** | **{}** | **{}** | **{}** |",
        total[0],
        total[1],
        total[2],
        pct(total[0], n),
        pct(total[0] + total[1], n)
    );
    let doc = std::fs::read_to_string(root().join("docs/precision.md")).unwrap();
    let begin = "<!-- precision-table:begin -->\n";
    let end = "<!-- precision-table:end -->";
    let (Some(b), Some(e)) = (doc.find(begin), doc.find(end)) else {
        panic!("docs/precision.md lacks the {begin:?} … {end:?} markers");
    };
    assert_eq!(
        &doc[b + begin.len()..e],
        table,
        "docs/precision.md: the per-check table is out of date; replace it with the table above"
    );
}
