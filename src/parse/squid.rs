//! Squid's native access.log: `time elapsed client code/status bytes method URL user
//! hierarchy/peer type`, columns separated by runs of spaces.

use super::util::{is_host_like, is_ip_like, parse_u64};
use crate::vocab::event::{EventTag, ParsedLine};
use crate::vocab::time::{civil_from_days, fraction, CivilTime, SECS_PER_DAY};
use memchr::memrchr;

/// Parses one squid line. `message` carries the result code (`TCP_DENIED/403`), the
/// one column with no field of its own; the status is split out of it too.
pub fn parse(line: &[u8]) -> Option<ParsedLine<'_>> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let mut columns = line.split(|&c| c == b' ').filter(|c| !c.is_empty());

    let time = epoch_time(columns.next()?)?;
    parse_u64(columns.next()?)?; // elapsed milliseconds
    let ip = columns.next()?;
    if ip == b"-" || !(is_ip_like(ip) || is_host_like(ip)) {
        return None;
    }
    let code = columns.next()?;
    let slash = memrchr(b'/', code)?;
    let (result, status) = (&code[..slash], &code[slash + 1..]);
    if result.is_empty() || !result.iter().all(|c| c.is_ascii_uppercase() || *c == b'_') || status.len() != 3 {
        return None;
    }
    let status = parse_u64(status)? as u16;
    let bytes = Some(parse_u64(columns.next()?)?);

    let none = &line[..0];
    let method = columns.next().unwrap_or(none);
    let path = columns.next().unwrap_or(none);
    let user = columns.next().filter(|u| *u != b"-").unwrap_or(none);

    Some(ParsedLine {
        time: Some(time),
        ip,
        tag: EventTag::Request,
        method,
        path,
        status,
        bytes,
        user,
        message: code,
        ..ParsedLine::default()
    })
}

/// `1386543323.000`: Unix seconds with optional milliseconds, as a UTC civil time.
/// Nine to eleven integer digits keeps other number-led formats out.
fn epoch_time(b: &[u8]) -> Option<CivilTime> {
    let dot = b.iter().position(|&c| c == b'.').unwrap_or(b.len());
    let (whole, frac) = b.split_at(dot);
    if !(9..=11).contains(&whole.len()) {
        return None;
    }
    let secs = parse_u64(whole)? as i64;
    let (micros, used) = fraction(frac);
    if used != frac.len() {
        return None;
    }
    let (year, month, day) = civil_from_days(secs / SECS_PER_DAY);
    let sod = secs % SECS_PER_DAY;
    Some(CivilTime {
        year,
        month: month as u8,
        day: day as u8,
        hour: (sod / 3600) as u8,
        minute: (sod % 3600 / 60) as u8,
        second: (sod % 60) as u8,
        micros,
        offset_secs: Some(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::time::{format_ts, LocalZone};

    #[test]
    fn native_line() {
        let l = parse(b"1386543323.000      4 192.0.2.227 TCP_DENIED/403 4099 GET http://www.example.de/azenv.php - HIER_NONE/- text/html").unwrap();
        assert_eq!(l.ip, b"192.0.2.227");
        assert_eq!((l.status, l.bytes), (403, Some(4099)));
        assert_eq!(
            (l.method, l.path, l.message),
            (&b"GET"[..], &b"http://www.example.de/azenv.php"[..], &b"TCP_DENIED/403"[..])
        );
        assert!(l.user.is_empty());
        let ts = l.time.unwrap().to_utc_micros(0, &LocalZone::Utc).unwrap();
        assert_eq!(format_ts(ts), "2013-12-08T22:55:23Z");
    }

    #[test]
    fn connect_ipv6_user_and_fraction() {
        let l = parse(b"1700000000.123  12034 2001:db8::3 TCP_TUNNEL/200 5120 CONNECT example.com:443 alice HIER_DIRECT/203.0.113.5 -\r").unwrap();
        assert_eq!(
            (l.ip, l.method, l.path, l.user),
            (&b"2001:db8::3"[..], &b"CONNECT"[..], &b"example.com:443"[..], &b"alice"[..])
        );
        assert_eq!(l.time.unwrap().micros, 123_000);
        let l = parse(b"1700000000.123      0 198.51.100.2 NONE_NONE/000 0 - error:invalid-request - HIER_NONE/- -")
            .unwrap();
        assert_eq!((l.status, l.method), (0, &b"-"[..]));
    }

    #[test]
    fn other_formats_are_rejected() {
        for line in [
            &b"192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 2326"[..],
            b"1386543323.000 4 192.0.2.1 TCP_DENIED 4099 GET http://x/",
            b"13865.000 4 192.0.2.1 TCP_DENIED/403 4099 GET http://x/",
            b"2026/01/06 02:32:23 [error] 12#0: *1 limiting requests",
            b"",
        ] {
            assert!(parse(line).is_none(), "{}", String::from_utf8_lossy(line));
        }
    }

    #[test]
    fn garbage_and_truncations_never_panic() {
        let valid = b"1386543323.000      4 192.0.2.227 TCP_DENIED/403 4099 GET http://x/y - HIER_NONE/- text/html";
        for cut in 0..=valid.len() {
            let _ = parse(&valid[..cut]);
            let _ = parse(&valid[cut..]);
        }
        let mut rng = 0x2545_F491_4F6C_DD1Du64;
        let alphabet = b" ./0123456789TCP_DENIED-\xff";
        let mut buf = Vec::new();
        for _ in 0..20_000 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            buf.clear();
            buf.extend_from_slice(valid);
            let at = (rng as usize) % buf.len();
            buf[at] = alphabet[(rng >> 32) as usize % alphabet.len()];
            buf.truncate((rng >> 16) as usize % (valid.len() + 1));
            let _ = parse(&buf);
        }
    }
}
