//! Coverage findings: what the policies leave open or get wrong, as [`Finding`]s with
//! static [`CheckMeta`] (IDs `MOAT-3NN`), ready for `moat scan`.
//!
//! These are cross-object checks: each needs the whole set of namespaces, workloads and
//! policies, so they run once per input ([`findings`]) rather than per resource.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use moat_core::{CheckMeta, Finding, Location, Registry, Severity};
use moat_manifest::{Pos, Resource};

use crate::build::{Built, BuiltSources, Input, Source};
use crate::eval::{Direction, Endpoint, Engine, NoTrace};
use crate::ipnet::{IpSet, parse_cidr};
use crate::model::{Cluster, NetworkPolicy, Peer, PortSpec, Workload};
use crate::ports::{ConnSet, Protocol};
use crate::selector::Labels;

static NO_DEFAULT_DENY_INGRESS: CheckMeta = CheckMeta {
    id: "MOAT-300",
    name: "netpol-no-default-deny-ingress",
    severity: Severity::Medium,
    title: "Namespace has workloads but no default-deny ingress policy",
    rationale: "Pods accept traffic from every pod in the cluster and from outside until a NetworkPolicy selects them for Ingress. Without a policy that selects every pod of the namespace (`podSelector: {}`) for Ingress, any new workload starts wide open, and a compromised pod anywhere can reach it.",
    remediation: "Add a default-deny ingress policy to the namespace, then allow the flows each workload needs with explicit policies.",
    fix_example: "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny-ingress\n  namespace: team-a\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n",
    references: &[
        "https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-deny-all-ingress-traffic",
        "https://media.defense.gov/2022/Aug/29/2003066362/-1/-1/0/CTR_KUBERNETES_HARDENING_GUIDANCE_1.2_20220829.PDF",
    ],
    frameworks: &["CIS-5.3.2", "NSA-CISA"],
};

static NO_DEFAULT_DENY_EGRESS: CheckMeta = CheckMeta {
    id: "MOAT-301",
    name: "netpol-no-default-deny-egress",
    severity: Severity::Low,
    title: "Namespace has workloads but no default-deny egress policy",
    rationale: "Pods can open connections to any pod and any external address until a NetworkPolicy selects them for Egress. Unrestricted egress lets a compromised workload scan the cluster, reach cloud metadata endpoints and exfiltrate data.",
    remediation: "Add a default-deny egress policy (keep DNS open), then allow each workload's dependencies explicitly.",
    fix_example: "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny-egress\n  namespace: team-a\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to:\n    - namespaceSelector:\n        matchLabels:\n          kubernetes.io/metadata.name: kube-system\n      podSelector:\n        matchLabels:\n          k8s-app: kube-dns\n    ports:\n    - {protocol: UDP, port: 53}\n    - {protocol: TCP, port: 53}\n",
    references: &[
        "https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-deny-all-egress-traffic",
        "https://media.defense.gov/2022/Aug/29/2003066362/-1/-1/0/CTR_KUBERNETES_HARDENING_GUIDANCE_1.2_20220829.PDF",
    ],
    frameworks: &["CIS-5.3.2", "NSA-CISA"],
};

static WORKLOAD_UNSELECTED: CheckMeta = CheckMeta {
    id: "MOAT-302",
    name: "netpol-workload-unselected",
    severity: Severity::Medium,
    title: "Workload is selected by no network policy",
    rationale: "A pod that no NetworkPolicy (and no AdminNetworkPolicy) selects is not isolated in either direction: every pod and every external address can connect to it, and it can connect anywhere.",
    remediation: "Cover the workload with a namespace default-deny policy or a policy selecting its labels, and allow only the traffic it needs.",
    fix_example: "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: web\nspec:\n  podSelector:\n    matchLabels:\n      app: web\n  policyTypes: [Ingress, Egress]\n  ingress:\n  - from:\n    - podSelector:\n        matchLabels:\n          app: frontend\n    ports:\n    - port: 8080\n",
    references: &[
        "https://kubernetes.io/docs/concepts/services-networking/network-policies/#the-two-sorts-of-pod-isolation",
    ],
    frameworks: &["CIS-5.3.2", "NSA-CISA"],
};

