//! Language and non-Debian package managers: `MOAT-614`/`MOAT-618` (apk), `MOAT-615`/
//! `MOAT-619` (pip), `MOAT-616`/`MOAT-620` (npm), `MOAT-642` (yum/dnf).

use moat_core::CheckMeta;

use super::BEST_PRACTICES;
use super::util::{
    cache_mount, in_final, is_path_or_url, pip_args, runs_sub, runs_with, subcommand,
};
use crate::ast::Word;
use crate::rule::{At, Context, Emit, Rule};
use crate::shell::Command;

/// `(command, packages)` when `commands[i]` is `apk add …`.
fn apk_add<'a>(at: &'a At<'_>, i: usize) -> Option<(&'a Command, Vec<&'a str>)> {
    let c = at.commands.get(i)?;
    if c.program() != Some("apk") {
        return None;
    }
    let (sub, pkgs) = subcommand(c)?;
    (sub == "add").then_some((c, pkgs))
}

/// `apk add` without `--no-cache`.
pub struct ApkNoCache;

static APK_CACHE: CheckMeta = meta!(
    "MOAT-614", "dockerfile-apk-no-cache", Low, "apk add without --no-cache",
    rationale: "Without --no-cache apk keeps the package index under /var/cache/apk in the image layer: larger images and stale indexes shipped to production.",
    remediation: "Use `apk add --no-cache …` (or a cache mount on /var/cache/apk). Only the final stage is judged.",
    fix: "RUN apk add --no-cache ca-certificates=20240705-r0 tzdata=2024a-r1\n",
    refs: [BEST_PRACTICES, "https://github.com/hadolint/hadolint/wiki/DL3019"],
    frameworks: ["hadolint:DL3019"],
);

impl Rule for ApkNoCache {
    rule_meta!(APK_CACHE);

    fn check_command(&self, cx: &Context<'_>, at: &At<'_>, i: usize, out: &mut Emit<'_>) {
        let Some((c, _)) = apk_add(at, i) else { return };
        if !in_final(cx, at)
            || c.has_arg(&["--no-cache"])
            || cache_mount(at.instr, &["/var/cache/apk", "/etc/apk/cache"])
        {
            return;
        }
        if !runs_with(at.commands, "rm", &["/var/cache/apk"]) {
            out.report(c.pos, "apk add without --no-cache".to_owned());
        }
    }
}

/// `apk add pkg` without a version.
pub struct ApkUnpinned;

static APK_PIN: CheckMeta = meta!(
    "MOAT-618", "dockerfile-apk-unpinned", Low, "apk packages not pinned to a version",
    rationale: "Unpinned packages install whatever the repository has on build day: rebuilds are not reproducible and regressions or compromised packages arrive unreviewed.",
    remediation: "Pin packages with `name=version` (or `name~major.minor` for patch updates).",
    fix: "RUN apk add --no-cache curl=8.9.0-r0\n",
    refs: [BEST_PRACTICES, "https://github.com/hadolint/hadolint/wiki/DL3018"],
    frameworks: ["hadolint:DL3018"],
);

impl Rule for ApkUnpinned {
    rule_meta!(APK_PIN);

    fn check_command(&self, _cx: &Context<'_>, at: &At<'_>, i: usize, out: &mut Emit<'_>) {
        let Some((c, pkgs)) = apk_add(at, i) else {
            return;
        };
        let loose: Vec<&str> = pkgs
            .into_iter()
            .filter(|p| !p.contains(['=', '~', '<', '>']) && !is_path_or_url(p))
            .collect();
        if !loose.is_empty() {
            out.report(
                c.pos,
                format!(
                    "apk packages without a pinned version: {}",
                    loose.join(", ")
                ),
            );
        }
    }
}

/// pip options that take a value.
const PIP_VALUE_OPTS: &[&str] = &[
    "-r",
    "--requirement",
    "-c",
    "--constraint",
    "-e",
    "--editable",
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "-t",
    "--target",
    "--prefix",
    "--root",
    "--trusted-host",
    "--platform",
    "--python-version",
    "--only-binary",
    "--no-binary",
    "--cache-dir",
    "--progress-bar",
    "--src",
    "--upgrade-strategy",
    "--implementation",
    "--abi",
];

/// `(options, packages)` of `pip install`.
fn pip_install(c: &Command) -> Option<(Vec<&str>, Vec<&Word>)> {
    let args = pip_args(c)?;
    let mut it = args.iter().skip_while(|w| w.value.starts_with('-'));
    if it.next()?.value != "install" {
        return None;
    }
    let mut opts = Vec::new();
    let mut pkgs = Vec::new();
    let mut skip = false;
    for w in it {
        if skip {
            skip = false;
            continue;
        }
        if w.value.starts_with('-') {
            let name = w.value.split('=').next().unwrap_or_default();
            opts.push(name);
            skip = PIP_VALUE_OPTS.contains(&w.value.as_str());
        } else {
            pkgs.push(w);
        }
    }
    Some((opts, pkgs))
}

