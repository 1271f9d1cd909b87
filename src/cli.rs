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

    /// Keep every line with a remote address in `events`, not only errors, auth lines
    /// and HTTP statuses of 400 and above.
    #[arg(long)]
    pub all_events: bool,

    /// No progress bar and no summary on the terminal (warnings still go to stderr).
    #[arg(long, short)]
    pub quiet: bool,
}
