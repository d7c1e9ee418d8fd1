//! Real containers for the sensor tests: Debian's `runc` on a busybox root filesystem.
//!
//! * The **base root filesystem** (`busybox-static` plus a symlink per applet in `/bin`,
//!   `/etc/passwd`, `/etc/group`, `/etc/shadow`, and two static helpers compiled with
//!   `cc -static`: `/usr/local/bin/ptrace-attach` and `/usr/local/bin/payload`) is built
//!   once per target directory under `CARGO_TARGET_TMPDIR/moat-sensor-runc/`.
//! * Each [`Container`] mounts an **overlayfs** (base as lower layer, a fresh upper
//!   directory) as its root, as containerd and CRI-O do, so files written in the container
//!   land in its own upper layer (Falco's `proc.is_exe_upper_layer`).
//! * `runc run -d` starts it with a 64-hex-digit ID (the shape of real container IDs) and
//!   `cgroupsPath` `/moat-test/<id>`; on this hybrid host runc 1.1.5 then puts the init
//!   process in `/moat-test/<id>` of every v1 hierarchy and of the unified (v2) one.
//! * Namespaces pid, mount, ipc, uts always; net only with [`Network::Private`]: tests that
//!   talk to a listener the test runs on the host's 127.0.0.1 use [`Network::Host`].
//! * Dropping a [`Container`] kills and deletes it, unmounts its root and removes its
//!   directory, whatever the test did.

use std::fmt;
use std::fs;
use std::io::Read;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Parent cgroup of every test container (`cgroupsPath` is `/moat-test/<id>`).
pub const CGROUP_PARENT: &str = "/moat-test";

/// The base root filesystem's layout version: bump it when the layout changes so a stale
/// cached copy is not reused.
const ROOTFS_VERSION: u32 = 1;

/// Contents of the container's `/etc/shadow` (read by the shadow scenario).
pub const SHADOW: &str = "root:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n";

/// A harness failure, with what was being done.
#[derive(Debug)]
pub struct HarnessError(pub String);

impl fmt::Display for HarnessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for HarnessError {}

/// The harness's result type.
pub type Result<T> = std::result::Result<T, HarnessError>;

/// Maps an IO error to a [`HarnessError`] naming what failed.
pub fn io_err(what: impl fmt::Display) -> impl FnOnce(std::io::Error) -> HarnessError {
    move |e| HarnessError(format!("{what}: {e}"))
}

/// Why the real-container tests cannot run here, or `None` when they can.
pub fn skip_reason() -> Option<String> {
    if !is_root() {
        return Some("not root (runc and overlay mounts need root)".into());
    }
    for (tool, arg, package) in [
        ("runc", "--version", "runc"),
        ("busybox", "--help", "busybox-static"),
        ("cc", "--version", "gcc"),
        ("script", "--version", "bsdutils"),
        ("mount", "--version", "mount"),
    ] {
        let ok = Command::new(tool)
            .arg(arg)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok();
        if !ok {
            return Some(format!(
                "`{tool}` is missing (Debian package {package}; run scripts/setup-test-deps)"
            ));
        }
    }
    let filesystems = fs::read_to_string("/proc/filesystems").unwrap_or_default();
    if !filesystems
        .lines()
        .any(|l| l.trim_end().ends_with("overlay"))
    {
        return Some("the kernel has no overlay filesystem".into());
    }
    None
}

fn is_root() -> bool {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|euid| euid == "0"))
        })
        .unwrap_or(false)
}

/// The harness's working directory under the target directory.
pub fn work_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("moat-sensor-runc")
}

/// The base root filesystem (built on first use, then reused). Containers mount it as
/// their read-only lower layer; never write into it.
pub fn base_rootfs() -> Result<&'static Path> {
    static BASE: OnceLock<std::result::Result<PathBuf, String>> = OnceLock::new();
    BASE.get_or_init(|| build_base_rootfs().map_err(|e| e.0))
        .as_deref()
        .map_err(|e| HarnessError(e.clone()))
}

