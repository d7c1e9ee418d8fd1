//! Exposure analysis (netpol-analyzer `--exposure`): for each workload of the input, the
//! connections policies would allow with *potential* peers — pods that do not exist in the
//! input but that a rule's selectors would admit (`entire-cluster`,
//! `[namespace with {k=v}]/[all pods]`, `ns/[pod with {k=v}]`, ...) — and with external
//! address ranges, per direction, plus the workloads no policy protects.
//!
//! Every distinct pair of selectors written in a policy rule becomes a *representative
//! peer*. A rule admits a representative when its selectors are empty or structurally equal
//! to the representative's (a potential pod is only known through the selectors that
//! describe it), and the connections with it are computed by the same layers as real
//! connections (admin policies by priority, `NetworkPolicies`, baseline, default) on the
//! real workload's side only. A representative is reported when it is admitted differently
//! from the whole cluster; a representative whose selectors are plain labels that a real
//! workload already carries is dropped (the real workload is in the connection list).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;

use crate::connlist::{Connlist, Peer as ListPeer, focus_match};
use crate::eval::{Direction, Engine};
use crate::model::{Action, AdminPeer, AdminRule, Cluster, Peer, Ports, Rule, Workload};
use crate::ports::{ConnSet, Protocol};
use crate::selector::{LabelSelector, NAMESPACE_NAME_LABEL, Op, Requirement};

/// The namespaces part of a representative peer.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum RepNs {
    /// Every namespace.
    All,
    /// One namespace, by name.
    Named(String),
    /// Namespaces whose labels match a (non-empty) selector.
    Selector(Key),
}

/// A selector in canonical form: requirements with sorted values, sorted.
type Key = Vec<(String, u8, Vec<String>)>;

fn key(s: &LabelSelector) -> Key {
    let mut v: Key = s
        .requirements
        .iter()
        .map(|r| {
            let mut vals = r.values.clone();
            vals.sort_unstable();
            vals.dedup();
            let op = match r.op {
                Op::In => 0,
                Op::NotIn => 1,
                Op::Exists => 2,
                Op::DoesNotExist => 3,
            };
            (r.key.clone(), op, vals)
        })
        .collect();
    v.sort();
    v.dedup();
    v
}

/// The namespace part of a selector pair (`own`: the policy namespace when there is no
/// namespace selector).
fn rep_ns(sel: Option<&LabelSelector>, own: Option<&str>) -> RepNs {
    match (sel, own) {
        (None, Some(n)) => RepNs::Named(n.to_owned()),
        (None, None) => RepNs::All,
        (Some(s), _) if s.is_empty() => RepNs::All,
        (Some(s), _) => match s.requirements.as_slice() {
            [r] if r.key == NAMESPACE_NAME_LABEL && r.op == Op::In && r.values.len() == 1 => {
                RepNs::Named(r.values.first().cloned().unwrap_or_default())
            }
            _ => RepNs::Selector(key(s)),
        },
    }
}

/// A representative peer.
#[derive(Clone, Debug)]
struct Rep {
    ns: RepNs,
    /// Canonical pod selector (empty: all pods).
    pods: Key,
    /// The selectors as first written (for display and the real-pod check).
    ns_sel: Option<LabelSelector>,
    pod_sel: LabelSelector,
}

impl Rep {
    fn is_entire_cluster(&self) -> bool {
        self.ns == RepNs::All && self.pods.is_empty()
    }

    fn name(&self) -> String {
        if self.is_entire_cluster() {
            return "entire-cluster".to_owned();
        }
        let ns = match &self.ns {
            RepNs::All => "[all namespaces]".to_owned(),
            RepNs::Named(n) => n.clone(),
            RepNs::Selector(_) => format!(
                "[namespace with {}]",
                render(self.ns_sel.as_ref().unwrap_or(&LabelSelector::everything()))
            ),
        };
        let pods = if self.pods.is_empty() {
            "[all pods]".to_owned()
        } else {
            format!("[pod with {}]", render(&self.pod_sel))
        };
        format!("{ns}/{pods}")
    }
}

