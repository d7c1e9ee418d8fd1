//! The rpm database in its three formats: sqlite `rpmdb.sqlite` ([`sqlite`]), Berkeley
//! DB `Packages` ([`bdb`]) and NDB `Packages.db` ([`ndb`]), under `var/lib/rpm` and
//! `usr/lib/sysimage/rpm` (links followed, each file read once). Each format yields
//! header blobs, which [`header`] parses; the package comes from the header's tags.
//!
//! A database that cannot be read, or any package header in it that is malformed, is an
//! [`Error::RpmDb`] naming the file: a broken database is never reported as "no
//! packages". Only the topmost state of a database counts for that; a broken copy in a
//! lower layer that a later layer replaced only loses that copy's attribution.

pub mod bdb;
pub mod header;
pub mod ndb;
pub mod sqlite;

use std::borrow::Cow;
use std::cell::RefCell;

use header::{Header, HeaderError, tag};

use super::{Package, PackageKind, attribute};
use crate::Error;
use crate::fs::{FileKind, MergedFs, Version};

/// Directories rpm keeps its database in (the second is where newer distributions
/// keep it, with `var/lib/rpm` often a link to it).
pub const DIRS: &[&str] = &["var/lib/rpm", "usr/lib/sysimage/rpm"];

/// Files this cataloger reads.
pub const PATHS: &[&str] = &[
    "var/lib/rpm/rpmdb.sqlite",
    "var/lib/rpm/Packages.db",
    "var/lib/rpm/Packages",
    "usr/lib/sysimage/rpm/rpmdb.sqlite",
    "usr/lib/sysimage/rpm/Packages.db",
    "usr/lib/sysimage/rpm/Packages",
];

/// The storage formats, in the order they are preferred when a directory holds more
/// than one (rpm uses one; a leftover of a conversion is ignored).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `rpmdb.sqlite`.
    Sqlite,
    /// `Packages.db`.
    Ndb,
    /// `Packages`.
    Bdb,
}

