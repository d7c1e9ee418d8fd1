//! Flag rules and their evaluation.
//!
//! A [`Rule`] says what one flag of one component must look like; [`evaluate`] judges a
//! parsed [`CommandLine`] (plus, for components that read them, environment variables)
//! and returns a [`Verdict`]. A violation names the argument (or environment variable)
//! that decided it, so callers can point at the offending line.

use std::fmt::Write as _;
use std::net::IpAddr;

use crate::component::Component;
use crate::parse::{CommandLine, Form, Item, parse_bool, parse_int, split_csv};

/// What a flag must look like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Expect {
    /// Present with a non-empty value.
    Set,
    /// Absent (or empty).
    NotSet,
    /// Exactly this value.
    Equals(&'static str),
    /// Anything but this value.
    NotEquals(&'static str),
    /// A boolean with this value (Go `strconv.ParseBool` spellings).
    Bool(bool),
    /// A list flag including this element.
    ListContains(&'static str),
    /// A list flag not including this element.
    ListNotContains(&'static str),
    /// An integer (Go base-0 syntax) at least this large.
    IntAtLeast(i64),
    /// `--feature-gates` sets `gate` to `enabled`. When the gate is not named, the
    /// `stage` switch (`AllBeta`, `AllAlpha`) decides if given, else the rule's default.
    FeatureGate {
        /// The gate.
        gate: &'static str,
        /// Required state.
        enabled: bool,
        /// Switch that flips every gate of the gate's stage, if any.
        stage: Option<&'static str>,
    },
    /// A list of TLS cipher suites drawn only from [`STRONG_CIPHERS`].
    StrongCiphersOnly,
    /// A Go TLS version name (`VersionTLS12`) at least this one.
    TlsVersionAtLeast(&'static str),
    /// An IP address on the loopback interface.
    Loopback,
    /// kube-apiserver admission plugin enabled, taking `--admission-control`,
    /// `--enable-admission-plugins`, `--disable-admission-plugins` and the plugins
    /// enabled by default into account.
    AdmissionPluginEnabled(&'static str),
    /// kube-apiserver admission plugin not enabled (see [`Expect::AdmissionPluginEnabled`]).
    AdmissionPluginDisabled(&'static str),
}

/// How to judge a flag that is not given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Absent {
    /// Absence violates the rule.
    Violates,
    /// Absence satisfies the rule.
    Passes,
    /// The component's default applies; judge this value.
    Default(&'static str),
}

/// One flag rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    /// Check ID (`MOAT-400`); several rules may share one ID when a control names
    /// several flags.
    pub id: &'static str,
    /// Benchmark control (`1.2.1`).
    pub control: &'static str,
    /// Component whose command line is judged.
    pub component: Component,
    /// Flag name without dashes.
    pub flag: &'static str,
    /// What the flag must look like.
    pub expect: Expect,
    /// What absence means.
    pub absent: Absent,
    /// Flags that take the setting out of the command line (a configuration file the
    /// component reads instead); when one is set the rule is not judged.
    pub unless: &'static [&'static str],
}

/// An environment variable of the component's process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EnvVar<'a> {
    /// Name.
    pub name: &'a str,
    /// Literal value, or `None` when it is not known (taken from a Secret, a field…).
    pub value: Option<&'a str>,
    /// Position in the caller's list.
    pub index: usize,
}

/// Where the deciding setting is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Site {
    /// An argument, by index in the parsed arguments.
    Arg(usize),
    /// An environment variable, by [`EnvVar::index`].
    Env(usize),
    /// Nowhere: the flag is absent.
    Absent,
}

/// A failed rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The flag judged.
    pub flag: &'static str,
    /// Where the deciding setting is.
    pub site: Site,
    /// What the rule wants, in words (`false`, `at least 30`).
    pub expected: String,
    /// The value found (`None` when absent and no default applies).
    pub actual: Option<String>,
    /// One sentence for a report.
    pub message: String,
}

/// The result of one rule on one command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The rule holds.
    Pass,
    /// The rule is violated.
    Fail(Violation),
    /// The rule cannot be judged from the command line.
    NotJudged(NotJudged),
}

