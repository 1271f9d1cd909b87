//! Aggregation: per-IP statistics built per chunk without allocation on the hot path,
//! merged into one table keyed by the canonical address; per-file reading statistics.

pub mod blocklist;
pub mod file_stats;
pub mod ip_stats;
pub mod sessions;
pub mod v4_index;

pub use file_stats::FileStats;
pub use ip_stats::{IpStats, IpTable, PartialIpTable};
