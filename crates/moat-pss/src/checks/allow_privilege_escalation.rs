//! `allowPrivilegeEscalation` (restricted, v1.8+): containers must set
//! `securityContext.allowPrivilegeEscalation=false`.
//!
//! Without it a process can gain more privileges than its parent (set-user-ID binaries,
//! file capabilities): `no_new_privs` is only set when this is `false`.
//!
//! Restricted fields: `spec.{initContainers,containers,ephemeralContainers}[*].securityContext.allowPrivilegeEscalation`.
//! Allowed values: `false` (unset is not allowed).
//!
//! v1.25+: pods with `spec.os.name: windows` are exempt.

use super::{Check, CheckId, Forbidden, VersionedCheck};
use crate::Level;
use crate::message::containers_phrase;
use crate::pod::Pod;

pub(super) const CHECK: Check = Check {
    id: CheckId::AllowPrivilegeEscalation,
    level: Level::Restricted,
    title: "Privilege escalation must be disallowed",
    description: "Containers must set securityContext.allowPrivilegeEscalation=false. Windows \
                  pods are exempt from v1.25.",
    versions: &[
        VersionedCheck {
            since: 8,
            overrides: &[],
            change: "introduced (the field exists from Kubernetes 1.8)",
            eval: v1_8,
        },
        VersionedCheck {
            since: 25,
            overrides: &[],
            change: "pods with spec.os.name=windows are exempt",
            eval: v1_25,
        },
    ],
};

fn v1_8(pod: &Pod<'_>) -> Option<Forbidden> {
    let mut names = Vec::new();
    let mut paths = Vec::new();
    for c in pod.containers() {
        let ok =
            c.sc.allow_privilege_escalation
                .and_then(moat_manifest::Node::as_bool)
                == Some(false);
        if !ok {
            names.push(c.name);
            paths.push(pod.container_path(c, &["securityContext", "allowPrivilegeEscalation"]));
        }
    }
    if names.is_empty() {
        return None;
    }
    Some(Forbidden {
        reason: "allowPrivilegeEscalation != false",
        detail: containers_phrase(&names)
            + " must set securityContext.allowPrivilegeEscalation=false",
        paths,
    })
}

fn v1_25(pod: &Pod<'_>) -> Option<Forbidden> {
    if pod.is_windows() {
        return None;
    }
    v1_8(pod)
}
