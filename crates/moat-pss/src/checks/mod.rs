//! The upstream checks, one module each, and the table of them ([`CHECKS`]).
//!
//! Every check has the upstream ID, its level, and the list of its versioned
//! implementations: each applies from its minimum version until the next one, and a
//! restricted check may override (replace) baseline checks from its version on.

use std::fmt;

use crate::Level;
use crate::pod::Pod;
use crate::version::Version;

mod allow_privilege_escalation;
mod app_armor_profile;
mod capabilities_baseline;
mod capabilities_restricted;
mod host_namespaces;
mod host_path_volumes;
mod host_ports;
mod host_probes_and_host_lifecycle;
mod privileged;
mod proc_mount;
mod proc_mount_restricted;
mod restricted_volumes;
mod run_as_non_root;
mod run_as_user;
mod se_linux_options;
mod seccomp_profile_baseline;
mod seccomp_profile_restricted;
mod sysctls;
mod windows_host_process;

/// An upstream check ID (`policy/check_*.go`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CheckId {
    /// `allowPrivilegeEscalation` (restricted).
    AllowPrivilegeEscalation,
    /// `appArmorProfile` (baseline).
    AppArmorProfile,
    /// `capabilities_baseline` (baseline).
    CapabilitiesBaseline,
    /// `capabilities_restricted` (restricted).
    CapabilitiesRestricted,
    /// `hostNamespaces` (baseline).
    HostNamespaces,
    /// `hostPathVolumes` (baseline).
    HostPathVolumes,
    /// `hostPorts` (baseline).
    HostPorts,
    /// `hostProbesAndHostLifecycle` (baseline, v1.34+).
    HostProbesAndHostLifecycle,
    /// `privileged` (baseline).
    Privileged,
    /// `procMount` (baseline).
    ProcMount,
    /// `procMount_restricted` (restricted, v1.35+).
    ProcMountRestricted,
    /// `restrictedVolumes` (restricted).
    RestrictedVolumes,
    /// `runAsNonRoot` (restricted).
    RunAsNonRoot,
    /// `runAsUser` (restricted, v1.23+).
    RunAsUser,
    /// `seLinuxOptions` (baseline).
    SeLinuxOptions,
    /// `seccompProfile_baseline` (baseline).
    SeccompProfileBaseline,
    /// `seccompProfile_restricted` (restricted, v1.19+).
    SeccompProfileRestricted,
    /// `sysctls` (baseline).
    Sysctls,
    /// `windowsHostProcess` (baseline).
    WindowsHostProcess,
}

impl CheckId {
    /// Every ID.
    pub const ALL: [CheckId; 19] = [
        CheckId::AllowPrivilegeEscalation,
        CheckId::AppArmorProfile,
        CheckId::CapabilitiesBaseline,
        CheckId::CapabilitiesRestricted,
        CheckId::HostNamespaces,
        CheckId::HostPathVolumes,
        CheckId::HostPorts,
        CheckId::HostProbesAndHostLifecycle,
        CheckId::Privileged,
        CheckId::ProcMount,
        CheckId::ProcMountRestricted,
        CheckId::RestrictedVolumes,
        CheckId::RunAsNonRoot,
        CheckId::RunAsUser,
        CheckId::SeLinuxOptions,
        CheckId::SeccompProfileBaseline,
        CheckId::SeccompProfileRestricted,
        CheckId::Sysctls,
        CheckId::WindowsHostProcess,
    ];

    /// The upstream ID, e.g. `capabilities_restricted`.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckId::AllowPrivilegeEscalation => "allowPrivilegeEscalation",
            CheckId::AppArmorProfile => "appArmorProfile",
            CheckId::CapabilitiesBaseline => "capabilities_baseline",
            CheckId::CapabilitiesRestricted => "capabilities_restricted",
            CheckId::HostNamespaces => "hostNamespaces",
            CheckId::HostPathVolumes => "hostPathVolumes",
            CheckId::HostPorts => "hostPorts",
            CheckId::HostProbesAndHostLifecycle => "hostProbesAndHostLifecycle",
            CheckId::Privileged => "privileged",
            CheckId::ProcMount => "procMount",
            CheckId::ProcMountRestricted => "procMount_restricted",
            CheckId::RestrictedVolumes => "restrictedVolumes",
            CheckId::RunAsNonRoot => "runAsNonRoot",
            CheckId::RunAsUser => "runAsUser",
            CheckId::SeLinuxOptions => "seLinuxOptions",
            CheckId::SeccompProfileBaseline => "seccompProfile_baseline",
            CheckId::SeccompProfileRestricted => "seccompProfile_restricted",
            CheckId::Sysctls => "sysctls",
            CheckId::WindowsHostProcess => "windowsHostProcess",
        }
    }

    /// Finds an ID by its upstream spelling, ignoring ASCII case
    /// (`allowprivilegeescalation` finds `allowPrivilegeEscalation`).
    pub fn parse(s: &str) -> Option<CheckId> {
        CheckId::ALL
            .into_iter()
            .find(|id| id.as_str().eq_ignore_ascii_case(s))
    }

    /// The check's table entry.
    pub fn check(self) -> &'static Check {
        // CHECKS holds one entry per ID (a unit test proves it); the fallback is unreachable.
        CHECKS
            .iter()
            .find(|c| c.id == self)
            .unwrap_or(&privileged::CHECK)
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a failing check reports before the registry attaches its ID.
#[derive(Debug)]
pub(crate) struct Forbidden {
    pub reason: &'static str,
    pub detail: String,
    pub paths: Vec<String>,
}

