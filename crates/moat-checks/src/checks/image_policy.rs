//! Image pinning and provenance: digest, registry allowlist, pull policy.

use moat_core::{CheckMeta, Severity};
use moat_manifest::{ContainerView, Node, PodSpecView};

use super::image_tag::tag_of;
use crate::{Check, Emit};

/// Registry host of an image reference, as the container runtime resolves it.
pub fn registry_of(image: &str) -> &str {
    let name = image.split('@').next().unwrap_or(image);
    match name.split_once('/') {
        Some((first, _)) if first.contains(['.', ':']) || first == "localhost" => first,
        _ => "docker.io",
    }
}

/// Image not pinned by digest.
pub struct ImageNoDigest;

static DIGEST_META: CheckMeta = CheckMeta {
    id: "MOAT-101",
    name: "image-no-digest",
    severity: Severity::Low,
    title: "Image is not pinned by digest",
    rationale: "Tags are mutable: whoever can push to the repository can change what `app:1.4.2` means. Only a digest (`@sha256:…`) names exactly the bytes that were scanned, signed and approved.",
    remediation: "Reference images by digest, keeping the tag for readability (`app:1.4.2@sha256:…`); let your CI or a tool like Renovate update digests.",
    fix_example: "image: registry.example/app:1.4.2@sha256:0f4e5c1d2b3a49587766554433221100ffeeddccbbaa99887766554433221100\n",
    references: &["https://kubernetes.io/docs/concepts/containers/images/#image-names"],
    frameworks: &["NSA-CISA", "MITRE:T1525"],
};

impl Check for ImageNoDigest {
    fn meta(&self) -> &'static CheckMeta {
        &DIGEST_META
    }

    fn check_container(&self, _pod: &PodSpecView<'_>, c: &ContainerView<'_>, out: &mut Emit<'_>) {
        let Some(image) = c.get("image").and_then(Node::as_str) else {
            return;
        };
        if !tag_of(image).1 {
            out.container(
                c,
                c.field_path("image"),
                format!(
                    "container \"{}\" image \"{image}\" is not pinned by digest",
                    c.name()
                ),
            );
        }
    }
}

/// Image from a registry outside the configured allowlist.
pub struct ImageRegistry;

static REGISTRY_META: CheckMeta = CheckMeta {
    id: "MOAT-102",
    name: "image-registry-not-allowed",
    severity: Severity::High,
    title: "Image comes from a registry outside the allowlist",
    rationale: "Images from arbitrary registries bypass the scanning, signing and mirroring your trusted registries enforce, and typosquatted public images are a known supply-chain attack. The allowlist is `allowed-registries` in `.moat.yaml`; without one this check is silent.",
    remediation: "Mirror the image into an allowed registry and reference it there, or add the registry to `allowed-registries` after review.",
    fix_example: "# .moat.yaml\nallowed-registries: [\"registry.example.com\", \"ghcr.io/example\"]\n",
    references: &["https://kubernetes.io/docs/concepts/containers/images/"],
    frameworks: &["NSA-CISA", "MITRE:T1525"],
};

impl Check for ImageRegistry {
    fn meta(&self) -> &'static CheckMeta {
        &REGISTRY_META
    }

    fn check_container(&self, _pod: &PodSpecView<'_>, c: &ContainerView<'_>, out: &mut Emit<'_>) {
        let allowed = &out.settings.allowed_registries;
        if allowed.is_empty() {
            return;
        }
        let Some(image) = c.get("image").and_then(Node::as_str) else {
            return;
        };
        let name = image.split('@').next().unwrap_or(image);
        let reg = registry_of(image);
        let full = if name.contains('/') && reg != "docker.io" {
            name.to_owned()
        } else {
            format!("docker.io/{name}")
        };
        let ok = allowed.iter().any(|a| {
            let a = a.trim_end_matches('/');
            full == a || full.strip_prefix(a).is_some_and(|r| r.starts_with('/'))
        });
        if !ok {
            out.container(
                c,
                c.field_path("image"),
                format!(
                    "container \"{}\" image \"{image}\" is from {reg}, not an allowed registry",
                    c.name()
                ),
            );
        }
    }
}

/// Mutable tag pulled with `IfNotPresent`/`Never`.
pub struct PullPolicy;

static PULL_META: CheckMeta = CheckMeta {
    id: "MOAT-103",
    name: "image-pull-policy",
    severity: Severity::Low,
    title: "Mutable image tag without imagePullPolicy: Always",
    rationale: "With a mutable tag (`latest` or no tag) and `imagePullPolicy: IfNotPresent` or `Never`, each node runs whatever version it cached first: replicas silently differ, and an image another tenant pulled can be reused without registry authorization.",
    remediation: "Pin a version (better: a digest). If a mutable tag is unavoidable, set `imagePullPolicy: Always`.",
    fix_example: "containers:\n- name: app\n  image: registry.example/app:1.4.2\n  imagePullPolicy: IfNotPresent\n",
    references: &["https://kubernetes.io/docs/concepts/containers/images/#image-pull-policy"],
    frameworks: &["NSA-CISA"],
};

impl Check for PullPolicy {
    fn meta(&self) -> &'static CheckMeta {
        &PULL_META
    }

    fn check_container(&self, _pod: &PodSpecView<'_>, c: &ContainerView<'_>, out: &mut Emit<'_>) {
        let Some(image) = c.get("image").and_then(Node::as_str) else {
            return;
        };
        let (tag, digest) = tag_of(image);
        let mutable = !digest && matches!(tag, None | Some("latest"));
        let policy = c.get("imagePullPolicy").and_then(Node::as_str);
        if mutable && matches!(policy, Some("IfNotPresent" | "Never")) {
            out.container(
                c,
                c.field_path("imagePullPolicy"),
                format!(
                    "container \"{}\" pulls mutable image \"{image}\" with imagePullPolicy {}",
                    c.name(),
                    policy.unwrap_or("")
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::registry_of;

    #[test]
    fn registries() {
        assert_eq!(registry_of("nginx"), "docker.io");
        assert_eq!(registry_of("library/nginx:1"), "docker.io");
        assert_eq!(registry_of("ghcr.io/a/b:1"), "ghcr.io");
        assert_eq!(registry_of("localhost:5000/a"), "localhost:5000");
        assert_eq!(registry_of("localhost/a"), "localhost");
    }
}
