//! The blocklist files: blocklist.txt (one address or CIDR per line with its reason),
//! blocklist.nft (nftables sets and drop rules), blocklist.ipset (`ipset restore`),
//! blocklist.iptables and blocklist.ip6tables (`iptables-restore --noflush`). Every file
//! reloads idempotently and says in its header how it was made and how to load it.
//! Comments are neutralised so no text can break out of its comment line.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::Path;

use anyhow::Context;
use rayon::prelude::*;
use serde::Serialize;

use crate::aggregate::blocklist::{BlockEntry, Blocklist, BlocklistSettings, LabelOutcome, Net};
use crate::detect::policy::Verdict;
use crate::findings::Provenance;
use crate::vocab::files::PendingFile;
use crate::vocab::text::for_terminal;
use crate::vocab::time::{format_ts, span_text};

pub const FILES: [&str; 5] =
    ["blocklist.txt", "blocklist.nft", "blocklist.ipset", "blocklist.iptables", "blocklist.ip6tables"];

/// nftables table and sets, ipset sets, iptables chain.
pub const NFT_TABLE: &str = "knocklog";
pub const IPSET_V4: &str = "knocklog-v4";
pub const IPSET_V6: &str = "knocklog-v6";
pub const CHAIN: &str = "knocklog";

/// ipset's create parameters must match on every reload, so the size cap is fixed
/// (memory grows with the entries, not with the cap).
const IPSET_MAXELEM: usize = 1 << 20;

/// The blocklist counts in summary.json.
#[derive(Serialize, Debug, PartialEq)]
pub struct BlocklistSummary {
    pub files: [&'static str; 5],
    pub verdict: &'static str,
    pub entries: usize,
    pub entries_v4: usize,
    pub entries_v6: usize,
    /// Listed-verdict addresses on the list.
    pub addresses: usize,
    /// Listed-verdict addresses left out, per reason (allowed, own, loopback, private,
    /// link_local, documentation, multicast, reserved, not_an_address).
    pub excluded: BTreeMap<&'static str, usize>,
    pub ranges_proposed: Vec<String>,
    pub ranges_rejected: usize,
    /// Whole labelled ranges (`--ranges` labels, `--block-country`, `--block-asn`):
    /// size, evidence, and whether each was listed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub label_blocks: Vec<LabelOutcome>,
}

impl BlocklistSummary {
    pub fn new(list: &Blocklist, settings: &BlocklistSettings) -> BlocklistSummary {
        BlocklistSummary {
            files: FILES,
            verdict: settings.verdict.as_str(),
            entries: list.entries.len(),
            entries_v4: list.entries_v4(),
            entries_v6: list.entries_v6(),
            addresses: list.listed,
            excluded: list.excluded.iter().map(|(why, n)| (why.key(), *n)).collect(),
            ranges_proposed: list.ranges.iter().map(|r| r.to_string()).collect(),
            ranges_rejected: list.rejected_ranges.len(),
            label_blocks: list.label_blocks.clone(),
        }
    }
}

/// Writes the five files into `dir`, each atomically. Rendered side by side, each
/// straight into its file: a storm of scanners lists hundreds of thousands of entries,
/// each with its reason, five times over (the five texts held at once were 330 MB in a
/// 900 k-scanner storm; writing them as they are made took 106 MiB off its peak).
/// They are committed in a fixed order.
pub fn write_all(dir: &Path, list: &Blocklist, settings: &BlocklistSettings, from: &Provenance) -> anyhow::Result<()> {
    let renders: [&(dyn Fn(&mut FileText) + Sync); 5] = [
        &|out| txt(out, list, settings, from),
        &|out| nft(out, list, settings, from),
        &|out| ipset(out, list, settings, from),
        &|out| iptables(out, list, settings, from, false),
        &|out| iptables(out, list, settings, from, true),
    ];
    let pending: Vec<PendingFile> = FILES
        .par_iter()
        .zip(renders.par_iter())
        .map(|(name, render)| {
            let path = dir.join(name);
            let (file, pending) = PendingFile::create(&path)?;
            let mut out = FileText { out: BufWriter::with_capacity(1 << 16, file), error: None };
            render(&mut out);
            let FileText { out, error } = out;
            error
                .map_or(Ok(()), Err)
                .and_then(|()| out.into_inner().map(drop).map_err(|e| e.into_error()))
                .with_context(|| format!("writing {}", path.display()))?;
            Ok(pending)
        })
        .collect::<anyhow::Result<_>>()?;
    for file in pending {
        file.commit()?;
    }
    Ok(())
}

/// A file the renderers write text into; keeps the first I/O error (they ignore
/// `write!`'s result, as writing to a `String` cannot fail).
struct FileText {
    out: BufWriter<File>,
    error: Option<std::io::Error>,
}

impl Write for FileText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        if self.error.is_some() {
            return Err(std::fmt::Error);
        }
        self.out.write_all(s.as_bytes()).map_err(|e| {
            self.error = Some(e);
            std::fmt::Error
        })
    }
}

