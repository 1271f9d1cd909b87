//! Other programs' messages inside syslog: PAM lines of any service, dropbear, haproxy
//! HTTP logs, suhosin alerts, FTP daemons, sudo, klogind, login and relayed audit
//! records. Programs not known here keep only their header: no address is ever
//! guessed out of free text.

use crate::parse::stamps::rfc3164_stamp;
use crate::parse::util::{after_ignore_case, remote};
use crate::parse::util::{find, is_ip_like, parse_u64, rfind, skip_spaces, strip_port, token};
use crate::parse::{access, apache_error, audit, lighttpd_error, nginx_error};
use crate::vocab::event::{EventTag, ParsedLine};
use memchr::{memchr, memrchr};

/// The programs whose messages knocklog reads an address from, by parser. Everything
/// else in syslog keeps only its header (and PAM lines, which any service writes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reader {
    Dropbear,
    Haproxy,
    Suhosin,
    Php,
    Lighttpd,
    Nginx,
    Apache,
    Vsftpd,
    Proftpd,
    PureFtpd,
    WuFtpd,
    Sudo,
    Klogind,
    Login,
    Audit,
}

/// The parser for a syslog tag's program. Web servers are named many ways by the
/// `syslog:`/`logger -t` setups that relay them: `nginx`, `nginx_access`,
/// `nginx-error`, `apache2`, `httpd`, `apache-access` ...
fn reader_of(program: &[u8]) -> Option<Reader> {
    let web = |name: &[u8]| {
        program.strip_prefix(name).is_some_and(|rest| rest.is_empty() || rest[0] == b'_' || rest[0] == b'-')
    };
    Some(match program {
        b"dropbear" => Reader::Dropbear,
        b"haproxy" => Reader::Haproxy,
        b"suhosin" => Reader::Suhosin,
        b"vsftpd" => Reader::Vsftpd,
        b"proftpd" => Reader::Proftpd,
        b"pure-ftpd" => Reader::PureFtpd,
        b"wu-ftpd" | b"ftpd" | b"in.ftpd" => Reader::WuFtpd,
        b"sudo" => Reader::Sudo,
        b"klogind" => Reader::Klogind,
        b"login" => Reader::Login,
        b"audit" => Reader::Audit,
        // PHP's own tags (`php`, `php-fpm`, `php8.2-fpm`, `php-cgi`), not PHP applications.
        p if p == b"php"
            || p.starts_with(b"php-")
            || p.get(3).is_some_and(u8::is_ascii_digit) && p.starts_with(b"php") =>
        {
            Reader::Php
        }
        _ if web(b"lighttpd") => Reader::Lighttpd,
        _ if web(b"nginx") || web(b"openresty") => Reader::Nginx,
        _ if web(b"httpd") || web(b"apache2") || web(b"apache") => Reader::Apache,
        _ => return None,
    })
}

/// True when knocklog reads remote addresses from `program`'s messages (besides PAM
/// lines, read from every program): what a line of a known format that names no
/// address is told apart by in `explain` and in the line-accounting tests.
pub fn reads_addresses_of(program: &[u8]) -> bool {
    reader_of(program).is_some()
}

/// Parses the message of a non-sshd program into `out` (tag Other and no address when
/// the program or message is unknown).
pub fn parse_message<'a>(program: &'a [u8], msg: &'a [u8], out: &mut ParsedLine<'a>) {
    let msg = msg.trim_ascii_end();
    if parse_pam(msg, out) {
        return;
    }
    let Some(reader) = reader_of(program) else { return };
    match reader {
        Reader::Dropbear => dropbear(msg, out),
        Reader::Haproxy => haproxy(msg, out),
        Reader::Suhosin | Reader::Php => suhosin(msg, out),
        Reader::Vsftpd => vsftpd(msg, out),
        Reader::Proftpd => proftpd(msg, out),
        Reader::PureFtpd => pure_ftpd(msg, out),
        Reader::WuFtpd => wu_ftpd(msg, out),
        Reader::Sudo => sudo(msg, out),
        Reader::Klogind => {
            if let Some(s) = msg.strip_prefix(b"Authentication failed from ") {
                out.tag = EventTag::FailedOtherAuth;
                out.ip = remote(token(s).0);
            }
        }
        Reader::Login => login(msg, out),
        Reader::Audit => audit::parse_syslog_record(msg, out),
        // A web server's access line (`access_log syslog:`, `CustomLog "|logger"`) or
        // error line, each in the parser of that format; the error parsers know their
        // line by its first bytes, so they go first.
        Reader::Nginx => web_server_message(nginx_error::parse(msg).or_else(|| access::parse(msg)), out),
        Reader::Apache => {
            web_server_message(apache_error::parse_syslog_message(msg).or_else(|| access::parse(msg)), out)
        }
        Reader::Lighttpd => match lighttpd_error::parse_syslog_message(msg).or_else(|| access::parse(msg)) {
            Some(web) => web_server_message(Some(web), out),
            None => suhosin(msg, out),
        },
    }
}

