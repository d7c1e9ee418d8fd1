//! rpm's Berkeley DB backend (`Packages`, rpm < 4.16): a Berkeley DB hash database whose
//! keys are 4-byte package numbers and whose values are header blobs.
//!
//! Read directly from the page format: page 0 is the hash meta page (magic `0x061561`
//! at offset 12 in the byte order the database was written in, which is how both
//! endians are told apart; page size at 20; last page number at 32). Hash pages (types
//! 2 and 13) hold an index of 16-bit item offsets after the 26-byte page header; items
//! alternate key, value. A value is inline (`H_KEYDATA`, type byte 1) or, when large,
//! an `H_OFFPAGE` item (type 3) naming the first overflow page (type 7) and the total
//! length; overflow pages chain through their next-page field and carry their used
//! length in the free-offset field. Every page is visited once in page order, and each
//! overflow walk is bounded by the page count and refuses to revisit a page, so page
//! loops end with an error.

use super::DbError;

const FORMAT: &str = "Berkeley DB";
const HASH_MAGIC: u32 = 0x0006_1561;
const BTREE_MAGIC: u32 = 0x0005_3162;
const PAGE_HEADER: usize = 26;
const P_HASH_UNSORTED: u8 = 2;
const P_OVERFLOW: u8 = 7;
const P_HASHMETA: u8 = 8;
const P_HASH: u8 = 13;
const H_KEYDATA: u8 = 1;
const H_DUPLICATE: u8 = 2;
const H_OFFPAGE: u8 = 3;
const H_OFFDUP: u8 = 4;

/// A view of the database in its byte order.
struct Db<'a> {
    bytes: &'a [u8],
    big_endian: bool,
    page_size: usize,
    pages: usize,
}