/// Text for a `#` comment: one line whatever it holds (control characters, line and
/// paragraph separators and bidi controls become visible escapes).
pub fn comment(text: &str) -> String {
    for_terminal(text).replace(['\u{2028}', '\u{2029}', '\u{85}'], " ")
}

/// The header every file starts with: what is listed, how, what was left out.
fn header(out: &mut impl Write, list: &Blocklist, s: &BlocklistSettings, from: &Provenance, load: &[&str]) {
    let mut lines: Vec<String> = Vec::new();
    lines.push(format!(
        "knocklog blocklist: {} entries ({} IPv4, {} IPv6) covering {} addresses with verdict {}{}",
        list.entries.len(),
        list.entries_v4(),
        list.entries_v6(),
        list.listed,
        listed_verdicts(s),
        match list.ranges.len() {
            0 => String::new(),
            1 => " and 1 proposed range".to_owned(),
            n => format!(" and {n} proposed ranges"),
        }
    ));
    let span = match (&from.first_ts, &from.last_ts) {
        (Some(a), Some(b)) => format!(" from logs of {a} .. {b}"),
        _ => String::new(),
    };
    lines.push(format!(
        "Generated {} by knocklog {}{span}.",
        format_ts(whole_seconds(from.generated)),
        env!("CARGO_PKG_VERSION")
    ));
    lines.extend(load.iter().map(|l| l.to_string()));
    lines.push(format!("Listed: every address with verdict {} (sneak attackers included).", listed_verdicts(s)));
    lines.push(expiry(s));
    if s.ranges {
        lines.push(format!(
            "Ranges: a /{} (IPv4) or /{} (IPv6) is proposed when at least {} listed addresses share it and no allowed address, no address with benign traffic and none of this server's addresses is inside.",
            s.range_v4_prefix, s.range_v6_prefix, s.range_min_ips
        ));
    } else {
        lines.push("Ranges: none proposed (--no-ranges).".to_owned());
    }
    lines.push(if s.include_special {
        "Never listed: allow-listed blocks, this server's own addresses, loopback, link-local, multicast and reserved ranges (private and documentation addresses are kept: --blocklist-include-special).".to_owned()
    } else {
        "Never listed: allow-listed blocks, this server's own addresses, loopback, link-local, multicast, reserved, private (RFC 1918, 100.64.0.0/10, fc00::/7) and documentation ranges.".to_owned()
    });
    let own: Vec<String> = s
        .own
        .iter()
        .filter(|n| crate::aggregate::blocklist::net::special(n.v6, n.addr).is_none())
        .map(Net::to_string)
        .collect();
    if !s.own.is_empty() {
        let shown = if own.is_empty() { "none outside the special ranges".to_owned() } else { own.join(", ") };
        let source = if s.own_from_system > 0 {
            "this machine's interfaces, as the logs are under /var/log, and --own-address"
        } else {
            "--own-address"
        };
        lines.push(format!("This server's addresses, never listed: {shown} (from {source})."));
    }
    let left_out: usize = list.excluded.values().sum();
    if left_out > 0 {
        let why: Vec<String> = list.excluded.iter().map(|(w, n)| format!("{n} {}", w.as_str())).collect();
        let hint = if !s.include_special
            && list
                .excluded
                .keys()
                .any(|w| matches!(w, crate::aggregate::blocklist::Exclusion::Special(c) if c.can_include()))
        {
            " (--blocklist-include-special lists private and documentation addresses, e.g. for a lab)"
        } else {
            ""
        };
        lines.push(format!(
            "Left out: {left_out} addresses with verdict {}: {}{hint}.",
            listed_verdicts(s),
            why.join(", ")
        ));
    }
    for r in &list.rejected_ranges {
        lines.push(format!("Range not proposed: {} ({} listed addresses inside): {}.", r.net, r.members, r.why));
    }
    for l in lines {
        let _ = writeln!(out, "# {}", comment(&l));
    }
    let _ = out.write_str("#\n");
}

