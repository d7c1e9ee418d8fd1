//! Small helpers shared by checks.

use moat_manifest::node::push_key;
use moat_manifest::{ContainerView, Node, PodSpecView};

/// Whether the pod can only run on Windows: it declares `spec.os.name: windows`, its
/// `nodeSelector` requires `kubernetes.io/os: windows` (a label the kubelet sets from the
/// node's operating system), or its pod-level `windowsOptions.hostProcess` is `true`
/// (HostProcess containers exist only on Windows). Linux-only fields are ignored there.
pub fn is_windows(pod: &PodSpecView<'_>) -> bool {
    let os = pod
        .get("os")
        .and_then(|o| o.get("name"))
        .and_then(Node::as_str);
    if let Some(os) = os {
        return os == "windows";
    }
    let selected = pod
        .get("nodeSelector")
        .and_then(|s| s.get("kubernetes.io/os"))
        .and_then(Node::as_str)
        == Some("windows");
    let host_process = pod
        .get("securityContext")
        .and_then(|sc| sc.get("windowsOptions"))
        .and_then(|w| w.get("hostProcess"))
        .and_then(Node::as_bool)
        == Some(true);
    selected || host_process
}

/// A field of the container's own `securityContext` and its path.
pub fn container_sc<'a>(c: &ContainerView<'a>, field: &str) -> Option<(&'a Node, String)> {
    let n = c.security_context()?.get(field).filter(|n| !n.is_null())?;
    Some((n, c.field_path(&format!("securityContext.{field}"))))
}

/// Path of the container's `securityContext` if it has one, else of the container:
/// where to point when a required field is absent.
pub fn sc_or_container(c: &ContainerView<'_>) -> String {
    if c.security_context().is_some() {
        c.field_path("securityContext")
    } else {
        c.path()
    }
}

/// Path of a pod-level `securityContext` field.
pub fn pod_sc_path(pod: &PodSpecView<'_>, field: &str) -> String {
    let mut p = pod.path("securityContext");
    push_key(&mut p, field);
    p
}

/// Whether an API group is one of Kubernetes' built-in groups (custom resources are not
/// judged by checks that only know built-in semantics).
pub fn is_builtin_group(group: &str) -> bool {
    group.is_empty()
        || matches!(
            group,
            "apps" | "batch" | "extensions" | "policy" | "autoscaling"
        )
        || group.ends_with(".k8s.io")
}

/// Capability name normalised: upper case, without a `CAP_` prefix.
pub fn normalize_cap(s: &str) -> String {
    let up = s.trim().to_ascii_uppercase();
    up.strip_prefix("CAP_").map_or(up.clone(), str::to_owned)
}

/// Whether a host path is `prefix` or below it.
pub fn path_under(path: &str, prefix: &str) -> bool {
    if prefix == "/" {
        return path == "/";
    }
    path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|r| r.starts_with('/'))
}

/// Normalises a host path: collapses `//`, drops trailing `/` and `.` segments, resolves `..`.
pub fn normalize_path(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    format!("/{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_caps() {
        assert_eq!(
            normalize_path("/var//run/./docker.sock/"),
            "/var/run/docker.sock"
        );
        assert_eq!(normalize_path("/etc/../"), "/");
        assert!(path_under("/etc/kubernetes", "/etc"));
        assert!(!path_under("/etcd", "/etc"));
        assert!(path_under("/", "/"));
        assert!(!path_under("/tmp", "/"));
        assert_eq!(normalize_cap("cap_sys_admin"), "SYS_ADMIN");
    }
}
