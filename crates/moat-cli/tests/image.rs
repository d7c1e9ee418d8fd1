//! `moat image`: the summary and the image config findings (MOAT-750..753) on images the
//! test writes, every output format, exit codes; and the real minbase image.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "../../moat-image/tests/support/mod.rs"]
mod support;

use std::path::Path;

use serde_json::{Value, json};
use support::{Blob, E, layer};

fn layout(dir: &Path, run: &Value) {
    let l0 = layer(&[
        E::File(
            "etc/os-release",
            b"ID=alpine\nVERSION_ID=3.20.0\nPRETTY_NAME=\"Alpine Linux v3.20\"\n",
        ),
        E::File(
            "lib/apk/db/installed",
            b"P:musl\nV:1.2.5-r0\nA:x86_64\no:musl\n",
        ),
    ]);
    let desc = support::oci_image_run_config(dir, "amd64", &[Blob::gz(&l0)], run);
    support::oci_index(dir, &[desc]);
}

fn moat(args: &[&str]) -> std::process::Output {
    common::moat_in(&common::root(), args, None)
}

/// (check ID, judged field) of the JSON report's findings.
fn findings(stdout: &[u8]) -> Vec<(String, String)> {
    let v: Value = serde_json::from_slice(stdout).unwrap();
    let mut out = Vec::new();
    for f in v["findings"].as_array().unwrap() {
        out.push((
            f["check_id"].as_str().unwrap().to_owned(),
            f["location"]["path"].as_str().unwrap().to_owned(),
        ));
    }
    out.sort();
    out
}

#[test]
fn risky_config_is_reported_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("risky");
    layout(
        &img,
        &json!({
            "Env": ["PATH=/usr/bin", "DB_PASSWORD=correct-horse-battery", "GPG_KEY=ABCDEF0123456789"],
            "ExposedPorts": {"22/tcp": {}, "8080/tcp": {}},
            "Labels": {"org.opencontainers.image.base.name": "docker.io/library/alpine:latest"},
        }),
    );
    let src = img.to_str().unwrap();
    let o = moat(&["image", src, "-f", "json"]);
    assert_eq!(
        common::code(&o),
        1,
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        findings(&o.stdout),
        [
            ("MOAT-750".to_owned(), "config.User".to_owned()),
            ("MOAT-751".to_owned(), "config.Env[1]".to_owned()),
            ("MOAT-752".to_owned(), "config.ExposedPorts".to_owned()),
            (
                "MOAT-753".to_owned(),
                "org.opencontainers.image.base.name".to_owned()
            ),
        ]
    );
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(!text.contains("correct-horse"), "secret leaked: {text}");
    assert!(text.contains("corr****"), "{text}");

    let o = moat(&["image", src]);
    assert_eq!(common::code(&o), 1);
    let table = String::from_utf8_lossy(&o.stdout);
    for want in [
        "(OCI layout)",
        "OS        Alpine Linux v3.20",
        "Packages  1 (1 apk)",
        "MOAT-750",
        "config.ExposedPorts",
    ] {
        assert!(table.contains(want), "{want}: {table}");
    }
    let o = moat(&["image", src, "--fail-on", "critical", "--severity", "high"]);
    assert_eq!(common::code(&o), 1, "MOAT-751 is critical");
    let o = moat(&["image", src, "--fail-on", "never", "-f", "sarif"]);
    assert_eq!(common::code(&o), 0);
    let sarif: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 4);
    let o = moat(&["image", src, "--fail-on", "bogus"]);
    assert_eq!(common::code(&o), 2);
}

#[test]
fn hardened_config_is_clean() {
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("hardened");
    layout(
        &img,
        &json!({
            "User": "65532:65532",
            "Env": ["PATH=/usr/bin", "PASSWORD_FILE=/run/secrets/db"],
            "ExposedPorts": {"8080/tcp": {}},
            "Labels": {"org.opencontainers.image.base.name": "cgr.dev/chainguard/static@sha256:0000000000000000000000000000000000000000000000000000000000000000"},
        }),
    );
    let o = moat(&["image", img.to_str().unwrap(), "-f", "json"]);
    assert_eq!(
        common::code(&o),
        0,
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(findings(&o.stdout).is_empty());
}

#[test]
fn secrets_in_every_layer_with_layer_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("layers");
    let token = "ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d";
    let l0 = layer(&[
        E::File("etc/os-release", b"ID=alpine\nVERSION_ID=3.20.0\n"),
        E::File(
            "root/.git-credentials",
            format!("https://bot:{token}@github.com\n").as_bytes(),
        ),
        E::File(
            "app/config.yaml",
            b"# password: see vault\nlog_level: info\n",
        ),
    ]);
    let l1 = layer(&[
        E::File("root/.wh..git-credentials", b""),
        E::File(
            "app/settings.py",
            format!("DEBUG = False\nGITHUB_TOKEN = \"{token}\"\n").as_bytes(),
        ),
        E::File(
            "usr/bin/tool",
            b"\x7fELF\0\0ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d",
        ),
    ]);
    let desc = support::oci_image_run_config(
        &img,
        "amd64",
        &[Blob::gz(&l0), Blob::plain(l1)],
        &json!({"User": "1000"}),
    );
    support::oci_index(&img, &[desc]);
    let o = moat(&["image", img.to_str().unwrap(), "-f", "json"]);
    assert_eq!(
        common::code(&o),
        1,
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let got: Vec<(String, String, u64, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["check_id"].as_str().unwrap().to_owned(),
                f["location"]["file"].as_str().unwrap().to_owned(),
                f["location"]["line"].as_u64().unwrap(),
                f["location"]["path"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "MOAT-703".to_owned(),
                "/root/.git-credentials".to_owned(),
                1,
                "layers[0]".to_owned()
            ),
            (
                "MOAT-703".to_owned(),
                "/app/settings.py".to_owned(),
                2,
                "layers[1]".to_owned()
            ),
        ]
    );
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(!text.contains(token), "secret leaked: {text}");
    assert!(text.contains("deleted by a later layer"), "{text}");
}

#[test]
fn every_image_check_is_explained() {
    for id in ["MOAT-750", "MOAT-751", "MOAT-752", "MOAT-753"] {
        let o = moat(&["explain", id]);
        assert_eq!(common::code(&o), 0, "{id}");
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(text.contains(id) && text.contains("Remediation"), "{text}");
    }
}

#[test]
fn real_minbase_image() {
    let layout = common::root().join("target/test-images/minbase/oci");
    assert!(
        layout.is_dir(),
        "{} missing — run scripts/setup-test-deps",
        layout.display()
    );
    let o = moat(&["image", layout.to_str().unwrap(), "-f", "json"]);
    assert_eq!(
        common::code(&o),
        1,
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // The credentials file of layer 1, deleted by layer 2, is still found; nothing else
    // in the Debian root looks like a secret.
    assert_eq!(
        findings(&o.stdout),
        [
            ("MOAT-700".to_owned(), "layers[1]".to_owned()),
            ("MOAT-701".to_owned(), "layers[1]".to_owned()),
            ("MOAT-750".to_owned(), "config.User".to_owned()),
            ("MOAT-752".to_owned(), "config.ExposedPorts".to_owned()),
        ]
    );
    let o = moat(&["image", layout.to_str().unwrap()]);
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(table.contains("Layers    3"), "{table}");
    assert!(table.contains("/opt/app/.env:2:23"), "{table}");
    assert!(table.contains("deleted by a later layer"), "{table}");
    assert!(!table.contains("7Qx9bVwz"), "secret leaked: {table}");
    assert!(table.contains("Debian GNU/Linux 12 (bookworm)"), "{table}");
}
