//! The analysed world: namespaces, workloads (pod templates and pods grouped by owner),
//! `NetworkPolicies` and admin policies, each pointing back at the resource it came from.

use std::fmt;

use crate::ipnet::IpSet;
use crate::ports::{ConnSet, Protocol};
use crate::selector::{LabelSelector, Labels};

/// A namespace: defined by a `Namespace` object or only referenced.
#[derive(Clone, Debug)]
pub struct Namespace {
    /// Name.
    pub name: String,
    /// Labels, always including `kubernetes.io/metadata.name`.
    pub labels: Labels,
    /// Index of the defining resource, if any.
    pub res: Option<usize>,
}

/// A container port (`containers[*].ports[*]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerPort {
    /// `name`, if any.
    pub name: Option<String>,
    /// `containerPort`.
    pub port: u16,
    /// `protocol` (TCP when omitted).
    pub protocol: Protocol,
}

/// A workload: the unit connectivity is reported for (a Deployment's pod template, or the
/// pods sharing one controller owner, or a bare Pod).
#[derive(Clone, Debug)]
pub struct Workload {
    /// Namespace name.
    pub namespace: String,
    /// Index into [`Cluster::namespaces`].
    pub ns: usize,
    /// Workload name (the owner's name for owned pods).
    pub name: String,
    /// Kind: `Deployment`, `ReplicaSet`, `Pod`, ...
    pub kind: String,
    /// Pod labels.
    pub labels: Labels,
    /// Ports of the pod's `containers`.
    pub ports: Vec<ContainerPort>,
    /// Index of the (first) resource.
    pub res: Option<usize>,
    /// A synthetic workload (the ingress controller), never listed itself.
    pub synthetic: bool,
}

impl Workload {
    /// `namespace/name[Kind]`.
    pub fn id(&self) -> String {
        format!("{}/{}[{}]", self.namespace, self.name, self.kind)
    }

    /// Resolves a named port for a protocol (`None` protocol: any, as admin policies do).
    pub fn named_port(&self, name: &str, protocol: Option<Protocol>) -> Option<(Protocol, u16)> {
        self.ports
            .iter()
            .find(|p| p.name.as_deref() == Some(name))
            .filter(|p| protocol.is_none_or(|pr| pr == p.protocol))
            .map(|p| (p.protocol, p.port))
    }
}

/// One entry of a rule's `ports`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PortSpec {
    /// Numeric port or range (`port` + `endPort`), or all ports when `port` is absent.
    Numbers(Protocol, u16, u16),
    /// A named port, resolved against the destination pod's container ports.
    Named(Protocol, String),
}

/// Compiled `ports` of a rule: the numeric part once, named ports kept for resolution.
#[derive(Clone, Debug, Default)]
pub struct Ports {
    /// `None`: the rule applies to all ports (`ports` absent or empty).
    pub specs: Option<Vec<PortSpec>>,
    /// Union of the numeric specs.
    pub numeric: ConnSet,
    /// Named specs: (protocol, name); protocol `None` means the pod's (admin policies).
    pub named: Vec<(Option<Protocol>, String)>,
}

impl Ports {
    /// All ports.
    pub fn all() -> Self {
        Ports {
            specs: None,
            numeric: ConnSet::all(),
            named: Vec::new(),
        }
    }

    /// The connections these ports allow towards a destination with `ports`
    /// (`None`: an IP destination, where named ports never match).
    pub fn resolve(&self, dst: Option<&Workload>) -> ConnSet {
        if self.named.is_empty() {
            return self.numeric.clone();
        }
        let mut c = self.numeric.clone();
        if let Some(w) = dst {
            for (proto, name) in &self.named {
                if let Some((p, port)) = w.named_port(name, *proto) {
                    c.add(p, port, port);
                }
            }
        }
        c
    }
}

/// A NetworkPolicy peer.
#[derive(Clone, Debug)]
pub enum Peer {
    /// `podSelector` and/or `namespaceSelector` (AND-ed when both are set).
    Selectors {
        /// `namespaceSelector`; `None` means the policy's own namespace.
        namespaces: Option<LabelSelector>,
        /// `podSelector`; `None` means all pods.
        pods: Option<LabelSelector>,
    },
    /// `ipBlock`: `cidr` minus `except`.
    IpBlock {
        /// The resulting set (boxed: most peers are selectors, and a peer is kept per rule).
        set: Box<IpSet>,
        /// `cidr` as written.
        cidr: String,
        /// `except` as written.
        except: Vec<String>,
    },
}

/// A NetworkPolicy ingress or egress rule.
#[derive(Clone, Debug)]
pub struct Rule {
    /// `from`/`to`: `None` when absent or empty (all peers).
    pub peers: Option<Vec<Peer>>,
    /// `ports`.
    pub ports: Ports,
}

/// A `networking.k8s.io/v1` NetworkPolicy.
#[derive(Clone, Debug)]
pub struct NetworkPolicy {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// `spec.podSelector` (null or `{}` select every pod of the namespace).
    pub pod_selector: LabelSelector,
    /// Ingress rules.
    pub ingress: Vec<Rule>,
    /// Egress rules.
    pub egress: Vec<Rule>,
    /// Whether the policy isolates selected pods for ingress (`policyTypes` or default).
    pub affects_ingress: bool,
    /// Whether the policy isolates selected pods for egress.
    pub affects_egress: bool,
    /// `policyTypes` was given explicitly.
    pub explicit_types: bool,
    /// Resource index.
    pub res: usize,
}

