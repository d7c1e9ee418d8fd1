//! `moat sensor run` (the eBPF sensor feeding the rule engine) and `moat sensor check`
//! (what the kernel offers): wiring over `moat-sensor`, with the rules, sinks and exit
//! codes of `moat audit`. Built without the `sensor` feature, both explain how to enable it.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use crate::runtime_cmd::OutFormat;

pub const RUN_EXAMPLES: &str = "\
Examples:
  moat sensor run --rules falco_rules.yaml                      alerts on stdout until Ctrl-C
  moat sensor run -r falco_rules.yaml -f json -o /var/log/moat/alerts.json
  moat sensor run -r falco_rules.yaml --webhook https://siem.example/falco --rate-limit 5
  moat sensor run --dry-run                                     print every event, no rules
  moat sensor run -r rules.yaml --dry-run --duration 10         events the rules need, 10 s

Needs root (or CAP_BPF, CAP_PERFMON, CAP_SYS_RESOURCE and CAP_SYS_PTRACE) and a kernel
with BTF (5.8+). Only the system calls the rules' event types need are recorded. Nothing
is pinned: when moat exits, even on SIGKILL, every probe is gone. On SIGINT/SIGTERM the
sensor detaches and prints its counters (events, alerts, lost) on stderr.

Exit codes: 0 no alert at or above --fail-on (default never); 1 alerts at or above
--fail-on; 2 usage error, rules with errors (unless --skip-invalid-rules), or the kernel
refused the programs (see `moat sensor check`).";

pub const CHECK_EXAMPLES: &str = "\
Examples:
  moat sensor check        BTF, ring buffer, and whether every program passes the verifier

Exit codes: 0 the sensor can run here; 2 something it needs is missing.";

#[derive(Subcommand, Debug)]
pub enum SensorCommand {
    /// Attach the eBPF sensor and evaluate Falco `syscall` rules on live kernel events.
    ///
    /// Exec, fork and exit come from scheduler tracepoints; opens, connects, accepts,
    /// binds, ptrace, set*id, mounts, module loads, bpf, `memfd_create`, unlink/rename/link
    /// and chmod from system-call exits. Each event carries its process tree, container
    /// (from the task's cgroup) and fd context, and is evaluated in memory.
    #[command(after_long_help = RUN_EXAMPLES)]
    Run(Box<RunArgs>),
    /// Report whether this kernel can run the sensor (BTF, ring buffer, program types).
    #[command(after_long_help = CHECK_EXAMPLES)]
    Check,
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// Rules files, in load order (repeatable); they decide which events are recorded.
    #[arg(
        long = "rules",
        short = 'r',
        value_name = "FILE",
        required_unless_present = "dry_run"
    )]
    rules: Vec<PathBuf>,
    /// Print every event (one readable line each) instead of alerts.
    #[arg(long)]
    dry_run: bool,
    /// Alert format: Falco's text line or Falco's JSON object, one per line.
    #[arg(long, short = 'f', value_enum, default_value = "text")]
    format: OutFormat,
    /// Write alerts (or --dry-run events) to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Run without the rules, macros and lists that have errors instead of refusing to start.
    #[arg(long)]
    skip_invalid_rules: bool,
    /// Only alert for rules at least this severe (emergency … debug).
    #[arg(long, value_name = "PRIORITY", default_value = "debug")]
    min_priority: String,
    /// Exit 1 when an alert has at least this priority (`never`: alerts never change the exit code).
    #[arg(long, value_name = "PRIORITY", default_value = "never")]
    fail_on: String,
    /// Host name written in alerts (default: this machine's).
    #[arg(long)]
    hostname: Option<String>,
    /// Also POST every alert (Falco JSON) to this URL, from a background queue with
    /// retries and backoff; dropped and failed alerts are counted on stderr.
    #[arg(long, value_name = "URL")]
    webhook: Option<String>,
    /// Per-rule rate limit: at most this many alerts per second on average (token bucket;
    /// bursts of --burst); suppressed alerts are counted per rule on stderr.
    #[arg(long, value_name = "PER_SECOND")]
    rate_limit: Option<f64>,
    /// Burst size of --rate-limit.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 10.0,
        requires = "rate_limit"
    )]
    burst: f64,
    /// Also send every alert to syslog: the local socket SOCKET (default `/dev/log`).
    #[arg(long, value_name = "SOCKET", num_args = 0..=1, default_missing_value = "/dev/log")]
    syslog: Option<PathBuf>,
    /// Record every supported system call, not only those the rules need.
    #[arg(long)]
    all_events: bool,
    /// Stop (as on SIGTERM) after this many seconds.
    #[arg(long, value_name = "SECONDS")]
    duration: Option<f64>,
    /// Write this file once the programs are attached (for scripts and tests).
    #[arg(long, value_name = "PATH")]
    ready_file: Option<PathBuf>,
    /// Size of each CPU's ring buffer in MiB (a power of two); the kernel side never
    /// waits for user space, so a buffer that fills drops events and counts them.
    #[arg(long, value_name = "MIB", default_value_t = 8)]
    ringbuf_mib: u32,
}

