use moat_core::{CheckMeta, Severity};
use moat_manifest::node::{join, push_key};
use moat_manifest::{ContainerView, Node, PodSpecView, effective};

use crate::{Check, Emit};

/// AppArmor `Unconfined` (field or legacy annotation).
pub struct AppArmorUnconfined;

static META: CheckMeta = CheckMeta {
    id: "MOAT-013",
    name: "apparmor-unconfined",
    severity: Severity::High,
    title: "AppArmor explicitly disabled (Unconfined)",
    rationale: "On nodes with AppArmor the runtime confines every container with a default profile that blocks writes to /proc and /sys and mounts. `Unconfined` removes that layer; the baseline Pod Security Standard forbids it.",
    remediation: "Remove the override, or use `RuntimeDefault` / a `Localhost` profile.",
    fix_example: "securityContext:\n  appArmorProfile:\n    type: RuntimeDefault\n",
    references: &[
        "https://kubernetes.io/docs/tutorials/security/apparmor/",
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline",
    ],
    frameworks: &["PSS:baseline", "NSA-CISA", "MITRE:T1611"],
};

impl Check for AppArmorUnconfined {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, out: &mut Emit<'_>) {
        if let Some(e) = effective(pod, c, "appArmorProfile") {
            if e.node.get("type").and_then(Node::as_str) == Some("Unconfined") {
                out.container(
                    c,
                    format!("{}.type", e.path),
                    format!("container \"{}\" runs with AppArmor Unconfined", c.name()),
                );
            }
            return;
        }
        let key = format!(
            "container.apparmor.security.beta.kubernetes.io/{}",
            c.name()
        );
        if pod.annotation(&key).and_then(Node::as_str) == Some("unconfined") {
            let mut p = join(pod.template_path, "metadata");
            push_key(&mut p, "annotations");
            push_key(&mut p, &key);
            out.container(
                c,
                p,
                format!(
                    "container \"{}\" is annotated AppArmor unconfined",
                    c.name()
                ),
            );
        }
    }
}
