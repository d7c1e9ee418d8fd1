//! RPM versions (Red Hat, AlmaLinux, Rocky Linux, SUSE, ...), ordered by `rpmvercmp`.
//!
//! `[epoch:]version[-release]`. The epoch is the text before the first `:` when that text is
//! all digits (an empty one means 0); otherwise the colon belongs to the version, as in
//! `1.m+e2:1`. The release starts at the first `-` after the epoch. Each part compares with
//! rpm's `rpmvercmp` (rpm ≥ 4.15): separators (anything but ASCII letters, digits, `~`, `^`)
//! are skipped, `~` sorts before everything including the end, `^` sorts after the end but
//! before anything else, digit runs compare as numbers and beat letter runs, letter runs
//! compare as bytes, and the side with text left over wins. A missing release sorts before
//! any release (`1 < 1-0`, as `rpm.vercmp` and the OSV vectors say).
//!
//! rpm accepts every string, and so does this module.

use std::cmp::Ordering;

use crate::num::Span;

/// A parsed RPM EVR: spans of epoch (possibly empty: 0), version and release (with its `-`).
#[derive(Debug, Clone)]
pub(crate) struct Parsed {
    epoch: Span,
    version: Span,
    release: Span,
}

/// Splits a (trimmed, non-empty) EVR; never fails.
pub(crate) fn parse(s: &str) -> Parsed {
    let (epoch, start) = match s.find(':') {
        Some(colon)
            if s.get(..colon)
                .is_some_and(|e| e.bytes().all(|b| b.is_ascii_digit())) =>
        {
            (Span::new(0, colon), colon + 1)
        }
        _ => (Span::default(), 0),
    };
    let rest = s.get(start..).unwrap_or("");
    match rest.find('-') {
        Some(dash) => Parsed {
            epoch,
            version: Span::new(start, start + dash),
            release: Span::new(start + dash, s.len()),
        },
        None => Parsed {
            epoch,
            version: Span::new(start, s.len()),
            release: Span::default(),
        },
    }
}

/// Compares two parsed EVRs (`a` parsed from `sa`, `b` from `sb`).
pub(crate) fn cmp(sa: &str, a: &Parsed, sb: &str, b: &Parsed) -> Ordering {
    fn epoch<'s>(s: &'s str, p: &Parsed) -> &'s str {
        if p.epoch.is_empty() {
            "0"
        } else {
            p.epoch.of(s)
        }
    }
    part(epoch(sa, a), epoch(sb, b))
        .then_with(|| part(a.version.of(sa), b.version.of(sb)))
        .then_with(|| part(a.release.of(sa), b.release.of(sb)))
}

/// One EVR part: a missing part sorts first, otherwise `rpmvercmp`.
fn part(a: &str, b: &str) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => rpmvercmp(a, b),
    }
}

/// rpm's `rpmvercmp` on two strings.
pub(crate) fn rpmvercmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let skip = |s: &[u8], mut k: usize| {
        while s
            .get(k)
            .is_some_and(|&c| !c.is_ascii_alphanumeric() && c != b'~' && c != b'^')
        {
            k += 1;
        }
        k
    };
    let (mut i, mut j) = (0, 0);
    loop {
        i = skip(a, i);
        j = skip(b, j);
        let (ca, cb) = (a.get(i).copied(), b.get(j).copied());
        if ca == Some(b'~') || cb == Some(b'~') {
            if ca != Some(b'~') {
                return Ordering::Greater;
            }
            if cb != Some(b'~') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        if ca == Some(b'^') || cb == Some(b'^') {
            if ca.is_none() {
                return Ordering::Less;
            }
            if cb.is_none() {
                return Ordering::Greater;
            }
            if ca != Some(b'^') {
                return Ordering::Greater;
            }
            if cb != Some(b'^') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        let (Some(first), Some(_)) = (ca, cb) else {
            break;
        };
        let numeric = first.is_ascii_digit();
        let run = |s: &[u8], k: usize| {
            let mut e = k;
            while s.get(e).is_some_and(|c| {
                if numeric {
                    c.is_ascii_digit()
                } else {
                    c.is_ascii_alphabetic()
                }
            }) {
                e += 1;
            }
            e
        };
        let (ei, ej) = (run(a, i), run(b, j));
        if ej == j {
            // `b` has the other kind of segment here: numbers beat letters.
            return if numeric {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        let (mut sa, mut sb) = (a.get(i..ei).unwrap_or(&[]), b.get(j..ej).unwrap_or(&[]));
        if numeric {
            while sa.first() == Some(&b'0') {
                sa = sa.get(1..).unwrap_or(&[]);
            }
            while sb.first() == Some(&b'0') {
                sb = sb.get(1..).unwrap_or(&[]);
            }
            match sa.len().cmp(&sb.len()) {
                Ordering::Equal => {}
                o => return o,
            }
        }
        match sa.cmp(sb) {
            Ordering::Equal => {}
            o => return o,
        }
        i = ei;
        j = ej;
    }
    match (i >= a.len(), j >= b.len()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        _ => Ordering::Greater,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Ecosystem, compare};
    use Ordering::{Equal, Greater, Less};

    fn c(a: &str, b: &str) -> Ordering {
        compare(Ecosystem::Rpm, a, b).unwrap()
    }

    #[test]
    fn tilde_and_caret() {
        assert_eq!(c("1.0~rc1", "1.0"), Less);
        assert_eq!(c("1.0^git1", "1.0"), Greater);
        assert_eq!(c("1.0^git1", "1.0.1"), Less);
        assert_eq!(c("1.0~rc1^git1", "1.0~rc1"), Greater);
        assert_eq!(c("1.0^git1~pre", "1.0^git1"), Less);
    }

    #[test]
    fn alphanumeric_segments() {
        assert_eq!(c("5.5p1", "5.5p10"), Less);
        assert_eq!(c("1.0a", "1.0"), Greater);
        assert_eq!(
            c("1.0", "1.0.a"),
            Less,
            "a numeric-less tail still wins by length"
        );
        assert_eq!(c("10.0001", "10.1"), Equal);
        assert_eq!(c("6.0.rc1", "6.0"), Greater);
        assert_eq!(c("1a", "1.1"), Less, "numbers beat letters");
        assert_eq!(c("2_0", "2.0"), Equal);
    }

    #[test]
    fn epoch_and_release() {
        assert_eq!(c("1:1.0", "2.0"), Greater);
        assert_eq!(c("0:1.0-1", "1.0-1"), Equal);
        assert_eq!(c("1.0-1.el8", "1.0-1.el8_2"), Less);
        assert_eq!(c("1.0", "1.0-1"), Less);
        assert_eq!(
            c("a:1", "a1:1"),
            Less,
            "a non-numeric epoch is part of the version"
        );
    }
}
