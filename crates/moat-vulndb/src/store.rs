//! The database file: writing (atomically) and reading (by positioned reads).
//!
//! Layout (all integers little-endian):
//!
//! ```text
//! 0   magic  "MOATVDB\0"
//! 8   u32    schema version (SCHEMA_VERSION)
//! 12  u32    reserved (0)
//! 16  u64    meta offset     24 u64 meta length      (JSON: Meta)
//! 32  u64    index offset    40 u64 index length
//! 48  ...    record blocks: each a deflate stream of ~32 KiB of newline-separated record JSON
//! ..  index:
//!       u32 n_blocks, then per block: u64 offset, u32 compressed length, u32 first record
//!       u32 n_keys,   then per key:   u32 str offset, u32 str len, u32 refs offset, u32 refs count
//!       u32 n_ids,    same layout as keys
//!       u32 strings length, strings
//!       u32 refs count, refs (u32 record numbers)
//! ..  meta JSON
//! ```
//!
//! Keys are `ECOSYSTEM \0 NORMALISED-NAME`, sorted bytewise; IDs include aliases. Opening
//! reads the header, the index and the meta (a few MB at most); a lookup binary-searches
//! the index and inflates only the blocks holding the package's records.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::model::Record;
use crate::names::{NameRule, normalize};

/// File magic.
pub const MAGIC: &[u8; 8] = b"MOATVDB\0";
/// Schema version written and read by this build.
pub const SCHEMA_VERSION: u32 = 1;
const HEADER_LEN: u64 = 48;
/// Uncompressed size at which a record block is closed.
const BLOCK_TARGET: usize = 32 * 1024;
/// Largest block, index or meta section accepted when reading.
const MAX_SECTION: u64 = 512 * 1024 * 1024;
/// Largest inflated record block accepted when reading.
const MAX_BLOCK: u64 = 128 * 1024 * 1024;

/// Summary stored in the file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    /// Unix time of the first import into this database.
    pub created: i64,
    /// Unix time of the last import or update.
    pub updated: i64,
    /// Records stored.
    pub records: u64,
    /// Per ecosystem (with release): records and distinct packages.
    pub ecosystems: BTreeMap<String, EcosystemStats>,
    /// Total size in bytes of the raw input read over the database's life (last import).
    pub input_bytes: u64,
}

/// Counts for one ecosystem.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EcosystemStats {
    /// Records with at least one `affected[]` entry in the ecosystem.
    pub records: u64,
    /// Distinct package names.
    pub packages: u64,
}

