//! Input shims for cluster snapshots.
//!
//! `kubectl get … -o json` lists carry `apiVersion`/`kind` on every item, which the manifest
//! loader expands. Typed lists returned by the API server (`PodList`, `NamespaceList`,
//! `NetworkPolicyList`, …) omit them on their items; the item kind is the list kind without
//! `List`. [`typed_list_items`] recovers those items so snapshots taken either way analyse
//! the same.

use std::sync::Arc;

use moat_core::ResourceRef;
use moat_manifest::{Node, Resource, Value};

fn str_at<'a>(n: &'a Node, keys: &[&str]) -> Option<&'a str> {
    n.get_path(keys).and_then(Node::as_str)
}

/// Items of typed lists that lack `apiVersion`/`kind` (which the loader skips), as
/// resources of the list's item kind. `text` is the file's content, `name` its display name.
pub fn typed_list_items(name: &str, text: &str) -> Vec<Resource> {
    if !text.contains("List") {
        return Vec::new();
    }
    let parsed = moat_manifest::yaml::parse_stream(text);
    let file: Arc<str> = Arc::from(name);
    let mut out = Vec::new();
    for doc in parsed.docs {
        let Some(root) = doc.root else { continue };
        let (Some(kind), Some(api)) = (str_at(&root, &["kind"]), str_at(&root, &["apiVersion"]))
        else {
            continue;
        };
        let Some(item_kind) = kind.strip_suffix("List").filter(|k| !k.is_empty()) else {
            continue;
        };
        let (item_kind, api) = (item_kind.to_owned(), api.to_owned());
        let Some(Value::Seq(items)) = root.get("items").map(|n| n.value.clone()) else {
            continue;
        };
        for (i, item) in items.into_iter().enumerate() {
            if !item.is_map() || item.get("kind").is_some() {
                continue;
            }
            let namespace = str_at(&item, &["metadata", "namespace"]).map(str::to_owned);
            let rname = str_at(&item, &["metadata", "name"])
                .or_else(|| str_at(&item, &["metadata", "generateName"]))
                .map(str::to_owned);
            let api_version = item
                .get("apiVersion")
                .and_then(Node::as_str)
                .map_or_else(|| api.clone(), str::to_owned);
            out.push(Resource {
                file: Arc::clone(&file),
                doc: doc.index,
                item: Some(i),
                rref: ResourceRef {
                    api_version,
                    kind: item_kind.clone(),
                    namespace,
                    name: rname,
                },
                node: item,
            });
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn pod_list_items_get_their_kind() {
        let text = "apiVersion: v1\nkind: PodList\nitems:\n- metadata: {name: a, namespace: x}\n  spec: {}\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: b}\n";
        let items = typed_list_items("p.yaml", text);
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].rref.kind, "Pod");
        assert_eq!(items[0].rref.namespace.as_deref(), Some("x"));
        assert_eq!(items[0].pos_of("metadata.name").line, 4);
        assert!(
            typed_list_items(
                "l.yaml",
                "apiVersion: v1\nkind: List\nitems: [{metadata: {}}]\n"
            )
            .is_empty()
        );
    }
}
