//! A small document tree and its YAML and JSON writers. The YAML writer varies the
//! surface syntax the way hand-written and tool-written manifests do: indentation,
//! sequence indentation, quoting, flow lists, block literals and comments.

use crate::rng::Rng;

/// A value of a manifest.
#[derive(Clone, Debug, PartialEq)]
pub enum V {
    /// A string; the writer picks plain or quoted style.
    Str(String),
    /// A multi-line string, written as a block literal (`|`) in YAML.
    Lit(String),
    /// An integer.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// A mapping in order.
    Map(Vec<(String, V)>),
    /// A sequence.
    Seq(Vec<V>),
    /// A short sequence of scalars, written in flow style (`[a, b]`) in YAML.
    Flow(Vec<V>),
}

impl From<&str> for V {
    fn from(s: &str) -> Self {
        V::Str(s.to_owned())
    }
}

impl From<String> for V {
    fn from(s: String) -> Self {
        V::Str(s)
    }
}

impl From<i64> for V {
    fn from(i: i64) -> Self {
        V::Int(i)
    }
}

impl From<usize> for V {
    fn from(i: usize) -> Self {
        V::Int(i64::try_from(i).unwrap_or(i64::MAX))
    }
}

impl From<bool> for V {
    fn from(b: bool) -> Self {
        V::Bool(b)
    }
}

impl From<M> for V {
    fn from(m: M) -> Self {
        V::Map(m.0)
    }
}

/// A mapping under construction.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct M(pub Vec<(String, V)>);

impl M {
    /// An empty mapping.
    pub fn new() -> Self {
        M(Vec::new())
    }

    /// Adds an entry.
    #[must_use]
    pub fn with(mut self, key: impl Into<String>, value: impl Into<V>) -> Self {
        self.0.push((key.into(), value.into()));
        self
    }

    /// Adds an entry in place.
    pub fn put(&mut self, key: impl Into<String>, value: impl Into<V>) {
        self.0.push((key.into(), value.into()));
    }

    /// Sets an entry, replacing an existing one with the same key.
    pub fn set(&mut self, key: &str, value: impl Into<V>) {
        let value = value.into();
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some(e) => e.1 = value,
            None => self.0.push((key.to_owned(), value)),
        }
    }

    /// Whether it has no entries.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A sequence of strings.
pub fn strs<S: AsRef<str>>(items: &[S]) -> V {
    V::Seq(
        items
            .iter()
            .map(|s| V::Str(s.as_ref().to_owned()))
            .collect(),
    )
}

/// A flow sequence of strings.
pub fn flow<S: AsRef<str>>(items: &[S]) -> V {
    V::Flow(
        items
            .iter()
            .map(|s| V::Str(s.as_ref().to_owned()))
            .collect(),
    )
}

/// How strings are quoted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quote {
    /// Plain where YAML reads it back as the same string, double quotes otherwise.
    Minimal,
    /// Minimal, but strings with spaces or `/` are single-quoted (hand-written style).
    Mixed,
    /// Every string value double-quoted (generator style).
    Double,
}

/// Surface syntax of one YAML file.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    /// Spaces per nesting level (2 or 4).
    pub indent: usize,
    /// Whether block sequences are indented under their key (`key:\n  - a`) or not
    /// (`key:\n- a`, the `kubectl` style).
    pub indent_seqs: bool,
    /// Quoting of string values.
    pub quote: Quote,
    /// Percent of mapping entries preceded by a comment line.
    pub comment_percent: usize,
}

impl Style {
    /// A random style, weighted towards the common ones.
    pub fn random(rng: &mut Rng) -> Self {
        Style {
            indent: if rng.chance(80) { 2 } else { 4 },
            indent_seqs: rng.chance(55),
            quote: match rng.weighted(&[60, 25, 15]) {
                0 => Quote::Minimal,
                1 => Quote::Mixed,
                _ => Quote::Double,
            },
            comment_percent: *rng.pick(&[0, 0, 1, 3]),
        }
    }
}

const COMMENTS: &[&str] = &[
    "managed by the platform team; do not edit by hand",
    "TODO: tighten this once the migration is done",
    "see the runbook for details",
    "values below are overridden per environment",
    "keep in sync with the service definition",
    "required by the admission policy",
];

