//! The system calls the sensor records (x86-64 numbers), with what the kernel side must
//! copy for each (string arguments, socket address, socket of a descriptor) and the
//! Falco event type and argument names user space gives them.

/// How a system call's arguments are read and named.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `open(path, flags, mode)`.
    Open,
    /// `openat(dirfd, path, flags, mode)`.
    OpenAt,
    /// `openat2(dirfd, path, how, size)`.
    OpenAt2,
    /// `creat(path, mode)`.
    Creat,
    /// `connect(fd, addr, len)`.
    Connect,
    /// `accept`/`accept4(fd, addr, len[, flags])`.
    Accept,
    /// `bind(fd, addr, len)`.
    Bind,
    /// `ptrace(request, pid, addr, data)`.
    Ptrace,
    /// `setuid`, `setresgid`, …: numeric id arguments with these names.
    SetId(&'static [&'static str]),
    /// `mount(dev, dir, type, flags, data)`.
    Mount,
    /// `umount2(name, flags)`.
    Umount2,
    /// `init_module(image, len, uargs)`.
    InitModule,
    /// `finit_module(fd, uargs, flags)`.
    FinitModule,
    /// `bpf(cmd, attr, size)`.
    Bpf,
    /// `memfd_create(name, flags)`.
    MemfdCreate,
    /// `unlink(path)`.
    Unlink,
    /// `unlinkat(dirfd, name, flags)`.
    Unlinkat,
    /// Two paths: `rename`, `link` (`oldpath`, `newpath`), `symlink` (`target`, `linkpath`).
    TwoPaths(&'static str, &'static str),
    /// Two paths relative to directories: `renameat`, `renameat2`, `linkat`.
    TwoPathsAt,
    /// `symlinkat(target, linkdirfd, linkpath)`.
    Symlinkat,
    /// `chmod(filename, mode)`.
    Chmod,
    /// `fchmod(fd, mode)`.
    Fchmod,
    /// `fchmodat`/`fchmodat2(dirfd, filename, mode[, flags])`.
    Fchmodat,
    /// `chdir(path)`: keeps the process's working directory current.
    Chdir,
    /// `fchdir(fd)`.
    Fchdir,
}

impl Kind {
    /// Whether the call takes a path that may be relative to the working directory.
    pub fn takes_relative_paths(self) -> bool {
        matches!(
            self,
            Kind::Open
                | Kind::OpenAt
                | Kind::OpenAt2
                | Kind::Creat
                | Kind::Unlink
                | Kind::Unlinkat
                | Kind::TwoPaths(..)
                | Kind::TwoPathsAt
                | Kind::Symlinkat
                | Kind::Chmod
                | Kind::Fchmodat
                | Kind::Chdir
        )
    }
}

/// One recorded system call.
#[derive(Clone, Copy, Debug)]
pub struct Syscall {
    /// x86-64 number.
    pub nr: u32,
    /// Falco event type (the syscall's name).
    pub name: &'static str,
    /// Argument handling.
    pub kind: Kind,
}

const fn sc(nr: u32, name: &'static str, kind: Kind) -> Syscall {
    Syscall { nr, name, kind }
}

/// Every system call the sensor can record.
pub const SYSCALLS: &[Syscall] = &[
    sc(2, "open", Kind::Open),
    sc(257, "openat", Kind::OpenAt),
    sc(437, "openat2", Kind::OpenAt2),
    sc(85, "creat", Kind::Creat),
    sc(42, "connect", Kind::Connect),
    sc(43, "accept", Kind::Accept),
    sc(288, "accept4", Kind::Accept),
    sc(49, "bind", Kind::Bind),
    sc(101, "ptrace", Kind::Ptrace),
    sc(105, "setuid", Kind::SetId(&["uid"])),
    sc(106, "setgid", Kind::SetId(&["gid"])),
    sc(113, "setreuid", Kind::SetId(&["ruid", "euid"])),
    sc(114, "setregid", Kind::SetId(&["rgid", "egid"])),
    sc(117, "setresuid", Kind::SetId(&["ruid", "euid", "suid"])),
    sc(119, "setresgid", Kind::SetId(&["rgid", "egid", "sgid"])),
    sc(165, "mount", Kind::Mount),
    sc(166, "umount2", Kind::Umount2),
    sc(175, "init_module", Kind::InitModule),
    sc(313, "finit_module", Kind::FinitModule),
    sc(321, "bpf", Kind::Bpf),
    sc(319, "memfd_create", Kind::MemfdCreate),
    sc(87, "unlink", Kind::Unlink),
    sc(263, "unlinkat", Kind::Unlinkat),
    sc(82, "rename", Kind::TwoPaths("oldpath", "newpath")),
    sc(264, "renameat", Kind::TwoPathsAt),
    sc(316, "renameat2", Kind::TwoPathsAt),
    sc(86, "link", Kind::TwoPaths("oldpath", "newpath")),
    sc(265, "linkat", Kind::TwoPathsAt),
    sc(88, "symlink", Kind::TwoPaths("target", "linkpath")),
    sc(266, "symlinkat", Kind::Symlinkat),
    sc(90, "chmod", Kind::Chmod),
    sc(91, "fchmod", Kind::Fchmod),
    sc(268, "fchmodat", Kind::Fchmodat),
    sc(452, "fchmodat2", Kind::Fchmodat),
    sc(80, "chdir", Kind::Chdir),
    sc(81, "fchdir", Kind::Fchdir),
];

