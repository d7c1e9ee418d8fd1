//! Privilege-escalation paths: which identities each identity can become, to a fixed
//! point, and the shortest route to cluster-admin.
//!
//! The graph has a node per identity (ServiceAccount, User, Group) and a few summary
//! nodes ("any ServiceAccount in namespace N", "any pod in N", a workload, "any user",
//! "any group", the node host, cluster-admin). An identity's outgoing edges come from
//! what its own credentials allow — permissions of different identities are never
//! combined in one request, exactly as the API server authorises them:
//!
//! | permission (in scope) | step |
//! |---|---|
//! | create pods; create/update/patch pod controllers | run a pod as any ServiceAccount of the namespace; a privileged pod reaches the node (unless the namespace enforces Pod Security `baseline`/`restricted`) |
//! | create `pods/exec`, `pods/attach` (or `get`, over `WebSockets`); update/patch `pods`, `pods/ephemeralcontainers` | code execution in existing pods, hence their mounted tokens |
//! | create `serviceaccounts/token` | a token for the named (or any) ServiceAccount |
//! | get/list/watch `secrets` | ServiceAccount token Secrets of the namespace (those in the input when it has Secrets, else any) |
//! | impersonate `users`/`groups`/`serviceaccounts` | that identity (`system:masters` is cluster-admin) |
//! | create CSRs + update `certificatesigningrequests/approval` + approve the `kube-apiserver-client` signer | a client certificate for any user and group |
//! | get/create `nodes/proxy` | the kubelet API: exec in any pod |
//!
//! Before edges are taken, each identity is saturated with what it can grant *itself*:
//! `bind` on a role plus `create` on (cluster)rolebindings in a scope gains that role in
//! that scope; `escalate` plus `update`/`patch` on a role it already holds gains any
//! permission in that role's scope. That repeats until nothing new is gained.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use rayon::prelude::*;
use serde::Serialize;

use crate::authz::ResourceAttrs;
use crate::model::{
    BindingId, Cluster, RoleId, RoleKind, RuleRef, Scope, Subject, SubjectKind, WorkloadId,
};
use crate::perms;

/// Most self-grant rounds per identity; each round adds at least one grant.
const MAX_SATURATION_ROUNDS: usize = 64;
/// Most grants one identity is saturated with (bounded work on hostile input: an
/// identity that can bind every role in every namespace is reported long before).
const MAX_HELD: usize = 100_000;

/// A role (or full control) an identity holds or can give itself.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Held<'a> {
    /// The role; `None` means every permission (gained through `escalate`).
    pub role: Option<RoleId>,
    /// Where it applies.
    pub scope: Scope<'a>,
    /// The binding that grants it; `None` when gained by escalation.
    pub binding: Option<BindingId>,
    /// Index of the binding subject (0 when gained).
    pub subject: usize,
    /// How it was gained, for gained grants ([`Held::gain_text`] renders it).
    pub gained: Option<Gain>,
}

/// How a grant was gained. Kept compact and rendered on demand: an identity that may
/// bind any role gains one grant per role and namespace. The indices are those of the
/// grants used, in the same held list (always earlier entries).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Gain {
    /// Creates a `ClusterRoleBinding` to the role.
    ClusterRoleBinding {
        /// Grant allowing `create` on clusterrolebindings.
        create: usize,
        /// Grant allowing `bind` on the role.
        bind: usize,
    },
    /// Creates a `RoleBinding` (in the held scope) to a `ClusterRole`.
    RoleBindingToClusterRole {
        /// Grant allowing `create` on rolebindings.
        create: usize,
        /// Grant allowing `bind` on the `ClusterRole`.
        bind: usize,
    },
    /// Creates a `RoleBinding` to a Role of its namespace.
    RoleBindingToRole {
        /// Grant allowing `create` on rolebindings.
        create: usize,
        /// Grant allowing `bind` on the Role.
        bind: usize,
    },
    /// Adds any rule to a `ClusterRole` it holds (`escalate` + update).
    EscalateClusterRole {
        /// The role it holds and may rewrite.
        role: RoleId,
        /// Grant allowing `escalate`.
        via: usize,
    },
    /// Adds any rule to a Role it holds in its namespace.
    EscalateRole {
        /// The role it holds and may rewrite.
        role: RoleId,
        /// Grant allowing `escalate`.
        via: usize,
    },
}

impl<'a> Held<'a> {
    /// How this grant was gained, in words; `None` for grants held through a binding.
    /// `held` is the list this grant belongs to.
    pub fn gain_text(&self, c: &Cluster<'_>, held: &[Held<'_>]) -> Option<String> {
        let role = |id: Option<RoleId>| {
            id.and_then(|r| c.roles.get(r))
                .map(crate::model::Role::display)
                .unwrap_or_default()
        };
        Some(match self.gained? {
            Gain::ClusterRoleBinding { create, bind } => format!(
                "creates a ClusterRoleBinding to {} (create: {}; bind: {})",
                role(self.role),
                held_describe(c, held, create),
                held_describe(c, held, bind)
            ),
            Gain::RoleBindingToClusterRole { create, bind } => format!(
                "creates a RoleBinding {} to {} (create: {}; bind: {})",
                self.scope
                    .namespace()
                    .map_or_else(|| "in every namespace".to_owned(), |n| format!("in {n}")),
                role(self.role),
                held_describe(c, held, create),
                held_describe(c, held, bind)
            ),
            Gain::RoleBindingToRole { create, bind } => format!(
                "creates a RoleBinding in {} to {} (create: {}; bind: {})",
                self.scope.namespace().unwrap_or_default(),
                role(self.role),
                held_describe(c, held, create),
                held_describe(c, held, bind)
            ),
            Gain::EscalateClusterRole { role: r, via } => format!(
                "adds any rule to {} it holds {} (escalate and update: {})",
                role(Some(r)),
                self.scope.describe(),
                held_describe(c, held, via)
            ),
            Gain::EscalateRole { role: r, via } => format!(
                "adds any rule to {} it holds (escalate and update: {})",
                role(Some(r)),
                held_describe(c, held, via)
            ),
        })
    }

    /// From a binding grant.
    pub fn from_grant(g: &perms::Grant<'a>) -> Self {
        Held {
            role: Some(g.role),
            scope: g.scope,
            binding: Some(g.binding),
            subject: g.subject,
            gained: None,
        }
    }
}

