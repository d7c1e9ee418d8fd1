//! Builds a [`Cluster`] from loaded resources, validating policies the way the API server
//! would. An invalid object becomes a located [`InputError`] and is left out of the analysis
//! (the API server would have rejected it); everything else is still analysed.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use moat_core::{InputError, ResourceRef, Warning};
use moat_manifest::{Node, PodSpecView, Pos, Resource, Value};

use crate::ipnet::{IpSet, parse_cidr};
use crate::model::{
    Action, AdminPeer, AdminPolicy, AdminRule, Cluster, ContainerPort, IngressBackend, Namespace,
    NetworkPolicy, Peer, PortSpec, PortTarget, Ports, Rule, Service, ServicePort, Workload,
};
use crate::ports::{ConnSet, MAX_PORT, MIN_PORT, Protocol};
use crate::selector::{
    LabelSelector, Labels, NAMESPACE_NAME_LABEL, Requirement, parse_op, validate_key,
    validate_requirement, validate_value,
};

/// Namespace of objects that do not name one.
pub const DEFAULT_NAMESPACE: &str = "default";
/// Name of the synthetic ingress-controller workload.
pub const INGRESS_CONTROLLER: &str = "ingress-controller";
/// Namespace of the synthetic ingress-controller workload.
pub const INGRESS_CONTROLLER_NS: &str = "ingress-controller-ns";
/// Lowest `AdminNetworkPolicy` priority.
pub const MIN_PRIORITY: i64 = 0;
/// Highest `AdminNetworkPolicy` priority.
pub const MAX_PRIORITY: i64 = 1000;

const IPV6_WARNING: &str = "IPv6 addresses are not supported by the default external address space (0.0.0.0/0); pass IPv6 ranges with --external to analyse them";

/// Kinds of the multi-network and virtualisation APIs, which are not modelled.
const UNMODELLED_KINDS: &[&str] = &[
    "UserDefinedNetwork",
    "ClusterUserDefinedNetwork",
    "NetworkAttachmentDefinition",
    "MultiNetworkPolicy",
    "VirtualMachine",
    "VirtualMachineInstance",
];

/// The result of building: the model plus what was wrong with the input.
#[derive(Debug, Default)]
pub struct Built<'r> {
    /// The model.
    pub cluster: Cluster,
    /// The resources the model's `res` indices point into.
    pub resources: Vec<&'r Resource>,
    /// Invalid objects (left out of the model).
    pub errors: Vec<InputError>,
    /// Suspicious input that was still analysed.
    pub warnings: Vec<Warning>,
}

impl Built<'_> {
    /// Number of workload kinds (pods and pod templates) seen.
    pub fn has_workloads(&self) -> bool {
        self.cluster.workloads.iter().any(|w| !w.synthetic)
    }

    /// Whether any NetworkPolicy or admin policy was seen.
    pub fn has_policies(&self) -> bool {
        !self.cluster.policies.is_empty()
            || !self.cluster.admin.is_empty()
            || self.cluster.baseline.is_some()
    }
}

/// What is kept of a source object once its tree is gone (`moat scan` keeps this instead of
/// the whole resource): identity, file, and the positions of the fields that findings and
/// errors point at.
#[derive(Clone, Debug)]
pub struct Origin {
    /// File it came from.
    pub file: Arc<str>,
    /// `apiVersion`.
    pub api_version: Arc<str>,
    /// `kind`.
    pub kind: Arc<str>,
    /// `metadata.namespace`, if set.
    pub namespace: Option<Arc<str>>,
    /// `metadata.name`, if set.
    pub name: Option<Arc<str>>,
    /// Position of the object; paths that were not recorded resolve to it.
    pub pos: Pos,
    /// Path of the pod template of a workload (see [`PodSpecView`]), `""` otherwise.
    pub template_path: &'static str,
    /// Positions of the recorded field paths (paths are shared strings: most are the same
    /// in every object).
    pub fields: Box<[(Arc<str>, Pos)]>,
}

impl Origin {
    /// The identity, file and object position of a resource, with no field recorded yet.
    pub fn of(res: &Resource, intern: &mut impl FnMut(&str) -> Arc<str>) -> Self {
        Origin {
            file: Arc::clone(&res.file),
            api_version: intern(&res.rref.api_version),
            kind: intern(&res.rref.kind),
            namespace: res.rref.namespace.as_deref().map(&mut *intern),
            name: res.rref.name.as_deref().map(&mut *intern),
            pos: res.node.pos,
            template_path: PodSpecView::of(res).map_or("", |p| p.template_path),
            fields: Box::default(),
        }
    }

    /// Records the positions of field paths (as [`Resource::pos_of`] resolves them).
    pub fn record(&mut self, res: &Resource, paths: impl IntoIterator<Item = Arc<str>>) {
        let mut fields = std::mem::take(&mut self.fields).into_vec();
        fields.extend(paths.into_iter().map(|p| {
            let pos = res.pos_of(&p);
            (p, pos)
        }));
        self.fields = fields.into_boxed_slice();
    }
}

/// Where a model object came from: the model's `res` indices point into a list of these.
#[derive(Debug)]
pub enum Source<'r> {
    /// A loaded resource.
    Resource(&'r Resource),
    /// What was kept of a resource.
    Origin(Box<Origin>),
}

impl Source<'_> {
    /// File the object came from.
    pub fn file(&self) -> &str {
        match self {
            Source::Resource(r) => &r.file,
            Source::Origin(o) => &o.file,
        }
    }

    /// Position of a field path (an [`Origin`] knows only the paths it recorded; others
    /// resolve to the object).
    pub fn pos_of(&self, path: &str) -> Pos {
        match self {
            Source::Resource(r) => r.pos_of(path),
            Source::Origin(o) => o
                .fields
                .iter()
                .find(|(p, _)| **p == *path)
                .map_or(o.pos, |(_, pos)| *pos),
        }
    }

    /// The object's identity.
    pub fn rref(&self) -> ResourceRef {
        match self {
            Source::Resource(r) => r.rref.clone(),
            Source::Origin(o) => ResourceRef {
                api_version: o.api_version.to_string(),
                kind: o.kind.to_string(),
                namespace: o.namespace.as_deref().map(str::to_owned),
                name: o.name.as_deref().map(str::to_owned),
            },
        }
    }

    /// Path of the pod template of a workload (`""` for a Pod or for other kinds).
    pub fn template_path(&self) -> &'static str {
        match self {
            Source::Resource(r) => PodSpecView::of(r).map_or("", |p| p.template_path),
            Source::Origin(o) => o.template_path,
        }
    }

    fn describe(&self) -> String {
        let (kind, namespace, name) = match self {
            Source::Resource(r) => (
                r.rref.kind.as_str(),
                r.rref.namespace.as_deref(),
                r.rref.name.as_deref(),
            ),
            Source::Origin(o) => (&*o.kind, o.namespace.as_deref(), o.name.as_deref()),
        };
        let name = name.unwrap_or("<unnamed>");
        match namespace {
            Some(ns) => format!("{kind} {ns}/{name}"),
            None => format!("{kind} {name}"),
        }
    }
}

