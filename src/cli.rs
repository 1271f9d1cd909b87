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
    /// Colour: auto (on a terminal, unless NO_COLOR is set), always or never.
    #[arg(long, global = true, hide_short_help = true, value_name = "WHEN", value_parser = ["auto", "always", "never"], default_value = "auto")]
    pub color: String,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Read a log tree (plain and .gz rotations of web, auth and syslog logs) into
    /// events, per-IP and per-day tables and a summary.
    #[command(after_help = SCAN_EXIT_CODES_SHORT, after_long_help = SCAN_EXIT_CODES)]
    Scan(ScanArgs),
    /// Show how one log line is read and judged: format, fields, rule, category, and
    /// the allow-list/mode decision (like fail2ban-regex, for one line).
    Explain(ExplainArgs),
    /// Run SQL (a file from queries/ or --sql) over the tables of a scan's or report's
    /// --out or of a history store, each registered under its own name.
    Query(QueryArgs),
    /// The data dictionary: every table's columns with their type and meaning, as the
    /// scan, the report and the history store write them.
    Columns(ColumnsArgs),
    /// Look after a history store (`scan --history DIR`): what it holds, pruning.
    History(HistoryArgs),
    /// The weekly report from a history store alone (no logs needed): the scan's
    /// tables for a period, new vs returning attackers, change on the period before.
    Report(ReportArgs),
    /// Suggest new attack patterns from what attackers requested that no rule knows
    /// (and no benign address requested); append chosen ones to a pattern file.
    Learn(LearnCmdArgs),
    /// Print a shell completion script: `knocklog completions bash > /etc/bash_completion.d/knocklog`.
    Completions {
        /// The shell to complete in.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): `knocklog man > knocklog.1; man ./knocklog.1`;
    /// `knocklog man scan` prints knocklog-scan.1.
    Man {
        /// The subcommand whose page to print.
        subcommand: Option<String>,
    },
}

/// `scan --help`'s closing text. The last line on stderr says why a code is not 0.
const SCAN_EXIT_CODES_SHORT: &str = "\
Exit codes: 0 read whole, 1 usage error, 2 some input not read whole, 3 outputs not written.
More options (ranges, threads, learning, tolerances) and details: --help";

const SCAN_EXIT_CODES: &str = "\
Exit codes:
  0  every readable file was read whole (unparsed lines are counted in summary.json)
  1  usage or configuration error, or --out unusable (a symlink, inside a scanned
     path, or held by another knocklog run)
  2  some input could not be read whole (unreadable, truncated, changed while read,
     corrupt, over a cap); the outputs were written from the rest
  3  the outputs could not be written; --out keeps the previous set, nothing half-written";

/// How new attack patterns are learned (`scan` writes them to suggested-patterns.txt).
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Learning")]
pub struct LearnArgs {
    /// Learn from addresses with this verdict or worse: block, or watch (block and watch).
    #[arg(hide_short_help = true, long, value_parser = ["block", "watch"], default_value = "block")]
    pub learn_from: String,

    /// Distinct attacker addresses a suggested pattern needs.
    #[arg(hide_short_help = true, long, value_name = "N", default_value_t = 2)]
    pub learn_min_attackers: u32,

    /// Distinct benign addresses a suggested pattern may have (tolerance).
    #[arg(hide_short_help = true, long, value_name = "N", default_value_t = 0)]
    pub learn_max_benign: u32,

    /// Skip learning: no request shapes are counted and suggested-patterns.txt lists none.
    #[arg(long)]
    pub no_learn: bool,
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
pub struct ReportArgs {
    /// The history store (`scan --history DIR`).
    #[arg(long, value_name = "DIR")]
    pub history: PathBuf,

    /// Start of the period (whole UTC days): 7d, 2w, or a date like 2026-01-05.
    #[arg(long, default_value = "7d")]
    pub since: String,

    /// End of the period, exclusive (default: now).
    #[arg(long)]
    pub until: Option<String>,

