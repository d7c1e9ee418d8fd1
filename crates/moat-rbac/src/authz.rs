//! The RBAC authorizer's matching rules, ported exactly from Kubernetes
//! (`pkg/apis/rbac/v1/evaluation_helpers.go` and `plugin/pkg/auth/authorizer/rbac`):
//!
//! - verbs, API groups: `*` or an exact value;
//! - resources: `*`, the exact `resource` or `resource/subresource`, or `*/subresource`
//!   (any resource's subresource). `pods/*` is **not** a wildcard: it only matches a
//!   subresource literally named `*`;
//! - `resourceNames`: empty matches every name, otherwise the exact name (requests
//!   without a name — `list`, `create` — never match a rule that lists names);
//! - `nonResourceURLs`: `*`, the exact path, or a prefix when the rule ends in `*`;
//! - a RoleBinding only applies to requests in its own namespace; cluster-scoped and
//!   non-resource requests are only authorised through `ClusterRoleBindings`.

use serde::Serialize;

/// One rule of a Role or ClusterRole, borrowing its strings from the manifest.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PolicyRule<'a> {
    /// `verbs`.
    pub verbs: Vec<&'a str>,
    /// `apiGroups`.
    #[serde(rename = "apiGroups")]
    pub api_groups: Vec<&'a str>,
    /// `resources` (may contain `resource/subresource`).
    pub resources: Vec<&'a str>,
    /// `resourceNames`.
    #[serde(rename = "resourceNames", skip_serializing_if = "Vec::is_empty")]
    pub resource_names: Vec<&'a str>,
    /// `nonResourceURLs`.
    #[serde(rename = "nonResourceURLs", skip_serializing_if = "Vec::is_empty")]
    pub non_resource_urls: Vec<&'a str>,
}

/// Attributes of a request, as the authorizer sees them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attrs<'q> {
    /// A request for an API resource.
    Resource(ResourceAttrs<'q>),
    /// A request for a non-resource URL (`/healthz`, `/metrics`, …).
    NonResource {
        /// The verb (`get`, `post`, …).
        verb: &'q str,
        /// The URL path.
        path: &'q str,
    },
}

/// Attributes of a resource request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ResourceAttrs<'q> {
    /// Verb, e.g. `get`, `create`, `bind`, `impersonate`.
    pub verb: &'q str,
    /// API group (`""` for the core group).
    pub group: &'q str,
    /// Resource, e.g. `pods`.
    pub resource: &'q str,
    /// Subresource, e.g. `exec`; `""` for none.
    pub subresource: &'q str,
    /// Object name; `""` when the request has none (`list`, `create`).
    pub name: &'q str,
    /// Namespace; `""` for cluster-scoped requests.
    pub namespace: &'q str,
}

impl<'q> ResourceAttrs<'q> {
    /// A request for `verb` on `group`/`resource` (which may be `resource/subresource`).
    pub fn new(verb: &'q str, group: &'q str, resource: &'q str) -> Self {
        let (resource, subresource) = resource.split_once('/').unwrap_or((resource, ""));
        ResourceAttrs {
            verb,
            group,
            resource,
            subresource,
            name: "",
            namespace: "",
        }
    }

    /// Sets the object name.
    #[must_use]
    pub fn name(mut self, name: &'q str) -> Self {
        self.name = name;
        self
    }

    /// Sets the namespace.
    #[must_use]
    pub fn namespace(mut self, namespace: &'q str) -> Self {
        self.namespace = namespace;
        self
    }
}

/// `rbacv1helpers.VerbMatches`.
pub fn verb_matches(rule: &PolicyRule<'_>, verb: &str) -> bool {
    rule.verbs.iter().any(|v| *v == "*" || *v == verb)
}

/// `rbacv1helpers.APIGroupMatches`.
pub fn group_matches(rule: &PolicyRule<'_>, group: &str) -> bool {
    rule.api_groups.iter().any(|g| *g == "*" || *g == group)
}

/// `rbacv1helpers.ResourceMatches`: `combined` is `resource` or `resource/subresource`.
pub fn resource_matches(rule: &PolicyRule<'_>, combined: &str, subresource: &str) -> bool {
    rule.resources
        .iter()
        .any(|r| resource_pattern_matches(r, combined, subresource))
}

/// [`resource_pattern_matches`] without building `resource/subresource`.
fn split_pattern_matches(pattern: &str, resource: &str, subresource: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    if subresource.is_empty() {
        return pattern == resource;
    }
    pattern
        .strip_prefix(resource)
        .and_then(|p| p.strip_prefix('/'))
        .is_some_and(|p| p == subresource)
        || pattern.strip_prefix("*/").is_some_and(|p| p == subresource)
}