/// `pip install` without `--no-cache-dir`.
pub struct PipNoCache;

static PIP_CACHE: CheckMeta = meta!(
    "MOAT-615", "dockerfile-pip-no-cache-dir", Low, "pip install without --no-cache-dir",
    rationale: "pip keeps downloaded wheels in ~/.cache/pip; in the final stage that cache ships in the image, often doubling the size of the installed packages.",
    remediation: "Pass --no-cache-dir, set ENV PIP_NO_CACHE_DIR=1, or use a cache mount on /root/.cache/pip. Only the final stage is judged.",
    fix: "RUN pip install --no-cache-dir -r requirements.txt\n",
    refs: ["https://pip.pypa.io/en/stable/topics/caching/", "https://github.com/hadolint/hadolint/wiki/DL3042"],
    frameworks: ["hadolint:DL3042"],
);

impl Rule for PipNoCache {
    rule_meta!(PIP_CACHE);

    fn check_command(&self, cx: &Context<'_>, at: &At<'_>, i: usize, out: &mut Emit<'_>) {
        let Some(c) = at.commands.get(i) else { return };
        let Some((opts, _)) = pip_install(c) else {
            return;
        };
        if !in_final(cx, at)
            || opts.contains(&"--no-cache-dir")
            || cache_mount(at.instr, &["/root/.cache", "/home"])
        {
            return;
        }
        let env_off = at.stage.is_some_and(|s| {
            cx.model
                .lookup(s.index, at.in_stage(), "PIP_NO_CACHE_DIR")
                .is_some()
        });
        if !env_off {
            out.report(c.pos, "pip install without --no-cache-dir".to_owned());
        }
    }
}

fn pip_pinned(spec: &str) -> bool {
    spec.contains("==") || spec.contains("~=") || spec.contains('@')
}

/// `pip install pkg` without `==version`.
pub struct PipUnpinned;

static PIP_PIN: CheckMeta = meta!(
    "MOAT-619", "dockerfile-pip-unpinned", Low, "pip packages not pinned to a version",
    rationale: "pip install name installs the newest release on build day, including a freshly published malicious or broken one; ranges such as >= have the same problem.",
    remediation: "Pin exact versions (`name==1.2.3`) or install from a requirements file or constraints file with pins and hashes.",
    fix: "COPY requirements.txt .\nRUN pip install --no-cache-dir --require-hashes -r requirements.txt\n",
    refs: ["https://pip.pypa.io/en/stable/topics/repeatable-installs/", "https://github.com/hadolint/hadolint/wiki/DL3013"],
    frameworks: ["hadolint:DL3013"],
);

impl Rule for PipUnpinned {
    rule_meta!(PIP_PIN);

    fn check_command(&self, _cx: &Context<'_>, at: &At<'_>, i: usize, out: &mut Emit<'_>) {
        let Some(c) = at.commands.get(i) else { return };
        let Some((opts, pkgs)) = pip_install(c) else {
            return;
        };
        if opts.iter().any(|o| matches!(*o, "-c" | "--constraint")) {
            return;
        }
        let loose: Vec<&str> = pkgs
            .iter()
            .map(|w| w.value.as_str())
            .filter(|p| !pip_pinned(p) && !is_path_or_url(p))
            .collect();
        if !loose.is_empty() {
            out.report(
                c.pos,
                format!(
                    "pip packages without an exact version: {}",
                    loose.join(", ")
                ),
            );
        }
    }
}

/// `(command, packages)` for `npm install|i|add …`.
fn npm_install<'a>(at: &'a At<'_>, i: usize) -> Option<(&'a Command, Vec<&'a str>)> {
    let c = at.commands.get(i)?;
    if c.program() != Some("npm") {
        return None;
    }
    let (sub, pkgs) = subcommand(c)?;
    matches!(sub, "install" | "i" | "add" | "isntall" | "in").then_some((c, pkgs))
}

/// `npm install` from package.json instead of `npm ci`.
pub struct NpmInstall;

static NPM_CI: CheckMeta = meta!(
    "MOAT-616", "dockerfile-npm-install", Low, "npm install used instead of npm ci",
    rationale: "npm install resolves ranges in package.json and may rewrite the lockfile, so the image can contain different dependency versions than the ones tested. npm ci installs exactly the lockfile and fails when it is out of date.",
    remediation: "Copy package.json and package-lock.json, then run npm ci (with --omit=dev for production images).",
    fix: "COPY package.json package-lock.json ./\nRUN npm ci --omit=dev\n",
    refs: ["https://docs.npmjs.com/cli/commands/npm-ci", BEST_PRACTICES],
    frameworks: [],
);

impl Rule for NpmInstall {
    rule_meta!(NPM_CI);

