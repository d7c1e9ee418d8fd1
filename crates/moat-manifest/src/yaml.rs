//! YAML streams → spanned [`Node`] trees, resolved the way Kubernetes' decoder
//! (go-yaml v2 behind `sigs.k8s.io/yaml`) resolves them: YAML 1.1 booleans
//! (`yes`/`no`/`on`/`off`/`y`/`n`), leading-zero octal, `_` in numbers, merge keys.
//! Uses of those YAML 1.1-only forms become warnings.
//!
//! A syntax error ends the document it is in; parsing resumes at the next `---` line,
//! so the other documents of the stream are still returned.

use std::any::Any;
use std::collections::HashMap;
use std::panic::{self, AssertUnwindSafe};

use libyaml_safer::{Event, EventData, Mark, Parser, ScalarStyle};

use crate::node::{Entry, Node, Pos, Value};

/// Deepest nesting accepted; deeper input is rejected rather than risking the stack.
pub const MAX_DEPTH: usize = 512;
/// Most nodes alias expansion may add to one document ("billion laughs" guard).
pub const MAX_ALIAS_NODES: usize = 1_000_000;

/// A problem at a position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Where.
    pub pos: Pos,
    /// What.
    pub message: String,
}

/// One document of a stream.
#[derive(Debug)]
pub struct Doc {
    /// 0-based index of the document in the stream (counting failed ones).
    pub index: usize,
    /// Position where the document starts.
    pub pos: Pos,
    /// The root value; `None` for an empty document.
    pub root: Option<Node>,
}

/// Everything parsed from one stream.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Documents that parsed (possibly with non-fatal errors such as duplicate keys).
    pub docs: Vec<Doc>,
    /// Errors: syntax errors (their document is dropped) and non-fatal ones.
    pub errors: Vec<Problem>,
    /// Warnings (YAML 1.1-only forms).
    pub warnings: Vec<Problem>,
}

/// Parses a whole YAML stream.
pub fn parse_stream(text: &str) -> Parsed {
    // libyaml-safer 0.3.0 panics ("unexpected end of input") when the input ends inside
    // a block scalar line without a line break (`a: |\n  x`, simonask/libyaml-safer#6),
    // which real files often do. A final line break moves no position; the only change
    // is that such a last block scalar keeps its final newline, as YAML 1.2 specifies.
    let with_break;
    let text = if text.is_empty() || text.ends_with(['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}'])
    {
        text
    } else {
        with_break = format!("{text}\n");
        with_break.as_str()
    };
    let mut out = Parsed::default();
    let mut start_line: u32 = 0; // 0-based line where the current attempt starts
    let mut doc_index = 0usize;
    loop {
        let offset = line_offset(text, start_line);
        let Some(slice) = text.get(offset..) else {
            break;
        };
        match parse_from(slice, start_line, &mut doc_index, &mut out) {
            Ok(()) => break,
            Err(problem) => {
                let err_line0 = problem.pos.line.saturating_sub(1);
                out.errors.push(problem);
                doc_index += 1;
                // Resume at the next document marker at or after the error line,
                // always making progress.
                let min = err_line0.max(start_line + 1);
                match next_doc_marker(text, min) {
                    Some(l) => start_line = l,
                    None => break,
                }
            }
        }
    }
    out
}

