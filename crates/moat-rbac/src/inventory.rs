//! The RBAC risk findings ([`crate::risks`]) as a cross-object check of `moat scan`.
//!
//! The analysis needs the whole set (a binding in one file grants a role from another to
//! a ServiceAccount a workload in a third file runs as), so while files are checked in
//! parallel [`RbacRisks`] keeps, of every object the model reads, a copy pruned to the
//! fields the model reads (a role's rules, a binding's subjects and roleRef, a
//! workload's ServiceAccount, pod labels and container names, …) with their positions;
//! everything else (annotations, container specs, Secret data, …) is dropped. At the
//! end it builds the model from these copies in input order and emits exactly what
//! [`crate::findings`] reports for the whole resources.

use std::sync::Arc;

use moat_core::{CheckMeta, Finding};
use moat_manifest::inventory::{Fact, InventoryCheck};
use moat_manifest::{Node, PodSpecView, Resource};

use crate::model::RBAC_GROUP;
use crate::{CHECKS, Options};

/// RBAC risks (MOAT-200..229) over a whole scan.
pub struct RbacRisks;

/// The RBAC risk check for `moat scan`.
pub static RISKS: RbacRisks = RbacRisks;

/// One object of the model, pruned.
struct Kept(Resource);

const ROLE: &[&str] = &[
    "metadata.name",
    "metadata.namespace",
    "metadata.labels",
    "rules",
    "aggregationRule",
];
const BINDING: &[&str] = &[
    "metadata.name",
    "metadata.namespace",
    "metadata.labels",
    "roleRef",
    "subjects",
];
const SERVICE_ACCOUNT: &[&str] = &[
    "metadata.name",
    "metadata.namespace",
    "metadata.annotations",
    "automountServiceAccountToken",
];
const NAMESPACE: &[&str] = &["metadata.name", "metadata.labels"];
const TOKEN_SECRET: &[&str] = &[
    "metadata.name",
    "metadata.namespace",
    "metadata.annotations",
    "type",
];
/// Other Secrets only tell the model that a namespace holds secrets.
const SECRET: &[&str] = &["metadata.namespace", "type"];
const SERVICE: &[&str] = &[
    "metadata.name",
    "metadata.namespace",
    "spec.type",
    "spec.selector",
];
const INGRESS: &[&str] = &[
    "metadata.name",
    "metadata.namespace",
    "spec.defaultBackend",
    "spec.backend",
    "spec.rules",
];

/// What the model reads of a workload, under its pod template (`T`) and pod spec (`S`).
fn workload_fields(template_path: &str) -> Vec<String> {
    let (t, s) = if template_path.is_empty() {
        (String::new(), "spec.".to_owned())
    } else {
        (
            format!("{template_path}."),
            format!("{template_path}.spec."),
        )
    };
    let mut v = vec![
        "metadata.name".to_owned(),
        "metadata.namespace".to_owned(),
        "metadata.ownerReferences".to_owned(),
        format!("{t}metadata.labels"),
    ];
    for f in [
        "serviceAccountName",
        "serviceAccount",
        "automountServiceAccountToken",
        "containers[].name",
        "initContainers[].name",
        "ephemeralContainers[].name",
    ] {
        v.push(format!("{s}{f}"));
    }
    v
}

/// The pruned copy of an object the model reads; `None` for other objects.
fn keep(res: &Resource) -> Option<Resource> {
    let core = res.group().is_empty();
    let fields: Vec<String>;
    let keep: &[&str] = match res.rref.kind.as_str() {
        "Role" | "ClusterRole" if res.group() == RBAC_GROUP => ROLE,
        "RoleBinding" | "ClusterRoleBinding" if res.group() == RBAC_GROUP => BINDING,
        "ServiceAccount" if core => SERVICE_ACCOUNT,
        "Namespace" if core => NAMESPACE,
        "Secret" if core => {
            if res.node.get("type").and_then(Node::as_str)
                == Some("kubernetes.io/service-account-token")
            {
                TOKEN_SECRET
            } else {
                SECRET
            }
        }
        "Service" if core => SERVICE,
        "Ingress" => INGRESS,
        _ => {
            let pod = PodSpecView::of(res)?;
            fields = workload_fields(pod.template_path);
            let refs: Vec<&str> = fields.iter().map(String::as_str).collect();
            return Some(prune(res, &refs));
        }
    };
    Some(prune(res, keep))
}

fn prune(res: &Resource, keep: &[&str]) -> Resource {
    Resource {
        file: Arc::clone(&res.file),
        doc: res.doc,
        item: res.item,
        rref: res.rref.clone(),
        node: res.node.pruned(keep),
    }
}

impl InventoryCheck for RbacRisks {
    fn checks(&self) -> Vec<&'static CheckMeta> {
        CHECKS.to_vec()
    }

    fn observe(&self, res: &Resource) -> Option<Fact> {
        keep(res).map(|r| Box::new(Kept(r)) as Fact)
    }

    fn conclude(&self, facts: Vec<Fact>, emit: &mut dyn FnMut(Finding, u32)) {
        let resources: Vec<Resource> = facts
            .into_iter()
            .filter_map(|f| f.downcast::<Kept>().ok().map(|k| k.0))
            .collect();
        if resources.is_empty() {
            return;
        }
        let mut findings: Vec<(Finding, u32)> = {
            let analysis = crate::analyze(&resources, &Options::default());
            analysis
                .risks()
                .iter()
                .map(|r| (r.to_finding(), r.src.node.pos.line))
                .collect()
        };
        drop(resources);
        // A resource's findings together, resources in input order.
        findings.sort_by(|(a, _), (b, _)| {
            (
                &a.location.file,
                a.location.line,
                a.location.column,
                &a.check_id,
            )
                .cmp(&(
                    &b.location.file,
                    b.location.line,
                    b.location.column,
                    &b.check_id,
                ))
        });
        for (f, start) in findings {
            emit(f, start);
        }
    }
}
