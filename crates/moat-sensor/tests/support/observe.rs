//! The live sensor for tests: attach, run some work, collect every event with the fields
//! the assertions read and the alerts the rules raised. Needs root and BTF
//! ([`skip_reason`]).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use moat_runtime::eval::Event;
use moat_runtime::{Engine, Source};
use moat_sensor::Plan;
use moat_sensor::event::EventView;
use moat_sensor::sensor::{Options, Sensor};

/// Why the sensor cannot run here, if it cannot.
pub fn skip_reason() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let root = status
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .is_some_and(|l| l.split_whitespace().nth(2) == Some("0"));
    if !root {
        return Some("not root (the sensor needs CAP_BPF and CAP_PERFMON)".into());
    }
    if !std::path::Path::new("/sys/kernel/btf/vmlinux").exists() {
        return Some("the kernel has no BTF (/sys/kernel/btf/vmlinux)".into());
    }
    None
}

/// What a test keeps of one event: type, pid, selected field values, alerts.
#[derive(Clone, Debug, Default)]
pub struct Seen {
    /// `evt.type`.
    pub evt_type: String,
    /// `proc.pid`.
    pub pid: u32,
    /// The values of [`FIELDS`].
    pub fields: Vec<(&'static str, String)>,
    /// Rules that alerted on the event.
    pub alerts: Vec<String>,
}

impl Seen {
    /// The value of one of [`FIELDS`] (empty when absent).
    pub fn get(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// The fields every seen event keeps.
pub const FIELDS: &[&str] = &[
    "proc.name",
    "proc.cmdline",
    "proc.exe",
    "proc.args",
    "proc.pname",
    "proc.ppid",
    "proc.exepath",
    "proc.aname[2]",
    "user.uid",
    "user.name",
    "container.id",
    "fd.name",
    "fd.typechar",
    "fd.sip",
    "fd.sport",
    "fd.l4proto",
    "evt.is_open_read",
    "evt.arg.flags",
    "evt.arg.request",
    "evt.arg.mode",
    "evt.arg.filename",
    "evt.res",
    "thread.cap_effective",
    "proc.cwd",
    "evt.rawtime",
];

fn value(view: &EventView<'_>, name: &str) -> String {
    let (n, arg) = match name.split_once('[') {
        Some((n, a)) => (n, Some(a.trim_end_matches(']'))),
        None => (name, None),
    };
    let field = Source::Syscall.resolve(n, arg).unwrap();
    let mut out = Vec::new();
    view.visit(&field, &mut |v| {
        out.push(v.to_text().into_owned());
        false
    });
    out.join(",")
}

pub fn default_engine() -> Engine {
    engine(&["falco_rules.yaml"])
}

/// An engine with rules files of `../shared/runtime-rules/falcosecurity-rules/`, in order.
pub fn engine(files: &[&str]) -> Engine {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/runtime-rules/falcosecurity-rules");
    let paths: Vec<_> = files.iter().map(|f| dir.join(f)).collect();
    Engine::new(&moat_runtime::load_rules_files(&paths), false).unwrap()
}

/// Attaches the sensor with `plan`, runs `work`, waits for the events to drain, detaches,
/// and returns what was seen, each event evaluated by `engine`.
pub fn observe(plan: &Plan, engine: Engine, work: impl FnOnce()) -> Vec<Seen> {
    let stop = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (ready_tx, ready_rx) = mpsc::channel();
    let plan = plan.clone();
    let worker = {
        let stop = Arc::clone(&stop);
        let seen = Arc::clone(&seen);
        std::thread::spawn(move || {
            let mut scratch = engine.scratch();
            let mut sensor = Sensor::start(&plan, Options::default()).unwrap();
            ready_tx.send(()).unwrap();
            let stats = sensor
                .run(
                    &stop,
                    &mut |view| {
                        let mut s = Seen {
                            evt_type: view.ev.evt_type.to_string(),
                            pid: view.ev.pid,
                            fields: FIELDS.iter().map(|f| (*f, value(view, f))).collect(),
                            alerts: Vec::new(),
                        };
                        engine.process(Source::Syscall, view, 0, &mut scratch, &mut |a| {
                            s.alerts.push(a.rule);
                        });
                        seen.lock().unwrap().push(s);
                    },
                    &mut |_| {},
                )
                .unwrap();
            assert_eq!(stats.bad_records, 0);
            stats
        })
    };
    ready_rx.recv_timeout(Duration::from_secs(60)).unwrap();
    work();
    std::thread::sleep(Duration::from_millis(500));
    stop.store(true, Ordering::Relaxed);
    let stats = worker.join().unwrap();
    assert!(stats.events > 0);
    Arc::try_unwrap(seen).unwrap().into_inner().unwrap()
}
