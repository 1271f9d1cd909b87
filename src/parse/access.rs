//! Apache/nginx access-log lines: common, combined, vhost_combined, and the setups that
//! append fields after the user agent (traefik, request times, X-Forwarded-For, ...) or
//! log X-Forwarded-For as the client field.
//! Also home of the request-line splitter and ISO date reader the error parsers share.

use super::util::{is_host_like, is_ip_like, parse_u64, strip_port, token, trim};
use crate::vocab::address::parse_v4;
use crate::vocab::event::{ClientSource, EventTag, ParsedLine};
use crate::vocab::time::{digits, fraction, hms, month_from_abbrev, utc_offset, CivilTime};
use memchr::{memchr, memrchr};

/// Parses one access-log line. The frame `client ident user [time] "request" status` must
/// be there (the ident or one dash may be missing); everything after the status (bytes,
/// referer, agent, X-Forwarded-For, extras) is optional. Nginx Proxy Manager's lines,
/// which open with the time, are read by `proxy_manager`.
pub fn parse(line: &[u8]) -> Option<ParsedLine<'_>> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.first() == Some(&b'[') {
        // The time (Nginx Proxy Manager), or a bracketed IPv6 client.
        if let Some(parsed) = super::proxy_manager::parse(line) {
            return Some(parsed);
        }
    }
    let (time_at, time, mut rest) = find_time(line)?;
    let frame = read_frame(&line[..time_at - 1])?;
    let mut vhost = frame.vhost;

    // `%t %v "%r"` setups put the virtual host after the time (`find_time` checked it).
    if rest.first() != Some(&b'"') {
        let (host, after) = token(rest);
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
    let mut forwarded_for = frame.forwarded_for;
    if let Some((value, after)) = quoted_field(rest) {
        referer = absent_if_dash(value);
        if let Some((value, after)) = quoted_field(after) {
            user_agent = absent_if_dash(value);
            // nginx's `main` (combined + "$http_x_forwarded_for") and Apache's
            // `... \"%{User-Agent}i\" \"%{X-Forwarded-For}i\"` put the header right after
            // the agent. Only a field that ends in an address is taken for it: other
            // setups put a host, a time or a cookie there.
            if let Some((value, _)) = quoted_field(after) {
                if frame.source == ClientSource::Peer && ends_in_address(value) {
                    forwarded_for = value;
                }
            }
        }
    }

    Some(ParsedLine {
        time: Some(time),
        ip: frame.client,
        ip_v4: frame.client_v4,
        tag: EventTag::Request,
        vhost,
        method,
        path,
        protocol,
        status,
        bytes,
        referer,
        user_agent,
        user: frame.user,
        forwarded_for,
        client: frame.source,
        ..ParsedLine::default()
    })
}

/// The `[time]` field: the first `[` after a space that holds an access-log time and is
/// followed by the request's quote (or a vhost token and the quote). Returns where the
/// `[` is, the time, and the text after `] `. A user name may hold spaces and brackets
/// (`%u` is what the client sent, unescaped but for quotes and control bytes), so a `[`
/// that does not open such a field is part of the user and the search goes on; neither
/// Apache 2 nor nginx writes a raw `"` inside it, so a forged time cannot pass the check.
fn find_time(line: &[u8]) -> Option<(usize, CivilTime, &[u8])> {
    let mut from = 1;
    while let Some(i) = line.get(from..).and_then(|b| memchr(b'[', b)) {
        let at = from + i;
        from = at + 1;
        if line[at - 1] != b' ' {
            continue;
        }
        let close = at + memchr(b']', &line[at..])?;
        let Some(time) = access_time(&line[at + 1..close]) else { continue };
        let Some(rest) = line[close + 1..].strip_prefix(b" ") else { continue };
        if rest.first() == Some(&b'"') {
            return Some((at, time, rest));
        }
        let (host, after) = token(rest);
        if is_host_like(strip_port(host)) && after.first() == Some(&b'"') {
            return Some((at, time, rest));
        }
    }
    None
}

/// What the text before the time says: the client, the vhost, the user.
struct Frame<'a> {
    vhost: &'a [u8],
    /// The client address as written, without a port.
    client: &'a [u8],
    client_v4: Option<u32>,
    user: &'a [u8],
    /// The elements left of `client` when the client field is an X-Forwarded-For list.
    forwarded_for: &'a [u8],
    source: ClientSource,
}

