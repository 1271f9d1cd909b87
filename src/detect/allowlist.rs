//! The address allow-list: CIDR blocks, single addresses and dotted prefixes as the
//! watchdog wrote them (`192.168` is 192.168.0.0/16, `100.72` a carrier's /16).
//! Loopback is always on it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::vocab::address::AddrKey;

/// One allowed block of addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Block {
    V4 { addr: u32, prefix: u8 },
    V6 { addr: u128, prefix: u8 },
}

impl Block {
    /// Parses `10.0.0.0/8`, `2001:db8::/32`, `203.0.113.7`, `::1`, or a dotted prefix
    /// of 1-3 octets (`192.168`, `100.72.`, `10`).
    pub fn parse(text: &str) -> Result<Block, String> {
        let t = text.trim().trim_end_matches('.');
        let bad =
            |why: &str| format!("{text:?}: {why} (expected a CIDR block, an address, or a dotted prefix like 192.168)");
        if let Some((addr, prefix)) = t.split_once('/') {
            let prefix: u8 = prefix.parse().map_err(|_| bad("bad prefix length"))?;
            return match addr.parse::<IpAddr>().map_err(|_| bad("bad address"))? {
                IpAddr::V4(a) if prefix <= 32 => Ok(Block::V4 { addr: u32::from(a) & mask32(prefix), prefix }),
                IpAddr::V6(a) if prefix <= 128 => Ok(Block::V6 { addr: u128::from(a) & mask128(prefix), prefix }),
                _ => Err(bad("prefix length too long")),
            };
        }
        if let Ok(a) = t.parse::<IpAddr>() {
            return Ok(match a {
                IpAddr::V4(a) => Block::V4 { addr: a.into(), prefix: 32 },
                IpAddr::V6(a) => Block::V6 { addr: a.into(), prefix: 128 },
            });
        }
        let octets: Vec<&str> = t.split('.').collect();
        if (1..=3).contains(&octets.len()) && octets.iter().all(|o| o.parse::<u8>().is_ok()) {
            let mut addr = 0u32;
            for (i, o) in octets.iter().enumerate() {
                addr |= (o.parse::<u8>().unwrap_or(0) as u32) << (24 - 8 * i);
            }
            return Ok(Block::V4 { addr, prefix: 8 * octets.len() as u8 });
        }
        Err(bad("not an address"))
    }

    #[inline]
    pub fn contains(&self, key: AddrKey) -> bool {
        match (*self, key) {
            (Block::V4 { addr, prefix }, AddrKey::V4(a)) => a & mask32(prefix) == addr,
            (Block::V6 { addr, prefix }, AddrKey::V6(a)) => a & mask128(prefix) == addr,
            _ => false,
        }
    }
}

impl std::fmt::Display for Block {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match *self {
            Block::V4 { addr, prefix } => write!(f, "{}/{prefix}", Ipv4Addr::from(addr)),
            Block::V6 { addr, prefix } => write!(f, "{}/{prefix}", Ipv6Addr::from(addr)),
        }
    }
}

fn mask32(prefix: u8) -> u32 {
    if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix as u32)
    }
}

fn mask128(prefix: u8) -> u128 {
    if prefix == 0 {
        0
    } else {
        u128::MAX << (128 - prefix as u32)
    }
}

/// Allowed address blocks; loopback (127.0.0.0/8, ::1) is always included.
#[derive(Clone, Debug)]
pub struct AllowList {
    blocks: Vec<Block>,
}

impl AllowList {
    pub fn new(user_blocks: Vec<Block>) -> AllowList {
        let mut blocks = vec![Block::V4 { addr: 0x7f00_0000, prefix: 8 }, Block::V6 { addr: 1, prefix: 128 }];
        blocks.extend(user_blocks);
        AllowList { blocks }
    }

    #[inline]
    pub fn contains(&self, key: AddrKey) -> bool {
        match key {
            AddrKey::Text(t) => t.eq_ignore_ascii_case(b"localhost"),
            key => self.blocks.iter().any(|b| b.contains(key)),
        }
    }

    /// The blocks the user gave (without the implicit loopback ones).
    pub fn user_blocks(&self) -> &[Block] {
        &self.blocks[2..]
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
        assert!(Block::parse("192.168.300").is_err());
        assert!(Block::parse("1.2.3.4/33").is_err());
    }
}
