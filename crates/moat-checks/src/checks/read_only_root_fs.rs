use moat_core::{CheckMeta, Severity};
use moat_manifest::{ContainerView, PodSpecView};

use crate::util::{container_sc, is_windows, sc_or_container};
use crate::{Check, Emit};

/// `readOnlyRootFilesystem` is not `true`.
pub struct ReadOnlyRootFs;

static META: CheckMeta = CheckMeta {
    id: "MOAT-007",
    name: "read-only-root-filesystem",
    severity: Severity::Low,
    title: "Container root filesystem is writable",
    rationale: "A writable root filesystem lets an attacker drop tools and binaries, modify the application or persist across process restarts. An immutable root filesystem with explicit writable volumes (emptyDir for /tmp) makes tampering much harder.",
    remediation: "Set `readOnlyRootFilesystem: true` and mount an `emptyDir` where the application must write.",
    fix_example: "containers:\n- name: app\n  securityContext:\n    readOnlyRootFilesystem: true\n  volumeMounts:\n  - {name: tmp, mountPath: /tmp}\nvolumes:\n- {name: tmp, emptyDir: {}}\n",
    references: &["https://kubernetes.io/docs/tasks/configure-pod-container/security-context/"],
    frameworks: &["NSA-CISA", "MITRE:T1105"],
};

impl Check for ReadOnlyRootFs {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, out: &mut Emit<'_>) {
        // The API server rejects readOnlyRootFilesystem on Windows pods: nothing to fix there.
        if is_windows(pod) {
            return;
        }
        match container_sc(c, "readOnlyRootFilesystem") {
            Some((n, _)) if n.as_bool() == Some(true) => {}
            Some((_, path)) => out.container(
                c,
                path,
                format!(
                    "container \"{}\" sets readOnlyRootFilesystem to something other than true",
                    c.name()
                ),
            ),
            None => out.container(
                c,
                sc_or_container(c),
                format!(
                    "container \"{}\" does not set readOnlyRootFilesystem: true",
                    c.name()
                ),
            ),
        }
    }
}
