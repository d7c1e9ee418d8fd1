use moat_core::{CheckMeta, Severity};
use moat_manifest::node::push_index;
use moat_manifest::{Node, PodSpecView};

use crate::util::pod_sc_path;
use crate::{Check, Emit};

/// Namespaced sysctls the baseline Pod Security Standard considers safe (latest version).
pub const SAFE_SYSCTLS: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];

/// A sysctl outside the safe set.
pub struct UnsafeSysctl;

static META: CheckMeta = CheckMeta {
    id: "MOAT-016",
    name: "unsafe-sysctl",
    severity: Severity::High,
    title: "Pod sets an unsafe sysctl",
    rationale: "Sysctls outside the safe, namespaced set can affect every pod on the node or the node itself (kernel memory, networking stack), and some can be used to disable security features. The baseline Pod Security Standard forbids them.",
    remediation: "Remove the sysctl, or set it on dedicated nodes via the node configuration instead of the pod.",
    fix_example: "securityContext:\n  sysctls:\n  - name: net.ipv4.ip_local_port_range\n    value: \"32768 60999\"\n",
    references: &[
        "https://kubernetes.io/docs/tasks/administer-cluster/sysctl-cluster/",
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline",
    ],
    frameworks: &["PSS:baseline", "NSA-CISA"],
};

impl Check for UnsafeSysctl {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check_pod(&self, pod: &PodSpecView<'_>, out: &mut Emit<'_>) {
        let Some(list) = pod.security_context().and_then(|sc| sc.get("sysctls")) else {
            return;
        };
        for (i, s) in list.items().iter().enumerate() {
            let name = s.get("name").and_then(Node::as_str).unwrap_or("");
            if !SAFE_SYSCTLS.contains(&name) {
                let mut p = pod_sc_path(pod, "sysctls");
                push_index(&mut p, i);
                out.report(p, format!("pod sets unsafe sysctl {name}"));
            }
        }
    }
}
