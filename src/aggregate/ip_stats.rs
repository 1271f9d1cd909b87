//! Per-IP statistics: first/last seen, events per log kind and per UTC day, usernames
//! and HTTP statuses, keyed by address (one key per address however it is spelled).
//! Every field merges commutatively, so thread count and chunk order cannot change
//! the result.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use super::behaviour::Windows;
use super::bounded::{BoundedCounts, Tally};
use super::crawlers::CrawlerClaim;
use super::sessions::{self, Session};
use super::tally::{Traffic, TrafficCount};
use super::v4_index::V4Index;
use crate::detect::behaviour::BehaviourRules;
use crate::vocab::address::AddrKey;
use crate::vocab::event::Category;
use crate::vocab::event::LogKind;
use crate::vocab::time::day_of;

/// Laid out for the hot loop: a line touches the first two cache lines only (counts,
/// current day, suspicion; then first/last seen and current statuses), and the
/// vectors, read only when the day or a status is new, sit in the third.
#[derive(Clone, Debug, Default, PartialEq)]
#[repr(C, align(64))]
pub struct IpStats {
    pub events: u64,
    pub by_kind: [u64; 4],
    day_now: (i32, u64),
    /// What the address did that counts against it; None for addresses that never did.
    pub suspicion: Option<Box<Suspicion>>,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    statuses_now: [(u16, u32); 4],
    /// Events per UTC day, read through `daily`. Complete only after `settle`; while
    /// counting, the current day lives in `day_now`.
    days: Vec<DayCount>,
    /// (HTTP status, count). Complete only after `settle`; the first few statuses are
    /// counted inline for the same reason.
    pub statuses: Vec<(u16, u64)>,
    /// The lines the behaviour rules count; None for addresses that sent none.
    pub behaviour: Option<Box<Windows>>,
    /// The crawler its user agents claimed to be (see `crawlers`).
    pub crawler: Option<CrawlerClaim>,
}

/// The part of `IpStats` a line touches.
const HOT_BYTES: usize = 128;

impl IpStats {
    /// Counts one line; `status` is the HTTP status (0: none).
    #[inline]
    pub fn record(&mut self, ts: Option<i64>, kind: LogKind, status: u16) {
        self.events += 1;
        self.by_kind[kind.index()] += 1;
        if let Some(ts) = ts {
            self.first_seen = Some(self.first_seen.map_or(ts, |f| f.min(ts)));
            self.last_seen = Some(self.last_seen.map_or(ts, |l| l.max(ts)));
            let day = day_of(ts);
            if self.day_now.0 == day && self.day_now.1 > 0 {
                self.day_now.1 += 1;
            } else {
                if self.day_now.1 > 0 {
                    add_day(&mut self.days, self.day_now.0, self.day_now.1);
                }
                self.day_now = (day, 1);
            }
        }
        if status != 0 {
            self.add_status(status, 1);
        }
    }

    /// Counts an access line for the behaviour rules (after `record`): a 400/403/404
    /// answer for `http_probing`, a POST to a login endpoint for `login_flood`. Lines
    /// without a time cannot be placed in a window.
    #[inline]
    pub fn observe(&mut self, ts: Option<i64>, method: &[u8], path: &[u8], status: u16, rules: &BehaviourRules) {
        let Some(ts) = ts else { return };
        if rules.http_probing.counts(status, path) {
            self.behaviour.get_or_insert_with(Default::default).probe(ts, path);
        }
        if rules.login_flood.is_login_post(method, path) {
            self.behaviour.get_or_insert_with(Default::default).login_post(ts, rules.login_flood.window_secs);
        }
    }

    /// Counts one suspicious line (after `record`).
    pub fn record_suspicious(&mut self, line: &SuspiciousLine, session_gap: i64) {
        self.suspicion.get_or_insert_with(Default::default).record(line, session_gap);
    }

