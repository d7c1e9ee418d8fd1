//! Merging the per-CPU ring buffers back into one stream in time order.
//!
//! Each CPU's ring holds its records in the order they were made, but user space drains
//! the rings one after the other, so a fork read from one ring can arrive after its
//! child's exec read from another. [`Reorder`] holds what was drained and releases it by
//! kernel timestamp once no earlier record can still arrive: a record is timestamped at
//! the start of a probe and committed at its end (microseconds later, probes never sleep),
//! so every record stamped more than [`GRACE_NS`] before a drain began was in its ring
//! when the drain read it.

use std::collections::VecDeque;

/// How long a probe may take from timestamp to commit, with a wide margin.
pub const GRACE_NS: u64 = 2_000_000;

/// Drained records waiting for their turn. Each drain's records are copied once into an
/// arena of their own; an arena is recycled when its last record has been released, so
/// records held back by the grace period are never copied again.
#[derive(Debug, Default)]
pub struct Reorder {
    /// Arenas of the drains still holding records, oldest first; the last one takes the
    /// pushes while `open`.
    arenas: VecDeque<Arena>,
    /// Sequence number of `arenas[0]`.
    first: u64,
    open: bool,
    /// Emptied arenas kept for reuse (their capacity stays allocated).
    spare: Vec<Vec<u8>>,
    items: Vec<Item>,
}

#[derive(Debug, Default)]
struct Arena {
    bytes: Vec<u8>,
    /// Records of this arena not yet released.
    live: usize,
}

#[derive(Clone, Copy, Debug)]
struct Item {
    ts: u64,
    arena: u64,
    off: usize,
    len: usize,
}

/// Emptied arenas kept for reuse.
const SPARE_ARENAS: usize = 4;

impl Reorder {
    /// An empty buffer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records waiting.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Keeps a copy of `record` (its first 8 bytes are its little-endian timestamp; a
    /// shorter record sorts first, so the decoder reports it at once).
    pub fn push(&mut self, record: &[u8]) {
        let ts = record
            .get(..8)
            .and_then(|b| b.try_into().ok())
            .map_or(0, u64::from_le_bytes);
        if !self.open || self.arenas.is_empty() {
            let bytes = self.spare.pop().unwrap_or_default();
            self.arenas.push_back(Arena { bytes, live: 0 });
            self.open = true;
        }
        let arena = self.first + (self.arenas.len() as u64 - 1);
        let Some(back) = self.arenas.back_mut() else {
            return;
        };
        self.items.push(Item {
            ts,
            arena,
            off: back.bytes.len(),
            len: record.len(),
        });
        back.bytes.extend_from_slice(record);
        back.live += 1;
    }

    /// Hands every record stamped at or before `cutoff` to `f`, oldest first (records
    /// with equal stamps in arrival order), and keeps the rest. Later pushes go to a new
    /// arena.
    pub fn release(&mut self, cutoff: u64, f: &mut dyn FnMut(&[u8])) {
        self.open = false;
        if self.items.is_empty() {
            self.recycle();
            return;
        }
        // The items are a few runs already in order (what was held back, then one run
        // per ring drained); the standard stable sort finds the runs and merges them
        // (timestamp ties keep arrival order).
        self.items.sort_by_key(|i| i.ts);
        let ready = self.items.partition_point(|i| i.ts <= cutoff);
        for item in &self.items[..ready] {
            let Some(arena) = usize::try_from(item.arena.saturating_sub(self.first))
                .ok()
                .and_then(|i| self.arenas.get_mut(i))
            else {
                continue;
            };
            if let Some(rec) = arena.bytes.get(item.off..item.off + item.len) {
                f(rec);
            }
            arena.live = arena.live.saturating_sub(1);
        }
        self.items.drain(..ready);
        self.recycle();
    }

