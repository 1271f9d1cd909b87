//! The data dictionary (`knocklog columns`) against what is written: every column of
//! every table a scan of sample-logs, a report (of its store, and of a fleet of it) and
//! a history store write is documented with its type, and no documented column is
//! missing, in Parquet and in CSV; GUIDE.md holds the dictionary as `knocklog columns
//! --markdown` prints it.

use std::collections::BTreeMap;
use std::path::Path;

use knocklog::output::columns::{tables, Place};

use crate::util::{knocklog, repo};

/// `knocklog columns --json`: table and place -> (column, polars type) in order.
fn dictionary() -> BTreeMap<(String, String), Vec<(String, String)>> {
    let o = knocklog().args(["columns", "--json"]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    json.as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let columns = t["columns"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| (c["name"].as_str().unwrap().to_owned(), c["type"].as_str().unwrap().to_owned()))
                .collect();
            ((t["table"].as_str().unwrap().to_owned(), t["in"].as_str().unwrap().to_owned()), columns)
        })
        .collect()
}

/// The columns of a Parquet file with their types, as the declarations' kinds give them.
fn parquet_columns(path: &Path, place: Place, table: &str) -> Vec<(String, String)> {
    use polars::prelude::*;
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let schema = Schema::from_arrow_schema(&ParquetReader::new(file).schema().unwrap());
    let doc = tables().into_iter().find(|t| t.name == table && t.place == place).unwrap();
    schema
        .iter()
        .map(|(name, dtype)| {
            // The written type, named as the dictionary names the kind with that type.
            let kind = doc.columns.iter().map(|c| c.kind).find(|k| &k.dtype() == dtype);
            let named = kind.map_or_else(|| format!("undeclared type {dtype:?}"), |k| k.polars_name().to_owned());
            (name.to_string(), named)
        })
        .collect()
}

fn csv_header(path: &Path) -> Vec<String> {
    let mut reader = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    reader.headers().unwrap().iter().map(str::to_owned).collect()
}

#[test]
fn the_dictionary_matches_every_table_written() {
    let dict = dictionary();
    let tmp = tempfile::tempdir().unwrap();
    let (out, store, weekly) = (tmp.path().join("out"), tmp.path().join("store"), tmp.path().join("weekly"));
    let o = knocklog()
        .args(["scan", "--quiet", "--timezone", "utc", "--allow-ip", "192.168,100.72", "--allow-user", "alice"])
        .arg(repo().join("sample-logs"))
        .arg("--out")
        .arg(&out)
        .arg("--history")
        .arg(&store)
        .output()
        .unwrap();
    assert!(matches!(o.status.code(), Some(0 | 2)), "{}", String::from_utf8_lossy(&o.stderr));
    let o = knocklog()
        .args(["report", "--quiet", "--history"])
        .arg(&store)
        .args(["--since", "2025-01-01", "--until", "2027-01-01", "--out"])
        .arg(&weekly)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The same store as the one server of a fleet: its report adds the servers table.
    let (fleet, fleet_weekly) = (tmp.path().join("fleet"), tmp.path().join("fleet-weekly"));
    std::fs::create_dir(&fleet).unwrap();
    std::fs::rename(&store, fleet.join("server=a")).unwrap();
    let o = knocklog()
        .args(["report", "--quiet", "--history"])
        .arg(&fleet)
        .args(["--since", "2025-01-01", "--until", "2027-01-01", "--out"])
        .arg(&fleet_weekly)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let store = fleet.join("server=a");

    let mut checked = Vec::new();
    for ((table, place), columns) in &dict {
        let names: Vec<String> = columns.iter().map(|c| c.0.clone()).collect();
        if place == "out" {
            for dir in [&out, &weekly] {
                let parquet = dir.join(format!("{table}.parquet"));
                if !parquet.exists() {
                    continue;
                }
                assert_eq!(&parquet_columns(&parquet, Place::Out, table), columns, "{}", parquet.display());
                let csv = dir.join(format!("{table}.csv"));
                assert_eq!(csv_header(&csv), names, "{}", csv.display());
                checked.push(format!("{table} in {}", dir.file_name().unwrap().to_string_lossy()));
            }
        } else if place == "fleet-out" {
            let parquet = fleet_weekly.join(format!("{table}.parquet"));
            assert_eq!(&parquet_columns(&parquet, Place::FleetOut, table), columns, "{}", parquet.display());
            assert_eq!(csv_header(&fleet_weekly.join(format!("{table}.csv"))), names, "{table}.csv");
            checked.push(format!("{table} in fleet-weekly"));
        } else if let Some(day) = std::fs::read_dir(store.join(table)).ok().and_then(|mut d| d.next()) {
            let file = day.unwrap().path().join("data.parquet");
            assert_eq!(&parquet_columns(&file, Place::Store, table), columns, "{}", file.display());
            checked.push(format!("{table} in the store"));
        }
    }
    checked.sort();
    let expected = [
        "attackers in weekly",
        "campaigns in out",
        "campaigns in weekly",
        "daily in out",
        "daily in the store",
        "daily in weekly",
        "events in out",
        "events in the store",
        "events in weekly",
        "ips in out",
        "ips in weekly",
        "patterns in out",
        "requests in the store",
        "servers in fleet-weekly",
        "sessions in out",
        "sessions in the store",
        "sessions in weekly",
        "usernames in out",
        "usernames in weekly",
    ];
    assert_eq!(checked, expected, "every table written is checked (dns.parquet: store::dns's own test)");
    // Every file of --out that is a table is in the dictionary.
    for (dir, places) in [(&out, &["out"][..]), (&weekly, &["out"]), (&fleet_weekly, &["out", "fleet-out"])] {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(table) = name.strip_suffix(".parquet").or(name.strip_suffix(".csv")) {
                let declared = places.iter().any(|p| dict.contains_key(&(table.to_owned(), (*p).to_owned())));
                assert!(declared, "{name} is not in the dictionary");
            }
        }
    }
    // A fleet report's events are a store report's with a last column, server.
    let mut events: Vec<String> = dict[&("events".to_owned(), "out".to_owned())].iter().map(|c| c.0.clone()).collect();
    events.push("server".to_owned());
    assert_eq!(csv_header(&fleet_weekly.join("events.csv")), events);
}

#[test]
fn guide_holds_the_dictionary_as_knocklog_columns_prints_it() {
    let o = knocklog().args(["columns", "--markdown"]).output().unwrap();
    assert!(o.status.success());
    let printed = String::from_utf8(o.stdout).unwrap();
    let guide = std::fs::read_to_string(repo().join("GUIDE.md")).unwrap();
    let (start, end) = ("<!-- knocklog columns --markdown -->\n", "<!-- end of knocklog columns -->");
    let from = guide.find(start).expect("GUIDE.md has the dictionary's start marker") + start.len();
    let to = guide[from..].find(end).expect("GUIDE.md has the dictionary's end marker") + from;
    assert!(
        guide[from..to].trim_end() == printed.trim_end(),
        "GUIDE.md's dictionary differs from `knocklog columns --markdown`; paste its output between the markers"
    );
    // A table that is not there is a usage error.
    let o = knocklog().args(["columns", "no_such_table"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("the tables are events, ips"));
}
