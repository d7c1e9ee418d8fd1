//! Protocols, port sets and connection sets (a port set per protocol), computed
//! symbolically: a rule's `ports` becomes a [`ConnSet`] and policies combine by set algebra.

use std::fmt;

use crate::intervals::IntervalSet;

/// Lowest valid port.
pub const MIN_PORT: u16 = 1;
/// Highest valid port.
pub const MAX_PORT: u16 = 65535;

/// A transport protocol NetworkPolicy can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    /// SCTP.
    Sctp,
    /// TCP (the default everywhere a protocol is optional).
    Tcp,
    /// UDP.
    Udp,
}

impl Protocol {
    /// All protocols, in display order.
    pub const ALL: [Protocol; 3] = [Protocol::Sctp, Protocol::Tcp, Protocol::Udp];

    /// Upper-case name as in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Sctp => "SCTP",
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
        }
    }

    /// Parses an API protocol name (exact, upper-case as the API requires).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "TCP" => Some(Protocol::Tcp),
            "UDP" => Some(Protocol::Udp),
            "SCTP" => Some(Protocol::Sctp),
            _ => None,
        }
    }

    /// Parses a protocol name in any case (command-line use).
    pub fn parse_loose(s: &str) -> Option<Self> {
        Self::parse(&s.to_ascii_uppercase())
    }

    fn idx(self) -> usize {
        match self {
            Protocol::Sctp => 0,
            Protocol::Tcp => 1,
            Protocol::Udp => 2,
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of ports (1..=65535).
pub type PortSet = IntervalSet<u16>;

/// All ports.
pub fn all_ports() -> PortSet {
    PortSet::range(MIN_PORT, MAX_PORT)
}

fn ports_display(p: &PortSet) -> String {
    let mut s = String::new();
    for (i, &(a, b)) in p.ranges().iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        if a == b {
            s.push_str(&a.to_string());
        } else {
            s.push_str(&format!("{a}-{b}"));
        }
    }
    s
}

/// A set of (protocol, port) pairs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnSet {
    by_proto: [PortSet; 3],
}

impl ConnSet {
    /// No connections.
    pub fn none() -> Self {
        ConnSet::default()
    }

    /// Every protocol and port.
    pub fn all() -> Self {
        ConnSet {
            by_proto: [all_ports(), all_ports(), all_ports()],
        }
    }

    /// `ports` of one protocol.
    pub fn of(proto: Protocol, ports: &PortSet) -> Self {
        let mut c = ConnSet::none();
        c.set_ports(proto, ports);
        c
    }

    /// One port of one protocol.
    pub fn single(proto: Protocol, port: u16) -> Self {
        Self::of(proto, &PortSet::range(port, port))
    }

    /// The ports of a protocol.
    pub fn ports(&self, proto: Protocol) -> &PortSet {
        // `idx` is always 0..3.
        match self.by_proto.get(proto.idx()) {
            Some(p) => p,
            None => &EMPTY_PORTS,
        }
    }

    fn set_ports(&mut self, proto: Protocol, ports: &PortSet) {
        if let Some(slot) = self.by_proto.get_mut(proto.idx()) {
            *slot = ports.intersect(&all_ports());
        }
    }

    /// Adds ports of a protocol.
    pub fn add(&mut self, proto: Protocol, start: u16, end: u16) {
        if let Some(slot) = self.by_proto.get_mut(proto.idx()) {
            slot.add(start.max(MIN_PORT), end);
        }
    }

    /// Whether there is no connection.
    pub fn is_empty(&self) -> bool {
        self.by_proto.iter().all(PortSet::is_empty)
    }

    /// Whether every protocol and port is included.
    pub fn is_all(&self) -> bool {
        self.by_proto
            .iter()
            .all(|p| p.ranges() == [(MIN_PORT, MAX_PORT)])
    }

    /// Whether `(proto, port)` is included.
    pub fn contains(&self, proto: Protocol, port: u16) -> bool {
        self.ports(proto).contains(port)
    }

    fn zip(&self, other: &Self, f: impl Fn(&PortSet, &PortSet) -> PortSet) -> Self {
        let [a0, a1, a2] = &self.by_proto;
        let [b0, b1, b2] = &other.by_proto;
        ConnSet {
            by_proto: [f(a0, b0), f(a1, b1), f(a2, b2)],
        }
    }

