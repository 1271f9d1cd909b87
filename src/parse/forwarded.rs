//! X-Forwarded-For behind trusted reverse proxies (`--trusted-proxy`): which address a
//! request really came from when the line's client is a proxy the user trusts. The
//! rule is nginx's realip module with `real_ip_recursive on`: from the right, the first
//! address that is not itself a trusted proxy.
//! Everything left of it is whatever the client sent, and is never read.

use std::net::IpAddr;

use ipnet::IpNet;

use super::access::split_last_element;
use super::util::parse_u64;
use crate::vocab::address::parse_v4;
use crate::vocab::event::{ClientSource, ParsedLine};

/// The reverse proxies whose X-Forwarded-For is believed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrustedProxies {
    nets: Vec<IpNet>,
}

/// What X-Forwarded-For did to one line's client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Forwarding<'a> {
    /// The line carries no X-Forwarded-For (or `-`).
    NoHeader,
    /// It does, but the line's client is no trusted proxy: the header is what the
    /// client sent, and is ignored.
    Untrusted,
    /// The client came from X-Forwarded-For through the trusted proxy `proxy`;
    /// `all_trusted`: every address in it was a trusted proxy, so the left-most is taken.
    Forwarded { proxy: &'a [u8], all_trusted: bool },
    /// The line's client is a trusted proxy, but `element`, reached before any untrusted
    /// address, is no address: the proxy's address is kept rather than a guess.
    Unusable { element: &'a [u8] },
}

impl TrustedProxies {
    pub fn new(nets: Vec<IpNet>) -> TrustedProxies {
        TrustedProxies { nets }
    }

    pub fn nets(&self) -> &[IpNet] {
        &self.nets
    }

    fn trusts(&self, addr: IpAddr) -> bool {
        self.nets.iter().any(|n| n.contains(&addr))
    }

    /// Replaces the client of a line that came through a trusted proxy with the client
    /// X-Forwarded-For names (the proxy goes to `proxy`). A line that has no header,
    /// or whose client is not trusted, is left as it is.
    #[inline]
    pub fn resolve<'a>(&self, p: &mut ParsedLine<'a>) -> Forwarding<'a> {
        if p.forwarded_for.is_empty() {
            Forwarding::NoHeader
        } else if self.nets.is_empty() {
            Forwarding::Untrusted
        } else {
            self.resolve_header(p)
        }
    }

    #[inline(never)]
    fn resolve_header<'a>(&self, p: &mut ParsedLine<'a>) -> Forwarding<'a> {
        if !element_address(p.ip).is_some_and(|(_, peer)| self.trusts(peer)) {
            return Forwarding::Untrusted;
        }
        let mut list = p.forwarded_for;
        let mut client = None;
        let mut all_trusted = true;
        loop {
            let (left, element) = split_last_element(list);
            if element.is_empty() {
                break;
            }
            let Some((written, addr)) = element_address(element) else {
                return Forwarding::Unusable { element };
            };
            client = Some(written);
            if !self.trusts(addr) {
                all_trusted = false;
                break;
            }
            list = left;
        }
        let Some(client) = client else { return Forwarding::NoHeader };
        let proxy = p.ip;
        p.proxy = proxy;
        p.ip = client;
        p.ip_v4 = parse_v4(client);
        p.client = ClientSource::TrustedProxy;
        Forwarding::Forwarded { proxy, all_trusted }
    }
}

/// An X-Forwarded-For element as an address, and the address as written without its
/// port: `203.0.113.7`, `203.0.113.7:4711`, `2001:db8::7`, `[2001:db8::7]:443`,
/// `::ffff:203.0.113.7` (as IPv4). Anything else (a name, `unknown`, an obfuscated
/// identifier, a port that is no number, text a client made up) is none.
fn element_address(element: &[u8]) -> Option<(&[u8], IpAddr)> {
    let written = match element.strip_prefix(b"[") {
        Some(bracketed) => {
            let end = memchr::memchr(b']', bracketed)?;
            port_or_nothing(&bracketed[end + 1..])?;
            &bracketed[..end]
        }
        None => match memchr::memchr(b':', element) {
            Some(i) if memchr::memrchr(b':', element) == Some(i) => {
                port_or_nothing(&element[i..])?;
                &element[..i]
            }
            _ => element,
        },
    };
    let addr = match std::str::from_utf8(written).ok()?.parse::<IpAddr>().ok()? {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    };
    Some((written, addr))
}

