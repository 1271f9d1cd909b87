//! Linux audit log lines (`type=USER_AUTH msg=audit(EPOCH.mmm:SERIAL): ... msg='op=...
//! acct="U" exe="/usr/sbin/sshd" hostname=H addr=A terminal=ssh res=failed'`): time,
//! program, user and outcome; a remote address only for remote-login daemons.
//!
//! Tags: `res=failed` on USER_AUTH/USER_ERR is FailedPassword (FailedPublickey for a
//! pubkey op), `op=PAM:bad_ident` InvalidUser, USER_LOGIN (sshd's per-connection
//! summary, which repeats the USER_AUTH failures) FailedOtherAuth, USER_ACCT
//! UserNotAllowed. `res=success` on USER_AUTH/USER_LOGIN is Accepted* (both records
//! appear for one password login). Everything else is Other. Records relayed through
//! syslog (`audit[pid]: USER_AUTH ...`) get the same fields via `parse_syslog_record`.

use crate::parse::util::remote;
use crate::parse::util::{find, parse_u64, skip_spaces, token};
use crate::vocab::event::{EventTag, ParsedLine};
use crate::vocab::time::{civil_from_days, fraction, CivilTime, SECS_PER_DAY};
use memchr::{memchr, memmem, memrchr};

/// Programs whose audit records carry the remote party's address.
const REMOTE_LOGIN_DAEMONS: &[&[u8]] = &[
    b"sshd",
    b"sshd-session",
    b"sshd-auth",
    b"dropbear",
    b"vsftpd",
    b"proftpd",
    b"pure-ftpd",
    b"in.telnetd",
    b"telnetd",
    b"login",
    b"xrdp",
    b"xrdp-sesman",
];

/// Parses one audit line; None when it is not `[node=N ]type=T msg=audit(...): ...`.
pub fn parse(line: &[u8]) -> Option<ParsedLine<'_>> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let mut out = ParsedLine::default();
    let mut rest = line;
    if let Some(r) = rest.strip_prefix(b"node=") {
        (out.host, rest) = token(r);
    }
    let (kind, rest) = token(rest.strip_prefix(b"type=")?);
    let rest = rest.strip_prefix(b"msg=audit(")?;
    let close = memchr(b')', rest)?;
    out.time = Some(epoch_stamp(&rest[..close])?);
    let body = skip_spaces(rest[close + 1..].strip_prefix(b":")?);
    out.message = body;
    out.program = fill_record(kind, body, &mut out);
    Some(out)
}

/// An audit record relayed by journald/rsyslog as `audit[pid]: USER_AUTH pid=... msg='...'`
/// (program and pid stay the syslog tag's).
pub fn parse_syslog_record<'a>(msg: &'a [u8], out: &mut ParsedLine<'a>) {
    let (kind, body) = token(msg);
    if kind.len() > 2 && kind.iter().all(|c| c.is_ascii_uppercase() || *c == b'_') {
        fill_record(kind, body, out);
    }
}

/// Fills pid, user, address and tag from a record's fields; returns the program (the
/// basename of `exe`).
fn fill_record<'a>(kind: &[u8], body: &'a [u8], out: &mut ParsedLine<'a>) -> &'a [u8] {
    // User-space records put their fields in a quoted msg='...'; the values the
    // client controls (acct) are hex-encoded when they hold spaces or quotes.
    let (outer, inner) = match find(body, b"msg='") {
        Some(at) => {
            let inner = &body[at + 5..];
            (&body[..at], memchr(b'\'', inner).map_or(inner, |end| &inner[..end]))
        }
        None => (body, &body[..0]),
    };
    let lookup = |key: &[u8]| field(inner, key).or_else(|| field(outer, key));
    if out.pid.is_none() {
        out.pid = field(outer, b"pid").and_then(parse_u64).and_then(|p| u32::try_from(p).ok());
    }
    let exe = lookup(b"exe").unwrap_or_default();
    let program = memrchr(b'/', exe).map_or(exe, |at| &exe[at + 1..]);
    out.user = lookup(b"acct").filter(|a| *a != b"?").unwrap_or_default();

    let terminal = lookup(b"terminal").unwrap_or_default();
    if REMOTE_LOGIN_DAEMONS.contains(&program) || terminal.starts_with(b"ssh") {
        out.ip = [lookup(b"addr"), lookup(b"hostname")]
            .into_iter()
            .flatten()
            .map(remote)
            .find(|v| !v.is_empty())
            .unwrap_or_default();
    }
    // Old records have no op= but start `msg='PAM: authentication acct=...`.
    let op = lookup(b"op").unwrap_or_else(|| find(inner, b" acct=").map_or(inner, |at| &inner[..at]));
    out.tag = outcome_tag(kind, op, lookup(b"res").unwrap_or_default());
    program
}

