//! Blocklist entries: the block-verdict addresses, collapsed into addresses and
//! ranges, each with the reason a person reads before loading it into a firewall.
//!
//! What is listed is exact: the listed-verdict addresses, plus a proposed range only
//! where enough of them share one and nothing that must stay reachable (an allowed,
//! benign or own address, a special-purpose range) is inside. Adjacent and overlapping
//! pieces are then written as the fewest CIDR blocks covering exactly the same
//! addresses. Reasons are built from counts, categories and canonical addresses only,
//! never from text an attacker wrote.

pub mod labels;
pub mod net;
pub mod settings;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

pub use labels::{LabelBlock, LabelOutcome};
pub use net::{Net, Special};
pub use settings::BlocklistSettings;

use super::crawlers::ClaimCheck;
use crate::aggregate::assess::Assessed;
use crate::aggregate::IpStats;
use crate::detect::allowlist::AllowList;
use crate::detect::policy::Verdict;
use crate::vocab::event::Category;

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
    /// The most days a history store saw one of its addresses blocked before (a
    /// recidivist's entry lasts longer: `BlocklistSettings::ban_secs`).
    pub previous_blocks: u32,
    /// A single address's forward-confirmed reverse name (`--dns`), as DNS gave it.
    pub rdns: Option<String>,
}

/// Addresses that sent traffic which did not count against them (pages, successful
/// logins, allowed users, lines no rule flagged). A proposed range must not contain
/// one that is not itself listed: blocking the range would lock out a real visitor.
/// Collected from the scan's address table before `assess` drops the addresses
/// without suspicious events.
#[derive(Clone, Debug, Default)]
pub struct BenignAddresses {
    /// (IPv6, address), sorted.
    keys: Vec<(bool, u128)>,
}

impl BenignAddresses {
    /// The rows' addresses with benign traffic, and the quiet addresses that have no row.
    pub fn collect(rows: &[(String, IpStats)], quiet_keys: Vec<(bool, u128)>) -> BenignAddresses {
        let mut keys = quiet_keys;
        keys.extend(
            rows.iter()
                .filter(|(_, s)| s.events > s.suspicion.as_ref().map_or(0, |x| x.events + x.weak))
                .filter_map(|(ip, _)| ip.parse().ok().map(net::key_of)),
        );
        BenignAddresses::from_keys(keys)
    }

    pub fn from_keys(mut keys: Vec<(bool, u128)>) -> BenignAddresses {
        keys.sort_unstable();
        keys.dedup();
        BenignAddresses { keys }
    }

    /// The benign addresses inside `net`, in order.
    fn inside(&self, net: &Net) -> &[(bool, u128)] {
        let lo = self.keys.partition_point(|k| *k < (net.v6, net.first()));
        let hi = self.keys.partition_point(|k| *k <= (net.v6, net.last()));
        &self.keys[lo..hi]
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// Why a listed-verdict address was left off the list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Exclusion {
    Allowed,
    Own,
    Special(Special),
    /// A host name or other text the log gave instead of an address.
    NotAnAddress,
    /// A search-engine crawler whose claim was verified (ranges or DNS).
    VerifiedCrawler,
}

impl Exclusion {
    pub fn as_str(self) -> &'static str {
        match self {
            Exclusion::Allowed => "allow-listed",
            Exclusion::Own => "this server's own address",
            Exclusion::Special(s) => s.as_str(),
            Exclusion::NotAnAddress => "not an IP address",
            Exclusion::VerifiedCrawler => "a verified search-engine crawler",
        }
    }

    /// The key in summary.json.
    pub fn key(self) -> &'static str {
        match self {
            Exclusion::Allowed => "allowed",
            Exclusion::Own => "own",
            Exclusion::Special(Special::Loopback) => "loopback",
            Exclusion::Special(Special::Private) => "private",
            Exclusion::Special(Special::LinkLocal) => "link_local",
            Exclusion::Special(Special::Documentation) => "documentation",
            Exclusion::Special(Special::Multicast) => "multicast",
            Exclusion::Special(Special::Reserved) => "reserved",
            Exclusion::NotAnAddress => "not_an_address",
            Exclusion::VerifiedCrawler => "verified_crawler",
        }
    }
}

