//! Checks the crawler claims of a scan's addresses before they are judged: in the
//! crawler's published ranges (`--ranges googlebot.json`), or a forward-confirmed
//! reverse name under its domains (`--dns`), is verified; denied by every source that
//! was asked, is fake; a DNS that did not answer decides nothing.

use std::collections::HashMap;
use std::net::IpAddr;

use rustc_hash::FxHashMap;

use super::ranges::RangeTable;
use crate::aggregate::crawlers::ClaimCheck;
use crate::aggregate::IpStats;
use crate::detect::crawlers::Crawler;
use crate::vocab::labels::DnsName;

/// What two-way DNS said of the claimants, when it was asked.
pub enum DnsAnswers<'a> {
    /// `--dns` was not given.
    NotAsked,
    /// The answer for each address looked up (`enrich::dns::two_way_all`); an address
    /// missing from it was not looked up.
    Names(&'a HashMap<IpAddr, DnsName>),
}

/// The addresses of `ips` that claimed a crawler and can be checked by DNS (those of
/// crawlers that publish domains), for the lookups to run before `check`.
pub fn dns_candidates(ips: &[(String, IpStats)]) -> Vec<IpAddr> {
    ips.iter()
        .filter(|(_, s)| s.crawler.is_some_and(|c| !c.crawler.spec().domains.is_empty()))
        .filter_map(|(ip, _)| crate::vocab::address::parse(ip))
        .collect()
}

/// The check of every claim in `ips`, by address text.
pub fn check(ips: &[(String, IpStats)], ranges: Option<&RangeTable>, dns: DnsAnswers) -> FxHashMap<String, ClaimCheck> {
    let mut out = FxHashMap::default();
    for (ip, stats) in ips {
        let Some(claim) = stats.crawler else { continue };
        let addr = crate::vocab::address::parse(ip);
        out.insert(ip.clone(), check_one(claim.crawler, addr, ranges, &dns));
    }
    out
}

/// What one two-way DNS answer says of a claim.
fn by_name(crawler: Crawler, n: &DnsName) -> ClaimCheck {
    match (&n.name, n.error) {
        (Some(name), _) if n.confirmed && crawler.owns_name(name) => ClaimCheck::Verified,
        // The crawler's name whose forward check could not be made: no judgement.
        (Some(name), Some(_)) if crawler.owns_name(name) => ClaimCheck::Unanswered,
        // A name that is not the crawler's, or one that does not resolve back (any
        // address owner can write a PTR record saying googlebot.com).
        (Some(_), _) => ClaimCheck::Fake,
        // No such name, or no PTR record: the crawlers all have one.
        (None, Some(e)) if e.is_answer() => ClaimCheck::Fake,
        (None, _) => ClaimCheck::Unanswered,
    }
}

