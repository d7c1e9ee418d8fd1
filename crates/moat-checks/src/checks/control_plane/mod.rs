//! Control-plane static pods (kube-apiserver, kube-controller-manager, kube-scheduler,
//! etcd): command-line flag checks of CIS Kubernetes Benchmark v1.10 sections 1.2–1.4
//! and 2.
//!
//! Every check is a [`FlagCheck`]: its metadata here, its rules in
//! [`moat_flags::cis::CIS_1_10`] under the same ID. A check looks at every container
//! (init, regular, ephemeral) of every workload and applies when the container runs its
//! component:
//! - `command[0]` is the component's binary (any directory: `/usr/local/bin/etcd`), or a
//!   wrapper that runs it (`hyperkube apiserver`, `go-runner … kube-scheduler`); the
//!   arguments are `command` followed by `args`, as Kubernetes runs them;
//! - or there is no `command`, `args` starts with a flag, and the image is the
//!   component's (`registry.k8s.io/kube-apiserver:v1.30.2`), whose entrypoint runs it;
//! - or there is no `command` and `args[0]` is the binary.
//!
//! `$(VAR)` references in `command`/`args` are expanded from the container's literal
//! `env` values as the kubelet does; etcd flags not on the command line are taken from
//! `ETCD_*` environment variables as etcd does (a variable filled from a Secret or a field
//! cannot be judged, and neither can variables from `envFrom`, which are ignored). A
//! finding points at the argument that decided it (the value of `--flag value`), at the
//! `env` entry, or, when a required flag is absent, at the container's `command` (or
//! `args` when there is no `command`).
//!
//! Not checked, because the command line cannot decide them:
//! - 1.2.20 `--request-timeout` "as appropriate": a site decision; the default is fine.
//! - 1.2.28 encryption providers: the contents of the `--encryption-provider-config` file.
//! - 2.7 a unique CA for etcd: needs the API server's client CA and both files' contents.
//!
//! Rules a configuration file takes over are not judged when that file is given:
//! authorization (1.2.6–1.2.8) with `--authorization-config`, scheduler profiling (1.4.1)
//! with `--config`, every etcd rule with `--config-file`. Shell-wrapped commands
//! (`sh -c "kube-apiserver …"`) are not recognised.

use std::borrow::Cow;

use moat_core::CheckMeta;
use moat_flags::{CommandLine, Component, EnvVar, Site, Verdict};
use moat_manifest::{ContainerView, Node, PodSpecView, Value};

use crate::{Check, Emit};

mod apiserver;
mod controller_manager;
mod etcd;
mod scheduler;

/// Every control-plane flag check, in ID order.
pub static ALL: &[&dyn Check] = &[
    &apiserver::ANONYMOUS_AUTH,
    &apiserver::TOKEN_AUTH_FILE,
    &apiserver::DENY_SERVICE_EXTERNAL_IPS,
    &apiserver::KUBELET_CLIENT_CERT,
    &apiserver::KUBELET_CERTIFICATE_AUTHORITY,
    &apiserver::AUTHORIZATION_ALWAYS_ALLOW,
    &apiserver::AUTHORIZATION_NODE,
    &apiserver::AUTHORIZATION_RBAC,
    &apiserver::EVENT_RATE_LIMIT,
    &apiserver::ALWAYS_ADMIT,
    &apiserver::ALWAYS_PULL_IMAGES,
    &apiserver::SERVICE_ACCOUNT_PLUGIN,
    &apiserver::NAMESPACE_LIFECYCLE,
    &apiserver::NODE_RESTRICTION,
    &apiserver::PROFILING,
    &apiserver::AUDIT_LOG_PATH,
    &apiserver::AUDIT_LOG_MAXAGE,
    &apiserver::AUDIT_LOG_MAXBACKUP,
    &apiserver::AUDIT_LOG_MAXSIZE,
    &apiserver::SERVICE_ACCOUNT_LOOKUP,
    &apiserver::SERVICE_ACCOUNT_KEY_FILE,
    &apiserver::ETCD_CLIENT_CERT,
    &apiserver::TLS_CERT,
    &apiserver::CLIENT_CA_FILE,
    &apiserver::ETCD_CAFILE,
    &apiserver::ENCRYPTION_PROVIDER_CONFIG,
    &apiserver::TLS_CIPHER_SUITES,
    &apiserver::TLS_MIN_VERSION,
    &controller_manager::TERMINATED_POD_GC_THRESHOLD,
    &controller_manager::PROFILING,
    &controller_manager::SERVICE_ACCOUNT_CREDENTIALS,
    &controller_manager::SERVICE_ACCOUNT_PRIVATE_KEY_FILE,
    &controller_manager::ROOT_CA_FILE,
    &controller_manager::ROTATE_KUBELET_SERVER_CERTIFICATE,
    &controller_manager::BIND_ADDRESS,
    &scheduler::PROFILING,
    &scheduler::BIND_ADDRESS,
    &etcd::TLS_CERT,
    &etcd::CLIENT_CERT_AUTH,
    &etcd::AUTO_TLS,
    &etcd::PEER_TLS_CERT,
    &etcd::PEER_CLIENT_CERT_AUTH,
    &etcd::PEER_AUTO_TLS,
];

