//! `moat rbac`: who-can queries, effective permissions, the RBAC graph, risk findings,
//! escalation paths and workload blast radius. Wiring and rendering only; the
//! analysis is `moat-rbac`.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::inputs::{Loaded, load_all, render_findings, report_problems};

/// What the input-error summary line says happened to the bad input.
const RBAC_ERRORS: &str = "the rest was analysed";

use clap::{Args, Subcommand, ValueEnum};
use moat_core::{Severity, Summary};
use moat_rbac::escalate::{PathStep, render_path};
use moat_rbac::perms::{self, Query};
use moat_rbac::{Analysis, Options, Subject};
use moat_report::Format;
use serde_json::json;

/// Kubernetes RBAC analysis over manifests or a `kubectl get … -o json` snapshot.
#[derive(Subcommand, Debug)]
pub enum RbacCommand {
    /// Which subjects can perform a request, and the binding → role → rule that allows it.
    #[command(after_long_help = WHO_CAN_EXAMPLES)]
    WhoCan(WhoCanArgs),
    /// Effective permissions of a subject, grouped by scope, and what it can escalate to.
    #[command(alias = "permissions", after_long_help = CAN_EXAMPLES)]
    Can(CanArgs),
    /// The subject → binding → role → permission graph (Graphviz DOT or JSON).
    Graph(GraphArgs),
    /// Risk findings (MOAT-200…MOAT-229): dangerous grants, escalation paths, workload tokens.
    Risks(RisksArgs),
    /// Privilege-escalation paths: what each subject can become, and the shortest path to
    /// cluster-admin.
    Escalations(EscalationsArgs),
    /// What a compromised workload's ServiceAccount token could reach.
    BlastRadius(BlastArgs),
}

const WHO_CAN_EXAMPLES: &str = "\
Examples:
  moat rbac who-can create pods k8s/ -n shop
  moat rbac who-can get secrets k8s/ --name db-password -n shop
  moat rbac who-can create pods/exec k8s/            (every namespace)
  moat rbac who-can update deployments.apps k8s/
  moat rbac who-can get /metrics k8s/                (non-resource URL)
  kubectl get roles,clusterroles,rolebindings,clusterrolebindings -A -o json | moat rbac who-can bind clusterroles -

Exit codes: 0 answered; 2 usage error or unreadable input (the rest is still analysed).";

const CAN_EXAMPLES: &str = "\
Subjects: sa:NAMESPACE/NAME (or NAMESPACE/NAME, system:serviceaccount:NS:NAME),
user:NAME (or a bare NAME), group:NAME.

Examples:
  moat rbac can sa:ci/builder k8s/
  moat rbac can user:jane k8s/ -f json
  moat rbac can group:system:authenticated k8s/";

/// Input selection shared by every subcommand.
#[derive(Args, Debug, Clone)]
pub struct InputArgs {
    /// Skip paths matching this glob during directory walks (repeatable).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Largest file to read, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 100)]
    max_file_size: u64,
    /// Leave out the Kubernetes bootstrap roles and bindings (cluster-admin, admin, edit,
    /// view, system:*). Snapshots already contain them.
    #[arg(long)]
    no_builtin_roles: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum TextFormat {
    Table,
    Json,
}

#[derive(Args, Debug)]
pub struct WhoCanArgs {
    /// Verb: get, list, watch, create, update, patch, delete, bind, escalate, impersonate, …
    verb: String,
    /// Resource (`pods`, `pods/exec`, `deployments.apps`) or a non-resource URL (`/metrics`).
    resource: String,
    /// Files or directories (walked for .yaml/.yml/.json), or `-` for standard input.
    /// Default: the current directory.
    paths: Vec<PathBuf>,
    /// Namespace of the request; default: any namespace.
    #[arg(long, short = 'n', value_name = "NS")]
    namespace: Option<String>,
    /// Name of the object.
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Subresource (same as RESOURCE/SUBRESOURCE).
    #[arg(long, value_name = "S")]
    subresource: Option<String>,
    /// API group; default: the group the resource usually lives in (`apps` for
    /// deployments, core for pods).
    #[arg(long, value_name = "GROUP")]
    group: Option<String>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "table")]
    format: TextFormat,
    #[command(flatten)]
    input: InputArgs,
}

