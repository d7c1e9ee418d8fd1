//! `moat sbom scan BOM` (vulnerabilities of an SBOM's packages) and `moat vuln explain`
//! (which record, range and comparison make a package vulnerable).

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use moat_core::{Severity, Summary};
use moat_image::purl::Purl;
use moat_imagescan::ecosystem::{Distro, query};
use moat_imagescan::vulns::{self, Subject};

use crate::image_cmd::{ImageFormat, parse_fail_on};
use crate::inputs::render_findings;

/// Where the vulnerability database is.
#[derive(Args, Debug)]
pub struct DbArg {
    /// Vulnerability database (default: `$XDG_CACHE_HOME/moat/vuln.db`, made by `moat db
    /// update` or `moat db import`).
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
}

impl DbArg {
    fn open(&self) -> anyhow::Result<moat_vulndb::Database> {
        let path = locate_db(self.db.as_deref()).map_err(anyhow::Error::msg)?;
        open_db(&path)
    }
}

/// The database file to use (`--db`, else the default location) when it exists; else a
/// message saying how to get one.
pub fn locate_db(db: Option<&std::path::Path>) -> Result<PathBuf, String> {
    let path = db
        .map(std::path::Path::to_path_buf)
        .or_else(moat_vulndb::default_db_path)
        .ok_or("no vulnerability database location (set --db or XDG_CACHE_HOME)")?;
    if path.exists() {
        Ok(path)
    } else {
        Err(format!(
            "no vulnerability database at {}: run `moat db update` or `moat db import`",
            path.display()
        ))
    }
}