impl Format {
    const ALL: [(Self, &'static str); 3] = [
        (Self::Sqlite, "rpmdb.sqlite"),
        (Self::Ndb, "Packages.db"),
        (Self::Bdb, "Packages"),
    ];

    /// Header blobs of a database of this format.
    pub fn blobs(self, content: &[u8]) -> Result<Vec<Vec<u8>>, DbError> {
        match self {
            Self::Sqlite => sqlite::blobs(content),
            Self::Ndb => ndb::blobs(content),
            Self::Bdb => bdb::blobs(content),
        }
    }
}

/// Why an rpm database could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    /// The file is not a database of the expected format.
    #[error("not a {format} database: {reason}")]
    NotDb {
        /// The format expected.
        format: &'static str,
        /// Why not.
        reason: String,
    },
    /// The database's structure is broken.
    #[error("corrupt {format} database: {reason}")]
    Corrupt {
        /// The format.
        format: &'static str,
        /// What is broken, with the page or slot.
        reason: String,
    },
    /// sqlite refused the database or the query.
    #[error("SQLite: {0}")]
    Sqlite(String),
    /// A package header blob is malformed.
    #[error("package {index}: {source}")]
    Header {
        /// Position of the blob in the database (0-based).
        index: usize,
        /// What is wrong.
        #[source]
        source: HeaderError,
    },
    /// The database is larger than the content kept per file
    /// ([`crate::Limits::max_content`]).
    #[error("the {size}-byte database exceeds the {limit}-byte limit of kept file contents")]
    NotKept {
        /// The file's size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// A package header lacks a required tag.
    #[error("package {index}: no {tag} tag")]
    MissingTag {
        /// Position of the blob in the database (0-based).
        index: usize,
        /// The tag's name.
        tag: &'static str,
    },
}

/// Installed rpm packages, each with the layer that introduced it.
pub fn catalog(fs: &MergedFs) -> Result<Vec<Package>, Error> {
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for dir in DIRS {
        for (format, file) in Format::ALL {
            let Some(resolved) = fs.resolve(&format!("{dir}/{file}"))? else {
                continue;
            };
            let versions = fs.versions(&resolved)?;
            if versions.is_empty() {
                if let Some(node) = fs.node(&resolved)
                    && node.kind == FileKind::File
                {
                    // The file is there but its content was not kept (too large).
                    return Err(Error::RpmDb {
                        path: resolved,
                        source: DbError::NotKept {
                            size: node.size,
                            limit: fs.limits().max_content,
                        },
                    });
                }
                continue;
            }
            let present = versions.last().is_some_and(|v| v.content.is_some());
            if !seen.contains(&resolved) {
                out.extend(catalog_file(format, &resolved, versions)?);
                seen.push(resolved);
            }
            if present {
                // One database per directory (a link to a directory already read
                // counts as that one).
                break;
            }
        }
    }
    Ok(out)
}

/// The packages of one database file with its history across layers. Only the topmost
/// state must parse; a broken lower state just contributes no packages.
fn catalog_file(format: Format, path: &str, versions: &[Version]) -> Result<Vec<Package>, Error> {
    // The error of the last parsed state, which is the top one when it is present.
    let last_error = RefCell::new(None);
    let packages = attribute(path, versions, |location, content| {
        match parse(format, location, content) {
            Ok(p) => {
                last_error.replace(None);
                p
            }
            Err(e) => {
                last_error.replace(Some(e));
                Vec::new()
            }
        }
    });
    let present = versions.last().is_some_and(|v| v.content.is_some());
    match last_error.into_inner() {
        Some(source) if present => Err(Error::RpmDb {
            path: path.to_owned(),
            source,
        }),
        _ => Ok(packages),
    }
}

/// Parses a whole database file of `format`; `layer` is 0. `gpg-pubkey` pseudo-packages
/// (imported signing keys) are skipped.
pub fn parse(format: Format, location: &str, content: &[u8]) -> Result<Vec<Package>, DbError> {
    let mut out = Vec::new();
    for (index, blob) in format.blobs(content)?.iter().enumerate() {
        let h = Header::parse(blob).map_err(|source| DbError::Header { index, source })?;
        if let Some(p) = package(&h, index, location)? {
            out.push(p);
        }
    }
    Ok(out)
}

/// The package a header describes; `None` for `gpg-pubkey`.
pub fn package(h: &Header<'_>, index: usize, location: &str) -> Result<Option<Package>, DbError> {
    let need = |t, name| h.string(t).ok_or(DbError::MissingTag { index, tag: name });
    let name = need(tag::NAME, "NAME")?;
    if name == "gpg-pubkey" {
        return Ok(None);
    }
    let version = need(tag::VERSION, "VERSION")?;
    let release = need(tag::RELEASE, "RELEASE")?;
    let epoch = h.int(tag::EPOCH);
    let full = evr(epoch, &version, &release);
    let (source_name, source_version) =
        match h.string(tag::SOURCERPM).as_deref().and_then(source_rpm) {
            Some((n, v, r)) => (n.to_owned(), evr(epoch, v, r)),
            None => (name.to_string(), full.clone()),
        };
    Ok(Some(Package {
        kind: PackageKind::Rpm,
        name: name.into_owned(),
        version: full,
        arch: h.string(tag::ARCH).map(Cow::into_owned),
        source_name,
        source_version,
        license: h.string(tag::LICENSE).map(Cow::into_owned),
        vendor: h.string(tag::VENDOR).map(Cow::into_owned),
        files: files(h),
        location: location.to_owned(),
        layer: 0,
    }))
}

/// The installed paths: `DIRNAMES[DIRINDEXES[i]] + BASENAMES[i]`. A file whose
/// directory index is out of range is left out.
fn files(h: &Header<'_>) -> Vec<String> {
    let dirs = h.strings(tag::DIRNAMES);
    let indexes = h.ints(tag::DIRINDEXES);
    h.strings(tag::BASENAMES)
        .iter()
        .zip(indexes)
        .filter_map(|(base, i)| {
            let dir = dirs.get(usize::try_from(i).ok()?)?;
            Some(format!("{dir}{base}"))
        })
        .collect()
}

/// `[epoch:]version-release`, the form rpm compares.
fn evr(epoch: Option<u64>, version: &str, release: &str) -> String {
    match epoch {
        Some(e) => format!("{e}:{version}-{release}"),
        None => format!("{version}-{release}"),
    }
}

/// `name-version-release.src.rpm` (or `.nosrc.rpm`) as (name, version, release).
pub fn source_rpm(file: &str) -> Option<(&str, &str, &str)> {
    let stem = file
        .strip_suffix(".src.rpm")
        .or_else(|| file.strip_suffix(".nosrc.rpm"))?;
    let (rest, release) = stem.rsplit_once('-')?;
    let (name, version) = rest.rsplit_once('-')?;
    (!name.is_empty() && !version.is_empty() && !release.is_empty())
        .then_some((name, version, release))
}

/// An rpm version string `[epoch:]version-release` split into its epoch (when present)
/// and `version-release`.
pub fn split_epoch(version: &str) -> (Option<&str>, &str) {
    match version.split_once(':') {
        Some((e, rest)) if !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()) => {
            (Some(e), rest)
        }
        _ => (None, version),
    }
}

