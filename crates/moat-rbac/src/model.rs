//! The RBAC model: roles, bindings, subjects, service accounts and workloads, built from
//! loaded manifests (and the built-in bootstrap objects), borrowing strings from them.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use moat_core::Warning;
use moat_manifest::{Node, PodSpecView, Resource};
use serde::Serialize;

use crate::authz::PolicyRule;
use crate::selector::{LabelSelector, string_list, string_map};

/// Index of a role in [`Cluster::roles`].
pub type RoleId = usize;
/// Index of a binding in [`Cluster::bindings`].
pub type BindingId = usize;
/// Index of a workload in [`Cluster::workloads`].
pub type WorkloadId = usize;

/// The RBAC API group.
pub const RBAC_GROUP: &str = "rbac.authorization.k8s.io";
/// Label the Kubernetes bootstrap objects carry.
pub const BOOTSTRAP_LABEL: &str = "kubernetes.io/bootstrapping";

/// `Role` or `ClusterRole`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum RoleKind {
    /// A namespaced Role.
    Role,
    /// A ClusterRole.
    ClusterRole,
}

impl RoleKind {
    /// The kind name.
    pub fn as_str(self) -> &'static str {
        match self {
            RoleKind::Role => "Role",
            RoleKind::ClusterRole => "ClusterRole",
        }
    }
}

/// `RoleBinding` or `ClusterRoleBinding`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum BindingKind {
    /// A namespaced RoleBinding.
    RoleBinding,
    /// A `ClusterRoleBinding`.
    ClusterRoleBinding,
}

impl BindingKind {
    /// The kind name.
    pub fn as_str(self) -> &'static str {
        match self {
            BindingKind::RoleBinding => "RoleBinding",
            BindingKind::ClusterRoleBinding => "ClusterRoleBinding",
        }
    }
}

/// Kind of a subject.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum SubjectKind {
    /// A user (authenticated by certificate, token, OIDC, …).
    User,
    /// A group.
    Group,
    /// A ServiceAccount.
    ServiceAccount,
}

/// A subject of a binding (or an identity asked about).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Subject {
    /// Kind.
    pub kind: SubjectKind,
    /// Name.
    pub name: String,
    /// Namespace (`ServiceAccounts` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

impl Subject {
    /// A user.
    pub fn user(name: &str) -> Self {
        Subject {
            kind: SubjectKind::User,
            name: name.to_owned(),
            namespace: None,
        }
    }

    /// A group.
    pub fn group(name: &str) -> Self {
        Subject {
            kind: SubjectKind::Group,
            name: name.to_owned(),
            namespace: None,
        }
    }

    /// A ServiceAccount.
    pub fn service_account(namespace: &str, name: &str) -> Self {
        Subject {
            kind: SubjectKind::ServiceAccount,
            name: name.to_owned(),
            namespace: Some(namespace.to_owned()),
        }
    }

    /// The user name the API server authenticates this subject as
    /// (`system:serviceaccount:NS:NAME` for `ServiceAccounts`); `None` for groups.
    pub fn username(&self) -> Option<String> {
        match self.kind {
            SubjectKind::User => Some(self.name.clone()),
            SubjectKind::Group => None,
            SubjectKind::ServiceAccount => Some(format!(
                "system:serviceaccount:{}:{}",
                self.namespace.as_deref().unwrap_or(""),
                self.name
            )),
        }
    }

    /// The groups every request of this identity carries: `system:authenticated`, and
    /// for `ServiceAccounts` `system:serviceaccounts` and `system:serviceaccounts:NS`;
    /// `system:unauthenticated` for `system:anonymous`. A group subject is itself.
    pub fn implicit_groups(&self) -> Vec<String> {
        match self.kind {
            SubjectKind::Group => vec![self.name.clone()],
            SubjectKind::User if self.name == "system:anonymous" => {
                vec!["system:unauthenticated".to_owned()]
            }
            SubjectKind::User => vec!["system:authenticated".to_owned()],
            SubjectKind::ServiceAccount => vec![
                "system:serviceaccounts".to_owned(),
                format!(
                    "system:serviceaccounts:{}",
                    self.namespace.as_deref().unwrap_or("")
                ),
                "system:authenticated".to_owned(),
            ],
        }
    }

    /// Whether this is a Kubernetes system identity (`system:` users and groups other
    /// than the broad built-in groups, which are judged separately).
    pub fn is_system(&self) -> bool {
        match self.kind {
            SubjectKind::ServiceAccount => false,
            SubjectKind::User | SubjectKind::Group => {
                self.name.starts_with("system:") && !self.is_broad_group() && !self.is_anonymous()
            }
        }
    }

    /// `system:authenticated`, `system:serviceaccounts` or `system:serviceaccounts:NS`.
    pub fn is_broad_group(&self) -> bool {
        self.kind == SubjectKind::Group
            && (self.name == "system:authenticated"
                || self.name.starts_with("system:serviceaccounts"))
    }

