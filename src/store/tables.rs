//! The store's day partitions: `daily` (per day and address, over every line),
//! `events` (the suspicious lines) and `sessions` (bursts, filed under the day they
//! start). A run merges its rows into the days it touches: counts are added, events
//! appended, and sessions within the gap of a new one are merged with it, so a day
//! read in several runs holds what one run over all its lines would have. Day files
//! an older knocklog wrote are read in today's column names and types (`upgrade`).

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::Path;

use anyhow::Context;
use polars::prelude::*;

use super::{Manifest, Store};
use crate::aggregate::history_lines::{DayLines, RequestRow};
use crate::aggregate::sessions::{self, Session};
use crate::output::columns;
use crate::output::parquet_out::{to_column, to_dataframe};
use crate::output::table::{BatchBuilder, Values};
use crate::output::tables::{category_names, events_batch};
use crate::vocab::event::Category;
use crate::vocab::event::{Event, LogKind};
use crate::vocab::time::{day_of, format_day};

/// One address on one day, over every line that named it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DayIp {
    pub events: u64,
    pub by_kind: [u64; 4],
    /// Suspicious lines that count against the address.
    pub suspicious: u64,
    /// Suspicious lines per category (weak signals included, as in `ips`).
    pub by_category: [u64; Category::ALL.len()],
    pub first: Option<i64>,
    pub last: Option<i64>,
    /// (HTTP status, lines), sorted by status: a few per address, so a sorted vector
    /// (a B-tree map cost a node per row of a day's hundreds of thousands).
    pub statuses: Vec<(u16, u64)>,
}

impl DayIp {
    /// Counts an event at `ts` (its time).
    pub fn record(&mut self, e: &Event, ts: i64) {
        self.add_lines(e.log_kind, e.status, DayLines { lines: 1, first: ts, last: ts });
        if e.category.is_suspicious() {
            self.by_category[e.category.index()] += 1;
            self.suspicious += u64::from(e.counts);
        }
    }

    /// Adds `lines` lines of one kind and status (their suspicious share is counted apart).
    pub fn add_lines(&mut self, kind: LogKind, status: u16, lines: DayLines) {
        self.events += lines.lines;
        self.by_kind[kind.index()] += lines.lines;
        self.first = min_opt(self.first, Some(lines.first));
        self.last = max_opt(self.last, Some(lines.last));
        if status != 0 {
            self.add_status(status, lines.lines);
        }
    }

    fn add_status(&mut self, status: u16, lines: u64) {
        match self.statuses.binary_search_by_key(&status, |s| s.0) {
            Ok(i) => self.statuses[i].1 += lines,
            Err(i) => self.statuses.insert(i, (status, lines)),
        }
    }

    pub fn add(&mut self, o: &DayIp) {
        self.events += o.events;
        for (a, b) in self.by_kind.iter_mut().zip(o.by_kind) {
            *a += b;
        }
        self.suspicious += o.suspicious;
        for (a, b) in self.by_category.iter_mut().zip(o.by_category) {
            *a += b;
        }
        self.first = min_opt(self.first, o.first);
        self.last = max_opt(self.last, o.last);
        for &(status, n) in &o.statuses {
            self.add_status(status, n);
        }
    }
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    a.into_iter().chain(b).min()
}

fn max_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    a.into_iter().chain(b).max()
}

fn suspicious_categories() -> impl Iterator<Item = Category> {
    Category::ALL.into_iter().filter(|c| c.is_suspicious())
}

/// Reads one day file of `table`, if the manifest has it.
pub fn read_day(dir: &Path, m: &Manifest, table: &str, day: &str) -> anyhow::Result<Option<DataFrame>> {
    if !holds_day(m, table, day) {
        return Ok(None);
    }
    read_parquet(&dir.join(Store::day_path(table, day))).map(Some)
}

/// True when the manifest has a file of `table` for `day`.
fn holds_day(m: &Manifest, table: &str, day: &str) -> bool {
    m.tables.get(table).is_some_and(|t| t.contains_key(day))
}

