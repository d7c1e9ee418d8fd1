//! The eBPF sensor end to end on real containers: the sensor attached with Falco's default,
//! incubating and sandbox rules while Debian's `runc` runs busybox containers that spawn a
//! terminal shell, read `/etc/shadow`, write below `/etc`, connect to 127.0.0.1, open a
//! netcat reverse shell, `ptrace` a sibling, `chmod +s` and download-and-exec a binary.
//! Each must raise its rule with the container's ID, the acting process's command line
//! and parent; the benign lookalikes (in containers and on the host) must raise none of
//! them. The scenario table is in `docs/sensor-tests.md`.
//!
//! Needs the `bpf` feature, root, BTF, and runc, busybox-static, cc and script
//! (scripts/setup-test-deps); elsewhere it says why it is skipped.
#![cfg(all(feature = "bpf", target_os = "linux"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use moat_sensor::Plan;
use support::observe::{Seen, engine, observe};
use support::runc::{Container, Network};
use support::scenarios::{self, Performed};

/// The rules a container attack raises; none of them may fire on a lookalike.
const CONTAINER_RULES: &[&str] = &[
    "Terminal shell in container",
    "Read sensitive file untrusted",
    "Write below etc",
    "Netcat Remote Code Execution in Container",
    "Redirect STDOUT/STDIN to Network Connection in Container",
    "PTRACE attached to process",
    "Set Setuid or Setgid bit",
    "Drop and execute new binary in container",
];

/// Whether `s` is an event of the process that acted in `p`: same container, same
/// command line. Busybox's shell runs an applet in a pipeline by executing
/// `/proc/self/exe` with the applet as `argv[0]`, so the kernel's (and Falco's)
/// `proc.name` is then `exe`; `argv[0]` and the arguments identify the process too.
fn is_actor(s: &Seen, p: &Performed) -> bool {
    let cid = p.container_id.as_deref().unwrap_or("host");
    let by_argv = format!("{} {}", s.get("proc.exe"), s.get("proc.args"));
    s.get("container.id") == cid
        && (s.get("proc.cmdline") == p.cmdline || by_argv.trim_end() == p.cmdline)
}

/// The events of the process that acted in `p`.
fn acting<'a>(seen: &'a [Seen], p: &'a Performed) -> impl Iterator<Item = &'a Seen> + 'a {
    seen.iter().filter(move |s| is_actor(s, p))
}

/// Asserts that `rule` fired on an event of the process that acted in `p`, with its
/// container ID, command line and parent, and returns that event.
fn alerted<'a>(seen: &'a [Seen], p: &'a Performed, rule: &str) -> &'a Seen {
    let hit = acting(seen, p)
        .find(|s| s.alerts.iter().any(|a| a == rule))
        .unwrap_or_else(|| {
            let cid = p.container_id.as_deref().unwrap_or("host");
            let mine: Vec<_> = seen
                .iter()
                .filter(|s| s.get("container.id") == cid)
                .map(|s| {
                    format!(
                        "{} {} [{}] {:?}",
                        s.evt_type,
                        s.get("proc.cmdline"),
                        s.get("fd.name"),
                        s.alerts
                    )
                })
                .collect();
            panic!("{rule} did not fire for {p:?}; its events: {mine:#?}")
        });
    assert_eq!(hit.get("proc.pname"), p.pname, "{rule}: {hit:?}");
    assert!(
        [hit.get("proc.name"), hit.get("proc.exe")].contains(&p.proc_name.as_str()),
        "{rule}: {hit:?}"
    );
    hit
}

