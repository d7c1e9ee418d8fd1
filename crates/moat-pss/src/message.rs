//! Builders for the forbidden-detail strings, matching upstream's formatting byte for byte.

use std::fmt::Write as _;

/// `singular` when `count == 1`, else `plural`.
pub(crate) fn pluralize(
    singular: &'static str,
    plural: &'static str,
    count: usize,
) -> &'static str {
    if count == 1 { singular } else { plural }
}

/// `"a", "b", "c"` (no escaping, as upstream's `joinQuote`); `""` for no items.
pub(crate) fn join_quote<S: AsRef<str>>(items: &[S]) -> String {
    let mut out = String::new();
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push('"');
        out.push_str(s.as_ref());
        out.push('"');
    }
    out
}

/// `container "a"` / `containers "a", "b"`, with room for the rest of a message.
pub(crate) fn containers_phrase<S: AsRef<str>>(names: &[S]) -> String {
    prefixed("", names)
}

/// `prefix` + `container "a"` / `containers "a", "b"`, with room for the rest of a message.
pub(crate) fn prefixed<S: AsRef<str>>(prefix: &str, names: &[S]) -> String {
    let len: usize = names.iter().map(|n| n.as_ref().len() + 4).sum();
    let mut out = String::with_capacity(prefix.len() + 11 + len + 64);
    out.push_str(prefix);
    out.push_str(pluralize("container", "containers", names.len()));
    out.push(' ');
    for (i, s) in names.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push('"');
        out.push_str(s.as_ref());
        out.push('"');
    }
    out
}

/// Sorts and removes duplicates: upstream's `sets.String.List()`.
pub(crate) fn sorted_set<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort_unstable();
    v.dedup();
    v
}

/// `s` quoted as Go's `%q` verb (`strconv.Quote`) prints it: `\"` and `\\` escaped,
/// `\a \b \f \n \r \t \v`, other control characters as `\xNN`/`\uNNNN`, non-printing
/// characters (format characters, non-ASCII spaces, private use) as `\uNNNN`/`\UNNNNNNNN`.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if !go_printable(c) => {
                if (c as u32) < 0x1_0000 {
                    let _ = write!(out, "\\u{:04x}", c as u32);
                } else {
                    let _ = write!(out, "\\U{:08x}", c as u32);
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// An approximation of Go's `strconv.IsPrint` for non-ASCII characters: letters, marks,
/// numbers, punctuation, symbols and U+0020 print; controls, format characters, other
/// spaces, surrogates, private use and noncharacters do not.
fn go_printable(c: char) -> bool {
    let u = c as u32;
    if u < 0x80 {
        return (0x20..0x7f).contains(&u);
    }
    !(c.is_control()
        || c.is_whitespace()
        || matches!(u,
            0xad
            | 0x600..=0x605
            | 0x61c
            | 0x6dd
            | 0x70f
            | 0x180e
            | 0x200b..=0x200f
            | 0x202a..=0x202e
            | 0x2060..=0x206f
            | 0xfeff
            | 0xfff9..=0xfffb
            | 0xe000..=0xf8ff
            | 0xfdd0..=0xfdef
            | 0xf_0000..=0x10_ffff
            | 0xe0001
            | 0xe0020..=0xe007f)
        || u & 0xfffe == 0xfffe)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(join_quote::<&str>(&[]), "");
        assert_eq!(join_quote(&["a", "b"]), r#""a", "b""#);
        assert_eq!(containers_phrase(&["a"]), r#"container "a""#);
        assert_eq!(sorted_set(vec!["b", "a", "b"]), ["a", "b"]);
        assert_eq!(go_quote(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(go_quote("x\ny\u{1}\u{7f}"), r#""x\ny\x01\x7f""#);
        assert_eq!(go_quote("é\u{a0}\u{200b}😀"), "\"é\\u00a0\\u200b😀\"");
    }
}
