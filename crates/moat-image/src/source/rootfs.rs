//! A root filesystem directory on disk read as a one-layer image: the walk records every
//! entry's metadata without following symbolic links, and opens a file only when it is read.

use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::Error;
use crate::layer::{RawEntry, RawKind};

/// Walks `root` (sorted, one file system, links not followed) and hands every entry below
/// it to `visit` as a layer member would be, with a reader that opens the file lazily.
/// At most `max_bytes` of file content is read in total.
pub(crate) fn walk(
    root: &Path,
    max_bytes: u64,
    mut visit: impl FnMut(RawEntry, &mut dyn Read) -> Result<(), Error>,
) -> Result<(), Error> {
    let meta = std::fs::metadata(root).map_err(|source| Error::Io {
        path: root.to_path_buf(),
        source,
    })?;
    if !meta.is_dir() {
        return Err(Error::Invalid {
            what: root.display().to_string(),
            reason: "not a directory".into(),
        });
    }
    let mut budget = max_bytes;
    let walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .same_file_system(true)
        .sort_by_file_name()
        .min_depth(1);
    for entry in walker {
        let entry = entry.map_err(|e| Error::Io {
            path: e.path().unwrap_or(root).to_path_buf(),
            source: e
                .into_io_error()
                .unwrap_or_else(|| io::Error::other("walk failed")),
        })?;
        let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
        let meta = entry.metadata().map_err(|e| Error::Io {
            path: entry.path().to_path_buf(),
            source: e
                .into_io_error()
                .unwrap_or_else(|| io::Error::other("stat failed")),
        })?;
        let ft = meta.file_type();
        let kind = if ft.is_dir() {
            RawKind::Dir
        } else if ft.is_file() {
            RawKind::File
        } else if ft.is_symlink() {
            let target = std::fs::read_link(entry.path()).map_err(|source| Error::Io {
                path: entry.path().to_path_buf(),
                source,
            })?;
            RawKind::Symlink(target.to_string_lossy().into_owned())
        } else if ft.is_fifo() || ft.is_socket() || ft.is_block_device() || ft.is_char_device() {
            RawKind::Other
        } else {
            continue;
        };
        let raw = RawEntry {
            path: rel.to_string_lossy().into_owned(),
            size: if kind == RawKind::File { meta.len() } else { 0 },
            mode: meta.permissions().mode() & 0o7777,
            kind,
        };
        let mut data = LazyFile {
            path: entry.path().to_path_buf(),
            file: None,
            budget: &mut budget,
            is_file: raw.kind == RawKind::File,
        };
        visit(raw, &mut data)?;
    }
    Ok(())
}

/// A file opened on its first read; reads count against the walk's byte budget.
struct LazyFile<'a> {
    path: PathBuf,
    file: Option<File>,
    budget: &'a mut u64,
    is_file: bool,
}

impl Read for LazyFile<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.is_file {
            return Ok(0);
        }
        let file =
            match &mut self.file {
                Some(f) => f,
                slot @ None => slot.insert(File::open(&self.path).map_err(|e| {
                    io::Error::new(e.kind(), format!("{}: {e}", self.path.display()))
                })?),
            };
        let n = file.read(buf)?;
        *self.budget = self.budget.checked_sub(n as u64).ok_or_else(|| {
            io::Error::other("the directory holds more file content than the layer size limit")
        })?;
        Ok(n)
    }
}
