//! The merged filesystem view of an image: every path with its metadata and the layer
//! that last wrote it, whiteouts applied in layer order, and the contents (with their
//! history across layers) of the few files the catalogers asked for.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Arc;

use crate::Error;
use crate::layer::{Compression, Expect, RawEntry, RawKind, read_layer};
use crate::path;

/// What a path is in the merged view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link with its target as written.
    Symlink(String),
    /// A hard link whose target was absent (resolved hard links become files).
    DanglingHardlink(String),
    /// A device, FIFO or other special file.
    Other,
}

/// One path of the merged view.
#[derive(Debug, Clone)]
pub struct Node {
    /// What it is.
    pub kind: FileKind,
    /// Content size in bytes.
    pub size: u64,
    /// Permission bits.
    pub mode: u32,
    /// Index (from the bottom, 0) of the layer that last wrote this path.
    pub layer: usize,
    content: Option<Arc<[u8]>>,
}

/// One state of a watched file: written by `layer` with `content`, or deleted there.
#[derive(Debug, Clone)]
pub struct Version {
    /// The layer that wrote or deleted the file.
    pub layer: usize,
    /// The content, or `None` when the layer deleted the file or made it something else.
    pub content: Option<Arc<[u8]>>,
}

/// Something odd in a layer that did not stop reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The layer it was found in.
    pub layer: usize,
    /// The member path as written in the layer.
    pub path: String,
    /// What was odd.
    pub kind: NoticeKind,
}

/// The kinds of [`Notice`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NoticeKind {
    /// A `..` in the member path tried to climb above the root; it was clamped.
    EscapesRoot,
    /// A hard link points at a path absent from the image.
    DanglingHardlink,
    /// A watched file was larger than [`Limits::max_content`]; its content was not kept.
    ContentTooLarge,
    /// A file an [`Inspector`] wanted was larger than [`Limits::max_inspect`]; it was not
    /// inspected.
    NotInspected,
}

/// Bounds that keep hostile images from exhausting memory or time.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest watched file whose content is kept.
    pub max_content: u64,
    /// Largest uncompressed layer.
    pub max_layer_bytes: u64,
    /// Most entries in the merged view.
    pub max_entries: usize,
    /// Most symbolic links followed while resolving one path.
    pub max_link_hops: usize,
    /// Largest file shown to an [`Inspector`]; bigger ones are a [`Notice`].
    pub max_inspect: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_content: 64 << 20,
            max_layer_bytes: 64 << 30,
            max_entries: 4_000_000,
            max_link_hops: 40,
            max_inspect: 128 << 20,
        }
    }
}

/// The paths whose contents are kept: exact paths and the direct children of directories
/// (all of them, or those whose name ends with a suffix).
#[derive(Debug, Clone, Default)]
pub struct Want {
    exact: Vec<String>,
    /// (directory, file-name suffix; empty for every child).
    children_of: Vec<(String, String)>,
}

impl Want {
    /// Keeps nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds patterns: a root-relative path, `dir/*` for every file directly in `dir`, or
    /// `dir/*SUFFIX` for those whose name ends with `SUFFIX` (e.g. `dir/*.list`).
    #[must_use]
    pub fn with(mut self, patterns: &[&str]) -> Self {
        for p in patterns {
            if let Some((dir, suffix)) = p
                .rsplit_once("/*")
                .filter(|(_, suffix)| !suffix.contains('/'))
            {
                self.children_of
                    .push((path::normalize(dir).0, suffix.to_owned()));
            } else {
                self.exact.push(path::normalize(p).0);
            }
        }
        self
    }

    /// Whether the content at the normalised `path` is kept.
    pub fn matches(&self, path: &str) -> bool {
        self.exact.iter().any(|e| e == path)
            || self.children_of.iter().any(|(d, suffix)| {
                path::parent(path) == d
                    && path::file_name(path)
                        .strip_suffix(suffix.as_str())
                        .is_some_and(|stem| !stem.is_empty())
            })
    }
}

