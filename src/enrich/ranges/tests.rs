use super::*;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> RangeSource {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    RangeSource::parse(path.to_str().unwrap()).unwrap()
}

fn label_of(t: &RangeTable, addr: &str) -> Option<String> {
    t.label(ip(addr)).map(|l| l.to_string())
}

#[test]
fn every_published_shape_is_read_with_its_provider_label() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // The shapes as the providers publish them (abridged, values from their own examples).
    let sources = [
        write(
            d,
            "ip-ranges.json",
            r#"{"syncToken":"1700000000","createDate":"2026-11-30-12-00-00","prefixes":[{"ip_prefix":"3.5.140.0/22","region":"ap-northeast-2","service":"AMAZON","network_border_group":"ap-northeast-2"}],"ipv6_prefixes":[{"ipv6_prefix":"2600:1f14::/35","region":"us-west-2","service":"EC2","network_border_group":"us-west-2"}]}"#,
        ),
        write(
            d,
            "cloud.json",
            r#"{"syncToken":"1700000001","creationTime":"2026-11-30T12:00:00","prefixes":[{"ipv4Prefix":"34.1.208.0/20","service":"Google Cloud","scope":"africa-south1"},{"ipv6Prefix":"2600:1900:8000::/44","service":"Google Cloud","scope":"africa-south1"}]}"#,
        ),
        write(
            d,
            "googlebot.json",
            r#"{"creationTime":"2026-11-30T12:00:00.000000","prefixes":[{"ipv6Prefix":"2001:4860:4801:10::/64"},{"ipv4Prefix":"66.249.64.0/27"}]}"#,
        ),
        write(
            d,
            "ServiceTags_Public_20261130.json",
            r#"{"changeNumber":300,"cloud":"Public","values":[{"name":"AzureCloud","id":"AzureCloud","properties":{"changeNumber":1,"region":"","regionId":0,"platform":"Azure","systemService":"","addressPrefixes":["13.64.0.0/11","2603:1000::/24"],"networkFeatures":["API","NSG"]}}]}"#,
        ),
        write(
            d,
            "cf.json",
            r#"{"result":{"ipv4_cidrs":["173.245.48.0/20"],"ipv6_cidrs":["2400:cb00::/32"],"etag":"abc"},"success":true,"errors":[],"messages":[]}"#,
        ),
        write(
            d,
            "public_ip_ranges.json",
            r#"{"last_updated_timestamp":"2026-11-30T00:00:00.000000","regions":[{"region":"us-phoenix-1","cidrs":[{"cidr":"129.146.0.0/21","tags":["OCI"]}]}]}"#,
        ),
        write(
            d,
            "digitalocean.csv",
            "5.101.96.0/21,NL,NL-NH,Amsterdam,1098 XH\n2a03:b0c0:0:1010::/64,NL,NL-NH,Amsterdam,1098 XH\n",
        ),
        write(d, "cloudflare-ips-v4.txt", "103.21.244.0/22\n"),
        write(d, "mine.csv", "cidr,label\n# comment\n198.51.100.0/24,Office VPN\n203.0.113.7,<b>monitor</b>\n"),
    ];
    let t = RangeTable::load(&sources).unwrap();
    for (addr, want) in [
        ("3.5.141.9", "aws"),
        ("2600:1f14::1", "aws"),
        ("34.1.210.1", "gcp"),
        ("2600:1900:8000::5", "gcp"),
        ("66.249.64.3", "googlebot"),
        ("2001:4860:4801:10::1", "googlebot"),
        ("13.70.1.1", "azure"),
        ("2603:1000::9", "azure"),
        ("173.245.50.1", "cloudflare"),
        ("2400:cb00::1", "cloudflare"),
        ("129.146.1.1", "oracle"),
        ("5.101.97.1", "digitalocean"),
        ("2a03:b0c0:0:1010::2", "digitalocean"),
        ("103.21.245.1", "cloudflare-ips-v4"),
        ("198.51.100.77", "office-vpn"),
        ("203.0.113.7", "-b-monitor--b-"),
    ] {
        assert_eq!(label_of(&t, addr).as_deref(), Some(want), "{addr}");
    }
    for outside in ["3.5.144.0", "66.249.64.32", "203.0.113.8", "::1", "8.8.8.8"] {
        assert_eq!(label_of(&t, outside), None, "{outside}");
    }
    // IPv4-mapped IPv6 is its IPv4 address.
    assert_eq!(label_of(&t, "::ffff:3.5.140.1").as_deref(), Some("aws"));
    assert_eq!(t.loaded.len(), sources.len());
}

