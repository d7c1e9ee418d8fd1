//! A minimal ELF reader for the binary catalogers ([`super::gobin`], [`super::rustbin`]):
//! the file header, section headers (to find a section by name) and program headers (to
//! map virtual addresses to file offsets). 32/64-bit, both byte orders. Nothing is
//! copied: every accessor borrows from the file's bytes, and every offset and count is
//! checked against them.

use super::lang::ParseError;

/// The ELF magic bytes.
pub const MAGIC: &[u8; 4] = b"\x7fELF";

/// Section type of sections that occupy no file space (`.bss`).
const SHT_NOBITS: u32 = 8;
/// Program header type of loadable segments.
pub const PT_LOAD: u32 = 1;
/// Segment flag: executable.
pub const PF_X: u32 = 1;
/// Segment flag: writable.
pub const PF_W: u32 = 2;
/// Most section headers read (the 16-bit `e_shnum` limit; extended numbering beyond it is
/// refused).
const MAX_SECTIONS: u64 = 0xffff;

/// Whether a file with this path, size and mode may be a binary worth opening: executable
/// by its mode bits, in a `bin`/`sbin` directory, or a shared object (`*.so*`) in a `lib`
/// directory. Cheap: looks at the path only.
pub fn maybe_binary(path: &str, size: u64, mode: u32) -> bool {
    if size < 64 {
        return false;
    }
    if mode & 0o111 != 0 {
        return true;
    }
    let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
    let parent = dir.rsplit('/').next().unwrap_or(dir);
    matches!(parent, "bin" | "sbin")
        || (name.contains(".so")
            && dir
                .split('/')
                .any(|c| matches!(c, "lib" | "lib64" | "lib32" | "libexec")))
}

/// A parsed ELF file header over the file's bytes.
#[derive(Debug, Clone, Copy)]
pub struct Elf<'a> {
    data: &'a [u8],
    is64: bool,
    big: bool,
    shoff: u64,
    shentsize: u64,
    shnum: u64,
    shstrndx: u64,
    phoff: u64,
    phentsize: u64,
    phnum: u64,
}

/// One section header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Section {
    /// Offset of its name in the section-name string table.
    pub name: u32,
    /// `sh_type`.
    pub kind: u32,
    /// Virtual address when loaded.
    pub addr: u64,
    /// File offset.
    pub offset: u64,
    /// Size in bytes.
    pub size: u64,
}

/// One program header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// `p_type`.
    pub kind: u32,
    /// `p_flags`.
    pub flags: u32,
    /// File offset.
    pub offset: u64,
    /// Virtual address.
    pub vaddr: u64,
    /// Bytes in the file.
    pub filesz: u64,
    /// Bytes in memory.
    pub memsz: u64,
}

fn truncated(what: &str) -> ParseError {
    ParseError::Truncated {
        what: format!("ELF {what}"),
    }
}

impl<'a> Elf<'a> {
    /// Parses the file header; `Ok(None)` when `data` does not start with the ELF magic.
    pub fn parse(data: &'a [u8]) -> Result<Option<Self>, ParseError> {
        if !data.starts_with(MAGIC) {
            return Ok(None);
        }
        let ident = data.get(..16).ok_or_else(|| truncated("identification"))?;
        let is64 = match ident.get(4) {
            Some(1) => false,
            Some(2) => true,
            _ => return Err(ParseError::invalid("ELF", "unknown class")),
        };
        let big = match ident.get(5) {
            Some(1) => false,
            Some(2) => true,
            _ => return Err(ParseError::invalid("ELF", "unknown byte order")),
        };
        let mut elf = Self {
            data,
            is64,
            big,
            shoff: 0,
            shentsize: 0,
            shnum: 0,
            shstrndx: 0,
            phoff: 0,
            phentsize: 0,
            phnum: 0,
        };
        let header = data
            .get(..if is64 { 64 } else { 52 })
            .ok_or_else(|| truncated("file header"))?;
        // Offsets of e_phoff, e_shoff and the trailing 16-bit fields.
        let (phoff, shoff, tail) = if is64 {
            (elf.u64_at(header, 32)?, elf.u64_at(header, 40)?, 54)
        } else {
            (
                u64::from(elf.u32_at(header, 28)?),
                u64::from(elf.u32_at(header, 32)?),
                42,
            )
        };
        elf.phoff = phoff;
        elf.shoff = shoff;
        elf.phentsize = u64::from(elf.u16_at(header, tail)?);
        elf.phnum = u64::from(elf.u16_at(header, tail + 2)?);
        elf.shentsize = u64::from(elf.u16_at(header, tail + 4)?);
        elf.shnum = u64::from(elf.u16_at(header, tail + 6)?);
        elf.shstrndx = u64::from(elf.u16_at(header, tail + 8)?);
        let (min_sh, min_ph) = if is64 { (64, 56) } else { (40, 32) };
        if elf.shnum != 0 && elf.shentsize < min_sh {
            return Err(ParseError::invalid(
                "ELF",
                "section header entries too small",
            ));
        }
        if elf.phnum != 0 && elf.phentsize < min_ph {
            return Err(ParseError::invalid(
                "ELF",
                "program header entries too small",
            ));
        }
        if elf.shnum == 0 && elf.shoff != 0 {
            // Extended numbering: the count is section 0's size.
            elf.shnum = 1;
            let count = elf.section(0)?.size;
            if count > MAX_SECTIONS {
                return Err(ParseError::TooLarge {
                    what: "ELF section count".into(),
                    limit: MAX_SECTIONS,
                });
            }
            elf.shnum = count;
        }
        if elf.shstrndx == 0xffff {
            elf.shstrndx = u64::from(elf.section(0)?.name);
        }
        elf.table_fits(elf.shoff, elf.shentsize, elf.shnum, "section headers")?;
        elf.table_fits(elf.phoff, elf.phentsize, elf.phnum, "program headers")?;
        Ok(Some(elf))
    }

