//! The kernel's opened-path filter as LPM trie keys (`struct path_key` in
//! `sensor.bpf.c`: a little-endian bit length and 256 bytes). Prefixes are stored as
//! they are, exact names with their NUL (so that they match only whole paths), suffixes
//! reversed (the kernel looks up the reversed path). A pattern of 256 bytes or more is
//! left out: only a path at least that long could match it, and the kernel lets every
//! such path through unfiltered.

use moat_runtime::pathneed::PathSet;

/// Size of a key's data (`KEY_MAX`).
pub const KEY_MAX: usize = 256;

/// `config.filter` bits (`enum filter_bits`).
pub const FILTER_PREFIXES: u32 = 1;
/// The suffix trie holds patterns.
pub const FILTER_SUFFIXES: u32 = 2;
/// Opens are filtered by path.
pub const FILTER_ON: u32 = 4;

/// Keys of both tries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PathKeys {
    /// Prefixes and exact names.
    pub prefixes: Vec<Vec<u8>>,
    /// Reversed suffixes.
    pub suffixes: Vec<Vec<u8>>,
}

/// One key for `data` (which fits).
fn key(data: &[u8]) -> Vec<u8> {
    let bits = u32::try_from(data.len() * 8).unwrap_or(u32::MAX);
    let mut k = Vec::with_capacity(4 + KEY_MAX);
    k.extend_from_slice(&bits.to_le_bytes());
    k.extend_from_slice(data);
    k.resize(4 + KEY_MAX, 0);
    k
}

impl PathKeys {
    /// The keys for `paths`.
    pub fn of(paths: &PathSet) -> Self {
        let fits = |b: &[u8]| !b.is_empty() && b.len() < KEY_MAX;
        let mut prefixes: Vec<Vec<u8>> = paths
            .prefixes
            .iter()
            .map(String::as_bytes)
            .filter(|b| fits(b))
            .map(key)
            .collect();
        prefixes.extend(
            paths
                .exact
                .iter()
                .map(|e| [e.as_bytes(), b"\0"].concat())
                .filter(|b| b.len() <= KEY_MAX)
                .map(|b| key(&b)),
        );
        let suffixes = paths
            .suffixes
            .iter()
            .map(|s| s.bytes().rev().collect::<Vec<u8>>())
            .filter(|b| fits(b))
            .map(|b| key(&b))
            .collect();
        Self { prefixes, suffixes }
    }

    /// The `config.filter` bits saying which tries hold keys.
    pub fn bits(&self) -> u32 {
        let mut b = 0;
        if !self.prefixes.is_empty() {
            b |= FILTER_PREFIXES;
        }
        if !self.suffixes.is_empty() {
            b |= FILTER_SUFFIXES;
        }
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_carry_bit_lengths_nul_terminated_names_and_reversed_suffixes() {
        let mut set = PathSet::default();
        set.prefixes.insert("/etc/".into());
        set.exact.insert("/etc/shadow".into());
        set.suffixes.insert("/syslog".into());
        set.prefixes.insert("/x".repeat(200));
        let keys = PathKeys::of(&set);
        assert_eq!(keys.bits(), FILTER_PREFIXES | FILTER_SUFFIXES);
        assert_eq!(keys.prefixes.len(), 2, "the 400-byte prefix is left out");
        for k in keys.prefixes.iter().chain(&keys.suffixes) {
            assert_eq!(k.len(), 4 + KEY_MAX);
        }
        let p = &keys.prefixes[0];
        assert_eq!(u32::from_le_bytes(p[..4].try_into().unwrap()), 40);
        assert_eq!(&p[4..9], b"/etc/");
        let e = &keys.prefixes[1];
        assert_eq!(u32::from_le_bytes(e[..4].try_into().unwrap()), 96);
        assert_eq!(&e[4..16], b"/etc/shadow\0");
        let s = &keys.suffixes[0];
        assert_eq!(u32::from_le_bytes(s[..4].try_into().unwrap()), 56);
        assert_eq!(&s[4..11], b"golsys/");
        assert_eq!(PathKeys::of(&PathSet::default()).bits(), 0);
    }
}
