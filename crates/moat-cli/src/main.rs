//! The `moat` binary: argument parsing and wiring only. Scanning lives in `moat-scan`,
//! checks in `moat-checks`, rendering in `moat-report`.

mod alert_sinks;
mod audit_listen;
mod checks_cmd;
mod db_cmd;
mod dockerfile_cmd;
mod image_cmd;
mod image_source;
mod inputs;

mod netpol_cmd;
mod pss_cmd;
mod rbac_cmd;
mod runtime_cmd;
mod sbom_cmd;
mod secrets_cmd;
mod sensor_cmd;
mod vuln_cmd;

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use moat_core::{Selection, Severity};
use moat_report::{Format, RunInfo};
use moat_scan::{ScanOptions, Session};

/// moat — Kubernetes security from manifests to runtime, in one fast binary.
///
/// Exit codes (all commands): 0 clean or only findings below --fail-on; 1 findings at or
/// above --fail-on; 2 usage error, or input that could not be read or parsed (reported
/// after the rest was scanned).
#[derive(Parser, Debug)]
#[command(name = "moat", version, about, long_about, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Scan Kubernetes manifests (files, directories, or `-` for stdin) for misconfigurations.
    ///
    /// Directories are walked recursively for .yaml, .yml and .json files (hidden entries
    /// are skipped). Multi-document streams, `kind: List` and every workload kind are
    /// understood, so `helm template ... | moat scan -` and `kustomize build ... | moat scan -`
    /// work. `.moat.yaml` is looked up from the first path upward (see docs/configuration.md).
    #[command(after_long_help = SCAN_EXAMPLES)]
    Scan(ScanArgs),
    /// Lint Dockerfiles (files, directories, or `-` for stdin) for hardening problems.
    ///
    /// Every input is read as a Dockerfile (BuildKit syntax: heredocs, parser directives,
    /// flags); directories are walked for Dockerfile, Containerfile, *.Dockerfile and
    /// Dockerfile.* (or `dockerfile.files` in .moat.yaml). `moat scan` lints the same files
    /// alongside manifests. Findings are MOAT-600…; waive one with a
    /// `# moat:ignore=ID reason` comment on the line above the instruction.
    #[command(after_long_help = dockerfile_cmd::EXAMPLES)]
    Dockerfile(dockerfile_cmd::DockerfileArgs),
    /// Find credentials (keys, tokens, passwords) in files, directories, or `-` for stdin.
    ///
    /// Every file is searched (hidden entries and .git skipped; binaries, lockfiles,
    /// minified assets and large files skipped by heuristics) for AWS, GCP, GitHub, GitLab,
    /// Slack and Stripe credentials, private keys, JWTs, kubeconfig, .npmrc, .pypirc and
    /// Docker config credentials, and high-entropy values of secret-like keys (MOAT-700…).
    /// Secrets are always shown redacted. `moat scan` applies the same rules to the
    /// manifests and Dockerfiles it reads.
    #[command(after_long_help = secrets_cmd::EXAMPLES)]
    Secrets(secrets_cmd::SecretsArgs),
    /// Write a software bill of materials (CycloneDX, SPDX) for a container image.
    ///
    /// Reads an image (OCI layout or archive, docker archive, root filesystem directory or
    /// registry) without extracting it, verifies every digest, and catalogues its packages,
    /// each with its package URL and the layer that introduced it.
    #[command(after_long_help = format!("{}\n\n{}", image_source::SOURCES, sbom_cmd::EXAMPLES))]
    Sbom(sbom_cmd::SbomArgs),
    /// Check a container image: package summary, config risks, secrets in layers.
    ///
    /// Reads the image like `moat sbom` (any source, digests verified, nothing extracted)
    /// and reports findings about the image config (root user, secrets in Env, SSH
    /// exposed, a base image on the latest tag) and credentials in any layer.
    #[command(after_long_help = format!("{}\n\n{}", image_source::SOURCES, image_cmd::EXAMPLES))]
    Image(image_cmd::ImageArgs),
    /// Vulnerabilities: explain why a package matches an advisory.
    #[command(subcommand)]
    Vuln(vuln_cmd::VulnCommand),
    /// List the available checks.
    Checks(checks_cmd::ChecksArgs),
    /// Explain a check: rationale, remediation with a YAML fix, references, frameworks.
    Explain {
        /// Check ID (MOAT-001) or name (privileged-container).
        id: String,
    },
    /// NetworkPolicy analysis: reachability queries, connectivity matrix, coverage findings.
    #[command(subcommand)]
    Netpol(netpol_cmd::NetpolCommand),
    /// Pod Security Standards: the Pod Security admission verdict per workload, any version.
    ///
    /// Evaluates every workload at a level (baseline, restricted) and policy version (v1.0 to
    /// latest) exactly as the API server's Pod Security admission does, with its messages;
    /// Namespace labels and an admission configuration choose the policy per namespace.
    Pss(pss_cmd::PssArgs),
    /// RBAC analysis: who-can, permissions, escalation paths, blast radius, risk findings.
    ///
    /// Applies the API server's RBAC authorizer semantics (aggregation, wildcards,
    /// subresources, binding scope) to manifests or a `kubectl get … -o json` snapshot,
    /// on top of the Kubernetes bootstrap roles; findings are MOAT-200…MOAT-229.
    #[command(subcommand)]
    Rbac(rbac_cmd::RbacCommand),
    /// The local vulnerability database: import OSV records (and Debian, Alpine, rubysec
    /// advisories), update from OSV's archives, show statistics, look up a package.
    ///
    /// One compact file (default `$XDG_CACHE_HOME/moat/vuln.db`, else `~/.cache/moat/vuln.db`;
    /// `--db` to choose) indexed by ecosystem and package; updates replace it atomically.
    #[command(subcommand)]
    Db(db_cmd::DbCommand),
    /// Falco rules files: validate them and list their rules.
    #[command(subcommand)]
    Rules(runtime_cmd::RulesCommand),
    /// Detect suspicious Kubernetes API activity in an audit log with Falco rules.
    ///
    /// Evaluates `k8s_audit` rules (the Falco k8saudit plugin's `ka.*` and `jevt.*` fields)
    /// against every event of an API server audit log and prints Falco-compatible alerts.
    /// The engine refuses to start when the rules have errors (fail closed) unless
    /// --skip-invalid-rules is given.
    #[command(after_long_help = runtime_cmd::AUDIT_EXAMPLES)]
    Audit(runtime_cmd::AuditArgs),
    /// Runtime detection on recorded events: evaluate Falco `syscall` rules.
    #[command(subcommand)]
    Runtime(runtime_cmd::RuntimeCommand),
    /// The eBPF runtime sensor: live kernel events evaluated with Falco `syscall` rules.
    ///
    /// Linux only, and only in binaries built with the `sensor` feature
    /// (`cargo build --features moat-cli/sensor`); `moat sensor check` says whether this
    /// kernel can run it.
    #[command(subcommand)]
    Sensor(sensor_cmd::SensorCommand),
}

