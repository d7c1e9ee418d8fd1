//! `moat-version` owns exact version ordering per package ecosystem, for vulnerability
//! matching: given two version strings of one ecosystem, it answers `<`, `=` or `>` exactly as
//! that ecosystem's package manager does.
//!
//! - [`Ecosystem`] names the rule set, from an OSV ecosystem string ([`Ecosystem::from_osv`]) or
//!   a purl type ([`Ecosystem::from_purl_type`]).
//! - [`Version`] is a version parsed once (into spans of its own text, a few small vectors at
//!   most) and compared many times; [`compare`] parses and compares two strings.
//! - One module per ecosystem: `dpkg` (Debian, Ubuntu), `rpm`, [`apk`] (Alpine), `pep440`
//!   (PyPI), `semver` (npm, crates.io, Go, and Pub's variant), `maven`, `rubygems`, `nuget`,
//!   `hackage`, `cran`, `packagist`.
//!
//! Invalid versions are [`VersionError`]s naming the ecosystem, the input and the reason. Where
//! the real tool accepts any string (rpm, dpkg with warnings, apk's `version -t`, Maven), so does
//! this crate; `docs/versions.md` lists the rules. Surrounding ASCII white space is ignored for
//! every ecosystem and inputs longer than [`MAX_LEN`] bytes are rejected.
//!
//! The crate is IO-free: it reads nothing, prints nothing and spawns no runtime.
#![deny(clippy::indexing_slicing)]
// Comparators read best with the conventional a/b (the two sides) and x/y (their parts).
#![allow(clippy::many_single_char_names)]

pub mod apk;
mod cran;
mod dpkg;
mod ecosystem;
mod error;
mod hackage;
mod maven;
mod nuget;
mod num;
mod packagist;
mod pep440;
mod rpm;
mod rubygems;
mod semver;

use std::cmp::Ordering;
use std::fmt;

pub use ecosystem::Ecosystem;
pub use error::{Reason, VersionError};

/// The longest version string accepted, in bytes (real versions are far shorter).
pub const MAX_LEN: usize = 1024;

/// A parsed version that orders exactly as the ecosystem's package manager does.
///
/// Versions of one ecosystem compare by that ecosystem's rules; versions of different
/// ecosystems compare by [`Ecosystem`] first, so that the order is total. Equality is the
/// ecosystem's equality (`1.0` and `1.0.0.0` are equal NuGet versions), so `Version` does not
/// implement `Hash`.
#[derive(Clone)]
pub struct Version {
    eco: Ecosystem,
    text: Box<str>,
    key: Key,
}

/// The per-ecosystem parsed form.
#[derive(Clone, Debug)]
enum Key {
    Dpkg(dpkg::Parsed),
    Rpm(rpm::Parsed),
    Apk(apk::Parsed),
    Pep440(pep440::Parsed),
    SemVer(semver::Parsed),
    Maven(maven::Parsed),
    RubyGems(rubygems::Parsed),
    NuGet(nuget::Parsed),
    Hackage(hackage::Parsed),
    Cran(cran::Parsed),
    Packagist(packagist::Parsed),
}

impl Version {
    /// Parses `s` by the rules of `eco`. Surrounding ASCII white space is ignored.
    pub fn parse(eco: Ecosystem, s: &str) -> Result<Self, VersionError> {
        let t = s.trim_ascii();
        if t.len() > MAX_LEN {
            return Err(VersionError::new(eco, s, Reason::TooLong));
        }
        if t.is_empty() {
            return Err(VersionError::new(eco, s, Reason::Empty));
        }
        let key = match eco {
            Ecosystem::Debian => dpkg::parse(t).map(Key::Dpkg),
            Ecosystem::Rpm => Ok(Key::Rpm(rpm::parse(t))),
            Ecosystem::Alpine => Ok(Key::Apk(apk::parse(t))),
            Ecosystem::PyPI => Ok(Key::Pep440(pep440::parse(t))),
            Ecosystem::Npm | Ecosystem::CratesIo | Ecosystem::Go | Ecosystem::Pub => {
                semver::parse(t).map(Key::SemVer)
            }
            Ecosystem::Maven => Ok(Key::Maven(maven::parse(t))),
            Ecosystem::RubyGems => rubygems::parse(t).map(Key::RubyGems),
            Ecosystem::NuGet => nuget::parse(t).map(Key::NuGet),
            Ecosystem::Hackage => hackage::parse(t).map(Key::Hackage),
            Ecosystem::Cran => cran::parse(t).map(Key::Cran),
            Ecosystem::Packagist => Ok(Key::Packagist(packagist::parse(t))),
        }
        .map_err(|reason| VersionError::new(eco, s, reason))?;
        Ok(Version {
            eco,
            text: t.into(),
            key,
        })
    }

