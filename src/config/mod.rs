//! Resolved settings: the raw command line checked and turned into the values the
//! pipeline and the writers use. Every error here is a usage error (exit code 1).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

pub mod behaviour;
pub mod blocklist;
pub mod file;

use crate::aggregate::blocklist::BlocklistSettings;
use crate::cli::{DetectArgs, EnrichArgs, OutputFormat, ReportArgs, ScanArgs};
use crate::detect::allowlist::{AllowList, Block};
use crate::detect::payload::DEFAULT_PARANOIA;
use crate::detect::policy::{Mode, Policy, Thresholds, Verdict};
use crate::detect::Classifier;
use crate::enrich::dns::DnsSettings;
use crate::enrich::ranges::RangeSource;
use crate::enrich::LabelSources;
use crate::findings::Judging;
use crate::input::years::YearAnchor;
use crate::output::{Formats, OutputSettings};
use crate::parse::forwarded::TrustedProxies;
use crate::pipeline::ScanOptions;
use crate::store::period::Days;
use crate::vocab::event::Format;
use crate::vocab::time::{day_of, parse_when, LocalZone, MICROS_PER_SEC, SECS_PER_DAY};
use file::{BlocklistFile, EnrichFile, SettingsFile};

/// A mistake in what the user asked for; reported with exit code 1.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// `--timezone`: `system`, `utc` or an offset like +01:00.
pub fn parse_zone(text: &str) -> Result<LocalZone, UsageError> {
    LocalZone::parse(text).ok_or_else(|| {
        UsageError(format!(
            "--timezone {text:?}: expected system, utc, an offset like +01:00 or a zone name like Europe/Berlin"
        ))
    })
}

/// `--log-format`: one of the format names, or nothing (detect per file).
pub fn parse_log_format(name: Option<&str>) -> Result<Option<Format>, UsageError> {
    name.map(|name| {
        Format::from_name(name).ok_or_else(|| {
            let names: Vec<&str> = Format::ALL.iter().map(|f| f.as_str()).collect();
            UsageError(format!("--log-format {name:?}: expected one of {}", names.join(", ")))
        })
    })
    .transpose()
}

/// `--format`: which table formats to write.
pub fn formats(f: OutputFormat) -> Formats {
    Formats { csv: f != OutputFormat::Parquet, parquet: f != OutputFormat::Csv }
}

/// The optional pages and their sizes, as scan and report share them.
struct Pages {
    html_fragment: bool,
    timeline: bool,
    report_panels: usize,
}

/// `--out`, `--format`, the pages and `--quiet`, as scan and report share them.
fn output_settings(dir: &Path, format: OutputFormat, pages: Pages, quiet: bool, json: bool) -> OutputSettings {
    OutputSettings {
        dir: dir.to_path_buf(),
        formats: formats(format),
        html_fragment: pages.html_fragment,
        timeline: pages.timeline,
        report_panels: pages.report_panels,
        quiet: quiet || json,
        json,
    }
}

/// What `--config` and the detection flags resolve to.
pub struct DetectConfig {
    pub policy: Policy,
    pub builtin_rules: bool,
    /// The payload rules' paranoia level (1-4).
    pub paranoia: u8,
    pub attack_patterns: Vec<PathBuf>,
    pub ignore_patterns: Vec<PathBuf>,
    /// The `[blocklist]` table of the settings file (resolved by `scan` only).
    pub blocklist: BlocklistFile,
    /// The `[enrich]` table of the settings file.
    pub enrich: EnrichFile,
}

