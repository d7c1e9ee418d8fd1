//! Real rpm databases for tests, made at test time with Debian's tools (installed by
//! `scripts/setup-test-deps`): `rpmbuild` builds small noarch packages from specs written
//! here, `rpm --justdb` installs them into an sqlite `rpmdb.sqlite`. Debian's rpm can
//! only write sqlite (it reads Berkeley DB through `bdb_ro` and has no NDB), so the same
//! header blobs (read back with the `sqlite3` tool) are written as a Berkeley DB hash
//! database by `db_load` (Debian's `db-util`, both byte orders) and as an NDB
//! `Packages.db` by [`ndb`], a minimal writer of rpm's NDB layout written for these tests.

use std::path::{Path, PathBuf};
use std::process::Command;

fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e} (run scripts/setup-test-deps)"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// One binary package to build.
pub struct Spec<'a> {
    /// Source package name (the spec's `Name`).
    pub name: &'a str,
    /// `Epoch`, if any.
    pub epoch: Option<u32>,
    /// `Version`.
    pub version: &'a str,
    /// `Release`.
    pub release: &'a str,
    /// Extra binary package built from the same source (`%package -n`), if any.
    pub sub: Option<&'a str>,
}

/// Builds the spec's noarch rpms under `dir`; returns their paths (main package first).
pub fn build(dir: &Path, s: &Spec<'_>) -> Vec<PathBuf> {
    let top = dir.join(format!(
        "top-{}-{}",
        s.name,
        s.version.replace(['~', '^'], "_")
    ));
    std::fs::create_dir_all(&top).unwrap();
    let mut spec = format!(
        "Name: {}\nVersion: {}\nRelease: {}\nSummary: test package\nLicense: MIT AND (Apache-2.0 OR BSD-3-Clause)\nVendor: Moat Test\nBuildArch: noarch\n",
        s.name, s.version, s.release
    );
    if let Some(e) = s.epoch {
        spec.push_str(&format!("Epoch: {e}\n"));
    }
    // One file (and its directory) in the main package.
    spec.push_str(&format!(
        "%description\ntest\n%install\nmkdir -p %{{buildroot}}/usr/share/{0}\necho hi > %{{buildroot}}/usr/share/{0}/README\n%files\n%dir /usr/share/{0}\n/usr/share/{0}/README\n",
        s.name
    ));
    if let Some(sub) = s.sub {
        spec.push_str(&format!(
            "%package -n {sub}\nSummary: sub\nLicense: GPL-2.0-or-later\n%description -n {sub}\nsub\n%files -n {sub}\n"
        ));
    }
    let spec_path = top.join("p.spec");
    std::fs::write(&spec_path, spec).unwrap();
    run(Command::new("rpmbuild")
        .arg("-bb")
        .arg("--quiet")
        .arg("--define")
        .arg(format!("_topdir {}", top.display()))
        .arg(&spec_path));
    let rpms = top.join("RPMS/noarch");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&rpms)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    out.sort_by_key(|p| !p.file_name().unwrap().to_string_lossy().starts_with(s.name));
    out
}

/// A fresh rpm root under `dir` with `rpms` installed (`--justdb`); returns the root.
pub fn install(dir: &Path, root_name: &str, rpms: &[PathBuf]) -> PathBuf {
    let root = dir.join(root_name);
    std::fs::create_dir_all(&root).unwrap();
    rpm(&root).arg("--initdb").output().unwrap();
    upgrade(&root, rpms);
    root
}

fn rpm(root: &Path) -> Command {
    let mut c = Command::new("rpm");
    c.arg("--root")
        .arg(root)
        .arg("--dbpath=/var/lib/rpm")
        .arg("--define=_db_backend sqlite");
    c
}

/// Installs or upgrades `rpms` in `root` (`rpm -U --justdb`).
pub fn upgrade(root: &Path, rpms: &[PathBuf]) {
    run(rpm(root)
        .args(["-U", "--justdb", "--nodeps", "--ignorearch", "--ignoreos"])
        .args(rpms));
}

/// The bytes of the root's `rpmdb.sqlite`.
pub fn sqlite(root: &Path) -> Vec<u8> {
    std::fs::read(root.join("var/lib/rpm/rpmdb.sqlite")).unwrap()
}

/// `rpm -qa` of the root in `NAME EPOCH:VERSION-RELEASE ARCH` lines, sorted.
pub fn query_all(root: &Path, backend: &str, dbpath: &str) -> Vec<String> {
    let out = run(Command::new("rpm")
        .arg("--root")
        .arg(root)
        .arg(format!("--dbpath={dbpath}"))
        .arg(format!("--define=_db_backend {backend}"))
        .args([
            "-qa",
            "--qf",
            "%{NAME} %{EPOCHNUM}:%{VERSION}-%{RELEASE} %{ARCH}\\n",
        ]));
    let mut lines: Vec<String> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    lines.sort();
    lines
}