static POLICY_SELECTS_NOTHING: CheckMeta = CheckMeta {
    id: "MOAT-303",
    name: "netpol-selects-nothing",
    severity: Severity::Low,
    title: "NetworkPolicy selects no pod in the input",
    rationale: "A policy whose podSelector matches no workload protects nothing. It is usually a label typo or a leftover, and it gives a false sense of coverage.",
    remediation: "Fix the podSelector to match the intended pods' template labels, or delete the policy.",
    fix_example: "spec:\n  podSelector:\n    matchLabels:\n      app: web   # must equal the pod template's labels\n",
    references: &[
        "https://kubernetes.io/docs/concepts/services-networking/network-policies/#networkpolicy-resource",
    ],
    frameworks: &["NSA-CISA"],
};

static INGRESS_FROM_ANYWHERE: CheckMeta = CheckMeta {
    id: "MOAT-304",
    name: "netpol-ingress-from-anywhere",
    severity: Severity::Medium,
    title: "Ingress rule admits all sources",
    rationale: "An ingress rule without `from`, with `namespaceSelector: {}` (every pod of every namespace) or with an ipBlock covering the whole address space admits any source. Selected pods are then reachable from every namespace, often defeating the default-deny it sits next to.",
    remediation: "Name the allowed clients with podSelector/namespaceSelector (using the `kubernetes.io/metadata.name` label for namespaces) and restrict the ports.",
    fix_example: "ingress:\n- from:\n  - namespaceSelector:\n      matchLabels:\n        kubernetes.io/metadata.name: frontend\n    podSelector:\n      matchLabels:\n        app: web\n  ports:\n  - port: 8080\n",
    references: &[
        "https://kubernetes.io/docs/concepts/services-networking/network-policies/#behavior-of-to-and-from-selectors",
    ],
    frameworks: &["CIS-5.3.2", "NSA-CISA"],
};

static EGRESS_TO_ANYWHERE: CheckMeta = CheckMeta {
    id: "MOAT-305",
    name: "netpol-egress-to-anywhere",
    severity: Severity::Medium,
    title: "Egress rule allows every destination on every port",
    rationale: "An egress rule without `to` (or with 0.0.0.0/0 / `namespaceSelector: {}`) and without `ports` lets the selected pods connect anywhere, inside and outside the cluster, on any port — egress isolation in name only.",
    remediation: "List the destinations (selectors or specific CIDRs) and ports the workload needs.",
    fix_example: "egress:\n- to:\n  - ipBlock:\n      cidr: 203.0.113.0/24\n  ports:\n  - {protocol: TCP, port: 443}\n",
    references: &[
        "https://kubernetes.io/docs/concepts/services-networking/network-policies/#networkpolicy-resource",
    ],
    frameworks: &["CIS-5.3.2", "NSA-CISA"],
};

static EGRESS_WITHOUT_DNS: CheckMeta = CheckMeta {
    id: "MOAT-306",
    name: "netpol-egress-blocks-dns",
    severity: Severity::Medium,
    title: "Egress isolation without a DNS allowance",
    rationale: "A workload isolated for egress can only reach what its rules allow. When no rule allows port 53 (UDP and TCP) to kube-dns, name resolution fails and the workload breaks in ways that look unrelated to the policy.",
    remediation: "Add an egress rule allowing UDP and TCP 53 to the kube-dns pods in kube-system.",
    fix_example: "egress:\n- to:\n  - namespaceSelector:\n      matchLabels:\n        kubernetes.io/metadata.name: kube-system\n    podSelector:\n      matchLabels:\n        k8s-app: kube-dns\n  ports:\n  - {protocol: UDP, port: 53}\n  - {protocol: TCP, port: 53}\n",
    references: &[
        "https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-deny-all-egress-traffic",
        "https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/",
    ],
    frameworks: &["NSA-CISA"],
};

