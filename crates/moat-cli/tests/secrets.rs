//! `moat secrets` and secrets in `moat scan`: discovery and skipping, every format with
//! the raw secret never printed, exit codes, stdin, `.moat.yaml` `secrets:` settings and
//! waivers, decoded `Secret` data.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::fs;
use std::path::Path;

use common::{code, moat_in, stdout, valid_junit, valid_report, valid_sarif};

// Fake, random credentials.
const GH: &str = "ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d";
const AKIA: &str = "AKIAXJBTFQXKWOVOMPZO";
const GENERIC: &str = "c5XlrWi0B26R08qzjI6GKFSu";
const STRIPE: &str = "sk_live_h2FDEEtfjgVvVqE1SkHbn88H";

fn findings(report: &serde_json::Value) -> Vec<(String, String, u64)> {
    let mut v: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["check_id"].as_str().unwrap().to_owned(),
                f["location"]["file"].as_str().unwrap().to_owned(),
                f["location"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

fn tree(p: &Path) {
    fs::create_dir_all(p.join("app/.git")).unwrap();
    fs::create_dir_all(p.join("app/web")).unwrap();
    fs::write(
        p.join("app/deploy.sh"),
        format!("#!/bin/sh\n\nexport GITHUB_TOKEN={GH}\n"),
    )
    .unwrap();
    fs::write(
        p.join("app/settings.ini"),
        format!("[db]\nhost = db\npassword = {GENERIC}\n"),
    )
    .unwrap();
    // Skipped: hidden, .git, binary, lockfile, minified.
    fs::write(p.join("app/.env"), format!("TOKEN={GH}\n")).unwrap();
    fs::write(p.join("app/.git/config"), format!("token = {GH}\n")).unwrap();
    fs::write(p.join("app/blob.bin"), format!("\0\0{AKIA}")).unwrap();
    fs::write(p.join("app/data"), format!("\0\0{AKIA}")).unwrap();
    fs::write(
        p.join("app/web/package-lock.json"),
        format!("{{\"t\": \"{GH}\"}}"),
    )
    .unwrap();
    fs::write(p.join("app/web/app.min.js"), format!("var k=\"{AKIA}\";")).unwrap();
}

fn assert_redacted(text: &str) {
    for raw in [GH, AKIA, GENERIC, STRIPE] {
        assert!(!text.contains(raw), "raw secret {raw} in output:\n{text}");
    }
}

#[test]
fn walks_skips_and_reports_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    tree(p);
    let o = moat_in(p, &["secrets", "app", "-f", "json"], None);
    assert_eq!(code(&o), 1, "a GitHub token is high");
    let out = stdout(&o);
    assert_redacted(&out);
    let v = valid_report(&out);
    assert_eq!(
        findings(&v),
        [
            ("MOAT-703".into(), "app/deploy.sh".into(), 3),
            ("MOAT-716".into(), "app/settings.ini".into(), 3),
        ]
    );
    let f = &v["findings"][0];
    assert_eq!(f["resource"]["kind"], "File");
    assert_eq!(f["location"]["column"], 21);
    assert!(f["message"].as_str().unwrap().contains("`ghp_****"), "{f}");

    let o = moat_in(p, &["secrets", "app", "-f", "sarif"], None);
    let out = stdout(&o);
    assert_redacted(&out);
    let sarif = valid_sarif(&out);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        3
    );

    let o = moat_in(p, &["secrets", "app", "-f", "junit"], None);
    let out = stdout(&o);
    assert_redacted(&out);
    let (_, cases, failures) = valid_junit(&out);
    assert_eq!(
        (cases, failures),
        (2 * 17, 2),
        "every rule is a case per file"
    );

    let o = moat_in(p, &["secrets", "app", "--color", "always"], None);
    let out = stdout(&o);
    assert_redacted(&out);
    assert!(out.contains("MOAT-703"), "{out}");

    let o = moat_in(p, &["secrets", "app", "--fail-on", "never"], None);
    assert_eq!(code(&o), 0);
    let o = moat_in(p, &["secrets", "app", "--fail-on", "critical"], None);
    assert_eq!(code(&o), 0, "high and medium only");

    // Hidden files are scanned when named explicitly.
    let o = moat_in(p, &["secrets", "app/.env", "-f", "json"], None);
    assert_eq!(findings(&valid_report(&stdout(&o))).len(), 1);
}

