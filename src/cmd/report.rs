//! `knocklog report --history DIR --since 7d --out DIR`: the weekly report from a
//! history store alone (no logs): the scan's tables for the period, plus new vs
//! returning attackers and the change against the previous period of the same length.

use std::io::Write;

use anyhow::Context;
use serde_json::json;

use super::{EXIT_OK, EXIT_SKIPPED};
use crate::aggregate::blocklist::{self, BenignAddresses, BlocklistSettings};
use crate::cli::ReportArgs;
use crate::config::{DetectConfig, UsageError};
use crate::detect::assess::{assess, Assessed};
use crate::detect::policy::Verdict;
use crate::output::blocklist::{write_all as write_blocklist, BlocklistSummary, Provenance};
use crate::output::parquet_out::to_dataframe;
use crate::output::report::{self, AttackerRow, Change, HistoryView, ReportData, SourceRow};
use crate::output::table::{Batch, BatchBuilder};
use crate::output::tables::{daily_batch, events_batch, ips_batch, sessions_batch, usernames_batch};
use crate::output::writer::TableWriter;
use crate::output::{write_atomic, Formats};
use crate::query::render;
use crate::store::period::{self, Days};
use crate::store::Store;
use crate::vocab::event::Category;
use crate::vocab::text::for_terminal;
use crate::vocab::time::{day_of, format_day, format_ts, parse_when};

pub fn run(args: &ReportArgs) -> anyhow::Result<u8> {
    let detect = DetectConfig::from_args(&args.detect)?;
    let policy = detect.policy;
    let now = crate::vocab::time::now_micros();
    let when = |flag: &str, s: &str| {
        parse_when(s, now)
            .ok_or_else(|| UsageError(format!("{flag} {s:?}: expected a date (2026-01-05), a time or an age (7d, 2w)")))
    };
    let since = when("--since", &args.since)?;
    let until = args.until.as_deref().map(|u| when("--until", u)).transpose()?.unwrap_or(now);
    if since >= until {
        return Err(UsageError("--since must be before --until".into()).into());
    }
    // Whole UTC days: the store keeps days, not hours.
    let days = Days { first: day_of(since), last: day_of(until - 1) };
    let store = Store::open(&args.history, false)?;
    let dir = store.dir.clone();
    let formats = Formats::from(args.format);
    std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;

    let period = period::load(&store, days, &policy)?;
    let previous_days = days.previous();
    let previous = period::daily_totals(&dir, &store, previous_days)?;
    let first_seen = period::first_suspicious_day(&dir, &store, days.first)?;
    let held = store
        .days()
        .iter()
        .filter(|d| {
            let d = crate::store::tables::parse_day(d);
            d >= days.first && d <= days.last
        })
        .count();

    // The store's sources stand for the scanned paths: logs it read under /var/log
    // make this machine's addresses own addresses, as in a scan of them.
    let source_paths: Vec<std::path::PathBuf> = store.manifest.sources.iter().map(|s| s.path.clone().into()).collect();
    let settings = BlocklistSettings::resolve(&args.blocklist, &detect.blocklist, &source_paths)?;
    let tally = period::tally(&period.events)?;
    let lines: u64 = period.ips.iter().map(|(_, s)| s.events).sum();
    // Addresses with traffic in the period that did not count against them: a
    // proposed range must not cover them (the period's, as a scan of its logs would).
    let benign = BenignAddresses::collect(&period.ips);
    let ips = assess(period.ips, &policy, false);
    let blocklist = blocklist::build(&ips, &benign, &policy.allow_ips, &settings);
    for (name, batch) in [
        ("ips", ips_batch(&ips)),
        ("daily", daily_batch(&ips)),
        ("sessions", sessions_batch(&ips)),
        ("usernames", usernames_batch(&ips, &policy)),
        ("attackers", attackers_batch(&ips, &previous, &first_seen)),
    ] {
        TableWriter::write_table(&args.out, name, formats, &batch)?;
    }
    let mut events =
        if period.events.height() > 0 { period.events } else { to_dataframe(&events_batch(&[], &[], &[]))? };
    if formats.parquet {
        render::write_file(&args.out.join("events.parquet"), &mut events)?;
    }
    if formats.csv {
        render::write_file(&args.out.join("events.csv"), &mut events)?;
    }

    let attackers: Vec<&Assessed> = ips.iter().filter(|a| a.stats.suspicious_events() > 0).collect();
    let returning = attackers.iter().filter(|a| first_seen.contains_key(&a.ip)).count();
    let this_events: u64 = attackers.iter().map(|a| a.stats.suspicious_events()).sum();
    let prev_attackers = previous.values().filter(|d| d.suspicious > 0).count();
    let prev_events: u64 = previous.values().map(|d| d.suspicious).sum();
    let by_category: serde_json::Map<String, serde_json::Value> = Category::ALL
        .iter()
        .filter(|c| c.is_suspicious())
        .map(|c| {
            let this: u64 = period.by_ip.values().map(|d| d.by_category[c.index()]).sum();
            let prev: u64 = previous.values().map(|d| d.by_category[c.index()]).sum();
            (c.as_str().to_owned(), json!({ "this": this, "previous": prev }))
        })
        .collect();
    let count = |v: Verdict| ips.iter().filter(|a| a.verdict == v).count();
    let mut summary = json!({
        "period": { "first_day": format_day(days.first), "last_day": format_day(days.last), "days_held": held },
        "previous": { "first_day": format_day(previous_days.first), "last_day": format_day(previous_days.last) },
        "attackers": { "this": attackers.len(), "previous": prev_attackers, "new": attackers.len() - returning, "returning": returning },
        "suspicious_events": { "this": this_events, "previous": prev_events },
        "verdicts": { "block": count(Verdict::Block), "watch": count(Verdict::Watch), "sneak": ips.iter().filter(|a| a.sneak).count() },
        "by_category": by_category,
    });
    summary["blocklist"] = serde_json::to_value(BlocklistSummary::new(&blocklist, &settings))?;
    write_atomic(&args.out.join("report.json"), &serde_json::to_vec_pretty(&summary)?)?;
    let first_ts = ips.iter().filter_map(|a| a.stats.first_seen).min();
    let last_ts = ips.iter().filter_map(|a| a.stats.last_seen).max();
    let provenance = Provenance {
        generated: now,
        first_ts: first_ts.map(format_ts).or_else(|| Some(format_day(days.first))),
        last_ts: last_ts.map(format_ts).or_else(|| Some(format_day(days.last))),
    };
    write_blocklist(&args.out, &blocklist, &settings, &provenance)?;

    let runs: std::collections::BTreeMap<u64, &str> =
        store.manifest.runs.iter().map(|r| (r.id, r.at.as_str())).collect();
    let at = |run: u64| runs.get(&run).map_or_else(|| format!("run {run}"), |s| (*s).to_owned());
    let view = HistoryView {
        store: dir.display().to_string(),
        days: (days.first, days.last),
        previous_days: (previous_days.first, previous_days.last),
        days_held: held,
        lines,
        sources: store
            .manifest
            .sources
            .iter()
            .map(|s| SourceRow {
                path: s.path.clone(),
                lines: s.lines,
                bytes: s.bytes,
                first_read: at(s.first_run),
                last_read: at(s.last_run),
            })
            .collect(),
        attackers: Change { this: attackers.len() as u64, previous: prev_attackers as u64 },
        suspicious_events: Change { this: this_events, previous: prev_events },
        by_category: Category::ALL
            .iter()
            .filter(|c| c.is_suspicious())
            .map(|c| {
                let n = |m: &std::collections::BTreeMap<String, crate::store::tables::DayIp>| {
                    m.values().map(|d| d.by_category[c.index()]).sum()
                };
                (*c, Change { this: n(&period.by_ip), previous: n(&previous) })
            })
            .collect(),
        ..HistoryView::default()
    }
    .with_attackers(
        attackers
            .iter()
            .map(|a| {
                AttackerRow::of(a, first_seen.get(&a.ip).copied(), previous.get(&a.ip).map_or(0, |d| d.suspicious))
            })
            .collect(),
    );
    let html = ReportData::from_history(&ips, &tally, &policy, view).with_blocklist(&blocklist.entries);
    let written = report::write_reports(&args.out, &html, args.html_fragment)?;

    if !args.quiet {
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "Report {} ({} of {} days held), against {}.",
            period::describe(days),
            held,
            days.len(),
            period::describe(previous_days)
        )?;
        writeln!(
            out,
            "{} attackers ({}), {} new and {} returning; {} suspicious events ({}).",
            attackers.len(),
            change(attackers.len() as u64, prev_attackers as u64),
            attackers.len() - returning,
            returning,
            this_events,
            change(this_events, prev_events)
        )?;
        writeln!(
            out,
            "{} to block ({} sneak attackers), {} to watch; blocklist: {} entries.",
            count(Verdict::Block),
            ips.iter().filter(|a| a.sneak).count(),
            count(Verdict::Watch),
            blocklist.entries.len(),
        )?;
        for p in &written {
            writeln!(out, "Report: {}", for_terminal(&p.display().to_string()))?;
        }
        writeln!(
            out,
            "Tables: ips, daily, sessions, usernames, attackers, events, blocklist files and report.json in {}",
            for_terminal(&args.out.display().to_string())
        )?;
    }
    if held == 0 {
        eprintln!(
            "knocklog: {}: the store holds no day of {}",
            for_terminal(&dir.display().to_string()),
            period::describe(days)
        );
        return Ok(EXIT_SKIPPED);
    }
    Ok(EXIT_OK)
}

