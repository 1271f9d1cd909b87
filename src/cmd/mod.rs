//! Subcommands, one module each, and the exit-code policy shared by all of them, for a
//! cron job to act on: 0 every readable file was read whole (unparsed lines are counted,
//! not errors); 1 the command line, the configuration or `--out` is wrong (or another
//! run holds `--out`); 2 some input could not be read whole (or the run stopped on an
//! error of its own before writing anything); 3 the outputs could not be written (none
//! is half-written: `--out` keeps the previous set). When the code is not 0, the last
//! line on stderr says why: `knocklog: exit N: ...`.

pub mod columns;
pub mod completions;
pub mod explain;
pub mod history;
pub mod learn;
pub mod man;
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
use crate::output::colour;
use crate::output::out_dir::{OutputsNotWritten, UnusableOutDir};
use crate::vocab::text::for_terminal;

pub const EXIT_OK: u8 = 0;
pub const EXIT_USAGE: u8 = 1;
pub const EXIT_INPUT_INCOMPLETE: u8 = 2;
pub const EXIT_OUTPUT_FAILED: u8 = 3;

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    crate::output::colour::init(&cli.color);
    let result = match cli.command {
        Command::Scan(args) => scan::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Query(args) => query::run(&args),
        Command::Columns(args) => columns::run(&args),
        Command::History(args) => history::run(&args),
        Command::Report(args) => report::run(&args),
        Command::Learn(args) => learn::run(&args),
        Command::Completions { shell } => completions::run(shell),
        Command::Man { subcommand } => man::run(subcommand.as_deref()),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => ExitCode::from(exit_on_error(&e)),
    }
}

/// The exit code for a run that ended with `e`, after saying why as the last line.
fn exit_on_error(e: &anyhow::Error) -> u8 {
    // Whoever read the output stopped reading (`knocklog query ... | head`): the run
    // ends there quietly, as ripgrep and git do, not with an error about a pipe.
    if e.chain().any(is_broken_pipe) {
        EXIT_OK
    } else if e.downcast_ref::<UsageError>().is_some() || e.downcast_ref::<UnusableOutDir>().is_some() {
        stop(EXIT_USAGE, &for_terminal(&e.to_string()))
    } else if e.downcast_ref::<OutputsNotWritten>().is_some() {
        stop(EXIT_OUTPUT_FAILED, &for_terminal(&format!("{e:#}")))
    } else {
        stop(EXIT_INPUT_INCOMPLETE, &format!("error: {}", for_terminal(&format!("{e:#}"))))
    }
}