    /// `self ∪ other`.
    #[must_use]
    pub fn union(&self, other: &Self) -> Self {
        self.zip(other, PortSet::union)
    }

    /// In-place union.
    pub fn union_with(&mut self, other: &Self) {
        for (a, b) in self.by_proto.iter_mut().zip(&other.by_proto) {
            a.union_with(b);
        }
    }

    /// `self ∩ other`.
    #[must_use]
    pub fn intersect(&self, other: &Self) -> Self {
        self.zip(other, PortSet::intersect)
    }

    /// `self \ other`.
    #[must_use]
    pub fn subtract(&self, other: &Self) -> Self {
        self.zip(other, PortSet::subtract)
    }

    /// Whether `self ⊆ other`.
    pub fn is_subset(&self, other: &Self) -> bool {
        self.subtract(other).is_empty()
    }

    /// Whether the sets share a connection.
    pub fn intersects(&self, other: &Self) -> bool {
        self.by_proto
            .iter()
            .zip(&other.by_proto)
            .any(|(a, b)| a.intersects(b))
    }

    /// `(protocol, ports)` for the protocols with at least one port.
    pub fn iter(&self) -> impl Iterator<Item = (Protocol, &PortSet)> {
        Protocol::ALL
            .into_iter()
            .zip(&self.by_proto)
            .filter(|(_, p)| !p.is_empty())
    }
}

static EMPTY_PORTS: PortSet = PortSet::new();

/// `All Connections`, `No Connections`, or `TCP 80,443,UDP 53` — protocols sorted by name,
/// port ranges joined with `,` (the netpol-analyzer notation).
impl fmt::Display for ConnSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_all() {
            return f.write_str("All Connections");
        }
        if self.is_empty() {
            return f.write_str("No Connections");
        }
        let mut first = true;
        for (proto, ports) in self.iter() {
            if !first {
                f.write_str(",")?;
            }
            first = false;
            write!(f, "{proto} {}", ports_display(ports))?;
        }
        Ok(())
    }
}

/// Parses the display form back (`All Connections`, `No Connections`,
/// `SCTP 1-65535,TCP 1-79,81-65535`).
pub fn parse_conn_set(s: &str) -> Option<ConnSet> {
    let s = s.trim();
    if s == "All Connections" {
        return Some(ConnSet::all());
    }
    let mut c = ConnSet::none();
    if s == "No Connections" || s.is_empty() {
        return Some(c);
    }
    let mut proto = None;
    for part in s.split(',') {
        let part = part.trim();
        let ports = match part.split_once(' ') {
            Some((p, rest)) => {
                proto = Some(Protocol::parse(p)?);
                rest
            }
            None => part,
        };
        let proto = proto?;
        if ports == "ALL PORTS" {
            c.add(proto, MIN_PORT, MAX_PORT);
            continue;
        }
        let (a, b) = if let Some((a, b)) = ports.split_once('-') {
            (a.parse().ok()?, b.parse().ok()?)
        } else {
            let p = ports.parse().ok()?;
            (p, p)
        };
        c.add(proto, a, b);
    }
    Some(c)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn display_matches_netpol_analyzer_notation() {
        assert_eq!(ConnSet::all().to_string(), "All Connections");
        assert_eq!(ConnSet::none().to_string(), "No Connections");
        let mut c = ConnSet::all().subtract(&ConnSet::single(Protocol::Tcp, 80));
        assert_eq!(c.to_string(), "SCTP 1-65535,TCP 1-79,81-65535,UDP 1-65535");
        c = ConnSet::single(Protocol::Udp, 10053);
        c.add(Protocol::Tcp, 10053, 10054);
        assert_eq!(c.to_string(), "TCP 10053-10054,UDP 10053");
        assert_eq!(parse_conn_set(&c.to_string()), Some(c));
        assert_eq!(
            parse_conn_set("SCTP 1-65535,TCP 1-79,81-65535,UDP 1-65535"),
            Some(ConnSet::all().subtract(&ConnSet::single(Protocol::Tcp, 80)))
        );
    }
}
