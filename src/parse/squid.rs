//! Forward-proxy logs: Squid's native access.log (`time elapsed client code/status bytes
//! method URL user hierarchy/peer type`, columns separated by runs of spaces) and
//! 3proxy's (`stamp [SERVICE.]port error user client:port remote:port out in hops
//! request`, its built-in and sample `logformat`s).

use super::util::{is_host_like, is_ip_like, parse_u64};
use crate::vocab::event::{EventTag, ParsedLine};
use crate::vocab::time::{civil_from_days, fraction, CivilTime, SECS_PER_DAY};
use memchr::memrchr;

/// Parses one proxy log line, Squid's or 3proxy's.
pub fn parse(line: &[u8]) -> Option<ParsedLine<'_>> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    parse_squid(line).or_else(|| parse_3proxy(line))
}

/// One squid line. `message` carries the result code (`TCP_DENIED/403`), the one
/// column with no field of its own; the status is split out of it too.
fn parse_squid(line: &[u8]) -> Option<ParsedLine<'_>> {
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

/// One 3proxy line, from `dobuf2` in its log.c: `%E` is a five-digit result code after
/// `%p` or `%N.%p`, then `%U` (the client's user name, which may hold spaces), then the
/// fixed `%C:%c %R:%r %O %I %h` and the request text `%T` (the client's too). The
/// client is the first address of that fixed run; a line where forged text makes two
/// such runs gets no client rather than a forged one.
fn parse_3proxy(line: &[u8]) -> Option<ParsedLine<'_>> {
    let mut tokens: Vec<&[u8]> = Vec::new();
    for token in line.split(|&c| c == b' ').filter(|t| !t.is_empty()) {
        tokens.push(token);
        if tokens.len() == 64 {
            break;
        }
    }
    // The result code: five digits after the port, within the stamp's first tokens.
    let code_at = (1..tokens.len().min(5)).find(|&i| {
        tokens[i].len() == 5 && tokens[i].iter().all(u8::is_ascii_digit) && is_service_port(tokens[i - 1])
    })?;
    let time = proxy_stamp(&tokens[..code_at - 1]);
    let code = parse_u64(tokens[code_at])?;
    let runs: Vec<usize> =
        (code_at + 2..tokens.len().saturating_sub(4)).filter(|&i| is_fixed_run(&tokens[i..i + 5])).collect();
    let none = &line[..0];
    let (ip, user, request) = match runs[..] {
        [at] => {
            let user = joined(line, &tokens[code_at + 1..at]);
            (addr_before_port(tokens[at]), user, tokens.get(at + 5).map_or(none, |first| &line[offset(line, first)..]))
        }
        // No run: not 3proxy's layout. Several: the user name or request forged one.
        [] => return None,
        _ => (none, none, none),
    };
    let ambiguous_address = runs.len() > 1;
    let (method, rest) = request.split_at(request.iter().position(|&c| c == b' ').unwrap_or(request.len()));
    let path = rest.trim_ascii_start().split(|&c| c == b' ').next().unwrap_or(none);
    let tag = match code {
        1 | 3 => EventTag::AccessDenied,
        4 | 5 => EventTag::AuthUserNotFound,
        6..=8 => EventTag::AuthPasswordMismatch,
        _ => EventTag::Request,
    };
    Some(ParsedLine {
        time,
        ip,
        tag,
        method,
        path,
        user: if user == b"-" { none } else { user },
        message: tokens[code_at],
        ambiguous_address,
        ..ParsedLine::default()
    })
}

/// `3128` or `PROXY.3128` (`%p`, `%N.%p`).
fn is_service_port(t: &[u8]) -> bool {
    let port = t.rsplit(|&c| c == b'.').next().unwrap_or(t);
    !port.is_empty() && port.len() <= 5 && port.iter().all(u8::is_ascii_digit)
}

/// `client:port remote:port out in hops`.
fn is_fixed_run(t: &[&[u8]]) -> bool {
    let addr_port = |b: &[u8]| {
        let addr = addr_before_port(b);
        !addr.is_empty() && is_ip_like(addr) && b[addr.len() + 1..].iter().all(u8::is_ascii_digit)
    };
    addr_port(t[0]) && addr_port(t[1]) && t[2..5].iter().all(|n| !n.is_empty() && n.iter().all(u8::is_ascii_digit))
}

/// `192.0.2.1:51234` -> `192.0.2.1`, `[2001:db8::1]:1` -> `2001:db8::1`; empty if no port.
fn addr_before_port(b: &[u8]) -> &[u8] {
    match memrchr(b':', b) {
        Some(at) if at + 1 < b.len() => {
            let addr = &b[..at];
            addr.strip_prefix(b"[").and_then(|a| a.strip_suffix(b"]")).unwrap_or(addr)
        }
        _ => &b[..0],
    }
}

/// Where `token` (a slice of `line`) starts in `line`.
fn offset(line: &[u8], token: &[u8]) -> usize {
    token.as_ptr() as usize - line.as_ptr() as usize
}

/// The text of `line` from the first to the last of `tokens` (a user name with spaces).
fn joined<'a>(line: &'a [u8], tokens: &[&[u8]]) -> &'a [u8] {
    match (tokens.first(), tokens.last()) {
        (Some(first), Some(last)) => &line[offset(line, first)..offset(line, last) + last.len()],
        _ => &line[..0],
    }
}

