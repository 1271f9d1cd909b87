//! From the per-address request shapes of a whole scan to ranked suggestions: count each
//! candidate over attacker addresses, weigh the survivors against what benign addresses
//! requested (with the pattern's own matching, so an accepted pattern does not flag
//! them), keep the most specific of equally supported candidates, rank by evidence.

use std::collections::BTreeMap;

use aho_corasick::AhoCorasick;
use rustc_hash::{FxHashMap, FxHashSet};

use super::candidates::{extension, of_shape, Candidate};
use super::generic::{is_generic, what_to_check};
use super::seen::split_key;
use super::shapes::{addr_id, AddrId, AddrUse, ShapeEvidence, ShapeTable};
use super::{CandidateKind, Suggestion};
use crate::aggregate::assess::Assessed;
use crate::aggregate::ip_stats::{max_opt, min_opt};
use crate::aggregate::IpStats;
use crate::detect::policy::Verdict;
use crate::vocab::address::AddrKey;

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

/// The scan's request shapes and which addresses did something suspicious (every other
/// one stayed benign): taken out of the scan before the assessment drops the addresses
/// that did nothing suspicious.
#[derive(Debug, Default)]
pub struct Evidence {
    shapes: ShapeTable,
    /// Addresses some of whose lines counted against them. Every other address that
    /// sent a line is benign: kept this way round, the set is the size of the attack,
    /// not of the site's audience (most of whose addresses get no row; see `MergedIps`).
    suspicious: FxHashSet<AddrId>,
}

/// What an address is to learning.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Attacker,
    Benign,
    /// Neither (e.g. a watch address when learning from block): only its allowed
    /// users' requests count, as benign evidence.
    Other,
}

fn id_of(ip: &str) -> AddrId {
    addr_id(AddrKey::of(ip.as_bytes()))
}

impl Evidence {
    pub fn take(ips: &[(String, IpStats)], mut shapes: ShapeTable) -> Evidence {
        shapes.finish();
        let suspicious = ips.iter().filter(|(_, s)| s.suspicious_events() > 0).map(|(ip, _)| id_of(ip)).collect();
        Evidence { shapes, suspicious }
    }

    /// Lines whose shape was dropped by the per-thread cap (reported, not hidden).
    pub fn overflow(&self) -> u64 {
        self.shapes.overflow
    }