/// `{k=v,k2=v2,{Key:k3,Operator:In,Values:[a b],}}`: `matchLabels` sorted by key, then the
/// `matchExpressions` sorted by key (the netpol-analyzer rendering).
fn render(s: &LabelSelector) -> String {
    let (labels, exprs) = s
        .requirements
        .split_at(s.match_labels.min(s.requirements.len()));
    let mut labels: Vec<String> = labels
        .iter()
        .map(|r| format!("{}={}", r.key, r.values.first().map_or("", String::as_str)))
        .collect();
    labels.sort();
    let mut exprs: Vec<&Requirement> = exprs.iter().collect();
    exprs.sort_by(|a, b| a.key.cmp(&b.key));
    let exprs = exprs.into_iter().map(|r| {
        let op = match r.op {
            Op::In => "In",
            Op::NotIn => "NotIn",
            Op::Exists => "Exists",
            Op::DoesNotExist => "DoesNotExist",
        };
        format!(
            "{{Key:{},Operator:{op},Values:[{}],}}",
            r.key,
            r.values.join(" ")
        )
    });
    let all: Vec<String> = labels.into_iter().chain(exprs).collect();
    format!("{{{}}}", all.join(","))
}

/// A rule peer in representative form.
struct RulePeer {
    ns: RepNs,
    pods: Key,
}

/// The representatives a rule's peers admit: a rule peer admits a representative when
/// each of its parts is empty (all) or equal to the representative's.
#[derive(Clone, Debug, Default)]
struct Admits {
    /// A peer with empty selectors: every representative.
    all: bool,
    /// Otherwise these representatives (sorted indices).
    reps: Vec<u32>,
}

impl Admits {
    fn admits(&self, rep: u32) -> bool {
        self.all || self.reps.binary_search(&rep).is_ok()
    }
}

/// Representatives by exact selectors, by namespace part and by pod part.
#[derive(Default)]
struct RepIndex {
    exact: HashMap<(RepNs, Key), u32>,
    by_ns: HashMap<RepNs, Vec<u32>>,
    by_pods: HashMap<Key, Vec<u32>>,
}

impl RepIndex {
    fn new(reps: &[Rep]) -> Self {
        let mut ix = RepIndex::default();
        for (i, r) in reps.iter().enumerate() {
            let Ok(i) = u32::try_from(i) else { break };
            ix.exact.insert((r.ns.clone(), r.pods.clone()), i);
            ix.by_ns.entry(r.ns.clone()).or_default().push(i);
            ix.by_pods.entry(r.pods.clone()).or_default().push(i);
        }
        ix
    }

    fn admits(&self, peers: &[RulePeer]) -> Admits {
        let mut a = Admits::default();
        for p in peers {
            match (&p.ns, p.pods.is_empty()) {
                (RepNs::All, true) => a.all = true,
                (RepNs::All, false) => {
                    a.reps
                        .extend(self.by_pods.get(&p.pods).into_iter().flatten());
                }
                (ns, true) => a.reps.extend(self.by_ns.get(ns).into_iter().flatten()),
                (ns, false) => a.reps.extend(self.exact.get(&(ns.clone(), p.pods.clone()))),
            }
        }
        a.reps.sort_unstable();
        a.reps.dedup();
        a
    }
}

/// Connections with a potential peer: numeric ports plus named ports that cannot be
/// resolved against a pod that does not exist (egress only).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Conns {
    /// Numeric part.
    pub numeric: ConnSet,
    /// Named ports: `(protocol, name)`; no protocol for admin policy ports, which name a
    /// port of any protocol.
    pub named: BTreeSet<(Option<Protocol>, String)>,
}

impl Conns {
    fn is_empty(&self) -> bool {
        self.numeric.is_empty() && self.named.is_empty()
    }

    /// Whether `(protocol, port)` is allowed.
    pub fn contains(&self, p: Protocol, port: u16) -> bool {
        self.numeric.contains(p, port)
    }
}

