//! Unit tests of programs.rs: PAM of any service, dropbear, haproxy, suhosin, FTP
//! daemons, local programs, and unknown programs that must yield no address.

use super::*;
use EventTag::*;

#[track_caller]
fn check<'a>(program: &'a str, msg: &'a str, tag: EventTag, ip: &str, user: &str) -> ParsedLine<'a> {
    let mut out = ParsedLine::default();
    parse_message(program.as_bytes(), msg.as_bytes(), &mut out);
    let got = (out.tag, String::from_utf8_lossy(out.ip).into_owned(), String::from_utf8_lossy(out.user).into_owned());
    assert_eq!(got, (tag, ip.to_string(), user.to_string()), "{program}: {msg}");
    out
}

#[test]
fn pam_lines_of_any_program() {
    let tail = "logname= uid=0 euid=0 tty=ftp ruser=an8767 rhost=www.example.com";
    check(
        "vsftpd",
        &format!("pam_unix(vsftpd:auth): authentication failure; {tail}"),
        PamAuthFailure,
        "www.example.com",
        "an8767",
    );
    check("vsftpd", &format!("pam_unix: authentication failure; {tail}"), PamAuthFailure, "www.example.com", "an8767");
    check(
        "vsftpd",
        &format!("authentication failure; {tail}  user=tester"),
        PamAuthFailure,
        "www.example.com",
        "tester",
    );
    check(
        "proftpd",
        "(pam_unix) authentication failure; logname= uid=0 euid=0 tty= ruser= rhost=198.51.100.62  user=mark",
        PamAuthFailure,
        "198.51.100.62",
        "mark",
    );
    // the FTP login name lands in ruser: it cannot move the address
    check(
        "vsftpd",
        "pam_unix(vsftpd:auth): authentication failure; logname= uid=0 euid=0 tty=ftp ruser=x rhost=198.51.100.1 rhost=192.0.2.58",
        PamAuthFailure,
        "192.0.2.58",
        "x rhost=198.51.100.1",
    );
    check("sudo", "pam_unix(sudo:auth): authentication failure; logname=bob uid=1117 euid=0 tty=/dev/pts/1 ruser=alice rhost= user=root", PamAuthFailure, "", "root");
    check("su", "pam_unix(su:session): session opened for user root by alice(uid=0)", Other, "", "root");
    check("login", "pam_unix(login:session): session opened for user nssal by LOGIN(uid=0)", Other, "", "nssal");
    check("sshd", "pam_unix(sshd:session): session opened for user fztu(uid=1000) by (uid=0)", Other, "", "fztu");
    check("gdm", "pam_unix(gdm:auth): check pass; user unknown", PamUserUnknown, "", "");
}

/// Attacker text in `ruser` (an FTP login name) or in the username cannot move the
/// address: every injected ` rhost=` is tried in both fields, with and without `user=`.
#[test]
fn pam_rhost_cannot_be_forged_from_ruser_or_user() {
    let injections = [" rhost=8.8.8.8", " rhost=8.8.8.8 user=y", "x rhost=8.8.8.8", "x rhost=8.8.8.8  user=x"];
    let mut cases = 0;
    for inj in injections {
        let head = "pam_unix(vsftpd:auth): authentication failure; logname= uid=0 euid=0 tty=ftp";
        let lines = [
            // the client's text as the username (sshd, pam_sss ...)
            format!("{head} ruser= rhost=192.0.2.58 user={inj}"),
            format!("{head} ruser= rhost=192.0.2.58  user={inj}"),
            // as the FTP login name, in ruser, with and without user=
            format!("{head} ruser={inj} rhost=192.0.2.58"),
            format!("{head} ruser={inj} rhost=192.0.2.58 user={inj}"),
        ];
        for line in lines {
            let mut out = ParsedLine::default();
            parse_message(b"vsftpd", line.as_bytes(), &mut out);
            let ip = String::from_utf8_lossy(out.ip).into_owned();
            assert!(ip == "192.0.2.58" || ip.is_empty(), "framed {ip}: {line}");
            assert_ne!(ip, "8.8.8.8", "{line}");
            cases += 1;
        }
    }
    assert_eq!(cases, 16);
    // The injected username that framed an address before: the real one is kept.
    check(
        "sshd",
        "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.58  user=x rhost=8.8.8.8",
        PamAuthFailure,
        "192.0.2.58",
        "x rhost=8.8.8.8",
    );
}