impl DetectConfig {
    pub fn from_args(args: &DetectArgs) -> Result<DetectConfig, UsageError> {
        let file = match &args.config {
            Some(path) => SettingsFile::load(path).map_err(UsageError)?,
            None => SettingsFile::default(),
        };
        let mode_name = args.mode.clone().or(file.mode).unwrap_or_else(|| "standard".into());
        let mode = Mode::parse(&mode_name)
            .ok_or_else(|| UsageError(format!("mode {mode_name:?}: expected standard, user or ip")))?;
        let blocks = file
            .allow_ip
            .iter()
            .chain(&args.allow_ip)
            .map(|b| Block::parse(b).map_err(|e| UsageError(format!("allow-ip {e}"))))
            .collect::<Result<Vec<_>, _>>()?;
        let trusted_proxies = file
            .trusted_proxy
            .iter()
            .chain(&args.trusted_proxy)
            .map(|b| Block::parse(b).map(|b| b.0).map_err(|e| UsageError(format!("trusted-proxy {e}"))))
            .collect::<Result<Vec<_>, _>>()?;
        let allow_loopback = !args.no_allow_loopback && file.allow_loopback.unwrap_or(true);
        let t = &file.thresholds;
        let defaults = Thresholds::default();
        let thresholds = Thresholds {
            block_strikes: args.block_strikes.or(t.block_strikes).unwrap_or(defaults.block_strikes).max(1),
            sneak_min_days: args.sneak_min_days.or(t.sneak_min_days).unwrap_or(defaults.sneak_min_days).max(2),
            sneak_max_daily: args.sneak_max_daily.or(t.sneak_max_daily).unwrap_or(defaults.sneak_max_daily),
            session_gap_secs: args
                .session_gap
                .or(t.session_gap_minutes)
                .map_or(defaults.session_gap_secs, |m| m as i64 * 60),
            allowed_user_tolerance: args
                .allowed_user_tolerance
                .or(t.allowed_user_tolerance)
                .unwrap_or(defaults.allowed_user_tolerance),
        };
        Ok(DetectConfig {
            policy: Policy {
                mode,
                allow_ips: AllowList::with_loopback(blocks, allow_loopback),
                trusted_proxies: TrustedProxies::new(trusted_proxies),
                allow_users: file.allow_user.iter().chain(&args.allow_user).cloned().collect(),
                thresholds,
                behaviour: behaviour::resolve(&file.behaviour, mode)?,
            },
            builtin_rules: !args.no_builtin_rules && file.builtin_rules.unwrap_or(true),
            paranoia: match args.paranoia.or(file.paranoia) {
                Some(level @ 1..=4) => level,
                Some(other) => return Err(UsageError(format!("paranoia = {other}: the levels are 1 to 4"))),
                None => DEFAULT_PARANOIA,
            },
            attack_patterns: file.attack_patterns.iter().chain(&args.attack_patterns).cloned().collect(),
            ignore_patterns: file.ignore_patterns.iter().chain(&args.ignore_patterns).cloned().collect(),
            blocklist: file.blocklist,
            enrich: file.enrich,
        })
    }

    /// Compiles the classifier; a bad pattern file is a usage error naming file and line.
    pub fn classifier(&self) -> Result<Classifier, UsageError> {
        Classifier::with_paranoia(self.builtin_rules, self.paranoia, &self.attack_patterns, &self.ignore_patterns)
            .map_err(|e| UsageError(e.to_string()))
    }
}

pub struct ScanConfig {
    pub paths: Vec<PathBuf>,
    pub output: OutputSettings,
    pub threads: usize,
    pub forced_format: Option<Format>,
    pub options: ScanOptions,
    pub classifier: Classifier,
    /// The attack pattern files, from the flags and knocklog.toml (`learn --accept`
    /// appends to the first).
    pub attack_patterns: Vec<PathBuf>,
    pub enrich: EnrichConfig,
    /// Add what is new to this history store (`--history`).
    pub history: Option<PathBuf>,
    /// Draw a progress bar on stderr while reading.
    pub progress: bool,
    pub blocklist: BlocklistSettings,
    /// The scanned paths are this machine's log tree: its interface addresses are to
    /// be kept off the blocklist too (see `enrich::own`).
    pub logs_of_this_host: bool,
    pub learn: crate::learn::LearnOptions,
}

