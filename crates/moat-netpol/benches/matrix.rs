//! Connectivity-matrix throughput on a generated cluster (`cargo bench -p moat-netpol --bench matrix`).
//!
//! The cluster has 200 namespaces × 10 Deployments (2,000 workloads) and 5 `NetworkPolicies`
//! per namespace (1,000 policies: default-deny ingress and egress, intra-namespace allows
//! by label with ports, a cross-namespace allow by namespace label, egress to DNS and to
//! an ipBlock with `except`, one named port), plus one `AdminNetworkPolicy` and the baseline.
//! Issue 7 targets: full matrix < 3 s on 2 cores; one reach query < 10 ms. `exposure` is
//! the exposure analysis (`--exposure`) on top of a computed connection list.

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use moat_netpol::{Engine, Externals, Matrix, build, exposure, reach};

/// A cluster as multi-document YAML.
pub fn generated_cluster(namespaces: usize, per_ns: usize) -> String {
    let mut s = String::with_capacity(namespaces * per_ns * 700);
    for n in 0..namespaces {
        let ns = format!("team-{n}");
        let _ = write!(
            s,
            "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n  labels:\n    tier: {}\n    env: {}\n",
            ["frontend", "backend", "data"][n % 3],
            if n % 2 == 0 { "prod" } else { "dev" }
        );
        for w in 0..per_ns {
            let _ = write!(
                s,
                "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-{w}\n  namespace: {ns}\nspec:\n  template:\n    metadata:\n      labels:\n        app: app-{w}\n        role: {}\n    spec:\n      containers:\n      - name: c\n        ports:\n        - {{containerPort: {}, name: http}}\n        - {{containerPort: 9090, name: metrics}}\n",
                ["web", "api", "db", "cache", "worker"][w % 5],
                8000 + w
            );
        }
        let _ = write!(
            s,
            "---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: default-deny, namespace: {ns}}}
spec:
  podSelector: {{}}
  policyTypes: [Ingress, Egress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: web-to-api, namespace: {ns}}}
spec:
  podSelector:
    matchLabels: {{role: api}}
  ingress:
  - from:
    - podSelector:
        matchLabels: {{role: web}}
    ports:
    - {{port: http}}
    - {{port: 8000, endPort: 8009}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: api-to-data, namespace: {ns}}}
spec:
  podSelector:
    matchExpressions:
    - {{key: role, operator: In, values: [db, cache]}}
  ingress:
  - from:
    - podSelector:
        matchLabels: {{role: api}}
    - namespaceSelector:
        matchLabels: {{tier: backend}}
      podSelector:
        matchLabels: {{role: worker}}
    ports:
    - {{port: 8002}}
    - {{port: 8003}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: monitoring, namespace: {ns}}}
spec:
  podSelector: {{}}
  ingress:
  - from:
    - namespaceSelector:
        matchLabels: {{kubernetes.io/metadata.name: team-0}}
    ports:
    - {{port: metrics}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: egress, namespace: {ns}}}
spec:
  podSelector: {{}}
  policyTypes: [Egress]
  egress:
  - to:
    - namespaceSelector: {{}}
      podSelector:
        matchLabels: {{role: api}}
  - to:
    - ipBlock:
        cidr: 0.0.0.0/0
        except: [10.0.0.0/8, 192.168.{}.0/24]
    ports:
    - {{protocol: TCP, port: 443}}
    - {{protocol: UDP, port: 53}}
",
            n % 250
        );
    }
    s.push_str(
        "---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: protect-data}
spec:
  priority: 10
  subject:
    pods:
      namespaceSelector: {matchLabels: {tier: data}}
      podSelector: {matchLabels: {role: db}}
  ingress:
  - name: deny-dev
    action: Deny
    from:
    - namespaces: {matchLabels: {env: dev}}
  - name: pass-rest
    action: Pass
    from:
    - namespaces: {}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec:
  subject:
    namespaces: {}
  ingress:
  - name: deny-all
    action: Deny
    from:
    - namespaces: {}
",
    );
    s
}

fn bench(c: &mut Criterion) {
    let text = generated_cluster(200, 10);
    let lf = moat_manifest::load_bytes("cluster.yaml", text.as_bytes());
    assert!(lf.errors.is_empty(), "{:?}", lf.errors.first());
    let built = build(&lf.resources);
    assert!(built.errors.is_empty(), "{:?}", built.errors.first());
    assert_eq!(built.cluster.workloads.len(), 2000);
    assert_eq!(built.cluster.policies.len(), 1000);
    let mut g = c.benchmark_group("netpol_2k_workloads_1k_policies");
    g.sample_size(10);
    g.bench_function("build_model", |b| {
        b.iter(|| black_box(build(&lf.resources)));
    });
    g.bench_function("engine_index", |b| {
        b.iter(|| black_box(Engine::new(&built.cluster)));
    });
    let engine = Engine::new(&built.cluster);
    g.bench_function("full_matrix", |b| {
        b.iter(|| black_box(Matrix::compute(&engine, &Externals::default())));
    });
    let list = moat_netpol::connlist::connlist(&engine, &moat_netpol::connlist::Options::default());
    g.bench_function("exposure", |b| {
        b.iter(|| {
            black_box(exposure::exposure(
                &engine,
                &list,
                &exposure::Focus::default(),
            ))
        });
    });
    g.bench_function("reach_query", |b| {
        b.iter(|| {
            black_box(reach::reach(
                &engine,
                "team-7/app-0",
                "team-13/app-1",
                Some((moat_netpol::Protocol::Tcp, 8001)),
            ))
        });
    });
    g.bench_function("reach_query_with_index", |b| {
        b.iter(|| {
            let e = Engine::new(&built.cluster);
            black_box(reach::reach(&e, "team-7/app-0", "team-13/app-1", None).is_ok())
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
