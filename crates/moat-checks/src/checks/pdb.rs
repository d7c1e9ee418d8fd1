//! `PodDisruptionBudget` coverage, judged per workload against the scanned set's budgets
//! ([`crate::context::Context`]).

use moat_core::{CheckMeta, Severity};
use moat_manifest::selector::labels_of;
use moat_manifest::{Node, PodSpecView, Resource};

use crate::{Check, Emit, Scope};

/// Multi-replica workloads no PodDisruptionBudget selects (only judged when the scanned
/// set contains `PodDisruptionBudget`s at all).
pub struct PdbMissing;

static META: CheckMeta = CheckMeta {
    id: "MOAT-126",
    name: "pdb-missing",
    severity: Severity::Low,
    title: "Multi-replica workload without a PodDisruptionBudget",
    rationale: "Without a PodDisruptionBudget a node drain or cluster upgrade may evict every replica at once, turning routine maintenance into an outage. The check runs when the scanned manifests contain PodDisruptionBudgets, i.e. when the project manages them alongside its workloads.",
    remediation: "Add a PodDisruptionBudget whose selector matches the workload's pod labels, with `minAvailable` or `maxUnavailable` set.",
    fix_example: "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web}\nspec:\n  maxUnavailable: 1\n  selector:\n    matchLabels: {app: web}\n",
    references: &["https://kubernetes.io/docs/tasks/run-application/configure-pdb/"],
    frameworks: &["NSA-CISA"],
};

impl Check for PdbMissing {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn scope(&self) -> Scope {
        Scope::Workload
    }

    fn uses_context(&self) -> bool {
        true
    }

    fn check_object(&self, res: &Resource, out: &mut Emit<'_>) {
        if !matches!(res.rref.kind.as_str(), "Deployment" | "StatefulSet") {
            return;
        }
        let Some(selectors) = out.context.pdb_selectors(res.rref.namespace.as_deref()) else {
            return;
        };
        let Some(pod) = PodSpecView::of(res) else {
            return;
        };
        let replicas = res
            .node
            .get_path(&["spec", "replicas"])
            .and_then(Node::as_i64)
            .unwrap_or(1);
        if replicas < 2 {
            return;
        }
        let labels = labels_of(pod.template.get("metadata"));
        let covered = selectors
            .iter()
            .any(|sel| !sel.requirements.is_empty() && sel.matches(&labels));
        if !covered {
            out.report(
                "spec.replicas".to_owned(),
                format!(
                    "{} runs {replicas} replicas but no PodDisruptionBudget selects its pods",
                    res.rref.kind
                ),
            );
        }
    }
}
