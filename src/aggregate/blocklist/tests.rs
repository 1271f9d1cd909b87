//! Tests of the blocklist builder: exclusions, the range rule, collapsing, and a
//! seeded property test over random neighbourhoods of addresses.

use super::*;
use crate::aggregate::ip_stats::Suspicion;
use crate::detect::allowlist::Block;

/// One address of a test scenario.
#[derive(Clone, Debug)]
struct Client {
    ip: String,
    verdict: Verdict,
    /// Lines that did not count against it.
    benign_lines: u64,
    sneak: bool,
}

fn client(ip: &str, verdict: Verdict, benign_lines: u64) -> Client {
    Client { ip: ip.to_owned(), verdict, benign_lines, sneak: false }
}

fn stats(c: &Client) -> IpStats {
    let mut s = IpStats::default();
    let suspicious = match c.verdict {
        Verdict::Block => 5,
        Verdict::Watch => 1,
        Verdict::None => 0,
    };
    s.events = suspicious + c.benign_lines;
    s.first_seen = Some(1_767_225_600_000_000);
    s.last_seen = Some(1_767_225_600_000_000 + 3_600_000_000);
    if suspicious > 0 {
        let mut x = Suspicion::default();
        x.events = suspicious;
        x.by_category[Category::Probe.index()] = suspicious;
        x.daily = vec![(20454, suspicious)];
        // What an attacker typed never reaches a reason.
        x.usernames.insert("root\n-A INPUT -j ACCEPT", Default::default());
        s.suspicion = Some(Box::new(x));
    }
    s
}

struct Built {
    list: Blocklist,
}

fn build_from(clients: &[Client], allow: &[&str], settings: &BlocklistSettings) -> Built {
    let allow = AllowList::new(allow.iter().map(|b| Block::parse(b).unwrap()).collect());
    let rows: Vec<(String, IpStats)> = clients.iter().map(|c| (c.ip.clone(), stats(c))).collect();
    let benign = BenignAddresses::collect(&rows, Vec::new());
    let assessed: Vec<Assessed> = rows
        .into_iter()
        .zip(clients)
        .map(|((ip, stats), c)| Assessed {
            allowed: allow.contains(crate::vocab::address::AddrKey::of(ip.as_bytes())),
            ip,
            stats,
            sneak: c.sneak,
            score: 0.0,
            verdict: c.verdict,
            trips: Vec::new(),
            campaign: None,
            previous_blocks: 0,
            first_blocked: None,
            labels: None,
        })
        .collect();
    Built { list: build(&assessed, &benign, &allow, settings) }
}

impl Built {
    fn networks(&self) -> Vec<&str> {
        self.list.entries.iter().map(|e| e.network.as_str()).collect()
    }
}

fn block(ip: &str) -> Client {
    client(ip, Verdict::Block, 0)
}

#[test]
fn lists_block_addresses_and_leaves_out_special_ones_with_counts() {
    let clients = [
        block("45.148.10.183"),
        block("2a01:4f8:1:2::5"),
        client("45.148.99.1", Verdict::Watch, 0),
        block("203.0.113.7"),
        block("10.0.0.5"),
        block("127.0.0.1"),
        block("fe80::1"),
        block("224.0.0.1"),
        block("example.com"),
        block("192.168.1.77"),
    ];
    let b = build_from(&clients, &["192.168"], &BlocklistSettings::default());
    assert_eq!(b.networks(), ["45.148.10.183", "2a01:4f8:1:2::5"]);
    assert_eq!(b.list.candidates, 9);
    assert_eq!(b.list.listed, 2);
    let excluded: Vec<(&str, usize)> = b.list.excluded.iter().map(|(w, n)| (w.as_str(), *n)).collect();
    assert_eq!(
        excluded,
        [
            ("allow-listed", 1),
            ("loopback", 1),
            ("private", 1),
            ("link-local", 1),
            ("documentation", 1),
            ("multicast", 1),
            ("not an IP address", 1)
        ]
    );
    let e = &b.list.entries[0];
    assert_eq!((e.addresses, e.v6, e.categories.as_slice()), (1, false, &[Category::Probe][..]));
    assert_eq!(e.reason, "block: 5 suspicious events on 1 day");
    assert!(b.list.entries.iter().all(|e| !e.reason.contains("root") && !e.reason.contains('\n')));

    // For a lab: private and documentation addresses are kept, the rest never.
    let lab = BlocklistSettings { include_special: true, ..Default::default() };
    let b = build_from(&clients, &["192.168"], &lab);
    assert_eq!(b.networks(), ["10.0.0.5", "45.148.10.183", "203.0.113.7", "2a01:4f8:1:2::5"]);

    // Listing watch addresses too.
    let watch = BlocklistSettings { verdict: Verdict::Watch, ..Default::default() };
    assert_eq!(build_from(&clients, &[], &watch).networks(), ["45.148.10.183", "45.148.99.1", "2a01:4f8:1:2::5"]);

    // This server's own address is never listed.
    let own = BlocklistSettings { own: vec![Net::parse("45.148.10.183").unwrap()], ..Default::default() };
    let b = build_from(&clients, &[], &own);
    assert_eq!(b.networks(), ["2a01:4f8:1:2::5"]);
    assert_eq!(b.list.excluded[&Exclusion::Own], 1);
}

