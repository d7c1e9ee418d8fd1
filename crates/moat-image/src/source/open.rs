//! Opening an image from what a user typed: a path (OCI layout directory, root
//! filesystem directory, `docker save` archive, OCI archive) or a registry reference,
//! with optional `transport:` prefixes in skopeo's style to say which.

use std::path::{Path, PathBuf};

use super::docker::DockerArchive;
use super::oci::{OciImage, Platform};
use super::registry::{Reference, RegistryOptions};
use super::{Source, archive::TarIndex};
use crate::Error;
use crate::digest::Digest;
use crate::fs::{Inspector, Limits, MergedFs, Want};
use crate::sbom::ImageInfo;

/// What kind of source an image came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// An OCI image layout directory.
    OciLayout,
    /// An OCI image layout in a tar.
    OciArchive,
    /// A `docker save` archive.
    DockerArchive,
    /// A root filesystem directory (one layer, no config).
    RootFs,
    /// A registry, over the OCI Distribution API.
    Registry,
}

impl SourceKind {
    /// A short name for messages and reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::OciLayout => "OCI layout",
            Self::OciArchive => "OCI archive",
            Self::DockerArchive => "docker archive",
            Self::RootFs => "root filesystem",
            Self::Registry => "registry",
        }
    }
}

/// How to open a source.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    /// Image to pick from a multi-platform index (default: the only one, else linux/amd64).
    pub platform: Option<Platform>,
    /// Registry access: credentials, CA, plain HTTP.
    pub registry: RegistryOptions,
}

enum Image {
    Layered(Box<dyn Source>),
    RootFs(PathBuf),
}

/// An opened image, ready to load.
pub struct Opened {
    image: Image,
    kind: SourceKind,
    info: ImageInfo,
}

impl std::fmt::Debug for Opened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opened")
            .field("kind", &self.kind)
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

impl Opened {
    /// The kind of source.
    pub fn kind(&self) -> SourceKind {
        self.kind
    }

    /// Name, digest, platform and layer digests.
    pub fn info(&self) -> &ImageInfo {
        &self.info
    }

    /// The image config; `None` for a root filesystem directory.
    pub fn config(&self) -> Option<&super::ImageConfig> {
        match &self.image {
            Image::Layered(s) => Some(s.config()),
            Image::RootFs(_) => None,
        }
    }

    /// Annotations of the image manifest, when there is one.
    pub fn annotations(&self) -> Option<&std::collections::BTreeMap<String, String>> {
        match &self.image {
            Image::Layered(s) => s.annotations(),
            Image::RootFs(_) => None,
        }
    }

    /// Streams every layer into a merged view keeping what `want` names and showing
    /// files to the `inspectors`.
    pub fn load(
        &self,
        want: Want,
        limits: Limits,
        inspectors: &mut [&mut dyn Inspector],
    ) -> Result<MergedFs, Error> {
        match &self.image {
            Image::Layered(source) => super::load_inspected(&**source, want, limits, inspectors),
            Image::RootFs(root) => {
                let mut fs = MergedFs::new(want, limits);
                fs.add_dir(root, inspectors)?;
                Ok(fs)
            }
        }
    }
}

/// Opens `spec`: `oci:DIR`, `oci-archive:FILE`, `docker-archive:FILE[:TAG]`, `dir:DIR`,
/// `docker://REF` / `registry:REF`, or without a prefix a path (detected) or, when no
/// such path exists, a registry reference `host[:port]/repo[:tag|@sha256:…]`.
pub fn open(spec: &str, opts: &OpenOptions) -> Result<Opened, Error> {
    let platform = opts.platform.as_ref();
    if let Some(p) = spec.strip_prefix("oci:") {
        return open_layout(Path::new(p), platform);
    }
    if let Some(p) = spec.strip_prefix("oci-archive:") {
        return open_oci_archive(Path::new(p), platform);
    }
    if let Some(rest) = spec.strip_prefix("docker-archive:") {
        let (path, tag) = split_archive_tag(rest);
        return open_docker(path, tag, platform);
    }
    if let Some(p) = spec.strip_prefix("dir:") {
        return open_rootfs(Path::new(p));
    }
    if let Some(r) = spec
        .strip_prefix("docker://")
        .or_else(|| spec.strip_prefix("registry:"))
    {
        return open_registry(r, opts);
    }
    let path = Path::new(spec);
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            if path.join("oci-layout").is_file() {
                open_layout(path, platform)
            } else {
                open_rootfs(path)
            }
        }
        Ok(_) => {
            if !is_tar(path)? {
                return Err(Error::Invalid {
                    what: path.display().to_string(),
                    reason: "neither a directory nor a tar archive (`docker save` output or an \
                             OCI archive)"
                        .into(),
                });
            }
            let index = TarIndex::open(path)?;
            if index.contains("manifest.json") {
                open_docker_index(index, path, None, platform)
            } else if index.contains("oci-layout") {
                Ok(finish_oci(
                    OciImage::from_archive_index(index, platform)?,
                    path,
                    SourceKind::OciArchive,
                ))
            } else {
                Err(Error::Invalid {
                    what: path.display().to_string(),
                    reason: "a tar with neither manifest.json (docker archive) nor oci-layout \
                             (OCI archive)"
                        .into(),
                })
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && Reference::looks_like(spec) => {
            open_registry(spec, opts)
        }
        Err(source) => Err(Error::Io {
            path: path.to_owned(),
            source,
        }),
    }
}