/// Why a rule was not judged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotJudged {
    /// The command line runs another component.
    OtherComponent,
    /// A configuration-file flag takes the setting over.
    OverriddenBy(&'static str),
    /// The deciding environment variable's value is not known.
    UnknownEnv(String),
}

/// Cipher suites CIS Kubernetes Benchmark v1.10 control 1.2.29 accepts (Go names).
pub const STRONG_CIPHERS: &[&str] = &[
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
];

/// Admission plugins kube-apiserver enables when `--enable-admission-plugins` does not
/// name them and `--disable-admission-plugins` does not turn them off (v1.28–v1.31).
pub const DEFAULT_ADMISSION_PLUGINS: &[&str] = &[
    "CertificateApproval",
    "CertificateSigning",
    "CertificateSubjectRestriction",
    "ClusterTrustBundleAttest",
    "DefaultIngressClass",
    "DefaultStorageClass",
    "DefaultTolerationSeconds",
    "LimitRanger",
    "MutatingAdmissionWebhook",
    "NamespaceLifecycle",
    "PersistentVolumeClaimResize",
    "PodSecurity",
    "Priority",
    "ResourceQuota",
    "RuntimeClass",
    "ServiceAccount",
    "StorageObjectInUseProtection",
    "TaintNodesByCondition",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionWebhook",
];

const TLS_VERSIONS: &[&str] = &[
    "VersionTLS10",
    "VersionTLS11",
    "VersionTLS12",
    "VersionTLS13",
];

impl Expect {
    /// What the rule wants, in words.
    pub fn describe(&self) -> String {
        match *self {
            Expect::Set => "a non-empty value".to_owned(),
            Expect::NotSet => "not set".to_owned(),
            Expect::Equals(v) => v.to_owned(),
            Expect::NotEquals(v) => format!("anything but {v}"),
            Expect::Bool(b) => b.to_string(),
            Expect::ListContains(v) => format!("a list including {v}"),
            Expect::ListNotContains(v) => format!("a list without {v}"),
            Expect::IntAtLeast(n) => format!("at least {n}"),
            Expect::FeatureGate { gate, enabled, .. } => format!("{gate}={enabled}"),
            Expect::StrongCiphersOnly => "only strong cipher suites".to_owned(),
            Expect::TlsVersionAtLeast(v) => format!("{v} or later"),
            Expect::Loopback => "a loopback address such as 127.0.0.1".to_owned(),
            Expect::AdmissionPluginEnabled(p) => format!("admission plugin {p} enabled"),
            Expect::AdmissionPluginDisabled(p) => format!("admission plugin {p} not enabled"),
        }
    }
}

/// The setting a rule judges: from an argument, an environment variable, the default.
#[derive(Clone, Copy, Debug)]
struct Found<'a> {
    value: &'a str,
    site: Site,
    origin: Origin<'a>,
}

#[derive(Clone, Copy, Debug)]
enum Origin<'a> {
    Flag,
    Env(&'a str),
    Default,
}

impl Found<'_> {
    /// `--flag=value`, `ENV=value (environment)` or `--flag is not set (default value)`.
    fn show(&self, flag: &str) -> String {
        match self.origin {
            Origin::Flag => format!("--{flag}={}", self.value),
            Origin::Env(name) => format!("{name}={} (environment variable)", self.value),
            Origin::Default => format!("--{flag} is not set (default {})", quote(self.value)),
        }
    }
}

fn quote(v: &str) -> String {
    if v.is_empty() {
        "\"\"".to_owned()
    } else {
        v.to_owned()
    }
}

