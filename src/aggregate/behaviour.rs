//! Behaviour over time, per address: the lines the behaviour rules count, kept while
//! the scan runs, and the rules judged on them at the end.
//!
//! `http_probing` is CrowdSec's leaky bucket, replayed in time order over the lines
//! kept: the earliest `PROBES_KEPT` of an address by (time, path hash), a set that
//! does not depend on the order lines arrive in. `login_flood` counts in fixed windows
//! `[n * width, (n + 1) * width)` and trips when one window, or two neighbours together,
//! reach its count: a burst inside any `width`-long span is never split by a window
//! edge. Both merge commutatively, so thread count and file order cannot change a
//! verdict.

use std::collections::VecDeque;
use std::hash::{Hash, Hasher};

use super::ip_stats::Suspicion;
use crate::detect::behaviour::BehaviourRules;
use crate::vocab::time::span_text;

/// Probing lines kept per address: enough for any burst (a bucket of capacity 10
/// overflows within 11 distinct paths of a burst), 16 KiB at most.
pub const PROBES_KEPT: usize = 1024;

/// Which behaviour rule tripped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rule {
    HttpProbing,
    LoginFlood,
    CredentialStuffing,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::HttpProbing => "http_probing",
            Rule::LoginFlood => "login_flood",
            Rule::CredentialStuffing => "credential_stuffing",
        }
    }

    /// The MITRE ATT&CK technique the behaviour is.
    pub fn attack_technique(self) -> &'static str {
        match self {
            Rule::HttpProbing => "T1595",
            Rule::LoginFlood | Rule::CredentialStuffing => "T1110",
        }
    }
}

/// A rule that tripped for an address, with its evidence.
#[derive(Clone, Debug, PartialEq)]
pub struct Trip {
    pub rule: Rule,
    /// Start of the first burst or span that tripped (microseconds since the epoch).
    pub first: i64,
    /// What the rule counted: distinct paths in the burst that overflowed the bucket,
    /// the most POSTs in one span, the most usernames first tried in one window.
    pub peak: u64,
    /// The lines behind it: the address's probes, its login POSTs, its username tries.
    pub lines: u64,
}

impl Trip {
    /// A few words of evidence: `12 paths`, `40 POSTs`, `6 usernames`.
    pub fn brief(&self) -> String {
        match self.rule {
            Rule::HttpProbing => format!("{} paths in a burst", self.peak),
            Rule::LoginFlood => format!("{} POSTs", self.lines),
            Rule::CredentialStuffing => format!("{} usernames", self.peak),
        }
    }

    /// One line of evidence for the report.
    pub fn describe(&self, rules: &BehaviourRules) -> String {
        let span = |secs: i64| span_text(secs.max(0) as u64);
        match self.rule {
            Rule::HttpProbing => format!(
                "http_probing: {} distinct paths answered 400/403/404 overflowed a bucket of {} leaking one every {} ({} such lines)",
                self.peak,
                rules.http_probing.capacity,
                span(rules.http_probing.leak_secs),
                self.lines
            ),
            Rule::LoginFlood => format!(
                "login_flood: {} POSTs to a login endpoint within {} ({} in all)",
                self.peak,
                span(rules.login_flood.window_secs),
                self.lines
            ),
            Rule::CredentialStuffing => format!(
                "credential_stuffing: {} usernames first tried within {}",
                self.peak,
                span(rules.credential_stuffing.window_secs)
            ),
        }
    }
}

/// The lines of one address the behaviour rules count.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Windows {
    /// (time, path hash) of 400/403/404 answers: sorted and at most `PROBES_KEPT`
    /// after `settle`.
    probes: Vec<(i64, u64)>,
    /// (window, POSTs to a login endpoint), sorted after `settle`; while counting,
    /// out-of-order lines may leave a window twice.
    login: Vec<(i64, u64)>,
}

impl Windows {
    /// Counts a 400/403/404 answer to `path` (see `Probing::counts`).
    pub fn probe(&mut self, ts: i64, path: &[u8]) {
        let entry = (ts, path_hash(path));
        if self.probes.last() != Some(&entry) {
            self.probes.push(entry);
        }
        if self.probes.len() >= 2 * PROBES_KEPT {
            self.keep_earliest();
        }
    }

    /// Counts a POST to a login endpoint.
    pub fn login_post(&mut self, ts: i64, width_secs: i64) {
        let window = ts.div_euclid(BehaviourRules::window_micros(width_secs));
        match self.login.last_mut().filter(|w| w.0 == window) {
            Some(w) => w.1 += 1,
            None => self.login.push((window, 1)),
        }
    }

    pub fn merge(&mut self, other: &Windows) {
        self.probes.extend_from_slice(&other.probes);
        self.login.extend_from_slice(&other.login);
        self.settle();
    }

