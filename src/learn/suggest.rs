//! From the per-address request shapes of a whole scan to ranked suggestions: count each
//! candidate over attacker addresses, weigh the survivors against what benign addresses
//! requested (with the pattern's own matching, so an accepted pattern does not flag
//! them), keep the most specific of equally supported candidates, rank by evidence.

use std::collections::BTreeMap;

use aho_corasick::AhoCorasick;
use rustc_hash::FxHashMap;

use super::candidates::{extension, of_shape, Candidate};
use super::seen::{split_key, Seen};
use super::{CandidateKind, Suggestion};
use crate::aggregate::ip_stats::{max_opt, min_opt};
use crate::aggregate::IpStats;
use crate::detect::assess::Assessed;
use crate::detect::policy::Verdict;

/// What makes a candidate a suggestion (`--learn-*` flags).
#[derive(Clone, Debug, PartialEq)]
pub struct LearnOptions {
    /// Addresses with at least this verdict are the attackers learned from.
    pub learn_from: Verdict,
    /// Distinct attacker addresses a candidate needs.
    pub min_attackers: u32,
    /// Distinct benign addresses a candidate may have (the tolerance).
    pub max_benign: u32,
}

impl Default for LearnOptions {
    fn default() -> Self {
        LearnOptions { learn_from: Verdict::Block, min_attackers: 2, max_benign: 0 }
    }
}

/// The unjudged requests of every address, taken out of the IP table before the
/// assessment drops the addresses that did nothing suspicious (the benign evidence).
#[derive(Debug, Default)]
pub struct Evidence {
    addresses: Vec<Address>,
}

#[derive(Debug)]
struct Address {
    ip: String,
    /// No line of this address counted against it.
    benign: bool,
    seen: Seen,
}

impl Evidence {
    pub fn take(ips: &mut [(String, IpStats)]) -> Evidence {
        let addresses = ips
            .iter_mut()
            .filter_map(|(ip, stats)| {
                let seen = *stats.learn.take()?;
                Some(Address { ip: ip.clone(), benign: stats.suspicious_events() == 0, seen })
            })
            .collect();
        Evidence { addresses }
    }

    /// Request shapes dropped by the per-address cap (reported, not hidden).
    pub fn overflow(&self) -> u64 {
        self.addresses.iter().map(|a| a.seen.overflow).sum()
    }

    /// The suggestions, best first; `assessed` gives the verdicts.
    pub fn suggest(&self, assessed: &[Assessed], opts: &LearnOptions) -> Vec<Suggestion> {
        let verdicts: FxHashMap<&str, Verdict> = assessed.iter().map(|a| (a.ip.as_str(), a.verdict)).collect();
        let is_attacker = |a: &Address| !a.benign && verdicts.get(a.ip.as_str()).is_some_and(|v| *v >= opts.learn_from);
        let mut tallies: BTreeMap<Candidate, Tally> = BTreeMap::new();
        for address in self.addresses.iter().filter(|a| is_attacker(a)) {
            for (candidate, use_) in candidates_of(&address.seen, false) {
                tallies.entry(candidate).or_default().add_attacker(use_);
            }
        }
        tallies.retain(|_, t| t.attacker_ips >= opts.min_attackers);
        weigh_benign(&mut tallies, self.addresses.iter().filter(|a| !is_attacker(a)));
        tallies.retain(|_, t| t.benign_ips <= opts.max_benign);
        let kept = most_specific(&tallies);
        let mut out: Vec<Suggestion> = kept.into_iter().map(|(c, t)| t.suggestion(c)).collect();
        out.sort_by(|a, b| {
            b.attacker_ips
                .cmp(&a.attacker_ips)
                .then(b.attacker_hits.cmp(&a.attacker_hits))
                .then(a.benign_hits.cmp(&b.benign_hits))
                .then(a.kind.cmp(&b.kind))
                .then_with(|| a.pattern.cmp(&b.pattern))
        });
        out
    }
}

/// One address's use of one candidate.
#[derive(Default)]
struct Use {
    hits: u64,
    first: Option<i64>,
    last: Option<i64>,
    example: Option<Box<str>>,
}

/// Every candidate one address used, with its hits; `allowed_user_only` counts only
/// the allowed users' hits (benign evidence from a non-benign address), otherwise the
/// hits of everyone else.
fn candidates_of(seen: &Seen, allowed_user_only: bool) -> BTreeMap<Candidate, Use> {
    let mut out: BTreeMap<Candidate, Use> = BTreeMap::new();
    for (key, c) in seen.iter() {
        let allowed = u64::from(c.allowed_user_hits);
        let hits = if allowed_user_only { allowed } else { c.hits.saturating_sub(allowed) };
        if hits == 0 {
            continue;
        }
        let (path, params, agent) = split_key(key);
        for candidate in of_shape(path, params, agent) {
            let u = out.entry(candidate).or_default();
            u.hits += hits;
            u.first = min_opt(u.first, c.first());
            u.last = max_opt(u.last, c.last());
            if u.example.is_none() {
                u.example = c.example().map(Box::from);
            }
        }
    }
    out
}