impl std::fmt::Display for Conns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.named.is_empty() || self.numeric.is_all() {
            return write!(f, "{}", self.numeric);
        }
        let mut first = true;
        for proto in std::iter::once(None).chain(Protocol::ALL.map(Some)) {
            let ports = proto.map(|p| self.numeric.ports(p));
            let names: Vec<&str> = self
                .named
                .iter()
                .filter(|(p, _)| *p == proto)
                .map(|(_, n)| n.as_str())
                .collect();
            let num = match (proto, ports) {
                (Some(p), Some(ports)) if !ports.is_empty() => {
                    let text = ConnSet::of(p, ports).to_string();
                    text.strip_prefix(p.as_str())
                        .map(|t| t.trim_start().to_owned())
                }
                _ => None,
            };
            if num.is_none() && names.is_empty() {
                continue;
            }
            if !first {
                f.write_str(",")?;
            }
            first = false;
            let parts: Vec<&str> = num.as_deref().into_iter().chain(names).collect();
            write!(
                f,
                "{} {}",
                proto.map_or("", Protocol::as_str),
                parts.join(",")
            )?;
        }
        Ok(())
    }
}

/// One exposure line: a workload, the potential or external peer, the connections.
#[derive(Clone, Debug)]
pub struct Line {
    /// The real workload (`namespace/name[Kind]`).
    pub workload: String,
    /// The peer: `entire-cluster`, a representative, or an external range.
    pub peer: String,
    /// Allowed connections.
    pub conns: Conns,
}

/// The exposure report.
#[derive(Clone, Debug, Default)]
pub struct Exposure {
    /// Egress lines (workload `=>` peer), sorted.
    pub egress: Vec<Line>,
    /// Ingress lines (workload `<=` peer), sorted.
    pub ingress: Vec<Line>,
    /// Workloads no policy selects, per direction.
    pub unprotected: Vec<(String, Direction)>,
}

fn rule_peers_np(rule: &Rule, own: &str) -> Vec<RulePeer> {
    match &rule.peers {
        None => vec![RulePeer {
            ns: RepNs::All,
            pods: Vec::new(),
        }],
        Some(peers) => peers
            .iter()
            .filter_map(|p| match p {
                Peer::Selectors { namespaces, pods } => Some(RulePeer {
                    ns: rep_ns(namespaces.as_ref(), Some(own)),
                    pods: pods.as_ref().map(key).unwrap_or_default(),
                }),
                Peer::IpBlock { .. } => None,
            })
            .collect(),
    }
}

fn rule_peers_admin(rule: &AdminRule) -> Vec<RulePeer> {
    rule.peers
        .iter()
        .filter_map(|p| match p {
            AdminPeer::Namespaces(s) => Some(RulePeer {
                ns: rep_ns(Some(s), None),
                pods: Vec::new(),
            }),
            AdminPeer::Pods { namespaces, pods } => Some(RulePeer {
                ns: rep_ns(Some(namespaces), None),
                pods: key(pods),
            }),
            AdminPeer::Networks(_) | AdminPeer::Nodes => None,
        })
        .collect()
}

/// Collects the representative peers of every rule (first written form kept), the whole
/// cluster first.
fn representatives(c: &Cluster) -> Vec<Rep> {
    let mut reps: Vec<Rep> = vec![Rep {
        ns: RepNs::All,
        pods: Vec::new(),
        ns_sel: None,
        pod_sel: LabelSelector::everything(),
    }];
    let mut seen: HashSet<(RepNs, Key)> = HashSet::new();
    seen.insert((RepNs::All, Vec::new()));
    let mut add =
        |ns_sel: Option<&LabelSelector>, own: Option<&str>, pods: Option<&LabelSelector>| {
            let ns = rep_ns(ns_sel, own);
            let pk = pods.map(key).unwrap_or_default();
            if seen.insert((ns.clone(), pk.clone())) {
                reps.push(Rep {
                    ns,
                    pods: pk,
                    ns_sel: ns_sel.cloned(),
                    pod_sel: pods.cloned().unwrap_or_default(),
                });
            }
        };
    for p in &c.policies {
        for r in p.ingress.iter().chain(&p.egress) {
            for peer in r.peers.iter().flatten() {
                if let Peer::Selectors { namespaces, pods } = peer {
                    add(namespaces.as_ref(), Some(&p.namespace), pods.as_ref());
                }
            }
        }
    }
    for a in c.admin.iter().chain(&c.baseline) {
        for r in a.ingress.iter().chain(&a.egress) {
            for peer in &r.peers {
                match peer {
                    AdminPeer::Namespaces(s) => add(Some(s), None, None),
                    AdminPeer::Pods { namespaces, pods } => add(Some(namespaces), None, Some(pods)),
                    AdminPeer::Networks(_) | AdminPeer::Nodes => {}
                }
            }
        }
    }
    let mut by_ns: Vec<Vec<usize>> = vec![Vec::new(); c.namespaces.len()];
    for (i, w) in c.workloads.iter().enumerate() {
        if let Some(v) = by_ns.get_mut(w.ns) {
            v.push(i);
        }
    }
    reps.retain(|r| !has_real_match(c, &by_ns, r));
    reps
}