/// A range the rule looked at and did not propose, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct RejectedRange {
    pub net: Net,
    /// Listed addresses inside it.
    pub members: usize,
    pub why: String,
}

/// The finished blocklist.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Blocklist {
    /// IPv4 then IPv6, in address order, never overlapping.
    pub entries: Vec<BlockEntry>,
    /// Addresses whose verdict is listed (before exclusions).
    pub candidates: usize,
    /// Of those, the addresses on the list.
    pub listed: usize,
    /// The others, per reason.
    pub excluded: BTreeMap<Exclusion, usize>,
    /// Ranges proposed by the range rule (before collapsing).
    pub ranges: Vec<Net>,
    pub rejected_ranges: Vec<RejectedRange>,
    /// Whole labelled ranges: what became of each (see `labels`).
    pub label_blocks: Vec<LabelOutcome>,
}

impl Blocklist {
    pub fn entries_v4(&self) -> usize {
        self.entries.iter().filter(|e| !e.v6).count()
    }

    pub fn entries_v6(&self) -> usize {
        self.entries.iter().filter(|e| e.v6).count()
    }
}

/// A listed address.
struct Member<'a> {
    v6: bool,
    addr: u128,
    who: &'a Assessed,
}

/// Builds the blocklist from the assessed addresses.
pub fn build(ips: &[Assessed], benign: &BenignAddresses, allow: &AllowList, settings: &BlocklistSettings) -> Blocklist {
    let mut list = Blocklist::default();
    let allow_nets: Vec<Net> = allow.user_blocks().iter().map(|b| Net::from_block(*b)).collect();
    let mut members: Vec<Member> = Vec::new();
    for who in ips.iter().filter(|a| a.verdict >= settings.verdict.max(Verdict::Watch)) {
        list.candidates += 1;
        match classify(who, &allow_nets, settings) {
            Ok((v6, addr)) => members.push(Member { v6, addr, who }),
            Err(why) => *list.excluded.entry(why).or_default() += 1,
        }
    }
    members.sort_by_key(|m| (m.v6, m.addr));
    members.dedup_by_key(|m| (m.v6, m.addr));
    list.listed = members.len();

    if settings.ranges {
        propose_ranges(&members, benign, &allow_nets, settings, &mut list);
    }
    let (outcomes, label_nets) = labels::judge(&members, benign, &allow_nets, settings);
    list.label_blocks = outcomes;

    // Every listed address and proposed range as an interval; overlapping and adjacent
    // ones join, and each joined interval is written as its exact CIDR cover.
    let mut spans: Vec<(bool, u128, u128)> = members.iter().map(|m| (m.v6, m.addr, m.addr)).collect();
    spans.extend(list.ranges.iter().map(|r| (r.v6, r.first(), r.last())));
    spans.extend(label_nets.iter().map(|(r, _)| (r.v6, r.first(), r.last())));
    spans.sort_unstable();
    let mut joined: Vec<(bool, u128, u128)> = Vec::new();
    for (v6, lo, hi) in spans {
        match joined.last_mut() {
            Some(last) if last.0 == v6 && lo <= last.2.saturating_add(1) => last.2 = last.2.max(hi),
            _ => joined.push((v6, lo, hi)),
        }
    }
    debug_assert!(list.ranges.windows(2).all(|w| (w[0].v6, w[0].last()) < (w[1].v6, w[1].first())));
    for (v6, lo, hi) in joined {
        for piece in net::cidrs(v6, lo, hi) {
            let from = members.partition_point(|m| (m.v6, m.addr) < (v6, piece.first()));
            let to = members.partition_point(|m| (m.v6, m.addr) <= (v6, piece.last()));
            let mut e = entry(piece, &members[from..to], overlapping(&list.ranges, &piece), settings);
            let mut labelled: Vec<usize> =
                label_nets.iter().filter(|(n, _)| n.overlaps(&piece)).map(|(_, i)| *i).collect();
            labelled.dedup();
            if !labelled.is_empty() {
                let names: Vec<&str> = labelled.iter().map(|i| list.label_blocks[*i].label.as_str()).collect();
                let whole = format!("in {}, listed whole (see summary.json blocklist.label_blocks)", names.join(", "));
                e.reason = if e.reason.is_empty() { whole } else { format!("{whole}; {}", e.reason) };
            }
            list.entries.push(e);
        }
    }
    list
}

