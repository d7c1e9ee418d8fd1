//! Waivers: the `moat.dev/ignore` annotation and the `waivers:` list of `.moat.yaml`.
//!
//! A waiver needs a reason. A central waiver may expire; once expired it no longer
//! applies and the scan warns about it. Unknown check IDs are input errors, reported by
//! whoever parses the waiver (the config loader or the scanner for annotations).

use globset::{GlobBuilder, GlobMatcher};
use jiff::civil::Date;

use crate::{ResourceRef, Waived, Warning};

/// The annotation key for inline waivers.
pub const ANNOTATION: &str = "moat.dev/ignore";

/// One entry of an inline `moat.dev/ignore` annotation: `ID[,ID]: reason`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineWaiver {
    /// Check IDs or names as written.
    pub checks: Vec<String>,
    /// The reason.
    pub reason: String,
}

/// Parses an annotation value. Several waivers may be separated by newlines or `;`.
///
/// # Errors
/// A clause without `:`, without a reason or without a check ID.
pub fn parse_annotation(value: &str) -> Result<Vec<InlineWaiver>, String> {
    let mut out = Vec::new();
    for clause in value.split(['\n', ';']).map(str::trim) {
        if clause.is_empty() {
            continue;
        }
        let Some((ids, reason)) = clause.split_once(':') else {
            return Err(format!(
                "`{ANNOTATION}` entry `{clause}` must be `ID[,ID]: reason`"
            ));
        };
        let checks = split_ids(ids);
        let reason = reason.trim();
        if checks.is_empty() {
            return Err(format!("`{ANNOTATION}` entry `{clause}` names no check"));
        }
        if reason.is_empty() {
            return Err(format!(
                "`{ANNOTATION}` entry `{clause}` has no reason; a waiver must say why"
            ));
        }
        out.push(InlineWaiver {
            checks,
            reason: reason.to_owned(),
        });
    }
    Ok(out)
}

/// A glob over one resource field; absent fields match as the empty string.
#[derive(Debug, Clone)]
pub struct FieldGlob(GlobMatcher);

impl FieldGlob {
    /// Compiles a glob (`*`, `?`, `[..]`).
    pub fn new(pattern: &str) -> Result<Self, String> {
        GlobBuilder::new(pattern)
            .literal_separator(false)
            .build()
            .map(|g| FieldGlob(g.compile_matcher()))
            .map_err(|e| format!("invalid glob `{pattern}`: {e}"))
    }

    /// Whether `value` matches (an absent value matches only `*`).
    pub fn matches(&self, value: Option<&str>) -> bool {
        self.0.is_match(value.unwrap_or(""))
    }
}

/// One central waiver from `.moat.yaml`.
#[derive(Debug, Clone)]
pub struct WaiverRule {
    /// Canonical check ID.
    pub check: String,
    /// Resource kind glob.
    pub kind: Option<FieldGlob>,
    /// Namespace glob.
    pub namespace: Option<FieldGlob>,
    /// Name glob.
    pub name: Option<FieldGlob>,
    /// Mandatory reason.
    pub reason: String,
    /// Optional expiry (the waiver applies through this day).
    pub expires: Option<Date>,
    /// `FILE:LINE` of the entry.
    pub source: String,
    /// 1-based line of the entry, for warnings.
    pub line: u32,
    /// File of the entry, for warnings.
    pub file: String,
}

impl WaiverRule {
    fn matches(&self, check_id: &str, r: &ResourceRef) -> bool {
        self.check == check_id
            && self.kind.as_ref().is_none_or(|g| g.matches(Some(&r.kind)))
            && self
                .namespace
                .as_ref()
                .is_none_or(|g| g.matches(r.namespace.as_deref()))
            && self
                .name
                .as_ref()
                .is_none_or(|g| g.matches(r.name.as_deref()))
    }

    /// Whether the waiver has expired by `today`.
    pub fn expired(&self, today: Date) -> bool {
        self.expires.is_some_and(|d| d < today)
    }
}