    /// Directory for the tables, blocklist, report.html and report.json (created if missing).
    #[arg(long, short, default_value = "knocklog-report")]
    pub out: PathBuf,

    /// Write into --out even when it is a symlink (as `scan --out-follow-symlink`).
    #[arg(hide_short_help = true, long)]
    pub out_follow_symlink: bool,

    /// Table format(s) to write.
    #[arg(hide_short_help = true, long, value_enum, default_value_t = OutputFormat::Both)]
    pub format: OutputFormat,

    #[command(flatten)]
    pub detect: DetectArgs,

    #[command(flatten)]
    pub blocklist: BlocklistArgs,

    #[command(flatten)]
    pub enrich: EnrichArgs,

    /// Also write report-fragment.html (as `scan --html-fragment`).
    #[arg(hide_short_help = true, long)]
    pub html_fragment: bool,

    /// Also write timeline.csv and timeline.jsonl of the period's events (as `scan --timeline`).
    #[arg(hide_short_help = true, long)]
    pub timeline: bool,

    /// Addresses given a drill-down panel in the report, worst first (as `scan --report-panels`).
    #[arg(hide_short_help = true, long, value_name = "N", default_value_t = crate::output::report::DEFAULT_PANELS)]
    pub report_panels: usize,

    /// No summary on the terminal.
    #[arg(long, short)]
    pub quiet: bool,

    /// Print the summary as one JSON object on stdout instead (for scripts).
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug, Clone)]
pub struct HistoryArgs {
    #[command(subcommand)]
    pub action: HistoryAction,
}

