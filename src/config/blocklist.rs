//! The blocklist settings from the `[blocklist]` table of knocklog.toml and the
//! command line: flags override the file, own addresses add up.

use std::path::{Path, PathBuf};

use super::file::BlocklistFile;
use super::UsageError;
use crate::aggregate::blocklist::settings::MAX_BAN_TIME_SECS;
use crate::aggregate::blocklist::{BlocklistSettings, Net};
use crate::cli::BlocklistArgs;
use crate::detect::policy::Verdict;

/// Flags over the file over the defaults. This machine's interface addresses are not
/// read here (see `enrich::own`): only what the user wrote.
pub fn resolve(args: &BlocklistArgs, file: &BlocklistFile) -> Result<BlocklistSettings, UsageError> {
    let d = BlocklistSettings::default();
    let verdict = match args.blocklist_verdict.as_deref().or(file.verdict.as_deref()) {
        None | Some("block") => Verdict::Block,
        Some("watch") => Verdict::Watch,
        Some(other) => return Err(UsageError(format!("blocklist verdict {other:?}: expected block or watch"))),
    };
    let range_min_ips = args.range_min_ips.or(file.range_min_ips).unwrap_or(d.range_min_ips);
    if range_min_ips < 2 {
        return Err(UsageError(format!(
            "--range-min-ips {range_min_ips}: a range needs at least 2 listed addresses (use --no-ranges for none)"
        )));
    }
    let prefix = |flag: &str, v: Option<u8>, default: u8, min: u8, max: u8| match v.unwrap_or(default) {
        p if (min..=max).contains(&p) => Ok(p),
        p => Err(UsageError(format!("{flag} {p}: expected a prefix length from {min} to {max}"))),
    };
    let range_v4_prefix =
        prefix("--range-v4-prefix", args.range_v4_prefix.or(file.range_v4_prefix), d.range_v4_prefix, 8, 31)?;
    let range_v6_prefix =
        prefix("--range-v6-prefix", args.range_v6_prefix.or(file.range_v6_prefix), d.range_v6_prefix, 16, 127)?;
    let ban_time_secs = match args.ban_time.as_deref().or(file.ban_time.as_deref()).map(str::trim) {
        None => d.ban_time_secs,
        Some("0") => 0,
        Some(text) => crate::vocab::time::parse_span_secs(text)
            .and_then(|s| u64::try_from(s).ok())
            // ipset takes at most 2147483 seconds (about 24 days) per entry.
            .filter(|s| (1..=MAX_BAN_TIME_SECS).contains(s))
            .ok_or_else(|| {
                UsageError(format!(
                    "--ban-time {text:?}: expected a span such as 30m, 12h, 7d or 3w (at most 24d), or 0 for no expiry"
                ))
            })?,
    };
    let mut own = Vec::new();
    for text in file.own_address.iter().chain(&args.own_address) {
        own.push(Net::parse(text).map_err(|e| UsageError(format!("own-address {e}")))?);
    }
    own.sort();
    own.dedup();
    Ok(BlocklistSettings {
        verdict,
        ranges: !args.no_ranges && file.ranges.unwrap_or(true),
        range_min_ips,
        range_v4_prefix,
        range_v6_prefix,
        include_special: args.blocklist_include_special || file.include_special.unwrap_or(false),
        own,
        own_from_system: 0,
        ban_time_secs,
        // Filled in once the label sources are open (`EnrichConfig::label_blocks`).
        label_blocks: Vec::new(),
        label_min_listed: args.label_min_listed.or(file.label_min_listed).unwrap_or(d.label_min_listed).max(1),
        label_max_addresses: args
            .label_max_addresses
            .or(file.label_max_addresses)
            .map_or(d.label_max_addresses, u128::from),
    })
}

/// The whole labels asked for by name: `--block-range-label`, `--block-country`,
/// `--block-asn` and their `[blocklist]` keys.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LabelAsks {
    pub range_labels: Vec<String>,
    pub countries: Vec<String>,
    pub asns: Vec<u32>,
}

