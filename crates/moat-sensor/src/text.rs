//! Falco's text forms of raw syscall values: open flags (`O_RDONLY|O_CLOEXEC`), file
//! modes (`S_ISUID|S_IRWXU…`), `ptrace` requests, errno names, capability sets, socket
//! addresses.

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

const O_FLAGS: &[(u64, &str)] = &[
    (0o100, "O_CREAT"),
    (0o200, "O_EXCL"),
    (0o400, "O_NOCTTY"),
    (0o1000, "O_TRUNC"),
    (0o2000, "O_APPEND"),
    (0o4000, "O_NONBLOCK"),
    (0o10000, "O_DSYNC"),
    (0o20000, "O_ASYNC"),
    (0o40000, "O_DIRECT"),
    (0o100_000, "O_LARGEFILE"),
    (0o200_000, "O_DIRECTORY"),
    (0o400_000, "O_NOFOLLOW"),
    (0o1_000_000, "O_NOATIME"),
    (0o2_000_000, "O_CLOEXEC"),
    (0o10_000_000, "O_PATH"),
    (0o20_000_000, "O_TMPFILE"),
];

/// `O_CREAT` as a bit.
pub const O_CREAT: u64 = 0o100;
/// `O_TMPFILE` bits (it includes `O_DIRECTORY`).
pub const O_TMPFILE: u64 = 0o20_200_000;

/// Open flags as Falco prints them: the access mode first, then the other flags.
pub fn open_flags(flags: u64) -> String {
    let mut s = String::from(match flags & 3 {
        0 => "O_RDONLY",
        1 => "O_WRONLY",
        _ => "O_RDWR",
    });
    for (bit, name) in O_FLAGS {
        if flags & bit != 0 {
            s.push('|');
            s.push_str(name);
        }
    }
    s
}

const MODE_BITS: &[(u64, &str)] = &[
    (0o4000, "S_ISUID"),
    (0o2000, "S_ISGID"),
    (0o1000, "S_ISVTX"),
    (0o400, "S_IRUSR"),
    (0o200, "S_IWUSR"),
    (0o100, "S_IXUSR"),
    (0o40, "S_IRGRP"),
    (0o20, "S_IWGRP"),
    (0o10, "S_IXGRP"),
    (0o4, "S_IROTH"),
    (0o2, "S_IWOTH"),
    (0o1, "S_IXOTH"),
];

/// A file mode as `|`-joined `S_*` names (`0` for none).
pub fn mode(m: u64) -> String {
    bits(m, MODE_BITS)
}

/// A `ptrace` request name (`PTRACE_ATTACH`), or the number.
pub fn ptrace_request(r: u64) -> String {
    let name = match r {
        0 => "PTRACE_TRACEME",
        1 => "PTRACE_PEEKTEXT",
        2 => "PTRACE_PEEKDATA",
        3 => "PTRACE_PEEKUSR",
        4 => "PTRACE_POKETEXT",
        5 => "PTRACE_POKEDATA",
        6 => "PTRACE_POKEUSR",
        7 => "PTRACE_CONT",
        8 => "PTRACE_KILL",
        9 => "PTRACE_SINGLESTEP",
        12 => "PTRACE_GETREGS",
        13 => "PTRACE_SETREGS",
        14 => "PTRACE_GETFPREGS",
        15 => "PTRACE_SETFPREGS",
        16 => "PTRACE_ATTACH",
        17 => "PTRACE_DETACH",
        24 => "PTRACE_SYSCALL",
        0x4200 => "PTRACE_SETOPTIONS",
        0x4201 => "PTRACE_GETEVENTMSG",
        0x4202 => "PTRACE_GETSIGINFO",
        0x4203 => "PTRACE_SETSIGINFO",
        0x4204 => "PTRACE_GETREGSET",
        0x4205 => "PTRACE_SETREGSET",
        0x4206 => "PTRACE_SEIZE",
        0x4207 => "PTRACE_INTERRUPT",
        0x4208 => "PTRACE_LISTEN",
        _ => return r.to_string(),
    };
    name.into()
}

