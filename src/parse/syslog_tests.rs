//! Unit tests of syslog.rs: every header form, sniffing negatives, and the robustness
//! test (random bytes, prefixes and splices of valid lines through every parser).

use super::*;
use crate::parse::audit;
use crate::vocab::event::EventTag;
use crate::vocab::time::CivilTime;

fn p(line: &str) -> ParsedLine<'_> {
    parse(line.as_bytes()).unwrap_or_else(|| panic!("not parsed: {line}"))
}

fn text(b: &[u8]) -> &str {
    std::str::from_utf8(b).unwrap()
}

#[allow(clippy::too_many_arguments)]
fn civil(y: i32, mo: u8, d: u8, h: u8, mi: u8, s: u8, micros: u32, off: Option<i32>) -> Option<CivilTime> {
    Some(CivilTime { year: y, month: mo, day: d, hour: h, minute: mi, second: s, micros, offset_secs: off })
}

#[test]
fn rfc3164_headers() {
    let l = p("Jan  6 00:02:28 host sshd[123]: Invalid user x from 192.0.2.1 port 22");
    assert_eq!(l.time, civil(0, 1, 6, 0, 2, 28, 0, None));
    assert_eq!((text(l.host), text(l.program), l.pid), ("host", "sshd", Some(123)));
    assert_eq!((text(l.ip), text(l.user), l.tag), ("192.0.2.1", "x", EventTag::InvalidUser));
    assert_eq!(text(l.message), "Invalid user x from 192.0.2.1 port 22");

    let l = p("Feb 7 16:01:07 linux-m899 sshd[5106]: User root from 192.0.2.54 not allowed because a group is listed in DenyGroups");
    assert_eq!(l.time, civil(0, 2, 7, 16, 1, 7, 0, None));
    assert_eq!((text(l.ip), l.tag), ("192.0.2.54", EventTag::UserNotAllowed));

    let l = p("<38>Jun 21 16:47:48 web1 sshd[13709]: error: PAM: Authentication failure for a from 192.030.0.6");
    assert_eq!((text(l.host), text(l.ip)), ("web1", "192.030.0.6"));

    // no host, possibly extra spaces before the tag
    let l = p("Nov 23 21:50:19 sshd[8148]: Disconnecting: Too many authentication failures for root [preauth]");
    assert_eq!((text(l.host), text(l.program), l.pid), ("", "sshd", Some(8148)));
    assert_eq!((l.tag, text(l.user)), (EventTag::MaxAuthAttempts, "root"));
    let l = p("Mar 11 22:52:12   lighttpd[53690]: (mod_fastcgi.c.2676) FastCGI-stderr: ALERT - x (attacker '198.51.100.167', file '/i.php')");
    assert_eq!((text(l.host), text(l.program), text(l.ip)), ("", "lighttpd", "198.51.100.167"));
    assert_eq!(l.tag, EventTag::SecurityAlert);

    // year and fraction variants
    let l = p("Oct 27 2015 09:24:46 mac screensharingd[1170]: Authentication: FAILED");
    assert_eq!(l.time, civil(2015, 10, 27, 9, 24, 46, 0, None));
    let l = p("Jan 06 00:02:28.123456 host kernel: x");
    assert_eq!(l.time, civil(0, 1, 6, 0, 2, 28, 123_456, None));
}