/// Judges `rule` against a parsed command line of `component` and its environment.
pub fn evaluate(
    rule: &Rule,
    component: Component,
    line: &CommandLine<'_>,
    env: &[EnvVar<'_>],
) -> Verdict {
    if component != rule.component {
        return Verdict::NotJudged(NotJudged::OtherComponent);
    }
    for &over in rule.unless {
        if line.is_set(over) || env_lookup(component, over, env).is_some() {
            return Verdict::NotJudged(NotJudged::OverriddenBy(over));
        }
    }
    match rule.expect {
        Expect::AdmissionPluginEnabled(p) => return admission(rule, line, p, true),
        Expect::AdmissionPluginDisabled(p) => return admission(rule, line, p, false),
        Expect::ListContains(_) | Expect::ListNotContains(_) | Expect::StrongCiphersOnly => {
            return list_rule(rule, line);
        }
        Expect::FeatureGate {
            gate,
            enabled,
            stage,
        } => return feature_gate(rule, line, gate, enabled, stage),
        _ => {}
    }
    let mut hint = None;
    let found = match line.last(rule.flag) {
        Some(o) => {
            // `--bool value`: the value is a stray positional, not the flag's value.
            if o.form == Form::Bare
                && let Some((_, stray)) = line.positionals().iter().find(|(i, _)| *i == o.index + 1)
                && parse_bool(stray).is_some()
            {
                hint = Some(format!(
                    " (a boolean flag takes no separate value: `--{} {stray}` sets it to true; write --{}={stray})",
                    rule.flag, rule.flag
                ));
            }
            Some(Found {
                value: o.value,
                site: Site::Arg(o.value_index),
                origin: Origin::Flag,
            })
        }
        None => match env_lookup(component, rule.flag, env) {
            Some((var, None)) => return Verdict::NotJudged(NotJudged::UnknownEnv(var.to_owned())),
            Some((var, Some((value, index)))) => Some(Found {
                value,
                site: Site::Env(index),
                origin: Origin::Env(var),
            }),
            None => None,
        },
    };
    match (scalar(rule, found), hint) {
        (Verdict::Fail(mut v), Some(h)) => {
            v.message.push_str(&h);
            Verdict::Fail(v)
        }
        (v, _) => v,
    }
}

/// The last environment variable standing for `flag`: its name and, if literal, value
/// and index.
fn env_lookup<'e>(
    component: Component,
    flag: &str,
    env: &[EnvVar<'e>],
) -> Option<(&'e str, Option<(&'e str, usize)>)> {
    let want = component.env_var(flag)?;
    let var = env.iter().rev().find(|e| e.name == want)?;
    Some((var.name, var.value.map(|v| (v, var.index))))
}

fn fail(rule: &Rule, site: Site, actual: Option<String>, message: String) -> Verdict {
    Verdict::Fail(Violation {
        flag: rule.flag,
        site,
        expected: rule.expect.describe(),
        actual,
        message,
    })
}

fn scalar(rule: &Rule, found: Option<Found<'_>>) -> Verdict {
    let flag = rule.flag;
    let found = match (found, rule.absent) {
        (Some(f), _) => f,
        (None, Absent::Passes) => return Verdict::Pass,
        (None, Absent::Default(value)) => Found {
            value,
            site: Site::Absent,
            origin: Origin::Default,
        },
        (None, Absent::Violates) => {
            if rule.expect == Expect::NotSet {
                return Verdict::Pass;
            }
            let message = if rule.expect == Expect::Set {
                format!("--{flag} is not set")
            } else {
                format!("--{flag} is not set; expected {}", rule.expect.describe())
            };
            return fail(rule, Site::Absent, None, message);
        }
    };
    let value = found.value;
    let shown = found.show(flag);
    let bad = |message: String| fail(rule, found.site, Some(value.to_owned()), message);
    match rule.expect {
        Expect::Set => {
            if value.is_empty() {
                return bad(format!("--{flag} is empty; expected a value"));
            }
        }
        Expect::NotSet => {
            if !value.is_empty() {
                return bad(format!("{shown} is set; expected it to be absent"));
            }
        }
        Expect::Equals(want) => {
            if value != want {
                return bad(format!("{shown}; expected {want}"));
            }
        }
        Expect::NotEquals(unwanted) => {
            if value == unwanted {
                return bad(format!("{shown}; expected anything but {unwanted}"));
            }
        }
        Expect::Bool(want) => match parse_bool(value) {
            Some(b) if b == want => {}
            Some(_) => return bad(format!("{shown}; expected {want}")),
            None => return bad(format!("{shown} is not a boolean; expected {want}")),
        },
        Expect::IntAtLeast(min) => match parse_int(value) {
            Some(n) if n >= min => {}
            Some(_) => return bad(format!("{shown}; expected at least {min}")),
            None => {
                return bad(format!(
                    "{shown} is not an integer; expected at least {min}"
                ));
            }
        },
        Expect::TlsVersionAtLeast(min) => {
            let rank = |v: &str| TLS_VERSIONS.iter().position(|t| *t == v);
            match (rank(value), rank(min)) {
                (Some(have), Some(need)) if have >= need => {}
                (Some(_), _) => return bad(format!("{shown}; expected {min} or later")),
                (None, _) => {
                    return bad(format!(
                        "{shown} is not a TLS version; expected {min} or later"
                    ));
                }
            }
        }
        Expect::Loopback => {
            if !is_loopback(value) {
                return bad(format!(
                    "{shown}; expected a loopback address such as 127.0.0.1"
                ));
            }
        }
        Expect::ListContains(_)
        | Expect::ListNotContains(_)
        | Expect::StrongCiphersOnly
        | Expect::FeatureGate { .. }
        | Expect::AdmissionPluginEnabled(_)
        | Expect::AdmissionPluginDisabled(_) => {}
    }
    Verdict::Pass
}

