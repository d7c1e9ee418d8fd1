//! SemVer 2.0 versions for npm, crates.io and Go modules, and Pub's variant.
//!
//! `MAJOR.MINOR.PATCH[-pre.release][+build]`: numbers compare numerically (any size),
//! a pre-release sorts before its release, pre-release identifiers compare numerically when
//! all digits, as ASCII otherwise, numbers before words, and a longer list after its prefix.
//! Build metadata is ignored, so Go's `+incompatible` is, and Go pseudo-versions
//! (`v0.0.0-20191109021931-daa7c04131f5`, `v1.2.4-0.2019…`) order by their pre-release.
//!
//! Lenient where the ecosystems' data is: a leading `v` (Go's form, accepted everywhere), a
//! missing minor or patch counts as 0 (Go's `v1` and `v1.2` shorthands), and numeric
//! components after the patch are ignored like build metadata (`1.1.3.4.5`, seen in OSV data).
//!
//! Pub (`pub_semver`) differs in one rule: build metadata orders too, a version without it
//! before one with it (`1.0.0 < 1.0.0+build`), identifiers compared like pre-release ones.

use std::cmp::Ordering;

use crate::error::Reason;
use crate::num::{Span, cmp_digits, cmp_identifiers};

/// A parsed SemVer version: spans of the three numbers and of the identifiers.
#[derive(Debug, Clone)]
pub(crate) struct Parsed {
    core: [Span; 3],
    pre: Vec<Span>,
    build: Vec<Span>,
}

/// Parses a (trimmed, non-empty) SemVer version.
pub(crate) fn parse(s: &str) -> Result<Parsed, Reason> {
    let b = s.as_bytes();
    let mut at = usize::from(b.first() == Some(&b'v'));
    let digits = |at: &mut usize| {
        let start = *at;
        while b.get(*at).is_some_and(u8::is_ascii_digit) {
            *at += 1;
        }
        Span::new(start, *at)
    };
    let mut core = [Span::default(); 3];
    let mut n = 0;
    loop {
        let d = digits(&mut at);
        if d.is_empty() {
            return Err(Reason::Syntax(if n == 0 {
                "expected a number at the start"
            } else {
                "expected a number after '.'"
            }));
        }
        if let Some(slot) = core.get_mut(n) {
            *slot = d;
        }
        n += 1;
        if b.get(at) == Some(&b'.') {
            at += 1;
        } else {
            break;
        }
    }
    let idents = |at: &mut usize, what: &'static str| -> Result<Vec<Span>, Reason> {
        let mut out = Vec::new();
        loop {
            let start = *at;
            while b
                .get(*at)
                .is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'-')
            {
                *at += 1;
            }
            if *at == start {
                return Err(Reason::Syntax(what));
            }
            out.push(Span::new(start, *at));
            if b.get(*at) == Some(&b'.') {
                *at += 1;
            } else {
                return Ok(out);
            }
        }
    };
    let pre = if b.get(at) == Some(&b'-') {
        at += 1;
        idents(&mut at, "empty or invalid pre-release identifier")?
    } else {
        Vec::new()
    };
    let build = if b.get(at) == Some(&b'+') {
        at += 1;
        idents(&mut at, "empty or invalid build metadata identifier")?
    } else {
        Vec::new()
    };
    if at != b.len() {
        return Err(Reason::Syntax(
            "unexpected character (expected '.', '-', '+' or the end)",
        ));
    }
    Ok(Parsed { core, pre, build })
}

/// Compares two parsed versions (`a` parsed from `sa`, `b` from `sb`); `pub_rules` orders
/// build metadata as Pub does.
pub(crate) fn cmp(sa: &str, a: &Parsed, sb: &str, b: &Parsed, pub_rules: bool) -> Ordering {
    for (x, y) in a.core.iter().zip(&b.core) {
        let o = cmp_digits(x.of(sa), y.of(sb));
        if o != Ordering::Equal {
            return o;
        }
    }
    let o = match (a.pre.is_empty(), b.pre.is_empty()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => identifiers(sa, &a.pre, sb, &b.pre),
    };
    if o != Ordering::Equal || !pub_rules {
        return o;
    }
    match (a.build.is_empty(), b.build.is_empty()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => identifiers(sa, &a.build, sb, &b.build),
    }
}

/// SemVer's pre-release precedence over two identifier lists.
fn identifiers(sa: &str, a: &[Span], sb: &str, b: &[Span]) -> Ordering {
    cmp_identifiers(sa, a, sb, b, true, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Ecosystem, Version, compare};
    use Ordering::{Equal, Greater, Less};

    fn c(a: &str, b: &str) -> Ordering {
        compare(Ecosystem::Npm, a, b).unwrap()
    }

    #[test]
    fn pre_release_precedence() {
        let order = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
        ];
        crate::testutil::assert_ascending(Ecosystem::Npm, &order);
        assert_eq!(c("1.2.3-R2", "1.2.3-r100"), Less, "ASCII order");
    }

    #[test]
    fn build_metadata_ignored_except_for_pub() {
        assert_eq!(c("1.2.3+a", "1.2.3+b"), Equal);
        assert_eq!(c("1.2.3-beta+x", "1.2.3-beta"), Equal);
        assert_eq!(compare(Ecosystem::Pub, "1.2.3", "1.2.3+a").unwrap(), Less);
        assert_eq!(compare(Ecosystem::Pub, "1.2.3+9", "1.2.3+a").unwrap(), Less);
        assert_eq!(
            compare(Ecosystem::Pub, "1.2.3-pre+b", "1.2.3").unwrap(),
            Less
        );
    }

    #[test]
    fn go_forms() {
        let g = |a, b| compare(Ecosystem::Go, a, b).unwrap();
        assert_eq!(g("v2.0.0+incompatible", "v2.0.0"), Equal);
        assert_eq!(g("v0.0.0-20191109021931-daa7c04131f5", "v0.0.1"), Less);
        assert_eq!(
            g(
                "v0.0.0-20191109021931-daa7c04131f5",
                "v0.0.0-20200101000000-aaaaaaaaaaaa"
            ),
            Less
        );
        assert_eq!(g("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.3"), Greater);
        assert_eq!(
            g("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4-pre"),
            Less
        );
        assert_eq!(g("v1", "v1.0.0"), Equal);
        assert_eq!(g("1.2", "v1.2.0"), Equal);
    }

    #[test]
    fn huge_numbers_and_errors() {
        assert_eq!(
            c("18446744073709551616.0.0", "18446744073709551615.0.0"),
            Greater
        );
        for bad in [
            "x",
            "1.",
            "1..2",
            "1.0.0-",
            "1.0.0-a..b",
            "1.0.0+",
            "1.0.0_1",
            "1.0.0 beta",
        ] {
            let e = Version::parse(Ecosystem::Npm, bad).unwrap_err();
            assert!(matches!(e.reason, Reason::Syntax(_)), "{bad}");
        }
    }
}