/// A `bpf` command name (`BPF_PROG_LOAD`), or the number.
pub fn bpf_cmd(c: u64) -> String {
    const CMDS: &[&str] = &[
        "BPF_MAP_CREATE",
        "BPF_MAP_LOOKUP_ELEM",
        "BPF_MAP_UPDATE_ELEM",
        "BPF_MAP_DELETE_ELEM",
        "BPF_MAP_GET_NEXT_KEY",
        "BPF_PROG_LOAD",
        "BPF_OBJ_PIN",
        "BPF_OBJ_GET",
        "BPF_PROG_ATTACH",
        "BPF_PROG_DETACH",
        "BPF_PROG_TEST_RUN",
    ];
    usize::try_from(c)
        .ok()
        .and_then(|i| CMDS.get(i))
        .map_or_else(|| c.to_string(), |s| (*s).to_string())
}

/// `memfd_create` flags.
pub fn memfd_flags(f: u64) -> String {
    const F: &[(u64, &str)] = &[
        (1, "MFD_CLOEXEC"),
        (2, "MFD_ALLOW_SEALING"),
        (4, "MFD_HUGETLB"),
        (8, "MFD_NOEXEC_SEAL"),
        (0x10, "MFD_EXEC"),
    ];
    bits(f, F)
}

/// `unlinkat`/`linkat`/`fchmodat` `AT_*` flags.
pub fn at_flags(f: u64) -> String {
    const F: &[(u64, &str)] = &[
        (0x100, "AT_SYMLINK_NOFOLLOW"),
        (0x200, "AT_REMOVEDIR"),
        (0x400, "AT_SYMLINK_FOLLOW"),
        (0x1000, "AT_EMPTY_PATH"),
    ];
    bits(f, F)
}

fn bits(f: u64, table: &[(u64, &str)]) -> String {
    let names: Vec<&str> = table
        .iter()
        .filter(|(b, _)| f & b != 0)
        .map(|(_, n)| *n)
        .collect();
    if names.is_empty() {
        "0".into()
    } else {
        names.join("|")
    }
}

/// Falco's `evt.res`: `SUCCESS` or the errno name (`ENOENT`).
pub fn res(r: i64) -> String {
    if r >= 0 {
        return "SUCCESS".into();
    }
    let name = match -r {
        1 => "EPERM",
        2 => "ENOENT",
        3 => "ESRCH",
        4 => "EINTR",
        5 => "EIO",
        9 => "EBADF",
        11 => "EAGAIN",
        12 => "ENOMEM",
        13 => "EACCES",
        14 => "EFAULT",
        16 => "EBUSY",
        17 => "EEXIST",
        18 => "EXDEV",
        20 => "ENOTDIR",
        21 => "EISDIR",
        22 => "EINVAL",
        24 => "EMFILE",
        28 => "ENOSPC",
        30 => "EROFS",
        36 => "ENAMETOOLONG",
        38 => "ENOSYS",
        39 => "ENOTEMPTY",
        40 => "ELOOP",
        88 => "ENOTSOCK",
        95 => "EOPNOTSUPP",
        97 => "EAFNOSUPPORT",
        98 => "EADDRINUSE",
        99 => "EADDRNOTAVAIL",
        101 => "ENETUNREACH",
        103 => "ECONNABORTED",
        104 => "ECONNRESET",
        106 => "EISCONN",
        110 => "ETIMEDOUT",
        111 => "ECONNREFUSED",
        113 => "EHOSTUNREACH",
        114 => "EALREADY",
        115 => "EINPROGRESS",
        _ => return format!("E{}", -r),
    };
    name.into()
}

