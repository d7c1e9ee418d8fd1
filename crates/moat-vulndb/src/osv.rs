//! OSV records (JSON or YAML) to [`Record`]s.
//!
//! Lenient where OSV producers differ (string or number scalars, missing optional fields,
//! schema 1.2 to 1.7), strict where matching depends on it: `id` must be a string, ranges
//! need a known `type`, events must have exactly one known key with a string value.

use serde_json::Value;

use crate::model::{
    Affected, Event, MAX_DETAILS, MAX_REFERENCES, Package, Range, RangeKind, Record, Reference,
    Severity, truncate,
};

/// Parses OSV JSON bytes: one record object, or an array of them.
pub fn parse_json(bytes: &[u8]) -> Result<Vec<Record>, (Option<u32>, String)> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        (
            u32::try_from(e.line()).ok().filter(|l| *l > 0),
            format!("invalid JSON: {e}"),
        )
    })?;
    from_value(&value).map_err(|m| (None, m))
}

/// Parses OSV YAML text (one record per document).
pub fn parse_yaml(text: &str) -> Result<Vec<Record>, (Option<u32>, String)> {
    let value = crate::yaml::parse(text).map_err(|(l, m)| (Some(l), m))?;
    from_value(&value).map_err(|m| (None, m))
}

/// Converts a parsed value (object or array of objects) to records.
pub fn from_value(value: &Value) -> Result<Vec<Record>, String> {
    match value {
        Value::Array(items) => items.iter().map(record).collect(),
        Value::Object(_) => Ok(vec![record(value)?]),
        _ => Err("not an OSV record (expected a JSON/YAML object)".into()),
    }
}

/// A string, or a number written as one.
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn opt_str(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(scalar).filter(|s| !s.is_empty())
}

fn str_list(v: &Value, key: &str) -> Result<Vec<String>, String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| scalar(i).ok_or_else(|| format!("`{key}` must hold strings")))
            .collect(),
        Some(_) => Err(format!("`{key}` must be a list")),
    }
}

fn list<'a>(v: &'a Value, key: &str) -> Result<&'a [Value], String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(format!("`{key}` must be a list")),
    }
}

fn severities(v: &Value) -> Result<Vec<Severity>, String> {
    list(v, "severity")?
        .iter()
        .map(|s| {
            let kind = opt_str(s, "type").ok_or("severity entry without `type`")?;
            let score = opt_str(s, "score").ok_or("severity entry without `score`")?;
            Ok(Severity { kind, score })
        })
        .collect()
}

/// A severity word in `ecosystem_specific`/`database_specific`.
fn severity_word(v: &Value) -> Option<String> {
    ["ecosystem_specific", "database_specific"]
        .iter()
        .filter_map(|k| v.get(*k))
        .find_map(|o| {
            ["severity", "urgency", "priority"]
                .iter()
                .find_map(|f| o.get(*f).and_then(scalar))
        })
}

