//! The control-plane components: their flag schemas, and how to recognise one from a
//! command line (`kube-apiserver --…`, `/usr/local/bin/etcd --…`, `hyperkube apiserver`,
//! `go-runner --log-file=… /usr/local/bin/kube-scheduler …`) or from an image name.

use crate::parse::{Dialect, Schema};

/// A control-plane program whose flags the rules judge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Component {
    /// `kube-apiserver`.
    ApiServer,
    /// `kube-controller-manager`.
    ControllerManager,
    /// `kube-scheduler`.
    Scheduler,
    /// `etcd`.
    Etcd,
}

impl Component {
    /// Every component.
    pub const ALL: [Component; 4] = [
        Component::ApiServer,
        Component::ControllerManager,
        Component::Scheduler,
        Component::Etcd,
    ];

    /// The binary name.
    pub fn binary(self) -> &'static str {
        match self {
            Component::ApiServer => "kube-apiserver",
            Component::ControllerManager => "kube-controller-manager",
            Component::Scheduler => "kube-scheduler",
            Component::Etcd => "etcd",
        }
    }

    /// The flag schema of the component.
    pub fn schema(self) -> &'static Schema {
        match self {
            Component::ApiServer => &APISERVER,
            Component::ControllerManager => &CONTROLLER_MANAGER,
            Component::Scheduler => &SCHEDULER,
            Component::Etcd => &ETCD,
        }
    }

    /// Prefix of the environment variables the component reads for flags it was not
    /// given (`ETCD_CLIENT_CERT_AUTH` for `--client-cert-auth`), if it reads any.
    pub fn env_prefix(self) -> Option<&'static str> {
        match self {
            Component::Etcd => Some("ETCD"),
            _ => None,
        }
    }

    /// The environment variable standing for `flag`, if the component reads one.
    pub fn env_var(self, flag: &str) -> Option<String> {
        self.env_prefix()
            .map(|p| format!("{p}_{}", flag.to_ascii_uppercase().replace('-', "_")))
    }

    /// The component a program path names, by basename (`/usr/local/bin/etcd` → etcd).
    pub fn from_binary(path: &str) -> Option<Component> {
        let base = basename(path);
        Component::ALL.into_iter().find(|c| c.binary() == base)
    }

    /// The component an image runs by default, from the last segment of its repository
    /// (`registry.k8s.io/kube-apiserver:v1.30.2`, `k8s.gcr.io/etcd-amd64:3.2.18`).
    pub fn from_image(image: &str) -> Option<Component> {
        let no_digest = image.split_once('@').map_or(image, |(r, _)| r);
        let last = basename(no_digest);
        let repo = last.split_once(':').map_or(last, |(r, _)| r);
        let repo = ARCHES
            .iter()
            .find_map(|a| repo.strip_suffix(a))
            .unwrap_or(repo);
        Component::ALL.into_iter().find(|c| c.binary() == repo)
    }

    /// Finds the component an argument vector runs: `argv[0]` is the component, or a
    /// known wrapper (`hyperkube`, `go-runner`) runs it. Returns the component and the
    /// index of its first argument.
    pub fn locate<S: AsRef<str>>(argv: &[S]) -> Option<(Component, usize)> {
        let first = argv.first()?.as_ref();
        if let Some(c) = Component::from_binary(first) {
            return Some((c, 1));
        }
        match basename(first) {
            "hyperkube" => {
                let sub = argv.get(1)?.as_ref();
                let c = Component::from_binary(sub).or(match sub {
                    "apiserver" => Some(Component::ApiServer),
                    "controller-manager" => Some(Component::ControllerManager),
                    "scheduler" => Some(Component::Scheduler),
                    _ => None,
                })?;
                (c != Component::Etcd).then_some((c, 2))
            }
            "go-runner" => {
                // go-runner [its own flags] [--] program args…
                let mut i = 1;
                while let Some(tok) = argv.get(i).map(AsRef::as_ref) {
                    if tok == "--" {
                        i += 1;
                        break;
                    }
                    if !tok.starts_with('-') {
                        break;
                    }
                    let bare = tok.trim_start_matches('-');
                    i += if bare == "log-file" { 2 } else { 1 };
                }
                let c = Component::from_binary(argv.get(i)?.as_ref())?;
                Some((c, i + 1))
            }
            _ => None,
        }
    }

    /// Whether `first` (the first element of a command) could start this component,
    /// directly or through a wrapper: a cheap filter before [`Component::locate`].
    pub fn may_run(first: &str) -> bool {
        Component::from_binary(first).is_some()
            || matches!(basename(first), "hyperkube" | "go-runner")
    }
}

impl std::fmt::Display for Component {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.binary())
    }
}

const ARCHES: &[&str] = &["-amd64", "-arm64", "-arm", "-ppc64le", "-s390x"];

fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Boolean flags every Kubernetes component has (logging, help, serving).
macro_rules! common_bools {
    ($($extra:literal),* $(,)?) => {
        &[
            "help",
            "version",
            "log-json-split-stream",
            "log-text-split-stream",
            "logtostderr",
            "alsologtostderr",
            "add-dir-header",
            "one-output",
            "skip-headers",
            "skip-log-headers",
            "permit-port-sharing",
            "permit-address-sharing",
            "profiling",
            "contention-profiling",
            $($extra),*
        ]
    };
}

