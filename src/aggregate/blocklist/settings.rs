//! What the blocklist lists: the verdict, the range rule's thresholds, special ranges,
//! and this server's own addresses, from the `[blocklist]` table of knocklog.toml and
//! the command line (flags override the file; own addresses add up).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::net::Net;
use super::own::system_addresses;
use crate::cli::BlocklistArgs;
use crate::config::UsageError;
use crate::detect::policy::Verdict;

/// The `[blocklist]` table as written.
#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BlocklistFile {
    /// "block" (default) or "watch" (list watch addresses too).
    pub verdict: Option<String>,
    /// false: addresses only, never a proposed range.
    pub ranges: Option<bool>,
    pub range_min_ips: Option<usize>,
    pub range_v4_prefix: Option<u8>,
    pub range_v6_prefix: Option<u8>,
    pub include_special: Option<bool>,
    #[serde(default)]
    pub own_address: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BlocklistSettings {
    /// The lowest verdict that is listed.
    pub verdict: Verdict,
    /// Propose ranges at all.
    pub ranges: bool,
    /// Listed addresses that must share a range before it is proposed.
    pub range_min_ips: usize,
    pub range_v4_prefix: u8,
    pub range_v6_prefix: u8,
    /// Keep private and documentation addresses (a lab, or the sample logs).
    pub include_special: bool,
    /// This server's addresses and networks: never listed, never inside a range.
    pub own: Vec<Net>,
    /// How many of `own` came from this machine's interfaces.
    pub own_from_system: usize,
}

impl Default for BlocklistSettings {
    fn default() -> Self {
        BlocklistSettings {
            verdict: Verdict::Block,
            ranges: true,
            range_min_ips: 3,
            range_v4_prefix: 24,
            range_v6_prefix: 64,
            include_special: false,
            own: Vec::new(),
            own_from_system: 0,
        }
    }
}

impl BlocklistSettings {
    /// Flags over the file over the defaults. When the scan reads this machine's own
    /// logs (a path at or under /var/log), its interface addresses are own addresses
    /// too; logs copied from another server elsewhere get only `--own-address`.
    pub fn resolve(
        args: &BlocklistArgs,
        file: &BlocklistFile,
        scanned: &[PathBuf],
    ) -> Result<BlocklistSettings, UsageError> {
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
        let mut own = Vec::new();
        if scanned.iter().any(|p| on_this_host(p)) {
            match system_addresses() {
                Ok(addrs) => own.extend(addrs.into_iter().map(Net::of_ip)),
                Err(e) => eprintln!(
                    "knocklog: cannot read this machine's addresses ({e}); only --own-address ones are kept off the blocklist"
                ),
            }
        }
        let own_from_system = own.len();
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
            own_from_system,
        })
    }

    /// The prefix length of a proposed range in a family.
    pub fn range_prefix(&self, v6: bool) -> u8 {
        if v6 {
            self.range_v6_prefix
        } else {
            self.range_v4_prefix
        }
    }
}

/// True when `path` is this machine's log tree: /var/log or anything under it.
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
        let s = BlocklistSettings::resolve(&args, &file, &[PathBuf::from("sample-logs")]).unwrap();
        assert_eq!(s.own_from_system, 0, "logs outside /var/log are another host's");
        assert_eq!(s.verdict, Verdict::Watch);
        assert_eq!((s.range_min_ips, s.range_v4_prefix, s.range_v6_prefix), (5, 25, 64));
        assert!(s.ranges && !s.include_special);
        for own in ["198.51.100.10", "2001:db8::/64"] {
            assert!(s.own.contains(&Net::parse(own).unwrap()), "{own} in {:?}", s.own);
        }
        let bad =
            |args: BlocklistArgs| BlocklistSettings::resolve(&args, &BlocklistFile::default(), &[]).unwrap_err().0;
        assert!(bad(BlocklistArgs { range_v4_prefix: Some(32), ..Default::default() }).contains("--range-v4-prefix"));
        assert!(bad(BlocklistArgs { range_min_ips: Some(1), ..Default::default() }).contains("--no-ranges"));
        assert!(bad(BlocklistArgs { own_address: vec!["example.com".into()], ..Default::default() })
            .contains("own-address"));
        assert!(toml::from_str::<BlocklistFile>("range_min_ip = 3").is_err());
    }

    #[test]
    fn scanning_var_log_protects_this_machines_addresses() {
        let here =
            BlocklistSettings::resolve(&Default::default(), &Default::default(), &[PathBuf::from("/var/log/auth.log")])
                .unwrap();
        let addrs = system_addresses().unwrap();
        assert_eq!(here.own_from_system, addrs.len());
        for a in addrs {
            assert!(here.own.contains(&Net::of_ip(a)), "{a}");
        }
        assert!(on_this_host(Path::new("/var/log")) && !on_this_host(Path::new("/var/logs-copy")));
    }
}
