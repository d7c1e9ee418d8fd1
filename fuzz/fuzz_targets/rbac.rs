//! Fuzzes the RBAC analysis with arbitrary manifests: model building (aggregation,
//! binding resolution), risks, escalation paths to a fixed point, who-can for every
//! verb × resource of the input, and blast radius of every workload.
//!
//! Beyond "never panics", it checks that every finding points inside the input and that
//! the scan path (pruned copies, `inventory::RISKS`) reports what the analysis reports.

#![no_main]

use libfuzzer_sys::fuzz_target;
use moat_manifest::inventory::InventoryCheck;
use moat_manifest::load_bytes;
use moat_rbac::{Options, blast, perms};

#[path = "common.rs"]
mod common;
use common::{count_lines, install_panic_hook};

fuzz_target!(init: install_panic_hook(), |data: &[u8]| {
    let lf = load_bytes("fuzz.yaml", data);
    if lf.resources.is_empty() {
        return;
    }
    let lines = count_lines(data);
    for builtin_roles in [false, true] {
        let opts = Options { builtin_roles };
        let a = moat_rbac::analyze(&lf.resources, &opts);
        let mut want: Vec<String> = Vec::new();
        for r in a.risks() {
            let f = r.to_finding();
            if f.location.file == "fuzz.yaml" {
                assert!(
                    f.location.line >= 1 && f.location.line <= lines,
                    "{} at line {} of {lines}",
                    f.check_id,
                    f.location.line
                );
            }
            want.push(format!("{f:?}"));
        }
        let _ = a.escalations();
        let _ = perms::who_can_all(&a.cluster);
        for id in 0..a.cluster.workloads.len() {
            let _ = blast::blast_radius(&a.cluster, &a.graph, id);
        }
        if builtin_roles {
            let facts = lf
                .resources
                .iter()
                .filter_map(|r| moat_rbac::inventory::RISKS.observe(r))
                .collect();
            let mut got: Vec<String> = moat_rbac::inventory::RISKS
                .conclude_all(facts)
                .iter()
                .map(|f| format!("{f:?}"))
                .collect();
            want.sort();
            got.sort();
            assert_eq!(got, want, "scan path differs from the analysis");
        }
    }
});
