//! Cross-object checks. A scan streams resources and never holds them all; a check that
//! needs several objects (a PodDisruptionBudget covering a Deployment, a NetworkPolicy
//! selecting pods, a RoleBinding granting a ServiceAccount) extracts a compact *fact* from
//! each resource it cares about while files are checked in parallel, and concludes once
//! every file has been read.

use std::any::Any;

use moat_core::{CheckMeta, Finding};

use crate::Resource;

/// A fact extracted from one resource; only the check that made it reads it.
pub type Fact = Box<dyn Any + Send>;

/// A check over the whole scanned set.
pub trait InventoryCheck: Sync + Send {
    /// The check IDs it may report.
    fn checks(&self) -> Vec<&'static CheckMeta>;

    /// Extracts what it needs from one resource (called in parallel, any order).
    fn observe(&self, res: &Resource) -> Option<Fact>;

    /// Concludes over all facts, in input order, handing each finding to `emit` as soon as
    /// it is made (nothing is collected, so memory does not grow with the findings),
    /// with the line where its resource starts. Findings carry their own resource and
    /// location, and a resource's findings are emitted together; waivers are applied by
    /// the caller.
    fn conclude(&self, facts: Vec<Fact>, emit: &mut dyn FnMut(Finding, u32));

    /// [`InventoryCheck::conclude`] into a vector (for tests and small inputs).
    fn conclude_all(&self, facts: Vec<Fact>) -> Vec<Finding> {
        let mut out = Vec::new();
        self.conclude(facts, &mut |f, _| out.push(f));
        out
    }
}
