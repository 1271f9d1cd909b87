//! `explain` and `scan` judge every line alike: each line of sample-logs/ and of the
//! corpora, read and judged the way `knocklog explain --file F --line N` does, gets the
//! address, log kind, category and rule that the scan's `events` table
//! (`--all-events`) has for it, and every line explain calls an event is in the table.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use knocklog::cli::DetectArgs;
use knocklog::config::DetectConfig;
use knocklog::detect::Judge;
use knocklog::input::lines::each_line;
use knocklog::vocab::address::canonical;

use crate::util::{corpora, repo, scan};

/// The scan's event of each (file, line): (ip, log kind, category, rule).
type Events = HashMap<(String, u64), [String; 4]>;

/// Scans `root` with `--all-events` and checks every line of every file it read
/// against explain's judgement; returns how many lines were compared.
fn check_tree(root: &Path, detect: DetectArgs, flags: &[&str]) -> usize {
    let mut args = vec!["--timezone", "utc", "--all-events", "--no-learn"];
    args.extend_from_slice(flags);
    let run = scan(&[root], &args);
    let mut events: Events = HashMap::new();
    for row in run.table("events") {
        let key = (row["source_file"].clone(), row["line_no"].parse().unwrap());
        let event = [&row["ip"], &row["log_kind"], &row["category"], &row["rule"]].map(|v| v.clone());
        events.insert(key, event);
    }
    let config = DetectConfig::from_args(&detect).unwrap();
    let classifier = config.classifier().unwrap();
    let judge = Judge::new(&classifier, &config.policy);
    let summary = run.summary();
    let mut compared = 0;
    let mut problems = Vec::new();
    for file in summary["files"].as_array().unwrap() {
        let path = PathBuf::from(file["path"].as_str().unwrap());
        let counted = file["duplicates"].as_u64().unwrap_or(0) + file["out_of_range"].as_u64().unwrap_or(0);
        let format = knocklog::cmd::explain::file_format(&path);
        let mut missing = 0;
        each_line(&path, |n, line| {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let (reading, judgement) = judge.read_and_judge(format, line);
            let key = (path.display().to_string(), n);
            let scanned = events.get(&key);
            compared += 1;
            match (judgement, scanned) {
                (Some(j), Some(scanned)) => {
                    let knocklog::parse::LineReading::Parsed { parsed, kind, .. } = &reading else { unreachable!() };
                    let rule = j.decision.rule.map(|r| classifier.rule_name(r).to_owned()).unwrap_or_default();
                    let category = j.decision.category.as_str().to_owned();
                    let explained = [canonical(parsed.ip), kind.as_str().to_owned(), category, rule];
                    if &explained != scanned {
                        problems.push(format!("{}:{n}: explain {explained:?}, scan {scanned:?}", key.0));
                    }
                }
                (Some(_), None) => missing += 1,
                // A line that names no address: the scan may attribute it through an
                // sshd pid, which explain cannot know from the line alone.
                (None, Some(_)) => {
                    let pid =
                        matches!(&reading, knocklog::parse::LineReading::Parsed { parsed, .. } if parsed.pid.is_some());
                    if !pid {
                        problems.push(format!("{}:{n}: an event in the scan, none in explain", key.0));
                    }
                }
                (None, None) => {}
            }
            ControlFlow::Continue(())
        })
        .unwrap();
        // Lines the scan counted as a journal entry's duplicate (or out of range) are
        // events to explain only.
        if missing > counted {
            problems.push(format!("{}: {missing} lines are events to explain but not in the scan", path.display()));
        }
    }
    assert!(problems.is_empty(), "explain and scan disagree on {} lines:\n{}", problems.len(), problems.join("\n"));
    compared
}

#[test]
fn explain_agrees_with_scan_on_every_sample_line() {
    let detect = DetectArgs {
        allow_ip: vec!["192.168".into(), "100.72".into()],
        allow_user: vec!["alice".into()],
        ..Default::default()
    };
    let lines =
        check_tree(&repo().join("sample-logs"), detect, &["--allow-ip", "192.168,100.72", "--allow-user", "alice"]);
    assert!(lines > 1000, "compared only {lines} lines");
}

#[test]
fn explain_agrees_with_scan_on_every_corpus_line() {
    let Some(root) = corpora("explain_agrees::explain_agrees_with_scan_on_every_corpus_line") else { return };
    let mut lines = 0;
    for entry in std::fs::read_dir(&root).unwrap() {
        let dir = entry.unwrap().path();
        if dir.is_dir() {
            lines += check_tree(&dir, DetectArgs::default(), &[]);
        }
    }
    assert!(lines > 10_000, "compared only {lines} lines");
}
