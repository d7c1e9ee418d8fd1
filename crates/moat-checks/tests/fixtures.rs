//! Fixture harness: `tests/fixtures/<ID>/*.yaml`; every line that should produce a
//! finding carries `# expect: <ID>`. The exact set of (line, ID) for that check must match.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::Path;

use moat_checks::{Checker, Settings};

/// Settings from `# moat-settings: key=value[;key=value]` comment lines.
#[allow(clippy::many_single_char_names)]
fn settings(text: &str) -> Settings {
    let mut s = Settings::default();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("# moat-settings:") else {
            continue;
        };
        for kv in rest.split(';') {
            let (k, v) = kv.trim().split_once('=').unwrap();
            let list = || {
                v.split(',')
                    .map(|x| x.trim().to_owned())
                    .collect::<Vec<_>>()
            };
            match k {
                "allowed-registries" => s.allowed_registries = list(),
                "required-labels" => s.required_labels = list(),
                "min-uid" => s.min_uid = v.parse().unwrap(),
                "k8s-version" => {
                    let (a, b) = v.split_once('.').unwrap();
                    s.k8s_version = Some((a.parse().unwrap(), b.parse().unwrap()));
                }
                "pss" => {
                    let (l, ver) = v.split_once(':').unwrap();
                    s.pss = Some(moat_pss::LevelVersion::new(
                        moat_pss::Level::parse(l).unwrap(),
                        moat_pss::Version::parse(ver).unwrap(),
                    ));
                }
                other => panic!("unknown fixture setting {other}"),
            }
        }
    }
    s
}

/// A checker with every check and family, configured by the fixture's settings.
fn checker_for(text: &str) -> Checker {
    let mut c = Checker::with_settings(moat_checks::all(), settings(text));
    for f in moat_checks::families() {
        let ids = f.metas().iter().map(|m| m.id).collect();
        c = c.with_family(f, ids);
    }
    c
}

/// All findings of every check on one file, judged against the file's own context
/// (its budgets, …) as a scan of just that file would.
fn run_all(checker: Checker, resources: &[moat_manifest::Resource]) -> Vec<moat_core::Finding> {
    let checker = checker.with_context(moat_checks::Context::from_resources(resources));
    resources.iter().flat_map(|r| checker.run(r)).collect()
}

fn expected(text: &str) -> BTreeSet<(u32, String)> {
    let mut set = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        if let Some((_, rest)) = line.split_once("# expect:") {
            for id in rest.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                set.insert((u32::try_from(i + 1).unwrap(), id.to_owned()));
            }
        }
    }
    set
}

#[test]
fn every_check_has_pass_and_fail_fixtures_and_they_hold() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut failures = Vec::new();
    for meta in moat_checks::registry().all() {
        let id = meta.id;
        let dir = root.join(id);
        let mut kinds = (0, 0);
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|_| panic!("no fixture dir for {id}")) {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let want = expected(&text);
            if want.is_empty() {
                kinds.0 += 1;
            } else {
                kinds.1 += 1;
            }
            let checker = checker_for(&text);
            let lf = moat_manifest::load_bytes(&path.display().to_string(), text.as_bytes());
            assert!(lf.errors.is_empty(), "{}: {:?}", path.display(), lf.errors);
            let got: BTreeSet<(u32, String)> = run_all(checker, &lf.resources)
                .into_iter()
                .filter(|f| f.check_id == id)
                .map(|f| (f.location.line, f.check_id.to_string()))
                .collect();
            if got != want {
                failures.push(format!(
                    "{}:\n  expected {want:?}\n  got      {got:?}",
                    path.display()
                ));
            }
        }
        assert!(
            kinds.0 >= 1 && kinds.1 >= 1,
            "{id} needs at least one passing and one failing fixture"
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn ids_and_names_are_unique_and_metadata_complete() {
    let reg = moat_checks::registry();
    assert!(reg.duplicates().is_empty(), "{:?}", reg.duplicates());
    for m in reg.all() {
        assert!(m.id.starts_with("MOAT-") && m.id.len() == 8, "{}", m.id);
        assert!(!m.title.is_empty() && !m.rationale.is_empty() && !m.remediation.is_empty());
        assert!(
            !m.fix_example.is_empty() && !m.references.is_empty(),
            "{}",
            m.id
        );
        assert!(
            m.references.iter().all(|r| r.starts_with("https://")),
            "{}",
            m.id
        );
    }
}

/// Trap fixtures run every check: the expected (line, ID) set covers all checks.
#[test]
fn traps_hold_for_all_checks() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/traps");
    let mut failures = Vec::new();
    for entry in std::fs::read_dir(&root).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let checker = checker_for(&text);
        let lf = moat_manifest::load_bytes(&path.display().to_string(), text.as_bytes());
        assert!(lf.errors.is_empty(), "{}: {:?}", path.display(), lf.errors);
        let got: BTreeSet<(u32, String)> = run_all(checker, &lf.resources)
            .into_iter()
            .map(|f| (f.location.line, f.check_id.to_string()))
            .collect();
        let want = expected(&text);
        if got != want {
            failures.push(format!(
                "{}:\n  expected {want:?}\n  got      {got:?}",
                path.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