/// The header line on how long entries last; iptables rules have no timeout.
fn expiry(s: &BlocklistSettings) -> String {
    match s.ban_time_secs {
        0 => "Expiry: none; entries stay until the file is loaded again without them (--ban-time 0).".to_owned(),
        secs => format!(
            "Expiry: the nft and ipset entries time out {secs} s ({}) after loading (--ban-time), {} s ({}) for an address a history store saw blocked on an earlier day (recidive); iptables rules never expire.",
            span_text(secs),
            s.ban_secs(1),
            span_text(s.ban_secs(1))
        ),
    }
}

fn listed_verdicts(s: &BlocklistSettings) -> &'static str {
    if s.verdict == Verdict::Watch {
        "block or watch"
    } else {
        "block"
    }
}

fn whole_seconds(micros: i64) -> i64 {
    micros - micros.rem_euclid(1_000_000)
}

/// "reason; 2026-01-05 10:00:00 .. 2026-01-05 10:20:00 UTC; probe,scanner_agent".
fn why(e: &BlockEntry) -> String {
    let when = |t: Option<i64>| {
        t.map(|t| format_ts(whole_seconds(t)).replace('T', " ").replace('Z', "")).unwrap_or("?".into())
    };
    let categories: Vec<&str> = e.categories.iter().map(|c| c.as_str()).collect();
    let mut text =
        format!("{}; {} .. {} UTC; {}", e.reason, when(e.first_seen), when(e.last_seen), categories.join(","));
    if let Some(name) = e.rdns.as_deref().filter(|n| is_plain_host_name(n)) {
        text.push_str("; rdns=");
        text.push_str(name);
    }
    comment(&text)
}

/// Whether a DNS name can stand in a comment as it is: letters, digits, `.`, `-` and
/// `_` only, at most 253 characters. The name comes from whoever owns the address;
/// anything else is left out rather than shown.
fn is_plain_host_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

/// blocklist.txt: `203.0.113.7  # why; first .. last UTC; categories`.
pub fn txt(out: &mut impl Write, list: &Blocklist, s: &BlocklistSettings, from: &Provenance) {
    header(
        out,
        list,
        s,
        from,
        &["One address or CIDR block per line; the text after # says why (the first word of each line is all a tool needs)."],
    );
    let width = list.entries.iter().map(|e| e.network.len()).max().unwrap_or(0);
    for e in &list.entries {
        let _ = writeln!(out, "{:<width$}  # {}", e.network, why(e));
    }
}

