//! End-to-end tests of `moat netpol`: reach (text, JSON, --expect exit codes), matrix
//! formats (the text form against a netpol-analyzer golden), exposure analysis, coverage findings against the
//! report schema, input errors (exit 2 with `file:line`), stdin snapshots and diff; and the
//! coverage findings inside `moat scan` (locations, selection, inline waivers).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::fs;
use std::path::Path;

use common::{code, moat, moat_in, shared, stdout, valid_report};

const SHOP: &str = "apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {team: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        ports: [{containerPort: 8080, name: http}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: db, namespace: shop}
spec:
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
      - name: db
        ports: [{containerPort: 5432, name: pg}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: shop}
spec:
  podSelector:
    matchLabels: {app: db}
  ingress:
  - from:
    - podSelector:
        matchLabels: {app: web}
    ports:
    - port: pg
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector:
    matchLabels: {app: web}
  ingress:
  - ports:
    - port: 8080
";

fn fixture(dir: &Path, name: &str, text: &str) {
    fs::write(dir.join(name), text).unwrap();
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

#[test]
fn reach_explains_both_sides_and_expect_sets_the_exit_code() {
    let tmp = tempfile::tempdir().unwrap();
    fixture(tmp.path(), "shop.yaml", SHOP);
    let args = [
        "netpol", "reach", ".", "--from", "shop/web", "--to", "shop/db",
    ];
    let o = moat_in(tmp.path(), &args, None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.starts_with("shop/web[Deployment] => shop/db[Deployment]: ALLOWED (TCP 5432)"),
        "{out}"
    );
    assert!(out.contains("NetworkPolicy 'shop/db' Ingress rule #1 allows TCP 5432 (./shop.yaml:43, spec.ingress[0])"), "{out}");
    assert!(
        out.contains("egress of shop/web[Deployment]: All Connections"),
        "{out}"
    );

    let denied = moat_in(
        tmp.path(),
        &[
            "netpol", "reach", ".", "--from", "shop/db", "--to", "shop/web", "--port", "5432",
            "--expect", "denied",
        ],
        None,
    );
    assert_eq!(code(&denied), 0);
    assert!(stdout(&denied).contains("DENIED (TCP 5432)"));
    let wrong = moat_in(
        tmp.path(),
        &[
            "netpol", "reach", ".", "--from", "shop/web", "--to", "shop/db", "--port", "22/TCP",
            "--expect", "allowed",
        ],
        None,
    );
    assert_eq!(code(&wrong), 1, "the answer differs from --expect");

    let ext = moat_in(
        tmp.path(),
        &[
            "netpol",
            "reach",
            ".",
            "--from",
            "203.0.113.7",
            "--to",
            "shop/web",
            "--port",
            "8080",
            "-f",
            "json",
        ],
        None,
    );
    assert_eq!(code(&ext), 0);
    let v: serde_json::Value = serde_json::from_str(&stdout(&ext)).unwrap();
    assert_eq!(v["allowed"], true);
    assert_eq!(v["pairs"][0]["src"], "203.0.113.7-203.0.113.7[External]");
    assert_eq!(v["pairs"][0]["connections"], "TCP 8080");
}

#[test]
fn reach_usage_errors_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    fixture(tmp.path(), "shop.yaml", SHOP);
    let o = moat_in(
        tmp.path(),
        &[
            "netpol",
            "reach",
            ".",
            "--from",
            "shop/nope",
            "--to",
            "shop/db",
        ],
        None,
    );
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("`shop/nope` is neither a workload"),
        "{}",
        stderr(&o)
    );
    let o = moat_in(
        tmp.path(),
        &[
            "netpol", "reach", ".", "--from", "shop/web", "--to", "shop/db", "--port", "http/TCP",
        ],
        None,
    );
    assert_eq!(code(&o), 2);
    let o = moat_in(
        tmp.path(),
        &[
            "netpol",
            "reach",
            ".",
            "--from",
            "10.0.0.0/8",
            "--to",
            "1.1.1.1",
        ],
        None,
    );
    assert_eq!(code(&o), 2);
}