/// Reads `columns` of one day file of `table`, if the manifest has it: the others are
/// not decoded (a busy site's `daily` day is hundreds of thousands of rows of 25
/// columns, and decoding them all was half of a `--history` scan's read-back). A
/// column an older file lacks is left out; its counts are zero.
pub fn read_day_columns(
    dir: &Path,
    m: &Manifest,
    table: &str,
    day: &str,
    columns: &[&str],
) -> anyhow::Result<Option<DataFrame>> {
    if !holds_day(m, table, day) {
        return Ok(None);
    }
    let path = dir.join(Store::day_path(table, day));
    let read = || {
        let file = File::open(&path).with_context(|| format!("opening {}", path.display()))?;
        let mut reader = ParquetReader::new(file);
        let schema = reader.schema()?;
        let present = columns.iter().filter(|c| schema.contains(c)).map(|c| c.to_string()).collect();
        anyhow::Ok(reader.with_columns(Some(present)).finish()?)
    };
    read().with_context(|| format!("reading {}", path.display())).map(Some)
}

/// Reads a Parquet table (a day file, or a table of `--out`), in today's column names
/// and types.
pub fn read_parquet(path: &Path) -> anyhow::Result<DataFrame> {
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let df =
        anyhow::Context::with_context(ParquetReader::new(file).finish(), || format!("reading {}", path.display()))?;
    upgrade(df).with_context(|| format!("reading {}", path.display()))
}

/// Columns renamed since they were first written: (old name, new name).
const RENAMED: [(&str, &str); 2] = [("counts", "counts_against_address"), ("days_active", "active_day_count")];

/// A table an older knocklog wrote, in today's names and types: renamed columns get
/// their new name, and the lists it wrote as text (`value:count;...` with `;` and `\`
/// escaped, `a;b`, `YYYY-MM-DD;...`) become the list columns written today. A table
/// already in today's shape is returned as it is.
pub fn upgrade(mut df: DataFrame) -> anyhow::Result<DataFrame> {
    for (old, new) in RENAMED {
        if df.schema().contains(old) && !df.schema().contains(new) {
            df.rename(old, new.into())?;
        }
    }
    for name in ["statuses", "usernames", "paths", "user_agents", "active_days", "categories"] {
        if df.schema().get(name) != Some(&DataType::String) {
            continue;
        }
        let cells = texts(&df, name)?;
        let cells = cells.iter().map(|c| c.as_deref().unwrap_or_default());
        let values = match name {
            "statuses" => Values::IntCounts(
                cells.map(|s| old_counted(s).filter_map(|(v, n)| Some((v.parse().ok()?, n as i64)))).collect(),
            ),
            "active_days" => {
                Values::Dates(cells.map(|s| s.split(';').filter(|d| !d.is_empty()).map(parse_day)).collect())
            }
            "categories" => Values::Categories(
                cells.map(|s| s.split(';').filter_map(Category::from_name).map(Category::as_str)).collect(),
            ),
            _ => {
                let rows: Vec<Vec<(String, u64)>> = cells.map(|s| old_counted(s).collect()).collect();
                Values::TextCounts(rows.iter().map(|r| r.iter().map(|(t, n)| (t.as_str(), *n))).collect())
            }
        };
        df.replace(name, to_column(&crate::output::table::Column { name, values })?)?;
    }
    Ok(df)
}

/// The items of an old `value:count;...` cell (`;` and `\` inside values escaped by
/// `\`; the count after the last `:`).
fn old_counted(cell: &str) -> impl Iterator<Item = (String, u64)> + '_ {
    let mut items = Vec::new();
    let mut item = String::new();
    let mut chars = cell.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => item.extend(chars.next()),
            ';' => items.push(std::mem::take(&mut item)),
            c => item.push(c),
        }
    }
    items.push(item);
    items.into_iter().filter_map(|item| {
        let (value, count) = item.rsplit_once(':')?;
        Some((value.to_owned(), count.parse().ok()?))
    })
}