    pub fn suspicious_events(&self) -> u64 {
        self.suspicion.as_ref().map_or(0, |s| s.events)
    }

    /// Nothing the rules read: no suspicious line (weak ones included), no request a
    /// behaviour rule counts, no crawler claim. Such an address can be neither judged nor
    /// a campaign member, so a scan keeps only its counts (see `MergedIps`).
    pub fn is_quiet(&self) -> bool {
        self.suspicion.is_none() && self.behaviour.is_none() && self.crawler.is_none()
    }

    /// Counts `n` lines with HTTP status `status`: inline while there is room (and the
    /// count fits), else in `statuses`; `settle` sums a status found in both.
    #[inline]
    fn add_status(&mut self, status: u16, n: u64) {
        for slot in &mut self.statuses_now {
            if slot.0 == status || slot.0 == 0 {
                match u32::try_from(u64::from(slot.1) + n) {
                    Ok(sum) => {
                        *slot = (status, sum);
                        return;
                    }
                    Err(_) => break,
                }
            }
        }
        add_count(&mut self.statuses, status, n);
    }

    /// Moves the inline counters into `days` and `statuses` and sorts them, and the
    /// suspicious days too.
    pub fn settle(&mut self) {
        if self.day_now.1 > 0 {
            add_day(&mut self.days, self.day_now.0, self.day_now.1);
            self.day_now = (0, 0);
        }
        for slot in std::mem::take(&mut self.statuses_now) {
            if slot.0 != 0 {
                add_count(&mut self.statuses, slot.0, slot.1 as u64);
            }
        }
        self.days.sort_unstable();
        self.statuses.sort_unstable();
        if let Some(s) = &mut self.suspicion {
            s.daily.sort_unstable();
            s.intent_daily.sort_unstable();
        }
        if let Some(w) = &mut self.behaviour {
            w.settle();
        }
    }

    /// Adds another table's counts for the same address. Neither side needs to be
    /// settled: a day or status counted inline on one side and in the vector on the
    /// other is summed by `settle`.
    pub fn merge(&mut self, other: &IpStats) {
        self.events += other.events;
        for (a, b) in self.by_kind.iter_mut().zip(other.by_kind) {
            *a += b;
        }
        self.first_seen = min_opt(self.first_seen, other.first_seen);
        self.last_seen = max_opt(self.last_seen, other.last_seen);
        let other_day_now = Some(other.day_now).filter(|d| d.1 > 0);
        let other_days = other.days.iter().map(|d| (d.day, u64::from(d.events)));
        for (day, n) in other_days.chain(other_day_now) {
            add_day(&mut self.days, day, n);
        }
        let other_inline = other.statuses_now.iter().filter(|s| s.0 != 0).map(|&(status, n)| (status, u64::from(n)));
        for (status, n) in other.statuses.iter().copied().chain(other_inline) {
            self.add_status(status, n);
        }
        match (&mut self.suspicion, &other.suspicion) {
            (Some(mine), Some(theirs)) => mine.merge(theirs),
            (None, Some(theirs)) => self.suspicion = Some(theirs.clone()),
            (_, None) => {}
        }
        match (&mut self.behaviour, &other.behaviour) {
            (Some(mine), Some(theirs)) => mine.merge(theirs),
            (None, Some(theirs)) => self.behaviour = Some(theirs.clone()),
            (_, None) => {}
        }
        CrawlerClaim::merge(&mut self.crawler, other.crawler);
    }