/// A set of names allowed by `resourceNames`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Names<'a> {
    /// Every name.
    All,
    /// Only these.
    Some(BTreeSet<&'a str>),
}

impl Names<'_> {
    /// Whether `name` is included.
    pub fn contains(&self, name: &str) -> bool {
        match self {
            Names::All => true,
            Names::Some(s) => s.contains(name),
        }
    }
}

/// Result of probing held grants for a request: which names, and the first grant/rule
/// that allows it (for explanations).
#[derive(Clone, Debug)]
pub struct Probe<'a> {
    /// Allowed names.
    pub names: Names<'a>,
    /// Index of the first contributing grant in the held list.
    pub grant: usize,
    /// The first contributing rule (`None` for full control).
    pub rule: Option<RuleRef>,
}

/// Where an escalation step leads.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target<'a> {
    /// A ServiceAccount.
    ServiceAccount(&'a str, String),
    /// Any ServiceAccount of a namespace (`None`: of every namespace).
    AnyServiceAccount(Option<&'a str>),
    /// A workload's pods.
    Workload(WorkloadId),
    /// Any pod of a namespace (`None`: of every namespace).
    AnyWorkload(Option<&'a str>),
    /// A user.
    User(String),
    /// Any user.
    AnyUser,
    /// A group.
    Group(String),
    /// Any group (including `system:masters`).
    AnyGroup,
    /// Root on a node (privileged pod or host mount).
    NodeHost,
    /// Cluster-admin: every permission cluster-wide.
    ClusterAdmin,
}

/// What an escalation step does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepKind {
    /// Create pods running as another ServiceAccount.
    CreatePods,
    /// Create or change pod controllers (their pod template sets the ServiceAccount).
    ControlWorkloads,
    /// `kubectl exec` into pods.
    Exec,
    /// `kubectl attach` to pods.
    Attach,
    /// Update/patch pods (swap the image).
    PatchPods,
    /// Add ephemeral containers.
    EphemeralContainers,
    /// Create a token with the `TokenRequest` API.
    TokenRequest,
    /// Read token Secrets with `get` (names are guessable).
    GetSecrets,
    /// Read token Secrets with `list`/`watch`.
    ListSecrets,
    /// Impersonate a ServiceAccount.
    ImpersonateServiceAccount,
    /// Impersonate a user.
    ImpersonateUser,
    /// Impersonate a group.
    ImpersonateGroup,
    /// Issue a client certificate through a CSR the identity can approve.
    ApproveCsr,
    /// Use the kubelet API through `nodes/proxy`.
    NodesProxy,
    /// Run a privileged pod to take over its node.
    PrivilegedPod,
    /// Holds every permission cluster-wide.
    ClusterAdmin,
    /// Gives itself a role through `bind` (see the step detail).
    BindRole,
    /// Grows a role it holds through `escalate`.
    EscalateRole,
    /// A workload's pods carry this ServiceAccount's token.
    RunsAs,
    /// Members of a summary node.
    Member,
    /// `system:masters` bypasses authorization.
    Masters,
}

impl StepKind {
    /// Short verb phrase for explanations.
    pub fn phrase(self) -> &'static str {
        match self {
            StepKind::CreatePods => "can create pods",
            StepKind::ControlWorkloads => "can create or change pod controllers",
            StepKind::Exec => "can exec into pods",
            StepKind::Attach => "can attach to pods",
            StepKind::PatchPods => "can update pods (swap the image)",
            StepKind::EphemeralContainers => "can add ephemeral containers to pods",
            StepKind::TokenRequest => "can create ServiceAccount tokens",
            StepKind::GetSecrets => "can get Secrets (ServiceAccount token Secrets)",
            StepKind::ListSecrets => "can list Secrets (ServiceAccount token Secrets)",
            StepKind::ImpersonateServiceAccount => "can impersonate ServiceAccounts",
            StepKind::ImpersonateUser => "can impersonate users",
            StepKind::ImpersonateGroup => "can impersonate groups",
            StepKind::ApproveCsr => {
                "can create and approve client CertificateSigningRequests (any user and group)"
            }
            StepKind::NodesProxy => {
                "can reach the kubelet API through nodes/proxy (exec in any pod)"
            }
            StepKind::PrivilegedPod => "can create a privileged pod",
            StepKind::ClusterAdmin => "holds every permission cluster-wide",
            StepKind::BindRole => "can bind itself a role",
            StepKind::EscalateRole => "can escalate a role it holds",
            StepKind::RunsAs => "runs with the token of",
            StepKind::Member => "includes",
            StepKind::Masters => "bypasses authorization",
        }
    }
}

/// One escalation step from a set of held grants.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Step<'a> {
    /// What it does.
    pub kind: StepKind,
    /// Where the permission applies.
    pub scope: Scope<'a>,
    /// The held grant that allows it (index into the held list).
    pub grant: Option<usize>,
    /// The rule that allows it.
    pub rule: Option<RuleRef>,
    /// Extra explanation (how a role was gained).
    pub detail: Option<String>,
}

/// Probes the held grants: which names of `attrs` they allow in `namespace`
/// (`""` for cluster-scoped requests).
pub fn probe<'a>(
    c: &Cluster<'a>,
    held: &[Held<'a>],
    attrs: &ResourceAttrs<'_>,
    namespace: &str,
) -> Option<Probe<'a>> {
    let mut out: Option<Probe<'a>> = None;
    for (gi, h) in held.iter().enumerate() {
        if !h.scope.applies(namespace) {
            continue;
        }
        let Some(role_id) = h.role else {
            return Some(Probe {
                names: Names::All,
                grant: gi,
                rule: None,
            });
        };
        for (rr, rule) in c.rules_for(role_id, attrs.resource, attrs.subresource) {
            let Some(names) = rule.allowed_names(attrs) else {
                continue;
            };
            let p = out.get_or_insert_with(|| Probe {
                names: Names::Some(BTreeSet::new()),
                grant: gi,
                rule: Some(rr),
            });
            if names.is_empty() {
                p.names = Names::All;
                p.grant = gi;
                p.rule = Some(rr);
                return out;
            }
            if let Names::Some(set) = &mut p.names {
                set.extend(names.iter().copied());
            }
        }
    }
    out
}

