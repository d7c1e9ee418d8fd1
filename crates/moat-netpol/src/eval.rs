//! Policy evaluation for one direction of one connection, layer by layer:
//! `AdminNetworkPolicies` (by priority, rules in order, first match wins; `Pass` delegates),
//! then `NetworkPolicies` (a pod selected by a policy of that direction is isolated and only
//! the union of matching rules is allowed), then the `BaselineAdminNetworkPolicy`, then the
//! default (allow). Connections are port sets, so one evaluation answers for every port.

use crate::ipnet::{IpRange, IpSet};
use crate::model::{Action, AdminPeer, AdminPolicy, Cluster, Peer, Ports, Workload};
use crate::ports::ConnSet;
use crate::selector::LabelSelector;

/// One end of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Endpoint {
    /// A workload, by index into [`Cluster::workloads`].
    Workload(usize),
    /// A range of external addresses that every policy treats uniformly.
    External(IpRange),
}

/// Traffic direction, as seen by the pod a policy selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Into the destination pod.
    Ingress,
    /// Out of the source pod.
    Egress,
}

impl Direction {
    /// `Ingress` / `Egress`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Ingress => "Ingress",
            Direction::Egress => "Egress",
        }
    }
}

/// Which admin policy a step refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdminRef {
    /// Index into [`Cluster::admin`].
    Admin(usize),
    /// The baseline policy.
    Baseline,
}

/// One reason in an explanation: which policy and rule decided which connections.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// An admin (or baseline) policy rule matched and decided `conns`.
    AdminRule {
        /// The policy.
        policy: AdminRef,
        /// Rule index within the direction's rules.
        rule: usize,
        /// The rule's action.
        action: Action,
        /// The connections it decided (not decided by an earlier rule).
        conns: ConnSet,
    },
    /// A NetworkPolicy rule selects the peer; `conns` is what it allows of the connections
    /// delegated to `NetworkPolicies` (empty: its ports do not match).
    PolicyRule {
        /// Index into [`Cluster::policies`].
        policy: usize,
        /// Rule index within the direction's rules.
        rule: usize,
        /// Allowed by this rule (may overlap other rules).
        conns: ConnSet,
    },
    /// The pod is isolated by `NetworkPolicies` and no rule allows `denied`.
    Isolated {
        /// Policies selecting the pod for this direction.
        policies: Vec<usize>,
        /// Those of them with no rule selecting the peer.
        unmatched: Vec<usize>,
        /// Those with rules selecting the peer, whose ports do not include `denied`:
        /// `(policy, first such rule)`.
        mismatched: Vec<(usize, usize)>,
        /// Connections denied by isolation.
        denied: ConnSet,
    },
    /// No policy decided `conns`: allowed by default.
    Default {
        /// The connections.
        conns: ConnSet,
    },
}

/// Receives explanation steps. The matrix uses [`NoTrace`], queries use `Vec<Step>`.
pub trait Tracer {
    /// Whether steps are recorded (lets the evaluator skip building them).
    const ON: bool;
    /// Records a step.
    fn step(&mut self, s: Step);
}

/// Records nothing.
pub struct NoTrace;

impl Tracer for NoTrace {
    const ON: bool = false;
    fn step(&mut self, _: Step) {}
}

impl Tracer for Vec<Step> {
    const ON: bool = true;
    fn step(&mut self, s: Step) {
        self.push(s);
    }
}

/// A fixed-size set of workload indices.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bits(Vec<u64>);

impl Bits {
    fn new(n: usize) -> Self {
        Bits(vec![0; n.div_ceil(64)])
    }
    fn set(&mut self, i: usize) {
        if let Some(w) = self.0.get_mut(i / 64) {
            *w |= 1u64 << (i % 64);
        }
    }
    /// Whether `i` is in the set.
    pub fn get(&self, i: usize) -> bool {
        self.0
            .get(i / 64)
            .is_some_and(|w| w & (1u64 << (i % 64)) != 0)
    }
    /// Number of members.
    pub fn count(&self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }
}

