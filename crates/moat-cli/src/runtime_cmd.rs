//! `moat rules check FILE…` (validate Falco rules files) and `moat audit --rules FILE… LOG`
//! (Kubernetes audit-log detection): wiring over `moat-runtime`.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};
use moat_runtime::follow::{FollowOptions, follow_audit};
use moat_runtime::{Engine, Level, Priority, Source, load_rules_files, run_stream_parallel};

pub const RULES_EXAMPLES: &str = "\
Examples:
  moat rules check falco_rules.yaml                      validate one file
  moat rules check k8s_audit_rules.yaml my_overrides.yaml  later files override earlier ones
  moat rules check rules.yaml -f json                     diagnostics and rules as JSON

Exit codes: 0 the rules load (warnings allowed); 2 a file could not be read or has errors.";

pub const AUDIT_EXAMPLES: &str = "\
Examples:
  moat audit --rules k8s_audit_rules.yaml /var/log/kubernetes/audit.log
  kubectl logs kube-apiserver-0 | moat audit --rules k8s_audit_rules.yaml -
  moat audit --rules k8s_audit_rules.yaml --rules overrides.yaml audit.log -f json -o alerts.json
  moat audit --rules rules.yaml audit.log --fail-on warning   exit 1 on Warning alerts or worse
  moat audit --rules k8s_audit_rules.yaml --follow /var/log/kubernetes/audit.log
  moat audit --rules k8s_audit_rules.yaml --listen 127.0.0.1:9765
  moat audit --rules k8s_audit_rules.yaml --listen 0.0.0.0:9765 --tls-cert tls.crt --tls-key tls.key

Input: one audit.k8s.io Event or EventList JSON object per line (the API server's log
backend format). Lines that are not audit events are counted and the first --max-errors
are reported with their line numbers; the stream goes on.

Exit codes: 0 no alert at or above --fail-on (default never); 1 alerts at or above
--fail-on; 2 usage error, rules with errors (unless --skip-invalid-rules), unreadable log,
or lines that were not audit events.";

#[derive(Subcommand, Debug)]
pub enum RulesCommand {
    /// Load and validate Falco rules files; list the rules per event source.
    ///
    /// Files load in order, later ones overriding or appending to earlier ones, exactly as
    /// the engine loads them. Errors and warnings name the file, line, item and Falco's code.
    #[command(after_long_help = RULES_EXAMPLES)]
    Check(RulesCheckArgs),
}

pub const REPLAY_EXAMPLES: &str = "\
Examples:
  moat runtime replay --rules falco_rules.yaml events.jsonl
  moat runtime replay -r falco_rules.yaml -r my_rules.yaml - -f json < events.jsonl
  moat runtime replay -r falco_rules.yaml --follow /var/run/moat/events.jsonl
  moat runtime replay -r falco_rules.yaml --threads 2 big.jsonl   two cores, same alerts in order

Input: one syscall event per line, a JSON object keyed by Falco field names
(docs/events.md). Options and exit codes are those of `moat audit`.";

#[derive(Subcommand, Debug)]
pub enum RuntimeCommand {
    /// Evaluate `syscall` rules against recorded events (JSON lines, docs/events.md).
    ///
    /// Each line is one event whose keys are Falco field names; rules are indexed by
    /// event type, so an event only meets the rules that can match it.
    #[command(after_long_help = REPLAY_EXAMPLES)]
    Replay(AuditArgs),
}