fn attrs<'q>(verb: &'q str, group: &'q str, resource: &'q str) -> ResourceAttrs<'q> {
    ResourceAttrs::new(verb, group, resource)
}

/// First of several verbs that is allowed (with all its names merged).
fn probe_any<'a>(
    c: &Cluster<'a>,
    held: &[Held<'a>],
    verbs: &[&str],
    group: &str,
    resource: &str,
    namespace: &str,
) -> Option<Probe<'a>> {
    let mut best: Option<Probe<'a>> = None;
    for v in verbs {
        if let Some(p) = probe(c, held, &attrs(v, group, resource), namespace) {
            match (&mut best, p.names) {
                (None, names) => {
                    best = Some(Probe { names, ..p });
                }
                (Some(b), Names::All) => {
                    b.names = Names::All;
                }
                (Some(b), Names::Some(more)) => {
                    if let Names::Some(set) = &mut b.names {
                        set.extend(more);
                    }
                }
            }
        }
    }
    best
}

/// The namespaces in which held grants give namespaced power: `None` stands for
/// "every namespace" (cluster-wide or all-namespaces grants).
fn scopes_of<'a>(held: &[Held<'a>]) -> Vec<Option<&'a str>> {
    let mut out: Vec<Option<&'a str>> = Vec::new();
    if held
        .iter()
        .any(|h| matches!(h.scope, Scope::Cluster | Scope::AllNamespaces))
    {
        out.push(None);
    }
    let ns: BTreeSet<&'a str> = held.iter().filter_map(|h| h.scope.namespace()).collect();
    out.extend(ns.into_iter().map(Some));
    out
}

/// A representative namespace name that only "every namespace" grants apply to.
const ANY_NS: &str = "\u{0}any-namespace";

/// Grants an identity can give itself (bind / escalate), to a fixed point. Returns the
/// saturated list (held first, gained after).
pub fn saturate<'a>(c: &Cluster<'a>, mut held: Vec<Held<'a>>) -> Vec<Held<'a>> {
    let mut have: std::collections::HashSet<(Option<RoleId>, Scope<'a>)> =
        held.iter().map(|h| (h.role, h.scope)).collect();
    // Scopes in which the identity holds every permission: a gained grant there adds
    // nothing (an identity that may bind any role in every namespace would otherwise
    // collect one grant per role and namespace).
    let mut full: std::collections::HashSet<Scope<'a>> = held
        .iter()
        .filter(|h| full_control(c, h))
        .map(|h| h.scope)
        .collect();
    for _ in 0..MAX_SATURATION_ROUNDS {
        let mut gained = bindable(c, &held);
        // Full-control grants first, so the grants they subsume are skipped.
        gained.sort_by_key(|g| !full_control(c, g));
        let mut added = false;
        for g in gained {
            if held.len() >= MAX_HELD {
                return held;
            }
            if subsumed(&full, g.scope) {
                continue;
            }
            if have.insert((g.role, g.scope)) {
                if full_control(c, &g) {
                    full.insert(g.scope);
                }
                held.push(g);
                added = true;
            }
        }
        if !added || is_cluster_admin(c, &held).is_some() {
            break;
        }
    }
    held
}

/// Whether a grant gives every permission in its scope (`*` verbs on `*` resources in
/// `*` groups, or full control gained by `escalate`).
fn full_control(c: &Cluster<'_>, h: &Held<'_>) -> bool {
    h.role.is_none_or(|r| c.role_is_full(r))
}

/// Whether full control in one of `full` covers every resource permission of `scope`.
fn subsumed(full: &std::collections::HashSet<Scope<'_>>, scope: Scope<'_>) -> bool {
    full.contains(&Scope::Cluster)
        || match scope {
            Scope::Cluster => false,
            Scope::AllNamespaces => full.contains(&Scope::AllNamespaces),
            Scope::Namespace(_) => full.contains(&Scope::AllNamespaces) || full.contains(&scope),
        }
}

fn held_describe(c: &Cluster<'_>, held: &[Held<'_>], gi: usize) -> String {
    match held.get(gi) {
        Some(Held {
            binding: Some(b),
            role: Some(r),
            ..
        }) => format!(
            "{} → {}",
            c.bindings
                .get(*b)
                .map(crate::model::Binding::display)
                .unwrap_or_default(),
            c.roles
                .get(*r)
                .map(crate::model::Role::display)
                .unwrap_or_default()
        ),
        Some(
            h @ Held {
                gained: Some(_), ..
            },
        ) => h.gain_text(c, held).unwrap_or_default(),
        _ => String::new(),
    }
}

