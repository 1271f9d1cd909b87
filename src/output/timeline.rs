//! `timeline.csv` and `timeline.jsonl` (`--timeline`): the events table as a forensic
//! timeline in the import format of Timesketch and log2timeline (`message`,
//! `datetime` in ISO 8601 UTC, `timestamp_desc`, `timestamp` in microseconds), with
//! knocklog's own fields beside them and each address's verdict.
//!
//! A scan streams its events while it reads (file by file, so not in time order), before
//! any address is judged: the rows go to a spool in the staging directory then, with
//! each row's time and place kept in an index (24 bytes a row). Once the addresses are
//! judged, `finish` sorts the index by time and writes the rows out in that order with
//! their verdicts, one row read back at a time.

use std::borrow::Cow;
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use anyhow::Context;
use polars::prelude::{DataFrame, DataType};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::csv_out::fit_cell_noting;
use crate::aggregate::assess::Assessed;
use crate::vocab::event::{Category, Event, TextField};
use crate::vocab::files::PendingFile;
use crate::vocab::text::for_terminal;

pub const CSV_FILE: &str = "timeline.csv";
pub const JSONL_FILE: &str = "timeline.jsonl";
/// Hidden (a leading `.`), so the switch into `--out` never takes it for an output;
/// it leaves with the staging directory.
const SPOOL_FILE: &str = ".timeline-spool.jsonl";

/// What the `datetime` of every row is: the time the log recorded the line (plaso's
/// description of a log line's time).
pub const TIMESTAMP_DESC: &str = "Recorded Time";

/// One timeline row. The first four fields are the ones Timesketch requires (and the
/// `timestamp` it derives from `datetime` when absent); `data_type` follows plaso's
/// `source:kind:event` convention; the rest are the events table's columns, and the
/// address's verdict and score.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TimelineRow {
    pub message: String,
    pub datetime: String,
    pub timestamp: i64,
    pub timestamp_desc: String,
    pub data_type: String,
    pub ip: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    pub log_kind: String,
    pub event: String,
    pub category: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    pub counts_against_address: bool,
    pub source_file: String,
    pub line_no: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vhost: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy: Option<String>,
}

/// The CSV header, in `TimelineRow::cells` order.
pub const CSV_COLUMNS: [&str; 28] = [
    "message",
    "datetime",
    "timestamp",
    "timestamp_desc",
    "data_type",
    "ip",
    "verdict",
    "score",
    "log_kind",
    "event",
    "category",
    "rule",
    "counts_against_address",
    "source_file",
    "line_no",
    "vhost",
    "method",
    "path",
    "protocol",
    "status",
    "bytes",
    "referer",
    "user_agent",
    "user",
    "host",
    "program",
    "pid",
    "proxy",
];

