//! Stages and the build context: `MOAT-633` (`COPY . .` without `.dockerignore`),
//! `MOAT-634` (global `ARG` used without re-declaring it), `MOAT-636` (duplicate stage
//! names), `MOAT-637` (`COPY --from` an unknown stage), `MOAT-640` (build tooling in the
//! final stage of a multi-stage build).

use std::collections::HashSet;

use moat_core::CheckMeta;

use super::util::subcommand;
use super::{BEST_PRACTICES, CIS_DOCKER};
use crate::ast::{Body, CmdLine, Instruction, Keyword, Pos};
use crate::expand::references;
use crate::model::{AUTOMATIC_ARGS, PREDEFINED_ARGS};
use crate::rule::{At, Context, Emit, Rule, stage_label};

/// `COPY . .` when the context has no `.dockerignore`.
pub struct CopyContext;

static CONTEXT: CheckMeta = meta!(
    "MOAT-633", "dockerfile-copy-context-no-dockerignore", Medium, "Whole build context copied without .dockerignore",
    rationale: "COPY . copies everything in the build context: .git (history, sometimes credentials), .env files, local keys, node_modules and build output. Without a .dockerignore all of it lands in the image. Judged only when moat sees the build context (a Dockerfile read from a directory).",
    remediation: "Add a .dockerignore (deny by default: `*` then `!src/`, `!go.mod`…) or copy only the paths the build needs.",
    fix: "# .dockerignore\n#   .git\n#   .env*\n#   **/*.pem\nCOPY go.mod go.sum ./\nCOPY cmd/ ./cmd/\n",
    refs: ["https://docs.docker.com/build/concepts/context/#dockerignore-files", CIS_DOCKER],
    frameworks: ["CIS-Docker-4.10"],
);

impl Rule for CopyContext {
    rule_meta!(CONTEXT);

    fn check_instruction(&self, cx: &Context<'_>, at: &At<'_>, out: &mut Emit<'_>) {
        if cx.settings.dockerignore != Some(false) {
            return;
        }
        let (Body::Copy(t) | Body::Add(t)) = &at.instr.body else {
            return;
        };
        if at.instr.flag("from").is_some() {
            return;
        }
        if let Some(s) = t
            .sources
            .iter()
            .find(|s| matches!(s.value.as_str(), "." | "./" | "*" | "./*"))
        {
            out.report(
                s.pos,
                format!(
                    "{} {} copies the whole build context and there is no .dockerignore",
                    at.instr.keyword.as_str(),
                    s.value
                ),
            );
        }
    }
}

/// The texts of an instruction that BuildKit or the shell expands, with positions.
fn expandable(instr: &Instruction) -> Vec<(String, Pos, Option<&crate::ast::ShellText>)> {
    let mut out = Vec::new();
    let words = |ws: &[crate::ast::Word],
                 out: &mut Vec<(String, Pos, Option<&crate::ast::ShellText>)>| {
        for w in ws {
            out.push((w.raw.clone(), w.pos, None));
        }
    };
    match &instr.body {
        Body::Run(CmdLine::Shell(s)) => out.push((s.text.clone(), s.pos(0), Some(s))),
        Body::Copy(t) | Body::Add(t) => {
            words(&t.sources, &mut out);
            out.push((t.dest.raw.clone(), t.dest.pos, None));
        }
        Body::Env(kvs) | Body::Label(kvs) => {
            for kv in kvs {
                out.push((kv.value.raw.clone(), kv.value.pos, None));
            }
        }
        Body::User(w) | Body::Workdir(w) | Body::Stopsignal(w) => {
            out.push((w.raw.clone(), w.pos, None));
        }
        Body::Expose(ws) | Body::Volume(ws) => words(ws, &mut out),
        _ => {}
    }
    for f in &instr.flags {
        if let Some(v) = &f.value {
            out.push((v.clone(), f.pos, None));
        }
    }
    out
}

/// A global `ARG` referenced in a stage that did not re-declare it.
pub struct GlobalArg;

static GLOBAL_ARG: CheckMeta = meta!(
    "MOAT-634", "dockerfile-global-arg-not-redeclared", Medium, "ARG from before FROM used inside a stage",
    rationale: "An ARG declared before the first FROM is only in scope for FROM lines. Inside a stage it expands to an empty string unless the stage re-declares it with `ARG NAME`, so versions, URLs or paths silently become empty: downloads of the wrong file, unpinned installs, files written to /.",
    remediation: "Re-declare the argument (without a value) in every stage that uses it.",
    fix: "ARG APP_VERSION=1.4.2\nFROM alpine:3.20\nARG APP_VERSION\nRUN wget -q https://example.com/app-${APP_VERSION}.tgz\n",
    refs: ["https://docs.docker.com/reference/dockerfile/#understand-how-arg-and-from-interact", "https://docs.docker.com/reference/build-checks/undefined-var/"],
    frameworks: [],
);