pub fn run(cmd: &SensorCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        SensorCommand::Run(a) => imp::run(a),
        SensorCommand::Check => imp::check(),
    }
}

#[cfg(not(all(feature = "sensor", target_os = "linux")))]
mod imp {
    use super::RunArgs;
    use std::process::ExitCode;

    const DISABLED: &str = "this moat binary was built without the eBPF sensor; rebuild it with \
        `cargo build --release --features moat-cli/sensor` on Linux (needs clang, bpftool, \
        libbpf-dev and a kernel with BTF; scripts/setup-test-deps installs them on Debian)";

    pub fn run(_: &RunArgs) -> anyhow::Result<ExitCode> {
        crate::usage(DISABLED)
    }

    pub fn check() -> anyhow::Result<ExitCode> {
        crate::usage(DISABLED)
    }
}

#[cfg(all(feature = "sensor", target_os = "linux"))]
mod imp {
    use std::fs::File;
    use std::io::{self, BufWriter, Write};
    use std::process::ExitCode;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    use moat_runtime::Source;
    use moat_sensor::Plan;
    use moat_sensor::sensor::{Options, Sensor, probe};

    use super::{OutFormat, RunArgs};
    use crate::alert_sinks::{AlertSinks, SinkOptions};
    use crate::runtime_cmd::{EngineOptions, LoadedEngine, fail_on_code, load_engine};

    pub fn check() -> anyhow::Result<ExitCode> {
        let p = probe();
        let mut out = io::stdout().lock();
        for (ok, line) in &p.lines {
            writeln!(out, "{} {line}", if *ok { "ok  " } else { "FAIL" })?;
        }
        if p.ok() {
            writeln!(out, "the sensor can run on this kernel")?;
            Ok(ExitCode::SUCCESS)
        } else {
            writeln!(out, "the sensor cannot run here (see FAIL lines)")?;
            Ok(ExitCode::from(2))
        }
    }

