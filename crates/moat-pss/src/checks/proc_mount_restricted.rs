//! `procMount_restricted` (restricted, v1.35+): the default masked `/proc` is required,
//! even in a user namespace.
//!
//! From v1.35 the baseline `procMount` check relaxes for pods with `hostUsers: false`;
//! the restricted level keeps the unconditional rule by replacing `procMount` with this
//! check.
//!
//! Restricted fields: `spec.{initContainers,containers,ephemeralContainers}[*].securityContext.procMount`.
//! Allowed values: unset, `Default`.

use super::{Check, CheckId, VersionedCheck, proc_mount};
use crate::Level;

pub(super) const CHECK: Check = Check {
    id: CheckId::ProcMountRestricted,
    level: Level::Restricted,
    title: "The default /proc mask is required, even in a user namespace",
    description: "securityContext.procMount must be unset or Default, whatever spec.hostUsers \
                  says; replaces procMount at the restricted level from v1.35.",
    versions: &[VersionedCheck {
        since: 35,
        overrides: &[CheckId::ProcMount],
        change: "introduced; replaces procMount at the restricted level",
        eval: proc_mount::v1_0,
    }],
};
