//! Property tests: parsing never panics, comparison is a total order on generated versions,
//! and the dpkg and rpm comparators agree with the real `dpkg --compare-versions` and
//! `rpm.vercmp` (both installed by `scripts/setup-test-deps`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::cmp::Ordering;
use std::process::Command;

use moat_version::{Ecosystem, Version, apk, compare};
use proptest::prelude::*;

/// Version-like strings: digits, letters and every separator the ecosystems give meaning to.
fn versionish() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,3}(\\.[0-9]{1,3}){0,3}",
        "[0-9]{1,2}(\\.[0-9]{1,2}){0,3}([-._~^+]?[a-z0-9]{0,4}){0,3}",
        "v?[0-9]{1,2}\\.[0-9]{1,2}\\.[0-9]{1,2}(-[a-zA-Z0-9]{1,3}(\\.[a-zA-Z0-9]{1,3}){0,2})?(\\+[a-z0-9]{1,3})?",
        "([0-9]:)?[0-9]{1,2}(\\.[0-9a-z]{1,2}){0,2}(_(alpha|beta|pre|rc|p|git)[0-9]?)?(-r?[0-9a-z]{1,2})?",
        "[0-9]{1,2}(\\.[0-9]{1,2}){0,2}(-?(a|b|m|rc|cr|alpha|beta|milestone|snapshot|ga|final|sp|xyz)[0-9]?)?(-[0-9]{1,2})?",
        "[0-9]{1,2}(\\.[0-9]{1,2}){0,2}((a|b|rc|\\.post|\\.dev)[0-9]?){0,2}(\\+[a-z0-9]{1,3})?",
        "[ -~]{0,12}",
    ]
}

fn parse_all(eco: Ecosystem, v: &[String]) -> Vec<Version> {
    v.iter()
        .filter_map(|s| Version::parse(eco, s).ok())
        .collect()
}

/// The ecosystems whose order must be total on everything they parse.
fn total_order_ecosystems() -> impl Iterator<Item = Ecosystem> {
    Ecosystem::ALL.into_iter()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parse_never_panics(s in "\\PC{0,40}", t in versionish()) {
        for eco in Ecosystem::ALL {
            let _ = Version::parse(eco, &s);
            let _ = compare(eco, &s, &t);
            let _ = compare(eco, &t, &t);
        }
    }

    #[test]
    fn compare_is_a_total_order(v in prop::collection::vec(versionish(), 3)) {
        for eco in total_order_ecosystems() {
            let mut p = parse_all(eco, &v);
            if eco == Ecosystem::Alpine {
                // Two malformed apk versions compare as strings (as apk 2 does), which is not
                // consistent with how each compares to a well-formed one; the order is total on
                // the grammar.
                p.retain(|x| apk::is_strictly_valid(x.as_str()));
            }
            if eco == Ecosystem::Packagist {
                // PHP's version_compare ranks a word starting with `#` equal to any number, so
                // `1 = # = 0`; the order is total on versions without `#`.
                p.retain(|x| !x.as_str().contains('#'));
            }
            for a in &p {
                prop_assert_eq!(a.cmp(a), Ordering::Equal, "{:?} reflexive", a);
                for b in &p {
                    prop_assert_eq!(a.cmp(b), b.cmp(a).reverse(), "{:?} {:?} antisymmetric", a, b);
                    for c in &p {
                        if a <= b && b <= c {
                            prop_assert!(a <= c, "{:?} <= {:?} <= {:?} but not transitive", a, b, c);
                        }
                    }
                }
            }
        }
    }
}

/// `dpkg --compare-versions a OP b` as a bool.
fn dpkg_says(a: &str, op: &str, b: &str) -> bool {
    Command::new("dpkg")
        .args(["--compare-versions", a, op, b])
        .status()
        .expect("dpkg must be installed (scripts/setup-test-deps)")
        .success()
}

fn dpkg_version() -> impl Strategy<Value = String> {
    "([0-9]{1,2}:)?[0-9]{1,2}([.+~a-z0-9]{0,6})(-[.+~a-z0-9]{1,5})?"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    #[test]
    fn dpkg_agrees_with_real_dpkg(a in dpkg_version(), b in dpkg_version()) {
        let ours = compare(Ecosystem::Debian, &a, &b).unwrap();
        let theirs = if dpkg_says(&a, "lt", &b) {
            Ordering::Less
        } else if dpkg_says(&a, "eq", &b) {
            Ordering::Equal
        } else {
            Ordering::Greater
        };
        prop_assert_eq!(ours, theirs, "{} vs {}", a, b);
    }
}

