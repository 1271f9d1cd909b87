//! Per-address assessment at the end of a scan: sneak, score and verdict from the
//! merged statistics, ordered so the worst come first.

use super::IpStats;
use crate::detect::policy::{verdict, weight, Mode, Policy, Verdict, VerdictInput};
use crate::vocab::address::AddrKey;
use crate::vocab::event::Category;

pub struct Assessed {
    pub ip: String,
    pub stats: IpStats,
    pub allowed: bool,
    pub sneak: bool,
    pub score: f64,
    pub verdict: Verdict,
}

/// Assesses every address; keeps only those with a suspicious event unless `all`.
/// Order: verdict (block first), score, events, address.
pub fn assess(ips: Vec<(String, IpStats)>, policy: &Policy, all: bool) -> Vec<Assessed> {
    let mut out: Vec<Assessed> = ips
        .into_iter()
        .filter(|(_, s)| all || s.suspicious_events() > 0)
        .map(|(ip, stats)| {
            let allowed = policy.mode != Mode::User && policy.allow_ips.contains(AddrKey::of(ip.as_bytes()));
            let mut input = VerdictInput { allowed_address: allowed, ..Default::default() };
            let mut score = 0.0;
            if let Some(s) = &stats.suspicion {
                score = Category::ALL.iter().map(|c| weight(*c) * s.by_category[c.index()] as f64).sum::<f64>();
                input.suspicious = s.events;
                input.intent = s.intent_events;
                input.allowed_user_failures = s.allowed_user_failures;
                input.intent_days = s.intent_daily.len();
                input.max_daily_intent = s.max_daily_intent();
            }
            let (sneak, verdict) = verdict(&policy.thresholds, &input);
            // A quiet returner is worth more than its few events say.
            let score = if sneak { score + 10.0 * input.intent_days as f64 } else { score };
            Assessed { ip, stats, allowed, sneak, score, verdict }
        })
        .collect();
    out.sort_by(|a, b| {
        b.verdict
            .cmp(&a.verdict)
            .then(b.score.total_cmp(&a.score))
            .then(b.stats.events.cmp(&a.stats.events))
            .then_with(|| a.ip.cmp(&b.ip))
    });
    out
}
