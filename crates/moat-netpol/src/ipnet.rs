//! IP address sets: CIDRs, `ipBlock` (`cidr` minus `except`), and the partition of the
//! address space into ranges that every policy treats uniformly.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::intervals::IntervalSet;

/// An address family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// IPv4 (addresses `0..2^32`).
    V4,
    /// IPv6.
    V6,
}

impl Family {
    fn max(self) -> u128 {
        match self {
            Family::V4 => u128::from(u32::MAX),
            Family::V6 => u128::MAX,
        }
    }

    fn bits(self) -> u32 {
        match self {
            Family::V4 => 32,
            Family::V6 => 128,
        }
    }
}

/// A contiguous range of addresses of one family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IpRange {
    /// The family.
    pub family: Family,
    /// First address.
    pub start: u128,
    /// Last address.
    pub end: u128,
}

fn addr(family: Family, v: u128) -> IpAddr {
    match family {
        Family::V4 => IpAddr::V4(Ipv4Addr::from(u32::try_from(v).unwrap_or(u32::MAX))),
        Family::V6 => IpAddr::V6(Ipv6Addr::from(v)),
    }
}

impl IpRange {
    /// All addresses of a family.
    pub fn all(family: Family) -> Self {
        IpRange {
            family,
            start: 0,
            end: family.max(),
        }
    }

    /// The range as a one-range set.
    pub fn to_set(self) -> IpSet {
        let mut s = IpSet::default();
        s.add_range(self);
        s
    }
}

/// `a.b.c.d-e.f.g.h` (the netpol-analyzer notation for external ranges).
impl fmt::Display for IpRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{}",
            addr(self.family, self.start),
            addr(self.family, self.end)
        )
    }
}

/// A set of addresses of both families.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct IpSet {
    v4: IntervalSet<u128>,
    v6: IntervalSet<u128>,
}

/// A CIDR that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid CIDR address: {0}")]
pub struct CidrError(pub String);

/// Parses `addr/prefix` (host bits are masked, as Go's `net.ParseCIDR` does).
pub fn parse_cidr(s: &str) -> Result<IpRange, CidrError> {
    let bad = || CidrError(s.to_owned());
    let (a, p) = s.trim().split_once('/').ok_or_else(bad)?;
    let ip: IpAddr = a.parse().map_err(|_| bad())?;
    if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let prefix: u32 = p.parse().map_err(|_| bad())?;
    let (family, v) = match ip {
        IpAddr::V4(v4) => (Family::V4, u128::from(u32::from(v4))),
        IpAddr::V6(v6) => (Family::V6, u128::from(v6)),
    };
    let bits = family.bits();
    if prefix > bits {
        return Err(bad());
    }
    let host = bits - prefix;
    let host_mask: u128 = if host == 0 {
        0
    } else if host >= 128 {
        u128::MAX
    } else {
        (1u128 << host) - 1
    };
    let start = v & !host_mask & family.max();
    Ok(IpRange {
        family,
        start,
        end: start | host_mask,
    })
}

/// Parses a single address as a one-address range.
pub fn parse_addr(s: &str) -> Option<IpRange> {
    let ip: IpAddr = s.trim().parse().ok()?;
    let (family, v) = match ip {
        IpAddr::V4(v4) => (Family::V4, u128::from(u32::from(v4))),
        IpAddr::V6(v6) => (Family::V6, u128::from(v6)),
    };
    Some(IpRange {
        family,
        start: v,
        end: v,
    })
}

impl IpSet {
    fn fam(&self, f: Family) -> &IntervalSet<u128> {
        match f {
            Family::V4 => &self.v4,
            Family::V6 => &self.v6,
        }
    }

    fn fam_mut(&mut self, f: Family) -> &mut IntervalSet<u128> {
        match f {
            Family::V4 => &mut self.v4,
            Family::V6 => &mut self.v6,
        }
    }

    /// Every IPv4 address.
    pub fn all_v4() -> Self {
        IpRange::all(Family::V4).to_set()
    }

    /// Adds a range.
    pub fn add_range(&mut self, r: IpRange) {
        self.fam_mut(r.family).add(r.start, r.end);
    }

    /// `self ∪ other`.
    #[must_use]
    pub fn union(&self, other: &Self) -> Self {
        IpSet {
            v4: self.v4.union(&other.v4),
            v6: self.v6.union(&other.v6),
        }
    }

    /// `self \ other`.
    #[must_use]
    pub fn subtract(&self, other: &Self) -> Self {
        IpSet {
            v4: self.v4.subtract(&other.v4),
            v6: self.v6.subtract(&other.v6),
        }
    }

    /// `self ∩ other`.
    #[must_use]
    pub fn intersect(&self, other: &Self) -> Self {
        IpSet {
            v4: self.v4.intersect(&other.v4),
            v6: self.v6.intersect(&other.v6),
        }
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }

    /// Whether the whole range is in the set.
    pub fn contains_range(&self, r: &IpRange) -> bool {
        IntervalSet::range(r.start, r.end).is_subset(self.fam(r.family))
    }

    /// Whether some address of the range is in the set.
    pub fn intersects_range(&self, r: &IpRange) -> bool {
        self.fam(r.family)
            .intersects(&IntervalSet::range(r.start, r.end))
    }

