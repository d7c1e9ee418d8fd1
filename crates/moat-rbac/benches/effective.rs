//! Effective-permission computation on a large generated cluster: 10 000 roles, 10 000
//! bindings, 50 000 workloads in 500 namespaces (the target: who-can for every
//! verb × resource pair of the input plus the escalation fixed point in < 2 s on 2
//! cores).
//!
//! `cargo bench -p moat-rbac --bench effective`
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout
)]

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use moat_rbac::{Options, analyze, perms};

const NAMESPACES: usize = 500;
const ROLES: usize = 10_000;
const BINDINGS: usize = 10_000;
const WORKLOADS: usize = 50_000;
const CLUSTER_ROLES: usize = 400;

/// A deterministic pseudo-random generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as usize
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.next() % from.len()]
    }
}

const VERBS: &[&str] = &[
    "get", "list", "watch", "create", "update", "patch", "delete",
];
const CORE: &[&str] = &[
    "pods",
    "pods/log",
    "services",
    "configmaps",
    "endpoints",
    "events",
    "persistentvolumeclaims",
    "serviceaccounts",
];
const APPS: &[&str] = &["deployments", "statefulsets", "daemonsets", "replicasets"];

/// The generated cluster as one YAML stream.
pub fn generate() -> String {
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    let mut s = String::with_capacity(64 << 20);
    let custom: Vec<String> = (0..60).map(|i| format!("widgets{i}")).collect();
    let rule = |r: &mut Rng, s: &mut String| {
        let verbs: Vec<&str> = (0..=(r.next() % 3)).map(|_| r.pick(VERBS)).collect();
        match r.next() % 10 {
            0..=4 => {
                let res: Vec<&str> = (0..=(r.next() % 3)).map(|_| r.pick(CORE)).collect();
                let _ = writeln!(
                    s,
                    "- {{apiGroups: [\"\"], resources: [{}], verbs: [{}]}}",
                    res.join(", "),
                    verbs.join(", ")
                );
            }
            5..=7 => {
                let res: Vec<&str> = (0..=(r.next() % 2)).map(|_| r.pick(APPS)).collect();
                let _ = writeln!(
                    s,
                    "- {{apiGroups: [apps], resources: [{}], verbs: [{}]}}",
                    res.join(", "),
                    verbs.join(", ")
                );
            }
            8 => {
                let c = &custom[r.next() % custom.len()];
                let _ = writeln!(
                    s,
                    "- {{apiGroups: [example.com], resources: [{c}], verbs: [{}]}}",
                    verbs.join(", ")
                );
            }
            _ => {
                // a risky one now and then
                let res = r.pick(&["secrets", "pods/exec", "serviceaccounts/token"]);
                let _ = writeln!(
                    s,
                    "- {{apiGroups: [\"\"], resources: [{res}], verbs: [get, create]}}"
                );
            }
        }
    };
    for i in 0..CLUSTER_ROLES {
        let _ = write!(
            s,
            "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: cr-{i}\n  labels: {{team: t{}}}\n",
            i % 20
        );
        if i < 20 {
            let _ = write!(
                s,
                "aggregationRule:\n  clusterRoleSelectors:\n  - matchLabels: {{team: t{}}}\n",
                (i + 1) % 20
            );
        }
        s.push_str("rules:\n");
        for _ in 0..3 {
            rule(&mut r, &mut s);
        }
    }
    for i in CLUSTER_ROLES..ROLES {
        let ns = i % NAMESPACES;
        let _ = write!(
            s,
            "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {{name: role-{i}, namespace: ns-{ns}}}\nrules:\n"
        );
        for _ in 0..3 {
            rule(&mut r, &mut s);
        }
    }
    for i in 0..BINDINGS {
        let ns = r.next() % NAMESPACES;
        if i % 20 == 0 {
            let cr = r.next() % CLUSTER_ROLES;
            let _ = write!(
                s,
                "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {{name: crb-{i}}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cr-{cr}}}\nsubjects:\n- {{kind: Group, name: group-{}, apiGroup: rbac.authorization.k8s.io}}\n- {{kind: User, name: user-{}, apiGroup: rbac.authorization.k8s.io}}\n",
                r.next() % 100,
                r.next() % 1000
            );
        } else {
            // roles of the same namespace, or a ClusterRole
            let role = if i % 3 == 0 {
                format!("kind: ClusterRole, name: cr-{}", r.next() % CLUSTER_ROLES)
            } else {
                // Roles of namespace `ns` are role-(ns + 500k), k = 1..=19.
                format!(
                    "kind: Role, name: role-{}",
                    ns + NAMESPACES * (1 + r.next() % 19)
                )
            };
            let _ = write!(
                s,
                "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {{name: rb-{i}, namespace: ns-{ns}}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, {role}}}\nsubjects:\n- {{kind: ServiceAccount, name: sa-{}, namespace: ns-{ns}}}\n- {{kind: User, name: user-{}, apiGroup: rbac.authorization.k8s.io}}\n",
                r.next() % 10,
                r.next() % 1000
            );
        }
    }
    for i in 0..WORKLOADS {
        let ns = i % NAMESPACES;
        let _ = write!(
            s,
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: app-{i}, namespace: ns-{ns}}}\nspec:\n  selector: {{matchLabels: {{app: app-{i}}}}}\n  template:\n    metadata: {{labels: {{app: app-{i}}}}}\n    spec:\n      serviceAccountName: sa-{}\n      containers: [{{name: c, image: example/app:1}}]\n",
            r.next() % 10
        );
        if i % 10 == 0 {
            let _ = write!(
                s,
                "---\napiVersion: v1\nkind: Service\nmetadata: {{name: app-{i}, namespace: ns-{ns}}}\nspec: {{selector: {{app: app-{i}}}, ports: [{{port: 80}}]}}\n"
            );
        }
    }
    s
}

