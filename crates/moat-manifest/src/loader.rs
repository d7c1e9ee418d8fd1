//! Finds manifest files, reads them safely and turns their documents into [`Resource`]s.
//!
//! Every problem (unreadable file, binary or non-UTF-8 content, oversized file, syntax
//! error, symlink loop) becomes an [`InputError`] naming file, line and column; the other
//! documents and files are still loaded.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::{Glob, GlobSet, GlobSetBuilder};
use moat_core::{InputError, ResourceRef, Warning};

use crate::node::{Node, Pos, Value};
use crate::yaml::{self, Problem};

/// Name used for standard input in reports.
pub const STDIN_NAME: &str = "<stdin>";
/// Default largest file read (`--max-file-size`).
pub const DEFAULT_MAX_FILE_SIZE: u64 = 100 * 1024 * 1024;
const MANIFEST_EXTENSIONS: &[&str] = &["yaml", "yml", "json"];

/// One thing to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// A file (given or discovered).
    File(PathBuf),
    /// Standard input (`-`).
    Stdin,
}

impl Input {
    /// The display name used in findings and errors.
    pub fn name(&self) -> String {
        match self {
            Input::File(p) => p.display().to_string(),
            Input::Stdin => STDIN_NAME.to_owned(),
        }
    }
}

/// How files are found and read.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// Glob patterns of paths to skip during directory walks.
    pub exclude: Vec<String>,
    /// Files larger than this are an error, not read.
    pub max_file_size: u64,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            exclude: Vec::new(),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
        }
    }
}

/// A Kubernetes object from a manifest, with its spanned tree.
#[derive(Debug)]
pub struct Resource {
    /// File it came from.
    pub file: Arc<str>,
    /// 0-based document index in the file.
    pub doc: usize,
    /// Index within a `List`'s `items`, when the object came from one.
    pub item: Option<usize>,
    /// Identity.
    pub rref: ResourceRef,
    /// The whole object.
    pub node: Node,
}

impl Resource {
    /// API group of `apiVersion` (`""` for the core group).
    pub fn group(&self) -> &str {
        api_group(&self.rref.api_version)
    }

    /// Position of a field path, or of its nearest present parent.
    pub fn pos_of(&self, path: &str) -> Pos {
        self.node.lookup(path).pos
    }

    /// `metadata.annotations[key]` as a string.
    pub fn annotation(&self, key: &str) -> Option<&Node> {
        self.node.get_path(&["metadata", "annotations", key])
    }
}

/// API group of an `apiVersion` string.
pub fn api_group(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

/// Everything loaded from one input.
#[derive(Debug, Default)]
pub struct LoadedFile {
    /// Display name.
    pub name: String,
    /// Objects with `apiVersion` and `kind`.
    pub resources: Vec<Resource>,
    /// Documents without `apiVersion`/`kind` (or empty).
    pub skipped_documents: u64,
    /// Errors.
    pub errors: Vec<InputError>,
    /// Warnings.
    pub warnings: Vec<Warning>,
    /// Bytes read.
    pub bytes: u64,
}

impl LoadedFile {
    /// An input that could not be read: no resources, one error (line 0) saying why.
    pub fn unreadable(name: String, message: String) -> Self {
        let mut lf = LoadedFile {
            name,
            ..LoadedFile::default()
        };
        lf.error(0, 0, message);
        lf
    }

    fn error(&mut self, line: u32, column: u32, message: impl Into<String>) {
        self.errors.push(InputError {
            file: self.name.clone(),
            line,
            column,
            message: message.into(),
        });
    }
}

fn build_excludes(patterns: &[String]) -> Result<GlobSet, InputError> {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        let g = Glob::new(p).map_err(|e| InputError {
            file: String::new(),
            line: 0,
            column: 0,
            message: format!("invalid exclude glob `{p}`: {e}"),
        })?;
        b.add(g);
        // `vendor/**` should also exclude the directory `vendor` itself.
        if let Some(Ok(g)) = p.strip_suffix("/**").map(Glob::new) {
            b.add(g);
        }
    }
    b.build().map_err(|e| InputError {
        file: String::new(),
        line: 0,
        column: 0,
        message: format!("invalid exclude globs: {e}"),
    })
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_str()
        .is_some_and(|s| s.starts_with('.') && s != "." && s != "..")
}

/// Whether a path has a manifest extension (`.yaml`, `.yml`, `.json`).
pub fn is_manifest_path(path: &Path) -> bool {
    path.extension().and_then(|x| x.to_str()).is_some_and(|x| {
        MANIFEST_EXTENSIONS
            .iter()
            .any(|m| x.eq_ignore_ascii_case(m))
    })
}

/// Expands the given paths into inputs: files as given, directories walked recursively
/// (following symlinks, skipping hidden entries and `exclude` globs, keeping
/// `.yaml`/`.yml`/`.json`), `-` as stdin. Output is sorted per directory for stable reports.
pub fn discover(paths: &[PathBuf], opts: &LoadOptions) -> (Vec<Input>, Vec<InputError>) {
    discover_matching(paths, opts, &is_manifest_path)
}