    /// Drops the oldest arenas once all their records are released.
    fn recycle(&mut self) {
        while self
            .arenas
            .front()
            .is_some_and(|a| a.live == 0 && (self.arenas.len() > 1 || !self.open))
        {
            let Some(mut arena) = self.arenas.pop_front() else {
                break;
            };
            self.first += 1;
            if self.spare.len() < SPARE_ARENAS {
                arena.bytes.clear();
                self.spare.push(arena.bytes);
            }
        }
    }

    /// Bytes held in arenas (live records plus those of arenas not yet recycled).
    pub fn held_bytes(&self) -> usize {
        self.arenas.iter().map(|a| a.bytes.len()).sum()
    }
}

/// Parses a CPU list as in `/sys/devices/system/cpu/online` (`0-3,6,8-9`).
pub fn parse_cpu_list(text: &str) -> Option<Vec<u32>> {
    let mut cpus = Vec::new();
    for part in text.trim().split(',').filter(|p| !p.is_empty()) {
        let (lo, hi) = part.split_once('-').unwrap_or((part, part));
        let (lo, hi) = (lo.parse::<u32>().ok()?, hi.parse::<u32>().ok()?);
        if hi < lo || hi - lo > 65_536 {
            return None;
        }
        cpus.extend(lo..=hi);
    }
    Some(cpus)
}

