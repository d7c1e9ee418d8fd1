//! kube-apiserver flags: CIS Kubernetes Benchmark v1.10 section 1.2 (MOAT-400–427).

use moat_core::{CheckMeta, Severity};

use super::{CIS, FlagCheck, NSA};

const DOC: &str =
    "https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/";
const ADMISSION: &str =
    "https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/";
const AUTHZ: &str = "https://kubernetes.io/docs/reference/access-authn-authz/authorization/";
const AUDIT: &str = "https://kubernetes.io/docs/tasks/debug/debug-cluster/audit/";
const KUBELET_AUTH: &str =
    "https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/";
const PKI: &str = "https://kubernetes.io/docs/setup/best-practices/certificates/";
const ETCD_TLS: &str = "https://kubernetes.io/docs/tasks/administer-cluster/configure-upgrade-etcd/#securing-etcd-clusters";

/// 1.2.1 `--anonymous-auth=false`.
pub static ANONYMOUS_AUTH: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-400",
        name: "apiserver-anonymous-auth",
        severity: Severity::Medium,
        title: "API server accepts anonymous requests",
        rationale: "kube-apiserver's `--anonymous-auth` defaults to true: a request without credentials is served as `system:anonymous` in group `system:unauthenticated`. Whatever RBAC grants those subjects (discovery, version, health by default; often more after a careless binding) is open to anyone who can reach the port.",
        remediation: "Set `--anonymous-auth=false` on kube-apiserver. Health checks that need unauthenticated access should use the kubelet's probes against `/livez` with credentials, or an authenticated probe.",
        fix_example: "spec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    - --anonymous-auth=false\n",
        references: &[
            DOC,
            "https://kubernetes.io/docs/reference/access-authn-authz/authentication/#anonymous-requests",
            CIS,
            NSA,
        ],
        frameworks: &["CIS-1.2.1", "NSA-CISA", "MITRE:T1078"],
    },
};

/// 1.2.2 no `--token-auth-file`.
pub static TOKEN_AUTH_FILE: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-401",
        name: "apiserver-token-auth-file",
        severity: Severity::High,
        title: "API server authenticates static tokens from a file",
        rationale: "`--token-auth-file` makes kube-apiserver accept the bearer tokens listed in a CSV file. The tokens are stored in clear text on the control-plane node, never expire, and can only be revoked by editing the file and restarting the API server.",
        remediation: "Remove `--token-auth-file` and use client certificates, OIDC, webhook token authentication or service account tokens instead.",
        fix_example: "spec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    - --oidc-issuer-url=https://issuer.example.com\n    - --oidc-client-id=kubernetes\n    # no --token-auth-file\n",
        references: &[
            DOC,
            "https://kubernetes.io/docs/reference/access-authn-authz/authentication/#static-token-file",
            CIS,
            NSA,
        ],
        frameworks: &["CIS-1.2.2", "NSA-CISA", "MITRE:T1552"],
    },
};

/// 1.2.3 admission plugin `DenyServiceExternalIPs`.
pub static DENY_SERVICE_EXTERNAL_IPS: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-402",
        name: "apiserver-deny-service-external-ips",
        severity: Severity::Medium,
        title: "API server does not deny Service externalIPs",
        rationale: "Anyone allowed to create or update a Service can set `spec.externalIPs` and have kube-proxy capture traffic the cluster sends to those addresses (CVE-2020-8554), intercepting connections to arbitrary external hosts. The `DenyServiceExternalIPs` admission plugin rejects new external IPs.",
        remediation: "Add `DenyServiceExternalIPs` to `--enable-admission-plugins` on kube-apiserver (or enforce the same with a validating admission policy).",
        fix_example: "spec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    - --enable-admission-plugins=NodeRestriction,DenyServiceExternalIPs\n",
        references: &[
            "https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/#denyserviceexternalips",
            "https://github.com/kubernetes/kubernetes/issues/97076",
            CIS,
        ],
        frameworks: &["CIS-1.2.3", "MITRE:T1557"],
    },
};