fn build_base_rootfs() -> Result<PathBuf> {
    let dir = work_dir();
    let done = dir.join(format!("rootfs-v{ROOTFS_VERSION}"));
    if done.join(".complete").is_file() {
        return Ok(done);
    }
    // Build beside and rename: concurrent test binaries never see a half-built tree.
    let tmp = dir.join(format!(
        "rootfs-v{ROOTFS_VERSION}.tmp-{}",
        std::process::id()
    ));
    if tmp.exists() {
        fs::remove_dir_all(&tmp).map_err(io_err(format!("remove {}", tmp.display())))?;
    }
    if let Err(e) = populate_rootfs(&tmp) {
        let _ = fs::remove_dir_all(&tmp);
        return Err(e);
    }
    fs::write(tmp.join(".complete"), b"").map_err(io_err("mark rootfs complete"))?;
    match fs::rename(&tmp, &done) {
        Ok(()) => Ok(done),
        // Another test binary won the race: use its copy.
        Err(_) if done.join(".complete").is_file() => {
            let _ = fs::remove_dir_all(&tmp);
            Ok(done)
        }
        Err(e) => Err(HarnessError(format!(
            "rename {} to {}: {e}",
            tmp.display(),
            done.display()
        ))),
    }
}

fn populate_rootfs(root: &Path) -> Result<()> {
    for d in [
        "bin",
        "etc",
        "dev",
        "proc",
        "sys",
        "tmp",
        "root",
        "run",
        "var/tmp",
        "usr/local/bin",
    ] {
        let path = root.join(d);
        fs::create_dir_all(&path).map_err(io_err(format!("mkdir {}", path.display())))?;
    }
    for d in ["tmp", "var/tmp"] {
        set_mode(&root.join(d), 0o1777)?;
    }
    let busybox = find_static_busybox()?;
    let target = root.join("bin/busybox");
    fs::copy(&busybox, &target).map_err(io_err(format!("copy {}", busybox.display())))?;
    set_mode(&target, 0o755)?;
    let list = run_checked(Command::new(&target).arg("--list"), "busybox --list")?;
    for applet in String::from_utf8_lossy(&list.stdout).lines() {
        let applet = applet.trim();
        if applet.is_empty() || applet == "busybox" || applet.contains('/') {
            continue;
        }
        let link = root.join("bin").join(applet);
        symlink("busybox", &link).map_err(io_err(format!("symlink {}", link.display())))?;
    }
    let etc = root.join("etc");
    write_file(
        &etc.join("passwd"),
        "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
        0o644,
    )?;
    write_file(&etc.join("group"), "root:x:0:\nnogroup:x:65534:\n", 0o644)?;
    write_file(&etc.join("shadow"), SHADOW, 0o640)?;
    write_file(&etc.join("hostname"), "moat-test\n", 0o644)?;
    compile_static(
        include_str!("ptrace_attach.c"),
        &root.join("usr/local/bin/ptrace-attach"),
    )?;
    compile_static(
        include_str!("payload.c"),
        &root.join("usr/local/bin/payload"),
    )?;
    Ok(())
}

/// Debian's `busybox-static` installs a static `/bin/busybox`; the dynamic `busybox`
/// package would not run inside the root filesystem, which has no libc.
fn find_static_busybox() -> Result<PathBuf> {
    for candidate in ["/bin/busybox", "/usr/bin/busybox"] {
        let path = Path::new(candidate);
        let Ok(bytes) = fs::read(path) else { continue };
        if !has_interpreter(&bytes) {
            return Ok(path.to_path_buf());
        }
        return Err(HarnessError(format!(
            "{candidate} is dynamically linked: install busybox-static"
        )));
    }
    Err(HarnessError(
        "busybox not found: install busybox-static".into(),
    ))
}

/// Whether a 64-bit little-endian ELF file has a `PT_INTERP` program header (is dynamically
/// linked). Anything unreadable counts as dynamic.
fn has_interpreter(elf: &[u8]) -> bool {
    const PT_INTERP: u32 = 3;
    let field = |at: usize, len: usize| -> Option<u64> {
        let bytes = elf.get(at..at + len)?;
        Some(
            bytes
                .iter()
                .rev()
                .fold(0, |acc, b| (acc << 8) | u64::from(*b)),
        )
    };
    let header = || -> Option<bool> {
        if elf.get(..6)? != b"\x7fELF\x02\x01" {
            return None;
        }
        let phoff = usize::try_from(field(0x20, 8)?).ok()?;
        let phentsize = usize::try_from(field(0x36, 2)?).ok()?;
        let phnum = usize::try_from(field(0x38, 2)?).ok()?;
        (0..phnum)
            .map(|i| field(phoff + i * phentsize, 4))
            .try_fold(false, |found, t| Some(found || t? == u64::from(PT_INTERP)))
    };
    header().unwrap_or(true)
}