fn present(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

/// `2026-01-05T10:00:00.000000+00:00`: every row with microseconds and an explicit
/// offset, as Timesketch writes `datetime` itself.
pub fn iso_datetime(ts_micros: i64) -> String {
    let mut text = crate::vocab::time::format_ts(ts_micros);
    text.pop(); // the `Z`
    if text.len() == 19 {
        text.push_str(".000000");
    }
    text.push_str("+00:00");
    text
}

impl TimelineRow {
    /// The row of one event, or None for an event whose line has no time (Timesketch
    /// drops rows without a datetime; `finish` counts them).
    pub fn of(e: &Event, source_files: &[String], rules: &[(String, Category)]) -> Option<TimelineRow> {
        let ts = e.ts?;
        let rule = e.rule.and_then(|r| rules.get(r as usize)).map(|r| r.0.clone());
        let text = |f: TextField| present(e.text(f));
        let mut row = TimelineRow {
            message: String::new(),
            datetime: iso_datetime(ts),
            timestamp: ts,
            timestamp_desc: TIMESTAMP_DESC.to_owned(),
            data_type: format!("knocklog:{}:{}", e.log_kind.as_str(), e.tag.as_str()),
            ip: e.ip().to_owned(),
            verdict: None,
            score: None,
            log_kind: e.log_kind.as_str().to_owned(),
            event: e.tag.as_str().to_owned(),
            category: e.category.as_str().to_owned(),
            rule,
            counts_against_address: e.counts,
            source_file: source_files.get(e.file as usize).cloned().unwrap_or_default(),
            line_no: e.line_no,
            vhost: text(TextField::Vhost),
            method: text(TextField::Method),
            path: text(TextField::Path),
            protocol: text(TextField::Protocol),
            status: (e.status != 0).then_some(e.status),
            bytes: e.bytes,
            referer: text(TextField::Referer),
            user_agent: text(TextField::UserAgent),
            user: text(TextField::User),
            host: text(TextField::Host),
            program: text(TextField::Program),
            pid: e.pid,
            proxy: text(TextField::Proxy),
        };
        row.message = row.describe(e.text(TextField::Message));
        Some(row)
    }

    /// The one-line message an investigator reads in the timeline:
    /// `probe 203.0.113.5: GET /wp-login.php HTTP/1.1 -> 404 (rule probe:wp-login)` or
    /// `auth_bad_password 198.51.100.7: sshd[812] user=root: Failed password ...`.
    /// Control characters are made visible: the fields keep the text as logged.
    fn describe(&self, logged_message: &str) -> String {
        let mut parts: Vec<Cow<str>> = Vec::new();
        if let Some(path) = &self.path {
            let request = [self.method.as_deref(), Some(path.as_str()), self.protocol.as_deref()];
            parts.push(request.into_iter().flatten().collect::<Vec<_>>().join(" ").into());
            if let Some(status) = self.status {
                parts.push(format!("-> {status}").into());
            }
        }
        if let Some(program) = &self.program {
            parts.push(match self.pid {
                Some(pid) => format!("{program}[{pid}]").into(),
                None => program.as_str().into(),
            });
        }
        if let Some(user) = &self.user {
            parts.push(format!("user={user}").into());
        }
        if !logged_message.is_empty() {
            parts.push(logged_message.into());
        }
        if let Some(rule) = &self.rule {
            parts.push(format!("(rule {rule})").into());
        }
        let text = format!("{} {}: {}", self.category, self.ip, parts.join(" "));
        for_terminal(text.trim_end_matches([' ', ':']))
    }

    /// The CSV cells in `CSV_COLUMNS` order. Text is the attacker's: a cell that a
    /// spreadsheet would take for a formula gets a leading `'`, and one longer than a
    /// cell holds is cut with a marker (the JSON Lines file keeps it whole).
    fn cells(&self) -> Vec<Cow<'_, str>> {
        fn text(s: &str) -> Cow<'_, str> {
            let fitted = fit_cell_noting(s, "timeline.jsonl");
            if super::csv_out::needs_neutralising(&fitted) {
                format!("'{fitted}").into()
            } else {
                fitted
            }
        }
        fn opt(s: &Option<String>) -> Cow<'_, str> {
            s.as_deref().map_or(Cow::Borrowed(""), text)
        }
        fn num<T: ToString>(n: Option<T>) -> Cow<'static, str> {
            n.map_or(Cow::Borrowed(""), |n| n.to_string().into())
        }
        vec![
            text(&self.message),
            Cow::Borrowed(&self.datetime),
            self.timestamp.to_string().into(),
            Cow::Borrowed(&self.timestamp_desc),
            text(&self.data_type),
            text(&self.ip),
            opt(&self.verdict),
            num(self.score),
            Cow::Borrowed(&self.log_kind),
            Cow::Borrowed(&self.event),
            Cow::Borrowed(&self.category),
            opt(&self.rule),
            Cow::Borrowed(if self.counts_against_address { "true" } else { "false" }),
            text(&self.source_file),
            self.line_no.to_string().into(),
            opt(&self.vhost),
            opt(&self.method),
            opt(&self.path),
            opt(&self.protocol),
            num(self.status),
            num(self.bytes),
            opt(&self.referer),
            opt(&self.user_agent),
            opt(&self.user),
            opt(&self.host),
            opt(&self.program),
            num(self.pid),
            opt(&self.proxy),
        ]
    }
}