/// The PAM forms with the fields a client controls ({U}: `user`, and `ruser` where an
/// FTP daemon puts the login name there), every shared injection in each field in
/// turn and in both, through `parse_message` and a whole syslog line. The real
/// address is 203.0.113.5; where the client's text stands on both sides of `rhost=`
/// (FTP's ruser and user), or nothing says which fields the service fills, the line
/// may get no address, never the injected one.
#[test]
fn pam_injections_never_frame_an_address() {
    use crate::parse::util::ADDRESS_INJECTIONS;
    let tail = "logname= uid=0 euid=0";
    let forms: [(&str, &str, bool); 7] = [
        ("sshd", "pam_unix(sshd:auth): authentication failure; {T} tty=ssh ruser= rhost=203.0.113.5  user={U}", true),
        ("sshd", "(pam_unix) authentication failure; {T} tty=ssh ruser= rhost=203.0.113.5  user={U}", true),
        ("sshd", "PAM 2 more authentication failures; {T} tty=ssh ruser= rhost=203.0.113.5  user={U}", true),
        ("sshd", "pam_sss(sshd:auth): authentication failure; {T} tty=ssh ruser= rhost=203.0.113.5 user={U}", true),
        ("vsftpd", "pam_unix(vsftpd:auth): authentication failure; {T} tty=ftp ruser={R} rhost=203.0.113.5", false),
        (
            "vsftpd",
            "pam_unix(vsftpd:auth): authentication failure; {T} tty=ftp ruser={R} rhost=203.0.113.5  user={U}",
            false,
        ),
        // no tty says which fields the service fills: a user shaped like the tail reads
        // as well as the real one
        ("proftpd", "(pam_unix) authentication failure; {T} tty= ruser= rhost=203.0.113.5  user={U}", false),
    ];
    let (mut cases, mut dropped) = (0, 0);
    for (program, form, must_keep) in forms {
        let fields: Vec<&str> = ["{U}", "{R}"].into_iter().filter(|f| form.contains(f)).collect();
        let mut placements: Vec<Vec<&str>> = fields.iter().map(|f| vec![*f]).collect();
        if fields.len() > 1 {
            placements.push(fields.clone());
        }
        for injection in ADDRESS_INJECTIONS {
            for value in [injection.to_string(), format!("a{injection}"), format!("{injection} b")] {
                for placed in &placements {
                    let mut msg = form.replace("{T}", tail);
                    for field in ["{U}", "{R}"] {
                        msg = msg.replace(field, if placed.contains(&field) { &value } else { "bob" });
                    }
                    let line = format!("Mar  3 10:00:00 host {program}[77]: {msg}");
                    let mut out = ParsedLine::default();
                    if program == "sshd" {
                        crate::parse::sshd::parse_message(msg.as_bytes(), &mut out);
                    } else {
                        parse_message(program.as_bytes(), msg.as_bytes(), &mut out);
                    }
                    let by_syslog = crate::parse::syslog::parse(line.as_bytes()).expect("a syslog line");
                    for ip in [out.ip, by_syslog.ip] {
                        cases += 1;
                        assert_ne!(ip, b"8.8.8.8", "framed: {msg:?}");
                        if ip.is_empty() && !must_keep {
                            dropped += 1;
                        } else {
                            assert_eq!(ip, b"203.0.113.5", "lost: {msg:?}");
                        }
                    }
                }
            }
        }
    }
    eprintln!("PAM injection cases: {cases}, of which {dropped} ambiguous (no address)");
    assert_eq!(cases, 702);
    let mut out = ParsedLine::default();
    parse_message(b"sshd", b"pam_unix(sshd:auth): check pass; user (a rhost=8.8.8.8) unknown", &mut out);
    assert_eq!((out.tag, out.ip, out.user), (PamUserUnknown, &b""[..], &b"a rhost=8.8.8.8"[..]));
}