/// `+25%`, `-10%`, `new` against the previous period.
fn change(this: u64, previous: u64) -> String {
    match previous {
        0 if this == 0 => "no change".into(),
        0 => "none the period before".into(),
        p => format!("{:+.0}% on the period before", (this as f64 - p as f64) * 100.0 / p as f64),
    }
}

/// `attackers`: one row per address with a suspicious event in the period: new or
/// returning (suspicious on some day before the period), and its events then and in the
/// previous period.
fn attackers_batch(
    ips: &[Assessed],
    previous: &std::collections::BTreeMap<String, crate::store::tables::DayIp>,
    first_seen: &std::collections::BTreeMap<String, i32>,
) -> Batch {
    let rows: Vec<&Assessed> = ips.iter().filter(|a| a.stats.suspicious_events() > 0).collect();
    BatchBuilder::new()
        .text("ip", rows.iter().map(|a| Some(a.ip.clone())))
        .category("verdict", rows.iter().map(|a| Some(a.verdict.as_str().to_owned())))
        .float("score", rows.iter().map(|a| Some(a.score)))
        .boolean("sneak", rows.iter().map(|a| Some(a.sneak)))
        .category(
            "status",
            rows.iter().map(|a| Some(if first_seen.contains_key(&a.ip) { "returning" } else { "new" }.to_owned())),
        )
        .text("first_suspicious_day", rows.iter().map(|a| first_seen.get(&a.ip).map(|d| format_day(*d))))
        .int("suspicious_events", rows.iter().map(|a| Some(a.stats.suspicious_events() as i64)))
        .int("previous_events", rows.iter().map(|a| Some(previous.get(&a.ip).map_or(0, |d| d.suspicious) as i64)))
        .build()
}
