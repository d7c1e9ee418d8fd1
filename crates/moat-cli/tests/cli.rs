//! End-to-end tests of the `moat` binary: every format (snapshotted and validated by its
//! schema), exit codes, stdin, bad input, waivers and the check catalogue.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::fs;

use common::{code, moat, moat_in, root, stdout, valid_junit, valid_report, valid_sarif};

#[test]
fn table_on_examples() {
    let o = moat(&["scan", "examples"]);
    assert_eq!(
        code(&o),
        1,
        "critical findings fail at the default --fail-on high"
    );
    insta::assert_snapshot!("examples_table", stdout(&o));
}

#[test]
fn json_on_examples_matches_schema() {
    let o = moat(&["scan", "examples", "--format", "json"]);
    assert_eq!(code(&o), 1);
    let text = stdout(&o);
    let v = valid_report(&text);
    assert_eq!(v["scanned"]["files"], 7);
    assert_eq!(v["scanned"]["resources"], 9);
    let waived = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| !f["waived"].is_null())
        .count();
    assert_eq!(waived, 2);
    insta::assert_snapshot!("examples_json", text);
}

/// The JSON report of the examples, for cross-format comparisons.
fn examples_json() -> serde_json::Value {
    valid_report(&stdout(&moat(&["scan", "examples", "--format", "json"])))
}

/// Checks that run by default: all but the Pod Security Standards family (MOAT-5xx),
/// which runs only with --pss-level.
fn moat_checks_count() -> usize {
    let v: serde_json::Value =
        serde_json::from_str(&stdout(&moat(&["checks", "--format", "json"]))).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        // PSS (MOAT-5xx), image checks (MOAT-75x) and vulnerabilities (MOAT-76x) do not
        // run in `moat scan`.
        .filter(|c| {
            let id = c["id"].as_str().unwrap();
            !id.starts_with("MOAT-5") && !id.starts_with("MOAT-75") && !id.starts_with("MOAT-76")
        })
        .count()
}

#[test]
fn sarif_on_examples_matches_official_schema() {
    let o = moat(&["scan", "examples", "--format", "sarif"]);
    let text = stdout(&o);
    let v = valid_sarif(&text);
    let json = examples_json();
    let findings = json["findings"].as_array().unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert_eq!(
        results.len(),
        findings.len(),
        "one SARIF result per finding"
    );
    for (r, f) in results.iter().zip(findings) {
        let region = &r["locations"][0]["physicalLocation"]["region"];
        assert_eq!(
            region["startLine"], f["location"]["line"],
            "SARIF must carry the real line: {r}"
        );
        assert_eq!(region["startColumn"], f["location"]["column"]);
        assert_eq!(r["ruleId"], f["check_id"]);
        assert!(region["startLine"].as_u64().unwrap() > 1);
    }
    let suppressed = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .count();
    let waived = findings.iter().filter(|f| !f["waived"].is_null()).count();
    assert_eq!(suppressed, waived);
    assert!(waived >= 2);
    let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), moat_checks_count());
    assert!(
        rules
            .iter()
            .all(|r| r["help"]["text"].as_str().unwrap().contains("Fix:"))
    );
    insta::assert_snapshot!("examples_sarif", text);
}

#[test]
fn junit_on_examples_is_well_formed() {
    let o = moat(&["scan", "examples", "--format", "junit"]);
    let text = stdout(&o);
    let (suites, cases, failures) = valid_junit(&text);
    let json = examples_json();
    let findings = json["findings"].as_array().unwrap();
    let resources: std::collections::BTreeSet<String> =
        findings.iter().map(|f| f["resource"].to_string()).collect();
    assert!(
        suites >= resources.len(),
        "a suite for every resource with findings"
    );
    assert!(
        cases >= suites * 10,
        "a case per check evaluated on each resource"
    );
    let failing_pairs: std::collections::BTreeSet<(String, String)> = findings
        .iter()
        .filter(|f| f["waived"].is_null())
        .map(|f| (f["check_id"].to_string(), f["resource"].to_string()))
        .collect();
    assert_eq!(
        failures,
        failing_pairs.len(),
        "one failure per failing check x resource"
    );
    insta::assert_snapshot!("examples_junit", text);
}

