//! Resources and health: requests, ephemeral storage, probes, replicas.

use moat_core::{CheckMeta, Severity};
use moat_manifest::{ContainerKind, ContainerView, Node, PodSpecView};

use crate::{Check, Emit};

fn has(c: &ContainerView<'_>, section: &str, key: &str) -> bool {
    c.get("resources")
        .and_then(|r| r.get(section))
        .and_then(|s| s.get(key))
        .is_some_and(|v| !v.is_null())
}

fn resources_path(c: &ContainerView<'_>, section: &str) -> String {
    match c.get("resources") {
        Some(r) if r.get(section).is_some() => c.field_path(&format!("resources.{section}")),
        Some(_) => c.field_path("resources"),
        None => c.path(),
    }
}

/// Whether the workload runs to completion (a `Job`, a `CronJob`, or a bare Pod with `restartPolicy`
/// other than Always): liveness/readiness probes make no sense there.
fn runs_to_completion(pod: &PodSpecView<'_>) -> bool {
    let kind = pod.resource.rref.kind.as_str();
    matches!(kind, "Job" | "CronJob")
        || (kind == "Pod"
            && pod
                .get("restartPolicy")
                .and_then(Node::as_str)
                .is_some_and(|p| p != "Always"))
}

/// Container without CPU and/or memory requests.
pub struct Requests;

static REQUESTS_META: CheckMeta = CheckMeta {
    id: "MOAT-121",
    name: "resource-requests-missing",
    severity: Severity::Low,
    title: "Container has no CPU or memory request",
    rationale: "Without requests the scheduler places the pod as if it needed nothing; under pressure it is the first to be evicted (BestEffort QoS) and can overcommit the node its neighbours depend on.",
    remediation: "Set `resources.requests.cpu` and `resources.requests.memory` to the workload's steady-state usage.",
    fix_example: "resources:\n  requests: {cpu: 100m, memory: 128Mi}\n  limits: {cpu: 500m, memory: 256Mi}\n",
    references: &["https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/"],
    frameworks: &["NSA-CISA", "MITRE:T1496"],
};

impl Check for Requests {
    fn meta(&self) -> &'static CheckMeta {
        &REQUESTS_META
    }

    fn check_container(&self, _pod: &PodSpecView<'_>, c: &ContainerView<'_>, out: &mut Emit<'_>) {
        if c.kind == ContainerKind::Ephemeral {
            return;
        }
        // A limit without a request defaults the request to the limit.
        let cpu = has(c, "requests", "cpu") || has(c, "limits", "cpu");
        let mem = has(c, "requests", "memory") || has(c, "limits", "memory");
        let missing = match (cpu, mem) {
            (true, true) => return,
            (false, false) => "CPU or memory request",
            (false, true) => "CPU request",
            (true, false) => "memory request",
        };
        out.container(
            c,
            resources_path(c, "requests"),
            format!("container \"{}\" has no {missing}", c.name()),
        );
    }
}

/// Container without an ephemeral-storage limit.
pub struct EphemeralStorage;

static STORAGE_META: CheckMeta = CheckMeta {
    id: "MOAT-122",
    name: "ephemeral-storage-limit-missing",
    severity: Severity::Low,
    title: "Container has no ephemeral-storage limit",
    rationale: "Logs, emptyDir volumes and the writable layer all consume the node's disk. Without a limit one container can fill it, and the kubelet then evicts every pod on the node.",
    remediation: "Set `resources.limits.ephemeral-storage` (and a `sizeLimit` on emptyDir volumes).",
    fix_example: "resources:\n  limits:\n    ephemeral-storage: 1Gi\n",
    references: &[
        "https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#local-ephemeral-storage",
    ],
    frameworks: &["NSA-CISA", "MITRE:T1496"],
};

impl Check for EphemeralStorage {
    fn meta(&self) -> &'static CheckMeta {
        &STORAGE_META
    }

    fn check_container(&self, _pod: &PodSpecView<'_>, c: &ContainerView<'_>, out: &mut Emit<'_>) {
        if c.kind != ContainerKind::Ephemeral && !has(c, "limits", "ephemeral-storage") {
            out.container(
                c,
                resources_path(c, "limits"),
                format!("container \"{}\" has no ephemeral-storage limit", c.name()),
            );
        }
    }
}

/// A probe missing on a long-running container.
pub struct Probe {
    meta: &'static CheckMeta,
    field: &'static str,
}

