//! `moat-core` owns the model every analyser and renderer shares: [`Severity`],
//! [`Finding`] and its [`ResourceRef`]/[`Location`], static [`CheckMeta`] and the
//! [`Registry`] of checks, the [`Report`] pieces ([`InputError`], [`Warning`],
//! [`Scanned`]), check selection ([`Selection`]) and waivers ([`waiver`]).
//!
//! It does no IO: loaders and analysers produce these types, renderers consume them.

mod check;
mod finding;
mod report;
mod select;
mod severity;
pub mod waiver;

pub use check::{CheckMeta, Registry};
pub use finding::{Finding, Location, ResourceRef, SpecificRule, Waived};
pub use report::{InputError, Report, Scanned, Summary, Warning};
pub use select::{Selection, SelectionError};
pub use severity::{ParseSeverityError, Severity};
