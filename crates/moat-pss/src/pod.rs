//! The pod a check looks at: its metadata, its spec and the path of both inside the
//! resource, with allocation-free accessors that read the spanned tree the way the API
//! server's typed decoding would (a `null` field is an unset pointer).
//!
//! Paths are only built when a check has found something to report.

use std::borrow::Cow;

use moat_manifest::node::push_key;
use moat_manifest::{Node, Value};

/// Which list a container is in; visited in this order, as upstream does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Init,
    Regular,
    Ephemeral,
}

impl Kind {
    fn field(self) -> &'static str {
        match self {
            Kind::Init => "initContainers",
            Kind::Regular => "containers",
            Kind::Ephemeral => "ephemeralContainers",
        }
    }
}

/// The security-context fields the checks read (pod- and container-level share one
/// shape), each `None` when unset or `null`. Filled in one pass over the mapping.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Sc<'a> {
    pub allow_privilege_escalation: Option<&'a Node>,
    pub app_armor_profile: Option<&'a Node>,
    pub capabilities: Option<&'a Node>,
    pub privileged: Option<&'a Node>,
    pub proc_mount: Option<&'a Node>,
    pub run_as_non_root: Option<&'a Node>,
    pub run_as_user: Option<&'a Node>,
    pub se_linux_options: Option<&'a Node>,
    pub seccomp_profile: Option<&'a Node>,
    pub sysctls: Option<&'a Node>,
    pub windows_options: Option<&'a Node>,
}

impl<'a> Sc<'a> {
    fn scan(node: Option<&'a Node>) -> Self {
        let mut sc = Sc::default();
        for e in node.map_or(&[][..], Node::entries) {
            let v = set(Some(&e.value));
            match e.key.as_str() {
                "allowPrivilegeEscalation" => sc.allow_privilege_escalation = v,
                "appArmorProfile" => sc.app_armor_profile = v,
                "capabilities" => sc.capabilities = v,
                "privileged" => sc.privileged = v,
                "procMount" => sc.proc_mount = v,
                "runAsNonRoot" => sc.run_as_non_root = v,
                "runAsUser" => sc.run_as_user = v,
                "seLinuxOptions" => sc.se_linux_options = v,
                "seccompProfile" => sc.seccomp_profile = v,
                "sysctls" => sc.sysctls = v,
                "windowsOptions" => sc.windows_options = v,
                _ => {}
            }
        }
        sc
    }
}

/// One container of the pod, with the fields the checks read.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Container<'a> {
    pub kind: Kind,
    pub index: usize,
    /// `name`, or `""` (as a Go string field would read).
    pub name: &'a str,
    /// Its `securityContext`.
    pub sc: Sc<'a>,
    pub ports: Option<&'a Node>,
    pub liveness_probe: Option<&'a Node>,
    pub readiness_probe: Option<&'a Node>,
    pub startup_probe: Option<&'a Node>,
    pub lifecycle: Option<&'a Node>,
}

impl<'a> Container<'a> {
    fn scan(node: &'a Node, kind: Kind, index: usize) -> Self {
        let mut c = Container {
            kind,
            index,
            name: "",
            sc: Sc::default(),
            ports: None,
            liveness_probe: None,
            readiness_probe: None,
            startup_probe: None,
            lifecycle: None,
        };
        for e in node.entries() {
            let v = set(Some(&e.value));
            match e.key.as_str() {
                "name" => c.name = e.value.as_str().unwrap_or(""),
                "securityContext" => c.sc = Sc::scan(v),
                "ports" => c.ports = v,
                "livenessProbe" => c.liveness_probe = v,
                "readinessProbe" => c.readiness_probe = v,
                "startupProbe" => c.startup_probe = v,
                "lifecycle" => c.lifecycle = v,
                _ => {}
            }
        }
        c
    }
}

/// A pod (or pod template) being evaluated: the fields every check reads, found in one
/// pass over the tree.
#[derive(Clone, Debug)]
pub struct Pod<'a> {
    /// `metadata.annotations` of the pod or template.
    pub(crate) annotations: Option<&'a Node>,
    /// Path of the template inside the resource (`""` for a Pod).
    pub(crate) base: &'a str,
    /// The pod-level `securityContext`.
    pub(crate) sc: Sc<'a>,
    pub(crate) host_network: Option<&'a Node>,
    pub(crate) host_pid: Option<&'a Node>,
    pub(crate) host_ipc: Option<&'a Node>,
    pub(crate) host_users: Option<&'a Node>,
    pub(crate) os: Option<&'a Node>,
    pub(crate) volumes: Option<&'a Node>,
    /// Every container: init, regular, then ephemeral, as upstream visits them.
    pub(crate) containers: Vec<Container<'a>>,
}