    /// (UTC day, events), in day order (after `settle`).
    pub fn daily(&self) -> impl Iterator<Item = (i32, u64)> + '_ {
        self.days.chunk_by(|a, b| a.day == b.day).map(|run| (run[0].day, run.iter().map(|d| u64::from(d.events)).sum()))
    }

    /// Counts `n` events on UTC day `day` (for statistics rebuilt from stored days).
    pub fn add_day(&mut self, day: i32, n: u64) {
        add_day(&mut self.days, day, n);
    }

    /// Distinct UTC days with activity (after `settle`).
    pub fn days_active(&self) -> usize {
        self.daily().count()
    }

    /// Usernames tried in suspicious lines, sorted by name, with counts.
    pub fn usernames_sorted(&self) -> Vec<(&str, u64)> {
        let Some(s) = &self.suspicion else { return Vec::new() };
        let mut v: Vec<(&str, u64)> = s.usernames.iter().map(|(u, t)| (u.as_str(), t.count)).collect();
        v.sort_unstable();
        v
    }
}

/// Events of one UTC day of an address: eight bytes where a `(i32, u64)` took sixteen.
/// A busy site's returning visitors hold one per day they came, and over 40 days of a
/// million addresses these were most of a scan's memory. A day past `u32::MAX` events
/// continues in a further entry of the same day (`IpStats::daily` sums them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
struct DayCount {
    day: i32,
    events: u32,
}

/// Adds `n` events to `day`: into its entry with room (most often the last one), and
/// into new entries of the same day for what does not fit.
fn add_day(days: &mut Vec<DayCount>, day: i32, mut n: u64) {
    let has_room = |d: &DayCount| d.day == day && d.events < u32::MAX;
    let at = match days.last() {
        Some(last) if has_room(last) => Some(days.len() - 1),
        _ => days.iter().rposition(has_room),
    };
    if let Some(at) = at {
        let entry = &mut days[at];
        let added = n.min(u64::from(u32::MAX - entry.events));
        entry.events += added as u32;
        n -= added;
    }
    while n > 0 {
        let added = n.min(u64::from(u32::MAX));
        super::reserve_first(days);
        days.push(DayCount { day, events: added as u32 });
        n -= added;
    }
}

/// What one suspicious line contributes to its address.
pub struct SuspiciousLine<'a> {
    pub ts: Option<i64>,
    pub category: Category,
    /// A weak signal: counted in its category only, never against the address.
    pub weak: bool,
    pub allowed_user_failure: bool,
    pub user: &'a [u8],
    pub path: &'a [u8],
    pub user_agent: &'a [u8],
}

#[cfg(test)]
impl<'a> SuspiciousLine<'a> {
    /// A counted bad-user try of `user` at `ts`, for tests.
    pub fn bad_user(ts: i64, user: &'a str) -> SuspiciousLine<'a> {
        SuspiciousLine {
            ts: Some(ts),
            category: Category::AuthBadUser,
            weak: false,
            allowed_user_failure: false,
            user: user.as_bytes(),
            path: b"",
            user_agent: b"",
        }
    }
}

/// Tries of one username by one address.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct UserTries {
    pub count: u64,
    pub first: Option<i64>,
    pub last: Option<i64>,
}

impl Tally for UserTries {
    fn total(&self) -> u64 {
        self.count
    }
    fn absorb(&mut self, other: &UserTries) {
        self.count += other.count;
        self.first = min_opt(self.first, other.first);
        self.last = max_opt(self.last, other.last);
    }
}

/// An address's suspicious activity: per category, per day, in sessions, and what it
/// targeted (usernames, paths, user agents).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Suspicion {
    /// The session gap the sessions were built with (needed again to merge them).
    gap: i64,
    /// Suspicious lines that count against the address (weak ones excluded).
    pub events: u64,
    /// Weak-signal lines (see `Classifier::is_weak`), counted in `by_category` only.
    pub weak: u64,
    pub by_category: [u64; Category::ALL.len()],
    pub allowed_user_failures: u64,
    /// (UTC day, suspicious events), sorted after `settle`.
    pub daily: Vec<(i32, u64)>,
    /// The same for the events that show intent (not `Category::is_noise`): a sneak
    /// attacker returns with intent, not with noise.
    pub intent_daily: Vec<(i32, u64)>,
    /// Counted events that show intent.
    pub intent_events: u64,
    pub sessions: Vec<Session>,
    /// What the address targeted, each bounded (see `bounded`).
    pub usernames: BoundedCounts<UserTries>,
    /// Request paths without the query string.
    pub paths: BoundedCounts<u64>,
    pub user_agents: BoundedCounts<u64>,
}

