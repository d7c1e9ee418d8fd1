//! A validating, non-allocating scanner for one-line JSON objects: the top-level members
//! of an event line are located (key and value byte ranges) into a reusable buffer, and
//! values are read in place when a rule asks for them — strings without escapes are
//! borrowed, numbers parsed from their text, arrays and objects walked without building
//! a tree. This is the hot path of `moat runtime replay`; `serde_json` is only used to
//! decode the rare strings with escapes.

use std::borrow::Cow;
use std::ops::Range;

/// Deepest nesting accepted (as `serde_json`'s default recursion limit).
const MAX_DEPTH: usize = 128;

/// One top-level member: byte ranges of its key (inside the quotes) and of its value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberSpan {
    /// The key, without quotes (still escaped when `key_escaped`).
    pub key: Range<usize>,
    /// The value's JSON text.
    pub value: Range<usize>,
    /// Whether the key contains escapes.
    pub key_escaped: bool,
}

/// A JSON syntax error at a byte offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// What was expected or found.
    pub what: &'static str,
    /// Byte offset in the line.
    pub at: usize,
}

impl SyntaxError {
    /// `invalid JSON: … at column N` (1-based, in bytes).
    pub fn message(self) -> String {
        format!("invalid JSON: {} at column {}", self.what, self.at + 1)
    }
}

fn err<T>(what: &'static str, at: usize) -> Result<T, SyntaxError> {
    Err(SyntaxError { what, at })
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while let Some(c) = b.get(i) {
        if !matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
            break;
        }
        i += 1;
    }
    i
}

/// Scans `line` as one JSON value. When it is an object, its members are put in `out`
/// (cleared first) and `Ok(true)` is returned; any other valid JSON gives `Ok(false)`.
pub fn scan_object(line: &str, out: &mut Vec<MemberSpan>) -> Result<bool, SyntaxError> {
    out.clear();
    let b = line.as_bytes();
    let start = skip_ws(b, 0);
    if b.get(start) != Some(&b'{') {
        let end = skip_value(b, start, 0)?;
        return trailing(b, end).map(|()| false);
    }
    let mut i = skip_ws(b, start + 1);
    if b.get(i) == Some(&b'}') {
        return trailing(b, i + 1).map(|()| true);
    }
    loop {
        if b.get(i) != Some(&b'"') {
            return err("expected a string key", i);
        }
        let (key_end, key_escaped) = skip_string(b, i)?;
        let key = i + 1..key_end - 1;
        i = skip_ws(b, key_end);
        if b.get(i) != Some(&b':') {
            return err("expected ':'", i);
        }
        let vstart = skip_ws(b, i + 1);
        let vend = skip_value(b, vstart, 1)?;
        out.push(MemberSpan {
            key,
            value: vstart..vend,
            key_escaped,
        });
        i = skip_ws(b, vend);
        match b.get(i) {
            Some(b',') => i = skip_ws(b, i + 1),
            Some(b'}') => return trailing(b, i + 1).map(|()| true),
            _ => return err("expected ',' or '}'", i),
        }
    }
}

fn trailing(b: &[u8], end: usize) -> Result<(), SyntaxError> {
    let i = skip_ws(b, end);
    if i < b.len() {
        return err("trailing characters", i);
    }
    Ok(())
}

/// Validates the value starting at `i`; returns the offset just past it.
fn skip_value(b: &[u8], i: usize, depth: usize) -> Result<usize, SyntaxError> {
    match b.get(i) {
        None => err("EOF while parsing a value", i),
        Some(b'"') => skip_string(b, i).map(|(end, _)| end),
        Some(b'{') => skip_container(b, i, depth, b'}', true),
        Some(b'[') => skip_container(b, i, depth, b']', false),
        Some(b't') => literal(b, i, b"true"),
        Some(b'f') => literal(b, i, b"false"),
        Some(b'n') => literal(b, i, b"null"),
        Some(b'-' | b'0'..=b'9') => skip_number(b, i),
        Some(_) => err("expected a value", i),
    }
}

fn literal(b: &[u8], i: usize, word: &[u8]) -> Result<usize, SyntaxError> {
    if b.get(i..i + word.len()) == Some(word) {
        Ok(i + word.len())
    } else {
        err("expected a literal", i)
    }
}

fn digits(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    i
}

