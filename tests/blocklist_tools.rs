//! The blocklist files on the shipped sample-logs/: they list exactly the planted
//! attackers (sample-logs/README.md) and nothing to keep, and they load with the real
//! tools — nft, ipset, iptables-restore, ip6tables-restore — inside a throwaway network
//! namespace (`unshare --user --map-root-user --net`), so no root is needed and the
//! host's firewall is never touched. The tools come from Debian's nftables, ipset and
//! iptables packages (.ci/run installs them); a missing tool or a system without user
//! namespaces skips the check with the reason on stderr (a failure under
//! KNOCKLOG_TEST_STRICT=1, see `util::skip`).

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::path::Path;
use std::process::Command;

use crate::util::{repo, scan, Run};

fn sample(extra: &[&str]) -> Run {
    let mut args = vec!["--timezone", "utc", "--allow-ip", "192.168,100.72", "--allow-user", "alice"];
    args.extend_from_slice(extra);
    scan(&[&repo().join("sample-logs")], &args)
}

/// The entries of blocklist.txt (the first word of every non-comment line).
fn entries(run: &Run) -> Vec<String> {
    let text = std::fs::read_to_string(run.out.join("blocklist.txt")).expect("blocklist.txt");
    text.lines().filter(|l| !l.starts_with('#')).map(|l| l.split_whitespace().next().unwrap().to_owned()).collect()
}

/// True if `ip` is inside one of the entries (an address or a CIDR block).
fn covered(entries: &[String], ip: &str) -> bool {
    let ip: IpAddr = ip.parse().unwrap();
    entries.iter().any(|e| {
        let (net, prefix) = e.split_once('/').unwrap_or((e, if e.contains(':') { "128" } else { "32" }));
        let prefix: u32 = prefix.parse().unwrap();
        match (net.parse::<IpAddr>().unwrap(), ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = if prefix == 0 { 0 } else { u128::MAX << (128 - prefix) };
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    })
}

/// Clients of the sample that must never be blocked (README: "ok" and the hotel owner).
const KEEP: &[&str] = &[
    "192.168.1.10",
    "192.168.1.23",
    "100.72.14.201",
    "100.72.133.9",
    "198.51.100.77",
    "66.249.66.1",
    "66.249.66.33",
    "66.249.79.107",
    "40.77.167.52",
    "157.55.39.10",
    "66.133.109.36",
    "64.78.149.164",
    "3.19.56.43",
    "192.0.2.230",
    "192.0.2.231",
    "192.0.2.222",
    "192.0.2.190",
    "192.0.2.12",
    "2001:db8:1:20::f2bb",
];

#[test]
fn sample_blocklist_lists_the_public_attackers_and_says_what_it_left_out() {
    let run = sample(&[]);
    let listed: BTreeSet<String> = entries(&run).into_iter().collect();
    // Public attackers the README expects to block; the ssh botnet's quieter members
    // are "watch or block", so they may be there or not.
    let required = ["185.224.128.17", "45.148.10.183", "45.132.89.21", "185.81.157.200"];
    let optional = ["45.95.147.229", "45.156.129.90", "185.196.8.151", "185.242.226.33"];
    for ip in required {
        assert!(listed.contains(ip), "{ip} missing from {listed:?}");
    }
    for ip in &listed {
        assert!(required.contains(&ip.as_str()) || optional.contains(&ip.as_str()), "unexpected entry {ip}");
    }
    // The sample's other attackers use documentation addresses: left out, and said so.
    let text = std::fs::read_to_string(run.out.join("blocklist.txt")).unwrap();
    let left_out = text.lines().find(|l| l.starts_with("# Left out: ")).expect("a Left out line");
    assert!(left_out.contains(" documentation") && left_out.contains("--blocklist-include-special"), "{left_out}");
    let summary = run.summary();
    let b = &summary["blocklist"];
    assert_eq!(b["entries"].as_u64().unwrap() as usize, listed.len());
    assert!(b["excluded"]["documentation"].as_u64().unwrap() >= 12, "{b}");
}

#[test]
fn with_special_ranges_kept_every_planted_attacker_is_covered_and_no_visitor() {
    let run = sample(&["--blocklist-include-special"]);
    let list = entries(&run);
    for ip in [
        "203.0.113.7",
        "198.51.100.201",
        "198.51.100.23",
        "2001:db8:bad::5",
        "203.0.113.88",
        "198.51.100.45",
        "198.51.100.104",
        "2001:db8:4b1d::23",
        "203.0.113.50",
        "198.51.100.88",
        "198.51.100.36",
        "203.0.113.66",
        "185.224.128.17",
        "45.148.10.183",
    ] {
        assert!(covered(&list, ip), "{ip} not covered by {list:?}");
    }
    for ip in KEEP {
        assert!(!covered(&list, ip), "{ip} must not be covered: {list:?}");
    }
    // The owner at the hotel lives in 198.51.100.0/24 among many attackers: no range there.
    let text = std::fs::read_to_string(run.out.join("blocklist.txt")).unwrap();
    assert!(text.contains("# Range not proposed: 198.51.100.0/24"), "{text}");
    assert!(text.contains("198.51.100.77"), "the reason names the visitor to keep");
    // Addresses that only appear inside payloads are in no file.
    for name in ["blocklist.txt", "blocklist.nft", "blocklist.ipset", "blocklist.iptables", "blocklist.ip6tables"] {
        let body = std::fs::read_to_string(run.out.join(name)).unwrap();
        for never in ["8.8.8.8", "198.51.100.9 ", "198.51.100.9,", "198.51.100.9/"] {
            assert!(!body.contains(never), "{name} mentions {never}");
        }
    }
}

#[test]
fn own_addresses_allow_list_and_settings_file_shape_the_list() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("knocklog.toml");
    std::fs::write(&config, "[blocklist]\nown_address = [\"185.224.128.17\"]\nranges = false\n").unwrap();
    let run =
        sample(&["--config", config.to_str().unwrap(), "--blocklist-include-special", "--allow-ip", "45.148.10.0/24"]);
    let list = entries(&run);
    assert!(!covered(&list, "185.224.128.17") && !covered(&list, "45.148.10.183"), "{list:?}");
    assert!(covered(&list, "203.0.113.7") && !list.iter().any(|e| e.ends_with("/24")), "{list:?}");
    let text = std::fs::read_to_string(run.out.join("blocklist.txt")).unwrap();
    assert!(text.contains("# This server's addresses, never listed: 185.224.128.17 (from --own-address)."), "{text}");
    assert!(text.contains("# Ranges: none proposed"), "{text}");

    let bad = crate::util::knocklog()
        .args(["scan", "--range-v4-prefix", "40", "--out"])
        .arg(dir.path().join("out"))
        .arg(repo().join("sample-logs"))
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1), "{}", String::from_utf8_lossy(&bad.stderr));
}

