//! Image sources: where the manifest, config and layer blobs come from.

mod archive;
pub mod docker;
pub mod oci;
pub mod open;
pub mod registry;
pub(crate) mod rootfs;

use std::io::Read;

use serde::Deserialize;

use crate::Error;
use crate::digest::Digest;
use crate::fs::{Inspector, Limits, MergedFs, Want};
use crate::layer::{Compression, Expect};

/// Largest JSON document (index, manifest, config) read into memory.
pub const MAX_JSON: u64 = 8 << 20;

/// One layer as the manifest describes it.
#[derive(Debug, Clone)]
pub struct LayerDesc {
    /// Compression, when the media type says it (`None`: sniff the bytes).
    pub compression: Option<Compression>,
    /// Digest of the stored blob, when known.
    pub digest: Option<Digest>,
    /// Size of the stored blob, when known.
    pub size: Option<u64>,
    /// Digest of the uncompressed tar from the config's `rootfs.diff_ids`.
    pub diff_id: Option<Digest>,
}

/// The parts of the image config moat reads.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ImageConfig {
    /// CPU architecture (`amd64`, `arm64`, ...).
    pub architecture: String,
    /// Operating system (`linux`).
    pub os: String,
    /// Architecture variant (`v8`).
    pub variant: Option<String>,
    /// Runtime defaults.
    #[serde(deserialize_with = "null_as_default")]
    pub config: RunConfig,
    /// Layer diff IDs.
    #[serde(deserialize_with = "null_as_default")]
    pub rootfs: RootFs,
}

/// The `config` object of an image config.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct RunConfig {
    /// `USER`.
    pub user: Option<String>,
    /// `ENV` as `KEY=value`.
    pub env: Option<Vec<String>>,
    /// `ENTRYPOINT`.
    pub entrypoint: Option<Vec<String>>,
    /// `CMD`.
    pub cmd: Option<Vec<String>>,
    /// `WORKDIR`.
    pub working_dir: Option<String>,
    /// `EXPOSE` as `port/proto` keys.
    pub exposed_ports: Option<serde_json::Map<String, serde_json::Value>>,
    /// `LABEL`s.
    pub labels: Option<std::collections::BTreeMap<String, String>>,
}

/// The `rootfs` object of an image config.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RootFs {
    /// Digests of the uncompressed layers, bottom first.
    #[serde(deserialize_with = "null_as_default")]
    pub diff_ids: Vec<String>,
}

/// `null` (which some builders write) reads as the default value.
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

impl ImageConfig {
    /// Parses and checks a config blob.
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        serde_json::from_slice(bytes).map_err(|source| Error::Json {
            what: "image config".into(),
            source,
        })
    }

    /// The diff IDs, validated; their number must match `layers`.
    pub(crate) fn diff_ids(&self, layers: usize) -> Result<Vec<Option<Digest>>, Error> {
        if self.rootfs.diff_ids.is_empty() {
            return Ok(vec![None; layers]);
        }
        if self.rootfs.diff_ids.len() != layers {
            return Err(Error::Invalid {
                what: "image config".into(),
                reason: format!(
                    "{} diff_ids for {layers} layers",
                    self.rootfs.diff_ids.len()
                ),
            });
        }
        self.rootfs
            .diff_ids
            .iter()
            .map(|d| Digest::parse(d).map(Some))
            .collect()
    }
}

/// Where an image's layers come from.
pub trait Source {
    /// The image config.
    fn config(&self) -> &ImageConfig;
    /// The layers, bottom first.
    fn layers(&self) -> &[LayerDesc];
    /// Opens the stored blob of layer `index`.
    fn open_layer(&self, index: usize) -> Result<Box<dyn Read + Send + '_>, Error>;
    /// Annotations of the image manifest, when the source has a manifest.
    fn annotations(&self) -> Option<&std::collections::BTreeMap<String, String>> {
        None
    }
}

/// Streams every layer of `source` into a merged view that keeps what `want` names,
/// verifying each layer's digest, size and diff ID.
pub fn load(source: &dyn Source, want: Want, limits: Limits) -> Result<MergedFs, Error> {
    load_inspected(source, want, limits, &mut [])
}

/// [`load`], also showing the files the `inspectors` want to them as layers stream past.
pub fn load_inspected(
    source: &dyn Source,
    want: Want,
    limits: Limits,
    inspectors: &mut [&mut dyn Inspector],
) -> Result<MergedFs, Error> {
    let mut fs = MergedFs::new(want, limits);
    for (i, desc) in source.layers().iter().enumerate() {
        let blob = source.open_layer(i)?;
        let expect = Expect {
            digest: desc.digest.clone(),
            size: desc.size,
            diff_id: desc.diff_id.clone(),
        };
        fs.add_layer_inspected(blob, desc.compression, &expect, inspectors)?;
    }
    Ok(fs)
}

/// Reads a whole small document, refusing more than [`MAX_JSON`] bytes.
pub(crate) fn read_small(mut r: impl Read, what: &str) -> Result<Vec<u8>, Error> {
    let mut buf = Vec::new();
    (&mut r)
        .take(MAX_JSON + 1)
        .read_to_end(&mut buf)
        .map_err(|source| Error::Io {
            path: what.into(),
            source,
        })?;
    if buf.len() as u64 > MAX_JSON {
        return Err(Error::TooLarge {
            what: what.to_owned(),
            limit: MAX_JSON,
        });
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_nulls_and_counts() {
        let c = ImageConfig::parse(
            br#"{"architecture":"arm64","os":"linux","config":null,"rootfs":{"diff_ids":null}}"#,
        )
        .unwrap();
        assert_eq!(c.architecture, "arm64");
        assert!(c.config.user.is_none());
        assert_eq!(c.diff_ids(2).unwrap(), [None, None]);
        let c = ImageConfig::parse(
            br#"{"config":{"User":"app","Env":null},"rootfs":{"diff_ids":["sha256:00"]}}"#,
        )
        .unwrap();
        assert_eq!(c.config.user.as_deref(), Some("app"));
        assert!(matches!(c.diff_ids(1), Err(Error::BadDigest { .. })));
        assert!(matches!(c.diff_ids(2), Err(Error::Invalid { .. })));
        assert!(matches!(
            ImageConfig::parse(b"[1]"),
            Err(Error::Json { .. })
        ));
    }
}
