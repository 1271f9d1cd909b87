//! CSV output: RFC 4180 quoting (as the csv crate writes it), timestamps as RFC 3339 UTC,
//! list columns as a JSON array in the cell, cells a spreadsheet would run as a formula
//! neutralised with a leading `'`, and cells cut to what a spreadsheet cell holds (the
//! Parquet files keep them whole).

use std::fs::File;
use std::io::{BufWriter, Write};

use super::table::{Batch, Values};
use crate::vocab::time::{format_day, write_day, write_ts};

pub struct CsvTable {
    out: BufWriter<File>,
    header_written: bool,
}

impl CsvTable {
    /// Writes into `file`, newly created (see `vocab::files::PendingFile`).
    pub fn new(file: File) -> Self {
        CsvTable { out: BufWriter::with_capacity(1 << 20, file), header_written: false }
    }

    pub fn write(&mut self, batch: &Batch) -> anyhow::Result<()> {
        if !self.header_written {
            let mut header = csv::Writer::from_writer(Vec::new());
            header.write_record(batch.names())?;
            self.out.write_all(&header.into_inner().map_err(|e| e.into_error())?)?;
            self.header_written = true;
        }
        // Blocks of rows are encoded in parallel, then written in order.
        use rayon::prelude::*;
        const BLOCK: usize = 4096;
        let rows = batch.rows();
        let blocks: Vec<Vec<u8>> = (0..rows.div_ceil(BLOCK))
            .into_par_iter()
            .map(|b| encode_rows(batch, b * BLOCK..((b + 1) * BLOCK).min(rows)))
            .collect();
        for block in blocks {
            self.out.write_all(&block)?;
        }
        Ok(())
    }

    /// Flushes the file. No fsync, like every other file in `--out`: they are a scan's
    /// regenerable results, renamed into place whole; the history store, which must not
    /// lose a day, syncs its own files. Syncing the 57 MB events.csv of the 1 GB bench
    /// made the scan wait for the disk.
    pub fn finish(self) -> anyhow::Result<()> {
        self.out.into_inner().map_err(|e| anyhow::anyhow!("flushing CSV: {}", e.error()))?;
        Ok(())
    }
}

/// Encodes rows as the csv crate writes them (RFC 4180, LF line ends), by hand: the
/// crate's field-at-a-time writer was a twentieth of a scan that keeps 240k events.
/// A test checks the two agree on hostile text.
fn encode_rows(batch: &Batch, rows: std::ops::Range<usize>) -> Vec<u8> {
    let mut out = Vec::with_capacity(rows.len() * 256);
    let mut scratch = String::new();
    for row in rows {
        let before = out.len();
        for (i, c) in batch.columns.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            match &c.values {
                Values::Text(v) | Values::Category(v) => {
                    if let Some(s) = v.get(row) {
                        push_text(&mut out, s);
                    }
                }
                Values::Int(v) => {
                    if let Some(x) = v[row] {
                        push_int(&mut out, x);
                    }
                }
                list @ (Values::TextCounts(_) | Values::IntCounts(_) | Values::Dates(_) | Values::Categories(_)) => {
                    scratch.clear();
                    write_cell(&mut scratch, list, row);
                    push_text(&mut out, &scratch);
                }
                other => {
                    scratch.clear();
                    write_cell(&mut scratch, other, row);
                    out.extend_from_slice(scratch.as_bytes());
                }
            }
        }
        // A record of one empty cell is written `""`, or it would read as no record.
        if out.len() == before {
            out.extend_from_slice(b"\"\"");
        }
        out.push(b'\n');
    }
    out
}

/// One text cell: neutralised when a spreadsheet would run it, and quoted (quotes
/// doubled) when it holds a quote, a comma or a line break.
fn push_text(out: &mut Vec<u8>, s: &str) {
    let prefix: &[u8] = if needs_neutralising(s) { b"'" } else { b"" };
    let s = &*fit_cell(s);
    let bytes = s.as_bytes();
    if !bytes.iter().any(|&b| matches!(b, b'"' | b',' | b'\n' | b'\r')) {
        out.extend_from_slice(prefix);
        out.extend_from_slice(bytes);
        return;
    }
    out.push(b'"');
    out.extend_from_slice(prefix);
    for part in bytes.split_inclusive(|&b| b == b'"') {
        out.extend_from_slice(part);
        if part.ends_with(b"\"") {
            out.push(b'"');
        }
    }
    out.push(b'"');
}

