//! One pod-spec view over every workload kind, and a container view over all of a pod's
//! containers, so checks are written once.

use crate::loader::Resource;
use crate::node::{Node, join, push_index, push_key};

/// Which list a container comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContainerKind {
    /// `containers`.
    Container,
    /// `initContainers`.
    Init,
    /// `ephemeralContainers`.
    Ephemeral,
}

impl ContainerKind {
    /// The pod-spec field holding this kind of container.
    pub fn field(self) -> &'static str {
        match self {
            ContainerKind::Container => "containers",
            ContainerKind::Init => "initContainers",
            ContainerKind::Ephemeral => "ephemeralContainers",
        }
    }
}

/// Where a workload kind keeps its pod spec, by `(group, kind)`.
fn pod_spec_path(group: &str, kind: &str) -> Option<(&'static [&'static str], &'static str)> {
    const TEMPLATE: &[&str] = &["spec", "template"];
    Some(match (group, kind) {
        ("", "Pod") => (&[], ""),
        ("", "PodTemplate") => (&["template"], "template"),
        ("", "ReplicationController")
        | ("apps" | "extensions", "Deployment" | "ReplicaSet" | "DaemonSet")
        | ("apps", "StatefulSet")
        | ("batch", "Job") => (TEMPLATE, "spec.template"),
        ("batch", "CronJob") => (
            &["spec", "jobTemplate", "spec", "template"],
            "spec.jobTemplate.spec.template",
        ),
        _ => return None,
    })
}

/// A pod spec inside any workload.
#[derive(Clone, Copy, Debug)]
pub struct PodSpecView<'a> {
    /// The workload.
    pub resource: &'a Resource,
    /// The pod template (or the Pod itself): holds `metadata` and `spec`.
    pub template: &'a Node,
    /// Path of `template` within the resource (`""` for a Pod).
    pub template_path: &'static str,
    /// The pod spec (`spec` of the template).
    pub spec: Option<&'a Node>,
}

impl<'a> PodSpecView<'a> {
    /// The pod-spec view of a workload, or `None` for other kinds.
    pub fn of(resource: &'a Resource) -> Option<Self> {
        let (keys, template_path) = pod_spec_path(resource.group(), &resource.rref.kind)?;
        let template = resource.node.get_path(keys)?;
        Some(PodSpecView {
            resource,
            template,
            template_path,
            spec: template.get("spec"),
        })
    }

    /// Path of the pod spec, e.g. `spec.template.spec`.
    pub fn spec_path(&self) -> String {
        join(self.template_path, "spec")
    }

    /// Path of a pod-spec field, e.g. `spec.template.spec.hostNetwork`.
    pub fn path(&self, field: &str) -> String {
        let mut p = self.spec_path();
        push_key(&mut p, field);
        p
    }

    /// A pod-spec field.
    pub fn get(&self, field: &str) -> Option<&'a Node> {
        self.spec?.get(field)
    }

    /// The pod-level `securityContext`.
    pub fn security_context(&self) -> Option<&'a Node> {
        self.get("securityContext")
    }

    /// Annotations of the pod template (or Pod).
    pub fn annotation(&self, key: &str) -> Option<&'a Node> {
        self.template.get_path(&["metadata", "annotations", key])
    }

    /// All containers: `initContainers`, `containers`, then `ephemeralContainers`.
    pub fn containers(&self) -> impl Iterator<Item = ContainerView<'a>> + use<'a> {
        let spec = self.spec;
        let base = self.spec_path();
        [
            ContainerKind::Init,
            ContainerKind::Container,
            ContainerKind::Ephemeral,
        ]
        .into_iter()
        .flat_map(move |kind| {
            let items = spec
                .and_then(|s| s.get(kind.field()))
                .map_or(&[][..], Node::items);
            let base = base.clone();
            items
                .iter()
                .enumerate()
                .map(move |(index, node)| ContainerView {
                    node,
                    kind,
                    index,
                    base: base.clone(),
                })
        })
    }
}

/// One container of a pod spec.
#[derive(Clone, Debug)]
pub struct ContainerView<'a> {
    /// The container object.
    pub node: &'a Node,
    /// Which list it is in.
    pub kind: ContainerKind,
    /// Index in that list.
    pub index: usize,
    base: String,
}

impl<'a> ContainerView<'a> {
    /// `name`, or `""`.
    pub fn name(&self) -> &'a str {
        self.node.get("name").and_then(Node::as_str).unwrap_or("")
    }

    /// A container field.
    pub fn get(&self, field: &str) -> Option<&'a Node> {
        self.node.get(field)
    }

    /// Path of the container, e.g. `spec.template.spec.containers[1]`.
    pub fn path(&self) -> String {
        let mut p = self.base.clone();
        push_key(&mut p, self.kind.field());
        push_index(&mut p, self.index);
        p
    }

    /// Path of a field below the container (`securityContext.privileged`).
    pub fn field_path(&self, sub: &str) -> String {
        let mut p = self.path();
        p.push('.');
        p.push_str(sub);
        p
    }

    /// The container's own `securityContext`.
    pub fn security_context(&self) -> Option<&'a Node> {
        self.get("securityContext")
    }
}

