//! Conformance against `../shared/rbac/` (see its README): the kubescape-regolibrary
//! RBAC cases, the `KubeHound` edge expectations that concern RBAC, and the `KubiScan`,
//! krane and rbac-police catalogues. Each suite prints its tally and must pass 100%,
//! except cases listed with a reason in `tests/conformance/*.allow` (an allowlisted
//! case that starts passing fails the test, so the list stays honest).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::indexing_slicing,
    clippy::match_same_arms
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use moat_manifest::Resource;
use moat_rbac::escalate::{self, Held, StepKind, Target};
use moat_rbac::model::BindingKind;
use moat_rbac::{Options, Subject, analyze};
use serde_json::Value;

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/rbac")
}

fn allowlist(name: &str) -> BTreeMap<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/conformance")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (k, reason) = l.split_once(" : ").unwrap_or((l, ""));
            assert!(!reason.trim().is_empty(), "{name}: `{l}` has no reason");
            (k.trim().to_owned(), reason.trim().to_owned())
        })
        .collect()
}

fn load(files: &[PathBuf], base: &Path) -> Vec<Resource> {
    let mut out = Vec::new();
    for f in files {
        let bytes = std::fs::read(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let name = f.strip_prefix(base).unwrap_or(f).display().to_string();
        let lf = moat_manifest::load_bytes(&name, &bytes);
        assert!(lf.errors.is_empty(), "{name}: {:?}", lf.errors);
        out.extend(lf.resources);
    }
    out
}

/// How a kubescape rule maps onto moat checks.
struct Mapping {
    checks: &'static [&'static str],
    /// Findings are keyed by the object in `k8sApiObjects` rather than by subject.
    by_object: bool,
}

fn mapping(rule: &str) -> Option<Mapping> {
    let m = |checks, by_object| Some(Mapping { checks, by_object });
    match rule {
        "access-container-service-account-v1" => m(&["MOAT-216"], false),
        "anonymous-access-enabled" => m(&["MOAT-214"], true),
        "cluster-admin-role" => m(&["MOAT-200"], false),
        "ensure-default-service-accounts-has-only-default-roles" => m(&["MOAT-216"], true),
        "exec-into-container-v1" => m(&["MOAT-204"], false),
        "rule-access-dashboard-subject-v1" => m(&["MOAT-228"], false),
        "rule-can-access-proxy-subresource" => m(&["MOAT-209"], false),
        "rule-can-approve-cert-signing-request" => m(&["MOAT-210"], false),
        "rule-can-bind-escalate" => m(&["MOAT-205"], false),
        "rule-can-create-pod" => m(&["MOAT-203"], false),
        "rule-can-create-pv" => m(&["MOAT-213"], false),
        "rule-can-create-service-account-token" => m(&["MOAT-208"], false),
        "rule-can-delete-k8s-events-v1" => m(&["MOAT-220"], false),
        "rule-can-impersonate-users-groups-v1" => m(&["MOAT-206"], false),
        "rule-can-list-get-secrets-v1" => m(&["MOAT-202"], false),
        "rule-can-modify-admission-webhooks" => m(&["MOAT-211"], false),
        "rule-can-portforward-v1" => m(&["MOAT-204"], false),
        "rule-can-update-configmap-v1" => m(&["MOAT-219"], false),
        "rule-excessive-delete-rights-v1" => m(&["MOAT-221"], false),
        "rule-list-all-cluster-admins-v1" => m(&["MOAT-200", "MOAT-201"], false),
        "serviceaccount-token-mount" => m(&["MOAT-223", "MOAT-224", "MOAT-225"], true),
        "system-authenticated-allowed-to-take-over-cluster" => m(&["MOAT-215"], false),
        "workload-with-administrative-roles" => m(&["MOAT-223"], true),
        "workload-with-cluster-takeover-roles" => m(&["MOAT-224"], true),
        _ => None,
    }
}

/// The permission an alert message names, as a moat permission tag (prefix).
fn permission_of(rule: &str, message: &str) -> Option<&'static str> {
    Some(match rule {
        "rule-can-bind-escalate" if message.contains("can bind") => "bind",
        "rule-can-bind-escalate" => "escalate",
        "exec-into-container-v1" => "exec",
        "rule-can-portforward-v1" => "portforward",
        "rule-can-impersonate-users-groups-v1" => "impersonate",
        "rule-can-list-get-secrets-v1" => "read-secrets",
        "rule-can-create-pod" => "create-pods",
        "rule-can-create-pv" => "create-persistentvolumes",
        "rule-can-create-service-account-token" => "create-tokens",
        "rule-can-approve-cert-signing-request" => "approve-csr",
        "rule-can-modify-admission-webhooks" => "modify-webhooks",
        "rule-can-access-proxy-subresource" => "nodes-proxy",
        "rule-can-delete-k8s-events-v1" => "delete-events",
        "rule-excessive-delete-rights-v1" => "delete-resources",
        "rule-can-update-configmap-v1" => "modify-system-configmaps",
        _ => return None,
    })
}

