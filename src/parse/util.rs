//! Small byte-scanning helpers the parsers share: fields, numbers, addresses.

/// True for a line with nothing but whitespace.
#[inline]
pub fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|c| c.is_ascii_whitespace())
}

/// Strips ASCII whitespace at both ends.
#[inline]
pub fn trim(b: &[u8]) -> &[u8] {
    b.trim_ascii()
}

/// Splits off the first space-delimited token: (token, rest after the space).
#[inline]
pub fn token(b: &[u8]) -> (&[u8], &[u8]) {
    match memchr::memchr(b' ', b) {
        Some(i) => (&b[..i], &b[i + 1..]),
        None => (b, &[]),
    }
}

/// Skips leading spaces.
#[inline]
pub fn skip_spaces(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|&&c| c == b' ').count();
    &b[n..]
}

/// Parses a whole slice as an unsigned decimal number (no sign, no spaces).
#[inline]
pub fn parse_u64(b: &[u8]) -> Option<u64> {
    if b.is_empty() || b.len() > 19 {
        return None;
    }
    let mut v = 0u64;
    for &c in b {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + d as u64;
    }
    Some(v)
}

/// True when `b` could be an IPv4 or IPv6 address as logs write them (digits, dots,
/// hex and colons; leading zeros allowed). Cheap shape check, not validation.
#[inline]
pub fn is_ip_like(b: &[u8]) -> bool {
    if b.len() < 2 || b.len() > 45 {
        return false;
    }
    let (mut dots, mut colons) = (0, 0);
    for &c in b {
        match c {
            b'.' => dots += 1,
            b':' => colons += 1,
            b'0'..=b'9' => {}
            b'a'..=b'f' | b'A'..=b'F' if colons > 0 || !b.contains(&b'.') => {}
            b'%' => {}
            _ => return false,
        }
    }
    (dots == 3 && colons == 0 && b[0].is_ascii_digit()) || colons >= 2
}

/// True when `b` is a plausible host name (letters, digits, `-`, `.`, `_`), for logs
/// that record the remote host as a name.
#[inline]
pub fn is_host_like(b: &[u8]) -> bool {
    !b.is_empty() && b.len() <= 253 && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_'))
}

/// Splits `IP:port`, `[IPv6]:port` or a bare address into the address as written.
/// A bare IPv6 address (several colons, no brackets) is returned whole.
#[inline]
pub fn strip_port(b: &[u8]) -> &[u8] {
    if let Some(rest) = b.strip_prefix(b"[") {
        if let Some(end) = memchr::memchr(b']', rest) {
            return &rest[..end];
        }
        return b;
    }
    let colons = memchr::memchr_iter(b':', b).count();
    if colons == 1 {
        let i = memchr::memchr(b':', b).unwrap_or(b.len());
        return &b[..i];
    }
    if colons > 2 {
        // `2001:db8::1:58430` (haproxy) is ambiguous; only a dotted tail like
        // `::ffff:1.2.3.4:5555` can be split safely.
        if let Some(i) = memchr::memrchr(b':', b) {
            let (head, port) = (&b[..i], &b[i + 1..]);
            if head.contains(&b'.') && parse_u64(port).is_some() && !port.contains(&b'.') {
                return head;
            }
        }
    }
    b
}

/// Finds `needle` in `hay`.
#[inline]
pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

/// Finds the last `needle` in `hay`.
#[inline]
pub fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::rfind(hay, needle)
}

/// What follows `prefix`, compared ASCII case-insensitively (`Authentication` and
/// `authentication` in sshd, `bad`/`Bad` in dropbear).
pub fn after_ignore_case<'a>(s: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &s[prefix.len()..])
}

/// An address as sshd writes it: an IP, or a host name when UseDNS is on. sshd writes
/// `UNKNOWN` once the socket is gone (`Connection closed by UNKNOWN port 65535`).
pub fn is_remote(b: &[u8]) -> bool {
    (is_ip_like(b) || is_host_like(b)) && b.iter().any(u8::is_ascii_alphanumeric) && !b.eq_ignore_ascii_case(b"unknown")
}

/// `b` if it is an address, else empty.
pub fn remote(b: &[u8]) -> &[u8] {
    if is_remote(b) {
        b
    } else {
        &[]
    }
}

/// For the parsers' injection tests: text a client can put into any field it
/// controls, each shaped like the place some parser takes an address from (sshd
/// tails, PAM fields, web error and access logs), or ending a line early, or forging
/// a second syslog line after a newline (raw, or rsyslog's `#012`).
#[cfg(test)]
pub(crate) const ADDRESS_INJECTIONS: [&str; 13] = [
    "from 8.8.8.8 port 22",
    "x from 8.8.8.8 port 22 ssh2: y",
    " 8.8.8.8 port 22",
    " 8.8.8.8 port 22: no matching cipher found. Their offer: a",
    " rhost=8.8.8.8",
    "[client 8.8.8.8]",
    "client: 8.8.8.8,",
    "8.8.8.8 - - [",
    " user=8.8.8.8",
    " port 22 ssh2",
    " [preauth]",
    "\nMar  3 10:00:01 host sshd[4243]: Failed password for root from 8.8.8.8 port 22 ssh2",
    "#012Mar  3 10:00:01 host sshd[4243]: Failed password for root from 8.8.8.8 port 22 ssh2",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_stripped_only_where_unambiguous() {
        assert_eq!(strip_port(b"1.2.3.4:5678"), b"1.2.3.4");
        assert_eq!(strip_port(b"[2001:db8::1]:443"), b"2001:db8::1");
        assert_eq!(strip_port(b"2001:db8::1"), b"2001:db8::1");
        assert_eq!(strip_port(b"::ffff:1.2.3.4:5555"), b"::ffff:1.2.3.4");
        assert_eq!(strip_port(b"1.2.3.4"), b"1.2.3.4");
    }

    #[test]
    fn ip_shapes() {
        assert!(is_ip_like(b"192.030.0.6"));
        assert!(is_ip_like(b"2001:db8::1"));
        assert!(is_ip_like(b"::ffff:1.2.3.4"));
        assert!(!is_ip_like(b"example.com"));
        assert!(!is_ip_like(b"1.2.3"));
    }
}
