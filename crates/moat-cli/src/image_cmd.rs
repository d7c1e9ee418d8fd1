//! `moat image SOURCE`: read an image, summarise its packages and report risks in its
//! config (and, as they land, secrets in layers and vulnerabilities).

use std::fmt::Write as _;
use std::io::{self, Write};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use moat_core::{Severity, Summary};
use moat_image::{Catalog, Catalogers, Limits, PackageKind};
use moat_imagescan::config::ConfigInput;
use moat_imagescan::secrets::SecretInspector;

use crate::image_source::ImageSourceArgs;
use crate::inputs::render_findings;

pub const EXAMPLES: &str = "\
Examples:
  moat image ./app-oci                                 summary and findings, table
  moat image app.tar -f sarif > image.sarif            SARIF for code-scanning UIs
  moat image --insecure-registry 127.0.0.1:5000/app:1  pull from a local registry
  moat image ./rootfs --fail-on critical               an unpacked root filesystem
  moat explain MOAT-750                                why running as root is reported

Findings: MOAT-750 runs as root, MOAT-751 secret in Env, MOAT-752 SSH port exposed,
MOAT-753 base image by the latest tag; MOAT-700..716 credentials in any layer's files —
including files a later layer deleted, which stay in the image — shown redacted, with the
layer and line. `moat sbom` writes the full package inventory.

Exit codes: 0 clean or only findings below --fail-on; 1 findings at or above --fail-on;
2 usage error, or a source that cannot be read (missing, not an image, registry error,
digest mismatch, corrupt layer).";

/// Output formats of `moat image` and `moat sbom scan`.
#[derive(Clone, Copy, Debug, Default, ValueEnum)]
pub enum ImageFormat {
    /// A summary, then findings grouped by resource (image, package).
    #[default]
    Table,
    /// moat's JSON report of the findings.
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// JUnit XML.
    Junit,
    /// CycloneDX 1.6 JSON with a `vulnerabilities` array (VEX): the image's SBOM for
    /// `moat image`, the input SBOM for `moat sbom scan` (CycloneDX input only).
    Cyclonedx,
}

#[derive(Args, Debug)]
pub struct ImageArgs {
    #[command(flatten)]
    source: ImageSourceArgs,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    format: ImageFormat,
    /// Exit 1 when a finding has at least this severity (`never` to always exit 0 on
    /// findings).
    #[arg(long, value_name = "SEVERITY", default_value = "high")]
    fail_on: String,
    /// Only report findings of at least this severity.
    #[arg(long, value_name = "SEVERITY", default_value = "info")]
    severity: Severity,
    /// Vulnerability database (default: `$XDG_CACHE_HOME/moat/vuln.db`, made by `moat db
    /// update` or `moat db import`).
    #[arg(long, value_name = "FILE")]
    db: Option<std::path::PathBuf>,
    /// Do not report vulnerabilities that have no fixed version yet.
    #[arg(long)]
    ignore_unfixed: bool,
    /// Skip vulnerability matching.
    #[arg(long)]
    no_vulns: bool,
    /// OpenVEX document: `not_affected` and `fixed` statements suppress the matching
    /// vulnerabilities (reported as waived, with the justification). Repeatable.
    #[arg(long, value_name = "FILE")]
    vex: Vec<std::path::PathBuf>,
    /// Configuration with `vulnerabilities.ignore` entries (default: `.moat.yaml` found
    /// upward from the current directory).
    #[arg(long, value_name = "FILE")]
    config: Option<std::path::PathBuf>,
}

/// Reads the `--vex` documents; a message naming the file on failure.
pub fn read_vex(paths: &[std::path::PathBuf]) -> Result<Vec<moat_imagescan::vex::Vex>, String> {
    paths
        .iter()
        .map(|p| {
            let bytes = std::fs::read(p).map_err(|e| format!("--vex {}: {e}", p.display()))?;
            moat_imagescan::vex::Vex::parse(&bytes, &p.display().to_string())
        })
        .collect()
}

