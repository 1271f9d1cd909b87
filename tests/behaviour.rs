//! The behaviour rules and campaigns end to end: on the sample's planted actors (each
//! rule's trip, and what each address would get without it), on fixtures written from
//! the attacks' documented shapes, and on benign real traffic, where none may trip.

use std::collections::HashMap;
use std::path::Path;

use crate::util::{corpora, repo, scan, Run};

fn sample(extra: &[&str]) -> Run {
    let mut args = vec!["--timezone", "utc", "--allow-ip", "192.168,100.72", "--allow-user", "alice"];
    args.extend_from_slice(extra);
    scan(&[&repo().join("sample-logs")], &args)
}

fn by_ip(run: &Run) -> HashMap<String, HashMap<String, String>> {
    run.table("ips").into_iter().map(|r| (r["ip"].clone(), r)).collect()
}

fn config(dir: &Path, toml: &str) -> String {
    let path = dir.join("knocklog.toml");
    std::fs::write(&path, toml).unwrap();
    path.to_str().unwrap().to_owned()
}

const CAMPAIGN: std::ops::RangeInclusive<u8> = 160..=179;

#[test]
fn the_planted_campaign_is_one_campaign_and_its_quiet_members_are_blocked_only_for_it() {
    let run = sample(&[]);
    let campaigns = run.table("campaigns");
    assert_eq!(campaigns.len(), 1, "{campaigns:?}");
    let c = &campaigns[0];
    let members: Vec<String> = CAMPAIGN.map(|i| format!("203.0.113.{i}")).collect();
    assert_eq!((c["campaign"].as_str(), c["shared"].as_str(), c["addresses"].as_str()), ("1", "paths", "20"));
    assert_eq!(c["ips"], members.join(";"));
    assert!(c["evidence"].starts_with("/json/setup-restore.action, /owncloud/"), "{}", c["evidence"]);
    let ips = by_ip(&run);
    for ip in &members {
        let row = &ips[ip];
        assert_eq!(
            (row["verdict"].as_str(), row["campaign"].as_str(), row["suspicious_events"].as_str()),
            ("block", "1", "2"),
            "{ip}"
        );
    }
    // Without campaigns each member is what its two lines make it: watch.
    let dir = tempfile::tempdir().unwrap();
    let off = config(dir.path(), "[behaviour.campaigns]\nmin_addresses = 0\n");
    let ips = by_ip(&sample(&["--config", &off]));
    for ip in &members {
        assert_eq!((ips[ip]["verdict"].as_str(), ips[ip]["campaign"].as_str()), ("watch", ""), "{ip}");
    }
    // A campaign under block_addresses only watches its members.
    let small = config(dir.path(), "[behaviour.campaigns]\nblock_addresses = 21\n");
    let ips = by_ip(&sample(&["--config", &small]));
    assert!(members.iter().all(|ip| ips[ip]["verdict"] == "watch" && ips[ip]["campaign"] == "1"));
}

#[test]
fn a_login_flood_answered_200_and_a_prober_with_a_browser_agent_are_blocked_by_their_rule_alone() {
    let ips = by_ip(&sample(&[]));
    for (ip, rule, technique) in
        [("198.51.100.240", "login_flood", "T1110"), ("198.51.100.230", "http_probing", "T1595")]
    {
        let row = &ips[ip];
        let got = (row["verdict"].as_str(), row["behaviour"].as_str(), row["suspicious_events"].as_str());
        assert_eq!(got, ("block", rule, "0"), "{ip}");
        assert_eq!(row["techniques"], technique, "{ip}");
    }
    // Neither has a suspicious line: with its rule off, neither is listed at all.
    let dir = tempfile::tempdir().unwrap();
    let off = config(dir.path(), "[behaviour.login_flood]\nposts = 0\n\n[behaviour.http_probing]\ncapacity = 0\n");
    let ips = by_ip(&sample(&["--config", &off]));
    assert!(!ips.contains_key("198.51.100.240") && !ips.contains_key("198.51.100.230"), "{:?}", ips.keys());
    // The count is the user's: 30 POSTs are no flood at 31.
    let lenient = config(dir.path(), "[behaviour.login_flood]\nposts = 31\n");
    assert!(!by_ip(&sample(&["--config", &lenient])).contains_key("198.51.100.240"));
}

