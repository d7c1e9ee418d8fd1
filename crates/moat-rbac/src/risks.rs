//! Evaluation of the RBAC risk checks ([`crate::checks`]) into findings.
//!
//! Grant checks look at each subject of each input binding and the role it references,
//! with the authorizer's matching rules. A rule that would grant a dangerous
//! cluster-scoped permission through a RoleBinding cannot take effect; it is still
//! reported (it is bound and one `ClusterRoleBinding` away from being live) but as
//! *latent*, at `info` severity, with the reason in the message.

use std::borrow::Cow;
use std::collections::BTreeSet;

use moat_core::{CheckMeta, Finding, Location, Severity};
use moat_manifest::Resource;

use crate::authz::{self, PolicyRule, ResourceAttrs};
use crate::blast;
use crate::checks::{self as ck};
use crate::escalate::{self, Graph, PathStep, StepKind};
use crate::model::{
    BindingId, BindingKind, Cluster, RoleId, RuleRef, Scope, Subject, SubjectKind, WorkloadId,
};

/// A finding with the structured data behind it.
#[derive(Clone, Debug)]
pub struct RiskFinding<'a> {
    /// The check.
    pub meta: &'static CheckMeta,
    /// Severity (the check's, lowered for latent grants or narrower scopes).
    pub severity: Severity,
    /// What is wrong, specifically.
    pub message: String,
    /// The subject concerned, if any.
    pub subject: Option<Subject>,
    /// The binding concerned, if any.
    pub binding: Option<BindingId>,
    /// The role concerned, if any.
    pub role: Option<RoleId>,
    /// The workload concerned, if any.
    pub workload: Option<WorkloadId>,
    /// Permission tags that matched (`read-secrets`, `bind`, `exec`, …).
    pub permissions: Vec<&'static str>,
    /// Whether the grant cannot take effect as bound.
    pub latent: bool,
    /// Escalation path, for path findings.
    pub path: Vec<PathStep>,
    /// Object the finding is located on.
    pub src: &'a Resource,
    /// Field path within it.
    pub field: String,
}

impl RiskFinding<'_> {
    /// The shared finding model.
    pub fn to_finding(&self) -> Finding {
        let mut f = Finding::from_meta(self.meta, self.message.clone());
        f.severity = self.severity;
        f.resource = self.src.rref.clone();
        let pos = self.src.pos_of(&self.field);
        f.location = Location {
            file: self.src.file.to_string(),
            line: pos.line,
            column: pos.col,
            path: self.field.clone(),
        };
        if self.latent {
            f.frameworks.push(Cow::Borrowed("moat:latent"));
        }
        f
    }
}

/// One dangerous permission a rule can grant.
struct Perm {
    tag: &'static str,
    verbs: &'static [&'static str],
    group: &'static str,
    resources: &'static [&'static str],
    /// Cluster-scoped: a RoleBinding cannot grant it.
    cluster: bool,
}

const fn p(
    tag: &'static str,
    verbs: &'static [&'static str],
    group: &'static str,
    resources: &'static [&'static str],
    cluster: bool,
) -> Perm {
    Perm {
        tag,
        verbs,
        group,
        resources,
        cluster,
    }
}

const RBAC: &str = "rbac.authorization.k8s.io";
const WRITE: &[&str] = &["create", "update", "patch"];
const DELETE: &[&str] = &["delete", "deletecollection"];

