//! `moat-runtime`: the Falco-compatible rule language. It loads rules files (`rule`,
//! `macro`, `list`, `append`/`override`, exceptions, several files overriding each other)
//! with located errors and warnings ([`loader`]), parses conditions ([`parser`]), compiles
//! them once into an evaluable form with resolved, typed fields, list sets, prefix sets
//! and an event-type index ([`mod@compile`]), and evaluates them against event sources
//! ([`engine`]): the `k8s_audit` source ([`k8s`], audit-log lines, [`follow`] for growing
//! logs; rules indexed by verb, [`valueset`]) and the `syscall` source ([`syscall`],
//! recorded events keyed by field name, rules indexed by event type; IP fields compared as
//! networks, [`cidr`]). Event lines are split by a validating, non-allocating JSON scanner
//! ([`rawjson`]); a stream can be evaluated on several threads in input order
//! ([`parallel`]).

pub mod ast;
mod b64;
pub mod cidr;
pub mod compile;
pub mod diag;
pub mod engine;
pub mod eval;
pub mod evttype;
pub mod fields;
pub mod follow;
mod json;
pub mod k8s;
pub mod loader;
pub mod output;
pub mod parallel;
pub mod parser;
pub mod pathneed;
pub mod program;
pub mod rawjson;
pub mod rule;
pub mod syscall;
pub mod valueset;

pub use compile::{Compiled, CompiledRule, compile};
pub use diag::{Diagnostic, Level};
pub use engine::{
    Alert, AuditStats, BadLine, Engine, RulesError, StreamScratch, load_rules_files, run_audit,
    run_stream,
};
pub use fields::Source;
pub use loader::RuleSet;
pub use parallel::run_stream_parallel;
pub use rule::Priority;
