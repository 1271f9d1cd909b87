//! nginx error log: `2026/01/06 02:32:23 [level] PID#TID: *CID message, client: A,
//! server: S, request: "R", upstream: "U", host: "H", referrer: "F"`. The message and the
//! quoted values are attacker-controlled; the client is picked by structure.
//!
//! Multi-line messages (FastCGI stderr with embedded newlines) continue on lines with no
//! header; those are not error lines and parse to None, so the caller counts them as
//! unparsed rather than this parser guessing at a client for them.

use super::access::split_request;
use super::util::{find, is_host_like, is_ip_like, parse_u64, rfind, strip_port, trim};
use crate::vocab::event::{EventTag, ParsedLine};
use crate::vocab::time::{digits, hms, CivilTime};
use memchr::{memchr, memmem};

const CLIENT: &[u8] = b", client: ";

/// The quoted fields nginx appends after `server:`, in the order it writes them.
const TAIL_KEYS: [&[u8]; 5] =
    [b", request: \"", b", subrequest: \"", b", upstream: \"", b", host: \"", b", referrer: \""];

pub fn parse(line: &[u8]) -> Option<ParsedLine<'_>> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.len() < 20 || line[4] != b'/' || line[7] != b'/' || line[10] != b' ' {
        return None;
    }
    let year = digits::<4>(line)? as i32;
    let month = digits::<2>(&line[5..])? as u8;
    let day = digits::<2>(&line[8..])? as u8;
    let (hour, minute, second) = hms(&line[11..])?;
    if !(1..=12).contains(&month) || day == 0 || day > 31 {
        return None;
    }
    let time = CivilTime { year, month, day, hour, minute, second, micros: 0, offset_secs: None };

    let rest = line[19..].strip_prefix(b" [")?;
    let close = memchr(b']', rest)?;
    if close == 0 || !rest[..close].iter().all(u8::is_ascii_lowercase) {
        return None;
    }
    // `PID#TID: ` then, for connection-bound messages, `*CID `.
    let rest = rest[close + 1..].strip_prefix(b" ")?;
    let (hash, colon) = (memchr(b'#', rest)?, memchr(b':', rest)?);
    if colon < hash || !rest[hash + 1..colon].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let pid = parse_u64(&rest[..hash]).and_then(|p| u32::try_from(p).ok())?;
    let mut body = &rest[colon + 1..];
    body = body.strip_prefix(b" ").unwrap_or(body);
    if let Some(after_star) = body.strip_prefix(b"*") {
        let n = after_star.iter().take_while(|c| c.is_ascii_digit()).count();
        if n > 0 {
            body = after_star[n..].strip_prefix(b" ").unwrap_or(&after_star[n..]);
        }
    }

    let mut parsed = ParsedLine { time: Some(time), pid: Some(pid), message: body, ..ParsedLine::default() };
    match structural_client(body) {
        Ok(Some(at)) => {
            parsed.message = &body[..at];
            read_tail(&mut parsed, &body[at + CLIENT.len()..]);
        }
        Ok(None) => {}
        Err(Ambiguous) => parsed.ambiguous_address = true,
    }
    classify(&mut parsed);
    Some(parsed)
}

