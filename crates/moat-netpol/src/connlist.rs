//! The connection list: every allowed `source => destination : connections` line, with the
//! focus filters and the text/JSON/CSV/Markdown/DOT renderings (the text form is the
//! np-guard netpol-analyzer notation, so its golden outputs can be compared directly), and
//! the semantic diff of two connection lists.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::build::{INGRESS_CONTROLLER, INGRESS_CONTROLLER_NS};
use crate::eval::{Direction, Endpoint, Engine};
use crate::ingress;
use crate::ipnet::IpRange;
use crate::matrix::{Externals, Matrix};
use crate::ports::{ConnSet, Protocol};

/// One end of a listed connection.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Peer {
    /// `namespace/name[Kind]`.
    Workload {
        /// Namespace.
        namespace: String,
        /// Name.
        name: String,
        /// Kind.
        kind: String,
    },
    /// An external address range.
    External(IpRange),
    /// The ingress controller.
    IngressController,
}

impl Peer {
    fn name(&self) -> &str {
        match self {
            Peer::Workload { name, .. } => name,
            Peer::External(_) => "",
            Peer::IngressController => INGRESS_CONTROLLER,
        }
    }

    fn ns_name(&self) -> String {
        match self {
            Peer::Workload {
                namespace, name, ..
            } => format!("{namespace}/{name}"),
            Peer::External(_) => "/".to_owned(),
            Peer::IngressController => format!("{INGRESS_CONTROLLER_NS}/{INGRESS_CONTROLLER}"),
        }
    }

    /// Whether a focus name (`name` or `namespace/name`) designates this peer.
    pub fn is(&self, focus: &str) -> bool {
        self.name() == focus || self.ns_name() == focus
    }

    /// Whether this is an external range.
    pub fn is_external(&self) -> bool {
        matches!(self, Peer::External(_))
    }
}

impl std::fmt::Display for Peer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Peer::Workload {
                namespace,
                name,
                kind,
            } => write!(f, "{namespace}/{name}[{kind}]"),
            Peer::External(r) => write!(f, "{r}[External]"),
            Peer::IngressController => write!(f, "{{{INGRESS_CONTROLLER}}}"),
        }
    }
}

/// One allowed connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// Source.
    pub src: Peer,
    /// Destination.
    pub dst: Peer,
    /// Allowed connections.
    pub conns: ConnSet,
}

/// Filters of the connection list.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Only connections with one of these workloads (`name` or `namespace/name`).
    pub focus_workloads: Vec<String>,
    /// With `focus_workloads`: only connections whose other end is one of these.
    pub focus_peers: Vec<String>,
    /// With `focus_workloads`: only connections into (ingress) or out of (egress) them.
    pub focus_direction: Option<Direction>,
    /// Only connections allowing this protocol and port.
    pub focus_conn: Option<(Protocol, u16)>,
    /// External endpoints.
    pub externals: Externals,
    /// Exposure analysis is requested (see [`crate::exposure`]); only its option checks
    /// are made here.
    pub exposure: bool,
}

impl Options {
    /// Whether exposure analysis was requested together with focus workloads and their
    /// peers, where it is not relevant (it is then not produced).
    pub fn ignores_exposure(&self) -> bool {
        self.exposure && !self.focus_workloads.is_empty() && !self.focus_peers.is_empty()
    }

    /// Options that have no effect in this combination.
    pub fn warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        if self.focus_workloads.is_empty() && self.focus_direction.is_some() {
            w.push(
                "focus direction may be used only with focus workloads, will be ignored".to_owned(),
            );
        }
        if self.focus_workloads.is_empty() && !self.focus_peers.is_empty() {
            w.push(
                "focus workload peers may be used only with focus workloads, will be ignored"
                    .to_owned(),
            );
        }
        if self.ignores_exposure() {
            w.push(
                "exposure analysis is not relevant when both focus workloads and focus workload peers are used; exposure will be ignored"
                    .to_owned(),
            );
        }
        w
    }
}

/// The connection list and what was noticed while producing it.
#[derive(Clone, Debug, Default)]
pub struct Connlist {
    /// Lines, sorted by source then destination (as displayed).
    pub lines: Vec<Line>,
    /// Workloads of the input (for diffs and focus checks).
    pub workloads: BTreeSet<String>,
    /// Warnings (unknown focus workloads, blocked ingress exposure, ...).
    pub warnings: Vec<String>,
}