#[test]
fn adjacent_addresses_collapse_only_where_exact() {
    let clients = [block("45.148.10.4"), block("45.148.10.5"), block("45.148.10.7"), block("45.148.10.8")];
    let b = build_from(&clients, &[], &BlocklistSettings { ranges: false, ..Default::default() });
    assert_eq!(b.networks(), ["45.148.10.4/31", "45.148.10.7", "45.148.10.8"]);
    assert_eq!(b.list.entries[0].addresses, 2);
    assert!(b.list.entries[0].reason.starts_with("2 addresses: 10 suspicious events on 1 day: 45.148.10.4 (block, "));
}

#[test]
fn a_range_needs_enough_members_and_nothing_to_keep_inside() {
    let three = [block("45.148.10.1"), block("45.148.10.99"), block("45.148.10.200")];
    let d = BlocklistSettings::default();
    let b = build_from(&three, &[], &d);
    assert_eq!(b.networks(), ["45.148.10.0/24"]);
    assert_eq!(b.list.entries[0].addresses, 3);
    assert!(b.list.entries[0].reason.starts_with("range 45.148.10.0/24 proposed: 3 block-verdict addresses inside"));
    assert_eq!(b.list.ranges, [Net::parse("45.148.10.0/24").unwrap()]);

    // Two are not enough.
    assert_eq!(build_from(&three[..2], &[], &d).networks(), ["45.148.10.1", "45.148.10.99"]);
    // A watch address without other traffic may be inside; one with benign traffic may not.
    let mut with = three.to_vec();
    with.push(client("45.148.10.50", Verdict::Watch, 0));
    assert_eq!(build_from(&with, &[], &d).networks(), ["45.148.10.0/24"]);
    with.push(client("45.148.10.60", Verdict::None, 12));
    let b = build_from(&with, &[], &d);
    assert_eq!(b.networks(), ["45.148.10.1", "45.148.10.99", "45.148.10.200"]);
    assert_eq!(b.list.rejected_ranges.len(), 1);
    assert!(b.list.rejected_ranges[0].why.starts_with("45.148.10.60 inside had traffic that did not count against it"));
    // A block address's own benign lines do not stop the range (it is listed anyway).
    let mut noisy = three.to_vec();
    noisy[0].benign_lines = 40;
    assert_eq!(build_from(&noisy, &[], &d).networks(), ["45.148.10.0/24"]);
    // An allow-listed block or this server's address inside stops it.
    let b = build_from(&three, &["45.148.10.240/28"], &d);
    assert_eq!(b.networks(), ["45.148.10.1", "45.148.10.99", "45.148.10.200"]);
    assert!(b.list.rejected_ranges[0].why.contains("allow-listed 45.148.10.240/28"));
    let own = BlocklistSettings { own: vec![Net::parse("45.148.10.250").unwrap()], ..Default::default() };
    assert!(build_from(&three, &[], &own).list.rejected_ranges[0].why.contains("this server's address 45.148.10.250"));
    // Thresholds are settings.
    let four = BlocklistSettings { range_min_ips: 4, ..Default::default() };
    assert_eq!(build_from(&three, &[], &four).list.ranges, []);
    let wide = BlocklistSettings { range_v4_prefix: 16, ..Default::default() };
    assert_eq!(build_from(&three, &[], &wide).networks(), ["45.148.0.0/16"]);
}