#[derive(Subcommand, Debug, Clone)]
pub enum HistoryAction {
    /// Days held, sources read (and how far), runs and size.
    Info {
        /// The history store.
        dir: PathBuf,
        /// Print it as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check every day file against the manifest (exit 2 if any is missing or changed).
    Verify {
        /// The history store.
        dir: PathBuf,
    },
    /// Drop damaged days from the manifest, moving changed files aside (never deleting).
    Repair {
        /// The history store.
        dir: PathBuf,
        /// Only say what would be done.
        #[arg(long)]
        dry_run: bool,
    },
    /// Rewrite a store's or a fleet's day files as one file per table, server and month, for engines
    /// that scan a fleet's years (DuckDB, Spark, Trino).
    ///
    /// Writes INTO/TABLE/server=NAME/month=YYYY-MM/data.parquet, each row with its `day`. Run again to
    /// bring it up to date: only months with new or changed days are rewritten, and a month keeps the
    /// days its store has pruned since. `knocklog query --data INTO` reads it too.
    Compact {
        /// A history store, or a fleet (server=NAME/ directories each holding a host's store).
        dir: PathBuf,
        /// Where the compacted tables go (a directory of their own).
        #[arg(long, value_name = "DIR")]
        into: PathBuf,
        /// The server's name for a single store (its partition value); for a fleet, compact only this
        /// server.
        #[arg(long, value_name = "NAME")]
        server: Option<String>,
        /// Print what was done as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Drop the days older than --keep (relative to today, UTC).
    Prune {
        /// The history store.
        dir: PathBuf,
        /// How much to keep: 90d, 12w.
        #[arg(long, value_name = "AGE")]
        keep: String,
        /// Only say which days would be dropped.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Args, Debug, Clone)]
pub struct QueryArgs {
    /// The query, in a .sql file (e.g. queries/top_attackers.sql).
    #[arg(value_name = "FILE.sql", conflicts_with = "sql")]
    pub file: Option<PathBuf>,

    /// The query, given inline: --sql 'SELECT ip, score FROM ips LIMIT 5'.
    #[arg(long)]
    pub sql: Option<String>,

    /// Where the tables are.
    ///
    /// A scan's or report's --out directory (NAME.parquet files), a history store (NAME/day=YYYY-MM-DD/*.parquet),
    /// a fleet of stores (server=NAME/..., read as one with a `server` column) or a compacted fleet
    /// (`history compact`).
    #[arg(long, short, default_value = "knocklog-out")]
    pub data: PathBuf,

    /// Write the result to this .csv or .parquet file instead of printing it.
    #[arg(long, short)]
    pub out: Option<PathBuf>,

    /// List the tables and their columns, and run nothing.
    #[arg(long)]
    pub tables: bool,

    /// Print the result as JSON Lines (one object per row) instead of a table or CSV.
    #[arg(long, conflicts_with = "out")]
    pub json: bool,
}

#[derive(Args, Debug, Clone)]
pub struct ColumnsArgs {
    /// Only this table (events, ips, sessions, daily, requests, ...).
    pub table: Option<String>,

    /// Print JSON (one array of tables, each with its columns) instead of text.
    #[arg(long, conflicts_with = "markdown")]
    pub json: bool,

    /// Print Markdown tables (as GUIDE.md holds them) instead of text.
    #[arg(long)]
    pub markdown: bool,
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

    /// Zone of timestamps without an offset (system, utc, +HH:MM, or a zone name like
    /// Europe/Berlin).
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
    ///
    /// `-` reads standard input (plain or compressed; a pipe named here, like `<(zcat old.gz)`, is read too).
    #[arg(help_heading = "Input", default_value = "/var/log")]
    pub paths: Vec<PathBuf>,

    /// Directory for the tables and summary.json (created if missing).
    #[arg(help_heading = "Output", long, short, default_value = "knocklog-out")]
    pub out: PathBuf,

    /// Write into --out even when it is a symlink (refused by default: whoever can
    /// replace the link could point the writes anywhere).
    #[arg(hide_short_help = true, long, help_heading = "Output")]
    pub out_follow_symlink: bool,

    /// For tests: the N-th file written fails as on a full disk.
    #[arg(long, value_name = "N", hide = true)]
    pub debug_fail_write: Option<u64>,

    /// Table format(s) to write.
    #[arg(hide_short_help = true, help_heading = "Output", long, value_enum, default_value_t = OutputFormat::Both)]
    pub format: OutputFormat,

    /// Worker threads (default: all cores); the events table is written on one more.
    #[arg(hide_short_help = true, help_heading = "Output", long, short = 'j')]
    pub threads: Option<usize>,

    /// Longest line read whole, in bytes (4 KiB to 64 MiB).
    ///
    /// The rest of a longer one is skipped and counted in summary.json (overlong_lines)
    #[arg(hide_short_help = true, help_heading = "Input", long, default_value_t = 1 << 20, value_parser = clap::value_parser!(u64).range(4096..=64 << 20))]
    pub max_line_bytes: u64,

    /// Only lines at or after this time: 2026-01-05, 2026-01-05T10:00:00Z, or 7d/12h/2w ago.
    #[arg(long, help_heading = "Input")]
    pub since: Option<String>,

    /// Only lines before this time (same forms as --since).
    #[arg(long, help_heading = "Input")]
    pub until: Option<String>,

    /// Zone of timestamps that carry no UTC offset (syslog, error logs).
    ///
    /// `system`, `utc`, an offset like +01:00, or a zone name like Europe/Berlin (with its summer time).
    #[arg(help_heading = "Input", long, default_value = "system")]
    pub timezone: String,

    /// Read every file in this format instead of detecting it
    /// (access, squid, apache_error, nginx_error, lighttpd_error, syslog, audit).
    #[arg(long, help_heading = "Input")]
    pub log_format: Option<String>,

    /// Year of the first line of each log whose stamps carry none (syslog's `Jan  6 00:02:28`).
    ///
    /// Later lines move on a year at each December-to-January step. By default the year comes from the newest file's
    /// modification time, which a copy of the logs does not keep.
    #[arg(help_heading = "Input", long, value_name = "YYYY", value_parser = clap::value_parser!(i32).range(1970..=9999), conflicts_with = "year_of_newest")]
    pub year: Option<i32>,

    /// Year of the last line of each log whose stamps carry none.
    ///
    /// Earlier lines are counted back from it.
    #[arg(hide_short_help = true, help_heading = "Input", long, value_name = "YYYY", value_parser = clap::value_parser!(i32).range(1970..=9999))]
    pub year_of_newest: Option<i32>,

    /// Keep every line with a remote address in `events`, not only the suspicious ones.
    #[arg(hide_short_help = true, long, help_heading = "Output")]
    pub all_events: bool,

    /// Keep every address in `ips`, not only those with a suspicious event.
    #[arg(hide_short_help = true, long, help_heading = "Output")]
    pub all_ips: bool,

    #[command(flatten)]
    pub detect: DetectArgs,

    #[command(flatten)]
    pub blocklist: BlocklistArgs,

    /// Also write report-fragment.html.
    ///
    /// The report as one `<section class="knocklog">` (no html/head/body, style or script; classes prefixed
    /// `knocklog-`) for an admin page that brings its own CSS.
    #[arg(hide_short_help = true, long, help_heading = "Output")]
    pub html_fragment: bool,

    /// Also write timeline.csv and timeline.jsonl: the events as a forensic timeline.
    ///
    /// One row per row of `events` (with --all-events, every line), in the import format of Timesketch
    /// and log2timeline (message, datetime, timestamp_desc, timestamp), with the address's verdict.
    #[arg(hide_short_help = true, long, help_heading = "Output")]
    pub timeline: bool,

    /// Addresses given a drill-down panel in report.html, worst first.
    ///
    /// Each panel lists the address's sessions, usernames, paths, user agents, rules, days and its first
    /// events across the logs; every other address links to its table row. More panels make a bigger page.
    #[arg(
        hide_short_help = true,
        long,
        value_name = "N",
        default_value_t = crate::output::report::DEFAULT_PANELS,
        help_heading = "Output"
    )]
    pub report_panels: usize,

    #[command(flatten)]
    pub enrich: EnrichArgs,

    #[command(flatten)]
    pub learn: LearnArgs,

    /// No progress bar and no summary on the terminal (warnings still go to stderr).
    #[arg(help_heading = "Output", long, short)]
    pub quiet: bool,

    /// Print the run's summary as one JSON object on stdout instead of the text one.
    ///
    /// Totals, skipped files, the worst addresses, the outputs, the exit code and why.
    #[arg(help_heading = "Output", long)]
    pub json: bool,

    /// Also add what is new in the logs to this history store (created if missing).
    ///
    /// Every line once, across runs and log rotations.
    #[arg(help_heading = "Output", long, value_name = "DIR", conflicts_with_all = ["since", "until"])]
    pub history: Option<PathBuf>,
}

/// How lines are judged: allow-lists, mode, pattern files, thresholds. Every setting
/// can also live in a knocklog.toml (`--config`); flags add to its lists and override
/// its values.
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "Detection")]
pub struct DetectArgs {
    /// A knocklog.toml with these settings.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Allowed addresses, never flagged.
    ///
    /// CIDR (10.0.0.0/8), address, or a dotted prefix (192.168 = 192.168.0.0/16, 100.72 for a phone carrier). Repeat or
    /// comma-separate.
    #[arg(long, value_name = "BLOCK", value_delimiter = ',')]
    pub allow_ip: Vec<String>,

