//! `moat-imagescan` judges a container image that `moat-image` reads: risks in the image
//! config ([`config`]: root user, secrets in `Env`, SSH exposed, a `latest` base),
//! credentials in any layer ([`secrets`]) and which advisories can apply to each package
//! ([`ecosystem`]). Each check has catalogue metadata
//! ([`metas`]) so `moat explain` and `moat checks` know it.

pub mod config;
pub mod ecosystem;
pub mod secrets;
pub mod vex;
pub mod vulns;

use moat_core::{CheckMeta, Finding, ResourceRef};

/// Metadata of every image check, in ID order.
pub fn metas() -> Vec<&'static CheckMeta> {
    let mut v: Vec<&'static CheckMeta> = config::CHECKS.to_vec();
    v.push(&vulns::VULNERABLE);
    v.sort_by_key(|m| m.id);
    v
}

/// The resource image findings are about: kind `Image`, name = the image's name.
pub fn resource(image_name: &str) -> ResourceRef {
    ResourceRef {
        api_version: String::new(),
        kind: "Image".to_owned(),
        namespace: None,
        name: Some(image_name.to_owned()),
    }
}

/// A finding of `meta` about the image `image_name`, pointing at `path` (a field of the
/// image config, or a file in a layer) in `file`.
pub fn finding(
    meta: &'static CheckMeta,
    image_name: &str,
    file: &str,
    path: &str,
    message: String,
) -> Finding {
    let mut f = Finding::from_meta(meta, message);
    f.resource = resource(image_name);
    f.location = moat_core::Location {
        file: file.to_owned(),
        line: 0,
        column: 0,
        path: path.to_owned(),
    };
    f
}
