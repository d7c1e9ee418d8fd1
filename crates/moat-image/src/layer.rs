//! Streaming layer reader: decompresses a layer blob (uncompressed, gzip, zstd), walks
//! its tar entries in order, and verifies the blob digest and the diff ID (digest of the
//! uncompressed tar) once the whole stream has been read. Nothing touches the disk.

use std::io::{self, BufRead, BufReader, Read};
use std::sync::mpsc;

use crate::Error;
use crate::digest::{Digest, HashingReader};

/// How a layer blob is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// A plain tar.
    None,
    /// gzip (one or more members).
    Gzip,
    /// Zstandard (one or more frames).
    Zstd,
}

impl Compression {
    /// The compression named by an OCI or Docker layer media type.
    pub fn from_media_type(media_type: &str) -> Result<Self, Error> {
        match media_type {
            "application/vnd.oci.image.layer.v1.tar"
            | "application/vnd.oci.image.layer.nondistributable.v1.tar"
            | "application/vnd.docker.image.rootfs.diff.tar" => Ok(Self::None),
            "application/vnd.oci.image.layer.v1.tar+gzip"
            | "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
            | "application/vnd.docker.image.rootfs.diff.tar.gzip"
            | "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip" => Ok(Self::Gzip),
            "application/vnd.oci.image.layer.v1.tar+zstd"
            | "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd" => Ok(Self::Zstd),
            other => Err(Error::UnsupportedMediaType {
                media_type: other.to_owned(),
            }),
        }
    }

    /// Guesses the compression from the first bytes of a blob.
    pub fn sniff(head: &[u8]) -> Self {
        if head.starts_with(&[0x1f, 0x8b]) {
            Self::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Self::Zstd
        } else {
            Self::None
        }
    }
}

/// What a layer's bytes are expected to hash to.
#[derive(Debug, Clone, Default)]
pub struct Expect {
    /// Digest of the blob as stored (compressed).
    pub digest: Option<Digest>,
    /// Size of the blob as stored.
    pub size: Option<u64>,
    /// Digest of the uncompressed tar (`rootfs.diff_ids` in the image config).
    pub diff_id: Option<Digest>,
}

/// Decompresses `raw` and hands every tar entry to `visit`, in archive order; then reads
/// the rest of the stream and checks it against `expect`. `max_uncompressed` bounds the
/// uncompressed size (a gzip bomb stops with an error instead of running on).
///
/// Two threads share the work: one reads, hashes and decompresses the blob, the other
/// hashes the uncompressed stream and walks the tar, joined by a short queue of reused
/// chunks (at most [`QUEUE`] × [`CHUNK`] bytes in flight).
pub fn read_layer<R: Read + Send>(
    layer: usize,
    raw: R,
    compression: Option<Compression>,
    expect: &Expect,
    max_uncompressed: u64,
    mut visit: impl FnMut(RawEntry, &mut dyn Read) -> Result<(), Error>,
) -> Result<(), Error> {
    let io_err = |source| Error::Layer { layer, source };
    let ((digest, size), diff_id) = std::thread::scope(|scope| {
        let (chunks, received) = mpsc::sync_channel::<io::Result<Vec<u8>>>(QUEUE);
        let (recycle, spare) = mpsc::sync_channel::<Vec<u8>>(QUEUE + 2);
        // A compressed blob known from its media type is read and hashed on a third
        // thread, so the inflating thread only inflates.
        let pipelined = matches!(compression, Some(Compression::Gzip | Compression::Zstd));
        let mut raw = Some(raw);
        let reader = pipelined.then(|| {
            let (blob_tx, blob_rx) = mpsc::sync_channel::<io::Result<Vec<u8>>>(QUEUE);
            let (blob_recycle, blob_spare) = mpsc::sync_channel::<Vec<u8>>(QUEUE + 2);
            let source = raw.take();
            let handle = scope.spawn(move || match source {
                Some(r) => read_blob(r, &blob_tx, &blob_spare),
                None => Err(io::Error::other("no blob")),
            });
            (
                handle,
                ChunkReader {
                    chunks: blob_rx,
                    recycle: blob_recycle,
                    current: Vec::new(),
                    pos: 0,
                },
            )
        });
        let (reader, blob_chunks) = match reader {
            Some((h, c)) => (Some(h), Some(c)),
            None => (None, None),
        };
        let producer = scope.spawn(move || match (blob_chunks, raw, compression) {
            // The blob chunks are inflated in place (no copy through another buffer).
            (Some(mut c), _, Some(known)) => {
                inflate_onto(&mut c, known, max_uncompressed, &chunks, &spare)
                    .map_err(|e| forward_error(&chunks, e))?;
                Ok((None, 0))
            }
            (None, Some(r), _) => decompress(r, compression, max_uncompressed, &chunks, &spare),
            _ => Err(io::Error::other("no blob")),
        });
        let consumed = (|| -> Result<Digest, Error> {
            let mut inner = HashingReader::new(ChunkReader {
                chunks: received,
                recycle,
                current: Vec::new(),
                pos: 0,
            });
            {
                let mut archive = tar::Archive::new(&mut inner);
                for entry in archive.entries().map_err(io_err)? {
                    let mut entry = entry.map_err(io_err)?;
                    if let Some(raw) = RawEntry::of(&entry).map_err(io_err)? {
                        visit(raw, &mut entry)?;
                    }
                }
            }
            // Read what follows the tar's end (padding still belongs to the diff ID).
            let (diff_id, _) = inner.finish().map_err(io_err)?;
            Ok(diff_id)
        })();
        // On an early error the queue's receiver is gone, so the producer stops at its
        // next send; join it either way.
        let produced = producer
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("decompression thread panicked")));
        let blob = reader.map(|h| {
            h.join()
                .unwrap_or_else(|_| Err(io::Error::other("blob reading thread panicked")))
        });
        let diff_id = consumed?;
        let (mut digest, mut size) = produced.map_err(io_err)?;
        if let Some(blob) = blob {
            let (d, n) = blob.map_err(io_err)?;
            digest = Some(d);
            size = n;
        }
        Ok::<_, Error>(((digest, size), diff_id))
    })?;
    let what = format!("layer {layer}");
    if let Some(expected) = expect.size
        && expected != size
    {
        return Err(Error::SizeMismatch {
            what,
            expected,
            actual: size,
        });
    }
    let digest = digest.unwrap_or_else(|| diff_id.clone());
    for (expected, actual) in [(&expect.digest, &digest), (&expect.diff_id, &diff_id)] {
        if let Some(expected) = expected
            && expected != actual
        {
            return Err(Error::DigestMismatch {
                what,
                expected: expected.to_string(),
                actual: actual.to_string(),
            });
        }
    }
    Ok(())
}

