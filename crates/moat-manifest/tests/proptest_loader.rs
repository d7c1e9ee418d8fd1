//! Property tests of the loader.
//!
//! (a) Arbitrary input never panics and every reported position lies inside the input.
//! (b) Random but valid Kubernetes-like YAML streams — nested block and flow mappings
//!     and sequences, every scalar style, 2- or 4-space indentation, indented or flush
//!     sequences, comments, blank lines, several `---` documents — are rendered while
//!     recording where each key (and each sequence item) was written; every recorded
//!     path must resolve through `Node::lookup` to exactly that line and column, and
//!     the pre-pass loader (only documents holding a needle) must yield the same trees.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::sync::Once;

use moat_manifest::node::{push_index, push_key};
use moat_manifest::{Node, Pos, Value, load_bytes, load_bytes_matching};
use proptest::prelude::*;

/// The loader contains panics of the YAML library (turning them into errors); keep
/// their messages out of the test output. Other panics still print.
fn quiet_yaml_library_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !info
                .location()
                .is_some_and(|l| l.file().contains("libyaml-safer"))
            {
                default(info);
            }
        }));
    });
}

/// Lines as editors count them: `\n`, `\r\n` and a lone `\r` end a line.
fn count_lines(data: &[u8]) -> u32 {
    let mut n = 1u32;
    for (i, &b) in data.iter().enumerate() {
        if b == b'\n' || (b == b'\r' && data.get(i + 1) != Some(&b'\n')) {
            n += 1;
        }
    }
    n
}

fn check_positions(node: &Node, lines: u32) {
    assert!(
        node.pos.line >= 1 && node.pos.line <= lines,
        "{:?} outside {lines} lines",
        node.pos
    );
    match &node.value {
        Value::Map(entries) => {
            for e in entries {
                assert!(
                    e.key_pos.line >= 1 && e.key_pos.line <= lines,
                    "key {:?} at {:?} outside {lines} lines",
                    e.key,
                    e.key_pos
                );
                check_positions(&e.value, lines);
            }
        }
        Value::Seq(items) => items.iter().for_each(|n| check_positions(n, lines)),
        _ => {}
    }
}

/// Input that is mostly YAML-shaped, so the parser gets past the first few bytes.
fn yamlish() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..400),
        any::<String>().prop_map(String::into_bytes),
        "([a-z]{0,6}(: |:|- |-|\\[|\\]|\\{|\\}|, |#|&a|\\*a|!t |\\||>|'|\"|\\?|\\n|\\r|\\t| {1,4}|---|\\.\\.\\.|é|\u{2028}|\u{85}|0x1F|yes|~|<<)){0,60}"
            .prop_map(String::into_bytes),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_input_never_panics_and_positions_stay_inside(data in yamlish()) {
        quiet_yaml_library_panics();
        let lf = load_bytes("fuzz.yaml", &data);
        let lines = count_lines(&data);
        for e in &lf.errors {
            prop_assert!(e.line <= lines + 1, "error at line {} of {lines}: {}", e.line, e.message);
        }
        for w in &lf.warnings {
            prop_assert!(w.line >= 1 && w.line <= lines, "warning at line {} of {lines}: {}", w.line, w.message);
        }
        for r in &lf.resources {
            check_positions(&r.node, lines);
        }
        // The pre-pass loader splits at document markers and parses only some documents.
        let some = load_bytes_matching("fuzz.yaml", &data, &["a", ":"]);
        for r in &some.resources {
            check_positions(&r.node, lines);
        }
    }
}

// ---------------------------------------------------------------------------------
// (b) generated valid YAML with recorded positions

/// YAML 1.1 words that would not stay strings as plain keys.
const SPECIAL: &[&str] = &["y", "n", "yes", "no", "on", "off", "true", "false", "null"];

#[derive(Clone, Copy, Debug)]
enum KeyStyle {
    Plain,
    Single,
    Double,
}

#[derive(Clone, Debug)]
enum Scalar {
    Plain(String),
    Single(String),
    Double(String),
    /// Lines of a block literal; the first is non-empty and starts with a letter.
    Literal(Vec<String>),
    Int(i64),
    Bool(bool),
}

/// Layout decorations before an entry or item.
#[derive(Clone, Copy, Debug)]
struct Deco {
    /// A blank line before it (in flow collections: a line break after the comma).
    blank: bool,
    /// A comment line before it.
    comment: bool,
    /// A comment after a scalar value on the same line.
    trailing: bool,
}

#[derive(Clone, Debug)]
enum Tree {
    Scalar(Scalar),
    /// Entries (unique keys) and whether the mapping is written in flow style.
    Map(Vec<Entry>, bool),
    /// Items and whether the sequence is written in flow style.
    Seq(Vec<(Tree, Deco)>, bool),
}

