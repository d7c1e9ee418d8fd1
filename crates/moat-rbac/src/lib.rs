//! `moat-rbac` analyses Kubernetes RBAC the way the API server's authorizer applies it.
//!
//! From manifests or a `kubectl get … -o json` snapshot (loaded by `moat-manifest`) it
//! builds a [`Cluster`] model — Roles, `ClusterRoles` with [`aggregate`]d rules, bindings,
//! subjects with their implicit groups, `ServiceAccounts` and workloads — on top of the
//! Kubernetes bootstrap roles ([`builtin`], optional). On that model it answers:
//!
//! - **who can** perform a request, and through which binding → role → rule
//!   ([`perms::who_can`]);
//! - **what** an identity can do ([`perms::permissions`]);
//! - **how** an identity can become others, to a fixed point, and the shortest path to
//!   cluster-admin ([`escalate::Graph`]);
//! - **what a compromised pod could reach** ([`blast::blast_radius`]);
//! - **risks** as findings with IDs `MOAT-200`…`MOAT-229` ([`checks::CHECKS`],
//!   [`findings`]), also run by `moat scan` through [`inventory::RISKS`].
//!
//! The crate does no IO and never prints; all work is bounded by the input size.

#![deny(clippy::indexing_slicing)]

pub mod aggregate;
pub mod authz;
pub mod blast;
pub mod builtin;
pub mod checks;
pub mod escalate;
mod fnv;
pub mod graph;
pub mod inventory;
pub mod model;
pub mod perms;
pub mod risks;
pub mod selector;

use moat_core::Finding;
use moat_manifest::Resource;
use serde::Serialize;

pub use checks::{CHECKS, registry};
pub use model::{Cluster, Options, Scope, Subject, SubjectKind};
pub use risks::RiskFinding;

/// The model and its escalation graph.
#[derive(Debug)]
pub struct Analysis<'a> {
    /// The RBAC model.
    pub cluster: Cluster<'a>,
    /// The escalation graph.
    pub graph: escalate::Graph<'a>,
}

/// Builds the model and the escalation graph.
pub fn analyze<'a>(resources: &'a [Resource], opts: &Options) -> Analysis<'a> {
    let cluster = Cluster::build(resources, opts);
    let graph = escalate::Graph::build(&cluster);
    Analysis { cluster, graph }
}

impl<'a> Analysis<'a> {
    /// All risk findings with their structured data.
    pub fn risks(&self) -> Vec<RiskFinding<'a>> {
        risks::evaluate(&self.cluster, &self.graph)
    }

    /// Escalation reports for every subject of the input that can become another
    /// identity, reach a node or cluster-admin.
    pub fn escalations(&self) -> Vec<EscalationReport> {
        let c = &self.cluster;
        let mut out = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        let mut subjects: Vec<Subject> = Vec::new();
        for b in c.bindings.iter().filter(|b| !b.builtin) {
            subjects.extend(b.subjects.iter().map(|(_, s)| s.clone()));
        }
        subjects.extend(
            c.workloads
                .iter()
                .map(|w| Subject::service_account(w.namespace, w.service_account)),
        );
        for s in subjects {
            if s.is_system() || !seen.insert(s.clone()) {
                continue;
            }
            let reach = self.graph.reach(c, &s);
            if reach.is_empty() {
                continue;
            }
            let admin = self.graph.path_to_admin(c, &s);
            let mut can_become = Vec::new();
            let mut node_host = None;
            for (node, path) in reach {
                match node {
                    escalate::Node::Identity(t) => can_become.push(blast::Reached {
                        target: t.to_string(),
                        path,
                    }),
                    escalate::Node::NodeHost => node_host = Some(path),
                    _ => {}
                }
            }
            out.push(EscalationReport {
                subject: s,
                cluster_admin: (!admin.is_empty()).then_some(admin),
                node_host,
                can_become,
            });
        }
        out
    }
}

/// What one subject can escalate to.
#[derive(Clone, Debug, Serialize)]
pub struct EscalationReport {
    /// The subject.
    pub subject: Subject,
    /// Shortest path to cluster-admin, when there is one.
    pub cluster_admin: Option<Vec<escalate::PathStep>>,
    /// Path to root on a node, when there is one.
    pub node_host: Option<Vec<escalate::PathStep>>,
    /// Identities it can become, each with its shortest path.
    pub can_become: Vec<blast::Reached>,
}

/// The RBAC findings for a set of resources, ready for `moat scan`: file and line of
/// the binding subject, role rule or workload field concerned.
pub fn findings(resources: &[Resource], opts: &Options) -> Vec<Finding> {
    let a = analyze(resources, opts);
    a.risks().iter().map(RiskFinding::to_finding).collect()
}