    /// The suggestions, best first; `assessed` gives the verdicts.
    pub fn suggest(&self, assessed: &[Assessed], opts: &LearnOptions) -> Vec<Suggestion> {
        let attackers: FxHashSet<AddrId> =
            assessed.iter().filter(|a| a.verdict >= opts.learn_from).map(|a| id_of(&a.ip)).collect();
        let role = |id: &AddrId| {
            if !self.suspicious.contains(id) {
                Role::Benign
            } else if attackers.contains(id) {
                Role::Attacker
            } else {
                Role::Other
            }
        };
        // Shapes in key order: ties (examples) are settled the same way every run.
        let mut shapes: Vec<(&[u8], &ShapeEvidence)> = self.shapes.iter().collect();
        shapes.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let mut tallies: BTreeMap<Candidate, Tally> = BTreeMap::new();
        for (key, e) in &shapes {
            let users: Vec<&AddrUse> =
                e.sample().filter(|u| role(&u.addr) == Role::Attacker && u.hits > u.allowed_user_hits).collect();
            if users.is_empty() {
                continue;
            }
            let (path, params, agent) = split_key(key);
            for candidate in of_shape(path, params, agent).into_iter().filter(|c| !is_generic(c)) {
                let t = tallies.entry(candidate).or_default();
                if e.saturated {
                    t.sampled = true;
                    t.tau = t.tau.min(e.threshold());
                }
                for u in &users {
                    t.add_attacker(u);
                }
                t.offer_example(e.example());
            }
        }
        tallies.retain(|_, t| t.attacker_ips() >= opts.min_attackers);
        weigh_benign(&mut tallies, &shapes, |id| role(id));
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

#[derive(Clone, Debug)]
struct Tally {
    /// Attacker addresses with their hits (of the samples, for saturated shapes).
    attackers: FxHashMap<AddrId, u64>,
    attacker_hits: u64,
    /// The lowest sample threshold of the saturated shapes behind it (`u64::MAX`: none):
    /// every attacker id up to it is known, which is what the estimates scale up.
    tau: u64,
    benign_ips: u32,
    benign_hits: u64,
    first: Option<i64>,
    last: Option<i64>,
    /// Some shape behind it is saturated (see `Suggestion::sampled`).
    sampled: bool,
    /// The earliest (time, then text) example of the shapes behind it.
    example: Option<(i64, Box<str>)>,
}

impl Default for Tally {
    fn default() -> Tally {
        Tally {
            attackers: FxHashMap::default(),
            attacker_hits: 0,
            tau: u64::MAX,
            benign_ips: 0,
            benign_hits: 0,
            first: None,
            last: None,
            sampled: false,
            example: None,
        }
    }
}

impl Tally {
    fn add_attacker(&mut self, u: &AddrUse) {
        let hits = u64::from(u.hits - u.allowed_user_hits);
        *self.attackers.entry(u.addr).or_default() += hits;
        self.attacker_hits += hits;
        self.first = min_opt(self.first, u.first());
        self.last = max_opt(self.last, u.last());
    }

    fn attacker_ips(&self) -> u32 {
        self.attackers.len() as u32
    }

    /// Attacker addresses and hits as reported: the counts themselves, or for a
    /// candidate behind saturated shapes the bottom-k (KMV) estimate: address ids are
    /// uniform hashes, so the attackers with an id up to `tau` are a known fraction
    /// `tau / 2^64` of all of them. Never below what was counted.
    fn attacker_estimate(&self) -> (u32, u64) {
        if self.tau == u64::MAX {
            return (self.attacker_ips(), self.attacker_hits);
        }
        let scale = 2f64.powi(64) / self.tau.max(1) as f64;
        let (ips, hits) = self
            .attackers
            .iter()
            .filter(|(&id, _)| id <= self.tau)
            .fold((0u64, 0u64), |(n, h), (_, &x)| (n + 1, h + x));
        let ips = ((ips as f64 * scale).round() as u32).max(self.attacker_ips());
        let hits = ((hits as f64 * scale).round() as u64).max(self.attacker_hits);
        (ips, hits)
    }

    fn offer_example(&mut self, example: Option<(i64, &str)>) {
        let Some((ts, text)) = example else { return };
        if self.example.as_ref().is_none_or(|(t, e)| (ts, text) < (*t, &**e)) {
            self.example = Some((ts, text.into()));
        }
    }

    fn suggestion(&self, c: &Candidate) -> Suggestion {
        let (attacker_ips, attacker_hits) = self.attacker_estimate();
        Suggestion {
            pattern: c.pattern(),
            kind: c.kind,
            attacker_ips,
            attacker_hits,
            benign_ips: self.benign_ips,
            benign_hits: self.benign_hits,
            confidence: confidence(attacker_ips, self.benign_ips),
            first_seen: self.first,
            last_seen: self.last,
            example: self.example.as_ref().map(|(_, e)| e.to_string()).unwrap_or_default(),
            sampled: self.sampled,
            check: what_to_check(c.kind),
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
fn weigh_benign(
    tallies: &mut BTreeMap<Candidate, Tally>,
    shapes: &[(&[u8], &ShapeEvidence)],
    role: impl Fn(&AddrId) -> Role,
) {
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
    let mut benign_ips: Vec<FxHashSet<AddrId>> = vec![FxHashSet::default(); candidates.len()];
    let mut benign_hits = vec![0u64; candidates.len()];
    let mut sampled = vec![false; candidates.len()];
    let mut ids: Vec<usize> = Vec::new();
    for (key, e) in shapes {
        // Benign addresses with all their hits, others with their allowed users' hits.
        let mut users = e
            .sample()
            .filter_map(|u| match role(&u.addr) {
                Role::Benign => Some((u.addr, u64::from(u.hits))),
                Role::Other if u.allowed_user_hits > 0 => Some((u.addr, u64::from(u.allowed_user_hits))),
                _ => None,
            })
            .peekable();
        // A saturated shape is looked at even when its sample holds no benign address:
        // the candidates it matches then have sampled benign counts.
        if users.peek().is_none() && !e.saturated {
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
        if ids.is_empty() {
            continue;
        }
        ids.sort_unstable();
        ids.dedup();
        if e.saturated {
            for &id in &ids {
                sampled[id] = true;
            }
        }
        for (addr, hits) in users {
            for &id in &ids {
                benign_ips[id].insert(addr);
                benign_hits[id] += hits;
            }
        }
    }
    let benign = benign_ips.iter().map(|s| s.len() as u32).zip(benign_hits).zip(sampled);
    for (t, ((ips, hits), sampled)) in tallies.values_mut().zip(benign) {
        t.benign_ips = ips;
        t.benign_hits = hits;
        t.sampled |= sampled;
    }
}

/// Drops a candidate when a more specific one it generalises has the same support
/// (attacker addresses and hits): it would only add risk, not catch more.
fn most_specific(tallies: &BTreeMap<Candidate, Tally>) -> Vec<(&Candidate, &Tally)> {
    let support = |t: &Tally| (t.attacker_ips(), t.attacker_hits);
    let mut by_support: FxHashMap<(u32, u64), Vec<&Candidate>> = FxHashMap::default();
    for (c, t) in tallies {
        by_support.entry(support(t)).or_default().push(c);
    }
    tallies.iter().filter(|(c, t)| !by_support[&support(t)].iter().any(|s| c.generalises(s))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learn::shapes::Request;

    fn record(shapes: &mut ShapeTable, ip: &str, requests: &[(&str, &str)]) {
        for (path, ua) in requests {
            let line = format!("x \"GET {path} HTTP/1.1\" 404 0 \"-\" \"{ua}\"");
            shapes.record(
                AddrKey::of(ip.as_bytes()),
                &Request {
                    ts: Some(1),
                    path: path.as_bytes(),
                    user_agent: ua.as_bytes(),
                    allowed_user: false,
                    suspicious_line: true,
                    status: 404,
                    raw_line: line.as_bytes(),
                },
                None,
            );
        }
    }

    fn run(attackers: &[&[(&str, &str)]], benign: &[&[(&str, &str)]], opts: &LearnOptions) -> Vec<Suggestion> {
        let mut ev = Evidence::default();
        let mut assessed = Vec::new();
        for (i, reqs) in attackers.iter().enumerate() {
            let ip = format!("10.0.0.{i}");
            record(&mut ev.shapes, &ip, reqs);
            ev.suspicious.insert(id_of(&ip));
            assessed.push(Assessed {
                ip,
                stats: IpStats::default(),
                allowed: false,
                sneak: false,
                score: 1.0,
                verdict: Verdict::Block,
                trips: Vec::new(),
                campaign: None,
                previous_blocks: 0,
                first_blocked: None,
                labels: None,
            });
        }
        for (i, reqs) in benign.iter().enumerate() {
            let ip = format!("10.1.0.{i}");
            record(&mut ev.shapes, &ip, reqs);
        }
        ev.shapes.finish();
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
        assert!(!s[0].sampled);
    }

    /// A request made by more addresses than the sample holds: counted on the sample,
    /// estimated from it, and marked so.
    #[test]
    fn popular_requests_are_counted_on_a_sample_and_say_so() {
        let reqs: &[(&str, &str)] = &[("/mass.cgi", "-")];
        let many: Vec<&[(&str, &str)]> = vec![reqs; 3 * crate::learn::shapes::SAMPLE];
        let s = run(&many, &[], &LearnOptions::default());
        assert_eq!(patterns(&s), ["/mass.cgi"]);
        assert!(s[0].sampled);
        // 192 attackers, estimated from the 64 of the sample.
        let n = many.len() as f64;
        assert!((s[0].attacker_ips as f64 - n).abs() < n * 0.4, "{}", s[0].attacker_ips);
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
        let a: &[(&str, &str)] = &[("/admin/x", "fetchbot/8"), ("/y.cgi", "fetchbot/8")];
        // `/admin/` as a substring would also flag /blog/admin/...; `fetchbot` is used
        // by a benign address; `.cgi` by another.
        let b1: &[(&str, &str)] = &[("/blog/admin/post", "fetchbot/7")];
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

    /// An `/api/` app and its curl users, and attackers who use both: with or without
    /// the benign users in the scan, neither `/api/` nor `curl` is suggested, and the
    /// attackers' specific path is, with what to check.
    #[test]
    fn generic_prefixes_and_library_agents_are_never_suggested() {
        let a: &[(&str, &str)] = &[("/api/v1/debug/pprof/cmdline", "curl/8.5.0"), ("/api/v1/users", "curl/8.5.0")];
        let app: &[(&str, &str)] = &[("/api/v1/users", "curl/7.88.1"), ("/api/v1/orders", "python-requests/2.31")];
        for benign in [&[app][..], &[]] {
            let s = run(&[a, a, a], benign, &LearnOptions::default());
            let p = patterns(&s);
            assert!(p.iter().all(|p| !p.contains("curl") && *p != "/api/" && *p != "/api/v1/"), "{p:?}");
            assert!(p.contains(&"/api/v1/debug/pprof/cmdline"), "{p:?}");
            assert!(s.iter().all(|s| !s.check.is_empty()));
        }
    }
}
