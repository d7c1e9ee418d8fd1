//! Go binaries: the build information the Go linker embeds (Go version, main module,
//! dependency modules with versions and replacements, build settings), read from the
//! ELF file the way Go's own `debug/buildinfo` does: the `.go.buildinfo` section, or
//! when section headers are missing the first writable, non-executable `PT_LOAD`
//! segment, searched for the `\xff Go buildinf:` magic on 16-byte boundaries. Both
//! layouts are read: inline varint-prefixed strings (Go 1.18 and later) and pointers to
//! string headers resolved through the program headers (Go 1.17 and earlier), for 32-
//! and 64-bit files of either byte order.

use super::PackageKind;
use super::elf::{Elf, PF_W, PF_X, PT_LOAD, maybe_binary};
use super::lang::{Findings, ParseError, package};
use crate::fs::Inspector;

/// The build information magic.
pub const MAGIC: &[u8; 14] = b"\xff Go buildinf:";
/// Bytes of the segment searched for the magic when there is no section (as Go does).
const SEARCH: usize = 64 << 10;
/// Length of the build information header.
const HEADER: usize = 32;
/// Longest string read (version or module information).
const MAX_STRING: u64 = 4 << 20;

/// One module of the build information.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    /// Module path.
    pub path: String,
    /// Version (`(devel)` for an unversioned main module).
    pub version: String,
    /// The replacement (`=>` line), when the module was replaced.
    pub replace: Option<Box<Module>>,
}

/// The build information of one Go binary.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BuildInfo {
    /// Toolchain version (`go1.21.5`).
    pub go_version: String,
    /// Main package path.
    pub path: String,
    /// Main module, when built in module mode.
    pub main: Option<Module>,
    /// Dependency modules.
    pub deps: Vec<Module>,
    /// Build settings (`GOOS`, `GOARCH`, `-ldflags`, `vcs.revision`, ...).
    pub settings: Vec<(String, String)>,
}

/// The Go binaries cataloger.
#[derive(Debug, Default, Clone)]
pub struct GoBinaries {
    pub(crate) findings: Findings,
}

/// The build information of `data`: `Ok(None)` when it is not an ELF file or carries
/// no Go build information.
pub fn read(data: &[u8]) -> Result<Option<BuildInfo>, ParseError> {
    let Some(elf) = Elf::parse(data)? else {
        return Ok(None);
    };
    let region = if let Some(s) = elf.find_section(".go.buildinfo")? {
        elf.section_data(&s)?
    } else {
        let mut found = None;
        for seg in elf.segments() {
            let seg = seg?;
            if seg.kind == PT_LOAD && seg.flags & (PF_X | PF_W) == PF_W {
                found = Some(seg);
                break;
            }
        }
        let Some(seg) = found else { return Ok(None) };
        let len = seg.filesz.min(SEARCH as u64);
        elf.range(seg.offset, len)
            .ok_or_else(|| ParseError::OutOfBounds {
                what: "ELF writable segment".into(),
            })?
    };
    let Some(start) = find_magic(region) else {
        return Ok(None);
    };
    let header = region
        .get(start..start + HEADER)
        .ok_or_else(|| ParseError::Truncated {
            what: "Go build information header".into(),
        })?;
    let ptr_size = header.get(14).copied().unwrap_or(0);
    let flags = header.get(15).copied().unwrap_or(0);
    let (version, modinfo) = if flags & 2 != 0 {
        let rest = region.get(start + HEADER..).unwrap_or_default();
        let (version, used) = varint_string(rest)?;
        let (modinfo, _) = varint_string(rest.get(used..).unwrap_or_default())?;
        (version, modinfo)
    } else {
        let size = usize::from(ptr_size);
        if size != 4 && size != 8 {
            return Err(ParseError::invalid(
                "Go build information",
                format!("pointer size {ptr_size}"),
            ));
        }
        let version_ptr = elf.uint(header.get(16..16 + size).unwrap_or_default(), size)?;
        let mod_ptr = elf.uint(
            header.get(16 + size..16 + 2 * size).unwrap_or_default(),
            size,
        )?;
        (
            pointed_string(&elf, size, version_ptr)?,
            pointed_string(&elf, size, mod_ptr)?,
        )
    };
    let go_version = String::from_utf8_lossy(version).into_owned();
    if go_version.is_empty() {
        return Err(ParseError::invalid("Go build information", "no Go version"));
    }
    // Go 1.18+ wraps the module information in 16 sentinel bytes on each side.
    let modinfo = if modinfo.len() >= 33 && modinfo.get(modinfo.len() - 17) == Some(&b'\n') {
        modinfo.get(16..modinfo.len() - 16).unwrap_or_default()
    } else {
        &[]
    };
    let mut info = parse_modinfo(&String::from_utf8_lossy(modinfo));
    info.go_version = go_version;
    Ok(Some(info))
}

/// The offset of the magic on a 16-byte boundary of `region`.
fn find_magic(region: &[u8]) -> Option<usize> {
    (0..region.len())
        .step_by(16)
        .find(|&i| region.get(i..).is_some_and(|r| r.starts_with(MAGIC)))
}

/// An unsigned LEB128 length followed by that many bytes; returns them and the bytes
/// consumed.
fn varint_string(data: &[u8]) -> Result<(&[u8], usize), ParseError> {
    let mut len: u64 = 0;
    let mut used = 0;
    for (i, b) in data.iter().enumerate().take(10) {
        len |= u64::from(b & 0x7f) << (7 * i);
        used = i + 1;
        if b & 0x80 == 0 {
            break;
        }
        if i == 9 {
            return Err(ParseError::invalid(
                "Go build information",
                "varint too long",
            ));
        }
    }
    if used == 0 {
        return Err(ParseError::Truncated {
            what: "Go build information string".into(),
        });
    }
    if len > MAX_STRING {
        return Err(ParseError::TooLarge {
            what: "Go build information string".into(),
            limit: MAX_STRING,
        });
    }
    let end = used + usize::try_from(len).unwrap_or(usize::MAX);
    let s = data.get(used..end).ok_or_else(|| ParseError::Truncated {
        what: "Go build information string".into(),
    })?;
    Ok((s, end))
}

