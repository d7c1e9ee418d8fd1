//! Policy evaluation for one direction of one connection, layer by layer:
//! `AdminNetworkPolicies` (by priority, rules in order, first match wins; `Pass` delegates),
//! then `NetworkPolicies` (a pod selected by a policy of that direction is isolated and only
//! the union of matching rules is allowed), then the `BaselineAdminNetworkPolicy`, then the
//! default (allow). Connections are port sets, so one evaluation answers for every port.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::ipnet::{IpRange, IpSet};
use crate::model::{Action, AdminPeer, AdminPolicy, Cluster, Peer, Ports, Workload};
use crate::ports::ConnSet;
use crate::selector::{LabelSelector, Op};

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

/// A set of workload indices. Most selections hold a few workloads of one namespace, so a
/// set is a sorted member list unless a bitmap is smaller; equal sets built for one
/// [`Engine`] share their storage (many rules select the same pods).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Bits(Repr);

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Repr {
    /// Sorted, distinct members.
    Sparse(Arc<[u32]>),
    /// One bit per workload.
    Dense(Arc<[u64]>),
}

impl Default for Bits {
    fn default() -> Self {
        Bits(Repr::Sparse(Arc::from([])))
    }
}

impl Bits {
    /// The set of `members` (any order, duplicates allowed) among `n` workloads.
    fn from_members(mut members: Vec<u32>, n: usize) -> Self {
        members.sort_unstable();
        members.dedup();
        let words = n.div_ceil(64);
        // A member costs 4 bytes, a bitmap word 8.
        if members.len() > words * 2 {
            let mut bits = vec![0u64; words];
            for m in members {
                if let Some(w) = bits.get_mut(m as usize / 64) {
                    *w |= 1u64 << (m % 64);
                }
            }
            Bits(Repr::Dense(bits.into()))
        } else {
            Bits(Repr::Sparse(members.into()))
        }
    }

    /// Whether `i` is in the set.
    pub fn get(&self, i: usize) -> bool {
        match &self.0 {
            Repr::Sparse(m) => u32::try_from(i).is_ok_and(|i| m.binary_search(&i).is_ok()),
            Repr::Dense(w) => w.get(i / 64).is_some_and(|w| w & (1u64 << (i % 64)) != 0),
        }
    }

    /// Number of members.
    pub fn count(&self) -> usize {
        match &self.0 {
            Repr::Sparse(m) => m.len(),
            Repr::Dense(w) => w.iter().map(|w| w.count_ones() as usize).sum(),
        }
    }

    /// The members, in increasing order.
    pub fn members(&self) -> impl Iterator<Item = u32> + '_ {
        let (sparse, dense) = match &self.0 {
            Repr::Sparse(m) => (Some(m.iter().copied()), None),
            Repr::Dense(w) => (
                None,
                Some(w.iter().enumerate().flat_map(|(i, &word)| {
                    (0..64u32)
                        .filter(move |b| word & (1u64 << b) != 0)
                        .map(move |b| u32::try_from(i).unwrap_or(u32::MAX / 64) * 64 + b)
                })),
            ),
        };
        sparse
            .into_iter()
            .flatten()
            .chain(dense.into_iter().flatten())
    }
}

/// An address set, boxed when not empty (most rules match no address).
fn boxed(ips: IpSet) -> Option<Box<IpSet>> {
    (ips != IpSet::default()).then(|| Box::new(ips))
}

/// Selector key: (namespace selector, own namespace when there is none, pod selector).
type SelectKey<'c> = (
    Option<&'c LabelSelector>,
    Option<&'c str>,
    Option<&'c LabelSelector>,
);

/// Computes pod selections while an [`Engine`] is built: once per distinct selector, with
/// equal sets sharing one allocation.
struct Selections<'c> {
    cluster: &'c Cluster,
    /// Workloads per namespace, so selections only visit the namespaces that match.
    by_ns: Vec<Vec<usize>>,
    cache: HashMap<SelectKey<'c>, Bits>,
    interned: HashSet<Bits>,
}