    /// Sorts what was counted and joins windows held twice.
    pub fn settle(&mut self) {
        self.keep_earliest();
        self.login.sort_unstable();
        self.login.dedup_by(|later, earlier| {
            let same = later.0 == earlier.0;
            if same {
                earlier.1 += later.1;
            }
            same
        });
    }

    fn keep_earliest(&mut self) {
        self.probes.sort_unstable();
        self.probes.dedup();
        self.probes.truncate(PROBES_KEPT);
    }
}

/// Path hashes with a fixed function (no per-run seed), so runs agree.
fn path_hash(path: &[u8]) -> u64 {
    let path = path.split(|&c| c == b'?').next().unwrap_or_default();
    let mut h = rustc_hash::FxHasher::default();
    path.hash(&mut h);
    h.finish()
}

/// The rules an address tripped, in rule order. `windows` must be settled.
pub fn trips(windows: Option<&Windows>, suspicion: Option<&Suspicion>, rules: &BehaviourRules) -> Vec<Trip> {
    let mut out = Vec::new();
    let p = &rules.http_probing;
    if let (Some(w), true) = (windows, p.capacity > 0) {
        if let Some(trip) = leaky_bucket(&w.probes, p.capacity as usize, BehaviourRules::window_micros(p.leak_secs)) {
            out.push(trip);
        }
    }
    let l = &rules.login_flood;
    if let (Some(w), true) = (windows, l.posts > 0) {
        if let Some((first, peak)) = tripping(&w.login, u64::from(l.posts)) {
            let first = first * BehaviourRules::window_micros(l.window_secs);
            let lines = w.login.iter().map(|x| x.1).sum();
            out.push(Trip { rule: Rule::LoginFlood, first, peak, lines });
        }
    }
    if let Some(trip) = suspicion.and_then(|s| stuffing(s, rules)) {
        out.push(trip);
    }
    out
}

/// CrowdSec's leaky bucket with a `distinct` filter, over `probes` in time order: a
/// path already in the bucket is dropped, one path leaks out every `leak`, and the
/// bucket overflows when it holds more than `capacity`. The trip's `peak` is the
/// distinct paths the bucket took in the burst that overflowed it, `lines` the probes.
fn leaky_bucket(probes: &[(i64, u64)], capacity: usize, leak: i64) -> Option<Trip> {
    let mut bucket: VecDeque<u64> = VecDeque::with_capacity(capacity + 1);
    let mut clock = 0;
    let (mut burst_start, mut taken) = (0, 0);
    for &(ts, path) in probes {
        if bucket.is_empty() {
            (clock, burst_start, taken) = (ts, ts, 0);
        }
        while !bucket.is_empty() && ts - clock >= leak {
            bucket.pop_front();
            clock += leak;
        }
        if bucket.is_empty() {
            (clock, burst_start, taken) = (ts, ts, 0);
        }
        if bucket.contains(&path) {
            continue;
        }
        bucket.push_back(path);
        taken += 1;
        if bucket.len() > capacity {
            return Some(Trip { rule: Rule::HttpProbing, first: burst_start, peak: taken, lines: probes.len() as u64 });
        }
    }
    None
}

/// The first window of the spans (a window, or it and its next neighbour) whose
/// count reaches `threshold`, and the highest count of a span. None when no span does.
fn tripping(windows: &[(i64, u64)], threshold: u64) -> Option<(i64, u64)> {
    let mut first = None;
    let mut peak = 0;
    for (i, &(window, n)) in windows.iter().enumerate() {
        let pair = windows.get(i + 1).filter(|w| w.0 == window + 1).map_or(n, |w| n + w.1);
        peak = peak.max(pair);
        if pair >= threshold {
            first.get_or_insert(window);
        }
    }
    first.map(|f| (f, peak))
}

/// `credential_stuffing` on an address's usernames: the most first tried within any
/// window-long span (exact: the first tries are kept per username).
fn stuffing(s: &Suspicion, rules: &BehaviourRules) -> Option<Trip> {
    let rule = &rules.credential_stuffing;
    if rule.usernames == 0 || s.usernames.len() < rule.usernames as usize {
        return None;
    }
    let mut firsts: Vec<i64> = s.usernames.iter().filter_map(|(_, t)| t.first).collect();
    firsts.sort_unstable();
    let width = BehaviourRules::window_micros(rule.window_secs);
    let (mut start, mut best, mut best_start) = (0, 0, 0);
    for end in 0..firsts.len() {
        while firsts[end] - firsts[start] >= width {
            start += 1;
        }
        if end + 1 - start > best {
            best = end + 1 - start;
            best_start = firsts[start];
        }
    }
    let tries = s.usernames.iter().map(|(_, t)| t.count).sum::<u64>() + s.usernames.beyond;
    (best >= rule.usernames as usize).then_some(Trip {
        rule: Rule::CredentialStuffing,
        first: best_start,
        peak: best as u64,
        lines: tries,
    })
}

#[cfg(test)]
mod tests;