/// Changes one layer makes, collected while streaming it and applied in one go so that
/// its whiteouts only hide what lower layers wrote.
#[derive(Debug, Default)]
struct LayerChanges {
    entries: Vec<(String, Node)>,
    whiteouts: Vec<String>,
    opaque: Vec<String>,
}

/// The merged view of all layers read so far.
#[derive(Debug, Default)]
pub struct MergedFs {
    nodes: BTreeMap<String, Node>,
    history: BTreeMap<String, Vec<Version>>,
    notices: Vec<Notice>,
    want: Want,
    limits: Limits,
    layers: usize,
    scratch: Vec<u8>,
}

/// Largest read buffer kept between layers; a bigger one (after a huge inspected file)
/// is released.
const SCRATCH_KEEP: usize = 8 << 20;

/// Reads chosen file contents as layers stream past — binaries, archives, secrets —
/// without the merged view keeping them. Implementations record what they find
/// themselves, keyed by layer and path; [`MergedFs::is_current`] tells afterwards
/// whether a file survived to the top layer.
pub trait Inspector {
    /// Whether to read the regular file at the normalised `path` (`size` bytes,
    /// permission bits `mode`). Called for every regular file, so it must be cheap.
    fn wants(&self, path: &str, size: u64, mode: u32) -> bool;
    /// Sees the whole content of a file it wanted, written by layer `layer`.
    fn inspect(&mut self, layer: usize, path: &str, content: &[u8]);
}

/// Turns the entries of one layer into [`LayerChanges`], reading the contents that the
/// catalogers ([`Want`]) or the inspectors ask for.
struct EntryReader<'a, 'i> {
    layer: usize,
    want: &'a Want,
    limits: Limits,
    count: usize,
    changes: LayerChanges,
    notices: Vec<Notice>,
    inspectors: &'a mut [&'i mut dyn Inspector],
    scratch: Vec<u8>,
}