#[derive(Clone, Debug, Default)]
struct Tally {
    attacker_ips: u32,
    attacker_hits: u64,
    benign_ips: u32,
    benign_hits: u64,
    first: Option<i64>,
    last: Option<i64>,
    example: Option<Box<str>>,
}

impl Tally {
    fn add_attacker(&mut self, u: Use) {
        self.attacker_ips += 1;
        self.attacker_hits += u.hits;
        self.first = min_opt(self.first, u.first);
        self.last = max_opt(self.last, u.last);
        // Addresses come in scan order (most events first): keep the first example.
        if self.example.is_none() {
            self.example = u.example;
        }
    }

    fn suggestion(&self, c: &Candidate) -> Suggestion {
        Suggestion {
            pattern: c.pattern(),
            kind: c.kind,
            attacker_ips: self.attacker_ips,
            attacker_hits: self.attacker_hits,
            benign_ips: self.benign_ips,
            benign_hits: self.benign_hits,
            confidence: confidence(self.attacker_ips, self.benign_ips),
            first_seen: self.first,
            last_seen: self.last,
            example: self.example.as_deref().unwrap_or_default().to_owned(),
        }
    }
}

/// Laplace-smoothed share of attackers among the addresses that used the pattern:
/// 2 attackers and no benign address give 0.67, 10 give 0.92, a benign one lowers it.
pub fn confidence(attackers: u32, benign: u32) -> f64 {
    attackers as f64 / (attackers + benign + 1) as f64
}

/// Counts, for every surviving candidate, the non-attacker addresses whose requests its
/// pattern would match: benign addresses with all their requests, other addresses with
/// their allowed users' requests (watch addresses that are not learned from count for
/// nothing). Substring patterns are matched as substrings of every benign path (so
/// `/admin/` is weighed against `/blog/admin/` too), the regex kinds by the structure
/// they match (extension, parameter name, agent token).
fn weigh_benign<'a>(tallies: &mut BTreeMap<Candidate, Tally>, others: impl Iterator<Item = &'a Address>) {
    if tallies.is_empty() {
        return;
    }
    let candidates: Vec<Candidate> = tallies.keys().cloned().collect();
    let substring: Vec<usize> = (0..candidates.len())
        .filter(|&i| matches!(candidates[i].kind, CandidateKind::Path | CandidateKind::Prefix | CandidateKind::File))
        .collect();
    let automaton = AhoCorasick::new(substring.iter().map(|&i| candidates[i].text.as_bytes()))
        .expect("candidate texts are short plain ASCII");
    let structural: FxHashMap<(CandidateKind, &str), usize> = candidates
        .iter()
        .enumerate()
        .filter(|(i, _)| !substring.contains(i))
        .map(|(i, c)| ((c.kind, c.text.as_str()), i))
        .collect();
    let has = |kind| candidates.iter().any(|c| c.kind == kind);
    let (has_ext, has_param, has_agent) =
        (has(CandidateKind::Extension), has(CandidateKind::Param), has(CandidateKind::Agent));
    let mut benign = vec![(0u32, 0u64); candidates.len()];
    let mut matched: FxHashMap<usize, u64> = FxHashMap::default();
    let mut ids: Vec<usize> = Vec::new();
    for address in others {
        matched.clear();
        for (key, c) in address.seen.iter() {
            let hits = if address.benign { c.hits } else { u64::from(c.allowed_user_hits) };
            if hits == 0 {
                continue;
            }
            let (path, params, agent) = split_key(key);
            ids.clear();
            ids.extend(automaton.find_overlapping_iter(path).map(|m| substring[m.pattern().as_usize()]));
            if has_ext {
                let ext = std::str::from_utf8(path).ok().and_then(extension);
                if let Some(id) = ext.and_then(|e| structural.get(&(CandidateKind::Extension, e.as_str())).copied()) {
                    ids.push(id);
                }
            }
            if has_param {
                for name in params.split(|&c| c == b'&') {
                    if let Ok(name) = std::str::from_utf8(name) {
                        ids.extend(structural.get(&(CandidateKind::Param, name)));
                    }
                }
            }
            if has_agent {
                if let Ok(agent) = std::str::from_utf8(agent) {
                    ids.extend(structural.get(&(CandidateKind::Agent, agent)));
                }
            }
            ids.sort_unstable();
            ids.dedup();
            for &id in &ids {
                *matched.entry(id).or_default() += hits;
            }
        }
        for (&id, &hits) in &matched {
            benign[id].0 += 1;
            benign[id].1 += hits;
        }
    }
    for (t, (ips, hits)) in tallies.values_mut().zip(benign) {
        t.benign_ips = ips;
        t.benign_hits = hits;
    }
}