/// A workload object reduced to what the model needs: what [`build`] reads from a Pod,
/// Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob or ReplicationController.
#[derive(Clone, Debug)]
pub struct WorkloadParts {
    /// Namespace ([`DEFAULT_NAMESPACE`] when the object names none).
    pub namespace: String,
    /// Workload name: the controlling owner's for owned Pods.
    pub name: String,
    /// Workload kind: the controlling owner's for owned Pods.
    pub kind: String,
    /// The object's own name.
    pub own_name: String,
    /// Pod template labels.
    pub labels: Labels,
    /// Ports of the pod's `containers`.
    pub ports: Vec<ContainerPort>,
}

/// One input of [`build_inputs`].
#[derive(Debug)]
pub enum Input<'r> {
    /// A loaded resource (kinds the analysis does not use are ignored).
    Resource(&'r Resource),
    /// A workload object reduced by [`workload_parts`], with what was kept of it.
    Workload(WorkloadParts, Box<Origin>),
    /// A valid NetworkPolicy parsed by [`parse_network_policy`], with what was kept of it.
    Policy(Box<NetworkPolicy>, Box<Origin>),
}

/// The result of [`build_inputs`]: the model, whose `res` indices point into `sources`
/// (one per input, in input order).
#[derive(Debug, Default)]
pub struct BuiltSources<'r> {
    /// The model.
    pub cluster: Cluster,
    /// Where each input came from.
    pub sources: Vec<Source<'r>>,
    /// Invalid objects (left out of the model).
    pub errors: Vec<InputError>,
    /// Suspicious input that was still analysed.
    pub warnings: Vec<Warning>,
}

struct Diag<'a> {
    src: &'a Source<'a>,
    errors: &'a mut Vec<InputError>,
    warnings: &'a mut Vec<Warning>,
    failed: bool,
}

impl Diag<'_> {
    fn error(&mut self, path: &str, msg: impl std::fmt::Display) {
        let pos = self.src.pos_of(path);
        self.errors.push(InputError {
            file: self.src.file().to_owned(),
            line: pos.line,
            column: pos.col,
            message: format!("{}: {msg} (at `{path}`)", self.src.describe()),
        });
        self.failed = true;
    }

    fn warn(&mut self, path: &str, msg: impl std::fmt::Display) {
        let pos = self.src.pos_of(path);
        self.warnings.push(Warning {
            file: self.src.file().to_owned(),
            line: pos.line,
            column: pos.col,
            message: format!("{}: {msg} (at `{path}`)", self.src.describe()),
        });
    }
}

