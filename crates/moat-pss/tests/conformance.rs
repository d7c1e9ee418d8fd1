//! Upstream conformance: every fixture of `k8s.io/pod-security-admission/test/testdata`
//! (in `../shared/conformance/pod-security`, never copied into the repository).
//!
//! `pass/` files must be allowed at their level and version; `fail/` files must be denied,
//! and the denying checks must include the one the file is named after, or the restricted
//! check that overrides it at that version.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::path::{Path, PathBuf};

use moat_manifest::{PodSpecView, load_bytes};
use moat_pss::{CheckId, Level, Version, evaluate};

const EXPECTED_FILES: usize = 4537;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/pod-security")
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = rd
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    v.sort();
    v
}

/// The check a `fail/` fixture is named after: the file stem minus trailing digits.
fn named_check(path: &Path) -> CheckId {
    let stem = path.file_stem().unwrap().to_str().unwrap();
    let name = stem.trim_end_matches(|c: char| c.is_ascii_digit());
    CheckId::parse(name).unwrap_or_else(|| panic!("unknown check in fixture name {stem}"))
}

/// Judges one fixture; `Err` describes a mismatch.
fn judge(path: &Path, level: Level, version: Version, expect_pass: bool) -> Result<(), String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let lf = load_bytes(&path.display().to_string(), &bytes);
    if !lf.errors.is_empty() {
        return Err(format!("load errors: {:?}", lf.errors));
    }
    let [resource] = lf.resources.as_slice() else {
        return Err(format!("expected one object, got {}", lf.resources.len()));
    };
    let pod = PodSpecView::of(resource).ok_or("not a workload")?;
    let violations = evaluate(&pod, level, version);
    for v in &violations {
        for p in &v.paths {
            if resource.node.lookup(p).pos.line == 0 {
                return Err(format!("path {p} does not resolve"));
            }
        }
    }
    if expect_pass {
        if violations.is_empty() {
            return Ok(());
        }
        return Err(format!(
            "expected allowed, denied: {}",
            moat_pss::forbidden_detail(&violations)
        ));
    }
    let named = named_check(path);
    let want = match level {
        Level::Restricted => named.check().overridden_by(version).unwrap_or(named),
        _ => named,
    };
    if violations.iter().any(|v| v.check == want) {
        Ok(())
    } else if violations.is_empty() {
        Err(format!("expected denied by {want}, allowed"))
    } else {
        Err(format!(
            "expected denied by {want}, denied by {}",
            violations
                .iter()
                .map(|v| v.check.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }
}

#[test]
fn upstream_fixtures() {
    let root = root();
    assert!(
        root.is_dir(),
        "conformance data missing at {} (expected ../shared beside the repository)",
        root.display()
    );
    let (mut passed, mut failed) = (0usize, 0usize);
    let mut failures = Vec::new();
    for level in [Level::Baseline, Level::Restricted] {
        for version in Version::known().filter(|v| *v != Version::Latest) {
            let dir = root.join(level.as_str()).join(version.to_string());
            for (sub, expect_pass) in [("pass", true), ("fail", false)] {
                for f in yaml_files(&dir.join(sub)) {
                    match judge(&f, level, version, expect_pass) {
                        Ok(()) => passed += 1,
                        Err(why) => {
                            failed += 1;
                            let rel = f.strip_prefix(&root).unwrap_or(&f).display().to_string();
                            failures.push(format!("{rel}: {why}"));
                        }
                    }
                }
            }
        }
    }
    println!("pod-security conformance: {passed} passed, {failed} failed");
    for f in failures.iter().take(50) {
        println!("  {f}");
    }
    assert_eq!(
        passed + failed,
        EXPECTED_FILES,
        "fixture count changed; update EXPECTED_FILES"
    );
    assert_eq!(failed, 0, "{failed} fixtures failed");
}

/// `latest` evaluates exactly like the newest version directory.
#[test]
fn latest_matches_newest_version() {
    let root = root();
    let newest = Version::V1(moat_pss::MAX_MINOR);
    for level in [Level::Baseline, Level::Restricted] {
        let dir = root.join(level.as_str()).join(newest.to_string());
        for sub in ["pass", "fail"] {
            for f in yaml_files(&dir.join(sub)) {
                let lf = load_bytes("f.yaml", &std::fs::read(&f).unwrap());
                let pod = PodSpecView::of(&lf.resources[0]).unwrap();
                assert_eq!(
                    evaluate(&pod, level, newest),
                    evaluate(&pod, level, Version::Latest),
                    "{}",
                    f.display()
                );
            }
        }
    }
}
