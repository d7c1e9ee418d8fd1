//! The dpkg database: `var/lib/dpkg/status` and the one-file-per-package
//! `var/lib/dpkg/status.d/*` of distroless images, with each package's file list from
//! `var/lib/dpkg/info/<name>[:<arch>].list`.

use super::{Package, PackageKind, attribute, stanzas};
use crate::Error;
use crate::fs::MergedFs;

/// The status file.
pub const STATUS: &str = "var/lib/dpkg/status";
/// The distroless status directory.
pub const STATUS_D: &str = "var/lib/dpkg/status.d";
/// The directory of per-package file lists.
pub const INFO: &str = "var/lib/dpkg/info";
/// Files this cataloger reads.
pub const PATHS: &[&str] = &[
    STATUS,
    "var/lib/dpkg/status.d/*",
    "var/lib/dpkg/info/*.list",
];

/// Installed Debian packages, each with the layer that introduced it.
pub fn catalog(fs: &MergedFs) -> Result<Vec<Package>, Error> {
    let mut out = attribute(STATUS, fs.versions(STATUS)?, parse);
    for p in &mut out {
        p.files = file_list(fs, p)?;
    }
    for file in fs.children(STATUS_D)? {
        if file.ends_with(".md5sums") {
            continue;
        }
        out.extend(attribute(&file, fs.versions(&file)?, parse));
    }
    Ok(out)
}

/// The paths `info/<name>:<arch>.list` (multi-arch packages) or `info/<name>.list`
/// records for `p`, in the order listed, without the `/.` root entry; empty when there is
/// no list.
fn file_list(fs: &MergedFs, p: &Package) -> Result<Vec<String>, Error> {
    let mut candidates = Vec::with_capacity(2);
    if let Some(arch) = &p.arch {
        candidates.push(format!("{INFO}/{}:{arch}.list", p.name));
    }
    candidates.push(format!("{INFO}/{}.list", p.name));
    for path in candidates {
        if let Some(f) = fs.file(&path)? {
            return Ok(parse_list(f.content));
        }
    }
    Ok(Vec::new())
}

/// The lines of a dpkg `.list` file (one path per line), without empty lines and `/.`.
pub fn parse_list(content: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(content)
        .lines()
        .filter(|l| !l.is_empty() && *l != "/.")
        .map(str::to_owned)
        .collect()
}

/// Parses a dpkg status (or status.d) file; only installed packages are returned
/// (a stanza without `Status`, as in distroless, counts as installed). `layer` is 0.
pub fn parse(location: &str, content: &[u8]) -> Vec<Package> {
    let text = String::from_utf8_lossy(content);
    let mut out = Vec::new();
    for stanza in stanzas(&text) {
        let (mut name, mut version, mut arch, mut source, mut installed) =
            (None, None, None, None, true);
        for line in stanza {
            if line.starts_with([' ', '\t']) {
                continue;
            }
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match key {
                "Package" => name = Some(value),
                "Version" => version = Some(value),
                "Architecture" => arch = Some(value),
                "Source" => source = Some(value),
                "Status" => installed = value.split_whitespace().nth(2) == Some("installed"),
                _ => {}
            }
        }
        let (Some(name), Some(version), true) = (name, version, installed) else {
            continue;
        };
        let (source_name, source_version) = match source.map(parse_source) {
            Some((s, Some(v))) => (s, v),
            Some((s, None)) => (s, version),
            None => (name, version),
        };
        out.push(Package {
            kind: PackageKind::Deb,
            name: name.to_owned(),
            version: version.to_owned(),
            arch: arch.map(str::to_owned),
            source_name: source_name.to_owned(),
            source_version: source_version.to_owned(),
            license: None,
            vendor: None,
            files: Vec::new(),
            location: location.to_owned(),
            layer: 0,
        });
    }
    out
}

/// `name` or `name (version)`.
fn parse_source(s: &str) -> (&str, Option<&str>) {
    match s.split_once('(') {
        Some((name, rest)) => (
            name.trim(),
            Some(rest.trim_end().trim_end_matches(')').trim()),
        ),
        None => (s.trim(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS_FIXTURE: &str = "\
Package: libc6
Status: install ok installed
Architecture: amd64
Source: glibc
Version: 2.36-9+deb12u7
Description: GNU C Library
 multi-line description
 .

Package: removed
Status: deinstall ok config-files
Version: 1.0

Package: libssl3
Status: install ok installed
Architecture: amd64
Source: openssl (3.0.13-1~deb12u1)
Version: 3.0.13-1~deb12u1+b1
";

    #[test]
    fn status_with_sources() {
        let got = parse(STATUS, STATUS_FIXTURE.as_bytes());
        let summary: Vec<_> = got
            .iter()
            .map(|p| {
                (
                    p.name.as_str(),
                    p.version.as_str(),
                    p.source_name.as_str(),
                    p.source_version.as_str(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("libc6", "2.36-9+deb12u7", "glibc", "2.36-9+deb12u7"),
                (
                    "libssl3",
                    "3.0.13-1~deb12u1+b1",
                    "openssl",
                    "3.0.13-1~deb12u1"
                ),
            ]
        );
        assert_eq!(got[0].arch.as_deref(), Some("amd64"));
    }

    #[test]
    fn distroless_stanza_without_status() {
        let got = parse(
            "var/lib/dpkg/status.d/tzdata",
            b"Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n",
        );
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].source_name, "tzdata");
    }

    #[test]
    fn file_lists() {
        assert_eq!(
            parse_list(b"/.\n/usr\n/usr/bin/bash\n\n/bin/sh\n"),
            ["/usr", "/usr/bin/bash", "/bin/sh"]
        );
        assert!(parse_list(b"").is_empty());
    }

    #[test]
    fn garbage_is_ignored() {
        assert!(parse(STATUS, b"\xff\xfe\n\n:::\nPackage\n").is_empty());
    }
}
