//! The history store: exactly once across runs and log rotations (rename, gzip,
//! copytruncate), compared with one scan of everything; crash safety under kill -9 at
//! random moments; `history info` and `prune`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::util::{knocklog, repo};

/// Runs `scan --history store` over `logs` (tables into a `scan-out` beside the
/// store) with `extra` arguments.
pub fn history_scan_output(logs: &Path, store: &Path, extra: &[&str]) -> std::process::Output {
    knocklog()
        .args(["scan", "--quiet", "--format", "parquet", "--out"])
        .arg(store.parent().unwrap().join("scan-out"))
        .arg("--history")
        .arg(store)
        .arg(logs)
        .args(extra)
        .output()
        .unwrap()
}

/// Runs `scan --history store` over `logs`; returns the exit code.
pub fn history_scan(logs: &Path, store: &Path) -> i32 {
    let o = history_scan_output(logs, store, &["--timezone", "utc"]);
    let code = o.status.code().unwrap_or(-1);
    assert!(code == 0 || code == 2, "scan --history exited {code}: {}", String::from_utf8_lossy(&o.stderr));
    code
}

/// The store's content in a canonical text form: every row of every day file (sorted;
/// `source_file` and `line_no` left out, they say where a line was when it was read),
/// and the ledger's reading positions. Opening the store finishes an interrupted run.
pub fn snapshot(dir: &Path) -> String {
    let store = knocklog::store::Store::open(dir, false).expect("opening the store");
    let mut text = String::new();
    for (table, days) in &store.manifest.tables {
        for day in days.keys() {
            let path = dir.join(knocklog::store::Store::day_path(table, day));
            let df = knocklog::store::tables::read_parquet(&path).unwrap();
            let names: Vec<String> = df.get_column_names().iter().map(|n| n.to_string()).collect();
            let cells = knocklog::output::frame::cells(&df).unwrap();
            let mut rows: Vec<String> = (0..df.height())
                .map(|r| {
                    names
                        .iter()
                        .zip(&cells)
                        .filter(|(n, _)| n.as_str() != "source_file" && n.as_str() != "line_no")
                        .map(|(_, c)| c[r].clone().unwrap_or_default())
                        .collect::<Vec<_>>()
                        .join("|")
                })
                .collect();
            rows.sort();
            if !rows.is_empty() {
                text.push_str(&format!("== {table} {day}\n{}\n", rows.join("\n")));
            }
        }
    }
    let mut sources: Vec<String> = store
        .manifest
        .sources
        .iter()
        .map(|s| format!("{} {} {} {}", s.fingerprint, s.fp_len, s.bytes, s.lines))
        .collect();
    sources.sort();
    text.push_str(&format!("== sources\n{}\n", sources.join("\n")));
    text
}

/// The lines of the two sample Apache access logs, oldest first (bytes: the sample
/// logs hold invalid UTF-8 on purpose).
fn access_lines() -> Vec<Vec<u8>> {
    let dir = repo().join("sample-logs/apache2");
    let mut lines = Vec::new();
    for f in ["access.log.1", "access.log"] {
        lines.extend(fs::read(dir.join(f)).unwrap().split_inclusive(|&b| b == b'\n').map(<[u8]>::to_vec));
    }
    lines
}

fn gzip(path: &Path) {
    let data = fs::read(path).unwrap();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&data).unwrap();
    fs::write(
        path.with_file_name(format!("{}.gz", path.file_name().unwrap().to_string_lossy())),
        enc.finish().unwrap(),
    )
    .unwrap();
    fs::remove_file(path).unwrap();
}

fn append(path: &Path, bytes: &[u8]) {
    fs::OpenOptions::new().create(true).append(true).open(path).unwrap().write_all(bytes).unwrap();
}

fn line_end(bytes: &[u8]) -> usize {
    bytes.iter().position(|&b| b == b'\n').unwrap() + 1
}

