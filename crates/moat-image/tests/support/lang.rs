//! Fixtures for the language catalogers: hand-built ELF files (Go build information in
//! both layouts, a `.dep-v0` section), jars written with the `zip` crate, and real Go
//! and cargo-auditable binaries built once per input set and cached under the target
//! directory.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use moat_image::Digest;

/// Segment flag: writable.
pub const PF_W: u32 = 2;
/// Segment flag: readable.
pub const PF_R: u32 = 4;

/// One section of a hand-built ELF file (also mapped by its own `PT_LOAD` segment).
pub struct Sec<'a> {
    /// Section name.
    pub name: &'a str,
    /// Virtual address.
    pub addr: u64,
    /// Segment flags.
    pub flags: u32,
    /// Contents.
    pub data: Vec<u8>,
}

/// Writes integers in one byte order.
struct W {
    out: Vec<u8>,
    big: bool,
}

impl W {
    fn u16(&mut self, v: u16) {
        let b = if self.big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.out.extend_from_slice(&b);
    }
    fn u32(&mut self, v: u32) {
        let b = if self.big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.out.extend_from_slice(&b);
    }
    fn u64(&mut self, v: u64) {
        let b = if self.big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.out.extend_from_slice(&b);
    }
    /// A word of the class's size.
    fn word(&mut self, is64: bool, v: u64) {
        if is64 {
            self.u64(v);
        } else {
            self.u32(v as u32);
        }
    }
}

/// A pointer-sized integer in the given byte order.
pub fn word(is64: bool, big: bool, v: u64) -> Vec<u8> {
    let mut w = W {
        out: Vec::new(),
        big,
    };
    w.word(is64, v);
    w.out
}

