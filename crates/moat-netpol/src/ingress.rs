//! Connectivity from the cluster's ingress controller: `Ingress` and `Route` objects expose
//! Services, Services select workloads, and the controller can reach those workloads on the
//! exposed target ports (TCP) — when the workloads' policies also admit it.

use std::collections::BTreeMap;

use crate::build::INGRESS_CONTROLLER;
use crate::eval::{Endpoint, Engine};
use crate::model::{PortTarget, Service, Workload};
use crate::ports::{ConnSet, Protocol};

/// The result of the ingress-controller analysis.
#[derive(Debug, Default)]
pub struct IngressReach {
    /// Per workload index: connections from the ingress controller (non-empty).
    pub allowed: BTreeMap<usize, ConnSet>,
    /// Human-readable warnings (missing services, blocked exposures).
    pub warnings: Vec<String>,
}

/// The synthetic ingress-controller workload, if the input has Ingress/Route objects.
pub fn controller(engine: &Engine<'_>) -> Option<usize> {
    engine
        .cluster
        .workloads
        .iter()
        .position(|w| w.synthetic && w.name == INGRESS_CONTROLLER)
}

fn selected<'a>(engine: &'a Engine<'_>, svc: &'a Service) -> impl Iterator<Item = usize> + 'a {
    engine
        .cluster
        .workloads
        .iter()
        .enumerate()
        .filter(move |(_, w)| {
            !w.synthetic
                && w.namespace == svc.namespace
                && svc
                    .selector
                    .as_ref()
                    .is_some_and(|sel| sel.iter().all(|(k, v)| w.labels.get(k) == Some(v)))
        })
        .map(|(i, _)| i)
}

/// Target ports of `svc` reached through a backend asking for `required` (all when `None`).
fn access_ports(svc: &Service, required: Option<&PortTarget>) -> Vec<PortTarget> {
    match required {
        None => svc.ports.iter().map(|p| p.target.clone()).collect(),
        Some(req) => svc
            .ports
            .iter()
            .find(|p| match req {
                PortTarget::Name(n) => p.name.as_deref() == Some(n.as_str()) || p.target == *req,
                PortTarget::Number(n) => p.port == *n || p.target == *req,
            })
            .map(|p| vec![p.target.clone()])
            .unwrap_or_default(),
    }
}

fn exposed(w: &Workload, targets: &[PortTarget]) -> ConnSet {
    let mut c = ConnSet::none();
    for t in targets {
        let port = match t {
            PortTarget::Number(n) => Some(*n),
            PortTarget::Name(name) => w
                .named_port(name, None)
                .filter(|(p, _)| *p == Protocol::Tcp)
                .map(|(_, n)| n),
        };
        // Only ports the pod declares are reachable through the service.
        if let Some(port) = port.filter(|p| w.ports.iter().any(|cp| cp.port == *p)) {
            c.add(Protocol::Tcp, port, port);
        }
    }
    c
}

/// Computes what the ingress controller can reach.
pub fn analyze(engine: &Engine<'_>) -> IngressReach {
    let mut out = IngressReach::default();
    let Some(ctrl) = controller(engine) else {
        return out;
    };
    let c = engine.cluster;
    let mut exposures: BTreeMap<usize, (ConnSet, String)> = BTreeMap::new();
    for b in &c.ingress_backends {
        let Some(svc) = c
            .services
            .iter()
            .find(|s| s.namespace == b.namespace && s.name == b.service)
        else {
            out.warnings.push(format!(
                "{} {}/{}: ignoring target service {}: service not found",
                b.kind, b.namespace, b.object, b.service
            ));
            continue;
        };
        if svc.selector.is_none() {
            out.warnings.push(format!(
                "Ignoring Service {}/{}: K8s Service without selectors is not supported",
                svc.namespace, svc.name
            ));
            continue;
        }
        let targets = access_ports(svc, b.port.as_ref());
        for w in selected(engine, svc) {
            let Some(wl) = c.workloads.get(w) else {
                continue;
            };
            let e = exposed(wl, &targets);
            let entry = exposures.entry(w).or_insert_with(|| {
                (
                    ConnSet::none(),
                    format!("{} {}/{}", b.kind, b.namespace, b.object),
                )
            });
            entry.0.union_with(&e);
        }
    }
    let src = Endpoint::Workload(ctrl);
    for (w, (conns, via)) in exposures {
        let allowed = conns.intersect(&engine.allowed(&src, &Endpoint::Workload(w)));
        if allowed.is_empty() {
            if let Some(wl) = c.workloads.get(w) {
                out.warnings.push(format!(
                    "{via} exposes {} but network policies block all of the exposed connections",
                    wl.id()
                ));
            }
            continue;
        }
        out.allowed.insert(w, allowed);
    }
    out
}