impl MergedFs {
    /// An empty view that keeps the contents `want` names.
    pub fn new(want: Want, limits: Limits) -> Self {
        let mut nodes = BTreeMap::new();
        nodes.insert(
            String::new(),
            Node {
                kind: FileKind::Dir,
                size: 0,
                mode: 0o755,
                layer: 0,
                content: None,
            },
        );
        Self {
            nodes,
            want,
            limits,
            ..Self::default()
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Number of layers applied.
    pub fn layer_count(&self) -> usize {
        self.layers
    }

    /// Anomalies seen while reading.
    pub fn notices(&self) -> &[Notice] {
        &self.notices
    }

    /// Every path (root-relative, sorted) with its node; the root is `""`.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Node)> {
        self.nodes.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The node at an exact normalised path, links not followed.
    pub fn node(&self, path: &str) -> Option<&Node> {
        self.nodes.get(path)
    }

    /// Streams the next layer's blob (see [`crate::layer::read_layer`]) into the view:
    /// its whiteouts hide what lower layers wrote, then its entries are added.
    pub fn add_layer<R: Read + Send>(
        &mut self,
        blob: R,
        compression: Option<Compression>,
        expect: &Expect,
    ) -> Result<(), Error> {
        self.add_layer_inspected(blob, compression, expect, &mut [])
    }

    /// [`add_layer`](Self::add_layer), also showing every regular file the `inspectors`
    /// want to them as it streams past (read once, whichever number of them want it).
    pub fn add_layer_inspected<R: Read + Send>(
        &mut self,
        blob: R,
        compression: Option<Compression>,
        expect: &Expect,
        inspectors: &mut [&mut dyn Inspector],
    ) -> Result<(), Error> {
        let layer = self.layers;
        let scratch = std::mem::take(&mut self.scratch);
        let mut reader = EntryReader::new(self, layer, inspectors, scratch);
        let max_layer_bytes = self.limits.max_layer_bytes;
        read_layer(
            layer,
            blob,
            compression,
            expect,
            max_layer_bytes,
            |raw, data| reader.entry(raw, data),
        )?;
        let (changes, notices, scratch) = reader.finish();
        self.finish_layer(layer, changes, notices, scratch);
        Ok(())
    }

    /// Adds a root filesystem directory on disk as the next layer: every entry is recorded
    /// (symbolic links are never followed, special files are not opened) and only files a
    /// cataloger or an inspector wants are read.
    pub fn add_dir(
        &mut self,
        root: &std::path::Path,
        inspectors: &mut [&mut dyn Inspector],
    ) -> Result<(), Error> {
        let layer = self.layers;
        let scratch = std::mem::take(&mut self.scratch);
        let mut reader = EntryReader::new(self, layer, inspectors, scratch);
        crate::source::rootfs::walk(root, self.limits.max_layer_bytes, |raw, data| {
            reader.entry(raw, data)
        })?;
        let (changes, notices, scratch) = reader.finish();
        self.finish_layer(layer, changes, notices, scratch);
        Ok(())
    }

    fn finish_layer(
        &mut self,
        layer: usize,
        changes: LayerChanges,
        notices: Vec<Notice>,
        mut scratch: Vec<u8>,
    ) {
        self.notices.extend(notices);
        self.apply(layer, changes);
        self.layers += 1;
        if scratch.capacity() > SCRATCH_KEEP {
            scratch = Vec::new();
        }
        self.scratch = scratch;
    }

    /// Whether the regular file `path` that `layer` wrote is still there, unchanged, in
    /// the merged view (no later layer deleted or replaced it).
    pub fn is_current(&self, path: &str, layer: usize) -> bool {
        self.nodes
            .get(path)
            .is_some_and(|n| n.layer == layer && n.kind == FileKind::File)
    }

    fn apply(&mut self, layer: usize, changes: LayerChanges) {
        for dir in &changes.opaque {
            self.remove_below(dir, layer);
        }
        for p in &changes.whiteouts {
            self.remove_below(p, layer);
            if self.nodes.remove(p).is_some() {
                self.record_deletion(p, layer);
            }
        }
        for (p, mut node) in changes.entries {
            if let FileKind::DanglingHardlink(target) = &node.kind {
                if let Some(t) = self
                    .nodes
                    .get(target)
                    .filter(|n| !matches!(n.kind, FileKind::Dir))
                {
                    node.kind = t.kind.clone();
                    node.size = t.size;
                    node.content.clone_from(&t.content);
                } else {
                    tracing::warn!(layer, path = %p, "hard link to a missing path");
                    self.notices.push(Notice {
                        layer,
                        path: p.clone(),
                        kind: NoticeKind::DanglingHardlink,
                    });
                }
            }
            if node.kind != FileKind::Dir {
                self.remove_below(&p, layer);
            }
            if self.want.matches(&p) {
                if node.kind == FileKind::File && node.content.is_some() {
                    self.history.entry(p.clone()).or_default().push(Version {
                        layer,
                        content: node.content.clone(),
                    });
                } else {
                    self.record_deletion(&p, layer);
                }
            }
            self.nodes.insert(p, node);
        }
    }

    /// Removes every path strictly below `dir` that a layer lower than `layer` wrote.
    fn remove_below(&mut self, dir: &str, layer: usize) {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let doomed: Vec<String> = self
            .nodes
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter(|(k, n)| !k.is_empty() && n.layer < layer)
            .map(|(k, _)| k.clone())
            .collect();
        for k in doomed {
            self.nodes.remove(&k);
            self.record_deletion(&k, layer);
        }
    }

    fn record_deletion(&mut self, path: &str, layer: usize) {
        if let Some(h) = self.history.get_mut(path)
            && h.last().is_some_and(|v| v.content.is_some())
        {
            h.push(Version {
                layer,
                content: None,
            });
        }
    }

    /// Resolves `path` (root-relative or absolute, links followed at every component)
    /// to the normalised path of an existing entry, or `None`. Links never leave the
    /// root: `..` stops there and absolute targets start again at the image root. A
    /// chain longer than [`Limits::max_link_hops`] is an [`Error::LinkLoop`].
    pub fn resolve(&self, path: &str) -> Result<Option<String>, Error> {
        let mut pending: Vec<String> = path.split('/').rev().map(str::to_owned).collect();
        let mut current = String::new();
        let mut hops = 0;
        while let Some(c) = pending.pop() {
            match c.as_str() {
                "" | "." => continue,
                ".." => {
                    current = path::parent(&current).to_owned();
                    continue;
                }
                _ => {}
            }
            let candidate = if current.is_empty() {
                c
            } else {
                format!("{current}/{c}")
            };
            match self.nodes.get(&candidate).map(|n| &n.kind) {
                Some(FileKind::Symlink(target)) => {
                    hops += 1;
                    if hops > self.limits.max_link_hops {
                        return Err(Error::LinkLoop {
                            path: path.to_owned(),
                        });
                    }
                    if target.starts_with('/') {
                        current.clear();
                    }
                    pending.extend(target.split('/').rev().map(str::to_owned));
                }
                Some(_) => current = candidate,
                None if self.is_implicit_dir(&candidate) => current = candidate,
                None => return Ok(None),
            }
        }
        Ok(Some(current))
    }

    fn is_implicit_dir(&self, path: &str) -> bool {
        let prefix = format!("{path}/");
        self.nodes
            .range(prefix.clone()..)
            .next()
            .is_some_and(|(k, _)| k.starts_with(&prefix))
    }

    /// The kept content of the file at `path` (links followed), with the resolved path
    /// and node. `None` when absent, not a file, or not watched.
    pub fn file(&self, path: &str) -> Result<Option<File<'_>>, Error> {
        let Some(resolved) = self.resolve(path)? else {
            return Ok(None);
        };
        let Some((path, node)) = self.nodes.get_key_value(&resolved) else {
            return Ok(None);
        };
        Ok(node.content.as_deref().map(|content| File {
            path,
            node,
            content,
        }))
    }

    /// Every state the watched file at `path` (links followed) went through, bottom
    /// layer first; empty when the file is absent or not watched.
    pub fn versions(&self, path: &str) -> Result<&[Version], Error> {
        let Some(resolved) = self.resolve(path)? else {
            return Ok(&[]);
        };
        Ok(self.history.get(&resolved).map_or(&[], Vec::as_slice))
    }

    /// Paths of the entries directly inside the directory `dir` (links followed), sorted.
    pub fn children(&self, dir: &str) -> Result<Vec<String>, Error> {
        let Some(resolved) = self.resolve(dir)? else {
            return Ok(Vec::new());
        };
        let prefix = if resolved.is_empty() {
            String::new()
        } else {
            format!("{resolved}/")
        };
        Ok(self
            .nodes
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter_map(|(k, _)| k.get(prefix.len()..))
            .filter(|rest| !rest.is_empty() && !rest.contains('/'))
            .map(|rest| format!("{prefix}{rest}"))
            .collect())
    }
}

impl<'a, 'i> EntryReader<'a, 'i> {
    fn new(
        fs: &'a MergedFs,
        layer: usize,
        inspectors: &'a mut [&'i mut dyn Inspector],
        scratch: Vec<u8>,
    ) -> Self {
        Self {
            layer,
            want: &fs.want,
            limits: fs.limits,
            count: fs.nodes.len(),
            changes: LayerChanges::default(),
            notices: Vec::new(),
            inspectors,
            scratch,
        }
    }

