//! What the blocklist lists: the verdict, the range rule's thresholds, special ranges,
//! and this server's own addresses, as resolved by `config` (and, for this machine's
//! interfaces, `enrich::own`).

use super::net::Net;
use crate::detect::policy::Verdict;

#[derive(Clone, Debug, PartialEq)]
pub struct BlocklistSettings {
    /// The lowest verdict that is listed.
    pub verdict: Verdict,
    /// Propose ranges at all.
    pub ranges: bool,
    /// Listed addresses that must share a range before it is proposed.
    pub range_min_ips: usize,
    pub range_v4_prefix: u8,
    pub range_v6_prefix: u8,
    /// Keep private and documentation addresses (a lab, or the sample logs).
    pub include_special: bool,
    /// This server's addresses and networks: never listed, never inside a range.
    /// Sorted, without duplicates.
    pub own: Vec<Net>,
    /// How many of `own` came from this machine's interfaces.
    pub own_from_system: usize,
    /// Seconds an entry of the nft and ipset files stays before the firewall drops it;
    /// 0: never (iptables rules never expire).
    pub ban_time_secs: u64,
    /// Whole labelled ranges that may be listed (see `labels`), and the evidence a
    /// label not asked for by name needs: listed addresses inside, and a size cap.
    pub label_blocks: Vec<super::LabelBlock>,
    pub label_min_listed: usize,
    pub label_max_addresses: u128,
}

/// ipset's largest timeout (its kernel side keeps milliseconds in a 32-bit value).
pub const MAX_BAN_TIME_SECS: u64 = 2_147_483;

/// How much longer a recidivist's entry lasts (fail2ban's recidive jail bans for a
/// week what its jails banned for minutes), up to `MAX_BAN_TIME_SECS`.
pub const RECIDIVE_BAN_FACTOR: u64 = 4;

/// A week: long enough to outlast a campaign, short enough that a reassigned dynamic
/// address is not blocked for good.
pub const DEFAULT_BAN_TIME_SECS: u64 = 7 * 86_400;

impl Default for BlocklistSettings {
    fn default() -> Self {
        BlocklistSettings {
            verdict: Verdict::Block,
            ranges: true,
            range_min_ips: 3,
            range_v4_prefix: 24,
            range_v6_prefix: 64,
            include_special: false,
            own: Vec::new(),
            own_from_system: 0,
            ban_time_secs: DEFAULT_BAN_TIME_SECS,
            label_blocks: Vec::new(),
            label_min_listed: 10,
            label_max_addresses: 1 << 16,
        }
    }
}

impl BlocklistSettings {
    /// Seconds an entry stays: the ban time, `RECIDIVE_BAN_FACTOR` times it for an
    /// address blocked before (at most ipset's limit); 0 for no expiry.
    pub fn ban_secs(&self, previous_blocks: u32) -> u64 {
        match (self.ban_time_secs, previous_blocks) {
            (0, _) => 0,
            (secs, 0) => secs,
            (secs, _) => secs.saturating_mul(RECIDIVE_BAN_FACTOR).min(MAX_BAN_TIME_SECS.max(secs)),
        }
    }

    /// The prefix length of a proposed range in a family.
    pub fn range_prefix(&self, v6: bool) -> u8 {
        if v6 {
            self.range_v6_prefix
        } else {
            self.range_v4_prefix
        }
    }

    /// Adds this machine's interface addresses to the own addresses.
    pub fn add_system_addresses(&mut self, addrs: &[std::net::IpAddr]) {
        self.own.extend(addrs.iter().copied().map(Net::of_ip));
        self.own.sort();
        self.own.dedup();
        self.own_from_system += addrs.len();
    }
}