    /// `system:anonymous` (user) or `system:unauthenticated` (group).
    pub fn is_anonymous(&self) -> bool {
        (self.kind == SubjectKind::User && self.name == "system:anonymous")
            || (self.kind == SubjectKind::Group && self.name == "system:unauthenticated")
    }

    /// Parses the forms accepted on the command line: `sa:NS/NAME`,
    /// `serviceaccount:NS:NAME`, `system:serviceaccount:NS:NAME`, `NS/NAME` (a
    /// ServiceAccount), `user:NAME`, `group:NAME`, or a bare `NAME` (a user).
    pub fn parse(text: &str) -> Result<Subject, String> {
        let t = text.trim();
        if t.is_empty() {
            return Err("empty subject".into());
        }
        let sa = |rest: &str, sep: char| -> Result<Subject, String> {
            match rest.split_once(sep) {
                Some((ns, name)) if !ns.is_empty() && !name.is_empty() => {
                    Ok(Subject::service_account(ns, name))
                }
                _ => Err(format!(
                    "`{text}`: a ServiceAccount is NAMESPACE/NAME (e.g. sa:ci/builder)"
                )),
            }
        };
        if let Some(rest) = t.strip_prefix("system:serviceaccount:") {
            return sa(rest, ':');
        }
        if let Some(rest) = t.strip_prefix("serviceaccount:") {
            return sa(rest, if rest.contains('/') { '/' } else { ':' });
        }
        if let Some(rest) = t.strip_prefix("sa:") {
            return sa(rest, if rest.contains('/') { '/' } else { ':' });
        }
        if let Some(rest) = t.strip_prefix("user:") {
            return Ok(Subject::user(rest));
        }
        if let Some(rest) = t.strip_prefix("group:") {
            return Ok(Subject::group(rest));
        }
        if t.contains('/') {
            return sa(t, '/');
        }
        Ok(Subject::user(t))
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            SubjectKind::User => write!(f, "User {}", self.name),
            SubjectKind::Group => write!(f, "Group {}", self.name),
            SubjectKind::ServiceAccount => write!(
                f,
                "ServiceAccount {}/{}",
                self.namespace.as_deref().unwrap_or(""),
                self.name
            ),
        }
    }
}

/// Where a grant applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope<'a> {
    /// Cluster-wide (ClusterRoleBinding): every namespace, cluster-scoped resources and
    /// non-resource URLs.
    Cluster,
    /// Every namespace but not cluster-scoped resources (`RoleBindings` to a ClusterRole
    /// created in every namespace — only arises from escalation).
    AllNamespaces,
    /// One namespace (RoleBinding).
    Namespace(&'a str),
}

impl<'a> Scope<'a> {
    /// Whether a grant with this scope applies to a request in `namespace` (`""` for
    /// cluster-scoped and non-resource requests).
    pub fn applies(&self, namespace: &str) -> bool {
        match self {
            Scope::Cluster => true,
            Scope::AllNamespaces => !namespace.is_empty(),
            Scope::Namespace(n) => !namespace.is_empty() && *n == namespace,
        }
    }

    /// `cluster-wide`, `all namespaces` or `namespace NS`.
    pub fn describe(&self) -> String {
        match self {
            Scope::Cluster => "cluster-wide".to_owned(),
            Scope::AllNamespaces => "in every namespace".to_owned(),
            Scope::Namespace(n) => format!("in namespace {n}"),
        }
    }

    /// The namespace, if any.
    pub fn namespace(&self) -> Option<&'a str> {
        match self {
            Scope::Namespace(n) => Some(n),
            _ => None,
        }
    }
}

impl Serialize for Scope<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Scope::Cluster => s.serialize_str("cluster"),
            Scope::AllNamespaces => s.serialize_str("all-namespaces"),
            Scope::Namespace(n) => s.serialize_str(&format!("namespace:{n}")),
        }
    }
}

/// A rule of a role, by role and index (aggregated roles point at other roles' rules).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleRef {
    /// The role that lists the rule.
    pub role: u32,
    /// Index in its `rules`.
    pub rule: u32,
}

/// A Role or ClusterRole.
#[derive(Debug)]
pub struct Role<'a> {
    /// Kind.
    pub kind: RoleKind,
    /// `metadata.name`.
    pub name: &'a str,
    /// `metadata.namespace` (Roles; defaults to `default`).
    pub namespace: Option<&'a str>,
    /// `metadata.labels`.
    pub labels: Vec<(&'a str, &'a str)>,
    /// `rules` as written.
    pub rules: Vec<PolicyRule<'a>>,
    /// `aggregationRule.clusterRoleSelectors`, if any.
    pub aggregation: Option<Vec<LabelSelector<'a>>>,
    /// The manifest object.
    pub src: &'a Resource,
    /// Whether it comes from the built-in bootstrap data.
    pub builtin: bool,
    /// The rules in force after aggregation (sorted, de-duplicated).
    pub effective: Vec<RuleRef>,
    /// `effective` indexed by resource pattern, split at `/` (`("*", "")`,
    /// `("pods", "exec")`, `("*", "exec")`).
    pub(crate) by_resource: crate::fnv::FnvMap<(&'a str, &'a str), Vec<RuleRef>>,
    /// Effective rules with non-resource URLs.
    pub(crate) url_rules: Vec<RuleRef>,
}

