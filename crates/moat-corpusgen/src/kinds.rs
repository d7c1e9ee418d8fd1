//! Builders for the Kubernetes kinds of the corpus. Resources are made per
//! application ("bundle"): a workload with its Service, ConfigMap, Secret,
//! ServiceAccount, RBAC, Ingress, NetworkPolicy and autoscaling objects, so files
//! holding several documents look like real application manifests.

use crate::rng::Rng;
use crate::value::{M, V, flow, strs};

/// One generated object.
#[derive(Clone, Debug)]
pub struct Object {
    /// `kind`.
    pub kind: &'static str,
    /// `metadata.name`.
    pub name: String,
    /// Whether it is a workload generated with insecure settings.
    pub insecure: bool,
    /// The whole object.
    pub body: M,
}

const APPS: &[&str] = &[
    "payments",
    "checkout",
    "frontend",
    "cart",
    "catalog",
    "auth",
    "search",
    "recommendation",
    "shipping",
    "email",
    "currency",
    "adservice",
    "inventory",
    "orders",
    "billing",
    "gateway",
    "notifications",
    "reporting",
    "analytics",
    "ledger",
    "profile",
    "media",
    "thumbnailer",
    "scheduler",
    "ingest",
    "exporter",
    "redis",
    "postgres",
    "kafka",
    "zookeeper",
    "elasticsearch",
    "prometheus",
    "grafana",
    "loki",
    "vault",
    "nginx",
    "envoy",
    "fluent-bit",
    "node-exporter",
    "keycloak",
    "minio",
    "rabbitmq",
];
const SUFFIXES: &[&str] = &[
    "api", "web", "worker", "db", "cache", "proxy", "sync", "v2", "backend", "consumer", "server",
    "agent",
];
const NAMESPACES: &[&str] = &[
    "default",
    "prod",
    "staging",
    "dev",
    "payments",
    "platform",
    "monitoring",
    "logging",
    "data",
    "ingress-nginx",
    "kube-system",
    "team-a",
    "team-b",
    "shop",
    "identity",
];
const TEAMS: &[&str] = &[
    "platform",
    "payments",
    "growth",
    "search",
    "data",
    "sre",
    "identity",
    "storefront",
];
const REGISTRIES: &[&str] = &[
    "registry.example.com",
    "ghcr.io/acme",
    "docker.io/library",
    "quay.io/acme",
    "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
    "europe-docker.pkg.dev/acme-prod/images",
];
const ENV_NAMES: &[&str] = &[
    "LOG_LEVEL",
    "LOG_FORMAT",
    "DATABASE_NAME",
    "REDIS_URL",
    "KAFKA_BROKERS",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "FEATURE_FLAGS",
    "CACHE_TTL_SECONDS",
    "HTTP_TIMEOUT",
    "MAX_CONNECTIONS",
    "REGION",
    "TZ",
    "JAVA_OPTS",
    "GOMAXPROCS",
    "SENTRY_ENVIRONMENT",
    "WORKERS",
];
/// Typical values per entry of [`ENV_NAMES`].
const ENV_VALUES: &[&[&str]] = &[
    &["info", "debug", "warn"],
    &["json", "text"],
    &["orders", "users", "inventory"],
    &["redis://redis-master.data.svc.cluster.local:6379/0"],
    &["kafka-0.kafka-headless:9092,kafka-1.kafka-headless:9092"],
    &["http://otel-collector.monitoring.svc:4317"],
    &["enable-new-checkout,dark-mode", "none"],
    &["300", "3600"],
    &["30s", "5s"],
    &["100", "512"],
    &["eu-west-1", "us-east-1"],
    &["UTC", "Europe/Berlin"],
    &["-Xms256m -Xmx512m -XX:+UseG1GC"],
    &["2", "4"],
    &["production", "staging"],
    &["4", "8"],
];
const CONFIG_FILES: &[&str] = &[
    "application.yaml",
    "config.json",
    "nginx.conf",
    "app.properties",
    "logback.xml",
    "settings.ini",
];

/// Insecure settings a workload may carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flaw {
    Privileged,
    HostPath,
    LatestTag,
    NoLimits,
    RootPod,
    RootContainer,
    NonRootUnset,
    HostNetwork,
    PrivilegeEscalation,
    SysAdmin,
}

const FLAWS: &[Flaw] = &[
    Flaw::Privileged,
    Flaw::HostPath,
    Flaw::LatestTag,
    Flaw::NoLimits,
    Flaw::RootPod,
    Flaw::RootContainer,
    Flaw::NonRootUnset,
    Flaw::HostNetwork,
    Flaw::PrivilegeEscalation,
    Flaw::SysAdmin,
];

/// Shared facts of one application.
struct App {
    name: String,
    base: &'static str,
    namespace: &'static str,
    team: &'static str,
    version: String,
    image: String,
    port: i64,
    labels: Vec<(String, String)>,
    selector: Vec<(String, String)>,
}

impl App {
    fn new(rng: &mut Rng, serial: usize) -> Self {
        let base = *rng.pick(APPS);
        let name = if rng.chance(70) {
            format!("{base}-{}", rng.pick(SUFFIXES))
        } else {
            base.to_owned()
        };
        // Names stay unique across the corpus.
        let name = format!("{name}-{serial}");
        let namespace = *rng.pick(NAMESPACES);
        let team = *rng.pick(TEAMS);
        let version = format!(
            "{}.{}.{}",
            rng.range(0, 4),
            rng.range(0, 30),
            rng.range(0, 12)
        );
        let image = format!("{}/{base}", rng.pick(REGISTRIES));
        let port = *rng.pick(&[80, 8080, 8443, 3000, 5000, 9000, 6379, 5432, 9092]);
        let mut labels = vec![
            ("app.kubernetes.io/name".to_owned(), base.to_owned()),
            ("app.kubernetes.io/instance".to_owned(), name.clone()),
            ("app.kubernetes.io/version".to_owned(), version.clone()),
            (
                "app.kubernetes.io/component".to_owned(),
                (*rng.pick(&["api", "frontend", "worker", "database", "cache"])).to_owned(),
            ),
            (
                "app.kubernetes.io/part-of".to_owned(),
                (*rng.pick(&["shop", "platform", "observability", "identity"])).to_owned(),
            ),
        ];
        if rng.chance(60) {
            labels.push((
                "app.kubernetes.io/managed-by".to_owned(),
                (*rng.pick(&["Helm", "kustomize", "argocd"])).to_owned(),
            ));
        }
        if rng.chance(50) {
            labels.push(("team".to_owned(), team.to_owned()));
        }
        if rng.chance(40) {
            labels.push((
                "environment".to_owned(),
                (*rng.pick(&["production", "staging", "development"])).to_owned(),
            ));
        }
        let selector = vec![
            ("app.kubernetes.io/name".to_owned(), base.to_owned()),
            ("app.kubernetes.io/instance".to_owned(), name.clone()),
        ];
        App {
            name,
            base,
            namespace,
            team,
            version,
            image,
            port,
            labels,
            selector,
        }
    }

