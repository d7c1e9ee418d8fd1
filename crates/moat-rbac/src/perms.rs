//! Effective permissions of an identity and `who-can` queries, evaluated with the
//! authorizer's rules ([`crate::authz`]) over the bindings that apply.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;
use serde::Serialize;

use crate::authz::{self, Attrs, PolicyRule, ResourceAttrs};
use crate::model::{BindingId, Cluster, RoleId, RuleRef, Scope, Subject};

/// A role an identity holds through one binding subject.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Grant<'a> {
    /// The binding.
    pub binding: BindingId,
    /// Index of the matching entry in the binding's `subjects`.
    pub subject: usize,
    /// The role it references.
    pub role: RoleId,
    /// Where it applies.
    pub scope: Scope<'a>,
}

/// Every grant that applies to an identity (through its name or its groups).
pub fn grants<'a>(c: &Cluster<'a>, who: &Subject) -> Vec<Grant<'a>> {
    c.bindings_for(who)
        .into_iter()
        .filter_map(|(b, subject)| {
            let binding = c.bindings.get(b)?;
            Some(Grant {
                binding: b,
                subject,
                role: binding.role?,
                scope: binding.scope(),
            })
        })
        .collect()
}

/// How a permission is granted.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Via {
    /// `RoleBinding ns/name` or `ClusterRoleBinding name`.
    pub binding: String,
    /// `Role ns/name` or `ClusterRole name`.
    pub role: String,
    /// The role that lists the rule (differs from `role` for aggregated `ClusterRoles`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_from: Option<String>,
    /// Index of the rule in that role's `rules`.
    pub rule: u32,
    /// The binding subject that matched (the identity itself or one of its groups).
    #[serde(rename = "as")]
    pub as_subject: String,
    /// Source file and line of the binding (`<builtin>` for bootstrap objects).
    pub file: String,
    /// 1-based line of the binding's matching subject.
    pub line: u32,
}

/// Builds the [`Via`] of a grant and rule.
pub fn via(c: &Cluster<'_>, g: &Grant<'_>, rr: RuleRef) -> Via {
    let b = c.bindings.get(g.binding);
    let role = c.roles.get(g.role);
    let from = c.roles.get(rr.role as usize);
    let as_subject = b
        .and_then(|b| b.subjects.iter().find(|(i, _)| *i == g.subject))
        .map(|(_, s)| s.to_string())
        .unwrap_or_default();
    let (file, line) = b.map_or((String::new(), 0), |b| {
        (
            b.src.file.to_string(),
            b.src.pos_of(&format!("subjects[{}]", g.subject)).line,
        )
    });
    Via {
        binding: b.map(crate::model::Binding::display).unwrap_or_default(),
        role: role.map(crate::model::Role::display).unwrap_or_default(),
        rule_from: (rr.role as usize != g.role)
            .then(|| from.map(crate::model::Role::display).unwrap_or_default()),
        rule: rr.rule,
        as_subject,
        file,
        line,
    }
}

/// One line of an identity's effective permissions: a rule's resources (or URLs) in a
/// scope, with the verbs granted for them by all applicable rules.
#[derive(Clone, Debug, Serialize)]
pub struct PermissionRow<'a> {
    /// Where it applies.
    pub scope: Scope<'a>,
    /// API groups.
    #[serde(rename = "apiGroups", skip_serializing_if = "Vec::is_empty")]
    pub api_groups: Vec<&'a str>,
    /// Resources.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<&'a str>,
    /// Resource names the rows are restricted to (empty: all).
    #[serde(rename = "resourceNames", skip_serializing_if = "Vec::is_empty")]
    pub resource_names: Vec<&'a str>,
    /// Non-resource URLs.
    #[serde(rename = "nonResourceURLs", skip_serializing_if = "Vec::is_empty")]
    pub non_resource_urls: Vec<&'a str>,
    /// Verbs, sorted.
    pub verbs: Vec<&'a str>,
    /// Why the row has no effect, when it has none (cluster-scoped resources or
    /// non-resource URLs granted through a RoleBinding).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ineffective: Option<&'static str>,
    /// The grants behind it.
    pub via: Vec<Via>,
}

