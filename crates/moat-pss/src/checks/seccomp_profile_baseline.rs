//! `seccompProfile_baseline` (baseline, v1.0+): seccomp may not be disabled.
//!
//! `Unconfined` turns off the system-call filter that blocks most kernel attack surface.
//!
//! Before v1.19 the check reads the deprecated annotations
//! `seccomp.security.alpha.kubernetes.io/pod` and
//! `container.seccomp.security.alpha.kubernetes.io/<container>` (allowed:
//! `runtime/default`, `docker/default`, `localhost/*`). From v1.19 it reads
//! `spec.securityContext.seccompProfile.type` and the containers' (allowed:
//! `RuntimeDefault`, `Localhost`, unset). At the restricted level
//! `seccompProfile_restricted` replaces it from v1.19.

use std::borrow::Cow;

use super::{Check, CheckId, Forbidden, VersionedCheck};
use crate::Level;
use crate::message::{containers_phrase, go_quote, join_quote, pluralize, sorted_set};
use crate::pod::{Pod, field_text};

pub(super) const CHECK: Check = Check {
    id: CheckId::SeccompProfileBaseline,
    level: Level::Baseline,
    title: "Seccomp may not be disabled",
    description: "seccompProfile.type must be RuntimeDefault or Localhost when set (before \
                  v1.19: the seccomp.security.alpha.kubernetes.io annotations must be \
                  runtime/default, docker/default or localhost/*).",
    versions: &[
        VersionedCheck {
            since: 0,
            overrides: &[],
            change: "introduced; checks the seccomp.security.alpha.kubernetes.io annotations",
            eval: v1_0,
        },
        VersionedCheck {
            since: 19,
            overrides: &[],
            change: "checks securityContext.seccompProfile.type instead of the annotations",
            eval: v1_19,
        },
    ],
};

const POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
const CONTAINER_ANNOTATION_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";

fn valid_annotation(v: &str) -> bool {
    v == "runtime/default" || v == "docker/default" || v.starts_with("localhost/")
}

/// Whether a `seccompProfile.type` is allowed (shared with `seccompProfile_restricted`).
pub(super) fn valid_type(t: &str) -> bool {
    t == "Localhost" || t == "RuntimeDefault"
}

fn v1_0(pod: &Pod<'_>) -> Option<Forbidden> {
    let mut forbidden = Vec::new();
    let mut paths = Vec::new();
    if let Some(v) = pod.annotation(POD_ANNOTATION)
        && !valid_annotation(&v)
    {
        forbidden.push(format!("{POD_ANNOTATION}={}", go_quote(&v)));
        paths.push(pod.annotation_path(POD_ANNOTATION));
    }
    if !pod.annotations().is_empty() {
        for c in pod.containers() {
            let key = format!("{CONTAINER_ANNOTATION_PREFIX}{}", c.name);
            if let Some(v) = pod.annotation(&key)
                && !valid_annotation(&v)
            {
                forbidden.push(format!("{key}={}", go_quote(&v)));
                paths.push(pod.annotation_path(&key));
            }
        }
    }
    if forbidden.is_empty() {
        return None;
    }
    let forbidden = sorted_set(forbidden);
    Some(Forbidden {
        reason: "seccompProfile",
        detail: format!(
            "forbidden {} {}",
            pluralize("annotation", "annotations", forbidden.len()),
            forbidden.join(", ")
        ),
        paths,
    })
}

fn v1_19(pod: &Pod<'_>) -> Option<Forbidden> {
    let mut setters: Vec<Cow<'static, str>> = Vec::new();
    let mut values = Vec::new();
    let mut paths = Vec::new();
    if let Some(profile) = pod.sc.seccomp_profile {
        let t = field_text(Some(profile), "type");
        if !valid_type(&t) {
            setters.push(Cow::Borrowed("pod"));
            values.push(t);
            paths.push(pod.spec_path(&["securityContext", "seccompProfile", "type"]));
        }
    }
    let mut names = Vec::new();
    for c in pod.containers() {
        if let Some(profile) = c.sc.seccomp_profile {
            let t = field_text(Some(profile), "type");
            if !valid_type(&t) {
                names.push(c.name);
                values.push(t);
                paths.push(pod.container_path(c, &["securityContext", "seccompProfile", "type"]));
            }
        }
    }
    if !names.is_empty() {
        setters.push(Cow::Owned(containers_phrase(&names)));
    }
    if setters.is_empty() {
        return None;
    }
    Some(Forbidden {
        reason: "seccompProfile",
        detail: format!(
            "{} must not set securityContext.seccompProfile.type to {}",
            setters.join(" and "),
            join_quote(&sorted_set(values))
        ),
        paths,
    })
}