    fn label_map(&self) -> M {
        M(self
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), V::Str(v.clone())))
            .collect())
    }

    fn selector_map(&self) -> M {
        M(self
            .selector
            .iter()
            .map(|(k, v)| (k.clone(), V::Str(v.clone())))
            .collect())
    }

    fn metadata(&self, rng: &mut Rng, name: &str) -> M {
        let mut m = M::new()
            .with("name", name)
            .with("namespace", self.namespace);
        m.put("labels", self.label_map());
        if rng.chance(60) {
            m.put("annotations", annotations(rng, self));
        }
        m
    }

    fn cluster_metadata(&self, name: &str) -> M {
        M::new().with("name", name).with("labels", self.label_map())
    }
}

fn annotations(rng: &mut Rng, app: &App) -> M {
    let mut a = M::new();
    if rng.chance(50) {
        a.put("prometheus.io/scrape", "true");
        a.put("prometheus.io/port", (app.port + 1000).to_string());
        a.put("prometheus.io/path", "/metrics");
    }
    if rng.chance(40) {
        a.put(
            "description",
            format!(
                "{} service owned by the {} team. Handles requests for the {} domain.",
                app.base, app.team, app.namespace
            ),
        );
    }
    if rng.chance(30) {
        a.put("checksum/config", rng.hex(64));
    }
    if rng.chance(25) {
        a.put("meta.helm.sh/release-name", app.name.clone());
        a.put("meta.helm.sh/release-namespace", app.namespace);
    }
    if rng.chance(20) {
        a.put(
            "owner",
            format!("{}@example.com", app.team.replace('-', ".")),
        );
    }
    if rng.chance(8) {
        // What `kubectl apply` leaves behind: the whole object as JSON.
        let mut json = String::with_capacity(600);
        json.push_str("{\"apiVersion\":\"v1\",\"kind\":\"Object\",\"metadata\":{\"name\":\"");
        json.push_str(&app.name);
        json.push_str("\",\"namespace\":\"");
        json.push_str(app.namespace);
        json.push_str("\"},\"spec\":{\"replicas\":2,\"template\":{\"spec\":{\"containers\":[{\"name\":\"main\",\"image\":\"");
        json.push_str(&app.image);
        json.push_str("\"}]}}}}\n");
        a.put("kubectl.kubernetes.io/last-applied-configuration", json);
    }
    if a.is_empty() {
        a.put("team", app.team);
    }
    a
}

/// Generates all objects of one application, within `budget` objects.
pub fn bundle(rng: &mut Rng, serial: usize, budget: usize) -> Vec<Object> {
    let app = App::new(rng, serial);
    let mut out = Vec::new();
    let workload_kind = rng.weighted(&[55, 10, 7, 10, 7, 11]);
    let insecure = rng.chance(20);
    let sa = format!("{}-sa", app.name);
    let cm = format!("{}-config", app.name);
    let secret = format!("{}-secret", app.name);
    let workload = match workload_kind {
        0 => deployment(rng, &app, insecure, &sa, &cm, &secret),
        1 => stateful_set(rng, &app, insecure, &sa, &cm, &secret),
        2 => daemon_set(rng, &app, insecure, &sa, &cm, &secret),
        3 => cron_job(rng, &app, insecure, &sa, &cm, &secret),
        4 => job(rng, &app, insecure, &sa, &cm, &secret),
        _ => pod(rng, &app, insecure, &sa, &cm, &secret),
    };
    let long_running = workload_kind <= 2 || workload_kind == 5;
    out.push(workload);
    if long_running && rng.chance(90) {
        out.push(service(rng, &app));
    }
    if rng.chance(85) {
        out.push(config_map(rng, &app, &cm));
    }
    if rng.chance(55) {
        out.push(secret_obj(rng, &app, &secret));
    }
    if rng.chance(75) {
        out.push(service_account(rng, &app, &sa));
    }
    if long_running && rng.chance(30) {
        out.push(ingress(rng, &app));
    }
    if rng.chance(35) {
        out.push(network_policy(rng, &app));
    }
    if rng.chance(25) {
        let cluster = rng.chance(30);
        out.push(role(rng, &app, cluster));
        out.push(role_binding(rng, &app, cluster, &sa));
    }
    if workload_kind == 0 && rng.chance(20) {
        out.push(hpa(rng, &app));
    }
    if long_running && rng.chance(15) {
        out.push(pdb(&app));
    }
    out.truncate(budget.max(1));
    out
}

fn image(rng: &mut Rng, app: &App, flaws: &[Flaw]) -> String {
    if flaws.contains(&Flaw::LatestTag) {
        if rng.chance(50) {
            format!("{}:latest", app.image)
        } else {
            app.image.clone()
        }
    } else if rng.chance(20) {
        format!("{}@sha256:{}", app.image, rng.hex(64))
    } else {
        format!("{}:{}", app.image, app.version)
    }
}