/// 1.2.4 `--kubelet-client-certificate` and `--kubelet-client-key`.
pub static KUBELET_CLIENT_CERT: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-403",
        name: "apiserver-kubelet-client-cert",
        severity: Severity::High,
        title: "API server has no client certificate for kubelets",
        rationale: "Without `--kubelet-client-certificate` and `--kubelet-client-key` the API server calls kubelets (logs, exec, port-forward) without credentials, which only works if kubelets accept anonymous requests — and then anyone reaching port 10250 can run commands in every pod on the node.",
        remediation: "Issue a client certificate for the API server (kubeadm: `apiserver-kubelet-client.crt`), set both flags, and turn off anonymous authentication on the kubelets.",
        fix_example: "spec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    - --kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt\n    - --kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key\n",
        references: &[DOC, KUBELET_AUTH, CIS, NSA],
        frameworks: &["CIS-1.2.4", "NSA-CISA", "MITRE:T1609"],
    },
};

/// 1.2.5 `--kubelet-certificate-authority`.
pub static KUBELET_CERTIFICATE_AUTHORITY: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-404",
        name: "apiserver-kubelet-certificate-authority",
        severity: Severity::Medium,
        title: "API server does not verify kubelet serving certificates",
        rationale: "Without `--kubelet-certificate-authority` the API server connects to kubelets over TLS but does not verify their certificates, so anyone on the path between control plane and nodes can impersonate a kubelet and read or alter exec, attach and log streams, including credentials typed into them.",
        remediation: "Have kubelets serve certificates signed by the cluster CA (`serverTLSBootstrap: true` and approve the CSRs) and set `--kubelet-certificate-authority` to that CA.",
        fix_example: "spec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    - --kubelet-certificate-authority=/etc/kubernetes/pki/ca.crt\n",
        references: &[DOC, KUBELET_AUTH, CIS, NSA],
        frameworks: &["CIS-1.2.5", "NSA-CISA", "MITRE:T1557"],
    },
};

/// 1.2.6 `--authorization-mode` without `AlwaysAllow`.
pub static AUTHORIZATION_ALWAYS_ALLOW: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-405",
        name: "apiserver-authorization-always-allow",
        severity: Severity::Critical,
        title: "API server authorizes every request (AlwaysAllow)",
        rationale: "With `AlwaysAllow` in `--authorization-mode` — and when the flag is absent, since AlwaysAllow is its default — every authenticated request is allowed, and with anonymous authentication every request at all: any service account token or anonymous caller is cluster-admin.",
        remediation: "Set `--authorization-mode=Node,RBAC` (add `Webhook` if you use one) and never include `AlwaysAllow`.",
        fix_example: "spec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    - --authorization-mode=Node,RBAC\n",
        references: &[DOC, AUTHZ, CIS, NSA],
        frameworks: &["CIS-1.2.6", "NSA-CISA", "MITRE:T1078"],
    },
};

/// 1.2.7 `--authorization-mode` includes `Node`.
pub static AUTHORIZATION_NODE: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-406",
        name: "apiserver-authorization-node",
        severity: Severity::Medium,
        title: "API server does not use the Node authorizer",
        rationale: "The Node authorizer limits each kubelet to the Secrets, ConfigMaps, volumes and pods of the pods bound to its own node. Without it kubelets need broad RBAC grants, and one compromised node can read every Secret in the cluster.",
        remediation: "Include `Node` in `--authorization-mode` (before `RBAC`) together with the NodeRestriction admission plugin.",
        fix_example: "spec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    - --authorization-mode=Node,RBAC\n",
        references: &[
            DOC,
            "https://kubernetes.io/docs/reference/access-authn-authz/node/",
            CIS,
            NSA,
        ],
        frameworks: &["CIS-1.2.7", "NSA-CISA"],
    },
};

/// 1.2.8 `--authorization-mode` includes `RBAC`.
pub static AUTHORIZATION_RBAC: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-407",
        name: "apiserver-authorization-rbac",
        severity: Severity::High,
        title: "API server does not use RBAC authorization",
        rationale: "Without `RBAC` in `--authorization-mode`, Roles and RoleBindings have no effect: access is decided only by the other modes (for the default, AlwaysAllow, by nothing at all), and least-privilege service accounts are impossible.",
        remediation: "Include `RBAC` in `--authorization-mode`, e.g. `--authorization-mode=Node,RBAC`.",
        fix_example: "spec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    - --authorization-mode=Node,RBAC\n",
        references: &[
            DOC,
            "https://kubernetes.io/docs/reference/access-authn-authz/rbac/",
            CIS,
            NSA,
        ],
        frameworks: &["CIS-1.2.8", "NSA-CISA"],
    },
};