/// Drops a candidate when a more specific one it generalises has the same support
/// (attacker addresses and hits): it would only add risk, not catch more.
fn most_specific(tallies: &BTreeMap<Candidate, Tally>) -> Vec<(&Candidate, &Tally)> {
    let support = |t: &Tally| (t.attacker_ips, t.attacker_hits);
    let mut by_support: FxHashMap<(u32, u64), Vec<&Candidate>> = FxHashMap::default();
    for (c, t) in tallies {
        by_support.entry(support(t)).or_default().push(c);
    }
    tallies.iter().filter(|(c, t)| !by_support[&support(t)].iter().any(|s| c.generalises(s))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learn::seen::Request;

    fn seen(requests: &[(&str, &str)]) -> Seen {
        let mut s = Seen::default();
        for (path, ua) in requests {
            let line = format!("x \"GET {path} HTTP/1.1\" 404 0 \"-\" \"{ua}\"");
            s.record(&Request {
                ts: Some(1),
                path: path.as_bytes(),
                user_agent: ua.as_bytes(),
                allowed_user: false,
                suspicious_address: true,
                status: 404,
                raw_line: line.as_bytes(),
            });
        }
        s
    }

    fn run(attackers: &[&[(&str, &str)]], benign: &[&[(&str, &str)]], opts: &LearnOptions) -> Vec<Suggestion> {
        let mut ev = Evidence::default();
        let mut assessed = Vec::new();
        for (i, reqs) in attackers.iter().enumerate() {
            let ip = format!("10.0.0.{i}");
            ev.addresses.push(Address { ip: ip.clone(), benign: false, seen: seen(reqs) });
            assessed.push(Assessed {
                ip,
                stats: IpStats::default(),
                allowed: false,
                sneak: false,
                score: 1.0,
                verdict: Verdict::Block,
            });
        }
        for (i, reqs) in benign.iter().enumerate() {
            ev.addresses.push(Address { ip: format!("10.1.0.{i}"), benign: true, seen: seen(reqs) });
        }
        ev.suggest(&assessed, opts)
    }

    fn patterns(s: &[Suggestion]) -> Vec<&str> {
        s.iter().map(|s| s.pattern.as_str()).collect()
    }

    #[test]
    fn suggests_what_two_attackers_and_no_benign_address_used() {
        let ua = "Mozilla/5.0";
        let a1: &[(&str, &str)] = &[("/cgi-mod/webctl.cgi", ua), ("/blog/", ua), ("/only-once.php", ua)];
        let a2: &[(&str, &str)] = &[("/cgi-mod/webctl.cgi?x=1", ua), ("/cgi-mod/webctl.cgi", ua), ("/blog/", ua)];
        let b1: &[(&str, &str)] = &[("/blog/", ua), ("/blog/post.html", ua)];
        let s = run(&[a1, a2], &[b1], &LearnOptions::default());
        // The path, not its prefix, file or extension (same support); nothing the
        // benign address requested; nothing only one attacker used.
        assert_eq!(patterns(&s), ["/cgi-mod/webctl.cgi"]);
        assert_eq!((s[0].attacker_ips, s[0].attacker_hits, s[0].benign_ips), (2, 3, 0));
        assert!(s[0].example.contains("/cgi-mod/webctl.cgi"), "{}", s[0].example);
        assert!((s[0].confidence - 2.0 / 3.0).abs() < 1e-9);
    }

    #[test]
    fn a_wider_prefix_is_suggested_when_it_has_more_support() {
        let a1: &[(&str, &str)] = &[("/wsman/relay.php", "-")];
        let a2: &[(&str, &str)] = &[("/wsman/relay.php", "-")];
        let a3: &[(&str, &str)] = &[("/wsman/other", "-")];
        let s = run(&[a1, a2, a3], &[], &LearnOptions::default());
        assert_eq!(patterns(&s), ["/wsman/", "/wsman/relay.php"]);
        assert_eq!(s[0].kind, CandidateKind::Prefix);
        assert_eq!(s[0].attacker_ips, 3);
    }

    #[test]
    fn benign_evidence_uses_the_patterns_own_matching() {
        let a: &[(&str, &str)] = &[("/admin/x", "curl/8"), ("/y.cgi", "curl/8")];
        // `/admin/` as a substring would also flag /blog/admin/...; `curl` is used by
        // a benign address; `.cgi` by another.
        let b1: &[(&str, &str)] = &[("/blog/admin/post", "curl/7")];
        let b2: &[(&str, &str)] = &[("/z.CGI", "Mozilla/5.0")];
        let s = run(&[a, a], &[b1, b2], &LearnOptions::default());
        assert_eq!(patterns(&s), ["/admin/x", "/y.cgi"]);
        let tolerant = LearnOptions { max_benign: 1, ..Default::default() };
        let s = run(&[a, a], &[b1, b2], &tolerant);
        // (/admin/ stays out: /admin/x has the same support and no benign address.)
        assert!(s.iter().any(|s| s.kind == CandidateKind::Agent && s.benign_ips == 1 && s.confidence == 0.5), "{s:?}");
        assert!(!patterns(&s).contains(&"/admin/"));
        let two = LearnOptions { min_attackers: 3, ..Default::default() };
        assert!(run(&[a, a], &[], &two).is_empty());
    }
}