#[derive(Clone, Debug)]
struct Entry {
    key: String,
    style: KeyStyle,
    value: Tree,
    deco: Deco,
}

#[derive(Clone, Copy, Debug)]
struct Layout {
    indent: usize,
    indent_seqs: bool,
    leading_marker: bool,
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-zA-Z0-9_]{0,7}",
        "[a-z]{1,5}\\.[a-z]{2,6}/[a-z]{1,6}",
        "[a-zé日][a-z0-9é日-]{0,5}",
    ]
    .prop_filter("YAML 1.1 special word", |k| {
        !SPECIAL.contains(&k.to_lowercase().as_str())
    })
}

fn key_style() -> impl Strategy<Value = KeyStyle> {
    prop_oneof![
        6 => Just(KeyStyle::Plain),
        1 => Just(KeyStyle::Single),
        1 => Just(KeyStyle::Double),
    ]
}

fn deco() -> impl Strategy<Value = Deco> {
    (
        prop::bool::weighted(0.15),
        prop::bool::weighted(0.15),
        prop::bool::weighted(0.15),
    )
        .prop_map(|(blank, comment, trailing)| Deco {
            blank,
            comment,
            trailing,
        })
}

fn scalar() -> impl Strategy<Value = Scalar> {
    prop_oneof![
        4 => "[a-z][a-z0-9._/-]{0,10}( [a-z0-9]{1,5})?".prop_map(Scalar::Plain),
        1 => "[a-zA-Z0-9 :#,{}'\"é日\\[\\]-]{0,12}".prop_map(Scalar::Single),
        1 => "[a-zA-Z0-9 :#,{}'\"\\\\é日\\[\\]-]{0,12}".prop_map(Scalar::Double),
        1 => ("[a-z][a-z0-9 :#'\"]{0,15}", prop::collection::vec("[a-z0-9 :#'\"]{0,15}", 0..4))
            .prop_map(|(first, rest)| {
                let mut lines = vec![first.trim_end().to_owned()];
                lines.extend(rest);
                Scalar::Literal(lines)
            }),
        1 => any::<i64>().prop_map(Scalar::Int),
        1 => any::<bool>().prop_map(Scalar::Bool),
    ]
}

fn dedupe(entries: Vec<Entry>) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::with_capacity(entries.len());
    for e in entries {
        if !out.iter().any(|x| x.key == e.key) {
            out.push(e);
        }
    }
    out
}

fn entry(value: impl Strategy<Value = Tree>) -> impl Strategy<Value = Entry> {
    (key(), key_style(), value, deco()).prop_map(|(key, style, value, deco)| Entry {
        key,
        style,
        value,
        deco,
    })
}

fn tree() -> impl Strategy<Value = Tree> {
    let leaf = scalar().prop_map(Tree::Scalar);
    leaf.prop_recursive(4, 40, 5, |inner| {
        prop_oneof![
            (
                prop::collection::vec(entry(inner.clone()), 0..5),
                prop::bool::weighted(0.2)
            )
                .prop_map(|(e, flow)| Tree::Map(dedupe(e), flow)),
            (
                prop::collection::vec((inner, deco()), 0..5),
                prop::bool::weighted(0.25)
            )
                .prop_map(|(items, flow)| Tree::Seq(items, flow)),
        ]
    })
}

fn document() -> impl Strategy<Value = Vec<Entry>> {
    prop::collection::vec(entry(tree()), 0..6).prop_map(|entries| {
        let plain = Deco {
            blank: false,
            comment: false,
            trailing: false,
        };
        let mut all = vec![
            Entry {
                key: "apiVersion".into(),
                style: KeyStyle::Plain,
                value: Tree::Scalar(Scalar::Plain("example.dev/v1".into())),
                deco: plain,
            },
            Entry {
                key: "kind".into(),
                style: KeyStyle::Plain,
                value: Tree::Scalar(Scalar::Plain("Widget".into())),
                deco: plain,
            },
        ];
        all.extend(entries);
        dedupe(all)
    })
}

fn layout() -> impl Strategy<Value = Layout> {
    (
        prop_oneof![Just(2usize), Just(4usize)],
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(indent, indent_seqs, leading_marker)| Layout {
            indent,
            indent_seqs,
            leading_marker,
        })
}

/// Output with the current 1-based line and column (columns count characters).
struct Out {
    text: String,
    line: u32,
    col: u32,
    layout: Layout,
    /// Every recorded path and the position expected for it.
    expect: Vec<(String, Pos)>,
    path: String,
}

impl Out {
    fn push(&mut self, s: &str) {
        for c in s.chars() {
            if c == '\n' {
                self.line += 1;
                self.col = 1;
            } else {
                self.col += 1;
            }
        }
        self.text.push_str(s);
    }

    fn pad(&mut self, n: usize) {
        self.push(&" ".repeat(n));
    }

