use moat_core::{CheckMeta, Severity};
use moat_manifest::{ContainerView, Node, PodSpecView};

use crate::util::container_sc;
use crate::{Check, Emit};

/// `procMount: Unmasked` without user namespaces.
pub struct ProcMountUnmasked;

static META: CheckMeta = CheckMeta {
    id: "MOAT-015",
    name: "proc-mount-unmasked",
    severity: Severity::High,
    title: "Container /proc is unmasked",
    rationale: "The runtime masks sensitive /proc paths (/proc/kcore, /proc/sysrq-trigger, …) and makes others read-only. `procMount: Unmasked` removes that protection; unless the pod runs in its own user namespace (`hostUsers: false`) the baseline Pod Security Standard forbids it.",
    remediation: "Remove `procMount` (or set `Default`). If an unmasked /proc is needed (nested containers), run the pod with `hostUsers: false`.",
    fix_example: "securityContext:\n  procMount: Default\n",
    references: &["https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"],
    frameworks: &["PSS:baseline", "NSA-CISA", "MITRE:T1611"],
};

impl Check for ProcMountUnmasked {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, out: &mut Emit<'_>) {
        if pod.get("hostUsers").and_then(Node::as_bool) == Some(false) {
            return;
        }
        if let Some((n, path)) = container_sc(c, "procMount")
            && n.as_str() == Some("Unmasked")
        {
            out.container(
                c,
                path,
                format!("container \"{}\" sets procMount: Unmasked", c.name()),
            );
        }
    }
}
