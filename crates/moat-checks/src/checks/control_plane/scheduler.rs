//! kube-scheduler flags: CIS Kubernetes Benchmark v1.10 section 1.4 (MOAT-470–471).

use moat_core::{CheckMeta, Severity};

use super::{CIS, FlagCheck, NSA};

const DOC: &str =
    "https://kubernetes.io/docs/reference/command-line-tools-reference/kube-scheduler/";

/// 1.4.1 `--profiling=false`.
pub static PROFILING: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-470",
        name: "scheduler-profiling",
        severity: Severity::Low,
        title: "Scheduler exposes profiling endpoints",
        rationale: "`--profiling` defaults to true and serves `/debug/pprof` on the scheduler's secure port, revealing program internals and allowing expensive profiles to be triggered. Not judged when `--config` is given: the configuration file's `enableProfiling` decides then.",
        remediation: "Set `--profiling=false` on kube-scheduler, or `enableProfiling: false` in its configuration file.",
        fix_example: "spec:\n  containers:\n  - name: kube-scheduler\n    command:\n    - kube-scheduler\n    - --profiling=false\n",
        references: &[DOC, CIS],
        frameworks: &["CIS-1.4.1"],
    },
};

/// 1.4.2 `--bind-address=127.0.0.1`.
pub static BIND_ADDRESS: FlagCheck = FlagCheck {
    meta: &CheckMeta {
        id: "MOAT-471",
        name: "scheduler-bind-address",
        severity: Severity::Medium,
        title: "Scheduler serves on every interface",
        rationale: "`--bind-address` defaults to 0.0.0.0: the scheduler's secure port (health, metrics, profiling) listens on every interface of the control-plane node instead of only locally. An absent flag is reported, since the default decides what the process does.",
        remediation: "Set `--bind-address=127.0.0.1` on kube-scheduler.",
        fix_example: "spec:\n  containers:\n  - name: kube-scheduler\n    command:\n    - kube-scheduler\n    - --bind-address=127.0.0.1\n",
        references: &[DOC, CIS, NSA],
        frameworks: &["CIS-1.4.2", "NSA-CISA"],
    },
};
