//! The record model: the subset of the OSV schema needed for matching and reporting.
//!
//! Field names follow OSV (<https://ossf.github.io/osv-schema/>). Records converted from
//! other formats (Debian tracker lists, Alpine secdb, rubysec) use the same model.

use serde::{Deserialize, Serialize};

/// Longest `details` text kept, in bytes; longer texts are cut at a character boundary
/// and end with `…`. Summaries, IDs and ranges are never cut.
pub const MAX_DETAILS: usize = 1024;

/// Most references kept per record (advisory links first).
pub const MAX_REFERENCES: usize = 4;

/// One advisory.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// OSV `id` (`GO-2023-1234`, `PYSEC-2021-335`, `DSA-5380-1`, …).
    pub id: String,
    /// OSV `modified` (RFC 3339) when the source has one; converted formats have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    /// OSV `published`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// OSV `withdrawn`: the record no longer applies from this time on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<String>,
    /// Other IDs for the same vulnerability (CVE, GHSA, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Closely related but distinct vulnerabilities (OSV `related`, plus `upstream`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
    /// One-line summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Details, cut to [`MAX_DETAILS`] bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    /// Record-level severities (CVSS vectors as strings; scoring happens elsewhere).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<Severity>,
    /// Affected packages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub affected: Vec<Affected>,
    /// Up to [`MAX_REFERENCES`] references, advisory links first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
    /// `database_specific.severity` (GHSA `HIGH`, `AlmaLinux` `Important`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_severity: Option<String>,
}

/// A severity entry: OSV `type` (`CVSS_V3`, `CVSS_V4`, `Ubuntu`, …) and `score` (a vector
/// string or a word).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Severity {
    /// OSV severity type.
    #[serde(rename = "type")]
    pub kind: String,
    /// The score: a CVSS vector or an ecosystem word.
    pub score: String,
}

/// A reference link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    /// OSV reference type (`ADVISORY`, `WEB`, …).
    #[serde(rename = "type")]
    pub kind: String,
    /// The URL.
    pub url: String,
}

/// A package as OSV names it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Package {
    /// Ecosystem with release where the ecosystem has one (`Debian:12`, `Alpine:v3.18`).
    pub ecosystem: String,
    /// Package name (source package for Debian/Ubuntu, origin for Alpine).
    pub name: String,
    /// Package URL when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
}

/// One `affected[]` entry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Affected {
    /// The package.
    pub package: Package,
    /// Version ranges.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<Range>,
    /// Explicitly listed affected versions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
    /// Per-package severity (OSV 1.4+ `affected[].severity`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<Severity>,
    /// Severity word from `ecosystem_specific`/`database_specific` (GHSA `severity`, Debian
    /// urgency, Ubuntu priority).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecosystem_severity: Option<String>,
}

/// Range type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RangeKind {
    /// `SemVer` 2.0 versions.
    #[serde(rename = "SEMVER")]
    Semver,
    /// The ecosystem's own version ordering.
    #[serde(rename = "ECOSYSTEM")]
    Ecosystem,
    /// Git commits: never evaluated against package versions (their events are not kept).
    #[serde(rename = "GIT")]
    Git,
}

impl RangeKind {
    /// The OSV spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Semver => "SEMVER",
            Self::Ecosystem => "ECOSYSTEM",
            Self::Git => "GIT",
        }
    }
}

/// One `ranges[]` entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    /// Range type.
    #[serde(rename = "type")]
    pub kind: RangeKind,
    /// Events, in source order (evaluation sorts them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<Event>,
}

/// A range event.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// Affected from this version on (`0`: from the start).
    Introduced(String),
    /// Not affected from this version on.
    Fixed(String),
    /// Affected up to and including this version.
    LastAffected(String),
    /// Upper bound of the range (exclusive); `*` means none.
    Limit(String),
}

impl Event {
    /// The event's version string.
    pub fn version(&self) -> &str {
        match self {
            Self::Introduced(v) | Self::Fixed(v) | Self::LastAffected(v) | Self::Limit(v) => v,
        }
    }

    /// The OSV field name of the event.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Introduced(_) => "introduced",
            Self::Fixed(_) => "fixed",
            Self::LastAffected(_) => "last_affected",
            Self::Limit(_) => "limit",
        }
    }
}

impl Record {
    /// Every ID the record is known by: its own first, then aliases.
    pub fn all_ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.id.as_str()).chain(self.aliases.iter().map(String::as_str))
    }

    /// Whether the record was withdrawn.
    pub fn is_withdrawn(&self) -> bool {
        self.withdrawn.is_some()
    }

    /// Number of GIT ranges (kept for reporting, never evaluated).
    pub fn git_ranges(&self) -> usize {
        self.affected
            .iter()
            .flat_map(|a| &a.ranges)
            .filter(|r| r.kind == RangeKind::Git)
            .count()
    }
}

/// Cuts `text` to at most `max` bytes at a character boundary, appending `…` when cut.
pub fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut s = text[..end].trim_end().to_owned();
    s.push('…');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_respects_char_boundaries() {
        assert_eq!(truncate("abc", 5), "abc");
        assert_eq!(truncate("abcdef", 3), "abc…");
        assert_eq!(truncate("aé", 2), "a…");
    }

    #[test]
    fn events_round_trip_as_osv_json() {
        let r = Range {
            kind: RangeKind::Semver,
            events: vec![
                Event::Introduced("0".into()),
                Event::LastAffected("1.2".into()),
            ],
        };
        let json = serde_json::to_string(&r).unwrap_or_default();
        assert_eq!(
            json,
            r#"{"type":"SEMVER","events":[{"introduced":"0"},{"last_affected":"1.2"}]}"#
        );
    }
}
