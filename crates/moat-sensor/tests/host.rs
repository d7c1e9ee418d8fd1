//! The sensor on this host: attach, run real programs, assert the events and fields the
//! default rules read, and the alerts they raise. Needs the `bpf` feature, root and a
//! kernel with BTF; elsewhere each test says why it is skipped and returns.
#![cfg(all(feature = "bpf", target_os = "linux"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::process::{Command, Stdio};

use moat_sensor::Plan;
use support::observe::{Seen, default_engine, observe, skip_reason};

/// Runs a program to completion with its output discarded (one of them reads
/// `/etc/shadow`, which has no place in test logs) and returns its pid.
fn run(cmd: &str, args: &[&str]) -> u32 {
    let mut child = Command::new(cmd)
        .args(args)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

#[test]
fn exec_open_connect_ptrace_chmod_on_the_host() {
    if let Some(why) = skip_reason() {
        eprintln!("skipped: {why}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("suid-me");
    std::fs::write(&target, "x").unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut pids = Vec::new();
    let seen = observe(&Plan::all(), default_engine(), || {
        pids.push(run("/bin/cat", &["/etc/shadow"]));
        pids.push(run(
            "/bin/bash",
            &["-c", &format!("exec 3<>/dev/tcp/127.0.0.1/{port}")],
        ));
        pids.push(run("/bin/chmod", &["u+s", target.to_str().unwrap()]));
        // ptrace: a traced sleep child attaches to its own child.
        pids.push(run(
            "/usr/bin/python3",
            &[
                "-c",
                "import ctypes,subprocess,time\n\
                 p=subprocess.Popen(['sleep','5'])\n\
                 libc=ctypes.CDLL(None,use_errno=True)\n\
                 libc.ptrace(16,p.pid,0,0)\n\
                 time.sleep(0.1)\n\
                 p.kill()",
            ],
        ));
        // A shell that forks a child (the sensor's own forks are its activity, dropped).
        pids.push(run("/bin/sh", &["-c", "/bin/true; exit 0"]));
        // The test process itself (the sensor's process) is never reported.
        let _ = std::fs::read("/etc/hostname");
    });
    let me = std::process::id();
    assert!(seen.iter().all(|s| s.pid != me), "own activity dropped");

    let by = |pid: u32, ty: &str| -> Vec<&Seen> {
        seen.iter()
            .filter(|s| s.pid == pid && s.evt_type == ty)
            .collect()
    };
    // exec + open of /etc/shadow
    let exec = by(pids[0], "execve");
    let exec = exec.first().expect("execve of cat");
    assert_eq!(exec.get("proc.cmdline"), "cat /etc/shadow");
    assert_eq!(exec.get("proc.exepath"), "/usr/bin/cat");
    assert_eq!(exec.get("user.uid"), "0");
    assert_eq!(exec.get("user.name"), "root");
    assert_eq!(exec.get("container.id"), "host");
    assert!(!exec.get("proc.pname").is_empty());
    assert!(exec.get("thread.cap_effective").contains("CAP_SYS_ADMIN"));
    let open = by(pids[0], "openat");
    let open = open
        .iter()
        .find(|s| s.get("fd.name") == "/etc/shadow")
        .expect("openat of /etc/shadow");
    assert_eq!(open.get("evt.is_open_read"), "true");
    assert_eq!(open.get("fd.typechar"), "f");
    assert!(open.get("evt.arg.flags").starts_with("O_RDONLY"));
    assert_eq!(open.alerts, ["Read sensitive file untrusted"]);

    // connect from bash to our listener (glibc may first try a unix socket such as
    // nscd's while resolving; that connect is reported too, and not the one asserted)
    let conns = by(pids[1], "connect");
    let conn = conns
        .iter()
        .find(|s| s.get("fd.typechar") == "4")
        .unwrap_or_else(|| panic!("inet connect of bash among {conns:?}"));
    let name = conn.get("fd.name");
    assert!(
        name.starts_with("127.0.0.1:") && name.ends_with(&format!("->127.0.0.1:{port}")),
        "{name}"
    );
    assert_eq!(conn.get("fd.sip"), "127.0.0.1");
    assert_eq!(conn.get("fd.sport"), port.to_string());
    assert_eq!(conn.get("fd.l4proto"), "tcp");
    assert_eq!(conn.get("fd.typechar"), "4");
    assert_eq!(conn.get("evt.res"), "SUCCESS");

    // chmod u+s
    let chmod = seen
        .iter()
        .find(|s| s.pid == pids[2] && s.evt_type.starts_with("fchmodat"))
        .expect("fchmodat of chmod");
    assert_eq!(chmod.get("evt.arg.filename"), target.to_str().unwrap());
    assert!(chmod.get("evt.arg.mode").contains("S_ISUID"), "{chmod:?}");

    // ptrace attach
    let pt = by(pids[3], "ptrace");
    let pt = pt.first().expect("ptrace of python");
    assert_eq!(pt.get("evt.arg.request"), "PTRACE_ATTACH");
    assert!(
        pt.alerts.iter().any(|a| a == "PTRACE attached to process"),
        "{:?}",
        pt.alerts
    );
    // fork and exit are seen too
    let sh = pids[4].to_string();
    let forked = seen
        .iter()
        .find(|s| s.evt_type == "clone" && s.get("proc.ppid") == sh)
        .expect("clone of sh");
    assert!(seen.iter().any(|s| s.evt_type == "execve"
        && s.pid == forked.pid
        && s.get("proc.pname") == "sh"
        && s.get("proc.exepath") == "/usr/bin/true"));
    assert!(
        seen.iter()
            .any(|s| s.evt_type == "procexit" && s.pid == pids[0])
    );
    drop(listener);
}

/// Each CPU has its own ring buffer; user space merges them by timestamp. Two shells
/// pinned to different CPUs fork and exec at once, and the children may run anywhere:
/// every event must still arrive in time order, and every child's fork before its exec
/// and its exec before its exit (otherwise `proc.pname` would be wrong).
#[test]
fn events_from_every_cpu_arrive_in_time_order() {
    if let Some(why) = skip_reason() {
        eprintln!("skipped: {why}");
        return;
    }
    let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let loop_on = |cpu: usize| {
        Command::new("/usr/bin/taskset")
            .args([
                "-c",
                &(cpu % cpus).to_string(),
                "/bin/sh",
                "-c",
                "i=0; while [ $i -lt 100 ]; do /bin/true; i=$((i+1)); done",
            ])
            .spawn()
            .unwrap()
    };
    let mut shells = Vec::new();
    let seen = observe(&Plan::all(), default_engine(), || {
        let mut children = [loop_on(0), loop_on(1)];
        for c in &mut children {
            shells.push(c.id());
            c.wait().unwrap();
        }
    });
    let times: Vec<u64> = seen
        .iter()
        .map(|s| s.get("evt.rawtime").parse().unwrap())
        .collect();
    let disorder = times.windows(2).filter(|w| w[1] < w[0]).count();
    assert_eq!(disorder, 0, "events out of time order");
    let mut trues = 0;
    for shell in &shells {
        let forks: Vec<(usize, u32)> = seen
            .iter()
            .enumerate()
            .filter(|(_, s)| s.evt_type == "clone" && s.get("proc.ppid") == shell.to_string())
            .map(|(i, s)| (i, s.pid))
            .collect();
        for (at, pid) in forks {
            let exec = seen
                .iter()
                .position(|s| s.pid == pid && s.evt_type == "execve")
                .unwrap_or_else(|| panic!("execve of child {pid}"));
            let exit = seen
                .iter()
                .position(|s| s.pid == pid && s.evt_type == "procexit")
                .unwrap_or_else(|| panic!("exit of child {pid}"));
            assert!(
                at < exec && exec < exit,
                "fork {at}, exec {exec}, exit {exit}"
            );
            assert_eq!(seen[exec].get("proc.pname"), "sh");
            assert_eq!(seen[exec].get("proc.exepath"), "/usr/bin/true");
            trues += 1;
        }
    }
    assert_eq!(trues, 200, "every /bin/true seen");
}

/// The in-kernel path filter of the default rules: plain paths no rule can match (relative
/// ones joined to the working directory in the kernel) never leave the kernel; matching
/// and unusual paths do.
#[test]
fn opens_no_rule_can_match_are_dropped_in_the_kernel() {
    if let Some(why) = skip_reason() {
        eprintln!("skipped: {why}");
        return;
    }
    let engine = default_engine();
    let plan = Plan::for_engine(&engine);
    assert!(
        matches!(plan.open_filter, moat_sensor::OpenFilter::Paths(_)),
        "{:?}",
        plan.open_filter
    );
    // `true` (not `:`, a special built-in) so that a failed redirection does not end sh.
    let script = "cd /etc; for f in /dev/null /etc/shadow shadow hostname . ./hostname \
                  /tmp/../etc/hostname /etc/hostname //etc/hostname \
                  /var/log/moat-none/syslog /root/.moat-none /etc/pam.d/; do true < $f; done 2>/dev/null; \
                  cd /etc/pam.d && true < other";
    // Paths relative to a directory descriptor are joined to its directory.
    let py = "import os\n\
              d = os.open('/etc', os.O_RDONLY | os.O_DIRECTORY)\n\
              for name in ('shadow', 'hostname'):\n    os.close(os.open(name, os.O_RDONLY, dir_fd=d))";
    let (mut pid, mut py_pid) = (0, 0);
    let seen = observe(&plan, engine, || {
        let mut child = Command::new("/bin/sh")
            .args(["-c", script])
            .current_dir("/usr")
            .spawn()
            .unwrap();
        pid = child.id();
        child.wait().unwrap();
        py_pid = run("/usr/bin/python3", &["-c", py]);
    });
    let by_dirfd: Vec<&str> = seen
        .iter()
        .filter(|s| s.pid == py_pid && s.evt_type == "openat")
        .map(|s| s.get("fd.name"))
        .filter(|n| n.starts_with("/etc/"))
        .collect();
    assert_eq!(
        by_dirfd,
        ["/etc/shadow"],
        "relative to a descriptor of /etc"
    );
    // No chdir is recorded: the exec record carries the working directory.
    assert!(
        !plan.syscalls.iter().any(|s| s.name == "chdir"),
        "{:?}",
        plan.syscalls
    );
    let exec = seen
        .iter()
        .find(|s| s.pid == pid && s.evt_type == "execve")
        .expect("exec of sh");
    assert_eq!(exec.get("proc.cwd"), "/usr/");
    let opened: Vec<(&str, &str)> = seen
        .iter()
        .filter(|s| s.pid == pid && s.evt_type.starts_with("open"))
        .map(|s| (s.get("fd.name"), s.get("evt.res")))
        .collect();
    let names: Vec<&str> = opened.iter().map(|(n, _)| *n).collect();
    for kept in [
        "/etc/pam.d/other",          // relative, joined to the working directory: a prefix
        "/tmp/../etc/hostname",      // `..`: always kept (as passed: absolute paths are
        "//etc/hostname",            // `//`: not normalised)
        "/var/log/moat-none/syslog", // below a log directory (prefix), failed open
        "/root/.moat-none",          // `/.`: always kept
        "/etc/pam.d/",               // trailing `/`: always kept
    ] {
        assert!(names.contains(&kept), "{kept} missing from {opened:?}");
    }
    let count = |name: &str| names.iter().filter(|n| **n == name).count();
    assert_eq!(
        count("/etc/shadow"),
        2,
        "absolute and relative (`shadow` in /etc) opens of a sensitive file: {opened:?}"
    );
    assert_eq!(
        count("/etc/hostname"),
        1,
        "only `./hostname` (unusual) kept; plain, relative `hostname` dropped: {opened:?}"
    );
    assert_eq!(count("/etc"), 0, "`.` in /etc dropped: {opened:?}");
    for dropped in ["/dev/null", "/etc/ld.so.cache"] {
        assert!(!names.contains(&dropped), "{dropped} kept: {opened:?}");
    }
    assert!(
        !names
            .iter()
            .any(|n| n.starts_with("/lib") || n.starts_with("/usr/lib")),
        "shared libraries kept: {opened:?}"
    );
}

/// A 32-bit compat system call numbers calls differently (ia32 42 is `pipe`, x86-64 42 is
/// `connect`): it must not come out as a bogus `connect`.
#[test]
fn compat_system_calls_are_not_misread() {
    if let Some(why) = skip_reason() {
        eprintln!("skipped: {why}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("ia32.c");
    std::fs::write(
        &src,
        "#define _GNU_SOURCE\n#include <sys/mman.h>\n\
         int main(void) {\n\
           int *fds = mmap(0, 4096, PROT_READ | PROT_WRITE,\n\
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);\n\
           long ret;\n\
           __asm__ volatile(\"int $0x80\" : \"=a\"(ret) : \"a\"(42L), \"b\"((long)fds) : \"memory\");\n\
           return ret != 0;\n\
         }\n",
    )
    .unwrap();
    let exe = dir.path().join("ia32");
    match Command::new("cc").arg("-o").arg(&exe).arg(&src).status() {
        Ok(s) if s.success() => {}
        other => {
            eprintln!("skipped: no C compiler to build the int 0x80 helper ({other:?})");
            return;
        }
    }
    let mut pid = 0;
    let mut ok = false;
    let seen = observe(&Plan::for_types(["connect"]), default_engine(), || {
        let mut child = Command::new(&exe).spawn().unwrap();
        pid = child.id();
        ok = child.wait().unwrap().success();
    });
    if !ok {
        eprintln!("skipped: this kernel runs no 32-bit compat system calls (IA32 emulation off)");
        return;
    }
    assert!(seen.iter().any(|s| s.pid == pid), "the helper was seen");
    let bogus: Vec<_> = seen
        .iter()
        .filter(|s| s.pid == pid && s.evt_type == "connect")
        .collect();
    assert!(bogus.is_empty(), "ia32 pipe read as connect: {bogus:?}");
}
