//! Canonical remote addresses: one spelling per address, so the same client is one row
//! whatever the log wrote (`::ffff:1.2.3.4` is 1.2.3.4, IPv6 in RFC 5952 form). Text
//! that is not an address (a host name, `192.030.0.6`) is kept exactly as written,
//! never guessed into a different IP.

use std::net::{IpAddr, Ipv6Addr};

/// A remote address as a hash key: IPv4 and IPv6 as integers (one key per address,
/// however it was spelled), anything else as the exact bytes written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AddrKey<'a> {
    V4(u32),
    V6(u128),
    Text(&'a [u8]),
}

impl<'a> AddrKey<'a> {
    #[inline]
    pub fn of(raw: &'a [u8]) -> AddrKey<'a> {
        if let Some(v4) = parse_v4(raw) {
            return AddrKey::V4(v4);
        }
        if raw.contains(&b':') && !raw.contains(&b'%') {
            if let Some(v6) = std::str::from_utf8(raw).ok().and_then(|s| s.parse::<Ipv6Addr>().ok()) {
                return match v6.to_ipv4_mapped() {
                    Some(v4) => AddrKey::V4(v4.into()),
                    None => AddrKey::V6(v6.into()),
                };
            }
        }
        AddrKey::Text(raw)
    }

    /// The address's canonical spelling (see `canonical`).
    pub fn canonical(self) -> String {
        match self {
            AddrKey::V4(a) => std::net::Ipv4Addr::from(a).to_string(),
            AddrKey::V6(a) => Ipv6Addr::from(a).to_string(),
            AddrKey::Text(t) => canonical(t),
        }
    }
}

/// Parses dotted-quad IPv4 exactly as the standard library does (no leading zeros:
/// `192.030.0.6` is not an address here and stays text), without UTF-8 checks.
#[inline]
pub fn parse_v4(b: &[u8]) -> Option<u32> {
    if b.len() < 7 || b.len() > 15 {
        return None;
    }
    let (mut addr, mut octet, mut digits, mut dots) = (0u32, 0u32, 0u32, 0u32);
    for &c in b {
        if c == b'.' {
            if digits == 0 || dots == 3 {
                return None;
            }
            addr = addr << 8 | octet;
            (octet, digits, dots) = (0, 0, dots + 1);
        } else {
            let d = c.wrapping_sub(b'0') as u32;
            if d > 9 || (digits > 0 && octet == 0) {
                return None;
            }
            octet = octet * 10 + d;
            digits += 1;
            if octet > 255 {
                return None;
            }
        }
    }
    (dots == 3 && digits > 0).then_some(addr << 8 | octet)
}

/// The canonical spelling of a remote address as written.
pub fn canonical(raw: &[u8]) -> String {
    let mut out = String::new();
    push_canonical(&mut out, raw);
    out
}

/// Appends `canonical(raw)` to `out`.
pub fn push_canonical(out: &mut String, raw: &[u8]) {
    use std::fmt::Write;
    let Ok(text) = std::str::from_utf8(raw) else {
        return crate::vocab::text::push_lossless(out, raw);
    };
    // A zone id (`fe80::1%eth0`) is part of what was written; keep it after the address.
    let (addr, zone) = match text.split_once('%') {
        Some((a, z)) => (a, Some(z)),
        None => (text, None),
    };
    let _ = match addr.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => write!(out, "{v4}"),
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => write!(out, "{v4}"),
            None => match zone {
                Some(z) => write!(out, "{v6}%{z}"),
                None => write!(out, "{v6}"),
            },
        },
        Err(_) => {
            out.push_str(text);
            Ok(())
        }
    };
}

/// The parsed address of a canonical string, if it is one.
pub fn parse(canonical: &str) -> Option<IpAddr> {
    canonical.parse().ok()
}

/// True for addresses that are this host talking to itself.
pub fn is_loopback(canonical: &str) -> bool {
    match parse(canonical) {
        Some(IpAddr::V4(v4)) => v4.is_loopback(),
        Some(IpAddr::V6(v6)) => v6 == Ipv6Addr::LOCALHOST,
        None => canonical.eq_ignore_ascii_case("localhost"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_spelling_per_address() {
        assert_eq!(canonical(b"::ffff:218.249.210.161"), "218.249.210.161");
        assert_eq!(canonical(b"2001:DB8:0:0::1"), "2001:db8::1");
        assert_eq!(canonical(b"192.030.0.6"), "192.030.0.6");
        assert_eq!(canonical(b"example.com"), "example.com");
        assert_eq!(canonical(b"fe80::1%eth0"), "fe80::1%eth0");
        assert_eq!(canonical(b"\xff1.2.3.4"), "\\xff1.2.3.4");
        assert!(is_loopback("127.0.0.1") && is_loopback("::1") && !is_loopback("10.0.0.1"));
    }

    #[test]
    fn fast_ipv4_parser_agrees_with_std() {
        for s in [
            "1.2.3.4",
            "0.0.0.0",
            "255.255.255.255",
            "256.1.1.1",
            "01.2.3.4",
            "1.2.3",
            "1.2.3.4.5",
            "1..2.3",
            "1.2.3.",
            "a.b.c.d",
            "10.0.0.10",
            "192.030.0.6",
        ] {
            let ours = parse_v4(s.as_bytes()).map(std::net::Ipv4Addr::from);
            assert_eq!(ours, s.parse().ok(), "{s}");
        }
        assert_eq!(AddrKey::of(b"::ffff:1.2.3.4"), AddrKey::of(b"1.2.3.4"));
        assert_eq!(AddrKey::of(b"2001:DB8::1"), AddrKey::of(b"2001:db8:0::1"));
        assert_eq!(AddrKey::of(b"example.com"), AddrKey::Text(b"example.com"));
    }
}