/// Writes `df` to `path` (creating its directory) and syncs it; returns its size. The
/// file is written under a new temporary name and renamed to `path`, so a file or
/// symlink planted at `path` is replaced, never written through.
pub fn write_parquet(path: &Path, df: &mut DataFrame) -> anyhow::Result<u64> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    let (mut file, pending) = crate::vocab::files::PendingFile::create(path)?;
    let written = ParquetWriter::new(&mut file).with_compression(ParquetCompression::Zstd(None)).finish(df);
    anyhow::Context::with_context(written, || format!("writing {}", path.display()))?;
    file.sync_all().with_context(|| format!("syncing {}", path.display()))?;
    let bytes = file.metadata().with_context(|| format!("reading the size of {}", path.display()))?.len();
    drop(file);
    pending.commit()?;
    Ok(bytes)
}

pub fn ints(df: &DataFrame, name: &str) -> anyhow::Result<Vec<Option<i64>>> {
    let s = df.column(name)?.as_materialized_series().to_physical_repr().cast(&DataType::Int64)?;
    Ok(s.i64()?.iter().collect())
}

pub fn texts(df: &DataFrame, name: &str) -> anyhow::Result<Vec<Option<String>>> {
    let s = df.column(name)?.as_materialized_series().cast(&DataType::String)?;
    Ok(s.str()?.iter().map(|v| v.map(str::to_owned)).collect())
}

/// The (value, count) items of each row of a list-of-structs column of integers.
fn int_counts(df: &DataFrame, name: &str) -> anyhow::Result<Vec<Vec<(i64, i64)>>> {
    let lists = df.column(name)?.as_materialized_series().list()?;
    let mut rows = Vec::with_capacity(lists.len());
    for row in lists.series_iter() {
        let Some(items) = row else {
            rows.push(Vec::new());
            continue;
        };
        let items = items.struct_()?;
        let value = items.field_by_name("value")?.cast(&DataType::Int64)?;
        let count = items.field_by_name("count")?.cast(&DataType::Int64)?;
        rows.push(value.i64()?.iter().zip(count.i64()?.iter()).filter_map(|(v, n)| Some((v?, n?))).collect());
    }
    Ok(rows)
}

/// The names in each row of a list-of-text (or categorical) column.
fn names(df: &DataFrame, name: &str) -> anyhow::Result<Vec<Vec<String>>> {
    let lists = df.column(name)?.as_materialized_series().list()?;
    let mut rows = Vec::with_capacity(lists.len());
    for row in lists.series_iter() {
        let items = match row {
            Some(items) => items.cast(&DataType::String)?.str()?.iter().flatten().map(str::to_owned).collect(),
            None => Vec::new(),
        };
        rows.push(items);
    }
    Ok(rows)
}

/// The `daily` rows of a day file, by address.
pub fn daily_rows(df: &DataFrame) -> anyhow::Result<BTreeMap<String, DayIp>> {
    let ip = texts(df, "ip")?;
    let count = |name: &str| ints(df, name);
    let events = count("events")?;
    let suspicious = count("suspicious_events")?;
    let kinds: Vec<Vec<Option<i64>>> =
        LogKind::ALL.iter().map(|k| count(&format!("{}_events", k.as_str()))).collect::<anyhow::Result<_>>()?;
    let cats: Vec<(Category, Vec<Option<i64>>)> =
        suspicious_categories().map(|c| Ok((c, count(c.as_str())?))).collect::<anyhow::Result<_>>()?;
    let first = ints(df, "first_seen")?;
    let last = ints(df, "last_seen")?;
    let statuses = int_counts(df, "statuses")?;
    let mut rows = BTreeMap::new();
    for i in 0..df.height() {
        let n = |v: &Vec<Option<i64>>| v[i].unwrap_or(0) as u64;
        let mut d = DayIp {
            events: n(&events),
            suspicious: n(&suspicious),
            first: first[i],
            last: last[i],
            ..Default::default()
        };
        for (k, v) in LogKind::ALL.iter().zip(&kinds) {
            d.by_kind[k.index()] = n(v);
        }
        for (c, v) in &cats {
            d.by_category[c.index()] = n(v);
        }
        for &(code, count) in &statuses[i] {
            if let (Ok(code), Ok(count)) = (u16::try_from(code), u64::try_from(count)) {
                d.add_status(code, count);
            }
        }
        rows.insert(ip[i].clone().unwrap_or_default(), d);
    }
    Ok(rows)
}

