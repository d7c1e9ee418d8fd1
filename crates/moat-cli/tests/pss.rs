//! End-to-end tests of `moat pss`: verdicts, the JSON shape (validated against a strict
//! schema), exit codes, Namespace labels and admission configuration.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::fs;
use std::path::Path;

use common::{code, moat_in, stdout};

const HARDENED: &str = "apiVersion: v1
kind: Pod
metadata: {name: good, namespace: prod}
spec:
  securityContext:
    runAsNonRoot: true
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: app
    image: nginx
    securityContext:
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL]}
";

/// Passes baseline, fails restricted (four checks).
const PLAIN: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: prod}
spec:
  template:
    spec:
      containers:
      - name: app
        image: nginx
";

/// Fails baseline.
const PRIVILEGED: &str = "apiVersion: v1
kind: Pod
metadata: {name: root, namespace: ops}
spec:
  runtimeClassName: kata
  containers:
  - name: shell
    image: alpine
    securityContext:
      privileged: true
";

const SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "additionalProperties": false,
  "required": ["level", "version", "results", "errors"],
  "properties": {
    "level": {"enum": ["privileged", "baseline", "restricted"]},
    "version": {"type": "string", "pattern": "^(latest|v1\\.(0|[1-9][0-9]*))$"},
    "results": {"type": "array", "items": {
      "type": "object",
      "additionalProperties": false,
      "required": ["file", "line", "kind", "namespace", "name", "allowed", "violations"],
      "properties": {
        "file": {"type": "string"},
        "line": {"type": "integer", "minimum": 1},
        "kind": {"type": "string"},
        "namespace": {"type": ["string", "null"]},
        "name": {"type": ["string", "null"]},
        "allowed": {"type": "boolean"},
        "violations": {"type": "array", "items": {
          "type": "object",
          "additionalProperties": false,
          "required": ["check_id", "reason", "detail", "path", "line"],
          "properties": {
            "check_id": {"enum": ["allowPrivilegeEscalation", "appArmorProfile",
              "capabilities_baseline", "capabilities_restricted", "hostNamespaces",
              "hostPathVolumes", "hostPorts", "hostProbesAndHostLifecycle", "privileged",
              "procMount", "procMount_restricted", "restrictedVolumes", "runAsNonRoot",
              "runAsUser", "seLinuxOptions", "seccompProfile_baseline",
              "seccompProfile_restricted", "sysctls", "windowsHostProcess"]},
            "reason": {"type": "string", "minLength": 1},
            "detail": {"type": "string"},
            "path": {"type": "string", "minLength": 1},
            "line": {"type": "integer", "minimum": 1}
          }
        }}
      }
    }},
    "errors": {"type": "array", "items": {
      "type": "object",
      "additionalProperties": false,
      "required": ["file", "line", "column", "message"],
      "properties": {
        "file": {"type": "string"},
        "line": {"type": "integer", "minimum": 0},
        "column": {"type": "integer", "minimum": 0},
        "message": {"type": "string"}
      }
    }}
  }
}"#;

/// Parses `moat pss -f json` output and validates it against [`SCHEMA`].
fn valid_json(text: &str) -> serde_json::Value {
    let v: serde_json::Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON: {e}\n{text}"));
    let schema: serde_json::Value = serde_json::from_str(SCHEMA).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errs: Vec<String> = validator
        .iter_errors(&v)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errs.is_empty(), "{}\n{text}", errs.join("\n"));
    v
}

