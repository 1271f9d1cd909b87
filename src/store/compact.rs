//! `knocklog history compact`: the day files of a store or a fleet rewritten as one file
//! per table, server and month (`INTO/TABLE/server=NAME/month=YYYY-MM/data.parquet`,
//! each row with its `day`), the layout DuckDB, Spark or Trino scan a fleet's years in
//! without opening millions of small files.
//!
//! Incremental: `INTO/compact.json` records, per month file, the day files it was made
//! from (the run that wrote each and its size), and only a month with a new or changed
//! day is rewritten. An archive: a month keeps the days its store has pruned since.
//! Each month file is replaced atomically (written under a temporary name, synced,
//! renamed), and compact.json is written last, so a run killed half-way leaves files a
//! reader can use and a next run that redoes what was not recorded.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::Context;
use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::fleet::{Server, KEY};
use super::tables::{parse_day, read_day, read_parquet, stack_all, write_parquet};
use super::{Store, DAY_FILE};

/// The record of what was compacted, in `INTO/compact.json`.
pub const LEDGER: &str = "compact.json";
const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Default, Serialize, Deserialize)]
struct Ledger {
    format: u32,
    /// table -> server -> month (YYYY-MM) -> file.
    tables: BTreeMap<String, BTreeMap<String, BTreeMap<String, MonthFile>>>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct MonthFile {
    rows: u64,
    bytes: u64,
    /// Each day it holds, with the store's day file it came from.
    days: BTreeMap<String, DaySource>,
}

/// A store's day file as its manifest gives it: the run that wrote it and its size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct DaySource {
    run: u64,
    bytes: u64,
}

/// What a compaction did.
#[derive(Debug, Default, PartialEq, Eq, Serialize)]
pub struct Compacted {
    pub servers: usize,
    /// Month files written, and the ones already up to date.
    pub months_written: u64,
    pub months_unchanged: u64,
    /// Day files read from the stores.
    pub day_files_read: u64,
    /// Days the compacted tables keep that their store no longer holds (pruned there).
    pub days_archived: u64,
    pub rows_written: u64,
    /// Month files in the compacted layout after the run, and day files in the stores.
    pub month_files: u64,
    pub day_files: u64,
}