/// Which ring each of `possible` CPU slots writes to: every online CPU its own (numbered
/// in the order of `online`), the others (offline now, perhaps hot-plugged later) share
/// the online CPUs' rings, so no memory goes to rings that may never be written. An
/// empty `online` (unknown) gives every slot its own ring.
pub fn ring_of_cpu(possible: usize, online: &[u32]) -> Vec<usize> {
    let online: Vec<usize> = online
        .iter()
        .filter_map(|&c| usize::try_from(c).ok())
        .filter(|&c| c < possible)
        .collect();
    (0..possible)
        .map(|cpu| match online.iter().position(|&c| c == cpu) {
            Some(i) => i,
            None if online.is_empty() => cpu,
            None => cpu % online.len(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rec(ts: u64, tag: u8) -> Vec<u8> {
        let mut v = ts.to_le_bytes().to_vec();
        v.push(tag);
        v
    }

    fn drain(r: &mut Reorder, cutoff: u64) -> Vec<(u64, u8)> {
        let mut out = Vec::new();
        r.release(cutoff, &mut |b: &[u8]| {
            let ts = u64::from_le_bytes(b[..8].try_into().unwrap());
            out.push((ts, b[8]));
        });
        out
    }

    #[test]
    fn releases_in_time_order_up_to_the_cutoff() {
        let mut r = Reorder::new();
        // Ring of CPU 0 drained first, then CPU 1's.
        for (ts, tag) in [(10, b'a'), (30, b'c'), (50, b'e')] {
            r.push(&rec(ts, tag));
        }
        for (ts, tag) in [(20, b'b'), (40, b'd'), (60, b'f')] {
            r.push(&rec(ts, tag));
        }
        assert_eq!(
            drain(&mut r, 40),
            [(10, b'a'), (20, b'b'), (30, b'c'), (40, b'd')]
        );
        assert_eq!(r.len(), 2);
        r.push(&rec(45, b'x'));
        assert_eq!(
            drain(&mut r, u64::MAX),
            [(45, b'x'), (50, b'e'), (60, b'f')]
        );
        assert!(r.is_empty());
        assert_eq!(drain(&mut r, u64::MAX), []);
    }

    #[test]
    fn arenas_are_recycled_once_released() {
        let mut r = Reorder::new();
        for round in 0..100u64 {
            for i in 0..10 {
                r.push(&rec(round * 10 + i, b'r'));
            }
            // Hold back the last record of each round until the next release.
            drain(&mut r, round * 10 + 8);
            assert!(r.len() <= 2);
            assert!(r.arenas.len() <= 2, "{} arenas", r.arenas.len());
        }
        drain(&mut r, u64::MAX);
        assert!(r.is_empty());
        assert!(r.arenas.is_empty());
        assert_eq!(r.held_bytes(), 0);
        assert!(!r.spare.is_empty());
    }

    #[test]
    fn equal_stamps_keep_arrival_order_and_short_records_go_first() {
        let mut r = Reorder::new();
        r.push(&rec(5, b'1'));
        r.push(&rec(5, b'2'));
        r.push(b"xy");
        let mut lens = Vec::new();
        r.release(5, &mut |b: &[u8]| lens.push(b.to_vec()));
        assert_eq!(lens, [b"xy".to_vec(), rec(5, b'1'), rec(5, b'2')]);
    }

    #[test]
    fn cpu_lists() {
        assert_eq!(
            parse_cpu_list("0-3,6,8-9\n"),
            Some(vec![0, 1, 2, 3, 6, 8, 9])
        );
        assert_eq!(parse_cpu_list("0"), Some(vec![0]));
        assert_eq!(parse_cpu_list(""), Some(vec![]));
        assert_eq!(parse_cpu_list("3-1"), None);
        assert_eq!(parse_cpu_list("a"), None);
        assert_eq!(parse_cpu_list("0-4294967295"), None);
    }

    #[test]
    fn rings_for_online_cpus_only() {
        assert_eq!(ring_of_cpu(2, &[0, 1]), [0, 1]);
        assert_eq!(ring_of_cpu(6, &[0, 1]), [0, 1, 0, 1, 0, 1]);
        assert_eq!(ring_of_cpu(4, &[1, 3]), [0, 0, 0, 1]);
        assert_eq!(ring_of_cpu(3, &[]), [0, 1, 2]);
        assert_eq!(ring_of_cpu(2, &[0, 1, 7]), [0, 1]);
    }

    proptest! {
        /// A model of the rings: records stamped at `ts` are committed up to `GRACE`
        /// later; each drain at time `d` reads, ring after ring, what was committed by
        /// then and releases up to `d - GRACE`. Whatever the timing, the records come out
        /// as one stream in time order, each exactly once.
        #[test]
        fn merged_stream_is_ordered_and_complete(
            rings in prop::collection::vec(
                prop::collection::vec((0u64..10_000, 0u64..=100), 0..40), 1..5),
            mut drains in prop::collection::vec(0u64..10_200, 0..8),
        ) {
            const GRACE: u64 = 100;
            let rings: Vec<Vec<(u64, u64)>> = rings
                .into_iter()
                .map(|mut ring| {
                    // A ring holds a CPU's records in stamp order; commits follow.
                    ring.sort_unstable();
                    let mut commit = 0;
                    ring.into_iter()
                        .map(|(ts, delay)| {
                            commit = (ts + delay).max(commit);
                            (ts, commit)
                        })
                        .collect()
                })
                .collect();
            drains.sort_unstable();
            drains.push(u64::MAX);
            let mut read = vec![0usize; rings.len()];
            let mut r = Reorder::new();
            let mut got = Vec::new();
            for d in drains {
                for (i, ring) in rings.iter().enumerate() {
                    while let Some(&(ts, commit)) = ring.get(read[i]) {
                        if commit > d {
                            break;
                        }
                        r.push(&rec(ts, u8::try_from(i).unwrap()));
                        read[i] += 1;
                    }
                }
                got.extend(drain(&mut r, d.saturating_sub(GRACE)));
            }
            got.extend(drain(&mut r, u64::MAX));
            prop_assert!(got.windows(2).all(|w| w[0].0 <= w[1].0), "out of order: {:?}", got);
            let mut want: Vec<(u64, u8)> = rings
                .iter()
                .enumerate()
                .flat_map(|(i, ring)| ring.iter().map(move |&(ts, _)| (ts, u8::try_from(i).unwrap())))
                .collect();
            want.sort_unstable();
            got.sort_unstable();
            prop_assert_eq!(got, want);
        }
    }
}