static APISERVER: Schema = Schema {
    dialect: Dialect::Pflag,
    bools: common_bools!(
        "allow-privileged",
        "anonymous-auth",
        "aggregator-reject-forwarding-redirect",
        "audit-log-batch-throttle-enable",
        "audit-log-compress",
        "audit-log-truncate-enabled",
        "audit-webhook-batch-throttle-enable",
        "audit-webhook-truncate-enabled",
        "disable-http2-serving",
        "enable-aggregator-routing",
        "enable-bootstrap-token-auth",
        "enable-garbage-collector",
        "enable-logs-handler",
        "enable-priority-and-fairness",
        "encryption-provider-config-automatic-reload",
        "kubelet-https",
        "runtime-config-emulation-forward-compatible",
        "service-account-extend-token-expiration",
        "service-account-lookup",
        "watch-cache",
    ),
    scalars: &[
        "admission-control-config-file",
        "advertise-address",
        "apiserver-count",
        "audit-log-format",
        "audit-log-maxage",
        "audit-log-maxbackup",
        "audit-log-maxsize",
        "audit-log-mode",
        "audit-log-path",
        "audit-policy-file",
        "audit-webhook-config-file",
        "audit-webhook-mode",
        "authentication-config",
        "authentication-token-webhook-config-file",
        "authorization-config",
        "authorization-webhook-config-file",
        "bind-address",
        "cert-dir",
        "client-ca-file",
        "egress-selector-config-file",
        "encryption-provider-config",
        "endpoint-reconciler-type",
        "etcd-cafile",
        "etcd-certfile",
        "etcd-keyfile",
        "etcd-prefix",
        "external-hostname",
        "kubelet-certificate-authority",
        "kubelet-client-certificate",
        "kubelet-client-key",
        "kubelet-timeout",
        "max-mutating-requests-inflight",
        "max-requests-inflight",
        "oidc-ca-file",
        "oidc-client-id",
        "oidc-groups-claim",
        "oidc-issuer-url",
        "oidc-username-claim",
        "proxy-client-cert-file",
        "proxy-client-key-file",
        "request-timeout",
        "requestheader-client-ca-file",
        "secure-port",
        "service-account-issuer",
        "service-account-key-file",
        "service-account-max-token-expiration",
        "service-account-signing-key-file",
        "service-cluster-ip-range",
        "service-node-port-range",
        "storage-backend",
        "storage-media-type",
        "tls-cert-file",
        "tls-min-version",
        "tls-private-key-file",
        "token-auth-file",
        "tracing-config-file",
        "v",
    ],
    lists: &[
        "admission-control",
        "api-audiences",
        "authorization-mode",
        "cors-allowed-origins",
        "disable-admission-plugins",
        "enable-admission-plugins",
        "etcd-servers",
        "etcd-servers-overrides",
        "kubelet-preferred-address-types",
        "requestheader-allowed-names",
        "requestheader-extra-headers-prefix",
        "requestheader-group-headers",
        "requestheader-username-headers",
        "strict-transport-security-directives",
        "tls-cipher-suites",
        "watch-cache-sizes",
    ],
    maps: &["feature-gates", "runtime-config"],
    normalize_underscores: true,
};

static CONTROLLER_MANAGER: Schema = Schema {
    dialect: Dialect::Pflag,
    bools: common_bools!(
        "allocate-node-cidrs",
        "authentication-skip-lookup",
        "authentication-tolerate-lookup-failure",
        "configure-cloud-routes",
        "disable-attach-detach-reconcile-sync",
        "disable-force-detach-on-timeout",
        "enable-dynamic-provisioning",
        "enable-garbage-collector",
        "enable-hostpath-provisioner",
        "enable-leader-migration",
        "enable-taint-manager",
        "leader-elect",
        "use-service-account-credentials",
    ),
    scalars: &[
        "authentication-kubeconfig",
        "authorization-kubeconfig",
        "bind-address",
        "cert-dir",
        "client-ca-file",
        "cloud-config",
        "cloud-provider",
        "cluster-cidr",
        "cluster-name",
        "cluster-signing-cert-file",
        "cluster-signing-duration",
        "cluster-signing-key-file",
        "kubeconfig",
        "leader-elect-lease-duration",
        "node-cidr-mask-size",
        "requestheader-client-ca-file",
        "root-ca-file",
        "secure-port",
        "service-account-private-key-file",
        "service-cluster-ip-range",
        "terminated-pod-gc-threshold",
        "tls-cert-file",
        "tls-min-version",
        "tls-private-key-file",
        "v",
    ],
    lists: &[
        "authorization-always-allow-paths",
        "controllers",
        "requestheader-allowed-names",
        "tls-cipher-suites",
    ],
    maps: &["feature-gates"],
    normalize_underscores: true,
};