#[derive(Args, Debug)]
pub struct CanArgs {
    /// The subject: sa:NS/NAME, user:NAME or group:NAME.
    subject: String,
    /// Files or directories, or `-` for standard input. Default: the current directory.
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "table")]
    format: TextFormat,
    #[command(flatten)]
    input: InputArgs,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum GraphFormat {
    Dot,
    Json,
}

#[derive(Args, Debug)]
pub struct GraphArgs {
    /// Files or directories, or `-` for standard input. Default: the current directory.
    paths: Vec<PathBuf>,
    /// Output format (`dot | dot -Tsvg > rbac.svg` renders it).
    #[arg(long, short = 'f', value_enum, default_value = "dot")]
    format: GraphFormat,
    /// Include the bootstrap bindings too (normally only the input's bindings are drawn).
    #[arg(long)]
    include_builtin: bool,
    #[command(flatten)]
    input: InputArgs,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum RisksFormat {
    Table,
    Json,
    Sarif,
    Junit,
}

#[derive(Args, Debug)]
pub struct RisksArgs {
    /// Files or directories, or `-` for standard input. Default: the current directory.
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "table")]
    format: RisksFormat,
    /// Exit 1 when a finding has at least this severity (`never` to always exit 0).
    #[arg(long, value_name = "SEVERITY", default_value = "high")]
    fail_on: String,
    /// Only report findings of at least this severity.
    #[arg(long, value_name = "SEVERITY", default_value = "info")]
    severity: Severity,
    #[command(flatten)]
    input: InputArgs,
}

#[derive(Args, Debug)]
pub struct EscalationsArgs {
    /// Files or directories, or `-` for standard input. Default: the current directory.
    paths: Vec<PathBuf>,
    /// Only this subject (sa:NS/NAME, user:NAME, group:NAME).
    #[arg(long, value_name = "SUBJECT")]
    subject: Option<String>,
    /// Only subjects that can reach cluster-admin.
    #[arg(long)]
    cluster_admin: bool,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "table")]
    format: TextFormat,
    #[command(flatten)]
    input: InputArgs,
}

#[derive(Args, Debug)]
pub struct BlastArgs {
    /// Files or directories, or `-` for standard input. Default: the current directory.
    paths: Vec<PathBuf>,
    /// Only this workload: NAMESPACE/NAME (or NAME when unique).
    #[arg(long, value_name = "WORKLOAD")]
    workload: Option<String>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "table")]
    format: TextFormat,
    #[command(flatten)]
    input: InputArgs,
}

/// Runs a `moat rbac` subcommand.
pub fn run(cmd: RbacCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        RbacCommand::WhoCan(a) => who_can(&a),
        RbacCommand::Can(a) => can(&a),
        RbacCommand::Graph(a) => graph(&a),
        RbacCommand::Risks(a) => risks(&a),
        RbacCommand::Escalations(a) => escalations(&a),
        RbacCommand::BlastRadius(a) => blast(&a),
    }
}

fn usage(msg: impl std::fmt::Display) -> ExitCode {
    let _ = writeln!(io::stderr(), "moat: error: {msg}");
    ExitCode::from(2)
}

fn load_inputs(paths: &[PathBuf], args: &InputArgs) -> Loaded {
    load_all(paths, &args.exclude, args.max_file_size)
}

fn options(args: &InputArgs) -> Options {
    Options {
        builtin_roles: !args.no_builtin_roles,
    }
}

fn finish(loaded: &Loaded, a: &Analysis<'_>, ok: ExitCode) -> ExitCode {
    let mut warnings = loaded.warnings.clone();
    warnings.extend(a.cluster.warnings.iter().cloned());
    if report_problems(&loaded.errors, &warnings, &[], RBAC_ERRORS) {
        ExitCode::from(2)
    } else {
        ok
    }
}

fn write_out(text: &str) -> io::Result<()> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    out.write_all(text.as_bytes())?;
    out.flush()
}

fn write_json(v: &serde_json::Value) -> io::Result<()> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    serde_json::to_writer_pretty(&mut out, v)?;
    writeln!(out)?;
    out.flush()
}

/// Aligned columns with a header.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.chars().count());
            }
        }
    }
    let mut s = String::new();
    let line = |s: &mut String, cells: Vec<&str>| {
        let last = cells.len().saturating_sub(1);
        for (i, c) in cells.into_iter().enumerate() {
            if i == last {
                s.push_str(c);
            } else {
                let w = widths.get(i).copied().unwrap_or(0);
                let _ = write!(s, "{c:<w$}  ");
            }
        }
        s.push('\n');
    };
    line(&mut s, header.to_vec());
    for r in rows {
        line(&mut s, r.iter().map(String::as_str).collect());
    }
    s
}

