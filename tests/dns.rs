//! `--dns` end to end against a DNS server of the test's own on 127.0.0.1: the
//! sample's suspicious addresses get `rdns`, `fcrdns` and `rdns_error` in `ips`, the
//! report and a blocklist comment show the names, a second run with a history store is
//! answered by the store's cache alone, and a deadline that cuts lookups off is said.

use std::collections::HashMap;

use hickory_resolver::proto::rr::RecordType;

use crate::util::dns_server::{reverse_name, two_way, Reply, TestDns, Zone};
use crate::util::{knocklog, repo, scan, Run};

fn zone() -> Zone {
    let mut zone = Zone::new();
    two_way(&mut zone, "203.0.113.7", "scanner.example.net", Some("203.0.113.7"), 3600);
    two_way(&mut zone, "198.51.100.23", "mail.example.com", Some("192.0.2.77"), 3600);
    two_way(&mut zone, "45.148.10.183", "crawl-45.example.org", Some("45.148.10.183"), 3600);
    two_way(&mut zone, "2001:db8:bad::5", "v6.example.net", Some("2001:db8:bad::5"), 3600);
    zone.insert((reverse_name("185.224.128.17".parse().unwrap()), RecordType::PTR), Reply::ServFail);
    // The sample's search-engine crawlers, named as Google and Bing name theirs.
    for ip in ["66.249.66.1", "66.249.66.33", "66.249.79.107"] {
        two_way(&mut zone, ip, &format!("crawl-{}.googlebot.com", ip.replace('.', "-")), Some(ip), 3600);
    }
    for ip in ["40.77.167.52", "157.55.39.10"] {
        two_way(&mut zone, ip, &format!("msnbot-{}.search.msn.com", ip.replace('.', "-")), Some(ip), 3600);
    }
    zone
}

fn rows(run: &Run) -> HashMap<String, HashMap<String, String>> {
    run.table("ips").into_iter().map(|r| (r["ip"].clone(), r)).collect()
}

#[test]
fn names_are_looked_up_once_and_then_answered_by_the_store() {
    let server = TestDns::start(zone());
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("history");
    let history_arg = history.display().to_string();
    let server_arg = server.server_arg();
    let args = ["--timezone", "utc", "--dns", "--dns-server", &server_arg, "--history", &history_arg];
    let first = scan(&[&repo().join("sample-logs")], &args);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let ips = rows(&first);
    let cells = |ip: &str| {
        let r = &ips[ip];
        (r["rdns"].clone(), r["fcrdns"].clone(), r["rdns_error"].clone())
    };
    let cell = |a: &str, b: &str, c: &str| (a.to_owned(), b.to_owned(), c.to_owned());
    assert_eq!(cells("203.0.113.7"), cell("scanner.example.net", "true", ""));
    assert_eq!(cells("198.51.100.23"), cell("mail.example.com", "false", ""), "resolves elsewhere");
    assert_eq!(cells("2001:db8:bad::5"), cell("v6.example.net", "true", ""));
    assert_eq!(cells("185.224.128.17"), cell("", "false", "servfail"));
    assert_eq!(cells("203.0.113.88"), cell("", "false", "nxdomain"));
    let suspicious = ips.len();
    let dns = &first.summary()["enrichment"]["dns"];
    assert_eq!(dns["addresses"], suspicious, "every suspicious address: {dns}");
    assert_eq!((dns["looked_up"].as_u64(), dns["cache_hits"].as_u64()), (Some(suspicious as u64), Some(0)));
    assert_eq!((dns["deadline_hit"].as_bool(), dns["not_looked_up"].as_u64()), (Some(false), Some(0)));
    assert_eq!(dns["errors"]["servfail"], 1);
    assert_eq!(first.summary()["enrichment"]["labelled"]["fcrdns"], 3);
    assert_eq!(first.summary()["crawler_checks"]["verified"], 5, "the crawlers, checked before judging");
    let blocklist = std::fs::read_to_string(first.out.join("blocklist.txt")).unwrap();
    let line = blocklist.lines().find(|l| l.starts_with("45.148.10.183 ")).expect("listed");
    assert!(line.ends_with("; rdns=crawl-45.example.org"), "{line}");
    let report = std::fs::read_to_string(first.out.join("report.html")).unwrap();
    assert!(report.contains("scanner.example.net ✓"));
    assert!(report.contains("<small>(servfail)</small>"));
    assert!(history.join("dns.parquet").is_file());

    // The weekly report reads the same cache, asks the server nothing and says so on
    // stderr.
    let asked = server.queries();
    let out = dir.path().join("weekly");
    let output = knocklog()
        .args(["report", "--history", &history_arg, "--since", "2025-12-01", "--until", "2026-02-01", "--out"])
        .arg(&out)
        .args(["--dns", "--dns-server", &server_arg])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(server.queries(), asked, "{stderr}");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    let dns = &json["enrichment"]["dns"];
    let hits = dns["cache_hits"].as_u64().unwrap();
    assert!(hits > 0 && dns["addresses"] == hits && dns["looked_up"] == 0, "{dns}");
    assert!(stderr.contains(&format!("{hits} of {hits} addresses answered from the cache in")), "{stderr}");

    // A later scan of new lines: known addresses from the cache, a new one looked up.
    let logs = dir.path().join("new-logs");
    std::fs::create_dir(&logs).unwrap();
    let lines: String = ["203.0.113.7", "45.148.10.183", "192.0.2.44"]
        .iter()
        .flat_map(|ip| {
            (0..4).map(move |i| {
                format!("2026-01-12T10:0{i}:00.000000+00:00 homeserver sshd[4{i}]: Invalid user admin{i} from {ip} port 4242\n")
            })
        })
        .collect();
    std::fs::write(logs.join("auth.log"), lines).unwrap();
    let later = scan(&[&logs], &args);
    let dns = &later.summary()["enrichment"]["dns"];
    assert_eq!(
        (dns["addresses"].as_u64(), dns["cache_hits"].as_u64(), dns["looked_up"].as_u64()),
        (Some(3), Some(2), Some(1)),
        "{dns}"
    );
    assert_eq!(server.queries(), asked + 1, "one PTR query, NXDOMAIN");
    assert_eq!(rows(&later)["45.148.10.183"]["rdns"], "crawl-45.example.org");
}