/// Roles (and full control) the held grants can give to their holder: `bind` + create
/// bindings, and `escalate` + update on a held role. Grant-local: used both for
/// saturation and for the single-permission-set view (`KubeHound`'s `ROLE_BIND`).
pub fn bindable<'a>(c: &Cluster<'a>, held: &[Held<'a>]) -> Vec<Held<'a>> {
    let rbac = crate::model::RBAC_GROUP;
    let mut out: Vec<Held<'a>> = Vec::new();
    // ClusterRoleBindings: cluster-wide.
    if let Some(create) = probe(c, held, &attrs("create", rbac, "clusterrolebindings"), "")
        && let Some(bind) = probe(c, held, &attrs("bind", rbac, "clusterroles"), "")
    {
        for id in c.roles_matching(RoleKind::ClusterRole, None, &bind.names) {
            if c.roles.get(id).is_none() {
                continue;
            }
            out.push(Held {
                role: Some(id),
                scope: Scope::Cluster,
                binding: None,
                subject: 0,
                gained: Some(Gain::ClusterRoleBinding {
                    create: create.grant,
                    bind: bind.grant,
                }),
            });
        }
    }
    // RoleBindings: per namespace scope.
    for ns in scopes_of(held) {
        let req_ns = ns.unwrap_or(ANY_NS);
        let Some(create) = probe(c, held, &attrs("create", rbac, "rolebindings"), req_ns) else {
            continue;
        };
        if let Some(bind) = probe(c, held, &attrs("bind", rbac, "clusterroles"), req_ns) {
            for id in c.roles_matching(RoleKind::ClusterRole, None, &bind.names) {
                if c.roles.get(id).is_none() {
                    continue;
                }
                out.push(Held {
                    role: Some(id),
                    scope: ns.map_or(Scope::AllNamespaces, Scope::Namespace),
                    binding: None,
                    subject: 0,
                    gained: Some(Gain::RoleBindingToClusterRole {
                        create: create.grant,
                        bind: bind.grant,
                    }),
                });
            }
        }
        if let Some(bind) = probe(c, held, &attrs("bind", rbac, "roles"), req_ns) {
            for id in c.roles_matching(RoleKind::Role, ns, &bind.names) {
                let Some(role) = c.roles.get(id) else {
                    continue;
                };
                let Some(role_ns) = role.namespace else {
                    continue;
                };
                out.push(Held {
                    role: Some(id),
                    scope: Scope::Namespace(role_ns),
                    binding: None,
                    subject: 0,
                    gained: Some(Gain::RoleBindingToRole {
                        create: create.grant,
                        bind: bind.grant,
                    }),
                });
            }
        }
    }
    // escalate + update/patch a ClusterRole held through some binding.
    if let Some(esc) = probe(c, held, &attrs("escalate", rbac, "clusterroles"), "")
        && let Some(upd) = probe_any(c, held, &["update", "patch"], rbac, "clusterroles", "")
    {
        for h in held {
            let Some(role) = h.role.and_then(|r| c.roles.get(r)) else {
                continue;
            };
            if role.kind == RoleKind::ClusterRole
                && esc.names.contains(role.name)
                && upd.names.contains(role.name)
            {
                out.push(Held {
                    role: None,
                    scope: h.scope,
                    binding: None,
                    subject: 0,
                    gained: Some(Gain::EscalateClusterRole {
                        role: h.role.unwrap_or_default(),
                        via: esc.grant,
                    }),
                });
            }
        }
    }
    // escalate + update/patch a Role held in its namespace.
    for h in held {
        let Some(role) = h.role.and_then(|r| c.roles.get(r)) else {
            continue;
        };
        let (RoleKind::Role, Some(role_ns)) = (role.kind, role.namespace) else {
            continue;
        };
        let esc = probe(c, held, &attrs("escalate", rbac, "roles"), role_ns);
        let upd = probe_any(c, held, &["update", "patch"], rbac, "roles", role_ns);
        if let (Some(esc), Some(upd)) = (esc, upd)
            && esc.names.contains(role.name)
            && upd.names.contains(role.name)
        {
            out.push(Held {
                role: None,
                scope: Scope::Namespace(role_ns),
                binding: None,
                subject: 0,
                gained: Some(Gain::EscalateRole {
                    role: h.role.unwrap_or_default(),
                    via: esc.grant,
                }),
            });
        }
    }
    out
}

/// The grant that makes the holder cluster-admin (`*` verbs on `*` resources in `*`
/// groups cluster-wide), if any.
pub fn is_cluster_admin(c: &Cluster<'_>, held: &[Held<'_>]) -> Option<(usize, Option<RuleRef>)> {
    held.iter().enumerate().find_map(|(gi, h)| {
        if h.scope != Scope::Cluster {
            return None;
        }
        let Some(role_id) = h.role else {
            return Some((gi, None));
        };
        c.rules_for(role_id, "*", "")
            .find(|(_, r)| r.is_full_wildcard())
            .map(|(rr, _)| (gi, Some(rr)))
    })
}

fn psa_blocks_privileged(c: &Cluster<'_>, ns: Option<&str>) -> bool {
    ns.and_then(|n| c.namespaces.get(n).copied().flatten())
        .is_some_and(|level| level == "baseline" || level == "restricted")
}

const CONTROLLERS: &[(&str, &str)] = &[
    ("apps", "deployments"),
    ("apps", "daemonsets"),
    ("apps", "statefulsets"),
    ("apps", "replicasets"),
    ("extensions", "deployments"),
    ("extensions", "daemonsets"),
    ("extensions", "replicasets"),
    ("", "replicationcontrollers"),
    ("batch", "jobs"),
    ("batch", "cronjobs"),
];

