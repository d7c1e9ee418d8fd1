//! Software bills of materials from a catalogued image: CycloneDX 1.6 JSON
//! ([`cyclonedx`]) and SPDX 2.3 JSON ([`spdx`]), plus package URLs ([`purl`]).
//!
//! Output is deterministic: components are sorted by package URL (then database path),
//! the CycloneDX serial number and the SPDX document namespace are derived from the image
//! digest, and the creation time is the caller's (`created`, seconds since the Unix
//! epoch), so the same image and time always give the same bytes.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde::Serialize;
use sha2::{Digest as _, Sha256};

use crate::catalog::{Catalog, OsRelease, Package, PackageKind};
use crate::digest::Digest;

/// What the SBOM says about the image itself.
#[derive(Debug, Clone)]
pub struct ImageInfo {
    /// A human name: a tag, a reference name or the source path.
    pub name: String,
    /// The image digest: the manifest digest (OCI layout) or the config digest (docker
    /// archive, the image ID).
    pub digest: Digest,
    /// `os/arch[/variant]` from the image config, when known.
    pub platform: Option<String>,
    /// Per layer (bottom first): the digest recorded as the layer that introduced a
    /// package (diff ID, else blob digest).
    pub layers: Vec<Option<Digest>>,
}

/// The tool that produced the SBOM.
#[derive(Debug, Clone, Copy)]
pub struct Tool<'a> {
    /// Tool name (`moat`).
    pub name: &'a str,
    /// Tool version.
    pub version: &'a str,
}

/// The package URL of `p` (`pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12`,
/// `pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.19`,
/// `pkg:rpm/rocky/bash@5.1.8-9.el9?arch=x86_64&distro=rocky-9.3&epoch=1`). The namespace
/// is the os-release `ID` (default `debian` / `alpine`; none for rpm); the `distro`
/// qualifier is `ID-VERSION_ID` (major.minor for Alpine), or `ID-VERSION_CODENAME` when
/// there is no version. An rpm epoch is the `epoch` qualifier, not part of the version.
/// Qualifiers are sorted by key, as the purl specification's canonical form requires.
pub fn purl(p: &Package, os: Option<&OsRelease>) -> String {
    let (ty, default_ns) = match p.kind {
        PackageKind::Deb => ("deb", Some("debian")),
        PackageKind::Apk => ("apk", Some("alpine")),
        PackageKind::Rpm => ("rpm", None),
        PackageKind::Python
        | PackageKind::Npm
        | PackageKind::Go
        | PackageKind::Rust
        | PackageKind::Java => return language_purl(p),
    };
    let ns = os
        .map(|o| o.id.to_ascii_lowercase())
        .filter(|id| !id.is_empty() && id != "linux")
        .or_else(|| default_ns.map(str::to_owned));
    let (epoch, version) = match p.kind {
        PackageKind::Rpm => crate::catalog::rpm::split_epoch(&p.version),
        _ => (None, p.version.as_str()),
    };
    let mut s = format!("pkg:{ty}/");
    if let Some(ns) = ns {
        s.push_str(&encode(&ns));
        s.push('/');
    }
    s.push_str(&encode(&p.name));
    if !version.is_empty() {
        s.push('@');
        s.push_str(&encode(version));
    }
    let mut qualifiers = Vec::new();
    if let Some(arch) = p.arch.as_deref().filter(|a| !a.is_empty()) {
        qualifiers.push(format!("arch={}", encode(arch)));
    }
    if let Some(distro) = os.and_then(|o| distro(o, p.kind)) {
        qualifiers.push(format!("distro={}", encode(&distro)));
    }
    if let Some(epoch) = epoch {
        qualifiers.push(format!("epoch={epoch}"));
    }
    for (i, q) in qualifiers.iter().enumerate() {
        s.push(if i == 0 { '?' } else { '&' });
        s.push_str(q);
    }
    s
}

