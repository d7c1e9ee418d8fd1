//! Rule fixtures: every file under `fixtures/fail` must produce exactly the findings
//! listed in `fixtures/expected.txt` (`path:line:ID`), every file under `fixtures/pass`
//! none; each rule has at least one of each. The raw secret never appears in a message.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use moat_secrets::{Scanner, Settings, rules};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn scan_tree(sub: &str) -> BTreeSet<(String, u32, String)> {
    let scanner = Scanner::new(Settings::default()).unwrap();
    let mut paths = Vec::new();
    files(&root().join(sub), &mut paths);
    let mut found = BTreeSet::new();
    for p in paths {
        let rel = p
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let content = std::fs::read(&p).unwrap();
        for s in scanner.scan(&rel, &content) {
            assert!(
                s.redacted.chars().skip(4).all(|c| c == '*'),
                "{rel}: {}",
                s.redacted
            );
            let raw = content.get(s.span.0..s.span.1).unwrap();
            let raw = String::from_utf8_lossy(raw);
            assert!(
                !s.message().contains(raw.as_ref()),
                "{rel}: message leaks the secret"
            );
            found.insert((rel.clone(), s.line, s.rule.to_owned()));
        }
    }
    found
}

#[test]
fn fail_fixtures_match_expectations() {
    let text = std::fs::read_to_string(root().join("expected.txt")).unwrap();
    let want: BTreeSet<(String, u32, String)> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut it = l.rsplitn(3, ':');
            let id = it.next().unwrap().to_owned();
            let line = it.next().unwrap().parse().unwrap();
            (it.next().unwrap().to_owned(), line, id)
        })
        .collect();
    assert_eq!(scan_tree("fail"), want);
    for m in rules::ALL {
        assert!(
            want.iter().any(|(_, _, id)| id == m.id),
            "no failing fixture for {}",
            m.id
        );
    }
}

#[test]
fn pass_fixtures_are_clean() {
    assert_eq!(scan_tree("pass"), BTreeSet::new());
    let mut dirs: Vec<String> = std::fs::read_dir(root().join("pass"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let mut fail: Vec<String> = std::fs::read_dir(root().join("fail"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    fail.sort();
    assert_eq!(
        dirs, fail,
        "every failing fixture family has a passing look-alike"
    );
}

#[test]
fn columns_point_at_the_secret() {
    let scanner = Scanner::new(Settings::default()).unwrap();
    let s = scanner.scan("x", b"a\n  key: AKIAXJBTFQXKWOVOMPZO\n");
    assert_eq!((s[0].line, s[0].column), (2, 8));
    assert_eq!(s[0].redacted, "AKIA****************");
}

#[test]
fn settings_select_and_allow() {
    let text = std::fs::read(root().join("fail/stripe/settings.py")).unwrap();
    let only_live = Scanner::new(Settings {
        disabled: vec!["secret-stripe-test-key".into()],
        ..Settings::default()
    })
    .unwrap();
    let ids: Vec<_> = only_live
        .scan("s.py", &text)
        .iter()
        .map(|s| s.rule)
        .collect();
    assert_eq!(ids, ["MOAT-707"]);
    let allowed = Scanner::new(Settings {
        allow: vec!["^sk_(live|test)_h2FD".into()],
        ..Settings::default()
    })
    .unwrap();
    assert!(allowed.scan("s.py", &text).is_empty());
    let paths = Scanner::new(Settings {
        allow_paths: vec!["**/fixtures/**".into()],
        ..Settings::default()
    })
    .unwrap();
    assert!(paths.scan("a/fixtures/s.py", &text).is_empty());
    assert!(
        Scanner::new(Settings {
            allow: vec!["(".into()],
            ..Settings::default()
        })
        .is_err()
    );
    assert!(
        Scanner::new(Settings {
            enabled: vec!["MOAT-999".into()],
            ..Settings::default()
        })
        .is_err()
    );
    assert!(
        Scanner::new(Settings {
            entropy: 9.0,
            ..Settings::default()
        })
        .is_err()
    );
}

#[test]
fn skip_reasons() {
    use moat_secrets::Skip;
    let s = Scanner::new(Settings::default()).unwrap();
    assert_eq!(s.skip_reason("a/logo.png", 10, b""), Some(Skip::Binary));
    assert_eq!(s.skip_reason("a/blob", 10, b"ab\0cd"), Some(Skip::Binary));
    assert_eq!(
        s.skip_reason("web/package-lock.json", 10, b"{}"),
        Some(Skip::Generated)
    );
    assert_eq!(
        s.skip_reason("web/app.min.js", 10, b""),
        Some(Skip::Generated)
    );
    assert!(matches!(
        s.skip_reason("big.txt", 11 << 20, b""),
        Some(Skip::TooLarge { .. })
    ));
    assert_eq!(s.skip_reason("app.env", 100, b"A=1\n"), None);
    let off = Scanner::new(Settings {
        skip_binary: false,
        skip_generated: false,
        ..Settings::default()
    })
    .unwrap();
    assert_eq!(off.skip_reason("a/blob", 10, b"ab\0cd"), None);
    assert_eq!(off.skip_reason("Cargo.lock", 10, b""), None);
}