impl Suspicion {
    fn record(&mut self, line: &SuspiciousLine, session_gap: i64) {
        self.gap = session_gap;
        self.by_category[line.category.index()] += 1;
        if line.weak {
            self.weak += 1;
            return;
        }
        self.events += 1;
        let intent = !line.category.is_noise();
        self.intent_events += u64::from(intent);
        self.allowed_user_failures += u64::from(line.allowed_user_failure);
        if let Some(ts) = line.ts {
            add_count(&mut self.daily, day_of(ts), 1);
            if intent {
                add_count(&mut self.intent_daily, day_of(ts), 1);
            }
            let cat = 1u16 << line.category.index();
            sessions::insert(
                &mut self.sessions,
                Session { start: ts, end: ts, events: 1, categories: cat },
                session_gap,
            );
        }
        if !line.user.is_empty() {
            if let Some(tries) = self.usernames.entry(line.user, 1) {
                tries.absorb(&UserTries { count: 1, first: line.ts, last: line.ts });
            }
        }
        let path = line.path.split(|&c| c == b'?').next().unwrap_or_default();
        if let Some(n) = Some(path).filter(|p| !p.is_empty()).and_then(|p| self.paths.entry(p, 1)) {
            *n += 1;
        }
        if let Some(n) = Some(line.user_agent).filter(|a| !a.is_empty()).and_then(|a| self.user_agents.entry(a, 1)) {
            *n += 1;
        }
    }

    fn merge(&mut self, other: &Suspicion) {
        self.events += other.events;
        self.weak += other.weak;
        for (a, b) in self.by_category.iter_mut().zip(other.by_category) {
            *a += b;
        }
        self.allowed_user_failures += other.allowed_user_failures;
        for &(day, n) in &other.daily {
            add_count(&mut self.daily, day, n);
        }
        self.intent_events += other.intent_events;
        for &(day, n) in &other.intent_daily {
            add_count(&mut self.intent_daily, day, n);
        }
        // Interval lists from two threads coalesce exactly where they come within the gap.
        self.gap = self.gap.max(other.gap);
        for &s in &other.sessions {
            sessions::insert(&mut self.sessions, s, self.gap);
        }
        self.usernames.merge(&other.usernames);
        self.paths.merge(&other.paths);
        self.user_agents.merge(&other.user_agents);
    }

    /// The `n` most frequent keys of a count map, most first, ties by key.
    pub fn top(map: &BoundedCounts<u64>, n: usize) -> Vec<(&str, u64)> {
        let mut v: Vec<(&str, u64)> = map.iter().map(|(k, c)| (k.as_str(), *c)).collect();
        v.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        v.truncate(n);
        v
    }

    pub fn max_daily(&self) -> u64 {
        self.daily.iter().map(|d| d.1).max().unwrap_or(0)
    }

    pub fn max_daily_intent(&self) -> u64 {
        self.intent_daily.iter().map(|d| d.1).max().unwrap_or(0)
    }
}

/// Adds `n` to `key`'s count in a small vector. Log lines are mostly in time order, so
/// the last entry is checked first.
#[inline]
pub(super) fn add_count<K: PartialEq + Copy>(counts: &mut Vec<(K, u64)>, key: K, n: u64) {
    if let Some(last) = counts.last_mut() {
        if last.0 == key {
            last.1 += n;
            return;
        }
    }
    match counts.iter_mut().find(|(k, _)| *k == key) {
        Some(entry) => entry.1 += n,
        None => {
            super::reserve_first(counts);
            counts.push((key, n))
        }
    }
}

pub(crate) fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