/// Whether the representative is written with plain labels only and a real workload
/// carries them (it is then no potential peer: the real one is analysed).
fn has_real_match(c: &Cluster, by_ns: &[Vec<usize>], rep: &Rep) -> bool {
    let plain = |s: &LabelSelector| s.match_labels >= s.requirements.len();
    if rep.pods.is_empty() || !plain(&rep.pod_sel) {
        return false;
    }
    if rep.ns == RepNs::All {
        return false;
    }
    let ns_ok = |ns: &crate::model::Namespace| match &rep.ns {
        RepNs::All => false,
        RepNs::Named(n) => &ns.name == n,
        RepNs::Selector(_) => rep
            .ns_sel
            .as_ref()
            .is_some_and(|s| plain(s) && s.matches(&ns.labels)),
    };
    let namespaces: Vec<usize> = match &rep.ns {
        RepNs::Named(n) => c.namespace(n).into_iter().collect(),
        _ => (0..c.namespaces.len()).collect(),
    };
    namespaces
        .into_iter()
        .filter(|&ni| c.namespaces.get(ni).is_some_and(ns_ok))
        .flat_map(|ni| by_ns.get(ni).map_or(&[][..], Vec::as_slice))
        .filter_map(|&i| c.workloads.get(i))
        .any(|w| !w.synthetic && rep.pod_sel.matches(&w.labels))
}

/// The ports of a rule towards a destination: resolved against a real workload, or kept by
/// name for a potential one.
fn rule_conns(ports: &Ports, dst: Option<&Workload>) -> Conns {
    match dst {
        Some(w) => Conns {
            numeric: ports.resolve(Some(w)),
            named: BTreeSet::new(),
        },
        None => Conns {
            numeric: ports.numeric.clone(),
            named: ports.named.iter().map(|(p, n)| (*p, n.clone())).collect(),
        },
    }
}

/// Named ports still open: a name stays open until a rule naming it decides it.
#[derive(Default)]
struct Names {
    decided: BTreeSet<(Option<Protocol>, String)>,
}