/// A web server's line relayed through syslog or the journal: the web parser's fields,
/// with the syslog header's time, host and program kept (the embedded line's own
/// stamp, if it has one, only where the header has none).
fn web_server_message<'a>(web: Option<ParsedLine<'a>>, out: &mut ParsedLine<'a>) {
    let Some(web) = web else { return };
    let (time, host, program, pid, message) = (out.time, out.host, out.program, out.pid, out.message);
    *out = ParsedLine { time: time.or(web.time), host, program, pid, message, ..web };
}

/// A PAM module's line, whatever the service: `pam_unix(vsftpd:auth): BODY`,
/// `pam_unix: BODY`, `(pam_unix) BODY`, or vsftpd's bare `authentication failure;
/// logname=...`. Returns false when `msg` is not one.
pub fn parse_pam<'a>(msg: &'a [u8], out: &mut ParsedLine<'a>) -> bool {
    let body = if let Some(rest) = msg.strip_prefix(b"(pam_") {
        match memchr(b')', rest) {
            Some(end) => skip_spaces(&rest[end + 1..]),
            None => return false,
        }
    } else if msg.starts_with(b"pam_") {
        match find(msg, b": ") {
            Some(colon) if !msg[..colon].contains(&b' ') => &msg[colon + 2..],
            _ => return false,
        }
    } else if msg.starts_with(b"authentication failure; logname=") {
        msg
    } else {
        return false;
    };
    parse_pam_body(body, out);
    true
}

/// The text of a PAM line after the module prefix (also what `sshd(pam_unix)[1]:`
/// lines carry): auth failures with rhost/user, unknown users, sessions.
pub fn parse_pam_body<'a>(body: &'a [u8], out: &mut ParsedLine<'a>) {
    let body = body.trim_ascii_end();
    if let Some(s) = body.strip_prefix(b"authentication failure;") {
        out.tag = EventTag::PamAuthFailure;
        set_pam_remote(s, out);
    } else if body.starts_with(b"check pass; user unknown") {
        out.tag = EventTag::PamUserUnknown;
    } else if let Some(s) = body.strip_prefix(b"check pass; user (") {
        // pam_unix with `audit` names the unknown user: `check pass; user (U) unknown`
        if let Some(user) = s.strip_suffix(b") unknown") {
            out.tag = EventTag::PamUserUnknown;
            out.user = user;
        }
    } else if let Some(s) = body.strip_prefix(b"session opened for user ") {
        let user = rfind(s, b" by ").map_or(s, |at| &s[..at]);
        out.user = strip_uid_suffix(user);
    } else if let Some(s) = body.strip_prefix(b"session closed for user ") {
        out.tag = EventTag::SessionClosed;
        out.user = strip_uid_suffix(s);
    }
}

/// Newer PAM writes `session opened for user root(uid=0) by ...`.
fn strip_uid_suffix(user: &[u8]) -> &[u8] {
    match rfind(user, b"(uid=") {
        Some(at) if user.ends_with(b")") => &user[..at],
        _ => user,
    }
}

