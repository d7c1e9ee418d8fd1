//! Real containers (Debian's `runc`, a busybox root filesystem on overlayfs) performing
//! the actions the eBPF sensor must detect, and benign lookalikes. Today these tests prove
//! each action really happens and record the Falco fields an alert must carry; once the
//! sensor runs beside them they become its end-to-end tests (`docs/sensor-tests.md`).
//!
//! They need root, `runc`, `busybox-static`, `cc` and `script` (scripts/setup-test-deps)
//! and print why when they skip.

mod support;

use support::runc::{CGROUP_PARENT, Container, Network, skip_reason, work_dir};
use support::scenarios::{self, Performed};

/// Starts a container, or says why the test is skipped.
#[allow(clippy::print_stderr, reason = "a skipped test says why")]
fn container(network: Network) -> Option<Container> {
    if let Some(reason) = skip_reason() {
        eprintln!("skipped: {reason}");
        return None;
    }
    Some(Container::start(network).unwrap_or_else(|e| panic!("start container: {e}")))
}

fn assert_in(ct: &Container, p: &Performed) {
    assert_eq!(p.container_id.as_deref(), Some(ct.short_id()), "{p:?}");
    assert_eq!(ct.short_id().len(), 12);
}

#[test]
fn container_cgroups_on_this_host() {
    let Some(ct) = container(Network::Private) else {
        return;
    };
    let expected = format!("{CGROUP_PARENT}/{}", ct.id());
    assert_eq!(ct.id().len(), 64);
    assert!(ct.id().bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(ct.init_pid() > 1);
    // Every hierarchy (v1 controllers, name=systemd, and the unified v2 one on hybrid
    // hosts) puts the container at cgroupsPath.
    assert!(!ct.cgroups().is_empty());
    for line in ct.cgroups() {
        assert_eq!(line.path, expected, "{line:?}");
    }
    if std::path::Path::new("/sys/fs/cgroup/unified").is_dir()
        || std::path::Path::new("/sys/fs/cgroup/cgroup.controllers").is_file()
    {
        assert_eq!(ct.cgroup_path(""), Some(expected.as_str()));
    }
    for line in ct.cgroups() {
        eprintln!("{}:{}:{}", line.hierarchy, line.controllers, line.path);
    }
    // The container sees its own PID namespace: its init is PID 1.
    let out = ct
        .exec_ok(&["sh", "-c", "echo $$; cat /proc/1/comm"])
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(text.ends_with("sleep\n"), "{text:?}");
    // The container's cgroup directories exist on the host, and vanish with the container.
    let dirs: Vec<_> = std::fs::read_dir("/sys/fs/cgroup")
        .unwrap()
        .flatten()
        .map(|e| e.path().join(expected.trim_start_matches('/')))
        .filter(|p| p.is_dir())
        .collect();
    assert!(!dirs.is_empty());
    let rootfs = ct.rootfs().to_path_buf();
    let id = ct.id().to_owned();
    drop(ct);
    for dir in dirs {
        assert!(!dir.exists(), "{} left behind", dir.display());
    }
    assert!(!rootfs.exists());
    let list = std::process::Command::new("runc")
        .arg("list")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&list.stdout).contains(&id));
}

#[test]
fn terminal_shell() {
    let Some(ct) = container(Network::Private) else {
        return;
    };
    let p = scenarios::terminal_shell(&ct).unwrap();
    assert_in(&ct, &p);
    assert_eq!((p.proc_name.as_str(), p.pname.as_str()), ("sh", "runc"));
}

#[test]
fn read_shadow() {
    let Some(ct) = container(Network::Private) else {
        return;
    };
    let p = scenarios::read_shadow(&ct).unwrap();
    assert_in(&ct, &p);
    assert_eq!(p.fd_name.as_deref(), Some("/etc/shadow"));
}

#[test]
fn write_below_etc() {
    let Some(ct) = container(Network::Private) else {
        return;
    };
    let p = scenarios::write_below_etc(&ct).unwrap();
    assert_in(&ct, &p);
    assert_eq!(p.proc_name, "tee");
}

#[test]
fn connect_and_reverse_shell_to_host_localhost() {
    let Some(ct) = container(Network::Host) else {
        return;
    };
    let connect = scenarios::connect_localhost(&ct).unwrap();
    assert_in(&ct, &connect);
    assert_eq!(connect.fd_sip, Some([127, 0, 0, 1].into()));
    let shell = scenarios::reverse_shell(&ct).unwrap();
    assert_in(&ct, &shell);
    assert_eq!(shell.proc_name, "nc");
    assert_ne!(shell.fd_sport, connect.fd_sport);
}

#[test]
fn network_scenarios_refuse_a_private_network() {
    let Some(ct) = container(Network::Private) else {
        return;
    };
    let err = scenarios::connect_localhost(&ct).unwrap_err();
    assert!(err.0.contains("host network"), "{err}");
}

#[test]
fn ptrace_sibling() {
    let Some(ct) = container(Network::Private) else {
        return;
    };
    let p = scenarios::ptrace_sibling(&ct).unwrap();
    assert_in(&ct, &p);
    assert!(p.cmdline.starts_with("ptrace-attach "), "{p:?}");
}

#[test]
fn chmod_setuid() {
    let Some(ct) = container(Network::Private) else {
        return;
    };
    let p = scenarios::chmod_setuid(&ct).unwrap();
    assert_in(&ct, &p);
}

#[test]
fn download_and_exec() {
    let Some(ct) = container(Network::Host) else {
        return;
    };
    let p = scenarios::download_and_exec(&ct).unwrap();
    assert_in(&ct, &p);
    // Written by the container: in its upper layer, absent from the shared base.
    assert!(ct.upper().join("tmp/payload").is_file());
    assert!(
        !support::runc::base_rootfs()
            .unwrap()
            .join("tmp/payload")
            .exists()
    );
}

#[test]
fn benign_lookalikes() {
    let Some(ct) = container(Network::Private) else {
        return;
    };
    let inside = scenarios::benign_in_container(&ct).unwrap();
    assert_eq!(inside.len(), 5);
    for p in &inside {
        assert_in(&ct, p);
    }
    let scratch = work_dir().join(format!("host-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let on_host = scenarios::benign_on_host(&scratch);
    std::fs::remove_dir_all(&scratch).unwrap();
    let on_host = on_host.unwrap();
    assert_eq!(on_host.len(), 3);
    assert!(on_host.iter().all(|p| p.container_id.is_none()));
}

#[test]
fn a_failing_action_is_reported() {
    let Some(ct) = container(Network::Private) else {
        return;
    };
    let err = ct.exec_ok(&["cat", "/etc/no-such-file"]).unwrap_err();
    assert!(err.0.contains("no-such-file"), "{err}");
}