/// A Go string header (data pointer, length) at virtual address `addr`, and its bytes.
fn pointed_string<'a>(elf: &Elf<'a>, size: usize, addr: u64) -> Result<&'a [u8], ParseError> {
    let header = elf.read_vaddr(addr, 2 * size as u64)?;
    let data = elf.uint(header.get(..size).unwrap_or_default(), size)?;
    let len = elf.uint(header.get(size..).unwrap_or_default(), size)?;
    if len > MAX_STRING {
        return Err(ParseError::TooLarge {
            what: "Go build information string".into(),
            limit: MAX_STRING,
        });
    }
    elf.read_vaddr(data, len)
}

/// Parses the module information text (`path`, `mod`, `dep`, `=>`, `build` lines,
/// tab-separated). Unknown or malformed lines are skipped.
pub fn parse_modinfo(text: &str) -> BuildInfo {
    let mut info = BuildInfo::default();
    // Whether the last module line was the main module (for `=>`).
    let mut last_main = false;
    for line in text.lines() {
        let mut f = line.split('\t');
        let module = |f: &mut std::str::Split<'_, char>| {
            let path = f.next().unwrap_or_default().to_owned();
            let version = f.next().unwrap_or_default().to_owned();
            (!path.is_empty()).then_some(Module {
                path,
                version,
                replace: None,
            })
        };
        match f.next() {
            Some("path") => f.next().unwrap_or_default().clone_into(&mut info.path),
            Some("mod") => {
                info.main = module(&mut f);
                last_main = true;
            }
            Some("dep") => {
                if let Some(m) = module(&mut f) {
                    info.deps.push(m);
                    last_main = false;
                }
            }
            Some("=>") => {
                let replace = module(&mut f).map(Box::new);
                let target = if last_main {
                    info.main.as_mut()
                } else {
                    info.deps.last_mut()
                };
                if let Some(t) = target {
                    t.replace = replace;
                }
            }
            Some("build") => {
                if let Some((k, v)) = f.next().and_then(|kv| kv.split_once('=')) {
                    info.settings
                        .push((k.to_owned(), v.trim_matches('"').to_owned()));
                }
            }
            _ => {}
        }
    }
    info
}

/// The module actually compiled in: a module replacement stands in for the original; a
/// local directory replacement (`./dir`, `../dir`, `/dir`) keeps the original path and
/// version.
fn effective(m: &Module) -> (&str, &str) {
    match &m.replace {
        Some(r) if !r.path.starts_with(['.', '/']) && !r.version.is_empty() => {
            (&r.path, &r.version)
        }
        _ => (&m.path, &m.version),
    }
}

impl Inspector for GoBinaries {
    fn wants(&self, path: &str, size: u64, mode: u32) -> bool {
        maybe_binary(path, size, mode)
    }

    fn inspect(&mut self, layer: usize, path: &str, content: &[u8]) {
        let info = match read(content) {
            Ok(Some(info)) => info,
            Ok(None) => return,
            Err(e) => {
                // Only an error for files that look like Go binaries.
                if content.windows(MAGIC.len()).any(|w| w == MAGIC) {
                    self.findings.problem(layer, path, PackageKind::Go, e);
                }
                return;
            }
        };
        let main_path = info.main.as_ref().map_or(info.path.as_str(), |m| &m.path);
        let mut add = |name: &str, version: &str| {
            let mut p = package(PackageKind::Go, name, version, path);
            main_path.clone_into(&mut p.source_name);
            p.source_version.clone_from(&info.go_version);
            self.findings.package(layer, path, p);
        };
        add("stdlib", &info.go_version);
        if let Some(m) = &info.main {
            let (name, version) = effective(m);
            add(name, version);
        }
        for d in &info.deps {
            let (name, version) = effective(d);
            add(name, version);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modinfo_lines() {
        let text = "path\texample.com/app/cmd/app\nmod\texample.com/app\t(devel)\t\n\
dep\texample.com/lib\tv0.0.0-00010101000000-000000000000\n=>\t../lib\t(devel)\t\n\
dep\tgolang.org/x/text\tv0.3.0\th1:abc=\n=>\tgolang.org/x/text\tv0.3.8\th1:def=\n\
build\tGOARCH=amd64\nbuild\t-ldflags=\"-s -w\"\ngarbage\n";
        let info = parse_modinfo(text);
        assert_eq!(info.path, "example.com/app/cmd/app");
        assert_eq!(info.main.as_ref().unwrap().version, "(devel)");
        assert_eq!(info.deps.len(), 2);
        assert_eq!(
            effective(&info.deps[0]),
            ("example.com/lib", "v0.0.0-00010101000000-000000000000")
        );
        assert_eq!(effective(&info.deps[1]), ("golang.org/x/text", "v0.3.8"));
        assert_eq!(info.settings[1], ("-ldflags".into(), "-s -w".into()));
    }

    #[test]
    fn varints() {
        assert_eq!(varint_string(b"\x03abcd").unwrap(), (&b"abc"[..], 4));
        assert!(varint_string(b"\x05ab").is_err());
        assert!(varint_string(b"").is_err());
        assert!(varint_string(&[0xff; 12]).is_err());
        assert!(varint_string(b"\xff\xff\xff\x7f").is_err());
    }
}