fn scope_text(s: moat_rbac::Scope<'_>) -> String {
    match s {
        moat_rbac::Scope::Cluster => "cluster-wide".to_owned(),
        moat_rbac::Scope::AllNamespaces => "every namespace".to_owned(),
        moat_rbac::Scope::Namespace(n) => format!("ns/{n}"),
    }
}

fn who_can(args: &WhoCanArgs) -> anyhow::Result<ExitCode> {
    // kubectl's `resource.group` form, e.g. deployments.apps or pods.metrics.k8s.io.
    let (resource, group): (String, Option<String>) = match args.resource.split_once('/') {
        _ if args.resource.starts_with('/') => (args.resource.clone(), None),
        split => {
            let (res, sub) = split.map_or((args.resource.as_str(), None), |(r, s)| (r, Some(s)));
            match res.split_once('.') {
                Some((r, g)) if args.group.is_none() => (
                    sub.map_or_else(|| r.to_owned(), |s| format!("{r}/{s}")),
                    Some(g.to_owned()),
                ),
                _ => (args.resource.clone(), args.group.clone()),
            }
        }
    };
    let resource = resource.as_str();
    if args.verb.is_empty() || resource.is_empty() {
        return Ok(usage("VERB and RESOURCE must not be empty"));
    }
    let loaded = load_inputs(&args.paths, &args.input);
    let a = moat_rbac::analyze(&loaded.resources, &options(&args.input));
    let q = Query {
        verb: &args.verb,
        group: group.as_deref(),
        resource: if resource.starts_with('/') {
            ""
        } else {
            resource
        },
        subresource: args.subresource.as_deref(),
        name: args.name.as_deref(),
        namespace: args.namespace.as_deref(),
        non_resource_url: resource.starts_with('/').then_some(resource),
    };
    let (attrs, cluster_scoped) = perms::query_attrs(&q);
    let rows = perms::who_can(&a.cluster, &q);
    let c = &a.cluster;
    let describe_request = || {
        if let Some(u) = q.non_resource_url {
            return format!("{} {u}", q.verb);
        }
        let mut s = format!("{} {}", q.verb, attrs.resource);
        if !attrs.subresource.is_empty() {
            let _ = write!(s, "/{}", attrs.subresource);
        }
        if !attrs.group.is_empty() {
            let _ = write!(s, ".{}", attrs.group);
        }
        if let Some(n) = q.name {
            let _ = write!(s, " named {n}");
        }
        if cluster_scoped {
            s.push_str(" (cluster-scoped)");
        } else {
            match q.namespace {
                Some(ns) => {
                    let _ = write!(s, " in namespace {ns}");
                }
                None => s.push_str(" in any namespace"),
            }
        }
        s
    };
    match args.format {
        TextFormat::Json => {
            let subjects: Vec<serde_json::Value> = rows
                .iter()
                .map(|r| {
                    let g = perms::Grant {
                        binding: r.binding,
                        subject: r.subject_index,
                        role: r.role,
                        scope: r.scope,
                    };
                    let via = perms::via(c, &g, r.rule);
                    json!({
                        "subject": r.subject,
                        "scope": r.scope,
                        "via": via,
                        "rule": c.rule(r.rule),
                    })
                })
                .collect();
            write_json(&json!({
                "query": {
                    "verb": q.verb,
                    "group": attrs.group,
                    "resource": attrs.resource,
                    "subresource": attrs.subresource,
                    "name": q.name,
                    "namespace": q.namespace,
                    "nonResourceURL": q.non_resource_url,
                    "clusterScoped": cluster_scoped,
                },
                "subjects": subjects,
            }))?;
        }
        TextFormat::Table => {
            let body: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    let b = c.bindings.get(r.binding);
                    let role = c.roles.get(r.role);
                    let from = c.roles.get(r.rule.role as usize);
                    let rule = if r.rule.role as usize == r.role {
                        format!("rules[{}]", r.rule.rule)
                    } else {
                        format!(
                            "{} rules[{}]",
                            from.map(moat_rbac::model::Role::display)
                                .unwrap_or_default(),
                            r.rule.rule
                        )
                    };
                    vec![
                        r.subject.to_string(),
                        scope_text(r.scope),
                        format!(
                            "{} → {} {rule}",
                            b.map(moat_rbac::model::Binding::display)
                                .unwrap_or_default(),
                            role.map(moat_rbac::model::Role::display)
                                .unwrap_or_default()
                        ),
                    ]
                })
                .collect();
            let mut text = format!("Who can {}:\n\n", describe_request());
            if body.is_empty() {
                text.push_str("nobody (no binding grants it)\n");
            } else {
                text.push_str(&table(&["SUBJECT", "SCOPE", "VIA"], &body));
                let subjects: std::collections::BTreeSet<&Subject> =
                    rows.iter().map(|r| &r.subject).collect();
                let _ = writeln!(
                    text,
                    "\n{} subject(s), {} grant(s)",
                    subjects.len(),
                    rows.len()
                );
            }
            write_out(&text)?;
        }
    }
    Ok(finish(&loaded, &a, ExitCode::SUCCESS))
}