fn skip_number(b: &[u8], mut i: usize) -> Result<usize, SyntaxError> {
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i = digits(b, i + 1),
        _ => return err("invalid number", i),
    }
    if b.get(i) == Some(&b'.') {
        let j = digits(b, i + 1);
        if j == i + 1 {
            return err("invalid number", j);
        }
        i = j;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let j = digits(b, i);
        if j == i {
            return err("invalid number", j);
        }
        i = j;
    }
    Ok(i)
}

/// Validates the string starting at `b[i] == '"'`; returns the offset past its closing
/// quote and whether it has escapes.
fn skip_string(b: &[u8], i: usize) -> Result<(usize, bool), SyntaxError> {
    let mut j = i + 1;
    let mut escaped = false;
    loop {
        j = plain_run(b, j);
        match b.get(j) {
            None => return err("EOF while parsing a string", j),
            Some(b'"') => return Ok((j + 1, escaped)),
            Some(b'\\') => {}
            Some(_) => return err("control character in string", j),
        }
        escaped = true;
        match b.get(j + 1) {
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => j += 2,
            Some(b'u') => {
                let hex = b.get(j + 2..j + 6);
                if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                    return err("invalid \\u escape", j);
                }
                j += 6;
            }
            _ => return err("invalid escape", j),
        }
    }
}

/// The offset of the first byte at or after `j` that ends the plain run of a string
/// (`"`, `\\` or a control character), or `b.len()`. Eight bytes at a time: a byte
/// equal to `"` or `\\`, or below 0x20, sets its high bit in `special`; the lowest set
/// bit is exact (borrows only disturb the bytes above it).
fn plain_run(b: &[u8], mut j: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    while let Some(chunk) = b.get(j..j + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let x = u64::from_le_bytes(w);
        let special = zero_byte(x ^ (ONES * u64::from(b'"')))
            | zero_byte(x ^ (ONES * u64::from(b'\\')))
            | (x.wrapping_sub(ONES * 0x20) & !x & HIGH);
        if special != 0 {
            return j + (special.trailing_zeros() / 8) as usize;
        }
        j += 8;
    }
    while b
        .get(j)
        .is_some_and(|c| *c >= 0x20 && *c != b'"' && *c != b'\\')
    {
        j += 1;
    }
    j
}

fn skip_container(
    b: &[u8],
    open: usize,
    depth: usize,
    close: u8,
    object: bool,
) -> Result<usize, SyntaxError> {
    if depth >= MAX_DEPTH {
        return err("recursion limit exceeded", open);
    }
    let mut i = skip_ws(b, open + 1);
    if b.get(i) == Some(&close) {
        return Ok(i + 1);
    }
    loop {
        if object {
            if b.get(i) != Some(&b'"') {
                return err("expected a string key", i);
            }
            i = skip_ws(b, skip_string(b, i)?.0);
            if b.get(i) != Some(&b':') {
                return err("expected ':'", i);
            }
            i = skip_ws(b, i + 1);
        }
        i = skip_ws(b, skip_value(b, i, depth + 1)?);
        match b.get(i) {
            Some(b',') => i = skip_ws(b, i + 1),
            Some(c) if *c == close => return Ok(i + 1),
            _ => return err("expected ',' or a closing bracket", i),
        }
    }
}

/// The text of a JSON string value (`raw` includes the quotes): borrowed unless it has
/// escapes. `None` when `raw` is not a string (or an escape is not valid Unicode).
pub fn string(raw: &str) -> Option<Cow<'_, str>> {
    let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
    if inner.contains('\\') {
        serde_json::from_str::<String>(raw).ok().map(Cow::Owned)
    } else {
        Some(Cow::Borrowed(inner))
    }
}

/// The items of a (validated) JSON array's text; nothing when `raw` is not an array.
pub fn array_items(raw: &str) -> impl Iterator<Item = &str> {
    let b = raw.as_bytes();
    let mut i = if b.first() == Some(&b'[') {
        skip_ws(b, 1)
    } else {
        b.len()
    };
    std::iter::from_fn(move || {
        if matches!(b.get(i), None | Some(b']')) {
            return None;
        }
        let end = skip_value(b, i, 0).ok()?;
        let item = raw.get(i..end)?;
        i = skip_ws(b, end);
        if b.get(i) == Some(&b',') {
            i = skip_ws(b, i + 1);
        }
        Some(item)
    })
}