/// Whether a string can be written plain and read back as the same string by a
/// YAML 1.1 (go-yaml v2) reader, conservatively.
pub fn plain_ok(s: &str) -> bool {
    // Words YAML 1.1 resolves to booleans or null.
    const WORDS: &[&str] = &["y", "n", "yes", "no", "on", "off", "true", "false", "null"];

    let Some(first) = s.chars().next() else {
        return false;
    };
    if !(first.is_ascii_alphanumeric() || first == '/') {
        return false;
    }
    if s.ends_with([' ', ':']) || s.contains(": ") || s.contains(" #") {
        return false;
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./:=@+,()% ".contains(c))
    {
        return false;
    }
    if WORDS.iter().any(|w| w.eq_ignore_ascii_case(s)) {
        return false;
    }
    // Anything that could resolve to a number.
    let numeric_chars = |c: char| c.is_ascii_hexdigit() || "xXoObB._+-".contains(c);
    !(first.is_ascii_digit() && s.chars().all(numeric_chars))
}

fn push_double_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn push_single_quoted(out: &mut String, s: &str) {
    out.push('\'');
    for c in s.chars() {
        if c == '\'' {
            out.push_str("''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
}

/// Whether a string can be a block literal: it must end with one newline, have no
/// leading-space first line, no tabs or carriage returns, no trailing spaces.
fn literal_ok(s: &str) -> bool {
    s.ends_with('\n')
        && !s.ends_with("\n\n")
        && !s.starts_with([' ', '\n'])
        && !s.contains(['\t', '\r'])
        && s.lines().all(|l| !l.ends_with(' '))
}

/// Writes YAML documents.
pub struct YamlWriter<'a> {
    out: &'a mut String,
    style: Style,
    rng: &'a mut Rng,
}

impl<'a> YamlWriter<'a> {
    /// A writer appending to `out`.
    pub fn new(out: &'a mut String, style: Style, rng: &'a mut Rng) -> Self {
        YamlWriter { out, style, rng }
    }

    /// Writes one mapping as a document body (no `---`).
    pub fn document(&mut self, root: &[(String, V)]) {
        self.map(root, 0, false);
    }

    /// Writes a mapping as an item of a top-level block sequence (`- key: ...`), as in
    /// the `items:` of a `List`, at the given column of the `-`.
    pub fn seq_item_map(&mut self, entries: &[(String, V)], col: usize) {
        self.pad(col);
        self.out.push_str("- ");
        self.map(entries, col + 2, true);
    }

    fn pad(&mut self, n: usize) {
        for _ in 0..n {
            self.out.push(' ');
        }
    }

    fn key(&mut self, k: &str) {
        if plain_ok(k) {
            self.out.push_str(k);
        } else {
            push_double_quoted(self.out, k);
        }
    }

    fn string(&mut self, s: &str) {
        let control = s.chars().any(char::is_control);
        match self.style.quote {
            Quote::Minimal if plain_ok(s) => self.out.push_str(s),
            Quote::Mixed if plain_ok(s) && !s.contains([' ', '/']) => self.out.push_str(s),
            Quote::Mixed if !control => push_single_quoted(self.out, s),
            _ => push_double_quoted(self.out, s),
        }
    }

    fn scalar(&mut self, v: &V) {
        match v {
            V::Str(s) | V::Lit(s) => self.string(s),
            V::Int(i) => self.out.push_str(&i.to_string()),
            V::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            V::Map(e) if e.is_empty() => self.out.push_str("{}"),
            V::Seq(i) | V::Flow(i) if i.is_empty() => self.out.push_str("[]"),
            V::Map(_) | V::Seq(_) | V::Flow(_) => self.flow_value(v),
        }
    }

    fn flow_value(&mut self, v: &V) {
        match v {
            V::Str(s) | V::Lit(s) => push_double_quoted(self.out, s),
            V::Map(entries) => {
                self.out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    push_double_quoted(self.out, k);
                    self.out.push_str(": ");
                    self.flow_value(v);
                }
                self.out.push('}');
            }
            V::Seq(items) | V::Flow(items) => {
                self.out.push('[');
                for (i, it) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.flow_value(it);
                }
                self.out.push(']');
            }
            V::Int(_) | V::Bool(_) => self.scalar(v),
        }
    }

    fn literal(&mut self, s: &str, col: usize) {
        self.out.push_str("|\n");
        for line in s.lines() {
            if !line.is_empty() {
                self.pad(col);
                self.out.push_str(line);
            }
            self.out.push('\n');
        }
    }

    fn map(&mut self, entries: &[(String, V)], col: usize, first_inline: bool) {
        for (i, (k, v)) in entries.iter().enumerate() {
            if !(i == 0 && first_inline) {
                if self.style.comment_percent > 0 && self.rng.chance(self.style.comment_percent) {
                    self.pad(col);
                    self.out.push_str("# ");
                    let c = *self.rng.pick(COMMENTS);
                    self.out.push_str(c);
                    self.out.push('\n');
                }
                self.pad(col);
            }
            self.key(k);
            self.out.push(':');
            self.after_key(v, col);
        }
    }

    fn after_key(&mut self, v: &V, col: usize) {
        match v {
            V::Map(e) if !e.is_empty() => {
                self.out.push('\n');
                self.map(e, col + self.style.indent, false);
            }
            V::Seq(items) if !items.is_empty() => {
                self.out.push('\n');
                let c = if self.style.indent_seqs {
                    col + self.style.indent
                } else {
                    col
                };
                self.seq(items, c);
            }
            V::Lit(s) if literal_ok(s) => {
                self.out.push(' ');
                self.literal(s, col + self.style.indent);
            }
            _ => {
                self.out.push(' ');
                self.scalar(v);
                self.out.push('\n');
            }
        }
    }

    fn seq(&mut self, items: &[V], col: usize) {
        for it in items {
            self.pad(col);
            self.out.push('-');
            match it {
                V::Map(e) if !e.is_empty() => {
                    self.out.push(' ');
                    self.map(e, col + 2, true);
                }
                V::Lit(s) if literal_ok(s) => {
                    self.out.push(' ');
                    self.literal(s, col + 2);
                }
                _ => {
                    self.out.push(' ');
                    self.scalar(it);
                    self.out.push('\n');
                }
            }
        }
    }
}

/// Writes a value as pretty-printed JSON (two-space indentation).
pub fn write_json(out: &mut String, v: &V, col: usize) {
    match v {
        V::Str(s) | V::Lit(s) => push_double_quoted(out, s),
        V::Int(i) => out.push_str(&i.to_string()),
        V::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        V::Map(e) if e.is_empty() => out.push_str("{}"),
        V::Seq(i) | V::Flow(i) if i.is_empty() => out.push_str("[]"),
        V::Map(entries) => {
            out.push_str("{\n");
            for (i, (k, v)) in entries.iter().enumerate() {
                pad(out, col + 2);
                push_double_quoted(out, k);
                out.push_str(": ");
                write_json(out, v, col + 2);
                out.push_str(if i + 1 < entries.len() { ",\n" } else { "\n" });
            }
            pad(out, col);
            out.push('}');
        }
        V::Seq(items) | V::Flow(items) => {
            out.push_str("[\n");
            for (i, it) in items.iter().enumerate() {
                pad(out, col + 2);
                write_json(out, it, col + 2);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            pad(out, col);
            out.push(']');
        }
    }
}

fn pad(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push(' ');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_rules() {
        for s in [
            "nginx",
            "100m",
            "1Gi",
            "app.kubernetes.io/name",
            "a b c",
            "/bin/sh",
        ] {
            assert!(plain_ok(s), "{s}");
        }
        for s in [
            "", "yes", "On", "8080", "0.5", "1e3", "0x1F", "a: b", "a #b", "-x", "*", "x:", "'q'",
        ] {
            assert!(!plain_ok(s), "{s}");
        }
    }

    #[test]
    fn writes_nested_yaml_and_json() {
        let doc = M::new()
            .with("a", 1_i64)
            .with(
                "b",
                V::Seq(vec![M::new().with("c", "x y").with("d", true).into()]),
            )
            .with("e", flow(&["p", "q"]))
            .with("f", V::Lit("one\n\ntwo\n".into()))
            .with("g", M::new());
        let mut rng = Rng::new(1);
        let style = Style {
            indent: 2,
            indent_seqs: false,
            quote: Quote::Minimal,
            comment_percent: 0,
        };
        let mut out = String::new();
        let root = match V::from(doc.clone()) {
            V::Map(e) => e,
            _ => Vec::new(),
        };
        YamlWriter::new(&mut out, style, &mut rng).document(&root);
        assert_eq!(
            out,
            "a: 1\nb:\n- c: x y\n  d: true\ne: [\"p\", \"q\"]\nf: |\n  one\n\n  two\ng: {}\n"
        );
        let mut json = String::new();
        write_json(&mut json, &V::from(doc), 0);
        assert!(json.starts_with("{\n  \"a\": 1,\n  \"b\": [\n    {\n"));
        assert!(json.contains("\"f\": \"one\\n\\ntwo\\n\""));
    }
}