/// Security-context fields a container inherits from the pod when it does not set them.
pub const INHERITED_FIELDS: &[&str] = &[
    "runAsUser",
    "runAsGroup",
    "runAsNonRoot",
    "seLinuxOptions",
    "seccompProfile",
    "appArmorProfile",
    "windowsOptions",
];

/// Which level decided an effective security-context value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// The container's `securityContext`.
    Container,
    /// The pod's `securityContext`.
    Pod,
}

/// An effective security-context value and where it was set.
#[derive(Clone, Debug)]
pub struct Effective<'a> {
    /// The value.
    pub node: &'a Node,
    /// Which level set it.
    pub level: Level,
    /// Path of the field that decided it.
    pub path: String,
}

/// The effective value of an inheritable security-context field for a container:
/// the container's own value if present (and not null), else the pod's.
/// Non-inheritable fields only ever come from the container.
pub fn effective<'a>(
    pod: &PodSpecView<'a>,
    c: &ContainerView<'a>,
    field: &str,
) -> Option<Effective<'a>> {
    if let Some(n) = c
        .security_context()
        .and_then(|sc| sc.get(field))
        .filter(|n| !n.is_null())
    {
        let mut path = c.path();
        push_key(&mut path, "securityContext");
        push_key(&mut path, field);
        return Some(Effective {
            node: n,
            level: Level::Container,
            path,
        });
    }
    if !INHERITED_FIELDS.contains(&field) {
        return None;
    }
    let n = pod
        .security_context()?
        .get(field)
        .filter(|n| !n.is_null())?;
    let mut path = pod.path("securityContext");
    push_key(&mut path, field);
    Some(Effective {
        node: n,
        level: Level::Pod,
        path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::load_bytes;

    const DEPLOY: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
      initContainers:
      - name: init
      containers:
      - name: a
        securityContext:
          runAsNonRoot: false
      - name: b
";

    #[test]
    fn containers_and_effective_values() {
        let lf = load_bytes("d.yaml", DEPLOY.as_bytes());
        let r = &lf.resources[0];
        let pod = PodSpecView::of(r).unwrap();
        let cs: Vec<_> = pod.containers().collect();
        assert_eq!(
            cs.iter().map(ContainerView::name).collect::<Vec<_>>(),
            ["init", "a", "b"]
        );
        assert_eq!(cs[1].path(), "spec.template.spec.containers[0]");
        let a = effective(&pod, &cs[1], "runAsNonRoot").unwrap();
        assert_eq!((a.node.as_bool(), a.level), (Some(false), Level::Container));
        assert_eq!(
            a.path,
            "spec.template.spec.containers[0].securityContext.runAsNonRoot"
        );
        assert_eq!(r.pos_of(&a.path).line, 15);
        let b = effective(&pod, &cs[2], "runAsNonRoot").unwrap();
        assert_eq!((b.node.as_bool(), b.level), (Some(true), Level::Pod));
        assert_eq!(r.pos_of(&b.path).line, 8);
        assert!(effective(&pod, &cs[2], "privileged").is_none());
    }

    #[test]
    fn workload_kinds() {
        for (api, kind, tpl) in [
            ("v1", "Pod", ""),
            ("extensions/v1beta1", "Deployment", "spec.template"),
            ("apps/v1beta2", "DaemonSet", "spec.template"),
            ("batch/v1beta1", "CronJob", "spec.jobTemplate.spec.template"),
            ("v1", "PodTemplate", "template"),
        ] {
            let body = match tpl {
                "" => "spec: {containers: [{name: x}]}".to_owned(),
                "template" => "template: {spec: {containers: [{name: x}]}}".to_owned(),
                "spec.template" => "spec: {template: {spec: {containers: [{name: x}]}}}".to_owned(),
                _ => "spec: {jobTemplate: {spec: {template: {spec: {containers: [{name: x}]}}}}}"
                    .to_owned(),
            };
            let text = format!("apiVersion: {api}\nkind: {kind}\n{body}\n");
            let lf = load_bytes("k.yaml", text.as_bytes());
            let pod = PodSpecView::of(&lf.resources[0]).unwrap();
            assert_eq!(pod.template_path, tpl);
            assert_eq!(pod.containers().count(), 1, "{kind}");
        }
        let lf = load_bytes(
            "k.yaml",
            b"apiVersion: example.com/v1\nkind: Deployment\nspec: {}\n",
        );
        assert!(PodSpecView::of(&lf.resources[0]).is_none());
    }
}