fn rpm_version() -> impl Strategy<Value = String> {
    "([0-9]{1,2}:)?[0-9a-zA-Z][.~^_+0-9a-zA-Z]{0,7}(-[.~^_+0-9a-zA-Z]{1,6})?"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    /// One `rpm --eval` (Lua `rpm.vercmp`) call per case, 100 pairs each.
    #[test]
    fn rpm_agrees_with_real_rpm(pairs in prop::collection::vec((rpm_version(), rpm_version()), 100)) {
        let mut script = String::from("%{lua:");
        for (a, b) in &pairs {
            script.push_str(&format!("print(rpm.vercmp(\"{a}\",\"{b}\") .. \";\") "));
        }
        script.push('}');
        let out = Command::new("rpm")
            .args(["--eval", &script])
            .output()
            .expect("rpm must be installed (scripts/setup-test-deps)");
        prop_assert!(out.status.success(), "rpm failed: {}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8(out.stdout).unwrap();
        let theirs: Vec<i32> = text
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().unwrap())
            .collect();
        prop_assert_eq!(theirs.len(), pairs.len());
        for ((a, b), t) in pairs.iter().zip(theirs) {
            let ours = compare(Ecosystem::Rpm, a, b).unwrap();
            prop_assert_eq!(ours, t.cmp(&0), "{} vs {}", a, b);
        }
    }
}

fn pep440_version() -> impl Strategy<Value = String> {
    "(v|V)?([0-9]!)?[0-9]{1,2}(\\.[0-9]{1,2}){0,3}([-_.]?(a|b|c|rc|alpha|beta|pre|preview|A|RC)[-_.]?[0-9]{0,2})?([-_.]?(post|rev|r)[-_.]?[0-9]{0,2}|-[0-9])?([-_.]?(dev|DEV)[-_.]?[0-9]{0,2})?(\\+[a-z0-9]{1,3}([-_.][a-zA-Z0-9]{1,3}){0,2})?"
}

/// Runs `program args…` with one `a<TAB>b` line per pair on stdin and returns its output lines.
fn run_batch(program: &str, args: &[&str], pairs: &[(String, String)]) -> Vec<String> {
    use std::io::Write as _;
    let mut child = Command::new(program)
        .args(args)
        // Debian's node-semver lives here; nodesource's node does not look there by itself.
        .env("NODE_PATH", "/usr/share/nodejs")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program} must be installed (scripts/setup-test-deps): {e}"));
    let mut input = String::new();
    for (a, b) in pairs {
        input.push_str(&format!("{a}\t{b}\n"));
    }
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{program} failed");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// What `packaging.version` (Debian's python3-packaging) says per pair: whether each side is
/// valid PEP 440 and, when both are, their comparison.
fn packaging_says(pairs: &[(String, String)]) -> Vec<(bool, bool, Option<i32>)> {
    let script = "import sys\nfrom packaging.version import Version, InvalidVersion\n\
        def v(s):\n    try:\n        return Version(s)\n    except InvalidVersion:\n        return None\n\
        for line in sys.stdin:\n    a, b = line.rstrip('\\n').split('\\t')\n    \
        x, y = v(a), v(b)\n    \
        print(int(x is not None), int(y is not None), (x > y) - (x < y) if x and y else 'X')\n";
    run_batch("/usr/bin/python3", &["-c", script], pairs)
        .iter()
        .map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            (f[0] == "1", f[1] == "1", f[2].parse().ok())
        })
        .collect()
}

/// Whether our PyPI comparator treats `s` as PEP 440 (legacy versions sort below `0.dev0`, the
/// smallest PEP 440 version).
fn ours_is_pep440(s: &str) -> bool {
    compare(Ecosystem::PyPI, s, "0.dev0").unwrap() != Ordering::Less
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    /// One Python process per case, 300 pairs each: same validity, same order.
    #[test]
    fn pep440_agrees_with_packaging(pairs in prop::collection::vec((pep440_version(), pep440_version()), 300)) {
        let theirs = packaging_says(&pairs);
        prop_assert_eq!(theirs.len(), pairs.len());
        let mut checked = 0;
        for ((a, b), (va, vb, t)) in pairs.iter().zip(theirs) {
            prop_assert_eq!(ours_is_pep440(a), va, "validity of {}", a);
            prop_assert_eq!(ours_is_pep440(b), vb, "validity of {}", b);
            let Some(t) = t else { continue };
            checked += 1;
            let ours = compare(Ecosystem::PyPI, a, b).unwrap();
            prop_assert_eq!(ours, t.cmp(&0), "{} vs {}", a, b);
        }
        prop_assert!(checked > 100, "packaging rejected most generated versions");
    }
}

