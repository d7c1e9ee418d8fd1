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

/// Bytes of one two-character gate (`struct gate`: 65 536 bits).
pub const GATE_BYTES: usize = 8192;

/// Keys of both tries, and the gates in front of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathKeys {
    /// Prefixes and exact names.
    pub prefixes: Vec<Vec<u8>>,
    /// Reversed suffixes.
    pub suffixes: Vec<Vec<u8>>,
    /// Gate 0: the two characters after the leading `/` of paths a prefix or name can
    /// match; gate 1: the last two characters of paths a suffix can match. Bit
    /// `a << 8 | b` is bit `i % 8` of byte `i / 8` (the kernel reads little-endian
    /// 64-bit words). Paths shorter than two characters skip the gates.
    pub gates: [Vec<u8>; 2],
}

/// A gate with no bit set.
fn closed() -> Vec<u8> {
    vec![0; GATE_BYTES]
}

fn open_pair(gate: &mut [u8], a: u8, b: u8) {
    let i = (usize::from(a) << 8) | usize::from(b);
    if let Some(byte) = gate.get_mut(i / 8) {
        *byte |= 1 << (i % 8);
    }
}

/// Opens the gate for the pair `a`, `b`; `None` stands for every character.
fn open_pairs(gate: &mut [u8], a: Option<u8>, b: Option<u8>) {
    match (a, b) {
        (Some(a), Some(b)) => open_pair(gate, a, b),
        (Some(a), None) => (0..=255).for_each(|b| open_pair(gate, a, b)),
        (None, Some(b)) => (0..=255).for_each(|a| open_pair(gate, a, b)),
        (None, None) => gate.fill(0xff),
    }
}

/// Gate 0 for a prefix (or a name with its NUL): the two bytes after the leading `/`.
fn open_prefix(gate: &mut [u8], text: &[u8]) {
    if text.first() == Some(&b'/') {
        open_pairs(gate, text.get(1).copied(), text.get(2).copied());
    }
}

/// Gate 1 for a suffix: its last two bytes.
fn open_suffix(gate: &mut [u8], text: &[u8]) {
    let n = text.len();
    let at = |i: Option<usize>| i.and_then(|i| text.get(i)).copied();
    open_pairs(gate, at(n.checked_sub(2)), at(n.checked_sub(1)));
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
        let names: Vec<Vec<u8>> = paths
            .exact
            .iter()
            .map(|e| [e.as_bytes(), b"\0"].concat())
            .filter(|b| b.len() <= KEY_MAX)
            .collect();
        prefixes.extend(names.iter().map(|b| key(b)));
        let mut gates = [closed(), closed()];
        for p in paths
            .prefixes
            .iter()
            .map(String::as_bytes)
            .filter(|b| fits(b))
        {
            open_prefix(&mut gates[0], p);
        }
        for n in &names {
            open_prefix(&mut gates[0], n);
        }
        for s in paths
            .suffixes
            .iter()
            .map(String::as_bytes)
            .filter(|b| fits(b))
        {
            open_suffix(&mut gates[1], s);
        }
        let suffixes = paths
            .suffixes
            .iter()
            .map(|s| s.bytes().rev().collect::<Vec<u8>>())
            .filter(|b| fits(b))
            .map(|b| key(&b))
            .collect();
        Self {
            prefixes,
            suffixes,
            gates,
        }
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

    fn open(gate: &[u8], a: u8, b: u8) -> bool {
        let i = (usize::from(a) << 8) | usize::from(b);
        gate[i / 8] & (1 << (i % 8)) != 0
    }

    /// The kernel's gate check for plain path `p` (at least two characters).
    fn gates_admit(keys: &PathKeys, p: &[u8]) -> (bool, bool) {
        let with_nul = [p, b"\0"].concat();
        let n = p.len();
        (
            open(&keys.gates[0], with_nul[1], with_nul[2]),
            open(&keys.gates[1], p[n - 2], p[n - 1]),
        )
    }

    #[test]
    fn gates_open_for_the_first_and_last_two_characters() {
        let mut set = PathSet::default();
        set.prefixes.insert("/etc/".into());
        set.prefixes.insert("/v".into());
        set.exact.insert("/x".into());
        set.suffixes.insert("/syslog".into());
        set.suffixes.insert("t".into());
        let keys = PathKeys::of(&set);
        assert_eq!(gates_admit(&keys, b"/etc/hostname"), (true, false));
        assert_eq!(gates_admit(&keys, b"/var/log/syslog"), (true, true));
        assert_eq!(gates_admit(&keys, b"/x"), (true, false));
        assert_eq!(gates_admit(&keys, b"/xy"), (false, false));
        assert_eq!(gates_admit(&keys, b"/dev/null"), (false, false));
        assert_eq!(gates_admit(&keys, b"/tmp/out"), (false, true));
        let all = PathKeys::of(&PathSet {
            prefixes: ["/".to_string()].into(),
            ..PathSet::default()
        });
        assert!(all.gates[0].iter().all(|b| *b == 0xff));
        assert!(all.gates[1].iter().all(|b| *b == 0));
    }

    proptest::proptest! {
        /// Soundness: a plain path a pattern matches always passes that pattern's gate.
        #[test]
        fn a_matching_path_passes_its_gate(
            prefixes in proptest::collection::btree_set("/[ab/]{0,3}", 0..4),
            exact in proptest::collection::btree_set("/[ab/]{0,3}", 0..4),
            suffixes in proptest::collection::btree_set("[ab/]{1,3}", 0..4),
            path in "/[ab/]{1,5}",
        ) {
            let set = PathSet { prefixes, exact, suffixes };
            let keys = PathKeys::of(&set);
            let (head, tail) = gates_admit(&keys, path.as_bytes());
            let by_prefix = set.exact.contains(&path)
                || set.prefixes.iter().any(|x| path.starts_with(x.as_str()));
            let by_suffix = set.suffixes.iter().any(|x| path.ends_with(x.as_str()));
            proptest::prop_assert!(!by_prefix || head, "{path} {set:?}");
            proptest::prop_assert!(!by_suffix || tail, "{path} {set:?}");
        }
    }
}