/// Why a rule granted in `scope` cannot take effect, if it cannot.
pub fn ineffective_reason(rule: &PolicyRule<'_>, scope: Scope<'_>) -> Option<&'static str> {
    if scope == Scope::Cluster {
        return None;
    }
    if rule.resources.is_empty() && !rule.non_resource_urls.is_empty() {
        return Some("non-resource URLs are only granted by ClusterRoleBindings");
    }
    let all_cluster = !rule.resources.is_empty()
        && rule.resources.iter().all(|r| {
            *r != "*"
                && !r.starts_with("*/")
                && (rule.api_groups.iter().all(|g| *g != "*")
                    && rule
                        .api_groups
                        .iter()
                        .all(|g| authz::is_cluster_scoped(g, r)))
        });
    all_cluster.then_some("cluster-scoped resources are only granted by ClusterRoleBindings")
}

/// The effective permissions of an identity, grouped by scope and resource set.
pub fn permissions<'a>(c: &Cluster<'a>, who: &Subject) -> Vec<PermissionRow<'a>> {
    type Key<'a> = (
        Scope<'a>,
        Vec<&'a str>,
        Vec<&'a str>,
        Vec<&'a str>,
        Vec<&'a str>,
    );
    type Row<'a> = (BTreeSet<&'a str>, BTreeSet<Via>, Option<&'static str>);
    let mut rows: BTreeMap<Key<'a>, Row<'a>> = BTreeMap::new();
    for g in grants(c, who) {
        let Some(role) = c.roles.get(g.role) else {
            continue;
        };
        for &rr in &role.effective {
            let Some(rule) = c.rule(rr) else { continue };
            let sorted = |v: &[&'a str]| {
                let mut v = v.to_vec();
                v.sort_unstable();
                v.dedup();
                v
            };
            let key = (
                g.scope,
                sorted(&rule.api_groups),
                sorted(&rule.resources),
                sorted(&rule.resource_names),
                sorted(&rule.non_resource_urls),
            );
            let e = rows.entry(key).or_default();
            e.0.extend(rule.verbs.iter().copied());
            e.1.insert(via(c, &g, rr));
            e.2 = ineffective_reason(rule, g.scope);
        }
    }
    rows.into_iter()
        .map(
            |((scope, g, r, n, u), (verbs, via, ineffective))| PermissionRow {
                scope,
                api_groups: g,
                resources: r,
                resource_names: n,
                non_resource_urls: u,
                verbs: verbs.into_iter().collect(),
                ineffective,
                via: via.into_iter().collect(),
            },
        )
        .collect()
}

/// A `who-can` question.
#[derive(Clone, Debug, Default)]
pub struct Query<'q> {
    /// Verb.
    pub verb: &'q str,
    /// API group; `None` picks the usual group of the resource.
    pub group: Option<&'q str>,
    /// Resource, optionally `resource/subresource`; ignored for non-resource URLs.
    pub resource: &'q str,
    /// Subresource (alternative to `resource/subresource`).
    pub subresource: Option<&'q str>,
    /// Object name.
    pub name: Option<&'q str>,
    /// Namespace; `None` asks about every namespace.
    pub namespace: Option<&'q str>,
    /// A non-resource URL (`/metrics`) instead of a resource.
    pub non_resource_url: Option<&'q str>,
}

/// One subject that may perform the request, and the grant that allows it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct WhoCanRow<'a> {
    /// Who.
    pub subject: Subject,
    /// Where (cluster-wide, or the namespace of the RoleBinding).
    pub scope: Scope<'a>,
    /// The binding.
    pub binding: BindingId,
    /// Index of the subject in the binding.
    pub subject_index: usize,
    /// The role.
    pub role: RoleId,
    /// The first rule of the role that allows it.
    pub rule: RuleRef,
}

/// The resolved resource attributes of a query (group defaulted, subresource split),
/// and whether the resource is cluster-scoped.
pub fn query_attrs<'q>(q: &Query<'q>) -> (ResourceAttrs<'q>, bool) {
    let mut a = ResourceAttrs::new(q.verb, "", q.resource);
    if let Some(s) = q.subresource {
        a.subresource = s;
    }
    a.group = q.group.unwrap_or_else(|| authz::default_group(a.resource));
    a.name = q.name.unwrap_or("");
    let cluster_scoped = authz::is_cluster_scoped(a.group, a.resource);
    (a, cluster_scoped)
}

