//! Resolved settings: the raw command line checked and turned into the values the
//! pipeline and the writers use. Every error here is a usage error (exit code 1).

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::cli::{OutputFormat, ScanArgs};
use crate::event::Format;
use crate::output::Formats;
use crate::pipeline::ScanOptions;
use crate::time::{parse_when, LocalZone};

/// A mistake in what the user asked for; reported with exit code 1.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

#[derive(Debug, Clone)]
pub struct ScanConfig {
    pub paths: Vec<PathBuf>,
    pub out: PathBuf,
    pub formats: Formats,
    pub threads: usize,
    pub forced_format: Option<Format>,
    pub options: ScanOptions,
    pub quiet: bool,
}

impl ScanConfig {
    pub fn from_args(args: &ScanArgs, stderr_is_terminal: bool) -> Result<ScanConfig, UsageError> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros() as i64).unwrap_or(0);
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
        let zone = LocalZone::parse(&args.timezone).ok_or_else(|| {
            UsageError(format!("--timezone {:?}: expected system, utc or an offset like +01:00", args.timezone))
        })?;
        let forced_format = match &args.log_format {
            None => None,
            Some(name) => Some(Format::from_name(name).ok_or_else(|| {
                let names: Vec<&str> = Format::ALL.iter().map(|f| f.as_str()).collect();
                UsageError(format!("--log-format {name:?}: expected one of {}", names.join(", ")))
            })?),
        };
        let threads = match args.threads {
            Some(0) => return Err(UsageError("--threads must be at least 1".into())),
            Some(n) => n,
            None => std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        };
        for p in &args.paths {
            if std::fs::symlink_metadata(p).is_err() {
                return Err(UsageError(format!("{}: no such file or directory", p.display())));
            }
        }
        let formats = match args.format {
            OutputFormat::Csv => Formats { csv: true, parquet: false },
            OutputFormat::Parquet => Formats { csv: false, parquet: true },
            OutputFormat::Both => Formats { csv: true, parquet: true },
        };
        Ok(ScanConfig {
            paths: args.paths.clone(),
            out: args.out.clone(),
            formats,
            threads,
            forced_format,
            options: ScanOptions {
                zone,
                since,
                until,
                all_events: args.all_events,
                progress: stderr_is_terminal && !args.quiet,
            },
            quiet: args.quiet,
        })
    }
}
