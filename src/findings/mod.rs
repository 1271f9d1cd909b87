//! Findings: what a run found, whatever it read — every assessed address, the event
//! tally, suggested patterns and the blocklist, with where they came from. A scan of
//! log files builds them (`Findings::from_scan`), so does a period of the history
//! store (`store::report::findings`) or of a fleet's (`store::fleet_report`); `enrich`
//! adds what the outside world says, and `output::write` writes them whole.

mod scan;

pub use scan::{Judging, ScanCounts};

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use polars::prelude::DataFrame;

use crate::aggregate::assess::Assessed;
use crate::aggregate::blocklist::{Blocklist, BlocklistSettings};
use crate::aggregate::campaigns::Campaign;
use crate::aggregate::tally::EventTally;
use crate::aggregate::FileStats;
use crate::detect::policy::{Policy, Verdict};
use crate::input::Skipped;
use crate::learn::Suggestion;
use crate::vocab::event::Category;
use crate::vocab::host::HostInfo;
use crate::vocab::labels::{DnsOutcome, Enriched, LabelSource};

pub struct Findings {
    pub origin: Origin,
    /// Every assessed address (only the suspicious ones unless `--all-ips`), worst first.
    pub ips: Vec<Assessed>,
    /// Distributed campaigns among them, largest first (`Campaign::id` order).
    pub campaigns: Vec<Campaign>,
    /// The allow-lists, mode and thresholds the addresses were judged by.
    pub policy: Policy,
    /// Suspicious events per day and category, and each username's tries by kind.
    pub tally: EventTally,
    /// Suggested attack patterns, best first (empty for a store period).
    pub suggestions: Vec<Suggestion>,
    /// Addresses that learning took as attackers.
    pub attackers: usize,
    /// Lines whose request shape was over learning's per-thread cap.
    pub learn_overflow: u64,
    pub blocklist: Blocklist,
    pub blocklist_settings: BlocklistSettings,
    pub provenance: Provenance,
    /// Which enrichment was asked for (the labels are on the addresses), and the
    /// files the labels came from.
    pub enriched: Enriched,
    pub label_sources: Vec<LabelSource>,
    /// Addresses whose agents claimed a crawler (all of them, listed in `ips` or not),
    /// by what checking the claim found.
    pub crawler_checks: BTreeMap<&'static str, usize>,
    /// This server's sockets and addresses, when the logs are its own (`--host-info`).
    pub host: Option<HostInfo>,
    /// How two-way DNS went (`--dns`).
    pub dns: Option<DnsOutcome>,
}

/// Where the findings come from.
pub enum Origin {
    /// A scan of log files.
    Scan(ScanOrigin),
    /// A period of the history store (`knocklog report`).
    Period(Box<PeriodOrigin>),
}

/// What a scan read.
pub struct ScanOrigin {
    /// Per file, in the scan's order.
    pub files: Vec<FileStats>,
    /// Files found but not read, with the reason.
    pub skipped: Vec<Skipped>,
    pub elapsed: Duration,
}

/// What a period of the history store holds, and the period before it.
pub struct PeriodOrigin {
    pub figures: PeriodFigures,
    /// Suspicious events of each address in the previous period.
    pub previous_events: BTreeMap<String, u64>,
    /// Addresses suspicious before the period, with the first day they were.
    pub first_suspicious_day: BTreeMap<String, i32>,
    /// The period's events as the store holds them (a fleet's with a `server` column).
    pub events: DataFrame,
    /// What each server saw, when the period is a fleet's (None for one store).
    pub fleet: Option<Box<FleetOrigin>>,
}

/// A fleet's period: its servers, and per address what each of them saw.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FleetOrigin {
    /// The servers' names, sorted.
    pub servers: Vec<String>,
    /// Per listed address (`Findings::ips`), its share on each server that saw it, in
    /// server order.
    pub sightings: BTreeMap<String, Vec<ServerSighting>>,
    /// Sneak attackers over the fleet that no single server's share makes one: the
    /// quiet returner that spreads its days over the servers.
    pub spread_sneaks: BTreeSet<String>,
}

/// One server's share of an address over the period.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServerSighting {
    /// Index into `FleetOrigin::servers`.
    pub server: usize,
    pub events: u64,
    pub suspicious_events: u64,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    pub active_days: usize,
}

impl FleetOrigin {
    /// The sightings of `ip` (none for an address no server saw).
    pub fn of(&self, ip: &str) -> &[ServerSighting] {
        self.sightings.get(ip).map_or(&[], Vec::as_slice)
    }

    /// Listed addresses that more than one server saw.
    pub fn on_several_servers(&self) -> usize {
        self.sightings.values().filter(|s| s.len() > 1).count()
    }
}

/// A store period's figures, as its report shows them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PeriodFigures {
    /// The store's directory, as given.
    pub store: String,
    /// The period and the one of the same length before it (UTC days, inclusive).
    pub days: (i32, i32),
    pub previous_days: (i32, i32),
    /// Days of the period the store holds.
    pub days_held: usize,
    /// Lines with an address in the period (the `daily` table's `events`).
    pub lines: u64,
    /// Source files the store has read, over all its runs.
    pub sources: Vec<SourceRead>,
    /// Addresses with a suspicious event, and those events, this period and before.
    pub attackers: Change,
    pub suspicious_events: Change,
    /// Suspicious events per suspicious category, this period and before.
    pub by_category: Vec<(Category, Change)>,
}

/// A figure this period and the period before.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Change {
    pub this: u64,
    pub previous: u64,
}

/// One source file of the store's ledger.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SourceRead {
    /// The fleet's server whose store read it (None for one store).
    pub server: Option<String>,
    /// Where it was last read (attacker-influenced only through file names).
    pub path: String,
    pub lines: u64,
    pub bytes: u64,
    /// When it was first and last read (the runs' RFC 3339 times).
    pub first_read: String,
    pub last_read: String,
}

/// When the findings were made and the time they cover, for the blocklist headers.
#[derive(Clone, Debug, PartialEq)]
pub struct Provenance {
    /// When they were made (microseconds since the epoch).
    pub generated: i64,
    /// The span of the logs read, as written in the outputs.
    pub first_ts: Option<String>,
    pub last_ts: Option<String>,
}

/// How many addresses got each verdict.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VerdictCounts {
    pub block: usize,
    pub watch: usize,
    /// Of the blocked, the sneak attackers.
    pub sneak: usize,
}

impl Findings {
    /// The addresses something counts against (`Assessed::is_suspect`), worst first.
    pub fn suspicious(&self) -> impl Iterator<Item = &Assessed> {
        self.ips.iter().filter(|a| a.is_suspect())
    }

    pub fn verdict_counts(&self) -> VerdictCounts {
        let count = |v: Verdict| self.ips.iter().filter(|a| a.verdict == v).count();
        VerdictCounts {
            block: count(Verdict::Block),
            watch: count(Verdict::Watch),
            sneak: self.ips.iter().filter(|a| a.sneak).count(),
        }
    }

    /// Of a store period's attackers, those suspicious on a day before the period.
    pub fn returning(&self, period: &PeriodOrigin) -> u64 {
        self.suspicious().filter(|a| period.first_suspicious_day.contains_key(&a.ip)).count() as u64
    }
}
