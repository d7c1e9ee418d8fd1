//! rpm's NDB backend (`Packages.db`, SUSE): a little-endian file of 4096-byte slot pages
//! followed by blobs in 16-byte blocks.
//!
//! The file starts with a 32-byte header (`RpmP` magic, version 0, generation, number
//! of slot pages, next package index); the rest of the slot pages holds 16-byte slots
//! (`Slot` magic, package index, block offset, block count; a zero offset marks a free
//! slot). A blob starts at `offset * 16` with a 16-byte head (`BlbS` magic, package
//! index, timestamp, length), then the header blob, padding, and a 12-byte tail
//! (Adler-32 of head, blob and padding; length; `BlbE` magic). Slots are read once in
//! order; every offset and length is checked against the file, so nothing loops.

use super::DbError;

const FORMAT: &str = "NDB";
const PAGE: usize = 4096;
const BLOCK: usize = 16;
const HEADER: usize = 32;
const HEAD: usize = 16;
const TAIL: usize = 12;
const DB_MAGIC: u32 = u32::from_le_bytes(*b"RpmP");
const SLOT_MAGIC: u32 = u32::from_le_bytes(*b"Slot");
const BLOB_MAGIC: u32 = u32::from_le_bytes(*b"BlbS");
const TAIL_MAGIC: u32 = u32::from_le_bytes(*b"BlbE");

fn le(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn corrupt(reason: String) -> DbError {
    DbError::Corrupt {
        format: FORMAT,
        reason,
    }
}

/// Adler-32 (RFC 1950).
pub(crate) fn adler32(bytes: &[u8]) -> u32 {
    const MOD: u32 = 65_521;
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in bytes.chunks(5552) {
        for x in chunk {
            a += u32::from(*x);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

/// Every package blob, in slot order.
pub fn blobs(content: &[u8]) -> Result<Vec<Vec<u8>>, DbError> {
    if le(content, 0) != Some(DB_MAGIC) {
        return Err(DbError::NotDb {
            format: FORMAT,
            reason: "no `RpmP` magic".into(),
        });
    }
    let version = le(content, 4).unwrap_or(u32::MAX);
    if version != 0 {
        return Err(corrupt(format!("unsupported version {version}")));
    }
    let slot_pages = le(content, 12).unwrap_or(0) as usize;
    let slots_end = slot_pages
        .checked_mul(PAGE)
        .filter(|end| *end >= PAGE && *end <= content.len())
        .ok_or_else(|| {
            corrupt(format!(
                "{slot_pages} slot pages do not fit the {}-byte file",
                content.len()
            ))
        })?;
    let slots = content.get(HEADER..slots_end).unwrap_or_default();
    let mut out = Vec::new();
    // Blobs never share blocks, so their areas add up to at most the file; slots
    // pointing at one large blob many times would otherwise cost quadratic work.
    let mut covered = 0usize;
    let mut indexes = std::collections::BTreeSet::new();
    for (i, slot) in slots.chunks_exact(BLOCK).enumerate() {
        let word = |at| le(slot, at).unwrap_or(0);
        if word(0) != SLOT_MAGIC {
            return Err(corrupt(format!("slot {i}: bad magic")));
        }
        let (pkgidx, blkoff, blkcnt) = (word(4), word(8) as usize, word(12) as usize);
        if blkoff == 0 {
            continue;
        }
        if !indexes.insert(pkgidx) {
            return Err(corrupt(format!(
                "slot {i}: package index {pkgidx} appears in two slots"
            )));
        }
        covered = covered.saturating_add(blkcnt.saturating_mul(BLOCK));
        if covered > content.len() - slots_end {
            return Err(corrupt(format!(
                "slot {i}: blobs overlap (their blocks exceed the file)"
            )));
        }
        out.push(blob(content, i, pkgidx, blkoff, blkcnt, slots_end)?);
    }
    Ok(out)
}

fn blob(
    content: &[u8],
    slot: usize,
    pkgidx: u32,
    blkoff: usize,
    blkcnt: usize,
    slots_end: usize,
) -> Result<Vec<u8>, DbError> {
    let bad = |reason: &str| corrupt(format!("slot {slot} (package {pkgidx}): {reason}"));
    let start = blkoff
        .checked_mul(BLOCK)
        .ok_or_else(|| bad("offset overflows"))?;
    let len = blkcnt
        .checked_mul(BLOCK)
        .ok_or_else(|| bad("length overflows"))?;
    if pkgidx == 0 || start < slots_end || len < HEAD + TAIL {
        return Err(bad("bad slot"));
    }
    let area = start
        .checked_add(len)
        .and_then(|end| content.get(start..end))
        .ok_or_else(|| bad("blob lies outside the file"))?;
    let word = |at| le(area, at).unwrap_or(0);
    if word(0) != BLOB_MAGIC || word(4) != pkgidx {
        return Err(bad("bad blob head"));
    }
    let blob_len = word(12) as usize;
    if (HEAD + blob_len + TAIL).div_ceil(BLOCK) != blkcnt {
        return Err(bad("blob length does not match the slot"));
    }
    let tail = len - TAIL;
    if word(tail + 4) as usize != blob_len || word(tail + 8) != TAIL_MAGIC {
        return Err(bad("bad blob tail"));
    }
    if word(tail) != adler32(area.get(..tail).unwrap_or_default()) {
        return Err(bad("checksum mismatch"));
    }
    Ok(area.get(HEAD..HEAD + blob_len).unwrap_or_default().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adler32_known_value() {
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
        assert_eq!(adler32(b""), 1);
        // Long inputs take the modulo path.
        let long = vec![0xff; 100_000];
        let (mut a, mut b) = (1u64, 0u64);
        for x in &long {
            a = (a + u64::from(*x)) % 65_521;
            b = (b + a) % 65_521;
        }
        assert_eq!(u64::from(adler32(&long)), (b << 16) | a);
    }

    #[test]
    fn not_ndb_and_bad_sizes() {
        assert!(matches!(blobs(b"nope"), Err(DbError::NotDb { .. })));
        let mut b = vec![0; 64];
        b[..4].copy_from_slice(b"RpmP");
        b[12] = 1;
        assert!(matches!(blobs(&b), Err(DbError::Corrupt { .. })));
        b.resize(4096, 0);
        b[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(blobs(&b), Err(DbError::Corrupt { .. })));
    }
}
