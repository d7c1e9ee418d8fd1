//! Fixture harness: `tests/fixtures/<ID>/*.Dockerfile`; a `# expect: <ID>` comment line
//! says the next instruction line must produce that finding. For each rule, the exact
//! set of (line, ID) of that rule must match, and every rule needs a passing and a
//! failing fixture.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::path::Path;

#[test]
fn every_rule_has_pass_and_fail_fixtures_and_they_hold() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut failures = Vec::new();
    for meta in moat_dockerfile::metas() {
        let id = meta.id;
        let dir = root.join(id);
        let mut kinds = (0, 0);
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|_| panic!("no fixture dir for {id}")) {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let want = common::expected(&text);
            assert!(
                want.iter().all(|(_, i)| i == id),
                "{}: expectations for other rules",
                path.display()
            );
            if want.is_empty() {
                kinds.0 += 1;
            } else {
                kinds.1 += 1;
            }
            let got: BTreeSet<(u32, String)> = common::lint(&path.display().to_string(), &text)
                .into_iter()
                .filter(|(_, i)| i == id)
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
fn ids_names_and_metadata() {
    let reg = moat_dockerfile::registry();
    assert!(reg.duplicates().is_empty(), "{:?}", reg.duplicates());
    assert!(reg.all().len() >= 35);
    for m in reg.all() {
        assert!(m.id.starts_with("MOAT-6") && m.id.len() == 8, "{}", m.id);
        assert!(m.name.starts_with("dockerfile-"), "{}", m.name);
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
        // The fix is a Dockerfile snippet that parses cleanly.
        let df = moat_dockerfile::parse(m.fix_example);
        assert!(
            df.errors.is_empty(),
            "{}: fix example: {:?}",
            m.id,
            df.errors
        );
        assert!(!df.instructions.is_empty(), "{}", m.id);
    }
}