fn write(dir: &Path, name: &str, text: &str) {
    fs::write(dir.join(name), text).unwrap();
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn pss(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["pss"];
    all.extend_from_slice(args);
    moat_in(dir, &all, None)
}

#[test]
fn verdicts_and_exit_codes() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "good.yaml", HARDENED);
    write(d.path(), "plain.yaml", PLAIN);
    let o = pss(d.path(), &["good.yaml"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(stdout(&o).contains("ALLOWED  Pod/prod/good  good.yaml:1  restricted:latest"));

    let o = pss(d.path(), &["plain.yaml"]);
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    assert!(
        out.contains("DENIED   Deployment/prod/web  plain.yaml:1  restricted:latest"),
        "{out}"
    );
    assert!(out.contains(
        r#"  plain.yaml:8  allowPrivilegeEscalation  allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false)"#
    ), "{out}");
    assert!(out.contains(
        r#"  => violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false"#
    ));
    assert!(out.contains("1 workload: 0 allowed, 1 denied"), "{out}");

    let o = pss(d.path(), &["plain.yaml", "--level", "baseline"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(stdout(&o).contains("baseline:latest"));
    // before v1.8 restricted had no allowPrivilegeEscalation check, and capabilities and
    // seccomp only came in v1.22 and v1.19: only runAsNonRoot remains
    let o = pss(d.path(), &["plain.yaml", "--version", "v1.7", "-f", "json"]);
    assert_eq!(code(&o), 1);
    let v = valid_json(&stdout(&o));
    let ids: Vec<&str> = v["results"][0]["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["check_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["runAsNonRoot"]);
    assert_eq!(v["version"], "v1.7");

    let o = pss(d.path(), &["plain.yaml", "--level", "privileged"]);
    assert_eq!(code(&o), 0);
}

#[test]
fn json_shape() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "all.yaml",
        &format!(
            "{HARDENED}---\n{PLAIN}---\n{PRIVILEGED}---\napiVersion: v1\nkind: Service\nmetadata: {{name: s}}\n"
        ),
    );
    let o = pss(
        d.path(),
        &["all.yaml", "--format", "json", "--level", "baseline"],
    );
    assert_eq!(code(&o), 1);
    let v = valid_json(&stdout(&o));
    assert_eq!(v["level"], "baseline");
    assert_eq!(v["version"], "latest");
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 3, "only workloads");
    assert_eq!(
        results[0],
        serde_json::json!({
            "file": "all.yaml", "line": 1, "kind": "Pod", "namespace": "prod", "name": "good",
            "allowed": true, "violations": []
        })
    );
    assert_eq!(results[1]["allowed"], true);
    assert_eq!(results[1]["line"], 15);
    assert_eq!(
        results[2],
        serde_json::json!({
            "file": "all.yaml", "line": 25, "kind": "Pod", "namespace": "ops", "name": "root",
            "allowed": false,
            "violations": [{
                "check_id": "privileged",
                "reason": "privileged",
                "detail": "container \"shell\" must not set securityContext.privileged=true",
                "path": "spec.containers[0].securityContext.privileged",
                "line": 34
            }]
        })
    );
    assert_eq!(v["errors"], serde_json::json!([]));
}

#[test]
fn stdin_and_input_errors() {
    let d = tempfile::tempdir().unwrap();
    let o = moat_in(
        d.path(),
        &["pss", "-", "-f", "json"],
        Some(PLAIN.as_bytes()),
    );
    assert_eq!(code(&o), 1);
    let v = valid_json(&stdout(&o));
    assert_eq!(v["results"][0]["file"], "<stdin>");

    // a broken file is an error (exit 2) and the rest is still evaluated
    write(d.path(), "good.yaml", HARDENED);
    write(
        d.path(),
        "bad.yaml",
        "apiVersion: v1\nkind: Pod\nspec: [unclosed\n",
    );
    let o = pss(d.path(), &[".", "-f", "json"]);
    assert_eq!(code(&o), 2);
    let v = valid_json(&stdout(&o));
    assert_eq!(v["results"].as_array().unwrap().len(), 1);
    let e = &v["errors"][0];
    assert!(e["file"].as_str().unwrap().ends_with("bad.yaml"));
    assert!(e["line"].as_u64().unwrap() >= 3, "{e}");

    let o = pss(d.path(), &["missing.yaml"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("missing.yaml"));
}

#[test]
fn unknown_version_lists_valid_ones() {
    let d = tempfile::tempdir().unwrap();
    for bad in ["v1.38", "1.25", "v2.0", "newest"] {
        let o = pss(d.path(), &[".", "--version", bad]);
        assert_eq!(code(&o), 2, "{bad}");
        let err = stderr(&o);
        assert!(err.contains(&format!("unknown version `{bad}`")), "{err}");
        assert!(
            err.contains("v1.0, v1.1,") && err.contains("v1.37, latest"),
            "{err}"
        );
    }
    let o = pss(d.path(), &[".", "--level", "strict"]);
    assert_eq!(code(&o), 2);
}

#[test]
fn namespace_labels_choose_the_policy() {
    let d = tempfile::tempdir().unwrap();
    let ns = "apiVersion: v1
kind: Namespace
metadata:
  name: prod
  labels:
    pod-security.kubernetes.io/enforce: baseline
    pod-security.kubernetes.io/enforce-version: v1.30
    pod-security.kubernetes.io/warn: restricted
---
apiVersion: v1
kind: Namespace
metadata:
  name: ops
  labels:
    pod-security.kubernetes.io/enforce: privileged
";
    write(d.path(), "ns.yaml", ns);
    write(d.path(), "plain.yaml", PLAIN);
    write(d.path(), "priv.yaml", PRIVILEGED);
    write(
        d.path(),
        "other.yaml",
        &PLAIN.replace("namespace: prod", "namespace: dev"),
    );
    let o = pss(d.path(), &[".", "-f", "json"]);
    assert_eq!(code(&o), 1);
    let v = valid_json(&stdout(&o));
    let allowed = |ns: &str| {
        let r = v["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["namespace"] == ns)
            .unwrap();
        r["allowed"].as_bool().unwrap()
    };
    // prod enforces baseline:v1.30, ops is privileged, dev has no Namespace: the default
    assert!(allowed("prod"));
    assert!(allowed("ops"));
    assert!(!allowed("dev"));

    let files = ["ns.yaml", "plain.yaml", "priv.yaml"];
    let o = pss(d.path(), &files);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(stdout(&o).contains("ALLOWED  Deployment/prod/web  plain.yaml:1  baseline:v1.30"));
    assert!(stdout(&o).contains("ALLOWED  Pod/ops/root  priv.yaml:1  privileged:latest"));

    // --mode warn reads the warn labels: prod warns at restricted
    let o = pss(d.path(), &["ns.yaml", "plain.yaml", "--mode", "warn"]);
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).contains("DENIED   Deployment/prod/web  plain.yaml:1  restricted:latest"));
}