/// The ranges of `ranges` that overlap `piece`. The proposed ranges are sorted and
/// disjoint (one prefix per family, from a sorted map), so those are one run of them,
/// found by halving: a storm of a million scanners has that many pieces and tens of
/// thousands of ranges, and testing every range for every piece took seconds.
fn overlapping<'r>(ranges: &'r [Net], piece: &Net) -> &'r [Net] {
    let from = ranges.partition_point(|r| (r.v6, r.last()) < (piece.v6, piece.first()));
    let to = ranges.partition_point(|r| (r.v6, r.first()) <= (piece.v6, piece.last()));
    &ranges[from..to.max(from)]
}

/// The address of a listed-verdict client, or why it must not be listed.
fn classify(who: &Assessed, allow_nets: &[Net], settings: &BlocklistSettings) -> Result<(bool, u128), Exclusion> {
    let Ok(ip) = who.ip.parse() else {
        return Err(Exclusion::NotAnAddress);
    };
    let (v6, addr) = net::key_of(ip);
    if (!v6 && addr >> 24 == 127) || (v6 && addr == 1) {
        return Err(Exclusion::Special(Special::Loopback));
    }
    if who.allowed || allow_nets.iter().any(|n| n.contains(v6, addr)) {
        return Err(Exclusion::Allowed);
    }
    if settings.own.iter().any(|n| n.contains(v6, addr)) {
        return Err(Exclusion::Own);
    }
    if who.stats.crawler.is_some_and(|c| c.check == ClaimCheck::Verified) {
        return Err(Exclusion::VerifiedCrawler);
    }
    match net::special(v6, addr) {
        Some(class) if !(settings.include_special && class.can_include()) => Err(Exclusion::Special(class)),
        _ => Ok((v6, addr)),
    }
}

/// The range rule: a range of the configured prefix is proposed when at least
/// `range_min_ips` listed addresses share it and nothing that must stay reachable is
/// inside.
fn propose_ranges(
    members: &[Member],
    benign: &BenignAddresses,
    allow_nets: &[Net],
    settings: &BlocklistSettings,
    list: &mut Blocklist,
) {
    let mut groups: BTreeMap<Net, Vec<u128>> = BTreeMap::new();
    for m in members {
        groups.entry(Net::new(m.v6, m.addr, settings.range_prefix(m.v6))).or_default().push(m.addr);
    }
    for (range, inside) in groups {
        if inside.len() < settings.range_min_ips {
            continue;
        }
        match range_blocker(&range, &inside, benign, allow_nets, settings) {
            None => list.ranges.push(range),
            Some(why) => list.rejected_ranges.push(RejectedRange { net: range, members: inside.len(), why }),
        }
    }
}

/// What inside `range` must stay reachable whatever its neighbours did: this server's
/// own addresses, allow-listed blocks, special-purpose ranges (unless included).
fn must_stay_reachable(range: &Net, allow_nets: &[Net], settings: &BlocklistSettings) -> Option<String> {
    if let Some(own) = settings.own.iter().find(|n| n.overlaps(range)) {
        return Some(format!("this server's address {own} is inside"));
    }
    if let Some(allowed) = allow_nets.iter().find(|n| n.overlaps(range)) {
        return Some(format!("allow-listed {allowed} is inside"));
    }
    let special = net::special_ranges()
        .find(|(n, class)| n.overlaps(range) && !(settings.include_special && class.can_include()));
    special.map(|(n, class)| format!("it overlaps the {} range {n}", class.as_str()))
}