/// Where the real `, client: ` starts. Attacker text can hold fake ones both before it
/// (user names and file names in the message) and after it (the Referer, a mail login).
/// - A message with no quoted text cannot hide one (nginx quotes every attacker string;
///   limit_req/limit_conn quote only the zone name), so the first one is real.
/// - Otherwise a candidate must read as nginx writes a line: its tail reads cleanly to
///   the end (`reads_cleanly`) and the message before it is a whole message of a known
///   kind (`whole_message`). A fake inside a user name is followed by the rest of the
///   real line, and a fake inside the Referer is preceded by the real tail, so a forged
///   candidate fails one of the two unless the forgery rebuilds both.
/// - A line that still reads two ways gets no client: no address rather than a framed
///   one. So does a line with several candidates of which none reads cleanly, and a
///   single one that does not read cleanly in a line long enough to be cut at nginx's
///   2 KiB limit (the real client may be in the part cut off).
fn structural_client(body: &[u8]) -> Result<Option<usize>, Ambiguous> {
    let mut candidates = 0;
    let mut only = None;
    let mut chosen = None;
    for at in memmem::find_iter(body, CLIENT) {
        let tail = &body[at + CLIENT.len()..];
        if !is_client_field(tail) {
            continue;
        }
        let head = &body[..at];
        if candidates == 0
            && (memchr(b'"', head).is_none() || head.starts_with(b"limiting ") || head.starts_with(b"delaying request"))
        {
            return Ok(Some(at));
        }
        candidates += 1;
        only = Some(at);
        if reads_cleanly(tail) && whole_message(head) {
            if chosen.is_some() {
                return Err(Ambiguous);
            }
            chosen = Some(at);
        }
    }
    match (chosen, candidates) {
        (Some(at), _) => Ok(Some(at)),
        (None, 0) => Ok(None),
        (None, 1) if body.len() < MAY_BE_CUT => Ok(only),
        _ => Err(Ambiguous),
    }
}

/// More than one `, client: ` could be nginx's (see `structural_client`).
struct Ambiguous;

/// nginx cuts an error line at 2048 bytes (NGX_MAX_ERROR_STR); a message body this long
/// may have lost its end.
const MAY_BE_CUT: usize = 1990;

/// True unless `head` starts like a message nginx ends in fixed text and does not end
/// in it: `user "U" was not found in "F"`, `user "U": password mismatch`,
/// `open() "F" failed (N: reason)`, `client login failed: "E" while ACTION`. A forged client inside U or F leaves the head cut
/// off before that end.
fn whole_message(head: &[u8]) -> bool {
    if head.starts_with(b"user \"") {
        // Older nginx wrote `user "U": was not found in "F"`.
        head.ends_with(b"\": password mismatch")
            || rfind(head, b" was not found in \"").is_some_and(|at| head.ends_with(b"\"") && at + 19 < head.len())
    } else if let Some(error) = head.strip_prefix(b"client login failed: \"") {
        // The auth server's error text (quote-free), then nginx's ` while ACTION`.
        memchr::memchr_iter(b'"', error).count() == 1
            && error
                .rsplit(|&c| c == b'"')
                .next()
                .is_some_and(|after| after.is_empty() || after.starts_with(b" while "))
    } else if head.starts_with(b"open() \"") {
        head.ends_with(b")") && rfind(head, b"\" failed (").is_some()
    } else {
        true
    }
}

/// `ADDR, server: ...` or `ADDR` at the end of the line.
fn is_client_field(tail: &[u8]) -> bool {
    let end = find(tail, b", ").unwrap_or(tail.len());
    let addr = client_text(&tail[..end]);
    (is_ip_like(addr) || is_host_like(addr)) && (end == tail.len() || tail[end..].starts_with(b", server: "))
}

/// True when `tail` (after `, client: `) is nginx's own end of line: `ADDR`, then
/// `, server: NAME` and the known fields in nginx's order. A value ends at its first
/// quote (nginx validates the Host, and a valid request line has no space), except the
/// raw Referer and mail login, which nginx writes last: they end at the quote that
/// ends the line. Mail proxy lines may end in an unquoted `upstream: ADDR`.
fn reads_cleanly(tail: &[u8]) -> bool {
    let Some(at) = find(tail, b", server: ") else {
        return !tail.iter().any(|&c| c == b' ' || c == b'"');
    };
    let rest = &tail[at + 10..];
    let mut rest = &rest[rest.iter().position(|&c| matches!(c, b' ' | b'"' | b',')).unwrap_or(rest.len())..];
    for key in &TAIL_KEYS[..4] {
        if let Some(value) = rest.strip_prefix(*key) {
            let Some(close) = memchr(b'"', value) else {
                return false;
            };
            rest = &value[close + 1..];
        }
    }
    if let Some(referrer) = rest.strip_prefix(TAIL_KEYS[4]) {
        return referrer.ends_with(b"\"");
    }
    if let Some(login) = rest.strip_prefix(MAIL_LOGIN) {
        rest = mail_login(login).1;
    }
    if let Some(upstream) = rest.strip_prefix(MAIL_UPSTREAM) {
        rest = &upstream[upstream.iter().position(|&c| c == b' ' || c == b'"').unwrap_or(upstream.len())..];
    }
    trim(rest).is_empty()
}

