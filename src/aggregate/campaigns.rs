//! Distributed campaigns: addresses that each stay quiet but share a behaviour (the
//! same usernames in the same order, or the same suspicious paths with the same
//! agents) within a time window, found from the per-address statistics alone.

use std::collections::BTreeMap;

use super::IpStats;
use crate::detect::behaviour::Campaigns;
use crate::vocab::time::MICROS_PER_SEC;

/// What the members of a campaign share.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Shared {
    /// The same usernames, tried in the same order (one wordlist).
    Usernames,
    /// The same suspicious paths, requested with the same user agents.
    Paths,
}

impl Shared {
    pub fn as_str(self) -> &'static str {
        match self {
            Shared::Usernames => "usernames",
            Shared::Paths => "paths",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Campaign {
    /// 1 for the largest; the order of `find`'s result.
    pub id: u32,
    pub shared: Shared,
    /// What the members share, as text: `oracle, postgres` or
    /// `/a.php, /b.php; agent: Mozilla/5.0 ...` (attacker text: escape on output).
    pub evidence: String,
    /// Member addresses, sorted.
    pub ips: Vec<String>,
    /// The members' suspicious activity, from the first start to the last end.
    pub first_seen: i64,
    pub last_seen: i64,
    /// The members' suspicious events, summed.
    pub events: u64,
}

/// Longest evidence text kept: the fingerprint compares whole lists, the text shows
/// their start.
const EVIDENCE_CHARS: usize = 300;

/// The campaigns among `ips`, largest first (ties: earliest, then by evidence). Only
/// addresses that showed intent take part; an address whose usernames or paths were
/// too many to keep (see `bounded`) has no complete list to compare.
pub fn find<'a>(ips: impl Iterator<Item = (&'a str, &'a IpStats)>, rule: &Campaigns) -> Vec<Campaign> {
    if rule.min_addresses == 0 {
        return Vec::new();
    }
    let mut groups: BTreeMap<(Shared, String), Vec<Member>> = BTreeMap::new();
    for (ip, stats) in ips {
        let Some(s) = stats.suspicion.as_deref().filter(|s| s.intent_events > 0) else { continue };
        let (Some(start), Some(end)) = (s.sessions.first().map(|x| x.start), s.sessions.last().map(|x| x.end)) else {
            continue;
        };
        let member = Member { ip, start, end, events: s.events };
        if s.usernames.len() >= rule.min_usernames && s.usernames.beyond == 0 {
            let mut names: Vec<(Option<i64>, &str)> =
                s.usernames.iter().map(|(name, t)| (t.first, name.as_str())).collect();
            names.sort_unstable_by(|a, b| a.0.unwrap_or(i64::MAX).cmp(&b.0.unwrap_or(i64::MAX)).then(a.1.cmp(b.1)));
            let list: Vec<&str> = names.into_iter().map(|(_, n)| n).collect();
            groups.entry((Shared::Usernames, list.join("\n"))).or_default().push(member);
        }
        if s.paths.len() >= rule.min_paths && s.paths.beyond == 0 && s.user_agents.beyond == 0 {
            let mut paths: Vec<&str> = s.paths.iter().map(|(p, _)| p.as_str()).collect();
            paths.sort_unstable();
            let mut agents: Vec<&str> = s.user_agents.iter().map(|(a, _)| a.as_str()).collect();
            agents.sort_unstable();
            groups
                .entry((Shared::Paths, format!("{}\n\n{}", paths.join("\n"), agents.join("\n"))))
                .or_default()
                .push(member);
        }
    }
    let window = rule.window_secs * MICROS_PER_SEC;
    let mut out = Vec::new();
    for ((shared, fingerprint), mut members) in groups {
        if members.len() < rule.min_addresses {
            continue;
        }
        members.sort_unstable_by(|a, b| a.start.cmp(&b.start).then(a.ip.cmp(b.ip)));
        // Single linkage in time: a member joins while it starts within the window of
        // the campaign's latest activity so far.
        let mut cluster: Vec<Member> = Vec::new();
        let mut cluster_end = i64::MIN;
        let mut flush = |cluster: &mut Vec<Member>| {
            if cluster.len() >= rule.min_addresses {
                out.push(campaign(shared, &fingerprint, cluster));
            }
            cluster.clear();
        };
        for m in members {
            if !cluster.is_empty() && m.start > cluster_end.saturating_add(window) {
                flush(&mut cluster);
                cluster_end = i64::MIN;
            }
            cluster_end = cluster_end.max(m.end);
            cluster.push(m);
        }
        flush(&mut cluster);
    }
    out.sort_by(|a, b| {
        b.ips.len().cmp(&a.ips.len()).then(a.first_seen.cmp(&b.first_seen)).then_with(|| a.evidence.cmp(&b.evidence))
    });
    for (i, c) in out.iter_mut().enumerate() {
        c.id = i as u32 + 1;
    }
    out
}

#[derive(Clone, Copy)]
struct Member<'a> {
    ip: &'a str,
    start: i64,
    end: i64,
    events: u64,
}

