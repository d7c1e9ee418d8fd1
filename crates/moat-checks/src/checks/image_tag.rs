use moat_core::{CheckMeta, Severity};
use moat_manifest::{ContainerView, Node, PodSpecView};

use crate::{Check, Emit};

/// Image without a tag, or tagged `latest`, and not pinned by digest.
pub struct ImageTag;

static META: CheckMeta = CheckMeta {
    id: "MOAT-100",
    name: "image-tag-mutable",
    severity: Severity::Medium,
    title: "Image has no tag or uses :latest",
    rationale: "An image without a tag means `:latest`, and `:latest` moves. Nodes pull different code at different times, rollbacks do not roll back, and a compromised registry push reaches the cluster at the next restart. Pin a version tag, ideally with its digest.",
    remediation: "Reference a specific version tag and, for supply-chain integrity, the image digest (`image@sha256:…`).",
    fix_example: "containers:\n- name: app\n  image: registry.example/app:1.4.2@sha256:0f4e5c1d2b3a49587766554433221100ffeeddccbbaa99887766554433221100\n",
    references: &[
        "https://kubernetes.io/docs/concepts/containers/images/#image-names",
        "https://kubernetes.io/docs/concepts/configuration/overview/#container-images",
    ],
    frameworks: &["NSA-CISA", "MITRE:T1525"],
};

/// Splits an image reference into (tag, has digest). The tag is after the last `:` of
/// the last path component, so registry ports (`host:5000/app`) are not tags.
pub fn tag_of(image: &str) -> (Option<&str>, bool) {
    let (name, digest) = match image.split_once('@') {
        Some((n, _)) => (n, true),
        None => (image, false),
    };
    let last = name.rsplit('/').next().unwrap_or(name);
    (last.rsplit_once(':').map(|(_, t)| t), digest)
}

impl Check for ImageTag {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check_container(&self, _pod: &PodSpecView<'_>, c: &ContainerView<'_>, out: &mut Emit<'_>) {
        let Some(image) = c.get("image").and_then(Node::as_str) else {
            return;
        };
        let (tag, digest) = tag_of(image);
        if digest {
            return;
        }
        let msg = match tag {
            None => format!(
                "container \"{}\" image \"{image}\" has no tag (means :latest)",
                c.name()
            ),
            Some("latest") => format!(
                "container \"{}\" image \"{image}\" uses the mutable :latest tag",
                c.name()
            ),
            Some(_) => return,
        };
        out.container(c, c.field_path("image"), msg);
    }
}

#[cfg(test)]
mod tests {
    use super::tag_of;

    #[test]
    fn tags() {
        assert_eq!(tag_of("nginx"), (None, false));
        assert_eq!(tag_of("nginx:1.25"), (Some("1.25"), false));
        assert_eq!(tag_of("host:5000/app"), (None, false));
        assert_eq!(tag_of("host:5000/app:latest"), (Some("latest"), false));
        assert_eq!(tag_of("app@sha256:abc"), (None, true));
    }
}
