//! Host namespaces and process sharing: hostNetwork, hostPID, hostIPC,
//! shareProcessNamespace.

use moat_core::{CheckMeta, Severity};
use moat_manifest::{Node, PodSpecView};

use crate::{Check, Emit};

/// A pod-spec boolean that must not be `true`.
pub struct PodFlag {
    meta: &'static CheckMeta,
    field: &'static str,
}

impl Check for PodFlag {
    fn meta(&self) -> &'static CheckMeta {
        self.meta
    }

    fn check_pod(&self, pod: &PodSpecView<'_>, out: &mut Emit<'_>) {
        if pod.get(self.field).and_then(Node::as_bool) == Some(true) {
            out.report(
                pod.path(self.field),
                format!("pod sets {}: true", self.field),
            );
        }
    }
}

/// `hostNetwork: true`.
pub static HOST_NETWORK: PodFlag = PodFlag {
    field: "hostNetwork",
    meta: &CheckMeta {
        id: "MOAT-052",
        name: "host-network",
        severity: Severity::High,
        title: "Pod uses the host network namespace",
        rationale: "With `hostNetwork: true` the pod sees every interface of the node, can bind node ports, sniff traffic of other pods and reach services listening on localhost (kubelet, etcd on control-plane nodes). NetworkPolicies do not apply to it.",
        remediation: "Remove `hostNetwork: true`; expose the workload through a Service instead.",
        fix_example: "spec:\n  hostNetwork: false\n",
        references: &[
            "https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline",
        ],
        frameworks: &["PSS:baseline", "CIS-5.2.5", "NSA-CISA", "MITRE:T1611"],
    },
};

/// `hostPID: true`.
pub static HOST_PID: PodFlag = PodFlag {
    field: "hostPID",
    meta: &CheckMeta {
        id: "MOAT-053",
        name: "host-pid",
        severity: Severity::High,
        title: "Pod uses the host PID namespace",
        rationale: "With `hostPID: true` the pod sees every process on the node, can read their environment (secrets) and, with ptrace or as root, inject code into them or `nsenter` the host.",
        remediation: "Remove `hostPID: true`.",
        fix_example: "spec:\n  hostPID: false\n",
        references: &[
            "https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline",
        ],
        frameworks: &["PSS:baseline", "CIS-5.2.3", "NSA-CISA", "MITRE:T1611"],
    },
};

/// `hostIPC: true`.
pub static HOST_IPC: PodFlag = PodFlag {
    field: "hostIPC",
    meta: &CheckMeta {
        id: "MOAT-054",
        name: "host-ipc",
        severity: Severity::High,
        title: "Pod uses the host IPC namespace",
        rationale: "With `hostIPC: true` the pod shares System V IPC and POSIX shared memory with every process on the node and can read or tamper with their shared memory segments.",
        remediation: "Remove `hostIPC: true`.",
        fix_example: "spec:\n  hostIPC: false\n",
        references: &[
            "https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline",
        ],
        frameworks: &["PSS:baseline", "CIS-5.2.4", "NSA-CISA", "MITRE:T1611"],
    },
};

/// `shareProcessNamespace: true`.
pub static SHARE_PROCESS_NAMESPACE: PodFlag = PodFlag {
    field: "shareProcessNamespace",
    meta: &CheckMeta {
        id: "MOAT-056",
        name: "share-process-namespace",
        severity: Severity::Low,
        title: "Containers of the pod share one process namespace",
        rationale: "With `shareProcessNamespace: true` every container sees the others' processes and their /proc entries, including environment variables and open files: a compromised sidecar can read the main container's secrets.",
        remediation: "Remove `shareProcessNamespace: true` unless a debugging or sidecar design needs it.",
        fix_example: "spec:\n  shareProcessNamespace: false\n",
        references: &[
            "https://kubernetes.io/docs/tasks/configure-pod-container/share-process-namespace/",
        ],
        frameworks: &["NSA-CISA"],
    },
};
