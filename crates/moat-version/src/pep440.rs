//! PyPI versions: PEP 440, with the legacy ordering for strings that are not PEP 440.
//!
//! `[N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]`, case-insensitive, with PEP 440's
//! normalisations: `alpha`/`beta`/`c`/`pre`/`preview` spellings, optional separators and
//! implicit numbers (`1.0.0a1 == 1.0a1`, `1.0-1 == 1.0.post1`, `1.0.r == 1.0.post0`), a leading
//! `v`. Ordering follows `packaging.version`: epoch, release (trailing zeros ignored), then a
//! dev-only release before pre-releases before the release, post-releases after it, dev before
//! the release it belongs to, and a local version after the same public version.
//!
//! Strings that are not PEP 440 (`0.1-bulbasaur`) are ordered as `packaging`'s
//! `LegacyVersion` did (setuptools' old `parse_version`): before every PEP 440 version, among
//! themselves by a key of zero-padded numbers and `*`-prefixed words. pip no longer installs
//! such versions but old advisories name them, so every string is accepted.

use std::cmp::Ordering;

use crate::num::{Cursor, Span, cmp_digits, cmp_identifiers};

/// A parsed PyPI version.
#[derive(Debug, Clone)]
pub(crate) enum Parsed {
    /// A PEP 440 version.
    Pep(Box<Pep>),
    /// A legacy version's comparison key.
    Legacy(Vec<String>),
}

/// The parts of a PEP 440 version, as spans of digits (and of local segments).
#[derive(Debug, Clone)]
pub(crate) struct Pep {
    epoch: Span,
    release: Vec<Span>,
    /// Pre-release kind (0 = a, 1 = b, 2 = rc) and number.
    pre: Option<(u8, Span)>,
    post: Option<Span>,
    dev: Option<Span>,
    local: Option<Vec<Span>>,
}

/// Pre-release spellings, longest first where one is a prefix of another.
const PRE: [(&str, u8); 8] = [
    ("alpha", 0),
    ("a", 0),
    ("beta", 1),
    ("b", 1),
    ("preview", 2),
    ("pre", 2),
    ("rc", 2),
    ("c", 2),
];
const POST: [&str; 3] = ["post", "rev", "r"];

impl Cursor<'_> {
    fn sep(&mut self) {
        if matches!(self.peek(), Some(b'-' | b'_' | b'.')) {
            self.at += 1;
        }
    }
    /// `[sep]keyword[sep][digits]` for one of `words`; restores the position when absent.
    fn tagged<T: Copy>(&mut self, words: &[(&str, T)]) -> Option<(T, Span)> {
        let save = self.at;
        self.sep();
        if let Some(&(_, tag)) = words.iter().find(|(w, _)| self.eat(w)) {
            // As in PEP 440's grammar, a separator with no number after it belongs here too.
            self.sep();
            return Some((tag, self.digits()));
        }
        self.at = save;
        None
    }
}

/// Parses a (trimmed, non-empty) PyPI version; never fails (see the module doc).
pub(crate) fn parse(s: &str) -> Parsed {
    match parse_pep440(s) {
        Some(p) => Parsed::Pep(Box::new(p)),
        None => Parsed::Legacy(legacy_key(s)),
    }
}

fn parse_pep440(s: &str) -> Option<Pep> {
    let lower = s.to_ascii_lowercase();
    let mut c = Cursor::new(&lower);
    c.eat("v");
    let mut epoch = Span::default();
    let first = c.digits();
    let first = if c.eat("!") {
        epoch = first;
        c.digits()
    } else {
        first
    };
    if first.is_empty() {
        return None;
    }
    let mut release = vec![first];
    loop {
        let save = c.at;
        if c.eat(".") {
            let n = c.digits();
            if !n.is_empty() {
                release.push(n);
                continue;
            }
        }
        c.at = save;
        break;
    }
    let pre = c.tagged(&PRE);
    let post = {
        let save = c.at;
        if c.eat("-") && c.peek().is_some_and(|b| b.is_ascii_digit()) {
            Some(c.digits())
        } else {
            c.at = save;
            let words = POST.map(|w| (w, ()));
            c.tagged(&words).map(|((), n)| n)
        }
    };
    let dev = c.tagged(&[("dev", ())]).map(|((), n)| n);
    let local = if c.eat("+") {
        let mut parts = Vec::new();
        loop {
            let start = c.at;
            while c.peek().is_some_and(|b| b.is_ascii_alphanumeric()) {
                c.at += 1;
            }
            if c.at == start {
                return None;
            }
            parts.push(Span::new(start, c.at));
            if matches!(c.peek(), Some(b'-' | b'_' | b'.')) {
                c.at += 1;
            } else {
                break;
            }
        }
        Some(parts)
    } else {
        None
    };
    (c.at == lower.len()).then_some(Pep {
        epoch,
        release,
        pre,
        post,
        dev,
        local,
    })
}

