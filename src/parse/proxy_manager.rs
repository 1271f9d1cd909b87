//! Nginx Proxy Manager's access logs, which open with the time and name the client in
//! a `[Client ADDR]` field. Its two `log_format`s:
//!
//! ```text
//! proxy:    [$time_local] $upstream_cache_status $upstream_status $status - $request_method
//!           $scheme $host "$request_uri" [Client $remote_addr] [Length $body_bytes_sent]
//!           [Gzip $gzip_ratio] [Sent-to $server] "$http_user_agent" "$http_referer"
//! standard: [$time_local] $status - $request_method $scheme $host "$request_uri"
//!           [Client $remote_addr] [Length $body_bytes_sent] [Gzip $gzip_ratio]
//!           "$http_user_agent" "$http_referer"
//! ```
//!
//! Reached from `access::parse` for a line that starts with `[`, so ordinary access
//! lines pay one byte comparison for it.

use memchr::{memchr, memrchr};

use super::access::{absent_if_dash, access_time, is_client, quoted_field};
use super::util::{parse_u64, strip_port};
use crate::vocab::address::parse_v4;
use crate::vocab::event::{EventTag, ParsedLine};

/// Parses one Nginx Proxy Manager access line (`proxy` or `standard`).
pub fn parse(line: &[u8]) -> Option<ParsedLine<'_>> {
    let body = line.strip_prefix(b"[")?;
    let close = memchr(b']', body)?;
    let time = access_time(&body[..close])?;
    let rest = body[close + 1..].strip_prefix(b" ")?;

    // Up to the URI's quote, every value is nginx's own: cache and upstream status,
    // status, method, scheme and a Host nginx validated. None can hold a space or a
    // quote, so the fields are read from the right, whatever upstream states precede.
    let open = memchr(b'"', rest)?;
    let head = rest[..open].strip_suffix(b" ")?;
    let (head, host) = split_last(head)?;
    let (head, _scheme) = split_last(head)?;
    let (head, method) = split_last(head)?;
    let (head, dash) = split_last(head)?;
    let status_tok = memrchr(b' ', head).map_or(head, |i| &head[i + 1..]);
    if dash != b"-" || status_tok.len() != 3 {
        return None;
    }
    let status = parse_u64(status_tok)? as u16;

    // nginx writes every `"` inside a value as `\x22`: the next quote closes the URI.
    let uri_and_after = &rest[open + 1..];
    let uri_end = memchr(b'"', uri_and_after)?;
    let path = &uri_and_after[..uri_end];
    let after = uri_and_after[uri_end + 1..].strip_prefix(b" [Client ")?;
    let client_end = memchr(b']', after)?;
    let ip = strip_port(&after[..client_end]);
    let ip_v4 = parse_v4(ip);
    if ip_v4.is_none() && !is_client(ip) {
        return None;
    }
    let mut after = &after[client_end + 1..];

    let mut bytes = None;
    // `[Length N] [Gzip R] [Sent-to S]`: values nginx computed or NPM configured.
    while let Some(group) = after.strip_prefix(b" [") {
        let end = memchr(b']', group)?;
        if let Some(n) = group[..end].strip_prefix(b"Length ") {
            bytes = parse_u64(n);
        }
        after = &group[end + 1..];
    }
    let (mut user_agent, mut referer) = (&line[..0], &line[..0]);
    if let Some((value, after)) = quoted_field(after) {
        user_agent = absent_if_dash(value);
        if let Some((value, _)) = quoted_field(after) {
            referer = absent_if_dash(value);
        }
    }
    Some(ParsedLine {
        time: Some(time),
        ip,
        ip_v4,
        tag: EventTag::Request,
        vhost: absent_if_dash(host),
        method,
        path,
        status,
        bytes,
        referer,
        user_agent,
        ..ParsedLine::default()
    })
}

/// `head` without its last space-separated token, and that token.
fn split_last(head: &[u8]) -> Option<(&[u8], &[u8])> {
    let i = memrchr(b' ', head)?;
    Some((&head[..i], &head[i + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(line: &[u8]) -> ParsedLine<'_> {
        parse(line).unwrap_or_else(|| panic!("no parse: {}", String::from_utf8_lossy(line)))
    }

    #[test]
    fn the_proxy_format() {
        let l = p(b"[06/Jan/2026:02:32:23 +0000] - 200 200 - GET https www.example.com \"/wp-login.php?x=1\" [Client 203.0.113.9] [Length 512] [Gzip 3.12] [Sent-to 192.0.2.10] \"Mozilla/5.0 (X11)\" \"https://www.example.com/\"");
        assert_eq!((l.ip, l.ip_v4), (&b"203.0.113.9"[..], Some(0xCB00_7109)));
        assert_eq!((l.method, l.path, l.vhost), (&b"GET"[..], &b"/wp-login.php?x=1"[..], &b"www.example.com"[..]));
        assert_eq!((l.status, l.bytes), (200, Some(512)));
        assert_eq!((l.user_agent, l.referer), (&b"Mozilla/5.0 (X11)"[..], &b"https://www.example.com/"[..]));
        let t = l.time.unwrap();
        assert_eq!((t.year, t.month, t.day, t.offset_secs), (2026, 1, 6, Some(0)));
        // A retried upstream writes its states as a list; the cache status may be a word.
        let l = p(b"[06/Jan/2026:02:32:23 +0100] MISS 502, 200 200 - POST http app.example.org \"/api\" [Client 2001:db8::7] [Length 0] [Gzip -] [Sent-to app] \"-\" \"-\"");
        assert_eq!((l.ip, l.status, l.method), (&b"2001:db8::7"[..], 200, &b"POST"[..]));
        assert!(l.user_agent.is_empty() && l.referer.is_empty());
    }

    #[test]
    fn the_standard_format() {
        let l = p(b"[06/Jan/2026:02:32:23 +0000] 404 - GET http 198.51.100.20 \"/.env\" [Client 198.51.100.7] [Length 150] [Gzip -] \"curl/8.5.0\" \"-\"");
        assert_eq!(
            (l.ip, l.status, l.path, l.vhost),
            (&b"198.51.100.7"[..], 404, &b"/.env"[..], &b"198.51.100.20"[..])
        );
        assert_eq!((l.user_agent, l.bytes), (&b"curl/8.5.0"[..], Some(150)));
    }

    #[test]
    fn other_lines_that_open_with_a_bracket_are_rejected() {
        for line in [
            &b"[Sun Jul 18 04:02:11 2004] [error] [client 192.0.2.1] File does not exist: /x"[..],
            b"[Tue Jan 06 02:32:23.803330 2026] [auth_basic:error] [pid 1] [client 192.0.2.1:5] AH01618: user x not found",
            b"[06/Jan/2026:02:32:23 +0000] [Client 192.0.2.1:5000] TCP 200 10 20 0.1 [Sent-to 192.0.2.2:22]",
            b"[06/Jan/2026:02:32:23 +0000] 200 - GET https h \"/\" [Client -] [Length 1] [Gzip -] \"-\" \"-\"",
            b"[06/Jan/2026:02:32:23 +0000] 2000 - GET https h \"/\" [Client 192.0.2.1] [Length 1]",
            b"[",
        ] {
            assert!(parse(line).is_none(), "{}", String::from_utf8_lossy(line));
        }
    }
}
