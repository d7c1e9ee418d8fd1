//! `moat netpol`: NetworkPolicy reachability queries, the connectivity matrix, coverage
//! findings and connectivity diffs. Wiring only; the analysis is `moat-netpol`.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::inputs::{Loaded, load_all, render_findings, report_problems};

/// What the input-error summary line says happened to the bad input.
const NETPOL_ERRORS: &str = "invalid objects were left out of the analysis";

use clap::{Args, Subcommand, ValueEnum};
use moat_core::{Severity, Summary};
use moat_netpol::connlist::{self, Options};
use moat_netpol::exposure;
use moat_netpol::ipnet::{IpSet, parse_cidr};
use moat_netpol::{Direction, Engine, Externals, Protocol, reach};
use moat_report::Format;

/// NetworkPolicy analysis (`networking.k8s.io/v1` NetworkPolicy, `AdminNetworkPolicy` and
/// `BaselineAdminNetworkPolicy`) over manifests or a `kubectl get … -o json` snapshot.
#[derive(Subcommand, Debug)]
pub enum NetpolCommand {
    /// Can one workload (or CIDR) reach another? Explains the deciding policy rules on the
    /// source's egress side and the destination's ingress side.
    #[command(after_long_help = REACH_EXAMPLES)]
    Reach(ReachArgs),
    /// The connectivity matrix among workloads and external address ranges, with the
    /// allowed protocols and ports per pair.
    #[command(after_long_help = MATRIX_EXAMPLES)]
    Matrix(MatrixArgs),
    /// Coverage findings: namespaces without default-deny, unselected workloads, over-broad
    /// rules, egress isolation without DNS, unmatched named ports, exposed kube-system.
    Check(CheckArgs),
    /// Connectivity differences between two inputs (e.g. before and after a change).
    Diff(DiffArgs),
}

const REACH_EXAMPLES: &str = "\
Examples:
  moat netpol reach k8s/ --from shop/frontend --to shop/db
  moat netpol reach k8s/ --from shop/frontend --to shop/db --port 5432/TCP --expect denied
  moat netpol reach k8s/ --from 0.0.0.0/0 --to shop/frontend --port 443
  kubectl get ns,pods,networkpolicies -A -o json | moat netpol reach - --from a/x --to b/y

Exit codes: 0 answered (and matching --expect); 1 the answer differs from --expect;
2 usage error or unreadable/invalid input (invalid policies are left out and reported).";

const MATRIX_EXAMPLES: &str = "\
Examples:
  moat netpol matrix k8s/                          aligned table of allowed connections
  moat netpol matrix k8s/ -f dot | dot -Tsvg > m.svg
  moat netpol matrix k8s/ --focus-workload shop/db --focus-direction ingress
  moat netpol matrix k8s/ --external 10.0.0.0/8 --external 0.0.0.0/0
  moat netpol matrix k8s/ --exposure -f txt       plus potential peers policies admit

Exit codes: 0 computed; 2 usage error or unreadable/invalid input (still computed).";

/// Input selection shared by every subcommand.
#[derive(Args, Debug, Clone)]
pub struct InputArgs {
    /// Files or directories (walked for .yaml/.yml/.json), or `-` for standard input.
    /// Default: the current directory.
    paths: Vec<PathBuf>,
    /// Skip paths matching this glob during directory walks (repeatable).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Largest file to read, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 100)]
    max_file_size: u64,
    /// External address ranges to model (repeatable); default 0.0.0.0/0. Each is split at
    /// the boundaries of the policies' ipBlocks.
    #[arg(long = "external", value_name = "CIDR")]
    externals: Vec<String>,
}

#[derive(Args, Debug)]
pub struct ReachArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Source: NAMESPACE/WORKLOAD (or a unique workload name), a CIDR or an IP address.
    #[arg(long, value_name = "ENDPOINT")]
    from: String,
    /// Destination: NAMESPACE/WORKLOAD, a CIDR or an IP address.
    #[arg(long, value_name = "ENDPOINT")]
    to: String,
    /// Only this port: PORT or PORT/PROTOCOL (TCP, UDP, SCTP; default TCP).
    #[arg(long, value_name = "PORT[/PROTO]")]
    port: Option<String>,
    /// Exit 1 unless the answer is this (for CI assertions).
    #[arg(long, value_enum)]
    expect: Option<Expect>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "text")]
    format: ReachFormat,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