fn is_loopback(v: &str) -> bool {
    match v.parse::<IpAddr>() {
        Ok(IpAddr::V4(a)) => a.is_loopback(),
        Ok(IpAddr::V6(a)) => a.is_loopback() || a.to_ipv4_mapped().is_some_and(|m| m.is_loopback()),
        Err(_) => false,
    }
}

fn join(items: &[Item<'_>]) -> String {
    let mut s = String::new();
    for (i, it) in items.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&it.value);
    }
    s
}

fn list_rule(rule: &Rule, line: &CommandLine<'_>) -> Verdict {
    let flag = rule.flag;
    let (items, site, shown) = match line.list(flag) {
        Some(items) => {
            let site = line
                .last(flag)
                .map_or(Site::Absent, |o| Site::Arg(o.value_index));
            let shown = format!("--{flag}={}", join(&items));
            (items, site, shown)
        }
        None => match rule.absent {
            Absent::Passes => return Verdict::Pass,
            Absent::Violates => {
                let message = format!("--{flag} is not set; expected {}", rule.expect.describe());
                return fail(rule, Site::Absent, None, message);
            }
            Absent::Default(d) => {
                let items = split_csv(d)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|value| Item { value, index: 0 })
                    .collect();
                (
                    items,
                    Site::Absent,
                    format!("--{flag} is not set; its default {}", quote(d)),
                )
            }
        },
    };
    let actual = Some(join(&items));
    match rule.expect {
        Expect::ListContains(want) if !items.iter().any(|i| i.value == want) => {
            return fail(
                rule,
                site,
                actual,
                format!("{shown} does not include {want}"),
            );
        }
        Expect::ListNotContains(unwanted) => {
            if let Some(hit) = items.iter().rev().find(|i| i.value == unwanted) {
                let site = if site == Site::Absent {
                    site
                } else {
                    Site::Arg(hit.index)
                };
                return fail(rule, site, actual, format!("{shown} includes {unwanted}"));
            }
        }
        Expect::StrongCiphersOnly => {
            let weak: Vec<&Item<'_>> = items
                .iter()
                .filter(|i| !STRONG_CIPHERS.contains(&i.value.as_ref()))
                .collect();
            if let Some(first) = weak.first() {
                let mut names = String::new();
                for (n, w) in weak.iter().enumerate() {
                    if n > 0 {
                        names.push_str(", ");
                    }
                    let _ = write!(
                        names,
                        "{}",
                        if w.value.is_empty() { "\"\"" } else { &w.value }
                    );
                }
                let site = if site == Site::Absent {
                    site
                } else {
                    Site::Arg(first.index)
                };
                return fail(
                    rule,
                    site,
                    actual,
                    format!("--{flag} allows weak cipher suites: {names}"),
                );
            }
            if items.is_empty() {
                return fail(
                    rule,
                    site,
                    actual,
                    format!(
                        "--{flag} is empty: Go's default cipher suites apply; expected only strong suites"
                    ),
                );
            }
        }
        _ => {}
    }
    Verdict::Pass
}

