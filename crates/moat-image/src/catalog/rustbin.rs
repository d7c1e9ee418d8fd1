//! Rust binaries built with `cargo auditable`: the `.dep-v0` ELF section holds the
//! dependency tree as zlib-compressed JSON (`{"packages":[{"name","version","source",
//! "kind","dependencies","root"}]}`). Every listed crate is a package; the root crate
//! (the binary's own package) is each package's source. Decompression is bounded, so a
//! zlib bomb is a problem, not an allocation.

use std::io::Read;

use flate2::read::ZlibDecoder;
use serde::Deserialize;

use super::PackageKind;
use super::elf::{Elf, maybe_binary};
use super::lang::{Findings, ParseError, package};
use crate::fs::Inspector;

/// The section name.
pub const SECTION: &str = ".dep-v0";
/// Largest decompressed dependency list.
const MAX_JSON: u64 = 8 << 20;

/// One crate of the dependency list.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Crate {
    /// Crate name.
    pub name: String,
    /// Version.
    pub version: String,
    /// `crates.io`, `git`, `local`, `registry` or other.
    #[serde(default)]
    pub source: String,
    /// `build` for build-time only dependencies, `runtime` (the default) otherwise.
    #[serde(default)]
    pub kind: Option<String>,
    /// Whether this is the root crate (the binary's own package).
    #[serde(default)]
    pub root: bool,
}

#[derive(Deserialize)]
struct DepList {
    packages: Vec<Crate>,
}

/// The cargo-auditable cataloger.
#[derive(Debug, Default, Clone)]
pub struct RustBinaries {
    pub(crate) findings: Findings,
}

/// The crates listed in `data`'s `.dep-v0` section: `Ok(None)` when it is not an ELF
/// file or has no such section.
pub fn read(data: &[u8]) -> Result<Option<Vec<Crate>>, ParseError> {
    let Some(elf) = Elf::parse(data)? else {
        return Ok(None);
    };
    let Some(section) = elf.find_section(SECTION)? else {
        return Ok(None);
    };
    parse_section(elf.section_data(&section)?).map(Some)
}

/// Decompresses and parses a `.dep-v0` payload.
pub fn parse_section(compressed: &[u8]) -> Result<Vec<Crate>, ParseError> {
    let mut json = Vec::new();
    ZlibDecoder::new(compressed)
        .take(MAX_JSON + 1)
        .read_to_end(&mut json)
        .map_err(|e| ParseError::invalid("cargo-auditable data", format!("zlib: {e}")))?;
    if json.len() as u64 > MAX_JSON {
        return Err(ParseError::TooLarge {
            what: "decompressed cargo-auditable data".into(),
            limit: MAX_JSON,
        });
    }
    let list: DepList = serde_json::from_slice(&json)
        .map_err(|e| ParseError::invalid("cargo-auditable data", e.to_string()))?;
    Ok(list.packages)
}

impl Inspector for RustBinaries {
    fn wants(&self, path: &str, size: u64, mode: u32) -> bool {
        maybe_binary(path, size, mode)
    }

    fn inspect(&mut self, layer: usize, path: &str, content: &[u8]) {
        let crates = match read(content) {
            Ok(Some(c)) => c,
            Ok(None) => return,
            Err(e) => {
                // Only reported when the file is an ELF with the section at all; other
                // ELF oddities are the Go cataloger's or nobody's business.
                if content
                    .windows(SECTION.len())
                    .any(|w| w == SECTION.as_bytes())
                {
                    self.findings.problem(layer, path, PackageKind::Rust, e);
                }
                return;
            }
        };
        let root = crates.iter().find(|c| c.root);
        for c in &crates {
            let mut p = package(PackageKind::Rust, &c.name, &c.version, path);
            if let Some(r) = root {
                p.source_name.clone_from(&r.name);
                p.source_version.clone_from(&r.version);
            }
            self.findings.package(layer, path, p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    fn zlib(bytes: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn payload() {
        let json = br#"{"packages":[{"name":"app","version":"0.1.0","source":"local","dependencies":[1],"root":true},{"name":"smallvec","version":"0.6.9","source":"crates.io"},{"name":"cc","version":"1.0.0","source":"crates.io","kind":"build"}]}"#;
        let c = parse_section(&zlib(json)).unwrap();
        assert_eq!(c.len(), 3);
        assert!(c[0].root);
        assert_eq!(c[2].kind.as_deref(), Some("build"));
        assert!(parse_section(b"not zlib").is_err());
        assert!(parse_section(&zlib(b"{}")).is_err());
    }

    #[test]
    fn zlib_bomb_is_bounded() {
        let bomb = zlib(&vec![b' '; (MAX_JSON + 10) as usize]);
        assert!(matches!(
            parse_section(&bomb),
            Err(ParseError::TooLarge { .. })
        ));
    }
}
