//! etcd flags: CIS Kubernetes Benchmark v1.10 section 2 (MOAT-480–485).
//!
//! etcd reads a flag missing from its command line from the `ETCD_<FLAG>` environment
//! variable; the checks do too. With `--config-file` etcd ignores flags and environment,
//! and the checks judge nothing.

use moat_core::{CheckMeta, Severity};

use super::{CIS, FlagCheck, NSA};

const SECURITY: &str = "https://etcd.io/docs/v3.5/op-guide/security/";
const CONFIG: &str = "https://etcd.io/docs/v3.5/op-guide/configuration/";

/// 2.1 `--cert-file` and `--key-file`.
pub static TLS_CERT: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-480",
        name: "etcd-tls-cert",
        severity: Severity::High,
        title: "etcd serves clients without TLS",
        rationale: "Without `--cert-file` and `--key-file` etcd talks to its clients — the API server — in plain text, and everything the cluster stores, Secrets included, crosses the network readable and alterable.",
        remediation: "Issue a serving certificate for etcd, set `--cert-file` and `--key-file`, and use `https://` client URLs.",
        fix_example: "spec:\n  containers:\n  - name: etcd\n    command:\n    - etcd\n    - --cert-file=/etc/kubernetes/pki/etcd/server.crt\n    - --key-file=/etc/kubernetes/pki/etcd/server.key\n    - --listen-client-urls=https://127.0.0.1:2379\n",
        references: &[SECURITY, CONFIG, CIS, NSA],
        frameworks: &["CIS-2.1", "NSA-CISA", "MITRE:T1040"],
    },
};

/// 2.2 `--client-cert-auth=true`.
pub static CLIENT_CERT_AUTH: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-481",
        name: "etcd-client-cert-auth",
        severity: Severity::High,
        title: "etcd does not require client certificates",
        rationale: "`--client-cert-auth` defaults to false: any client that reaches the etcd port can read and write every key, which means every Secret and the power to rewrite any object, bypassing API server authentication, authorization and audit.",
        remediation: "Set `--client-cert-auth=true` and `--trusted-ca-file` to the CA that signs the API server's etcd client certificate.",
        fix_example: "spec:\n  containers:\n  - name: etcd\n    command:\n    - etcd\n    - --client-cert-auth=true\n    - --trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt\n",
        references: &[SECURITY, CONFIG, CIS, NSA],
        frameworks: &["CIS-2.2", "NSA-CISA", "MITRE:T1552"],
    },
};

/// 2.3 `--auto-tls` not true.
pub static AUTO_TLS: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-482",
        name: "etcd-auto-tls",
        severity: Severity::Medium,
        title: "etcd serves clients with an auto-generated certificate",
        rationale: "`--auto-tls=true` makes etcd generate a self-signed certificate for client connections; clients cannot verify it, so the connection is encrypted but not authenticated and open to interception.",
        remediation: "Remove `--auto-tls` (or set it to false) and serve a CA-signed certificate with `--cert-file`/`--key-file`.",
        fix_example: "spec:\n  containers:\n  - name: etcd\n    command:\n    - etcd\n    - --auto-tls=false\n    - --cert-file=/etc/kubernetes/pki/etcd/server.crt\n    - --key-file=/etc/kubernetes/pki/etcd/server.key\n",
        references: &[SECURITY, CONFIG, CIS, NSA],
        frameworks: &["CIS-2.3", "NSA-CISA", "MITRE:T1557"],
    },
};

/// 2.4 `--peer-cert-file` and `--peer-key-file`.
pub static PEER_TLS_CERT: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-483",
        name: "etcd-peer-tls-cert",
        severity: Severity::Medium,
        title: "etcd members replicate without TLS",
        rationale: "Without `--peer-cert-file` and `--peer-key-file` etcd members replicate the whole keyspace, Secrets included, to each other in plain text.",
        remediation: "Issue peer certificates, set `--peer-cert-file` and `--peer-key-file`, and use `https://` peer URLs.",
        fix_example: "spec:\n  containers:\n  - name: etcd\n    command:\n    - etcd\n    - --peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt\n    - --peer-key-file=/etc/kubernetes/pki/etcd/peer.key\n    - --listen-peer-urls=https://10.0.0.10:2380\n",
        references: &[SECURITY, CONFIG, CIS, NSA],
        frameworks: &["CIS-2.4", "NSA-CISA", "MITRE:T1040"],
    },
};

/// 2.5 `--peer-client-cert-auth=true`.
pub static PEER_CLIENT_CERT_AUTH: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-484",
        name: "etcd-peer-client-cert-auth",
        severity: Severity::Medium,
        title: "etcd does not authenticate its peers",
        rationale: "`--peer-client-cert-auth` defaults to false: anything that reaches the peer port can act as a cluster member and receive the replicated keyspace.",
        remediation: "Set `--peer-client-cert-auth=true` and `--peer-trusted-ca-file` to the peer CA.",
        fix_example: "spec:\n  containers:\n  - name: etcd\n    command:\n    - etcd\n    - --peer-client-cert-auth=true\n    - --peer-trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt\n",
        references: &[SECURITY, CONFIG, CIS, NSA],
        frameworks: &["CIS-2.5", "NSA-CISA", "MITRE:T1552"],
    },
};

/// 2.6 `--peer-auto-tls` not true.
pub static PEER_AUTO_TLS: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-485",
        name: "etcd-peer-auto-tls",
        severity: Severity::Medium,
        title: "etcd peers use auto-generated certificates",
        rationale: "`--peer-auto-tls=true` makes etcd generate self-signed peer certificates that members cannot verify, so peer traffic is encrypted but unauthenticated.",
        remediation: "Remove `--peer-auto-tls` (or set it to false) and use CA-signed peer certificates.",
        fix_example: "spec:\n  containers:\n  - name: etcd\n    command:\n    - etcd\n    - --peer-auto-tls=false\n    - --peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt\n    - --peer-key-file=/etc/kubernetes/pki/etcd/peer.key\n",
        references: &[SECURITY, CONFIG, CIS, NSA],
        frameworks: &["CIS-2.6", "NSA-CISA", "MITRE:T1557"],
    },
};