/// The connections between real workload `w` and representative `rep` in direction `dir`
/// (as seen by `w`), decided by `w`'s policies only.
fn evaluate(
    engine: &Engine<'_>,
    w: usize,
    rep: u32,
    dir: Direction,
    admin: &AdminPeers,
    np: &NpPeers,
) -> Conns {
    let c = engine.cluster;
    let Some(wl) = c.workloads.get(w) else {
        return Conns::default();
    };
    let dst = match dir {
        Direction::Ingress => Some(wl),
        Direction::Egress => None,
    };
    let d = usize::from(dir == Direction::Egress);
    let mut undecided = ConnSet::all();
    let mut allowed = Conns::default();
    let mut passed = Conns::default();
    let mut names = Names::default();
    for &ai in engine.admin_subject.get(w).map_or(&[][..], Vec::as_slice) {
        let (Some(a), Some(peers)) = (c.admin.get(ai), admin.admin.get(ai).and_then(|m| m.get(d)))
        else {
            continue;
        };
        let rules = if d == 0 { &a.ingress } else { &a.egress };
        for (rule, rp) in rules.iter().zip(peers) {
            if !rp.admits(rep) {
                continue;
            }
            let got = take(rule_conns(&rule.ports, dst), &mut undecided, &mut names);
            match rule.action {
                Action::Allow => union(&mut allowed, &got),
                Action::Deny => {}
                Action::Pass => union(&mut passed, &got),
            }
        }
    }
    // Passed names are open again for the next layers.
    for n in &passed.named {
        names.decided.remove(n);
    }
    let mut open = Conns {
        numeric: undecided.union(&passed.numeric),
        named: passed.named.clone(),
    };
    let open_names_all = |names: &Names, n: &(Option<Protocol>, String)| !names.decided.contains(n);
    let isolating = match dir {
        Direction::Ingress => engine.np_ingress.get(w),
        Direction::Egress => engine.np_egress.get(w),
    }
    .map_or(&[][..], Vec::as_slice);
    if !isolating.is_empty() {
        let mut granted = Conns::default();
        for &pi in isolating {
            let (Some(p), Some(peers)) = (c.policies.get(pi), np.np.get(pi).and_then(|m| m.get(d)))
            else {
                continue;
            };
            let rules = if d == 0 { &p.ingress } else { &p.egress };
            for (rule, rp) in rules.iter().zip(peers) {
                if rp.admits(rep) {
                    union(&mut granted, &rule_conns(&rule.ports, dst));
                }
            }
        }
        let numeric = granted.numeric.intersect(&open.numeric);
        let named = granted
            .named
            .into_iter()
            .filter(|n| open.named.contains(n) || open_names_all(&names, n))
            .collect();
        union(&mut allowed, &Conns { numeric, named });
        return finish(allowed);
    }
    if let Some(b) = &c.baseline
        && engine.baseline_subject.get(w).copied().unwrap_or(false)
    {
        let rules = if d == 0 { &b.ingress } else { &b.egress };
        let peers = admin.baseline.get(d).map_or(&[][..], Vec::as_slice);
        let mut bundecided = open.numeric.clone();
        for (rule, rp) in rules.iter().zip(peers) {
            if !rp.admits(rep) {
                continue;
            }
            let got = take(rule_conns(&rule.ports, dst), &mut bundecided, &mut names);
            if rule.action == Action::Allow {
                union(&mut allowed, &got);
            }
        }
        open.numeric = bundecided;
    }
    allowed.numeric.union_with(&open.numeric);
    allowed.named.extend(open.named);
    finish(allowed)
}

/// What a first-match rule decides of the connections still undecided.
fn take(rule_c: Conns, undecided: &mut ConnSet, names: &mut Names) -> Conns {
    let numeric = rule_c.numeric.intersect(undecided);
    *undecided = undecided.subtract(&numeric);
    let named: BTreeSet<(Option<Protocol>, String)> = rule_c
        .named
        .into_iter()
        .filter(|n| !names.decided.contains(n))
        .collect();
    names.decided.extend(named.iter().cloned());
    Conns { numeric, named }
}

fn finish(mut c: Conns) -> Conns {
    let numeric = c.numeric.clone();
    c.named.retain(|(p, _)| match p {
        Some(p) => !ConnSet::of(*p, &crate::ports::all_ports()).is_subset(&numeric),
        None => !numeric.is_all(),
    });
    c
}

fn union(a: &mut Conns, b: &Conns) {
    a.numeric.union_with(&b.numeric);
    a.named.extend(b.named.iter().cloned());
}

/// What the rules of the admin policies and baseline admit, per direction.
struct AdminPeers {
    admin: Vec<[Vec<Admits>; 2]>,
    baseline: [Vec<Admits>; 2],
}

/// What the rules of the `NetworkPolicies` admit, per direction.
struct NpPeers {
    np: Vec<[Vec<Admits>; 2]>,
}

/// Which workloads and directions to report.
#[derive(Clone, Debug, Default)]
pub struct Focus {
    /// Only these workloads (`name` or `namespace/name`); empty: all.
    pub workloads: Vec<String>,
    /// Only this direction (relative to the workloads).
    pub direction: Option<Direction>,
    /// Only connections allowing this protocol and port.
    pub conn: Option<(Protocol, u16)>,
}