/// Bytes per chunk handed from the decompressing thread to the tar walker.
pub const CHUNK: usize = 256 << 10;
/// Chunks in flight between the two threads.
pub const QUEUE: usize = 4;

/// The producer side for a blob read here: hashes it as read, decompresses it onto the
/// queue (errors included) and drains what the decompressor left; returns the blob's
/// digest (`None` for an uncompressed blob, whose digest is the diff ID) and size.
fn decompress<R: Read>(
    raw: R,
    compression: Option<Compression>,
    max_uncompressed: u64,
    chunks: &mpsc::SyncSender<io::Result<Vec<u8>>>,
    spare: &mpsc::Receiver<Vec<u8>>,
) -> io::Result<(Option<Digest>, u64)> {
    let mut outer = HashingReader::new(raw);
    let result = (|| -> io::Result<()> {
        let mut buffered = BufReader::with_capacity(1 << 16, &mut outer);
        let compression = match compression {
            Some(c) => c,
            None => Compression::sniff(buffered.fill_buf()?),
        };
        if compression == Compression::None {
            // The blob is the tar: its digest is the diff ID the other thread computes.
            buffered.get_mut().stop_hashing();
        }
        inflate_onto(&mut buffered, compression, max_uncompressed, chunks, spare)
    })();
    match result {
        Ok(()) => outer.finish_counted(),
        Err(e) => Err(forward_error(chunks, e)),
    }
}

/// Decompresses `blob` onto the queue in chunks, at most `max_uncompressed` bytes, then
/// reads what follows the compressed stream (it still belongs to the blob). Stops early,
/// without an error, when the tar walker has gone (its error is what gets reported).
fn inflate_onto<B: BufRead>(
    blob: &mut B,
    compression: Compression,
    max_uncompressed: u64,
    chunks: &mpsc::SyncSender<io::Result<Vec<u8>>>,
    spare: &mpsc::Receiver<Vec<u8>>,
) -> io::Result<()> {
    {
        let mut decoded: Box<dyn Read + '_> = match compression {
            Compression::None => Box::new(&mut *blob),
            Compression::Gzip => Box::new(GzipMembers::new(&mut *blob)),
            Compression::Zstd => Box::new(ZstdFrames::new(&mut *blob)),
        };
        let mut capped = Capped {
            inner: &mut decoded,
            left: max_uncompressed,
            limit: max_uncompressed,
        };
        if !pump(&mut capped, chunks, spare)? {
            return Ok(());
        }
    }
    io::copy(blob, &mut io::sink())?;
    Ok(())
}