fn path_json(path: &[PathStep]) -> serde_json::Value {
    json!({ "steps": path, "text": render_path(path) })
}

fn can(args: &CanArgs) -> anyhow::Result<ExitCode> {
    let subject = match Subject::parse(&args.subject) {
        Ok(s) => s,
        Err(e) => return Ok(usage(e)),
    };
    let loaded = load_inputs(&args.paths, &args.input);
    let a = moat_rbac::analyze(&loaded.resources, &options(&args.input));
    let c = &a.cluster;
    let rows = perms::permissions(c, &subject);
    let admin = a.graph.path_to_admin(c, &subject);
    let reach = a.graph.reach(c, &subject);
    match args.format {
        TextFormat::Json => {
            let reaches: Vec<serde_json::Value> = reach
                .iter()
                .map(|(n, p)| json!({ "target": node_label(n), "path": path_json(p) }))
                .collect();
            write_json(&json!({
                "subject": subject,
                "permissions": rows,
                "cluster_admin": (!admin.is_empty()).then(|| path_json(&admin)),
                "reaches": reaches,
            }))?;
        }
        TextFormat::Table => {
            let mut text = format!("Effective permissions of {subject}:\n\n");
            if rows.is_empty() {
                text.push_str("none (no binding applies to it or its groups)\n");
            } else {
                let body: Vec<Vec<String>> = rows
                    .iter()
                    .map(|r| {
                        let what = if r.non_resource_urls.is_empty() {
                            let groups: Vec<&str> = r
                                .api_groups
                                .iter()
                                .map(|g| if g.is_empty() { "core" } else { g })
                                .collect();
                            let mut s = format!("{} ({})", r.resources.join(","), groups.join(","));
                            if !r.resource_names.is_empty() {
                                let _ = write!(s, " names={}", r.resource_names.join(","));
                            }
                            s
                        } else {
                            r.non_resource_urls.join(",")
                        };
                        let via: Vec<String> = r
                            .via
                            .iter()
                            .map(|v| format!("{} → {}", v.binding, v.role))
                            .collect();
                        let mut via = via.join("; ");
                        if let Some(why) = r.ineffective {
                            let _ = write!(via, " [no effect: {why}]");
                        }
                        vec![scope_text(r.scope), r.verbs.join(","), what, via]
                    })
                    .collect();
                text.push_str(&table(&["SCOPE", "VERBS", "RESOURCES", "VIA"], &body));
            }
            text.push_str("\nEscalation:\n");
            if admin.is_empty() {
                text.push_str("  cannot reach cluster-admin\n");
            } else {
                let _ = writeln!(
                    text,
                    "  cluster-admin in {} step(s): {}",
                    admin.len(),
                    render_path(&admin)
                );
            }
            if let Some((_, p)) = reach
                .iter()
                .find(|(n, _)| matches!(n, moat_rbac::escalate::Node::NodeHost))
            {
                let _ = writeln!(text, "  node host: {}", render_path(p));
            }
            let identities: Vec<String> = reach
                .iter()
                .filter(|(n, _)| matches!(n, moat_rbac::escalate::Node::Identity(_)))
                .map(|(n, _)| node_label(n))
                .collect();
            if identities.is_empty() {
                text.push_str("  cannot become any other identity\n");
            } else {
                let shown: Vec<&str> = identities.iter().map(String::as_str).take(20).collect();
                let _ = writeln!(
                    text,
                    "  can become {} identit{}: {}{}",
                    identities.len(),
                    if identities.len() == 1 { "y" } else { "ies" },
                    shown.join(", "),
                    if identities.len() > shown.len() {
                        ", … (-f json lists all, with paths)"
                    } else {
                        ""
                    }
                );
            }
            write_out(&text)?;
        }
    }
    Ok(finish(&loaded, &a, ExitCode::SUCCESS))
}