/// `Some` for nothing or `:PORT` with a decimal port.
fn port_or_nothing(tail: &[u8]) -> Option<()> {
    match tail {
        [] => Some(()),
        [b':', port @ ..] => parse_u64(port).filter(|&p| p <= 65535).map(|_| ()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(nets: &[&str]) -> TrustedProxies {
        TrustedProxies::new(nets.iter().map(|n| n.parse().unwrap()).collect())
    }

    /// (client after resolution, proxy column, outcome) for a line from `peer`.
    fn resolve<'a>(trusted: &TrustedProxies, peer: &'a str, xff: &'a str) -> (String, String, Forwarding<'a>) {
        let mut p = ParsedLine {
            ip: peer.as_bytes(),
            ip_v4: parse_v4(peer.as_bytes()),
            forwarded_for: xff.as_bytes(),
            ..ParsedLine::default()
        };
        let outcome = trusted.resolve(&mut p);
        assert_eq!(p.ip_v4, parse_v4(p.ip), "ip_v4 follows ip");
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        (text(p.ip), text(p.proxy), outcome)
    }

    #[test]
    fn the_right_most_untrusted_address_is_the_client() {
        let t = proxies(&["192.0.2.0/28", "2001:db8:ffff::/48"]);
        let (ip, proxy, o) = resolve(&t, "192.0.2.1", "198.51.100.99, 203.0.113.7");
        assert_eq!((ip.as_str(), proxy.as_str()), ("203.0.113.7", "192.0.2.1"));
        assert_eq!(o, Forwarding::Forwarded { proxy: b"192.0.2.1", all_trusted: false });
        // Trusted hops are skipped from the right; what the client put left is never read.
        let (ip, ..) = resolve(&t, "192.0.2.1", "garbage here, 198.51.100.4, 192.0.2.5,192.0.2.6");
        assert_eq!(ip, "198.51.100.4");
        let (ip, proxy, _) = resolve(&t, "2001:db8:ffff::1", "[2001:db8:1::9]:51000");
        assert_eq!((ip.as_str(), proxy.as_str()), ("2001:db8:1::9", "2001:db8:ffff::1"));
        let (ip, ..) = resolve(&t, "::ffff:192.0.2.2", "203.0.113.8:4711");
        assert_eq!(ip, "203.0.113.8");
        // Every address trusted: the left-most.
        let (ip, _, o) = resolve(&t, "192.0.2.1", "192.0.2.9, 192.0.2.5");
        assert_eq!((ip.as_str(), o), ("192.0.2.9", Forwarding::Forwarded { proxy: b"192.0.2.1", all_trusted: true }));
    }

    #[test]
    fn an_untrusted_client_or_an_unreadable_header_keeps_the_line_as_it_is() {
        let t = proxies(&["192.0.2.0/28"]);
        // Anyone can send the header: from an address that is no trusted proxy it is ignored.
        assert_eq!(resolve(&t, "203.0.113.50", "8.8.8.8").0, "203.0.113.50");
        assert_eq!(resolve(&t, "203.0.113.50", "8.8.8.8").2, Forwarding::Untrusted);
        assert_eq!(resolve(&TrustedProxies::default(), "192.0.2.1", "8.8.8.8").2, Forwarding::Untrusted);
        assert_eq!(resolve(&t, "proxy.example.net", "203.0.113.7").0, "proxy.example.net");
        // A trusted proxy's header that does not name an address where it is read.
        for xff in [
            "unknown",
            "203.0.113.7, _hidden",
            "203.0.113.7 \\x22",
            "192.0.2.5, 8.8.8.8:x",
            "[2001:db8::1",
            "[2001:db8::1]x",
        ] {
            let (ip, proxy, o) = resolve(&t, "192.0.2.1", xff);
            assert_eq!((ip.as_str(), proxy.as_str()), ("192.0.2.1", ""), "{xff}");
            assert!(matches!(o, Forwarding::Unusable { .. }), "{xff}");
        }
        // Garbage left of the client is never reached.
        assert_eq!(resolve(&t, "192.0.2.1", "8.8.8.8 - - [, 203.0.113.7").0, "203.0.113.7");
        assert_eq!(resolve(&t, "192.0.2.1", "").2, Forwarding::NoHeader);
        assert_eq!(resolve(&t, "192.0.2.1", " , ").2, Forwarding::NoHeader);
    }
}
