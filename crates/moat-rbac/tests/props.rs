//! Property tests: rule matching against an independent reference, monotonicity of
//! permissions and escalation when a rule is removed, and order-independence of
//! aggregation.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::BTreeSet;

use moat_rbac::authz::{Attrs, PolicyRule, ResourceAttrs};
use moat_rbac::perms::{Query, who_can};
use moat_rbac::{Options, Subject, analyze};
use proptest::prelude::*;
use serde_json::{Value, json};

const VERBS: &[&str] = &[
    "get",
    "list",
    "create",
    "update",
    "delete",
    "bind",
    "escalate",
    "impersonate",
    "*",
];
const GROUPS: &[&str] = &["", "apps", "rbac.authorization.k8s.io", "*"];
const RESOURCES: &[&str] = &[
    "pods",
    "pods/exec",
    "pods/log",
    "pods/*",
    "*/exec",
    "*/log",
    "secrets",
    "deployments",
    "nodes",
    "nodes/proxy",
    "roles",
    "clusterroles",
    "serviceaccounts/token",
    "*",
];
const NAMES: &[&str] = &["a", "b", "coredns"];
const URLS: &[&str] = &[
    "/healthz",
    "/healthz/*",
    "/metrics",
    "/api/*",
    "/api*",
    "*",
    "/version/",
];
const PATHS: &[&str] = &[
    "/healthz",
    "/healthz/etcd",
    "/metrics",
    "/metrics/slis",
    "/api",
    "/api/v1",
    "/apis",
    "/version/",
    "/version",
];

fn pick(from: &'static [&'static str]) -> impl Strategy<Value = &'static str> {
    prop::sample::select(from)
}

fn rule() -> impl Strategy<Value = PolicyRule<'static>> {
    (
        prop::collection::vec(pick(VERBS), 1..3),
        prop::collection::vec(pick(GROUPS), 1..3),
        prop::collection::vec(pick(RESOURCES), 1..4),
        prop::collection::vec(pick(NAMES), 0..2),
        prop::collection::vec(pick(URLS), 0..2),
    )
        .prop_map(|(verbs, api_groups, resources, resource_names, urls)| {
            if urls.is_empty() {
                PolicyRule {
                    verbs,
                    api_groups,
                    resources,
                    resource_names,
                    non_resource_urls: Vec::new(),
                }
            } else {
                PolicyRule {
                    verbs,
                    non_resource_urls: urls,
                    ..PolicyRule::default()
                }
            }
        })
}

/// Reference semantics, written from the documentation independently of `authz`.
fn reference_allows(
    r: &PolicyRule<'_>,
    verb: &str,
    group: &str,
    resource: &str,
    sub: &str,
    name: &str,
) -> bool {
    let verb_ok = r.verbs.iter().any(|v| *v == "*" || *v == verb);
    let group_ok = r.api_groups.iter().any(|g| *g == "*" || *g == group);
    let requested = if sub.is_empty() {
        resource.to_owned()
    } else {
        format!("{resource}/{sub}")
    };
    let res_ok = r.resources.iter().any(|p| {
        if *p == "*" || *p == requested {
            return true;
        }
        // `*/sub` is the only subresource wildcard.
        match p.split_once('/') {
            Some(("*", s)) => !sub.is_empty() && s == sub,
            _ => false,
        }
    });
    let name_ok = r.resource_names.is_empty() || r.resource_names.contains(&name);
    verb_ok && group_ok && res_ok && name_ok
}