/// Writes `records` to `target` atomically: a temporary file next to it is written,
/// fsynced and renamed over `target`. `on_block` is called after each block is written.
pub(crate) fn write_atomic(
    target: &Path,
    mut records: Vec<Record>,
    mut meta: Meta,
    on_block: &dyn Fn(usize, usize),
) -> Result<(), Error> {
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let file_name = target
        .file_name()
        .map_or_else(|| "vuln.db".into(), |n| n.to_string_lossy().into_owned());
    remove_stale_temps(&dir, &file_name);
    let tmp = dir.join(format!(".{file_name}.tmp.{}", std::process::id()));
    let result = write_file(&tmp, &mut records, &mut meta, on_block).and_then(|()| {
        std::fs::rename(&tmp, target).map_err(|e| Error::io(target, e))?;
        // Make the rename durable.
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Removes temporary files left by killed imports (`.NAME.tmp.PID` whose process is gone;
/// Linux only, where `/proc` says which processes exist).
fn remove_stale_temps(dir: &Path, file_name: &str) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let prefix = format!(".{file_name}.tmp.");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(&prefix))
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

fn primary_key(r: &Record) -> String {
    r.affected.first().map_or_else(String::new, |a| {
        key(
            &a.package.ecosystem,
            &normalize(&a.package.ecosystem, &a.package.name),
        )
    })
}

fn key(ecosystem: &str, normalized: &str) -> String {
    format!("{ecosystem}\0{normalized}")
}

fn write_file(
    path: &Path,
    records: &mut [Record],
    meta: &mut Meta,
    on_block: &dyn Fn(usize, usize),
) -> Result<(), Error> {
    let io = |e| Error::io(path, e);
    // Records of one package end up next to each other, so a lookup inflates few blocks.
    records.sort_by_cached_key(|r| (primary_key(r), r.id.clone()));
    let file = File::create(path).map_err(io)?;
    let mut out = BufWriter::new(file);
    out.write_all(&[0; HEADER_LEN as usize]).map_err(io)?;
    let mut pos = HEADER_LEN;

    let mut keys: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    let mut ids: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    let mut ecosystems: BTreeMap<String, (u64, std::collections::BTreeSet<String>)> =
        BTreeMap::new();
    let mut blocks: Vec<(u64, u32, u32)> = Vec::new();
    let mut buf: Vec<u8> = Vec::with_capacity(BLOCK_TARGET + 4096);
    let mut first_in_block = 0u32;
    let total_blocks_estimate = records.len() / 64 + 1;
    let n = records.len();
    for (i, r) in records.iter().enumerate() {
        let rec_no = u32::try_from(i).map_err(|_| Error::Aborted("too many records".into()))?;
        for id in r.all_ids() {
            let refs = ids.entry(id.to_owned()).or_default();
            if refs.last() != Some(&rec_no) {
                refs.push(rec_no);
            }
        }
        let mut seen_eco = std::collections::BTreeSet::new();
        for a in &r.affected {
            let eco = &a.package.ecosystem;
            let refs = keys
                .entry(key(eco, &normalize(eco, &a.package.name)))
                .or_default();
            if refs.last() != Some(&rec_no) {
                refs.push(rec_no);
            }
            let e = ecosystems.entry(eco.clone()).or_default();
            if seen_eco.insert(eco.clone()) {
                e.0 += 1;
            }
            e.1.insert(a.package.name.clone());
        }
        serde_json::to_writer(&mut buf, r)
            .map_err(|e| Error::Aborted(format!("cannot encode {}: {e}", r.id)))?;
        buf.push(b'\n');
        if buf.len() >= BLOCK_TARGET || i + 1 == n {
            let compressed = deflate(&buf).map_err(io)?;
            out.write_all(&compressed).map_err(io)?;
            let clen = u32::try_from(compressed.len())
                .map_err(|_| Error::Aborted("record block too large".into()))?;
            blocks.push((pos, clen, first_in_block));
            pos += u64::from(clen);
            buf.clear();
            first_in_block = rec_no + 1;
            on_block(blocks.len(), total_blocks_estimate.max(blocks.len()));
        }
    }

    let index = encode_index(&blocks, &keys, &ids)?;
    let index_off = pos;
    out.write_all(&index).map_err(io)?;
    pos += index.len() as u64;

    meta.records = records.len() as u64;
    meta.ecosystems = ecosystems
        .into_iter()
        .map(|(k, (recs, pkgs))| {
            (
                k,
                EcosystemStats {
                    records: recs,
                    packages: pkgs.len() as u64,
                },
            )
        })
        .collect();
    let meta_json =
        serde_json::to_vec(meta).map_err(|e| Error::Aborted(format!("cannot encode meta: {e}")))?;
    let meta_off = pos;
    out.write_all(&meta_json).map_err(io)?;

    let mut header = Vec::with_capacity(HEADER_LEN as usize);
    header.extend_from_slice(MAGIC);
    header.extend_from_slice(&SCHEMA_VERSION.to_le_bytes());
    header.extend_from_slice(&0u32.to_le_bytes());
    header.extend_from_slice(&meta_off.to_le_bytes());
    header.extend_from_slice(&(meta_json.len() as u64).to_le_bytes());
    header.extend_from_slice(&index_off.to_le_bytes());
    header.extend_from_slice(&(index.len() as u64).to_le_bytes());
    let mut file = out.into_inner().map_err(|e| io(e.into_error()))?;
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    file.write_all(&header).map_err(io)?;
    file.sync_all().map_err(io)?;
    Ok(())
}

fn deflate(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut enc = DeflateEncoder::new(Vec::with_capacity(data.len() / 4), Compression::best());
    enc.write_all(data)?;
    enc.finish()
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn to_u32(n: usize) -> Result<u32, Error> {
    u32::try_from(n).map_err(|_| Error::Aborted("database index too large".into()))
}

fn encode_index(
    blocks: &[(u64, u32, u32)],
    keys: &BTreeMap<String, Vec<u32>>,
    ids: &BTreeMap<String, Vec<u32>>,
) -> Result<Vec<u8>, Error> {
    let mut strings: Vec<u8> = Vec::new();
    let mut refs: Vec<u32> = Vec::new();
    let mut out = Vec::new();
    put_u32(&mut out, to_u32(blocks.len())?);
    for (off, len, first) in blocks {
        out.extend_from_slice(&off.to_le_bytes());
        put_u32(&mut out, *len);
        put_u32(&mut out, *first);
    }
    for table in [keys, ids] {
        put_u32(&mut out, to_u32(table.len())?);
        for (k, r) in table {
            put_u32(&mut out, to_u32(strings.len())?);
            put_u32(&mut out, to_u32(k.len())?);
            put_u32(&mut out, to_u32(refs.len())?);
            put_u32(&mut out, to_u32(r.len())?);
            strings.extend_from_slice(k.as_bytes());
            refs.extend_from_slice(r);
        }
    }
    put_u32(&mut out, to_u32(strings.len())?);
    out.extend_from_slice(&strings);
    put_u32(&mut out, to_u32(refs.len())?);
    for r in refs {
        put_u32(&mut out, r);
    }
    Ok(out)
}

/// A byte cursor over the index that turns every out-of-bounds read into `Corrupt`.
struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.data.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_le_bytes)
    }
}

fn read_u32(data: &[u8], at: usize) -> Option<u32> {
    data.get(at..at.checked_add(4)?)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_le_bytes)
}