/// blocklist.nft: one table with an interval set per family and a drop rule for each;
/// `nft -f` loads it atomically and loading it again replaces the previous list.
pub fn nft(out: &mut impl Write, list: &Blocklist, s: &BlocklistSettings, from: &Provenance) {
    let _ = out.write_str("#!/usr/sbin/nft -f\n");
    header(
        out,
        list,
        s,
        from,
        &[
            "Load: nft -f blocklist.nft (one transaction; loading again replaces the table). Remove: nft delete table inet knocklog.",
            "Counters: nft list chain inet knocklog input.",
        ],
    );
    // Declaring the table first makes the delete succeed on the first load too.
    let _ = writeln!(out, "table inet {NFT_TABLE}\ndelete table inet {NFT_TABLE}\n\ntable inet {NFT_TABLE} {{");
    // With a ban time every element carries its own timeout (the set's default covers
    // elements a user adds by hand); auto-merge is left out there, as merging elements
    // with timeouts is not supported by every nft release.
    let flags = match s.ban_time_secs {
        0 => "flags interval\n\t\tauto-merge".to_owned(),
        secs => format!("flags interval, timeout\n\t\ttimeout {secs}s"),
    };
    let timeout = |e: &BlockEntry| match s.ban_secs(e.previous_blocks) {
        0 => String::new(),
        secs => format!(" timeout {secs}s"),
    };
    for (v6, name, kind) in [(false, "blocklist_v4", "ipv4_addr"), (true, "blocklist_v6", "ipv6_addr")] {
        let _ = writeln!(out, "\tset {name} {{\n\t\ttype {kind}\n\t\t{flags}");
        let entries: Vec<&BlockEntry> = list.entries.iter().filter(|e| e.v6 == v6).collect();
        if !entries.is_empty() {
            let _ = out.write_str("\t\telements = {\n");
            for e in entries {
                let _ = writeln!(out, "\t\t\t{}{}, # {}", e.network, timeout(e), why(e));
            }
            let _ = out.write_str("\t\t}\n");
        }
        let _ = out.write_str("\t}\n\n");
    }
    let _ = out.write_str("\tchain input {\n\t\ttype filter hook input priority filter - 10; policy accept;\n");
    let _ =
        out.write_str("\t\tip saddr @blocklist_v4 counter drop\n\t\tip6 saddr @blocklist_v6 counter drop\n\t}\n}\n");
}

/// blocklist.ipset: both sets filled under temporary names and swapped in, so a reload
/// replaces a live set (one an iptables rule uses) without a moment unprotected.
pub fn ipset(out: &mut impl Write, list: &Blocklist, s: &BlocklistSettings, from: &Provenance) {
    let use_v4 = format!("Use (once): iptables -I INPUT -m set --match-set {IPSET_V4} src -j DROP");
    let use_v6 = format!("            ip6tables -I INPUT -m set --match-set {IPSET_V6} src -j DROP");
    header(
        out,
        list,
        s,
        from,
        &[
            "Load: ipset restore < blocklist.ipset (loading again atomically replaces both sets' contents; a set made with another --ban-time must be destroyed first: ipset destroy knocklog-v4).",
            &use_v4,
            &use_v6,
        ],
    );
    let maxelem = IPSET_MAXELEM.max(list.entries.len().next_power_of_two());
    let timeout = match s.ban_time_secs {
        0 => String::new(),
        secs => format!(" timeout {secs}"),
    };
    for (v6, name, family) in [(false, IPSET_V4, "inet"), (true, IPSET_V6, "inet6")] {
        let create = |set: &str| {
            format!("create {set} hash:net family {family} hashsize 1024 maxelem {maxelem}{timeout} -exist\n")
        };
        let fresh = format!("{name}-new");
        let _ = out.write_str(&create(name));
        let _ = out.write_str(&create(&fresh));
        let _ = writeln!(out, "flush {fresh}");
        for e in list.entries.iter().filter(|e| e.v6 == v6) {
            let entry_timeout = match s.ban_secs(e.previous_blocks) {
                0 => String::new(),
                secs => format!(" timeout {secs}"),
            };
            let _ = writeln!(out, "# {}\nadd {fresh} {}{entry_timeout}", why(e), e.network);
        }
        let _ = writeln!(out, "swap {fresh} {name}\ndestroy {fresh}");
    }
}