#[test]
fn matrix_text_matches_the_netpol_analyzer_golden() {
    let dir = shared().join("netpol/netpol-analyzer");
    let o = moat(&[
        "netpol",
        "matrix",
        dir.join("tests/onlineboutique_workloads").to_str().unwrap(),
        "-f",
        "txt",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let golden = fs::read_to_string(
        dir.join("expected/connlist/onlineboutique_workloads_connlist_output.txt"),
    )
    .unwrap();
    assert_eq!(stdout(&o).trim_end(), golden.trim_end());
}

#[test]
fn matrix_formats() {
    let tmp = tempfile::tempdir().unwrap();
    fixture(tmp.path(), "shop.yaml", SHOP);
    let table = moat_in(tmp.path(), &["netpol", "matrix", "."], None);
    assert_eq!(code(&table), 0);
    let t = stdout(&table);
    assert!(t.starts_with("SOURCE"), "{t}");
    assert!(
        t.lines().any(|l| l.split_whitespace().collect::<Vec<_>>()
            == ["shop/web[Deployment]", "shop/db[Deployment]", "TCP", "5432"]),
        "{t}"
    );
    assert!(
        t.contains("allowed connection(s) among 2 workload(s)"),
        "{t}"
    );
    let json = stdout(&moat_in(
        tmp.path(),
        &["netpol", "matrix", ".", "-f", "json"],
        None,
    ));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .any(|e| e["src"] == "shop/web[Deployment]"
                && e["dst"] == "shop/db[Deployment]"
                && e["conn"] == "TCP 5432")
    );
    let csv = stdout(&moat_in(
        tmp.path(),
        &["netpol", "matrix", ".", "-f", "csv"],
        None,
    ));
    assert!(csv.starts_with("src,dst,conn\n"));
    let dot = stdout(&moat_in(
        tmp.path(),
        &["netpol", "matrix", ".", "-f", "dot"],
        None,
    ));
    assert!(
        dot.starts_with("digraph {")
            && dot.contains(
                "\"shop/web[Deployment]\" -> \"shop/db[Deployment]\" [label=\"TCP 5432\"]"
            ),
        "{dot}"
    );
    let focus = stdout(&moat_in(
        tmp.path(),
        &[
            "netpol",
            "matrix",
            ".",
            "-f",
            "txt",
            "--focus-workload",
            "db",
            "--focus-direction",
            "ingress",
        ],
        None,
    ));
    assert_eq!(
        focus,
        "shop/web[Deployment] => shop/db[Deployment] : TCP 5432\n"
    );
    let port = stdout(&moat_in(
        tmp.path(),
        &["netpol", "matrix", ".", "-f", "txt", "--focus-port", "8080"],
        None,
    ));
    assert!(
        port.starts_with("Permitted connections on TCP 8080:\n"),
        "{port}"
    );
    assert!(
        port.contains("0.0.0.0-255.255.255.255[External] => shop/web[Deployment]\n"),
        "{port}"
    );
}

#[test]
fn matrix_exposure() {
    // The golden of an exposure case, byte for byte (newlines aside).
    let dir = shared().join("netpol/netpol-analyzer");
    let o = moat(&[
        "netpol",
        "matrix",
        dir.join("tests/exposure_test_with_anp_11_with_named_port")
            .to_str()
            .unwrap(),
        "-f",
        "txt",
        "--exposure",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let golden = fs::read_to_string(
        dir.join("expected/connlist/exposure_test_with_anp_11_with_named_port_exposure_output.txt"),
    )
    .unwrap();
    assert_eq!(
        stdout(&o).replace('\n', ""),
        golden.replace(['\n', '\r'], "")
    );

    let tmp = tempfile::tempdir().unwrap();
    fixture(tmp.path(), "shop.yaml", SHOP);
    // web admits every peer on 8080; db admits web only (a real pod: no potential peer);
    // no policy isolates egress.
    let txt = stdout(&moat_in(
        tmp.path(),
        &["netpol", "matrix", ".", "-f", "txt", "--exposure"],
        None,
    ));
    let section = txt.split_once("\n\n").map(|(_, s)| s).unwrap();
    assert_eq!(
        section,
        "Exposure Analysis Result:
Egress Exposure:
shop/db[Deployment]  \t=> \t0.0.0.0-255.255.255.255[External] : All Connections
shop/db[Deployment]  \t=> \tentire-cluster : All Connections
shop/web[Deployment] \t=> \t0.0.0.0-255.255.255.255[External] : All Connections
shop/web[Deployment] \t=> \tentire-cluster : All Connections

Ingress Exposure:
shop/web[Deployment] \t<= \t0.0.0.0-255.255.255.255[External] : TCP 8080
shop/web[Deployment] \t<= \tentire-cluster : TCP 8080

Workloads not protected by network policies:
shop/db[Deployment] is not protected on Egress
shop/web[Deployment] is not protected on Egress
"
    );
    let json = stdout(&moat_in(
        tmp.path(),
        &["netpol", "matrix", ".", "-f", "json", "--exposure"],
        None,
    ));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["connlist_results"].as_array().unwrap().len(), 5);
    assert_eq!(
        v["exposure_results"]["ingress_exposure"][1],
        serde_json::json!({"src": "entire-cluster", "dst": "shop/web[Deployment]", "conn": "TCP 8080"})
    );
    let dot = stdout(&moat_in(
        tmp.path(),
        &["netpol", "matrix", ".", "-f", "dot", "--exposure"],
        None,
    ));
    assert!(
        dot.contains("\"entire-cluster\" [shape=diamond]")
            && dot.contains(
                "\"entire-cluster\" -> \"shop/web[Deployment]\" [label=\"TCP 8080\" style=dashed]"
            ),
        "{dot}"
    );
    let table = stdout(&moat_in(
        tmp.path(),
        &["netpol", "matrix", ".", "--exposure"],
        None,
    ));
    assert!(table.contains("\nExposure Analysis Result:\n"), "{table}");
    // Not available as CSV or Markdown.
    let csv = moat_in(
        tmp.path(),
        &["netpol", "matrix", ".", "-f", "csv", "--exposure"],
        None,
    );
    assert_eq!(code(&csv), 2);
    assert!(stderr(&csv).contains("--exposure"), "{}", stderr(&csv));
    // With focus workloads and peers it is not relevant: warned and left out.
    let peers = moat_in(
        tmp.path(),
        &[
            "netpol",
            "matrix",
            ".",
            "-f",
            "txt",
            "--exposure",
            "--focus-workload",
            "db",
            "--focus-peer",
            "web",
        ],
        None,
    );
    assert_eq!(code(&peers), 0);
    assert!(!stdout(&peers).contains("Exposure"), "{}", stdout(&peers));
    assert!(
        stderr(&peers).contains("exposure analysis is not relevant"),
        "{}",
        stderr(&peers)
    );
}

#[test]
fn matrix_reads_a_snapshot_from_stdin() {
    // `kubectl get … -o json` (a List) and API-style typed lists (items without kind).
    let snapshot = r#"{"apiVersion": "v1", "kind": "List", "items": [
      {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "namespace": "x", "labels": {"app": "a"}}, "spec": {"containers": [{"name": "c"}]}},
      {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "deny", "namespace": "x"}, "spec": {"podSelector": {}}}
    ]}
