//! The report of a period of the history store (`knocklog report`): the scan report's
//! model built from what the store holds, plus what a weekly reader wants on top: new
//! vs returning attackers and the change against the previous period.

use super::fleet::FleetView;
use super::{capped, EventTally, ReportData, MAX_VISITORS};
use crate::aggregate::assess::Assessed;
use crate::detect::policy::{Policy, Verdict};
use crate::findings::{PeriodFigures, PeriodOrigin};

/// Where a history report's figures come from: the store, not log files.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HistoryView {
    pub figures: PeriodFigures,
    /// Attackers of the period (suspicious events > 0), worst first, capped.
    pub new: Vec<AttackerRow>,
    pub returning: Vec<AttackerRow>,
    /// Before the cap.
    pub new_total: usize,
    pub returning_total: usize,
    /// Each server's share, when the period is a fleet's.
    pub fleet: Option<FleetView>,
}

/// One row of the `attackers` table.
#[derive(Clone, Debug, PartialEq)]
pub struct AttackerRow {
    pub ip: String,
    pub verdict: Verdict,
    pub sneak: bool,
    pub score: f64,
    /// The first day it was suspicious before the period (returning only).
    pub first_suspicious_day: Option<i32>,
    pub suspicious_events: u64,
    pub previous_events: u64,
    pub days_active: usize,
}

impl AttackerRow {
    /// The `attackers` table's row of `a`: `first_suspicious_day` before the period
    /// (returning addresses only), its events in the period before.
    pub fn of(a: &Assessed, first_suspicious_day: Option<i32>, previous_events: u64) -> AttackerRow {
        AttackerRow {
            ip: a.ip.clone(),
            verdict: a.verdict,
            sneak: a.sneak,
            score: a.score,
            first_suspicious_day,
            suspicious_events: a.stats.suspicious_events(),
            previous_events,
            days_active: a.stats.suspicion.as_deref().map_or(0, |s| s.daily.len()),
        }
    }
}

impl HistoryView {
    /// The view of a store period; `attackers` are its addresses with a suspicious
    /// event, worst first.
    pub fn of(p: &PeriodOrigin, attackers: &[&Assessed]) -> HistoryView {
        let rows = attackers
            .iter()
            .map(|a| {
                let previous = p.previous_events.get(&a.ip).copied().unwrap_or(0);
                AttackerRow::of(a, p.first_suspicious_day.get(&a.ip).copied(), previous)
            })
            .collect();
        HistoryView { figures: p.figures.clone(), ..HistoryView::default() }.with_attackers(rows)
    }

    /// Splits `rows` (the attackers, worst first) into new and returning.
    pub fn with_attackers(mut self, rows: Vec<AttackerRow>) -> Self {
        let (returning, new): (Vec<AttackerRow>, Vec<AttackerRow>) =
            rows.into_iter().partition(|r| r.first_suspicious_day.is_some());
        (self.new_total, self.returning_total) = (new.len(), returning.len());
        self.new = capped(new, MAX_VISITORS);
        self.returning = capped(returning, MAX_VISITORS);
        self
    }
}

impl ReportData {
    /// The report of a period of the history store. `ips` is the period's assessed
    /// table (worst first), `tally` counted from the period's events. The store keeps
    /// no per-file line counts for a period, so there are no file rows: the overview
    /// shows the store and its sources instead.
    pub fn from_history(
        ips: &[Assessed],
        tally: &EventTally,
        policy: &Policy,
        view: HistoryView,
        panels: usize,
    ) -> ReportData {
        let mut data = ReportData::from_scan(&[], ips, tally, policy, panels);
        let first = ips.iter().filter_map(|a| a.stats.first_seen).min();
        let last = ips.iter().filter_map(|a| a.stats.last_seen).max();
        data.period = first.zip(last);
        data.totals.files = view.figures.sources.len();
        data.totals.lines = view.figures.lines;
        data.totals.parsed = view.figures.lines;
        data.history = Some(Box::new(view));
        data
    }

    /// First and last day the report covers: a history report's whole period, even
    /// where nothing happened.
    pub fn chart_span(&self) -> Option<(i32, i32)> {
        match &self.history {
            Some(h) => Some(h.figures.days),
            None => self.day_span(),
        }
    }
}
