//! Apache error log: 2.4 (`[time] [module:level] [pid P:tid T] [client A:port] AHnnnnn:
//! msg`) and 1.3/2.2 (`[time] [level] [client A] msg`). Only the header's `[client ...]`
//! names the client; message text (paths, user names) is attacker-controlled.

use super::access::{iso_date_time, split_request};
use super::util::{find, is_host_like, is_ip_like, parse_u64, rfind, strip_port, trim};
use crate::vocab::event::{EventTag, ParsedLine};
use crate::vocab::time::{digits, fraction, hms, month_from_abbrev, utc_offset, CivilTime};
use memchr::{memchr, memrchr};

pub fn parse(line: &[u8]) -> Option<ParsedLine<'_>> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let stamp_end = memchr(b']', line)?;
    let time = error_time(line.strip_prefix(b"[")?.get(..stamp_end - 1)?)?;
    parse_after_time(Some(time), &line[stamp_end + 1..])
}

/// The message of `ErrorLog syslog` lines (`httpd[22034]: [error] [client A] msg`):
/// the same fields without the timestamp, which the syslog header carries instead.
pub fn parse_syslog_message(msg: &[u8]) -> Option<ParsedLine<'_>> {
    let msg = msg.strip_suffix(b"\r").unwrap_or(msg);
    parse_after_time(None, msg)
}

fn parse_after_time(time: Option<CivilTime>, after_time: &[u8]) -> Option<ParsedLine<'_>> {
    // `[level]` (1.3/2.2) or `[module:level]` (2.4, module may be empty: `[:error]`).
    let (level_field, mut rest) = bracketed(after_time)?;
    let (program, level, mut modern) = match memchr(b':', level_field) {
        Some(i) => (&level_field[..i], &level_field[i + 1..], true),
        None => (&level_field[..0], level_field, false),
    };
    if !is_level(level) || !program.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_') {
        return None;
    }

    let mut pid = None;
    if rest.starts_with(b"[pid ") {
        let (field, after) = bracketed(rest)?;
        let digits_end = field[4..].iter().position(|c| !c.is_ascii_digit()).map_or(field.len(), |n| 4 + n);
        pid = parse_u64(&field[4..digits_end]).and_then(|p| u32::try_from(p).ok());
        rest = after;
        modern = true;
    }

    // 2.4 may write `file.c(123): ` and `(13)Permission denied: ` before the client.
    let mut ip = &rest[..0];
    let probe = skip_os_error(skip_source_location(rest));
    if let Some((addr, after)) = client_field(probe) {
        ip = client_address(addr, modern);
        rest = after;
    }

    // `, referer: X` is appended last by Apache; the last one is structural.
    let mut message = trim(rest);
    let mut referer = &message[..0];
    if let Some(at) = rfind(message, b", referer: ") {
        referer = &message[at + 11..];
        message = &message[..at];
    }

    let mut parsed = ParsedLine { time, ip, program, pid, message, referer, ..ParsedLine::default() };
    classify(&mut parsed);
    if parsed.ip.is_empty() {
        parsed.ip = unbracketed_client(message);
    }
    Some(parsed)
}

/// Apache's log levels (`trace1`..`trace8` included); other bracketed words after a
/// timestamp (ZNC's `[user]`) are not Apache.
fn is_level(level: &[u8]) -> bool {
    matches!(level, b"emerg" | b"alert" | b"crit" | b"error" | b"warn" | b"notice" | b"info" | b"debug")
        || matches!(level, [b't', b'r', b'a', b'c', b'e', b'1'..=b'8'])
}

/// `[inner] rest`: the inside of a leading bracket and what follows it (spaces skipped).
fn bracketed(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let b = b.strip_prefix(b" ").unwrap_or(b).strip_prefix(b"[")?;
    let end = memchr(b']', b)?;
    let rest = &b[end + 1..];
    Some((&b[..end], rest.strip_prefix(b" ").unwrap_or(rest)))
}