/// Runs `script` with sh in a new user and network namespace, in `dir`. None (the
/// test skipped, see `util::skip`) when the tools or namespaces are missing.
fn in_throwaway_netns(dir: &Path, script: &str) -> Option<String> {
    const TEST: &str = "blocklist_tools::the_files_load_with_nft_ipset_and_iptables_restore";
    let missing: Vec<&str> = ["nft", "ipset", "iptables-restore", "ip6tables-restore", "unshare"]
        .into_iter()
        .filter(|tool| {
            !Command::new("sh").arg("-c").arg(format!("command -v {tool}")).output().is_ok_and(|o| o.status.success())
        })
        .collect();
    if !missing.is_empty() {
        let why = format!(
            "{} not installed (Debian: apt-get install -y nftables ipset iptables util-linux; .ci/run does it)",
            missing.join(", ")
        );
        crate::util::skip(TEST, &why);
        return None;
    }
    let out = Command::new("unshare")
        .args(["--user", "--map-root-user", "--net", "sh", "-ec", script])
        .current_dir(dir)
        .output()
        .expect("running unshare");
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() && stderr.contains("unshare failed") {
        let why = format!("cannot create a user and network namespace here ({})", stderr.trim());
        crate::util::skip(TEST, &why);
        return None;
    }
    assert!(out.status.success(), "the tools rejected the files:\n{stderr}\n{}", String::from_utf8_lossy(&out.stdout));
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The lines of `output` between `==name` and the next `==` marker.
fn section<'a>(output: &'a str, name: &str) -> Vec<&'a str> {
    let start = format!("=={name}");
    output
        .lines()
        .skip_while(|l| *l != start)
        .skip(1)
        .take_while(|l| !l.starts_with("=="))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

