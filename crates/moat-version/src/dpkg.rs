//! Debian and Ubuntu versions, ordered as dpkg does (deb-version(7)).
//!
//! `[epoch:]upstream[-revision]`: the epoch is the digits before the first `:`, the revision
//! what follows the last `-`. Upstream and revision compare with dpkg's `verrevcmp`: runs of
//! non-digits compare character by character where `~` sorts before everything (even the end
//! of the string), letters before other characters; runs of digits compare as numbers.
//!
//! Errors are dpkg's own parse errors (empty, embedded white space, empty or non-numeric or too
//! big epoch, nothing after the colon, empty revision). What dpkg only warns about (an
//! upstream version not starting with a digit, unusual characters) is accepted, as
//! `dpkg --compare-versions` accepts it.

use std::cmp::Ordering;

use crate::error::Reason;
use crate::num::Span;

/// A parsed dpkg version: its epoch value and the spans of upstream version and revision.
#[derive(Debug, Clone)]
pub(crate) struct Parsed {
    epoch: u32,
    upstream: Span,
    revision: Span,
}

/// Parses a (trimmed, non-empty) dpkg version.
pub(crate) fn parse(s: &str) -> Result<Parsed, Reason> {
    if s.bytes().any(|b| b.is_ascii_whitespace()) {
        return Err(Reason::Syntax("version string has embedded spaces"));
    }
    let (epoch, rest_start) = match s.find(':') {
        Some(colon) => {
            let e = s.get(..colon).unwrap_or("");
            if e.is_empty() {
                return Err(Reason::Syntax("epoch in version is empty"));
            }
            if !e.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Reason::Syntax("epoch in version is not number"));
            }
            let value = e
                .parse::<u32>()
                .ok()
                .filter(|&v| i32::try_from(v).is_ok())
                .ok_or(Reason::Syntax("epoch in version is too big"))?;
            if colon + 1 == s.len() {
                return Err(Reason::Syntax("nothing after colon in version number"));
            }
            (value, colon + 1)
        }
        None => (0, 0),
    };
    let rest = s.get(rest_start..).unwrap_or("");
    let (upstream, revision) = match rest.rfind('-') {
        Some(dash) => {
            if dash + 1 == rest.len() {
                return Err(Reason::Syntax("revision number is empty"));
            }
            (
                Span::new(rest_start, rest_start + dash),
                Span::new(rest_start + dash + 1, s.len()),
            )
        }
        None => (Span::new(rest_start, s.len()), Span::default()),
    };
    if upstream.is_empty() {
        return Err(Reason::Syntax("version number is empty"));
    }
    Ok(Parsed {
        epoch,
        upstream,
        revision,
    })
}

/// Compares two parsed versions (`a` parsed from `sa`, `b` from `sb`).
pub(crate) fn cmp(sa: &str, a: &Parsed, sb: &str, b: &Parsed) -> Ordering {
    a.epoch
        .cmp(&b.epoch)
        .then_with(|| verrevcmp(a.upstream.of(sa), b.upstream.of(sb)))
        .then_with(|| verrevcmp(a.revision.of(sa), b.revision.of(sb)))
}

/// The weight of a non-digit character (or of the end, `None`) in `verrevcmp`.
fn order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(b'~') => -1,
        Some(c) => i32::from(c) + 256,
    }
}

/// dpkg's comparison of an upstream version or a revision.
pub(crate) fn verrevcmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    let digit = |s: &[u8], k: usize| s.get(k).is_some_and(u8::is_ascii_digit);
    while i < a.len() || j < b.len() {
        while (i < a.len() && !digit(a, i)) || (j < b.len() && !digit(b, j)) {
            let (ac, bc) = (order(a.get(i).copied()), order(b.get(j).copied()));
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        while a.get(i) == Some(&b'0') {
            i += 1;
        }
        while b.get(j) == Some(&b'0') {
            j += 1;
        }
        let mut first_diff = Ordering::Equal;
        while digit(a, i) && digit(b, j) {
            if first_diff == Ordering::Equal {
                first_diff = a.get(i).cmp(&b.get(j));
            }
            i += 1;
            j += 1;
        }
        if digit(a, i) {
            return Ordering::Greater;
        }
        if digit(b, j) {
            return Ordering::Less;
        }
        if first_diff != Ordering::Equal {
            return first_diff;
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
        compare(Ecosystem::Debian, a, b).unwrap()
    }

    #[test]
    fn tilde_sorts_before_everything() {
        assert_eq!(c("1.0~rc1", "1.0"), Less);
        assert_eq!(c("1.0~rc1", "1.0~rc2"), Less);
        assert_eq!(c("1.0~~", "1.0~"), Less);
        assert_eq!(c("1.2.3-1~deb7u1", "1.2.3-1"), Less);
    }

    #[test]
    fn epochs_win() {
        assert_eq!(c("1:0.1", "9.9"), Greater);
        assert_eq!(c("0:1.0", "1.0"), Equal);
        assert_eq!(c("01:1.0", "1:1.0"), Equal);
    }

    #[test]
    fn revision_after_last_hyphen() {
        assert_eq!(c("1.0-beta-2", "1.0-beta-10"), Less);
        assert_eq!(c("2.7.4+reloaded2-13", "2.7.4+reloaded2-13+deb9u1"), Less);
        assert_eq!(c("1.0", "1.0-0"), Equal);
        assert_eq!(c("1.0-a", "1.0-1"), Greater);
    }

    #[test]
    fn letters_before_symbols_and_digits_numerically() {
        assert_eq!(c("1.0a", "1.0+"), Less);
        assert_eq!(c("1.0.10", "1.0.9"), Greater);
        assert_eq!(c("1.0", "1.0a"), Less);
        assert_eq!(c("0.9.7e-3sarge1", "0.9.7e-3"), Greater);
    }

    #[test]
    fn dpkg_parse_errors() {
        for bad in ["a:1", ":1", "1:", "1.0-", "1 0", "99999999999:1", "1:-1"] {
            let e = crate::Version::parse(Ecosystem::Debian, bad).unwrap_err();
            assert!(matches!(e.reason, Reason::Syntax(_)), "{bad}");
        }
        // Warned about by dpkg but accepted.
        assert_eq!(c("abc", "abd"), Less);
    }
}