const SECRETS: &[Perm] = &[p(
    "read-secrets",
    &["get", "list", "watch"],
    "",
    &["secrets"],
    false,
)];
const WORKLOADS: &[Perm] = &[
    p("create-pods", &["create"], "", &["pods"], false),
    p(
        "control-workloads",
        WRITE,
        "apps",
        &["deployments", "daemonsets", "statefulsets", "replicasets"],
        false,
    ),
    p(
        "control-workloads",
        WRITE,
        "extensions",
        &["deployments", "daemonsets", "replicasets"],
        false,
    ),
    p(
        "control-workloads",
        WRITE,
        "",
        &["replicationcontrollers"],
        false,
    ),
    p(
        "control-workloads",
        WRITE,
        "batch",
        &["jobs", "cronjobs"],
        false,
    ),
];
const EXEC: &[Perm] = &[
    p("exec", &["create", "get"], "", &["pods/exec"], false),
    p("attach", &["create", "get"], "", &["pods/attach"], false),
    p(
        "portforward",
        &["create", "get"],
        "",
        &["pods/portforward"],
        false,
    ),
    p("patch-pods", &["update", "patch"], "", &["pods"], false),
    p(
        "ephemeral-containers",
        &["update", "patch"],
        "",
        &["pods/ephemeralcontainers"],
        false,
    ),
];
const BIND: &[Perm] = &[
    p("bind", &["bind"], RBAC, &["roles", "clusterroles"], false),
    p("escalate", &["escalate"], RBAC, &["roles"], false),
    p("escalate", &["escalate"], RBAC, &["clusterroles"], true),
];
const IMPERSONATE: &[Perm] = &[
    p("impersonate-users", &["impersonate"], "", &["users"], true),
    p(
        "impersonate-groups",
        &["impersonate"],
        "",
        &["groups"],
        true,
    ),
    p(
        "impersonate-serviceaccounts",
        &["impersonate"],
        "",
        &["serviceaccounts"],
        false,
    ),
    p(
        "impersonate-uids",
        &["impersonate"],
        "authentication.k8s.io",
        &["uids"],
        true,
    ),
];
const RBAC_WRITE: &[Perm] = &[
    p("modify-roles", WRITE, RBAC, &["roles"], false),
    p("modify-bindings", WRITE, RBAC, &["rolebindings"], false),
    p("modify-roles", WRITE, RBAC, &["clusterroles"], true),
    p(
        "modify-bindings",
        WRITE,
        RBAC,
        &["clusterrolebindings"],
        true,
    ),
];
const TOKENS: &[Perm] = &[
    p(
        "create-tokens",
        &["create"],
        "",
        &["serviceaccounts/token"],
        false,
    ),
    p("issue-token-secrets", &["create"], "", &["secrets"], false),
];
const NODES_PROXY: &[Perm] = &[p(
    "nodes-proxy",
    &["get", "create", "update", "patch", "delete"],
    "",
    &["nodes/proxy"],
    true,
)];
const CSR: &[Perm] = &[p(
    "approve-csr",
    &["update", "patch"],
    "certificates.k8s.io",
    &["certificatesigningrequests/approval"],
    true,
)];
const WEBHOOKS: &[Perm] = &[p(
    "modify-webhooks",
    &["create", "update", "patch", "delete"],
    "admissionregistration.k8s.io",
    &[
        "validatingwebhookconfigurations",
        "mutatingwebhookconfigurations",
        "validatingadmissionpolicies",
        "validatingadmissionpolicybindings",
        "mutatingadmissionpolicies",
        "mutatingadmissionpolicybindings",
    ],
    true,
)];
const STATUS: &[Perm] = &[
    p(
        "node-status",
        &["update", "patch"],
        "",
        &["nodes/status"],
        true,
    ),
    p(
        "pod-status",
        &["update", "patch"],
        "",
        &["pods/status"],
        false,
    ),
    p(
        "service-status",
        &["update", "patch"],
        "",
        &["services/status"],
        false,
    ),
    p("modify-nodes", &["update", "patch"], "", &["nodes"], true),
];
const PV: &[Perm] = &[p(
    "create-persistentvolumes",
    &["create"],
    "",
    &["persistentvolumes"],
    true,
)];
const DELETE_EVENTS: &[Perm] = &[
    p("delete-events", DELETE, "", &["events"], false),
    p("delete-events", DELETE, "events.k8s.io", &["events"], false),
];
const DELETE_RESOURCES: &[Perm] = &[
    p(
        "delete-resources",
        DELETE,
        "",
        &[
            "secrets",
            "pods",
            "services",
            "configmaps",
            "persistentvolumeclaims",
            "replicationcontrollers",
            "serviceaccounts",
        ],
        false,
    ),
    p(
        "delete-resources",
        DELETE,
        "",
        &["namespaces", "persistentvolumes", "nodes"],
        true,
    ),
    p(
        "delete-resources",
        DELETE,
        "apps",
        &["deployments", "daemonsets", "statefulsets", "replicasets"],
        false,
    ),
    p(
        "delete-resources",
        DELETE,
        "batch",
        &["jobs", "cronjobs"],
        false,
    ),
];

/// Sensitive resources for broad groups: any verb on these is reported.
const SENSITIVE: &[Perm] = &[
    p(
        "pods",
        &["*any*"],
        "",
        &[
            "pods",
            "pods/exec",
            "pods/attach",
            "pods/portforward",
            "pods/log",
            "pods/proxy",
            "pods/ephemeralcontainers",
        ],
        false,
    ),
    p(
        "nodes",
        &["*any*"],
        "",
        &["nodes", "nodes/proxy", "nodes/status", "nodes/log"],
        true,
    ),
    p("secrets", &["*any*"], "", &["secrets"], false),
    p(
        "serviceaccounts",
        &["*any*"],
        "",
        &["serviceaccounts", "serviceaccounts/token"],
        false,
    ),
    p(
        "workloads",
        &["*any*"],
        "apps",
        &["deployments", "daemonsets", "statefulsets", "replicasets"],
        false,
    ),
    p(
        "workloads",
        &["*any*"],
        "batch",
        &["jobs", "cronjobs"],
        false,
    ),
];

/// A matched permission of a grant.
#[derive(Clone, Copy, Debug)]
struct Hit {
    tag: &'static str,
    latent: bool,
    rule: RuleRef,
}

/// Whether `rule` grants `perm` on the resource `res` (one of `perm.resources`).
fn rule_hits(rule: &PolicyRule<'_>, perm: &Perm, res: &str) -> bool {
    if perm.verbs == ["*any*"] {
        let (r, sub) = res.split_once('/').unwrap_or((res, ""));
        return authz::group_matches(rule, perm.group)
            && !rule.verbs.is_empty()
            && rule.resources.iter().any(|pat| {
                authz::resource_pattern_matches(pat, res, sub) || (sub.is_empty() && *pat == r)
            });
    }
    perm.verbs.iter().any(|v| {
        rule.allowed_names(&ResourceAttrs::new(v, perm.group, res))
            .is_some()
    })
}