/// `1373330716.415:4063` -> UTC civil time (offset 0).
fn epoch_stamp(stamp: &[u8]) -> Option<CivilTime> {
    let stamp = memchr(b':', stamp).map_or(stamp, |at| &stamp[..at]);
    let dot = memchr(b'.', stamp).unwrap_or(stamp.len());
    // beyond year 9999 is not a time any log means
    let secs = parse_u64(&stamp[..dot]).filter(|&s| s < 253_402_300_800)? as i64;
    let (micros, _) = fraction(&stamp[dot..]);
    let (year, month, day) = civil_from_days(secs.div_euclid(SECS_PER_DAY));
    let sod = secs.rem_euclid(SECS_PER_DAY);
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

/// The value of `key=` where the key starts a field (after a space, `(` or `,`):
/// `"quoted"` without its quotes, else up to a space, `,` or `)`.
fn field<'a>(s: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let mut pattern = [0u8; 16];
    let pattern = pattern.get_mut(..key.len() + 1)?;
    pattern[..key.len()].copy_from_slice(key);
    pattern[key.len()] = b'=';
    memmem::find_iter(s, &*pattern).find_map(|at| {
        let starts_field = at == 0 || matches!(s[at - 1], b' ' | b'(' | b',');
        if !starts_field {
            return None;
        }
        let value = &s[at + pattern.len()..];
        Some(match value.strip_prefix(b"\"") {
            Some(quoted) => memchr(b'"', quoted).map_or(quoted, |end| &quoted[..end]),
            None => {
                let end = value.iter().position(|&c| matches!(c, b' ' | b',' | b')' | b'\'')).unwrap_or(value.len());
                &value[..end]
            }
        })
    })
}

