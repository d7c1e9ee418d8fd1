use moat_core::{CheckMeta, Severity};
use moat_manifest::node::{push_index, push_key};
use moat_manifest::{Node, PodSpecView};

use crate::{Check, Emit};

/// A `hostPath` volume.
pub struct HostPathVolume;

static META: CheckMeta = CheckMeta {
    id: "MOAT-050",
    name: "host-path-volume",
    severity: Severity::High,
    title: "Pod mounts a hostPath volume",
    rationale: "A hostPath volume exposes part of the node's filesystem to the pod. Writable mounts of paths such as `/`, `/etc`, `/var/lib/kubelet` or the container runtime socket give the pod control of the node; even read-only mounts leak credentials and other tenants' data.",
    remediation: "Use an `emptyDir`, a ConfigMap/Secret, or a PersistentVolumeClaim instead. If node access is truly required (agents, CNI), mount the narrowest path read-only and waive this finding with a reason.",
    fix_example: "volumes:\n- name: cache\n  emptyDir: {}\n",
    references: &[
        "https://kubernetes.io/docs/concepts/storage/volumes/#hostpath",
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline",
    ],
    frameworks: &["PSS:baseline", "CIS-5.2.12", "NSA-CISA", "MITRE:T1611"],
};

impl Check for HostPathVolume {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check_pod(&self, pod: &PodSpecView<'_>, out: &mut Emit<'_>) {
        let Some(volumes) = pod.get("volumes") else {
            return;
        };
        for (i, v) in volumes.items().iter().enumerate() {
            let Some(hp) = v.get("hostPath") else {
                continue;
            };
            let name = v.get("name").and_then(Node::as_str).unwrap_or("");
            let host = hp.get("path").and_then(Node::as_str).unwrap_or("?");
            let mut path = pod.path("volumes");
            push_index(&mut path, i);
            push_key(&mut path, "hostPath");
            out.report(path, format!("volume \"{name}\" mounts host path {host}"));
        }
    }
}