/// Compiles a C source to a static executable with `cc -static`.
fn compile_static(source: &str, out: &Path) -> Result<()> {
    let src = out.with_extension("c");
    fs::write(&src, source).map_err(io_err(format!("write {}", src.display())))?;
    run_checked(
        Command::new("cc")
            .args(["-static", "-O2", "-o"])
            .arg(out)
            .arg(&src),
        &format!("cc -static {}", src.display()),
    )?;
    fs::remove_file(&src).map_err(io_err(format!("remove {}", src.display())))?;
    Ok(())
}

fn write_file(path: &Path, contents: &str, mode: u32) -> Result<()> {
    fs::write(path, contents).map_err(io_err(format!("write {}", path.display())))?;
    set_mode(path, mode)
}

fn set_mode(path: &Path, mode: u32) -> Result<()> {
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .map_err(io_err(format!("chmod {}", path.display())))
}

/// Runs a command to completion (stdin from `/dev/null`) and fails unless it exits 0.
pub fn run_checked(cmd: &mut Command, what: &str) -> Result<Output> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(io_err(format!("spawn {what}")))?;
    if out.status.success() {
        Ok(out)
    } else {
        Err(HarnessError(format!(
            "{what}: {}\nstdout: {}\nstderr: {}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )))
    }
}

/// A fresh 64-hex-digit container ID, like the ones containerd, CRI-O and Docker use.
pub fn new_container_id() -> Result<String> {
    let mut bytes = [0u8; 32];
    fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(io_err("read /dev/urandom"))?;
    Ok(bytes.iter().fold(String::with_capacity(64), |mut hex, b| {
        hex.push_str(&format!("{b:02x}"));
        hex
    }))
}

/// The container's network namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Network {
    /// A new, empty network namespace (runc brings its loopback up).
    Private,
    /// The host's network namespace: the container reaches listeners on the host's
    /// 127.0.0.1, as a `hostNetwork: true` pod would.
    Host,
}

/// One line of `/proc/<pid>/cgroup`: `hierarchy-ID:controller-list:path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CgroupLine {
    /// Hierarchy ID (`0` is the unified cgroup v2 hierarchy).
    pub hierarchy: u32,
    /// Controllers bound to the hierarchy (`cpu`, `name=systemd`; empty for v2).
    pub controllers: String,
    /// The path of the task's cgroup in that hierarchy.
    pub path: String,
}

/// Parses `/proc/<pid>/cgroup`.
pub fn read_cgroups(pid: u32) -> Result<Vec<CgroupLine>> {
    let file = format!("/proc/{pid}/cgroup");
    let text = fs::read_to_string(&file).map_err(io_err(format!("read {file}")))?;
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            let mut parts = line.splitn(3, ':');
            let (Some(h), Some(c), Some(p)) = (parts.next(), parts.next(), parts.next()) else {
                return Err(HarnessError(format!(
                    "{file}:{}: malformed line {line:?}",
                    i + 1
                )));
            };
            let hierarchy = h
                .parse()
                .map_err(|_| HarnessError(format!("{file}:{}: bad hierarchy ID {h:?}", i + 1)))?;
            Ok(CgroupLine {
                hierarchy,
                controllers: c.to_owned(),
                path: p.to_owned(),
            })
        })
        .collect()
}

/// A running runc container; killed, deleted and unmounted when dropped.
#[derive(Debug)]
pub struct Container {
    id: String,
    dir: PathBuf,
    rootfs: PathBuf,
    upper: PathBuf,
    init_pid: u32,
    cgroups: Vec<CgroupLine>,
    network: Network,
    mounted: bool,
    created: bool,
}

