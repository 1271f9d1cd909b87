//! `knocklog report --history DIR --since 7d --out DIR`: the weekly report from a
//! history store alone (no logs): the scan's tables for the period, plus new vs
//! returning attackers and the change against the previous period of the same length.

use std::io::Write;

use anyhow::Context;
use serde_json::json;

use super::{EXIT_OK, EXIT_SKIPPED};
use crate::cli::{OutputFormat, ReportArgs};
use crate::config::{DetectConfig, UsageError};
use crate::detect::assess::{assess, Assessed};
use crate::detect::policy::Verdict;
use crate::detect::Category;
use crate::output::parquet_out::to_dataframe;
use crate::output::table::{Batch, BatchBuilder};
use crate::output::tables::{daily_batch, events_batch, ips_batch, sessions_batch, usernames_batch};
use crate::output::writer::TableWriter;
use crate::output::{write_atomic, Formats};
use crate::query::render;
use crate::store::period::{self, Days};
use crate::store::Store;
use crate::text::for_terminal;
use crate::time::{day_of, format_day, parse_when};

pub fn run(args: &ReportArgs) -> anyhow::Result<u8> {
    let policy = DetectConfig::from_args(&args.detect)?.policy;
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_micros() as i64).unwrap_or(0);
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
    let formats = match args.format {
        OutputFormat::Csv => Formats { csv: true, parquet: false },
        OutputFormat::Parquet => Formats { csv: false, parquet: true },
        OutputFormat::Both => Formats { csv: true, parquet: true },
    };
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

    let ips = assess(period.ips, &policy, false);
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
        if period.events.height() > 0 { period.events } else { to_dataframe(&events_batch(Vec::new(), &[], &[]))? };
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
    let summary = json!({
        "period": { "first_day": format_day(days.first), "last_day": format_day(days.last), "days_held": held },
        "previous": { "first_day": format_day(previous_days.first), "last_day": format_day(previous_days.last) },
        "attackers": { "this": attackers.len(), "previous": prev_attackers, "new": attackers.len() - returning, "returning": returning },
        "suspicious_events": { "this": this_events, "previous": prev_events },
        "verdicts": { "block": count(Verdict::Block), "watch": count(Verdict::Watch), "sneak": ips.iter().filter(|a| a.sneak).count() },
        "by_category": by_category,
    });
    write_atomic(&args.out.join("report.json"), &serde_json::to_vec_pretty(&summary)?)?;

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
            "{} to block ({} sneak attackers), {} to watch; tables in {}.",
            count(Verdict::Block),
            ips.iter().filter(|a| a.sneak).count(),
            count(Verdict::Watch),
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