impl<'c> Selections<'c> {
    fn new(cluster: &'c Cluster) -> Self {
        let mut by_ns: Vec<Vec<usize>> = vec![Vec::new(); cluster.namespaces.len()];
        for (i, w) in cluster.workloads.iter().enumerate() {
            if let Some(v) = by_ns.get_mut(w.ns) {
                v.push(i);
            }
        }
        Selections {
            cluster,
            by_ns,
            cache: HashMap::new(),
            interned: HashSet::new(),
        }
    }

    fn intern(&mut self, members: Vec<u32>) -> Bits {
        let b = Bits::from_members(members, self.cluster.workloads.len());
        if let Some(shared) = self.interned.get(&b) {
            return shared.clone();
        }
        self.interned.insert(b.clone());
        b
    }

    /// Pods of the namespaces `ns_sel` matches (or of `own_ns`, or of every namespace)
    /// whose labels `pods` matches (every pod when `None`).
    fn pods(
        &mut self,
        ns_sel: Option<&'c LabelSelector>,
        own_ns: Option<&'c str>,
        pods: Option<&'c LabelSelector>,
    ) -> Bits {
        let key = (ns_sel, own_ns.filter(|_| ns_sel.is_none()), pods);
        if let Some(b) = self.cache.get(&key) {
            return b.clone();
        }
        let cluster = self.cluster;
        let mut members = Vec::new();
        for (ni, ns) in cluster.namespaces.iter().enumerate() {
            let ok = match (ns_sel, own_ns) {
                (Some(s), _) => s.matches(&ns.labels),
                (None, Some(own)) => ns.name == own,
                (None, None) => true,
            };
            if !ok {
                continue;
            }
            for &i in self.by_ns.get(ni).map_or(&[][..], Vec::as_slice) {
                if cluster
                    .workloads
                    .get(i)
                    .is_some_and(|w| pods.is_none_or(|p| p.matches(&w.labels)))
                    && let Ok(i) = u32::try_from(i)
                {
                    members.push(i);
                }
            }
        }
        let b = self.intern(members);
        self.cache.insert(key, b.clone());
        b
    }

    /// The union of selections.
    fn union(&mut self, sets: &[Bits]) -> Bits {
        match sets {
            [] => self.intern(Vec::new()),
            [one] => one.clone(),
            _ => {
                let members = sets.iter().flat_map(Bits::members).collect();
                self.intern(members)
            }
        }
    }
}

/// Which endpoints a rule's peers match.
#[derive(Clone, Debug, Default)]
pub struct PeerMatch {
    /// Peers absent: matches everything (pods and IPs).
    pub all: bool,
    /// Matched workloads.
    pub pods: Bits,
    /// Matched addresses (`None`: none).
    pub ips: Option<Box<IpSet>>,
}

