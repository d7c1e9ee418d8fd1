//! File modes: `MOAT-626` (world-writable) and `MOAT-627` (setuid/setgid bits), from
//! `chmod` in `RUN` and `COPY`/`ADD --chmod`.

use moat_core::CheckMeta;

use super::CIS_DOCKER;
use crate::rule::{At, Context, Emit, Rule};

/// What a mode grants: `(world writable, setuid/setgid)`.
pub fn mode_bits(mode: &str) -> (bool, bool) {
    if !mode.is_empty() && mode.len() <= 5 && mode.chars().all(|c| ('0'..='7').contains(&c)) {
        let digits: Vec<u32> = mode.chars().filter_map(|c| c.to_digit(8)).collect();
        let other = digits.last().copied().unwrap_or(0);
        let special = if digits.len() >= 4 {
            digits.get(digits.len() - 4).copied().unwrap_or(0)
        } else {
            0
        };
        let sticky = special & 1 != 0;
        return (other & 2 != 0 && !sticky, special & 6 != 0);
    }
    let mut ww = false;
    let mut suid = false;
    for clause in mode.split(',') {
        let Some(op_at) = clause.find(['+', '=']) else {
            continue;
        };
        let (who, perms) = clause.split_at(op_at);
        let perms = perms.get(1..).unwrap_or_default();
        let world = who.contains(['o', 'a']);
        if world && perms.contains('w') && !perms.contains('t') {
            ww = true;
        }
        if perms.contains('s') && !who.contains('o') {
            suid = true;
        }
    }
    (ww, suid)
}

/// `(mode, position)` values set by an instruction: chmod modes and `--chmod`.
fn modes<'a>(at: &'a At<'_>, i: Option<usize>) -> Vec<(&'a str, crate::Pos)> {
    match i {
        Some(i) => {
            let Some(c) = at.commands.get(i) else {
                return Vec::new();
            };
            if c.program() != Some("chmod") {
                return Vec::new();
            }
            c.operands()
                .next()
                .map(|w| (w.value.as_str(), c.pos))
                .into_iter()
                .collect()
        }
        None => at
            .instr
            .flag("chmod")
            .and_then(|f| f.value.as_deref().map(|v| (v, f.pos)))
            .into_iter()
            .collect(),
    }
}

/// World-writable files or directories.
pub struct WorldWritable;

static WW: CheckMeta = meta!(
    "MOAT-626", "dockerfile-world-writable", Medium, "World-writable permissions (chmod 777)",
    rationale: "chmod 777 (or o+w) lets every user in the container, including a compromised unprivileged process, replace binaries, scripts or configuration that the application later executes or trusts.",
    remediation: "Give ownership to the runtime user (COPY --chown / chown) and use 755 for directories and 644 for files; use 1777 only for scratch directories such as /tmp.",
    fix: "COPY --chown=10001:10001 --chmod=755 entrypoint.sh /usr/local/bin/entrypoint.sh\n",
    refs: ["https://docs.docker.com/reference/dockerfile/#copy---chown---chmod", CIS_DOCKER],
    frameworks: [],
);

impl Rule for WorldWritable {
    rule_meta!(WW);

    fn check_instruction(&self, _cx: &Context<'_>, at: &At<'_>, out: &mut Emit<'_>) {
        for (m, pos) in modes(at, None) {
            if mode_bits(m).0 {
                out.report(pos, format!("--chmod={m} makes the files world-writable"));
            }
        }
    }

    fn check_command(&self, _cx: &Context<'_>, at: &At<'_>, i: usize, out: &mut Emit<'_>) {
        for (m, pos) in modes(at, Some(i)) {
            if mode_bits(m).0 {
                out.report(pos, format!("chmod {m} makes files world-writable"));
            }
        }
    }
}

/// setuid/setgid bits added.
pub struct Setuid;

static SUID: CheckMeta = meta!(
    "MOAT-627", "dockerfile-setuid", Medium, "setuid or setgid bit set",
    rationale: "A setuid/setgid binary runs with its owner's (usually root's) privileges whoever starts it; in a container it is a ready-made privilege escalation from the unprivileged runtime user, and it defeats runAsNonRoot's intent.",
    remediation: "Do not add setuid/setgid bits; grant the specific capability the program needs (setcap, or the pod's capabilities) or redesign. Run with allowPrivilegeEscalation: false in Kubernetes.",
    fix: "RUN setcap cap_net_bind_service=+ep /usr/local/bin/server\n",
    refs: [CIS_DOCKER, "https://man7.org/linux/man-pages/man2/execve.2.html"],
    frameworks: ["CIS-Docker-4.8"],
);

impl Rule for Setuid {
    rule_meta!(SUID);

    fn check_instruction(&self, _cx: &Context<'_>, at: &At<'_>, out: &mut Emit<'_>) {
        for (m, pos) in modes(at, None) {
            if mode_bits(m).1 {
                out.report(pos, format!("--chmod={m} sets the setuid/setgid bit"));
            }
        }
    }

    fn check_command(&self, _cx: &Context<'_>, at: &At<'_>, i: usize, out: &mut Emit<'_>) {
        for (m, pos) in modes(at, Some(i)) {
            if mode_bits(m).1 {
                out.report(pos, format!("chmod {m} sets the setuid/setgid bit"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::mode_bits;

    #[test]
    fn modes() {
        assert_eq!(mode_bits("777"), (true, false));
        assert_eq!(mode_bits("0777"), (true, false));
        assert_eq!(mode_bits("1777"), (false, false));
        assert_eq!(mode_bits("4755"), (false, true));
        assert_eq!(mode_bits("755"), (false, false));
        assert_eq!(mode_bits("a+rwx"), (true, false));
        assert_eq!(mode_bits("u+s"), (false, true));
        assert_eq!(mode_bits("+x"), (false, false));
        assert_eq!(mode_bits("go-w"), (false, false));
    }
}
