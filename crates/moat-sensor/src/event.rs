//! The in-memory event the rule engine evaluates: one kernel record decoded into Falco's
//! model (event type, arguments, file or socket context, container), read through an
//! [`EventView`] that adds the process tree, users and groups. No serialisation between
//! the sensor and the engine: [`moat_runtime::eval::Event`] is implemented directly.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::net::IpAddr;
use std::sync::Arc;

use moat_runtime::eval::{Event, Val};
use moat_runtime::fields::{FieldArg, ResolvedField};

use crate::proctree::{Proc, ProcTree};
use crate::text;
use crate::users::Users;

/// The kind of file descriptor an event is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FdKind {
    /// A file (`f`).
    File,
    /// An IPv4 socket (`4`).
    Ipv4,
    /// An IPv6 socket (`6`).
    Ipv6,
    /// A Unix socket (`u`).
    Unix,
}

impl FdKind {
    /// `fd.typechar`.
    pub fn typechar(self) -> &'static str {
        match self {
            Self::File => "f",
            Self::Ipv4 => "4",
            Self::Ipv6 => "6",
            Self::Unix => "u",
        }
    }

    /// `fd.type`.
    pub fn type_name(self) -> &'static str {
        match self {
            Self::File => "file",
            Self::Ipv4 => "ipv4",
            Self::Ipv6 => "ipv6",
            Self::Unix => "unix",
        }
    }
}

/// File-descriptor context of an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fd {
    /// Descriptor number (-1: the call failed).
    pub num: i64,
    /// `fd.name`: the absolute path, `cip:cport->sip:sport`, or the Unix socket path.
    pub name: String,
    /// `fd.nameraw`: the path as the process passed it.
    pub nameraw: String,
    /// Kind.
    pub kind: FdKind,
    /// Client endpoint (the connecting side).
    pub client: Option<(IpAddr, u16)>,
    /// Server endpoint.
    pub server: Option<(IpAddr, u16)>,
    /// Whether the local endpoint is the client.
    pub local_is_client: bool,
    /// `fd.l4proto`: `tcp`, `udp`, `raw`, or empty.
    pub l4proto: &'static str,
    /// `fd.connected`.
    pub connected: bool,
}

impl Fd {
    /// A file descriptor for `path` (already absolute) opened as `raw`.
    pub fn file(num: i64, path: String, raw: String) -> Self {
        Self {
            num,
            name: path,
            nameraw: raw,
            kind: FdKind::File,
            client: None,
            server: None,
            local_is_client: false,
            l4proto: "",
            connected: false,
        }
    }

    fn local(&self) -> Option<(IpAddr, u16)> {
        if self.local_is_client {
            self.client
        } else {
            self.server
        }
    }

    fn remote(&self) -> Option<(IpAddr, u16)> {
        if self.local_is_client {
            self.server
        } else {
            self.client
        }
    }
}

/// One decoded event.
#[derive(Clone, Debug)]
pub struct SensorEvent {
    /// Sequence number (`evt.num`).
    pub num: u64,
    /// Nanoseconds since the epoch.
    pub time_ns: i64,
    /// Falco event type.
    pub evt_type: &'static str,
    /// Result (`evt.rawres`).
    pub res: i64,
    /// Process id.
    pub pid: u32,
    /// Thread id.
    pub tid: u32,
    /// Parent process id.
    pub ppid: u32,
    /// Real user id.
    pub uid: u32,
    /// Real group id.
    pub gid: u32,
    /// Audit login uid (`u32::MAX`: unset).
    pub loginuid: u32,
    /// Effective capabilities.
    pub cap_eff: u64,
    /// Controlling terminal.
    pub tty: u32,
    /// Command name from the kernel.
    pub comm: String,
    /// `container.id`.
    pub container: Arc<str>,
    /// Event arguments by Falco name, as text.
    pub args: Vec<(&'static str, Arg)>,
    /// File-descriptor context.
    pub fd: Option<Fd>,
    /// Open flags, for the `evt.is_open_*` fields.
    pub open_flags: Option<u64>,
    /// The working directory the kernel sent with the record (exec, and calls with a
    /// relative path), exact at the event.
    pub cwd: Option<String>,
    /// Whether the process tree's working directory is current (`chdir` is recorded).
    pub tree_cwd_current: bool,
}

impl SensorEvent {
    /// The argument `name`.
    pub fn arg(&self, name: &str) -> Option<&Arg> {
        self.args.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }
}

/// An event argument as recorded; Falco's text for it is made only when a rule or the
/// output reads it, so events nobody looks at closely cost no formatting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arg {
    /// Text (paths, names, already formatted values).
    Text(String),
    /// A signed number (file descriptors, results, ids).
    Int(i64),
    /// An unsigned number (lengths, raw flags).
    Uint(u64),
    /// A file mode, shown in octal.
    Octal(u64),
    /// `open` flags, shown as Falco does (`O_RDONLY|O_CLOEXEC`).
    OpenFlags(u64),
}