#[test]
fn a_deadline_that_cuts_lookups_off_is_reported() {
    let mut zone = zone();
    zone.insert((reverse_name("203.0.113.7".parse().unwrap()), RecordType::PTR), Reply::Silent);
    let server = TestDns::start(zone);
    let server_arg = server.server_arg();
    let args = ["--dns", "--dns-server", &server_arg, "--dns-timeout", "30", "--dns-deadline", "0.5"];
    let started = std::time::Instant::now();
    let run = scan(&[&repo().join("sample-logs")], &args);
    assert!(started.elapsed().as_secs() < 20, "the deadline holds: {:?}", started.elapsed());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let ips = rows(&run);
    assert_eq!((&ips["203.0.113.7"]["rdns_error"][..], &ips["203.0.113.7"]["fcrdns"][..]), ("deadline", ""));
    assert_eq!(ips["2001:db8:bad::5"]["rdns"], "v6.example.net", "the others were answered in time");
    let dns = &run.summary()["enrichment"]["dns"];
    assert_eq!((dns["deadline_hit"].as_bool(), dns["not_looked_up"].as_u64()), (Some(true), Some(1)), "{dns}");
    assert!(
        run.stderr.contains("the deadline of 0.5 s passed: 1 of") && run.stderr.contains("not looked up"),
        "on stderr even with --quiet: {}",
        run.stderr
    );
}

#[test]
fn dns_settings_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    for (flag, value, says) in [
        ("--dns-server", "dns.example", "--dns-server"),
        ("--dns-timeout", "0", "--dns-timeout"),
        ("--dns-deadline", "nan", "--dns-deadline"),
        ("--dns-concurrency", "0", "--dns-concurrency"),
    ] {
        let output = knocklog()
            .arg("scan")
            .arg(repo().join("sample-logs"))
            .arg("--out")
            .arg(dir.path().join("out"))
            .args(["--dns", "--dns-server", "127.0.0.1:9", flag, value])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{flag} {value}: {stderr}");
        assert!(stderr.contains(says), "{flag} {value}: {stderr}");
    }
}
