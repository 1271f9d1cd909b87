//! Whole labelled ranges on the blocklist ("block all of AWS"): the ranges of a
//! `--ranges` label, a country or an autonomous system. Asked for by name, they are
//! listed less what must stay reachable; otherwise a `--ranges` label is proposed only
//! on evidence: at least `label_min_listed` listed addresses inside, not one benign,
//! allowed or own address, and at most `label_max_addresses` addresses in all.

use super::net::Net;
use super::{must_stay_reachable, BenignAddresses, BlocklistSettings, Member};

/// A labelled set of ranges that may be blocked whole.
#[derive(Clone, Debug, PartialEq)]
pub struct LabelBlock {
    /// `range aws`, `country CN`, `AS64500`.
    pub label: String,
    /// Asked for by name (`--block-range-label`, `--block-country`, `--block-asn`).
    pub asked: bool,
    /// The ranges, sorted.
    pub nets: Vec<Net>,
}

/// What became of one label block: its size, the evidence, and whether it is listed.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct LabelOutcome {
    pub label: String,
    pub asked: bool,
    pub networks: usize,
    /// Addresses it spans (as text: an IPv6 label's count does not fit a JSON number).
    pub addresses: String,
    /// Listed-verdict addresses inside, and benign ones (not listed) inside.
    pub listed_inside: usize,
    pub benign_inside: usize,
    /// Networks left out because an own, allowed or special-purpose address is in them.
    pub networks_left_out: usize,
    pub proposed: bool,
    /// Why it was not proposed (or what was left out of an asked one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Judges every label block of `settings`; returns the outcomes and the networks to
/// list with the index of the outcome each comes from.
pub(super) fn judge(
    members: &[Member],
    benign: &BenignAddresses,
    allow_nets: &[Net],
    settings: &BlocklistSettings,
) -> (Vec<LabelOutcome>, Vec<(Net, usize)>) {
    let mut outcomes = Vec::new();
    let mut listed = Vec::new();
    for block in &settings.label_blocks {
        let (kept, left_out): (Vec<Net>, Vec<Net>) =
            block.nets.iter().partition(|n| must_stay_reachable(n, allow_nets, settings).is_none());
        let inside = |n: &Net| {
            let lo = members.partition_point(|m| (m.v6, m.addr) < (n.v6, n.first()));
            let hi = members.partition_point(|m| (m.v6, m.addr) <= (n.v6, n.last()));
            hi - lo
        };
        let listed_inside: usize = block.nets.iter().map(inside).sum();
        let benign_inside: usize = block
            .nets
            .iter()
            .flat_map(|n| benign.inside(n))
            .filter(|k| members.binary_search_by(|m| (m.v6, m.addr).cmp(k)).is_err())
            .count();
        let size: u128 =
            block.nets.iter().map(|n| (n.last() - n.first()).saturating_add(1)).fold(0, u128::saturating_add);
        let note = if block.asked {
            (!left_out.is_empty()).then(|| {
                format!("{} networks holding own, allowed or special-purpose addresses are left out", left_out.len())
            })
        } else if listed_inside < settings.label_min_listed {
            Some(format!("{listed_inside} listed addresses inside, {} needed", settings.label_min_listed))
        } else if benign_inside > 0 {
            Some(format!("{benign_inside} benign addresses inside"))
        } else if !left_out.is_empty() {
            Some("an own, allowed or special-purpose address is inside".to_owned())
        } else if size > settings.label_max_addresses {
            Some(format!("{size} addresses, over the {} allowed", settings.label_max_addresses))
        } else {
            None
        };
        let proposed = block.asked || note.is_none();
        if proposed {
            listed.extend(kept.iter().map(|n| (*n, outcomes.len())));
        }
        outcomes.push(LabelOutcome {
            label: block.label.clone(),
            asked: block.asked,
            networks: block.nets.len(),
            addresses: size.to_string(),
            listed_inside,
            benign_inside,
            networks_left_out: if block.asked { left_out.len() } else { 0 },
            proposed,
            note,
        });
    }
    (outcomes, listed)
}