impl ScanConfig {
    /// How the scan's counts are judged into findings made at `generated`.
    pub fn judging(&self, generated: i64) -> Judging<'_> {
        Judging {
            policy: &self.options.policy,
            all_ips: self.options.all_ips,
            learn: &self.learn,
            blocklist: &self.blocklist,
            generated,
            block_history: None,
            crawler_checks: None,
        }
    }

    pub fn from_args(args: &ScanArgs, stderr_is_terminal: bool) -> Result<ScanConfig, UsageError> {
        let now = crate::vocab::time::now_micros();
        let when = |flag: &str, v: &Option<String>| -> Result<Option<i64>, UsageError> {
            v.as_deref()
                .map(|s| {
                    parse_when(s, now).ok_or_else(|| {
                        UsageError(format!("{flag} {s:?}: expected a date (2026-01-05), a time (2026-01-05T10:00:00Z) or an age (7d, 12h, 2w)"))
                    })
                })
                .transpose()
        };
        let since = when("--since", &args.since)?;
        let until = when("--until", &args.until)?;
        if let (Some(s), Some(u)) = (since, until) {
            if s >= u {
                return Err(UsageError("--since must be before --until".into()));
            }
        }
        let zone = parse_zone(&args.timezone)?;
        let forced_format = parse_log_format(args.log_format.as_deref())?;
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        let threads = match args.threads {
            Some(0) => return Err(UsageError("--threads must be at least 1".into())),
            // Each thread holds its own tables and buffers: more than a few per core only
            // costs memory, and 100 000 of them made the pool's start-up hang.
            Some(n) if n > max_threads(cores) => {
                return Err(UsageError(format!(
                    "--threads {n} is more than {} (4 per core, at least 256 allowed): use at most that",
                    max_threads(cores)
                )))
            }
            Some(n) => n,
            None => cores,
        };
        let streams = args.paths.iter().filter(|p| crate::input::spool::is_stream(p)).count();
        if args.paths.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
            return Err(UsageError("`-` (standard input) can be given once".into()));
        }
        if args.paths.iter().any(|p| p.as_os_str() == "-") && std::io::stdin().is_terminal() {
            return Err(UsageError(
                "`-` reads standard input, which is a terminal: pipe the logs in (zcat old.log.gz | knocklog scan -)"
                    .into(),
            ));
        }
        if streams > 0 && args.history.is_some() {
            return Err(UsageError(
                "--history cannot take a stream (`-` or a pipe): it tells new lines by their file, which a stream does not have".into(),
            ));
        }
        for p in args.paths.iter().filter(|p| p.as_os_str() != "-") {
            if std::fs::symlink_metadata(p).is_err() {
                return Err(UsageError(format!("{}: no such file or directory", p.display())));
            }
        }
        let detect = DetectConfig::from_args(&args.detect)?;
        let classifier = detect.classifier()?;
        let mut blocklist = blocklist::resolve(&args.blocklist, &detect.blocklist)?;
        let enrich = EnrichConfig::resolve(&args.enrich, &detect.enrich, stderr_is_terminal && !args.quiet)?;
        let asks = blocklist::label_asks(&args.blocklist, &detect.blocklist)?;
        blocklist.label_blocks =
            enrich.labels.label_blocks(&asks.range_labels, &asks.countries, &asks.asns).map_err(UsageError)?;
        Ok(ScanConfig {
            paths: args.paths.clone(),
            classifier,
            attack_patterns: detect.attack_patterns.clone(),
            output: output_settings(
                &args.out,
                args.format,
                Pages { html_fragment: args.html_fragment, timeline: args.timeline, report_panels: args.report_panels },
                args.quiet,
                args.json,
            ),
            threads,
            forced_format,
            options: ScanOptions {
                policy: detect.policy,
                zone,
                since,
                until,
                all_events: args.all_events,
                bytes_read: Default::default(),
                learn: !args.learn.no_learn,
                max_line: args.max_line_bytes as usize,
                years: match (args.year, args.year_of_newest) {
                    (Some(year), _) => YearAnchor::Oldest(year),
                    (None, Some(year)) => YearAnchor::Newest(year),
                    (None, None) => YearAnchor::FileTimes,
                },
                all_ips: args.all_ips,
                // Set by the scan once the store is open.
                history: false,
            },
            enrich,
            history: args.history.clone(),
            progress: stderr_is_terminal && !args.quiet,
            blocklist,
            logs_of_this_host: blocklist::logs_of_this_host(&args.paths),
            learn: crate::learn::LearnOptions {
                learn_from: if args.learn.learn_from == "watch" { Verdict::Watch } else { Verdict::Block },
                min_attackers: args.learn.learn_min_attackers.max(1),
                max_benign: args.learn.learn_max_benign,
            },
        })
    }
}

