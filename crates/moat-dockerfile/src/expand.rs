//! Variable expansion as BuildKit does it for `FROM`, `COPY`, `ENV`, `USER`, `WORKDIR`…:
//! `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:+alt}`, `${VAR+alt}`,
//! with quote removal and the escape character.

/// The result of expanding a word.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expanded {
    /// The expanded text.
    pub value: String,
    /// A variable without a value was referenced (the real value is only known at build time).
    pub unresolved: bool,
}

/// Expands `raw` (quotes included) with `lookup`; unset variables expand to nothing and
/// mark the result unresolved.
pub fn expand<'v>(raw: &str, escape: char, lookup: &dyn Fn(&str) -> Option<&'v str>) -> Expanded {
    let mut out = Expanded::default();
    let chars: Vec<char> = raw.chars().collect();
    expand_into(&chars, escape, lookup, &mut out, 0);
    out
}

fn expand_into<'v>(
    chars: &[char],
    escape: char,
    lookup: &dyn Fn(&str) -> Option<&'v str>,
    out: &mut Expanded,
    depth: u32,
) {
    let mut i = 0;
    let mut quote: Option<char> = None;
    while let Some(&c) = chars.get(i) {
        i += 1;
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (Some('\''), _) => out.value.push(c),
            (_, _) if c == escape => {
                if let Some(&n) = chars.get(i) {
                    out.value.push(n);
                    i += 1;
                }
            }
            (_, '$') => {
                i = variable(chars, i, escape, lookup, out, depth);
            }
            _ => out.value.push(c),
        }
    }
}

/// Expands the variable reference after a `$` at `i`; returns the index after it.
fn variable<'v>(
    chars: &[char],
    mut i: usize,
    escape: char,
    lookup: &dyn Fn(&str) -> Option<&'v str>,
    out: &mut Expanded,
    depth: u32,
) -> usize {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    if chars.get(i) == Some(&'{') {
        i += 1;
        let start = i;
        while chars.get(i).copied().is_some_and(is_name) {
            i += 1;
        }
        let name: String = chars.get(start..i).unwrap_or_default().iter().collect();
        // Modifier up to the matching `}`.
        let mut nest = 1u32;
        let mod_start = i;
        while let Some(&c) = chars.get(i) {
            if c == '{' {
                nest += 1;
            } else if c == '}' {
                nest -= 1;
                if nest == 0 {
                    break;
                }
            }
            i += 1;
        }
        let modifier: Vec<char> = chars.get(mod_start..i).unwrap_or_default().to_vec();
        i = (i + 1).min(chars.len());
        let value = lookup(&name);
        let (op, word) = split_modifier(&modifier);
        let sub = |out: &mut Expanded| {
            if depth < 8 {
                expand_into(word, escape, lookup, out, depth + 1);
            }
        };
        match op {
            ":-" if value.is_none_or(str::is_empty) => sub(out),
            "-" if value.is_none() => sub(out),
            ":+" if value.is_some_and(|v| !v.is_empty()) => sub(out),
            "+" if value.is_some() => sub(out),
            ":+" | "+" => {}
            _ => match value {
                Some(v) => out.value.push_str(v),
                None => out.unresolved = true,
            },
        }
        i
    } else if chars.get(i).copied().is_some_and(is_name) {
        let start = i;
        while chars.get(i).copied().is_some_and(is_name) {
            i += 1;
        }
        let name: String = chars.get(start..i).unwrap_or_default().iter().collect();
        match lookup(&name) {
            Some(v) => out.value.push_str(v),
            None => out.unresolved = true,
        }
        i
    } else {
        out.value.push('$');
        i
    }
}

fn split_modifier(m: &[char]) -> (&'static str, &[char]) {
    for op in [":-", ":+", ":?", "-", "+", "?"] {
        let opc: Vec<char> = op.chars().collect();
        if m.starts_with(&opc) {
            return (op, m.get(opc.len()..).unwrap_or_default());
        }
    }
    ("", m)
}

/// Names of variables referenced in `text` (`$NAME`, `${NAME…}`), escaped `$` skipped.
pub fn references(text: &str, escape: char) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut single = false;
    while let Some(&b) = bytes.get(i) {
        if b == b'\'' {
            single = !single;
        } else if !single && escape.is_ascii() && b == escape as u8 {
            i += 1;
        } else if !single && b == b'$' {
            let brace = bytes.get(i + 1) == Some(&b'{');
            let start = i + 1 + usize::from(brace);
            let mut j = start;
            while bytes
                .get(j)
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
            {
                j += 1;
            }
            if j > start && !bytes.get(start).is_some_and(u8::is_ascii_digit) {
                out.push((i, text.get(start..j).unwrap_or_default()));
            }
            i = j.max(i + 1);
            continue;
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<&'static str> {
        match name {
            "A" => Some("alpha"),
            "E" => Some(""),
            _ => None,
        }
    }

    #[test]
    fn forms() {
        let x = |s: &str| expand(s, '\\', &env);
        assert_eq!(x("$A-${A}").value, "alpha-alpha");
        assert_eq!(x("${B:-def}").value, "def");
        assert_eq!(x("${E:-def}").value, "def");
        assert_eq!(x("${E-def}").value, "");
        assert_eq!(x("${A:+alt}").value, "alt");
        assert_eq!(x("${B:+alt}").value, "");
        assert_eq!(x("${B:-${A}x}").value, "alphax");
        assert_eq!(x("'$A' \"$A\" \\$A").value, "$A alpha $A");
        assert!(x("img:$B").unresolved);
        assert!(!x("${B:-1}").unresolved);
        assert_eq!(expand("`$A", '`', &env).value, "$A");
    }

    #[test]
    fn finds_references() {
        let r: Vec<&str> = references("a $X ${Y:-z} '$Q' \\$R $1", '\\')
            .into_iter()
            .map(|(_, n)| n)
            .collect();
        assert_eq!(r, ["X", "Y"]);
    }
}