#[test]
fn a_label_given_with_the_file_names_all_its_ranges() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ranges.csv");
    std::fs::write(&path, "192.0.2.0/24,lab\n").unwrap();
    let s = RangeSource::parse(&format!("hosting={}", path.display())).unwrap();
    assert_eq!(s.label.as_deref(), Some("hosting"));
    let t = RangeTable::load(&[s]).unwrap();
    assert_eq!(label_of(&t, "192.0.2.9").as_deref(), Some("hosting"));
    // A path with '=' in a directory name is a path, not a label.
    let odd = RangeSource::parse("/tmp/a b=c/x.json").unwrap();
    assert_eq!((odd.label, odd.path), (None, PathBuf::from("/tmp/a b=c/x.json")));
    assert!(RangeSource::parse("aws=").is_err());
}

#[test]
fn the_most_specific_range_wins_and_equals_go_to_the_first_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let a = write(d, "a.csv", "10.0.0.0/8,outer\n10.1.0.0/16,middle\n10.1.2.0/24,inner\n192.0.2.0/24,first\n");
    let b = write(d, "b.csv", "10.1.2.128/25,innermost\n192.0.2.0/24,second\n");
    let t = RangeTable::load(&[a, b]).unwrap();
    for (addr, want) in [
        ("10.0.0.1", "outer"),
        ("10.1.0.1", "middle"),
        ("10.1.2.1", "inner"),
        ("10.1.2.200", "innermost"),
        ("10.1.3.0", "middle"),
        ("10.2.0.0", "outer"),
        ("10.255.255.255", "outer"),
        ("192.0.2.50", "first"),
    ] {
        assert_eq!(label_of(&t, addr).as_deref(), Some(want), "{addr}");
    }
    assert_eq!(t.ranges_of("inner"), [(0x0a01_0200, 0x0a01_027f)]);
}

#[test]
fn flattening_agrees_with_a_scan_of_every_range() {
    // Random nested and disjoint IPv4 blocks inside 10.0.0.0/16, checked at every
    // address against the most specific containing block (first read among equals).
    let mut seed = 0x9e37_79b9_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for round in 0..20 {
        let mut ranges = Vec::new();
        for order in 0..(5 + round) {
            let prefix = 16 + (next() % 17) as u8;
            let addr = 0x0a00_0000u128 | (next() as u128 & 0xffff);
            let net = Net::new(false, addr, prefix);
            ranges.push(Range { net, label: (next() % 4) as u32, order });
        }
        let intervals = flatten(ranges.clone());
        for w in intervals.windows(2) {
            assert!(w[0].1 < w[1].0, "sorted and disjoint: {w:?}");
        }
        for a in (0x0a00_0000u128..=0x0a00_ffff).step_by(7) {
            let want = ranges
                .iter()
                .filter(|r| r.net.contains(false, a))
                .max_by(|x, y| x.net.prefix.cmp(&y.net.prefix).then(y.order.cmp(&x.order)))
                .map(|r| r.label);
            let i = intervals.partition_point(|iv| iv.1 < a);
            let got = intervals.get(i).filter(|iv| iv.0 <= a).map(|iv| iv.2);
            assert_eq!(got, want, "round {round}, address {a:x}");
        }
    }
}

#[test]
fn bad_files_are_errors_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let bad = write(d, "bad.csv", "192.0.2.0/24,a\nnot-a-range,b\n");
    let err = RangeTable::load(&[bad]).unwrap_err();
    assert!(err.contains("bad.csv:2") && err.contains("not-a-range"), "{err}");
    let empty = write(d, "empty.json", r#"{"prefixes":[]}"#);
    assert!(RangeTable::load(&[empty]).unwrap_err().contains("no address range"));
    let broken = write(d, "broken.json", r#"{"prefixes":["#);
    assert!(RangeTable::load(&[broken]).unwrap_err().contains("not valid JSON"));
    let missing = RangeSource::parse(d.join("nope.json").to_str().unwrap()).unwrap();
    assert!(RangeTable::load(&[missing]).unwrap_err().contains("nope.json"));
}
