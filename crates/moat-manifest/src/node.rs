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
}