/// The `logname= uid= euid= tty= ruser=R rhost=H[ user=U]` fields of a PAM failure,
/// written in that order (pam_unix's format). Two of them are the client's text:
/// `ruser` (vsftpd puts the login name there) before `rhost`, and the username `user`
/// after it, so neither the first nor the last ` rhost=` can be trusted. PAM's own
/// `rhost=H` is one whose value is followed by the end or by ` user=`; a genuine line
/// has exactly one. Where forged text makes several, only readings that leave `ruser`
/// as the service writes it stay (empty for sshd, the same name as `user` for FTP),
/// and the line gets no address unless one reading is left: no address rather than a
/// framed one. The user is `user=` if present, else `ruser=`.
pub(super) fn set_pam_remote<'a>(s: &'a [u8], out: &mut ParsedLine<'a>) {
    let s = s.trim_ascii_end();
    let s = s.strip_suffix(b"[preauth]").unwrap_or(s).trim_ascii_end();
    // The fields before `ruser=` are PAM's own, never the client's.
    let ruser_start = find(s, b"ruser=").map_or(0, |at| at + 6);
    let mut fits: Vec<PamRemote> = Vec::new();
    let mut from = ruser_start;
    while let Some(at) = find(&s[from..], b" rhost=").map(|i| from + i) {
        from = at + 1;
        let (rhost, rest) = token(&s[at + 7..]);
        let after = skip_spaces(rest);
        // `token` took the space after the value: `user=` here is a field of its own.
        let user = match after.strip_prefix(b"user=") {
            Some(user) => user,
            None if after.is_empty() => &[],
            None => continue,
        };
        let ruser = s.get(ruser_start..at).unwrap_or_default();
        fits.push(PamRemote { rhost, ruser, user });
    }
    let forged = fits.len() > 1;
    if forged {
        // Forged: sshd (PAM_TTY `ssh`) sets no ruser, so only an empty one is real.
        let before_ruser = &s[..ruser_start.saturating_sub(6)];
        let tty = find(before_ruser, b"tty=").map_or(&[][..], |at| token(&before_ruser[at + 4..]).0);
        if tty.ends_with(b"ssh") {
            fits.retain(|f| f.ruser.is_empty());
        }
        if fits.len() > 1 {
            // FTP daemons write the login name into both ruser and user; no other
            // consistency can be asked of two fields that are both the client's.
            fits.retain(PamRemote::as_ftp_writes_it);
        }
    }
    let [chosen] = fits[..] else {
        out.ambiguous_address = fits.len() > 1 || forged;
        return;
    };
    out.ip = remote(chosen.rhost);
    out.user = if chosen.user.is_empty() { chosen.ruser } else { chosen.user };
}

/// One way to read a PAM failure's `ruser= rhost= user=` tail.
#[derive(Clone, Copy)]
struct PamRemote<'a> {
    rhost: &'a [u8],
    ruser: &'a [u8],
    user: &'a [u8],
}

impl PamRemote<'_> {
    /// FTP daemons put the login name in both fields. (Reading any other pair as
    /// "written by the service" let a forged reading win: ruser `bob` and user
    /// ` rhost=FORGED` read as ruser `bob rhost=REAL  user=` and no user.)
    fn as_ftp_writes_it(&self) -> bool {
        !self.user.is_empty() && self.ruser == self.user
    }
}

/// dropbear: `Bad password attempt for 'U' from ADDR:PORT`, `Login attempt for
/// nonexistent user[ 'U'] from ADDR:PORT`, `Exit before auth ...: Max auth tries
/// reached`, `Child connection from ADDR:PORT`, `Password auth succeeded for 'U' ...`.
fn dropbear<'a>(msg: &'a [u8], out: &mut ParsedLine<'a>) {
    let msg = skip_dropbear_stamp(msg);
    if let Some(s) = after_ignore_case(msg, b"bad password attempt for '") {
        out.tag = EventTag::FailedPassword;
        set_quoted_user_from(s, out);
    } else if let Some(s) = after_ignore_case(msg, b"login attempt for nonexistent user") {
        out.tag = EventTag::InvalidUser;
        match s.strip_prefix(b" '") {
            Some(quoted) => set_quoted_user_from(quoted, out),
            None => out.ip = s.strip_prefix(b" from ").map(addr_with_port).unwrap_or_default(),
        }
    } else if let Some(s) = msg.strip_prefix(b"Exit before auth") {
        if find(s, b"Max auth tries reached").is_some() {
            out.tag = EventTag::MaxAuthAttempts;
        }
        if let Some(u) = find(s, b"(user '").map(|at| &s[at + 7..]) {
            out.user = find(u, b"', ").map_or(u, |end| &u[..end]);
        }
        out.ip = match s.strip_prefix(b" from <") {
            // newer: `Exit before auth from <ADDR:PORT>: (user 'u', 3 fails): ...`
            Some(s) => memchr(b'>', s).map(|end| addr_with_port(&s[..end])).unwrap_or_default(),
            // older: `... - user 'u' from ADDR:PORT` at the very end
            None => rfind(s, b" from ").map(|at| single_token(&s[at + 6..])).map(addr_with_port).unwrap_or_default(),
        };
    } else if let Some(s) = msg.strip_prefix(b"Child connection from ") {
        out.tag = EventTag::ConnectionOpened;
        out.ip = addr_with_port(token(s).0);
    } else if let Some(s) = msg.strip_prefix(b"Password auth succeeded for '") {
        out.tag = EventTag::AcceptedPassword;
        set_quoted_user_from(s, out);
    } else if let Some(s) = msg.strip_prefix(b"Pubkey auth succeeded for '") {
        // `U' with key md5 0e:ff from ADDR:PORT`
        out.tag = EventTag::AcceptedPublickey;
        if let (Some(user_end), Some(from)) = (rfind(s, b"' with key"), rfind(s, b" from ")) {
            out.user = &s[..user_end];
            out.ip = addr_with_port(single_token(&s[from + 6..]));
        }
    }
}

