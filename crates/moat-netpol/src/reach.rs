//! Reachability queries: can `--from` reach `--to` (on a port), and which policy rules on
//! the source's egress side and on the destination's ingress side decide it.

use std::fmt::Write as _;

use moat_manifest::Resource;

use crate::eval::{AdminRef, Direction, Endpoint, Engine, Step};
use crate::ipnet::{IpSet, parse_addr, parse_cidr, partition};
use crate::matrix::referenced_blocks;
use crate::model::Cluster;
use crate::ports::{ConnSet, Protocol};

/// A query that cannot be answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReachError {
    /// No workload or CIDR by that name.
    #[error("`{query}` is neither a workload of the input (NAMESPACE/NAME) nor a CIDR")]
    NotFound {
        /// The query.
        query: String,
    },
    /// Several workloads match.
    #[error("`{query}` is ambiguous: {}", candidates.join(", "))]
    Ambiguous {
        /// The query.
        query: String,
        /// Matching workloads.
        candidates: Vec<String>,
    },
    /// Both ends are external.
    #[error("at least one of --from and --to must be a workload")]
    BothExternal,
    /// A malformed `--port`.
    #[error("invalid port `{0}`: expected PORT or PORT/PROTOCOL (e.g. 8080/TCP)")]
    Port(String),
}

/// Parses `8080`, `8080/TCP`, `53/udp`.
pub fn parse_port(s: &str) -> Result<(Protocol, u16), ReachError> {
    let bad = || ReachError::Port(s.to_owned());
    let (port, proto) = match s.split_once('/') {
        Some((p, proto)) => (p, Protocol::parse_loose(proto).ok_or_else(bad)?),
        None => (s, Protocol::Tcp),
    };
    let port: u16 = port.trim().parse().map_err(|_| bad())?;
    if port == 0 {
        return Err(bad());
    }
    Ok((proto, port))
}

enum Side {
    Workload(usize),
    Ips(IpSet),
}

fn resolve(cluster: &Cluster, q: &str) -> Result<Side, ReachError> {
    let ws = cluster.find_workloads(q);
    match ws.as_slice() {
        [one] => return Ok(Side::Workload(*one)),
        [] => {}
        many => {
            return Err(ReachError::Ambiguous {
                query: q.to_owned(),
                candidates: many
                    .iter()
                    .filter_map(|i| cluster.workloads.get(*i).map(crate::model::Workload::id))
                    .collect(),
            });
        }
    }
    if let Ok(r) = parse_cidr(q) {
        return Ok(Side::Ips(r.to_set()));
    }
    if let Some(r) = parse_addr(q) {
        return Ok(Side::Ips(r.to_set()));
    }
    Err(ReachError::NotFound {
        query: q.to_owned(),
    })
}

/// One direction's verdict with its reasons.
#[derive(Clone, Debug)]
pub struct DirVerdict {
    /// Connections this direction allows.
    pub allowed: ConnSet,
    /// Why.
    pub steps: Vec<Step>,
}

/// The answer for one pair of endpoints.
#[derive(Clone, Debug)]
pub struct PairVerdict {
    /// Source.
    pub src: Endpoint,
    /// Destination.
    pub dst: Endpoint,
    /// Egress of the source.
    pub egress: DirVerdict,
    /// Ingress of the destination.
    pub ingress: DirVerdict,
    /// Allowed end to end (restricted to the queried port, if any).
    pub allowed: ConnSet,
}

/// The answer to a query: one verdict per uniform piece of a CIDR end (one in total for two
/// workloads).
#[derive(Clone, Debug)]
pub struct Reach {
    /// Verdicts.
    pub pairs: Vec<PairVerdict>,
    /// The queried port, if any.
    pub port: Option<(Protocol, u16)>,
}

impl Reach {
    /// Whether any connection (the queried port, if any) is allowed for every piece.
    pub fn allowed_everywhere(&self) -> bool {
        !self.pairs.is_empty() && self.pairs.iter().all(|p| !p.allowed.is_empty())
    }

