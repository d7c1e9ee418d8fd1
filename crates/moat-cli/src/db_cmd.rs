//! `moat db`: import, update, inspect and query the local vulnerability database.
//! Wiring only; the database is `moat-vulndb`; downloads use `ureq` (rustls).

use std::fmt::Write as _;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand, ValueEnum};
use moat_vulndb::{Database, ImportOptions, ImportStats, Progress, Record};

/// OSV's public per-ecosystem exports.
const OSV_BASE: &str = "https://osv-vulnerabilities.storage.googleapis.com";

/// Ecosystems `moat db update` downloads by default.
const DEFAULT_ECOSYSTEMS: &[&str] = &[
    "Go",
    "PyPI",
    "crates.io",
    "npm",
    "Maven",
    "NuGet",
    "RubyGems",
    "Debian",
    "Ubuntu",
    "Alpine",
    "AlmaLinux",
    "Rocky Linux",
];

/// Largest archive `moat db update` downloads.
const MAX_DOWNLOAD: u64 = 4 * 1024 * 1024 * 1024;

/// The local vulnerability database (OSV records, indexed by ecosystem and package).
#[derive(Subcommand, Debug)]
pub enum DbCommand {
    /// Import advisories from files, directories and zip archives.
    ///
    /// Reads OSV records (JSON or YAML; single files, directories walked recursively, and
    /// `.zip` archives as OSV publishes them), Debian security-tracker lists
    /// (`data/DSA/list`, `DLA`, `DTSA`), Alpine secdb files and rubysec advisories.
    /// Importing is incremental (a stored record is replaced only by a newer `modified`)
    /// and atomic (the database is replaced only after the new one is complete).
    #[command(after_long_help = IMPORT_EXAMPLES)]
    Import(ImportArgs),
    /// Download OSV ecosystem archives and import them.
    ///
    /// Each archive is downloaded next to the database, checked to be a complete zip
    /// (every member inflates and matches its checksum), and only then imported; a failed
    /// or damaged download leaves the database unchanged.
    #[command(after_long_help = UPDATE_EXAMPLES)]
    Update(UpdateArgs),
    /// Show what the database holds: ecosystems, records, packages, size, age.
    Stats(StatsArgs),
    /// List the advisories for one package (a debugging aid).
    #[command(after_long_help = LOOKUP_EXAMPLES)]
    Lookup(LookupArgs),
}

const IMPORT_EXAMPLES: &str = "\
Examples:
  moat db import ../vulndata/go-vulndb/osv            a directory of OSV JSON files
  moat db import all.zip pypi-advisory-db/vulns       an OSV zip and OSV YAML files
  moat db import security-tracker/data/DSA/list       Debian DSAs (fixed versions per release)
  moat db import --db ./vuln.db alpine-secdb/v3.11    Alpine secdb, into a chosen file

The database defaults to $XDG_CACHE_HOME/moat/vuln.db (else ~/.cache/moat/vuln.db).
Unreadable files are reported with file and line and skipped; the rest is imported.

Exit codes: 0 imported; 2 some inputs could not be read (the rest was imported), a damaged
zip archive (nothing imported), or the database could not be written.";

const UPDATE_EXAMPLES: &str = "\
Examples:
  moat db update                                   OSV's all.zip for the default ecosystems
  moat db update --ecosystem Go --ecosystem PyPI   only these ecosystems
  moat db update --source https://mirror.example/osv/Go/all.zip

Default ecosystems: Go, PyPI, crates.io, npm, Maven, NuGet, RubyGems, Debian, Ubuntu,
Alpine, AlmaLinux, Rocky Linux, from https://osv-vulnerabilities.storage.googleapis.com/
<ECOSYSTEM>/all.zip. Plain http:// is accepted only for 127.0.0.1, ::1 and localhost.

Exit codes: 0 updated; 2 a download failed or was not a complete zip archive (the database
is unchanged), or the database could not be written.";

const LOOKUP_EXAMPLES: &str = "\
Examples:
  moat db lookup Go stdlib
  moat db lookup Debian:11 openssl
  moat db lookup PyPI Django --normalize        PEP 503 name matching
  moat db lookup crates.io time -f json

Exit codes: 0 advisories listed (possibly none); 2 the database cannot be read.";