---
{"apiVersion": "v1", "kind": "PodList", "items": [
      {"metadata": {"name": "b", "namespace": "x", "labels": {"app": "b"}}, "spec": {"containers": [{"name": "c"}]}}
    ]}
"#;
    let o = moat_in(
        &common::root(),
        &["netpol", "matrix", "-", "-f", "txt"],
        Some(snapshot.as_bytes()),
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("x/a[Pod] => 0.0.0.0-255.255.255.255[External] : All Connections"),
        "{out}"
    );
    assert!(
        out.contains("x/b[Pod] => 0.0.0.0-255.255.255.255[External]"),
        "{out}"
    );
    assert!(
        !out.contains("=> x/a[Pod]"),
        "a is isolated for ingress: {out}"
    );
}

#[test]
fn invalid_policies_are_located_and_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    fixture(tmp.path(), "shop.yaml", SHOP);
    fixture(
        tmp.path(),
        "bad.yaml",
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: bad, namespace: shop}\nspec:\n  podSelector: {}\n  ingress:\n  - from:\n    - ipBlock: {cidr: 10.0.0.0/40}\n",
    );
    let o = moat_in(tmp.path(), &["netpol", "matrix", ".", "-f", "txt"], None);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(err.contains("bad.yaml:8:"), "{err}");
    assert!(
        err.contains("CIDR error: invalid CIDR address: 10.0.0.0/40"),
        "{err}"
    );
    // The rest is still analysed.
    assert!(stdout(&o).contains("shop/web[Deployment] => shop/db[Deployment] : TCP 5432"));
}

#[test]
fn check_reports_coverage_findings() {
    let tmp = tempfile::tempdir().unwrap();
    fixture(tmp.path(), "shop.yaml", SHOP);
    fixture(
        tmp.path(),
        "other.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: lonely, namespace: misc}\nspec:\n  template:\n    metadata: {labels: {app: lonely}}\n    spec: {containers: [{name: c}]}\n",
    );
    let o = moat_in(tmp.path(), &["netpol", "check", ".", "-f", "json"], None);
    assert_eq!(code(&o), 0, "no finding reaches the default --fail-on high");
    let v = valid_report(&stdout(&o));
    let ids: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["check_id"].as_str().unwrap())
        .collect();
    for id in ["MOAT-300", "MOAT-301", "MOAT-302", "MOAT-304"] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    let lonely = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check_id"] == "MOAT-302")
        .unwrap();
    assert_eq!(lonely["resource"]["name"], "lonely");
    assert_eq!(lonely["location"]["file"], "./other.yaml");
    assert_eq!(lonely["location"]["line"], 6);
    assert_eq!(lonely["location"]["path"], "spec.template.metadata.labels");
    let o = moat_in(
        tmp.path(),
        &["netpol", "check", ".", "--fail-on", "medium"],
        None,
    );
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).contains("MOAT-300"));
}