/// The columns of a `daily` day file that say how suspicious each address was.
pub fn suspicion_columns() -> Vec<&'static str> {
    ["ip", "suspicious_events"].into_iter().chain(suspicious_categories().map(Category::as_str)).collect()
}

/// The rows of `df` (`suspicion_columns` of a `daily` day) in file order, with only
/// their suspicious counts: `suspicious` and `by_category`.
pub fn suspicion_rows(df: &DataFrame) -> anyhow::Result<Vec<(String, DayIp)>> {
    let ip = texts(df, "ip")?;
    let count = |name: &str| -> anyhow::Result<Vec<Option<i64>>> {
        if df.schema().contains(name) {
            ints(df, name)
        } else {
            Ok(vec![None; df.height()])
        }
    };
    let suspicious = count("suspicious_events")?;
    let cats: Vec<(Category, Vec<Option<i64>>)> =
        suspicious_categories().map(|c| Ok((c, count(c.as_str())?))).collect::<anyhow::Result<_>>()?;
    let n = |v: Option<i64>| u64::try_from(v.unwrap_or(0)).unwrap_or(0);
    let rows = (0..df.height()).map(|i| {
        let mut d = DayIp { suspicious: n(suspicious[i]), ..Default::default() };
        for (c, v) in &cats {
            d.by_category[c.index()] = n(v[i]);
        }
        (ip[i].clone().unwrap_or_default(), d)
    });
    Ok(rows.collect())
}

/// A `daily` day file built column by column, a row per address in address order: a
/// busy site's day has hundreds of thousands of rows, and going through a batch of
/// optional cells cost more than encoding the file.
struct DailyColumns {
    ip: StringChunkedBuilder,
    events: Vec<i64>,
    suspicious: Vec<i64>,
    by_kind: [Vec<i64>; LogKind::ALL.len()],
    /// One column per suspicious category, in `suspicious_categories` order.
    by_category: Vec<Vec<i64>>,
    first: Vec<Option<i64>>,
    last: Vec<Option<i64>>,
    status_values: Vec<i64>,
    status_counts: Vec<i64>,
    /// Where each row's statuses end in the two above.
    status_ends: Vec<usize>,
}

impl DailyColumns {
    fn with_capacity(rows: usize) -> Self {
        let column = || Vec::with_capacity(rows);
        DailyColumns {
            ip: StringChunkedBuilder::new("ip".into(), rows),
            events: column(),
            suspicious: column(),
            by_kind: std::array::from_fn(|_| column()),
            by_category: suspicious_categories().map(|_| column()).collect(),
            first: Vec::with_capacity(rows),
            last: Vec::with_capacity(rows),
            status_values: column(),
            status_counts: column(),
            status_ends: Vec::with_capacity(rows),
        }
    }

    fn push(&mut self, ip: &str, d: &DayIp) {
        self.ip.append_value(ip);
        self.events.push(d.events as i64);
        self.suspicious.push(d.suspicious as i64);
        for (column, k) in self.by_kind.iter_mut().zip(LogKind::ALL) {
            column.push(d.by_kind[k.index()] as i64);
        }
        for (column, c) in self.by_category.iter_mut().zip(suspicious_categories()) {
            column.push(d.by_category[c.index()] as i64);
        }
        self.first.push(d.first);
        self.last.push(d.last);
        for &(status, n) in &d.statuses {
            self.status_values.push(i64::from(status));
            self.status_counts.push(n as i64);
        }
        self.status_ends.push(self.status_values.len());
    }

