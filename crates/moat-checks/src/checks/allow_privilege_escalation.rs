use moat_core::{CheckMeta, Severity};
use moat_manifest::{ContainerView, PodSpecView};

use crate::util::{container_sc, is_windows, sc_or_container};
use crate::{Check, Emit};

/// `allowPrivilegeEscalation` is not explicitly `false`.
pub struct AllowPrivilegeEscalation;

static META: CheckMeta = CheckMeta {
    id: "MOAT-003",
    name: "allow-privilege-escalation",
    severity: Severity::Medium,
    title: "Container allows privilege escalation",
    rationale: "Unless `allowPrivilegeEscalation: false` is set, a process can gain more privileges than its parent (setuid binaries, file capabilities) because `no_new_privs` is not set. It is the first step of most container breakouts that start as a non-root user. The field is not inherited from the pod.",
    remediation: "Set `securityContext.allowPrivilegeEscalation: false` on every container.",
    fix_example: "containers:\n- name: app\n  securityContext:\n    allowPrivilegeEscalation: false\n",
    references: &[
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted",
        "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/",
    ],
    frameworks: &["PSS:restricted", "CIS-5.2.6", "NSA-CISA", "MITRE:T1068"],
};

impl Check for AllowPrivilegeEscalation {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, out: &mut Emit<'_>) {
        if is_windows(pod) {
            return;
        }
        match container_sc(c, "allowPrivilegeEscalation") {
            Some((n, _)) if n.as_bool() == Some(false) => {}
            Some((_, path)) => out.container(
                c,
                path,
                format!(
                    "container \"{}\" sets allowPrivilegeEscalation to something other than false",
                    c.name()
                ),
            ),
            None => out.container(
                c,
                sc_or_container(c),
                format!(
                    "container \"{}\" does not set allowPrivilegeEscalation: false",
                    c.name()
                ),
            ),
        }
    }
}
