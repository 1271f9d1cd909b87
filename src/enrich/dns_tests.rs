//! Two-way DNS against a DNS server of the test's own on 127.0.0.1.

use super::*;
use hickory_resolver::proto::rr::RecordType;
use server::{ptr, reverse_name, two_way as add, Reply, TestDns, Zone};

#[path = "../../tests/util/dns_server.rs"]
#[allow(dead_code)]
mod server;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn settings(server: &TestDns) -> DnsSettings {
    DnsSettings { servers: vec![server.addr], system: false, timeout: Duration::from_millis(400), ..Default::default() }
}

fn named(name: &str, confirmed: bool) -> DnsName {
    DnsName { name: Some(name.into()), confirmed, error: None }
}

fn failed(error: DnsError) -> DnsName {
    DnsName { name: None, confirmed: false, error: Some(error) }
}

/// Every kind of answer a server gives, and what each becomes.
#[test]
fn names_are_confirmed_only_when_they_resolve_back() {
    let mut zone = Zone::new();
    add(&mut zone, "198.51.100.7", "scan.example.net", Some("198.51.100.7"), 3600);
    add(&mut zone, "203.0.113.9", "google.com", Some("142.250.1.1"), 3600);
    add(&mut zone, "2001:db8::5", "v6.example.net", Some("2001:db8::5"), 3600);
    add(&mut zone, "198.51.100.20", "gone.example.net", None, 3600);
    // Two names: the second resolves back.
    zone.insert(
        (reverse_name(ip("198.51.100.8")), RecordType::PTR),
        Reply::Records(vec![ptr("a.example"), ptr("b.example")], 600),
    );
    add(&mut zone, "198.51.100.99", "a.example", Some("192.0.2.200"), 600);
    add(&mut zone, "198.51.100.98", "b.example", Some("198.51.100.8"), 600);
    // The name's own server fails: the name stays unchecked, and says why.
    add(&mut zone, "198.51.100.9", "broken.example", None, 600);
    zone.insert(("broken.example".into(), RecordType::A), Reply::ServFail);
    for (addr, reply) in [
        ("192.0.2.2", Reply::ServFail),
        ("192.0.2.3", Reply::Refused),
        ("192.0.2.4", Reply::Empty),
        ("192.0.2.5", Reply::Silent),
    ] {
        zone.insert((reverse_name(ip(addr)), RecordType::PTR), reply);
    }
    // A huge answer: 300 names, over TCP only (the UDP answer is truncated).
    let many: Vec<RData> = (0..300).map(|i| ptr(&format!("h{i}.many.example"))).collect();
    zone.insert((reverse_name(ip("192.0.2.6")), RecordType::PTR), Reply::Truncated(many, 600));
    let server = TestDns::start(zone);
    let addrs = [
        "198.51.100.7",
        "::ffff:198.51.100.7",
        "203.0.113.9",
        "2001:db8::5",
        "198.51.100.20",
        "198.51.100.8",
        "198.51.100.9",
        "192.0.2.1",
        "192.0.2.2",
        "192.0.2.3",
        "192.0.2.4",
        "192.0.2.5",
        "192.0.2.6",
    ]
    .map(ip);
    let (found, outcome) = two_way_all(&addrs, &settings(&server), None).unwrap();
    let of = |s: &str| found[&ip(s)].clone();
    assert_eq!(of("198.51.100.7"), named("scan.example.net", true));
    assert_eq!(of("::ffff:198.51.100.7"), named("scan.example.net", true), "IPv4-mapped is its IPv4");
    assert_eq!(of("203.0.113.9"), named("google.com", false), "resolves elsewhere: claimed only");
    assert_eq!(of("2001:db8::5"), named("v6.example.net", true));
    assert_eq!(of("198.51.100.20"), named("gone.example.net", false), "the name does not exist");
    assert_eq!(of("198.51.100.8"), named("b.example", true), "the name that resolves back is shown");
    assert_eq!(of("198.51.100.9"), DnsName { error: Some(DnsError::ServFail), ..named("broken.example", false) });
    assert_eq!(of("192.0.2.1"), failed(DnsError::NxDomain));
    assert_eq!(of("192.0.2.2"), failed(DnsError::ServFail));
    assert_eq!(of("192.0.2.3"), failed(DnsError::Refused));
    assert_eq!(of("192.0.2.4"), failed(DnsError::NoPtr));
    assert_eq!(of("192.0.2.5"), failed(DnsError::Timeout));
    let huge = of("192.0.2.6");
    assert_eq!((huge.name.as_deref(), huge.confirmed), (Some("h0.many.example"), false), "{huge:?}");
    let followed = (0..300).filter(|i| server.queries_for(&format!("h{i}.many.example"), RecordType::A) > 0).count();
    assert_eq!(followed, MAX_NAMES_FOLLOWED, "only the first names are followed");
    let mapped_once = server.queries_for(&reverse_name(ip("198.51.100.7")), RecordType::PTR);
    assert_eq!(mapped_once, 1, "an address and its IPv4-mapped form are looked up once");
    assert_eq!(
        outcome,
        DnsOutcome {
            addresses: addrs.len(),
            looked_up: addrs.len() - 1,
            deadline_s: 30.0,
            servers: vec![server.addr.to_string()],
            ..Default::default()
        }
    );
}