/// The mail proxy's `, login: "U"` (the client's text, unescaped) and `, upstream: A`.
const MAIL_LOGIN: &[u8] = b", login: \"";
const MAIL_UPSTREAM: &[u8] = b", upstream: ";

/// A mail login value (after its opening quote): it ends at the last quote that ends
/// the line or is followed by the unquoted upstream, so quotes inside it are its own.
fn mail_login(value: &[u8]) -> (&[u8], &[u8]) {
    let mut end = None;
    for q in memchr::memchr_iter(b'"', value) {
        let after = &value[q + 1..];
        let upstream = after.strip_prefix(MAIL_UPSTREAM).is_some_and(|u| !u.contains(&b' ') && !u.contains(&b'"'));
        if trim(after).is_empty() || upstream {
            end = Some(q);
        }
    }
    match end {
        Some(q) => (&value[..q], &value[q + 1..]),
        None => (value, &value[value.len()..]),
    }
}

/// The address of a client field: the mail proxy writes ` using starttls` after it.
fn client_text(field: &[u8]) -> &[u8] {
    field.strip_suffix(b" using starttls").unwrap_or(field)
}

/// Reads `ADDR, server: S, request: "R", ..., host: "H", referrer: "F"` into the line.
fn read_tail<'a>(p: &mut ParsedLine<'a>, tail: &'a [u8]) {
    let end = find(tail, b", ").unwrap_or(tail.len());
    p.ip = strip_port(client_text(&tail[..end]));
    let mut rest = &tail[end..];
    if let Some(server) = rest.strip_prefix(b", server: ") {
        // The name is configuration text; it ends where the first known field starts.
        let mut name_end = server.len();
        let mut from = 0;
        while let Some(i) = find(&server[from..], b", ") {
            let field = &server[from + i..];
            if next_key_at(field).is_some() || field.starts_with(MAIL_LOGIN) || field.starts_with(MAIL_UPSTREAM) {
                name_end = from + i;
                break;
            }
            from += i + 2;
        }
        rest = &server[name_end..];
    }
    for (index, key) in TAIL_KEYS.iter().enumerate() {
        let Some(value) = rest.strip_prefix(*key) else {
            continue;
        };
        let (v, after) = quoted_value(value);
        match index {
            0 => (p.method, p.path, p.protocol) = split_request(v),
            3 => p.vhost = v,
            4 => p.referer = v,
            _ => {}
        }
        rest = after;
    }
    if let Some(login) = rest.strip_prefix(MAIL_LOGIN) {
        p.user = mail_login(login).0;
    }
}

/// The index of the tail key `b` starts with, if any.
fn next_key_at(b: &[u8]) -> Option<usize> {
    TAIL_KEYS.iter().position(|k| b.starts_with(k))
}

/// A quoted value (after its opening quote): it ends at the quote that ends the line or
/// is followed by another known field. Returns the value and the text after its quote.
fn quoted_value(value: &[u8]) -> (&[u8], &[u8]) {
    let mut from = 0;
    while let Some(i) = memchr(b'"', &value[from..]) {
        let q = from + i;
        let after = &value[q + 1..];
        if trim(after).is_empty() || next_key_at(after).is_some() {
            return (&value[..q], after);
        }
        from = q + 1;
    }
    (value, &value[value.len()..])
}