/// 1.2.9 admission plugin `EventRateLimit`.
pub static EVENT_RATE_LIMIT: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-408",
        name: "apiserver-event-rate-limit",
        severity: Severity::Low,
        title: "API server does not rate-limit events",
        rationale: "Without the `EventRateLimit` admission plugin a misbehaving or malicious client can flood the API server and etcd with Event objects, degrading the whole control plane.",
        remediation: "Add `EventRateLimit` to `--enable-admission-plugins` and configure its limits in the file named by `--admission-control-config-file`.",
        fix_example: "spec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    - --enable-admission-plugins=NodeRestriction,EventRateLimit\n    - --admission-control-config-file=/etc/kubernetes/admission/config.yaml\n",
        references: &[
            "https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/#eventratelimit",
            CIS,
        ],
        frameworks: &["CIS-1.2.9", "MITRE:T1499"],
    },
};

/// 1.2.10 admission plugin `AlwaysAdmit` off.
pub static ALWAYS_ADMIT: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-409",
        name: "apiserver-always-admit",
        severity: Severity::High,
        title: "API server enables the AlwaysAdmit admission plugin",
        rationale: "`AlwaysAdmit` admits every request regardless of the other admission controllers' intent; it exists for testing only and is deprecated. Enabling it weakens admission-based policy enforcement.",
        remediation: "Remove `AlwaysAdmit` from `--enable-admission-plugins` (and from the legacy `--admission-control`).",
        fix_example: "spec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    - --enable-admission-plugins=NodeRestriction\n",
        references: &[
            "https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/#alwaysadmit",
            CIS,
            NSA,
        ],
        frameworks: &["CIS-1.2.10", "NSA-CISA", "MITRE:T1610"],
    },
};

/// 1.2.11 admission plugin `AlwaysPullImages`.
pub static ALWAYS_PULL_IMAGES: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-410",
        name: "apiserver-always-pull-images",
        severity: Severity::Low,
        title: "API server does not force image pulls (AlwaysPullImages)",
        rationale: "Images pulled once with a registry credential stay in the node's cache; without `AlwaysPullImages` any pod scheduled on that node can run them with `imagePullPolicy: IfNotPresent` without credentials of its own, bypassing private-registry access control.",
        remediation: "Add `AlwaysPullImages` to `--enable-admission-plugins` (consider the registry load and availability impact first).",
        fix_example: "spec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    - --enable-admission-plugins=NodeRestriction,AlwaysPullImages\n",
        references: &[
            "https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/#alwayspullimages",
            CIS,
        ],
        frameworks: &["CIS-1.2.11"],
    },
};

/// 1.2.12 admission plugin `ServiceAccount` not disabled.
pub static SERVICE_ACCOUNT_PLUGIN: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-411",
        name: "apiserver-service-account-plugin",
        severity: Severity::Medium,
        title: "API server disables the ServiceAccount admission plugin",
        rationale: "The `ServiceAccount` admission plugin (on by default) assigns every pod a service account and checks that it exists; disabling it lets pods reference missing or foreign service accounts and breaks token projection.",
        remediation: "Remove `ServiceAccount` from `--disable-admission-plugins` (or, with the legacy `--admission-control`, list it there).",
        fix_example: "spec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    - --enable-admission-plugins=NodeRestriction\n    # no ServiceAccount in --disable-admission-plugins\n",
        references: &[
            "https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/#serviceaccount",
            ADMISSION,
            CIS,
            NSA,
        ],
        frameworks: &["CIS-1.2.12", "NSA-CISA"],
    },
};

/// 1.2.13 admission plugin `NamespaceLifecycle` not disabled.
pub static NAMESPACE_LIFECYCLE: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-412",
        name: "apiserver-namespace-lifecycle",
        severity: Severity::Medium,
        title: "API server disables the NamespaceLifecycle admission plugin",
        rationale: "`NamespaceLifecycle` (on by default) rejects objects in namespaces that do not exist or are being deleted, and protects `default`, `kube-system` and `kube-public` from deletion. Without it objects can be created in terminating namespaces and escape cleanup.",
        remediation: "Remove `NamespaceLifecycle` from `--disable-admission-plugins`.",
        fix_example: "spec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    - --enable-admission-plugins=NodeRestriction\n    # no NamespaceLifecycle in --disable-admission-plugins\n",
        references: &[
            "https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/#namespacelifecycle",
            CIS,
            NSA,
        ],
        frameworks: &["CIS-1.2.13", "NSA-CISA"],
    },
};

