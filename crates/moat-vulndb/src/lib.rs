//! The local vulnerability database: OSV records imported from files, archives and feeds
//! into one compact indexed file, and advisory lookup by ecosystem and package.
//!
//! - [`model`]: the record model (the OSV fields needed for matching and reporting).
//! - [`eval`]: OSV affected-version semantics, generic over a version comparator
//!   ([`Affected::affects`]).
//! - [`osv`], [`convert`]: readers for OSV JSON/YAML and converters for the Debian
//!   security-tracker lists, Alpine secdb and rubysec advisories.
//! - [`import()`]: files, directories and zip archives into the database, incrementally
//!   and atomically.
//! - [`Database`]: the on-disk index (see [`store`] for the layout); lookups by
//!   (ecosystem, package) and by ID or alias read only what they need.
//!
//! The crate does no network I/O and never prints.

pub mod convert;
pub mod error;
pub mod eval;
pub mod import;
pub mod model;
pub mod names;
pub mod osv;
pub mod store;
mod yaml;

use std::path::PathBuf;

pub use error::{Error, FileError};
pub use eval::{Reason, Verdict};
pub use import::{ImportOptions, ImportStats, Progress, import, verify_archive};
pub use model::{Affected, Event, Package, Range, RangeKind, Record, Reference, Severity};
pub use store::{Database, Decoded, EcosystemStats, Meta, SCHEMA_VERSION};

/// The default database path: `$XDG_CACHE_HOME/moat/vuln.db`, else
/// `$HOME/.cache/moat/vuln.db`; `None` when neither variable is set.
pub fn default_db_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".cache"))
        })?;
    Some(base.join("moat").join("vuln.db"))
}