/// `packaging`'s `_legacy_cmpkey` parts (its epoch, -1, is implied by the variant).
fn legacy_key(s: &str) -> Vec<String> {
    let lower = s.to_lowercase();
    let mut parts: Vec<String> = Vec::new();
    let mut push = |part: String| {
        if part.starts_with('*') {
            if part.as_str() < "*final" {
                while parts.last().is_some_and(|p| p == "*final-") {
                    parts.pop();
                }
            }
            while parts.last().is_some_and(|p| p == "00000000") {
                parts.pop();
            }
        }
        parts.push(part);
    };
    let b = lower.as_bytes();
    let class = |c: u8| {
        if c.is_ascii_digit() {
            0
        } else if c.is_ascii_lowercase() {
            1
        } else if c == b'.' || c == b'-' {
            2
        } else {
            3
        }
    };
    let mut i = 0;
    while let Some(&c0) = b.get(i) {
        let k = class(c0);
        let mut j = i + 1;
        if k != 2 {
            while b.get(j).is_some_and(|&c| class(c) == k) {
                j += 1;
            }
        }
        let tok = lower.get(i..j).unwrap_or("");
        i = j;
        let tok = match tok {
            "pre" | "preview" | "rc" => "c",
            "-" => "final-",
            "dev" => "@",
            "." => continue,
            t => t,
        };
        if k == 0 {
            push(format!("{tok:0>8}"));
        } else {
            push(format!("*{tok}"));
        }
    }
    push("*final".to_owned());
    parts
}

/// Compares two parsed versions (`a` parsed from `sa`, `b` from `sb`).
pub(crate) fn cmp(sa: &str, a: &Parsed, sb: &str, b: &Parsed) -> Ordering {
    match (a, b) {
        (Parsed::Legacy(x), Parsed::Legacy(y)) => x.cmp(y),
        (Parsed::Legacy(_), Parsed::Pep(_)) => Ordering::Less,
        (Parsed::Pep(_), Parsed::Legacy(_)) => Ordering::Greater,
        (Parsed::Pep(x), Parsed::Pep(y)) => cmp_pep(sa, x, sb, y),
    }
}

fn cmp_pep(sa: &str, a: &Pep, sb: &str, b: &Pep) -> Ordering {
    let num = |x: Span, y: Span| cmp_digits(x.of(sa), y.of(sb));
    let o = num(a.epoch, b.epoch);
    if o != Ordering::Equal {
        return o;
    }
    for k in 0..a.release.len().max(b.release.len()) {
        let x = a.release.get(k).copied().unwrap_or_default();
        let y = b.release.get(k).copied().unwrap_or_default();
        let o = num(x, y);
        if o != Ordering::Equal {
            return o;
        }
    }
    // Pre-release key: a dev-only release sorts first, no pre-release last.
    let pre_class = |p: &Pep| match (p.pre, p.post, p.dev) {
        (None, None, Some(_)) => 0,
        (Some(_), _, _) => 1,
        (None, _, _) => 2,
    };
    let o = pre_class(a)
        .cmp(&pre_class(b))
        .then_with(|| match (a.pre, b.pre) {
            (Some((xk, xn)), Some((yk, yn))) => xk.cmp(&yk).then_with(|| num(xn, yn)),
            _ => Ordering::Equal,
        });
    if o != Ordering::Equal {
        return o;
    }
    let o = match (a.post, b.post) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => num(x, y),
    };
    if o != Ordering::Equal {
        return o;
    }
    let o = match (a.dev, b.dev) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => num(x, y),
    };
    if o != Ordering::Equal {
        return o;
    }
    match (&a.local, &b.local) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => cmp_identifiers(sa, x, sb, y, false, true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Ecosystem, compare};
    use Ordering::{Equal, Greater, Less};

    fn c(a: &str, b: &str) -> Ordering {
        compare(Ecosystem::PyPI, a, b).unwrap()
    }

    #[test]
    fn normalisation() {
        assert_eq!(c("1.0.0a1", "1.0a1"), Equal);
        assert_eq!(c("1.0-alpha.1", "1.0a1"), Equal);
        assert_eq!(c("1.0.PREVIEW2", "1.0rc2"), Equal);
        assert_eq!(c("1.0c2", "1.0rc2"), Equal);
        assert_eq!(c("1.0-1", "1.0.post1"), Equal);
        assert_eq!(c("1.0.rev", "1.0.post0"), Equal);
        assert_eq!(c("v1.0", "1.0"), Equal);
        assert_eq!(c("1.0_dev_3", "1.0.dev3"), Equal);
    }

    #[test]
    fn release_phases() {
        let order = [
            "1.0.dev0",
            "1.0a0.dev1",
            "1.0a0",
            "1.0a1",
            "1.0b1",
            "1.0rc1",
            "1.0",
            "1.0+local",
            "1.0.post1.dev1",
            "1.0.post1",
            "1.1",
        ];
        crate::testutil::assert_ascending(Ecosystem::PyPI, &order);
    }

    #[test]
    fn epochs_and_local_versions() {
        assert_eq!(c("1!0.1", "2.0"), Greater);
        assert_eq!(c("0!2.0", "2.0"), Equal);
        assert_eq!(c("1.0+abc.5", "1.0+abc.10"), Less);
        assert_eq!(
            c("1.0+abc", "1.0+5"),
            Less,
            "numeric local segments sort after words"
        );
        assert_eq!(c("1.0+ABC", "1.0+abc"), Equal);
    }

    #[test]
    fn legacy_versions() {
        assert_eq!(
            c("0.1-bulbasaur", "0.0.1"),
            Less,
            "legacy sorts before PEP 440"
        );
        assert_eq!(c("0.1-bulbasaur", "0.1-charmander"), Less);
        assert_eq!(c("1.0+", "1.0"), Less, "an empty local part is not PEP 440");
        assert!(matches!(parse("french toast"), Parsed::Legacy(_)));
    }
}
