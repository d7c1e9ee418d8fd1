use moat_core::{CheckMeta, Severity};
use moat_manifest::{ContainerView, Node, PodSpecView, effective};

use crate::{Check, Emit};

/// `windowsOptions.hostProcess: true`.
pub struct WindowsHostProcess;

static META: CheckMeta = CheckMeta {
    id: "MOAT-017",
    name: "windows-host-process",
    severity: Severity::Critical,
    title: "Windows HostProcess container",
    rationale: "A Windows HostProcess container runs directly on the host with the privileges of the node's user: it is the Windows equivalent of a privileged container with host networking.",
    remediation: "Do not use `hostProcess: true` outside dedicated, tightly controlled node-management workloads.",
    fix_example: "securityContext:\n  windowsOptions:\n    hostProcess: false\n",
    references: &[
        "https://kubernetes.io/docs/tasks/configure-pod-container/create-hostprocess-pod/",
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline",
    ],
    frameworks: &["PSS:baseline", "CIS-5.2.11", "NSA-CISA", "MITRE:T1611"],
};

impl Check for WindowsHostProcess {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, out: &mut Emit<'_>) {
        if let Some(e) = effective(pod, c, "windowsOptions")
            && e.node.get("hostProcess").and_then(Node::as_bool) == Some(true)
        {
            out.container(
                c,
                format!("{}.hostProcess", e.path),
                format!("container \"{}\" runs as a Windows HostProcess", c.name()),
            );
        }
    }
}
