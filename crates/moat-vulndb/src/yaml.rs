//! YAML to a JSON value tree, keeping scalars as written.
//!
//! Built on `libyaml-safer` (already in the workspace, pure Rust, no `unsafe`). Plain
//! scalars are kept as strings (`1.10` stays `"1.10"`, an unquoted timestamp stays text),
//! except `null`/`~`/empty (null) and `true`/`false`. Anchors and aliases are rejected
//! (no advisory format uses them, and they are how "billion laughs" inputs blow up), and
//! nesting is bounded.

use std::panic::{self, AssertUnwindSafe};

use libyaml_safer::{EventData, Parser, ScalarStyle};
use serde_json::{Map, Value};

/// Deepest nesting accepted.
const MAX_DEPTH: usize = 64;

/// A YAML problem: 1-based line and message.
pub type YamlError = (u32, String);

enum Frame {
    Seq(Vec<Value>),
    Map(Map<String, Value>, Option<String>),
}

/// Parses the first document of `text`.
pub fn parse(text: &str) -> Result<Value, YamlError> {
    // libyaml-safer 0.3 panics on a block scalar that ends the input without a line break;
    // a final newline changes nothing else (and other library panics are caught below).
    let owned;
    let text = if text.ends_with('\n') {
        text
    } else {
        owned = format!("{text}\n");
        &owned
    };
    let mut input = text.as_bytes();
    let mut parser = Parser::new();
    parser.set_input_string(&mut input);
    let mut stack: Vec<Frame> = Vec::new();
    let mut line = 1;
    loop {
        let ev = panic::catch_unwind(AssertUnwindSafe(|| parser.parse()))
            .map_err(|_| (line, "YAML parser failed".to_owned()))?
            .map_err(|e| {
                let l = e
                    .problem_mark()
                    .or(e.context_mark())
                    .map_or(line, |m| u32::try_from(m.line + 1).unwrap_or(u32::MAX));
                (l, format!("YAML syntax error: {}", e.problem()))
            })?;
        line = u32::try_from(ev.start_mark.line + 1).unwrap_or(u32::MAX);
        let value = match ev.data {
            EventData::StreamEnd => return Ok(Value::Null),
            EventData::StreamStart { .. }
            | EventData::DocumentStart { .. }
            | EventData::DocumentEnd { .. } => continue,
            EventData::Alias { .. } => {
                return Err((line, "YAML aliases are not supported in advisories".into()));
            }
            EventData::Scalar {
                value,
                style,
                anchor,
                ..
            } => {
                if anchor.is_some() {
                    return Err((line, "YAML anchors are not supported in advisories".into()));
                }
                if style == ScalarStyle::Plain {
                    match value.as_str() {
                        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
                        "true" | "True" | "TRUE" => Value::Bool(true),
                        "false" | "False" | "FALSE" => Value::Bool(false),
                        _ => Value::String(value),
                    }
                } else {
                    Value::String(value)
                }
            }
            EventData::SequenceStart { .. } | EventData::MappingStart { .. } => {
                if stack.len() >= MAX_DEPTH {
                    return Err((line, format!("nesting deeper than {MAX_DEPTH} levels")));
                }
                stack.push(if matches!(ev.data, EventData::SequenceStart { .. }) {
                    Frame::Seq(Vec::new())
                } else {
                    Frame::Map(Map::new(), None)
                });
                continue;
            }
            EventData::SequenceEnd | EventData::MappingEnd => match stack.pop() {
                Some(Frame::Seq(items)) => Value::Array(items),
                Some(Frame::Map(map, _)) => Value::Object(map),
                None => return Err((line, "unbalanced YAML structure".into())),
            },
        };
        match stack.last_mut() {
            None => return Ok(value),
            Some(Frame::Seq(items)) => items.push(value),
            Some(Frame::Map(map, key)) => match key.take() {
                Some(k) => {
                    if map.insert(k.clone(), value).is_some() {
                        return Err((line, format!("duplicate key `{k}`")));
                    }
                }
                None => match value {
                    Value::String(s) => *key = Some(s),
                    Value::Null => *key = Some(String::new()),
                    Value::Bool(b) => *key = Some(b.to_string()),
                    _ => return Err((line, "mapping keys must be scalars".into())),
                },
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_stay_text() {
        let v = parse("a: 1.10\nb: 2021-01-01T00:00:00Z\nc: ~\nd: [true, '0']\n").unwrap();
        assert_eq!(v["a"], "1.10");
        assert_eq!(v["b"], "2021-01-01T00:00:00Z");
        assert!(v["c"].is_null());
        assert_eq!(v["d"][0], true);
        assert_eq!(v["d"][1], "0");
    }

    #[test]
    fn errors_have_lines() {
        let (line, msg) = parse("a: 1\nb: [\n").unwrap_err();
        assert!(line >= 2, "{line}");
        assert!(msg.contains("YAML"), "{msg}");
        assert_eq!(parse("a: 1\na: 2\n").unwrap_err().0, 2);
        assert!(parse("a: &x 1\nb: *x\n").is_err());
        // A block scalar at the very end of the input (found by fuzzing).
        let v = parse("spec:\n  expr: |\n    a(\n      b\n    )").unwrap();
        assert_eq!(v["spec"]["expr"], "a(\n  b\n)\n");
        let deep = "[".repeat(100);
        assert!(parse(&deep).is_err());
    }
}
