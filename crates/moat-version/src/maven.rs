//! Maven versions, ordered by Maven's version order specification (what `ComparableVersion`
//! implements).
//!
//! The version is lower-cased and split into tokens at `.`, at `-` and at every change between
//! digits and other characters (such a change counts as a `-`); an empty token is `0`. `a`,
//! `b`, `m` directly followed by digits mean `alpha`, `beta`, `milestone`; `cr` is `rc`; `ga`,
//! `final` and `release` are the empty qualifier. Trailing "null" tokens (`0`, empty) are
//! removed, at the end and before each `-`, so `1.0.0 = 1`, `1-0 = 1`, `1a = 1.0.0-a`.
//!
//! Tokens compare pairwise, the shorter version padded with nulls (`0` after `.`, empty after
//! `-`): numbers numerically; qualifiers `alpha < beta < milestone < rc = cr < snapshot <
//! "" = ga = final = release < sp`, then unknown qualifiers alphabetically; a number after a
//! qualifier; and by separator `.qualifier < -qualifier < -number < .number` (so `1-1 < 1.1`).
//!
//! Maven accepts every string, and so does this module.

use std::cmp::Ordering;

use crate::num::cmp_digits;

/// The separator before a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sep {
    Dot,
    Hyphen,
}

/// A token's value: a number (digits without leading zeros, so zero is empty) or a
/// normalised qualifier.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Val {
    Num(String),
    Qual(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    sep: Sep,
    val: Val,
}

/// A parsed Maven version: its tokens after trimming.
#[derive(Debug, Clone)]
pub(crate) struct Parsed {
    tokens: Vec<Token>,
}

const KEYWORDS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];

/// Parses a (trimmed, non-empty) Maven version; never fails.
pub(crate) fn parse(s: &str) -> Parsed {
    let lower = s.to_lowercase();
    let mut tokens = Vec::new();
    let mut sep = Sep::Dot;
    let mut rest = lower.as_str();
    while let Some(k) = rest.find(['.', '-']) {
        split_transitions(rest.get(..k).unwrap_or(""), sep, &mut tokens);
        sep = if rest.as_bytes().get(k) == Some(&b'-') {
            Sep::Hyphen
        } else {
            Sep::Dot
        };
        rest = rest.get(k + 1..).unwrap_or("");
    }
    split_transitions(rest, sep, &mut tokens);
    trim(&mut tokens);
    Parsed { tokens }
}

/// Splits one raw token at digit/non-digit changes and normalises the pieces.
fn split_transitions(raw: &str, sep: Sep, out: &mut Vec<Token>) {
    let b = raw.as_bytes();
    let mut start = 0;
    let mut first = true;
    loop {
        let digit = b.get(start).is_some_and(u8::is_ascii_digit);
        let mut end = start;
        while b.get(end).is_some_and(|c| c.is_ascii_digit() == digit) {
            end += 1;
        }
        let piece = raw.get(start..end).unwrap_or("");
        let followed = end < b.len();
        let val = if digit || piece.is_empty() {
            Val::Num(piece.trim_start_matches('0').to_owned())
        } else {
            Val::Qual(
                match piece {
                    "cr" => "rc",
                    "ga" | "final" | "release" => "",
                    "a" if followed => "alpha",
                    "b" if followed => "beta",
                    "m" if followed => "milestone",
                    p => p,
                }
                .to_owned(),
            )
        };
        out.push(Token {
            sep: if first { sep } else { Sep::Hyphen },
            val,
        });
        first = false;
        if !followed {
            break;
        }
        start = end;
    }
}

fn is_null(t: &Token) -> bool {
    match &t.val {
        Val::Num(n) | Val::Qual(n) => n.is_empty(),
    }
}

/// Removes null tokens at the end and before each hyphen, from the end to the start.
fn trim(tokens: &mut Vec<Token>) {
    let mut i = tokens.len().checked_sub(1);
    while let Some(k) = i.filter(|&k| k > 0) {
        if tokens.get(k).is_some_and(is_null) {
            tokens.remove(k);
            i = k.checked_sub(1);
            continue;
        }
        // Skip back to the token that starts this hyphen-separated part, then before it.
        let mut j = Some(k);
        while let Some(m) = j {
            if tokens.get(m).is_some_and(|t| t.sep == Sep::Hyphen) {
                break;
            }
            j = m.checked_sub(1);
        }
        i = j.and_then(|m| m.checked_sub(1));
    }
}

