//! Enrichment end to end: `--ranges`, `--geoip` and `--asn` label the addresses of
//! the shipped sample in `ips` and group them in the report; a bad label source is a
//! usage error naming it.

use std::path::Path;

use crate::util::{knocklog, mmdb, repo, scan};

/// Label sources written in the shapes users download: Google's crawler JSON, a
/// `cidr,label` CSV with hostile text, and country and AS databases.
fn sources(dir: &Path) -> Vec<String> {
    let googlebot = dir.join("googlebot.json");
    std::fs::write(
        &googlebot,
        r#"{"creationTime":"2026-11-30T12:00:00.000000","prefixes":[{"ipv4Prefix":"66.249.64.0/19"}]}"#,
    )
    .unwrap();
    let mine = dir.join("hosting.csv");
    std::fs::write(&mine, "cidr,label\n203.0.113.0/24,doc-net-3\n198.51.100.0/24,<img src=x onerror=alert(1)>\n")
        .unwrap();
    let country = dir.join("country.mmdb");
    let nets = [
        ("203.0.113.0/24", mmdb::country("NL", "Netherlands")),
        ("198.51.100.0/24", mmdb::country("US", "United States")),
    ];
    std::fs::write(&country, mmdb::build("GeoLite2-Country", &nets)).unwrap();
    let asn = dir.join("asn.mmdb");
    let nets = [
        ("203.0.113.0/24", mmdb::asn(64500, "<b>Example</b> Hosting")),
        ("66.249.64.0/19", mmdb::asn(15169, "GOOGLE")),
    ];
    std::fs::write(&asn, mmdb::build("GeoLite2-ASN", &nets)).unwrap();
    let mut args = vec!["--timezone".to_owned(), "utc".to_owned()];
    for r in [&googlebot, &mine] {
        args.extend(["--ranges".to_owned(), r.display().to_string()]);
    }
    args.extend(["--geoip".to_owned(), country.display().to_string(), "--asn".to_owned(), asn.display().to_string()]);
    args
}

