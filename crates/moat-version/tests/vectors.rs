//! Conformance: the version-ordering vectors in `../shared/vulndata/version-vectors/`
//! (osv-scalibr's `semantic/testdata`, osv.dev's Alpine validity lists) must pass 100%.
//!
//! Each vector line is `A <op> B` with op `<`, `=` or `>`; both directions are checked, as
//! upstream does. Blank lines and lines starting with `# ` or `// ` are comments. The test
//! prints a tally per file and ecosystem and fails on any file it does not know (so a new
//! vector file cannot be ignored silently).
#![allow(clippy::print_stderr, clippy::unwrap_used, clippy::expect_used)]

use std::cmp::Ordering;
use std::path::{Path, PathBuf};

use moat_version::{Ecosystem, Version, apk, compare};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vulndata/version-vectors")
}

/// Which ecosystems a vector file is run against (every file is run; none is skipped).
fn ecosystems(file: &str) -> Vec<Ecosystem> {
    let stem = file.trim_end_matches(".txt").trim_end_matches("-generated");
    match stem {
        "semver-versions" => vec![Ecosystem::Npm, Ecosystem::CratesIo, Ecosystem::Go],
        "rubygems-versions" => vec![Ecosystem::RubyGems],
        "nuget-versions" => vec![Ecosystem::NuGet],
        "maven-versions" => vec![Ecosystem::Maven],
        "pypi-versions" => vec![Ecosystem::PyPI],
        "debian-versions" => vec![Ecosystem::Debian],
        "alpine-versions" => vec![Ecosystem::Alpine],
        "redhat-versions" => vec![Ecosystem::Rpm],
        "cran-versions" => vec![Ecosystem::Cran],
        "hackage-versions" => vec![Ecosystem::Hackage],
        "pub-versions" => vec![Ecosystem::Pub],
        "packagist-versions" => vec![Ecosystem::Packagist],
        _ => panic!("unknown vector file {file}: map it to an ecosystem"),
    }
}

struct Tally {
    pass: usize,
    fail: Vec<String>,
}

fn run_file(path: &Path, eco: Ecosystem) -> Tally {
    let text = std::fs::read_to_string(path).unwrap();
    let mut tally = Tally {
        pass: 0,
        fail: Vec::new(),
    };
    for (n, line) in text.lines().enumerate() {
        if line.is_empty() || line.starts_with("# ") || line.starts_with("// ") {
            continue;
        }
        let parts: Vec<&str> = line.split(' ').collect();
        let [lhs, op, rhs] = parts[..] else {
            panic!(
                "{}:{}: malformed vector line {line:?}",
                path.display(),
                n + 1
            );
        };
        let want = match op {
            "<" => Ordering::Less,
            "=" => Ordering::Equal,
            ">" => Ordering::Greater,
            _ => panic!("{}:{}: unknown operator {op:?}", path.display(), n + 1),
        };
        let got = (compare(eco, lhs, rhs), compare(eco, rhs, lhs));
        match got {
            (Ok(fwd), Ok(back)) if fwd == want && back == want.reverse() => tally.pass += 1,
            other => tally
                .fail
                .push(format!("line {}: {line} -> {other:?}", n + 1)),
        }
    }
    tally
}

#[test]
fn ordering_vectors_pass_100_percent() {
    let mut files: Vec<String> = std::fs::read_dir(dir())
        .expect("../shared/vulndata/version-vectors must exist (see scripts/setup-test-deps)")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|f| Path::new(f).extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 19,
        "expected the 19 vector files, found {files:?}"
    );
    let (mut total, mut passed, mut failures) = (0, 0, Vec::new());
    for file in &files {
        for eco in ecosystems(file) {
            let t = run_file(&dir().join(file), eco);
            let n = t.pass + t.fail.len();
            let pct = if t.fail.is_empty() { "100%" } else { "FAILING" };
            eprintln!("{file:<36} {:<10} {:>6}/{:<6} {pct}", eco.name(), t.pass, n);
            total += n;
            passed += t.pass;
            failures.extend(
                t.fail
                    .iter()
                    .map(|f| format!("{file} [{}] {f}", eco.name())),
            );
        }
    }
    eprintln!("TOTAL {passed}/{total} vector lines pass (both directions checked)");
    for f in failures.iter().take(40) {
        eprintln!("FAIL {f}");
    }
    assert!(failures.is_empty(), "{} vector lines fail", failures.len());
}

/// osv.dev's Alpine lists: valid versions parse and follow the grammar; invalid ones do not.
#[test]
fn alpine_validity_lists() {
    let d = dir().join("osv.dev-alpine");
    let read = |f: &str| {
        std::fs::read_to_string(d.join(f))
            .unwrap()
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let (valid, invalid) = (read("valid_versions.txt"), read("invalid_versions.txt"));
    let ok_valid = valid
        .iter()
        .filter(|v| apk::is_strictly_valid(v) && Version::parse(Ecosystem::Alpine, v).is_ok())
        .count();
    let ok_invalid = invalid
        .iter()
        .filter(|v| !apk::is_strictly_valid(v))
        .count();
    eprintln!(
        "osv.dev-alpine valid {ok_valid}/{}, invalid {ok_invalid}/{}",
        valid.len(),
        invalid.len()
    );
    assert!(valid.len() > 100 && invalid.len() > 5);
    for v in &valid {
        assert!(apk::is_strictly_valid(v), "should be valid: {v}");
    }
    for v in &invalid {
        assert!(!apk::is_strictly_valid(v), "should be invalid: {v}");
    }
}