    fn here(&self) -> Pos {
        Pos {
            line: self.line,
            col: self.col,
        }
    }

    fn record(&mut self, pos: Pos) {
        self.expect.push((self.path.clone(), pos));
    }

    /// Writes a key, extending the path (the caller truncates it after the value).
    fn key(&mut self, k: &str, style: KeyStyle) {
        push_key(&mut self.path, k);
        let pos = self.here();
        self.record(pos);
        match style {
            KeyStyle::Plain => self.push(k),
            KeyStyle::Single => self.push(&format!("'{k}'")),
            KeyStyle::Double => self.push(&format!("\"{k}\"")),
        }
    }

    fn double_quoted(&mut self, s: &str) {
        let mut q = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => q.push_str("\\\""),
                '\\' => q.push_str("\\\\"),
                '\n' => q.push_str("\\n"),
                c => q.push(c),
            }
        }
        q.push('"');
        self.push(&q);
    }

    /// A scalar in flow context, or a non-literal scalar in block context.
    fn scalar_inline(&mut self, s: &Scalar) {
        match s {
            Scalar::Plain(p) => self.push(p),
            Scalar::Single(t) => self.push(&format!("'{}'", t.replace('\'', "''"))),
            Scalar::Double(t) => self.double_quoted(t),
            Scalar::Literal(lines) => self.double_quoted(&lines.join("\n")),
            Scalar::Int(i) => self.push(&i.to_string()),
            Scalar::Bool(b) => self.push(if *b { "true" } else { "false" }),
        }
    }

    fn literal(&mut self, lines: &[String], content_col: usize) {
        self.push("|\n");
        for l in lines {
            if !l.is_empty() {
                self.pad(content_col);
                self.push(l);
            }
            self.push("\n");
        }
    }

    fn trailing_comment(&mut self, deco: Deco) {
        if deco.trailing {
            self.push("  # trailing note");
        }
    }

    /// A flow collection or scalar; line breaks inside start at `cont_col`.
    fn flow(&mut self, t: &Tree, cont_col: usize) {
        match t {
            Tree::Scalar(s) => self.scalar_inline(s),
            Tree::Map(entries, _) => {
                self.push("{");
                for (i, e) in entries.iter().enumerate() {
                    if i > 0 {
                        self.push(",");
                        if e.deco.blank {
                            self.push("\n");
                            self.pad(cont_col);
                        } else {
                            self.push(" ");
                        }
                    }
                    let len = self.path.len();
                    self.key(&e.key, e.style);
                    self.push(": ");
                    self.flow_item(&e.value, cont_col, false);
                    self.path.truncate(len);
                }
                self.push("}");
            }
            Tree::Seq(items, _) => {
                self.push("[");
                for (i, (it, d)) in items.iter().enumerate() {
                    if i > 0 {
                        self.push(",");
                        if d.blank {
                            self.push("\n");
                            self.pad(cont_col);
                        } else {
                            self.push(" ");
                        }
                    }
                    let len = self.path.len();
                    push_index(&mut self.path, i);
                    self.flow_item(it, cont_col, true);
                    self.path.truncate(len);
                }
                self.push("]");
            }
        }
    }

    /// A value inside a flow collection; `record` for sequence items (their path is
    /// already pushed).
    fn flow_item(&mut self, t: &Tree, cont_col: usize, record: bool) {
        if record {
            let pos = self.here();
            self.record(pos);
        }
        self.flow(t, cont_col);
    }

    fn block_map(&mut self, entries: &[Entry], col: usize, first_inline: bool) {
        for (i, e) in entries.iter().enumerate() {
            if !(i == 0 && first_inline) {
                if e.deco.blank {
                    self.push("\n");
                }
                if e.deco.comment {
                    self.pad(col);
                    self.push("# a comment: with [flow] {chars}\n");
                }
                self.pad(col);
            }
            let len = self.path.len();
            self.key(&e.key, e.style);
            self.push(":");
            self.after_key(&e.value, col, e.deco);
            self.path.truncate(len);
        }
    }

    fn after_key(&mut self, v: &Tree, col: usize, deco: Deco) {
        let step = self.layout.indent;
        match v {
            Tree::Map(entries, false) if !entries.is_empty() => {
                self.push("\n");
                self.block_map(entries, col + step, false);
            }
            Tree::Seq(items, false) if !items.is_empty() => {
                self.push("\n");
                let c = if self.layout.indent_seqs {
                    col + step
                } else {
                    col
                };
                self.block_seq(items, c, false);
            }
            Tree::Scalar(Scalar::Literal(lines)) => {
                self.push(" ");
                self.literal(lines, col + step);
            }
            _ => {
                self.push(" ");
                self.flow(v, col + step);
                self.trailing_comment(deco);
                self.push("\n");
            }
        }
    }

    fn block_seq(&mut self, items: &[(Tree, Deco)], col: usize, first_inline: bool) {
        for (i, (it, d)) in items.iter().enumerate() {
            if !(i == 0 && first_inline) {
                if d.blank {
                    self.push("\n");
                }
                if d.comment {
                    self.pad(col);
                    self.push("# item comment\n");
                }
                self.pad(col);
            }
            self.push("- ");
            let len = self.path.len();
            push_index(&mut self.path, i);
            let pos = self.here();
            self.record(pos);
            match it {
                Tree::Map(entries, false) if !entries.is_empty() => {
                    self.block_map(entries, col + 2, true);
                }
                Tree::Seq(inner, false) if !inner.is_empty() => {
                    self.block_seq(inner, col + 2, true);
                }
                Tree::Scalar(Scalar::Literal(lines)) => self.literal(lines, col + 2),
                _ => {
                    self.flow(it, col + 2 + self.layout.indent);
                    self.trailing_comment(*d);
                    self.push("\n");
                }
            }
            self.path.truncate(len);
        }
    }
}