fn read_u64(data: &[u8], at: usize) -> Option<u64> {
    data.get(at..at.checked_add(8)?)
        .and_then(|b| b.try_into().ok())
        .map(u64::from_le_bytes)
}

/// An inflated record block split into lines.
#[derive(Debug)]
struct Block {
    /// Block number.
    number: usize,
    /// Number of its first record.
    first: u32,
    /// Newline-separated record JSON.
    text: Vec<u8>,
    /// (start, end) of each line in `text`.
    lines: Vec<(usize, usize)>,
}

impl Block {
    /// The JSON line of record `rec`, when the block holds it.
    fn line(&self, rec: u32) -> Option<&[u8]> {
        let i = rec.checked_sub(self.first)?;
        let (s, e) = self.lines.get(usize::try_from(i).ok()?)?;
        self.text.get(*s..*e)
    }
}

/// Blocks kept inflated between lookups.
const CACHED_BLOCKS: usize = 32;

/// The most recently used inflated blocks. Packages with neighbouring keys share blocks
/// (records are stored sorted by their first package), so a scan that looks packages up
/// in key order inflates each block about once.
#[derive(Debug, Default)]
struct BlockCache {
    /// Blocks, least recently used first.
    blocks: Vec<Arc<Block>>,
}

impl BlockCache {
    fn get(&mut self, number: usize) -> Option<Arc<Block>> {
        let at = self.blocks.iter().position(|b| b.number == number)?;
        let b = self.blocks.remove(at);
        self.blocks.push(Arc::clone(&b));
        Some(b)
    }

    fn put(&mut self, block: Arc<Block>) {
        if self.blocks.iter().any(|b| b.number == block.number) {
            return;
        }
        if self.blocks.len() >= CACHED_BLOCKS {
            self.blocks.remove(0);
        }
        self.blocks.push(block);
    }
}

/// Offsets of one table (keys or IDs) inside the index bytes.
#[derive(Clone, Copy, Debug, Default)]
struct Table {
    start: usize,
    len: usize,
}

/// An open database. Lookups read only the blocks they need.
#[derive(Debug)]
pub struct Database {
    path: PathBuf,
    file: File,
    index: Vec<u8>,
    blocks: Table,
    keys: Table,
    ids: Table,
    strings: Table,
    refs: Table,
    meta: Meta,
    size: u64,
    cache: Mutex<BlockCache>,
}