#[test]
fn program_tag_forms() {
    let l = p("Jun 15 02:04:59 combo sshd(pam_unix)[20882]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=h.example.net  user=root");
    assert_eq!((text(l.program), l.pid, l.tag), ("sshd", Some(20882), EventTag::PamAuthFailure));
    assert_eq!((text(l.ip), text(l.user)), ("h.example.net", "root"));
    let l = p("Jul  3 14:59:17 host sshd-session[1571]: Failed password for root from 192.0.2.1 port 56502 ssh2");
    assert_eq!((text(l.program), text(l.ip), l.tag), ("sshd-session", "192.0.2.1", EventTag::FailedPassword));
    let l = p("Feb  7 15:10:42 example pure-ftpd: (pam_unix) authentication failure; logname= uid=0 euid=0 tty=pure-ftpd ruser=sample-user rhost=192.0.2.11 ");
    assert_eq!((text(l.program), l.pid, text(l.ip), text(l.user)), ("pure-ftpd", None, "192.0.2.11", "sample-user"));
    let l = p("Jan 10 00:00:00 myhost proftpd[12345] myhost.example.com (198.51.100.12[198.51.100.12]): USER u (Login failed): Incorrect password.");
    assert_eq!((text(l.program), l.pid, text(l.ip)), ("proftpd", Some(12345), "198.51.100.12"));
    let l = p("Apr 29 20:11:08 imac.local sshd[63814]: [ID 800047 auth.info] Failed keyboard-interactive for <invalid username> from 192.0.2.35 port 42742 ssh2");
    assert_eq!((text(l.ip), l.tag), ("192.0.2.35", EventTag::FailedOtherAuth));
    let l = p("Dec 10 07:13:56 LabSZ sshd[24227]: message repeated 5 times: [ Failed password for root from 198.51.100.76 port 42393 ssh2]");
    assert_eq!((text(l.ip), text(l.user), l.tag), ("198.51.100.76", "root", EventTag::FailedPassword));
    let l = p("Mar 10 17:05:04 box -- MARK --");
    assert_eq!((text(l.host), text(l.program), text(l.message)), ("box", "", "-- MARK --"));
    let l = p("Mar  1 07:53:12 box syslogd 1.5.0#2ubuntu6: restart.");
    assert_eq!((text(l.program), text(l.message)), ("", "syslogd 1.5.0#2ubuntu6: restart."));
    let l = p("Dec 31 11:59:59 [sshd] error: PAM: Authentication failure for kevin from 192.0.2.128");
    assert_eq!((text(l.host), text(l.program), text(l.ip)), ("", "sshd", "192.0.2.128"));
    // unknown program: header only, never an address out of free text
    let l = p("Aug 14 11:59:58 yyyy rsyncd[23864]: connect from example.com (192.0.2.10)");
    assert_eq!((text(l.program), text(l.ip), l.tag), ("rsyncd", "", EventTag::Other));
}

#[test]
fn iso_and_rfc5424_headers() {
    let l = p("2026-01-06T00:02:28.123456+01:00 host sshd[123]: Invalid user x from 192.0.2.1");
    assert_eq!(l.time, civil(2026, 1, 6, 0, 2, 28, 123_456, Some(3600)));
    assert_eq!((text(l.host), text(l.ip)), ("host", "192.0.2.1"));
    let l = p("2026-01-06T00:02:28Z host sshd[123]: Server listening on :: port 22.");
    assert_eq!(l.time, civil(2026, 1, 6, 0, 2, 28, 0, Some(0)));
    let l =
        p("2025-03-04T01:06:36.645577 ip-172-31-3-150.internal vsftpd[1658]: [u] FAIL LOGIN: Client \"192.0.2.222\"");
    assert_eq!((l.time.unwrap().offset_secs, text(l.ip), text(l.user)), (None, "192.0.2.222", "u"));
    let l = p(
        "2019-10-22 03:39:17 mx1.example.com exim[29786]: dovecot_login authenticator failed for (User) [192.0.2.37]",
    );
    assert_eq!((text(l.program), l.pid, text(l.ip)), ("exim", Some(29786), ""));
    assert!(parse(b"2013-06-12 03:57:58 login authenticator failed for (x) [192.0.2.1]: 535").is_none());
    let freeswitch = b"2013-12-31 17:39:54.767815 [WARNING] sofia_reg.c:2531 Can't find user [1@x] from 192.0.2.5";
    assert!(parse(freeswitch).is_none());

    let l = p(
        r#"<38>1 2019-07-08T17:40:17.954167-04:00 hostname.example.com sshd 55555 - [timeQuality tzKnown="1"][x@123 test="[brackets] \"q\""] Failed unknown for invalid user redmond from 192.0.2.2 port 55555 ssh2"#,
    );
    assert_eq!(l.time, civil(2019, 7, 8, 17, 40, 17, 954_167, Some(-4 * 3600)));
    assert_eq!((text(l.host), text(l.program), l.pid), ("hostname.example.com", "sshd", Some(55555)));
    assert_eq!((text(l.ip), text(l.user), l.tag), ("192.0.2.2", "redmond", EventTag::FailedOtherAuth));
    let l =
        p("<34>1 2003-10-11T22:14:15.003Z mymachine su - ID47 - \u{feff}'su root' failed for lonvick on /dev/pts/8");
    assert_eq!((text(l.program), l.pid, l.time.unwrap().micros), ("su", None, 3000));
    let l = p("<34>1 - - - - - -");
    assert_eq!((l.time, text(l.host), text(l.message)), (None, "", ""));
}

