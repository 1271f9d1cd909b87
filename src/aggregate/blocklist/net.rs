//! Networks for the blocklist as (family, first address, prefix) over u128 (IPv4 in
//! the low 32 bits), so that addresses and ranges sort and bisect as plain keys; the
//! CIDR arithmetic (masks, ends, the exact cover of an interval) is the ipnet crate's.
//! Also the special-purpose ranges (loopback, private, documentation, ...) that are
//! never blocked.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv4Subnets, Ipv6Net, Ipv6Subnets};

use crate::detect::allowlist::Block;

/// A CIDR network. IPv4 addresses live in the low 32 bits of `addr`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Net {
    pub v6: bool,
    /// The first address (host bits are zero).
    pub addr: u128,
    pub prefix: u8,
}

/// Address bits of a family.
fn bits(v6: bool) -> u8 {
    if v6 {
        128
    } else {
        32
    }
}

impl Net {
    /// The network of `prefix` bits around `addr` (host bits are cleared).
    pub fn new(v6: bool, addr: u128, prefix: u8) -> Net {
        let prefix = prefix.min(bits(v6));
        let net = if v6 {
            IpNet::V6(Ipv6Net::new(Ipv6Addr::from(addr), prefix).expect("prefix within 128"))
        } else {
            IpNet::V4(Ipv4Net::new(Ipv4Addr::from(addr as u32), prefix).expect("prefix within 32"))
        };
        Net::from(net)
    }

    /// One address.
    pub fn host(v6: bool, addr: u128) -> Net {
        Net::new(v6, addr, bits(v6))
    }

    pub fn of_ip(ip: IpAddr) -> Net {
        let (v6, addr) = key_of(ip);
        Net::host(v6, addr)
    }

    pub fn from_block(b: Block) -> Net {
        Net::from(b.0)
    }

    /// An address or CIDR block (`203.0.113.7`, `2001:db8::/48`, or a dotted prefix);
    /// an IPv4-mapped IPv6 address is its IPv4 address.
    pub fn parse(text: &str) -> Result<Net, String> {
        match text.trim().parse::<IpAddr>() {
            Ok(ip) => Ok(Net::of_ip(ip)),
            Err(_) => Block::parse(text).map(Net::from_block),
        }
    }

    pub fn first(&self) -> u128 {
        self.addr
    }

    pub fn last(&self) -> u128 {
        match self.ipnet() {
            IpNet::V4(n) => u32::from(n.broadcast()) as u128,
            IpNet::V6(n) => u128::from(n.broadcast()),
        }
    }

    pub fn is_host(&self) -> bool {
        self.prefix == bits(self.v6)
    }

    pub fn contains(&self, v6: bool, addr: u128) -> bool {
        self.v6 == v6 && self.first() <= addr && addr <= self.last()
    }

    pub fn overlaps(&self, other: &Net) -> bool {
        self.v6 == other.v6 && self.first() <= other.last() && other.first() <= self.last()
    }

    fn ip(&self) -> IpAddr {
        if self.v6 {
            IpAddr::V6(Ipv6Addr::from(self.addr))
        } else {
            IpAddr::V4(Ipv4Addr::from(self.addr as u32))
        }
    }

    fn ipnet(&self) -> IpNet {
        IpNet::new(self.ip(), self.prefix).expect("a Net's prefix fits its family")
    }
}

impl From<IpNet> for Net {
    /// The network of `net` (host bits cleared), in its own family.
    fn from(net: IpNet) -> Net {
        let (v6, addr) = match net {
            IpNet::V4(n) => (false, u32::from(n.network()) as u128),
            IpNet::V6(n) => (true, u128::from(n.network())),
        };
        Net { v6, addr, prefix: net.prefix_len() }
    }
}

/// `203.0.113.7` for one address, `203.0.113.0/24` for a range: the canonical
/// spelling (RFC 5952 for IPv6), never text from a log.
impl fmt::Display for Net {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        if self.is_host() {
            write!(f, "{}", self.ip())
        } else {
            write!(f, "{}/{}", self.ip(), self.prefix)
        }
    }
}

/// (is IPv6, value) of an address; IPv4-mapped IPv6 is the IPv4 address.
pub fn key_of(ip: IpAddr) -> (bool, u128) {
    match ip {
        IpAddr::V4(a) => (false, u32::from(a) as u128),
        IpAddr::V6(a) => match a.to_ipv4_mapped() {
            Some(v4) => (false, u32::from(v4) as u128),
            None => (true, u128::from(a)),
        },
    }
}

