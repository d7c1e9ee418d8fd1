//! From kernel records to [`SensorEvent`]s: keeps the process tree current (fork, exec,
//! exit), attributes containers, resolves relative paths, and maps each system call to
//! Falco's event type, arguments and file-descriptor context.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use crate::container::Resolver;
use crate::event::{Arg, EventView, Fd, FdKind, SensorEvent};
use crate::proctree::{Proc, ProcTree};
use crate::record::{Record, RecordError, RecordKind, decode};
use crate::syscalls::{Kind, by_nr, dir_of_first_path};
use crate::text::{self, SockAddr};
use crate::users::Users;

/// `AT_FDCWD`.
const AT_FDCWD: i64 = -100;
/// `args[1]` of an exec record when the executable is in an overlay's upper layer.
const EXE_UPPER_LAYER: u64 = 1;

/// Decoding state shared by every record.
#[derive(Debug)]
pub struct Decoder {
    /// The process tree.
    pub tree: ProcTree,
    /// User and group names.
    pub users: Users,
    cgroups: Resolver,
    proc_root: PathBuf,
    /// Added to kernel boot-clock times to get epoch times.
    boot_offset_ns: i64,
    num: u64,
    exited: Option<u32>,
    /// The directory the kernel sent with the record being decoded (string 2: what its
    /// relative first path is resolved against) …
    record_cwd: Option<String>,
    /// … and the descriptor it belongs to (`AT_FDCWD`: the working directory).
    record_dir_fd: i64,
    /// Whether `chdir`/`fchdir` are recorded, so that the tree's working directories stay
    /// current.
    tracks_chdir: bool,
}