    fn finish(self) -> (LayerChanges, Vec<Notice>, Vec<u8>) {
        (self.changes, self.notices, self.scratch)
    }

    fn notice(&mut self, path: &str, kind: NoticeKind) {
        self.notices.push(Notice {
            layer: self.layer,
            path: path.to_owned(),
            kind,
        });
    }

    /// Records one member: a whiteout, or an entry with its content read when wanted.
    fn entry(&mut self, raw: RawEntry, data: &mut dyn Read) -> Result<(), Error> {
        let layer = self.layer;
        let (norm, escaped) = path::normalize(&raw.path);
        if escaped {
            tracing::warn!(layer, path = %raw.path, "member path climbs above the image root; clamped");
            self.notice(&raw.path, NoticeKind::EscapesRoot);
        }
        let name = path::file_name(&norm);
        let dir = path::parent(&norm);
        if name == ".wh..wh..opq" {
            self.changes.opaque.push(dir.to_owned());
            return Ok(());
        }
        if let Some(hidden) = name.strip_prefix(".wh.") {
            if !hidden.is_empty() {
                self.changes.whiteouts.push(if dir.is_empty() {
                    hidden.to_owned()
                } else {
                    format!("{dir}/{hidden}")
                });
            }
            return Ok(());
        }
        if norm.is_empty() {
            return Ok(());
        }
        self.count += 1;
        if self.count > self.limits.max_entries {
            return Err(Error::TooLarge {
                what: format!("layer {layer}: number of entries"),
                limit: self.limits.max_entries as u64,
            });
        }
        let mut content = None;
        let kind = match raw.kind {
            RawKind::File => {
                content = self.read_content(&raw, &norm, data)?;
                FileKind::File
            }
            RawKind::Dir => FileKind::Dir,
            RawKind::Symlink(target) => FileKind::Symlink(target),
            RawKind::Hardlink(target) => {
                let (t, escaped) = path::normalize(&target);
                if escaped {
                    self.notice(&raw.path, NoticeKind::EscapesRoot);
                }
                FileKind::DanglingHardlink(t)
            }
            RawKind::Other => FileKind::Other,
        };
        self.changes.entries.push((
            norm,
            Node {
                kind,
                size: raw.size,
                mode: raw.mode,
                layer,
                content,
            },
        ));
        Ok(())
    }