fn campaign(shared: Shared, fingerprint: &str, members: &[Member]) -> Campaign {
    let evidence = match shared {
        Shared::Usernames => fingerprint.split('\n').collect::<Vec<_>>().join(", "),
        Shared::Paths => {
            let (paths, agents) = fingerprint.split_once("\n\n").unwrap_or((fingerprint, ""));
            let paths = paths.split('\n').collect::<Vec<_>>().join(", ");
            match agents {
                "" => paths,
                a => format!("{paths}; agents: {}", a.split('\n').collect::<Vec<_>>().join(" | ")),
            }
        }
    };
    let evidence = match evidence.char_indices().nth(EVIDENCE_CHARS) {
        Some((cut, _)) => format!("{}...", &evidence[..cut]),
        None => evidence,
    };
    let mut ips: Vec<String> = members.iter().map(|m| m.ip.to_owned()).collect();
    ips.sort_unstable();
    Campaign {
        id: 0,
        shared,
        evidence,
        ips,
        first_seen: members.iter().map(|m| m.start).min().unwrap_or_default(),
        last_seen: members.iter().map(|m| m.end).max().unwrap_or_default(),
        events: members.iter().map(|m| m.events).sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::ip_stats::SuspiciousLine;
    use crate::detect::behaviour::BehaviourRules;

    const MIN: i64 = 60 * MICROS_PER_SEC;

    fn tries(ts0: i64, users: &[&str]) -> IpStats {
        let mut s = IpStats::default();
        for (k, user) in users.iter().enumerate() {
            s.record_suspicious(&SuspiciousLine::bad_user(ts0 + k as i64 * MIN, user), 30 * MIN);
        }
        s.settle();
        s
    }

    #[test]
    fn the_same_ordered_wordlist_from_many_addresses_within_a_day_is_one_campaign() {
        let rule = BehaviourRules::default().campaigns;
        let mut ips: Vec<(String, IpStats)> =
            (0..5).map(|i| (format!("203.0.113.{i}"), tries(i * 60 * MIN, &["oracle", "postgres"]))).collect();
        // The same names in another order, and the same list three days later: not it.
        ips.push(("198.51.100.1".into(), tries(0, &["postgres", "oracle"])));
        ips.push(("198.51.100.2".into(), tries(4 * 1440 * MIN, &["oracle", "postgres"])));
        // One name is everyone's root, not a wordlist.
        for i in 0..5 {
            ips.push((format!("192.0.2.{i}"), tries(i * MIN, &["root"])));
        }
        let found = find(ips.iter().map(|(ip, s)| (ip.as_str(), s)), &rule);
        assert_eq!(found.len(), 1, "{found:?}");
        let c = &found[0];
        assert_eq!((c.id, c.shared, c.evidence.as_str(), c.events), (1, Shared::Usernames, "oracle, postgres", 10));
        assert_eq!(c.ips, (0..5).map(|i| format!("203.0.113.{i}")).collect::<Vec<_>>());
        // The order of the input changes nothing.
        ips.reverse();
        assert_eq!(find(ips.iter().map(|(ip, s)| (ip.as_str(), s)), &rule), found);
        let off = Campaigns { min_addresses: 0, ..rule };
        assert!(find(ips.iter().map(|(ip, s)| (ip.as_str(), s)), &off).is_empty());
    }
}