fn classify<'a>(p: &mut ParsedLine<'a>) {
    let msg: &'a [u8] = p.message;
    let starts = |prefix: &[u8]| msg.starts_with(prefix);
    p.tag = if let Some(rest) = msg.strip_prefix(b"user \"") {
        auth_message(p, rest)
    } else if starts(b"access forbidden by rule")
        || (starts(b"directory index of \"") && msg.ends_with(b"\" is forbidden"))
    {
        EventTag::AccessDenied
    } else if (starts(b"open() \"") || starts(b"\""))
        && (find(msg, b" (2: No such file").is_some() || find(msg, b" (20: Not a directory)").is_some())
    {
        EventTag::FileNotFound
    } else if starts(b"limiting requests") || starts(b"limiting connections") || starts(b"delaying request") {
        EventTag::SecurityAlert
    } else if starts(b"client login failed: ") {
        // The mail proxy's auth server refused the login (password or user unknown:
        // it does not say which).
        EventTag::AuthPasswordMismatch
    } else if starts(b"client sent ") || starts(b"invalid host in request line") {
        EventTag::BadRequest
    } else if starts(b"FastCGI sent in stderr: \"Primary script unknown\"") {
        EventTag::ScriptNotFound
    } else if find(msg, b"ModSecurity: ").is_some_and(|at| at < 32) {
        EventTag::SecurityAlert
    } else {
        EventTag::Other
    };
}