type Key = (String, String, String, String);

fn expected_keys(rule: &str, by_object: bool, expected: &Value) -> BTreeSet<Key> {
    let mut out = BTreeSet::new();
    for f in expected.as_array().into_iter().flatten() {
        let msg = f["alertMessage"].as_str().unwrap_or("");
        let ao = &f["alertObject"];
        if by_object {
            for o in ao["k8sApiObjects"].as_array().into_iter().flatten() {
                out.insert((
                    o["kind"].as_str().unwrap_or("").to_owned(),
                    o["metadata"]["name"].as_str().unwrap_or("").to_owned(),
                    String::new(),
                    String::new(),
                ));
            }
            continue;
        }
        let eo = &ao["externalObjects"];
        let subject = format!(
            "{}/{}",
            eo["kind"].as_str().unwrap_or(""),
            eo["name"].as_str().unwrap_or("")
        );
        let rel = eo["relatedObjects"].as_array().cloned().unwrap_or_default();
        let binding = rel
            .iter()
            .find(|o| o["kind"].as_str().is_some_and(|k| k.ends_with("Binding")));
        let role = rel
            .iter()
            .find(|o| o["kind"].as_str().is_some_and(|k| k.ends_with("Role")));
        let name = |o: Option<&Value>| {
            o.map(|o| {
                format!(
                    "{}/{}",
                    o["kind"].as_str().unwrap_or(""),
                    o["metadata"]["name"].as_str().unwrap_or("")
                )
            })
            .unwrap_or_default()
        };
        out.insert((
            subject,
            name(binding),
            name(role),
            permission_of(rule, msg).unwrap_or("").to_owned(),
        ));
    }
    out
}

