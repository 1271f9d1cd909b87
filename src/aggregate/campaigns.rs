//! Distributed campaigns: addresses that each stay quiet but share a behaviour (the
//! same usernames in the same order, or the same suspicious paths with the same
//! agents) within a time window, found from the per-address statistics alone.

use rayon::prelude::*;

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

/// One address's part in a possible campaign: what it shares, as text, and when.
type Part<'a> = (Shared, String, Member<'a>);

/// The campaigns among `ips` (those `take_part` admits), largest first (ties:
/// earliest, then by evidence). Only addresses that showed intent take part; an
/// address whose usernames or paths were too many to keep (see `bounded`) has no
/// complete list to compare.
pub fn find<'a>(
    ips: &'a [(String, IpStats)],
    take_part: impl Fn(&str) -> bool + Sync,
    rule: &Campaigns,
) -> Vec<Campaign> {
    if rule.min_addresses == 0 {
        return Vec::new();
    }
    // Each address's parts, made and then sorted by what they share on every thread: in
    // a scanner storm (900 k suspects, nearly every one alone in its group) an ordered
    // map of fingerprint texts, filled on one thread, took 1.4 s of the scan's end.
    let mut parts: Vec<Part<'a>> =
        ips.par_iter().filter(|(ip, _)| take_part(ip)).flat_map_iter(|(ip, stats)| parts_of(ip, stats, rule)).collect();
    parts.par_sort_unstable_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    // Groups large enough, in fingerprint order.
    let mut groups: Vec<(Shared, &str, Vec<Member<'a>>)> = Vec::new();
    for group in parts.chunk_by(|a, b| a.0 == b.0 && a.1 == b.1) {
        if group.len() >= rule.min_addresses {
            groups.push((group[0].0, group[0].1.as_str(), group.iter().map(|p| p.2).collect()));
        }
    }
    let mut out: Vec<Campaign> = groups
        .into_par_iter()
        .flat_map_iter(|(shared, fingerprint, members)| clusters(shared, fingerprint, members, rule))
        .collect();
    out.sort_by(|a, b| {
        b.ips.len().cmp(&a.ips.len()).then(a.first_seen.cmp(&b.first_seen)).then_with(|| a.evidence.cmp(&b.evidence))
    });
    for (i, c) in out.iter_mut().enumerate() {
        c.id = i as u32 + 1;
    }
    out
}

/// The campaigns of one group: single linkage in time, a member joining while it starts
/// within the window of the campaign's latest activity so far.
fn clusters(shared: Shared, fingerprint: &str, mut members: Vec<Member>, rule: &Campaigns) -> Vec<Campaign> {
    let window = rule.window_secs * MICROS_PER_SEC;
    members.sort_unstable_by(|a, b| a.start.cmp(&b.start).then(a.ip.cmp(b.ip)));
    let mut out = Vec::new();
    let mut cluster: Vec<Member> = Vec::new();
    let mut cluster_end = i64::MIN;
    let mut flush = |cluster: &mut Vec<Member>| {
        if cluster.len() >= rule.min_addresses {
            out.push(campaign(shared, fingerprint, cluster));
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
    out
}

/// What `ip` shares with others: its usernames in the order first tried, and its
/// paths with its agents.
fn parts_of<'a>(ip: &'a str, stats: &'a IpStats, rule: &Campaigns) -> Vec<Part<'a>> {
    let mut parts = Vec::new();
    let Some(s) = stats.suspicion.as_deref().filter(|s| s.intent_events > 0) else { return parts };
    let (Some(start), Some(end)) = (s.sessions.first().map(|x| x.start), s.sessions.last().map(|x| x.end)) else {
        return parts;
    };
    let member = Member { ip, start, end, events: s.events };
    if s.usernames.len() >= rule.min_usernames && s.usernames.beyond == 0 {
        let mut names: Vec<(Option<i64>, &str)> =
            s.usernames.iter().map(|(name, t)| (t.first, name.as_str())).collect();
        names.sort_unstable_by(|a, b| a.0.unwrap_or(i64::MAX).cmp(&b.0.unwrap_or(i64::MAX)).then(a.1.cmp(b.1)));
        let list: Vec<&str> = names.into_iter().map(|(_, n)| n).collect();
        parts.push((Shared::Usernames, list.join("\n"), member));
    }
    if s.paths.len() >= rule.min_paths && s.paths.beyond == 0 && s.user_agents.beyond == 0 {
        let mut paths: Vec<&str> = s.paths.iter().map(|(p, _)| p.as_str()).collect();
        paths.sort_unstable();
        let mut agents: Vec<&str> = s.user_agents.iter().map(|(a, _)| a.as_str()).collect();
        agents.sort_unstable();
        parts.push((Shared::Paths, format!("{}\n\n{}", paths.join("\n"), agents.join("\n")), member));
    }
    parts
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
        let found = find(&ips, |_| true, &rule);
        assert_eq!(found.len(), 1, "{found:?}");
        let c = &found[0];
        assert_eq!((c.id, c.shared, c.evidence.as_str(), c.events), (1, Shared::Usernames, "oracle, postgres", 10));
        assert_eq!(c.ips, (0..5).map(|i| format!("203.0.113.{i}")).collect::<Vec<_>>());
        // The order of the input changes nothing.
        ips.reverse();
        assert_eq!(find(&ips, |_| true, &rule), found);
        let off = Campaigns { min_addresses: 0, ..rule };
        assert!(find(&ips, |_| true, &off).is_empty());
        // An address left out takes no part.
        let found = find(&ips, |ip| ip != "203.0.113.4", &rule);
        assert_eq!(found[0].ips, (0..4).map(|i| format!("203.0.113.{i}")).collect::<Vec<_>>());
    }

    /// Grouped on several threads, many campaigns come out as on one: same members,
    /// same ids.
    #[test]
    fn campaigns_do_not_depend_on_how_the_threads_split_the_addresses() {
        let rule = BehaviourRules::default().campaigns;
        let ips: Vec<(String, IpStats)> = (0..3000)
            .map(|i| {
                let list = [format!("user{}", i % 40), format!("admin{}", i % 7)];
                let names: Vec<&str> = list.iter().map(String::as_str).collect();
                (format!("10.0.{}.{}", i / 250, i % 250), tries((i % 11) * 60 * MIN, &names))
            })
            .collect();
        let on = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("a pool");
            pool.install(|| find(&ips, |_| true, &rule))
        };
        let one = on(1);
        assert!(one.len() > 20, "{} campaigns", one.len());
        assert_eq!(on(4), one);
        assert_eq!(on(3), one);
    }
}
