//! Apache/nginx access-log lines: common, combined, vhost_combined, and the setups that
//! append fields after the user agent (traefik, request times, X-Forwarded-For, ...).
//! Also home of the request-line splitter and ISO date reader the error parsers share.

use super::util::{is_host_like, is_ip_like, parse_u64, strip_port, token, trim};
use crate::vocab::address::parse_v4;
use crate::vocab::event::{EventTag, ParsedLine};
use crate::vocab::time::{digits, fraction, hms, month_from_abbrev, utc_offset, CivilTime};
use memchr::{memchr, memrchr};

/// Tokens allowed before `[time]`: `vhost client ident user`, plus one spare for a user
/// name with a space in it (neither Apache nor nginx escapes spaces in `%u`).
const MAX_FRAME_TOKENS: usize = 5;

/// Parses one access-log line. The frame `client ident user [time] "request" status` must
/// be there; everything after the status (bytes, referer, agent, extras) is optional.
pub fn parse(line: &[u8]) -> Option<ParsedLine<'_>> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);

    // Space-separated tokens up to the one that opens with '[' (the time). Counting them
    // tells common from vhost_combined; the time itself is the real format check.
    let mut starts = [0usize; MAX_FRAME_TOKENS];
    let mut ends = [0usize; MAX_FRAME_TOKENS];
    let mut count = 0;
    let mut pos = 0;
    loop {
        let rest = line.get(pos..)?;
        if count >= 3 && rest.first() == Some(&b'[') {
            break;
        }
        if count == MAX_FRAME_TOKENS {
            return None;
        }
        let len = memchr(b' ', rest)?;
        if len == 0 {
            return None;
        }
        starts[count] = pos;
        ends[count] = pos + len;
        count += 1;
        pos += len + 1;
    }
    let tok = |i: usize| &line[starts[i]..ends[i]];

    let (mut vhost, client_at) =
        if count >= 4 && looks_like_vhost(tok(0), tok(1)) { (tok(0), 1) } else { (&line[..0], 0) };
    if count < client_at + 3 {
        return None;
    }
    let ip = strip_port(tok(client_at));
    let ip_v4 = parse_v4(ip);
    if ip_v4.is_none() && !is_client(ip) {
        return None;
    }
    // Whatever sits between ident and the time is the user, spaces included; `-`
    // (or `- -` from formats with one more dash field) is no user.
    let user = &line[starts[client_at + 2]..ends[count - 1]];
    let user = if user.iter().all(|&c| c == b'-' || c == b' ') { &user[..0] } else { user };

    let stamp = &line[pos..];
    let close = memchr(b']', stamp)?;
    let time = access_time(&stamp[1..close])?;
    let mut rest = stamp.get(close + 1..)?.strip_prefix(b" ")?;

    // `%t %v "%r"` setups put the virtual host after the time.
    if rest.first() != Some(&b'"') {
        let (host, after) = token(rest);
        if !is_host_like(strip_port(host)) || after.first() != Some(&b'"') {
            return None;
        }
        if vhost.is_empty() && host != b"-" {
            vhost = host;
        }
        rest = after;
    }

    let (request, after_request) = request_field(&rest[1..])?;
    let (method, path, protocol) = split_request(request);

    // `after_request` is " STATUS[ BYTES[ ...]]", checked by `request_field`.
    let (status_tok, mut rest) = token(&after_request[1..]);
    let status = if status_tok == b"-" { 0 } else { parse_u64(status_tok)? as u16 };

    let mut bytes = None;
    let (bytes_tok, after_bytes) = token(rest);
    if bytes_tok == b"-" || parse_u64(bytes_tok).is_some() {
        bytes = parse_u64(bytes_tok);
        rest = after_bytes;
    }
    // Some formats put request times or sizes before the referer (`%b %D "%{Referer}i"`).
    for _ in 0..2 {
        let (extra, after) = token(rest);
        if parse_u64(extra).is_none() {
            break;
        }
        rest = after;
    }

    let (mut referer, mut user_agent) = (&line[..0], &line[..0]);
    if let Some((value, after)) = quoted_field(rest) {
        referer = absent_if_dash(value);
        if let Some((value, _)) = quoted_field(after) {
            user_agent = absent_if_dash(value);
        }
    }

    Some(ParsedLine {
        time: Some(time),
        ip,
        ip_v4,
        tag: EventTag::Request,
        vhost,
        method,
        path,
        protocol,
        status,
        bytes,
        referer,
        user_agent,
        user,
        ..ParsedLine::default()
    })
}

