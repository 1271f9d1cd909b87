//! The address allow-list: CIDR blocks, single addresses and dotted prefixes as the
//! watchdog wrote them (`192.168` is 192.168.0.0/16, `100.72` a carrier's /16).
//! Loopback is on it unless `--no-allow-loopback` takes it off.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use crate::vocab::address::AddrKey;

/// One allowed block of addresses: a CIDR network (the ipnet crate's), with its host
/// bits cleared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Block(pub IpNet);

impl Block {
    /// Parses `10.0.0.0/8`, `2001:db8::/32`, `203.0.113.7`, `::1`, or a dotted prefix
    /// of 1-3 octets (`192.168`, `100.72.`, `10`), the watchdog's shorthand that no
    /// CIDR parser reads.
    pub fn parse(text: &str) -> Result<Block, String> {
        let t = text.trim().trim_end_matches('.');
        let bad =
            |why: &str| format!("{text:?}: {why} (expected a CIDR block, an address, or a dotted prefix like 192.168)");
        if let Some((addr, prefix)) = t.split_once('/') {
            let prefix: u8 = prefix.parse().map_err(|_| bad("bad prefix length"))?;
            let addr: IpAddr = addr.parse().map_err(|_| bad("bad address"))?;
            let net = IpNet::new(addr, prefix).map_err(|_| bad("prefix length too long"))?;
            return Ok(Block(net.trunc()));
        }
        if let Ok(a) = t.parse::<IpAddr>() {
            return Ok(Block(IpNet::from(a)));
        }
        let octets: Vec<&str> = t.split('.').collect();
        if (1..=3).contains(&octets.len()) && octets.iter().all(|o| o.parse::<u8>().is_ok()) {
            let mut addr = [0u8; 4];
            for (i, o) in octets.iter().enumerate() {
                addr[i] = o.parse().unwrap_or(0);
            }
            let net = Ipv4Net::new(Ipv4Addr::from(addr), 8 * octets.len() as u8).map_err(|_| bad("not an address"))?;
            return Ok(Block(IpNet::V4(net)));
        }
        Err(bad("not an address"))
    }

    #[inline]
    pub fn contains(&self, key: AddrKey) -> bool {
        match (self.0, key) {
            (IpNet::V4(net), AddrKey::V4(a)) => net.contains(&Ipv4Addr::from(a)),
            (IpNet::V6(net), AddrKey::V6(a)) => net.contains(&Ipv6Addr::from(a)),
            _ => false,
        }
    }
}

impl std::fmt::Display for Block {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Allowed address blocks; loopback (127.0.0.0/8, ::1, `localhost`) too, by default.
#[derive(Clone, Debug)]
pub struct AllowList {
    /// The loopback blocks first (when allowed), then the user's.
    blocks: Vec<Block>,
    loopback: bool,
}

impl AllowList {
    /// The user's blocks, with loopback: a host talking to itself (health checks, a
    /// local proxy) is no visitor.
    pub fn new(user_blocks: Vec<Block>) -> AllowList {
        AllowList::with_loopback(user_blocks, true)
    }

    /// The user's blocks, with loopback or (`--no-allow-loopback`: a lab, or logs copied
    /// from a proxy host where every request comes from 127.0.0.1) without it.
    pub fn with_loopback(user_blocks: Vec<Block>, loopback: bool) -> AllowList {
        let mut blocks = Vec::with_capacity(user_blocks.len() + 2);
        if loopback {
            let loopback_v4 = Ipv4Net::new(Ipv4Addr::new(127, 0, 0, 0), 8).expect("a valid prefix");
            blocks.extend([Block(IpNet::V4(loopback_v4)), Block(IpNet::V6(Ipv6Net::from(Ipv6Addr::LOCALHOST)))]);
        }
        blocks.extend(user_blocks);
        AllowList { blocks, loopback }
    }

    #[inline]
    pub fn contains(&self, key: AddrKey) -> bool {
        match key {
            AddrKey::Text(t) => self.loopback && t.eq_ignore_ascii_case(b"localhost"),
            key => self.blocks.iter().any(|b| b.contains(key)),
        }
    }

    /// True when loopback is on the list (the default).
    pub fn allows_loopback(&self) -> bool {
        self.loopback
    }

    /// The blocks the user gave (without the implicit loopback ones).
    pub fn user_blocks(&self) -> &[Block] {
        &self.blocks[if self.loopback { 2 } else { 0 }..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> AddrKey<'_> {
        AddrKey::of(s.as_bytes())
    }

    #[test]
    fn dotted_prefixes_cidrs_and_addresses() {
        let list = AllowList::new(
            ["192.168", "100.72.", "10.0.0.0/8", "203.0.113.7", "2001:db8:1::/48"]
                .iter()
                .map(|b| Block::parse(b).unwrap())
                .collect(),
        );
        for yes in [
            "192.168.1.10",
            "100.72.14.201",
            "10.9.8.7",
            "203.0.113.7",
            "127.0.0.1",
            "::1",
            "2001:db8:1::5",
            "::ffff:192.168.0.1",
        ] {
            assert!(list.contains(key(yes)), "{yes}");
        }
        for no in ["192.169.1.1", "100.73.0.1", "203.0.113.8", "2001:db8:2::5", "example.com", "192.030.0.6"] {
            assert!(!list.contains(key(no)), "{no}");
        }
        assert_eq!(Block::parse("192.168").unwrap().to_string(), "192.168.0.0/16");
        assert_eq!(list.user_blocks().len(), 5);
        assert!(Block::parse("192.168.300").is_err());
        assert!(Block::parse("1.2.3.4/33").is_err());
    }

    #[test]
    fn loopback_can_be_taken_off_the_list() {
        let blocks = || vec![Block::parse("10.0.0.0/8").unwrap()];
        let with = AllowList::new(blocks());
        let without = AllowList::with_loopback(blocks(), false);
        for loopback in ["127.0.0.1", "127.9.8.7", "::1", "::ffff:127.0.0.1", "localhost", "LOCALHOST"] {
            assert!(with.contains(key(loopback)), "{loopback}");
            assert!(!without.contains(key(loopback)), "{loopback}");
        }
        assert!(with.allows_loopback() && !without.allows_loopback());
        assert!(without.contains(key("10.1.2.3")));
        assert_eq!(with.user_blocks(), without.user_blocks());
    }
}
