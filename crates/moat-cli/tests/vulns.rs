//! `moat image` vulnerability matching end to end, on the real data of
//! `../shared/vulndata` imported with `moat db import`: a Go binary built with Debian's Go
//! toolchain (go-vulndb stdlib advisories), a Rust binary built with `cargo auditable`
//! depending on smallvec 1.6.0 (RUSTSEC-2021-0003), requests 2.19.1 installed from PyPI
//! with pip (PYSEC records), Debian packages below and at a DSA's fixed version, an Alpine package
//! below a secdb fix. The expected IDs were checked by hand against the records
//! (`moat db lookup`). Wrong-ecosystem matches must not happen: Debian's
//! `python3-requests` never meets PyPI's `requests` advisories.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "../../moat-image/tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;

/// One database for all tests: Go, Rust, Python, Debian and Alpine advisories.
fn db() -> &'static Path {
    static DB: OnceLock<PathBuf> = OnceLock::new();
    DB.get_or_init(|| {
        // Under the target directory, rebuilt from scratch by every test run.
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("moat-vulns-test");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("vuln.db");
        let data = common::shared().join("vulndata");
        let mut args = vec!["db".to_owned(), "import".to_owned(), "--db".to_owned()];
        args.push(db.display().to_string());
        for set in [
            "go-vulndb",
            "rustsec-osv",
            "pypi-advisory-db",
            "debian-security-tracker",
            "alpine-secdb",
        ] {
            args.push(data.join(set).display().to_string());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = common::moat_in(&common::root(), &args, None);
        assert_eq!(
            common::code(&o),
            0,
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        db
    })
}

/// `(first ID, all IDs, fixed versions, severity)` per package name, from the JSON report.
fn vulns(stdout: &[u8]) -> Vec<(String, String, String)> {
    let v: Value = serde_json::from_slice(stdout).unwrap();
    let mut out: Vec<(String, String, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check_id"] == "MOAT-760")
        .map(|f| {
            (
                f["resource"]["name"].as_str().unwrap().to_owned(),
                f["message"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

/// `moat image ROOT --db DB -f FORMAT --fail-on never`, which must succeed.
fn scan_image(root: &Path, db: &str, format: &str) -> std::process::Output {
    let args = [
        "image",
        root.to_str().unwrap(),
        "--db",
        db,
        "-f",
        format,
        "--fail-on",
        "never",
    ];
    let o = common::moat_in(&common::root(), &args, None);
    assert_eq!(
        common::code(&o),
        0,
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn rootfs(dir: &Path, os_release: &str, status: Option<&str>, apk: Option<&str>) -> PathBuf {
    let root = dir.join("root");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(root.join("etc/os-release"), os_release).unwrap();
    if let Some(s) = status {
        std::fs::create_dir_all(root.join("var/lib/dpkg")).unwrap();
        std::fs::write(root.join("var/lib/dpkg/status"), s).unwrap();
    }
    if let Some(a) = apk {
        std::fs::create_dir_all(root.join("lib/apk/db")).unwrap();
        std::fs::write(root.join("lib/apk/db/installed"), a).unwrap();
    }
    root
}

const STATUS: &str = "Package: libssl1.1\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl\nVersion: 1.1.1n-0+deb11u3\n\n\
Package: python3-requests\nStatus: install ok installed\nArchitecture: all\nSource: requests\nVersion: 2.25.1+dfsg-2\n\n\
Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\nSource: zlib\nVersion: 1:1.2.11.dfsg-2+deb11u2\n";

/// A Debian 11 root with [`STATUS`] and requests 2.19.1 as pip installed it from PyPI
/// (`scripts/build-test-images` makes `target/test-images/pypi-site`).
fn debian_with_requests(dir: &Path) -> PathBuf {
    let root = rootfs(
        dir,
        "ID=debian\nVERSION_ID=\"11\"\nPRETTY_NAME=\"Debian GNU/Linux 11 (bullseye)\"\n",
        Some(STATUS),
        None,
    );
    copy_dir(&pypi_site(), &root.join("usr/lib/python3/dist-packages"));
    root
}

/// requests 2.19.1 as pip installed it from PyPI (`scripts/build-test-images`).
fn pypi_site() -> PathBuf {
    let site = common::root().join("target/test-images/pypi-site");
    assert!(
        site.join("requests-2.19.1.dist-info/METADATA").is_file(),
        "{} missing — run scripts/setup-test-deps",
        site.display()
    );
    site
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// The real test image: three layers built with `umoci` — a Debian 11 root with
/// [`STATUS`]; requests 2.19.1 as pip installed it from PyPI; a Go binary built by
/// Debian's Go toolchain and a Rust binary built with `cargo auditable` — pushed with
/// `skopeo` to Debian's `docker-registry` on 127.0.0.1 and scanned from there.
#[test]
fn real_advisories_for_go_rust_python_and_debian() {
    let dir = tempfile::tempdir().unwrap();
    let base = rootfs(
        &dir.path().join("base"),
        "ID=debian\nVERSION_ID=\"11\"\nPRETTY_NAME=\"Debian GNU/Linux 11 (bullseye)\"\n",
        Some(STATUS),
        None,
    );
    let python = dir.path().join("python");
    copy_dir(&pypi_site(), &python.join("usr/lib/python3/dist-packages"));
    let bins = dir.path().join("bins");
    std::fs::create_dir_all(bins.join("usr/local/bin")).unwrap();
    std::fs::copy(
        support::lang::go_binaries().join("app"),
        bins.join("usr/local/bin/app"),
    )
    .unwrap();
    std::fs::copy(
        support::lang::auditable_binary(),
        bins.join("usr/local/bin/tool"),
    )
    .unwrap();
    let layout = dir.path().join("oci");
    common::registry::umoci_image(&layout, "1", &[&base, &python, &bins]);
    let registry = common::registry::Registry::start();
    let reference = format!("{}/moat/vulnapp:1", registry.addr);
    common::registry::skopeo_copy(
        &format!("oci:{}:1", layout.display()),
        &format!("docker://{reference}"),
    );
    let db = db().to_str().unwrap();
    let o = common::moat_in(
        &common::root(),
        &[
            "image",
            &reference,
            "--insecure-registry",
            "--db",
            db,
            "-f",
            "json",
        ],
        None,
    );
    assert_eq!(
        common::code(&o),
        1,
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // Each package came from the layer that added it.
    let sbom = common::moat_in(
        &common::root(),
        &["sbom", &reference, "--insecure-registry", "-f", "json"],
        None,
    );
    let sbom: Value = serde_json::from_slice(&sbom.stdout).unwrap();
    let layers = sbom["image"]["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 3, "{sbom}");
    let layer_of = |name: &str| {
        let p = sbom["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{name} missing: {sbom}"));
        layers.iter().position(|l| *l == p["layer"]).unwrap()
    };
    assert_eq!(layer_of("libssl1.1"), 0);
    assert_eq!(layer_of("requests"), 1);
    assert_eq!(layer_of("smallvec"), 2);
    assert_eq!(layer_of("stdlib"), 2);
    let found = vulns(&o.stdout);
    let of = |pkg: &str| -> Vec<&(String, String, String)> {
        found.iter().filter(|(p, ..)| p.starts_with(pkg)).collect()
    };
    // Rust: smallvec 1.6.0 has RUSTSEC-2021-0003 (CVE-2021-25900), fixed in 1.6.1, CVSS 9.8.
    let smallvec = of("smallvec 1.6.0");
    assert_eq!(smallvec.len(), 1, "{found:#?}");
    assert!(
        smallvec[0]
            .1
            .starts_with("CVE-2021-25900 (GHSA-43w2-9j62-hq99, RUSTSEC-2021-0003): 1.6.0 → 1.6.1"),
        "{:?}",
        smallvec[0]
    );
    assert_eq!(smallvec[0].2, "critical");
    // PyPI: requests 2.19.1 is affected by PYSEC-2018-28 (fixed 2.20.0) and PYSEC-2023-74
    // (introduced 2.3.0, fixed 2.31.0), not by the 2014/2015 records (fixed 2.3.0, 2.6.0).
    let requests: Vec<&str> = of("requests 2.19.1").iter().map(|f| f.1.as_str()).collect();
    assert_eq!(requests.len(), 2, "{requests:#?}");
    assert!(
        requests[0]
            .starts_with("CVE-2018-18074 (GHSA-x84v-xcm2-53pg, PYSEC-2018-28): 2.19.1 → 2.20.0")
    );
    assert!(
        requests[1]
            .starts_with("CVE-2023-32681 (GHSA-j8r2-6x86-q33q, PYSEC-2023-74): 2.19.1 → 2.31.0")
    );
    // Debian: libssl1.1 from source openssl 1.1.1n-0+deb11u3 is below DSA-5343-1's fix.
    let ssl = of("libssl1.1");
    assert_eq!(ssl.len(), 1, "{found:#?}");
    assert!(
        ssl[0].1.contains("DSA-5343-1")
            && ssl[0].1.contains("→ 1.1.1n-0+deb11u4 [Debian:11 openssl"),
        "{:?}",
        ssl[0]
    );
    // zlib1g is at DSA-5218-1's fixed version: not affected. python3-requests is a Debian
    // package: PyPI's requests advisories never apply to it.
    assert!(of("zlib1g").is_empty(), "{found:#?}");
    assert!(of("python3-requests").is_empty(), "{found:#?}");
    // Go: the binary was built by Debian's Go 1.19 toolchain; go-vulndb's stdlib records
    // fixed in 1.19.9/1.20.4 (GO-2023-1751, -1752, -1753) apply.
    let stdlib: Vec<&str> = of("stdlib go1.19").iter().map(|f| f.1.as_str()).collect();
    for id in [
        "GO-2023-1751",
        "GO-2023-1752",
        "GO-2023-1753",
        "GO-2023-1840",
    ] {
        assert!(
            stdlib.iter().any(|m| m.contains(id)),
            "{id} missing: {stdlib:#?}"
        );
    }
    assert!(
        stdlib
            .iter()
            .any(|m| m.starts_with("CVE-2023-24539 (GO-2023-1751): go1.19")
                && m.contains("→ 1.19.9 or 1.20.4")),
        "{stdlib:#?}"
    );
}

#[test]
fn alpine_by_origin_and_branch_and_missing_db() {
    let dir = tempfile::tempdir().unwrap();
    // libcrypto1.1's origin is openssl; v3.11's secdb fixes CVE-2019-1551 in 1.1.1d-r3.
    let root = rootfs(
        dir.path(),
        "ID=alpine\nVERSION_ID=3.11.2\n",
        None,
        Some(
            "P:libcrypto1.1\nV:1.1.1d-r2\nA:x86_64\no:openssl\n\nP:musl\nV:1.1.24-r2\nA:x86_64\no:musl\n",
        ),
    );
    let db = db().to_str().unwrap();
    let o = scan_image(&root, db, "json");
    let found = vulns(&o.stdout);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].0.starts_with("libcrypto1.1 1.1.1d-r2"));
    assert!(
        found[0].1.contains("CVE-2019-1551")
            && found[0].1.contains("→ 1.1.1d-r3 [Alpine:v3.11 openssl"),
        "{found:#?}"
    );
    // Without a database the image is still checked, with a warning that vulnerabilities
    // were not.
    let o = common::moat_in(
        &common::root(),
        &[
            "image",
            root.to_str().unwrap(),
            "--db",
            "/nonexistent/moat.db",
            "--fail-on",
            "never",
        ],
        None,
    );
    assert_eq!(common::code(&o), 0);
    assert!(String::from_utf8_lossy(&o.stderr).contains("vulnerabilities not checked"));
    assert!(String::from_utf8_lossy(&o.stdout).contains("Vulns     not checked"));
}

#[test]
fn sbom_scan_and_explain() {
    let dir = tempfile::tempdir().unwrap();
    let root = debian_with_requests(dir.path());
    let db = db().to_str().unwrap();
    let run = |args: &[&str]| common::moat_in(&common::root(), args, None);
    let mut first: Option<Vec<(String, String, String)>> = None;
    for format in ["cyclonedx", "spdx"] {
        let bom = dir.path().join(format!("bom.{format}.json"));
        let o = run(&[
            "sbom",
            root.to_str().unwrap(),
            "-f",
            format,
            "-o",
            bom.to_str().unwrap(),
        ]);
        assert_eq!(
            common::code(&o),
            0,
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let o = run(&[
            "sbom",
            "scan",
            bom.to_str().unwrap(),
            "--db",
            db,
            "-f",
            "json",
            "--fail-on",
            "medium",
        ]);
        assert_eq!(
            common::code(&o),
            1,
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let found = vulns(&o.stdout);
        let ids: Vec<&str> = found
            .iter()
            .map(|f| f.1.split(':').next().unwrap())
            .collect();
        assert_eq!(found.len(), 3, "{format}: {found:#?}");
        assert!(
            found
                .iter()
                .any(|f| f.0.starts_with("libssl1.1") && f.1.contains("DSA-5343-1")),
            "{ids:?}"
        );
        // The same findings from both SBOM formats.
        match &first {
            None => first = Some(found),
            Some(f) => assert_eq!(f, &found, "{format}"),
        }
    }
    // An OpenVEX statement suppresses one of them, shown as waived with its justification.
    let vex = dir.path().join("app.vex.json");
    std::fs::write(
        &vex,
        r#"{"@context":"https://openvex.dev/ns/v0.2.0","statements":[{"vulnerability":{"name":"CVE-2018-18074"},"products":[{"@id":"pkg:pypi/requests"}],"status":"not_affected","justification":"vulnerable_code_not_in_execute_path"}]}"#,
    )
    .unwrap();
    let bom = dir.path().join("bom.cyclonedx.json");
    let o = run(&[
        "sbom",
        "scan",
        bom.to_str().unwrap(),
        "--db",
        db,
        "-f",
        "json",
        "--vex",
        vex.to_str().unwrap(),
    ]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let waived: Vec<&Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| !f["waived"].is_null())
        .collect();
    assert_eq!(waived.len(), 1, "{v:#}");
    assert!(
        waived[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("CVE-2018-18074")
    );
    assert_eq!(
        waived[0]["waived"]["reason"],
        "VEX not_affected: vulnerable_code_not_in_execute_path"
    );
    // `.moat.yaml` ignores: by any ID, optionally by package glob, with an expiry.
    let cfg = dir.path().join("moat.yaml");
    std::fs::write(
        &cfg,
        "vulnerabilities:\n  ignore:\n    - id: PYSEC-2023-74\n      package: \"req*\"\n      reason: proxies are not used\n      expires: 2999-01-01\n    - id: DSA-5343-1\n      reason: old\n      expires: 2001-01-01\n",
    )
    .unwrap();
    let o = run(&[
        "sbom",
        "scan",
        bom.to_str().unwrap(),
        "--db",
        db,
        "-f",
        "json",
        "--config",
        cfg.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("moat.yaml:7: the ignore of DSA-5343-1 expired on 2001-01-01"),
        "{err}"
    );
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let waived: Vec<(&str, &str)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| !f["waived"].is_null())
        .map(|f| {
            (
                f["message"].as_str().unwrap(),
                f["waived"]["by"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(waived.len(), 1, "{waived:?}");
    assert!(
        waived[0].0.starts_with("CVE-2023-32681") && waived[0].1.ends_with("moat.yaml:3"),
        "{waived:?}"
    );
    std::fs::write(&cfg, "vulnerabilities:\n  ignore:\n    - id: CVE-1\n").unwrap();
    let o = run(&[
        "sbom",
        "scan",
        bom.to_str().unwrap(),
        "--db",
        db,
        "--config",
        cfg.to_str().unwrap(),
    ]);
    assert_eq!(common::code(&o), 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("has no `reason`"));
    std::fs::write(&vex, "{}").unwrap();
    let o = run(&[
        "sbom",
        "scan",
        bom.to_str().unwrap(),
        "--db",
        db,
        "--vex",
        vex.to_str().unwrap(),
    ]);
    assert_eq!(
        common::code(&o),
        2,
        "a broken VEX document is a usage error"
    );
    let o = run(&["sbom", "scan", "/nonexistent/bom.json", "--db", db]);
    assert_eq!(common::code(&o), 2);
    let o = run(&[
        "vuln",
        "explain",
        "PYSEC-2018-28",
        "--package",
        "pkg:pypi/requests@2.19.1",
        "--db",
        db,
    ]);
    assert_eq!(common::code(&o), 1);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("looked up as PyPI / requests at version 2.19.1"),
        "{text}"
    );
    assert!(
        text.contains("record PYSEC-2018-28: affected[0] PyPI/requests: ECOSYSTEM range"),
        "{text}"
    );
    assert!(text.contains("fixed in 2.20.0"), "{text}");
    let o = run(&[
        "vuln",
        "explain",
        "PYSEC-2018-28",
        "--package",
        "pkg:pypi/requests@2.20.0",
        "--db",
        db,
    ]);
    assert_eq!(common::code(&o), 0);
    assert!(String::from_utf8_lossy(&o.stdout).contains("not affected"));
}

#[test]
fn sarif_has_one_rule_per_vulnerability() {
    let dir = tempfile::tempdir().unwrap();
    let root = debian_with_requests(dir.path());
    let db = db().to_str().unwrap();
    let o = scan_image(&root, db, "sarif");
    let sarif = common::valid_sarif(&common::stdout(&o));
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    // The check keeps its own rule; every vulnerability has one more.
    assert!(rules.iter().any(|r| r["id"] == "MOAT-760"));
    let vulns: Vec<&Value> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["properties"]["check"] == "MOAT-760")
        .collect();
    assert_eq!(vulns.len(), 3, "{run:#}");
    let mut ids = Vec::new();
    for r in &vulns {
        let id = r["ruleId"].as_str().unwrap();
        assert_ne!(id, "MOAT-760");
        // The rule ID is the preferred ID the message starts with.
        assert!(
            r["message"]["text"].as_str().unwrap().starts_with(id),
            "{r}"
        );
        let rule = &rules[usize::try_from(r["ruleIndex"].as_u64().unwrap()).unwrap()];
        assert_eq!(rule["id"], id);
        assert_eq!(rule["properties"]["check"], "MOAT-760");
        let score: f64 = rule["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.0..=10.0).contains(&score), "{rule}");
        assert!(rule["helpUri"].as_str().unwrap().starts_with("https://"));
        assert!(
            !rule["shortDescription"]["text"]
                .as_str()
                .unwrap()
                .is_empty()
        );
        ids.push(id);
    }
    ids.sort_unstable();
    assert!(ids.contains(&"CVE-2018-18074"), "{ids:?}");
    // requests 2.19.1's PYSEC-2018-28 is CVE-2018-18074: the PYSEC ID is a tag of the rule.
    let rule = rules.iter().find(|r| r["id"] == "CVE-2018-18074").unwrap();
    let tags = rule["properties"]["tags"].as_array().unwrap();
    assert!(tags.iter().any(|t| t == "PYSEC-2018-28"), "{tags:?}");
    // The PyPA record has no CVSS vector: unrated, reported as medium (GitHub's 5.5).
    assert_eq!(rule["properties"]["security-severity"], "5.5", "{rule:#}");
    assert!(
        rule["helpUri"]
            .as_str()
            .unwrap()
            .starts_with("https://access.redhat.com/errata/"),
        "the record's first reference: {rule:#}"
    );
}
