use super::*;
use crate::aggregate::ip_stats::SuspiciousLine;
use crate::aggregate::IpStats;
use crate::vocab::time::MICROS_PER_SEC;

const SEC: i64 = MICROS_PER_SEC;
const T0: i64 = 1_767_225_600 * SEC; // 2026-01-01 00:00:00 UTC, a window edge

fn probes(stats: &mut IpStats, rules: &BehaviourRules, start: i64, every: i64, paths: &[&str]) {
    for (i, p) in paths.iter().enumerate() {
        stats.observe(Some(start + i as i64 * every), b"GET", p.as_bytes(), 404, rules);
    }
}

fn paths(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("/old-{i}/index.php")).collect()
}

fn settled(mut s: IpStats) -> IpStats {
    s.settle();
    s
}

fn tripped(s: &IpStats, rules: &BehaviourRules) -> Vec<Rule> {
    trips(s.behaviour.as_deref(), s.suspicion.as_deref(), rules).iter().map(|t| t.rule).collect()
}

#[test]
fn a_burst_of_distinct_missing_paths_overflows_the_bucket_and_a_crawler_on_broken_links_does_not() {
    let rules = BehaviourRules::default();
    let p = paths(40);
    let refs: Vec<&str> = p.iter().map(String::as_str).collect();
    // One a second: ten fill the bucket, one leaks at 10 s, the twelfth overflows it.
    let mut s = IpStats::default();
    probes(&mut s, &rules, T0 + 35 * SEC, SEC, &refs[..12]);
    let s = settled(s);
    let t = trips(s.behaviour.as_deref(), None, &rules);
    assert_eq!(t.len(), 1, "{t:?}");
    assert_eq!((t[0].rule, t[0].peak, t[0].lines, t[0].first), (Rule::HttpProbing, 12, 12, T0 + 35 * SEC));
    // Eleven a second apart, the same path forty times, forty paths one per 12 s, and
    // a crawler's ten broken links among fourteen 404s in 44 s: no.
    let same = vec!["/old/index.php"; 40];
    let crawler: Vec<&str> = refs[..10].iter().chain(&refs[..4]).copied().collect();
    for (what, every, list) in
        [("11", 1, &refs[..11]), ("same", 1, &same[..]), ("slow", 12, &refs[..]), ("crawler", 3, &crawler[..])]
    {
        let mut s = IpStats::default();
        probes(&mut s, &rules, T0, every * SEC, list);
        assert!(tripped(&settled(s), &rules).is_empty(), "{what}");
    }
}

#[test]
fn probes_merge_to_the_same_trips_in_any_order() {
    let rules = BehaviourRules::default();
    let p = paths(40);
    let refs: Vec<&str> = p.iter().map(String::as_str).collect();
    let mut whole = IpStats::default();
    probes(&mut whole, &rules, T0, 2 * SEC, &refs);
    let mut halves = [IpStats::default(), IpStats::default()];
    for (i, path) in refs.iter().enumerate().rev() {
        halves[i % 2].observe(Some(T0 + i as i64 * 2 * SEC), b"GET", path.as_bytes(), 404, &rules);
    }
    let [a, b] = halves;
    let (mut ab, mut ba) = (a.clone(), b.clone());
    ab.merge(&b);
    ba.merge(&a);
    let (whole, ab, ba) = (settled(whole), settled(ab), settled(ba));
    assert_eq!(ab.behaviour, whole.behaviour);
    assert_eq!(ba.behaviour, whole.behaviour);
    assert_eq!(tripped(&whole, &rules), [Rule::HttpProbing]);
}

#[test]
fn an_address_keeps_its_earliest_probes_whatever_the_order() {
    let rules = BehaviourRules::default();
    let p = paths(PROBES_KEPT + 500);
    let (mut forward, mut backward) = (IpStats::default(), IpStats::default());
    for (i, path) in p.iter().enumerate() {
        forward.observe(Some(T0 + i as i64 * 30 * SEC), b"GET", path.as_bytes(), 404, &rules);
    }
    for (i, path) in p.iter().enumerate().rev() {
        backward.observe(Some(T0 + i as i64 * 30 * SEC), b"GET", path.as_bytes(), 404, &rules);
    }
    let (forward, backward) = (settled(forward), settled(backward));
    assert_eq!(forward.behaviour, backward.behaviour);
    assert_eq!(forward.behaviour.as_ref().unwrap().probes.len(), PROBES_KEPT);
    assert_eq!(forward.behaviour.as_ref().unwrap().probes[0].0, T0);
}

#[test]
fn login_posts_answered_200_make_a_flood_and_a_few_logins_do_not() {
    let rules = BehaviourRules::default();
    let mut bot = IpStats::default();
    for i in 0..12 {
        bot.observe(Some(T0 + i * 20 * SEC), b"POST", b"/wp-login.php", 200, &rules);
    }
    let bot = settled(bot);
    let t = trips(bot.behaviour.as_deref(), None, &rules);
    assert_eq!((t.len(), t[0].rule, t[0].peak, t[0].lines), (1, Rule::LoginFlood, 12, 12));
    // The owner logging in three times a day for a week, and reading the login page.
    let mut owner = IpStats::default();
    for day in 0..7 {
        for k in 0..3 {
            owner.observe(Some(T0 + day * 86_400 * SEC + k * 3600 * SEC), b"POST", b"/wp-login.php", 302, &rules);
        }
        owner.observe(Some(T0 + day * 86_400 * SEC), b"GET", b"/wp-login.php", 200, &rules);
    }
    assert!(tripped(&settled(owner), &rules).is_empty());
}

#[test]
fn many_usernames_first_tried_within_the_window_are_credential_stuffing() {
    let rules = BehaviourRules::default();
    let users = |every: i64, n: usize| {
        let mut s = IpStats::default();
        for i in 0..n {
            let user = format!("user{i}");
            s.record_suspicious(&SuspiciousLine::bad_user(T0 + i as i64 * every * SEC, &user), 1800 * SEC);
        }
        settled(s)
    };
    let t = trips(None, users(30, 6).suspicion.as_deref(), &rules);
    assert_eq!((t.len(), t[0].rule, t[0].peak, t[0].first), (1, Rule::CredentialStuffing, 6, T0));
    assert!(tripped(&users(30, 4), &rules).is_empty(), "four usernames");
    assert!(tripped(&users(300, 6), &rules).is_empty(), "six, but one every five minutes");
}
