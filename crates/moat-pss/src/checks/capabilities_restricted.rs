//! `capabilities_restricted` (restricted, v1.22+): containers must drop `ALL` capabilities
//! and may add back only `NET_BIND_SERVICE`.
//!
//! Restricted fields: `spec.{initContainers,containers,ephemeralContainers}[*].securityContext.capabilities.drop`
//! (must include `ALL`) and `….capabilities.add` (unset, empty, or `NET_BIND_SERVICE`).
//! Replaces `capabilities_baseline` at the restricted level.
//!
//! v1.25+: pods with `spec.os.name: windows` are exempt (Windows has no capabilities).

use super::{Check, CheckId, Forbidden, VersionedCheck};
use crate::Level;
use crate::message::{containers_phrase, join_quote, sorted_set};
use crate::pod::{Pod, text};

pub(super) const CHECK: Check = Check {
    id: CheckId::CapabilitiesRestricted,
    level: Level::Restricted,
    title: "Containers must drop ALL capabilities",
    description: "securityContext.capabilities.drop must include ALL, and capabilities.add may \
                  only hold NET_BIND_SERVICE. Windows pods are exempt from v1.25.",
    versions: &[
        VersionedCheck {
            since: 22,
            overrides: &[CheckId::CapabilitiesBaseline],
            change: "introduced; replaces capabilities_baseline at the restricted level",
            eval: v1_22,
        },
        VersionedCheck {
            since: 25,
            overrides: &[CheckId::CapabilitiesBaseline],
            change: "pods with spec.os.name=windows are exempt",
            eval: v1_25,
        },
    ],
};

fn v1_22(pod: &Pod<'_>) -> Option<Forbidden> {
    let mut missing_drop = Vec::new();
    let mut adding = Vec::new();
    let mut caps = Vec::new();
    let mut paths = Vec::new();
    for c in pod.containers() {
        let Some(capabilities) = c.sc.capabilities else {
            missing_drop.push(c.name);
            paths.push(pod.container_path(c, &["securityContext", "capabilities", "drop"]));
            continue;
        };
        let dropped_all = capabilities
            .get("drop")
            .is_some_and(|d| d.items().iter().any(|x| x.as_str() == Some("ALL")));
        if !dropped_all {
            missing_drop.push(c.name);
            paths.push(pod.container_path(c, &["securityContext", "capabilities", "drop"]));
        }
        let mut bad = false;
        if let Some(add) = capabilities.get("add") {
            for (i, cap) in add.items().iter().enumerate() {
                let cap = text(cap);
                if cap != "NET_BIND_SERVICE" {
                    if !bad {
                        let mut p =
                            pod.container_path(c, &["securityContext", "capabilities", "add"]);
                        crate::pod::push_index(&mut p, i);
                        paths.push(p);
                    }
                    bad = true;
                    caps.push(cap);
                }
            }
        }
        if bad {
            adding.push(c.name);
        }
    }
    let mut details = Vec::new();
    if !missing_drop.is_empty() {
        details.push(
            containers_phrase(&missing_drop)
                + r#" must set securityContext.capabilities.drop=["ALL"]"#,
        );
    }
    if !adding.is_empty() {
        details.push(format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_phrase(&adding),
            join_quote(&sorted_set(caps))
        ));
    }
    if details.is_empty() {
        return None;
    }
    Some(Forbidden {
        reason: "unrestricted capabilities",
        detail: if details.len() == 1 {
            details.pop().unwrap_or_default()
        } else {
            details.join("; ")
        },
        paths,
    })
}

fn v1_25(pod: &Pod<'_>) -> Option<Forbidden> {
    if pod.is_windows() {
        return None;
    }
    v1_22(pod)
}