    fn check_command(&self, _cx: &Context<'_>, at: &At<'_>, i: usize, out: &mut Emit<'_>) {
        let Some((c, pkgs)) = npm_install(at, i) else {
            return;
        };
        if pkgs.is_empty() {
            out.report(
                c.pos,
                "`npm install` resolves package.json ranges; use `npm ci`".to_owned(),
            );
        }
    }
}

fn npm_pinned(spec: &str) -> bool {
    let name_end = if spec.starts_with('@') {
        spec.get(1..).and_then(|s| s.find('@')).map(|i| i + 1)
    } else {
        spec.find('@')
    };
    name_end.and_then(|i| spec.get(i + 1..)).is_some_and(|v| {
        v.starts_with(|c: char| c.is_ascii_digit()) && !v.contains(['^', '~', '*', 'x', '>', '<'])
    })
}

/// `npm install pkg` without `@version`.
pub struct NpmUnpinned;

static NPM_PIN: CheckMeta = meta!(
    "MOAT-620", "dockerfile-npm-unpinned", Low, "npm packages not pinned to a version",
    rationale: "npm install name (or name@latest, name@^1) installs whatever is newest on build day, including a hijacked release; typosquatting and account takeovers on npm are frequent.",
    remediation: "Pin exact versions (`name@1.2.3`), or declare them in package.json with a lockfile and run npm ci.",
    fix: "RUN npm install -g pnpm@9.6.0\n",
    refs: ["https://docs.npmjs.com/cli/commands/npm-install", "https://github.com/hadolint/hadolint/wiki/DL3016"],
    frameworks: ["hadolint:DL3016"],
);

impl Rule for NpmUnpinned {
    rule_meta!(NPM_PIN);

    fn check_command(&self, _cx: &Context<'_>, at: &At<'_>, i: usize, out: &mut Emit<'_>) {
        let Some((c, pkgs)) = npm_install(at, i) else {
            return;
        };
        let loose: Vec<&str> = pkgs
            .into_iter()
            .filter(|p| !npm_pinned(p) && !is_path_or_url(p) && !p.contains(':'))
            .collect();
        if !loose.is_empty() {
            out.report(
                c.pos,
                format!(
                    "npm packages without an exact version: {}",
                    loose.join(", ")
                ),
            );
        }
    }
}

/// `yum`/`dnf install` without `-y` or without cleaning the cache.
pub struct YumHygiene;

static YUM: CheckMeta = meta!(
    "MOAT-642", "dockerfile-yum-hygiene", Low, "yum/dnf install without -y or cache clean-up",
    rationale: "Without -y the install waits for a confirmation and the build fails or hangs; without `yum/dnf clean all` (or removing /var/cache/yum|dnf) the package metadata cache ships in the final image.",
    remediation: "Use `-y` and end the RUN with `dnf clean all` (or `yum clean all`). The clean-up is judged in the final stage only.",
    fix: "RUN dnf install -y --setopt=install_weak_deps=False shadow-utils-4.9 && dnf clean all\n",
    refs: [BEST_PRACTICES, "https://github.com/hadolint/hadolint/wiki/DL3032", "https://github.com/hadolint/hadolint/wiki/DL3038"],
    frameworks: ["hadolint:DL3030", "hadolint:DL3032", "hadolint:DL3038", "hadolint:DL3040"],
);

impl Rule for YumHygiene {
    rule_meta!(YUM);

    fn check_command(&self, cx: &Context<'_>, at: &At<'_>, i: usize, out: &mut Emit<'_>) {
        let Some(c) = at.commands.get(i) else { return };
        let Some(prog @ ("yum" | "dnf" | "microdnf" | "tdnf")) = c.program() else {
            return;
        };
        if !subcommand(c).is_some_and(|(s, _)| {
            matches!(s, "install" | "groupinstall" | "localinstall" | "reinstall")
        }) {
            return;
        }
        let mut problems = Vec::new();
        if prog != "microdnf" && !c.has_flag('y', &["--assumeyes"]) {
            problems.push("no -y");
        }
        let cleaned = runs_sub(at.commands, &["yum", "dnf", "microdnf", "tdnf"], &["clean"])
            || runs_with(at.commands, "rm", &["/var/cache/yum", "/var/cache/dnf"])
            || cache_mount(at.instr, &["/var/cache/yum", "/var/cache/dnf"]);
        if in_final(cx, at) && !cleaned {
            problems.push("no `clean all` in the same RUN");
        }
        if !problems.is_empty() {
            out.report(c.pos, format!("`{prog} install`: {}", problems.join(", ")));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn npm_pins() {
        for p in ["a@1.2.3", "@s/a@2.0.0"] {
            assert!(super::npm_pinned(p), "{p}");
        }
        for p in ["a", "@s/a", "a@latest", "a@^1.2.0", "a@1.x"] {
            assert!(!super::npm_pinned(p), "{p}");
        }
    }
}