impl Role<'_> {
    /// `Role ns/name` or `ClusterRole name`.
    pub fn display(&self) -> String {
        match self.namespace {
            Some(ns) => format!("{} {ns}/{}", self.kind.as_str(), self.name),
            None => format!("{} {}", self.kind.as_str(), self.name),
        }
    }
}

/// A RoleBinding or `ClusterRoleBinding`.
#[derive(Debug)]
pub struct Binding<'a> {
    /// Kind.
    pub kind: BindingKind,
    /// `metadata.name`.
    pub name: &'a str,
    /// `metadata.namespace` (`RoleBindings`; defaults to `default`).
    pub namespace: Option<&'a str>,
    /// `roleRef.kind`, when it is `Role` or `ClusterRole`.
    pub role_kind: Option<RoleKind>,
    /// `roleRef.name`.
    pub role_name: &'a str,
    /// The referenced role, when it exists and the reference is valid.
    pub role: Option<RoleId>,
    /// Valid subjects, with their index in `subjects`.
    pub subjects: Vec<(usize, Subject)>,
    /// The manifest object.
    pub src: &'a Resource,
    /// Whether it comes from the built-in bootstrap data.
    pub builtin: bool,
    /// Labelled `kubernetes.io/bootstrapping: rbac-defaults`.
    pub bootstrap: bool,
}

impl<'a> Binding<'a> {
    /// Where the binding's grants apply.
    pub fn scope(&self) -> Scope<'a> {
        match (self.kind, self.namespace) {
            (BindingKind::RoleBinding, Some(ns)) => Scope::Namespace(ns),
            (BindingKind::RoleBinding, None) => Scope::Namespace("default"),
            (BindingKind::ClusterRoleBinding, _) => Scope::Cluster,
        }
    }

    /// `RoleBinding ns/name` or `ClusterRoleBinding name`.
    pub fn display(&self) -> String {
        match self.namespace {
            Some(ns) if self.kind == BindingKind::RoleBinding => {
                format!("{} {ns}/{}", self.kind.as_str(), self.name)
            }
            _ => format!("{} {}", self.kind.as_str(), self.name),
        }
    }

    /// `roleRef` as written, e.g. `ClusterRole cluster-admin`.
    pub fn role_ref_display(&self) -> String {
        match self.role_kind {
            Some(k) => format!("{} {}", k.as_str(), self.role_name),
            None => format!("(invalid roleRef) {}", self.role_name),
        }
    }
}

/// A ServiceAccount object.
#[derive(Debug)]
pub struct ServiceAccount<'a> {
    /// Namespace.
    pub namespace: &'a str,
    /// Name.
    pub name: &'a str,
    /// `automountServiceAccountToken`.
    pub automount: Option<bool>,
    /// `metadata.annotations`.
    pub annotations: Vec<(&'a str, &'a str)>,
    /// The manifest object.
    pub src: &'a Resource,
}

/// A workload (Pod or pod controller) and the identity its pods run as.
#[derive(Debug)]
pub struct Workload<'a> {
    /// Kind (`Pod`, `Deployment`, …).
    pub kind: &'a str,
    /// Namespace (`default` when unset).
    pub namespace: &'a str,
    /// Name.
    pub name: &'a str,
    /// `serviceAccountName` (or the deprecated `serviceAccount`), default `default`.
    pub service_account: &'a str,
    /// Field path of the service account setting (or of the pod spec).
    pub sa_path: String,
    /// The pod spec's `automountServiceAccountToken`.
    pub automount: Option<bool>,
    /// Labels of the pods (template labels; the Pod's own labels).
    pub labels: Vec<(&'a str, &'a str)>,
    /// Container names.
    pub containers: Vec<&'a str>,
    /// Has `ownerReferences` (a Pod created by a controller in a snapshot).
    pub owned: bool,
    /// The manifest object.
    pub src: &'a Resource,
}

/// A Service.
#[derive(Debug)]
pub struct Service<'a> {
    /// Namespace.
    pub namespace: &'a str,
    /// Name.
    pub name: &'a str,
    /// `spec.type` (default `ClusterIP`).
    pub service_type: &'a str,
    /// `spec.selector`.
    pub selector: Vec<(&'a str, &'a str)>,
}

/// An Ingress and the Services it routes to.
#[derive(Debug)]
pub struct Ingress<'a> {
    /// Namespace.
    pub namespace: &'a str,
    /// Name.
    pub name: &'a str,
    /// Backend service names.
    pub services: Vec<&'a str>,
}

/// A Secret of type `kubernetes.io/service-account-token`.
#[derive(Debug)]
pub struct TokenSecret<'a> {
    /// Namespace.
    pub namespace: &'a str,
    /// Secret name.
    pub name: &'a str,
    /// The ServiceAccount it holds a token for.
    pub service_account: &'a str,
}

/// What the model was built with.
#[derive(Clone, Debug)]
pub struct Options {
    /// Include the Kubernetes bootstrap roles and bindings.
    pub builtin_roles: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            builtin_roles: true,
        }
    }
}