    /// Whether some piece allows some connection.
    pub fn allowed_somewhere(&self) -> bool {
        self.pairs.iter().any(|p| !p.allowed.is_empty())
    }
}

/// Answers a query.
pub fn reach(
    engine: &Engine<'_>,
    from: &str,
    to: &str,
    port: Option<(Protocol, u16)>,
) -> Result<Reach, ReachError> {
    let c = engine.cluster;
    let (src_blocks, dst_blocks) = referenced_blocks(c);
    let expand = |side: Side, blocks: &[&IpSet]| -> Vec<Endpoint> {
        match side {
            Side::Workload(w) => vec![Endpoint::Workload(w)],
            Side::Ips(set) => partition(&set, blocks)
                .into_iter()
                .map(Endpoint::External)
                .collect(),
        }
    };
    let (s, d) = (resolve(c, from)?, resolve(c, to)?);
    if matches!((&s, &d), (Side::Ips(_), Side::Ips(_))) {
        return Err(ReachError::BothExternal);
    }
    let srcs = expand(s, &src_blocks);
    let dsts = expand(d, &dst_blocks);
    let universe = port.map_or_else(ConnSet::all, |(p, n)| ConnSet::single(p, n));
    let mut pairs = Vec::new();
    for src in &srcs {
        for dst in &dsts {
            let mut es = Vec::new();
            let eg = engine.direction_within(src, dst, Direction::Egress, &universe, &mut es);
            let mut is = Vec::new();
            let ing = engine.direction_within(src, dst, Direction::Ingress, &universe, &mut is);
            pairs.push(PairVerdict {
                src: *src,
                dst: *dst,
                allowed: eg.intersect(&ing),
                egress: DirVerdict {
                    allowed: eg,
                    steps: es,
                },
                ingress: DirVerdict {
                    allowed: ing,
                    steps: is,
                },
            });
        }
    }
    Ok(Reach { pairs, port })
}

/// Display name of an endpoint.
pub fn endpoint_name(c: &Cluster, e: &Endpoint) -> String {
    match e {
        Endpoint::Workload(i) => c
            .workloads
            .get(*i)
            .map_or_else(|| "?".to_owned(), crate::model::Workload::id),
        Endpoint::External(r) => format!("{r}[External]"),
    }
}

fn loc(resources: &[&Resource], res: usize, path: &str) -> String {
    resources.get(res).map_or_else(String::new, |r| {
        let p = r.pos_of(path);
        format!(" ({}:{}, {path})", r.file, p.line)
    })
}

