//! `knocklog history info|verify|repair|compact|prune DIR`: what a history store holds
//! (days, sources, runs, size), whether its files match its manifest, repairing what does
//! not, compacting a store or fleet into monthly files, and dropping its oldest days.

use std::io::Write;

use super::{EXIT_INPUT_INCOMPLETE, EXIT_OK};
use crate::cli::{HistoryAction, HistoryArgs};
use crate::config::UsageError;
use crate::store::Store;
use crate::vocab::text::for_terminal;
use crate::vocab::time::{day_of, format_day};

pub fn run(args: &HistoryArgs) -> anyhow::Result<u8> {
    match &args.action {
        HistoryAction::Info { dir, json } => info(&Store::open(dir, false)?, *json),
        HistoryAction::Verify { dir } => {
            let store = Store::open(dir, false)?;
            let damage = store.verify();
            for d in &damage {
                println!("damaged: {}", for_terminal(&d.describe()));
            }
            if damage.is_empty() {
                println!("{}: every day file matches the manifest.", for_terminal(&dir.display().to_string()));
                return Ok(EXIT_OK);
            }
            eprintln!(
                "knocklog: exit 2: {} day files differ from the manifest (`history repair` drops them)",
                damage.len()
            );
            Ok(EXIT_INPUT_INCOMPLETE)
        }
        HistoryAction::Repair { dir, dry_run } => {
            let mut store = Store::open(dir, false)?;
            let actions = store.repair(*dry_run)?;
            let verb = if *dry_run { "would" } else { "did" };
            for a in &actions {
                println!("{verb}: {}", for_terminal(a));
            }
            if actions.is_empty() {
                println!("Nothing to repair: every day file matches the manifest.");
            }
            Ok(EXIT_OK)
        }
        HistoryAction::Compact { dir, into, server, json } => compact(dir, into, server.as_deref(), *json),
        HistoryAction::Prune { dir, keep, dry_run } => {
            let days = parse_days(keep)?;
            let mut store = Store::open(dir, false)?;
            let today = day_of(crate::vocab::time::parse_when("0d", crate::vocab::time::now_micros()).unwrap_or(0));
            let first_kept = format_day(today - days as i32 + 1);
            let dropped = store.prune_before(&first_kept, *dry_run)?;
            let verb = if *dry_run { "Would drop" } else { "Dropped" };
            match (dropped.first(), dropped.last()) {
                (Some(a), Some(b)) => {
                    println!("{verb} {} days ({a} .. {b}); the store keeps {first_kept} onwards.", dropped.len())
                }
                _ => println!("Nothing to drop: the store holds nothing before {first_kept}."),
            }
            Ok(EXIT_OK)
        }
    }
}

/// `90d`, `12w` or a bare number of days.
fn parse_days(text: &str) -> Result<u64, UsageError> {
    let t = text.trim();
    let (n, unit) = match t.strip_suffix('d') {
        Some(n) => (n, 1),
        None => match t.strip_suffix('w') {
            Some(n) => (n, 7),
            None => (t, 1),
        },
    };
    match n.parse::<u64>() {
        Ok(n) if n > 0 => Ok(n * unit),
        _ => Err(UsageError(format!("--keep {text:?}: expected a number of days or weeks, like 90d or 12w"))),
    }
}