#[test]
fn ranges_and_addresses_merge_into_the_exact_cover() {
    let clients = [
        block("45.148.10.1"),
        block("45.148.10.2"),
        block("45.148.10.3"),
        block("45.148.11.7"),
        block("45.148.11.8"),
        block("45.148.11.9"),
        block("45.148.12.0"),
        block("2a01:4f8:1:2::1"),
        block("2a01:4f8:1:2::ffff"),
        block("2a01:4f8:1:2:1::1"),
    ];
    let b = build_from(&clients, &[], &BlocklistSettings::default());
    // Two adjacent /24 ranges are one /22's half; the next /24's first address joins
    // the interval but not the block.
    assert_eq!(b.networks(), ["45.148.10.0/23", "45.148.12.0", "2a01:4f8:1:2::/64"]);
    assert_eq!(b.list.entries[0].addresses, 6);
    assert!(b.list.entries[0].reason.starts_with("ranges 45.148.10.0/24, 45.148.11.0/24 proposed: 6 block-verdict"));
    // Documentation ranges never become ranges unless kept.
    let doc = [block("203.0.113.1"), block("203.0.113.2"), block("203.0.113.3")];
    assert_eq!(build_from(&doc, &[], &BlocklistSettings::default()).networks(), Vec::<&str>::new());
    let lab = BlocklistSettings { include_special: true, ..Default::default() };
    assert_eq!(build_from(&doc, &[], &lab).networks(), ["203.0.113.0/24"]);
    // ...and a range may never reach into a range that is never listed.
    let edge = [block("100.63.255.1"), block("100.63.255.2"), block("100.63.255.3")];
    let wide = BlocklistSettings { range_v4_prefix: 8, ..Default::default() };
    let b = build_from(&edge, &[], &wide);
    assert_eq!(b.networks(), ["100.63.255.1", "100.63.255.2/31"]);
    assert!(b.list.rejected_ranges[0].why.contains("private range 100.64.0.0/10"), "{:?}", b.list.rejected_ranges);
}

/// A small deterministic generator (xorshift64*), so the property test needs no crate
/// and every failure reproduces from its case number.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// A random scenario: clients clustered in a few neighbourhoods (adjacent public /24s,
/// public /64s, private, documentation, loopback and multicast space), allow-listed
/// blocks and own addresses among them, and random thresholds.
fn scenario(rng: &mut Rng) -> (Vec<Client>, Vec<String>, BlocklistSettings) {
    const V4: [&str; 8] =
        ["45.148.10.", "45.148.11.", "45.148.9.", "185.224.128.", "10.1.2.", "203.0.113.", "127.0.0.", "224.0.0."];
    const V6: [&str; 4] = ["2a01:4f8:1:2::", "2a01:4f8:1:3::", "2001:db8:1::", "fe80::"];
    let mut clients: Vec<Client> = Vec::new();
    for _ in 0..rng.below(40) {
        let ip = if rng.below(4) == 0 {
            format!("{}{:x}", rng.pick(&V6), rng.below(24))
        } else {
            // Mostly low host numbers, so addresses meet, touch and share ranges.
            let host = if rng.below(5) == 0 { rng.below(256) } else { rng.below(20) };
            format!("{}{host}", rng.pick(&V4))
        };
        if clients.iter().any(|c| c.ip == ip) {
            continue;
        }
        let verdict = *rng.pick(&[Verdict::Block, Verdict::Block, Verdict::Watch, Verdict::None]);
        let benign_lines = if verdict == Verdict::None || rng.below(3) == 0 { 1 + rng.below(5) } else { 0 };
        clients.push(Client { ip, verdict, benign_lines, sneak: rng.below(5) == 0 });
    }
    let mut allow = Vec::new();
    for _ in 0..rng.below(3) {
        let base = rng.pick(&V4);
        allow.push(match rng.below(3) {
            0 => format!("{base}{}", rng.below(20)),
            1 => format!("{base}{}/30", rng.below(5) * 4),
            _ => format!("{base}0/24"),
        });
    }
    let mut own = Vec::new();
    for _ in 0..rng.below(2) {
        own.push(Net::parse(&format!("{}{}", rng.pick(&V4), rng.below(20))).unwrap());
    }
    let settings = BlocklistSettings {
        verdict: *rng.pick(&[Verdict::Block, Verdict::Block, Verdict::Watch]),
        ranges: rng.below(5) != 0,
        range_min_ips: 2 + rng.below(3) as usize,
        range_v4_prefix: *rng.pick(&[24, 24, 27, 28, 23]),
        range_v6_prefix: *rng.pick(&[64, 64, 124, 120]),
        include_special: rng.below(3) == 0,
        own,
        own_from_system: 0,
        ban_time_secs: 0,
        ..BlocklistSettings::default()
    };
    (clients, allow, settings)
}

