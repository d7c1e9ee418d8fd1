//! `PodDisruptionBudget` coverage: a cross-object check over the whole scanned set.

use std::sync::Arc;

use moat_core::{CheckMeta, Finding, Location, ResourceRef, Severity};
use moat_manifest::inventory::{Fact, InventoryCheck};
use moat_manifest::selector::{LabelSelector, labels_of};
use moat_manifest::{Node, PodSpecView, Pos, Resource};

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

enum PdbFact {
    Budget {
        namespace: Option<String>,
        selector: LabelSelector,
    },
    Workload {
        rref: ResourceRef,
        file: Arc<str>,
        pos: Pos,
        labels: Vec<(String, String)>,
        replicas: i64,
    },
}

impl InventoryCheck for PdbMissing {
    fn checks(&self) -> Vec<&'static CheckMeta> {
        vec![&META]
    }

    fn observe(&self, res: &Resource) -> Option<Fact> {
        if res.rref.kind == "PodDisruptionBudget" && res.group() == "policy" {
            let selector = res
                .node
                .get_path(&["spec", "selector"])
                .and_then(|s| LabelSelector::parse(s).ok())?;
            return Some(Box::new(PdbFact::Budget {
                namespace: res.rref.namespace.clone(),
                selector,
            }));
        }
        if !matches!(res.rref.kind.as_str(), "Deployment" | "StatefulSet") {
            return None;
        }
        let pod = PodSpecView::of(res)?;
        let replicas = res
            .node
            .get_path(&["spec", "replicas"])
            .and_then(Node::as_i64)
            .unwrap_or(1);
        if replicas < 2 {
            return None;
        }
        Some(Box::new(PdbFact::Workload {
            rref: res.rref.clone(),
            file: Arc::clone(&res.file),
            pos: res.pos_of("spec.replicas"),
            labels: labels_of(pod.template.get("metadata")),
            replicas,
        }))
    }

    fn conclude(&self, facts: Vec<Fact>) -> Vec<Finding> {
        let facts: Vec<PdbFact> = facts
            .into_iter()
            .filter_map(|f| f.downcast::<PdbFact>().ok().map(|b| *b))
            .collect();
        // Budgets by namespace, so each workload is matched only against its own.
        let mut budgets: std::collections::HashMap<Option<&str>, Vec<&LabelSelector>> =
            std::collections::HashMap::new();
        for f in &facts {
            if let PdbFact::Budget {
                namespace,
                selector,
            } = f
            {
                budgets
                    .entry(namespace.as_deref())
                    .or_default()
                    .push(selector);
            }
        }
        if budgets.is_empty() {
            return Vec::new();
        }
        let mut out = Vec::new();
        for f in &facts {
            let PdbFact::Workload {
                rref,
                file,
                pos,
                labels,
                replicas,
            } = f
            else {
                continue;
            };
            let covered = budgets.get(&rref.namespace.as_deref()).is_some_and(|sels| {
                sels.iter()
                    .any(|sel| !sel.requirements.is_empty() && sel.matches(labels))
            });
            if !covered {
                let mut finding = Finding::from_meta(
                    &META,
                    format!(
                        "{} runs {replicas} replicas but no PodDisruptionBudget selects its pods",
                        rref.kind
                    ),
                );
                finding.resource = rref.clone();
                finding.location = Location {
                    file: file.to_string(),
                    line: pos.line,
                    column: pos.col,
                    path: "spec.replicas".to_owned(),
                };
                out.push(finding);
            }
        }
        out
    }
}
