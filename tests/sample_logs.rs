//! knocklog scan on the shipped sample-logs/ tree: per-IP counts against the table the
//! generator computed independently (sample-logs/README.md), attribution traps, the
//! year boundary, unparsed-line reporting, and identical output for 1 and 2 threads.

use std::collections::HashMap;

use crate::util::{repo, scan, Run};

fn sample_scan(extra: &[&str]) -> Run {
    let mut args = vec!["--timezone", "utc"];
    args.extend_from_slice(extra);
    scan(&[&repo().join("sample-logs")], &args)
}

/// The "Per-IP line counts" table of sample-logs/README.md: ip -> (access, error, auth, days).
fn expected_counts() -> HashMap<String, (u64, u64, u64, u64)> {
    let readme = std::fs::read_to_string(repo().join("sample-logs/README.md")).unwrap();
    let table = readme.split("## Per-IP line counts").nth(1).expect("per-IP table in sample-logs/README.md");
    let mut out = HashMap::new();
    for line in table.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let n = |i: usize| cells[i].parse::<u64>().unwrap();
        let ip = cells[1].trim_matches('`').to_owned();
        out.insert(ip, (n(2) + n(5), n(3) + n(6), n(4), n(7)));
    }
    assert!(out.len() > 50, "parsed only {} rows of the README table", out.len());
    out
}

