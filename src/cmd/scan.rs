//! `knocklog scan`: discover the logs, read them all in parallel, write the events,
//! ips and daily tables plus summary.json into --out, and tell the user what was read
//! and what was not.

use std::io::{IsTerminal, Write};

use anyhow::Context;

use super::{EXIT_OK, EXIT_SKIPPED};
use crate::aggregate::blocklist::{self, BenignAddresses};
use crate::cli::ScanArgs;
use crate::config::ScanConfig;
use crate::detect::assess::{assess, Assessed};
use crate::detect::policy::Verdict;
use crate::detect::Category;
use crate::input::discover;
use crate::output::blocklist::{write_all as write_blocklist, BlocklistSummary, Provenance};
use crate::output::report::{self, dns::SystemResolver, ReportData, TallySink};
use crate::output::summary::Summary;
use crate::output::table::Batch;
use crate::output::tables::{daily_batch, ips_batch, patterns_batch, sessions_batch, usernames_batch};
use crate::output::write_atomic;
use crate::output::writer::{EventsWriter, TableWriter};
use crate::pipeline::{scan_file_spans, ScanOptions, ScanOutcome};
use crate::store::ingest::{HistoryRun, HistorySink};
use crate::text::for_terminal;
use crate::time::format_ts;

pub fn run(args: &ScanArgs) -> anyhow::Result<u8> {
    let config = ScanConfig::from_args(args, std::io::stderr().is_terminal())?;
    let discovery = discover(&config.paths, config.forced_format);
    for s in discovery.skipped.iter().filter(|s| s.warning) {
        eprintln!("knocklog: {}: {}", for_terminal(&s.path.display().to_string()), s.reason);
    }
    if discovery.files.is_empty() {
        let names: Vec<String> = config.paths.iter().map(|p| p.display().to_string()).collect();
        eprintln!("knocklog: no log files knocklog can read under {}", for_terminal(&names.join(", ")));
        return Ok(EXIT_SKIPPED);
    }
    std::fs::create_dir_all(&config.out)
        .with_context(|| format!("creating output directory {}", config.out.display()))?;

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .thread_name(|i| format!("knocklog-{i}"))
        .build()
        .context("starting worker threads")?;
    let source_files: Vec<String> = discovery.files.iter().map(|f| f.path.display().to_string()).collect();
    let c = &config.classifier;
    let rules: Vec<_> = (0..c.rule_count() as u32).map(|r| (c.rule_name(r).to_owned(), c.rule_category(r))).collect();
    let events = EventsWriter::create(&config.out, config.formats, source_files.clone(), rules.clone())?;
    // With --history, only what the store does not hold yet is read, and every line's
    // event passes by the store's sink (the --out tables still get what they asked for).
    let gap = config.options.policy.thresholds.session_gap_micros();
    let history = args.history.as_deref().map(|dir| HistoryRun::begin(dir, &discovery.files, gap)).transpose()?;
    let spans = history.as_ref().map_or(&[][..], |h| h.spans());
    let opts = ScanOptions { all_events: config.options.all_events || history.is_some(), ..config.options.clone() };
    // The report's tally sees exactly what the events table gets.
    let sink = HistorySink::new(TallySink::new(events), config.options.all_events);
    let outcome = pool.install(|| scan_file_spans(&discovery.files, spans, &opts, &config.classifier, sink))?;
    let ScanOutcome { files, mut ips, sink, elapsed } = outcome;
    let (events, collected) = sink.into_parts();
    let (events, tally) = events.into_parts();
    let events_written = events.finish()?;
    let added = match history {
        Some(h) => Some(h.commit(&discovery.files, &files, collected, &source_files, &rules)?),
        None => None,
    };
    // Before `assess` drops them: the addresses whose traffic did not count against
    // them, which a proposed blocklist range must not cover.
    let benign = BenignAddresses::collect(&ips);
    let evidence = crate::learn::Evidence::take(&mut ips);
    let ips = assess(ips, &config.options.policy, config.all_ips);
    let suggestions = evidence.suggest(&ips, &config.learn);
    drop(evidence);
    let attackers = crate::learn::attacker_count(&ips, &config.learn);
    let suggested = crate::learn::file::render(&suggestions, attackers);
    write_atomic(&config.out.join(crate::learn::SUGGESTIONS_FILE), suggested.as_bytes())?;
    let blocklist = blocklist::build(&ips, &benign, &config.options.policy.allow_ips, &config.blocklist);
    let policy = &config.options.policy;
    let (out, formats) = (&config.out, config.formats);
    // The tables are built and written side by side.
    let build: [(&'static str, &(dyn Fn() -> Batch + Sync)); 5] = [
        ("ips", &|| ips_batch(&ips)),
        ("daily", &|| daily_batch(&ips)),
        ("sessions", &|| sessions_batch(&ips)),
        ("usernames", &|| usernames_batch(&ips, policy)),
        ("patterns", &|| patterns_batch(&suggestions)),
    ];
    pool.install(|| {
        use rayon::prelude::*;
        build.par_iter().try_for_each(|(name, batch)| TableWriter::write_table(out, name, formats, &batch()).map(drop))
    })?;
    let mut summary = Summary::new(&files, &discovery.skipped, ips.len(), events_written);
    let provenance = Provenance {
        generated: now_micros(),
        first_ts: summary.totals.first_ts.clone(),
        last_ts: summary.totals.last_ts.clone(),
    };
    write_blocklist(&config.out, &blocklist, &config.blocklist, &provenance)?;
    summary.blocklist = Some(BlocklistSummary::new(&blocklist, &config.blocklist));
    let mut report = ReportData::from_scan(&files, &ips, &tally, policy)
        .with_blocklist(&blocklist.entries)
        .with_suggestions(&suggestions);
    if args.dns {
        report.resolve_dns(std::sync::Arc::new(SystemResolver), DNS_BUDGET);
    }
    let mut written = report::write_reports(&config.out, &report, args.html_fragment)?;
    let json = serde_json::to_vec_pretty(&summary).context("encoding summary.json")?;
    write_atomic(&config.out.join("summary.json"), &json)?;

    let mut problems = discovery.skipped.iter().filter(|s| s.warning).count();
    for f in &files {
        let path = for_terminal(&f.path);
        for w in &f.warnings {
            eprintln!("knocklog: {path}: {w}");
            problems += 1;
        }
        if f.counts.unparsed > 0 {
            let example = f
                .unparsed_examples
                .first()
                .map(|e| format!(" (first at line {}: {})", e.line_no, shorten(&for_terminal(&e.text), 100)))
                .unwrap_or_default();
            eprintln!(
                "knocklog: {path}: {} of {} lines are not {} lines and were skipped{example}",
                f.counts.unparsed, f.counts.lines, f.format
            );
            problems += 1;
        }
        if f.counts.bad_time > 0 {
            eprintln!(
                "knocklog: {path}: {} lines have an impossible date and were kept without a time",
                f.counts.bad_time
            );
        }
    }
    if let Some(added) = &added {
        for note in &added.notes {
            eprintln!("knocklog: history: {}", for_terminal(note));
        }
        for dropped in &added.dropped {
            eprintln!("knocklog: history: {}", for_terminal(dropped));
            problems += 1;
        }
    }
    if !config.quiet {
        written.extend(tables_written(&config));
        print_report(&summary, &ips, elapsed, &config, &written)?;
        crate::cmd::learn::print_scan_note(&suggestions, &config.out)?;
        if let (Some(added), Some(dir)) = (&added, &args.history) {
            println!(
                "History {}: added {} new lines, {} suspicious events, over {} days.",
                for_terminal(&dir.display().to_string()),
                added.lines,
                added.events,
                added.days
            );
        }
    }
    Ok(if problems > 0 { EXIT_SKIPPED } else { EXIT_OK })
}

fn now_micros() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_micros() as i64)
}

