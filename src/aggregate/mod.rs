//! Aggregation: per-IP statistics built per chunk without allocation on the hot path,
//! merged into one table keyed by the canonical address; per-file reading statistics;
//! the event tally; and what is judged of the merged addresses: verdicts (`assess`)
//! and the blocklist.

pub mod assess;
pub mod behaviour;
pub mod blocklist;
pub mod bounded;
pub mod campaigns;
pub mod crawlers;
pub mod file_stats;
pub mod history_lines;
pub mod ip_stats;
pub mod recidive;
pub mod sessions;
pub mod tally;
pub mod trail;
pub mod v4_index;

/// Makes room for one element in a vector that has none: most addresses' lists (days,
/// sessions, usernames) hold one element, and a first push reserves four (a million
/// one-line attackers spent 350 MB on room never used). Later pushes grow as usual.
#[inline]
pub(crate) fn reserve_first<T>(v: &mut Vec<T>) {
    if v.capacity() == 0 {
        v.reserve_exact(1);
    }
}

pub use file_stats::FileStats;
pub use ip_stats::{IpStats, IpTable, PartialIpTable};