impl Arg {
    /// Falco's text for the argument.
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            Arg::Text(t) => Cow::Borrowed(t),
            Arg::Int(n) => Cow::Owned(n.to_string()),
            Arg::Uint(n) => Cow::Owned(n.to_string()),
            Arg::Octal(m) => Cow::Owned(format!("{m:o}")),
            Arg::OpenFlags(f) => Cow::Owned(text::open_flags(*f)),
        }
    }

    /// The argument as a number, when it is one (`evt.rawarg.*`).
    fn number(&self) -> Option<i64> {
        match self {
            Arg::Int(n) => Some(*n),
            Arg::Uint(n) => i64::try_from(*n).ok(),
            Arg::Text(t) => t.parse().ok(),
            Arg::Octal(_) | Arg::OpenFlags(_) => None,
        }
    }
}

impl std::fmt::Display for Arg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text())
    }
}

impl From<String> for Arg {
    fn from(t: String) -> Self {
        Arg::Text(t)
    }
}

impl From<i64> for Arg {
    fn from(n: i64) -> Self {
        Arg::Int(n)
    }
}

impl From<u64> for Arg {
    fn from(n: u64) -> Self {
        Arg::Uint(n)
    }
}

/// An event read with the sensor's context (process tree, users, groups).
pub struct EventView<'a> {
    /// The event.
    pub ev: &'a SensorEvent,
    /// The process tree.
    pub tree: &'a ProcTree,
    /// User and group names.
    pub users: &'a Users,
}

fn s(v: &str) -> Val<'_> {
    Val::Str(Cow::Borrowed(v))
}

fn owned(v: String) -> Val<'static> {
    Val::Str(Cow::Owned(v))
}

fn num(v: impl Into<i64>) -> Val<'static> {
    Val::Num(v.into())
}