fn node_label(n: &moat_rbac::escalate::Node<'_>) -> String {
    match n {
        moat_rbac::escalate::Node::Identity(s) => s.to_string(),
        moat_rbac::escalate::Node::ClusterAdmin => "cluster-admin".to_owned(),
        moat_rbac::escalate::Node::NodeHost => "node host (root)".to_owned(),
        other => format!("{other:?}"),
    }
}

fn graph(args: &GraphArgs) -> anyhow::Result<ExitCode> {
    let loaded = load_inputs(&args.paths, &args.input);
    let a = moat_rbac::analyze(&loaded.resources, &options(&args.input));
    let g = moat_rbac::graph::rbac_graph(&a.cluster, args.include_builtin);
    match args.format {
        GraphFormat::Dot => write_out(&g.to_dot())?,
        GraphFormat::Json => write_json(&serde_json::to_value(&g)?)?,
    }
    Ok(finish(&loaded, &a, ExitCode::SUCCESS))
}

fn risks(args: &RisksArgs) -> anyhow::Result<ExitCode> {
    let fail_on: Option<Severity> = match args.fail_on.as_str() {
        "never" | "none" => None,
        s => match s.parse() {
            Ok(v) => Some(v),
            Err(e) => return Ok(usage(e)),
        },
    };
    let loaded = load_inputs(&args.paths, &args.input);
    let a = moat_rbac::analyze(&loaded.resources, &options(&args.input));
    let findings: Vec<moat_core::Finding> = a
        .risks()
        .iter()
        .filter(|f| f.severity >= args.severity)
        .map(moat_rbac::RiskFinding::to_finding)
        .collect();
    let mut summary = Summary::default();
    summary.scanned.files = loaded.files;
    summary.scanned.resources = loaded.resources.len() as u64;
    summary.errors.clone_from(&loaded.errors);
    summary.warnings.clone_from(&loaded.warnings);
    summary.warnings.extend(a.cluster.warnings.iter().cloned());
    // Group per resource, in file order.
    let mut sorted = findings;
    sorted.sort_by(|x, y| {
        (&x.location.file, x.location.line, &x.check_id).cmp(&(
            &y.location.file,
            y.location.line,
            &y.check_id,
        ))
    });
    let format = match args.format {
        RisksFormat::Table => Format::Table,
        RisksFormat::Json => Format::Json,
        RisksFormat::Sarif => Format::Sarif,
        RisksFormat::Junit => Format::Junit,
    };
    render_findings(sorted, moat_rbac::CHECKS, format, &mut summary)?;
    if report_problems(&[], &summary.warnings, &[], RBAC_ERRORS) || !summary.errors.is_empty() {
        let _ = writeln!(
            io::stderr(),
            "moat: {} input error(s); see the report's errors (exit code 2)",
            summary.errors.len()
        );
        return Ok(ExitCode::from(2));
    }
    Ok(match fail_on {
        Some(t) if summary.at_or_above(t) > 0 => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    })
}