pub fn label_asks(args: &BlocklistArgs, file: &BlocklistFile) -> Result<LabelAsks, UsageError> {
    let mut countries = Vec::new();
    for c in file.block_country.iter().chain(&args.block_country) {
        if c.len() != 2 || !c.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(UsageError(format!("--block-country {c:?}: expected a two-letter country code such as CN")));
        }
        countries.push(c.to_ascii_uppercase());
    }
    let mut asns = Vec::new();
    for a in file.block_asn.iter().chain(&args.block_asn) {
        let digits = a.trim_start_matches(['A', 'S', 'a', 's']);
        asns.push(
            digits.parse().map_err(|_| {
                UsageError(format!("--block-asn {a:?}: expected an AS number such as 64500 or AS64500"))
            })?,
        );
    }
    let range_labels = file.block_range_label.iter().chain(&args.block_range_label).cloned().collect();
    Ok(LabelAsks { range_labels, countries, asns })
}

/// True when a scanned path is this machine's log tree (/var/log or anything under
/// it): then its interface addresses are own addresses too. Logs copied from another
/// server elsewhere get only `--own-address`.
pub fn logs_of_this_host(scanned: &[PathBuf]) -> bool {
    scanned.iter().any(|p| on_this_host(p))
}

fn on_this_host(path: &Path) -> bool {
    let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let var_log = std::fs::canonicalize("/var/log").unwrap_or_else(|_| PathBuf::from("/var/log"));
    path.starts_with(var_log)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_the_file_and_bad_values_are_usage_errors() {
        let file: BlocklistFile = toml::from_str(
            "verdict = \"watch\"\nrange_min_ips = 4\nrange_v4_prefix = 25\nown_address = [\"198.51.100.10\"]\n",
        )
        .unwrap();
        let args =
            BlocklistArgs { range_min_ips: Some(5), own_address: vec!["2001:db8::/64".into()], ..Default::default() };
        let s = resolve(&args, &file).unwrap();
        assert_eq!(s.own_from_system, 0);
        assert_eq!(s.verdict, Verdict::Watch);
        assert_eq!((s.range_min_ips, s.range_v4_prefix, s.range_v6_prefix), (5, 25, 64));
        assert!(s.ranges && !s.include_special);
        for own in ["198.51.100.10", "2001:db8::/64"] {
            assert!(s.own.contains(&Net::parse(own).unwrap()), "{own} in {:?}", s.own);
        }
        let bad = |args: BlocklistArgs| resolve(&args, &BlocklistFile::default()).unwrap_err().0;
        assert!(bad(BlocklistArgs { range_v4_prefix: Some(32), ..Default::default() }).contains("--range-v4-prefix"));
        assert!(bad(BlocklistArgs { range_min_ips: Some(1), ..Default::default() }).contains("--no-ranges"));
        assert!(bad(BlocklistArgs { own_address: vec!["example.com".into()], ..Default::default() })
            .contains("own-address"));
        assert!(toml::from_str::<BlocklistFile>("range_min_ip = 3").is_err());
        assert_eq!(s.ban_time_secs, 7 * 86_400);
        let ban = |text: &str| resolve(&BlocklistArgs { ban_time: Some(text.into()), ..Default::default() }, &file);
        assert_eq!(ban("12h").unwrap().ban_time_secs, 43_200);
        assert_eq!(ban("0").unwrap().ban_time_secs, 0);
        for wrong in ["7", "-1d", "25d", "1y", "d"] {
            assert!(ban(wrong).unwrap_err().0.contains("--ban-time"), "{wrong}");
        }
    }

    #[test]
    fn only_var_log_is_this_hosts() {
        assert!(logs_of_this_host(&[PathBuf::from("/var/log/auth.log")]));
        assert!(!logs_of_this_host(&[PathBuf::from("sample-logs")]), "logs outside /var/log are another host's");
        assert!(on_this_host(Path::new("/var/log")) && !on_this_host(Path::new("/var/logs-copy")));
    }
}
