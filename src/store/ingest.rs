//! One `scan --history` run: the ledger plan (what to read of each file), a sink that
//! sees every event on its way to the --out tables (the workers count the lines that
//! become none, see `aggregate::history_lines`), and the commit that merges the new
//! rows into the day partitions they belong to.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::Context;
use rustc_hash::FxHashMap;

use super::ledger::{self, Plan};
use super::tables::{self, DayIp};
use super::{Manifest, Run, Store};
use crate::aggregate::history_lines::{HistoryLines, RequestRow};
use crate::aggregate::sessions::Session;
use crate::aggregate::FileStats;
use crate::input::LogFile;
use crate::pipeline::ReadSpan;
use crate::vocab::event::Category;
use crate::vocab::event::Event;
use crate::vocab::event::EventSink;
use crate::vocab::event::TextField;
use crate::vocab::time::{day_of, format_day, format_ts, MICROS_PER_SEC};

/// What a run reads and collects for the store.
pub struct HistoryRun {
    store: Store,
    plan: Plan,
    /// What to read of each file (the plan's spans).
    spans: Vec<ReadSpan>,
    session_gap: i64,
}

/// What the run added, for the user.
#[derive(Debug, Default)]
pub struct Added {
    pub lines: u64,
    pub events: u64,
    pub days: usize,
    pub notes: Vec<String>,
    /// Files left out of the store this time (exit code 2).
    pub dropped: Vec<String>,
}

impl HistoryRun {
    /// Opens (or creates) the store and plans the run: which part of each file is new.
    pub fn begin(dir: &Path, files: &[LogFile], session_gap: i64) -> anyhow::Result<HistoryRun> {
        let store = Store::open(dir, true)?;
        let plan = ledger::plan(files, &store.manifest.sources);
        Ok(HistoryRun { store, spans: plan.spans(), plan, session_gap })
    }

    pub fn spans(&self) -> &[ReadSpan] {
        &self.spans
    }

    /// Merges what the scan collected into the store and commits.
    pub fn commit(
        mut self,
        files: &[LogFile],
        stats: &[FileStats],
        collected: Collected,
        lines: HistoryLines,
        source_files: &[String],
        rules: &[(String, Category)],
    ) -> anyhow::Result<Added> {
        let (trusted, dropped) = self.plan.verify(files, stats);
        let mut added = Added { notes: std::mem::take(&mut self.plan.notes), dropped, ..Default::default() };
        let run = self.store.manifest.runs.iter().map(|r| r.id).max().unwrap_or(0) + 1;
        let Collected { daily, events, untimed, mut requests } = collected;
        let HistoryLines { names, rows, requests: line_requests, untimed: line_untimed } = lines;
        let untimed = untimed + line_untimed;
        requests.extend(line_requests);

        let mut new_daily: BTreeMap<i32, BTreeMap<String, DayIp>> = BTreeMap::new();
        for ((file, day, ip), d) in daily {
            if trusted[file as usize] {
                new_daily.entry(day).or_default().entry(ip).or_default().add(&d);
            }
        }
        for row in rows.into_iter().filter(|r| trusted[r.file as usize]) {
            let day = new_daily.entry(row.day).or_default();
            let name = &names[row.name as usize];
            let counts = match day.get_mut(name) {
                Some(counts) => counts,
                None => day.entry(name.clone()).or_default(),
            };
            counts.add_lines(row.kind, row.status, row.lines);
        }
        let mut new_events: BTreeMap<i32, Vec<Event>> = BTreeMap::new();
        let mut sessions: BTreeMap<String, Vec<Session>> = BTreeMap::new();
        for e in events.into_iter().filter(|e| trusted[e.file as usize]) {
            let Some(ts) = e.ts else { continue };
            if e.counts {
                let s = Session { start: ts, end: ts, events: 1, categories: 1 << e.category.index() };
                crate::aggregate::sessions::insert(sessions.entry(e.ip().to_owned()).or_default(), s, self.session_gap);
            }
            new_events.entry(day_of(ts)).or_default().push(e);
        }
        added.events = new_events.values().map(|v| v.len() as u64).sum();
        added.lines = files.iter().enumerate().filter(|(i, _)| trusted[*i]).map(|(i, _)| stats[i].counts.lines).sum();

        let mut next = self.store.manifest.clone();
        self.plan.advance(files, stats, &trusted, &mut next.sources, run);
        let dir = self.store.dir.clone();
        let mut touched: BTreeSet<i32> = BTreeSet::new();
        let put = |next: &mut Manifest, table: &str, day: i32, df: &mut polars::prelude::DataFrame| {
            let day = format_day(day);
            let pending = Store::pending_path(table, &day, run);
            let bytes = tables::write_parquet(&dir.join(&pending), df)?;
            let rows = df.height() as u64;
            next.tables.entry(table.to_owned()).or_default().insert(day.clone(), super::DayFile { rows, bytes, run });
            next.renames.push((pending, Store::day_path(table, &day)));
            anyhow::Ok(())
        };
        for (day, rows) in new_daily {
            touched.insert(day);
            let old = tables::read_day(&dir, &self.store.manifest, "daily", &format_day(day))?;
            let mut df = tables::merge_daily(old, rows)?;
            put(&mut next, "daily", day, &mut df)?;
        }
        for (day, evs) in new_events {
            touched.insert(day);
            let old = tables::read_day(&dir, &self.store.manifest, "events", &format_day(day))?;
            let mut df = tables::merge_events(old, evs, source_files, rules)?;
            put(&mut next, "events", day, &mut df)?;
        }
        let mut new_requests: BTreeMap<i32, Vec<RequestRow>> = BTreeMap::new();
        for r in requests.into_iter().filter(|r| trusted[r.file as usize]) {
            new_requests.entry(day_of(r.ts)).or_default().push(r);
        }
        for (day, mut rows) in new_requests {
            touched.insert(day);
            RequestRow::sort(&mut rows);
            let old = tables::read_day(&dir, &self.store.manifest, "requests", &format_day(day))?;
            let mut df = tables::merge_requests(old, &rows)?;
            put(&mut next, "requests", day, &mut df)?;
        }
        if !sessions.is_empty() {
            for (day, mut df) in tables::merge_sessions(&dir, &self.store.manifest, sessions, self.session_gap)? {
                put(&mut next, "sessions", day, &mut df)?;
            }
        }
        added.days = touched.len();
        if added.lines > 0 || next.sources != self.store.manifest.sources {
            next.runs.push(Run {
                id: run,
                at: {
                    let now = crate::vocab::time::now_micros();
                    format_ts(now - now.rem_euclid(MICROS_PER_SEC))
                },
                lines: added.lines,
                events: added.events,
                untimed,
                session_gap_s: self.session_gap / MICROS_PER_SEC,
            });
            // The pending files are durable before the manifest names them.
            for table in super::TABLES {
                if let Ok(days) = std::fs::read_dir(dir.join(table)) {
                    for d in days.flatten() {
                        super::sync_dir(&d.path())?;
                    }
                }
            }
            self.store.commit(next).context("committing the history store")?;
        }
        Ok(added)
    }
}

