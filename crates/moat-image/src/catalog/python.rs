//! Python distributions: `*.dist-info/METADATA` (wheels, pip) and `*.egg-info/PKG-INFO`
//! or a single-file `*.egg-info` (setuptools, Debian's `python3-*` packages). Only the
//! header block is read (`Name`, `Version`); the description that follows is ignored.

use super::PackageKind;
use super::lang::{Findings, ParseError};
use crate::fs::Inspector;

/// Largest metadata file read (larger ones are a problem, not a package).
const MAX_METADATA: u64 = 4 << 20;

/// The Python cataloger.
#[derive(Debug, Default, Clone)]
pub struct Python {
    pub(crate) findings: Findings,
}

/// Whether `path` names a Python metadata file.
pub fn is_metadata(path: &str) -> bool {
    let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
    let parent = dir.rsplit('/').next().unwrap_or(dir);
    (name == "METADATA" && parent.ends_with(".dist-info") && parent.len() > ".dist-info".len())
        || (name == "PKG-INFO" && parent.ends_with(".egg-info") && parent.len() > ".egg-info".len())
        || (name.ends_with(".egg-info") && name.len() > ".egg-info".len())
}

/// Name and version from the header block of a `METADATA`/`PKG-INFO` file.
pub fn parse(content: &[u8]) -> Result<(String, String), ParseError> {
    let text = String::from_utf8_lossy(content);
    let (mut name, mut version) = (None, None);
    for line in text.lines() {
        if line.trim().is_empty() {
            break;
        }
        match line.split_once(':') {
            Some((k, v)) if k.eq_ignore_ascii_case("name") => name = Some(v.trim()),
            Some((k, v)) if k.eq_ignore_ascii_case("version") => version = Some(v.trim()),
            _ => {}
        }
    }
    match (name, version) {
        (Some(n), Some(v)) if !n.is_empty() && !v.is_empty() => Ok((n.to_owned(), v.to_owned())),
        _ => Err(ParseError::invalid(
            "Python metadata",
            "no Name and Version in the header block",
        )),
    }
}

/// The PEP 503 normalised name: lowercase, runs of `-`, `_` and `.` become one `-`.
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

impl Inspector for Python {
    fn wants(&self, path: &str, size: u64, _mode: u32) -> bool {
        size <= MAX_METADATA && is_metadata(path)
    }

    fn inspect(&mut self, layer: usize, path: &str, content: &[u8]) {
        if !is_metadata(path) {
            return;
        }
        self.findings
            .parsed(layer, path, PackageKind::Python, parse(content));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_paths() {
        assert!(is_metadata(
            "usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA"
        ));
        assert!(is_metadata(
            "app/venv/lib/python3.11/site-packages/six.egg-info/PKG-INFO"
        ));
        assert!(is_metadata(
            "usr/lib/python3/dist-packages/six-1.16.0.egg-info"
        ));
        assert!(!is_metadata("srv/docs/METADATA"));
        assert!(!is_metadata("srv/.dist-info/METADATA"));
        assert!(!is_metadata("srv/x.dist-info/RECORD"));
    }

    #[test]
    fn header_block_only() {
        let m = b"Metadata-Version: 2.1\nName: Flask_Cors\nVersion: 4.0.0\n\nName: not-this\n";
        assert_eq!(parse(m).unwrap(), ("Flask_Cors".into(), "4.0.0".into()));
        assert!(parse(b"Metadata-Version: 2.1\n\nName: x\nVersion: 1\n").is_err());
        assert_eq!(normalize("Flask_Cors"), "flask-cors");
        assert_eq!(normalize("zope.interface"), "zope-interface");
        assert_eq!(normalize("a__-.B"), "a-b");
    }
}
