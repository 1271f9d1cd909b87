//! Web attack payloads end to end: injections in request lines found whatever the log's
//! escaping, and ordinary traffic (search queries, product names, JSON APIs, English
//! text that talks about `eval` and `phpinfo`) left alone at the default paranoia.

use std::collections::HashMap;
use std::fs;

use crate::util::{corpora, scan};

/// Searches people type, product and place names, and text about programming: words
/// that also occur in attacks, in ordinary sentences.
const QUERIES: [&str; 48] = [
    "how to use eval in javascript",
    "python eval() function explained",
    "what does phpinfo() show",
    "phpinfo output explained",
    "select all that apply",
    "union station parking rates",
    "drop table lamp with shade",
    "1=1 meaning in math",
    "O'Reilly books on SQL",
    "don't stop me now (live)",
    "rock 'n' roll hall of fame",
    "Tom & Jerry episodes",
    "C# vs C++ performance",
    "50% off winter sale",
    "$19.99 deals today",
    "tax forms (2024) pdf",
    "sleep (7 hours) enough?",
    "wait for delay notice template",
    "benchmark results ryzen 7",
    "system requirements for windows 11",
    "exec summary template",
    "alert dialog in react",
    "script for wedding toast",
    "how to exit vim :wq",
    "java.lang.NullPointerException fix",
    "what is a <div> tag",
    "ben & jerry's ice cream",
    "levi's 501 jeans",
    "iphone 15 pro (256gb) price",
    "samsung 55\" tv",
    "at&t prepaid plans",
    "café near me",
    "über eats promo",
    "rust ownership & borrowing",
    "jquery $(document).ready example",
    "what does || mean in javascript",
    "docker run -it ubuntu bash",
    "ls -la explained",
    "cat adoption near me",
    "id card renewal",
    "who am i quotes",
    "sql select where in list",
    "order by date desc excel",
    "insert into table syntax",
    "5' 10\" in cm",
    "the matrix (1999) cast",
    "mother's day gifts",
    "1 or 2 bedroom apartments",
];

/// Request targets of an ordinary site and its JSON API.
const TARGETS: [&str; 24] = [
    "/api/v2/items?filter=%7B%22status%22%3A%22open%22%2C%22tags%22%3A%5B%22a%22%2C%22b%22%5D%7D&sort=-created",
    "/api/v2/items?fields=id,name,price&page=2&per_page=50",
    "/graphql?query=%7Buser(id%3A1)%7Bname%20email%7D%7D",
    "/api/search?q=price%3E10%20AND%20rating%3E%3D4",
    "/wiki/Python_(programming_language)",
    "/wiki/C%2B%2B",
    "/files/report%20(final).pdf",
    "/authors/o%27brien",
    "/login?redirect=%2Faccount%2Fsettings",
    "/sso?return_to=https%3A%2F%2Fshop.example.com%2Fcart%3Fstep%3D2",
    "/out?url=https://www.example.org/page?id=3",
    "/?utm_source=newsletter&utm_medium=email&utm_campaign=winter_sale_2024&fbclid=IwAR2xYz",
    "/events?from=2024-01-01T00:00:00Z&to=2024-01-31T23:59:59Z",
    "/subscribe?email=jane.o%27neil%40example.com",
    "/cart/add?sku=TV-55%22-4K&qty=1",
    "/static/app.3f9a1c.js",
    "/images/products/levi%27s-501.jpg",
    "/shop/category/men's-shoes?size=10.5&color=black",
    "/track?event=click&data=eyJpZCI6MTIzLCJ0eXBlIjoiYnV0dG9uIn0%3D",
    "/api/v1/orders/12345/items?expand=product,price",
    "/docs/guide/images/logo%20(dark).png",
    "/search?q=%22exact+phrase%22+-excluded",
    "/api/reports?range=last_7_days&groupBy=day&metrics=views;clicks",
    "/calendar?view=week&date=2024-03-10&tz=America%2FNew_York",
];

const AGENTS: [&str; 4] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
];

/// Percent-encodes a query the way browsers do (space as `+`).
fn form_encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// One combined-format line, escaped as Apache logs it (`"` as `\"`).
fn line(ip: &str, target: &str, referer: &str, agent: &str, second: usize) -> String {
    let esc = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
    format!(
        "{ip} - - [05/Dec/2026:10:{:02}:{:02} +0000] \"GET {} HTTP/1.1\" 200 5120 \"{}\" \"{}\"\n",
        second / 60 % 60,
        second % 60,
        esc(target),
        esc(referer),
        esc(agent)
    )
}

/// The generated benign corpus: each query as a site search (from a search engine's
/// results page), each target, from a handful of browsers and addresses.
fn benign_log() -> String {
    let mut log = String::new();
    let mut n = 0;
    for (i, q) in QUERIES.iter().enumerate() {
        let agent = AGENTS[i % AGENTS.len()];
        let referer = format!("https://www.google.com/search?q={}", form_encode(q));
        let ip = format!("198.51.100.{}", i % 40 + 10);
        log.push_str(&line(&ip, &format!("/search?q={}", form_encode(q)), &referer, agent, n));
        log.push_str(&line(&ip, &format!("/search?q={}&page=2", form_encode(q)), "-", agent, n + 1));
        n += 2;
    }
    for (i, t) in TARGETS.iter().enumerate() {
        let ip = format!("192.0.2.{}", i % 20 + 10);
        log.push_str(&line(&ip, t, "https://shop.example.com/", AGENTS[i % AGENTS.len()], n));
        n += 1;
    }
    log
}

