//! `knocklog learn`: scan like `scan` (no tables written), print the suggested attack
//! patterns numbered and ranked, and append the chosen ones (`--accept 1,3` or
//! `--accept-all [--min-support K]`) to an attack pattern file.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::{EXIT_OK, EXIT_SKIPPED};
use crate::cli::LearnCmdArgs;
use crate::config::{DetectConfig, ScanConfig, UsageError};
use crate::detect::assess::assess;
use crate::input::discover;
use crate::learn::file::{append, kind_name};
use crate::learn::{attacker_count, Evidence, Suggestion};
use crate::pipeline::{scan_files, ScanOutcome};
use crate::vocab::event::Event;
use crate::vocab::event::EventSink;
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
    // Learning is what this command is for: --no-learn cannot switch it off.
    config.options.learn = true;
    let target = accept_target(args)?;
    let discovery = discover(&config.paths, config.forced_format);
    if discovery.files.is_empty() {
        let names: Vec<String> = config.paths.iter().map(|p| p.display().to_string()).collect();
        eprintln!("knocklog: no log files knocklog can read under {}", for_terminal(&names.join(", ")));
        return Ok(EXIT_SKIPPED);
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .thread_name(|i| format!("knocklog-{i}"))
        .build()
        .context("starting worker threads")?;
    let outcome = pool.install(|| scan_files(&discovery.files, &config.options, &config.classifier, Discard))?;
    let ScanOutcome { files, ips, learned, .. } = outcome;
    let evidence = Evidence::take(&ips, learned);
    let assessed = assess(ips, &config.options.policy, false);
    let suggestions = evidence.suggest(&assessed, &config.learn);
    let attackers = attacker_count(&assessed, &config.learn);

    let problems = discovery.skipped.iter().filter(|s| s.warning).count()
        + files.iter().filter(|f| !f.warnings.is_empty() || f.counts.unparsed > 0).count();
    if problems > 0 {
        eprintln!("knocklog: {problems} files could not be read completely (`knocklog scan` names them)");
    }
    let mut out = std::io::stdout().lock();
    print_list(&mut out, &suggestions, attackers, evidence.overflow())?;

    if let Some(path) = target {
        let chosen = chosen(args, &suggestions)?;
        let added = append(&path, &chosen)?;
        writeln!(
            out,
            "\nAppended {added} of {} chosen patterns to {} ({} were there already).",
            chosen.len(),
            for_terminal(&path.display().to_string()),
            chosen.len() - added
        )?;
    }
    Ok(if problems > 0 { EXIT_SKIPPED } else { EXIT_OK })
}

/// The pattern file `--accept`/`--accept-all` append to, if asked to.
fn accept_target(args: &LearnCmdArgs) -> anyhow::Result<Option<PathBuf>> {
    if args.accept.is_empty() && !args.accept_all {
        return Ok(None);
    }
    if let Some(to) = &args.to {
        return Ok(Some(to.clone()));
    }
    let detect = DetectConfig::from_args(&args.scan.detect)?;
    match detect.attack_patterns.first() {
        Some(p) => Ok(Some(p.clone())),
        None => Err(UsageError("--accept needs a pattern file: --to FILE or --attack-patterns FILE".into()).into()),
    }
}

/// The suggestions `--accept N,M` or `--accept-all [--min-support K]` choose, with
/// their list numbers.
fn chosen<'s>(args: &LearnCmdArgs, suggestions: &'s [Suggestion]) -> anyhow::Result<Vec<(usize, &'s Suggestion)>> {
    if args.accept_all {
        let min = args.min_support.unwrap_or(0);
        return Ok(suggestions
            .iter()
            .enumerate()
            .filter(|(_, s)| s.attacker_ips >= min)
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

fn print_list(out: &mut impl Write, suggestions: &[Suggestion], attackers: usize, overflow: u64) -> anyhow::Result<()> {
    writeln!(
        out,
        "{} suggested attack patterns, learned from {attackers} attacker addresses (ranked by attacker addresses, then hits).",
        suggestions.len()
    )?;
    if overflow > 0 {
        writeln!(
            out,
            "({overflow} requests were not weighed: the per-thread limit of distinct request shapes was reached.)"
        )?;
    }
    if suggestions.is_empty() {
        return Ok(());
    }
    let width = suggestions.len().to_string().len();
    writeln!(
        out,
        "\n  {:>width$}  {:<9} {:>9} {:>7} {:>6} {:>5}  pattern",
        "#", "kind", "attackers", "hits", "benign", "conf"
    )?;
    for (i, s) in suggestions.iter().enumerate() {
        writeln!(
            out,
            "  {:>width$}  {:<9} {:>9} {:>7} {:>6} {:>5.2}  {}",
            i + 1,
            kind_name(s.kind),
            // `~`: estimated from a sample of a popular request's addresses.
            format!("{}{}", if s.sampled { "~" } else { "" }, s.attacker_ips),
            s.attacker_hits,
            s.benign_ips,
            s.confidence,
            for_terminal(&s.pattern)
        )?;
        if !s.example.is_empty() {
            writeln!(out, "  {:>width$}  e.g. {}", "", shorten(&for_terminal(&s.example), 150))?;
        }
    }
    Ok(())
}

fn shorten(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_owned(),
    }
}

/// `scan`'s one line about what it learned.
pub fn print_scan_note(suggestions: &[Suggestion], out_dir: &Path) -> anyhow::Result<()> {
    if suggestions.is_empty() {
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    let top: Vec<String> = suggestions.iter().take(3).map(|s| for_terminal(&s.pattern)).collect();
    writeln!(
        out,
        "\n{} new attack patterns suggested in {} (top: {}); review them with `knocklog learn`.",
        suggestions.len(),
        for_terminal(&out_dir.join(crate::learn::SUGGESTIONS_FILE).display().to_string()),
        top.join("  ")
    )?;
    Ok(())
}
