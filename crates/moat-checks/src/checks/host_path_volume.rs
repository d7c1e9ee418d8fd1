//! `hostPath` volumes: sensitive host paths (critical) and any other host path (high).

use moat_core::{CheckMeta, Severity};
use moat_manifest::node::{push_index, push_key};
use moat_manifest::{Node, PodSpecView};

use crate::util::{normalize_path, path_under};
use crate::{Check, Emit};

/// Host paths whose mount gives control of the node (the path itself or anything below).
pub const SENSITIVE: &[&str] = &[
    "/",
    "/etc",
    "/proc",
    "/sys",
    "/dev",
    "/boot",
    "/root",
    "/var/lib/kubelet",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/var/lib/etcd",
    "/var/log",
    "/var/run",
    "/run",
    "/var/run/docker.sock",
    "/run/containerd/containerd.sock",
    "/var/run/containerd/containerd.sock",
    "/var/run/crio/crio.sock",
    "/run/crio/crio.sock",
    "/etc/kubernetes",
];

/// Whether a host path is sensitive.
pub fn is_sensitive(path: &str) -> bool {
    let p = normalize_path(path);
    SENSITIVE.iter().any(|s| path_under(&p, s))
}

fn host_paths<'a>(pod: &PodSpecView<'a>) -> Vec<(String, &'a str, &'a str)> {
    let Some(volumes) = pod.get("volumes") else {
        return Vec::new();
    };
    volumes
        .items()
        .iter()
        .enumerate()
        .filter_map(|(i, v)| {
            let hp = v.get("hostPath")?;
            let mut path = pod.path("volumes");
            push_index(&mut path, i);
            push_key(&mut path, "hostPath");
            let name = v.get("name").and_then(Node::as_str).unwrap_or("");
            Some((
                path,
                name,
                hp.get("path").and_then(Node::as_str).unwrap_or(""),
            ))
        })
        .collect()
}

/// A `hostPath` volume of a non-sensitive path.
pub struct HostPathVolume;

static META: CheckMeta = CheckMeta {
    id: "MOAT-050",
    name: "host-path-volume",
    severity: Severity::High,
    title: "Pod mounts a hostPath volume",
    rationale: "A hostPath volume exposes part of the node's filesystem to the pod. It ties the pod to the node, leaks data between tenants, and a writable mount lets the pod plant files the node or other pods will read.",
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
        for (path, name, host) in host_paths(pod) {
            if !is_sensitive(host) {
                out.report(path, format!("volume \"{name}\" mounts host path {host}"));
            }
        }
    }
}

/// A `hostPath` volume of a sensitive path.
pub struct HostPathSensitive;

static SENSITIVE_META: CheckMeta = CheckMeta {
    id: "MOAT-051",
    name: "host-path-sensitive",
    severity: Severity::Critical,
    title: "Pod mounts a sensitive host path",
    rationale: "Mounting `/`, `/etc`, `/proc`, `/var/lib/kubelet`, `/var/log`, `/etc/kubernetes` or a container runtime socket gives the pod the node: runtime sockets start privileged containers, kubelet directories hold every pod's secrets and credentials, `/etc` holds host users and the kubelet's config.",
    remediation: "Remove the volume. Agents that must read host state should mount the narrowest subdirectory read-only; never mount runtime sockets into application pods.",
    fix_example: "volumes:\n- name: data\n  persistentVolumeClaim:\n    claimName: data\n",
    references: &[
        "https://kubernetes.io/docs/concepts/storage/volumes/#hostpath",
        "https://attack.mitre.org/techniques/T1611/",
    ],
    frameworks: &["PSS:baseline", "CIS-5.2.12", "NSA-CISA", "MITRE:T1611"],
};

impl Check for HostPathSensitive {
    fn meta(&self) -> &'static CheckMeta {
        &SENSITIVE_META
    }

    fn check_pod(&self, pod: &PodSpecView<'_>, out: &mut Emit<'_>) {
        for (path, name, host) in host_paths(pod) {
            if is_sensitive(host) {
                out.report(
                    path,
                    format!("volume \"{name}\" mounts sensitive host path {host}"),
                );
            }
        }
    }
}
