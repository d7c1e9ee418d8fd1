//! `moat dockerfile FILE|-`: the scan pipeline with every input read as a Dockerfile.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::{CommonArgs, Mode, ScanArgs};

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
    #[command(flatten)]
    common: CommonArgs,
}

pub fn run(a: DockerfileArgs) -> anyhow::Result<ExitCode> {
    crate::run_scan(&ScanArgs::plain(a.paths, a.common), Mode::Dockerfiles)
}