/// Enrichment as asked for by the flags and `[enrich]`, its files opened.
pub struct EnrichConfig {
    /// Two-way DNS (`--dns`), and how.
    pub dns: Option<DnsSettings>,
    pub labels: LabelSources,
    /// `--host-info` (Some(true)), `--no-host-info` (Some(false)), or decided by what
    /// is scanned (None: on for this machine's own logs).
    pub host_info: Option<bool>,
    /// Where the host's /proc is (`/proc`, or a test's fixture).
    pub proc_root: PathBuf,
}

impl EnrichConfig {
    /// Whether to read the host, given whether the logs read are this machine's.
    pub fn wants_host_info(&self, logs_of_this_host: bool) -> bool {
        self.host_info.unwrap_or(logs_of_this_host)
    }
}

impl EnrichConfig {
    /// Flags add ranges files to the settings file's; `--geoip`/`--asn` replace its.
    /// An unreadable file is a usage error naming it.
    /// `progress`: a DNS progress bar may be drawn (stderr is a terminal, no --quiet).
    pub fn resolve(args: &EnrichArgs, file: &EnrichFile, progress: bool) -> Result<EnrichConfig, UsageError> {
        let ranges = file
            .ranges
            .iter()
            .chain(&args.ranges)
            .map(|r| RangeSource::parse(r).map_err(UsageError))
            .collect::<Result<Vec<_>, _>>()?;
        let geoip = args.geoip.as_ref().or(file.geoip.as_ref());
        let asn = args.asn.as_ref().or(file.asn.as_ref());
        let labels = LabelSources::open(&ranges, geoip, asn).map_err(UsageError)?;
        let host_info = match (args.host_info, args.no_host_info) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        };
        let proc_root = args.host_proc.clone().unwrap_or_else(|| PathBuf::from("/proc"));
        let dns = (args.dns || file.dns.unwrap_or(false)).then(|| dns_settings(args, file, progress)).transpose()?;
        Ok(EnrichConfig { dns, labels, host_info, proc_root })
    }
}

/// `--dns-server`, `--dns-concurrency`, `--dns-timeout`, `--dns-deadline`, `--dns-all`
/// and their `[enrich]` keys (flags replace the file's servers); without a server, those
/// of /etc/resolv.conf, which must name one.
fn dns_settings(args: &EnrichArgs, file: &EnrichFile, progress: bool) -> Result<DnsSettings, UsageError> {
    let named = if args.dns_server.is_empty() { &file.dns_server } else { &args.dns_server };
    let servers = named.iter().map(|s| crate::enrich::dns::parse_server(s)).collect::<Result<Vec<_>, _>>();
    let servers = servers.map_err(UsageError)?;
    let system = servers.is_empty();
    let servers = if system {
        crate::enrich::dns::system_servers()
            .map_err(|e| UsageError(format!("--dns: {e}; name one with --dns-server")))?
    } else {
        servers
    };
    let seconds = |flag: &str, value: Option<f64>, default: std::time::Duration| match value {
        None => Ok(default),
        Some(s) if s.is_finite() && s > 0.0 && s <= 86_400.0 => Ok(std::time::Duration::from_secs_f64(s)),
        Some(s) => Err(UsageError(format!("{flag} {s}: expected seconds, more than 0 and at most 86400"))),
    };
    let defaults = DnsSettings::default();
    let concurrency = args.dns_concurrency.or(file.dns_concurrency).unwrap_or(defaults.concurrency);
    if !(1..=4096).contains(&concurrency) {
        return Err(UsageError(format!("--dns-concurrency {concurrency}: expected 1 to 4096")));
    }
    Ok(DnsSettings {
        servers,
        system,
        concurrency,
        timeout: seconds("--dns-timeout", args.dns_timeout.or(file.dns_timeout), defaults.timeout)?,
        deadline: seconds("--dns-deadline", args.dns_deadline.or(file.dns_deadline), defaults.deadline)?,
        all: args.dns_all || file.dns_all.unwrap_or(false),
        progress,
        ..defaults
    })
}