/// Computes the exposure report; external lines are taken from `list` (computed with the
/// same focus).
pub fn exposure(engine: &Engine<'_>, list: &Connlist, focus: &Focus) -> Exposure {
    let c = engine.cluster;
    let reps = representatives(c);
    let ix = RepIndex::new(&reps);
    let rule_peers_admin = |r: &AdminRule| ix.admits(&rule_peers_admin(r));
    let rule_peers_np = |r: &Rule, own: &str| ix.admits(&rule_peers_np(r, own));
    let admin = AdminPeers {
        admin: c
            .admin
            .iter()
            .map(|a| {
                [
                    a.ingress.iter().map(rule_peers_admin).collect(),
                    a.egress.iter().map(rule_peers_admin).collect(),
                ]
            })
            .collect(),
        baseline: c.baseline.as_ref().map_or_else(
            || [Vec::new(), Vec::new()],
            |b| {
                [
                    b.ingress.iter().map(rule_peers_admin).collect(),
                    b.egress.iter().map(rule_peers_admin).collect(),
                ]
            },
        ),
    };
    let np = NpPeers {
        np: c
            .policies
            .iter()
            .map(|p| {
                [
                    p.ingress
                        .iter()
                        .map(|r| rule_peers_np(r, &p.namespace))
                        .collect(),
                    p.egress
                        .iter()
                        .map(|r| rule_peers_np(r, &p.namespace))
                        .collect(),
                ]
            })
            .collect(),
    };
    let externals = external_lines(list);
    let mut out = Exposure::default();
    for (i, w) in c.workloads.iter().enumerate() {
        if w.synthetic {
            continue;
        }
        let id = w.id();
        let peer = ListPeer::Workload {
            namespace: w.namespace.clone(),
            name: w.name.clone(),
            kind: w.kind.clone(),
        };
        if !focus_match_list(&peer, &focus.workloads) {
            continue;
        }
        // Per direction: external lines, then representative lines.
        let mut found: Vec<(Direction, Vec<Line>, Vec<Line>)> = Vec::new();
        for dir in [Direction::Egress, Direction::Ingress] {
            if focus.direction.is_some_and(|d| d != dir) {
                continue;
            }
            let has_rules = |a: &crate::model::AdminPolicy| match dir {
                Direction::Ingress => !a.ingress.is_empty(),
                Direction::Egress => !a.egress.is_empty(),
            };
            let protected = engine.isolated(i, dir)
                || engine
                    .admin_subject
                    .get(i)
                    .is_some_and(|v| v.iter().any(|a| c.admin.get(*a).is_some_and(has_rules)))
                || (engine.baseline_subject.get(i).copied().unwrap_or(false)
                    && c.baseline.as_ref().is_some_and(has_rules));
            if !protected {
                out.unprotected.push((id.clone(), dir));
            }
            let external: Vec<Line> = externals
                .get(&id)
                .and_then(|v| v.get(usize::from(dir == Direction::Ingress)))
                .map_or(&[][..], Vec::as_slice)
                .iter()
                .map(|(range, conns)| Line {
                    workload: id.clone(),
                    peer: range.clone(),
                    conns: Conns {
                        numeric: conns.clone(),
                        named: BTreeSet::new(),
                    },
                })
                .collect();
            let potential = potential_lines(engine, i, &id, dir, &reps, &admin, &np, focus.conn);
            found.push((dir, external, potential));
        }
        // A workload exposed to no potential peer is not listed (its external
        // connections are in the connection list).
        if found.iter().all(|(_, _, p)| p.is_empty()) {
            continue;
        }
        for (dir, external, potential) in found {
            let lines = match dir {
                Direction::Egress => &mut out.egress,
                Direction::Ingress => &mut out.ingress,
            };
            lines.extend(external);
            lines.extend(potential);
        }
    }
    for v in [&mut out.egress, &mut out.ingress] {
        v.sort_by(|a, b| (&a.workload, &a.peer).cmp(&(&b.workload, &b.peer)));
    }
    out
}

/// The connection-list lines with an external range, by workload (`namespace/name[Kind]`):
/// egress `(range, conns)` and ingress `(range, conns)`.
type ExternalLines = HashMap<String, [Vec<(String, ConnSet)>; 2]>;

fn external_lines(list: &Connlist) -> ExternalLines {
    let mut m: ExternalLines = HashMap::new();
    for l in &list.lines {
        let (w, ext, d) = match (&l.src, &l.dst) {
            (w @ ListPeer::Workload { .. }, e) if e.is_external() => (w, e, 0),
            (e, w @ ListPeer::Workload { .. }) if e.is_external() => (w, e, 1),
            _ => continue,
        };
        if let Some(v) = m.entry(w.to_string()).or_default().get_mut(d) {
            v.push((ext.to_string(), l.conns.clone()));
        }
    }
    m
}