/// The whole RBAC model of the input.
#[derive(Debug)]
pub struct Cluster<'a> {
    /// Roles and `ClusterRoles`.
    pub roles: Vec<Role<'a>>,
    /// `RoleBindings` and `ClusterRoleBindings`.
    pub bindings: Vec<Binding<'a>>,
    /// ServiceAccount objects.
    pub service_accounts: Vec<ServiceAccount<'a>>,
    /// Workloads.
    pub workloads: Vec<Workload<'a>>,
    /// Services.
    pub services: Vec<Service<'a>>,
    /// Ingresses.
    pub ingresses: Vec<Ingress<'a>>,
    /// ServiceAccount token Secrets.
    pub token_secrets: Vec<TokenSecret<'a>>,
    /// Namespaces that have Secret objects in the input (so token Secrets are known).
    pub secret_namespaces: HashSet<&'a str>,
    /// Every namespace named anywhere, with its Pod Security `enforce` level if labelled.
    pub namespaces: BTreeMap<&'a str, Option<&'a str>>,
    /// Problems that made an object (partly) ineffective.
    pub warnings: Vec<Warning>,
    role_index: HashMap<(RoleKind, &'a str, &'a str), RoleId>,
    /// User and ServiceAccount subjects by user name (`system:serviceaccount:NS:NAME`).
    user_index: HashMap<String, Vec<(BindingId, usize)>>,
    /// Group subjects by group name.
    group_index: HashMap<String, Vec<(BindingId, usize)>>,
    /// Bare Pods by name.
    pods_by_name: HashMap<&'a str, Vec<WorkloadId>>,
    /// Services by namespace.
    services_by_ns: HashMap<&'a str, Vec<usize>>,
    /// Every `ClusterRole`.
    clusterrole_ids: Vec<RoleId>,
    /// Roles by namespace.
    roles_in_ns: HashMap<&'a str, Vec<RoleId>>,
    /// Roles and cluster roles by name.
    roles_by_name: HashMap<&'a str, Vec<RoleId>>,
    /// Namespaces of the known service accounts, by account name.
    sa_namespaces: HashMap<String, Vec<String>>,
    /// ServiceAccount objects by (namespace, name); the first definition wins.
    sa_index: HashMap<(&'a str, &'a str), usize>,
    /// Per role: whether one of its rules grants every verb on every resource.
    full_roles: Vec<bool>,
}

fn str_at<'n>(n: &'n Node, keys: &[&str]) -> Option<&'n str> {
    n.get_path(keys).and_then(Node::as_str)
}

fn warn(out: &mut Vec<Warning>, res: &Resource, path: &str, message: String) {
    let pos = res.pos_of(path);
    out.push(Warning {
        file: res.file.to_string(),
        line: pos.line,
        column: pos.col,
        message,
    });
}

fn parse_rules(node: Option<&Node>) -> Vec<PolicyRule<'_>> {
    node.map(Node::items)
        .unwrap_or_default()
        .iter()
        .map(|r| PolicyRule {
            verbs: string_list(r.get("verbs")),
            api_groups: string_list(r.get("apiGroups")),
            resources: string_list(r.get("resources")),
            resource_names: string_list(r.get("resourceNames")),
            non_resource_urls: string_list(r.get("nonResourceURLs")),
        })
        .collect()
}

fn is_rbac(res: &Resource) -> bool {
    let g = res.group();
    g == RBAC_GROUP
}