/// The leading `[client ADDR] ` or `[remote ADDR] ` of `b`: the address and the text
/// after it. IPv6 may be bracketed (`[client [2001:db8::1]:443]`). Apache 2.4 writes
/// `[remote ...]` for a connection without a request (TLS handshakes, HTTP/2 streams)
/// and, with an ErrorLogFormat naming both `%a` and `%{c}a` (mod_remoteip), the peer
/// after the client: then the client is the one taken and the peer is skipped.
fn client_field(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let (addr, rest) = address_field(b, b"[client ").or_else(|| address_field(b, b"[remote "))?;
    match address_field(rest, b"[remote ") {
        Some((_, after_peer)) if b.starts_with(b"[client ") => Some((addr, after_peer)),
        _ => Some((addr, rest)),
    }
}

/// `[NAME ADDR] rest` for the given `[NAME ` opening.
fn address_field<'a>(b: &'a [u8], opening: &[u8]) -> Option<(&'a [u8], &'a [u8])> {
    let body = b.strip_prefix(opening)?;
    let skip = if body.first() == Some(&b'[') { memchr(b']', body)? + 1 } else { 0 };
    let end = skip + memchr(b']', &body[skip..])?;
    let rest = &body[end + 1..];
    Some((&body[..end], rest.strip_prefix(b" ").unwrap_or(rest)))
}

/// The client address without its port. 2.4 always appends `:port`, even to bare IPv6
/// (`2001:db8::1:51380`), so there the last all-digit group is the port.
fn client_address(addr: &[u8], modern: bool) -> &[u8] {
    let mut ip = strip_port(addr);
    if modern && ip == addr && !addr.starts_with(b"[") {
        if let Some(i) = memrchr(b':', addr) {
            let (head, port) = (&addr[..i], &addr[i + 1..]);
            let port_ok = parse_u64(port).is_some_and(|p| p <= 65_535);
            if port_ok && (head.ends_with(b"::") || !head.ends_with(b":")) && is_ip_like(head) {
                ip = head;
            }
        }
    }
    if is_ip_like(ip) || is_host_like(ip) {
        ip
    } else {
        &addr[..0]
    }
}

/// Skips `mod_rewrite.c(470): ` (ErrorLogFormat `%F`).
fn skip_source_location(b: &[u8]) -> &[u8] {
    let Some(open) = memchr(b'(', b) else {
        return b;
    };
    let name_ok = open > 0 && b[..open].iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'));
    match b[open..].iter().position(|&c| c == b')') {
        Some(n) if name_ok && n > 1 && b[open + 1..open + n].iter().all(u8::is_ascii_digit) => {
            b[open + n + 1..].strip_prefix(b": ").unwrap_or(b)
        }
        _ => b,
    }
}

/// Skips `(13)Permission denied: ` / `(OS 64)The specified network name...: ` (`%E`):
/// up to the first `: ` after the number, as APR error texts hold no `: ` (so a
/// `: [client X]` in a message behind it is never reached).
fn skip_os_error(b: &[u8]) -> &[u8] {
    let Some(close) = b.strip_prefix(b"(").and_then(|r| memchr(b')', r)) else {
        return b;
    };
    let code = &b[1..close + 1];
    if code.is_empty() || !code.iter().all(|c| c.is_ascii_digit() || matches!(c, b'O' | b'S' | b' ')) {
        return b;
    }
    find(&b[close..], b": ").map_or(b, |at| &b[close + at + 2..])
}

/// Header timestamps: `Sun Jul 18 04:02:11 2004`, `Tue Jan 06 02:32:23.803330 2026`, or
/// ErrorLogFormat's ISO form `2025-07-22 15:45:51.323610 +0200`.
fn error_time(b: &[u8]) -> Option<CivilTime> {
    if b.get(4) == Some(&b'-') {
        let (mut time, used) = iso_date_time(b)?;
        let tail = trim(&b[used..]);
        if !tail.is_empty() {
            let (offset, n) = utc_offset(tail)?;
            if n != tail.len() {
                return None;
            }
            time.offset_secs = Some(offset);
        }
        return Some(time);
    }
    if b.len() < 24 || b[3] != b' ' || b[7] != b' ' || b[10] != b' ' {
        return None;
    }
    let month = month_from_abbrev(&b[4..7])?;
    let day = if b[8] == b' ' { digits::<1>(&b[9..])? } else { digits::<2>(&b[8..])? } as u8;
    let (hour, minute, second) = hms(&b[11..])?;
    let (micros, used) = fraction(&b[19..]);
    let year = b[19 + used..].strip_prefix(b" ").filter(|y| y.len() == 4).and_then(digits::<4>)? as i32;
    if day == 0 || day > 31 {
        return None;
    }
    Some(CivilTime { year, month, day, hour, minute, second, micros, offset_secs: None })
}