#[test]
fn property_the_list_covers_exactly_what_the_rules_allow() {
    for case in 0..600u64 {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (case + 1).wrapping_mul(0x1000_0000_01b3));
        let (clients, allow_text, settings) = scenario(&mut rng);
        let allow_refs: Vec<&str> = allow_text.iter().map(String::as_str).collect();
        let b = build_from(&clients, &allow_refs, &settings);
        let ctx = format!("case {case}: {clients:?} allow {allow_text:?} {settings:?} -> {:?}", b.networks());
        let allow_nets: Vec<Net> = allow_text.iter().map(|t| Net::parse(t).unwrap()).collect();
        let entries: Vec<Net> = b.list.entries.iter().map(|e| Net::parse(&e.network).unwrap()).collect();
        let covered = |n: &Net| entries.iter().any(|e| e.contains(n.v6, n.addr));

        // Sorted, canonical, never overlapping.
        for (e, text) in entries.iter().zip(&b.list.entries) {
            assert_eq!(e.to_string(), text.network, "{ctx}");
        }
        for w in entries.windows(2) {
            assert!((w[0].v6, w[0].last()) < (w[1].v6, w[1].first()), "{ctx}");
        }

        // Who may be listed, decided here independently of the builder.
        let listed_verdict = |c: &Client| c.verdict >= settings.verdict.max(Verdict::Watch);
        let eligible = |n: &Net| {
            let class = net::special(n.v6, n.addr);
            !allow_nets.iter().any(|a| a.contains(n.v6, n.addr))
                && !settings.own.iter().any(|o| o.contains(n.v6, n.addr))
                && class.is_none_or(|c| settings.include_special && c.can_include())
        };
        let members: Vec<Net> = clients
            .iter()
            .filter(|c| listed_verdict(c))
            .map(|c| Net::parse(&c.ip).unwrap())
            .filter(|n| eligible(n))
            .collect();
        assert_eq!(b.list.listed, members.len(), "{ctx}");
        assert_eq!(b.list.entries.iter().map(|e| e.addresses as usize).sum::<usize>(), members.len(), "{ctx}");

        // Every eligible listed-verdict address is covered...
        for m in &members {
            assert!(covered(m), "{m} is not covered: {ctx}");
        }
        // ...and nothing that must stay reachable is.
        for c in &clients {
            let n = Net::parse(&c.ip).unwrap();
            let keep = !eligible(&n) || (!listed_verdict(c) && c.benign_lines > 0);
            assert!(!(keep && covered(&n)), "{n} must not be covered: {ctx}");
        }
        for a in &allow_nets {
            assert!(!entries.iter().any(|e| e.overlaps(a)), "allow-listed {a} is covered: {ctx}");
        }

        // Each proposed range meets the rule, and every range that meets it is proposed.
        let meets_rule = |r: &Net| {
            let inside = members.iter().filter(|m| r.contains(m.v6, m.addr)).count();
            inside >= settings.range_min_ips
                && !allow_nets.iter().chain(&settings.own).any(|a| a.overlaps(r))
                && !special_ranges_blocking(r, &settings)
                && !clients.iter().any(|c| {
                    let n = Net::parse(&c.ip).unwrap();
                    r.contains(n.v6, n.addr) && c.benign_lines > 0 && !members.contains(&n)
                })
        };
        for r in &b.list.ranges {
            assert!(settings.ranges && r.prefix == settings.range_prefix(r.v6) && meets_rule(r), "{r}: {ctx}");
        }
        if settings.ranges {
            for m in &members {
                let r = Net::new(m.v6, m.addr, settings.range_prefix(m.v6));
                assert_eq!(meets_rule(&r), b.list.ranges.contains(&r), "{r}: {ctx}");
            }
        }
        // Every covered address is a member or inside a proposed range: each entry's
        // size is exactly what the ranges (disjoint: one prefix length per family) and
        // the members outside them contribute.
        for e in &entries {
            let size = |n: &Net| n.last() - n.first() + 1;
            let from_ranges: u128 = b
                .list
                .ranges
                .iter()
                .filter(|r| r.overlaps(e))
                .map(|r| if r.prefix >= e.prefix { size(r) } else { size(e) })
                .sum();
            let loose = members
                .iter()
                .filter(|m| e.contains(m.v6, m.addr) && !b.list.ranges.iter().any(|r| r.contains(m.v6, m.addr)))
                .count() as u128;
            assert_eq!(size(e), from_ranges + loose, "{e} covers more than members and proposed ranges: {ctx}");
        }
    }
}

fn special_ranges_blocking(r: &Net, settings: &BlocklistSettings) -> bool {
    net::special_ranges().any(|(n, class)| n.overlaps(r) && !(settings.include_special && class.can_include()))
}

/// The ranges overlapping a piece, found by halving, are those testing every range finds.
#[test]
fn overlapping_ranges_are_found_by_halving() {
    let net = |s: &str| Net::parse(s).unwrap();
    let ranges: Vec<Net> =
        ["10.0.1.0/24", "10.0.3.0/24", "10.0.4.0/24", "2001:db8:0:1::/64", "2001:db8:0:7::/64"].map(net).to_vec();
    let pieces = [
        "10.0.0.0/16",
        "10.0.3.7",
        "10.0.2.0/24",
        "10.0.4.0/23",
        "9.255.255.255",
        "11.0.0.0/8",
        "0.0.0.0/0",
        "2001:db8::/48",
        "2001:db8:0:7::5",
        "2001:db8:0:2::/63",
        "::/0",
    ];
    for piece in pieces.map(net) {
        let tested: Vec<Net> = ranges.iter().filter(|r| r.overlaps(&piece)).copied().collect();
        assert_eq!(overlapping(&ranges, &piece), tested, "{piece}");
    }
}
