//! Writing findings whole: every table, the blocklists, report.html, the summary
//! (summary.json for a scan, report.json for a store period), suggested-patterns.txt
//! and the terminal summary, the files side by side on the current rayon pool.

use std::path::PathBuf;

use anyhow::Context;
use rayon::prelude::*;

use super::blocklist::{write_all as write_blocklist, BlocklistSummary};
use super::report::{self, HistoryView, ReportData};
use super::summary::Summary;
use super::table::Batch;
use super::tables::usernames_batch;
use super::tables::{attackers_batch, daily_batch, events_batch, ips_batch, patterns_batch, sessions_batch};
use super::writer::{PendingTable, TableWriter};
use super::{frame, terminal, Formats};
use crate::findings::{Findings, Origin, PeriodOrigin, ScanOrigin};
use crate::vocab::files::write_atomic;

/// Where and how findings are written.
#[derive(Clone, Debug)]
pub struct OutputSettings {
    pub dir: PathBuf,
    pub formats: Formats,
    /// Also write report-fragment.html.
    pub html_fragment: bool,
    /// Print nothing on stdout.
    pub quiet: bool,
}

/// Writes `findings` into `settings.dir` and tells the terminal. A scan streams its
/// events table while it reads: `events` is that table, finished here beside the rest.
/// Returns how many input problems were reported on stderr (exit code 2).
pub fn write(findings: &Findings, settings: &OutputSettings, events: Option<PendingTable>) -> anyhow::Result<usize> {
    std::fs::create_dir_all(&settings.dir)
        .with_context(|| format!("creating output directory {}", settings.dir.display()))?;
    match &findings.origin {
        Origin::Scan(scan) => write_scan(findings, scan, settings, events),
        Origin::Period(period) => write_period(findings, period, settings).map(|()| 0),
    }
}

fn write_scan(
    findings: &Findings,
    scan: &ScanOrigin,
    settings: &OutputSettings,
    events: Option<PendingTable>,
) -> anyhow::Result<usize> {
    let dir = &settings.dir;
    let suggested = crate::learn::file::render(&findings.suggestions, findings.attackers);
    write_atomic(&dir.join(crate::learn::SUGGESTIONS_FILE), suggested.as_bytes())?;
    let ips = &findings.ips;
    let report = || {
        let data = ReportData::from_scan(&scan.files, ips, &findings.tally, &findings.policy)
            .with_blocklist(&findings.blocklist.entries)
            .with_suggestions(&findings.suggestions);
        let data = match &findings.dns {
            Some(names) => data.with_dns(names),
            None => data,
        };
        report::write_reports(dir, &data, settings.html_fragment)
    };
    let (written_tables, pages) = rayon::join(
        || write_tables(settings, findings, &SCAN_TABLES),
        || {
            write_blocklist(dir, &findings.blocklist, &findings.blocklist_settings, &findings.provenance)
                .and_then(|()| report())
        },
    );
    written_tables?;
    let mut written = pages?;
    let events_written = match events {
        Some(pending) => pending.finish()?,
        None => 0,
    };
    let mut summary = Summary::new(&scan.files, &scan.skipped, ips.len(), events_written);
    summary.blocklist = Some(BlocklistSummary::new(&findings.blocklist, &findings.blocklist_settings));
    let json = serde_json::to_vec_pretty(&summary).context("encoding summary.json")?;
    write_atomic(&dir.join("summary.json"), &json)?;

    let problems = terminal::report_file_problems(&scan.files);
    if !settings.quiet {
        written.extend(terminal::tables_written(dir, settings.formats));
        terminal::print_summary(&summary, ips, scan.elapsed, dir, &written)?;
        terminal::print_suggestions_note(&findings.suggestions, dir)?;
    }
    Ok(problems)
}

fn write_period(findings: &Findings, period: &PeriodOrigin, settings: &OutputSettings) -> anyhow::Result<()> {
    let dir = &settings.dir;
    let ips = &findings.ips;
    write_tables(settings, findings, &PERIOD_TABLES)?;
    let mut events = if period.events.height() > 0 {
        period.events.clone()
    } else {
        super::parquet_out::to_dataframe(&events_batch(&[], &[], &[]))?
    };
    if settings.formats.parquet {
        frame::write_file(&dir.join("events.parquet"), &mut events)?;
    }
    if settings.formats.csv {
        frame::write_file(&dir.join("events.csv"), &mut events)?;
    }
    let mut summary = super::summary::period_json(findings, period);
    summary["blocklist"] =
        serde_json::to_value(BlocklistSummary::new(&findings.blocklist, &findings.blocklist_settings))?;
    write_atomic(&dir.join("report.json"), &serde_json::to_vec_pretty(&summary)?)?;
    write_blocklist(dir, &findings.blocklist, &findings.blocklist_settings, &findings.provenance)?;

    let attackers: Vec<_> = findings.suspicious().collect();
    let view = HistoryView::of(period, &attackers);
    let data = ReportData::from_history(ips, &findings.tally, &findings.policy, view)
        .with_blocklist(&findings.blocklist.entries);
    let written = report::write_reports(dir, &data, settings.html_fragment)?;
    if !settings.quiet {
        terminal::print_period_summary(findings, period, dir, &written)?;
    }
    Ok(())
}

/// The tables a scan writes besides `events` (which it streams while it reads), in
/// the order the terminal names them.
pub const SCAN_TABLES: [&str; 5] = ["ips", "sessions", "usernames", "daily", "patterns"];

/// The tables a store period's report writes besides `events`.
pub const PERIOD_TABLES: [&str; 5] = ["ips", "daily", "sessions", "usernames", "attackers"];

/// Builds and writes the `names` tables of `findings` side by side.
fn write_tables(settings: &OutputSettings, findings: &Findings, names: &[&'static str]) -> anyhow::Result<()> {
    names.par_iter().try_for_each(|&name| {
        TableWriter::write_table(&settings.dir, name, settings.formats, &table(findings, name)).map(drop)
    })
}

/// The table `name` of `findings`.
fn table(findings: &Findings, name: &str) -> Batch {
    let ips = &findings.ips;
    match (name, &findings.origin) {
        ("ips", _) => ips_batch(ips),
        ("daily", _) => daily_batch(ips),
        ("sessions", _) => sessions_batch(ips),
        ("usernames", _) => usernames_batch(ips, &findings.policy),
        ("patterns", _) => patterns_batch(&findings.suggestions),
        ("attackers", Origin::Period(period)) => attackers_batch(ips, period),
        _ => unreachable!("no table {name} for these findings"),
    }
}
