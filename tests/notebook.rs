//! Notebook interop: Python reads the scan's Parquet and a history store
//! with polars, DuckDB and pandas/pyarrow (tests/notebook/read_outputs.py) and must
//! count what `knocklog query` counts and see every column with the type `knocklog
//! columns` gives it (lists as lists, no parser); the canned queries give the same rows
//! in DuckDB as in polars SQL. (A fleet of stores: tests/fleet.rs.)

use std::path::Path;
use std::process::Command;

use crate::util::{knocklog, repo, scan};

fn count(data: &Path, sql: &str) -> u64 {
    let o = knocklog().arg("query").arg("--data").arg(data).arg("--sql").arg(sql).output().unwrap();
    assert!(o.status.success(), "{sql}: {}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    text.lines().nth(1).unwrap().trim().parse().unwrap()
}

fn rows(data: &Path, file: &Path) -> u64 {
    let o = knocklog().arg("query").arg("--data").arg(data).arg(file).output().unwrap();
    assert!(o.status.success(), "{}: {}", file.display(), String::from_utf8_lossy(&o.stderr));
    csv::Reader::from_reader(&o.stdout[..]).records().count() as u64
}

fn history(logs: &Path, store: &Path) {
    let o = knocklog()
        .args(["scan", "--quiet", "--timezone", "utc", "--allow-ip", "192.168,100.72", "--allow-user", "alice"])
        .arg(logs)
        .arg("--out")
        .arg(
            store
                .parent()
                .unwrap()
                .parent()
                .unwrap()
                .join(format!("out-{}", store.file_name().unwrap().to_string_lossy())),
        )
        .arg("--history")
        .arg(store)
        .output()
        .unwrap();
    assert!(matches!(o.status.code(), Some(0 | 2)), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn python_polars_and_duckdb_read_what_knocklog_wrote() {
    let python = Command::new("python3").args(["-c", "import polars, duckdb, pandas, pyarrow"]).output();
    if !python.is_ok_and(|o| o.status.success()) {
        let why = "python3 with polars, duckdb, pandas and pyarrow is not installed (.ci/run installs them)";
        return crate::util::skip("notebook::python_polars_and_duckdb_read_what_knocklog_wrote", why);
    }
    let run = scan(
        &[&repo().join("sample-logs")],
        &["--timezone", "utc", "--allow-ip", "192.168,100.72", "--allow-user", "alice"],
    );
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("stores").join("a");
    std::fs::create_dir_all(a.parent().unwrap()).unwrap();
    history(&repo().join("sample-logs"), &a);
    let o = Command::new("python3")
        .arg(repo().join("tests/notebook/read_outputs.py"))
        .arg(&run.out)
        .arg(&a)
        .arg(repo().join("queries"))
        .output()
        .expect("python3 (with polars, duckdb, pandas and pyarrow: .ci/run installs them)");
    assert!(o.status.success(), "read_outputs.py failed:\n{}", String::from_utf8_lossy(&o.stderr));
    let py: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();

    let blocked = count(&run.out, "SELECT COUNT(*) FROM ips WHERE verdict = 'block'");
    assert!(blocked > 0);
    assert_eq!(py["polars_scan_blocked"], blocked);
    assert_eq!(py["duckdb_scan_blocked"], blocked);
    assert_eq!(py["polars_scan_events"], count(&run.out, "SELECT COUNT(*) FROM events"));
    let store_events = count(&a, "SELECT COUNT(*) FROM events");
    assert_eq!(py["polars_store_events"], store_events);
    assert_eq!(py["duckdb_store_events"], store_events);
    assert_eq!(py["polars_store_days"], count(&a, "SELECT COUNT(DISTINCT day) FROM events"));
    assert_eq!(py["polars_store_suspicious"], count(&a, "SELECT SUM(suspicious_events) FROM daily"));
    // The store holds the suspicious events of the whole tree, as one scan has them.
    assert_eq!(store_events, count(&run.out, "SELECT COUNT(*) FROM events WHERE ts IS NOT NULL"));

    for entry in std::fs::read_dir(repo().join("queries")).unwrap().flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "sql") {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            assert_eq!(
                py[format!("duckdb_rows_{name}")],
                rows(&run.out, &path),
                "{name}: DuckDB and polars SQL disagree"
            );
        }
    }
    // Every column of every scan table, as each engine types it, is what the dictionary says.
    let dict = knocklog().args(["columns", "--json"]).output().unwrap();
    let dict: serde_json::Value = serde_json::from_slice(&dict.stdout).unwrap();
    for table in dict.as_array().unwrap().iter().filter(|t| t["in"] == "out" && t["table"] != "attackers") {
        let name = table["table"].as_str().unwrap();
        for (engine, field) in [("polars", "type"), ("duckdb", "duckdb"), ("arrow", "arrow")] {
            let read = py["types"][engine][name].as_object().unwrap();
            let names: Vec<&str> = read.keys().map(String::as_str).collect();
            let declared: Vec<&str> =
                table["columns"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
            let (mut names, mut declared) = (names, declared);
            names.sort_unstable();
            declared.sort_unstable();
            assert_eq!(names, declared, "{engine} reads other columns in {name}");
            for c in table["columns"].as_array().unwrap() {
                let column = c["name"].as_str().unwrap();
                assert_eq!(read[column], c[field], "{engine}: {name}.{column}");
            }
        }
    }
    assert_eq!(py["types"]["duckdb"]["ips"]["usernames"], r#"STRUCT("value" VARCHAR, count BIGINT)[]"#);
    assert_eq!(py["types"]["polars"]["sessions"]["categories"], "List(Categorical)");
    assert_eq!(py["types"]["arrow"]["ips"]["active_days"], "large_list<element: date32[day]>");
    // The items are the same through polars, DuckDB, pandas and the CSV's JSON cell.
    let tries = &py["polars_usernames"];
    assert!(tries.as_array().is_some_and(|t| !t.is_empty()), "{py}");
    for engine in ["duckdb_usernames", "pandas_usernames", "csv_usernames"] {
        assert_eq!(&py[engine], tries, "{engine}");
    }
    assert_eq!(py["pandas_active_days"], py["polars_active_days"]);
    let ip = py["usernames_of"].as_str().unwrap();
    let days = count(&run.out, &format!("SELECT active_day_count FROM ips WHERE ip = '{ip}'"));
    assert_eq!(py["polars_active_days"].as_array().unwrap().len() as u64, days);
    assert!(py["duckdb_session_categories"].as_array().unwrap().iter().any(|c| c == "probe"), "{py}");
    assert_eq!(py["store_daily_statuses"], "List(Struct({'value': Int64, 'count': Int64}))");
}