impl<'a> Db<'a> {
    fn u16_at(&self, at: usize) -> Option<u16> {
        let b: [u8; 2] = self.bytes.get(at..at + 2)?.try_into().ok()?;
        Some(if self.big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    }

    fn u32_at(&self, at: usize) -> Option<u32> {
        let b: [u8; 4] = self.bytes.get(at..at + 4)?.try_into().ok()?;
        Some(if self.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }

    fn page(&self, pgno: usize) -> Option<&'a [u8]> {
        let start = pgno.checked_mul(self.page_size)?;
        self.bytes.get(start..start.checked_add(self.page_size)?)
    }

    /// The absolute offset and bytes of item `index` on the hash page `pgno` (type byte
    /// included): items are packed from the page end downwards, each ending where the
    /// previous one starts.
    fn item(
        &self,
        pgno: usize,
        page: &'a [u8],
        index: usize,
    ) -> Result<(usize, &'a [u8]), DbError> {
        let base = pgno * self.page_size;
        let off = |i: usize| -> Option<usize> {
            self.u16_at(base + PAGE_HEADER + 2 * i).map(usize::from)
        };
        let start = off(index).ok_or_else(|| bad(pgno, "item index outside the page"))?;
        let end = if index == 0 {
            self.page_size
        } else {
            off(index - 1).ok_or_else(|| bad(pgno, "item index outside the page"))?
        };
        if start < PAGE_HEADER || start >= end {
            return Err(bad(pgno, "item offsets out of order"));
        }
        let bytes = page
            .get(start..end)
            .ok_or_else(|| bad(pgno, "item outside the page"))?;
        Ok((base + start, bytes))
    }

    /// Follows an overflow chain from `first` for `total` bytes. `used` marks the
    /// overflow pages read so far by any chain: every page belongs to one item, so a page
    /// met twice is a loop or a shared chain, and the whole walk over all items reads
    /// each page at most once.
    fn overflow(&self, first: u32, total: u32, used: &mut [bool]) -> Result<Vec<u8>, DbError> {
        let total = total as usize;
        if total > self.bytes.len() {
            return Err(corrupt(format!(
                "overflow item of {total} bytes is larger than the database"
            )));
        }
        let mut out = Vec::with_capacity(total);
        let mut pgno = first as usize;
        while out.len() < total {
            if pgno == 0 || pgno >= self.pages {
                return Err(corrupt(format!(
                    "overflow chain leads to page {pgno} outside the {} pages",
                    self.pages
                )));
            }
            match used.get_mut(pgno) {
                Some(visited) if !*visited => *visited = true,
                _ => {
                    return Err(bad(
                        pgno,
                        "overflow chain loops or reuses a page of another chain",
                    ));
                }
            }
            let page = self
                .page(pgno)
                .ok_or_else(|| bad(pgno, "page outside the file"))?;
            if page.get(25) != Some(&P_OVERFLOW) {
                return Err(bad(
                    pgno,
                    "overflow chain reaches a page that is not an overflow page",
                ));
            }
            let base = pgno * self.page_size;
            let used = usize::from(self.u16_at(base + 22).unwrap_or(0));
            let chunk = page
                .get(PAGE_HEADER..PAGE_HEADER + used)
                .ok_or_else(|| bad(pgno, "overflow length exceeds the page"))?;
            if chunk.is_empty() {
                return Err(bad(pgno, "empty overflow page"));
            }
            out.extend_from_slice(chunk);
            pgno = self.u32_at(base + 16).unwrap_or(0) as usize;
        }
        if out.len() != total {
            return Err(corrupt(format!(
                "overflow chain holds {} bytes, the item claims {total}",
                out.len()
            )));
        }
        Ok(out)
    }
}

fn corrupt(reason: String) -> DbError {
    DbError::Corrupt {
        format: FORMAT,
        reason,
    }
}

fn bad(pgno: usize, reason: &str) -> DbError {
    corrupt(format!("page {pgno}: {reason}"))
}

/// Every value (header blob) of the hash database, in page order. The record with key
/// 0, which old rpm versions used for bookkeeping, is skipped.
pub fn blobs(content: &[u8]) -> Result<Vec<Vec<u8>>, DbError> {
    let magic_at = |big: bool| {
        content.get(12..16).and_then(|b| {
            let b: [u8; 4] = b.try_into().ok()?;
            Some(if big {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            })
        })
    };
    let big_endian = match (magic_at(false), magic_at(true)) {
        (Some(HASH_MAGIC), _) => false,
        (_, Some(HASH_MAGIC)) => true,
        (Some(BTREE_MAGIC), _) | (_, Some(BTREE_MAGIC)) => {
            return Err(DbError::NotDb {
                format: FORMAT,
                reason: "a btree database, not a hash database".into(),
            });
        }
        _ => {
            return Err(DbError::NotDb {
                format: FORMAT,
                reason: "no hash database magic in the meta page".into(),
            });
        }
    };
    let mut db = Db {
        bytes: content,
        big_endian,
        page_size: 0,
        pages: 0,
    };
    let page_size = db.u32_at(20).unwrap_or(0) as usize;
    if !(512..=65_536).contains(&page_size) || !page_size.is_power_of_two() {
        return Err(corrupt(format!(
            "page size {page_size} is not a power of two from 512 to 65536"
        )));
    }
    if content.get(24).is_some_and(|alg| *alg != 0) {
        return Err(corrupt("encrypted databases are not supported".into()));
    }
    if content.get(25) != Some(&P_HASHMETA) {
        return Err(corrupt("page 0 is not a hash meta page".into()));
    }
    db.page_size = page_size;
    db.pages = content.len() / page_size;
    let last = db.u32_at(32).unwrap_or(0) as usize;
    if last >= db.pages {
        return Err(corrupt(format!(
            "the meta page names page {last} as the last, but the file has {} pages",
            db.pages
        )));
    }
    let mut out = Vec::new();
    let mut used = vec![false; db.pages];
    for pgno in 1..=last {
        let Some(page) = db.page(pgno) else { break };
        let ty = page.get(25).copied().unwrap_or(0);
        if ty != P_HASH && ty != P_HASH_UNSORTED {
            continue;
        }
        let entries = usize::from(db.u16_at(pgno * page_size + 20).unwrap_or(0));
        if entries % 2 != 0 || PAGE_HEADER + 2 * entries > page_size {
            return Err(bad(pgno, "bad entry count"));
        }
        for pair in 0..entries / 2 {
            let (_, key) = db.item(pgno, page, 2 * pair)?;
            let (at, value) = db.item(pgno, page, 2 * pair + 1)?;
            if key.first() == Some(&H_KEYDATA)
                && key.get(1..).is_some_and(|k| k.iter().all(|b| *b == 0))
            {
                continue;
            }
            out.push(match value.first().copied() {
                Some(H_KEYDATA) => value.get(1..).unwrap_or_default().to_vec(),
                Some(H_OFFPAGE) => {
                    let (Some(first), Some(total)) = (db.u32_at(at + 4), db.u32_at(at + 8)) else {
                        return Err(bad(pgno, "truncated off-page item"));
                    };
                    db.overflow(first, total, &mut used)?
                }
                Some(H_DUPLICATE | H_OFFDUP) => {
                    return Err(bad(pgno, "duplicate records are not used by rpm"));
                }
                _ => return Err(bad(pgno, "unknown item type")),
            });
        }
    }
    Ok(out)
}
