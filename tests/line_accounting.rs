//! No line is lost silently: every line of every file is an event with an address, a
//! line of a known format that names none (counted per program), or unparsed (counted,
//! with its shape); summary.json's three counts add up to the file's lines. And a line
//! that names a client where its daemon writes one is never one of the other two.

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use knocklog::input::lines::each_line;
use knocklog::parse::{self, reads_addresses_of, LineReading};
use knocklog::vocab::event::Format;
use regex::bytes::Regex;

use crate::util::{corpora, repo, scan};

/// Checks summary.json of a scan of `root`: per file, with_address + no_address +
/// unparsed == lines, and the per-program counts add up to no_address. Returns the
/// per-format totals (lines, with address, no address, unparsed) for the figures.
fn check_counts(root: &Path) -> BTreeMap<String, [u64; 4]> {
    let run = scan(&[root], &["--timezone", "utc", "--no-learn"]);
    let summary = run.summary();
    let mut by_format: BTreeMap<String, [u64; 4]> = BTreeMap::new();
    let mut wrong = Vec::new();
    for f in summary["files"].as_array().unwrap() {
        let n = |key: &str| f[key].as_u64().unwrap_or_else(|| panic!("{key} missing in {f}"));
        let (lines, with, without, unparsed) = (n("lines"), n("with_address"), n("no_address"), n("unparsed"));
        let per_program: u64 =
            f["no_address_by_program"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
        let shaped: u64 = f["unparsed_shapes"].as_array().unwrap().iter().map(|s| s["lines"].as_u64().unwrap()).sum();
        if with + without + unparsed != lines
            || per_program != without
            || shaped > unparsed
            || (unparsed > 0) != (shaped > 0)
        {
            wrong.push(format!(
                "{}: {lines} lines = {with} + {without} + {unparsed}? programs {per_program}",
                f["path"]
            ));
        }
        let cell = by_format.entry(f["format"].as_str().unwrap().to_owned()).or_default();
        for (c, v) in cell.iter_mut().zip([lines, with, without, unparsed]) {
            *c += v;
        }
    }
    assert!(wrong.is_empty(), "line counts do not add up:\n{}", wrong.join("\n"));
    by_format
}

/// Text that names an address where a client could be: IPv4, or IPv6 with 3+ groups.
fn address_text() -> Regex {
    Regex::new(r"\b(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})\b|\b([0-9a-fA-F]{1,4}:){3,}[0-9a-fA-F:]*[0-9a-fA-F]").unwrap()
}

/// Messages of read programs that name an address that is not a client's.
const NOT_A_CLIENT: [&str; 6] = [
    "Server listening on ",         // sshd's own listening socket
    "Received signal",              // sshd restarts
    "Could not reliably determine", // Apache's ServerName warning
    "resuming normal operations",   // Apache start-up
    "AH00558",                      // ServerName, as its code
    "Listening on ",                // web servers' own sockets
];

/// Every line of every file under `root` as the scan reads it: a line of a program
/// knocklog reads addresses from (or of a web error format) that names no address but
/// has address text in it is a line read and then lost, unless its message is one that
/// names none of a client's.
fn lost_lines(root: &Path) -> Vec<String> {
    let addresses = address_text();
    let mut lost = Vec::new();
    let found = knocklog::input::discover::discover(&[root.to_path_buf()], None, parse::sniff_head);
    for file in &found.files {
        let path: &PathBuf = &file.path;
        let _ = each_line(path, |n, line| {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if let LineReading::Parsed { format, parsed, .. } = parse::read_line(Some(file.format), line) {
                let read_program = format != Format::Syslog || reads_addresses_of(parsed.program);
                let message = String::from_utf8_lossy(parsed.message);
                // A line that forged text made ambiguous keeps no address on purpose.
                if parsed.ip.is_empty()
                    && !parsed.ambiguous_address
                    && read_program
                    && addresses.is_match(parsed.message)
                    && !NOT_A_CLIENT.iter().any(|m| message.contains(m))
                {
                    lost.push(format!("{}:{n}: {}", path.display(), String::from_utf8_lossy(line)));
                }
            }
            ControlFlow::Continue(())
        });
    }
    lost
}

#[test]
fn sample_logs_lines_add_up_and_none_is_lost() {
    let root = repo().join("sample-logs");
    check_counts(&root);
    let lost = lost_lines(&root);
    assert!(lost.is_empty(), "lines with a client address that yield no event:\n{}", lost.join("\n"));
}

#[test]
fn generated_trees_lines_add_up() {
    let dir = tempfile::tempdir().unwrap();
    let sample = dir.path().join("sample");
    let bench = dir.path().join("bench");
    for args in [vec!["sample", "--out"], vec!["bench", "--files", "2", "--size", "2MB", "--gzip", "--out"]] {
        let target = if args[0] == "sample" { &sample } else { &bench };
        let status = Command::new(env!("CARGO_BIN_EXE_knocklog-gen"))
            .args(&args)
            .arg(target)
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "knocklog-gen {args:?}");
        let totals = check_counts(target);
        assert!(totals.values().map(|t| t[0]).sum::<u64>() > 1000, "{totals:?}");
    }
}

#[test]
fn corpora_lines_add_up_and_none_is_lost() {
    let Some(corpus) = corpora("line_accounting::corpora_lines_add_up_and_none_is_lost") else { return };
    let totals = check_counts(&corpus);
    let mut table =
        vec![format!("{:<16} {:>8} {:>8} {:>10} {:>9}", "format", "lines", "events", "no-address", "unparsed")];
    for (format, [lines, with, without, unparsed]) in &totals {
        table.push(format!("{format:<16} {lines:>8} {with:>8} {without:>10} {unparsed:>9}"));
    }
    eprintln!("corpora line accounting:\n{}", table.join("\n"));
    let lost = lost_lines(&corpus);
    assert!(lost.is_empty(), "{} lines with a client address yield no event:\n{}", lost.len(), lost.join("\n"));
}