#[test]
fn diff_lists_changed_connections() {
    let tmp = tempfile::tempdir().unwrap();
    fs::create_dir(tmp.path().join("a")).unwrap();
    fs::create_dir(tmp.path().join("b")).unwrap();
    fixture(&tmp.path().join("a"), "shop.yaml", SHOP);
    fixture(
        &tmp.path().join("b"),
        "shop.yaml",
        &SHOP.replace("- port: pg", "- port: 5433"),
    );
    let o = moat_in(tmp.path(), &["netpol", "diff", "a", "b"], None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "Connectivity diff:\ndiff-type: changed, source: shop/web[Deployment], destination: shop/db[Deployment], ref1: TCP 5432, ref2: TCP 5433\n"
    );
}

const SCAN_APP: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: team
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: team
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers: [{name: c, image: "registry.example/api:1.0"}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
  namespace: team
  annotations:
    moat.dev/ignore: "MOAT-302: isolated by the node firewall"
spec:
  selector: {matchLabels: {app: worker}}
  template:
    metadata:
      labels: {app: worker}
    spec:
      containers: [{name: c, image: "registry.example/worker:1.0"}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: team}
spec:
  podSelector:
    matchLabels: {app: web}
  policyTypes: [Ingress]
"#;

const SCAN_OTHER: &str = r#"apiVersion: v1
kind: Pod
metadata:
  name: lonely
  namespace: misc
  labels: {app: lonely}
spec:
  containers: [{name: c, image: "registry.example/lonely:1.0"}]
"#;

/// `(file, line, check ID, waived)` of the netpol findings of a JSON report.
fn netpol_findings(v: &serde_json::Value) -> Vec<(String, u64, String, bool)> {
    let mut out: Vec<_> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check_id"].as_str().unwrap().starts_with("MOAT-3"))
        .map(|f| {
            (
                f["location"]["file"].as_str().unwrap().to_owned(),
                f["location"]["line"].as_u64().unwrap(),
                f["check_id"].as_str().unwrap().to_owned(),
                !f["waived"].is_null(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn scan_reports_netpol_coverage_and_honours_inline_waivers() {
    let tmp = tempfile::tempdir().unwrap();
    fixture(tmp.path(), "app.yaml", SCAN_APP);
    fixture(tmp.path(), "other.yaml", SCAN_OTHER);
    let o = moat_in(
        tmp.path(),
        &[
            "scan",
            ".",
            "-f",
            "json",
            "--no-config",
            "--fail-on",
            "never",
        ],
        None,
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v = valid_report(&stdout(&o));
    let f = |file: &str, line: u64, id: &str, waived: bool| {
        (format!("./{file}"), line, id.to_owned(), waived)
    };
    assert_eq!(
        netpol_findings(&v),
        vec![
            // The Namespace object of a namespace without default-deny policies.
            f("app.yaml", 4, "MOAT-300", false),
            f("app.yaml", 4, "MOAT-301", false),
            // Pod template labels of workloads no policy selects; the worker's is waived
            // by its `moat.dev/ignore` annotation.
            f("app.yaml", 15, "MOAT-302", false),
            f("app.yaml", 30, "MOAT-302", true),
            // The podSelector of a policy that selects no pod.
            f("app.yaml", 38, "MOAT-303", false),
            // A namespace with no Namespace object: its workload's `metadata.namespace`.
            f("other.yaml", 5, "MOAT-300", false),
            f("other.yaml", 5, "MOAT-301", false),
            f("other.yaml", 6, "MOAT-302", false),
        ]
    );
    let waived = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["check_id"] == "MOAT-302" && !x["waived"].is_null())
        .unwrap();
    assert_eq!(waived["resource"]["name"], "worker");
    assert_eq!(waived["waived"]["reason"], "isolated by the node firewall");
    assert_eq!(waived["location"]["path"], "spec.template.metadata.labels");

    // Selection by ID applies to the cross-object checks too.
    let o = moat_in(
        tmp.path(),
        &[
            "scan",
            ".",
            "-f",
            "json",
            "--no-config",
            "--check",
            "MOAT-302",
        ],
        None,
    );
    let v = valid_report(&stdout(&o));
    let ids: std::collections::BTreeSet<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["check_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["MOAT-302"].into_iter().collect());

    // The catalogue knows the checks.
    let o = moat(&["explain", "MOAT-300"]);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).contains("netpol-no-default-deny-ingress"));
}