/// Like [`discover`], keeping the files of directory walks that `accept` selects.
pub fn discover_matching(
    paths: &[PathBuf],
    opts: &LoadOptions,
    accept: &dyn Fn(&Path) -> bool,
) -> (Vec<Input>, Vec<InputError>) {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    let excludes = match build_excludes(&opts.exclude) {
        Ok(g) => g,
        Err(e) => {
            errors.push(e);
            GlobSet::empty()
        }
    };
    for root in paths {
        if root.as_os_str() == "-" {
            inputs.push(Input::Stdin);
            continue;
        }
        match std::fs::metadata(root) {
            Err(e) => errors.push(InputError {
                file: root.display().to_string(),
                line: 0,
                column: 0,
                message: format!("cannot read: {e}"),
            }),
            Ok(m) if m.is_file() => inputs.push(Input::File(root.clone())),
            Ok(m) if m.is_dir() => walk_dir(root, &excludes, accept, &mut inputs, &mut errors),
            Ok(_) => errors.push(InputError {
                file: root.display().to_string(),
                line: 0,
                column: 0,
                message: "not a regular file or directory".into(),
            }),
        }
    }
    (inputs, errors)
}

fn walk_dir(
    root: &Path,
    excludes: &GlobSet,
    accept: &dyn Fn(&Path) -> bool,
    inputs: &mut Vec<Input>,
    errors: &mut Vec<InputError>,
) {
    let walker = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            if e.depth() == 0 {
                return true;
            }
            let rel = e.path().strip_prefix(root).unwrap_or(e.path());
            !is_hidden(e.file_name()) && !excludes.is_match(rel) && !excludes.is_match(e.path())
        });
    for entry in walker {
        match entry {
            Ok(e) => {
                if e.file_type().is_file() && accept(e.path()) {
                    inputs.push(Input::File(e.into_path()));
                }
            }
            Err(e) => {
                let file = e
                    .path()
                    .map_or_else(|| root.display().to_string(), |p| p.display().to_string());
                let message = if e.loop_ancestor().is_some() {
                    "symlink loop; not followed".to_owned()
                } else {
                    format!(
                        "cannot read: {}",
                        e.io_error()
                            .map_or_else(|| e.to_string(), ToString::to_string)
                    )
                };
                errors.push(InputError {
                    file,
                    line: 0,
                    column: 0,
                    message,
                });
            }
        }
    }
}

/// Reads one input's bytes, refusing more than `limit` bytes (`--max-file-size`).
pub fn read_input(input: &Input, limit: u64) -> Result<Vec<u8>, String> {
    match input {
        Input::Stdin => read_limited(std::io::stdin().lock(), limit),
        Input::File(p) => match std::fs::metadata(p) {
            Ok(m) if m.len() > limit => Err(too_big(m.len(), limit)),
            Ok(_) => std::fs::File::open(p)
                .map_err(|e| format!("cannot read: {e}"))
                .and_then(|f| read_limited(f, limit)),
            Err(e) => Err(format!("cannot read: {e}")),
        },
    }
}

/// Reads and parses one input.
pub fn load(input: &Input, opts: &LoadOptions) -> LoadedFile {
    let name = input.name();
    match read_input(input, opts.max_file_size) {
        Ok(bytes) => load_bytes(&name, &bytes),
        Err(msg) => LoadedFile::unreadable(name, msg),
    }
}

fn too_big(size: u64, limit: u64) -> String {
    format!(
        "file is {} MiB, larger than the {} MiB limit (--max-file-size); not scanned",
        size / (1024 * 1024),
        limit / (1024 * 1024)
    )
}

fn read_limited(r: impl Read, limit: u64) -> Result<Vec<u8>, String> {
    let mut buf = Vec::new();
    r.take(limit.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|e| format!("cannot read: {e}"))?;
    if buf.len() as u64 > limit {
        return Err(format!(
            "input is larger than the {} MiB limit (--max-file-size); not scanned",
            limit / (1024 * 1024)
        ));
    }
    Ok(buf)
}

/// Line and column (1-based, columns in characters) of a byte offset.
pub fn line_col(text: &[u8], offset: usize) -> (u32, u32) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let col = String::from_utf8_lossy(before.get(line_start..).unwrap_or(&[]))
        .chars()
        .count()
        + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(col).unwrap_or(u32::MAX),
    )
}

/// Parses bytes already read from `name`.
pub fn load_bytes(name: &str, bytes: &[u8]) -> LoadedFile {
    load_parsed(name, bytes, yaml::parse_stream)
}

/// Loads only the documents of `bytes` whose kind is one of `needles` (see
/// [`yaml::parse_matching`]): a cheap pre-pass for the few objects cross-object checks
/// need before the scan proper. Its errors are the scan's to report, not the pre-pass's.
pub fn load_bytes_matching(name: &str, bytes: &[u8], needles: &[&str]) -> LoadedFile {
    load_parsed(name, bytes, |t| yaml::parse_matching(t, needles))
}