fn push_int(out: &mut Vec<u8>, x: i64) {
    if x < 0 {
        out.push(b'-');
    }
    crate::vocab::text::push_decimal(out, x.unsigned_abs());
}

/// Appends one cell's text, unquoted, to `out` (reused across cells: no allocation per
/// cell). `encode_rows` uses it for timestamps, dates, floats, booleans and lists; for
/// text and integers it is the reference the encoder's test compares against.
fn write_cell(out: &mut String, values: &Values, row: usize) {
    use std::fmt::Write;
    match values {
        Values::Text(v) | Values::Category(v) => {
            if let Some(s) = v.get(row) {
                if needs_neutralising(s) {
                    out.push('\'');
                }
                out.push_str(&fit_cell(s));
            }
        }
        Values::Timestamp(v) => {
            if let Some(ts) = v[row] {
                write_ts(out, ts);
            }
        }
        Values::Date(v) => write_day(out, v[row]),
        Values::Int(v) => {
            if let Some(x) = v[row] {
                let _ = write!(out, "{x}");
            }
        }
        Values::Float(v) => {
            if let Some(x) = v[row] {
                let _ = write!(out, "{x:.3}");
            }
        }
        Values::Bool(v) => {
            if let Some(x) = v[row] {
                out.push_str(if x { "true" } else { "false" });
            }
        }
        Values::TextCounts(v) => {
            let items: Vec<(String, i64)> =
                v.row(row).map(|(value, n)| (counted_item(&json_text(value), n), n)).collect();
            write_json_list(out, &items, true);
        }
        Values::IntCounts(v) => {
            let items: Vec<(String, i64)> =
                v.row(row).iter().map(|&(value, n)| (counted_item(&value.to_string(), n), n)).collect();
            write_json_list(out, &items, true);
        }
        Values::Dates(v) => {
            let items: Vec<(String, i64)> = v.row(row).iter().map(|&d| (format!("\"{}\"", format_day(d)), 0)).collect();
            write_json_list(out, &items, false);
        }
        Values::Categories(v) => {
            let items: Vec<(String, i64)> = v.row(row).iter().map(|name| (json_text(name), 0)).collect();
            write_json_list(out, &items, false);
        }
    }
}

/// `s` as a JSON string (quoted, escaped).
fn json_text(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

fn counted_item(value_json: &str, count: i64) -> String {
    format!("{{\"value\":{value_json},\"count\":{count}}}")
}

/// Writes `items` (each a JSON text, with its count) as a JSON array. When the array
/// would not fit in a spreadsheet cell (an address that tried a thousand usernames),
/// the last items are left out and a final item says how many: with `counted`, a
/// `{"value":"…[cut: N more ...]","count":SUM}` whose count is theirs, so sums over
/// the cell stay right; otherwise a string. The cell stays valid JSON.
fn write_json_list(out: &mut String, items: &[(String, i64)], counted: bool) {
    let bytes: usize = items.iter().map(|(i, _)| i.len() + 1).sum::<usize>() + 1;
    // The marker's room, and the `'` a formula-like cell may get (never: `[`).
    const MARKER_ROOM: usize = 120;
    let kept = if bytes < MAX_CELL_UNITS {
        items.len()
    } else {
        let mut used = 2;
        items
            .iter()
            .position(|(i, _)| {
                used += i.encode_utf16().count() + 1;
                used > MAX_CELL_UNITS - MARKER_ROOM
            })
            .unwrap_or(items.len())
    };
    out.push('[');
    for (i, (item, _)) in items[..kept].iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(item);
    }
    if kept < items.len() {
        let marker = format!("…[cut: {} more; the Parquet table has them all]", items.len() - kept);
        if kept > 0 {
            out.push(',');
        }
        if counted {
            out.push_str(&counted_item(&json_text(&marker), items[kept..].iter().map(|i| i.1).sum()));
        } else {
            out.push_str(&json_text(&marker));
        }
    }
    out.push(']');
}

