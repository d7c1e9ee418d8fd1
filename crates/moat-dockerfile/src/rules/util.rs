//! Helpers shared by rules: image references, package-manager invocations, cache mounts.

use crate::ast::{Instruction, Keyword};
use crate::rule::At;
use crate::shell::{Command, Op};

/// `(tag, has digest)` of an image reference; registry ports are not tags.
pub fn image_tag(image: &str) -> (Option<&str>, bool) {
    let (name, digest) = match image.split_once('@') {
        Some((n, _)) => (n, true),
        None => (image, false),
    };
    let last = name.rsplit('/').next().unwrap_or(name);
    (last.rsplit_once(':').map(|(_, t)| t), digest)
}

/// The subcommand of a package manager (`install` of `apt-get -y install x`) and the
/// operands after it.
pub fn subcommand(cmd: &Command) -> Option<(&str, Vec<&str>)> {
    let mut ops = Vec::new();
    let mut skip = false;
    for w in cmd.args() {
        let v = w.value.as_str();
        if skip {
            skip = false;
        } else if v.starts_with('-') {
            skip = ARG_OPTS.contains(&v);
        } else {
            ops.push(v);
        }
    }
    let mut it = ops.into_iter();
    let sub = it.next()?;
    Some((sub, it.collect()))
}

/// Package-manager options that take a separate value.
const ARG_OPTS: &[&str] = &[
    "-o",
    "-c",
    "-t",
    "-X",
    "--option",
    "--config-file",
    "--target-release",
    "--default-release",
    "--repository",
    "--virtual",
    "--root",
    "--arch",
    "--setopt",
    "--enablerepo",
    "--disablerepo",
    "--installroot",
    "--releasever",
];

/// The program and the args when `cmd` runs pip (`pip3 install`, `python -m pip install`).
pub fn pip_args(cmd: &Command) -> Option<&[crate::ast::Word]> {
    let prog = cmd.program()?;
    let args = cmd.args();
    if prog.starts_with("pip")
        && prog
            .trim_start_matches("pip")
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.')
    {
        return Some(args);
    }
    if prog.starts_with("python") {
        let m = args.iter().position(|w| w.value == "-m")?;
        if args.get(m + 1).is_some_and(|w| w.value == "pip") {
            return args.get(m + 2..);
        }
    }
    None
}

/// Whether the `RUN` has a cache mount whose target starts with one of `prefixes`.
pub fn cache_mount(instr: &Instruction, prefixes: &[&str]) -> bool {
    instr.mounts().any(|m| {
        m.kind == "cache"
            && m.target()
                .is_some_and(|t| prefixes.iter().any(|p| t.starts_with(p)))
    })
}

/// Whether another command of the same `RUN` runs `program` with an operand starting
/// with one of `prefixes` (e.g. `rm -rf /var/lib/apt/lists/*`).
pub fn runs_with(commands: &[Command], program: &str, prefixes: &[&str]) -> bool {
    commands.iter().any(|c| {
        c.program() == Some(program)
            && c.operands()
                .any(|w| prefixes.iter().any(|p| w.value.starts_with(p)))
    })
}

/// Whether some command of the `RUN` is `program sub…` (e.g. `apt-get clean`).
pub fn runs_sub(commands: &[Command], programs: &[&str], subs: &[&str]) -> bool {
    commands.iter().any(|c| {
        c.program().is_some_and(|p| programs.contains(&p))
            && subcommand(c).is_some_and(|(s, _)| subs.contains(&s))
    })
}

/// The instruction is in the final stage and at the top level (not `ONBUILD`).
pub fn in_final(cx: &crate::rule::Context<'_>, at: &At<'_>) -> bool {
    cx.is_final(at.stage) && !at.onbuild
}

/// The command after `i` if `i` pipes into it.
pub fn piped_into(commands: &[Command], i: usize) -> Option<&Command> {
    let c = commands.get(i)?;
    (c.after == Op::Pipe).then(|| commands.get(i + 1)).flatten()
}

/// `apt-get` or `apt`.
pub fn is_apt(cmd: &Command) -> bool {
    matches!(cmd.program(), Some("apt-get" | "apt"))
}

/// The `RUN` instructions of a stage body.
pub fn is_run(instr: &Instruction) -> bool {
    instr.keyword == Keyword::Run
}

/// Whether an operand looks like a local path, URL or archive rather than a package name.
pub fn is_path_or_url(s: &str) -> bool {
    s.starts_with(['.', '/', '~', '$'])
        || s.contains("://")
        || s.starts_with("git+")
        || s.starts_with("file:")
        || [
            ".whl", ".tar.gz", ".tgz", ".zip", ".deb", ".rpm", ".apk", ".txt",
        ]
        .iter()
        .any(|e| s.ends_with(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags() {
        assert_eq!(image_tag("nginx"), (None, false));
        assert_eq!(image_tag("host:5000/app"), (None, false));
        assert_eq!(image_tag("host:5000/app:1.2"), (Some("1.2"), false));
        assert_eq!(image_tag("app:1@sha256:ab"), (Some("1"), true));
    }
}