impl ImageFormat {
    /// The common renderer's format.
    pub fn report_format(self) -> moat_report::Format {
        match self {
            Self::Table | Self::Cyclonedx => moat_report::Format::Table,
            Self::Json => moat_report::Format::Json,
            Self::Sarif => moat_report::Format::Sarif,
            Self::Junit => moat_report::Format::Junit,
        }
    }
}

/// Parses `--fail-on`: a severity, or `never`/`none`.
pub fn parse_fail_on(s: &str) -> Result<Option<Severity>, String> {
    match s {
        "never" | "none" => Ok(None),
        s => s.parse().map(Some).map_err(|e| format!("--fail-on: {e}")),
    }
}

pub fn run(a: &ImageArgs) -> anyhow::Result<ExitCode> {
    let fail_on = match parse_fail_on(&a.fail_on) {
        Ok(v) => v,
        Err(e) => return crate::usage(e),
    };
    let opened = match a.source.open() {
        Ok(o) => o,
        Err(e) => return crate::usage(e),
    };
    let fail = |e: moat_image::Error| format!("{}: {e}", a.source.spec());
    let scanner = moat_secrets::Scanner::new(moat_secrets::Settings::default())?;
    let mut secrets = SecretInspector::new(&scanner);
    let mut catalogers = Catalogers::new();
    let loaded = opened
        .load(
            moat_image::catalog::want(),
            Limits::default(),
            &mut [&mut catalogers, &mut secrets],
        )
        .map_err(fail)
        .and_then(|fs| {
            moat_image::catalog_all(&fs, &catalogers)
                .map_err(fail)
                .map(|c| (fs, c))
        });
    let (fs, catalog) = match loaded {
        Ok(v) => v,
        Err(e) => return crate::usage(e),
    };
    let info = opened.info();
    let mut findings = secrets.findings(&fs, info);
    if let Some(config) = opened.config() {
        findings.extend(moat_imagescan::config::check(
            ConfigInput {
                run: &config.config,
                labels: config.config.labels.as_ref(),
                annotations: opened.annotations(),
            },
            &info.name,
            a.source.spec(),
        ));
    }
    let vulns = if a.no_vulns {
        None
    } else {
        vulnerabilities(a, &catalog, &mut findings)?
    };
    if let ImageFormat::Cyclonedx = a.format {
        let created = crate::sbom_cmd::created().map_err(anyhow::Error::msg)?;
        let tool = moat_image::sbom::Tool {
            name: "moat",
            version: env!("CARGO_PKG_VERSION"),
        };
        let text = moat_image::sbom::cyclonedx(opened.info(), &catalog, tool, created)?;
        let mut bom: serde_json::Value = serde_json::from_str(&text)?;
        if let Some(v) = &vulns {
            moat_imagescan::vulns::add_cyclonedx_vulnerabilities(
                &mut bom,
                &v.report,
                &v.subjects,
                &|m, s| v.waivers.decide(m, s),
            );
        }
        let mut out = io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, &bom)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    findings.retain(|f| f.severity >= a.severity);
    findings.sort_by(|x, y| (y.severity, &x.check_id).cmp(&(x.severity, &y.check_id)));
    let format = match a.format {
        ImageFormat::Table => {
            let mut out = io::stdout().lock();
            out.write_all(
                summary(&opened, &catalog, fs.notices().len(), vulns.as_ref()).as_bytes(),
            )?;
            out.flush()?;
            moat_report::Format::Table
        }
        other => other.report_format(),
    };
    crate::image_source::report_notices(a.source.spec(), fs.notices());
    let mut totals = Summary::default();
    totals.scanned.resources = 1;
    let mut metas = moat_imagescan::metas();
    metas.extend(moat_secrets::metas());
    render_findings(findings, &metas, format, &mut totals)?;
    Ok(match fail_on {
        Some(t) if totals.at_or_above(t) > 0 => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    })
}

