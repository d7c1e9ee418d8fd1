//! The scan path of the coverage findings (`inventory::COVERAGE`: observe every resource,
//! conclude once) reports exactly what `coverage::findings` reports on the whole resources,
//! with the same files, lines, columns and paths: on the coverage fixture, on a few tricky
//! inputs, and on every input directory of the conformance cases in `../shared/netpol`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use moat_core::Finding;
use moat_manifest::inventory::InventoryCheck;
use moat_manifest::{LoadOptions, Resource, discover, load, load_bytes};
use moat_netpol::coverage;
use moat_netpol::inventory::COVERAGE;
use rayon::prelude::*;

fn by_inventory(resources: &[Resource]) -> Vec<Finding> {
    // Facts are made in parallel (as `moat scan` does) and concluded in input order.
    let facts: Vec<_> = resources
        .par_iter()
        .map(|r| COVERAGE.observe(r))
        .collect::<Vec<_>>()
        .into_iter()
        .flatten()
        .collect();
    COVERAGE.conclude_all(facts)
}

/// Asserts both paths agree; returns the number of findings.
fn same(label: &str, resources: &[Resource]) -> usize {
    let want = coverage::findings(resources);
    let got = by_inventory(resources);
    if got != want {
        let show = |v: &[Finding]| -> Vec<String> {
            v.iter()
                .map(|f| {
                    format!(
                        "{}:{}:{} {} {} {} {:?}",
                        f.location.file,
                        f.location.line,
                        f.location.column,
                        f.location.path,
                        f.check_id,
                        f.message,
                        f.resource
                    )
                })
                .collect()
        };
        panic!(
            "{label}: inventory findings differ\nwant: {:#?}\ngot: {:#?}",
            show(&want),
            show(&got)
        );
    }
    want.len()
}

fn load_dir(dir: &Path) -> Vec<Resource> {
    let (inputs, _) = discover(&[dir.to_path_buf()], &LoadOptions::default());
    let mut resources = Vec::new();
    for i in &inputs {
        resources.extend(load(i, &LoadOptions::default()).resources);
        if let moat_manifest::Input::File(p) = i
            && let Ok(text) = std::fs::read_to_string(p)
        {
            resources.extend(moat_netpol::input::typed_list_items(&i.name(), &text));
        }
    }
    resources
}

#[test]
fn the_coverage_fixture() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/coverage.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let lf = load_bytes("coverage.yaml", text.as_bytes());
    assert!(same("coverage.yaml", &lf.resources) >= 15);
}

#[test]
fn owned_pods_duplicates_invalid_policies_and_templates() {
    let text = r"apiVersion: v1
kind: Pod
metadata:
  name: web-1
  namespace: shop
  labels: {app: web, pod: one}
  ownerReferences: [{kind: ReplicaSet, name: web-rs, controller: true}]
spec:
  containers: [{name: c, ports: [{name: http, containerPort: 8080}]}]
---
apiVersion: v1
kind: Pod
metadata:
  name: web-2
  namespace: shop
  labels: {app: web, pod: two}
  ownerReferences: [{kind: ReplicaSet, name: web-rs, controller: true}]
spec:
  containers: [{name: c, ports: [{name: http, containerPort: 8080}]}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  jobTemplate:
    spec:
      template:
        metadata: {labels: {app: nightly}}
        spec: {containers: [{name: c}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: np, namespace: shop}
spec:
  podSelector: {matchLabels: {pod: one}}
  ingress:
  - from: [{ipBlock: {cidr: 10.0.0.0/40}}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: np, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress, Egress]
  ingress:
  - ports: [{port: http}, {port: metrics, protocol: UDP}]
  egress:
  - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: np, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress]
---
apiVersion: v1
kind: Namespace
metadata: {name: default, labels: {env: prod}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: coredns, namespace: kube-system}
spec:
  template:
    metadata: {labels: {k8s-app: kube-dns}}
    spec: {containers: [{name: c, ports: [{containerPort: 53, protocol: UDP}]}]}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec:
  subject: {namespaces: {matchLabels: {env: prod}}}
  ingress:
  - {name: deny, action: Deny, from: [{namespaces: {}}]}
";
    let lf = load_bytes("tricky.yaml", text.as_bytes());
    assert!(lf.errors.is_empty(), "{:?}", lf.errors);
    assert!(same("tricky.yaml", &lf.resources) >= 5);
}

#[test]
fn no_input_no_finding() {
    assert!(by_inventory(&[]).is_empty());
    let lf = load_bytes(
        "cm.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
    );
    assert!(by_inventory(&lf.resources).is_empty());
}

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/netpol")
}

#[test]
fn every_conformance_input() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(shared().join("netpol-analyzer/tests"))
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    if dirs.is_empty() {
        // `../shared` is not checked out beside the repository.
        return;
    }
    dirs.push(shared().join("policy-assistant"));
    let results: Vec<(usize, usize)> = dirs
        .par_iter()
        .map(|d| {
            let resources = load_dir(d);
            (resources.len(), same(&d.display().to_string(), &resources))
        })
        .collect();
    let (resources, findings) = results.iter().fold((0, 0), |(r, f), (a, b)| (r + a, f + b));
    assert!(resources > 1000, "{resources} resources");
    assert!(findings > 500, "{findings} findings");
}
