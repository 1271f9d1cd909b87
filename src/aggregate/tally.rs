//! Counts for the report that only the event stream knows exactly: suspicious events
//! per UTC day and category (the stacked chart) and each username's tries split by
//! category (bad user or bad password). A decorator around the scan's event sink: the
//! collector hands it the events in input order, so the counts do not depend on the
//! number of threads.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use crate::vocab::event::Category;
use crate::vocab::event::Event;
use crate::vocab::event::EventSink;
use crate::vocab::time::day_of;

use super::trail::Trails;

/// Tries of one username, by what the line said about it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UserSplit {
    /// The username does not exist or is not allowed (sshd Invalid user, AH01618...).
    pub bad_user: u64,
    /// A wrong password for an existing or allowed user.
    pub bad_password: u64,
    /// Other suspicious lines naming the user (denied, probes with a remote user...).
    pub other: u64,
}

/// What the report counts from the events that count against an address.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EventTally {
    /// (UTC day, category) -> events. Events without a time are not in any day.
    pub day_category: BTreeMap<(i32, Category), u64>,
    pub users: FxHashMap<String, UserSplit>,
    /// Each suspicious address's earliest events and rules (filled by `TallySink`).
    pub trails: Trails,
    /// Every line with an address, suspicious or not (see `Traffic`).
    pub traffic: Traffic,
}

/// How much traffic there was besides the attacks, from the per-address counts of
/// every address (benign ones included) before judging: lines per UTC day and the
/// HTTP status mix, so the report can say what share of the traffic is suspicious.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Traffic {
    /// (UTC day, lines with an address), sorted by day.
    pub daily: Vec<(i32, u64)>,
    /// Lines by HTTP status class: index 0 no status, 1 for 1xx ... 5 for 5xx.
    pub status_classes: [u64; 6],
    /// Addresses seen at all.
    pub addresses: u64,
}

/// `Traffic` being summed from settled per-address statistics, in pieces that merge (one
/// per thread of a parallel fold; see `PartialIpTable::into_merged`).
#[derive(Debug, Default)]
pub struct TrafficCount {
    days: FxHashMap<i32, u64>,
    status_classes: [u64; 6],
    addresses: u64,
}

impl TrafficCount {
    /// Adds one address's settled statistics.
    pub fn add(&mut self, s: &crate::aggregate::IpStats) {
        self.addresses += 1;
        for (d, n) in s.daily() {
            *self.days.entry(d).or_default() += n;
        }
        let mut with_status = 0;
        for &(status, n) in &s.statuses {
            let class = usize::from(status / 100).clamp(1, 5);
            self.status_classes[class] += n;
            with_status += n;
        }
        self.status_classes[0] += s.events.saturating_sub(with_status);
    }

    pub fn merge(mut self, other: TrafficCount) -> TrafficCount {
        self.addresses += other.addresses;
        for (a, b) in self.status_classes.iter_mut().zip(other.status_classes) {
            *a += b;
        }
        for (d, n) in other.days {
            *self.days.entry(d).or_default() += n;
        }
        self
    }

    pub fn finish(self) -> Traffic {
        let mut daily: Vec<(i32, u64)> = self.days.into_iter().collect();
        daily.sort_unstable();
        Traffic { daily, status_classes: self.status_classes, addresses: self.addresses }
    }
}

impl EventTally {
    /// Counts one event; lines that do not count against their address are skipped,
    /// so the totals equal the `suspicious_events` of the `ips` table.
    pub fn count(&mut self, e: &Event) {
        self.count_line(e.counts, e.ts, e.category, e.user());
    }

    /// Counts one line from its parts: what `count` does with an event, for events
    /// read back from a table (the history store's `events`).
    pub fn count_line(&mut self, counts: bool, ts: Option<i64>, category: Category, user: &str) {
        if !counts {
            return;
        }
        if let Some(ts) = ts {
            *self.day_category.entry((day_of(ts), category)).or_default() += 1;
        }
        if !user.is_empty() {
            let split = match self.users.get_mut(user) {
                Some(s) => s,
                None => self.users.entry(user.to_owned()).or_default(),
            };
            match category {
                Category::AuthBadUser => split.bad_user += 1,
                Category::AuthBadPassword => split.bad_password += 1,
                _ => split.other += 1,
            }
        }
    }
}

/// An `EventSink` that tallies every event before passing it on.
pub struct TallySink<S> {
    inner: S,
    pub tally: EventTally,
}

impl<S> TallySink<S> {
    pub fn new(inner: S) -> Self {
        TallySink { inner, tally: EventTally::default() }
    }

    /// Names the classifier's rules (by number) in the trails the report shows.
    pub fn with_rules(mut self, rules: Vec<(String, Category)>) -> Self {
        self.tally.trails.rule_names = rules;
        self
    }

    pub fn into_parts(self) -> (S, EventTally) {
        (self.inner, self.tally)
    }
}

impl<S: EventSink> EventSink for TallySink<S> {
    fn write(&mut self, events: Vec<Event>) -> anyhow::Result<()> {
        for e in &events {
            self.tally.count(e);
            self.tally.trails.add(e);
        }
        self.inner.write(events)
    }
}
