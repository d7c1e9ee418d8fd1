//! The spanned document tree: every value and every mapping key keeps its position.

use std::fmt::Write as _;

/// A 1-based line and column (columns count characters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub col: u32,
}

/// One value of a parsed document with its position.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Where the value starts.
    pub pos: Pos,
}

/// A resolved value (scalars resolved the way Kubernetes' decoder resolves them).
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`, `~` or empty.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in document order (merge-key entries included).
    Map(Vec<Entry>),
}

/// One mapping entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// The key, converted to a string as Kubernetes does (`1` → `"1"`, `true` → `"true"`).
    pub key: String,
    /// Where the key is.
    pub key_pos: Pos,
    /// The value.
    pub value: Node,
}

/// Result of resolving a field path against a tree.
#[derive(Clone, Copy, Debug)]
pub struct Lookup<'a> {
    /// The node at the full path, if present.
    pub node: Option<&'a Node>,
    /// Position of the field (its key for mapping entries), or of its nearest present parent.
    pub pos: Pos,
}

impl Node {
    /// A node with a value at a position.
    pub fn new(value: Value, pos: Pos) -> Self {
        Node { value, pos }
    }

    /// Mapping entry by key.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|e| e.key == key),
            _ => None,
        }
    }

    /// Mapping value by key.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// Follows a chain of keys.
    pub fn get_path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |n, k| n.get(k))
    }

    /// String value.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Boolean value.
    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// Integer value.
    pub fn as_i64(&self) -> Option<i64> {
        match self.value {
            Value::Int(i) => Some(i),
            _ => None,
        }
    }

    /// Sequence items (empty for anything else).
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    /// Mapping entries (empty for anything else).
    pub fn entries(&self) -> &[Entry] {
        match &self.value {
            Value::Map(e) => e,
            _ => &[],
        }
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// Whether this is a mapping.
    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    /// A copy holding only the fields under `keep`, positions unchanged: for analyses
    /// that must hold many objects and read a few fields of each. A pattern is a dotted
    /// path whose `[]` stands for every item of a sequence (`spec.containers[].name`);
    /// the whole subtree at its end is kept. Mappings and sequences on the way are kept
    /// (emptied of everything else), so lookups of kept paths resolve as before.
    #[must_use]
    pub fn pruned(&self, keep: &[&str]) -> Node {
        let patterns: Vec<Vec<&str>> = keep.iter().map(|p| split_pattern(p)).collect();
        let refs: Vec<&[&str]> = patterns.iter().map(Vec::as_slice).collect();
        self.pruned_by(&refs)
    }

    fn pruned_by(&self, patterns: &[&[&str]]) -> Node {
        if patterns.iter().any(|p| p.is_empty()) {
            return self.clone();
        }
        let value = match &self.value {
            Value::Map(entries) => Value::Map({
                let mut kept: Vec<Entry> = entries
                    .iter()
                    .filter_map(|e| {
                        let rest: Vec<&[&str]> = patterns
                            .iter()
                            .filter_map(|p| match p.split_first() {
                                Some((k, rest)) if *k == e.key => Some(rest),
                                _ => None,
                            })
                            .collect();
                        (!rest.is_empty()).then(|| Entry {
                            key: e.key.clone(),
                            key_pos: e.key_pos,
                            value: e.value.pruned_by(&rest),
                        })
                    })
                    .collect();
                // The copy is meant to be held: no spare capacity.
                kept.shrink_to_fit();
                kept
            }),
            Value::Seq(items) => {
                let rest: Vec<&[&str]> = patterns
                    .iter()
                    .filter_map(|p| match p.split_first() {
                        Some((&"[]", rest)) => Some(rest),
                        _ => None,
                    })
                    .collect();
                if rest.is_empty() {
                    Value::Seq(Vec::new())
                } else {
                    Value::Seq(items.iter().map(|n| n.pruned_by(&rest)).collect())
                }
            }
            _ => Value::Null,
        };
        Node {
            value,
            pos: self.pos,
        }
    }

    /// Resolves a field path (`spec.containers[1].securityContext`, `metadata.annotations["a.b/c"]`)
    /// to the node and the position of the field, or of its nearest present parent.
    pub fn lookup(&self, path: &str) -> Lookup<'_> {
        let mut cur = self;
        let mut pos = self.pos;
        for seg in Segments::new(path) {
            let next = match seg {
                Segment::Key(k) => cur.entry(k).map(|e| (&e.value, e.key_pos)),
                Segment::Index(i) => cur.items().get(i).map(|n| (n, n.pos)),
            };
            match next {
                Some((n, p)) => {
                    cur = n;
                    pos = p;
                }
                None => return Lookup { node: None, pos },
            }
        }
        Lookup {
            node: Some(cur),
            pos,
        }
    }
}

/// One step of a field path.
#[derive(Debug, PartialEq, Eq)]
pub enum Segment<'a> {
    /// A mapping key.
    Key(&'a str),
    /// A sequence index.
    Index(usize),
}

/// Iterator over the segments of a field path. Malformed tails end the iteration.
pub struct Segments<'a> {
    rest: &'a str,
}

impl<'a> Segments<'a> {
    /// Splits `path`.
    pub fn new(path: &'a str) -> Self {
        Segments { rest: path }
    }
}

impl<'a> Iterator for Segments<'a> {
    type Item = Segment<'a>;

    fn next(&mut self) -> Option<Segment<'a>> {
        let s = self.rest.strip_prefix('.').unwrap_or(self.rest);
        if s.is_empty() {
            return None;
        }
        if let Some(inner) = s.strip_prefix("[\"") {
            let end = inner.find("\"]")?;
            self.rest = &inner[end + 2..];
            return Some(Segment::Key(&inner[..end]));
        }
        if let Some(inner) = s.strip_prefix('[') {
            let end = inner.find(']')?;
            let idx = inner[..end].parse().ok()?;
            self.rest = &inner[end + 1..];
            return Some(Segment::Index(idx));
        }
        let end = s.find(['.', '[']).unwrap_or(s.len());
        self.rest = &s[end..];
        Some(Segment::Key(&s[..end]))
    }
}

/// `a.b[].c` → `["a", "b", "[]", "c"]`.
fn split_pattern(p: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for part in p.split('.').filter(|s| !s.is_empty()) {
        match part.strip_suffix("[]") {
            Some(k) => {
                if !k.is_empty() {
                    out.push(k);
                }
                out.push("[]");
            }
            None => out.push(part),
        }
    }
    out
}

/// Appends a key segment to a path, quoting keys that contain `.`, `[` or `"`.
pub fn push_key(path: &mut String, key: &str) {
    if key.contains(['.', '[', ']', '"']) {
        let _ = write!(path, "[\"{key}\"]");
    } else {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
    }
}

/// Appends an index segment to a path.
pub fn push_index(path: &mut String, i: usize) {
    let _ = write!(path, "[{i}]");
}

/// `base` + `.key` as a new string.
pub fn join(base: &str, key: &str) -> String {
    let mut s = String::with_capacity(base.len() + key.len() + 1);
    s.push_str(base);
    push_key(&mut s, key);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments() {
        let segs: Vec<_> = Segments::new("spec.containers[1].x[\"a.b/c\"].y").collect();
        assert_eq!(
            segs,
            vec![
                Segment::Key("spec"),
                Segment::Key("containers"),
                Segment::Index(1),
                Segment::Key("x"),
                Segment::Key("a.b/c"),
                Segment::Key("y")
            ]
        );
        let mut p = String::new();
        push_key(&mut p, "metadata");
        push_key(&mut p, "annotations");
        push_key(&mut p, "moat.dev/ignore");
        push_index(&mut p, 2);
        assert_eq!(p, "metadata.annotations[\"moat.dev/ignore\"][2]");
        assert_eq!(Segments::new(&p).count(), 4);
    }

    #[test]
    fn pruning_keeps_the_patterns_and_their_positions() {
        let lf = crate::load_bytes(
            "p.yaml",
            b"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  annotations: {a: b}\nspec:\n  template:\n    spec:\n      serviceAccountName: sa\n      containers:\n      - name: c\n        image: nginx\n        env: [{name: X, value: y}]\n      - name: d\n",
        );
        let node = &lf.resources[0].node;
        let p = node.pruned(&[
            "metadata.name",
            "spec.template.spec.serviceAccountName",
            "spec.template.spec.containers[].name",
        ]);
        for path in [
            "metadata.name",
            "spec.template.spec.serviceAccountName",
            "spec.template.spec.containers[0].name",
            "spec.template.spec.containers[1].name",
        ] {
            let (a, b) = (node.lookup(path), p.lookup(path));
            assert_eq!(a.pos, b.pos, "{path}");
            assert_eq!(a.node.and_then(Node::as_str), b.node.and_then(Node::as_str));
        }
        for gone in [
            "kind",
            "metadata.annotations",
            "spec.template.spec.containers[0].image",
            "spec.template.spec.containers[0].env",
        ] {
            assert!(p.lookup(gone).node.is_none(), "{gone}");
        }
        assert_eq!(node.pruned(&[""]), *node);
    }
}
