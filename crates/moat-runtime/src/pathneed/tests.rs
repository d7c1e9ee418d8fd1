use proptest::prelude::*;

use super::*;
use crate::compile::compile;
use crate::eval::eval;
use crate::loader::RuleSet;
use crate::syscall::parse_line;

const LISTS: &str = "
- list: secrets
  items: [/etc/shadow, /etc/sudoers]
- list: logs
  items: [syslog, auth.log]
- macro: open_read
  condition: (evt.type in (open,openat,openat2) and evt.is_open_read=true)
";

/// Compiles one rule per condition (after the shared lists and macros).
fn conds(conditions: &[&str]) -> Vec<Cond> {
    let mut text = LISTS.to_string();
    for (i, c) in conditions.iter().enumerate() {
        text.push_str(&format!(
            "- rule: r{i}\n  desc: d\n  condition: {c}\n  output: o\n  priority: INFO\n"
        ));
    }
    let mut set = RuleSet::new();
    set.load_str("t.yaml", &text);
    let compiled = compile(&set);
    assert!(
        compiled
            .diagnostics
            .iter()
            .all(|d| d.level != crate::Level::Error),
        "{:?}",
        compiled.diagnostics
    );
    compiled.rules.into_iter().map(|r| r.cond).collect()
}

fn need(condition: &str) -> PathNeed {
    open_path_need(&conds(&[condition])[0], "openat")
}

fn some(prefixes: &[&str], exact: &[&str], suffixes: &[&str]) -> PathNeed {
    let s = |v: &[&str]| v.iter().map(ToString::to_string).collect();
    PathNeed::Some(PathSet {
        prefixes: s(prefixes),
        exact: s(exact),
        suffixes: s(suffixes),
    })
}

#[test]
fn path_comparisons_become_patterns() {
    assert_eq!(
        need("open_read and fd.name startswith /etc/"),
        some(&["/etc/"], &[], &[])
    );
    assert_eq!(
        need("open_read and fd.name in (secrets)"),
        some(&[], &["/etc/shadow", "/etc/sudoers"], &[])
    );
    assert_eq!(
        need("open_read and fd.directory in (/etc/pam.d, /)"),
        some(&["/", "/etc/pam.d/"], &[], &[])
    );
    assert_eq!(
        need("open_read and fd.filename in (logs)"),
        some(&[], &[], &["/auth.log", "/syslog"])
    );
    assert_eq!(
        need("open_read and fd.name endswith release_agent"),
        some(&[], &[], &["release_agent"])
    );
    assert_eq!(
        need("open_read and fd.name pmatch (/var/log, /run/)"),
        some(&["/run/", "/var/log/"], &["/run", "/var/log"], &[])
    );
    assert_eq!(
        need("open_read and fd.name glob '/home/*/.ssh/*'"),
        some(&["/home/"], &[], &[])
    );
    assert_eq!(
        need("open_read and fd.name glob '*.pem'"),
        some(&[], &[], &[".pem"])
    );
    assert_eq!(
        need("open_read and fd.name glob '/etc/passwd'"),
        some(&[], &["/etc/passwd"], &[])
    );
}

#[test]
fn and_keeps_the_narrower_side_or_unites_not_gives_up() {
    assert_eq!(
        need("fd.name startswith /etc/ and fd.name in (secrets)"),
        some(&["/etc/"], &[], &[])
    );
    assert_eq!(
        need("fd.name startswith /etc/ or fd.name = /root/.bashrc"),
        some(&["/etc/"], &["/root/.bashrc"], &[])
    );
    assert_eq!(
        need("fd.name startswith /etc/ or proc.name = cat"),
        PathNeed::Any
    );
    assert_eq!(need("open_read and proc.name = cat"), PathNeed::Any);
    assert_eq!(
        need("open_read and not fd.name startswith /etc/"),
        PathNeed::Any
    );
    // De Morgan: not (a or b) = not a and not b; not (not x) = x.
    assert_eq!(
        need("open_read and not (not fd.name startswith /etc/ or proc.name = cat)"),
        some(&["/etc/"], &[], &[])
    );
    assert_eq!(need("fd.name contains shadow"), PathNeed::Any);
    assert_eq!(need("tolower(fd.name) = /etc/shadow"), PathNeed::Any);
}

#[test]
fn only_unplain_paths_satisfy_traversal_checks() {
    let none = PathNeed::Some(PathSet::default());
    assert_eq!(need("fd.nameraw contains '../'"), none);
    assert_eq!(need("fd.nameraw glob '*../*../*'"), none);
    assert_eq!(need("fd.name contains '/.ssh/'"), none);
    assert_eq!(
        need("(fd.name contains id_rsa or proc.name=cat) and fd.nameraw contains '../'"),
        none
    );
}