/// The purl type (and SBOM label) of a package kind.
pub fn kind_name(kind: PackageKind) -> &'static str {
    match kind {
        PackageKind::Deb => "deb",
        PackageKind::Apk => "apk",
        PackageKind::Rpm => "rpm",
        PackageKind::Python => "python",
        PackageKind::Npm => "npm",
        PackageKind::Go => "go",
        PackageKind::Rust => "rust",
        PackageKind::Java => "java",
    }
}

/// The package URL of a language package: `pkg:pypi/<PEP 503 name>@v`,
/// `pkg:npm/%40scope/name@v`, `pkg:golang/<module path>@v` (`pkg:golang/stdlib@go1.x.y`),
/// `pkg:cargo/name@v`, `pkg:maven/<group>/<artifact>@v` (no namespace when the group is
/// unknown). Each path segment is percent-encoded; `/` separates them.
fn language_purl(p: &Package) -> String {
    let (ty, path) = match p.kind {
        PackageKind::Python => ("pypi", encode(&crate::catalog::python::normalize(&p.name))),
        PackageKind::Go => ("golang", encode_path(&p.name)),
        PackageKind::Java => ("maven", encode_path(&p.name.replacen(':', "/", 1))),
        PackageKind::Npm => ("npm", encode_path(&p.name)),
        _ => ("cargo", encode(&p.name)),
    };
    let mut s = format!("pkg:{ty}/{path}");
    if !p.version.is_empty() {
        s.push('@');
        s.push_str(&encode(&p.version));
    }
    s
}

/// Percent-encodes each `/`-separated segment of `s`, empty segments dropped.
fn encode_path(s: &str) -> String {
    s.split('/')
        .filter(|seg| !seg.is_empty())
        .map(encode)
        .collect::<Vec<_>>()
        .join("/")
}

/// `debian-12`, `alpine-3.19`, `ubuntu-22.04`.
fn distro(os: &OsRelease, kind: PackageKind) -> Option<String> {
    let id = os.id.to_ascii_lowercase();
    let version = match (&os.version_id, &os.version_codename) {
        (Some(v), _) if !v.is_empty() => {
            if kind == PackageKind::Apk {
                v.split('.').take(2).collect::<Vec<_>>().join(".")
            } else {
                v.clone()
            }
        }
        (_, Some(c)) if !c.is_empty() => c.clone(),
        _ => return None,
    };
    Some(format!("{id}-{version}"))
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// One package ready for output, in output order.
struct Entry<'a> {
    package: &'a Package,
    purl: String,
    layer: Option<&'a Digest>,
}

fn entries<'a>(image: &'a ImageInfo, catalog: &'a Catalog) -> Vec<Entry<'a>> {
    let mut out: Vec<Entry<'a>> = catalog
        .packages
        .iter()
        .map(|p| Entry {
            package: p,
            purl: purl(p, catalog.os.as_ref()),
            layer: image.layers.get(p.layer).and_then(Option::as_ref),
        })
        .collect();
    out.sort_by(|a, b| {
        (&a.purl, &a.package.location, a.package.layer).cmp(&(
            &b.purl,
            &b.package.location,
            b.package.layer,
        ))
    });
    out
}

/// The source package of `p` when it differs from the binary package.
fn source_of(p: &Package) -> Option<(&str, &str)> {
    (p.source_name != p.name || p.source_version != p.version)
        .then_some((p.source_name.as_str(), p.source_version.as_str()))
}