/// The padding token that stands opposite `other` in a shorter version.
fn pad(other: &Token) -> Token {
    match other.sep {
        Sep::Dot if matches!(&other.val, Val::Qual(q) if q == "sp") => Token {
            sep: Sep::Dot,
            val: Val::Qual(String::new()),
        },
        Sep::Dot => Token {
            sep: Sep::Dot,
            val: Val::Num(String::new()),
        },
        Sep::Hyphen => Token {
            sep: Sep::Hyphen,
            val: Val::Qual(String::new()),
        },
    }
}

/// A value as text for qualifier ordering (a padding or zero number reads `0`).
fn text(v: &Val) -> &str {
    match v {
        Val::Num(n) if n.is_empty() => "0",
        Val::Num(n) | Val::Qual(n) => n,
    }
}

fn keyword_rank(q: &str) -> usize {
    KEYWORDS
        .iter()
        .position(|k| *k == q)
        .unwrap_or(KEYWORDS.len())
}

/// Compares two tokens; `lp`/`rp` say which one is padding.
fn cmp_token(l: &Token, lp: bool, r: &Token, rp: bool) -> Ordering {
    if l == r {
        return Ordering::Equal;
    }
    if l.sep == r.sep {
        return match (&l.val, &r.val) {
            (Val::Num(x), Val::Num(y)) => cmp_digits(x, y),
            (Val::Num(_), _) if !lp => Ordering::Greater,
            (_, Val::Num(_)) if !rp => Ordering::Less,
            (x, y) => {
                let (x, y) = (text(x), text(y));
                let (rx, ry) = (keyword_rank(x), keyword_rank(y));
                if rx == KEYWORDS.len() && ry == KEYWORDS.len() {
                    x.cmp(y)
                } else {
                    rx.cmp(&ry)
                }
            }
        };
    }
    // .qualifier < -qualifier < -number < .number
    let rank = |t: &Token| match (t.sep, matches!(t.val, Val::Num(_))) {
        (Sep::Dot, false) => 0,
        (Sep::Hyphen, false) => 1,
        (Sep::Hyphen, true) => 2,
        (Sep::Dot, true) => 3,
    };
    rank(l).cmp(&rank(r))
}

/// Compares two parsed versions.
pub(crate) fn cmp(a: &Parsed, b: &Parsed) -> Ordering {
    for k in 0..a.tokens.len().max(b.tokens.len()) {
        let o = match (a.tokens.get(k), b.tokens.get(k)) {
            (Some(l), Some(r)) => cmp_token(l, false, r, false),
            (Some(l), None) => cmp_token(l, false, &pad(l), true),
            (None, Some(r)) => cmp_token(&pad(r), true, r, false),
            (None, None) => Ordering::Equal,
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Ecosystem, compare};
    use Ordering::{Equal, Greater, Less};

    fn c(a: &str, b: &str) -> Ordering {
        compare(Ecosystem::Maven, a, b).unwrap()
    }

    #[test]
    fn qualifier_order() {
        let order = [
            "1-alpha",
            "1-beta",
            "1-milestone",
            "1-rc",
            "1-snapshot",
            "1",
            "1-sp",
            "1-abc",
            "1-abd",
        ];
        crate::testutil::assert_ascending(Ecosystem::Maven, &order);
        assert_eq!(c("1-cr", "1-rc"), Equal);
        for same in [
            "1-ga",
            "1-final",
            "1-release",
            "1.0",
            "1.0.0",
            "1-0",
            "1.0-0",
        ] {
            assert_eq!(c(same, "1"), Equal, "{same}");
        }
        assert_eq!(c("1a1", "1-alpha-1"), Equal);
        assert_eq!(c("1-a", "1-alpha"), Greater, "a alone is not alpha");
        assert_eq!(c("1.0-SNAPSHOT", "1.0-snapshot"), Equal);
    }

    #[test]
    fn separators_and_padding() {
        assert_eq!(c("1-1", "1.1"), Less);
        assert_eq!(c("1.0", "1.0-1"), Less);
        assert_eq!(c("1.0.0", "1.0-1"), Less);
        assert_eq!(c("2.0-1", "2.0.1"), Less);
        assert_eq!(c("2.0.1-xyz", "2.0.1-123"), Less);
        assert_eq!(c("1", "1.sp"), Less);
        assert_eq!(c("1.rc", "1"), Less);
        assert_eq!(c("5.2.20.RELEASE", "5.2.20"), Equal);
        assert_eq!(c("5.3.18", "5.2.20.RELEASE"), Greater);
    }
}