/// The lines of workload `w` with the representative peers in `dir`: the whole cluster
/// when it is admitted, and every representative admitted differently.
#[allow(clippy::too_many_arguments)]
fn potential_lines(
    engine: &Engine<'_>,
    w: usize,
    id: &str,
    dir: Direction,
    reps: &[Rep],
    admin: &AdminPeers,
    np: &NpPeers,
    focus_conn: Option<(Protocol, u16)>,
) -> Vec<Line> {
    // Representatives no rule of the workload names specifically are admitted exactly as
    // the whole cluster is (by the rules with empty selectors), so they are never listed:
    // only the specifically named ones are evaluated.
    let d = usize::from(dir == Direction::Egress);
    let mut candidates: BTreeSet<u32> = BTreeSet::new();
    let mut note = |rules: &[Admits]| {
        for a in rules {
            candidates.extend(a.reps.iter().copied());
        }
    };
    for &ai in engine.admin_subject.get(w).map_or(&[][..], Vec::as_slice) {
        if let Some(m) = admin.admin.get(ai).and_then(|m| m.get(d)) {
            note(m);
        }
    }
    let isolating = match dir {
        Direction::Ingress => engine.np_ingress.get(w),
        Direction::Egress => engine.np_egress.get(w),
    }
    .map_or(&[][..], Vec::as_slice);
    for &pi in isolating {
        if let Some(m) = np.np.get(pi).and_then(|m| m.get(d)) {
            note(m);
        }
    }
    if isolating.is_empty() && engine.baseline_subject.get(w).copied().unwrap_or(false) {
        note(admin.baseline.get(d).map_or(&[][..], Vec::as_slice));
    }
    candidates.remove(&0);
    let mut lines = Vec::new();
    let restrict = |conns: Conns| match focus_conn {
        Some((p, port)) => Conns {
            numeric: conns.numeric.intersect(&ConnSet::single(p, port)),
            named: BTreeSet::new(),
        },
        None => conns,
    };
    // Index 0 is the whole cluster.
    let cluster_wide = restrict(evaluate(engine, w, 0, dir, admin, np));
    let mut push = |rep: u32, conns: Conns| {
        if let Some(r) = reps.get(rep as usize) {
            lines.push(Line {
                workload: id.to_owned(),
                peer: r.name(),
                conns,
            });
        }
    };
    if !cluster_wide.is_empty() {
        push(0, cluster_wide.clone());
    }
    for rep in candidates {
        let conns = restrict(evaluate(engine, w, rep, dir, admin, np));
        let show = if cluster_wide.is_empty() || focus_conn.is_some() {
            // Under a focus connection only the peers allowing it are listed.
            !conns.is_empty() && conns != cluster_wide
        } else {
            conns != cluster_wide
        };
        if show {
            push(rep, conns);
        }
    }
    lines
}

fn focus_match_list(peer: &ListPeer, list: &[String]) -> bool {
    focus_match(peer, list)
}

/// The text section: `Exposure Analysis Result:` with egress, ingress and unprotected parts.
pub fn to_txt(e: &Exposure, focus_conn: Option<(Protocol, u16)>) -> String {
    let width = e
        .egress
        .iter()
        .chain(&e.ingress)
        .map(|l| l.workload.chars().count())
        .max()
        .unwrap_or(0);
    let mut s = String::new();
    match focus_conn {
        Some((p, port)) => {
            let _ = writeln!(s, "Exposure Analysis Result On {p} {port}:");
        }
        None => s.push_str("Exposure Analysis Result:\n"),
    }
    let mut parts = Vec::new();
    for (title, arrow, lines) in [
        ("Egress Exposure:", "=>", &e.egress),
        ("Ingress Exposure:", "<=", &e.ingress),
    ] {
        if lines.is_empty() {
            continue;
        }
        let mut p = format!("{title}\n");
        for l in lines {
            let _ = write!(p, "{:<width$} \t{arrow} \t{}", l.workload, l.peer);
            if focus_conn.is_none() {
                let _ = write!(p, " : {}", l.conns);
            }
            p.push('\n');
        }
        parts.push(p);
    }
    // Under a focus connection the unprotected workloads are not listed (netpol-analyzer).
    if !e.unprotected.is_empty() && focus_conn.is_none() {
        let mut p = String::from("Workloads not protected by network policies:\n");
        let mut u: Vec<&(String, Direction)> = e.unprotected.iter().collect();
        u.sort_by(|a, b| (&a.0, a.1.as_str()).cmp(&(&b.0, b.1.as_str())));
        for (w, d) in u {
            let _ = writeln!(p, "{w} is not protected on {}", d.as_str());
        }
        parts.push(p);
    }
    s.push_str(&parts.join("\n"));
    s
}

