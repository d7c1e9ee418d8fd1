//! npm packages installed under `node_modules`: `…/node_modules/<name>/package.json` and
//! `…/node_modules/@scope/<name>/package.json`. Only installed packages count: an
//! application's own `package.json` outside `node_modules`, the dependency lists inside
//! a `package.json` and lockfiles (with their `devDependencies`) are never read as
//! packages, and neither are `package.json` files deeper inside a package (test
//! fixtures, sub-path exports).

use serde::Deserialize;

use super::PackageKind;
use super::lang::{Findings, ParseError};
use crate::fs::Inspector;

/// Largest `package.json` read.
const MAX_MANIFEST: u64 = 4 << 20;

/// The npm cataloger.
#[derive(Debug, Default, Clone)]
pub struct Npm {
    pub(crate) findings: Findings,
}

/// Whether `path` is the manifest of a package installed in a `node_modules` directory.
pub fn is_installed_manifest(path: &str) -> bool {
    let mut parts = path.rsplit('/');
    if parts.next() != Some("package.json") {
        return false;
    }
    let Some(name) = parts
        .next()
        .filter(|n| !n.is_empty() && !n.starts_with('.'))
    else {
        return false;
    };
    match parts.next() {
        Some("node_modules") => !name.starts_with('@'),
        Some(scope) if scope.len() > 1 && scope.starts_with('@') => {
            parts.next() == Some("node_modules")
        }
        _ => false,
    }
}

#[derive(Deserialize)]
struct Manifest {
    name: Option<String>,
    version: Option<String>,
}

/// Name and version of a `package.json`.
pub fn parse(content: &[u8]) -> Result<(String, String), ParseError> {
    let m: Manifest = serde_json::from_slice(content)
        .map_err(|e| ParseError::invalid("package.json", e.to_string()))?;
    match (m.name, m.version) {
        (Some(n), Some(v)) if !n.is_empty() && !v.is_empty() => Ok((n, v)),
        _ => Err(ParseError::invalid("package.json", "no name and version")),
    }
}

impl Inspector for Npm {
    fn wants(&self, path: &str, size: u64, _mode: u32) -> bool {
        size <= MAX_MANIFEST && is_installed_manifest(path)
    }

    fn inspect(&mut self, layer: usize, path: &str, content: &[u8]) {
        if !is_installed_manifest(path) {
            return;
        }
        self.findings
            .parsed(layer, path, PackageKind::Npm, parse(content));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installed_manifests_only() {
        assert!(is_installed_manifest(
            "app/node_modules/left-pad/package.json"
        ));
        assert!(is_installed_manifest(
            "app/node_modules/@types/node/package.json"
        ));
        assert!(is_installed_manifest(
            "app/node_modules/a/node_modules/b/package.json"
        ));
        assert!(!is_installed_manifest("app/package.json"));
        assert!(!is_installed_manifest(
            "app/node_modules/@types/package.json"
        ));
        assert!(!is_installed_manifest(
            "app/node_modules/a/lib/package.json"
        ));
        assert!(!is_installed_manifest(
            "app/node_modules/.package-lock.json"
        ));
        assert!(!is_installed_manifest("node_modules/package.json"));
    }

    #[test]
    fn manifest_fields() {
        let (n, v) =
            parse(br#"{"name":"@types/node","version":"20.1.0","devDependencies":{"x":"1"}}"#)
                .unwrap();
        assert_eq!((n.as_str(), v.as_str()), ("@types/node", "20.1.0"));
        assert!(parse(br#"{"name":"x"}"#).is_err());
        assert!(parse(b"{").is_err());
    }
}