fn bench(c: &mut Criterion) {
    let text = generate();
    let lf = moat_manifest::load_bytes("generated.yaml", text.as_bytes());
    assert!(lf.errors.is_empty(), "{:?}", lf.errors.first());
    let resources = lf.resources;
    let opts = Options::default();
    {
        // One timed pass per phase, for the report.
        let t = std::time::Instant::now();
        let cl = moat_rbac::Cluster::build(&resources, &opts);
        let t_model = t.elapsed();
        let t = std::time::Instant::now();
        let gr = moat_rbac::escalate::Graph::build(&cl);
        let t_graph = t.elapsed();
        let t = std::time::Instant::now();
        let n = perms::who_can_all(&cl);
        let t_who = t.elapsed();
        let a = moat_rbac::Analysis {
            cluster: cl,
            graph: gr,
        };
        let t = std::time::Instant::now();
        let nf = a.risks().len();
        let t_risks = t.elapsed();
        println!(
            "single pass: model {t_model:?}, escalation graph {t_graph:?}, who-can all {t_who:?} ({n} answers), risks {t_risks:?} ({nf} findings)"
        );
        let vocabulary = perms::rule_vocabulary(&a.cluster).len();
        let answers = perms::who_can_all(&a.cluster);
        let admins = a
            .cluster
            .known_subjects()
            .iter()
            .filter(|s| a.graph.reaches_admin(s))
            .count();
        println!(
            "generated: {} resources ({} roles, {} bindings, {} workloads); {} identities, {} graph nodes; who-can: {vocabulary} questions, {answers} answers; {admins} identities reach cluster-admin",
            resources.len(),
            a.cluster.roles.len(),
            a.cluster.bindings.len(),
            a.cluster.workloads.len(),
            a.cluster.known_subjects().len(),
            a.graph.nodes.len(),
        );
    }
    let mut g = c.benchmark_group("rbac");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(20))
        .warm_up_time(Duration::from_secs(2));
    g.bench_function("model+escalation fixed point", |b| {
        b.iter(|| black_box(analyze(black_box(&resources), &opts)));
    });
    let a = analyze(&resources, &opts);
    g.bench_function("who-can every verb x resource", |b| {
        b.iter(|| black_box(perms::who_can_all(black_box(&a.cluster))));
    });
    g.bench_function("total (model + escalation + who-can all)", |b| {
        b.iter(|| {
            let a = analyze(black_box(&resources), &opts);
            black_box(perms::who_can_all(&a.cluster))
        });
    });
    g.bench_function("risk findings", |b| {
        b.iter(|| black_box(a.risks().len()));
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