fn load_parsed(name: &str, bytes: &[u8], parse: impl FnOnce(&str) -> yaml::Parsed) -> LoadedFile {
    let mut lf = LoadedFile {
        name: name.to_owned(),
        bytes: bytes.len() as u64,
        ..LoadedFile::default()
    };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Some(nul) = bytes.iter().take(8192).position(|&b| b == 0) {
        let (l, c) = line_col(bytes, nul);
        lf.error(l, c, "binary file (contains NUL bytes); not a manifest");
        return lf;
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let (l, c) = line_col(bytes, e.valid_up_to());
            lf.error(l, c, "invalid UTF-8; manifests must be UTF-8 encoded");
            return lf;
        }
    };
    let parsed = parse(text);
    let file: Arc<str> = Arc::from(name);
    for Problem { pos, message } in parsed.errors {
        lf.error(pos.line, pos.col, message);
    }
    for Problem { pos, message } in parsed.warnings {
        lf.warnings.push(Warning {
            file: name.to_owned(),
            line: pos.line,
            column: pos.col,
            message,
        });
    }
    for doc in parsed.docs {
        match doc.root {
            Some(root) => add_object(&mut lf, &file, doc.index, None, root, 0),
            None => lf.skipped_documents += 1,
        }
    }
    lf
}

fn str_field<'a>(lf: &mut LoadedFile, node: &'a Node, key: &str) -> Option<&'a str> {
    let e = node.entry(key)?;
    match &e.value.value {
        Value::Str(s) => Some(s),
        Value::Null => None,
        _ => {
            lf.error(
                e.key_pos.line,
                e.key_pos.col,
                format!("`{key}` must be a string"),
            );
            None
        }
    }
}

fn add_object(
    lf: &mut LoadedFile,
    file: &Arc<str>,
    doc: usize,
    item: Option<usize>,
    node: Node,
    depth: u8,
) {
    if !node.is_map() {
        lf.skipped_documents += 1;
        return;
    }
    let (Some(api_version), Some(kind)) = (
        str_field(lf, &node, "apiVersion"),
        str_field(lf, &node, "kind"),
    ) else {
        lf.skipped_documents += 1;
        return;
    };
    let api_version = api_version.to_owned();
    let kind = kind.to_owned();
    if kind.ends_with("List")
        && depth == 0
        && matches!(node.get("items").map(|n| &n.value), Some(Value::Seq(_)))
    {
        {
            let Node { value, .. } = node;
            if let Value::Map(entries) = value {
                for e in entries {
                    if e.key == "items" {
                        if let Value::Seq(items) = e.value.value {
                            for (i, it) in items.into_iter().enumerate() {
                                add_object(lf, file, doc, Some(i), it, depth + 1);
                            }
                        }
                        break;
                    }
                }
            }
            return;
        }
    }
    let meta = node.get("metadata");
    let namespace = meta
        .and_then(|m| m.get("namespace"))
        .and_then(Node::as_str)
        .map(str::to_owned);
    let name = meta
        .and_then(|m| m.get("name").or_else(|| m.get("generateName")))
        .and_then(Node::as_str)
        .map(str::to_owned);
    lf.resources.push(Resource {
        file: Arc::clone(file),
        doc,
        item,
        rref: ResourceRef {
            api_version,
            kind,
            namespace,
            name,
        },
        node,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_expanded_and_docs_counted() {
        let lf = load_bytes(
            "x.yaml",
            b"apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n- apiVersion: v1\n  kind: Service\n  metadata: {name: b}\n---\nfoo: bar\n---\n",
        );
        assert!(lf.errors.is_empty(), "{:?}", lf.errors);
        assert_eq!(lf.resources.len(), 2);
        assert_eq!(lf.resources[1].rref.kind, "Service");
        assert_eq!(lf.resources[1].item, Some(1));
        assert_eq!(lf.skipped_documents, 2);
    }

    #[test]
    fn bom_binary_and_bad_utf8() {
        let lf = load_bytes("a", b"\xEF\xBB\xBFapiVersion: v1\nkind: Pod\n");
        assert_eq!(lf.resources.len(), 1);
        let lf = load_bytes("b", b"apiVersion: v1\n\x00\x01");
        assert_eq!(lf.errors[0].line, 2);
        assert!(lf.errors[0].message.contains("binary"));
        let lf = load_bytes("c", b"apiVersion: v1\nkind: P\xffd\n");
        assert_eq!((lf.errors[0].line, lf.errors[0].column), (2, 8));
    }

    #[test]
    fn json_documents() {
        let lf = load_bytes("a.json", b"{\n\t\"apiVersion\": \"v1\",\n\t\"kind\": \"Pod\",\n\t\"metadata\": {\"name\": \"p\"}\n}\n");
        assert!(lf.errors.is_empty(), "{:?}", lf.errors);
        assert_eq!(lf.resources[0].rref.name.as_deref(), Some("p"));
        assert_eq!(lf.resources[0].pos_of("metadata.name").line, 4);
    }
}
