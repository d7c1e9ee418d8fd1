//! Importing advisory files, directories and zip archives into the database.
//!
//! Inputs are read in parallel (rayon), merged by ID, merged with the existing database
//! (incremental: a record replaces the stored one only when its `modified` is newer;
//! converted records without `modified` are merged entry by entry), and written to a new
//! file that atomically replaces the old one. A file that cannot be parsed is reported
//! (file and line) and skipped; a damaged zip archive aborts the import before anything
//! is replaced.

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::Value;

use crate::convert::{alpine, debian, rubysec};
use crate::error::{Error, FileError};
use crate::model::Record;
use crate::osv;
use crate::store::{self, Database, Meta};

/// Largest plain file or archive member read, in bytes.
pub const MAX_FILE: u64 = 64 * 1024 * 1024;
/// Largest total uncompressed size read from one archive.
pub const MAX_ARCHIVE_TOTAL: u64 = 4 * 1024 * 1024 * 1024;
/// Most members read from one archive.
pub const MAX_ARCHIVE_ENTRIES: usize = 2_000_000;
/// Archive members parsed per parallel batch (bounds memory).
const BATCH: usize = 512;

/// Import progress, reported to the caller's callback.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Input files (plain files, or archive members) parsed so far.
    Parsed {
        /// Files parsed.
        done: u64,
        /// Plain files known up front (archive members are added as they are read).
        total: u64,
    },
    /// Record blocks written to the new database file.
    Writing {
        /// Blocks written.
        done: usize,
        /// Estimated total.
        total: usize,
    },
}

/// Options for [`import`].
#[derive(Default)]
pub struct ImportOptions<'a> {
    /// Called with progress from the importing thread(s).
    pub progress: Option<&'a (dyn Fn(Progress) + Sync)>,
}

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportStats {
    /// Input files read (archive members count one each).
    pub files: u64,
    /// Raw bytes read (uncompressed).
    pub input_bytes: u64,
    /// Records parsed from the inputs.
    pub records_read: u64,
    /// Records new to the database.
    pub added: u64,
    /// Records that replaced an older stored version (or gained entries).
    pub updated: u64,
    /// Records already stored with the same or a newer `modified`.
    pub unchanged: u64,
    /// Records seen more than once in this import (the newest was kept).
    pub duplicates: u64,
    /// Withdrawn records among those read.
    pub withdrawn: u64,
    /// GIT ranges read (kept as a note, never evaluated).
    pub git_ranges: u64,
    /// Converted entries skipped (Debian `<not-affected>`/`<end-of-life>`/unknown release
    /// lines, Alpine version `0` secfixes, rubysec Ruby-interpreter advisories).
    pub skipped_entries: u64,
    /// rubysec advisories whose requirements could only be approximated (conservatively).
    pub inexact: u64,
    /// Records in the database after the import.
    pub total_records: u64,
    /// Unreadable inputs, with file and line.
    pub errors: Vec<FileError>,
    /// Set when the previous database could not be read and was replaced.
    pub replaced_unreadable: Option<String>,
}

/// A parsed record and whether it came from a converted format (merged by entries).
struct Parsed {
    record: Record,
    converted: bool,
}

#[derive(Default)]
struct FileResult {
    records: Vec<Parsed>,
    errors: Vec<FileError>,
    skipped: u64,
    inexact: u64,
    bytes: u64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Json,
    Yaml,
    TrackerList,
    Zip,
}

fn kind_of(path: &Path) -> Option<Kind> {
    let name = path.file_name()?.to_str()?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("json") => Some(Kind::Json),
        Some("yaml" | "yml") => Some(Kind::Yaml),
        Some("zip") => Some(Kind::Zip),
        _ if name == "list" => Some(Kind::TrackerList),
        _ => None,
    }
}

/// Plain files parsed per parallel batch (bounds memory: each batch is merged and dropped).
const FILE_BATCH: usize = 512;

/// What this import did to one ID so far.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fate {
    /// Stored before, not seen in this import (yet).
    Stored,
    /// New in this import.
    Added,
    /// Stored before and changed by this import.
    Updated,
    /// Stored before and left as it was.
    Unchanged,
}

/// The records being merged: the stored database plus everything read so far.
struct Merger {
    records: HashMap<String, (Record, Fate, bool)>,
    stats: ImportStats,
}

