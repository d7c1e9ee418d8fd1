//! The kernel's record format (`struct event_hdr` in `sensor.bpf.c`, little-endian,
//! 200 bytes) followed by three strings and a blob whose lengths the header gives.
//! Decoding checks every length against the record, so a short or corrupt record is an
//! error, never a panic.

/// Size of the fixed header.
pub const HEADER_LEN: usize = 200;

/// What produced a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordKind {
    /// A system call's exit (`nr` says which).
    Syscall,
    /// A successful `execve` (`sched_process_exec`).
    Exec,
    /// A new process (`sched_process_fork`, threads excluded).
    Fork,
    /// A process ending (`sched_process_exit` of the thread-group leader).
    Exit,
}

/// A decoded record, borrowing its variable parts from the ring buffer.
#[derive(Clone, Debug)]
pub struct Record<'a> {
    /// Kernel time (boot clock), nanoseconds.
    pub ts: u64,
    /// Cgroup id (kernfs node id) of the hierarchy the sensor watches.
    pub cgroup_id: u64,
    /// System call result (exit code for [`RecordKind::Exit`]).
    pub res: i64,
    /// Raw system call arguments (`args[4..6]` hold `open_how` flags/mode for `openat2`).
    pub args: [u64; 6],
    /// Effective capabilities.
    pub cap_eff: u64,
    /// Kind.
    pub kind: RecordKind,
    /// System call number.
    pub nr: u32,
    /// Process id (thread-group id).
    pub pid: u32,
    /// Thread id.
    pub tid: u32,
    /// Parent process id.
    pub ppid: u32,
    /// Real user id.
    pub uid: u32,
    /// Real group id.
    pub gid: u32,
    /// Effective user id.
    pub euid: u32,
    /// Effective group id.
    pub egid: u32,
    /// Audit login uid (`u32::MAX`: unset).
    pub loginuid: u32,
    /// Controlling terminal device number (0: none).
    pub tty: u32,
    /// Task command name.
    pub comm: &'a str,
    /// Socket address family (0: no socket information).
    pub family: u16,
    /// Socket type (`SOCK_STREAM` 1, `SOCK_DGRAM` 2, `SOCK_RAW` 3).
    pub sk_type: u16,
    /// Socket protocol (6 TCP, 17 UDP).
    pub proto: u16,
    /// Local port.
    pub lport: u16,
    /// Remote port.
    pub rport: u16,
    /// Local address bytes.
    pub laddr: [u8; 16],
    /// Remote address bytes.
    pub raddr: [u8; 16],
    /// String slots (without their NUL).
    pub strs: [&'a [u8]; 3],
    /// Binary blob (a `sockaddr`, or `argv` for exec).
    pub blob: &'a [u8],
}

/// A record that cannot be decoded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecordError {
    /// Shorter than the header.
    #[error("record of {len} bytes is shorter than the {HEADER_LEN}-byte header")]
    Short {
        /// Its length.
        len: usize,
    },
    /// A variable part runs past the end.
    #[error("record of {len} bytes: variable parts need {need}")]
    Truncated {
        /// Its length.
        len: usize,
        /// Bytes the header announces.
        need: usize,
    },
    /// Unknown kind.
    #[error("unknown record kind {0}")]
    Kind(u32),
}

fn u16_at(b: &[u8], o: usize) -> u16 {
    b.get(o..o + 2)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u16::from_le_bytes)
}

fn u32_at(b: &[u8], o: usize) -> u32 {
    b.get(o..o + 4)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u32::from_le_bytes)
}

fn u64_at(b: &[u8], o: usize) -> u64 {
    b.get(o..o + 8)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u64::from_le_bytes)
}

fn arr16(b: &[u8], o: usize) -> [u8; 16] {
    b.get(o..o + 16)
        .and_then(|s| s.try_into().ok())
        .unwrap_or([0; 16])
}

fn strip_nul(s: &[u8]) -> &[u8] {
    let end = s.iter().position(|&c| c == 0).unwrap_or(s.len());
    s.get(..end).unwrap_or_default()
}

