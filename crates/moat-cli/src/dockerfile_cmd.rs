//! `moat dockerfile FILE|-`: the scan pipeline with every input read as a Dockerfile.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use moat_core::Severity;

use crate::{ColorArg, FormatArg, ScanArgs};

pub const EXAMPLES: &str = "\
Examples:
  moat dockerfile Dockerfile                  lint one Dockerfile
  moat dockerfile - < build/Containerfile     lint standard input
  moat dockerfile services/ -f sarif          every Dockerfile under services/
  moat explain MOAT-607                       why piping curl into sh is reported

Exit codes: 0 clean or only findings below --fail-on; 1 findings at or above --fail-on;
2 usage error or unreadable/unparsable input (the rest is still linted and reported).";

#[derive(Args, Debug)]
pub struct DockerfileArgs {
    /// Dockerfiles or directories; `-` reads standard input. Default: the current directory.
    paths: Vec<PathBuf>,
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
    /// Run only these checks (IDs, names or globs such as `MOAT-6*`).
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
    /// Show waived findings in the table.
    #[arg(long)]
    show_waived: bool,
    /// Largest file to read, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 100)]
    max_file_size: u64,
    /// When to colour the table.
    #[arg(long, value_enum, default_value = "auto")]
    color: ColorArg,
}

pub fn run(a: DockerfileArgs) -> anyhow::Result<ExitCode> {
    let args = ScanArgs {
        paths: a.paths,
        format: a.format,
        output: a.output,
        fail_on: a.fail_on,
        severity: a.severity,
        checks: a.checks,
        skip_checks: a.skip_checks,
        exclude: a.exclude,
        config: a.config,
        no_config: a.no_config,
        show_waived: a.show_waived,
        max_file_size: a.max_file_size,
        color: a.color,
        k8s_version: None,
        pss_level: None,
        pss_version: "latest".to_owned(),
    };
    crate::run_scan(&args, true)
}
