//! Debian/Ubuntu packages: `MOAT-609` (no `-y`), `MOAT-610` (recommends),
//! `MOAT-611` (lists kept), `MOAT-612` (upgrade), `MOAT-613` (update alone),
//! `MOAT-617` (unpinned), `MOAT-643` (`apt` in scripts).

use moat_core::CheckMeta;

use super::util::{cache_mount, in_final, is_apt, is_path_or_url, runs_sub, runs_with, subcommand};
use super::{BEST_PRACTICES, CIS_DOCKER};
use crate::rule::{At, Context, Emit, Rule};
use crate::shell::Command;

/// `(command, packages)` when `commands[i]` is `apt-get install …`.
fn install<'a>(at: &'a At<'_>, i: usize) -> Option<(&'a Command, Vec<&'a str>)> {
    let c = at.commands.get(i)?;
    if !is_apt(c) {
        return None;
    }
    let (sub, pkgs) = subcommand(c)?;
    (sub == "install").then_some((c, pkgs))
}

/// `apt-get install` without `-y`.
pub struct NoYes;

static NO_YES: CheckMeta = meta!(
    "MOAT-609", "dockerfile-apt-no-yes", Low, "apt-get install without -y",
    rationale: "Without -y (or --yes/-qq) apt-get waits for a confirmation that never comes in a non-interactive build and aborts, or behaves differently depending on the terminal.",
    remediation: "Pass -y (--yes) to apt-get install.",
    fix: "RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates=20230311 \\\n && rm -rf /var/lib/apt/lists/*\n",
    refs: [BEST_PRACTICES, "https://github.com/hadolint/hadolint/wiki/DL3014"],
    frameworks: ["hadolint:DL3014"],
);

impl Rule for NoYes {
    rule_meta!(NO_YES);

    fn check_command(&self, _cx: &Context<'_>, at: &At<'_>, i: usize, out: &mut Emit<'_>) {
        let Some((c, _)) = install(at, i) else { return };
        let yes = c.has_flag('y', &["--yes", "--assume-yes"])
            || c.args()
                .iter()
                .any(|w| w.value == "-qq" || w.value == "-q=2" || w.value == "--quiet=2");
        if !yes {
            out.report(c.pos, "apt-get install without -y".to_owned());
        }
    }
}

/// `apt-get install` without `--no-install-recommends`.
pub struct Recommends;

static RECOMMENDS: CheckMeta = meta!(
    "MOAT-610", "dockerfile-apt-recommends", Low, "apt-get install without --no-install-recommends",
    rationale: "By default apt installs every recommended package too: often dozens of extra packages, each one more component to patch and more attack surface in the final image.",
    remediation: "Pass --no-install-recommends and list what is really needed.",
    fix: "RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5 \\\n && rm -rf /var/lib/apt/lists/*\n",
    refs: [BEST_PRACTICES, CIS_DOCKER, "https://github.com/hadolint/hadolint/wiki/DL3015"],
    frameworks: ["CIS-Docker-4.3", "hadolint:DL3015"],
);

impl Rule for Recommends {
    rule_meta!(RECOMMENDS);

    fn check_command(&self, _cx: &Context<'_>, at: &At<'_>, i: usize, out: &mut Emit<'_>) {
        let Some((c, _)) = install(at, i) else { return };
        let off = c.args().iter().any(|w| {
            w.value == "--no-install-recommends"
                || w.value
                    .to_ascii_lowercase()
                    .contains("install-recommends=false")
                || w.value
                    .to_ascii_lowercase()
                    .contains("install-recommends=0")
        });
        if !off {
            out.report(
                c.pos,
                "apt-get install without --no-install-recommends".to_owned(),
            );
        }
    }
}

/// `apt-get install` in the final stage without deleting `/var/lib/apt/lists`.
pub struct ListsKept;

static LISTS: CheckMeta = meta!(
    "MOAT-611", "dockerfile-apt-lists-kept", Low, "apt lists not removed after install",
    rationale: "apt-get update downloads package indexes (tens of MB) into /var/lib/apt/lists; unless they are deleted in the same RUN they stay in a layer of the shipped image, and stale indexes invite later installs of outdated packages.",
    remediation: "End the RUN that installs with `rm -rf /var/lib/apt/lists/*`, or use a cache mount for /var/lib/apt and /var/cache/apt. Only the final stage is judged: earlier stages are not shipped.",
    fix: "RUN apt-get update \\\n && apt-get install -y --no-install-recommends tini=0.19.0-1 \\\n && rm -rf /var/lib/apt/lists/*\n",
    refs: [BEST_PRACTICES, "https://github.com/hadolint/hadolint/wiki/DL3009", "https://docs.docker.com/build/cache/optimize/#use-cache-mounts"],
    frameworks: ["hadolint:DL3009"],
);

impl Rule for ListsKept {
    rule_meta!(LISTS);

    fn check_command(&self, cx: &Context<'_>, at: &At<'_>, i: usize, out: &mut Emit<'_>) {
        let Some((c, _)) = install(at, i) else { return };
        if !in_final(cx, at) || cache_mount(at.instr, &["/var/lib/apt"]) {
            return;
        }
        if !runs_with(at.commands, "rm", &["/var/lib/apt/lists"]) {
            out.report(
                c.pos,
                "apt-get install without `rm -rf /var/lib/apt/lists/*` in the same RUN".to_owned(),
            );
        }
    }
}

/// `apt-get upgrade` / `dist-upgrade`.
pub struct Upgrade;