fn check_one(crawler: Crawler, addr: Option<IpAddr>, ranges: Option<&RangeTable>, dns: &DnsAnswers) -> ClaimCheck {
    let Some(addr) = addr else { return ClaimCheck::Unchecked };
    // The crawler's ranges are known when a file labelled as one of its range files
    // was given; then an address outside them is not the crawler.
    let ranges_known = ranges.is_some_and(|t| t.labels().iter().any(|l| crawler.owns_label(l)));
    let in_ranges = ranges.and_then(|t| t.label(addr)).is_some_and(|l| crawler.owns_label(l));
    if in_ranges {
        return ClaimCheck::Verified;
    }
    let by_dns = match dns {
        DnsAnswers::Names(_) if crawler.spec().domains.is_empty() => None,
        DnsAnswers::NotAsked => None,
        DnsAnswers::Names(names) => Some(names.get(&addr).map_or(ClaimCheck::Unanswered, |n| by_name(crawler, n))),
    };
    match (by_dns, ranges_known) {
        (Some(ClaimCheck::Verified), _) => ClaimCheck::Verified,
        (_, true) => ClaimCheck::Fake,
        (Some(answer), false) => answer,
        (None, false) => ClaimCheck::Unchecked,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::crawlers::CrawlerClaim;
    use crate::enrich::ranges::RangeSource;
    use crate::vocab::labels::DnsError;

    fn claimant(ip: &str, crawler: Crawler) -> (String, IpStats) {
        let mut stats = IpStats::default();
        CrawlerClaim::count(&mut stats.crawler, crawler);
        (ip.to_owned(), stats)
    }

    #[test]
    fn a_claim_is_verified_by_ranges_or_confirmed_dns_and_fake_when_denied() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("googlebot.json");
        std::fs::write(&path, r#"{"creationTime":"2026-11-30T12:00:00","prefixes":[{"ipv4Prefix":"66.249.64.0/19"}]}"#)
            .unwrap();
        let table = RangeTable::load(&[RangeSource::parse(path.to_str().unwrap()).unwrap()]).unwrap();
        let ips = vec![
            claimant("66.249.66.1", Crawler::Google),      // in googlebot.json
            claimant("198.51.100.7", Crawler::Google),     // outside it
            claimant("157.55.39.10", Crawler::Bing),       // confirmed search.msn.com
            claimant("203.0.113.9", Crawler::Bing),        // PTR says search.msn.com, not confirmed
            claimant("203.0.113.10", Crawler::Bing),       // DNS gave nothing in time
            claimant("203.0.113.11", Crawler::Apple),      // a confirmed name of someone else
            claimant("203.0.113.12", Crawler::DuckDuckGo), // ranges only, none given
            claimant("203.0.113.13", Crawler::Bing),       // no PTR record at all
            claimant("203.0.113.14", Crawler::Bing),       // Bing's name, forward check failed
            claimant("203.0.113.15", Crawler::Bing),       // not looked up
            ("192.0.2.1".to_owned(), IpStats::default()),  // claims nothing
        ];
        let name = |n: &str, confirmed: bool| DnsName { name: Some(n.to_owned()), confirmed, error: None };
        let failed = |e: DnsError| DnsName { name: None, confirmed: false, error: Some(e) };
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let names: HashMap<IpAddr, DnsName> = [
            (ip("157.55.39.10"), name("msnbot-157-55-39-10.search.msn.com", true)),
            (ip("203.0.113.9"), name("msnbot-1.search.msn.com", false)),
            (ip("203.0.113.10"), failed(DnsError::Timeout)),
            (ip("203.0.113.11"), name("scanner.example.net", true)),
            (ip("203.0.113.13"), failed(DnsError::NxDomain)),
            (ip("203.0.113.14"), DnsName { error: Some(DnsError::ServFail), ..name("crawl.search.msn.com", false) }),
        ]
        .into();
        let checks = check(&ips, Some(&table), DnsAnswers::Names(&names));
        let got = |ip: &str| checks.get(ip).copied();
        assert_eq!(got("66.249.66.1"), Some(ClaimCheck::Verified));
        assert_eq!(got("198.51.100.7"), Some(ClaimCheck::Fake), "Google's ranges were given");
        assert_eq!(got("157.55.39.10"), Some(ClaimCheck::Verified));
        assert_eq!(got("203.0.113.9"), Some(ClaimCheck::Fake));
        assert_eq!(got("203.0.113.10"), Some(ClaimCheck::Unanswered));
        assert_eq!(got("203.0.113.11"), Some(ClaimCheck::Fake));
        assert_eq!(got("203.0.113.12"), Some(ClaimCheck::Unchecked));
        assert_eq!(got("203.0.113.13"), Some(ClaimCheck::Fake));
        assert_eq!(got("203.0.113.14"), Some(ClaimCheck::Unanswered));
        assert_eq!(got("203.0.113.15"), Some(ClaimCheck::Unanswered));
        assert_eq!(got("192.0.2.1"), None);
        // Without DNS, only the ranges speak: Bing's claims are unchecked.
        let checks = check(&ips, Some(&table), DnsAnswers::NotAsked);
        assert_eq!(checks.get("157.55.39.10"), Some(&ClaimCheck::Unchecked));
        assert_eq!(checks.get("198.51.100.7"), Some(&ClaimCheck::Fake));
        assert_eq!(dns_candidates(&ips).len(), 9, "all but DuckDuckBot and the non-claimant");
    }
}