/// blocklist.iptables / blocklist.ip6tables: a `knocklog` chain of DROP rules for
/// `iptables-restore --noflush`, which replaces that chain's rules and keeps the rest of
/// the firewall. Plain rules need no ipset; for long lists, blocklist.ipset scales better.
pub fn iptables(out: &mut impl Write, list: &Blocklist, s: &BlocklistSettings, from: &Provenance, v6: bool) {
    let (tool, file, host) =
        if v6 { ("ip6tables", "blocklist.ip6tables", 128) } else { ("iptables", "blocklist.iptables", 32) };
    let load = format!(
        "Load: {tool}-restore --noflush < {file} (fills chain {CHAIN}; loading again replaces its rules, the rest of the firewall stays)."
    );
    let hook = format!("Then once: {tool} -C INPUT -j {CHAIN} 2>/dev/null || {tool} -I INPUT -j {CHAIN}");
    let family = if v6 {
        "Only IPv6 entries: IPv4 ones are in blocklist.iptables."
    } else {
        "Only IPv4 entries: IPv6 ones are in blocklist.ip6tables."
    };
    header(
        out,
        list,
        s,
        from,
        &[&load, &hook, "Never load it without --noflush: that would replace the whole filter table.", family],
    );
    let _ = writeln!(out, "*filter\n:{CHAIN} - [0:0]");
    for e in list.entries.iter().filter(|e| e.v6 == v6) {
        let cidr = if e.network.contains('/') { e.network.clone() } else { format!("{}/{host}", e.network) };
        let _ = writeln!(out, "# {}\n-A {CHAIN} -s {cidr} -j DROP", why(e));
    }
    let _ = out.write_str("COMMIT\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A full disk under a renderer: the first failure is kept (write_all reports it with
    /// the file's name) and nothing more is written.
    #[test]
    fn a_write_error_under_a_renderer_is_kept() {
        let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
            eprintln!("SKIPPED: a_write_error_under_a_renderer_is_kept (no /dev/full)");
            return;
        };
        let mut out = FileText { out: BufWriter::with_capacity(16, full), error: None };
        assert!(out.write_str("more than sixteen bytes of blocklist").is_err());
        assert_eq!(out.error.as_ref().and_then(|e| e.raw_os_error()), Some(libc::ENOSPC));
        assert!(out.write_str("x").is_err(), "nothing more is written after a failure");
    }

    /// What a renderer writes, as text.
    fn rendered(
        render: impl FnOnce(&mut String, &Blocklist, &BlocklistSettings, &Provenance),
        list: &Blocklist,
        s: &BlocklistSettings,
        from: &Provenance,
    ) -> String {
        let mut out = String::new();
        render(&mut out, list, s, from);
        out
    }
    use crate::vocab::event::Category;

    fn entry(network: &str, v6: bool, reason: &str) -> BlockEntry {
        BlockEntry {
            network: network.into(),
            v6,
            addresses: 1,
            reason: reason.into(),
            first_seen: Some(1_767_225_600_000_000),
            last_seen: Some(1_767_229_200_500_000),
            categories: vec![Category::AuthBadUser, Category::Probe],
            previous_blocks: 0,
            rdns: None,
        }
    }

    fn provenance() -> Provenance {
        Provenance { generated: 1_767_300_000_123_456, first_ts: Some("2026-01-01T00:00:00Z".into()), last_ts: None }
    }

    #[test]
    fn text_lines_carry_address_reason_time_and_categories() {
        let list = Blocklist {
            entries: vec![entry("45.148.10.183", false, "block: 5 suspicious events on 1 day")],
            candidates: 1,
            listed: 1,
            ..Default::default()
        };
        let text = rendered(txt, &list, &BlocklistSettings::default(), &provenance());
        assert!(text.contains("# Generated 2026-01-01T20:40:00Z by knocklog"), "{text}");
        assert!(text.ends_with(
            "45.148.10.183  # block: 5 suspicious events on 1 day; 2026-01-01 00:00:00 .. 2026-01-01 01:00:00 UTC; auth_bad_user,probe\n"
        ));
    }

    /// A reason is built from counts, but if text ever got into one it must stay inside
    /// its comment: no newline, carriage return or Unicode line separator survives.
    #[test]
    fn a_reason_cannot_break_out_of_its_comment() {
        let evil =
            "x\n-A knocklog -s 0.0.0.0/0 -j ACCEPT\r\nadd knocklog-v4-new 8.8.8.8\u{2028}}\u{85}flush ruleset\u{1b}[2J";
        let list = Blocklist {
            entries: vec![entry("45.148.10.183", false, evil), entry("2a01:4f8::/64", true, evil)],
            candidates: 2,
            listed: 2,
            ..Default::default()
        };
        let s = BlocklistSettings::default();
        let from = provenance();
        for (name, text) in [
            ("txt", rendered(txt, &list, &s, &from)),
            ("nft", rendered(nft, &list, &s, &from)),
            ("ipset", rendered(ipset, &list, &s, &from)),
            ("iptables", rendered(|o, l, s, f| iptables(o, l, s, f, false), &list, &s, &from)),
            ("ip6tables", rendered(|o, l, s, f| iptables(o, l, s, f, true), &list, &s, &from)),
        ] {
            assert!(!text.contains(['\r', '\u{2028}', '\u{85}', '\u{1b}']), "{name}: {text}");
            // What a tool reads of each line: everything before its comment.
            let rule_lines: Vec<&str> = text
                .lines()
                .map(|l| l.split('#').next().unwrap_or_default())
                .filter(|l| l.contains("8.8.8.8") || l.contains("0.0.0.0/0") || l.contains("ruleset"))
                .collect();
            assert_eq!(rule_lines, Vec::<&str>::new(), "{name}: {text}");
        }
        let ipt = rendered(|o, l, s, f| iptables(o, l, s, f, false), &list, &s, &from);
        assert_eq!(
            ipt.lines().filter(|l| l.starts_with("-A")).collect::<Vec<_>>(),
            ["-A knocklog -s 45.148.10.183/32 -j DROP"]
        );
        let ip6t = rendered(|o, l, s, f| iptables(o, l, s, f, true), &list, &s, &from);
        assert_eq!(
            ip6t.lines().filter(|l| l.starts_with("-A")).collect::<Vec<_>>(),
            ["-A knocklog -s 2a01:4f8::/64 -j DROP"]
        );
    }

    /// A confirmed reverse name is named in the entry's comment only when it is plain
    /// host-name text: the owner of the address writes it.
    #[test]
    fn a_confirmed_name_is_shown_only_when_plain() {
        let named = |name: &str| BlockEntry { rdns: Some(name.into()), ..entry("203.0.113.7", false, "probe") };
        let long = format!("{}.example", "a".repeat(250));
        let list = Blocklist {
            entries: vec![
                named("scan-1.example_net.org"),
                BlockEntry { network: "203.0.113.8".into(), ..named("x\\010y.example#z\\ #rdns=spoof") },
                BlockEntry { network: "203.0.113.9".into(), ..named(&long) },
            ],
            ..Default::default()
        };
        let text = rendered(txt, &list, &BlocklistSettings::default(), &provenance());
        assert!(text.contains("203.0.113.7  # probe; 2026-01-01 00:00:00 .. 2026-01-01 01:00:00 UTC; auth_bad_user,probe; rdns=scan-1.example_net.org\n"), "{text}");
        let line = |ip: &str| text.lines().find(|l| l.starts_with(ip)).unwrap().to_owned();
        assert!(!line("203.0.113.8").contains("rdns"), "{text}");
        assert!(!line("203.0.113.9").contains("rdns"), "{text}");
    }

    #[test]
    fn nft_and_ipset_entries_expire_after_the_ban_time_and_iptables_says_it_does_not() {
        let list = Blocklist {
            entries: vec![entry("203.0.113.7", false, "ssh brute force"), entry("2001:db8::/64", true, "range")],
            ..Default::default()
        };
        let s = BlocklistSettings { ban_time_secs: 86_400, ..Default::default() };
        let n = rendered(nft, &list, &s, &provenance());
        assert!(n.contains("flags interval, timeout\n\t\ttimeout 86400s\n"), "{n}");
        assert!(n.contains("\t\t\t203.0.113.7 timeout 86400s, # ssh brute force"), "{n}");
        assert!(n.contains("\t\t\t2001:db8::/64 timeout 86400s, # range"), "{n}");
        assert!(!n.contains("auto-merge"), "{n}");
        let set = rendered(ipset, &list, &s, &provenance());
        assert!(
            set.contains("create knocklog-v4 hash:net family inet hashsize 1024 maxelem 1048576 timeout 86400 -exist")
        );
        assert!(set.contains("\nadd knocklog-v4-new 203.0.113.7 timeout 86400\n"), "{set}");
        let ipt = rendered(|o, l, s, f| iptables(o, l, s, f, false), &list, &s, &provenance());
        assert!(ipt.contains("# Expiry: the nft and ipset entries time out 86400 s (1d) after loading (--ban-time), 345600 s (4d) for an address a history store saw blocked on an earlier day (recidive); iptables rules never expire."), "{ipt}");
        // A recidivist's entry lasts four times as long, at most ipset's 24.8 days.
        let again = Blocklist {
            entries: vec![BlockEntry { previous_blocks: 2, ..entry("203.0.113.9", false, "back") }],
            ..Default::default()
        };
        assert!(rendered(nft, &again, &s, &provenance()).contains("\t\t\t203.0.113.9 timeout 345600s, # back"));
        assert!(
            rendered(ipset, &again, &s, &provenance()).contains("\nadd knocklog-v4-new 203.0.113.9 timeout 345600\n")
        );
        let week = BlocklistSettings::default();
        assert_eq!((week.ban_secs(0), week.ban_secs(1)), (604_800, 2_147_483));
        let forever = BlocklistSettings { ban_time_secs: 0, ..Default::default() };
        let n = rendered(nft, &list, &forever, &provenance());
        assert!(!n.contains("timeout") && n.contains("flags interval\n\t\tauto-merge"), "{n}");
        assert!(!rendered(ipset, &list, &forever, &provenance()).contains("timeout"));
        assert!(rendered(txt, &list, &forever, &provenance()).contains("# Expiry: none;"));
    }

    #[test]
    fn an_empty_list_still_loads() {
        let list = Blocklist::default();
        let s = BlocklistSettings { ranges: false, ..Default::default() };
        let n = rendered(nft, &list, &s, &provenance());
        assert!(!n.contains("elements"));
        assert!(n.contains("ip saddr @blocklist_v4 counter drop"));
        assert!(rendered(txt, &list, &s, &provenance()).contains("# Ranges: none proposed (--no-ranges)."));
        let ipt = rendered(|o, l, s, f| iptables(o, l, s, f, false), &list, &s, &provenance());
        assert!(ipt.ends_with("*filter\n:knocklog - [0:0]\nCOMMIT\n"), "{ipt}");
        let set = rendered(ipset, &list, &s, &provenance());
        assert!(set.contains("swap knocklog-v6-new knocklog-v6\ndestroy knocklog-v6-new\n"), "{set}");
    }
}