/// The value of `key` in a (validated) JSON object's text (the last one when repeated).
pub fn object_get<'r>(raw: &'r str, key: &str) -> Option<&'r str> {
    let b = raw.as_bytes();
    if b.first() != Some(&b'{') {
        return None;
    }
    let mut i = skip_ws(b, 1);
    let mut found = None;
    while b.get(i) == Some(&b'"') {
        let (kend, escaped) = skip_string(b, i).ok()?;
        let k = raw.get(i..kend)?;
        let vstart = skip_ws(b, skip_ws(b, kend) + 1);
        let vend = skip_value(b, vstart, 0).ok()?;
        let hit = if escaped {
            string(k).is_some_and(|k| k == key)
        } else {
            k.get(1..k.len() - 1) == Some(key)
        };
        if hit {
            found = raw.get(vstart..vend);
        }
        i = skip_ws(b, vend);
        if b.get(i) == Some(&b',') {
            i = skip_ws(b, i + 1);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(line: &str) -> Result<Vec<(String, String)>, SyntaxError> {
        let mut out = Vec::new();
        scan_object(line, &mut out)?;
        Ok(out
            .iter()
            .map(|m| {
                (
                    line[m.key.clone()].to_string(),
                    line[m.value.clone()].to_string(),
                )
            })
            .collect())
    }

    #[test]
    fn members_and_values() {
        let m =
            scan(r#" {"a" : 1, "b":[1, {"c":"}"}], "d\"":"x\ny", "e":-1.5e3, "f":null} "#).unwrap();
        assert_eq!(m.len(), 5);
        assert_eq!(m[0], ("a".into(), "1".into()));
        assert_eq!(m[1].1, r#"[1, {"c":"}"}]"#);
        assert_eq!(m[2].0, r#"d\""#);
        assert_eq!(m[3].1, "-1.5e3");
        assert_eq!(string(r#""x\ny""#).unwrap(), "x\ny");
        assert!(matches!(string(r#""plain""#), Some(Cow::Borrowed("plain"))));
        let items: Vec<_> = array_items(r#"[1, {"c":"}"}, "z" ]"#).collect();
        assert_eq!(items, ["1", r#"{"c":"}"}"#, r#""z""#]);
        assert_eq!(array_items("[]").count(), 0);
        assert_eq!(object_get(r#"{"a":1,"b" : "x","a":2}"#, "a"), Some("2"));
        assert_eq!(object_get(r#"{"a\u0062":3}"#, "ab"), Some("3"));
        assert_eq!(object_get("{}", "a"), None);
        assert_eq!(scan("{}").unwrap().len(), 0);
    }

    #[test]
    fn plain_runs_stop_at_the_first_special_byte() {
        for text in [
            "abcdefghij\"",
            "abcdefgh\\",
            "a\u{1}bcdefghij\"",
            "é\"",
            "x",
            "0123456789abcdef",
        ] {
            let b = text.as_bytes();
            for start in 0..b.len() {
                let want = b[start..]
                    .iter()
                    .position(|c| *c < 0x20 || *c == b'"' || *c == b'\\')
                    .map_or(b.len(), |p| start + p);
                assert_eq!(plain_run(b, start), want, "{text:?} from {start}");
            }
        }
    }

    #[test]
    fn rejects_what_json_rejects() {
        let mut out = Vec::new();
        assert_eq!(scan_object("[1]", &mut out), Ok(false));
        assert_eq!(scan_object("3", &mut out), Ok(false));
        for bad in [
            "",
            "{",
            r#"{"a"}"#,
            r#"{"a":}"#,
            r#"{"a":1,}"#,
            r#"{"a":01}"#,
            r#"{"a":1.}"#,
            r#"{"a":tru}"#,
            r#"{"a":"x"#,
            "{\"a\":\"\u{1}\"}",
            r#"{"a":"\q"}"#,
            r#"{"a":"\u12"}"#,
            r#"{"a":[1 2]}"#,
            r#"{"a":1} x"#,
            "{a:1}",
        ] {
            let e = scan_object(bad, &mut out).unwrap_err();
            assert!(e.message().starts_with("invalid JSON: "), "{bad}");
        }
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(200), "]".repeat(200));
        assert_eq!(
            scan_object(&deep, &mut out).unwrap_err().what,
            "recursion limit exceeded"
        );
    }
}