#[test]
fn dropbear() {
    check(
        "dropbear",
        "bad password attempt for 'root' from 198.51.100.87:5543",
        FailedPassword,
        "198.51.100.87",
        "root",
    );
    check(
        "dropbear",
        "Bad password attempt for 'a' from 1.1.1.1:2' from 192.0.2.87:5543",
        FailedPassword,
        "192.0.2.87",
        "a' from 1.1.1.1:2",
    );
    check(
        "dropbear",
        "[825] Jul 10 23:53:52 Bad password attempt for 'root' from 192.0.2.4:52289",
        FailedPassword,
        "192.0.2.4",
        "root",
    );
    check(
        "dropbear",
        "login attempt for nonexistent user from ::ffff:198.51.100.215:60495",
        InvalidUser,
        "::ffff:198.51.100.215",
        "",
    );
    check(
        "dropbear",
        "Login attempt for nonexistent user 'zz' from 2001:db8::3:60495",
        InvalidUser,
        "2001:db8::3",
        "zz",
    );
    check(
        "dropbear",
        "Exit before auth (user 'x', 10 fails): Max auth tries reached - user 'x' from 192.0.2.20:1234",
        MaxAuthAttempts,
        "192.0.2.20",
        "x",
    );
    check(
        "dropbear",
        "Exit before auth from <192.0.2.21:22>: (user 'y', 3 fails): Max auth tries reached - user 'y'",
        MaxAuthAttempts,
        "192.0.2.21",
        "y",
    );
    check("dropbear", "Exit before auth from <192.0.2.22:22>: Exited normally", Other, "192.0.2.22", "");
    check("dropbear", "Child connection from 192.0.2.23:41234", ConnectionOpened, "192.0.2.23", "");
    check(
        "dropbear",
        "Password auth succeeded for 'root' from 192.0.2.24:41234",
        AcceptedPassword,
        "192.0.2.24",
        "root",
    );
    check(
        "dropbear",
        "Pubkey auth succeeded for 'root' with key md5 0e:ff from 192.0.2.25:41234",
        AcceptedPublickey,
        "192.0.2.25",
        "root",
    );
}

#[test]
fn haproxy() {
    let out = check(
        "haproxy",
        "192.0.2.1:58444 [14/Nov/2015:22:45:25.439] main app/app1 1939/0/1/0/1940 403 5168 - - ---- 3/3/0/0/0 0/0 \"GET /a b HTTP/1.1\"",
        Request,
        "192.0.2.1",
        "",
    );
    assert_eq!(
        (out.status, out.bytes, out.method, out.path, out.protocol),
        (403, Some(5168), &b"GET"[..], &b"/a b"[..], &b"HTTP/1.1"[..])
    );
    let out = check(
        "haproxy",
        "2001:db8::1234:58430 [14/Nov/2015:22:45:11.608] main main/<NOSRV> -1/-1/-1/-1/0 401 248 - - PR-- 0/0/0/0/0 0/0 {x.example|Mozilla} {} \"GET / HTTP/1.1\"",
        Request,
        "2001:db8::1234",
        "",
    );
    assert_eq!(out.status, 401);
    check(
        "haproxy",
        "192.0.2.2:4000 [14/Nov/2015:22:45:11.608] ft bk/srv 0/0/5 212 -- 1/1/0/0/0 0/0",
        Other,
        "192.0.2.2",
        "",
    );
    check("haproxy", "Proxy main started.", Other, "", "");
    check("haproxy", "Server app/app1 is DOWN, reason: Layer4 timeout", Other, "", "");
}

#[test]
fn suhosin_alerts() {
    check(
        "suhosin",
        "ALERT - script tried to increase memory_limit (attacker '198.51.100.77', file '/var/www/i.php', line 161)",
        SecurityAlert,
        "198.51.100.77",
        "",
    );
    // the variable name is the client's
    check(
        "lighttpd",
        "(mod_fastcgi.c.2676) FastCGI-stderr: ALERT - dropped variable 'a(attacker '1.1.1.1', file 'x')' (attacker '192.0.2.167', file '/i.php')",
        SecurityAlert,
        "192.0.2.167",
        "",
    );
    check("php-fpm", "ALERT - x (attacker '192.0.2.8', file '/i.php')", SecurityAlert, "192.0.2.8", "");
    check("lighttpd", "(server.c.1512) server started", Other, "", "");
}

