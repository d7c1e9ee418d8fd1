use moat_core::{CheckMeta, Severity};
use moat_manifest::{ContainerView, PodSpecView};

use crate::{Check, Emit};

/// `securityContext.privileged: true`.
pub struct Privileged;

static META: CheckMeta = CheckMeta {
    id: "MOAT-001",
    name: "privileged-container",
    severity: Severity::Critical,
    title: "Container runs privileged",
    rationale: "A privileged container has every capability, sees all host devices and is not confined by seccomp, AppArmor or SELinux. A process in it is effectively root on the node: it can load kernel modules, mount the host filesystem and escape the container.",
    remediation: "Remove `privileged: true` (or set it to false). Grant only the specific capabilities the workload needs with `capabilities.add`.",
    fix_example: "containers:\n- name: app\n  securityContext:\n    privileged: false\n    allowPrivilegeEscalation: false\n    capabilities:\n      drop: [\"ALL\"]\n",
    references: &[
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline",
        "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/",
    ],
    frameworks: &["PSS:baseline", "CIS-5.2.2", "NSA-CISA", "MITRE:T1611"],
};

impl Check for Privileged {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check_container(&self, _pod: &PodSpecView<'_>, c: &ContainerView<'_>, out: &mut Emit<'_>) {
        let privileged = c
            .security_context()
            .and_then(|sc| sc.get("privileged"))
            .and_then(moat_manifest::Node::as_bool);
        if privileged == Some(true) {
            out.container(
                c,
                c.field_path("securityContext.privileged"),
                format!(
                    "container \"{}\" sets securityContext.privileged: true",
                    c.name()
                ),
            );
        }
    }
}
