//! `hostNamespaces` (baseline, v1.0+): sharing the host's network, PID or IPC namespace is
//! forbidden.
//!
//! A pod in the host network namespace sees every node interface and can bind node ports;
//! in the host PID namespace it can see and signal every process; in the host IPC
//! namespace it can read shared memory of other workloads.
//!
//! Restricted fields: `spec.hostNetwork`, `spec.hostPID`, `spec.hostIPC`.
//! Allowed values: unset, `false`.

use super::{Check, CheckId, Forbidden, VersionedCheck};
use crate::Level;
use crate::pod::{Pod, truthy};

pub(super) const CHECK: Check = Check {
    id: CheckId::HostNamespaces,
    level: Level::Baseline,
    title: "Host namespaces are forbidden",
    description: "spec.hostNetwork, spec.hostPID and spec.hostIPC must be unset or false.",
    versions: &[VersionedCheck {
        since: 0,
        overrides: &[],
        change: "introduced",
        eval: v1_0,
    }],
};

fn v1_0(pod: &Pod<'_>) -> Option<Forbidden> {
    let mut parts = Vec::new();
    let mut paths = Vec::new();
    for (value, field, text) in [
        (pod.host_network, "hostNetwork", "hostNetwork=true"),
        (pod.host_pid, "hostPID", "hostPID=true"),
        (pod.host_ipc, "hostIPC", "hostIPC=true"),
    ] {
        if truthy(value) {
            parts.push(text);
            paths.push(pod.spec_path(&[field]));
        }
    }
    if parts.is_empty() {
        return None;
    }
    Some(Forbidden {
        reason: "host namespaces",
        detail: parts.join(", "),
        paths,
    })
}