/// Sets tag, user, path (and method/protocol where the message quotes a request) from the
/// message text. User names and paths are attacker text, so each template is matched
/// from its server-written end.
fn classify<'a>(p: &mut ParsedLine<'a>) {
    let mut body: &'a [u8] = p.message;
    // `AH01618: ` error codes, and ModSecurity 2's own `[client X] ` prefix.
    if body.len() > 9 && body.starts_with(b"AH") && body[2..7].iter().all(u8::is_ascii_digit) && &body[7..9] == b": " {
        body = &body[9..];
    }
    if let Some((_, after)) = client_field(body) {
        body = after;
    }

    if let Some(rest) = body.strip_prefix(b"user ") {
        user_message(p, rest);
    } else if let Some(rest) = body.strip_prefix(b"Authorization of user ") {
        // 2.2 mod_authz_owner: `Authorization of user X to access /p failed, reason: ...`
        p.tag = EventTag::AccessDenied;
        if let Some(at) = rfind(rest, b" to access ") {
            p.user = &rest[..at];
            let target = &rest[at + 11..];
            p.path = rfind(target, b" failed, reason:").map_or(target, |end| &target[..end]);
        }
    } else if body.starts_with(b"client denied by server configuration") {
        // AH01797 / AH01630 / mod_evasive / 1.3 mod_access
        p.tag = EventTag::AccessDenied;
        p.path = after_colon(body);
    } else if body.starts_with(b"Directory index forbidden by rule") {
        p.tag = EventTag::AccessDenied;
        p.path = after_colon(body);
    } else if let Some(rest) = body.strip_prefix(b"access to ") {
        // 1.3 `access to /p failed for HOST, reason: ...`, 2.4 AH00035 `access to /p denied`
        p.tag = EventTag::AccessDenied;
        let end = find(rest, b" failed for ").or_else(|| find(rest, b" denied"));
        p.path = &rest[..end.unwrap_or(rest.len())];
    } else if let Some(path) = body.strip_prefix(b"File does not exist: ") {
        p.tag = EventTag::FileNotFound;
        p.path = path;
    } else if let Some(at) = (body.starts_with(b"script ") || body.starts_with(b"stderr from "))
        .then(|| find(body, b"not found or unable to stat"))
        .flatten()
    {
        p.tag = EventTag::ScriptNotFound;
        p.path = script_path(body, at);
    } else if let Some(path) = body.strip_prefix(b"attempt to invoke directory as script: ") {
        p.tag = EventTag::ScriptNotFound;
        p.path = path;
    } else if let Some(request) =
        body.strip_prefix(b"Invalid URI in request ").or_else(|| body.strip_prefix(b"Invalid method in request "))
    {
        p.tag = EventTag::BadRequest;
        let request = find(request, b" - possible attempt").map_or(request, |end| &request[..end]);
        (p.method, p.path, p.protocol) = split_request(request);
    } else if let Some(rest) = body.strip_prefix(b"invalid URI path (") {
        p.tag = EventTag::BadRequest;
        p.path = rest.strip_suffix(b")").unwrap_or(rest);
    } else if body.starts_with(b"request failed: ")
        || body.starts_with(b"Invalid protocol")
        || body.starts_with(b"client sent HTTP/1.1 request without hostname")
    {
        p.tag = EventTag::BadRequest;
    } else if body.starts_with(b"ModSecurity:") || body.starts_with(b"mod_security:") {
        p.tag = EventTag::SecurityAlert;
        p.path = modsecurity_uri(body);
    } else if body.starts_with(b"ALERT - ") || find(body, b"ignoring function definition attempt").is_some() {
        // suhosin alerts; bash refusing a shellshock function definition in a CGI header
        p.tag = EventTag::SecurityAlert;
    }
}