/// A v4-shaped UUID whose bits are the SHA-256 of `seed` (deterministic, not random).
fn uuid_from(seed: &str) -> String {
    let h = Sha256::digest(seed.as_bytes());
    let mut b = [0u8; 16];
    for (dst, src) in b.iter_mut().zip(h.iter()) {
        *dst = *src;
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().fold(String::new(), |mut s, x| {
        let _ = write!(s, "{x:02x}");
        s
    });
    let part = |r: std::ops::Range<usize>| hex.get(r).unwrap_or_default().to_owned();
    format!(
        "{}-{}-{}-{}-{}",
        part(0..8),
        part(8..12),
        part(12..16),
        part(16..20),
        part(20..32)
    )
}

/// `YYYY-MM-DDThh:mm:ssZ` for `secs` since the Unix epoch (UTC; before 1970 clamps).
pub fn rfc3339(secs: i64) -> String {
    let secs = secs.max(0);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant), valid for every non-negative day count.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

// ---------------------------------------------------------------- CycloneDX 1.6

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CdxBom<'a> {
    bom_format: &'static str,
    spec_version: &'static str,
    serial_number: String,
    version: u32,
    metadata: CdxMetadata<'a>,
    components: Vec<CdxComponent>,
    dependencies: Vec<CdxDependency>,
}

#[derive(Serialize)]
struct CdxMetadata<'a> {
    timestamp: String,
    tools: CdxTools<'a>,
    component: CdxComponent,
}

#[derive(Serialize)]
struct CdxTools<'a> {
    components: [CdxTool<'a>; 1],
}

#[derive(Serialize)]
struct CdxTool<'a> {
    #[serde(rename = "type")]
    ty: &'static str,
    name: &'a str,
    version: &'a str,
}

#[derive(Serialize)]
struct CdxComponent {
    #[serde(rename = "bom-ref")]
    bom_ref: String,
    #[serde(rename = "type")]
    ty: &'static str,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    supplier: Option<CdxName>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    licenses: Vec<CdxLicenseChoice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purl: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<CdxProperty>,
}

#[derive(Serialize)]
struct CdxName {
    name: String,
}

#[derive(Serialize)]
struct CdxLicenseChoice {
    license: CdxName,
}

#[derive(Serialize)]
struct CdxProperty {
    name: &'static str,
    value: String,
}

#[derive(Serialize)]
struct CdxDependency {
    #[serde(rename = "ref")]
    reference: String,
    #[serde(rename = "dependsOn")]
    depends_on: Vec<String>,
}

fn prop(name: &'static str, value: impl Into<String>) -> CdxProperty {
    CdxProperty {
        name,
        value: value.into(),
    }
}