    fn finish(self) -> anyhow::Result<DataFrame> {
        let height = self.events.len();
        let int = |name: &'static str, v: Vec<i64>| Int64Chunked::from_vec(name.into(), v).into_column();
        let time = |name: &'static str, v: Vec<Option<i64>>| {
            Int64Chunked::from_iter_options(name.into(), v.into_iter())
                .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
                .into_column()
        };
        let mut out =
            vec![self.ip.finish().into_column(), int("events", self.events), int("suspicious_events", self.suspicious)];
        out.extend(LogKind::ALL.into_iter().zip(self.by_kind).map(|(k, v)| int(columns::kind_column(k), v)));
        out.extend(suspicious_categories().zip(self.by_category).map(|(c, v)| int(c.as_str(), v)));
        out.push(time("first_seen", self.first));
        out.push(time("last_seen", self.last));
        let statuses = crate::output::parquet_out::int_counts(
            "statuses".into(),
            self.status_values,
            self.status_counts,
            &self.status_ends,
        )?;
        out.push(statuses.into_column());
        // The columns as declared, whatever is added to either side later.
        let declared = columns::STORE_DAILY.iter().map(|doc| (doc.name, doc.kind.dtype()));
        anyhow::ensure!(
            out.iter().map(|c| (c.name().as_str(), c.dtype().clone())).eq(declared),
            "the daily columns built differ from their declaration"
        );
        Ok(DataFrame::new(height, out)?)
    }
}

/// A day's `daily` file after a run: the stored rows (if any) plus the new counts
/// (`new` in address order, as the file is written; `new_at_most` of them).
pub fn merge_daily<'a>(
    old: Option<DataFrame>,
    new: impl Iterator<Item = (&'a str, DayIp)>,
    new_at_most: usize,
) -> anyhow::Result<DataFrame> {
    let old = old.map(|df| daily_rows(&df)).transpose()?.unwrap_or_default();
    // Capacity beyond the rows made costs address space only: no page is touched.
    let mut columns = DailyColumns::with_capacity(new_at_most + old.len());
    let stored = old.iter().map(|(ip, d)| (ip.as_str(), d.clone()));
    // The new names borrowed for as short as the stored ones: one item type for both.
    let new = new.map(|(ip, d)| (ip as &str, d));
    for (ip, d) in sum_in_address_order(new, stored) {
        columns.push(ip, &d);
    }
    columns.finish()
}

/// Two runs of day counts in address order as one, an address in both added up.
pub fn sum_in_address_order<'a>(
    a: impl Iterator<Item = (&'a str, DayIp)>,
    b: impl Iterator<Item = (&'a str, DayIp)>,
) -> impl Iterator<Item = (&'a str, DayIp)> {
    use std::cmp::Ordering;
    let (mut a, mut b) = (a.peekable(), b.peekable());
    std::iter::from_fn(move || {
        let order = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => x.0.cmp(y.0),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => return None,
        };
        match order {
            Ordering::Less => a.next(),
            Ordering::Greater => b.next(),
            Ordering::Equal => {
                let (ip, mut d) = a.next()?;
                d.add(&b.next()?.1);
                Some((ip, d))
            }
        }
    })
}

/// Stacks `new` under `old`, adding columns either lacks as nulls (a newer knocklog
/// may add event columns) and casting old columns to the new types.
fn stack(old: DataFrame, new: DataFrame) -> anyhow::Result<DataFrame> {
    let height = old.height();
    let mut columns = Vec::with_capacity(new.width());
    for c in new.columns() {
        let col = match old.column(c.name()) {
            Ok(o) => o.cast(c.dtype())?,
            Err(_) => Column::full_null(c.name().clone(), height, c.dtype()),
        };
        columns.push(col);
    }
    let mut old_aligned = DataFrame::new(height, columns)?;
    old_aligned.vstack_mut(&new)?;
    Ok(old_aligned)
}

/// Frames stacked into one, in order; a column missing from some frames is null there.
pub fn stack_all(frames: Vec<DataFrame>) -> anyhow::Result<DataFrame> {
    let mut schema = Schema::default();
    for df in &frames {
        for column in df.columns() {
            if !schema.contains(column.name()) {
                schema.insert(column.name().clone(), column.dtype().clone());
            }
        }
    }
    let names: Vec<PlSmallStr> = schema.iter_names().cloned().collect();
    let mut all = DataFrame::empty();
    for mut df in frames {
        for (name, dtype) in schema.iter() {
            if !df.schema().contains(name) {
                df.with_column(Column::full_null(name.clone(), df.height(), dtype))?;
            }
        }
        all.vstack_mut(&df.select(names.iter().cloned())?)?;
    }
    all.rechunk_mut();
    Ok(all)
}

