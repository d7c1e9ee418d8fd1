//! Kubernetes audit throughput (`cargo bench -p moat-runtime --bench audit`): the 48
//! rules of the k8saudit plugin (`../shared/runtime-rules/k8saudit-plugin`) against a
//! 20,000-line log cycling through the 53 real audit events of the k8s-audit tests,
//! parse + evaluate + alert rendering, as `moat audit` does. Skipped when `../shared`
//! is absent.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use moat_runtime::{Engine, load_rules_files, run_audit};

const LINES: usize = 20_000;

fn bench(c: &mut Criterion) {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/runtime-rules");
    let rules = shared.join("k8saudit-plugin/k8s_audit_rules.yaml");
    let Ok(dir) = std::fs::read_dir(shared.join("k8s-audit-tests/events")) else {
        return;
    };
    let mut events: Vec<String> = Vec::new();
    let mut paths: Vec<_> = dir.map(|e| e.unwrap().path()).collect();
    paths.sort();
    for p in paths {
        let text = std::fs::read_to_string(&p).unwrap();
        events.extend(
            text.lines()
                .filter(|l| l.contains("\"kind\":\"Event\"") || l.contains("\"kind\": \"Event\""))
                .map(str::to_string),
        );
    }
    let mut log = String::new();
    for l in events.iter().cycle().take(LINES) {
        log.push_str(l);
        log.push('\n');
    }
    let compiled = load_rules_files(&[rules]);
    let engine = Engine::new(&compiled, false).unwrap();
    let mut g = c.benchmark_group("k8s_audit");
    g.throughput(Throughput::Elements(LINES as u64));
    g.bench_function("parse_evaluate_20k_events", |b| {
        b.iter(|| {
            let mut alerts = 0u64;
            let stats = run_audit(
                &engine,
                &mut log.as_bytes(),
                &mut |a| alerts += u64::from(!a.output.is_empty()),
                &mut |_| {},
            )
            .unwrap();
            black_box((stats, alerts))
        });
    });
    g.bench_function("parse_only_20k_events", |b| {
        b.iter(|| {
            let mut n = 0u64;
            for l in log.lines() {
                black_box(moat_runtime::k8s::parse_line(l, &mut n, "h").unwrap());
            }
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