/// The JSON value of the exposure results (`egress_exposure`, `ingress_exposure`).
pub fn to_json_value(e: &Exposure, focus_conn: bool) -> serde_json::Value {
    let line = |l: &Line, egress: bool| {
        let (src, dst) = if egress {
            (&l.workload, &l.peer)
        } else {
            (&l.peer, &l.workload)
        };
        if focus_conn {
            serde_json::json!({"src": src, "dst": dst})
        } else {
            serde_json::json!({"src": src, "dst": dst, "conn": l.conns.to_string()})
        }
    };
    let section = |lines: &[Line], egress: bool| {
        if lines.is_empty() && !focus_conn {
            serde_json::Value::Null
        } else {
            lines.iter().map(|l| line(l, egress)).collect()
        }
    };
    serde_json::json!({
        "egress_exposure": section(&e.egress, true),
        "ingress_exposure": section(&e.ingress, false),
    })
}

impl Focus {
    /// The focus of the connection-list options.
    pub fn of(opts: &crate::connlist::Options) -> Self {
        Focus {
            workloads: opts.focus_workloads.clone(),
            direction: opts
                .focus_direction
                .filter(|_| !opts.focus_workloads.is_empty()),
            conn: opts.focus_conn,
        }
    }
}

/// The connection list in text form followed by the exposure section.
pub fn render_txt(list: &Connlist, e: &Exposure, focus_conn: Option<(Protocol, u16)>) -> String {
    let mut s = crate::connlist::to_txt(list, focus_conn);
    if !s.is_empty() {
        s.push('\n');
    }
    s.push_str(&to_txt(e, focus_conn));
    s
}

/// `{"connlist_results": [...], "exposure_results": {...}}` (under a focus connection:
/// `connlist_conn_focus_results` and `exposure_conn_focus_results`, without `conn`).
pub fn render_json(list: &Connlist, e: &Exposure, focus_conn: Option<(Protocol, u16)>) -> String {
    let focused = focus_conn.is_some();
    let conns: Vec<serde_json::Value> = list
        .lines
        .iter()
        .map(|l| {
            if focused {
                serde_json::json!({"src": l.src.to_string(), "dst": l.dst.to_string()})
            } else {
                serde_json::json!({"src": l.src.to_string(), "dst": l.dst.to_string(), "conn": l.conns.to_string()})
            }
        })
        .collect();
    let (kc, ke) = if focused {
        ("connlist_conn_focus_results", "exposure_conn_focus_results")
    } else {
        ("connlist_results", "exposure_results")
    };
    let mut doc = serde_json::Map::new();
    doc.insert(kc.to_owned(), serde_json::Value::Array(conns));
    doc.insert(ke.to_owned(), to_json_value(e, focused));
    let mut s = serde_json::to_string_pretty(&serde_json::Value::Object(doc))
        .unwrap_or_else(|_| "{}".to_owned());
    s.push('\n');
    s
}

/// Exposure edges for the DOT rendering: `(source, destination, connections)`, the
/// potential peers only (external ranges are in the connection list).
pub fn dot_edges(e: &Exposure) -> Vec<(String, String, String)> {
    let potential = |l: &&Line| !l.peer.ends_with("[External]");
    e.egress
        .iter()
        .filter(potential)
        .map(|l| (l.workload.clone(), l.peer.clone(), l.conns.to_string()))
        .chain(
            e.ingress
                .iter()
                .filter(potential)
                .map(|l| (l.peer.clone(), l.workload.clone(), l.conns.to_string())),
        )
        .collect()
}