/// The fewest CIDR blocks that together cover exactly `lo..=hi`, in address order
/// (ipnet's subnets of a range: each the largest aligned block that fits).
pub fn cidrs(v6: bool, lo: u128, hi: u128) -> Vec<Net> {
    if v6 {
        Ipv6Subnets::new(Ipv6Addr::from(lo), Ipv6Addr::from(hi), 0).map(|n| Net::from(IpNet::V6(n))).collect()
    } else {
        Ipv4Subnets::new(Ipv4Addr::from(lo as u32), Ipv4Addr::from(hi as u32), 0)
            .map(|n| Net::from(IpNet::V4(n)))
            .collect()
    }
}

/// Special-purpose address ranges (RFC 6890 and friends) a blocklist must not contain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Special {
    Loopback,
    /// RFC 1918, carrier-grade NAT 100.64.0.0/10, IPv6 unique local fc00::/7.
    Private,
    LinkLocal,
    /// 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32, 3fff::/20.
    Documentation,
    Multicast,
    /// Unspecified, "this network", benchmarking, IETF protocol assignments, 240/4,
    /// broadcast, discard-only.
    Reserved,
}

impl Special {
    pub fn as_str(self) -> &'static str {
        match self {
            Special::Loopback => "loopback",
            Special::Private => "private",
            Special::LinkLocal => "link-local",
            Special::Documentation => "documentation",
            Special::Multicast => "multicast",
            Special::Reserved => "reserved",
        }
    }

    /// Kept with `--blocklist-include-special` (a lab or the documentation ranges the
    /// examples use); the others are never routable sources worth a rule.
    pub fn can_include(self) -> bool {
        matches!(self, Special::Private | Special::Documentation)
    }
}

const fn v4(a: u8, b: u8, c: u8, d: u8) -> u128 {
    u32::from_be_bytes([a, b, c, d]) as u128
}

const fn v6(first_group: u16, second_group: u16) -> u128 {
    (first_group as u128) << 112 | (second_group as u128) << 96
}

/// (IPv6, first address, prefix, class).
const SPECIAL: &[(bool, u128, u8, Special)] = &[
    (false, v4(0, 0, 0, 0), 8, Special::Reserved),
    (false, v4(10, 0, 0, 0), 8, Special::Private),
    (false, v4(100, 64, 0, 0), 10, Special::Private),
    (false, v4(127, 0, 0, 0), 8, Special::Loopback),
    (false, v4(169, 254, 0, 0), 16, Special::LinkLocal),
    (false, v4(172, 16, 0, 0), 12, Special::Private),
    (false, v4(192, 0, 0, 0), 24, Special::Reserved),
    (false, v4(192, 0, 2, 0), 24, Special::Documentation),
    (false, v4(192, 168, 0, 0), 16, Special::Private),
    (false, v4(198, 18, 0, 0), 15, Special::Reserved),
    (false, v4(198, 51, 100, 0), 24, Special::Documentation),
    (false, v4(203, 0, 113, 0), 24, Special::Documentation),
    (false, v4(224, 0, 0, 0), 4, Special::Multicast),
    (false, v4(240, 0, 0, 0), 4, Special::Reserved),
    (true, 0, 128, Special::Reserved),
    (true, 1, 128, Special::Loopback),
    (true, v6(0x0100, 0), 64, Special::Reserved),
    (true, v6(0x2001, 0x0db8), 32, Special::Documentation),
    (true, v6(0x3fff, 0), 20, Special::Documentation),
    (true, v6(0xfc00, 0), 7, Special::Private),
    (true, v6(0xfe80, 0), 10, Special::LinkLocal),
    (true, v6(0xff00, 0), 8, Special::Multicast),
];

/// Every special range with its class.
pub fn special_ranges() -> impl Iterator<Item = (Net, Special)> {
    SPECIAL.iter().map(|&(v6, addr, prefix, class)| (Net::new(v6, addr, prefix), class))
}