    /// The version text as parsed (without surrounding white space).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The ecosystem whose rules order this version.
    pub fn ecosystem(&self) -> Ecosystem {
        self.eco
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        let (a, b) = (&*self.text, &*other.text);
        self.eco
            .cmp(&other.eco)
            .then_with(|| match (&self.key, &other.key) {
                (Key::Dpkg(x), Key::Dpkg(y)) => dpkg::cmp(a, x, b, y),
                (Key::Rpm(x), Key::Rpm(y)) => rpm::cmp(a, x, b, y),
                (Key::Apk(x), Key::Apk(y)) => apk::cmp(a, x, b, y),
                (Key::Pep440(x), Key::Pep440(y)) => pep440::cmp(a, x, b, y),
                (Key::SemVer(x), Key::SemVer(y)) => {
                    semver::cmp(a, x, b, y, self.eco == Ecosystem::Pub)
                }
                (Key::Maven(x), Key::Maven(y)) => maven::cmp(x, y),
                (Key::RubyGems(x), Key::RubyGems(y)) => rubygems::cmp(a, x, b, y),
                (Key::NuGet(x), Key::NuGet(y)) => nuget::cmp(a, x, b, y),
                (Key::Hackage(x), Key::Hackage(y)) => hackage::cmp(a, x, b, y),
                (Key::Cran(x), Key::Cran(y)) => cran::cmp(a, x, b, y),
                (Key::Packagist(x), Key::Packagist(y)) => packagist::cmp(x, y),
                // Same ecosystem always means the same key kind.
                _ => Ordering::Equal,
            })
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl fmt::Debug for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{:?}", self.eco, self.text)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Parses `a` and `b` by the rules of `eco` and compares them.
pub fn compare(eco: Ecosystem, a: &str, b: &str) -> Result<Ordering, VersionError> {
    Ok(Version::parse(eco, a)?.cmp(&Version::parse(eco, b)?))
}

/// Test helpers shared by the ecosystem modules.
#[cfg(test)]
pub(crate) mod testutil {
    use super::{Ecosystem, compare};
    use std::cmp::Ordering;

    /// Asserts that `versions` is strictly ascending under `eco`'s rules, pair by pair.
    pub(crate) fn assert_ascending(eco: Ecosystem, versions: &[&str]) {
        for pair in versions.windows(2) {
            if let [a, b] = pair {
                assert_eq!(
                    compare(eco, a, b).unwrap(),
                    Ordering::Less,
                    "{eco}: {a} < {b}"
                );
                assert_eq!(
                    compare(eco, b, a).unwrap(),
                    Ordering::Greater,
                    "{eco}: {b} > {a}"
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_ecosystem_input_and_reason() {
        let e = Version::parse(Ecosystem::Debian, "  ").unwrap_err();
        assert_eq!(e.reason, Reason::Empty);
        assert_eq!(
            e.to_string(),
            r#"invalid Debian version "  ": version is empty"#
        );
        let long = "1".repeat(MAX_LEN + 1);
        let e = Version::parse(Ecosystem::Npm, &long).unwrap_err();
        assert_eq!(e.reason, Reason::TooLong);
        assert!(e.input.chars().count() <= 65);
    }

    #[test]
    fn white_space_is_ignored() {
        let v = Version::parse(Ecosystem::PyPI, " 1.0 \n").unwrap();
        assert_eq!(v.as_str(), "1.0");
        assert_eq!(
            compare(Ecosystem::Npm, " 1.0.0", "1.0.0 ").unwrap(),
            Ordering::Equal
        );
    }

    #[test]
    fn different_ecosystems_order_by_ecosystem() {
        let d = Version::parse(Ecosystem::Debian, "9").unwrap();
        let p = Version::parse(Ecosystem::PyPI, "1").unwrap();
        assert!(d < p);
        assert_ne!(d, p);
        assert_eq!(d.ecosystem(), Ecosystem::Debian);
    }

    #[test]
    fn equality_is_the_ecosystems() {
        let a = Version::parse(Ecosystem::NuGet, "1.0").unwrap();
        let b = Version::parse(Ecosystem::NuGet, "1.0.0.0").unwrap();
        assert_eq!(a, b);
        assert_eq!(format!("{a} {a:?}"), r#"1.0 NuGet:"1.0""#);
    }
}