/// `--db` shared by all subcommands.
#[derive(Args, Debug)]
pub struct DbPath {
    /// The database file (default: `$XDG_CACHE_HOME/moat/vuln.db`, else `~/.cache/moat/vuln.db`).
    #[arg(long, value_name = "PATH", global = true)]
    db: Option<PathBuf>,
}

impl DbPath {
    fn resolve(&self) -> anyhow::Result<PathBuf> {
        match &self.db {
            Some(p) => Ok(p.clone()),
            None => moat_vulndb::default_db_path()
                .context("neither XDG_CACHE_HOME nor HOME is set; choose a file with --db"),
        }
    }
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// Files, directories or zip archives to import.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    db: DbPath,
}

#[derive(Args, Debug)]
pub struct UpdateArgs {
    /// Archive URL to download (repeatable); replaces the default ecosystem list.
    #[arg(long = "source", value_name = "URL")]
    sources: Vec<String>,
    /// OSV ecosystem to download from OSV's bucket (repeatable), e.g. `Go`, `PyPI`, `Debian`.
    #[arg(long = "ecosystem", value_name = "ECOSYSTEM")]
    ecosystems: Vec<String>,
    /// Give up on a download after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    timeout: u64,
    #[command(flatten)]
    db: DbPath,
}

#[derive(Clone, Copy, Debug, Default, ValueEnum)]
enum OutFormat {
    /// Aligned text.
    #[default]
    Table,
    /// JSON.
    Json,
}

#[derive(Args, Debug)]
pub struct StatsArgs {
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    format: OutFormat,
    #[command(flatten)]
    db: DbPath,
}

#[derive(Args, Debug)]
pub struct LookupArgs {
    /// Ecosystem with release where it has one (`Go`, `PyPI`, `Debian:12`, `Alpine:v3.18`, …).
    ecosystem: String,
    /// Package name (the source package for Debian and Ubuntu, the origin for Alpine).
    name: String,
    /// Compare names as the ecosystem does (`PyPI`: PEP 503; `NuGet`: case-insensitive).
    #[arg(long)]
    normalize: bool,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    format: OutFormat,
    #[command(flatten)]
    db: DbPath,
}

/// Runs a `moat db` subcommand.
pub fn run(cmd: DbCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        DbCommand::Import(a) => import(&a.db.resolve()?, &a.paths),
        DbCommand::Update(a) => update(&a),
        DbCommand::Stats(a) => stats(&a.db.resolve()?, a.format),
        DbCommand::Lookup(a) => lookup(&a),
    }
}