impl Merger {
    fn add(&mut self, r: FileResult) {
        let s = &mut self.stats;
        s.files += 1;
        s.input_bytes += r.bytes;
        s.skipped_entries += r.skipped;
        s.inexact += r.inexact;
        s.errors.extend(r.errors);
        for p in r.records {
            s.records_read += 1;
            s.withdrawn += u64::from(p.record.is_withdrawn());
            s.git_ranges += p.record.git_ranges() as u64;
            let Some((cur, fate, converted)) = self.records.get_mut(&p.record.id) else {
                self.records
                    .insert(p.record.id.clone(), (p.record, Fate::Added, p.converted));
                continue;
            };
            let both_converted =
                *converted && p.converted && cur.modified.is_none() && p.record.modified.is_none();
            if both_converted {
                // Converted formats carry no `modified`: entries are merged.
                let before = (cur.affected.len(), cur.aliases.len());
                merge_entries(cur, p.record);
                let changed = before != (cur.affected.len(), cur.aliases.len());
                *fate = match *fate {
                    Fate::Stored | Fate::Unchanged if changed => Fate::Updated,
                    Fate::Stored => Fate::Unchanged,
                    other => other,
                };
                continue;
            }
            if *fate != Fate::Stored {
                s.duplicates += 1;
            }
            if newer(&p.record, cur) {
                *cur = p.record;
                *converted = p.converted;
                if *fate != Fate::Added {
                    *fate = Fate::Updated;
                }
            } else if *fate == Fate::Stored {
                *fate = Fate::Unchanged;
            }
        }
    }
}

/// Imports `inputs` (files, directories, zip archives) into the database at `db`,
/// creating it if needed.
pub fn import(
    db: &Path,
    inputs: &[PathBuf],
    opts: &ImportOptions<'_>,
) -> Result<ImportStats, Error> {
    let mut merger = Merger {
        records: HashMap::new(),
        stats: ImportStats::default(),
    };
    // The stored records first: new ones are merged into them as batches are parsed.
    let mut meta = Meta::default();
    match Database::open(db) {
        Ok(old) => {
            meta = old.meta().clone();
            merger.records = old
                .all_records()?
                .into_iter()
                .map(|r| (r.id.clone(), (r, Fate::Stored, false)))
                .collect();
            // Stored records without `modified` came from converted formats.
            for (r, _, converted) in merger.records.values_mut() {
                *converted = r.modified.is_none();
            }
        }
        Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {}
        Err(e @ (Error::NotADatabase { .. } | Error::Schema { .. } | Error::Corrupt { .. })) => {
            merger.stats.replaced_unreadable = Some(e.to_string());
        }
        Err(e) => return Err(e),
    }

    let (files, walk_errors) = discover(inputs);
    merger.stats.errors.extend(walk_errors);
    let total = files.len() as u64;
    let done = std::sync::atomic::AtomicU64::new(0);
    let report = |n: u64| {
        let d = done.fetch_add(n, std::sync::atomic::Ordering::Relaxed) + n;
        if let Some(p) = opts.progress {
            p(Progress::Parsed { done: d, total });
        }
    };
    let (archives, plain): (Vec<_>, Vec<_>) = files.into_iter().partition(|(_, k)| *k == Kind::Zip);
    for chunk in plain.chunks(FILE_BATCH) {
        let results: Vec<FileResult> = chunk
            .par_iter()
            .map(|(path, kind)| parse_file(path, *kind))
            .collect();
        report(results.len() as u64);
        for r in results {
            merger.add(r);
        }
    }
    for (path, _) in &archives {
        read_archive(path, &report, &mut |r| merger.add(r))?;
    }

    let Merger { records, mut stats } = merger;
    let mut out = Vec::with_capacity(records.len());
    for (_, (record, fate, _)) in records {
        match fate {
            Fate::Added => stats.added += 1,
            Fate::Updated => stats.updated += 1,
            Fate::Unchanged => stats.unchanged += 1,
            Fate::Stored => {}
        }
        out.push(record);
    }
    let now = jiff::Timestamp::now().as_second();
    if meta.created == 0 {
        meta.created = now;
    }
    meta.updated = now;
    meta.input_bytes = stats.input_bytes;
    stats.total_records = out.len() as u64;
    let on_block = |d, t| {
        if let Some(p) = opts.progress {
            p(Progress::Writing { done: d, total: t });
        }
    };
    store::write_atomic(db, out, meta, &on_block)?;
    Ok(stats)
}