/// Parses only the documents of `text` that contain one of `needles`, for a pre-pass
/// that needs a few kinds of object out of a large stream. Documents are split at
/// `---` marker lines, which YAML forbids inside any scalar or flow collection, so the
/// split is exact; a document is parsed whole when it holds a needle anywhere. Errors
/// and warnings are those of the parsed documents only.
pub fn parse_matching(text: &str, needles: &[&str]) -> Parsed {
    let contains = |t: &str| {
        needles
            .iter()
            .any(|n| memchr::memmem::find(t.as_bytes(), n.as_bytes()).is_some())
    };
    if !contains(text) {
        return Parsed::default();
    }
    if has_unicode_line_break(text) {
        // Lines would be counted differently per slice; rare enough to parse whole.
        return parse_stream(text);
    }
    let mut out = Parsed::default();
    let mut doc_index = 0usize;
    let mut start = 0usize; // byte offset of the current document
    let mut start_line = 0u32;
    let mut line = 0u32;
    let bytes = text.as_bytes();
    let mut flush = |from: usize, to: usize, line_base: u32, out: &mut Parsed| {
        let Some(seg) = text.get(from..to) else {
            return;
        };
        if !contains(seg) {
            return;
        }
        let owned;
        let seg = if seg.ends_with(['\n', '\r']) {
            seg
        } else {
            owned = format!("{seg}\n");
            owned.as_str()
        };
        let mut sub = Parsed::default();
        // Errors end the document; the scan proper reports them.
        let _ = parse_from(seg, line_base, &mut doc_index, &mut sub);
        out.docs.append(&mut sub.docs);
        out.errors.append(&mut sub.errors);
        out.warnings.append(&mut sub.warnings);
    };
    for nl in memchr::memchr_iter(b'\n', bytes) {
        line += 1;
        let next = nl + 1;
        let rest = bytes.get(next..).unwrap_or(&[]);
        let marker = rest.strip_prefix(b"---").is_some_and(|r| {
            r.is_empty() || matches!(r.first(), Some(b' ' | b'\t' | b'\r' | b'\n'))
        });
        if marker {
            flush(start, next, start_line, &mut out);
            start = next;
            start_line = line;
        }
    }
    flush(start, text.len(), start_line, &mut out);
    out
}

/// Byte offset of 0-based line `line`.
fn line_offset(text: &str, line: u32) -> usize {
    if line == 0 {
        return 0;
    }
    let mut seen = 0u32;
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' {
            seen += 1;
            if seen == line {
                return i + 1;
            }
        }
    }
    text.len()
}

/// First 0-based line `>= min` that starts with `---` followed by whitespace or EOL.
fn next_doc_marker(text: &str, min: u32) -> Option<u32> {
    text.split('\n')
        .enumerate()
        .skip(min as usize)
        .find(|(_, l)| {
            l.strip_prefix("---")
                .is_some_and(|r| r.is_empty() || r.starts_with([' ', '\t', '\r']))
        })
        .map(|(i, _)| u32::try_from(i).unwrap_or(u32::MAX))
}

/// Whether `text` holds NEL, LS or PS (U+0085, U+2028, U+2029). Scans bytes with
/// `memchr` for the lead bytes 0xC2/0xE2, so ordinary files cost almost nothing.
fn has_unicode_line_break(text: &str) -> bool {
    let b = text.as_bytes();
    memchr::memchr2_iter(0xC2, 0xE2, b).any(|i| match b.get(i) {
        Some(0xC2) => b.get(i + 1) == Some(&0x85),
        _ => b.get(i + 1) == Some(&0x80) && matches!(b.get(i + 2), Some(0xA8 | 0xA9)),
    })
}

/// Turns parser marks into positions as editors count them.
///
/// libyaml also ends lines at NEL, LS and PS (U+0085, U+2028, U+2029), which editors,
/// `grep -n` and SARIF viewers do not: one of them in a string or comment would shift
/// every later line. Text holding any of them is located by byte offset instead, with
/// `\n`, `\r\n` and a lone `\r` ending lines.
struct Locator<'a> {
    line_base: u32,
    text: &'a str,
    /// Byte offsets where lines start; only built for text with NEL/LS/PS.
    line_starts: Option<Vec<usize>>,
}

impl<'a> Locator<'a> {
    fn new(text: &'a str, line_base: u32) -> Self {
        let line_starts = has_unicode_line_break(text).then(|| {
            let b = text.as_bytes();
            let mut starts = vec![0];
            for (i, &c) in b.iter().enumerate() {
                if c == b'\n' || (c == b'\r' && b.get(i + 1) != Some(&b'\n')) {
                    starts.push(i + 1);
                }
            }
            starts
        });
        Locator {
            line_base,
            text,
            line_starts,
        }
    }

