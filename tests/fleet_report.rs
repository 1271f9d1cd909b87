//! `knocklog report --history FLEET`: three servers' stores read as one. An address
//! every server saw is one row of ips.csv with its lines summed, one row per server in
//! servers.csv, and is named in report.html's Across servers section; an address that
//! returns a day at a time to different servers is a sneak attacker over the fleet and
//! on no server alone; a server directory that holds no store is an error naming it.

use std::fs;
use std::path::Path;

use crate::util::{knocklog, read_csv, repo};

/// Seen by every server: a burst of probes on one day, and a page before it.
const EVERYWHERE: &str = "203.0.113.240";
/// Two probes a day, on days spread over the servers: two days on `a`, one on each of
/// the others (the sneak rule wants three days).
const SPREAD: &str = "192.0.2.240";

/// An access line of `ip` at `day` (2026-01-DD) and `time`.
fn access(ip: &str, day: u32, time: &str, path: &str, status: u16) -> String {
    format!("{ip} - - [{day:02}/Jan/2026:{time} +0000] \"GET {path} HTTP/1.1\" {status} 512 \"-\" \"Mozilla/5.0\"\n")
}

/// Server `name`'s access log: `EVERYWHERE`'s page and probes on January 5, `SPREAD`'s
/// probes on `spread_days`, and a benign visitor of the server's own.
fn access_log(name: &str, spread_days: &[u32], probes: usize) -> String {
    let mut log = access(EVERYWHERE, 5, "09:00:00", "/", 200);
    for i in 0..probes {
        log += &access(EVERYWHERE, 5, &format!("09:01:{i:02}"), "/.env", 404);
    }
    for &day in spread_days {
        log += &access(SPREAD, day, "12:00:00", "/wp-login.php", 404);
        log += &access(SPREAD, day, "12:00:30", "/.git/config", 404);
    }
    let own = match name {
        "a" => "198.51.100.241",
        "b" => "198.51.100.242",
        _ => "198.51.100.243",
    };
    log += &access(own, 6, "10:00:00", "/index.html", 200);
    log
}

/// Scans `logs` into the store `store`.
fn scan_into(store: &Path, logs: &[&Path]) {
    let out = store.parent().unwrap().join(format!("scan-{}", store.file_name().unwrap().to_string_lossy()));
    let o = knocklog()
        .args(["scan", "--quiet", "--timezone", "utc", "--format", "csv", "--history"])
        .arg(store)
        .arg("--out")
        .arg(&out)
        .args(logs)
        .output()
        .unwrap();
    assert!(matches!(o.status.code(), Some(0 | 2)), "{}", String::from_utf8_lossy(&o.stderr));
}

/// `report --history dir` over January 2026 into `out`, with `extra` arguments.
fn report(dir: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    knocklog()
        .args(["report", "--history"])
        .arg(dir)
        .args(["--since", "2026-01-01", "--until", "2026-02-01", "--format", "csv", "--out"])
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

fn row<'a>(
    rows: &'a [std::collections::HashMap<String, String>],
    ip: &str,
) -> &'a std::collections::HashMap<String, String> {
    rows.iter().find(|r| r["ip"] == ip).unwrap_or_else(|| panic!("no row of {ip}"))
}