impl PeerMatch {
    /// Whether the endpoint is matched. External ranges must be uniform for the rule
    /// (see [`crate::ipnet::partition`]); a range is matched when wholly inside.
    pub fn matches(&self, e: &Endpoint) -> bool {
        self.all
            || match e {
                Endpoint::Workload(w) => self.pods.get(*w),
                Endpoint::External(r) => self.ips.as_ref().is_some_and(|s| s.contains_range(r)),
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
        let mut sel = Selections::new(cluster);
        let mut admin_peer_match = |peers: &'c [AdminPeer]| {
            let mut ips = IpSet::default();
            let mut sets = Vec::new();
            for p in peers {
                match p {
                    AdminPeer::Namespaces(s) => sets.push(sel.pods(Some(s), None, None)),
                    AdminPeer::Pods { namespaces, pods } => {
                        sets.push(sel.pods(Some(namespaces), None, Some(pods)));
                    }
                    AdminPeer::Networks(set) => ips = ips.union(set),
                    AdminPeer::Nodes => {}
                }
            }
            PeerMatch {
                all: false,
                pods: sel.union(&sets),
                ips: boxed(ips),
            }
        };
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
        let np_rules: Vec<[Vec<PeerMatch>; 2]> = cluster
            .policies
            .iter()
            .map(|p| {
                let mut build = |rules: &'c [crate::model::Rule]| -> Vec<PeerMatch> {
                    rules
                        .iter()
                        .map(|r| match &r.peers {
                            None => PeerMatch {
                                all: true,
                                pods: Bits::default(),
                                ips: None,
                            },
                            Some(peers) => {
                                let mut ips = IpSet::default();
                                let mut sets = Vec::new();
                                for peer in peers {
                                    match peer {
                                        Peer::Selectors { namespaces, pods } => {
                                            sets.push(sel.pods(
                                                namespaces.as_ref(),
                                                Some(&p.namespace),
                                                pods.as_ref(),
                                            ));
                                        }
                                        Peer::IpBlock { set, .. } => ips = ips.union(set),
                                    }
                                }
                                PeerMatch {
                                    all: false,
                                    pods: sel.union(&sets),
                                    ips: boxed(ips),
                                }
                            }
                        })
                        .collect()
                };
                [build(&p.ingress), build(&p.egress)]
            })
            .collect();
        let by_ns = sel.by_ns;
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
        // A pod selector with a `key In (value)` requirement can only match the workloads
        // carrying that label: they are found through an index of the namespace by that key,
        // built on first use.
        let mut by_label: HashMap<(usize, &str), HashMap<&str, Vec<usize>>> = HashMap::new();
        for (pi, p) in cluster.policies.iter().enumerate() {
            let Some(ni) = cluster.namespace(&p.namespace) else {
                continue;
            };
            let members = by_ns.get(ni).map_or(&[][..], Vec::as_slice);
            let narrowing =
                p.pod_selector
                    .requirements
                    .iter()
                    .find_map(|r| match r.values.as_slice() {
                        [value] if r.op == Op::In => Some((r.key.as_str(), value.as_str())),
                        _ => None,
                    });
            let candidates = match narrowing {
                None => members,
                Some((key, value)) => by_label
                    .entry((ni, key))
                    .or_insert_with(|| {
                        let mut index: HashMap<&str, Vec<usize>> = HashMap::new();
                        for &i in members {
                            if let Some(v) =
                                cluster.workloads.get(i).and_then(|w| w.labels.get(key))
                            {
                                index.entry(v).or_default().push(i);
                            }
                        }
                        index
                    })
                    .get(value)
                    .map_or(&[][..], Vec::as_slice),
            };
            for &i in candidates {
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

    /// Which of the rules that can decide the ingress of workload `dst` match `src`, as bits
    /// (admin rules, then the rules of the isolating `NetworkPolicies`, then the baseline's),
    /// written to `out`. Rules see a source only through whether they match it, so sources
    /// with equal signatures get the same ingress verdict from [`Engine::direction`].
    pub fn ingress_signature(&self, dst: usize, src: &Endpoint, out: &mut Vec<u64>) {
        out.clear();
        let d = dir_idx(Direction::Ingress);
        let admin = self
            .admin_subject
            .get(dst)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter_map(|ai| self.admin_rules.get(*ai).and_then(|m| m.get(d)));
        let np = self
            .np_ingress
            .get(dst)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter_map(|pi| self.np_rules.get(*pi).and_then(|m| m.get(d)));
        let baseline = self
            .baseline_subject
            .get(dst)
            .copied()
            .unwrap_or(false)
            .then(|| self.baseline_rules.get(d))
            .flatten();
        for (n, m) in admin.chain(np).chain(baseline).flatten().enumerate() {
            if n % 64 == 0 {
                out.push(0);
            }
            if m.matches(src)
                && let Some(w) = out.last_mut()
            {
                *w |= 1 << (n % 64);
            }
        }
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

#[cfg(test)]
mod tests {
    use super::Bits;

    #[test]
    fn sparse_and_dense_sets_agree() {
        let n = 1000;
        for members in [
            vec![],
            vec![5, 3, 3, 999],
            (0..600).map(|i| i * 3 % 1000).collect::<Vec<u32>>(),
        ] {
            let b = Bits::from_members(members.clone(), n);
            let mut want = members.clone();
            want.sort_unstable();
            want.dedup();
            assert_eq!(b.count(), want.len());
            assert_eq!(b.members().collect::<Vec<_>>(), want);
            for i in 0..n {
                assert_eq!(b.get(i), want.contains(&u32::try_from(i).unwrap()), "{i}");
            }
            assert!(!b.get(n + 64));
        }
    }
}