/// `FILE[:TAG]`: a tag is split off only when the part before the last `:` names a file.
fn split_archive_tag(rest: &str) -> (&Path, Option<&str>) {
    if !Path::new(rest).exists()
        && let Some((file, _)) = rest.split_once(':')
        && Path::new(file).is_file()
    {
        return (Path::new(file), rest.get(file.len() + 1..));
    }
    (Path::new(rest), None)
}

fn open_layout(path: &Path, platform: Option<&Platform>) -> Result<Opened, Error> {
    Ok(finish_oci(
        OciImage::open(path, platform)?,
        path,
        SourceKind::OciLayout,
    ))
}

fn open_oci_archive(path: &Path, platform: Option<&Platform>) -> Result<Opened, Error> {
    Ok(finish_oci(
        OciImage::open_archive(path, platform)?,
        path,
        SourceKind::OciArchive,
    ))
}

fn finish_oci(image: OciImage, path: &Path, kind: SourceKind) -> Opened {
    // A full reference names the image; a bare tag is shown as `PATH:TAG` (skopeo's
    // `oci:DIR:TAG`).
    let name = match image.ref_name() {
        Some(r) if r.contains(['/', ':', '@']) => r.to_owned(),
        Some(tag) => format!("{}:{tag}", path.display()),
        None => path.display().to_string(),
    };
    let digest = image.manifest_digest().clone();
    layered(Box::new(image), kind, name, digest)
}

fn open_docker(
    path: &Path,
    tag: Option<&str>,
    platform: Option<&Platform>,
) -> Result<Opened, Error> {
    open_docker_index(TarIndex::open(path)?, path, tag, platform)
}

fn open_docker_index(
    index: TarIndex,
    path: &Path,
    tag: Option<&str>,
    platform: Option<&Platform>,
) -> Result<Opened, Error> {
    let image = DockerArchive::from_index(index, tag)?;
    if let Some(p) = platform {
        let c = image.config();
        if c.os != p.os || c.architecture != p.architecture {
            return Err(Error::NoPlatform {
                wanted: p.to_string(),
                available: vec![format!("{}/{}", c.os, c.architecture)],
            });
        }
    }
    let name = tag
        .map(str::to_owned)
        .or_else(|| image.repo_tags().first().cloned())
        .unwrap_or_else(|| path.display().to_string());
    let digest = image.config_digest().clone();
    Ok(layered(
        Box::new(image),
        SourceKind::DockerArchive,
        name,
        digest,
    ))
}

fn open_rootfs(path: &Path) -> Result<Opened, Error> {
    let root = std::fs::canonicalize(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    let name = path.display().to_string();
    Ok(Opened {
        info: ImageInfo {
            digest: Digest::of(root.to_string_lossy().as_bytes()),
            name,
            platform: None,
            layers: vec![None],
        },
        image: Image::RootFs(root),
        kind: SourceKind::RootFs,
    })
}

fn open_registry(reference: &str, opts: &OpenOptions) -> Result<Opened, Error> {
    let reference = Reference::parse(reference)?;
    let image = super::registry::open(&reference, &opts.registry, opts.platform.as_ref())?;
    let digest = image.manifest_digest().clone();
    Ok(layered(
        Box::new(image),
        SourceKind::Registry,
        reference.to_string(),
        digest,
    ))
}

fn layered(source: Box<dyn Source>, kind: SourceKind, name: String, digest: Digest) -> Opened {
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
    Opened {
        info: ImageInfo {
            name,
            digest,
            platform,
            layers,
        },
        image: Image::Layered(source),
        kind,
    }
}

/// Whether the file starts with a ustar/GNU tar header (magic at offset 257).
fn is_tar(path: &Path) -> Result<bool, Error> {
    use std::io::Read as _;
    let mut head = Vec::with_capacity(512);
    std::fs::File::open(path)
        .and_then(|f| f.take(512).read_to_end(&mut head))
        .map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?;
    Ok(head.get(257..262) == Some(b"ustar".as_slice()))
}
