//! Shared by the fixture harnesses: settings and expectations read from comments.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::collections::BTreeSet;

use moat_dockerfile::{Linter, Settings, parse, rules};

/// Settings from `# moat-settings: key=value[;key=value]` comment lines.
pub fn settings(text: &str) -> Settings {
    let mut s = Settings::default();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("# moat-settings:") else {
            continue;
        };
        for kv in rest.split(';') {
            let (k, v) = kv.trim().split_once('=').unwrap();
            match k {
                "require-digest" => s.require_digest = v == "true",
                "dockerignore" => s.dockerignore = Some(v == "true"),
                "required-labels" => {
                    s.required_labels = v.split(',').map(|x| x.trim().to_owned()).collect();
                }
                other => panic!("unknown fixture setting {other}"),
            }
        }
    }
    s
}

/// `# expect: ID[, ID]` applies to the next line that is neither blank nor a comment.
pub fn expected(text: &str) -> BTreeSet<(u32, String)> {
    let mut set = BTreeSet::new();
    let mut pending: Vec<String> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("# expect:") {
            pending.extend(
                rest.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned),
            );
            continue;
        }
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let line_no = u32::try_from(i + 1).unwrap();
        for id in pending.drain(..) {
            set.insert((line_no, id));
        }
    }
    assert!(pending.is_empty(), "`# expect:` at the end of the file");
    set
}

/// Every finding of every rule on `text`, as (line, ID); parse errors fail the test.
pub fn lint(name: &str, text: &str) -> BTreeSet<(u32, String)> {
    let df = parse(text);
    assert!(df.errors.is_empty(), "{name}: {:?}", df.errors);
    Linter::new(rules::ALL.to_vec(), settings(text))
        .lint(&df)
        .into_iter()
        .map(|h| (h.pos.line, h.meta.id.to_owned()))
        .collect()
}
