//! A `docker save` archive (`manifest.json`, config JSON, one tar per layer), read in
//! place: one pass indexes the members' offsets, then each layer is streamed from its
//! offset. Layers are checked against the config's diff IDs (and against their blob
//! digest when stored as `blobs/sha256/<hex>`).

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{ImageConfig, LayerDesc, Source, read_small};
use crate::digest::Digest;
use crate::{Error, path};

const MAX_MEMBERS: usize = 1_000_000;
const MAX_MEMBER_LINKS: usize = 8;

#[derive(Debug, Clone)]
enum Member {
    File { offset: u64, size: u64 },
    Link(String),
}

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
    path: PathBuf,
    members: HashMap<String, Member>,
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
        let io = |source| Error::Io {
            path: path.to_owned(),
            source,
        };
        let file = File::open(path).map_err(io)?;
        let mut archive = tar::Archive::new(BufReader::new(file));
        let mut members = HashMap::new();
        for entry in archive.entries_with_seek().map_err(io)? {
            let entry = entry.map_err(io)?;
            let (name, _) = path::normalize(&entry.path().map_err(io)?.to_string_lossy());
            let member = match entry.header().entry_type() {
                tar::EntryType::Regular | tar::EntryType::Continuous => Member::File {
                    offset: entry.raw_file_position(),
                    size: entry.size(),
                },
                tar::EntryType::Symlink => {
                    let target = entry.link_name().map_err(io)?.unwrap_or_default();
                    Member::Link(path::join(path::parent(&name), &target.to_string_lossy()).0)
                }
                tar::EntryType::Link => {
                    let target = entry.link_name().map_err(io)?.unwrap_or_default();
                    Member::Link(path::normalize(&target.to_string_lossy()).0)
                }
                _ => continue,
            };
            members.insert(name, member);
            if members.len() > MAX_MEMBERS {
                return Err(Error::TooLarge {
                    what: format!("{}: members", path.display()),
                    limit: MAX_MEMBERS as u64,
                });
            }
        }
        let mut this = Self {
            path: path.to_owned(),
            members,
            repo_tags: Vec::new(),
            config_digest: Digest::of(b""),
            config: ImageConfig::default(),
            layers: Vec::new(),
            layer_members: Vec::new(),
        };
        let manifest = read_small(this.open_member("manifest.json")?, "manifest.json")?;
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
        let config_bytes = read_small(this.open_member(&entry.config)?, &entry.config)?;
        if let Some(digest) = digest_in_name(&entry.config) {
            digest.verify(&entry.config, &config_bytes)?;
        }
        this.config = ImageConfig::parse(&config_bytes)?;
        this.config_digest = Digest::of(&config_bytes);
        let diff_ids = this.config.diff_ids(entry.layers.len())?;
        for (layer, diff_id) in entry.layers.iter().zip(diff_ids) {
            let (offset_size, name) = this.locate(layer)?;
            let digest = digest_in_name(&name).filter(|_| name.starts_with("blobs/sha256/"));
            this.layers.push(LayerDesc {
                compression: None,
                digest,
                size: Some(offset_size.1),
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

    /// Finds a member by name, following links inside the archive: (offset, size), name.
    fn locate(&self, name: &str) -> Result<((u64, u64), String), Error> {
        let mut name = path::normalize(name).0;
        for _ in 0..MAX_MEMBER_LINKS {
            match self.members.get(&name) {
                Some(Member::File { offset, size }) => return Ok(((*offset, *size), name)),
                Some(Member::Link(target)) => name.clone_from(target),
                None => {
                    return Err(Error::Missing {
                        what: format!("{name:?} in {}", self.path.display()),
                    });
                }
            }
        }
        Err(Error::LinkLoop { path: name })
    }

    fn open_member(&self, name: &str) -> Result<impl Read + use<>, Error> {
        let ((offset, size), _) = self.locate(name)?;
        let io = |source| Error::Io {
            path: self.path.clone(),
            source,
        };
        let mut file = File::open(&self.path).map_err(io)?;
        file.seek(SeekFrom::Start(offset)).map_err(io)?;
        Ok(BufReader::with_capacity(1 << 16, file).take(size))
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

    fn open_layer(&self, index: usize) -> Result<Box<dyn Read + '_>, Error> {
        let name = self
            .layer_members
            .get(index)
            .ok_or_else(|| Error::Missing {
                what: format!("layer {index}"),
            })?;
        Ok(Box::new(self.open_member(name)?))
    }
}