/// A day's `events` file after a run: old and new events, in time order.
pub fn merge_events(
    old: Option<DataFrame>,
    mut events: Vec<Event>,
    source_files: &[String],
    rules: &[(String, Category)],
) -> anyhow::Result<DataFrame> {
    events.sort_by_key(|e| e.ts);
    let new = to_dataframe(&events_batch(&events, source_files, rules))?;
    stack_in_time_order(old, new)
}

/// `new` (in time order) under the stored rows of its day, all in time order, ties in
/// that order. A new day is not sorted again: polars' stable sort of a frame was a
/// twentieth of a busy site's first `--history` run.
fn stack_in_time_order(old: Option<DataFrame>, new: DataFrame) -> anyhow::Result<DataFrame> {
    match old {
        Some(old) => Ok(stack(old, new)?.sort(["ts"], SortMultipleOptions::default().with_maintain_order(true))?),
        None => Ok(new),
    }
}

/// A day's `requests` file after a run: old and new rows (`rows` sorted by
/// `RequestRow::sort`), in time order.
pub fn merge_requests(old: Option<DataFrame>, rows: &[RequestRow]) -> anyhow::Result<DataFrame> {
    let batch = BatchBuilder::of(&columns::STORE_REQUESTS)
        .timestamp("ts", rows.iter().map(|r| Some(r.ts)))
        .text("ip", rows.iter().map(|r| Some(r.ip.as_str())))
        .text("method", rows.iter().map(|r| Some(r.method.as_str())))
        .text("path", rows.iter().map(|r| Some(r.path.as_str())))
        .int("status", rows.iter().map(|r| Some(i64::from(r.status))))
        .build();
    stack_in_time_order(old, to_dataframe(&batch)?)
}

/// The rows of a `requests` day file (`file` is not stored: 0).
pub fn request_rows(df: &DataFrame) -> anyhow::Result<Vec<RequestRow>> {
    let (ts, ip, method, path, status) =
        (ints(df, "ts")?, texts(df, "ip")?, texts(df, "method")?, texts(df, "path")?, ints(df, "status")?);
    Ok((0..df.height())
        .filter_map(|i| {
            Some(RequestRow {
                file: 0,
                ts: ts[i]?,
                ip: ip[i].clone()?,
                method: method[i].clone().unwrap_or_default(),
                path: path[i].clone().unwrap_or_default(),
                status: u16::try_from(status[i].unwrap_or(0)).unwrap_or(0),
            })
        })
        .collect())
}

/// A session as stored, with its address.
struct StoredSession {
    ip: String,
    s: Session,
}

fn session_rows(df: &DataFrame) -> anyhow::Result<Vec<StoredSession>> {
    let ip = texts(df, "ip")?;
    let start = ints(df, "start")?;
    let end = ints(df, "end")?;
    let events = ints(df, "events")?;
    let cats = names(df, "categories")?;
    Ok((0..df.height())
        .map(|i| {
            let mask = cats[i].iter().filter_map(|c| Category::from_name(c)).fold(0u16, |m, c| m | 1 << c.index());
            let s = Session {
                start: start[i].unwrap_or(0),
                end: end[i].unwrap_or(0),
                events: events[i].unwrap_or(0) as u64,
                categories: mask,
            };
            StoredSession { ip: ip[i].clone().unwrap_or_default(), s }
        })
        .collect())
}

fn sessions_frame(rows: &[StoredSession]) -> anyhow::Result<DataFrame> {
    let batch = BatchBuilder::of(&columns::SESSIONS)
        .text("ip", rows.iter().map(|r| Some(r.ip.clone())))
        .timestamp("start", rows.iter().map(|r| Some(r.s.start)))
        .timestamp("end", rows.iter().map(|r| Some(r.s.end)))
        .int("duration_s", rows.iter().map(|r| Some((r.s.end - r.s.start) / 1_000_000)))
        .int("events", rows.iter().map(|r| Some(r.s.events as i64)))
        .categories("categories", rows.iter().map(|r| category_names(r.s.categories)))
        .build();
    Ok(to_dataframe(&batch)?)
}