/// One explanation step as text, with the file and line of the deciding rule.
pub fn describe_step(
    c: &Cluster,
    resources: &[&Resource],
    dir: Direction,
    subject: &str,
    s: &Step,
) -> String {
    let field = match dir {
        Direction::Ingress => "ingress",
        Direction::Egress => "egress",
    };
    match s {
        Step::AdminRule {
            policy,
            rule,
            action,
            conns,
        } => {
            let p = match policy {
                AdminRef::Admin(i) => c.admin.get(*i),
                AdminRef::Baseline => c.baseline.as_ref(),
            };
            let Some(p) = p else {
                return String::new();
            };
            let rules = match dir {
                Direction::Ingress => &p.ingress,
                Direction::Egress => &p.egress,
            };
            let name = rules.get(*rule).map_or("", |r| r.name.as_str());
            let prio = p
                .priority
                .map_or_else(String::new, |n| format!(" (priority {n})"));
            format!(
                "{}{prio} {} rule #{} \"{name}\": {action} {conns}{}",
                p.id(),
                dir.as_str(),
                rule + 1,
                loc(resources, p.res, &format!("spec.{field}[{rule}]"))
            )
        }
        Step::PolicyRule {
            policy,
            rule,
            conns,
        } => c.policies.get(*policy).map_or_else(String::new, |p| {
            let what = format!("allows {conns}");
            format!(
                "NetworkPolicy '{}' {} rule #{} {what}{}",
                p.id(),
                dir.as_str(),
                rule + 1,
                loc(resources, p.res, &format!("spec.{field}[{rule}]"))
            )
        }),
        Step::Isolated {
            policies,
            unmatched,
            mismatched,
            denied,
        } => {
            let names: Vec<String> = policies
                .iter()
                .filter_map(|i| c.policies.get(*i))
                .map(|p| format!("'{}'{}", p.id(), loc(resources, p.res, "spec.podSelector")))
                .collect();
            let mut s = format!(
                "{subject} is isolated for {} by NetworkPolicy {}",
                dir.as_str(),
                names.join(", ")
            );
            let none: Vec<String> = unmatched
                .iter()
                .filter_map(|i| c.policies.get(*i))
                .map(|p| format!("'{}'", p.id()))
                .collect();
            if !none.is_empty() {
                s.push_str(&format!(
                    "; no {field} rule of {} selects the peer",
                    none.join(", ")
                ));
            }
            let ports: Vec<String> = mismatched
                .iter()
                .filter_map(|(pi, r)| {
                    c.policies
                        .get(*pi)
                        .map(|p| format!("'{}' rule #{}", p.id(), r + 1))
                })
                .collect();
            if !ports.is_empty() {
                s.push_str(&format!(
                    "; {} select(s) the peer but not these ports",
                    ports.join(", ")
                ));
            }
            format!("{s}; {denied} denied")
        }
        Step::Default { conns } => {
            if subject.ends_with("[External]") {
                format!("{subject} is external: no policy restricts its {field}; {conns} allowed")
            } else {
                format!(
                    "no policy decides {conns} for the {field} of {subject}: allowed by default"
                )
            }
        }
    }
}

/// The whole answer as text.
pub fn render_text(c: &Cluster, resources: &[&Resource], r: &Reach) -> String {
    let mut s = String::new();
    for p in &r.pairs {
        let (src, dst) = (endpoint_name(c, &p.src), endpoint_name(c, &p.dst));
        let verdict = if p.allowed.is_empty() {
            "DENIED"
        } else {
            "ALLOWED"
        };
        let what = match r.port {
            Some((proto, n)) => format!("{proto} {n}"),
            None => p.allowed.to_string(),
        };
        let _ = writeln!(s, "{src} => {dst}: {verdict} ({what})");
        for (dir, subject, v) in [
            (Direction::Egress, &src, &p.egress),
            (Direction::Ingress, &dst, &p.ingress),
        ] {
            let _ = writeln!(
                s,
                "  {} of {subject}: {}",
                dir.as_str().to_ascii_lowercase(),
                v.allowed
            );
            for st in &v.steps {
                let _ = writeln!(s, "    - {}", describe_step(c, resources, dir, subject, st));
            }
        }
    }
    s
}

/// The whole answer as JSON.
pub fn render_json(c: &Cluster, resources: &[&Resource], r: &Reach) -> serde_json::Value {
    let pairs: Vec<serde_json::Value> = r
        .pairs
        .iter()
        .map(|p| {
            let (src, dst) = (endpoint_name(c, &p.src), endpoint_name(c, &p.dst));
            let side = |dir: Direction, subject: &str, v: &DirVerdict| {
                serde_json::json!({
                    "allowed": v.allowed.to_string(),
                    "reasons": v.steps.iter().map(|st| describe_step(c, resources, dir, subject, st)).collect::<Vec<_>>(),
                })
            };
            serde_json::json!({
                "src": src,
                "dst": dst,
                "allowed": !p.allowed.is_empty(),
                "connections": p.allowed.to_string(),
                "egress": side(Direction::Egress, &src, &p.egress),
                "ingress": side(Direction::Ingress, &dst, &p.ingress),
            })
        })
        .collect();
    serde_json::json!({
        "port": r.port.map(|(p, n)| format!("{n}/{p}")),
        "allowed": r.allowed_everywhere(),
        "pairs": pairs,
    })
}