#[test]
fn ordinary_traffic_has_no_suspicious_line_at_the_default_paranoia() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("access.log");
    fs::write(&file, benign_log()).unwrap();
    let run = scan(&[&file], &["--timezone", "utc", "--all-events"]);
    let events = run.table("events");
    assert_eq!(events.len(), QUERIES.len() * 2 + TARGETS.len(), "every line read");
    let flagged: Vec<String> = events
        .iter()
        .filter(|e| e["category"] != "unclassified")
        .map(|e| format!("{} {}: {}", e["category"], e["rule"], e["path"]))
        .collect();
    assert!(flagged.is_empty(), "benign lines flagged:\n{}", flagged.join("\n"));
}

/// (request target as the client sent it, the rule that names it). Where a signature
/// of injection.txt already knows the shape (traversal encodings, `<?php`, a template
/// probe), its name stands: the payload rules run only on fields no signature names.
const ATTACKS: [(&str, &str); 14] = [
    ("/item?id=1%27%20or%20%271%27=%271", "sqli:s&sos"),
    ("/item?id=1%20AND%20SLEEP(5)", "sqli:1&f(1"),
    ("/p?id=-1/**/union/**/select/**/1,2,3", "inject:sqli-union"),
    ("/s?q=\"><script>alert(1)</script>", "xss:script-tag"),
    ("/s?q=%22%3E%3Csvg/onload=alert(1)%3E", "xss:event-handler"),
    ("/ping?host=127.0.0.1;w\"h\"o'am'i", "rce:quoted-command"),
    ("/run?f=/[?]tc/pa[?]swd", "rce:crs-932130"),
    ("/run?x=for%20%25x%20in%20(a)%20do%20ping%20-n%205%20x", "rce:crs-932140"),
    ("/x.php?a=system(%27id%27)", "php:crs-933160"),
    ("/x?a=%7B%7B7*7%7D%7D", "inject:template-arith"),
    ("/dl?file=%252e%252e%252f%252e%252e%252fetc%252fpasswd", "inject:traversal-double-encoded"),
    ("/dl?file=%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd", "inject:traversal-overlong-dot"),
    ("/r?url=x%0d%0aSet-Cookie:%20admin=1", "protocol:crs-921120"),
    ("/index.php?s=x&q=%3C?php%20phpinfo();%20?%3E", "inject:php-open-tag"),
];

/// The same request logged by Apache (`"` as `\"`, `\` as `\\`) and by nginx (both as
/// `\xHH`) is judged alike, and each finding names its kind.
#[test]
fn injections_are_found_as_apache_and_nginx_log_them() {
    let dir = tempfile::tempdir().unwrap();
    let (mut apache, mut nginx) = (String::new(), String::new());
    for (i, (target, _)) in ATTACKS.iter().enumerate() {
        let ts = format!("[05/Dec/2026:11:00:{i:02} +0000]");
        let agent = AGENTS[0];
        let a = target.replace('\\', "\\\\").replace('"', "\\\"");
        let n = target.replace('\\', "\\x5C").replace('"', "\\x22");
        apache.push_str(&format!("203.0.113.{} - - {ts} \"GET {a} HTTP/1.1\" 200 10 \"-\" \"{agent}\"\n", i + 1));
        nginx.push_str(&format!("203.0.113.{} - - {ts} \"GET {n} HTTP/1.1\" 200 10 \"-\" \"{agent}\"\n", i + 1));
    }
    let rules_of = |log: &str, name: &str| -> HashMap<u64, String> {
        let file = dir.path().join(name);
        fs::write(&file, log).unwrap();
        let run = scan(&[&file], &["--timezone", "utc"]);
        run.table("events").into_iter().map(|e| (e["line_no"].parse().unwrap(), e["rule"].clone())).collect()
    };
    let by_apache = rules_of(&apache, "apache_access.log");
    let by_nginx = rules_of(&nginx, "nginx_access.log");
    for (i, (target, kind)) in ATTACKS.iter().enumerate() {
        let line = i as u64 + 1;
        let rule = by_apache.get(&line).map(String::as_str).unwrap_or("none");
        assert_eq!(rule, *kind, "{target}");
        assert_eq!(by_nginx.get(&line), by_apache.get(&line), "{target}");
    }
}

/// Real traffic the other rules leave alone stays alone: in elastic's apache_logs (a
/// real, mostly benign site), no address is suspicious by a payload finding alone.
#[test]
fn payload_rules_flag_no_new_address_in_real_traffic() {
    let Some(corpus) = corpora("payloads::payload_rules_flag_no_new_address_in_real_traffic") else { return };
    let run = scan(
        &[&corpus.join("elastic-examples/apache_logs"), &corpus.join("honeynet-redhat71-httpd/httpd")],
        &["--timezone", "utc"],
    );
    let payload = |r: &str| {
        ["sqli:", "xss:", "rce:", "lfi:", "rfi:", "php:", "generic:", "protocol:", "fixation:"]
            .iter()
            .any(|k| r.starts_with(k))
    };
    let only = run.addresses_only_by(payload);
    assert!(only.is_empty(), "addresses suspicious only by a payload rule: {only:?}");
}