/// Moves `r` onto the queue in chunks (reusing spent ones) until it ends: `Ok(true)`, or
/// until the receiving side is gone: `Ok(false)`.
fn pump(
    r: &mut dyn Read,
    chunks: &mpsc::SyncSender<io::Result<Vec<u8>>>,
    spare: &mpsc::Receiver<Vec<u8>>,
) -> io::Result<bool> {
    loop {
        let mut buf = spare.try_recv().unwrap_or_default();
        buf.resize(CHUNK, 0);
        let n = fill(r, &mut buf)?;
        if n == 0 {
            return Ok(true);
        }
        buf.truncate(n);
        if chunks.send(Ok(buf)).is_err() {
            return Ok(false);
        }
    }
}

/// Hands a read error to the receiving side too; returns a copy for the sending thread.
fn forward_error(chunks: &mpsc::SyncSender<io::Result<Vec<u8>>>, e: io::Error) -> io::Error {
    let shared = io::Error::new(e.kind(), e.to_string());
    let _ = chunks.send(Err(e));
    shared
}

/// The blob-reading thread: hashes the stored blob as it reads it in chunks onto the
/// queue (errors included); returns its digest and size.
fn read_blob<R: Read>(
    raw: R,
    chunks: &mpsc::SyncSender<io::Result<Vec<u8>>>,
    spare: &mpsc::Receiver<Vec<u8>>,
) -> io::Result<(Digest, u64)> {
    let mut hashing = HashingReader::new(raw);
    if let Err(e) = pump(&mut hashing, chunks, spare) {
        return Err(forward_error(chunks, e));
    }
    hashing.finish()
}

/// Reads until `buf` is full or the stream ends; the number of bytes read.
fn fill(r: &mut (impl Read + ?Sized), buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(buf.get_mut(n..).unwrap_or_default()) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// The consumer side of the queue as a reader; spent chunks go back for reuse.
struct ChunkReader {
    chunks: mpsc::Receiver<io::Result<Vec<u8>>>,
    recycle: mpsc::SyncSender<Vec<u8>>,
    current: Vec<u8>,
    pos: usize,
}

impl BufRead for ChunkReader {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.pos >= self.current.len() {
            let next = match self.chunks.recv() {
                Ok(chunk) => chunk?,
                Err(_) => return Ok(&[]),
            };
            let spent = std::mem::replace(&mut self.current, next);
            let _ = self.recycle.try_send(spent);
            self.pos = 0;
        }
        Ok(self.current.get(self.pos..).unwrap_or_default())
    }

    fn consume(&mut self, amount: usize) {
        self.pos = self.pos.saturating_add(amount).min(self.current.len());
    }
}

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let rest = self.fill_buf()?;
        let n = rest.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), rest.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.consume(n);
        Ok(n)
    }
}

/// One tar member as the layer declares it (path not yet normalised).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawEntry {
    /// The member path, as written (long names and PAX paths applied).
    pub path: String,
    /// What the member is.
    pub kind: RawKind,
    /// Declared content size.
    pub size: u64,
    /// Permission bits.
    pub mode: u32,
}

/// The type of a tar member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link and its target, as written.
    Symlink(String),
    /// A hard link to another member path, as written.
    Hardlink(String),
    /// A device, FIFO or other special file.
    Other,
}

impl RawEntry {
    fn of<R: Read>(entry: &tar::Entry<'_, R>) -> io::Result<Option<Self>> {
        use tar::EntryType as T;
        let header = entry.header();
        let link = || -> io::Result<String> {
            Ok(entry
                .link_name()?
                .map(|l| l.to_string_lossy().into_owned())
                .unwrap_or_default())
        };
        let kind = match header.entry_type() {
            T::Regular | T::Continuous | T::GNUSparse => RawKind::File,
            T::Directory => RawKind::Dir,
            T::Symlink => RawKind::Symlink(link()?),
            T::Link => RawKind::Hardlink(link()?),
            T::Char | T::Block | T::Fifo => RawKind::Other,
            _ => return Ok(None),
        };
        Ok(Some(Self {
            path: entry.path()?.to_string_lossy().into_owned(),
            kind,
            size: entry.size(),
            mode: header.mode().unwrap_or(0),
        }))
    }
}

