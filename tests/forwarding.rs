//! Clients behind a reverse proxy and loopback, end to end: `--trusted-proxy` moves a
//! proxied request to the client X-Forwarded-For names and keeps the proxy in the
//! `proxy` column, a forged header from anyone else changes nothing, summary.json
//! counts the forwarded lines per file, and `--no-allow-loopback` counts loopback
//! without ever putting it on a blocklist. Lines written for this test with
//! documentation addresses.

use std::fs;

use crate::util::scan;

const PROXIED: &str = "192.0.2.10 - - [06/Jan/2026:02:32:23 +0000] \"GET /wp-login.php HTTP/1.1\" 404 153 \"-\" \"curl/8\" \"8.8.8.8, 203.0.113.9\"";
const FORGED: &str =
    "198.51.100.7 - - [06/Jan/2026:02:33:23 +0000] \"GET /.env HTTP/1.1\" 404 153 \"-\" \"curl/8\" \"8.8.8.8\"";
const LOOPBACK: &str =
    "127.0.0.1 - - [06/Jan/2026:02:34:23 +0000] \"GET /phpmyadmin/ HTTP/1.1\" 404 153 \"-\" \"curl/8\" \"-\"";

fn access_log() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let lines: Vec<&str> = [[PROXIED; 4], [FORGED; 4], [LOOPBACK; 4]].concat();
    fs::write(dir.path().join("access.log"), lines.join("\n") + "\n").unwrap();
    dir
}

fn column<'a>(rows: &'a [std::collections::HashMap<String, String>], ip: &str, name: &str) -> Vec<&'a str> {
    rows.iter().filter(|r| r["ip"] == ip).map(|r| r[name].as_str()).collect()
}

#[test]
fn a_trusted_proxy_gives_its_clients_their_lines() {
    let dir = access_log();
    let run = scan(&[dir.path()], &["--trusted-proxy", "192.0.2.0/28", "--all-events", "--format", "csv"]);
    let events = run.table("events");
    assert_eq!(column(&events, "203.0.113.9", "proxy"), ["192.0.2.10"; 4]);
    assert_eq!(column(&events, "198.51.100.7", "proxy"), [""; 4], "a header from an untrusted client is ignored");
    assert!(events.iter().all(|r| r["ip"] != "8.8.8.8" && r["ip"] != "192.0.2.10"));
    let ips = run.table("ips");
    assert!(ips.iter().any(|r| r["ip"] == "203.0.113.9" && r["verdict"] == "block"));
    assert!(!ips.iter().any(|r| r["ip"] == "192.0.2.10"), "the proxy is no attacker");
    let file = &run.summary()["files"][0];
    assert_eq!((file["forwarded_clients"].as_u64(), file["parsed"].as_u64()), (Some(4), Some(12)));

    // Without the flag the proxy's own address is the client, and nothing was forwarded.
    let run = scan(&[dir.path()], &["--all-events", "--format", "csv"]);
    let events = run.table("events");
    assert_eq!(column(&events, "192.0.2.10", "proxy"), [""; 4]);
    assert_eq!(run.summary()["files"][0]["forwarded_clients"].as_u64(), Some(0));
}

#[test]
fn loopback_counts_only_when_asked_and_is_never_blocked() {
    let dir = access_log();
    let allowed = scan(&[dir.path()], &["--format", "csv", "--blocklist-include-special"]);
    assert!(!allowed.table("events").iter().any(|r| r["ip"] == "127.0.0.1"), "loopback is allowed by default");
    let counted = scan(&[dir.path()], &["--format", "csv", "--no-allow-loopback", "--blocklist-include-special"]);
    let events = counted.table("events");
    assert_eq!(column(&events, "127.0.0.1", "counts_against_address"), ["true"; 4]);
    assert!(counted.table("ips").iter().any(|r| r["ip"] == "127.0.0.1" && r["verdict"] == "block"));
    let blocklist = fs::read_to_string(counted.out.join("blocklist.txt")).unwrap();
    assert!(blocklist.contains("198.51.100.7"), "{blocklist}");
    assert!(!blocklist.contains("127.0.0.1"), "loopback is never listed:\n{blocklist}");
}