#[test]
fn a_fleet_is_reported_as_one_with_each_servers_share() {
    let tmp = tempfile::tempdir().unwrap();
    let fleet = tmp.path().join("fleet");
    let servers = [("a", &[3, 4][..], 20), ("b", &[6][..], 15), ("c", &[8][..], 10)];
    for (name, spread_days, probes) in servers {
        let logs = tmp.path().join(format!("logs-{name}"));
        fs::create_dir(&logs).unwrap();
        fs::write(logs.join("access.log"), access_log(name, spread_days, probes)).unwrap();
        let store = fleet.join(format!("server={name}"));
        // Server a also holds the sample logs: a fleet is more than its shared addresses.
        let sample = repo().join("sample-logs");
        let paths: Vec<&Path> = if name == "a" { vec![&logs, &sample] } else { vec![&logs] };
        scan_into(&store, &paths);
    }

    let out = tmp.path().join("fleet-report");
    let o = report(&fleet, &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("Across 3 servers (a, b, c): "), "{stdout}");

    // One row per server that saw the address, its lines summed in ips.csv.
    let shares = read_csv(&out.join("servers.csv"));
    let everywhere: Vec<_> = shares.iter().filter(|r| r["ip"] == EVERYWHERE).collect();
    let seen: Vec<(&str, &str, &str)> = everywhere
        .iter()
        .map(|r| (r["server"].as_str(), r["events"].as_str(), r["suspicious_events"].as_str()))
        .collect();
    assert_eq!(seen, [("a", "21", "20"), ("b", "16", "15"), ("c", "11", "10")]);
    let ips = read_csv(&out.join("ips.csv"));
    let merged = row(&ips, EVERYWHERE);
    assert_eq!((merged["events"].as_str(), merged["suspicious_events"].as_str()), ("48", "45"));
    assert_eq!((merged["verdict"].as_str(), merged["sneak"].as_str()), ("block", "false"));
    // Every listed address has its servers' rows, and they add up to its lines.
    for ip in &ips {
        let sum: u64 = shares.iter().filter(|r| r["ip"] == ip["ip"]).map(|r| r["events"].parse::<u64>().unwrap()).sum();
        assert_eq!(sum.to_string(), ip["events"], "{}", ip["ip"]);
    }
    // The events keep the server that logged them.
    let events = read_csv(&out.join("events.csv"));
    let on = |server: &str| events.iter().filter(|e| e["ip"] == EVERYWHERE && e["server"] == server).count();
    assert_eq!((on("a"), on("b"), on("c")), (20, 15, 10));

    // Four days with two probes each over the fleet; no server saw three of them.
    let spread = row(&ips, SPREAD);
    assert_eq!((spread["sneak"].as_str(), spread["verdict"].as_str()), ("true", "block"), "{spread:?}");
    let days: Vec<&str> = shares.iter().filter(|r| r["ip"] == SPREAD).map(|r| r["active_day_count"].as_str()).collect();
    assert_eq!(days, ["2", "1", "1"]);
    for server in ["a", "b", "c"] {
        let alone = tmp.path().join(format!("report-{server}"));
        let o = report(&fleet.join(format!("server={server}")), &alone, &["--quiet"]);
        assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
        let ips = read_csv(&alone.join("ips.csv"));
        assert_eq!(row(&ips, SPREAD)["sneak"], "false", "server {server} alone sees too few days");
        assert!(!alone.join("servers.csv").exists(), "one store's report has no servers table");
        let page = fs::read_to_string(alone.join("report.html")).unwrap();
        assert!(!page.contains("Across servers") && page.contains("from the history store"));
    }

    // report.html: the section near the top, the address on three servers, the sneak
    // attacker only the fleet shows.
    let page = fs::read_to_string(out.join("report.html")).unwrap();
    let section = &page[page.find(r#"<h2 id="knocklog-servers">"#).expect("an Across servers section")..];
    let section = &section[..section[1..].find("<h2 ").map_or(section.len(), |end| end + 1)];
    assert!(page.find("id=\"knocklog-servers\"").unwrap() < page.find("id=\"knocklog-weekly\"").unwrap());
    assert!(page.contains("(3 servers: a, b, c): "), "the header names the servers");
    let several = &section[section.find("aria-label=\"Attackers seen on several servers\"").unwrap()..];
    let several = &several[..several.find("</table>").unwrap()];
    let everywhere_row = several.split("<tr>").find(|r| r.contains(EVERYWHERE)).expect("listed on several servers");
    assert!(everywhere_row.contains("3 servers: a, b, c"), "{everywhere_row}");
    assert!(everywhere_row.contains("<strong>b</strong> 16 (15), 1 day"), "{everywhere_row}");
    let sneaks = &section[section.find("aria-label=\"Sneak attackers only over the fleet\"").unwrap()..];
    let sneaks = &sneaks[..sneaks.find("</table>").unwrap()];
    assert_eq!(sneaks.matches("<tr>").count(), 2, "the header row and {SPREAD}'s: {sneaks}");
    assert!(sneaks.contains(SPREAD));

    // report.json and --json say the same.
    let json: serde_json::Value = serde_json::from_slice(&fs::read(out.join("report.json")).unwrap()).unwrap();
    let several_count = ips.iter().filter(|r| shares.iter().filter(|s| s["ip"] == r["ip"]).count() > 1).count();
    assert_eq!(json["servers"]["count"], 3);
    assert_eq!(json["servers"]["names"], serde_json::json!(["a", "b", "c"]));
    assert_eq!(json["servers"]["addresses_on_several"], several_count);
    assert_eq!(json["servers"]["spread_sneaks"], 1);
    assert!(several_count >= 2, "{EVERYWHERE} and {SPREAD} at least");
    let o = report(&fleet, &tmp.path().join("fleet-json"), &["--json"]);
    let printed: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(printed["servers"], json["servers"]);
}

#[test]
fn a_server_directory_without_a_store_is_an_error_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let fleet = tmp.path().join("fleet");
    let logs = tmp.path().join("logs");
    fs::create_dir(&logs).unwrap();
    fs::write(logs.join("access.log"), access_log("a", &[3], 5)).unwrap();
    scan_into(&fleet.join("server=a"), &[&logs]);
    fs::create_dir(fleet.join("server=x")).unwrap();
    let o = report(&fleet, &tmp.path().join("out"), &[]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("server=x") && stderr.contains("no knocklog history store"), "{stderr}");
    assert!(!tmp.path().join("out").join("report.html").exists(), "nothing is written for half a fleet");
}
