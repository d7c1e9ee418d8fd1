//! IP networks for the `ipaddr`/`ipnet` fields (`fd.sip`, `fd.net`, `fd.snet`, …):
//! `10.0.0.0/8`, `fd00::/8` or a bare address (a host network), IPv4 and IPv6.
//! IPv4-mapped IPv6 addresses (`::ffff:10.1.2.3`) are compared as IPv4.

use std::net::IpAddr;

/// An IP network: an address with its first `prefix` bits significant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

/// A value as written in a rule: quotes around it (list items keep theirs) are dropped.
fn unquote(text: &str) -> &str {
    let t = text.trim();
    for q in ['"', '\''] {
        if let Some(inner) = t.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner.trim();
        }
    }
    t
}

/// Parses an address (`10.1.2.3`, `::1`), IPv4-mapped IPv6 addresses as IPv4.
pub fn parse_addr(text: &str) -> Option<IpAddr> {
    unquote(text)
        .parse::<IpAddr>()
        .ok()
        .map(|a| a.to_canonical())
}

impl IpNet {
    /// Parses `ADDR/PREFIX`, or `ADDR` alone when `allow_host` (a /32 or /128 network).
    /// Host bits past the prefix are ignored (`10.1.2.3/8` is `10.0.0.0/8`), as in Falco.
    pub fn parse(text: &str, allow_network: bool) -> Result<IpNet, String> {
        let t = unquote(text);
        let bad = || {
            if allow_network {
                format!("'{t}' is not a valid IP network (ADDRESS/PREFIX)")
            } else {
                format!("'{t}' is not a valid IP address")
            }
        };
        let (addr, prefix) = match t.split_once('/') {
            Some((a, p)) if allow_network => (a, Some(p)),
            Some(_) => return Err(bad()),
            None => (t, None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| bad())?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(bad)?,
        };
        // An IPv4-mapped IPv6 network is the IPv4 network it maps.
        let (addr, prefix) = match addr {
            IpAddr::V6(v6) if prefix >= 96 => match v6.to_ipv4_mapped() {
                Some(v4) => (IpAddr::V4(v4), prefix - 96),
                None => (addr, prefix),
            },
            _ => (addr, prefix),
        };
        Ok(IpNet { addr, prefix })
    }

    /// Whether `ip` (canonical, see [`parse_addr`]) lies in the network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(t: &str) -> IpNet {
        IpNet::parse(t, true).unwrap()
    }

    fn ip(t: &str) -> IpAddr {
        parse_addr(t).unwrap()
    }

    #[test]
    fn v4_v6_and_mapped() {
        assert!(net("10.0.0.0/8").contains(ip("10.200.1.2")));
        assert!(!net("10.0.0.0/8").contains(ip("11.0.0.1")));
        assert!(net("\"172.16.0.0/12\"").contains(ip("172.31.255.255")));
        assert!(!net("172.16.0.0/12").contains(ip("172.32.0.0")));
        assert!(net("0.0.0.0/0").contains(ip("8.8.8.8")));
        assert!(net("127.0.0.1").contains(ip("127.0.0.1")));
        assert!(!net("127.0.0.1").contains(ip("127.0.0.2")));
        assert!(net("10.1.2.3/8").contains(ip("10.9.9.9")));
        assert!(net("fd00::/8").contains(ip("fd12:3456::1")));
        assert!(!net("fd00::/8").contains(ip("fe80::1")));
        assert!(net("::/0").contains(ip("::1")));
        assert!(!net("::/0").contains(ip("1.2.3.4")));
        assert!(net("10.0.0.0/8").contains(ip("::ffff:10.1.2.3")));
        assert!(net("::ffff:10.0.0.0/104").contains(ip("10.1.2.3")));
        for bad in ["10.0.0.0/33", "10.0.0/8", "x", "", "10.0.0.0/", "::/129"] {
            assert!(IpNet::parse(bad, true).is_err(), "{bad}");
        }
        assert!(IpNet::parse("10.0.0.0/8", false).is_err());
        assert!(IpNet::parse("10.0.0.1", false).is_ok());
        assert_eq!(parse_addr("nope"), None);
    }
}