pub fn run_runtime(cmd: &RuntimeCommand) -> anyhow::Result<ExitCode> {
    let RuntimeCommand::Replay(a) = cmd;
    run_audit_cmd(a, Source::Syscall)
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum OutFormat {
    Text,
    Json,
}

#[derive(Args, Debug)]
pub struct RulesCheckArgs {
    /// Rules files, in load order.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "text")]
    format: OutFormat,
}

#[derive(Args, Debug)]
pub struct AuditArgs {
    /// Rules files, in load order (repeatable).
    #[arg(long = "rules", short = 'r', value_name = "FILE", required = true)]
    rules: Vec<PathBuf>,
    /// Log of events (JSON lines); `-` reads standard input.
    #[arg(required_unless_present = "listen")]
    log: Option<PathBuf>,
    /// Receive events over HTTP instead, as the API server's webhook audit backend sends
    /// them (`POST /k8s-audit`, an `EventList` per request), e.g. `127.0.0.1:9765`.
    /// Plain HTTP is refused on other than loopback addresses: give --tls-cert and
    /// --tls-key (HTTPS), or --insecure.
    #[arg(long, value_name = "ADDR", conflicts_with_all = ["log", "follow"])]
    listen: Option<String>,
    /// With --listen: serve HTTPS with this PEM certificate chain (server certificate first).
    #[arg(long, value_name = "FILE", requires_all = ["listen", "tls_key"])]
    tls_cert: Option<PathBuf>,
    /// With --listen: the PEM private key (PKCS#8, PKCS#1 or SEC1) of --tls-cert.
    #[arg(long, value_name = "FILE", requires_all = ["listen", "tls_cert"])]
    tls_key: Option<PathBuf>,
    /// With --listen: allow plain HTTP on a non-loopback address (audit events carry
    /// secrets' metadata and request bodies: prefer --tls-cert/--tls-key).
    #[arg(long, requires = "listen", conflicts_with = "tls_cert")]
    insecure: bool,
    /// Alert format: Falco's text line or Falco's JSON object, one per line.
    #[arg(long, short = 'f', value_enum, default_value = "text")]
    format: OutFormat,
    /// Write alerts to FILE instead of standard output.
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
    /// Report at most this many bad input lines individually (all are counted).
    #[arg(long, value_name = "N", default_value_t = 10)]
    max_errors: usize,
    /// Host name written in alerts (default: this machine's).
    #[arg(long)]
    hostname: Option<String>,
    /// Keep reading as the log grows (after what is already there); survives rotation
    /// (rename + new file) and truncation. Stops on Ctrl-C or after --idle-exit.
    #[arg(long)]
    follow: bool,
    /// With --follow or --listen: stop after this many seconds without new events.
    #[arg(long, value_name = "SECONDS")]
    idle_exit: Option<f64>,
    /// Also POST every alert (Falco JSON) to this URL, from a background queue with
    /// retries and backoff; dropped and failed alerts are counted on stderr.
    #[arg(long, value_name = "URL")]
    webhook: Option<String>,
    /// Per-rule rate limit: at most this many alerts per second on average (token bucket;
    /// bursts of --burst); suppressed alerts are counted per rule on stderr.
    #[arg(long, value_name = "PER_SECOND")]
    rate_limit: Option<f64>,
    /// Also send every alert to syslog: the local socket SOCKET (default `/dev/log`),
    /// facility user, severity from the rule's priority.
    #[arg(long, value_name = "SOCKET", num_args = 0..=1, default_missing_value = "/dev/log")]
    syslog: Option<PathBuf>,
    /// `moat runtime replay` of a file or `-`: evaluate on this many threads (the input
    /// is cut into chunks of whole lines evaluated in parallel; alerts keep input order).
    #[arg(long, value_name = "N", default_value_t = 1)]
    threads: usize,
    /// Burst size of --rate-limit.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 10.0,
        requires = "rate_limit"
    )]
    burst: f64,
}