    /// Reads a regular file's content once when the catalogers or any inspector want
    /// it; returns what the merged view keeps.
    fn read_content(
        &mut self,
        raw: &RawEntry,
        norm: &str,
        data: &mut dyn Read,
    ) -> Result<Option<Arc<[u8]>>, Error> {
        let layer = self.layer;
        let mut keep = self.want.matches(norm);
        if keep && raw.size > self.limits.max_content {
            self.notice(&raw.path, NoticeKind::ContentTooLarge);
            keep = false;
        }
        let inspect = self
            .inspectors
            .iter()
            .any(|i| i.wants(norm, raw.size, raw.mode));
        let inspect = inspect
            && if raw.size > self.limits.max_inspect {
                self.notice(&raw.path, NoticeKind::NotInspected);
                false
            } else {
                true
            };
        if !keep && !inspect {
            return Ok(None);
        }
        let cap = if inspect {
            self.limits.max_inspect.max(self.limits.max_content)
        } else {
            self.limits.max_content
        };
        self.scratch.clear();
        data.take(cap)
            .read_to_end(&mut self.scratch)
            .map_err(|source| Error::Layer { layer, source })?;
        if inspect {
            for i in self.inspectors.iter_mut() {
                if i.wants(norm, raw.size, raw.mode) {
                    i.inspect(layer, norm, &self.scratch);
                }
            }
        }
        Ok(keep.then(|| Arc::from(&self.scratch[..])))
    }
}

/// A watched file of the merged view.
#[derive(Debug, Clone, Copy)]
pub struct File<'a> {
    /// Its resolved, normalised path.
    pub path: &'a str,
    /// Its metadata and layer.
    pub node: &'a Node,
    /// Its content.
    pub content: &'a [u8],
}
