//! `moat-corpusgen` writes large, realistic and deterministic corpora of Kubernetes
//! manifests for moat's benchmarks (`scripts/bench`).
//!
//! Objects are generated per application (a workload plus its Service, ConfigMap,
//! Secret, ServiceAccount, RBAC, Ingress, NetworkPolicy, HPA, PDB) and packed into
//! files the way repositories hold them: single documents, multi-document files of
//! 2–40 documents (some with Helm's `# Source:` comments), `kind: List` files and a few
//! JSON files. About 20% of workloads carry insecure settings (privileged containers,
//! `hostPath` volumes, `:latest` or untagged images, missing limits, root users, host
//! namespaces, added capabilities). The YAML surface varies per file: 2- or 4-space
//! indentation, indented or flush sequences, plain/single/double quoting, flow lists,
//! block literals, comments.
//!
//! The same seed always produces byte-identical output. Only `std` is used; the PRNG
//! is splitmix64 ([`rng::Rng`]).

pub mod kinds;
pub mod rng;
pub mod value;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use kinds::Object;
use rng::Rng;
use value::{Style, V, YamlWriter, write_json};

/// Name of the summary file written into the output directory.
pub const SUMMARY_FILE: &str = "SUMMARY";

/// What to generate.
#[derive(Clone, Debug)]
pub struct Options {
    /// Output directory; created if missing, must be empty if present.
    pub out: PathBuf,
    /// Number of Kubernetes objects (after expanding `List`s).
    pub resources: usize,
    /// PRNG seed.
    pub seed: u64,
    /// Files per subdirectory.
    pub files_per_dir: usize,
}

/// What was generated.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Seed used.
    pub seed: u64,
    /// Objects written (items of `List`s counted one by one).
    pub resources: usize,
    /// Files written.
    pub files: usize,
    /// YAML documents written (a `List` is one document).
    pub documents: usize,
    /// `kind: List` files.
    pub list_files: usize,
    /// JSON files.
    pub json_files: usize,
    /// Total bytes.
    pub bytes: u64,
    /// Size of the largest file.
    pub largest_file_bytes: u64,
    /// Path of the largest file, relative to the output directory.
    pub largest_file: String,
    /// Workload objects.
    pub workloads: usize,
    /// Workload objects with insecure settings.
    pub insecure_workloads: usize,
    /// Objects per kind.
    pub kinds: BTreeMap<String, usize>,
}

impl Summary {
    /// `key=value` lines, as written to [`SUMMARY_FILE`].
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "seed={}", self.seed);
        let _ = writeln!(s, "resources={}", self.resources);
        let _ = writeln!(s, "files={}", self.files);
        let _ = writeln!(s, "documents={}", self.documents);
        let _ = writeln!(s, "list_files={}", self.list_files);
        let _ = writeln!(s, "json_files={}", self.json_files);
        let _ = writeln!(s, "bytes={}", self.bytes);
        let _ = writeln!(s, "largest_file_bytes={}", self.largest_file_bytes);
        let _ = writeln!(s, "largest_file={}", self.largest_file);
        let _ = writeln!(s, "workloads={}", self.workloads);
        let _ = writeln!(s, "insecure_workloads={}", self.insecure_workloads);
        for (k, n) in &self.kinds {
            let _ = writeln!(s, "kind.{k}={n}");
        }
        s
    }
}

/// How one file is laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layout {
    /// One object, YAML.
    Single,
    /// One object, JSON.
    Json,
    /// Several `---`-separated documents.
    Multi,
    /// One `kind: List` document.
    List,
}

/// Picks the next file's layout and how many objects it holds.
fn plan_file(rng: &mut Rng) -> (Layout, usize) {
    match rng.weighted(&[36, 2, 30, 14, 8, 5, 5]) {
        0 => (Layout::Single, 1),
        1 => (Layout::Json, 1),
        2 => (Layout::Multi, rng.range(2, 6)),
        3 => (Layout::Multi, rng.range(7, 14)),
        4 => (Layout::Multi, rng.range(15, 25)),
        5 => (Layout::Multi, rng.range(26, 40)),
        _ => (Layout::List, rng.range(2, 25)),
    }
}

fn is_workload(kind: &str) -> bool {
    matches!(
        kind,
        "Deployment" | "StatefulSet" | "DaemonSet" | "CronJob" | "Job" | "Pod"
    )
}

