//! `hostPorts` (baseline, v1.0+): host ports are forbidden.
//!
//! A host port binds the container to the node's network interfaces, bypassing Services
//! and `NetworkPolicies` and limiting scheduling.
//!
//! Restricted fields: `spec.{initContainers,containers,ephemeralContainers}[*].ports[*].hostPort`.
//! Allowed values: unset, `0`. In host-network pods the API server defaults an unset
//! `hostPort` to the `containerPort`, so those ports count as host ports too.

use moat_manifest::Value;

use super::{Check, CheckId, Forbidden, VersionedCheck};
use crate::Level;
use crate::message::{containers_phrase, pluralize, sorted_set};
use crate::pod::{Kind, Pod, text};

pub(super) const CHECK: Check = Check {
    id: CheckId::HostPorts,
    level: Level::Baseline,
    title: "Host ports are forbidden",
    description: "Containers must not set ports[*].hostPort (unset or 0 only).",
    versions: &[VersionedCheck {
        since: 0,
        overrides: &[],
        change: "introduced",
        eval: v1_0,
    }],
};

fn v1_0(pod: &Pod<'_>) -> Option<Forbidden> {
    // For pods in the host network the API server defaults an unset hostPort of regular
    // and init containers to the containerPort.
    let host_network = pod.host_network.and_then(moat_manifest::Node::as_bool) == Some(true);
    let mut names = Vec::new();
    let mut ports = Vec::new();
    let mut paths = Vec::new();
    for c in pod.containers() {
        let mut bad = false;
        let Some(list) = c.ports else {
            continue;
        };
        let defaulted = host_network && c.kind != Kind::Ephemeral;
        for (i, p) in list.items().iter().enumerate() {
            let mut hp = p.get("hostPort");
            if defaulted && hp.is_none_or(|n| matches!(n.value, Value::Null | Value::Int(0))) {
                hp = p.get("containerPort");
            }
            let Some(hp) = hp else {
                continue;
            };
            if matches!(hp.value, Value::Null | Value::Int(0)) {
                continue;
            }
            bad = true;
            ports.push(text(hp).into_owned());
            let mut path = pod.container_path(c, &["ports"]);
            crate::pod::push_index(&mut path, i);
            path.push_str(".hostPort");
            paths.push(path);
        }
        if bad {
            names.push(c.name);
        }
    }
    if names.is_empty() {
        return None;
    }
    let ports = sorted_set(ports);
    Some(Forbidden {
        reason: "hostPort",
        detail: format!(
            "{} {} {} {}",
            containers_phrase(&names),
            pluralize("uses", "use", names.len()),
            pluralize("hostPort", "hostPorts", ports.len()),
            ports.join(", ")
        ),
        paths,
    })
}