impl NetworkPolicy {
    /// `namespace/name`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

/// An admin policy rule action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Allow.
    Allow,
    /// Deny.
    Deny,
    /// Delegate to `NetworkPolicies` (`AdminNetworkPolicy` only).
    Pass,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::Allow => "Allow",
            Action::Deny => "Deny",
            Action::Pass => "Pass",
        })
    }
}

/// Who an admin policy applies to, or a peer of an admin rule.
#[derive(Clone, Debug)]
pub enum AdminPeer {
    /// `namespaces`: every pod of the matching namespaces.
    Namespaces(LabelSelector),
    /// `pods`: matching pods in matching namespaces.
    Pods {
        /// `namespaceSelector`.
        namespaces: LabelSelector,
        /// `podSelector`.
        pods: LabelSelector,
    },
    /// `networks` (egress only): CIDRs.
    Networks(IpSet),
    /// `nodes` (egress only): not modelled, never matches.
    Nodes,
}

/// An admin policy rule.
#[derive(Clone, Debug)]
pub struct AdminRule {
    /// `name`.
    pub name: String,
    /// `action`.
    pub action: Action,
    /// `from`/`to`.
    pub peers: Vec<AdminPeer>,
    /// `ports`.
    pub ports: Ports,
}

/// An `AdminNetworkPolicy` or the `BaselineAdminNetworkPolicy`.
#[derive(Clone, Debug)]
pub struct AdminPolicy {
    /// Name.
    pub name: String,
    /// Priority (ANP; 0..=1000). `None` for the baseline.
    pub priority: Option<i64>,
    /// `subject`.
    pub subject: AdminPeer,
    /// Ingress rules in order.
    pub ingress: Vec<AdminRule>,
    /// Egress rules in order.
    pub egress: Vec<AdminRule>,
    /// Resource index.
    pub res: usize,
}

impl AdminPolicy {
    /// `AdminNetworkPolicy 'name'` / `BaselineAdminNetworkPolicy 'name'`.
    pub fn id(&self) -> String {
        if self.priority.is_some() {
            format!("AdminNetworkPolicy '{}'", self.name)
        } else {
            format!("BaselineAdminNetworkPolicy '{}'", self.name)
        }
    }
}

/// A `Service` (for the ingress-controller analysis).
#[derive(Clone, Debug)]
pub struct Service {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// `spec.selector` (`None`: no selector, selects nothing).
    pub selector: Option<Labels>,
    /// `spec.ports`.
    pub ports: Vec<ServicePort>,
    /// Resource index.
    pub res: usize,
}

/// One `spec.ports` entry of a Service.
#[derive(Clone, Debug)]
pub struct ServicePort {
    /// `name`.
    pub name: Option<String>,
    /// `port`.
    pub port: u16,
    /// `targetPort`: number or name (defaults to `port`).
    pub target: PortTarget,
    /// `protocol`.
    pub protocol: Protocol,
}

/// A port given by number or name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PortTarget {
    /// A number.
    Number(u16),
    /// A name.
    Name(String),
}

/// An `Ingress` (networking.k8s.io) or `OpenShift` `Route` backend reference.
#[derive(Clone, Debug)]
pub struct IngressBackend {
    /// Kind of the referring object (`Ingress` or `Route`).
    pub kind: &'static str,
    /// Namespace.
    pub namespace: String,
    /// Name of the referring object.
    pub object: String,
    /// Service name.
    pub service: String,
    /// Service port (`None`: every port of the service).
    pub port: Option<PortTarget>,
    /// Resource index.
    pub res: usize,
}

/// Everything the analysis knows.
#[derive(Clone, Debug, Default)]
pub struct Cluster {
    /// Namespaces, sorted by name.
    pub namespaces: Vec<Namespace>,
    /// Workloads, sorted by id.
    pub workloads: Vec<Workload>,
    /// `NetworkPolicies`.
    pub policies: Vec<NetworkPolicy>,
    /// `AdminNetworkPolicies`, sorted by priority.
    pub admin: Vec<AdminPolicy>,
    /// The `BaselineAdminNetworkPolicy`.
    pub baseline: Option<AdminPolicy>,
    /// Services.
    pub services: Vec<Service>,
    /// Ingress and Route backends.
    pub ingress_backends: Vec<IngressBackend>,
}

impl Cluster {
    /// Index of a namespace by name.
    pub fn namespace(&self, name: &str) -> Option<usize> {
        self.namespaces
            .binary_search_by(|n| n.name.as_str().cmp(name))
            .ok()
    }

    /// Labels of a namespace.
    pub fn namespace_labels(&self, ns: usize) -> Option<&Labels> {
        self.namespaces.get(ns).map(|n| &n.labels)
    }

    /// Workloads matching a name: `name`, `namespace/name` or the full `namespace/name[Kind]`.
    pub fn find_workloads(&self, query: &str) -> Vec<usize> {
        self.workloads
            .iter()
            .enumerate()
            .filter(|(_, w)| !w.synthetic)
            .filter(|(_, w)| {
                if w.name == query {
                    return true;
                }
                let Some((ns, rest)) = query.split_once('/') else {
                    return false;
                };
                if ns != w.namespace {
                    return false;
                }
                match rest.strip_suffix(']').and_then(|r| r.split_once('[')) {
                    Some((name, kind)) => name == w.name && kind.eq_ignore_ascii_case(&w.kind),
                    None => rest == w.name,
                }
            })
            .map(|(i, _)| i)
            .collect()
    }
}
