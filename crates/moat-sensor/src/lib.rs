//! `moat-sensor`: the eBPF runtime sensor. It owns the kernel side (CO-RE programs in
//! `src/bpf/sensor.bpf.c`: system-call exit records for the calls the rules need, and
//! exec/fork/exit from the scheduler tracepoints, into a BPF ring buffer per CPU), the
//! loader and event loop (module `sensor`, feature `bpf`, Linux only), the merge of the
//! rings in time order ([`merge`]), and everything user space does
//! with a record: decoding ([`record`]), the process tree ([`proctree`]), container
//! attribution from cgroups ([`container`]), Falco's event types, arguments and fd
//! context ([`decode`], [`text`]) and the in-memory event the rule engine evaluates
//! ([`event`], implementing [`moat_runtime::eval::Event`]).
//!
//! Without the `bpf` feature the crate builds everywhere (no clang, no libbpf) and offers
//! the model and parsers; [`BPF_ENABLED`] says which build this is.

use std::collections::BTreeSet;

pub mod container;
pub mod decode;
pub mod event;
pub mod merge;
pub mod pathkeys;
pub mod proctree;
pub mod record;
#[cfg(all(feature = "bpf", target_os = "linux"))]
pub mod sensor;
pub mod syscalls;
pub mod text;
pub mod users;

use moat_runtime::pathneed::{PathNeed, PathSet, open_path_need};
use moat_runtime::{Engine, Source};

use crate::syscalls::{OPEN_TYPES, PROCESS_TYPES, SYSCALLS, Syscall};

/// Whether this build contains the eBPF sensor (feature `bpf` on Linux).
pub const BPF_ENABLED: bool = cfg!(all(feature = "bpf", target_os = "linux"));

/// An error of the sensor.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SensorError {
    /// A libbpf operation failed.
    #[error("cannot {what}: {message}")]
    Bpf {
        /// What was attempted.
        what: String,
        /// libbpf's error.
        message: String,
    },
    /// The embedded object lacks a map.
    #[error("the eBPF object has no map {0}")]
    MissingMap(&'static str),
}

/// Counters of a sensor run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Records read from the ring buffer.
    pub records: u64,
    /// Events handed to the engine.
    pub events: u64,
    /// Records that could not be decoded.
    pub bad_records: u64,
    /// Records the kernel dropped because the ring buffer was full.
    pub lost: u64,
}

/// What the kernel side records: the system calls (process events are always on, they
/// keep the process tree current).
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// System calls to record.
    pub syscalls: Vec<&'static Syscall>,
    /// Which opens (`open`, `openat`, `openat2`, `creat`) leave the kernel.
    pub open_filter: OpenFilter,
}

/// The in-kernel filter on opened paths: an open whose path is *plain* (absolute, without
/// `//`, `/.`, `..`, a trailing `/`, and shorter than 256 bytes) and matches none of the
/// patterns is dropped in the kernel, before anything is copied out; every other open
/// (relative, unusual, unreadable path) is recorded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum OpenFilter {
    /// Every open is recorded (every event is wanted, or no rules were analysed).
    #[default]
    Off,
    /// Some rule can match an open of any path: this one.
    AnyPath(String),
    /// Only these patterns (a union over the rules that read opens).
    Paths(PathSet),
}

impl OpenFilter {
    /// One line for the log: what the filter keeps.
    pub fn describe(&self) -> String {
        match self {
            OpenFilter::Off => "every open recorded".to_string(),
            OpenFilter::AnyPath(rule) => {
                format!("every open recorded (rule \"{rule}\" can match any path)")
            }
            OpenFilter::Paths(p) => format!(
                "opens filtered in the kernel to {} prefixes, {} names, {} suffixes (relative ones joined to their directory; unusual ones always recorded)",
                p.prefixes.len(),
                p.exact.len(),
                p.suffixes.len()
            ),
        }
    }
}

