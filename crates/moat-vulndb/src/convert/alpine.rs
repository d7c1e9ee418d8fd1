//! Alpine secdb (`vX.Y/main.yaml`, `main.json`, …) to records.
//!
//! A secdb file lists, for one branch (`distroversion: v3.11`), packages by origin name with
//! `secfixes: {FIXED-VERSION: [CVE-… …]}`. Each vulnerability ID becomes one record
//! `ALPINE-<ID>` (further IDs on the same line become aliases) with one `affected[]` entry
//! per (branch, package): ecosystem `Alpine:vX.Y`, ECOSYSTEM range `introduced: 0, fixed:
//! VERSION`. The same ID from several files is merged into one record at import. Secfixes
//! under version `0` ("never affected in this branch") are skipped and counted.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::model::Record;

/// The result of converting one secdb file.
#[derive(Debug, Default)]
pub struct Converted {
    /// One record per vulnerability ID.
    pub records: Vec<Record>,
    /// Entries skipped (version `0`), as `package version`.
    pub skipped: Vec<String>,
}

/// Whether a parsed document looks like a secdb file.
pub fn is_secdb(v: &Value) -> bool {
    v.get("distroversion").is_some() && v.get("packages").is_some()
}

/// Converts one parsed secdb document.
pub fn convert(v: &Value) -> Result<Converted, String> {
    let branch = v
        .get("distroversion")
        .and_then(Value::as_str)
        .ok_or("secdb without a string `distroversion`")?;
    let branch = if branch.starts_with('v') {
        branch.to_owned()
    } else {
        format!("v{branch}")
    };
    let ecosystem = format!("Alpine:{branch}");
    let packages = match v.get("packages") {
        Some(Value::Array(p)) => p.as_slice(),
        Some(Value::Null) => &[],
        _ => return Err("secdb `packages` must be a list".into()),
    };
    let mut by_id: BTreeMap<String, Record> = BTreeMap::new();
    let mut out = Converted::default();
    for (i, p) in packages.iter().enumerate() {
        let pkg = p.get("pkg").ok_or(format!("packages[{i}] without `pkg`"))?;
        let name = pkg
            .get("name")
            .and_then(Value::as_str)
            .ok_or(format!("packages[{i}] without a string `pkg.name`"))?;
        let secfixes = match pkg.get("secfixes") {
            Some(Value::Object(m)) => m,
            None | Some(Value::Null) => continue,
            Some(_) => return Err(format!("{name}: `secfixes` must be a mapping")),
        };
        for (version, ids) in secfixes {
            let version = version.trim();
            if version == "0" {
                out.skipped.push(format!("{name} 0"));
                continue;
            }
            let ids = match ids {
                Value::Array(a) => a.as_slice(),
                Value::Null => &[],
                _ => return Err(format!("{name} {version}: expected a list of IDs")),
            };
            for line in ids {
                let Some(line) = line.as_str() else {
                    return Err(format!("{name} {version}: IDs must be strings"));
                };
                let mut words = line.split_whitespace().filter(|w| !w.starts_with('('));
                let Some(primary) = words.next() else {
                    continue;
                };
                let rec = by_id.entry(primary.to_owned()).or_insert_with(|| Record {
                    id: format!("ALPINE-{primary}"),
                    aliases: vec![primary.to_owned()],
                    ..Record::default()
                });
                for w in words {
                    if !rec.aliases.iter().any(|a| a == w) {
                        rec.aliases.push(w.to_owned());
                    }
                }
                let entry = super::fixed_in(ecosystem.clone(), name, version);
                if !rec.affected.contains(&entry) {
                    rec.affected.push(entry);
                }
            }
        }
    }
    out.records = by_id.into_values().collect();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Event;

    #[test]
    fn converts_secfixes() {
        let doc = crate::yaml::parse(
            "distroversion: v3.11\nreponame: main\npackages:\n  - pkg:\n      name: xen\n      secfixes:\n        4.1.2-r0:\n          - CVE-2017-8904 XSA-214\n        \"0\":\n          - CVE-2000-1\n  - pkg:\n      name: empty\n",
        )
        .unwrap();
        assert!(is_secdb(&doc));
        let c = convert(&doc).unwrap();
        assert_eq!(c.records.len(), 1);
        let r = &c.records[0];
        assert_eq!(r.id, "ALPINE-CVE-2017-8904");
        assert_eq!(r.aliases, vec!["CVE-2017-8904", "XSA-214"]);
        assert_eq!(r.affected[0].package.ecosystem, "Alpine:v3.11");
        assert_eq!(
            r.affected[0].ranges[0].events[1],
            Event::Fixed("4.1.2-r0".into())
        );
        assert_eq!(c.skipped, vec!["xen 0"]);
    }
}