/// `U' from ADDR:PORT` at the end of a dropbear line: U is the client's, so the last
/// `' from ` before a single-token tail.
fn set_quoted_user_from<'a>(s: &'a [u8], out: &mut ParsedLine<'a>) {
    if let Some(at) = rfind(s, b"' from ") {
        let tail = &s[at + 7..];
        if !tail.contains(&b' ') {
            out.user = &s[..at];
            out.ip = addr_with_port(tail);
        }
    }
}

/// journald-forwarded dropbear repeats `[pid] Mmm dd HH:MM:SS ` before its text.
fn skip_dropbear_stamp(msg: &[u8]) -> &[u8] {
    let Some(rest) = msg.strip_prefix(b"[") else {
        return msg;
    };
    let Some(end) = memchr(b']', rest) else {
        return msg;
    };
    if parse_u64(&rest[..end]).is_none() {
        return msg;
    }
    match rest.get(end + 1..).and_then(|r| r.strip_prefix(b" ")).and_then(rfc3164_stamp) {
        Some((_, text)) => text,
        None => msg,
    }
}

/// An `ADDR:PORT` where a port is always written: the port goes after the last colon
/// (`2001:db8::1:58430` -> `2001:db8::1`), `[v6]:port` too. Empty if not an address.
fn addr_with_port(b: &[u8]) -> &[u8] {
    let addr = if b.starts_with(b"[") {
        strip_port(b)
    } else {
        match memrchr(b':', b) {
            Some(at) if at > 0 && parse_u64(&b[at + 1..]).is_some() => &b[..at],
            _ => b,
        }
    };
    remote(addr)
}

/// `b` if it has no space, else empty.
fn single_token(b: &[u8]) -> &[u8] {
    if b.contains(&b' ') {
        &[]
    } else {
        b
    }
}

/// haproxy HTTP log: `ADDR:PORT [date] frontend backend/server Tq/Tw/Tc/Tr/Tt STATUS
/// BYTES cookie cookie TERM conns queues [{hdrs} {hdrs}] "METHOD PATH PROTO"`.
/// TCP logs (no quoted request) keep the address with tag Other.
fn haproxy<'a>(msg: &'a [u8], out: &mut ParsedLine<'a>) {
    let (client, rest) = token(msg);
    let (accept_date, rest) = token(rest);
    let addr = addr_with_port(client);
    if !(accept_date.starts_with(b"[") && accept_date.ends_with(b"]") && is_ip_like(addr)) {
        return; // `Proxy main started.`, `Server app/app1 is DOWN` ...
    }
    out.ip = addr;
    let mut fields = [&[][..]; 10];
    let mut rest = rest;
    for field in fields.iter_mut() {
        (*field, rest) = token(rest);
    }
    // captured headers are encoded by haproxy: no `}` or `"` inside
    while rest.starts_with(b"{") {
        let Some(end) = memchr(b'}', rest) else {
            return;
        };
        rest = skip_spaces(&rest[end + 1..]);
    }
    let Some(request) = rest.strip_prefix(b"\"") else {
        return;
    };
    let request = request.strip_suffix(b"\"").unwrap_or(request);
    out.tag = EventTag::Request;
    out.status = parse_u64(fields[3]).and_then(|s| u16::try_from(s).ok()).unwrap_or(0);
    out.bytes = parse_u64(fields[4].strip_prefix(b"+").unwrap_or(fields[4]));
    let (method, target) = token(request);
    out.method = method;
    match memrchr(b' ', target) {
        Some(at) if target[at + 1..].starts_with(b"HTTP/") => {
            out.path = &target[..at];
            out.protocol = &target[at + 1..];
        }
        _ => out.path = target,
    }
}

