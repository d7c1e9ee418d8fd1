//! The connectivity matrix: every ordered pair of endpoints (workloads and external address
//! ranges) with the connections allowed between them, computed in parallel.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::eval::{Endpoint, Engine};
use crate::ipnet::{IpRange, IpSet, partition};
use crate::model::{AdminPeer, Cluster, Peer};
use crate::ports::ConnSet;

/// How external endpoints are chosen.
#[derive(Clone, Debug)]
pub struct Externals {
    /// The external address space (default: all of IPv4).
    pub space: IpSet,
    /// Extra cut points (user-named CIDRs), on top of the policies' ipBlocks.
    pub extra: Vec<IpSet>,
}

impl Default for Externals {
    fn default() -> Self {
        Externals {
            space: IpSet::all_v4(),
            extra: Vec::new(),
        }
    }
}

/// The address sets the policies mention, per side: sources (ingress `from` ipBlocks) and
/// destinations (egress `to` ipBlocks and admin `networks`).
pub fn referenced_blocks(c: &Cluster) -> (Vec<&IpSet>, Vec<&IpSet>) {
    let mut src = Vec::new();
    let mut dst = Vec::new();
    for p in &c.policies {
        for (rules, out) in [(&p.ingress, &mut src), (&p.egress, &mut dst)] {
            for r in rules {
                for peer in r.peers.iter().flatten() {
                    if let Peer::IpBlock { set, .. } = peer {
                        out.push(&**set);
                    }
                }
            }
        }
    }
    for a in c.admin.iter().chain(&c.baseline) {
        for r in &a.egress {
            for peer in &r.peers {
                if let AdminPeer::Networks(set) = peer {
                    dst.push(set);
                }
            }
        }
    }
    (src, dst)
}

impl Externals {
    /// External ranges used as sources and as destinations.
    pub fn ranges(&self, c: &Cluster) -> (Vec<IpRange>, Vec<IpRange>) {
        let (mut src, mut dst) = referenced_blocks(c);
        src.extend(self.extra.iter());
        dst.extend(self.extra.iter());
        (partition(&self.space, &src), partition(&self.space, &dst))
    }
}

/// One computed row: `(target, local conn id)` pairs and the row's distinct conn sets.
type RowResult = (Vec<(u32, u32)>, Vec<ConnSet>);

/// All allowed connections between endpoints.
#[derive(Clone, Debug)]
pub struct Matrix {
    /// Source endpoints: external ranges, then workloads.
    pub sources: Vec<Endpoint>,
    /// Destination endpoints: external ranges, then workloads.
    pub targets: Vec<Endpoint>,
    /// Per source: `(target index, index into conns)` for every pair with a non-empty
    /// connection set. Pairs of a workload with itself and external-to-external are omitted.
    pub rows: Vec<Vec<(u32, u32)>>,
    /// Distinct connection sets.
    pub conns: Vec<ConnSet>,
}

impl Matrix {
    /// Computes the matrix (rows in parallel).
    pub fn compute(engine: &Engine<'_>, externals: &Externals) -> Self {
        let c = engine.cluster;
        let (ext_src, ext_dst) = externals.ranges(c);
        let workloads: Vec<Endpoint> = c
            .workloads
            .iter()
            .enumerate()
            .filter(|(_, w)| !w.synthetic)
            .map(|(i, _)| Endpoint::Workload(i))
            .collect();
        let sources: Vec<Endpoint> = ext_src
            .into_iter()
            .map(Endpoint::External)
            .chain(workloads.iter().copied())
            .collect();
        let targets: Vec<Endpoint> = ext_dst
            .into_iter()
            .map(Endpoint::External)
            .chain(workloads.iter().copied())
            .collect();
        let rows_local: Vec<RowResult> = sources
            .par_iter()
            .map(|src| {
                let mut local: HashMap<ConnSet, u32> = HashMap::new();
                let mut table = Vec::new();
                let mut row = Vec::new();
                for (ti, dst) in targets.iter().enumerate() {
                    if src == dst
                        || matches!((src, dst), (Endpoint::External(_), Endpoint::External(_)))
                    {
                        continue;
                    }
                    let conn = engine.allowed(src, dst);
                    if conn.is_empty() {
                        continue;
                    }
                    let id = if let Some(id) = local.get(&conn) {
                        *id
                    } else {
                        let id = u32::try_from(table.len()).unwrap_or(u32::MAX);
                        table.push(conn.clone());
                        local.insert(conn, id);
                        id
                    };
                    row.push((u32::try_from(ti).unwrap_or(u32::MAX), id));
                }
                (row, table)
            })
            .collect();
        // Merge the per-row tables into one.
        let mut global: HashMap<ConnSet, u32> = HashMap::new();
        let mut conns = Vec::new();
        let mut rows = Vec::with_capacity(rows_local.len());
        for (mut row, table) in rows_local {
            let map: Vec<u32> = table
                .into_iter()
                .map(|cs| {
                    if let Some(id) = global.get(&cs) {
                        *id
                    } else {
                        let id = u32::try_from(conns.len()).unwrap_or(u32::MAX);
                        conns.push(cs.clone());
                        global.insert(cs, id);
                        id
                    }
                })
                .collect();
            for e in &mut row {
                e.1 = map.get(e.1 as usize).copied().unwrap_or(0);
            }
            rows.push(row);
        }
        Matrix {
            sources,
            targets,
            rows,
            conns,
        }
    }

    /// Every allowed pair: `(source, target, connections)`.
    pub fn pairs(&self) -> impl Iterator<Item = (&Endpoint, &Endpoint, &ConnSet)> {
        self.sources
            .iter()
            .zip(&self.rows)
            .flat_map(move |(s, row)| {
                row.iter().filter_map(move |&(t, c)| {
                    Some((
                        s,
                        self.targets.get(t as usize)?,
                        self.conns.get(c as usize)?,
                    ))
                })
            })
    }

    /// Number of allowed pairs.
    pub fn len(&self) -> usize {
        self.rows.iter().map(Vec::len).sum()
    }

    /// Whether no pair is allowed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
