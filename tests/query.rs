//! `knocklog query`: every canned query in queries/ runs with polars SQL on the sample
//! scan; results agree with the tables; a bad query gets polars' message and the tables.

use std::process::Output;

use crate::util::{knocklog, read_csv, repo, scan, Run};

fn sample_scan() -> Run {
    scan(
        &[&repo().join("sample-logs")],
        &["--timezone", "utc", "--allow-ip", "192.168,100.72", "--allow-user", "alice"],
    )
}

fn query(run: &Run, args: &[&str]) -> Output {
    knocklog().arg("query").arg("--data").arg(&run.out).args(args).output().unwrap()
}

/// stdout (CSV, as it is not a terminal) as rows.
fn csv_rows(o: &Output) -> Vec<csv::StringRecord> {
    csv::Reader::from_reader(&o.stdout[..]).records().map(|r| r.unwrap()).collect()
}

#[test]
fn every_canned_query_runs_on_a_scan() {
    let run = sample_scan();
    let mut files: Vec<_> = std::fs::read_dir(repo().join("queries"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    assert!(files.len() >= 7, "{files:?}");
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        assert!(text.starts_with("-- "), "{}: no comment header saying what it answers", f.display());
        let o = query(&run, &[f.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{}: {stderr}", f.display());
        assert!(!csv_rows(&o).is_empty(), "{}: no rows", f.display());
    }
    // top_attackers puts the blocked first, as the ips table does.
    let o = query(&run, &[repo().join("queries/top_attackers.sql").to_str().unwrap()]);
    let rows = csv_rows(&o);
    let ips = run.table("ips");
    assert_eq!(&rows[0][0], ips[0]["ip"].as_str());
    assert_eq!(&rows[0][1], "block");
    // The quiet returner is the sneak attacker.
    let o = query(&run, &[repo().join("queries/sneak_attackers.sql").to_str().unwrap()]);
    assert!(csv_rows(&o).iter().any(|r| &r[0] == "203.0.113.66"));
}

#[test]
fn ad_hoc_sql_counts_match_the_tables_and_files_are_written() {
    let run = sample_scan();
    let o = query(&run, &["--sql", "SELECT COUNT(*) AS n FROM events"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(csv_rows(&o)[0][0].parse::<usize>().unwrap(), run.table("events").len());
    let o = query(&run, &["--sql", "SELECT COUNT(*) AS n FROM ips WHERE verdict = 'block'"]);
    let blocked = run.table("ips").iter().filter(|r| r["verdict"] == "block").count();
    assert_eq!(csv_rows(&o)[0][0].parse::<usize>().unwrap(), blocked);

    let csv_out = run.out.join("q.csv");
    let o = query(
        &run,
        &["--sql", "SELECT ip, path FROM events WHERE path IS NOT NULL", "--out", csv_out.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let written = read_csv(&csv_out);
    assert!(!written.is_empty());
    let derived = tempfile::tempdir().unwrap();
    let pq = derived.path().join("result.parquet");
    let o = query(&run, &["--sql", "SELECT ip, score FROM ips", "--out", pq.to_str().unwrap()]);
    assert!(o.status.success());
    // The written Parquet is a table of its own folder (one with no manifest); inside a
    // run's --out it would not be, as the run's manifest does not list it.
    let o = knocklog()
        .args(["query", "--data", derived.path().to_str().unwrap(), "--sql", "SELECT COUNT(*) FROM result"])
        .output()
        .unwrap();
    assert_eq!(csv_rows(&o)[0][0].parse::<usize>().unwrap(), run.table("ips").len());
}

#[test]
fn a_bad_query_names_the_problem_and_lists_the_tables() {
    let run = sample_scan();
    let o = query(&run, &["--sql", "SELECT nosuchcolumn FROM ips"]);
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("query failed"), "{stderr}");
    assert!(stderr.contains("nosuchcolumn"), "{stderr}");
    for table in ["events", "ips", "sessions", "usernames", "daily"] {
        assert!(stderr.contains(&format!("  {table}: ")), "{table} missing from:\n{stderr}");
    }
    assert!(stderr.contains("verdict ("), "{stderr}");
    let o = query(&run, &["--tables"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("events: ts (datetime"));
}

#[test]
fn a_query_reads_only_the_files_of_the_current_set() {
    let run = sample_scan();
    let count = |run: &Run| -> Output { query(run, &["--sql", "SELECT count(*) AS n FROM ips"]) };
    let before = count(&run);
    assert!(before.status.success(), "{}", String::from_utf8_lossy(&before.stderr));
    // A Parquet file the set does not list (left by hand, or by an older tool) is no
    // table of it.
    std::fs::copy(run.out.join("ips.parquet"), run.out.join("stale.parquet")).unwrap();
    let o = query(&run, &["--sql", "SELECT count(*) FROM stale"]);
    assert!(!o.status.success());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("stale.parquet: not part of the set manifest.json lists"), "{stderr}");
    assert_eq!(count(&run).stdout, before.stdout);
    // A listed file whose size is not the manifest's: a switch under way, or replaced.
    let events = run.out.join("events.parquet");
    let mut bytes = std::fs::read(&events).unwrap();
    bytes.extend_from_slice(b"x");
    std::fs::write(&events, bytes).unwrap();
    let o = query(&run, &["--sql", "SELECT count(*) FROM ips"]);
    assert!(!o.status.success());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("events.parquet") && stderr.contains("manifest.json (run "), "{stderr}");
}
