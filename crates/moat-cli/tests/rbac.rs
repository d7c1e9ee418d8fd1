//! End-to-end tests of `moat rbac`: every subcommand, table and JSON output, the shared
//! report formats for `risks`, stdin snapshots, exit codes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::fs;
use std::path::Path;

use common::{code, moat_in, stdout};
use serde_json::Value;

/// `ci/builder` can create pods in `ci`, where `ci/deployer` is cluster-admin; `web` is
/// exposed and its account reads Secrets in `shop`, where `admin-bot` is cluster-admin.
const CLUSTER: &str = "\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-maker, namespace: ci}
rules:
- {apiGroups: [\"\"], resources: [pods], verbs: [create]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: builder, namespace: ci}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-maker}
subjects: [{kind: ServiceAccount, name: builder, namespace: ci}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: deployer-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: deployer, namespace: ci}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: admin-bot}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: admin-bot, namespace: shop}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: read-secrets, namespace: shop}
rules:
- {apiGroups: [\"\"], resources: [secrets], verbs: [list]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: web-secrets, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: read-secrets}
subjects: [{kind: ServiceAccount, name: web, namespace: shop}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      serviceAccountName: web
      containers: [{name: web, image: example/web:1}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{port: 443}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: quiet, namespace: shop}
spec:
  selector: {matchLabels: {app: quiet}}
  template:
    metadata: {labels: {app: quiet}}
    spec:
      automountServiceAccountToken: false
      containers: [{name: q, image: example/q:1}]
";

fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("cluster.yaml"), CLUSTER).unwrap();
    dir
}

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let o = moat_in(dir, args, None);
    (
        code(&o),
        stdout(&o),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON: {e}\n{text}"))
}

#[test]
fn who_can_table_and_json() {
    let d = fixture();
    let (c, out, err) = run(
        d.path(),
        &["rbac", "who-can", "create", "pods", ".", "-n", "ci"],
    );
    assert_eq!(c, 0, "{err}");
    assert!(
        out.starts_with("Who can create pods in namespace ci:"),
        "{out}"
    );
    assert!(
        out.contains("ServiceAccount ci/builder")
            && out.contains("RoleBinding ci/builder → Role ci/pod-maker rules[0]"),
        "{out}"
    );
    assert!(
        out.contains("ServiceAccount ci/deployer") && out.contains("cluster-wide"),
        "{out}"
    );
    assert!(
        out.contains("Group system:masters"),
        "built-in cluster-admin binding: {out}"
    );
    assert!(!out.contains("shop/web"), "{out}");

    let (c, out, _) = run(
        d.path(),
        &[
            "rbac",
            "who-can",
            "create",
            "pods",
            ".",
            "-n",
            "ci",
            "-f",
            "json",
            "--no-builtin-roles",
        ],
    );
    assert_eq!(c, 0);
    let v = json(&out);
    assert_eq!(v["query"]["verb"], "create");
    assert_eq!(v["query"]["namespace"], "ci");
    let names: Vec<&str> = v["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["subject"]["name"].as_str().unwrap())
        .collect();
    // Without the bootstrap roles cluster-admin does not exist: its bindings grant nothing.
    assert_eq!(names, ["builder"]);
    let builder = &v["subjects"][0];
    assert_eq!(builder["scope"], "namespace:ci");
    assert_eq!(builder["via"]["binding"], "RoleBinding ci/builder");
    assert_eq!(builder["via"]["line"], 11);
    assert_eq!(builder["rule"]["verbs"][0], "create");
}

#[test]
fn who_can_resource_forms() {
    let d = fixture();
    // kubectl's resource.group form, a subresource, a cluster-scoped resource, a URL.
    let (c, out, _) = run(
        d.path(),
        &[
            "rbac",
            "who-can",
            "list",
            "secrets",
            ".",
            "-n",
            "shop",
            "--no-builtin-roles",
            "-f",
            "json",
        ],
    );
    assert_eq!(c, 0);
    let v = json(&out);
    assert!(
        v["subjects"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["subject"]["name"] == "web")
    );
    let (_, out, _) = run(
        d.path(),
        &[
            "rbac",
            "who-can",
            "update",
            "deployments.apps",
            ".",
            "-n",
            "shop",
            "-f",
            "json",
            "--no-builtin-roles",
        ],
    );
    let v = json(&out);
    assert_eq!(v["query"]["group"], "apps");
    assert_eq!(v["query"]["resource"], "deployments");
    let (_, out, _) = run(
        d.path(),
        &[
            "rbac", "who-can", "get", "nodes", ".", "-n", "shop", "-f", "json",
        ],
    );
    assert_eq!(json(&out)["query"]["clusterScoped"], true);
    let (_, out, _) = run(
        d.path(),
        &[
            "rbac",
            "who-can",
            "create",
            "pods",
            ".",
            "--subresource",
            "exec",
            "-n",
            "ci",
            "-f",
            "json",
        ],
    );
    assert_eq!(json(&out)["query"]["subresource"], "exec");
    let (c, out, _) = run(d.path(), &["rbac", "who-can", "get", "/metrics", "."]);
    assert_eq!(c, 0);
    assert!(out.contains("Who can get /metrics"), "{out}");
    let (_, out, _) = run(
        d.path(),
        &[
            "rbac",
            "who-can",
            "escalate",
            "widgets",
            ".",
            "--no-builtin-roles",
        ],
    );
    assert!(out.contains("nobody"), "{out}");
}

#[test]
fn can_and_permissions_alias() {
    let d = fixture();
    let (c, out, err) = run(d.path(), &["rbac", "can", "sa:ci/builder", "."]);
    assert_eq!(c, 0, "{err}");
    assert!(
        out.starts_with("Effective permissions of ServiceAccount ci/builder:"),
        "{out}"
    );
    assert!(out.contains("ns/ci") && out.contains("create"), "{out}");
    assert!(
        out.contains("cluster-admin in 3 step(s): ServiceAccount ci/builder —[can create pods in namespace ci"),
        "{out}"
    );
    assert!(
        out.contains("any ServiceAccount in ci → ServiceAccount ci/deployer"),
        "{out}"
    );
    let (c, out, _) = run(
        d.path(),
        &["rbac", "permissions", "ci/builder", ".", "-f", "json"],
    );
    assert_eq!(c, 0);
    let v = json(&out);
    assert_eq!(v["subject"]["kind"], "ServiceAccount");
    assert_eq!(v["cluster_admin"]["steps"].as_array().unwrap().len(), 3);
    assert_eq!(v["cluster_admin"]["steps"][0]["kind"], "create-pods");
    assert!(
        v["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["resources"][0] == "pods")
    );
    let (c, _, err) = run(d.path(), &["rbac", "can", "sa:nonamespace", "."]);
    assert_eq!(c, 2);
    assert!(err.contains("NAMESPACE/NAME"), "{err}");
}

#[test]
fn risks_formats_and_exit_codes() {
    let d = fixture();
    let (c, out, _) = run(d.path(), &["rbac", "risks", "."]);
    assert_eq!(
        c, 1,
        "critical findings fail at the default threshold\n{out}"
    );
    assert!(
        out.contains("MOAT-222") && out.contains("MOAT-226"),
        "{out}"
    );
    let (c, _, _) = run(d.path(), &["rbac", "risks", ".", "--fail-on", "never"]);
    assert_eq!(c, 0);
    let (c, out, _) = run(d.path(), &["rbac", "risks", ".", "-f", "json"]);
    assert_eq!(c, 1);
    let v = common::valid_report(&out);
    let findings = v["findings"].as_array().unwrap();
    let esc = findings
        .iter()
        .find(|f| f["check_id"] == "MOAT-222")
        .unwrap();
    assert_eq!(esc["severity"], "critical");
    assert!(
        esc["location"]["file"]
            .as_str()
            .unwrap()
            .ends_with("cluster.yaml")
    );
    assert_eq!(esc["location"]["line"], 11, "the builder binding's subject");
    assert!(
        esc["frameworks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "MITRE:T1098.006")
    );
    let exposed = findings
        .iter()
        .find(|f| f["check_id"] == "MOAT-226")
        .unwrap();
    assert_eq!(exposed["resource"]["kind"], "Deployment");
    assert!(
        exposed["message"]
            .as_str()
            .unwrap()
            .contains("Service shop/web (LoadBalancer)")
    );
    let (_, out, _) = run(d.path(), &["rbac", "risks", ".", "-f", "sarif"]);
    common::valid_sarif(&out);
    let (_, out, _) = run(d.path(), &["rbac", "risks", ".", "-f", "junit"]);
    let (_, cases, failures) = common::valid_junit(&out);
    assert!(cases >= failures && failures > 0);
    let (_, out, _) = run(
        d.path(),
        &["rbac", "risks", ".", "--severity", "critical", "-f", "json"],
    );
    let v = json(&out);
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["severity"] == "critical")
    );
    let (c, _, err) = run(d.path(), &["rbac", "risks", ".", "--fail-on", "severe"]);
    assert_eq!(c, 2, "{err}");
}

#[test]
fn graph_dot_and_json() {
    let d = fixture();
    let (c, out, _) = run(d.path(), &["rbac", "graph", "."]);
    assert_eq!(c, 0);
    assert!(out.starts_with("digraph rbac {"), "{out}");
    assert!(
        out.contains(
            "\"subject:ServiceAccount ci/builder\" -> \"binding:RoleBinding ci/builder\";"
        ),
        "{out}"
    );
    assert!(
        out.contains("\"binding:RoleBinding ci/builder\" -> \"role:Role ci/pod-maker\";"),
        "{out}"
    );
    assert!(
        !out.contains("system:basic-user"),
        "bootstrap bindings only with --include-builtin"
    );
    let (_, out, _) = run(
        d.path(),
        &["rbac", "graph", ".", "-f", "json", "--include-builtin"],
    );
    let v = json(&out);
    let kinds: std::collections::BTreeSet<&str> = v["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        ["binding", "permission", "role", "subject"]
    );
    assert!(
        v["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["label"] == "ClusterRoleBinding system:basic-user")
    );
}

#[test]
fn escalations_report() {
    let d = fixture();
    let (c, out, _) = run(d.path(), &["rbac", "escalations", ".", "--cluster-admin"]);
    assert_eq!(c, 0);
    assert!(
        out.contains("ServiceAccount ci/builder\n  cluster-admin in 3 step(s)"),
        "{out}"
    );
    assert!(
        out.contains("ServiceAccount shop/web\n  cluster-admin in 3 step(s)"),
        "{out}"
    );
    let (_, out, _) = run(
        d.path(),
        &[
            "rbac",
            "escalations",
            ".",
            "--subject",
            "sa:shop/web",
            "-f",
            "json",
        ],
    );
    let v = json(&out);
    let e = &v["escalations"][0];
    assert_eq!(e["subject"]["name"], "web");
    let steps = e["cluster_admin"].as_array().unwrap();
    assert_eq!(steps[0]["kind"], "list-secrets");
    assert_eq!(steps.last().unwrap()["to"], "cluster-admin");
    assert!(
        e["can_become"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["target"] == "ServiceAccount shop/admin-bot")
    );
}

#[test]
fn blast_radius() {
    let d = fixture();
    let (c, out, _) = run(d.path(), &["rbac", "blast-radius", "."]);
    assert_eq!(c, 0);
    let web = out
        .lines()
        .find(|l| l.starts_with("Deployment shop/web"))
        .unwrap();
    assert!(
        web.contains("YES") && web.contains("LoadBalancer shop/web"),
        "{out}"
    );
    let quiet = out
        .lines()
        .find(|l| l.starts_with("Deployment shop/quiet"))
        .unwrap();
    assert!(quiet.contains(" no ") && !quiet.contains("YES"), "{out}");
    let (_, out, _) = run(
        d.path(),
        &[
            "rbac",
            "blast-radius",
            ".",
            "--workload",
            "shop/web",
            "-f",
            "json",
        ],
    );
    let v = json(&out);
    let w = &v["workloads"][0];
    assert_eq!(w["cluster_admin"], true);
    assert_eq!(w["token_mounted"], true);
    assert_eq!(w["exposure"][0]["type"], "LoadBalancer");
    let (c, _, err) = run(
        d.path(),
        &["rbac", "blast-radius", ".", "--workload", "nope"],
    );
    assert_eq!(c, 2);
    assert!(err.contains("no workload"), "{err}");
}

#[test]
fn kubectl_snapshot_on_stdin_and_input_errors() {
    // A `kubectl get … -o json` List, including a typed list without item kinds.
    let list = serde_json::json!({
        "apiVersion": "v1", "kind": "List",
        "items": [
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "impersonator"},
             "rules": [{"apiGroups": [""], "resources": ["groups"], "verbs": ["impersonate"]}]},
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "imp"},
             "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "impersonator"},
             "subjects": [{"kind": "User", "name": "mallory", "apiGroup": "rbac.authorization.k8s.io"}]}
        ]
    });
    let o = moat_in(
        &common::root(),
        &["rbac", "escalations", "-", "--subject", "user:mallory"],
        Some(list.to_string().as_bytes()),
    );
    assert_eq!(code(&o), 0);
    let out = stdout(&o);
    assert!(
        out.contains("User mallory —[can impersonate groups"),
        "{out}"
    );
    assert!(out.contains("Group system:masters"), "{out}");

    let d = fixture();
    fs::write(d.path().join("broken.yaml"), "kind: [unclosed\n").unwrap();
    let (c, out, err) = run(
        d.path(),
        &["rbac", "who-can", "create", "pods", ".", "-n", "ci"],
    );
    assert_eq!(c, 2, "input errors exit 2 after answering");
    assert!(out.contains("ServiceAccount ci/builder"), "{out}");
    assert!(err.contains("broken.yaml"), "{err}");
}

#[test]
fn model_warnings_name_file_and_line() {
    let d = tempfile::tempdir().unwrap();
    fs::write(
        d.path().join("b.yaml"),
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: x}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}\nsubjects: [{kind: User, name: u}]\n",
    )
    .unwrap();
    let (c, _, err) = run(d.path(), &["rbac", "who-can", "get", "pods", "."]);
    assert_eq!(c, 0);
    assert!(
        err.contains("b.yaml:4:") && err.contains("can only reference a ClusterRole"),
        "{err}"
    );
}

#[test]
fn help_lists_subcommands() {
    let (c, out, _) = run(&common::root(), &["rbac", "--help"]);
    assert_eq!(c, 0);
    for sub in [
        "who-can",
        "can",
        "graph",
        "risks",
        "escalations",
        "blast-radius",
    ] {
        assert!(out.contains(sub), "{sub} missing from\n{out}");
    }
}
