//! Canonical sets of closed integer intervals: the building block of port sets and IP sets.
//!
//! A set is kept as sorted, disjoint, non-adjacent `(start, end)` pairs, so equal sets have
//! equal representations and can be hashed, compared and printed directly.

/// An integer type intervals can be built over.
pub trait Bound: Copy + Ord + Default + std::fmt::Debug {
    /// Zero (filler for unused inline slots).
    const ZERO: Self;
    /// `self + 1`, or `None` at the type's maximum.
    fn succ(self) -> Option<Self>;
    /// `self - 1`, or `None` at the type's minimum.
    fn pred(self) -> Option<Self>;
}

impl Bound for u16 {
    const ZERO: Self = 0;
    fn succ(self) -> Option<Self> {
        self.checked_add(1)
    }
    fn pred(self) -> Option<Self> {
        self.checked_sub(1)
    }
}

impl Bound for u128 {
    const ZERO: Self = 0;
    fn succ(self) -> Option<Self> {
        self.checked_add(1)
    }
    fn pred(self) -> Option<Self> {
        self.checked_sub(1)
    }
}

/// Up to two ranges inline (every common port set: one port, a range, all ports, all but
/// one), more on the heap — so set algebra in the matrix loop rarely allocates.
#[derive(Clone, Debug)]
enum Ranges<T: Bound> {
    Inline(u8, [(T, T); 2]),
    Heap(Vec<(T, T)>),
}

impl<T: Bound> Ranges<T> {
    fn as_slice(&self) -> &[(T, T)] {
        match self {
            Ranges::Inline(n, a) => a.get(..usize::from(*n)).unwrap_or(&[]),
            Ranges::Heap(v) => v,
        }
    }

    fn push(&mut self, r: (T, T)) {
        match self {
            Ranges::Inline(n, a) => {
                if let Some(slot) = a.get_mut(usize::from(*n)) {
                    *slot = r;
                    *n += 1;
                } else {
                    let mut v = Vec::with_capacity(4);
                    v.extend_from_slice(a);
                    v.push(r);
                    *self = Ranges::Heap(v);
                }
            }
            Ranges::Heap(v) => v.push(r),
        }
    }

    fn last_mut(&mut self) -> Option<&mut (T, T)> {
        match self {
            Ranges::Inline(n, a) => usize::from(*n).checked_sub(1).and_then(|i| a.get_mut(i)),
            Ranges::Heap(v) => v.last_mut(),
        }
    }
}

/// A canonical set of closed intervals.
#[derive(Clone, Debug)]
pub struct IntervalSet<T: Bound> {
    ranges: Ranges<T>,
}

impl<T: Bound> Default for IntervalSet<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Bound> PartialEq for IntervalSet<T> {
    fn eq(&self, other: &Self) -> bool {
        self.ranges() == other.ranges()
    }
}

impl<T: Bound> Eq for IntervalSet<T> {}

impl<T: Bound + std::hash::Hash> std::hash::Hash for IntervalSet<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.ranges().hash(state);
    }
}

impl<T: Bound> PartialOrd for IntervalSet<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<T: Bound> Ord for IntervalSet<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.ranges().cmp(other.ranges())
    }
}

impl<T: Bound> IntervalSet<T> {
    /// The empty set.
    pub const fn new() -> Self {
        IntervalSet {
            ranges: Ranges::Inline(0, [(T::ZERO, T::ZERO); 2]),
        }
    }

    fn from_ranges(ranges: Ranges<T>) -> Self {
        IntervalSet { ranges }
    }

    /// `[start, end]` (empty when `end < start`).
    pub fn range(start: T, end: T) -> Self {
        if end < start {
            return Self::new();
        }
        let mut s = Self::new();
        s.ranges.push((start, end));
        s
    }

    /// The intervals, sorted and disjoint.
    pub fn ranges(&self) -> &[(T, T)] {
        self.ranges.as_slice()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.ranges().is_empty()
    }

    /// Whether `v` is in the set.
    pub fn contains(&self, v: T) -> bool {
        // Ranges are sorted by start: find the last range starting at or before `v`.
        let r = self.ranges();
        let idx = r.partition_point(|&(s, _)| s <= v);
        idx.checked_sub(1)
            .and_then(|i| r.get(i))
            .is_some_and(|&(_, e)| v <= e)
    }

    /// Adds `[start, end]`.
    pub fn add(&mut self, start: T, end: T) {
        if end < start {
            return;
        }
        // Fast path: appending past the end (the common case when building from sorted input).
        if let Some(last) = self.ranges.last_mut() {
            if last.1.succ().is_some_and(|n| start > n) {
                self.ranges.push((start, end));
                return;
            }
        } else {
            self.ranges.push((start, end));
            return;
        }
        let mut out = Ranges::Inline(0, [(T::ZERO, T::ZERO); 2]);
        let (mut ns, mut ne) = (start, end);
        let mut placed = false;
        for &(s, e) in self.ranges() {
            if placed {
                out.push((s, e));
                continue;
            }
            // Range entirely before the new one (not adjacent).
            if e.succ().is_some_and(|n| n < ns) {
                out.push((s, e));
            } else if ne.succ().is_some_and(|n| n < s) {
                // Entirely after: place the new one first.
                out.push((ns, ne));
                out.push((s, e));
                placed = true;
            } else {
                // Overlapping or adjacent: merge.
                ns = ns.min(s);
                ne = ne.max(e);
            }
        }
        if !placed {
            out.push((ns, ne));
        }
        self.ranges = out;
    }

