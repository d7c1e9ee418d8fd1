//! CRAN (R) package versions: `package_version`, numbers separated by `.` or `-`.
//!
//! The separators are equivalent (`0.1-0 = 0.01.0`), numbers compare numerically
//! (`0.9 < 0.75`), and a version sorts after its own prefix (`0.1.0 < 0.1.0.0`). R requires
//! two numbers; a single number is accepted here, as OSV data holds a few.

use std::cmp::Ordering;

use crate::error::Reason;
use crate::num::{Span, cmp_number_lists, parse_number_list};

/// A parsed CRAN version: spans of its numbers.
#[derive(Debug, Clone)]
pub(crate) struct Parsed(Vec<Span>);

/// Parses a (trimmed, non-empty) CRAN version.
pub(crate) fn parse(s: &str) -> Result<Parsed, Reason> {
    parse_number_list(s, b".-").map(Parsed)
}

/// Compares two parsed versions (`a` parsed from `sa`, `b` from `sb`).
pub(crate) fn cmp(sa: &str, a: &Parsed, sb: &str, b: &Parsed) -> Ordering {
    cmp_number_lists(sa, &a.0, sb, &b.0)
}

#[cfg(test)]
mod tests {
    use crate::{Ecosystem, Version, compare};
    use std::cmp::Ordering::{Equal, Less};

    #[test]
    fn separators_are_equivalent() {
        let c = |a, b| compare(Ecosystem::Cran, a, b).unwrap();
        assert_eq!(c("0.1-0", "0.01.0"), Equal);
        assert_eq!(c("0.9", "0.75"), Less);
        assert_eq!(c("0.1.0", "0.1.0.0"), Less);
        assert!(Version::parse(Ecosystem::Cran, "1.0a").is_err());
    }
}
