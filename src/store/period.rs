//! A period of the store (whole UTC days) turned back into what a scan has at its
//! end: per-address statistics rebuilt from the `daily` rows and the suspicious
//! events (so `assess` and the scan's table builders apply unchanged), the period's
//! events, and what came before it (for new vs returning attackers).

use std::collections::BTreeMap;
use std::path::Path;

use polars::prelude::*;
use rayon::prelude::*;

use super::tables::{daily_rows, ints, read_day, read_day_columns, request_rows, suspicion_columns, suspicion_rows};
use super::tables::{texts, DayIp};
use super::Store;
use crate::aggregate::ip_stats::SuspiciousLine;
use crate::aggregate::recidive::BlockHistory;
use crate::aggregate::tally::EventTally;
use crate::aggregate::IpStats;
use crate::detect::policy::{Mode, Policy, Thresholds};
use crate::vocab::event::Category;
use crate::vocab::time::format_day;

/// Days `[first, last]`, UTC day numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Days {
    pub first: i32,
    pub last: i32,
}

impl Days {
    pub fn len(&self) -> i32 {
        self.last - self.first + 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() <= 0
    }

    /// The period of the same length just before this one.
    pub fn previous(&self) -> Days {
        Days { first: self.first - self.len(), last: self.first - 1 }
    }

    fn holds(&self, day: &str) -> bool {
        let d = super::tables::parse_day(day);
        d >= self.first && d <= self.last
    }
}

/// What the store holds for a period.
#[derive(Default)]
pub struct Period {
    pub ips: Vec<(String, IpStats)>,
    /// The period's suspicious events, in time order (the `events` table's columns).
    pub events: DataFrame,
    /// Per address: suspicious events per category over the period.
    pub by_ip: BTreeMap<String, DayIp>,
}

fn days_of(store: &Store, table: &str, days: Days) -> Vec<String> {
    store.manifest.tables.get(table).map(|t| t.keys().filter(|d| days.holds(d)).cloned().collect()).unwrap_or_default()
}

/// Per address, the `daily` rows of `days` added up.
pub fn daily_totals(dir: &Path, store: &Store, days: Days) -> anyhow::Result<BTreeMap<String, DayIp>> {
    let mut total: BTreeMap<String, DayIp> = BTreeMap::new();
    for day in days_of(store, "daily", days) {
        if let Some(df) = read_day(dir, &store.manifest, "daily", &day)? {
            for (ip, d) in daily_rows(&df)? {
                total.entry(ip).or_default().add(&d);
            }
        }
    }
    Ok(total)
}

/// Calls `f(day, address, row)` for every `daily` row of the days before `before` with
/// at least `min_suspicious` counted suspicious events, in day order; a row holds only
/// its suspicious counts (`tables::suspicion_rows`). Most rows are benign visitors':
/// only the columns of suspicion are read, and the rows below `min_suspicious` left out
/// before they become rows (on a busy site, decoding every column of every row was half
/// of a --history scan's read-back). The days are read side by side.
fn each_earlier_row(
    dir: &Path,
    store: &Store,
    before: i32,
    min_suspicious: u64,
    mut f: impl FnMut(i32, String, DayIp),
) -> anyhow::Result<()> {
    let all = Days { first: i32::MIN / 2, last: before - 1 };
    let columns = suspicion_columns();
    let days: Vec<Option<(i32, Vec<(String, DayIp)>)>> = days_of(store, "daily", all)
        .into_par_iter()
        .map(|day| {
            let Some(df) = read_day_columns(dir, &store.manifest, "daily", &day, &columns)? else {
                return Ok(None);
            };
            let wanted: BooleanChunked = ints(&df, "suspicious_events")?
                .into_iter()
                .map(|n| Some(u64::try_from(n.unwrap_or(0)).unwrap_or(0) >= min_suspicious))
                .collect();
            Ok(Some((super::tables::parse_day(&day), suspicion_rows(&df.filter(&wanted)?)?)))
        })
        .collect::<anyhow::Result<_>>()?;
    for (day, rows) in days.into_iter().flatten() {
        for (ip, row) in rows {
            f(day, ip, row);
        }
    }
    Ok(())
}

/// Per address, the days before `before` on which its own counted events of that day
/// made it `block`: at least `block_strikes` of them, one showing intent. (A day
/// judged alone: sneak attackers and campaigns span days, and are judged now.)
pub fn block_history(dir: &Path, store: &Store, thresholds: &Thresholds, before: i32) -> anyhow::Result<BlockHistory> {
    let mut history = BlockHistory::default();
    each_earlier_row(dir, store, before, thresholds.block_strikes, |day, ip, row| {
        let intent = Category::ALL.iter().any(|c| c.is_suspicious() && !c.is_noise() && row.by_category[c.index()] > 0);
        if intent && row.suspicious >= thresholds.block_strikes {
            history.add(&ip, day);
        }
    })?;
    Ok(history)
}

/// Per address, the first day it counted against itself (a suspicious event), over
/// the days before `before`.
pub fn first_suspicious_day(dir: &Path, store: &Store, before: i32) -> anyhow::Result<BTreeMap<String, i32>> {
    let mut first = BTreeMap::new();
    each_earlier_row(dir, store, before, 1, |day, ip, row| {
        if row.suspicious > 0 {
            first.entry(ip).or_insert(day);
        }
    })?;
    Ok(first)
}