pub(crate) fn max_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// Statistics keyed by address: IPv4 and IPv6 by value, other text (host names,
/// odd spellings) by the exact bytes written. A hit allocates nothing.
///
/// The statistics live apart from the keys: the maps from address to position are
/// small (8 bytes an IPv4 address), so a worker finds an address's position with one
/// small load right after parsing, prefetches its statistics (three cache lines, most
/// often out of cache on a busy server's log), and counts into them only once the line
/// is classified.
#[derive(Debug, Default)]
pub struct PartialIpTable {
    stats: Vec<IpStats>,
    v4: V4Index,
    v6: FxHashMap<u128, u32>,
    text: FxHashMap<Box<[u8]>, u32>,
}

/// Where an address's statistics are in its `PartialIpTable`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot(u32);

impl Slot {
    /// The slot's position in its table (see `PartialIpTable::slot_keys`).
    pub fn index(self) -> u32 {
        self.0
    }

    #[cfg(test)]
    pub fn at(index: u32) -> Slot {
        Slot(index)
    }
}

impl PartialIpTable {
    #[inline]
    pub fn entry(&mut self, raw_ip: &[u8]) -> &mut IpStats {
        self.entry_key(AddrKey::of(raw_ip))
    }

    #[inline]
    pub fn entry_key(&mut self, key: AddrKey) -> &mut IpStats {
        let slot = self.slot(key);
        self.at(slot)
    }

    /// The slot of an address (a new, empty one for an address not seen yet), with its
    /// statistics on their way into the cache.
    #[inline]
    pub fn slot(&mut self, key: AddrKey) -> Slot {
        let next = self.stats.len() as u32;
        let index = match key {
            AddrKey::V4(a) => self.v4.get_or_insert(a, next),
            AddrKey::V6(a) => *self.v6.entry(a).or_insert(next),
            AddrKey::Text(t) => match self.text.get(t) {
                Some(&i) => i,
                None => {
                    self.text.insert(t.into(), next);
                    next
                }
            },
        };
        if index == next {
            self.stats.push(IpStats::default());
        }
        prefetch_hot(&self.stats[index as usize]);
        Slot(index)
    }

    /// Starts loading where an IPv4 address's position is (first step of a read-ahead;
    /// `prefetch_v4_stats` is the second). Changes nothing but timing.
    #[inline]
    pub fn prefetch_v4_index(&self, address: u32) {
        self.v4.prefetch(address);
    }

    /// Starts loading an IPv4 address's statistics into the cache, if it has any yet.
    /// Changes nothing but timing: the line is counted later, through `slot`.
    #[inline]
    pub fn prefetch_v4_stats(&self, address: u32) {
        if let Some(index) = self.v4.get(address) {
            prefetch_hot(&self.stats[index as usize]);
        }
    }

    /// The statistics in `slot`.
    #[inline]
    pub fn at(&mut self, slot: Slot) -> &mut IpStats {
        &mut self.stats[slot.0 as usize]
    }

