//! `moat-dockerfile` owns Dockerfiles: a parser for the full BuildKit syntax ([`mod@parse`]:
//! parser directives, the escape character, line continuations with comments inside,
//! heredocs, exec and shell forms, flags, `ONBUILD`), a small shell lexer that splits
//! `RUN` into commands ([`shell`]), variable expansion and build-stage scoping
//! ([`expand`], [`model`]), and the hardening rules `MOAT-600`… ([`rules`]) run by a
//! [`Linter`]. Inline waivers are `# moat:ignore=ID[,ID] reason` comments ([`waivers`]).
//!
//! It does no IO: callers hand it bytes and get a tree, findings and located errors.

#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

pub mod ast;
pub mod expand;
pub mod model;
pub mod parse;
pub mod rule;
pub mod rules;
pub mod shell;
pub mod source;
pub mod waivers;
mod words;

pub use ast::{Body, CmdLine, Dockerfile, Instruction, Keyword, ParseError, Pos, Word};
pub use parse::{parse, parse_bytes};
pub use rule::{At, Context, Emit, Hit, Linter, Rule, Settings};

use moat_core::{CheckMeta, Finding, Location, Registry, ResourceRef};

/// Resource kind used in findings about a Dockerfile.
pub const KIND: &str = "Dockerfile";

/// Metadata of every Dockerfile rule.
pub fn registry() -> Registry {
    Registry::new(rules::ALL.iter().map(|r| r.meta()).collect())
}

/// Metadata of every Dockerfile rule, in ID order.
pub fn metas() -> Vec<&'static CheckMeta> {
    let mut v: Vec<&'static CheckMeta> = rules::ALL.iter().map(|r| r.meta()).collect();
    v.sort_by_key(|m| m.id);
    v
}

/// The resource a Dockerfile's findings are about: kind `Dockerfile`, name = the file.
pub fn resource(file: &str) -> ResourceRef {
    ResourceRef {
        api_version: String::new(),
        kind: KIND.to_owned(),
        namespace: None,
        name: Some(file.to_owned()),
    }
}

/// Turns a rule hit into a [`Finding`] located in `file`.
pub fn finding(file: &str, hit: Hit) -> Finding {
    let mut f = Finding::from_meta(hit.meta, hit.message);
    f.resource = resource(file);
    f.location = Location {
        file: file.to_owned(),
        line: hit.pos.line,
        column: hit.pos.column,
        path: hit.stage.map(|s| format!("stage {s}")).unwrap_or_default(),
    };
    f
}