impl<'a> Cluster<'a> {
    /// Builds the model from the input objects (other kinds are ignored) and, unless
    /// disabled, the built-in bootstrap objects (input objects of the same kind,
    /// namespace and name replace them).
    pub fn build(input: &'a [Resource], opts: &Options) -> Self {
        let builtin: &'a [Resource] = if opts.builtin_roles {
            crate::builtin::resources()
        } else {
            &[]
        };
        let mut c = Cluster {
            roles: Vec::new(),
            bindings: Vec::new(),
            service_accounts: Vec::new(),
            workloads: Vec::new(),
            services: Vec::new(),
            ingresses: Vec::new(),
            token_secrets: Vec::new(),
            secret_namespaces: HashSet::new(),
            namespaces: BTreeMap::new(),
            warnings: Vec::new(),
            role_index: HashMap::new(),
            user_index: HashMap::new(),
            group_index: HashMap::new(),
            pods_by_name: HashMap::new(),
            services_by_ns: HashMap::new(),
            clusterrole_ids: Vec::new(),
            roles_in_ns: HashMap::new(),
            roles_by_name: HashMap::new(),
            sa_namespaces: HashMap::new(),
            sa_index: HashMap::new(),
            full_roles: Vec::new(),
        };
        for ns in ["default", "kube-system", "kube-public"] {
            c.namespaces.insert(ns, None);
        }
        let mut binding_index: HashMap<(BindingKind, &'a str, &'a str), BindingId> = HashMap::new();
        for (res, is_builtin) in builtin
            .iter()
            .map(|r| (r, true))
            .chain(input.iter().map(|r| (r, false)))
        {
            c.add(res, is_builtin, &mut binding_index);
        }
        crate::aggregate::resolve(&mut c);
        c.resolve_bindings();
        for (id, w) in c.workloads.iter().enumerate() {
            if w.kind == "Pod" {
                c.pods_by_name.entry(w.name).or_default().push(id);
            }
        }
        for (id, s) in c.services.iter().enumerate() {
            c.services_by_ns.entry(s.namespace).or_default().push(id);
        }
        for (id, r) in c.roles.iter().enumerate() {
            match (r.kind, r.namespace) {
                (RoleKind::Role, Some(ns)) => c.roles_in_ns.entry(ns).or_default().push(id),
                _ => c.clusterrole_ids.push(id),
            }
            c.roles_by_name.entry(r.name).or_default().push(id);
        }
        for (i, s) in c.service_accounts.iter().enumerate() {
            c.sa_index.entry((s.namespace, s.name)).or_insert(i);
        }
        c.full_roles = (0..c.roles.len())
            .map(|r| {
                c.rules_for(r, "*", "")
                    .any(|(_, rule)| rule.is_full_wildcard())
            })
            .collect();
        for s in c.known_subjects() {
            if let (SubjectKind::ServiceAccount, Some(ns)) = (s.kind, s.namespace) {
                c.sa_namespaces.entry(s.name).or_default().push(ns);
            }
        }
        c
    }

    /// Roles of a kind (Roles: in `namespace`, or in any namespace for `None`) whose
    /// name `names` allows. Uses the indexes: no scan when names are restricted.
    pub fn roles_matching(
        &self,
        kind: RoleKind,
        namespace: Option<&str>,
        names: &crate::escalate::Names<'_>,
    ) -> Vec<RoleId> {
        let fits = |id: &RoleId| {
            self.roles.get(*id).is_some_and(|r| {
                r.kind == kind
                    && (kind == RoleKind::ClusterRole
                        || namespace.is_none_or(|n| r.namespace == Some(n)))
            })
        };
        match names {
            crate::escalate::Names::Some(set) => set
                .iter()
                .flat_map(|n| self.roles_by_name.get(n).map_or(&[][..], Vec::as_slice))
                .copied()
                .filter(fits)
                .collect(),
            crate::escalate::Names::All => match (kind, namespace) {
                (RoleKind::ClusterRole, _) => self.clusterrole_ids.clone(),
                (RoleKind::Role, Some(ns)) => self.roles_in_ns.get(ns).cloned().unwrap_or_default(),
                (RoleKind::Role, None) => self.roles_in_ns.values().flatten().copied().collect(),
            },
        }
    }

    /// Namespaces in which a ServiceAccount of this name is known (object, binding
    /// subject or workload).
    pub fn sa_namespaces(&self, name: &str) -> &[String] {
        self.sa_namespaces.get(name).map_or(&[], Vec::as_slice)
    }

    /// Effective rules of a role that list a resource pattern able to match
    /// `resource`/`subresource` (`*`, the exact resource, `*/subresource`); a rule may
    /// appear twice. Cheap: three hash lookups.
    pub fn rules_for<'s>(
        &'s self,
        role: RoleId,
        resource: &'s str,
        subresource: &'s str,
    ) -> impl Iterator<Item = (RuleRef, &'s PolicyRule<'a>)> + 's {
        let r = self.roles.get(role);
        let keys = [("*", ""), (resource, subresource), ("*", subresource)];
        let n = if subresource.is_empty() { 2 } else { 3 };
        keys.into_iter()
            .take(n)
            .filter_map(move |k| r.and_then(|r| r.by_resource.get(&k)))
            .flatten()
            .filter_map(move |rr| self.rule(*rr).map(|x| (*rr, x)))
    }

    /// Effective rules of a role that grant non-resource URLs.
    pub fn url_rules(&self, role: RoleId) -> impl Iterator<Item = (RuleRef, &PolicyRule<'a>)> {
        self.roles
            .get(role)
            .map_or(&[][..], |r| r.url_rules.as_slice())
            .iter()
            .filter_map(move |rr| self.rule(*rr).map(|x| (*rr, x)))
    }

    /// Bare Pods (not controllers) with this name, in any namespace.
    pub fn pods_named(&self, name: &str) -> &[WorkloadId] {
        self.pods_by_name.get(name).map_or(&[], Vec::as_slice)
    }

    /// Services of a namespace.
    pub fn services_in(&self, namespace: &str) -> impl Iterator<Item = &Service<'a>> {
        self.services_by_ns
            .get(namespace)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter_map(|&i| self.services.get(i))
    }

    fn note_namespace(&mut self, ns: &'a str) {
        self.namespaces.entry(ns).or_insert(None);
    }

    fn add(
        &mut self,
        res: &'a Resource,
        is_builtin: bool,
        binding_index: &mut HashMap<(BindingKind, &'a str, &'a str), BindingId>,
    ) {
        let node = &res.node;
        let name = str_at(node, &["metadata", "name"]).unwrap_or("");
        let namespace = str_at(node, &["metadata", "namespace"]);
        let kind = res.rref.kind.as_str();
        if let Some(ns) = namespace {
            self.note_namespace(ns);
        }
        match kind {
            "Role" | "ClusterRole" if is_rbac(res) => {
                let kind = if kind == "Role" {
                    RoleKind::Role
                } else {
                    RoleKind::ClusterRole
                };
                let namespace = match kind {
                    RoleKind::Role => Some(namespace.unwrap_or("default")),
                    RoleKind::ClusterRole => None,
                };
                let aggregation = match kind {
                    RoleKind::ClusterRole => node.get("aggregationRule").map(|a| {
                        a.get("clusterRoleSelectors")
                            .map(Node::items)
                            .unwrap_or_default()
                            .iter()
                            .map(LabelSelector::parse)
                            .collect()
                    }),
                    RoleKind::Role => None,
                };
                let role = Role {
                    kind,
                    name,
                    namespace,
                    labels: string_map(node.get_path(&["metadata", "labels"])),
                    rules: parse_rules(node.get("rules")),
                    aggregation,
                    src: res,
                    builtin: is_builtin,
                    effective: Vec::new(),
                    by_resource: crate::fnv::FnvMap::default(),
                    url_rules: Vec::new(),
                };
                let key = (kind, namespace.unwrap_or(""), name);
                if let Some(&id) = self.role_index.get(&key) {
                    if let Some(slot) = self.roles.get_mut(id) {
                        if !slot.builtin && !is_builtin {
                            warn(
                                &mut self.warnings,
                                res,
                                "metadata.name",
                                format!(
                                    "duplicate {}; the last definition is used",
                                    role.display()
                                ),
                            );
                        }
                        *slot = role;
                    }
                } else {
                    self.role_index.insert(key, self.roles.len());
                    self.roles.push(role);
                }
            }
            "RoleBinding" | "ClusterRoleBinding" if is_rbac(res) => {
                let bkind = if kind == "RoleBinding" {
                    BindingKind::RoleBinding
                } else {
                    BindingKind::ClusterRoleBinding
                };
                let namespace = match bkind {
                    BindingKind::RoleBinding => Some(namespace.unwrap_or("default")),
                    BindingKind::ClusterRoleBinding => None,
                };
                let role_kind = match str_at(node, &["roleRef", "kind"]) {
                    Some("Role") => Some(RoleKind::Role),
                    Some("ClusterRole") => Some(RoleKind::ClusterRole),
                    _ => None,
                };
                let mut subjects = Vec::new();
                for (i, s) in node
                    .get("subjects")
                    .map(Node::items)
                    .unwrap_or_default()
                    .iter()
                    .enumerate()
                {
                    let sname = str_at(s, &["name"]).unwrap_or("");
                    let skind = match str_at(s, &["kind"]) {
                        Some("User") => SubjectKind::User,
                        Some("Group") => SubjectKind::Group,
                        Some("ServiceAccount") => SubjectKind::ServiceAccount,
                        other => {
                            warn(
                                &mut self.warnings,
                                res,
                                &format!("subjects[{i}].kind"),
                                format!(
                                    "subject kind `{}` is not User, Group or ServiceAccount; it grants nothing",
                                    other.unwrap_or("")
                                ),
                            );
                            continue;
                        }
                    };
                    if sname.is_empty() {
                        continue;
                    }
                    let subject = match skind {
                        SubjectKind::ServiceAccount => {
                            // The authorizer defaults a missing namespace to the binding's.
                            if let Some(ns) = str_at(s, &["namespace"]).or(namespace) {
                                self.note_namespace(ns);
                                Subject::service_account(ns, sname)
                            } else {
                                warn(
                                    &mut self.warnings,
                                    res,
                                    &format!("subjects[{i}]"),
                                    format!(
                                        "ServiceAccount subject `{sname}` of a ClusterRoleBinding has no namespace; it grants nothing"
                                    ),
                                );
                                continue;
                            }
                        }
                        SubjectKind::User => Subject::user(sname),
                        SubjectKind::Group => Subject::group(sname),
                    };
                    subjects.push((i, subject));
                }
                let binding = Binding {
                    kind: bkind,
                    name,
                    namespace,
                    role_kind,
                    role_name: str_at(node, &["roleRef", "name"]).unwrap_or(""),
                    role: None,
                    subjects,
                    src: res,
                    builtin: is_builtin,
                    bootstrap: str_at(node, &["metadata", "labels", BOOTSTRAP_LABEL])
                        == Some("rbac-defaults"),
                };
                let key = (bkind, namespace.unwrap_or(""), name);
                if let Some(&id) = binding_index.get(&key) {
                    if let Some(slot) = self.bindings.get_mut(id) {
                        *slot = binding;
                    }
                } else {
                    binding_index.insert(key, self.bindings.len());
                    self.bindings.push(binding);
                }
            }
            "ServiceAccount" if res.group().is_empty() => {
                let ns = namespace.unwrap_or("default");
                self.service_accounts.push(ServiceAccount {
                    namespace: ns,
                    name,
                    automount: node
                        .get("automountServiceAccountToken")
                        .and_then(Node::as_bool),
                    annotations: string_map(node.get_path(&["metadata", "annotations"])),
                    src: res,
                });
            }
            "Namespace" if res.group().is_empty() => {
                let level = str_at(
                    node,
                    &["metadata", "labels", "pod-security.kubernetes.io/enforce"],
                );
                self.namespaces.insert(name, level);
            }
            "Secret" if res.group().is_empty() => {
                let ns = namespace.unwrap_or("default");
                self.secret_namespaces.insert(ns);
                if str_at(node, &["type"]) == Some("kubernetes.io/service-account-token")
                    && let Some(sa) = str_at(
                        node,
                        &[
                            "metadata",
                            "annotations",
                            "kubernetes.io/service-account.name",
                        ],
                    )
                {
                    self.token_secrets.push(TokenSecret {
                        namespace: ns,
                        name,
                        service_account: sa,
                    });
                }
            }
            "Service" if res.group().is_empty() => {
                self.services.push(Service {
                    namespace: namespace.unwrap_or("default"),
                    name,
                    service_type: str_at(node, &["spec", "type"]).unwrap_or("ClusterIP"),
                    selector: string_map(node.get_path(&["spec", "selector"])),
                });
            }
            "Ingress" => {
                let mut services = Vec::new();
                let spec = node.get("spec");
                let mut backend = |b: Option<&'a Node>| {
                    if let Some(b) = b
                        && let Some(s) =
                            str_at(b, &["service", "name"]).or_else(|| str_at(b, &["serviceName"]))
                    {
                        services.push(s);
                    }
                };
                backend(spec.and_then(|s| s.get("defaultBackend").or_else(|| s.get("backend"))));
                for rule in spec
                    .and_then(|s| s.get("rules"))
                    .map(Node::items)
                    .unwrap_or_default()
                {
                    for p in rule
                        .get_path(&["http", "paths"])
                        .map(Node::items)
                        .unwrap_or_default()
                    {
                        backend(p.get("backend"));
                    }
                }
                self.ingresses.push(Ingress {
                    namespace: namespace.unwrap_or("default"),
                    name,
                    services,
                });
            }
            _ => {
                if let Some(pod) = PodSpecView::of(res) {
                    self.add_workload(res, &pod, namespace.unwrap_or("default"), name);
                }
            }
        }
    }

    fn add_workload(
        &mut self,
        res: &'a Resource,
        pod: &PodSpecView<'a>,
        ns: &'a str,
        name: &'a str,
    ) {
        let (service_account, sa_path) = ["serviceAccountName", "serviceAccount"]
            .iter()
            .find_map(|f| {
                pod.get(f)
                    .and_then(Node::as_str)
                    .filter(|s| !s.is_empty())
                    .map(|s| (s, pod.path(f)))
            })
            .unwrap_or(("default", pod.spec_path()));
        self.note_namespace(ns);
        self.workloads.push(Workload {
            kind: res.rref.kind.as_str(),
            namespace: ns,
            name,
            service_account,
            sa_path,
            automount: pod
                .get("automountServiceAccountToken")
                .and_then(Node::as_bool),
            labels: string_map(pod.template.get_path(&["metadata", "labels"])),
            containers: pod
                .containers()
                .map(|c| c.node.get("name").and_then(Node::as_str).unwrap_or(""))
                .collect(),
            owned: !res
                .node
                .get_path(&["metadata", "ownerReferences"])
                .map(Node::items)
                .unwrap_or_default()
                .is_empty(),
            src: res,
        });
    }

    fn resolve_bindings(&mut self) {
        let mut warnings = Vec::new();
        for (id, b) in self.bindings.iter_mut().enumerate() {
            b.role = match (b.kind, b.role_kind) {
                (BindingKind::ClusterRoleBinding, Some(RoleKind::Role)) => {
                    if !b.builtin {
                        warn(
                            &mut warnings,
                            b.src,
                            "roleRef.kind",
                            format!(
                                "{} references a Role; a ClusterRoleBinding can only reference a ClusterRole, so it grants nothing",
                                b.display()
                            ),
                        );
                    }
                    None
                }
                (_, Some(k)) => {
                    let ns = if k == RoleKind::Role {
                        b.namespace.unwrap_or("default")
                    } else {
                        ""
                    };
                    self.role_index.get(&(k, ns, b.role_name)).copied()
                }
                (_, None) => {
                    if !b.builtin {
                        warn(
                            &mut warnings,
                            b.src,
                            "roleRef",
                            format!(
                                "{} has no valid roleRef kind; it grants nothing",
                                b.display()
                            ),
                        );
                    }
                    None
                }
            };
            for (i, s) in &b.subjects {
                let (index, key) = match s.kind {
                    SubjectKind::Group => (&mut self.group_index, s.name.clone()),
                    SubjectKind::User | SubjectKind::ServiceAccount => {
                        (&mut self.user_index, s.username().unwrap_or_default())
                    }
                };
                index.entry(key).or_default().push((id, *i));
            }
        }
        self.warnings.extend(warnings);
    }

    /// A role by kind, namespace (`""` for `ClusterRoles`) and name.
    pub fn role_id(&self, kind: RoleKind, namespace: &str, name: &str) -> Option<RoleId> {
        self.role_index.get(&(kind, namespace, name)).copied()
    }

    /// The rule a [`RuleRef`] points at.
    pub fn rule(&self, r: RuleRef) -> Option<&PolicyRule<'a>> {
        self.roles
            .get(r.role as usize)
            .and_then(|role| role.rules.get(r.rule as usize))
    }

    /// Binding subjects that apply to an identity: its own name and its groups (implicit
    /// groups included). Returns `(binding, index in subjects)`, sorted.
    pub fn bindings_for(&self, who: &Subject) -> Vec<(BindingId, usize)> {
        let mut out = Vec::new();
        if let Some(v) = who.username().and_then(|u| self.user_index.get(&u)) {
            out.extend(v.iter().copied());
        }
        for g in who.implicit_groups() {
            if let Some(v) = self.group_index.get(&g) {
                out.extend(v.iter().copied());
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// All subjects named in bindings plus the `ServiceAccounts` of workloads and
    /// ServiceAccount objects, de-duplicated and sorted.
    pub fn known_subjects(&self) -> Vec<Subject> {
        let mut set: std::collections::BTreeSet<Subject> = std::collections::BTreeSet::new();
        for b in &self.bindings {
            for (_, s) in &b.subjects {
                set.insert(s.clone());
            }
        }
        for w in &self.workloads {
            set.insert(Subject::service_account(w.namespace, w.service_account));
        }
        for sa in &self.service_accounts {
            set.insert(Subject::service_account(sa.namespace, sa.name));
        }
        set.into_iter().collect()
    }

    /// The ServiceAccount object, if the input has one.
    pub fn service_account(&self, namespace: &str, name: &str) -> Option<&ServiceAccount<'a>> {
        self.sa_index
            .get(&(namespace, name))
            .and_then(|&i| self.service_accounts.get(i))
    }

    /// Whether one of the role's rules grants every verb on every resource of every
    /// group (`*`/`*`/`*` without `resourceNames`).
    pub fn role_is_full(&self, role: RoleId) -> bool {
        self.full_roles.get(role).copied().unwrap_or(false)
    }

    /// Whether the workload's pods get its ServiceAccount token: the pod spec's
    /// `automountServiceAccountToken` wins, then the ServiceAccount's, default true.
    pub fn token_mounted(&self, w: &Workload<'_>) -> bool {
        w.automount
            .or_else(|| {
                self.service_account(w.namespace, w.service_account)
                    .and_then(|s| s.automount)
            })
            .unwrap_or(true)
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn subject_parsing() {
        let sa = Subject::service_account("ci", "builder");
        for t in [
            "sa:ci/builder",
            "serviceaccount:ci:builder",
            "system:serviceaccount:ci:builder",
            "ci/builder",
            "sa:ci:builder",
        ] {
            assert_eq!(Subject::parse(t).as_ref(), Ok(&sa), "{t}");
        }
        assert_eq!(Subject::parse("user:jane"), Ok(Subject::user("jane")));
        assert_eq!(Subject::parse("jane"), Ok(Subject::user("jane")));
        assert_eq!(Subject::parse("group:dev"), Ok(Subject::group("dev")));
        assert!(Subject::parse("sa:nonamespace").is_err());
        assert_eq!(
            sa.username().as_deref(),
            Some("system:serviceaccount:ci:builder")
        );
        assert_eq!(sa.to_string(), "ServiceAccount ci/builder");
        assert!(Subject::group("system:masters").is_system());
        assert!(!Subject::group("system:authenticated").is_system());
        assert!(Subject::user("system:anonymous").is_anonymous());
    }

    #[test]
    fn builds_and_resolves() {
        let lf = moat_manifest::load_bytes(
            "t.yaml",
            b"apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r, namespace: ns}\nrules: [{apiGroups: [''], resources: [pods], verbs: [get]}]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b, namespace: ns}\nroleRef: {kind: Role, name: r, apiGroup: rbac.authorization.k8s.io}\nsubjects: [{kind: ServiceAccount, name: app}, {kind: Robot, name: x}]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: bad}\nroleRef: {kind: Role, name: r}\nsubjects: [{kind: User, name: u}]\n",
        );
        let c = Cluster::build(
            &lf.resources,
            &Options {
                builtin_roles: false,
            },
        );
        assert_eq!(c.roles.len(), 1);
        assert_eq!(c.bindings.len(), 2);
        assert_eq!(c.bindings[0].role, Some(0));
        assert_eq!(
            c.bindings[0].subjects,
            vec![(0, Subject::service_account("ns", "app"))]
        );
        assert_eq!(c.bindings[1].role, None);
        assert_eq!(c.warnings.len(), 2, "{:?}", c.warnings);
        let b = c.bindings_for(&Subject::service_account("ns", "app"));
        assert_eq!(b, vec![(0, 0)]);
        assert!(c.bindings_for(&Subject::user("u")).contains(&(1, 0)));
    }
}
