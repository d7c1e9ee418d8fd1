use moat_core::{CheckMeta, Severity};
use moat_manifest::{ContainerView, Level, PodSpecView, effective};

use crate::{Check, Emit};

/// Effective `runAsNonRoot` is not `true` (container value, else the pod's).
pub struct RunAsNonRoot;

static META: CheckMeta = CheckMeta {
    id: "MOAT-002",
    name: "run-as-non-root",
    severity: Severity::Medium,
    title: "Container may run as root",
    rationale: "Unless `runAsNonRoot: true` is in effect, the kubelet starts the container as whatever user the image names, often root (UID 0). Root in a container is one kernel bug or one misconfigured mount away from root on the node. A pod-level `runAsNonRoot: true` covers every container that does not override it with `false`.",
    remediation: "Set `runAsNonRoot: true` in the pod's securityContext (it is inherited by every container) and build the image with a non-root `USER`; set `runAsUser` to a high UID if the image does not.",
    fix_example: "spec:\n  securityContext:\n    runAsNonRoot: true\n    runAsUser: 10001\n  containers:\n  - name: app\n    image: registry.example/app:1.4.2\n",
    references: &[
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted",
        "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/#set-the-security-context-for-a-pod",
    ],
    frameworks: &["PSS:restricted", "CIS-5.2.7", "NSA-CISA", "MITRE:T1611"],
};

impl Check for RunAsNonRoot {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, out: &mut Emit<'_>) {
        if crate::util::is_windows(pod) {
            return;
        }
        let name = c.name();
        match effective(pod, c, "runAsNonRoot") {
            Some(e) if e.node.as_bool() == Some(true) => {}
            Some(e) => {
                let msg = match e.level {
                    Level::Container => format!("container \"{name}\" sets securityContext.runAsNonRoot to something other than true"),
                    Level::Pod => format!(
                        "pod securityContext.runAsNonRoot is not true and container \"{name}\" does not override it"
                    ),
                };
                out.container(c, e.path, msg);
            }
            None => out.container(
                c,
                c.path(),
                format!("container \"{name}\" does not set runAsNonRoot: true, and neither does the pod securityContext"),
            ),
        }
    }
}
