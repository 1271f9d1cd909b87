//! A fleet's data: three hosts' history stores side by side as `server=NAME/` are one dataset
//! for `knocklog query`, DuckDB and polars, with the events' own `host` column intact;
//! `history compact` turns their day files into monthly ones that answer the same,
//! rewrites only what changed, and keeps days a store has pruned.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::util::{knocklog, repo};

fn generate(dir: &Path, seed: &str) {
    // 40 daily files ending 2026-01-08: days of three months.
    let status = Command::new(env!("CARGO_BIN_EXE_knocklog-gen"))
        .args(["bench", "--files", "40", "--size", "1MB", "--seed", seed, "--out"])
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
}

fn store(logs: &Path, store: &Path, out: &Path) {
    let o = knocklog()
        .args(["scan", "--quiet", "--timezone", "utc"])
        .arg(logs)
        .arg("--out")
        .arg(out)
        .arg("--history")
        .arg(store)
        .output()
        .unwrap();
    assert!(matches!(o.status.code(), Some(0 | 2)), "{}", String::from_utf8_lossy(&o.stderr));
}

fn sql(data: &Path, sql: &str) -> Vec<csv::StringRecord> {
    let o = knocklog().arg("query").arg("--data").arg(data).arg("--sql").arg(sql).output().unwrap();
    assert!(o.status.success(), "{sql}: {}", String::from_utf8_lossy(&o.stderr));
    csv::Reader::from_reader(&o.stdout[..]).records().map(|r| r.unwrap()).collect()
}

fn compact(fleet: &Path, into: &Path) -> serde_json::Value {
    let o = knocklog().args(["history", "compact", "--json"]).arg(fleet).arg("--into").arg(into).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn parquet_files(dir: &Path) -> usize {
    walk(dir).iter().filter(|p| p.extension().is_some_and(|e| e == "parquet")).count()
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut all = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.file_type().unwrap().is_dir() {
            all.extend(walk(&e.path()));
        } else {
            all.push(e.path());
        }
    }
    all
}

const PER_SERVER: &str =
    "SELECT server, count(*) AS events, count(DISTINCT day) AS days FROM events GROUP BY server ORDER BY server";

