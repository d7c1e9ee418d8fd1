//! SARIF 2.1.0: one rule per enabled check (with help text and framework tags), one
//! result per finding at its real line and column, waived findings as `suppressions`,
//! input errors as tool execution notifications.
//!
//! Findings with a specific rule ([`Finding::rule`], one per vulnerability ID) report under
//! it: its rule follows the checks' rules in `tool.driver.rules` (advisory summary and
//! details, `helpUri`, `security-severity` from the CVSS score, the other IDs as tags,
//! `properties.check` naming the check), and the result's `ruleId` is the vulnerability ID
//! with the check's ID in `properties.check`.

use std::io::{self, Write};

use moat_core::{CheckMeta, Finding, Severity, SpecificRule, Summary};
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

/// The rule of one vulnerability (or other instance of a check).
fn specific_rule(r: &SpecificRule) -> Value {
    let score = r.score.map_or_else(
        || security_severity(r.severity).to_owned(),
        |s| format!("{s:.1}"),
    );
    let mut tags: Vec<&str> = vec!["security", "vulnerability"];
    tags.extend(r.tags.iter().map(String::as_str));
    json!({
        "id": r.id,
        "shortDescription": {"text": r.short_description},
        "fullDescription": {"text": r.full_description},
        "helpUri": r.help_uri,
        "help": {
            "text": format!("{}\n\n{}", r.full_description, r.help_uri),
            "markdown": format!("{}\n\n<{}>", r.full_description, r.help_uri),
        },
        "defaultConfiguration": {"level": level(r.severity)},
        "properties": {
            "tags": tags,
            "precision": "very-high",
            "security-severity": score,
            "check": r.check,
        }
    })
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
    let rule_id = f.rule.as_ref().map_or(&*f.check_id, |r| r.id.as_str());
    let mut r = json!({
        "ruleId": rule_id,
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
        if f.rule.is_some()
            && let Some(Value::Object(p)) = o.get_mut("properties")
        {
            p.insert("check".into(), json!(f.check_id));
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
        let mut rules: Vec<Value> = self.info.checks.iter().map(|m| rule(m)).collect();
        rules.extend(self.info.rules.iter().map(specific_rule));
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
            let idx = match &f.rule {
                Some(r) => self
                    .info
                    .rules
                    .iter()
                    .position(|x| x.id == r.id)
                    .map(|i| self.info.checks.len() + i),
                None => self.info.checks.iter().position(|m| m.id == f.check_id),
            };
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::{Renderer, ResourceResult, RunInfo, specific_rules};
    use moat_core::{Finding, ResourceRef, SpecificRule, Summary};

    static CHECK: CheckMeta = CheckMeta {
        id: "MOAT-760",
        name: "vulnerable-package",
        severity: Severity::High,
        title: "Package with a known vulnerability",
        rationale: "r",
        remediation: "upgrade",
        fix_example: "",
        references: &[],
        frameworks: &[],
    };

    fn vuln(id: &str, score: Option<f64>, package: &str) -> Finding {
        let mut f = Finding::from_meta(&CHECK, format!("{id}: {package} 1.0 → 1.1"));
        f.severity = Severity::Critical;
        f.resource = ResourceRef {
            api_version: "cargo".into(),
            kind: "Package".into(),
            namespace: None,
            name: Some(format!("{package} 1.0")),
        };
        f.location.file = "/usr/bin/app".into();
        f.location.path = format!("pkg:cargo/{package}@1.0");
        f.rule = Some(Box::new(SpecificRule {
            id: id.into(),
            check: "MOAT-760".into(),
            short_description: format!("{id} summary"),
            full_description: format!("{id} details"),
            help_uri: format!("https://osv.dev/vulnerability/{id}"),
            severity: Severity::Critical,
            score,
            tags: vec!["GHSA-xxxx-yyyy-zzzz".into()],
        }));
        f
    }

    fn render(findings: Vec<Finding>) -> Value {
        let mut out = Vec::new();
        let info = RunInfo {
            version: "0.0.0".into(),
            checks: vec![&CHECK],
            show_waived: false,
            color: false,
            rules: specific_rules(&findings),
        };
        let mut r = Sarif::new(Box::new(&mut out), info);
        r.begin().unwrap();
        r.resource(&ResourceResult {
            resource: findings[0].resource.clone(),
            file: findings[0].location.file.clone(),
            line: 0,
            checks_run: vec!["MOAT-760"],
            findings,
        })
        .unwrap();
        r.finish(&Summary::default()).unwrap();
        drop(r);
        let v: Value = serde_json::from_slice(&out).unwrap();
        let schema_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/schemas/sarif-2.1.0/sarif-schema-2.1.0.json");
        let schema: Value =
            serde_json::from_str(&std::fs::read_to_string(&schema_path).unwrap()).unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        let errors: Vec<String> = validator.iter_errors(&v).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:?}");
        v
    }

    #[test]
    fn one_rule_per_vulnerability_and_results_under_it() {
        let v = render(vec![
            vuln("CVE-2021-25900", Some(9.8), "smallvec"),
            vuln("RUSTSEC-2020-0001", None, "smallvec"),
            vuln("CVE-2021-25900", Some(9.8), "smallvec-fork"),
        ]);
        let run = &v["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["MOAT-760", "CVE-2021-25900", "RUSTSEC-2020-0001"]);
        let cve = &rules[1];
        assert_eq!(cve["properties"]["security-severity"], "9.8");
        assert_eq!(cve["properties"]["check"], "MOAT-760");
        assert_eq!(cve["shortDescription"]["text"], "CVE-2021-25900 summary");
        assert_eq!(cve["fullDescription"]["text"], "CVE-2021-25900 details");
        assert_eq!(
            cve["helpUri"],
            "https://osv.dev/vulnerability/CVE-2021-25900"
        );
        let tags = cve["properties"]["tags"].as_array().unwrap();
        assert!(tags.iter().any(|t| t == "GHSA-xxxx-yyyy-zzzz"), "{tags:?}");
        // Without a CVSS score, the severity's usual figure.
        assert_eq!(rules[2]["properties"]["security-severity"], "9.5");
        let results = run["results"].as_array().unwrap();
        let refs: Vec<(&str, u64)> = results
            .iter()
            .map(|r| {
                assert_eq!(r["properties"]["check"], "MOAT-760");
                (
                    r["ruleId"].as_str().unwrap(),
                    r["ruleIndex"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            refs,
            [
                ("CVE-2021-25900", 1),
                ("RUSTSEC-2020-0001", 2),
                ("CVE-2021-25900", 1)
            ]
        );
    }

    #[test]
    fn findings_without_a_specific_rule_use_the_check() {
        let mut f = vuln("CVE-2021-25900", Some(9.8), "smallvec");
        f.rule = None;
        let v = render(vec![f]);
        let run = &v["runs"][0];
        assert_eq!(run["tool"]["driver"]["rules"].as_array().unwrap().len(), 1);
        assert_eq!(run["results"][0]["ruleId"], "MOAT-760");
        assert_eq!(run["results"][0]["ruleIndex"], 0);
        assert!(run["results"][0]["properties"]["check"].is_null());
    }
}
