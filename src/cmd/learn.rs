//! `knocklog learn`: scan like `scan` (no tables written), print the suggested attack
//! patterns numbered and ranked, and append the chosen ones (`--accept 1,3` or
//! `--accept-all [--min-support K]`) to an attack pattern file.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use super::{logs_to_read, stop, worker_pool, EXIT_INPUT_INCOMPLETE, EXIT_OK};
use crate::aggregate::tally::EventTally;
use crate::cli::LearnCmdArgs;
use crate::config::{ScanConfig, UsageError};
use crate::findings::{Findings, ScanCounts};
use crate::learn::file::{append, kind_name};
use crate::learn::Suggestion;
use crate::output::progress::Progress;
use crate::output::terminal::print_suggestions;
use crate::pipeline::{scan_files, ScanOutcome};
use crate::vocab::event::{Event, EventSink};
use crate::vocab::text::for_terminal;

/// Learning needs the per-address statistics, not the events.
struct Discard;

impl EventSink for Discard {
    fn write(&mut self, _events: Vec<Event>) -> anyhow::Result<()> {
        Ok(())
    }
}

pub fn run(args: &LearnCmdArgs) -> anyhow::Result<u8> {
    let mut config = ScanConfig::from_args(&args.scan, std::io::stderr().is_terminal())?;
    // Learning is what this command is for: --no-learn cannot switch it off. Learning
    // weighs the suspicious addresses only.
    config.options.learn = true;
    config.options.all_ips = false;
    let target = accept_target(args, &config)?;
    let Some(discovery) = logs_to_read(&config) else { return Ok(EXIT_INPUT_INCOMPLETE) };
    let pool = worker_pool(config.threads)?;
    let progress = config.progress.then(|| Progress::start(discovery.bytes(), config.options.bytes_read.clone()));
    let outcome = pool.install(|| scan_files(&discovery.files, &config.options, &config.classifier, Discard));
    if let Some(bar) = progress {
        bar.finish();
    }
    let ScanOutcome { files, ips, learned, elapsed, .. } = outcome?;
    // Unparsed lines were read whole: only unreadable and damaged files count.
    let problems = discovery.skipped.iter().filter(|s| s.warning).count()
        + files.iter().filter(|f| !f.warnings.is_empty()).count();
    let counts = ScanCounts { files, skipped: discovery.skipped, ips, learned, tally: EventTally::default(), elapsed };
    let judging = config.judging(crate::vocab::time::now_micros());
    let findings = pool.install(|| Findings::from_scan(counts, &judging));
    let json = args.scan.json;
    let mut out = std::io::stdout().lock();
    if !json {
        print_suggestions(&mut out, &findings.suggestions, findings.attackers, findings.learn_overflow)?;
    }
    let mut appended = None;
    if let Some(path) = target {
        let chosen = chosen(args, &findings.suggestions)?;
        let refused = args.accept_all.then(|| findings.suggestions.iter().filter(|s| s.benign_ips > 0).count());
        if let Some(n) = refused.filter(|n| *n > 0) {
            eprintln!(
                "knocklog: --accept-all left out {n} suggestions that would also flag lines of benign addresses in this scan (accept them by number with --accept after checking)"
            );
        }
        let added = append(&path, &chosen)?;
        if !json {
            writeln!(
                out,
                "\nAppended {added} of {} chosen patterns to {} ({} were there already).",
                chosen.len(),
                for_terminal(&path.display().to_string()),
                chosen.len() - added
            )?;
        }
        appended =
            Some(serde_json::json!({ "file": path.display().to_string(), "chosen": chosen.len(), "added": added }));
    }
    drop(out);
    let (code, why) = match problems {
        0 => (EXIT_OK, None),
        n => (EXIT_INPUT_INCOMPLETE, Some(format!("{n} files could not be read whole (`knocklog scan` names them)"))),
    };
    if json {
        let suggestions: Vec<serde_json::Value> = findings
            .suggestions
            .iter()
            .enumerate()
            .map(|(i, s)| {
                serde_json::json!({
                    "number": i + 1,
                    "pattern": s.pattern,
                    "kind": kind_name(s.kind),
                    "attacker_ips": s.attacker_ips,
                    "attacker_ips_estimated": s.sampled,
                    "attacker_hits": s.attacker_hits,
                    "benign_ips": s.benign_ips,
                    "confidence": s.confidence,
                    "example": s.example,
                    "check": s.check,
                })
            })
            .collect();
        let summary = serde_json::json!({
            "attackers": findings.attackers,
            "lines_not_weighed": findings.learn_overflow,
            "suggestions": suggestions,
            "appended": appended,
        });
        return super::finish_json(summary, code, why.as_deref());
    }
    Ok(match why {
        Some(why) => stop(code, &why),
        None => code,
    })
}

/// The pattern file `--accept`/`--accept-all` append to, if asked to.
fn accept_target(args: &LearnCmdArgs, config: &ScanConfig) -> anyhow::Result<Option<PathBuf>> {
    if args.accept.is_empty() && !args.accept_all {
        return Ok(None);
    }
    if let Some(to) = &args.to {
        return Ok(Some(to.clone()));
    }
    match config.attack_patterns.first() {
        Some(p) => Ok(Some(p.clone())),
        None => Err(UsageError("--accept needs a pattern file: --to FILE or --attack-patterns FILE".into()).into()),
    }
}

/// The suggestions `--accept N,M` or `--accept-all [--min-support K]` choose, with
/// their list numbers. `--accept-all` takes none that would also flag a line of a
/// benign address in this scan (possible with `--learn-max-benign`): those need a
/// person's look and an `--accept` by number.
fn chosen<'s>(args: &LearnCmdArgs, suggestions: &'s [Suggestion]) -> anyhow::Result<Vec<(usize, &'s Suggestion)>> {
    if args.accept_all {
        let min = args.min_support.unwrap_or(0);
        return Ok(suggestions
            .iter()
            .enumerate()
            .filter(|(_, s)| s.attacker_ips >= min && s.benign_ips == 0)
            .map(|(i, s)| (i + 1, s))
            .collect());
    }
    args.accept
        .iter()
        .map(|&n| match n.checked_sub(1).and_then(|i| suggestions.get(i)) {
            Some(s) => Ok((n, s)),
            None => Err(UsageError(format!("--accept {n}: the list has {} suggestions", suggestions.len())).into()),
        })
        .collect()
}