/// An output pipe closed by its reader, however the writer wrapped it (the csv crate's
/// error does not name its cause as a source).
fn is_broken_pipe(cause: &(dyn std::error::Error + 'static)) -> bool {
    let io = cause.downcast_ref::<std::io::Error>().or_else(|| match cause.downcast_ref::<csv::Error>()?.kind() {
        csv::ErrorKind::Io(io) => Some(io),
        _ => None,
    });
    io.is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}

/// 2 when `damaged` files could not be read whole (each was named on stderr above;
/// the last line counts them), else 0.
fn input_exit_code(damaged: usize) -> u8 {
    match input_exit(damaged) {
        (code, Some(why)) => stop(code, &why),
        (code, None) => code,
    }
}

/// The exit code for `damaged` input files, and why it is not 0.
fn input_exit(damaged: usize) -> (u8, Option<String>) {
    match damaged {
        0 => (EXIT_OK, None),
        1 => (EXIT_INPUT_INCOMPLETE, Some("1 file could not be read whole (see above)".into())),
        n => (EXIT_INPUT_INCOMPLETE, Some(format!("{n} files could not be read whole (see above)"))),
    }
}

/// `--json`: prints the summary `json` with the exit code and its reason added, as one
/// line on stdout; the reason still goes to stderr as its last line.
fn finish_json(mut json: serde_json::Value, code: u8, why: Option<&str>) -> anyhow::Result<u8> {
    use std::io::Write;
    json["exit"] = serde_json::json!({ "code": code, "reason": why });
    let mut out = std::io::stdout().lock();
    writeln!(out, "{json}").context("writing the JSON summary")?;
    Ok(match why {
        Some(why) => stop(code, why),
        None => code,
    })
}

/// Says on stderr, as its last line, why the run exits with `code`; returns `code`.
fn stop(code: u8, why: &str) -> u8 {
    eprintln!("knocklog: {}: {why}", colour::err(colour::FAILURE, &format!("exit {code}")));
    code
}

/// The logs under the scanned paths, the files passed over reported on stderr; None
/// (reported, as the last line: the caller exits with 2) when there is nothing to read.
fn logs_to_read(config: &ScanConfig) -> Option<Discovery> {
    let discovery = discover(&config.paths, config.forced_format, crate::parse::sniff_head);
    for s in discovery.skipped.iter().filter(|s| s.warning) {
        eprintln!("knocklog: {}: {}", for_terminal(&s.path.display().to_string()), s.reason);
    }
    if discovery.files.is_empty() {
        let names: Vec<String> = config.paths.iter().map(|p| p.display().to_string()).collect();
        let why = format!("no log files knocklog can read under {}", for_terminal(&names.join(", ")));
        if config.output.json {
            // Scripts that ask for JSON get an object on every run that reads nothing too.
            let skipped: Vec<serde_json::Value> = discovery
                .skipped
                .iter()
                .map(|s| serde_json::json!({ "path": s.path.display().to_string(), "reason": s.reason, "warning": s.warning }))
                .collect();
            let json =
                serde_json::json!({ "totals": { "files": 0, "files_skipped": skipped.len() }, "skipped": skipped });
            if let Err(e) = finish_json(json, EXIT_INPUT_INCOMPLETE, Some(&why)) {
                stop(EXIT_INPUT_INCOMPLETE, &format!("{why} ({e:#})"));
            }
            return None;
        }
        stop(EXIT_INPUT_INCOMPLETE, &why);
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

/// Two-way DNS for one run (`--dns`): the history store's cache when there is a store,
/// shared by the lookups before judging (crawler claims) and after (the visitors).
pub struct DnsRun<'s> {
    store: Option<&'s crate::store::Store>,
    cache: Option<crate::enrich::dns::DnsCache>,
}

impl<'s> DnsRun<'s> {
    /// Loads the store's cache (an unusable one is said and started afresh); without a
    /// store the cache lives for this run only, so no address is asked twice.
    pub fn open(store: Option<&'s crate::store::Store>) -> DnsRun<'s> {
        let cache = store.map(|store| {
            crate::store::dns::load(store).unwrap_or_else(|e| {
                eprintln!(
                    "knocklog: --dns: the cache is unusable, every address is looked up again: {}",
                    for_terminal(&format!("{e:#}"))
                );
                Default::default()
            })
        });
        DnsRun { store, cache: Some(cache.unwrap_or_default()) }
    }

    pub fn cache(&mut self) -> Option<&mut crate::enrich::dns::DnsCache> {
        self.cache.as_mut()
    }

    /// Two-way DNS of `findings`, then the cache saved back with what was looked up.
    /// Says on stderr when the deadline cut lookups off, and (unless `quiet`) how many
    /// the cache answered.
    pub fn visitors(
        mut self,
        findings: &mut crate::findings::Findings,
        settings: &crate::enrich::dns::DnsSettings,
        quiet: bool,
    ) -> anyhow::Result<()> {
        let outcome = crate::enrich::dns::resolve_visitors(findings, settings, self.cache.as_mut())?;
        if outcome.deadline_hit {
            eprintln!(
                "knocklog: --dns: the deadline of {} s passed: {} of {} addresses were not looked up (rdns_error=deadline; see --dns-deadline)",
                outcome.deadline_s, outcome.not_looked_up, outcome.addresses
            );
        }
        if let (Some(store), Some(cache)) = (self.store, self.cache.as_mut()) {
            cache.drop_expired(crate::vocab::time::now_micros());
            if let Err(e) = crate::store::dns::save(store, cache) {
                eprintln!("knocklog: --dns: the cache could not be saved: {}", for_terminal(&format!("{e:#}")));
            }
            if !quiet {
                eprintln!(
                    "knocklog: --dns: {} of {} addresses answered from the cache in {}, {} looked up",
                    outcome.cache_hits,
                    outcome.addresses,
                    for_terminal(&crate::store::dns::path(store).display().to_string()),
                    outcome.looked_up
                );
            }
        }
        Ok(())
    }
}
