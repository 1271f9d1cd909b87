//! Per-IP statistics: first/last seen, events per log kind and per UTC day, usernames
//! and HTTP statuses. A chunk fills a `PartialIpTable` keyed by the address bytes as
//! written (no allocation for a known address); `IpTable` merges partials under the
//! canonical address. Every field merges commutatively, so thread count and chunk
//! order cannot change the result.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use super::ip::canonical;
use crate::event::LogKind;
use crate::text::lossless;
use crate::time::day_of;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct IpStats {
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    pub events: u64,
    pub by_kind: [u64; 4],
    /// (UTC day number, events), sorted by day once merged.
    pub daily: Vec<(i32, u64)>,
    pub usernames: FxHashMap<String, u64>,
    pub statuses: Vec<(u16, u64)>,
}

impl IpStats {
    /// Counts one line. `user` is the remote user or the username tried (empty: none);
    /// `status` the HTTP status (0: none).
    #[inline]
    pub fn record(&mut self, ts: Option<i64>, kind: LogKind, user: &[u8], status: u16) {
        self.events += 1;
        self.by_kind[kind.index()] += 1;
        if let Some(ts) = ts {
            self.first_seen = Some(self.first_seen.map_or(ts, |f| f.min(ts)));
            self.last_seen = Some(self.last_seen.map_or(ts, |l| l.max(ts)));
            add_count(&mut self.daily, day_of(ts), 1);
        }
        if status != 0 {
            add_count(&mut self.statuses, status, 1);
        }
        if !user.is_empty() {
            match std::str::from_utf8(user) {
                Ok(u) => match self.usernames.get_mut(u) {
                    Some(n) => *n += 1,
                    None => {
                        self.usernames.insert(u.to_owned(), 1);
                    }
                },
                Err(_) => *self.usernames.entry(lossless(user)).or_default() += 1,
            }
        }
    }

    pub fn merge(&mut self, other: IpStats) {
        self.events += other.events;
        for (a, b) in self.by_kind.iter_mut().zip(other.by_kind) {
            *a += b;
        }
        self.first_seen = min_opt(self.first_seen, other.first_seen);
        self.last_seen = max_opt(self.last_seen, other.last_seen);
        for (day, n) in other.daily {
            add_count(&mut self.daily, day, n);
        }
        for (status, n) in other.statuses {
            add_count(&mut self.statuses, status, n);
        }
        if self.usernames.is_empty() {
            self.usernames = other.usernames;
        } else {
            for (u, n) in other.usernames {
                *self.usernames.entry(u).or_default() += n;
            }
        }
    }

    pub fn days_active(&self) -> usize {
        self.daily.len()
    }

    /// Usernames sorted by name, with counts.
    pub fn usernames_sorted(&self) -> Vec<(&str, u64)> {
        let mut v: Vec<(&str, u64)> = self.usernames.iter().map(|(u, n)| (u.as_str(), *n)).collect();
        v.sort_unstable();
        v
    }
}

/// Adds `n` to `key`'s count in a small vector. Log lines are mostly in time order, so
/// the last entry is checked first.
#[inline]
fn add_count<K: PartialEq + Copy>(counts: &mut Vec<(K, u64)>, key: K, n: u64) {
    if let Some(last) = counts.last_mut() {
        if last.0 == key {
            last.1 += n;
            return;
        }
    }
    match counts.iter_mut().find(|(k, _)| *k == key) {
        Some(entry) => entry.1 += n,
        None => counts.push((key, n)),
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

/// One chunk's statistics, keyed by the address bytes exactly as the log wrote them.
#[derive(Debug, Default)]
pub struct PartialIpTable {
    map: FxHashMap<Box<[u8]>, IpStats>,
}

impl PartialIpTable {
    #[inline]
    pub fn entry(&mut self, raw_ip: &[u8]) -> &mut IpStats {
        // Two lookups on a miss, none allocating on a hit: hits are the common case.
        if !self.map.contains_key(raw_ip) {
            self.map.insert(raw_ip.into(), IpStats::default());
        }
        self.map.get_mut(raw_ip).expect("inserted above")
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// All IPs of a scan. Merged by the bytes as written while the scan runs (moving the
/// chunks' keys, no allocation); `into_sorted` folds spellings of one address together.
#[derive(Debug, Default)]
pub struct IpTable {
    map: FxHashMap<Box<[u8]>, IpStats>,
}

impl IpTable {
    pub fn merge_partial(&mut self, partial: PartialIpTable) {
        if self.map.is_empty() {
            self.map = partial.map;
            return;
        }
        for (raw, stats) in partial.map {
            match self.map.get_mut(&raw) {
                Some(existing) => existing.merge(stats),
                None => {
                    self.map.insert(raw, stats);
                }
            }
        }
    }

    /// Counts one line directly (lines attributed after the fact, e.g. by sshd pid).
    pub fn record(&mut self, raw_ip: &[u8], ts: Option<i64>, kind: LogKind, user: &[u8], status: u16) {
        if !self.map.contains_key(raw_ip) {
            self.map.insert(raw_ip.into(), IpStats::default());
        }
        if let Some(s) = self.map.get_mut(raw_ip) {
            s.record(ts, kind, user, status);
        }
    }

    pub fn raw_len(&self) -> usize {
        self.map.len()
    }

    /// The final rows under canonical addresses: daily counts sorted by day, IPs
    /// ordered by events (most first), then by address, so output order never depends
    /// on hashing or threads.
    pub fn into_sorted(self) -> Vec<(String, IpStats)> {
        let mut merged: FxHashMap<String, IpStats> = FxHashMap::default();
        for (raw, stats) in self.map {
            match merged.entry(canonical(&raw)) {
                std::collections::hash_map::Entry::Occupied(mut e) => e.get_mut().merge(stats),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(stats);
                }
            }
        }
        let mut rows: Vec<(String, IpStats)> = merged
            .into_iter()
            .map(|(ip, mut s)| {
                s.daily.sort_unstable();
                s.statuses.sort_unstable();
                (ip, s)
            })
            .collect();
        rows.sort_by(|a, b| b.1.events.cmp(&a.1.events).then_with(|| a.0.cmp(&b.0)));
        rows
    }
}

/// Daily rows (day, ip, events) sorted by day then address.
pub fn daily_rows(ips: &[(String, IpStats)]) -> Vec<(i32, &str, u64)> {
    let mut rows: Vec<(i32, &str, u64)> =
        ips.iter().flat_map(|(ip, s)| s.daily.iter().map(move |&(d, n)| (d, ip.as_str(), n))).collect();
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
            let mut table = IpTable::default();
            for part in [&order[..split], &order[split..]] {
                let mut p = PartialIpTable::default();
                for &i in part {
                    let (ip, ts, st, user) = lines[i];
                    p.entry(ip).record(Some(ts), LogKind::Access, user, st);
                }
                table.merge_partial(p);
            }
            table.into_sorted()
        };
        let a = build(&[0, 1, 2, 3], 1);
        let b = build(&[3, 2, 1, 0], 3);
        assert_eq!(a, b);
        assert_eq!(a[0].0, "1.2.3.4");
        assert_eq!(a[0].1.events, 3);
        assert_eq!(a[0].1.days_active(), 2);
        assert_eq!(statuses_text(&a[0].1), "401:1;404:2");
        assert_eq!(a[1].0, "2001:db8::1");
    }
}
