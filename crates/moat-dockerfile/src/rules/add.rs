//! `ADD`: `MOAT-605` (remote sources) and `MOAT-606` (where `COPY` suffices).

use moat_core::CheckMeta;

use super::{BEST_PRACTICES, CIS_DOCKER};
use crate::ast::Body;
use crate::rule::{At, Context, Emit, Rule};

fn is_remote(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    l.starts_with("http://")
        || l.starts_with("https://")
        || l.starts_with("ftp://")
        || l.starts_with("git@")
}

fn is_archive(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    [
        ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar.zst", ".tzst",
        ".gz", ".bz2", ".xz",
    ]
    .iter()
    .any(|e| l.ends_with(e))
}

/// `ADD https://…`.
pub struct AddUrl;

static ADD_URL: CheckMeta = meta!(
    "MOAT-605", "dockerfile-add-url", Medium, "ADD downloads a remote file",
    rationale: "ADD with a URL fetches content at build time without any integrity check: whoever controls the server or the network path controls what lands in the image. The downloaded file also stays in its own layer.",
    remediation: "Download with curl or wget in a RUN step and verify a pinned checksum (or use ADD --checksum=sha256:…), preferably in a build stage that is not shipped.",
    fix: "RUN curl -fsSLo /tmp/tool.tgz https://example.com/tool-1.2.3.tgz \\\n && echo \"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08  /tmp/tool.tgz\" | sha256sum -c - \\\n && tar -xzf /tmp/tool.tgz -C /usr/local/bin && rm /tmp/tool.tgz\n",
    refs: ["https://docs.docker.com/reference/dockerfile/#add", BEST_PRACTICES, CIS_DOCKER],
    frameworks: ["CIS-Docker-4.9", "hadolint:DL3020", "checkov:CKV_DOCKER_4"],
);

impl Rule for AddUrl {
    rule_meta!(ADD_URL);

    fn check_instruction(&self, _cx: &Context<'_>, at: &At<'_>, out: &mut Emit<'_>) {
        let Body::Add(t) = &at.instr.body else { return };
        if at.instr.flag("checksum").is_some() {
            return;
        }
        for s in t.sources.iter().filter(|s| is_remote(&s.value)) {
            out.report(
                s.pos,
                format!("ADD fetches `{}` without verifying a checksum", s.value),
            );
        }
    }
}

/// `ADD` of local files that are not archives.
pub struct AddLocal;

static ADD_LOCAL: CheckMeta = meta!(
    "MOAT-606", "dockerfile-add-instead-of-copy", Low, "ADD used where COPY suffices",
    rationale: "ADD has implicit behaviours (remote download, automatic extraction of local archives) that make a step do more than it says. COPY copies exactly what is named; reviewers and scanners can reason about it.",
    remediation: "Use COPY for local files and directories; keep ADD only for local archives that should be extracted.",
    fix: "COPY --chown=10001:10001 ./app /app\n",
    refs: ["https://docs.docker.com/reference/dockerfile/#copy", BEST_PRACTICES, CIS_DOCKER, "https://github.com/hadolint/hadolint/wiki/DL3020"],
    frameworks: ["CIS-Docker-4.9", "hadolint:DL3020", "checkov:CKV_DOCKER_4"],
);

impl Rule for AddLocal {
    rule_meta!(ADD_LOCAL);

    fn check_instruction(&self, _cx: &Context<'_>, at: &At<'_>, out: &mut Emit<'_>) {
        let Body::Add(t) = &at.instr.body else { return };
        if let Some(s) = t
            .sources
            .iter()
            .find(|s| !is_remote(&s.value) && !is_archive(&s.value))
        {
            out.report(s.pos, format!("ADD of local `{}`: use COPY", s.value));
        }
    }
}
