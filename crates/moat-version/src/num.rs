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

/// A cursor over the bytes of a version, for the hand-written grammars.
pub(crate) struct Cursor<'a> {
    pub(crate) s: &'a [u8],
    pub(crate) at: usize,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `s`.
    pub(crate) fn new(s: &'a str) -> Self {
        Cursor {
            s: s.as_bytes(),
            at: 0,
        }
    }
    /// The next byte.
    pub(crate) fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }
    /// Eats a run of ASCII digits (possibly empty) and returns its span.
    pub(crate) fn digits(&mut self) -> Span {
        let start = self.at;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.at += 1;
        }
        Span::new(start, self.at)
    }
    /// Eats `lit` if the text continues with it.
    pub(crate) fn eat(&mut self, lit: &str) -> bool {
        let end = self.at + lit.len();
        if self.s.get(self.at..end) == Some(lit.as_bytes()) {
            self.at = end;
            true
        } else {
            false
        }
    }
    /// Whether the whole text is consumed.
    pub(crate) fn done(&self) -> bool {
        self.at >= self.s.len()
    }
}

/// Compares two lists of dot-separated identifiers (SemVer pre-release, NuGet labels, PEP 440
/// local segments): all-digit identifiers numerically, others as ASCII (case-folded when
/// `fold_case`), numbers before words when `numbers_first` (after them otherwise), and a
/// list after its own prefix.
pub(crate) fn cmp_identifiers(
    sa: &str,
    a: &[Span],
    sb: &str,
    b: &[Span],
    numbers_first: bool,
    fold_case: bool,
) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (x.of(sa), y.of(sb));
        let o = match (is_digits(x), is_digits(y)) {
            (true, true) => cmp_digits(x, y),
            (true, false) if numbers_first => Ordering::Less,
            (true, false) => Ordering::Greater,
            (false, true) if numbers_first => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) if fold_case => cmp_ignore_ascii_case(x, y),
            (false, false) => x.cmp(y),
        };
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
