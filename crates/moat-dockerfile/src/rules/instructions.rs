//! Instruction hygiene: `MOAT-625` (`EXPOSE 22`), `MOAT-628`/`MOAT-645` (HEALTHCHECK),
//! `MOAT-629` (several CMD/ENTRYPOINT), `MOAT-630` (shell form), `MOAT-631` (relative
//! WORKDIR), `MOAT-632` (`cd`), `MOAT-638` (MAINTAINER), `MOAT-639` (labels).

use moat_core::CheckMeta;

use super::{CIS_DOCKER, REFERENCE};
use crate::ast::{Body, CmdLine, Keyword};
use crate::rule::{At, Context, Emit, Rule};

/// `EXPOSE 22`.
pub struct ExposeSsh;

static SSH: CheckMeta = meta!(
    "MOAT-625", "dockerfile-expose-ssh", Medium, "SSH port 22 exposed",
    rationale: "Exposing port 22 means the image runs (or is meant to run) an SSH server: another long-lived credential, another daemon to patch and a remote shell into the container. Containers are debugged with kubectl exec/debug, not SSH.",
    remediation: "Remove sshd and EXPOSE 22; use kubectl exec or ephemeral debug containers.",
    fix: "EXPOSE 8080\n",
    refs: ["https://docs.docker.com/reference/dockerfile/#expose", "https://kubernetes.io/docs/tasks/debug/debug-application/debug-running-pod/#ephemeral-container"],
    frameworks: ["checkov:CKV_DOCKER_1"],
);

fn covers_22(port: &str) -> bool {
    let p = port.split('/').next().unwrap_or(port);
    match p.split_once('-') {
        Some((a, b)) => {
            matches!((a.parse::<u32>(), b.parse::<u32>()), (Ok(a), Ok(b)) if a <= 22 && 22 <= b)
        }
        None => p == "22",
    }
}

impl Rule for ExposeSsh {
    rule_meta!(SSH);

    fn check_instruction(&self, cx: &Context<'_>, at: &At<'_>, out: &mut Emit<'_>) {
        let Body::Expose(ports) = &at.instr.body else {
            return;
        };
        for w in ports {
            let v = match at.stage {
                Some(s) => cx.model.expand_at(s.index, at.in_stage(), &w.raw).value,
                None => w.value.clone(),
            };
            if covers_22(&v) {
                out.report(w.pos, format!("EXPOSE {v} exposes SSH"));
            }
        }
    }
}

/// Whether the final image has a HEALTHCHECK (in its stage or a stage it is built from).
fn final_has(cx: &Context<'_>, keyword: Keyword) -> bool {
    cx.model.final_stage().is_some_and(|last| {
        cx.chain(last)
            .iter()
            .any(|s| s.body.iter().any(|i| i.keyword == keyword))
    })
}

/// No HEALTHCHECK in the final image.
pub struct HealthcheckMissing;

static HC: CheckMeta = meta!(
    "MOAT-628", "dockerfile-healthcheck-missing", Info, "No HEALTHCHECK in the final image",
    rationale: "Without a HEALTHCHECK, Docker and Compose cannot tell a hung process from a healthy one. Kubernetes ignores HEALTHCHECK and uses probes instead, so this is informational for images that only run there; HEALTHCHECK NONE records the decision explicitly.",
    remediation: "Add a HEALTHCHECK that exercises the service (or HEALTHCHECK NONE when probes are used instead).",
    fix: "HEALTHCHECK --interval=30s --timeout=3s --retries=3 CMD [\"/app\", \"healthcheck\"]\n",
    refs: ["https://docs.docker.com/reference/dockerfile/#healthcheck", CIS_DOCKER],
    frameworks: ["CIS-Docker-4.6", "checkov:CKV_DOCKER_2"],
);

impl Rule for HealthcheckMissing {
    rule_meta!(HC);

    fn check_file(&self, cx: &Context<'_>, out: &mut Emit<'_>) {
        let Some(last) = cx.model.final_stage() else {
            return;
        };
        if !final_has(cx, Keyword::Healthcheck) {
            out.report_in(
                Some(last),
                last.from.pos,
                "the final image has no HEALTHCHECK".to_owned(),
            );
        }
    }
}

/// More than one HEALTHCHECK in a stage.
pub struct MultipleHealthcheck;

static MULTI_HC: CheckMeta = meta!(
    "MOAT-645", "dockerfile-multiple-healthcheck", Low, "More than one HEALTHCHECK in a stage",
    rationale: "Only the last HEALTHCHECK of a stage takes effect; earlier ones are dead code that misleads reviewers about how health is checked.",
    remediation: "Keep a single HEALTHCHECK per stage.",
    fix: "HEALTHCHECK CMD [\"/app\", \"healthcheck\"]\n",
    refs: ["https://docs.docker.com/reference/dockerfile/#healthcheck", "https://github.com/hadolint/hadolint/wiki/DL3012"],
    frameworks: ["hadolint:DL3012"],
);

