//! Streaming layer reader: decompresses a layer blob (uncompressed, gzip, zstd), walks
//! its tar entries in order, and verifies the blob digest and the diff ID (digest of the
//! uncompressed tar) once the whole stream has been read. Nothing touches the disk.

use std::io::{self, BufRead, BufReader, Read};

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
pub fn read_layer<R: Read>(
    layer: usize,
    raw: R,
    compression: Option<Compression>,
    expect: &Expect,
    max_uncompressed: u64,
    mut visit: impl FnMut(RawEntry, &mut dyn Read) -> Result<(), Error>,
) -> Result<(), Error> {
    let io_err = |source| Error::Layer { layer, source };
    let mut outer = HashingReader::new(raw);
    let diff_id = {
        let mut buffered = BufReader::new(&mut outer);
        let compression = match compression {
            Some(c) => c,
            None => Compression::sniff(buffered.fill_buf().map_err(io_err)?),
        };
        let decoded: Box<dyn Read + '_> = match compression {
            Compression::None => Box::new(&mut buffered),
            Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(&mut buffered)),
            Compression::Zstd => Box::new(ZstdFrames::new(&mut buffered)),
        };
        let mut inner = HashingReader::new(Capped {
            inner: decoded,
            left: max_uncompressed,
            limit: max_uncompressed,
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
        let (diff_id, _) = inner.finish().map_err(io_err)?;
        // Drain what the decompressor left (trailing bytes still belong to the blob).
        io::copy(&mut buffered, &mut io::sink()).map_err(io_err)?;
        diff_id
    };
    let (digest, size) = outer.finish().map_err(io_err)?;
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