pub fn run_rules(cmd: RulesCommand) -> anyhow::Result<ExitCode> {
    let RulesCommand::Check(a) = cmd;
    let compiled = load_rules_files(&a.files);
    let mut out = BufWriter::new(io::stdout().lock());
    let mut per_source: BTreeMap<&str, Vec<_>> = BTreeMap::new();
    for r in &compiled.rules {
        per_source.entry(r.source.name()).or_default().push(r);
    }
    match a.format {
        OutFormat::Json => {
            let diags: Vec<_> = compiled
                .diagnostics
                .iter()
                .map(|d| {
                    serde_json::json!({
                        "level": if d.level == Level::Error { "error" } else { "warning" },
                        "file": d.file, "line": d.line, "item_type": d.item_type,
                        "item_name": d.item_name, "code": d.code, "message": d.message,
                    })
                })
                .collect();
            let rules: Vec<_> = compiled
                .rules
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "name": r.name, "source": r.source.name(), "priority": r.priority.as_str(),
                        "enabled": r.enabled, "tags": r.tags, "file": r.origin.file, "line": r.origin.line,
                    })
                })
                .collect();
            let skipped: Vec<_> = compiled
                .skipped_sources
                .iter()
                .map(|(n, s)| serde_json::json!({"name": n, "source": s}))
                .collect();
            let v = serde_json::json!({
                "valid": !compiled.has_errors(), "diagnostics": diags, "rules": rules,
                "skipped_unknown_source": skipped,
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        }
        OutFormat::Text => {
            for d in &compiled.diagnostics {
                writeln!(out, "{d}")?;
            }
            for (source, rules) in &per_source {
                let enabled = rules.iter().filter(|r| r.enabled).count();
                writeln!(out, "{source}: {} rules ({enabled} enabled)", rules.len())?;
                for r in rules {
                    let state = if r.enabled { "" } else { " (disabled)" };
                    writeln!(out, "  {:<13} {}{state}", r.priority.as_str(), r.name)?;
                }
            }
            if !compiled.skipped_sources.is_empty() {
                writeln!(
                    out,
                    "skipped (source not supported): {} rules",
                    compiled.skipped_sources.len()
                )?;
            }
            let errors = compiled
                .diagnostics
                .iter()
                .filter(|d| d.level == Level::Error)
                .count();
            let warnings = compiled.diagnostics.len() - errors;
            writeln!(
                out,
                "{}: {errors} error(s), {warnings} warning(s)",
                if errors == 0 { "valid" } else { "invalid" }
            )?;
        }
    }
    out.flush()?;
    Ok(if compiled.has_errors() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

fn parse_priority(text: &str, flag: &str) -> Result<Priority, String> {
    Priority::parse(text).ok_or_else(|| {
        format!("{flag}: unknown priority '{text}' (emergency, alert, critical, error, warning, notice, informational, debug)")
    })
}

/// The rules and engine settings shared by `moat audit`, `moat runtime replay` and
/// `moat sensor run`.
pub struct EngineOptions<'a> {
    pub rules: &'a [PathBuf],
    pub skip_invalid_rules: bool,
    pub min_priority: &'a str,
    pub fail_on: &'a str,
    pub hostname: Option<&'a str>,
}

/// An engine ready to run, with the `--fail-on` threshold.
pub struct LoadedEngine {
    pub engine: Engine,
    pub fail_on: Option<Priority>,
}

/// Loads and compiles the rules (errors printed, fail closed): `Err(code)` when the
/// command must stop with that exit code.
pub fn load_engine(
    o: &EngineOptions<'_>,
    source: Source,
) -> anyhow::Result<Result<LoadedEngine, ExitCode>> {
    let min = match parse_priority(o.min_priority, "--min-priority") {
        Ok(p) => p,
        Err(e) => return crate::usage(e).map(Err),
    };
    let fail_on = if o.fail_on == "never" {
        None
    } else {
        match parse_priority(o.fail_on, "--fail-on") {
            Ok(p) => Some(p),
            Err(e) => return crate::usage(e).map(Err),
        }
    };
    let compiled = load_rules_files(o.rules);
    let mut err = io::stderr().lock();
    for d in &compiled.diagnostics {
        if d.level == Level::Error || compiled.has_errors() {
            writeln!(err, "moat: {d}")?;
        }
    }
    let mut engine = match Engine::new(&compiled, o.skip_invalid_rules) {
        Ok(e) => e,
        Err(e) => {
            writeln!(err, "moat: error: {e}")?;
            return Ok(Err(ExitCode::from(2)));
        }
    };
    if !engine.has_source(source) {
        writeln!(
            err,
            "moat: warning: no enabled {} rule in the given files",
            source.name()
        )?;
    }
    engine.set_min_priority(min);
    engine.hostname = o.hostname.map_or_else(local_hostname, str::to_string);
    Ok(Ok(LoadedEngine { engine, fail_on }))
}

/// The exit code for the most severe alert against `--fail-on`.
pub fn fail_on_code(fail_on: Option<Priority>, worst: Option<Priority>) -> ExitCode {
    match (fail_on, worst) {
        (Some(f), Some(w)) if w <= f => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    }
}