/// A minimal ELF executable: each section gets a `PT_LOAD` segment mapping it at its
/// address; with `section_headers: false` the section header table is left out (as in
/// binaries stripped of it), so only the segments remain.
pub fn elf(is64: bool, big: bool, sections: &[Sec<'_>], section_headers: bool) -> Vec<u8> {
    let (ehsize, phentsize, shentsize) = if is64 {
        (64u64, 56u64, 64u64)
    } else {
        (52, 32, 40)
    };
    let phoff = ehsize;
    let mut offset = phoff + phentsize * sections.len() as u64;
    let mut offsets = Vec::new();
    for s in sections {
        offset = offset.next_multiple_of(16);
        offsets.push(offset);
        offset += s.data.len() as u64;
    }
    let mut shstrtab = vec![0u8];
    let mut names = Vec::new();
    for s in sections {
        names.push(shstrtab.len() as u32);
        shstrtab.extend_from_slice(s.name.as_bytes());
        shstrtab.push(0);
    }
    let shstr_name = shstrtab.len() as u32;
    shstrtab.extend_from_slice(b".shstrtab\0");
    let shstr_off = offset;
    let shoff = (shstr_off + shstrtab.len() as u64).next_multiple_of(8);
    let shnum = if section_headers {
        sections.len() as u16 + 2
    } else {
        0
    };

    let mut w = W {
        out: Vec::new(),
        big,
    };
    w.out.extend_from_slice(b"\x7fELF");
    w.out
        .extend_from_slice(&[if is64 { 2 } else { 1 }, if big { 2 } else { 1 }, 1, 0]);
    w.out.resize(16, 0);
    w.u16(2); // ET_EXEC
    w.u16(if is64 { 62 } else { 3 });
    w.u32(1);
    w.word(is64, 0x1000); // entry
    w.word(is64, phoff);
    w.word(is64, if section_headers { shoff } else { 0 });
    w.u32(0);
    w.u16(ehsize as u16);
    w.u16(phentsize as u16);
    w.u16(sections.len() as u16);
    w.u16(shentsize as u16);
    w.u16(shnum);
    w.u16(if section_headers { shnum - 1 } else { 0 });
    for (s, off) in sections.iter().zip(&offsets) {
        let len = s.data.len() as u64;
        w.u32(1); // PT_LOAD
        if is64 {
            w.u32(s.flags);
            w.u64(*off);
            w.u64(s.addr);
            w.u64(s.addr);
            w.u64(len);
            w.u64(len);
            w.u64(16);
        } else {
            w.u32(*off as u32);
            w.u32(s.addr as u32);
            w.u32(s.addr as u32);
            w.u32(len as u32);
            w.u32(len as u32);
            w.u32(s.flags);
            w.u32(16);
        }
    }
    for (s, off) in sections.iter().zip(&offsets) {
        w.out.resize(*off as usize, 0);
        w.out.extend_from_slice(&s.data);
    }
    w.out.resize(shstr_off as usize, 0);
    w.out.extend_from_slice(&shstrtab);
    if section_headers {
        w.out.resize(shoff as usize, 0);
        w.out.resize(w.out.len() + shentsize as usize, 0); // SHN_UNDEF
        let header = |w: &mut W, name: u32, ty: u32, addr: u64, off: u64, size: u64| {
            w.u32(name);
            w.u32(ty);
            w.word(is64, 2); // SHF_ALLOC
            w.word(is64, addr);
            w.word(is64, off);
            w.word(is64, size);
            w.u32(0);
            w.u32(0);
            w.word(is64, 16);
            w.word(is64, 0);
        };
        for ((s, off), name) in sections.iter().zip(&offsets).zip(&names) {
            header(&mut w, *name, 1, s.addr, *off, s.data.len() as u64);
        }
        header(&mut w, shstr_name, 3, 0, shstr_off, shstrtab.len() as u64);
    }
    w.out
}

/// Module information as the Go linker stores it (16 sentinel bytes on each side).
pub fn wrapped_modinfo(text: &str) -> Vec<u8> {
    let mut m = b"0123456789abcdef".to_vec();
    m.extend_from_slice(text.as_bytes());
    m.extend_from_slice(b"fedcba9876543210");
    m
}

/// An ELF file with Go 1.18+ build information (inline varint-prefixed strings).
pub fn go_inline(is64: bool, big: bool, version: &str, modinfo: &str) -> Vec<u8> {
    let mut d = b"\xff Go buildinf:".to_vec();
    d.push(if is64 { 8 } else { 4 });
    d.push(2 | u8::from(big));
    d.resize(32, 0);
    let m = wrapped_modinfo(modinfo);
    for s in [version.as_bytes(), &m] {
        let mut n = s.len();
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                d.push(b);
                break;
            }
            d.push(b | 0x80);
        }
        d.extend_from_slice(s);
    }
    elf(
        is64,
        big,
        &[Sec {
            name: ".go.buildinfo",
            addr: 0x10000,
            flags: PF_R | PF_W,
            data: d,
        }],
        true,
    )
}

/// An ELF file with Go 1.17-style build information: the header holds pointers to Go
/// string headers in a read-only segment.
pub fn go_pointers(
    is64: bool,
    big: bool,
    version: &str,
    modinfo: &str,
    section_headers: bool,
) -> Vec<u8> {
    let p = if is64 { 8u64 } else { 4 };
    let ro = 0x20000u64;
    let m = wrapped_modinfo(modinfo);
    let version_at = ro + 4 * p;
    let mod_at = version_at + version.len() as u64;
    let mut rodata = Vec::new();
    for v in [version_at, version.len() as u64, mod_at, m.len() as u64] {
        rodata.extend(word(is64, big, v));
    }
    rodata.extend_from_slice(version.as_bytes());
    rodata.extend_from_slice(&m);
    let mut info = b"\xff Go buildinf:".to_vec();
    info.push(p as u8);
    info.push(u8::from(big));
    info.extend(word(is64, big, ro));
    info.extend(word(is64, big, ro + 2 * p));
    info.resize(32, 0);
    // Some data before the magic, as in a real writable segment.
    let mut data = vec![0u8; 48];
    data.extend_from_slice(&info);
    elf(
        is64,
        big,
        &[
            Sec {
                name: ".rodata",
                addr: ro,
                flags: PF_R,
                data: rodata,
            },
            Sec {
                name: ".noptrdata",
                addr: 0x30000,
                flags: PF_R | PF_W,
                data,
            },
        ],
        section_headers,
    )
}