fn env(rng: &mut Rng, app: &App, cm: &str, secret: &str) -> V {
    let n = rng.range(3, 16);
    let mut items = Vec::with_capacity(n + 2);
    let mut used = Vec::new();
    for _ in 0..n {
        let kind = rng.below(10);
        let name = match kind {
            2 => "UPSTREAM_URL",
            3 => "PORT",
            _ => *rng.pick(ENV_NAMES),
        };
        if used.contains(&name) {
            continue;
        }
        used.push(name);
        let e = match kind {
            0 => M::new().with("name", name).with(
                "valueFrom",
                M::new().with(
                    "configMapKeyRef",
                    M::new().with("name", cm).with("key", name.to_lowercase()),
                ),
            ),
            1 => M::new().with("name", name).with(
                "valueFrom",
                M::new().with(
                    "secretKeyRef",
                    M::new()
                        .with("name", secret)
                        .with("key", name.to_lowercase().replace('_', "-")),
                ),
            ),
            2 => M::new().with("name", name).with(
                "value",
                format!(
                    "http://{}.{}.svc.cluster.local:{}",
                    app.name, app.namespace, app.port
                ),
            ),
            3 => M::new()
                .with("name", name)
                .with("value", app.port.to_string()),
            _ => {
                let values = ENV_VALUES
                    .get(ENV_NAMES.iter().position(|n| *n == name).unwrap_or(0))
                    .copied()
                    .unwrap_or(&["1"]);
                M::new().with("name", name).with("value", *rng.pick(values))
            }
        };
        items.push(V::from(e));
    }
    items.push(
        M::new()
            .with("name", "POD_NAME")
            .with(
                "valueFrom",
                M::new().with("fieldRef", M::new().with("fieldPath", "metadata.name")),
            )
            .into(),
    );
    items.push(
        M::new()
            .with("name", "POD_NAMESPACE")
            .with(
                "valueFrom",
                M::new().with("fieldRef", M::new().with("fieldPath", "metadata.namespace")),
            )
            .into(),
    );
    V::Seq(items)
}

fn probe(rng: &mut Rng, port: i64) -> M {
    let mut p = match rng.below(3) {
        0 => M::new().with(
            "httpGet",
            M::new()
                .with(
                    "path",
                    *rng.pick(&["/healthz", "/ready", "/livez", "/health"]),
                )
                .with("port", port)
                .with("scheme", "HTTP"),
        ),
        1 => M::new().with("tcpSocket", M::new().with("port", port)),
        _ => M::new().with(
            "exec",
            M::new().with("command", flow(&["/bin/sh", "-c", "test -f /tmp/healthy"])),
        ),
    };
    p.put("initialDelaySeconds", rng.range(0, 30));
    p.put("periodSeconds", *rng.pick(&[5_usize, 10, 15, 30]));
    p.put("timeoutSeconds", rng.range(1, 5));
    p.put("failureThreshold", rng.range(3, 6));
    p
}

fn resources(rng: &mut Rng, limits: bool) -> M {
    let cpu = *rng.pick(&["50m", "100m", "250m", "500m", "1"]);
    let mem = *rng.pick(&["64Mi", "128Mi", "256Mi", "512Mi", "1Gi", "2Gi"]);
    let mut r = M::new().with("requests", M::new().with("cpu", cpu).with("memory", mem));
    if limits {
        let mut l = M::new();
        if rng.chance(60) {
            l.put("cpu", *rng.pick(&["500m", "1", "2", "4"]));
        }
        l.put(
            "memory",
            *rng.pick(&["256Mi", "512Mi", "1Gi", "2Gi", "4Gi"]),
        );
        r.put("limits", l);
    }
    r
}

fn container_security(rng: &mut Rng, flaws: &[Flaw], main: bool) -> Option<M> {
    let mut s = M::new();
    if main && flaws.contains(&Flaw::Privileged) {
        s.put("privileged", true);
    }
    if main && flaws.contains(&Flaw::PrivilegeEscalation) {
        s.put("allowPrivilegeEscalation", true);
    } else if flaws.is_empty() || rng.chance(70) {
        s.put("allowPrivilegeEscalation", false);
    }
    if main && flaws.contains(&Flaw::RootContainer) {
        s.put("runAsNonRoot", false);
        s.put("runAsUser", 0_i64);
    } else if flaws.is_empty() && rng.chance(40) {
        s.put("runAsNonRoot", true);
    }
    if flaws.is_empty() || rng.chance(50) {
        s.put("readOnlyRootFilesystem", true);
    }
    if main && flaws.contains(&Flaw::SysAdmin) {
        s.put(
            "capabilities",
            M::new().with("add", strs(&["SYS_ADMIN", "NET_ADMIN"])),
        );
    } else if flaws.is_empty() || rng.chance(60) {
        s.put("capabilities", M::new().with("drop", strs(&["ALL"])));
    }
    if flaws.is_empty() && rng.chance(30) {
        s.put("seccompProfile", M::new().with("type", "RuntimeDefault"));
    }
    if s.is_empty() { None } else { Some(s) }
}