    /// `self ∪ other`.
    #[must_use]
    pub fn union(&self, other: &Self) -> Self {
        if other.is_empty() {
            return self.clone();
        }
        if self.is_empty() {
            return other.clone();
        }
        let mut merged = Ranges::Inline(0, [(T::ZERO, T::ZERO); 2]);
        let (a, b) = (self.ranges(), other.ranges());
        let (mut i, mut j) = (0, 0);
        loop {
            let next = match (a.get(i), b.get(j)) {
                (Some(&a), Some(&b)) => {
                    if a.0 <= b.0 {
                        i += 1;
                        a
                    } else {
                        j += 1;
                        b
                    }
                }
                (Some(&a), None) => {
                    i += 1;
                    a
                }
                (None, Some(&b)) => {
                    j += 1;
                    b
                }
                (None, None) => break,
            };
            match merged.last_mut() {
                Some(last) if last.1.succ().is_none_or(|n| next.0 <= n) => {
                    last.1 = last.1.max(next.1);
                }
                _ => merged.push(next),
            }
        }
        Self::from_ranges(merged)
    }

    /// In-place union.
    pub fn union_with(&mut self, other: &Self) {
        if other.is_empty() || self == other {
            return;
        }
        *self = self.union(other);
    }

    /// `self ∩ other`.
    #[must_use]
    pub fn intersect(&self, other: &Self) -> Self {
        let mut out = Ranges::Inline(0, [(T::ZERO, T::ZERO); 2]);
        let (a, b) = (self.ranges(), other.ranges());
        let (mut i, mut j) = (0, 0);
        while let (Some(&(a0, a1)), Some(&(b0, b1))) = (a.get(i), b.get(j)) {
            let (lo, hi) = (a0.max(b0), a1.min(b1));
            if lo <= hi {
                out.push((lo, hi));
            }
            if a1 < b1 {
                i += 1;
            } else {
                j += 1;
            }
        }
        Self::from_ranges(out)
    }

    /// `self \ other`.
    #[must_use]
    pub fn subtract(&self, other: &Self) -> Self {
        if other.is_empty() || self.is_empty() {
            return self.clone();
        }
        let mut out = Ranges::Inline(0, [(T::ZERO, T::ZERO); 2]);
        let sub = other.ranges();
        let mut j = 0;
        for &(s0, e0) in self.ranges() {
            let mut cur = Some(s0);
            // Skip subtrahend ranges wholly before this range.
            while sub.get(j).is_some_and(|&(_, e)| e < s0) {
                j += 1;
            }
            let mut k = j;
            while let (Some(s), Some(&(b0, b1))) = (cur, sub.get(k)) {
                if b0 > e0 {
                    break;
                }
                if b0 > s
                    && let Some(p) = b0.pred()
                {
                    out.push((s, p.min(e0)));
                }
                cur = if b1 >= e0 { None } else { b1.succ() };
                k += 1;
            }
            if let Some(s) = cur
                && s <= e0
            {
                out.push((s, e0));
            }
        }
        Self::from_ranges(out)
    }

    /// Whether `self ⊆ other`.
    pub fn is_subset(&self, other: &Self) -> bool {
        self.subtract(other).is_empty()
    }

    /// Whether the sets share an element.
    pub fn intersects(&self, other: &Self) -> bool {
        let (a, b) = (self.ranges(), other.ranges());
        let (mut i, mut j) = (0, 0);
        while let (Some(&(a0, a1)), Some(&(b0, b1))) = (a.get(i), b.get(j)) {
            if a0.max(b0) <= a1.min(b1) {
                return true;
            }
            if a1 < b1 {
                i += 1;
            } else {
                j += 1;
            }
        }
        false
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn set(r: &[(u16, u16)]) -> IntervalSet<u16> {
        let mut s = IntervalSet::new();
        for &(a, b) in r {
            s.add(a, b);
        }
        s
    }

    #[test]
    fn add_merges_adjacent_and_overlapping() {
        let s = set(&[(10, 20), (1, 3), (4, 5), (21, 21), (30, 40), (35, 50)]);
        assert_eq!(s.ranges(), &[(1, 5), (10, 21), (30, 50)]);
        assert!(s.contains(21) && !s.contains(22) && s.contains(1) && !s.contains(0));
    }

    #[test]
    fn subtract_edges() {
        let all = set(&[(1, 65535)]);
        let s = all.subtract(&set(&[(80, 80), (65535, 65535)]));
        assert_eq!(s.ranges(), &[(1, 79), (81, 65534)]);
        assert!(set(&[(5, 5)]).subtract(&set(&[(1, 10)])).is_empty());
        let max = IntervalSet::<u16>::range(0, u16::MAX);
        assert_eq!(max.subtract(&set(&[(0, 0)])).ranges(), &[(1, u16::MAX)]);
    }

    fn arb_set() -> impl Strategy<Value = IntervalSet<u16>> {
        proptest::collection::vec((0u16..200, 0u16..20), 0..6).prop_map(|v| {
            let mut s = IntervalSet::new();
            for (a, len) in v {
                s.add(a, a.saturating_add(len));
            }
            s
        })
    }

    proptest! {
        #[test]
        fn set_algebra_matches_pointwise(a in arb_set(), b in arb_set(), x in 0u16..230) {
            prop_assert_eq!(a.union(&b).contains(x), a.contains(x) || b.contains(x));
            prop_assert_eq!(a.intersect(&b).contains(x), a.contains(x) && b.contains(x));
            prop_assert_eq!(a.subtract(&b).contains(x), a.contains(x) && !b.contains(x));
            prop_assert_eq!(a.intersects(&b), !a.intersect(&b).is_empty());
            // Canonical form: union is commutative as a value.
            prop_assert_eq!(a.union(&b), b.union(&a));
        }
    }
}
