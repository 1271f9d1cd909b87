//! Pairing a PAM module's failure inside sshd with sshd's own verdict on the attempt
//! (see `detect::rules::SshdPamRole` for why): the module's lines wait here, each is
//! taken over by sshd's next verdict on its address, or counts once if none comes.
//!
//! Within a chunk the worker settles them; a line still waiting at a chunk's end is
//! handed to the collector, which alone knows whether the file goes on. At the file's
//! end nothing can answer it any more and it counts; before a chunk boundary its
//! answer is, all but always, the next chunk's first lines, so it is taken as answered
//! (a lone failure in the last `PAM_VERDICT_WAIT_SECS` of an 8 MB chunk goes uncounted,
//! rather than every answered one at a boundary counting twice).

use std::collections::VecDeque;

use super::worker::suspicious_line;
use crate::aggregate::ip_stats::IpStats;
use crate::detect::policy::Decision;
use crate::detect::PAM_VERDICT_WAIT_SECS;
use crate::vocab::address::AddrKey;
use crate::vocab::event::Event;
use crate::vocab::time::MICROS_PER_SEC;

const WAIT_MICROS: i64 = PAM_VERDICT_WAIT_SECS * MICROS_PER_SEC;

/// A PAM module's failure waiting for sshd's verdict, with the event and decision it
/// gets if it counts.
#[derive(Debug)]
pub struct WaitingPam {
    pub host: Box<[u8]>,
    pub ip: Box<[u8]>,
    pub ts: Option<i64>,
    pub event: Event,
    pub decision: Decision,
}

impl WaitingPam {
    /// Counts the failure against its address: sshd said nothing about the attempt.
    pub fn count(mut self, stats: &mut IpStats, session_gap: i64) -> Event {
        self.record(stats, session_gap);
        self.event.counts = true;
        self.event
    }

    /// The failure as sshd's verdict took it over: a weak signal, labelled in its
    /// category but not counted against the address (as the history store reads any
    /// suspicious event that does not count).
    pub fn answered(mut self, stats: &mut IpStats, session_gap: i64) -> Event {
        self.decision.weak = true;
        self.record(stats, session_gap);
        self.event.counts = false;
        self.event
    }

    fn record(&self, stats: &mut IpStats, session_gap: i64) {
        let e = &self.event;
        let line =
            suspicious_line(e.ts, &self.decision, e.user().as_bytes(), e.path().as_bytes(), e.user_agent().as_bytes());
        stats.record_suspicious(&line, session_gap);
    }
}

/// Where the failures a verdict answers go: the statistics of the verdict's address
/// and the chunk's events.
pub struct Answered<'a> {
    pub stats: &'a mut IpStats,
    pub session_gap: i64,
    pub events: &'a mut Vec<Event>,
}

/// The failures waiting in one chunk, oldest first.
#[derive(Debug, Default)]
pub struct Waiting {
    lines: VecDeque<WaitingPam>,
}

impl Waiting {
    pub fn push(&mut self, waiting: WaitingPam) {
        self.lines.push_back(waiting);
    }

    /// sshd's verdict on an attempt from `addr` at `ts`: every failure of that
    /// address waiting on that host is its PAM side (several modules may each log one).
    pub fn answer(&mut self, host: &[u8], addr: AddrKey, ts: Option<i64>, answered: Answered) {
        let Answered { stats, session_gap, events } = answered;
        if self.lines.is_empty() {
            return;
        }
        let mut i = 0;
        while i < self.lines.len() {
            let w = &self.lines[i];
            let before = match (w.ts, ts) {
                (Some(w), Some(t)) => w <= t && t - w <= WAIT_MICROS,
                _ => true,
            };
            if before && *w.host == *host && AddrKey::of(&w.ip) == addr {
                if let Some(w) = self.lines.remove(i) {
                    events.push(w.answered(stats, session_gap));
                }
            } else {
                i += 1;
            }
        }
    }

    /// Failures that waited longer than sshd ever takes, as of a line at `now`, oldest
    /// first (the file's clock: lines come in time order, near enough).
    pub fn unanswered_by(&mut self, now: i64) -> impl Iterator<Item = WaitingPam> + '_ {
        let expired = self.lines.iter().take_while(|w| w.ts.is_some_and(|t| now - t > WAIT_MICROS)).count();
        self.lines.drain(..expired)
    }

    /// Everything still waiting (at a chunk's end).
    pub fn take_all(&mut self) -> Vec<WaitingPam> {
        self.lines.drain(..).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}
