//! SQL over knocklog's tables with polars SQL: finds the tables of a data directory (a
//! scan's or report's `--out`, or a history store), registers each under its own name,
//! runs a query, and describes the tables when a query goes wrong.

use std::path::{Path, PathBuf};

use anyhow::Context;
use polars::prelude::*;
use polars::sql::SQLContext;

/// One table found in a data directory.
pub struct Table {
    pub name: String,
    pub frame: LazyFrame,
    /// Where it was read from (a Parquet file or a hive-partitioned directory).
    pub source: PathBuf,
}

/// The tables of `dir`: every `NAME.parquet` directly inside it (a scan's or report's
/// output: events, ips, sessions, usernames, daily, and whatever else is written there),
/// and every subdirectory laid out as a hive-partitioned table (`NAME/day=.../*.parquet`,
/// as a history store holds them). Sorted by name; a name found twice is an error.
pub fn find_tables(dir: &Path) -> anyhow::Result<Vec<Table>> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    let mut tables: Vec<Table> = Vec::new();
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else { continue };
        if name.starts_with('.') {
            continue;
        }
        let table = if path.is_file() {
            match name.strip_suffix(".parquet") {
                Some(stem) if !stem.is_empty() => Some((stem.to_owned(), scan_file(&path)?)),
                _ => None,
            }
        } else if path.is_dir() && hive_files(&path)?.is_some() {
            Some((name.clone(), scan_hive(&path)?))
        } else {
            None
        };
        if let Some((name, frame)) = table {
            anyhow::ensure!(
                tables.iter().all(|t| t.name != name),
                "{}: table {name:?} is there both as a Parquet file and as a directory",
                dir.display()
            );
            tables.push(Table { name, frame, source: path });
        }
    }
    Ok(tables)
}

fn scan_file(path: &Path) -> anyhow::Result<LazyFrame> {
    let p = PlRefPath::try_from_path(path)?;
    // Partition keys in the path are added by `scan_hive`, not guessed by polars.
    let args = ScanArgsParquet { hive_options: HiveOptions::new_disabled(), ..Default::default() };
    anyhow::Context::with_context(LazyFrame::scan_parquet(p, args), || format!("reading {}", path.display()))
}

/// The Parquet files of a hive-partitioned table directory (`key=value/` levels, then
/// `*.parquet`), or None when `dir` is not laid out that way.
pub fn hive_files(dir: &Path) -> anyhow::Result<Option<Vec<PathBuf>>> {
    let mut files = Vec::new();
    let mut partitioned = false;
    collect_hive(dir, &mut files, &mut partitioned)?;
    files.sort();
    Ok(partitioned.then_some(files))
}

fn collect_hive(dir: &Path, files: &mut Vec<PathBuf>, partitioned: &mut bool) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if name.starts_with('.') || name.starts_with('_') {
            continue;
        }
        if path.is_dir() && name.contains('=') {
            *partitioned = true;
            collect_hive(&path, files, partitioned)?;
        } else if path.is_file() && name.ends_with(".parquet") {
            files.push(path);
        }
    }
    Ok(())
}

/// A hive-partitioned table: one scan over all its files, with the partition keys of
/// each file's path (`day=2026-01-05` as a date, other keys as text) joined on as
/// columns. The paths are parsed here: polars would parse hive dates with its CSV
/// reader, which knocklog does not build.
fn scan_hive(dir: &Path) -> anyhow::Result<LazyFrame> {
    const FILE: &str = "__knocklog_file";
    let files = hive_files(dir)?.unwrap_or_default();
    if files.is_empty() {
        // A table with no partition yet: an empty frame, so queries still run.
        return Ok(DataFrame::empty().lazy());
    }
    let paths: Vec<PlRefPath> = files.iter().map(|f| PlRefPath::try_from_path(f)).collect::<PolarsResult<_>>()?;
    // Partition values per key, one per file.
    let mut keys: Vec<(String, Vec<Option<String>>)> = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let rel = f.strip_prefix(dir).unwrap_or(f);
        for part in rel.components().filter_map(|c| c.as_os_str().to_str()) {
            let Some((key, value)) = part.split_once('=') else { continue };
            let slot = match keys.iter().position(|(k, _)| k == key) {
                Some(k) => k,
                None => {
                    keys.push((key.to_owned(), vec![None; files.len()]));
                    keys.len() - 1
                }
            };
            keys[slot].1[i] = Some(value.to_owned());
        }
    }
    let mut columns = vec![Column::new(FILE.into(), paths.iter().map(|p| p.as_str().to_owned()).collect::<Vec<_>>())];
    for (key, values) in keys {
        let column = if key == "day" {
            let days: Vec<Option<i32>> =
                values.iter().map(|v| v.as_deref().map(crate::store::tables::parse_day)).collect();
            Int32Chunked::from_iter_options(key.as_str().into(), days.into_iter())
                .into_date()
                .into_series()
                .into_column()
        } else {
            Column::new(key.as_str().into(), values)
        };
        columns.push(column);
    }
    let partitions = DataFrame::new(files.len(), columns)?;
    let args = ScanArgsParquet {
        hive_options: HiveOptions::new_disabled(),
        allow_missing_columns: true,
        include_file_paths: Some(FILE.into()),
        ..Default::default()
    };
    let frame =
        anyhow::Context::with_context(LazyFrame::scan_parquet_files(paths.into_iter().collect(), args), || {
            format!("reading {}", dir.display())
        })?;
    Ok(frame.join(partitions.lazy(), [col(FILE)], [col(FILE)], JoinArgs::new(JoinType::Left)).drop(by_name(
        [FILE],
        true,
        false,
    )))
}

/// Runs `sql` over `tables`.
pub fn run(tables: &[Table], sql: &str) -> PolarsResult<DataFrame> {
    let mut ctx = SQLContext::new();
    for t in tables {
        ctx.register(&t.name, t.frame.clone());
    }
    ctx.execute(sql)?.collect()
}

/// Every table with its columns and types, one table a line: what a user needs to fix
/// a query.
pub fn describe(tables: &[Table]) -> String {
    let mut out = String::new();
    for t in tables {
        let columns = match t.frame.clone().collect_schema() {
            Ok(schema) => schema.iter().map(|(name, dtype)| format!("{name} ({dtype})")).collect::<Vec<_>>().join(", "),
            Err(e) => format!("(unreadable: {e})"),
        };
        out.push_str(&format!("  {}: {}\n", t.name, columns));
    }
    out
}
