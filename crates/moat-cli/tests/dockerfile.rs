//! `moat dockerfile` and Dockerfiles in `moat scan`: discovery, every format, exit codes,
//! stdin, parse errors, inline and central waivers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::fs;

use common::{code, moat_in, stdout, valid_junit, valid_report, valid_sarif};

const BAD: &str = "FROM ubuntu\nRUN apt-get update && apt-get install -y curl\n# moat:ignore=MOAT-607 vendor installer, reviewed\nRUN curl -fsSL https://get.example.com | sh\nUSER root\n";
const GOOD: &str = "FROM alpine:3.20\nLABEL org.opencontainers.image.source=x\nUSER 10001\nHEALTHCHECK NONE\nENTRYPOINT [\"/app\"]\n";

fn ids(report: &serde_json::Value) -> Vec<(String, u64, bool)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["check_id"].as_str().unwrap().to_owned(),
                f["location"]["line"].as_u64().unwrap(),
                !f["waived"].is_null(),
            )
        })
        .collect()
}

#[test]
fn stdin_json_waiver_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let o = moat_in(
        dir.path(),
        &["dockerfile", "-", "-f", "json"],
        Some(BAD.as_bytes()),
    );
    assert_eq!(code(&o), 1, "USER root is high");
    let v = valid_report(&stdout(&o));
    let found = ids(&v);
    assert!(found.contains(&("MOAT-600".into(), 5, false)), "{found:?}");
    assert!(found.contains(&("MOAT-602".into(), 1, false)), "{found:?}");
    assert!(
        found.contains(&("MOAT-607".into(), 4, true)),
        "inline waiver: {found:?}"
    );
    assert_eq!(v["findings"][0]["resource"]["kind"], "Dockerfile");
    assert_eq!(v["findings"][0]["location"]["file"], "<stdin>");

    let o = moat_in(dir.path(), &["dockerfile", "-"], Some(GOOD.as_bytes()));
    assert_eq!(code(&o), 0, "{}", stdout(&o));

    let o = moat_in(
        dir.path(),
        &["dockerfile", "-", "--fail-on", "never"],
        Some(BAD.as_bytes()),
    );
    assert_eq!(code(&o), 0);
}

#[test]
fn parse_errors_exit_2_and_the_rest_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let text = "FROM alpine:3.20\nBOGUS x\nRUN sudo ls\n";
    let o = moat_in(
        dir.path(),
        &["dockerfile", "-", "-f", "json"],
        Some(text.as_bytes()),
    );
    assert_eq!(code(&o), 2);
    let v = valid_report(&stdout(&o));
    assert_eq!(v["errors"][0]["line"], 2);
    assert_eq!(v["errors"][0]["column"], 1);
    assert!(ids(&v).contains(&("MOAT-601".into(), 3, false)));
    // Unknown check in a waiver comment is an input error too.
    let text = "FROM alpine:3.20\n# moat:ignore=MOAT-999 nope\nUSER 1000\n";
    let o = moat_in(dir.path(), &["dockerfile", "-"], Some(text.as_bytes()));
    assert_eq!(code(&o), 2);
}

#[test]
fn scan_discovers_dockerfiles_with_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    fs::create_dir_all(p.join("svc/api")).unwrap();
    fs::write(p.join("svc/api/Dockerfile"), BAD).unwrap();
    fs::write(p.join("svc/worker.Dockerfile"), GOOD).unwrap();
    fs::write(p.join("svc/Dockerfile.dockerignore"), "*.pem\n").unwrap();
    fs::write(p.join("svc/notes.txt"), "FROM nothing\n").unwrap();
    fs::write(
        p.join("svc/api/pod.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
    )
    .unwrap();
    fs::write(
        p.join(".moat.yaml"),
        "waivers:\n  - check: MOAT-602\n    resource: {kind: Dockerfile, name: \"*api/Dockerfile\"}\n    reason: base image pinned by the platform team\n",
    )
    .unwrap();
    let o = moat_in(p, &["scan", ".", "-f", "json"], None);
    assert_eq!(code(&o), 1, "{}", String::from_utf8_lossy(&o.stderr));
    let v = valid_report(&stdout(&o));
    assert_eq!(v["scanned"]["files"], 3, "two Dockerfiles and one manifest");
    let found = ids(&v);
    assert!(
        found.contains(&("MOAT-602".into(), 1, true)),
        "central waiver: {found:?}"
    );
    let files: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["location"]["file"].as_str().unwrap())
        .collect();
    assert!(
        files.iter().all(|f| f.ends_with("api/Dockerfile")),
        "{files:?}"
    );

    let o = moat_in(p, &["scan", ".", "-f", "sarif"], None);
    let s = valid_sarif(&stdout(&o));
    let results = s["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "MOAT-600"
        && r["locations"][0]["physicalLocation"]["region"]["startLine"] == 5));
    let o = moat_in(p, &["dockerfile", "svc", "-f", "junit"], None);
    let (suites, cases, failures) = valid_junit(&stdout(&o));
    assert_eq!(suites, 2, "one suite per Dockerfile");
    assert!(cases > 80 && failures > 0, "{cases} {failures}");
    let o = moat_in(
        p,
        &["dockerfile", "svc/worker.Dockerfile", "-f", "table"],
        None,
    );
    assert_eq!(code(&o), 0, "{}", stdout(&o));

    // Config: other file names, digest required.
    fs::write(
        p.join(".moat.yaml"),
        "dockerfile:\n  files: [\"*.df\"]\n  require-digest: true\n",
    )
    .unwrap();
    fs::write(p.join("svc/app.df"), GOOD).unwrap();
    let o = moat_in(p, &["scan", ".", "-f", "json"], None);
    let v = valid_report(&stdout(&o));
    let found = ids(&v);
    assert_eq!(v["scanned"]["files"], 2, "{found:?}");
    assert!(found.contains(&("MOAT-604".into(), 1, false)), "{found:?}");
}

#[test]
fn explain_shows_a_dockerfile_fix() {
    let dir = tempfile::tempdir().unwrap();
    let o = moat_in(dir.path(), &["explain", "MOAT-607"], None);
    assert_eq!(code(&o), 0);
    let text = stdout(&o);
    assert!(
        text.contains("```dockerfile") && text.contains("CIS-Docker-4.11"),
        "{text}"
    );
}

#[test]
fn table_snapshot_of_a_realistic_dockerfile() {
    let o = common::moat(&[
        "dockerfile",
        "crates/moat-dockerfile/tests/realistic/python-django-bad.Dockerfile",
        "--color",
        "never",
    ]);
    assert_eq!(code(&o), 1);
    insta::assert_snapshot!("dockerfile_table", stdout(&o));
}