    pub fn run(a: &RunArgs) -> anyhow::Result<ExitCode> {
        if !a.ringbuf_mib.is_power_of_two() || a.ringbuf_mib > 1024 {
            return crate::usage("--ringbuf-mib: expected a power of two up to 1024");
        }
        let duration = match a.duration.map(Duration::try_from_secs_f64) {
            None => None,
            Some(Ok(d)) => Some(d),
            Some(Err(_)) => return crate::usage("--duration: expected a number of seconds >= 0"),
        };
        let loaded = if a.rules.is_empty() {
            None
        } else {
            let opts = EngineOptions {
                rules: &a.rules,
                skip_invalid_rules: a.skip_invalid_rules,
                min_priority: &a.min_priority,
                fail_on: &a.fail_on,
                hostname: a.hostname.as_deref(),
            };
            match load_engine(&opts, Source::Syscall)? {
                Ok(l) => Some(l),
                Err(code) => return Ok(code),
            }
        };
        let plan = match &loaded {
            Some(l) if !a.all_events => Plan::for_engine(&l.engine),
            _ => Plan::all(),
        };
        let sinks = AlertSinks::open(&SinkOptions {
            json: a.format == OutFormat::Json,
            output: if a.dry_run { None } else { a.output.as_deref() },
            webhook: a.webhook.as_deref(),
            syslog: a.syslog.as_deref(),
            rate_limit: a.rate_limit,
            burst: a.burst,
            streaming: true,
        });
        let mut sinks = match sinks {
            Ok(s) => s,
            Err(e) => return crate::usage(e),
        };
        let mut events_out: Option<Box<dyn Write>> = if a.dry_run {
            Some(match &a.output {
                Some(p) => Box::new(BufWriter::new(File::create(p)?)),
                None => Box::new(BufWriter::new(io::stdout())),
            })
        } else {
            None
        };
        let stop = Arc::new(AtomicBool::new(false));
        signal_hook::flag::register(signal_hook::consts::SIGINT, Arc::clone(&stop))?;
        signal_hook::flag::register(signal_hook::consts::SIGTERM, Arc::clone(&stop))?;
        let opts = Options {
            ringbuf_bytes: a.ringbuf_mib << 20,
            ..Options::default()
        };
        let mut err = io::stderr();
        let mut sensor = match Sensor::start(&plan, opts) {
            Ok(s) => s,
            Err(e) => {
                writeln!(
                    err,
                    "moat: error: {e}\nmoat: hint: the sensor needs root (or CAP_BPF+CAP_PERFMON) and a kernel with BTF; run `moat sensor check`"
                )?;
                return Ok(ExitCode::from(2));
            }
        };
        writeln!(
            err,
            "moat: sensor attached: {} ({} system calls: {})",
            sensor.attached().join(", "),
            plan.syscalls.len(),
            plan.syscalls
                .iter()
                .map(|s| s.name)
                .collect::<Vec<_>>()
                .join(",")
        )?;
        if plan
            .syscalls
            .iter()
            .any(|s| moat_sensor::syscalls::OPEN_TYPES.contains(&s.name))
        {
            writeln!(err, "moat: {}", plan.open_filter.describe())?;
        }
        if let Some(p) = &a.ready_file {
            std::fs::write(p, format!("{}\n", std::process::id()))?;
        }
        if let Some(d) = duration {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                std::thread::sleep(d);
                stop.store(true, Ordering::Relaxed);
            });
        }
        let mut alerts = 0u64;
        let mut out_err: Option<io::Error> = None;
        let mut scratch = loaded
            .as_ref()
            .map(|l| l.engine.scratch())
            .unwrap_or_default();
        let stats = sensor.run(
            &stop,
            &mut |view| {
                if let Some(out) = &mut events_out {
                    if out_err.is_none()
                        && let Err(e) = writeln!(out, "{view}")
                    {
                        out_err = Some(e);
                    }
                    return;
                }
                if let Some(LoadedEngine { engine, .. }) = &loaded {
                    engine.process(Source::Syscall, view, view.ev.time_ns, &mut scratch, &mut |al| {
                        alerts += 1;
                        sinks.emit(&al);
                    });
                }
            },
            &mut |lost| {
                let _ = writeln!(
                    io::stderr(),
                    "moat: warning: the kernel dropped {lost} events so far (ring buffer full; try a larger --ringbuf-mib)"
                );
            },
        );
        let stats = match stats {
            Ok(s) => s,
            Err(e) => {
                writeln!(err, "moat: error: {e}")?;
                return Ok(ExitCode::from(2));
            }
        };
        drop(sensor);
        if let Some(mut out) = events_out {
            out.flush()?;
        }
        if let Some(e) = out_err {
            return Err(e.into());
        }
        let worst = sinks.finish(&mut err)?;
        writeln!(
            err,
            "moat: sensor detached: {} events, {} alerts, {} lost ({} records, {} undecodable)",
            stats.events, alerts, stats.lost, stats.records, stats.bad_records
        )?;
        Ok(fail_on_code(loaded.and_then(|l| l.fail_on), worst))
    }
}