impl<'a> Pod<'a> {
    /// A pod from a template node (`{metadata, spec}`, or a whole Pod) found at
    /// `template_path` in its resource.
    pub fn from_template(template: &'a Node, template_path: &'a str) -> Self {
        let mut pod = Pod {
            annotations: set(template.get("metadata")).and_then(|m| set(m.get("annotations"))),
            base: template_path,
            sc: Sc::default(),
            host_network: None,
            host_pid: None,
            host_ipc: None,
            host_users: None,
            os: None,
            volumes: None,
            containers: Vec::new(),
        };
        let spec = set(template.get("spec"));
        let mut lists: [&'a [Node]; 3] = [&[], &[], &[]];
        for e in spec.map_or(&[][..], Node::entries) {
            let v = set(Some(&e.value));
            match e.key.as_str() {
                "securityContext" => pod.sc = Sc::scan(v),
                "hostNetwork" => pod.host_network = v,
                "hostPID" => pod.host_pid = v,
                "hostIPC" => pod.host_ipc = v,
                "hostUsers" => pod.host_users = v,
                "os" => pod.os = v,
                "volumes" => pod.volumes = v,
                "initContainers" => lists[0] = e.value.items(),
                "containers" => lists[1] = e.value.items(),
                "ephemeralContainers" => lists[2] = e.value.items(),
                _ => {}
            }
        }
        pod.containers
            .reserve_exact(lists.iter().map(|l| l.len()).sum());
        for (kind, list) in [Kind::Init, Kind::Regular, Kind::Ephemeral]
            .into_iter()
            .zip(lists)
        {
            for (index, node) in list.iter().enumerate() {
                pod.containers.push(Container::scan(node, kind, index));
            }
        }
        pod
    }

    /// `metadata.annotations` entries (empty when there are none).
    pub(crate) fn annotations(&self) -> &'a [moat_manifest::Entry] {
        self.annotations.map_or(&[][..], Node::entries)
    }

    /// An annotation's value as Go's `map[string]string` would hold it.
    pub(crate) fn annotation(&self, key: &str) -> Option<Cow<'a, str>> {
        self.annotations.and_then(|a| a.get(key)).map(text)
    }

    /// Every container: init, regular, then ephemeral.
    pub(crate) fn containers(&self) -> impl Iterator<Item = &Container<'a>> {
        self.containers.iter()
    }

    /// Whether `spec.os.name` is `windows` (the Windows relaxations from v1.25).
    pub(crate) fn is_windows(&self) -> bool {
        self.os.and_then(|os| os.get("name")).and_then(Node::as_str) == Some("windows")
    }

    /// Whether `spec.hostUsers` is `false`: the pod runs in a user namespace.
    pub(crate) fn in_user_namespace(&self) -> bool {
        self.host_users.and_then(Node::as_bool) == Some(false)
    }

    /// `<template>.spec.<fields…>`. The fields are the checks' own (plain) names.
    pub(crate) fn spec_path(&self, fields: &[&str]) -> String {
        let len: usize = fields.iter().map(|f| f.len() + 1).sum();
        let mut p = String::with_capacity(self.base.len() + 5 + len + 8);
        p.push_str(self.base);
        push_plain(&mut p, "spec");
        for f in fields {
            push_plain(&mut p, f);
        }
        p
    }

    /// `<template>.spec.<field>[index].<fields…>`.
    pub(crate) fn item_path(&self, field: &str, index: usize, fields: &[&str]) -> String {
        let len: usize = fields.iter().map(|f| f.len() + 1).sum();
        let mut p = String::with_capacity(self.base.len() + 5 + field.len() + 8 + len);
        p.push_str(self.base);
        push_plain(&mut p, "spec");
        push_plain(&mut p, field);
        push_index(&mut p, index);
        for f in fields {
            push_plain(&mut p, f);
        }
        p
    }

    /// `<template>.spec.containers[i].<fields…>`.
    pub(crate) fn container_path(&self, c: &Container<'_>, fields: &[&str]) -> String {
        self.item_path(c.kind.field(), c.index, fields)
    }

    /// `<template>.metadata.annotations["key"]`.
    pub(crate) fn annotation_path(&self, key: &str) -> String {
        let mut p = String::with_capacity(self.base.len() + 24 + key.len());
        p.push_str(self.base);
        push_key(&mut p, "metadata");
        push_key(&mut p, "annotations");
        push_key(&mut p, key);
        p
    }
}

/// Appends `[i]`.
pub(crate) fn push_index(p: &mut String, mut i: usize) {
    let mut digits = [0u8; 20];
    let mut n = digits.len();
    loop {
        n -= 1;
        if let Some(d) = digits.get_mut(n) {
            *d = b'0' + (i % 10) as u8;
        }
        i /= 10;
        if i == 0 || n == 0 {
            break;
        }
    }
    p.push('[');
    for &d in digits.get(n..).unwrap_or(&[]) {
        p.push(char::from(d));
    }
    p.push(']');
}

/// Appends `.key` for a key known not to need quoting.
fn push_plain(p: &mut String, key: &str) {
    if !p.is_empty() {
        p.push('.');
    }
    p.push_str(key);
}

/// The node unless it is absent or `null` (Go's nil pointer).
pub(crate) fn set(n: Option<&Node>) -> Option<&Node> {
    n.filter(|n| !n.is_null())
}

/// Whether a boolean field is set to anything but `false`. Ill-typed values count as set:
/// they are never the safe value.
pub(crate) fn truthy(n: Option<&Node>) -> bool {
    !matches!(
        n.map(|n| &n.value),
        None | Some(Value::Null | Value::Bool(false))
    )
}

/// A scalar as the text Go would hold in a string field (`null` reads as `""`).
pub(crate) fn text(n: &Node) -> Cow<'_, str> {
    match &n.value {
        Value::Str(s) => Cow::Borrowed(s),
        Value::Null => Cow::Borrowed(""),
        Value::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
        Value::Int(i) => Cow::Owned(i.to_string()),
        Value::Float(f) => Cow::Owned(f.to_string()),
        Value::Seq(_) => Cow::Borrowed("[...]"),
        Value::Map(_) => Cow::Borrowed("{...}"),
    }
}

/// A string field's text, `""` when unset.
pub(crate) fn field_text<'a>(n: Option<&'a Node>, key: &str) -> Cow<'a, str> {
    n.and_then(|n| n.get(key)).map_or(Cow::Borrowed(""), text)
}