static SCHEDULER: Schema = Schema {
    dialect: Dialect::Pflag,
    bools: common_bools!(
        "authentication-skip-lookup",
        "authentication-tolerate-lookup-failure",
        "leader-elect",
    ),
    scalars: &[
        "authentication-kubeconfig",
        "authorization-kubeconfig",
        "bind-address",
        "cert-dir",
        "client-ca-file",
        "config",
        "kubeconfig",
        "leader-elect-resource-name",
        "leader-elect-resource-namespace",
        "master",
        "requestheader-client-ca-file",
        "secure-port",
        "tls-cert-file",
        "tls-min-version",
        "tls-private-key-file",
        "v",
        "write-config-to",
    ],
    lists: &[
        "authorization-always-allow-paths",
        "requestheader-allowed-names",
        "tls-cipher-suites",
    ],
    maps: &["feature-gates"],
    normalize_underscores: true,
};

static ETCD: Schema = Schema {
    dialect: Dialect::GoFlag,
    bools: &[
        "help",
        "version",
        "auto-tls",
        "client-cert-auth",
        "debug",
        "enable-grpc-gateway",
        "enable-log-rotation",
        "enable-pprof",
        "enable-v2",
        "experimental-compact-hash-check-enabled",
        "experimental-enable-distributed-tracing",
        "experimental-enable-lease-checkpoint",
        "experimental-enable-lease-checkpoint-persist",
        "experimental-initial-corrupt-check",
        "experimental-memory-mlock",
        "experimental-peer-skip-client-san-verification",
        "experimental-stop-grpc-service-on-defrag",
        "experimental-txn-mode-write-with-shared-buffer",
        "force-new-cluster",
        "peer-auto-tls",
        "peer-client-cert-auth",
        "pre-vote",
        "socket-reuse-address",
        "socket-reuse-port",
        "strict-reconfig-check",
        "unsafe-no-fsync",
    ],
    scalars: &[
        "advertise-client-urls",
        "auto-compaction-mode",
        "auto-compaction-retention",
        "cert-file",
        "cipher-suites",
        "client-crl-file",
        "config-file",
        "data-dir",
        "heartbeat-interval",
        "election-timeout",
        "initial-advertise-peer-urls",
        "initial-cluster",
        "initial-cluster-state",
        "initial-cluster-token",
        "key-file",
        "listen-client-urls",
        "listen-metrics-urls",
        "listen-peer-urls",
        "log-level",
        "logger",
        "name",
        "peer-cert-file",
        "peer-key-file",
        "peer-trusted-ca-file",
        "quota-backend-bytes",
        "snapshot-count",
        "tls-min-version",
        "trusted-ca-file",
        "wal-dir",
    ],
    lists: &[],
    maps: &[],
    normalize_underscores: false,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::FlagKind;

    #[test]
    fn locate_and_images() {
        assert_eq!(
            Component::locate(&["kube-apiserver", "--x"]),
            Some((Component::ApiServer, 1))
        );
        assert_eq!(
            Component::locate(&["/usr/local/bin/etcd"]),
            Some((Component::Etcd, 1))
        );
        assert_eq!(
            Component::locate(&["/hyperkube", "controller-manager", "--x"]),
            Some((Component::ControllerManager, 2))
        );
        assert_eq!(Component::locate(&["/hyperkube", "etcd"]), None);
        assert_eq!(
            Component::locate(&[
                "/go-runner",
                "--log-file",
                "/var/log/kube-scheduler.log",
                "--also-stdout=false",
                "/usr/local/bin/kube-scheduler",
                "--v=2",
            ]),
            Some((Component::Scheduler, 5))
        );
        assert_eq!(Component::locate(&["etcdctl", "get"]), None);
        assert_eq!(Component::locate::<&str>(&[]), None);
        assert_eq!(
            Component::from_image("registry.k8s.io/kube-apiserver:v1.30.2"),
            Some(Component::ApiServer)
        );
        assert_eq!(
            Component::from_image("k8s.gcr.io/etcd-amd64:3.2.18@sha256:abc"),
            Some(Component::Etcd)
        );
        assert_eq!(
            Component::from_image("localhost:5000/kube-scheduler"),
            Some(Component::Scheduler)
        );
        assert_eq!(Component::from_image("bitnami/etcd-operator:1"), None);
        assert_eq!(
            Component::Etcd.env_var("client-cert-auth").as_deref(),
            Some("ETCD_CLIENT_CERT_AUTH")
        );
        assert_eq!(Component::ApiServer.env_var("profiling"), None);
    }

    #[test]
    fn schemas_are_consistent() {
        for c in Component::ALL {
            let s = c.schema();
            let mut all: Vec<&str> = s
                .bools
                .iter()
                .chain(s.scalars)
                .chain(s.lists)
                .chain(s.maps)
                .copied()
                .collect();
            let n = all.len();
            all.sort_unstable();
            all.dedup();
            assert_eq!(all.len(), n, "{c}: a flag is listed twice");
        }
        assert_eq!(
            Component::ApiServer.schema().kind("anonymous-auth"),
            Some(FlagKind::Bool)
        );
    }
}
