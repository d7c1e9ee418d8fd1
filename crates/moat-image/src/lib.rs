//! `moat-image` owns container images: it reads an image from a source (an OCI image
//! layout directory, [`source::oci`], or a `docker save` archive, [`source::docker`]),
//! streams every layer's tar entries (uncompressed, gzip or zstd, [`layer`]) without
//! extracting anything to disk, verifies layer digests, and merges the layers into an
//! in-memory filesystem view ([`fs`]) with whiteouts applied and links resolved inside
//! the image root. Package catalogers ([`mod@catalog`]) read that view: os-release, dpkg,
//! apk and rpm (sqlite, Berkeley DB and NDB databases, read with its own rpm header
//! parser), each package attributed to the layer that introduced it; language catalogers
//! (Python, npm, Go and Rust binaries, Java archives) inspect files as layers stream past. [`sbom`] writes
//! what they found as CycloneDX 1.6 or SPDX 2.3 JSON.
//!
//! Image layers are hostile input: paths are normalised inside the root, link
//! resolution is bounded, sizes are capped and every failure is a typed [`Error`].
//! The crate does no printing; anomalies are returned as [`fs::Notice`]s and logged
//! with `tracing`.

#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

pub mod bom;
pub mod catalog;
pub mod digest;
mod error;
pub mod fs;
pub mod layer;
pub mod path;
pub mod purl;
pub mod sbom;
pub mod source;

pub use catalog::{Catalog, Catalogers, OsRelease, Package, PackageKind, catalog, catalog_all};
pub use digest::Digest;
pub use error::Error;
pub use fs::{FileKind, Inspector, Limits, MergedFs, Node, Notice, NoticeKind, Want};
pub use source::{ImageConfig, LayerDesc, Source, load, load_inspected};
