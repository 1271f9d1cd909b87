//! One `scan --history` run: the ledger plan (what to read of each file), a sink that
//! sees every event on its way to the --out tables (the workers count the lines that
//! become none, see `aggregate::history_lines`), and the commit that merges the new
//! rows into the day partitions they belong to.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::Context;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::ledger::{self, Plan};
use super::tables::{self, DayIp};
use super::{Run, Store};
use crate::aggregate::history_lines::{DayRow, HistoryLines, Names, RequestRow};
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
        let HistoryLines { names, days: line_days, requests: line_requests, untimed: line_untimed } = lines;
        let untimed = untimed + line_untimed;
        requests.extend(line_requests);

        let mut new_daily: BTreeMap<i32, NewDaily> = BTreeMap::new();
        for ((file, day, ip), d) in daily {
            if trusted[file as usize] {
                new_daily.entry(day).or_default().from_events.push((ip, d));
            }
        }
        for (day, mut rows) in line_days {
            rows.retain(|r| trusted[r.file as usize]);
            if !rows.is_empty() {
                new_daily.entry(day).or_default().lines = rows;
            }
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
        let mut new_requests: BTreeMap<i32, Vec<RequestRow>> = BTreeMap::new();
        for r in requests.into_iter().filter(|r| trusted[r.file as usize]) {
            new_requests.entry(day_of(r.ts)).or_default().push(r);
        }
        added.events = new_events.values().map(|v| v.len() as u64).sum();
        added.lines = files.iter().enumerate().filter(|(i, _)| trusted[*i]).map(|(i, _)| stats[i].counts.lines).sum();

        let mut touched: BTreeSet<i32> = BTreeSet::new();
        let mut jobs: Vec<(&str, i32, DayJob)> = Vec::new();
        jobs.extend(new_daily.into_iter().map(|(day, d)| ("daily", day, DayJob::Daily(d))));
        jobs.extend(new_events.into_iter().map(|(day, e)| ("events", day, DayJob::Events(e))));
        jobs.extend(new_requests.into_iter().map(|(day, r)| ("requests", day, DayJob::Requests(r))));
        touched.extend(jobs.iter().map(|(_, day, _)| *day));

        // Every day file is read, merged and written on its own: in parallel, sessions
        // (merged across days) beside them. One job a piece: rayon's default pieces were
        // a quarter of the jobs each, so one thread wrote six of a busy site's eight
        // `daily` days (a third of a second each) while the other wrote the small ones.
        let (dir, old) = (&self.store.dir, &self.store.manifest);
        let write = |table: &str, day: i32, df: &mut polars::prelude::DataFrame| {
            let day = format_day(day);
            let pending = Store::pending_path(table, &day, run);
            let bytes = tables::write_parquet(&dir.join(&pending), df)?;
            let file = super::DayFile { rows: df.height() as u64, bytes, run };
            anyhow::Ok(Written { table: table.to_owned(), rename: (pending, Store::day_path(table, &day)), day, file })
        };
        let (days, session_days) = rayon::join(
            || {
                jobs.into_par_iter()
                    .with_max_len(1)
                    .map(|(table, day, job)| {
                        let stored = tables::read_day(dir, old, table, &format_day(day))?;
                        let mut df = match job {
                            DayJob::Daily(mut d) => {
                                let (counts, at_most) = d.counts(&names);
                                tables::merge_daily(stored, counts, at_most)?
                            }
                            DayJob::Events(events) => tables::merge_events(stored, events, source_files, rules)?,
                            DayJob::Requests(mut rows) => {
                                RequestRow::sort(&mut rows);
                                tables::merge_requests(stored, &rows)?
                            }
                        };
                        write(table, day, &mut df)
                    })
                    .collect::<anyhow::Result<Vec<Written>>>()
            },
            || {
                // Merging reads every stored sessions day: only when there is a session to merge.
                if sessions.is_empty() {
                    return Ok(Vec::new());
                }
                let merged = tables::merge_sessions(dir, old, sessions, self.session_gap)?;
                merged
                    .into_iter()
                    .map(|(day, mut df)| write("sessions", day, &mut df))
                    .collect::<anyhow::Result<Vec<_>>>()
            },
        );
        let mut next = self.store.manifest.clone();
        self.plan.advance(files, stats, &trusted, &mut next.sources, run);
        for w in days?.into_iter().chain(session_days?) {
            next.tables.entry(w.table).or_default().insert(w.day, w.file);
            next.renames.push(w.rename);
        }
        let dir = self.store.dir.clone();
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

/// The new `daily` counts of one day: from the events the sink saw, and the workers'
/// counts of the other lines.
#[derive(Default)]
struct NewDaily {
    from_events: Vec<(String, DayIp)>,
    lines: Vec<DayRow>,
}

impl NewDaily {
    /// The day's counts by address, in address order (`names` spells the workers'
    /// addresses in that order, so sorting by their place sorts by address), made one
    /// at a time as the day file takes them; and how many there are at most.
    fn counts<'a>(&'a mut self, names: &'a Names) -> (impl Iterator<Item = (&'a str, DayIp)> + 'a, usize) {
        let NewDaily { from_events, lines } = self;
        let mut summed: BTreeMap<&str, DayIp> = BTreeMap::new();
        for (ip, d) in from_events.iter() {
            summed.entry(ip).or_default().add(d);
        }
        let at_most = lines.len() + summed.len();
        lines.sort_unstable_by_key(|r| r.name);
        let from_lines = lines.chunk_by(|a, b| a.name == b.name).map(|group| {
            let mut day = DayIp::default();
            for row in group {
                day.add_lines(row.kind, row.status, row.lines);
            }
            (names.get(group[0].name), day)
        });
        let counts = tables::sum_in_address_order(from_lines, summed.into_iter());
        (counts, at_most)
    }
}

/// One table's new rows of one day.
enum DayJob {
    Daily(NewDaily),
    Events(Vec<Event>),
    Requests(Vec<RequestRow>),
}

/// A day file written under its pending name, for the manifest.
struct Written {
    table: String,
    day: String,
    file: super::DayFile,
    /// (pending path, day file path)
    rename: (String, String),
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
            c.daily.entry(key).or_default().record(e, ts);
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
