//! Pod Security Standards in `moat scan`: one check per upstream PSA check ID, evaluated
//! by `moat-pss` at the level and version given with `--pss-level`/`--pss-version`
//! (off by default, since the native checks already cover the same ground with
//! remediation detail). Messages are the API server's forbidden reason and detail.

use std::sync::LazyLock;

use moat_core::{CheckMeta, Severity};
use moat_manifest::PodSpecView;
use moat_pss::{CHECKS, CheckId, Level};

use crate::engine::{Family, Raw, Settings};

/// Stable moat IDs of the upstream checks. Never renumber; append new ones.
const IDS: &[(CheckId, &str, &str)] = &[
    (CheckId::Privileged, "MOAT-500", "pss-privileged"),
    (CheckId::HostNamespaces, "MOAT-501", "pss-host-namespaces"),
    (CheckId::HostPorts, "MOAT-502", "pss-host-ports"),
    (
        CheckId::HostPathVolumes,
        "MOAT-503",
        "pss-host-path-volumes",
    ),
    (
        CheckId::CapabilitiesBaseline,
        "MOAT-504",
        "pss-capabilities-baseline",
    ),
    (CheckId::ProcMount, "MOAT-505", "pss-proc-mount"),
    (CheckId::SeLinuxOptions, "MOAT-506", "pss-selinux-options"),
    (CheckId::AppArmorProfile, "MOAT-507", "pss-apparmor-profile"),
    (
        CheckId::SeccompProfileBaseline,
        "MOAT-508",
        "pss-seccomp-profile-baseline",
    ),
    (CheckId::Sysctls, "MOAT-509", "pss-sysctls"),
    (
        CheckId::WindowsHostProcess,
        "MOAT-510",
        "pss-windows-host-process",
    ),
    (
        CheckId::HostProbesAndHostLifecycle,
        "MOAT-511",
        "pss-host-probes-and-lifecycle",
    ),
    (
        CheckId::CapabilitiesRestricted,
        "MOAT-512",
        "pss-capabilities-restricted",
    ),
    (
        CheckId::ProcMountRestricted,
        "MOAT-513",
        "pss-proc-mount-restricted",
    ),
    (
        CheckId::SeccompProfileRestricted,
        "MOAT-514",
        "pss-seccomp-profile-restricted",
    ),
    (
        CheckId::RestrictedVolumes,
        "MOAT-515",
        "pss-restricted-volumes",
    ),
    (
        CheckId::AllowPrivilegeEscalation,
        "MOAT-516",
        "pss-allow-privilege-escalation",
    ),
    (CheckId::RunAsNonRoot, "MOAT-517", "pss-run-as-non-root"),
    (CheckId::RunAsUser, "MOAT-518", "pss-run-as-user"),
];

const BASELINE_FIX: &str = "spec:\n  hostNetwork: false\n  hostPID: false\n  hostIPC: false\n  containers:\n  - name: app\n    securityContext:\n      privileged: false\n      capabilities:\n        drop: [\"ALL\"]\n";
const RESTRICTED_FIX: &str = "spec:\n  securityContext:\n    runAsNonRoot: true\n    seccompProfile: {type: RuntimeDefault}\n  containers:\n  - name: app\n    securityContext:\n      allowPrivilegeEscalation: false\n      capabilities:\n        drop: [\"ALL\"]\n";

/// Metadata of every PSS check, built once from the `moat-pss` table.
static METAS: LazyLock<Vec<(CheckId, &'static CheckMeta)>> = LazyLock::new(|| {
    IDS.iter()
        .filter_map(|(cid, id, name)| {
            let c = CHECKS.iter().find(|c| c.id == *cid)?;
            let (severity, framework, fix) = match c.level {
                Level::Restricted => (Severity::Medium, "PSS:restricted", RESTRICTED_FIX),
                _ => (Severity::High, "PSS:baseline", BASELINE_FIX),
            };
            let meta: &'static CheckMeta = Box::leak(Box::new(CheckMeta {
                id,
                name,
                severity,
                title: Box::leak(format!("Pod Security Standard check `{}` fails", cid.as_str()).into_boxed_str()),
                rationale: c.description,
                remediation: Box::leak(
                    format!(
                        "{}. Pod Security Admission would reject this pod at the configured level and version; change the fields named in the finding's detail.",
                        c.title
                    )
                    .into_boxed_str(),
                ),
                fix_example: fix,
                references: &[
                    "https://kubernetes.io/docs/concepts/security/pod-security-standards/",
                    "https://kubernetes.io/docs/concepts/security/pod-security-admission/",
                ],
                frameworks: Box::leak(vec![framework, "NSA-CISA"].into_boxed_slice()),
            }));
            Some((*cid, meta))
        })
        .collect()
});

/// The Pod Security Standards family.
pub struct Pss;

/// The family instance.
pub static PSS: Pss = Pss;

impl Family for Pss {
    fn metas(&self) -> Vec<&'static CheckMeta> {
        METAS.iter().map(|(_, m)| *m).collect()
    }

    fn active(&self, settings: &Settings) -> bool {
        settings.pss.is_some()
    }

    fn check_pod(&self, pod: &PodSpecView<'_>, settings: &Settings) -> Vec<Raw> {
        let Some(lv) = settings.pss else {
            return Vec::new();
        };
        moat_pss::evaluate(pod, lv.level, lv.version)
            .into_iter()
            .filter_map(|v| {
                let meta = METAS.iter().find(|(c, _)| *c == v.check).map(|(_, m)| *m)?;
                Some(Raw {
                    meta,
                    message: format!("{} [PodSecurity {lv}]", v.message()),
                    path: v.path().to_owned(),
                    container: None,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_upstream_check_has_a_moat_id() {
        assert_eq!(METAS.len(), CHECKS.len());
    }
}