/// Runs `f` with a diagnostics sink that is thrown away.
fn quietly<T>(res: &Resource, f: impl FnOnce(&mut Diag<'_>) -> T) -> T {
    let src = Source::Resource(res);
    let (mut errors, mut warnings) = (Vec::new(), Vec::new());
    let mut d = Diag {
        src: &src,
        errors: &mut errors,
        warnings: &mut warnings,
        failed: false,
    };
    f(&mut d)
}

/// The workload of a workload object, as [`build`] reads it (diagnostics dropped); `None`
/// for other kinds.
pub fn workload_parts(res: &Resource) -> Option<WorkloadParts> {
    quietly(res, |d| workload_of(d, res))
}

/// A NetworkPolicy object as [`build`] reads it; `None` when it is not a NetworkPolicy or
/// is invalid (the builder would leave it out). Its `res` is 0 until it is built.
pub fn parse_network_policy(res: &Resource) -> Option<NetworkPolicy> {
    if res.rref.kind != "NetworkPolicy" {
        return None;
    }
    quietly(res, |d| network_policy(d, res, 0))
}

fn present(n: Option<&Node>) -> Option<&Node> {
    n.filter(|n| !n.is_null())
}

fn str_of(n: &Node) -> Option<String> {
    match &n.value {
        Value::Str(s) => Some(s.clone()),
        _ => None,
    }
}

fn labels_of(d: &mut Diag<'_>, node: Option<&Node>, path: &str) -> Labels {
    let mut out = Labels::new();
    let Some(node) = present(node) else {
        return out;
    };
    if !node.is_map() {
        d.error(path, "labels must be a map of strings");
        return out;
    }
    for e in node.entries() {
        match &e.value.value {
            Value::Str(s) => {
                out.insert(e.key.clone(), s.clone());
            }
            Value::Int(i) => {
                out.insert(e.key.clone(), i.to_string());
            }
            Value::Bool(b) => {
                out.insert(e.key.clone(), b.to_string());
            }
            _ => d.error(&format!("{path}.{}", e.key), "label values must be strings"),
        }
    }
    out
}

/// Parses a `LabelSelector`; `None` when invalid (errors reported).
fn selector(d: &mut Diag<'_>, node: &Node, path: &str) -> Option<LabelSelector> {
    if node.is_null() {
        return Some(LabelSelector::everything());
    }
    if !node.is_map() {
        d.error(path, "selector error: a label selector must be a map");
        return None;
    }
    let mut reqs = Vec::new();
    let mut ok = true;
    let mut match_labels = 0;
    if let Some(ml) = present(node.get("matchLabels")) {
        for e in ml.entries() {
            let value = match &e.value.value {
                Value::Str(s) => s.clone(),
                Value::Int(i) => i.to_string(),
                Value::Bool(b) => b.to_string(),
                Value::Null => String::new(),
                _ => {
                    d.error(
                        &format!("{path}.matchLabels"),
                        "selector error: values must be strings",
                    );
                    ok = false;
                    continue;
                }
            };
            let p = format!("{path}.matchLabels");
            if let Err(m) = validate_key(&e.key).and_then(|()| validate_value(&value)) {
                d.error(&p, format!("selector error: {m}"));
                ok = false;
                continue;
            }
            reqs.push(Requirement {
                key: e.key.clone(),
                op: crate::selector::Op::In,
                values: vec![value],
            });
        }
        match_labels = reqs.len();
    }
    if let Some(me) = present(node.get("matchExpressions")) {
        for (i, ex) in me.items().iter().enumerate() {
            let p = format!("{path}.matchExpressions[{i}]");
            let key = ex.get("key").and_then(str_of).unwrap_or_default();
            let Some(op) = ex.get("operator").and_then(Node::as_str).and_then(parse_op) else {
                d.error(
                    &format!("{p}.operator"),
                    format!(
                        "selector error: {:?} is not a valid label selector operator",
                        ex.get("operator").and_then(Node::as_str).unwrap_or("")
                    ),
                );
                ok = false;
                continue;
            };
            let values: Vec<String> = ex
                .get("values")
                .map(|v| {
                    v.items()
                        .iter()
                        .map(|x| match &x.value {
                            Value::Str(s) => s.clone(),
                            Value::Int(i) => i.to_string(),
                            Value::Bool(b) => b.to_string(),
                            _ => String::new(),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let r = Requirement { key, op, values };
            if let Err(m) = validate_requirement(&r) {
                d.error(&p, format!("selector error: {m}"));
                ok = false;
                continue;
            }
            reqs.push(r);
        }
    }
    ok.then_some(LabelSelector {
        requirements: reqs,
        match_labels,
    })
}

fn protocol(d: &mut Diag<'_>, node: Option<&Node>, path: &str) -> Option<Protocol> {
    match present(node) {
        None => Some(Protocol::Tcp),
        Some(n) => {
            if let Some(p) = n.as_str().and_then(Protocol::parse) {
                Some(p)
            } else {
                d.error(
                    path,
                    format!(
                        "unsupported protocol {:?}: supported values: \"SCTP\", \"TCP\", \"UDP\"",
                        n.as_str().unwrap_or("")
                    ),
                );
                None
            }
        }
    }
}

fn port_number(d: &mut Diag<'_>, n: &Node, path: &str) -> Option<u16> {
    match n.as_i64() {
        Some(i) if (i64::from(MIN_PORT)..=i64::from(MAX_PORT)).contains(&i) => {
            u16::try_from(i).ok()
        }
        Some(i) => {
            d.error(path, format!("port {i} is out of range 1-65535"));
            None
        }
        None => {
            d.error(path, "port must be a number");
            None
        }
    }
}

fn is_port_name(s: &str) -> bool {
    // IANA_SVC_NAME: 1-15 chars, lower-case alphanumerics and '-', at least one letter,
    // no leading/trailing/double '-'.
    !s.is_empty()
        && s.len() <= 15
        && s.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        && s.bytes().any(|c| c.is_ascii_lowercase())
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
}

/// `ports` of a NetworkPolicy rule.
fn np_ports(d: &mut Diag<'_>, node: Option<&Node>, path: &str) -> Option<Ports> {
    let Some(node) = present(node) else {
        return Some(Ports::all());
    };
    let items = node.items();
    if items.is_empty() {
        return Some(Ports::all());
    }
    let mut specs = Vec::new();
    let mut numeric = ConnSet::none();
    let mut named = Vec::new();
    let mut ok = true;
    for (i, p) in items.iter().enumerate() {
        let pp = format!("{path}[{i}]");
        let Some(proto) = protocol(d, p.get("protocol"), &format!("{pp}.protocol")) else {
            ok = false;
            continue;
        };
        let end = present(p.get("endPort"));
        match present(p.get("port")).map(|n| &n.value) {
            None => {
                if end.is_some() {
                    d.error(
                        &format!("{pp}.endPort"),
                        "endPort may only be set together with a numeric port",
                    );
                    ok = false;
                    continue;
                }
                specs.push(PortSpec::Numbers(proto, MIN_PORT, MAX_PORT));
                numeric.add(proto, MIN_PORT, MAX_PORT);
            }
            Some(Value::Str(name)) => {
                if end.is_some() {
                    d.error(
                        &format!("{pp}.endPort"),
                        "named port error: endPort field cannot be defined if the port field is defined as a named (string) port",
                    );
                    ok = false;
                    continue;
                }
                if !is_port_name(name) {
                    d.warn(
                        &format!("{pp}.port"),
                        format!("`{name}` is not a valid port name (IANA_SVC_NAME); it can only match a container port of the same name"),
                    );
                }
                specs.push(PortSpec::Named(proto, name.clone()));
                named.push((Some(proto), name.clone()));
            }
            Some(_) => {
                let Some(port) = p
                    .get("port")
                    .and_then(|n| port_number(d, n, &format!("{pp}.port")))
                else {
                    ok = false;
                    continue;
                };
                let last = match end {
                    None => port,
                    Some(e) => match e.as_i64() {
                        Some(v) if v >= i64::from(port) && v <= i64::from(MAX_PORT) => {
                            u16::try_from(v).unwrap_or(port)
                        }
                        Some(v) => {
                            d.error(
                                &format!("{pp}.endPort"),
                                format!("port range {port}-{v} is illegal: start and end must be in 1-65535 and end may not be less than start"),
                            );
                            ok = false;
                            continue;
                        }
                        None => {
                            d.error(&format!("{pp}.endPort"), "endPort must be a number");
                            ok = false;
                            continue;
                        }
                    },
                };
                specs.push(PortSpec::Numbers(proto, port, last));
                numeric.add(proto, port, last);
            }
        }
    }
    ok.then_some(Ports {
        specs: Some(specs),
        numeric,
        named,
    })
}

/// `from`/`to` of a NetworkPolicy rule: `None` when invalid, `Some(None)` when absent or
/// empty (every peer).
#[allow(clippy::option_option)]
fn np_peers(d: &mut Diag<'_>, node: Option<&Node>, path: &str) -> Option<Option<Vec<Peer>>> {
    let Some(node) = present(node) else {
        return Some(None);
    };
    let items = node.items();
    if items.is_empty() {
        return Some(None);
    }
    let mut out = Vec::new();
    let mut ok = true;
    for (i, p) in items.iter().enumerate() {
        let pp = format!("{path}[{i}]");
        let pods = present(p.get("podSelector"));
        let nss = present(p.get("namespaceSelector"));
        let ipb = present(p.get("ipBlock"));
        // `podSelector: null` still counts as set for the API only when the key is present;
        // a key with null value decodes to nil, i.e. not set.
        match (pods.is_some() || nss.is_some(), ipb) {
            (false, None) => {
                d.error(&pp, "rule NetworkPolicyPeer error: cannot have empty rule peer (one of podSelector, namespaceSelector, ipBlock is required)");
                ok = false;
            }
            (true, Some(_)) => {
                d.error(&pp, "rule NetworkPolicyPeer error: cannot have both IPBlock and PodSelector/NamespaceSelector set");
                ok = false;
            }
            (true, None) => {
                let ns_sel = match nss {
                    Some(n) => {
                        if let Some(s) = selector(d, n, &format!("{pp}.namespaceSelector")) {
                            Some(s)
                        } else {
                            ok = false;
                            continue;
                        }
                    }
                    None => None,
                };
                let pod_sel = match pods {
                    Some(n) => {
                        if let Some(s) = selector(d, n, &format!("{pp}.podSelector")) {
                            Some(s)
                        } else {
                            ok = false;
                            continue;
                        }
                    }
                    None => None,
                };
                out.push(Peer::Selectors {
                    namespaces: ns_sel,
                    pods: pod_sel,
                });
            }
            (false, Some(b)) => {
                let cp = format!("{pp}.ipBlock.cidr");
                let Some(cidr) = b.get("cidr").and_then(str_of) else {
                    d.error(
                        &cp,
                        "CIDR error: invalid CIDR address: ipBlock.cidr is required",
                    );
                    ok = false;
                    continue;
                };
                let range = match parse_cidr(&cidr) {
                    Ok(r) => {
                        if r.family == crate::ipnet::Family::V6 {
                            d.warn(&cp, IPV6_WARNING);
                        }
                        r
                    }
                    Err(e) => {
                        d.error(&cp, format!("CIDR error: {e}"));
                        ok = false;
                        continue;
                    }
                };
                let whole = range.to_set();
                let mut set = whole.clone();
                let mut except = Vec::new();
                for (j, e) in b
                    .get("except")
                    .map_or(&[][..], Node::items)
                    .iter()
                    .enumerate()
                {
                    let ep = format!("{pp}.ipBlock.except[{j}]");
                    let Some(t) = str_of(e) else {
                        d.error(&ep, "CIDR error: except entries must be strings");
                        ok = false;
                        continue;
                    };
                    match parse_cidr(&t) {
                        Ok(r) => {
                            let ex = r.to_set();
                            if !ex.is_subset(&whole) || ex == whole {
                                d.warn(
                                    &ep,
                                    format!("except `{t}` is not a strict subset of cidr `{cidr}`"),
                                );
                            }
                            set = set.subtract(&ex);
                            except.push(t);
                        }
                        Err(e) => {
                            d.error(&ep, format!("CIDR error: {e}"));
                            ok = false;
                        }
                    }
                }
                out.push(Peer::IpBlock {
                    set: Box::new(set),
                    cidr,
                    except,
                });
            }
        }
    }
    out.shrink_to_fit();
    ok.then_some(Some(out))
}

fn np_rules(d: &mut Diag<'_>, spec: &Node, field: &str, peer_field: &str) -> Option<Vec<Rule>> {
    let mut rules = Vec::new();
    let mut ok = true;
    for (i, r) in present(spec.get(field))
        .map_or(&[][..], Node::items)
        .iter()
        .enumerate()
    {
        let rp = format!("spec.{field}[{i}]");
        let peers = np_peers(d, r.get(peer_field), &format!("{rp}.{peer_field}"));
        let ports = np_ports(d, r.get("ports"), &format!("{rp}.ports"));
        match (peers, ports) {
            (Some(peers), Some(ports)) => {
                if field == "egress"
                    && !ports.named.is_empty()
                    && let Some(peers) = &peers
                    && peers.iter().any(|p| matches!(p, Peer::IpBlock { .. }))
                {
                    d.warn(
                                &format!("{rp}.ports"),
                                "named port error: cannot convert named port for an IP destination; the named ports of this rule never match its ipBlock peers",
                            );
                }
                rules.push(Rule { peers, ports });
            }
            _ => ok = false,
        }
    }
    rules.shrink_to_fit();
    ok.then_some(rules)
}

fn network_policy(d: &mut Diag<'_>, res: &Resource, idx: usize) -> Option<NetworkPolicy> {
    let node = &res.node;
    let namespace = res
        .rref
        .namespace
        .clone()
        .unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned());
    let name = res.rref.name.clone().unwrap_or_default();
    let empty = Node::new(Value::Map(Vec::new()), node.pos);
    let spec = present(node.get("spec")).unwrap_or(&empty);
    let pod_selector = match present(spec.get("podSelector")) {
        None => Some(LabelSelector::everything()),
        Some(n) => selector(d, n, "spec.podSelector"),
    };
    let ingress = np_rules(d, spec, "ingress", "from");
    let egress = np_rules(d, spec, "egress", "to");
    let types = present(spec.get("policyTypes"));
    let (mut ing, mut eg) = (false, false);
    let explicit_types = types.is_some_and(|t| !t.items().is_empty());
    if explicit_types {
        for (i, t) in types.map_or(&[][..], Node::items).iter().enumerate() {
            match t.as_str() {
                Some("Ingress") => ing = true,
                Some("Egress") => eg = true,
                other => d.error(
                    &format!("spec.policyTypes[{i}]"),
                    format!(
                        "unsupported policy type {:?}: supported values: \"Ingress\", \"Egress\"",
                        other.unwrap_or("")
                    ),
                ),
            }
        }
    } else {
        // Defaulting: Ingress always; Egress only if there are egress rules.
        ing = true;
        eg = egress.as_ref().is_some_and(|e| !e.is_empty());
    }
    if d.failed {
        return None;
    }
    Some(NetworkPolicy {
        namespace,
        name,
        pod_selector: pod_selector?,
        ingress: ingress?,
        egress: egress?,
        affects_ingress: ing,
        affects_egress: eg,
        explicit_types,
        res: idx,
    })
}

fn admin_selector_pair(d: &mut Diag<'_>, node: &Node, path: &str) -> Option<AdminPeer> {
    let ns = match present(node.get("namespaceSelector")) {
        Some(n) => selector(d, n, &format!("{path}.namespaceSelector"))?,
        None => LabelSelector::everything(),
    };
    let pods = match present(node.get("podSelector")) {
        Some(n) => selector(d, n, &format!("{path}.podSelector"))?,
        None => LabelSelector::everything(),
    };
    Some(AdminPeer::Pods {
        namespaces: ns,
        pods,
    })
}

fn admin_peer(d: &mut Diag<'_>, node: &Node, path: &str, egress: bool) -> Option<AdminPeer> {
    let fields: &[&str] = if egress {
        &["namespaces", "pods", "nodes", "networks"]
    } else {
        &["namespaces", "pods"]
    };
    let set: Vec<&&str> = fields.iter().filter(|f| node.get(f).is_some()).collect();
    let unknown = node
        .entries()
        .iter()
        .any(|e| !fields.contains(&e.key.as_str()));
    if set.len() != 1 || unknown {
        d.error(path, "exactly one field must be set in a rule peer");
        return None;
    }
    let field = **set.first()?;
    let fp = format!("{path}.{field}");
    let val = node.get(field)?;
    match field {
        "namespaces" => selector(d, val, &fp).map(AdminPeer::Namespaces),
        "pods" => admin_selector_pair(d, val, &fp),
        "nodes" => {
            d.warn(&fp, "the `nodes` field of admin network policy peers is not supported; this peer never matches");
            Some(AdminPeer::Nodes)
        }
        _ => {
            let mut set = IpSet::default();
            for (i, c) in val.items().iter().enumerate() {
                let cp = format!("{fp}[{i}]");
                match str_of(c).as_deref().map(parse_cidr) {
                    Some(Ok(r)) => {
                        if r.family == crate::ipnet::Family::V6 {
                            d.warn(&cp, IPV6_WARNING);
                        }
                        set.add_range(r);
                    }
                    Some(Err(e)) => {
                        d.error(&cp, e);
                        return None;
                    }
                    None => {
                        d.error(
                            &cp,
                            "invalid CIDR address: networks entries must be strings",
                        );
                        return None;
                    }
                }
            }
            Some(AdminPeer::Networks(set))
        }
    }
}

fn admin_ports(d: &mut Diag<'_>, node: Option<&Node>, path: &str) -> Option<Ports> {
    let Some(node) = present(node) else {
        return Some(Ports::all());
    };
    let mut specs = Vec::new();
    let mut numeric = ConnSet::none();
    let mut named = Vec::new();
    for (i, p) in node.items().iter().enumerate() {
        let pp = format!("{path}[{i}]");
        let fields: Vec<&str> = ["portNumber", "namedPort", "portRange"]
            .into_iter()
            .filter(|f| p.get(f).is_some())
            .collect();
        if fields.len() != 1 {
            d.error(
                &pp,
                "exactly one field must be set in an AdminNetworkPolicyPort",
            );
            return None;
        }
        match fields.first().copied() {
            Some("portNumber") => {
                let n = p.get("portNumber")?;
                let proto = protocol(d, n.get("protocol"), &format!("{pp}.portNumber.protocol"))?;
                let port = port_number(d, n.get("port")?, &format!("{pp}.portNumber.port"))?;
                specs.push(PortSpec::Numbers(proto, port, port));
                numeric.add(proto, port, port);
            }
            Some("namedPort") => {
                let Some(name) = p.get("namedPort").and_then(str_of) else {
                    d.error(&format!("{pp}.namedPort"), "namedPort must be a string");
                    return None;
                };
                specs.push(PortSpec::Named(Protocol::Tcp, name.clone()));
                named.push((None, name));
            }
            _ => {
                let n = p.get("portRange")?;
                let proto = protocol(d, n.get("protocol"), &format!("{pp}.portRange.protocol"))?;
                let (s, e) = (
                    n.get("start").and_then(Node::as_i64).unwrap_or(0),
                    n.get("end").and_then(Node::as_i64).unwrap_or(0),
                );
                let valid = i64::from(MIN_PORT)..=i64::from(MAX_PORT);
                if !valid.contains(&s) || !valid.contains(&e) || e < s {
                    d.error(
                        &format!("{pp}.portRange"),
                        format!("port range {s}-{e} is illegal: start and end must be in 1-65535 and end may not be less than start"),
                    );
                    return None;
                }
                let (s, e) = (u16::try_from(s).ok()?, u16::try_from(e).ok()?);
                specs.push(PortSpec::Numbers(proto, s, e));
                numeric.add(proto, s, e);
            }
        }
    }
    Some(Ports {
        specs: Some(specs),
        numeric,
        named,
    })
}

fn admin_rules(
    d: &mut Diag<'_>,
    spec: &Node,
    field: &str,
    baseline: bool,
) -> Option<Vec<AdminRule>> {
    let egress = field == "egress";
    let peer_field = if egress { "to" } else { "from" };
    let mut out = Vec::new();
    let mut ok = true;
    for (i, r) in present(spec.get(field))
        .map_or(&[][..], Node::items)
        .iter()
        .enumerate()
    {
        let rp = format!("spec.{field}[{i}]");
        let name = r.get("name").and_then(str_of).unwrap_or_default();
        let action = match r.get("action").and_then(Node::as_str) {
            Some("Allow") => Some(Action::Allow),
            Some("Deny") => Some(Action::Deny),
            Some("Pass") if !baseline => Some(Action::Pass),
            other => {
                d.error(
                    &format!("{rp}.action"),
                    format!(
                        "unrecognized action {:?} (expected {})",
                        other.unwrap_or(""),
                        if baseline {
                            "Allow or Deny"
                        } else {
                            "Allow, Deny or Pass"
                        }
                    ),
                );
                None
            }
        };
        let peers_node = present(r.get(peer_field));
        if peers_node.is_none_or(|n| n.items().is_empty()) {
            d.error(
                &format!("{rp}.{peer_field}"),
                format!("{peer_field} field must be defined and contain at least one item"),
            );
            ok = false;
            continue;
        }
        let mut peers = Vec::new();
        for (j, p) in peers_node.map_or(&[][..], Node::items).iter().enumerate() {
            match admin_peer(d, p, &format!("{rp}.{peer_field}[{j}]"), egress) {
                Some(p) => peers.push(p),
                None => ok = false,
            }
        }
        let ports = admin_ports(d, r.get("ports"), &format!("{rp}.ports"));
        if let Some(p) = &ports
            && !p.named.is_empty()
            && peers.iter().any(|x| matches!(x, AdminPeer::Networks(_)))
        {
            d.warn(
                    &format!("{rp}.ports"),
                    "named port is not defined for IP addresses; skipped for the `networks` peers of this rule",
                );
        }
        match (action, ports) {
            (Some(action), Some(ports)) => out.push(AdminRule {
                name,
                action,
                peers,
                ports,
            }),
            _ => ok = false,
        }
    }
    ok.then_some(out)
}

fn admin_policy(
    d: &mut Diag<'_>,
    res: &Resource,
    idx: usize,
    baseline: bool,
) -> Option<AdminPolicy> {
    let node = &res.node;
    let name = res.rref.name.clone().unwrap_or_default();
    let empty = Node::new(Value::Map(Vec::new()), node.pos);
    let spec = present(node.get("spec")).unwrap_or(&empty);
    let priority = if baseline {
        None
    } else {
        match spec.get("priority").and_then(Node::as_i64) {
            Some(p) if (MIN_PRIORITY..=MAX_PRIORITY).contains(&p) => Some(p),
            Some(p) => {
                d.error(
                    "spec.priority",
                    format!("Invalid Priority Value: {p} in Admin Network Policy: {name:?}; Priority value must be between {MIN_PRIORITY}-{MAX_PRIORITY}"),
                );
                None
            }
            None => {
                d.error("spec.priority", "priority is required and must be a number");
                None
            }
        }
    };
    let subject = if let Some(s) = present(spec.get("subject")) {
        let ns = s.get("namespaces");
        let pods = s.get("pods");
        match (ns, pods) {
            (Some(n), None) => selector(d, n, "spec.subject.namespaces").map(AdminPeer::Namespaces),
            (None, Some(p)) => admin_selector_pair(d, p, "spec.subject.pods"),
            _ => {
                d.error("spec.subject", "exactly one field must be set in a subject");
                None
            }
        }
    } else {
        d.error("spec.subject", "exactly one field must be set in a subject");
        None
    };
    let ingress = admin_rules(d, spec, "ingress", baseline);
    let egress = admin_rules(d, spec, "egress", baseline);
    if d.failed {
        return None;
    }
    if baseline && name != "default" {
        d.error(
            "metadata.name",
            "only one baseline admin network policy with metadata.name=default can be created in the cluster",
        );
        return None;
    }
    Some(AdminPolicy {
        name,
        priority: if baseline { None } else { Some(priority?) },
        subject: subject?,
        ingress: ingress?,
        egress: egress?,
        res: idx,
    })
}

fn container_ports(d: &mut Diag<'_>, pod: &PodSpecView<'_>) -> Vec<ContainerPort> {
    let mut out = Vec::new();
    let Some(containers) = pod.get("containers") else {
        return out;
    };
    for (ci, c) in containers.items().iter().enumerate() {
        for (pi, p) in c
            .get("ports")
            .map_or(&[][..], Node::items)
            .iter()
            .enumerate()
        {
            let base = format!("{}.containers[{ci}].ports[{pi}]", pod.spec_path());
            let Some(port) = p
                .get("containerPort")
                .and_then(Node::as_i64)
                .and_then(|v| u16::try_from(v).ok())
                .filter(|v| *v >= MIN_PORT)
            else {
                d.warn(
                    &format!("{base}.containerPort"),
                    "containerPort must be a number in 1-65535; ignored",
                );
                continue;
            };
            let protocol = match present(p.get("protocol")).and_then(Node::as_str) {
                None => Protocol::Tcp,
                Some(s) => {
                    if let Some(p) = Protocol::parse(s) {
                        p
                    } else {
                        d.warn(
                            &format!("{base}.protocol"),
                            format!("unsupported protocol {s:?}; port ignored"),
                        );
                        continue;
                    }
                }
            };
            out.push(ContainerPort {
                name: p.get("name").and_then(str_of).filter(|s| !s.is_empty()),
                port,
                protocol,
            });
        }
    }
    out
}

fn owner(res: &Resource) -> Option<(String, String)> {
    let refs = res.node.get_path(&["metadata", "ownerReferences"])?;
    let r = refs
        .items()
        .iter()
        .find(|r| r.get("controller").and_then(Node::as_bool) == Some(true))?;
    // An owner without a kind is reported as a Pod, as netpol-analyzer does.
    let kind = r
        .get("kind")
        .and_then(str_of)
        .filter(|k| !k.is_empty())
        .unwrap_or_else(|| "Pod".to_owned());
    if kind == "Node" {
        return None;
    }
    Some((r.get("name").and_then(str_of)?, kind))
}

fn service(d: &mut Diag<'_>, res: &Resource, idx: usize) -> Option<Service> {
    let spec = present(res.node.get("spec"))?;
    let selector = present(spec.get("selector")).map(|s| labels_of(d, Some(s), "spec.selector"));
    let mut ports = Vec::new();
    for (i, p) in spec
        .get("ports")
        .map_or(&[][..], Node::items)
        .iter()
        .enumerate()
    {
        let pp = format!("spec.ports[{i}]");
        let Some(port) = p
            .get("port")
            .and_then(Node::as_i64)
            .and_then(|v| u16::try_from(v).ok())
        else {
            d.warn(
                &format!("{pp}.port"),
                "service port must be a number; ignored",
            );
            continue;
        };
        let target = match present(p.get("targetPort")).map(|n| &n.value) {
            Some(Value::Int(t)) => PortTarget::Number(u16::try_from(*t).unwrap_or(port)),
            Some(Value::Str(s)) => match s.parse::<u16>() {
                Ok(n) => PortTarget::Number(n),
                Err(_) => PortTarget::Name(s.clone()),
            },
            _ => PortTarget::Number(port),
        };
        let protocol = present(p.get("protocol"))
            .and_then(Node::as_str)
            .and_then(Protocol::parse)
            .unwrap_or(Protocol::Tcp);
        ports.push(ServicePort {
            name: p.get("name").and_then(str_of).filter(|s| !s.is_empty()),
            port,
            target,
            protocol,
        });
    }
    Some(Service {
        namespace: res
            .rref
            .namespace
            .clone()
            .unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned()),
        name: res.rref.name.clone().unwrap_or_default(),
        selector,
        ports,
        res: idx,
    })
}

fn port_target(n: Option<&Node>) -> Option<PortTarget> {
    match &present(n)?.value {
        Value::Int(i) => u16::try_from(*i).ok().map(PortTarget::Number),
        Value::Str(s) => Some(match s.parse::<u16>() {
            Ok(v) => PortTarget::Number(v),
            Err(_) => PortTarget::Name(s.clone()),
        }),
        _ => None,
    }
}

fn ingress_backends(d: &mut Diag<'_>, res: &Resource, idx: usize, out: &mut Vec<IngressBackend>) {
    let namespace = res
        .rref
        .namespace
        .clone()
        .unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned());
    let object = res.rref.name.clone().unwrap_or_default();
    let Some(spec) = present(res.node.get("spec")) else {
        return;
    };
    let mut push = |service: String, port: Option<PortTarget>, kind: &'static str| {
        out.push(IngressBackend {
            kind,
            namespace: namespace.clone(),
            object: object.clone(),
            service,
            port,
            res: idx,
        });
    };
    if res.rref.kind == "Route" {
        let port =
            present(spec.get_path(&["port", "targetPort"])).and_then(|n| port_target(Some(n)));
        let targets = std::iter::once(spec.get("to")).chain(
            spec.get("alternateBackends")
                .map_or(&[][..], Node::items)
                .iter()
                .map(Some),
        );
        for t in targets.flatten() {
            let kind = t.get("kind").and_then(Node::as_str).unwrap_or("Service");
            if kind != "Service" {
                d.warn(
                    "spec.to",
                    format!("ignoring route target of unsupported kind {kind}"),
                );
                continue;
            }
            if let Some(name) = t.get("name").and_then(str_of) {
                push(name, port.clone(), "Route");
            }
        }
        return;
    }
    // networking.k8s.io/v1 (`service: {name, port: {number|name}}`) and v1beta1
    // (`serviceName`, `servicePort`).
    let backend = |b: &Node| -> Option<(String, Option<PortTarget>)> {
        if let Some(s) = b.get("service") {
            let name = s.get("name").and_then(str_of)?;
            let port = s
                .get("port")
                .and_then(|p| port_target(p.get("number")).or_else(|| port_target(p.get("name"))));
            return Some((name, port));
        }
        let name = b.get("serviceName").and_then(str_of)?;
        Some((name, port_target(b.get("servicePort"))))
    };
    for path in ["defaultBackend", "backend"] {
        if let Some(b) = present(spec.get(path)) {
            match backend(b) {
                Some((s, p)) => push(s, p, "Ingress"),
                None => d.warn(
                    &format!("spec.{path}"),
                    "ignoring default backend without a Service",
                ),
            }
        }
    }
    for (i, rule) in spec
        .get("rules")
        .map_or(&[][..], Node::items)
        .iter()
        .enumerate()
    {
        for (j, p) in rule
            .get_path(&["http", "paths"])
            .map_or(&[][..], Node::items)
            .iter()
            .enumerate()
        {
            match p.get("backend").and_then(backend) {
                Some((s, port)) => push(s, port, "Ingress"),
                None => d.warn(
                    &format!("spec.rules[{i}].http.paths[{j}].backend"),
                    "ignoring rule backend without a Service",
                ),
            }
        }
    }
}

struct PodGroup {
    workload: Workload,
    /// Label sets of the pods, when they differ.
    variants: Vec<(String, Labels)>,
}

/// Reads the workload of a workload object (`None` for other kinds and pod templates).
fn workload_of(d: &mut Diag<'_>, res: &Resource) -> Option<WorkloadParts> {
    let kind = res.rref.kind.as_str();
    let pod = PodSpecView::of(res)?;
    if kind == "PodTemplate" {
        return None;
    }
    let namespace = res
        .rref
        .namespace
        .clone()
        .unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned());
    let labels = labels_of(
        d,
        pod.template.get_path(&["metadata", "labels"]),
        &format!(
            "{}metadata.labels",
            if pod.template_path.is_empty() {
                String::new()
            } else {
                format!("{}.", pod.template_path)
            }
        ),
    );
    let ports = container_ports(d, &pod);
    let own_name = res.rref.name.clone().unwrap_or_default();
    let (name, kind) = if kind == "Pod" {
        owner(res).unwrap_or_else(|| (own_name.clone(), "Pod".to_owned()))
    } else {
        (own_name.clone(), kind.to_owned())
    };
    Some(WorkloadParts {
        namespace,
        name,
        kind,
        own_name,
        labels,
        ports,
    })
}

