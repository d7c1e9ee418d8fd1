use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::{CheckMeta, Severity};

/// The Kubernetes object (or other input unit) a finding is about.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceRef {
    /// `apiVersion` as written, e.g. `apps/v1`.
    pub api_version: String,
    /// `kind`, e.g. `Deployment`.
    pub kind: String,
    /// `metadata.namespace`, if set.
    pub namespace: Option<String>,
    /// `metadata.name` (or `generateName`), if set.
    pub name: Option<String>,
}

impl ResourceRef {
    /// `Kind/namespace/name` for humans; missing parts are omitted.
    pub fn display(&self) -> String {
        let mut s = self.kind.clone();
        if let Some(ns) = &self.namespace {
            s.push('/');
            s.push_str(ns);
        }
        s.push('/');
        s.push_str(self.name.as_deref().unwrap_or("<unnamed>"));
        s
    }
}

/// Where in the input a finding points.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// File path as given on the command line (or `<stdin>`).
    pub file: String,
    /// 1-based line of the judged field, or of its nearest present parent.
    pub line: u32,
    /// 1-based column (in characters).
    pub column: u32,
    /// Field path that was judged, e.g. `spec.containers[0].securityContext.privileged`.
    pub path: String,
}

/// Why a finding is waived.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waived {
    /// The mandatory justification.
    pub reason: String,
    /// Expiry date `YYYY-MM-DD`, if any.
    pub expires: Option<String>,
    /// Where the waiver came from: `annotation` or `FILE:LINE` of the config.
    pub by: String,
}

/// One result of one check on one resource. JSON form documented in `docs/json-schema.md`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Check ID, e.g. `MOAT-001`.
    pub check_id: Cow<'static, str>,
    /// Severity (after any configured override).
    pub severity: Severity,
    /// The check's title.
    pub title: Cow<'static, str>,
    /// What is wrong with this resource, specifically.
    pub message: String,
    /// The resource.
    pub resource: ResourceRef,
    /// Where.
    pub location: Location,
    /// Container name, when the finding is about one container.
    pub container: Option<String>,
    /// How to fix it.
    pub remediation: Cow<'static, str>,
    /// Framework mappings.
    pub frameworks: Vec<Cow<'static, str>>,
    /// Set when a waiver applies.
    pub waived: Option<Waived>,
    /// A rule more specific than the check, for SARIF: a vulnerability finding (check
    /// `MOAT-760`) is reported under its advisory's ID. Not part of the JSON form, where
    /// `check_id` is the one ID.
    #[serde(skip)]
    pub rule: Option<Box<SpecificRule>>,
}

/// A rule that stands for one instance of a check (one vulnerability of check
/// `MOAT-760`): SARIF lists it in `tool.driver.rules` and its results use its ID.
#[derive(Clone, Debug, PartialEq)]
pub struct SpecificRule {
    /// Rule ID (the advisory ID: `CVE-2021-25900`, `GHSA-…`, `DSA-5343-1`).
    pub id: String,
    /// The check it is an instance of (`MOAT-760`).
    pub check: String,
    /// One line (the advisory's summary, or its ID).
    pub short_description: String,
    /// The advisory's details (or its summary).
    pub full_description: String,
    /// Where to read more (the advisory's first reference).
    pub help_uri: String,
    /// Severity of the rule.
    pub severity: Severity,
    /// CVSS base score, when a vector gave one.
    pub score: Option<f64>,
    /// Tags (other IDs of the vulnerability and the like).
    pub tags: Vec<String>,
}

impl Finding {
    /// A finding for a static check; location and resource filled by the caller.
    pub fn from_meta(meta: &'static CheckMeta, message: String) -> Self {
        Finding {
            check_id: Cow::Borrowed(meta.id),
            severity: meta.severity,
            title: Cow::Borrowed(meta.title),
            message,
            resource: ResourceRef::default(),
            location: Location::default(),
            container: None,
            remediation: Cow::Borrowed(meta.remediation),
            frameworks: meta.frameworks.iter().map(|f| Cow::Borrowed(*f)).collect(),
            waived: None,
            rule: None,
        }
    }
}