static NAMED_PORT_UNMATCHED: CheckMeta = CheckMeta {
    id: "MOAT-307",
    name: "netpol-named-port-unmatched",
    severity: Severity::Low,
    title: "Named port matches no container port",
    rationale: "A named port in a rule is resolved against the destination pod's container ports (name and protocol). If no pod the rule applies to declares it, the rule allows nothing — usually a typo or a protocol mismatch that silently blocks traffic.",
    remediation: "Use the exact `name` (and protocol) of the container port, or a port number.",
    fix_example: "ports:\n- protocol: TCP\n  port: http   # containers[].ports[].name: http\n",
    references: &[
        "https://kubernetes.io/docs/concepts/services-networking/network-policies/#networkpolicy-resource",
    ],
    frameworks: &["NSA-CISA"],
};

static IPBLOCK_POD_RANGE: CheckMeta = CheckMeta {
    id: "MOAT-308",
    name: "netpol-ipblock-pod-range",
    severity: Severity::Info,
    title: "ipBlock covers a typical pod network range",
    rationale: "ipBlock is meant for traffic leaving or entering the cluster. Whether it matches pod IPs is implementation-defined (and pod IPs change), so a CIDR that includes the pod network may allow or deny in-cluster traffic unexpectedly.",
    remediation: "Select in-cluster peers with podSelector/namespaceSelector, and exclude the pod and service ranges from broad ipBlocks with `except`.",
    fix_example: "- ipBlock:\n    cidr: 0.0.0.0/0\n    except:\n    - 10.0.0.0/8\n    - 172.16.0.0/12\n    - 192.168.0.0/16\n",
    references: &[
        "https://kubernetes.io/docs/concepts/services-networking/network-policies/#behavior-of-to-and-from-selectors",
    ],
    frameworks: &["NSA-CISA"],
};

static KUBE_SYSTEM_EXPOSED: CheckMeta = CheckMeta {
    id: "MOAT-309",
    name: "netpol-kube-system-cross-namespace",
    severity: Severity::Medium,
    title: "kube-system workload reachable from other namespaces",
    rationale: "System components (controllers, dashboards, metrics, CNI agents) hold cluster credentials. Letting pods of application namespaces connect to them, beyond DNS, gives an attacker in any namespace a path to cluster control.",
    remediation: "Isolate kube-system for ingress and allow only what other namespaces need (DNS on port 53).",
    fix_example: "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny-ingress\n  namespace: kube-system\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n",
    references: &[
        "https://kubernetes.io/docs/concepts/security/multi-tenancy/#network-isolation",
        "https://media.defense.gov/2022/Aug/29/2003066362/-1/-1/0/CTR_KUBERNETES_HARDENING_GUIDANCE_1.2_20220829.PDF",
    ],
    frameworks: &["CIS-5.3.2", "NSA-CISA"],
};

/// Every coverage check, in ID order.
pub static CHECKS: &[&CheckMeta] = &[
    &NO_DEFAULT_DENY_INGRESS,
    &NO_DEFAULT_DENY_EGRESS,
    &WORKLOAD_UNSELECTED,
    &POLICY_SELECTS_NOTHING,
    &INGRESS_FROM_ANYWHERE,
    &EGRESS_TO_ANYWHERE,
    &EGRESS_WITHOUT_DNS,
    &NAMED_PORT_UNMATCHED,
    &IPBLOCK_POD_RANGE,
    &KUBE_SYSTEM_EXPOSED,
];

/// The coverage checks as a registry.
pub fn registry() -> Registry {
    Registry::new(CHECKS.to_vec())
}

/// Address ranges pod networks commonly use.
const POD_RANGES: &[&str] = &[
    "10.244.0.0/16",
    "10.42.0.0/16",
    "10.32.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
    "172.16.0.0/12",
];