/// What the sink gathered of the events it saw: per (file, day, address) counts, the
/// suspicious events, the requests the behaviour rules read, and events without a
/// usable time.
#[derive(Default)]
pub struct Collected {
    daily: FxHashMap<(u32, i32, String), DayIp>,
    events: Vec<Event>,
    untimed: u64,
    requests: Vec<RequestRow>,
}

/// Passes the events the --out tables want on to them (the suspicious ones, or all with
/// --all-events) and collects what the store needs of every event.
pub struct HistorySink<W> {
    out: W,
    all_events: bool,
    /// False without --history: events pass straight through, and nothing is kept
    /// (a plain scan must not hold a copy of every suspicious event).
    collect: bool,
    pub collected: Collected,
}

impl<W> HistorySink<W> {
    pub fn new(out: W, all_events: bool, collect: bool) -> Self {
        HistorySink { out, all_events, collect, collected: Collected::default() }
    }

    pub fn into_parts(self) -> (W, Collected) {
        (self.out, self.collected)
    }
}

impl<W: EventSink> EventSink for HistorySink<W> {
    fn write(&mut self, events: Vec<Event>) -> anyhow::Result<()> {
        if !self.collect {
            return self.out.write(events);
        }
        let c = &mut self.collected;
        for e in &events {
            let Some(ts) = e.ts else {
                c.untimed += 1;
                continue;
            };
            let key = (e.file, day_of(ts), e.ip().to_owned());
            c.daily.entry(key).or_default().record(e);
            if e.category.is_suspicious() {
                c.events.push(e.clone());
            }
            let method = e.text(TextField::Method);
            if RequestRow::wanted(e.log_kind, method.as_bytes(), e.status) && !e.ip().is_empty() {
                c.requests.push(RequestRow::new(e.file, ts, e.ip().to_owned(), method.to_owned(), e.path(), e.status));
            }
        }
        let kept: Vec<Event> =
            if self.all_events { events } else { events.into_iter().filter(|e| e.category.is_suspicious()).collect() };
        if kept.is_empty() {
            Ok(())
        } else {
            self.out.write(kept)
        }
    }
}