/// nft prints a single address without /32 or /128, as the blocklist does. Each
/// element must carry a running timeout (`ADDR expires 6d23h59m...`): the ban time.
fn set_elements(listing: &[&str]) -> BTreeSet<String> {
    let joined = listing.join(" ");
    let Some(body) = joined.split("elements = {").nth(1) else { return BTreeSet::new() };
    let elements: Vec<&str> =
        body.split('}').next().unwrap().split(',').map(str::trim).filter(|e| !e.is_empty()).collect();
    assert!(elements.iter().all(|e| e.contains(" expires ")), "every element times out: {elements:?}");
    elements.iter().map(|e| e.split_whitespace().next().unwrap().to_owned()).collect()
}

#[test]
fn the_files_load_with_nft_ipset_and_iptables_restore() {
    let run = sample(&["--blocklist-include-special"]);
    let list = entries(&run);
    let v4: BTreeSet<String> = list.iter().filter(|e| !e.contains(':')).cloned().collect();
    let v6: BTreeSet<String> = list.iter().filter(|e| e.contains(':')).cloned().collect();
    assert!(
        v4.iter().any(|e| e.ends_with("/24")) && !v6.is_empty(),
        "the sample should exercise ranges and IPv6: {list:?}"
    );
    // Everything is loaded twice: the files must replace, not add to or fail on, what
    // an earlier load left; ipset is reloaded while an iptables rule uses its sets.
    let script = "\
        nft -c -f blocklist.nft\n\
        nft -f blocklist.nft\n\
        nft -f blocklist.nft\n\
        echo ==nft4; nft list set inet knocklog blocklist_v4\n\
        echo ==nft6; nft list set inet knocklog blocklist_v6\n\
        echo ==nftchain; nft list chain inet knocklog input\n\
        ipset restore < blocklist.ipset\n\
        iptables -I INPUT -m set --match-set knocklog-v4 src -j DROP\n\
        ip6tables -I INPUT -m set --match-set knocklog-v6 src -j DROP\n\
        ipset restore < blocklist.ipset\n\
        echo ==ipset; ipset save\n\
        iptables-restore --test --noflush < blocklist.iptables\n\
        iptables-restore --noflush < blocklist.iptables\n\
        iptables-restore --noflush < blocklist.iptables\n\
        ip6tables-restore --noflush < blocklist.ip6tables\n\
        ip6tables-restore --noflush < blocklist.ip6tables\n\
        echo ==ipt4; iptables -S knocklog\n\
        echo ==ipt6; ip6tables -S knocklog\n\
        echo ==input; iptables -S INPUT\n";
    let Some(out) = in_throwaway_netns(&run.out, script) else { return };

    assert_eq!(set_elements(&section(&out, "nft4")), v4, "{out}");
    assert_eq!(set_elements(&section(&out, "nft6")), v6, "{out}");
    let chain = section(&out, "nftchain").join("\n");
    assert!(
        chain.contains("ip saddr @blocklist_v4") && chain.contains("ip6 saddr @blocklist_v6") && chain.contains("drop")
    );

    let ipset: Vec<&str> = section(&out, "ipset");
    let members = |set: &str| -> BTreeSet<String> {
        let prefix = format!("add {set} ");
        let adds: Vec<&str> = ipset.iter().filter_map(|l| l.strip_prefix(prefix.as_str())).collect();
        assert!(adds.iter().all(|a| a.contains(" timeout ")), "every member times out: {adds:?}");
        adds.iter().map(|a| a.split_whitespace().next().unwrap().to_owned()).collect()
    };
    assert_eq!(members("knocklog-v4"), v4, "{out}");
    assert_eq!(members("knocklog-v6"), v6, "{out}");
    assert!(!ipset.iter().any(|l| l.contains("-new")), "the temporary sets are gone: {ipset:?}");

    let rules = |name: &str, host: &str| -> BTreeSet<String> {
        section(&out, name)
            .iter()
            .filter_map(|l| l.strip_prefix("-A knocklog -s "))
            .map(|l| l.trim_end_matches(" -j DROP").trim_end_matches(host).to_owned())
            .collect()
    };
    assert_eq!(rules("ipt4", "/32"), v4, "{out}");
    assert_eq!(rules("ipt6", "/128"), v6, "{out}");
    // --noflush kept the rule that was there before.
    assert!(section(&out, "input").iter().any(|l| l.contains("--match-set knocklog-v4 src")), "{out}");
}