fn reference_url(r: &PolicyRule<'_>, verb: &str, path: &str) -> bool {
    r.verbs.iter().any(|v| *v == "*" || *v == verb)
        && r.non_resource_urls.iter().any(|u| {
            *u == "*"
                || *u == path
                || u.strip_suffix('*')
                    .is_some_and(|prefix| path.starts_with(prefix.trim_end_matches('*')))
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn rule_matching_matches_reference(
        r in rule(),
        verb in pick(VERBS).prop_filter("concrete", |v| *v != "*"),
        group in pick(GROUPS).prop_filter("concrete", |g| *g != "*"),
        resource in pick(&["pods", "secrets", "deployments", "nodes", "roles", "clusterroles", "serviceaccounts"]),
        sub in pick(&["", "exec", "log", "proxy", "token", "*"]),
        name in pick(&["", "a", "b", "coredns"]),
        path in pick(PATHS),
    ) {
        let a = ResourceAttrs { verb, group, resource, subresource: sub, name, namespace: "ns" };
        prop_assert_eq!(r.allows(&Attrs::Resource(a)), reference_allows(&r, verb, group, resource, sub, name), "{:?} {:?}", r, a);
        prop_assert_eq!(r.allows(&Attrs::NonResource { verb, path }), reference_url(&r, verb, path), "{:?} {}", r, path);
        // allowed_names agrees with allows_resource.
        let names = r.allowed_names(&a);
        prop_assert_eq!(names.is_some_and(|n| n.is_empty() || n.contains(&name)), r.allows_resource(&a));
        // A wildcard verb never takes anything away.
        let mut wider = r.clone();
        wider.verbs.push("*");
        prop_assert!(!r.allows_resource(&a) || wider.allows_resource(&a));
        // `pods/*` never grants a real subresource.
        let slash_star = PolicyRule { resources: vec!["pods/*"], ..r.clone() };
        if !sub.is_empty() && sub != "*" {
            let pods = ResourceAttrs { resource: "pods", ..a };
            prop_assert!(!slash_star.allows_resource(&pods));
        }
    }
}

/// A random small cluster: ClusterRoles/Roles with rules, bindings, pods.
fn cluster_json() -> impl Strategy<Value = Vec<Value>> {
    let role_rules = prop::collection::vec(
        (
            prop::collection::vec(
                pick(&[
                    "get",
                    "list",
                    "create",
                    "update",
                    "patch",
                    "bind",
                    "escalate",
                    "impersonate",
                    "*",
                ]),
                1..3,
            ),
            prop::collection::vec(pick(&["", "rbac.authorization.k8s.io", "*"]), 1..2),
            prop::collection::vec(
                pick(&[
                    "pods",
                    "pods/exec",
                    "secrets",
                    "serviceaccounts/token",
                    "roles",
                    "clusterroles",
                    "rolebindings",
                    "clusterrolebindings",
                    "users",
                    "groups",
                    "*",
                ]),
                1..3,
            ),
        ),
        1..4,
    );
    (
        prop::collection::vec((role_rules, any::<bool>()), 2..6),
        prop::collection::vec((0usize..6, pick(&["a", "b", ""]), 0usize..5, any::<bool>()), 1..8),
    )
        .prop_map(|(roles, bindings)| {
            let mut docs = Vec::new();
            let n = roles.len();
            for (i, (rules, cluster)) in roles.into_iter().enumerate() {
                let rules: Vec<Value> = rules.into_iter().map(|(v, g, r)| json!({"verbs": v, "apiGroups": g, "resources": r})).collect();
                docs.push(if cluster {
                    json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": format!("r{i}")}, "rules": rules})
                } else {
                    json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": format!("r{i}"), "namespace": "a"}, "rules": rules})
                });
            }
            for (j, (role, ns, subject, user)) in bindings.into_iter().enumerate() {
                let role = role % n;
                let subj = if user {
                    json!({"kind": "User", "name": format!("u{subject}"), "apiGroup": "rbac.authorization.k8s.io"})
                } else {
                    json!({"kind": "ServiceAccount", "name": format!("s{subject}"), "namespace": "a"})
                };
                docs.push(if ns.is_empty() {
                    json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": format!("b{j}")},
                        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": format!("r{role}")}, "subjects": [subj]})
                } else {
                    json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": format!("b{j}"), "namespace": ns},
                        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": format!("r{role}")}, "subjects": [subj]})
                });
            }
            for s in 0..5 {
                docs.push(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": format!("p{s}"), "namespace": "a"},
                    "spec": {"serviceAccountName": format!("s{s}"), "containers": [{"name": "c", "image": "x"}]}}));
            }
            docs
        })
}

fn to_stream(docs: &[Value]) -> String {
    docs.iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join("\n---\n")
}

const QUERIES: &[(&str, &str)] = &[
    ("get", "secrets"),
    ("create", "pods"),
    ("create", "pods/exec"),
    ("bind", "clusterroles"),
    ("impersonate", "groups"),
    ("create", "serviceaccounts/token"),
    ("escalate", "roles"),
];

