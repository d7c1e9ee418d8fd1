//! Small helpers shared by the comparators: unbounded digit-string comparison and spans.

use std::cmp::Ordering;

/// Compares two strings of ASCII digits as unbounded non-negative integers (leading zeros
/// ignored, no overflow). An empty string counts as zero.
pub(crate) fn cmp_digits(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Whether `s` is non-empty and made only of ASCII digits.
pub(crate) fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Compares two strings byte-wise after ASCII lower-casing.
pub(crate) fn cmp_ignore_ascii_case(a: &str, b: &str) -> Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

/// A byte range of the version string (kept instead of owned copies so parsing allocates little).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Span {
    start: u32,
    end: u32,
}

impl Span {
    /// The span `start..end`; inputs are bounded by [`crate::MAX_LEN`], so the casts are lossless.
    pub(crate) fn new(start: usize, end: usize) -> Self {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    /// The spanned text of `s` (empty when the span does not fit, which parsing never produces).
    pub(crate) fn of(self, s: &str) -> &str {
        s.get(self.start as usize..self.end as usize).unwrap_or("")
    }

    /// Whether the span is empty.
    pub(crate) fn is_empty(self) -> bool {
        self.start >= self.end
    }
}

/// Parses `N(sep N)*` where each `sep` is one of `seps`, into spans of the numbers.
pub(crate) fn parse_number_list(s: &str, seps: &[u8]) -> Result<Vec<Span>, crate::Reason> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut at = 0;
    loop {
        let start = at;
        while b.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
        }
        if at == start {
            return Err(crate::Reason::Syntax("expected a number"));
        }
        out.push(Span::new(start, at));
        match b.get(at) {
            None => return Ok(out),
            Some(c) if seps.contains(c) => at += 1,
            Some(_) => {
                return Err(crate::Reason::Syntax(
                    "unexpected character (expected digits and separators only)",
                ));
            }
        }
    }
}

/// Compares two number lists element by element; a list sorts after its own prefix.
pub(crate) fn cmp_number_lists(sa: &str, a: &[Span], sb: &str, b: &[Span]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let o = cmp_digits(x.of(sa), y.of(sb));
        if o != Ordering::Equal {
            return o;
        }
    }
    a.len().cmp(&b.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_compare_unbounded() {
        assert_eq!(cmp_digits("007", "7"), Ordering::Equal);
        assert_eq!(cmp_digits("", "0"), Ordering::Equal);
        assert_eq!(cmp_digits("10", "9"), Ordering::Greater);
        assert_eq!(
            cmp_digits(
                "999999999999999999999999999991",
                "999999999999999999999999999999"
            ),
            Ordering::Less
        );
    }

    #[test]
    fn case_insensitive() {
        assert_eq!(cmp_ignore_ascii_case("BETA", "beta"), Ordering::Equal);
        assert_eq!(cmp_ignore_ascii_case("Beta2", "beta"), Ordering::Greater);
    }
}