const CAPS: &[&str] = &[
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

/// A capability set as Falco prints `thread.cap_effective`: names joined by spaces.
pub fn caps(set: u64) -> String {
    let mut s = String::new();
    for (i, name) in CAPS.iter().enumerate() {
        if set & (1 << i) != 0 {
            if !s.is_empty() {
                s.push(' ');
            }
            s.push_str(name);
        }
    }
    s
}

/// An IP address from the kernel's bytes for `family` (2: IPv4, 10: IPv6).
pub fn ip(family: u16, bytes: &[u8; 16]) -> Option<IpAddr> {
    match family {
        2 => Some(IpAddr::V4(Ipv4Addr::new(
            bytes[0], bytes[1], bytes[2], bytes[3],
        ))),
        10 => Some(IpAddr::V6(Ipv6Addr::from(*bytes))),
        _ => None,
    }
}

/// `ip:port` as Falco writes an endpoint (IPv6 without brackets, like Falco).
pub fn endpoint(ip: IpAddr, port: u16) -> String {
    let mut s = String::new();
    let _ = write!(s, "{ip}:{port}");
    s
}

/// A decoded `struct sockaddr`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SockAddr {
    /// IPv4 or IPv6 address and port.
    Inet(IpAddr, u16),
    /// Unix socket path (abstract ones start with `@`).
    Unix(String),
}

/// Parses a user `struct sockaddr` copied by the kernel side.
pub fn sockaddr(b: &[u8]) -> Option<SockAddr> {
    let family = u16::from_le_bytes([*b.first()?, *b.get(1)?]);
    let port = || Some(u16::from_be_bytes([*b.get(2)?, *b.get(3)?]));
    match family {
        2 => {
            let a = b.get(4..8)?;
            Some(SockAddr::Inet(
                IpAddr::V4(Ipv4Addr::new(a[0], a[1], a[2], a[3])),
                port()?,
            ))
        }
        10 => {
            let a: [u8; 16] = b.get(8..24)?.try_into().ok()?;
            Some(SockAddr::Inet(IpAddr::V6(Ipv6Addr::from(a)), port()?))
        }
        1 => {
            let path = b.get(2..)?;
            if path.first() == Some(&0) {
                let rest = path.get(1..).unwrap_or_default();
                let end = rest.iter().position(|&c| c == 0).unwrap_or(rest.len());
                Some(SockAddr::Unix(format!(
                    "@{}",
                    String::from_utf8_lossy(rest.get(..end).unwrap_or_default())
                )))
            } else {
                let end = path.iter().position(|&c| c == 0).unwrap_or(path.len());
                Some(SockAddr::Unix(
                    String::from_utf8_lossy(path.get(..end).unwrap_or_default()).into_owned(),
                ))
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn falco_texts() {
        assert_eq!(open_flags(0o2_000_000), "O_RDONLY|O_CLOEXEC");
        assert_eq!(open_flags(0o1101), "O_WRONLY|O_CREAT|O_TRUNC");
        assert_eq!(
            mode(0o4755),
            "S_ISUID|S_IRUSR|S_IWUSR|S_IXUSR|S_IRGRP|S_IXGRP|S_IROTH|S_IXOTH"
        );
        assert_eq!(mode(0), "0");
        assert_eq!(ptrace_request(16), "PTRACE_ATTACH");
        assert_eq!(ptrace_request(99), "99");
        assert_eq!(res(0), "SUCCESS");
        assert_eq!(res(-115), "EINPROGRESS");
        assert_eq!(res(-4095), "E4095");
        assert_eq!(caps(1 << 21 | 1), "CAP_CHOWN CAP_SYS_ADMIN");
        assert_eq!(bpf_cmd(5), "BPF_PROG_LOAD");
        assert_eq!(memfd_flags(1), "MFD_CLOEXEC");
        assert_eq!(at_flags(0x200), "AT_REMOVEDIR");
    }

    #[test]
    fn sockaddrs_and_networks() {
        let v4 = [2, 0, 0x1f, 0x90, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0];
        let a = sockaddr(&v4).unwrap();
        assert_eq!(a, SockAddr::Inet("127.0.0.1".parse().unwrap(), 8080));
        let mut un = vec![1, 0];
        un.extend_from_slice(b"/run/x.sock\0junk");
        assert_eq!(sockaddr(&un), Some(SockAddr::Unix("/run/x.sock".into())));
        assert_eq!(
            sockaddr(&[1, 0, 0, b'a', b'b', 0]),
            Some(SockAddr::Unix("@ab".into()))
        );
        assert_eq!(sockaddr(&[2, 0, 1]), None);
        assert_eq!(sockaddr(&[]), None);
        assert_eq!(endpoint("::1".parse().unwrap(), 80), "::1:80");
    }
}