/// Which endpoints a rule's peers match.
#[derive(Clone, Debug, Default)]
pub struct PeerMatch {
    /// Peers absent: matches everything (pods and IPs).
    pub all: bool,
    /// Matched workloads.
    pub pods: Bits,
    /// Matched addresses.
    pub ips: IpSet,
}

impl PeerMatch {
    /// Whether the endpoint is matched. External ranges must be uniform for the rule
    /// (see [`crate::ipnet::partition`]); a range is matched when wholly inside.
    pub fn matches(&self, e: &Endpoint) -> bool {
        self.all
            || match e {
                Endpoint::Workload(w) => self.pods.get(*w),
                Endpoint::External(r) => self.ips.contains_range(r),
            }
    }
}

/// Precomputed selections: which policies select each workload and which endpoints every
/// rule's peers match. Build once per cluster; evaluation is then lookups and set algebra.
#[derive(Debug)]
pub struct Engine<'c> {
    /// The cluster.
    pub cluster: &'c Cluster,
    /// Per workload: `NetworkPolicies` isolating it for ingress.
    pub np_ingress: Vec<Vec<usize>>,
    /// Per workload: `NetworkPolicies` isolating it for egress.
    pub np_egress: Vec<Vec<usize>>,
    /// Per workload: admin policies whose subject selects it (priority order).
    pub admin_subject: Vec<Vec<usize>>,
    /// Per workload: whether the baseline's subject selects it.
    pub baseline_subject: Vec<bool>,
    /// Per policy: ingress rule matches, egress rule matches.
    pub np_rules: Vec<[Vec<PeerMatch>; 2]>,
    /// Per admin policy: ingress rule matches, egress rule matches.
    pub admin_rules: Vec<[Vec<PeerMatch>; 2]>,
    /// Baseline: ingress rule matches, egress rule matches.
    pub baseline_rules: [Vec<PeerMatch>; 2],
}

fn dir_idx(d: Direction) -> usize {
    match d {
        Direction::Ingress => 0,
        Direction::Egress => 1,
    }
}