/// `user "X" was not found in "FILE"` and `user "X": password mismatch`, read from the
/// end: the user name may contain quotes and forged text.
fn auth_message<'a>(p: &mut ParsedLine<'a>, rest: &'a [u8]) -> EventTag {
    if let Some(user) = rest.strip_suffix(b"\": password mismatch") {
        p.user = user;
        return EventTag::AuthPasswordMismatch;
    }
    if let Some(at) = rfind(rest, b" was not found in \"").filter(|_| rest.ends_with(b"\"")) {
        let user = &rest[..at];
        let user = user.strip_suffix(b":").unwrap_or(user);
        p.user = user.strip_suffix(b"\"").unwrap_or(user);
        return EventTag::AuthUserNotFound;
    }
    EventTag::Other
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(line: &[u8]) -> ParsedLine<'_> {
        parse(line).unwrap_or_else(|| panic!("no parse: {}", String::from_utf8_lossy(line)))
    }

    #[test]
    fn auth_failures() {
        let l = p(b"2026/01/06 02:32:23 [error] 12#0: *1 user \"bob\" was not found in \"/etc/nginx/.htpasswd\", client: 192.0.2.4, server: example.com, request: \"GET /private/ HTTP/1.1\", host: \"example.com\"");
        assert_eq!(
            (l.ip, l.tag, l.user, l.pid),
            (&b"192.0.2.4"[..], EventTag::AuthUserNotFound, &b"bob"[..], Some(12))
        );
        assert_eq!(
            (l.method, l.path, l.protocol, l.vhost),
            (&b"GET"[..], &b"/private/"[..], &b"HTTP/1.1"[..], &b"example.com"[..])
        );
        assert_eq!(l.message, b"user \"bob\" was not found in \"/etc/nginx/.htpasswd\"");
        let t = l.time.unwrap();
        assert_eq!((t.year, t.month, t.day, t.hour, t.offset_secs), (2026, 1, 6, 2, None));

        let l = p(b"2014/04/03 22:20:38 [error] 30708#0: *3 user \"scriben dio\": password mismatch, client: 192.0.2.1, server: , request: \"GET / HTTP/1.1\", host: \"localhost:8443\", referrer: \"https://example.com/admin\"");
        assert_eq!((l.ip, l.tag, l.user), (&b"192.0.2.1"[..], EventTag::AuthPasswordMismatch, &b"scriben dio"[..]));
        assert_eq!((l.vhost, l.referer), (&b"localhost:8443"[..], &b"https://example.com/admin"[..]));
    }

    #[test]
    fn forged_client_in_user_name_is_ignored() {
        let l = p(b"2014/04/03 22:20:40 [error] 30708#0: *3 user \"test\": password mismatch, client: 198.51.100.1, server: test, request: \"GET / HTTP/1.1\", host: \"localhost:8443\"\": was not found in \"/etc/nginx/.htpasswd\", client: 192.0.2.2, server: , request: \"GET / HTTP/1.1\", host: \"localhost:8443\"");
        assert_eq!((l.ip, l.tag), (&b"192.0.2.2"[..], EventTag::AuthUserNotFound));
        assert!(l.user.starts_with(b"test\": password mismatch, client: 198.51.100.1"));
        let l = p(b"2014/04/03 22:20:40 [error] 30708#0: *3 open() \"/var/www/x\" failed (2: No such file or directory), client: 198.51.100.1, server: s, request: \"GET / HTTP/1.1\"\" failed (2: No such file or directory), client: 192.0.2.3, server: s, request: \"GET /x%22 HTTP/1.1\"");
        assert_eq!((l.ip, l.tag, l.path), (&b"192.0.2.3"[..], EventTag::FileNotFound, &b"/x%22"[..]));
    }

    #[test]
    fn forged_client_in_request_is_ignored() {
        let l = p(b"2015/10/29 20:01:02 [error] 256554#0: *99927 limiting requests, excess: 1.852 by zone \"one\", client: 192.0.2.5, server: example.com, request: \"GET /, client: 198.51.100.6, server: x, request: \"GET / HTTP/1.1\", host: \"example.com\"");
        assert_eq!((l.ip, l.tag), (&b"192.0.2.5"[..], EventTag::SecurityAlert));
        let l = p(b"2018/09/14 19:03:05 [error] 2035#2035: *9134 access forbidden by rule, client: 192.0.2.6, server: www.example.net, request: \"GET /a, client: 198.51.100.7, server: b HTTP/1.1\", host: \"h\", referrer: \"x\", client: 198.51.100.8, server: y\"");
        assert_eq!(
            (l.ip, l.tag, l.path),
            (&b"192.0.2.6"[..], EventTag::AccessDenied, &b"/a, client: 198.51.100.7, server: b"[..])
        );
        let l = p(b"2026/01/06 02:32:23 [info] 12#0: *1 client sent invalid method while reading client request line, client: 2001:db8::6, server: _, request: \"\\x16\\x03\\x01\"");
        assert_eq!((l.ip, l.tag, l.method), (&b"2001:db8::6"[..], EventTag::BadRequest, &b"\\x16\\x03\\x01"[..]));
    }

    #[test]
    fn tags_and_shapes() {
        let l = p(b"2016/10/25 14:50:44 [error] 54053#0: *3 open() \"/usr/share/nginx/html/adsasd\" failed (2: No such file or directory), client: 192.0.2.7, server: localhost, request: \"GET /adsasd HTTP/1.1\", host: \"localhost:8080\"");
        assert_eq!((l.tag, l.path), (EventTag::FileNotFound, &b"/adsasd"[..]));
        let l = p(b"2025/08/01 04:24:17 [warn] 4772#4772: *68 delaying request, excess: 0.841, by zone \"req_limit\", client: 192.0.2.97, server: my.example, request: \"GET /ab2h HTTP/1.1\", host: \"203.0.113.49\"");
        assert_eq!((l.ip, l.tag), (&b"192.0.2.97"[..], EventTag::SecurityAlert));
        let l = p(b"2025/08/03 03:17:28 [error] 25808#25808: *598 limiting connections by zone \"conn_limit\", client: 192.0.2.141, server: my.example, request: \"GET /favicon.ico HTTP/1.1\", host: \"h\", referrer: \"https://example.com/\"");
        assert_eq!((l.tag, l.referer), (EventTag::SecurityAlert, &b"https://example.com/"[..]));
        let l = p(b"2020/11/25 14:42:16 [crit] 76952#76952: *2454307 SSL_do_handshake() failed (SSL: error:1408F0C6:SSL routines:ssl3_get_record:packet length too long) while SSL handshaking, client: 192.0.2.14, server: 0.0.0.0:443");
        assert_eq!((l.ip, l.tag), (&b"192.0.2.14"[..], EventTag::Other));
        let l = p(b"2026/01/06 02:32:23 [error] 12#0: *1 no user/password was provided for basic authentication, client: 192.0.2.15, server: a, request: \"GET / HTTP/1.1\", host: \"a\"");
        assert_eq!((l.ip, l.tag), (&b"192.0.2.15"[..], EventTag::Other));
        let l = p(b"2022/10/24 20:40:32 [warn] 15910#0: *149074 an upstream response is buffered to a temporary file /var/cache/nginx/proxy_temp/1 while reading upstream, client: 192.0.2.16, server: s[.]example[.]com, request: \"GET /api/?t=3 HTTP/1.1\", upstream: \"https://203.0.113.2:443/api/?t=3\", host: \"s[.]example[.]com\", referrer: \"https://s/\"");
        assert_eq!(
            (l.ip, l.path, l.vhost, l.referer),
            (&b"192.0.2.16"[..], &b"/api/?t=3"[..], &b"s[.]example[.]com"[..], &b"https://s/"[..])
        );
        let l = p(b"2026/01/06 02:32:23 [error] 12#0: *1 FastCGI sent in stderr: \"Primary script unknown\" while reading response header from upstream, client: 192.0.2.17, server: a, request: \"GET /wp-login.php HTTP/1.1\", upstream: \"fastcgi://unix:/run/php/fpm.sock:\", host: \"a\"");
        assert_eq!((l.tag, l.path), (EventTag::ScriptNotFound, &b"/wp-login.php"[..]));
        let l = p(b"2016/10/25 14:49:34 [notice] 1#1: signal process started\r");
        assert_eq!((l.ip, l.pid, l.message), (&b""[..], Some(1), &b"signal process started"[..]));
    }

    #[test]
    fn other_lines_are_rejected() {
        for line in [
            &b"PHP message: PHP Warning:  Declaration of A::b() should be compatible in /var/www/x.php on line 0"[..],
            b"host nginx[2833]: 2015/01/21 10:56:10 [error] 2833#0: *16336 open() \"/x\" failed, client: 192.0.2.1",
            b"2015/01/21 10:56:10 [Error] 2833#0: *1 x",
            b"2015/01/21 10:56:10 [error] x#0: *1 x",
            b"192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 2326",
            b"2015-01-21 10:56:10: (mod_auth.c.1) x",
            b"",
        ] {
            assert!(parse(line).is_none(), "{}", String::from_utf8_lossy(line));
        }
    }

    #[test]
    fn mail_proxy_login_failures() {
        // ngx_mail_auth_http_module's refusal, with ngx_mail_log_error's tail.
        let l = p(b"2026/02/01 03:04:05 [info] 812#812: *40 client login failed: \"Invalid login or password\" while in http auth state, client: 198.51.100.30, server: 0.0.0.0:993, login: \"postmaster@example.com\"");
        assert_eq!(
            (l.ip, l.tag, l.user),
            (&b"198.51.100.30"[..], EventTag::AuthPasswordMismatch, &b"postmaster@example.com"[..])
        );
        let l = p(b"2026/02/01 03:04:06 [info] 812#812: *41 client login failed: \"Temporary error\" while in http auth state, client: 2001:db8::30 using starttls, server: 0.0.0.0:587, login: \"a\"b\", upstream: 192.0.2.25:25");
        assert_eq!((l.ip, l.user), (&b"2001:db8::30"[..], &b"a\"b"[..]));
        let l = p(b"2026/02/01 03:04:07 [info] 812#812: *42 client sent invalid command while in auth state, client: 198.51.100.31, server: 0.0.0.0:110");
        assert_eq!((l.ip, l.tag), (&b"198.51.100.31"[..], EventTag::BadRequest));
    }

    /// Every field after nginx's message that a client writes (user name, request line,
    /// referrer, mail login), each with every forged-address text: the real client stays.
    #[test]
    fn forged_text_in_client_fields_never_moves_the_client() {
        const FORGED: [&str; 7] = [
            "from 8.8.8.8 port 22",
            " rhost=8.8.8.8",
            "[client 8.8.8.8]",
            "client: 8.8.8.8,",
            "8.8.8.8 - - [",
            "\", client: 8.8.8.8, server: x, request: \"GET / HTTP/1.1\", host: \"h\"",
            "\", client: 8.8.8.8, server: x, login: \"u",
        ];
        let templates = [
            "2026/01/06 02:32:23 [error] 12#0: *1 user \"{}\" was not found in \"/etc/nginx/.htpasswd\", client: 192.0.2.4, server: example.com, request: \"GET /private/ HTTP/1.1\", host: \"example.com\"",
            "2026/01/06 02:32:23 [error] 12#0: *1 user \"{}\": password mismatch, client: 192.0.2.4, server: example.com, request: \"GET /private/ HTTP/1.1\", host: \"example.com\"",
            // The file name is the decoded URI; the request line keeps it encoded.
            "2026/01/06 02:32:23 [error] 12#0: *1 open() \"/srv/www/{}\" failed (2: No such file or directory), client: 192.0.2.4, server: example.com, request: \"GET /{encoded} HTTP/1.1\", host: \"example.com\"",
            "2026/01/06 02:32:23 [error] 12#0: *1 access forbidden by rule, client: 192.0.2.4, server: example.com, request: \"GET /a HTTP/1.1\", host: \"example.com\", referrer: \"{}\"",
            "2026/01/06 02:32:23 [info] 12#0: *1 client login failed: \"Invalid login\" while in http auth state, client: 192.0.2.4, server: 0.0.0.0:143, login: \"{}\"",
        ];
        let mut cases = 0;
        for template in templates {
            for forged in FORGED {
                let encoded = forged.replace('%', "%25").replace(' ', "%20").replace('"', "%22");
                let line = template.replace("{encoded}", &encoded).replace("{}", forged);
                let l = p(line.as_bytes());
                assert_eq!(String::from_utf8_lossy(l.ip), "192.0.2.4", "{line}");
                cases += 1;
            }
        }
        assert_eq!(cases, 35);
    }

    #[test]
    fn garbage_and_truncations_never_panic() {
        let valid: &[&[u8]] = &[
            b"2014/04/03 22:20:40 [error] 30708#0: *3 user \"t\": password mismatch, client: 192.0.2.1, server: t, request: \"GET / HTTP/1.1\", host: \"l\"\": was not found in \"/f\", client: 192.0.2.2, server: , request: \"GET / HTTP/1.1\", host: \"l\", referrer: \"r\"",
            b"2015/10/29 20:01:02 [error] 1#0: *9 limiting requests, excess: 1 by zone \"one\", client: 2001:db8::1, server: e, request: \"G\", subrequest: \"/s\", upstream: \"u\"",
        ];
        let mut rng = 0x94D0_49BB_1331_11EBu64;
        let alphabet = b" \",:/*#[]0123456789clientserverequsthost\xff";
        let mut buf = Vec::new();
        for line in valid {
            assert!(parse(line).is_some());
            for cut in 0..=line.len() {
                let _ = parse(&line[..cut]);
                let _ = parse(&line[cut..]);
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