/// CycloneDX 1.6 JSON (pretty, trailing newline). Each package is a `library`
/// component with its purl and properties `moat:layer` (digest of the introducing
/// layer), `moat:layerIndex`, `moat:location` (database file) and, when it differs,
/// `moat:sourcePackage` / `moat:sourceVersion`, the declared licence as a named licence
/// (`licenses[].license.name`, not checked as an SPDX expression) and the vendor as
/// `supplier`; the image is `metadata.component`
/// (`container`) and the distribution an `operating-system` component.
pub fn cyclonedx(
    image: &ImageInfo,
    catalog: &Catalog,
    tool: Tool<'_>,
    created: i64,
) -> Result<String, serde_json::Error> {
    let image_ref = format!("image:{}", image.digest.as_str());
    let mut used = BTreeSet::new();
    let mut components = Vec::new();
    if let Some(os) = &catalog.os {
        let mut properties = vec![prop("moat:location", os.path.clone())];
        if let Some(d) = image.layers.get(os.layer).and_then(Option::as_ref) {
            properties.insert(0, prop("moat:layer", d.as_str()));
        }
        let bom_ref = format!("os:{}", os.id);
        used.insert(bom_ref.clone());
        components.push(CdxComponent {
            bom_ref,
            ty: "operating-system",
            name: os.id.clone(),
            version: os.version_id.clone(),
            supplier: None,
            licenses: Vec::new(),
            purl: None,
            properties,
        });
    }
    for e in entries(image, catalog) {
        let p = e.package;
        let mut bom_ref = e.purl.clone();
        let mut n = 1;
        while used.contains(&bom_ref) {
            n += 1;
            bom_ref = format!("{}#{n}", e.purl);
        }
        used.insert(bom_ref.clone());
        let mut properties = Vec::new();
        if let Some(d) = e.layer {
            properties.push(prop("moat:layer", d.as_str()));
        }
        properties.push(prop("moat:layerIndex", p.layer.to_string()));
        properties.push(prop("moat:location", p.location.clone()));
        if let Some((name, version)) = source_of(p) {
            properties.push(prop("moat:sourcePackage", name));
            properties.push(prop("moat:sourceVersion", version));
        }
        components.push(CdxComponent {
            bom_ref,
            ty: "library",
            name: p.name.clone(),
            version: Some(p.version.clone()),
            supplier: p.vendor.clone().map(|name| CdxName { name }),
            licenses: p
                .license
                .clone()
                .map(|name| CdxLicenseChoice {
                    license: CdxName { name },
                })
                .into_iter()
                .collect(),
            purl: Some(e.purl),
            properties,
        });
    }
    let mut image_props = vec![prop("moat:digest", image.digest.as_str())];
    if let Some(platform) = &image.platform {
        image_props.push(prop("moat:platform", platform.clone()));
    }
    let dependencies = vec![CdxDependency {
        reference: image_ref.clone(),
        depends_on: components.iter().map(|c| c.bom_ref.clone()).collect(),
    }];
    let bom = CdxBom {
        bom_format: "CycloneDX",
        spec_version: "1.6",
        serial_number: format!(
            "urn:uuid:{}",
            uuid_from(&format!("moat cyclonedx {}", image.digest.as_str()))
        ),
        version: 1,
        metadata: CdxMetadata {
            timestamp: rfc3339(created),
            tools: CdxTools {
                components: [CdxTool {
                    ty: "application",
                    name: tool.name,
                    version: tool.version,
                }],
            },
            component: CdxComponent {
                bom_ref: image_ref,
                ty: "container",
                name: image.name.clone(),
                version: Some(image.digest.as_str().to_owned()),
                supplier: None,
                licenses: Vec::new(),
                purl: None,
                properties: image_props,
            },
        },
        components,
        dependencies,
    };
    let mut s = serde_json::to_string_pretty(&bom)?;
    s.push('\n');
    Ok(s)
}

// ---------------------------------------------------------------- SPDX 2.3

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SpdxDoc {
    spdx_version: &'static str,
    data_license: &'static str,
    #[serde(rename = "SPDXID")]
    spdxid: &'static str,
    name: String,
    document_namespace: String,
    creation_info: SpdxCreation,
    packages: Vec<SpdxPackage>,
    relationships: Vec<SpdxRelationship>,
}

