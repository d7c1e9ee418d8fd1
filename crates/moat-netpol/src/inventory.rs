//! The coverage findings ([`crate::coverage`]) as a cross-object check of `moat scan`.
//!
//! A scan streams files and never holds every resource, so [`NetpolCoverage`] keeps per
//! resource only what the coverage analysis reads:
//!
//! - `Namespace`, `AdminNetworkPolicy` and `BaselineAdminNetworkPolicy` objects (few) whole;
//! - each NetworkPolicy parsed into its model form (invalid ones are dropped, as the builder
//!   would drop them), with the positions of the fields findings point at;
//! - each workload object (Pod, Deployment, …; there may be hundreds of thousands) as a
//!   compact record: identity, workload namespace/name/kind, pod template labels, container
//!   ports, file and three positions, its strings interned as 32-bit symbols (about 300 bytes
//!   for a workload with six labels and one port, its share of the strings included). No
//!   tree, no annotations.
//!
//! [`InventoryCheck::conclude`] feeds these to [`build_inputs`] in input order and emits
//! exactly the findings [`crate::coverage::findings`] reports for the whole resources.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use moat_core::{CheckMeta, Finding};
use moat_manifest::inventory::{Fact, InventoryCheck};
use moat_manifest::{PodSpecView, Pos, Resource};

use crate::build::{Input, Origin, WorkloadParts, build_inputs, parse_network_policy};
use crate::coverage::{self, WORKLOAD_NAMESPACE_PATH, labels_path};
use crate::model::{ContainerPort, NetworkPolicy};
use crate::ports::Protocol;

/// NetworkPolicy coverage (MOAT-300..309) over a whole scan.
pub struct NetpolCoverage;

/// The coverage check for `moat scan`.
pub static COVERAGE: NetpolCoverage = NetpolCoverage;

/// Interned strings shared by the workload facts alive at one time.
#[derive(Default)]
struct Table {
    ids: HashMap<Arc<str>, u32>,
    strs: Vec<Arc<str>>,
}

/// Symbol of an absent string.
const NONE: u32 = u32::MAX;

impl Table {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(id) = self.ids.get(s) {
            return *id;
        }
        let id = u32::try_from(self.strs.len()).unwrap_or(NONE);
        if id == NONE {
            return NONE;
        }
        let s: Arc<str> = s.into();
        self.strs.push(Arc::clone(&s));
        self.ids.insert(s, id);
        id
    }

    fn opt(&mut self, s: Option<&str>) -> u32 {
        s.map_or(NONE, |s| self.id(s))
    }

    fn arc(&self, id: u32) -> Option<Arc<str>> {
        self.strs.get(id as usize).cloned()
    }

    fn shared(&self, id: u32) -> Arc<str> {
        self.arc(id).unwrap_or_else(|| Arc::from(""))
    }

    fn string(&self, id: u32) -> String {
        self.strs
            .get(id as usize)
            .map_or_else(String::new, ToString::to_string)
    }
}

/// The table of the facts currently alive; a new one once they are all gone.
static CURRENT: Mutex<Weak<Mutex<Table>>> = Mutex::new(Weak::new());

fn current_table() -> Arc<Mutex<Table>> {
    let mut cur = CURRENT.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(t) = cur.upgrade() {
        return t;
    }
    let t = Arc::new(Mutex::new(Table::default()));
    *cur = Arc::downgrade(&t);
    t
}

fn lock(t: &Mutex<Table>) -> MutexGuard<'_, Table> {
    t.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A whole `Namespace`, `AdminNetworkPolicy` or `BaselineAdminNetworkPolicy`.
struct WholeFact(Resource);

/// A valid NetworkPolicy in model form.
struct PolicyFact {
    policy: Box<NetworkPolicy>,
    origin: Box<Origin>,
    /// Keeps the table its strings were interned in (shared with later facts) alive.
    _table: Arc<Mutex<Table>>,
}

/// A workload object, compactly.
struct WorkloadFact {
    table: Arc<Mutex<Table>>,
    file: Arc<str>,
    /// `apiVersion`, `kind`, `metadata.namespace`, `metadata.name` of the object.
    rref: [u32; 4],
    /// Namespace, name, kind of the workload (the controller's for owned Pods), own name.
    workload: [u32; 4],
    labels: Box<[(u32, u32)]>,
    ports: Box<[(u32, u16, Protocol)]>,
    template_path: &'static str,
    /// The object, its `metadata.namespace`, its pod template labels.
    pos: [Pos; 3],
    /// The paths of the last two.
    paths: [u32; 2],
}