/// The listed form of an endpoint.
pub fn peer_of(engine: &Engine<'_>, e: &Endpoint) -> Peer {
    match e {
        Endpoint::External(r) => Peer::External(*r),
        Endpoint::Workload(i) => match engine.cluster.workloads.get(*i) {
            Some(w) if w.synthetic => Peer::IngressController,
            Some(w) => Peer::Workload {
                namespace: w.namespace.clone(),
                name: w.name.clone(),
                kind: w.kind.clone(),
            },
            None => Peer::IngressController,
        },
    }
}

pub(crate) fn focus_match(peer: &Peer, list: &[String]) -> bool {
    list.is_empty() || list.iter().any(|f| peer.is(f))
}

/// Whether the focus options keep the pair.
pub fn include(opts: &Options, src: &Peer, dst: &Peer) -> bool {
    if opts.focus_workloads.is_empty() {
        return true;
    }
    match opts.focus_direction {
        Some(Direction::Ingress) if !focus_match(dst, &opts.focus_workloads) => return false,
        Some(Direction::Egress) if !focus_match(src, &opts.focus_workloads) => return false,
        _ => {}
    }
    (focus_match(src, &opts.focus_workloads) && focus_match(dst, &opts.focus_peers))
        || (focus_match(dst, &opts.focus_workloads) && focus_match(src, &opts.focus_peers))
}

/// Computes the connection list.
pub fn connlist(engine: &Engine<'_>, opts: &Options) -> Connlist {
    let mut out = Connlist {
        warnings: opts.warnings(),
        ..Connlist::default()
    };
    let peers: Vec<Peer> = engine
        .cluster
        .workloads
        .iter()
        .enumerate()
        .filter(|(_, w)| !w.synthetic)
        .map(|(i, _)| peer_of(engine, &Endpoint::Workload(i)))
        .collect();
    out.workloads = peers.iter().map(ToString::to_string).collect();
    if peers.is_empty() {
        return out;
    }
    let has_ingress = ingress::controller(engine).is_some();
    out.warnings.extend(named_port_warnings(engine));
    for f in &opts.focus_peers {
        if f != INGRESS_CONTROLLER && !peers.iter().any(|p| p.is(f)) {
            out.warnings.push(format!(
                "Workload {f} does not exist in the input resources."
            ));
        }
    }
    let mut missing = 0;
    for f in &opts.focus_workloads {
        let exists = if f == INGRESS_CONTROLLER {
            has_ingress
        } else {
            peers.iter().any(|p| p.is(f))
        };
        if !exists {
            missing += 1;
            out.warnings.push(format!(
                "Workload {f} does not exist in the input resources."
            ));
        }
    }
    if missing > 0 && missing == opts.focus_workloads.len() {
        out.warnings
            .push("connectivity list is empty: none of the focus workloads exists".to_owned());
        return out;
    }
    let m = Matrix::compute(engine, &opts.externals);
    for (s, d, c) in m.pairs() {
        let (src, dst) = (peer_of(engine, s), peer_of(engine, d));
        if src.to_string() == dst.to_string() || !include(opts, &src, &dst) {
            continue;
        }
        if let Some((p, port)) = opts.focus_conn
            && !c.contains(p, port)
        {
            continue;
        }
        out.lines.push(Line {
            src,
            dst,
            conns: c.clone(),
        });
    }
    let ing = ingress::analyze(engine);
    out.warnings.extend(ing.warnings);
    for (w, c) in ing.allowed {
        let dst = peer_of(engine, &Endpoint::Workload(w));
        if !include(opts, &Peer::IngressController, &dst) {
            continue;
        }
        if let Some((p, port)) = opts.focus_conn
            && !c.contains(p, port)
        {
            continue;
        }
        out.lines.push(Line {
            src: Peer::IngressController,
            dst,
            conns: c,
        });
    }
    sort_lines(&mut out.lines);
    out
}

