//! Per-address assessment at the end of a scan: behaviour rules, campaigns, sneak,
//! score and verdict from the merged statistics, ordered so the worst come first.

use super::behaviour::{trips, Trip};
use super::campaigns::{self, Campaign};
use super::crawlers::ClaimCheck;
use super::IpStats;
use crate::detect::policy::{verdict, weight, Mode, Policy, Verdict, VerdictInput};
use crate::vocab::address::AddrKey;
use crate::vocab::event::Category;
use crate::vocab::labels::Labels;

pub struct Assessed {
    pub ip: String,
    pub stats: IpStats,
    pub allowed: bool,
    pub sneak: bool,
    pub score: f64,
    pub verdict: Verdict,
    /// The behaviour rules the address tripped, in rule order.
    pub trips: Vec<Trip>,
    /// The largest campaign the address is a member of (its `Campaign::id`).
    pub campaign: Option<u32>,
    /// Days before this one a history store saw it blocked, and the first of them
    /// (see `recidive`; 0 and None without a store).
    pub previous_blocks: u32,
    pub first_blocked: Option<i32>,
    /// What enrichment says of it (None until `enrich` labels it).
    pub labels: Option<Box<Labels>>,
}

impl Assessed {
    /// Something counts against the address: a suspicious line, a behaviour rule or a
    /// campaign it is part of.
    pub fn is_suspect(&self) -> bool {
        self.stats.suspicious_events() > 0 || !self.trips.is_empty() || self.campaign.is_some()
    }
}

/// What `assess` found: every address kept, worst first, and the campaigns.
pub struct Assessment {
    pub ips: Vec<Assessed>,
    pub campaigns: Vec<Campaign>,
}

/// What a behaviour rule adds to an address's score (a probe's weight, a few times).
const TRIP_WEIGHT: f64 = 10.0;

/// Assesses every address; keeps only the suspects (`Assessed::is_suspect`) unless
/// `all`. Order: verdict (block first), score, events, address.
pub fn assess(ips: Vec<(String, IpStats)>, policy: &Policy, all: bool) -> Assessment {
    let rules = &policy.behaviour;
    let allowed_of = |ip: &str| policy.mode != Mode::User && policy.allow_ips.contains(AddrKey::of(ip.as_bytes()));
    let campaigns = campaigns::find(&ips, |ip| !allowed_of(ip), &rules.campaigns);
    // (id, size) of each member's campaign; largest first, so an address in two
    // campaigns keeps the larger one.
    let mut member_of: rustc_hash::FxHashMap<String, (u32, usize)> = Default::default();
    for c in &campaigns {
        for ip in &c.ips {
            member_of.entry(ip.clone()).or_insert((c.id, c.ips.len()));
        }
    }
    // Sized for every address at once: grown by doubling, a million suspects' rows
    // (320 bytes each) held up to twice their size while the output was written.
    let mut out: Vec<Assessed> = Vec::with_capacity(ips.len());
    out.extend(ips.into_iter().filter_map(|(ip, stats)| {
        let allowed = allowed_of(&ip);
        let trips =
            if allowed { Vec::new() } else { trips(stats.behaviour.as_deref(), stats.suspicion.as_deref(), rules) };
        let campaign = member_of.get(&ip).copied();
        if !all && stats.suspicious_events() == 0 && trips.is_empty() && campaign.is_none() {
            return None;
        }
        let mut input = VerdictInput {
            allowed_address: allowed,
            behaviour: !trips.is_empty(),
            campaign_addresses: campaign.map_or(0, |c| c.1),
            ..Default::default()
        };
        let mut score = TRIP_WEIGHT * trips.len() as f64;
        if let Some(s) = &stats.suspicion {
            score += Category::ALL.iter().map(|c| weight(*c) * s.by_category[c.index()] as f64).sum::<f64>();
            input.suspicious = s.events;
            input.intent = s.intent_events;
            input.allowed_user_failures = s.allowed_user_failures;
            input.intent_days = s.intent_daily.len();
            input.max_daily_intent = s.max_daily_intent();
        }
        let (sneak, verdict) = verdict(&policy.thresholds, &rules.campaigns, &input);
        // A verified crawler follows whatever links the web holds, attack paths
        // included: watched, never blocked.
        let verified_crawler = stats.crawler.is_some_and(|c| c.check == ClaimCheck::Verified);
        let verdict = if verified_crawler { verdict.min(Verdict::Watch) } else { verdict };
        // A quiet returner is worth more than its few events say.
        let score = if sneak { score + 10.0 * input.intent_days as f64 } else { score };
        let campaign = campaign.map(|c| c.0);
        let (previous_blocks, first_blocked) = (0, None);
        Some(Assessed {
            ip,
            stats,
            allowed,
            sneak,
            score,
            verdict,
            trips,
            campaign,
            previous_blocks,
            first_blocked,
            labels: None,
        })
    }));
    out.shrink_to_fit();
    sort_worst_first(&mut out);
    Assessment { ips: out, campaigns }
}

/// Verdict (block first), score, events, address.
pub fn sort_worst_first(ips: &mut [Assessed]) {
    ips.sort_by(|a, b| {
        b.verdict
            .cmp(&a.verdict)
            .then(b.score.total_cmp(&a.score))
            .then(b.stats.events.cmp(&a.stats.events))
            .then_with(|| a.ip.cmp(&b.ip))
    });
}