/// The escalation steps the held grants allow (without saturation). Steps to
/// summary targets are expanded by the graph.
pub fn steps<'a>(c: &Cluster<'a>, held: &[Held<'a>]) -> Vec<(Target<'a>, Step<'a>)> {
    let mut out: Vec<(Target<'a>, Step<'a>)> = Vec::new();
    let step = |kind, scope, p: &Probe<'a>| Step {
        kind,
        scope,
        grant: Some(p.grant),
        rule: p.rule,
        detail: None,
    };
    if let Some((gi, rule)) = is_cluster_admin(c, held) {
        let detail = held.get(gi).and_then(|h| h.gain_text(c, held));
        out.push((
            Target::ClusterAdmin,
            Step {
                kind: if detail.is_some() {
                    StepKind::BindRole
                } else {
                    StepKind::ClusterAdmin
                },
                scope: Scope::Cluster,
                grant: Some(gi),
                rule,
                detail,
            },
        ));
    }
    let mut any_scope_kinds: BTreeSet<StepKind> = BTreeSet::new();
    for ns in scopes_of(held) {
        let req_ns = ns.unwrap_or(ANY_NS);
        let scope = ns.map_or(Scope::AllNamespaces, Scope::Namespace);
        let mut push = |out: &mut Vec<(Target<'a>, Step<'a>)>, t: Target<'a>, s: Step<'a>| {
            if ns.is_some()
                && any_scope_kinds.contains(&s.kind)
                && matches!(
                    t,
                    Target::AnyServiceAccount(_) | Target::AnyWorkload(_) | Target::NodeHost
                )
            {
                return;
            }
            if ns.is_none() {
                any_scope_kinds.insert(s.kind);
            }
            out.push((t, s));
        };
        // Pods and pod controllers: any ServiceAccount of the namespace, and the node.
        let create = probe(c, held, &attrs("create", "", "pods"), req_ns);
        let control = CONTROLLERS
            .iter()
            .find_map(|(g, r)| probe_any(c, held, &["create", "update", "patch"], g, r, req_ns));
        if let Some(p) = &create {
            push(
                &mut out,
                Target::AnyServiceAccount(ns),
                step(StepKind::CreatePods, scope, p),
            );
        }
        if let Some(p) = &control {
            push(
                &mut out,
                Target::AnyServiceAccount(ns),
                step(StepKind::ControlWorkloads, scope, p),
            );
        }
        if let Some(p) = create.as_ref().or(control.as_ref())
            && (ns.is_none() || !psa_blocks_privileged(c, ns))
        {
            push(
                &mut out,
                Target::NodeHost,
                step(StepKind::PrivilegedPod, scope, p),
            );
        }
        // Code execution in existing pods.
        for (kind, verbs, resource) in [
            (StepKind::Exec, &["create", "get"][..], "pods/exec"),
            (StepKind::Attach, &["create", "get"][..], "pods/attach"),
            (StepKind::PatchPods, &["update", "patch"][..], "pods"),
            (
                StepKind::EphemeralContainers,
                &["update", "patch"][..],
                "pods/ephemeralcontainers",
            ),
        ] {
            if let Some(p) = probe_any(c, held, verbs, "", resource, req_ns) {
                match &p.names {
                    Names::All => push(&mut out, Target::AnyWorkload(ns), step(kind, scope, &p)),
                    Names::Some(names) => {
                        for name in names {
                            for &wid in c.pods_named(name) {
                                if c.workloads
                                    .get(wid)
                                    .is_some_and(|w| ns.is_none_or(|n| n == w.namespace))
                                {
                                    push(&mut out, Target::Workload(wid), step(kind, scope, &p));
                                }
                            }
                        }
                    }
                }
            }
        }
        // Tokens.
        if let Some(p) = probe(
            c,
            held,
            &attrs("create", "", "serviceaccounts/token"),
            req_ns,
        ) {
            sa_targets(c, ns, &p.names, &mut |t| {
                push(&mut out, t, step(StepKind::TokenRequest, scope, &p));
            });
        }
        for (kind, verbs) in [
            (StepKind::ListSecrets, &["list", "watch"][..]),
            (StepKind::GetSecrets, &["get"][..]),
        ] {
            let Some(p) = probe_any(c, held, verbs, "", "secrets", req_ns) else {
                continue;
            };
            // list/watch with resourceNames only sees the named objects.
            secret_targets(c, ns, &p.names, &mut |t| {
                push(&mut out, t, step(kind, scope, &p));
            });
        }
        if let Some(p) = probe(
            c,
            held,
            &attrs("impersonate", "", "serviceaccounts"),
            req_ns,
        ) {
            sa_targets(c, ns, &p.names, &mut |t| {
                push(
                    &mut out,
                    t,
                    step(StepKind::ImpersonateServiceAccount, scope, &p),
                );
            });
        }
    }
    // Cluster-scoped requests.
    if let Some(p) = probe(c, held, &attrs("impersonate", "", "users"), "") {
        match &p.names {
            Names::All => out.push((
                Target::AnyUser,
                step(StepKind::ImpersonateUser, Scope::Cluster, &p),
            )),
            Names::Some(names) => {
                for n in names {
                    let t = match n
                        .strip_prefix("system:serviceaccount:")
                        .and_then(|r| r.split_once(':'))
                    {
                        // Impersonating such a user name is authorised as serviceaccounts.
                        Some(_) => continue,
                        None => Target::User((*n).to_owned()),
                    };
                    out.push((t, step(StepKind::ImpersonateUser, Scope::Cluster, &p)));
                }
            }
        }
    }
    if let Some(p) = probe(c, held, &attrs("impersonate", "", "groups"), "") {
        match &p.names {
            Names::All => out.push((
                Target::AnyGroup,
                step(StepKind::ImpersonateGroup, Scope::Cluster, &p),
            )),
            Names::Some(names) => {
                for n in names {
                    out.push((
                        Target::Group((*n).to_owned()),
                        step(StepKind::ImpersonateGroup, Scope::Cluster, &p),
                    ));
                }
            }
        }
    }
    let certs = "certificates.k8s.io";
    if let (Some(_), Some(approve), Some(signer)) = (
        probe(
            c,
            held,
            &attrs("create", certs, "certificatesigningrequests"),
            "",
        ),
        probe(
            c,
            held,
            &attrs("update", certs, "certificatesigningrequests/approval"),
            "",
        ),
        probe(c, held, &attrs("approve", certs, "signers"), ""),
    ) && (signer.names.contains("kubernetes.io/kube-apiserver-client")
        || signer.names.contains("kubernetes.io/*"))
    {
        out.push((
            Target::AnyGroup,
            step(StepKind::ApproveCsr, Scope::Cluster, &approve),
        ));
        out.push((
            Target::AnyUser,
            step(StepKind::ApproveCsr, Scope::Cluster, &approve),
        ));
    }
    if let Some(p) = probe_any(c, held, &["get", "create"], "", "nodes/proxy", "") {
        out.push((
            Target::AnyWorkload(None),
            step(StepKind::NodesProxy, Scope::Cluster, &p),
        ));
    }
    out.sort();
    out.dedup_by(|a, b| a.0 == b.0 && a.1.kind == b.1.kind);
    out
}