#[test]
fn rotations_between_runs_add_every_line_once() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    fs::create_dir_all(&logs).unwrap();
    let store = tmp.path().join("store");
    let live = logs.join("access.log");
    let lines = access_lines();
    let cut: Vec<usize> = (0..=6).map(|i| i * lines.len() / 6).collect();
    let part = |i: usize| lines[cut[i]..cut[i + 1]].concat();

    // Run 1: a live file whose last line is still being written.
    let p0 = part(0);
    let next_line = &lines[cut[1]];
    append(&live, &p0);
    append(&live, &next_line[..next_line.len() / 2]);
    history_scan(&logs, &store);
    // The line is finished, more come; two runs in a row add them once.
    append(&live, &next_line[next_line.len() / 2..]);
    append(&live, &part(1)[next_line.len()..]);
    history_scan(&logs, &store);
    let after_two = snapshot(&store);
    history_scan(&logs, &store);
    assert_eq!(snapshot(&store), after_two, "a second run over the same tree changed the store");

    // logrotate (rename): access.log -> access.log.1, a new live file.
    append(&live, &part(2));
    fs::rename(&live, logs.join("access.log.1")).unwrap();
    append(&live, &part(3));
    history_scan(&logs, &store);

    // Lines reach the rotated file after the run (before the server reopened its log),
    // then it is compressed: access.log.1 -> access.log.2.gz, access.log -> .1.
    fs::rename(logs.join("access.log.1"), logs.join("access.log.2")).unwrap();
    gzip(&logs.join("access.log.2"));
    fs::rename(&live, logs.join("access.log.1")).unwrap();
    let p4 = part(4);
    let (p4a, p4b) = p4.split_at(line_end(&p4));
    append(&logs.join("access.log.1"), p4a);
    append(&live, p4b);
    history_scan(&logs, &store);

    // copytruncate: the live file is copied to .0 and truncated in place.
    append(&live, &part(5)[..part(5).len() / 2]);
    let rest = part(5)[part(5).len() / 2..].to_owned();
    let split = line_end(&rest);
    append(&live, &rest[..split]);
    fs::copy(&live, logs.join("access.log.0")).unwrap();
    fs::OpenOptions::new().write(true).open(&live).unwrap().set_len(0).unwrap();
    append(&live, &rest[split..]);
    let o = history_scan_output(&logs, &store, &[]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("copytruncate"), "the truncation was not reported: {stderr}");
    history_scan(&logs, &store);

    // Everything is still in the tree: one scan of it into a fresh store must agree.
    let fresh = tmp.path().join("fresh");
    history_scan(&logs, &fresh);
    let (a, b) = (snapshot(&store), snapshot(&fresh));
    let rows = |s: &str| s.lines().filter(|l| !l.starts_with("==")).count();
    assert!(rows(&a) > 300, "the store holds too little:\n{a}");
    let (a_rows, b_rows): (Vec<&str>, Vec<&str>) = (a.split("== sources").collect(), b.split("== sources").collect());
    assert_eq!(a_rows[0], b_rows[0], "incremental runs and one scan disagree");

    // Every suspicious event is there once: compare with a plain scan's events table.
    let plain = crate::util::scan(&[&logs], &["--timezone", "utc"]);
    let scan_events = crate::util::read_csv(&plain.out.join("events.csv")).len();
    let o = knocklog()
        .arg("query")
        .arg("--data")
        .arg(&store)
        .args(["--sql", "SELECT COUNT(*) FROM events"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    let store_events: usize =
        text.lines().nth(1).unwrap_or_else(|| panic!("{}", String::from_utf8_lossy(&o.stderr))).parse().unwrap();
    assert_eq!(store_events, scan_events);
}

fn gen_corpus(dir: &Path, size: &str) {
    let status = Command::new(env!("CARGO_BIN_EXE_knocklog-gen"))
        .args(["bench", "--files", "3", "--size", size, "--out"])
        .arg(dir)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            fs::copy(e.path(), target).unwrap();
        }
    }
}

/// A deterministic pseudo-random sequence (xorshift), so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

