//! `moat sbom SOURCE`: catalogue an image's packages and write an SBOM.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use moat_image::catalog::Problem;
use moat_image::sbom::{self, ImageInfo, Tool};
use moat_image::{Catalog, Catalogers, Limits};

use crate::image_source::ImageSourceArgs;

pub const EXAMPLES: &str = "\
Examples:
  moat sbom ./app-oci                               CycloneDX 1.6 JSON on standard output
  moat sbom app.tar -f spdx -o app.spdx.json        SPDX 2.3 JSON into a file
  moat sbom ./multiarch-oci --platform linux/arm64  the arm64 image of a multi-arch index
  moat sbom app.tar -f table                        name, version, type, introducing layer
  moat sbom oci-archive:app.oci.tar                 an OCI archive tar
  moat sbom ./rootfs -f table                       an unpacked root filesystem
  moat sbom --insecure-registry 127.0.0.1:5000/app:1  pull from a local registry over HTTP
  SOURCE_DATE_EPOCH=0 moat sbom ./app-oci           reproducible timestamp

Packages come from the OS databases — dpkg, apk and rpm (rpmdb.sqlite, Berkeley DB
Packages or NDB Packages.db under var/lib/rpm or usr/lib/sysimage/rpm) — and from language
ecosystems found anywhere in the image: Python (*.dist-info/METADATA, *.egg-info), npm
(node_modules/*/package.json), Go binaries (embedded build info), Rust binaries built with
cargo-auditable, Java archives (jar/war/ear, nested), each attributed to the layer that
introduced it. A package database that cannot be read is an error naming the file, never
an empty list; files that look like packages but cannot be read (a corrupt jar, a
malformed binary section) are warnings on stderr.

Output is deterministic: packages sorted by package URL, the CycloneDX serial number and
the SPDX namespace derived from the image digest, the creation time from
SOURCE_DATE_EPOCH when set (else the current time).

Exit codes: 0 SBOM written; 2 usage error, or a source that cannot be read (missing,
not an image, registry error, digest mismatch, corrupt layer, unreadable rpm
database).";

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
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct SbomArgs {
    #[command(subcommand)]
    command: Option<SbomCommand>,
    #[command(flatten)]
    source: ImageSourceArgs,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    format: SbomFormat,
    /// Write to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

/// `moat sbom` subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum SbomCommand {
    /// Report the vulnerabilities of the packages an SBOM lists (CycloneDX or SPDX JSON,
    /// from moat, Syft, Trivy, …), matched against the local database.
    Scan(crate::vuln_cmd::ScanArgs),
}

pub fn run(a: &SbomArgs) -> anyhow::Result<ExitCode> {
    if let Some(SbomCommand::Scan(args)) = &a.command {
        return crate::vuln_cmd::scan(args);
    }
    let created = match created() {
        Ok(t) => t,
        Err(e) => return crate::usage(e),
    };
    let (image, catalog, problems) = match read(&a.source) {
        Ok(v) => v,
        Err(e) => return crate::usage(e),
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
pub fn created() -> Result<i64, String> {
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

/// Opens the source, loads and catalogues it (OS databases and language packages).
fn read(source: &ImageSourceArgs) -> Result<(ImageInfo, Catalog, Vec<Problem>), String> {
    let opened = source.open()?;
    let fail = |e: moat_image::Error| format!("{}: {e}", source.spec());
    let mut catalogers = Catalogers::new();
    let fs = opened
        .load(
            moat_image::catalog::want(),
            Limits::default(),
            &mut [&mut catalogers],
        )
        .map_err(fail)?;
    crate::image_source::report_notices(source.spec(), fs.notices());
    let catalog = moat_image::catalog_all(&fs, &catalogers).map_err(fail)?;
    let problems = catalogers.problems(&fs);
    Ok((opened.info().clone(), catalog, problems))
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
                "type": sbom::kind_name(p.kind),
                "name": p.name,
                "version": p.version,
                "arch": p.arch,
                "purl": sbom::purl(p, catalog.os.as_ref()),
                "sourceName": p.source_name,
                "sourceVersion": p.source_version,
                "license": p.license,
                "vendor": p.vendor,
                "fileCount": p.files.len(),
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
        "image": {
            "name": image.name,
            "digest": image.digest.as_str(),
            "platform": image.platform,
            "layers": image.layers.iter().map(|l| l.as_ref().map(moat_image::Digest::as_str)).collect::<Vec<_>>(),
        },
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
                sbom::kind_name(p.kind).to_owned(),
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