/// Loads `days` of the store as a scan's end state, judging allowed-user failures
/// with `policy` (the report's allow-lists).
pub fn load(store: &Store, days: Days, policy: &Policy) -> anyhow::Result<Period> {
    let dir = store.dir.as_path();
    let mut stats: BTreeMap<String, IpStats> = BTreeMap::new();
    let mut by_ip: BTreeMap<String, DayIp> = BTreeMap::new();
    for day in days_of(store, "daily", days) {
        let day_no = super::tables::parse_day(&day);
        let Some(df) = read_day(dir, &store.manifest, "daily", &day)? else { continue };
        for (ip, d) in daily_rows(&df)? {
            let s = stats.entry(ip.clone()).or_default();
            s.events += d.events;
            for (a, b) in s.by_kind.iter_mut().zip(d.by_kind) {
                *a += b;
            }
            s.first_seen = s.first_seen.into_iter().chain(d.first).min();
            s.last_seen = s.last_seen.into_iter().chain(d.last).max();
            s.add_day(day_no, d.events);
            for (code, n) in &d.statuses {
                match s.statuses.iter_mut().find(|(c, _)| c == code) {
                    Some(e) => e.1 += n,
                    None => s.statuses.push((*code, *n)),
                }
            }
            by_ip.entry(ip).or_default().add(&d);
        }
    }
    let mut frames = Vec::new();
    for day in days_of(store, "events", days) {
        if let Some(df) = read_day(dir, &store.manifest, "events", &day)? {
            frames.push(df);
        }
    }
    let events = stack_events(frames)?;
    // The requests the behaviour rules read, judged with the report's rules.
    for day in days_of(store, "requests", days) {
        if let Some(df) = read_day(dir, &store.manifest, "requests", &day)? {
            for r in request_rows(&df)? {
                let s = stats.entry(r.ip).or_default();
                s.observe(Some(r.ts), r.method.as_bytes(), r.path.as_bytes(), r.status, &policy.behaviour);
            }
        }
    }
    // The suspicion of each address, replayed from its events exactly as the scan
    // recorded it (sessions, days, usernames, paths, user agents).
    let gap = policy.thresholds.session_gap_micros();
    if events.height() > 0 {
        let ip = texts(&events, "ip")?;
        let ts = ints(&events, "ts")?;
        let category = texts(&events, "category")?;
        let counts: Vec<Option<bool>> =
            events.column("counts_against_address")?.as_materialized_series().bool()?.iter().collect();
        let user = texts(&events, "user")?;
        let path = texts(&events, "path")?;
        let agent = texts(&events, "user_agent")?;
        for i in 0..events.height() {
            let Some(cat) = category[i].as_deref().and_then(Category::from_name) else { continue };
            let user = user[i].as_deref().unwrap_or_default();
            let line = SuspiciousLine {
                ts: ts[i],
                category: cat,
                weak: !counts[i].unwrap_or(false),
                allowed_user_failure: cat == Category::AuthBadPassword
                    && policy.mode != Mode::Ip
                    && policy.is_allowed_user(user.as_bytes()),
                user: user.as_bytes(),
                path: path[i].as_deref().unwrap_or_default().as_bytes(),
                user_agent: agent[i].as_deref().unwrap_or_default().as_bytes(),
            };
            stats.entry(ip[i].clone().unwrap_or_default()).or_default().record_suspicious(&line, gap);
        }
    }
    let mut ips: Vec<(String, IpStats)> = stats.into_iter().collect();
    for (_, s) in &mut ips {
        s.settle();
    }
    ips.sort_by(|a, b| b.1.events.cmp(&a.1.events).then_with(|| a.0.cmp(&b.0)));
    Ok(Period { ips, events, by_ip })
}

/// Events frames (days, or a fleet's servers) as one, in time order: rows of equal
/// time keep the frames' order. Days written before a column was added lack it: the
/// whole keeps the columns every frame has, in the first frame's order.
pub fn stack_events(mut frames: Vec<DataFrame>) -> anyhow::Result<DataFrame> {
    frames.retain(|f| f.width() > 0);
    if frames.is_empty() {
        return Ok(DataFrame::empty());
    }
    let names: Vec<_> = frames[0]
        .get_column_names()
        .into_iter()
        .filter(|n| frames.iter().all(|f| f.column(n.as_str()).is_ok()))
        .cloned()
        .collect();
    let mut all = frames.remove(0).select(names.iter().cloned())?;
    for f in frames {
        let aligned = f.select(names.iter().cloned())?;
        all.vstack_mut(&aligned)?;
    }
    Ok(all.sort(["ts"], SortMultipleOptions::default().with_maintain_order(true))?)
}

/// The report's tally of the period's events (`Period::events`): what `TallySink`
/// counted as the same events streamed to a scan's events table. The store keeps no
/// event without a time, so their usernames' tries are not in the split.
pub fn tally(events: &DataFrame) -> anyhow::Result<EventTally> {
    let mut tally = EventTally::default();
    if events.height() == 0 {
        return Ok(tally);
    }
    let ts = ints(events, "ts")?;
    let category = texts(events, "category")?;
    let counts: Vec<Option<bool>> =
        events.column("counts_against_address")?.as_materialized_series().bool()?.iter().collect();
    let user = texts(events, "user")?;
    for i in 0..events.height() {
        let Some(cat) = category[i].as_deref().and_then(Category::from_name) else { continue };
        tally.count_line(counts[i].unwrap_or(false), ts[i], cat, user[i].as_deref().unwrap_or_default());
    }
    Ok(tally)
}

/// `YYYY-MM-DD .. YYYY-MM-DD`.
pub fn describe(days: Days) -> String {
    format!("{} .. {}", format_day(days.first), format_day(days.last))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_previous_period_has_the_same_length_and_ends_just_before() {
        let week = Days { first: 100, last: 106 };
        assert_eq!(week.len(), 7);
        assert_eq!(week.previous(), Days { first: 93, last: 99 });
        assert!(week.holds("1970-04-11") && week.holds("1970-04-17") && !week.holds("1970-04-18"));
    }
}
