//! Canonical sets of closed integer intervals: the building block of port sets and IP sets.
//!
//! A set is kept as sorted, disjoint, non-adjacent `(start, end)` pairs, so equal sets have
//! equal representations and can be hashed, compared and printed directly.

/// An integer type intervals can be built over.
pub trait Bound: Copy + Ord + std::fmt::Debug {
    /// `self + 1`, or `None` at the type's maximum.
    fn succ(self) -> Option<Self>;
    /// `self - 1`, or `None` at the type's minimum.
    fn pred(self) -> Option<Self>;
}

impl Bound for u16 {
    fn succ(self) -> Option<Self> {
        self.checked_add(1)
    }
    fn pred(self) -> Option<Self> {
        self.checked_sub(1)
    }
}

impl Bound for u128 {
    fn succ(self) -> Option<Self> {
        self.checked_add(1)
    }
    fn pred(self) -> Option<Self> {
        self.checked_sub(1)
    }
}

/// A canonical set of closed intervals.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IntervalSet<T: Bound> {
    ranges: Vec<(T, T)>,
}

impl<T: Bound> IntervalSet<T> {
    /// The empty set.
    pub const fn new() -> Self {
        IntervalSet { ranges: Vec::new() }
    }

    /// `[start, end]` (empty when `end < start`).
    pub fn range(start: T, end: T) -> Self {
        if end < start {
            return Self::new();
        }
        IntervalSet {
            ranges: vec![(start, end)],
        }
    }

    /// The intervals, sorted and disjoint.
    pub fn ranges(&self) -> &[(T, T)] {
        &self.ranges
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Whether `v` is in the set.
    pub fn contains(&self, v: T) -> bool {
        // Ranges are sorted by start: find the last range starting at or before `v`.
        let idx = self.ranges.partition_point(|&(s, _)| s <= v);
        idx.checked_sub(1)
            .and_then(|i| self.ranges.get(i))
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
        let mut out = Vec::with_capacity(self.ranges.len() + 1);
        let (mut ns, mut ne) = (start, end);
        let mut placed = false;
        for &(s, e) in &self.ranges {
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
    pub fn union(&self, other: &Self) -> Self {
        if other.is_empty() {
            return self.clone();
        }
        if self.is_empty() {
            return other.clone();
        }
        let mut merged: Vec<(T, T)> = Vec::with_capacity(self.ranges.len() + other.ranges.len());
        let (mut i, mut j) = (0, 0);
        loop {
            let next = match (self.ranges.get(i), other.ranges.get(j)) {
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
        IntervalSet { ranges: merged }
    }

    /// In-place union.
    pub fn union_with(&mut self, other: &Self) {
        if other.is_empty() || self == other {
            return;
        }
        *self = self.union(other);
    }

    /// `self ∩ other`.
    pub fn intersect(&self, other: &Self) -> Self {
        let mut out = Vec::new();
        let (mut i, mut j) = (0, 0);
        while let (Some(&(a0, a1)), Some(&(b0, b1))) = (self.ranges.get(i), other.ranges.get(j)) {
            let s = a0.max(b0);
            let e = a1.min(b1);
            if s <= e {
                out.push((s, e));
            }
            if a1 < b1 {
                i += 1;
            } else {
                j += 1;
            }
        }
        IntervalSet { ranges: out }
    }

    /// `self \ other`.
    pub fn subtract(&self, other: &Self) -> Self {
        if other.is_empty() || self.is_empty() {
            return self.clone();
        }
        let mut out = Vec::new();
        let mut j = 0;
        for &(s0, e0) in &self.ranges {
            let mut cur = Some(s0);
            // Skip subtrahend ranges wholly before this range.
            while other.ranges.get(j).is_some_and(|&(_, e)| e < s0) {
                j += 1;
            }
            let mut k = j;
            while let (Some(s), Some(&(b0, b1))) = (cur, other.ranges.get(k)) {
                if b0 > e0 {
                    break;
                }
                if b0 > s {
                    if let Some(p) = b0.pred() {
                        out.push((s, p.min(e0)));
                    }
                }
                cur = if b1 >= e0 { None } else { b1.succ() };
                k += 1;
            }
            if let Some(s) = cur {
                if s <= e0 {
                    out.push((s, e0));
                }
            }
        }
        IntervalSet { ranges: out }
    }

    /// Whether `self ⊆ other`.
    pub fn is_subset(&self, other: &Self) -> bool {
        self.subtract(other).is_empty()
    }

    /// Whether the sets share an element.
    pub fn intersects(&self, other: &Self) -> bool {
        let (mut i, mut j) = (0, 0);
        while let (Some(&(a0, a1)), Some(&(b0, b1))) = (self.ranges.get(i), other.ranges.get(j)) {
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
        assert_eq!(
            max.subtract(&set(&[(0, 0)])).ranges(),
            &[(1, u16::MAX)]
        );
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