    fn table_fits(&self, off: u64, size: u64, count: u64, what: &str) -> Result<(), ParseError> {
        let end = size
            .checked_mul(count)
            .and_then(|n| n.checked_add(off))
            .ok_or_else(|| ParseError::invalid("ELF", format!("{what} overflow")))?;
        if count > 0 && end > self.data.len() as u64 {
            return Err(ParseError::OutOfBounds {
                what: format!("ELF {what}"),
            });
        }
        Ok(())
    }

    /// Whether the file is 64-bit.
    pub fn is64(&self) -> bool {
        self.is64
    }

    /// Whether the file is big-endian.
    pub fn big_endian(&self) -> bool {
        self.big
    }

    fn bytes<const N: usize>(buf: &[u8], at: usize) -> Result<[u8; N], ParseError> {
        buf.get(at..at + N)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| truncated("header field"))
    }

    fn u16_at(&self, buf: &[u8], at: usize) -> Result<u16, ParseError> {
        let b = Self::bytes::<2>(buf, at)?;
        Ok(if self.big {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    }

    fn u32_at(&self, buf: &[u8], at: usize) -> Result<u32, ParseError> {
        let b = Self::bytes::<4>(buf, at)?;
        Ok(if self.big {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }

    fn u64_at(&self, buf: &[u8], at: usize) -> Result<u64, ParseError> {
        let b = Self::bytes::<8>(buf, at)?;
        Ok(if self.big {
            u64::from_be_bytes(b)
        } else {
            u64::from_le_bytes(b)
        })
    }

    /// A word of the file's own size (4 or 8 bytes) at `at` in `buf`.
    fn word_at(&self, buf: &[u8], at: usize) -> Result<u64, ParseError> {
        if self.is64 {
            self.u64_at(buf, at)
        } else {
            self.u32_at(buf, at).map(u64::from)
        }
    }

    /// `buf` read as an unsigned integer of `size` (4 or 8) bytes in the file's byte order.
    pub fn uint(&self, buf: &[u8], size: usize) -> Result<u64, ParseError> {
        match size {
            4 => self.u32_at(buf, 0).map(u64::from),
            8 => self.u64_at(buf, 0),
            _ => Err(ParseError::invalid(
                "ELF",
                "pointer size is neither 4 nor 8",
            )),
        }
    }

    /// The file bytes `[offset, offset + len)`, checked.
    pub fn range(&self, offset: u64, len: u64) -> Option<&'a [u8]> {
        let start = usize::try_from(offset).ok()?;
        let end = start.checked_add(usize::try_from(len).ok()?)?;
        self.data.get(start..end)
    }

    fn entry(&self, table: u64, entsize: u64, index: u64) -> Result<&'a [u8], ParseError> {
        let off = entsize
            .checked_mul(index)
            .and_then(|n| n.checked_add(table))
            .ok_or_else(|| truncated("header table"))?;
        self.range(off, entsize)
            .ok_or_else(|| ParseError::OutOfBounds {
                what: "ELF header table entry".into(),
            })
    }

    /// Section header `index`.
    pub fn section(&self, index: u64) -> Result<Section, ParseError> {
        if index >= self.shnum {
            return Err(ParseError::OutOfBounds {
                what: "ELF section index".into(),
            });
        }
        let e = self.entry(self.shoff, self.shentsize.max(1), index)?;
        let name = self.u32_at(e, 0)?;
        let kind = self.u32_at(e, 4)?;
        let (addr, offset, size) = if self.is64 {
            (
                self.u64_at(e, 16)?,
                self.u64_at(e, 24)?,
                self.u64_at(e, 32)?,
            )
        } else {
            (
                u64::from(self.u32_at(e, 12)?),
                u64::from(self.u32_at(e, 16)?),
                u64::from(self.u32_at(e, 20)?),
            )
        };
        Ok(Section {
            name,
            kind,
            addr,
            offset,
            size,
        })
    }

    /// Program header `index`.
    pub fn segment(&self, index: u64) -> Result<Segment, ParseError> {
        if index >= self.phnum {
            return Err(ParseError::OutOfBounds {
                what: "ELF segment index".into(),
            });
        }
        let e = self.entry(self.phoff, self.phentsize, index)?;
        let kind = self.u32_at(e, 0)?;
        Ok(if self.is64 {
            Segment {
                kind,
                flags: self.u32_at(e, 4)?,
                offset: self.u64_at(e, 8)?,
                vaddr: self.u64_at(e, 16)?,
                filesz: self.u64_at(e, 32)?,
                memsz: self.u64_at(e, 40)?,
            }
        } else {
            Segment {
                kind,
                offset: u64::from(self.u32_at(e, 4)?),
                vaddr: u64::from(self.u32_at(e, 8)?),
                filesz: u64::from(self.u32_at(e, 16)?),
                memsz: u64::from(self.u32_at(e, 20)?),
                flags: self.u32_at(e, 24)?,
            }
        })
    }

    /// Every program header (the count is bounded by the file size, checked at parse).
    pub fn segments(&self) -> impl Iterator<Item = Result<Segment, ParseError>> + '_ {
        (0..self.phnum).map(|i| self.segment(i))
    }

    /// The section named `name`, when present (a `NOBITS` section has no data and counts
    /// as absent).
    pub fn find_section(&self, name: &str) -> Result<Option<Section>, ParseError> {
        if self.shnum == 0 {
            return Ok(None);
        }
        let strtab = self.section(self.shstrndx)?;
        let names =
            self.range(strtab.offset, strtab.size)
                .ok_or_else(|| ParseError::OutOfBounds {
                    what: "ELF section name table".into(),
                })?;
        for i in 0..self.shnum {
            let s = self.section(i)?;
            let matches = usize::try_from(s.name)
                .ok()
                .and_then(|at| names.get(at..))
                .and_then(|rest| rest.strip_prefix(name.as_bytes()))
                .is_some_and(|rest| rest.first() == Some(&0));
            if matches && s.kind != SHT_NOBITS {
                return Ok(Some(s));
            }
        }
        Ok(None)
    }

    /// The file bytes of section `s`.
    pub fn section_data(&self, s: &Section) -> Result<&'a [u8], ParseError> {
        self.range(s.offset, s.size)
            .ok_or_else(|| ParseError::OutOfBounds {
                what: "ELF section data".into(),
            })
    }

    /// `len` bytes at virtual address `addr`, from whichever loadable segment holds them
    /// in the file.
    pub fn read_vaddr(&self, addr: u64, len: u64) -> Result<&'a [u8], ParseError> {
        for seg in self.segments() {
            let seg = seg?;
            if seg.kind != PT_LOAD || addr < seg.vaddr {
                continue;
            }
            let rel = addr - seg.vaddr;
            if rel.checked_add(len).is_some_and(|end| end <= seg.filesz) {
                return self
                    .range(seg.offset.saturating_add(rel), len)
                    .ok_or_else(|| ParseError::OutOfBounds {
                        what: "ELF segment data".into(),
                    });
            }
        }
        Err(ParseError::OutOfBounds {
            what: format!("ELF virtual address {addr:#x}"),
        })
    }

    /// A pointer-sized word at `at` in `buf`.
    pub fn word(&self, buf: &[u8], at: usize) -> Result<u64, ParseError> {
        self.word_at(buf, at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_candidates_by_mode_and_directory() {
        assert!(maybe_binary("app/server", 100, 0o755));
        assert!(maybe_binary("usr/bin/tool", 100, 0o644));
        assert!(maybe_binary(
            "usr/lib/x86_64-linux-gnu/libfoo.so.1",
            100,
            0o644
        ));
        assert!(!maybe_binary("usr/lib/python3/os.py", 100, 0o644));
        assert!(!maybe_binary("usr/bin/tiny", 10, 0o755));
        assert!(!maybe_binary("etc/passwd", 1000, 0o644));
    }

    #[test]
    fn not_elf_and_truncated() {
        assert!(Elf::parse(b"#!/bin/sh\n").unwrap().is_none());
        assert!(matches!(
            Elf::parse(b"\x7fELF\x02\x01"),
            Err(ParseError::Truncated { .. })
        ));
        let mut h = vec![0u8; 64];
        h[..4].copy_from_slice(MAGIC);
        h[4] = 3;
        assert!(Elf::parse(&h).is_err());
    }
}