/// Lookups still unanswered at the deadline are counted and marked, and the deadline
/// holds however long a query could wait.
#[test]
fn the_deadline_cuts_lookups_off_and_says_how_many() {
    let mut zone = Zone::new();
    add(&mut zone, "198.51.100.7", "scan.example.net", Some("198.51.100.7"), 3600);
    let silent: Vec<String> = (1..=10).map(|i| format!("192.0.2.{i}")).collect();
    for s in &silent {
        zone.insert((reverse_name(ip(s)), RecordType::PTR), Reply::Silent);
    }
    let server = TestDns::start(zone);
    let addrs: Vec<IpAddr> = std::iter::once("198.51.100.7").chain(silent.iter().map(String::as_str)).map(ip).collect();
    let s = DnsSettings { timeout: Duration::from_secs(20), deadline: Duration::from_millis(600), ..settings(&server) };
    let started = std::time::Instant::now();
    let (found, outcome) = two_way_all(&addrs, &s, None).unwrap();
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    assert!(outcome.deadline_hit);
    assert_eq!((outcome.addresses, outcome.looked_up, outcome.not_looked_up), (11, 1, 10));
    assert_eq!(found[&ip("198.51.100.7")], named("scan.example.net", true));
    assert!(silent.iter().all(|s| found[&ip(s)] == DnsName::deadline()));
}

/// A second run asks the server nothing the cache holds unexpired; an answer whose
/// TTL ran out is looked up again, and negative answers keep the SOA's minimum.
#[test]
fn the_cache_answers_until_the_ttl_runs_out() {
    let mut zone = Zone::new();
    add(&mut zone, "198.51.100.7", "scan.example.net", Some("198.51.100.7"), 3600);
    add(&mut zone, "198.51.100.8", "short.example.net", Some("198.51.100.8"), 1);
    let server = TestDns::start(zone);
    let addrs = ["198.51.100.7", "198.51.100.8", "192.0.2.1"].map(ip);
    // No floor: the 1 s TTL is honoured as it is.
    let s = DnsSettings { ttl_floor: Duration::ZERO, ..settings(&server) };
    let mut cache = DnsCache::default();
    let (first, outcome) = two_way_all(&addrs, &s, Some(&mut cache)).unwrap();
    assert_eq!((outcome.cache_hits, outcome.looked_up), (0, 3));
    let entry = |cache: &DnsCache, a: &str| cache.entries[&ip(a)].clone();
    let lifetime = |c: CachedName| (c.expires - c.looked_up) / 1_000_000;
    assert_eq!(lifetime(entry(&cache, "198.51.100.7")), 3600);
    assert_eq!(lifetime(entry(&cache, "198.51.100.8")), 1);
    assert_eq!(lifetime(entry(&cache, "192.0.2.1")), 60, "NXDOMAIN is kept for the SOA minimum");

    let asked = server.queries();
    let (again, outcome) = two_way_all(&addrs, &s, Some(&mut cache)).unwrap();
    assert_eq!(server.queries(), asked, "no query reaches the server");
    assert_eq!((outcome.cache_hits, outcome.looked_up), (3, 0));
    assert_eq!(again, first);

    std::thread::sleep(Duration::from_millis(1100));
    server.set("short.example.net".into(), RecordType::A, Reply::Records(vec![server::address("192.0.2.50")], 1));
    let (expired, outcome) = two_way_all(&addrs, &s, Some(&mut cache)).unwrap();
    assert_eq!((outcome.cache_hits, outcome.looked_up), (2, 1));
    assert_eq!(expired[&ip("198.51.100.8")], named("short.example.net", false), "looked up again");
}

