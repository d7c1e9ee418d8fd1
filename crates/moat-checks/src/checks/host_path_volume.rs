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
    "/etc/kubernetes",
];

/// `/run` (and its alias `/var/run`) is sensitive as a whole and where the node's control
/// sockets live: container runtimes, systemd, D-Bus, and CDI specs (which inject devices,
/// mounts and hooks into containers). Other entries below it — an agent's own state
/// directory, `xtables.lock` — are ordinary host paths (MOAT-050).
const RUN_SENSITIVE: &[&str] = &[
    "docker.sock",
    "docker",
    "containerd",
    "crio",
    "cri-dockerd.sock",
    "dockershim.sock",
    "podman",
    "k3s",
    "systemd",
    "dbus",
    "cdi",
];

/// Single host files below a sensitive directory that expose nothing: the machine ID and
/// the time zone.
const HARMLESS_FILES: &[&str] = &["/etc/machine-id", "/etc/localtime", "/etc/timezone"];

/// Whether a host path is sensitive.
pub fn is_sensitive(path: &str) -> bool {
    let p = normalize_path(path);
    if HARMLESS_FILES.contains(&p.as_str()) {
        return false;
    }
    if let Some(rest) = p
        .strip_prefix("/var/run")
        .or_else(|| p.strip_prefix("/run"))
        .filter(|r| r.is_empty() || r.starts_with('/'))
    {
        return rest.is_empty()
            || RUN_SENSITIVE
                .iter()
                .any(|s| path_under(rest, &format!("/{s}")));
    }
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
