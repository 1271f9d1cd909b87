//! lighttpd error log: `2011-12-25 17:09:20: (mod_auth.c.875) message[, ]IP: A`. lighttpd
//! writes the client address last, after any attacker text (URI, user name).

use super::access::iso_date_time;
use super::util::{find, is_ip_like, rfind, trim};
use crate::vocab::event::{EventTag, ParsedLine};
use memchr::memchr;

pub fn parse(line: &[u8]) -> Option<ParsedLine<'_>> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let (time, used) = iso_date_time(line)?;
    if line[10] != b' ' {
        return None;
    }
    let rest = line[used..].strip_prefix(b": ")?;
    let mut parsed = parse_syslog_message(rest)?;
    parsed.time = Some(time);
    Some(parsed)
}

/// The message of a lighttpd error line without its stamp: what `server.errorlog-use-syslog`
/// sends to syslog (`lighttpd[1]: (mod_auth.c.875) ... IP: A`).
pub fn parse_syslog_message(rest: &[u8]) -> Option<ParsedLine<'_>> {
    let rest = rest.strip_suffix(b"\r").unwrap_or(rest);
    // `(file.c.123) `; lighttpd 1.4.5x+ may drop the opening parenthesis.
    let rest = rest.strip_prefix(b"(").unwrap_or(rest);
    let close = memchr(b')', rest)?;
    let source = &rest[..close];
    let dot_c = find(source, b".c.")?;
    let name_ok = dot_c > 0 && source[..dot_c].iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_');
    if !name_ok || source.len() == dot_c + 3 || !source[dot_c + 3..].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let message = trim(&rest[close + 1..]);

    let mut parsed = ParsedLine { program: &source[..dot_c], message, ..ParsedLine::default() };
    let text_end = match client_at_end(message) {
        Some((at, ip)) => {
            parsed.ip = ip;
            at
        }
        None => message.len(),
    };
    classify(&mut parsed, &message[..text_end]);
    if parsed.ip.is_empty() {
        suhosin_alert(&mut parsed);
    }
    Some(parsed)
}

/// suhosin alerts relayed from PHP (`FastCGI-stderr: ALERT - ... (attacker 'A', file
/// 'F', line N)`): the variable names before it are the client's, so only the last
/// `(attacker '` counts.
fn suhosin_alert(p: &mut ParsedLine<'_>) {
    let msg = p.message;
    if find(msg, b"ALERT - ").is_none() {
        return;
    }
    p.tag = EventTag::SecurityAlert;
    if let Some(at) = rfind(msg, b"(attacker '") {
        let value = &msg[at + 11..];
        if let Some(end) = find(value, b"', file '") {
            p.ip = Some(&value[..end]).filter(|ip| is_ip_like(ip)).unwrap_or_default();
        }
    }
}

/// The trailing `IP: A` (after a space or `, `): where the marker starts and the address.
/// Only the last one counts, and only when nothing follows the address.
fn client_at_end(message: &[u8]) -> Option<(usize, &[u8])> {
    let at = rfind(message, b"IP: ")?;
    let ip = &message[at + 4..];
    if !is_ip_like(ip) || (at > 0 && message[at - 1] != b' ') {
        return None;
    }
    Some((at, ip))
}

