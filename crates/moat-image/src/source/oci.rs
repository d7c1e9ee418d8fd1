//! An OCI image layout directory (`oci-layout`, `index.json`, `blobs/sha256/…`), read in
//! place. Every blob read is checked against its descriptor's digest and size.

use std::fmt;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use serde::Deserialize;

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

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    #[serde(default)]
    media_type: String,
    digest: String,
    size: u64,
    #[serde(default)]
    platform: Option<Platform>,
    #[serde(default)]
    annotations: Option<std::collections::BTreeMap<String, String>>,
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
}

/// An image chosen from an OCI image layout directory.
#[derive(Debug)]
pub struct OciLayout {
    root: PathBuf,
    manifest_digest: Digest,
    ref_name: Option<String>,
    config: ImageConfig,
    layers: Vec<LayerDesc>,
}

impl OciLayout {
    /// Opens the layout at `root` and picks the image for `platform` (default: the only
    /// manifest, else `linux/amd64`).
    pub fn open(root: &Path, platform: Option<&Platform>) -> Result<Self, Error> {
        let layout_path = root.join("oci-layout");
        let layout = read_small(open(&layout_path)?, "oci-layout")?;
        let layout: serde_json::Value =
            serde_json::from_slice(&layout).map_err(|source| Error::Json {
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
        let index = read_small(open(&root.join("index.json"))?, "index.json")?;
        let index: Document = serde_json::from_slice(&index).map_err(|source| Error::Json {
            what: "index.json".into(),
            source,
        })?;
        let wanted = platform.cloned().unwrap_or_else(Platform::linux_amd64);
        let mut descriptor = choose(
            index.manifests.unwrap_or_default(),
            &wanted,
            platform.is_some(),
        )?;
        let mut ref_name = None;
        for _ in 0..=MAX_INDEX_DEPTH {
            if ref_name.is_none() {
                ref_name = descriptor.ref_name();
            }
            let digest = Digest::parse(&descriptor.digest)?;
            let bytes = read_blob(root, &digest, descriptor.size)?;
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
            let config = ImageConfig::parse(&read_blob(root, &config_digest, config_desc.size)?)?;
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
                root: root.to_owned(),
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

impl Source for OciLayout {
    fn config(&self) -> &ImageConfig {
        &self.config
    }

    fn layers(&self) -> &[LayerDesc] {
        &self.layers
    }

    fn open_layer(&self, index: usize) -> Result<Box<dyn Read + '_>, Error> {
        let digest = self
            .layers
            .get(index)
            .and_then(|l| l.digest.as_ref())
            .ok_or_else(|| Error::Missing {
                what: format!("layer {index}"),
            })?;
        let file = open(&blob_path(&self.root, digest))?;
        Ok(Box::new(BufReader::with_capacity(1 << 16, file)))
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

fn blob_path(root: &Path, digest: &Digest) -> PathBuf {
    root.join("blobs").join("sha256").join(digest.hex())
}

fn open(path: &Path) -> Result<File, Error> {
    File::open(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })
}

fn read_blob(root: &Path, digest: &Digest, size: u64) -> Result<Vec<u8>, Error> {
    let bytes = read_small(open(&blob_path(root, digest))?, digest.as_str())?;
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
