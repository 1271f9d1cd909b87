//! Streams and years: `scan -` reads standard input (plain or compressed, with
//! `--log-format` forcing the format), a pipe named on the command line (bash's
//! `<(...)`) is read like a file, and yearless syslog copied off a host gets its year
//! from `--year`/`--year-of-newest`, with a note when the file times look like a copy's.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::util::{knocklog, read_csv};

/// sshd failures from 203.0.113.`host`, one a minute, in ISO syslog form.
fn auth_lines(host: u8, n: u32) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..n {
        let line = format!(
            "2026-01-05T10:{:02}:00+00:00 web sshd[4{i:03}]: Failed password for root from 203.0.113.{host} port 4{i:04} ssh2\n",
            i % 60
        );
        out.extend_from_slice(line.as_bytes());
    }
    out
}

struct Piped {
    code: i32,
    stderr: String,
    summary: serde_json::Value,
    out: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

/// Runs `knocklog scan <args> --out DIR --quiet` with `input` on its standard input.
fn scan_stdin(args: &[&str], input: &[u8]) -> Piped {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut child = knocklog()
        .arg("scan")
        .args(args)
        .arg("--out")
        .arg(&out)
        .arg("--quiet")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Written from a thread: a large input fills the pipe before knocklog reads it all.
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    finish(output, out, dir)
}

fn finish(output: std::process::Output, out: std::path::PathBuf, dir: tempfile::TempDir) -> Piped {
    let code = output.status.code().unwrap_or(-1);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let summary = std::fs::read_to_string(out.join("summary.json"))
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap_or(serde_json::Value::Null);
    Piped { code, stderr, summary, out, _dir: dir }
}

fn only_file(summary: &serde_json::Value) -> &serde_json::Value {
    let files = summary["files"].as_array().expect("files in summary.json");
    assert_eq!(files.len(), 1, "{files:?}");
    &files[0]
}

#[test]
fn standard_input_is_read_plain_or_compressed() {
    let lines = auth_lines(7, 40);
    let run = scan_stdin(&["-"], &lines);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let file = only_file(&run.summary);
    assert_eq!(file["path"], "<stdin>");
    assert_eq!(file["lines"], 40);
    assert_eq!(file["with_address"], 40);
    let ips = read_csv(&run.out.join("ips.csv"));
    assert!(ips.iter().any(|r| r["ip"] == "203.0.113.7" && r["verdict"] == "block"), "{ips:?}");

    // `zcat old/*.gz | knocklog scan -` and the compressed stream itself alike.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&lines).unwrap();
    let run = scan_stdin(&["-"], &gz.finish().unwrap());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let file = only_file(&run.summary);
    assert_eq!((file["compression"].as_str(), file["lines"].as_u64()), (Some("gzip"), Some(40)));
    let run = scan_stdin(&["-"], &zstd::stream::encode_all(&lines[..], 1).unwrap());
    assert_eq!(only_file(&run.summary)["compression"], "zstd");
}

#[test]
fn log_format_forces_the_format_of_standard_input() {
    // The file's format is the one forced; a line in another format is still tried in
    // the others (as in any file), so nothing is lost to a wrong guess.
    let line =
        b"203.0.113.9 - - [05/Jan/2026:10:00:00 +0000] \"GET /wp-login.php HTTP/1.1\" 404 196 \"-\" \"curl/8\"\n";
    let run = scan_stdin(&["-", "--log-format", "access"], line);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(only_file(&run.summary)["format"], "access");
    let run = scan_stdin(&["-", "--log-format", "syslog"], line);
    let file = only_file(&run.summary);
    assert_eq!((file["format"].as_str(), file["with_address"].as_u64()), (Some("syslog"), Some(1)), "{file}");
}

#[test]
fn empty_standard_input_is_said_and_exits_2() {
    let run = scan_stdin(&["-"], b"");
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("<stdin>: no bytes came from it"), "{}", run.stderr);
}