fn escalations(args: &EscalationsArgs) -> anyhow::Result<ExitCode> {
    let only = match args.subject.as_deref().map(Subject::parse).transpose() {
        Ok(s) => s,
        Err(e) => return Ok(usage(e)),
    };
    let loaded = load_inputs(&args.paths, &args.input);
    let a = moat_rbac::analyze(&loaded.resources, &options(&args.input));
    let mut reports = a.escalations();
    if let Some(s) = &only {
        reports.retain(|r| &r.subject == s);
    }
    if args.cluster_admin {
        reports.retain(|r| r.cluster_admin.is_some());
    }
    match args.format {
        TextFormat::Json => write_json(&json!({ "escalations": reports }))?,
        TextFormat::Table => {
            let mut text = String::new();
            if reports.is_empty() {
                text.push_str("No subject of the input can become another identity.\n");
            }
            for r in &reports {
                let _ = writeln!(text, "{}", r.subject);
                match &r.cluster_admin {
                    Some(p) => {
                        let _ = writeln!(
                            text,
                            "  cluster-admin in {} step(s): {}",
                            p.len(),
                            render_path(p)
                        );
                    }
                    None => text.push_str("  cannot reach cluster-admin\n"),
                }
                if let Some(p) = &r.node_host {
                    let _ = writeln!(text, "  node host: {}", render_path(p));
                }
                let names: Vec<&str> = r.can_become.iter().map(|b| b.target.as_str()).collect();
                if !names.is_empty() {
                    let shown: Vec<&str> = names.iter().copied().take(20).collect();
                    let _ = writeln!(
                        text,
                        "  can become {} identit{}: {}{}",
                        names.len(),
                        if names.len() == 1 { "y" } else { "ies" },
                        shown.join(", "),
                        if names.len() > shown.len() {
                            ", …"
                        } else {
                            ""
                        }
                    );
                }
            }
            let admins = reports.iter().filter(|r| r.cluster_admin.is_some()).count();
            let _ = writeln!(
                text,
                "\n{} subject(s) can escalate; {admins} can reach cluster-admin",
                reports.len()
            );
            write_out(&text)?;
        }
    }
    Ok(finish(&loaded, &a, ExitCode::SUCCESS))
}

fn blast(args: &BlastArgs) -> anyhow::Result<ExitCode> {
    let loaded = load_inputs(&args.paths, &args.input);
    let a = moat_rbac::analyze(&loaded.resources, &options(&args.input));
    let c = &a.cluster;
    let mut ids: Vec<usize> = (0..c.workloads.len())
        .filter(|&i| c.workloads.get(i).is_some_and(|w| !w.owned))
        .collect();
    if let Some(want) = &args.workload {
        let (ns, name) = want
            .split_once('/')
            .map_or((None, want.as_str()), |(n, w)| (Some(n), w));
        ids.retain(|&i| {
            c.workloads
                .get(i)
                .is_some_and(|w| w.name == name && ns.is_none_or(|n| n == w.namespace))
        });
        if ids.is_empty() {
            report_problems(&loaded.errors, &loaded.warnings, &[], RBAC_ERRORS);
            return Ok(usage(format_args!("no workload `{want}` in the input")));
        }
        if ids.len() > 1 && ns.is_none() {
            return Ok(usage(format_args!(
                "`{want}` is ambiguous; use NAMESPACE/NAME"
            )));
        }
    }
    let radii: Vec<_> = ids
        .iter()
        .filter_map(|&i| moat_rbac::blast::blast_radius(c, &a.graph, i))
        .collect();
    match args.format {
        TextFormat::Json => write_json(&json!({ "workloads": radii }))?,
        TextFormat::Table => {
            let body: Vec<Vec<String>> = radii
                .iter()
                .map(|r| {
                    let exposure: Vec<String> = r
                        .exposure
                        .iter()
                        .map(|e| format!("{} {}", e.exposure_type, e.name))
                        .collect();
                    let identities = r
                        .reaches
                        .iter()
                        .filter(|x| {
                            x.target.starts_with("ServiceAccount")
                                || x.target.starts_with("User")
                                || x.target.starts_with("Group")
                        })
                        .count();
                    vec![
                        r.workload.clone(),
                        r.service_account.to_string(),
                        if r.token_mounted {
                            "yes".into()
                        } else {
                            "no".into()
                        },
                        r.permissions.len().to_string(),
                        identities.to_string(),
                        if r.cluster_admin {
                            "YES".into()
                        } else if r.node_host {
                            "node".into()
                        } else {
                            "-".into()
                        },
                        if exposure.is_empty() {
                            "-".into()
                        } else {
                            exposure.join(", ")
                        },
                    ]
                })
                .collect();
            let mut text = table(
                &[
                    "WORKLOAD",
                    "SERVICEACCOUNT",
                    "TOKEN",
                    "PERMS",
                    "REACHES",
                    "CLUSTER-ADMIN",
                    "EXPOSED BY",
                ],
                &body,
            );
            for r in radii.iter().filter(|r| r.cluster_admin) {
                if let Some(p) = r.reaches.iter().find(|x| x.target == "cluster-admin") {
                    let _ = writeln!(text, "\n{}: {}", r.workload, render_path(&p.path));
                }
            }
            write_out(&text)?;
        }
    }
    Ok(finish(&loaded, &a, ExitCode::SUCCESS))
}