impl Container {
    /// Starts a container whose init process is `sleep 3600` (the scenarios use
    /// `runc exec`).
    pub fn start(network: Network) -> Result<Self> {
        let lower = base_rootfs()?;
        let id = new_container_id()?;
        let dir = work_dir().join(format!("ct-{}", &id[..12]));
        let mut ct = Container {
            rootfs: dir.join("bundle/rootfs"),
            upper: dir.join("upper"),
            id,
            dir,
            init_pid: 0,
            cgroups: Vec::new(),
            network,
            mounted: false,
            created: false,
        };
        // From here on, Drop cleans up whatever was set up.
        ct.setup(lower)?;
        Ok(ct)
    }

    fn setup(&mut self, lower: &Path) -> Result<()> {
        let work = self.dir.join("work");
        for d in [&self.rootfs, &self.upper, &work] {
            fs::create_dir_all(d).map_err(io_err(format!("mkdir {}", d.display())))?;
        }
        let options = format!(
            "lowerdir={},upperdir={},workdir={}",
            lower.display(),
            self.upper.display(),
            work.display()
        );
        run_checked(
            Command::new("mount")
                .args(["-t", "overlay", "overlay", "-o", &options])
                .arg(&self.rootfs),
            "mount overlay root",
        )?;
        self.mounted = true;
        let bundle = self.dir.join("bundle");
        let config = oci_config(&self.id, self.network);
        fs::write(bundle.join("config.json"), config).map_err(io_err("write config.json"))?;
        let pid_file = self.dir.join("init.pid");
        self.created = true;
        // Detached with terminal=false: runc hands its stdio to the container's init, so
        // give it /dev/null and a file, never a pipe this process would wait on for EOF.
        let log = self.dir.join("runc-run.log");
        let log_file =
            fs::File::create(&log).map_err(io_err(format!("create {}", log.display())))?;
        let status = Command::new("runc")
            .args(["run", "-d", "--bundle"])
            .arg(&bundle)
            .arg("--pid-file")
            .arg(&pid_file)
            .arg(&self.id)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .status()
            .map_err(io_err("spawn runc run"))?;
        if !status.success() {
            return Err(HarnessError(format!(
                "runc run -d {}: {status}: {}",
                self.id,
                fs::read_to_string(&log).unwrap_or_default()
            )));
        }
        let pid = fs::read_to_string(&pid_file).map_err(io_err("read runc pid file"))?;
        self.init_pid = pid
            .trim()
            .parse()
            .map_err(|_| HarnessError(format!("runc pid file holds {pid:?}")))?;
        self.cgroups = read_cgroups(self.init_pid)?;
        Ok(())
    }

    /// The 64-hex-digit container ID (Falco's `container.id` is its first 12 digits).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Falco's `container.id`: the first 12 hex digits of the ID.
    pub fn short_id(&self) -> &str {
        &self.id[..12]
    }

    /// The host PID of the container's init process.
    pub fn init_pid(&self) -> u32 {
        self.init_pid
    }

    /// The init process's `/proc/<pid>/cgroup`, read right after start.
    pub fn cgroups(&self) -> &[CgroupLine] {
        &self.cgroups
    }

    /// The init process's cgroup path in the hierarchy of `controller` (`"memory"`,
    /// `"name=systemd"`, or `""` for the unified v2 hierarchy).
    pub fn cgroup_path(&self, controller: &str) -> Option<&str> {
        self.cgroups
            .iter()
            .find(|c| {
                if controller.is_empty() {
                    c.hierarchy == 0
                } else {
                    c.controllers.split(',').any(|x| x == controller)
                }
            })
            .map(|c| c.path.as_str())
    }

    /// The container's network namespace choice.
    pub fn network(&self) -> Network {
        self.network
    }

    /// The merged root filesystem as seen from the host.
    pub fn rootfs(&self) -> &Path {
        &self.rootfs
    }

    /// The container's writable upper layer (what the container wrote, seen from the host).
    pub fn upper(&self) -> &Path {
        &self.upper
    }

    /// `runc exec` without a terminal: stdin `/dev/null`, output captured. The process's
    /// parent on the host is the `runc exec` process (comm `runc`).
    pub fn exec(&self, args: &[&str]) -> Result<Output> {
        Command::new("runc")
            .arg("exec")
            .arg(&self.id)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .map_err(io_err(format!("spawn runc exec {args:?}")))
    }

