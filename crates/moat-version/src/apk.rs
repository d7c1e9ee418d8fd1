//! Alpine (apk) versions: `number{.number}...{letter}{_suffix{number}}...{~hash}{-r#}`.
//!
//! Numbers compare numerically, except that a non-first number with a leading zero compares
//! as a string (apk's rule for `1.02` vs `1.1`); a letter sorts after no letter; suffixes
//! order `_alpha < _beta < _pre < _rc < (none) < _cvs < _svn < _git < _hg < _p`, each with an
//! optional number; the hash is ignored; `-rN` is the package release.
//!
//! `apk version -t` compares strings that break this grammar too, and so does this module
//! (the OSV/osv-scalibr conformance vectors pin the behaviour): it parses the longest valid
//! prefix, a version with text left over sorts before the same version without, and two
//! versions that both stop before their end compare as plain strings. [`is_strictly_valid`]
//! says whether a string follows the grammar (osv.dev's validity lists).

use std::cmp::Ordering;

use crate::num::{Cursor, Span, cmp_digits};

/// Suffix names in matching order (`pre` before `p`) with their sort weights; no suffix is 4.
const SUFFIXES: [(&str, u8); 9] = [
    ("alpha", 0),
    ("beta", 1),
    ("pre", 2),
    ("rc", 3),
    ("cvs", 5),
    ("svn", 6),
    ("git", 7),
    ("hg", 8),
    ("p", 9),
];
const NO_SUFFIX: u8 = 4;

/// A parsed apk version (spans into the version text).
#[derive(Debug, Clone)]
pub(crate) struct Parsed {
    /// Number components with their position (the first one never compares as a string).
    numbers: Vec<(Span, usize)>,
    letter: Option<u8>,
    /// The letter follows a `.` (`1.2.r3`), which sorts before `1.2r3`.
    dotted_letter: bool,
    /// Digits right after the letter (`6.6.2p1`, `10.2.22.r0`).
    letter_number: Span,
    suffixes: Vec<(u8, Span)>,
    release: Span,
    /// Text is left after the release.
    remainder: bool,
    /// The text after the suffixes/hash is not a `-r` release: the version is malformed.
    invalid: bool,
}

impl Cursor<'_> {
    /// Eats `_suffix` and returns its weight.
    fn suffix(&mut self) -> Option<u8> {
        let save = self.at;
        if !self.eat("_") {
            return None;
        }
        if let Some(&(_, w)) = SUFFIXES.iter().find(|(name, _)| self.eat(name)) {
            return Some(w);
        }
        self.at = save;
        None
    }
    fn hash(&mut self) {
        let save = self.at;
        if self.eat("~") {
            let start = self.at;
            while self
                .peek()
                .is_some_and(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
            {
                self.at += 1;
            }
            if self.at == start {
                self.at = save;
            }
        }
    }
}

/// Parses a (trimmed, non-empty) apk version; never fails (see the module doc).
pub(crate) fn parse(s: &str) -> Parsed {
    let mut c = Cursor::new(s);
    let mut numbers = Vec::new();
    while c.peek().is_some_and(|b| b.is_ascii_digit()) {
        numbers.push((c.digits(), numbers.len()));
        c.eat(".");
    }
    let letter = c.peek().filter(u8::is_ascii_lowercase);
    let mut dotted_letter = false;
    let mut letter_number = Span::default();
    if letter.is_some() {
        dotted_letter = c.at > 0 && c.s.get(c.at - 1) == Some(&b'.');
        c.at += 1;
        letter_number = c.digits();
    }
    let mut suffixes = Vec::new();
    while let Some(w) = c.suffix() {
        suffixes.push((w, c.digits()));
    }
    c.hash();
    let mut release = Span::default();
    let mut invalid = false;
    if !c.done() {
        if c.eat("-r") {
            release = c.digits();
        } else {
            invalid = true;
        }
    }
    Parsed {
        numbers,
        letter,
        dotted_letter,
        letter_number,
        suffixes,
        release,
        remainder: !c.done(),
        invalid,
    }
}

