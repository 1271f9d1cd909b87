//! `knocklog scan`: resolve the settings, lock `--out`, read every log in parallel
//! (streaming the events table into the run's staging directory, and adding the new
//! lines to `--history`), judge what was read into findings, and switch them all into
//! `--out` together. Exit codes: see `cmd`.

use std::io::IsTerminal;

use super::{finish_json, input_exit, input_exit_code, logs_to_read, worker_pool, EXIT_INPUT_INCOMPLETE};
use crate::aggregate::crawlers::ClaimCheck;
use crate::aggregate::tally::TallySink;
use crate::cli::ScanArgs;
use crate::config::ScanConfig;
use crate::findings::{Findings, ScanCounts};
use crate::input::Discovery;
use crate::output::out_dir::{refuse_inside_scanned, refuse_same_dir, OutputDir};
use crate::output::progress::Progress;
use crate::output::writer::{EventsWriter, PendingTable};
use crate::pipeline::{scan_file_spans, ScanOptions, ScanOutcome};
use crate::store::ingest::{Added, HistoryRun, HistorySink};
use crate::vocab::text::for_terminal;
use rustc_hash::FxHashMap;

pub fn run(args: &ScanArgs) -> anyhow::Result<u8> {
    let mut config = ScanConfig::from_args(args, std::io::stderr().is_terminal())?;
    super::protect_this_host(&mut config.blocklist, config.logs_of_this_host);
    if let Some(n) = args.debug_fail_write {
        crate::vocab::files::fail_nth_write(n);
    }
    refuse_inside_scanned(&config.output.dir, &config.paths)?;
    if let Some(store) = &config.history {
        refuse_same_dir(&config.output.dir, store)?;
    }
    let Some(discovery) = logs_to_read(&config) else { return Ok(EXIT_INPUT_INCOMPLETE) };
    let mut out = OutputDir::open(&config.output.dir, args.out_follow_symlink)?;
    out.record_inputs("scan", config.paths.iter().map(|p| p.display().to_string()));
    // The events writer encodes its batches on rayon's global pool: sized like the
    // workers', so that `--threads 1` keeps a scan to about one core (plus the writer).
    // It can only be sized once per process; a second scan in one process keeps it.
    let _ = rayon::ThreadPoolBuilder::new().num_threads(config.threads).build_global();
    let pool = worker_pool(config.threads)?;
    let generated = crate::vocab::time::now_micros();
    let read = pool.install(|| read_logs(&config, &discovery, &out))?;
    // Recidive: the days the store (this run's lines in it now) saw addresses blocked;
    // each address counts those before its first day in this scan.
    let store = config.history.as_deref().map(|dir| crate::store::Store::open(dir, false)).transpose()?;
    let history = match &store {
        Some(store) => {
            let thresholds = &config.options.policy.thresholds;
            Some(crate::store::period::block_history(&store.dir, store, thresholds, i32::MAX)?)
        }
        None => None,
    };
    // One DNS cache (the store's, with one) for the lookups before judging and after.
    let mut dns_run = config.enrich.dns.as_ref().map(|_| super::DnsRun::open(store.as_ref()));
    let crawler_checks = check_crawlers(&read.counts, &config, dns_run.as_mut())?;
    let judging = crate::findings::Judging {
        block_history: history.as_ref(),
        crawler_checks: Some(&crawler_checks),
        ..config.judging(generated)
    };
    let mut findings = pool.install(|| Findings::from_scan(read.counts, &judging));
    pool.install(|| config.enrich.labels.label(&mut findings));
    if config.enrich.wants_host_info(config.logs_of_this_host) {
        findings.host = Some(crate::enrich::host::read(&config.enrich.proc_root));
    }
    if let (Some(dns), Some(run)) = (&config.enrich.dns, dns_run) {
        run.visitors(&mut findings, dns, config.output.quiet)?;
    }
    let written = pool.install(|| crate::output::write(&findings, &config.output, out, Some(read.events)))?;
    // Not dropped: freeing a million suspects' statistics one allocation at a time took
    // seconds at the end of a scanner storm, and the process ends with this command.
    std::mem::forget(findings);
    let mut damaged = written.damaged + discovery.skipped.iter().filter(|s| s.warning).count();
    if let Some(added) = &read.added {
        damaged += report_history(added, &config);
    }
    match written.json {
        Some(json) => {
            let (code, why) = input_exit(damaged);
            finish_json(json, code, why.as_deref())
        }
        None => Ok(input_exit_code(damaged)),
    }
}