#[test]
fn ranges_countries_and_systems_label_the_addresses_and_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let args = sources(dir.path());
    let args: Vec<&str> = args.iter().map(String::as_str).chain(["--all-ips"]).collect();
    let run = scan(&[&repo().join("sample-logs")], &args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let ips = run.table("ips");
    let row = |ip: &str| ips.iter().find(|r| r["ip"] == ip).unwrap_or_else(|| panic!("{ip} in ips.csv"));
    let worst = row("203.0.113.7");
    assert_eq!(
        (&worst["range_label"][..], &worst["country"][..], &worst["asn"][..], &worst["as_org"][..]),
        ("doc-net-3", "NL", "64500", "<b>Example</b> Hosting")
    );
    let bot = row("66.249.66.1");
    assert_eq!((&bot["range_label"][..], &bot["country"][..], &bot["asn"][..]), ("googlebot", "", "15169"));
    // Labels are name characters only (and the CSV writer guards a leading '-' against
    // spreadsheet formulas).
    assert_eq!(row("198.51.100.23")["range_label"], "'-img-src-x-onerror-alert-1--");
    let unlabelled = row("185.224.128.17");
    assert!(unlabelled["range_label"].is_empty() && unlabelled["country"].is_empty() && unlabelled["asn"].is_empty());

    let enrichment = &run.summary()["enrichment"];
    let kinds: Vec<&str> =
        enrichment["sources"].as_array().unwrap().iter().map(|s| s["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["ranges", "ranges", "geoip", "asn"]);
    assert_eq!(enrichment["sources"][0]["ranges"], 1);
    assert_eq!(enrichment["sources"][3]["database_type"], "GeoLite2-ASN");
    let labelled = |k: &str| ips.iter().filter(|r| !r[k].is_empty()).count() as u64;
    for k in ["range_label", "country", "asn"] {
        assert_eq!(enrichment["labelled"][k].as_u64(), Some(labelled(k)), "{k}");
    }

    let page = std::fs::read_to_string(run.out.join("report.html")).unwrap();
    assert!(page.contains(r#"id="knocklog-origins""#), "the origins section");
    for title in ["By range label (--ranges)", "By country (--geoip)", "By autonomous system (--asn)"] {
        assert!(page.contains(title), "{title}");
    }
    assert!(page.contains("AS64500 &lt;b&gt;Example&lt;/b&gt; Hosting"), "AS names are escaped");
    assert!(!page.contains("<b>Example</b>"));

    // Without label sources the columns are there, empty, and so is no origins section.
    let plain = scan(&[&repo().join("sample-logs")], &["--timezone", "utc"]);
    let first = &plain.table("ips")[0];
    assert!(first.contains_key("range_label") && first["range_label"].is_empty());
    let page = std::fs::read_to_string(plain.out.join("report.html")).unwrap();
    assert!(!page.contains(r#"id="knocklog-origins""#));
    assert!(plain.summary().get("enrichment").is_none());
}

#[test]
fn a_label_source_that_cannot_be_read_is_a_usage_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad-ranges.csv");
    std::fs::write(&bad, "192.0.2.0/24,ok\nnonsense here,x\n").unwrap();
    let not_db = dir.path().join("GeoLite2-ASN.mmdb");
    std::fs::write(&not_db, "nope").unwrap();
    for (flag, file, says) in [("--ranges", &bad, "bad-ranges.csv:2"), ("--asn", &not_db, "not a MaxMind DB")] {
        let out = knocklog()
            .args(["scan", "--quiet", "--out"])
            .arg(dir.path().join("out"))
            .arg(repo().join("sample-logs"))
            .arg(flag)
            .arg(file)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{flag}: {stderr}");
        assert!(stderr.contains(says), "{flag}: {stderr}");
    }
}

#[test]
fn the_settings_file_names_label_sources_relative_to_itself() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("mine.csv"), "203.0.113.0/24,lab\n").unwrap();
    let config = dir.path().join("knocklog.toml");
    std::fs::write(&config, "[enrich]\nranges = [\"office=mine.csv\"]\n").unwrap();
    let run = scan(&[&repo().join("sample-logs")], &["--config", config.to_str().unwrap(), "--timezone", "utc"]);
    let ips = run.table("ips");
    let worst = ips.iter().find(|r| r["ip"] == "203.0.113.7").unwrap();
    assert_eq!(worst["range_label"], "office");
}

/// An access log line of `ip` with `agent`, `n` minutes into the day.
fn access(ip: &str, n: u32, path: &str, status: u16, agent: &str) -> String {
    format!(
        "{ip} - - [06/Jan/2026:10:{:02}:{:02} +0000] \"GET {path} HTTP/1.1\" {status} 512 \"-\" \"{agent}\"\n",
        n / 60,
        n % 60
    )
}

#[test]
fn crawler_claims_are_verified_by_their_published_ranges_and_fakes_count_against_the_address() {
    let dir = tempfile::tempdir().unwrap();
    let googlebot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
    let mut log = String::new();
    for n in 0..6 {
        // The real crawler, which also follows a spam link to an attack path.
        log += &access("66.249.66.1", n, &format!("/blog/post-{n}/"), 200, googlebot);
        // An impersonator crawling politely, and one probing.
        log += &access("198.51.100.80", n, &format!("/blog/post-{n}/"), 200, googlebot);
        log += &access("198.51.100.81", 10 + n, "/", 200, googlebot);
    }
    for n in 0..4 {
        log += &access("66.249.66.1", 20 + n, "/wp-login.php", 404, googlebot);
        log += &access(
            "203.0.113.90",
            30 + n,
            "/index.html",
            200,
            "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        );
    }
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    std::fs::write(logs.join("access.log"), log).unwrap();
    let ranges = dir.path().join("googlebot.json");
    std::fs::write(&ranges, r#"{"creationTime":"2026-11-30T12:00:00","prefixes":[{"ipv4Prefix":"66.249.64.0/19"}]}"#)
        .unwrap();
    let args =
        ["--timezone", "utc", "--all-ips", "--blocklist-include-special", "--blocklist-verdict", "watch", "--ranges"];
    let mut args: Vec<&str> = args.to_vec();
    args.push(ranges.to_str().unwrap());
    let run = scan(&[&logs], &args);
    let ips = run.table("ips");
    let row = |ip: &str| ips.iter().find(|r| r["ip"] == ip).unwrap_or_else(|| panic!("{ip} in ips.csv")).clone();
    let real = row("66.249.66.1");
    assert_eq!((&real["crawler"][..], &real["crawler_check"][..]), ("Googlebot", "verified"));
    assert_eq!((&real["verdict"][..], &real["fake_crawler"][..]), ("watch", "0"), "probing, but a verified crawler");
    for fake in ["198.51.100.80", "198.51.100.81"] {
        let r = row(fake);
        assert_eq!(
            (&r["crawler_check"][..], &r["fake_crawler"][..], &r["verdict"][..]),
            ("fake", "6", "block"),
            "{fake}"
        );
        assert!(r["techniques"].contains("T1036"), "{fake}: masquerading");
    }
    let bing = row("203.0.113.90");
    assert_eq!((&bing["crawler_check"][..], &bing["verdict"][..]), ("unchecked", "none"), "no Bing ranges, no --dns");
    let listed = std::fs::read_to_string(run.out.join("blocklist.txt")).unwrap();
    assert!(listed.contains("198.51.100.80") && listed.contains("198.51.100.81"));
    assert!(!listed.contains("66.249.66.1"), "a verified crawler is never listed, even with --blocklist-verdict watch");
    assert_eq!(run.summary()["blocklist"]["excluded"]["verified_crawler"], 1, "{}", run.summary()["blocklist"]);
}

/// A /proc with sshd listening on 0.0.0.0:22 and nothing else, as a little-endian
/// machine writes it.
fn proc_fixture(root: &Path) {
    let net = root.join("net");
    std::fs::create_dir_all(&net).unwrap();
    let head = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
    let line = "   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0 100 0 0 10 0\n";
    std::fs::write(net.join("tcp"), format!("{head}{line}")).unwrap();
    std::fs::write(net.join("udp"), head).unwrap();
    let fd = root.join("321").join("fd");
    std::fs::create_dir_all(&fd).unwrap();
    std::fs::write(root.join("321").join("comm"), "sshd\n").unwrap();
    std::os::unix::fs::symlink("socket:[4242]", fd.join("3")).unwrap();
}

#[test]
fn host_info_lists_the_sockets_and_which_attacked_services_listen() {
    let dir = tempfile::tempdir().unwrap();
    proc_fixture(dir.path());
    let proc_root = dir.path().to_str().unwrap();
    let run = scan(&[&repo().join("sample-logs")], &["--timezone", "utc", "--host-info", "--host-proc", proc_root]);
    let host = &run.summary()["host"];
    assert_eq!(host["listening"][0]["port"], 22, "{host}");
    assert_eq!(host["listening"][0]["process"], "sshd");
    assert!(!host["addresses"].as_array().unwrap().is_empty(), "this machine's addresses: {host}");
    let page = std::fs::read_to_string(run.out.join("report.html")).unwrap();
    assert!(page.contains(r#"id="knocklog-host""#));
    let row = |service: &str| {
        let at = page.find(service).unwrap_or_else(|| panic!("{service} in the report"));
        page[at..at + 200].to_owned()
    };
    assert!(row("ssh (tcp 22)").contains("<td>yes</td>"));
    assert!(row("web (tcp 80, 443)").contains("<strong>no</strong>"), "no web server in the fixture");
    assert!(page.contains("(CONNECT)"), "the sample's proxy probes name their ports");
    // Logs copied from another machine: no host section unless asked.
    let other = scan(&[&repo().join("sample-logs")], &["--timezone", "utc", "--host-proc", proc_root]);
    assert!(other.summary().get("host").is_none());
}

/// Attackers from `count` addresses of 198.51.100.0/24, each trying `/.env` and
/// `/wp-login.php` thrice, and one visitor from 203.0.113.5 reading pages.
fn attack_log(count: u32) -> String {
    let mut log = String::new();
    for i in 0..count {
        for n in 0..3 {
            log += &access(&format!("198.51.100.{}", 10 + i), i * 3 + n, "/.env", 404, "curl/8.5.0");
            log += &access(&format!("198.51.100.{}", 10 + i), i * 3 + n, "/wp-login.php", 404, "curl/8.5.0");
        }
    }
    log += &access("203.0.113.5", 59, "/blog/", 200, "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0");
    log
}

/// A visitor that did nothing a rule reads keeps no row of its own (a busy site has
/// hundreds of thousands), yet still stops a range that would cover it from being
/// proposed; `--all-ips` gives it its row.
#[test]
fn a_quiet_visitor_keeps_no_row_but_stops_a_range_over_it() {
    let dir = tempfile::tempdir().unwrap();
    let with_visitor = dir.path().join("with-visitor");
    let without = dir.path().join("without");
    for d in [&with_visitor, &without] {
        std::fs::create_dir(d).unwrap();
    }
    let mut log = attack_log(4);
    std::fs::write(without.join("access.log"), &log).unwrap();
    log += &access("198.51.100.60", 58, "/blog/", 200, "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0");
    std::fs::write(with_visitor.join("access.log"), &log).unwrap();
    // 198.51.100.0/24 is a documentation range, left out of blocklists unless asked.
    let base = ["--timezone", "utc", "--blocklist-include-special"];
    let ranges = |run: &crate::util::Run| {
        let b = run.summary()["blocklist"].clone();
        (b["ranges_proposed"].clone(), b["ranges_rejected"].as_u64())
    };
    let alone = scan(&[&without], &base);
    assert_eq!(ranges(&alone), (serde_json::json!(["198.51.100.0/24"]), Some(0)));
    let run = scan(&[&with_visitor], &base);
    assert_eq!(ranges(&run), (serde_json::json!([]), Some(1)));
    let ips: Vec<String> = run.table("ips").into_iter().map(|r| r["ip"].clone()).collect();
    assert!(!ips.iter().any(|ip| ip == "198.51.100.60" || ip == "203.0.113.5"), "{ips:?}");
    assert_eq!(ips.len(), 4, "{ips:?}");
    let all = scan(&[&with_visitor], &[&base[..], &["--all-ips"]].concat());
    assert_eq!(ranges(&all), (serde_json::json!([]), Some(1)));
    let ips: Vec<String> = all.table("ips").into_iter().map(|r| r["ip"].clone()).collect();
    assert!(ips.iter().any(|ip| ip == "198.51.100.60") && ips.len() == 6, "{ips:?}");
}

#[test]
fn a_labelled_range_is_listed_whole_on_evidence_or_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    std::fs::write(logs.join("access.log"), attack_log(12)).unwrap();
    let ranges = dir.path().join("hosting.csv");
    std::fs::write(&ranges, "198.51.100.0/24,cheap-vps\n198.51.101.0/24,cheap-vps\n203.0.113.0/24,isp\n").unwrap();
    let base =
        ["--timezone", "utc", "--blocklist-include-special", "--no-ranges", "--ranges", ranges.to_str().unwrap()];
    let label = |run: &crate::util::Run, name: &str| -> serde_json::Value {
        let blocks = run.summary()["blocklist"]["label_blocks"].clone();
        blocks
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["label"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name}: {blocks}"))
    };
    // 12 attackers and no visitor in cheap-vps: proposed whole (both /24s).
    let run = scan(&[&logs], &base);
    let vps = label(&run, "range cheap-vps");
    assert_eq!(
        (vps["proposed"].as_bool(), vps["listed_inside"].as_u64(), vps["addresses"].as_str()),
        (Some(true), Some(12), Some("512"))
    );
    let listed = std::fs::read_to_string(run.out.join("blocklist.txt")).unwrap();
    assert!(listed.contains("198.51.100.0/23"), "{listed}");
    // The ISP's range holds a visitor and no attacker: never proposed.
    let isp = label(&run, "range isp");
    assert_eq!(isp["proposed"], false);
    assert!(!listed.contains("203.0.113."));
    // Fewer attackers than the evidence needs: the addresses alone.
    let few = scan(&[&logs], &[&base[..], &["--label-min-listed", "13"]].concat());
    assert_eq!(label(&few, "range cheap-vps")["proposed"], false);
    assert!(!std::fs::read_to_string(few.out.join("blocklist.txt")).unwrap().contains("/23"));
    // Asked for by name, the ISP's range is listed, visitor and all; an unknown label is a usage error.
    let asked = scan(&[&logs], &[&base[..], &["--block-range-label", "isp"]].concat());
    assert_eq!(label(&asked, "range isp")["proposed"], true);
    assert!(std::fs::read_to_string(asked.out.join("blocklist.txt")).unwrap().contains("203.0.113.0/24"));
    let out = knocklog()
        .args(["scan", "--quiet", "--out"])
        .arg(dir.path().join("o"))
        .arg(&logs)
        .args(["--ranges", ranges.to_str().unwrap(), "--block-range-label", "aws"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no --ranges file gives that label"));
}

#[test]
fn a_country_is_listed_whole_only_when_asked_and_from_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    std::fs::write(logs.join("access.log"), attack_log(3)).unwrap();
    let db = dir.path().join("country.mmdb");
    let nets =
        [("198.51.100.0/25", mmdb::country("XA", "Test land")), ("192.0.2.0/24", mmdb::country("XA", "Test land"))];
    std::fs::write(&db, mmdb::build("GeoLite2-Country", &nets)).unwrap();
    let base = ["--timezone", "utc", "--blocklist-include-special", "--no-ranges", "--geoip", db.to_str().unwrap()];
    let plain = scan(&[&logs], &base);
    assert!(plain.summary()["blocklist"].get("label_blocks").is_none(), "no country is proposed unasked");
    let run = scan(&[&logs], &[&base[..], &["--block-country", "xa"]].concat());
    let listed = std::fs::read_to_string(run.out.join("blocklist.txt")).unwrap();
    assert!(listed.contains("198.51.100.0/25") && listed.contains("192.0.2.0/24"), "{listed}");
    let country = &run.summary()["blocklist"]["label_blocks"][0];
    assert_eq!(
        (country["label"].as_str(), country["networks"].as_u64(), country["listed_inside"].as_u64()),
        (Some("country XA"), Some(2), Some(3))
    );
}

#[test]
fn crawler_claims_are_checked_by_forward_confirmed_dns_against_a_local_server() {
    use crate::util::dns_server::{reverse_name, two_way, Reply, TestDns, Zone};
    use hickory_resolver::proto::rr::RecordType;
    let mut zone = Zone::new();
    // The real Googlebot; an impersonator whose PTR says googlebot.com but resolves
    // elsewhere; one with no PTR at all; one whose DNS fails; a real Bingbot.
    two_way(&mut zone, "66.249.66.1", "crawl-66-249-66-1.googlebot.com", Some("66.249.66.1"), 3600);
    two_way(&mut zone, "198.51.100.80", "crawl-66-249-66-9.googlebot.com", Some("66.249.66.9"), 3600);
    zone.insert((reverse_name("198.51.100.82".parse().unwrap()), RecordType::PTR), Reply::ServFail);
    two_way(&mut zone, "157.55.39.10", "msnbot-157-55-39-10.search.msn.com", Some("157.55.39.10"), 3600);
    let server = TestDns::start(zone);
    let googlebot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
    let bingbot = "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)";
    let mut log = String::new();
    for n in 0..5 {
        for ip in ["66.249.66.1", "198.51.100.80", "198.51.100.81", "198.51.100.82"] {
            log += &access(ip, n, &format!("/blog/post-{n}/"), 200, googlebot);
        }
        log += &access("157.55.39.10", n, "/wp-login.php", 404, bingbot);
    }
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    std::fs::write(logs.join("access.log"), log).unwrap();
    let server_arg = server.server_arg();
    let run = scan(&[&logs], &["--timezone", "utc", "--all-ips", "--dns", "--dns-server", &server_arg]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let ips = run.table("ips");
    let check = |ip: &str| {
        let r = ips.iter().find(|r| r["ip"] == ip).unwrap_or_else(|| panic!("{ip}"));
        (r["crawler_check"].clone(), r["verdict"].clone())
    };
    let want = |c: &str, v: &str| (c.to_owned(), v.to_owned());
    assert_eq!(check("66.249.66.1"), want("verified", "none"));
    assert_eq!(check("198.51.100.80"), want("fake", "block"), "a PTR that does not resolve back");
    assert_eq!(check("198.51.100.81"), want("fake", "block"), "NXDOMAIN: every crawler has a PTR");
    assert_eq!(check("198.51.100.82"), want("unanswered", "none"), "a DNS failure accuses no one");
    assert_eq!(check("157.55.39.10"), want("verified", "watch"), "probing, but never blocked");
    assert_eq!(run.summary()["crawler_checks"]["verified"], 2);
}