/// Whether `a` is strictly newer than `b` by `modified`.
fn newer(a: &Record, b: &Record) -> bool {
    match (&a.modified, &b.modified) {
        (Some(x), Some(y)) => match (x.parse::<jiff::Timestamp>(), y.parse::<jiff::Timestamp>()) {
            (Ok(tx), Ok(ty)) => tx > ty,
            _ => x > y,
        },
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// Adds `new`'s affected entries and aliases that `cur` lacks.
fn merge_entries(cur: &mut Record, new: Record) {
    for a in new.affected {
        if !cur.affected.contains(&a) {
            cur.affected.push(a);
        }
    }
    for a in new.aliases {
        if !cur.aliases.contains(&a) {
            cur.aliases.push(a);
        }
    }
    if cur.summary.is_none() {
        cur.summary = new.summary;
    }
    if cur.published.is_none() {
        cur.published = new.published;
    }
}

fn display(path: &Path) -> String {
    path.display().to_string()
}

/// Expands directories (recursively; hidden entries skipped; only known file kinds kept).
fn discover(inputs: &[PathBuf]) -> (Vec<(PathBuf, Kind)>, Vec<FileError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let walker = walkdir::WalkDir::new(input)
                .sort_by_file_name()
                .into_iter()
                .filter_entry(|e| {
                    e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.')
                });
            for entry in walker {
                match entry {
                    Ok(e) if e.file_type().is_file() => {
                        if let Some(k) = kind_of(e.path()) {
                            files.push((e.into_path(), k));
                        }
                    }
                    Ok(_) => {}
                    Err(e) => errors.push(FileError::new(
                        e.path().map_or_else(|| display(input), display),
                        None,
                        e.to_string(),
                    )),
                }
            }
        } else if input.exists() {
            match kind_of(input) {
                Some(k) => files.push((input.clone(), k)),
                None => errors.push(FileError::new(
                    display(input),
                    None,
                    "unsupported file: expected .json, .yaml/.yml, .zip or a tracker `list`",
                )),
            }
        } else {
            errors.push(FileError::new(
                display(input),
                None,
                "no such file or directory",
            ));
        }
    }
    (files, errors)
}

fn parse_file(path: &Path, kind: Kind) -> FileResult {
    let name = display(path);
    let bytes = File::open(path).and_then(|f| {
        let mut buf = Vec::new();
        f.take(MAX_FILE + 1).read_to_end(&mut buf)?;
        Ok(buf)
    });
    match bytes {
        Ok(b) if b.len() as u64 > MAX_FILE => FileResult {
            errors: vec![FileError::new(
                name,
                None,
                format!("larger than {} MiB", MAX_FILE >> 20),
            )],
            ..FileResult::default()
        },
        Ok(b) => parse_bytes(&name, path, kind, &b),
        Err(e) => FileResult {
            errors: vec![FileError::new(name, None, e.to_string())],
            ..FileResult::default()
        },
    }
}

/// Parses one file's bytes (public for fuzzing through [`parse_any`]).
fn parse_bytes(name: &str, path: &Path, kind: Kind, bytes: &[u8]) -> FileResult {
    let mut out = FileResult {
        bytes: bytes.len() as u64,
        ..FileResult::default()
    };
    let err = |line: Option<u32>, msg: String| FileError::new(name, line, msg);
    let text = || {
        std::str::from_utf8(bytes).map_err(|e| {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|c| **c == b'\n')
                .count()
                + 1;
            err(u32::try_from(line).ok(), "not UTF-8 text".to_owned())
        })
    };
    let value = match kind {
        Kind::Zip => return out,
        Kind::TrackerList => {
            match text() {
                Ok(t) => {
                    let c = debian::convert(t);
                    out.skipped += c.skipped.len() as u64;
                    out.errors
                        .extend(c.errors.into_iter().map(|(l, m)| err(Some(l), m)));
                    out.records
                        .extend(c.records.into_iter().map(|record| Parsed {
                            record,
                            converted: true,
                        }));
                }
                Err(e) => out.errors.push(e),
            }
            return out;
        }
        Kind::Json => serde_json::from_slice::<Value>(bytes).map_err(|e| {
            err(
                u32::try_from(e.line()).ok().filter(|l| *l > 0),
                format!("invalid JSON: {e}"),
            )
        }),
        Kind::Yaml => text().and_then(|t| crate::yaml::parse(t).map_err(|(l, m)| err(Some(l), m))),
    };
    let value = match value {
        Ok(v) => v,
        Err(e) => {
            out.errors.push(e);
            return out;
        }
    };
    if alpine::is_secdb(&value) {
        match alpine::convert(&value) {
            Ok(c) => {
                out.skipped += c.skipped.len() as u64;
                out.records
                    .extend(c.records.into_iter().map(|record| Parsed {
                        record,
                        converted: true,
                    }));
            }
            Err(m) => out.errors.push(err(None, m)),
        }
    } else if rubysec::is_rubysec(&value) {
        let stem = path
            .file_stem()
            .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
        match rubysec::convert(&value, &stem) {
            Ok(rubysec::Outcome::Record { record, inexact }) => {
                out.inexact += u64::from(inexact);
                out.records.push(Parsed {
                    record: *record,
                    converted: true,
                });
            }
            Ok(rubysec::Outcome::Engine) => out.skipped += 1,
            Err(m) => out.errors.push(err(None, m)),
        }
    } else {
        match osv::from_value(&value) {
            Ok(recs) => out.records.extend(recs.into_iter().map(|record| Parsed {
                record,
                converted: false,
            })),
            Err(m) => out.errors.push(err(None, m)),
        }
    }
    out
}

