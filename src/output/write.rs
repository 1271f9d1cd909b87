//! Writing findings whole: every table, the blocklists, report.html, the summary
//! (summary.json for a scan, report.json for a store period), suggested-patterns.txt
//! and the terminal summary, the files side by side on the current rayon pool, into
//! the run's staging directory, switched into `--out` together (`out_dir`).

use std::path::{Path, PathBuf};

use anyhow::Context;
use rayon::prelude::*;

use super::blocklist::{write_all as write_blocklist, BlocklistSummary};
use super::out_dir::OutputDir;
use super::report::fleet::FleetView;
use super::report::{self, HistoryView, ReportData};
use super::summary::Summary;
use super::table::Batch;
use super::tables::usernames_batch;
use super::tables::{
    attackers_batch, campaigns_batch, daily_batch, events_batch, ips_batch, patterns_batch, servers_batch,
    sessions_batch,
};
use super::writer::{PendingTable, TableWriter};
use super::{frame, terminal, timeline, Formats};
use crate::aggregate::ip_stats::daily_rows;
use crate::findings::{Findings, FleetOrigin, Origin, PeriodOrigin, ScanOrigin};
use crate::vocab::files::write_atomic;

/// Where and how findings are written.
#[derive(Clone, Debug)]
pub struct OutputSettings {
    pub dir: PathBuf,
    pub formats: Formats,
    /// Also write report-fragment.html.
    pub html_fragment: bool,
    /// Also write timeline.csv and timeline.jsonl.
    pub timeline: bool,
    /// Addresses given a drill-down panel in the report (`--report-panels`).
    pub report_panels: usize,
    /// Print nothing on stdout.
    pub quiet: bool,
    /// Instead of the text summary, hand back a JSON one (`--json`) for the caller to
    /// complete with the exit code and print.
    pub json: bool,
}

/// What `write` did: input files found damaged (reported on stderr), and with `--json`
/// the summary to print.
pub struct Written {
    pub damaged: usize,
    pub json: Option<serde_json::Value>,
}

/// Writes `findings` into `out` (opened on `settings.dir`) and tells the terminal. A
/// scan streams its events table while it reads: `events` is that table, finished here
/// beside the rest. Either every file is switched in, or none is and the error is
/// marked `OutputsNotWritten` (exit code 3).
pub fn write(
    findings: &Findings,
    settings: &OutputSettings,
    out: OutputDir,
    events: Option<PendingTable>,
) -> anyhow::Result<Written> {
    let generated = findings.provenance.generated;
    let errors = out.write_errors();
    match &findings.origin {
        Origin::Scan(scan) => {
            // The input's problems come first on stderr: a failure to write is the
            // last word.
            let problems = terminal::report_file_problems(&scan.files);
            let staged = stage_scan(findings, scan, settings, out.staging(), events);
            let summary = staged.and_then(|staged| out.commit(generated).map(|_| staged));
            let (summary, pages) = summary.map_err(|e| errors.not_written(e))?;
            let dir = &settings.dir;
            let mut written = in_out_dir(dir, &pages);
            written.extend(terminal::tables_written(dir, settings.formats));
            if settings.json {
                let json = terminal::summary_json(&summary, findings, dir, &written);
                return Ok(Written { damaged: problems, json: Some(json) });
            }
            if !settings.quiet {
                terminal::print_summary(&summary, findings, scan.elapsed, dir, &written)?;
                terminal::print_suggestions_note(&findings.suggestions, dir)?;
            }
            Ok(Written { damaged: problems, json: None })
        }
        Origin::Period(period) => {
            let staged = stage_period(findings, period, settings, out.staging());
            let pages = staged.and_then(|pages| out.commit(generated).map(|_| pages));
            let pages = pages.map_err(|e| errors.not_written(e))?;
            let written = in_out_dir(&settings.dir, &pages);
            if settings.json {
                let mut json = super::summary::period_json(findings, period);
                json["blocklist_entries"] = findings.blocklist.entries.len().into();
                json["out"] = settings.dir.display().to_string().into();
                json["written"] = written.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().into();
                return Ok(Written { damaged: 0, json: Some(json) });
            }
            if !settings.quiet {
                terminal::print_period_summary(findings, period, &settings.dir, &written)?;
            }
            Ok(Written { damaged: 0, json: None })
        }
    }
}

/// Where the staged files `paths` are once switched in.
fn in_out_dir(dir: &Path, paths: &[PathBuf]) -> Vec<PathBuf> {
    paths.iter().filter_map(|p| p.file_name()).map(|name| dir.join(name)).collect()
}

