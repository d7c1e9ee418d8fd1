//! The apk database `lib/apk/db/installed` (Alpine, Wolfi).

use super::{Package, PackageKind, attribute, stanzas};
use crate::Error;
use crate::fs::MergedFs;

/// The database file.
pub const INSTALLED: &str = "lib/apk/db/installed";
/// Files this cataloger reads.
pub const PATHS: &[&str] = &[INSTALLED];

/// Installed apk packages, each with the layer that introduced it.
pub fn catalog(fs: &MergedFs) -> Result<Vec<Package>, Error> {
    Ok(attribute(INSTALLED, fs.versions(INSTALLED)?, parse))
}

/// Parses an apk installed database (`P:` name, `V:` version, `A:` arch, `o:` origin).
/// `layer` is 0.
pub fn parse(location: &str, content: &[u8]) -> Vec<Package> {
    let text = String::from_utf8_lossy(content);
    let mut out = Vec::new();
    for stanza in stanzas(&text) {
        let (mut name, mut version, mut arch, mut origin, mut license) =
            (None, None, None, None, None);
        for line in stanza {
            match line.split_once(':') {
                Some(("P", v)) => name = Some(v),
                Some(("V", v)) => version = Some(v),
                Some(("A", v)) => arch = Some(v),
                Some(("o", v)) => origin = Some(v),
                Some(("L", v)) if !v.is_empty() => license = Some(v),
                _ => {}
            }
        }
        let (Some(name), Some(version)) = (name, version) else {
            continue;
        };
        out.push(Package {
            kind: PackageKind::Apk,
            name: name.to_owned(),
            version: version.to_owned(),
            arch: arch.map(str::to_owned),
            source_name: origin.unwrap_or(name).to_owned(),
            source_version: version.to_owned(),
            license: license.map(str::to_owned),
            vendor: None,
            files: Vec::new(),
            location: location.to_owned(),
            layer: 0,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installed_with_origin() {
        let db = "C:Q1abc=\nP:musl\nV:1.2.5-r0\nA:x86_64\no:musl\nL:MIT\n\nP:libcrypto3\nV:3.3.1-r0\nA:x86_64\no:openssl\nF:lib\nR:libcrypto.so.3\n\nP:broken\n";
        let got = parse(INSTALLED, db.as_bytes());
        let summary: Vec<_> = got
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.source_name.as_str()))
            .collect();
        assert_eq!(
            summary,
            [
                ("musl", "1.2.5-r0", "musl"),
                ("libcrypto3", "3.3.1-r0", "openssl")
            ]
        );
        assert_eq!(got[1].arch.as_deref(), Some("x86_64"));
        assert_eq!(got[0].license.as_deref(), Some("MIT"));
        assert_eq!(got[1].license, None);
    }
}