#[test]
fn kubescape_regolibrary() {
    let base = shared().join("kubescape-regolibrary");
    let index: Value =
        serde_json::from_str(&std::fs::read_to_string(base.join("index.json")).unwrap()).unwrap();
    let allow = allowlist("kubescape.allow");
    let (mut passed, mut failed, mut allowed, mut empty_ok, mut empty_total, mut latent) =
        (0, 0, 0, 0, 0, 0);
    let mut failures = Vec::new();
    let mut used_allow = BTreeSet::new();
    for case in index["cases"].as_array().unwrap() {
        let rule = case["rule"].as_str().unwrap();
        let test = case["test"].as_str().unwrap();
        let id = format!("{rule}/{test}");
        let inputs: Vec<PathBuf> = case["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| base.join(p.as_str().unwrap()))
            .collect();
        let expected: Value = serde_json::from_str(
            &std::fs::read_to_string(base.join(case["expected"].as_str().unwrap())).unwrap(),
        )
        .unwrap();
        let resources = load(&inputs, &base);
        if let Some(reason) = allow.get(&id) {
            // A replacement finding named in the reason must be reported.
            let a = analyze(&resources, &Options::default());
            let ids: BTreeSet<&str> = a.risks().iter().map(|f| f.meta.id).collect();
            for word in reason.split(|ch: char| !ch.is_ascii_alphanumeric() && ch != '-') {
                if word.starts_with("MOAT-2") {
                    assert!(
                        ids.contains(word),
                        "{id}: allowlist reason names {word}, but moat does not report it ({ids:?})"
                    );
                }
            }
        }
        let outcome = match mapping(rule) {
            None => Err("no moat check mapped".to_owned()),
            Some(m) => {
                let a = analyze(&resources, &Options::default());
                let c = &a.cluster;
                let want = expected_keys(rule, m.by_object, &expected);
                let mut got = BTreeSet::new();
                for f in a.risks() {
                    if !m.checks.contains(&f.meta.id) {
                        continue;
                    }
                    if m.by_object {
                        let key = if let Some(w) = f.workload.and_then(|w| c.workloads.get(w)) {
                            (w.kind.to_owned(), w.name.to_owned())
                        } else if let Some(b) = f.binding.and_then(|b| c.bindings.get(b)) {
                            (b.kind.as_str().to_owned(), b.name.to_owned())
                        } else {
                            continue;
                        };
                        got.insert((key.0, key.1, String::new(), String::new()));
                        continue;
                    }
                    let Some(s) = &f.subject else { continue };
                    if f.latent && !want.is_empty() {
                        latent += 1;
                    }
                    let subject = format!("{:?}/{}", s.kind, s.name);
                    let binding = f
                        .binding
                        .and_then(|b| c.bindings.get(b))
                        .map(|b| format!("{}/{}", b.kind.as_str(), b.name))
                        .unwrap_or_default();
                    let role = f
                        .role
                        .and_then(|r| c.roles.get(r))
                        .map(|r| format!("{}/{}", r.kind.as_str(), r.name))
                        .unwrap_or_default();
                    // One key per expected permission the finding covers (or none asked).
                    let perms: BTreeSet<&str> = want.iter().map(|k| k.3.as_str()).collect();
                    for p in perms {
                        if p.is_empty() || f.permissions.iter().any(|t| t.starts_with(p)) {
                            got.insert((
                                subject.clone(),
                                binding.clone(),
                                role.clone(),
                                p.to_owned(),
                            ));
                        }
                    }
                }
                if want.is_empty() {
                    empty_total += 1;
                }
                if want == got {
                    if want.is_empty() {
                        empty_ok += 1;
                    }
                    Ok(())
                } else {
                    Err(format!("expected {want:?}\n      got {got:?}"))
                }
            }
        };
        match (outcome, allow.get(&id)) {
            (Ok(()), Some(_)) => {
                failed += 1;
                failures.push(format!(
                    "{id}: passes but is allowlisted; remove it from kubescape.allow"
                ));
            }
            (Ok(()), None) => passed += 1,
            (Err(_), Some(_)) => {
                allowed += 1;
                used_allow.insert(id);
            }
            (Err(e), None) => {
                failed += 1;
                failures.push(format!("{id}: {e}"));
            }
        }
    }
    for k in allow.keys() {
        assert!(
            used_allow.contains(k) || failures.iter().any(|f| f.starts_with(k.as_str())),
            "kubescape.allow names unknown case {k}"
        );
    }
    println!(
        "kubescape-regolibrary: {passed} passed, {failed} failed, {allowed} allowlisted (of {}); cases expecting nothing: {empty_ok}/{empty_total} clean; {latent} expected findings matched by latent (no-effect) grants",
        passed + failed + allowed
    );
    assert!(
        failures.is_empty(),
        "{} failing case(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ------------------------------------------------------------------ KubeHound

/// `KubeHound` tests that are about RBAC, and the ones that are not (container escapes,
/// volumes, endpoints, node identities), which moat-rbac does not model.
const KUBEHOUND_NOT_RBAC: &[&str] = &[
    "TestEdge_CE_MODULE_LOAD",
    "TestEdge_CE_NSENTER",
    "TestEdge_CE_PRIV_MOUNT",
    "TestEdge_CE_SYS_PTRACE",
    "TestEdge_CE_UMH_CORE_PATTERN",
    "Test_CE_VAR_LOG_SYMLINK",
    "TestEdge_CONTAINER_ATTACH",
    "TestEdge_POD_ATTACH",
    "TestEdge_VOLUME_ACCESS",
    "TestEdge_VOLUME_DISCOVER",
    "TestEdge_EXPLOIT_HOST_READ",
    "TestEdge_EXPLOIT_HOST_WRITE",
    "TestEdge_EXPLOIT_HOST_TRAVERSE",
    "TestEdge_ENDPOINT_EXPLOIT_ContainerPort",
    "TestEdge_ENDPOINT_EXPLOIT_NodePort",
    "TestEdge_ENDPOINT_EXPLOIT_External",
    "TestEdge_SHARE_PS_NAMESPACE",
    "TestEdge_IDENTITY_ASSUME_Node",
];

fn pairs(v: &Value) -> BTreeSet<(String, String)> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| Some((p[0].as_str()?.to_owned(), p[1].as_str()?.to_owned())))
        .collect()
}

/// `KubeHound`'s `PermissionSet`: one (binding, role) pair, named `role::binding`.
struct PermSet {
    name: String,
    namespace: Option<String>,
    role: usize,
    held: Held<'static>,
}

#[test]
#[allow(clippy::too_many_lines)]
fn kubehound_edges() {
    let base = shared().join("kubehound");
    let mut files: Vec<PathBuf> = std::fs::read_dir(base.join("test-cluster/attacks"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    let resources: &'static [Resource] = Box::leak(load(&files, &base).into_boxed_slice());
    let a: &'static moat_rbac::Analysis<'static> =
        Box::leak(Box::new(analyze(resources, &Options::default())));
    let c = &a.cluster;
    // kind cluster topology: <name>-control-plane, <name>-worker, <name>-worker2, …
    let kind_cfg = std::fs::read_to_string(base.join("test-cluster/cluster.yaml")).unwrap();
    let cluster_name = kind_cfg
        .lines()
        .find_map(|l| l.strip_prefix("name: "))
        .unwrap()
        .trim()
        .to_owned();
    let mut nodes = Vec::new();
    let mut workers = 0;
    for l in kind_cfg.lines() {
        match l.trim() {
            "- role: control-plane" => nodes.push(format!("{cluster_name}-control-plane")),
            "- role: worker" => {
                workers += 1;
                nodes.push(if workers == 1 {
                    format!("{cluster_name}-worker")
                } else {
                    format!("{cluster_name}-worker{workers}")
                });
            }
            _ => {}
        }
    }
    // Permission sets and identities of the input.
    let mut permsets: Vec<PermSet> = Vec::new();
    let mut identities: BTreeSet<(String, String)> = BTreeSet::new(); // (namespace, sa)
    for b in c.bindings.iter().filter(|b| !b.builtin) {
        let Some(role) = b.role else { continue };
        for (_, s) in &b.subjects {
            if let (moat_rbac::SubjectKind::ServiceAccount, Some(ns)) = (s.kind, &s.namespace) {
                identities.insert((ns.clone(), s.name.clone()));
            }
        }
        permsets.push(PermSet {
            name: format!("{}::{}", c.roles[role].name, b.name),
            namespace: (b.kind == BindingKind::RoleBinding)
                .then(|| b.namespace.unwrap_or("default").to_owned()),
            role,
            held: Held {
                role: Some(role),
                scope: b.scope(),
                binding: None,
                subject: 0,
                gained: None,
            },
        });
    }
    let pods_in = |ns: Option<&str>| -> Vec<String> {
        c.workloads
            .iter()
            .filter(|w| ns.is_none_or(|n| n == w.namespace))
            .map(|w| w.name.to_owned())
            .collect()
    };
    let sas_in = |ns: Option<&str>| -> Vec<String> {
        identities
            .iter()
            .filter(|(n, _)| ns.is_none_or(|x| x == n))
            .map(|(_, s)| s.clone())
            .collect()
    };
    // Grant-level edges of one kind from the default namespace's permission sets.
    let grant_edges = |kinds: &[StepKind]| -> BTreeSet<(String, String)> {
        let mut out = BTreeSet::new();
        for ps in permsets
            .iter()
            .filter(|p| p.namespace.as_deref() == Some("default"))
        {
            for (t, step) in escalate::steps(c, std::slice::from_ref(&ps.held)) {
                if !kinds.contains(&step.kind) {
                    continue;
                }
                let targets: Vec<String> = match t {
                    Target::AnyWorkload(ns) => pods_in(ns),
                    Target::Workload(w) => vec![c.workloads[w].name.to_owned()],
                    Target::AnyServiceAccount(ns) => sas_in(ns),
                    Target::ServiceAccount(_, n) => vec![n],
                    Target::NodeHost => nodes.clone(),
                    _ => Vec::new(),
                };
                for t in targets {
                    out.insert((ps.name.clone(), t));
                }
            }
        }
        out
    };
    // README: the `-fail` scenarios never appear as the source of a ROLE_BIND edge.
    for ps in permsets.iter().filter(|p| p.name.contains("-fail")) {
        let gained = escalate::bindable(c, std::slice::from_ref(&ps.held));
        assert!(
            gained.is_empty(),
            "{} must not bind anything, got {gained:?}",
            ps.name
        );
    }
    let tests: Value =
        serde_json::from_str(&std::fs::read_to_string(base.join("expected_edges.json")).unwrap())
            .unwrap();
    let allow = allowlist("kubehound.allow");
    let mut used_allow = BTreeSet::new();
    let (mut passed, mut failed, mut allowed, mut out_of_scope) = (0, 0, 0, 0);
    let mut failures: Vec<String> = Vec::new();
    for t in tests["tests"].as_array().unwrap() {
        let name = t["test"].as_str().unwrap();
        if KUBEHOUND_NOT_RBAC.contains(&name) {
            out_of_scope += 1;
            continue;
        }
        let expected = pairs(&t["expected"]);
        let comparison = t["comparison"].as_str().unwrap_or("");
        let subset = comparison.starts_with("Subset");
        let got: BTreeSet<(String, String)> = match name {
            "TestEdge_PERMISSION_DISCOVER" => {
                let mut out = BTreeSet::new();
                for b in c.bindings.iter().filter(|b| !b.builtin) {
                    let Some(role) = b.role else { continue };
                    for (_, s) in &b.subjects {
                        if s.kind == moat_rbac::SubjectKind::ServiceAccount
                            && s.namespace.as_deref() == Some("default")
                        {
                            out.insert((
                                s.name.clone(),
                                format!("{}::{}", c.roles[role].name, b.name),
                            ));
                        }
                    }
                }
                out
            }
            "TestEdge_IDENTITY_ASSUME_Container" => {
                let mut out = BTreeSet::new();
                for (wid, w) in c.workloads.iter().enumerate() {
                    let wn = a
                        .graph
                        .nodes
                        .iter()
                        .position(|n| *n == escalate::Node::Workload(wid))
                        .unwrap();
                    for e in &a.graph.edges[wn] {
                        if e.step.kind == StepKind::RunsAs
                            && let escalate::Node::Identity(s) = &a.graph.nodes[e.to]
                        {
                            out.insert((w.name.to_owned(), s.name.clone()));
                            for ctr in &w.containers {
                                out.insert(((*ctr).to_owned(), s.name.clone()));
                            }
                        }
                    }
                }
                out
            }
            "TestEdge_POD_PATCH" => grant_edges(&[StepKind::PatchPods]),
            "TestEdge_POD_EXEC" => grant_edges(&[StepKind::Exec]),
            "TestEdge_POD_CREATE" => grant_edges(&[StepKind::PrivilegedPod]),
            "TestEdge_TOKEN_BRUTEFORCE" => grant_edges(&[StepKind::GetSecrets]),
            "TestEdge_TOKEN_LIST" => grant_edges(&[StepKind::ListSecrets]),
            "TestEdge_TOKEN_STEAL" => {
                let want: BTreeSet<(String, String)> = t["expected"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| (v.as_str().unwrap().to_owned(), String::new()))
                    .collect();
                let mut out = BTreeSet::new();
                for w in c
                    .workloads
                    .iter()
                    .filter(|w| w.namespace == "default" && c.token_mounted(w))
                {
                    if identities.contains(&(w.namespace.to_owned(), w.service_account.to_owned()))
                    {
                        out.insert((w.service_account.to_owned(), String::new()));
                    }
                }
                record(
                    &mut failures,
                    &mut passed,
                    &mut failed,
                    &mut allowed,
                    &allow,
                    &mut used_allow,
                    name,
                    &want,
                    &out,
                    false,
                );
                continue;
            }
            "Test_NoEdgeCase" => {
                let w = c
                    .workloads
                    .iter()
                    .find(|w| w.name == "control-pod")
                    .unwrap();
                let steps = moat_rbac::blast::direct_steps(
                    &a.graph,
                    &Subject::service_account(w.namespace, w.service_account),
                );
                let want = BTreeSet::new();
                let got: BTreeSet<(String, String)> = steps
                    .iter()
                    .map(|k| (format!("{k:?}"), String::new()))
                    .collect();
                record(
                    &mut failures,
                    &mut passed,
                    &mut failed,
                    &mut allowed,
                    &allow,
                    &mut used_allow,
                    name,
                    &want,
                    &got,
                    false,
                );
                continue;
            }
            n if n.starts_with("TestEdge_ROLE_BIND_CASE_") => {
                let filters: Vec<&str> = t["query"]["filters"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| f.as_str().unwrap())
                    .collect();
                let src_ns = filters[0] == "isNamespaced=true";
                let dst_ns = filters[1] == "isNamespaced=true";
                let prefix = filters[2]
                    .trim_start_matches("name starts with ")
                    .trim_matches('"');
                let mut out = BTreeSet::new();
                for src in permsets
                    .iter()
                    .filter(|p| p.namespace.is_some() == src_ns && p.name.starts_with(prefix))
                {
                    let gained = escalate::bindable(c, std::slice::from_ref(&src.held));
                    for dst in permsets
                        .iter()
                        .filter(|p| p.namespace.is_some() == dst_ns && p.name.starts_with(prefix))
                    {
                        if src.name == dst.name {
                            continue; // a permission set reaching itself says nothing
                        }
                        let hit = gained.iter().any(|g| {
                            g.role == Some(dst.role)
                                && match (&dst.namespace, g.scope) {
                                    (None, _) => true,
                                    (
                                        Some(_),
                                        moat_rbac::Scope::Cluster | moat_rbac::Scope::AllNamespaces,
                                    ) => true,
                                    (Some(ns), moat_rbac::Scope::Namespace(n)) => ns == n,
                                }
                        });
                        if hit {
                            out.insert((src.name.clone(), dst.name.clone()));
                        }
                    }
                }
                let want: BTreeSet<(String, String)> =
                    expected.into_iter().filter(|(s, d)| s != d).collect();
                record(
                    &mut failures,
                    &mut passed,
                    &mut failed,
                    &mut allowed,
                    &allow,
                    &mut used_allow,
                    name,
                    &want,
                    &out,
                    false,
                );
                continue;
            }
            other => {
                failed += 1;
                failures.push(format!("{other}: not classified as RBAC or out of scope"));
                continue;
            }
        };
        record(
            &mut failures,
            &mut passed,
            &mut failed,
            &mut allowed,
            &allow,
            &mut used_allow,
            name,
            &expected,
            &got,
            subset,
        );
    }
    for k in allow.keys() {
        assert!(
            used_allow.contains(k),
            "kubehound.allow entry `{k}` is not needed (or names an unknown test/edge); remove it"
        );
    }
    println!(
        "kubehound (RBAC edges): {passed} passed, {failed} failed, {allowed} with allowlisted edge differences; {out_of_scope} non-RBAC tests out of scope"
    );
    assert!(
        failures.is_empty(),
        "{} failing test(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Compares one test's edges, applying edge-level allowlist entries
/// `TEST missing SRC -> DST` / `TEST extra SRC -> DST` and test-level entries `TEST`.
#[allow(clippy::too_many_arguments)]
fn record(
    failures: &mut Vec<String>,
    passed: &mut usize,
    failed: &mut usize,
    allowed: &mut usize,
    allow: &BTreeMap<String, String>,
    used: &mut BTreeSet<String>,
    name: &str,
    want: &BTreeSet<(String, String)>,
    got: &BTreeSet<(String, String)>,
    subset: bool,
) {
    let mut problems = Vec::new();
    let mut allowlisted = false;
    let edge = |(s, d): &(String, String)| {
        if d.is_empty() {
            s.clone()
        } else {
            format!("{s} -> {d}")
        }
    };
    for e in want.difference(got) {
        let key = format!("{name} missing {}", edge(e));
        if allow.contains_key(&key) {
            used.insert(key);
            allowlisted = true;
        } else {
            problems.push(format!("missing {}", edge(e)));
        }
    }
    if !subset {
        for e in got.difference(want) {
            let key = format!("{name} extra {}", edge(e));
            if allow.contains_key(&key) {
                used.insert(key);
                allowlisted = true;
            } else {
                problems.push(format!("extra {}", edge(e)));
            }
        }
    }
    if !problems.is_empty() && allow.contains_key(name) {
        used.insert(name.to_owned());
        *allowed += 1;
        return;
    }
    if problems.is_empty() {
        if allowlisted {
            *allowed += 1;
            println!(
                "  {name}: {}/{} expected edges found, {} extra; differences allowlisted with reasons",
                want.intersection(got).count(),
                want.len(),
                got.difference(want).count()
            );
        } else {
            *passed += 1;
        }
    } else {
        *failed += 1;
        failures.push(format!(
            "{name} ({} expected, {} found):\n  {}",
            want.len(),
            got.len(),
            problems.join("\n  ")
        ));
    }
}

// ------------------------------------------------------------------ catalogues

/// Catalogue entries moat does not cover, with the reason (also stated in docs/rbac.md,
/// which the test checks).
const OUT_OF_SCOPE: &[(&str, &str)] = &[
    ("krane:example-rule", "a template example, not a risk"),
    (
        "krane:subjects-with-privileged-psp-not-scoped-to-ns",
        "PodSecurityPolicy was removed in Kubernetes 1.25",
    ),
    (
        "krane:subjects-with-many-roles",
        "an inventory statistic, not a risk; `moat rbac can` lists every grant",
    ),
    (
        "krane:namespaces-with-many-subjects",
        "an inventory statistic, not a risk; `moat rbac graph` shows it",
    ),
];

/// Renders a node as JSON (valid YAML), so catalogue entries become manifests.
fn to_json(n: &moat_manifest::Node) -> Value {
    use moat_manifest::Value as V;
    match &n.value {
        V::Null => Value::Null,
        V::Bool(b) => Value::Bool(*b),
        V::Int(i) => Value::from(*i),
        V::Float(f) => Value::from(*f),
        V::Str(s) => Value::String(s.clone()),
        V::Seq(items) => Value::Array(items.iter().map(to_json).collect()),
        V::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|e| (e.key.clone(), to_json(&e.value)))
                .collect(),
        ),
    }
}

/// A ClusterRole with `rules` bound to User `probe`, cluster-wide or in `ns`.
fn probe_manifest(rules: &Value, ns: Option<&str>) -> String {
    let role = serde_json::json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
        "metadata": {"name": "probe-role"}, "rules": rules,
    });
    let binding = match ns {
        None => serde_json::json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": "probe-binding"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "probe-role"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "probe"}],
        }),
        Some(ns) => serde_json::json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "probe-binding", "namespace": ns},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "probe-role"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "probe"}],
        }),
    };
    format!("{role}\n---\n{binding}\n")
}

