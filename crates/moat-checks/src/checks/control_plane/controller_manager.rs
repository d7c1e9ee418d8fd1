//! kube-controller-manager flags: CIS Kubernetes Benchmark v1.10 section 1.3 (MOAT-450–456).

use moat_core::{CheckMeta, Severity};

use super::{CIS, FlagCheck, NSA};

const DOC: &str =
    "https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/";
const SA: &str = "https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/";

/// 1.3.1 `--terminated-pod-gc-threshold`.
pub static TERMINATED_POD_GC_THRESHOLD: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-450",
        name: "controller-manager-terminated-pod-gc-threshold",
        severity: Severity::Low,
        title: "Controller manager uses the default terminated-pod GC threshold",
        rationale: "Terminated pods are only garbage-collected once there are more than `--terminated-pod-gc-threshold` of them (12500 by default). Until then they stay in etcd with their specs and statuses, bloating the store and slowing list calls; the threshold should be chosen for the cluster.",
        remediation: "Set `--terminated-pod-gc-threshold` to a value that suits the cluster, e.g. 10 for small clusters.",
        fix_example: "spec:\n  containers:\n  - name: kube-controller-manager\n    command:\n    - kube-controller-manager\n    - --terminated-pod-gc-threshold=10\n",
        references: &[
            DOC,
            "https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-garbage-collection",
            CIS,
        ],
        frameworks: &["CIS-1.3.1", "MITRE:T1499"],
    },
};

/// 1.3.2 `--profiling=false`.
pub static PROFILING: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-451",
        name: "controller-manager-profiling",
        severity: Severity::Low,
        title: "Controller manager exposes profiling endpoints",
        rationale: "`--profiling` defaults to true and serves `/debug/pprof` on the controller manager's secure port, revealing program internals and allowing expensive profiles to be triggered.",
        remediation: "Set `--profiling=false` on kube-controller-manager.",
        fix_example: "spec:\n  containers:\n  - name: kube-controller-manager\n    command:\n    - kube-controller-manager\n    - --profiling=false\n",
        references: &[DOC, CIS],
        frameworks: &["CIS-1.3.2"],
    },
};

/// 1.3.3 `--use-service-account-credentials=true`.
pub static SERVICE_ACCOUNT_CREDENTIALS: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-452",
        name: "controller-manager-service-account-credentials",
        severity: Severity::Medium,
        title: "Controllers share the controller manager's own credentials",
        rationale: "`--use-service-account-credentials` defaults to false: every controller then runs with the controller manager's single, very broad identity. With it, each controller uses its own service account bound to a minimal `system:controller:*` role, so one controller's bug or compromise is contained.",
        remediation: "Set `--use-service-account-credentials=true` (the RBAC roles for the per-controller accounts are created automatically).",
        fix_example: "spec:\n  containers:\n  - name: kube-controller-manager\n    command:\n    - kube-controller-manager\n    - --use-service-account-credentials=true\n",
        references: &[
            DOC,
            "https://kubernetes.io/docs/reference/access-authn-authz/rbac/#controller-roles",
            CIS,
            NSA,
        ],
        frameworks: &["CIS-1.3.3", "NSA-CISA"],
    },
};

/// 1.3.4 `--service-account-private-key-file`.
pub static SERVICE_ACCOUNT_PRIVATE_KEY_FILE: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-453",
        name: "controller-manager-service-account-private-key-file",
        severity: Severity::Medium,
        title: "Controller manager has no service account signing key",
        rationale: "The token controller signs legacy service account tokens with `--service-account-private-key-file`. Without it no tokens are signed by a dedicated key that can be rotated independently of the serving certificates.",
        remediation: "Set `--service-account-private-key-file` to the private half of the key pair whose public half is the API server's `--service-account-key-file`.",
        fix_example: "spec:\n  containers:\n  - name: kube-controller-manager\n    command:\n    - kube-controller-manager\n    - --service-account-private-key-file=/etc/kubernetes/pki/sa.key\n",
        references: &[DOC, SA, CIS, NSA],
        frameworks: &["CIS-1.3.4", "NSA-CISA"],
    },
};

/// 1.3.5 `--root-ca-file`.
pub static ROOT_CA_FILE: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-454",
        name: "controller-manager-root-ca-file",
        severity: Severity::Medium,
        title: "Controller manager publishes no root CA to pods",
        rationale: "`--root-ca-file` is the CA bundle the controller manager publishes to every namespace (`kube-root-ca.crt`) and into service account token volumes. Without it pods cannot verify the API server's certificate and are exposed to interception, or skip verification altogether.",
        remediation: "Set `--root-ca-file` to the cluster CA bundle.",
        fix_example: "spec:\n  containers:\n  - name: kube-controller-manager\n    command:\n    - kube-controller-manager\n    - --root-ca-file=/etc/kubernetes/pki/ca.crt\n",
        references: &[DOC, SA, CIS, NSA],
        frameworks: &["CIS-1.3.5", "NSA-CISA", "MITRE:T1557"],
    },
};

/// 1.3.6 feature gate `RotateKubeletServerCertificate`.
pub static ROTATE_KUBELET_SERVER_CERTIFICATE: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-455",
        name: "controller-manager-rotate-kubelet-server-certificate",
        severity: Severity::Low,
        title: "Controller manager turns off kubelet serving certificate rotation",
        rationale: "The `RotateKubeletServerCertificate` feature gate (on by default) lets kubelet serving certificates be requested and renewed through the certificates API. Turning it off (directly or with `AllBeta=false`) leaves kubelets with long-lived self-signed serving certificates.",
        remediation: "Remove `RotateKubeletServerCertificate=false` (and `AllBeta=false`) from `--feature-gates`, or set `RotateKubeletServerCertificate=true`.",
        fix_example: "spec:\n  containers:\n  - name: kube-controller-manager\n    command:\n    - kube-controller-manager\n    - --feature-gates=RotateKubeletServerCertificate=true\n",
        references: &[
            DOC,
            "https://kubernetes.io/docs/reference/access-authn-authz/kubelet-tls-bootstrapping/#certificate-rotation",
            CIS,
            NSA,
        ],
        frameworks: &["CIS-1.3.6", "NSA-CISA"],
    },
};

/// 1.3.7 `--bind-address=127.0.0.1`.
pub static BIND_ADDRESS: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-456",
        name: "controller-manager-bind-address",
        severity: Severity::Medium,
        title: "Controller manager serves on every interface",
        rationale: "`--bind-address` defaults to 0.0.0.0: the controller manager's secure port (health, metrics, profiling) listens on every interface of the control-plane node instead of only locally. An absent flag is reported: the default, not a benchmark audit's leniency, decides what the process does.",
        remediation: "Set `--bind-address=127.0.0.1` and scrape metrics locally or through the API server.",
        fix_example: "spec:\n  containers:\n  - name: kube-controller-manager\n    command:\n    - kube-controller-manager\n    - --bind-address=127.0.0.1\n",
        references: &[DOC, CIS, NSA],
        frameworks: &["CIS-1.3.7", "NSA-CISA"],
    },
};
