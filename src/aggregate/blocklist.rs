//! Blocklist entries: the block-verdict addresses, collapsed into addresses and
//! ranges, each with the reason a person reads before loading it into a firewall.

use crate::detect::Category;

/// One line of the blocklist: an address or a range.
#[derive(Clone, Debug, PartialEq)]
pub struct BlockEntry {
    /// An address ("203.0.113.7", "2001:db8::1") or a CIDR range ("203.0.113.0/24").
    pub network: String,
    pub v6: bool,
    /// Block-verdict addresses it covers (1 for a single address).
    pub addresses: u32,
    /// Why, for a person: what the address did, or which addresses made the range.
    pub reason: String,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    /// Categories of the suspicious events it covers, in `Category::ALL` order.
    pub categories: Vec<Category>,
}