fn sa_targets<'a>(
    c: &Cluster<'a>,
    ns: Option<&'a str>,
    names: &Names<'a>,
    f: &mut dyn FnMut(Target<'a>),
) {
    match names {
        Names::All => f(Target::AnyServiceAccount(ns)),
        Names::Some(names) => {
            for name in names {
                match ns {
                    Some(n) => f(Target::ServiceAccount(n, (*name).to_owned())),
                    // Cluster-wide: the accounts of that name the input knows of.
                    None => {
                        for n in c.sa_namespaces(name) {
                            if let Some((k, _)) = c.namespaces.get_key_value(n.as_str()) {
                                f(Target::ServiceAccount(k, (*name).to_owned()));
                            }
                        }
                    }
                }
            }
        }
    }
}

fn secret_targets<'a>(
    c: &Cluster<'a>,
    ns: Option<&'a str>,
    names: &Names<'a>,
    f: &mut dyn FnMut(Target<'a>),
) {
    let in_ns = |t_ns: &str| ns.is_none_or(|n| n == t_ns);
    let known_everywhere = ns.is_some_and(|n| c.secret_namespaces.contains(n));
    if *names == Names::All && !known_everywhere {
        // Token Secrets are not in the input: any ServiceAccount may have one.
        f(Target::AnyServiceAccount(ns));
        return;
    }
    for t in &c.token_secrets {
        if in_ns(t.namespace) && names.contains(t.name) {
            f(Target::ServiceAccount(
                t.namespace,
                t.service_account.to_owned(),
            ));
        }
    }
}

/// Saturated grants and the steps they allow, per distinct grant list.
type Computed<'a> = (Vec<Held<'a>>, Vec<(Target<'a>, Step<'a>)>);

/// A node of the escalation graph.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Node<'a> {
    /// An identity.
    Identity(Subject),
    /// Any ServiceAccount of a namespace (`None`: every namespace).
    AnyServiceAccount(Option<&'a str>),
    /// Any pod of a namespace (`None`: every namespace).
    AnyWorkload(Option<&'a str>),
    /// A workload.
    Workload(WorkloadId),
    /// Any user.
    AnyUser,
    /// Any group.
    AnyGroup,
    /// Root on a node.
    NodeHost,
    /// Cluster-admin.
    ClusterAdmin,
}

/// An edge of the escalation graph.
#[derive(Clone, Debug)]
pub struct Edge<'a> {
    /// Destination node.
    pub to: usize,
    /// The step.
    pub step: Step<'a>,
    /// The holder's grants the step's `grant` index refers to (shared per identity).
    pub held: Option<usize>,
}

/// The escalation graph of a cluster, with shortest paths to cluster-admin.
#[derive(Debug)]
pub struct Graph<'a> {
    /// Nodes.
    pub nodes: Vec<Node<'a>>,
    /// Outgoing edges per node.
    pub edges: Vec<Vec<Edge<'a>>>,
    /// Saturated grant lists, referenced by [`Edge::held`].
    pub held: Vec<Vec<Held<'a>>>,
    index: crate::fnv::FnvMap<Node<'a>, usize>,
    /// Per node: (distance to cluster-admin, index of the first edge of a shortest path).
    to_admin: Vec<Option<(u32, usize)>>,
}

/// One step of an explained path.
#[derive(Clone, Debug, Serialize)]
pub struct PathStep {
    /// Where the step starts.
    pub from: String,
    /// What it does.
    pub kind: StepKind,
    /// Human explanation, including the grant that allows it.
    pub how: String,
    /// Where it leads.
    pub to: String,
    /// Binding that allows it (for locations), when there is one.
    #[serde(skip)]
    pub binding: Option<BindingId>,
    /// Index of the binding subject.
    #[serde(skip)]
    pub subject: usize,
}

