//! `moat pss`: the Pod Security Admission verdict for every workload, offline, for any
//! policy version, with the API server's messages. Wiring only; the semantics are
//! `moat-pss`.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use moat_core::InputError;
use moat_manifest::{Input, LoadOptions, LoadedFile, Node, PodSpecView, Resource, Value};
use moat_pss::config::{AdmissionConfig, ConfigError, PodSecurityConfig, parse_admission_config};
use moat_pss::{
    Level, LevelVersion, Mode, Policy, Version, Violation, denial_message, evaluate,
    policy_for_labels,
};

/// Evaluate workloads against the Pod Security Standards as the API server's Pod Security
/// admission would.
#[derive(Args, Debug)]
#[command(after_long_help = PSS_EXAMPLES)]
pub struct PssArgs {
    /// Files or directories (walked for .yaml/.yml/.json), or `-` for standard input.
    /// Default: the current directory.
    paths: Vec<PathBuf>,
    /// Level for workloads whose namespace sets none (in the input's Namespace labels).
    /// Default: the admission configuration's, else restricted.
    #[arg(long, value_enum)]
    level: Option<LevelArg>,
    /// Policy version (v1.0 … v1.37, or latest) for workloads whose namespace sets none.
    /// Default: the admission configuration's, else latest.
    #[arg(long, value_name = "VERSION")]
    version: Option<String>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "table")]
    format: PssFormat,
    /// A Pod Security admission configuration: an `AdmissionConfiguration` (as given to the
    /// API server's --admission-control-config-file) or a `PodSecurityConfiguration`. Its
    /// defaults and namespace and runtime class exemptions apply.
    #[arg(long, value_name = "FILE")]
    admission_config: Option<PathBuf>,
    /// Which namespace labels decide the level: enforce (pods are rejected), audit or warn.
    #[arg(long, value_enum, default_value = "enforce")]
    mode: ModeArg,
    /// Skip paths matching this glob during directory walks (repeatable).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
}

const PSS_EXAMPLES: &str = "\
Examples:
  moat pss k8s/                                   restricted:latest for everything
  moat pss k8s/ --level baseline --version v1.29  the policy of a 1.29 cluster
  helm template charts/app | moat pss - -f json
  moat pss k8s/ --admission-config admission.yaml  cluster defaults and exemptions

Namespace objects in the input choose the policy of their workloads through their
pod-security.kubernetes.io/{enforce,audit,warn}[-version] labels (--mode picks which).

Exit codes: 0 every workload allowed; 1 a workload is denied; 2 usage error, unknown
version, invalid admission configuration or namespace label, or unreadable input (the
rest is still evaluated and reported).";

#[derive(Clone, Copy, Debug, ValueEnum)]
enum LevelArg {
    Privileged,
    Baseline,
    Restricted,
}