enum Expect {
    Allowed,
    Denied,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ReachFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum MatrixFormat {
    /// Aligned columns: source, destination, connections.
    Table,
    /// `src => dst : conns` lines (np-guard netpol-analyzer notation).
    Txt,
    Json,
    Csv,
    Md,
    Dot,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum FocusDirection {
    Ingress,
    Egress,
}

#[derive(Args, Debug)]
pub struct MatrixArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "table")]
    format: MatrixFormat,
    /// Only connections of this workload (NAME or NAMESPACE/NAME; repeatable).
    #[arg(long = "focus-workload", value_name = "WORKLOAD")]
    focus_workloads: Vec<String>,
    /// With --focus-workload: only connections with these peers (repeatable).
    #[arg(long = "focus-peer", value_name = "WORKLOAD")]
    focus_peers: Vec<String>,
    /// With --focus-workload: only connections into (ingress) or out of (egress) them.
    #[arg(long, value_enum)]
    focus_direction: Option<FocusDirection>,
    /// Only pairs allowing this port: PORT[/PROTO].
    #[arg(long, value_name = "PORT[/PROTO]")]
    focus_port: Option<String>,
    /// Exposure analysis: also list, per workload and direction, the potential peers the
    /// policies would admit but that are not in the input — `entire-cluster`,
    /// `[namespace with {k=v}]/[all pods]`, `ns/[pod with {k=v}]`,
    /// `[all namespaces]/[pod with {k=v}]` — with the allowed connections, the external
    /// ranges of exposed workloads, and the workloads no policy protects. Formats: table,
    /// txt, json, dot (not csv, md). Ignored (with a warning) with --focus-peer.
    #[arg(long)]
    exposure: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum CheckFormat {
    Table,
    Json,
    Sarif,
    Junit,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "table")]
    format: CheckFormat,
    /// Exit 1 when a finding has at least this severity (`never` to always exit 0).
    #[arg(long, value_name = "SEVERITY", default_value = "high")]
    fail_on: String,
}

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// The first input (file or directory).
    ref1: PathBuf,
    /// The second input.
    ref2: PathBuf,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "txt")]
    format: DiffFormat,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum DiffFormat {
    Txt,
    Json,
}

/// Runs a `moat netpol` subcommand.
pub fn run(cmd: NetpolCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        NetpolCommand::Reach(a) => reach_cmd(&a),
        NetpolCommand::Matrix(a) => matrix_cmd(&a),
        NetpolCommand::Check(a) => check_cmd(&a),
        NetpolCommand::Diff(a) => diff_cmd(&a),
    }
}

fn usage(msg: impl std::fmt::Display) -> ExitCode {
    let _ = writeln!(io::stderr(), "moat: error: {msg}");
    ExitCode::from(2)
}

fn load_inputs(args: &InputArgs) -> Loaded {
    load_all(&args.paths, &args.exclude, args.max_file_size)
}

fn externals(args: &InputArgs) -> Result<Externals, String> {
    if args.externals.is_empty() {
        return Ok(Externals::default());
    }
    let mut space = IpSet::default();
    let mut extra = Vec::new();
    for c in &args.externals {
        let r = parse_cidr(c).map_err(|e| format!("--external: {e}"))?;
        space = space.union(&r.to_set());
        extra.push(r.to_set());
    }
    Ok(Externals { space, extra })
}