pub fn run_audit_cmd(a: &AuditArgs, source: Source) -> anyhow::Result<ExitCode> {
    let opts = EngineOptions {
        rules: &a.rules,
        skip_invalid_rules: a.skip_invalid_rules,
        min_priority: &a.min_priority,
        fail_on: &a.fail_on,
        hostname: a.hostname.as_deref(),
    };
    let LoadedEngine { engine, fail_on } = match load_engine(&opts, source)? {
        Ok(l) => l,
        Err(code) => return Ok(code),
    };
    let mut err = io::stderr().lock();
    let idle_exit = match a.idle_exit.map(Duration::try_from_secs_f64) {
        None => None,
        Some(Ok(d)) => Some(d),
        Some(Err(_)) => return crate::usage("--idle-exit: expected a number of seconds >= 0"),
    };
    if a.threads == 0 {
        return crate::usage("--threads: expected a number of threads >= 1");
    }
    if a.threads > 1 && (source != Source::Syscall || a.follow || a.listen.is_some()) {
        return crate::usage("--threads is for `moat runtime replay` of a file or `-`");
    }
    if a.idle_exit.is_some() && !a.follow && a.listen.is_none() {
        return crate::usage("--idle-exit needs --follow or --listen");
    }
    let tls = match (&a.tls_cert, &a.tls_key) {
        (Some(cert), Some(key)) => match crate::audit_listen::tls_config(cert, key) {
            Ok(c) => Some(c),
            Err(e) => {
                writeln!(err, "moat: error: {e}")?;
                return Ok(ExitCode::from(2));
            }
        },
        _ => None,
    };
    if let Some(addr) = &a.listen
        && tls.is_none()
        && !a.insecure
        && !crate::audit_listen::is_loopback(addr)
    {
        return crate::usage(format!(
            "--listen {addr}: plain HTTP is only served on loopback addresses; give --tls-cert and --tls-key, or --insecure"
        ));
    }
    let log = a.log.clone().unwrap_or_default();
    let stdin = log.as_os_str() == "-";
    if a.follow && stdin {
        return crate::usage("--follow needs a log file, not `-`");
    }
    // Open first, so an unreadable log is reported before anything runs.
    let mut reader: Box<dyn BufRead> = if stdin || a.listen.is_some() {
        Box::new(BufReader::new(io::stdin().lock()))
    } else {
        match File::open(&log) {
            Ok(f) => Box::new(BufReader::with_capacity(1 << 16, f)),
            Err(e) => {
                writeln!(err, "moat: error: {}: {e}", log.display())?;
                return Ok(ExitCode::from(2));
            }
        }
    };
    let mut reported = 0usize;
    let scheme = if a.tls_cert.is_some() {
        "https"
    } else {
        "http"
    };
    let log_name = match &a.listen {
        Some(addr) => format!("{scheme}://{addr}/k8s-audit"),
        None => log.display().to_string(),
    };
    let streaming = a.follow || a.listen.is_some();
    let sinks = crate::alert_sinks::AlertSinks::open(&crate::alert_sinks::SinkOptions {
        json: a.format == OutFormat::Json,
        output: a.output.as_deref(),
        webhook: a.webhook.as_deref(),
        syslog: a.syslog.as_deref(),
        rate_limit: a.rate_limit,
        burst: a.burst,
        streaming,
    });
    let mut sinks = match sinks {
        Ok(s) => s,
        Err(e) => return crate::usage(e),
    };
    let mut on_alert = |alert: moat_runtime::Alert| sinks.emit(&alert);
    let mut on_bad = |bad: moat_runtime::BadLine| {
        if reported < a.max_errors {
            reported += 1;
            let _ = writeln!(err, "moat: {log_name}:{}: {}", bad.line, bad.message);
        }
    };
    let stats = if let Some(addr) = &a.listen {
        drop(reader);
        crate::audit_listen::serve(
            &engine,
            source,
            addr,
            tls.as_ref(),
            idle_exit,
            &mut on_alert,
            &mut on_bad,
            &mut |bound| {
                let _ = writeln!(
                    io::stderr(),
                    "moat: listening on {scheme}://{bound}/k8s-audit"
                );
            },
        )?
    } else if a.follow {
        drop(reader);
        let opts = FollowOptions {
            idle_exit,
            ..FollowOptions::default()
        };
        follow_audit(
            &engine,
            source,
            &log,
            opts,
            &mut on_alert,
            &mut on_bad,
            &|| false,
        )?
    } else {
        run_stream_parallel(
            &engine,
            source,
            &mut reader,
            a.threads,
            &mut on_alert,
            &mut on_bad,
        )?
    };
    let worst = sinks.finish(&mut err)?;
    if stats.bad_lines > 0 {
        writeln!(
            err,
            "moat: {} of {} lines were not {} events ({} reported)",
            stats.bad_lines,
            stats.lines,
            source.name(),
            reported
        )?;
    }
    writeln!(
        err,
        "moat: {} events, {} alerts",
        stats.events, stats.alerts
    )?;
    if stats.bad_lines > 0 {
        return Ok(ExitCode::from(2));
    }
    Ok(fail_on_code(fail_on, worst))
}

fn local_hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_string())
        })
        .unwrap_or_default()
}
