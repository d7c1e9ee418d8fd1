//! OCI images: an image layout directory (`oci-layout`, `index.json`, `blobs/sha256/…`)
//! or the same layout in a tar (an OCI archive), read in place; the registry source
//! ([`super::registry`]) shares the resolution from index to manifest to config and
//! layers. Every blob read is checked against its descriptor's digest and size.

use std::fmt;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::archive::TarIndex;
use super::{ImageConfig, LayerDesc, Source, read_small};
use crate::Error;
use crate::digest::Digest;
use crate::layer::Compression;

const INDEX_TYPES: &[&str] = &[
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
];
const MANIFEST_TYPES: &[&str] = &[
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
];
const MAX_INDEX_DEPTH: usize = 4;

/// An `os/architecture[/variant]` platform.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Platform {
    /// Operating system.
    pub os: String,
    /// CPU architecture.
    pub architecture: String,
    /// Architecture variant.
    #[serde(default)]
    pub variant: Option<String>,
}

impl Platform {
    /// Parses `os/arch[/variant]`.
    pub fn parse(s: &str) -> Result<Self, Error> {
        let mut it = s.split('/');
        match (it.next(), it.next(), it.next(), it.next()) {
            (Some(os), Some(arch), variant, None) if !os.is_empty() && !arch.is_empty() => {
                Ok(Self {
                    os: os.to_owned(),
                    architecture: arch.to_owned(),
                    variant: variant.map(str::to_owned),
                })
            }
            _ => Err(Error::Invalid {
                what: format!("platform {s:?}"),
                reason: "expected os/arch[/variant]".into(),
            }),
        }
    }

    /// `linux/amd64`, the default.
    pub fn linux_amd64() -> Self {
        Self {
            os: "linux".into(),
            architecture: "amd64".into(),
            variant: None,
        }
    }

    /// The platform moat runs on (`linux/amd64` on an x86-64 Linux host), the default
    /// choice from a multi-platform index.
    pub fn host() -> Self {
        let architecture = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "x86" => "386",
            "powerpc64" => "ppc64le",
            "loongarch64" => "loong64",
            other => other,
        };
        Self {
            os: std::env::consts::OS.to_owned(),
            architecture: architecture.to_owned(),
            variant: None,
        }
    }

    fn matches(&self, other: &Self) -> bool {
        self.os == other.os
            && self.architecture == other.architecture
            && (self.variant.is_none() || self.variant == other.variant)
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

/// A content descriptor: what a manifest or index says about a blob.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Descriptor {
    #[serde(default)]
    pub(crate) media_type: String,
    pub(crate) digest: String,
    pub(crate) size: u64,
    #[serde(default)]
    pub(crate) platform: Option<Platform>,
    #[serde(default)]
    pub(crate) annotations: Option<std::collections::BTreeMap<String, String>>,
}

impl Descriptor {
    /// The `org.opencontainers.image.ref.name` annotation.
    fn ref_name(&self) -> Option<String> {
        self.annotations
            .as_ref()?
            .get("org.opencontainers.image.ref.name")
            .filter(|n| !n.is_empty())
            .cloned()
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    #[serde(default)]
    media_type: String,
    #[serde(default)]
    manifests: Option<Vec<Descriptor>>,
    #[serde(default)]
    config: Option<Descriptor>,
    #[serde(default)]
    layers: Option<Vec<Descriptor>>,
    #[serde(default)]
    annotations: Option<std::collections::BTreeMap<String, String>>,
}

/// Where an OCI image's blobs are read from.
pub(crate) trait BlobStore: fmt::Debug {
    /// Opens the blob `digest` (a layer, config or manifest), unverified.
    fn open(&self, digest: &Digest) -> Result<Box<dyn Read + Send + '_>, Error>;

    /// Reads the manifest or index `digest` (size- and digest-checked by the caller).
    fn manifest(&self, digest: &Digest) -> Result<Vec<u8>, Error> {
        read_small(self.open(digest)?, digest.as_str())
    }
}

/// Blobs of a layout directory.
#[derive(Debug)]
struct DirStore(PathBuf);

impl BlobStore for DirStore {
    fn open(&self, digest: &Digest) -> Result<Box<dyn Read + Send + '_>, Error> {
        let file = open(&self.0.join("blobs").join("sha256").join(digest.hex()))?;
        Ok(Box::new(BufReader::with_capacity(1 << 16, file)))
    }
}

