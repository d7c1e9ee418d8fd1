//! `runAsUser` (restricted, v1.23+): containers must not run as UID 0.
//!
//! Restricted fields: `spec.securityContext.runAsUser` and
//! `spec.{initContainers,containers,ephemeralContainers}[*].securityContext.runAsUser`.
//! Allowed values: unset, any non-zero UID.
//!
//! v1.35+: any value is allowed for pods in a user namespace (`spec.hostUsers: false`).

use std::borrow::Cow;

use moat_manifest::{Node, Value};

use super::{Check, CheckId, Forbidden, VersionedCheck};
use crate::Level;
use crate::message::containers_phrase;
use crate::pod::Pod;

pub(super) const CHECK: Check = Check {
    id: CheckId::RunAsUser,
    level: Level::Restricted,
    title: "Containers must not run as UID 0",
    description: "securityContext.runAsUser must not be 0 on the pod or any container. From \
                  v1.35 pods with hostUsers: false are exempt.",
    versions: &[
        VersionedCheck {
            since: 23,
            overrides: &[],
            change: "introduced",
            eval: v1_23,
        },
        VersionedCheck {
            since: 35,
            overrides: &[],
            change: "pods in a user namespace (spec.hostUsers: false) are exempt",
            eval: v1_35,
        },
    ],
};

/// A set `runAsUser` that is not a non-zero integer (ill-typed values are never safe).
fn root(n: Option<&Node>) -> bool {
    n.is_some_and(|n| !matches!(n.value, Value::Int(uid) if uid != 0))
}

fn v1_23(pod: &Pod<'_>) -> Option<Forbidden> {
    let mut setters: Vec<Cow<'static, str>> = Vec::new();
    let mut paths = Vec::new();
    if root(pod.sc.run_as_user) {
        setters.push(Cow::Borrowed("pod"));
        paths.push(pod.spec_path(&["securityContext", "runAsUser"]));
    }
    let mut names = Vec::new();
    for c in pod.containers() {
        if root(c.sc.run_as_user) {
            names.push(c.name);
            paths.push(pod.container_path(c, &["securityContext", "runAsUser"]));
        }
    }
    if !names.is_empty() {
        setters.push(Cow::Owned(containers_phrase(&names)));
    }
    if setters.is_empty() {
        return None;
    }
    Some(Forbidden {
        reason: "runAsUser=0",
        detail: format!("{} must not set runAsUser=0", setters.join(" and ")),
        paths,
    })
}

fn v1_35(pod: &Pod<'_>) -> Option<Forbidden> {
    if pod.in_user_namespace() {
        return None;
    }
    v1_23(pod)
}
