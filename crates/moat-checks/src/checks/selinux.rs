use moat_core::{CheckMeta, Severity};
use moat_manifest::{ContainerView, Node, PodSpecView, effective};

use crate::{Check, Emit};

/// SELinux types the baseline Pod Security Standard allows.
const ALLOWED_TYPES: &[&str] = &[
    "",
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

/// Custom SELinux type, user or role.
pub struct SeLinuxOptions;

static META: CheckMeta = CheckMeta {
    id: "MOAT-014",
    name: "selinux-custom-options",
    severity: Severity::Medium,
    title: "Custom SELinux type, user or role",
    rationale: "Setting an SELinux type other than the container types, or any SELinux user or role, can give the container the label of a privileged host domain (e.g. `spc_t`, which is unconfined). The baseline Pod Security Standard forbids it.",
    remediation: "Remove `seLinuxOptions.type`, `user` and `role`, or use one of container_t, container_init_t, container_kvm_t, container_engine_t.",
    fix_example: "securityContext:\n  seLinuxOptions:\n    level: \"s0:c123,c456\"\n",
    references: &["https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"],
    frameworks: &["PSS:baseline", "NSA-CISA", "MITRE:T1611"],
};

impl Check for SeLinuxOptions {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, out: &mut Emit<'_>) {
        let Some(e) = effective(pod, c, "seLinuxOptions") else {
            return;
        };
        if let Some(t) = e.node.get("type").and_then(Node::as_str)
            && !ALLOWED_TYPES.contains(&t)
        {
            out.container(
                c,
                format!("{}.type", e.path),
                format!("container \"{}\" uses SELinux type {t}", c.name()),
            );
        }
        for field in ["user", "role"] {
            if e.node
                .get(field)
                .and_then(Node::as_str)
                .is_some_and(|v| !v.is_empty())
            {
                out.container(
                    c,
                    format!("{}.{field}", e.path),
                    format!("container \"{}\" sets an SELinux {field}", c.name()),
                );
            }
        }
    }
}