/// Named ports of policy rules that a destination the rule applies to does not declare
/// (the rule then allows nothing on that port for that destination).
pub fn named_port_warnings(engine: &Engine<'_>) -> Vec<String> {
    let c = engine.cluster;
    let mut out = BTreeSet::new();
    let unmatched = |named: &[(Option<Protocol>, String)],
                     w: &crate::model::Workload,
                     what: &str,
                     out: &mut BTreeSet<String>| {
        for (proto, name) in named {
            if w.named_port(name, *proto).is_none() {
                out.insert(format!(
                    "{what}: port name: {name:?} has no match in the configuration of the destination peer {:?}",
                    w.id()
                ));
            }
        }
    };
    let real = || c.workloads.iter().enumerate().filter(|(_, w)| !w.synthetic);
    for (pi, p) in c.policies.iter().enumerate() {
        for (d, rules) in [(0usize, &p.ingress), (1, &p.egress)] {
            for (ri, r) in rules.iter().enumerate() {
                if r.ports.named.is_empty() {
                    continue;
                }
                let what = format!(
                    "NetworkPolicy '{}' {} rule #{}",
                    p.id(),
                    if d == 0 { "Ingress" } else { "Egress" },
                    ri + 1
                );
                for (i, w) in real() {
                    let applies = if d == 0 {
                        engine.np_ingress.get(i).is_some_and(|v| v.contains(&pi))
                    } else {
                        engine
                            .np_rules
                            .get(pi)
                            .and_then(|m| m.get(1))
                            .and_then(|m| m.get(ri))
                            .is_some_and(|m| m.matches(&Endpoint::Workload(i)))
                    };
                    if applies {
                        unmatched(&r.ports.named, w, &what, &mut out);
                    }
                }
            }
        }
    }
    for (ai, a) in c.admin.iter().enumerate() {
        for (d, rules) in [(0usize, &a.ingress), (1, &a.egress)] {
            for (ri, r) in rules.iter().enumerate() {
                if r.ports.named.is_empty() {
                    continue;
                }
                let what = format!("{} rule {:?}", a.id(), r.name);
                for (i, w) in real() {
                    let applies = if d == 0 {
                        engine.admin_subject.get(i).is_some_and(|v| v.contains(&ai))
                    } else {
                        engine
                            .admin_rules
                            .get(ai)
                            .and_then(|m| m.get(1))
                            .and_then(|m| m.get(ri))
                            .is_some_and(|m| m.matches(&Endpoint::Workload(i)))
                    };
                    if applies {
                        unmatched(&r.ports.named, w, &what, &mut out);
                    }
                }
            }
        }
    }
    if let Some(b) = &c.baseline {
        for (d, rules) in [(0usize, &b.ingress), (1, &b.egress)] {
            for (ri, r) in rules.iter().enumerate() {
                if r.ports.named.is_empty() {
                    continue;
                }
                let what = format!("{} rule {:?}", b.id(), r.name);
                for (i, w) in real() {
                    let applies = if d == 0 {
                        engine.baseline_subject.get(i).copied().unwrap_or(false)
                    } else {
                        engine
                            .baseline_rules
                            .get(1)
                            .and_then(|m| m.get(ri))
                            .is_some_and(|m| m.matches(&Endpoint::Workload(i)))
                    };
                    if applies {
                        unmatched(&r.ports.named, w, &what, &mut out);
                    }
                }
            }
        }
    }
    out.into_iter().collect()
}

fn sort_lines(lines: &mut [Line]) {
    lines.sort_by_cached_key(|l| (l.src.to_string(), l.dst.to_string()));
}

/// `src => dst : conns` lines (or `src => dst` under a focus connection, after a header).
pub fn to_txt(list: &Connlist, focus_conn: Option<(Protocol, u16)>) -> String {
    let mut s = String::new();
    if let Some((p, port)) = focus_conn {
        let _ = writeln!(s, "Permitted connections on {p} {port}:");
        for l in &list.lines {
            let _ = writeln!(s, "{} => {}", l.src, l.dst);
        }
        return s;
    }
    for l in &list.lines {
        let _ = writeln!(s, "{} => {} : {}", l.src, l.dst, l.conns);
    }
    s
}

