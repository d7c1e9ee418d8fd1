//! Packagist (Composer, PHP) versions, ordered by PHP's `version_compare`.
//!
//! A leading `v`/`V` is dropped (as Composer does). The version is canonicalised: `-`, `_` and
//! `+` become `.`, and a `.` is inserted at every change between digits and other characters
//! (`1.0rc1` → `1.0.rc.1`); other punctuation stays in its part (the conformance vectors'
//! reading, where `1.2.3.# = 1.2.3`; PHP itself turns it into `.`). Parts compare pairwise:
//! numbers numerically (unbounded, where PHP would saturate), words by their special form
//! `dev < alpha = a < beta = b < RC = rc < # < pl = p` (a word starting with one of them; any
//! other word sorts before `dev`), and a number as `#` against a word. When one version has
//! parts left, a number there makes it newer, a word is compared against `#`
//! (so `1.0 > 1.0rc1` and `1.0 < 1.0pl1`).
//!
//! PHP accepts every string, and so does this module.

use std::cmp::Ordering;

use crate::num::cmp_digits;

/// A parsed Packagist version: the parts of its canonical form.
#[derive(Debug, Clone)]
pub(crate) struct Parsed(Vec<String>);

/// Parses a (trimmed, non-empty) Packagist version; never fails.
pub(crate) fn parse(s: &str) -> Parsed {
    let s = s
        .strip_prefix(['v', 'V'])
        .filter(|rest| !rest.is_empty())
        .unwrap_or(s);
    Parsed(canonicalize(s).split('.').map(str::to_owned).collect())
}

/// PHP's `php_canonicalize_version` (without its punctuation-to-dot rule, see the module doc).
fn canonicalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return out;
    };
    out.push(first);
    let digit = |c: char| c.is_ascii_digit();
    let non_digit = |c: char| !c.is_ascii_digit() && c != '.';
    let mut last = first;
    for c in chars {
        let dot_needed = !out.ends_with('.');
        if matches!(c, '-' | '_' | '+') {
            if dot_needed {
                out.push('.');
            }
        } else if (non_digit(last) && digit(c)) || (digit(last) && non_digit(c)) {
            if dot_needed {
                out.push('.');
            }
            out.push(c);
        } else {
            out.push(c);
        }
        last = c;
    }
    out
}

/// The order of a word part (`compare_special_version_forms`).
fn special(form: &str) -> i8 {
    const FORMS: [(&str, i8); 10] = [
        ("dev", 0),
        ("alpha", 1),
        ("a", 1),
        ("beta", 2),
        ("b", 2),
        ("RC", 3),
        ("rc", 3),
        ("#", 4),
        ("pl", 5),
        ("p", 5),
    ];
    FORMS
        .iter()
        .find(|(name, _)| form.starts_with(name))
        .map_or(-1, |&(_, order)| order)
}

fn starts_with_digit(part: &str) -> bool {
    part.as_bytes().first().is_some_and(u8::is_ascii_digit)
}

/// One canonical part against another.
fn cmp_part(a: &str, b: &str) -> Ordering {
    match (starts_with_digit(a), starts_with_digit(b)) {
        (true, true) => cmp_digits(a, b),
        (false, false) => special(a).cmp(&special(b)),
        (true, false) => special("#").cmp(&special(b)),
        (false, true) => special(a).cmp(&special("#")),
    }
}

/// The stand-in for a number that leftover parts are compared against.
const HASH: [&str; 1] = ["#"];

fn cmp_parts<A: AsRef<str>, B: AsRef<str>>(a: &[A], b: &[B]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let o = cmp_part(x.as_ref(), y.as_ref());
        if o != Ordering::Equal {
            return o;
        }
    }
    let n = a.len().min(b.len());
    match (a.get(n..), b.get(n..)) {
        (Some([next, ..]), _) if a.len() > b.len() => {
            if starts_with_digit(next.as_ref()) {
                Ordering::Greater
            } else {
                cmp_parts(a.get(n..).unwrap_or_default(), &HASH)
            }
        }
        (_, Some([next, ..])) if b.len() > a.len() => {
            if starts_with_digit(next.as_ref()) {
                Ordering::Less
            } else {
                cmp_parts(&HASH, b.get(n..).unwrap_or_default())
            }
        }
        _ => Ordering::Equal,
    }
}

/// Compares two parsed versions.
pub(crate) fn cmp(a: &Parsed, b: &Parsed) -> Ordering {
    cmp_parts(&a.0, &b.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Ecosystem;
    use crate::testutil::assert_ascending;

    #[test]
    fn canonical_form() {
        assert_eq!(canonicalize("1.0rc1"), "1.0.rc.1");
        assert_eq!(canonicalize("4.3-2RC1"), "4.3.2.RC.1");
        assert_eq!(canonicalize("1.0--x__1"), "1.0.x.1");
        assert_eq!(canonicalize("1.2.3.#"), "1.2.3.#");
    }

    #[test]
    fn php_order() {
        assert_ascending(
            Ecosystem::Packagist,
            &[
                "1.0-dev", "1.0a1", "1.0b1", "1.0RC1", "1.0", "1.0pl1", "v1.1",
            ],
        );
        assert_eq!(
            crate::compare(Ecosystem::Packagist, "1.0rc1", "1.0RC1").unwrap(),
            Ordering::Equal
        );
        assert_eq!(
            crate::compare(Ecosystem::Packagist, "1.0-foo", "1.0-dev").unwrap(),
            Ordering::Less,
            "unknown words sort before dev"
        );
    }
}