/// Merges a run's sessions into the stored ones: a stored session that comes within
/// `gap` of a new one of the same address is taken out of its day and merged (sessions
/// only ever grow together). Returns the rewritten day files.
pub fn merge_sessions(
    dir: &Path,
    m: &Manifest,
    mut new: BTreeMap<String, Vec<Session>>,
    gap: i64,
) -> anyhow::Result<Vec<(i32, DataFrame)>> {
    let near = |list: &[Session], s: &Session| {
        list.iter().any(|n| s.start <= n.end.saturating_add(gap) && n.start <= s.end.saturating_add(gap))
    };
    // Stored days and their rows, kept only for days that change.
    let mut days: BTreeMap<i32, Vec<StoredSession>> = BTreeMap::new();
    let mut dirty: BTreeSet<i32> = BTreeSet::new();
    for day_text in m.tables.get("sessions").map(|t| t.keys().cloned().collect::<Vec<_>>()).unwrap_or_default() {
        let df = read_parquet(&dir.join(Store::day_path("sessions", &day_text)))?;
        let rows = session_rows(&df)?;
        let mut kept = Vec::with_capacity(rows.len());
        let mut changed = false;
        for r in rows {
            match new.get_mut(&r.ip) {
                Some(list) if near(list, &r.s) => {
                    sessions::insert(list, r.s, gap);
                    changed = true;
                }
                _ => kept.push(r),
            }
        }
        if changed {
            let day = parse_day(&day_text);
            dirty.insert(day);
            days.insert(day, kept);
        }
    }
    for (ip, list) in new {
        for s in list {
            let day = day_of(s.start);
            let rows = match days.entry(day) {
                std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::btree_map::Entry::Vacant(e) => {
                    let old = read_day(dir, m, "sessions", &format_day(day))?;
                    e.insert(old.map(|df| session_rows(&df)).transpose()?.unwrap_or_default())
                }
            };
            dirty.insert(day);
            rows.push(StoredSession { ip: ip.clone(), s });
        }
    }
    let mut out = Vec::new();
    for day in dirty {
        let mut rows = days.remove(&day).unwrap_or_default();
        rows.sort_by(|a, b| a.s.start.cmp(&b.s.start).then_with(|| a.ip.cmp(&b.ip)));
        out.push((day, sessions_frame(&rows)?));
    }
    Ok(out)
}