#[allow(clippy::too_many_arguments)]
fn container(
    rng: &mut Rng,
    app: &App,
    flaws: &[Flaw],
    name: &str,
    main: bool,
    cm: &str,
    secret: &str,
    mounts: &[(String, String)],
) -> M {
    let mut c = M::new().with("name", name);
    if main {
        c.put("image", image(rng, app, flaws));
    } else {
        let side = *rng.pick(&[
            "envoyproxy/envoy:v1.31.2",
            "fluent/fluent-bit:3.1.9",
            "busybox:1.36",
            "otel/opentelemetry-collector:0.111.0",
            "hashicorp/vault:1.17",
        ]);
        c.put("image", side);
    }
    c.put(
        "imagePullPolicy",
        *rng.pick(&["IfNotPresent", "IfNotPresent", "Always"]),
    );
    if rng.chance(40) {
        c.put(
            "command",
            if rng.chance(50) {
                flow(&["/app/server"])
            } else {
                strs(&["/bin/sh", "-c"])
            },
        );
    }
    if rng.chance(50) {
        let port = format!("--port={}", app.port);
        let args = [
            port.as_str(),
            "--log-level=info",
            "--metrics-addr=:9090",
            "--config=/etc/app/config.yaml",
        ];
        let n = rng.range(1, args.len());
        c.put(
            "args",
            if rng.chance(50) {
                flow(&args[..n])
            } else {
                strs(&args[..n])
            },
        );
    }
    if main {
        let mut ports = vec![V::from(
            M::new()
                .with("name", "http")
                .with("containerPort", app.port)
                .with("protocol", "TCP"),
        )];
        if rng.chance(50) {
            ports.push(
                M::new()
                    .with("name", "metrics")
                    .with("containerPort", 9090_i64)
                    .with("protocol", "TCP")
                    .into(),
            );
        }
        c.put("ports", V::Seq(ports));
        c.put("env", env(rng, app, cm, secret));
        if rng.chance(30) {
            c.put(
                "envFrom",
                V::Seq(vec![
                    M::new()
                        .with("configMapRef", M::new().with("name", cm))
                        .into(),
                ]),
            );
        }
    }
    let limits = !(main && flaws.contains(&Flaw::NoLimits));
    c.put("resources", resources(rng, limits));
    if main {
        c.put("livenessProbe", probe(rng, app.port));
        c.put("readinessProbe", probe(rng, app.port));
        if rng.chance(20) {
            c.put("startupProbe", probe(rng, app.port));
        }
    }
    if !mounts.is_empty() {
        let items: Vec<V> = mounts
            .iter()
            .filter(|_| main || rng.chance(50))
            .map(|(vol, path)| {
                let mut m = M::new()
                    .with("name", vol.clone())
                    .with("mountPath", path.clone());
                if path.starts_with("/etc") {
                    m.put("readOnly", true);
                }
                V::from(m)
            })
            .collect();
        if !items.is_empty() {
            c.put("volumeMounts", V::Seq(items));
        }
    }
    if let Some(sc) = container_security(rng, flaws, main) {
        c.put("securityContext", sc);
    }
    if rng.chance(20) {
        c.put("terminationMessagePolicy", "FallbackToLogsOnError");
    }
    c
}

fn pick_flaws(rng: &mut Rng, insecure: bool) -> Vec<Flaw> {
    if !insecure {
        return Vec::new();
    }
    let n = rng.range(1, 3);
    let mut flaws = Vec::with_capacity(n);
    while flaws.len() < n {
        let f = *rng.pick(FLAWS);
        if !flaws.contains(&f) {
            flaws.push(f);
        }
    }
    flaws
}

/// Returns the pod spec and whether it carries insecure settings.
fn pod_spec(
    rng: &mut Rng,
    app: &App,
    insecure: bool,
    sa: &str,
    cm: &str,
    secret: &str,
    restart: Option<&str>,
) -> M {
    let flaws = pick_flaws(rng, insecure);
    let mut volumes = vec![V::from(M::new().with("name", "config").with(
        "configMap",
        M::new().with("name", cm).with("defaultMode", 420_i64),
    ))];
    let mut mounts = vec![("config".to_owned(), "/etc/app".to_owned())];
    if rng.chance(50) {
        volumes.push(
            M::new()
                .with("name", "tmp")
                .with("emptyDir", M::new().with("sizeLimit", "256Mi"))
                .into(),
        );
        mounts.push(("tmp".to_owned(), "/tmp".to_owned()));
    }
    if rng.chance(35) {
        volumes.push(
            M::new()
                .with("name", "credentials")
                .with("secret", M::new().with("secretName", secret))
                .into(),
        );
        mounts.push(("credentials".to_owned(), "/etc/credentials".to_owned()));
    }
    if rng.chance(15) {
        volumes.push(
            M::new()
                .with("name", "podinfo")
                .with(
                    "downwardAPI",
                    M::new().with(
                        "items",
                        V::Seq(vec![
                            M::new()
                                .with("path", "labels")
                                .with("fieldRef", M::new().with("fieldPath", "metadata.labels"))
                                .into(),
                        ]),
                    ),
                )
                .into(),
        );
        mounts.push(("podinfo".to_owned(), "/etc/podinfo".to_owned()));
    }
    if flaws.contains(&Flaw::HostPath) {
        let (path, ty) = *rng.pick(&[
            ("/var/run/docker.sock", "Socket"),
            ("/var/log", "Directory"),
            ("/", "Directory"),
            ("/etc/kubernetes", "DirectoryOrCreate"),
            ("/proc", "Directory"),
        ]);
        volumes.push(
            M::new()
                .with("name", "host")
                .with("hostPath", M::new().with("path", path).with("type", ty))
                .into(),
        );
        mounts.push((
            "host".to_owned(),
            format!("/host{}", path.trim_end_matches('/')),
        ));
    }

    let mut spec = M::new();
    spec.put("serviceAccountName", sa);
    if rng.chance(30) {
        spec.put("automountServiceAccountToken", false);
    }
    if flaws.contains(&Flaw::HostNetwork) {
        spec.put("hostNetwork", true);
        spec.put("dnsPolicy", "ClusterFirstWithHostNet");
        if rng.chance(50) {
            spec.put("hostPID", true);
        }
    }
    if let Some(r) = restart {
        spec.put("restartPolicy", r);
    }
    // Pod-level security context.
    let mut psc = M::new();
    if flaws.contains(&Flaw::RootPod) {
        psc.put("runAsNonRoot", false);
        psc.put("runAsUser", 0_i64);
    } else if !flaws.contains(&Flaw::NonRootUnset) {
        psc.put("runAsNonRoot", true);
        psc.put("runAsUser", *rng.pick(&[1000_i64, 10001, 65532, 101]));
        psc.put("runAsGroup", *rng.pick(&[1000_i64, 3000, 65532]));
    }
    if rng.chance(60) {
        psc.put("fsGroup", *rng.pick(&[1000_i64, 2000, 65532]));
    }
    if flaws.is_empty() || rng.chance(40) {
        psc.put("seccompProfile", M::new().with("type", "RuntimeDefault"));
    }
    if !psc.is_empty() {
        spec.put("securityContext", psc);
    }
    if rng.chance(25) {
        spec.put(
            "initContainers",
            V::Seq(vec![
                M::new()
                    .with("name", "init-migrations")
                    .with("image", format!("{}-migrations:{}", app.image, app.version))
                    .with("command", flow(&["/migrate", "up"]))
                    .with("resources", resources(rng, true))
                    .with(
                        "securityContext",
                        M::new()
                            .with("allowPrivilegeEscalation", false)
                            .with("readOnlyRootFilesystem", true),
                    )
                    .into(),
            ]),
        );
    }
    let mut containers = vec![V::from(container(
        rng, app, &flaws, "main", true, cm, secret, &mounts,
    ))];
    for i in 0..rng.weighted(&[70, 25, 5]) {
        let name = *rng.pick(&["sidecar", "proxy", "log-shipper", "vault-agent"]);
        containers.push(
            container(
                rng,
                app,
                &flaws,
                &format!("{name}-{i}"),
                false,
                cm,
                secret,
                &mounts,
            )
            .into(),
        );
    }
    spec.put("containers", V::Seq(containers));
    spec.put("volumes", V::Seq(volumes));
    if rng.chance(40) {
        spec.put(
            "nodeSelector",
            M::new().with("kubernetes.io/os", "linux").with(
                "node.kubernetes.io/instance-type",
                *rng.pick(&["m5.large", "n2-standard-4", "c6i.xlarge"]),
            ),
        );
    }
    if rng.chance(30) {
        spec.put(
            "tolerations",
            V::Seq(vec![
                M::new()
                    .with("key", "dedicated")
                    .with("operator", "Equal")
                    .with("value", app.team)
                    .with("effect", "NoSchedule")
                    .into(),
            ]),
        );
    }
    if rng.chance(35) {
        spec.put(
            "affinity",
            M::new().with(
                "podAntiAffinity",
                M::new().with(
                    "preferredDuringSchedulingIgnoredDuringExecution",
                    V::Seq(vec![
                        M::new()
                            .with("weight", 100_i64)
                            .with(
                                "podAffinityTerm",
                                M::new().with("topologyKey", "kubernetes.io/hostname").with(
                                    "labelSelector",
                                    M::new().with("matchLabels", app.selector_map()),
                                ),
                            )
                            .into(),
                    ]),
                ),
            ),
        );
    }
    if rng.chance(20) {
        spec.put(
            "topologySpreadConstraints",
            V::Seq(vec![
                M::new()
                    .with("maxSkew", 1_i64)
                    .with("topologyKey", "topology.kubernetes.io/zone")
                    .with("whenUnsatisfiable", "ScheduleAnyway")
                    .with(
                        "labelSelector",
                        M::new().with("matchLabels", app.selector_map()),
                    )
                    .into(),
            ]),
        );
    }
    if rng.chance(50) {
        spec.put(
            "terminationGracePeriodSeconds",
            *rng.pick(&[10_i64, 30, 60, 120]),
        );
    }
    if rng.chance(15) {
        spec.put(
            "priorityClassName",
            *rng.pick(&["high-priority", "system-cluster-critical", "batch-low"]),
        );
    }
    spec
}