/// A reader that fails once more than a fixed number of bytes has come through.
pub struct Capped<R> {
    inner: R,
    left: u64,
    limit: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.left = self.left.checked_sub(n as u64).ok_or_else(|| {
            io::Error::other(format!(
                "uncompressed layer exceeds the limit of {} bytes",
                self.limit
            ))
        })?;
        Ok(n)
    }
}

/// gzip decoder for layer blobs: every member's header is parsed here and its deflate
/// data inflated, but the members' CRC-32 is not computed — the blob's SHA-256 digest and
/// the diff ID already prove every byte, and the CRC costs about a tenth of the inflate
/// time. Concatenated members are read in turn; anything else after a member is an error.
struct GzipMembers<R: BufRead> {
    state: Option<GzState<R>>,
}

enum GzState<R: BufRead> {
    Header(R),
    Body(flate2::bufread::DeflateDecoder<R>),
}

impl<R: BufRead> GzipMembers<R> {
    fn new(inner: R) -> Self {
        Self {
            state: Some(GzState::Header(inner)),
        }
    }
}

/// Reads one byte of a gzip header.
fn byte(r: &mut impl BufRead) -> io::Result<u8> {
    let mut b = [0u8; 1];
    r.read_exact(&mut b)?;
    Ok(b[0])
}

/// Skips a gzip member header (RFC 1952: fixed part, FEXTRA, FNAME, FCOMMENT, FHCRC).
fn skip_gzip_header(r: &mut impl BufRead) -> io::Result<()> {
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, format!("gzip: {what}"));
    let mut fixed = [0u8; 10];
    r.read_exact(&mut fixed)?;
    if fixed[..2] != [0x1f, 0x8b] {
        return Err(bad("invalid header (not a gzip member)"));
    }
    if fixed[2] != 8 {
        return Err(bad("unsupported compression method"));
    }
    let flags = fixed[3];
    if flags & 0x04 != 0 {
        let len = u16::from(byte(r)?) | (u16::from(byte(r)?) << 8);
        io::copy(&mut r.take(u64::from(len)), &mut io::sink())?;
    }
    for flag in [0x08, 0x10] {
        if flags & flag != 0 {
            // A zero-terminated field (name, comment), bounded.
            let mut n = 0;
            while byte(r)? != 0 {
                n += 1;
                if n > 1 << 16 {
                    return Err(bad("header field without its terminating zero"));
                }
            }
        }
    }
    if flags & 0x02 != 0 {
        let mut crc = [0u8; 2];
        r.read_exact(&mut crc)?;
    }
    Ok(())
}

impl<R: BufRead> Read for GzipMembers<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.state.take() {
                None => return Ok(0),
                Some(GzState::Header(mut r)) => {
                    if r.fill_buf()?.is_empty() {
                        return Ok(0);
                    }
                    skip_gzip_header(&mut r)?;
                    self.state = Some(GzState::Body(flate2::bufread::DeflateDecoder::new(r)));
                }
                Some(GzState::Body(mut d)) => {
                    let n = d.read(buf)?;
                    if n > 0 || buf.is_empty() {
                        self.state = Some(GzState::Body(d));
                        return Ok(n);
                    }
                    // End of this member's deflate data: skip CRC-32 and ISIZE.
                    let mut r = d.into_inner();
                    let mut trailer = [0u8; 8];
                    r.read_exact(&mut trailer)?;
                    self.state = Some(GzState::Header(r));
                }
            }
        }
    }
}

/// Zstandard decoder that goes on across concatenated frames.
struct ZstdFrames<R: BufRead> {
    state: Option<Result<ruzstd::decoding::StreamingDecoder<R, ruzstd::decoding::FrameDecoder>, R>>,
}

impl<R: BufRead> ZstdFrames<R> {
    fn new(source: R) -> Self {
        Self {
            state: Some(Err(source)),
        }
    }
}

impl<R: BufRead> Read for ZstdFrames<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.state.take() {
                None => return Ok(0),
                Some(Ok(mut dec)) => {
                    let n = dec.read(buf)?;
                    if n > 0 || buf.is_empty() {
                        self.state = Some(Ok(dec));
                        return Ok(n);
                    }
                    self.state = Some(Err(dec.into_inner()));
                }
                Some(Err(mut source)) => {
                    if source.fill_buf()?.is_empty() {
                        return Ok(0);
                    }
                    let dec = ruzstd::decoding::StreamingDecoder::new(source)
                        .map_err(io::Error::other)?;
                    self.state = Some(Ok(dec));
                }
            }
        }
    }
}
