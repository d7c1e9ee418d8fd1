//! The capabilities family: dangerous added capabilities, other added capabilities, and
//! a missing `drop: ["ALL"]`.

use moat_core::{CheckMeta, Severity};
use moat_manifest::node::push_index;
use moat_manifest::{ContainerView, Node, PodSpecView};

use crate::util::{is_windows, normalize_cap, sc_or_container};
use crate::{Check, Emit};

/// Capabilities that alone allow escaping the container or controlling the node. Members of
/// the runtimes' default set that the baseline Pod Security Standard allows adding back
/// (`DAC_OVERRIDE`, `SETFCAP`, `CHOWN`, `FOWNER`, ...) are not here: adding one restores a default
/// and is reported by MOAT-006 instead.
pub const DANGEROUS: &[&str] = &[
    "ALL",
    "SYS_ADMIN",
    "NET_ADMIN",
    "SYS_PTRACE",
    "SYS_MODULE",
    "NET_RAW",
    "DAC_READ_SEARCH",
    "BPF",
    "PERFMON",
    "SYS_RAWIO",
    "SYS_BOOT",
    "SYS_TIME",
    "MAC_ADMIN",
    "MAC_OVERRIDE",
    "SYSLOG",
    "SYS_RESOURCE",
    "NET_BROADCAST",
    "LINUX_IMMUTABLE",
];

/// Iterates `securityContext.capabilities.<list>` with normalised names and paths.
fn caps(c: &ContainerView<'_>, list: &str) -> Vec<(String, String)> {
    let items = c
        .security_context()
        .and_then(|sc| sc.get("capabilities"))
        .and_then(|cap| cap.get(list))
        .map_or(&[][..], Node::items);
    items
        .iter()
        .enumerate()
        .filter_map(|(i, n)| {
            let name = normalize_cap(n.as_str()?);
            let mut path = c.field_path(&format!("securityContext.capabilities.{list}"));
            push_index(&mut path, i);
            Some((name, path))
        })
        .collect()
}

/// An added capability from [`DANGEROUS`].
pub struct DangerousCapability;

static DANGEROUS_META: CheckMeta = CheckMeta {
    id: "MOAT-004",
    name: "dangerous-capability",
    severity: Severity::High,
    title: "Container adds a dangerous Linux capability",
    rationale: "Capabilities such as SYS_ADMIN, SYS_MODULE, SYS_PTRACE, NET_ADMIN, DAC_READ_SEARCH or BPF each give a container a well-known path to the host: mounting filesystems, loading kernel modules, reading other processes' memory, reconfiguring the node's network or reading any file. NET_RAW enables ARP and DNS spoofing inside the cluster network.",
    remediation: "Remove the capability from `capabilities.add`. If the workload truly needs it (a CNI plugin, a debugger), isolate it on dedicated nodes and waive this finding with a reason.",
    fix_example: "securityContext:\n  capabilities:\n    drop: [\"ALL\"]\n    add: [\"NET_BIND_SERVICE\"]\n",
    references: &[
        "https://man7.org/linux/man-pages/man7/capabilities.7.html",
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline",
    ],
    frameworks: &[
        "PSS:baseline",
        "CIS-5.2.8",
        "CIS-5.2.9",
        "NSA-CISA",
        "MITRE:T1611",
    ],
};

impl Check for DangerousCapability {
    fn meta(&self) -> &'static CheckMeta {
        &DANGEROUS_META
    }

    fn check_container(&self, _pod: &PodSpecView<'_>, c: &ContainerView<'_>, out: &mut Emit<'_>) {
        for (cap, path) in caps(c, "add") {
            if DANGEROUS.contains(&cap.as_str()) {
                out.container(
                    c,
                    path,
                    format!("container \"{}\" adds capability {cap}", c.name()),
                );
            }
        }
    }
}

/// An added capability that is not dangerous but still beyond `NET_BIND_SERVICE`.
pub struct CapabilityAdded;

static ADDED_META: CheckMeta = CheckMeta {
    id: "MOAT-006",
    name: "capability-added",
    severity: Severity::Low,
    title: "Container adds a Linux capability",
    rationale: "The restricted Pod Security Standard allows adding only NET_BIND_SERVICE. Every other added capability widens what a compromised process may do, and is rarely needed by applications.",
    remediation: "Drop the capability, or replace the need for it (e.g. listen on a port above 1024 instead of adding NET_BIND_SERVICE).",
    fix_example: "securityContext:\n  capabilities:\n    drop: [\"ALL\"]\n",
    references: &[
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted",
    ],
    frameworks: &["PSS:restricted", "CIS-5.2.9", "NSA-CISA"],
};

impl Check for CapabilityAdded {
    fn meta(&self) -> &'static CheckMeta {
        &ADDED_META
    }

    fn check_container(&self, _pod: &PodSpecView<'_>, c: &ContainerView<'_>, out: &mut Emit<'_>) {
        for (cap, path) in caps(c, "add") {
            if cap != "NET_BIND_SERVICE" && !DANGEROUS.contains(&cap.as_str()) {
                out.container(
                    c,
                    path,
                    format!("container \"{}\" adds capability {cap}", c.name()),
                );
            }
        }
    }
}

/// `capabilities.drop` does not contain `ALL`.
pub struct DropAll;

static DROP_META: CheckMeta = CheckMeta {
    id: "MOAT-005",
    name: "capabilities-drop-all",
    severity: Severity::Low,
    title: "Container does not drop all capabilities",
    rationale: "Container runtimes grant a default set of capabilities (CHOWN, DAC_OVERRIDE, FOWNER, SETUID, SETGID, NET_RAW, …) that most applications never use. Dropping ALL and adding back only what is needed removes that attack surface; the restricted Pod Security Standard requires it.",
    remediation: "Set `capabilities.drop: [\"ALL\"]` and add back only what the process needs.",
    fix_example: "securityContext:\n  capabilities:\n    drop: [\"ALL\"]\n",
    references: &[
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted",
        "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/#set-capabilities-for-a-container",
    ],
    frameworks: &["PSS:restricted", "CIS-5.2.8", "CIS-5.2.10", "NSA-CISA"],
};

impl Check for DropAll {
    fn meta(&self) -> &'static CheckMeta {
        &DROP_META
    }

    fn check_container(&self, pod: &PodSpecView<'_>, c: &ContainerView<'_>, out: &mut Emit<'_>) {
        if is_windows(pod) || caps(c, "drop").iter().any(|(n, _)| n == "ALL") {
            return;
        }
        let cap_node = c.security_context().and_then(|sc| sc.get("capabilities"));
        let path = match cap_node {
            Some(cn) if cn.get("drop").is_some() => {
                c.field_path("securityContext.capabilities.drop")
            }
            Some(_) => c.field_path("securityContext.capabilities"),
            None => sc_or_container(c),
        };
        out.container(
            c,
            path,
            format!("container \"{}\" does not drop ALL capabilities", c.name()),
        );
    }
}