/// The most a spreadsheet cell holds: Excel's limit, in UTF-16 code units (LibreOffice
/// and Google Sheets hold more). Longer text would be cut or spill into the next row.
pub const MAX_CELL_UNITS: usize = 32_767;

/// `s`, or its start and a marker saying how long it was, within `MAX_CELL_UNITS` with
/// room for the `'` a formula-like cell gets. Only text longer than that many bytes
/// can be over, so the common case is one length check.
fn fit_cell(s: &str) -> std::borrow::Cow<'_, str> {
    fit_cell_noting(s, "the Parquet table")
}

/// `fit_cell` for a CSV file whose whole text is in `whole_in`, which the marker names.
pub fn fit_cell_noting<'a>(s: &'a str, whole_in: &str) -> std::borrow::Cow<'a, str> {
    if s.len() < MAX_CELL_UNITS {
        return s.into();
    }
    let units: usize = s.chars().map(char::len_utf16).sum();
    if units < MAX_CELL_UNITS {
        return s.into();
    }
    let marker = format!("…[cut: {} bytes in all; {whole_in} has it whole]", s.len());
    let budget = MAX_CELL_UNITS - 1 - marker.encode_utf16().count();
    let mut used = 0;
    let end = s
        .char_indices()
        .find(|(_, c)| {
            used += c.len_utf16();
            used > budget
        })
        .map_or(s.len(), |(i, _)| i);
    format!("{}{marker}", &s[..end]).into()
}