#[test]
fn invalid_namespace_labels_are_input_errors() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "ns.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n  labels:\n    pod-security.kubernetes.io/enforce: strict\n",
    );
    write(d.path(), "good.yaml", HARDENED);
    let o = pss(d.path(), &[".", "-f", "json", "--level", "baseline"]);
    assert_eq!(code(&o), 2);
    let v = valid_json(&stdout(&o));
    let e = &v["errors"][0];
    assert_eq!(e["line"], 6);
    assert_eq!(
        e["message"],
        "Namespace \"prod\": metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: \"strict\": must be one of privileged, baseline, restricted"
    );
    // like the API server, an invalid enforce level evaluates as restricted
    assert_eq!(v["results"][0]["allowed"], true);
}

#[test]
fn admission_configuration_defaults_and_exemptions() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "plain.yaml", PLAIN);
    write(d.path(), "priv.yaml", PRIVILEGED);
    write(
        d.path(),
        "admission.yaml",
        "apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
- name: PodSecurity
  configuration:
    apiVersion: pod-security.admission.config.k8s.io/v1
    kind: PodSecurityConfiguration
    defaults:
      enforce: baseline
      enforce-version: latest
    exemptions:
      namespaces: [ops]
",
    );
    let o = pss(
        d.path(),
        &[
            "plain.yaml",
            "priv.yaml",
            "--admission-config",
            "admission.yaml",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let out = stdout(&o);
    assert!(
        out.contains("ALLOWED  Deployment/prod/web  plain.yaml:1  baseline:latest"),
        "{out}"
    );
    assert!(
        out.contains(r#"EXEMPT   Pod/ops/root  priv.yaml:1  (namespace "ops" is exempt)"#),
        "{out}"
    );
    assert!(
        out.contains("2 workloads: 2 allowed (1 exempt), 0 denied"),
        "{out}"
    );
    // --level overrides the configuration's default
    let o = pss(
        d.path(),
        &[
            "plain.yaml",
            "--admission-config",
            "admission.yaml",
            "--level",
            "restricted",
        ],
    );
    assert_eq!(code(&o), 1);

    // the plugin's configuration in its own file, with a runtimeClass exemption
    fs::create_dir(d.path().join("cfg")).unwrap();
    write(
        &d.path().join("cfg"),
        "admission.yaml",
        "apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins:\n- name: PodSecurity\n  path: pss.yaml\n",
    );
    write(
        &d.path().join("cfg"),
        "pss.yaml",
        "apiVersion: pod-security.admission.config.k8s.io/v1\nkind: PodSecurityConfiguration\ndefaults: {enforce: restricted}\nexemptions: {runtimeClasses: [kata]}\n",
    );
    let o = pss(
        d.path(),
        &["priv.yaml", "--admission-config", "cfg/admission.yaml"],
    );
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(stdout(&o).contains(r#"(runtimeClassName "kata" is exempt)"#));
    let o = pss(
        d.path(),
        &["plain.yaml", "--admission-config", "cfg/admission.yaml"],
    );
    assert_eq!(code(&o), 1);

    // an invalid configuration stops before scanning, pointing at the line
    write(
        d.path(),
        "broken.yaml",
        "apiVersion: pod-security.admission.config.k8s.io/v1\nkind: PodSecurityConfiguration\ndefaults:\n  enforce: strict\n",
    );
    let o = pss(
        d.path(),
        &["plain.yaml", "--admission-config", "broken.yaml"],
    );
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("broken.yaml:4:3: defaults.enforce: Invalid value: \"strict\""),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).is_empty());
}
