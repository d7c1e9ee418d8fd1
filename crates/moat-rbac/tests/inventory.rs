//! The scan path of the RBAC risks (`inventory::RISKS`: observe every resource, keeping
//! pruned copies, conclude once) reports exactly what `moat_rbac::findings` reports on the
//! whole resources — same checks, messages, files, lines, columns and paths — on every
//! directory of `../shared/rbac` and on all of it at once.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use moat_core::Finding;
use moat_manifest::inventory::InventoryCheck;
use moat_manifest::{LoadOptions, Resource, discover, load};
use moat_rbac::Options;
use moat_rbac::inventory::RISKS;
use rayon::prelude::*;

fn key(f: &Finding) -> String {
    format!(
        "{}:{}:{} {} {} {:?} {} {:?}",
        f.location.file,
        f.location.line,
        f.location.column,
        f.location.path,
        f.check_id,
        f.severity,
        f.message,
        f.resource
    )
}

/// Asserts both paths agree; returns the number of findings.
fn same(label: &str, resources: &[Resource]) -> usize {
    let mut want: Vec<String> = moat_rbac::findings(resources, &Options::default())
        .iter()
        .map(key)
        .collect();
    // Facts are made in parallel (as `moat scan` does) and concluded in input order.
    let facts: Vec<_> = resources
        .par_iter()
        .map(|r| RISKS.observe(r))
        .collect::<Vec<_>>()
        .into_iter()
        .flatten()
        .collect();
    let got_findings = RISKS.conclude_all(facts);
    // A resource's findings come together, resources in file and line order.
    let order: Vec<(&str, u32)> = got_findings
        .iter()
        .map(|f| (f.location.file.as_str(), f.location.line))
        .collect();
    assert!(
        order.is_sorted(),
        "{label}: findings not in file/line order"
    );
    let mut got: Vec<String> = got_findings.iter().map(key).collect();
    want.sort();
    got.sort();
    assert_eq!(got, want, "{label}: inventory findings differ");
    want.len()
}

fn load_paths(paths: &[PathBuf]) -> Vec<Resource> {
    let (inputs, _) = discover(paths, &LoadOptions::default());
    inputs
        .iter()
        .flat_map(|i| load(i, &LoadOptions::default()).resources)
        .collect()
}

fn dirs_with_manifests(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut has = false;
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            dirs_with_manifests(&p, out);
        } else if p
            .extension()
            .is_some_and(|x| x == "yaml" || x == "yml" || x == "json")
        {
            has = true;
        }
    }
    if has {
        out.push(dir.to_path_buf());
    }
}

#[test]
fn scan_path_reports_what_the_analysis_reports() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/rbac");
    let mut dirs = Vec::new();
    dirs_with_manifests(&root, &mut dirs);
    dirs.sort();
    assert!(
        dirs.len() >= 3,
        "conformance data missing under {}",
        root.display()
    );
    let mut total = 0;
    for d in &dirs {
        let files: Vec<PathBuf> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .collect();
        total += same(&d.display().to_string(), &load_paths(&files));
    }
    let all = same("all of ../shared/rbac", &load_paths(&[root]));
    assert!(
        total > 0 && all > 0,
        "no findings at all: the comparison proves nothing"
    );
}