/// The rows of a scan while it reads, one JSON line each, in the staging directory.
pub struct TimelineSpool {
    path: PathBuf,
    out: BufWriter<std::fs::File>,
    /// Where each row is in the spool, in spool order.
    index: Vec<Spooled>,
    /// The spool's length so far.
    written: u64,
    line: Vec<u8>,
    /// Events left out: their line has no time.
    untimed: u64,
}

/// One spooled row: its time, and where its JSON line starts and how long it is.
struct Spooled {
    timestamp: i64,
    offset: u64,
    len: u32,
}

impl TimelineSpool {
    pub fn create(staging: &Path) -> anyhow::Result<TimelineSpool> {
        let path = staging.join(SPOOL_FILE);
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .with_context(|| format!("creating {}", path.display()))?;
        let out = BufWriter::with_capacity(1 << 20, file);
        Ok(TimelineSpool { path, out, index: Vec::new(), written: 0, line: Vec::new(), untimed: 0 })
    }

    pub fn append(
        &mut self,
        events: &[Event],
        source_files: &[String],
        rules: &[(String, Category)],
    ) -> anyhow::Result<()> {
        for e in events {
            let Some(row) = TimelineRow::of(e, source_files, rules) else {
                self.untimed += 1;
                continue;
            };
            self.line.clear();
            serde_json::to_writer(&mut self.line, &row).context("encoding a timeline row")?;
            // A row is one event's fields, each under 4 GiB (see `Event`), and so is
            // their sum in practice; a row past that is left out rather than cut.
            let Ok(len) = u32::try_from(self.line.len()) else {
                self.untimed += 1;
                continue;
            };
            self.out.write_all(&self.line).context("writing the timeline spool")?;
            self.index.push(Spooled { timestamp: row.timestamp, offset: self.written, len });
            self.written += u64::from(len);
        }
        Ok(())
    }

    /// Writes `timeline.csv` and `timeline.jsonl` into `staging` from the spool, in time
    /// order (lines of one time in the order read), each row with its address's verdict
    /// and score, and removes the spool.
    pub fn finish(mut self, staging: &Path, ips: &[Assessed]) -> anyhow::Result<TimelineWritten> {
        self.out.flush().context("writing the timeline spool")?;
        let spool = self.out.into_inner().map_err(|e| e.into_error()).context("writing the timeline spool")?;
        // Stable: rows of one microsecond keep the order they were read in.
        self.index.sort_by_key(|r| r.timestamp);
        let mut files = TimelineFiles::create(staging, ips)?;
        let mut line = Vec::new();
        for spooled in &self.index {
            line.resize(spooled.len as usize, 0);
            spool.read_exact_at(&mut line, spooled.offset).context("reading the timeline spool")?;
            files.push(serde_json::from_slice(&line).context("reading the timeline spool")?)?;
        }
        files.commit()?;
        std::fs::remove_file(&self.path).with_context(|| format!("removing {}", self.path.display()))?;
        Ok(TimelineWritten { rows: self.index.len() as u64, untimed: self.untimed })
    }
}

/// What the timeline holds: its rows, and the events left out for having no time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TimelineWritten {
    pub rows: u64,
    pub untimed: u64,
}

/// The two timeline files while they are written, and the verdicts to put in them.
struct TimelineFiles<'a> {
    judged: FxHashMap<&'a str, &'a Assessed>,
    csv: csv::Writer<BufWriter<std::fs::File>>,
    jsonl: BufWriter<std::fs::File>,
    pending: [PendingFile; 2],
}