/// Adds a workload to its group (pods of one owner form one workload).
fn add_workload(groups: &mut BTreeMap<String, PodGroup>, parts: WorkloadParts, idx: usize) {
    let WorkloadParts {
        namespace,
        name,
        kind,
        own_name,
        labels,
        ports,
    } = parts;
    let w = Workload {
        namespace,
        ns: 0,
        name,
        kind,
        labels,
        ports,
        res: Some(idx),
        synthetic: false,
    };
    let id = w.id();
    match groups.get_mut(&id) {
        Some(g) => {
            if g.workload.labels != w.labels {
                g.variants
                    .push((format!("{}/{own_name}", w.namespace), w.labels));
            }
        }
        None => {
            groups.insert(
                id,
                PodGroup {
                    workload: w,
                    variants: Vec::new(),
                },
            );
        }
    }
}

/// Adds a valid NetworkPolicy unless one of the same name exists.
fn add_policy(
    d: &mut Diag<'_>,
    p: NetworkPolicy,
    names: &mut HashSet<(String, String)>,
    policies: &mut Vec<NetworkPolicy>,
) {
    let key = (p.namespace.clone(), p.name.clone());
    if names.contains(&key) {
        d.error(
            "metadata.name",
            format!("NetworkPolicy \"{}/{}\" is already exists. Only one object of a given kind can have a given name at a time.", key.0, key.1),
        );
        return;
    }
    names.insert(key);
    policies.push(p);
}

