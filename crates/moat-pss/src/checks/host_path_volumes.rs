//! `hostPathVolumes` (baseline, v1.0+): `hostPath` volumes are forbidden.
//!
//! A hostPath volume exposes the node's filesystem to the pod (the container runtime
//! socket, kubelet credentials, `/etc`), a direct path to node compromise.
//!
//! Restricted fields: `spec.volumes[*].hostPath`. Allowed values: unset, `null`.
//! At the restricted level `restrictedVolumes` replaces this check.

use super::{Check, CheckId, Forbidden, VersionedCheck};
use crate::Level;
use crate::message::{join_quote, pluralize};
use crate::pod::{Pod, set};

pub(super) const CHECK: Check = Check {
    id: CheckId::HostPathVolumes,
    level: Level::Baseline,
    title: "HostPath volumes are forbidden",
    description: "spec.volumes[*].hostPath must be unset.",
    versions: &[VersionedCheck {
        since: 0,
        overrides: &[],
        change: "introduced",
        eval: v1_0,
    }],
};

fn v1_0(pod: &Pod<'_>) -> Option<Forbidden> {
    let volumes = pod.volumes?;
    let mut names = Vec::new();
    let mut paths = Vec::new();
    for (i, v) in volumes.items().iter().enumerate() {
        if set(v.get("hostPath")).is_some() {
            names.push(
                v.get("name")
                    .and_then(moat_manifest::Node::as_str)
                    .unwrap_or(""),
            );
            paths.push(pod.item_path("volumes", i, &["hostPath"]));
        }
    }
    if names.is_empty() {
        return None;
    }
    Some(Forbidden {
        reason: "hostPath volumes",
        detail: format!(
            "{} {}",
            pluralize("volume", "volumes", names.len()),
            join_quote(&names)
        ),
        paths,
    })
}