/// Risk check IDs reported for User `probe` (hygiene checks excluded).
fn probe_checks(manifest: &str) -> BTreeSet<&'static str> {
    let lf = moat_manifest::load_bytes("probe.yaml", manifest.as_bytes());
    assert!(lf.errors.is_empty(), "{:?}\n{manifest}", lf.errors);
    let a = analyze(&lf.resources, &Options::default());
    a.risks()
        .into_iter()
        .filter(|f| f.subject.as_ref() == Some(&Subject::user("probe")) && !f.latent)
        .map(|f| f.meta.id)
        .collect()
}

#[test]
fn catalogues_are_covered() {
    let docs =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rbac.md"))
            .unwrap_or_default();
    let mut covered = 0;
    let mut failures = Vec::new();
    let mut table: Vec<String> = Vec::new();

    // KubiScan: each risky permission set, bound cluster-wide. `resourceNames: ["*"]`
    // in its entries means "any name" to KubiScan; as RBAC it would be literal.
    let text = std::fs::read_to_string(shared().join("kubiscan/risky_roles.yaml")).unwrap();
    let parsed = moat_manifest::yaml::parse_stream(&text);
    let root = parsed.docs[0].root.as_ref().unwrap();
    let items = root.get("items").unwrap().items();
    for item in items {
        let name = item
            .get_path(&["metadata", "name"])
            .and_then(moat_manifest::Node::as_str)
            .unwrap();
        let mut rules = to_json(item.get("rules").unwrap());
        for r in rules.as_array_mut().unwrap() {
            if r["resourceNames"] == serde_json::json!(["*"]) {
                r.as_object_mut().unwrap().remove("resourceNames");
            }
        }
        let ids = probe_checks(&probe_manifest(&rules, None));
        if ids.is_empty() {
            failures.push(format!("kubiscan:{name}: no moat check fires"));
        } else {
            covered += 1;
            table.push(format!("kubiscan:{name} -> {ids:?}"));
        }
    }
    // KubiScan unit fixtures: kubiscan-sa is risky; kubiscan-sa2 and default are not.
    let files = [
        shared().join("kubiscan/kubiscan-sa.yaml"),
        shared().join("kubiscan/kubiscan-sa2.yaml"),
    ];
    let resources = load(&files, &shared());
    let a = analyze(&resources, &Options::default());
    let risky: BTreeSet<String> = a
        .risks()
        .iter()
        .filter(|f| f.severity >= moat_core::Severity::Medium)
        .filter_map(|f| f.subject.as_ref().map(|s| s.name.clone()))
        .collect();
    assert!(risky.contains("kubiscan-sa"), "{risky:?}");
    assert!(
        !risky.contains("kubiscan-sa2") && !risky.contains("default"),
        "{risky:?}"
    );

    // krane: risky-role templates (match_rules must all be granted).
    let text = std::fs::read_to_string(shared().join("krane/rules.yaml")).unwrap();
    let parsed = moat_manifest::yaml::parse_stream(&text);
    let root = parsed.docs[0].root.as_ref().unwrap();
    let query_rules: BTreeMap<&str, (&str, Value, Option<&str>)> = BTreeMap::from([
        (
            "unauthenticated-subject-access",
            (
                "MOAT-214",
                serde_json::json!([{"apiGroups": [""], "resources": ["pods"], "verbs": ["list"]}]),
                None,
            ),
        ),
        (
            "subjects-with-open-cluster-wide-access",
            (
                "MOAT-200",
                serde_json::json!([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]),
                None,
            ),
        ),
        (
            "subjects-with-open-ns-level-access",
            (
                "MOAT-201",
                serde_json::json!([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]),
                Some("team"),
            ),
        ),
        (
            "subjects-with-rbac-management",
            (
                "MOAT-207",
                serde_json::json!([{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["roles", "rolebindings"], "verbs": ["create", "update"]}]),
                Some("team"),
            ),
        ),
    ]);
    for rule in root.get("rules").unwrap().items() {
        let id = rule
            .get("id")
            .and_then(moat_manifest::Node::as_str)
            .unwrap();
        let key = format!("krane:{id}");
        if let Some((_, reason)) = OUT_OF_SCOPE.iter().find(|(k, _)| *k == key) {
            assert!(
                docs.contains(id),
                "docs/rbac.md must explain why {key} is out of scope ({reason})"
            );
            continue;
        }
        let ids = if let Some(m) = rule.get("match_rules") {
            probe_checks(&probe_manifest(&to_json(m), None))
        } else if id == "subjects-with-non-existing-roles" {
            let m = "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b, namespace: team}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: gone}\nsubjects: [{kind: User, name: probe}]\n";
            let lf = moat_manifest::load_bytes("m.yaml", m.as_bytes());
            analyze(&lf.resources, &Options::default())
                .risks()
                .iter()
                .map(|f| f.meta.id)
                .collect()
        } else if id == "unauthenticated-subject-access" {
            let (_, rules, _) = &query_rules[id];
            let m = probe_manifest(rules, None).replace(
                "\"kind\":\"User\",\"name\":\"probe\"",
                "\"kind\":\"Group\",\"name\":\"system:unauthenticated\"",
            );
            let lf = moat_manifest::load_bytes("m.yaml", m.as_bytes());
            analyze(&lf.resources, &Options::default())
                .risks()
                .iter()
                .map(|f| f.meta.id)
                .collect()
        } else if let Some((_, rules, ns)) = query_rules.get(id) {
            probe_checks(&probe_manifest(rules, *ns))
        } else {
            failures.push(format!("{key}: query rule without a moat mapping"));
            continue;
        };
        if let Some((want, _, _)) = query_rules.get(id)
            && !ids.contains(want)
        {
            failures.push(format!("{key}: expected {want}, got {ids:?}"));
            continue;
        }
        if ids.is_empty() {
            failures.push(format!("{key}: no moat check fires"));
        } else {
            covered += 1;
            table.push(format!("{key} -> {ids:?}"));
        }
    }

    // rbac-police: every policy of policies.md, with a minimal permission set.
    let text = std::fs::read_to_string(shared().join("rbac-police/policies.md")).unwrap();
    let names: BTreeSet<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("### ["))
        .filter_map(|l| l.split(']').next())
        .collect();
    let r = |g: &str, res: &[&str], v: &[&str]| serde_json::json!({"apiGroups": [g], "resources": res, "verbs": v});
    let police: Vec<(&str, &str, Value, Option<&str>)> = vec![
        (
            "approve_csrs",
            "MOAT-210",
            serde_json::json!([
                r(
                    "certificates.k8s.io",
                    &["certificatesigningrequests"],
                    &["create"]
                ),
                r(
                    "certificates.k8s.io",
                    &["certificatesigningrequests/approval"],
                    &["update"]
                ),
                r("certificates.k8s.io", &["signers"], &["approve"])
            ]),
            None,
        ),
        (
            "assign_sa",
            "MOAT-203",
            serde_json::json!([r("apps", &["deployments"], &["create"])]),
            Some("kube-system"),
        ),
        (
            "bind_roles",
            "MOAT-205",
            serde_json::json!([
                r("rbac.authorization.k8s.io", &["rolebindings"], &["create"]),
                r("rbac.authorization.k8s.io", &["clusterroles"], &["bind"])
            ]),
            Some("kube-system"),
        ),
        (
            "cluster_admin",
            "MOAT-200",
            serde_json::json!([r("*", &["*"], &["*"])]),
            None,
        ),
        (
            "control_webhooks",
            "MOAT-211",
            serde_json::json!([r(
                "admissionregistration.k8s.io",
                &["mutatingwebhookconfigurations"],
                &["patch"]
            )]),
            None,
        ),
        (
            "eks_modify_aws_auth",
            "MOAT-219",
            serde_json::json!([r("", &["configmaps"], &["update"])]),
            Some("kube-system"),
        ),
        (
            "escalate_roles",
            "MOAT-205",
            serde_json::json!([r("rbac.authorization.k8s.io", &["roles"], &["escalate"])]),
            Some("kube-system"),
        ),
        (
            "impersonate",
            "MOAT-206",
            serde_json::json!([r("", &["users", "groups"], &["impersonate"])]),
            None,
        ),
        (
            "issue_token_secrets",
            "MOAT-208",
            serde_json::json!([r("", &["secrets"], &["create"])]),
            Some("kube-system"),
        ),
        (
            "list_secrets",
            "MOAT-202",
            serde_json::json!([r("", &["secrets"], &["list"])]),
            None,
        ),
        (
            "modify_node_status",
            "MOAT-212",
            serde_json::json!([r("", &["nodes/status"], &["patch"])]),
            None,
        ),
        (
            "modify_pod_status",
            "MOAT-212",
            serde_json::json!([r("", &["pods/status"], &["patch"])]),
            Some("team"),
        ),
        (
            "modify_pods",
            "MOAT-204",
            serde_json::json!([r("", &["pods"], &["patch"])]),
            Some("kube-system"),
        ),
        (
            "modify_service_status_cve_2020_8554",
            "MOAT-212",
            serde_json::json!([r("", &["services/status"], &["update"])]),
            Some("team"),
        ),
        (
            "nodes_proxy",
            "MOAT-209",
            serde_json::json!([r("", &["nodes/proxy"], &["create"])]),
            None,
        ),
        (
            "obtain_token_weak_ns",
            "MOAT-208",
            serde_json::json!([r("", &["serviceaccounts/token"], &["create"])]),
            Some("team"),
        ),
        (
            "pods_ephemeral_ctrs",
            "MOAT-204",
            serde_json::json!([r("", &["pods/ephemeralcontainers"], &["patch"])]),
            Some("team"),
        ),
        (
            "pods_exec",
            "MOAT-204",
            serde_json::json!([r("", &["pods/exec"], &["create"])]),
            Some("kube-system"),
        ),
        (
            "rce_weak_ns",
            "MOAT-204",
            serde_json::json!([r("", &["pods/exec"], &["create"])]),
            Some("team"),
        ),
        (
            "retrieve_token_secrets",
            "MOAT-202",
            serde_json::json!([r("", &["secrets"], &["get"])]),
            Some("kube-system"),
        ),
        (
            "steal_pods",
            "MOAT-212",
            serde_json::json!([r("", &["pods"], &["delete"]), r("", &["nodes"], &["patch"])]),
            None,
        ),
        (
            "token_request",
            "MOAT-208",
            serde_json::json!([r("", &["serviceaccounts/token"], &["create"])]),
            Some("kube-system"),
        ),
    ];
    let mapped: BTreeSet<&str> = police.iter().map(|p| p.0).chain(["providerIAM"]).collect();
    assert_eq!(
        names, mapped,
        "every rbac-police policy must have a fixture"
    );
    for (name, want, rules, ns) in &police {
        let ids = probe_checks(&probe_manifest(rules, *ns));
        if ids.contains(want) {
            covered += 1;
            table.push(format!("rbac-police:{name} -> {ids:?}"));
        } else {
            failures.push(format!("rbac-police:{name}: expected {want}, got {ids:?}"));
        }
    }
    // providerIAM: a ServiceAccount annotated with a cloud role.
    let m = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: s3\n  namespace: data\n  annotations: {eks.amazonaws.com/role-arn: 'arn:aws:iam::1:role/x'}\n";
    let lf = moat_manifest::load_bytes("m.yaml", m.as_bytes());
    if analyze(&lf.resources, &Options::default())
        .risks()
        .iter()
        .any(|f| f.meta.id == "MOAT-229")
    {
        covered += 1;
        table.push("rbac-police:providerIAM -> MOAT-229".into());
    } else {
        failures.push("rbac-police:providerIAM: MOAT-229 not reported".into());
    }
    for line in &table {
        println!("  {line}");
    }
    println!(
        "catalogues (KubiScan, krane, rbac-police): {covered} covered, {} failed, {} out of scope (argued in docs/rbac.md)",
        failures.len(),
        OUT_OF_SCOPE.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