/// `[{"src", "dst", "conn"}]`, pretty-printed.
pub fn to_json(list: &Connlist) -> String {
    let v: Vec<serde_json::Value> = list
        .lines
        .iter()
        .map(|l| {
            serde_json::json!({"src": l.src.to_string(), "dst": l.dst.to_string(), "conn": l.conns.to_string()})
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_else(|_| "[]".to_owned());
    s.push('\n');
    s
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// `src,dst,conn` with a header.
pub fn to_csv(list: &Connlist) -> String {
    let mut s = String::from("src,dst,conn\n");
    for l in &list.lines {
        let _ = writeln!(
            s,
            "{},{},{}",
            csv_field(&l.src.to_string()),
            csv_field(&l.dst.to_string()),
            csv_field(&l.conns.to_string())
        );
    }
    s
}

/// A Markdown table.
pub fn to_md(list: &Connlist) -> String {
    let mut s = String::from("| src | dst | conn |\n|-----|-----|------|\n");
    for l in &list.lines {
        let _ = writeln!(s, "| {} | {} | {} |", l.src, l.dst, l.conns);
    }
    s
}

fn dot_id(p: &Peer) -> String {
    format!("\"{}\"", p.to_string().replace('"', "\\\""))
}

/// A Graphviz digraph: workloads grouped by namespace, external ranges as boxes.
pub fn to_dot(list: &Connlist) -> String {
    to_dot_with(list, &[])
}

/// [`to_dot`] plus dashed edges to or from potential peers (exposure analysis), drawn as
/// diamonds: `(source, destination, connections)`.
pub fn to_dot_with(list: &Connlist, potential: &[(String, String, String)]) -> String {
    let mut by_ns: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut others: BTreeSet<String> = BTreeSet::new();
    for w in &list.workloads {
        if let Some((ns, _)) = w.split_once('/') {
            by_ns.entry(ns.to_owned()).or_default().insert(w.clone());
        }
    }
    for l in &list.lines {
        for p in [&l.src, &l.dst] {
            if !matches!(p, Peer::Workload { .. }) {
                others.insert(dot_id(p));
            }
        }
    }
    let mut s = String::from("digraph {\n");
    for (i, (ns, ws)) in by_ns.iter().enumerate() {
        let _ = writeln!(s, "\tsubgraph \"cluster_{i}\" {{\n\t\tlabel=\"{ns}\"");
        for w in ws {
            let _ = writeln!(s, "\t\t\"{w}\" [shape=box]");
        }
        s.push_str("\t}\n");
    }
    for o in &others {
        let _ = writeln!(s, "\t{o} [shape=ellipse]");
    }
    let quote = |x: &str| format!("\"{}\"", x.replace('"', "\\\""));
    let workloads: BTreeSet<&str> = list.workloads.iter().map(String::as_str).collect();
    let diamonds: BTreeSet<&str> = potential
        .iter()
        .flat_map(|(a, b, _)| [a.as_str(), b.as_str()])
        .filter(|x| !workloads.contains(x))
        .collect();
    for d in diamonds {
        let _ = writeln!(s, "\t{} [shape=diamond]", quote(d));
    }
    for l in &list.lines {
        let _ = writeln!(
            s,
            "\t{} -> {} [label=\"{}\"]",
            dot_id(&l.src),
            dot_id(&l.dst),
            l.conns
        );
    }
    for (a, b, c) in potential {
        let _ = writeln!(
            s,
            "\t{} -> {} [label=\"{c}\" style=dashed]",
            quote(a),
            quote(b)
        );
    }
    s.push_str("}\n");
    s
}

/// Kind of a difference between two connection lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum DiffKind {
    /// Connections changed.
    Changed,
    /// Connections only in the second list.
    Added,
    /// Connections only in the first list.
    Removed,
}

impl DiffKind {
    fn as_str(self) -> &'static str {
        match self {
            DiffKind::Changed => "changed",
            DiffKind::Added => "added",
            DiffKind::Removed => "removed",
        }
    }
}

/// One difference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffLine {
    /// Kind.
    pub kind: DiffKind,
    /// Source.
    pub src: Peer,
    /// Destination.
    pub dst: Peer,
    /// Connections in the first list.
    pub ref1: ConnSet,
    /// Connections in the second list.
    pub ref2: ConnSet,
    /// Workloads that exist on one side only (`Some(true)`: added).
    pub new_workloads: Vec<(String, bool)>,
}

/// Splits external peers of a list at the given cut ranges.
fn refine(lines: &[Line], src_cuts: &[IpRange], dst_cuts: &[IpRange]) -> Vec<Line> {
    let split = |p: &Peer, cuts: &[IpRange]| -> Vec<Peer> {
        match p {
            Peer::External(r) => cuts
                .iter()
                .filter(|c| c.family == r.family && c.start >= r.start && c.end <= r.end)
                .map(|c| Peer::External(*c))
                .collect(),
            other => vec![other.clone()],
        }
    };
    let mut out = Vec::new();
    for l in lines {
        for s in split(&l.src, src_cuts) {
            for d in split(&l.dst, dst_cuts) {
                out.push(Line {
                    src: s.clone(),
                    dst: d,
                    conns: l.conns.clone(),
                });
            }
        }
    }
    out
}

fn common_cuts(a: &[Line], b: &[Line], src: bool) -> Vec<IpRange> {
    let mut sets = Vec::new();
    for l in a.iter().chain(b) {
        let p = if src { &l.src } else { &l.dst };
        if let Peer::External(r) = p {
            sets.push(r.to_set());
        }
    }
    let refs: Vec<&crate::ipnet::IpSet> = sets.iter().collect();
    let mut space = crate::ipnet::IpSet::default();
    for s in &sets {
        space = space.union(s);
    }
    crate::ipnet::partition(&space, &refs)
}