#[test]
fn standard_input_is_refused_with_history() {
    let dir = tempfile::tempdir().unwrap();
    let run = scan_stdin(&["-", "--history", dir.path().join("h").to_str().unwrap()], b"x\n");
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("--history cannot take a stream"), "{}", run.stderr);
}

#[test]
fn process_substitution_and_dev_stdin_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("auth.log");
    std::fs::write(&log, auth_lines(8, 25)).unwrap();
    let out = dir.path().join("out");
    // bash hands knocklog /dev/fd/63, a pipe that `cat` writes into.
    let script = r#""$0" scan <(cat "$1") /dev/stdin --out "$2" --quiet < "$1""#;
    let bin = std::env::var_os("KNOCKLOG_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_knocklog").into());
    let output = Command::new("bash").arg("-c").arg(script).arg(bin).arg(&log).arg(&out).output().unwrap();
    let run = finish(output, out, tempfile::tempdir().unwrap());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let files = run.summary["files"].as_array().unwrap();
    assert_eq!(files.len(), 2, "{files:?}");
    for f in files {
        assert_eq!(f["lines"], 25, "{f}");
        assert!(f["path"].as_str().unwrap().starts_with("/dev/"), "{f}");
    }
}

/// Yearless syslog, the way a copy off a host keeps it: December, then January.
fn yearless(dir: &Path, copied: SystemTime) -> std::path::PathBuf {
    let logs = dir.join("logs");
    std::fs::create_dir(&logs).unwrap();
    let line = |day: &str, host: u8| {
        format!("{day} 10:00:00 web sshd[41]: Failed password for root from 203.0.113.{host} port 4100 ssh2\n")
    };
    let older: String = (0..3).map(|_| line("Dec 30", 10)).collect();
    let newer: String = (0..3).map(|_| line("Jan  2", 11)).collect();
    for (name, text) in [("auth.log.1", older), ("auth.log", newer)] {
        let path = logs.join(name);
        std::fs::write(&path, text).unwrap();
        std::fs::File::options().write(true).open(&path).unwrap().set_modified(copied).unwrap();
    }
    logs
}

fn first_ts(summary: &serde_json::Value, name: &str) -> String {
    let files = summary["files"].as_array().unwrap();
    let f = files.iter().find(|f| f["path"].as_str().unwrap().ends_with(name)).unwrap();
    f["first_ts"].as_str().unwrap().to_owned()
}

#[test]
fn the_year_of_yearless_syslog_can_be_given() {
    let dir = tempfile::tempdir().unwrap();
    // Copied in July 2031: both files carry the copy's time.
    let copied = UNIX_EPOCH + Duration::from_secs(1_941_000_000);
    let logs = yearless(dir.path(), copied);
    let scan = |args: &[&str]| crate::util::scan(&[&logs], &[&["--timezone", "utc"], args].concat());

    let run = scan(&[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("look like a copy's (all 2 files of this log have the same modification time)"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--year-of-newest YYYY"), "{}", run.stderr);
    let summary = run.summary();
    assert_eq!(&first_ts(&summary, "auth.log.1")[..10], "2030-12-30");
    let notes = summary["files"].as_array().unwrap().iter().filter(|f| f.get("notes").is_some()).count();
    assert_eq!(notes, 1, "one note, on the group's newest file");

    for args in [&["--year", "2019"][..], &["--year-of-newest", "2020"][..]] {
        let run = scan(args);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(!run.stderr.contains("copy"), "a given year needs no note: {}", run.stderr);
        let summary = run.summary();
        assert_eq!(&first_ts(&summary, "auth.log.1")[..10], "2019-12-30", "{args:?}");
        assert_eq!(&first_ts(&summary, "auth.log")[..10], "2020-01-02", "{args:?}");
    }
    let run = knocklog().args(["scan", "--year", "2019", "--year-of-newest", "2020"]).arg(&logs).output().unwrap();
    assert_eq!(run.status.code(), Some(1));
}