    /// Count loopback addresses (127.0.0.0/8, ::1) like any other.
    ///
    /// By default they are allowed, never flagged. For a lab, or logs copied from a proxy host. They are never put on a
    /// blocklist either way.
    #[arg(hide_short_help = true, long)]
    pub no_allow_loopback: bool,

    /// A reverse proxy (CIDR, address or dotted prefix) whose X-Forwarded-For is believed.
    ///
    /// For an access line from it, the client is the right-most address of the header that is no trusted proxy, and the
    /// proxy goes to the `proxy` column. The header of any other client is ignored. Repeat or comma-separate.
    #[arg(hide_short_help = true, long, value_name = "BLOCK", value_delimiter = ',')]
    pub trusted_proxy: Vec<String>,

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
    #[arg(hide_short_help = true, long)]
    pub no_builtin_rules: bool,

    /// How eagerly request payloads (SQL injection, XSS, commands) are attacks: CRS's
    /// paranoia levels, 1 with next to no false positives [default: 1].
    ///
    /// Level 1 also leaves alone arguments that read as sentences and libinjection
    /// findings without an injection's tokens; 2-4 load more of CRS's rules and find
    /// more, at the price of flagging more ordinary traffic.
    #[arg(long, value_name = "1-4", value_parser = clap::value_parser!(u8).range(1..=4))]
    pub paranoia: Option<u8>,