/// Opens the database at `path`, naming it in errors.
pub fn open_db(path: &std::path::Path) -> anyhow::Result<moat_vulndb::Database> {
    moat_vulndb::Database::open(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// `moat sbom scan`.
#[derive(Args, Debug)]
pub struct ScanArgs {
    /// CycloneDX or SPDX JSON document.
    bom: PathBuf,
    #[command(flatten)]
    db: DbArg,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    format: ImageFormat,
    /// Exit 1 when a vulnerability has at least this severity (`never` to always exit 0).
    #[arg(long, value_name = "SEVERITY", default_value = "high")]
    fail_on: String,
    /// Only report vulnerabilities of at least this severity.
    #[arg(long, value_name = "SEVERITY", default_value = "info")]
    severity: Severity,
    /// Do not report vulnerabilities that have no fixed version yet.
    #[arg(long)]
    ignore_unfixed: bool,
    /// OpenVEX document: `not_affected` and `fixed` statements suppress the matching
    /// vulnerabilities (reported as waived, with the justification). Repeatable.
    #[arg(long, value_name = "FILE")]
    vex: Vec<PathBuf>,
    /// Configuration with `vulnerabilities.ignore` entries (default: `.moat.yaml` found
    /// upward from the current directory).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

/// `moat vuln` subcommands.
#[derive(Subcommand, Debug)]
pub enum VulnCommand {
    /// Show which advisory record, range and version comparison make a package
    /// vulnerable (or not).
    ///
    /// PACKAGE is a package URL with a version, e.g. `pkg:cargo/smallvec@1.6.0`,
    /// `pkg:deb/debian/libssl3@3.0.11-1~deb12u1?distro=debian-12` (with `--source` for a
    /// binary package built from another source).
    Explain(ExplainArgs),
}

/// `moat vuln explain`.
#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// Vulnerability ID or alias (CVE-…, GHSA-…, DSA-…, GO-…, PYSEC-…, RUSTSEC-…).
    id: String,
    /// The package, as a package URL with a version.
    #[arg(long, value_name = "PURL")]
    package: String,
    /// Source package `NAME VERSION` for OS packages (dpkg `Source`, apk origin).
    #[arg(long, value_name = "NAME@VERSION")]
    source: Option<String>,
    #[command(flatten)]
    db: DbArg,
}

/// `moat sbom scan BOM`.
pub fn scan(a: &ScanArgs) -> anyhow::Result<ExitCode> {
    let fail_on = match parse_fail_on(&a.fail_on) {
        Ok(v) => v,
        Err(e) => return crate::usage(e),
    };
    let bytes = match std::fs::read(&a.bom) {
        Ok(b) => b,
        Err(e) => return crate::usage(format_args!("{}: {e}", a.bom.display())),
    };
    let bom = match moat_image::bom::read(&bytes) {
        Ok(b) => b,
        Err(e) => return crate::usage(format_args!("{}: {e}", a.bom.display())),
    };
    let db = match a.db.open() {
        Ok(db) => db,
        Err(e) => return crate::usage(e),
    };
    for name in &bom.skipped {
        let _ = writeln!(
            io::stderr(),
            "moat: warning: {}: {name} has no package URL; not checked",
            a.bom.display()
        );
    }
    let subjects: Vec<Subject> = bom
        .packages
        .iter()
        .map(|p| Subject {
            purl: p.purl.clone(),
            source: p.source_name.clone().map(|n| {
                let v = p
                    .source_version
                    .clone()
                    .or_else(|| p.purl.version.clone())
                    .unwrap_or_default();
                (n, v)
            }),
            location: p
                .location
                .clone()
                .unwrap_or_else(|| a.bom.display().to_string()),
        })
        .collect();
    let report = vulns::match_subjects(&db, &subjects, None)?;
    for p in &report.problems {
        let _ = writeln!(io::stderr(), "moat: warning: version not comparable: {p}");
    }
    if !report.unchecked.is_empty() {
        let _ = writeln!(
            io::stderr(),
            "moat: warning: {} of {} packages have no advisory ecosystem (no distro qualifier, or an unsupported type); not checked",
            report.unchecked.len(),
            subjects.len()
        );
    }
    let waivers = match Waivers::load(&a.vex, a.config.as_deref()) {
        Ok(w) => w,
        Err(e) => return crate::usage(e),
    };
    let mut findings = vulns::findings(&report, &subjects, a.ignore_unfixed, &|m, s| {
        waivers.decide(m, s)
    });
    if let ImageFormat::Cyclonedx = a.format {
        let mut doc: serde_json::Value = serde_json::from_slice(&bytes)?;
        if doc.get("bomFormat").is_none() {
            return crate::usage(format_args!(
                "{}: -f cyclonedx adds vulnerabilities to a CycloneDX input; this is {}",
                a.bom.display(),
                bom.format
            ));
        }
        vulns::add_cyclonedx_vulnerabilities(&mut doc, &report, &subjects, &|m, s| {
            waivers.decide(m, s)
        });
        let mut out = io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, &doc)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    findings.retain(|f| f.severity >= a.severity);
    let format = match a.format {
        ImageFormat::Table => {
            let mut out = io::stdout().lock();
            writeln!(
                out,
                "SBOM      {} ({}{})\nPackages  {} with a package URL, {} without\nVulns     {} ({} suppressed by VEX)\n",
                a.bom.display(),
                bom.format,
                bom.subject
                    .as_deref()
                    .map(|s| format!(", {s}"))
                    .unwrap_or_default(),
                subjects.len(),
                bom.skipped.len(),
                findings.iter().filter(|f| f.waived.is_none()).count(),
                findings.iter().filter(|f| f.waived.is_some()).count()
            )?;
            moat_report::Format::Table
        }
        other => other.report_format(),
    };
    let mut totals = Summary::default();
    totals.scanned.files = 1;
    totals.scanned.resources = subjects.len() as u64;
    render_findings(findings, &[&vulns::VULNERABLE], format, &mut totals)?;
    Ok(match fail_on {
        Some(t) if totals.at_or_above(t) > 0 => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    })
}

/// `moat vuln explain`.
pub fn explain(a: &ExplainArgs) -> anyhow::Result<ExitCode> {
    let purl = match Purl::parse(&a.package) {
        Ok(p) => p,
        Err(e) => return crate::usage(format_args!("--package: {e}")),
    };
    let source = a.source.as_deref().map(|s| {
        let (n, v) = s.split_once('@').unwrap_or((s, ""));
        (n.to_owned(), v.to_owned())
    });
    let distro = purl.qualifier("distro").and_then(Distro::from_qualifier);
    let Some(q) = query(
        &purl,
        source.as_ref().map(|(n, v)| (n.as_str(), v.as_str())),
        distro.as_ref(),
    ) else {
        return crate::usage(format_args!(
            "{}: no advisory ecosystem for this package (a version and, for OS packages, a distro qualifier are needed)",
            a.package
        ));
    };
    let db = match a.db.open() {
        Ok(db) => db,
        Err(e) => return crate::usage(e),
    };
    let subject = Subject {
        purl: purl.clone(),
        source,
        location: String::new(),
    };
    let report = vulns::match_subjects(&db, std::slice::from_ref(&subject), None)?;
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "{}\n  looked up as {} / {} at version {} ({:?} ordering)",
        a.package, q.ecosystem, q.name, q.version, q.order
    )?;
    let hit = report
        .matches
        .iter()
        .find(|m| m.ids.iter().any(|id| id.eq_ignore_ascii_case(&a.id)));
    let Some(m) = hit else {
        let records = db.record(&a.id).unwrap_or_default();
        if records.is_empty() {
            writeln!(out, "  {}: no such record or alias in the database", a.id)?;
        } else {
            for r in &records {
                writeln!(out, "  {} (aliases {}):", r.id, r.aliases.join(", "))?;
                for aff in &r.affected {
                    writeln!(
                        out,
                        "    affects {}/{} — not this package, or not at this version",
                        aff.package.ecosystem, aff.package.name
                    )?;
                }
            }
        }
        writeln!(out, "  → not affected")?;
        return Ok(ExitCode::SUCCESS);
    };
    writeln!(out, "  {} — affected", m.ids.join(", "))?;
    for e in &m.evidence {
        writeln!(out, "    record {}: {}: {}", e.record, e.package, e.reason)?;
    }
    if m.fixed.is_empty() {
        writeln!(out, "  no fixed version yet")?;
    } else {
        writeln!(out, "  fixed in {}", m.fixed.join(" or "))?;
    }
    match (m.score, m.rated) {
        (Some(s), _) => writeln!(out, "  severity {} (CVSS {s:.1})", m.severity.as_str())?,
        (None, true) => writeln!(out, "  severity {} (advisory rating)", m.severity.as_str())?,
        (None, false) => writeln!(out, "  severity not rated (reported as medium)")?,
    }
    Ok(ExitCode::from(1))
}

/// How vulnerability findings get waived: OpenVEX statements (`--vex`), then the
/// `vulnerabilities.ignore` entries of `.moat.yaml` that have not expired.
pub struct Waivers {
    vex: Vec<moat_imagescan::vex::Vex>,
    ignores: Vec<moat_manifest::config::VulnIgnore>,
}

impl Waivers {
    /// Reads the VEX documents and the configuration (`config`, else `.moat.yaml` found
    /// upward from the current directory); expired ignores are announced on stderr and
    /// dropped. A message naming file and line on failure.
    pub fn load(vex: &[PathBuf], config: Option<&std::path::Path>) -> Result<Self, String> {
        let vex = crate::image_cmd::read_vex(vex)?;
        let path = match config {
            Some(p) => Some(p.to_owned()),
            None => std::env::current_dir()
                .ok()
                .and_then(|d| moat_manifest::config::find_config(&d)),
        };
        let mut ignores = Vec::new();
        if let Some(path) = path {
            let registry = moat_scan::registry();
            let resolve = |id: &str| registry.get(id).map(|m| m.id);
            let (cfg, errors) = moat_manifest::config::load_config(&path, &resolve);
            if let Some(e) = errors.first() {
                return Err(format!("{}:{}: {}", e.file, e.line, e.message));
            }
            let today = jiff::Zoned::now().date();
            for i in cfg.vuln_ignores {
                match i.expires {
                    Some(d) if d < today => {
                        let _ = writeln!(
                            io::stderr(),
                            "moat: warning: {}: the ignore of {} expired on {d}; not applied",
                            i.source,
                            i.id
                        );
                    }
                    _ => ignores.push(i),
                }
            }
        }
        Ok(Self { vex, ignores })
    }

    /// The waiver of one vulnerability of one package, if any.
    pub fn decide(&self, m: &vulns::VulnMatch, s: &Subject) -> Option<moat_core::Waived> {
        if let Some(w) = moat_imagescan::vex::waiver(&self.vex, m, s) {
            return Some(w);
        }
        let name = s.purl.name.as_str();
        self.ignores
            .iter()
            .find(|i| {
                m.ids.iter().any(|id| id.eq_ignore_ascii_case(&i.id))
                    && i.package.as_ref().is_none_or(|g| g.matches(Some(name)))
            })
            .map(|i| moat_core::Waived {
                reason: i.reason.clone(),
                expires: i.expires.map(|d| d.to_string()),
                by: i.source.clone(),
            })
    }
}
