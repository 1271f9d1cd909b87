//! A period of the store as findings (`knocklog report`): its addresses assessed as a
//! scan's would be, its blocklist, and what the period before it and the days before
//! it held (new vs returning attackers, the change on the previous period). Loading a
//! store (`load`) and judging what was loaded (`judge`) are apart, so that a fleet's
//! stores are judged as one.

use std::collections::{BTreeMap, BTreeSet};

use super::period::{self, Days, Period};
use super::tables::{parse_day, DayIp};
use super::Store;
use crate::aggregate::assess::{assess, Assessment};
use crate::aggregate::blocklist::{self, BenignAddresses, BlocklistSettings};
use crate::aggregate::recidive::{self, BlockHistory, Cutoff};
use crate::detect::policy::Policy;
use crate::findings::{Change, Findings, Origin, PeriodFigures, PeriodOrigin, Provenance, SourceRead};
use crate::vocab::event::Category;
use crate::vocab::time::{format_day, format_ts};

/// What a store holds for a report of a period: the period itself and what came
/// before it. A fleet's servers each load theirs, merged into one (`fleet_report`).
#[derive(Default)]
pub struct Loaded {
    pub period: Period,
    /// Per address, the `daily` rows of the period before, added up.
    pub previous: BTreeMap<String, DayIp>,
    pub first_suspicious_day: BTreeMap<String, i32>,
    pub block_history: BlockHistory,
    /// Days of the period the store holds (in any table).
    pub days_held: BTreeSet<i32>,
    pub sources: Vec<SourceRead>,
}

/// Loads `days` of `store` and what came before them, judging allowed-user failures
/// with `policy`.
pub fn load(store: &Store, days: Days, policy: &Policy) -> anyhow::Result<Loaded> {
    let dir = store.dir.as_path();
    Ok(Loaded {
        period: period::load(store, days, policy)?,
        previous: period::daily_totals(dir, store, days.previous())?,
        first_suspicious_day: period::first_suspicious_day(dir, store, days.first)?,
        block_history: period::block_history(dir, store, &policy.thresholds, days.first)?,
        days_held: store.days().iter().map(|d| parse_day(d)).filter(|d| *d >= days.first && *d <= days.last).collect(),
        sources: sources(store),
    })
}

/// The findings of `days` of `store`, judged with `policy`; `generated` is when.
pub fn findings(
    store: &Store,
    days: Days,
    policy: &Policy,
    settings: &BlocklistSettings,
    generated: i64,
) -> anyhow::Result<Findings> {
    let loaded = load(store, days, policy)?;
    judge(loaded, &store.dir.display().to_string(), days, policy, settings, generated)
}

/// The findings of what `loaded` holds of `days` (from `store`, a directory as given):
/// its addresses assessed as a scan's would be, recidive and the blocklist.
pub fn judge(
    loaded: Loaded,
    store: &str,
    days: Days,
    policy: &Policy,
    settings: &BlocklistSettings,
    generated: i64,
) -> anyhow::Result<Findings> {
    let Loaded { period, previous, first_suspicious_day, block_history, days_held, sources } = loaded;
    let previous_days = days.previous();
    let tally = period::tally(&period.events)?;
    let lines: u64 = period.ips.iter().map(|(_, s)| s.events).sum();
    // Addresses with traffic in the period that did not count against them: a
    // proposed range must not cover them (the period's, as a scan of its logs would).
    let benign = BenignAddresses::collect(&period.ips, Vec::new());
    let Assessment { mut ips, campaigns } = assess(period.ips, policy, false);
    recidive::apply(&mut ips, &block_history, Cutoff::Day(days.first));
    let blocklist = blocklist::build(&ips, &benign, &policy.allow_ips, settings);

    let attackers = ips.iter().filter(|a| a.is_suspect());
    let (attackers_now, events_now) = attackers.fold((0, 0), |(n, e), a| (n + 1, e + a.stats.suspicious_events()));
    let category_sum = |m: &BTreeMap<String, DayIp>, c: Category| m.values().map(|d| d.by_category[c.index()]).sum();
    let by_category = Category::ALL
        .into_iter()
        .filter(|c| c.is_suspicious())
        .map(|c| (c, Change { this: category_sum(&period.by_ip, c), previous: category_sum(&previous, c) }))
        .collect();
    let first_ts = ips.iter().filter_map(|a| a.stats.first_seen).min();
    let last_ts = ips.iter().filter_map(|a| a.stats.last_seen).max();
    let figures = PeriodFigures {
        store: store.to_owned(),
        days: (days.first, days.last),
        previous_days: (previous_days.first, previous_days.last),
        days_held: days_held.len(),
        lines,
        sources,
        attackers: Change {
            this: attackers_now,
            previous: previous.values().filter(|d| d.suspicious > 0).count() as u64,
        },
        suspicious_events: Change { this: events_now, previous: previous.values().map(|d| d.suspicious).sum() },
        by_category,
    };
    let origin = PeriodOrigin {
        figures,
        previous_events: previous.iter().map(|(ip, d)| (ip.clone(), d.suspicious)).collect(),
        first_suspicious_day,
        events: period.events,
        fleet: None,
    };
    Ok(Findings {
        origin: Origin::Period(Box::new(origin)),
        ips,
        campaigns,
        policy: policy.clone(),
        tally,
        suggestions: Vec::new(),
        attackers: 0,
        learn_overflow: 0,
        blocklist,
        blocklist_settings: settings.clone(),
        provenance: Provenance {
            generated,
            first_ts: first_ts.map(format_ts).or_else(|| Some(format_day(days.first))),
            last_ts: last_ts.map(format_ts).or_else(|| Some(format_day(days.last))),
        },
        enriched: Default::default(),
        label_sources: Vec::new(),
        crawler_checks: Default::default(),
        host: None,
        dns: None,
    })
}

/// The store's source files, with the times of the runs that first and last read them.
fn sources(store: &Store) -> Vec<SourceRead> {
    let runs: BTreeMap<u64, &str> = store.manifest.runs.iter().map(|r| (r.id, r.at.as_str())).collect();
    let at = |run: u64| runs.get(&run).map_or_else(|| format!("run {run}"), |s| (*s).to_owned());
    store
        .manifest
        .sources
        .iter()
        .map(|s| SourceRead {
            server: None,
            path: s.path.clone(),
            lines: s.lines,
            bytes: s.bytes,
            first_read: at(s.first_run),
            last_read: at(s.last_run),
        })
        .collect()
}