fn template(rng: &mut Rng, app: &App, spec: M) -> M {
    let mut meta = M::new().with("labels", app.label_map());
    if rng.chance(40) {
        meta.put("annotations", M::new().with("checksum/config", rng.hex(64)));
    }
    M::new().with("metadata", meta).with("spec", spec)
}

fn workload_header(kind: &str, api: &str) -> M {
    M::new().with("apiVersion", api).with("kind", kind)
}

fn deployment(
    rng: &mut Rng,
    app: &App,
    insecure: bool,
    sa: &str,
    cm: &str,
    secret: &str,
) -> Object {
    let pod = pod_spec(rng, app, insecure, sa, cm, secret, None);
    let mut spec = M::new().with("replicas", rng.range(1, 6));
    if rng.chance(40) {
        spec.put("revisionHistoryLimit", 10_i64);
    }
    spec.put("selector", M::new().with("matchLabels", app.selector_map()));
    if rng.chance(50) {
        spec.put(
            "strategy",
            M::new().with("type", "RollingUpdate").with(
                "rollingUpdate",
                M::new()
                    .with("maxSurge", "25%")
                    .with("maxUnavailable", 0_i64),
            ),
        );
    }
    spec.put("template", template(rng, app, pod));
    let body = workload_header("Deployment", "apps/v1")
        .with("metadata", app.metadata(rng, &app.name))
        .with("spec", spec);
    Object {
        kind: "Deployment",
        name: app.name.clone(),
        insecure,
        body,
    }
}

fn stateful_set(
    rng: &mut Rng,
    app: &App,
    insecure: bool,
    sa: &str,
    cm: &str,
    secret: &str,
) -> Object {
    let pod = pod_spec(rng, app, insecure, sa, cm, secret, None);
    let spec = M::new()
        .with("serviceName", format!("{}-headless", app.name))
        .with("replicas", rng.range(1, 5))
        .with("podManagementPolicy", "OrderedReady")
        .with("selector", M::new().with("matchLabels", app.selector_map()))
        .with("template", template(rng, app, pod))
        .with(
            "volumeClaimTemplates",
            V::Seq(vec![
                M::new()
                    .with("metadata", M::new().with("name", "data"))
                    .with(
                        "spec",
                        M::new()
                            .with("accessModes", strs(&["ReadWriteOnce"]))
                            .with(
                                "storageClassName",
                                *rng.pick(&["gp3", "standard-rwo", "fast-ssd"]),
                            )
                            .with(
                                "resources",
                                M::new().with(
                                    "requests",
                                    M::new().with("storage", *rng.pick(&["10Gi", "50Gi", "200Gi"])),
                                ),
                            ),
                    )
                    .into(),
            ]),
        );
    let body = workload_header("StatefulSet", "apps/v1")
        .with("metadata", app.metadata(rng, &app.name))
        .with("spec", spec);
    Object {
        kind: "StatefulSet",
        name: app.name.clone(),
        insecure,
        body,
    }
}