fn info(store: &Store, json: bool) -> anyhow::Result<u8> {
    let m = &store.manifest;
    let days = store.days();
    let size: u64 = m.tables.values().flat_map(|t| t.values()).map(|f| f.bytes).sum();
    let rows = |table: &str| m.tables.get(table).map_or(0, |t| t.values().map(|f| f.rows).sum::<u64>());
    let damage = store.verify();
    let mut out = std::io::stdout().lock();
    if json {
        let value = serde_json::json!({
            "damaged": damage.iter().map(|d| d.describe()).collect::<Vec<_>>(),
            "days": days.len(),
            "first_day": days.first(),
            "last_day": days.last(),
            "bytes": size,
            "rows": { "events": rows("events"), "daily": rows("daily"), "sessions": rows("sessions") },
            "runs": m.runs,
            "sources": m.sources,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
        return Ok(if damage.is_empty() { EXIT_OK } else { EXIT_INPUT_INCOMPLETE });
    }
    if !damage.is_empty() {
        writeln!(
            out,
            "DAMAGED: {} day files differ from the manifest (`knocklog history verify DIR` lists them)",
            damage.len()
        )?;
    }
    let dir = for_terminal(&store.dir.display().to_string());
    match (days.first(), days.last()) {
        (Some(a), Some(b)) => writeln!(out, "{dir}: {} days, {a} .. {b}, {:.1} MB", days.len(), size as f64 / 1e6)?,
        _ => writeln!(out, "{dir}: empty")?,
    }
    writeln!(
        out,
        "rows: {} events, {} daily (day, address), {} sessions",
        rows("events"),
        rows("daily"),
        rows("sessions")
    )?;
    if let Some(last) = m.runs.last() {
        writeln!(out, "runs: {}, last {} (+{} lines, +{} events)", m.runs.len(), last.at, last.lines, last.events)?;
    }
    writeln!(out, "sources: {}", m.sources.len())?;
    let mut sources: Vec<_> = m.sources.iter().collect();
    sources.sort_by(|a, b| a.path.cmp(&b.path));
    for s in sources {
        match (&s.kind, &s.journal_id) {
            // A journal source is counted in entries; a binary one is known by its file id.
            (Some(kind), id) => {
                let id = id.as_ref().map(|id| format!(", file id {id}")).unwrap_or_default();
                writeln!(out, "  {:>9} entries {:>10} bytes  {} ({kind}{id})", s.lines, s.bytes, for_terminal(&s.path))?
            }
            (None, _) => writeln!(out, "  {:>9} lines {:>12} bytes  {}", s.lines, s.bytes, for_terminal(&s.path))?,
        }
    }
    if damage.is_empty() {
        return Ok(EXIT_OK);
    }
    drop(out);
    eprintln!("knocklog: exit 2: the store is damaged (see DAMAGED above)");
    Ok(EXIT_INPUT_INCOMPLETE)
}

/// `history compact DIR --into INTO`: a fleet's servers (or the one `--server` names), or
/// one store under the name `--server` gives it.
fn compact(dir: &std::path::Path, into: &std::path::Path, only: Option<&str>, json: bool) -> anyhow::Result<u8> {
    let servers = match crate::store::fleet::servers(dir)? {
        Some(all) => {
            let chosen: Vec<_> = all.into_iter().filter(|s| only.is_none_or(|name| s.name == name)).collect();
            if chosen.is_empty() {
                let name = for_terminal(only.unwrap_or_default());
                return Err(
                    UsageError(format!("--server {name}: no server=NAME directory of that name in the fleet")).into()
                );
            }
            chosen
        }
        None => {
            let Some(name) = only else {
                return Err(UsageError(format!(
                    "{}: a single store needs --server NAME, its name in the compacted tables",
                    for_terminal(&dir.display().to_string())
                ))
                .into());
            };
            let server = crate::store::fleet::Server { name: name.to_owned(), dir: dir.to_owned() };
            crate::store::fleet::check_name(&server.name).map_err(|e| UsageError(format!("--server: {e}")))?;
            vec![server]
        }
    };
    let done = crate::store::compact::compact(&servers, into)?;
    if json {
        println!("{}", serde_json::to_string(&done)?);
        return Ok(EXIT_OK);
    }
    println!(
        "{}: {} servers, {} month files written ({} already up to date) from {} day files, {} rows; {} month files in all for the stores' {} day files{}.",
        for_terminal(&into.display().to_string()),
        done.servers,
        done.months_written,
        done.months_unchanged,
        done.day_files_read,
        done.rows_written,
        done.month_files,
        done.day_files,
        match done.days_archived {
            0 => String::new(),
            n => format!("; {n} days kept that the stores have pruned"),
        }
    );
    Ok(EXIT_OK)
}
