//! The rpm header blob as rpm stores it in its database: a big-endian index count `il`
//! and data length `dl`, `il` 16-byte index entries (tag, type, offset, count) and `dl`
//! bytes of data. The first entry may be a region tag (`HEADER_IMAGE`,
//! `HEADER_SIGNATURES`, `HEADER_IMMUTABLE`) whose 16-byte trailer in the data describes
//! the immutable part of the header; entries after the region ("dribbles", e.g. the
//! install time) override earlier ones with the same tag.
//!
//! Every count, offset and length is checked against the blob before use, so hostile
//! blobs give a [`HeaderError`], never a panic or an out-of-bounds read.

use std::borrow::Cow;

/// Most index entries a header may have (rpm's own bound).
pub const MAX_ENTRIES: u32 = 0xffff;
/// Most data bytes a header may have (rpm's own bound, 256 MiB).
pub const MAX_DATA: u32 = 0x0fff_ffff;

/// Tag numbers this crate reads.
pub mod tag {
    /// Region tag of a package image (legacy).
    pub const HEADER_IMAGE: i32 = 61;
    /// Region tag of a signature header.
    pub const HEADER_SIGNATURES: i32 = 62;
    /// Region tag of the immutable package header.
    pub const HEADER_IMMUTABLE: i32 = 63;
    /// Package name.
    pub const NAME: i32 = 1000;
    /// Upstream version.
    pub const VERSION: i32 = 1001;
    /// Release.
    pub const RELEASE: i32 = 1002;
    /// Epoch (INT32).
    pub const EPOCH: i32 = 1003;
    /// Vendor.
    pub const VENDOR: i32 = 1011;
    /// License.
    pub const LICENSE: i32 = 1014;
    /// Architecture.
    pub const ARCH: i32 = 1022;
    /// File name of the source rpm (`name-version-release.src.rpm`).
    pub const SOURCERPM: i32 = 1044;
    /// Per file, the index of its directory in `DIRNAMES` (INT32).
    pub const DIRINDEXES: i32 = 1116;
    /// Per file, its name within its directory.
    pub const BASENAMES: i32 = 1117;
    /// The directories of the files, with trailing `/`.
    pub const DIRNAMES: i32 = 1118;
}

/// The data types of header entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    /// `CHAR` (1 byte each).
    Char,
    /// `INT8`.
    Int8,
    /// `INT16` (big-endian).
    Int16,
    /// `INT32` (big-endian).
    Int32,
    /// `INT64` (big-endian).
    Int64,
    /// `STRING`: one NUL-terminated string.
    String,
    /// `BIN`: `count` raw bytes.
    Bin,
    /// `STRING_ARRAY`: `count` NUL-terminated strings.
    StringArray,
    /// `I18NSTRING`: `count` NUL-terminated strings, one per locale.
    I18nString,
}

impl Type {
    fn from_raw(raw: u32) -> Option<Self> {
        Some(match raw {
            1 => Self::Char,
            2 => Self::Int8,
            3 => Self::Int16,
            4 => Self::Int32,
            5 => Self::Int64,
            6 => Self::String,
            7 => Self::Bin,
            8 => Self::StringArray,
            9 => Self::I18nString,
            _ => return None,
        })
    }

    /// Width in bytes of one element of a fixed-size type; `None` for strings.
    fn width(self) -> Option<usize> {
        match self {
            Self::Char | Self::Int8 | Self::Bin => Some(1),
            Self::Int16 => Some(2),
            Self::Int32 => Some(4),
            Self::Int64 => Some(8),
            Self::String | Self::StringArray | Self::I18nString => None,
        }
    }
}

