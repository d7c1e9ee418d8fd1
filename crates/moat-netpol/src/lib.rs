//! `moat-netpol` owns NetworkPolicy analysis: the exact semantics of
//! `networking.k8s.io/v1` NetworkPolicy and of `policy.networking.k8s.io/v1alpha1`
//! `AdminNetworkPolicy` / `BaselineAdminNetworkPolicy`, applied to the workloads and namespaces
//! of a set of manifests.
//!
//! - [`mod@build`] turns loaded resources into a [`model::Cluster`] (workloads by pod template
//!   labels and container ports, namespaces by labels including the automatic
//!   `kubernetes.io/metadata.name`), validating policies with located errors.
//! - [`eval`] decides, for one direction of one connection, which protocol/port sets are
//!   allowed and which policy rules decided it (ANP → NetworkPolicy → BANP → default).
//! - [`matrix`] computes the full connectivity matrix among workloads and external address
//!   ranges symbolically (port sets and CIDR sets, never by enumeration).
//! - [`reach`] answers one `--from`/`--to` query with an explanation.
//! - [`connlist`] lists connections and renders them (text, JSON, CSV, Markdown, DOT);
//!   [`ingress`] adds what Ingress/Route objects expose to the ingress controller.
//! - [`exposure`] adds the potential peers (`entire-cluster`, `[namespace with {k=v}]/[all pods]`,
//!   ...) that policies admit but that are not in the input (netpol-analyzer `--exposure`).
//! - [`coverage`] reports missing default-deny, unselected workloads, over-broad rules and
//!   other findings as [`moat_core::Finding`]s with [`moat_core::CheckMeta`].
//! - [`inventory`] runs the coverage findings inside `moat scan` ([`inventory::COVERAGE`]),
//!   keeping a compact fact per workload instead of the resources.
//!
//! The crate is IO-free: it reads nothing, prints nothing and spawns no runtime.
#![deny(clippy::indexing_slicing)]

pub mod build;
pub mod connlist;
pub mod coverage;
pub mod eval;
pub mod exposure;
pub mod ingress;
pub mod input;
pub mod intervals;
pub mod inventory;
pub mod ipnet;
pub mod matrix;
pub mod model;
pub mod ports;
pub mod reach;
pub mod selector;

pub use build::{Built, build};
pub use eval::{Direction, Endpoint, Engine, Step};
pub use matrix::{Externals, Matrix};
pub use ports::{ConnSet, Protocol};