/// `user ...` messages of mod_auth_basic/digest (all versions): the user name runs up to
/// the template whose tail ends the message.
fn user_message<'a>(p: &mut ParsedLine<'a>, rest: &'a [u8]) {
    let lower_end = rest.len().saturating_sub(17);
    let ends_mismatch = rest[lower_end..].eq_ignore_ascii_case(b"password mismatch");
    if let (true, Some(at)) = (ends_mismatch, rfind(rest, b": authentication failure for \"")) {
        // `user X: authentication failure for "/p": Password Mismatch`
        p.tag = EventTag::AuthPasswordMismatch;
        p.user = &rest[..at];
        let quoted = &rest[at + 30..];
        p.path = rfind(quoted, b"\": ").map_or(quoted, |end| &quoted[..end]);
    } else if let Some(at) = rfind(rest, b": authentication failure for \"") {
        p.tag = EventTag::AuthPasswordMismatch;
        p.user = &rest[..at];
    } else if let Some(at) = rfind(rest, b": authorization failure for \"") {
        // AH01631 `user X: authorization failure for "/p": `
        p.tag = EventTag::AccessDenied;
        p.user = &rest[..at];
        let quoted = &rest[at + 29..];
        p.path = rfind(quoted, b"\":").map_or(quoted, |end| &quoted[..end]);
    } else if let Some(at) = rfind(rest, b": password mismatch: ") {
        // digest AH01792 `user X: password mismatch: /p`
        p.tag = EventTag::AuthPasswordMismatch;
        p.user = &rest[..at];
        p.path = &rest[at + 21..];
    } else if let Some(at) = rfind(rest, b" not found") {
        // AH01618 / 2.2 / 1.3 `user X not found: /p`; digest AH01790
        // ``user `X' in realm `R' not found: /p``
        p.tag = EventTag::AuthUserNotFound;
        let user = &rest[..at];
        p.user = match (user.strip_prefix(b"`"), rfind(user, b"' in realm `")) {
            (Some(_), Some(end)) if end >= 1 => &user[1..end],
            _ => user,
        };
        p.path = rest[at + 10..].strip_prefix(b": ").unwrap_or(&rest[..0]);
    }
}

/// The text after the first `: `, or nothing.
fn after_colon(b: &[u8]) -> &[u8] {
    find(b, b": ").map_or(&b[..0], |at| &b[at + 2..])
}

/// The script of `script not found or unable to stat: /p`, `script '/p' not found or
/// unable to stat` or `stderr from /p: script not found or unable to stat`.
fn script_path(body: &[u8], marker: usize) -> &[u8] {
    if let Some(quoted) = body.strip_prefix(b"script '") {
        if let Some(end) = rfind(&quoted[..marker.saturating_sub(8)], b"' ") {
            return &quoted[..end];
        }
    }
    if let Some(from) = body.strip_prefix(b"stderr from ") {
        if let Some(end) = rfind(&from[..marker.saturating_sub(12)], b": ") {
            return &from[..end];
        }
    }
    after_colon(&body[marker..])
}

/// ModSecurity's `[uri "/x"]`: the last one, as rule data earlier in the line may quote
/// request text.
fn modsecurity_uri(body: &[u8]) -> &[u8] {
    let Some(at) = rfind(body, b"[uri \"") else {
        return &body[..0];
    };
    let value = &body[at + 6..];
    find(value, b"\"]").map_or(value, |end| &value[..end])
}

/// mod_ssl (1.3/2.0) names the client in fixed text when the header has none:
/// `SSL handshake failed (server host:443, client 192.0.2.1)`, `SSL handshake timed out
/// (client 192.0.2.1, server host:443)`. Nothing attacker-written precedes it. (1.3's
/// `access to /p failed for HOST, reason: ...` is not used: both sides of HOST are
/// attacker text.)
fn unbracketed_client(message: &[u8]) -> &[u8] {
    let none = &message[..0];
    if !message.starts_with(b"mod_ssl: ") {
        return none;
    }
    let marker = |m: &[u8]| find(message, m).map(|at| at + m.len());
    let Some(start) = marker(b", client ").or_else(|| marker(b"(client ")) else {
        return none;
    };
    let value = &message[start..];
    let end = value.iter().position(|&c| c == b')' || c == b',').unwrap_or(value.len());
    Some(&value[..end]).filter(|ip| is_ip_like(ip)).unwrap_or(none)
}