/// Renders the stream and returns it with, per document, the expected positions.
fn render(docs: &[Vec<Entry>], layout: Layout) -> (String, Vec<Vec<(String, Pos)>>) {
    let mut out = Out {
        text: String::new(),
        line: 1,
        col: 1,
        layout,
        expect: Vec::new(),
        path: String::new(),
    };
    let mut expected = Vec::new();
    for (i, d) in docs.iter().enumerate() {
        if i > 0 || layout.leading_marker {
            out.push("---\n");
        }
        if i % 2 == 1 {
            out.push("# document comment\n\n");
        }
        out.block_map(d, 0, false);
        expected.push(std::mem::take(&mut out.expect));
    }
    (out.text, expected)
}

fn numbered(text: &str) -> String {
    let mut s = String::new();
    for (i, l) in text.split('\n').enumerate() {
        let _ = writeln!(s, "{:>4} | {l}", i + 1);
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn lookup_finds_the_position_each_key_was_written_at(
        docs in prop::collection::vec(document(), 1..4),
        layout in layout(),
    ) {
        let (text, expected) = render(&docs, layout);
        let lf = load_bytes("gen.yaml", text.as_bytes());
        prop_assert!(lf.errors.is_empty(), "errors {:?} in\n{}", lf.errors, numbered(&text));
        prop_assert_eq!(lf.resources.len(), docs.len(), "in\n{}", numbered(&text));
        for (r, exp) in lf.resources.iter().zip(&expected) {
            for (path, pos) in exp {
                let l = r.node.lookup(path);
                prop_assert!(l.node.is_some(), "{path} not found in\n{}", numbered(&text));
                prop_assert_eq!(
                    l.pos, *pos,
                    "position of {} in\n{}", path, numbered(&text)
                );
            }
        }
        // Parsing only the documents that hold a needle (here: every mapping) yields the
        // very same trees, positions included.
        let some = load_bytes_matching("gen.yaml", text.as_bytes(), &[":"]);
        prop_assert_eq!(some.resources.len(), lf.resources.len());
        for (a, b) in some.resources.iter().zip(&lf.resources) {
            prop_assert!(a.node == b.node && a.rref == b.rref, "pre-pass differs in\n{}", numbered(&text));
        }
    }
}

#[test]
fn renderer_records_what_it_writes() {
    let e = |key: &str, value: Tree| Entry {
        key: key.into(),
        style: KeyStyle::Plain,
        value,
        deco: Deco {
            blank: false,
            comment: false,
            trailing: false,
        },
    };
    let no = Deco {
        blank: false,
        comment: false,
        trailing: false,
    };
    let doc = vec![
        e("kind", Tree::Scalar(Scalar::Plain("W".into()))),
        e(
            "spec",
            Tree::Seq(
                vec![(
                    Tree::Map(vec![e("a.b/c", Tree::Scalar(Scalar::Int(1)))], false),
                    no,
                )],
                false,
            ),
        ),
    ];
    let layout = Layout {
        indent: 2,
        indent_seqs: true,
        leading_marker: false,
    };
    let (text, exp) = render(&[doc], layout);
    assert_eq!(text, "kind: W\nspec:\n  - a.b/c: 1\n");
    let got: Vec<(String, (u32, u32))> = exp[0]
        .iter()
        .map(|(p, pos)| (p.clone(), (pos.line, pos.col)))
        .collect();
    assert_eq!(
        got,
        vec![
            ("kind".to_owned(), (1, 1)),
            ("spec".to_owned(), (2, 1)),
            ("spec[0]".to_owned(), (3, 5)),
            ("spec[0][\"a.b/c\"]".to_owned(), (3, 5)),
        ]
    );
}