static UPGRADE: CheckMeta = meta!(
    "MOAT-612", "dockerfile-apt-upgrade", Low, "apt-get upgrade in a Dockerfile",
    rationale: "Upgrading every package inside the build makes the image differ from its base in unreviewed ways, is not reproducible, and hides that the base image itself is outdated; dist-upgrade can even change the release.",
    remediation: "Rebuild on a newer patched base image tag instead, and install only specific pinned packages.",
    fix: "FROM debian:12.6-slim\nRUN apt-get update && apt-get install -y --no-install-recommends openssl=3.0.13-1~deb12u1 \\\n && rm -rf /var/lib/apt/lists/*\n",
    refs: [BEST_PRACTICES],
    frameworks: [],
);

impl Rule for Upgrade {
    rule_meta!(UPGRADE);

    fn check_command(&self, _cx: &Context<'_>, at: &At<'_>, i: usize, out: &mut Emit<'_>) {
        let Some(c) = at.commands.get(i) else { return };
        if !is_apt(c) {
            return;
        }
        if let Some((sub @ ("upgrade" | "dist-upgrade" | "full-upgrade"), _)) = subcommand(c) {
            out.report(
                c.pos,
                format!(
                    "`{} {sub}` upgrades the whole base image",
                    c.program().unwrap_or_default()
                ),
            );
        }
    }
}

/// `apt-get update` (or `apk update`) in a RUN that installs nothing.
pub struct UpdateAlone;

static UPDATE_ALONE: CheckMeta = meta!(
    "MOAT-613", "dockerfile-update-alone", Medium, "Package index update in a RUN of its own",
    rationale: "A RUN with only `apt-get update` is cached as its own layer: later edits to the install line reuse the stale index from the cache, so builds install outdated (possibly vulnerable) versions or fail when they disappear from the mirror.",
    remediation: "Update and install in the same RUN.",
    fix: "RUN apt-get update && apt-get install -y --no-install-recommends git=1:2.39.2-1.1 \\\n && rm -rf /var/lib/apt/lists/*\n",
    refs: [BEST_PRACTICES, CIS_DOCKER],
    frameworks: ["CIS-Docker-4.7", "checkov:CKV_DOCKER_5"],
);

impl Rule for UpdateAlone {
    rule_meta!(UPDATE_ALONE);

    fn check_command(&self, _cx: &Context<'_>, at: &At<'_>, i: usize, out: &mut Emit<'_>) {
        let Some(c) = at.commands.get(i) else { return };
        let family: &[&str] = match c.program() {
            Some("apt-get" | "apt") => &["apt-get", "apt"],
            Some("apk") => &["apk"],
            _ => return,
        };
        if subcommand(c).is_some_and(|(s, _)| s == "update")
            && !runs_sub(
                at.commands,
                family,
                &["install", "add", "upgrade", "dist-upgrade"],
            )
        {
            out.report(
                c.pos,
                format!(
                    "`{} update` without an install in the same RUN",
                    c.program().unwrap_or_default()
                ),
            );
        }
    }
}

/// `apt-get install pkg` without `=version`.
pub struct Unpinned;

static UNPINNED: CheckMeta = meta!(
    "MOAT-617", "dockerfile-apt-unpinned", Low, "apt packages not pinned to a version",
    rationale: "Unpinned packages install whatever the mirror has on build day: rebuilds differ, a regression or a compromised package arrives silently, and the image cannot be reproduced for an investigation.",
    remediation: "Pin each package with `name=version` (and let a bot update the pins).",
    fix: "RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5 ca-certificates=20230311 \\\n && rm -rf /var/lib/apt/lists/*\n",
    refs: [BEST_PRACTICES, "https://github.com/hadolint/hadolint/wiki/DL3008"],
    frameworks: ["hadolint:DL3008"],
);

impl Rule for Unpinned {
    rule_meta!(UNPINNED);

    fn check_command(&self, _cx: &Context<'_>, at: &At<'_>, i: usize, out: &mut Emit<'_>) {
        let Some((c, pkgs)) = install(at, i) else {
            return;
        };
        let loose: Vec<&str> = pkgs
            .into_iter()
            .filter(|p| !p.contains('=') && !is_path_or_url(p))
            .collect();
        if !loose.is_empty() {
            out.report(
                c.pos,
                format!(
                    "apt packages without a pinned version: {}",
                    loose.join(", ")
                ),
            );
        }
    }
}

/// `apt` (the interactive front end) in a script.
pub struct AptNotAptGet;

static APT: CheckMeta = meta!(
    "MOAT-643", "dockerfile-apt-cli", Info, "apt used instead of apt-get",
    rationale: "The apt command is meant for people: its output and behaviour may change between releases and it warns that it has no stable CLI interface. Scripts should use apt-get or apt-cache.",
    remediation: "Use apt-get (install, update) and apt-cache (search, show).",
    fix: "RUN apt-get update && apt-get install -y --no-install-recommends jq=1.6-2.1 && rm -rf /var/lib/apt/lists/*\n",
    refs: ["https://manpages.debian.org/bookworm/apt/apt.8.en.html", "https://github.com/hadolint/hadolint/wiki/DL3027"],
    frameworks: ["hadolint:DL3027", "checkov:CKV_DOCKER_9"],
);

impl Rule for AptNotAptGet {
    rule_meta!(APT);

    fn check_command(&self, _cx: &Context<'_>, at: &At<'_>, i: usize, out: &mut Emit<'_>) {
        let Some(c) = at.commands.get(i) else { return };
        if c.program() == Some("apt") {
            out.report(
                c.pos,
                "`apt` has no stable command-line interface; use apt-get".to_owned(),
            );
        }
    }
}