/// 1.2.14 admission plugin `NodeRestriction`.
pub static NODE_RESTRICTION: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-413",
        name: "apiserver-node-restriction",
        severity: Severity::High,
        title: "API server does not enable the NodeRestriction admission plugin",
        rationale: "`NodeRestriction` (off by default) limits what a kubelet may modify to its own Node object and the pods bound to it, and stops kubelets from setting `node-restriction.kubernetes.io/` labels. Without it a compromised node can relabel itself or other nodes to attract sensitive workloads.",
        remediation: "Add `NodeRestriction` to `--enable-admission-plugins` and use the Node authorizer.",
        fix_example: "spec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    - --authorization-mode=Node,RBAC\n    - --enable-admission-plugins=NodeRestriction\n",
        references: &[
            "https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/#noderestriction",
            CIS,
            NSA,
        ],
        frameworks: &["CIS-1.2.14", "NSA-CISA", "MITRE:T1611"],
    },
};

/// 1.2.15 `--profiling=false`.
pub static PROFILING: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-414",
        name: "apiserver-profiling",
        severity: Severity::Low,
        title: "API server exposes profiling endpoints",
        rationale: "`--profiling` defaults to true and serves `/debug/pprof`, which reveals internals of the program and lets a caller with access trigger expensive CPU profiles.",
        remediation: "Set `--profiling=false` on kube-apiserver.",
        fix_example: "spec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    - --profiling=false\n",
        references: &[DOC, CIS],
        frameworks: &["CIS-1.2.15"],
    },
};

/// 1.2.16 `--audit-log-path`.
pub static AUDIT_LOG_PATH: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-415",
        name: "apiserver-audit-log-path",
        severity: Severity::Medium,
        title: "API server writes no audit log",
        rationale: "Without `--audit-log-path` (and an audit policy) the API server keeps no record of who did what: intrusions, secret reads and privilege changes cannot be detected or investigated.",
        remediation: "Set `--audit-log-path` to a file on a mounted volume and `--audit-policy-file` to a policy, or ship audit events with a webhook backend.",
        fix_example: "spec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    - --audit-policy-file=/etc/kubernetes/audit/policy.yaml\n    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n",
        references: &[AUDIT, CIS, NSA],
        frameworks: &["CIS-1.2.16", "NSA-CISA"],
    },
};

/// 1.2.17 `--audit-log-maxage` ≥ 30.
pub static AUDIT_LOG_MAXAGE: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-416",
        name: "apiserver-audit-log-maxage",
        severity: Severity::Low,
        title: "API server keeps audit logs for less than 30 days",
        rationale: "`--audit-log-maxage` sets how many days rotated audit logs are kept; below 30 days (or unset, which leaves retention to the other limits) the evidence of an intrusion may be gone before it is noticed.",
        remediation: "Set `--audit-log-maxage=30` or more, or ship the logs to central storage with a retention policy.",
        fix_example: "spec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    - --audit-log-maxage=30\n",
        references: &[AUDIT, CIS, NSA],
        frameworks: &["CIS-1.2.17", "NSA-CISA"],
    },
};

/// 1.2.18 `--audit-log-maxbackup` ≥ 10.
pub static AUDIT_LOG_MAXBACKUP: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-417",
        name: "apiserver-audit-log-maxbackup",
        severity: Severity::Low,
        title: "API server keeps fewer than 10 rotated audit logs",
        rationale: "`--audit-log-maxbackup` bounds the number of rotated audit log files kept; with fewer than 10 a busy cluster overwrites its history quickly.",
        remediation: "Set `--audit-log-maxbackup=10` or more.",
        fix_example: "spec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    - --audit-log-maxbackup=10\n",
        references: &[AUDIT, CIS, NSA],
        frameworks: &["CIS-1.2.18", "NSA-CISA"],
    },
};

