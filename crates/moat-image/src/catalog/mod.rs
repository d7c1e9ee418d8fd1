//! Package catalogers over a [`MergedFs`]: [`os_release`], [`dpkg`], [`apk`] and [`rpm`]. Each
//! names the files it needs ([`want`]), so loading keeps just those contents, and each
//! package is attributed to the layer that introduced it (the lowest layer from which
//! its name, architecture and version stayed unchanged up to the top).
//!
//! Language ecosystems ([`python`], [`npm`], [`gobin`], [`rustbin`], [`java`]) are
//! [`Inspector`](crate::Inspector)s bundled in [`Catalogers`]: load with them, then
//! [`catalog_all`].

pub mod apk;
pub mod dpkg;
pub mod elf;
pub mod gobin;
pub mod java;
pub mod lang;
pub mod npm;
pub mod os_release;
pub mod python;
pub mod rpm;
pub mod rustbin;

use std::collections::BTreeMap;

pub use lang::{Catalogers, Problem};
pub use os_release::OsRelease;

use crate::Error;
use crate::fs::{MergedFs, Version, Want};

/// The ecosystem a package belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PackageKind {
    /// A Debian package (dpkg database).
    Deb,
    /// An Alpine package (apk database).
    Apk,
    /// An rpm package (rpm database).
    Rpm,
    /// A Python distribution (`*.dist-info`, `*.egg-info`).
    Python,
    /// An npm package installed in `node_modules`.
    Npm,
    /// A Go module compiled into a binary (or `stdlib`, the Go standard library).
    Go,
    /// A Rust crate compiled into a binary (cargo-auditable).
    Rust,
    /// A Java archive (Maven coordinates as `group:artifact`).
    Java,
}

/// One installed package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// Ecosystem.
    pub kind: PackageKind,
    /// Binary package name.
    pub name: String,
    /// Installed version, as the package manager writes it (rpm: `[epoch:]version-release`).
    pub version: String,
    /// Architecture, when recorded.
    pub arch: Option<String>,
    /// Source package (dpkg `Source`, apk origin, rpm `SOURCERPM` name); the package
    /// itself when not recorded. For Go modules the binary's main module, for Rust
    /// crates the binary's root crate.
    pub source_name: String,
    /// Source version (dpkg `Source: name (version)`, rpm `[epoch:]version-release` of the
    /// source rpm); the package version otherwise. For Go modules the Go toolchain
    /// version, for Rust crates the root crate's version.
    pub source_version: String,
    /// The licence the package declares (apk `L:`, rpm `LICENSE`), as written.
    pub license: Option<String>,
    /// The vendor or supplier the package declares (rpm `VENDOR`).
    pub vendor: Option<String>,
    /// The paths the package installed, as its database lists them (dpkg
    /// `info/<name>.list`, directories included; rpm `DIRNAMES` + `BASENAMES`); empty
    /// when not recorded.
    pub files: Vec<String>,
    /// Path of the database file the package was found in (language packages: the
    /// metadata file, binary or archive; `outer!/inner` inside nested archives).
    pub location: String,
    /// Index (from the bottom, 0) of the layer that introduced the package.
    pub layer: usize,
}

/// What the catalogers found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalog {
    /// The distribution, from os-release.
    pub os: Option<OsRelease>,
    /// Packages, sorted by kind, name, architecture and version.
    pub packages: Vec<Package>,
}

/// The files every cataloger needs kept while loading.
pub fn want() -> Want {
    Want::new()
        .with(os_release::PATHS)
        .with(dpkg::PATHS)
        .with(apk::PATHS)
        .with(rpm::PATHS)
}

/// Runs every cataloger over `fs` (loaded with at least [`want`]).
pub fn catalog(fs: &MergedFs) -> Result<Catalog, Error> {
    let mut packages = dpkg::catalog(fs)?;
    packages.extend(apk::catalog(fs)?);
    packages.extend(rpm::catalog(fs)?);
    sort(&mut packages);
    Ok(Catalog {
        os: os_release::find(fs)?,
        packages,
    })
}

/// [`catalog`] plus the language packages the `catalogers` found while `fs` was
/// loaded with them (only those whose file is still current), all sorted.
pub fn catalog_all(fs: &MergedFs, catalogers: &Catalogers) -> Result<Catalog, Error> {
    let mut c = catalog(fs)?;
    c.packages.extend(catalogers.packages(fs));
    sort(&mut c.packages);
    Ok(c)
}

fn sort(packages: &mut [Package]) {
    packages.sort_by(|a, b| {
        (a.kind, &a.name, &a.arch, &a.version, &a.location).cmp(&(
            b.kind,
            &b.name,
            &b.arch,
            &b.version,
            &b.location,
        ))
    });
}

/// Final packages of a database file with its history: each keeps the layer from which
/// it has been present, unchanged, up to the top.
pub(crate) fn attribute(
    path: &str,
    versions: &[Version],
    parse: impl Fn(&str, &[u8]) -> Vec<Package>,
) -> Vec<Package> {
    let mut current: BTreeMap<(String, Option<String>), Package> = BTreeMap::new();
    for v in versions {
        let Some(content) = &v.content else {
            current.clear();
            continue;
        };
        let mut next = BTreeMap::new();
        for mut p in parse(path, content) {
            let key = (p.name.clone(), p.arch.clone());
            p.layer = match current.get(&key) {
                Some(prev) if prev.version == p.version => prev.layer,
                _ => v.layer,
            };
            next.insert(key, p);
        }
        current = next;
    }
    current.into_values().collect()
}

/// Splits `KEY: value` stanzas separated by blank lines (dpkg control, apk `K:value`).
pub(crate) fn stanzas(text: &str) -> impl Iterator<Item = Vec<&str>> {
    let mut lines = text.lines().peekable();
    std::iter::from_fn(move || {
        while lines.peek().is_some_and(|l| l.trim().is_empty()) {
            lines.next();
        }
        lines.peek()?;
        let mut stanza = Vec::new();
        while let Some(l) = lines.next_if(|l| !l.trim().is_empty()) {
            stanza.push(l);
        }
        Some(stanza)
    })
}
