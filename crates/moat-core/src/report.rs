use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Finding, Severity};

/// Input that could not be read or parsed. Any error makes the exit code 2.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputError {
    /// File (or `<stdin>`, or the config file).
    pub file: String,
    /// 1-based line, 0 when the error is about the whole file.
    pub line: u32,
    /// 1-based column, 0 when unknown.
    pub column: u32,
    /// What went wrong.
    pub message: String,
}

/// Something suspicious that did not stop the scan (YAML 1.1-only forms, expired waivers).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// File.
    pub file: String,
    /// 1-based line, 0 when unknown.
    pub line: u32,
    /// 1-based column, 0 when unknown.
    pub column: u32,
    /// The warning.
    pub message: String,
}

/// How much input was scanned.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scanned {
    /// Files read (including ones that failed to parse).
    pub files: u64,
    /// Resources (objects with `apiVersion` and `kind`) analysed.
    pub resources: u64,
    /// Documents skipped because they had no `apiVersion`/`kind`.
    pub skipped_documents: u64,
}

/// The whole result of a scan, as the JSON format prints it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Always `moat`.
    pub tool: String,
    /// moat's version.
    pub version: String,
    /// Counts.
    pub scanned: Scanned,
    /// Input errors.
    pub errors: Vec<InputError>,
    /// Warnings.
    pub warnings: Vec<Warning>,
    /// Findings, in file, document and check order.
    pub findings: Vec<Finding>,
}

/// Totals accumulated while streaming a report.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// Counts of input.
    pub scanned: Scanned,
    /// Input errors.
    pub errors: Vec<InputError>,
    /// Warnings.
    pub warnings: Vec<Warning>,
    /// Unwaived findings per severity.
    pub by_severity: BTreeMap<Severity, u64>,
    /// Waived findings.
    pub waived: u64,
}

impl Summary {
    /// Counts a finding.
    pub fn count(&mut self, f: &Finding) {
        if f.waived.is_some() {
            self.waived += 1;
        } else {
            *self.by_severity.entry(f.severity).or_default() += 1;
        }
    }

    /// Unwaived findings at or above `threshold`.
    pub fn at_or_above(&self, threshold: Severity) -> u64 {
        self.by_severity.range(threshold..).map(|(_, n)| *n).sum()
    }

    /// All unwaived findings.
    pub fn total(&self) -> u64 {
        self.by_severity.values().sum()
    }
}