/// suhosin `ALERT - MESSAGE (attacker 'ADDR', file 'F'[, line N])`, also relayed by
/// lighttpd/php-fpm. MESSAGE may quote the client's variables, so the last
/// `(attacker '`.
fn suhosin<'a>(msg: &'a [u8], out: &mut ParsedLine<'a>) {
    if find(msg, b"ALERT - ").is_none() {
        return;
    }
    if let Some(at) = rfind(msg, b"(attacker '") {
        let s = &msg[at + 11..];
        out.tag = EventTag::SecurityAlert;
        out.ip = memchr(b'\'', s).map(|end| remote(&s[..end])).unwrap_or_default();
    }
}

/// vsftpd: `[U] FAIL LOGIN: Client "ADDR"`, `[U] OK LOGIN: Client "ADDR"`,
/// `CONNECT: Client "ADDR"` (optionally after vsftpd's own `[pid N] `).
fn vsftpd<'a>(msg: &'a [u8], out: &mut ParsedLine<'a>) {
    let msg = match msg.strip_prefix(b"[pid ").and_then(|s| Some(&s[memchr(b']', s)? + 1..])) {
        Some(rest) => skip_spaces(rest),
        None => msg,
    };
    let outcomes: [(&[u8], EventTag); 2] = [
        (b"] FAIL LOGIN: Client \"", EventTag::FailedPassword),
        (b"] OK LOGIN: Client \"", EventTag::AcceptedPassword),
    ];
    for (marker, tag) in outcomes {
        if let (Some(at), Some(user_start)) = (rfind(msg, marker), msg.strip_prefix(b"[")) {
            out.tag = tag;
            out.user = user_start.get(..at.saturating_sub(1)).unwrap_or_default();
            let s = &msg[at + marker.len()..];
            out.ip = memchr(b'"', s).map(|end| remote(&s[..end])).unwrap_or_default();
            return;
        }
    }
    if let Some(s) = msg.strip_prefix(b"CONNECT: Client \"") {
        out.tag = EventTag::ConnectionOpened;
        out.ip = memchr(b'"', s).map(|end| remote(&s[..end])).unwrap_or_default();
    }
}

/// proftpd: `SERVER (NAME[ADDR]) - TEXT` (or `): TEXT`); the address is proftpd's own
/// first bracket, before any client text.
fn proftpd<'a>(msg: &'a [u8], out: &mut ParsedLine<'a>) {
    let Some(open) = find(msg, b" (") else { return };
    let s = &msg[open + 2..];
    let Some(close) = find(s, b"])") else { return };
    let Some(bracket) = memrchr(b'[', &s[..close]) else {
        return;
    };
    out.ip = remote(&s[bracket + 1..close]);
    let text = &s[close + 2..];
    let text = text.strip_prefix(b" - ").or_else(|| text.strip_prefix(b": ")).unwrap_or(text);
    if let Some(user) = text.strip_prefix(b"USER ") {
        if let Some(at) = rfind(user, b" (Login failed)") {
            out.tag = EventTag::FailedPassword;
            out.user = &user[..at];
        } else if let Some(at) = rfind(user, b": no such user found") {
            out.tag = EventTag::InvalidUser;
            out.user = &user[..at];
        }
    } else if let Some(s) = text.strip_prefix(b"SECURITY VIOLATION: ") {
        if let Some(at) = find(s, b" login attempted") {
            out.tag = EventTag::UserNotAllowed;
            out.user = &s[..at];
        }
    } else if text.starts_with(b"Maximum login attempts") {
        out.tag = EventTag::MaxAuthAttempts;
    }
}