/// Builds the model from resources. Resources of kinds the analysis does not use are ignored.
pub fn build<'r>(resources: impl IntoIterator<Item = &'r Resource>) -> Built<'r> {
    let b = build_inputs(resources.into_iter().map(Input::Resource));
    Built {
        cluster: b.cluster,
        resources: b
            .sources
            .into_iter()
            .filter_map(|s| match s {
                Source::Resource(r) => Some(r),
                Source::Origin(_) => None,
            })
            .collect(),
        errors: b.errors,
        warnings: b.warnings,
    }
}

/// Builds the model from resources and from objects already reduced to what the model needs
/// (workloads and `NetworkPolicies`, as `moat scan` keeps them); the same model [`build`]
/// makes of the resources they came from.
pub fn build_inputs<'r>(inputs: impl IntoIterator<Item = Input<'r>>) -> BuiltSources<'r> {
    let mut sources: Vec<Source<'r>> = Vec::new();
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let mut namespaces: BTreeMap<String, Namespace> = BTreeMap::new();
    let mut groups: BTreeMap<String, PodGroup> = BTreeMap::new();
    let mut policies = Vec::new();
    let mut admin = Vec::new();
    let mut baselines: Vec<AdminPolicy> = Vec::new();
    let mut services = Vec::new();
    let mut backends = Vec::new();
    let mut np_names: HashSet<(String, String)> = HashSet::new();
    let mut skipped_kinds: HashSet<&str> = HashSet::new();

    for (idx, input) in inputs.into_iter().enumerate() {
        let (src, compact) = match input {
            Input::Resource(res) => (Source::Resource(res), None),
            Input::Workload(parts, origin) => (Source::Origin(origin), Some(Ok(parts))),
            Input::Policy(policy, origin) => (Source::Origin(origin), Some(Err(policy))),
        };
        let mut d = Diag {
            src: &src,
            errors: &mut errors,
            warnings: &mut warnings,
            failed: false,
        };
        match (compact, &src) {
            (Some(Ok(parts)), _) => add_workload(&mut groups, parts, idx),
            (Some(Err(mut p)), _) => {
                p.res = idx;
                add_policy(&mut d, *p, &mut np_names, &mut policies);
            }
            (None, Source::Resource(res)) => add_resource(
                &mut d,
                res,
                idx,
                &mut Collect {
                    namespaces: &mut namespaces,
                    groups: &mut groups,
                    policies: &mut policies,
                    np_names: &mut np_names,
                    admin: &mut admin,
                    baselines: &mut baselines,
                    services: &mut services,
                    backends: &mut backends,
                    skipped_kinds: &mut skipped_kinds,
                },
            ),
            (None, Source::Origin(_)) => {}
        }
        sources.push(src);
    }

    // Pods of one owner with different labels: fine unless a policy selects on a differing key.
    let policy_keys: HashSet<String> = policy_selector_keys(&policies, &admin, baselines.first());
    for g in groups.values() {
        for (pod, labels) in &g.variants {
            let w = &g.workload;
            let differing = w
                .labels
                .iter()
                .filter(|(k, v)| labels.get(k) != Some(*v))
                .map(|(k, _)| k)
                .chain(labels.keys().filter(|k| !w.labels.contains_key(k)))
                .find(|k| policy_keys.contains(*k));
            if let Some(key) = differing
                && let Some(src) = w.res.and_then(|i| sources.get(i))
            {
                let pos = src.pos_of("metadata.labels");
                errors.push(InputError {
                        file: src.file().to_owned(),
                        line: pos.line,
                        column: pos.col,
                        message: format!(
                            "Found Pods of the same owner workload `{}/{}` and with differences in their labels, while a network policy contains selectors impacted by this gap: pod {pod} differs on label `{key}`",
                            w.namespace, w.name
                        ),
                    });
            }
        }
    }

    // Namespaces referenced but not defined get only their automatic label.
    let referenced = groups
        .values()
        .map(|g| g.workload.namespace.clone())
        .chain(policies.iter().map(|p| p.namespace.clone()))
        .chain(std::iter::once(INGRESS_CONTROLLER_NS.to_owned()).filter(|_| !backends.is_empty()));
    for name in referenced {
        namespaces.entry(name.clone()).or_insert_with(|| Namespace {
            labels: std::iter::once((NAMESPACE_NAME_LABEL.to_owned(), name.clone())).collect(),
            name,
            res: None,
        });
    }
    let namespaces: Vec<Namespace> = namespaces.into_values().collect();
    let ns_index = |name: &str| {
        namespaces
            .binary_search_by(|n| n.name.as_str().cmp(name))
            .unwrap_or(0)
    };
    // Room for the synthetic workloads (the ingress controller, coverage's kube-dns).
    let mut workloads: Vec<Workload> = Vec::with_capacity(groups.len() + 2);
    workloads.extend(groups.into_values().map(|g| {
        let mut w = g.workload;
        w.ns = ns_index(&w.namespace);
        w
    }));
    if !backends.is_empty() {
        workloads.push(Workload {
            namespace: INGRESS_CONTROLLER_NS.to_owned(),
            ns: ns_index(INGRESS_CONTROLLER_NS),
            name: INGRESS_CONTROLLER.to_owned(),
            kind: "IngressController".to_owned(),
            labels: Labels::new(),
            ports: Vec::new(),
            res: None,
            synthetic: true,
        });
    }
    admin.sort_by_key(|a| a.priority);
    BuiltSources {
        cluster: Cluster {
            namespaces,
            workloads,
            policies,
            admin,
            baseline: baselines.into_iter().next(),
            services,
            ingress_backends: backends,
        },
        sources,
        errors,
        warnings,
    }
}

