//! SBOMs read back in: CycloneDX (1.4–1.6) and SPDX (2.2–2.3) JSON documents, as written
//! by moat, Syft, Trivy or others, reduced to the packages they list with their package
//! URLs — the input of vulnerability matching for `moat sbom scan`.

use serde_json::Value;

use crate::Error;
use crate::purl::Purl;

/// One package an SBOM lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BomPackage {
    /// Its package URL.
    pub purl: Purl,
    /// Source package name, when the SBOM records one (moat's `moat:sourcePackage`
    /// property or SPDX `sourceInfo`, a `upstream` purl qualifier as Syft writes).
    pub source_name: Option<String>,
    /// Source package version, when recorded.
    pub source_version: Option<String>,
    /// Where in the image it was found, when recorded.
    pub location: Option<String>,
}

/// What an SBOM describes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bom {
    /// `CycloneDX 1.6` or `SPDX-2.3`.
    pub format: String,
    /// The described subject's name (image reference, project), when given.
    pub subject: Option<String>,
    /// The operating system component/package: (name, version).
    pub os: Option<(String, String)>,
    /// Packages with a package URL, in document order.
    pub packages: Vec<BomPackage>,
    /// Names of packages without a usable package URL (they cannot be matched).
    pub skipped: Vec<String>,
}