impl<'c> Engine<'c> {
    /// Precomputes selections for a cluster.
    pub fn new(cluster: &'c Cluster) -> Self {
        let n = cluster.workloads.len();
        let ns_labels: Vec<_> = cluster.namespaces.iter().map(|n| &n.labels).collect();
        let wl_ns_labels = |w: &Workload| ns_labels.get(w.ns).copied();
        // Workloads per namespace, so selections only visit the namespaces that match.
        let mut by_ns: Vec<Vec<usize>> = vec![Vec::new(); cluster.namespaces.len()];
        for (i, w) in cluster.workloads.iter().enumerate() {
            if let Some(v) = by_ns.get_mut(w.ns) {
                v.push(i);
            }
        }
        let select_pods =
            |ns_sel: Option<&LabelSelector>, own_ns: Option<&str>, pods: Option<&LabelSelector>| {
                let mut bits = Bits::new(n);
                for (ni, ns) in cluster.namespaces.iter().enumerate() {
                    let ok = match (ns_sel, own_ns) {
                        (Some(s), _) => s.matches(&ns.labels),
                        (None, Some(own)) => ns.name == own,
                        (None, None) => true,
                    };
                    if !ok {
                        continue;
                    }
                    for &i in by_ns.get(ni).map_or(&[][..], Vec::as_slice) {
                        if cluster
                            .workloads
                            .get(i)
                            .is_some_and(|w| pods.is_none_or(|p| p.matches(&w.labels)))
                        {
                            bits.set(i);
                        }
                    }
                }
                bits
            };
        let admin_peer_match = |peers: &[AdminPeer]| {
            let mut m = PeerMatch {
                all: false,
                pods: Bits::new(n),
                ips: IpSet::default(),
            };
            for p in peers {
                match p {
                    AdminPeer::Namespaces(s) => {
                        let b = select_pods(Some(s), None, None);
                        for (x, y) in m.pods.0.iter_mut().zip(b.0) {
                            *x |= y;
                        }
                    }
                    AdminPeer::Pods { namespaces, pods } => {
                        let b = select_pods(Some(namespaces), None, Some(pods));
                        for (x, y) in m.pods.0.iter_mut().zip(b.0) {
                            *x |= y;
                        }
                    }
                    AdminPeer::Networks(set) => m.ips = m.ips.union(set),
                    AdminPeer::Nodes => {}
                }
            }
            m
        };
        let np_rules: Vec<[Vec<PeerMatch>; 2]> = cluster
            .policies
            .iter()
            .map(|p| {
                let build = |rules: &[crate::model::Rule]| -> Vec<PeerMatch> {
                    rules
                        .iter()
                        .map(|r| match &r.peers {
                            None => PeerMatch {
                                all: true,
                                pods: Bits::default(),
                                ips: IpSet::default(),
                            },
                            Some(peers) => {
                                let mut m = PeerMatch {
                                    all: false,
                                    pods: Bits::new(n),
                                    ips: IpSet::default(),
                                };
                                for peer in peers {
                                    match peer {
                                        Peer::Selectors { namespaces, pods } => {
                                            let b = select_pods(
                                                namespaces.as_ref(),
                                                Some(&p.namespace),
                                                pods.as_ref(),
                                            );
                                            for (x, y) in m.pods.0.iter_mut().zip(b.0) {
                                                *x |= y;
                                            }
                                        }
                                        Peer::IpBlock { set, .. } => m.ips = m.ips.union(set),
                                    }
                                }
                                m
                            }
                        })
                        .collect()
                };
                [build(&p.ingress), build(&p.egress)]
            })
            .collect();
        let admin_rules = cluster
            .admin
            .iter()
            .map(|a| {
                [
                    a.ingress
                        .iter()
                        .map(|r| admin_peer_match(&r.peers))
                        .collect(),
                    a.egress
                        .iter()
                        .map(|r| admin_peer_match(&r.peers))
                        .collect(),
                ]
            })
            .collect();
        let baseline_rules = cluster.baseline.as_ref().map_or_else(
            || [Vec::new(), Vec::new()],
            |b| {
                [
                    b.ingress
                        .iter()
                        .map(|r| admin_peer_match(&r.peers))
                        .collect(),
                    b.egress
                        .iter()
                        .map(|r| admin_peer_match(&r.peers))
                        .collect(),
                ]
            },
        );
        let subject_selects = |a: &AdminPolicy, w: &Workload| -> bool {
            let nsl = wl_ns_labels(w);
            match &a.subject {
                AdminPeer::Namespaces(s) => nsl.is_some_and(|l| s.matches(l)),
                AdminPeer::Pods { namespaces, pods } => {
                    nsl.is_some_and(|l| namespaces.matches(l)) && pods.matches(&w.labels)
                }
                AdminPeer::Networks(_) | AdminPeer::Nodes => false,
            }
        };
        let mut np_ingress = vec![Vec::new(); n];
        let mut np_egress = vec![Vec::new(); n];
        let mut admin_subject = vec![Vec::new(); n];
        let mut baseline_subject = vec![false; n];
        for (pi, p) in cluster.policies.iter().enumerate() {
            let members = cluster
                .namespace(&p.namespace)
                .and_then(|ni| by_ns.get(ni))
                .map_or(&[][..], Vec::as_slice);
            for &i in members {
                let selected = cluster
                    .workloads
                    .get(i)
                    .is_some_and(|w| p.pod_selector.matches(&w.labels));
                if !selected {
                    continue;
                }
                if p.affects_ingress
                    && let Some(v) = np_ingress.get_mut(i)
                {
                    v.push(pi);
                }
                if p.affects_egress
                    && let Some(v) = np_egress.get_mut(i)
                {
                    v.push(pi);
                }
            }
        }
        for (i, w) in cluster.workloads.iter().enumerate() {
            for (ai, a) in cluster.admin.iter().enumerate() {
                if subject_selects(a, w)
                    && let Some(v) = admin_subject.get_mut(i)
                {
                    v.push(ai);
                }
            }
            if let (Some(b), Some(slot)) = (&cluster.baseline, baseline_subject.get_mut(i)) {
                *slot = subject_selects(b, w);
            }
        }
        Engine {
            cluster,
            np_ingress,
            np_egress,
            admin_subject,
            baseline_subject,
            np_rules,
            admin_rules,
            baseline_rules,
        }
    }

