//! SARIF 2.1.0: one rule per enabled check (with help text and framework tags), one
//! result per finding at its real line and column, waived findings as `suppressions`,
//! input errors as tool execution notifications.

use std::io::{self, Write};

use moat_core::{CheckMeta, Finding, Severity, Summary};
use serde_json::{Value, json};

use crate::{Renderer, ResourceResult, RunInfo};

/// Schema URI written into the log.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// SARIF renderer.
pub struct Sarif<'w> {
    out: Box<dyn Write + 'w>,
    info: RunInfo,
    first: bool,
}

impl<'w> Sarif<'w> {
    /// A SARIF renderer writing to `out`.
    pub fn new(out: Box<dyn Write + 'w>, info: RunInfo) -> Self {
        Sarif {
            out,
            info,
            first: true,
        }
    }
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's `security-severity` score for a severity.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// File path as a SARIF URI reference (relative paths stay relative).
fn uri(file: &str) -> String {
    if file == "<stdin>" {
        return "stdin".to_owned();
    }
    let mut s = String::with_capacity(file.len());
    for ch in file.chars() {
        match ch {
            '\\' => s.push('/'),
            ' ' => s.push_str("%20"),
            '%' => s.push_str("%25"),
            '#' => s.push_str("%23"),
            '?' => s.push_str("%3F"),
            _ => s.push(ch),
        }
    }
    s
}

fn rule(m: &CheckMeta) -> Value {
    let mut help = format!("{}\n\nFix:\n{}", m.remediation, m.fix_example);
    if !m.references.is_empty() {
        help.push_str("\nReferences:\n");
        for r in m.references {
            help.push_str("- ");
            help.push_str(r);
            help.push('\n');
        }
    }
    let markdown = format!(
        "{}\n\n**Fix**\n\n```{}\n{}```\n\n{}",
        m.remediation,
        m.fix_language(),
        m.fix_example,
        m.references
            .iter()
            .map(|r| format!("- <{r}>"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let domain = if m.fix_language() == "dockerfile" {
        "dockerfile"
    } else {
        "kubernetes"
    };
    let mut tags: Vec<&str> = vec!["security", domain];
    tags.extend(m.frameworks.iter().copied());
    let mut r = json!({
        "id": m.id,
        "name": m.name,
        "shortDescription": {"text": m.title},
        "fullDescription": {"text": m.rationale},
        "help": {"text": help, "markdown": markdown},
        "defaultConfiguration": {"level": level(m.severity)},
        "properties": {
            "tags": tags,
            "precision": "very-high",
            "security-severity": security_severity(m.severity),
        }
    });
    if let (Some(first), Some(obj)) = (m.references.first(), r.as_object_mut()) {
        obj.insert("helpUri".into(), json!(first));
    }
    r
}

fn result(f: &Finding, rule_index: Option<usize>) -> Value {
    let mut region = serde_json::Map::new();
    if f.location.line > 0 {
        region.insert("startLine".into(), json!(f.location.line));
        if f.location.column > 0 {
            region.insert("startColumn".into(), json!(f.location.column));
        }
    }
    let mut physical = json!({"artifactLocation": {"uri": uri(&f.location.file)}});
    if let (false, Some(o)) = (region.is_empty(), physical.as_object_mut()) {
        o.insert("region".into(), Value::Object(region));
    }
    let mut r = json!({
        "ruleId": f.check_id,
        "level": level(f.severity),
        "message": {"text": f.message},
        "locations": [{
            "physicalLocation": physical,
            "logicalLocations": [{
                "fullyQualifiedName": f.resource.display(),
                "kind": "resource",
            }],
        }],
        "properties": {
            "severity": f.severity.as_str(),
            "path": f.location.path,
            "resource": f.resource,
            "container": f.container,
            "frameworks": f.frameworks,
        }
    });
    if let Some(o) = r.as_object_mut() {
        if let Some(i) = rule_index {
            o.insert("ruleIndex".into(), json!(i));
        }
        if let Some(w) = &f.waived {
            let kind = if w.by == "annotation" {
                "inSource"
            } else {
                "external"
            };
            o.insert(
                "suppressions".into(),
                json!([{"kind": kind, "status": "accepted", "justification": w.reason,
                        "properties": {"by": w.by, "expires": w.expires}}]),
            );
        }
    }
    r
}

impl Renderer for Sarif<'_> {
    fn begin(&mut self) -> io::Result<()> {
        let rules: Vec<Value> = self.info.checks.iter().map(|m| rule(m)).collect();
        let driver = json!({
            "name": "moat",
            "version": self.info.version,
            "semanticVersion": self.info.version,
            "informationUri": "https://github.com/moat-sec/moat",
            "rules": rules,
        });
        write!(
            self.out,
            "{{\n  \"$schema\": \"{SCHEMA_URI}\",\n  \"version\": \"2.1.0\",\n  \"runs\": [{{\n    \"tool\": {{\"driver\": "
        )?;
        serde_json::to_writer(&mut self.out, &driver).map_err(io::Error::other)?;
        write!(
            self.out,
            "}},\n    \"columnKind\": \"unicodeCodePoints\",\n    \"results\": ["
        )
    }

    fn resource(&mut self, r: &ResourceResult) -> io::Result<()> {
        for f in &r.findings {
            let idx = self.info.checks.iter().position(|m| m.id == f.check_id);
            self.out.write_all(if self.first {
                b"\n      "
            } else {
                b",\n      "
            })?;
            self.first = false;
            serde_json::to_writer(&mut self.out, &result(f, idx)).map_err(io::Error::other)?;
        }
        Ok(())
    }

    fn finish(&mut self, s: &Summary) -> io::Result<()> {
        let notes: Vec<Value> = s
            .errors
            .iter()
            .map(|e| {
                let mut n = json!({"level": "error", "message": {"text": e.message}});
                let mut loc =
                    json!({"physicalLocation": {"artifactLocation": {"uri": uri(&e.file)}}});
                if e.line > 0 {
                    let mut region = json!({"startLine": e.line});
                    if e.column > 0 {
                        region["startColumn"] = json!(e.column);
                    }
                    loc["physicalLocation"]["region"] = region;
                }
                n["locations"] = json!([loc]);
                n
            })
            .chain(s.warnings.iter().map(|w| {
                let mut loc =
                    json!({"physicalLocation": {"artifactLocation": {"uri": uri(&w.file)}}});
                if w.line > 0 {
                    loc["physicalLocation"]["region"] = json!({"startLine": w.line});
                }
                json!({"level": "warning", "message": {"text": w.message}, "locations": [loc]})
            }))
            .collect();
        let invocation = json!([{
            "executionSuccessful": s.errors.is_empty(),
            "toolExecutionNotifications": notes,
        }]);
        self.out
            .write_all(if self.first { b"],\n" } else { b"\n    ],\n" })?;
        write!(self.out, "    \"invocations\": ")?;
        serde_json::to_writer(&mut self.out, &invocation).map_err(io::Error::other)?;
        writeln!(self.out, "\n  }}]\n}}")?;
        self.out.flush()
    }
}