/// Spreadsheets (Excel, LibreOffice, Google Sheets) evaluate a cell that starts with
/// `=`, `+`, `-`, `@`, tab or CR as a formula. Log text is attacker-controlled, so such
/// a cell gets a leading `'`, which spreadsheets show as text and never evaluate
/// (the OWASP CSV-injection advice).
pub fn needs_neutralising(s: &str) -> bool {
    matches!(s.as_bytes().first(), Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        let cell = |s: &str| {
            let mut out = String::new();
            write_cell(&mut out, &Values::Text([Some(s)].into_iter().collect()), 0);
            out
        };
        assert_eq!(cell("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("\tcmd"), "'\tcmd");
        assert_eq!(cell("-2+3"), "'-2+3");
        assert_eq!(cell("/index.html"), "/index.html");
    }

    #[test]
    fn cells_longer_than_a_spreadsheet_holds_are_cut_with_a_marker() {
        let units = |s: &str| s.encode_utf16().count();
        for long in ["x".repeat(40_000), "=".repeat(32_767), "\u{1F600}".repeat(20_000), "é".repeat(32_767)] {
            let mut out = Vec::new();
            push_text(&mut out, &long);
            let cell = String::from_utf8(out).unwrap();
            assert!(units(&cell) <= MAX_CELL_UNITS, "{} units", units(&cell));
            assert!(cell.ends_with(&format!("…[cut: {} bytes in all; the Parquet table has it whole]", long.len())));
        }
        let fits = "y".repeat(MAX_CELL_UNITS - 1);
        assert_eq!(fit_cell(&fits), fits.as_str());
        let wide = "é".repeat(MAX_CELL_UNITS - 1);
        assert_eq!(fit_cell(&wide), wide.as_str(), "two bytes each, one unit each: it fits");
        let mut out = Vec::new();
        push_text(&mut out, &fits);
        assert_eq!(out.len(), fits.len(), "a cell that fits is written whole");
    }

    /// The hand-written encoder writes what the csv crate writes, hostile text included.
    #[test]
    fn rows_are_encoded_as_the_csv_crate_does() {
        let texts = [
            Some("plain"),
            None,
            Some(""),
            Some("a,b"),
            Some("say \"hi\""),
            Some("\""),
            Some("line\nbreak\r\n"),
            Some("=cmd|' /C calc'!A0"),
            Some("-1,\"x\""),
            Some("caf\u{e9} \u{202e}"),
        ];
        let ints =
            [Some(0), Some(-42), None, Some(i64::MAX), Some(i64::MIN), Some(7), Some(10), Some(404), Some(1), None];
        let batch = crate::output::table::BatchBuilder::new()
            .text("t", texts)
            .category("c", texts.iter().rev().copied())
            .int("n", ints)
            .timestamp("ts", ints.map(|i| i.map(|i| i / 1000)))
            .boolean("b", ints.map(|i| i.map(|i| i > 0)))
            .build();
        let with_crate = |batch: &Batch| {
            let mut w = csv::Writer::from_writer(Vec::new());
            for row in 0..batch.rows() {
                for c in &batch.columns {
                    let mut cell = String::new();
                    write_cell(&mut cell, &c.values, row);
                    w.write_field(&cell).unwrap();
                }
                w.write_record(None::<&[u8]>).unwrap();
            }
            String::from_utf8(w.into_inner().unwrap()).unwrap()
        };
        let by_hand = |batch: &Batch| String::from_utf8(encode_rows(batch, 0..batch.rows())).unwrap();
        assert_eq!(by_hand(&batch), with_crate(&batch));
        let one = crate::output::table::BatchBuilder::new().text("only", [None::<&str>, Some("x")]).build();
        assert_eq!(by_hand(&one), with_crate(&one));
        assert_eq!(by_hand(&one), "\"\"\nx\n");
    }

    /// Lists are JSON arrays whatever their values hold; one too long for a spreadsheet
    /// cell stays valid JSON, its counts adding up.
    #[test]
    fn lists_are_json_arrays_cut_whole_items_at_a_time() {
        let hostile = ["example.org:443", "a;b\\c", "=cmd|' /C calc'!A0", "say \"hi\",\n"];
        let batch = crate::output::table::BatchBuilder::new()
            .text_counts("u", [hostile.iter().map(|v| (*v, 3)).collect::<Vec<_>>(), Vec::new()])
            .int_counts("s", [vec![(404, 2), (200, 1)], Vec::new()])
            .dates("d", [vec![20_458, 20_459], Vec::new()])
            .categories("c", [vec!["probe", "denied"], Vec::new()])
            .build();
        let text = String::from_utf8(encode_rows(&batch, 0..2)).unwrap();
        let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(text.as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        let cell = |row: usize, col: usize| serde_json::from_str::<serde_json::Value>(&rows[row][col]).unwrap();
        let first = cell(0, 0);
        let values: Vec<&str> = first.as_array().unwrap().iter().map(|u| u["value"].as_str().unwrap()).collect();
        assert_eq!(values, hostile);
        assert_eq!(cell(0, 1), serde_json::json!([{"value": 404, "count": 2}, {"value": 200, "count": 1}]));
        assert_eq!(cell(0, 2), serde_json::json!(["2026-01-05", "2026-01-06"]));
        assert_eq!(cell(0, 3), serde_json::json!(["probe", "denied"]));
        assert!((0..4).all(|c| &rows[1][c] == "[]"), "an empty list is []: {text}");

        let names: Vec<String> = (0..1000).map(|i| format!("user-{i:04}-{}", "x".repeat(40))).collect();
        let many = crate::output::table::BatchBuilder::new()
            .text_counts("u", [names.iter().map(|n| (n.as_str(), 2)).collect::<Vec<_>>()])
            .build();
        let mut out = String::new();
        write_cell(&mut out, &many.columns[0].values, 0);
        assert!(out.encode_utf16().count() < MAX_CELL_UNITS, "{} units", out.len());
        let items: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
        let last = items.last().unwrap();
        let kept = items.len() - 1;
        assert!(kept > 100 && kept < 1000, "{kept}");
        assert_eq!(items[..kept].iter().map(|u| u["value"].as_str().unwrap()).collect::<Vec<_>>(), names[..kept]);
        let marker = format!("…[cut: {} more; the Parquet table has them all]", 1000 - kept);
        assert_eq!(
            (last["value"].as_str().unwrap(), last["count"].as_i64().unwrap()),
            (&*marker, 2 * (1000 - kept) as i64)
        );
    }
}
