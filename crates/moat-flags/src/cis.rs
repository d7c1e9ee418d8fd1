//! CIS Kubernetes Benchmark v1.10, sections 1.2 (API server), 1.3 (controller manager),
//! 1.4 (scheduler) and 2 (etcd): every control that can be judged from the command line.
//!
//! Not in the table, because flags cannot decide them:
//! - 1.2.20 `--request-timeout` "as appropriate": a site decision; the default (60s) is fine.
//! - 1.2.28 encryption providers: the contents of the `--encryption-provider-config` file.
//! - 2.7 a unique CA for etcd: needs the API server's `--client-ca-file` and the contents
//!   of both CA files.
//!
//! Where the benchmark's audit and the program disagree, the program wins: absent flags
//! are judged by the component's real default (`--bind-address` defaults to `0.0.0.0`, so
//! an absent flag fails 1.3.7 and 1.4.2), etcd flags also come from `ETCD_*` environment
//! variables, and rules are not judged when a configuration file takes the setting over
//! (`--authorization-config`, scheduler `--config`, etcd `--config-file`).

use crate::component::Component::{self, ApiServer, ControllerManager, Etcd, Scheduler};
use crate::rule::{Absent, Expect, Rule};

const fn rule(
    id: &'static str,
    control: &'static str,
    component: Component,
    flag: &'static str,
    expect: Expect,
    absent: Absent,
) -> Rule {
    Rule {
        id,
        control,
        component,
        flag,
        expect,
        absent,
        unless: match component {
            Etcd => &["config-file"],
            _ => &[],
        },
    }
}

const fn with_unless(mut r: Rule, unless: &'static [&'static str]) -> Rule {
    r.unless = unless;
    r
}

use Absent::{Default, Passes, Violates};
use Expect::{
    AdmissionPluginDisabled as PluginOff, AdmissionPluginEnabled as PluginOn, Bool, IntAtLeast,
    ListContains, ListNotContains, Loopback, NotSet, Set, StrongCiphersOnly, TlsVersionAtLeast,
};

const ADMISSION: &str = "enable-admission-plugins";