/// What keeps a range from being proposed, if anything. `members` is sorted.
fn range_blocker(
    range: &Net,
    members: &[u128],
    benign: &BenignAddresses,
    allow_nets: &[Net],
    settings: &BlocklistSettings,
) -> Option<String> {
    if let Some(why) = must_stay_reachable(range, allow_nets, settings) {
        return Some(why);
    }
    let visitors: Vec<Net> = benign
        .inside(range)
        .iter()
        .filter(|(_, a)| members.binary_search(a).is_err())
        .map(|&(v6, a)| Net::host(v6, a))
        .collect();
    if !visitors.is_empty() {
        let shown: Vec<String> = visitors.iter().take(3).map(|n| n.to_string()).collect();
        let more = if visitors.len() > 3 { format!(" and {} more", visitors.len() - 3) } else { String::new() };
        let them = if visitors.len() == 1 { "it (a visitor to keep)" } else { "them (visitors to keep)" };
        return Some(format!("{}{more} inside had traffic that did not count against {them}", shown.join(", ")));
    }
    None
}

/// Members described in a reason before "and N more".
const MEMBERS_SHOWN: usize = 8;

fn entry(piece: Net, members: &[Member], ranges: &[Net], settings: &BlocklistSettings) -> BlockEntry {
    let mut categories = [false; Category::ALL.len()];
    let mut days = BTreeSet::new();
    let (mut first_seen, mut last_seen): (Option<i64>, Option<i64>) = (None, None);
    let mut events = 0;
    for m in members {
        let stats = &m.who.stats;
        first_seen = crate::aggregate::ip_stats::min_opt(first_seen, stats.first_seen);
        last_seen = crate::aggregate::ip_stats::max_opt(last_seen, stats.last_seen);
        if let Some(s) = &stats.suspicion {
            events += s.events;
            days.extend(s.daily.iter().map(|d| d.0));
            for c in Category::ALL.iter().filter(|c| c.is_suspicious() && s.by_category[c.index()] > 0) {
                categories[c.index()] = true;
            }
        }
    }
    let mut reason = String::new();
    if !ranges.is_empty() {
        let names: Vec<String> = ranges.iter().map(|r| r.to_string()).collect();
        let _ = write!(
            reason,
            "range{} {} proposed: {} {}-verdict addresses inside (at least {} per /{} needed), no allowed, benign or own address: ",
            if ranges.len() == 1 { "" } else { "s" },
            names.join(", "),
            members.len(),
            settings.verdict.as_str(),
            settings.range_min_ips,
            settings.range_prefix(piece.v6),
        );
    }
    if ranges.is_empty() && members.len() == 1 {
        let who = members[0].who;
        let _ = write!(
            reason,
            "{}{}: {}",
            who.verdict.as_str(),
            if who.sneak { " (sneak attacker)" } else { "" },
            activity(who)
        );
        if who.previous_blocks > 0 {
            let _ = write!(
                reason,
                "; blocked before on {} day{}",
                who.previous_blocks,
                plural(who.previous_blocks as usize)
            );
        }
    } else {
        if ranges.is_empty() {
            let _ = write!(reason, "{} addresses: ", members.len());
        }
        let _ = write!(reason, "{events} suspicious events on {} day{}: ", days.len(), plural(days.len()));
        for (i, m) in members.iter().take(MEMBERS_SHOWN).enumerate() {
            let sep = if i == 0 { "" } else { "; " };
            let sneak = if m.who.sneak { ", sneak attacker" } else { "" };
            let ip = Net::host(m.v6, m.addr);
            let _ = write!(reason, "{sep}{ip} ({}{sneak}, {})", m.who.verdict.as_str(), activity(m.who));
        }
        if members.len() > MEMBERS_SHOWN {
            let _ = write!(reason, "; and {} more", members.len() - MEMBERS_SHOWN);
        }
    }
    BlockEntry {
        network: piece.to_string(),
        v6: piece.v6,
        addresses: members.len() as u32,
        reason,
        first_seen,
        last_seen,
        categories: Category::ALL.iter().copied().filter(|c| categories[c.index()]).collect(),
        previous_blocks: members.iter().map(|m| m.who.previous_blocks).max().unwrap_or(0),
        rdns: None,
    }
}

/// "114 suspicious events on 1 day".
fn activity(who: &Assessed) -> String {
    let (events, days) = who.stats.suspicion.as_ref().map_or((0, 0), |s| (s.events, s.daily.len()));
    format!("{events} suspicious event{} on {days} day{}", plural(events as usize), plural(days))
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
