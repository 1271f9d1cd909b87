//! Aggregation: per-IP statistics built per chunk without allocation on the hot path,
//! merged into one table keyed by the canonical address; per-file reading statistics;
//! the event tally; and what is judged of the merged addresses: verdicts (`assess`)
//! and the blocklist.

pub mod assess;
pub mod blocklist;
pub mod bounded;
pub mod file_stats;
pub mod ip_stats;
pub mod sessions;
pub mod tally;
pub mod v4_index;

pub use file_stats::FileStats;
pub use ip_stats::{IpStats, IpTable, PartialIpTable};