#[test]
fn headerless_journal_lines() {
    let l = p("srv sshd[2737]: Failed password for invalid user test from 192.0.2.7 port 58946 ssh2: from 198.51.100.2 port 55555 ssh2");
    assert_eq!((l.time, text(l.host), l.pid), (None, "srv", Some(2737)));
    // two tails fit: ambiguous, so no address (the pid attributes the line)
    assert_eq!((text(l.ip), text(l.user)), ("", ""));
    let l = p("srv sudo: alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls");
    assert_eq!((text(l.program), text(l.user), text(l.ip)), ("sudo", "alice", ""));
}

#[test]
fn other_formats_are_not_syslog() {
    for line in [
        "192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 2326 \"-\" \"x\"",
        "www.example.com:80 192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 2326",
        "host.example.com - frank [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 2326",
        "[Sun Jul 18 04:02:11 2004] [error] [client 192.0.2.1] File does not exist: /x",
        "[Tue Jan 06 02:32:23.803330 2026] [core:error] [pid 12] [client 192.0.2.1:5] AH00126: x",
        "2026/01/06 02:32:23 [error] 12#0: *1 open() \"/x\" failed (2: No such file or directory), client: 192.0.2.1",
        "2011-12-25 17:09:20: (http_auth.c.875) password doesn't match for /x username: u, IP: 192.0.2.1",
        "1386543323.000      4 192.0.2.1 TCP_DENIED/403 3873 CONNECT a.example.com:443 - NONE/- text/html",
        "type=USER_LOGIN msg=audit(1373330716.415:4063): user pid=1 uid=0 msg='op=login res=failed'",
        "",
        "   ",
        "Dεc 31 11:59:59 [sshd] x",
    ] {
        assert!(parse(line.as_bytes()).is_none(), "parsed as syslog: {line}");
    }
}

/// Lines of every shape the parsers know, for the robustness test.
const SAMPLES: &[&str] = &[
    "Jan  6 00:02:28 host sshd[123]: Failed password for invalid user x from 192.0.2.1 port 22 ssh2: RSA SHA256:x",
    "<38>Feb 7 16:01:07 h sshd[1]: User root from 192.0.2.54 not allowed because listed in DenyUsers",
    "Nov 23 21:50:19 sshd[8148]: Disconnecting invalid user a 192.0.2.7 port 1: Too many authentication failures [preauth]",
    "Mar 11 22:52:12   lighttpd[53690]: ALERT - x (attacker '198.51.100.1', file 'y')",
    "2026-01-06T00:02:28.123456+01:00 host sshd[123]: Connection closed by authenticating user r 192.0.2.3 port 5 [preauth]",
    r#"<38>1 2019-07-08T17:40:17.95-04:00 h sshd 5 - [t a="[b] \"c\""] Received disconnect from 192.0.2.2 port 5:11: x"#,
    "srv sshd[1]: kernel:[ 9.6]: reverse mapping checking getaddrinfo for a [192.0.2.9] failed - POSSIBLE BREAK-IN ATTEMPT!",
    "Jun 15 02:04:59 c sshd(pam_unix)[2]: authentication failure; logname= uid=0 euid=0 tty=x ruser=a rhost=h  user=root",
    "Jul 10 23:53:52 t dropbear[825]: [825] Jul 10 23:53:52 Bad password attempt for 'root' from 192.0.2.4:52289",
    "Feb 11 15:23:17 dropbear[1252]: Exit before auth from <192.0.2.5:2>: (user 'x', 3 fails): Max auth tries reached - user 'x'",
    "Nov 14 22:45:11 t haproxy[760]: 2001:db8::1234:58430 [14/Nov/2015:22:45:11.608] m m/<NOSRV> -1/-1/-1/-1/0 401 248 - - PR-- 0/0/0/0/0 0/0 {a|b} \"GET / HTTP/1.1\"",
    "Jan 10 00:00:00 m proftpd[1] m.example.com (n[192.0.2.6]): USER u: no such user found from n [192.0.2.6] to ::1:21",
    "Jan 31 16:54:07 d pure-ftpd: (?@192.0.2.7) [WARNING] Authentication failed for user [A]",
    "Oct  6 09:59:26 m wu-ftpd[1]: failed login from a.example.net [192.0.2.8]",
    "Oct  6 09:59:26 m vsftpd[1]: [pid 2] [u] FAIL LOGIN: Client \"192.0.2.9\", \"x\"",
    "Oct  6 09:59:26 m login[1]: FAILED LOGIN (1) on '/dev/pts/1' FROM '192.0.2.10' FOR 'root', Authentication failure",
    "Oct  6 09:59:26 m sshd[1]: error: PAM: Authentication failure for a from b via 192.0.2.11",
    "Oct  6 09:59:26 m sshd[1]: SSH: Server;Ltype: Version;Remote: 192.0.2.12-1780;Protocol: 2.0",
    "Oct  6 09:59:26 m sshd[1]: message repeated 2 times: [ Bad protocol version identification 'x' from 192.0.2.13]",
    "type=USER_AUTH msg=audit(1383116263.123:603): pid=1 uid=0 msg='op=password acct=\"d\" exe=\"/usr/sbin/sshd\" hostname=? addr=192.0.2.14 terminal=ssh res=failed'",
    "Oct  6 09:59:26 m audit[1]: USER_LOGIN pid=1 msg='op=login acct=\"r\" exe=\"/usr/sbin/sshd\" addr=192.0.2.15 res=failed'",
];