fn earlier_in_stage(at: &At<'_>, keyword: Keyword) -> bool {
    at.stage
        .and_then(|s| s.first.get(&keyword))
        .is_some_and(|&k| k < at.in_stage())
}

impl Rule for MultipleHealthcheck {
    rule_meta!(MULTI_HC);

    fn check_instruction(&self, _cx: &Context<'_>, at: &At<'_>, out: &mut Emit<'_>) {
        if at.instr.keyword == Keyword::Healthcheck
            && !at.onbuild
            && earlier_in_stage(at, Keyword::Healthcheck)
        {
            out.report(
                at.instr.pos,
                "another HEALTHCHECK earlier in this stage is overridden".to_owned(),
            );
        }
    }
}

/// Several CMD or ENTRYPOINT in one stage.
pub struct MultipleCmd;

static MULTI: CheckMeta = meta!(
    "MOAT-629", "dockerfile-multiple-cmd", Low, "More than one CMD or ENTRYPOINT in a stage",
    rationale: "Only the last CMD and the last ENTRYPOINT of a stage take effect. Earlier ones are silently ignored, so the image does not run what a reader of the Dockerfile expects.",
    remediation: "Keep one CMD and one ENTRYPOINT per stage.",
    fix: "ENTRYPOINT [\"/usr/local/bin/app\"]\nCMD [\"--port\", \"8080\"]\n",
    refs: [REFERENCE, "https://github.com/hadolint/hadolint/wiki/DL4003", "https://github.com/hadolint/hadolint/wiki/DL4004"],
    frameworks: ["hadolint:DL4003", "hadolint:DL4004"],
);

impl Rule for MultipleCmd {
    rule_meta!(MULTI);

    fn check_instruction(&self, _cx: &Context<'_>, at: &At<'_>, out: &mut Emit<'_>) {
        let k = at.instr.keyword;
        if matches!(k, Keyword::Cmd | Keyword::Entrypoint) && !at.onbuild && earlier_in_stage(at, k)
        {
            out.report(
                at.instr.pos,
                format!(
                    "an earlier {} in this stage is overridden by this one",
                    k.as_str()
                ),
            );
        }
    }
}

/// Shell-form CMD/ENTRYPOINT.
pub struct ShellFormCmd;

static SHELL_FORM: CheckMeta = meta!(
    "MOAT-630", "dockerfile-shell-form-cmd", Low, "CMD or ENTRYPOINT in shell form",
    rationale: "The shell form runs the command as a child of /bin/sh -c: the shell is PID 1, does not forward SIGTERM, and the application is killed after the grace period instead of shutting down cleanly (lost requests, corrupt state). It also needs a shell in the image.",
    remediation: "Use the exec (JSON) form; if shell features are needed, `exec` the final command from a script.",
    fix: "ENTRYPOINT [\"/usr/local/bin/app\", \"--config\", \"/etc/app.yaml\"]\n",
    refs: ["https://docs.docker.com/reference/dockerfile/#shell-and-exec-form", "https://docs.docker.com/reference/build-checks/json-args-recommended/", "https://github.com/hadolint/hadolint/wiki/DL3025"],
    frameworks: ["hadolint:DL3025"],
);

impl Rule for ShellFormCmd {
    rule_meta!(SHELL_FORM);

    fn check_instruction(&self, _cx: &Context<'_>, at: &At<'_>, out: &mut Emit<'_>) {
        if let Body::Cmd(CmdLine::Shell(_)) | Body::Entrypoint(CmdLine::Shell(_)) = &at.instr.body {
            out.report(
                at.instr.pos,
                format!(
                    "{} in shell form: the process does not receive signals",
                    at.instr.keyword.as_str()
                ),
            );
        }
    }
}

/// Relative WORKDIR.
pub struct RelativeWorkdir;

static WORKDIR: CheckMeta = meta!(
    "MOAT-631", "dockerfile-relative-workdir", Low, "WORKDIR is a relative path",
    rationale: "A relative WORKDIR is resolved against whatever the previous WORKDIR was (possibly set by the base image), so the same Dockerfile works in different directories after a base image change.",
    remediation: "Use absolute paths in WORKDIR.",
    fix: "WORKDIR /app\n",
    refs: ["https://docs.docker.com/reference/dockerfile/#workdir", "https://docs.docker.com/reference/build-checks/workdir-relative-path/", "https://github.com/hadolint/hadolint/wiki/DL3000"],
    frameworks: ["hadolint:DL3000", "checkov:CKV_DOCKER_10"],
);

impl Rule for RelativeWorkdir {
    rule_meta!(WORKDIR);

    fn check_instruction(&self, cx: &Context<'_>, at: &At<'_>, out: &mut Emit<'_>) {
        let Body::Workdir(w) = &at.instr.body else {
            return;
        };
        let v = match at.stage {
            Some(s) => cx.model.expand_at(s.index, at.in_stage(), &w.raw),
            None => return,
        };
        let abs = v.value.starts_with(['/', '\\'])
            || v.value.get(1..3).is_some_and(|s| s.starts_with(':'));
        if !v.unresolved && !abs {
            out.report(w.pos, format!("WORKDIR {} is relative", w.value));
        }
    }
}