#[test]
fn stdin_missing_paths_and_clean_input() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let o = moat_in(
        p,
        &["secrets", "-", "-f", "json"],
        Some(format!("key: {STRIPE}\n").as_bytes()),
    );
    assert_eq!(code(&o), 1);
    let v = valid_report(&stdout(&o));
    assert_eq!(findings(&v), [("MOAT-707".into(), "<stdin>".into(), 1)]);

    let o = moat_in(p, &["secrets", "-"], Some(b"nothing to see\n"));
    assert_eq!(code(&o), 0, "{}", stdout(&o));

    let o = moat_in(p, &["secrets", "does-not-exist"], None);
    assert_eq!(code(&o), 2);
}

#[test]
fn config_disables_allows_waives_and_limits_size() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    tree(p);
    fs::write(
        p.join("app/big.txt"),
        format!("{}\n{GH}\n", "x".repeat(2 << 20)),
    )
    .unwrap();
    fs::create_dir_all(p.join("app/testdata")).unwrap();
    fs::write(p.join("app/testdata/t.sh"), format!("T={GH}\n")).unwrap();
    fs::write(
        p.join(".moat.yaml"),
        "secrets:\n  disable: [secret-generic-assignment]\n  max-file-size-mib: 1\n  allow-paths: [\"**/testdata/**\"]\nwaivers:\n  - check: MOAT-703\n    resource: {kind: File, name: \"*deploy.sh\"}\n    reason: revoked token kept for the incident write-up\n",
    )
    .unwrap();
    let o = moat_in(p, &["secrets", "app", "-f", "json"], None);
    assert_eq!(code(&o), 0, "the only finding is waived");
    let v = valid_report(&stdout(&o));
    assert_eq!(
        findings(&v),
        [("MOAT-703".into(), "app/deploy.sh".into(), 3)]
    );
    assert!(!v["findings"][0]["waived"].is_null());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("big.txt") || out_warns(&v, "big.txt"),
        "oversized file is reported: {stderr}"
    );

    fs::write(p.join(".moat.yaml"), "secrets:\n  allow: [\"(\"]\n").unwrap();
    let o = moat_in(p, &["secrets", "app"], None);
    assert_eq!(code(&o), 2, "invalid regex is a config error");
}

fn out_warns(v: &serde_json::Value, file: &str) -> bool {
    v["warnings"]
        .as_array()
        .is_some_and(|w| w.iter().any(|w| w.to_string().contains(file)))
}

#[test]
fn scan_reports_secrets_in_manifests_and_dockerfiles() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let b64 = "Z2hwX3U4anpQZGUwSWd4TGQ2R25jZkJBZXBmSkJkMEtoOG9PT0w4ZA=="; // the GitHub token
    fs::write(
        p.join("app.yaml"),
        format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: gh\ndata:\n  token: {b64}\n  other: c2VjcmV0\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aws\ndata:\n  AWS_ACCESS_KEY_ID: {AKIA}\n"),
    )
    .unwrap();
    fs::write(
        p.join("Dockerfile"),
        format!("FROM alpine:3.20\nENV STRIPE_KEY={STRIPE}\n"),
    )
    .unwrap();
    let o = moat_in(p, &["scan", ".", "-f", "json", "--check", "MOAT-7*"], None);
    let out = stdout(&o);
    assert_redacted(&out);
    assert_redacted(b64);
    let v = valid_report(&out);
    assert_eq!(
        findings(&v),
        [
            ("MOAT-700".into(), "./app.yaml".into(), 14),
            ("MOAT-703".into(), "./app.yaml".into(), 6),
            ("MOAT-707".into(), "./Dockerfile".into(), 2),
        ]
    );
    let gh = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check_id"] == "MOAT-703")
        .unwrap();
    assert_eq!(gh["resource"]["kind"], "Secret");
    assert_eq!(gh["location"]["path"], "data.token");

    // Turned off for moat scan by the config.
    fs::write(p.join(".moat.yaml"), "secrets:\n  scan-manifests: false\n").unwrap();
    let o = moat_in(p, &["scan", ".", "-f", "json", "--check", "MOAT-7*"], None);
    assert_eq!(findings(&valid_report(&stdout(&o))), []);
}

#[test]
fn catalogue_lists_and_explains_the_rules() {
    let dir = tempfile::tempdir().unwrap();
    let o = moat_in(dir.path(), &["checks", "-f", "json"], None);
    let out = stdout(&o);
    for id in 700..=716 {
        assert!(out.contains(&format!("MOAT-{id}")), "MOAT-{id} missing");
    }
    let o = moat_in(dir.path(), &["explain", "secret-generic-assignment"], None);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).contains("entropy"));
    let o = moat_in(dir.path(), &["secrets", "--help"], None);
    assert!(stdout(&o).contains("redacted"));
}