fn feature_gate(
    rule: &Rule,
    line: &CommandLine<'_>,
    gate: &'static str,
    enabled: bool,
    stage: Option<&'static str>,
) -> Verdict {
    let flag = rule.flag;
    let entries = line.map(flag).unwrap_or_default();
    let named = entries
        .iter()
        .find(|e| e.key == gate)
        .or_else(|| stage.and_then(|s| entries.iter().find(|e| e.key == s)));
    let (value, site, shown) = match named {
        Some(e) => (
            e.value,
            Site::Arg(e.index),
            format!("--{flag} sets {}={}", e.key, e.value),
        ),
        None => match rule.absent {
            Absent::Passes => return Verdict::Pass,
            Absent::Violates => {
                let site = line
                    .last(flag)
                    .map_or(Site::Absent, |o| Site::Arg(o.value_index));
                let message = format!("--{flag} does not set {gate}; expected {gate}={enabled}");
                return fail(rule, site, None, message);
            }
            Absent::Default(d) => (d, Site::Absent, format!("{gate} is not set (default {d})")),
        },
    };
    match parse_bool(value) {
        Some(b) if b == enabled => Verdict::Pass,
        Some(_) => fail(
            rule,
            site,
            Some(value.to_owned()),
            format!("{shown}; expected {gate}={enabled}"),
        ),
        None => fail(
            rule,
            site,
            Some(value.to_owned()),
            format!("{shown}, which is not a boolean; expected {gate}={enabled}"),
        ),
    }
}