#[test]
fn output_file_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let o = moat(&[
        "scan",
        "examples",
        "-f",
        "json",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 1);
    assert!(o.stdout.is_empty());
    valid_report(&fs::read_to_string(&out).unwrap());
    // Only critical counts: still fails (two privileged containers).
    assert_eq!(
        code(&moat(&["scan", "examples", "--fail-on", "critical"])),
        1
    );
    // Skip the critical check and fail only on high+ among the rest: host paths are high.
    assert_eq!(
        code(&moat(&[
            "scan",
            "examples",
            "--skip-check",
            "MOAT-001,MOAT-051",
            "--fail-on",
            "critical"
        ])),
        0
    );
    assert_eq!(code(&moat(&["scan", "examples", "--fail-on", "never"])), 0);
    assert_eq!(code(&moat(&["scan", "examples/shop/frontend.yaml"])), 0);
    assert_eq!(code(&moat(&["scan", "examples", "--fail-on", "bogus"])), 2);
    assert_eq!(code(&moat(&["scan", "examples", "--check", "MOAT-000"])), 2);
    assert_eq!(code(&moat(&["scan", "examples", "--format", "xml"])), 2);
}

#[test]
fn severity_filter_and_check_globs() {
    let o = moat(&["scan", "examples", "-f", "json", "--severity", "high"]);
    let v = valid_report(&stdout(&o));
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["severity"] == "high" || f["severity"] == "critical")
    );
    let o = moat(&["scan", "examples", "-f", "json", "--check", "MOAT-10?"]);
    let v = valid_report(&stdout(&o));
    let ids: std::collections::BTreeSet<_> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["check_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        ids.into_iter().collect::<Vec<_>>(),
        ["MOAT-100", "MOAT-101"]
    );
    let o = moat(&[
        "scan",
        "examples",
        "-f",
        "json",
        "--check",
        "privileged-container",
    ]);
    let v = valid_report(&stdout(&o));
    assert_eq!(v["findings"].as_array().unwrap().len(), 2);
}

#[test]
fn stdin_is_scanned() {
    let pod = b"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: nginx\n    securityContext: {privileged: true}\n";
    let o = moat_in(&root(), &["scan", "-", "-f", "json"], Some(pod));
    assert_eq!(code(&o), 1);
    let v = valid_report(&stdout(&o));
    let f = &v["findings"][0];
    assert_eq!(f["location"]["file"], "<stdin>");
    assert_eq!(f["check_id"], "MOAT-001");
    assert_eq!(f["location"]["line"], 8);
}

/// Cross-object checks read standard input twice (pre-pass and scan): it is read once.
/// A budget written with an escaped kind slips past the pre-pass's text search and is
/// reported as a warning, never silently ignored.
#[test]
fn context_checks_on_stdin_and_escaped_kinds() {
    let deploy = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: a}\nspec:\n  replicas: 3\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: c, image: nginx}]\n";
    let pdb = |kind: &str, app: &str| {
        format!(
            "---\napiVersion: policy/v1\nkind: {kind}\nmetadata: {{name: b, namespace: a}}\nspec:\n  maxUnavailable: 1\n  selector: {{matchLabels: {{app: {app}}}}}\n"
        )
    };
    let pdb126 = |input: String| {
        let o = moat_in(
            &root(),
            &["scan", "-", "-f", "json", "--check", "MOAT-126"],
            Some(input.as_bytes()),
        );
        let v = valid_report(&stdout(&o));
        let lines: Vec<u64> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["location"]["line"].as_u64().unwrap())
            .collect();
        let warnings: Vec<String> = v["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["message"].as_str().unwrap().to_owned())
            .collect();
        (lines, warnings)
    };
    // Covered: the budget selects the pods (and comes after the workload).
    assert_eq!(
        pdb126(format!("{deploy}{}", pdb("PodDisruptionBudget", "web"))),
        (vec![], vec![])
    );
    // Not covered: reported at spec.replicas.
    assert_eq!(
        pdb126(format!("{deploy}{}", pdb("PodDisruptionBudget", "api"))),
        (vec![5], vec![])
    );
    // No budget at all in the input: the check stays silent.
    assert_eq!(pdb126(deploy.to_owned()), (vec![], vec![]));
    // `\x42` is `B`: the pre-pass cannot see this budget; the scan says so.
    let (lines, warnings) = pdb126(format!(
        "{deploy}{}",
        pdb("\"PodDisruption\\x42udget\"", "web")
    ));
    assert_eq!(lines, Vec::<u64>::new());
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("pre-pass"), "{warnings:?}");
}