const SCAN_EXAMPLES: &str = "\
Examples:
  moat scan k8s/                              scan a directory, table output
  moat scan k8s/ -f sarif -o moat.sarif       SARIF for code-scanning UIs
  helm template charts/app | moat scan -      scan rendered charts from stdin
  moat scan . --fail-on critical --skip-check MOAT-100

Exit codes: 0 clean or only findings below --fail-on; 1 findings at or above --fail-on;
2 usage error or unreadable/unparsable input (the rest is still scanned and reported).";

#[derive(Clone, Copy, Debug, ValueEnum)]
enum FormatArg {
    Table,
    Json,
    Sarif,
    Junit,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

/// Options shared by `moat scan` and `moat dockerfile`.
#[derive(Args, Debug)]
struct CommonArgs {
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "table")]
    format: FormatArg,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Exit 1 when an unwaived finding has at least this severity (`never` to always exit 0
    /// on findings). Default: the config's `fail-on`, else high.
    #[arg(long, value_name = "SEVERITY")]
    fail_on: Option<String>,
    /// Only report findings of at least this severity.
    #[arg(long, value_name = "SEVERITY", default_value = "info")]
    severity: Severity,
    /// Run only these checks (IDs, names or globs such as `MOAT-0*`; repeatable or comma-separated).
    #[arg(long = "check", value_name = "ID")]
    checks: Vec<String>,
    /// Skip these checks (IDs, names or globs).
    #[arg(long = "skip-check", value_name = "ID")]
    skip_checks: Vec<String>,
    /// Skip paths matching this glob during directory walks (repeatable).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Use this config file instead of searching for `.moat.yaml`.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    config: Option<PathBuf>,
    /// Do not read any `.moat.yaml`.
    #[arg(long)]
    no_config: bool,
    /// Show waived findings in the table (they are always in JSON and SARIF, marked).
    #[arg(long)]
    show_waived: bool,
    /// Largest file to read, in MiB; larger files are reported as errors.
    #[arg(long, value_name = "MIB", default_value_t = 100)]
    max_file_size: u64,
    /// When to colour the table.
    #[arg(long, value_enum, default_value = "auto")]
    color: ColorArg,
}