#[test]
fn three_hosts_stores_are_one_dataset_and_compact_to_monthly_files() {
    let tmp = tempfile::tempdir().unwrap();
    let fleet = tmp.path().join("fleet");
    for (name, seed) in [("a", "1"), ("b", "2")] {
        let logs = tmp.path().join(format!("logs-{name}"));
        generate(&logs, seed);
        store(&logs, &fleet.join(format!("server={name}")), &tmp.path().join(format!("out-{name}")));
    }
    // The third host's logs have syslog lines, whose events carry a `host` of their own.
    store(&repo().join("sample-logs"), &fleet.join("server=c"), &tmp.path().join("out-c"));

    // Each server's rows are its own store's, under its name.
    let per_server = sql(&fleet, PER_SERVER);
    assert_eq!(per_server.iter().map(|r| r[0].to_owned()).collect::<Vec<_>>(), ["a", "b", "c"]);
    for row in &per_server {
        let alone = sql(&fleet.join(format!("server={}", &row[0])), "SELECT count(*) FROM events");
        assert_eq!(&alone[0][0], &row[1], "server {}", &row[0]);
    }
    assert_eq!(&per_server[0][2], "40", "{per_server:?}");
    let hosts = sql(&fleet, "SELECT count(DISTINCT host) FROM events WHERE server = 'c' AND host IS NOT NULL");
    assert_ne!(&hosts[0][0], "0", "the events' host column was overwritten");

    // Compacted: one file per table, server and month; the same answers.
    let into = tmp.path().join("compacted");
    let day_files = parquet_files(&fleet);
    let first = compact(&fleet, &into);
    let month_files = parquet_files(&into);
    assert_eq!(first["month_files"], month_files as u64);
    assert_eq!(first["day_files"], day_files as u64);
    assert!(month_files * 4 < day_files, "{month_files} month files for {day_files} day files");
    assert_eq!(sql(&into, PER_SERVER), per_server);
    assert_eq!(sql(&into, "SELECT count(*) FROM daily"), sql(&fleet, "SELECT count(*) FROM daily"));
    let again = compact(&fleet, &into);
    assert_eq!(again["months_written"], 0, "{again}");
    assert_eq!(again["months_unchanged"], first["months_written"]);

    // DuckDB and polars read both layouts as knocklog does.
    let python = Command::new("python3").args(["-c", "import polars, duckdb"]).output();
    if python.is_ok_and(|o| o.status.success()) {
        let o: Output = Command::new("python3")
            .arg(repo().join("tests/fleet_data/read_fleet.py"))
            .arg(&fleet)
            .arg(&into)
            .output()
            .unwrap();
        assert!(o.status.success(), "read_fleet.py failed:\n{}", String::from_utf8_lossy(&o.stderr));
        let py: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        for row in &per_server {
            for engine in ["duckdb_fleet", "polars_fleet", "duckdb_compacted", "polars_compacted"] {
                let got = &py[engine][&row[0]];
                assert_eq!(got["events"].to_string(), row[1], "{engine} {}", &row[0]);
                assert_eq!(got["days"].to_string(), row[2], "{engine} {}", &row[0]);
            }
        }
        for engine in ["duckdb_fleet", "polars_fleet", "duckdb_compacted", "polars_compacted"] {
            assert_eq!(py[engine]["c"]["hosts"].to_string(), hosts[0][0], "{engine}: host column");
        }
    } else {
        crate::util::skip(
            "fleet_data::three_hosts_stores_are_one_dataset_and_compact_to_monthly_files (DuckDB and polars part)",
            "python3 with polars and duckdb is not installed (.ci/run installs them)",
        );
    }

    // A store that prunes its old days: the compacted months keep them.
    let o = knocklog().args(["history", "prune", "--keep", "1d"]).arg(fleet.join("server=a")).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let after = compact(&fleet, &into);
    assert!(after["days_archived"].as_u64().unwrap() >= 40, "{after}");
    assert_eq!(sql(&into, PER_SERVER), per_server);
    // New days of a month already compacted, whose other days the store pruned: the
    // month is rewritten with the store's days and keeps the pruned ones.
    let fresh = tmp.path().join("logs-a-later");
    let status = Command::new(env!("CARGO_BIN_EXE_knocklog-gen"))
        .args(["bench", "--files", "3", "--size", "100KB", "--seed", "9", "--out"])
        .arg(&fresh)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    store(&fresh, &fleet.join("server=a"), &tmp.path().join("out-a-later"));
    let last_days = "SELECT count(*) FROM events WHERE day >= DATE '2026-01-06'";
    let stored = sql(&fleet.join("server=a"), last_days);
    assert_ne!(&stored[0][0], "0");
    let rewritten = compact(&fleet, &into);
    assert!(rewritten["months_written"].as_u64().unwrap() >= 1, "{rewritten}");
    let a_only = "SELECT count(DISTINCT day) FROM events WHERE server = 'a'";
    assert_eq!(&sql(&into, a_only)[0][0], "40");
    let compacted = sql(&into, &format!("{last_days} AND server = 'a'"));
    assert_eq!(compacted, stored);
}

#[test]
fn compact_refuses_what_it_must_not_write_into() {
    let tmp = tempfile::tempdir().unwrap();
    let fleet = tmp.path().join("fleet");
    let a = fleet.join("server=a");
    store(&repo().join("sample-logs/apache2"), &a, &tmp.path().join("out"));
    let run = |args: &[&Path]| knocklog().args(["history", "compact"]).args(args).output().unwrap();
    // A single store needs its server's name.
    let o = run(&[&a, Path::new("--into"), &tmp.path().join("c")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("needs --server NAME"));
    // Not into a store, nor through a symlink.
    let o = run(&[&fleet, Path::new("--into"), &a.join("compacted")]);
    assert_ne!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stderr).contains("inside the store"), "{}", String::from_utf8_lossy(&o.stderr));
    let elsewhere = tmp.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, tmp.path().join("link")).unwrap();
    let o = run(&[&fleet, Path::new("--into"), &tmp.path().join("link")]);
    assert_ne!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stderr).contains("never written through"));
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
    // A server= directory that is no store names itself.
    std::fs::create_dir(fleet.join("server=b")).unwrap();
    let o = knocklog().args(["query", "--sql", "SELECT 1 FROM events", "--data"]).arg(&fleet).output().unwrap();
    assert_ne!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stderr).contains("server=b: no knocklog history store"));
}
