//! A `docker save` archive (`manifest.json`, config JSON, one tar per layer), read in
//! place: one pass indexes the members' offsets, then each layer is streamed from its
//! offset. Layers are checked against the config's diff IDs (and against their blob
//! digest when stored as `blobs/sha256/<hex>`).

use std::io::Read;
use std::path::Path;

use serde::Deserialize;

use super::archive::TarIndex;
use super::{ImageConfig, LayerDesc, Source, read_small};
use crate::digest::Digest;
use crate::{Error, path};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ManifestEntry {
    config: String,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
    layers: Vec<String>,
}

/// An image chosen from a `docker save` archive.
#[derive(Debug)]
pub struct DockerArchive {
    archive: TarIndex,
    repo_tags: Vec<String>,
    config_digest: Digest,
    config: ImageConfig,
    layers: Vec<LayerDesc>,
    layer_members: Vec<String>,
}

impl DockerArchive {
    /// Opens the archive at `path` and picks the image tagged `tag` (default: the only
    /// image of the archive).
    pub fn open(path: &Path, tag: Option<&str>) -> Result<Self, Error> {
        Self::from_index(TarIndex::open(path)?, tag)
    }

    pub(crate) fn from_index(archive: TarIndex, tag: Option<&str>) -> Result<Self, Error> {
        let mut this = Self {
            archive,
            repo_tags: Vec::new(),
            config_digest: Digest::of(b""),
            config: ImageConfig::default(),
            layers: Vec::new(),
            layer_members: Vec::new(),
        };
        let manifest = read_small(this.archive.member("manifest.json")?, "manifest.json")?;
        let manifest: Vec<ManifestEntry> =
            serde_json::from_slice(&manifest).map_err(|source| Error::Json {
                what: "manifest.json".into(),
                source,
            })?;
        let entry = if let Some(tag) = tag {
            manifest
                .into_iter()
                .find(|m| {
                    m.repo_tags
                        .as_ref()
                        .is_some_and(|t| t.iter().any(|t| t == tag))
                })
                .ok_or_else(|| Error::Missing {
                    what: format!("image {tag:?} in manifest.json"),
                })?
        } else {
            let mut it = manifest.into_iter();
            match (it.next(), it.next()) {
                (Some(only), None) => only,
                (None, _) => {
                    return Err(Error::Missing {
                        what: "image in manifest.json".into(),
                    });
                }
                (Some(_), Some(_)) => {
                    return Err(Error::Invalid {
                        what: "manifest.json".into(),
                        reason: "several images; choose one by tag".into(),
                    });
                }
            }
        };
        let config_bytes = read_small(this.archive.member(&entry.config)?, &entry.config)?;
        if let Some(digest) = digest_in_name(&entry.config) {
            digest.verify(&entry.config, &config_bytes)?;
        }
        this.config = ImageConfig::parse(&config_bytes)?;
        this.config_digest = Digest::of(&config_bytes);
        let diff_ids = this.config.diff_ids(entry.layers.len())?;
        for (layer, diff_id) in entry.layers.iter().zip(diff_ids) {
            let ((_, size), name) = this.archive.locate(layer)?;
            let digest = digest_in_name(&name).filter(|_| name.starts_with("blobs/sha256/"));
            this.layers.push(LayerDesc {
                compression: None,
                digest,
                size: Some(size),
                diff_id,
            });
            this.layer_members.push(name);
        }
        this.repo_tags = entry.repo_tags.unwrap_or_default();
        Ok(this)
    }

    /// The tags the chosen image carries.
    pub fn repo_tags(&self) -> &[String] {
        &self.repo_tags
    }

    /// Digest of the chosen image's config (docker's image ID).
    pub fn config_digest(&self) -> &Digest {
        &self.config_digest
    }
}

/// `sha256:<hex>` when the last component of `name` (minus `.json`) is 64 hex digits.
fn digest_in_name(name: &str) -> Option<Digest> {
    let base = path::file_name(name);
    let hex = base.strip_suffix(".json").unwrap_or(base);
    Digest::parse(&format!("sha256:{hex}")).ok()
}

impl Source for DockerArchive {
    fn config(&self) -> &ImageConfig {
        &self.config
    }

    fn layers(&self) -> &[LayerDesc] {
        &self.layers
    }

    fn open_layer(&self, index: usize) -> Result<Box<dyn Read + Send + '_>, Error> {
        let name = self
            .layer_members
            .get(index)
            .ok_or_else(|| Error::Missing {
                what: format!("layer {index}"),
            })?;
        Ok(Box::new(self.archive.member(name)?))
    }
}