/// Event types whose `fd.name` is the opened path (the kernel can filter them by path).
pub const OPEN_TYPES: &[&str] = &["open", "openat", "openat2", "creat"];

/// Event types produced by the process tracepoints rather than system calls.
pub const PROCESS_TYPES: &[&str] = &["execve", "execveat", "clone", "fork", "vfork", "procexit"];

/// The system call with number `nr`.
pub fn by_nr(nr: u32) -> Option<&'static Syscall> {
    SYSCALLS.iter().find(|s| s.nr == nr)
}

/// The system call named `name` (a Falco event type).
pub fn by_name(name: &str) -> Option<&'static Syscall> {
    SYSCALLS.iter().find(|s| s.name == name)
}

/// The kernel-side record specification (`struct spec` in `sensor.bpf.c`): enabled,
/// three string argument slots, sockaddr argument, its length argument, socket source,
/// `open_how` argument (argument indexes plus one, 0 for none), whether the first
/// string is an opened path for the kernel's path filter (only with `filter_opens`), and
/// [`dir_of_first_path`].
pub fn kernel_spec(kind: Kind, filter_opens: bool) -> [u8; 10] {
    let mut spec = [0; 10];
    spec[..8].copy_from_slice(&record_spec(kind));
    let opens = matches!(
        kind,
        Kind::Open | Kind::OpenAt | Kind::OpenAt2 | Kind::Creat
    );
    spec[8] = u8::from(opens && filter_opens);
    spec[9] = dir_of_first_path(kind);
    spec
}

/// What a relative first path of `kind` is resolved against, which the kernel walks and
/// sends as the third string when a path is relative: 1 the working directory, 2 the
/// directory descriptor in the first argument, 0 nothing (no relative paths).
pub fn dir_of_first_path(kind: Kind) -> u8 {
    match kind {
        Kind::OpenAt | Kind::OpenAt2 | Kind::Unlinkat | Kind::Fchmodat | Kind::TwoPathsAt => 2,
        k if k.takes_relative_paths() => 1,
        _ => 0,
    }
}

fn record_spec(kind: Kind) -> [u8; 8] {
    // [enabled, str0, str1, str2, sockaddr, sockaddr_len, sock_fd, how]
    match kind {
        Kind::Open
        | Kind::Creat
        | Kind::Umount2
        | Kind::MemfdCreate
        | Kind::Unlink
        | Kind::Chmod
        | Kind::Chdir => [1, 1, 0, 0, 0, 0, 0, 0],
        Kind::OpenAt | Kind::Unlinkat | Kind::Fchmodat | Kind::FinitModule => {
            [1, 2, 0, 0, 0, 0, 0, 0]
        }
        Kind::OpenAt2 => [1, 2, 0, 0, 0, 0, 0, 3],
        Kind::Connect | Kind::Bind => [1, 0, 0, 0, 2, 3, 1, 0],
        Kind::Accept => [1, 0, 0, 0, 0, 0, 2, 0],
        Kind::Ptrace | Kind::SetId(_) | Kind::Bpf | Kind::Fchmod | Kind::Fchdir => {
            [1, 0, 0, 0, 0, 0, 0, 0]
        }
        Kind::Mount => [1, 1, 2, 3, 0, 0, 0, 0],
        Kind::InitModule => [1, 3, 0, 0, 0, 0, 0, 0],
        Kind::TwoPaths(..) => [1, 1, 2, 0, 0, 0, 0, 0],
        Kind::TwoPathsAt => [1, 2, 4, 0, 0, 0, 0, 0],
        Kind::Symlinkat => [1, 1, 3, 0, 0, 0, 0, 0],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_names_are_unique_and_known_to_falco() {
        for (i, a) in SYSCALLS.iter().enumerate() {
            assert!(a.nr < 512, "{}", a.name);
            assert!(
                moat_runtime::Source::Syscall.is_event_type(a.name),
                "{}",
                a.name
            );
            for b in SYSCALLS.iter().skip(i + 1) {
                assert_ne!(a.nr, b.nr);
                assert_ne!(a.name, b.name);
            }
        }
        for t in PROCESS_TYPES {
            assert!(moat_runtime::Source::Syscall.is_event_type(t), "{t}");
        }
        assert_eq!(by_name("openat").map(|s| s.nr), Some(257));
        assert_eq!(by_nr(101).map(|s| s.name), Some("ptrace"));
        assert_eq!(kernel_spec(Kind::Connect, true)[4], 2);
        assert_eq!(kernel_spec(Kind::Connect, true)[8], 0);
        assert_eq!(kernel_spec(Kind::OpenAt, true)[8], 1);
        assert_eq!(kernel_spec(Kind::OpenAt, false)[9], 2);
        assert_eq!(kernel_spec(Kind::Open, true)[9], 1);
        assert_eq!(kernel_spec(Kind::Connect, true)[9], 0);
        assert_eq!(kernel_spec(Kind::OpenAt, false)[8], 0);
    }
}