/// Writes a scan's files into `staging`; returns the summary and the report pages.
fn stage_scan<'a>(
    findings: &Findings,
    scan: &'a ScanOrigin,
    settings: &OutputSettings,
    staging: &Path,
    events: Option<PendingTable>,
) -> anyhow::Result<(Summary<'a>, Vec<PathBuf>)> {
    let suggested = crate::learn::file::render(&findings.suggestions, findings.attackers);
    write_atomic(&staging.join(crate::learn::SUGGESTIONS_FILE), suggested.as_bytes())?;
    let ips = &findings.ips;
    let report = || {
        let data = ReportData::from_scan(&scan.files, ips, &findings.tally, &findings.policy, settings.report_panels)
            .with_skipped(scan.skipped.len())
            .with_blocklist(&findings.blocklist.entries)
            .with_campaigns(&findings.campaigns)
            .with_suggestions(&findings.suggestions)
            .with_enriched(findings.enriched)
            .with_host(findings.host.as_ref(), ips);
        report::write_reports(staging, &data, settings.html_fragment)
    };
    let (written_tables, pages) = rayon::join(
        || write_tables(staging, settings.formats, findings, &SCAN_TABLES),
        || {
            write_blocklist(staging, &findings.blocklist, &findings.blocklist_settings, &findings.provenance)
                .and_then(|()| report())
        },
    );
    written_tables?;
    let pages = pages?;
    let (events_written, spool) = match events {
        Some(pending) => pending.finish()?,
        None => (0, None),
    };
    let mut pages = pages;
    let timeline = match spool {
        Some(spool) => {
            pages.extend([staging.join(timeline::CSV_FILE), staging.join(timeline::JSONL_FILE)]);
            Some(spool.finish(staging, ips)?)
        }
        None => None,
    };
    let mut summary = Summary::new(&scan.files, &scan.skipped, ips.len(), events_written);
    summary.timeline = timeline;
    summary.blocklist = Some(BlocklistSummary::new(&findings.blocklist, &findings.blocklist_settings));
    summary.enrichment = super::summary::enrichment_json(findings);
    summary.host = findings.host.clone();
    summary.crawler_checks = findings.crawler_checks.clone();
    let json = serde_json::to_vec_pretty(&summary).context("encoding summary.json")?;
    write_atomic(&staging.join("summary.json"), &json)?;
    Ok((summary, pages))
}

/// Writes a store period's files into `staging`; returns the report pages.
fn stage_period(
    findings: &Findings,
    period: &PeriodOrigin,
    settings: &OutputSettings,
    staging: &Path,
) -> anyhow::Result<Vec<PathBuf>> {
    let ips = &findings.ips;
    write_tables(staging, settings.formats, findings, period_tables(period))?;
    let mut events = if period.events.height() > 0 {
        period.events.clone()
    } else {
        super::parquet_out::to_dataframe(&events_batch(&[], &[], &[]))?
    };
    if settings.formats.parquet {
        frame::write_file(&staging.join("events.parquet"), &mut events)?;
    }
    if settings.formats.csv {
        frame::write_file(&staging.join("events.csv"), &mut events)?;
    }
    let mut summary = super::summary::period_json(findings, period);
    summary["blocklist"] =
        serde_json::to_value(BlocklistSummary::new(&findings.blocklist, &findings.blocklist_settings))?;
    if let Some(enrichment) = super::summary::enrichment_json(findings) {
        summary["enrichment"] = enrichment;
    }
    if let Some(host) = &findings.host {
        summary["host"] = serde_json::to_value(host)?;
    }
    let mut pages = Vec::new();
    if settings.timeline {
        let timeline = timeline::write_frame(staging, &period.events, ips)?;
        summary["timeline"] = serde_json::to_value(timeline)?;
        pages.extend([staging.join(timeline::CSV_FILE), staging.join(timeline::JSONL_FILE)]);
    }
    write_atomic(&staging.join("report.json"), &serde_json::to_vec_pretty(&summary)?)?;
    write_blocklist(staging, &findings.blocklist, &findings.blocklist_settings, &findings.provenance)?;

    let attackers: Vec<_> = findings.suspicious().collect();
    let mut view = HistoryView::of(period, &attackers);
    view.fleet =
        period.fleet.as_deref().map(|f| FleetView::of(f, &attackers, &findings.campaigns, &findings.policy.thresholds));
    let data = ReportData::from_history(ips, &findings.tally, &findings.policy, view, settings.report_panels)
        .with_blocklist(&findings.blocklist.entries)
        .with_campaigns(&findings.campaigns)
        .with_enriched(findings.enriched)
        .with_host(findings.host.as_ref(), ips);
    let mut reports = report::write_reports(staging, &data, settings.html_fragment)?;
    reports.append(&mut pages);
    Ok(reports)
}