    /// Like [`Container::exec`] but fails unless the process exits 0.
    pub fn exec_ok(&self, args: &[&str]) -> Result<Output> {
        run_checked(
            Command::new("runc").arg("exec").arg(&self.id).args(args),
            &format!("runc exec {} {args:?}", self.short_id()),
        )
    }

    /// `runc exec -t` under `script(1)`: `script` gives runc a pseudo-terminal, runc
    /// allocates the container's own pty (on the container's `/dev/pts`), so the process
    /// has a controlling terminal (`proc.tty != 0`). `script` merges stdout and stderr.
    pub fn exec_tty(&self, args: &[&str]) -> Result<Output> {
        let mut command = format!("runc exec -t {}", self.id);
        for a in args {
            command.push(' ');
            command.push_str(&shell_quote(a));
        }
        run_checked(
            Command::new("script").args(["-q", "-e", "-c", &command, "/dev/null"]),
            &format!("script -c {command:?}"),
        )
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        if self.created {
            quiet(Command::new("runc").args(["kill", &self.id, "KILL"]));
            // `delete --force` also kills; retry while runc still knows the container (its
            // init may still be exiting), but not when `runc run` never created it.
            let deadline = Instant::now() + Duration::from_secs(10);
            while quiet(Command::new("runc").args(["state", &self.id]))
                && !quiet(Command::new("runc").args(["delete", "--force", &self.id]))
                && Instant::now() < deadline
            {
                std::thread::sleep(Duration::from_millis(50));
            }
            remove_cgroup_parents();
        }
        if self.mounted {
            let deadline = Instant::now() + Duration::from_secs(10);
            while !quiet(Command::new("umount").arg(&self.rootfs)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Runs a command with all stdio on `/dev/null`; true when it exits 0.
fn quiet(cmd: &mut Command) -> bool {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// runc removes the container's own cgroups; this removes the `/moat-test` parents when
/// no other test container still uses them (rmdir of a non-empty cgroup just fails).
fn remove_cgroup_parents() {
    let Ok(entries) = fs::read_dir("/sys/fs/cgroup") else {
        return;
    };
    let parent = CGROUP_PARENT.trim_start_matches('/');
    for entry in entries.flatten() {
        let _ = fs::remove_dir(entry.path().join(parent));
    }
}

/// Quotes a word for `sh -c` (the command line `script -c` runs).
pub fn shell_quote(word: &str) -> String {
    if !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@".contains(&b))
    {
        return word.to_owned();
    }
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// The OCI runtime spec (`config.json`) of a test container: `runc spec`'s defaults
/// (capabilities `AUDIT_WRITE`, `KILL`, `NET_BIND_SERVICE`; masked and read-only `/proc`
/// paths; no seccomp profile) with a writable root, `sleep 3600` as init, the cgroup
/// `/moat-test/<id>` and the chosen network namespace.
fn oci_config(id: &str, network: Network) -> String {
    let caps = r#"["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]"#;
    let net = match network {
        Network::Private => r#", {"type": "network"}"#,
        Network::Host => "",
    };
    // The ID is hex digits (new_container_id), so it needs no JSON escaping.
    let cgroups_path = format!("\"{CGROUP_PARENT}/{id}\"");
    format!(
        r#"{{
  "ociVersion": "1.0.2-dev",
  "process": {{
    "terminal": false,
    "user": {{"uid": 0, "gid": 0}},
    "args": ["sleep", "3600"],
    "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
    "cwd": "/",
    "capabilities": {{"bounding": {caps}, "effective": {caps}, "permitted": {caps}, "ambient": {caps}}},
    "rlimits": [{{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}}],
    "noNewPrivileges": true
  }},
  "root": {{"path": "rootfs", "readonly": false}},
  "hostname": "moat-test",
  "mounts": [
    {{"destination": "/proc", "type": "proc", "source": "proc"}},
    {{"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]}},
    {{"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]}},
    {{"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]}},
    {{"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]}},
    {{"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]}},
    {{"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}}
  ],
  "linux": {{
    "cgroupsPath": {cgroups_path},
    "resources": {{"devices": [{{"allow": false, "access": "rwm"}}]}},
    "namespaces": [{{"type": "pid"}}, {{"type": "ipc"}}, {{"type": "uts"}}, {{"type": "mount"}}{net}],
    "maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
    "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
  }}
}}
"#
    )
}
