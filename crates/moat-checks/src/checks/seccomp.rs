//! Seccomp: no profile in effect, or `Unconfined`.

use moat_core::{CheckMeta, Severity};
use moat_manifest::node::{join, push_key};
use moat_manifest::{ContainerView, Node, PodSpecView, effective};

use crate::util::{is_windows, sc_or_container};
use crate::{Check, Emit};

/// The effective seccomp profile type and the path that decided it: the
/// `seccompProfile.type` field (container, else pod), else the legacy annotations.
fn profile(pod: &PodSpecView<'_>, c: &ContainerView<'_>) -> Option<(String, String)> {
    if let Some(e) = effective(pod, c, "seccompProfile") {
        let t = e
            .node
            .get("type")
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_owned();
        return Some((t, format!("{}.type", e.path)));
    }
    let ann = |key: &str| {
        pod.annotation(key).and_then(Node::as_str).map(|v| {
            let mut p = join(pod.template_path, "metadata");
            push_key(&mut p, "annotations");
            push_key(&mut p, key);
            (v, p)
        })
    };
    let container_key = format!(
        "container.seccomp.security.alpha.kubernetes.io/{}",
        c.name()
    );
    let (v, p) = ann(&container_key).or_else(|| ann("seccomp.security.alpha.kubernetes.io/pod"))?;
    let t = match v {
        "runtime/default" | "docker/default" => "RuntimeDefault",
        "unconfined" => "Unconfined",
        s if s.starts_with("localhost/") => "Localhost",
        _ => "",
    };
    Some((t.to_owned(), p))
}

/// No seccomp profile in effect.
pub struct SeccompUnset;

static UNSET_META: CheckMeta = CheckMeta {
    id: "MOAT-011",
    name: "seccomp-unset",
    severity: Severity::Medium,
    title: "No seccomp profile",
    rationale: "Without a seccomp profile the container may call every system call the kernel offers, including rarely used ones with a history of privilege-escalation bugs. `RuntimeDefault` blocks them at no cost for almost every application; the restricted Pod Security Standard requires it.",
    remediation: "Set `seccompProfile.type: RuntimeDefault` in the pod securityContext (inherited by every container), or `Localhost` with a tailored profile.",
    fix_example: "spec:\n  securityContext:\n    seccompProfile:\n      type: RuntimeDefault\n",
    references: &[
        "https://kubernetes.io/docs/tutorials/security/seccomp/",
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted",
    ],
    frameworks: &["PSS:restricted", "CIS-5.7.2", "NSA-CISA", "MITRE:T1068"],
};

impl Check for SeccompUnset {
    fn meta(&self) -> &'static CheckMeta {
        &UNSET_META
    }

    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, out: &mut Emit<'_>) {
        if is_windows(pod) {
            return;
        }
        match profile(pod, c) {
            Some((t, _)) if !t.is_empty() => {}
            Some((_, path)) => out.container(c, path, format!("container \"{}\" has a seccomp profile without a valid type", c.name())),
            None => out.container(c, sc_or_container(c), format!("container \"{}\" has no seccomp profile (neither container nor pod sets seccompProfile)", c.name())),
        }
    }
}

/// Seccomp explicitly `Unconfined`.
pub struct SeccompUnconfined;

static UNCONFINED_META: CheckMeta = CheckMeta {
    id: "MOAT-012",
    name: "seccomp-unconfined",
    severity: Severity::High,
    title: "Seccomp explicitly disabled (Unconfined)",
    rationale: "`Unconfined` switches seccomp off even where the runtime would apply its default profile, exposing the full system-call surface of the kernel. The baseline Pod Security Standard forbids it.",
    remediation: "Use `RuntimeDefault`, or a `Localhost` profile that allows what the workload needs.",
    fix_example: "securityContext:\n  seccompProfile:\n    type: RuntimeDefault\n",
    references: &["https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"],
    frameworks: &["PSS:baseline", "CIS-5.7.2", "NSA-CISA", "MITRE:T1068"],
};

impl Check for SeccompUnconfined {
    fn meta(&self) -> &'static CheckMeta {
        &UNCONFINED_META
    }

    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, out: &mut Emit<'_>) {
        if let Some((t, path)) = profile(pod, c)
            && t == "Unconfined"
        {
            out.container(
                c,
                path,
                format!("container \"{}\" runs with seccomp Unconfined", c.name()),
            );
        }
    }
}
