//! `moat-secrets` finds credentials in file contents: the rules `MOAT-700`…`MOAT-716`
//! ([`rules`]), a one-pass Aho-Corasick prefilter over anchors (token prefixes, PEM
//! markers, secret-like key words) with precise verifiers run only around each anchor
//! ([`Scanner`]), the skip heuristics for binaries, lockfiles and huge files
//! ([`Scanner::skip_reason`]), and redaction ([`Secret::redacted`]: the first four
//! characters, then `*`).
//!
//! It does no IO: callers (`moat secrets`, `moat scan`, the image reader) hand it a path
//! and bytes and get [`Secret`]s with line and column. A secret's raw value never leaves
//! the crate.

#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

mod detect;
pub mod rules;
mod scanner;
mod settings;
mod text;

pub use scanner::{Scanner, Secret};
pub use settings::{
    DEFAULT_ENTROPY, DEFAULT_MAX_FILE_SIZE, SNIFF_LEN, Settings, SettingsError, Skip,
};
pub use text::{base64_decode, redact};

use moat_core::{CheckMeta, Registry};

/// Metadata of every secret rule, in ID order.
pub fn metas() -> Vec<&'static CheckMeta> {
    rules::ALL.to_vec()
}

/// The secret rules as a registry.
pub fn registry() -> Registry {
    Registry::new(metas())
}