/// Links shared by the checks.
const CIS: &str = "https://www.cisecurity.org/benchmark/kubernetes";
const NSA: &str = "https://media.defense.gov/2022/Aug/29/2003066362/-1/-1/0/CTR_KUBERNETES_HARDENING_GUIDANCE_1.2_20220829.PDF";

/// A check judged by the [`moat_flags`] rules that carry its ID.
pub struct FlagCheck {
    meta: &'static CheckMeta,
}

impl Check for FlagCheck {
    fn meta(&self) -> &'static CheckMeta {
        self.meta
    }

    fn check_container(&self, _pod: &PodSpecView<'_>, c: &ContainerView<'_>, out: &mut Emit<'_>) {
        let mut rules = moat_flags::cis::rules(self.meta.id).peekable();
        let Some(component) = rules.peek().map(|r| r.component) else {
            return;
        };
        let Some(inv) = Invocation::of(c) else {
            return;
        };
        if inv.component != component {
            return;
        }
        let line = CommandLine::parse(inv.argv.get(inv.start..).unwrap_or(&[]), component.schema());
        let mut absent = Vec::new();
        for rule in rules {
            let Verdict::Fail(v) = moat_flags::evaluate(rule, component, &line, &inv.env) else {
                continue;
            };
            let path = match v.site {
                Site::Arg(i) => inv.arg_path(c, inv.start + i),
                Site::Env(i) => c.field_path(&format!("env[{i}].value")),
                Site::Absent => {
                    absent.push(v.message);
                    continue;
                }
            };
            out.container(c, path, format!("{component}: {}", v.message));
        }
        if !absent.is_empty() {
            let field = if inv.cmd_len > 0 { "command" } else { "args" };
            out.container(
                c,
                c.field_path(field),
                format!("{component}: {}", absent.join("; ")),
            );
        }
    }
}

/// Whether the workload is a bare `Pod` that runs a control-plane component: a static pod
/// (`/etc/kubernetes/manifests`). The kubelet runs static pods without a service account,
/// and the API server refuses a mirror pod that names one.
pub fn is_control_plane_static_pod(pod: &PodSpecView<'_>) -> bool {
    pod.resource.rref.kind == "Pod"
        && pod.template_path.is_empty()
        && pod.containers().any(|c| Invocation::of(&c).is_some())
}

/// What a container runs: the component, the full argument vector (`command` then
/// `args`, `$(VAR)` expanded), where the component's own arguments start, its env.
struct Invocation<'a> {
    component: Component,
    argv: Vec<Cow<'a, str>>,
    cmd_len: usize,
    start: usize,
    env: Vec<EnvVar<'a>>,
}

impl<'a> Invocation<'a> {
    fn of(c: &ContainerView<'a>) -> Option<Self> {
        let command = c.get("command").map_or(&[][..], Node::items);
        let args = c.get("args").map_or(&[][..], Node::items);
        // Cheap filters first: most containers are not control-plane components.
        let image_component = if let Some(first) = command.first() {
            if !Component::may_run(first.as_str().unwrap_or("")) {
                return None;
            }
            None
        } else {
            let first = args.first()?.as_str().unwrap_or("");
            if first.starts_with('-') {
                Some(Component::from_image(
                    c.get("image").and_then(Node::as_str).unwrap_or(""),
                )?)
            } else if Component::may_run(first) {
                None
            } else {
                return None;
            }
        };
        let env = env_of(c);
        let argv: Vec<Cow<'a, str>> = command
            .iter()
            .chain(args)
            .map(|n| expand(scalar_text(n), &env))
            .collect();
        let (component, start) = match image_component {
            Some(comp) => (comp, 0),
            None => Component::locate(&argv)?,
        };
        Some(Invocation {
            component,
            argv,
            cmd_len: command.len(),
            start,
            env,
        })
    }

    /// Path of argument `i` of the full vector: `command[i]` or `args[i - len(command)]`.
    fn arg_path(&self, c: &ContainerView<'_>, i: usize) -> String {
        match i.checked_sub(self.cmd_len) {
            None => c.field_path(&format!("command[{i}]")),
            Some(j) => c.field_path(&format!("args[{j}]")),
        }
    }
}