fn daemon_set(
    rng: &mut Rng,
    app: &App,
    insecure: bool,
    sa: &str,
    cm: &str,
    secret: &str,
) -> Object {
    let pod = pod_spec(rng, app, insecure, sa, cm, secret, None);
    let spec = M::new()
        .with("selector", M::new().with("matchLabels", app.selector_map()))
        .with(
            "updateStrategy",
            M::new()
                .with("type", "RollingUpdate")
                .with("rollingUpdate", M::new().with("maxUnavailable", 1_i64)),
        )
        .with("template", template(rng, app, pod));
    let body = workload_header("DaemonSet", "apps/v1")
        .with("metadata", app.metadata(rng, &app.name))
        .with("spec", spec);
    Object {
        kind: "DaemonSet",
        name: app.name.clone(),
        insecure,
        body,
    }
}

fn job_spec(rng: &mut Rng, app: &App, insecure: bool, sa: &str, cm: &str, secret: &str) -> M {
    let pod = pod_spec(rng, app, insecure, sa, cm, secret, Some("OnFailure"));
    M::new()
        .with("backoffLimit", rng.range(0, 6))
        .with("completions", 1_i64)
        .with("parallelism", 1_i64)
        .with("ttlSecondsAfterFinished", 86_400_i64)
        .with("template", template(rng, app, pod))
}

fn cron_job(rng: &mut Rng, app: &App, insecure: bool, sa: &str, cm: &str, secret: &str) -> Object {
    let schedule = *rng.pick(&[
        "*/15 * * * *",
        "0 3 * * *",
        "30 */6 * * *",
        "0 0 * * 0",
        "@hourly",
    ]);
    let spec = M::new()
        .with("schedule", schedule)
        .with("concurrencyPolicy", "Forbid")
        .with("successfulJobsHistoryLimit", 3_i64)
        .with("failedJobsHistoryLimit", 1_i64)
        .with(
            "jobTemplate",
            M::new().with("spec", job_spec(rng, app, insecure, sa, cm, secret)),
        );
    let body = workload_header("CronJob", "batch/v1")
        .with("metadata", app.metadata(rng, &app.name))
        .with("spec", spec);
    Object {
        kind: "CronJob",
        name: app.name.clone(),
        insecure,
        body,
    }
}

fn job(rng: &mut Rng, app: &App, insecure: bool, sa: &str, cm: &str, secret: &str) -> Object {
    let spec = job_spec(rng, app, insecure, sa, cm, secret);
    let name = format!("{}-migrate", app.name);
    let body = workload_header("Job", "batch/v1")
        .with("metadata", app.metadata(rng, &name))
        .with("spec", spec);
    Object {
        kind: "Job",
        name,
        insecure,
        body,
    }
}

fn pod(rng: &mut Rng, app: &App, insecure: bool, sa: &str, cm: &str, secret: &str) -> Object {
    let spec = pod_spec(rng, app, insecure, sa, cm, secret, Some("Always"));
    let body = workload_header("Pod", "v1")
        .with("metadata", app.metadata(rng, &app.name))
        .with("spec", spec);
    Object {
        kind: "Pod",
        name: app.name.clone(),
        insecure,
        body,
    }
}

fn service(rng: &mut Rng, app: &App) -> Object {
    let ty = *rng.pick(&[
        "ClusterIP",
        "ClusterIP",
        "ClusterIP",
        "NodePort",
        "LoadBalancer",
    ]);
    let mut ports = vec![V::from(
        M::new()
            .with("name", "http")
            .with("port", if app.port == 8443 { 443_i64 } else { 80 })
            .with("targetPort", "http")
            .with("protocol", "TCP"),
    )];
    if rng.chance(40) {
        ports.push(
            M::new()
                .with("name", "metrics")
                .with("port", 9090_i64)
                .with("targetPort", 9090_i64)
                .into(),
        );
    }
    let mut spec = M::new().with("type", ty);
    if ty == "ClusterIP" && rng.chance(15) {
        spec.put("clusterIP", "None");
    }
    spec.put("selector", app.selector_map());
    spec.put("ports", V::Seq(ports));
    if ty == "LoadBalancer" && rng.chance(50) {
        spec.put("externalTrafficPolicy", "Local");
        spec.put(
            "loadBalancerSourceRanges",
            strs(&["10.0.0.0/8", "192.168.0.0/16"]),
        );
    }
    let body = M::new()
        .with("apiVersion", "v1")
        .with("kind", "Service")
        .with("metadata", app.metadata(rng, &app.name))
        .with("spec", spec);
    Object {
        kind: "Service",
        name: app.name.clone(),
        insecure: false,
        body,
    }
}

fn config_text(rng: &mut Rng, app: &App, file: &str) -> String {
    let mut s = String::with_capacity(4096);
    let lines = rng.range(20, 160);
    match file {
        "application.yaml" => {
            s.push_str(&format!(
                "server:\n  port: {}\n  shutdown: graceful\n",
                app.port
            ));
            for i in 0..lines {
                s.push_str(&format!(
                    "{}:\n  enabled: {}\n  endpoint: https://{}.{}.svc:{}/v{}\n  timeout: {}s\n",
                    rng.pick(&["cache", "upstream", "feature", "tracing", "queue"]),
                    rng.chance(50),
                    app.base,
                    app.namespace,
                    app.port,
                    i % 4,
                    rng.range(1, 60)
                ));
            }
        }
        "config.json" => {
            s.push_str("{\n  \"service\": \"");
            s.push_str(&app.name);
            s.push_str("\",\n  \"routes\": [\n");
            for i in 0..lines {
                s.push_str(&format!(
                    "    {{\"path\": \"/api/v1/{}/{i}\", \"upstream\": \"{}:{}\", \"retries\": {}}}{}\n",
                    rng.pick(&["orders", "users", "items", "carts"]),
                    app.name,
                    app.port,
                    rng.range(0, 5),
                    if i + 1 < lines { "," } else { "" }
                ));
            }
            s.push_str("  ]\n}\n");
        }
        "nginx.conf" => {
            s.push_str("worker_processes auto;\nevents {\n  worker_connections 1024;\n}\nhttp {\n");
            for i in 0..=lines / 4 {
                s.push_str(&format!(
                    "  server {{\n    listen {};\n    server_name {}-{i}.example.com;\n    location / {{\n      proxy_pass http://{}:{};\n    }}\n  }}\n",
                    8000 + i,
                    app.base,
                    app.name,
                    app.port
                ));
            }
            s.push_str("}\n");
        }
        "app.properties" => {
            for i in 0..lines {
                s.push_str(&format!(
                    "{}.{}.setting{i}={}\n",
                    app.base,
                    rng.pick(&["db", "http", "cache", "security"]),
                    rng.alnum(12)
                ));
            }
        }
        "logback.xml" => {
            s.push_str("<configuration>\n");
            for _ in 0..=lines / 3 {
                s.push_str(&format!(
                    "  <logger name=\"com.example.{}.{}\" level=\"{}\"/>\n",
                    app.base,
                    rng.alnum(6),
                    rng.pick(&["INFO", "DEBUG", "WARN"])
                ));
            }
            s.push_str("</configuration>\n");
        }
        _ => {
            s.push_str("[main]\n");
            for i in 0..lines {
                s.push_str(&format!("key{i} = {}\n", rng.alnum(16)));
            }
        }
    }
    s
}