/// Blobs of a layout inside a tar.
#[derive(Debug)]
struct TarStore(TarIndex);

impl BlobStore for TarStore {
    fn open(&self, digest: &Digest) -> Result<Box<dyn Read + Send + '_>, Error> {
        Ok(Box::new(
            self.0.member(&format!("blobs/sha256/{}", digest.hex()))?,
        ))
    }
}

/// An image chosen from an OCI image layout (directory or archive) or a registry.
#[derive(Debug)]
pub struct OciImage {
    store: Box<dyn BlobStore>,
    manifest_digest: Digest,
    ref_name: Option<String>,
    config: ImageConfig,
    layers: Vec<LayerDesc>,
    annotations: Option<std::collections::BTreeMap<String, String>>,
}

/// An image read from an OCI image layout directory or archive.
pub type OciLayout = OciImage;

impl OciImage {
    /// Opens the layout directory at `root` and picks the image for `platform`
    /// (default: the only manifest, else the host's platform).
    pub fn open(root: &Path, platform: Option<&Platform>) -> Result<Self, Error> {
        let layout = read_small(open(&root.join("oci-layout"))?, "oci-layout")?;
        let index = read_small(open(&root.join("index.json"))?, "index.json")?;
        Self::from_layout(
            Box::new(DirStore(root.to_owned())),
            &layout,
            &index,
            platform,
        )
    }

    /// Opens an OCI archive: an image layout stored in a tar (`skopeo copy …
    /// oci-archive:FILE`, `docker buildx … -o type=oci`), read in place.
    pub fn open_archive(path: &Path, platform: Option<&Platform>) -> Result<Self, Error> {
        Self::from_archive_index(TarIndex::open(path)?, platform)
    }

    pub(crate) fn from_archive_index(
        archive: TarIndex,
        platform: Option<&Platform>,
    ) -> Result<Self, Error> {
        let layout = read_small(archive.member("oci-layout")?, "oci-layout")?;
        let index = read_small(archive.member("index.json")?, "index.json")?;
        Self::from_layout(Box::new(TarStore(archive)), &layout, &index, platform)
    }

    fn from_layout(
        store: Box<dyn BlobStore>,
        layout: &[u8],
        index: &[u8],
        platform: Option<&Platform>,
    ) -> Result<Self, Error> {
        let layout: serde_json::Value =
            serde_json::from_slice(layout).map_err(|source| Error::Json {
                what: "oci-layout".into(),
                source,
            })?;
        if layout
            .get("imageLayoutVersion")
            .and_then(serde_json::Value::as_str)
            .is_none()
        {
            return Err(Error::Invalid {
                what: "oci-layout".into(),
                reason: "no imageLayoutVersion".into(),
            });
        }
        let index: Document = serde_json::from_slice(index).map_err(|source| Error::Json {
            what: "index.json".into(),
            source,
        })?;
        Self::resolve(store, index.manifests.unwrap_or_default(), platform)
    }

