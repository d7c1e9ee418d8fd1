use moat_core::{CheckMeta, Severity};
use moat_manifest::Resource;

use crate::{Check, Emit, Scope};

/// (apiVersion, kinds or `*`, removed in 1.N, replacement apiVersion).
pub const REMOVED: &[(&str, &[&str], u32, &str)] = &[
    (
        "extensions/v1beta1",
        &[
            "Deployment",
            "DaemonSet",
            "ReplicaSet",
            "NetworkPolicy",
            "PodSecurityPolicy",
        ],
        16,
        "apps/v1 (networking.k8s.io/v1 for NetworkPolicy)",
    ),
    ("apps/v1beta1", &["*"], 16, "apps/v1"),
    ("apps/v1beta2", &["*"], 16, "apps/v1"),
    (
        "extensions/v1beta1",
        &["Ingress"],
        22,
        "networking.k8s.io/v1",
    ),
    (
        "networking.k8s.io/v1beta1",
        &["Ingress", "IngressClass"],
        22,
        "networking.k8s.io/v1",
    ),
    (
        "rbac.authorization.k8s.io/v1beta1",
        &["*"],
        22,
        "rbac.authorization.k8s.io/v1",
    ),
    (
        "rbac.authorization.k8s.io/v1alpha1",
        &["*"],
        22,
        "rbac.authorization.k8s.io/v1",
    ),
    (
        "apiextensions.k8s.io/v1beta1",
        &["*"],
        22,
        "apiextensions.k8s.io/v1",
    ),
    (
        "apiregistration.k8s.io/v1beta1",
        &["*"],
        22,
        "apiregistration.k8s.io/v1",
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        &["*"],
        22,
        "admissionregistration.k8s.io/v1",
    ),
    (
        "authentication.k8s.io/v1beta1",
        &["*"],
        22,
        "authentication.k8s.io/v1",
    ),
    (
        "authorization.k8s.io/v1beta1",
        &["*"],
        22,
        "authorization.k8s.io/v1",
    ),
    (
        "certificates.k8s.io/v1beta1",
        &["*"],
        22,
        "certificates.k8s.io/v1",
    ),
    (
        "coordination.k8s.io/v1beta1",
        &["*"],
        22,
        "coordination.k8s.io/v1",
    ),
    (
        "scheduling.k8s.io/v1beta1",
        &["*"],
        22,
        "scheduling.k8s.io/v1",
    ),
    (
        "storage.k8s.io/v1beta1",
        &["CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"],
        22,
        "storage.k8s.io/v1",
    ),
    ("batch/v1beta1", &["CronJob"], 25, "batch/v1"),
    (
        "discovery.k8s.io/v1beta1",
        &["EndpointSlice"],
        25,
        "discovery.k8s.io/v1",
    ),
    ("events.k8s.io/v1beta1", &["Event"], 25, "events.k8s.io/v1"),
    (
        "autoscaling/v2beta1",
        &["HorizontalPodAutoscaler"],
        25,
        "autoscaling/v2",
    ),
    ("policy/v1beta1", &["PodDisruptionBudget"], 25, "policy/v1"),
    (
        "policy/v1beta1",
        &["PodSecurityPolicy"],
        25,
        "Pod Security Admission (no replacement API)",
    ),
    (
        "node.k8s.io/v1beta1",
        &["RuntimeClass"],
        25,
        "node.k8s.io/v1",
    ),
    (
        "autoscaling/v2beta2",
        &["HorizontalPodAutoscaler"],
        26,
        "autoscaling/v2",
    ),
    (
        "flowcontrol.apiserver.k8s.io/v1beta1",
        &["*"],
        26,
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    (
        "storage.k8s.io/v1beta1",
        &["CSIStorageCapacity"],
        27,
        "storage.k8s.io/v1",
    ),
    (
        "flowcontrol.apiserver.k8s.io/v1beta2",
        &["*"],
        29,
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    (
        "flowcontrol.apiserver.k8s.io/v1beta3",
        &["*"],
        32,
        "flowcontrol.apiserver.k8s.io/v1",
    ),
];

/// Where `(apiVersion, kind)` was removed: minor version and replacement.
pub fn removed_in(api_version: &str, kind: &str) -> Option<(u32, &'static str)> {
    REMOVED
        .iter()
        .find(|(v, kinds, _, _)| {
            *v == api_version && (kinds.contains(&"*") || kinds.contains(&kind))
        })
        .map(|(_, _, minor, repl)| (*minor, *repl))
}

/// API version removed in (or before) the target Kubernetes version.
pub struct DeprecatedApi;

static META: CheckMeta = CheckMeta {
    id: "MOAT-192",
    name: "removed-api-version",
    severity: Severity::Medium,
    title: "API version removed from Kubernetes",
    rationale: "Manifests using a removed apiVersion fail to apply on the target cluster (or, applied through old tooling, silently miss fields and defaults of the current API such as securityContext fields). The target version is `--k8s-version` or `k8s-version` in `.moat.yaml`; without one every removed API is reported.",
    remediation: "Migrate the manifest to the replacement apiVersion (`kubectl convert` helps) and review the fields that changed.",
    fix_example: "apiVersion: apps/v1\nkind: Deployment\nspec:\n  selector:\n    matchLabels: {app: web}\n",
    references: &["https://kubernetes.io/docs/reference/using-api/deprecation-guide/"],
    frameworks: &["NSA-CISA"],
};

impl Check for DeprecatedApi {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn scope(&self) -> Scope {
        Scope::Any
    }

    fn check_object(&self, res: &Resource, out: &mut Emit<'_>) {
        let Some((minor, replacement)) = removed_in(&res.rref.api_version, &res.rref.kind) else {
            return;
        };
        if let Some((major, target)) = out.settings.k8s_version
            && major == 1
            && target < minor
        {
            return;
        }
        out.report(
            "apiVersion".to_owned(),
            format!(
                "{} {} was removed in Kubernetes 1.{minor}; use {replacement}",
                res.rref.api_version, res.rref.kind
            ),
        );
    }
}