#[test]
fn a_run_killed_at_any_moment_leaves_the_store_before_or_after() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    gen_corpus(&corpus, "6MB");
    let logs: PathBuf = corpus.join("plain");
    // Before: the store holds the oldest file; the run adds the two others.
    let all: Vec<PathBuf> = {
        let mut v: Vec<PathBuf> = fs::read_dir(&logs).unwrap().flatten().map(|e| e.path()).collect();
        v.sort();
        v
    };
    let first = tmp.path().join("first");
    fs::create_dir_all(&first).unwrap();
    let oldest = all.iter().max().unwrap();
    fs::copy(oldest, first.join(oldest.file_name().unwrap())).unwrap();
    let before_dir = tmp.path().join("before");
    history_scan(&first, &before_dir);
    // The same file, moved into the full tree, must be recognised by content.
    let before = snapshot(&before_dir);
    let after_dir = tmp.path().join("after");
    copy_dir(&before_dir, &after_dir);
    let started = std::time::Instant::now();
    history_scan(&logs, &after_dir);
    let full_run = started.elapsed().as_millis() as u64;
    let after = snapshot(&after_dir);
    assert_ne!(before, after);

    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut saw_before, mut saw_after) = (0, 0);
    for i in 0..30 {
        let work = tmp.path().join(format!("kill-{i}"));
        copy_dir(&before_dir, &work);
        let mut child = knocklog()
            .args(["scan", "--quiet", "--timezone", "utc", "--format", "parquet", "--out"])
            .arg(tmp.path().join(format!("kill-out-{i}")))
            .arg("--history")
            .arg(&work)
            .arg(&logs)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(rng.below(full_run * 6 / 5 + 1)));
        // SIGKILL: no destructor, no cleanup.
        let _ = child.kill();
        let _ = child.wait();
        let now = snapshot(&work);
        if now == before {
            saw_before += 1;
        } else {
            assert_eq!(now, after, "kill {i}: the store is neither as before nor as after the run");
            saw_after += 1;
        }
        // Whatever the kill left, the next run completes the store exactly.
        history_scan(&logs, &work);
        assert_eq!(snapshot(&work), after, "kill {i}: the run after the kill did not give the full store");
        fs::remove_dir_all(&work).unwrap();
    }
    eprintln!("kill loop: {saw_before} before, {saw_after} after (full run {full_run} ms)");
}

#[test]
fn info_and_prune() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    history_scan(&repo().join("sample-logs"), &store);
    let o = knocklog().args(["history", "info", "--json"]).arg(&store).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let info: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(info["days"].as_u64(), Some(14), "{info}");
    assert_eq!(info["first_day"], "2025-12-26");
    assert_eq!(info["last_day"], "2026-01-08");
    // Every discovered log with lines is a source (the 12 files of the sample tree).
    assert!(info["sources"].as_array().unwrap().len() >= 11, "{info}");
    // The sample tree is from 2025/2026: keeping 90 days back from today drops it all
    // once today is far enough; keep a span wide enough to hold it instead.
    let o = knocklog().args(["history", "prune", "--keep", "100000d"]).arg(&store).output().unwrap();
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("Nothing to drop"));
    let manifest = fs::read(store.join("manifest.json")).unwrap();
    let o = knocklog().args(["history", "prune", "--keep", "1d", "--dry-run"]).arg(&store).output().unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).contains("Would drop 14 days"), "{o:?}");
    assert_eq!(fs::read(store.join("manifest.json")).unwrap(), manifest, "a dry run changes nothing");
    let o = knocklog().args(["history", "prune", "--keep", "1d"]).arg(&store).output().unwrap();
    assert!(o.status.success());
    let o = knocklog().args(["history", "info", "--json"]).arg(&store).output().unwrap();
    let info: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(info["days"].as_u64(), Some(0), "{info}");
    assert!(fs::read_dir(store.join("events")).unwrap().next().is_none(), "pruned day files remain");
    // The ledger remembers what was read: a new run adds nothing back.
    history_scan(&repo().join("sample-logs"), &store);
    let o = knocklog().args(["history", "info", "--json"]).arg(&store).output().unwrap();
    let info: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(info["days"].as_u64(), Some(0), "{info}");
}

fn csv_records(path: &Path) -> Vec<Vec<String>> {
    let mut r: Vec<Vec<String>> = csv::Reader::from_path(path)
        .unwrap()
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    r.sort();
    r
}