fn outcome_tag(kind: &[u8], op: &[u8], res: &[u8]) -> EventTag {
    let failed = matches!(res, b"failed" | b"fail");
    let succeeded = res == b"success";
    let pubkey = memmem::find(op, b"pubkey").is_some();
    match kind {
        _ if failed && memmem::find(op, b"bad_ident").is_some() => EventTag::InvalidUser,
        b"USER_AUTH" | b"USER_ERR" if failed && pubkey => EventTag::FailedPublickey,
        b"USER_AUTH" | b"USER_ERR" if failed => EventTag::FailedPassword,
        b"USER_LOGIN" if failed => EventTag::FailedOtherAuth,
        b"USER_ACCT" if failed => EventTag::UserNotAllowed,
        b"USER_AUTH" | b"USER_LOGIN" if succeeded && pubkey => EventTag::AcceptedPublickey,
        b"USER_AUTH" if succeeded => EventTag::AcceptedPassword,
        b"USER_LOGIN" if succeeded => EventTag::AcceptedOtherAuth,
        _ => EventTag::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use EventTag::*;

    const SSHD: &str = "subj=system_u:system_r:sshd_t:s0-s0:c0.c1023";

    #[track_caller]
    fn check<'a>(line: &'a str, tag: EventTag, ip: &str, user: &str) -> ParsedLine<'a> {
        let out = parse(line.as_bytes()).unwrap_or_else(|| panic!("not parsed: {line}"));
        let got = (out.tag, std::str::from_utf8(out.ip).unwrap(), std::str::from_utf8(out.user).unwrap());
        assert_eq!(got, (tag, ip, user), "{line}");
        out
    }

    #[test]
    fn sshd_records() {
        let l = format!("type=USER_LOGIN msg=audit(1373330716.415:4063): user pid=11998 uid=0 auid=4294967295 ses=4294967295 {SSHD} msg='op=login acct=\"root\" exe=\"/usr/sbin/sshd\" hostname=? addr=192.0.2.187 terminal=ssh res=failed'");
        let out = check(&l, FailedOtherAuth, "192.0.2.187", "root");
        assert_eq!((out.program, out.pid), (&b"sshd"[..], Some(11998)));
        let t = out.time.unwrap();
        assert_eq!(
            (t.year, t.month, t.day, t.hour, t.minute, t.second, t.micros, t.offset_secs),
            (2013, 7, 9, 0, 45, 16, 415_000, Some(0))
        );

        let l = format!("type=USER_ERR msg=audit(1373330717.000:4070): user pid=12000 uid=0 {SSHD} msg='op=PAM:bad_ident acct=\"?\" exe=\"/usr/sbin/sshd\" hostname=192.0.2.188 addr=192.0.2.188 terminal=ssh res=failed'");
        check(&l, InvalidUser, "192.0.2.188", "");
        let l = format!("type=USER_LOGIN msg=audit(1372557500.000:61750): user pid=23684 uid=0 {SSHD} msg='op=login acct=28696E76616C6964207573657229 exe=\"/usr/sbin/sshd\" hostname=? addr=198.51.100.18 terminal=ssh res=failed'");
        check(&l, FailedOtherAuth, "198.51.100.18", "28696E76616C6964207573657229");
        let l = format!("type=USER_AUTH msg=audit(1668381071.000:373474): pid=173582 uid=0 {SSHD} msg='op=PAM:authentication grantors=? acct=\"root\" exe=\"/usr/sbin/sshd\" hostname=192.0.2.111 addr=192.0.2.111 terminal=ssh res=failed'UID=\"root\" AUID=\"unset\"");
        check(&l, FailedPassword, "192.0.2.111", "root");
        // hostname when addr is `?`
        let l = "type=USER_AUTH msg=audit(1.0:1): pid=1 uid=0 msg='op=password acct=\"dan\" exe=\"/usr/sbin/sshd\" hostname=h.example.com addr=? terminal=ssh res=failed'";
        check(l, FailedPassword, "h.example.com", "dan");
        let l = "node=web1 type=USER_AUTH msg=audit(1.0:1): pid=1 uid=0 msg='op=pubkey acct=\"dan\" exe=\"/usr/sbin/sshd\" hostname=? addr=2001:db8::4 terminal=ssh res=success'";
        let out = check(l, AcceptedPublickey, "2001:db8::4", "dan");
        assert_eq!(out.host, b"web1");
        let l = "type=USER_LOGIN msg=audit(1.0:1): pid=1 uid=0 msg='op=login id=1000 exe=\"/usr/sbin/sshd\" hostname=? addr=192.0.2.5 terminal=/dev/pts/0 res=success'";
        check(l, AcceptedOtherAuth, "192.0.2.5", "");
        // old RHEL 5 layout
        let l = "type=USER_AUTH msg=audit(1234567890.123:89): user pid=123 uid=0 auid=4294967295 msg='PAM: authentication acct=\"root\" : exe=\"/usr/sbin/sshd\" (hostname=192.0.2.6, addr=192.0.2.6, terminal=ssh res=failed)'";
        check(l, FailedPassword, "192.0.2.6", "root");
    }

    #[test]
    fn local_records_get_no_address() {
        let l = "type=USER_AUTH msg=audit(1.0:1): pid=1 uid=1000 msg='op=PAM:authentication grantors=? acct=\"root\" exe=\"/usr/bin/sudo\" hostname=? addr=? terminal=/dev/pts/0 res=failed'";
        let out = check(l, FailedPassword, "", "root");
        assert_eq!(out.program, b"sudo");
        let l = "type=USER_ACCT msg=audit(1.0:1): pid=1 uid=0 msg='op=PAM:accounting acct=\"x\" exe=\"/usr/sbin/cron\" hostname=192.0.2.7 addr=192.0.2.7 terminal=cron res=failed'";
        check(l, UserNotAllowed, "", "x");
        let l = "type=SYSCALL msg=audit(1364481363.243:24287): arch=c000003e syscall=2 success=no exit=-13 a0=7fffd19c5592 pid=3538 comm=\"cat\" exe=\"/usr/bin/cat\" key=\"sshd_config\"";
        let out = check(l, Other, "", "");
        assert_eq!((out.program, out.pid), (&b"cat"[..], Some(3538)));
    }

    #[test]
    fn records_relayed_by_syslog() {
        let msg = b"USER_LOGIN pid=1234 uid=0 auid=4294967295 msg='op=login acct=\"root\" exe=\"/usr/sbin/sshd\" hostname=? addr=192.0.2.90 terminal=ssh res=failed'";
        let mut out = ParsedLine { pid: Some(1234), program: b"audit", ..ParsedLine::default() };
        parse_syslog_record(msg, &mut out);
        assert_eq!(
            (out.tag, out.ip, out.user, out.program),
            (FailedOtherAuth, &b"192.0.2.90"[..], &b"root"[..], &b"audit"[..])
        );
        let mut out = ParsedLine::default();
        parse_syslog_record(b"Started session 5 of user x from 192.0.2.1", &mut out);
        assert_eq!((out.tag, out.ip), (Other, &b""[..]));
    }

    #[test]
    fn not_audit() {
        for line in
            ["Jan  6 00:02:28 host sshd[1]: x", "type=X", "type=X msg=audit(abc): x", "type=X msg=audit(1.0:1)", ""]
        {
            assert!(parse(line.as_bytes()).is_none(), "{line}");
        }
    }

    #[test]
    fn never_panics_on_prefixes() {
        let l = format!("node=n type=USER_LOGIN msg=audit(1373330716.415:4063): user pid=11998 {SSHD} msg='op=login acct=\"root\" exe=\"/usr/sbin/sshd\" hostname=? addr=192.0.2.187 terminal=ssh res=failed'");
        let b = l.as_bytes();
        for i in 0..=b.len() {
            let _ = parse(&b[..i]);
            let _ = parse(&b[i..]);
        }
    }
}
