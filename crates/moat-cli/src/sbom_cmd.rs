//! `moat sbom SOURCE`: catalogue an image's packages and write an SBOM.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use moat_image::catalog::Problem;
use moat_image::sbom::{self, ImageInfo, Tool};
use moat_image::source::docker::DockerArchive;
use moat_image::source::oci::{OciLayout, Platform};
use moat_image::{Catalog, Catalogers, Limits, PackageKind, Source};

pub const EXAMPLES: &str = "\
SOURCE is an OCI image layout directory (with `oci-layout` and `index.json`, as written by
`skopeo copy ... oci:DIR`, `umoci` or `docker buildx build -o type=oci,tar=false`) or a
`docker save` archive (a tar with `manifest.json`).

Examples:
  moat sbom ./app-oci                               CycloneDX 1.6 JSON on standard output
  moat sbom app.tar -f spdx -o app.spdx.json        SPDX 2.3 JSON into a file
  moat sbom ./multiarch-oci --platform linux/arm64  the arm64 image of a multi-arch index
  moat sbom app.tar -f table                        name, version, type, introducing layer
  SOURCE_DATE_EPOCH=0 moat sbom ./app-oci           reproducible timestamp

Packages come from the OS databases (dpkg, apk) and from language ecosystems found
anywhere in the image: Python (*.dist-info/METADATA, *.egg-info), npm
(node_modules/*/package.json), Go binaries (embedded build info), Rust binaries built with
cargo-auditable, Java archives (jar/war/ear, nested). Files that look like packages but
cannot be read (a corrupt jar, a malformed binary section) are warnings on stderr.

Output is deterministic: packages sorted by package URL, the CycloneDX serial number and
the SPDX namespace derived from the image digest, the creation time from
SOURCE_DATE_EPOCH when set (else the current time).

Exit codes: 0 SBOM written; 2 usage error, or a source that cannot be read (missing,
neither an OCI layout nor a docker archive, digest mismatch, corrupt layer).";

#[derive(Clone, Copy, Debug, Default, ValueEnum)]
enum SbomFormat {
    /// CycloneDX 1.6 JSON.
    #[default]
    Cyclonedx,
    /// SPDX 2.3 JSON.
    Spdx,
    /// moat's own JSON: image, distribution and packages.
    Json,
    /// A table for people: name, version, type, layer.
    Table,
}

#[derive(Args, Debug)]
pub struct SbomArgs {
    /// OCI image layout directory or `docker save` archive (tar).
    source: PathBuf,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    format: SbomFormat,
    /// Write to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Image to pick from a multi-platform index, as OS/ARCH[/VARIANT] (default: the only
    /// image, else linux/amd64).
    #[arg(long, value_name = "OS/ARCH")]
    platform: Option<String>,
}

pub fn run(a: &SbomArgs) -> anyhow::Result<ExitCode> {
    let platform = match a.platform.as_deref().map(Platform::parse).transpose() {
        Ok(p) => p,
        Err(e) => return crate::usage(format_args!("--platform: {e}")),
    };
    let created = match created() {
        Ok(t) => t,
        Err(e) => return crate::usage(e),
    };
    let (image, catalog, problems) = match read(&a.source, platform.as_ref()) {
        Ok(v) => v,
        Err(e) => return crate::usage(format_args!("{}: {e:#}", a.source.display())),
    };
    warn_problems(&problems);
    let tool = Tool {
        name: "moat",
        version: env!("CARGO_PKG_VERSION"),
    };
    let text = match a.format {
        SbomFormat::Cyclonedx => sbom::cyclonedx(&image, &catalog, tool, created)?,
        SbomFormat::Spdx => sbom::spdx(&image, &catalog, tool, created)?,
        SbomFormat::Json => json(&image, &catalog)?,
        SbomFormat::Table => table(&image, &catalog),
    };
    match &a.output {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => io::stdout().lock().write_all(text.as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `SOURCE_DATE_EPOCH` when set, else now (seconds since the Unix epoch).
fn created() -> Result<i64, String> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) => v
            .trim()
            .parse::<i64>()
            .map_err(|_| format!("SOURCE_DATE_EPOCH={v:?} is not a number of seconds")),
        Err(_) => Ok(std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))),
    }
}

/// Prints the files the language catalogers could not read, one line each.
fn warn_problems(problems: &[Problem]) {
    let mut err = io::stderr().lock();
    for p in problems {
        let _ = writeln!(
            err,
            "moat: warning: /{} (layer {}): {}",
            p.path, p.layer, p.error
        );
    }
}

/// Opens the source (layout directory or docker archive), loads and catalogues it (OS
/// databases and language packages).
fn read(
    path: &Path,
    platform: Option<&Platform>,
) -> anyhow::Result<(ImageInfo, Catalog, Vec<Problem>)> {
    let meta =
        std::fs::metadata(path).map_err(|e| anyhow::anyhow!("cannot read the source: {e}"))?;
    let (source, name, digest): (Box<dyn Source>, String, _) = if meta.is_dir() {
        if !path.join("oci-layout").is_file() {
            anyhow::bail!("not an OCI image layout (no oci-layout file in the directory)");
        }
        let image = OciLayout::open(path, platform)?;
        let digest = image.manifest_digest().clone();
        // A full reference names the image; a bare tag is shown as `DIR:TAG` (skopeo's
        // `oci:DIR:TAG`).
        let name = match image.ref_name() {
            Some(r) if r.contains(['/', ':', '@']) => r.to_owned(),
            Some(tag) => format!("{}:{tag}", path.display()),
            None => path.display().to_string(),
        };
        (Box::new(image), name, digest)
    } else {
        if !is_tar(path)? {
            anyhow::bail!(
                "neither an OCI image layout directory nor a tar archive (`docker save` output)"
            );
        }
        let image = match DockerArchive::open(path, None) {
            Ok(image) => image,
            Err(moat_image::Error::Missing { what }) if what.starts_with("\"manifest.json\"") => {
                anyhow::bail!(
                    "a tar without manifest.json is not a docker archive (an OCI archive tar is \
                     not read yet: extract it and pass the directory)"
                )
            }
            Err(e) => return Err(anyhow::Error::new(e).context("not a readable docker archive")),
        };
        if let Some(p) = platform {
            let c = image.config();
            if c.os != p.os || c.architecture != p.architecture {
                anyhow::bail!(
                    "the archive holds a {}/{} image, not {}/{}",
                    c.os,
                    c.architecture,
                    p.os,
                    p.architecture
                );
            }
        }
        let name = image
            .repo_tags()
            .first()
            .cloned()
            .unwrap_or_else(|| path.display().to_string());
        let digest = image.config_digest().clone();
        (Box::new(image), name, digest)
    };
    let mut catalogers = Catalogers::new();
    let fs = moat_image::load_inspected(
        &*source,
        moat_image::catalog::want(),
        Limits::default(),
        &mut [&mut catalogers],
    )?;
    let catalog = moat_image::catalog_all(&fs, &catalogers)?;
    let problems = catalogers.problems(&fs);
    let config = source.config();
    let platform = (!config.os.is_empty() && !config.architecture.is_empty()).then(|| {
        let mut p = format!("{}/{}", config.os, config.architecture);
        if let Some(v) = &config.variant {
            p.push('/');
            p.push_str(v);
        }
        p
    });
    let layers = source
        .layers()
        .iter()
        .map(|l| l.diff_id.clone().or_else(|| l.digest.clone()))
        .collect();
    Ok((
        ImageInfo {
            name,
            digest,
            platform,
            layers,
        },
        catalog,
        problems,
    ))
}

/// Whether the file starts with a ustar/GNU tar header (magic at offset 257).
fn is_tar(path: &Path) -> anyhow::Result<bool> {
    use std::io::Read as _;
    let mut head = Vec::with_capacity(512);
    std::fs::File::open(path)
        .map_err(|e| anyhow::anyhow!("cannot read the source: {e}"))?
        .take(512)
        .read_to_end(&mut head)
        .map_err(|e| anyhow::anyhow!("cannot read the source: {e}"))?;
    Ok(head.get(257..262) == Some(b"ustar".as_slice()))
}

fn kind(k: PackageKind) -> &'static str {
    match k {
        PackageKind::Deb => "deb",
        PackageKind::Apk => "apk",
        PackageKind::Python => "python",
        PackageKind::Npm => "npm",
        PackageKind::Go => "go",
        PackageKind::Rust => "rust",
        PackageKind::Java => "java",
    }
}

/// The layer digest recorded for layer `index`.
fn layer_digest(image: &ImageInfo, index: usize) -> Option<&str> {
    image
        .layers
        .get(index)
        .and_then(Option::as_ref)
        .map(moat_image::Digest::as_str)
}

/// Packages sorted by kind, name, architecture, version (the catalogue's order).
fn json(image: &ImageInfo, catalog: &Catalog) -> anyhow::Result<String> {
    let packages: Vec<_> = catalog
        .packages
        .iter()
        .map(|p| {
            serde_json::json!({
                "type": kind(p.kind),
                "name": p.name,
                "version": p.version,
                "arch": p.arch,
                "purl": sbom::purl(p, catalog.os.as_ref()),
                "sourceName": p.source_name,
                "sourceVersion": p.source_version,
                "location": p.location,
                "layerIndex": p.layer,
                "layer": layer_digest(image, p.layer),
            })
        })
        .collect();
    let os = catalog.os.as_ref().map(|o| {
        serde_json::json!({
            "id": o.id,
            "versionId": o.version_id,
            "codename": o.version_codename,
            "prettyName": o.pretty_name,
        })
    });
    let doc = serde_json::json!({
        "image": {"name": image.name, "digest": image.digest.as_str(), "platform": image.platform},
        "os": os,
        "packages": packages,
    });
    let mut s = serde_json::to_string_pretty(&doc)?;
    s.push('\n');
    Ok(s)
}

fn table(image: &ImageInfo, catalog: &Catalog) -> String {
    let rows: Vec<[String; 4]> = catalog
        .packages
        .iter()
        .map(|p| {
            let layer = layer_digest(image, p.layer).map_or_else(
                || p.layer.to_string(),
                |d| d.trim_start_matches("sha256:").chars().take(12).collect(),
            );
            [
                p.name.clone(),
                p.version.clone(),
                kind(p.kind).to_owned(),
                layer,
            ]
        })
        .collect();
    let header = ["NAME", "VERSION", "TYPE", "LAYER"].map(str::to_owned);
    let mut widths = header.clone().map(|h| h.len());
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    for r in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (i, (c, w)) in r.iter().zip(widths).enumerate() {
            if i + 1 == r.len() {
                line.push_str(c);
            } else {
                let _ = write!(line, "{c:<w$}  ");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    let os = catalog
        .os
        .as_ref()
        .and_then(|o| o.pretty_name.clone().or_else(|| Some(o.id.clone())))
        .unwrap_or_else(|| "unknown distribution".into());
    let _ = writeln!(
        out,
        "\n{} package{} in {} ({os}, {})",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" },
        image.name,
        image.digest.as_str()
    );
    out
}