fn admission(rule: &Rule, line: &CommandLine<'_>, plugin: &'static str, want_on: bool) -> Verdict {
    const LEGACY: &str = "admission-control";
    const ENABLE: &str = "enable-admission-plugins";
    const DISABLE: &str = "disable-admission-plugins";
    let find = |flag: &str| -> (Option<Vec<Item<'_>>>, Option<usize>) {
        let items = line.list(flag).filter(|l| !l.is_empty());
        let hit = items
            .as_ref()
            .and_then(|l| l.iter().rev().find(|i| i.value == plugin).map(|i| i.index));
        (items, hit)
    };
    let last_site = |flag: &str| {
        line.last(flag)
            .map_or(Site::Absent, |o| Site::Arg(o.value_index))
    };
    let (legacy, legacy_hit) = find(LEGACY);
    let (on, site, how) = if legacy.is_some() {
        // `--admission-control` names exactly the plugins that run, defaults included.
        match legacy_hit {
            Some(i) => (true, Site::Arg(i), format!("--{LEGACY} enables {plugin}")),
            None => (
                false,
                last_site(LEGACY),
                format!("--{LEGACY} does not include {plugin}"),
            ),
        }
    } else {
        let (_, enable_hit) = find(ENABLE);
        let (_, disable_hit) = find(DISABLE);
        let default_on = DEFAULT_ADMISSION_PLUGINS.contains(&plugin);
        match (enable_hit, disable_hit) {
            (Some(i), _) => (true, Site::Arg(i), format!("--{ENABLE} enables {plugin}")),
            (None, Some(i)) => (
                false,
                Site::Arg(i),
                format!("--{DISABLE} disables {plugin}"),
            ),
            (None, None) if default_on => (
                true,
                last_site(DISABLE),
                format!("{plugin} is enabled by default and --{DISABLE} does not turn it off"),
            ),
            (None, None) => (
                false,
                last_site(ENABLE),
                if line.is_set(ENABLE) {
                    format!("--{ENABLE} does not include {plugin}")
                } else {
                    format!("--{ENABLE} is not set and {plugin} is off by default")
                },
            ),
        }
    };
    if on == want_on {
        return Verdict::Pass;
    }
    let state = if on { "enabled" } else { "not enabled" };
    fail(
        rule,
        site,
        Some(format!("{plugin} {state}")),
        format!("admission plugin {plugin} is {state}: {how}"),
    )
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn rule(flag: &'static str, expect: Expect, absent: Absent) -> Rule {
        Rule {
            id: "T",
            control: "0",
            component: Component::ApiServer,
            flag,
            expect,
            absent,
            unless: &[],
        }
    }

    fn judge(r: &Rule, args: &[&str]) -> Verdict {
        let cl = CommandLine::parse(args, r.component.schema());
        evaluate(r, r.component, &cl, &[])
    }

    fn site(v: &Verdict) -> Option<Site> {
        match v {
            Verdict::Fail(f) => Some(f.site),
            _ => None,
        }
    }

    #[test]
    fn booleans_with_defaults() {
        let r = rule(
            "anonymous-auth",
            Expect::Bool(false),
            Absent::Default("true"),
        );
        assert_eq!(judge(&r, &["--anonymous-auth=false"]), Verdict::Pass);
        assert_eq!(judge(&r, &["--anonymous-auth=F"]), Verdict::Pass);
        assert_eq!(
            site(&judge(&r, &["--x=1", "--anonymous-auth"])),
            Some(Site::Arg(1))
        );
        assert_eq!(site(&judge(&r, &[])), Some(Site::Absent));
        assert_eq!(
            site(&judge(
                &r,
                &["--anonymous-auth=false", "--anonymous-auth=true"]
            )),
            Some(Site::Arg(1))
        );
        let Verdict::Fail(v) = judge(&r, &[]) else {
            panic!()
        };
        assert_eq!(
            v.message,
            "--anonymous-auth is not set (default true); expected false"
        );
        assert_eq!(
            site(&judge(&r, &["--anonymous-auth=no"])),
            Some(Site::Arg(0))
        );
    }

    #[test]
    fn set_not_set_and_numbers() {
        let r = rule("audit-log-path", Expect::Set, Absent::Violates);
        assert_eq!(
            judge(&r, &["--audit-log-path", "/var/log/a"]),
            Verdict::Pass
        );
        assert_eq!(site(&judge(&r, &["--audit-log-path="])), Some(Site::Arg(0)));
        assert_eq!(site(&judge(&r, &[])), Some(Site::Absent));
        let r = rule("token-auth-file", Expect::NotSet, Absent::Violates);
        assert_eq!(judge(&r, &[]), Verdict::Pass);
        assert_eq!(
            site(&judge(&r, &["--token-auth-file", "/t.csv"])),
            Some(Site::Arg(1))
        );
        let r = rule(
            "audit-log-maxage",
            Expect::IntAtLeast(30),
            Absent::Default("0"),
        );
        assert_eq!(judge(&r, &["--audit-log-maxage=0x20"]), Verdict::Pass);
        assert_eq!(
            site(&judge(&r, &["--audit-log-maxage", "030"])),
            Some(Site::Arg(1))
        );
        assert_eq!(
            site(&judge(&r, &["--audit-log-maxage=30d"])),
            Some(Site::Arg(0))
        );
        assert_eq!(site(&judge(&r, &[])), Some(Site::Absent));
    }

    #[test]
    fn lists() {
        let r = rule(
            "authorization-mode",
            Expect::ListNotContains("AlwaysAllow"),
            Absent::Default("AlwaysAllow"),
        );
        assert_eq!(
            judge(&r, &["--authorization-mode=Node,RBAC"]),
            Verdict::Pass
        );
        assert_eq!(site(&judge(&r, &[])), Some(Site::Absent));
        assert_eq!(
            site(&judge(
                &r,
                &[
                    "--authorization-mode=AlwaysAllow",
                    "--authorization-mode",
                    "Node,RBAC"
                ]
            )),
            Some(Site::Arg(0))
        );
        let r = rule(
            "authorization-mode",
            Expect::ListContains("Node"),
            Absent::Default("AlwaysAllow"),
        );
        assert_eq!(
            judge(
                &r,
                &["--authorization-mode=RBAC", "--authorization-mode=Node"]
            ),
            Verdict::Pass
        );
        assert_eq!(
            site(&judge(&r, &["--authorization-mode=RBAC", "--x"])),
            Some(Site::Arg(0))
        );
        assert_eq!(
            site(&judge(&r, &["--authorization-mode=Nodes"])),
            Some(Site::Arg(0))
        );
    }

    #[test]
    fn ciphers_and_tls_versions() {
        let r = rule(
            "tls-cipher-suites",
            Expect::StrongCiphersOnly,
            Absent::Violates,
        );
        assert_eq!(
            judge(
                &r,
                &[
                    "--tls-cipher-suites=TLS_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
                ]
            ),
            Verdict::Pass
        );
        let v = judge(
            &r,
            &[
                "--tls-cipher-suites=TLS_AES_128_GCM_SHA256",
                "--tls-cipher-suites",
                "TLS_RSA_WITH_AES_128_GCM_SHA256,TLS_RSA_WITH_3DES_EDE_CBC_SHA",
            ],
        );
        let Verdict::Fail(v) = v else { panic!() };
        assert_eq!(v.site, Site::Arg(2));
        assert!(
            v.message
                .ends_with("TLS_RSA_WITH_AES_128_GCM_SHA256, TLS_RSA_WITH_3DES_EDE_CBC_SHA")
        );
        assert_eq!(site(&judge(&r, &[])), Some(Site::Absent));
        assert_eq!(
            site(&judge(&r, &["--tls-cipher-suites="])),
            Some(Site::Arg(0))
        );
        let r = rule(
            "tls-min-version",
            Expect::TlsVersionAtLeast("VersionTLS12"),
            Absent::Passes,
        );
        assert_eq!(judge(&r, &[]), Verdict::Pass);
        assert_eq!(
            judge(&r, &["--tls-min-version=VersionTLS13"]),
            Verdict::Pass
        );
        assert_eq!(
            site(&judge(&r, &["--tls-min-version=VersionTLS11"])),
            Some(Site::Arg(0))
        );
        assert_eq!(
            site(&judge(&r, &["--tls-min-version=TLS12"])),
            Some(Site::Arg(0))
        );
    }

    #[test]
    fn loopback() {
        let r = rule("bind-address", Expect::Loopback, Absent::Default("0.0.0.0"));
        for ok in ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"] {
            assert_eq!(judge(&r, &["--bind-address", ok]), Verdict::Pass, "{ok}");
        }
        for bad in ["0.0.0.0", "::", "10.0.0.1", "localhost", "127.0.0.01"] {
            assert_eq!(
                site(&judge(&r, &["--bind-address", bad])),
                Some(Site::Arg(1)),
                "{bad}"
            );
        }
        assert_eq!(site(&judge(&r, &[])), Some(Site::Absent));
    }

    #[test]
    fn feature_gates() {
        let mut r = rule(
            "feature-gates",
            Expect::FeatureGate {
                gate: "RotateKubeletServerCertificate",
                enabled: true,
                stage: Some("AllBeta"),
            },
            Absent::Default("true"),
        );
        r.component = Component::ControllerManager;
        assert_eq!(judge(&r, &[]), Verdict::Pass);
        assert_eq!(judge(&r, &["--feature-gates=Foo=false"]), Verdict::Pass);
        assert_eq!(
            site(&judge(
                &r,
                &[
                    "--feature-gates=RotateKubeletServerCertificate=true",
                    "--feature-gates",
                    "RotateKubeletServerCertificate=false"
                ]
            )),
            Some(Site::Arg(2))
        );
        assert_eq!(
            site(&judge(&r, &["--feature-gates=AllBeta=false"])),
            Some(Site::Arg(0))
        );
        assert_eq!(
            judge(
                &r,
                &["--feature-gates=AllBeta=false,RotateKubeletServerCertificate=true"]
            ),
            Verdict::Pass
        );
    }

    #[test]
    fn admission_plugins() {
        let on = |p| {
            rule(
                "enable-admission-plugins",
                Expect::AdmissionPluginEnabled(p),
                Absent::Violates,
            )
        };
        let off = |p| {
            rule(
                "enable-admission-plugins",
                Expect::AdmissionPluginDisabled(p),
                Absent::Violates,
            )
        };
        let nr = on("NodeRestriction");
        assert_eq!(
            judge(&nr, &["--enable-admission-plugins=NodeRestriction"]),
            Verdict::Pass
        );
        assert_eq!(site(&judge(&nr, &[])), Some(Site::Absent));
        assert_eq!(
            site(&judge(
                &nr,
                &["--x", "--enable-admission-plugins", "PodSecurity"]
            )),
            Some(Site::Arg(2))
        );
        let sa = on("ServiceAccount");
        assert_eq!(judge(&sa, &[]), Verdict::Pass);
        assert_eq!(
            site(&judge(
                &sa,
                &[
                    "--disable-admission-plugins=Foo",
                    "--disable-admission-plugins=ServiceAccount"
                ]
            )),
            Some(Site::Arg(1))
        );
        assert_eq!(
            site(&judge(&sa, &["--admission-control=NodeRestriction"])),
            Some(Site::Arg(0))
        );
        let aa = off("AlwaysAdmit");
        assert_eq!(
            judge(&aa, &["--enable-admission-plugins=NodeRestriction"]),
            Verdict::Pass
        );
        assert_eq!(
            site(&judge(
                &aa,
                &[
                    "--enable-admission-plugins=AlwaysAdmit",
                    "--enable-admission-plugins=NodeRestriction"
                ]
            )),
            Some(Site::Arg(0))
        );
        assert_eq!(
            site(&judge(&aa, &["--admission-control", "AlwaysAdmit"])),
            Some(Site::Arg(1))
        );
    }

    #[test]
    fn environment_and_overrides() {
        let r = Rule {
            id: "T",
            control: "2.2",
            component: Component::Etcd,
            flag: "client-cert-auth",
            expect: Expect::Bool(true),
            absent: Absent::Default("false"),
            unless: &["config-file"],
        };
        let args = ["--name=a"];
        let cl = CommandLine::parse(&args, Component::Etcd.schema());
        let env = [EnvVar {
            name: "ETCD_CLIENT_CERT_AUTH",
            value: Some("true"),
            index: 3,
        }];
        assert_eq!(evaluate(&r, Component::Etcd, &cl, &env), Verdict::Pass);
        let env = [EnvVar {
            name: "ETCD_CLIENT_CERT_AUTH",
            value: Some("false"),
            index: 3,
        }];
        let v = evaluate(&r, Component::Etcd, &cl, &env);
        let Verdict::Fail(f) = v else { panic!() };
        assert_eq!(
            (f.site, f.message.as_str()),
            (
                Site::Env(3),
                "ETCD_CLIENT_CERT_AUTH=false (environment variable); expected true"
            )
        );
        let env = [EnvVar {
            name: "ETCD_CLIENT_CERT_AUTH",
            value: None,
            index: 0,
        }];
        assert!(matches!(
            evaluate(&r, Component::Etcd, &cl, &env),
            Verdict::NotJudged(NotJudged::UnknownEnv(_))
        ));
        // The flag beats the environment.
        let args = ["-client-cert-auth"];
        let cl = CommandLine::parse(&args, Component::Etcd.schema());
        let env = [EnvVar {
            name: "ETCD_CLIENT_CERT_AUTH",
            value: Some("false"),
            index: 0,
        }];
        assert_eq!(evaluate(&r, Component::Etcd, &cl, &env), Verdict::Pass);
        let args = ["--config-file=/etc/etcd.yaml"];
        let cl = CommandLine::parse(&args, Component::Etcd.schema());
        assert_eq!(
            evaluate(&r, Component::Etcd, &cl, &[]),
            Verdict::NotJudged(NotJudged::OverriddenBy("config-file"))
        );
        assert_eq!(
            evaluate(&r, Component::ApiServer, &cl, &[]),
            Verdict::NotJudged(NotJudged::OtherComponent)
        );
    }
}
