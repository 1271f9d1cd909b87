//! Recidive: the days a history store saw an address blocked before, and what they
//! change now (fail2ban's recidive jail, over the store): an address blocked before
//! that comes back with intent is `block` again, and its blocklist entry lasts longer.

use rustc_hash::FxHashMap;

use super::assess::{sort_worst_first, Assessed};
use crate::detect::policy::Verdict;
use crate::vocab::time::day_of;

/// Per address, the UTC days on which its own events made it `block` (sorted).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BlockHistory {
    days: FxHashMap<String, Vec<i32>>,
}

impl BlockHistory {
    /// Records that `ip` was blocked on `day`.
    pub fn add(&mut self, ip: &str, day: i32) {
        let days = self.days.entry(ip.to_owned()).or_default();
        if let Err(at) = days.binary_search(&day) {
            days.insert(at, day);
        }
    }

    /// (days blocked before `cutoff`, the first of them).
    pub fn before(&self, ip: &str, cutoff: i32) -> (u32, Option<i32>) {
        match self.days.get(ip) {
            Some(days) => {
                let n = days.partition_point(|d| *d < cutoff);
                (n as u32, days.first().copied().filter(|_| n > 0))
            }
            None => (0, None),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.days.is_empty()
    }

    /// Adds another store's days (a fleet's servers, read as one).
    pub fn merge(&mut self, other: BlockHistory) {
        for (ip, days) in other.days {
            for day in days {
                self.add(&ip, day);
            }
        }
    }
}

/// Where the earlier days end for an address: the first day of the period a report
/// covers, or, for a scan, the first day the address was seen in it.
pub enum Cutoff {
    Day(i32),
    FirstSeen,
}

/// Sets `previous_blocks` and `first_blocked`, makes a returning blocked address that
/// shows intent `block` again, and sorts worst first again.
pub fn apply(ips: &mut [Assessed], history: &BlockHistory, cutoff: Cutoff) {
    if history.is_empty() {
        return;
    }
    for a in ips.iter_mut().filter(|a| !a.allowed) {
        let day = match cutoff {
            Cutoff::Day(d) => d,
            Cutoff::FirstSeen => match a.stats.first_seen {
                Some(ts) => day_of(ts),
                None => continue,
            },
        };
        let (n, first) = history.before(&a.ip, day);
        a.previous_blocks = n;
        a.first_blocked = first;
        let intent = a.stats.suspicion.as_ref().is_some_and(|s| s.intent_events > 0) || !a.trips.is_empty();
        if n > 0 && intent && a.verdict == Verdict::Watch {
            a.verdict = Verdict::Block;
        }
    }
    sort_worst_first(ips);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_days_before_the_cutoff_count() {
        let mut h = BlockHistory::default();
        for d in [30, 10, 20, 20] {
            h.add("203.0.113.7", d);
        }
        assert_eq!(h.before("203.0.113.7", 5), (0, None));
        assert_eq!(h.before("203.0.113.7", 21), (2, Some(10)));
        assert_eq!(h.before("203.0.113.7", 99), (3, Some(10)));
        assert_eq!(h.before("192.0.2.1", 99), (0, None));
    }
}