/// The semantic difference between two connection lists (external ranges compared on a
/// common refinement, touching ranges with the same difference merged again).
pub fn diff(a: &Connlist, b: &Connlist) -> Vec<DiffLine> {
    let (sc, dc) = (
        common_cuts(&a.lines, &b.lines, true),
        common_cuts(&a.lines, &b.lines, false),
    );
    let key = |l: &Line| (l.src.clone(), l.dst.clone());
    let ra: BTreeMap<(Peer, Peer), ConnSet> = refine(&a.lines, &sc, &dc)
        .into_iter()
        .map(|l| (key(&l), l.conns))
        .collect();
    let rb: BTreeMap<(Peer, Peer), ConnSet> = refine(&b.lines, &sc, &dc)
        .into_iter()
        .map(|l| (key(&l), l.conns))
        .collect();
    let keys: BTreeSet<&(Peer, Peer)> = ra.keys().chain(rb.keys()).collect();
    let mut raw: Vec<DiffLine> = Vec::new();
    for k in keys {
        let (c1, c2) = (
            ra.get(k).cloned().unwrap_or_default(),
            rb.get(k).cloned().unwrap_or_default(),
        );
        if c1 == c2 {
            continue;
        }
        let kind = if c1.is_empty() {
            DiffKind::Added
        } else if c2.is_empty() {
            DiffKind::Removed
        } else {
            DiffKind::Changed
        };
        let mut new_workloads = Vec::new();
        for p in [&k.0, &k.1] {
            if let Peer::Workload { .. } = p {
                let s = p.to_string();
                match (a.workloads.contains(&s), b.workloads.contains(&s)) {
                    (false, true) => new_workloads.push((s, true)),
                    (true, false) => new_workloads.push((s, false)),
                    _ => {}
                }
            }
        }
        raw.push(DiffLine {
            kind,
            src: k.0.clone(),
            dst: k.1.clone(),
            ref1: c1,
            ref2: c2,
            new_workloads,
        });
    }
    merge_ranges(raw)
}

/// Merges touching external ranges of lines that differ only in that range.
fn merge_ranges(lines: Vec<DiffLine>) -> Vec<DiffLine> {
    let mut out: Vec<DiffLine> = Vec::new();
    let mut groups: BTreeMap<(bool, Peer, String, String), Vec<DiffLine>> = BTreeMap::new();
    for l in lines {
        match (&l.src, &l.dst) {
            (Peer::External(_), other) => {
                groups
                    .entry((true, other.clone(), l.ref1.to_string(), l.ref2.to_string()))
                    .or_default()
                    .push(l);
            }
            (other, Peer::External(_)) => {
                groups
                    .entry((false, other.clone(), l.ref1.to_string(), l.ref2.to_string()))
                    .or_default()
                    .push(l);
            }
            _ => out.push(l),
        }
    }
    for ((src_is_ip, ..), mut ls) in groups {
        let range = |l: &DiffLine| match if src_is_ip { &l.src } else { &l.dst } {
            Peer::External(r) => Some(*r),
            _ => None,
        };
        ls.sort_by_key(|l| range(l));
        let mut merged: Vec<DiffLine> = Vec::new();
        for l in ls {
            if let (Some(last), Some(r)) = (merged.last_mut(), range(&l)) {
                let lr = range(last);
                if let Some(lr) =
                    lr.filter(|lr| lr.family == r.family && lr.end.checked_add(1) == Some(r.start))
                {
                    let m = Peer::External(IpRange {
                        family: lr.family,
                        start: lr.start,
                        end: r.end,
                    });
                    if src_is_ip {
                        last.src = m;
                    } else {
                        last.dst = m;
                    }
                    continue;
                }
            }
            merged.push(l);
        }
        out.extend(merged);
    }
    out.sort_by_cached_key(|l| (l.kind, l.src.to_string(), l.dst.to_string()));
    out
}

/// The netpol-analyzer text form of a diff.
pub fn diff_to_txt(lines: &[DiffLine]) -> String {
    let mut s = String::from("Connectivity diff:\n");
    for l in lines {
        let _ = write!(
            s,
            "diff-type: {}, source: {}, destination: {}, ref1: {}, ref2: {}",
            l.kind.as_str(),
            l.src,
            l.dst,
            l.ref1,
            l.ref2
        );
        if !l.new_workloads.is_empty() {
            let names: Vec<&str> = l.new_workloads.iter().map(|(n, _)| n.as_str()).collect();
            let added = l.new_workloads.first().is_some_and(|(_, a)| *a);
            let _ = write!(
                s,
                ", workloads-diff-info: workload {} {}",
                names.join(" and "),
                if added { "added" } else { "removed" }
            );
        }
        s.push('\n');
    }
    s
}
