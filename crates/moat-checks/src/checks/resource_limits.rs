use moat_core::{CheckMeta, Severity};
use moat_manifest::{ContainerKind, ContainerView, PodSpecView};

use crate::{Check, Emit};

/// Container without CPU and/or memory limits.
pub struct ResourceLimits;

static META: CheckMeta = CheckMeta {
    id: "MOAT-120",
    name: "resource-limits-missing",
    severity: Severity::Medium,
    title: "Container has no CPU or memory limit",
    rationale: "Without limits one container can take all CPU or memory of its node: a bug, a leak or an attacker running a cryptominer starves every other pod there (denial of service), and memory pressure makes the kubelet evict unrelated workloads.",
    remediation: "Set `resources.limits.cpu` and `resources.limits.memory` (and matching requests) on every container, or enforce defaults with a LimitRange in the namespace.",
    fix_example: "containers:\n- name: app\n  resources:\n    requests: {cpu: 100m, memory: 128Mi}\n    limits: {cpu: 500m, memory: 256Mi}\n",
    references: &[
        "https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/",
        "https://kubernetes.io/docs/concepts/policy/limit-range/",
    ],
    frameworks: &["NSA-CISA", "MITRE:T1496"],
};

impl Check for ResourceLimits {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check_container(&self, _pod: &PodSpecView<'_>, c: &ContainerView<'_>, out: &mut Emit<'_>) {
        // Ephemeral containers may not set resources at all.
        if c.kind == ContainerKind::Ephemeral {
            return;
        }
        let limits = c.get("resources").and_then(|r| r.get("limits"));
        let has = |k: &str| limits.and_then(|l| l.get(k)).is_some_and(|v| !v.is_null());
        let missing = match (has("cpu"), has("memory")) {
            (true, true) => return,
            (false, false) => "CPU or memory limit",
            (false, true) => "CPU limit",
            (true, false) => "memory limit",
        };
        let path = if limits.is_some() {
            c.field_path("resources.limits")
        } else {
            c.field_path("resources")
        };
        out.container(
            c,
            path,
            format!("container \"{}\" has no {missing}", c.name()),
        );
    }
}