#[test]
fn per_ip_counts_match_the_generator() {
    let run = sample_scan(&["--all-events", "--all-ips"]);
    let ips: HashMap<String, HashMap<String, String>> =
        run.table("ips").into_iter().map(|r| (r["ip"].clone(), r)).collect();
    let num = |row: &HashMap<String, String>, col: &str| row[col].parse::<u64>().unwrap();
    let mut problems = Vec::new();
    for (ip, (access, error, auth, days)) in expected_counts() {
        let Some(row) = ips.get(&ip) else {
            problems.push(format!("{ip}: missing from ips"));
            continue;
        };
        // The last line of access.log.2.gz is cut off mid-request (it is reported as
        // unparsed), so its address has one access line less than the generator wrote.
        let access_got = num(row, "access_events") + u64::from(ip == "192.0.2.230");
        if access_got != access || num(row, "error_events") != error {
            problems.push(format!(
                "{ip}: access {} error {} (expected {access} {error})",
                num(row, "access_events"),
                num(row, "error_events")
            ));
        }
        // sshd lines without an address are attributed through their pid, so auth
        // counts and days can only be higher than the generator's address-only count.
        if num(row, "auth_events") < auth || num(row, "active_day_count") < days {
            problems.push(format!(
                "{ip}: auth {} days {} (expected at least {auth} {days})",
                num(row, "auth_events"),
                num(row, "active_day_count")
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn injected_and_payload_addresses_are_never_attributed() {
    let run = sample_scan(&["--all-events"]);
    let ips: Vec<String> = run.table("ips").into_iter().map(|r| r["ip"].clone()).collect();
    for ghost in ["8.8.8.8", "198.51.100.9"] {
        assert!(!ips.contains(&ghost.to_owned()), "{ghost} must not be attributed");
    }
    let events = run.table("events");
    assert!(events.iter().all(|e| e["ip"] != "8.8.8.8" && e["ip"] != "198.51.100.9"));
    let injected: Vec<_> = events.iter().filter(|e| e["user"].contains("from 8.8.8.8")).collect();
    assert!(!injected.is_empty(), "the log-injection line is an event");
    assert!(injected.iter().all(|e| e["ip"] == "203.0.113.5"), "{injected:?}");
}

#[test]
fn year_boundary_and_time_span() {
    let run = sample_scan(&[]);
    assert!(run.stdout.is_empty(), "--quiet prints nothing on stdout");
    let totals = &run.summary()["totals"];
    assert!(totals["first_ts"].as_str().unwrap().starts_with("2025-12-26"));
    assert!(totals["last_ts"].as_str().unwrap().starts_with("2026-01-08"));
    let daily = run.table("daily");
    let days: std::collections::BTreeSet<&str> = daily.iter().map(|r| r["day"].as_str()).collect();
    assert_eq!(days.len(), 14, "{days:?}");
    // The quiet returner shows up on most days, with a handful of lines each.
    let quiet: Vec<_> = daily.iter().filter(|r| r["ip"] == "203.0.113.66").collect();
    assert!(quiet.len() >= 9, "quiet returner on {} days", quiet.len());
}

#[test]
fn unparsed_lines_are_counted_with_file_and_line() {
    let run = sample_scan(&[]);
    assert_eq!(run.code, 0, "garbage lines are counted, not input problems: exit code 0\n{}", run.stderr);
    let summary = run.summary();
    let files = summary["files"].as_array().unwrap();
    let unparsed: HashMap<String, u64> = files
        .iter()
        .filter(|f| f["unparsed"].as_u64().unwrap() > 0)
        .map(|f| (f["path"].as_str().unwrap().rsplit('/').next().unwrap().to_owned(), f["unparsed"].as_u64().unwrap()))
        .collect();
    let expected: HashMap<String, u64> =
        [("access.log.1", 1), ("access.log.2.gz", 1), ("auth.log.2.gz", 1)].map(|(f, n)| (f.to_owned(), n)).into();
    assert_eq!(unparsed, expected);
    assert!(run.stderr.contains("access.log.1: 1 of 295 lines are not access lines"), "{}", run.stderr);
    assert!(run.stderr.contains("line 126: Total in 412 ms"), "{}", run.stderr);
    let access_1 = files.iter().find(|f| f["path"].as_str().unwrap().ends_with("access.log.1")).unwrap();
    assert_eq!(access_1["unparsed_shapes"][0]["shape"], "Total in 0 ms", "{access_1}");
    assert_eq!(access_1["unparsed_shapes"][0]["line_no"], 126, "{access_1}");
    let total = &summary["totals"];
    assert_eq!(total["lines"].as_u64().unwrap(), total["parsed"].as_u64().unwrap() + 3 + blank_lines(&summary));
}

fn blank_lines(summary: &serde_json::Value) -> u64 {
    summary["files"].as_array().unwrap().iter().map(|f| f["blank"].as_u64().unwrap()).sum()
}

#[test]
fn rotations_are_read_oldest_first() {
    let run = sample_scan(&[]);
    let summary = run.summary();
    let paths: Vec<&str> = summary["files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    let pos = |name: &str| paths.iter().position(|p| p.ends_with(name)).unwrap_or_else(|| panic!("{name} not read"));
    assert!(pos("apache2/access.log.3.gz") < pos("apache2/access.log.2.gz"));
    assert!(pos("apache2/access.log.2.gz") < pos("apache2/access.log.1"));
    assert!(pos("apache2/access.log.1") < pos("apache2/access.log"));
    assert!(pos("auth.log.2.gz") < pos("auth.log.1") && pos("auth.log.1") < pos("/auth.log"));
    let gz =
        summary["files"].as_array().unwrap().iter().find(|f| f["path"].as_str().unwrap().ends_with("auth.log.2.gz"));
    assert_eq!(gz.unwrap()["compressed"], true);
}

#[test]
fn outputs_are_identical_for_one_and_two_threads() {
    let one = sample_scan(&["--threads", "1", "--all-events"]);
    let two = sample_scan(&["--threads", "2", "--all-events"]);
    for name in [
        "events.csv",
        "events.parquet",
        "ips.csv",
        "ips.parquet",
        "daily.csv",
        "daily.parquet",
        "summary.json",
        "suggested-patterns.txt",
        "patterns.csv",
        "campaigns.csv",
        "campaigns.parquet",
    ] {
        let a = std::fs::read(one.out.join(name)).unwrap();
        let b = std::fs::read(two.out.join(name)).unwrap();
        assert!(a == b, "{name} differs between --threads 1 and --threads 2");
    }
}

#[test]
fn csv_cells_cannot_become_spreadsheet_formulas() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.log");
    std::fs::write(
        &log,
        "203.0.113.9 - - [06/Jan/2026:10:00:00 +0000] \"GET /=cmd|' /C calc'!A0 HTTP/1.1\" 404 10 \"-\" \"=HYPERLINK(\\\"http://x\\\")\"\n\
         203.0.113.9 - @SUM [06/Jan/2026:10:00:01 +0000] \"GET /x HTTP/1.1\" 401 10 \"+1\" \"-2\"\n",
    )
    .unwrap();
    let run = scan(&[&log], &[]);
    let raw = std::fs::read_to_string(run.out.join("events.csv")).unwrap();
    for line in raw.lines().skip(1) {
        for cell in csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(line.as_bytes())
            .records()
            .next()
            .unwrap()
            .unwrap()
            .iter()
        {
            assert!(!cell.starts_with(['=', '+', '-', '@']), "formula-like cell {cell:?} in {line}");
        }
    }
    let events = run.table("events");
    assert_eq!(events[0]["user_agent"], "'=HYPERLINK(\\\"http://x\\\")");
    assert_eq!(events[1]["user"], "'@SUM");
}

/// Every actor of sample-logs/README.md's "Actors and expected verdicts" table gets a
/// verdict its row allows: the words `block`, `watch` and `ok` before the row's first
/// `:` or `;` (`not block` excluded), `ok` meaning no verdict; "a sneak attacker" there
/// must be one, "never sneak" must not. Rows naming a range of addresses are skipped.
#[test]
fn every_actor_gets_the_verdict_the_sample_readme_states() {
    let readme = std::fs::read_to_string(repo().join("sample-logs/README.md")).unwrap();
    let table = readme.split("## Actors and expected verdicts").nth(1).unwrap().split("\n## ").next().unwrap();
    let run = sample_scan(&["--allow-ip", "192.168,100.72", "--allow-user", "alice"]);
    let ips: HashMap<String, (String, String)> =
        run.table("ips").into_iter().map(|r| (r["ip"].clone(), (r["verdict"].clone(), r["sneak"].clone()))).collect();
    let (mut checked, mut problems) = (0, Vec::new());
    for line in table.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split(" | ").collect();
        let expected = cells[cells.len() - 1].trim_end_matches(" |").replace("not block", "");
        let head = expected.split([':', ';']).next().unwrap();
        let allowed: Vec<&str> = ["block", "watch", "ok"].into_iter().filter(|w| head.contains(w)).collect();
        if allowed.is_empty() {
            continue;
        }
        let addresses: Vec<&str> = cells[0].trim_start_matches("| ").split(", ").map(|c| c.trim_matches('`')).collect();
        for ip in addresses.into_iter().filter(|a| a.parse::<std::net::IpAddr>().is_ok()) {
            checked += 1;
            let (verdict, sneak) = ips.get(ip).cloned().unwrap_or(("none".into(), "false".into()));
            let got = if verdict == "none" { "ok" } else { verdict.as_str() };
            if !allowed.contains(&got) {
                problems.push(format!("{ip}: {got}, the README expects {expected}"));
            }
            if expected.contains("never sneak") && sneak == "true" {
                problems.push(format!("{ip}: a sneak attacker, the README says never"));
            }
            if head.contains("a sneak attacker") && sneak != "true" {
                problems.push(format!("{ip}: not a sneak attacker, the README expects one"));
            }
        }
    }
    assert!(checked > 50, "only {checked} actors checked");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
