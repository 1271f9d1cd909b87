//! Unit tests of web-server lines relayed through syslog or the journal: each embedded
//! access or error line reads as in a file of its own format, with the outer stamp,
//! host and program kept. Lines are written from the servers' documented formats.

use crate::parse::syslog;
use crate::vocab::event::{EventTag, LogKind};

fn read(line: &str) -> (String, EventTag, LogKind, String, String) {
    let p = syslog::parse(line.as_bytes()).unwrap_or_else(|| panic!("not parsed: {line}"));
    let kind = p.tag.kind_in_syslog(p.program);
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (text(p.ip), p.tag, kind, text(p.path), text(p.host))
}

#[track_caller]
fn check(line: &str, ip: &str, tag: EventTag, kind: LogKind, path: &str) {
    let (got_ip, got_tag, got_kind, got_path, host) = read(line);
    assert_eq!((got_ip.as_str(), got_tag, got_kind, got_path.as_str()), (ip, tag, kind, path), "{line}");
    assert_eq!(host, "web", "{line}");
}

#[test]
fn nginx_access_and_error_lines_through_syslog() {
    // `access_log syslog:server=unix:/dev/log combined;` (tag nginx), RFC 3164 header.
    check(
        r#"Jan  5 10:00:00 web nginx: 203.0.113.5 - - [05/Jan/2026:10:00:00 +0000] "GET /wp-login.php HTTP/1.1" 404 153 "-" "curl/8.0""#,
        "203.0.113.5",
        EventTag::Request,
        LogKind::Access,
        "/wp-login.php",
    );
    // A custom tag, through rsyslog's ISO stamp, and an access line with a pid tag.
    check(
        r#"2026-01-05T10:00:00.123456+01:00 web nginx_access[812]: 2001:db8::5 - bob [05/Jan/2026:10:00:00 +0100] "POST /xmlrpc.php HTTP/1.1" 403 0 "-" "-""#,
        "2001:db8::5",
        EventTag::Request,
        LogKind::Access,
        "/xmlrpc.php",
    );
    // RFC 5424 as nginx itself writes it (`syslog:...,nohostname` off).
    check(
        r#"<190>1 2026-01-05T10:00:00Z web nginx 812 - - 198.51.100.6 - - [05/Jan/2026:10:00:00 +0000] "GET /.env HTTP/1.1" 404 10 "-" "-""#,
        "198.51.100.6",
        EventTag::Request,
        LogKind::Access,
        "/.env",
    );
    // The error log through syslog keeps nginx's own stamp in the message.
    check(
        r#"Jan  5 10:00:01 web nginx: 2026/01/05 10:00:01 [error] 812#812: *3 user "admin" was not found in "/etc/nginx/.htpasswd", client: 198.51.100.7, server: _, request: "GET / HTTP/1.1", host: "web""#,
        "198.51.100.7",
        EventTag::AuthUserNotFound,
        LogKind::Error,
        "/",
    );
}

#[test]
fn apache_lighttpd_and_php_through_syslog() {
    // `ErrorLog syslog:local1`: the error line without its stamp.
    check(
        "Jan  5 10:00:02 web httpd[2201]: [authz_core:error] [pid 2201:tid 2202] [client 198.51.100.8:50312] AH01630: client denied by server configuration: /srv/www/admin",
        "198.51.100.8",
        EventTag::AccessDenied,
        LogKind::Error,
        "/srv/www/admin",
    );
    check(
        "Jan  5 10:00:02 web apache2[2201]: [core:info] [pid 2201] [remote 198.51.100.9:50313] AH00566: request failed: malformed request line",
        "198.51.100.9",
        EventTag::BadRequest,
        LogKind::Error,
        "",
    );
    // `CustomLog "|/usr/bin/logger -t apache-access" combined`.
    check(
        r#"Jan  5 10:00:03 web apache-access: 203.0.113.10 - - [05/Jan/2026:10:00:03 +0000] "GET /phpmyadmin/ HTTP/1.1" 404 196 "-" "Mozilla/5.0""#,
        "203.0.113.10",
        EventTag::Request,
        LogKind::Access,
        "/phpmyadmin/",
    );
    // lighttpd `server.errorlog-use-syslog = "enable"`: the message without its stamp.
    check(
        "Jan  5 10:00:04 web lighttpd[77]: (mod_auth.c.828) password doesn't match for /admin/ username: root IP: 203.0.113.11",
        "203.0.113.11",
        EventTag::AuthPasswordMismatch,
        LogKind::Error,
        "/admin/",
    );
    // A program knocklog does not read keeps its header only: no address from its text.
    check("Jan  5 10:00:05 web myapp[9]: login failed from 203.0.113.12", "", EventTag::Other, LogKind::Syslog, "");
}

#[test]
fn reads_addresses_of_names_the_relayed_web_servers() {
    use crate::parse::programs::reads_addresses_of;
    for program in
        ["nginx", "nginx_access", "nginx-error", "openresty", "httpd", "apache2", "apache-access", "lighttpd"]
    {
        assert!(reads_addresses_of(program.as_bytes()), "{program}");
    }
    for program in ["php", "php-fpm", "php8.2-fpm"] {
        assert!(reads_addresses_of(program.as_bytes()), "{program}");
    }
    for program in ["nginxfoo", "httpdx", "cron", "kernel", "myapp", "phpMyAdmin"] {
        assert!(!reads_addresses_of(program.as_bytes()), "{program}");
    }
}

#[test]
fn every_program_read_is_deduplicated_against_its_journal_copy() {
    use crate::input::journal::is_auth_program;
    use crate::parse::reads_addresses_of;
    let programs = [
        "sshd",
        "sshd-session",
        "sshd-auth",
        "/usr/sbin/sshd",
        "dropbear",
        "haproxy",
        "suhosin",
        "php",
        "php-fpm",
        "php8.2-fpm",
        "lighttpd",
        "nginx",
        "nginx_access",
        "openresty",
        "httpd",
        "apache2",
        "apache-error",
        "vsftpd",
        "proftpd",
        "pure-ftpd",
        "wu-ftpd",
        "ftpd",
        "in.ftpd",
        "sudo",
        "klogind",
        "login",
        "audit",
    ];
    for program in programs {
        assert!(reads_addresses_of(program.as_bytes()), "{program} is read");
        assert!(is_auth_program(program.as_bytes()), "{program}'s journal entries must deduplicate its syslog copies");
    }
}

#[test]
fn a_journal_entry_of_nginx_reads_as_its_access_line() {
    use crate::input::journal::{Batch, Record};
    use std::borrow::Cow;
    let mut r = Record::default();
    r.set(b"__REALTIME_TIMESTAMP", Cow::Borrowed(b"1767607200000000"));
    r.set(b"_HOSTNAME", Cow::Borrowed(b"web"));
    r.set(b"SYSLOG_IDENTIFIER", Cow::Borrowed(b"nginx"));
    r.set(b"_PID", Cow::Borrowed(b"812"));
    r.set(
        b"MESSAGE",
        Cow::Borrowed(br#"203.0.113.20 - - [05/Jan/2026:10:00:00 +0000] "GET /cgi-bin/luci HTTP/1.1" 404 0 "-" "-""#),
    );
    let mut batch = Batch::default();
    batch.push(&r);
    assert_eq!(batch.keys.len(), 1, "deduplicated against /var/log/syslog's copy");
    let line = String::from_utf8(batch.text.clone()).unwrap();
    check(line.trim_end(), "203.0.113.20", EventTag::Request, LogKind::Access, "/cgi-bin/luci");
}