    fn pos(&self, m: Mark) -> Pos {
        let Some(starts) = &self.line_starts else {
            return Pos {
                line: u32::try_from(m.line).unwrap_or(u32::MAX - 1) + 1 + self.line_base,
                col: u32::try_from(m.column).unwrap_or(u32::MAX - 1) + 1,
            };
        };
        let index = usize::try_from(m.index)
            .unwrap_or(usize::MAX)
            .min(self.text.len());
        let line = starts.partition_point(|&s| s <= index).saturating_sub(1);
        let start = starts.get(line).copied().unwrap_or(0);
        let col = self.text.get(start..index).map_or(0, |t| t.chars().count());
        Pos {
            line: u32::try_from(line)
                .unwrap_or(u32::MAX - 1)
                .saturating_add(1 + self.line_base),
            col: u32::try_from(col).unwrap_or(u32::MAX - 1) + 1,
        }
    }
}

fn parse_from(
    slice: &str,
    line_base: u32,
    doc_index: &mut usize,
    out: &mut Parsed,
) -> Result<(), Problem> {
    let loc = Locator::new(slice, line_base);
    let mut input = slice.as_bytes();
    let mut parser = Parser::new();
    parser.set_input_string(&mut input);
    let mut builder: Option<Builder> = None;
    let mut doc_pos = Pos::default();
    // End of the last event, where an internal parser failure is reported.
    let mut last = Pos {
        line: line_base + 1,
        col: 1,
    };
    loop {
        // Any other panic left in the parser (e.g. `[!a,`, simonask/libyaml-safer#7)
        // becomes an error for this document instead of ending the whole scan.
        let result = panic::catch_unwind(AssertUnwindSafe(|| parser.parse()))
            .map_err(|payload| parser_panic(payload.as_ref(), last))?;
        let ev = result.map_err(|e| {
            let p = e.problem_mark().or(e.context_mark()).map_or(
                Pos {
                    line: line_base + 1,
                    col: 1,
                },
                |m| loc.pos(m),
            );
            let msg = match (e.context(), e.context_mark()) {
                (Some(ctx), Some(m)) if e.problem_mark().is_some() => {
                    let c = loc.pos(m);
                    format!(
                        "YAML syntax error: {} ({ctx} that started at line {} column {})",
                        e.problem(),
                        c.line,
                        c.col
                    )
                }
                (Some(ctx), _) => format!("YAML syntax error: {} ({ctx})", e.problem()),
                (None, _) => format!("YAML syntax error: {}", e.problem()),
            };
            Problem {
                pos: p,
                message: msg,
            }
        })?;
        last = loc.pos(ev.end_mark);
        match ev.data {
            EventData::StreamEnd => return Ok(()),
            EventData::StreamStart { .. } => {}
            EventData::DocumentStart { .. } => {
                doc_pos = loc.pos(ev.start_mark);
                builder = Some(Builder::new());
            }
            EventData::DocumentEnd { .. } => {
                if let Some(b) = builder.take() {
                    out.errors.extend(b.errors);
                    out.warnings.extend(b.warnings);
                    out.docs.push(Doc {
                        index: *doc_index,
                        pos: doc_pos,
                        root: b.root,
                    });
                }
                *doc_index += 1;
            }
            _ => {
                if let Some(b) = builder.as_mut() {
                    b.event(ev, &loc)?;
                }
            }
        }
    }
}

/// Turns a panic inside the YAML library into an error at the last good position.
fn parser_panic(payload: &(dyn Any + Send), last: Pos) -> Problem {
    let what = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("unknown failure");
    Problem {
        pos: last,
        message: format!(
            "YAML parser failed after this point (internal error in the YAML library: {what}); the rest of this document is skipped"
        ),
    }
}