    /// The address in each slot, by slot.
    pub fn slot_keys(&self) -> Vec<AddrKey<'_>> {
        let mut keys = vec![AddrKey::V4(0); self.stats.len()];
        each_address(&self.v4, &self.v6, &self.text, |key, i| keys[i as usize] = key);
        keys
    }

    pub fn len(&self) -> usize {
        self.stats.len()
    }

    pub fn is_empty(&self) -> bool {
        self.stats.is_empty()
    }

    /// Adds another table's addresses to this one. Each of them gets its slot here
    /// first (only hashing, done serially); then every slot takes the other table's
    /// counts for its address, in parallel on the current rayon pool. Nothing is moved
    /// between the tables: the other one is read in place and freed in parallel.
    fn absorb(&mut self, other: PartialIpTable) {
        use rayon::prelude::*;
        let PartialIpTable { stats, v4, v6, text } = other;
        if stats.is_empty() {
            return;
        }
        let mut target = vec![0u32; stats.len()];
        each_address(&v4, &v6, &text, |key, i| target[i as usize] = self.slot(key).0);
        const NONE: u32 = u32::MAX;
        let mut source = vec![NONE; self.stats.len()];
        for (i, at) in target.into_iter().enumerate() {
            source[at as usize] = i as u32;
        }
        self.stats.par_iter_mut().zip(source).for_each(|(mine, i)| {
            if i != NONE {
                mine.merge(&stats[i as usize]);
            }
        });
        stats.into_par_iter().for_each(drop);
    }

    /// Every address under its canonical spelling, with its settled statistics, in no
    /// particular order (it depends on hashing and threads): `assess` puts the rows in
    /// their final order. Sorting here cost a serial pass over every row (30 ms for 42k
    /// addresses) for an order that nothing downstream kept. Quiet addresses get a row
    /// only with `keep_quiet`; the traffic counts them all.
    fn into_merged(self, keep_quiet: bool) -> MergedIps {
        use rayon::iter::Either;
        use rayon::prelude::*;
        let PartialIpTable { mut stats, v4, v6, text } = self;
        stats.par_iter_mut().for_each(IpStats::settle);
        let traffic = stats
            .par_iter()
            .fold(TrafficCount::default, |mut count, s| {
                count.add(s);
                count
            })
            .reduce(TrafficCount::default, TrafficCount::merge)
            .finish();
        let mut keys = vec![None; stats.len()];
        each_address(&v4, &v6, &text, |key, i| keys[i as usize] = Some(key));
        let (rows, quiet_keys): (Vec<(String, IpStats)>, Vec<(bool, u128)>) = keys
            .into_par_iter()
            .zip(stats)
            .filter_map(|(key, stats)| {
                let key = key.expect("every slot has its address");
                if keep_quiet || !stats.is_quiet() {
                    return Some(Either::Left((key.canonical(), stats)));
                }
                match key {
                    AddrKey::V4(a) => Some(Either::Right((false, u128::from(a)))),
                    AddrKey::V6(a) => Some(Either::Right((true, a))),
                    // A host name is in no network a blocklist range could cover.
                    AddrKey::Text(_) => None,
                }
            })
            .partition_map(|either| either);
        MergedIps { rows, traffic, quiet_keys }
    }
}

/// The addresses of a scan once the tables are merged: a row for each one the rules read
/// something of (for each one with `--all-ips`), and of the quiet rest only what the
/// findings need. A busy site's log holds hundreds of thousands of quiet addresses: a
/// row costs about 300 bytes, a quiet key 32.
#[derive(Debug, Default)]
pub struct MergedIps {
    /// One row per address kept, in no particular order.
    pub rows: Vec<(String, IpStats)>,
    /// Every address's lines, quiet ones included.
    pub traffic: Traffic,
    /// The quiet addresses without a row, as (IPv6, address) keys (IPv4 as IPv4,
    /// mapped ones too; host names left out): benign evidence against blocklist ranges.
    pub quiet_keys: Vec<(bool, u128)>,
}

/// Calls `f` with every address of a table's three maps and its position.
fn each_address<'t>(
    v4: &V4Index,
    v6: &FxHashMap<u128, u32>,
    text: &'t FxHashMap<Box<[u8]>, u32>,
    mut f: impl FnMut(AddrKey<'t>, u32),
) {
    v4.iter().for_each(|(a, i)| f(AddrKey::V4(a), i));
    v6.iter().for_each(|(&a, &i)| f(AddrKey::V6(a), i));
    text.iter().for_each(|(t, &i)| f(AddrKey::Text(t), i));
}

/// Asks the CPU to start loading the part of `stats` a line touches into the cache.
#[inline(always)]
fn prefetch_hot(stats: &IpStats) {
    // Aligned to 64, so these are exactly the hot lines.
    crate::vocab::prefetch::prefetch(stats, HOT_BYTES / 64);
}