#[test]
#[allow(clippy::print_stderr, reason = "a skipped test says why")]
fn default_rules_fire_on_real_container_attacks_and_not_on_lookalikes() {
    if let Some(why) = support::observe::skip_reason().or_else(support::runc::skip_reason) {
        eprintln!("skipped: {why}");
        return;
    }
    let engine = engine(&[
        "falco_rules.yaml",
        "falco-incubating_rules.yaml",
        "falco-sandbox_rules.yaml",
    ]);
    let plan = Plan::for_engine(&engine);
    let private = Container::start(Network::Private).unwrap();
    let host_net = Container::start(Network::Host).unwrap();
    let calm = Container::start(Network::Private).unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let mut done = Vec::new();
    let mut benign = Vec::new();
    let seen = observe(&plan, engine, || {
        done.push(scenarios::terminal_shell(&private).unwrap());
        done.push(scenarios::read_shadow(&private).unwrap());
        done.push(scenarios::write_below_etc(&private).unwrap());
        done.push(scenarios::connect_localhost(&host_net).unwrap());
        done.push(scenarios::reverse_shell(&host_net).unwrap());
        done.push(scenarios::ptrace_sibling(&private).unwrap());
        done.push(scenarios::chmod_setuid(&private).unwrap());
        done.push(scenarios::download_and_exec(&host_net).unwrap());
        benign.extend(scenarios::benign_in_container(&calm).unwrap());
        benign.extend(scenarios::benign_on_host(scratch.path()).unwrap());
    });
    let [shell, shadow, etc, connect, netcat, ptrace, chmod, dropped] = done.as_slice() else {
        panic!("{done:?}")
    };

    alerted(&seen, shell, "Terminal shell in container");
    let hit = alerted(&seen, shadow, "Read sensitive file untrusted");
    assert_eq!(hit.get("fd.name"), "/etc/shadow");
    let hit = alerted(&seen, etc, "Write below etc");
    assert_eq!(Some(hit.get("fd.name")), etc.fd_name.as_deref());
    alerted(&seen, netcat, "Netcat Remote Code Execution in Container");
    alerted(&seen, ptrace, "PTRACE attached to process");
    // Busybox's shell runs `chmod` in a forked copy of itself, without an exec: the
    // acting process is `sh` in the container, as Falco would report it too.
    let hit = seen
        .iter()
        .find(|s| {
            Some(s.get("container.id")) == chmod.container_id.as_deref()
                && s.get("evt.arg.filename") == "/tmp/moat-suid"
                && s.alerts.iter().any(|a| a == "Set Setuid or Setgid bit")
        })
        .unwrap_or_else(|| panic!("Set Setuid or Setgid bit did not fire for {chmod:?}"));
    assert!(hit.get("evt.arg.mode").contains("S_ISUID"), "{hit:?}");
    assert_eq!(hit.get("proc.name"), "sh", "{hit:?}");
    let hit = alerted(&seen, dropped, "Drop and execute new binary in container");
    assert_eq!(hit.get("proc.exepath"), "/tmp/payload");

    // Loopback is not "outbound" for Falco: no rule, but the connect event carries the
    // container and the server's address.
    let port = connect.fd_sport.unwrap();
    let conn = acting(&seen, connect)
        .find(|s| s.evt_type == "connect" && s.get("fd.typechar") == "4")
        .unwrap_or_else(|| panic!("no connect event for {connect:?}"));
    assert_eq!(conn.get("fd.sip"), "127.0.0.1");
    assert_eq!(conn.get("fd.sport"), port.to_string());
    assert!(
        conn.get("fd.name")
            .ends_with(&format!("->127.0.0.1:{port}")),
        "{conn:?}"
    );

    // The lookalikes in their own container: no container rule fires there at all.
    let calm_alerts: Vec<_> = seen
        .iter()
        .filter(|s| s.get("container.id") == calm.short_id())
        .flat_map(|s| &s.alerts)
        .filter(|a| CONTAINER_RULES.contains(&a.as_str()))
        .collect();
    assert!(calm_alerts.is_empty(), "lookalikes raised {calm_alerts:?}");
    assert!(
        seen.iter()
            .any(|s| s.get("container.id") == calm.short_id() && s.evt_type == "execve"),
        "the sensor saw nothing of the lookalikes' container"
    );
    // On the host, the same actions as the attacks (terminal shell, netcat -e, a new
    // binary) are seen and raise none of the container rules.
    for p in benign.iter().filter(|p| p.container_id.is_none()) {
        assert!(
            acting(&seen, p).any(|s| s.evt_type == "execve"),
            "the sensor did not see {p:?}"
        );
        let fired: Vec<_> = acting(&seen, p)
            .flat_map(|s| &s.alerts)
            .filter(|a| CONTAINER_RULES.contains(&a.as_str()))
            .collect();
        assert!(fired.is_empty(), "{p:?} raised {fired:?}");
    }
}