/// A finding before it is materialised: findings are sorted in this small form, then built
/// into a vector of exactly their number.
struct Pending<'a> {
    meta: &'static CheckMeta,
    res: usize,
    file: &'a str,
    pos: Pos,
    path: String,
    message: String,
}

struct Out<'a> {
    sources: &'a [Source<'a>],
    pending: Vec<Pending<'a>>,
}

impl Out<'_> {
    fn push(&mut self, meta: &'static CheckMeta, res: Option<usize>, path: &str, message: String) {
        let Some((res, r)) = res.and_then(|i| self.sources.get(i).map(|r| (i, r))) else {
            return;
        };
        self.pending.push(Pending {
            meta,
            res,
            file: r.file(),
            pos: r.pos_of(path),
            path: path.to_owned(),
            message,
        });
    }

    /// The findings, sorted by file, line, check and message (stably), each handed to
    /// `emit` as it is made.
    fn finish(self, emit: &mut dyn FnMut(Finding, u32)) {
        let mut pending = self.pending;
        pending.sort_by(|a, b| {
            (a.file, a.pos.line, a.meta.id, &a.message)
                .cmp(&(b.file, b.pos.line, b.meta.id, &b.message))
        });
        for p in pending {
            let mut f = Finding::from_meta(p.meta, p.message);
            let mut start = p.pos.line;
            if let Some(r) = self.sources.get(p.res) {
                f.resource = r.rref();
                start = r.pos_of("").line;
            }
            f.location = Location {
                file: p.file.to_owned(),
                line: p.pos.line,
                column: p.pos.col,
                path: p.path,
            };
            emit(f, start);
        }
    }
}

/// Path of the pod template labels of a workload whose template is at `template_path`
/// (`""` for a Pod): what findings about a workload point at.
pub fn labels_path(template_path: &str) -> String {
    if template_path.is_empty() {
        "metadata.labels".to_owned()
    } else {
        format!("{template_path}.metadata.labels")
    }
}

/// Path a namespace finding points at when the namespace has no `Namespace` object: the
/// `metadata.namespace` of one of its workloads.
pub const WORKLOAD_NAMESPACE_PATH: &str = "metadata.namespace";

fn rule_path(field: &str, ri: usize) -> String {
    format!("spec.{field}[{ri}]")
}

fn port_path(field: &str, ri: usize, k: usize) -> String {
    format!("spec.{field}[{ri}].ports[{k}]")
}

fn cidr_path(field: &str, peer_field: &str, ri: usize, k: usize) -> String {
    format!("spec.{field}[{ri}].{peer_field}[{k}].ipBlock.cidr")
}

/// Every path a finding about a (valid) NetworkPolicy may point at: its podSelector, its
/// rules, their named ports and their ipBlock CIDRs.
pub fn policy_paths(p: &NetworkPolicy) -> Vec<String> {
    let mut out = vec!["spec.podSelector".to_owned()];
    for (rules, field, peer_field) in [(&p.ingress, "ingress", "from"), (&p.egress, "egress", "to")]
    {
        for (ri, r) in rules.iter().enumerate() {
            out.push(rule_path(field, ri));
            for (k, spec) in r.ports.specs.iter().flatten().enumerate() {
                if matches!(spec, PortSpec::Named(..)) {
                    out.push(port_path(field, ri, k));
                }
            }
            for (k, peer) in r.peers.iter().flatten().enumerate() {
                if matches!(peer, Peer::IpBlock { .. }) {
                    out.push(cidr_path(field, peer_field, ri, k));
                }
            }
        }
    }
    out
}

fn covers_everything(set: &IpSet) -> bool {
    IpSet::all_v4().is_subset(set)
}

/// Coverage findings for a set of resources.
pub fn findings<'r>(resources: impl IntoIterator<Item = &'r Resource>) -> Vec<Finding> {
    findings_from(crate::build::build_inputs(
        resources.into_iter().map(Input::Resource),
    ))
}