impl EventView<'_> {
    fn proc(&self) -> Option<&Proc> {
        self.tree.get(self.ev.pid)
    }

    fn name(&self) -> &str {
        self.proc()
            .map_or(self.ev.comm.as_str(), |p| p.name.as_str())
    }

    /// The process at ancestor `level` (0: the process itself).
    fn at(&self, level: usize) -> Option<&Proc> {
        self.tree.ancestor(self.ev.pid, level)
    }

    /// One value of a per-process field for process `p` (`aname` → `name`, …).
    fn proc_value<'p>(p: &'p Proc, what: &str) -> Option<Val<'p>> {
        Some(match what {
            "name" => s(&p.name),
            "pid" => num(p.pid),
            "exe" => s(&p.exe),
            "exepath" => s(&p.exepath),
            "cmdline" => owned(p.cmdline()),
            "args" => owned(p.args_text()),
            _ => return None,
        })
    }

    fn visit_fd(fd: &Fd, name: &str, f: &mut dyn FnMut(Val<'_>) -> bool) -> bool {
        let ep_ip = |e: Option<(IpAddr, u16)>| e.map(|(ip, _)| ip.to_string());
        let ep_port = |e: Option<(IpAddr, u16)>| e.map(|(_, p)| i64::from(p));
        let sock = fd.kind != FdKind::File;
        let (dir, file) = match fd.name.rfind('/') {
            Some(0) => ("/", fd.name.get(1..).unwrap_or_default()),
            Some(i) => (
                fd.name.get(..i).unwrap_or_default(),
                fd.name.get(i + 1..).unwrap_or_default(),
            ),
            None => ("", fd.name.as_str()),
        };
        let v = match name {
            "fd.num" => num(fd.num),
            "fd.name" => s(&fd.name),
            "fd.nameraw" => s(&fd.nameraw),
            "fd.type" => s(fd.kind.type_name()),
            "fd.typechar" => s(fd.kind.typechar()),
            "fd.directory" if fd.kind == FdKind::File => s(dir),
            "fd.filename" if fd.kind == FdKind::File => s(file),
            "fd.l4proto" if sock && !fd.l4proto.is_empty() => s(fd.l4proto),
            "fd.sockfamily" if sock => s(if fd.kind == FdKind::Unix {
                "unix"
            } else {
                "ip"
            }),
            "fd.connected" if sock => Val::Bool(fd.connected),
            "fd.name_changed" => Val::Bool(false),
            // Network fields (`fd.snet`, …) carry the address: the engine checks whether
            // it is inside the rule's network.
            "fd.cip" | "fd.cnet" => return emit_opt(ep_ip(fd.client), f),
            "fd.sip" | "fd.snet" => return emit_opt(ep_ip(fd.server), f),
            "fd.lip" | "fd.lnet" => return emit_opt(ep_ip(fd.local()), f),
            "fd.rip" | "fd.rnet" => return emit_opt(ep_ip(fd.remote()), f),
            "fd.cport" => return emit_num(ep_port(fd.client), f),
            "fd.sport" => return emit_num(ep_port(fd.server), f),
            "fd.lport" => return emit_num(ep_port(fd.local()), f),
            "fd.rport" => return emit_num(ep_port(fd.remote()), f),
            "fd.ip" | "fd.net" => {
                return emit_opt(ep_ip(fd.client), f) || emit_opt(ep_ip(fd.server), f);
            }
            "fd.port" => return emit_num(ep_port(fd.client), f) || emit_num(ep_port(fd.server), f),
            _ => return false,
        };
        f(v)
    }

    fn visit_ancestors(
        &self,
        field: &ResolvedField,
        what: &str,
        f: &mut dyn FnMut(Val<'_>) -> bool,
    ) {
        match &field.arg {
            FieldArg::Index(i) => {
                if let Some(v) = self.at(*i).and_then(|p| Self::proc_value(p, what)) {
                    f(v);
                }
            }
            _ => self.tree.ancestors(self.ev.pid, &mut |p| {
                Self::proc_value(p, what).is_some_and(&mut *f)
            }),
        }
    }

    fn visit_arg(&self, field: &ResolvedField, raw: bool, f: &mut dyn FnMut(Val<'_>) -> bool) {
        let v = match &field.arg {
            FieldArg::Key(k) => self.ev.arg(k),
            FieldArg::Index(i) => self.ev.args.get(*i).map(|(_, v)| v),
            FieldArg::None => None,
        };
        if let Some(v) = v {
            match v.number() {
                Some(n) if raw => f(Val::Num(n)),
                _ => f(Val::Str(v.text())),
            };
        }
    }
}

fn emit_opt(v: Option<String>, f: &mut dyn FnMut(Val<'_>) -> bool) -> bool {
    v.is_some_and(|v| f(owned(v)))
}

fn emit_num(v: Option<i64>, f: &mut dyn FnMut(Val<'_>) -> bool) -> bool {
    v.is_some_and(|v| f(Val::Num(v)))
}

impl Event for EventView<'_> {
    fn event_type(&self) -> Option<&str> {
        Some(self.ev.evt_type)
    }

    fn visit(&self, field: &ResolvedField, f: &mut dyn FnMut(Val<'_>) -> bool) {
        let ev = self.ev;
        let flags = ev.open_flags;
        let v = match field.name {
            "evt.type" => s(ev.evt_type),
            "evt.dir" => s("<"),
            "evt.num" => num(i64::try_from(ev.num).unwrap_or(i64::MAX)),
            "evt.rawtime" => num(ev.time_ns),
            "evt.res" => owned(text::res(ev.res)),
            "evt.rawres" => num(ev.res),
            "evt.failed" => Val::Bool(ev.res < 0),
            "evt.is_open_read" => match flags {
                Some(fl) => Val::Bool(fl & 3 != 1),
                None => return,
            },
            "evt.is_open_write" => match flags {
                Some(fl) => Val::Bool(fl & 3 != 0),
                None => return,
            },
            "evt.is_open_create" => match flags {
                Some(fl) => {
                    Val::Bool(fl & text::O_CREAT != 0 || fl & text::O_TMPFILE == text::O_TMPFILE)
                }
                None => return,
            },
            "evt.is_open_exec" => match flags {
                Some(_) => Val::Bool(false),
                None => return,
            },
            "evt.arg" => return self.visit_arg(field, false, f),
            "evt.rawarg" => return self.visit_arg(field, true, f),
            "evt.args" => {
                let mut t = String::new();
                for (k, v) in &ev.args {
                    if !t.is_empty() {
                        t.push(' ');
                    }
                    let _ = write!(t, "{k}={v}");
                }
                owned(t)
            }
            "proc.pid" => num(ev.pid),
            "proc.tid" | "thread.tid" => num(ev.tid),
            "proc.ppid" => num(ev.ppid),
            "proc.name" => s(self.name()),
            "proc.exe" | "proc.exepath" | "proc.cmdline" | "proc.args" => {
                let what = field.name.trim_start_matches("proc.");
                match self.proc() {
                    Some(p) => match Self::proc_value(p, what) {
                        Some(v) => v,
                        None => return,
                    },
                    None if what == "cmdline" => s(&ev.comm),
                    None => return,
                }
            }
            "proc.cmdnargs" => match self.proc() {
                Some(p) => num(i64::try_from(p.args.len()).unwrap_or(0)),
                None => return,
            },
            "proc.pname" | "proc.pexe" | "proc.pexepath" | "proc.pcmdline" => {
                let what = field.name.trim_start_matches("proc.p");
                match self.at(1).and_then(|p| Self::proc_value(p, what)) {
                    Some(v) => v,
                    None => return,
                }
            }
            "proc.aname" | "proc.apid" | "proc.aexe" | "proc.aexepath" | "proc.acmdline"
            | "proc.aargs" => {
                let what = field.name.trim_start_matches("proc.a");
                return self.visit_ancestors(field, what, f);
            }
            "proc.sid" => match self.proc() {
                Some(p) => num(p.sid),
                None => return,
            },
            "proc.sname" => match self.proc().and_then(|p| self.tree.get(p.sid)) {
                Some(leader) => s(&leader.name),
                None => return,
            },
            "proc.tty" => num(ev.tty),
            "proc.is_exe_upper_layer" => match self.proc() {
                Some(p) => Val::Bool(p.exe_upper_layer),
                None => return,
            },
            // The kernel's working directory when the record carried it; else the tree's
            // when `chdir` is recorded (it keeps it current); else /proc, which costs
            // the traced process a slower path walk; else the tree's, possibly stale.
            "proc.cwd" => {
                let tree = || self.proc().and_then(|p| p.cwd.clone());
                let proc = || {
                    std::fs::read_link(format!("/proc/{}/cwd", ev.pid))
                        .ok()
                        .map(|p| p.to_string_lossy().into_owned())
                };
                let cwd = if let Some(c) = &ev.cwd {
                    Some(c.clone())
                } else if ev.tree_cwd_current {
                    tree().or_else(proc)
                } else {
                    proc().or_else(tree)
                };
                match cwd {
                    Some(mut t) => {
                        if !t.ends_with('/') {
                            t.push('/');
                        }
                        owned(t)
                    }
                    None => return,
                }
            }
            "thread.cap_effective" => owned(text::caps(ev.cap_eff)),
            "user.uid" => num(ev.uid),
            "user.name" => s(self.users.user(ev.uid)),
            "user.loginuid" => num(if ev.loginuid == u32::MAX {
                -1
            } else {
                i64::from(ev.loginuid)
            }),
            "user.loginname" => {
                if ev.loginuid == u32::MAX {
                    s("")
                } else {
                    s(self.users.user(ev.loginuid))
                }
            }
            "group.gid" => num(ev.gid),
            "group.name" => s(self.users.group(ev.gid)),
            "container.id" | "container.name" => s(&ev.container),
            name if name.starts_with("fd.") => {
                if let Some(fd) = &ev.fd {
                    Self::visit_fd(fd, name, f);
                }
                return;
            }
            _ => return,
        };
        f(v);
    }
}

impl std::fmt::Display for EventView<'_> {
    /// One readable line: time, type, process, container, fd, arguments, result.
    fn fmt(&self, out: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ev = self.ev;
        write!(
            out,
            "{} {} pid={} ppid={} proc={} uid={} container={}",
            moat_runtime::k8s::iso8601(ev.time_ns),
            ev.evt_type,
            ev.pid,
            ev.ppid,
            self.name(),
            ev.uid,
            ev.container
        )?;
        if let Some(p) = self.proc()
            && matches!(ev.evt_type, "execve" | "execveat")
        {
            write!(out, " cmdline={:?} exepath={}", p.cmdline(), p.exepath)?;
        }
        if let Some(fd) = &ev.fd {
            write!(out, " fd={}({}){}", fd.num, fd.kind.typechar(), fd.name)?;
        }
        for (k, v) in ev.args.iter().filter(|(k, _)| *k != "res") {
            write!(out, " {k}={v}")?;
        }
        write!(out, " res={}", text::res(ev.res))
    }
}
