//! `windowsHostProcess` (baseline, v1.0+): Windows `HostProcess` containers are forbidden.
//!
//! A `HostProcess` container runs directly on the Windows node with host privileges.
//!
//! Restricted fields: `spec.securityContext.windowsOptions.hostProcess` and
//! `spec.{initContainers,containers,ephemeralContainers}[*].securityContext.windowsOptions.hostProcess`.
//! Allowed values: unset, `false`.

use std::borrow::Cow;

use super::{Check, CheckId, Forbidden, VersionedCheck};
use crate::Level;
use crate::message::containers_phrase;
use crate::pod::{Pod, truthy};

pub(super) const CHECK: Check = Check {
    id: CheckId::WindowsHostProcess,
    level: Level::Baseline,
    title: "Windows HostProcess containers are forbidden",
    description: "securityContext.windowsOptions.hostProcess must be unset or false on the pod \
                  and every container.",
    versions: &[VersionedCheck {
        since: 0,
        overrides: &[],
        change: "introduced",
        eval: v1_0,
    }],
};

fn v1_0(pod: &Pod<'_>) -> Option<Forbidden> {
    let mut names = Vec::new();
    let mut paths = Vec::new();
    for c in pod.containers() {
        if truthy(c.sc.windows_options.and_then(|w| w.get("hostProcess"))) {
            names.push(c.name);
            paths
                .push(pod.container_path(c, &["securityContext", "windowsOptions", "hostProcess"]));
        }
    }
    let mut setters: Vec<Cow<'static, str>> = Vec::new();
    if truthy(pod.sc.windows_options.and_then(|w| w.get("hostProcess"))) {
        setters.push(Cow::Borrowed("pod"));
        paths.insert(
            0,
            pod.spec_path(&["securityContext", "windowsOptions", "hostProcess"]),
        );
    }
    if !names.is_empty() {
        setters.push(Cow::Owned(containers_phrase(&names)));
    }
    if setters.is_empty() {
        return None;
    }
    Some(Forbidden {
        reason: "hostProcess",
        detail: format!(
            "{} must not set securityContext.windowsOptions.hostProcess=true",
            setters.join(" and ")
        ),
        paths,
    })
}