/// zlib-compressed bytes.
pub fn zlib(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// An ELF file with a `.dep-v0` section holding `payload` as is.
pub fn dep_v0(payload: Vec<u8>) -> Vec<u8> {
    elf(
        true,
        false,
        &[Sec {
            name: ".dep-v0",
            addr: 0x40000,
            flags: PF_R,
            data: payload,
        }],
        true,
    )
}

/// One member of a test zip.
pub enum Z<'a> {
    /// A deflated file.
    File(&'a str, &'a [u8]),
    /// A stored (uncompressed) file, as nested jars usually are.
    Stored(&'a str, &'a [u8]),
}

/// A zip archive (jar, war, ear).
pub fn zip(entries: &[Z<'_>]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for e in entries {
        let (name, data, method) = match e {
            Z::File(n, d) => (n, d, zip::CompressionMethod::Deflated),
            Z::Stored(n, d) => (n, d, zip::CompressionMethod::Stored),
        };
        let opts = zip::write::SimpleFileOptions::default().compression_method(method);
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// `pom.properties` content.
pub fn pom(group: &str, artifact: &str, version: &str) -> Vec<u8> {
    format!("#Generated by Maven\ngroupId={group}\nartifactId={artifact}\nversion={version}\n")
        .into_bytes()
}

/// A cache directory under the target directory named by the digest of `inputs`; `build`
/// fills it once (into a fresh directory renamed into place, so concurrent test binaries
/// never see a half-built fixture).
pub fn cached(kind: &str, inputs: &[&[u8]], build: impl FnOnce(&Path)) -> PathBuf {
    let key = Digest::of(&inputs.concat());
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("moat-image-fixtures");
    let dir = base.join(format!("{kind}-{}", &key.hex()[..16]));
    if dir.join("done").exists() {
        return dir;
    }
    std::fs::create_dir_all(&base).unwrap();
    let tmp = tempfile::tempdir_in(&base).unwrap();
    build(tmp.path());
    std::fs::write(tmp.path().join("done"), b"").unwrap();
    let staged = tmp.keep();
    if std::fs::rename(&staged, &dir).is_err() {
        // Another process finished first; use its copy.
        let _ = std::fs::remove_dir_all(&staged);
    }
    assert!(dir.join("done").exists(), "fixture {kind} not built");
    dir
}

/// Runs a command, failing the test loudly with its output when it cannot run or fails.
pub fn run(cmd: &mut Command, what: &str) {
    let out = cmd.output().unwrap_or_else(|e| {
        panic!("{what}: cannot run {cmd:?}: {e} (run scripts/setup-test-deps)")
    });
    assert!(
        out.status.success(),
        "{what} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

const GO_MOD: &str = "module example.com/app\n\ngo 1.19\n\nrequire example.com/greet v0.0.0\n\nreplace example.com/greet => ./greet\n";
const GO_GREET_MOD: &str = "module example.com/greet\n\ngo 1.19\n";
const GO_GREET: &str =
    "package greet\n\n// Hello greets.\nfunc Hello() string { return \"hello\" }\n";
const GO_MAIN: &str = "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/greet\"\n)\n\nfunc main() { fmt.Println(greet.Hello()) }\n";

/// Real Go binaries built with the system `go` (Debian's golang-go) from a main module
/// with a locally replaced dependency, offline: `app` (linux/amd64), `app-stripped`
/// (`-ldflags=-s -w`), `app-386` (32-bit). Returns the directory holding them.
pub fn go_binaries() -> PathBuf {
    let version = Command::new("go")
        .arg("version")
        .output()
        .unwrap_or_else(|e| panic!("cannot run `go version`: {e} (run scripts/setup-test-deps)"));
    let inputs: [&[u8]; 5] = [
        &version.stdout,
        GO_MOD.as_bytes(),
        GO_GREET_MOD.as_bytes(),
        GO_GREET.as_bytes(),
        GO_MAIN.as_bytes(),
    ];
    cached("go", &inputs, |dir| {
        let src = dir.join("src");
        std::fs::create_dir_all(src.join("greet")).unwrap();
        std::fs::create_dir_all(src.join("cmd/app")).unwrap();
        std::fs::write(src.join("go.mod"), GO_MOD).unwrap();
        std::fs::write(src.join("greet/go.mod"), GO_GREET_MOD).unwrap();
        std::fs::write(src.join("greet/greet.go"), GO_GREET).unwrap();
        std::fs::write(src.join("cmd/app/main.go"), GO_MAIN).unwrap();
        for (out, arch, ldflags) in [
            ("app", "amd64", ""),
            ("app-stripped", "amd64", "-s -w"),
            ("app-386", "386", ""),
        ] {
            run(
                Command::new("go")
                    .args(["build", "-trimpath", "-ldflags", ldflags, "-o"])
                    .arg(dir.join(out))
                    .arg("./cmd/app")
                    .current_dir(&src)
                    .env("CGO_ENABLED", "0")
                    .env("GOOS", "linux")
                    .env("GOARCH", arch)
                    .env("GOFLAGS", "-mod=mod")
                    .env("GOPROXY", "off")
                    .env("GOCACHE", dir.join("gocache"))
                    .env("GOPATH", dir.join("gopath")),
                "go build",
            );
        }
        let _ = std::fs::remove_dir_all(dir.join("gocache"));
        let _ = Command::new("chmod")
            .args(["-R", "u+w"])
            .arg(dir.join("gopath"))
            .status();
        let _ = std::fs::remove_dir_all(dir.join("gopath"));
    })
}

const RUST_MANIFEST: &str = "[package]\nname = \"auditable-fixture\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nsmallvec = \"=1.6.0\"\n\n[workspace]\n";
const RUST_MAIN: &str = "fn main() {\n    let mut v: smallvec::SmallVec<[u8; 4]> = smallvec::SmallVec::new();\n    v.push(1);\n    println!(\"{}\", v.len());\n}\n";

/// A real Rust binary built with `cargo auditable` from a crate depending on
/// `smallvec = "=1.6.0"` (RUSTSEC-2021-0003). Returns its path.
pub fn auditable_binary() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let version = Command::new(&cargo)
        .args(["auditable", "--version"])
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run `cargo auditable`: {e} (run scripts/setup-test-deps)")
        });
    assert!(
        version.status.success(),
        "cargo-auditable is not installed: run scripts/setup-test-deps\n{}",
        String::from_utf8_lossy(&version.stderr)
    );
    let rustc = Command::new("rustc").arg("--version").output().unwrap();
    let inputs: [&[u8]; 4] = [
        &version.stdout,
        &rustc.stdout,
        RUST_MANIFEST.as_bytes(),
        RUST_MAIN.as_bytes(),
    ];
    let dir = cached("auditable", &inputs, |dir| {
        let src = dir.join("src");
        std::fs::create_dir_all(src.join("src")).unwrap();
        std::fs::write(src.join("Cargo.toml"), RUST_MANIFEST).unwrap();
        std::fs::write(src.join("src/main.rs"), RUST_MAIN).unwrap();
        run(
            Command::new(&cargo)
                .args(["auditable", "build", "--release", "--quiet"])
                .current_dir(&src)
                .env("CARGO_TARGET_DIR", dir.join("target"))
                .env_remove("RUSTFLAGS")
                .env_remove("CARGO_BUILD_TARGET"),
            "cargo auditable build",
        );
        std::fs::copy(
            dir.join("target/release/auditable-fixture"),
            dir.join("auditable-fixture"),
        )
        .unwrap();
        let _ = std::fs::remove_dir_all(dir.join("target"));
    });
    dir.join("auditable-fixture")
}