/// The `(hnum, blob)` rows of the root's `Packages` table, via the `sqlite3` tool.
pub fn header_blobs(root: &Path) -> Vec<(u32, Vec<u8>)> {
    let out = run(Command::new("sqlite3")
        .arg("-readonly")
        .arg(root.join("var/lib/rpm/rpmdb.sqlite"))
        .arg("SELECT hnum, hex(blob) FROM Packages ORDER BY hnum"));
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| {
            let (n, hex) = l.split_once('|').unwrap();
            (n.parse().unwrap(), unhex(hex))
        })
        .collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Lowercase hex digits of `b`.
pub fn hex(b: &[u8]) -> String {
    use std::fmt::Write as _;
    b.iter().fold(String::new(), |mut s, x| {
        let _ = write!(s, "{x:02x}");
        s
    })
}

/// Tests run in parallel on one fixture directory: every database gets its own name.
static BDB_FILES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A Berkeley DB hash database of `records` (key: the package number in the database's
/// byte order, value: the header blob) written by `db_load`, with `page_size`-byte pages
/// (small pages force overflow chains) and `big_endian` byte order.
pub fn bdb(dir: &Path, records: &[(u32, Vec<u8>)], page_size: u32, big_endian: bool) -> Vec<u8> {
    let lorder = if big_endian { 4321 } else { 1234 };
    let mut dump = format!(
        "VERSION=3\nformat=bytevalue\ntype=hash\ndb_pagesize={page_size}\ndb_lorder={lorder}\nHEADER=END\n"
    );
    for (n, blob) in records {
        let key = if big_endian {
            n.to_be_bytes()
        } else {
            n.to_le_bytes()
        };
        dump.push_str(&format!(" {}\n {}\n", hex(&key), hex(blob)));
    }
    dump.push_str("DATA=END\n");
    let n = BDB_FILES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!("Packages-{page_size}-{lorder}-{n}");
    let dump_path = dir.join(format!("{name}.dump"));
    let db_path = dir.join(&name);
    std::fs::write(&dump_path, dump).unwrap();
    let _ = std::fs::remove_file(&db_path);
    run(Command::new("db_load")
        .arg("-f")
        .arg(&dump_path)
        .arg(&db_path));
    std::fs::read(&db_path).unwrap()
}

/// An NDB `Packages.db` holding `records` (package index, header blob), laid out as rpm
/// writes it: the header and slots in the first 4096-byte pages (254 slots in the first,
/// 256 in each further one), blobs after them in 16-byte blocks, each with head,
/// padding and tail (Adler-32 over head, blob and padding).
pub fn ndb(records: &[(u32, Vec<u8>)]) -> Vec<u8> {
    fn le(out: &mut Vec<u8>, v: u32) {
        out.extend_from_slice(&v.to_le_bytes());
    }
    let slot_pages = (records.len() + 2).div_ceil(256);
    let mut blobs = Vec::new();
    let mut slots = Vec::new();
    for (idx, blob) in records {
        let blkoff = (slot_pages * 4096 + blobs.len()) / 16;
        let mut area = Vec::new();
        area.extend_from_slice(b"BlbS");
        le(&mut area, *idx);
        le(&mut area, 1_700_000_000);
        le(&mut area, blob.len() as u32);
        area.extend_from_slice(blob);
        while (area.len() + 12) % 16 != 0 {
            area.push(0);
        }
        let sum = adler32(&area);
        le(&mut area, sum);
        le(&mut area, blob.len() as u32);
        area.extend_from_slice(b"BlbE");
        slots.push((*idx, blkoff as u32, (area.len() / 16) as u32));
        blobs.extend_from_slice(&area);
    }
    let mut out = Vec::new();
    out.extend_from_slice(b"RpmP");
    le(&mut out, 0);
    le(&mut out, 7);
    le(&mut out, slot_pages as u32);
    le(&mut out, records.len() as u32 + 1);
    out.resize(32, 0);
    for i in 0..(slot_pages * 4096 - 32) / 16 {
        out.extend_from_slice(b"Slot");
        let (a, b, c) = slots.get(i).copied().unwrap_or((0, 0, 0));
        le(&mut out, a);
        le(&mut out, b);
        le(&mut out, c);
    }
    out.extend_from_slice(&blobs);
    out
}

fn adler32(b: &[u8]) -> u32 {
    let (mut s1, mut s2) = (1u32, 0u32);
    for x in b {
        s1 = (s1 + u32::from(*x)) % 65_521;
        s2 = (s2 + s1) % 65_521;
    }
    (s2 << 16) | s1
}