/// What the builder collects while reading inputs.
struct Collect<'a> {
    namespaces: &'a mut BTreeMap<String, Namespace>,
    groups: &'a mut BTreeMap<String, PodGroup>,
    policies: &'a mut Vec<NetworkPolicy>,
    np_names: &'a mut HashSet<(String, String)>,
    admin: &'a mut Vec<AdminPolicy>,
    baselines: &'a mut Vec<AdminPolicy>,
    services: &'a mut Vec<Service>,
    backends: &'a mut Vec<IngressBackend>,
    skipped_kinds: &'a mut HashSet<&'static str>,
}

/// Reads one loaded resource into the model being built.
fn add_resource(d: &mut Diag<'_>, res: &Resource, idx: usize, c: &mut Collect<'_>) {
    let kind = res.rref.kind.as_str();
    match kind {
        "Namespace" => {
            let name = res.rref.name.clone().unwrap_or_default();
            let mut labels = labels_of(
                d,
                res.node.get_path(&["metadata", "labels"]),
                "metadata.labels",
            );
            if !labels.contains_key(NAMESPACE_NAME_LABEL) {
                labels.insert(NAMESPACE_NAME_LABEL, name.as_str());
            }
            if c.namespaces.contains_key(&name) {
                d.error(
                    "metadata.name",
                    format!("Namespace {name:?} is already exists. Only one object of a given kind can have a given name at a time."),
                );
                return;
            }
            c.namespaces.insert(
                name.clone(),
                Namespace {
                    name,
                    labels,
                    res: Some(idx),
                },
            );
        }
        "NetworkPolicy" => {
            if let Some(p) = network_policy(d, res, idx) {
                add_policy(d, p, c.np_names, c.policies);
            }
        }
        "AdminNetworkPolicy" => {
            if let Some(p) = admin_policy(d, res, idx, false) {
                if c.admin.iter().any(|a: &AdminPolicy| a.name == p.name) {
                    d.error(
                        "metadata.name",
                        format!("an AdminNetworkPolicy {:?} is already exists. Only one object of a given kind can have a given name at a time.", p.name),
                    );
                    return;
                }
                if let Some(other) = c
                    .admin
                    .iter()
                    .find(|a: &&AdminPolicy| a.priority == p.priority)
                {
                    d.error(
                        "spec.priority",
                        format!(
                            "Admin Network Policies: {} and {} have same priority;Two policies are considered to be conflicting if they are assigned the same priority.",
                            other.name, p.name
                        ),
                    );
                    return;
                }
                c.admin.push(p);
            }
        }
        "BaselineAdminNetworkPolicy" => {
            if let Some(p) = admin_policy(d, res, idx, true) {
                if !c.baselines.is_empty() {
                    d.error(
                        "metadata.name",
                        "only one baseline admin network policy may be provided in input resources; one already exists",
                    );
                    return;
                }
                c.baselines.push(p);
            }
        }
        "Service" => {
            if let Some(s) = service(d, res, idx) {
                c.services.push(s);
            }
        }
        "Ingress" | "Route" => ingress_backends(d, res, idx, c.backends),
        k if UNMODELLED_KINDS.contains(&k) => {
            if c.skipped_kinds.insert(
                UNMODELLED_KINDS
                    .iter()
                    .find(|x| **x == k)
                    .copied()
                    .unwrap_or(""),
            ) {
                d.warn(
                    "kind",
                    format!("skipping object with type: {k} (multi-network and virtualisation resources are not modelled)"),
                );
            }
        }
        _ => {
            if let Some(parts) = workload_of(d, res) {
                add_workload(c.groups, parts, idx);
            }
        }
    }
}

fn policy_selector_keys(
    policies: &[NetworkPolicy],
    admin: &[AdminPolicy],
    baseline: Option<&AdminPolicy>,
) -> HashSet<String> {
    let mut keys = HashSet::new();
    let mut add = |s: &LabelSelector| {
        keys.extend(s.keys().map(str::to_owned));
    };
    for p in policies {
        add(&p.pod_selector);
        for r in p.ingress.iter().chain(&p.egress) {
            for peer in r.peers.iter().flatten() {
                if let Peer::Selectors { pods: Some(s), .. } = peer {
                    add(s);
                }
            }
        }
    }
    for a in admin.iter().chain(baseline) {
        let peers = std::iter::once(&a.subject).chain(
            a.ingress
                .iter()
                .chain(&a.egress)
                .flat_map(|r| r.peers.iter()),
        );
        for p in peers {
            if let AdminPeer::Pods { pods, .. } = p {
                add(pods);
            }
        }
    }
    keys
}