/// The class of a special address, if it is one.
pub fn special(v6: bool, addr: u128) -> Option<Special> {
    special_ranges().find(|(net, _)| net.contains(v6, addr)).map(|(_, class)| class)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> Net {
        Net::parse(s).unwrap()
    }

    fn cover(a: &str, b: &str) -> Vec<String> {
        let (a, b) = (net(a), net(b));
        cidrs(a.v6, a.addr, b.addr).iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn exact_cidr_cover_of_an_interval() {
        assert_eq!(cover("203.0.113.7", "203.0.113.7"), ["203.0.113.7"]);
        assert_eq!(cover("203.0.113.6", "203.0.113.7"), ["203.0.113.6/31"]);
        // Adjacent but not alignable: two entries, never a wider block.
        assert_eq!(cover("203.0.113.7", "203.0.113.8"), ["203.0.113.7", "203.0.113.8"]);
        assert_eq!(cover("10.0.0.0", "10.0.1.255"), ["10.0.0.0/23"]);
        assert_eq!(cover("10.0.0.1", "10.0.0.254"), {
            let v: Vec<String> = [
                "10.0.0.1",
                "10.0.0.2/31",
                "10.0.0.4/30",
                "10.0.0.8/29",
                "10.0.0.16/28",
                "10.0.0.32/27",
                "10.0.0.64/26",
                "10.0.0.128/26",
                "10.0.0.192/27",
                "10.0.0.224/28",
                "10.0.0.240/29",
                "10.0.0.248/30",
                "10.0.0.252/31",
                "10.0.0.254",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect();
            v
        });
        assert_eq!(cover("0.0.0.0", "255.255.255.255"), ["0.0.0.0/0"]);
        assert_eq!(cover("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), ["::/0"]);
        assert_eq!(cover("2001:db8::", "2001:db8::1:ffff"), ["2001:db8::/111"]);
        assert_eq!(cover("255.255.255.254", "255.255.255.255"), ["255.255.255.254/31"]);
    }

    #[test]
    fn networks_parse_print_and_compare() {
        assert_eq!(net("203.0.113.77/24").to_string(), "203.0.113.0/24");
        assert_eq!(net("2001:DB8:0::1").to_string(), "2001:db8::1");
        assert_eq!(net("::ffff:1.2.3.4").to_string(), "1.2.3.4");
        assert_eq!(net("192.168").to_string(), "192.168.0.0/16");
        assert!(Net::parse("example.com").is_err());
        assert!(net("10.0.0.0/8").overlaps(&net("10.1.2.3")));
        assert!(net("10.1.2.0/24").overlaps(&net("10.0.0.0/8")));
        assert!(!net("10.0.0.0/8").overlaps(&net("11.0.0.0/8")));
        // IPv4 0.0.0.1 and IPv6 ::1 are different addresses.
        assert!(!net("0.0.0.1").overlaps(&net("::1")));
        assert_eq!(net("1.2.3.4/24").last(), net("1.2.3.255").addr);
    }

    #[test]
    fn special_ranges_are_classified() {
        let class = |s: &str| {
            let n = net(s);
            special(n.v6, n.addr)
        };
        assert_eq!(class("127.0.0.1"), Some(Special::Loopback));
        assert_eq!(class("::1"), Some(Special::Loopback));
        assert_eq!(class("10.1.2.3"), Some(Special::Private));
        assert_eq!(class("172.31.255.255"), Some(Special::Private));
        assert_eq!(class("172.32.0.1"), None);
        assert_eq!(class("100.72.14.201"), Some(Special::Private));
        assert_eq!(class("100.128.0.1"), None);
        assert_eq!(class("fd12:3456::1"), Some(Special::Private));
        assert_eq!(class("169.254.1.1"), Some(Special::LinkLocal));
        assert_eq!(class("fe80::1"), Some(Special::LinkLocal));
        assert_eq!(class("203.0.113.7"), Some(Special::Documentation));
        assert_eq!(class("198.51.100.1"), Some(Special::Documentation));
        assert_eq!(class("192.0.2.255"), Some(Special::Documentation));
        assert_eq!(class("2001:db8:bad::5"), Some(Special::Documentation));
        assert_eq!(class("224.0.0.251"), Some(Special::Multicast));
        assert_eq!(class("ff02::1"), Some(Special::Multicast));
        assert_eq!(class("255.255.255.255"), Some(Special::Reserved));
        assert_eq!(class("0.0.0.0"), Some(Special::Reserved));
        assert_eq!(class("::"), Some(Special::Reserved));
        assert_eq!(class("198.19.0.1"), Some(Special::Reserved));
        for public in ["45.148.10.183", "185.224.128.17", "8.8.8.8", "2a01:4f8::1", "2001:4860::8888", "1.1.1.1"] {
            assert_eq!(class(public), None, "{public}");
        }
    }
}
