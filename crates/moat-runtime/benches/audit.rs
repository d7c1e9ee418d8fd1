//! Kubernetes audit throughput (`cargo bench -p moat-runtime --bench audit`): the 48
//! rules of the k8saudit plugin (`../shared/runtime-rules/k8saudit-plugin`), parse +
//! evaluate + alert rendering as `moat audit` does, on 20,000-line logs:
//!
//! - `test_events`: cycling through the 53 audit events of the k8s-audit tests, which
//!   were written to trigger rules (about one alert per event: the alert-heavy case);
//! - `realistic_mix`: 95% generated routine traffic (controllers and kubelets getting,
//!   listing, watching and updating objects, as an API server's log mostly holds) and 5%
//!   of the test events.
//!
//! Skipped when `../shared` is absent.

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
    let mut mix = String::new();
    let mut tests = events.iter().cycle();
    for i in 0..LINES {
        if i.is_multiple_of(20) {
            mix.push_str(tests.next().unwrap());
        } else {
            mix.push_str(&routine_event(i));
        }
        mix.push('\n');
    }
    let compiled = load_rules_files(&[rules]);
    let engine = Engine::new(&compiled, false).unwrap();
    let mut g = c.benchmark_group("k8s_audit");
    g.throughput(Throughput::Elements(LINES as u64));
    for (name, text) in [("test_events", &log), ("realistic_mix", &mix)] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut alerts = 0u64;
                let stats = run_audit(
                    &engine,
                    &mut text.as_bytes(),
                    &mut |a| alerts += u64::from(!a.output.is_empty()),
                    &mut |_| {},
                )
                .unwrap();
                black_box((stats, alerts))
            });
        });
    }
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

/// A routine API request of the kind that fills audit logs.
fn routine_event(i: usize) -> String {
    let verbs = [
        "get", "list", "watch", "update", "patch", "get", "list", "get",
    ];
    let resources = [
        ("pods", "v1", ""),
        ("configmaps", "v1", ""),
        ("leases", "v1", "coordination.k8s.io"),
        ("endpoints", "v1", ""),
        ("nodes", "v1", ""),
        ("deployments", "v1", "apps"),
    ];
    let users = [
        "system:serviceaccount:kube-system:deployment-controller",
        "system:kube-controller-manager",
        "system:node:worker-3",
        "system:kube-scheduler",
        "alice@example.com",
    ];
    let verb = verbs[i % verbs.len()];
    let (resource, version, group) = resources[i % resources.len()];
    let user = users[i % users.len()];
    let ns = ["default", "kube-system", "shop", "monitoring"][i % 4];
    format!(
        concat!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"4b1a{i:08x}-7c1e-4b8e-9a55-3c0e7d1f2a6b","#,
            r#""stage":"ResponseComplete","requestURI":"/api/v1/namespaces/{ns}/{resource}/obj-{i}","verb":"{verb}","#,
            r#""user":{{"username":"{user}","groups":["system:authenticated"]}},"sourceIPs":["10.0.{a}.{b}"],"#,
            r#""userAgent":"kube-controller-manager/v1.30.2 (linux/amd64) kubernetes/3c3fe8c","#,
            r#""objectRef":{{"resource":"{resource}","namespace":"{ns}","name":"obj-{i}","apiGroup":"{group}","apiVersion":"{version}"}},"#,
            r#""responseStatus":{{"metadata":{{}},"code":200}},"requestReceivedTimestamp":"2026-11-23T17:00:00.123456Z","#,
            r#""stageTimestamp":"2026-11-23T17:00:00.125789Z","annotations":{{"authorization.k8s.io/decision":"allow","#,
            r#""authorization.k8s.io/reason":"RBAC: allowed by ClusterRoleBinding \"system:controller\""}}}}"#
        ),
        i = i,
        ns = ns,
        resource = resource,
        verb = verb,
        user = user,
        a = i % 250,
        b = (i / 250) % 250,
        group = group,
        version = version,
    )
}

criterion_group!(benches, bench);
criterion_main!(benches);