/// The header of the table output: what the image is and what it holds.
fn summary(
    opened: &moat_image::source::open::Opened,
    catalog: &Catalog,
    notices: usize,
    vulns: Option<&VulnSummary>,
) -> String {
    let info = opened.info();
    let mut s = String::new();
    let _ = writeln!(s, "Image     {} ({})", info.name, opened.kind().name());
    let _ = writeln!(s, "Digest    {}", info.digest);
    if let Some(p) = &info.platform {
        let _ = writeln!(s, "Platform  {p}");
    }
    if let Some(os) = &catalog.os {
        let name = os
            .pretty_name
            .clone()
            .unwrap_or_else(|| format!("{} {}", os.id, os.version_id.clone().unwrap_or_default()));
        let _ = writeln!(s, "OS        {name}");
    }
    let _ = writeln!(s, "Layers    {}", info.layers.len());
    let mut by_kind: Vec<(PackageKind, usize)> = Vec::new();
    for p in &catalog.packages {
        match by_kind.iter_mut().find(|(k, _)| *k == p.kind) {
            Some((_, n)) => *n += 1,
            None => by_kind.push((p.kind, 1)),
        }
    }
    let kinds: Vec<String> = by_kind
        .iter()
        .map(|(k, n)| format!("{n} {}", moat_image::sbom::kind_name(*k)))
        .collect();
    let _ = writeln!(
        s,
        "Packages  {}{}",
        catalog.packages.len(),
        if kinds.is_empty() {
            String::new()
        } else {
            format!(" ({})", kinds.join(", "))
        }
    );
    match vulns {
        Some(v) => {
            let _ = writeln!(
                s,
                "Vulns     {} in {} packages ({} packages not checkable: no advisory ecosystem); database {}",
                v.matches, v.packages, v.unchecked, v.db
            );
        }
        None => {
            let _ = writeln!(s, "Vulns     not checked");
        }
    }
    if notices > 0 {
        let _ = writeln!(
            s,
            "Notices   {notices} anomalies in the layers (listed on standard error)"
        );
    }
    s.push('\n');
    s
}

/// What the summary says about vulnerability matching, and the match itself.
struct VulnSummary {
    matches: usize,
    packages: usize,
    unchecked: usize,
    db: String,
    report: moat_imagescan::vulns::Report,
    subjects: Vec<moat_imagescan::vulns::Subject>,
    waivers: crate::vuln_cmd::Waivers,
}

/// Matches the catalogue against the vulnerability database and adds the findings. A
/// missing database is a warning (vulnerabilities not checked), never a silent pass.
fn vulnerabilities(
    a: &ImageArgs,
    catalog: &Catalog,
    findings: &mut Vec<moat_core::Finding>,
) -> anyhow::Result<Option<VulnSummary>> {
    let path = match crate::vuln_cmd::locate_db(a.db.as_deref()) {
        Ok(p) => p,
        Err(e) => {
            let _ = writeln!(
                io::stderr(),
                "moat: warning: {e}; vulnerabilities not checked"
            );
            return Ok(None);
        }
    };
    let db = crate::vuln_cmd::open_db(&path)?;
    let subjects = moat_imagescan::vulns::subjects(catalog);
    let distro = moat_imagescan::vulns::distro(catalog);
    let report = moat_imagescan::vulns::match_subjects(&db, &subjects, distro.as_ref())
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    for p in &report.problems {
        let _ = writeln!(io::stderr(), "moat: warning: version not comparable: {p}");
    }
    let waivers =
        crate::vuln_cmd::Waivers::load(&a.vex, a.config.as_deref()).map_err(anyhow::Error::msg)?;
    let found = moat_imagescan::vulns::findings(&report, &subjects, a.ignore_unfixed, &|m, s| {
        waivers.decide(m, s)
    });
    let packages = found
        .iter()
        .filter(|f| f.waived.is_none())
        .map(|f| &f.location.path)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let summary = VulnSummary {
        matches: found.iter().filter(|f| f.waived.is_none()).count(),
        packages,
        unchecked: report.unchecked.len(),
        db: path.display().to_string(),
        report,
        subjects,
        waivers,
    };
    findings.extend(found);
    Ok(Some(summary))
}
