//! Per-IP statistics: first/last seen, events per log kind and per UTC day, usernames
//! and HTTP statuses, keyed by address (one key per address however it is spelled).
//! Every field merges commutatively, so thread count and chunk order cannot change
//! the result.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use std::net::{Ipv4Addr, Ipv6Addr};

use super::ip::{canonical, AddrKey};
use crate::event::LogKind;
use crate::text::lossless;
use crate::time::day_of;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct IpStats {
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    pub events: u64,
    pub by_kind: [u64; 4],
    /// (UTC day number, events). Complete only after `settle`; while counting, the
    /// current day lives in `day_now` so a line touches no second cache line.
    pub daily: Vec<(i32, u64)>,
    day_now: (i32, u64),
    pub usernames: FxHashMap<String, u64>,
    /// (HTTP status, count). Complete only after `settle`; the first few statuses are
    /// counted inline for the same reason.
    pub statuses: Vec<(u16, u64)>,
    statuses_now: [(u16, u32); 4],
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
            let day = day_of(ts);
            if self.day_now.0 == day && self.day_now.1 > 0 {
                self.day_now.1 += 1;
            } else {
                if self.day_now.1 > 0 {
                    add_count(&mut self.daily, self.day_now.0, self.day_now.1);
                }
                self.day_now = (day, 1);
            }
        }
        if status != 0 {
            self.count_status(status);
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

    #[inline]
    fn count_status(&mut self, status: u16) {
        for slot in &mut self.statuses_now {
            if slot.0 == status {
                slot.1 += 1;
                return;
            }
            if slot.0 == 0 {
                *slot = (status, 1);
                return;
            }
        }
        add_count(&mut self.statuses, status, 1);
    }

    /// Moves the inline counters into `daily` and `statuses` and sorts them.
    pub fn settle(&mut self) {
        if self.day_now.1 > 0 {
            add_count(&mut self.daily, self.day_now.0, self.day_now.1);
            self.day_now = (0, 0);
        }
        for slot in std::mem::take(&mut self.statuses_now) {
            if slot.0 != 0 {
                add_count(&mut self.statuses, slot.0, slot.1 as u64);
            }
        }
        self.daily.sort_unstable();
        self.statuses.sort_unstable();
    }

    pub fn merge(&mut self, mut other: IpStats) {
        other.settle();
        self.settle();
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

    /// Distinct UTC days with activity (after `settle`).
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

/// Statistics keyed by address: IPv4 and IPv6 by value, other text (host names,
/// odd spellings) by the exact bytes written. A hit allocates nothing.
#[derive(Debug, Default)]
pub struct PartialIpTable {
    v4: FxHashMap<u32, IpStats>,
    v6: FxHashMap<u128, IpStats>,
    text: FxHashMap<Box<[u8]>, IpStats>,
}

impl PartialIpTable {
    #[inline]
    pub fn entry(&mut self, raw_ip: &[u8]) -> &mut IpStats {
        match AddrKey::of(raw_ip) {
            AddrKey::V4(a) => self.v4.entry(a).or_default(),
            AddrKey::V6(a) => self.v6.entry(a).or_default(),
            AddrKey::Text(t) => {
                if !self.text.contains_key(t) {
                    self.text.insert(t.into(), IpStats::default());
                }
                self.text.get_mut(t).expect("inserted above")
            }
        }
    }

    pub fn len(&self) -> usize {
        self.v4.len() + self.v6.len() + self.text.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn merge(&mut self, other: PartialIpTable) {
        merge_map(&mut self.v4, other.v4);
        merge_map(&mut self.v6, other.v6);
        merge_map(&mut self.text, other.text);
    }
}

fn merge_map<K: std::hash::Hash + Eq>(into: &mut FxHashMap<K, IpStats>, from: FxHashMap<K, IpStats>) {
    if into.is_empty() {
        *into = from;
        return;
    }
    for (k, stats) in from {
        match into.entry(k) {
            std::collections::hash_map::Entry::Occupied(mut e) => e.get_mut().merge(stats),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(stats);
            }
        }
    }
}

/// All IPs of a scan: the worker threads' tables merged, plus lines attributed later.
#[derive(Debug, Default)]
pub struct IpTable {
    table: PartialIpTable,
}

impl IpTable {
    pub fn merge_partial(&mut self, partial: PartialIpTable) {
        self.table.merge(partial);
    }

    /// Counts one line directly (lines attributed after the fact, e.g. by sshd pid).
    pub fn record(&mut self, raw_ip: &[u8], ts: Option<i64>, kind: LogKind, user: &[u8], status: u16) {
        self.table.entry(raw_ip).record(ts, kind, user, status);
    }

    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// The final rows under canonical spellings: daily counts sorted by day, IPs
    /// ordered by events (most first), then by address, so output order never depends
    /// on hashing or threads.
    pub fn into_sorted(self) -> Vec<(String, IpStats)> {
        let PartialIpTable { v4, v6, text } = self.table;
        let mut rows: Vec<(String, IpStats)> = Vec::with_capacity(v4.len() + v6.len() + text.len());
        rows.extend(v4.into_iter().map(|(a, s)| (Ipv4Addr::from(a).to_string(), s)));
        rows.extend(v6.into_iter().map(|(a, s)| (Ipv6Addr::from(a).to_string(), s)));
        rows.extend(text.into_iter().map(|(t, s)| (canonical(&t), s)));
        for (_, s) in &mut rows {
            s.settle();
        }
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