/// Reads a CycloneDX or SPDX JSON document.
pub fn read(bytes: &[u8]) -> Result<Bom, Error> {
    let doc: Value = serde_json::from_slice(bytes).map_err(|source| Error::Json {
        what: "SBOM".into(),
        source,
    })?;
    if doc.get("bomFormat").and_then(Value::as_str) == Some("CycloneDX") {
        Ok(cyclonedx(&doc))
    } else if doc.get("spdxVersion").is_some() {
        Ok(spdx(&doc))
    } else {
        Err(Error::Invalid {
            what: "SBOM".into(),
            reason: "neither CycloneDX JSON (bomFormat) nor SPDX JSON (spdxVersion)".into(),
        })
    }
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn cyclonedx(doc: &Value) -> Bom {
    let mut bom = Bom {
        format: format!("CycloneDX {}", str_of(doc, "specVersion").unwrap_or("?")),
        subject: doc
            .pointer("/metadata/component/name")
            .and_then(Value::as_str)
            .map(str::to_owned),
        ..Bom::default()
    };
    let mut stack: Vec<&Value> = doc
        .get("components")
        .and_then(Value::as_array)
        .map(|a| a.iter().rev().collect())
        .unwrap_or_default();
    while let Some(c) = stack.pop() {
        if let Some(nested) = c.get("components").and_then(Value::as_array) {
            stack.extend(nested.iter().rev());
        }
        let name = str_of(c, "name").unwrap_or("<unnamed>");
        if str_of(c, "type") == Some("operating-system") {
            bom.os = Some((
                name.to_owned(),
                str_of(c, "version").unwrap_or_default().to_owned(),
            ));
            continue;
        }
        let prop = |key: &str| {
            c.get("properties")
                .and_then(Value::as_array)?
                .iter()
                .find(|p| str_of(p, "name") == Some(key))
                .and_then(|p| str_of(p, "value"))
                .map(str::to_owned)
        };
        match str_of(c, "purl").map(Purl::parse) {
            Some(Ok(purl)) => {
                let upstream = purl.qualifier("upstream").map(str::to_owned);
                bom.packages.push(BomPackage {
                    source_name: prop("moat:sourcePackage").or(upstream),
                    source_version: prop("moat:sourceVersion"),
                    location: prop("moat:location"),
                    purl,
                });
            }
            _ => bom.skipped.push(name.to_owned()),
        }
    }
    bom
}

fn spdx(doc: &Value) -> Bom {
    let mut bom = Bom {
        format: str_of(doc, "spdxVersion").unwrap_or("SPDX").to_owned(),
        subject: str_of(doc, "name").map(str::to_owned),
        ..Bom::default()
    };
    for p in doc
        .get("packages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = str_of(p, "name").unwrap_or("<unnamed>");
        match str_of(p, "primaryPackagePurpose") {
            Some("OPERATING_SYSTEM") => {
                bom.os = Some((
                    name.to_owned(),
                    str_of(p, "versionInfo").unwrap_or_default().to_owned(),
                ));
                continue;
            }
            Some("CONTAINER") => continue,
            _ => {}
        }
        let purl = p
            .get("externalRefs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|r| str_of(r, "referenceType") == Some("purl"))
            .and_then(|r| str_of(r, "referenceLocator"))
            .map(Purl::parse);
        let Some(Ok(purl)) = purl else {
            bom.skipped.push(name.to_owned());
            continue;
        };
        // moat writes `built package from: NAME VERSION`; Syft writes the same phrase.
        let (source_name, source_version) = str_of(p, "sourceInfo")
            .and_then(|s| s.strip_prefix("built package from: "))
            .map(|s| {
                let mut it = s.split_whitespace();
                (it.next().map(str::to_owned), it.next().map(str::to_owned))
            })
            .unwrap_or_default();
        let upstream = purl.qualifier("upstream").map(str::to_owned);
        bom.packages.push(BomPackage {
            source_name: source_name.or(upstream),
            source_version,
            location: None,
            purl,
        });
    }
    bom
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cyclonedx_nested_and_properties() {
        let doc = br#"{"bomFormat":"CycloneDX","specVersion":"1.6",
            "metadata":{"component":{"name":"app:1"}},
            "components":[
              {"type":"operating-system","name":"debian","version":"12"},
              {"type":"library","name":"libssl3","purl":"pkg:deb/debian/libssl3@3.0.13-1~deb12u1%2Bb1?distro=debian-12",
               "properties":[{"name":"moat:sourcePackage","value":"openssl"},{"name":"moat:sourceVersion","value":"3.0.13-1~deb12u1"}]},
              {"type":"library","name":"shaded","components":[{"type":"library","name":"inner","purl":"pkg:maven/a/inner@1"}]},
              {"type":"library","name":"libc6","purl":"pkg:deb/debian/libc6@2.36-9?upstream=glibc"}
            ]}"#;
        let bom = read(doc).unwrap();
        assert_eq!(bom.format, "CycloneDX 1.6");
        assert_eq!(bom.subject.as_deref(), Some("app:1"));
        assert_eq!(bom.os, Some(("debian".into(), "12".into())));
        let names: Vec<_> = bom.packages.iter().map(|p| p.purl.name.as_str()).collect();
        assert_eq!(names, ["libssl3", "inner", "libc6"]);
        assert_eq!(bom.packages[0].source_name.as_deref(), Some("openssl"));
        assert_eq!(
            bom.packages[0].source_version.as_deref(),
            Some("3.0.13-1~deb12u1")
        );
        assert_eq!(bom.packages[2].source_name.as_deref(), Some("glibc"));
        assert_eq!(bom.skipped, ["shaded"]);
    }

    #[test]
    fn spdx_packages() {
        let doc = br#"{"spdxVersion":"SPDX-2.3","name":"img","packages":[
            {"name":"img","primaryPackagePurpose":"CONTAINER"},
            {"name":"debian","versionInfo":"12","primaryPackagePurpose":"OPERATING_SYSTEM"},
            {"name":"libc6","sourceInfo":"built package from: glibc 2.36-9",
             "externalRefs":[{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:deb/debian/libc6@2.36-9"}]},
            {"name":"nopurl"}]}"#;
        let bom = read(doc).unwrap();
        assert_eq!(bom.os, Some(("debian".into(), "12".into())));
        assert_eq!(bom.packages.len(), 1);
        assert_eq!(bom.packages[0].source_name.as_deref(), Some("glibc"));
        assert_eq!(bom.packages[0].source_version.as_deref(), Some("2.36-9"));
        assert_eq!(bom.skipped, ["nopurl"]);
        assert!(read(b"{}").is_err());
        assert!(read(b"[").is_err());
    }
}
