//! Policy levels and versions, parsed exactly as the `pod-security.kubernetes.io/*` labels
//! are.

use std::fmt;

/// The newest minor version whose checks are known. Newer `v1.N` versions evaluate like
/// this one, as the API server does for versions newer than its own.
pub const MAX_MINOR: u32 = 37;

/// A Pod Security Standards level.
///
/// Ordered by strictness: `Privileged < Baseline < Restricted`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Unrestricted: nothing is checked.
    Privileged,
    /// Prevents known privilege escalations.
    Baseline,
    /// Current pod hardening best practice; includes every baseline check.
    Restricted,
}

impl Level {
    /// Every level, least strict first.
    pub const ALL: [Level; 3] = [Level::Privileged, Level::Baseline, Level::Restricted];

    /// Parses a level label value (`privileged`, `baseline`, `restricted`; exact case).
    pub fn parse(s: &str) -> Result<Level, ParseError> {
        match s {
            "privileged" => Ok(Level::Privileged),
            "baseline" => Ok(Level::Baseline),
            "restricted" => Ok(Level::Restricted),
            _ => Err(ParseError::Level),
        }
    }

    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Privileged => "privileged",
            Level::Baseline => "baseline",
            Level::Restricted => "restricted",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Level {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Level::parse(s)
    }
}

/// A policy version: `v1.N` or `latest`.
///
/// Ordered as upstream orders them: `latest` is newer than every numbered version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    /// `v1.N`, holding `N`.
    V1(u32),
    /// `latest`: the newest checks.
    Latest,
}

impl Version {
    /// Parses `latest` or `v1.N` (no leading zeros), exactly as the API server parses the
    /// `-version` labels. Any `N` parses; see [`Version::is_known`].
    pub fn parse(s: &str) -> Result<Version, ParseError> {
        if s == "latest" {
            return Ok(Version::Latest);
        }
        let minor = s.strip_prefix("v1.").ok_or(ParseError::Version)?;
        let well_formed = !minor.is_empty()
            && minor.bytes().all(|b| b.is_ascii_digit())
            && (minor == "0" || !minor.starts_with('0'));
        if !well_formed {
            return Err(ParseError::Version);
        }
        minor
            .parse()
            .map(Version::V1)
            .map_err(|_| ParseError::Version)
    }

    /// Whether this version's checks are known: `latest` and `v1.0` ..= `v1.37`.
    pub fn is_known(self) -> bool {
        match self {
            Version::Latest => true,
            Version::V1(n) => n <= MAX_MINOR,
        }
    }

    /// The minor version whose checks apply: `latest` and versions newer than the newest
    /// known one evaluate as the newest known one.
    pub fn effective_minor(self) -> u32 {
        match self {
            Version::Latest => MAX_MINOR,
            Version::V1(n) => n.min(MAX_MINOR),
        }
    }

    /// Every known version, oldest first: `v1.0` ..= `v1.37`, then `latest`.
    pub fn known() -> impl Iterator<Item = Version> {
        (0..=MAX_MINOR)
            .map(Version::V1)
            .chain(std::iter::once(Version::Latest))
    }

    /// The known versions as one comma-separated line, for error messages.
    pub fn known_list() -> String {
        Version::known()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Version::Latest => f.write_str("latest"),
            Version::V1(n) => write!(f, "v1.{n}"),
        }
    }
}

impl std::str::FromStr for Version {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Version::parse(s)
    }
}

/// A level at a version, printed as upstream prints it: `restricted:latest`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LevelVersion {
    /// The level.
    pub level: Level,
    /// The version.
    pub version: Version,
}

impl LevelVersion {
    /// A level at a version.
    pub const fn new(level: Level, version: Version) -> Self {
        LevelVersion { level, version }
    }
}

impl fmt::Display for LevelVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.level, self.version)
    }
}

/// A level or version string that does not parse. The messages are upstream's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// Not `privileged`, `baseline` or `restricted`.
    #[error("must be one of privileged, baseline, restricted")]
    Level,
    /// Not `latest` or `v1.N`.
    #[error(r#"must be "latest" or "v1.x""#)]
    Version,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_like_upstream() {
        assert_eq!(Version::parse("latest"), Ok(Version::Latest));
        assert_eq!(Version::parse("v1.0"), Ok(Version::V1(0)));
        assert_eq!(Version::parse("v1.37"), Ok(Version::V1(37)));
        assert_eq!(Version::parse("v1.99"), Ok(Version::V1(99)));
        for bad in [
            "",
            "v1",
            "v1.",
            "v1.01",
            "1.2",
            "v2.0",
            "v1.-1",
            "v1.+2",
            "Latest",
            "v1.2 ",
            "v1.3a",
            "v1.99999999999999999999",
        ] {
            assert_eq!(Version::parse(bad), Err(ParseError::Version), "{bad:?}");
        }
        assert!(Version::V1(37).is_known() && !Version::V1(38).is_known());
        assert_eq!(Version::V1(99).effective_minor(), MAX_MINOR);
        assert_eq!(Version::Latest.effective_minor(), MAX_MINOR);
        assert!(Version::V1(99) < Version::Latest && Version::V1(2) < Version::V1(10));
        assert_eq!(Version::known().count(), 39);
        assert!(Version::known_list().starts_with("v1.0, v1.1, "));
        assert!(Version::known_list().ends_with("v1.37, latest"));
    }

    #[test]
    fn levels() {
        assert_eq!(Level::parse("baseline"), Ok(Level::Baseline));
        assert_eq!(Level::parse("Baseline"), Err(ParseError::Level));
        assert!(Level::Privileged < Level::Baseline && Level::Baseline < Level::Restricted);
        assert_eq!(
            LevelVersion::new(Level::Restricted, Version::V1(25)).to_string(),
            "restricted:v1.25"
        );
    }
}