/// Reads `[vhost] client ident user` (`frame` is the text before the time, without its
/// last space). The client field comes first (second after a vhost) and is written by
/// the server: no client can move it. The user runs from after the ident to the end, so
/// whatever a client puts into it, spaces and addresses included, stays the user.
fn read_frame(frame: &[u8]) -> Option<Frame<'_>> {
    let empty = &frame[..0];
    let (first, after_first) = list_field(frame)?;
    let mut client = first;
    let mut rest = after_first;
    let mut vhost = empty;
    // In `vhost client ...` the second field is a client, never the `-` nearly every
    // ident is: most lines need no vhost check at all.
    let dash_ident = after_first.first() == Some(&b'-') && matches!(after_first.get(1), None | Some(b' '));
    if !dash_ident {
        if let Some((second, after_second)) = list_field(after_first) {
            if is_vhost_frame(first, second, after_second) {
                (vhost, client, rest) = (first, second, after_second);
            }
        }
    }
    if rest.is_empty() {
        return None;
    }
    let user = user_after_client(rest);

    let written = strip_port(client);
    let client_v4 = parse_v4(written);
    let (client, forwarded_for, source) = if client_v4.is_some() || !client.contains(&b',') {
        (written, empty, ClientSource::Peer)
    } else {
        forwarded_list(client)
    };
    let client_v4 = if source == ClientSource::Peer { client_v4 } else { parse_v4(client) };
    // Proxies write addresses into X-Forwarded-For; a name there is no client.
    let valid =
        client_v4.is_some() || if source == ClientSource::Peer { is_client(client) } else { is_ip_like(client) };
    if !valid {
        return forwarded_after_junk(frame);
    }
    Some(Frame { vhost, client, client_v4, user, forwarded_for, source })
}

/// `%{X-Forwarded-For}i %l %u ...`: the client field is the list the last proxy sent,
/// whose right-most element that proxy wrote; the client is that element and the rest
/// is kept for `--trusted-proxy` to walk. The peer itself is not in the line: with no
/// proxy in front of the server, the whole field is what the client sent. Nor can a
/// line tell a list whose client-made first element has a space in it (`8.8.8.8 - x,
/// 203.0.113.9 - -`) from an ordinary line with an odd user name: it is read as one.
fn forwarded_list(field: &[u8]) -> (&[u8], &[u8], ClientSource) {
    let (left, last) = split_last_element(field);
    (strip_port(last), left, ClientSource::ForwardedList)
}

/// A frame whose first field is no client: an X-Forwarded-For list a client opened with
/// junk (`[x 8.8.8.8], 203.0.113.9 - - [...`). The list the proxies wrote starts after
/// the first `, `; the line is read from there rather than lost to the unparsed count.
#[inline(never)]
fn forwarded_after_junk(frame: &[u8]) -> Option<Frame<'_>> {
    let mut at = 0;
    let list_start = loop {
        let (tok, rest) = token(&frame[at..]);
        if rest.is_empty() {
            return None;
        }
        at += tok.len() + 1;
        if tok.last() == Some(&b',') {
            break at;
        }
    };
    let (list, rest) = list_field(&frame[list_start..])?;
    if rest.is_empty() {
        return None;
    }
    let (client, forwarded_for, source) = forwarded_list(&frame[..list_start + list.len()]);
    let client_v4 = parse_v4(client);
    if client_v4.is_none() && !is_ip_like(client) {
        return None;
    }
    Some(Frame { vhost: &frame[..0], client, client_v4, user: user_after_client(rest), forwarded_for, source })
}

/// The user in `ident user` (the frame after the client): whatever sits between ident
/// and the time, spaces included; a lone field is the user of a format with one dash
/// fewer. `-` (or `- -` from formats with one more dash field) is no user.
fn user_after_client(rest: &[u8]) -> &[u8] {
    let user = rest.iter().position(|&c| c == b' ').map_or(rest, |i| &rest[i + 1..]);
    if user.iter().all(|&c| c == b'-' || c == b' ') {
        &user[..0]
    } else {
        user
    }
}

/// True when the frame is `vhost client ident user`: it needs two fields after the
/// client, or one (a missing dash) after Apache's `%v:%p`. The structure is checked
/// first: most lines are `client - -`, and the shape checks cost more.
fn is_vhost_frame(first: &[u8], second: &[u8], after_second: &[u8]) -> bool {
    if after_second.is_empty() {
        return false;
    }
    let two_after = after_second.contains(&b' ');
    if !two_after && !has_port(first) {
        return false;
    }
    let second = first_element(second);
    !first.contains(&b',') && looks_like_vhost(first, second) && (two_after || is_ip_like(strip_port(second)))
}

