//! `moat-checks` owns the workload misconfiguration checks. Each check is one file in
//! [`checks`] implementing [`Check`]: static metadata plus hooks that see a resource, its
//! pod spec, or each container. [`Checker`] runs the enabled checks on a resource and
//! turns what they report into located findings. Checks that judge a resource against other
//! objects of the scanned set (e.g. PodDisruptionBudget coverage) read a [`Context`]
//! collected before the scan.

pub mod checks;
pub mod context;
mod engine;
pub mod util;

pub use context::Context;
pub use engine::{Check, Checker, Emit, Family, Raw, Scope, Settings, locate};

use moat_core::{CheckMeta, Registry};

/// Every per-resource check of this crate, in ID order.
pub fn all() -> Vec<&'static dyn Check> {
    let mut v: Vec<&'static dyn Check> = checks::ALL.to_vec();
    v.extend_from_slice(checks::control_plane::ALL);
    v.sort_by_key(|c| c.meta().id);
    v
}

/// Check families of this crate (several IDs from one evaluation).
pub fn families() -> Vec<&'static dyn Family> {
    vec![&checks::pss::PSS]
}

/// Metadata of every check of this crate.
pub fn registry() -> Registry {
    let mut metas: Vec<&'static CheckMeta> = all().iter().map(|c| c.meta()).collect();
    metas.extend(families().iter().flat_map(|f| f.metas()));
    Registry::new(metas)
}

/// Convenience: metadata by ID or name.
pub fn meta(id: &str) -> Option<&'static CheckMeta> {
    registry().get(id)
}
