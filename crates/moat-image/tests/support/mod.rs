//! Writers for small test images: layer tars, an OCI layout and a docker-save archive.

#![allow(dead_code, clippy::unwrap_used)]

pub mod rpmdb;

use std::io::Write;
use std::path::Path;

use moat_image::Digest;

pub mod lang;

/// One member of a test layer.
pub enum E<'a> {
    /// A regular file.
    File(&'a str, &'a [u8]),
    /// A directory.
    Dir(&'a str),
    /// A symbolic link.
    Sym(&'a str, &'a str),
    /// A hard link.
    Hard(&'a str, &'a str),
    /// An executable regular file (mode 0755).
    Exec(&'a str, &'a [u8]),
}

fn header(kind: tar::EntryType, path: &str, link: &str, size: u64) -> tar::Header {
    let mut h = tar::Header::new_old();
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(if kind == tar::EntryType::Directory {
        0o755
    } else {
        0o644
    });
    // Raw bytes, so that hostile names (`../`, absolute) are written as given.
    let old = h.as_old_mut();
    old.name[..path.len()].copy_from_slice(path.as_bytes());
    old.linkname[..link.len()].copy_from_slice(link.as_bytes());
    h.set_cksum();
    h
}

/// An uncompressed layer tar.
pub fn layer(entries: &[E<'_>]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        let (h, data): (tar::Header, &[u8]) = match *e {
            E::File(p, d) => (header(tar::EntryType::Regular, p, "", d.len() as u64), d),
            E::Dir(p) => (header(tar::EntryType::Directory, p, "", 0), &[]),
            E::Sym(p, t) => (header(tar::EntryType::Symlink, p, t, 0), &[]),
            E::Hard(p, t) => (header(tar::EntryType::Link, p, t, 0), &[]),
            E::Exec(p, d) => {
                let mut h = header(tar::EntryType::Regular, p, "", d.len() as u64);
                h.set_mode(0o755);
                h.set_cksum();
                (h, d)
            }
        };
        b.append(&h, data).unwrap();
    }
    b.into_inner().unwrap()
}

/// gzip-compressed bytes.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// zstd-compressed bytes.
pub fn zstd(bytes: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(bytes, ruzstd::encoding::CompressionLevel::Fastest)
}

/// A layer as stored: blob bytes, media type, diff ID.
pub struct Blob {
    /// The blob as stored.
    pub bytes: Vec<u8>,
    /// Its media type.
    pub media_type: &'static str,
    /// Digest of the uncompressed tar.
    pub diff_id: Digest,
}

impl Blob {
    /// Uncompressed.
    pub fn plain(tar: Vec<u8>) -> Self {
        Self {
            diff_id: Digest::of(&tar),
            bytes: tar,
            media_type: "application/vnd.oci.image.layer.v1.tar",
        }
    }
    /// gzip.
    pub fn gz(tar: &[u8]) -> Self {
        Self {
            diff_id: Digest::of(tar),
            bytes: gzip(tar),
            media_type: "application/vnd.oci.image.layer.v1.tar+gzip",
        }
    }
    /// zstd.
    pub fn zst(tar: &[u8]) -> Self {
        Self {
            diff_id: Digest::of(tar),
            bytes: zstd(tar),
            media_type: "application/vnd.oci.image.layer.v1.tar+zstd",
        }
    }
}

/// An image config for `arch` with these diff IDs.
pub fn config_json(arch: &str, diff_ids: &[&Digest]) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "architecture": arch,
        "os": "linux",
        "config": {"User": "65532", "Env": ["PATH=/usr/bin"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids.iter().map(|d| d.as_str()).collect::<Vec<_>>()},
    }))
    .unwrap()
}

fn put_blob(dir: &Path, bytes: &[u8]) -> Digest {
    let d = Digest::of(bytes);
    std::fs::write(dir.join("blobs/sha256").join(d.hex()), bytes).unwrap();
    d
}

/// Writes one image's manifest (and config, layers) into the layout; returns its descriptor.
pub fn oci_image(dir: &Path, arch: &str, layers: &[Blob]) -> serde_json::Value {
    let config = config_json(arch, &layers.iter().map(|l| &l.diff_id).collect::<Vec<_>>());
    oci_image_with_config(dir, arch, layers, &config)
}

/// [`oci_image`] with the image config's `config` object (User, Env, …) given.
pub fn oci_image_run_config(
    dir: &Path,
    arch: &str,
    layers: &[Blob],
    run: &serde_json::Value,
) -> serde_json::Value {
    let config = serde_json::to_vec(&serde_json::json!({
        "architecture": arch,
        "os": "linux",
        "config": run,
        "rootfs": {"type": "layers", "diff_ids": layers.iter().map(|l| l.diff_id.as_str()).collect::<Vec<_>>()},
    }))
    .unwrap();
    oci_image_with_config(dir, arch, layers, &config)
}

fn oci_image_with_config(
    dir: &Path,
    arch: &str,
    layers: &[Blob],
    config: &[u8],
) -> serde_json::Value {
    std::fs::create_dir_all(dir.join("blobs/sha256")).unwrap();
    let config_digest = put_blob(dir, config);
    let layer_descs: Vec<_> = layers
        .iter()
        .map(|l| {
            let d = put_blob(dir, &l.bytes);
            serde_json::json!({"mediaType": l.media_type, "digest": d.as_str(), "size": l.bytes.len()})
        })
        .collect();
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest.as_str(), "size": config.len()},
        "layers": layer_descs,
    }))
    .unwrap();
    let md = put_blob(dir, &manifest);
    serde_json::json!({
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": md.as_str(),
        "size": manifest.len(),
        "platform": {"os": "linux", "architecture": arch},
    })
}

/// Writes `oci-layout` and `index.json` listing `manifests`.
pub fn oci_index(dir: &Path, manifests: &[serde_json::Value]) {
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    let index = serde_json::json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests});
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
}

/// A `docker save` archive: the first layer as `<n>/layer.tar` (uncompressed), later
/// ones as `blobs/sha256/<hex>` (as stored, possibly gzip), like newer docker.
pub fn docker_archive(path: &Path, layers: &[Blob]) {
    let mut b = tar::Builder::new(std::fs::File::create(path).unwrap());
    let mut add = |name: &str, bytes: &[u8]| {
        let mut h = tar::Header::new_gnu();
        h.set_size(bytes.len() as u64);
        h.set_mode(0o644);
        b.append_data(&mut h, name, bytes).unwrap();
    };
    let config = config_json(
        "amd64",
        &layers.iter().map(|l| &l.diff_id).collect::<Vec<_>>(),
    );
    let config_name = format!("{}.json", Digest::of(&config).hex());
    add(&config_name, &config);
    let mut names = Vec::new();
    for (i, l) in layers.iter().enumerate() {
        let name = if i == 0 {
            format!("{i}/layer.tar")
        } else {
            format!("blobs/sha256/{}", Digest::of(&l.bytes).hex())
        };
        add(&name, &l.bytes);
        names.push(name);
    }
    let manifest = serde_json::json!([{"Config": config_name, "RepoTags": ["example/app:1"], "Layers": names}]);
    add("manifest.json", &serde_json::to_vec(&manifest).unwrap());
    b.finish().unwrap();
}