/// The rules, in check-ID order (which is benchmark order).
pub static CIS_1_10: &[Rule] = &[
    rule(
        "MOAT-400",
        "1.2.1",
        ApiServer,
        "anonymous-auth",
        Bool(false),
        Default("true"),
    ),
    rule(
        "MOAT-401",
        "1.2.2",
        ApiServer,
        "token-auth-file",
        NotSet,
        Passes,
    ),
    rule(
        "MOAT-402",
        "1.2.3",
        ApiServer,
        ADMISSION,
        PluginOn("DenyServiceExternalIPs"),
        Violates,
    ),
    rule(
        "MOAT-403",
        "1.2.4",
        ApiServer,
        "kubelet-client-certificate",
        Set,
        Violates,
    ),
    rule(
        "MOAT-403",
        "1.2.4",
        ApiServer,
        "kubelet-client-key",
        Set,
        Violates,
    ),
    rule(
        "MOAT-404",
        "1.2.5",
        ApiServer,
        "kubelet-certificate-authority",
        Set,
        Violates,
    ),
    with_unless(
        rule(
            "MOAT-405",
            "1.2.6",
            ApiServer,
            "authorization-mode",
            ListNotContains("AlwaysAllow"),
            Default("AlwaysAllow"),
        ),
        &["authorization-config"],
    ),
    with_unless(
        rule(
            "MOAT-406",
            "1.2.7",
            ApiServer,
            "authorization-mode",
            ListContains("Node"),
            Default("AlwaysAllow"),
        ),
        &["authorization-config"],
    ),
    with_unless(
        rule(
            "MOAT-407",
            "1.2.8",
            ApiServer,
            "authorization-mode",
            ListContains("RBAC"),
            Default("AlwaysAllow"),
        ),
        &["authorization-config"],
    ),
    rule(
        "MOAT-408",
        "1.2.9",
        ApiServer,
        ADMISSION,
        PluginOn("EventRateLimit"),
        Violates,
    ),
    rule(
        "MOAT-409",
        "1.2.10",
        ApiServer,
        ADMISSION,
        PluginOff("AlwaysAdmit"),
        Violates,
    ),
    rule(
        "MOAT-410",
        "1.2.11",
        ApiServer,
        ADMISSION,
        PluginOn("AlwaysPullImages"),
        Violates,
    ),
    rule(
        "MOAT-411",
        "1.2.12",
        ApiServer,
        ADMISSION,
        PluginOn("ServiceAccount"),
        Violates,
    ),
    rule(
        "MOAT-412",
        "1.2.13",
        ApiServer,
        ADMISSION,
        PluginOn("NamespaceLifecycle"),
        Violates,
    ),
    rule(
        "MOAT-413",
        "1.2.14",
        ApiServer,
        ADMISSION,
        PluginOn("NodeRestriction"),
        Violates,
    ),
    rule(
        "MOAT-414",
        "1.2.15",
        ApiServer,
        "profiling",
        Bool(false),
        Default("true"),
    ),
    rule(
        "MOAT-415",
        "1.2.16",
        ApiServer,
        "audit-log-path",
        Set,
        Violates,
    ),
    rule(
        "MOAT-416",
        "1.2.17",
        ApiServer,
        "audit-log-maxage",
        IntAtLeast(30),
        Default("0"),
    ),
    rule(
        "MOAT-417",
        "1.2.18",
        ApiServer,
        "audit-log-maxbackup",
        IntAtLeast(10),
        Default("0"),
    ),
    rule(
        "MOAT-418",
        "1.2.19",
        ApiServer,
        "audit-log-maxsize",
        IntAtLeast(100),
        Default("0"),
    ),
    rule(
        "MOAT-419",
        "1.2.21",
        ApiServer,
        "service-account-lookup",
        Bool(true),
        Default("true"),
    ),
    rule(
        "MOAT-420",
        "1.2.22",
        ApiServer,
        "service-account-key-file",
        Set,
        Violates,
    ),
    rule(
        "MOAT-421",
        "1.2.23",
        ApiServer,
        "etcd-certfile",
        Set,
        Violates,
    ),
    rule(
        "MOAT-421",
        "1.2.23",
        ApiServer,
        "etcd-keyfile",
        Set,
        Violates,
    ),
    rule(
        "MOAT-422",
        "1.2.24",
        ApiServer,
        "tls-cert-file",
        Set,
        Violates,
    ),
    rule(
        "MOAT-422",
        "1.2.24",
        ApiServer,
        "tls-private-key-file",
        Set,
        Violates,
    ),
    rule(
        "MOAT-423",
        "1.2.25",
        ApiServer,
        "client-ca-file",
        Set,
        Violates,
    ),
    rule(
        "MOAT-424",
        "1.2.26",
        ApiServer,
        "etcd-cafile",
        Set,
        Violates,
    ),
    rule(
        "MOAT-425",
        "1.2.27",
        ApiServer,
        "encryption-provider-config",
        Set,
        Violates,
    ),
    rule(
        "MOAT-426",
        "1.2.29",
        ApiServer,
        "tls-cipher-suites",
        StrongCiphersOnly,
        Violates,
    ),
    // Not a CIS control: an explicitly weakened TLS floor.
    rule(
        "MOAT-427",
        "",
        ApiServer,
        "tls-min-version",
        TlsVersionAtLeast("VersionTLS12"),
        Passes,
    ),
    rule(
        "MOAT-450",
        "1.3.1",
        ControllerManager,
        "terminated-pod-gc-threshold",
        Set,
        Violates,
    ),
    rule(
        "MOAT-451",
        "1.3.2",
        ControllerManager,
        "profiling",
        Bool(false),
        Default("true"),
    ),
    rule(
        "MOAT-452",
        "1.3.3",
        ControllerManager,
        "use-service-account-credentials",
        Bool(true),
        Default("false"),
    ),
    rule(
        "MOAT-453",
        "1.3.4",
        ControllerManager,
        "service-account-private-key-file",
        Set,
        Violates,
    ),
    rule(
        "MOAT-454",
        "1.3.5",
        ControllerManager,
        "root-ca-file",
        Set,
        Violates,
    ),
    rule(
        "MOAT-455",
        "1.3.6",
        ControllerManager,
        "feature-gates",
        Expect::FeatureGate {
            gate: "RotateKubeletServerCertificate",
            enabled: true,
            stage: Some("AllBeta"),
        },
        Default("true"),
    ),
    rule(
        "MOAT-456",
        "1.3.7",
        ControllerManager,
        "bind-address",
        Loopback,
        Default("0.0.0.0"),
    ),
    with_unless(
        rule(
            "MOAT-470",
            "1.4.1",
            Scheduler,
            "profiling",
            Bool(false),
            Default("true"),
        ),
        &["config"],
    ),
    rule(
        "MOAT-471",
        "1.4.2",
        Scheduler,
        "bind-address",
        Loopback,
        Default("0.0.0.0"),
    ),
    rule("MOAT-480", "2.1", Etcd, "cert-file", Set, Violates),
    rule("MOAT-480", "2.1", Etcd, "key-file", Set, Violates),
    rule(
        "MOAT-481",
        "2.2",
        Etcd,
        "client-cert-auth",
        Bool(true),
        Default("false"),
    ),
    rule(
        "MOAT-482",
        "2.3",
        Etcd,
        "auto-tls",
        Bool(false),
        Default("false"),
    ),
    rule("MOAT-483", "2.4", Etcd, "peer-cert-file", Set, Violates),
    rule("MOAT-483", "2.4", Etcd, "peer-key-file", Set, Violates),
    rule(
        "MOAT-484",
        "2.5",
        Etcd,
        "peer-client-cert-auth",
        Bool(true),
        Default("false"),
    ),
    rule(
        "MOAT-485",
        "2.6",
        Etcd,
        "peer-auto-tls",
        Bool(false),
        Default("false"),
    ),
];

/// The rules of one check ID.
pub fn rules(id: &str) -> impl Iterator<Item = &'static Rule> + '_ {
    CIS_1_10.iter().filter(move |r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_ordered_and_each_id_has_one_component_and_control() {
        let mut prev = "";
        for r in CIS_1_10 {
            assert!(r.id >= prev, "{} after {prev}", r.id);
            prev = r.id;
            for other in rules(r.id) {
                assert_eq!(
                    (other.component, other.control),
                    (r.component, r.control),
                    "{}",
                    r.id
                );
            }
            let range = match r.component {
                ApiServer => 400..450,
                ControllerManager => 450..470,
                Scheduler => 470..480,
                Etcd => 480..500,
            };
            let n: u32 = r.id.trim_start_matches("MOAT-").parse().unwrap_or(0);
            assert!(range.contains(&n), "{} outside its component's range", r.id);
            let schema = r.component.schema();
            assert!(
                schema.kind(r.flag).is_some(),
                "{}: --{} unknown to the schema",
                r.id,
                r.flag
            );
        }
    }
}