/// Why a header blob was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeaderError {
    /// The blob is shorter than its index and data claim.
    #[error("header blob of {len} bytes is shorter than the {need} bytes its index and data need")]
    Truncated {
        /// Bytes present.
        len: usize,
        /// Bytes needed.
        need: u64,
    },
    /// The index count is zero or above [`MAX_ENTRIES`].
    #[error("header claims {count} index entries (1 to {MAX_ENTRIES} allowed)")]
    BadEntryCount {
        /// The count claimed.
        count: u32,
    },
    /// The data length is above [`MAX_DATA`].
    #[error("header claims {len} data bytes (at most {MAX_DATA} allowed)")]
    DataTooLarge {
        /// The length claimed.
        len: u32,
    },
    /// An entry has an unknown type.
    #[error("entry {index} (tag {tag}): unknown type {ty}")]
    BadType {
        /// Entry index.
        index: usize,
        /// Its tag.
        tag: i32,
        /// The raw type.
        ty: u32,
    },
    /// An entry's offset and count do not fit the data.
    #[error(
        "entry {index} (tag {tag}): offset {offset} with count {count} lies outside the {data_len}-byte data"
    )]
    OutOfBounds {
        /// Entry index.
        index: usize,
        /// Its tag.
        tag: i32,
        /// Its offset.
        offset: i32,
        /// Its count.
        count: u32,
        /// The data length.
        data_len: usize,
    },
    /// An integer entry's offset is not aligned to its width.
    #[error("entry {index} (tag {tag}): offset {offset} is not aligned for its type")]
    Misaligned {
        /// Entry index.
        index: usize,
        /// Its tag.
        tag: i32,
        /// Its offset.
        offset: i32,
    },
    /// A string runs to the end of the data without a terminating NUL.
    #[error("entry {index} (tag {tag}): unterminated string")]
    Unterminated {
        /// Entry index.
        index: usize,
        /// Its tag.
        tag: i32,
    },
    /// The entries' data adds up to more than the data: entries overlap.
    #[error("entry {index} (tag {tag}): entries overlap (their data exceeds the data length)")]
    Overlap {
        /// Entry index.
        index: usize,
        /// Its tag.
        tag: i32,
    },
    /// A region tag or its trailer is malformed.
    #[error("region tag {tag}: {reason}")]
    BadRegion {
        /// The region tag.
        tag: i32,
        /// What is wrong.
        reason: &'static str,
    },
}

/// One index entry, checked against the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// Tag number.
    pub tag: i32,
    /// Data type.
    pub ty: Type,
    /// Offset into the data.
    pub offset: usize,
    /// Number of elements (strings for string types, bytes for `BIN`).
    pub count: usize,
    /// Length in bytes of the entry's data (strings including their NULs).
    pub len: usize,
}

/// The value of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value<'a> {
    /// `CHAR`, `INT8`, `INT16`, `INT32`, `INT64`, widened.
    Int(Vec<u64>),
    /// `BIN`.
    Bin(&'a [u8]),
    /// `STRING` (one element), `STRING_ARRAY`, `I18NSTRING`, without their NULs.
    Strings(Vec<&'a [u8]>),
}

/// A parsed header borrowing the blob.
#[derive(Debug, Clone)]
pub struct Header<'a> {
    entries: Vec<Entry>,
    data: &'a [u8],
}

fn be_u32(b: &[u8], at: usize) -> Option<u32> {
    let bytes = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes(bytes.try_into().ok()?))
}

impl<'a> Header<'a> {
    /// Parses and checks a header blob as stored in an rpm database. Trailing bytes
    /// after the data (padding) are ignored.
    pub fn parse(blob: &'a [u8]) -> Result<Self, HeaderError> {
        let truncated = |need: u64| HeaderError::Truncated {
            len: blob.len(),
            need,
        };
        let (Some(il), Some(dl)) = (be_u32(blob, 0), be_u32(blob, 4)) else {
            return Err(truncated(8));
        };
        if il == 0 || il > MAX_ENTRIES {
            return Err(HeaderError::BadEntryCount { count: il });
        }
        if dl > MAX_DATA {
            return Err(HeaderError::DataTooLarge { len: dl });
        }
        let need = 8 + u64::from(il) * 16 + u64::from(dl);
        let index_end = 8 + il as usize * 16;
        let data = blob
            .get(index_end..index_end + dl as usize)
            .ok_or_else(|| truncated(need))?;
        let index = blob.get(8..index_end).ok_or_else(|| truncated(need))?;
        let mut entries = Vec::with_capacity(il as usize);
        let mut covered = 0usize;
        for (i, raw) in index.chunks_exact(16).enumerate() {
            let word = |at| be_u32(raw, at).unwrap_or(0);
            let tag = word(0).cast_signed();
            let raw_ty = word(4);
            let offset = word(8).cast_signed();
            let count = word(12);
            let ty = Type::from_raw(raw_ty).ok_or(HeaderError::BadType {
                index: i,
                tag,
                ty: raw_ty,
            })?;
            let entry = check_entry(i, tag, ty, offset, count, data)?;
            // rpm writes every entry's data once, so the lengths add up to at most the
            // data length; overlapping entries would let a small blob cost quadratic work.
            covered += entry.len;
            if covered > data.len() {
                return Err(HeaderError::Overlap { index: i, tag });
            }
            entries.push(entry);
        }
        if let Some(first) = entries.first()
            && matches!(
                first.tag,
                tag::HEADER_IMAGE | tag::HEADER_SIGNATURES | tag::HEADER_IMMUTABLE
            )
        {
            check_region(first, data, entries.len())?;
        }
        Ok(Self { entries, data })
    }