fn record(v: &Value) -> Result<Record, String> {
    if !v.is_object() {
        return Err("not an OSV record (expected an object)".into());
    }
    let id = match v.get("id") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_owned(),
        _ => return Err("OSV record without a string `id`".into()),
    };
    let ctx = |e: String| format!("{id}: {e}");
    let mut related = str_list(v, "related").map_err(ctx)?;
    related.extend(str_list(v, "upstream").map_err(ctx)?);
    let affected = list(v, "affected")
        .map_err(ctx)?
        .iter()
        .enumerate()
        .map(|(i, a)| affected(a).map_err(|e| format!("{id}: affected[{i}]: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let mut references = list(v, "references")
        .map_err(ctx)?
        .iter()
        .filter_map(|r| {
            Some(Reference {
                kind: opt_str(r, "type").unwrap_or_else(|| "WEB".into()),
                url: opt_str(r, "url")?,
            })
        })
        .collect::<Vec<_>>();
    references.sort_by_key(|r| r.kind != "ADVISORY");
    references.truncate(MAX_REFERENCES);
    Ok(Record {
        modified: opt_str(v, "modified"),
        published: opt_str(v, "published"),
        withdrawn: opt_str(v, "withdrawn"),
        aliases: str_list(v, "aliases").map_err(ctx)?,
        related,
        summary: opt_str(v, "summary"),
        details: opt_str(v, "details").map(|d| truncate(&d, MAX_DETAILS)),
        severity: severities(v).map_err(ctx)?,
        affected,
        references,
        database_severity: v
            .get("database_specific")
            .and_then(|d| d.get("severity"))
            .and_then(scalar),
        id,
    })
}

fn affected(a: &Value) -> Result<Affected, String> {
    let pkg = a.get("package");
    let package = match pkg {
        Some(p) if p.is_object() => Package {
            ecosystem: opt_str(p, "ecosystem").unwrap_or_default(),
            name: opt_str(p, "name").unwrap_or_default(),
            purl: opt_str(p, "purl"),
        },
        None | Some(Value::Null) => Package::default(),
        Some(_) => return Err("`package` must be an object".into()),
    };
    let ranges = list(a, "ranges")?
        .iter()
        .enumerate()
        .map(|(i, r)| range(r).map_err(|e| format!("ranges[{i}]: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Affected {
        package,
        ranges,
        versions: str_list(a, "versions")?,
        severity: severities(a)?,
        ecosystem_severity: severity_word(a),
    })
}

fn range(r: &Value) -> Result<Range, String> {
    let kind = match r.get("type").and_then(Value::as_str) {
        Some("SEMVER") => RangeKind::Semver,
        Some("ECOSYSTEM") => RangeKind::Ecosystem,
        Some("GIT") => RangeKind::Git,
        Some(other) => return Err(format!("unknown range type `{other}`")),
        None => return Err("range without `type`".into()),
    };
    if kind == RangeKind::Git {
        // Commit hashes are never compared with package versions: keep only the fact.
        return Ok(Range {
            kind,
            events: Vec::new(),
        });
    }
    let events = list(r, "events")?
        .iter()
        .map(event)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Range { kind, events })
}

fn event(e: &Value) -> Result<Event, String> {
    let Some(obj) = e.as_object() else {
        return Err("event must be an object".into());
    };
    let mut found = None;
    for (k, v) in obj {
        let make: fn(String) -> Event = match k.as_str() {
            "introduced" => Event::Introduced,
            "fixed" => Event::Fixed,
            "last_affected" => Event::LastAffected,
            "limit" => Event::Limit,
            _ => continue,
        };
        let version = scalar(v).ok_or_else(|| format!("`{k}` must be a string"))?;
        if found.is_some() {
            return Err("event with more than one of introduced/fixed/last_affected/limit".into());
        }
        found = Some(make(version));
    }
    found.ok_or_else(|| "event without introduced/fixed/last_affected/limit".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_full_record() {
        let json = br#"{
          "schema_version": "1.6.0",
          "id": "TEST-2024-1", "modified": "2024-02-01T00:00:00Z",
          "published": "2024-01-01T00:00:00Z",
          "aliases": ["CVE-2024-1", "GHSA-aaaa-bbbb-cccc"], "upstream": ["CVE-2024-0"],
          "summary": "s", "details": "d",
          "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
          "affected": [{
            "package": {"ecosystem": "PyPI", "name": "Foo_Bar", "purl": "pkg:pypi/foo-bar"},
            "ranges": [
              {"type": "GIT", "repo": "r", "events": [{"introduced": "0"}, {"fixed": "abc"}]},
              {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.2"}, {"limit": "*"}]}
            ],
            "versions": ["1.0", "1.1"],
            "ecosystem_specific": {"severity": "HIGH"}
          }],
          "references": [{"type": "WEB", "url": "w"}, {"type": "ADVISORY", "url": "a"}],
          "database_specific": {"severity": "MODERATE"}
        }"#;
        let recs = parse_json(json).unwrap();
        let r = &recs[0];
        assert_eq!(r.id, "TEST-2024-1");
        assert_eq!(r.aliases.len(), 2);
        assert_eq!(r.related, vec!["CVE-2024-0".to_owned()]);
        assert_eq!(r.references[0].url, "a");
        assert_eq!(r.database_severity.as_deref(), Some("MODERATE"));
        let a = &r.affected[0];
        assert_eq!(a.ranges[0].kind, RangeKind::Git);
        assert!(a.ranges[0].events.is_empty());
        assert_eq!(a.ranges[1].events.len(), 3);
        assert_eq!(a.ecosystem_severity.as_deref(), Some("HIGH"));
        assert_eq!(r.git_ranges(), 1);
    }

    #[test]
    fn rejects_what_matching_depends_on() {
        assert!(parse_json(b"{}").is_err());
        assert!(parse_json(b"[1]").is_err());
        let bad = br#"{"id":"X","affected":[{"ranges":[{"type":"NOPE","events":[]}]}]}"#;
        assert!(parse_json(bad).unwrap_err().1.contains("NOPE"));
        let two = br#"{"id":"X","affected":[{"ranges":[{"type":"SEMVER","events":[{"introduced":"0","fixed":"1"}]}]}]}"#;
        assert!(parse_json(two).is_err());
        let (line, _) = parse_json(b"{\n\"id\": \"X\",\n,}").unwrap_err();
        assert_eq!(line, Some(3));
    }
}