/// One entry of `resources` against a request.
pub fn resource_pattern_matches(pattern: &str, combined: &str, subresource: &str) -> bool {
    if pattern == "*" || pattern == combined {
        return true;
    }
    !subresource.is_empty()
        && pattern.len() == subresource.len() + 2
        && pattern.starts_with("*/")
        && pattern.ends_with(subresource)
}

/// `rbacv1helpers.ResourceNameMatches`.
pub fn name_matches(rule: &PolicyRule<'_>, name: &str) -> bool {
    rule.resource_names.is_empty() || rule.resource_names.contains(&name)
}

/// `rbacv1helpers.NonResourceURLMatches`.
pub fn url_matches(rule: &PolicyRule<'_>, path: &str) -> bool {
    rule.non_resource_urls
        .iter()
        .any(|u| url_pattern_matches(u, path))
}

/// One entry of `nonResourceURLs` against a path.
pub fn url_pattern_matches(pattern: &str, path: &str) -> bool {
    pattern == "*"
        || pattern == path
        || (pattern.ends_with('*') && path.starts_with(pattern.trim_end_matches('*')))
}

impl<'a> PolicyRule<'a> {
    /// `rbac.RuleAllows`: whether this rule allows the request (bindings aside).
    pub fn allows(&self, attrs: &Attrs<'_>) -> bool {
        match attrs {
            Attrs::Resource(a) => self.allows_resource(a),
            Attrs::NonResource { verb, path } => {
                verb_matches(self, verb) && url_matches(self, path)
            }
        }
    }

    /// [`PolicyRule::allows`] for a resource request.
    pub fn allows_resource(&self, a: &ResourceAttrs<'_>) -> bool {
        self.allowed_names(a)
            .is_some_and(|names| names.is_empty() || names.contains(&a.name))
    }

    /// Whether the rule allows the request for *some* name, and which: `None` when it
    /// does not match at all, `Some([])` when every name is allowed, otherwise the names.
    /// `a.name` is ignored.
    pub fn allowed_names(&self, a: &ResourceAttrs<'_>) -> Option<&[&'a str]> {
        if !verb_matches(self, a.verb) || !group_matches(self, a.group) {
            return None;
        }
        let matched = self
            .resources
            .iter()
            .any(|r| split_pattern_matches(r, a.resource, a.subresource));
        matched.then_some(&self.resource_names[..])
    }

    /// Whether every verb, group and resource is allowed (`*`/`*`/`*`).
    pub fn is_full_wildcard(&self) -> bool {
        self.verbs.contains(&"*")
            && self.api_groups.contains(&"*")
            && self.resources.contains(&"*")
            && self.resource_names.is_empty()
    }
}

/// Whether a resource of an API group is cluster-scoped (not namespaced), for the
/// built-in API and the virtual impersonation resources. Unknown resources (custom
/// resources) are treated as namespaced.
pub fn is_cluster_scoped(group: &str, resource: &str) -> bool {
    let resource = resource.split_once('/').map_or(resource, |(r, _)| r);
    matches!(
        (group, resource),
        (
            "",
            "nodes"
                | "persistentvolumes"
                | "namespaces"
                | "componentstatuses"
                | "users"
                | "groups"
                | "uids"
                | "userextras"
        ) | (
            "rbac.authorization.k8s.io",
            "clusterroles" | "clusterrolebindings"
        ) | (
            "certificates.k8s.io",
            "certificatesigningrequests" | "signers" | "clustertrustbundles"
        ) | (
            "admissionregistration.k8s.io",
            "validatingwebhookconfigurations"
                | "mutatingwebhookconfigurations"
                | "validatingadmissionpolicies"
                | "validatingadmissionpolicybindings"
                | "mutatingadmissionpolicies"
                | "mutatingadmissionpolicybindings"
        ) | ("apiextensions.k8s.io", "customresourcedefinitions")
            | ("apiregistration.k8s.io", "apiservices")
            | (
                "storage.k8s.io",
                "storageclasses" | "csidrivers" | "csinodes" | "volumeattachments"
            )
            | ("scheduling.k8s.io", "priorityclasses")
            | ("node.k8s.io", "runtimeclasses")
            | (
                "networking.k8s.io",
                "ingressclasses" | "ipaddresses" | "servicecidrs"
            )
            | (
                "flowcontrol.apiserver.k8s.io",
                "flowschemas" | "prioritylevelconfigurations"
            )
            | (
                "authentication.k8s.io",
                "tokenreviews" | "selfsubjectreviews"
            )
            | (
                "authorization.k8s.io",
                "subjectaccessreviews" | "selfsubjectaccessreviews" | "selfsubjectrulesreviews"
            )
            | ("resource.k8s.io", "deviceclasses" | "resourceslices")
    )
}

