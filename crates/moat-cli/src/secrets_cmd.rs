//! `moat secrets PATH…|-`: the scan pipeline with every input read as a plain file and
//! searched for credentials (rules MOAT-700…).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::{CommonArgs, Mode, ScanArgs};

pub const EXAMPLES: &str = "\
Examples:
  moat secrets .                              every file under the current directory
  moat secrets config/ deploy.env -f json     JSON report of a directory and a file
  kubectl get secret -o yaml app | moat secrets -   standard input
  moat secrets . --skip-check MOAT-708        ignore Stripe test keys
  moat explain MOAT-716                       how generic secrets are recognised

Secrets are shown redacted: the first four characters, then `*`. Hidden entries and .git
are skipped; binaries (NUL bytes, binary extensions), lockfiles, minified assets and files
over 10 MiB are skipped too (see the `secrets:` section of .moat.yaml).

Exit codes: 0 clean or only findings below --fail-on; 1 findings at or above --fail-on;
2 usage error or unreadable input (the rest is still scanned and reported).";

#[derive(Args, Debug)]
pub struct SecretsArgs {
    /// Files or directories; `-` reads standard input. Default: the current directory.
    paths: Vec<PathBuf>,
    #[command(flatten)]
    common: CommonArgs,
}

pub fn run(a: SecretsArgs) -> anyhow::Result<ExitCode> {
    crate::run_scan(&ScanArgs::plain(a.paths, a.common), Mode::Secrets)
}
