//! `capabilities_baseline` (baseline, v1.0+): only the container runtime's default
//! capabilities may be added.
//!
//! Capabilities beyond the default set (`SYS_ADMIN`, `NET_ADMIN`, `NET_RAW`, …) give
//! containers kernel powers that enable escapes and host network attacks.
//!
//! Restricted fields: `spec.{initContainers,containers,ephemeralContainers}[*].securityContext.capabilities.add`.
//! Allowed values: unset, empty, or entries from `AUDIT_WRITE CHOWN DAC_OVERRIDE FOWNER
//! FSETID KILL MKNOD NET_BIND_SERVICE SETFCAP SETGID SETPCAP SETUID SYS_CHROOT`.
//! At the restricted level `capabilities_restricted` replaces this check from v1.22.

use super::{Check, CheckId, Forbidden, VersionedCheck};
use crate::Level;
use crate::message::{containers_phrase, join_quote, sorted_set};
use crate::pod::{Pod, text};

pub(super) const CHECK: Check = Check {
    id: CheckId::CapabilitiesBaseline,
    level: Level::Baseline,
    title: "Only default capabilities may be added",
    description: "securityContext.capabilities.add may only hold the runtime's default \
                  capabilities (AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, \
                  NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT).",
    versions: &[VersionedCheck {
        since: 0,
        overrides: &[],
        change: "introduced",
        eval: v1_0,
    }],
};

const ALLOWED: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

fn v1_0(pod: &Pod<'_>) -> Option<Forbidden> {
    let mut names = Vec::new();
    let mut caps = Vec::new();
    let mut paths = Vec::new();
    for c in pod.containers() {
        let Some(add) = c.sc.capabilities.and_then(|n| n.get("add")) else {
            continue;
        };
        let mut bad = false;
        for (i, cap) in add.items().iter().enumerate() {
            let cap = text(cap);
            if !ALLOWED.contains(&cap.as_ref()) {
                if !bad {
                    let mut p = pod.container_path(c, &["securityContext", "capabilities", "add"]);
                    crate::pod::push_index(&mut p, i);
                    paths.push(p);
                }
                bad = true;
                caps.push(cap);
            }
        }
        if bad {
            names.push(c.name);
        }
    }
    if names.is_empty() {
        return None;
    }
    Some(Forbidden {
        reason: "non-default capabilities",
        detail: format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_phrase(&names),
            join_quote(&sorted_set(caps))
        ),
        paths,
    })
}