    /// Suspicious events that make an address `block` [default: 3].
    #[arg(long, value_name = "N")]
    pub block_strikes: Option<u64>,

    /// Days of suspicious activity that make a quiet returner a sneak attacker [default: 3].
    #[arg(long, value_name = "N")]
    pub sneak_min_days: Option<usize>,

    /// ...if it never had more than this many suspicious events in one day [default: 5].
    #[arg(hide_short_help = true, long, value_name = "N")]
    pub sneak_max_daily: Option<u64>,

    /// Minutes of silence that end an attempt session [default: 30].
    #[arg(hide_short_help = true, long, value_name = "MIN")]
    pub session_gap: Option<u64>,

    /// Wrong passwords for an allowed user that are tolerated as typos [default: 5].
    #[arg(hide_short_help = true, long, value_name = "N")]
    pub allowed_user_tolerance: Option<u64>,
}

/// What the world outside the logs says of the addresses: range, country and AS labels,
/// two-way DNS. Each can also live in knocklog.toml's `[enrich]` table.
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "Enrichment")]
pub struct EnrichArgs {
    /// Two-way DNS (reverse lookup, then forward confirmation) of the suspicious addresses: `ips.rdns`, `fcrdns`,
    /// `rdns_error`.
    ///
    /// Off by default (slow, and it tells the attacker's DNS you looked). With --history, answers are cached in the
    /// store until their TTL runs out.
    #[arg(long)]
    pub dns: bool,

    /// DNS server to ask instead of those of /etc/resolv.conf; repeat for several [default port: 53].
    #[arg(long, value_name = "IP[:PORT]")]
    pub dns_server: Vec<String>,

    /// DNS lookups in flight at once [default: 64].
    #[arg(hide_short_help = true, long, value_name = "N")]
    pub dns_concurrency: Option<usize>,

    /// Seconds one DNS query may take [default: 2].
    #[arg(hide_short_help = true, long, value_name = "SECS")]
    pub dns_timeout: Option<f64>,

    /// Seconds all DNS lookups together may take; addresses not looked up by then are counted on stderr and in
    /// summary.json, and marked `rdns_error=deadline` [default: 30].
    #[arg(hide_short_help = true, long, value_name = "SECS")]
    pub dns_deadline: Option<f64>,

    /// Look up every address in `ips` (with --all-ips, the harmless ones too), not only the suspicious ones.
    #[arg(hide_short_help = true, long)]
    pub dns_all: bool,

    /// Label addresses by the ranges in FILE (`ips.range_label`); repeat for several files.
    ///
    /// A published range file as downloaded (AWS ip-ranges.json, Google cloud.json and googlebot.json, Azure
    /// ServiceTags, Cloudflare, Oracle, a geofeed CSV like DigitalOcean's, the crawlers' JSON), a `cidr,label`
    /// CSV, or one range per line. LABEL=FILE names the label; else the provider or the file's name does. The
    /// most specific range wins.
    #[arg(long, value_name = "[LABEL=]FILE")]
    pub ranges: Vec<String>,

    /// Country of each address from a MaxMind DB file (GeoLite2-Country or -City, DB-IP country lite).
    #[arg(long, value_name = "FILE.mmdb")]
    pub geoip: Option<PathBuf>,

