//! `seLinuxOptions` (baseline, v1.0+): the `SELinux` type is restricted to container types,
//! and a custom `SELinux` user or role is forbidden.
//!
//! Restricted fields: `spec.securityContext.seLinuxOptions` and
//! `spec.{initContainers,containers,ephemeralContainers}[*].securityContext.seLinuxOptions`:
//! `type` must be unset/empty, `container_t`, `container_init_t` or `container_kvm_t`
//! (v1.31+ also `container_engine_t`); `user` and `role` must be unset/empty.

use std::borrow::Cow;

use moat_manifest::Node;

use super::{Check, CheckId, Forbidden, VersionedCheck};
use crate::Level;
use crate::message::{containers_phrase, join_quote, pluralize, sorted_set};
use crate::pod::{Pod, field_text};

pub(super) const CHECK: Check = Check {
    id: CheckId::SeLinuxOptions,
    level: Level::Baseline,
    title: "SELinux type is restricted; custom user and role are forbidden",
    description: "seLinuxOptions.type must be empty, container_t, container_init_t or \
                  container_kvm_t (v1.31+: also container_engine_t); seLinuxOptions.user and \
                  .role must be empty.",
    versions: &[
        VersionedCheck {
            since: 0,
            overrides: &[],
            change: "introduced",
            eval: v1_0,
        },
        VersionedCheck {
            since: 31,
            overrides: &[],
            change: "container_engine_t is an allowed type",
            eval: v1_31,
        },
    ],
};

const TYPES_1_0: &[&str] = &["", "container_t", "container_init_t", "container_kvm_t"];
const TYPES_1_31: &[&str] = &[
    "",
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

fn v1_0(pod: &Pod<'_>) -> Option<Forbidden> {
    check(pod, TYPES_1_0)
}

fn v1_31(pod: &Pod<'_>) -> Option<Forbidden> {
    check(pod, TYPES_1_31)
}

#[derive(Default)]
struct Acc<'a> {
    types: Vec<Cow<'a, str>>,
    user: bool,
    role: bool,
    paths: Vec<String>,
}

impl<'a> Acc<'a> {
    /// Records what is wrong with `opts`; `path` builds the path of a sub-field.
    fn judge(&mut self, opts: &'a Node, allowed: &[&str], path: impl Fn(&str) -> String) -> bool {
        let mut valid = true;
        let t = field_text(Some(opts), "type");
        if !allowed.contains(&t.as_ref()) {
            valid = false;
            self.types.push(t);
            self.paths.push(path("type"));
        }
        if !field_text(Some(opts), "user").is_empty() {
            valid = false;
            self.user = true;
            self.paths.push(path("user"));
        }
        if !field_text(Some(opts), "role").is_empty() {
            valid = false;
            self.role = true;
            self.paths.push(path("role"));
        }
        valid
    }
}

fn check(pod: &Pod<'_>, allowed: &[&str]) -> Option<Forbidden> {
    let mut acc = Acc::default();
    let mut setters: Vec<Cow<'static, str>> = Vec::new();
    if let Some(opts) = pod.sc.se_linux_options
        && !acc.judge(opts, allowed, |f| {
            pod.spec_path(&["securityContext", "seLinuxOptions", f])
        })
    {
        setters.push(Cow::Borrowed("pod"));
    }
    let mut names = Vec::new();
    for c in pod.containers() {
        if let Some(opts) = c.sc.se_linux_options
            && !acc.judge(opts, allowed, |f| {
                pod.container_path(c, &["securityContext", "seLinuxOptions", f])
            })
        {
            names.push(c.name);
        }
    }
    if !names.is_empty() {
        setters.push(Cow::Owned(containers_phrase(&names)));
    }
    if setters.is_empty() {
        return None;
    }
    let mut data = Vec::new();
    let types = sorted_set(acc.types);
    if !types.is_empty() {
        data.push(format!(
            "{} {}",
            pluralize("type", "types", types.len()),
            join_quote(&types)
        ));
    }
    if acc.user {
        data.push("user may not be set".to_owned());
    }
    if acc.role {
        data.push("role may not be set".to_owned());
    }
    Some(Forbidden {
        reason: "seLinuxOptions",
        detail: format!(
            "{} set forbidden securityContext.seLinuxOptions: {}",
            setters.join(" and "),
            data.join("; ")
        ),
        paths: acc.paths,
    })
}
