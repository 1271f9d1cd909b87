//! CSV output with the csv crate: RFC 4180 quoting, timestamps as RFC 3339 UTC, and
//! cells a spreadsheet would run as a formula neutralised with a leading `'`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::Context;

use super::table::{Batch, Values};
use crate::time::{write_day, write_ts};

pub struct CsvTable {
    out: BufWriter<File>,
    header_written: bool,
}

impl CsvTable {
    pub fn create(path: &Path) -> anyhow::Result<Self> {
        let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
        Ok(CsvTable { out: BufWriter::with_capacity(1 << 20, file), header_written: false })
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
            .collect::<Result<_, _>>()?;
        for block in blocks {
            self.out.write_all(&block)?;
        }
        Ok(())
    }

    pub fn finish(self) -> anyhow::Result<()> {
        let file = self.out.into_inner().map_err(|e| anyhow::anyhow!("flushing CSV: {}", e.error()))?;
        file.sync_all()?;
        Ok(())
    }
}

fn encode_rows(batch: &Batch, rows: std::ops::Range<usize>) -> csv::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::with_capacity(rows.len() * 256));
    let mut scratch = String::new();
    for row in rows {
        for c in &batch.columns {
            scratch.clear();
            write_cell(&mut scratch, &c.values, row);
            w.write_field(&scratch)?;
        }
        w.write_record(None::<&[u8]>)?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// Appends one cell's text to `out` (reused across cells: no allocation per cell).
fn write_cell(out: &mut String, values: &Values, row: usize) {
    use std::fmt::Write;
    match values {
        Values::Text(v) | Values::Category(v) => {
            if let Some(s) = v.get(row) {
                if needs_neutralising(s) {
                    out.push('\'');
                }
                out.push_str(s);
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
    }
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
}