fn reach_cmd(args: &ReachArgs) -> anyhow::Result<ExitCode> {
    let port = match args.port.as_deref().map(reach::parse_port).transpose() {
        Ok(p) => p,
        Err(e) => return Ok(usage(e)),
    };
    let loaded = load_inputs(&args.input);
    let built = moat_netpol::build(&loaded.resources);
    let engine = Engine::new(&built.cluster);
    let answer = match reach::reach(&engine, &args.from, &args.to, port) {
        Ok(a) => a,
        Err(e) => {
            report_problems(&loaded.errors, &loaded.warnings, &[], NETPOL_ERRORS);
            return Ok(usage(e));
        }
    };
    let mut out = io::BufWriter::new(io::stdout().lock());
    match args.format {
        ReachFormat::Text => write!(
            out,
            "{}",
            reach::render_text(&built.cluster, &built.resources, &answer)
        )?,
        ReachFormat::Json => {
            serde_json::to_writer_pretty(
                &mut out,
                &reach::render_json(&built.cluster, &built.resources, &answer),
            )?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    let mut errors = loaded.errors;
    errors.extend(built.errors.iter().cloned());
    let mut warnings = loaded.warnings;
    warnings.extend(built.warnings.iter().cloned());
    if report_problems(&errors, &warnings, &[], NETPOL_ERRORS) {
        return Ok(ExitCode::from(2));
    }
    let allowed = answer.allowed_everywhere();
    Ok(match args.expect {
        Some(Expect::Allowed) if !allowed => ExitCode::from(1),
        Some(Expect::Denied) if answer.allowed_somewhere() => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    })
}

fn matrix_cmd(args: &MatrixArgs) -> anyhow::Result<ExitCode> {
    let ext = match externals(&args.input) {
        Ok(e) => e,
        Err(e) => return Ok(usage(e)),
    };
    let focus_conn = match args
        .focus_port
        .as_deref()
        .map(reach::parse_port)
        .transpose()
    {
        Ok(p) => p,
        Err(e) => return Ok(usage(e)),
    };
    let loaded = load_inputs(&args.input);
    let built = moat_netpol::build(&loaded.resources);
    let engine = Engine::new(&built.cluster);
    let opts = Options {
        focus_workloads: args.focus_workloads.clone(),
        focus_peers: args.focus_peers.clone(),
        focus_direction: args.focus_direction.map(|d| match d {
            FocusDirection::Ingress => Direction::Ingress,
            FocusDirection::Egress => Direction::Egress,
        }),
        focus_conn,
        externals: ext,
        exposure: args.exposure,
    };
    if args.exposure && matches!(args.format, MatrixFormat::Csv | MatrixFormat::Md) {
        return Ok(usage(
            "--exposure is available with -f table, txt, json and dot (not csv or md)",
        ));
    }
    let list = connlist::connlist(&engine, &opts);
    let exposed = (opts.exposure && !opts.ignores_exposure())
        .then(|| exposure::exposure(&engine, &list, &exposure::Focus::of(&opts)));
    let text = match (args.format, &exposed) {
        (MatrixFormat::Table, None) => table(&list, focus_conn),
        (MatrixFormat::Table, Some(e)) => {
            let mut t = table(&list, focus_conn);
            t.push('\n');
            t.push_str(&exposure::to_txt(e, focus_conn));
            t
        }
        (MatrixFormat::Txt, None) => connlist::to_txt(&list, focus_conn),
        (MatrixFormat::Txt, Some(e)) => exposure::render_txt(&list, e, focus_conn),
        (MatrixFormat::Json, None) => connlist::to_json(&list),
        (MatrixFormat::Json, Some(e)) => exposure::render_json(&list, e, focus_conn),
        (MatrixFormat::Csv, _) => connlist::to_csv(&list),
        (MatrixFormat::Md, _) => connlist::to_md(&list),
        (MatrixFormat::Dot, None) => connlist::to_dot(&list),
        (MatrixFormat::Dot, Some(e)) => connlist::to_dot_with(&list, &exposure::dot_edges(e)),
    };
    let mut out = io::BufWriter::new(io::stdout().lock());
    out.write_all(text.as_bytes())?;
    out.flush()?;
    let mut errors = loaded.errors;
    errors.extend(built.errors.iter().cloned());
    let mut warnings = loaded.warnings;
    warnings.extend(built.warnings.iter().cloned());
    if report_problems(&errors, &warnings, &list.warnings, NETPOL_ERRORS) {
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

fn table(list: &connlist::Connlist, focus: Option<(Protocol, u16)>) -> String {
    let rows: Vec<[String; 3]> = list
        .lines
        .iter()
        .map(|l| {
            [
                l.src.to_string(),
                l.dst.to_string(),
                focus.map_or_else(|| l.conns.to_string(), |(p, n)| format!("{p} {n}")),
            ]
        })
        .collect();
    let w0 = rows.iter().map(|r| r[0].len()).max().unwrap_or(0).max(6);
    let w1 = rows.iter().map(|r| r[1].len()).max().unwrap_or(0).max(11);
    let mut s = format!("{:<w0$}  {:<w1$}  CONNECTIONS\n", "SOURCE", "DESTINATION");
    for [a, b, c] in &rows {
        s.push_str(&format!("{a:<w0$}  {b:<w1$}  {c}\n"));
    }
    s.push_str(&format!(
        "\n{} allowed connection(s) among {} workload(s)\n",
        rows.len(),
        list.workloads.len()
    ));
    s
}

fn check_cmd(args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let fail_on: Option<Severity> = match args.fail_on.as_str() {
        "never" | "none" => None,
        s => match s.parse() {
            Ok(v) => Some(v),
            Err(e) => return Ok(usage(e)),
        },
    };
    let loaded = load_inputs(&args.input);
    let built = moat_netpol::build(&loaded.resources);
    let findings = moat_netpol::coverage::findings_for(&built);
    let mut summary = Summary::default();
    summary.scanned.files = loaded.files;
    summary.scanned.resources = loaded.resources.len() as u64;
    summary.errors = loaded.errors;
    summary.errors.extend(built.errors.iter().cloned());
    summary.warnings = loaded.warnings;
    summary.warnings.extend(built.warnings.iter().cloned());
    let format = match args.format {
        CheckFormat::Table => Format::Table,
        CheckFormat::Json => Format::Json,
        CheckFormat::Sarif => Format::Sarif,
        CheckFormat::Junit => Format::Junit,
    };
    render_findings(
        findings,
        moat_netpol::coverage::CHECKS,
        format,
        &mut summary,
    )?;
    if !summary.errors.is_empty() {
        if !matches!(format, Format::Table) {
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

fn diff_cmd(args: &DiffArgs) -> anyhow::Result<ExitCode> {
    let mut lists = Vec::new();
    let mut had_errors = false;
    for p in [&args.ref1, &args.ref2] {
        let input = InputArgs {
            paths: vec![p.clone()],
            exclude: Vec::new(),
            max_file_size: 100,
            externals: Vec::new(),
        };
        let loaded = load_inputs(&input);
        let built = moat_netpol::build(&loaded.resources);
        let engine = Engine::new(&built.cluster);
        let list = connlist::connlist(&engine, &Options::default());
        let mut errors = loaded.errors;
        errors.extend(built.errors.iter().cloned());
        had_errors |= report_problems(&errors, &built.warnings, &[], NETPOL_ERRORS);
        lists.push(list);
    }
    let (Some(a), Some(b)) = (lists.first(), lists.get(1)) else {
        return Ok(usage("two inputs are required"));
    };
    let d = connlist::diff(a, b);
    let mut out = io::BufWriter::new(io::stdout().lock());
    match args.format {
        DiffFormat::Txt => out.write_all(connlist::diff_to_txt(&d).as_bytes())?,
        DiffFormat::Json => {
            let v: Vec<serde_json::Value> = d
                .iter()
                .map(|l| {
                    serde_json::json!({
                        "diff_type": format!("{:?}", l.kind).to_ascii_lowercase(),
                        "src": l.src.to_string(),
                        "dst": l.dst.to_string(),
                        "ref1": l.ref1.to_string(),
                        "ref2": l.ref2.to_string(),
                        "workloads_diff_info": l.new_workloads.iter().map(|(w, added)| format!("{w} {}", if *added { "added" } else { "removed" })).collect::<Vec<_>>(),
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &v)?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(if had_errors {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