impl Database {
    /// Opens a database file, checking magic, schema version and index bounds.
    pub fn open(path: &Path) -> Result<Self, Error> {
        let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
        let size = file.metadata().map_err(|e| Error::io(path, e))?.len();
        let mut header = [0u8; HEADER_LEN as usize];
        if size < HEADER_LEN {
            return Err(Error::NotADatabase { path: path.into() });
        }
        file.read_exact(&mut header)
            .map_err(|e| Error::io(path, e))?;
        if &header[..8] != MAGIC {
            return Err(Error::NotADatabase { path: path.into() });
        }
        let found = read_u32(&header, 8).unwrap_or(0);
        if found != SCHEMA_VERSION {
            return Err(Error::Schema {
                path: path.into(),
                found,
                expected: SCHEMA_VERSION,
            });
        }
        let field = |at| read_u64(&header, at).unwrap_or(u64::MAX);
        let (meta_off, meta_len, index_off, index_len) =
            (field(16), field(24), field(32), field(40));
        let meta_bytes = read_section(&mut file, path, size, meta_off, meta_len)?;
        let meta: Meta = serde_json::from_slice(&meta_bytes)
            .map_err(|e| Error::corrupt(path, format!("summary: {e}")))?;
        let index = read_section(&mut file, path, size, index_off, index_len)?;
        let corrupt = || Error::corrupt(path, "index out of bounds");
        let mut c = Cursor {
            data: &index,
            pos: 0,
        };
        let mut table = |width: usize| -> Option<Table> {
            let len = c.u32()? as usize;
            let start = c.pos;
            c.take(len.checked_mul(width)?)?;
            Some(Table { start, len })
        };
        let blocks = table(16).ok_or_else(corrupt)?;
        let keys = table(16).ok_or_else(corrupt)?;
        let ids = table(16).ok_or_else(corrupt)?;
        let strings = table(1).ok_or_else(corrupt)?;
        let refs = table(4).ok_or_else(corrupt)?;
        Ok(Self {
            path: path.into(),
            file,
            index,
            blocks,
            keys,
            ids,
            strings,
            refs,
            meta,
            size,
            cache: Mutex::new(BlockCache::default()),
        })
    }

    /// The stored summary.
    pub fn meta(&self) -> &Meta {
        &self.meta
    }

