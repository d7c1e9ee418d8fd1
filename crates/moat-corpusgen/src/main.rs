//! `moat-corpusgen --out DIR --resources N [--seed S] [--files-per-dir K]`: writes a
//! deterministic corpus of realistic Kubernetes manifests for benchmarks.

use std::io::{self, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use moat_corpusgen::{Options, SUMMARY_FILE, generate};

const USAGE: &str = "usage: moat-corpusgen --out DIR --resources N [--seed S] [--files-per-dir K]

Writes N realistic Kubernetes objects (Deployments, StatefulSets, DaemonSets, CronJobs,
Jobs, Pods, Services, ConfigMaps, Secrets, Ingresses, RBAC, NetworkPolicies,
ServiceAccounts, ...) into DIR as single-document, multi-document, List and JSON files,
about 20% of workloads insecure. The same seed gives byte-identical output.
DIR must be empty or absent. A summary is written to DIR/SUMMARY.

options:
  --out DIR            output directory
  --resources N        number of objects (List items count one by one)
  --seed S             PRNG seed (default 1)
  --files-per-dir K    files per subdirectory (default 100)
  -h, --help           this help
";

fn parse_args(args: &[String]) -> Result<Option<Options>, String> {
    let mut out = None;
    let mut resources = None;
    let mut seed = 1u64;
    let mut files_per_dir = 100usize;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_owned())),
            _ => (a.as_str(), None),
        };
        if flag == "-h" || flag == "--help" {
            return Ok(None);
        }
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next().cloned())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag {
            "--out" => out = Some(PathBuf::from(value()?)),
            "--resources" => {
                resources = Some(
                    value()?
                        .parse::<usize>()
                        .map_err(|e| format!("--resources: {e}"))?,
                );
            }
            "--seed" => seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--files-per-dir" => {
                files_per_dir = value()?
                    .parse()
                    .map_err(|e| format!("--files-per-dir: {e}"))?;
                if files_per_dir == 0 {
                    return Err("--files-per-dir must be at least 1".into());
                }
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let out = out.ok_or("--out is required")?;
    let resources = resources.ok_or("--resources is required")?;
    Ok(Some(Options {
        out,
        resources,
        seed,
        files_per_dir,
    }))
}

/// Bytes as decimal megabytes with two decimals.
fn mb(bytes: u64) -> String {
    let hundredths = (bytes + 5_000) / 10_000;
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opts = match parse_args(&args) {
        Ok(Some(o)) => o,
        Ok(None) => {
            let _ = io::stdout().write_all(USAGE.as_bytes());
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let _ = writeln!(io::stderr(), "moat-corpusgen: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let start = Instant::now();
    match generate(&opts) {
        Ok(s) => {
            let secs = start.elapsed().as_secs_f64();
            let _ = writeln!(
                io::stdout(),
                "wrote {} resources in {} files ({} MB, largest file {} MB) to {} in {secs:.1}s; summary in {}",
                s.resources,
                s.files,
                mb(s.bytes),
                mb(s.largest_file_bytes),
                opts.out.display(),
                opts.out.join(SUMMARY_FILE).display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            let _ = writeln!(io::stderr(), "moat-corpusgen: {}: {e}", opts.out.display());
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn parses_flags() {
        let o = parse_args(&args(&["--out", "d", "--resources=5", "--seed", "9"]))
            .ok()
            .flatten();
        let o = o.map(|o| (o.out, o.resources, o.seed, o.files_per_dir));
        assert_eq!(o, Some((PathBuf::from("d"), 5, 9, 100)));
        assert!(parse_args(&args(&["--out", "d"])).is_err());
        assert!(parse_args(&args(&["--out", "d", "--resources", "x"])).is_err());
        assert!(parse_args(&args(&["--bogus"])).is_err());
        assert!(matches!(parse_args(&args(&["-h"])), Ok(None)));
        assert_eq!(mb(65_166_934), "65.17");
        assert_eq!(mb(999), "0.00");
    }
}