    /// Autonomous system of each address from a MaxMind DB file (GeoLite2-ASN, DB-IP ASN lite).
    #[arg(long, value_name = "FILE.mmdb")]
    pub asn: Option<PathBuf>,

    /// List this server's listening sockets and addresses in the summary and report, and which attacked services
    /// listen [default: on when a path is /var/log or under it].
    #[arg(hide_short_help = true, long, conflicts_with = "no_host_info")]
    pub host_info: bool,

    /// Leave this server's sockets out, even when scanning /var/log.
    #[arg(hide_short_help = true, long)]
    pub no_host_info: bool,

    /// For tests: read the host's sockets from this /proc-like directory.
    #[arg(long, value_name = "DIR", hide = true)]
    pub host_proc: Option<PathBuf>,
}

/// What goes into blocklist.txt/.nft/.ipset/.iptables/.ip6tables. Also the
/// `[blocklist]` table of knocklog.toml; flags override it.
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "Blocklist")]
pub struct BlocklistArgs {
    /// Lowest verdict that is listed: block, or watch to list watch addresses too [default: block].
    #[arg(long, value_name = "VERDICT", value_parser = ["block", "watch"])]
    pub blocklist_verdict: Option<String>,

    /// Listed addresses that must share a /24 (IPv4) or /64 (IPv6) before the whole range is
    /// proposed, if no allowed, benign or own address is inside [default: 3].
    #[arg(hide_short_help = true, long, value_name = "N")]
    pub range_min_ips: Option<usize>,

    /// Prefix length of proposed IPv4 ranges, 8-31 [default: 24].
    #[arg(hide_short_help = true, long, value_name = "BITS")]
    pub range_v4_prefix: Option<u8>,

    /// Prefix length of proposed IPv6 ranges, 16-127 [default: 64].
    #[arg(hide_short_help = true, long, value_name = "BITS")]
    pub range_v6_prefix: Option<u8>,

    /// How long an entry of blocklist.nft and blocklist.ipset stays in the firewall: 30m, 12h, 7d, 2w; 0 never
    /// expires. iptables rules never expire [default: 7d].
    #[arg(long, value_name = "SPAN")]
    pub ban_time: Option<String>,

    /// List single addresses only, never a proposed range (whatever --ranges labels).
    #[arg(hide_short_help = true, long)]
    pub no_ranges: bool,

    /// Also list private (RFC 1918, 100.64/10, fc00::/7) and documentation addresses (for a lab,
    /// or the sample logs); loopback, link-local, multicast, allowed and own addresses never are.
    #[arg(hide_short_help = true, long)]
    pub blocklist_include_special: bool,

    /// List every range of this --ranges label (`aws`, `googlebot`...), less own, allowed and special addresses.
    #[arg(hide_short_help = true, long, value_name = "LABEL")]
    pub block_range_label: Vec<String>,

    /// List every network of this country in the --geoip database (`CN`).
    #[arg(hide_short_help = true, long, value_name = "CC")]
    pub block_country: Vec<String>,

    /// List every network of this autonomous system in the --asn database (`64500` or `AS64500`).
    #[arg(hide_short_help = true, long, value_name = "ASN")]
    pub block_asn: Vec<String>,

    /// Listed addresses a --ranges label must hold, and no benign, allowed or own one, before it is proposed whole
    /// without being asked [default: 10].
    #[arg(hide_short_help = true, long, value_name = "N")]
    pub label_min_listed: Option<usize>,

    /// Largest label (in addresses) proposed whole without being asked [default: 65536].
    #[arg(hide_short_help = true, long, value_name = "N")]
    pub label_max_addresses: Option<u64>,

    /// This server's address or network (e.g. its public address behind NAT).
    ///
    /// Never listed, never inside a range. When scanning /var/log, this machine's interface addresses are added. Repeat
    /// or comma-separate.
    #[arg(hide_short_help = true, long, value_name = "ADDR|CIDR", value_delimiter = ',')]
    pub own_address: Vec<String>,
}