/// The active central waivers, with expired ones already set aside.
#[derive(Debug, Clone, Default)]
pub struct Waivers {
    active: Vec<WaiverRule>,
}

impl Waivers {
    /// Keeps the rules still valid on `today`; each expired rule becomes a warning.
    pub fn new(rules: Vec<WaiverRule>, today: Date) -> (Self, Vec<Warning>) {
        let mut warnings = Vec::new();
        let mut active = Vec::new();
        for r in rules {
            if r.expired(today) {
                warnings.push(Warning {
                    file: r.file.clone(),
                    line: r.line,
                    column: 0,
                    message: format!(
                        "waiver for {} expired on {}; it no longer applies",
                        r.check,
                        r.expires.map(|d| d.to_string()).unwrap_or_default()
                    ),
                });
            } else {
                active.push(r);
            }
        }
        (Waivers { active }, warnings)
    }

    /// The first central waiver matching a finding.
    pub fn lookup(&self, check_id: &str, resource: &ResourceRef) -> Option<Waived> {
        self.active
            .iter()
            .find(|w| w.matches(check_id, resource))
            .map(|w| Waived {
                reason: w.reason.clone(),
                expires: w.expires.map(|d| d.to_string()),
                by: w.source.clone(),
            })
    }

    /// Number of active waivers.
    pub fn len(&self) -> usize {
        self.active.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.active.is_empty()
    }
}

/// Today's date in UTC.
pub fn today_utc() -> Date {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
}

/// The check IDs of a waiver's comma-separated list (`MOAT-001, MOAT-002`), blanks dropped.
pub fn split_ids(ids: &str) -> Vec<String> {
    ids.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(ns: Option<&str>, expires: Option<&str>) -> WaiverRule {
        WaiverRule {
            check: "MOAT-001".into(),
            kind: Some(FieldGlob::new("Deploy*").unwrap()),
            namespace: ns.map(|n| FieldGlob::new(n).unwrap()),
            name: None,
            reason: "legacy".into(),
            expires: expires.map(|d| d.parse().unwrap()),
            source: ".moat.yaml:3".into(),
            line: 3,
            file: ".moat.yaml".into(),
        }
    }

    fn res(ns: Option<&str>) -> ResourceRef {
        ResourceRef {
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            namespace: ns.map(Into::into),
            name: Some("web".into()),
        }
    }

    #[test]
    fn annotation_parsing() {
        let w = parse_annotation("MOAT-001, MOAT-002: needs host access; MOAT-9: x").unwrap();
        assert_eq!(w.len(), 2);
        assert_eq!(w[0].checks, ["MOAT-001", "MOAT-002"]);
        assert_eq!(w[0].reason, "needs host access");
        assert!(parse_annotation("MOAT-001").is_err());
        assert!(parse_annotation("MOAT-001:  ").is_err());
        assert!(parse_annotation(": reason").is_err());
    }

    #[test]
    fn matching_and_expiry() {
        let today: Date = "2026-06-01".parse().unwrap();
        let (w, warn) = Waivers::new(
            vec![
                rule(Some("team-*"), Some("2026-06-01")),
                rule(None, Some("2026-05-31")),
            ],
            today,
        );
        assert_eq!(w.len(), 1);
        assert_eq!(warn.len(), 1);
        assert!(warn[0].message.contains("expired on 2026-05-31"));
        assert!(w.lookup("MOAT-001", &res(Some("team-a"))).is_some());
        assert!(w.lookup("MOAT-001", &res(Some("other"))).is_none());
        assert!(w.lookup("MOAT-001", &res(None)).is_none());
        assert!(w.lookup("MOAT-002", &res(Some("team-a"))).is_none());
        let (any_ns, _) = Waivers::new(vec![rule(Some("*"), None)], today);
        assert!(any_ns.lookup("MOAT-001", &res(None)).is_some());
    }
}