/// Renders one file's content.
fn render(rng: &mut Rng, layout: Layout, objects: &[Object]) -> String {
    let mut out = String::with_capacity(objects.len() * 4096);
    let style = Style::random(rng);
    match layout {
        Layout::Json => {
            if let Some(o) = objects.first() {
                write_json(&mut out, &V::Map(o.body.0.clone()), 0);
                out.push('\n');
            }
        }
        Layout::List => {
            out.push_str(
                "apiVersion: v1\nkind: List\nmetadata:\n  resourceVersion: \"\"\nitems:\n",
            );
            for o in objects {
                YamlWriter::new(&mut out, style, rng).seq_item_map(&o.body.0, 0);
            }
        }
        Layout::Single | Layout::Multi => {
            let helm = layout == Layout::Multi && rng.chance(25);
            let leading = rng.chance(30) || helm;
            for (i, o) in objects.iter().enumerate() {
                if i > 0 || leading {
                    out.push_str("---\n");
                }
                if helm {
                    let _ = writeln!(
                        out,
                        "# Source: {}/templates/{}.yaml",
                        objects.first().map_or("chart", |f| f.name.as_str()),
                        o.kind.to_lowercase()
                    );
                } else if i > 0 && rng.chance(10) {
                    out.push('\n');
                }
                YamlWriter::new(&mut out, style, rng).document(&o.body.0);
            }
        }
    }
    // A few files lack the final newline, as hand-edited files sometimes do.
    if rng.chance(2) {
        while out.ends_with('\n') {
            out.pop();
        }
    }
    out
}

fn file_name(index: usize, layout: Layout, objects: &[Object]) -> String {
    let stem = objects.first().map_or("empty", |o| o.name.as_str());
    let ext = if layout == Layout::Json {
        "json"
    } else {
        "yaml"
    };
    let kind = match layout {
        Layout::List => "list".to_owned(),
        Layout::Multi => "bundle".to_owned(),
        _ => objects
            .first()
            .map_or_else(String::new, |o| o.kind.to_lowercase()),
    };
    format!("{index:06}-{stem}-{kind}.{ext}")
}

fn dir_is_empty(p: &Path) -> io::Result<bool> {
    match std::fs::read_dir(p) {
        Ok(mut it) => Ok(it.next().is_none()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(e),
    }
}

/// Generates the corpus described by `opts` and writes [`SUMMARY_FILE`].
pub fn generate(opts: &Options) -> io::Result<Summary> {
    if !dir_is_empty(&opts.out)? {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} exists and is not empty", opts.out.display()),
        ));
    }
    std::fs::create_dir_all(&opts.out)?;
    let files_per_dir = opts.files_per_dir.max(1);
    let mut rng = Rng::new(opts.seed);
    let mut summary = Summary {
        seed: opts.seed,
        ..Summary::default()
    };
    let mut pending: Vec<Object> = Vec::new();
    let mut serial = 0usize;
    let mut generated = 0usize;
    let mut dir_name = String::new();
    while summary.resources < opts.resources {
        let (layout, want) = plan_file(&mut rng);
        let want = want.min(opts.resources - summary.resources);
        while pending.len() < want {
            let mut app_rng = rng.fork(serial as u64);
            let budget = opts.resources - generated;
            let objs = kinds::bundle(&mut app_rng, serial, budget);
            serial += 1;
            generated += objs.len();
            pending.extend(objs);
        }
        let objects: Vec<Object> = pending.drain(..want).collect();
        let index = summary.files;
        if index.is_multiple_of(files_per_dir) {
            let team = objects
                .first()
                .and_then(|o| o.name.split('-').next())
                .unwrap_or("apps");
            dir_name = format!("{:04}-{team}", index / files_per_dir);
            std::fs::create_dir_all(opts.out.join(&dir_name))?;
        }
        let text = render(&mut rng, layout, &objects);
        let rel = format!("{dir_name}/{}", file_name(index, layout, &objects));
        std::fs::write(opts.out.join(&rel), text.as_bytes())?;

        let len = text.len() as u64;
        summary.files += 1;
        summary.bytes += len;
        if len > summary.largest_file_bytes {
            summary.largest_file_bytes = len;
            summary.largest_file = rel;
        }
        match layout {
            Layout::List => {
                summary.list_files += 1;
                summary.documents += 1;
            }
            Layout::Json => {
                summary.json_files += 1;
                summary.documents += 1;
            }
            Layout::Single | Layout::Multi => summary.documents += objects.len(),
        }
        for o in &objects {
            summary.resources += 1;
            *summary.kinds.entry(o.kind.to_owned()).or_default() += 1;
            if is_workload(o.kind) {
                summary.workloads += 1;
                if o.insecure {
                    summary.insecure_workloads += 1;
                }
            }
        }
    }
    std::fs::write(opts.out.join(SUMMARY_FILE), summary.to_text())?;
    Ok(summary)
}
