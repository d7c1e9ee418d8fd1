//! Container attribution: which cgroup hierarchy the kernel side reports (cgroup v2, or
//! a named v1 controller on hybrid hosts), resolving a cgroup id to its path (through
//! `/proc/PID/cgroup`, else by walking the hierarchy for the directory whose inode is the
//! id), and the container ID in a cgroup path for the docker, containerd, CRI-O and runc
//! layouts. `container.id` is the first 12 characters, like Falco; `host` outside.

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Falco's `container.id` outside containers.
pub const HOST: &str = "host";

/// Which hierarchy the kernel reads cgroup ids from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CgroupMode {
    /// cgroup v2 (`bpf_get_current_cgroup_id`).
    V2,
    /// cgroup v1 `pids` controller (hybrid and v1 hosts).
    V1Pids,
    /// cgroup v1 `memory` controller (when `pids` is not mounted).
    V1Memory,
}

impl CgroupMode {
    /// The value of `config.cgroup_mode` in the kernel side.
    pub fn kernel_value(self) -> u32 {
        match self {
            Self::V2 => 0,
            Self::V1Pids => 1,
            Self::V1Memory => 2,
        }
    }

    /// The controller's name in `/proc/PID/cgroup` (`""` for the v2 line `0::`).
    fn controller(self) -> &'static str {
        match self {
            Self::V2 => "",
            Self::V1Pids => "pids",
            Self::V1Memory => "memory",
        }
    }

    /// Detects the mode and hierarchy root under `cgroup_fs` (normally `/sys/fs/cgroup`):
    /// pure v2 when `cgroup.controllers` sits at the top, else a v1 controller.
    pub fn detect(cgroup_fs: &Path) -> (Self, PathBuf) {
        if cgroup_fs.join("cgroup.controllers").exists() {
            (Self::V2, cgroup_fs.to_path_buf())
        } else if cgroup_fs.join("pids").is_dir() {
            (Self::V1Pids, cgroup_fs.join("pids"))
        } else {
            (Self::V1Memory, cgroup_fs.join("memory"))
        }
    }
}

