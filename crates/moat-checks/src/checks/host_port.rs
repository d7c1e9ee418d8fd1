use moat_core::{CheckMeta, Severity};
use moat_manifest::node::push_index;
use moat_manifest::{ContainerView, Node, PodSpecView};

use crate::{Check, Emit};

/// A container port with a non-zero `hostPort`.
pub struct HostPort;

static META: CheckMeta = CheckMeta {
    id: "MOAT-055",
    name: "host-port",
    severity: Severity::Medium,
    title: "Container binds a host port",
    rationale: "`hostPort` opens the port on the node's own address, bypassing Services and often NetworkPolicies, limits scheduling to one such pod per node, and exposes the workload wherever the node is reachable.",
    remediation: "Remove `hostPort` and expose the workload with a Service (ClusterIP, or LoadBalancer with source ranges).",
    fix_example: "ports:\n- containerPort: 8080\n  protocol: TCP\n",
    references: &["https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"],
    frameworks: &["PSS:baseline", "CIS-5.2.13", "NSA-CISA"],
};

impl Check for HostPort {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check_container(&self, _pod: &PodSpecView<'_>, c: &ContainerView<'_>, out: &mut Emit<'_>) {
        let Some(ports) = c.get("ports") else { return };
        for (i, p) in ports.items().iter().enumerate() {
            if let Some(hp) = p.get("hostPort").and_then(Node::as_i64).filter(|v| *v != 0) {
                let mut path = c.field_path("ports");
                push_index(&mut path, i);
                path.push_str(".hostPort");
                out.container(
                    c,
                    path,
                    format!("container \"{}\" binds host port {hp}", c.name()),
                );
            }
        }
    }
}
