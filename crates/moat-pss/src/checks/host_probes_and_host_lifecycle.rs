//! `hostProbesAndHostLifecycle` (baseline, v1.34+): probes and lifecycle handlers may not
//! target another host.
//!
//! The kubelet performs `httpGet` and `tcpSocket` probes and hooks from the node; a custom
//! `host` turns them into a server-side request forgery from the node's network position.
//!
//! Restricted fields, for every container: `{livenessProbe,readinessProbe,startupProbe}.{httpGet,tcpSocket}.host`
//! and `lifecycle.{postStart,preStop}.{httpGet,tcpSocket}.host`. Allowed values: unset,
//! empty.

use std::borrow::Cow;

use moat_manifest::Node;

use super::{Check, CheckId, Forbidden, VersionedCheck};
use crate::Level;
use crate::message::{containers_phrase, join_quote, pluralize, sorted_set};
use crate::pod::{Pod, field_text, set};

pub(super) const CHECK: Check = Check {
    id: CheckId::HostProbesAndHostLifecycle,
    level: Level::Baseline,
    title: "Probes and lifecycle handlers may not set a host",
    description: "httpGet.host and tcpSocket.host of liveness, readiness and startup probes and \
                  of postStart/preStop handlers must be unset or empty.",
    versions: &[VersionedCheck {
        since: 34,
        overrides: &[],
        change: "introduced",
        eval: v1_34,
    }],
};

fn v1_34(pod: &Pod<'_>) -> Option<Forbidden> {
    let mut names = Vec::new();
    let mut hosts: Vec<Cow<'_, str>> = Vec::new();
    let mut paths = Vec::new();
    for c in pod.containers() {
        let mut bad = false;
        let lifecycle = |s: &str| c.lifecycle.and_then(|l| set(l.get(s)));
        let handlers: [(Option<&Node>, &str, Option<&str>); 5] = [
            (c.liveness_probe, "livenessProbe", None),
            (c.readiness_probe, "readinessProbe", None),
            (c.startup_probe, "startupProbe", None),
            (lifecycle("postStart"), "lifecycle", Some("postStart")),
            (lifecycle("preStop"), "lifecycle", Some("preStop")),
        ];
        for (handler, field, sub) in handlers {
            let Some(handler) = handler else {
                continue;
            };
            for action in ["httpGet", "tcpSocket"] {
                let host = field_text(set(handler.get(action)), "host");
                if !host.is_empty() {
                    bad = true;
                    hosts.push(host);
                    let p = match sub {
                        None => pod.container_path(c, &[field, action, "host"]),
                        Some(s) => pod.container_path(c, &[field, s, action, "host"]),
                    };
                    paths.push(p);
                }
            }
        }
        if bad {
            names.push(c.name);
        }
    }
    if names.is_empty() {
        return None;
    }
    let names = sorted_set(names);
    let hosts = sorted_set(hosts);
    Some(Forbidden {
        reason: "probe or lifecycle host",
        detail: format!(
            "{} {} {} {}",
            containers_phrase(&names),
            pluralize("uses", "use", names.len()),
            pluralize(
                "probe or lifecycle host",
                "probe or lifecycle hosts",
                hosts.len()
            ),
            join_quote(&hosts)
        ),
        paths,
    })
}
