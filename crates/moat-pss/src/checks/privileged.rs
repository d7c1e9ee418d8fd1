//! `privileged` (baseline, v1.0+): privileged containers are forbidden.
//!
//! A privileged container gets every capability and all host devices: it is root on the
//! node in all but name.
//!
//! Restricted fields: `spec.{initContainers,containers,ephemeralContainers}[*].securityContext.privileged`.
//! Allowed values: unset, `null`, `false`.
//!
//! Bad: `securityContext: {privileged: true}`. Good: leave `privileged` unset.

use super::{Check, CheckId, Forbidden, VersionedCheck};
use crate::Level;
use crate::message::containers_phrase;
use crate::pod::{Pod, truthy};

pub(super) const CHECK: Check = Check {
    id: CheckId::Privileged,
    level: Level::Baseline,
    title: "Privileged containers are forbidden",
    description: "Containers must not set securityContext.privileged=true.",
    versions: &[VersionedCheck {
        since: 0,
        overrides: &[],
        change: "introduced",
        eval: v1_0,
    }],
};

fn v1_0(pod: &Pod<'_>) -> Option<Forbidden> {
    let mut names = Vec::new();
    let mut paths = Vec::new();
    for c in pod.containers() {
        if truthy(c.sc.privileged) {
            names.push(c.name);
            paths.push(pod.container_path(c, &["securityContext", "privileged"]));
        }
    }
    if names.is_empty() {
        return None;
    }
    Some(Forbidden {
        reason: "privileged",
        detail: containers_phrase(&names) + " must not set securityContext.privileged=true",
        paths,
    })
}