/// `cd` in RUN.
pub struct CdInRun;

static CD: CheckMeta = meta!(
    "MOAT-632", "dockerfile-cd-in-run", Info, "cd in RUN instead of WORKDIR",
    rationale: "A cd lasts for one RUN only; later instructions silently run elsewhere, which makes Dockerfiles hard to follow and invites mistakes. WORKDIR states the directory once for all following steps. cd inside a subshell `( … )` is not reported.",
    remediation: "Set the directory with WORKDIR (absolute path).",
    fix: "WORKDIR /src/app\nRUN make install\n",
    refs: ["https://docs.docker.com/build/building/best-practices/#workdir", "https://github.com/hadolint/hadolint/wiki/DL3003"],
    frameworks: ["hadolint:DL3003"],
);

impl Rule for CdInRun {
    rule_meta!(CD);

    fn check_command(&self, _cx: &Context<'_>, at: &At<'_>, i: usize, out: &mut Emit<'_>) {
        let Some(c) = at.commands.get(i) else { return };
        if c.program() == Some("cd") && c.depth == 0 {
            let dir = c.operands().next().map_or("", |w| w.value.as_str());
            out.report(c.pos, format!("`cd {dir}` in RUN; use WORKDIR"));
        }
    }
}

/// MAINTAINER is deprecated.
pub struct Maintainer;

static MAINT: CheckMeta = meta!(
    "MOAT-638", "dockerfile-maintainer", Info, "MAINTAINER is deprecated",
    rationale: "MAINTAINER has been deprecated since Docker 1.13; its value is not an OCI label, so tooling that reads image labels does not see it.",
    remediation: "Use the OCI label org.opencontainers.image.authors.",
    fix: "LABEL org.opencontainers.image.authors=\"platform-team@example.com\"\n",
    refs: ["https://docs.docker.com/reference/build-checks/maintainer-deprecated/", "https://github.com/hadolint/hadolint/wiki/DL4000"],
    frameworks: ["hadolint:DL4000", "checkov:CKV_DOCKER_6"],
);

impl Rule for Maintainer {
    rule_meta!(MAINT);

    fn check_instruction(&self, _cx: &Context<'_>, at: &At<'_>, out: &mut Emit<'_>) {
        if let Body::Maintainer(w) = &at.instr.body {
            out.report(
                at.instr.pos,
                format!(
                    "MAINTAINER {} is deprecated; use LABEL org.opencontainers.image.authors",
                    w.value
                ),
            );
        }
    }
}

/// The final image has no labels (or lacks required ones).
pub struct LabelsMissing;

static LABELS: CheckMeta = meta!(
    "MOAT-639", "dockerfile-labels-missing", Info, "Final image has no LABELs",
    rationale: "Labels such as org.opencontainers.image.source, .version and .revision let scanners, registries and incident responders trace an image back to its source and owner. The required set is configurable (`dockerfile: {required-labels: [...]}`); by default any LABEL satisfies the rule.",
    remediation: "Add the OCI image labels to the final stage (build tools can fill them from build arguments).",
    fix: "ARG VERSION=0.0.0\nLABEL org.opencontainers.image.source=\"https://github.com/example/app\" \\\n      org.opencontainers.image.version=\"$VERSION\"\n",
    refs: ["https://github.com/opencontainers/image-spec/blob/main/annotations.md", "https://docs.docker.com/reference/dockerfile/#label"],
    frameworks: [],
);

impl Rule for LabelsMissing {
    rule_meta!(LABELS);

    fn check_file(&self, cx: &Context<'_>, out: &mut Emit<'_>) {
        let Some(last) = cx.model.final_stage() else {
            return;
        };
        let keys: Vec<&str> = cx
            .chain(last)
            .iter()
            .flat_map(|s| s.body.iter())
            .filter_map(|i| match &i.body {
                Body::Label(kvs) => Some(kvs.iter().map(|kv| kv.key.value.as_str())),
                _ => None,
            })
            .flatten()
            .collect();
        let required = &cx.settings.required_labels;
        if required.is_empty() {
            if keys.is_empty() {
                out.report_in(
                    Some(last),
                    last.from.pos,
                    "the final image has no LABEL".to_owned(),
                );
            }
        } else {
            let missing: Vec<&str> = required
                .iter()
                .map(String::as_str)
                .filter(|r| !keys.contains(r))
                .collect();
            if !missing.is_empty() {
                out.report_in(
                    Some(last),
                    last.from.pos,
                    format!("the final image lacks labels: {}", missing.join(", ")),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ports() {
        assert!(super::covers_22("22"));
        assert!(super::covers_22("22/tcp"));
        assert!(super::covers_22("20-30"));
        assert!(!super::covers_22("2222"));
        assert!(!super::covers_22("80"));
    }
}