/// Lookups for answering many `who-can` questions: roles by the resource patterns
/// their (aggregated) rules list, and bindings by role.
#[derive(Debug)]
pub struct WhoCanIndex<'a> {
    by_pattern: crate::fnv::FnvMap<&'a str, Vec<RoleId>>,
    url_roles: Vec<RoleId>,
    bindings_by_role: Vec<Vec<BindingId>>,
}

impl<'a> WhoCanIndex<'a> {
    /// Builds the index (linear in the number of rules and bindings).
    pub fn new(c: &Cluster<'a>) -> Self {
        let mut by_pattern: crate::fnv::FnvMap<&'a str, Vec<RoleId>> =
            crate::fnv::FnvMap::default();
        let mut url_roles = Vec::new();
        for (id, role) in c.roles.iter().enumerate() {
            let mut has_url = false;
            for rr in &role.effective {
                let Some(rule) = c.rule(*rr) else { continue };
                for p in &rule.resources {
                    let v = by_pattern.entry(p).or_default();
                    if v.last() != Some(&id) {
                        v.push(id);
                    }
                }
                has_url |= !rule.non_resource_urls.is_empty();
            }
            if has_url {
                url_roles.push(id);
            }
        }
        let mut bindings_by_role = vec![Vec::new(); c.roles.len()];
        for (id, b) in c.bindings.iter().enumerate() {
            if let Some(v) = b.role.and_then(|r| bindings_by_role.get_mut(r)) {
                v.push(id);
            }
        }
        WhoCanIndex {
            by_pattern,
            url_roles,
            bindings_by_role,
        }
    }
}

/// Subjects that can perform the request, sorted by subject then scope.
pub fn who_can<'a>(c: &Cluster<'a>, q: &Query<'_>) -> Vec<WhoCanRow<'a>> {
    who_can_with(c, &WhoCanIndex::new(c), q)
}

/// [`who_can`] with a prebuilt index.
pub fn who_can_with<'a>(
    c: &Cluster<'a>,
    idx: &WhoCanIndex<'a>,
    q: &Query<'_>,
) -> Vec<WhoCanRow<'a>> {
    let (attrs, cluster_scoped) = query_attrs(q);
    let request = match q.non_resource_url {
        Some(path) => Attrs::NonResource { verb: q.verb, path },
        None => Attrs::Resource(attrs),
    };
    let namespaced_request = q.non_resource_url.is_none() && !cluster_scoped;
    // Candidate roles: those listing a resource pattern that can match.
    let mut candidates: Vec<RoleId> = Vec::new();
    if q.non_resource_url.is_some() {
        candidates.extend_from_slice(&idx.url_roles);
    } else {
        let combined = if attrs.subresource.is_empty() {
            attrs.resource.to_owned()
        } else {
            format!("{}/{}", attrs.resource, attrs.subresource)
        };
        let any_sub = format!("*/{}", attrs.subresource);
        let mut keys = vec!["*", combined.as_str()];
        if !attrs.subresource.is_empty() {
            keys.push(any_sub.as_str());
        }
        for k in keys {
            if let Some(v) = idx.by_pattern.get(k) {
                candidates.extend_from_slice(v);
            }
        }
    }
    candidates.sort_unstable();
    candidates.dedup();
    let mut rows = Vec::new();
    for role in candidates {
        // Which rule of the role allows it (namespace plays no part in rule matching).
        let found = match request {
            Attrs::NonResource { .. } => c.url_rules(role).find(|(_, x)| x.allows(&request)),
            Attrs::Resource(a) => c
                .rules_for(role, a.resource, a.subresource)
                .find(|(_, x)| x.allows_resource(&a)),
        };
        let Some((rule, _)) = found else {
            continue;
        };
        for &id in idx
            .bindings_by_role
            .get(role)
            .map_or(&[][..], Vec::as_slice)
        {
            let Some(b) = c.bindings.get(id) else {
                continue;
            };
            let scope = b.scope();
            let applies = match (scope, namespaced_request, q.namespace) {
                (Scope::Cluster, _, _) | (_, true, None) => true,
                (_, false, _) => false,
                (s, true, Some(ns)) => s.applies(ns),
            };
            if !applies {
                continue;
            }
            for (i, s) in &b.subjects {
                rows.push(WhoCanRow {
                    subject: s.clone(),
                    scope,
                    binding: id,
                    subject_index: *i,
                    role,
                    rule,
                });
            }
        }
    }
    rows.sort();
    rows.dedup_by(|a, b| a.subject == b.subject && a.scope == b.scope && a.binding == b.binding);
    rows
}