fn gem_version() -> impl Strategy<Value = String> {
    "[0-9]{1,2}(\\.[0-9]{1,2}){0,3}(\\.[a-zA-Z]{1,3}[0-9]{0,2}){0,2}(\\.[0-9]{1,2}){0,2}(-[a-z0-9]{1,3}(\\.[a-z0-9]{1,2})?)?"
}

fn php_version() -> impl Strategy<Value = String> {
    "[0-9]{1,2}([-_+.]?([0-9]{1,2}|dev|alpha|a|beta|b|RC|rc|pl|p|patch|foo)){0,5}"
}

/// Asserts that `ours` agrees with each `-1/0/1` line the tool printed (`X`: tool rejected it).
fn assert_agrees(
    eco: Ecosystem,
    pairs: &[(String, String)],
    theirs: &[String],
) -> Result<usize, TestCaseError> {
    prop_assert_eq!(theirs.len(), pairs.len());
    let mut checked = 0;
    for ((a, b), t) in pairs.iter().zip(theirs) {
        let Ok(t) = t.trim().parse::<i32>() else {
            continue;
        };
        checked += 1;
        let ours = compare(eco, a, b).unwrap();
        prop_assert_eq!(ours, t.cmp(&0), "{}: {} vs {}", eco, a, b);
    }
    Ok(checked)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    /// Ruby's `Gem::Version#<=>` on versions `Gem::Version.correct?` accepts.
    #[test]
    fn rubygems_agrees_with_ruby(pairs in prop::collection::vec((gem_version(), gem_version()), 300)) {
        let script = "STDIN.each_line { |l| a, b = l.chomp.split(\"\\t\"); \
            puts(Gem::Version.correct?(a) && Gem::Version.correct?(b) ? \
            (Gem::Version.new(a) <=> Gem::Version.new(b)) : 'X') }";
        let theirs = run_batch("ruby", &["-e", script], &pairs);
        let checked = assert_agrees(Ecosystem::RubyGems, &pairs, &theirs)?;
        prop_assert!(checked > 100, "ruby rejected most generated versions");
    }

    /// PHP's `version_compare` (what Packagist orders by) on strings of digits, words, `.-_+`.
    #[test]
    fn packagist_agrees_with_php(pairs in prop::collection::vec((php_version(), php_version()), 300)) {
        let script = "while (($l = fgets(STDIN)) !== false) { [$a, $b] = explode(\"\\t\", rtrim($l, \"\\n\")); \
            echo version_compare($a, $b), \"\\n\"; }";
        let theirs = run_batch("php", &["-r", script], &pairs);
        let checked = assert_agrees(Ecosystem::Packagist, &pairs, &theirs)?;
        prop_assert_eq!(checked, pairs.len());
    }
}

fn npm_version() -> impl Strategy<Value = String> {
    "v?[0-9]{1,2}\\.[0-9]{1,2}\\.[0-9]{1,2}(-[0-9A-Za-z-]{1,3}(\\.[0-9A-Za-z-]{1,3}){0,3})?(\\+[0-9a-z]{1,3})?"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    /// npm's `semver.compare` (Debian's node-semver) on versions `semver.valid` accepts.
    #[test]
    fn npm_agrees_with_node_semver(pairs in prop::collection::vec((npm_version(), npm_version()), 300)) {
        let script = "const s = require('semver'); const out = []; \
            for (const l of require('fs').readFileSync(0, 'utf8').split('\\n')) { if (!l) continue; \
            const [a, b] = l.split('\\t'); out.push(s.valid(a) && s.valid(b) ? s.compare(a, b) : 'X'); } \
            console.log(out.join('\\n'));";
        let theirs = run_batch("node", &["-e", script], &pairs);
        let checked = assert_agrees(Ecosystem::Npm, &pairs, &theirs)?;
        prop_assert!(checked > 100, "node-semver rejected most generated versions");
    }
}