    /// The checked index entries, in blob order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The value of `tag` (the last entry with that tag wins, as rpm's dribble entries
    /// override the region).
    pub fn get(&self, tag: i32) -> Option<Value<'a>> {
        let e = self.entries.iter().rev().find(|e| e.tag == tag)?;
        let bytes = self.data.get(e.offset..e.offset + e.len)?;
        Some(match e.ty {
            Type::Bin => Value::Bin(bytes),
            Type::String | Type::StringArray | Type::I18nString => Value::Strings(
                bytes
                    .split(|b| *b == 0)
                    .take(e.count)
                    .collect::<Vec<&'a [u8]>>(),
            ),
            Type::Char | Type::Int8 | Type::Int16 | Type::Int32 | Type::Int64 => {
                let width = e.ty.width().unwrap_or(1);
                Value::Int(
                    bytes
                        .chunks_exact(width)
                        .map(|c| c.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
                        .collect(),
                )
            }
        })
    }

    /// The first string of a string-typed `tag` (lossy UTF-8), if present and non-empty.
    pub fn string(&self, tag: i32) -> Option<Cow<'a, str>> {
        match self.get(tag)? {
            Value::Strings(s) => s
                .first()
                .filter(|s| !s.is_empty())
                .map(|s| String::from_utf8_lossy(s)),
            Value::Int(_) | Value::Bin(_) => None,
        }
    }

    /// Every string of a string-typed `tag` (lossy UTF-8); empty when absent.
    pub fn strings(&self, tag: i32) -> Vec<Cow<'a, str>> {
        match self.get(tag) {
            Some(Value::Strings(s)) => s.into_iter().map(String::from_utf8_lossy).collect(),
            _ => Vec::new(),
        }
    }

    /// Every number of an integer-typed `tag`; empty when absent.
    pub fn ints(&self, tag: i32) -> Vec<u64> {
        match self.get(tag) {
            Some(Value::Int(v)) => v,
            _ => Vec::new(),
        }
    }

    /// The first number of an integer-typed `tag`.
    pub fn int(&self, tag: i32) -> Option<u64> {
        match self.get(tag)? {
            Value::Int(v) => v.first().copied(),
            Value::Strings(_) | Value::Bin(_) => None,
        }
    }
}

fn check_entry(
    index: usize,
    tag: i32,
    ty: Type,
    offset: i32,
    count: u32,
    data: &[u8],
) -> Result<Entry, HeaderError> {
    let oob = HeaderError::OutOfBounds {
        index,
        tag,
        offset,
        count,
        data_len: data.len(),
    };
    let (Ok(start), Ok(n)) = (usize::try_from(offset), usize::try_from(count)) else {
        return Err(oob);
    };
    if n == 0 || start >= data.len() || n > data.len() {
        return Err(oob);
    }
    let len = if let Some(width) = ty.width() {
        if ty != Type::Bin && start % width != 0 {
            return Err(HeaderError::Misaligned { index, tag, offset });
        }
        let len = n.checked_mul(width).ok_or(oob.clone())?;
        if len > data.len() - start {
            return Err(oob);
        }
        len
    } else {
        if ty == Type::String && n != 1 {
            return Err(oob);
        }
        let rest = data.get(start..).ok_or(oob)?;
        let mut len = 0;
        for _ in 0..n {
            let tail = rest.get(len..).unwrap_or_default();
            let nul = memchr_zero(tail).ok_or(HeaderError::Unterminated { index, tag })?;
            len += nul + 1;
        }
        len
    };
    Ok(Entry {
        tag,
        ty,
        offset: start,
        count: n,
        len,
    })
}

fn memchr_zero(b: &[u8]) -> Option<usize> {
    b.iter().position(|x| *x == 0)
}