impl WorkloadFact {
    fn new(res: &Resource, parts: &WorkloadParts) -> Self {
        let table = current_table();
        let template_path = PodSpecView::of(res).map_or("", |p| p.template_path);
        let labels_path = labels_path(template_path);
        let pos = [
            res.node.pos,
            res.pos_of(WORKLOAD_NAMESPACE_PATH),
            res.pos_of(&labels_path),
        ];
        let mut t = lock(&table);
        let paths = [t.id(WORKLOAD_NAMESPACE_PATH), t.id(&labels_path)];
        let rref = [
            t.id(&res.rref.api_version),
            t.id(&res.rref.kind),
            t.opt(res.rref.namespace.as_deref()),
            t.opt(res.rref.name.as_deref()),
        ];
        let workload = [
            t.id(&parts.namespace),
            t.id(&parts.name),
            t.id(&parts.kind),
            t.id(&parts.own_name),
        ];
        let labels = parts
            .labels
            .iter()
            .map(|(k, v)| (t.id(k), t.id(v)))
            .collect();
        let ports = parts
            .ports
            .iter()
            .map(|p| (t.opt(p.name.as_deref()), p.port, p.protocol))
            .collect();
        drop(t);
        WorkloadFact {
            table,
            file: Arc::clone(&res.file),
            rref,
            workload,
            labels,
            ports,
            template_path,
            pos,
            paths,
        }
    }

    /// Back to builder input.
    fn input(self) -> Input<'static> {
        let t = lock(&self.table);
        let [api_version, kind, namespace, name] = self.rref;
        let [ns, wname, wkind, own] = self.workload;
        let parts = WorkloadParts {
            namespace: t.string(ns),
            name: t.string(wname),
            kind: t.string(wkind),
            own_name: t.string(own),
            labels: self
                .labels
                .iter()
                .map(|(k, v)| (t.shared(*k), t.shared(*v)))
                .collect(),
            ports: self
                .ports
                .iter()
                .map(|(name, port, protocol)| ContainerPort {
                    name: t.arc(*name).map(|s| s.to_string()),
                    port: *port,
                    protocol: *protocol,
                })
                .collect(),
        };
        let [pos, ns_pos, labels_pos] = self.pos;
        let origin = Origin {
            file: self.file,
            api_version: t.shared(api_version),
            kind: t.shared(kind),
            namespace: t.arc(namespace),
            name: t.arc(name),
            pos,
            template_path: self.template_path,
            fields: Box::new([
                (t.shared(self.paths[0]), ns_pos),
                (t.shared(self.paths[1]), labels_pos),
            ]),
        };
        Input::Workload(parts, Box::new(origin))
    }
}

fn policy_fact(res: &Resource) -> Option<PolicyFact> {
    let policy = parse_network_policy(res)?;
    let table = current_table();
    let mut t = lock(&table);
    let mut intern = |s: &str| {
        let id = t.id(s);
        t.arc(id).unwrap_or_else(|| Arc::from(s))
    };
    let mut origin = Origin::of(res, &mut intern);
    let paths: Vec<Arc<str>> = coverage::policy_paths(&policy)
        .iter()
        .map(|p| intern(p))
        .collect();
    drop(t);
    origin.record(res, paths);
    Some(PolicyFact {
        policy: Box::new(policy),
        origin: Box::new(origin),
        _table: table,
    })
}

/// What conclude reads, in input order.
enum Item {
    Whole(usize),
    Policy(Box<PolicyFact>),
    Workload(Box<WorkloadFact>),
}

impl InventoryCheck for NetpolCoverage {
    fn checks(&self) -> Vec<&'static CheckMeta> {
        coverage::CHECKS.to_vec()
    }

    fn observe(&self, res: &Resource) -> Option<Fact> {
        match res.rref.kind.as_str() {
            "Namespace" | "AdminNetworkPolicy" | "BaselineAdminNetworkPolicy" => {
                Some(Box::new(WholeFact(Resource {
                    file: Arc::clone(&res.file),
                    doc: res.doc,
                    item: res.item,
                    rref: res.rref.clone(),
                    node: res.node.clone(),
                })))
            }
            "NetworkPolicy" => policy_fact(res).map(|f| Box::new(f) as Fact),
            // Not read by the coverage analysis.
            "Service" | "Ingress" | "Route" => None,
            _ => {
                let parts = crate::build::workload_parts(res)?;
                Some(Box::new(WorkloadFact::new(res, &parts)))
            }
        }
    }

    fn conclude(&self, facts: Vec<Fact>, emit: &mut dyn FnMut(Finding, u32)) {
        let mut whole: Vec<Resource> = Vec::new();
        let mut items = Vec::with_capacity(facts.len());
        for f in facts {
            let f = match f.downcast::<WorkloadFact>() {
                Ok(w) => {
                    items.push(Item::Workload(w));
                    continue;
                }
                Err(f) => f,
            };
            let f = match f.downcast::<PolicyFact>() {
                Ok(p) => {
                    items.push(Item::Policy(p));
                    continue;
                }
                Err(f) => f,
            };
            if let Ok(r) = f.downcast::<WholeFact>() {
                items.push(Item::Whole(whole.len()));
                whole.push(r.0);
            }
        }
        if items.is_empty() {
            return;
        }
        let inputs = items.into_iter().filter_map(|item| match item {
            Item::Whole(i) => whole.get(i).map(Input::Resource),
            Item::Policy(p) => {
                let PolicyFact { policy, origin, .. } = *p;
                Some(Input::Policy(policy, origin))
            }
            Item::Workload(w) => Some(w.input()),
        });
        coverage::emit_from(build_inputs(inputs), emit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workload_fact_stays_small() {
        assert!(
            std::mem::size_of::<WorkloadFact>() <= 136,
            "{}",
            std::mem::size_of::<WorkloadFact>()
        );
    }
}