/// Day number of `YYYY-MM-DD`.
pub fn parse_day(text: &str) -> i32 {
    crate::vocab::time::parse_when(text, 0).map(day_of).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(lines: &[(u16, u64)], first: i64) -> DayIp {
        let mut d = DayIp::default();
        for &(status, n) in lines {
            d.add_lines(LogKind::Access, status, DayLines { lines: n, first, last: first + 1 });
        }
        d
    }

    /// A day read again: the stored rows and the new ones interleave in address order,
    /// an address in both is summed (statuses by code), and every column is declared.
    #[test]
    fn a_day_merges_its_stored_rows_in_address_order() {
        let stored = merge_daily(None, [("10.0.0.2", day(&[(200, 2), (404, 1)], 50))].into_iter(), 1).unwrap();
        let new = [("10.0.0.1", day(&[(200, 1)], 10)), ("10.0.0.2", day(&[(404, 3), (301, 1)], 20))];
        let merged = merge_daily(Some(stored), new.into_iter(), 2).unwrap();
        let rows: Vec<(String, DayIp)> = daily_rows(&merged).unwrap().into_iter().collect();
        assert_eq!(texts(&merged, "ip").unwrap(), [Some("10.0.0.1".to_owned()), Some("10.0.0.2".to_owned())]);
        assert_eq!(rows[0].1, day(&[(200, 1)], 10));
        let both = &rows[1].1;
        assert_eq!((both.events, both.by_kind[LogKind::Access.index()]), (7, 7));
        assert_eq!((both.first, both.last), (Some(20), Some(51)));
        assert_eq!(both.statuses, [(200, 2), (301, 1), (404, 4)]);
        let names: Vec<&str> = merged.get_column_names().iter().map(|n| n.as_str()).collect();
        assert!(names.iter().copied().eq(columns::STORE_DAILY.iter().map(|c| c.name)), "{names:?}");
    }

    /// An `ips` table an older scan wrote: escaped `value:count;...` text, days as text,
    /// the old count's name; it reads as today's lists.
    /// The read-back decodes only the columns of suspicion; a category column an older
    /// file lacks counts zero.
    #[test]
    fn suspicion_is_read_back_alone_and_a_missing_category_counts_zero() {
        let mut attacker = day(&[(404, 3)], 10);
        attacker.suspicious = 3;
        attacker.by_category[Category::Probe.index()] = 2;
        attacker.by_category[Category::ScannerAgent.index()] = 1;
        let rows = [("10.0.0.1", attacker), ("10.0.0.2", day(&[(200, 1)], 5))];
        let mut df = merge_daily(None, rows.into_iter(), 2).unwrap().drop(Category::ScannerAgent.as_str()).unwrap();
        let store = tempfile::tempdir().unwrap();
        write_parquet(&store.path().join(Store::day_path("daily", "2026-01-05")), &mut df).unwrap();
        let mut m = Manifest::default();
        let file = super::super::DayFile { rows: 2, bytes: 0, run: 1 };
        m.tables.entry("daily".into()).or_default().insert("2026-01-05".into(), file);
        let read = read_day_columns(store.path(), &m, "daily", "2026-01-05", &suspicion_columns()).unwrap().unwrap();
        assert!(!read.schema().contains("statuses") && !read.schema().contains("events"));
        let back = suspicion_rows(&read).unwrap();
        assert_eq!(back.iter().map(|(ip, _)| ip.as_str()).collect::<Vec<_>>(), ["10.0.0.1", "10.0.0.2"]);
        let first = &back[0].1;
        assert_eq!((first.suspicious, first.events), (3, 0));
        assert_eq!(first.by_category[Category::Probe.index()], 2);
        assert_eq!(first.by_category[Category::ScannerAgent.index()], 0);
        assert_eq!(back[1].1, DayIp::default());
        assert!(read_day_columns(store.path(), &m, "daily", "2026-01-06", &suspicion_columns()).unwrap().is_none());
    }

    #[test]
    fn old_text_lists_become_lists() {
        let usernames = [Some(r"root:3;a\;b:2;example.org:443:1;back\\slash:4"), None];
        let old = df!(
            "days_active" => [Some(2i64), Some(0)],
            "active_days" => [Some("2026-01-05;2026-01-06"), None],
            "usernames" => usernames,
            "statuses" => [Some("404:2;200:1"), Some("")],
        )
        .unwrap();
        let new = upgrade(old).unwrap();
        let names: Vec<&str> = new.get_column_names().iter().map(|n| n.as_str()).collect();
        assert_eq!(names, ["active_day_count", "active_days", "usernames", "statuses"]);
        for name in ["active_days", "usernames", "statuses"] {
            let kind = match name {
                "active_days" => columns::Kind::Dates,
                "usernames" => columns::Kind::TextCounts,
                _ => columns::Kind::IntCounts,
            };
            assert_eq!(new.column(name).unwrap().dtype(), &kind.dtype(), "{name}");
        }
        let cells = crate::output::frame::cells(&new).unwrap();
        assert_eq!(cells[1][0].as_deref(), Some(r#"["2026-01-05","2026-01-06"]"#));
        assert_eq!(cells[1][1].as_deref(), Some("[]"));
        assert_eq!(
            cells[2][0].as_deref(),
            Some(
                r#"[{"value":"root","count":3},{"value":"a;b","count":2},{"value":"example.org:443","count":1},{"value":"back\\slash","count":4}]"#
            )
        );
        assert_eq!(int_counts(&new, "statuses").unwrap(), [vec![(404, 2), (200, 1)], vec![]]);
        // Today's shape is left as it is.
        assert_eq!(upgrade(new.clone()).unwrap(), new);
    }
}
