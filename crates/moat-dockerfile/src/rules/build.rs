//! Build-step behaviour: `MOAT-641` (pipes without `pipefail`) and `MOAT-644`
//! (`RUN --security=insecure` / `--network=host`).

use moat_core::CheckMeta;

use crate::ast::{Body, CmdLine};
use crate::rule::{At, Context, Emit, Rule};
use crate::shell::Op;

/// A `RUN` with a pipe while the shell lacks `pipefail`.
pub struct Pipefail;

static PIPEFAIL: CheckMeta = meta!(
    "MOAT-641", "dockerfile-pipefail", Low, "Pipe in RUN without pipefail",
    rationale: "/bin/sh -c judges a pipeline by its last command only: `curl … | tar -x` or `wget -O- … | sha256sum -c` succeeds even when the download failed, and the build goes on with a missing or partial artefact.",
    remediation: "Set `SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]` before such RUNs (or start the RUN with `set -o pipefail &&` in a shell that supports it).",
    fix: "SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN curl -fsSL https://example.com/tool-1.2.3.tgz | tar -xz -C /usr/local/bin\n",
    refs: ["https://docs.docker.com/build/building/best-practices/#using-pipes", "https://github.com/hadolint/hadolint/wiki/DL4006"],
    frameworks: ["hadolint:DL4006"],
);

impl Rule for Pipefail {
    rule_meta!(PIPEFAIL);

    fn check_instruction(&self, cx: &Context<'_>, at: &At<'_>, out: &mut Emit<'_>) {
        let Body::Run(CmdLine::Shell(_)) = &at.instr.body else {
            return;
        };
        if !at.commands.iter().any(|c| c.after == Op::Pipe) {
            return;
        }
        if at.commands.iter().any(|c| {
            c.program() == Some("set") && c.args().iter().any(|w| w.value.contains("pipefail"))
        }) {
            return;
        }
        // The stage's SHELL (in it or a stage it is built from), before this RUN.
        let shell_ok = at.stage.is_some_and(|s| {
            for (depth, st) in cx.chain(s).iter().enumerate() {
                let upto = if depth == 0 {
                    at.in_stage()
                } else {
                    st.body.len()
                };
                let n = st.shells.partition_point(|&k| k < upto);
                if let Some(&k) = n.checked_sub(1).and_then(|i| st.shells.get(i)) {
                    return matches!(
                        st.body.get(k).map(|i| &i.body),
                        Some(Body::Shell(ws)) if ws.iter().any(|w| w.value.contains("pipefail"))
                    );
                }
            }
            false
        });
        if !shell_ok {
            out.report(
                at.instr.pos,
                "RUN uses a pipe but the shell does not set -o pipefail".to_owned(),
            );
        }
    }
}

/// `RUN --security=insecure` or `--network=host`.
pub struct InsecureStep;

static INSECURE: CheckMeta = meta!(
    "MOAT-644", "dockerfile-insecure-build-step", High, "RUN with --security=insecure or --network=host",
    rationale: "RUN --security=insecure runs the step as a privileged container with full access to the build host; --network=host removes the build's network isolation so the step can reach services on the builder's host (metadata endpoints, local daemons). On shared CI builders either turns a malicious dependency into a host compromise.",
    remediation: "Remove the flag; if a step really needs a privilege, do it at run time under an explicit policy instead of in the image build.",
    fix: "RUN --network=default make test\n",
    refs: ["https://docs.docker.com/reference/dockerfile/#run---security", "https://docs.docker.com/reference/dockerfile/#run---network"],
    frameworks: [],
);

impl Rule for InsecureStep {
    rule_meta!(INSECURE);

    fn check_instruction(&self, _cx: &Context<'_>, at: &At<'_>, out: &mut Emit<'_>) {
        for (name, bad) in [("security", "insecure"), ("network", "host")] {
            if let Some(f) = at
                .instr
                .flag(name)
                .filter(|f| f.value.as_deref() == Some(bad))
            {
                out.report(f.pos, format!("RUN --{name}={bad}"));
            }
        }
    }
}