impl Rule for GlobalArg {
    rule_meta!(GLOBAL_ARG);

    fn check_file(&self, cx: &Context<'_>, out: &mut Emit<'_>) {
        let escape = cx.file().escape;
        let globals: HashSet<&str> = cx.model.globals.iter().map(|(n, _)| *n).collect();
        if globals.is_empty() {
            return;
        }
        for stage in &cx.model.stages {
            let mut declared: HashSet<String> = HashSet::new();
            let mut reported: HashSet<String> = HashSet::new();
            for (k, instr) in stage.body.iter().enumerate() {
                for (text, pos, shell) in expandable(instr) {
                    for (off, name) in references(&text, escape) {
                        if !globals.contains(name)
                            || declared.contains(name)
                            || AUTOMATIC_ARGS.contains(&name)
                            || PREDEFINED_ARGS.contains(&name)
                            || reported.contains(name)
                        {
                            continue;
                        }
                        if cx.model.lookup(stage.index, k, name).is_some() {
                            // Set by ENV (or an ARG default) in scope: stays set.
                            declared.insert(name.to_owned());
                            continue;
                        }
                        let at = shell.map_or(pos, |s| s.pos(off));
                        out.report_in(Some(stage), at, format!(
                            "${name} is a global ARG (declared before FROM) and is empty in stage {}; add `ARG {name}` to the stage",
                            stage_label(stage)
                        ));
                        reported.insert(name.to_owned());
                    }
                }
                if let Body::Arg(decls) = &instr.body {
                    declared.extend(decls.iter().map(|d| d.name.value.clone()));
                }
            }
        }
    }
}

/// Two stages with the same name.
pub struct DuplicateStage;

static DUP: CheckMeta = meta!(
    "MOAT-636", "dockerfile-duplicate-stage-name", Medium, "Duplicate build stage name",
    rationale: "When two stages share a name, COPY --from and FROM references resolve to one of them depending on position, and newer BuildKit versions reject the file. What gets copied into the final image is not what the reader expects.",
    remediation: "Give every stage a unique name.",
    fix: "FROM golang:1.22.5 AS build-api\nFROM golang:1.22.5 AS build-worker\n",
    refs: ["https://docs.docker.com/reference/build-checks/duplicate-stage-name/", "https://github.com/hadolint/hadolint/wiki/DL3024"],
    frameworks: ["hadolint:DL3024", "checkov:CKV_DOCKER_11"],
);

impl Rule for DuplicateStage {
    rule_meta!(DUP);

    fn check_file(&self, cx: &Context<'_>, out: &mut Emit<'_>) {
        let mut seen: HashSet<&str> = HashSet::new();
        for s in &cx.model.stages {
            let Some(name) = s.name.as_deref() else {
                continue;
            };
            if !seen.insert(name) {
                let pos = match &s.from.body {
                    Body::From { name: Some(w), .. } => w.pos,
                    _ => s.from.pos,
                };
                out.report_in(
                    Some(s),
                    pos,
                    format!("stage name `{name}` is already used by an earlier stage"),
                );
            }
        }
    }
}

/// `COPY --from=name` (or `--mount=from=name`) that names no earlier stage.
pub struct CopyFromUnknown;

static FROM_UNKNOWN: CheckMeta = meta!(
    "MOAT-637", "dockerfile-copy-from-unknown-stage", Medium, "COPY --from names no earlier stage",
    rationale: "When --from names no earlier stage, BuildKit treats it as an image reference and pulls it from Docker Hub: a typo in a stage name silently copies files from whatever public image has that name. Referencing the current or a later stage is an error.",
    remediation: "Name an earlier stage (check spelling), or use a full image reference with a tag and digest for external images.",
    fix: "FROM golang:1.22.5 AS build\nRUN go build -o /out/app ./cmd/app\nFROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=build /out/app /app\n",
    refs: ["https://docs.docker.com/reference/dockerfile/#copy---from", "https://github.com/hadolint/hadolint/wiki/DL3022", "https://github.com/hadolint/hadolint/wiki/DL3023"],
    frameworks: ["hadolint:DL3022", "hadolint:DL3023"],
);

impl CopyFromUnknown {
    fn judge(cx: &Context<'_>, at: &At<'_>, value: &str, pos: Pos, what: &str, out: &mut Emit<'_>) {
        let current = at.stage.map_or(0, |s| s.index);
        let value = if value.contains('$') {
            let lookup = |n: &str| {
                cx.model
                    .globals
                    .iter()
                    .rev()
                    .find(|(k, _)| *k == n)
                    .and_then(|(_, v)| v.as_deref())
            };
            let e = crate::expand::expand(value, cx.file().escape, &lookup);
            if e.unresolved {
                return;
            }
            e.value
        } else {
            value.to_owned()
        };
        if let Ok(n) = value.parse::<usize>() {
            if n >= current {
                out.report(
                    pos,
                    format!("{what}={value} refers to the current or a later stage"),
                );
            }
            return;
        }
        match cx.model.stage_named(&value) {
            Some(s) if s.index >= current => out.report(pos, format!("{what}={value} refers to the current or a later stage")),
            Some(_) => {}
            None if value.contains(['/', ':', '@', '.']) => {}
            None => out.report(pos, format!("{what}={value} names no stage; BuildKit will pull the image `{value}` from Docker Hub")),
        }
    }
}