/// The tables a scan writes besides `events` (which it streams while it reads), in
/// the order the terminal names them.
pub const SCAN_TABLES: [&str; 6] = ["ips", "campaigns", "sessions", "usernames", "daily", "patterns"];

/// The tables a store period's report writes besides `events`.
pub const PERIOD_TABLES: [&str; 6] = ["ips", "campaigns", "daily", "sessions", "usernames", "attackers"];

/// A fleet's report writes those and `servers`.
pub const FLEET_TABLES: [&str; 7] = ["ips", "campaigns", "daily", "sessions", "usernames", "attackers", "servers"];

/// The tables the report of `period` writes besides `events`.
pub fn period_tables(period: &PeriodOrigin) -> &'static [&'static str] {
    match period.fleet {
        Some(_) => &FLEET_TABLES,
        None => &PERIOD_TABLES,
    }
}

/// The fleet of a fleet report's findings.
fn fleet_of(findings: &Findings) -> Option<&FleetOrigin> {
    match &findings.origin {
        Origin::Period(period) => period.fleet.as_deref(),
        Origin::Scan(_) => None,
    }
}

/// Rows per batch of the per-address tables: a million attackers' `ips` table built
/// whole (typed columns, its CSV text and its Parquet frame at once) took 700 MB.
const TABLE_BATCH_ROWS: usize = 32 * 1024;

/// Builds and writes the `names` tables of `findings` side by side into `dir`, each in
/// batches of at most `TABLE_BATCH_ROWS` rows.
fn write_tables(dir: &Path, formats: Formats, findings: &Findings, names: &[&'static str]) -> anyhow::Result<()> {
    names.par_iter().try_for_each(|&name| {
        let mut writer = TableWriter::create(dir, name, formats)?;
        for_each_batch(findings, name, &mut |batch| writer.write(&batch))?;
        writer.finish(&empty_table(findings, name)).map(drop)
    })
}

/// Builds the table `name` of `findings` batch by batch, in table order.
fn for_each_batch(
    findings: &Findings,
    name: &str,
    write: &mut dyn FnMut(Batch) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let ips = &findings.ips;
    let chunks = ips.chunks(TABLE_BATCH_ROWS);
    match (name, &findings.origin) {
        ("ips", _) => chunks.map(ips_batch).try_for_each(write),
        ("sessions", _) => chunks.map(sessions_batch).try_for_each(write),
        ("attackers", Origin::Period(period)) => chunks.map(|c| attackers_batch(c, period)).try_for_each(write),
        ("servers", _) => {
            let fleet = fleet_of(findings).expect("a servers table only for a fleet");
            chunks.map(|c| servers_batch(c, fleet)).try_for_each(write)
        }
        // Sorted by day across every address: the rows first, then batches of them.
        ("daily", _) => daily_rows(ips.iter().map(|a| (a.ip.as_str(), &a.stats)))
            .chunks(TABLE_BATCH_ROWS)
            .map(daily_batch)
            .try_for_each(write),
        // One row per username or pattern: built whole.
        ("usernames", _) => write(usernames_batch(ips, &findings.policy)),
        ("patterns", _) => write(patterns_batch(&findings.suggestions)),
        ("campaigns", _) => write(campaigns_batch(&findings.campaigns)),
        _ => unreachable!("no table {name} for these findings"),
    }
}

/// The table `name` with its columns and no rows.
fn empty_table(findings: &Findings, name: &str) -> Batch {
    match (name, &findings.origin) {
        ("ips", _) => ips_batch(&[]),
        ("sessions", _) => sessions_batch(&[]),
        ("attackers", Origin::Period(period)) => attackers_batch(&[], period),
        ("servers", _) => servers_batch(&[], fleet_of(findings).expect("a servers table only for a fleet")),
        ("daily", _) => daily_batch(&[]),
        ("usernames", _) => usernames_batch(&[], &findings.policy),
        ("patterns", _) => patterns_batch(&[]),
        ("campaigns", _) => campaigns_batch(&[]),
        _ => unreachable!("no table {name} for these findings"),
    }
}