    /// Whether `self ⊆ other`.
    pub fn is_subset(&self, other: &Self) -> bool {
        self.v4.is_subset(&other.v4) && self.v6.is_subset(&other.v6)
    }

    /// The contiguous ranges of the set, IPv4 first.
    pub fn ranges(&self) -> impl Iterator<Item = IpRange> + '_ {
        let v4 = self.v4.ranges().iter().map(|&(s, e)| IpRange {
            family: Family::V4,
            start: s,
            end: e,
        });
        let v6 = self.v6.ranges().iter().map(|&(s, e)| IpRange {
            family: Family::V6,
            start: s,
            end: e,
        });
        v4.chain(v6)
    }
}

/// Splits each range of `space` at every boundary of `blocks`, giving contiguous ranges such
/// that each block contains each piece either entirely or not at all. Pieces are sorted.
pub fn partition(space: &IpSet, blocks: &[&IpSet]) -> Vec<IpRange> {
    let mut cuts: [Vec<u128>; 2] = [Vec::new(), Vec::new()];
    for b in blocks {
        for r in b.ranges() {
            let c = match r.family {
                Family::V4 => &mut cuts[0],
                Family::V6 => &mut cuts[1],
            };
            // A cut at x means a piece starts at x.
            c.push(r.start);
            if let Some(n) = r.end.checked_add(1) {
                c.push(n);
            }
        }
    }
    for c in &mut cuts {
        c.sort_unstable();
        c.dedup();
    }
    let mut out = Vec::new();
    for r in space.ranges() {
        let c = match r.family {
            Family::V4 => &cuts[0],
            Family::V6 => &cuts[1],
        };
        let mut start = r.start;
        let first = c.partition_point(|&x| x <= r.start);
        for &cut in c.iter().skip(first) {
            if cut > r.end {
                break;
            }
            out.push(IpRange {
                family: r.family,
                start,
                end: cut - 1,
            });
            start = cut;
        }
        out.push(IpRange {
            family: r.family,
            start,
            end: r.end,
        });
    }
    out
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn cidrs_and_display() {
        let r = parse_cidr("10.1.2.3/8").unwrap();
        assert_eq!(r.to_string(), "10.0.0.0-10.255.255.255");
        assert_eq!(
            parse_cidr("0.0.0.0/0").unwrap().to_string(),
            "0.0.0.0-255.255.255.255"
        );
        assert_eq!(
            parse_cidr("10.0.0.1/32").unwrap().to_string(),
            "10.0.0.1-10.0.0.1"
        );
        assert_eq!(parse_cidr("::/0").unwrap().end, u128::MAX);
        assert_eq!(
            parse_cidr("2001:db8::/32").unwrap().to_string(),
            "2001:db8::-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"
        );
        for bad in [
            "A",
            "10.0.0.0",
            "10.0.0.0/33",
            "10.0.0/8",
            "::/129",
            "1.2.3.4/-1",
            "1.2.3.4/ 8",
        ] {
            assert!(parse_cidr(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn partition_splits_at_block_boundaries() {
        let ten = parse_cidr("10.0.0.0/8").unwrap().to_set();
        let except = ten.subtract(&parse_cidr("10.10.0.0/16").unwrap().to_set());
        let parts = partition(&IpSet::all_v4(), &[&ten, &except]);
        let s: Vec<String> = parts.iter().map(ToString::to_string).collect();
        assert_eq!(
            s,
            [
                "0.0.0.0-9.255.255.255",
                "10.0.0.0-10.9.255.255",
                "10.10.0.0-10.10.255.255",
                "10.11.0.0-10.255.255.255",
                "11.0.0.0-255.255.255.255"
            ]
        );
    }

    fn arb_block() -> impl Strategy<Value = IpSet> {
        (
            any::<u32>(),
            0u32..=32,
            proptest::option::of((any::<u32>(), 0u32..=32)),
        )
            .prop_map(|(a, p, ex)| {
                let c = parse_cidr(&format!("{}/{p}", Ipv4Addr::from(a)))
                    .unwrap()
                    .to_set();
                match ex {
                    Some((b, q)) => c.subtract(
                        &parse_cidr(&format!("{}/{q}", Ipv4Addr::from(b)))
                            .unwrap()
                            .to_set(),
                    ),
                    None => c,
                }
            })
    }

    proptest! {
        #[test]
        fn partition_pieces_are_uniform_and_cover(blocks in proptest::collection::vec(arb_block(), 0..5)) {
            let refs: Vec<&IpSet> = blocks.iter().collect();
            let parts = partition(&IpSet::all_v4(), &refs);
            let mut union = IpSet::default();
            for p in &parts {
                union.add_range(*p);
                for b in &blocks {
                    // every block holds each piece entirely or not at all
                    prop_assert!(b.contains_range(p) || !b.intersects_range(p));
                }
            }
            prop_assert_eq!(union, IpSet::all_v4());
            prop_assert!(parts.windows(2).all(|w| w[0].end + 1 == w[1].start));
        }

        #[test]
        fn cidr_contains_its_own_addresses(a in any::<u32>(), p in 0u32..=32) {
            let r = parse_cidr(&format!("{}/{p}", Ipv4Addr::from(a))).unwrap();
            let ip = u128::from(a);
            prop_assert!(r.start <= ip && ip <= r.end);
            prop_assert_eq!(r.end - r.start + 1, 1u128 << (32 - p));
        }
    }
}
