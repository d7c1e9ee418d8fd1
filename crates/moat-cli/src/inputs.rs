//! Loading every manifest of a command's paths at once, for the analyses that need the
//! whole set (`moat netpol`, `moat rbac`); `moat scan` streams instead.

use std::io::{self, Write as _};
use std::path::PathBuf;

use moat_core::{InputError, Warning};
use moat_manifest::{LoadOptions, Resource, discover, read_input};

/// All resources of the inputs, with what went wrong reading them.
pub struct Loaded {
    pub resources: Vec<Resource>,
    pub errors: Vec<InputError>,
    pub warnings: Vec<Warning>,
    pub files: u64,
}

/// Discovers and loads `paths` (the current directory when empty). Items of typed lists
/// returned by the API server (`PodList`, `RoleList`), which lack their own `kind`, are
/// recovered too.
pub fn load_all(paths: &[PathBuf], exclude: &[String], max_file_size_mib: u64) -> Loaded {
    let mut paths = paths.to_vec();
    if paths.is_empty() {
        paths.push(PathBuf::from("."));
    }
    let opts = LoadOptions {
        exclude: exclude.to_vec(),
        ..LoadOptions::default()
    };
    let (inputs, mut errors) = discover(&paths, &opts);
    let limit = max_file_size_mib.saturating_mul(1024 * 1024);
    let mut resources = Vec::new();
    let mut warnings = Vec::new();
    for input in &inputs {
        let name = input.name();
        let bytes = match read_input(input, limit) {
            Ok(b) => b,
            Err(message) => {
                errors.push(InputError {
                    file: name,
                    line: 0,
                    column: 0,
                    message,
                });
                continue;
            }
        };
        let lf = moat_manifest::load_bytes(&name, &bytes);
        errors.extend(lf.errors);
        warnings.extend(lf.warnings);
        resources.extend(lf.resources);
        if let Ok(text) = std::str::from_utf8(&bytes) {
            resources.extend(moat_netpol::input::typed_list_items(&name, text));
        }
    }
    Loaded {
        resources,
        errors,
        warnings,
        files: inputs.len() as u64,
    }
}

/// Renders findings of a whole-set analysis (netpol coverage, RBAC risks) as a report on
/// standard output, grouped per resource in first-seen order; counts them in `summary`.
/// `checks` are the analysis' checks (rules in SARIF, test cases in JUnit).
pub fn render_findings(
    findings: Vec<moat_core::Finding>,
    checks: &[&'static moat_core::CheckMeta],
    format: moat_report::Format,
    summary: &mut moat_core::Summary,
) -> std::io::Result<()> {
    use std::collections::HashMap;
    use std::io::IsTerminal;

    use moat_report::ResourceResult;

    let mut groups: Vec<ResourceResult> = Vec::new();
    let mut index: HashMap<(String, String, String), usize> = HashMap::new();
    for f in findings {
        summary.count(&f);
        let key = (
            f.location.file.clone(),
            f.resource.api_version.clone(),
            f.resource.display(),
        );
        if let Some(g) = index.get(&key).and_then(|&i| groups.get_mut(i)) {
            g.findings.push(f);
        } else {
            index.insert(key, groups.len());
            groups.push(ResourceResult {
                resource: f.resource.clone(),
                file: f.location.file.clone(),
                line: f.location.line,
                checks_run: Vec::new(),
                findings: vec![f],
            });
        }
    }
    for g in &mut groups {
        g.checks_run = checks
            .iter()
            .map(|m| m.id)
            .filter(|id| g.findings.iter().any(|f| f.check_id == *id))
            .collect();
    }
    let stdout = std::io::stdout();
    let color = matches!(format, moat_report::Format::Table)
        && stdout.is_terminal()
        && std::env::var_os("NO_COLOR").is_none();
    let info = moat_report::RunInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        checks: checks.to_vec(),
        show_waived: false,
        color,
        rules: moat_report::specific_rules(groups.iter().flat_map(|g| &g.findings)),
    };
    let mut r = moat_report::renderer(
        format,
        Box::new(std::io::BufWriter::new(stdout.lock())),
        info,
    );
    r.begin()?;
    for g in &groups {
        r.resource(g)?;
    }
    r.finish(summary)
}

/// Prints input warnings, free-form warnings and located input errors to stderr, then,
/// when there were errors, `moat: N input error(s); {consequence} (exit code 2)`.
/// Returns whether there were errors.
pub fn report_problems(
    errors: &[InputError],
    warnings: &[Warning],
    extra: &[String],
    consequence: &str,
) -> bool {
    let mut err = io::stderr().lock();
    for w in warnings {
        let _ = writeln!(
            err,
            "{}:{}:{}: warning: {}",
            w.file, w.line, w.column, w.message
        );
    }
    for w in extra {
        let _ = writeln!(err, "warning: {w}");
    }
    for e in errors {
        let _ = writeln!(
            err,
            "{}:{}:{}: error: {}",
            e.file, e.line, e.column, e.message
        );
    }
    if !errors.is_empty() {
        let _ = writeln!(
            err,
            "moat: {} input error(s); {consequence} (exit code 2)",
            errors.len()
        );
    }
    !errors.is_empty()
}
