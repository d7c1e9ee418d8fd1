//! The pod a check looks at: its metadata, its spec and the path of both inside the
//! resource, with allocation-free accessors that read the spanned tree the way the API
//! server's typed decoding would (a `null` field is an unset pointer).
//!
//! Paths are only built when a check has found something to report.

use std::borrow::Cow;

use moat_manifest::node::{push_index, push_key};
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

/// One container of the pod.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Container<'a> {
    pub node: &'a Node,
    pub kind: Kind,
    pub index: usize,
}

impl<'a> Container<'a> {
    /// `name`, or `""` (as a Go string field would read).
    pub fn name(&self) -> &'a str {
        self.node.get("name").and_then(Node::as_str).unwrap_or("")
    }

    /// The container's `securityContext`, unless unset or `null`.
    pub fn sc(&self) -> Option<&'a Node> {
        set(self.node.get("securityContext"))
    }

    /// A field of the container's `securityContext`, unless unset or `null`.
    pub fn sc_field(&self, field: &str) -> Option<&'a Node> {
        set(self.sc()?.get(field))
    }
}

/// A pod (or pod template) being evaluated.
#[derive(Clone, Copy, Debug)]
pub struct Pod<'a> {
    /// `metadata` of the pod or template.
    pub(crate) meta: Option<&'a Node>,
    /// `spec` of the pod or template.
    pub(crate) spec: Option<&'a Node>,
    /// Path of the template inside the resource (`""` for a Pod).
    pub(crate) base: &'a str,
}

impl<'a> Pod<'a> {
    /// A pod from a template node (`{metadata, spec}`, or a whole Pod) found at
    /// `template_path` in its resource.
    pub fn from_template(template: &'a Node, template_path: &'a str) -> Self {
        Pod {
            meta: set(template.get("metadata")),
            spec: set(template.get("spec")),
            base: template_path,
        }
    }

    /// A pod-spec field, unless unset or `null`.
    pub(crate) fn spec_field(&self, field: &str) -> Option<&'a Node> {
        set(self.spec?.get(field))
    }

    /// The pod-level `securityContext`, unless unset or `null`.
    pub(crate) fn sc(&self) -> Option<&'a Node> {
        self.spec_field("securityContext")
    }

    /// A field of the pod-level `securityContext`, unless unset or `null`.
    pub(crate) fn sc_field(&self, field: &str) -> Option<&'a Node> {
        set(self.sc()?.get(field))
    }

    /// `metadata.annotations` entries (empty when there are none).
    pub(crate) fn annotations(&self) -> &'a [moat_manifest::Entry] {
        self.meta
            .and_then(|m| m.get("annotations"))
            .map_or(&[][..], Node::entries)
    }

    /// An annotation's value as Go's `map[string]string` would hold it.
    pub(crate) fn annotation(&self, key: &str) -> Option<Cow<'a, str>> {
        self.meta
            .and_then(|m| m.get("annotations"))
            .and_then(|a| a.get(key))
            .map(text)
    }

    /// Every container: init, regular, then ephemeral, as upstream visits them.
    pub(crate) fn containers(&self) -> impl Iterator<Item = Container<'a>> + use<'a> {
        let spec = self.spec;
        [Kind::Init, Kind::Regular, Kind::Ephemeral]
            .into_iter()
            .flat_map(move |kind| {
                let items = spec
                    .and_then(|s| s.get(kind.field()))
                    .map_or(&[][..], Node::items);
                items.iter().enumerate().map(move |(index, node)| Container {
                    node,
                    kind,
                    index,
                })
            })
    }

    /// Whether `spec.os.name` is `windows` (the Windows relaxations from v1.25).
    pub(crate) fn is_windows(&self) -> bool {
        self.spec_field("os")
            .and_then(|os| os.get("name"))
            .and_then(Node::as_str)
            == Some("windows")
    }

    /// Whether `spec.hostUsers` is `false`: the pod runs in a user namespace.
    pub(crate) fn in_user_namespace(&self) -> bool {
        self.spec_field("hostUsers").and_then(Node::as_bool) == Some(false)
    }

    /// `<template>.spec.<fields…>`.
    pub(crate) fn spec_path(&self, fields: &[&str]) -> String {
        let mut p = String::with_capacity(self.base.len() + 48);
        p.push_str(self.base);
        push_key(&mut p, "spec");
        for f in fields {
            push_key(&mut p, f);
        }
        p
    }

    /// `<template>.spec.<field>[index].<fields…>`.
    pub(crate) fn item_path(&self, field: &str, index: usize, fields: &[&str]) -> String {
        let mut p = self.spec_path(&[field]);
        push_index(&mut p, index);
        for f in fields {
            push_key(&mut p, f);
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

/// The node unless it is absent or `null` (Go's nil pointer).
pub(crate) fn set(n: Option<&Node>) -> Option<&Node> {
    n.filter(|n| !n.is_null())
}

/// Whether a boolean field is set to anything but `false`. Ill-typed values count as set:
/// they are never the safe value.
pub(crate) fn truthy(n: Option<&Node>) -> bool {
    !matches!(n.map(|n| &n.value), None | Some(Value::Null | Value::Bool(false)))
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