/// `vhost client ...` rather than `client ident user ...`: the second token is an
/// address, or a host name follows a `host:port` or another dotted host name (custom
/// `%v %h` formats with HostnameLookups on). An ident from identd is a bare word.
fn looks_like_vhost(first: &[u8], second: &[u8]) -> bool {
    if is_ip_like(strip_port(second)) {
        return true;
    }
    if second == b"-" || !is_host_like(second) {
        return false;
    }
    let has_port = match memrchr(b':', first) {
        Some(i) => memchr(b':', first) == Some(i) && parse_u64(&first[i + 1..]).is_some(),
        None => false,
    };
    let dotted = |b: &[u8]| memchr(b'.', b).is_some();
    has_port || (dotted(second) && dotted(first) && is_host_like(first))
}

/// A client as access logs write it: an address, or a host name with HostnameLookups.
fn is_client(ip: &[u8]) -> bool {
    ip != b"-" && (is_ip_like(ip) || is_host_like(ip))
}

fn absent_if_dash(b: &[u8]) -> &[u8] {
    if b == b"-" {
        &b[..0]
    } else {
        b
    }
}

/// The request inside its quotes (`body` starts after the opening quote) and the text
/// after the closing quote. Apache 2 escapes `"` as `\"` and nginx as `\x22`, but Apache
/// 1.3 and others write raw quotes, so the closing quote is the first one followed by a
/// status; a second pass ignores backslashes for raw logs whose request ends in `\`.
fn request_field(body: &[u8]) -> Option<(&[u8], &[u8])> {
    for honour_escapes in [true, false] {
        let mut from = 0;
        while let Some(i) = memchr(b'"', &body[from..]) {
            let q = from + i;
            from = q + 1;
            if honour_escapes && is_escaped(body, q) {
                continue;
            }
            if status_follows(&body[q + 1..]) {
                return Some((&body[..q], &body[q + 1..]));
            }
        }
    }
    None
}

/// True for ` 200`, ` -`, ` 404 ...`: a space, a status, then the end or a space.
fn status_follows(s: &[u8]) -> bool {
    let end_ok = |rest: &[u8]| rest.first().is_none_or(|&c| c == b' ');
    match s {
        [b' ', b'-', rest @ ..] => end_ok(rest),
        [b' ', a, b, c, rest @ ..] => a.is_ascii_digit() && b.is_ascii_digit() && c.is_ascii_digit() && end_ok(rest),
        _ => false,
    }
}

/// True when the byte at `at` is preceded by an odd run of backslashes.
fn is_escaped(b: &[u8], at: usize) -> bool {
    b[..at].iter().rev().take_while(|&&c| c == b'\\').count() % 2 == 1
}

/// A `"..."` field at the start of `b` (after optional spaces): its content and the text
/// after the closing quote and its space. The closing quote is the first unescaped one
/// that ends the line or is followed by a space.
fn quoted_field(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let body = trim_leading_spaces(b).strip_prefix(b"\"")?;
    let mut from = 0;
    while let Some(i) = memchr(b'"', &body[from..]) {
        let q = from + i;
        from = q + 1;
        if is_escaped(body, q) {
            continue;
        }
        match body.get(q + 1) {
            None => return Some((&body[..q], &body[q + 1..])),
            Some(b' ') => return Some((&body[..q], &body[q + 2..])),
            Some(_) => {}
        }
    }
    None
}

fn trim_leading_spaces(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|&&c| c == b' ').count();
    &b[n..]
}

/// Splits a request line into method, target and protocol. Whatever does not fit
/// `METHOD SP TARGET SP HTTP/x` still lands somewhere: a lone token is the method, a
/// missing protocol leaves the rest as the target (spaces included). `-` and `""` are
/// no request at all.
pub(super) fn split_request(req: &[u8]) -> (&[u8], &[u8], &[u8]) {
    let none = &req[..0];
    if req.is_empty() || req == b"-" {
        return (none, none, none);
    }
    let Some(sp) = memchr(b' ', req) else {
        return (req, none, none);
    };
    let (method, target) = (&req[..sp], &req[sp + 1..]);
    if let Some(last) = memrchr(b' ', target) {
        let proto = &target[last + 1..];
        if proto.len() >= 5 && proto[..5].eq_ignore_ascii_case(b"HTTP/") {
            return (method, trim(&target[..last]), proto);
        }
    }
    (method, trim(target), none)
}

