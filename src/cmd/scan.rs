//! `knocklog scan`: discover the logs, read them all in parallel, write the events,
//! ips and daily tables plus summary.json into --out, and tell the user what was read
//! and what was not.

use std::io::IsTerminal;

use anyhow::Context;

use super::{EXIT_OK, EXIT_SKIPPED};
use crate::aggregate::blocklist::{self, BenignAddresses};
use crate::cli::ScanArgs;
use crate::config::ScanConfig;
use crate::detect::assess::assess;
use crate::input::discover;
use crate::output::blocklist::{write_all as write_blocklist, BlocklistSummary, Provenance};
use crate::output::report::{self, dns::SystemResolver, ReportData, TallySink};
use crate::output::summary::Summary;
use crate::output::table::Batch;
use crate::output::tables::{daily_batch, ips_batch, patterns_batch, sessions_batch, usernames_batch};
use crate::output::writer::{EventsWriter, TableWriter};
use crate::output::{terminal, write_atomic};
use crate::pipeline::{scan_file_spans, ScanOptions, ScanOutcome};
use crate::store::ingest::{HistoryRun, HistorySink};
use crate::vocab::text::for_terminal;

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

    // The events writer encodes its batches on rayon's global pool: sized like the
    // workers', so that `--threads 1` keeps a scan to about one core (plus the writer).
    // It can only be sized once per process; a second scan in one process keeps it.
    let _ = rayon::ThreadPoolBuilder::new().num_threads(config.threads).build_global();
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
    let sink = HistorySink::new(TallySink::new(events), config.options.all_events, history.is_some());
    let outcome = pool.install(|| scan_file_spans(&discovery.files, spans, &opts, &config.classifier, sink))?;
    let ScanOutcome { files, ips, sink, elapsed, learned } = outcome;
    let (events, collected) = sink.into_parts();
    let (events, tally) = events.into_parts();
    let assess_all = || -> anyhow::Result<_> {
        let added = match history {
            Some(h) => Some(h.commit(&discovery.files, &files, collected, &source_files, &rules)?),
            None => None,
        };
        // Before `assess` drops them: the addresses whose traffic did not count against
        // them, which a proposed blocklist range must not cover.
        let (benign, evidence) =
            rayon::join(|| BenignAddresses::collect(&ips), || crate::learn::Evidence::take(&ips, learned));
        let ips = assess(ips, &config.options.policy, config.all_ips);
        let suggestions = evidence.suggest(&ips, &config.learn);
        drop(evidence);
        let attackers = crate::learn::attacker_count(&ips, &config.learn);
        let suggested = crate::learn::file::render(&suggestions, attackers);
        write_atomic(&config.out.join(crate::learn::SUGGESTIONS_FILE), suggested.as_bytes())?;
        let blocklist = blocklist::build(&ips, &benign, &config.options.policy.allow_ips, &config.blocklist);
        Ok((added, ips, suggestions, blocklist))
    };
    let policy = &config.options.policy;
    let (out, formats) = (&config.out, config.formats);
    let generated = crate::vocab::time::now_micros();
    // The events table's last batch, footer and fsync run on a thread of their own
    // (mostly waiting for the writer thread and the disk) while the pool assesses the
    // addresses and writes everything else.
    let (events_written, assessed) = std::thread::scope(|scope| {
        let finishing = std::thread::Builder::new()
            .name("knocklog-finish".into())
            .spawn_scoped(scope, || events.finish())
            .context("starting a thread");
        let assessed = pool.install(|| -> anyhow::Result<_> {
            let (added, ips, suggestions, blocklist) = assess_all()?;
            let (first_ts, last_ts) = crate::output::summary::time_span(&files);
            let provenance = Provenance { generated, first_ts, last_ts };
            // The tables are built and written side by side, and beside them the
            // blocklists and the report.
            let build: [(&'static str, &(dyn Fn() -> Batch + Sync)); 5] = [
                ("ips", &|| ips_batch(&ips)),
                ("daily", &|| daily_batch(&ips)),
                ("sessions", &|| sessions_batch(&ips)),
                ("usernames", &|| usernames_batch(&ips, policy)),
                ("patterns", &|| patterns_batch(&suggestions)),
            ];
            let write_tables = || {
                use rayon::prelude::*;
                build
                    .par_iter()
                    .try_for_each(|(name, batch)| TableWriter::write_table(out, name, formats, &batch()).map(drop))
            };
            let write_blocklist_and_report = || {
                write_blocklist(&config.out, &blocklist, &config.blocklist, &provenance)?;
                let mut report = ReportData::from_scan(&files, &ips, &tally, policy)
                    .with_blocklist(&blocklist.entries)
                    .with_suggestions(&suggestions);
                if args.dns {
                    report.resolve_dns(std::sync::Arc::new(SystemResolver), DNS_BUDGET);
                }
                report::write_reports(&config.out, &report, args.html_fragment)
            };
            let (tables, reports) = rayon::join(write_tables, write_blocklist_and_report);
            tables?;
            Ok((added, ips, suggestions, blocklist, reports?))
        });
        let events_written = finishing.and_then(|t| t.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
        (events_written, assessed)
    });
    let events_written = events_written?;
    let (added, ips, suggestions, blocklist, mut written) = assessed?;
    let mut summary = Summary::new(&files, &discovery.skipped, ips.len(), events_written);
    summary.blocklist = Some(BlocklistSummary::new(&blocklist, &config.blocklist));
    let json = serde_json::to_vec_pretty(&summary).context("encoding summary.json")?;
    write_atomic(&config.out.join("summary.json"), &json)?;

    let mut problems = discovery.skipped.iter().filter(|s| s.warning).count();
    problems += terminal::report_file_problems(&files);
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
        written.extend(terminal::tables_written(&config.out, config.formats));
        terminal::print_summary(&summary, &ips, elapsed, &config.out, &written)?;
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

/// Total time `--dns` may spend on lookups.
const DNS_BUDGET: std::time::Duration = std::time::Duration::from_secs(20);
