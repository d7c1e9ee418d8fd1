//! A small FNV-1a hasher for the hot lookup tables (keys are short strings chosen by
//! moat, not attacker-controlled hash-flooding targets in a long-running service).

use std::hash::{BuildHasherDefault, Hasher};

/// FNV-1a, 64 bit.
#[derive(Clone, Copy, Debug)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// `HashMap` with [`Fnv`].
pub type FnvMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<Fnv>>;