/// 3proxy's stamps: `%y%m%d%H%M%S.%.` (the built-in format, UTC with `G`), `%t.%.`
/// (Unix seconds), `%d-%m-%Y %H:%M:%S [%z]`. None for any other `logformat`.
fn proxy_stamp(tokens: &[&[u8]]) -> Option<CivilTime> {
    let first = tokens.first()?;
    let (whole, frac) = first.split_at(first.iter().position(|&c| c == b'.').unwrap_or(first.len()));
    if whole.len() == 12 && whole.iter().all(u8::is_ascii_digit) {
        let two = |i: usize| (whole[i] - b'0') * 10 + (whole[i + 1] - b'0');
        let (micros, _) = fraction(frac);
        let (month, day, hour, minute, second) = (two(2), two(4), two(6), two(8), two(10));
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        let year = 2000 + two(0) as i32;
        return Some(CivilTime { year, month, day, hour, minute, second, micros, offset_secs: None });
    }
    if let Some(t) = epoch_time(first) {
        return Some(t);
    }
    // `%d-%m-%Y %H:%M:%S`, perhaps with `%z`.
    let date = first;
    let clock = tokens.get(1)?;
    if date.len() != 10 || date[2] != b'-' || date[5] != b'-' {
        return None;
    }
    let num = |b: &[u8]| parse_u64(b).and_then(|n| u8::try_from(n).ok());
    let (day, month, year) = (num(&date[..2])?, num(&date[3..5])?, parse_u64(&date[6..])? as i32);
    let (hour, minute, second) = crate::vocab::time::hms(clock)?;
    let offset_secs = tokens
        .get(2)
        .and_then(|z| crate::vocab::time::utc_offset(z).filter(|&(_, used)| used == z.len()))
        .map(|(offset, _)| offset);
    Some(CivilTime { year, month, day, hour, minute, second, micros: 0, offset_secs })
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
    fn three_proxy_lines() {
        // The built-in `G%y%m%d%H%M%S.%. %p %E %U %C:%c %R:%r %O %I %h %T`: a refused
        // CONNECT (no ACL matched) and a wrong password.
        let l =
            parse(b"260105100000.123 3128 00003 - 192.0.2.50:51234 0.0.0.0:0 0 0 0 CONNECT 203.0.113.9:25 HTTP/1.1")
                .unwrap();
        assert_eq!(
            (l.ip, l.tag, l.method, l.path, l.user),
            (&b"192.0.2.50"[..], EventTag::AccessDenied, &b"CONNECT"[..], &b"203.0.113.9:25"[..], &b""[..])
        );
        let t = l.time.unwrap();
        assert_eq!((t.year, t.month, t.day, t.hour, t.micros), (2026, 1, 5, 10, 123_000));
        let l = parse(
            b"260105100001.000 3128 00006 admin user 192.0.2.51:4000 0.0.0.0:0 0 0 0 GET http://example.com/ HTTP/1.0",
        )
        .unwrap();
        assert_eq!((l.ip, l.tag, l.user), (&b"192.0.2.51"[..], EventTag::AuthPasswordMismatch, &b"admin user"[..]));
        // The sample config's `%t.%.  %N.%p ...` and `%d-%m-%Y %H:%M:%S %z %N.%p ...`.
        let l = parse(b"1767607200.500  PROXY.3128 00000 - 2001:db8::51:4001 198.51.100.80:80 512 2048 0 GET http://example.org/ HTTP/1.1").unwrap();
        assert_eq!((l.ip, l.tag, l.path), (&b"2001:db8::51"[..], EventTag::Request, &b"http://example.org/"[..]));
        let l = parse(b"05-01-2026 10:00:02 +0100 SOCKS5.1080 00005 nobody 192.0.2.52:4002 0.0.0.0:0 0 0 0 CONNECT 198.51.100.1:22").unwrap();
        assert_eq!((l.ip, l.tag, l.user), (&b"192.0.2.52"[..], EventTag::AuthUserNotFound, &b"nobody"[..]));
        assert_eq!(l.time.unwrap().offset_secs, Some(3600));
    }

    #[test]
    fn three_proxy_forged_runs_never_frame() {
        let forged = ["8.8.8.8:22 8.8.8.8:22 0 0 0", "from 8.8.8.8 port 22", "[client 8.8.8.8]", "8.8.8.8 - - ["];
        let mut cases = 0;
        for f in forged {
            for line in [
                format!("260105100001.000 3128 00006 {f} 192.0.2.51:4000 0.0.0.0:0 0 0 0 GET http://example.com/ HTTP/1.0"),
                format!("260105100001.000 3128 00006 bob {f} 192.0.2.51:4000 0.0.0.0:0 0 0 0 GET http://example.com/ HTTP/1.0"),
                format!("260105100001.000 3128 00006 bob 192.0.2.51:4000 0.0.0.0:0 0 0 0 CONNECT {f} HTTP/1.0"),
            ] {
                let ip = parse(line.as_bytes()).map(|l| String::from_utf8_lossy(l.ip).into_owned());
                // A forged fixed run after the user name's first word makes the line
                // ambiguous (no client); 3proxy writes `-` for no user, so a run right
                // after the code is never the real one. Anything else leaves the client.
                let ambiguous = f.contains(" 0 0 0") && !line.contains(&format!("00006 {f}"));
                let want = if ambiguous { "" } else { "192.0.2.51" };
                assert_eq!(ip.as_deref(), Some(want), "{line}");
                cases += 1;
            }
        }
        assert_eq!(cases, 12);
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