impl From<LevelArg> for Level {
    fn from(l: LevelArg) -> Level {
        match l {
            LevelArg::Privileged => Level::Privileged,
            LevelArg::Baseline => Level::Baseline,
            LevelArg::Restricted => Level::Restricted,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ModeArg {
    Enforce,
    Audit,
    Warn,
}

impl From<ModeArg> for Mode {
    fn from(m: ModeArg) -> Mode {
        match m {
            ModeArg::Enforce => Mode::Enforce,
            ModeArg::Audit => Mode::Audit,
            ModeArg::Warn => Mode::Warn,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
enum PssFormat {
    Table,
    Json,
}

/// Why a workload was not evaluated.
#[derive(Clone, Debug)]
enum Exemption {
    Namespace(String),
    RuntimeClass(String),
}

/// The verdict for one workload.
struct Outcome<'a> {
    resource: &'a Resource,
    policy: LevelVersion,
    exempt: Option<Exemption>,
    violations: Vec<Violation>,
}

fn usage(msg: impl std::fmt::Display) -> ExitCode {
    let _ = writeln!(io::stderr(), "moat: error: {msg}");
    ExitCode::from(2)
}

/// Runs `moat pss`.
pub fn run(args: &PssArgs) -> anyhow::Result<ExitCode> {
    let mode = Mode::from(args.mode);
    let version = match args.version.as_deref().map(Version::parse) {
        None => None,
        Some(Ok(v)) if v.is_known() => Some(v),
        Some(_) => {
            return Ok(usage(format_args!(
                "unknown version `{}`; valid versions: {}",
                args.version.as_deref().unwrap_or(""),
                Version::known_list()
            )));
        }
    };
    let config = match &args.admission_config {
        None => None,
        Some(path) => match load_config(path) {
            Ok(c) => Some(c),
            Err(errors) => {
                for e in errors {
                    let _ = writeln!(io::stderr(), "moat: error: {}", location_message(&e));
                }
                return Ok(ExitCode::from(2));
            }
        },
    };
    let mut defaults = config.as_ref().map_or(
        Policy::uniform(LevelVersion::new(Level::Restricted, Version::Latest)),
        |c| c.defaults,
    );
    for m in Mode::ALL {
        let mut lv = defaults.get(m);
        if let Some(l) = args.level {
            lv.level = l.into();
        }
        if let Some(v) = version {
            lv.version = v;
        }
        defaults.set(m, lv);
    }

    let mut paths = args.paths.clone();
    if paths.is_empty() {
        paths.push(PathBuf::from("."));
    }
    let opts = LoadOptions {
        exclude: args.exclude.clone(),
        ..LoadOptions::default()
    };
    let (inputs, mut errors) = moat_manifest::discover(&paths, &opts);
    let files: Vec<LoadedFile> = inputs
        .iter()
        .map(|i| moat_manifest::load(i, &opts))
        .collect();
    for f in &files {
        errors.extend(f.errors.iter().cloned());
    }
    let resources: Vec<&Resource> = files.iter().flat_map(|f| &f.resources).collect();
    let namespaces = namespace_policies(&resources, &defaults, &mut errors);

    let outcomes: Vec<Outcome<'_>> = resources
        .iter()
        .filter_map(|r| PodSpecView::of(r).map(|view| (r, view)))
        .map(|(r, view)| {
            let ns = r.rref.namespace.as_deref();
            let policy = ns
                .and_then(|n| namespaces.get(n))
                .unwrap_or(&defaults)
                .get(mode);
            let runtime_class = view
                .get("runtimeClassName")
                .and_then(Node::as_str)
                .unwrap_or("");
            let exempt = match (&config, ns) {
                (Some(c), Some(n)) if c.exempt_namespace(n) => {
                    Some(Exemption::Namespace(n.to_owned()))
                }
                (Some(c), _) if c.exempt_runtime_class(runtime_class) => {
                    Some(Exemption::RuntimeClass(runtime_class.to_owned()))
                }
                _ => None,
            };
            let violations = if exempt.is_some() {
                Vec::new()
            } else {
                evaluate(&view, policy.level, policy.version)
            };
            Outcome {
                resource: r,
                policy,
                exempt,
                violations,
            }
        })
        .collect();

    let mut out = io::BufWriter::new(io::stdout().lock());
    match args.format {
        PssFormat::Json => write_json(&mut out, defaults.get(mode), &outcomes, &errors)?,
        PssFormat::Table => write_table(&mut out, &outcomes)?,
    }
    out.flush()?;
    drop(out);
    if args.format == PssFormat::Table {
        for e in &errors {
            let _ = writeln!(io::stderr(), "moat: error: {}", location_message(e));
        }
    }
    Ok(if !errors.is_empty() {
        ExitCode::from(2)
    } else if outcomes.iter().any(|o| !o.violations.is_empty()) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn location_message(e: &InputError) -> String {
    match (e.line, e.column) {
        (0, _) => format!("{}: {}", e.file, e.message),
        (l, 0) => format!("{}:{l}: {}", e.file, e.message),
        (l, c) => format!("{}:{l}:{c}: {}", e.file, e.message),
    }
}

/// A label value as the API server's `map[string]string` holds it.
fn label_text(n: &Node) -> String {
    match &n.value {
        Value::Str(s) => s.clone(),
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Seq(_) | Value::Map(_) => "<object>".to_owned(),
    }
}

/// The policy of every Namespace in the input, from its labels; invalid labels are input
/// errors (the API server rejects such a Namespace) and evaluate as upstream does.
fn namespace_policies(
    resources: &[&Resource],
    defaults: &Policy,
    errors: &mut Vec<InputError>,
) -> HashMap<String, Policy> {
    let mut out = HashMap::new();
    for r in resources {
        if r.rref.kind != "Namespace" || !r.group().is_empty() {
            continue;
        }
        let Some(name) = r.rref.name.as_deref() else {
            continue;
        };
        let labels: Vec<(&str, String)> = r
            .node
            .get_path(&["metadata", "labels"])
            .map_or(&[][..], Node::entries)
            .iter()
            .map(|e| (e.key.as_str(), label_text(&e.value)))
            .collect();
        let (policy, label_errors) =
            policy_for_labels(labels.iter().map(|(k, v)| (*k, v.as_str())), defaults);
        for e in label_errors {
            let mut path = String::from("metadata.labels");
            moat_manifest::node::push_key(&mut path, &e.label);
            let pos = r.pos_of(&path);
            errors.push(InputError {
                file: r.file.to_string(),
                line: pos.line,
                column: pos.col,
                message: format!("Namespace {name:?}: {e}"),
            });
        }
        out.insert(name.to_owned(), policy);
    }
    out
}

/// Loads `--admission-config`, following the `PodSecurity` plugin's `path`.
fn load_config(path: &Path) -> Result<PodSecurityConfig, Vec<InputError>> {
    let (lf, node) = load_first(path)?;
    match parse_admission_config(node.as_ref()) {
        Ok(AdmissionConfig::Inline(c)) => Ok(c),
        Err(errs) => Err(config_errors(&lf, errs)),
        Ok(AdmissionConfig::File { path: p, field }) => {
            let target = if Path::new(&p).is_absolute() {
                PathBuf::from(&p)
            } else {
                path.parent().unwrap_or(Path::new(".")).join(&p)
            };
            if !target.is_file() {
                let pos = lf
                    .resources
                    .first()
                    .map(|r| r.pos_of(&field))
                    .unwrap_or_default();
                return Err(vec![InputError {
                    file: lf.name.clone(),
                    line: pos.line,
                    column: pos.col,
                    message: format!(
                        "PodSecurity plugin configuration file {} cannot be read",
                        target.display()
                    ),
                }]);
            }
            let (inner, node) = load_first(&target)?;
            PodSecurityConfig::from_node(node.as_ref(), "")
                .map_err(|errs| config_errors(&inner, errs))
        }
    }
}

/// Reads a configuration file and returns it with (a copy of) its first object.
fn load_first(path: &Path) -> Result<(LoadedFile, Box<Node>), Vec<InputError>> {
    let lf = moat_manifest::load(&Input::File(path.to_path_buf()), &LoadOptions::default());
    if !lf.errors.is_empty() {
        return Err(lf.errors);
    }
    let Some(first) = lf.resources.first() else {
        return Err(vec![InputError {
            file: lf.name.clone(),
            line: 0,
            column: 0,
            message: "no configuration object (apiVersion and kind) found".into(),
        }]);
    };
    let node = Box::new(first.node.clone());
    Ok((lf, node))
}

/// Configuration errors located in the file's first object.
fn config_errors(lf: &LoadedFile, errs: Vec<ConfigError>) -> Vec<InputError> {
    let r = lf.resources.first();
    errs.into_iter()
        .map(|e| {
            let pos = r.map(|r| r.pos_of(&e.path)).unwrap_or_default();
            InputError {
                file: lf.name.clone(),
                line: pos.line,
                column: pos.col,
                message: e.to_string(),
            }
        })
        .collect()
}

fn resource_json(o: &Outcome<'_>) -> serde_json::Value {
    let r = o.resource;
    let violations: Vec<serde_json::Value> = o
        .violations
        .iter()
        .map(|v| {
            serde_json::json!({
                "check_id": v.check.as_str(),
                "reason": v.reason,
                "detail": v.detail,
                "path": v.path(),
                "line": r.pos_of(v.path()).line,
            })
        })
        .collect();
    serde_json::json!({
        "file": &*r.file,
        "line": r.node.pos.line,
        "kind": r.rref.kind,
        "namespace": r.rref.namespace,
        "name": r.rref.name,
        "allowed": o.violations.is_empty(),
        "violations": violations,
    })
}

fn write_json(
    out: &mut impl Write,
    default: LevelVersion,
    outcomes: &[Outcome<'_>],
    errors: &[InputError],
) -> anyhow::Result<()> {
    let doc = serde_json::json!({
        "level": default.level.as_str(),
        "version": default.version.to_string(),
        "results": outcomes.iter().map(resource_json).collect::<Vec<_>>(),
        "errors": errors.iter().map(|e| serde_json::json!({
            "file": e.file, "line": e.line, "column": e.column, "message": e.message,
        })).collect::<Vec<_>>(),
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)?;
    Ok(())
}

fn write_table(out: &mut impl Write, outcomes: &[Outcome<'_>]) -> anyhow::Result<()> {
    if outcomes.is_empty() {
        writeln!(out, "No workloads found.")?;
        return Ok(());
    }
    let (mut denied, mut exempt) = (0usize, 0usize);
    for o in outcomes {
        let r = o.resource;
        let place = format!("{}:{}", r.file, r.node.pos.line);
        let what = r.rref.display();
        match &o.exempt {
            Some(Exemption::Namespace(n)) => {
                exempt += 1;
                writeln!(out, "EXEMPT   {what}  {place}  (namespace {n:?} is exempt)")?;
            }
            Some(Exemption::RuntimeClass(c)) => {
                exempt += 1;
                writeln!(
                    out,
                    "EXEMPT   {what}  {place}  (runtimeClassName {c:?} is exempt)"
                )?;
            }
            None if o.violations.is_empty() => {
                writeln!(out, "ALLOWED  {what}  {place}  {}", o.policy)?;
            }
            None => {
                denied += 1;
                writeln!(out, "DENIED   {what}  {place}  {}", o.policy)?;
                for v in &o.violations {
                    let line = r.pos_of(v.path()).line;
                    writeln!(out, "  {}:{line}  {}  {}", r.file, v.check, v.message())?;
                }
                writeln!(out, "  => {}", denial_message(o.policy, &o.violations))?;
            }
        }
    }
    let allowed = outcomes.len() - denied;
    writeln!(
        out,
        "\n{} workload{}: {allowed} allowed{}, {denied} denied",
        outcomes.len(),
        if outcomes.len() == 1 { "" } else { "s" },
        if exempt > 0 {
            format!(" ({exempt} exempt)")
        } else {
            String::new()
        }
    )?;
    Ok(())
}
