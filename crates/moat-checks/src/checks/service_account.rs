//! Service-account token mounting and the default service account.

use moat_core::{CheckMeta, Severity};
use moat_manifest::{Node, PodSpecView};

use crate::checks::control_plane::is_control_plane_static_pod;
use crate::{Check, Emit};

/// `automountServiceAccountToken` not `false` on the pod.
pub struct AutomountToken;

static AUTOMOUNT_META: CheckMeta = CheckMeta {
    id: "MOAT-150",
    name: "automount-service-account-token",
    severity: Severity::Low,
    title: "Service-account token is mounted automatically",
    rationale: "Unless disabled, every container gets a token for the pod's service account at /var/run/secrets/kubernetes.io/serviceaccount. Most applications never call the API server; for them the token only serves an attacker who gets code execution.",
    remediation: "Set `automountServiceAccountToken: false` on the pod (or on its ServiceAccount) unless the application talks to the Kubernetes API; mount a projected token explicitly where needed.",
    fix_example: "spec:\n  automountServiceAccountToken: false\n",
    references: &[
        "https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting",
    ],
    frameworks: &["CIS-5.1.6", "NSA-CISA", "MITRE:T1528"],
};

impl Check for AutomountToken {
    fn meta(&self) -> &'static CheckMeta {
        &AUTOMOUNT_META
    }

    fn check_pod(&self, pod: &PodSpecView<'_>, out: &mut Emit<'_>) {
        // Static pods get no service-account token.
        if is_control_plane_static_pod(pod) {
            return;
        }
        match pod.get("automountServiceAccountToken") {
            Some(n) if n.as_bool() == Some(false) => {}
            Some(_) => out.report(
                pod.path("automountServiceAccountToken"),
                "pod sets automountServiceAccountToken to something other than false".to_owned(),
            ),
            None => out.report(
                pod.spec_path(),
                "pod does not set automountServiceAccountToken: false".to_owned(),
            ),
        }
    }
}

/// The pod runs as the namespace's `default` service account.
pub struct DefaultServiceAccount;

static DEFAULT_META: CheckMeta = CheckMeta {
    id: "MOAT-151",
    name: "default-service-account",
    severity: Severity::Low,
    title: "Pod uses the default service account",
    rationale: "Every pod in a namespace that does not name a service account shares `default`. Permissions granted to it for one workload silently apply to all; a dedicated service account per workload keeps RBAC least-privilege and auditable.",
    remediation: "Create a ServiceAccount per workload and set `serviceAccountName`.",
    fix_example: "spec:\n  serviceAccountName: checkout\n",
    references: &["https://kubernetes.io/docs/concepts/security/service-accounts/"],
    frameworks: &["CIS-5.1.5", "NSA-CISA"],
};

impl Check for DefaultServiceAccount {
    fn meta(&self) -> &'static CheckMeta {
        &DEFAULT_META
    }

    fn check_pod(&self, pod: &PodSpecView<'_>, out: &mut Emit<'_>) {
        // A static pod has no service account at all. A pod that does not mount the
        // token cannot act with the account's permissions.
        if is_control_plane_static_pod(pod)
            || pod
                .get("automountServiceAccountToken")
                .and_then(Node::as_bool)
                == Some(false)
        {
            return;
        }
        for field in ["serviceAccountName", "serviceAccount"] {
            if let Some(n) = pod
                .get(field)
                .and_then(Node::as_str)
                .filter(|s| !s.is_empty())
            {
                if n == "default" {
                    out.report(pod.path(field), format!("pod sets {field}: default"));
                }
                return;
            }
        }
        out.report(
            pod.spec_path(),
            "pod does not set serviceAccountName and runs as \"default\"".to_owned(),
        );
    }
}