/// `extensions` and `apps` share the workload kinds; used to show the group a user most
/// likely means when none is given.
pub fn default_group(resource: &str) -> &'static str {
    let resource = resource.split_once('/').map_or(resource, |(r, _)| r);
    match resource {
        "deployments" | "daemonsets" | "statefulsets" | "replicasets" | "controllerrevisions" => {
            "apps"
        }
        "jobs" | "cronjobs" => "batch",
        "roles" | "clusterroles" | "rolebindings" | "clusterrolebindings" => {
            "rbac.authorization.k8s.io"
        }
        "certificatesigningrequests" | "signers" => "certificates.k8s.io",
        "validatingwebhookconfigurations"
        | "mutatingwebhookconfigurations"
        | "validatingadmissionpolicies"
        | "validatingadmissionpolicybindings" => "admissionregistration.k8s.io",
        "ingresses" | "networkpolicies" | "ingressclasses" => "networking.k8s.io",
        "horizontalpodautoscalers" => "autoscaling",
        "poddisruptionbudgets" => "policy",
        "customresourcedefinitions" => "apiextensions.k8s.io",
        "storageclasses" | "csidrivers" | "csinodes" | "volumeattachments" => "storage.k8s.io",
        "priorityclasses" => "scheduling.k8s.io",
        "leases" => "coordination.k8s.io",
        "endpointslices" => "discovery.k8s.io",
        "tokenreviews" => "authentication.k8s.io",
        "subjectaccessreviews" | "selfsubjectaccessreviews" | "localsubjectaccessreviews" => {
            "authorization.k8s.io"
        }
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule<'a>(v: &[&'a str], g: &[&'a str], r: &[&'a str], n: &[&'a str]) -> PolicyRule<'a> {
        PolicyRule {
            verbs: v.to_vec(),
            api_groups: g.to_vec(),
            resources: r.to_vec(),
            resource_names: n.to_vec(),
            non_resource_urls: Vec::new(),
        }
    }

    #[test]
    fn wildcards_and_subresources() {
        let r = rule(&["create"], &[""], &["pods/*"], &[]);
        let exec = ResourceAttrs::new("create", "", "pods/exec");
        assert!(!r.allows_resource(&exec), "pods/* is not a wildcard");
        let star = ResourceAttrs::new("create", "", "pods/*");
        assert!(r.allows_resource(&star));
        let r = rule(&["create"], &[""], &["*/exec"], &[]);
        assert!(r.allows_resource(&exec));
        assert!(!r.allows_resource(&ResourceAttrs::new("create", "", "pods")));
        let r = rule(&["*"], &["*"], &["*"], &[]);
        assert!(r.allows_resource(&exec));
        assert!(r.is_full_wildcard());
        let r = rule(&["get"], &[""], &["pods"], &[]);
        assert!(!r.allows_resource(&ResourceAttrs::new("get", "", "pods/status")));
    }

    #[test]
    fn resource_names() {
        let r = rule(&["get"], &[""], &["secrets"], &["a"]);
        assert!(r.allows_resource(&ResourceAttrs::new("get", "", "secrets").name("a")));
        assert!(!r.allows_resource(&ResourceAttrs::new("get", "", "secrets").name("b")));
        assert!(!r.allows_resource(&ResourceAttrs::new("list", "", "secrets")));
        assert!(!r.allows_resource(&ResourceAttrs::new("get", "", "secrets")));
        assert_eq!(
            r.allowed_names(&ResourceAttrs::new("get", "", "secrets")),
            Some(&["a"][..])
        );
    }

    #[test]
    fn non_resource_urls() {
        let r = PolicyRule {
            verbs: vec!["get"],
            non_resource_urls: vec!["/healthz", "/api/*", "/metrics**"],
            ..PolicyRule::default()
        };
        let ok = |p| {
            r.allows(&Attrs::NonResource {
                verb: "get",
                path: p,
            })
        };
        assert!(ok("/healthz"));
        assert!(!ok("/healthz/etcd"));
        assert!(ok("/api/v1"));
        assert!(ok("/api/"));
        assert!(!ok("/api"));
        assert!(ok("/metrics/slis"));
        assert!(!r.allows(&Attrs::NonResource {
            verb: "post",
            path: "/healthz"
        }));
        // resource rules never match non-resource requests and vice versa
        let res = rule(&["*"], &["*"], &["*"], &[]);
        assert!(!res.allows(&Attrs::NonResource {
            verb: "get",
            path: "/healthz"
        }));
        assert!(!r.allows(&Attrs::Resource(ResourceAttrs::new("get", "", "pods"))));
    }

    #[test]
    fn scopes() {
        assert!(is_cluster_scoped("", "nodes/proxy"));
        assert!(!is_cluster_scoped("", "pods"));
        assert!(is_cluster_scoped(
            "rbac.authorization.k8s.io",
            "clusterroles"
        ));
        assert!(!is_cluster_scoped("example.com", "widgets"));
    }
}