/// A scalar list item as the text Kubernetes would see (`command`/`args` are strings;
/// an unquoted YAML number or boolean is taken as written).
fn scalar_text(n: &Node) -> Cow<'_, str> {
    match &n.value {
        Value::Str(s) => Cow::Borrowed(s),
        Value::Int(i) => Cow::Owned(i.to_string()),
        Value::Float(f) => Cow::Owned(f.to_string()),
        Value::Bool(b) => Cow::Owned(b.to_string()),
        Value::Null | Value::Seq(_) | Value::Map(_) => Cow::Borrowed(""),
    }
}

/// The container's `env` with literal values (`None` where the value is not known).
fn env_of<'a>(c: &ContainerView<'a>) -> Vec<EnvVar<'a>> {
    let Some(env) = c.get("env") else {
        return Vec::new();
    };
    env.items()
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let name = e.get("name").and_then(Node::as_str)?;
            // `valueFrom` (and a non-string `value`, which the API would reject) is unknown.
            let value = if e.get("valueFrom").is_some_and(|v| !v.is_null()) {
                None
            } else {
                match e.get("value") {
                    Some(n) if !n.is_null() => n.as_str(),
                    _ => Some(""),
                }
            };
            Some(EnvVar {
                name,
                value,
                index: i,
            })
        })
        .collect()
}

/// Kubernetes' `$(VAR)` expansion of `command`/`args`: `$$` is a literal `$`, a
/// reference to a variable with a literal value is replaced, anything else is kept.
fn expand<'a>(s: Cow<'a, str>, env: &[EnvVar<'_>]) -> Cow<'a, str> {
    if !s.contains('$') {
        return s;
    }
    let mut out = String::with_capacity(s.len());
    let mut rest: &str = &s;
    while let Some(pos) = rest.find('$') {
        let (head, tail) = rest.split_at(pos);
        out.push_str(head);
        let after = tail.get(1..).unwrap_or("");
        if after.is_empty() {
            out.push('$');
            rest = after;
        } else if let Some(next) = after.strip_prefix('$') {
            out.push('$');
            rest = next;
        } else if let Some(inner) = after.strip_prefix('(') {
            if let Some(close) = inner.find(')') {
                let name = inner.get(..close).unwrap_or("");
                let value = env
                    .iter()
                    .rev()
                    .find(|e| e.name == name)
                    .and_then(|e| e.value);
                if let Some(v) = value {
                    out.push_str(v);
                } else {
                    out.push_str("$(");
                    out.push_str(name);
                    out.push(')');
                }
                rest = inner.get(close + 1..).unwrap_or("");
            } else {
                out.push_str("$(");
                rest = inner;
            }
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expansion_follows_the_kubelet() {
        let var = |index, name, value| EnvVar { name, value, index };
        let env = [
            var(0, "A", Some("x")),
            var(1, "B", None),
            var(2, "A", Some("y")),
        ];
        let e = |s: &str| expand(Cow::Borrowed(s), &env).into_owned();
        assert_eq!(e("--a=$(A)"), "--a=y");
        assert_eq!(e("--b=$(B)"), "--b=$(B)");
        assert_eq!(e("--c=$(C)"), "--c=$(C)");
        assert_eq!(e("$$(A)"), "$(A)");
        assert_eq!(e("$x$"), "$x$");
        assert_eq!(e("$(A"), "$(A");
        assert_eq!(e("plain"), "plain");
    }

    #[test]
    fn every_rule_id_has_exactly_one_check_and_its_cis_control() {
        let mut ids: Vec<&str> = moat_flags::cis::CIS_1_10.iter().map(|r| r.id).collect();
        ids.dedup();
        let metas: Vec<&CheckMeta> = ALL.iter().map(|c| c.meta()).collect();
        assert_eq!(ids, metas.iter().map(|m| m.id).collect::<Vec<_>>());
        for m in metas {
            let rule = moat_flags::cis::rules(m.id).next();
            let control = rule.map_or("", |r| r.control);
            if !control.is_empty() {
                let tag = format!("CIS-{control}");
                assert!(m.frameworks.contains(&tag.as_str()), "{} lacks {tag}", m.id);
            }
            let prefix = match rule.map(|r| r.component) {
                Some(Component::ApiServer) => "apiserver-",
                Some(Component::ControllerManager) => "controller-manager-",
                Some(Component::Scheduler) => "scheduler-",
                _ => "etcd-",
            };
            assert!(m.name.starts_with(prefix), "{}: {}", m.id, m.name);
            assert!(
                m.references.contains(&CIS) || control.is_empty(),
                "{}",
                m.id
            );
            assert_eq!(
                m.frameworks.contains(&"NSA-CISA"),
                m.references.contains(&NSA),
                "{}: NSA-CISA mapping without the guide's link or the reverse",
                m.id
            );
        }
    }
}