enum Frame {
    Seq {
        items: Vec<Node>,
        pos: Pos,
        anchor: Option<String>,
        count: usize,
    },
    Map {
        entries: Vec<Entry>,
        pos: Pos,
        anchor: Option<String>,
        count: usize,
        key: Option<PendingKey>,
        merges: Vec<Node>,
        index: Option<HashMap<String, usize>>,
    },
}

struct PendingKey {
    key: String,
    pos: Pos,
    merge: bool,
}

struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<String, (Node, usize)>,
    alias_nodes: usize,
    root: Option<Node>,
    errors: Vec<Problem>,
    warnings: Vec<Problem>,
}

const INDEX_THRESHOLD: usize = 16;

impl Builder {
    fn new() -> Self {
        Builder {
            stack: Vec::new(),
            anchors: HashMap::new(),
            alias_nodes: 0,
            root: None,
            errors: Vec::new(),
            warnings: Vec::new(),
        }
    }

    fn event(&mut self, ev: Event, loc: &Locator<'_>) -> Result<(), Problem> {
        let p = loc.pos(ev.start_mark);
        match ev.data {
            EventData::Scalar {
                anchor,
                tag,
                value,
                style,
                ..
            } => {
                let plain = style == ScalarStyle::Plain;
                let in_key_position =
                    matches!(self.stack.last(), Some(Frame::Map { key: None, .. }));
                let merge = plain && tag.is_none() && in_key_position && value == "<<";
                let (v, warn) = resolve_scalar(value, plain, tag.as_deref());
                if let Some(w) = warn {
                    self.warnings.push(Problem { pos: p, message: w });
                }
                if merge {
                    self.warnings.push(Problem {
                        pos: p,
                        message: "merge key `<<` is a YAML 1.1 feature; YAML 1.2 parsers read it as a plain key".into(),
                    });
                }
                let node = Node::new(v, p);
                if let Some(a) = anchor {
                    self.anchors.insert(a, (node.clone(), 1));
                }
                self.push(node, 1, merge)
            }
            EventData::Alias { anchor } => {
                let Some((node, count)) = self.anchors.get(&anchor) else {
                    return Err(Problem {
                        pos: p,
                        message: format!("unknown anchor `{anchor}` referenced by alias"),
                    });
                };
                self.alias_nodes += count;
                if self.alias_nodes > MAX_ALIAS_NODES {
                    return Err(Problem {
                        pos: p,
                        message: format!(
                            "document expands aliases to more than {MAX_ALIAS_NODES} nodes (possible \"billion laughs\" input)"
                        ),
                    });
                }
                let mut node = node.clone();
                let count = *count;
                node.pos = p;
                self.push(node, count, false)
            }
            EventData::SequenceStart { anchor, .. } => {
                self.check_depth(p)?;
                self.stack.push(Frame::Seq {
                    items: Vec::new(),
                    pos: p,
                    anchor,
                    count: 1,
                });
                Ok(())
            }
            EventData::MappingStart { anchor, .. } => {
                self.check_depth(p)?;
                self.stack.push(Frame::Map {
                    entries: Vec::new(),
                    pos: p,
                    anchor,
                    count: 1,
                    key: None,
                    merges: Vec::new(),
                    index: None,
                });
                Ok(())
            }
            EventData::SequenceEnd | EventData::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return Ok(());
                };
                let (node, anchor, count) = match frame {
                    Frame::Seq {
                        items,
                        pos,
                        anchor,
                        count,
                    } => (Node::new(Value::Seq(items), pos), anchor, count),
                    Frame::Map {
                        mut entries,
                        pos,
                        anchor,
                        count,
                        merges,
                        ..
                    } => {
                        if !merges.is_empty() {
                            self.apply_merges(&mut entries, merges);
                        }
                        (Node::new(Value::Map(entries), pos), anchor, count)
                    }
                };
                if let Some(a) = anchor {
                    self.anchors.insert(a, (node.clone(), count));
                }
                self.push(node, count, false)
            }
            _ => Ok(()),
        }
    }

    fn check_depth(&self, p: Pos) -> Result<(), Problem> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(Problem {
                pos: p,
                message: format!("nesting deeper than {MAX_DEPTH} levels"),
            });
        }
        Ok(())
    }

    fn push(&mut self, node: Node, n: usize, merge_key: bool) -> Result<(), Problem> {
        let Some(top) = self.stack.last_mut() else {
            self.root = Some(node);
            return Ok(());
        };
        match top {
            Frame::Seq { items, count, .. } => {
                *count += n;
                items.push(node);
            }
            Frame::Map {
                entries,
                count,
                key,
                merges,
                index,
                ..
            } => {
                *count += n;
                match key.take() {
                    None => {
                        let pos = node.pos;
                        let k = key_string(node).ok_or_else(|| Problem {
                            pos,
                            message: "mapping keys must be scalars".into(),
                        })?;
                        *key = Some(PendingKey {
                            key: k,
                            pos,
                            merge: merge_key,
                        });
                    }
                    Some(k) if k.merge => merges.push(node),
                    Some(k) => {
                        if let Some(first) = find_key(entries, index.as_ref(), &k.key) {
                            self.errors.push(Problem {
                                pos: k.pos,
                                message: format!(
                                    "duplicate key `{}` (first defined at line {}); the last value is used",
                                    k.key, first.line
                                ),
                            });
                            if let Some(e) = entries.iter_mut().find(|e| e.key == k.key) {
                                e.key_pos = k.pos;
                                e.value = node;
                            }
                        } else {
                            if let Some(idx) = index.as_mut() {
                                idx.insert(k.key.clone(), entries.len());
                            }
                            entries.push(Entry {
                                key: k.key,
                                key_pos: k.pos,
                                value: node,
                            });
                            if index.is_none() && entries.len() > INDEX_THRESHOLD {
                                *index = Some(
                                    entries
                                        .iter()
                                        .enumerate()
                                        .map(|(i, e)| (e.key.clone(), i))
                                        .collect(),
                                );
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Merge keys: explicit keys win; among merged mappings, the first one wins.
    fn apply_merges(&mut self, entries: &mut Vec<Entry>, merges: Vec<Node>) {
        let mut sources = Vec::new();
        for m in merges {
            match m.value {
                Value::Map(e) => sources.push(e),
                Value::Seq(items) => {
                    for it in items {
                        match it.value {
                            Value::Map(e) => sources.push(e),
                            _ => self.errors.push(Problem {
                                pos: it.pos,
                                message: "merge key `<<` items must be mappings".into(),
                            }),
                        }
                    }
                }
                _ => self.errors.push(Problem {
                    pos: m.pos,
                    message: "merge key `<<` value must be a mapping or a list of mappings".into(),
                }),
            }
        }
        for src in sources {
            for e in src {
                if !entries.iter().any(|x| x.key == e.key) {
                    entries.push(e);
                }
            }
        }
    }
}

fn find_key(entries: &[Entry], index: Option<&HashMap<String, usize>>, key: &str) -> Option<Pos> {
    match index {
        Some(idx) => idx
            .get(key)
            .and_then(|&i| entries.get(i))
            .map(|e| e.key_pos),
        None => entries.iter().find(|e| e.key == key).map(|e| e.key_pos),
    }
}

/// Converts a key node to the string Kubernetes would use.
fn key_string(n: Node) -> Option<String> {
    Some(match n.value {
        Value::Str(s) => s,
        Value::Int(i) => i.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Null => "null".to_owned(),
        Value::Seq(_) | Value::Map(_) => return None,
    })
}

const TAG_PREFIX: &str = "tag:yaml.org,2002:";

/// Resolves one scalar. Returns the value and a warning for YAML 1.1-only forms.
fn resolve_scalar(value: String, plain: bool, tag: Option<&str>) -> (Value, Option<String>) {
    if let Some(tag) = tag {
        let short = tag.strip_prefix(TAG_PREFIX).unwrap_or(tag);
        return match short {
            "str" | "binary" | "timestamp" => (Value::Str(value), None),
            "null" | "bool" | "int" | "float" => {
                let Some((v, w)) = resolve_plain(&value) else {
                    return (Value::Str(value), None);
                };
                let ok = matches!(
                    (short, &v),
                    ("null", Value::Null)
                        | ("bool", Value::Bool(_))
                        | ("int", Value::Int(_))
                        | ("float", Value::Float(_) | Value::Int(_))
                );
                if ok {
                    (v, w)
                } else {
                    (Value::Str(value), None)
                }
            }
            _ if plain => resolve_owned(value),
            _ => (Value::Str(value), None),
        };
    }
    if plain {
        resolve_owned(value)
    } else {
        (Value::Str(value), None)
    }
}

fn resolve_owned(value: String) -> (Value, Option<String>) {
    match resolve_plain(&value) {
        Some((v, w)) => (v, w),
        None => (Value::Str(value), None),
    }
}

fn yaml11_warning(s: &str, meaning: &str) -> String {
    format!(
        "`{s}` is read as {meaning} (a YAML 1.1-only form Kubernetes accepts); quote it if a string is meant"
    )
}

/// Resolves a plain scalar like go-yaml v2; `None` means "a string".
fn resolve_plain(s: &str) -> Option<(Value, Option<String>)> {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Some((Value::Null, None)),
        "true" | "True" | "TRUE" => return Some((Value::Bool(true), None)),
        "false" | "False" | "FALSE" => return Some((Value::Bool(false), None)),
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => {
            return Some((Value::Bool(true), Some(yaml11_warning(s, "boolean true"))));
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => {
            return Some((Value::Bool(false), Some(yaml11_warning(s, "boolean false"))));
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Some((Value::Float(f64::INFINITY), None));
        }
        "-.inf" | "-.Inf" | "-.INF" => return Some((Value::Float(f64::NEG_INFINITY), None)),
        ".nan" | ".NaN" | ".NAN" => return Some((Value::Float(f64::NAN), None)),
        _ => {}
    }
    let first = s.as_bytes().first().copied()?;
    if !(first.is_ascii_digit() || first == b'+' || first == b'-' || first == b'.') {
        return None;
    }
    let has_underscore = s.contains('_');
    let plain: std::borrow::Cow<'_, str> = if has_underscore {
        s.replace('_', "").into()
    } else {
        s.into()
    };
    if let Some((i, yaml11)) = go_parse_int(&plain) {
        let warn = if yaml11 || has_underscore {
            Some(yaml11_warning(s, &format!("the integer {i}")))
        } else {
            None
        };
        return Some((Value::Int(i), warn));
    }
    if let Some(f) = is_go_yaml_float(&plain)
        .then(|| plain.parse::<f64>().ok())
        .flatten()
    {
        {
            let warn = has_underscore.then(|| {
                format!("`{s}` is read as the number {f} (YAML 1.1 allows `_` in numbers)")
            });
            return Some((Value::Float(f), warn));
        }
    }
    None
}

/// Go's `strconv.ParseInt(s, 0, 64)`, plus whether a YAML 1.1-only base was used
/// (leading-zero octal or `0b` binary).
fn go_parse_int(s: &str) -> Option<(i64, bool)> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, s.get(1..)?),
        b'+' => (false, s.get(1..)?),
        _ => (false, s),
    };
    if body.is_empty() {
        return None;
    }
    let (radix, digits, yaml11) =
        if let Some(d) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
            (16, d, false)
        } else if let Some(d) = body.strip_prefix("0b").or_else(|| body.strip_prefix("0B")) {
            (2, d, true)
        } else if let Some(d) = body.strip_prefix("0o").or_else(|| body.strip_prefix("0O")) {
            (8, d, false)
        } else if body.len() > 1 && body.starts_with('0') {
            (8, &body[1..], true)
        } else {
            (10, body, false)
        };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let mag = u64::from_str_radix(digits, radix).ok()?;
    let v = if neg {
        if mag == 1u64 << 63 {
            i64::MIN
        } else {
            -i64::try_from(mag).ok()?
        }
    } else {
        i64::try_from(mag).ok()?
    };
    Some((v, yaml11))
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn is_go_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(text: &str) -> Node {
        let p = parse_stream(text);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        p.docs.into_iter().next().and_then(|d| d.root).unwrap()
    }

    #[test]
    fn yaml11_scalars() {
        let p = parse_stream(
            "a: yes\nb: off\nc: 0777\nd: 1_000\ne: 'yes'\nf: 0x1F\ng: 1.5\nh: ~\ni: 2024-01-01\nj: 0o17\n",
        );
        let r = p.docs[0].root.as_ref().unwrap();
        assert_eq!(r.get("a").unwrap().as_bool(), Some(true));
        assert_eq!(r.get("b").unwrap().as_bool(), Some(false));
        assert_eq!(r.get("c").unwrap().as_i64(), Some(511));
        assert_eq!(r.get("d").unwrap().as_i64(), Some(1000));
        assert_eq!(r.get("e").unwrap().as_str(), Some("yes"));
        assert_eq!(r.get("f").unwrap().as_i64(), Some(31));
        assert_eq!(r.get("g").unwrap().value, Value::Float(1.5));
        assert!(r.get("h").unwrap().is_null());
        assert_eq!(r.get("i").unwrap().as_str(), Some("2024-01-01"));
        assert_eq!(r.get("j").unwrap().as_i64(), Some(15));
        let lines: Vec<u32> = p.warnings.iter().map(|w| w.pos.line).collect();
        assert_eq!(lines, vec![1, 2, 3, 4]);
    }

    #[test]
    fn positions_are_of_keys() {
        let r = root("metadata:\n  name: x\nspec:\n  containers:\n  - name: a\n    image: b\n");
        let l = r.lookup("spec.containers[0].image");
        assert_eq!((l.pos.line, l.pos.col), (6, 5));
        let l = r.lookup("spec.containers[0].securityContext.privileged");
        assert!(l.node.is_none());
        assert_eq!((l.pos.line, l.pos.col), (5, 5));
    }

    #[test]
    fn anchors_and_merge_keys() {
        let r = root("base: &b\n  p: 1\n  q: 2\nd:\n  <<: *b\n  q: 3\nl: *b\ny: 4\n");
        let d = r.get("d").unwrap();
        assert_eq!(d.get("p").unwrap().as_i64(), Some(1));
        assert_eq!(d.get("q").unwrap().as_i64(), Some(3));
        assert_eq!(r.get("l").unwrap().get("q").unwrap().as_i64(), Some(2));
        // go-yaml v2 reads the key `y` as boolean true, and Kubernetes keys it "true".
        assert_eq!(r.get("true").unwrap().as_i64(), Some(4));
    }

    #[test]
    fn duplicate_keys_are_errors_last_wins() {
        let p = parse_stream("a: 1\nb: 2\na: 3\n");
        assert_eq!(p.errors.len(), 1);
        assert_eq!(p.errors[0].pos.line, 3);
        assert_eq!(
            p.docs[0].root.as_ref().unwrap().get("a").unwrap().as_i64(),
            Some(3)
        );
    }

    #[test]
    fn syntax_error_keeps_other_documents() {
        let p = parse_stream("a: 1\n---\nb: [1, 2\nc: 3\n---\nd: 4\n");
        assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
        let keys: Vec<_> = p
            .docs
            .iter()
            .filter_map(|d| d.root.as_ref())
            .map(|r| r.entries()[0].key.clone())
            .collect();
        assert_eq!(keys, ["a", "d"]);
        let d = p.docs.last().unwrap();
        assert_eq!(d.root.as_ref().unwrap().entries()[0].key_pos.line, 6);
        assert_eq!(d.index, 2);
    }

    #[test]
    fn billion_laughs_is_bounded() {
        let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = i - 1;
            let refs = vec![format!("*a{prev}"); 10].join(", ");
            s += &format!("a{i}: &a{i} [{refs}]\n");
        }
        let p = parse_stream(&s);
        assert_eq!(p.errors.len(), 1);
        assert!(p.errors[0].message.contains("aliases"));
    }

    #[test]
    fn deep_nesting_is_an_error() {
        let s = "[".repeat(10_000);
        let p = parse_stream(&s);
        assert!(!p.errors.is_empty());
    }

    #[test]
    fn block_scalar_at_end_without_line_break() {
        // Used to panic inside libyaml-safer (found by fuzzing a real manifest).
        for text in [
            "a: |\n  x",
            "a: >\n  x\n  y",
            "a: |-\n  x",
            "k: v\nb: |+\n  x\n  ",
        ] {
            let p = parse_stream(text);
            assert!(p.errors.is_empty(), "{text:?}: {:?}", p.errors);
            assert_eq!(p.docs.len(), 1, "{text:?}");
        }
        let p = parse_stream("a: ''|\n 0");
        assert_eq!(p.errors.len(), 1);
        assert!(
            p.errors[0].message.contains("syntax error"),
            "{:?}",
            p.errors
        );
        let r = root("a: 1\nb: |\n  x\n  y");
        assert_eq!(r.get("b").unwrap().as_str(), Some("x\ny\n"));
        assert_eq!(r.lookup("b").pos, Pos { line: 2, col: 1 });
    }

    #[test]
    fn parser_panics_become_errors() {
        // libyaml-safer 0.3.0 panics on a tag directly followed by `,` in flow context.
        let p = parse_stream("a: 1\n---\nb: [!x, 1]\n---\nc: 2\n");
        assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
        assert!(
            p.errors[0].message.contains("internal error"),
            "{:?}",
            p.errors
        );
        assert_eq!(p.errors[0].pos.line, 3);
        let keys: Vec<_> = p
            .docs
            .iter()
            .filter_map(|d| d.root.as_ref())
            .map(|r| r.entries()[0].key.clone())
            .collect();
        assert_eq!(keys, ["a", "c"]);
    }

    #[test]
    fn unicode_line_separators_do_not_shift_lines() {
        // libyaml ends lines at LS/PS/NEL; editors do not.
        let r = root("a: \"x\u{2028}y\"\n# c\u{2029}\nb: \"\u{e9}\u{85}z\"\nc: 1\r\rd: 2\n");
        let at = |p: &str| {
            let l = r.lookup(p);
            (l.pos.line, l.pos.col)
        };
        assert_eq!(at("b"), (3, 1));
        assert_eq!(at("c"), (4, 1));
        assert_eq!(at("d"), (6, 1));
        assert_eq!(
            (r.get("b").unwrap().pos.line, r.get("b").unwrap().pos.col),
            (3, 4)
        );
        assert_eq!(r.get("a").unwrap().as_str(), Some("x\u{2028}y"));
        let p = parse_stream("a: 1\n---\nb: \"\u{2028}\" [\n---\nc: 1\n");
        assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
        assert_eq!(p.errors[0].pos.line, 3, "{:?}", p.errors);
    }

    #[test]
    fn crlf_and_flow_closing_bracket() {
        let r = root("a:\r\n  args: [\r\n      \"x\",\r\n  ]\r\n  b: 1\r\n");
        assert_eq!(r.get("a").unwrap().get("b").unwrap().pos.line, 5);
    }
}