impl<'a> TimelineFiles<'a> {
    fn create(staging: &Path, ips: &'a [Assessed]) -> anyhow::Result<TimelineFiles<'a>> {
        let (csv_file, csv_pending) = PendingFile::create(&staging.join(CSV_FILE))?;
        let (jsonl_file, jsonl_pending) = PendingFile::create(&staging.join(JSONL_FILE))?;
        let mut csv = csv::Writer::from_writer(BufWriter::with_capacity(1 << 20, csv_file));
        csv.write_record(CSV_COLUMNS).context("writing timeline.csv")?;
        Ok(TimelineFiles {
            judged: ips.iter().map(|a| (a.ip.as_str(), a)).collect(),
            csv,
            jsonl: BufWriter::with_capacity(1 << 20, jsonl_file),
            pending: [csv_pending, jsonl_pending],
        })
    }

    fn push(&mut self, mut row: TimelineRow) -> anyhow::Result<()> {
        // Every address of an event is judged, listed in `ips` or not: one that is not
        // listed had no suspicious event and is `none`.
        let assessed = self.judged.get(row.ip.as_str());
        row.verdict = Some(assessed.map_or("none", |a| a.verdict.as_str()).to_owned());
        row.score = Some(assessed.map_or(0.0, |a| (a.score * 100.0).round() / 100.0));
        self.csv.write_record(row.cells().iter().map(|c| c.as_bytes())).context("writing timeline.csv")?;
        serde_json::to_writer(&mut self.jsonl, &row).context("writing timeline.jsonl")?;
        self.jsonl.write_all(b"\n").context("writing timeline.jsonl")
    }

    fn commit(self) -> anyhow::Result<()> {
        let TimelineFiles { mut csv, mut jsonl, pending, .. } = self;
        csv.flush().context("writing timeline.csv")?;
        jsonl.flush().context("writing timeline.jsonl")?;
        drop((csv, jsonl));
        for file in pending {
            file.commit()?;
        }
        Ok(())
    }
}

/// Writes the timeline of a store period's events (`knocklog report --timeline`),
/// which the period holds whole already, in time order.
pub fn write_frame(staging: &Path, events: &DataFrame, ips: &[Assessed]) -> anyhow::Result<TimelineWritten> {
    let rows = frame_rows(events).context("reading the period's events for the timeline")?;
    let untimed = rows.iter().filter(|r| r.is_none()).count() as u64;
    let mut rows: Vec<TimelineRow> = rows.into_iter().flatten().collect();
    rows.sort_by_key(|r| r.timestamp);
    let written = TimelineWritten { rows: rows.len() as u64, untimed };
    let mut files = TimelineFiles::create(staging, ips)?;
    for row in rows {
        files.push(row)?;
    }
    files.commit()?;
    Ok(written)
}

/// The rows of an events frame (None for an event without a time). Columns a store
/// written by an older knocklog lacks are empty.
fn frame_rows(df: &DataFrame) -> anyhow::Result<Vec<Option<TimelineRow>>> {
    let n = df.height();
    let text = |name: &str| -> anyhow::Result<Vec<Option<String>>> {
        let Ok(column) = df.column(name) else { return Ok(vec![None; n]) };
        let s = column.as_materialized_series().cast(&DataType::String)?;
        Ok(s.str()?.iter().map(|v| v.filter(|v| !v.is_empty()).map(str::to_owned)).collect())
    };
    let int = |name: &str| -> anyhow::Result<Vec<Option<i64>>> {
        let Ok(column) = df.column(name) else { return Ok(vec![None; n]) };
        let s = column.as_materialized_series().to_physical_repr().cast(&DataType::Int64)?;
        Ok(s.i64()?.iter().collect())
    };
    let counts = ["counts_against_address", "counts"].iter().find_map(|name| df.column(name).ok());
    let counts: Vec<Option<bool>> = match counts {
        Some(c) => c.as_materialized_series().cast(&DataType::Boolean)?.bool()?.iter().collect(),
        None => vec![None; n],
    };
    let ts = int("ts")?;
    let [ip, log_kind, event, category, rule, source_file] =
        ["ip", "log_kind", "event", "category", "rule", "source_file"].map(text);
    let [vhost, method, path, protocol, referer, user_agent] =
        ["vhost", "method", "path", "protocol", "referer", "user_agent"].map(text);
    let [user, host, program, message, proxy] = ["user", "host", "program", "message", "proxy"].map(text);
    let [line_no, status, bytes, pid] = ["line_no", "status", "bytes", "pid"].map(int);
    let (ip, log_kind, event, category, rule, source_file) = (ip?, log_kind?, event?, category?, rule?, source_file?);
    let (vhost, method, path, protocol, referer) = (vhost?, method?, path?, protocol?, referer?);
    let (user_agent, user, host, program, message, proxy) = (user_agent?, user?, host?, program?, message?, proxy?);
    let (line_no, status, bytes, pid) = (line_no?, status?, bytes?, pid?);
    let take = |v: &[Option<String>], i: usize| v[i].clone();
    Ok((0..n)
        .map(|i| {
            let timestamp = ts[i]?;
            let (kind, tag) = (take(&log_kind, i).unwrap_or_default(), take(&event, i).unwrap_or_default());
            let mut row = TimelineRow {
                message: String::new(),
                datetime: iso_datetime(timestamp),
                timestamp,
                timestamp_desc: TIMESTAMP_DESC.to_owned(),
                data_type: format!("knocklog:{kind}:{tag}"),
                ip: take(&ip, i).unwrap_or_default(),
                verdict: None,
                score: None,
                log_kind: kind,
                event: tag,
                category: take(&category, i).unwrap_or_default(),
                rule: take(&rule, i),
                counts_against_address: counts[i].unwrap_or(false),
                source_file: take(&source_file, i).unwrap_or_default(),
                line_no: line_no[i].and_then(|v| u64::try_from(v).ok()).unwrap_or(0),
                vhost: take(&vhost, i),
                method: take(&method, i),
                path: take(&path, i),
                protocol: take(&protocol, i),
                status: status[i].and_then(|v| u16::try_from(v).ok()),
                bytes: bytes[i].and_then(|v| u64::try_from(v).ok()),
                referer: take(&referer, i),
                user_agent: take(&user_agent, i),
                user: take(&user, i),
                host: take(&host, i),
                program: take(&program, i),
                pid: pid[i].and_then(|v| u32::try_from(v).ok()),
                proxy: take(&proxy, i),
            };
            row.message = row.describe(message[i].as_deref().unwrap_or_default());
            Some(row)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_carry_microseconds_and_an_offset() {
        assert_eq!(iso_datetime(0), "1970-01-01T00:00:00.000000+00:00");
        assert_eq!(iso_datetime(1_767_607_200_000_007), "2026-01-05T10:00:00.000007+00:00");
        assert_eq!(iso_datetime(-1), "1969-12-31T23:59:59.999999+00:00");
    }

    fn full_row() -> TimelineRow {
        let text = |s: &str| Some(s.to_owned());
        TimelineRow {
            message: "m".into(),
            datetime: iso_datetime(0),
            timestamp_desc: TIMESTAMP_DESC.into(),
            verdict: text("block"),
            score: Some(1.5),
            rule: text("r"),
            vhost: text("v"),
            method: text("GET"),
            path: text("/p"),
            protocol: text("HTTP/1.1"),
            status: Some(404),
            bytes: Some(1),
            referer: text("-"),
            user_agent: text("a"),
            user: text("u"),
            host: text("h"),
            program: text("sshd"),
            pid: Some(7),
            proxy: text("192.0.2.1"),
            ..TimelineRow::default()
        }
    }

    #[test]
    fn the_csv_and_the_json_lines_have_the_same_columns_in_one_order() {
        // In the order written (a `serde_json::Value` would sort them).
        let json = serde_json::to_string(&full_row()).unwrap();
        let at: Vec<usize> = CSV_COLUMNS.iter().map(|c| json.find(&format!("\"{c}\":")).expect(c)).collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{json}");
        let keys = serde_json::from_str::<serde_json::Value>(&json).unwrap().as_object().unwrap().len();
        assert_eq!(keys, CSV_COLUMNS.len());
        assert_eq!(full_row().cells().len(), CSV_COLUMNS.len());
    }

    #[test]
    fn the_message_says_what_happened_in_one_line() {
        let mut row = TimelineRow { category: "probe".into(), ip: "203.0.113.5".into(), ..full_row() };
        assert_eq!(row.describe(""), "probe 203.0.113.5: GET /p HTTP/1.1 -> 404 sshd[7] user=u (rule r)",);
        (row.path, row.program, row.pid, row.user, row.rule) = (None, Some("sshd".into()), Some(9), None, None);
        assert_eq!(
            row.describe("Failed password\nfor root"),
            "probe 203.0.113.5: sshd[9] Failed password\\x0afor root"
        );
    }
}