/// Decodes one record.
pub fn decode(b: &[u8]) -> Result<Record<'_>, RecordError> {
    if b.len() < HEADER_LEN {
        return Err(RecordError::Short { len: b.len() });
    }
    let kind = match u32_at(b, 80) {
        1 => RecordKind::Syscall,
        2 => RecordKind::Exec,
        3 => RecordKind::Fork,
        4 => RecordKind::Exit,
        k => return Err(RecordError::Kind(k)),
    };
    let lens = [
        usize::from(u16_at(b, 124)),
        usize::from(u16_at(b, 126)),
        usize::from(u16_at(b, 128)),
        usize::from(u16_at(b, 130)),
    ];
    let need = HEADER_LEN + lens.iter().sum::<usize>();
    if need > b.len() {
        return Err(RecordError::Truncated { len: b.len(), need });
    }
    let mut off = HEADER_LEN;
    let mut part = |n: usize| {
        let s = b.get(off..off + n).unwrap_or_default();
        off += n;
        s
    };
    let strs = [
        strip_nul(part(lens[0])),
        strip_nul(part(lens[1])),
        strip_nul(part(lens[2])),
    ];
    let blob = part(lens[3]);
    let comm = strip_nul(b.get(132..148).unwrap_or_default());
    let mut args = [0u64; 6];
    for (i, a) in args.iter_mut().enumerate() {
        *a = u64_at(b, 24 + 8 * i);
    }
    Ok(Record {
        ts: u64_at(b, 0),
        cgroup_id: u64_at(b, 8),
        res: u64_at(b, 16).cast_signed(),
        args,
        cap_eff: u64_at(b, 72),
        kind,
        nr: u32_at(b, 84),
        pid: u32_at(b, 88),
        tid: u32_at(b, 92),
        ppid: u32_at(b, 96),
        uid: u32_at(b, 100),
        gid: u32_at(b, 104),
        euid: u32_at(b, 108),
        egid: u32_at(b, 112),
        loginuid: u32_at(b, 116),
        tty: u32_at(b, 120),
        comm: std::str::from_utf8(comm).unwrap_or("?"),
        family: u16_at(b, 148),
        sk_type: u16_at(b, 150),
        proto: u16_at(b, 152),
        lport: u16_at(b, 154),
        rport: u16_at(b, 156),
        laddr: arr16(b, 160),
        raddr: arr16(b, 176),
        strs,
        blob,
    })
}

/// Builds a record's bytes (tests and benchmarks of the user-space path).
#[derive(Clone, Debug, Default)]
pub struct RecordBuilder {
    header: Vec<u8>,
    tail: Vec<u8>,
}

impl RecordBuilder {
    /// A record of `kind` (1 syscall, 2 exec, 3 fork, 4 exit) for process `pid`.
    pub fn new(kind: u32, nr: u32, pid: u32) -> Self {
        let mut b = Self {
            header: vec![0; HEADER_LEN],
            tail: Vec::new(),
        };
        b.put(80, &kind.to_le_bytes());
        b.put(84, &nr.to_le_bytes());
        b.put(88, &pid.to_le_bytes());
        b.put(92, &pid.to_le_bytes());
        b.put(116, &u32::MAX.to_le_bytes());
        b
    }

    /// Writes raw bytes at a header offset.
    pub fn put(&mut self, off: usize, bytes: &[u8]) -> &mut Self {
        if let Some(dst) = self.header.get_mut(off..off + bytes.len()) {
            dst.copy_from_slice(bytes);
        }
        self
    }

    /// Sets argument `i`.
    pub fn arg(&mut self, i: usize, v: u64) -> &mut Self {
        self.put(24 + 8 * i, &v.to_le_bytes())
    }

    /// Sets the result.
    pub fn res(&mut self, r: i64) -> &mut Self {
        self.put(16, &r.to_le_bytes())
    }

    /// Sets the command name.
    pub fn comm(&mut self, c: &str) -> &mut Self {
        let mut buf = [0u8; 16];
        for (d, s) in buf.iter_mut().zip(c.bytes().take(15)) {
            *d = s;
        }
        self.put(132, &buf)
    }

    /// Appends string slot `slot` (slots must be added in order).
    pub fn string(&mut self, slot: usize, s: &str) -> &mut Self {
        let len = u16::try_from(s.len() + 1).unwrap_or(u16::MAX);
        self.put(124 + 2 * slot, &len.to_le_bytes());
        self.tail.extend_from_slice(s.as_bytes());
        self.tail.push(0);
        self
    }

    /// Appends the blob.
    pub fn blob(&mut self, b: &[u8]) -> &mut Self {
        let len = u16::try_from(b.len()).unwrap_or(u16::MAX);
        self.put(130, &len.to_le_bytes());
        self.tail.extend_from_slice(b);
        self
    }

    /// The record's bytes.
    pub fn build(&self) -> Vec<u8> {
        let mut v = self.header.clone();
        v.extend_from_slice(&self.tail);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_bad_records() {
        let bytes = RecordBuilder::new(1, 257, 42)
            .arg(2, 0o2_000_000)
            .res(3)
            .comm("cat")
            .string(0, "/etc/shadow")
            .blob(&[1, 2])
            .build();
        let r = decode(&bytes).unwrap();
        assert_eq!(r.kind, RecordKind::Syscall);
        assert_eq!((r.nr, r.pid, r.res, r.comm), (257, 42, 3, "cat"));
        assert_eq!(r.strs[0], b"/etc/shadow");
        assert_eq!(r.blob, [1, 2]);
        assert_eq!(r.args[2], 0o2_000_000);
        assert_eq!(
            decode(&bytes[..10]).unwrap_err(),
            RecordError::Short { len: 10 }
        );
        assert!(matches!(
            decode(&bytes[..bytes.len() - 1]),
            Err(RecordError::Truncated { .. })
        ));
        let bad = RecordBuilder::new(9, 0, 1).build();
        assert_eq!(decode(&bad).unwrap_err(), RecordError::Kind(9));
    }
}