fn config_map(rng: &mut Rng, app: &App, name: &str) -> Object {
    let mut data = M::new();
    let files = rng.range(1, 3);
    let first = rng.below(CONFIG_FILES.len());
    for i in 0..files {
        let f = CONFIG_FILES[(first + i) % CONFIG_FILES.len()];
        data.put(f, V::Lit(config_text(rng, app, f)));
    }
    for _ in 0..rng.range(0, 6) {
        let k = rng.pick(ENV_NAMES).to_lowercase();
        if data.0.iter().any(|(x, _)| *x == k) {
            continue;
        }
        data.put(k, rng.alnum(10));
    }
    let body = M::new()
        .with("apiVersion", "v1")
        .with("kind", "ConfigMap")
        .with("metadata", app.metadata(rng, name))
        .with("data", data);
    Object {
        kind: "ConfigMap",
        name: name.to_owned(),
        insecure: false,
        body,
    }
}

fn secret_obj(rng: &mut Rng, app: &App, name: &str) -> Object {
    let ty = *rng.pick(&[
        "Opaque",
        "Opaque",
        "kubernetes.io/tls",
        "kubernetes.io/dockerconfigjson",
    ]);
    let mut data = M::new();
    match ty {
        "kubernetes.io/tls" => {
            data.put("tls.crt", {
                let n = rng.range(900, 1500);
                rng.base64(n)
            });
            data.put("tls.key", {
                let n = rng.range(1100, 1700);
                rng.base64(n)
            });
        }
        "kubernetes.io/dockerconfigjson" => {
            data.put(".dockerconfigjson", {
                let n = rng.range(150, 400);
                rng.base64(n)
            });
        }
        _ => {
            for k in ["username", "password", "api-key", "database-url"] {
                if rng.chance(70) {
                    data.put(k, {
                        let n = rng.range(8, 64);
                        rng.base64(n)
                    });
                }
            }
        }
    }
    if data.is_empty() {
        data.put("token", rng.base64(32));
    }
    let body = M::new()
        .with("apiVersion", "v1")
        .with("kind", "Secret")
        .with("metadata", app.metadata(rng, name))
        .with("type", ty)
        .with("data", data);
    Object {
        kind: "Secret",
        name: name.to_owned(),
        insecure: false,
        body,
    }
}

fn service_account(rng: &mut Rng, app: &App, name: &str) -> Object {
    let mut body = M::new()
        .with("apiVersion", "v1")
        .with("kind", "ServiceAccount")
        .with("metadata", app.metadata(rng, name));
    if rng.chance(50) {
        body.put("automountServiceAccountToken", rng.chance(40));
    }
    if rng.chance(15) {
        body.put(
            "imagePullSecrets",
            V::Seq(vec![M::new().with("name", "registry-credentials").into()]),
        );
    }
    Object {
        kind: "ServiceAccount",
        name: name.to_owned(),
        insecure: false,
        body,
    }
}

fn ingress(rng: &mut Rng, app: &App) -> Object {
    let host = format!("{}.{}.example.com", app.base, app.namespace);
    let mut meta = app.metadata(rng, &app.name);
    meta.set(
        "annotations",
        M::new()
            .with("cert-manager.io/cluster-issuer", "letsencrypt-prod")
            .with("nginx.ingress.kubernetes.io/proxy-body-size", "8m")
            .with("nginx.ingress.kubernetes.io/ssl-redirect", "true"),
    );
    let paths: Vec<V> = (0..rng.range(1, 4))
        .map(|i| {
            M::new()
                .with(
                    "path",
                    if i == 0 {
                        "/".to_owned()
                    } else {
                        format!("/api/v{i}")
                    },
                )
                .with("pathType", "Prefix")
                .with(
                    "backend",
                    M::new().with(
                        "service",
                        M::new()
                            .with("name", app.name.clone())
                            .with("port", M::new().with("name", "http")),
                    ),
                )
                .into()
        })
        .collect();
    let mut spec = M::new().with("ingressClassName", "nginx");
    if rng.chance(70) {
        spec.put(
            "tls",
            V::Seq(vec![
                M::new()
                    .with("hosts", strs(&[host.as_str()]))
                    .with("secretName", format!("{}-tls", app.name))
                    .into(),
            ]),
        );
    }
    spec.put(
        "rules",
        V::Seq(vec![
            M::new()
                .with("host", host.clone())
                .with("http", M::new().with("paths", V::Seq(paths)))
                .into(),
        ]),
    );
    let body = M::new()
        .with("apiVersion", "networking.k8s.io/v1")
        .with("kind", "Ingress")
        .with("metadata", meta)
        .with("spec", spec);
    Object {
        kind: "Ingress",
        name: app.name.clone(),
        insecure: false,
        body,
    }
}