/// Checks the crawler claims of the addresses read, by the ranges given and, with
/// `--dns`, two-way DNS of the claimants (before judging: a fake claim counts).
fn check_crawlers(
    counts: &ScanCounts,
    config: &ScanConfig,
    dns_run: Option<&mut super::DnsRun>,
) -> anyhow::Result<FxHashMap<String, ClaimCheck>> {
    use crate::enrich::crawlers::{check, dns_candidates, DnsAnswers};
    let ranges = config.enrich.labels.ranges.as_ref();
    let (Some(dns), Some(run)) = (&config.enrich.dns, dns_run) else {
        return Ok(check(&counts.ips.rows, ranges, DnsAnswers::NotAsked));
    };
    let (names, _) = crate::enrich::dns::two_way_all(&dns_candidates(&counts.ips.rows), dns, run.cache())?;
    Ok(check(&counts.ips.rows, ranges, DnsAnswers::Names(&names)))
}

/// What reading the logs gave: the counts to judge, the events table finishing in the
/// background, and what the history store took in.
struct Read {
    counts: ScanCounts,
    events: PendingTable,
    added: Option<Added>,
}

/// Reads the logs (only what `--history` does not hold yet, with it), streaming every
/// kept event to the events table in `out` and, with `--history`, to the store.
fn read_logs(config: &ScanConfig, discovery: &Discovery, out: &OutputDir) -> anyhow::Result<Read> {
    let source_files: Vec<String> = discovery.files.iter().map(|f| f.path.display().to_string()).collect();
    let c = &config.classifier;
    let rules: Vec<_> = (0..c.rule_count() as u32).map(|r| (c.rule_name(r).to_owned(), c.rule_category(r))).collect();
    let (formats, timeline) = (config.output.formats, config.output.timeline);
    let events = EventsWriter::create(out, formats, source_files.clone(), rules.clone(), timeline)?;
    let gap = config.options.policy.thresholds.session_gap_micros();
    let history = config.history.as_deref().map(|dir| HistoryRun::begin(dir, &discovery.files, gap)).transpose()?;
    let spans = history.as_ref().map_or(&[][..], |h| h.spans());
    let opts = ScanOptions { history: history.is_some(), ..config.options.clone() };
    // The report's tally sees exactly what the events table gets; the store sees every
    // event, and the workers' counts of the other lines.
    let sink = HistorySink::new(
        TallySink::new(events).with_rules(rules.clone()),
        config.options.all_events,
        history.is_some(),
    );
    let progress = config.progress.then(|| Progress::start(discovery.bytes(), opts.bytes_read.clone()));
    let outcome = scan_file_spans(&discovery.files, spans, &opts, &config.classifier, sink);
    if let Some(bar) = progress {
        bar.finish();
    }
    let ScanOutcome { files, ips, sink, elapsed, learned, history: lines } = outcome?;
    let (events, collected) = sink.into_parts();
    let (events, tally) = events.into_parts();
    let events = events.finish_in_background()?;
    let added = match history {
        Some(h) => Some(h.commit(&discovery.files, &files, collected, lines, &source_files, &rules)?),
        None => None,
    };
    let skipped = discovery.skipped.clone();
    Ok(Read { counts: ScanCounts { files, skipped, ips, learned, tally, elapsed }, events, added })
}

/// Tells what the history store took in; returns the files it left out (exit code 2).
fn report_history(added: &Added, config: &ScanConfig) -> usize {
    for note in &added.notes {
        eprintln!("knocklog: history: {}", for_terminal(note));
    }
    for dropped in &added.dropped {
        eprintln!("knocklog: history: {}", for_terminal(dropped));
    }
    if let (false, Some(dir)) = (config.output.quiet, &config.history) {
        println!(
            "History {}: added {} new lines, {} suspicious events, over {} days.",
            for_terminal(&dir.display().to_string()),
            added.lines,
            added.events,
            added.days
        );
    }
    added.dropped.len()
}
