//! Pod evaluations per second at `restricted:latest` (and baseline), on pods parsed once
//! and held in memory. Target: at least 1M evaluations/s on one core.
//!
//! `cargo bench -p moat-pss --bench evaluate`

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::many_single_char_names
)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use moat_manifest::{PodSpecView, Resource, load_bytes};
use moat_pss::{Level, Version, allowed, evaluate};

/// A hardened Deployment: init + two containers, probes, volumes; passes restricted.
const HARDENED: &str = r"apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: prod}
spec:
  template:
    metadata:
      labels: {app: web}
      annotations: {prometheus.io/scrape: 'true'}
    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        seccompProfile: {type: RuntimeDefault}
      initContainers:
      - name: migrate
        image: registry.example/web:1.2.3
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities: {drop: [ALL]}
      containers:
      - name: web
        image: registry.example/web:1.2.3
        ports: [{containerPort: 8080, name: http}]
        livenessProbe: {httpGet: {path: /healthz, port: http}}
        readinessProbe: {httpGet: {path: /ready, port: http}}
        resources: {limits: {cpu: 500m, memory: 256Mi}}
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}
        volumeMounts: [{name: tmp, mountPath: /tmp}, {name: cfg, mountPath: /etc/web}]
      - name: sidecar
        image: registry.example/proxy:2.0
        securityContext:
          allowPrivilegeEscalation: false
          capabilities: {drop: [ALL]}
      volumes:
      - {name: tmp, emptyDir: {}}
      - {name: cfg, configMap: {name: web}}
";

/// What `kubectl create deployment` produces: fails several restricted checks.
const DEFAULT: &str = r"apiVersion: apps/v1
kind: Deployment
metadata: {name: nginx}
spec:
  template:
    spec:
      containers:
      - name: nginx
        image: nginx
        ports: [{containerPort: 80}]
";

/// Fails baseline too: privileged, host namespaces, hostPath.
const HOSTILE: &str = r"apiVersion: v1
kind: Pod
metadata: {name: root}
spec:
  hostPID: true
  hostNetwork: true
  containers:
  - name: shell
    image: alpine
    securityContext: {privileged: true, capabilities: {add: [SYS_ADMIN]}}
  volumes:
  - {name: host, hostPath: {path: /}}
";

fn resource(yaml: &str) -> Resource {
    load_bytes("bench.yaml", yaml.as_bytes())
        .resources
        .into_iter()
        .next()
        .expect("one resource")
}

fn bench(c: &mut Criterion) {
    let hardened = resource(HARDENED);
    let default = resource(DEFAULT);
    let hostile = resource(HOSTILE);
    let h = PodSpecView::of(&hardened).expect("workload");
    let d = PodSpecView::of(&default).expect("workload");
    let x = PodSpecView::of(&hostile).expect("workload");
    assert!(evaluate(&h, Level::Restricted, Version::Latest).is_empty());

    let mut g = c.benchmark_group("pss");
    g.throughput(Throughput::Elements(1));
    g.bench_function("restricted_latest/allowed_pod", |b| {
        b.iter(|| evaluate(black_box(&h), Level::Restricted, Version::Latest));
    });
    g.bench_function("restricted_latest/denied_pod", |b| {
        b.iter(|| evaluate(black_box(&d), Level::Restricted, Version::Latest));
    });
    g.bench_function("restricted_latest/hostile_pod", |b| {
        b.iter(|| evaluate(black_box(&x), Level::Restricted, Version::Latest));
    });
    g.bench_function("restricted_latest/verdict_only", |b| {
        b.iter(|| allowed(black_box(&d), Level::Restricted, Version::Latest));
    });
    g.bench_function("baseline_latest/allowed_pod", |b| {
        b.iter(|| evaluate(black_box(&h), Level::Baseline, Version::Latest));
    });
    g.bench_function("restricted_v1.18/allowed_pod", |b| {
        b.iter(|| evaluate(black_box(&h), Level::Restricted, Version::V1(18)));
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
