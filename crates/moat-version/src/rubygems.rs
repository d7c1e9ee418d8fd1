//! RubyGems versions, ordered as `Gem::Version#<=>`.
//!
//! The version is cut into runs of digits and runs of letters (`1.0.a10` → `1 0 a 10`), a `-`
//! counting as `.pre.` (`1.0-1` → `1.0.pre.1`). Trailing zeros are dropped from the numeric
//! part and from the part after the first word (`1.0.0 = 1`, `1.0.a.0 = 1.0.a`). Segments
//! compare pairwise, the shorter padded with 0: numbers numerically, words by bytes
//! (case-sensitive), and a word before a number, so `1.0.a < 1.0` (a pre-release).
//!
//! Gem rejects a few forms the OSV vectors use (`1beta`); this module accepts any string that
//! starts with a digit and holds only ASCII letters, digits, `.` and `-`.

use std::cmp::Ordering;

use crate::error::Reason;
use crate::num::{Span, cmp_digits};

/// One segment of a gem version.
#[derive(Debug, Clone, Copy)]
enum Seg {
    Num(Span),
    Word(Span),
    /// The `pre` a `-` stands for.
    Pre,
}

/// A parsed gem version: its canonical segments.
#[derive(Debug, Clone)]
pub(crate) struct Parsed(Vec<Seg>);

/// Parses a (trimmed, non-empty) gem version.
pub(crate) fn parse(s: &str) -> Result<Parsed, Reason> {
    let b = s.as_bytes();
    if !b.first().is_some_and(u8::is_ascii_digit) {
        return Err(Reason::Syntax("a gem version starts with a digit"));
    }
    let mut segs = Vec::new();
    let mut at = 0;
    while let Some(&c) = b.get(at) {
        let start = at;
        if c.is_ascii_digit() {
            while b.get(at).is_some_and(u8::is_ascii_digit) {
                at += 1;
            }
            segs.push(Seg::Num(Span::new(start, at)));
        } else if c.is_ascii_alphabetic() {
            while b.get(at).is_some_and(u8::is_ascii_alphabetic) {
                at += 1;
            }
            segs.push(Seg::Word(Span::new(start, at)));
        } else if c == b'-' {
            segs.push(Seg::Pre);
            at += 1;
        } else if c == b'.' {
            at += 1;
        } else {
            return Err(Reason::Syntax(
                "unexpected character (expected ASCII letters, digits, '.' or '-')",
            ));
        }
    }
    // Drop trailing zeros of the numeric part and of the rest, separately.
    let is_zero = |seg: &Seg| matches!(seg, Seg::Num(n) if n.of(s).bytes().all(|c| c == b'0'));
    let split = segs
        .iter()
        .position(|seg| !matches!(seg, Seg::Num(_)))
        .unwrap_or(segs.len());
    let mut rest = segs.split_off(split);
    while segs.last().is_some_and(is_zero) {
        segs.pop();
    }
    while rest.last().is_some_and(is_zero) {
        rest.pop();
    }
    segs.append(&mut rest);
    Ok(Parsed(segs))
}

/// Compares two parsed versions (`a` parsed from `sa`, `b` from `sb`).
pub(crate) fn cmp(sa: &str, a: &Parsed, sb: &str, b: &Parsed) -> Ordering {
    /// A segment's text and whether it is a number.
    fn text(s: &str, seg: Seg) -> (bool, &str) {
        match seg {
            Seg::Num(n) => (true, n.of(s)),
            Seg::Word(w) => (false, w.of(s)),
            Seg::Pre => (false, "pre"),
        }
    }
    for k in 0..a.0.len().max(b.0.len()) {
        let zero = Seg::Num(Span::default());
        let (xn, x) = text(sa, a.0.get(k).copied().unwrap_or(zero));
        let (yn, y) = text(sb, b.0.get(k).copied().unwrap_or(zero));
        let o = match (xn, yn) {
            (true, true) => cmp_digits(x, y),
            (false, true) => Ordering::Less,
            (true, false) => Ordering::Greater,
            (false, false) => x.cmp(y),
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
    use crate::{Ecosystem, Version, compare};
    use Ordering::{Equal, Greater, Less};

    fn c(a: &str, b: &str) -> Ordering {
        compare(Ecosystem::RubyGems, a, b).unwrap()
    }

    #[test]
    fn prereleases_sort_first() {
        assert_eq!(c("1.0.a", "1.0"), Less);
        assert_eq!(c("1.0.a10", "1.0.a9"), Greater);
        assert_eq!(c("1.0.a2", "1.0.a.2"), Equal);
        assert_eq!(c("1.0.b1", "1.0.a.2"), Greater);
        assert_eq!(c("1.0-1", "1.0.pre.1"), Equal);
        assert_eq!(c("1.0-1", "1.0"), Less);
        assert_eq!(c("1.0.B", "1.0.a"), Less, "case-sensitive");
    }

    #[test]
    fn trailing_zeros() {
        assert_eq!(c("1.0.0", "1"), Equal);
        assert_eq!(c("1.a.0", "1.a"), Equal);
        assert_eq!(c("3.10", "3.2"), Greater);
        assert!(Version::parse(Ecosystem::RubyGems, "a1").is_err());
        assert!(Version::parse(Ecosystem::RubyGems, "1_0").is_err());
    }
}