/// 1.2.19 `--audit-log-maxsize` ≥ 100.
pub static AUDIT_LOG_MAXSIZE: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-418",
        name: "apiserver-audit-log-maxsize",
        severity: Severity::Low,
        title: "API server rotates audit logs below 100 MB",
        rationale: "`--audit-log-maxsize` is the size in megabytes at which the audit log rotates; small files combined with the backup limit keep little history.",
        remediation: "Set `--audit-log-maxsize=100` or more.",
        fix_example: "spec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    - --audit-log-maxsize=100\n",
        references: &[AUDIT, CIS, NSA],
        frameworks: &["CIS-1.2.19", "NSA-CISA"],
    },
};

/// 1.2.21 `--service-account-lookup=true`.
pub static SERVICE_ACCOUNT_LOOKUP: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-419",
        name: "apiserver-service-account-lookup",
        severity: Severity::Medium,
        title: "API server accepts tokens of deleted service accounts",
        rationale: "With `--service-account-lookup=false` the API server only checks a service account token's signature, not that the account (or the Secret holding the token) still exists, so deleting them does not revoke a leaked token.",
        remediation: "Remove `--service-account-lookup=false` (the default is true) or set it to true.",
        fix_example: "spec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    - --service-account-lookup=true\n",
        references: &[
            DOC,
            "https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/",
            CIS,
            NSA,
        ],
        frameworks: &["CIS-1.2.21", "NSA-CISA", "MITRE:T1550.001"],
    },
};

/// 1.2.22 `--service-account-key-file`.
pub static SERVICE_ACCOUNT_KEY_FILE: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-420",
        name: "apiserver-service-account-key-file",
        severity: Severity::Medium,
        title: "API server has no explicit service account verification key",
        rationale: "Without `--service-account-key-file` the API server verifies service account tokens with its TLS serving key, tying token validity to the serving certificate and making key rotation for tokens impossible on its own.",
        remediation: "Generate a dedicated key pair; set `--service-account-key-file` to the public key here and `--service-account-private-key-file` to the private key on the controller manager.",
        fix_example: "spec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    - --service-account-key-file=/etc/kubernetes/pki/sa.pub\n    - --service-account-signing-key-file=/etc/kubernetes/pki/sa.key\n",
        references: &[
            DOC,
            "https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/",
            CIS,
            NSA,
        ],
        frameworks: &["CIS-1.2.22", "NSA-CISA"],
    },
};

/// 1.2.23 `--etcd-certfile` and `--etcd-keyfile`.
pub static ETCD_CLIENT_CERT: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-421",
        name: "apiserver-etcd-client-cert",
        severity: Severity::High,
        title: "API server has no client certificate for etcd",
        rationale: "etcd holds every object of the cluster, Secrets included. Without `--etcd-certfile` and `--etcd-keyfile` the API server cannot authenticate to etcd, which then has to accept unauthenticated clients: anyone who reaches etcd reads and rewrites the cluster.",
        remediation: "Issue an etcd client certificate for the API server, set both flags, and require client certificates on etcd (`--client-cert-auth=true`).",
        fix_example: "spec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    - --etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt\n    - --etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key\n",
        references: &[DOC, ETCD_TLS, CIS, NSA],
        frameworks: &["CIS-1.2.23", "NSA-CISA", "MITRE:T1552"],
    },
};

/// 1.2.24 `--tls-cert-file` and `--tls-private-key-file`.
pub static TLS_CERT: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-422",
        name: "apiserver-tls-cert",
        severity: Severity::Medium,
        title: "API server serves a self-generated certificate",
        rationale: "Without `--tls-cert-file` and `--tls-private-key-file` kube-apiserver generates a self-signed certificate at start-up that no client can verify, which trains clients to skip verification and opens the door to interception.",
        remediation: "Serve a certificate signed by the cluster CA: set `--tls-cert-file` and `--tls-private-key-file`.",
        fix_example: "spec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    - --tls-cert-file=/etc/kubernetes/pki/apiserver.crt\n    - --tls-private-key-file=/etc/kubernetes/pki/apiserver.key\n",
        references: &[DOC, PKI, CIS, NSA],
        frameworks: &["CIS-1.2.24", "NSA-CISA", "MITRE:T1557"],
    },
};