/// Coverage findings for an already built model.
pub fn findings_for(built: &Built<'_>) -> Vec<Finding> {
    let sources: Vec<Source<'_>> = built
        .resources
        .iter()
        .map(|r| Source::Resource(r))
        .collect();
    findings_in(built.cluster.clone(), &sources)
}

/// Coverage findings for a model built from inputs (consumed: the model is not copied).
pub fn findings_from(built: BuiltSources<'_>) -> Vec<Finding> {
    findings_in(built.cluster, &built.sources)
}

/// [`findings_from`], handing each finding to `emit` (with the line where its resource
/// starts) instead of collecting them.
pub fn emit_from(built: BuiltSources<'_>, emit: &mut dyn FnMut(Finding, u32)) {
    analyse(built.cluster, &built.sources).finish(emit);
}

fn findings_in(cluster: Cluster, sources: &[Source<'_>]) -> Vec<Finding> {
    // The model is dropped before the findings are built: only their sources are needed.
    let mut out = Vec::new();
    analyse(cluster, sources).finish(&mut |f, _| out.push(f));
    out
}

/// Runs every check; the findings are left pending.
fn analyse<'a>(mut cluster: Cluster, sources: &'a [Source<'a>]) -> Out<'a> {
    let dns = add_dns_target(&mut cluster);
    let engine = Engine::new(&cluster);
    let c = &cluster;
    let mut out = Out {
        sources,
        pending: Vec::new(),
    };
    let real: Vec<(usize, &Workload)> = c
        .workloads
        .iter()
        .enumerate()
        .filter(|(_, w)| !w.synthetic)
        .collect();

    // MOAT-300 / MOAT-301: default deny per namespace.
    let mut by_ns: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, w) in &real {
        by_ns.entry(w.namespace.as_str()).or_default().push(*i);
    }
    for (ns, ws) in &by_ns {
        let res = c
            .namespace(ns)
            .and_then(|i| c.namespaces.get(i))
            .and_then(|n| n.res)
            .or_else(|| {
                ws.first()
                    .and_then(|w| c.workloads.get(*w))
                    .and_then(|w| w.res)
            });
        let path = if c
            .namespace(ns)
            .and_then(|i| c.namespaces.get(i))
            .and_then(|n| n.res)
            .is_some()
        {
            "metadata.name"
        } else {
            WORKLOAD_NAMESPACE_PATH
        };
        for (meta, dir) in [
            (&NO_DEFAULT_DENY_INGRESS, Direction::Ingress),
            (&NO_DEFAULT_DENY_EGRESS, Direction::Egress),
        ] {
            let has = c.policies.iter().any(|p| {
                p.namespace == *ns
                    && p.pod_selector.is_empty()
                    && match dir {
                        Direction::Ingress => p.affects_ingress,
                        Direction::Egress => p.affects_egress,
                    }
            });
            if !has {
                out.push(
                    meta,
                    res,
                    path,
                    format!(
                        "namespace {ns} has {} workload(s) but no NetworkPolicy with `podSelector: {{}}` isolating them for {}",
                        ws.len(),
                        dir.as_str()
                    ),
                );
            }
        }
    }

    // MOAT-302: workloads selected by nothing.
    for (i, w) in &real {
        let np = engine.isolated(*i, Direction::Ingress) || engine.isolated(*i, Direction::Egress);
        let admin = engine.admin_subject.get(*i).is_some_and(|v| !v.is_empty())
            || engine.baseline_subject.get(*i).copied().unwrap_or(false);
        if !np && !admin {
            let path = labels_path(
                w.res
                    .and_then(|x| out.sources.get(x))
                    .map_or("", Source::template_path),
            );
            out.push(
                &WORKLOAD_UNSELECTED,
                w.res,
                &path,
                format!(
                    "{} is selected by no NetworkPolicy: all ingress and egress is allowed",
                    w.id()
                ),
            );
        }
    }

    // Policies isolating some workload of the input.
    let mut isolating = vec![false; c.policies.len()];
    for (i, _) in &real {
        for pi in [&engine.np_ingress, &engine.np_egress]
            .into_iter()
            .filter_map(|v| v.get(*i))
            .flatten()
        {
            if let Some(slot) = isolating.get_mut(*pi) {
                *slot = true;
            }
        }
    }
    let in_namespace = |ns: &str| {
        by_ns
            .get(ns)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter_map(|i| c.workloads.get(*i))
    };
    for (pi, p) in c.policies.iter().enumerate() {
        // MOAT-303: selects nothing.
        let selects = isolating.get(pi).copied().unwrap_or(false)
            || in_namespace(&p.namespace).any(|w| p.pod_selector.matches(&w.labels));
        if !selects && !real.is_empty() {
            out.push(
                &POLICY_SELECTS_NOTHING,
                Some(p.res),
                "spec.podSelector",
                format!(
                    "NetworkPolicy {} selects no workload of namespace {} (selector `{}`)",
                    p.id(),
                    p.namespace,
                    if p.pod_selector.is_empty() {
                        "{}".to_owned()
                    } else {
                        p.pod_selector.to_string()
                    }
                ),
            );
        }
        // MOAT-304 / MOAT-305: over-broad rules.
        for (dir, rules, field, peer_field) in [
            (Direction::Ingress, &p.ingress, "ingress", "from"),
            (Direction::Egress, &p.egress, "egress", "to"),
        ] {
            let applies = match dir {
                Direction::Ingress => p.affects_ingress,
                Direction::Egress => p.affects_egress,
            };
            if !applies {
                continue;
            }
            for (ri, r) in rules.iter().enumerate() {
                let everyone = match &r.peers {
                    None => Some(format!("{peer_field} is absent")),
                    Some(peers) => peers.iter().enumerate().find_map(|(k, peer)| match peer {
                        Peer::Selectors { namespaces: Some(ns), pods } if ns.is_empty() && pods.as_ref().is_none_or(super::selector::LabelSelector::is_empty) => {
                            Some(format!("{peer_field}[{k}] has `namespaceSelector: {{}}` (every pod of every namespace)"))
                        }
                        Peer::IpBlock { set, cidr, .. } if covers_everything(set) => {
                            Some(format!("{peer_field}[{k}] is ipBlock {cidr}"))
                        }
                        _ => None,
                    }),
                };
                let Some(why) = everyone else { continue };
                let all_ports = r.ports.specs.is_none() || r.ports.numeric.is_all();
                match dir {
                    Direction::Ingress => out.push(
                        &INGRESS_FROM_ANYWHERE,
                        Some(p.res),
                        &format!("spec.{field}[{ri}]"),
                        format!(
                            "NetworkPolicy {} ingress rule #{}: {why}, admitting every source{}",
                            p.id(),
                            ri + 1,
                            if all_ports {
                                " on every port".to_owned()
                            } else {
                                format!(" on {}", r.ports.numeric)
                            }
                        ),
                    ),
                    Direction::Egress if all_ports => out.push(
                        &EGRESS_TO_ANYWHERE,
                        Some(p.res),
                        &format!("spec.{field}[{ri}]"),
                        format!(
                            "NetworkPolicy {} egress rule #{}: {why}, on every port",
                            p.id(),
                            ri + 1
                        ),
                    ),
                    Direction::Egress => {}
                }
            }
        }
        // MOAT-307: named ports nobody declares.
        for (dir, rules, field) in [
            (Direction::Ingress, &p.ingress, "ingress"),
            (Direction::Egress, &p.egress, "egress"),
        ] {
            for (ri, r) in rules.iter().enumerate() {
                for (k, spec) in r.ports.specs.iter().flatten().enumerate() {
                    let PortSpec::Named(proto, name) = spec else {
                        continue;
                    };
                    let candidates: Vec<&Workload> = match dir {
                        Direction::Ingress => in_namespace(&p.namespace)
                            .filter(|w| p.pod_selector.matches(&w.labels))
                            .collect(),
                        Direction::Egress => {
                            let m = engine
                                .np_rules
                                .get(pi)
                                .and_then(|m| m.get(1))
                                .and_then(|m| m.get(ri));
                            real.iter()
                                .filter(|(i, _)| {
                                    m.is_some_and(|m| m.matches(&Endpoint::Workload(*i)))
                                })
                                .map(|(_, w)| *w)
                                .collect()
                        }
                    };
                    if candidates.is_empty()
                        || candidates
                            .iter()
                            .any(|w| w.named_port(name, Some(*proto)).is_some())
                    {
                        continue;
                    }
                    let near = candidates
                        .iter()
                        .find_map(|w| w.named_port(name, None).map(|(pr, _)| pr));
                    out.push(
                        &NAMED_PORT_UNMATCHED,
                        Some(p.res),
                        &format!("spec.{field}[{ri}].ports[{k}]"),
                        match near {
                            Some(other) => format!(
                                "NetworkPolicy {} {field} rule #{}: named port `{name}` is declared with protocol {other}, not {proto}; the port never matches",
                                p.id(), ri + 1
                            ),
                            None => format!(
                                "NetworkPolicy {} {field} rule #{}: no {} pod declares a {proto} container port named `{name}`",
                                p.id(),
                                ri + 1,
                                if dir == Direction::Ingress { "selected" } else { "destination" }
                            ),
                        },
                    );
                }
            }
        }
        // MOAT-308: ipBlocks over pod ranges.
        for (rules, field, peer_field) in
            [(&p.ingress, "ingress", "from"), (&p.egress, "egress", "to")]
        {
            for (ri, r) in rules.iter().enumerate() {
                for (k, peer) in r.peers.iter().flatten().enumerate() {
                    let Peer::IpBlock { set, cidr, .. } = peer else {
                        continue;
                    };
                    let hit = POD_RANGES
                        .iter()
                        .find(|pr| parse_cidr(pr).is_ok_and(|x| set.intersects_range(&x)));
                    if let Some(pr) = hit {
                        out.push(
                            &IPBLOCK_POD_RANGE,
                            Some(p.res),
                            &format!("spec.{field}[{ri}].{peer_field}[{k}].ipBlock.cidr"),
                            format!("ipBlock {cidr} includes {pr}, a common pod network range; whether ipBlock matches pod IPs depends on the network plugin"),
                        );
                    }
                }
            }
        }
    }

    // MOAT-306: egress isolation without DNS.
    if let Some(dns) = dns {
        let dns_ep = Endpoint::Workload(dns);
        for (i, w) in &real {
            if w.namespace == "kube-system" || !engine.isolated(*i, Direction::Egress) {
                continue;
            }
            let eg = engine.direction(
                &Endpoint::Workload(*i),
                &dns_ep,
                Direction::Egress,
                &mut NoTrace,
            );
            let missing: Vec<&str> = [(Protocol::Udp, "UDP"), (Protocol::Tcp, "TCP")]
                .into_iter()
                .filter(|(p, _)| !eg.contains(*p, 53))
                .map(|(_, s)| s)
                .collect();
            if !missing.is_empty() {
                let path = labels_path(
                    w.res
                        .and_then(|x| out.sources.get(x))
                        .map_or("", Source::template_path),
                );
                let pols: Vec<String> = engine
                    .np_egress
                    .get(*i)
                    .map(|v| {
                        v.iter()
                            .filter_map(|pi| c.policies.get(*pi))
                            .map(NetworkPolicy::id)
                            .collect()
                    })
                    .unwrap_or_default();
                out.push(
                    &EGRESS_WITHOUT_DNS,
                    w.res,
                    &path,
                    format!(
                        "{} is isolated for egress by {} but may not reach kube-dns on {} 53: name resolution will fail",
                        w.id(),
                        pols.join(", "),
                        missing.join("/")
                    ),
                );
            }
        }
    }

    // MOAT-309: kube-system reachable from other namespaces beyond DNS.
    let dns_only = ConnSet::single(Protocol::Udp, 53).union(&ConnSet::single(Protocol::Tcp, 53));
    for (i, w) in &real {
        if w.namespace != "kube-system" {
            continue;
        }
        // A namespace counts once one of its workloads gets through. The destination's
        // ingress verdict depends on the source only through which of its rules match it,
        // so it is computed once per signature; egress only when ingress admits more than DNS.
        let dst = Endpoint::Workload(*i);
        let mut ingress: HashMap<Vec<u64>, ConnSet> = HashMap::new();
        let mut sig = Vec::new();
        let mut sources: BTreeSet<&str> = BTreeSet::new();
        for (ns, members) in &by_ns {
            if *ns == "kube-system" {
                continue;
            }
            for s in members {
                let src = Endpoint::Workload(*s);
                engine.ingress_signature(*i, &src, &mut sig);
                let ing = if let Some(c) = ingress.get(sig.as_slice()) {
                    c
                } else {
                    let c = engine.direction(&src, &dst, Direction::Ingress, &mut NoTrace);
                    ingress.entry(sig.clone()).or_insert(c)
                };
                if ing.subtract(&dns_only).is_empty() {
                    continue;
                }
                let conns = engine
                    .direction(&src, &dst, Direction::Egress, &mut NoTrace)
                    .intersect(ing);
                if !conns.subtract(&dns_only).is_empty() {
                    sources.insert(ns);
                    break;
                }
            }
        }
        if !sources.is_empty() {
            let path = labels_path(
                w.res
                    .and_then(|x| out.sources.get(x))
                    .map_or("", Source::template_path),
            );
            let list: Vec<&str> = sources.iter().copied().take(5).collect();
            out.push(
                &KUBE_SYSTEM_EXPOSED,
                w.res,
                &path,
                format!(
                    "{} accepts connections beyond DNS from workloads in {} other namespace(s) ({}{})",
                    w.id(),
                    sources.len(),
                    list.join(", "),
                    if sources.len() > list.len() { ", ..." } else { "" }
                ),
            );
        }
    }

    out
}

/// Adds a synthetic kube-dns workload when the input has none, so egress rules can be
/// checked for a DNS allowance. Returns the workload to test against.
fn add_dns_target(c: &mut Cluster) -> Option<usize> {
    let existing = c.workloads.iter().position(|w| {
        !w.synthetic
            && w.namespace == "kube-system"
            && w.labels.get("k8s-app").is_some_and(|v| v == "kube-dns")
    });
    if existing.is_some() {
        return existing;
    }
    let ns = if let Some(i) = c.namespace("kube-system") {
        i
    } else {
        let labels: Labels = std::iter::once((
            crate::selector::NAMESPACE_NAME_LABEL.to_owned(),
            "kube-system".to_owned(),
        ))
        .collect();
        c.namespaces.push(crate::model::Namespace {
            name: "kube-system".to_owned(),
            labels,
            res: None,
        });
        c.namespaces.sort_by(|a, b| a.name.cmp(&b.name));
        for w in &mut c.workloads {
            w.ns = c
                .namespaces
                .iter()
                .position(|n| n.name == w.namespace)
                .unwrap_or(0);
        }
        c.namespace("kube-system")?
    };
    c.workloads.push(Workload {
        namespace: "kube-system".to_owned(),
        ns,
        name: "kube-dns".to_owned(),
        kind: "Deployment".to_owned(),
        labels: std::iter::once(("k8s-app".to_owned(), "kube-dns".to_owned())).collect(),
        ports: vec![
            crate::model::ContainerPort {
                name: Some("dns".to_owned()),
                port: 53,
                protocol: Protocol::Udp,
            },
            crate::model::ContainerPort {
                name: Some("dns-tcp".to_owned()),
                port: 53,
                protocol: Protocol::Tcp,
            },
        ],
        res: None,
        synthetic: true,
    });
    Some(c.workloads.len() - 1)
}