fn is_hex64(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn short(id: &str) -> String {
    id.chars().take(12).collect()
}

const UNIT_SUFFIXES: &[&str] = &[".slice", ".scope", ".service", ".mount", ".socket"];

/// The container ID (12 characters) in a cgroup path, or `None` for a host cgroup.
///
/// Recognised: a 64-hex component (`/docker/<id>`, `/kubepods/…/pod<uid>/<id>`), systemd
/// scopes `docker-<id>.scope`, `cri-containerd-<id>.scope`, `crio-<id>.scope`,
/// `libpod-<id>.scope`, containerd's systemd-driver form `…:cri-containerd:<id>`, and
/// runc with the cgroupfs driver: a single top-level component that is not a systemd unit
/// (`/<container-name>`).
pub fn container_id(path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    for part in parts.iter().rev() {
        let last = part.rsplit(':').next().unwrap_or(part);
        let stem = last.strip_suffix(".scope").unwrap_or(last);
        let id = [
            "docker-",
            "cri-containerd-",
            "crio-",
            "libpod-",
            "containerd-",
        ]
        .iter()
        .find_map(|p| stem.strip_prefix(p))
        .unwrap_or(stem);
        if is_hex64(id) {
            return Some(short(id));
        }
    }
    match parts.as_slice() {
        [name] if !UNIT_SUFFIXES.iter().any(|s| name.ends_with(s)) => Some(short(name)),
        _ => None,
    }
}

/// Resolves cgroup ids to container IDs, caching per id (bounded).
#[derive(Debug)]
pub struct Resolver {
    mode: CgroupMode,
    root: PathBuf,
    proc_root: PathBuf,
    cache: HashMap<u64, Arc<str>>,
    host: Arc<str>,
}

/// Cached cgroup ids before the cache is cleared.
const CACHE_MAX: usize = 16_384;
/// Directories visited at most when walking a hierarchy.
const WALK_MAX: usize = 20_000;

impl Resolver {
    /// A resolver for hierarchy `root` read as `mode`, with processes under `proc_root`.
    pub fn new(mode: CgroupMode, root: PathBuf, proc_root: PathBuf) -> Self {
        Self {
            mode,
            root,
            proc_root,
            cache: HashMap::new(),
            host: Arc::from(HOST),
        }
    }

    /// The mode.
    pub fn mode(&self) -> CgroupMode {
        self.mode
    }

    /// The container ID of cgroup `id`, which process `pid` is in.
    pub fn resolve(&mut self, id: u64, pid: u32) -> Arc<str> {
        if id == 0 {
            return self.host.clone();
        }
        if let Some(c) = self.cache.get(&id) {
            return c.clone();
        }
        let path = self
            .path_from_proc(id, pid)
            .or_else(|| self.path_by_walk(id));
        let c: Arc<str> = match path.as_deref().and_then(container_id) {
            Some(c) => Arc::from(c),
            None => self.host.clone(),
        };
        if self.cache.len() >= CACHE_MAX {
            self.cache.clear();
        }
        if path.is_some() {
            self.cache.insert(id, c.clone());
        }
        c
    }

    /// The process's cgroup path in our hierarchy, if its directory has inode `id`.
    fn path_from_proc(&self, id: u64, pid: u32) -> Option<String> {
        let text =
            std::fs::read_to_string(self.proc_root.join(pid.to_string()).join("cgroup")).ok()?;
        let want = self.mode.controller();
        let path = text.lines().find_map(|l| {
            let mut it = l.splitn(3, ':');
            let (_, ctrls, path) = (it.next()?, it.next()?, it.next()?);
            let hit = if want.is_empty() {
                ctrls.is_empty()
            } else {
                ctrls.split(',').any(|c| c == want)
            };
            hit.then(|| path.to_string())
        })?;
        let dir = self.root.join(path.trim_start_matches('/'));
        (std::fs::metadata(dir).ok()?.ino() == id).then_some(path)
    }

    /// Breadth-first search of the hierarchy for the directory with inode `id`.
    fn path_by_walk(&self, id: u64) -> Option<String> {
        let mut queue = std::collections::VecDeque::from([self.root.clone()]);
        let mut seen = 0usize;
        while let Some(dir) = queue.pop_front() {
            seen += 1;
            if seen > WALK_MAX {
                return None;
            }
            if std::fs::metadata(&dir).ok()?.ino() == id {
                let rel = dir.strip_prefix(&self.root).ok()?;
                return Some(format!("/{}", rel.display()));
            }
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                if e.file_type().is_ok_and(|t| t.is_dir()) {
                    queue.push_back(e.path());
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c3601e";

    #[test]
    fn runtime_layouts() {
        let cases = [
            (format!("/docker/{ID}"), Some("3ad7b26ded6d")),
            (
                format!("/system.slice/docker-{ID}.scope"),
                Some("3ad7b26ded6d"),
            ),
            (
                format!(
                    "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/cri-containerd-{ID}.scope"
                ),
                Some("3ad7b26ded6d"),
            ),
            (
                format!("/kubepods/burstable/pod7f1c/{ID}"),
                Some("3ad7b26ded6d"),
            ),
            (
                format!("/kubepods.slice/x.slice/crio-{ID}.scope"),
                Some("3ad7b26ded6d"),
            ),
            (
                format!("/system.slice/containerd.service/kubepods-pod1.slice:cri-containerd:{ID}"),
                Some("3ad7b26ded6d"),
            ),
            // runc 1.1.5 with the cgroupfs driver: `runc run moatprobe` on this host.
            ("/moatprobe".into(), Some("moatprobe")),
            ("/a-very-long-container-name".into(), Some("a-very-long-")),
            ("/".into(), None),
            ("/user.slice/user-0.slice/session-3.scope".into(), None),
            ("/system.slice/cron.service".into(), None),
            ("/init.scope".into(), None),
            ("/process_api/dc3a3c754adfcbf93287778af97627f7".into(), None),
        ];
        for (path, want) in cases {
            assert_eq!(container_id(&path).as_deref(), want, "{path}");
        }
    }

    #[test]
    fn resolves_through_proc_and_by_walking() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("pids");
        std::fs::create_dir_all(root.join("moatprobe")).unwrap();
        std::fs::create_dir_all(root.join("system.slice/docker-x.scope")).unwrap();
        let proc_root = dir.path().join("proc");
        std::fs::create_dir_all(proc_root.join("7")).unwrap();
        std::fs::write(
            proc_root.join("7/cgroup"),
            "8:pids:/moatprobe\n0::/moatprobe\n",
        )
        .unwrap();
        let ino = std::fs::metadata(root.join("moatprobe")).unwrap().ino();
        let mut r = Resolver::new(CgroupMode::V1Pids, root.clone(), proc_root.clone());
        assert_eq!(&*r.resolve(ino, 7), "moatprobe");
        // Cached, even for a process we know nothing about.
        assert_eq!(&*r.resolve(ino, 99), "moatprobe");
        let mut r = Resolver::new(CgroupMode::V1Pids, root.clone(), proc_root);
        assert_eq!(&*r.resolve(ino, 99), "moatprobe", "found by walking");
        assert_eq!(&*r.resolve(0, 7), HOST);
        let root_ino = std::fs::metadata(&root).unwrap().ino();
        assert_eq!(&*r.resolve(root_ino, 7), HOST);
        assert_eq!(&*r.resolve(u64::MAX, 7), HOST);
    }

    #[test]
    fn reads_the_v2_line_in_v2_mode() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("cg");
        let leaf = format!("system.slice/docker-{ID}.scope");
        std::fs::create_dir_all(root.join(&leaf)).unwrap();
        let proc_root = dir.path().join("proc");
        std::fs::create_dir_all(proc_root.join("9")).unwrap();
        std::fs::write(
            proc_root.join("9/cgroup"),
            format!("4:memory:/other\n0::/{leaf}\n"),
        )
        .unwrap();
        let ino = std::fs::metadata(root.join(&leaf)).unwrap().ino();
        let mut r = Resolver::new(CgroupMode::V2, root, proc_root);
        assert_eq!(r.mode(), CgroupMode::V2);
        assert_eq!(&*r.resolve(ino, 9), "3ad7b26ded6d");
    }

    #[test]
    fn detects_hybrid_and_v2() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("pids")).unwrap();
        assert_eq!(CgroupMode::detect(dir.path()).0, CgroupMode::V1Pids);
        std::fs::write(dir.path().join("cgroup.controllers"), "").unwrap();
        assert_eq!(CgroupMode::detect(dir.path()).0, CgroupMode::V2);
    }
}