/// The first field of `b` and the text after it and its space: a token, continued over
/// the next tokens while it ends with `,` (an X-Forwarded-For list written `a, b`).
fn list_field(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let mut end = 0;
    loop {
        let len = memchr(b' ', &b[end..]).unwrap_or(b.len() - end);
        if end == 0 && len == 0 {
            return None;
        }
        end += len;
        if end == b.len() {
            return Some((b, &b[end..]));
        }
        if b[end - 1] != b',' {
            return Some((&b[..end], &b[end + 1..]));
        }
        end += 1;
    }
}

/// The right-most element of an X-Forwarded-For list (elements are separated by commas
/// and spaces, as nginx's realip module reads them) and the list before it.
pub(super) fn split_last_element(list: &[u8]) -> (&[u8], &[u8]) {
    let is_sep = |c: &u8| *c == b',' || *c == b' ';
    let end = list.iter().rposition(|c| !is_sep(c)).map_or(0, |i| i + 1);
    let start = list[..end].iter().rposition(is_sep).map_or(0, |i| i + 1);
    let left_end = list[..start].iter().rposition(|c| !is_sep(c)).map_or(0, |i| i + 1);
    (&list[..left_end], &list[start..end])
}

/// The first element of a field that may be a list (`203.0.113.5,` -> `203.0.113.5`).
fn first_element(field: &[u8]) -> &[u8] {
    let end = field.iter().position(|&c| c == b',' || c == b' ').unwrap_or(field.len());
    &field[..end]
}

/// True for a quoted field that can be an X-Forwarded-For value: its right-most element
/// is shaped like an address. Whether it is one is checked when a trusted proxy's line
/// is resolved (`forwarded`).
fn ends_in_address(value: &[u8]) -> bool {
    value != b"-" && is_ip_like(strip_port(split_last_element(value).1))
}

/// `host:port` with one colon and a number after it. Fields are short: a loop beats
/// memchr's setup here.
fn has_port(b: &[u8]) -> bool {
    let mut colons = b.iter().enumerate().filter(|(_, &c)| c == b':');
    match (colons.next(), colons.next()) {
        (Some((i, _)), None) => parse_u64(&b[i + 1..]).is_some(),
        _ => false,
    }
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
    let dotted = |b: &[u8]| memchr(b'.', b).is_some();
    has_port(first) || (dotted(second) && dotted(first) && is_host_like(first))
}

/// A client as access logs write it: an address, or a host name with HostnameLookups.
pub(super) fn is_client(ip: &[u8]) -> bool {
    ip != b"-" && (is_ip_like(ip) || is_host_like(ip))
}