/// 1.2.25 `--client-ca-file`.
pub static CLIENT_CA_FILE: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-423",
        name: "apiserver-client-ca-file",
        severity: Severity::Medium,
        title: "API server does not authenticate client certificates",
        rationale: "`--client-ca-file` is the CA the API server trusts for client certificates. Without it, components and administrators cannot authenticate with certificates and weaker mechanisms (static tokens, anonymous access) fill the gap.",
        remediation: "Set `--client-ca-file` to the cluster CA bundle.",
        fix_example: "spec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    - --client-ca-file=/etc/kubernetes/pki/ca.crt\n",
        references: &[
            DOC,
            "https://kubernetes.io/docs/reference/access-authn-authz/authentication/#x509-client-certificates",
            CIS,
            NSA,
        ],
        frameworks: &["CIS-1.2.25", "NSA-CISA"],
    },
};

/// 1.2.26 `--etcd-cafile`.
pub static ETCD_CAFILE: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-424",
        name: "apiserver-etcd-cafile",
        severity: Severity::Medium,
        title: "API server does not verify etcd's certificate",
        rationale: "Without `--etcd-cafile` the API server cannot verify it is talking to the real etcd; an attacker in the path can serve forged objects or capture everything the API server writes, Secrets included.",
        remediation: "Set `--etcd-cafile` to the CA that signed etcd's serving certificate.",
        fix_example: "spec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    - --etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt\n",
        references: &[DOC, ETCD_TLS, CIS, NSA],
        frameworks: &["CIS-1.2.26", "NSA-CISA", "MITRE:T1557"],
    },
};

/// 1.2.27 `--encryption-provider-config`.
pub static ENCRYPTION_PROVIDER_CONFIG: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-425",
        name: "apiserver-encryption-provider-config",
        severity: Severity::Medium,
        title: "API server does not encrypt Secrets at rest",
        rationale: "Without `--encryption-provider-config` Secrets are stored in etcd as plain base64: anyone with a copy of the etcd data directory or a backup reads every credential of the cluster.",
        remediation: "Write an EncryptionConfiguration using `kms` (v2), `aescbc` or `secretbox` for `secrets`, point `--encryption-provider-config` at it, then rewrite existing Secrets.",
        fix_example: "spec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    - --encryption-provider-config=/etc/kubernetes/enc/encryption-config.yaml\n",
        references: &[
            "https://kubernetes.io/docs/tasks/administer-cluster/encrypt-data/",
            CIS,
            NSA,
        ],
        frameworks: &["CIS-1.2.27", "NSA-CISA", "MITRE:T1552"],
    },
};

/// 1.2.29 `--tls-cipher-suites` limited to strong suites.
pub static TLS_CIPHER_SUITES: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-426",
        name: "apiserver-tls-cipher-suites",
        severity: Severity::Low,
        title: "API server does not restrict TLS cipher suites to strong ones",
        rationale: "Unless `--tls-cipher-suites` lists only strong suites, the API server accepts whatever the Go runtime it was built with allows, which for older releases includes suites without forward secrecy (RSA key exchange) or with 3DES/RC4.",
        remediation: "Set `--tls-cipher-suites` to ECDHE suites with AES-GCM or ChaCha20-Poly1305 (and the TLS 1.3 suites).",
        fix_example: "spec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    - --tls-cipher-suites=TLS_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384,TLS_CHACHA20_POLY1305_SHA256,TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256\n",
        references: &[DOC, "https://pkg.go.dev/crypto/tls#pkg-constants", CIS, NSA],
        frameworks: &["CIS-1.2.29", "NSA-CISA"],
    },
};

/// `--tls-min-version` not below TLS 1.2 (no CIS control).
pub static TLS_MIN_VERSION: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-427",
        name: "apiserver-tls-min-version",
        severity: Severity::Medium,
        title: "API server accepts TLS 1.0 or 1.1",
        rationale: "`--tls-min-version=VersionTLS10` or `VersionTLS11` lets clients negotiate deprecated protocol versions (RFC 8996) with known weaknesses. An absent flag is not reported: the runtime's own floor applies.",
        remediation: "Set `--tls-min-version=VersionTLS12` (or `VersionTLS13` when every client supports it).",
        fix_example: "spec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    - --tls-min-version=VersionTLS12\n",
        references: &[DOC, "https://www.rfc-editor.org/rfc/rfc8996", NSA],
        frameworks: &["NSA-CISA", "MITRE:T1557"],
    },
};