/// The inside of `[10/Oct/2000:13:55:36 -0700]`; also tolerates a missing or empty
/// offset, fractions of a second and nginx's `$time_iso8601`.
fn access_time(b: &[u8]) -> Option<CivilTime> {
    let (mut time, used) = if b.get(2) == Some(&b'/') { clf_date_time(b)? } else { iso_date_time(b)? };
    let tail = trim(&b[used..]);
    if !tail.is_empty() {
        let (offset, n) = utc_offset(tail)?;
        if n != tail.len() {
            return None;
        }
        time.offset_secs = Some(offset);
    }
    Some(time)
}

/// `10/Oct/2000:13:55:36[.123]`: the time (no offset) and bytes used.
fn clf_date_time(b: &[u8]) -> Option<(CivilTime, usize)> {
    if b.len() < 20 || b[2] != b'/' || b[6] != b'/' || b[11] != b':' {
        return None;
    }
    let day = digits::<2>(b)? as u8;
    let month = month_from_abbrev(&b[3..6])?;
    let year = digits::<4>(&b[7..])? as i32;
    let (hour, minute, second) = hms(&b[12..])?;
    let (micros, frac) = fraction(&b[20..]);
    if day == 0 || day > 31 {
        return None;
    }
    let time = CivilTime { year, month, day, hour, minute, second, micros, offset_secs: None };
    Some((time, 20 + frac))
}

