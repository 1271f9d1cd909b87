//! Crawler claims per address: which crawler an address's user agents claimed to be
//! and on how many lines, and what checking the claim found (`enrich::crawlers` does
//! the checking). A fake claim makes the claiming lines `fake_crawler` events of the
//! address; a verified crawler is never blocked.

use rustc_hash::FxHashMap;

use super::ip_stats::{add_count, IpStats, Suspicion};
use crate::detect::crawlers::Crawler;
use crate::vocab::event::Category;

/// What an address claimed, counted while reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CrawlerClaim {
    pub crawler: Crawler,
    pub check: ClaimCheck,
    /// Lines whose agent made the claim.
    pub lines: u32,
}

/// What the claim's check found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ClaimCheck {
    /// Not checked: no range file of the crawler and no `--dns`.
    Unchecked,
    /// In the crawler's published ranges, or its reverse name lies under the
    /// crawler's domains and resolves back to it.
    Verified,
    /// The crawler's ranges or DNS were asked and deny it.
    Fake,
    /// DNS was asked but did not answer (timeout, server failure): no judgement.
    Unanswered,
}

impl ClaimCheck {
    /// For the `crawler_check` column.
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimCheck::Unchecked => "unchecked",
            ClaimCheck::Verified => "verified",
            ClaimCheck::Fake => "fake",
            ClaimCheck::Unanswered => "unanswered",
        }
    }
}

impl CrawlerClaim {
    /// One more line of `crawler`. An address claiming several crawlers keeps the
    /// first in `Crawler` order, counting only its lines: each side of a merge has
    /// then counted every line of that crawler it saw, so the merged count is exact
    /// whatever the order lines and threads come in.
    #[inline]
    pub fn count(slot: &mut Option<CrawlerClaim>, crawler: Crawler) {
        match slot {
            Some(c) if c.crawler == crawler => c.lines = c.lines.saturating_add(1),
            Some(c) if c.crawler < crawler => {}
            _ => *slot = Some(CrawlerClaim { crawler, check: ClaimCheck::Unchecked, lines: 1 }),
        }
    }

    pub fn merge(slot: &mut Option<CrawlerClaim>, other: Option<CrawlerClaim>) {
        let Some(o) = other else { return };
        match slot {
            Some(c) if c.crawler == o.crawler => c.lines = c.lines.saturating_add(o.lines),
            Some(c) if c.crawler < o.crawler => {}
            _ => *slot = Some(o),
        }
    }
}

/// Applies the checks (by address text) to the claims of `ips`: a fake claim's lines
/// become `fake_crawler` events that count against the address (with the days it was
/// seen when every line of it made the claim).
pub fn apply(ips: &mut [(String, IpStats)], checks: &FxHashMap<String, ClaimCheck>) {
    for (ip, stats) in ips.iter_mut() {
        let Some(claim) = stats.crawler.as_mut() else { continue };
        let Some(&check) = checks.get(ip) else { continue };
        claim.check = check;
        if check != ClaimCheck::Fake {
            continue;
        }
        let lines = u64::from(claim.lines);
        // The days are known only when every line of the address made the claim.
        let daily: Vec<(i32, u64)> = if lines == stats.events { stats.daily().collect() } else { Vec::new() };
        let s: &mut Suspicion = stats.suspicion.get_or_insert_with(Default::default);
        s.by_category[Category::FakeCrawler.index()] += lines;
        s.events += lines;
        s.intent_events += lines;
        for (day, n) in daily {
            add_count(&mut s.daily, day, n);
            add_count(&mut s.intent_daily, day, n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_crawler_claimed_is_counted_exactly_in_any_order() {
        let mut a = None;
        for c in [Crawler::Bing, Crawler::Bing, Crawler::Google, Crawler::Bing, Crawler::Google] {
            CrawlerClaim::count(&mut a, c);
        }
        let mut b = None;
        for c in [Crawler::Bing, Crawler::Google, Crawler::Google] {
            CrawlerClaim::count(&mut b, c);
        }
        let only_bing = Some(CrawlerClaim { crawler: Crawler::Bing, check: ClaimCheck::Unchecked, lines: 4 });
        let (mut ab, mut ba, mut ac) = (a, b, a);
        CrawlerClaim::merge(&mut ab, b);
        CrawlerClaim::merge(&mut ba, a);
        CrawlerClaim::merge(&mut ac, only_bing);
        assert_eq!(ab, ba);
        assert_eq!(ab.map(|c| (c.crawler, c.lines)), Some((Crawler::Google, 4)));
        assert_eq!(ac.map(|c| (c.crawler, c.lines)), Some((Crawler::Google, 2)));
    }
}