/// Total time `--dns` may spend on lookups.
const DNS_BUDGET: std::time::Duration = std::time::Duration::from_secs(20);

/// The tables and summary the scan wrote, for the closing lines.
fn tables_written(config: &ScanConfig) -> Vec<std::path::PathBuf> {
    let mut paths = Vec::new();
    for name in ["events", "ips", "sessions", "usernames", "daily", "patterns"] {
        if config.formats.csv {
            paths.push(config.out.join(format!("{name}.csv")));
        }
        if config.formats.parquet {
            paths.push(config.out.join(format!("{name}.parquet")));
        }
    }
    paths.push(config.out.join("summary.json"));
    paths
}

fn shorten(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_owned(),
    }
}

fn print_report(
    summary: &Summary,
    ips: &[Assessed],
    elapsed: std::time::Duration,
    config: &ScanConfig,
    written: &[std::path::PathBuf],
) -> anyhow::Result<()> {
    let t = &summary.totals;
    let mut out = std::io::stdout().lock();
    let secs = elapsed.as_secs_f64().max(1e-9);
    let share = |n: u64| if t.lines == 0 { 0.0 } else { 100.0 * n as f64 / t.lines as f64 };
    writeln!(
        out,
        "Read {} files ({} skipped), {} lines in {:.2}s ({:.0} lines/s, {:.1} MB/s).",
        t.files,
        t.files_skipped,
        t.lines,
        secs,
        t.lines as f64 / secs,
        t.content_bytes as f64 / secs / 1e6
    )?;
    writeln!(
        out,
        "Parsed {} lines ({:.2}%), unparsed {} ({:.2}%).",
        t.parsed,
        share(t.parsed),
        t.unparsed,
        share(t.unparsed)
    )?;
    if let (Some(a), Some(b)) = (&t.first_ts, &t.last_ts) {
        writeln!(out, "Period: {a} .. {b} (UTC).")?;
    }
    let count = |v: Verdict| ips.iter().filter(|a| a.verdict == v).count();
    writeln!(
        out,
        "{} suspicious addresses: {} to block ({} sneak attackers), {} to watch; {} events written to {}.",
        ips.iter().filter(|a| a.stats.suspicious_events() > 0).count(),
        count(Verdict::Block),
        ips.iter().filter(|a| a.sneak).count(),
        count(Verdict::Watch),
        t.events_written,
        config.out.display()
    )?;
    if let Some(b) = &summary.blocklist {
        let left_out: usize = b.excluded.values().sum();
        let why: Vec<String> = b.excluded.iter().map(|(w, n)| format!("{n} {}", w.replace('_', " "))).collect();
        writeln!(
            out,
            "Blocklist: {} entries ({} IPv4, {} IPv6, {} proposed ranges) in blocklist.txt, .nft, .ipset, .iptables, .ip6tables{}.",
            b.entries,
            b.entries_v4,
            b.entries_v6,
            b.ranges_proposed.len(),
            if left_out == 0 { String::new() } else { format!("; {left_out} {} addresses left out ({})", b.verdict, why.join(", ")) }
        )?;
    }
    let worst: Vec<&Assessed> = ips.iter().filter(|a| a.verdict != Verdict::None).take(WORST_SHOWN).collect();
    if !worst.is_empty() {
        writeln!(out, "\nWorst first:")?;
        writeln!(
            out,
            "  {:<28} {:<7} {:>7} {:>6} {:>5}  {:<20}  categories",
            "ip", "verdict", "score", "susp", "days", "last seen"
        )?;
        for a in worst {
            let s = a.stats.suspicion.as_deref();
            // Whole seconds keep the columns aligned; the tables keep the microseconds.
            let when = a.stats.last_seen.map(|t| format_ts(t - t.rem_euclid(1_000_000))).unwrap_or_else(|| "-".into());
            let categories: Vec<&str> = Category::ALL
                .iter()
                .filter(|c| s.is_some_and(|s| s.by_category[c.index()] > 0))
                .map(|c| c.as_str())
                .collect();
            writeln!(
                out,
                "  {:<28} {:<7} {:>7.0} {:>6} {:>5}  {:<20}  {}{}",
                for_terminal(&a.ip),
                a.verdict.as_str(),
                a.score,
                a.stats.suspicious_events(),
                s.map_or(0, |s| s.daily.len()),
                when,
                categories.join(","),
                if a.sneak { " (sneak)" } else { "" }
            )?;
        }
        let more = ips.iter().filter(|a| a.verdict != Verdict::None).count().saturating_sub(WORST_SHOWN);
        if more > 0 {
            writeln!(out, "  ... and {more} more in ips")?;
        }
    }
    let sneaks: Vec<String> = ips
        .iter()
        .filter(|a| a.sneak)
        .take(10)
        .map(|a| {
            let s = a.stats.suspicion.as_deref();
            format!(
                "{} ({} days, {} events)",
                for_terminal(&a.ip),
                s.map_or(0, |s| s.daily.len()),
                a.stats.suspicious_events()
            )
        })
        .collect();
    if !sneaks.is_empty() {
        let n = ips.iter().filter(|a| a.sneak).count();
        let more = if n > sneaks.len() { format!(", ... {} more", n - sneaks.len()) } else { String::new() };
        writeln!(out, "\nSneak attackers (quiet returners): {}{more}", sneaks.join(", "))?;
    }
    writeln!(out)?;
    let (pages, tables): (Vec<_>, Vec<_>) = written.iter().partition(|p| p.extension().is_some_and(|e| e == "html"));
    for p in pages {
        writeln!(out, "Report: {}", for_terminal(&p.display().to_string()))?;
    }
    // "events, ips, ... (.csv .parquet)": one name per table, the formats once.
    let (mut stems, mut exts): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    for p in tables.iter().filter(|p| p.extension().is_some_and(|e| e != "json")) {
        let stem = p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let ext = p.extension().map(|s| format!(".{}", s.to_string_lossy())).unwrap_or_default();
        if !stems.contains(&stem) {
            stems.push(stem);
        }
        if !exts.contains(&ext) {
            exts.push(ext);
        }
    }
    writeln!(
        out,
        "Tables: {} ({}) and summary.json in {}",
        stems.join(", "),
        exts.join(" "),
        for_terminal(&config.out.display().to_string())
    )?;
    Ok(())
}

/// Addresses listed under "Worst first".
const WORST_SHOWN: usize = 10;
