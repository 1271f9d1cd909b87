//! Canonical remote addresses: one spelling per address, so the same client is one row
//! whatever the log wrote (`::ffff:1.2.3.4` is 1.2.3.4, IPv6 in RFC 5952 form). Text
//! that is not an address (a host name, `192.030.0.6`) is kept exactly as written,
//! never guessed into a different IP.

use std::net::{IpAddr, Ipv6Addr};

use crate::text::lossless;

pub fn canonical(raw: &[u8]) -> String {
    let Ok(text) = std::str::from_utf8(raw) else {
        return lossless(raw);
    };
    // A zone id (`fe80::1%eth0`) is part of what was written; keep it after the address.
    let (addr, zone) = match text.split_once('%') {
        Some((a, z)) => (a, Some(z)),
        None => (text, None),
    };
    match addr.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => match zone {
                Some(z) => format!("{v6}%{z}"),
                None => v6.to_string(),
            },
        },
        Err(_) => text.to_owned(),
    }
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
}
