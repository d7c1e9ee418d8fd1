//! Conformance against `../shared/runtime-rules`: the Falco rules files load and compile,
//! the rules-language cases of Falco's legacy test suite that need no capture pass, and
//! the 66 Kubernetes audit cases of falcosecurity/testing pass. Prints a tally.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use moat_manifest::yaml::parse_stream;
use moat_manifest::{Node, Value};
use moat_runtime::{Alert, Engine, Level, Priority, load_rules_files, run_audit};

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/runtime-rules")
}

fn yaml_files(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "yaml")
                && p.file_name().unwrap().to_string_lossy().starts_with(prefix)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn falco_rules_files_load_and_compile() {
    let root = shared();
    let mut files = yaml_files(&root.join("falcosecurity-rules"), "");
    files.extend(yaml_files(&root.join("k8saudit-plugin"), "k8s_audit_rules"));
    let base = root.join("k8saudit-plugin/k8s_audit_rules.yaml");
    let mut failures = Vec::new();
    for f in &files {
        // The GKE overlay extends the plugin's rules, so it loads on top of them.
        let set = if f.ends_with("k8s_audit_rules_gke.yaml") {
            vec![base.clone(), f.clone()]
        } else {
            vec![f.clone()]
        };
        let c = load_rules_files(&set);
        let errors: Vec<String> = c
            .diagnostics
            .iter()
            .filter(|d| d.level == Level::Error)
            .map(ToString::to_string)
            .collect();
        let warnings = c.diagnostics.len() - errors.len();
        println!(
            "{}: {} rules compiled, {} skipped (other source), {} errors, {} warnings",
            f.file_name().unwrap().to_string_lossy(),
            c.rules.len(),
            c.skipped_sources.len(),
            errors.len(),
            warnings
        );
        failures.extend(errors);
    }
    println!(
        "rules files: {}/{} load with no error",
        files.len() - usize::from(!failures.is_empty()),
        files.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn yaml(path: &Path) -> Node {
    let text = std::fs::read_to_string(path).unwrap();
    let parsed = parse_stream(&text);
    assert!(
        parsed.errors.is_empty(),
        "{}: {:?}",
        path.display(),
        parsed.errors
    );
    parsed.docs.into_iter().next().unwrap().root.unwrap()
}

fn strs(n: Option<&Node>) -> Vec<String> {
    n.map(|n| {
        n.items()
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect()
    })
    .unwrap_or_default()
}

/// Runs one audit case; returns the mismatches.
fn run_k8s_case(dir: &Path, case: &Node) -> Vec<String> {
    let rules: Vec<PathBuf> = strs(case.get("rules_files"))
        .iter()
        .map(|r| dir.join(r))
        .collect();
    let compiled = load_rules_files(&rules);
    let engine = match Engine::new(&compiled, false) {
        Ok(e) => e,
        Err(e) => return vec![format!("rules did not load: {:?}", e.errors)],
    };
    let event_file = dir.join(case.get("event_file").and_then(Node::as_str).unwrap());
    let mut reader = std::io::BufReader::new(std::fs::File::open(&event_file).unwrap());
    let mut alerts: Vec<Alert> = Vec::new();
    let mut bad = Vec::new();
    let run = run_audit(&engine, &mut reader, &mut |a| alerts.push(a), &mut |b| {
        bad.push(b);
    });
    let mut problems = Vec::new();
    // Falco's exit code: 0 when the rules load and the stream is read to its end
    // (unusable lines are reported, not fatal).
    let exit_code = i64::from(run.is_err());
    let expect = case.get("expect").unwrap();
    if let Some(want) = expect.get("exit_code").and_then(Node::as_i64)
        && want != exit_code
    {
        problems.push(format!("exit code {exit_code}, want {want}"));
    }
    if let Some(any) = expect.get("any_detection").and_then(Node::as_bool)
        && any == alerts.is_empty()
    {
        problems.push(format!("any_detection {}, want {any}", !alerts.is_empty()));
    }
    for p in strs(expect.get("priority_nonzero")) {
        let p = Priority::parse(&p).unwrap();
        if !alerts.iter().any(|a| a.priority == p) {
            problems.push(format!("no alert of priority {p}"));
        }
    }
    for p in strs(expect.get("priority_zero")) {
        let p = Priority::parse(&p).unwrap();
        if alerts.iter().any(|a| a.priority == p) {
            problems.push(format!("unexpected alert of priority {p}"));
        }
    }
    if let Some(counts) = expect.get("rule_counts") {
        for e in counts.entries() {
            let want = usize::try_from(e.value.as_i64().unwrap()).unwrap();
            let got = alerts.iter().filter(|a| a.rule == e.key).count();
            if got != want {
                problems.push(format!("rule '{}' fired {got} times, want {want}", e.key));
            }
        }
    }
    if let Some(re) = expect.get("stderr_regexp").and_then(Node::as_str) {
        let re = regex::Regex::new(re).unwrap();
        if !bad.iter().any(|b| re.is_match(&b.message)) {
            problems.push(format!("no input error matching /{re}/ (got {bad:?})"));
        }
    } else if !bad.is_empty() {
        problems.push(format!("unexpected input errors {bad:?}"));
    }
    if !problems.is_empty() {
        let fired: BTreeMap<&str, usize> = alerts.iter().fold(BTreeMap::new(), |mut m, a| {
            *m.entry(a.rule.as_str()).or_default() += 1;
            m
        });
        problems.push(format!("alerts: {fired:?}"));
    }
    problems
}

#[test]
fn k8s_audit_expectations() {
    let dir = shared().join("k8s-audit-tests");
    let cases = yaml(&dir.join("expectations.yaml"));
    let mut failed = Vec::new();
    for case in cases.items() {
        let name = case.get("name").and_then(Node::as_str).unwrap();
        let problems = run_k8s_case(&dir, case);
        if !problems.is_empty() {
            failed.push(format!("{name}: {}", problems.join("; ")));
        }
    }
    let total = cases.items().len();
    println!("k8s audit cases: {}/{total} pass", total - failed.len());
    assert_eq!(total, 66);
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

/// Whether `want` (an expected error or warning of the legacy suite) was reported; the
/// second value says whether the message matched too (exactly or by `message_contains`).
fn find_diag(diags: &[moat_runtime::Diagnostic], level: Level, want: &Node) -> (bool, bool) {
    let s = |k: &str| {
        want.get(k)
            .and_then(Node::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let (item_type, item_name, code) = (s("item_type"), s("item_name"), s("code"));
    let mut found = (false, false);
    for d in diags.iter().filter(|d| d.level == level) {
        if d.code == code && d.item_type == item_type && d.item_name == item_name {
            let msg_ok = match want.get("message").and_then(Node::as_str) {
                Some(m) => d.message == m,
                None => d.message.contains(&s("message_contains")),
            };
            found = (true, found.1 || msg_ok);
        }
    }
    found
}

#[test]
fn falco_legacy_validate_cases() {
    legacy_validate_cases("falco_tests.yaml", 31);
}

#[test]
fn falco_legacy_exceptions_validate_cases() {
    legacy_validate_cases("falco_tests_exceptions.yaml", 10);
}

/// Runs the rules-validation cases of one legacy suite file (`want` of them).
fn legacy_validate_cases(suite: &str, want: usize) {
    let dir = shared().join("falco-legacy-tests");
    let root = yaml(&dir.join(suite));
    let cases = root.get("trace_files").unwrap();
    let (mut passed, mut messages, mut expected_messages) = (0, 0, 0);
    let mut failed = Vec::new();
    let mut skipped = Vec::new();
    for case in cases.entries() {
        let Some(files) = case.value.get("validate_rules_file") else {
            let trace = case
                .value
                .get("trace_file")
                .and_then(Node::as_str)
                .unwrap_or("a capture");
            skipped.push(format!(
                "{} (needs {trace}; syscall captures are not available)",
                case.key
            ));
            continue;
        };
        let files: Vec<PathBuf> = match &files.value {
            Value::Str(f) => vec![dir.join(f)],
            _ => strs(Some(files)).iter().map(|f| dir.join(f)).collect(),
        };
        let c = load_rules_files(&files);
        let mut problems = Vec::new();
        let errors = case
            .value
            .get("validate_errors")
            .map(Node::items)
            .unwrap_or_default();
        for want in errors {
            let (found, msg) = find_diag(&c.diagnostics, Level::Error, want);
            expected_messages += 1;
            messages += usize::from(msg);
            if !found {
                problems.push(format!("missing error {want:?}"));
            }
        }
        let warnings = case
            .value
            .get("validate_warnings")
            .map(Node::items)
            .unwrap_or_default();
        for want in warnings {
            let (found, msg) = find_diag(&c.diagnostics, Level::Warning, want);
            expected_messages += 1;
            messages += usize::from(msg);
            if !found {
                problems.push(format!("missing warning {want:?}"));
            }
        }
        // No warning of an expected code beyond the expected ones (e.g. LOAD_NO_EVTTYPE).
        for d in c.diagnostics.iter().filter(|d| d.level == Level::Warning) {
            let listed_code = warnings
                .iter()
                .any(|w| w.get("code").and_then(Node::as_str) == Some(d.code));
            let listed = warnings.iter().any(|w| {
                w.get("code").and_then(Node::as_str) == Some(d.code)
                    && w.get("item_name").and_then(Node::as_str) == Some(d.item_name.as_str())
            });
            if listed_code && !listed {
                problems.push(format!("unexpected warning {d}"));
            }
        }
        let want_errors = case
            .value
            .get("exit_status")
            .and_then(Node::as_i64)
            .unwrap_or(0)
            != 0;
        if c.has_errors() != want_errors {
            problems.push(format!(
                "errors reported: {}, expected: {want_errors}: {:?}",
                c.has_errors(),
                c.diagnostics
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
            ));
        }
        if problems.is_empty() {
            passed += 1;
        } else {
            failed.push(format!("{}: {}", case.key, problems.join("; ")));
        }
    }
    println!(
        "{suite} validate cases: {passed}/{} pass ({messages}/{expected_messages} messages identical to Falco's)",
        passed + failed.len()
    );
    println!("skipped {} trace-based cases:", skipped.len());
    for s in &skipped {
        println!("  skipped: {s}");
    }
    assert_eq!(passed + failed.len(), want);
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}
