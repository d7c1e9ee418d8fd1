//! Secret-scan throughput (MB/s) on one core over a generated mix of source code,
//! configuration and prose with a few secrets. Target: at least 1 GB/s.
//!
//! `cargo bench -p moat-secrets --bench scan`

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use moat_secrets::{Scanner, Settings};

const CODE: &str = r#"fn handle(req: &Request, cfg: &Config) -> Result<Response, Error> {
    let token = req.header("Authorization").ok_or(Error::Unauthorized)?;
    let user = cfg.auth.verify(token)?; // checks the session password hash
    if user.is_admin() && !cfg.features.contains("secret-admin") {
        return Err(Error::Forbidden(format!("user {} may not", user.name)));
    }
    for item in req.items().iter().filter(|i| i.visible) {
        total += item.price * item.quantity;
    }
    Ok(Response::json(&Summary { total, count: req.items().len() }))
}
"#;
const CONFIG: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels: {app: web, tier: frontend}\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n        - name: web\n          image: registry.example.com/web:1.4.2\n          env:\n            - name: DB_PASSWORD\n              valueFrom:\n                secretKeyRef: {name: db, key: password}\n          resources: {limits: {cpu: 500m, memory: 256Mi}}\n";
const PYTHON: &str = "import json\nimport logging\n\nlog = logging.getLogger(__name__)\n\n\ndef load(path):\n    with open(path, encoding=\"utf-8\") as fh:\n        data = json.load(fh)\n    items = [Item(**raw) for raw in data.get(\"items\", [])]\n    log.info(\"loaded %d items from %s\", len(items), path)\n    return sorted(items, key=lambda i: (i.group, i.name))\n\n\nclass Item:\n    def __init__(self, name, group, weight=1.0):\n        self.name = name\n        self.group = group\n        self.weight = float(weight)\n";
const SHELL: &str = "#!/bin/sh\nset -eu\napt-get update\napt-get install -y --no-install-recommends ca-certificates curl\nrm -rf /var/lib/apt/lists/*\nfor f in /etc/app/conf.d/*.conf; do\n  echo \"including $f\"\n  cat \"$f\" >> /etc/app/app.conf\ndone\nexec /usr/bin/app --config /etc/app/app.conf --listen 0.0.0.0:8080\n";
const PROSE: &str = "The quick brown fox jumps over the lazy dog. Operators rotate credentials every ninety days and keep tokens in the secret store; nothing here is a real key. Configuration values are read from the environment at start-up, and the service refuses to run without them.\n";

fn corpus(bytes: usize) -> Vec<u8> {
    let mut s = String::with_capacity(bytes + 4096);
    let mut i = 0u32;
    while s.len() < bytes {
        s.push_str(match i % 6 {
            0 => CODE,
            1 | 4 => PYTHON,
            2 => CONFIG,
            3 => SHELL,
            _ => PROSE,
        });
        if i.is_multiple_of(1000) {
            // A few secrets (fake, random).
            let _ = writeln!(
                s,
                "export GITHUB_TOKEN=ghp_4fJ9kQ2mZ8rT1vX6bN3wL0pS7dH5gC2yA9eU"
            );
            let _ = writeln!(s, "aws_access_key_id = AKIA4X7Q2MZ9R3TB6WNL");
            let _ = writeln!(s, "client_secret: \"q8Zr2Lm4Xv9Kp1Td7Ws3\"");
        }
        i += 1;
    }
    s.into_bytes()
}

fn bench(c: &mut Criterion) {
    let data = corpus(8 << 20);
    let scanner = Scanner::new(Settings::default()).unwrap();
    assert!(scanner.scan("mix.txt", &data).len() >= 3);
    let mut g = c.benchmark_group("secrets");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.bench_function("scan 8 MiB code+config+prose", |b| {
        b.iter(|| black_box(scanner.scan("mix.txt", black_box(&data))));
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
