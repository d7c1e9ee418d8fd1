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
    println!("rules files: {}/{} load with no error", files.len() - usize::from(!failures.is_empty()), files.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
