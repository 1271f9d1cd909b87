//! `--timeline`: timeline.csv and timeline.jsonl hold the events table's rows in time
//! order, in the import format of Timesketch (checked by reading them as its importer
//! does, tests/timeline/timesketch_import.py), with each address's verdict; attacker
//! text stays inert in both.

use std::collections::HashMap;
use std::process::Command;

use crate::util::{read_csv, repo, scan, skip};

fn jsonl(path: &std::path::Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}"))).collect()
}

#[test]
fn the_timeline_is_the_events_table_in_time_order_with_verdicts() {
    let run = scan(&[&repo().join("sample-logs")], &["--timezone", "utc", "--timeline"]);
    let events = run.table("events");
    let csv = read_csv(&run.out.join("timeline.csv"));
    let rows = jsonl(&run.out.join("timeline.jsonl"));
    assert_eq!(csv.len(), events.len(), "one row per event");
    assert_eq!(rows.len(), events.len());
    assert_eq!(run.summary()["timeline"]["rows"], events.len() as u64);

    let stamps: Vec<i64> = rows.iter().map(|r| r["timestamp"].as_i64().unwrap()).collect();
    assert!(stamps.windows(2).all(|w| w[0] <= w[1]), "rows are in time order");
    // The events table is in reading order: the same rows, another order.
    let key = |file: &str, line: &str| format!("{file}:{line}");
    let mut from_events: Vec<String> = events.iter().map(|e| key(&e["source_file"], &e["line_no"])).collect();
    let mut from_timeline: Vec<String> = csv.iter().map(|r| key(&r["source_file"], &r["line_no"])).collect();
    from_events.sort();
    from_timeline.sort();
    assert_eq!(from_events, from_timeline);

    let verdicts: HashMap<String, String> =
        run.table("ips").into_iter().map(|ip| (ip["ip"].clone(), ip["verdict"].clone())).collect();
    for (row, json) in csv.iter().zip(&rows) {
        assert_eq!(row["timestamp_desc"], "Recorded Time");
        assert!(row["datetime"].ends_with("+00:00") && row["datetime"].len() == 32, "{}", row["datetime"]);
        assert_eq!(json["message"].as_str().unwrap(), row["message"]);
        let expected = verdicts.get(&row["ip"]).map_or("none", String::as_str);
        assert_eq!(row["verdict"], expected, "{}", row["ip"]);
        assert!(row["message"].starts_with(&format!("{} {}", row["category"], row["ip"])), "{}", row["message"]);
    }
    let blocked = csv.iter().find(|r| r["verdict"] == "block").expect("the sample has blocked addresses");
    assert!(blocked["data_type"].starts_with("knocklog:"), "{}", blocked["data_type"]);
}

#[test]
fn attacker_text_in_the_timeline_is_inert() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.log");
    let lines = [
        // A request target with a raw terminal escape, and an agent that a spreadsheet
        // would run as a formula.
        "203.0.113.9 - - [05/Jan/2026:10:00:00 +0000] \"GET /wp-login.php\x1b[2J HTTP/1.1\" 404 10 \"-\" \"=cmd|' /C calc'!A0\"\n",
        "203.0.113.9 - - [05/Jan/2026:09:00:00 +0000] \"GET /.env HTTP/1.1\" 404 10 \"-\" \"curl/8.0\"\n",
    ];
    std::fs::write(&log, lines.concat()).unwrap();
    let run = scan(&[&log], &["--timezone", "utc", "--timeline"]);
    let csv = read_csv(&run.out.join("timeline.csv"));
    assert_eq!(csv.len(), 2, "{csv:?}");
    assert_eq!(csv[0]["path"], "/.env", "the earlier line comes first");
    let agent = &csv[1]["user_agent"];
    assert!(agent.starts_with("'="), "a formula-like cell is neutralised: {agent}");
    let message = &csv[1]["message"];
    assert!(!message.contains('\x1b') && message.contains("/wp-login.php\\x1b[2J"), "{message}");
    // The fields keep the logged text as it was, as in the events table.
    assert_eq!(csv[1]["path"], "/wp-login.php\x1b[2J");
    let rows = jsonl(&run.out.join("timeline.jsonl"));
    assert!(rows[1]["user_agent"].as_str().unwrap().starts_with("=cmd"));
}

#[test]
fn a_report_writes_the_timeline_of_its_period() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let run = scan(
        &[&repo().join("sample-logs")],
        &["--timezone", "utc", "--timeline", "--history"]
            .iter()
            .copied()
            .chain([store.to_str().unwrap()])
            .collect::<Vec<_>>(),
    );
    let out = tmp.path().join("report");
    let o = crate::util::knocklog()
        .args(["report", "--quiet", "--since", "3650d", "--timeline", "--history"])
        .arg(&store)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let key = |r: &serde_json::Value| {
        (r["timestamp"].as_i64(), r["source_file"].clone(), r["line_no"].as_u64(), r["verdict"].clone())
    };
    let mut scanned: Vec<_> = jsonl(&run.out.join("timeline.jsonl")).iter().map(key).collect();
    let mut reported: Vec<_> = jsonl(&out.join("timeline.jsonl")).iter().map(key).collect();
    scanned.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    reported.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    assert_eq!(scanned, reported, "the store's period gives the scan's rows and verdicts");
}

#[test]
fn timesketch_imports_the_timeline() {
    let python = Command::new("python3").args(["-c", "import pandas"]).output();
    if !python.is_ok_and(|o| o.status.success()) {
        let why = "python3 with pandas is not installed (pip install pandas; .ci/run installs it)";
        return skip("timeline::timesketch_imports_the_timeline", why);
    }
    let run = scan(&[&repo().join("sample-logs")], &["--timezone", "utc", "--timeline", "--all-events"]);
    let o =
        Command::new("python3").arg(repo().join("tests/timeline/timesketch_import.py")).arg(&run.out).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let imported: u64 = String::from_utf8_lossy(&o.stdout).trim().parse().unwrap();
    assert_eq!(imported, run.summary()["timeline"]["rows"].as_u64().unwrap());
    assert!(imported > 1000, "--all-events puts every line with an address in: {imported}");
}
