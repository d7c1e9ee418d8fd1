//! NuGet versions, ordered as `NuGetVersion` (SemVer 2.0 with NuGet's extensions).
//!
//! `N[.N[.N[.N]]][-label(.label)*][+metadata]`: up to four numbers, missing ones 0, leading
//! zeros allowed (`1.0.01 = 1.0.1.0`); a pre-release sorts before its release; labels compare
//! case-insensitively, numerically when both are all digits, numbers before words, a longer
//! list after its prefix; metadata is ignored.

use std::cmp::Ordering;

use crate::error::Reason;
use crate::num::{Span, cmp_digits, cmp_identifiers, is_digits};

/// A parsed NuGet version: spans of the four numbers and of the pre-release labels.
#[derive(Debug, Clone)]
pub(crate) struct Parsed {
    numbers: [Span; 4],
    labels: Vec<Span>,
}

/// Parses a (trimmed, non-empty) NuGet version.
pub(crate) fn parse(s: &str) -> Result<Parsed, Reason> {
    let main = match s.split_once('+') {
        Some((m, meta)) => {
            if !meta.split('.').all(is_identifier) {
                return Err(Reason::Syntax("empty or invalid metadata identifier"));
            }
            m
        }
        None => s,
    };
    let start = |part: &str| part.as_ptr() as usize - s.as_ptr() as usize;
    let (core, labels) = match main.split_once('-') {
        Some((c, pre)) => {
            if !pre.split('.').all(is_identifier) {
                return Err(Reason::Syntax("empty or invalid pre-release label"));
            }
            let labels = pre
                .split('.')
                .map(|l| Span::new(start(l), start(l) + l.len()))
                .collect();
            (c, labels)
        }
        None => (main, Vec::new()),
    };
    let mut numbers = [Span::default(); 4];
    for (n, part) in core.split('.').enumerate() {
        if !is_digits(part) {
            return Err(Reason::Syntax("expected a number"));
        }
        *numbers
            .get_mut(n)
            .ok_or(Reason::Syntax("more than four numbers"))? =
            Span::new(start(part), start(part) + part.len());
    }
    Ok(Parsed { numbers, labels })
}

fn is_identifier(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
}

/// Compares two parsed versions (`a` parsed from `sa`, `b` from `sb`).
pub(crate) fn cmp(sa: &str, a: &Parsed, sb: &str, b: &Parsed) -> Ordering {
    for (x, y) in a.numbers.iter().zip(&b.numbers) {
        let o = cmp_digits(x.of(sa), y.of(sb));
        if o != Ordering::Equal {
            return o;
        }
    }
    match (a.labels.is_empty(), b.labels.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        (false, false) => {}
    }
    cmp_identifiers(sa, &a.labels, sb, &b.labels, true, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Ecosystem, Version, compare};
    use Ordering::{Equal, Greater, Less};

    fn c(a: &str, b: &str) -> Ordering {
        compare(Ecosystem::NuGet, a, b).unwrap()
    }

    #[test]
    fn four_parts_and_case_insensitive_labels() {
        assert_eq!(c("1.0", "1.0.0.0"), Equal);
        assert_eq!(c("1.0.0.1", "1.0.0"), Greater);
        assert_eq!(c("1.0.01", "1.0.1.0"), Equal);
        assert_eq!(c("1.0.0-BETA", "1.0.0-beta"), Equal);
        assert_eq!(c("1.0.0-beta.2", "1.0.0-beta.10"), Less);
        assert_eq!(c("1.0.0-beta", "1.0.0"), Less);
        assert_eq!(c("1.0.0+abc", "1.0.0+def"), Equal);
        for bad in ["1.0.0.0.0", "v1.0", "1.0-", "1.0+", "1..0", "1.0-a..b"] {
            assert!(Version::parse(Ecosystem::NuGet, bad).is_err(), "{bad}");
        }
    }
}