/// Tag, user and path from the message text before `IP:`.
fn classify<'a>(p: &mut ParsedLine<'a>, text: &'a [u8]) {
    // Text before `IP:` ends in `, ` or ` ` depending on the version.
    let text = trim(text);
    let text = trim(text.strip_suffix(b",").unwrap_or(text));
    if let Some(rest) = text.strip_prefix(b"password doesn't match for ") {
        // `... for /uri username: NAME`: the URI comes first, so the last marker is
        // the one lighttpd wrote unless the user name itself holds one.
        p.tag = EventTag::AuthPasswordMismatch;
        if let Some(at) = rfind(rest, b" username: ") {
            p.path = &rest[..at];
            p.user = &rest[at + 11..];
        }
    } else if let Some(rest) = text.strip_prefix(b"digest: auth failed") {
        // `digest: auth failed for  NAME : wrong password` and `digest: auth failed: uri
        // mismatch (...)`: both are a failed credential check.
        p.tag = EventTag::AuthPasswordMismatch;
        if let Some(named) = rest.strip_prefix(b" for ") {
            if let Some(at) = rfind(named, b": wrong password") {
                p.user = trim(&named[..at]);
            }
        }
    } else if text.starts_with(b"get_password failed") {
        p.tag = EventTag::AuthUserNotFound;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(line: &[u8]) -> ParsedLine<'_> {
        parse(line).unwrap_or_else(|| panic!("no parse: {}", String::from_utf8_lossy(line)))
    }

    #[test]
    fn auth_failures() {
        let l = p(
            b"2011-12-25 17:09:20: (http_auth.c.875) password doesn't match for /gitweb/ username: bob, IP: 192.0.2.4",
        );
        assert_eq!(
            (l.ip, l.tag, l.user, l.path),
            (&b"192.0.2.4"[..], EventTag::AuthPasswordMismatch, &b"bob"[..], &b"/gitweb/"[..])
        );
        assert_eq!(l.program, b"http_auth");
        let t = l.time.unwrap();
        assert_eq!((t.year, t.month, t.day, t.hour, t.second, t.offset_secs), (2011, 12, 25, 17, 20, None));

        let l =
            p(b"2021-09-30 16:05:33: mod_auth.c.828) password doesn't match for /secure/ username: test IP: 192.0.2.2");
        assert_eq!((l.ip, l.user, l.program), (&b"192.0.2.2"[..], &b"test"[..], &b"mod_auth"[..]));
        let l = p(
            b"2012-09-26 10:24:35: (http_auth.c.1136) digest: auth failed for  xxx : wrong password, IP: 192.0.2.5\r",
        );
        assert_eq!((l.ip, l.tag, l.user), (&b"192.0.2.5"[..], EventTag::AuthPasswordMismatch, &b"xxx"[..]));
        let l = p(b"2021-09-30 17:44:37: (mod_auth.c.791) digest: auth failed: uri mismatch (/uri1 != /uri2), IP: 2001:db8::4");
        assert_eq!((l.ip, l.tag, l.user), (&b"2001:db8::4"[..], EventTag::AuthPasswordMismatch, &b""[..]));
        let l = p(b"2013-08-25 00:24:55: (http_auth.c.877) get_password failed, IP: 192.0.2.6");
        assert_eq!((l.ip, l.tag), (&b"192.0.2.6"[..], EventTag::AuthUserNotFound));
    }

    #[test]
    fn injected_address_is_ignored() {
        // The user name carries a fake `IP:`; the real one ends the line.
        let l = p(b"2018-01-16 14:10:32: (mod_auth.c.525) password doesn't match for /x username: a, IP: 198.51.100.1, IP: 192.0.2.7");
        assert_eq!(l.ip, b"192.0.2.7");
        // Text after the address means the marker is not lighttpd's.
        let l = p(b"2018-01-16 14:10:32: (response.c.1) uri: /x?IP: 198.51.100.1 was bad");
        assert!(l.ip.is_empty());
        let l = p(b"2011-03-11 22:52:12: (mod_fastcgi.c.2676) FastCGI-stderr: ALERT - dropped variable 'x(attacker '198.51.100.2', file '/y')' (attacker '192.0.2.167', file '/usr/local/www/index.php')");
        assert_eq!((l.ip, l.tag), (&b"192.0.2.167"[..], EventTag::SecurityAlert));
        let l = p(b"2018-01-16 14:10:32: (server.c.1588) server started (lighttpd/1.4.69)");
        assert_eq!((l.ip, l.tag, l.program), (&b""[..], EventTag::Other, &b"server"[..]));
    }

    #[test]
    fn other_formats_are_rejected() {
        for line in [
            &b"2011-12-25T17:09:20: (http_auth.c.875) password doesn't match"[..],
            b"2011-12-25 17:09:20 (http_auth.c.875) x",
            b"2011-12-25 17:09:20: (http_auth.875) x",
            b"2011-12-25 17:09:20: hello world",
            b"2015/01/21 10:56:10 [error] 2833#0: *16336 x",
            b"",
        ] {
            assert!(parse(line).is_none(), "{}", String::from_utf8_lossy(line));
        }
    }

    #[test]
    fn garbage_and_truncations_never_panic() {
        let valid =
            b"2012-09-26 10:24:35.5: (http_auth.c.1136) digest: auth failed for  x : wrong password, IP: 192.0.2.5";
        for cut in 0..=valid.len() {
            let _ = parse(&valid[..cut]);
            let _ = parse(&valid[cut..]);
        }
        let mut rng = 0xA076_1D64_78BD_642Fu64;
        let alphabet = b" :.()-,0123456789IPc\xff";
        let mut buf = Vec::new();
        for _ in 0..20_000 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            buf.clear();
            buf.extend_from_slice(valid);
            for k in 0..3 {
                let at = (rng >> (k * 8)) as usize % buf.len();
                buf[at] = alphabet[(rng >> (k * 8 + 24)) as usize % alphabet.len()];
            }
            let _ = parse(&buf);
        }
    }
}