#[test]
fn bad_input_is_reported_and_the_rest_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = "apiVersion: v1\nkind: Pod\nmetadata: {name: good}\nspec:\n  containers:\n  - name: a\n    securityContext: {privileged: true}\n";
    fs::write(d.join("a-good.yaml"), good).unwrap();
    fs::write(
        d.join("b-malformed.yaml"),
        format!(
            "{good}---\nkind: [unclosed\n---\n{}",
            good.replace("good", "after")
        ),
    )
    .unwrap();
    fs::write(
        d.join("c-dupkey.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: dup}\nmetadata: {name: dup2}\n",
    )
    .unwrap();
    fs::write(d.join("d-binary.yaml"), b"\x7fELF\x02\x01\x00\x00").unwrap();
    fs::write(
        d.join("e-latin1.yaml"),
        b"apiVersion: v1\nkind: ConfigMap\ndata: {k: caf\xe9}\n",
    )
    .unwrap();
    fs::write(
        d.join("f.json"),
        "{\"apiVersion\": \"v1\", \"kind\": \"Pod\",, }",
    )
    .unwrap();
    let big = fs::File::create(d.join("g-huge.yaml")).unwrap();
    big.set_len(200 * 1024 * 1024).unwrap();
    std::os::unix::fs::symlink(d, d.join("loop")).unwrap();
    std::os::unix::fs::symlink(d.join("missing"), d.join("h-dangling.yaml")).unwrap();
    let o = moat_in(d, &["scan", ".", "-f", "json"], None);
    assert_eq!(
        code(&o),
        2,
        "input errors exit 2 after scanning: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v = valid_report(&stdout(&o));
    let errors: Vec<(String, u64)> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["file"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("./")
                    .to_owned(),
                e["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let files: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
    for want in [
        "b-malformed.yaml",
        "c-dupkey.yaml",
        "d-binary.yaml",
        "e-latin1.yaml",
        "f.json",
        "g-huge.yaml",
        "loop",
        "h-dangling.yaml",
    ] {
        assert!(files.contains(&want), "no error for {want}: {errors:?}");
    }
    assert!(
        errors.contains(&("b-malformed.yaml".to_owned(), 10)),
        "{errors:?}"
    );
    assert!(
        errors.contains(&("c-dupkey.yaml".to_owned(), 4)),
        "{errors:?}"
    );
    assert!(
        errors.contains(&("e-latin1.yaml".to_owned(), 3)),
        "{errors:?}"
    );
    // The good file, both good documents of the malformed file and the duplicate-key
    // document (last value wins) are still scanned.
    let names: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["resource"]["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"good") && names.contains(&"after"),
        "{names:?}"
    );
    assert_eq!(v["scanned"]["resources"], 4);
}

#[test]
#[allow(clippy::many_single_char_names)]
fn waivers_from_config_and_annotations() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let pod = |name: &str, ann: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: team-a\n{ann}spec:\n  securityContext: {{runAsNonRoot: true}}\n  containers:\n  - name: c\n    image: app:1.0\n    resources: {{limits: {{cpu: 1, memory: 1Gi}}}}\n    securityContext: {{privileged: true}}\n"
        )
    };
    fs::write(d.join("a.yaml"), pod("central", "")).unwrap();
    fs::write(
        d.join("b.yaml"),
        pod(
            "inline",
            "  annotations:\n    moat.dev/ignore: \"privileged-container: CNI plugin needs it\"\n",
        ),
    )
    .unwrap();
    fs::write(d.join("c.yaml"), pod("expired", "")).unwrap();
    fs::write(
        d.join(".moat.yaml"),
        "waivers:\n  - check: MOAT-001\n    resource: {kind: Pod, namespace: team-*, name: central}\n    reason: reviewed in SEC-12\n    expires: 2999-01-01\n  - check: MOAT-001\n    resource: {name: expired}\n    reason: old exception\n    expires: 2000-01-01\n",
    )
    .unwrap();
    let o = moat_in(d, &["scan", ".", "-f", "json"], None);
    let v = valid_report(&stdout(&o));
    assert_eq!(code(&o), 1, "the expired waiver no longer applies");
    let by_name = |n: &str| {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["resource"]["name"] == n)
            .unwrap()
            .clone()
    };
    assert_eq!(by_name("central")["waived"]["by"], ".moat.yaml:2");
    assert_eq!(by_name("central")["waived"]["expires"], "2999-01-01");
    assert_eq!(by_name("inline")["waived"]["by"], "annotation");
    assert!(by_name("expired")["waived"].is_null());
    let w = v["warnings"].as_array().unwrap();
    assert!(
        w.iter().any(|w| w["message"]
            .as_str()
            .unwrap()
            .contains("expired on 2000-01-01")),
        "{w:?}"
    );
    // Waived findings are hidden from the table unless --show-waived.
    let t = stdout(&moat_in(d, &["scan", ".", "--check", "MOAT-001"], None));
    assert!(
        !t.contains("Pod/team-a/central") && t.contains("Pod/team-a/expired"),
        "{t}"
    );
    let t = stdout(&moat_in(
        d,
        &["scan", ".", "--check", "MOAT-001", "--show-waived"],
        None,
    ));
    assert!(
        t.contains("Pod/team-a/central") && t.contains("waived: reviewed in SEC-12"),
        "{t}"
    );
    // SARIF marks them as suppressions.
    let s = valid_sarif(&stdout(&moat_in(d, &["scan", ".", "-f", "sarif"], None)));
    let kinds: Vec<_> = s["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["suppressions"][0]["kind"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(kinds, ["external", "inSource"]);
    // A waiver naming an unknown check is an input error.
    fs::write(
        d.join(".moat.yaml"),
        "waivers:\n  - check: MOAT-000\n    reason: typo\n",
    )
    .unwrap();
    let o = moat_in(d, &["scan", ".", "-f", "json"], None);
    assert_eq!(code(&o), 2);
    let v = valid_report(&stdout(&o));
    assert_eq!(v["errors"][0]["line"], 2);
    // So is an inline one.
    fs::remove_file(d.join(".moat.yaml")).unwrap();
    fs::write(
        d.join("b.yaml"),
        pod(
            "inline",
            "  annotations:\n    moat.dev/ignore: \"MOAT-000: nope\"\n",
        ),
    )
    .unwrap();
    let o = moat_in(d, &["scan", "."], None);
    assert_eq!(code(&o), 2);
    assert!(
        stdout(&o).contains("b.yaml:7:5: `moat.dev/ignore` names unknown check `MOAT-000`"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn yaml11_forms_warn() {
    let o = moat_in(&root(), &["scan", "-", "-f", "json"], Some(b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  enabled: yes\n  mode: 0644\n"));
    let v = valid_report(&stdout(&o));
    let lines: Vec<u64> = v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [5, 6]);
    assert_eq!(code(&o), 0);
}

#[test]
fn checks_and_explain() {
    let o = moat(&["checks", "--format", "json"]);
    assert_eq!(code(&o), 0);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(v.as_array().unwrap().len() >= 40);
    let o = moat(&["checks", "--framework", "cis"]);
    let t = stdout(&o);
    assert!(t.contains("MOAT-001") && !t.contains("MOAT-100 "), "{t}");
    insta::assert_snapshot!("checks_table", stdout(&moat(&["checks"])));
    let o = moat(&["explain", "MOAT-050"]);
    assert_eq!(code(&o), 0);
    insta::assert_snapshot!("explain_moat_050", stdout(&o));
    assert_eq!(code(&moat(&["explain", "privileged-container"])), 0);
    assert_eq!(code(&moat(&["explain", "MOAT-000"])), 2);
}

#[test]
fn docs_checks_md_is_current() {
    let o = moat(&["checks", "--format", "markdown"]);
    let committed = fs::read_to_string(root().join("docs/checks.md")).unwrap_or_default();
    assert!(
        committed == stdout(&o),
        "docs/checks.md is stale: run `cargo run -q --bin moat -- checks --format markdown > docs/checks.md`"
    );
}

#[test]
fn help_texts() {
    insta::assert_snapshot!("help", stdout(&moat(&["--help"])));
    insta::assert_snapshot!("help_scan", stdout(&moat(&["scan", "--help"])));
}

#[test]
fn config_overrides_and_settings() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(
        d.join("a.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n  securityContext: {runAsUser: 1000}\n  containers:\n  - name: a\n    image: docker.io/library/nginx:1.27\n---\napiVersion: batch/v1beta1\nkind: CronJob\nmetadata: {name: c, namespace: shop}\n",
    )
    .unwrap();
    fs::write(
        d.join(".moat.yaml"),
        "checks:\n  MOAT-010: {severity: critical}\n  recommended-labels-missing: {enabled: false}\nmin-uid: 500\nallowed-registries: [registry.example.com]\nk8s-version: \"1.21\"\n",
    )
    .unwrap();
    let ids = |o: &std::process::Output| -> Vec<String> {
        let v = valid_report(&stdout(o));
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                format!(
                    "{}:{}",
                    f["check_id"].as_str().unwrap(),
                    f["severity"].as_str().unwrap()
                )
            })
            .collect()
    };
    let o = moat_in(d, &["scan", ".", "-f", "json"], None);
    let got = ids(&o);
    // UID 1000 is above min-uid 500: no MOAT-010; registry not allowed; CronJob v1beta1 still served in 1.21.
    assert!(!got.iter().any(|x| x.starts_with("MOAT-010")), "{got:?}");
    assert!(got.contains(&"MOAT-102:high".to_owned()), "{got:?}");
    assert!(
        !got.iter()
            .any(|x| x.starts_with("MOAT-192") || x.starts_with("MOAT-193")),
        "{got:?}"
    );
    // The flag overrides the config's target version; --check re-enables a disabled check.
    let o = moat_in(
        d,
        &[
            "scan",
            ".",
            "-f",
            "json",
            "--k8s-version",
            "1.25",
            "--check",
            "MOAT-19*",
        ],
        None,
    );
    let got = ids(&o);
    assert!(
        got.contains(&"MOAT-192:medium".to_owned()) && got.contains(&"MOAT-193:info".to_owned()),
        "{got:?}"
    );
    // Severity override applies.
    fs::write(
        d.join(".moat.yaml"),
        "checks:\n  low-uid: {severity: critical}\n",
    )
    .unwrap();
    let o = moat_in(d, &["scan", ".", "-f", "json"], None);
    assert!(ids(&o).contains(&"MOAT-010:critical".to_owned()));
    assert_eq!(code(&o), 1);
    // Errors in the config are located.
    fs::write(
        d.join(".moat.yaml"),
        "checks:\n  MOAT-000: {severity: high}\nmin-uid: lots\n",
    )
    .unwrap();
    let o = moat_in(d, &["scan", ".", "-f", "json"], None);
    assert_eq!(code(&o), 2);
    let v = valid_report(&stdout(&o));
    let lines: Vec<u64> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [2, 3]);
}

#[test]
fn scan_pss_agrees_with_moat_pss() {
    use std::collections::BTreeSet;
    for level in ["baseline", "restricted"] {
        let scan = valid_report(&stdout(&moat(&[
            "scan",
            "examples",
            "-f",
            "json",
            "--check",
            "MOAT-5*",
            "--pss-level",
            level,
            "--pss-version",
            "v1.30",
        ])));
        let pss: serde_json::Value = serde_json::from_str(&stdout(&moat(&[
            "pss",
            "examples",
            "--level",
            level,
            "--version",
            "v1.30",
            "--format",
            "json",
        ])))
        .unwrap();
        let from_scan: BTreeSet<(String, u64)> = scan["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["resource"]["name"].as_str().unwrap().to_owned(),
                    f["location"]["line"].as_u64().unwrap(),
                )
            })
            .collect();
        let from_pss: BTreeSet<(String, u64)> = pss["results"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| {
                let name = r["name"].as_str().unwrap().to_owned();
                r["violations"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(move |v| (name.clone(), v["line"].as_u64().unwrap()))
            })
            .collect();
        assert!(!from_scan.is_empty());
        assert_eq!(from_scan, from_pss, "{level}");
    }
    assert_eq!(
        code(&moat(&["scan", "examples", "--pss-level", "strict"])),
        2
    );
    assert_eq!(
        code(&moat(&[
            "scan",
            "examples",
            "--pss-level",
            "baseline",
            "--pss-version",
            "v9.9"
        ])),
        2
    );
}
