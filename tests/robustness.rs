//! Damaged and awkward input: truncated gzip, yearless syslog across rotations and a
//! year boundary, empty and binary files, usage errors. The run goes on, nothing is
//! lost, and the exit code says whether anything was skipped.

use std::fs::{self, File};
use std::io::Write;
use std::time::{Duration, UNIX_EPOCH};

use crate::util::{knocklog, scan};

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn access_lines(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "203.0.113.{} - - [06/Jan/2026:10:{:02}:{:02} +0000] \"GET /p{i} HTTP/1.1\" 404 9 \"-\" \"x\"\n",
                i % 200,
                i / 60 % 60,
                i % 60
            )
        })
        .collect()
}

#[test]
fn truncated_gzip_gives_its_lines_and_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let text = access_lines(5000);
    let gz = gzip(text.as_bytes());
    fs::write(dir.path().join("access.log.2.gz"), &gz[..gz.len() * 2 / 3]).unwrap();
    let run = scan(&[dir.path()], &[]);
    assert_eq!(run.code, 2, "a truncated archive is reported: {}", run.stderr);
    assert!(run.stderr.contains("access.log.2.gz") && run.stderr.contains("gzip"), "{}", run.stderr);
    let file = &run.summary()["files"][0];
    let lines = file["lines"].as_u64().unwrap();
    assert!(lines > 1000 && lines <= 5000, "{lines} lines read from the decodable part");
    assert_eq!(file["warnings"].as_array().unwrap().len(), 1);
}

#[test]
fn concatenated_gzip_members_are_all_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut gz = gzip(access_lines(10).as_bytes());
    gz.extend(gzip(access_lines(7).as_bytes()));
    // Named without .gz: compression is recognised by content.
    fs::write(dir.path().join("access.log.1"), gz).unwrap();
    let run = scan(&[dir.path()], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.summary()["totals"]["lines"], 17);
}

/// auth.log.1 ends in December, auth.log starts in January and was last written in
/// January 2026: the December lines are 2025, the January ones 2026.
#[test]
fn yearless_syslog_years_follow_the_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let older = "Dec 30 23:59:01 h sshd[1]: Invalid user a from 198.51.100.1 port 1\n\
                 Dec 31 23:59:59 h sshd[2]: Invalid user b from 198.51.100.2 port 2\n";
    let newer = "Jan  1 00:00:01 h sshd[3]: Invalid user c from 198.51.100.3 port 3\n\
                 Jan  4 12:00:00 h sshd[4]: Invalid user d from 198.51.100.4 port 4\n";
    fs::write(dir.path().join("auth.log.1"), older).unwrap();
    fs::write(dir.path().join("auth.log"), newer).unwrap();
    // mtime 2026-01-04 13:00 UTC, as logrotate would leave it; the older file's mtime
    // is deliberately wrong (a copy made much later) and must not matter.
    let set_mtime = |name: &str, secs: u64| {
        File::options()
            .write(true)
            .open(dir.path().join(name))
            .unwrap()
            .set_modified(UNIX_EPOCH + Duration::from_secs(secs))
            .unwrap();
    };
    set_mtime("auth.log", 1_767_531_600);
    set_mtime("auth.log.1", 1_900_000_000);
    let run = scan(&[dir.path()], &["--timezone", "utc"]);
    let ts: Vec<String> = run.table("events").into_iter().map(|e| e["ts"].clone()).collect();
    assert_eq!(ts, ["2025-12-30T23:59:01Z", "2025-12-31T23:59:59Z", "2026-01-01T00:00:01Z", "2026-01-04T12:00:00Z"]);
}

#[test]
fn december_to_january_inside_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let text = "Dec 31 23:59:59 h sshd[2]: Invalid user b from 198.51.100.2 port 2\n\
                Jan  1 00:00:01 h sshd[3]: Invalid user c from 198.51.100.3 port 3\n";
    let path = dir.path().join("auth.log");
    fs::write(&path, text).unwrap();
    File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(UNIX_EPOCH + Duration::from_secs(1_767_531_600))
        .unwrap();
    let run = scan(&[dir.path()], &["--timezone", "+01:00"]);
    let ts: Vec<String> = run.table("events").into_iter().map(|e| e["ts"].clone()).collect();
    assert_eq!(ts, ["2025-12-31T22:59:59Z", "2025-12-31T23:00:01Z"]);
}

#[test]
fn login_records_and_empty_files_are_skipped_with_a_note_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("wtmp"), [0u8; 768]).unwrap();
    fs::write(dir.path().join("empty.log"), b"").unwrap();
    fs::write(dir.path().join("access.log"), access_lines(3)).unwrap();
    let run = scan(&[dir.path()], &[]);
    assert_eq!(run.code, 0, "notes are not errors: {}", run.stderr);
    let skipped = run.summary()["skipped"].as_array().unwrap().len();
    assert_eq!(skipped, 2);
    // Binary content under another name may be a log made unreadable: a warning.
    fs::write(dir.path().join("data.bin"), [0u8, 1, 2, 0, 0, 0, 7, 0].repeat(100)).unwrap();
    let run = scan(&[dir.path()], &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let skipped = run.summary()["skipped"].as_array().unwrap().clone();
    assert!(skipped.iter().any(|s| s["path"].as_str().unwrap().ends_with("data.bin") && s["warning"] == true));
}

#[test]
fn usage_errors_exit_with_1() {
    for args in [
        vec!["scan", "/definitely/not/here"],
        vec!["scan", ".", "--since", "yesterday"],
        vec!["scan", ".", "--threads", "0"],
        vec!["scan", ".", "--log-format", "xml"],
        vec!["frobnicate"],
    ] {
        let out = knocklog().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn since_and_until_filter_by_time() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("access.log"), access_lines(3600)).unwrap();
    let run =
        scan(&[dir.path()], &["--since", "2026-01-06T10:30:00Z", "--until", "2026-01-06T10:40:00Z", "--all-events"]);
    let totals = &run.summary()["totals"];
    assert_eq!(totals["events_written"], 600);
    assert_eq!(totals["out_of_range"], 3000);
}