#[derive(Serialize)]
struct SpdxCreation {
    created: String,
    creators: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SpdxPackage {
    #[serde(rename = "SPDXID")]
    spdxid: String,
    name: String,
    version_info: String,
    download_location: &'static str,
    files_analyzed: bool,
    license_concluded: &'static str,
    license_declared: &'static str,
    copyright_text: &'static str,
    primary_package_purpose: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    supplier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    license_comments: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_info: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    external_refs: Vec<SpdxExternalRef>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SpdxExternalRef {
    #[serde(rename = "referenceCategory")]
    category: &'static str,
    #[serde(rename = "referenceType")]
    ty: &'static str,
    #[serde(rename = "referenceLocator")]
    locator: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SpdxRelationship {
    spdx_element_id: String,
    relationship_type: &'static str,
    related_spdx_element: String,
}

/// `[A-Za-z0-9.-]` only, as SPDX identifiers require.
fn spdx_id_part(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

fn package(spdxid: String, name: String, version: String, purpose: &'static str) -> SpdxPackage {
    SpdxPackage {
        spdxid,
        name,
        version_info: version,
        download_location: "NOASSERTION",
        files_analyzed: false,
        license_concluded: "NOASSERTION",
        license_declared: "NOASSERTION",
        copyright_text: "NOASSERTION",
        primary_package_purpose: purpose,
        supplier: None,
        license_comments: None,
        source_info: None,
        comment: None,
        external_refs: Vec::new(),
    }
}

/// SPDX 2.3 JSON (pretty, trailing newline). The document describes the image package
/// (`CONTAINER`), which contains one `LIBRARY` package per catalogued package (purl as a
/// `PACKAGE-MANAGER` external reference, the introducing layer in `comment`, the source
/// package in `sourceInfo` when it differs, the vendor as `supplier: Organization: …`,
/// the declared licence in `licenseComments` since it is not checked as an SPDX
/// expression) and the distribution (`OPERATING_SYSTEM`).
pub fn spdx(
    image: &ImageInfo,
    catalog: &Catalog,
    tool: Tool<'_>,
    created: i64,
) -> Result<String, serde_json::Error> {
    let image_id = "SPDXRef-Image".to_owned();
    let mut image_pkg = package(
        image_id.clone(),
        image.name.clone(),
        image.digest.as_str().to_owned(),
        "CONTAINER",
    );
    image_pkg.comment = image.platform.as_ref().map(|p| format!("platform {p}"));
    let mut packages = vec![image_pkg];
    let mut relationships = vec![SpdxRelationship {
        spdx_element_id: "SPDXRef-DOCUMENT".into(),
        relationship_type: "DESCRIBES",
        related_spdx_element: image_id.clone(),
    }];
    if let Some(os) = &catalog.os {
        let id = format!("SPDXRef-OperatingSystem-{}", spdx_id_part(&os.id));
        let mut p = package(
            id.clone(),
            os.id.clone(),
            os.version_id.clone().unwrap_or_default(),
            "OPERATING_SYSTEM",
        );
        p.comment = Some(layer_comment(
            &os.path,
            os.layer,
            image.layers.get(os.layer).and_then(Option::as_ref),
        ));
        packages.push(p);
        relationships.push(contains(&image_id, id));
    }
    for (i, e) in entries(image, catalog).into_iter().enumerate() {
        let p = e.package;
        let kind = kind_name(p.kind);
        let id = format!("SPDXRef-Package-{kind}-{}-{}", spdx_id_part(&p.name), i + 1);
        let mut pkg = package(id.clone(), p.name.clone(), p.version.clone(), "LIBRARY");
        pkg.source_info = source_of(p).map(|(name, version)| {
            if p.kind.is_language() {
                format!("compiled into: {name} {version}")
            } else {
                format!("built package from: {name} {version}")
            }
        });
        pkg.comment = Some(layer_comment(&p.location, p.layer, e.layer));
        pkg.supplier = p.vendor.as_ref().map(|v| format!("Organization: {v}"));
        pkg.license_comments = p
            .license
            .as_ref()
            .map(|l| format!("declared by the package (not checked as SPDX): {l}"));
        pkg.external_refs.push(SpdxExternalRef {
            category: "PACKAGE-MANAGER",
            ty: "purl",
            locator: e.purl,
        });
        packages.push(pkg);
        relationships.push(contains(&image_id, id));
    }
    let doc = SpdxDoc {
        spdx_version: "SPDX-2.3",
        data_license: "CC0-1.0",
        spdxid: "SPDXRef-DOCUMENT",
        name: image.name.clone(),
        document_namespace: format!(
            "https://moat.invalid/spdx/image/sha256-{}/{}",
            image.digest.hex(),
            uuid_from(&format!("moat spdx {}", image.digest.as_str()))
        ),
        creation_info: SpdxCreation {
            created: rfc3339(created),
            creators: vec![format!("Tool: {}-{}", tool.name, tool.version)],
        },
        packages,
        relationships,
    };
    let mut s = serde_json::to_string_pretty(&doc)?;
    s.push('\n');
    Ok(s)
}

fn layer_comment(location: &str, index: usize, digest: Option<&Digest>) -> String {
    match digest {
        Some(d) => format!(
            "moat:layer {} (layer {index}); found in /{location}",
            d.as_str()
        ),
        None => format!("moat:layer {index}; found in /{location}"),
    }
}

fn contains(image_id: &str, id: String) -> SpdxRelationship {
    SpdxRelationship {
        spdx_element_id: image_id.to_owned(),
        relationship_type: "CONTAINS",
        related_spdx_element: id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkg(kind: PackageKind, name: &str, version: &str, arch: &str) -> Package {
        Package {
            kind,
            name: name.into(),
            version: version.into(),
            arch: Some(arch.into()),
            source_name: name.into(),
            source_version: version.into(),
            license: None,
            vendor: None,
            files: Vec::new(),
            location: "var/lib/dpkg/status".into(),
            layer: 0,
        }
    }

    #[test]
    fn purls() {
        let debian = crate::catalog::os_release::parse("ID=debian\nVERSION_ID=\"12\"\n");
        let alpine = crate::catalog::os_release::parse("ID=alpine\nVERSION_ID=3.19.1\n");
        assert_eq!(
            purl(
                &pkg(
                    PackageKind::Deb,
                    "libssl3",
                    "1:3.0.13-1~deb12u1+b1",
                    "amd64"
                ),
                Some(&debian)
            ),
            "pkg:deb/debian/libssl3@1%3A3.0.13-1~deb12u1%2Bb1?arch=amd64&distro=debian-12"
        );
        assert_eq!(
            purl(
                &pkg(PackageKind::Apk, "musl", "1.2.5-r0", "x86_64"),
                Some(&alpine)
            ),
            "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.19"
        );
        assert_eq!(
            purl(&pkg(PackageKind::Apk, "musl", "1.2.5-r0", "x86_64"), None),
            "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64"
        );
    }

    #[test]
    fn duplicates_get_unique_refs_and_output_is_stable() {
        let mut first = pkg(PackageKind::Deb, "tzdata", "2024a-0+deb12u1", "all");
        let mut second = first.clone();
        second.location = "var/lib/dpkg/status.d/tzdata".into();
        second.layer = 1;
        first.source_name = "tz".into();
        let catalog = Catalog {
            os: None,
            packages: vec![second, first],
        };
        let image = ImageInfo {
            name: "x".into(),
            digest: Digest::of(b"manifest"),
            platform: None,
            layers: vec![Some(Digest::of(b"l0")), None],
        };
        let tool = Tool {
            name: "moat",
            version: "0",
        };
        let text = cyclonedx(&image, &catalog, tool, 0).unwrap();
        assert_eq!(text, cyclonedx(&image, &catalog, tool, 0).unwrap());
        let bom: serde_json::Value = serde_json::from_str(&text).unwrap();
        let refs: Vec<_> = bom["components"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["bom-ref"].as_str().unwrap().to_owned())
            .collect();
        let purl = "pkg:deb/debian/tzdata@2024a-0%2Bdeb12u1?arch=all";
        assert_eq!(refs, [purl.to_owned(), format!("{purl}#2")]);
        // Sorted by location: status first (layer 0, with a layer digest), then status.d.
        assert_eq!(
            bom["components"][0]["properties"][0]["value"],
            Digest::of(b"l0").as_str()
        );
        assert_eq!(
            bom["components"][1]["properties"][0]["name"],
            "moat:layerIndex"
        );
        let doc = spdx(&image, &catalog, tool, 0).unwrap();
        let doc_json: serde_json::Value = serde_json::from_str(&doc).unwrap();
        assert_eq!(doc_json["packages"].as_array().unwrap().len(), 3);
        assert_eq!(
            doc_json["packages"][2]["comment"],
            "moat:layer 1; found in /var/lib/dpkg/status.d/tzdata"
        );
        assert_eq!(doc_json["creationInfo"]["created"], "1970-01-01T00:00:00Z");
    }

    #[test]
    fn times_and_uuids() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        let u = uuid_from("x");
        assert_eq!(u.len(), 36);
        assert_eq!(u.as_bytes()[14], b'4');
        assert_eq!(u, uuid_from("x"));
    }
}