const _: () = assert!(std::mem::align_of::<IpStats>() == 64 && std::mem::size_of::<IpStats>() > HOT_BYTES);
// Three cache lines per address: the memory every benign address costs.
const _: () = assert!(std::mem::size_of::<IpStats>() == 192);

/// All IPs of a scan: the worker threads' tables merged, plus lines attributed later.
#[derive(Debug, Default)]
pub struct IpTable {
    table: PartialIpTable,
}

impl IpTable {
    /// The statistics of one address (for lines attributed after the fact, e.g. by
    /// sshd pid).
    pub fn entry(&mut self, raw_ip: &[u8]) -> &mut IpStats {
        self.table.entry(raw_ip)
    }

    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// The final rows of every address under canonical spellings, daily counts sorted
    /// by day, in no particular order (see `assess` for the final one).
    pub fn into_rows(self) -> Vec<(String, IpStats)> {
        self.merge_rows(Vec::new())
    }

    /// This table and the worker threads' tables merged into the final rows of every
    /// address (as `into_rows`).
    pub fn merge_rows(self, partials: Vec<PartialIpTable>) -> Vec<(String, IpStats)> {
        self.merge(partials, true).rows
    }

    /// This table and the worker threads' tables merged: the smaller tables are absorbed
    /// into the biggest one. Done serially, merging and settling were a twentieth of a
    /// scan of 40k addresses.
    pub fn merge(self, partials: Vec<PartialIpTable>, keep_quiet: bool) -> MergedIps {
        let mut tables = partials;
        tables.push(self.table);
        tables.sort_by_key(|t| std::cmp::Reverse(t.len()));
        let mut tables = tables.into_iter();
        let mut merged = tables.next().unwrap_or_default();
        for table in tables {
            merged.absorb(table);
        }
        merged.into_merged(keep_quiet)
    }
}

/// Daily rows (day, ip, events) sorted by day then address.
pub fn daily_rows<'a>(ips: impl Iterator<Item = (&'a str, &'a IpStats)>) -> Vec<(i32, &'a str, u64)> {
    let mut rows: Vec<(i32, &str, u64)> = ips.flat_map(|(ip, s)| s.daily().map(move |(d, n)| (d, ip, n))).collect();
    rows.sort_unstable();
    rows
}