impl Plan {
    /// Every system call the sensor knows.
    pub fn all() -> Self {
        Self {
            syscalls: SYSCALLS.iter().collect(),
            open_filter: OpenFilter::Off,
        }
    }

    /// The system calls for these event types (unknown or process types ignored).
    pub fn for_types<'a>(types: impl IntoIterator<Item = &'a str>) -> Self {
        // No `chdir` for relative paths: the kernel sends the working directory with
        // exec records and with every record of a relative path.
        let want: BTreeSet<&str> = types.into_iter().collect();
        Self {
            syscalls: SYSCALLS.iter().filter(|s| want.contains(s.name)).collect(),
            open_filter: OpenFilter::Off,
        }
    }

    /// What the enabled `syscall` rules of `engine` can match: their event types from the
    /// engine's index; a rule without an event-type restriction needs everything.
    /// Opens are filtered in the kernel to the paths those rules can match
    /// ([`moat_runtime::pathneed`]).
    pub fn for_engine(engine: &Engine) -> Self {
        let mut types = BTreeSet::new();
        let mut paths = PathNeed::Some(PathSet::default());
        let mut any_path_rule = None;
        for r in engine
            .rules()
            .iter()
            .filter(|r| r.source == Source::Syscall)
        {
            let Some(t) = &r.evttypes else {
                return Self::all();
            };
            types.extend(t.iter().copied());
            for open in t.iter().filter(|t| OPEN_TYPES.contains(t)) {
                paths = paths.union(open_path_need(&r.cond, open));
                if paths == PathNeed::Any {
                    any_path_rule.get_or_insert_with(|| r.name.clone());
                }
            }
        }
        let mut plan = Self::for_types(types);
        plan.open_filter = match (paths, any_path_rule) {
            (PathNeed::Some(p), None) => OpenFilter::Paths(p),
            (_, rule) => OpenFilter::AnyPath(rule.unwrap_or_default()),
        };
        plan
    }

    /// Event types the sensor produces under this plan.
    pub fn event_types(&self) -> Vec<&'static str> {
        let mut v: Vec<&str> = PROCESS_TYPES
            .iter()
            .copied()
            .filter(|t| matches!(*t, "execve" | "clone" | "procexit"))
            .collect();
        v.extend(self.syscalls.iter().map(|s| s.name));
        v
    }
}

/// Nanoseconds to add to the kernel's boot clock to get the time since the epoch.
pub fn boot_offset_ns() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
    let up = std::fs::read_to_string("/proc/uptime")
        .ok()
        .and_then(|t| {
            t.split_whitespace()
                .next()
                .and_then(|s| s.parse::<f64>().ok())
        })
        .unwrap_or(0.0);
    #[allow(clippy::cast_possible_truncation)]
    let up_ns = (up * 1e9) as i64;
    now - up_ns
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_from_default_rules() {
        let rules = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/runtime-rules/falcosecurity-rules/falco_rules.yaml"
        );
        let compiled = moat_runtime::load_rules_files(&[rules]);
        let engine = Engine::new(&compiled, false).unwrap();
        let plan = Plan::for_engine(&engine);
        let names: Vec<&str> = plan.syscalls.iter().map(|s| s.name).collect();
        for t in ["openat", "connect", "ptrace", "init_module", "symlinkat"] {
            assert!(names.contains(&t), "{t} in {names:?}");
        }
        assert!(
            !names.contains(&"fchmod"),
            "no default rule reads fchmod: {names:?}"
        );
        assert!(
            !names.contains(&"chdir") && !names.contains(&"fchdir"),
            "the kernel sends working directories: {names:?}"
        );
        assert_eq!(Plan::for_types(["openat"]).syscalls.len(), 1);
        assert!(plan.event_types().contains(&"execve"));
        assert_eq!(Plan::for_types(["nothing"]).syscalls.len(), 0);
        assert_eq!(Plan::all().syscalls.len(), SYSCALLS.len());
    }
}