    /// Size of the file in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn corrupt(&self, detail: &str) -> Error {
        Error::corrupt(&self.path, detail)
    }

    /// Entry `i` of a 16-byte table: (string, refs offset, refs count).
    fn entry(&self, table: Table, index: usize) -> Result<(&[u8], usize, usize), Error> {
        let at = table.start + index * 16;
        let field = |k: usize| read_u32(&self.index, at + 4 * k).map(|v| v as usize);
        let (Some(so), Some(sl), Some(ro), Some(rc)) = (field(0), field(1), field(2), field(3))
        else {
            return Err(self.corrupt("index entry out of bounds"));
        };
        let s = so
            .checked_add(sl)
            .filter(|end| *end <= self.strings.len)
            .and_then(|end| {
                self.index
                    .get(self.strings.start + so..self.strings.start + end)
            })
            .ok_or_else(|| self.corrupt("index string out of bounds"))?;
        Ok((s, ro, rc))
    }

    /// Record numbers stored under `name` in a table (binary search).
    fn find(&self, t: Table, name: &[u8]) -> Result<Vec<u32>, Error> {
        let (mut lo, mut hi) = (0, t.len);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let (s, ro, rc) = self.entry(t, mid)?;
            match s.cmp(name) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => {
                    return (0..rc)
                        .map(|k| {
                            ro.checked_add(k)
                                .filter(|r| *r < self.refs.len)
                                .and_then(|r| read_u32(&self.index, self.refs.start + r * 4))
                                .ok_or_else(|| self.corrupt("index reference out of bounds"))
                        })
                        .collect();
                }
            }
        }
        Ok(Vec::new())
    }

    /// (offset, compressed length, first record) of block `b`.
    fn block(&self, b: usize) -> Option<(u64, u32, u32)> {
        let at = self.blocks.start + b * 16;
        Some((
            read_u64(&self.index, at)?,
            read_u32(&self.index, at + 8)?,
            read_u32(&self.index, at + 12)?,
        ))
    }

    /// The block holding record `rec`.
    fn block_of(&self, rec: u32) -> Result<usize, Error> {
        let (mut lo, mut hi) = (0, self.blocks.len);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let first = self
                .block(mid)
                .ok_or_else(|| self.corrupt("block table out of bounds"))?
                .2;
            if first <= rec {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo.checked_sub(1)
            .ok_or_else(|| self.corrupt("record number before the first block"))
    }

    /// Reads and inflates block `b`: newline-separated record JSON.
    fn inflate_block(&self, b: usize) -> Result<Vec<u8>, Error> {
        let (off, len, _) = self
            .block(b)
            .ok_or_else(|| self.corrupt("block table out of bounds"))?;
        let mut f = &self.file;
        let raw = read_section(&mut f, &self.path, self.size, off, u64::from(len))?;
        // Record JSON deflates about 6:1; reserving that avoids regrowing the buffer.
        let mut text = Vec::with_capacity(raw.len().saturating_mul(8).min(BLOCK_TARGET * 4));
        DeflateDecoder::new(raw.as_slice())
            .take(MAX_BLOCK)
            .read_to_end(&mut text)
            .map_err(|e| self.corrupt(&format!("record block {b}: {e}")))?;
        Ok(text)
    }

    fn decode(&self, b: usize, line: &[u8]) -> Result<Record, Error> {
        serde_json::from_slice(line).map_err(|e| self.corrupt(&format!("record in block {b}: {e}")))
    }

    /// Reads and decodes every record of block `b`.
    fn read_block(&self, b: usize) -> Result<Vec<Record>, Error> {
        let text = self.inflate_block(b)?;
        text.split(|c| *c == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| self.decode(b, l))
            .collect()
    }

    /// Block `b` inflated and split into lines, from the block cache when it is there.
    fn cached_block(&self, b: usize) -> Result<Arc<Block>, Error> {
        if let Some(hit) = self.lock_cache().get(b) {
            return Ok(hit);
        }
        let text = self.inflate_block(b)?;
        let mut lines = Vec::new();
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', &text) {
            lines.push((start, end));
            start = end + 1;
        }
        let first = self
            .block(b)
            .ok_or_else(|| self.corrupt("block table out of bounds"))?
            .2;
        let block = Arc::new(Block {
            number: b,
            first,
            text,
            lines,
        });
        self.lock_cache().put(Arc::clone(&block));
        Ok(block)
    }

    fn lock_cache(&self) -> std::sync::MutexGuard<'_, BlockCache> {
        // The cache holds no invariant a panicking holder could break: reuse it.
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Loads records by number. `get` receives each record number with a function that
    /// decodes it, reading its block only then: each needed block is inflated once (and
    /// kept in the block cache for the next lookups), and only the wanted records in it
    /// are decoded.
    fn records_with<T>(
        &self,
        mut nums: Vec<u32>,
        mut get: impl FnMut(u32, &mut dyn FnMut() -> Result<Record, Error>) -> Result<T, Error>,
    ) -> Result<Vec<T>, Error> {
        nums.sort_unstable();
        nums.dedup();
        let mut out = Vec::with_capacity(nums.len());
        let mut current: Option<Arc<Block>> = None;
        for n in nums {
            let mut decode = || {
                let b = self.block_of(n)?;
                let block = match &current {
                    Some(blk) if blk.number == b => Arc::clone(blk),
                    _ => {
                        let blk = self.cached_block(b)?;
                        current = Some(Arc::clone(&blk));
                        blk
                    }
                };
                let line = block
                    .line(n)
                    .ok_or_else(|| self.corrupt("record number beyond its block"))?;
                self.decode(b, line)
            };
            out.push(get(n, &mut decode)?);
        }
        Ok(out)
    }

    /// Loads records by number, each decoded afresh.
    fn records(&self, nums: Vec<u32>) -> Result<Vec<Record>, Error> {
        self.records_with(nums, |_, decode| decode())
    }

    /// Records with an `affected[]` entry for exactly this ecosystem and package name.
    pub fn lookup(&self, ecosystem: &str, name: &str) -> Result<Vec<Record>, Error> {
        self.lookup_by(ecosystem, name, |a| a == name)
    }

    /// Like [`lookup`](Self::lookup), but names compare the way the ecosystem compares them
    /// (`PyPI` per PEP 503, `NuGet` case-insensitively; see [`normalize`]).
    pub fn lookup_normalized(&self, ecosystem: &str, name: &str) -> Result<Vec<Record>, Error> {
        let n = normalize(ecosystem, name);
        self.lookup_by(ecosystem, name, |a| normalize(ecosystem, a) == n)
    }

    /// Like [`lookup_normalized`](Self::lookup_normalized), but records already decoded
    /// for an earlier lookup with the same `decoded` set are shared, not decoded again (a
    /// record naming many packages is decoded once per scan).
    pub fn lookup_normalized_shared(
        &self,
        ecosystem: &str,
        name: &str,
        decoded: &mut Decoded,
    ) -> Result<Vec<Arc<Record>>, Error> {
        let n = normalize(ecosystem, name);
        let nums = self.find(self.keys, key(ecosystem, &n).as_bytes())?;
        let mut recs = self.records_with(nums, |num, decode| {
            if let Some(r) = decoded.records.get(&num) {
                return Ok(Arc::clone(r));
            }
            let r = Arc::new(decode()?);
            decoded.records.insert(num, Arc::clone(&r));
            Ok(r)
        })?;
        let rule = NameRule::of(ecosystem);
        recs.retain(|r| names_package(r, ecosystem, |a| rule.normalize_cow(a) == n));
        Ok(recs)
    }

    fn lookup_by(
        &self,
        ecosystem: &str,
        name: &str,
        matches: impl Fn(&str) -> bool,
    ) -> Result<Vec<Record>, Error> {
        let k = key(ecosystem, &normalize(ecosystem, name));
        let nums = self.find(self.keys, k.as_bytes())?;
        let mut recs = self.records(nums)?;
        recs.retain(|r| names_package(r, ecosystem, &matches));
        Ok(recs)
    }

    /// Records known by `id`, as their own ID or as an alias.
    pub fn record(&self, id: &str) -> Result<Vec<Record>, Error> {
        let nums = self.find(self.ids, id.as_bytes())?;
        self.records(nums)
    }

    /// Every record (used to merge an import into the existing database).
    pub fn all_records(&self) -> Result<Vec<Record>, Error> {
        let mut out =
            Vec::with_capacity(usize::try_from(self.meta.records.min(1 << 20)).unwrap_or(0));
        for b in 0..self.blocks.len {
            out.extend(self.read_block(b)?);
        }
        Ok(out)
    }

    /// Every (ecosystem, normalised package name) key.
    pub fn packages(&self) -> Result<Vec<(String, String)>, Error> {
        (0..self.keys.len)
            .map(|i| {
                let (s, _, _) = self.entry(self.keys, i)?;
                let s = String::from_utf8_lossy(s);
                let (e, n) = s.split_once('\0').unwrap_or((&s, ""));
                Ok((e.to_owned(), n.to_owned()))
            })
            .collect()
    }
}