pub(super) fn absent_if_dash(b: &[u8]) -> &[u8] {
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
pub(super) fn quoted_field(b: &[u8]) -> Option<(&[u8], &[u8])> {
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
pub(super) fn access_time(b: &[u8]) -> Option<CivilTime> {
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
    fn a_missing_or_an_extra_dash() {
        let l = p(b"192.0.2.30 - [06/Jan/2026:02:32:23 +0000] \"GET /x HTTP/1.1\" 404 5 \"-\" \"curl/8\"");
        assert_eq!((l.ip, l.user, l.status), (&b"192.0.2.30"[..], &b""[..], 404));
        let l = p(b"192.0.2.30 alice [06/Jan/2026:02:32:23 +0000] \"GET / HTTP/1.1\" 401 5");
        assert_eq!((l.ip, l.user), (&b"192.0.2.30"[..], &b"alice"[..]));
        let l = p(b"192.0.2.30 - - - [06/Jan/2026:02:32:23 +0000] \"GET / HTTP/1.1\" 200 5");
        assert_eq!((l.ip, l.user, l.vhost), (&b"192.0.2.30"[..], &b""[..], &b""[..]));
        let l = p(b"www.example.com:443 192.0.2.30 - [06/Jan/2026:02:32:23 +0000] \"GET / HTTP/1.1\" 200 5");
        assert_eq!((l.vhost, l.ip), (&b"www.example.com:443"[..], &b"192.0.2.30"[..]));
        // A user name with spaces and brackets stays the user.
        let l = p(b"192.0.2.30 - a [b] c [06/Jan/2026:02:32:23 +0000] \"GET / HTTP/1.1\" 401 5");
        assert_eq!((l.ip, l.user), (&b"192.0.2.30"[..], &b"a [b] c"[..]));
    }

    #[test]
    fn x_forwarded_for_after_the_agent() {
        use crate::vocab::event::ClientSource;
        let l = p(b"192.0.2.10 - - [06/Jan/2026:02:32:23 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"curl/8\" \"198.51.100.4, 203.0.113.9\"");
        assert_eq!((l.ip, l.forwarded_for), (&b"192.0.2.10"[..], &b"198.51.100.4, 203.0.113.9"[..]));
        assert_eq!((l.client, l.proxy), (ClientSource::Peer, &b""[..]));
        let l = p(b"192.0.2.10 - - [06/Jan/2026:02:32:23 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"curl/8\" \"[2001:db8::9]:4711\" \"x\"");
        assert_eq!(l.forwarded_for, b"[2001:db8::9]:4711");
        // `-`, a host, a time or a cookie in that place is no X-Forwarded-For.
        for third in ["-", "www.example.com", "0.003", "session=abc", ""] {
            let line = format!(
                "192.0.2.10 - - [06/Jan/2026:02:32:23 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"curl/8\" \"{third}\""
            );
            assert!(p(line.as_bytes()).forwarded_for.is_empty(), "{third}");
        }
    }

    #[test]
    fn x_forwarded_for_as_the_client_field() {
        use crate::vocab::event::ClientSource;
        let l =
            p(b"198.51.100.4, 203.0.113.9 - - [06/Jan/2026:02:32:23 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"curl/8\"");
        assert_eq!((l.ip, l.ip_v4), (&b"203.0.113.9"[..], Some(0xCB00_7109)));
        assert_eq!((l.forwarded_for, l.client), (&b"198.51.100.4"[..], ClientSource::ForwardedList));
        let l = p(b"198.51.100.4,192.0.2.1, 2001:db8::9 - bob [06/Jan/2026:02:32:23 +0000] \"GET / HTTP/1.1\" 401 5");
        assert_eq!((l.ip, l.forwarded_for, l.user), (&b"2001:db8::9"[..], &b"198.51.100.4,192.0.2.1"[..], &b"bob"[..]));
        // A single address is an ordinary client; a client's junk before the list is skipped.
        assert_eq!(
            p(b"203.0.113.9 - - [06/Jan/2026:02:32:23 +0000] \"GET / HTTP/1.1\" 200 5").client,
            ClientSource::Peer
        );
        let l = p(b"[x 8.8.8.8], 203.0.113.9 - - [06/Jan/2026:02:32:23 +0000] \"GET / HTTP/1.1\" 200 5");
        assert_eq!((l.ip, l.client), (&b"203.0.113.9"[..], ClientSource::ForwardedList));
        // A list whose right-most element is no client is no line knocklog can attribute.
        assert!(parse(b"203.0.113.9, unknown - - [06/Jan/2026:02:32:23 +0000] \"GET / HTTP/1.1\" 200 5").is_none());
    }

    #[test]
    fn nginx_proxy_manager_lines_are_access_lines() {
        let l = p(b"[06/Jan/2026:02:32:23 +0000] 404 - GET https www.example.com \"/.git/config\" [Client 2001:db8::44] [Length 150] [Gzip -] \"zgrab/0.x\" \"-\"");
        assert_eq!((l.ip, l.path, l.status), (&b"2001:db8::44"[..], &b"/.git/config"[..], 404));
        // A bracketed IPv6 client still opens an ordinary line.
        assert_eq!(
            p(b"[2001:db8::7]:443 - - [13/Nov/2023:10:44:01 +0000] \"GET / HTTP/1.1\" 200 1").ip,
            b"2001:db8::7"
        );
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
            b"198.51.100.4, 203.0.113.9 - a b [06/Jan/2026:02:32:23 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"x\" \"192.0.2.1\"",
            b"[06/Jan/2026:02:32:23 +0000] - 200 404 - GET https h \"/\" [Client 192.0.2.1] [Length 1] [Gzip -] [Sent-to s] \"a\" \"-\"",
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

#[cfg(test)]
#[path = "access_injection_tests.rs"]
mod injection_tests;