#[test]
fn the_report_from_the_store_alone_gives_the_scan_tables() {
    let args = ["--timezone", "utc", "--allow-ip", "192.168,100.72", "--allow-user", "alice"];
    let plain = crate::util::scan(&[&repo().join("sample-logs")], &args);
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let o = knocklog()
        .args(["scan", "--quiet", "--out"])
        .arg(tmp.path().join("scan-out"))
        .arg("--history")
        .arg(&store)
        .arg(repo().join("sample-logs"))
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "the three garbage lines are counted, not errors: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let report = |since: &str, until: &str, out: &Path| {
        knocklog()
            .args(["report", "--quiet", "--history"])
            .arg(&store)
            .args(["--since", since, "--until", until, "--out"])
            .arg(out)
            .args(&args[2..])
            .output()
            .unwrap()
    };
    // The whole store: exactly the scan's tables (events in time order rather than
    // file order).
    let all = tmp.path().join("all");
    let o = report("2025-12-01", "2026-02-01", &all);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    for table in ["ips", "sessions", "usernames", "daily"] {
        let (a, b) = (
            fs::read(plain.out.join(format!("{table}.csv"))).unwrap(),
            fs::read(all.join(format!("{table}.csv"))).unwrap(),
        );
        assert!(a == b, "{table}.csv differs between the scan and the report");
    }
    assert_eq!(csv_records(&plain.out.join("events.csv")), csv_records(&all.join("events.csv")));

    // The last week: the quiet returner is returning, the week's brute forcer is new.
    let week = tmp.path().join("week");
    let o = report("2026-01-02", "2026-01-09", &week);
    assert_eq!(o.status.code(), Some(0));
    let attackers = crate::util::read_csv(&week.join("attackers.csv"));
    let status = |ip: &str| attackers.iter().find(|r| r["ip"] == ip).map(|r| r["status"].clone());
    assert_eq!(status("203.0.113.66").as_deref(), Some("returning"));
    assert_eq!(status("203.0.113.7").as_deref(), Some("new"));
    let json: serde_json::Value = serde_json::from_slice(&fs::read(week.join("report.json")).unwrap()).unwrap();
    let n = |v: &serde_json::Value| v.as_u64().unwrap();
    assert_eq!(n(&json["attackers"]["new"]) + n(&json["attackers"]["returning"]), n(&json["attackers"]["this"]));
    assert_eq!(n(&json["attackers"]["this"]) as usize, attackers.len());
    assert!(n(&json["attackers"]["previous"]) > 0);
    // A period the store does not hold: exit 2, as a scan that finds nothing to read.
    let o = report("2024-01-01", "2024-01-08", &tmp.path().join("empty"));
    assert_eq!(o.status.code(), Some(2));
}

