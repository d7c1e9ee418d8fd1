//! Language package catalogers as [`Inspector`]s: Python ([`super::python`]), npm
//! ([`super::npm`]), Go binaries ([`super::gobin`]), Rust binaries built with
//! cargo-auditable ([`super::rustbin`]) and Java archives ([`super::java`]).
//!
//! Their files are found by name or mode while layers stream past, so they cannot be
//! named in advance like the OS databases. Each cataloger records what it finds keyed by
//! (layer, path); [`Catalogers::packages`] then keeps only the findings whose file is
//! still current at the top layer ([`MergedFs::is_current`]), attributed to the layer
//! that wrote the file.

use crate::fs::{Inspector, MergedFs};

use super::{Package, PackageKind, gobin, java, npm, python, rustbin};

/// Why a file that looked like a package could not be read. Not fatal: the file is
/// reported as a [`Problem`] and cataloguing goes on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The data ends before a structure it declares.
    #[error("truncated {what}")]
    Truncated {
        /// Which structure.
        what: String,
    },
    /// An offset or index points outside the data.
    #[error("{what} out of bounds")]
    OutOfBounds {
        /// Which structure.
        what: String,
    },
    /// A structure is malformed.
    #[error("{what}: {reason}")]
    Invalid {
        /// Which structure.
        what: String,
        /// What is wrong.
        reason: String,
    },
    /// A count or size exceeds a safety limit.
    #[error("{what} exceeds the limit of {limit}")]
    TooLarge {
        /// Which quantity.
        what: String,
        /// The limit.
        limit: u64,
    },
}

impl ParseError {
    /// An [`ParseError::Invalid`].
    pub fn invalid(what: &str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            what: what.to_owned(),
            reason: reason.into(),
        }
    }
}

/// A file a language cataloger could not read (corrupt archive, malformed binary
/// section, unparsable manifest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The layer that wrote the file.
    pub layer: usize,
    /// The file (for nested archives, `outer!/inner`).
    pub path: String,
    /// The ecosystem that tried to read it.
    pub kind: PackageKind,
    /// What went wrong.
    pub error: ParseError,
}

/// What one cataloger found, keyed by the layer and path of each file it read.
#[derive(Debug, Default, Clone)]
pub struct Findings {
    packages: Vec<(usize, String, Package)>,
    problems: Vec<Problem>,
}

impl Findings {
    /// Records a package found in the file `path` that layer `layer` wrote.
    pub fn package(&mut self, layer: usize, path: &str, mut package: Package) {
        package.layer = layer;
        self.packages.push((layer, path.to_owned(), package));
    }

    /// Records the outcome of parsing a metadata file that names one package (`name`,
    /// `version`) of `kind`: the package, located at the file, or the problem.
    pub fn parsed(
        &mut self,
        layer: usize,
        path: &str,
        kind: PackageKind,
        result: Result<(String, String), ParseError>,
    ) {
        match result {
            Ok((name, version)) => self.package(layer, path, package(kind, &name, &version, path)),
            Err(e) => self.problem(layer, path, kind, e),
        }
    }

    /// Records a file that could not be read.
    pub fn problem(&mut self, layer: usize, path: &str, kind: PackageKind, error: ParseError) {
        tracing::debug!(layer, path, %error, "language cataloger could not read a file");
        self.problems.push(Problem {
            layer,
            path: path.to_owned(),
            kind,
            error,
        });
    }
}

/// A package of `kind` found in the file `location`, its own source (layer set when
/// recorded).
pub fn package(kind: PackageKind, name: &str, version: &str, location: &str) -> Package {
    Package {
        kind,
        name: name.to_owned(),
        version: version.to_owned(),
        arch: None,
        source_name: name.to_owned(),
        source_version: version.to_owned(),
        license: None,
        vendor: None,
        files: Vec::new(),
        location: location.to_owned(),
        layer: 0,
    }
}

impl PackageKind {
    /// Whether packages of this kind come from a language ecosystem (found by an
    /// [`Inspector`]) rather than an OS package database.
    pub fn is_language(self) -> bool {
        matches!(
            self,
            Self::Python | Self::Npm | Self::Go | Self::Rust | Self::Java
        )
    }
}

/// Every language cataloger, as one [`Inspector`] to pass to
/// [`load_inspected`](crate::source::load_inspected) or
/// [`MergedFs::add_layer_inspected`].
#[derive(Debug, Default)]
pub struct Catalogers {
    /// Python distributions.
    pub python: python::Python,
    /// npm packages.
    pub npm: npm::Npm,
    /// Go binaries.
    pub go: gobin::GoBinaries,
    /// Rust binaries (cargo-auditable).
    pub rust: rustbin::RustBinaries,
    /// Java archives.
    pub java: java::Java,
}

impl Catalogers {
    /// Every cataloger with default limits.
    pub fn new() -> Self {
        Self::default()
    }

    fn findings(&self) -> [&Findings; 5] {
        [
            &self.python.findings,
            &self.npm.findings,
            &self.go.findings,
            &self.rust.findings,
            &self.java.findings,
        ]
    }

    /// The packages whose file is still current in `fs` (not deleted or replaced by a
    /// later layer), each attributed to the layer that wrote its file.
    pub fn packages(&self, fs: &MergedFs) -> Vec<Package> {
        self.findings()
            .into_iter()
            .flat_map(|f| &f.packages)
            .filter(|(layer, path, _)| fs.is_current(path, *layer))
            .map(|(_, _, p)| p.clone())
            .collect()
    }

    /// Files that could not be read and are still current in `fs`, sorted by path.
    pub fn problems(&self, fs: &MergedFs) -> Vec<Problem> {
        let mut out: Vec<Problem> = self
            .findings()
            .into_iter()
            .flat_map(|f| &f.problems)
            .filter(|p| {
                let outer = p.path.split_once("!/").map_or(p.path.as_str(), |(o, _)| o);
                fs.is_current(outer, p.layer)
            })
            .cloned()
            .collect();
        out.sort_by(|a, b| (&a.path, a.layer).cmp(&(&b.path, b.layer)));
        out
    }

    fn parts(&mut self) -> [&mut dyn Inspector; 5] {
        [
            &mut self.python,
            &mut self.npm,
            &mut self.go,
            &mut self.rust,
            &mut self.java,
        ]
    }
}

impl Inspector for Catalogers {
    fn wants(&self, path: &str, size: u64, mode: u32) -> bool {
        self.python.wants(path, size, mode)
            || self.npm.wants(path, size, mode)
            || self.go.wants(path, size, mode)
            || self.rust.wants(path, size, mode)
            || self.java.wants(path, size, mode)
    }

    fn inspect(&mut self, layer: usize, path: &str, content: &[u8]) {
        // The ELF and zip readers only see files whose name or mode they asked for; the
        // size and mode are not known here, so each re-checks by path and content.
        for part in self.parts() {
            part.inspect(layer, path, content);
        }
    }
}
