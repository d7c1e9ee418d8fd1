//! Error types.

use std::fmt;
use std::path::PathBuf;

/// Failures of the database itself (reading, writing, opening). Problems with individual
/// input files during an import are [`FileError`]s, collected in the import statistics.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An I/O operation on `path` failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a moat vulnerability database.
    #[error(
        "{}: not a moat vulnerability database (unknown file header); re-create it with `moat db import` or `moat db update`",
        path.display()
    )]
    NotADatabase {
        /// The file.
        path: PathBuf,
    },
    /// The database was written with another schema version.
    #[error(
        "{}: vulnerability database schema version {found} is not supported by this moat (it reads version {expected}); re-create it with `moat db import` or `moat db update`",
        path.display()
    )]
    Schema {
        /// The file.
        path: PathBuf,
        /// Version in the file.
        found: u32,
        /// Version this build reads.
        expected: u32,
    },
    /// The database is damaged.
    #[error(
        "{}: vulnerability database is corrupt ({detail}); re-create it with `moat db import` or `moat db update`",
        path.display()
    )]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// The import was cancelled before anything was replaced.
    #[error("import failed, database left unchanged: {0}")]
    Aborted(String),
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn corrupt(path: impl Into<PathBuf>, detail: impl Into<String>) -> Self {
        Self::Corrupt {
            path: path.into(),
            detail: detail.into(),
        }
    }
}

/// A problem with one input file (or one line of it): reported, counted, and the import
/// goes on with the rest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileError {
    /// The file (for archive members: `archive.zip!member.json`).
    pub file: String,
    /// 1-based line, where the format has lines and the position is known.
    pub line: Option<u32>,
    /// What is wrong.
    pub message: String,
}

impl FileError {
    /// A problem at an optional line.
    pub fn new(file: impl Into<String>, line: Option<u32>, message: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}
