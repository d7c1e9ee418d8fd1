//! `appArmorProfile` (baseline, v1.0+): `AppArmor` may not be disabled or overridden with
//! anything but the runtime default or a node-local profile.
//!
//! Restricted fields: `spec.securityContext.appArmorProfile.type` and
//! `spec.{initContainers,containers,ephemeralContainers}[*].securityContext.appArmorProfile.type`
//! (allowed: `RuntimeDefault`, `Localhost`, unset), and the deprecated annotations
//! `metadata.annotations["container.apparmor.security.beta.kubernetes.io/*"]` (allowed:
//! `runtime/default`, `localhost/*`, empty).

use std::borrow::Cow;

use super::{Check, CheckId, Forbidden, VersionedCheck};
use crate::Level;
use crate::message::{containers_phrase, go_quote, join_quote, pluralize, sorted_set};
use crate::pod::{Pod, field_text, text};

pub(super) const CHECK: Check = Check {
    id: CheckId::AppArmorProfile,
    level: Level::Baseline,
    title: "AppArmor may not be disabled or overridden",
    description: "appArmorProfile.type must be RuntimeDefault or Localhost (or unset); the \
                  container.apparmor.security.beta.kubernetes.io/* annotations must be \
                  runtime/default, localhost/* or empty.",
    versions: &[VersionedCheck {
        since: 0,
        overrides: &[],
        change: "introduced",
        eval: v1_0,
    }],
};

const ANNOTATION_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

fn allowed_type(t: &str) -> bool {
    matches!(t, "RuntimeDefault" | "Localhost")
}

fn allowed_annotation(v: &str) -> bool {
    v.is_empty() || v == "runtime/default" || v.starts_with("localhost/")
}

fn v1_0(pod: &Pod<'_>) -> Option<Forbidden> {
    let mut setters: Vec<Cow<'static, str>> = Vec::new();
    let mut values: Vec<Cow<'_, str>> = Vec::new();
    let mut paths = Vec::new();
    if let Some(profile) = pod.sc.app_armor_profile {
        let t = field_text(Some(profile), "type");
        if !allowed_type(&t) {
            setters.push(Cow::Borrowed("pod"));
            values.push(t);
            paths.push(pod.spec_path(&["securityContext", "appArmorProfile", "type"]));
        }
    }
    let mut names = Vec::new();
    for c in pod.containers() {
        if let Some(profile) = c.sc.app_armor_profile {
            let t = field_text(Some(profile), "type");
            if !allowed_type(&t) {
                names.push(c.name);
                values.push(t);
                paths.push(pod.container_path(c, &["securityContext", "appArmorProfile", "type"]));
            }
        }
    }
    if !names.is_empty() {
        setters.push(Cow::Owned(containers_phrase(&names)));
    }
    let mut annotations = Vec::new();
    for e in pod.annotations() {
        if e.key.starts_with(ANNOTATION_PREFIX) {
            let v = text(&e.value);
            if !allowed_annotation(&v) {
                annotations.push(format!("{}={}", e.key, go_quote(&v)));
                paths.push(pod.annotation_path(&e.key));
            }
        }
    }
    if setters.is_empty() && annotations.is_empty() {
        return None;
    }
    let mut values: Vec<String> = sorted_set(values)
        .into_iter()
        .map(Cow::into_owned)
        .collect();
    if !annotations.is_empty() {
        setters.push(Cow::Borrowed(pluralize(
            "annotation",
            "annotations",
            annotations.len(),
        )));
        annotations.sort_unstable();
        values.extend(annotations);
    }
    Some(Forbidden {
        reason: pluralize(
            "forbidden AppArmor profile",
            "forbidden AppArmor profiles",
            values.len(),
        ),
        detail: format!(
            "{} must not set AppArmor profile type to {}",
            setters.join(" and "),
            join_quote(&values)
        ),
        paths,
    })
}