/// Compares two parsed versions (`a` parsed from `sa`, `b` from `sb`).
pub(crate) fn cmp(sa: &str, a: &Parsed, sb: &str, b: &Parsed) -> Ordering {
    if a.invalid && b.invalid {
        return sa.cmp(sb);
    }
    let zero = (Span::default(), 0);
    for k in 0..a.numbers.len().max(b.numbers.len()) {
        let (x, xi) = a.numbers.get(k).copied().unwrap_or(zero);
        let (y, yi) = b.numbers.get(k).copied().unwrap_or(zero);
        let (x, y) = (x.of(sa), y.of(sb));
        let o = if xi != 0 && yi != 0 && (x.starts_with('0') || y.starts_with('0')) {
            x.cmp(y)
        } else {
            cmp_digits(x, y)
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    let o = a
        .letter
        .cmp(&b.letter)
        .then_with(|| b.dotted_letter.cmp(&a.dotted_letter))
        .then_with(|| cmp_digits(a.letter_number.of(sa), b.letter_number.of(sb)));
    if o != Ordering::Equal {
        return o;
    }
    let none = (NO_SUFFIX, Span::default());
    for k in 0..a.suffixes.len().max(b.suffixes.len()) {
        let (xw, xn) = a.suffixes.get(k).copied().unwrap_or(none);
        let (yw, yn) = b.suffixes.get(k).copied().unwrap_or(none);
        let o = xw.cmp(&yw).then_with(|| cmp_digits(xn.of(sa), yn.of(sb)));
        if o != Ordering::Equal {
            return o;
        }
    }
    cmp_digits(a.release.of(sa), b.release.of(sb)).then_with(|| b.remainder.cmp(&a.remainder))
}

/// Whether `s` follows the apk version grammar strictly:
/// `\d+(\.\d+)*(\.[a-z]\d+|[a-z]\d*)?(_suffix\d*)*(~[0-9a-f]+)?(-r\d+)?` (the `.r0` and `p1`
/// forms occur in Alpine's secdb and are accepted, as osv.dev does).
pub fn is_strictly_valid(s: &str) -> bool {
    let mut c = Cursor::new(s);
    if c.digits().is_empty() {
        return false;
    }
    loop {
        let save = c.at;
        if c.eat(".") && !c.digits().is_empty() {
            continue;
        }
        c.at = save;
        break;
    }
    let save = c.at;
    let dotted = c.eat(".");
    if c.peek().is_some_and(|b| b.is_ascii_lowercase()) {
        c.at += 1;
        if c.digits().is_empty() && dotted {
            return false;
        }
    } else {
        c.at = save;
    }
    while c.suffix().is_some() {
        c.digits();
    }
    c.hash();
    if c.eat("-r") && c.digits().is_empty() {
        return false;
    }
    c.done()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Ecosystem, compare};
    use Ordering::{Equal, Greater, Less};

    fn c(a: &str, b: &str) -> Ordering {
        compare(Ecosystem::Alpine, a, b).unwrap()
    }

    #[test]
    fn suffix_order() {
        let order = [
            "1.2_alpha",
            "1.2_beta",
            "1.2_pre",
            "1.2_rc",
            "1.2",
            "1.2_cvs",
            "1.2_svn",
            "1.2_git",
            "1.2_hg",
            "1.2_p",
        ];
        crate::testutil::assert_ascending(Ecosystem::Alpine, &order);
        assert_eq!(c("1.2_rc1", "1.2_rc2"), Less);
        assert_eq!(c("1.2_alpha", "1.2_alpha0"), Equal);
    }

    #[test]
    fn release_letter_and_numbers() {
        assert_eq!(c("1.2.3-r1", "1.2.3-r10"), Less);
        assert_eq!(c("1.2.3", "1.2.3-r0"), Equal);
        assert_eq!(c("1.2.3a", "1.2.3"), Greater);
        assert_eq!(c("1.2.3a", "1.2.4"), Less);
        assert_eq!(c("1.02", "1.1"), Less, "leading zero compares as a string");
        assert_eq!(c("1.10", "1.9"), Greater);
        assert_eq!(c("1.0", "1"), Equal);
        assert_eq!(c("1.2~abc123-r1", "1.2-r1"), Equal, "hash ignored");
    }

    #[test]
    fn malformed_versions_still_order() {
        assert_eq!(c("1.2", "1.2_blah"), Greater);
        assert_eq!(c("a", "b"), Less);
        assert_eq!(c(".1", "1"), Less);
    }

    #[test]
    fn strict_grammar() {
        for ok in [
            "1.2.3-r0",
            "6.3_p20220416-r0",
            "6.6.2p1-r0",
            "10.2.22.r0",
            "1.1.1d-r1",
            "2.0_rc1~a1b2-r3",
        ] {
            assert!(is_strictly_valid(ok), "{ok}");
        }
        for bad in [
            "1.18.-r2",
            "2.15.r-r1",
            "57-1-r2",
            "110.73-e0",
            "2.19.10.4_y8",
            "",
            "a1",
            "1-r",
        ] {
            assert!(!is_strictly_valid(bad), "{bad}");
        }
    }
}
