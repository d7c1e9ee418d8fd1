//! Workload blast radius: what a compromised pod's ServiceAccount token can do and
//! which identities it leads to.

use serde::Serialize;

use crate::escalate::{self, Graph, Node, PathStep};
use crate::model::{Cluster, Scope, Subject, Workload, WorkloadId};
use crate::perms::{self, PermissionRow};

/// How a workload is exposed to network traffic.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Exposure {
    /// `Service` or `Ingress`.
    pub kind: &'static str,
    /// `namespace/name`.
    pub name: String,
    /// Service type (`ClusterIP`, `NodePort`, `LoadBalancer`) or `Ingress`.
    #[serde(rename = "type")]
    pub exposure_type: String,
}

/// An identity reachable from the workload's token, with the shortest path.
#[derive(Clone, Debug, Serialize)]
pub struct Reached {
    /// The identity (or `cluster-admin` / `a node (host root)`).
    pub target: String,
    /// How.
    pub path: Vec<PathStep>,
}

/// The blast radius of one workload.
#[derive(Clone, Debug, Serialize)]
pub struct BlastRadius<'a> {
    /// `Kind namespace/name`.
    pub workload: String,
    /// Its ServiceAccount.
    pub service_account: Subject,
    /// Whether its pods mount the token.
    pub token_mounted: bool,
    /// The token's effective permissions (empty when not mounted).
    pub permissions: Vec<PermissionRow<'a>>,
    /// Whether the token is cluster-admin or can become it.
    pub cluster_admin: bool,
    /// Whether the token leads to root on a node.
    pub node_host: bool,
    /// Identities (and outcomes) reachable from the token.
    pub reaches: Vec<Reached>,
    /// Services and Ingresses that expose it.
    pub exposure: Vec<Exposure>,
    /// Index of the workload.
    #[serde(skip)]
    pub id: WorkloadId,
}

/// Services (and Ingresses routing to them) that select the workload's pods.
pub fn exposure(c: &Cluster<'_>, w: &Workload<'_>) -> Vec<Exposure> {
    let mut out = Vec::new();
    for s in c.services_in(w.namespace) {
        if s.selector.is_empty() {
            continue;
        }
        if s.selector.iter().all(|kv| w.labels.contains(kv)) {
            out.push(Exposure {
                kind: "Service",
                name: format!("{}/{}", s.namespace, s.name),
                exposure_type: s.service_type.to_owned(),
            });
            for i in &c.ingresses {
                if i.namespace == s.namespace && i.services.contains(&s.name) {
                    out.push(Exposure {
                        kind: "Ingress",
                        name: format!("{}/{}", i.namespace, i.name),
                        exposure_type: "Ingress".to_owned(),
                    });
                }
            }
        }
    }
    out.dedup();
    out
}

/// Computes the blast radius of a workload.
pub fn blast_radius<'a>(c: &Cluster<'a>, g: &Graph<'a>, id: WorkloadId) -> Option<BlastRadius<'a>> {
    let w = c.workloads.get(id)?;
    let sa = Subject::service_account(w.namespace, w.service_account);
    let mounted = c.token_mounted(w);
    let (permissions, reaches) = if mounted {
        let reach = g
            .reach(c, &sa)
            .into_iter()
            .map(|(node, path)| Reached {
                target: match &node {
                    Node::Identity(s) => s.to_string(),
                    Node::ClusterAdmin => "cluster-admin".to_owned(),
                    _ => "a node (host root)".to_owned(),
                },
                path,
            })
            .collect();
        (perms::permissions(c, &sa), reach)
    } else {
        (Vec::new(), Vec::new())
    };
    let cluster_admin = mounted && g.reaches_admin(&sa);
    let node_host = reaches
        .iter()
        .any(|r: &Reached| r.target == "a node (host root)");
    Some(BlastRadius {
        workload: format!("{} {}/{}", w.kind, w.namespace, w.name),
        service_account: sa,
        token_mounted: mounted,
        permissions,
        cluster_admin,
        node_host,
        reaches,
        exposure: exposure(c, w),
        id,
    })
}

/// Whether the identity directly holds `*` verbs on `*` resources cluster-wide (any
/// API groups): the "administrative role" of a workload token.
pub fn holds_full_control(c: &Cluster<'_>, who: &Subject) -> bool {
    perms::grants(c, who).iter().any(|g| {
        g.scope == Scope::Cluster
            && c.rules_for(g.role, "*", "")
                .any(|(_, rule)| rule.verbs.contains(&"*") && rule.resource_names.is_empty())
    })
}

/// The escalation steps leaving an identity's own node (without summary expansions).
pub fn direct_steps(g: &Graph<'_>, who: &Subject) -> Vec<escalate::StepKind> {
    g.identity(who)
        .and_then(|i| g.edges.get(i))
        .map(|es| es.iter().map(|e| e.step.kind).collect())
        .unwrap_or_default()
}
