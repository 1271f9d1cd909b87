//! Journals in the history store: a binary journal scanned twice, grown (appended to by
//! systemd-journal-remote), archived under journald's `@` name next to a new live file,
//! put aside as a `~` copy, and cut short; export and JSON dumps scanned twice and then
//! appended to. Every entry lands in the store exactly once, as one scan of everything.

use std::fs;
use std::io::Write;
use std::path::Path;

use crate::history::{history_scan, history_scan_output, snapshot};
use crate::journal::{entries, entry, expected, export_text, journalctl, make_journal};
use crate::util::knocklog;

/// The store's rows (the ledger left out: its file sizes and paths differ by history).
fn rows(store: &Path) -> String {
    snapshot(store).split("== sources").next().unwrap().to_owned()
}

fn count(store: &Path, sql: &str) -> usize {
    let o = knocklog().arg("query").arg("--data").arg(store).args(["--sql", sql]).output().unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    text.lines().nth(1).unwrap_or_else(|| panic!("{}", String::from_utf8_lossy(&o.stderr))).parse().unwrap()
}

fn events(store: &Path) -> usize {
    count(store, "SELECT COUNT(*) FROM events")
}

/// A fresh store made by one run over `logs`.
fn one_run(logs: &Path, tmp: &Path, name: &str) -> std::path::PathBuf {
    let store = tmp.join(name);
    history_scan(logs, &store);
    store
}

#[test]
fn a_binary_journal_grown_archived_and_copied_is_stored_once() {
    if !crate::journal::has_journal_tools("journal_history::a_binary_journal_grown_archived_and_copied_is_stored_once")
    {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    fs::create_dir_all(&logs).unwrap();
    let store = tmp.path().join("store");
    let live = logs.join("system.journal");
    let all = entries();
    // Cut after the invalid user's connection close: no process spans the two parts.
    let (first, rest) = all.split_at(9);

    // (1) Twice over the same file: the second run adds nothing.
    make_journal(&export_text(first), &live);
    assert_eq!(history_scan(&logs, &store), 0);
    let once = rows(&store);
    assert_eq!(events(&store), 9, "{once}");
    history_scan(&logs, &store);
    assert_eq!(rows(&store), once, "a second run over the same journal changed the store");

    // (2) journald appends to the live file: its header changes, its file_id does not.
    make_journal(&export_text(rest), &live);
    history_scan(&logs, &store);
    assert_eq!(events(&store), expected().len());
    let reference = tmp.path().join("reference");
    fs::create_dir_all(&reference).unwrap();
    make_journal(&export_text(&all), &reference.join("system.journal"));
    let whole = one_run(&reference, tmp.path(), "whole");
    assert_eq!(rows(&store), rows(&whole), "a grown journal in two runs and the whole journal in one disagree");
    // Line numbers stay entry numbers in the part read second.
    assert_eq!(count(&store, "SELECT MAX(line_no) FROM events"), all.len() - 1);

    // (3) journald archives it (rename) and starts a new live file; a `~` copy of the
    // archived one lies next to it.
    let archived = logs.join("system@0123456789abcdef0123456789abcdef-0000000000000001-0006479d7c7ac000.journal");
    fs::rename(&live, &archived).unwrap();
    fs::copy(&archived, logs.join("system@0006479d7c7ac000-0123456789abcdef.journal~")).unwrap();
    let later = [
        entry(100, "sshd", 7007, "Failed password for root from 192.0.2.200 port 1000 ssh2"),
        entry(101, "sshd", 7007, "Failed password for root from 192.0.2.200 port 1001 ssh2"),
    ];
    make_journal(&export_text(&later), &live);
    let o = history_scan_output(&logs, &store, &["--timezone", "utc"]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("same content"), "the `~` copy is the archived file: {stderr}");
    assert_eq!(events(&store), expected().len() + 2);
    let after = rows(&store);
    history_scan(&logs, &store);
    assert_eq!(rows(&store), after, "a run over an unchanged tree changed the store");
    // Everything still in the tree: one run into a fresh store agrees.
    let fresh = one_run(&logs, tmp.path(), "fresh");
    assert_eq!(rows(&store), rows(&fresh), "incremental runs and one run disagree");

    // `history info` shows the journal sources in entries, by file id.
    let o = knocklog().args(["history", "info"]).arg(&store).output().unwrap();
    let info = String::from_utf8_lossy(&o.stdout);
    assert!(info.contains(&format!("{} entries", all.len())) && info.contains("file id"), "{info}");
    assert!(info.contains("      2 entries"), "{info}");

    // (4) Only a cut `~` copy of the archived file is left: it holds fewer entries than
    // the store has from that file, so nothing is added and the run says so.
    let data = fs::read(&archived).unwrap();
    let tail = u64::from_le_bytes(data[136..144].try_into().unwrap()) as usize;
    for f in fs::read_dir(&logs).unwrap().flatten() {
        if f.file_name().to_string_lossy().contains('@') {
            fs::remove_file(f.path()).unwrap();
        }
    }
    fs::write(logs.join("system@0006479d7c7ac000-0123456789abcdef.journal~"), &data[..tail - 1500]).unwrap();
    assert_eq!(history_scan(&logs, &store), 2, "a cut copy makes the exit code 2");
    assert_eq!(rows(&store), after, "a cut copy of a known journal changed the store");
    let o = history_scan_output(&logs, &store, &["--timezone", "utc"]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("fewer than the 14"), "{stderr}");
}

/// The offset just after the first `n` entries of a dump.
fn after_entries(dump: &[u8], format: &str, n: usize) -> usize {
    let sep: &[u8] = if format == "json" { b"\n" } else { b"\n\n" };
    let mut at = 0;
    for _ in 0..n {
        at += dump[at..].windows(sep.len()).position(|w| w == sep).unwrap() + sep.len();
    }
    at
}

#[test]
fn export_and_json_dumps_scanned_twice_then_appended_are_stored_once() {
    if !crate::journal::has_journal_tools(
        "journal_history::export_and_json_dumps_scanned_twice_then_appended_are_stored_once",
    ) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let journal = tmp.path().join("made.journal");
    let all = entries();
    make_journal(&export_text(&all), &journal);
    for format in ["export", "json"] {
        let dump = journalctl(&journal, format);
        // The first nine entries have no binary-safe field: their separators are plain.
        let cut = after_entries(&dump, format, 9);
        let logs = tmp.path().join(format!("logs-{format}"));
        fs::create_dir_all(&logs).unwrap();
        let path = logs.join(format!("journal-{format}.txt"));
        let store = tmp.path().join(format!("store-{format}"));
        fs::write(&path, &dump[..cut]).unwrap();
        assert_eq!(history_scan(&logs, &store), 0);
        let once = rows(&store);
        assert_eq!(events(&store), 9, "{format}: {once}");
        history_scan(&logs, &store);
        assert_eq!(rows(&store), once, "{format}: a second run over the same dump changed the store");
        fs::OpenOptions::new().append(true).open(&path).unwrap().write_all(&dump[cut..]).unwrap();
        history_scan(&logs, &store);
        assert_eq!(events(&store), expected().len(), "{format}");
        history_scan(&logs, &store);
        let whole = one_run(&logs, tmp.path(), &format!("whole-{format}"));
        assert_eq!(rows(&store), rows(&whole), "{format}: incremental runs and one run disagree");
        assert_eq!(count(&store, "SELECT MAX(line_no) FROM events"), all.len() - 1, "{format}");
    }
}
