//! `sha256:` content digests and a reader that hashes what passes through it.

use std::fmt;
use std::io::{self, Read};

use sha2::{Digest as _, Sha256};

use crate::Error;

/// A validated `sha256:<64 lowercase hex>` digest.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Digest(String);

impl Digest {
    /// Parses `sha256:<hex>`; anything else (other algorithms, bad hex, path tricks)
    /// is an [`Error::BadDigest`].
    pub fn parse(s: &str) -> Result<Self, Error> {
        let bad = || Error::BadDigest {
            digest: s.to_owned(),
        };
        let hex = s.strip_prefix("sha256:").ok_or_else(bad)?;
        if hex.len() != 64
            || !hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(bad());
        }
        Ok(Self(s.to_owned()))
    }

    /// The hex part, safe to use as a file name.
    pub fn hex(&self) -> &str {
        self.0.get(7..).unwrap_or_default()
    }

    /// The whole `sha256:<hex>` string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Self(format!("sha256:{}", to_hex(&Sha256::digest(bytes))))
    }

    /// Checks that `bytes` hash to this digest.
    pub fn verify(&self, what: &str, bytes: &[u8]) -> Result<(), Error> {
        let actual = Self::of(bytes);
        if actual == *self {
            Ok(())
        } else {
            Err(Error::DigestMismatch {
                what: what.to_owned(),
                expected: self.0.clone(),
                actual: actual.0,
            })
        }
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn to_hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// A reader that hashes and counts every byte read through it.
pub struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
    count: u64,
    hashing: bool,
}

impl<R: Read> HashingReader<R> {
    /// Wraps `inner`.
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            count: 0,
            hashing: true,
        }
    }

    /// Stops hashing (bytes are still counted): for a stream whose digest is known to
    /// equal another one being computed, such as an uncompressed layer's blob digest and
    /// its diff ID. [`finish_counted`](Self::finish_counted) then gives no digest.
    pub fn stop_hashing(&mut self) {
        self.hashing = false;
    }

    /// Like [`finish`](Self::finish), with no digest once hashing was stopped.
    pub fn finish_counted(self) -> io::Result<(Option<Digest>, u64)> {
        let hashing = self.hashing;
        let (digest, count) = self.finish()?;
        Ok((hashing.then_some(digest), count))
    }

    /// Reads the rest of the stream, then returns the digest and byte count.
    pub fn finish(mut self) -> io::Result<(Digest, u64)> {
        io::copy(&mut self, &mut io::sink())?;
        Ok((
            Digest(format!("sha256:{}", to_hex(&self.hasher.finalize()))),
            self.count,
        ))
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if self.hashing {
            self.hasher.update(buf.get(..n).unwrap_or_default());
        }
        self.count += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        let d = Digest::of(b"");
        assert_eq!(
            d.as_str(),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert!(Digest::parse(d.as_str()).is_ok());
        assert!(Digest::parse("sha256:../../etc/passwd").is_err());
        assert!(Digest::parse("sha512:00").is_err());
        assert!(Digest::parse(&d.as_str().to_uppercase()).is_err());
    }
}