impl Check for Probe {
    fn meta(&self) -> &'static CheckMeta {
        self.meta
    }

    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, out: &mut Emit<'_>) {
        // Only regular containers of long-running workloads; sidecars (restartable init
        // containers) are judged like regular ones.
        let sidecar = c.kind == ContainerKind::Init
            && c.get("restartPolicy").and_then(Node::as_str) == Some("Always");
        if (c.kind != ContainerKind::Container && !sidecar) || runs_to_completion(pod) {
            return;
        }
        if c.get(self.field).is_none_or(Node::is_null) {
            out.container(
                c,
                c.path(),
                format!("container \"{}\" has no {}", c.name(), self.field),
            );
        }
    }
}

/// No `livenessProbe`.
pub static LIVENESS: Probe = Probe {
    field: "livenessProbe",
    meta: &CheckMeta {
        id: "MOAT-123",
        name: "liveness-probe-missing",
        severity: Severity::Low,
        title: "Container has no liveness probe",
        rationale: "Without a liveness probe a hung process (deadlock, exhausted pool) keeps its pod Running forever; the kubelet only restarts containers that exit.",
        remediation: "Add a cheap `livenessProbe` (HTTP, TCP or exec) with a sensible `failureThreshold`.",
        fix_example: "livenessProbe:\n  httpGet: {path: /healthz, port: 8080}\n  periodSeconds: 10\n  failureThreshold: 3\n",
        references: &[
            "https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/",
        ],
        frameworks: &["NSA-CISA"],
    },
};

/// No `readinessProbe`.
pub static READINESS: Probe = Probe {
    field: "readinessProbe",
    meta: &CheckMeta {
        id: "MOAT-124",
        name: "readiness-probe-missing",
        severity: Severity::Low,
        title: "Container has no readiness probe",
        rationale: "Without a readiness probe a pod receives traffic as soon as its process starts, before it can serve, and keeps receiving it while overloaded: rollouts drop requests.",
        remediation: "Add a `readinessProbe` that reflects whether the process can serve.",
        fix_example: "readinessProbe:\n  httpGet: {path: /ready, port: 8080}\n  periodSeconds: 5\n",
        references: &[
            "https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/",
        ],
        frameworks: &["NSA-CISA"],
    },
};

/// Deployment with fewer than 2 replicas.
pub struct Replicas;

static REPLICAS_META: CheckMeta = CheckMeta {
    id: "MOAT-125",
    name: "single-replica",
    severity: Severity::Info,
    title: "Deployment runs a single replica",
    rationale: "One replica means every node drain, eviction or crash is an outage. An absent `replicas` defaults to 1. When a HorizontalPodAutoscaler in the scanned manifests scales the Deployment, its `minReplicas` is judged instead.",
    remediation: "Run at least 2 replicas, spread across nodes or zones, with a PodDisruptionBudget.",
    fix_example: "spec:\n  replicas: 3\n",
    references: &["https://kubernetes.io/docs/concepts/workloads/controllers/deployment/"],
    frameworks: &[],
};

impl Check for Replicas {
    fn meta(&self) -> &'static CheckMeta {
        &REPLICAS_META
    }

    fn uses_context(&self) -> bool {
        true
    }

    fn check_pod(&self, pod: &PodSpecView<'_>, out: &mut Emit<'_>) {
        if pod.resource.rref.kind != "Deployment" {
            return;
        }
        // A HorizontalPodAutoscaler in the set manages the count: judge its minimum.
        let rref = &pod.resource.rref;
        if let Some(min) = rref.name.as_deref().and_then(|name| {
            out.context
                .hpa_min_replicas(rref.namespace.as_deref(), "Deployment", name)
        }) {
            if min < 2 {
                out.report(
                    "spec.replicas".to_owned(),
                    format!("the HorizontalPodAutoscaler of this Deployment may scale it down to {min} replica"),
                );
            }
            return;
        }
        match pod.resource.node.get_path(&["spec", "replicas"]) {
            Some(n) => {
                if n.as_i64().is_some_and(|r| r < 2 && r > 0) {
                    out.report(
                        "spec.replicas".to_owned(),
                        format!("Deployment runs {} replica", n.as_i64().unwrap_or(1)),
                    );
                }
            }
            None => out.report(
                "spec.replicas".to_owned(),
                "Deployment does not set replicas (defaults to 1)".to_owned(),
            ),
        }
    }
}
