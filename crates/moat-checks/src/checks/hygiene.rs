//! Namespaces and hygiene: the default namespace, Pod Security labels, recommended labels.

use moat_core::{CheckMeta, Severity};
use moat_manifest::{Node, PodSpecView, Resource};

use crate::{Check, Emit, Scope};

/// Objects placed in the `default` namespace.
pub struct DefaultNamespace;

static DEFAULT_META: CheckMeta = CheckMeta {
    id: "MOAT-190",
    name: "default-namespace",
    severity: Severity::Low,
    title: "Resource in the default namespace",
    rationale: "The `default` namespace is where everything lands by accident; it usually has no NetworkPolicies, quotas or Pod Security labels, and RBAC granted there is shared by unrelated workloads. Namespaces are the administrative boundary CIS recommends.",
    remediation: "Create a namespace per application or team, with Pod Security labels, quotas and NetworkPolicies, and deploy there.",
    fix_example: "metadata:\n  name: checkout\n  namespace: shop\n",
    references: &["https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/"],
    frameworks: &["CIS-5.7.1", "CIS-5.7.4", "NSA-CISA"],
};

impl Check for DefaultNamespace {
    fn meta(&self) -> &'static CheckMeta {
        &DEFAULT_META
    }

    fn scope(&self) -> Scope {
        Scope::Any
    }

    fn check_object(&self, res: &Resource, out: &mut Emit<'_>) {
        if res.rref.namespace.as_deref() == Some("default")
            && crate::util::is_builtin_group(res.group())
        {
            out.report(
                "metadata.namespace".to_owned(),
                format!("{} is in the default namespace", res.rref.kind),
            );
        }
    }
}

/// Namespace without a Pod Security `enforce` label.
pub struct NamespacePss;

static PSS_META: CheckMeta = CheckMeta {
    id: "MOAT-191",
    name: "namespace-pss-labels",
    severity: Severity::Medium,
    title: "Namespace without Pod Security enforcement",
    rationale: "Pod Security Admission only enforces a level on namespaces labelled `pod-security.kubernetes.io/enforce`. Without it, any pod — privileged, host namespaces, host paths — is admitted unless another admission controller stops it.",
    remediation: "Label the namespace with the level its workloads need (restricted where possible), pinned to a version.",
    fix_example: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    pod-security.kubernetes.io/enforce: restricted\n    pod-security.kubernetes.io/enforce-version: v1.30\n",
    references: &["https://kubernetes.io/docs/concepts/security/pod-security-admission/"],
    frameworks: &["CIS-5.2.1", "NSA-CISA"],
};

impl Check for NamespacePss {
    fn meta(&self) -> &'static CheckMeta {
        &PSS_META
    }

    fn scope(&self) -> Scope {
        Scope::Any
    }

    fn check_object(&self, res: &Resource, out: &mut Emit<'_>) {
        if res.rref.kind != "Namespace" || !res.group().is_empty() {
            return;
        }
        let enforce =
            res.node
                .get_path(&["metadata", "labels", "pod-security.kubernetes.io/enforce"]);
        if enforce.is_none() {
            out.report(
                "metadata.labels".to_owned(),
                format!(
                    "Namespace {} has no pod-security.kubernetes.io/enforce label",
                    res.rref.name.as_deref().unwrap_or("")
                ),
            );
        }
    }
}

/// Workload without the configured recommended labels.
pub struct RecommendedLabels;

static LABELS_META: CheckMeta = CheckMeta {
    id: "MOAT-193",
    name: "recommended-labels-missing",
    severity: Severity::Info,
    title: "Workload lacks recommended labels",
    rationale: "Labels such as `app.kubernetes.io/name` and `app.kubernetes.io/version` let people and tools (NetworkPolicies, cost and vulnerability reports, incident response) tell what a workload is and which version runs. The list is configurable (`required-labels` in `.moat.yaml`).",
    remediation: "Add the recommended labels to the workload's metadata.",
    fix_example: "metadata:\n  labels:\n    app.kubernetes.io/name: checkout\n    app.kubernetes.io/version: \"2.7.1\"\n",
    references: &[
        "https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/",
    ],
    frameworks: &[],
};

impl Check for RecommendedLabels {
    fn meta(&self) -> &'static CheckMeta {
        &LABELS_META
    }

    fn check_pod(&self, pod: &PodSpecView<'_>, out: &mut Emit<'_>) {
        let labels = pod.resource.node.get_path(&["metadata", "labels"]);
        let missing: Vec<&str> = out
            .settings
            .required_labels
            .iter()
            .map(String::as_str)
            .filter(|l| labels.and_then(|ls| ls.get(l)).is_none_or(Node::is_null))
            .collect();
        if !missing.is_empty() {
            let path = if labels.is_some() {
                "metadata.labels"
            } else {
                "metadata"
            };
            out.report(
                path.to_owned(),
                format!("missing label(s): {}", missing.join(", ")),
            );
        }
    }
}