/// A rule limited by resourceNames reads or deletes the objects it names (a chart's own
/// certificate Secret, its status ConfigMap), not "Secrets" or "resources": MOAT-202 and
/// MOAT-221 skip it — unless it names a ServiceAccount token Secret of the input, which
/// is a credential. (The escalation graph follows named token Secrets either way.)
fn names_only_own(c: &Cluster<'_>, rule: &PolicyRule<'_>, perm: &Perm) -> bool {
    matches!(perm.tag, "read-secrets" | "delete-resources")
        && !rule.resource_names.is_empty()
        && !rule
            .resource_names
            .iter()
            .any(|n| c.token_secrets.iter().any(|t| t.name == *n))
}

fn hits(c: &Cluster<'_>, role: RoleId, scope: Scope<'_>, perms: &[Perm]) -> Vec<Hit> {
    let mut out: Vec<Hit> = Vec::new();
    for perm in perms {
        let latent = perm.cluster && scope != Scope::Cluster;
        let found = perm.resources.iter().find_map(|res| {
            let (r, sub) = res.split_once('/').unwrap_or((res, ""));
            c.rules_for(role, r, sub)
                .find(|(_, rule)| rule_hits(rule, perm, res) && !names_only_own(c, rule, perm))
                .map(|(rr, _)| rr)
        });
        if let Some(rr) = found {
            match out.iter_mut().find(|h| h.tag == perm.tag) {
                Some(h) => h.latent &= latent,
                None => out.push(Hit {
                    tag: perm.tag,
                    latent,
                    rule: rr,
                }),
            }
        }
    }
    out
}

struct Ctx<'c, 'a> {
    c: &'c Cluster<'a>,
    out: Vec<RiskFinding<'a>>,
}

impl Ctx<'_, '_> {
    #[allow(clippy::too_many_arguments)]
    fn grant_finding(
        &mut self,
        meta: &'static CheckMeta,
        b: BindingId,
        subject_index: usize,
        subject: &Subject,
        role: RoleId,
        hits: &[Hit],
        what: &str,
        severity: Option<Severity>,
    ) {
        let c = self.c;
        let (Some(binding), Some(r)) = (c.bindings.get(b), c.roles.get(role)) else {
            return;
        };
        let latent = !hits.is_empty() && hits.iter().all(|h| h.latent);
        let scope = binding.scope();
        let rules: BTreeSet<String> = hits
            .iter()
            .map(|h| {
                let from = if h.rule.role as usize == role {
                    String::new()
                } else {
                    c.roles
                        .get(h.rule.role as usize)
                        .map(|x| format!("{} ", x.display()))
                        .unwrap_or_default()
                };
                format!("{from}rules[{}]", h.rule.rule)
            })
            .collect();
        let mut message = format!(
            "{subject} {what} {} ({} → {}{}{})",
            scope.describe(),
            binding.display(),
            r.display(),
            if rules.is_empty() { "" } else { " " },
            rules.into_iter().collect::<Vec<_>>().join(", ")
        );
        let latent_tags: Vec<&str> = hits.iter().filter(|h| h.latent).map(|h| h.tag).collect();
        if !latent_tags.is_empty() {
            message.push_str(&format!(
                "; {} concern{} cluster-scoped resources, which a RoleBinding cannot grant: no effect as bound{}",
                latent_tags.join(", "),
                if latent_tags.len() == 1 { "s" } else { "" },
                if latent { " (latent grant)" } else { "" }
            ));
        }
        let severity = if latent {
            Severity::Info
        } else {
            severity.unwrap_or(meta.severity)
        };
        self.out.push(RiskFinding {
            meta,
            severity,
            message,
            subject: Some(subject.clone()),
            binding: Some(b),
            role: Some(role),
            workload: None,
            permissions: hits.iter().map(|h| h.tag).collect(),
            latent,
            path: Vec::new(),
            src: binding.src,
            field: format!("subjects[{subject_index}]"),
        });
    }
}

fn tags_text(hits: &[Hit]) -> String {
    let mut t: Vec<&str> = hits.iter().map(|h| h.tag).collect();
    t.dedup();
    t.join(", ")
}

/// Runs every check over the analysed cluster. Findings are ordered by check, then
/// input order.
pub fn evaluate<'a>(c: &Cluster<'a>, g: &Graph<'a>) -> Vec<RiskFinding<'a>> {
    let mut ctx = Ctx { c, out: Vec::new() };
    grant_checks(&mut ctx);
    binding_checks(&mut ctx);
    role_checks(&mut ctx);
    escalation_checks(&mut ctx, g);
    workload_checks(&mut ctx, g);
    sa_checks(&mut ctx);
    let mut out = ctx.out;
    out.sort_by(|a, b| {
        a.meta
            .id
            .cmp(b.meta.id)
            .then_with(|| a.src.file.cmp(&b.src.file))
            .then_with(|| (a.src.doc, a.src.item).cmp(&(b.src.doc, b.src.item)))
            .then_with(|| a.field.cmp(&b.field))
    });
    out
}

