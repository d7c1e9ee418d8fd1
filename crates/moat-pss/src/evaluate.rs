//! Evaluating a pod at a level and version: which checks run (versions, overrides,
//! upstream order), the [`Violation`]s they report, and the API server's aggregated
//! messages.

use std::sync::OnceLock;

use moat_manifest::PodSpecView;

use crate::checks::{CHECKS, CheckFn, CheckId};
use crate::pod::Pod;
use crate::version::{Level, LevelVersion, MAX_MINOR, Version};

/// One failed check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The upstream check that failed.
    pub check: CheckId,
    /// Upstream's forbidden reason, e.g. `allowPrivilegeEscalation != false`.
    pub reason: &'static str,
    /// Upstream's forbidden detail, e.g.
    /// `container "app" must set securityContext.allowPrivilegeEscalation=false`.
    pub detail: String,
    /// Field paths (relative to the resource) of every offending field, or of where the
    /// missing field belongs; never empty. Resolve lines with `Resource::pos_of`.
    pub paths: Vec<String>,
}

impl Violation {
    /// The first offending field path.
    pub fn path(&self) -> &str {
        self.paths.first().map_or("", String::as_str)
    }

    /// `reason (detail)`, one entry of the API server's message.
    pub fn message(&self) -> String {
        let mut s = String::with_capacity(self.reason.len() + self.detail.len() + 3);
        push_message(&mut s, self);
        s
    }
}

fn push_message(s: &mut String, v: &Violation) {
    s.push_str(v.reason);
    if !v.detail.is_empty() {
        s.push_str(" (");
        s.push_str(&v.detail);
        s.push(')');
    }
}

/// Upstream's aggregated forbidden reason: the reasons joined by `, `.
pub fn forbidden_reason(violations: &[Violation]) -> String {
    violations
        .iter()
        .map(|v| v.reason)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Upstream's aggregated forbidden detail: `reason (detail), reason (detail)`.
pub fn forbidden_detail(violations: &[Violation]) -> String {
    let mut s = String::new();
    for (i, v) in violations.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        push_message(&mut s, v);
    }
    s
}

/// The API server's denial text: `violates PodSecurity "restricted:latest": …`
/// (`pods "name" is forbidden: ` precedes it in `kubectl` output).
pub fn denial_message(policy: LevelVersion, violations: &[Violation]) -> String {
    format!(
        "violates PodSecurity \"{policy}\": {}",
        forbidden_detail(violations)
    )
}

#[derive(Clone, Copy)]
struct Active {
    id: CheckId,
    eval: CheckFn,
}

const VERSIONS: usize = MAX_MINOR as usize + 1;

/// The checks in force for each (level, minor version), in upstream order.
fn table() -> &'static [Vec<Active>] {
    static TABLE: OnceLock<Vec<Vec<Active>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = Vec::with_capacity(2 * VERSIONS);
        for level in [Level::Baseline, Level::Restricted] {
            for minor in 0..=MAX_MINOR {
                t.push(resolve(level, Version::V1(minor)));
            }
        }
        t
    })
}

fn resolve(level: Level, version: Version) -> Vec<Active> {
    CHECKS
        .iter()
        .filter(|c| c.level <= level)
        .filter(|c| !(level == Level::Restricted && c.overridden_by(version).is_some()))
        .filter_map(|c| {
            c.at(version).map(|v| Active {
                id: c.id,
                eval: v.eval,
            })
        })
        .collect()
}

fn active(level: Level, version: Version) -> &'static [Active] {
    let row = match level {
        Level::Privileged => return &[],
        Level::Baseline => 0,
        Level::Restricted => 1,
    };
    let minor = version.effective_minor() as usize;
    table()
        .get(row * VERSIONS + minor)
        .map_or(&[][..], Vec::as_slice)
}

/// The checks that run at `level` and `version`, in the order they report.
pub fn active_checks(level: Level, version: Version) -> impl Iterator<Item = CheckId> {
    active(level, version).iter().map(|a| a.id)
}

/// Evaluates a workload's pod spec. An empty result means the pod is allowed.
pub fn evaluate(pod: &PodSpecView<'_>, level: Level, version: Version) -> Vec<Violation> {
    evaluate_pod(&Pod::of(pod), level, version)
}

/// Evaluates a [`Pod`] (build one from any template node with [`Pod::from_template`]).
pub fn evaluate_pod(pod: &Pod<'_>, level: Level, version: Version) -> Vec<Violation> {
    let mut out = Vec::new();
    for a in active(level, version) {
        if let Some(f) = (a.eval)(pod) {
            if out.is_empty() {
                out.reserve(4);
            }
            let mut paths = f.paths;
            if paths.is_empty() {
                paths.push(pod.spec_path(&[]));
            }
            out.push(Violation {
                check: a.id,
                reason: f.reason,
                detail: f.detail,
                paths,
            });
        }
    }
    out
}

/// Whether the pod passes, without building messages for the checks that fail.
pub fn allowed(pod: &PodSpecView<'_>, level: Level, version: Version) -> bool {
    let pod = Pod::of(pod);
    active(level, version)
        .iter()
        .all(|a| (a.eval)(&pod).is_none())
}

impl<'a> Pod<'a> {
    /// The pod of a workload view.
    pub fn of(view: &PodSpecView<'a>) -> Self {
        Pod::from_template(view.template, view.template_path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(level: Level, v: Version) -> Vec<&'static str> {
        active_checks(level, v).map(CheckId::as_str).collect()
    }

    #[test]
    fn check_sets_by_version() {
        assert!(ids(Level::Privileged, Version::Latest).is_empty());
        assert_eq!(
            ids(Level::Baseline, Version::V1(0)),
            [
                "appArmorProfile",
                "capabilities_baseline",
                "hostNamespaces",
                "hostPathVolumes",
                "hostPorts",
                "privileged",
                "procMount",
                "seLinuxOptions",
                "seccompProfile_baseline",
                "sysctls",
                "windowsHostProcess"
            ]
        );
        assert_eq!(
            ids(Level::Restricted, Version::V1(0)),
            [
                "appArmorProfile",
                "capabilities_baseline",
                "hostNamespaces",
                "hostPorts",
                "privileged",
                "procMount",
                "seLinuxOptions",
                "seccompProfile_baseline",
                "sysctls",
                "windowsHostProcess",
                "restrictedVolumes",
                "runAsNonRoot"
            ]
        );
        assert_eq!(
            ids(Level::Restricted, Version::Latest),
            [
                "appArmorProfile",
                "hostNamespaces",
                "hostPorts",
                "hostProbesAndHostLifecycle",
                "privileged",
                "seLinuxOptions",
                "sysctls",
                "windowsHostProcess",
                "allowPrivilegeEscalation",
                "capabilities_restricted",
                "procMount_restricted",
                "restrictedVolumes",
                "runAsNonRoot",
                "runAsUser",
                "seccompProfile_restricted"
            ]
        );
        assert_eq!(
            ids(Level::Restricted, Version::V1(99)),
            ids(Level::Restricted, Version::Latest)
        );
        let r34 = ids(Level::Restricted, Version::V1(34));
        assert!(r34.contains(&"procMount") && !r34.contains(&"procMount_restricted"));
        let r18 = ids(Level::Restricted, Version::V1(18));
        assert!(
            r18.contains(&"seccompProfile_baseline") && r18.contains(&"allowPrivilegeEscalation")
        );
        assert!(!ids(Level::Restricted, Version::V1(7)).contains(&"allowPrivilegeEscalation"));
    }
}