impl<'a> Graph<'a> {
    /// Builds the graph for every identity the cluster names (and the `ServiceAccounts` of
    /// every namespace), in parallel.
    pub fn build(c: &Cluster<'a>) -> Self {
        let mut g = Graph {
            nodes: Vec::new(),
            edges: Vec::new(),
            held: Vec::new(),
            index: crate::fnv::FnvMap::default(),
            to_admin: Vec::new(),
        };
        // ServiceAccounts per namespace.
        let mut sas: BTreeMap<&'a str, BTreeSet<String>> = BTreeMap::new();
        for ns in c.namespaces.keys() {
            sas.entry(ns).or_default().insert("default".to_owned());
        }
        let subjects = c.known_subjects();
        for s in &subjects {
            if let (SubjectKind::ServiceAccount, Some(ns)) = (s.kind, s.namespace.as_deref())
                && let Some((k, _)) = c.namespaces.get_key_value(ns)
            {
                sas.entry(k).or_default().insert(s.name.clone());
            }
        }
        let mut identities: BTreeSet<Subject> = subjects.into_iter().collect();
        for (ns, names) in &sas {
            for n in names {
                identities.insert(Subject::service_account(ns, n));
            }
        }
        identities.insert(Subject::group("system:masters"));
        for s in &identities {
            g.node(Node::Identity(s.clone()));
        }
        for special in [
            Node::AnyUser,
            Node::AnyGroup,
            Node::NodeHost,
            Node::ClusterAdmin,
            Node::AnyServiceAccount(None),
            Node::AnyWorkload(None),
        ] {
            g.node(special);
        }
        // Identity edges, computed once per distinct grant list.
        let ids: Vec<Subject> = identities.into_iter().collect();
        let grant_lists: Vec<Vec<Held<'a>>> = ids
            .par_iter()
            .map(|s| perms::grants(c, s).iter().map(Held::from_grant).collect())
            .collect();
        let mut distinct: HashMap<&[Held<'a>], usize> = HashMap::new();
        let mut owner: Vec<usize> = Vec::with_capacity(ids.len());
        let mut uniques: Vec<&[Held<'a>]> = Vec::new();
        for gl in &grant_lists {
            let next = uniques.len();
            let k = *distinct.entry(gl.as_slice()).or_insert(next);
            if k == next {
                uniques.push(gl.as_slice());
            }
            owner.push(k);
        }
        let computed: Vec<Computed<'a>> = uniques
            .par_iter()
            .map(|gl| {
                if gl.is_empty() {
                    return (Vec::new(), Vec::new());
                }
                let sat = saturate(c, gl.to_vec());
                let st = steps(c, &sat);
                (sat, st)
            })
            .collect();
        let mut held_ids = Vec::with_capacity(computed.len());
        let mut step_lists = Vec::with_capacity(computed.len());
        for (sat, st) in computed {
            held_ids.push(g.held.len());
            g.held.push(sat);
            step_lists.push(st);
        }
        for (s, k) in ids.iter().zip(owner) {
            let from = g.node(Node::Identity(s.clone()));
            let Some(st) = step_lists.get(k) else {
                continue;
            };
            for (t, step) in st {
                let to = g.target_node(c, t);
                if to != from {
                    g.edge(from, to, step.clone(), held_ids.get(k).copied());
                }
            }
        }
        // Summary nodes.
        let member = |kind| Step {
            kind,
            scope: Scope::Cluster,
            grant: None,
            rule: None,
            detail: None,
        };
        for (ns, names) in &sas {
            let any = g.node(Node::AnyServiceAccount(Some(ns)));
            let all = g.node(Node::AnyServiceAccount(None));
            g.edge(all, any, member(StepKind::Member), None);
            for n in names {
                let to = g.node(Node::Identity(Subject::service_account(ns, n)));
                g.edge(any, to, member(StepKind::Member), None);
            }
        }
        let all_pods = g.node(Node::AnyWorkload(None));
        for ns in c.namespaces.keys() {
            let any = g.node(Node::AnyWorkload(Some(ns)));
            g.edge(all_pods, any, member(StepKind::Member), None);
        }
        for (wid, w) in c.workloads.iter().enumerate() {
            let wn = g.node(Node::Workload(wid));
            let any = g.node(Node::AnyWorkload(Some(w.namespace)));
            g.edge(any, wn, member(StepKind::Member), None);
            if c.token_mounted(w) {
                let sa = g.node(Node::Identity(Subject::service_account(
                    w.namespace,
                    w.service_account,
                )));
                g.edge(wn, sa, member(StepKind::RunsAs), None);
            }
        }
        let (any_user, any_group) = (g.node(Node::AnyUser), g.node(Node::AnyGroup));
        let masters = g.node(Node::Identity(Subject::group("system:masters")));
        let admin = g.node(Node::ClusterAdmin);
        g.edge(masters, admin, member(StepKind::Masters), None);
        for i in 0..g.nodes.len() {
            match g.nodes.get(i) {
                Some(Node::Identity(s)) if s.kind == SubjectKind::User => {
                    g.edge(any_user, i, member(StepKind::Member), None);
                }
                Some(Node::Identity(s)) if s.kind == SubjectKind::Group => {
                    g.edge(any_group, i, member(StepKind::Member), None);
                }
                _ => {}
            }
        }
        g.compute_admin_paths();
        g
    }

    fn node(&mut self, n: Node<'a>) -> usize {
        if let Some(&i) = self.index.get(&n) {
            return i;
        }
        let i = self.nodes.len();
        self.index.insert(n.clone(), i);
        self.nodes.push(n);
        self.edges.push(Vec::new());
        i
    }

    fn target_node(&mut self, _c: &Cluster<'a>, t: &Target<'a>) -> usize {
        let n = match t {
            Target::ServiceAccount(ns, name) => Node::Identity(Subject::service_account(ns, name)),
            Target::AnyServiceAccount(ns) => Node::AnyServiceAccount(*ns),
            Target::Workload(w) => Node::Workload(*w),
            Target::AnyWorkload(ns) => Node::AnyWorkload(*ns),
            Target::User(u) => Node::Identity(Subject::user(u)),
            Target::AnyUser => Node::AnyUser,
            Target::Group(gr) => Node::Identity(Subject::group(gr)),
            Target::AnyGroup => Node::AnyGroup,
            Target::NodeHost => Node::NodeHost,
            Target::ClusterAdmin => Node::ClusterAdmin,
        };
        self.node(n)
    }

    fn edge(&mut self, from: usize, to: usize, step: Step<'a>, held: Option<usize>) {
        if let Some(e) = self.edges.get_mut(from) {
            e.push(Edge { to, step, held });
        }
    }

    /// Reverse BFS from cluster-admin: shortest distance and first edge for every node.
    fn compute_admin_paths(&mut self) {
        let n = self.nodes.len();
        let mut rev: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
        for (from, es) in self.edges.iter().enumerate() {
            for (ei, e) in es.iter().enumerate() {
                if let Some(r) = rev.get_mut(e.to) {
                    r.push((from, ei));
                }
            }
        }
        let mut to_admin: Vec<Option<(u32, usize)>> = vec![None; n];
        let Some(&admin) = self.index.get(&Node::ClusterAdmin) else {
            self.to_admin = to_admin;
            return;
        };
        let mut queue = VecDeque::from([admin]);
        if let Some(slot) = to_admin.get_mut(admin) {
            *slot = Some((0, usize::MAX));
        }
        while let Some(v) = queue.pop_front() {
            let d = to_admin.get(v).copied().flatten().map_or(0, |(d, _)| d);
            for &(u, ei) in rev.get(v).map_or(&[][..], Vec::as_slice) {
                if let Some(slot) = to_admin.get_mut(u)
                    && slot.is_none()
                {
                    *slot = Some((d + 1, ei));
                    queue.push_back(u);
                }
            }
        }
        self.to_admin = to_admin;
    }

    /// The node of an identity.
    pub fn identity(&self, s: &Subject) -> Option<usize> {
        self.index.get(&Node::Identity(s.clone())).copied()
    }

    /// Whether the identity is cluster-admin or can become it.
    pub fn reaches_admin(&self, s: &Subject) -> bool {
        self.identity(s)
            .and_then(|i| self.to_admin.get(i).copied().flatten())
            .is_some()
    }

    /// The shortest path from an identity to cluster-admin (empty when it is not
    /// reachable; a single step when the identity holds it directly).
    pub fn path_to_admin(&self, c: &Cluster<'a>, s: &Subject) -> Vec<PathStep> {
        let mut out = Vec::new();
        let Some(mut v) = self.identity(s) else {
            return out;
        };
        let mut guard = 0;
        while let Some(Some((d, ei))) = self.to_admin.get(v).copied() {
            if d == 0 || guard > self.nodes.len() {
                break;
            }
            guard += 1;
            let Some(e) = self.edges.get(v).and_then(|es| es.get(ei)) else {
                break;
            };
            out.push(self.explain(c, v, e));
            v = e.to;
        }
        out
    }

    /// Everything reachable from an identity (BFS), with the shortest explained path
    /// to each reachable identity and to the node host / cluster-admin.
    pub fn reach(&self, c: &Cluster<'a>, s: &Subject) -> Vec<(Node<'a>, Vec<PathStep>)> {
        let Some(start) = self.identity(s) else {
            return Vec::new();
        };
        let n = self.nodes.len();
        let mut parent: Vec<Option<(usize, usize)>> = vec![None; n];
        let mut seen = vec![false; n];
        if let Some(x) = seen.get_mut(start) {
            *x = true;
        }
        let mut order = Vec::new();
        let mut queue = VecDeque::from([start]);
        while let Some(v) = queue.pop_front() {
            for (ei, e) in self
                .edges
                .get(v)
                .map_or(&[][..], Vec::as_slice)
                .iter()
                .enumerate()
            {
                if let Some(x) = seen.get_mut(e.to)
                    && !*x
                {
                    *x = true;
                    if let Some(p) = parent.get_mut(e.to) {
                        *p = Some((v, ei));
                    }
                    order.push(e.to);
                    queue.push_back(e.to);
                }
            }
        }
        let mut out = Vec::new();
        for t in order {
            let Some(node) = self.nodes.get(t) else {
                continue;
            };
            if !matches!(
                node,
                Node::Identity(_) | Node::NodeHost | Node::ClusterAdmin
            ) {
                continue;
            }
            let mut path = Vec::new();
            let mut v = t;
            while let Some(Some((p, ei))) = parent.get(v).copied() {
                if let Some(e) = self.edges.get(p).and_then(|es| es.get(ei)) {
                    path.push(self.explain(c, p, e));
                }
                v = p;
            }
            path.reverse();
            out.push((node.clone(), path));
        }
        out
    }

    /// Human label of a node.
    pub fn label(&self, c: &Cluster<'_>, i: usize) -> String {
        match self.nodes.get(i) {
            Some(Node::Identity(s)) => s.to_string(),
            Some(Node::AnyServiceAccount(Some(ns))) => format!("any ServiceAccount in {ns}"),
            Some(Node::AnyServiceAccount(None)) => "any ServiceAccount".to_owned(),
            Some(Node::AnyWorkload(Some(ns))) => format!("any pod in {ns}"),
            Some(Node::AnyWorkload(None)) => "any pod".to_owned(),
            Some(Node::Workload(w)) => c
                .workloads
                .get(*w)
                .map(|w| format!("{} {}/{}", w.kind, w.namespace, w.name))
                .unwrap_or_default(),
            Some(Node::AnyUser) => "any user".to_owned(),
            Some(Node::AnyGroup) => "any group".to_owned(),
            Some(Node::NodeHost) => "a node (host root)".to_owned(),
            Some(Node::ClusterAdmin) => "cluster-admin".to_owned(),
            None => String::new(),
        }
    }

    fn explain(&self, c: &Cluster<'a>, from: usize, e: &Edge<'a>) -> PathStep {
        let held = e.held.and_then(|h| self.held.get(h));
        let grant = held.and_then(|h| e.step.grant.and_then(|g| h.get(g)));
        let mut how = match e.step.kind {
            StepKind::Member => String::new(),
            StepKind::RunsAs => "its pods mount the ServiceAccount token".to_owned(),
            StepKind::Masters => "system:masters bypasses RBAC".to_owned(),
            k => {
                let mut s = k.phrase().to_owned();
                if e.step.scope != Scope::Cluster
                    || matches!(
                        k,
                        StepKind::CreatePods
                            | StepKind::ControlWorkloads
                            | StepKind::Exec
                            | StepKind::Attach
                            | StepKind::PatchPods
                            | StepKind::EphemeralContainers
                            | StepKind::TokenRequest
                            | StepKind::GetSecrets
                            | StepKind::ListSecrets
                            | StepKind::ImpersonateServiceAccount
                            | StepKind::PrivilegedPod
                    )
                {
                    s.push(' ');
                    s.push_str(&e.step.scope.describe());
                }
                s
            }
        };
        if let Some(d) = &e.step.detail {
            how.push_str(": ");
            how.push_str(d);
        } else if let Some(h) = grant {
            if let Some(d) = held.and_then(|list| h.gain_text(c, list)) {
                how.push_str(" (after it ");
                how.push_str(&d);
                how.push(')');
            } else if let (Some(b), Some(r)) = (h.binding, h.role) {
                how.push_str(&format!(
                    " ({} → {}{})",
                    c.bindings
                        .get(b)
                        .map(crate::model::Binding::display)
                        .unwrap_or_default(),
                    c.roles
                        .get(r)
                        .map(crate::model::Role::display)
                        .unwrap_or_default(),
                    e.step
                        .rule
                        .map(|rr| format!(" rules[{}]", rr.rule))
                        .unwrap_or_default()
                ));
            }
        }
        PathStep {
            from: self.label(c, from),
            kind: e.step.kind,
            how,
            to: self.label(c, e.to),
            binding: grant.and_then(|h| h.binding),
            subject: grant.map_or(0, |h| h.subject),
        }
    }
}

/// Renders a path as one line: `A —[how]→ B —[how]→ C`.
pub fn render_path(path: &[PathStep]) -> String {
    let mut s = String::new();
    for (i, p) in path.iter().enumerate() {
        if i == 0 {
            s.push_str(&p.from);
        }
        if p.how.is_empty() {
            s.push_str(" → ");
        } else {
            s.push_str(" —[");
            s.push_str(&p.how);
            s.push_str("]→ ");
        }
        s.push_str(&p.to);
    }
    s
}
