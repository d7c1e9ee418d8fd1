//! `deploy/`: the sensor DaemonSet passes moat's own scan; the only findings are the ones
//! inherent to a node sensor, each waived in the manifest with its reason.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;

use common::{code, moat, stdout};

#[test]
fn sensor_daemonset_passes_its_own_scan_with_reasoned_waivers() {
    let o = moat(&[
        "scan",
        "deploy/",
        "--no-config",
        "-f",
        "json",
        "--fail-on",
        "info",
    ]);
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(report["errors"], serde_json::json!([]));
    assert_eq!(
        report["scanned"]["resources"], 5,
        "Namespace, NetworkPolicy, ServiceAccount, ConfigMap, DaemonSet"
    );

    let findings = report["findings"].as_array().unwrap();
    let mut waived: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for f in findings {
        let id = f["check_id"].as_str().unwrap();
        let reason = f["waived"]["reason"].as_str();
        assert!(
            reason.is_some_and(|r| r.len() > 30),
            "{id} is not waived with a reason: {f}"
        );
        assert_eq!(f["resource"]["kind"], "DaemonSet", "{f}");
        waived
            .entry(id)
            .or_default()
            .push(f["message"].as_str().unwrap());
    }
    let ids: Vec<_> = waived.keys().copied().collect();
    assert_eq!(
        ids,
        [
            "MOAT-002", "MOAT-004", "MOAT-008", "MOAT-009", "MOAT-013", "MOAT-051", "MOAT-053",
            "MOAT-306"
        ],
        "{waived:#?}"
    );
    // Exactly the capabilities the sensor needs, and the three read-only host paths.
    let caps: Vec<_> = waived["MOAT-004"]
        .iter()
        .map(|m| m.rsplit(' ').next().unwrap())
        .collect();
    assert_eq!(
        caps,
        [
            "BPF",
            "PERFMON",
            "SYS_RESOURCE",
            "SYS_PTRACE",
            "DAC_READ_SEARCH"
        ]
    );
    let paths: Vec<_> = waived["MOAT-051"]
        .iter()
        .map(|m| m.rsplit(' ').next().unwrap())
        .collect();
    assert_eq!(paths, ["/sys/kernel/btf", "/sys/fs/cgroup", "/proc"]);
    // Not privileged, no privilege escalation, all other capabilities dropped, read-only
    // root, seccomp confined, no host network or IPC: nothing to waive there.
    for absent in [
        "MOAT-001", "MOAT-003", "MOAT-005", "MOAT-007", "MOAT-011", "MOAT-012", "MOAT-052",
        "MOAT-054",
    ] {
        assert!(!waived.contains_key(absent), "{absent} must not occur");
    }
    assert!(!waived["MOAT-004"].iter().any(|m| m.contains("SYS_ADMIN")));
}

#[test]
fn sensor_daemonset_fails_without_its_waivers() {
    // The waivers are what makes the scan pass: without the annotation the same manifest
    // has critical findings (hostPath) and exits 1.
    let text =
        std::fs::read_to_string(common::root().join("deploy/sensor-daemonset.yaml")).unwrap();
    let start = text.find("        moat.dev/ignore: |").unwrap();
    let end = start + text[start..].find("    spec:").unwrap();
    let stripped = format!("{}{}", &text[..start], &text[end..])
        .replace("      annotations:\n    spec:", "    spec:");
    let o = common::moat_in(
        &common::root(),
        &["scan", "-", "--no-config", "-f", "json"],
        Some(stripped.as_bytes()),
    );
    assert_eq!(code(&o), 1, "{}", String::from_utf8_lossy(&o.stderr));
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(report["errors"], serde_json::json!([]));
    let unwaived = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["waived"].is_null())
        .count();
    assert_eq!(unwaived, 14);
}