fn answers(text: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let lf = moat_manifest::load_bytes("p.yaml", text.as_bytes());
    let a = analyze(
        &lf.resources,
        &Options {
            builtin_roles: false,
        },
    );
    let mut who = BTreeSet::new();
    for (verb, resource) in QUERIES {
        for ns in [Some("a"), Some("b"), None] {
            for r in who_can(
                &a.cluster,
                &Query {
                    verb,
                    resource,
                    namespace: ns,
                    ..Query::default()
                },
            ) {
                who.insert(format!("{verb} {resource} {ns:?} {}", r.subject));
            }
        }
    }
    let mut admins = BTreeSet::new();
    for s in a.cluster.known_subjects() {
        if a.graph.reaches_admin(&s) {
            admins.insert(s.to_string());
        }
        for (node, _) in a.graph.reach(&a.cluster, &s) {
            admins.insert(format!("{s} -> {node:?}"));
        }
    }
    (who, admins)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Removing a rule never adds an answer to who-can, nor an escalation target.
    #[test]
    fn permissions_never_grow_when_a_rule_is_removed(docs in cluster_json(), pick_role in 0usize..6, pick_rule in 0usize..4) {
        let (who_before, reach_before) = answers(&to_stream(&docs));
        let mut fewer = docs.clone();
        let roles: Vec<usize> = fewer.iter().enumerate().filter(|(_, d)| d["kind"].as_str().is_some_and(|k| k.ends_with("Role"))).map(|(i, _)| i).collect();
        let idx = roles[pick_role % roles.len()];
        let rules = fewer[idx]["rules"].as_array_mut().unwrap();
        let k = pick_rule % rules.len();
        rules.remove(k);
        let (who_after, reach_after) = answers(&to_stream(&fewer));
        prop_assert!(who_after.is_subset(&who_before), "{:?}", who_after.difference(&who_before).collect::<Vec<_>>());
        prop_assert!(reach_after.is_subset(&reach_before), "{:?}", reach_after.difference(&reach_before).collect::<Vec<_>>());
    }

    /// Aggregated rules do not depend on the order of the input.
    #[test]
    fn aggregation_is_order_independent(
        labels in prop::collection::vec(prop::collection::vec(pick(&["x", "y", "z"]), 0..3), 2..7),
        selects in prop::collection::vec(prop::option::of(pick(&["x", "y", "z"])), 2..7),
        seed in any::<u64>(),
    ) {
        let n = labels.len().min(selects.len());
        let mut docs: Vec<Value> = (0..n)
            .map(|i| {
                let l: serde_json::Map<String, Value> = labels[i].iter().map(|k| ((*k).to_owned(), json!("true"))).collect();
                let mut d = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                    "metadata": {"name": format!("c{i}"), "labels": l},
                    "rules": [{"apiGroups": [""], "resources": [format!("res{i}")], "verbs": ["get"]}]});
                if let Some(sel) = selects[i] {
                    d["aggregationRule"] = json!({"clusterRoleSelectors": [{"matchLabels": {sel: "true"}}]});
                }
                d
            })
            .collect();
        let effective = |docs: &[Value]| {
            let text = to_stream(docs);
            let lf = moat_manifest::load_bytes("a.yaml", text.as_bytes());
            let c = moat_rbac::Cluster::build(&lf.resources, &Options { builtin_roles: false });
            c.roles
                .iter()
                .map(|r| {
                    let rules: BTreeSet<String> = r.effective.iter().map(|rr| c.rule(*rr).unwrap().resources.join(",")).collect();
                    (r.name.to_owned(), rules)
                })
                .collect::<std::collections::BTreeMap<_, _>>()
        };
        let before = effective(&docs);
        // Deterministic shuffle.
        let mut s = seed;
        for i in (1..docs.len()).rev() {
            s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            docs.swap(i, (s >> 33) as usize % (i + 1));
        }
        prop_assert_eq!(before, effective(&docs));
    }
}

#[test]
fn subjects_parse_round_trip() {
    for s in [
        Subject::user("jane"),
        Subject::group("dev"),
        Subject::service_account("ci", "builder"),
    ] {
        let text = match s.kind {
            moat_rbac::SubjectKind::User => format!("user:{}", s.name),
            moat_rbac::SubjectKind::Group => format!("group:{}", s.name),
            moat_rbac::SubjectKind::ServiceAccount => {
                format!("sa:{}/{}", s.namespace.as_deref().unwrap(), s.name)
            }
        };
        assert_eq!(Subject::parse(&text).unwrap(), s);
    }
}
