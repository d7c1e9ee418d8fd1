//! Effective user and group IDs: root user, root group, low UIDs.

use moat_core::{CheckMeta, Severity};
use moat_manifest::{ContainerView, Level, PodSpecView, effective};

use crate::util::is_windows;
use crate::{Check, Emit};

fn who(level: Level, name: &str) -> String {
    match level {
        Level::Container => format!("container \"{name}\""),
        Level::Pod => format!("pod securityContext (inherited by container \"{name}\")"),
    }
}

/// Effective `runAsUser: 0`.
pub struct RunAsUserRoot;

static ROOT_META: CheckMeta = CheckMeta {
    id: "MOAT-008",
    name: "run-as-user-root",
    severity: Severity::High,
    title: "Container runs as UID 0",
    rationale: "`runAsUser: 0` explicitly runs the process as root, whatever the image says. Root in a container shares UID 0 with the host kernel; any escape or writable host mount is then root on the node.",
    remediation: "Run as a non-zero UID and set `runAsNonRoot: true`.",
    fix_example: "securityContext:\n  runAsNonRoot: true\n  runAsUser: 10001\n",
    references: &[
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted",
    ],
    frameworks: &["PSS:restricted", "CIS-5.2.7", "NSA-CISA", "MITRE:T1611"],
};

impl Check for RunAsUserRoot {
    fn meta(&self) -> &'static CheckMeta {
        &ROOT_META
    }

    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, out: &mut Emit<'_>) {
        if let Some(e) = effective(pod, c, "runAsUser").filter(|e| e.node.as_i64() == Some(0)) {
            out.container(
                c,
                e.path,
                format!("{} sets runAsUser: 0", who(e.level, c.name())),
            );
        }
    }
}

/// Effective `runAsGroup: 0`, or `fsGroup`/`supplementalGroups` with GID 0.
pub struct RunAsGroupRoot;

static GROUP_META: CheckMeta = CheckMeta {
    id: "MOAT-009",
    name: "run-as-group-root",
    severity: Severity::Medium,
    title: "Container runs with GID 0",
    rationale: "Group 0 (root) owns many sensitive files on the host and in images. A process with GID 0 can read and write them through any host mount or shared volume, even when its UID is not 0.",
    remediation: "Set `runAsGroup` (and `fsGroup`) to a non-zero GID and do not list 0 in `supplementalGroups`.",
    fix_example: "securityContext:\n  runAsUser: 10001\n  runAsGroup: 10001\n  fsGroup: 10001\n",
    references: &["https://kubernetes.io/docs/tasks/configure-pod-container/security-context/"],
    frameworks: &["CIS-5.2.7", "NSA-CISA"],
};

impl Check for RunAsGroupRoot {
    fn meta(&self) -> &'static CheckMeta {
        &GROUP_META
    }

    fn check_pod(&self, pod: &PodSpecView<'_>, out: &mut Emit<'_>) {
        let Some(sc) = pod.security_context() else {
            return;
        };
        if sc.get("fsGroup").and_then(moat_manifest::Node::as_i64) == Some(0) {
            out.report(
                crate::util::pod_sc_path(pod, "fsGroup"),
                "pod securityContext sets fsGroup: 0".to_owned(),
            );
        }
        if let Some(groups) = sc.get("supplementalGroups") {
            for (i, g) in groups.items().iter().enumerate() {
                if g.as_i64() == Some(0) {
                    let mut p = crate::util::pod_sc_path(pod, "supplementalGroups");
                    moat_manifest::node::push_index(&mut p, i);
                    out.report(
                        p,
                        "pod securityContext lists GID 0 in supplementalGroups".to_owned(),
                    );
                }
            }
        }
    }

    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, out: &mut Emit<'_>) {
        if let Some(e) = effective(pod, c, "runAsGroup").filter(|e| e.node.as_i64() == Some(0)) {
            out.container(
                c,
                e.path,
                format!("{} sets runAsGroup: 0", who(e.level, c.name())),
            );
        }
    }
}

/// Effective `runAsUser` between 1 and the configured threshold.
pub struct LowUid;

static LOW_META: CheckMeta = CheckMeta {
    id: "MOAT-010",
    name: "low-uid",
    severity: Severity::Low,
    title: "Container runs with a low UID",
    rationale: "UIDs below 10000 collide with system and user accounts on the host. If the container escapes or shares a host mount, its files and processes belong to a real host account. The threshold is configurable (`min-uid` in `.moat.yaml`).",
    remediation: "Use a UID of 10000 or more (and the same for `runAsGroup`).",
    fix_example: "securityContext:\n  runAsUser: 10001\n  runAsGroup: 10001\n",
    references: &["https://kubernetes.io/docs/tasks/configure-pod-container/security-context/"],
    frameworks: &["NSA-CISA"],
};

impl Check for LowUid {
    fn meta(&self) -> &'static CheckMeta {
        &LOW_META
    }

    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, out: &mut Emit<'_>) {
        if is_windows(pod) {
            return;
        }
        let min = out.settings.min_uid;
        if let Some(e) = effective(pod, c, "runAsUser")
            && let Some(uid) = e.node.as_i64().filter(|u| *u > 0 && *u < min)
        {
            out.container(
                c,
                e.path,
                format!(
                    "{} sets runAsUser: {uid}, below {min}",
                    who(e.level, c.name())
                ),
            );
        }
    }
}
