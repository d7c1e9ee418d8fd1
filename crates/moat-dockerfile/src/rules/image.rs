//! Base images: `MOAT-602` (no tag), `MOAT-603` (`latest`), `MOAT-604` (no digest,
//! when required) and `MOAT-635` (hard-coded `--platform`).

use moat_core::CheckMeta;

use super::BEST_PRACTICES;
use super::util::image_tag;
use crate::ast::{Body, Keyword};
use crate::rule::{At, Context, Emit, Rule};

/// The image of a `FROM` that pulls something: `(text, tag, has digest)`.
fn pulled<'a>(at: &'a At<'_>) -> Option<(&'a str, Option<&'a str>, bool)> {
    if at.instr.keyword != Keyword::From {
        return None;
    }
    let stage = at.stage?;
    if stage.base_stage.is_some() || stage.resolved.unresolved || stage.is_scratch() {
        return None;
    }
    let image = stage.resolved.value.as_str();
    let (tag, digest) = image_tag(image);
    Some((image, tag, digest))
}

fn image_pos(at: &At<'_>) -> crate::Pos {
    match &at.instr.body {
        Body::From { image, .. } => image.pos,
        _ => at.instr.pos,
    }
}

/// `FROM image` without a tag.
pub struct Untagged;

static UNTAGGED: CheckMeta = meta!(
    "MOAT-602", "dockerfile-base-untagged", Medium, "Base image has no tag",
    rationale: "A base image without a tag means :latest, which moves: two builds of the same Dockerfile produce different images, a rebuild silently picks up a new major version, and a compromised push to the repository reaches your image on the next build.",
    remediation: "Name an explicit version tag (and, for supply-chain integrity, the digest).",
    fix: "FROM python:3.12.4-slim-bookworm@sha256:2fb2ad9ecc2fd8f5bdc3e6b0f6b5bc57ac8b1fbc4c3d3d5d2f2d8e2e0d3b9a1c\n",
    refs: [BEST_PRACTICES, "https://github.com/hadolint/hadolint/wiki/DL3006"],
    frameworks: ["hadolint:DL3006", "checkov:CKV_DOCKER_7"],
);

impl Rule for Untagged {
    rule_meta!(UNTAGGED);

    fn check_instruction(&self, _cx: &Context<'_>, at: &At<'_>, out: &mut Emit<'_>) {
        if let Some((image, None, false)) = pulled(at) {
            out.report(
                image_pos(at),
                format!("base image `{image}` has no tag (means :latest)"),
            );
        }
    }
}

/// `FROM image:latest`.
pub struct Latest;

static LATEST: CheckMeta = meta!(
    "MOAT-603", "dockerfile-base-latest", Medium, "Base image uses the latest tag",
    rationale: "The latest tag is mutable: builds are not reproducible, rollbacks rebuild something else, and an upstream breaking change or a malicious push lands without review.",
    remediation: "Pin a specific version tag, ideally together with its digest.",
    fix: "FROM node:20.15.1-bookworm-slim\n",
    refs: [BEST_PRACTICES, "https://github.com/hadolint/hadolint/wiki/DL3007"],
    frameworks: ["hadolint:DL3007", "checkov:CKV_DOCKER_7"],
);

impl Rule for Latest {
    rule_meta!(LATEST);

    fn check_instruction(&self, _cx: &Context<'_>, at: &At<'_>, out: &mut Emit<'_>) {
        if let Some((image, Some("latest"), false)) = pulled(at) {
            out.report(
                image_pos(at),
                format!("base image `{image}` uses the mutable :latest tag"),
            );
        }
    }
}

/// Base image not pinned by digest (only when `require-digest` is set).
pub struct NoDigest;

static NO_DIGEST: CheckMeta = meta!(
    "MOAT-604", "dockerfile-base-no-digest", Low, "Base image is not pinned by digest",
    rationale: "Tags are mutable even when they look like versions: registries let a tag be re-pushed. Only a digest (@sha256:…) names exactly one image, which makes builds reproducible and a tampered tag harmless. Off by default; enable with `dockerfile: {require-digest: true}` in .moat.yaml.",
    remediation: "Append the digest of the tested image to the reference and let a bot (Renovate, Dependabot) update tag and digest together.",
    fix: "FROM golang:1.22.5-bookworm@sha256:6c2780255bb0b6c1c4b8a5d3e5fa6e1c8b2b9b6d6c7f5b4d3e2a1b0c9d8e7f6a AS build\n",
    refs: ["https://docs.docker.com/reference/dockerfile/#from", "https://docs.docker.com/dhi/core-concepts/digests/"],
    frameworks: [],
);

impl Rule for NoDigest {
    rule_meta!(NO_DIGEST);

    fn check_instruction(&self, cx: &Context<'_>, at: &At<'_>, out: &mut Emit<'_>) {
        if !cx.settings.require_digest {
            return;
        }
        if let Some((image, _, false)) = pulled(at) {
            out.report(
                image_pos(at),
                format!("base image `{image}` is not pinned by digest"),
            );
        }
    }
}

/// `FROM --platform=linux/amd64` with a constant value.
pub struct PlatformHardcoded;

static PLATFORM: CheckMeta = meta!(
    "MOAT-635", "dockerfile-from-platform-constant", Low, "FROM --platform is hard-coded",
    rationale: "A constant --platform forces one architecture whatever the build targets: multi-platform builds silently ship emulated or wrong-architecture binaries, and builds on other hosts run under slow QEMU emulation.",
    remediation: "Use the automatic platform arguments ($BUILDPLATFORM for build stages that cross-compile, $TARGETPLATFORM otherwise) or drop the flag and pass --platform to the build.",
    fix: "FROM --platform=$BUILDPLATFORM golang:1.22.5 AS build\nARG TARGETOS TARGETARCH\nRUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app ./cmd/app\n",
    refs: ["https://docs.docker.com/reference/build-checks/from-platform-flag-const-disallowed/", "https://github.com/hadolint/hadolint/wiki/DL3029"],
    frameworks: ["hadolint:DL3029"],
);

impl Rule for PlatformHardcoded {
    rule_meta!(PLATFORM);

    fn check_instruction(&self, _cx: &Context<'_>, at: &At<'_>, out: &mut Emit<'_>) {
        if at.instr.keyword != Keyword::From {
            return;
        }
        if let Some(f) = at.instr.flag("platform") {
            let v = f.value.as_deref().unwrap_or("");
            if !v.contains('$') {
                out.report(
                    f.pos,
                    format!(
                        "FROM --platform={v} is a constant; use $BUILDPLATFORM or $TARGETPLATFORM"
                    ),
                );
            }
        }
    }
}