/// Tiny xorshift generator: deterministic, no dependency.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn run_all(line: &[u8]) {
    let _ = parse(line);
    let _ = audit::parse(line);
    let mut out = ParsedLine::default();
    sshd::parse_message(line, &mut out);
    for program in [
        &b"dropbear"[..],
        b"haproxy",
        b"suhosin",
        b"vsftpd",
        b"proftpd",
        b"pure-ftpd",
        b"ftpd",
        b"sudo",
        b"login",
        b"klogind",
        b"audit",
    ] {
        let mut out = ParsedLine::default();
        programs::parse_message(program, line, &mut out);
    }
}

#[test]
fn never_panics() {
    const PIECES: &[&[u8]] = &[
        b" from ",
        b" port ",
        b"[",
        b"]",
        b"(",
        b")",
        b":",
        b": ",
        b"'",
        b"\"",
        b" ",
        b"<",
        b">",
        b"1",
        b"192.0.2.1",
        b"::",
        b"user ",
        b"[preauth]",
        b" rhost=",
        b"msg='",
        b"=",
        b"\\",
        b"\xff",
        b"\xef\xbb\xbf",
        b"-",
        b" via ",
    ];
    for sample in SAMPLES {
        let sample = sample.as_bytes();
        for end in 0..=sample.len() {
            run_all(&sample[..end]);
            run_all(&sample[end..]);
        }
    }
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut buf = Vec::with_capacity(512);
    for round in 0..20_000 {
        buf.clear();
        if round % 2 == 0 {
            // a sample with random splices
            buf.extend_from_slice(SAMPLES[rng.below(SAMPLES.len())].as_bytes());
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(buf.len() + 1);
                match rng.below(3) {
                    0 => buf.truncate(at),
                    1 => {
                        let piece = PIECES[rng.below(PIECES.len())];
                        buf.splice(at..at, piece.iter().copied());
                    }
                    _ => {
                        if at < buf.len() {
                            buf[at] = rng.next() as u8;
                        }
                    }
                }
            }
        } else {
            for _ in 0..rng.below(200) {
                if rng.below(3) == 0 {
                    buf.extend_from_slice(PIECES[rng.below(PIECES.len())]);
                } else {
                    buf.push(rng.next() as u8);
                }
            }
        }
        run_all(&buf);
    }
}

/// sshd's lines reach the sshd parser whatever the tag looks like: no pid, a path,
/// OpenSSH 9.8+'s program names, an instance suffix, RFC 5424 with a nil procid.
#[test]
fn sshd_tags_of_every_shape() {
    let msg = "Failed password for invalid user ops from 198.51.100.61 port 40100 ssh2";
    for line in [
        format!("Mar  3 10:00:00 host sshd: {msg}"),
        format!("Mar  3 10:00:00 host sshd-session[61]: {msg}"),
        format!("Mar  3 10:00:00 host sshd-auth[62]: {msg}"),
        format!("Mar  3 10:00:00 host /usr/sbin/sshd[63]: {msg}"),
        format!("Mar  3 10:00:00 host sshd@1[64]: {msg}"),
        format!("<38>1 2026-03-03T10:00:00Z host sshd - - - {msg}"),
        format!("<38>1 2026-03-03T10:00:00Z host sshd-session - - - {msg}"),
    ] {
        let l = p(&line);
        assert_eq!((l.tag, text(l.ip), text(l.user)), (EventTag::FailedPassword, "198.51.100.61", "ops"), "{line}");
    }
}
