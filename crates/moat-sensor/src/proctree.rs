//! The process-tree cache: one entry per live process, seeded from `/proc` at start and
//! kept current by fork, exec and exit records, so events can name their parent and
//! ancestors (`proc.pname`, `proc.aname[N]`, `proc.sname`) after those have exited from
//! `/proc`'s point of view or before user space could have read it. Bounded.

use std::collections::HashMap;
use std::path::Path;

/// Processes kept at most; beyond it new processes are not cached (counted).
pub const MAX_PROCS: usize = 131_072;
/// Ancestor levels followed at most (loops in corrupt data end here).
pub const MAX_DEPTH: usize = 64;

/// What the cache knows of one process.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Proc {
    /// Process id.
    pub pid: u32,
    /// Parent process id.
    pub ppid: u32,
    /// Session id.
    pub sid: u32,
    /// Command name (`comm`, up to 15 bytes).
    pub name: String,
    /// `argv[0]` (`proc.exe`).
    pub exe: String,
    /// Executable path (`proc.exepath`).
    pub exepath: String,
    /// Arguments after `argv[0]`.
    pub args: Vec<String>,
    /// Controlling terminal (0: none).
    pub tty: u32,
    /// The executable is in an overlay filesystem's upper (writable) layer
    /// (`proc.is_exe_upper_layer`): written after the container started.
    pub exe_upper_layer: bool,
    /// Working directory, once known: read from `/proc` at most once per process, then
    /// inherited at fork, kept at exec and updated by `chdir`.
    pub cwd: Option<String>,
}

impl Proc {
    /// `proc.cmdline`: the name followed by the arguments.
    pub fn cmdline(&self) -> String {
        let mut s = self.name.clone();
        for a in &self.args {
            s.push(' ');
            s.push_str(a);
        }
        s
    }

    /// `proc.args`: the arguments joined by spaces.
    pub fn args_text(&self) -> String {
        self.args.join(" ")
    }

    /// Sets `exe`/`args` from a NUL-separated `argv` block.
    pub fn set_argv(&mut self, argv: &[u8]) {
        let mut it = argv
            .split(|&c| c == 0)
            .map(|a| String::from_utf8_lossy(a).into_owned());
        self.exe = it.next().unwrap_or_default();
        self.args = it.collect();
        if self.args.last().is_some_and(String::is_empty) {
            self.args.pop();
        }
    }
}

/// The cache.
#[derive(Debug, Default)]
pub struct ProcTree {
    procs: HashMap<u32, Proc>,
    /// Processes not cached because the cache was full.
    pub overflow: u64,
}

impl ProcTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// A tree seeded from every process under `proc_root` (normally `/proc`).
    pub fn from_proc(proc_root: &Path) -> Self {
        let mut t = Self::new();
        let Ok(dir) = std::fs::read_dir(proc_root) else {
            return t;
        };
        for e in dir.flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
                continue;
            };
            if let Some(p) = read_proc(&e.path(), pid) {
                t.insert(p);
            }
        }
        t
    }

    /// Adds or replaces a process.
    pub fn insert(&mut self, p: Proc) {
        if self.procs.len() >= MAX_PROCS && !self.procs.contains_key(&p.pid) {
            self.overflow += 1;
            return;
        }
        self.procs.insert(p.pid, p);
    }

    /// The process `pid`.
    pub fn get(&self, pid: u32) -> Option<&Proc> {
        self.procs.get(&pid)
    }

    /// The process `pid`, mutable.
    pub fn get_mut(&mut self, pid: u32) -> Option<&mut Proc> {
        self.procs.get_mut(&pid)
    }

    /// Forgets a process.
    pub fn remove(&mut self, pid: u32) {
        self.procs.remove(&pid);
    }

    /// Number of cached processes.
    pub fn len(&self) -> usize {
        self.procs.len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.procs.is_empty()
    }

    /// A new process `child` of `parent`: a copy of the parent (fork keeps the image).
    pub fn fork(&mut self, parent: u32, child: u32, comm: &str) {
        let mut p = self.get(parent).cloned().unwrap_or_else(|| Proc {
            name: comm.to_string(),
            ..Proc::default()
        });
        p.pid = child;
        p.ppid = parent;
        self.insert(p);
    }

    /// The ancestor `level` steps up from `pid` (1: parent), if cached.
    pub fn ancestor(&self, pid: u32, level: usize) -> Option<&Proc> {
        let mut p = self.get(pid)?;
        for _ in 0..level.min(MAX_DEPTH) {
            if p.ppid == 0 || p.ppid == p.pid {
                return None;
            }
            p = self.get(p.ppid)?;
        }
        Some(p)
    }

    /// Calls `f` with each cached ancestor of `pid`, parent first, until it returns `true`.
    pub fn ancestors(&self, pid: u32, f: &mut dyn FnMut(&Proc) -> bool) {
        for level in 1..=MAX_DEPTH {
            match self.ancestor(pid, level) {
                Some(p) => {
                    if f(p) {
                        return;
                    }
                }
                None => return,
            }
        }
    }
}

