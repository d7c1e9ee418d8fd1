//! `moat-report` renders a scan. Every format implements [`Renderer`] and receives the
//! report resource by resource, so memory stays flat however large the input is:
//! [`table`] (default, for people), [`json`] (the stable contract in
//! `docs/json-schema.md`), [`sarif`] (2.1.0, for code-scanning UIs) and [`junit`]
//! (one test case per check × resource, for CI dashboards).

pub mod json;
pub mod junit;
pub mod sarif;
pub mod table;

use std::io::{self, Write};
use std::str::FromStr;

use moat_core::{CheckMeta, Finding, ResourceRef, SpecificRule, Summary};

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Human-readable table.
    Table,
    /// JSON report.
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// JUnit XML.
    Junit,
}

impl Format {
    /// Names accepted by `--format`.
    pub const NAMES: &'static [&'static str] = &["table", "json", "sarif", "junit"];
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "table" => Ok(Format::Table),
            "json" => Ok(Format::Json),
            "sarif" => Ok(Format::Sarif),
            "junit" => Ok(Format::Junit),
            _ => Err(format!(
                "unknown format `{s}` (expected table, json, sarif, junit)"
            )),
        }
    }
}

/// What every renderer knows before the first resource.
#[derive(Clone, Debug)]
pub struct RunInfo {
    /// moat's version.
    pub version: String,
    /// The checks that ran, in ID order.
    pub checks: Vec<&'static CheckMeta>,
    /// Show waived findings in the table.
    pub show_waived: bool,
    /// Use colours (table only).
    pub color: bool,
    /// Rules more specific than the checks that the findings report under (one per
    /// vulnerability ID; see [`Finding::rule`]), each once, for SARIF's rule list;
    /// [`specific_rules`] collects them.
    pub rules: Vec<SpecificRule>,
}

/// The distinct [`Finding::rule`]s of `findings`, by ID (the first occurrence wins).
pub fn specific_rules<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Vec<SpecificRule> {
    let mut seen = std::collections::BTreeMap::new();
    for f in findings {
        if let Some(r) = &f.rule {
            seen.entry(r.id.clone()).or_insert_with(|| (**r).clone());
        }
    }
    seen.into_values().collect()
}

/// One analysed resource and its findings (waivers applied, filters applied).
#[derive(Clone, Debug)]
pub struct ResourceResult {
    /// The resource.
    pub resource: ResourceRef,
    /// File it came from.
    pub file: String,
    /// Line where the resource starts.
    pub line: u32,
    /// Its findings, in check order.
    pub findings: Vec<Finding>,
    /// IDs of the checks evaluated on it (for JUnit pass/fail test cases).
    pub checks_run: Vec<&'static str>,
}

/// A streaming renderer.
pub trait Renderer {
    /// Called once before any resource.
    fn begin(&mut self) -> io::Result<()>;
    /// Called once per resource, in report order.
    fn resource(&mut self, r: &ResourceResult) -> io::Result<()>;
    /// Called once at the end with totals, errors and warnings.
    fn finish(&mut self, summary: &Summary) -> io::Result<()>;
}

/// A renderer for `format` writing to `out`.
pub fn renderer<'w>(
    format: Format,
    out: Box<dyn Write + 'w>,
    info: RunInfo,
) -> Box<dyn Renderer + 'w> {
    match format {
        Format::Table => Box::new(table::Table::new(out, info)),
        Format::Json => Box::new(json::Json::new(out, info)),
        Format::Sarif => Box::new(sarif::Sarif::new(out, info)),
        Format::Junit => Box::new(junit::Junit::new(out, info)),
    }
}