#[test]
fn other_event_types_need_no_open() {
    let none = PathNeed::Some(PathSet::default());
    assert_eq!(need("evt.type = connect and fd.sport = 1"), none);
    assert_eq!(need("evt.type in (execve, connect)"), none);
    assert_eq!(need("evt.type != openat"), none);
    assert_eq!(
        need("not evt.type = openat or fd.name = /x"),
        some(&[], &["/x"], &[])
    );
    assert_eq!(need("evt.type = openat"), PathNeed::Any);
    let c = &conds(&["evt.type = open and fd.name = /x"])[0];
    assert_eq!(open_path_need(c, "openat"), none);
    assert_eq!(open_path_need(c, "open"), some(&[], &["/x"], &[]));
}

#[test]
fn falco_default_rules_need_few_paths() {
    let rules = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/runtime-rules/falcosecurity-rules/falco_rules.yaml"
    );
    let compiled = crate::load_rules_files(&[rules]);
    let mut total = PathNeed::none();
    for r in compiled.rules.iter().filter(|r| r.enabled) {
        for t in ["open", "openat", "openat2", "creat"] {
            total = total.union(open_path_need(&r.cond, t));
        }
    }
    let PathNeed::Some(set) = &total else {
        panic!("the default rules should constrain opened paths")
    };
    for p in [
        "/etc/shadow",
        "/etc/pam.d/common-auth",
        "/etc/sudoers.d/x",
        "/var/log/syslog",
    ] {
        assert!(total.admits(p), "{p} must pass: {set:?}");
    }
    for p in [
        "/dev/null",
        "/dev/zero",
        "/tmp",
        "/proc/self/fd/0",
        "/usr/lib/libc.so.6",
    ] {
        assert!(!total.admits(p), "{p} must be filtered: {set:?}");
    }
}

/// Path components of the generated paths and conditions (few, so that they meet).
const WORDS: [&str; 3] = ["etc", "a", "b.c"];

/// A random condition over the path fields, in rule syntax.
fn cond_text() -> impl Strategy<Value = String> {
    let word = prop::sample::select(WORDS.to_vec());
    let path = prop::collection::vec(word.clone(), 1..3).prop_map(|v| format!("/{}", v.join("/")));
    let odd = prop::sample::select(vec![".ssh", "..", "/", "a/"]);
    let leaf = prop_oneof![
        path.clone().prop_map(|p| format!("fd.name = '{p}'")),
        path.clone()
            .prop_map(|p| format!("fd.nameraw startswith '{p}'")),
        path.clone().prop_map(|p| format!("fd.name pmatch ('{p}')")),
        path.clone().prop_map(|p| format!("fd.directory = '{p}'")),
        word.clone().prop_map(|w| format!("fd.filename = '{w}'")),
        word.clone().prop_map(|w| format!("fd.name endswith '{w}'")),
        word.clone().prop_map(|w| format!("fd.name contains '{w}'")),
        odd.prop_map(|w| format!("fd.nameraw contains '/{w}'")),
        path.clone().prop_map(|p| format!("fd.name glob '{p}*'")),
        word.clone().prop_map(|w| format!("fd.name glob '*{w}'")),
        word.prop_map(|w| format!("fd.name glob '*{w}*'")),
        Just("proc.name = cat".to_string()),
        Just("evt.type = connect".to_string()),
        Just("evt.type = openat".to_string()),
    ];
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} and {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} or {b})")),
            inner.prop_map(|a| format!("not ({a})")),
        ]
    })
}

/// Plain paths (the filter lets every other path through).
fn plain_path() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(WORDS.to_vec()), 1..4)
        .prop_map(|v| format!("/{}", v.join("/")))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    /// Soundness: whenever a condition holds for an open of a plain path, the need
    /// admits the path.
    #[test]
    fn a_matching_open_is_always_admitted(c in cond_text(), p in plain_path()) {
        let cond = &conds(&[&c])[0];
        let need = open_path_need(cond, "openat");
        let (dir, file) = p.rsplit_once('/').unwrap();
        let dir = if dir.is_empty() { "/" } else { dir };
        let line = serde_json::json!({
            "evt.type": "openat", "proc.name": "cat", "fd.name": p, "fd.nameraw": p,
            "fd.directory": dir, "fd.filename": file,
        })
        .to_string();
        let ev = parse_line(&line).unwrap();
        let mut scratch = vec![0; 4096];
        if eval(cond, &ev, &mut scratch) {
            prop_assert!(need.admits(&p), "{c} holds for {p} but {need:?} rejects it");
        }
    }
}