impl Rule for CopyFromUnknown {
    rule_meta!(FROM_UNKNOWN);

    fn check_instruction(&self, cx: &Context<'_>, at: &At<'_>, out: &mut Emit<'_>) {
        if at.onbuild || at.stage.is_none() {
            return;
        }
        if matches!(at.instr.keyword, Keyword::Copy | Keyword::Add)
            && let Some(f) = at.instr.flag("from")
        {
            Self::judge(
                cx,
                at,
                f.value.as_deref().unwrap_or(""),
                f.pos,
                "--from",
                out,
            );
        }
        for m in at.instr.mounts() {
            if let Some(from) = m.get("from") {
                Self::judge(cx, at, from, m.pos, "--mount from", out);
            }
        }
    }
}

const LANGUAGE_INSTALLS: &[(&str, &[&str])] = &[
    ("npm", &["install", "i", "ci", "add"]),
    ("yarn", &["install", "add"]),
    ("pnpm", &["install", "i", "add"]),
    ("gem", &["install"]),
    ("bundle", &["install"]),
    ("composer", &["install", "require"]),
    ("go", &["build", "get", "install", "mod"]),
    ("cargo", &["build", "install"]),
    ("mvn", &[]),
    ("gradle", &[]),
    ("make", &[]),
];

const BUILD_PACKAGES: &[&str] = &[
    "build-essential",
    "gcc",
    "g++",
    "make",
    "cmake",
    "git",
    "clang",
    "musl-dev",
    "libc-dev",
    "autoconf",
    "automake",
    "pkg-config",
    "pkgconf",
];

/// Build tooling in the final stage of a multi-stage build.
pub struct BuildToolsInFinal;

static TOOLS: CheckMeta = meta!(
    "MOAT-640", "dockerfile-build-in-final-stage", Info, "Final stage of a multi-stage build installs build tooling",
    rationale: "The point of a multi-stage build is that compilers, package managers' caches and dev dependencies stay in earlier stages. Installing them (or building) in the final stage ships them: larger images, more CVEs to patch, and tools an attacker can use.",
    remediation: "Move dependency installation and compilation into a build stage and COPY --from only the artefacts (or an installed virtualenv / node_modules) into the final stage.",
    fix: "FROM node:20.15.1-bookworm-slim AS deps\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci --omit=dev\nFROM gcr.io/distroless/nodejs20-debian12:nonroot\nCOPY --from=deps /app/node_modules /app/node_modules\n",
    refs: ["https://docs.docker.com/build/building/multi-stage/", BEST_PRACTICES],
    frameworks: ["CIS-Docker-4.3"],
);

impl Rule for BuildToolsInFinal {
    rule_meta!(TOOLS);

    fn check_command(&self, cx: &Context<'_>, at: &At<'_>, i: usize, out: &mut Emit<'_>) {
        if cx.model.stages.len() < 2 || !super::util::in_final(cx, at) {
            return;
        }
        let Some(c) = at.commands.get(i) else { return };
        let Some(prog) = c.program() else { return };
        let sub = subcommand(c);
        if let Some((_, subs)) = LANGUAGE_INSTALLS.iter().find(|(p, _)| *p == prog)
            && (subs.is_empty() || sub.as_ref().is_some_and(|(s, _)| subs.contains(s)))
        {
            out.report(c.pos, format!("`{prog}` builds or installs dependencies in the final stage; do it in an earlier stage"));
            return;
        }
        if super::util::pip_args(c).is_some() && sub.as_ref().is_some_and(|(s, _)| *s == "install")
        {
            out.report(c.pos, "`pip install` in the final stage; install into a virtualenv in an earlier stage and copy it".to_owned());
            return;
        }
        if matches!(prog, "apt-get" | "apt" | "apk" | "yum" | "dnf")
            && let Some((_, pkgs)) = sub
        {
            let tools: Vec<&str> = pkgs
                .into_iter()
                .filter(|p| {
                    let name = p.split(['=', '~']).next().unwrap_or(p);
                    BUILD_PACKAGES.contains(&name)
                        || name.ends_with("-dev")
                        || name.ends_with("-devel")
                })
                .collect();
            if !tools.is_empty() {
                out.report(
                    c.pos,
                    format!("build packages in the final stage: {}", tools.join(", ")),
                );
            }
        }
    }
}