/// Whether `r` has an `affected[]` entry in `ecosystem` whose name `matches`.
fn names_package(r: &Record, ecosystem: &str, matches: impl Fn(&str) -> bool) -> bool {
    r.affected
        .iter()
        .any(|a| a.package.ecosystem == ecosystem && matches(&a.package.name))
}

/// Records decoded during one scan, by record number, shared between lookups
/// ([`Database::lookup_normalized_shared`]). Use one per database.
#[derive(Debug, Default)]
pub struct Decoded {
    records: std::collections::HashMap<u32, Arc<Record>>,
}

fn read_section(
    file: &mut impl ReadAt,
    path: &Path,
    size: u64,
    off: u64,
    len: u64,
) -> Result<Vec<u8>, Error> {
    if len > MAX_SECTION || off.checked_add(len).is_none_or(|end| end > size) {
        return Err(Error::corrupt(path, "section beyond the end of the file"));
    }
    let mut buf = vec![0u8; usize::try_from(len).unwrap_or(0)];
    file.read_at_exact(&mut buf, off)
        .map_err(|e| Error::io(path, e))?;
    Ok(buf)
}

/// Positioned reads (`pread` on Unix; seek + read elsewhere).
trait ReadAt {
    fn read_at_exact(&mut self, buf: &mut [u8], off: u64) -> std::io::Result<()>;
}

impl ReadAt for File {
    fn read_at_exact(&mut self, buf: &mut [u8], off: u64) -> std::io::Result<()> {
        (&*self).read_at_exact(buf, off)
    }
}

impl ReadAt for &File {
    #[cfg(unix)]
    fn read_at_exact(&mut self, buf: &mut [u8], off: u64) -> std::io::Result<()> {
        std::os::unix::fs::FileExt::read_exact_at(*self, buf, off)
    }
    #[cfg(not(unix))]
    fn read_at_exact(&mut self, buf: &mut [u8], off: u64) -> std::io::Result<()> {
        self.seek(SeekFrom::Start(off))?;
        self.read_exact(buf)
    }
}