#[test]
fn ftp_daemons() {
    check("vsftpd", "[username] FAIL LOGIN: Client \"192.0.2.222\"", FailedPassword, "192.0.2.222", "username");
    check(
        "vsftpd",
        "[pid 2] [guest] FAIL LOGIN: Client \"::ffff:192.0.2.1\", \"User is not in the allow user list.\"",
        FailedPassword,
        "::ffff:192.0.2.1",
        "guest",
    );
    check(
        "vsftpd",
        "[a] FAIL LOGIN: Client \"1.1.1.1\"] FAIL LOGIN: Client \"192.0.2.3\"",
        FailedPassword,
        "192.0.2.3",
        "a] FAIL LOGIN: Client \"1.1.1.1\"",
    );
    check("vsftpd", "[bob] OK LOGIN: Client \"192.0.2.4\"", AcceptedPassword, "192.0.2.4", "bob");
    check("vsftpd", "CONNECT: Client \"192.0.2.5\"", ConnectionOpened, "192.0.2.5", "");
    check(
        "proftpd",
        "ftp.example.com (a.example.net[::ffff:192.0.2.66]): USER username (Login failed): Incorrect password.",
        FailedPassword,
        "::ffff:192.0.2.66",
        "username",
    );
    check(
        "proftpd",
        "h (::ffff:192.0.2.100[::ffff:192.0.2.100]): USER h proftpd[1] h (inj[198.51.100.44]): no such user found from ::ffff:192.0.2.100 [::ffff:192.0.2.100] to ::1:21",
        InvalidUser,
        "::ffff:192.0.2.100",
        "h proftpd[1] h (inj[198.51.100.44])",
    );
    check(
        "proftpd",
        "192.0.2.13 (192.0.2.13[192.0.2.13]) - SECURITY VIOLATION: Root login attempted",
        UserNotAllowed,
        "192.0.2.13",
        "Root",
    );
    check(
        "proftpd",
        "xxxxxxxxxx (::ffff:192.0.2.4[::ffff:192.0.2.4]) - Maximum login attempts (3) exceeded",
        MaxAuthAttempts,
        "::ffff:192.0.2.4",
        "",
    );
    check(
        "pure-ftpd",
        "(?@192.0.2.194) [WARNING] Authentication failed for user [Administrator]",
        FailedPassword,
        "192.0.2.194",
        "Administrator",
    );
    check("wu-ftpd", "failed login from a.example.net [192.0.2.173]", FailedPassword, "192.0.2.173", "");
    check("ftpd", "repeated login failures from 198.51.100.23 (example.com)", FailedPassword, "198.51.100.23", "");
    check(
        "ftpd",
        "connection from 192.0.2.129 (h.example.com) at Sat Jun 18 02:08:10 2005",
        ConnectionOpened,
        "192.0.2.129",
        "",
    );
    check("ftpd", "FTP LOGIN FAILED FROM 192.0.2.9, root", FailedPassword, "192.0.2.9", "root");
}

#[test]
fn local_and_unknown_programs() {
    check(
        "login",
        "FAILED LOGIN 1 ON tty1 FOR x FROM 198.51.100.1, Authentication failure",
        FailedPassword,
        "",
        "x FROM 198.51.100.1",
    );
    check(
        "sudo",
        "   tsg : user NOT in sudoers ; TTY=pts/1 ; PWD=/home/v ; USER=root ; COMMAND=/bin/ls",
        Other,
        "",
        "tsg",
    );
    check(
        "login",
        "FAILED LOGIN (1) on '/dev/pts/1' FROM '192.0.2.31' FOR 'x, y', Authentication failure",
        FailedPassword,
        "192.0.2.31",
        "x, y",
    );
    check(
        "login",
        "FAILED LOGIN 1 FROM 192.0.2.32 FOR root, Authentication failure",
        FailedPassword,
        "192.0.2.32",
        "root",
    );
    check(
        "klogind",
        "Authentication failed from 192.0.2.39 (192.0.2.39): Permission denied in replay cache code",
        FailedOtherAuth,
        "192.0.2.39",
        "",
    );
    check("rsyncd", "connect from example.com (192.0.2.10)", Other, "", "");
    check("postfix/smtpd", "NOQUEUE: reject: RCPT from unknown[192.0.2.1]: 554 5.7.1", Other, "", "");
    check("courieresmtpd", "error,relay=::ffff:192.0.2.135,from=<a@example.org>: 550 User unknown.", Other, "", "");
}
