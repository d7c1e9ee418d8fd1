//! Hackage (Haskell) versions: `Data.Version` branches, numbers separated by `.`.
//!
//! Numbers compare numerically and a version sorts after its own prefix, with no zero
//! padding: `1.0 < 1.0.0`. Tags (`1.0-foo`, deprecated in Cabal) are rejected.

use std::cmp::Ordering;

use crate::error::Reason;
use crate::num::{Span, cmp_number_lists, parse_number_list};

/// A parsed Hackage version: spans of its numbers.
#[derive(Debug, Clone)]
pub(crate) struct Parsed(Vec<Span>);

/// Parses a (trimmed, non-empty) Hackage version.
pub(crate) fn parse(s: &str) -> Result<Parsed, Reason> {
    parse_number_list(s, b".").map(Parsed)
}

/// Compares two parsed versions (`a` parsed from `sa`, `b` from `sb`).
pub(crate) fn cmp(sa: &str, a: &Parsed, sb: &str, b: &Parsed) -> Ordering {
    cmp_number_lists(sa, &a.0, sb, &b.0)
}

#[cfg(test)]
mod tests {
    use crate::{Ecosystem, Version, compare};
    use std::cmp::Ordering::{Equal, Greater, Less};

    #[test]
    fn branches_compare_without_padding() {
        let c = |a, b| compare(Ecosystem::Hackage, a, b).unwrap();
        assert_eq!(c("1.0", "1.0.0"), Less);
        assert_eq!(c("1.10", "1.9"), Greater);
        assert_eq!(c("01.2", "1.2"), Equal);
        assert!(Version::parse(Ecosystem::Hackage, "1.0-foo").is_err());
        assert!(Version::parse(Ecosystem::Hackage, "1..0").is_err());
    }
}
