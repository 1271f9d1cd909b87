//! The command line as the user typed it (clap derive): raw values only. `config.rs`
//! turns them into resolved settings.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "knocklog",
    version,
    about = "Who came knocking, how, and who keeps coming back: a forensic analyzer for rotated /var/log trees"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Read a log tree (plain and .gz rotations of web, auth and syslog logs) into
    /// events, per-IP and per-day tables and a summary.
    Scan(ScanArgs),
    /// Show how one log line is read and judged: format, fields, rule, category, and
    /// the allow-list/mode decision (like fail2ban-regex, for one line).
    Explain(ExplainArgs),
    /// Suggest new attack patterns from what attackers requested that no rule knows
    /// (and no benign address requested); append chosen ones to a pattern file.
    Learn(LearnCmdArgs),
}

/// How new attack patterns are learned (`scan` writes them to suggested-patterns.txt).
#[derive(Args, Debug, Clone)]
pub struct LearnArgs {
    /// Learn from addresses with this verdict or worse: block, or watch (block and watch).
    #[arg(long, value_parser = ["block", "watch"], default_value = "block")]
    pub learn_from: String,

    /// Distinct attacker addresses a suggested pattern needs.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub learn_min_attackers: u32,

    /// Distinct benign addresses a suggested pattern may have (tolerance).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub learn_max_benign: u32,
}

#[derive(Args, Debug, Clone)]
pub struct LearnCmdArgs {
    /// Append the suggestions with these numbers (as listed) to the pattern file.
    #[arg(long, value_name = "N,M", value_delimiter = ',', conflicts_with = "accept_all")]
    pub accept: Vec<usize>,

    /// Append every suggestion (with --min-support: those with at least K attacker IPs).
    #[arg(long)]
    pub accept_all: bool,

    /// With --accept-all: only suggestions used by at least K attacker addresses.
    #[arg(long, value_name = "K", requires = "accept_all")]
    pub min_support: Option<u32>,

    /// The attack pattern file to append to [default: the first --attack-patterns file].
    #[arg(long, value_name = "FILE")]
    pub to: Option<PathBuf>,

    /// Everything `scan` takes (paths, time window, detection settings, --learn-*).
    #[command(flatten)]
    pub scan: ScanArgs,
}

#[derive(Args, Debug, Clone)]
pub struct ExplainArgs {
    /// The log line (quote it). Or use --file and --line.
    #[arg(value_name = "LINE", conflicts_with_all = ["file", "line"])]
    pub line_text: Option<String>,

    /// Take the line from this file (plain or gzip)...
    #[arg(long, requires = "line")]
    pub file: Option<PathBuf>,

    /// ...at this line number (from 1).
    #[arg(long, requires = "file")]
    pub line: Option<u64>,

    /// Zone of timestamps without an offset (system, utc, +HH:MM).
    #[arg(long, default_value = "system")]
    pub timezone: String,

    /// Read the line in this format instead of detecting it.
    #[arg(long)]
    pub log_format: Option<String>,

    #[command(flatten)]
    pub detect: DetectArgs,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    Csv,
    Parquet,
    Both,
}

#[derive(Args, Debug, Clone)]
pub struct ScanArgs {
    /// Files or directories to read (directories are walked).
    #[arg(default_value = "/var/log")]
    pub paths: Vec<PathBuf>,

    /// Directory for the tables and summary.json (created if missing).
    #[arg(long, short, default_value = "knocklog-out")]
    pub out: PathBuf,

    /// Table format(s) to write.
    #[arg(long, value_enum, default_value_t = OutputFormat::Both)]
    pub format: OutputFormat,

    /// Worker threads (default: all cores).
    #[arg(long, short = 'j')]
    pub threads: Option<usize>,

    /// Only lines at or after this time: 2026-01-05, 2026-01-05T10:00:00Z, or 7d/12h/2w ago.
    #[arg(long)]
    pub since: Option<String>,

    /// Only lines before this time (same forms as --since).
    #[arg(long)]
    pub until: Option<String>,

    /// Zone of timestamps that carry no UTC offset (syslog, error logs): `system`, `utc`
    /// or an offset like +01:00.
    #[arg(long, default_value = "system")]
    pub timezone: String,

    /// Read every file in this format instead of detecting it
    /// (access, squid, apache_error, nginx_error, lighttpd_error, syslog, audit).
    #[arg(long)]
    pub log_format: Option<String>,

    /// Keep every line with a remote address in `events`, not only the suspicious ones.
    #[arg(long)]
    pub all_events: bool,

    /// Keep every address in `ips`, not only those with a suspicious event.
    #[arg(long)]
    pub all_ips: bool,

    #[command(flatten)]
    pub detect: DetectArgs,

    #[command(flatten)]
    pub learn: LearnArgs,

    /// No progress bar and no summary on the terminal (warnings still go to stderr).
    #[arg(long, short)]
    pub quiet: bool,
}

/// How lines are judged: allow-lists, mode, pattern files, thresholds. Every setting
/// can also live in a knocklog.toml (`--config`); flags add to its lists and override
/// its values.
#[derive(Args, Debug, Clone, Default)]
pub struct DetectArgs {
    /// A knocklog.toml with these settings.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Allowed addresses, never flagged: CIDR (10.0.0.0/8), address, or a dotted prefix
    /// (192.168 = 192.168.0.0/16, 100.72 for a phone carrier). Repeat or comma-separate.
    #[arg(long, value_name = "BLOCK", value_delimiter = ',')]
    pub allow_ip: Vec<String>,

    /// Allowed usernames: their wrong passwords are typos up to a tolerance, not attacks.
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    pub allow_user: Vec<String>,

    /// standard: every criterion; user: only usernames and passwords (no address
    /// allow-list); ip: only addresses (no username allow-list).
    #[arg(long, value_parser = ["standard", "user", "ip"])]
    pub mode: Option<String>,

    /// Attack pattern file (one substring per line, `re:` for a regex, `#` comments).
    #[arg(long, value_name = "FILE")]
    pub attack_patterns: Vec<PathBuf>,

    /// Ignore pattern file: matching lines never count.
    #[arg(long, value_name = "FILE")]
    pub ignore_patterns: Vec<PathBuf>,

    /// Use only the pattern files, not knocklog's built-in signatures.
    #[arg(long)]
    pub no_builtin_rules: bool,

    /// Suspicious events that make an address `block` [default: 3].
    #[arg(long, value_name = "N")]
    pub block_strikes: Option<u64>,

    /// Days of suspicious activity that make a quiet returner a sneak attacker [default: 3].
    #[arg(long, value_name = "N")]
    pub sneak_min_days: Option<usize>,

    /// ...if it never had more than this many suspicious events in one day [default: 5].
    #[arg(long, value_name = "N")]
    pub sneak_max_daily: Option<u64>,

    /// Minutes of silence that end an attempt session [default: 30].
    #[arg(long, value_name = "MIN")]
    pub session_gap: Option<u64>,

    /// Wrong passwords for an allowed user that are tolerated as typos [default: 5].
    #[arg(long, value_name = "N")]
    pub allowed_user_tolerance: Option<u64>,
}