    /// Follows index entries down to the image manifest for `platform`, then reads its
    /// config and layer list.
    pub(crate) fn resolve(
        store: Box<dyn BlobStore>,
        manifests: Vec<Descriptor>,
        platform: Option<&Platform>,
    ) -> Result<Self, Error> {
        let wanted = platform.cloned().unwrap_or_else(Platform::host);
        let mut descriptor = choose(manifests, &wanted, platform.is_some())?;
        let mut ref_name = None;
        for _ in 0..=MAX_INDEX_DEPTH {
            if ref_name.is_none() {
                ref_name = descriptor.ref_name();
            }
            let digest = Digest::parse(&descriptor.digest)?;
            let bytes = checked(store.manifest(&digest)?, &digest, descriptor.size)?;
            let doc: Document = serde_json::from_slice(&bytes).map_err(|source| Error::Json {
                what: format!("manifest {digest}"),
                source,
            })?;
            let media_type = if descriptor.media_type.is_empty() {
                &doc.media_type
            } else {
                &descriptor.media_type
            };
            let is_index = INDEX_TYPES.contains(&media_type.as_str())
                || (media_type.is_empty() && doc.manifests.is_some());
            if is_index {
                descriptor = choose(
                    doc.manifests.unwrap_or_default(),
                    &wanted,
                    platform.is_some(),
                )?;
                continue;
            }
            if !MANIFEST_TYPES.contains(&media_type.as_str()) && !media_type.is_empty() {
                return Err(Error::UnsupportedMediaType {
                    media_type: media_type.clone(),
                });
            }
            let config_desc = doc.config.ok_or_else(|| Error::Invalid {
                what: format!("manifest {digest}"),
                reason: "no config".into(),
            })?;
            let config_digest = Digest::parse(&config_desc.digest)?;
            let config_bytes = read_small(store.open(&config_digest)?, config_digest.as_str())?;
            let config =
                ImageConfig::parse(&checked(config_bytes, &config_digest, config_desc.size)?)?;
            let layer_descs = doc.layers.unwrap_or_default();
            let diff_ids = config.diff_ids(layer_descs.len())?;
            let layers = layer_descs
                .iter()
                .zip(diff_ids)
                .map(|(l, diff_id)| {
                    Ok(LayerDesc {
                        compression: Some(Compression::from_media_type(&l.media_type)?),
                        digest: Some(Digest::parse(&l.digest)?),
                        size: Some(l.size),
                        diff_id,
                    })
                })
                .collect::<Result<Vec<_>, Error>>()?;
            return Ok(Self {
                annotations: doc.annotations,
                store,
                manifest_digest: digest,
                ref_name,
                config,
                layers,
            });
        }
        Err(Error::Invalid {
            what: "index.json".into(),
            reason: "image indexes nested too deeply".into(),
        })
    }

    /// The `org.opencontainers.image.ref.name` annotation of the chosen image (or of the
    /// index entry that led to it), when set: a tag (`1.0`) or a full reference.
    pub fn ref_name(&self) -> Option<&str> {
        self.ref_name.as_deref()
    }

    /// Digest of the chosen image manifest.
    pub fn manifest_digest(&self) -> &Digest {
        &self.manifest_digest
    }
}

impl Source for OciImage {
    fn config(&self) -> &ImageConfig {
        &self.config
    }

    fn layers(&self) -> &[LayerDesc] {
        &self.layers
    }

    fn open_layer(&self, index: usize) -> Result<Box<dyn Read + Send + '_>, Error> {
        let digest = self
            .layers
            .get(index)
            .and_then(|l| l.digest.as_ref())
            .ok_or_else(|| Error::Missing {
                what: format!("layer {index}"),
            })?;
        self.store.open(digest)
    }

    fn annotations(&self) -> Option<&std::collections::BTreeMap<String, String>> {
        self.annotations.as_ref()
    }
}

fn choose(
    manifests: Vec<Descriptor>,
    wanted: &Platform,
    explicit: bool,
) -> Result<Descriptor, Error> {
    if manifests.len() == 1
        && (!explicit || manifests.first().is_some_and(|m| m.platform.is_none()))
    {
        return manifests.into_iter().next().ok_or_else(|| Error::Missing {
            what: "manifest".into(),
        });
    }
    let available: Vec<String> = manifests
        .iter()
        .filter_map(|m| m.platform.as_ref().map(ToString::to_string))
        .collect();
    manifests
        .into_iter()
        .find(|m| m.platform.as_ref().is_some_and(|p| wanted.matches(p)))
        .ok_or_else(|| Error::NoPlatform {
            wanted: wanted.to_string(),
            available,
        })
}

fn open(path: &Path) -> Result<File, Error> {
    File::open(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })
}

/// `bytes` when they are `size` long and hash to `digest`.
fn checked(bytes: Vec<u8>, digest: &Digest, size: u64) -> Result<Vec<u8>, Error> {
    if bytes.len() as u64 != size {
        return Err(Error::SizeMismatch {
            what: digest.to_string(),
            expected: size,
            actual: bytes.len() as u64,
        });
    }
    digest.verify(digest.as_str(), &bytes)?;
    Ok(bytes)
}
