//! `procMount` (baseline, v1.0+): the default masked `/proc` is required.
//!
//! `procMount: Unmasked` exposes `/proc` paths the runtime normally masks (kernel
//! memory, sysrq triggers), which helps escapes.
//!
//! Restricted fields: `spec.{initContainers,containers,ephemeralContainers}[*].securityContext.procMount`.
//! Allowed values: unset, `Default`.
//!
//! v1.35+: any value is allowed for pods in a user namespace (`spec.hostUsers: false`);
//! at the restricted level `procMount_restricted` replaces this check and keeps the
//! unconditional rule.

use super::{Check, CheckId, Forbidden, VersionedCheck};
use crate::Level;
use crate::message::{containers_phrase, join_quote, sorted_set};
use crate::pod::{Pod, text};

pub(super) const CHECK: Check = Check {
    id: CheckId::ProcMount,
    level: Level::Baseline,
    title: "The default /proc mask is required",
    description: "securityContext.procMount must be unset or Default; from v1.35 pods with \
                  hostUsers: false may set any value.",
    versions: &[
        VersionedCheck {
            since: 0,
            overrides: &[],
            change: "introduced",
            eval: v1_0,
        },
        VersionedCheck {
            since: 35,
            overrides: &[],
            change: "pods in a user namespace (spec.hostUsers: false) may set any procMount",
            eval: v1_35,
        },
    ],
};

/// The unconditional rule, shared with `procMount_restricted`.
pub(super) fn v1_0(pod: &Pod<'_>) -> Option<Forbidden> {
    let mut names = Vec::new();
    let mut kinds = Vec::new();
    let mut paths = Vec::new();
    for c in pod.containers() {
        let Some(pm) = c.sc.proc_mount else {
            continue;
        };
        let pm = text(pm);
        if pm != "Default" {
            names.push(c.name);
            kinds.push(pm);
            paths.push(pod.container_path(c, &["securityContext", "procMount"]));
        }
    }
    if names.is_empty() {
        return None;
    }
    Some(Forbidden {
        reason: "procMount",
        detail: format!(
            "{} must not set securityContext.procMount to {}",
            containers_phrase(&names),
            join_quote(&sorted_set(kinds))
        ),
        paths,
    })
}

fn v1_35(pod: &Pod<'_>) -> Option<Forbidden> {
    if pod.in_user_namespace() {
        return None;
    }
    v1_0(pod)
}