/// Parses arbitrary bytes as each supported format (for fuzzing): never panics.
pub fn parse_any(bytes: &[u8]) -> usize {
    let p = Path::new("fuzz");
    [Kind::Json, Kind::Yaml, Kind::TrackerList]
        .into_iter()
        .map(|k| parse_bytes("fuzz", p, k, bytes).records.len())
        .sum()
}

/// Reads a zip archive member by member, parsing batches in parallel. Any damage to the
/// archive (bad central directory, CRC mismatch, truncated data, limits exceeded) is an
/// error for the whole import.
fn read_archive(
    path: &Path,
    report: &(dyn Fn(u64) + Sync),
    sink: &mut dyn FnMut(FileResult),
) -> Result<(), Error> {
    let name = display(path);
    let abort = |m: String| Error::Aborted(format!("{name}: {m}"));
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut zip =
        zip::ZipArchive::new(file).map_err(|e| abort(format!("not a valid zip archive: {e}")))?;
    if zip.len() > MAX_ARCHIVE_ENTRIES {
        return Err(abort(format!("more than {MAX_ARCHIVE_ENTRIES} members")));
    }
    let mut batch: Vec<(String, Kind, Vec<u8>)> = Vec::new();
    let mut total: u64 = 0;
    let mut flush = |batch: &mut Vec<(String, Kind, Vec<u8>)>| {
        let parsed: Vec<FileResult> = batch
            .par_iter()
            .map(|(member, kind, bytes)| {
                parse_bytes(&format!("{name}!{member}"), Path::new(member), *kind, bytes)
            })
            .collect();
        report(parsed.len() as u64);
        batch.clear();
        for r in parsed {
            sink(r);
        }
    };
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| abort(format!("member {i}: {e}")))?;
        if !entry.is_file() {
            continue;
        }
        let member = entry
            .name()
            .map_or_else(|_| format!("member-{i}"), std::borrow::Cow::into_owned);
        let Some(kind) = kind_of(Path::new(&member)).filter(|k| *k != Kind::Zip) else {
            continue;
        };
        let mut bytes = Vec::new();
        (&mut entry)
            .take(MAX_FILE + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| abort(format!("{member}: {e}")))?;
        if bytes.len() as u64 > MAX_FILE {
            return Err(abort(format!(
                "{member}: member larger than {} MiB",
                MAX_FILE >> 20
            )));
        }
        total += bytes.len() as u64;
        if total > MAX_ARCHIVE_TOTAL {
            return Err(abort(format!(
                "more than {} GiB uncompressed",
                MAX_ARCHIVE_TOTAL >> 30
            )));
        }
        batch.push((member, kind, bytes));
        if batch.len() >= BATCH {
            flush(&mut batch);
        }
    }
    flush(&mut batch);
    Ok(())
}

/// Checks that `path` is a complete, readable zip archive (every member inflates and
/// matches its CRC) without importing anything; returns the number of members.
pub fn verify_archive(path: &Path) -> Result<usize, Error> {
    let name = display(path);
    let abort = |m: String| Error::Aborted(format!("{name}: {m}"));
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut zip =
        zip::ZipArchive::new(file).map_err(|e| abort(format!("not a valid zip archive: {e}")))?;
    let mut total = 0u64;
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| abort(format!("member {i}: {e}")))?;
        let n = std::io::copy(&mut (&mut entry).take(MAX_FILE + 1), &mut std::io::sink())
            .map_err(|e| abort(format!("member {i}: {e}")))?;
        total += n;
        if n > MAX_FILE || total > MAX_ARCHIVE_TOTAL {
            return Err(abort("archive exceeds the size limits".into()));
        }
    }
    Ok(zip.len())
}