/// `2015-01-31T14:29:44[.123456]` or with a space instead of `T`: the time (no offset)
/// and bytes used. Shared with the Apache (ErrorLogFormat `%{cu}t`) and lighttpd parsers.
pub(super) fn iso_date_time(b: &[u8]) -> Option<(CivilTime, usize)> {
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b' ') {
        return None;
    }
    let year = digits::<4>(b)? as i32;
    let month = digits::<2>(&b[5..])? as u8;
    let day = digits::<2>(&b[8..])? as u8;
    let (hour, minute, second) = hms(&b[11..])?;
    let (micros, frac) = fraction(&b[19..]);
    if !(1..=12).contains(&month) || day == 0 || day > 31 {
        return None;
    }
    let time = CivilTime { year, month, day, hour, minute, second, micros, offset_secs: None };
    Some((time, 19 + frac))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(line: &[u8]) -> ParsedLine<'_> {
        parse(line).unwrap_or_else(|| panic!("no parse: {}", String::from_utf8_lossy(line)))
    }

    #[test]
    fn combined_line() {
        let l = p(b"203.0.113.9 - - [10/Oct/2000:13:55:36 -0700] \"GET /a.gif?x=1 HTTP/1.0\" 200 2326 \"http://example.com/start.html\" \"Mozilla/4.08 [en] (Win98; I ;Nav)\"");
        assert_eq!(l.ip, b"203.0.113.9");
        assert_eq!(l.tag, EventTag::Request);
        assert_eq!((l.method, l.path, l.protocol), (&b"GET"[..], &b"/a.gif?x=1"[..], &b"HTTP/1.0"[..]));
        assert_eq!((l.status, l.bytes), (200, Some(2326)));
        assert_eq!(l.referer, b"http://example.com/start.html");
        assert_eq!(l.user_agent, b"Mozilla/4.08 [en] (Win98; I ;Nav)");
        assert!(l.user.is_empty() && l.vhost.is_empty());
        let t = l.time.unwrap();
        assert_eq!((t.year, t.month, t.day, t.hour, t.minute, t.second), (2000, 10, 10, 13, 55, 36));
        assert_eq!(t.offset_secs, Some(-7 * 3600));
    }

    #[test]
    fn common_line_with_user_and_carriage_return() {
        let l = p(b"198.51.100.7 - alice [27/Jun/2013:11:55:44 +0200] \"GET /knock/ HTTP/1.1\" 401 266\r");
        assert_eq!((l.ip, l.user, l.status, l.bytes), (&b"198.51.100.7"[..], &b"alice"[..], 401, Some(266)));
        assert!(l.referer.is_empty() && l.user_agent.is_empty());
        let l = p(b"198.51.100.7 - bob smith [27/Jun/2013:11:55:44] \"GET / HTTP/1.1\" 200 -");
        assert_eq!((l.user, l.bytes), (&b"bob smith"[..], None));
        assert_eq!(l.time.unwrap().offset_secs, None);
    }

    #[test]
    fn vhost_combined_and_vhost_after_time() {
        let l = p(b"www.example.com:443 192.0.2.44 - - [06/Jan/2026:02:32:23 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"curl/8\"");
        assert_eq!((l.vhost, l.ip), (&b"www.example.com:443"[..], &b"192.0.2.44"[..]));
        assert!(l.referer.is_empty());
        let l = p(b"www.example.org 2001:db8::5 - - [06/Jan/2026:02:32:23 +0000] \"GET / HTTP/1.1\" 403 5");
        assert_eq!((l.vhost, l.ip), (&b"www.example.org"[..], &b"2001:db8::5"[..]));
        let l =
            p(b"127.0.1.1:80 192.0.2.3 - - [13/Nov/2023:10:44:31 +0000] \"\\x16\\x03\\x03\\x01\" 400 483 \"-\" \"-\"");
        assert_eq!((l.vhost, l.ip, l.method), (&b"127.0.1.1:80"[..], &b"192.0.2.3"[..], &b"\\x16\\x03\\x03\\x01"[..]));
        let l =
            p(b"192.0.2.66 - - - [31/Jan/2015:14:29:44 ] example.org \"GET / HTTP/1.1\" 200 814 \"-\" \"bot\" + 293");
        assert_eq!((l.ip, l.vhost, l.user), (&b"192.0.2.66"[..], &b"example.org"[..], &b""[..]));
        let l = p(b"vh.example.com:80 client7.example.net - - [06/Jan/2026:02:32:23 +0000] \"GET / HTTP/1.1\" 200 5");
        assert_eq!((l.vhost, l.ip), (&b"vh.example.com:80"[..], &b"client7.example.net"[..]));
        let l = p(b"vh.example.com client7.example.net - - [06/Jan/2026:02:32:23 +0000] \"GET / HTTP/1.1\" 200 5");
        assert_eq!((l.vhost, l.ip), (&b"vh.example.com"[..], &b"client7.example.net"[..]));
    }

    #[test]
    fn clients_of_every_shape() {
        let l = p(b"::1 - - [26/Dec/2016:16:16:29 +0200] \"GET /favicon.ico HTTP/1.1\" 404 209");
        assert_eq!(l.ip, b"::1");
        let l = p(b"::ffff:192.0.2.1 - - [26/Dec/2016:16:16:29 +0200] \"GET / HTTP/1.1\" 404 209");
        assert_eq!(l.ip, b"::ffff:192.0.2.1");
        let l =
            p(b"monitoring-server - - [29/May/2017:19:02:48 +0000] \"GET /status HTTP/1.1\" 200 612 \"-\" \"x\" \"-\"");
        assert_eq!(l.ip, b"monitoring-server");
        let l =
            p(b"192.0.2.1:80 - - [13/Nov/2023:10:44:01 +0000] \"<SCRIPT>x</SCRIPT> / HTTP/1.1\" 400 3386 \"-\" \"-\"");
        assert_eq!((l.ip, l.method, l.path), (&b"192.0.2.1"[..], &b"<SCRIPT>x</SCRIPT>"[..], &b"/"[..]));
        let l = p(b"[2001:db8::7]:443 - - [13/Nov/2023:10:44:01 +0000] \"GET / HTTP/1.1\" 200 1");
        assert_eq!(l.ip, b"2001:db8::7");
    }

    #[test]
    fn an_ipv4_client_comes_parsed_for_the_ip_table() {
        use crate::vocab::address::AddrKey;
        let line = |client: &str| format!("{client} - - [26/Dec/2016:16:16:29 +0200] \"GET / HTTP/1.1\" 404 209");
        for (client, v4) in [
            ("192.0.2.1", Some(0xC000_0201)),
            ("192.0.2.1:8080", Some(0xC000_0201)),
            ("192.030.0.6", None),
            ("::ffff:192.0.2.1", None),
            ("2001:db8::7", None),
            ("monitoring-server", None),
        ] {
            let text = line(client);
            let l = p(text.as_bytes());
            assert_eq!(l.ip_v4, v4, "{client}");
            if let Some(v4) = l.ip_v4 {
                assert_eq!(AddrKey::of(l.ip), AddrKey::V4(v4), "{client}");
            }
        }
    }

    #[test]
    fn odd_requests() {
        let l = p(b"192.0.2.8 - - [16/Dec/2016:16:16:48 +0200] \"-\" 408 -");
        assert!(l.method.is_empty() && l.path.is_empty() && l.protocol.is_empty());
        assert_eq!((l.status, l.bytes), (408, None));
        let l = p(b"192.0.2.8 - - [20/Jan/2015:19:53:28 +0100] \"\" 400 47 \"-\" \"-\" \"-\"");
        assert!(l.method.is_empty() && l.status == 400);
        let l = p(b"192.0.2.8 - - [20/Jan/2015:19:54:28 +0100] \"HELP\" 400 47 \"-\" \"-\" \"-\"");
        assert_eq!(l.method, b"HELP");
        let l = p(b"192.0.2.8 - - [20/Jan/2015:19:54:28 +0100] \"\\x03\\x00\\x00/*\\xE0\\x00Cookie: mstshash=Administr\" 400 47 \"-\" \"-\"");
        assert_eq!(l.method, b"\\x03\\x00\\x00/*\\xE0\\x00Cookie:");
        let l = p(b"192.0.2.8 - root [20/Jan/2015:01:17:07 +0100] \"CONNECT 198.51.100.1:443 HTTP/1.1\" 400 162 \"-\" \"-\" \"-\"");
        assert_eq!((l.method, l.path, l.user), (&b"CONNECT"[..], &b"198.51.100.1:443"[..], &b"root"[..]));
        let l = p(b"192.0.2.8 - - [04/Jul/2004:22:17:37 -0400] \"get /scripts/..%c0%af../cmd.exe?/c%20dir\" 501 - \"-\" \"-\"");
        assert_eq!(
            (l.method, l.path, l.protocol),
            (&b"get"[..], &b"/scripts/..%c0%af../cmd.exe?/c%20dir"[..], &b""[..])
        );
        let l = p(b"192.0.2.8 - - [04/Jul/2004:22:17:37 -0400] \"GET http://example.com/x HTTP/2.0\" 200 1");
        assert_eq!((l.path, l.protocol), (&b"http://example.com/x"[..], &b"HTTP/2.0"[..]));
        let l = p(b"192.0.2.8 - - [04/Jul/2004:22:17:37 -0400] \"GET /A B/c d.mp4 HTTP/1.1\" 200 1");
        assert_eq!(l.path, b"/A B/c d.mp4");
        let l = p(b"192.0.2.8 - - [14/Jun/2024:12:20:12 +0530] \"- - HTTP/1.0\" 400 226 \"-\" \"-\"");
        assert_eq!((l.method, l.path, l.protocol), (&b"-"[..], &b"-"[..], &b"HTTP/1.0"[..]));
    }

    #[test]
    fn quotes_inside_fields() {
        // Apache 2 escapes quotes; a forged `" 200 1 "` inside the request is skipped.
        let l = p(b"192.0.2.9 - - [22/Apr/2004:11:53:29 -0400] \"GET /x?a=\\\" 200 1 \\\" HTTP/1.0\" 404 328 \"-\" \"Nikto \\\"1\\\"\"");
        assert_eq!((l.path, l.status, l.bytes), (&b"/x?a=\\\" 200 1 \\\""[..], 404, Some(328)));
        assert_eq!(l.user_agent, b"Nikto \\\"1\\\"");
        // Apache 1.3 writes raw quotes.
        let l = p(
            b"192.0.2.9 - - [22/Apr/2004:11:55:13 -0400] \"GET\" /hostadmin/?page=' HTTP/1.0\" 501 345 \"-\" \"Nikto\"",
        );
        assert_eq!((l.method, l.status, l.user_agent), (&b"GET\""[..], 501, &b"Nikto"[..]));
        let l = p(
            b"192.0.2.9 - - [22/Apr/2004:11:53:48 -0400] \"GET /x.php3?cmd=dir%20c:\\\" HTTP/1.0\" 404 287 \"-\" \"N\"",
        );
        assert_eq!((l.path, l.status), (&b"/x.php3?cmd=dir%20c:\\\""[..], 404));
        // Raw binary, including a backslash just before the closing quote.
        let l = p(b"192.0.2.9 - - [20/May/2004:17:52:51 -0400] \"r\xe1{x\x9c0\xdb\\\" 400 386 \"-\" \"-\"");
        assert_eq!((l.method, l.status), (&b"r\xe1{x\x9c0\xdb\\"[..], 400));
    }

    #[test]
    fn trailing_fields_are_tolerated() {
        let l = p(b"192.0.2.10 - user1 [18/Nov/2018:21:34:34 +0000] \"GET /dashboard/ HTTP/2.0\" 401 17 \"-\" \"Mozilla/5.0\" 72 \"Auth for frontend\" \"/dashboard/\" 0ms");
        assert_eq!((l.user, l.status, l.user_agent), (&b"user1"[..], 401, &b"Mozilla/5.0"[..]));
        let l = p(b"2001:db8::9 - - [29/May/2017:19:02:48 +0000] \"GET /x HTTP/1.1\" 200 612 3413 \"-\" \"Mozilla/5.0\" X-Forwarded-For=\"10.0.0.2, 10.0.0.1\"");
        assert_eq!((l.ip, l.bytes, l.user_agent), (&b"2001:db8::9"[..], Some(612), &b"Mozilla/5.0"[..]));
        let l = p(b"192.0.2.10 - - [22/May/2024:08:21:14 +0300] \"\\n\" 400 226 98");
        assert_eq!((l.method, l.status), (&b"\\n"[..], 400));
        let l = p(b"192.0.2.10 - - [2015-01-31T14:29:44+01:00] \"GET / HTTP/1.1\" 200 1 \"-\" \"x\" 0.003");
        assert_eq!(l.time.unwrap().offset_secs, Some(3600));
    }

    #[test]
    fn other_formats_are_rejected() {
        for line in [
            &b"Jan  6 00:02:28 host sshd[123]: Invalid user x from 192.0.2.1 port 22"[..],
            b"Jan 16 00:02:28 host kernel: [12345.678] eth0: link up",
            b"[Sun Jul 18 04:02:11 2004] [error] [client 192.0.2.1] File does not exist: /x",
            b"2026/01/06 02:32:23 [error] 12#0: *1 open() \"/x\" failed, client: 192.0.2.1",
            b"1386543323.000      4 192.0.2.1 TCP_DENIED/403 4099 GET http://x/ - HIER_NONE/- text/html",
            b"192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\"",
            b"192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" OK 12",
            b"192.0.2.1 - - [99/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 12",
            b"- - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 12",
            b"",
        ] {
            assert!(parse(line).is_none(), "{}", String::from_utf8_lossy(line));
        }
    }

    #[test]
    fn garbage_and_truncations_never_panic() {
        let valid: &[&[u8]] = &[
            b"www.example.com:443 192.0.2.44 - bob [06/Jan/2026:02:32:23.120 +0000] \"GET /x\\\"y HTTP/1.1\" 200 5 \"-\" \"a \\\"b\\\"\" 7 \"z\"",
            b"192.0.2.9 - - [22/Apr/2004:11:55:13 -0400] \"GET\" /x' HTTP/1.0\" 501 345 \"-\" \"N\"",
            b"[2001:db8::7]:443 - - [2015-01-31T14:29:44+01:00] \"-\" 408 -",
        ];
        let mut rng = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        for line in valid {
            assert!(parse(line).is_some());
            for cut in 0..=line.len() {
                let _ = parse(&line[..cut]);
                let _ = parse(&line[cut..]);
            }
        }
        let alphabet = b" \"\\[]-:/0123456789.aZ\r\xff";
        let mut buf = Vec::new();
        for round in 0..20_000 {
            buf.clear();
            let len = (next() % 120) as usize;
            if round % 2 == 0 {
                buf.extend_from_slice(valid[round % valid.len()]);
                for _ in 0..1 + next() % 4 {
                    let at = (next() as usize) % buf.len();
                    buf[at] = alphabet[(next() as usize) % alphabet.len()];
                }
            } else {
                buf.extend((0..len).map(|_| alphabet[(next() as usize) % alphabet.len()]));
            }
            let _ = parse(&buf);
            let _ = split_request(&buf);
            let _ = iso_date_time(&buf);
        }
    }
}