/// Reads one process from its `/proc/PID` directory.
pub fn read_proc(dir: &Path, pid: u32) -> Option<Proc> {
    let stat = std::fs::read_to_string(dir.join("stat")).ok()?;
    // pid (comm) state ppid pgrp session tty_nr …; comm may hold spaces and parentheses.
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let name = stat.get(open + 1..close)?.to_string();
    let rest: Vec<&str> = stat.get(close + 1..)?.split_whitespace().collect();
    let num = |i: usize| rest.get(i).and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
    let mut p = Proc {
        pid,
        ppid: u32::try_from(num(1)).unwrap_or(0),
        sid: u32::try_from(num(3)).unwrap_or(0),
        name,
        tty: u32::try_from(num(4)).unwrap_or(0),
        ..Proc::default()
    };
    if let Ok(argv) = std::fs::read(dir.join("cmdline")) {
        p.set_argv(&argv);
    }
    if let Ok(exe) = std::fs::read_link(dir.join("exe")) {
        p.exepath = exe.to_string_lossy().into_owned();
    }
    Some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proc(pid: u32, ppid: u32, name: &str) -> Proc {
        Proc {
            pid,
            ppid,
            name: name.into(),
            ..Proc::default()
        }
    }

    #[test]
    fn ancestry_fork_and_loops() {
        let mut t = ProcTree::new();
        t.insert(proc(1, 0, "systemd"));
        t.insert(proc(10, 1, "containerd-shim"));
        t.insert(proc(20, 10, "bash"));
        t.fork(20, 30, "bash");
        assert_eq!(t.get(30).map(|p| p.name.as_str()), Some("bash"));
        assert_eq!(t.ancestor(30, 1).map(|p| p.pid), Some(20));
        assert_eq!(t.ancestor(30, 3).map(|p| p.name.as_str()), Some("systemd"));
        assert!(t.ancestor(30, 4).is_none());
        let mut names = Vec::new();
        t.ancestors(30, &mut |p| {
            names.push(p.name.clone());
            false
        });
        assert_eq!(names, ["bash", "containerd-shim", "systemd"]);
        // A loop in the data ends at the depth bound.
        t.insert(proc(40, 41, "a"));
        t.insert(proc(41, 40, "b"));
        let mut n = 0;
        t.ancestors(40, &mut |_| {
            n += 1;
            false
        });
        assert_eq!(n, MAX_DEPTH);
    }

    #[test]
    fn argv_and_cmdline() {
        let mut p = proc(1, 0, "cat");
        p.set_argv(b"/bin/cat\0/etc/shadow\0");
        assert_eq!(p.exe, "/bin/cat");
        assert_eq!(p.cmdline(), "cat /etc/shadow");
        assert_eq!(p.args_text(), "/etc/shadow");
    }

    #[test]
    fn seeds_from_proc() {
        let t = ProcTree::from_proc(Path::new("/proc"));
        let me = t.get(std::process::id()).unwrap();
        assert!(!me.name.is_empty());
        assert!(me.ppid > 0);
        assert!(!me.exepath.is_empty());
    }
}