#[test]
fn cache_lifetimes_stay_between_the_floor_and_the_cap() {
    let s = DnsSettings::default();
    let answer = |ttl: Option<u32>, error: Option<DnsError>| Answer {
        dns: DnsName { name: None, confirmed: false, error },
        ttl,
    };
    assert_eq!(answer(Some(1), None).lifetime(&s), s.ttl_floor);
    assert_eq!(answer(Some(u32::MAX), None).lifetime(&s), s.ttl_cap);
    assert_eq!(answer(Some(7200), None).lifetime(&s), Duration::from_secs(7200));
    assert_eq!(answer(None, Some(DnsError::NxDomain)).lifetime(&s), s.negative_ttl, "no SOA: the default");
    assert_eq!(answer(None, Some(DnsError::Timeout)).lifetime(&s), s.ttl_floor, "a failure: soon again");
}

#[test]
fn servers_are_an_address_with_an_optional_port() {
    assert_eq!(parse_server("192.0.2.53").unwrap(), "192.0.2.53:53".parse().unwrap());
    assert_eq!(parse_server("127.0.0.1:5353").unwrap(), "127.0.0.1:5353".parse().unwrap());
    assert_eq!(parse_server("2001:db8::53").unwrap(), "[2001:db8::53]:53".parse().unwrap());
    assert_eq!(parse_server("[2001:db8::53]:5353").unwrap(), "[2001:db8::53]:5353".parse().unwrap());
    assert!(parse_server("dns.example").unwrap_err().contains("--dns-server"));
}

/// Lookups per second against the local server: 10 000 addresses with a PTR each,
/// 64 in flight, in the benchmarking range 198.18.0.0/15 (`cargo test --release --lib lookup_rate -- --ignored --nocapture`).
#[test]
#[ignore]
fn lookup_rate() {
    let mut zone = Zone::new();
    let addrs: Vec<IpAddr> = (0..10_000u32).map(|i| IpAddr::V4((0xc612_0000 + i).into())).collect();
    for (i, a) in addrs.iter().enumerate() {
        add(&mut zone, &a.to_string(), &format!("host-{i}.example.net"), Some(&a.to_string()), 3600);
    }
    let server = TestDns::start(zone);
    let s = DnsSettings { timeout: Duration::from_secs(2), deadline: Duration::from_secs(120), ..settings(&server) };
    let started = std::time::Instant::now();
    let (found, outcome) = two_way_all(&addrs, &s, None).unwrap();
    let secs = started.elapsed().as_secs_f64();
    let confirmed = found.values().filter(|d| d.confirmed).count();
    println!(
        "{} addresses (PTR + A each) in {secs:.2} s: {:.0} addresses/s, {:.0} queries/s; {confirmed} confirmed; {} not looked up",
        outcome.addresses,
        outcome.addresses as f64 / secs,
        server.queries() as f64 / secs,
        outcome.not_looked_up
    );
    assert_eq!(confirmed, addrs.len());
}