#[test]
fn a_bad_behaviour_setting_is_a_usage_error_naming_its_table() {
    let dir = tempfile::tempdir().unwrap();
    let bad = config(dir.path(), "[behaviour.login_flood]\nwindow = \"soon\"\n");
    let out = crate::util::knocklog()
        .args(["scan", "--config", &bad, "--out"])
        .arg(dir.path().join("out"))
        .arg(repo().join("sample-logs"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("[behaviour.login_flood] window \"soon\""), "{stderr}");
}

/// Written from the documented shapes, not from any project's fixtures: ssh user
/// enumeration (one `Invalid user` per name, a new name every few seconds), a
/// distributed ssh wordlist (the same three names in order from five addresses, an
/// hour apart), and WordPress's XML-RPC brute force (`system.multicall` POSTs, 200).
#[test]
fn documented_attack_shapes_trip_their_rules() {
    let dir = tempfile::tempdir().unwrap();
    let mut auth = String::new();
    for (i, user) in ["admin", "test", "oracle", "postgres", "guest", "ftpuser"].iter().enumerate() {
        auth.push_str(&format!(
            "Mar  3 04:{:02}:{:02} web1 sshd[{}]: Invalid user {user} from 192.0.2.50 port {}\n",
            10 + i / 6,
            (i * 9) % 60,
            700 + i,
            40_000 + i
        ));
    }
    for (k, ip) in
        ["198.51.100.71", "198.51.100.72", "198.51.100.73", "198.51.100.74", "198.51.100.75"].iter().enumerate()
    {
        for (j, user) in ["deploy", "git", "jenkins"].iter().enumerate() {
            auth.push_str(&format!(
                "Mar  3 {:02}:{:02}:{:02} web1 sshd[{}]: Invalid user {user} from {ip} port {}\n",
                6 + k,
                j * 7,
                j * 11,
                900 + k * 10 + j,
                50_000 + j
            ));
        }
    }
    std::fs::write(dir.path().join("auth.log"), auth).unwrap();
    let mut access = String::new();
    for i in 0..15 {
        access.push_str(&format!(
            "203.0.113.80 - - [03/Mar/2026:09:{:02}:{:02} +0000] \"POST /xmlrpc.php HTTP/1.1\" 200 412 \"-\" \"Mozilla/5.0 (Windows NT 10.0; Win64; x64)\"\n",
            i / 4,
            (i * 15) % 60
        ));
    }
    std::fs::write(dir.path().join("access.log"), access).unwrap();
    let run = scan(&[dir.path()], &["--timezone", "utc", "--year", "2026"]);
    let ips = by_ip(&run);
    assert!(ips["192.0.2.50"]["behaviour"].contains("credential_stuffing"), "{:?}", ips["192.0.2.50"]);
    assert_eq!(ips["203.0.113.80"]["behaviour"], "login_flood");
    let campaigns = run.table("campaigns");
    assert_eq!(campaigns.len(), 1, "{campaigns:?}");
    assert_eq!(
        (campaigns[0]["shared"].as_str(), campaigns[0]["evidence"].as_str()),
        ("usernames", "deploy, git, jenkins")
    );
    assert_eq!(campaigns[0]["addresses"], "5");
}

/// Benign real traffic (a busy personal site's Apache log, with crawlers and broken
/// links): no behaviour rule trips, and no campaign forms.
#[test]
fn no_behaviour_rule_trips_on_benign_real_traffic() {
    let Some(c) = corpora("behaviour::no_behaviour_rule_trips_on_benign_real_traffic") else { return };
    let run = scan(&[&c.join("elastic-examples/apache_logs")], &["--timezone", "utc"]);
    let tripped: Vec<(String, String)> = run
        .table("ips")
        .into_iter()
        .filter(|r| !r["behaviour"].is_empty())
        .map(|r| (r["ip"].clone(), r["behaviour"].clone()))
        .collect();
    assert!(tripped.is_empty(), "{tripped:?}");
    assert!(run.table("campaigns").is_empty());
}