/// Compacts every server's store into `into`.
pub fn compact(servers: &[Server], into: &Path) -> anyhow::Result<Compacted> {
    prepare(into, servers)?;
    // Two compactions never interleave.
    let _lock = super::lock_dir(into)?;
    let ledger_path = into.join(LEDGER);
    let mut ledger: Ledger = match std::fs::read(&ledger_path) {
        Ok(bytes) => serde_json::from_slice(&bytes).with_context(|| format!("{}: damaged", ledger_path.display()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ledger { format: FORMAT_VERSION, ..Default::default() },
        Err(e) => return Err(e).with_context(|| format!("reading {}", ledger_path.display())),
    };
    anyhow::ensure!(ledger.format <= FORMAT_VERSION, "{}: written by a newer knocklog", ledger_path.display());
    let mut done = Compacted { servers: servers.len(), ..Default::default() };
    for server in servers {
        let store = Store::open(&server.dir, false)?;
        store.ensure_whole()?;
        for (table, days) in &store.manifest.tables {
            done.day_files += days.len() as u64;
            for (month, sources) in by_month(days) {
                let recorded = ledger.tables.get(table).and_then(|s| s.get(&server.name)).and_then(|m| m.get(&month));
                if recorded.is_some_and(|r| sources.iter().all(|(day, s)| r.days.get(day) == Some(s))) {
                    done.months_unchanged += 1;
                    continue;
                }
                let path = month_path(into, table, &server.name, &month)?;
                let file = write_month(&store, table, &path, &sources, recorded, &mut done)
                    .with_context(|| format!("compacting {} {table} {month}", server.name))?;
                ledger
                    .tables
                    .entry(table.clone())
                    .or_default()
                    .entry(server.name.clone())
                    .or_default()
                    .insert(month, file);
                done.months_written += 1;
            }
        }
        done.days_archived += pruned_days_kept(&ledger, &store, &server.name);
    }
    done.month_files = ledger.tables.values().flat_map(|s| s.values()).map(|m| m.len() as u64).sum();
    let json = serde_json::to_vec_pretty(&ledger).context("encoding compact.json")?;
    crate::vocab::files::write_durable(&ledger_path, &json)?;
    super::sync_dir(into)?;
    Ok(done)
}

/// A store table's days grouped by month, each day with its source.
fn by_month(days: &BTreeMap<String, super::DayFile>) -> BTreeMap<String, BTreeMap<String, DaySource>> {
    let mut months: BTreeMap<String, BTreeMap<String, DaySource>> = BTreeMap::new();
    for (day, file) in days {
        let Some(month) = day.get(..7) else { continue };
        months.entry(month.to_owned()).or_default().insert(day.clone(), DaySource { run: file.run, bytes: file.bytes });
    }
    months
}

/// Days the compacted tables of `server` hold that its store no longer does.
fn pruned_days_kept(ledger: &Ledger, store: &Store, server: &str) -> u64 {
    let mut kept = 0;
    for (table, servers) in &ledger.tables {
        let held = store.manifest.tables.get(table);
        for month in servers.get(server).into_iter().flat_map(|m| m.values()) {
            kept += month.days.keys().filter(|d| !held.is_some_and(|h| h.contains_key(*d))).count() as u64;
        }
    }
    kept
}

/// Writes one month file: the store's days of the month, and the days an earlier
/// compaction put there that the store holds no longer, in day order.
fn write_month(
    store: &Store,
    table: &str,
    path: &Path,
    sources: &BTreeMap<String, DaySource>,
    recorded: Option<&MonthFile>,
    done: &mut Compacted,
) -> anyhow::Result<MonthFile> {
    let mut frames = Vec::with_capacity(sources.len() + 1);
    let mut days = sources.clone();
    if let Some(recorded) = recorded.filter(|_| path.is_file()) {
        let archived: BTreeSet<&String> = recorded.days.keys().filter(|d| !sources.contains_key(*d)).collect();
        if !archived.is_empty() {
            let old = read_parquet(path)?;
            let keep: BTreeSet<i32> = archived.iter().map(|d| parse_day(d)).collect();
            let day = old.column("day")?.as_materialized_series().to_physical_repr().into_owned();
            let mask: BooleanChunked = day.i32()?.iter().map(|d| Some(d.is_some_and(|d| keep.contains(&d)))).collect();
            frames.push(old.filter(&mask)?);
            for day in archived {
                days.insert(day.clone(), recorded.days[day]);
            }
        }
    }
    for day in sources.keys() {
        let Some(mut df) = read_day(&store.dir, &store.manifest, table, day)? else { continue };
        let height = df.height();
        df.with_column(Column::new_scalar("day".into(), Scalar::new_date(parse_day(day)), height))?;
        frames.push(df);
        done.day_files_read += 1;
    }
    let mut month = stack_all(frames)?;
    month.sort_in_place(["day"], SortMultipleOptions::default().with_maintain_order(true))?;
    let rows = month.height() as u64;
    let bytes = write_parquet(path, &mut month)?;
    done.rows_written += rows;
    Ok(MonthFile { rows, bytes, days })
}

/// `INTO/TABLE/server=NAME/month=YYYY-MM/data.parquet`, its directories made as real
/// directories (an existing one that is a symlink is refused: root would write
/// through it).
fn month_path(into: &Path, table: &str, server: &str, month: &str) -> anyhow::Result<PathBuf> {
    let mut dir = into.to_path_buf();
    for level in [table.to_owned(), format!("{KEY}={server}"), format!("month={month}")] {
        dir.push(level);
        real_dir(&dir)?;
    }
    Ok(dir.join(DAY_FILE))
}

fn real_dir(dir: &Path) -> anyhow::Result<()> {
    match std::fs::symlink_metadata(dir) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => anyhow::bail!("{}: not a directory (a symlink or file is never written through)", dir.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir(dir).with_context(|| format!("creating {}", dir.display()))
        }
        Err(e) => Err(e).with_context(|| format!("reading {}", dir.display())),
    }
}

/// Makes `into`, refusing one that is a symlink, a store, a scan's output or a fleet
/// itself, or that lies inside a store being compacted.
fn prepare(into: &Path, servers: &[Server]) -> anyhow::Result<()> {
    real_dir(into).with_context(|| format!("--into {}", into.display()))?;
    anyhow::ensure!(
        !into.join(super::MANIFEST).exists(),
        "--into {}: holds a manifest.json (a history store or a scan's output); give a directory of its own",
        into.display()
    );
    anyhow::ensure!(
        super::fleet::servers(into).ok().flatten().is_none(),
        "--into {}: is a fleet of stores; give a directory of its own",
        into.display()
    );
    let into = into.canonicalize().with_context(|| format!("resolving {}", into.display()))?;
    for server in servers {
        let store = server.dir.canonicalize().with_context(|| format!("resolving {}", server.dir.display()))?;
        anyhow::ensure!(
            !into.starts_with(&store),
            "--into {}: inside the store {}, which would then hold other files than its own",
            into.display(),
            store.display()
        );
    }
    Ok(())
}