/// The whole UTC days of `[since, until)`: a day counts from its midnight on, so that
/// `--since 7d` is 7 days (today and the 6 before it), not the 8 days it touches.
pub fn whole_days(since: i64, until: i64) -> Days {
    let day = SECS_PER_DAY * MICROS_PER_SEC;
    let first = day_of(since) + i32::from(since.rem_euclid(day) != 0);
    Days { first, last: day_of(until - 1).max(first) }
}

/// What `knocklog report` resolves to.
pub struct ReportConfig {
    pub history: PathBuf,
    /// Whole UTC days: the store keeps days, not hours.
    pub days: Days,
    /// When the report is made (microseconds since the epoch).
    pub now: i64,
    pub detect: DetectConfig,
    /// This machine's interface addresses are not in it yet (see `enrich::own`): which
    /// logs the store holds is known once it is open.
    pub blocklist: BlocklistSettings,
    pub output: OutputSettings,
    pub enrich: EnrichConfig,
}

impl ReportConfig {
    pub fn from_args(args: &ReportArgs) -> Result<ReportConfig, UsageError> {
        let detect = DetectConfig::from_args(&args.detect)?;
        let now = crate::vocab::time::now_micros();
        let when = |flag: &str, s: &str| {
            parse_when(s, now).ok_or_else(|| {
                UsageError(format!("{flag} {s:?}: expected a date (2026-01-05), a time or an age (7d, 2w)"))
            })
        };
        let since = when("--since", &args.since)?;
        let until = args.until.as_deref().map(|u| when("--until", u)).transpose()?.unwrap_or(now);
        if since >= until {
            return Err(UsageError("--since must be before --until".into()));
        }
        let mut blocklist = blocklist::resolve(&args.blocklist, &detect.blocklist)?;
        let progress = std::io::stderr().is_terminal() && !args.quiet && !args.json;
        let enrich = EnrichConfig::resolve(&args.enrich, &detect.enrich, progress)?;
        let asks = blocklist::label_asks(&args.blocklist, &detect.blocklist)?;
        blocklist.label_blocks =
            enrich.labels.label_blocks(&asks.range_labels, &asks.countries, &asks.asns).map_err(UsageError)?;
        Ok(ReportConfig {
            enrich,
            history: args.history.clone(),
            blocklist,
            days: whole_days(since, until),
            now,
            detect,
            output: output_settings(
                &args.out,
                args.format,
                Pages { html_fragment: args.html_fragment, timeline: args.timeline, report_panels: args.report_panels },
                args.quiet,
                args.json,
            ),
        })
    }
}

/// The most worker threads a scan accepts on a machine with `cores` cores.
pub fn max_threads(cores: usize) -> usize {
    (4 * cores).max(256)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_age_in_days_is_that_many_whole_days() {
        let now = parse_when("2026-01-08T12:00:00Z", 0).unwrap();
        let week = whole_days(parse_when("7d", now).unwrap(), now);
        assert_eq!((week.first, week.last), (day_of(parse_when("2026-01-02", 0).unwrap()), day_of(now)));
        assert_eq!(week.len(), 7);
        let dates = whole_days(parse_when("2026-01-05", 0).unwrap(), parse_when("2026-01-12", 0).unwrap());
        assert_eq!(dates.len(), 7, "from midnight to midnight: the days named");
    }
}
