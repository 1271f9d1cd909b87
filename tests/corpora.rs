//! knocklog scan on every file of ../shared/corpora (real logs nobody here wrote): no
//! panic anywhere, at least 99% of lines parsed in the well-formed corpora, and every
//! line that fail2ban's annotations attribute to a host attributed to that same host.

use std::collections::HashMap;
use std::path::Path;

use knocklog::vocab::address::canonical;

use crate::util::{corpora, read_csv, scan};

#[test]
fn every_corpus_file_is_read_without_a_crash() {
    let Some(corpus) = corpora("corpora::every_corpus_file_is_read_without_a_crash") else { return };
    let run = scan(&[&corpus], &["--timezone", "utc"]);
    let summary = run.summary();
    let files = summary["files"].as_array().unwrap();
    assert!(files.len() > 80, "read only {} files", files.len());
    // The other-services logs are of kinds knocklog does not know: whatever it reads
    // of them, it must not invent addresses from free text.
    let ips: Vec<String> = run.table("ips").into_iter().map(|r| r["ip"].clone()).collect();
    assert!(!ips.iter().any(|ip| ip.is_empty()));
}

/// Parsed share of non-blank lines per file, for the corpora that are clean logs.
#[test]
fn clean_corpora_parse_at_least_99_percent() {
    let Some(c) = corpora("corpora::clean_corpora_parse_at_least_99_percent") else { return };
    let sets = [
        c.join("loghub/OpenSSH/OpenSSH_2k.log"),
        c.join("elastic-examples/apache_logs/apache_logs"),
        c.join("elastic-examples/suspicious_login_activity/auth.log"),
        c.join("honeynet-redhat71-httpd/httpd"),
        c.join("auth-logs-dfrws-2009"),
    ];
    let paths: Vec<&Path> = sets.iter().map(|p| p.as_path()).collect();
    let run = scan(&paths, &["--timezone", "utc"]);
    let summary = run.summary();
    let mut report = Vec::new();
    let mut failed = false;
    for f in summary["files"].as_array().unwrap() {
        let path = f["path"].as_str().unwrap();
        let lines = f["lines"].as_u64().unwrap() - f["blank"].as_u64().unwrap();
        let parsed = f["parsed"].as_u64().unwrap();
        let share = parsed as f64 / lines.max(1) as f64;
        report.push(format!("{share:>8.4} {parsed:>7}/{lines:<7} {path}"));
        failed |= share < 0.99;
    }
    eprintln!("parsed share per file:\n{}", report.join("\n"));
    assert!(!failed, "a clean corpus file parsed below 99%:\n{}", report.join("\n"));
}

/// fail2ban's annotations: for every line it counts against a host, knocklog's event
/// for that line names the same host (and the same user, where one is given).
#[test]
fn fail2ban_annotated_lines_are_attributed_to_their_host() {
    let Some(corpus) = corpora("corpora::fail2ban_annotated_lines_are_attributed_to_their_host") else { return };
    let dir = corpus.join("fail2ban/annotated");
    // Formats knocklog does not read, with the reason.
    let not_read: HashMap<&str, &str> = HashMap::new();
    let run = scan(&[&dir.join("logs")], &["--all-events", "--timezone", "utc"]);
    let mut by_line: HashMap<(String, u64), (String, String)> = HashMap::new();
    for e in run.table("events") {
        let file = e["source_file"].rsplit('/').next().unwrap().to_owned();
        by_line.insert((file, e["line_no"].parse().unwrap()), (e["ip"].clone(), e["user"].clone()));
    }
    let mut per_file: HashMap<String, (u32, u32)> = HashMap::new();
    let mut misses = Vec::new();
    for row in read_csv(&dir.join("truth.csv")) {
        if row["expected_match"] != "true" || row["host"].is_empty() || not_read.contains_key(row["file"].as_str()) {
            continue;
        }
        let key = (row["file"].clone(), row["line_no"].parse::<u64>().unwrap());
        let want_ip = canonical(row["host"].as_bytes());
        let entry = per_file.entry(row["file"].clone()).or_default();
        match by_line.get(&key) {
            // A `;`-list is fail2ban's users of the whole session: the line names one.
            Some((ip, user))
                if *ip == want_ip && (row["user"].is_empty() || row["user"].split(';').any(|u| u == user)) =>
            {
                entry.0 += 1
            }
            got => {
                entry.1 += 1;
                misses.push(format!("{}:{} want {want_ip} user {:?}, got {got:?}", key.0, key.1, row["user"]));
            }
        }
    }
    let mut table: Vec<String> =
        per_file.iter().map(|(f, (hit, miss))| format!("{f:<22} {hit:>3} attributed {miss:>3} missed")).collect();
    table.sort();
    for (f, why) in &not_read {
        table.push(format!("{f:<22} left out: {why}"));
    }
    eprintln!("fail2ban truth attribution:\n{}", table.join("\n"));
    assert!(per_file.values().map(|v| v.0).sum::<u32>() > 150);
    assert!(misses.is_empty(), "{} lines not attributed to their host:\n{}", misses.len(), misses.join("\n"));
}

/// loghub's OpenSSH truth: every host with failed logins or invalid users is in the
/// ips table with the usernames it tried.
#[test]
fn loghub_openssh_attackers_are_all_found_with_their_usernames() {
    let Some(corpus) = corpora("corpora::loghub_openssh_attackers_are_all_found_with_their_usernames") else { return };
    let dir = corpus.join("loghub/OpenSSH");
    let run = scan(&[&dir.join("OpenSSH_2k.log")], &["--timezone", "utc"]);
    let ips: HashMap<String, String> =
        run.table("ips").into_iter().map(|r| (r["ip"].clone(), r["usernames"].clone())).collect();
    let truth = read_csv(&dir.join("truth.csv"));
    // PAM lines name the host by its reverse DNS (rhost=); sshd's own line for the same
    // attempt, same process, names the address. knocklog counts the attempt once, under
    // the address, so a named host is found through its process's address.
    let mut pid_addresses: HashMap<&str, Vec<String>> = HashMap::new();
    for row in &truth {
        if knocklog::vocab::address::parse(&row["host"]).is_some() {
            pid_addresses.entry(row["pid"].as_str()).or_default().push(row["host"].clone());
        }
    }
    let mut missing = Vec::new();
    for row in &truth {
        if !matches!(row["class"].as_str(), "failed_auth" | "invalid_user") || row["host"].is_empty() {
            continue;
        }
        let mut host = canonical(row["host"].as_bytes());
        if knocklog::vocab::address::parse(&host).is_none() {
            if let Some(addr) = pid_addresses.get(row["pid"].as_str()).and_then(|a| a.first()) {
                host = addr.clone();
            }
        }
        match ips.get(&host) {
            None => missing.push(format!("line {}: host {host} not in ips", row["line_no"])),
            Some(users) => {
                let user = row["user"].trim();
                // `usernames` is a JSON array of {"value": name, "count": tries}.
                let names: Vec<String> = serde_json::from_str::<Vec<serde_json::Value>>(users)
                    .unwrap()
                    .iter()
                    .map(|u| u["value"].as_str().unwrap().to_owned())
                    .collect();
                if !user.is_empty() && !names.iter().any(|u| u.trim() == user) {
                    missing.push(format!("line {}: {host} lacks user {user:?} (has {users})", row["line_no"]));
                }
            }
        }
    }
    missing.dedup();
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}