#[derive(Args, Debug)]
struct ScanArgs {
    /// Files or directories to scan; `-` reads standard input. Default: the current directory.
    paths: Vec<PathBuf>,
    #[command(flatten)]
    common: CommonArgs,
    /// Target Kubernetes version (e.g. 1.29) for removed-API checks; default: the config's
    /// `k8s-version`, else every removed API is reported.
    #[arg(long, value_name = "VERSION")]
    k8s_version: Option<String>,
    /// Also evaluate the Pod Security Standards at this level (baseline or restricted);
    /// findings MOAT-500..518 carry the API server's messages (same verdicts as `moat pss`).
    #[arg(long, value_name = "LEVEL")]
    pss_level: Option<String>,
    /// Pod Security Standards version for --pss-level (v1.0..v1.37 or latest).
    #[arg(
        long,
        value_name = "VERSION",
        default_value = "latest",
        requires = "pss_level"
    )]
    pss_version: String,
}

impl ScanArgs {
    /// Arguments of a command that has only paths and the common options
    /// (`moat dockerfile`, `moat secrets`).
    fn plain(paths: Vec<PathBuf>, common: CommonArgs) -> Self {
        ScanArgs {
            paths,
            common,
            k8s_version: None,
            pss_level: None,
            pss_version: "latest".to_owned(),
        }
    }
}

/// Panics inside the YAML library are caught by the loader and reported as input errors
/// with file and line; keep the default hook's backtrace noise for everything else only.
fn install_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let in_yaml_lib = info
            .location()
            .is_some_and(|l| l.file().contains("libyaml-safer"));
        if !in_yaml_lib {
            default(info);
        }
    }));
}