/// pure-ftpd: `(U@HOST) [WARNING] Authentication failed for user [U]`.
fn pure_ftpd<'a>(msg: &'a [u8], out: &mut ParsedLine<'a>) {
    let Some(s) = msg.strip_prefix(b"(") else {
        return;
    };
    let Some(close) = memchr(b')', s) else { return };
    let Some(at) = memrchr(b'@', &s[..close]) else {
        return;
    };
    out.ip = remote(&s[at + 1..close]);
    let text = skip_spaces(&s[close + 1..]);
    let text = match text.strip_prefix(b"[").and_then(|t| Some(&t[memchr(b']', t)? + 1..])) {
        Some(t) => skip_spaces(t),
        None => text,
    };
    if let Some(user) = text.strip_prefix(b"Authentication failed for user [") {
        out.tag = EventTag::FailedPassword;
        out.user = user.strip_suffix(b"]").unwrap_or(user);
    }
}

/// wu-ftpd and BSD/Linux ftpd: `failed login from NAME [ADDR]`, `repeated login
/// failures from ADDR (NAME)`, `FTP LOGIN FAILED FROM ADDR, U`, `connection from ADDR
/// (NAME) at ...`, `ANONYMOUS FTP LOGIN FROM ADDR, (anonymous)`.
fn wu_ftpd<'a>(msg: &'a [u8], out: &mut ParsedLine<'a>) {
    if let Some(s) = msg.strip_prefix(b"failed login from ") {
        out.tag = EventTag::FailedPassword;
        let bracketed = s.strip_suffix(b"]").and_then(|s| Some(&s[memrchr(b'[', s)? + 1..]));
        out.ip = remote(bracketed.unwrap_or(s));
    } else if let Some(s) = msg.strip_prefix(b"repeated login failures from ") {
        out.tag = EventTag::FailedPassword;
        out.ip = remote(token(s).0);
    } else if let Some(s) = msg.strip_prefix(b"FTP LOGIN FAILED FROM ") {
        out.tag = EventTag::FailedPassword;
        let (addr, user) = split_comma(s);
        out.ip = remote(addr);
        out.user = user;
    } else if let Some(s) = msg.strip_prefix(b"connection from ") {
        out.tag = EventTag::ConnectionOpened;
        out.ip = remote(token(s).0);
    } else if let Some(s) = msg.strip_prefix(b"ANONYMOUS FTP LOGIN FROM ") {
        out.ip = remote(split_comma(s).0);
    }
}

/// `ADDR, REST` -> (ADDR, REST without leading spaces).
fn split_comma(s: &[u8]) -> (&[u8], &[u8]) {
    match memchr(b',', s) {
        Some(at) => (&s[..at], skip_spaces(&s[at + 1..])),
        None => (s, &[]),
    }
}

/// sudo: `  U : TTY=pts/0 ; PWD=... ; USER=root ; COMMAND=...` (local, no address).
fn sudo<'a>(msg: &'a [u8], out: &mut ParsedLine<'a>) {
    if let Some(at) = find(msg, b" : ") {
        out.user = msg[..at].trim_ascii();
    }
}

/// login (telnet): `FAILED LOGIN 1 FROM ADDR FOR U, reason` and the quoted
/// `FAILED LOGIN (1) on '/dev/pts/1' FROM 'ADDR' FOR 'U', reason`.
fn login<'a>(msg: &'a [u8], out: &mut ParsedLine<'a>) {
    if !msg.starts_with(b"FAILED LOGIN") {
        return;
    }
    out.tag = EventTag::FailedPassword;
    // The user comes last: an address only before the first ` FOR `.
    let Some(for_at) = find(msg, b" FOR ") else {
        return;
    };
    let user = &msg[for_at + 5..];
    out.user = unquote(rfind(user, b", ").map_or(user, |end| &user[..end]));
    if let Some(from) = find(&msg[..for_at], b" FROM ") {
        out.ip = remote(unquote(&msg[from + 6..for_at]));
    }
}

fn unquote(b: &[u8]) -> &[u8] {
    b.strip_prefix(b"'").and_then(|b| b.strip_suffix(b"'")).unwrap_or(b)
}

#[cfg(test)]
#[path = "programs_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "relayed_web_tests.rs"]
mod relayed_web_tests;
