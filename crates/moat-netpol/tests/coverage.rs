//! Coverage findings on a fixture whose `# expect: ID` comments give the exact set of
//! (line, check ID) pairs; plus invariants of the check catalogue.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::Path;

use moat_netpol::coverage;

#[test]
fn fixture_findings_are_exactly_the_expected_lines() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/coverage.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut want = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        if let Some((_, ids)) = line.split_once("# expect: ") {
            for id in ids.split_whitespace() {
                want.insert((u32::try_from(i + 1).unwrap(), id.to_owned()));
            }
        }
    }
    let lf = moat_manifest::load_bytes("coverage.yaml", text.as_bytes());
    assert!(lf.errors.is_empty(), "{:?}", lf.errors);
    let findings = coverage::findings(&lf.resources);
    let got: BTreeSet<(u32, String)> = findings
        .iter()
        .map(|f| (f.location.line, f.check_id.to_string()))
        .collect();
    let detail: Vec<String> = findings
        .iter()
        .map(|f| {
            format!(
                "{}:{} {} {}",
                f.location.line, f.location.path, f.check_id, f.message
            )
        })
        .collect();
    assert_eq!(got, want, "{detail:#?}");
    for f in &findings {
        assert_eq!(f.location.file, "coverage.yaml");
        assert!(!f.location.path.is_empty());
        assert!(f.resource.name.is_some(), "{f:?}");
    }
}

#[test]
fn catalogue_is_complete_and_unique() {
    let reg = coverage::registry();
    assert!(reg.duplicates().is_empty());
    for m in coverage::CHECKS {
        assert!(m.id.starts_with("MOAT-3") && m.id.len() == 8, "{}", m.id);
        assert!(m.name.starts_with("netpol-"));
        assert!(!m.rationale.is_empty() && !m.remediation.is_empty());
        assert!(!m.fix_example.is_empty() && m.fix_example.ends_with('\n'));
        assert!(m.references.iter().all(|r| r.starts_with("https://")));
        assert!(!m.frameworks.is_empty());
        // The fix example is valid YAML.
        let lf = moat_manifest::load_bytes("fix.yaml", m.fix_example.as_bytes());
        assert!(lf.errors.is_empty(), "{}: {:?}", m.id, lf.errors);
    }
}

#[test]
fn no_findings_for_a_well_covered_namespace() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x, labels: {app: a}}\nspec: {containers: [{name: c}]}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: x}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n  egress:\n  - to:\n    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}\n      podSelector: {matchLabels: {k8s-app: kube-dns}}\n    ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]\n";
    let lf = moat_manifest::load_bytes("ok.yaml", text.as_bytes());
    let f = coverage::findings(&lf.resources);
    assert!(f.is_empty(), "{f:#?}");
}

#[test]
fn the_analyser_stays_io_and_runtime_free() {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    let deps = manifest
        .split("[dependencies]")
        .nth(1)
        .unwrap()
        .split("\n[")
        .next()
        .unwrap();
    for banned in ["tokio", "hyper", "reqwest", "anyhow"] {
        assert!(
            !deps.contains(banned),
            "moat-netpol must not depend on {banned}"
        );
    }
}
