//! `sysctls` (baseline, v1.0+): only namespaced, isolated ("safe") sysctls may be set.
//!
//! Other sysctls can disable security mechanisms or affect every pod on the node.
//!
//! Restricted fields: `spec.securityContext.sysctls[*].name`. Allowed values grow by
//! version:
//! - v1.0: `kernel.shm_rmid_forced`, `net.ipv4.ip_local_port_range`,
//!   `net.ipv4.tcp_syncookies`, `net.ipv4.ping_group_range`,
//!   `net.ipv4.ip_unprivileged_port_start`;
//! - v1.27: `net.ipv4.ip_local_reserved_ports`;
//! - v1.29: `net.ipv4.tcp_keepalive_time`, `net.ipv4.tcp_fin_timeout`,
//!   `net.ipv4.tcp_keepalive_intvl`, `net.ipv4.tcp_keepalive_probes`;
//! - v1.32: `net.ipv4.tcp_rmem`, `net.ipv4.tcp_wmem`;
//! - v1.37: `net.ipv4.tcp_slow_start_after_idle`, `net.ipv4.tcp_notsent_lowat`.

use super::{Check, CheckId, Forbidden, VersionedCheck};
use crate::Level;
use crate::pod::{Pod, field_text};

pub(super) const CHECK: Check = Check {
    id: CheckId::Sysctls,
    level: Level::Baseline,
    title: "Only safe sysctls may be set",
    description: "spec.securityContext.sysctls may only name sysctls in the safe set of the \
                  policy version (which grows in v1.27, v1.29, v1.32 and v1.37).",
    versions: &[
        VersionedCheck {
            since: 0,
            overrides: &[],
            change: "introduced",
            eval: v1_0,
        },
        VersionedCheck {
            since: 27,
            overrides: &[],
            change: "allows net.ipv4.ip_local_reserved_ports",
            eval: v1_27,
        },
        VersionedCheck {
            since: 29,
            overrides: &[],
            change: "allows net.ipv4.tcp_keepalive_time, tcp_fin_timeout, tcp_keepalive_intvl, \
                     tcp_keepalive_probes",
            eval: v1_29,
        },
        VersionedCheck {
            since: 32,
            overrides: &[],
            change: "allows net.ipv4.tcp_rmem, net.ipv4.tcp_wmem",
            eval: v1_32,
        },
        VersionedCheck {
            since: 37,
            overrides: &[],
            change: "allows net.ipv4.tcp_slow_start_after_idle, net.ipv4.tcp_notsent_lowat",
            eval: v1_37,
        },
    ],
};

/// The safe sysctls, in the order they were added; each version allows a prefix.
const SAFE: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
    // v1.27
    "net.ipv4.ip_local_reserved_ports",
    // v1.29
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    // v1.32
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
    // v1.37
    "net.ipv4.tcp_slow_start_after_idle",
    "net.ipv4.tcp_notsent_lowat",
];

fn v1_0(pod: &Pod<'_>) -> Option<Forbidden> {
    check(pod, 5)
}

fn v1_27(pod: &Pod<'_>) -> Option<Forbidden> {
    check(pod, 6)
}

fn v1_29(pod: &Pod<'_>) -> Option<Forbidden> {
    check(pod, 10)
}

fn v1_32(pod: &Pod<'_>) -> Option<Forbidden> {
    check(pod, 12)
}

fn v1_37(pod: &Pod<'_>) -> Option<Forbidden> {
    check(pod, 14)
}

fn check(pod: &Pod<'_>, allowed: usize) -> Option<Forbidden> {
    let allowed = SAFE.get(..allowed).unwrap_or(SAFE);
    let sysctls = pod.sc.sysctls?;
    let mut names = Vec::new();
    let mut paths = Vec::new();
    for (i, s) in sysctls.items().iter().enumerate() {
        let name = field_text(Some(s), "name");
        if !allowed.contains(&name.as_ref()) {
            names.push(name);
            let mut p = pod.spec_path(&["securityContext", "sysctls"]);
            crate::pod::push_index(&mut p, i);
            p.push_str(".name");
            paths.push(p);
        }
    }
    if names.is_empty() {
        return None;
    }
    Some(Forbidden {
        reason: "forbidden sysctls",
        detail: names.join(", "),
        paths,
    })
}
