//! SQL over knocklog's tables with polars SQL: finds the tables of a data directory (a
//! scan's or report's `--out`, or a history store), reads the ones a query names,
//! registers each under its own name, runs the query, and describes the tables when a
//! query goes wrong.
//!
//! Tables are read eagerly with `ParquetReader`, not scanned lazily: polars' lazy
//! Parquet scan needs its streaming engine, which brings an HTTP and cloud-storage
//! stack (reqwest, hyper, rustls, object_store) into a tool that makes no request and
//! adds minutes to a cold build. A query reads only the tables it names.

use std::path::{Path, PathBuf};

use anyhow::Context;
use polars::prelude::*;
use polars::sql::SQLContext;

/// One table found in a data directory.
pub struct Table {
    pub name: String,
    /// Where it was read from (a Parquet file or a hive-partitioned directory).
    pub source: PathBuf,
    /// Its Parquet files, each with the partition keys of its path (none for a file).
    files: Vec<(PathBuf, Vec<(String, String)>)>,
}

/// The tables of `dir`: every `NAME.parquet` directly inside it (a scan's or report's
/// output: events, ips, sessions, usernames, daily, and whatever else is written there),
/// and every subdirectory laid out as a hive-partitioned table (`NAME/day=.../*.parquet`,
/// as a history store holds them). Sorted by name; a name found twice is an error.
/// A fleet's tables are its servers' tables, each file keyed by its `server` too.
pub fn find_tables(dir: &Path) -> anyhow::Result<Vec<Table>> {
    if let Some(servers) = crate::store::fleet::servers(dir)? {
        return fleet_tables(dir, &servers);
    }
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
                Some(stem) if !stem.is_empty() => Some((stem.to_owned(), vec![(path.clone(), Vec::new())])),
                _ => None,
            }
        } else if path.is_dir() {
            hive_files(&path)?.map(|files| (name.clone(), with_partition_keys(&path, files)))
        } else {
            None
        };
        if let Some((name, files)) = table {
            anyhow::ensure!(
                tables.iter().all(|t| t.name != name),
                "{}: table {name:?} is there both as a Parquet file and as a directory",
                dir.display()
            );
            tables.push(Table { name, source: path, files });
        }
    }
    Ok(tables)
}

/// The tables of every server of a fleet as one table each: a server's files carry
/// `server=NAME` first among their partition keys, as if the fleet were one hive layout.
fn fleet_tables(dir: &Path, servers: &[crate::store::fleet::Server]) -> anyhow::Result<Vec<Table>> {
    let mut tables: Vec<Table> = Vec::new();
    for server in servers {
        for table in find_tables(&server.dir)? {
            let key = (crate::store::fleet::KEY.to_owned(), server.name.clone());
            let files = table
                .files
                .into_iter()
                .map(|(path, keys)| (path, std::iter::once(key.clone()).chain(keys).collect::<Vec<_>>()));
            match tables.iter_mut().find(|t| t.name == table.name) {
                Some(t) => t.files.extend(files),
                None => tables.push(Table {
                    source: dir.join(format!("{}=*", crate::store::fleet::KEY)).join(&table.name),
                    name: table.name,
                    files: files.collect(),
                }),
            }
        }
    }
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(tables)
}

/// Each file of a hive-partitioned table with the `key=value` levels of its path.
fn with_partition_keys(dir: &Path, files: Vec<PathBuf>) -> Vec<(PathBuf, Vec<(String, String)>)> {
    files
        .into_iter()
        .map(|f| {
            let rel = f.strip_prefix(dir).unwrap_or(&f);
            let keys = rel
                .components()
                .filter_map(|c| c.as_os_str().to_str())
                .filter_map(|part| part.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            (f, keys)
        })
        .collect()
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

impl Table {
    /// The whole table: every file read and stacked, with columns a file lacks as nulls
    /// (an older day written before a column existed) and the partition keys of each
    /// file's path as columns (`day=2026-01-05` as a date, other keys as text). The
    /// paths are parsed here, not by polars, which would parse hive dates with its CSV
    /// reader, which knocklog does not build.
    pub fn read(&self) -> anyhow::Result<DataFrame> {
        let mut frames = Vec::with_capacity(self.files.len());
        for (path, keys) in &self.files {
            let mut df = crate::store::tables::read_parquet(path)?;
            let height = df.height();
            for (key, value) in keys {
                df.with_column(Column::new_scalar(key.as_str().into(), partition_value(key, value), height))?;
            }
            frames.push(df);
        }
        crate::store::tables::stack_all(frames).with_context(|| format!("reading {}", self.source.display()))
    }

    /// The table's columns and their types, the union over its files' metadata, without
    /// reading any data.
    pub fn schema(&self) -> anyhow::Result<Schema> {
        let mut schema = Schema::default();
        for (path, keys) in &self.files {
            let file = std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
            let arrow = anyhow::Context::with_context(ParquetReader::new(file).schema(), || {
                format!("reading {}", path.display())
            })?;
            let columns = Schema::from_arrow_schema(&arrow);
            let partitions =
                keys.iter().map(|(key, value)| (key.as_str().into(), partition_value(key, value).dtype().clone()));
            for (name, dtype) in columns.iter().map(|(n, d)| (n.clone(), d.clone())).chain(partitions) {
                if !schema.contains(&name) {
                    schema.insert(name, dtype);
                }
            }
        }
        Ok(schema)
    }
}

/// A partition key's value as a column value: `day` as a date, any other key as text.
fn partition_value(key: &str, value: &str) -> Scalar {
    if key == "day" {
        Scalar::new_date(crate::store::tables::parse_day(value))
    } else {
        Scalar::new(DataType::String, AnyValue::StringOwned(value.into()))
    }
}

/// A SQL context holding the tables that `sql` names (a word of the query equal to a
/// table's name, in any case), read in full: the others are never read.
pub fn context_for(tables: &[Table], sql: &str) -> anyhow::Result<SQLContext> {
    let ctx = SQLContext::new();
    let words: Vec<String> =
        sql.split(|c: char| !(c.is_alphanumeric() || c == '_')).map(str::to_ascii_lowercase).collect();
    for t in tables.iter().filter(|t| words.contains(&t.name.to_ascii_lowercase())) {
        ctx.register(&t.name, t.read()?.lazy());
    }
    Ok(ctx)
}

/// Runs `sql` in `ctx`: its errors are the query's, not the data's.
pub fn run(ctx: &mut SQLContext, sql: &str) -> PolarsResult<DataFrame> {
    ctx.execute(sql)?.collect()
}

/// Every table with its columns and types, one table a line: what a user needs to fix
/// a query.
pub fn describe(tables: &[Table]) -> String {
    let mut out = String::new();
    for t in tables {
        let columns = match t.schema() {
            Ok(schema) => schema.iter().map(|(name, dtype)| format!("{name} ({dtype})")).collect::<Vec<_>>().join(", "),
            Err(e) => format!("(unreadable: {e:#})"),
        };
        out.push_str(&format!("  {}: {}\n", t.name, columns));
    }
    out
}
