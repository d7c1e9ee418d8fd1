//! Splitting instruction arguments into words (quotes and the escape character
//! respected) and reading the JSON (exec) form.

use crate::ast::Word;
use crate::source::SourceMap;

/// Splits `text` (joined instruction text, positions from `map`) at unquoted whitespace.
/// Quotes are removed from [`Word::value`] and kept in [`Word::raw`].
pub fn split_words(text: &str, map: &SourceMap, escape: char) -> Vec<Word> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut value = String::new();
        let mut end = start;
        let mut quote: Option<char> = None;
        while let Some(&(i, c)) = chars.peek() {
            if quote.is_none() && c.is_whitespace() {
                break;
            }
            chars.next();
            end = i + c.len_utf8();
            match (quote, c) {
                (None, '\'' | '"') => quote = Some(c),
                (Some(q), _) if c == q => quote = None,
                (Some('\''), _) => value.push(c),
                (_, _) if c == escape => {
                    if let Some((j, next)) = chars.next() {
                        end = j + next.len_utf8();
                        // In double quotes only a few characters are escapable.
                        if quote == Some('"') && !matches!(next, '"' | '\\' | '$' | '`') {
                            value.push(c);
                        }
                        value.push(next);
                    } else {
                        value.push(c);
                    }
                }
                _ => value.push(c),
            }
        }
        out.push(Word {
            value,
            raw: text.get(start..end).unwrap_or_default().to_owned(),
            pos: map.pos(text, start),
        });
    }
    out
}

/// Parses a JSON array of strings (exec form). `None` when `text` is not exactly one.
pub fn parse_json_array(text: &str, map: &SourceMap) -> Option<Vec<Word>> {
    let bytes = text.as_bytes();
    let mut i = skip_ws(bytes, 0);
    if bytes.get(i) != Some(&b'[') {
        return None;
    }
    i = skip_ws(bytes, i + 1);
    let mut out = Vec::new();
    if bytes.get(i) == Some(&b']') {
        i += 1;
    } else {
        loop {
            let start = i;
            let (value, next) = json_string(text, i)?;
            out.push(Word {
                value,
                raw: text.get(start..next).unwrap_or_default().to_owned(),
                pos: map.pos(text, start),
            });
            i = skip_ws(bytes, next);
            match bytes.get(i) {
                Some(b',') => i = skip_ws(bytes, i + 1),
                Some(b']') => {
                    i += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    (skip_ws(bytes, i) == bytes.len()).then_some(out)
}

fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

/// Reads a JSON string starting at the quote at `start`; returns it and the offset after it.
fn json_string(text: &str, start: usize) -> Option<(String, usize)> {
    let rest = text.get(start..)?;
    let mut chars = rest.char_indices();
    if chars.next()?.1 != '"' {
        return None;
    }
    let mut s = String::new();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((s, start + i + 1)),
            '\\' => {
                let (_, e) = chars.next()?;
                match e {
                    '"' | '\\' | '/' => s.push(e),
                    'b' => s.push('\u{8}'),
                    'f' => s.push('\u{c}'),
                    'n' => s.push('\n'),
                    'r' => s.push('\r'),
                    't' => s.push('\t'),
                    'u' => {
                        let mut code = 0u32;
                        for _ in 0..4 {
                            code = code * 16 + chars.next()?.1.to_digit(16)?;
                        }
                        s.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                    }
                    _ => return None,
                }
            }
            c if (c as u32) < 0x20 => return None,
            c => s.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::Pos;

    fn map() -> SourceMap {
        let mut m = SourceMap::default();
        m.push(0, Pos::new(1, 1));
        m
    }

    #[test]
    fn words_and_quotes() {
        let w = split_words(r#"a "b c" 'd $e' f\ g"#, &map(), '\\');
        let v: Vec<&str> = w.iter().map(|w| w.value.as_str()).collect();
        assert_eq!(v, ["a", "b c", "d $e", "f g"]);
        assert_eq!(w[1].raw, "\"b c\"");
        assert_eq!(w[3].pos, Pos::new(1, 16));
    }

    #[test]
    fn json_arrays() {
        let w = parse_json_array(r#" ["sh", "-c", "echo \"hi\"\u0021"] "#, &map()).unwrap();
        let v: Vec<&str> = w.iter().map(|w| w.value.as_str()).collect();
        assert_eq!(v, ["sh", "-c", "echo \"hi\"!"]);
        assert!(parse_json_array("[\"a\",]", &map()).is_none());
        assert!(parse_json_array("['a']", &map()).is_none());
        assert!(parse_json_array("[\"a\"] x", &map()).is_none());
        assert_eq!(parse_json_array("[ ]", &map()).unwrap().len(), 0);
    }
}
