//! `knocklog.toml` as written: the detection and blocklist settings a server keeps
//! between runs. Every key is also a command-line flag; flags add to lists and
//! override single values.

use std::path::{Path, PathBuf};

use crate::enrich::ranges::RangeSource;
use crate::vocab::files::{read_small_file, MAX_INPUT_FILE_BYTES};

use serde::Deserialize;

/// The file as written. Unknown keys are errors, so a typo is not silently ignored.
#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SettingsFile {
    pub mode: Option<String>,
    #[serde(default)]
    pub allow_ip: Vec<String>,
    /// false: loopback addresses count like any other (`--no-allow-loopback`).
    pub allow_loopback: Option<bool>,
    #[serde(default)]
    pub trusted_proxy: Vec<String>,
    #[serde(default)]
    pub allow_user: Vec<String>,
    #[serde(default)]
    pub attack_patterns: Vec<PathBuf>,
    #[serde(default)]
    pub ignore_patterns: Vec<PathBuf>,
    pub builtin_rules: Option<bool>,
    /// Payload rules' paranoia level, 1-4 (`--paranoia`).
    pub paranoia: Option<u8>,
    #[serde(default)]
    pub thresholds: ThresholdsFile,
    #[serde(default)]
    pub blocklist: BlocklistFile,
    #[serde(default)]
    pub behaviour: BehaviourFile,
    #[serde(default)]
    pub enrich: EnrichFile,
}

/// The `[enrich]` table as written; paths are relative to the settings file.
#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EnrichFile {
    /// `[LABEL=]FILE`, as `--ranges`.
    #[serde(default)]
    pub ranges: Vec<String>,
    pub geoip: Option<PathBuf>,
    pub asn: Option<PathBuf>,
    pub dns: Option<bool>,
    /// `IP[:PORT]`, as `--dns-server`.
    #[serde(default)]
    pub dns_server: Vec<String>,
    pub dns_concurrency: Option<usize>,
    /// Seconds.
    pub dns_timeout: Option<f64>,
    pub dns_deadline: Option<f64>,
    pub dns_all: Option<bool>,
}

#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ThresholdsFile {
    pub block_strikes: Option<u64>,
    pub sneak_min_days: Option<usize>,
    pub sneak_max_daily: Option<u64>,
    pub session_gap_minutes: Option<u64>,
    pub allowed_user_tolerance: Option<u64>,
}

/// The `[behaviour.*]` tables as written: one per rule, spans as `30s`, `10m`, `1d`.
#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BehaviourFile {
    #[serde(default)]
    pub http_probing: ProbingFile,
    #[serde(default)]
    pub login_flood: LoginFloodFile,
    #[serde(default)]
    pub credential_stuffing: StuffingFile,
    #[serde(default)]
    pub campaigns: CampaignsFile,
}

#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ProbingFile {
    pub capacity: Option<u32>,
    pub leak: Option<String>,
}

#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LoginFloodFile {
    pub posts: Option<u32>,
    pub window: Option<String>,
    /// Login endpoints besides the built-in ones.
    #[serde(default)]
    pub paths: Vec<String>,
}

#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StuffingFile {
    pub usernames: Option<u32>,
    pub window: Option<String>,
}

#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CampaignsFile {
    pub min_addresses: Option<usize>,
    pub block_addresses: Option<usize>,
    pub window: Option<String>,
    pub min_usernames: Option<usize>,
    pub min_paths: Option<usize>,
}

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
    /// "7d", "12h", "0" (never expires).
    pub ban_time: Option<String>,
    #[serde(default)]
    pub own_address: Vec<String>,
    /// Whole labels to list (`--block-range-label`, `--block-country`, `--block-asn`).
    #[serde(default)]
    pub block_range_label: Vec<String>,
    #[serde(default)]
    pub block_country: Vec<String>,
    #[serde(default)]
    pub block_asn: Vec<String>,
    /// The evidence a `--ranges` label needs to be proposed whole.
    pub label_min_listed: Option<usize>,
    pub label_max_addresses: Option<u64>,
}

impl SettingsFile {
    /// Reads a settings file; pattern paths in it are relative to the file's folder.
    pub fn load(path: &Path) -> Result<SettingsFile, String> {
        let bytes =
            read_small_file(path, MAX_INPUT_FILE_BYTES).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let text = String::from_utf8(bytes).map_err(|e| format!("{}: not UTF-8 text ({e})", path.display()))?;
        let mut settings: SettingsFile = toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        let enrich = &mut settings.enrich;
        let files = settings.attack_patterns.iter_mut().chain(settings.ignore_patterns.iter_mut());
        for p in files.chain(enrich.geoip.iter_mut()).chain(enrich.asn.iter_mut()) {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        for r in enrich.ranges.iter_mut() {
            let mut source = RangeSource::parse(r).map_err(|e| format!("{}: {e}", path.display()))?;
            if source.path.is_relative() {
                source.path = base.join(&source.path);
            }
            *r = source.to_string();
        }
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_settings_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("knocklog.toml");
        std::fs::write(
            &path,
            "mode = \"ip\"\nallow_ip = [\"192.168\", \"100.72\"]\ntrusted_proxy = [\"192.0.2.0/28\"]\nallow_loopback = false\nallow_user = [\"alice\"]\nattack_patterns = [\"attack.txt\"]\n\n[thresholds]\nblock_strikes = 5\n",
        )
        .unwrap();
        let s = SettingsFile::load(&path).unwrap();
        assert_eq!(s.mode.as_deref(), Some("ip"));
        assert_eq!(s.allow_ip, ["192.168", "100.72"]);
        assert_eq!((s.trusted_proxy.as_slice(), s.allow_loopback), (&["192.0.2.0/28".to_owned()][..], Some(false)));
        assert_eq!(s.attack_patterns, [dir.path().join("attack.txt")]);
        assert_eq!(s.thresholds.block_strikes, Some(5));
        std::fs::write(&path, "mdoe = \"ip\"\n").unwrap();
        assert!(SettingsFile::load(&path).unwrap_err().contains("mdoe"));
    }
}
