//! Who the container runs as: `MOAT-600` (root in the final stage), `MOAT-601` (`sudo`).

use moat_core::CheckMeta;

use super::{BEST_PRACTICES, CIS_DOCKER, REFERENCE};
use crate::ast::Body;
use crate::rule::{At, Context, Emit, Rule};

/// The final stage runs as root: no `USER`, or `USER root`/`0`.
pub struct FinalUserRoot;

static ROOT: CheckMeta = meta!(
    "MOAT-600", "dockerfile-user-root", High, "Final stage runs as root",
    rationale: "Without a USER instruction (or with USER root/0) the container's process runs as UID 0. Any code-execution bug then runs as root inside the container, where one kernel or runtime flaw, a writable host mount or an extra capability is enough to take over the node. Kubernetes' runAsNonRoot also refuses such images.",
    remediation: "Create an unprivileged user in the final stage and switch to it with a numeric UID (so runAsNonRoot can verify it), after the steps that need root.",
    fix: "FROM debian:12-slim\nRUN useradd --uid 10001 --no-create-home app\nCOPY --chown=10001:10001 app /app\nUSER 10001:10001\nENTRYPOINT [\"/app\"]\n",
    refs: ["https://docs.docker.com/reference/dockerfile/#user", BEST_PRACTICES, CIS_DOCKER, "https://github.com/hadolint/hadolint/wiki/DL3002"],
    frameworks: ["CIS-Docker-4.1", "hadolint:DL3002", "checkov:CKV_DOCKER_3", "checkov:CKV_DOCKER_8"],
);

fn is_root(user: &str) -> bool {
    let u = user.split(':').next().unwrap_or(user).trim();
    u == "root" || (!u.is_empty() && u.trim_start_matches('0').is_empty())
}

impl Rule for FinalUserRoot {
    rule_meta!(ROOT);

    fn check_file(&self, cx: &Context<'_>, out: &mut Emit<'_>) {
        let Some(last) = cx.model.final_stage() else {
            return;
        };
        for stage in cx.chain(last) {
            for (i, instr) in stage.body.iter().enumerate().rev() {
                if let Body::User(w) = &instr.body {
                    let v = cx.model.expand_at(stage.index, i, &w.raw);
                    if !v.unresolved && is_root(&v.value) {
                        out.report_in(
                            Some(last),
                            w.pos,
                            format!("the final stage switches to USER {} (root)", w.value),
                        );
                    }
                    return;
                }
            }
        }
        let root = cx.chain(last).last().map_or(last, |s| *s);
        let image = root.resolved.value.to_ascii_lowercase();
        // Images whose own metadata sets a non-root user.
        if image.contains("nonroot") || image.contains("rootless") || root.resolved.unresolved {
            return;
        }
        out.report_in(
            Some(last),
            last.from.pos,
            format!(
                "the final stage (FROM {}) never sets USER, so the container runs as root",
                last.image.value
            ),
        );
    }
}

/// `sudo` in `RUN`.
pub struct Sudo;

static SUDO: CheckMeta = meta!(
    "MOAT-601", "dockerfile-sudo", Medium, "sudo is used in RUN",
    rationale: "Build steps already run as the current USER; sudo adds a setuid binary and a sudoers policy to the image, has unpredictable TTY and signal behaviour, and leaves a privilege-escalation path for anything that later runs in the container.",
    remediation: "Run the step before switching USER (or switch to root for that step with USER root, then back), and remove sudo from the image.",
    fix: "USER root\nRUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5 \\\n && rm -rf /var/lib/apt/lists/*\nUSER 10001\n",
    refs: [REFERENCE, "https://github.com/hadolint/hadolint/wiki/DL3004"],
    frameworks: ["hadolint:DL3004", "checkov:CKV2_DOCKER_1"],
);

impl Rule for Sudo {
    rule_meta!(SUDO);

    fn check_command(&self, _cx: &Context<'_>, at: &At<'_>, i: usize, out: &mut Emit<'_>) {
        let Some(c) = at.commands.get(i) else { return };
        if c.argv()
            .first()
            .is_some_and(|w| crate::shell::basename(&w.value) == "sudo")
        {
            out.report(
                c.pos,
                "RUN uses sudo; run the step as root with USER instead".to_owned(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn root_users() {
        for u in ["root", "0", "0:0", "root:app", "00"] {
            assert!(super::is_root(u), "{u}");
        }
        for u in ["app", "10001", "10001:0", "", "rooty"] {
            assert!(!super::is_root(u), "{u}");
        }
    }
}