fn str_of(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Appends argument `name` to an event's arguments.
fn push(args: &mut Vec<(&'static str, Arg)>, name: &'static str, v: impl Into<Arg>) {
    args.push((name, v.into()));
}

fn as_i64(v: u64) -> i64 {
    // Arguments are registers: an `int` fd or dirfd arrives sign-extended or not.
    i64::from((v as u32).cast_signed())
}

impl Decoder {
    /// A decoder with a tree, names, a cgroup resolver and the clock offset.
    pub fn new(
        tree: ProcTree,
        users: Users,
        cgroups: Resolver,
        proc_root: PathBuf,
        boot_offset_ns: i64,
    ) -> Self {
        Self {
            tree,
            users,
            cgroups,
            proc_root,
            boot_offset_ns,
            num: 0,
            exited: None,
            record_cwd: None,
            record_dir_fd: AT_FDCWD,
            tracks_chdir: true,
        }
    }

    /// Says whether `chdir`/`fchdir` are recorded. When they are not, a working directory
    /// the kernel did not send is read from `/proc` each time rather than from the tree.
    pub fn set_tracks_chdir(&mut self, tracks: bool) {
        self.tracks_chdir = tracks;
    }

    /// A view of `ev` with this decoder's context, for the engine.
    pub fn view<'a>(&'a self, ev: &'a SensorEvent) -> EventView<'a> {
        EventView {
            ev,
            tree: &self.tree,
            users: &self.users,
        }
    }

    /// Decodes one record into an event (`None` for records that only update state).
    pub fn handle(&mut self, raw: &[u8]) -> Result<Option<SensorEvent>, RecordError> {
        if let Some(pid) = self.exited.take() {
            self.tree.remove(pid);
        }
        let r = decode(raw)?;
        self.num += 1;
        let evt_type = match r.kind {
            RecordKind::Fork => {
                self.tree.fork(r.ppid, r.pid, r.comm);
                "clone"
            }
            RecordKind::Exit => {
                self.exited = Some(r.pid);
                "procexit"
            }
            RecordKind::Exec => {
                self.exec(&r);
                "execve"
            }
            RecordKind::Syscall => match by_nr(r.nr) {
                Some(sc) => sc.name,
                None => return Ok(None),
            },
        };
        let container = self.cgroups.resolve(r.cgroup_id, r.pid);
        let mut ev = SensorEvent {
            num: self.num,
            time_ns: i64::try_from(r.ts)
                .unwrap_or(i64::MAX)
                .saturating_add(self.boot_offset_ns),
            evt_type,
            res: r.res,
            pid: r.pid,
            tid: r.tid,
            ppid: r.ppid,
            uid: r.uid,
            gid: r.gid,
            loginuid: r.loginuid,
            cap_eff: r.cap_eff,
            tty: r.tty,
            comm: r.comm.to_string(),
            container,
            args: Vec::with_capacity(6),
            fd: None,
            open_flags: None,
            cwd: None,
            tree_cwd_current: self.tracks_chdir,
        };
        match r.kind {
            RecordKind::Syscall => {
                if let Some(sc) = by_nr(r.nr) {
                    self.syscall(sc.kind, &r, &mut ev);
                }
            }
            RecordKind::Exec => {
                ev.cwd = (!r.strs[1].is_empty()).then(|| str_of(r.strs[1]));
                if let Some(p) = self.tree.get(r.pid) {
                    push(&mut ev.args, "exe", p.exe.clone());
                    push(&mut ev.args, "args", p.args_text());
                    push(&mut ev.args, "filename", str_of(r.strs[0]));
                }
            }
            RecordKind::Fork => push(&mut ev.args, "ptid", i64::from(r.ppid)),
            RecordKind::Exit => push(&mut ev.args, "status", r.res),
        }
        if r.kind == RecordKind::Syscall {
            // `proc.cwd` only when what the kernel sent is the working directory.
            let dir = self.record_cwd.take();
            ev.cwd = dir.filter(|_| self.record_dir_fd == AT_FDCWD);
        }
        Ok(Some(ev))
    }

    fn exec(&mut self, r: &Record<'_>) {
        let filename = str_of(r.strs[0]);
        let prev = self.tree.get(r.pid).cloned();
        let mut p = Proc {
            pid: r.pid,
            ppid: r.ppid,
            sid: prev.as_ref().map_or(r.pid, |p| p.sid),
            name: r.comm.to_string(),
            tty: r.tty,
            exe_upper_layer: r.args[1] == EXE_UPPER_LAYER,
            // The kernel's working directory at exec when it sent one.
            cwd: if r.strs[1].is_empty() {
                prev.as_ref().and_then(|p| p.cwd.clone())
            } else {
                Some(str_of(r.strs[1]))
            },
            ..Proc::default()
        };
        p.set_argv(r.blob);
        // The kernel's view of the executable (symlinks resolved, like Falco's), while the
        // process lives; else, on the host, the path it was executed by with symlinks
        // resolved; in a container (another mount namespace) the path as executed.
        let on_host = r.cgroup_id == 0
            || &*self.cgroups.resolve(r.cgroup_id, r.pid) == crate::container::HOST;
        p.exepath = std::fs::read_link(self.proc_root.join(r.pid.to_string()).join("exe"))
            .ok()
            .or_else(|| {
                on_host
                    .then(|| std::fs::canonicalize(&filename).ok())
                    .flatten()
            })
            .map_or(filename, |p| p.to_string_lossy().into_owned());
        self.tree.insert(p);
    }

    /// An absolute path for `path` as process `pid` passed it relative to `dirfd`.
    fn absolute(&mut self, pid: u32, dirfd: i64, path: &str) -> String {
        if path.starts_with('/') || path.is_empty() {
            return path.to_string();
        }
        // The directory the kernel sent for this record's descriptor, when it did.
        let sent = self
            .record_cwd
            .clone()
            .filter(|_| self.record_dir_fd == dirfd);
        let dir = if sent.is_some() {
            sent
        } else if dirfd == AT_FDCWD {
            self.cwd(pid)
        } else {
            std::fs::read_link(
                self.proc_root
                    .join(pid.to_string())
                    .join("fd")
                    .join(dirfd.to_string()),
            )
            .ok()
            .map(|d| d.to_string_lossy().into_owned())
        };
        match dir {
            Some(d) => normalize(&Path::new(&d).join(path)),
            None => path.to_string(),
        }
    }

    /// The working directory of `pid`: the tree's, else `/proc/PID/cwd` (then kept in
    /// the tree). Reading `/proc` on every relative path would slow the traced process:
    /// it takes a reference on its cwd and pushes its lockless path walk to the slow path.
    fn cwd(&mut self, pid: u32) -> Option<String> {
        if self.tracks_chdir
            && let Some(c) = self.tree.get(pid).and_then(|p| p.cwd.clone())
        {
            return Some(c);
        }
        let d = std::fs::read_link(self.proc_root.join(pid.to_string()).join("cwd")).ok()?;
        let d = d.to_string_lossy().into_owned();
        if let Some(p) = self.tree.get_mut(pid) {
            p.cwd = Some(d.clone());
        }
        Some(d)
    }

    fn syscall(&mut self, kind: Kind, r: &Record<'_>, ev: &mut SensorEvent) {
        // For calls that take paths the kernel appends, when a path is relative, the
        // directory the first one is resolved against as the third string (as the task
        // sees it, up to its own root): the working directory or the first argument's
        // descriptor.
        let base = dir_of_first_path(kind);
        self.record_cwd = (base != 0 && !r.strs[2].is_empty()).then(|| str_of(r.strs[2]));
        self.record_dir_fd = if base == 2 {
            as_i64(r.args[0])
        } else {
            AT_FDCWD
        };
        if self.record_dir_fd == AT_FDCWD
            && let Some(c) = &self.record_cwd
            && let Some(p) = self.tree.get_mut(r.pid)
        {
            p.cwd = Some(c.clone());
        }
        let a = r.args;
        let s0 = str_of(r.strs[0]);
        let s1 = str_of(r.strs[1]);
        let pid = r.pid;
        let args = &mut ev.args;
        match kind {
            Kind::Open | Kind::OpenAt | Kind::OpenAt2 | Kind::Creat => {
                let (dirfd, flags, mode) = match kind {
                    Kind::Open => (AT_FDCWD, a[1], a[2]),
                    Kind::Creat => (AT_FDCWD, 0o1101, a[1]),
                    Kind::OpenAt => (as_i64(a[0]), a[2], a[3]),
                    _ => (as_i64(a[0]), a[4], a[5]),
                };
                let path = self.absolute(pid, dirfd, &s0);
                push(args, "fd", r.res);
                if kind != Kind::Open && kind != Kind::Creat {
                    push(args, "dirfd", dirfd);
                }
                push(args, "name", path.clone());
                push(args, "flags", Arg::OpenFlags(flags));
                push(args, "mode", Arg::Octal(mode));
                ev.open_flags = Some(flags);
                ev.fd = Some(Fd::file(r.res.max(-1), path, s0));
            }
            Kind::Connect | Kind::Accept | Kind::Bind => {
                let fd = if kind == Kind::Accept {
                    r.res
                } else {
                    as_i64(a[0])
                };
                push(args, "fd", fd);
                let user_addr = text::sockaddr(r.blob);
                ev.fd = socket_fd(kind, r, fd, user_addr.as_ref());
                if let Some(fd) = &ev.fd {
                    let key = if kind == Kind::Bind { "addr" } else { "tuple" };
                    push(args, key, fd.name.clone());
                }
            }
            Kind::Ptrace => {
                push(args, "request", text::ptrace_request(a[0]));
                push(args, "pid", as_i64(a[1]));
                push(args, "addr", format!("{:#x}", a[2]));
            }
            Kind::SetId(names) => {
                for (n, v) in names.iter().zip(a) {
                    push(args, n, as_i64(v));
                }
            }
            Kind::Mount => {
                push(args, "dev", s0);
                push(args, "dir", s1);
                push(args, "type", str_of(r.strs[2]));
                push(args, "flags", a[3]);
            }
            Kind::Umount2 => {
                push(args, "name", s0);
                push(args, "flags", a[1]);
            }
            Kind::InitModule => {
                push(args, "length", a[1]);
                push(args, "uargs", s0);
            }
            Kind::FinitModule => {
                push(args, "fd", as_i64(a[0]));
                push(args, "uargs", s0);
                push(args, "flags", a[2]);
            }
            Kind::Bpf => {
                push(args, "cmd", text::bpf_cmd(a[0]));
                push(args, "res_or_fd", r.res);
            }
            Kind::MemfdCreate => {
                push(args, "fd", r.res);
                push(args, "name", s0);
                push(args, "flags", text::memfd_flags(a[1]));
            }
            Kind::Unlink => push(args, "path", self.absolute(pid, AT_FDCWD, &s0)),
            Kind::Unlinkat => {
                push(args, "dirfd", as_i64(a[0]));
                push(args, "name", self.absolute(pid, as_i64(a[0]), &s0));
                push(args, "flags", text::at_flags(a[2]));
            }
            Kind::TwoPaths(first, second) => {
                let first_path = if first == "target" {
                    s0
                } else {
                    self.absolute(pid, AT_FDCWD, &s0)
                };
                push(args, first, first_path);
                push(args, second, self.absolute(pid, AT_FDCWD, &s1));
            }
            Kind::TwoPathsAt => {
                let (od, nd) = (as_i64(a[0]), as_i64(a[2]));
                push(args, "olddirfd", od);
                push(args, "oldpath", self.absolute(pid, od, &s0));
                push(args, "newdirfd", nd);
                push(args, "newpath", self.absolute(pid, nd, &s1));
                push(args, "flags", a[4]);
            }
            Kind::Symlinkat => {
                let d = as_i64(a[1]);
                push(args, "target", s0);
                push(args, "linkdirfd", d);
                push(args, "linkpath", self.absolute(pid, d, &s1));
            }
            Kind::Chmod => {
                push(args, "filename", self.absolute(pid, AT_FDCWD, &s0));
                push(args, "mode", text::mode(a[1]));
            }
            Kind::Fchmod => {
                push(args, "fd", as_i64(a[0]));
                push(args, "mode", text::mode(a[1]));
            }
            Kind::Fchmodat => {
                let d = as_i64(a[0]);
                push(args, "dirfd", d);
                push(args, "filename", self.absolute(pid, d, &s0));
                push(args, "mode", text::mode(a[2]));
            }
            Kind::Chdir => {
                // The kernel's working directory is read at the exit: after a successful
                // chdir it is the new one already.
                let dir = match &self.record_cwd {
                    Some(now) if r.res == 0 => now.clone(),
                    _ => self.absolute(pid, AT_FDCWD, &s0),
                };
                if r.res == 0
                    && let Some(p) = self.tree.get_mut(pid)
                {
                    p.cwd = Some(dir.clone());
                }
                push(args, "path", dir);
            }
            Kind::Fchdir => {
                // Which directory the descriptor names is read from /proc when next needed.
                if r.res == 0
                    && let Some(p) = self.tree.get_mut(pid)
                {
                    p.cwd = None;
                }
                push(args, "fd", as_i64(a[0]));
            }
        }
        args.insert(0, ("res", Arg::Int(r.res)));
    }
}

/// The socket context of a connect/accept/bind: kernel socket endpoints, with the user
/// address preferred for the remote side of `connect` and the local side of `bind`
/// (a failed connect has no remote address in the socket any more).
fn socket_fd(kind: Kind, r: &Record<'_>, fd: i64, user: Option<&SockAddr>) -> Option<Fd> {
    if let Some(SockAddr::Unix(path)) = user {
        return Some(Fd {
            kind: FdKind::Unix,
            ..Fd::file(fd, path.clone(), path.clone())
        });
    }
    let family = match (r.family, user) {
        (2 | 10, _) => r.family,
        (_, Some(SockAddr::Inet(IpAddr::V4(_), _))) => 2,
        (_, Some(SockAddr::Inet(IpAddr::V6(_), _))) => 10,
        (1, None) => {
            return Some(Fd {
                kind: FdKind::Unix,
                ..Fd::file(fd, String::new(), String::new())
            });
        }
        _ => return None,
    };
    let kind_fd = if family == 2 {
        FdKind::Ipv4
    } else {
        FdKind::Ipv6
    };
    let mut local = text::ip(r.family, &r.laddr).map(|ip| (ip, r.lport));
    let mut remote = text::ip(r.family, &r.raddr).map(|ip| (ip, r.rport));
    match (kind, user) {
        (Kind::Connect, Some(SockAddr::Inet(ip, port))) => remote = Some((*ip, *port)),
        (Kind::Bind, Some(SockAddr::Inet(ip, port))) => local = Some((*ip, *port)),
        _ => {}
    }
    let l4proto = match (r.proto, r.sk_type) {
        (6, _) | (_, 1) => "tcp",
        (17, _) | (_, 2) => "udp",
        (_, 3) => "raw",
        _ => "",
    };
    let (client, server, local_is_client) = match kind {
        Kind::Connect => (local, remote, true),
        Kind::Accept => (remote, local, false),
        _ => (None, local, false),
    };
    let name = match (client, server) {
        (Some((ci, cp)), Some((si, sp))) => {
            format!("{}->{}", text::endpoint(ci, cp), text::endpoint(si, sp))
        }
        (None, Some((si, sp))) => text::endpoint(si, sp),
        (Some((ci, cp)), None) => text::endpoint(ci, cp),
        (None, None) => String::new(),
    };
    let connected = match kind {
        Kind::Connect => r.res == 0 || r.res == -115,
        Kind::Accept => r.res >= 0,
        _ => false,
    };
    Some(Fd {
        num: fd,
        nameraw: name.clone(),
        name,
        kind: kind_fd,
        client,
        server,
        local_is_client,
        l4proto,
        connected,
    })
}

/// Lexically normalises `.` and `..` in an absolute path.
fn normalize(p: &Path) -> String {
    let text = p.to_string_lossy();
    let mut parts: Vec<&str> = Vec::new();
    for c in text.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    let mut out = String::new();
    for c in parts {
        out.push('/');
        out.push_str(c);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

#[cfg(test)]
mod tests;