/// Distinct statuses with counts, `status:count;...`.
pub fn statuses_text(s: &IpStats) -> String {
    let sorted: BTreeMap<u16, u64> = s.statuses.iter().copied().collect();
    sorted.iter().map(|(k, v)| format!("{k}:{v}")).collect::<Vec<_>>().join(";")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_is_order_independent() {
        let lines: Vec<(&[u8], i64, u16, &[u8])> = vec![
            (b"1.2.3.4", 86_400_000_000, 404, b""),
            (b"::ffff:1.2.3.4", 5 * 86_400_000_000, 401, b"admin"),
            (b"2001:DB8::1", 2 * 86_400_000_000, 200, b""),
            (b"1.2.3.4", 86_400_000_000 + 5, 404, b"root"),
        ];
        let build = |order: &[usize], split: usize| {
            let mut partials = Vec::new();
            for part in [&order[..split], &order[split..]] {
                let mut p = PartialIpTable::default();
                for &i in part {
                    let (ip, ts, st, user) = lines[i];
                    let stats = p.entry(ip);
                    stats.record(Some(ts), LogKind::Access, st);
                    let line = SuspiciousLine {
                        ts: Some(ts),
                        category: Category::AuthBadUser,
                        weak: false,
                        allowed_user_failure: false,
                        user,
                        path: b"/private/?x=1",
                        user_agent: b"",
                    };
                    stats.record_suspicious(&line, 1_800_000_000);
                }
                partials.push(p);
            }
            let mut rows = IpTable::default().merge_rows(partials);
            rows.sort_by(|a, b| a.0.cmp(&b.0));
            rows
        };
        let a = build(&[0, 1, 2, 3], 1);
        let b = build(&[3, 2, 1, 0], 3);
        assert_eq!(a, b);
        assert_eq!(a[0].0, "1.2.3.4");
        assert_eq!(a[0].1.events, 3);
        assert_eq!(a[0].1.days_active(), 2);
        assert_eq!(statuses_text(&a[0].1), "401:1;404:2");
        assert_eq!(a[1].0, "2001:db8::1");
        let s = a[0].1.suspicion.as_ref().unwrap();
        assert_eq!((s.events, s.daily.len(), s.sessions.len()), (3, 2, 2));
        assert_eq!(a[0].1.usernames_sorted(), [("admin", 1), ("root", 1)]);
        assert_eq!(Suspicion::top(&s.paths, 5), [("/private/", 3)]);
    }

    #[test]
    fn a_day_past_four_billion_events_is_counted_whole() {
        let mut a = IpStats::default();
        a.add_day(3, 2);
        a.add_day(5, u64::from(u32::MAX) + 10);
        a.add_day(5, 3);
        let mut b = IpStats::default();
        b.add_day(5, u64::from(u32::MAX));
        a.merge(&b);
        a.settle();
        let big = 2 * u64::from(u32::MAX) + 13;
        assert_eq!(a.daily().collect::<Vec<_>>(), [(3, 2), (5, big)]);
        assert_eq!(a.days_active(), 2);
    }

    #[test]
    fn quiet_addresses_leave_only_their_counts() {
        const DAY: i64 = 86_400_000_000;
        let table = || {
            let mut p = PartialIpTable::default();
            p.entry(b"192.0.2.1").record(Some(DAY), LogKind::Access, 200);
            p.entry(b"2001:db8::1").record(Some(DAY), LogKind::Access, 304);
            p.entry(b"host.example").record(Some(DAY), LogKind::Access, 200);
            let loud = p.entry(b"198.51.100.7");
            loud.record(Some(2 * DAY), LogKind::Access, 404);
            loud.record_suspicious(&SuspiciousLine::bad_user(2 * DAY, "root"), 1_800_000_000);
            p
        };
        let merged = IpTable::default().merge(vec![table()], false);
        let rows: Vec<&str> = merged.rows.iter().map(|(ip, _)| ip.as_str()).collect();
        assert_eq!(rows, ["198.51.100.7"]);
        // The traffic counts every address; the quiet ones leave their keys, host names none.
        assert_eq!((merged.traffic.addresses, &merged.traffic.daily[..]), (4, &[(1, 3), (2, 1)][..]));
        assert_eq!(merged.traffic.status_classes, [0, 0, 2, 1, 1, 0]);
        let mut keys = merged.quiet_keys;
        keys.sort_unstable();
        assert_eq!(keys, [(false, 0xC000_0201), (true, 0x2001_0db8_0000_0000_0000_0000_0000_0001)]);
        // With --all-ips every address keeps its row, and the traffic is the same.
        let all = IpTable::default().merge(vec![table()], true);
        assert_eq!((all.rows.len(), all.quiet_keys.len()), (4, 0));
        assert_eq!(all.traffic, merged.traffic);
    }

    #[test]
    fn statuses_past_the_inline_slots_merge_exactly() {
        let mut a = IpStats::default();
        for status in [200, 301, 404, 200, 403, 500, 502, 404] {
            a.record(Some(0), LogKind::Access, status);
        }
        let mut b = IpStats::default();
        for status in [502, 200, 418] {
            b.record(Some(86_400_000_000), LogKind::Access, status);
        }
        a.merge(&b);
        a.settle();
        assert_eq!(statuses_text(&a), "200:3;301:1;403:1;404:2;418:1;500:1;502:2");
        assert_eq!((a.events, a.days_active()), (11, 2));
    }
}