fn main() -> ExitCode {
    install_panic_hook();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan(args) => scan(&args),
        Command::Dockerfile(args) => dockerfile_cmd::run(args),
        Command::Secrets(args) => secrets_cmd::run(args),
        Command::Sbom(args) => sbom_cmd::run(&args),
        Command::Image(args) => image_cmd::run(&args),
        Command::Vuln(vuln_cmd::VulnCommand::Explain(args)) => vuln_cmd::explain(&args),
        Command::Checks(args) => checks_cmd::list(&args),
        Command::Explain { id } => checks_cmd::explain(&id),
        Command::Netpol(cmd) => netpol_cmd::run(cmd),
        Command::Pss(args) => pss_cmd::run(&args),
        Command::Rbac(cmd) => rbac_cmd::run(cmd),
        Command::Db(cmd) => db_cmd::run(cmd),
        Command::Rules(cmd) => runtime_cmd::run_rules(cmd),
        Command::Audit(args) => runtime_cmd::run_audit_cmd(&args, moat_runtime::Source::K8sAudit),
        Command::Runtime(cmd) => runtime_cmd::run_runtime(&cmd),
        Command::Sensor(cmd) => sensor_cmd::run(&cmd),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            if e.downcast_ref::<io::Error>()
                .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            let _ = writeln!(io::stderr(), "moat: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Reports a usage error: exit code 2.
#[allow(clippy::unnecessary_wraps)]
fn usage(msg: impl std::fmt::Display) -> anyhow::Result<ExitCode> {
    let _ = writeln!(io::stderr(), "moat: error: {msg}");
    Ok(ExitCode::from(2))
}

fn scan(args: &ScanArgs) -> anyhow::Result<ExitCode> {
    run_scan(args, Mode::Scan)
}

/// Which command drives the scan pipeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// `moat scan`: manifests and Dockerfiles.
    Scan,
    /// `moat dockerfile`: every input is a Dockerfile.
    Dockerfiles,
    /// `moat secrets`: every input is a plain file searched for secrets.
    Secrets,
}

/// `moat scan`, `moat dockerfile` or `moat secrets`.
fn run_scan(args: &ScanArgs, mode: Mode) -> anyhow::Result<ExitCode> {
    let selection = match Selection::new(&args.common.checks, &args.common.skip_checks) {
        Ok(s) => s,
        Err(e) => return usage(e),
    };
    // Literal IDs must exist; a typo should not silently select nothing.
    let registry = moat_scan::registry();
    for id in args
        .common
        .checks
        .iter()
        .chain(&args.common.skip_checks)
        .flat_map(|s| s.split(','))
        .map(str::trim)
    {
        if !id.is_empty() && !Selection::is_glob(id) && registry.get(id).is_none() {
            return usage(format_args!("unknown check `{id}` (see `moat checks`)"));
        }
    }
    let k8s_version = match args.k8s_version.as_deref() {
        None => None,
        Some(v) => match moat_manifest::config::parse_k8s_version(v) {
            Some(v) => Some(v),
            None => {
                return usage(format_args!(
                    "invalid --k8s-version `{v}` (expected e.g. 1.29)"
                ));
            }
        },
    };
    let pss = match args.pss_level.as_deref() {
        None => None,
        Some(l) => {
            let level = match moat_pss::Level::parse(l) {
                Ok(level) => level,
                Err(e) => return usage(e),
            };
            let version = match moat_pss::Version::parse(&args.pss_version) {
                Ok(v) if v.is_known() => v,
                Ok(_) | Err(_) => {
                    return usage(format_args!(
                        "unknown --pss-version `{}` (valid: {})",
                        args.pss_version,
                        moat_pss::Version::known_list()
                    ));
                }
            };
            Some(moat_pss::LevelVersion::new(level, version))
        }
    };
    let mut paths = args.paths.clone();
    if paths.is_empty() {
        paths.push(PathBuf::from("."));
    }
    let session = Session::new(ScanOptions {
        paths,
        exclude: args.common.exclude.clone(),
        max_file_size: args.common.max_file_size.saturating_mul(1024 * 1024),
        selection,
        min_severity: args.common.severity,
        config: args.common.config.clone(),
        no_config: args.common.no_config,
        today: moat_core::waiver::today_utc(),
        k8s_version,
        pss,
    });
    let session = match mode {
        Mode::Scan => session,
        Mode::Dockerfiles => session.dockerfiles_only(),
        Mode::Secrets => session.secrets_only(),
    };
    let fail_on: Option<Severity> = match args.common.fail_on.as_deref() {
        Some("never" | "none") => None,
        Some(s) => match s.parse() {
            Ok(sev) => Some(sev),
            Err(e) => return usage(e),
        },
        None => Some(session.config.fail_on.unwrap_or(Severity::High)),
    };
    let format = match args.common.format {
        FormatArg::Table => Format::Table,
        FormatArg::Json => Format::Json,
        FormatArg::Sarif => Format::Sarif,
        FormatArg::Junit => Format::Junit,
    };
    let (sink, is_tty): (Box<dyn Write>, bool) = if let Some(p) = &args.common.output {
        match std::fs::File::create(p) {
            Ok(f) => (Box::new(io::BufWriter::with_capacity(1 << 16, f)), false),
            Err(e) => return usage(format_args!("cannot write {}: {e}", p.display())),
        }
    } else {
        let stdout = io::stdout();
        let tty = stdout.is_terminal();
        (
            Box::new(io::BufWriter::with_capacity(1 << 16, stdout.lock())),
            tty,
        )
    };
    let color = match args.common.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => is_tty && std::env::var_os("NO_COLOR").is_none(),
    };
    let info = RunInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        checks: session.checks(),
        show_waived: args.common.show_waived,
        color,
        rules: Vec::new(),
    };
    let mut renderer = moat_report::renderer(format, sink, info);
    let summary = session.run(renderer.as_mut())?;
    drop(renderer);
    if !summary.errors.is_empty() {
        if args.common.output.is_some() || !matches!(format, Format::Table) {
            let _ = writeln!(
                io::stderr(),
                "moat: {} input error(s); see the report's errors (exit code 2)",
                summary.errors.len()
            );
        }
        return Ok(ExitCode::from(2));
    }
    Ok(match fail_on {
        Some(t) if summary.at_or_above(t) > 0 => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    })
}
