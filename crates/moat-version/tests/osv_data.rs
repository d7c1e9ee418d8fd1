//! Real data: every version in the OSV records under `../shared/vulndata` (Go, crates.io,
//! AlmaLinux 9 and 10, the GHSA and Ubuntu samples) parses in the ecosystem its record names,
//! every ecosystem name maps to an [`Ecosystem`], and within each range an `introduced` event
//! never sorts after the `fixed` or `last_affected` event that follows it (equal to `fixed` is an
//! empty range, counted).
#![allow(clippy::print_stderr, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use moat_version::{Ecosystem, Version};
use serde_json::Value;

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

#[derive(Default)]
struct Tally {
    records: usize,
    versions: usize,
    pairs: usize,
    /// `introduced` equal to `fixed`: an empty range (`RustSec` writes a few), legal OSV.
    empty: usize,
    problems: Vec<String>,
}

fn check_record(path: &Path, rec: &Value, t: &mut Tally) {
    t.records += 1;
    for affected in rec["affected"].as_array().into_iter().flatten() {
        let name = affected["package"]["ecosystem"].as_str().unwrap_or("");
        let Some(eco) = Ecosystem::from_osv(name) else {
            t.problems
                .push(format!("{}: unknown ecosystem {name:?}", path.display()));
            continue;
        };
        let parse = |v: &str, t: &mut Tally| {
            t.versions += 1;
            Version::parse(eco, v)
                .map_err(|e| t.problems.push(format!("{}: {e}", path.display())))
                .ok()
        };
        for v in affected["versions"].as_array().into_iter().flatten() {
            parse(v.as_str().unwrap_or(""), t);
        }
        for range in affected["ranges"].as_array().into_iter().flatten() {
            if range["type"] == "GIT" {
                continue;
            }
            let mut introduced: Option<Version> = None;
            for event in range["events"].as_array().into_iter().flatten() {
                let Some((kind, value)) = event.as_object().and_then(|o| o.iter().next()) else {
                    continue;
                };
                let value = value.as_str().unwrap_or("");
                if (kind == "introduced" && value == "0") || (kind == "limit" && value == "*") {
                    introduced = None;
                    continue;
                }
                let Some(v) = parse(value, t) else { continue };
                match kind.as_str() {
                    "introduced" => introduced = Some(v),
                    "fixed" | "last_affected" => {
                        if let Some(i) = introduced.take() {
                            t.pairs += 1;
                            if kind == "fixed" && i == v {
                                t.empty += 1;
                            } else if i > v {
                                t.problems.push(format!(
                                    "{}: introduced {} is not before {kind} {}",
                                    path.display(),
                                    i.as_str(),
                                    v.as_str()
                                ));
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

#[test]
fn osv_versions_parse_and_ranges_ascend() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vulndata");
    let mut files = Vec::new();
    for dir in [
        "go-vulndb/osv",
        "rustsec-osv/crates",
        "almalinux-osv/advisories/almalinux9",
        "almalinux-osv/advisories/almalinux10",
        "ghsa-sample/advisories",
        "ubuntu-osv-sample/osv",
    ] {
        json_files(&root.join(dir), &mut files);
    }
    files.sort();
    let mut t = Tally::default();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let rec: Value = serde_json::from_str(&text).unwrap();
        check_record(path, &rec, &mut t);
    }
    eprintln!(
        "{} records, {} versions parsed, {} introduced/fixed pairs ordered ({} empty), {} problems",
        t.records,
        t.versions,
        t.pairs,
        t.empty,
        t.problems.len()
    );
    for p in t.problems.iter().take(30) {
        eprintln!("  {p}");
    }
    assert!(
        t.records > 7000,
        "expected the complete OSV sets, read {}",
        t.records
    );
    assert!(t.problems.is_empty(), "{} problems", t.problems.len());
}

/// Every fixed version in Debian's security-tracker DSA/DLA/DTSA lists parses as a dpkg version.
#[test]
fn debian_tracker_versions_parse() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/vulndata/debian-security-tracker/data");
    let (mut parsed, mut problems) = (0, Vec::new());
    for list in ["DSA/list", "DLA/list", "DTSA/list"] {
        let text = std::fs::read_to_string(root.join(list)).unwrap();
        for (n, line) in text.lines().enumerate() {
            // `\t[release] - package version [(notes)]` or `\t- package version`
            let Some(rest) = line.strip_prefix('\t') else {
                continue;
            };
            let rest = rest
                .strip_prefix('[')
                .and_then(|r| r.split_once("] "))
                .map_or(rest, |(_, r)| r);
            let Some(rest) = rest.strip_prefix("- ") else {
                continue;
            };
            let Some(version) = rest.split_whitespace().nth(1) else {
                continue;
            };
            if version.starts_with('<') {
                continue; // <not-affected>, <unfixed>, ...
            }
            match Version::parse(Ecosystem::Debian, version) {
                Ok(_) => parsed += 1,
                Err(e) => problems.push(format!("{list}:{}: {e}", n + 1)),
            }
        }
    }
    eprintln!(
        "Debian tracker: {parsed} versions parsed, {} problems",
        problems.len()
    );
    for p in problems.iter().take(20) {
        eprintln!("  {p}");
    }
    assert!(
        parsed > 10_000,
        "expected the DSA/DLA lists, parsed {parsed}"
    );
    assert!(problems.is_empty());
}