#[cfg(test)]
mod tests {
    use super::header::tests::{build, s};
    use super::*;

    #[test]
    fn source_rpm_names() {
        assert_eq!(
            source_rpm("openssl-3.0.7-27.el9.src.rpm"),
            Some(("openssl", "3.0.7", "27.el9"))
        );
        assert_eq!(
            source_rpm("python3-foo-bar-1.0~rc1^git2-1.nosrc.rpm"),
            Some(("python3-foo-bar", "1.0~rc1^git2", "1"))
        );
        assert_eq!(source_rpm("foo.src.rpm"), None);
        assert_eq!(source_rpm("foo-1-2.rpm"), None);
        assert_eq!(source_rpm("-1-2.src.rpm"), None);
    }

    #[test]
    fn epochs() {
        assert_eq!(split_epoch("2:1.0-3"), (Some("2"), "1.0-3"));
        assert_eq!(split_epoch("1.0-3"), (None, "1.0-3"));
        assert_eq!(split_epoch("a:1.0-3"), (None, "a:1.0-3"));
        assert_eq!(evr(Some(0), "1", "2"), "0:1-2");
    }

    #[test]
    fn package_from_header() {
        let blob = build(
            &[
                s(tag::NAME, "openssl-libs"),
                s(tag::VERSION, "3.0.7"),
                s(tag::RELEASE, "27.el9"),
                (tag::EPOCH, 4, 1, 1u32.to_be_bytes().to_vec()),
                s(tag::ARCH, "x86_64"),
                s(tag::LICENSE, "Apache-2.0"),
                s(tag::VENDOR, "Rocky"),
                s(tag::SOURCERPM, "openssl-3.0.7-27.el9.src.rpm"),
            ],
            true,
        );
        let h = Header::parse(&blob).unwrap();
        let p = package(&h, 0, "var/lib/rpm/rpmdb.sqlite").unwrap().unwrap();
        assert_eq!(p.kind, PackageKind::Rpm);
        assert_eq!(p.name, "openssl-libs");
        assert_eq!(p.version, "1:3.0.7-27.el9");
        assert_eq!(p.arch.as_deref(), Some("x86_64"));
        assert_eq!(
            (p.source_name.as_str(), p.source_version.as_str()),
            ("openssl", "1:3.0.7-27.el9")
        );
        assert_eq!(p.license.as_deref(), Some("Apache-2.0"));
        assert_eq!(p.vendor.as_deref(), Some("Rocky"));

        let key = build(
            &[
                s(tag::NAME, "gpg-pubkey"),
                s(tag::VERSION, "1"),
                s(tag::RELEASE, "2"),
            ],
            false,
        );
        assert_eq!(
            package(&Header::parse(&key).unwrap(), 0, "x").unwrap(),
            None
        );

        let no_release = build(&[s(tag::NAME, "x"), s(tag::VERSION, "1")], false);
        assert_eq!(
            package(&Header::parse(&no_release).unwrap(), 3, "x").unwrap_err(),
            DbError::MissingTag {
                index: 3,
                tag: "RELEASE"
            }
        );
    }
}