/// Throttled progress on stderr. `MOAT_DB_TEST_DELAY_MS` (tests only) slows the writing of
/// each record block so a test can kill an import while the new file is half written.
fn progress_printer() -> impl Fn(Progress) + Sync {
    let delay = std::env::var("MOAT_DB_TEST_DELAY_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok());
    let tty = io::stderr().is_terminal();
    let last = Mutex::new(Instant::now());
    move |p: Progress| {
        if let (Some(ms), Progress::Writing { .. }) = (delay, p) {
            std::thread::sleep(Duration::from_millis(ms));
        }
        let Ok(mut at) = last.lock() else { return };
        if at.elapsed() < Duration::from_millis(if tty { 200 } else { 2000 }) && delay.is_none() {
            return;
        }
        *at = Instant::now();
        let line = match p {
            Progress::Parsed { done, total } => {
                format!("read {done} files ({total} plain files plus archive members)")
            }
            Progress::Writing { done, total } => format!("writing block {done}/{total}"),
        };
        let mut err = io::stderr().lock();
        let _ = if tty {
            write!(err, "\rmoat: {line}\x1b[K")
        } else {
            writeln!(err, "moat: {line}")
        };
    }
}

fn import(db: &Path, paths: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let printer = progress_printer();
    let opts = ImportOptions {
        progress: Some(&printer),
    };
    let started = Instant::now();
    let result = moat_vulndb::import(db, paths, &opts);
    if io::stderr().is_terminal() {
        let _ = write!(io::stderr(), "\r\x1b[K");
    }
    let stats = result?;
    report_import(db, &stats, started.elapsed())
}

fn report_import(db: &Path, s: &ImportStats, took: Duration) -> anyhow::Result<ExitCode> {
    let mut err = io::stderr().lock();
    if let Some(msg) = &s.replaced_unreadable {
        writeln!(err, "moat: warning: replaced an unreadable database: {msg}")?;
    }
    for e in &s.errors {
        writeln!(err, "moat: error: {e}")?;
    }
    let size = std::fs::metadata(db).map_or(0, |m| m.len());
    let mut out = String::new();
    writeln!(
        out,
        "imported {} records from {} files ({}) in {:.1}s: {} added, {} updated, {} unchanged",
        s.records_read,
        s.files,
        human_bytes(s.input_bytes),
        took.as_secs_f64(),
        s.added,
        s.updated,
        s.unchanged
    )?;
    let mut notes = Vec::new();
    if s.duplicates > 0 {
        notes.push(format!("{} duplicates (newest kept)", s.duplicates));
    }
    if s.withdrawn > 0 {
        notes.push(format!("{} withdrawn", s.withdrawn));
    }
    if s.git_ranges > 0 {
        notes.push(format!("{} GIT ranges not evaluated", s.git_ranges));
    }
    if s.skipped_entries > 0 {
        notes.push(format!("{} converted entries skipped", s.skipped_entries));
    }
    if s.inexact > 0 {
        notes.push(format!("{} rubysec requirements approximated", s.inexact));
    }
    if !notes.is_empty() {
        writeln!(out, "notes: {}", notes.join(", "))?;
    }
    writeln!(
        out,
        "database {}: {} records, {}",
        db.display(),
        s.total_records,
        human_bytes(size)
    )?;
    if !s.errors.is_empty() {
        writeln!(out, "{} input problems (see above)", s.errors.len())?;
    }
    io::stdout().lock().write_all(out.as_bytes())?;
    Ok(if s.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

fn human_bytes(n: u64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let f = n as f64;
    if n >= 1 << 20 {
        format!("{:.1} MiB", f / f64::from(1 << 20))
    } else if n >= 1 << 10 {
        format!("{:.1} KiB", f / 1024.0)
    } else {
        format!("{n} B")
    }
}

fn human_age(secs: i64) -> String {
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 7200 => format!("{}m", s / 60),
        s if s < 172_800 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86400),
    }
}

fn stats(db: &Path, format: OutFormat) -> anyhow::Result<ExitCode> {
    let d = Database::open(db)?;
    let m = d.meta();
    let age = jiff::Timestamp::now().as_second() - m.updated;
    let mut out = String::new();
    match format {
        OutFormat::Json => {
            let v = serde_json::json!({
                "path": db.display().to_string(),
                "schema_version": moat_vulndb::SCHEMA_VERSION,
                "size_bytes": d.size(),
                "records": m.records,
                "created": m.created,
                "updated": m.updated,
                "age_seconds": age,
                "ecosystems": m.ecosystems,
            });
            out = serde_json::to_string_pretty(&v)?;
            out.push('\n');
        }
        OutFormat::Table => {
            writeln!(out, "database   {}", db.display())?;
            writeln!(out, "schema     {}", moat_vulndb::SCHEMA_VERSION)?;
            writeln!(out, "size       {}", human_bytes(d.size()))?;
            writeln!(out, "records    {}", m.records)?;
            let updated = jiff::Timestamp::from_second(m.updated)
                .map_or_else(|_| "?".to_owned(), |t| t.to_string());
            writeln!(out, "updated    {updated} ({} ago)", human_age(age))?;
            writeln!(out)?;
            let w = m
                .ecosystems
                .keys()
                .map(String::len)
                .max()
                .unwrap_or(9)
                .max(9);
            writeln!(
                out,
                "{:<w$}  {:>8}  {:>8}",
                "ECOSYSTEM", "RECORDS", "PACKAGES"
            )?;
            for (eco, s) in &m.ecosystems {
                writeln!(out, "{eco:<w$}  {:>8}  {:>8}", s.records, s.packages)?;
            }
        }
    }
    io::stdout().lock().write_all(out.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

fn lookup(a: &LookupArgs) -> anyhow::Result<ExitCode> {
    let d = Database::open(&a.db.resolve()?)?;
    let recs = if a.normalize {
        d.lookup_normalized(&a.ecosystem, &a.name)?
    } else {
        d.lookup(&a.ecosystem, &a.name)?
    };
    let mut out = String::new();
    match a.format {
        OutFormat::Json => {
            out = serde_json::to_string_pretty(&recs)?;
            out.push('\n');
        }
        OutFormat::Table => {
            for r in &recs {
                write_record(&mut out, r, &a.ecosystem)?;
            }
            writeln!(
                out,
                "{} advisories for {} {}",
                recs.len(),
                a.ecosystem,
                a.name
            )?;
        }
    }
    io::stdout().lock().write_all(out.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

fn write_record(out: &mut String, r: &Record, ecosystem: &str) -> std::fmt::Result {
    let mut head = r.id.clone();
    if !r.aliases.is_empty() {
        write!(head, " ({})", r.aliases.join(", "))?;
    }
    if r.is_withdrawn() {
        head.push_str(" [withdrawn]");
    }
    writeln!(out, "{head}")?;
    if let Some(s) = &r.summary {
        writeln!(out, "  {s}")?;
    }
    for a in r
        .affected
        .iter()
        .filter(|a| a.package.ecosystem == ecosystem)
    {
        for range in &a.ranges {
            let events: Vec<String> = range
                .events
                .iter()
                .map(|e| format!("{} {}", e.name(), e.version()))
                .collect();
            writeln!(
                out,
                "  {} {}: {}",
                a.package.name,
                range.kind.as_str(),
                if events.is_empty() {
                    "(not evaluated)".to_owned()
                } else {
                    events.join(", ")
                }
            )?;
        }
        if !a.versions.is_empty() {
            writeln!(
                out,
                "  {} versions: {}",
                a.package.name,
                a.versions.join(", ")
            )?;
        }
    }
    Ok(())
}

/// Whether plain HTTP may be used for `url` (loopback only).
fn loopback_http(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let host = rest.split('/').next().unwrap_or_default();
    let host = if host.starts_with('[') {
        host.split(']').next().map_or(host, |h| &h[1..])
    } else {
        host.split(':').next().unwrap_or(host)
    };
    matches!(host, "127.0.0.1" | "::1" | "localhost")
}

fn urls(a: &UpdateArgs) -> Vec<String> {
    if !a.sources.is_empty() {
        return a.sources.clone();
    }
    let ecosystems: Vec<&str> = if a.ecosystems.is_empty() {
        DEFAULT_ECOSYSTEMS.to_vec()
    } else {
        a.ecosystems.iter().map(String::as_str).collect()
    };
    ecosystems
        .iter()
        .map(|e| format!("{OSV_BASE}/{}/all.zip", e.replace(' ', "%20")))
        .collect()
}

fn update(a: &UpdateArgs) -> anyhow::Result<ExitCode> {
    let db = a.db.resolve()?;
    let dir = db
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    std::fs::create_dir_all(&dir).with_context(|| format!("{}", dir.display()))?;
    let staging = tempfile::Builder::new()
        .prefix(".moat-db-update.")
        .tempdir_in(&dir)
        .with_context(|| format!("cannot create a download directory in {}", dir.display()))?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(a.timeout)))
        .build()
        .into();
    let mut archives = Vec::new();
    for (i, url) in urls(a).iter().enumerate() {
        if !url.starts_with("https://") && !loopback_http(url) {
            bail!("{url}: only https:// URLs (or http:// to 127.0.0.1/localhost) are accepted");
        }
        let path = staging.path().join(format!("{i}.zip"));
        let _ = writeln!(io::stderr(), "moat: downloading {url}");
        download(&agent, url, &path)
            .with_context(|| format!("{url}: download failed, database unchanged"))?;
        moat_vulndb::verify_archive(&path)
            .with_context(|| format!("{url}: not a complete zip archive, database unchanged"))?;
        archives.push(path);
    }
    import(&db, &archives)
}

fn download(agent: &ureq::Agent, url: &str, to: &Path) -> anyhow::Result<()> {
    let mut resp = agent.get(url).call()?;
    let mut reader = resp.body_mut().with_config().limit(MAX_DOWNLOAD).reader();
    let mut file = std::fs::File::create(to).with_context(|| format!("{}", to.display()))?;
    io::copy(&mut reader, &mut file)?;
    file.sync_all()?;
    Ok(())
}