/// A day file deleted (or changed) by hand: `history info` and `verify` say so with exit
/// 2, `query` and `report` refuse to answer from the rest, and `repair` (after a dry
/// run that changes nothing) drops the damaged days, moving a changed file aside.
#[test]
fn a_damaged_store_is_noticed_refused_and_repaired() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    history_scan(&repo().join("sample-logs"), &store);
    let deleted = store.join("events/day=2026-01-02/data.parquet");
    let changed = store.join("daily/day=2026-01-03/data.parquet");
    fs::remove_file(&deleted).unwrap();
    fs::OpenOptions::new().append(true).open(&changed).unwrap().write_all(b"x").unwrap();
    let run = |args: &[&str]| {
        let o = knocklog().args(args).arg(&store).output().unwrap();
        (o.status.code(), String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr))
    };
    let (code, text) = run(&["history", "info"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("DAMAGED: 2 day files"), "{text}");
    let (code, text) = run(&["history", "verify"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("events/day=2026-01-02/data.parquet: missing"), "{text}");
    assert!(text.contains("daily/day=2026-01-03/data.parquet: "), "{text}");
    let (code, text) = run(&["query", "--sql", "SELECT COUNT(*) FROM events", "--data"]);
    assert_ne!(code, Some(0), "query answered from part of the store: {text}");
    assert!(text.contains("is damaged"), "{text}");
    let manifest = || fs::read(store.join("manifest.json")).unwrap();
    let before = (manifest(), fs::read(&changed).unwrap());
    let (code, text) = run(&["history", "repair", "--dry-run"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("would: drop events 2026-01-02"), "{text}");
    assert_eq!((manifest(), fs::read(&changed).unwrap()), before, "a dry run changes nothing");
    let (code, text) = run(&["history", "repair"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(changed.with_extension("parquet.damaged-1").is_file(), "{text}");
    let (code, text) = run(&["history", "verify"]);
    assert_eq!(code, Some(0), "{text}");
    let (code, text) = run(&["query", "--sql", "SELECT COUNT(*) FROM events", "--data"]);
    assert_eq!(code, Some(0), "{text}");
}

/// Recidive: a weekly report counts the earlier days the store saw each address
/// blocked (its own events of that day), lists them in `ips` and `attackers`, and the
/// blocklist gives those addresses four times the ban; a later `scan --history` run
/// counts the days the store holds before each address's first line in it.
#[test]
fn addresses_blocked_on_earlier_days_are_recidivists_with_a_longer_ban() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let old = tmp.path().join("old");
    fs::create_dir(&old).unwrap();
    fs::copy(repo().join("sample-logs/auth.log.2.gz"), old.join("auth.log.2.gz")).unwrap();
    let run = |args: &[&str]| {
        let out = knocklog().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    };
    let s = store.to_str().unwrap();
    let scan_into = |out: &Path, logs: &Path| {
        let (out, logs) = (out.to_str().unwrap(), logs.to_str().unwrap());
        run(&["scan", "--timezone", "utc", "--quiet", "--format", "csv", "--history", s, "--out", out, logs]);
    };
    scan_into(&tmp.path().join("first"), &old);
    let second = tmp.path().join("second");
    scan_into(&second, &repo().join("sample-logs"));
    let rows = |path: &Path| crate::util::read_csv(path);
    let again: Vec<_> = rows(&second.join("ips.csv")).into_iter().filter(|r| r["previous_blocks"] != "0").collect();
    assert!(!again.is_empty(), "the second run knows the first run's blocks");
    assert!(again.iter().all(|r| r["first_blocked"].as_str() < "2025-12-30"), "{again:?}");

    let week = tmp.path().join("week");
    run(&[
        "report",
        "--history",
        s,
        "--since",
        "2026-01-02",
        "--until",
        "2026-01-09",
        "--quiet",
        "--format",
        "csv",
        "--blocklist-include-special",
        "--out",
        week.to_str().unwrap(),
    ]);
    let ips: std::collections::HashMap<String, std::collections::HashMap<String, String>> =
        rows(&week.join("ips.csv")).into_iter().map(|r| (r["ip"].clone(), r)).collect();
    let iot = &ips["185.224.128.17"];
    assert_eq!(
        (iot["verdict"].as_str(), iot["previous_blocks"].as_str(), iot["first_blocked"].as_str()),
        ("block", "3", "2025-12-28")
    );
    let attackers = rows(&week.join("attackers.csv"));
    assert!(attackers.iter().any(|r| r["ip"] == "185.224.128.17" && r["previous_blocks"] == "3"));
    let nft = fs::read_to_string(week.join("blocklist.nft")).unwrap();
    // 7 days, four times, is past ipset's limit: 2147483 s.
    assert!(nft.contains("185.224.128.17 timeout 2147483s,"), "{nft}");
    assert!(nft.contains("198.51.100.23 timeout 604800s,"), "a first-time attacker keeps the plain ban: {nft}");
    let page = fs::read_to_string(week.join("report.html")).unwrap();
    assert!(page.contains("<code>recidive</code> <small>blocked on 3 earlier days, first 2025-12-28</small>"));
}

/// A day file of `store` rewritten as a knocklog before the list columns wrote it:
/// `counts` for `counts_against_address`, and `statuses` (`404:2;200:1`) and
/// `categories` (`probe;denied`) as text; the manifest gets its new size.
fn write_old_shaped(store: &Path, table: &str, day: &str) {
    use polars::prelude::*;
    let path = store.join(knocklog::store::Store::day_path(table, day));
    let mut df = ParquetReader::new(fs::File::open(&path).unwrap()).finish().unwrap();
    if df.schema().contains("counts_against_address") {
        df.rename("counts_against_address", "counts".into()).unwrap();
    }
    for name in ["statuses", "categories"] {
        let Ok(column) = df.column(name) else { continue };
        let text: Vec<Option<String>> = column
            .as_materialized_series()
            .list()
            .unwrap()
            .series_iter()
            .map(|items| {
                let items = items.unwrap();
                let parts: Vec<String> = match items.dtype() {
                    DataType::Struct(_) => {
                        let s = items.struct_().unwrap();
                        let value = s.field_by_name("value").unwrap();
                        let count = s.field_by_name("count").unwrap();
                        let (v, c) = (value.i64().unwrap(), count.i64().unwrap());
                        v.iter().zip(c.iter()).map(|(v, c)| format!("{}:{}", v.unwrap(), c.unwrap())).collect()
                    }
                    _ => items
                        .cast(&DataType::String)
                        .unwrap()
                        .str()
                        .unwrap()
                        .iter()
                        .flatten()
                        .map(String::from)
                        .collect(),
                };
                // The old writer left an empty list of statuses null.
                (!parts.is_empty() || name == "categories").then(|| parts.join(";"))
            })
            .collect();
        df.replace(name, Column::new(name.into(), text)).unwrap();
    }
    ParquetWriter::new(fs::File::create(&path).unwrap()).finish(&mut df).unwrap();
    let manifest_path = store.join("manifest.json");
    let mut manifest: serde_json::Value = serde_json::from_slice(&fs::read(&manifest_path).unwrap()).unwrap();
    manifest["tables"][table][day]["bytes"] = fs::metadata(&path).unwrap().len().into();
    fs::write(&manifest_path, serde_json::to_vec_pretty(&manifest).unwrap()).unwrap();
}

/// Day files written before `statuses` and `categories` were lists and before `counts`
/// was renamed are read in today's names and types: the store reads back the same, a
/// later run merges into those days as into new ones, and query and report answer.
#[test]
fn day_files_of_the_old_shape_read_and_merge_as_new_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let (new, old) = (tmp.path().join("new"), tmp.path().join("old"));
    history_scan(&repo().join("sample-logs/apache2"), &new);
    copy_dir(&new, &old);
    let manifest = knocklog::store::Store::open(&old, false).unwrap().manifest;
    let mut rewritten = 0;
    for table in ["events", "daily", "sessions"] {
        for day in manifest.tables[table].keys() {
            write_old_shaped(&old, table, day);
            rewritten += 1;
        }
    }
    assert!(rewritten > 3, "the sample fills several days");
    let day = manifest.tables["daily"].keys().next().unwrap();
    let schema = |table: &str| {
        use polars::prelude::*;
        let file = fs::File::open(old.join(knocklog::store::Store::day_path(table, day))).unwrap();
        ParquetReader::new(file).schema().unwrap().iter().map(|(n, f)| format!("{n}:{:?}", f.dtype)).collect::<Vec<_>>()
    };
    assert!(schema("daily").iter().any(|c| c.starts_with("statuses:") && !c.contains("List")), "{:?}", schema("daily"));
    assert!(schema("events").iter().any(|c| c.starts_with("counts:")), "the old name is on disk");
    assert_eq!(snapshot(&old), snapshot(&new), "old-shaped day files read as the new ones");

    // The rest of the tree merges into the old-shaped days exactly as into new ones.
    history_scan(&repo().join("sample-logs"), &new);
    history_scan(&repo().join("sample-logs"), &old);
    assert_eq!(snapshot(&old), snapshot(&new));
    let sum = |store: &Path, sql: &str| {
        let o = knocklog().arg("query").arg("--data").arg(store).arg("--sql").arg(sql).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    let sql = "SELECT COUNT(*) AS n, SUM(CAST(counts_against_address AS INT)) AS counted FROM events";
    assert_eq!(sum(&old, sql), sum(&new, sql));
    let report = |store: &Path, out: &Path| {
        let o = knocklog()
            .args(["report", "--quiet", "--history"])
            .arg(store)
            .args(["--since", "2025-01-01", "--until", "2027-01-01", "--format", "csv", "--out"])
            .arg(out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        fs::read_to_string(out.join("ips.csv")).unwrap()
    };
    assert_eq!(report(&old, &tmp.path().join("old-week")), report(&new, &tmp.path().join("new-week")));
}

/// The lines that become no event are counted for the store by the workers, the others
/// by the sink that sees their events. With --all-events every line is an event: the
/// store must come out the same either way, over the sample logs (sshd lines attributed
/// by pid, lines without a time, invalid UTF-8) and a busy site's mix (IPv6, 404s and
/// POSTs the behaviour rules read, several threads).
#[test]
fn the_workers_count_the_lines_without_events_as_their_events_would_have() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    let status = Command::new(env!("CARGO_BIN_EXE_knocklog-gen"))
        .args(["bench", "--mix", "site", "--files", "2", "--size", "4MB", "--out"])
        .arg(&site)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let snapshot_with = |name: &str, extra: &[&str]| {
        let store = tmp.path().join(name).join("store");
        for logs in [repo().join("sample-logs"), site.clone()] {
            let args = [&["--timezone", "utc", "--threads", "2"], extra].concat();
            let o = history_scan_output(&logs, &store, &args);
            assert!(matches!(o.status.code(), Some(0 | 2)), "{}", String::from_utf8_lossy(&o.stderr));
        }
        snapshot(&store)
    };
    let counted = snapshot_with("counted", &[]);
    let from_events = snapshot_with("events", &["--all-events"]);
    assert!(counted.contains("== requests ") && counted.contains("== daily "), "{counted}");
    assert!(counted == from_events, "the stores differ");
}