fn network_policy(rng: &mut Rng, app: &App) -> Object {
    let name = format!("{}-allow", app.name);
    let ingress = V::Seq(vec![
        M::new()
            .with(
                "from",
                V::Seq(vec![
                    M::new()
                        .with(
                            "namespaceSelector",
                            M::new().with(
                                "matchLabels",
                                M::new().with("kubernetes.io/metadata.name", "ingress-nginx"),
                            ),
                        )
                        .into(),
                    M::new()
                        .with(
                            "podSelector",
                            M::new().with(
                                "matchLabels",
                                M::new().with("app.kubernetes.io/part-of", "shop"),
                            ),
                        )
                        .into(),
                ]),
            )
            .with(
                "ports",
                V::Seq(vec![
                    M::new()
                        .with("protocol", "TCP")
                        .with("port", app.port)
                        .into(),
                ]),
            )
            .into(),
    ]);
    let mut spec = M::new()
        .with(
            "podSelector",
            M::new().with("matchLabels", app.selector_map()),
        )
        .with("policyTypes", strs(&["Ingress", "Egress"]))
        .with("ingress", ingress);
    let egress = if rng.chance(30) {
        V::Seq(vec![M::new().into()])
    } else {
        V::Seq(vec![
            M::new()
                .with(
                    "to",
                    V::Seq(vec![
                        M::new()
                            .with(
                                "ipBlock",
                                M::new()
                                    .with("cidr", "10.0.0.0/8")
                                    .with("except", strs(&["10.0.0.0/24"])),
                            )
                            .into(),
                    ]),
                )
                .into(),
            M::new()
                .with(
                    "ports",
                    V::Seq(vec![
                        M::new().with("protocol", "UDP").with("port", 53_i64).into(),
                        M::new().with("protocol", "TCP").with("port", 53_i64).into(),
                    ]),
                )
                .into(),
        ])
    };
    spec.put("egress", egress);
    let body = M::new()
        .with("apiVersion", "networking.k8s.io/v1")
        .with("kind", "NetworkPolicy")
        .with("metadata", app.metadata(rng, &name))
        .with("spec", spec);
    Object {
        kind: "NetworkPolicy",
        name,
        insecure: false,
        body,
    }
}

fn role(rng: &mut Rng, app: &App, cluster: bool) -> Object {
    let name = format!("{}-reader", app.name);
    let mut rules = vec![
        V::from(
            M::new()
                .with("apiGroups", flow(&[""]))
                .with("resources", strs(&["configmaps", "services", "endpoints"]))
                .with("verbs", flow(&["get", "list", "watch"])),
        ),
        M::new()
            .with("apiGroups", flow(&["apps"]))
            .with("resources", strs(&["deployments", "statefulsets"]))
            .with("verbs", flow(&["get", "list"]))
            .into(),
    ];
    let extra = rng.below(10);
    if extra < 2 {
        rules.push(
            M::new()
                .with("apiGroups", flow(&["*"]))
                .with("resources", flow(&["*"]))
                .with("verbs", flow(&["*"]))
                .into(),
        );
    } else if extra < 4 {
        rules.push(
            M::new()
                .with("apiGroups", flow(&[""]))
                .with("resources", strs(&["secrets"]))
                .with("verbs", flow(&["get", "list"]))
                .into(),
        );
    }
    let (kind, meta) = if cluster {
        ("ClusterRole", app.cluster_metadata(&name))
    } else {
        ("Role", app.metadata(rng, &name))
    };
    let body = M::new()
        .with("apiVersion", "rbac.authorization.k8s.io/v1")
        .with("kind", kind)
        .with("metadata", meta)
        .with("rules", V::Seq(rules));
    Object {
        kind,
        name,
        insecure: false,
        body,
    }
}

fn role_binding(rng: &mut Rng, app: &App, cluster: bool, sa: &str) -> Object {
    let name = format!("{}-reader", app.name);
    let (kind, role_kind, meta) = if cluster {
        (
            "ClusterRoleBinding",
            "ClusterRole",
            app.cluster_metadata(&name),
        )
    } else {
        ("RoleBinding", "Role", app.metadata(rng, &name))
    };
    let body = M::new()
        .with("apiVersion", "rbac.authorization.k8s.io/v1")
        .with("kind", kind)
        .with("metadata", meta)
        .with(
            "roleRef",
            M::new()
                .with("apiGroup", "rbac.authorization.k8s.io")
                .with("kind", role_kind)
                .with("name", name.clone()),
        )
        .with(
            "subjects",
            V::Seq(vec![
                M::new()
                    .with("kind", "ServiceAccount")
                    .with("name", sa)
                    .with("namespace", app.namespace)
                    .into(),
            ]),
        );
    Object {
        kind,
        name,
        insecure: false,
        body,
    }
}

fn hpa(rng: &mut Rng, app: &App) -> Object {
    let body = M::new()
        .with("apiVersion", "autoscaling/v2")
        .with("kind", "HorizontalPodAutoscaler")
        .with("metadata", app.metadata(rng, &app.name))
        .with(
            "spec",
            M::new()
                .with(
                    "scaleTargetRef",
                    M::new()
                        .with("apiVersion", "apps/v1")
                        .with("kind", "Deployment")
                        .with("name", app.name.clone()),
                )
                .with("minReplicas", 2_i64)
                .with("maxReplicas", rng.range(4, 20))
                .with(
                    "metrics",
                    V::Seq(vec![
                        M::new()
                            .with("type", "Resource")
                            .with(
                                "resource",
                                M::new().with("name", "cpu").with(
                                    "target",
                                    M::new()
                                        .with("type", "Utilization")
                                        .with("averageUtilization", 70_i64),
                                ),
                            )
                            .into(),
                    ]),
                ),
        );
    Object {
        kind: "HorizontalPodAutoscaler",
        name: app.name.clone(),
        insecure: false,
        body,
    }
}

fn pdb(app: &App) -> Object {
    let body = M::new()
        .with("apiVersion", "policy/v1")
        .with("kind", "PodDisruptionBudget")
        .with(
            "metadata",
            M::new()
                .with("name", app.name.clone())
                .with("namespace", app.namespace),
        )
        .with(
            "spec",
            M::new()
                .with("minAvailable", 1_i64)
                .with("selector", M::new().with("matchLabels", app.selector_map())),
        );
    Object {
        kind: "PodDisruptionBudget",
        name: app.name.clone(),
        insecure: false,
        body,
    }
}
