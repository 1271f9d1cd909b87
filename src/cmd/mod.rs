//! Subcommands, one module each, and the exit-code policy shared by all of them:
//! 0 everything was read, 2 something was skipped or could not be read (or a fatal
//! error), 1 the command line was wrong.

pub mod explain;
pub mod history;
pub mod learn;
pub mod query;
pub mod report;
pub mod scan;

use std::process::ExitCode;

use clap::Parser;

use anyhow::Context;

use crate::aggregate::blocklist::BlocklistSettings;
use crate::cli::{Cli, Command};
use crate::config::{ScanConfig, UsageError};
use crate::input::{discover, Discovery};
use crate::vocab::text::for_terminal;

pub const EXIT_OK: u8 = 0;
pub const EXIT_USAGE: u8 = 1;
pub const EXIT_SKIPPED: u8 = 2;

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::Scan(args) => scan::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Query(args) => query::run(&args),
        Command::History(args) => history::run(&args),
        Command::Report(args) => report::run(&args),
        Command::Learn(args) => learn::run(&args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) if e.downcast_ref::<UsageError>().is_some() => {
            eprintln!("knocklog: {e}");
            ExitCode::from(EXIT_USAGE)
        }
        Err(e) => {
            eprintln!("knocklog: error: {e:#}");
            ExitCode::from(EXIT_SKIPPED)
        }
    }
}

/// 2 when something could not be read (each problem was reported on stderr), else 0.
fn exit_code(problems: usize) -> u8 {
    if problems > 0 {
        EXIT_SKIPPED
    } else {
        EXIT_OK
    }
}

/// The logs under the scanned paths, the files passed over reported on stderr; None
/// (reported) when there is nothing to read.
fn logs_to_read(config: &ScanConfig) -> Option<Discovery> {
    let discovery = discover(&config.paths, config.forced_format, crate::parse::sniff_head);
    for s in discovery.skipped.iter().filter(|s| s.warning) {
        eprintln!("knocklog: {}: {}", for_terminal(&s.path.display().to_string()), s.reason);
    }
    if discovery.files.is_empty() {
        let names: Vec<String> = config.paths.iter().map(|p| p.display().to_string()).collect();
        eprintln!("knocklog: no log files knocklog can read under {}", for_terminal(&names.join(", ")));
        return None;
    }
    Some(discovery)
}

/// The pool the scan's workers run on.
fn worker_pool(threads: usize) -> anyhow::Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("knocklog-{i}"))
        .build()
        .context("starting worker threads")
}

/// When the logs are this machine's, its own addresses are kept off the blocklist.
fn protect_this_host(settings: &mut BlocklistSettings, logs_of_this_host: bool) {
    if logs_of_this_host {
        if let Err(e) = crate::enrich::own::protect_this_host(settings) {
            eprintln!("knocklog: {e}");
        }
    }
}