fn grant_checks(ctx: &mut Ctx<'_, '_>) {
    let c = ctx.c;
    let mut cache: std::collections::HashMap<(RoleId, Scope<'_>), std::rc::Rc<GrantEval>> =
        std::collections::HashMap::new();
    // Subjects that hold cluster-admin through some input ClusterRoleBinding: their other
    // grants are implied by MOAT-200 and not repeated, whichever binding carries them.
    let mut admins: BTreeSet<&Subject> = BTreeSet::new();
    for b in &c.bindings {
        let Some(role) = b.role else { continue };
        if b.builtin || b.scope() != Scope::Cluster {
            continue;
        }
        let eval = cache
            .entry((role, Scope::Cluster))
            .or_insert_with(|| std::rc::Rc::new(evaluate_grant(c, role, Scope::Cluster)))
            .clone();
        if eval.full.is_some() {
            admins.extend(b.subjects.iter().map(|(_, s)| s));
        }
    }
    for (bid, b) in c.bindings.iter().enumerate() {
        if b.builtin {
            continue;
        }
        // Default ServiceAccount bound to a role that is not in the input.
        if b.role.is_none() && !b.bootstrap {
            for (si, s) in &b.subjects {
                if is_default_sa(s) {
                    ctx.out.push(RiskFinding {
                        meta: &ck::DEFAULT_SA,
                        severity: ck::DEFAULT_SA.severity,
                        message: format!(
                            "{s} is bound to {} by {}, which is not in the input; whatever it grants is shared by every pod of {} that does not name a ServiceAccount",
                            b.role_ref_display(),
                            b.display(),
                            s.namespace.as_deref().unwrap_or("")
                        ),
                        subject: Some(s.clone()),
                        binding: Some(bid),
                        role: None,
                        workload: None,
                        permissions: vec!["bound"],
                        latent: false,
                        path: Vec::new(),
                        src: b.src,
                        field: format!("subjects[{si}]"),
                    });
                }
            }
        }
        let Some(role) = b.role else { continue };
        let scope = b.scope();
        let eval = cache
            .entry((role, scope))
            .or_insert_with(|| std::rc::Rc::new(evaluate_grant(c, role, scope)))
            .clone();
        for (si, s) in &b.subjects {
            if s.is_system() || (b.bootstrap && !s.is_anonymous() && !s.is_broad_group()) {
                continue;
            }
            if s.is_anonymous() || s.is_broad_group() {
                broad_subject(ctx, bid, *si, s, role);
                continue;
            }
            if let Some(rr) = eval.full {
                let hit = [Hit {
                    tag: "cluster-admin",
                    latent: false,
                    rule: rr,
                }];
                ctx.grant_finding(
                    &ck::CLUSTER_ADMIN,
                    bid,
                    *si,
                    s,
                    role,
                    &hit,
                    "holds every permission on every resource",
                    None,
                );
                // Every narrower grant check is implied.
                dashboard(ctx, bid, *si, s, role);
                default_sa(ctx, bid, *si, s, role);
                continue;
            }
            if !admins.contains(s) {
                for (meta, hits, text, sev) in &eval.findings {
                    ctx.grant_finding(meta, bid, *si, s, role, hits, text, *sev);
                }
            }
            dashboard(ctx, bid, *si, s, role);
            default_sa(ctx, bid, *si, s, role);
        }
    }
}

/// Grant-check results of one role in one scope (shared by all its bindings' subjects).
struct GrantEval {
    /// The full-wildcard rule, when the grant is cluster-admin.
    full: Option<RuleRef>,
    /// (check, hits, description, severity override), in check order.
    findings: Vec<(&'static CheckMeta, Vec<Hit>, String, Option<Severity>)>,
}

fn evaluate_grant(c: &Cluster<'_>, role: RoleId, scope: Scope<'_>) -> GrantEval {
    let mut findings = Vec::new();
    if scope == Scope::Cluster
        && let Some((rr, _)) = c
            .rules_for(role, "*", "")
            .find(|(_, r)| r.is_full_wildcard())
    {
        return GrantEval {
            full: Some(rr),
            findings,
        };
    }
    if let Some(r) = c.roles.get(role) {
        let mut hits: Vec<Hit> = Vec::new();
        let mut what = Vec::new();
        for &rr in &r.effective {
            let Some(rule) = c.rule(rr) else { continue };
            let verbs = rule.verbs.contains(&"*");
            let res = rule.resources.contains(&"*");
            if verbs || res {
                if !hits.iter().any(|h| h.rule == rr) {
                    hits.push(Hit {
                        tag: if verbs && res {
                            "all-verbs-all-resources"
                        } else if verbs {
                            "all-verbs"
                        } else {
                            "all-resources"
                        },
                        latent: false,
                        rule: rr,
                    });
                }
                what.push(match (verbs, res) {
                    (true, true) => "every verb on every resource",
                    (true, false) => "every verb",
                    _ => "every resource",
                });
            }
        }
        if !hits.is_empty() {
            what.sort_unstable();
            what.dedup();
            let text = format!("is granted wildcards ({})", what.join("; "));
            let sev = hits
                .iter()
                .any(|h| h.tag == "all-verbs-all-resources")
                .then_some(Severity::High);
            findings.push((&ck::WILDCARD, hits, text, sev));
        }
    }
    let simple: [(&'static CheckMeta, &[Perm], &str); 14] = [
        (&ck::SECRETS_READ, SECRETS, "can read Secrets"),
        (
            &ck::WORKLOAD_CREATE,
            WORKLOADS,
            "can create pods or pod controllers",
        ),
        (&ck::POD_EXEC, EXEC, "can run code in existing pods"),
        (&ck::BIND_ESCALATE, BIND, "can bind or escalate roles"),
        (&ck::IMPERSONATE, IMPERSONATE, "can impersonate"),
        (
            &ck::RBAC_WRITE,
            RBAC_WRITE,
            "can create or modify RBAC objects",
        ),
        (&ck::TOKEN_CREATE, TOKENS, "can issue ServiceAccount tokens"),
        (
            &ck::NODES_PROXY,
            NODES_PROXY,
            "can use nodes/proxy (kubelet API)",
        ),
        (
            &ck::CSR_APPROVE,
            CSR,
            "can approve CertificateSigningRequests",
        ),
        (
            &ck::WEBHOOKS,
            WEBHOOKS,
            "can modify admission webhooks or policies",
        ),
        (
            &ck::STATUS_MODIFY,
            STATUS,
            "can modify nodes or object status",
        ),
        (&ck::PV_CREATE, PV, "can create PersistentVolumes"),
        (&ck::DELETE_EVENTS, DELETE_EVENTS, "can delete events"),
        (&ck::DELETE_RESOURCES, DELETE_RESOURCES, "can delete"),
    ];
    for (meta, perms, what) in simple {
        let h = hits(c, role, scope, perms);
        if h.is_empty() {
            continue;
        }
        let mut sev = None;
        let mut text = format!("{what} ({})", tags_text(&h));
        if meta.id == ck::SECRETS_READ.id && scope != Scope::Cluster {
            sev = Some(Severity::Medium);
        }
        if meta.id == ck::CSR_APPROVE.id {
            if csr_full_chain(c, role, scope) {
                sev = Some(Severity::Critical);
                text.push_str(" and can create CSRs and approve them for the kube-apiserver-client signer: any user or group, system:masters included");
            } else {
                sev = Some(Severity::Medium);
                text.push_str("; it lacks create on CSRs or approve on the kube-apiserver-client signer, so it cannot mint client certificates by itself");
            }
        }
        if meta.id == ck::TOKEN_CREATE.id && h.iter().all(|x| x.tag == "issue-token-secrets") {
            sev = Some(Severity::Medium);
            text.push_str("; a Secret of type kubernetes.io/service-account-token is filled with a token for the ServiceAccount it names, usable by whoever can read it back or mount it");
        }
        if meta.id == ck::BIND_ESCALATE.id && scope != Scope::Cluster {
            sev = Some(Severity::High);
        }
        findings.push((meta, h, text, sev));
    }
    if let Some((hit, what)) = system_configmaps(c, role, scope) {
        findings.push((&ck::SYSTEM_CONFIGMAP, vec![hit], what, None));
    }
    findings.sort_by_key(|f| f.0.id);
    GrantEval {
        full: None,
        findings,
    }
}

fn csr_full_chain(c: &Cluster<'_>, role: RoleId, scope: Scope<'_>) -> bool {
    if scope != Scope::Cluster {
        return false;
    }
    let held = [escalate::Held {
        role: Some(role),
        scope,
        binding: None,
        subject: 0,
        gained: None,
    }];
    let certs = "certificates.k8s.io";
    escalate::probe(
        c,
        &held,
        &ResourceAttrs::new("create", certs, "certificatesigningrequests"),
        "",
    )
    .is_some()
        && escalate::probe(
            c,
            &held,
            &ResourceAttrs::new("approve", certs, "signers"),
            "",
        )
        .is_some_and(|p| {
            p.names.contains("kubernetes.io/kube-apiserver-client")
                || p.names.contains("kubernetes.io/*")
        })
}

fn is_default_sa(s: &Subject) -> bool {
    s.kind == SubjectKind::ServiceAccount && s.name == "default"
}

/// Only discovery-type permissions (non-resource URLs, self reviews)?
fn only_discovery(c: &Cluster<'_>, role: RoleId) -> bool {
    c.roles.get(role).is_some_and(|r| {
        r.effective.iter().all(|rr| {
            c.rule(*rr).is_none_or(|rule| {
                rule.resources.is_empty()
                    || rule.resources.iter().all(|res| {
                        matches!(
                            *res,
                            "selfsubjectaccessreviews"
                                | "selfsubjectrulesreviews"
                                | "selfsubjectreviews"
                        )
                    })
            })
        })
    })
}

fn default_sa(ctx: &mut Ctx<'_, '_>, bid: BindingId, si: usize, s: &Subject, role: RoleId) {
    let c = ctx.c;
    let Some(b) = c.bindings.get(bid) else { return };
    if !is_default_sa(s) || b.bootstrap || only_discovery(c, role) {
        return;
    }
    ctx.grant_finding(
        &ck::DEFAULT_SA,
        bid,
        si,
        s,
        role,
        &[],
        "is granted permissions, shared by every pod that does not name a ServiceAccount,",
        None,
    );
    if let Some(f) = ctx.out.last_mut() {
        f.permissions = vec!["bound"];
    }
}

fn dashboard(ctx: &mut Ctx<'_, '_>, bid: BindingId, si: usize, s: &Subject, role: RoleId) {
    let c = ctx.c;
    let Some(r) = c.roles.get(role) else { return };
    if !r.name.contains("kubernetes-dashboard") {
        return;
    }
    if s.kind == SubjectKind::ServiceAccount && s.name == "kubernetes-dashboard" {
        return;
    }
    ctx.grant_finding(
        &ck::DASHBOARD,
        bid,
        si,
        s,
        role,
        &[],
        "is bound to the Kubernetes Dashboard's role",
        None,
    );
}

fn system_configmaps(c: &Cluster<'_>, role: RoleId, scope: Scope<'_>) -> Option<(Hit, String)> {
    if !scope.applies("kube-system") {
        return None;
    }
    let held = [escalate::Held {
        role: Some(role),
        scope,
        binding: None,
        subject: 0,
        gained: None,
    }];
    let mut names = Vec::new();
    let mut rule = None;
    for verb in ["update", "patch"] {
        if let Some(p) = escalate::probe(
            c,
            &held,
            &ResourceAttrs::new(verb, "", "configmaps"),
            "kube-system",
        ) {
            for n in ["coredns", "aws-auth"] {
                if p.names.contains(n) && !names.contains(&n) {
                    names.push(n);
                    rule = rule.or(p.rule);
                }
            }
        }
    }
    let rr = rule?;
    if names.is_empty() {
        return None;
    }
    let hit = Hit {
        tag: "modify-system-configmaps",
        latent: false,
        rule: rr,
    };
    let what = format!(
        "can modify the ConfigMap{} {} in kube-system",
        if names.len() > 1 { "s" } else { "" },
        names.join(" and ")
    );
    Some((hit, what))
}

fn broad_subject(ctx: &mut Ctx<'_, '_>, bid: BindingId, si: usize, s: &Subject, role: RoleId) {
    let c = ctx.c;
    let Some(b) = c.bindings.get(bid) else { return };
    let scope = b.scope();
    let all: Vec<&[Perm]> = vec![
        SECRETS,
        WORKLOADS,
        EXEC,
        BIND,
        IMPERSONATE,
        RBAC_WRITE,
        TOKENS,
        NODES_PROXY,
        CSR,
        WEBHOOKS,
        STATUS,
        PV,
        DELETE_EVENTS,
        DELETE_RESOURCES,
        SENSITIVE,
    ];
    let mut found: Vec<Hit> = Vec::new();
    for perms in all {
        for h in hits(c, role, scope, perms) {
            if !found.iter().any(|x| x.tag == h.tag) {
                found.push(h);
            }
        }
    }
    // Any other write.
    if let Some(r) = c.roles.get(role) {
        for &rr in &r.effective {
            let Some(rule) = c.rule(rr) else { continue };
            let writes = rule.verbs.iter().any(|v| {
                matches!(
                    *v,
                    "*" | "create" | "update" | "patch" | "delete" | "deletecollection"
                )
            });
            let harmless = rule.resources.iter().all(|res| {
                matches!(
                    *res,
                    "selfsubjectaccessreviews" | "selfsubjectrulesreviews" | "selfsubjectreviews"
                )
            });
            if writes
                && !rule.resources.is_empty()
                && !harmless
                && !found.iter().any(|h| h.tag == "write")
            {
                found.push(Hit {
                    tag: "write",
                    latent: ineffective_all_cluster(rule, scope),
                    rule: rr,
                });
            }
        }
    }
    if s.is_anonymous() {
        let resource_access = c.roles.get(role).is_some_and(|r| {
            r.effective
                .iter()
                .any(|rr| c.rule(*rr).is_some_and(|x| !x.resources.is_empty()))
        });
        let (sev, what) = if resource_access {
            (
                None,
                format!(
                    "(unauthenticated requests) can access API resources{}",
                    if found.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", tags_text(&found))
                    }
                ),
            )
        } else {
            (
                Some(Severity::Low),
                "(unauthenticated requests) is granted non-resource URLs only".to_owned(),
            )
        };
        ctx.grant_finding(&ck::ANONYMOUS, bid, si, s, role, &[], &what, sev);
        if let Some(f) = ctx.out.last_mut() {
            f.permissions = if found.is_empty() {
                vec!["non-resource"]
            } else {
                found.iter().map(|h| h.tag).collect()
            };
        }
        return;
    }
    if found.is_empty() {
        return;
    }
    let what = format!(
        "(every {}) is granted sensitive permissions: {}",
        if s.name == "system:authenticated" {
            "authenticated user and ServiceAccount"
        } else {
            "ServiceAccount"
        },
        tags_text(&found)
    );
    ctx.grant_finding(&ck::BROAD_GROUP, bid, si, s, role, &found, &what, None);
}

fn ineffective_all_cluster(rule: &PolicyRule<'_>, scope: Scope<'_>) -> bool {
    crate::perms::ineffective_reason(rule, scope).is_some()
}

fn binding_checks(ctx: &mut Ctx<'_, '_>) {
    let c = ctx.c;
    let sa_namespaces: BTreeSet<&str> = c.service_accounts.iter().map(|s| s.namespace).collect();
    for (bid, b) in c.bindings.iter().enumerate() {
        if b.builtin {
            continue;
        }
        // roleRef problems
        match (b.kind, b.role_kind, b.role) {
            (BindingKind::ClusterRoleBinding, Some(crate::model::RoleKind::Role), _) => {
                ctx.out.push(RiskFinding {
                    meta: &ck::INEFFECTIVE,
                    severity: ck::INEFFECTIVE.severity,
                    message: format!("{} references Role {}; a ClusterRoleBinding can only reference a ClusterRole, so it grants nothing", b.display(), b.role_name),
                    subject: None,
                    binding: Some(bid),
                    role: None,
                    workload: None,
                    permissions: vec!["clusterrolebinding-to-role"],
                    latent: true,
                    path: Vec::new(),
                    src: b.src,
                    field: "roleRef.kind".into(),
                });
            }
            (_, Some(_), None) => {
                ctx.out.push(RiskFinding {
                    meta: &ck::MISSING_ROLE,
                    severity: ck::MISSING_ROLE.severity,
                    message: format!(
                        "{} references {}, which is not in the input",
                        b.display(),
                        b.role_ref_display()
                    ),
                    subject: None,
                    binding: Some(bid),
                    role: None,
                    workload: None,
                    permissions: vec!["missing-role"],
                    latent: false,
                    path: Vec::new(),
                    src: b.src,
                    field: "roleRef.name".into(),
                });
            }
            _ => {}
        }
        for (si, s) in &b.subjects {
            let (SubjectKind::ServiceAccount, Some(ns)) = (s.kind, s.namespace.as_deref()) else {
                continue;
            };
            if s.name != "default"
                && sa_namespaces.contains(ns)
                && c.service_account(ns, &s.name).is_none()
            {
                ctx.out.push(RiskFinding {
                    meta: &ck::MISSING_SUBJECT,
                    severity: ck::MISSING_SUBJECT.severity,
                    message: format!("{} names {s}, but the input defines ServiceAccounts in {ns} and not this one", b.display()),
                    subject: Some(s.clone()),
                    binding: Some(bid),
                    role: b.role,
                    workload: None,
                    permissions: vec!["missing-subject"],
                    latent: false,
                    path: Vec::new(),
                    src: b.src,
                    field: format!("subjects[{si}]"),
                });
            }
        }
    }
}

fn role_checks(ctx: &mut Ctx<'_, '_>) {
    let c = ctx.c;
    for (rid, r) in c.roles.iter().enumerate() {
        if r.builtin {
            continue;
        }
        for (i, rule) in r.rules.iter().enumerate() {
            for (j, res) in rule.resources.iter().enumerate() {
                if let Some((base, "*")) = res.split_once('/')
                    && base != "*"
                {
                    ctx.out.push(RiskFinding {
                            meta: &ck::INEFFECTIVE,
                            severity: ck::INEFFECTIVE.severity,
                            message: format!("{} rules[{i}] lists `{res}`, which is not a wildcard: it only matches a subresource literally named `*` (list the subresources, e.g. `{base}/exec`, or use `*/exec`)", r.display()),
                            subject: None,
                            binding: None,
                            role: Some(rid),
                            workload: None,
                            permissions: vec!["resource-slash-star"],
                            latent: true,
                            path: Vec::new(),
                            src: r.src,
                            field: format!("rules[{i}].resources[{j}]"),
                        });
                }
            }
            if r.kind == crate::model::RoleKind::Role && !rule.non_resource_urls.is_empty() {
                ctx.out.push(RiskFinding {
                    meta: &ck::INEFFECTIVE,
                    severity: ck::INEFFECTIVE.severity,
                    message: format!("{} rules[{i}] lists nonResourceURLs; only ClusterRoles bound by ClusterRoleBindings can grant them", r.display()),
                    subject: None,
                    binding: None,
                    role: Some(rid),
                    workload: None,
                    permissions: vec!["non-resource-in-role"],
                    latent: true,
                    path: Vec::new(),
                    src: r.src,
                    field: format!("rules[{i}].nonResourceURLs"),
                });
            }
        }
    }
}

fn escalation_checks<'a>(ctx: &mut Ctx<'_, 'a>, g: &Graph<'a>) {
    let c = ctx.c;
    // Subjects of input bindings and ServiceAccounts of input workloads.
    let mut subjects: Vec<(Subject, &'a Resource, String)> = Vec::new();
    let mut seen: BTreeSet<Subject> = BTreeSet::new();
    for b in c.bindings.iter().filter(|b| !b.builtin) {
        for (si, s) in &b.subjects {
            if !s.is_system() && seen.insert(s.clone()) {
                subjects.push((s.clone(), b.src, format!("subjects[{si}]")));
            }
        }
    }
    for w in &c.workloads {
        let s = Subject::service_account(w.namespace, w.service_account);
        if seen.insert(s.clone()) {
            subjects.push((s, w.src, w.sa_path.clone()));
        }
    }
    for (s, src, field) in subjects {
        let path = g.path_to_admin(c, &s);
        let Some(first) = path.first() else { continue };
        if first.kind == StepKind::ClusterAdmin {
            continue; // holds it directly: MOAT-200
        }
        let (src, field) = match first.binding.and_then(|b| c.bindings.get(b)) {
            Some(b) if !b.builtin => (b.src, format!("subjects[{}]", first.subject)),
            _ => (src, field),
        };
        ctx.out.push(RiskFinding {
            meta: &ck::ESCALATION_PATH,
            severity: ck::ESCALATION_PATH.severity,
            message: format!(
                "{s} can become cluster-admin in {} step{}: {}",
                path.len(),
                if path.len() == 1 { "" } else { "s" },
                escalate::render_path(&path)
            ),
            subject: Some(s.clone()),
            binding: first.binding,
            role: None,
            workload: None,
            permissions: vec!["escalation-path"],
            latent: false,
            path,
            src,
            field,
        });
    }
}

/// What a workload finding needs to know about its ServiceAccount (computed once per
/// account, shared by all its workloads).
struct SaFacts {
    full_control: bool,
    steps: Vec<StepKind>,
    admin_path: Vec<PathStep>,
    input_bindings: Vec<String>,
}

fn sa_facts<'a>(c: &Cluster<'a>, g: &Graph<'a>, sa: &Subject) -> SaFacts {
    let input_bindings = c
        .bindings_for(sa)
        .into_iter()
        .filter_map(|(b, _)| c.bindings.get(b))
        .filter(|b| !b.builtin && !b.bootstrap)
        .map(|b| format!("{} → {}", b.display(), b.role_ref_display()))
        .collect();
    SaFacts {
        full_control: blast::holds_full_control(c, sa),
        steps: blast::direct_steps(g, sa),
        admin_path: g.path_to_admin(c, sa),
        input_bindings,
    }
}

fn workload_checks<'a>(ctx: &mut Ctx<'_, 'a>, g: &Graph<'a>) {
    let c = ctx.c;
    let mut cache: std::collections::HashMap<Subject, SaFacts> = std::collections::HashMap::new();
    for (wid, w) in c.workloads.iter().enumerate() {
        if w.owned || !c.token_mounted(w) {
            continue;
        }
        let sa = Subject::service_account(w.namespace, w.service_account);
        let facts = cache
            .entry(sa.clone())
            .or_insert_with(|| sa_facts(c, g, &sa));
        let base = RiskFinding {
            meta: &ck::WORKLOAD_TOKEN,
            severity: ck::WORKLOAD_TOKEN.severity,
            message: String::new(),
            subject: Some(sa.clone()),
            binding: None,
            role: None,
            workload: Some(wid),
            permissions: Vec::new(),
            latent: false,
            path: Vec::new(),
            src: w.src,
            field: w.sa_path.clone(),
        };
        let label = format!("{} {}/{}", w.kind, w.namespace, w.name);
        let reaches_admin = !facts.admin_path.is_empty();
        if facts.full_control {
            ctx.out.push(RiskFinding {
                meta: &ck::WORKLOAD_ADMIN,
                severity: ck::WORKLOAD_ADMIN.severity,
                message: format!("{label} mounts the token of {sa}, which holds every verb on every resource cluster-wide"),
                permissions: vec!["full-control"],
                ..base.clone()
            });
        } else if !facts.steps.is_empty() {
            let mut kinds: Vec<&str> = facts.steps.iter().map(|k| k.phrase()).collect();
            kinds.sort_unstable();
            kinds.dedup();
            let mut message = format!(
                "{label} mounts the token of {sa}, which {}",
                kinds.join("; ")
            );
            let mut severity = ck::WORKLOAD_TAKEOVER.severity;
            if reaches_admin {
                severity = Severity::Critical;
                message.push_str(&format!(
                    "; path to cluster-admin: {}",
                    escalate::render_path(&facts.admin_path)
                ));
            }
            ctx.out.push(RiskFinding {
                meta: &ck::WORKLOAD_TAKEOVER,
                severity,
                message,
                permissions: vec!["takeover"],
                path: facts.admin_path.clone(),
                ..base.clone()
            });
        } else if !facts.input_bindings.is_empty() {
            ctx.out.push(RiskFinding {
                message: format!(
                    "{label} mounts the token of {sa}, which is bound by {}",
                    facts.input_bindings.join(", ")
                ),
                permissions: vec!["token-with-rbac"],
                ..base.clone()
            });
        }
        if reaches_admin {
            let exposure = blast::exposure(c, w);
            if !exposure.is_empty() {
                let via: Vec<String> = exposure
                    .iter()
                    .map(|e| format!("{} {} ({})", e.kind, e.name, e.exposure_type))
                    .collect();
                ctx.out.push(RiskFinding {
                    meta: &ck::EXPOSED_ADMIN,
                    severity: ck::EXPOSED_ADMIN.severity,
                    message: format!(
                        "{label} is exposed by {} and its token ({sa}) reaches cluster-admin: {}",
                        via.join(", "),
                        escalate::render_path(&facts.admin_path)
                    ),
                    permissions: vec!["exposed-cluster-admin"],
                    path: facts.admin_path.clone(),
                    ..base
                });
            }
        }
    }
}

fn sa_checks(ctx: &mut Ctx<'_, '_>) {
    const IAM: &[&str] = &[
        "eks.amazonaws.com/role-arn",
        "iam.gke.io/gcp-service-account",
        "azure.workload.identity/client-id",
    ];
    for sa in &ctx.c.service_accounts {
        for (k, v) in &sa.annotations {
            if IAM.contains(k) {
                ctx.out.push(RiskFinding {
                    meta: &ck::CLOUD_IAM,
                    severity: ck::CLOUD_IAM.severity,
                    message: format!(
                        "ServiceAccount {}/{} is linked to cloud identity {v} ({k})",
                        sa.namespace, sa.name
                    ),
                    subject: Some(Subject::service_account(sa.namespace, sa.name)),
                    binding: None,
                    role: None,
                    workload: None,
                    permissions: vec!["cloud-iam"],
                    latent: false,
                    path: Vec::new(),
                    src: sa.src,
                    field: format!("metadata.annotations[\"{k}\"]"),
                });
            }
        }
    }
}
