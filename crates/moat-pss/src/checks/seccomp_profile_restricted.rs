//! `seccompProfile_restricted` (restricted, v1.19+): a seccomp profile must be set, and
//! only `RuntimeDefault` or `Localhost`.
//!
//! Restricted fields: `spec.securityContext.seccompProfile.type` and
//! `spec.{initContainers,containers,ephemeralContainers}[*].securityContext.seccompProfile.type`.
//! Allowed values: `RuntimeDefault`, `Localhost`; a container may leave it unset when the
//! pod sets an allowed one. Replaces `seccompProfile_baseline` at the restricted level.
//!
//! v1.25+: pods with `spec.os.name: windows` are exempt.

use std::borrow::Cow;

use super::seccomp_profile_baseline::valid_type;
use super::{Check, CheckId, Forbidden, VersionedCheck};
use crate::Level;
use crate::message::{containers_phrase, join_quote, prefixed, sorted_set};
use crate::pod::{Pod, field_text};

pub(super) const CHECK: Check = Check {
    id: CheckId::SeccompProfileRestricted,
    level: Level::Restricted,
    title: "A RuntimeDefault or Localhost seccomp profile is required",
    description: "The pod or every container must set seccompProfile.type to RuntimeDefault or \
                  Localhost. Windows pods are exempt from v1.25.",
    versions: &[
        VersionedCheck {
            since: 19,
            overrides: &[CheckId::SeccompProfileBaseline],
            change: "introduced; replaces seccompProfile_baseline at the restricted level",
            eval: v1_19,
        },
        VersionedCheck {
            since: 25,
            overrides: &[CheckId::SeccompProfileBaseline],
            change: "pods with spec.os.name=windows are exempt",
            eval: v1_25,
        },
    ],
};

fn v1_19(pod: &Pod<'_>) -> Option<Forbidden> {
    let mut setters: Vec<Cow<'static, str>> = Vec::new();
    let mut values = Vec::new();
    let mut explicit_paths = Vec::new();
    let mut pod_set = false;
    if let Some(profile) = pod.sc.seccomp_profile {
        let t = field_text(Some(profile), "type");
        if valid_type(&t) {
            pod_set = true;
        } else {
            setters.push(Cow::Borrowed("pod"));
            values.push(t);
            explicit_paths.push(pod.spec_path(&["securityContext", "seccompProfile", "type"]));
        }
    }
    let mut explicit = Vec::new();
    let mut implicit = Vec::new();
    let mut implicit_paths = Vec::new();
    for c in pod.containers() {
        if let Some(profile) = c.sc.seccomp_profile {
            let t = field_text(Some(profile), "type");
            if !valid_type(&t) {
                explicit.push(c.name);
                values.push(t);
                explicit_paths
                    .push(pod.container_path(c, &["securityContext", "seccompProfile", "type"]));
            }
        } else if !pod_set {
            implicit.push(c.name);
            implicit_paths.push(pod.container_path(c, &["securityContext", "seccompProfile"]));
        }
    }
    if !explicit.is_empty() {
        setters.push(Cow::Owned(containers_phrase(&explicit)));
    }
    if !setters.is_empty() {
        return Some(Forbidden {
            reason: "seccompProfile",
            detail: format!(
                "{} must not set securityContext.seccompProfile.type to {}",
                setters.join(" and "),
                join_quote(&sorted_set(values))
            ),
            paths: explicit_paths,
        });
    }
    if implicit.is_empty() {
        return None;
    }
    Some(Forbidden {
        reason: "seccompProfile",
        detail: prefixed("pod or ", &implicit)
            + r#" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost""#,
        paths: implicit_paths,
    })
}

fn v1_25(pod: &Pod<'_>) -> Option<Forbidden> {
    if pod.is_windows() {
        return None;
    }
    v1_19(pod)
}
