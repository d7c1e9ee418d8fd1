//! A tiny deterministic PRNG (splitmix64): the same seed always yields the same corpus,
//! on every platform and toolchain.

/// splitmix64 generator.
#[derive(Clone, Debug)]
pub struct Rng {
    state: u64,
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const ALNUM: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Rng { state: seed }
    }

    /// An independent generator derived from this one's next output and `salt`.
    #[must_use]
    pub fn fork(&mut self, salt: u64) -> Rng {
        Rng::new(self.next_u64() ^ salt.wrapping_mul(0xA076_1D64_78BD_642F))
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`; `0` when `n == 0`.
    pub fn below(&mut self, n: usize) -> usize {
        // Multiply-shift: the bias is below 2^-40 for the ranges used here.
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi.saturating_sub(lo) + 1)
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// Index chosen with the given relative weights (all zero picks index 0).
    pub fn weighted(&mut self, weights: &[usize]) -> usize {
        let total: usize = weights.iter().sum();
        let mut x = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if x < w {
                return i;
            }
            x -= w;
        }
        0
    }

    /// `n` lowercase hex digits.
    pub fn hex(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b"0123456789abcdef"[self.below(16)]))
            .collect()
    }

    /// `n` lowercase letters and digits.
    pub fn alnum(&mut self, n: usize) -> String {
        (0..n).map(|_| char::from(ALNUM[self.below(36)])).collect()
    }

    /// Standard base64 of `n` random bytes.
    pub fn base64(&mut self, n: usize) -> String {
        let mut out = String::with_capacity(n.div_ceil(3) * 4);
        let mut left = n;
        while left > 0 {
            let take = left.min(3);
            let bits = self.next_u64() & 0xFF_FFFF;
            for i in 0..4 {
                if i <= take {
                    out.push(char::from(BASE64[((bits >> (18 - 6 * i)) & 63) as usize]));
                } else {
                    out.push('=');
                }
            }
            left -= take;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_in_range() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        for _ in 0..1000 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        let mut r = Rng::new(1);
        for _ in 0..1000 {
            assert!(r.below(10) < 10);
            let x = r.range(3, 5);
            assert!((3..=5).contains(&x));
        }
        assert_eq!(r.below(0), 0);
        assert_eq!(r.base64(4).len(), 8);
        assert!(r.base64(4).ends_with("=="));
        assert_eq!(r.hex(12).len(), 12);
    }
}