/// A region entry is `BIN` of 16 bytes holding a trailer entry whose negative offset
/// counts the index entries the region covers.
fn check_region(first: &Entry, data: &[u8], entries: usize) -> Result<(), HeaderError> {
    let bad = |reason| HeaderError::BadRegion {
        tag: first.tag,
        reason,
    };
    if first.ty != Type::Bin || first.count != 16 {
        return Err(bad("not a 16-byte BIN entry"));
    }
    let trailer = data
        .get(first.offset..first.offset + 16)
        .ok_or(bad("trailer outside the data"))?;
    let word = |at| be_u32(trailer, at).unwrap_or(0);
    let trailer_tag = word(0).cast_signed();
    let trailer_offset = i64::from(word(8).cast_signed());
    // rpm writes HEADER_IMAGE as the trailer tag of legacy immutable regions.
    if trailer_tag != first.tag && trailer_tag != tag::HEADER_IMAGE {
        return Err(bad("trailer names another tag"));
    }
    if trailer_offset >= 0 || (-trailer_offset) % 16 != 0 {
        return Err(bad("trailer offset is not a negative multiple of 16"));
    }
    let covered = (-trailer_offset) / 16;
    if usize::try_from(covered).map_or(true, |c| c > entries) {
        return Err(bad("trailer covers more entries than the header has"));
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use proptest::prelude::{Strategy, any, prop_oneof};

    use super::*;

    /// Builds a header blob: entries `(tag, type, data)`; with `region`, an immutable
    /// region entry first covering every entry.
    pub(crate) fn build(entries: &[(i32, u32, u32, Vec<u8>)], region: bool) -> Vec<u8> {
        let mut data = Vec::new();
        let mut index = Vec::new();
        let il = entries.len() + usize::from(region);
        for (tag, ty, count, bytes) in entries {
            let align = match ty {
                3 => 2,
                4 => 4,
                5 => 8,
                _ => 1,
            };
            while data.len() % align != 0 {
                data.push(0);
            }
            index.push((*tag, *ty, data.len() as u32, *count));
            data.extend_from_slice(bytes);
        }
        if region {
            let at = data.len() as u32;
            data.extend_from_slice(&tag::HEADER_IMMUTABLE.to_be_bytes());
            data.extend_from_slice(&7u32.to_be_bytes());
            data.extend_from_slice(&(-i32::try_from(il).unwrap() * 16).to_be_bytes());
            data.extend_from_slice(&16u32.to_be_bytes());
            index.insert(0, (tag::HEADER_IMMUTABLE, 7, at, 16));
        }
        let mut out = Vec::new();
        out.extend_from_slice(&(il as u32).to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        for (tag, ty, off, count) in index {
            out.extend_from_slice(&tag.to_be_bytes());
            out.extend_from_slice(&ty.to_be_bytes());
            out.extend_from_slice(&off.to_be_bytes());
            out.extend_from_slice(&count.to_be_bytes());
        }
        out.extend_from_slice(&data);
        out
    }

    pub(crate) fn s(tag: i32, v: &str) -> (i32, u32, u32, Vec<u8>) {
        let mut b = v.as_bytes().to_vec();
        b.push(0);
        (tag, 6, 1, b)
    }

    #[test]
    fn every_type() {
        let blob = build(
            &[
                s(tag::NAME, "bash"),
                (2000, 1, 2, b"ab".to_vec()),
                (2001, 2, 2, vec![1, 255]),
                (2002, 3, 2, vec![0, 1, 1, 0]),
                (tag::EPOCH, 4, 1, 7u32.to_be_bytes().to_vec()),
                (2003, 5, 1, u64::MAX.to_be_bytes().to_vec()),
                (2004, 7, 3, vec![9, 8, 7]),
                (2005, 8, 2, b"a\0bc\0".to_vec()),
                (2006, 9, 2, b"hi\0salut\0".to_vec()),
            ],
            true,
        );
        let h = Header::parse(&blob).unwrap();
        assert_eq!(h.entries().len(), 10);
        assert_eq!(h.string(tag::NAME).as_deref(), Some("bash"));
        assert_eq!(h.get(2000), Some(Value::Int(vec![97, 98])));
        assert_eq!(h.get(2001), Some(Value::Int(vec![1, 255])));
        assert_eq!(h.get(2002), Some(Value::Int(vec![1, 256])));
        assert_eq!(h.int(tag::EPOCH), Some(7));
        assert_eq!(h.int(2003), Some(u64::MAX));
        assert_eq!(h.get(2004), Some(Value::Bin(&[9, 8, 7])));
        assert_eq!(
            h.get(2005),
            Some(Value::Strings(vec![b"a".as_slice(), b"bc"]))
        );
        assert_eq!(h.string(2006).as_deref(), Some("hi"));
        assert_eq!(h.string(tag::EPOCH), None);
        assert_eq!(h.int(tag::NAME), None);
        assert_eq!(h.get(4242), None);
    }

    #[test]
    fn later_entries_override() {
        let blob = build(&[s(tag::NAME, "old"), s(tag::NAME, "new")], false);
        let h = Header::parse(&blob).unwrap();
        assert_eq!(h.string(tag::NAME).as_deref(), Some("new"));
    }

    fn patch(blob: &mut [u8], at: usize, v: u32) {
        blob[at..at + 4].copy_from_slice(&v.to_be_bytes());
    }

    #[test]
    fn hostile_blobs_are_typed_errors() {
        let good = build(&[s(tag::NAME, "x"), (tag::EPOCH, 4, 1, vec![0; 4])], false);
        assert!(Header::parse(&good).is_ok());
        assert!(matches!(
            Header::parse(&good[..5]),
            Err(HeaderError::Truncated { .. })
        ));
        assert!(matches!(
            Header::parse(&good[..good.len() - 1]),
            Err(HeaderError::Truncated { .. })
        ));
        let mut b = good.clone();
        patch(&mut b, 0, 0);
        assert_eq!(
            Header::parse(&b).unwrap_err(),
            HeaderError::BadEntryCount { count: 0 }
        );
        patch(&mut b, 0, u32::MAX);
        assert!(matches!(
            Header::parse(&b),
            Err(HeaderError::BadEntryCount { .. })
        ));
        let mut b = good.clone();
        patch(&mut b, 4, u32::MAX);
        assert!(matches!(
            Header::parse(&b),
            Err(HeaderError::DataTooLarge { .. })
        ));
        // Unknown type, huge and negative offsets, absurd counts.
        let mut b = good.clone();
        patch(&mut b, 12, 42);
        assert!(matches!(
            Header::parse(&b),
            Err(HeaderError::BadType { ty: 42, .. })
        ));
        for (at, v) in [
            (16, u32::MAX),
            (16, 0x7fff_fff0),
            (32, 0x4000_0000),
            (16 + 4, 0),
        ] {
            let mut b = good.clone();
            patch(&mut b, at, v);
            assert!(Header::parse(&b).is_err(), "patch {at}={v:#x}");
        }
        // Misaligned INT32.
        let mut b = good.clone();
        patch(&mut b, 8 + 16 + 8, 1);
        assert!(matches!(
            Header::parse(&b),
            Err(HeaderError::Misaligned { .. } | HeaderError::OutOfBounds { .. })
        ));
        // Unterminated string: drop the NUL.
        let b = build(&[(tag::NAME, 6, 1, b"abc".to_vec())], false);
        assert!(matches!(
            Header::parse(&b),
            Err(HeaderError::Unterminated { .. })
        ));
        let b = build(&[(tag::NAME, 8, 3, b"a\0b\0".to_vec())], false);
        assert!(matches!(
            Header::parse(&b),
            Err(HeaderError::Unterminated { .. })
        ));
    }

    #[test]
    fn overlapping_entries_are_rejected() {
        // Many STRING_ARRAY entries sharing one long run of NULs: rejected at the
        // first entry past the data length, after scanning about the data once.
        let mut blob = build(&[(tag::NAME, 8, 4096, vec![0; 4096])], false);
        let entry = blob[8..24].to_vec();
        let il = 1000u32;
        blob[..4].copy_from_slice(&il.to_be_bytes());
        let data = blob[24..].to_vec();
        blob.truncate(8);
        for _ in 0..il {
            blob.extend_from_slice(&entry);
        }
        blob.extend_from_slice(&data);
        assert_eq!(
            Header::parse(&blob).unwrap_err(),
            HeaderError::Overlap {
                index: 1,
                tag: tag::NAME
            }
        );
    }

    #[test]
    fn regions_are_checked() {
        let good = build(&[s(tag::NAME, "x")], true);
        assert!(Header::parse(&good).is_ok());
        // Trailer offset claiming more entries than exist.
        let mut b = good.clone();
        let dl = b.len() - 8 - 32;
        let trailer = 8 + 32 + dl - 16;
        b[trailer + 8..trailer + 12].copy_from_slice(&(-64i32).to_be_bytes());
        assert!(matches!(
            Header::parse(&b),
            Err(HeaderError::BadRegion { .. })
        ));
        b[trailer + 8..trailer + 12].copy_from_slice(&5i32.to_be_bytes());
        assert!(matches!(
            Header::parse(&b),
            Err(HeaderError::BadRegion { .. })
        ));
        // Region entry of the wrong size.
        let mut b = good;
        b[8 + 12..8 + 16].copy_from_slice(&4u32.to_be_bytes());
        assert!(matches!(
            Header::parse(&b),
            Err(HeaderError::BadRegion { .. })
        ));
    }

    /// Every accepted header's entries lie inside its data, and every value reads.
    fn check_invariants(blob: &[u8]) {
        if let Ok(h) = Header::parse(blob) {
            for e in h.entries() {
                assert!(e.offset + e.len <= h.data.len());
                assert!(e.count >= 1);
                assert!(h.get(e.tag).is_some());
            }
        }
    }

    fn tag_of(i: usize) -> i32 {
        3000 + i32::try_from(i).unwrap()
    }

    /// An owned copy of a [`Value`], for comparisons.
    #[derive(Debug, Clone, PartialEq, Eq)]
    enum Owned {
        Int(Vec<u64>),
        Bin(Vec<u8>),
        Strings(Vec<Vec<u8>>),
    }

    fn owned(v: &Value<'_>) -> Owned {
        match v {
            Value::Int(i) => Owned::Int(i.clone()),
            Value::Bin(b) => Owned::Bin(b.to_vec()),
            Value::Strings(s) => Owned::Strings(s.iter().map(|x| x.to_vec()).collect()),
        }
    }

    fn ints<T: Copy + Into<u64>>(ty: u32, v: &[T], bytes: Vec<u8>) -> (u32, u32, Vec<u8>, Owned) {
        let values = v.iter().map(|x| (*x).into()).collect();
        (ty, v.len() as u32, bytes, Owned::Int(values))
    }

    /// (type, count, data, expected value) of one entry.
    fn value_strategy() -> impl Strategy<Value = (u32, u32, Vec<u8>, Owned)> {
        use proptest::collection::vec;
        prop_oneof![
            vec(any::<u8>(), 1..8).prop_map(|v| ints(2, &v, v.clone())),
            vec(any::<u16>(), 1..8).prop_map(|v| ints(
                3,
                &v,
                v.iter().flat_map(|x| x.to_be_bytes()).collect()
            )),
            vec(any::<u32>(), 1..8).prop_map(|v| ints(
                4,
                &v,
                v.iter().flat_map(|x| x.to_be_bytes()).collect()
            )),
            vec(any::<u64>(), 1..4).prop_map(|v| ints(
                5,
                &v,
                v.iter().flat_map(|x| x.to_be_bytes()).collect()
            )),
            vec(any::<u8>(), 1..32).prop_map(|v| (7, v.len() as u32, v.clone(), Owned::Bin(v))),
            vec("[a-z0-9.~^+-]{0,12}", 1..5).prop_map(|strings| {
                let mut bytes = Vec::new();
                for s in &strings {
                    bytes.extend_from_slice(s.as_bytes());
                    bytes.push(0);
                }
                let want = strings.iter().map(|s| s.clone().into_bytes()).collect();
                (8, strings.len() as u32, bytes, Owned::Strings(want))
            }),
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            check_invariants(&bytes);
        }

        #[test]
        fn generated_headers_round_trip(
            values in proptest::collection::vec(value_strategy(), 1..12),
            region in any::<bool>(),
        ) {
            let entries: Vec<_> = values
                .iter()
                .enumerate()
                .map(|(i, (ty, count, bytes, _))| (tag_of(i), *ty, *count, bytes.clone()))
                .collect();
            let blob = build(&entries, region);
            let h = Header::parse(&blob).unwrap();
            for (i, (_, _, _, want)) in values.iter().enumerate() {
                let got = h.get(tag_of(i)).map(|v| owned(&v));
                proptest::prop_assert_eq!(got.as_ref(), Some(want));
            }
        }

        #[test]
        fn mutated_headers_never_panic(
            values in proptest::collection::vec(value_strategy(), 1..6),
            edits in proptest::collection::vec((any::<proptest::sample::Index>(), any::<u8>()), 1..6),
        ) {
            let entries: Vec<_> = values
                .iter()
                .enumerate()
                .map(|(i, (ty, count, bytes, _))| (tag_of(i), *ty, *count, bytes.clone()))
                .collect();
            let mut blob = build(&entries, true);
            for (i, b) in edits {
                let i = i.index(blob.len());
                blob[i] = b;
            }
            check_invariants(&blob);
        }
    }
}
