//! `runAsNonRoot` (restricted, v1.0+): containers must run as a non-root user.
//!
//! Restricted fields: `spec.securityContext.runAsNonRoot` and
//! `spec.{initContainers,containers,ephemeralContainers}[*].securityContext.runAsNonRoot`.
//! Allowed values: `true`; a container may leave it unset when the pod sets `true`.
//!
//! v1.35+: any value is allowed for pods in a user namespace (`spec.hostUsers: false`),
//! where root in the container is not root on the node.

use std::borrow::Cow;

use moat_manifest::Value;

use super::{Check, CheckId, Forbidden, VersionedCheck};
use crate::Level;
use crate::message::{containers_phrase, prefixed};
use crate::pod::Pod;

pub(super) const CHECK: Check = Check {
    id: CheckId::RunAsNonRoot,
    level: Level::Restricted,
    title: "Containers must run as non-root",
    description: "The pod or every container must set securityContext.runAsNonRoot=true, and \
                  none may set it to false. From v1.35 pods with hostUsers: false are exempt.",
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
            change: "pods in a user namespace (spec.hostUsers: false) are exempt",
            eval: v1_35,
        },
    ],
};

/// `Some(true)` only for `true`; any other set value counts as not-true.
fn flag(n: Option<&moat_manifest::Node>) -> Option<bool> {
    n.map(|n| matches!(n.value, Value::Bool(true)))
}

fn v1_0(pod: &Pod<'_>) -> Option<Forbidden> {
    let mut setters: Vec<Cow<'static, str>> = Vec::new();
    let mut explicit_paths = Vec::new();
    let mut pod_true = false;
    match flag(pod.sc.run_as_non_root) {
        Some(true) => pod_true = true,
        Some(false) => {
            setters.push(Cow::Borrowed("pod"));
            explicit_paths.push(pod.spec_path(&["securityContext", "runAsNonRoot"]));
        }
        None => {}
    }
    let mut explicit = Vec::new();
    let mut implicit = Vec::new();
    let mut implicit_paths = Vec::new();
    for c in pod.containers() {
        match flag(c.sc.run_as_non_root) {
            Some(false) => {
                explicit.push(c.name);
                explicit_paths.push(pod.container_path(c, &["securityContext", "runAsNonRoot"]));
            }
            None if !pod_true => {
                implicit.push(c.name);
                implicit_paths.push(pod.container_path(c, &["securityContext", "runAsNonRoot"]));
            }
            Some(true) | None => {}
        }
    }
    if !explicit.is_empty() {
        setters.push(Cow::Owned(containers_phrase(&explicit)));
    }
    if !setters.is_empty() {
        return Some(Forbidden {
            reason: "runAsNonRoot != true",
            detail: format!(
                "{} must not set securityContext.runAsNonRoot=false",
                setters.join(" and ")
            ),
            paths: explicit_paths,
        });
    }
    if implicit.is_empty() {
        return None;
    }
    Some(Forbidden {
        reason: "runAsNonRoot != true",
        detail: prefixed("pod or ", &implicit) + " must set securityContext.runAsNonRoot=true",
        paths: implicit_paths,
    })
}

fn v1_35(pod: &Pod<'_>) -> Option<Forbidden> {
    if pod.in_user_namespace() {
        return None;
    }
    v1_0(pod)
}