/// A check implementation: `None` when the pod is allowed.
pub(crate) type CheckFn = fn(&Pod<'_>) -> Option<Forbidden>;

/// One upstream check.
#[derive(Debug)]
pub struct Check {
    /// Upstream ID.
    pub id: CheckId,
    /// The level that introduces it (restricted also runs every baseline check it does not
    /// override).
    pub level: Level,
    /// One-line title.
    pub title: &'static str,
    /// What the check requires, in a few sentences.
    pub description: &'static str,
    /// Its versioned implementations, oldest first.
    pub versions: &'static [VersionedCheck],
}

/// One versioned implementation of a check.
#[derive(Debug)]
pub struct VersionedCheck {
    /// First minor version (`v1.N`) it applies to; it applies until the next one.
    pub since: u32,
    /// Baseline checks this restricted check replaces at the restricted level.
    pub overrides: &'static [CheckId],
    /// What changed in this version.
    pub change: &'static str,
    pub(crate) eval: CheckFn,
}

impl Check {
    /// The first version the check exists in.
    pub fn min_version(&self) -> Version {
        Version::V1(self.versions.first().map_or(0, |v| v.since))
    }

    /// The implementation in force at `version`, if the check exists there.
    pub fn at(&self, version: Version) -> Option<&'static VersionedCheck> {
        let minor = version.effective_minor();
        self.versions.iter().rev().find(|v| v.since <= minor)
    }

    /// The restricted check that replaces this (baseline) check at the restricted level
    /// and `version`, if any.
    pub fn overridden_by(&self, version: Version) -> Option<CheckId> {
        CHECKS
            .iter()
            .find(|c| {
                c.at(version)
                    .is_some_and(|v| v.overrides.contains(&self.id))
            })
            .map(|c| c.id)
    }
}

/// Every upstream check, in upstream's evaluation order: baseline checks sorted by ID,
/// then restricted checks sorted by ID (byte order, as Go sorts).
pub static CHECKS: &[Check] = &[
    app_armor_profile::CHECK,
    capabilities_baseline::CHECK,
    host_namespaces::CHECK,
    host_path_volumes::CHECK,
    host_ports::CHECK,
    host_probes_and_host_lifecycle::CHECK,
    privileged::CHECK,
    proc_mount::CHECK,
    se_linux_options::CHECK,
    seccomp_profile_baseline::CHECK,
    sysctls::CHECK,
    windows_host_process::CHECK,
    allow_privilege_escalation::CHECK,
    capabilities_restricted::CHECK,
    proc_mount_restricted::CHECK,
    restricted_volumes::CHECK,
    run_as_non_root::CHECK,
    run_as_user::CHECK,
    seccomp_profile_restricted::CHECK,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_complete_ordered_and_well_formed() {
        let ids: Vec<_> = CHECKS.iter().map(|c| c.id).collect();
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique, CheckId::ALL, "one entry per ID");
        for level in [Level::Baseline, Level::Restricted] {
            let names: Vec<_> = CHECKS
                .iter()
                .filter(|c| c.level == level)
                .map(|c| c.id.as_str())
                .collect();
            assert!(names.is_sorted(), "{level} checks in byte order: {names:?}");
        }
        let first_restricted = CHECKS.iter().position(|c| c.level == Level::Restricted);
        assert!(
            CHECKS
                .iter()
                .skip(first_restricted.unwrap_or(0))
                .all(|c| c.level == Level::Restricted)
        );
        for c in CHECKS {
            assert!(!c.versions.is_empty(), "{}", c.id);
            assert!(c.versions.windows(2).all(|w| w[0].since < w[1].since));
            for v in c.versions {
                assert!(
                    v.overrides.is_empty() || c.level == Level::Restricted,
                    "only restricted checks override"
                );
                assert!(
                    v.overrides
                        .iter()
                        .all(|o| o.check().level == Level::Baseline)
                );
            }
            assert_eq!(c.id.check().id, c.id);
            assert_eq!(CheckId::parse(&c.id.as_str().to_lowercase()), Some(c.id));
        }
    }

    #[test]
    fn minimum_versions_and_overrides() {
        let min = |id: CheckId| id.check().min_version();
        assert_eq!(min(CheckId::AllowPrivilegeEscalation), Version::V1(8));
        assert_eq!(min(CheckId::CapabilitiesRestricted), Version::V1(22));
        assert_eq!(min(CheckId::RunAsUser), Version::V1(23));
        assert_eq!(min(CheckId::SeccompProfileRestricted), Version::V1(19));
        assert_eq!(min(CheckId::HostProbesAndHostLifecycle), Version::V1(34));
        assert_eq!(min(CheckId::ProcMountRestricted), Version::V1(35));
        assert_eq!(min(CheckId::Privileged), Version::V1(0));
        let by = |id: CheckId, v: u32| id.check().overridden_by(Version::V1(v));
        assert_eq!(by(CheckId::CapabilitiesBaseline, 21), None);
        assert_eq!(
            by(CheckId::CapabilitiesBaseline, 22),
            Some(CheckId::CapabilitiesRestricted)
        );
        assert_eq!(by(CheckId::SeccompProfileBaseline, 18), None);
        assert_eq!(
            by(CheckId::SeccompProfileBaseline, 19),
            Some(CheckId::SeccompProfileRestricted)
        );
        assert_eq!(
            by(CheckId::HostPathVolumes, 0),
            Some(CheckId::RestrictedVolumes)
        );
        assert_eq!(by(CheckId::ProcMount, 34), None);
        assert_eq!(
            by(CheckId::ProcMount, 35),
            Some(CheckId::ProcMountRestricted)
        );
        assert_eq!(by(CheckId::Privileged, 37), None);
    }
}