#[cfg(test)]
mod tests {
    use super::*;
    use EventTag::*;

    /// Parses `line` and checks (ip, tag, user, path); returns the line for more checks.
    fn check<'a>(line: &'a [u8], ip: &str, tag: EventTag, user: &str, path: &str) -> ParsedLine<'a> {
        let l = parse(line).unwrap_or_else(|| panic!("no parse: {}", String::from_utf8_lossy(line)));
        let got = (l.ip, l.tag, l.user, l.path);
        assert_eq!(got, (ip.as_bytes(), tag, user.as_bytes(), path.as_bytes()), "{}", String::from_utf8_lossy(line));
        l
    }

    #[test]
    fn apache24_auth_lines() {
        let l = check(
            b"[Tue Jan 06 02:32:23.803330 2026] [auth_basic:error] [pid 123:tid 456] [client 192.0.2.4:5678] AH01618: user admin not found: /private/",
            "192.0.2.4", AuthUserNotFound, "admin", "/private/",
        );
        assert_eq!((l.program, l.pid), (&b"auth_basic"[..], Some(123)));
        assert_eq!(l.message, b"AH01618: user admin not found: /private/");
        let t = l.time.unwrap();
        assert_eq!((t.year, t.month, t.day, t.micros, t.offset_secs), (2026, 1, 6, 803_330, None));

        let l = check(
            b"[Tue Jan 06 02:32:24.1 2026] [auth_basic:error] [pid 123] [client 2001:db8::1:443] AH01617: user bob smith: authentication failure for \"/adm\": Password Mismatch, referer: http://example.com/",
            "2001:db8::1", AuthPasswordMismatch, "bob smith", "/adm",
        );
        assert_eq!(l.referer, b"http://example.com/");
        // A user name holding the words "not found": the template is read from the end.
        check(
            b"[Tue Jan 06 02:32:25 2026] [auth_basic:error] [pid 1] [client 192.0.2.4:1] AH01618: user x not found: / not found: /private",
            "192.0.2.4", AuthUserNotFound, "x not found: /", "/private",
        );
        check(
            b"[Sat Jul 20 21:45:28.890523 2013] [auth_digest:error] [pid 1:tid 2] [client 192.0.2.5:51408] AH01790: user `dig user' in realm `private area' not found: /digest/",
            "192.0.2.5", AuthUserNotFound, "dig user", "/digest/",
        );
        check(
            b"[Sat Jul 20 21:44:06.867985 2013] [auth_digest:error] [pid 1:tid 2] [client 192.0.2.5:51406] AH01792: user carol: password mismatch: /digest/x.html",
            "192.0.2.5", AuthPasswordMismatch, "carol", "/digest/x.html",
        );
        check(
            b"[Sat Jul 20 21:42:44.304159 2013] [authz_core:error] [pid 1:tid 2] [client 192.0.2.5:51397] AH01631: user dave: authorization failure for \"/owner/x.html\": ",
            "192.0.2.5", AccessDenied, "dave", "/owner/x.html",
        );
    }

    #[test]
    fn apache22_and_13_lines() {
        let l = check(
            b"[Sun Jul 18 04:02:11 2004] [error] [client 192.0.2.1] File does not exist: /var/www/x",
            "192.0.2.1",
            FileNotFound,
            "",
            "/var/www/x",
        );
        assert_eq!((l.program, l.pid), (&b""[..], None));
        check(
            b"[Thu Jul 11 01:21:44 2013] [error] [client 2001:db8::80da:af6b:8b2c] user test-ipv6 not found: /",
            "2001:db8::80da:af6b:8b2c",
            AuthUserNotFound,
            "test-ipv6",
            "/",
        );
        check(
            b"[Wed Jul 17 23:14:37 2013] [error] [client 192.0.2.2] user  not found: /basic/anon/x.html",
            "192.0.2.2",
            AuthUserNotFound,
            "",
            "/basic/anon/x.html",
        );
        check(
            b"[Wed Jul 17 22:18:52 2013] [error] [client 192.0.2.2] user eve: authentication failure for \"/basic/file\": password mismatch",
            "192.0.2.2", AuthPasswordMismatch, "eve", "/basic/file",
        );
        let l = check(
            b"[Mon Nov 18 22:39:33 2013] [error] [client 192.0.2.3] user gg not found: /, referer: http://example.org/m.html",
            "192.0.2.3", AuthUserNotFound, "gg", "/",
        );
        assert_eq!(l.referer, b"http://example.org/m.html");
        check(
            b"[Wed Jul 17 22:54:32 2013] [error] [client 192.0.2.2] Authorization of user frank to access /owner/x.html failed, reason: file owner dan does not match.",
            "192.0.2.2", AccessDenied, "frank", "/owner/x.html",
        );
        check(
            b"[Sun Jun 20 04:02:03 2004] [notice] Apache/1.3.19 (Unix) configured -- resuming normal operations",
            "",
            Other,
            "",
            "",
        );
        check(
            b"[Sun Jun 20 05:00:00 2004] [error] mod_ssl: SSL handshake failed (server ns1.example.com:443, client 198.51.100.3) (OpenSSL library error follows)",
            "198.51.100.3", Other, "", "",
        );
        check(
            b"[Sun Jun 20 05:00:00 2004] [error] access to /private/ failed for 198.51.100.4, reason: user bob not allowed access",
            "", AccessDenied, "", "/private/",
        );
        let l = check(
            b"[Sun Dec  4 04:47:44 2005] [error] [client 198.51.100.5] Directory index forbidden by rule: /var/www/html/",
            "198.51.100.5", AccessDenied, "", "/var/www/html/",
        );
        assert_eq!(l.time.unwrap().day, 4);
    }

    #[test]
    fn mod_ssl_client() {
        check(
            b"[Sun Jun 20 05:00:01 2004] [info] mod_ssl: SSL handshake timed out (client 198.51.100.8, server ns1.example.com:443)",
            "198.51.100.8", Other, "", "",
        );
    }

    #[test]
    fn injected_client_in_message_is_ignored() {
        check(
            b"[Sat Jun 01 02:17:42 2013] [error] [client 192.0.2.33] File does not exist: /srv/http/site/[client 198.51.100.1] user root not found",
            "192.0.2.33", FileNotFound, "", "/srv/http/site/[client 198.51.100.1] user root not found",
        );
        check(
            b"[Sat Sep 28 09:18:06 2018] [error] [client 192.0.2.1:55555] [client 192.0.2.1] ModSecurity: [id \"340069\"] [data \"[uri \\\"/fake\\\"]\"] Access denied with code 403 (phase 2). [hostname \"h\"] [uri \"/w00tw00t.at.blackhats\"] [unique_id \"4Q6R\"]",
            "192.0.2.1", SecurityAlert, "", "/w00tw00t.at.blackhats",
        );
        // No header client: an injected one in the message must not be taken.
        check(b"[Sun Jun 20 04:02:03 2004] [notice] child said [client 198.51.100.9] hi", "", Other, "", "");
        check(
            b"[Mon Dec 26 16:15:55 2016] [core:error] [pid 9] (13)Permission denied: AH00132: file permissions deny server access: /var/www/a: [client 198.51.100.9] b",
            "", Other, "", "",
        );
    }

    #[test]
    fn bad_requests_scripts_and_denials() {
        let l = check(
            b"[Sat Mar 15 16:04:06.105212 2010] [core:error] [pid 17408] [client 192.0.2.1:55280] AH00126: Invalid URI in request GET /static/../../etc/passwd HTTP/1.1",
            "192.0.2.1", BadRequest, "", "/static/../../etc/passwd",
        );
        assert_eq!((l.method, l.protocol), (&b"GET"[..], &b"HTTP/1.1"[..]));
        let l = check(
            b"[Wed Oct 29 11:55:14 2008] [error] [client 192.0.2.6] Invalid method in request \\x16\\x03\\x01 - possible attempt to establish SSL connection when the server isn't expecting it",
            "192.0.2.6", BadRequest, "", "",
        );
        assert_eq!(l.method, b"\\x16\\x03\\x01");
        check(
            b"[Wed Dec 18 15:23:15.495667 2024] [core:error] [pid 1672:tid 1839] [client 192.0.2.74:39140] AH10244: invalid URI path (/cgi-bin/.%2e/.%2e/bin/sh)",
            "192.0.2.74", BadRequest, "", "/cgi-bin/.%2e/.%2e/bin/sh",
        );
        check(
            b"[Sun Jun 20 04:30:00 2004] [error] [client 192.0.2.7] request failed: URI too long",
            "192.0.2.7",
            BadRequest,
            "",
            "",
        );
        check(
            b"[Tue Dec 31 09:13:47 2013] [error] [client 192.0.2.8] script '/var/www/wp-login.php' not found or unable to stat",
            "192.0.2.8", ScriptNotFound, "", "/var/www/wp-login.php",
        );
        let l = check(
            b"[Tue Aug 11 08:56:17.580412 2020] [cgi:error] [pid 27550:tid 1] [client 192.0.2.1:18071] AH02811: script not found or unable to stat: /usr/lib/cgi-bin/kerbynet",
            "192.0.2.1", ScriptNotFound, "", "/usr/lib/cgi-bin/kerbynet",
        );
        assert_eq!(l.program, b"cgi");
        check(
            b"[Wed Jul 30 16:43:26.968908 2025] [cgi:error] [pid 1:tid 2] [client 192.0.2.5:33570] AH02811: stderr from /srv/http/cgi-bin: script not found or unable to stat",
            "192.0.2.5", ScriptNotFound, "", "/srv/http/cgi-bin",
        );
        check(
            b"[Sat Jul 20 21:34:49.453232 2013] [access_compat:error] [pid 17512:tid 1] [client 192.0.2.9:51380] AH01797: client denied by server configuration: /var/www/html/noentry/x.html",
            "192.0.2.9", AccessDenied, "", "/var/www/html/noentry/x.html",
        );
        check(
            b"[Thu Sep 25 09:27:18.813902 2014] [cgi:error] [pid 16860] [client 192.0.2.76:59635] AH01215: /bin/bash: warning: HTTP_TEST: ignoring function definition attempt",
            "192.0.2.76", SecurityAlert, "", "",
        );
    }

    #[test]
    fn header_variants() {
        let l = check(
            b"[Mon Dec 26 16:15:55.103786 2016] [core:notice] [pid 11379] AH00094: Command line: '/usr/sbin/httpd'",
            "",
            Other,
            "",
            "",
        );
        assert_eq!((l.pid, l.program), (Some(11379), &b"core"[..]));
        check(
            b"[Fri Sep 09 10:42:29.902022 2011] [:error] [pid 35708:tid 4328636416] [client 192.0.2.156] File does not exist: /x",
            "192.0.2.156", FileNotFound, "", "/x",
        );
        check(
            b"[Wed Oct 20 19:20:59.121211 2021] [rewrite:trace3] [pid 1:tid 2] mod_rewrite.c(470): [client 192.0.2.8:38350] 192.0.2.8 - - [x/sid#1][rid#2/initial] applying pattern",
            "192.0.2.8", Other, "", "",
        );
        let l = check(
            b"[Mon Dec 26 16:15:55 2016] [proxy_http:error] [pid 9] (70007)The timeout specified has expired: [client 192.0.2.10:5] AH01102: error reading status line",
            "192.0.2.10", Other, "", "",
        );
        assert_eq!(l.message, b"AH01102: error reading status line");
        let l = check(
            b"[2025-07-22 15:45:51.323610 +0200] [core:notice] [pid 1:tid 139958433106048] AH00094: Command line: 'httpd -D FOREGROUND'",
            "", Other, "", "",
        );
        assert_eq!(l.time.unwrap().offset_secs, Some(7200));
        check(
            b"[Mon Dec 26 16:15:55 2016] [ssl:error] [pid 9] [client [2001:db8::2]:443] AH02032: Hostname provided via SNI",
            "2001:db8::2", Other, "", "",
        );
    }

    #[test]
    fn remote_field_of_connections_and_remoteip() {
        // A connection-level message (no request): Apache 2.4 writes `[remote A:port]`.
        check(
            b"[Mon Jan 05 10:00:00.123456 2026] [ssl:info] [pid 12:tid 34] [remote 192.0.2.40:51234] AH01964: Connection to child 3 established (server example.com:443)",
            "192.0.2.40", Other, "", "",
        );
        check(
            b"[Mon Jan 05 10:00:00.123456 2026] [core:error] [pid 12:tid 34] [remote 2001:db8::40:51234] AH00037: Symbolic link not allowed or link target not accessible: /var/www/x",
            "2001:db8::40", Other, "", "",
        );
        // ErrorLogFormat with both `[client %a]` and `[remote %{c}a]` (mod_remoteip): the
        // client is the one taken; the proxy peer after it is not the message.
        let l = check(
            b"[Mon Jan 05 10:00:01 2026] [auth_basic:error] [pid 12] [client 203.0.113.41:4000] [remote 192.0.2.1:5000] AH01618: user zed not found: /private",
            "203.0.113.41", AuthUserNotFound, "zed", "/private",
        );
        assert!(l.message.starts_with(b"AH01618"));
    }

    #[test]
    fn syslog_relayed_message() {
        let l = parse_syslog_message(b"[error] [client 192.0.2.12] user carol not found: /basic/file").unwrap();
        assert_eq!((l.ip, l.tag, l.user, l.time), (&b"192.0.2.12"[..], AuthUserNotFound, &b"carol"[..], None));
        assert!(parse_syslog_message(b"Accepted password for root from 192.0.2.1 port 22 ssh2").is_none());
    }

    #[test]
    fn other_formats_are_rejected() {
        for line in [
            &b"192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 2326"[..],
            b"AH00558: apache2: Could not reliably determine the server's fully qualified domain name",
            b"Feb 16 22:32:48 srv httpd[22034]: [error] [client 192.0.2.1] user x not found: /",
            b"[Sun Jul 18 04:02:11 2004] error [client 192.0.2.1] x",
            b"[Sun Jul 18 04:02:11 2004] [Error Level] x",
            b"[2018-10-27 01:40:55] [someuser] failed to login from 192.0.2.1",
            b"[12345.678] kernel: eth0 up",
            b"",
        ] {
            assert!(parse(line).is_none(), "{}", String::from_utf8_lossy(line));
        }
    }

    #[test]
    fn garbage_and_truncations_never_panic() {
        let valid: &[&[u8]] = &[
            b"[Tue Jan 06 02:32:23.803330 2026] [auth_basic:error] [pid 123:tid 456] [client 192.0.2.4:5678] AH01617: user a: authentication failure for \"/p\": Password Mismatch, referer: x",
            b"[Sun Jul 18 04:02:11 2004] [error] [client [2001:db8::1]:5] script '/x' not found or unable to stat",
            b"[2025-07-22 15:45:51.3 +0200] [x:warn] [pid 1] a.c(1): (2)E: [client 192.0.2.1] user `u' in realm `r' not found: /q",
            b"[Sun Jul 18 04:02:11 2004] [error] [client 192.0.2.1] ModSecurity: [uri \"/x",
        ];
        let mut rng = 0xD1B5_4A32_D192_ED03u64;
        let alphabet = b" []:\"'`()/\\0123456789.aAHuser not found\xff";
        let mut buf = Vec::new();
        for line in valid {
            assert!(parse(line).is_some());
            for cut in 0..=line.len() {
                let _ = parse(&line[..cut]);
                let _ = parse(&line[cut..]);
                let _ = parse_syslog_message(&line[cut..]);
            }
        }
        for round in 0..20_000 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            buf.clear();
            buf.extend_from_slice(valid[round % valid.len()]);
            for k in 0..3 {
                let at = (rng >> (k * 8)) as usize % buf.len();
                buf[at] = alphabet[(rng >> (k * 8 + 24)) as usize % alphabet.len()];
            }
            let _ = parse(&buf);
        }
    }
}