    fn workload(&self, e: &Endpoint) -> Option<&'c Workload> {
        match e {
            Endpoint::Workload(i) => self.cluster.workloads.get(*i),
            Endpoint::External(_) => None,
        }
    }

    /// Connections from `src` to `dst` that one direction's policies allow, with steps.
    pub fn direction<T: Tracer>(
        &self,
        src: &Endpoint,
        dst: &Endpoint,
        dir: Direction,
        tr: &mut T,
    ) -> ConnSet {
        self.direction_within(src, dst, dir, &ConnSet::all(), tr)
    }

    /// Like [`Engine::direction`], for the connections of `universe` only (steps name
    /// only the rules that decide some of them).
    pub fn direction_within<T: Tracer>(
        &self,
        src: &Endpoint,
        dst: &Endpoint,
        dir: Direction,
        universe: &ConnSet,
        tr: &mut T,
    ) -> ConnSet {
        let (subject, other) = match dir {
            Direction::Egress => (src, dst),
            Direction::Ingress => (dst, src),
        };
        let dst_w = self.workload(dst);
        let d = dir_idx(dir);
        let Endpoint::Workload(s) = *subject else {
            // Policies select pods only: traffic of external endpoints is not restricted
            // on their side.
            if T::ON {
                tr.step(Step::Default {
                    conns: universe.clone(),
                });
            }
            return universe.clone();
        };

        // Layer 1: AdminNetworkPolicies.
        let mut undecided = universe.clone();
        let mut allowed = ConnSet::none();
        let mut passed = ConnSet::none();
        'admin: for &ai in self.admin_subject.get(s).map_or(&[][..], Vec::as_slice) {
            let (Some(a), Some(matches)) = (
                self.cluster.admin.get(ai),
                self.admin_rules.get(ai).and_then(|m| m.get(d)),
            ) else {
                continue;
            };
            let rules = match dir {
                Direction::Ingress => &a.ingress,
                Direction::Egress => &a.egress,
            };
            for (ri, (rule, m)) in rules.iter().zip(matches).enumerate() {
                if !m.matches(other) {
                    continue;
                }
                let c = resolve(&rule.ports, dst_w).intersect(&undecided);
                if c.is_empty() {
                    continue;
                }
                undecided = undecided.subtract(&c);
                match rule.action {
                    Action::Allow => allowed.union_with(&c),
                    Action::Deny => {}
                    Action::Pass => passed.union_with(&c),
                }
                if T::ON {
                    tr.step(Step::AdminRule {
                        policy: AdminRef::Admin(ai),
                        rule: ri,
                        action: rule.action,
                        conns: c,
                    });
                }
                if undecided.is_empty() {
                    break 'admin;
                }
            }
        }
        let mut open = undecided.union(&passed);
        if open.is_empty() {
            return allowed;
        }

        // Layer 2: NetworkPolicies.
        let isolating = match dir {
            Direction::Ingress => self.np_ingress.get(s),
            Direction::Egress => self.np_egress.get(s),
        }
        .map_or(&[][..], Vec::as_slice);
        if !isolating.is_empty() {
            let mut np = ConnSet::none();
            let mut unmatched = Vec::new();
            let mut mismatched = Vec::new();
            for &pi in isolating {
                let (Some(p), Some(matches)) = (
                    self.cluster.policies.get(pi),
                    self.np_rules.get(pi).and_then(|m| m.get(d)),
                ) else {
                    continue;
                };
                let rules = match dir {
                    Direction::Ingress => &p.ingress,
                    Direction::Egress => &p.egress,
                };
                let mut policy_conns = ConnSet::none();
                let mut first = None;
                for (ri, (rule, m)) in rules.iter().zip(matches).enumerate() {
                    if !m.matches(other) {
                        continue;
                    }
                    first.get_or_insert(ri);
                    let c = resolve(&rule.ports, dst_w);
                    if T::ON {
                        // A rule explains what it allows that earlier rules of its policy
                        // did not.
                        let new = c.intersect(&open).subtract(&policy_conns);
                        if !new.is_empty() {
                            tr.step(Step::PolicyRule {
                                policy: pi,
                                rule: ri,
                                conns: new,
                            });
                        }
                    }
                    policy_conns.union_with(&c);
                    // Later rules of a policy that already allows everything add nothing.
                    if policy_conns.is_all() {
                        break;
                    }
                }
                if T::ON {
                    match first {
                        Some(r) => mismatched.push((pi, r)),
                        None => unmatched.push(pi),
                    }
                }
                np.union_with(&policy_conns);
            }
            let granted = open.intersect(&np);
            if T::ON {
                let denied = open.subtract(&np);
                if !denied.is_empty() {
                    tr.step(Step::Isolated {
                        policies: isolating.to_vec(),
                        unmatched,
                        mismatched,
                        denied,
                    });
                }
            }
            allowed.union_with(&granted);
            return allowed;
        }

        // Layer 3: BaselineAdminNetworkPolicy.
        if let Some(b) = &self.cluster.baseline
            && self.baseline_subject.get(s).copied().unwrap_or(false)
        {
            let rules = match dir {
                Direction::Ingress => &b.ingress,
                Direction::Egress => &b.egress,
            };
            let matches = self.baseline_rules.get(d).map_or(&[][..], Vec::as_slice);
            for (ri, (rule, m)) in rules.iter().zip(matches).enumerate() {
                if !m.matches(other) {
                    continue;
                }
                let c = resolve(&rule.ports, dst_w).intersect(&open);
                if c.is_empty() {
                    continue;
                }
                open = open.subtract(&c);
                if rule.action == Action::Allow {
                    allowed.union_with(&c);
                }
                if T::ON {
                    tr.step(Step::AdminRule {
                        policy: AdminRef::Baseline,
                        rule: ri,
                        action: rule.action,
                        conns: c,
                    });
                }
                if open.is_empty() {
                    break;
                }
            }
        }

        // Layer 4: default allow.
        if T::ON && !open.is_empty() {
            tr.step(Step::Default {
                conns: open.clone(),
            });
        }
        allowed.union_with(&open);
        allowed
    }

    /// Connections from `src` to `dst` allowed by both the source's egress and the
    /// destination's ingress.
    pub fn allowed(&self, src: &Endpoint, dst: &Endpoint) -> ConnSet {
        let eg = self.direction(src, dst, Direction::Egress, &mut NoTrace);
        if eg.is_empty() {
            return eg;
        }
        eg.intersect(&self.direction(src, dst, Direction::Ingress, &mut NoTrace))
    }

    /// Whether a workload is isolated for a direction by any NetworkPolicy.
    pub fn isolated(&self, w: usize, dir: Direction) -> bool {
        match dir {
            Direction::Ingress => self.np_ingress.get(w),
            Direction::Egress => self.np_egress.get(w),
        }
        .is_some_and(|v| !v.is_empty())
    }
}

fn resolve(ports: &Ports, dst: Option<&Workload>) -> ConnSet {
    ports.resolve(dst)
}
