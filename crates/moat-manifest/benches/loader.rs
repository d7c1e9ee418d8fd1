//! Loader throughput (`cargo bench -p moat-manifest --bench loader`).
//!
//! - `generated_1mb`: one ~1 MB multi-document stream of Deployment, Service and
//!   `ConfigMap` objects built in-process, so the bench always runs.
//! - `shared_corpus/*`: the real-world manifests under `../shared/corpus/manifests`
//!   (all files, and the largest single file), when that directory exists.

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use moat_manifest::{Input, LoadOptions, discover, load_bytes};

/// About `target` bytes of `---`-separated documents.
fn generated_stream(target: usize) -> String {
    let mut s = String::with_capacity(target + 4096);
    let mut i = 0usize;
    while s.len() < target {
        let name = format!("app-{i}");
        let _ = write!(
            s,
            "---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: team-{ns}
  labels:
    app.kubernetes.io/name: {name}
    app.kubernetes.io/version: \"1.{i}.0\"
  annotations:
    prometheus.io/scrape: \"true\"
spec:
  replicas: {replicas}
  selector:
    matchLabels:
      app.kubernetes.io/name: {name}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {name}
    spec:
      securityContext:
        runAsNonRoot: true
        seccompProfile: {{type: RuntimeDefault}}
      containers:
      - name: main
        image: registry.example.com/{name}:1.{i}.0
        args: [\"--port=8080\", \"--log-level=info\"]
        ports:
        - {{name: http, containerPort: 8080}}
        env:
        - name: LOG_LEVEL
          value: info
        - name: DATABASE_URL
          valueFrom:
            secretKeyRef: {{name: {name}-db, key: url}}
        resources:
          requests: {{cpu: 100m, memory: 128Mi}}
          limits: {{memory: 256Mi}}
        livenessProbe:
          httpGet: {{path: /healthz, port: http}}
        securityContext:
          allowPrivilegeEscalation: {escalate}
          readOnlyRootFilesystem: true
          capabilities:
            drop: [ALL]
        volumeMounts:
        - name: config
          mountPath: /etc/app
      volumes:
      - name: config
        configMap:
          name: {name}-config
---
apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: team-{ns}
spec:
  selector:
    app.kubernetes.io/name: {name}
  ports:
  - name: http
    port: 80
    targetPort: http
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}-config
  namespace: team-{ns}
data:
  config.yaml: |
",
            ns = i % 7,
            replicas = 1 + i % 4,
            escalate = i.is_multiple_of(5),
        );
        for line in 0..24 {
            let _ = writeln!(
                s,
                "    upstream_{line}: http://svc-{line}.team-{}.svc:8080/v1 # route {line}",
                i % 7
            );
        }
        i += 1;
    }
    s
}

fn bench_generated(c: &mut Criterion) {
    let text = generated_stream(1 << 20);
    assert!(
        !load_bytes("gen.yaml", text.as_bytes()).resources.is_empty(),
        "the generated stream must load"
    );
    let mut g = c.benchmark_group("load_bytes");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("generated_1mb", |b| {
        b.iter(|| load_bytes("gen.yaml", black_box(text.as_bytes())));
    });
    g.finish();
}

fn bench_shared_corpus(c: &mut Criterion) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/manifests");
    if !dir.is_dir() {
        return;
    }
    let (inputs, _) = discover(&[dir], &LoadOptions::default());
    let files: Vec<(String, Vec<u8>)> = inputs
        .iter()
        .filter_map(|i| match i {
            Input::File(p) => std::fs::read(p).ok().map(|b| (p.display().to_string(), b)),
            Input::Stdin => None,
        })
        .collect();
    let Some(largest) = files.iter().max_by_key(|(_, b)| b.len()) else {
        return;
    };
    let total: usize = files.iter().map(|(_, b)| b.len()).sum();

    let mut g = c.benchmark_group("shared_corpus");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(total as u64));
    g.bench_function(format!("all_{}_files", files.len()), |b| {
        b.iter(|| {
            files
                .iter()
                .map(|(name, bytes)| load_bytes(name, black_box(bytes)).resources.len())
                .sum::<usize>()
        });
    });
    g.throughput(Throughput::Bytes(largest.1.len() as u64));
    g.bench_function("largest_file", |b| {
        b.iter(|| load_bytes(&largest.0, black_box(&largest.1)));
    });
    g.finish();
}

criterion_group!(benches, bench_generated, bench_shared_corpus);
criterion_main!(benches);
