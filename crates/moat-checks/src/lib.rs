//! `moat-checks` owns the workload misconfiguration checks. Each check is one file in
//! [`checks`] implementing [`Check`]: static metadata plus hooks that see a resource, its
//! pod spec, or each container. [`Checker`] runs the enabled checks on a resource and
//! turns what they report into located [`Finding`]s.

pub mod checks;
mod engine;
pub mod util;

pub use engine::{Check, Checker, Emit, Raw, Scope, Settings, locate};

use moat_core::{CheckMeta, Registry};

/// Every check of this crate, in ID order.
pub fn all() -> Vec<&'static dyn Check> {
    checks::ALL.to_vec()
}

/// Metadata of every check of this crate.
pub fn registry() -> Registry {
    Registry::new(checks::ALL.iter().map(|c| c.meta()).collect())
}

/// Convenience: metadata by ID or name.
pub fn meta(id: &str) -> Option<&'static CheckMeta> {
    checks::ALL
        .iter()
        .map(|c| c.meta())
        .find(|m| m.id == id || m.name == id)
}