/// Every distinct (verb, group, resource) named by the input's rules, without
/// wildcards: the questions `who_can_all` answers.
pub fn rule_vocabulary<'a>(c: &Cluster<'a>) -> Vec<(&'a str, &'a str, &'a str)> {
    let mut set = BTreeSet::new();
    for role in &c.roles {
        for rule in &role.rules {
            for v in rule.verbs.iter().filter(|v| **v != "*") {
                for g in rule.api_groups.iter().filter(|g| **g != "*") {
                    for r in rule.resources.iter().filter(|r| !r.contains('*')) {
                        set.insert((*v, *g, *r));
                    }
                }
            }
        }
    }
    set.into_iter().collect()
}

/// Answers `who-can` for every verb × resource pair of the input (in parallel);
/// returns the number of (subject, grant) answers. Used by the benchmark and by
/// `moat rbac graph` to count edges.
pub fn who_can_all(c: &Cluster<'_>) -> usize {
    let idx = WhoCanIndex::new(c);
    rule_vocabulary(c)
        .par_iter()
        .map(|&(verb, group, resource)| {
            who_can_with(
                c,
                &idx,
                &Query {
                    verb,
                    group: Some(group),
                    resource,
                    ..Query::default()
                },
            )
            .len()
        })
        .sum()
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::model::Options;

    const FIX: &[u8] = b"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
rules:
- {apiGroups: [''], resources: [pods, nodes], verbs: [get, list]}
- {nonResourceURLs: [/metrics], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: read-in-a, namespace: a}
roleRef: {kind: ClusterRole, name: reader, apiGroup: rbac.authorization.k8s.io}
subjects: [{kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: read-all}
roleRef: {kind: ClusterRole, name: reader, apiGroup: rbac.authorization.k8s.io}
subjects: [{kind: Group, name: ops, apiGroup: rbac.authorization.k8s.io}]
";

    #[test]
    fn who_can_respects_binding_scope() {
        let lf = moat_manifest::load_bytes("f.yaml", FIX);
        let c = Cluster::build(
            &lf.resources,
            &Options {
                builtin_roles: false,
            },
        );
        let q = |ns, res: &'static str| Query {
            verb: "get",
            resource: res,
            namespace: ns,
            ..Query::default()
        };
        let names =
            |rows: Vec<WhoCanRow<'_>>| rows.into_iter().map(|r| r.subject.name).collect::<Vec<_>>();
        assert_eq!(names(who_can(&c, &q(Some("a"), "pods"))), ["alice", "ops"]);
        assert_eq!(names(who_can(&c, &q(Some("b"), "pods"))), ["ops"]);
        assert_eq!(names(who_can(&c, &q(None, "pods"))), ["alice", "ops"]);
        // nodes are cluster-scoped: the RoleBinding cannot grant them
        assert_eq!(names(who_can(&c, &q(Some("a"), "nodes"))), ["ops"]);
        assert_eq!(names(who_can(&c, &q(None, "nodes"))), ["ops"]);
        let url = Query {
            verb: "get",
            non_resource_url: Some("/metrics"),
            ..Query::default()
        };
        assert_eq!(names(who_can(&c, &url)), ["ops"]);
        let perms = permissions(&c, &Subject::user("alice"));
        assert_eq!(perms.len(), 2);
        assert!(
            perms
                .iter()
                .any(|p| p.ineffective.is_some() && !p.non_resource_urls.is_empty())
        );
        assert!(who_can_all(&c) >= 2);
    }
}
