//! CSV output with the csv crate: RFC 4180 quoting, timestamps as RFC 3339 UTC, and
//! cells a spreadsheet would run as a formula neutralised with a leading `'`.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use anyhow::Context;

use super::table::{Batch, Values};
use crate::time::{format_day, format_ts};

pub struct CsvTable {
    writer: csv::Writer<BufWriter<File>>,
    header_written: bool,
}

impl CsvTable {
    pub fn create(path: &Path) -> anyhow::Result<Self> {
        let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
        Ok(CsvTable {
            writer: csv::Writer::from_writer(BufWriter::with_capacity(1 << 20, file)),
            header_written: false,
        })
    }

    pub fn write(&mut self, batch: &Batch) -> anyhow::Result<()> {
        if !self.header_written {
            self.writer.write_record(batch.names())?;
            self.header_written = true;
        }
        let mut record: Vec<String> = Vec::with_capacity(batch.columns.len());
        for row in 0..batch.rows() {
            record.clear();
            record.extend(batch.columns.iter().map(|c| cell(&c.values, row)));
            self.writer.write_record(&record)?;
        }
        Ok(())
    }

    pub fn finish(mut self) -> anyhow::Result<()> {
        self.writer.flush()?;
        let inner = self.writer.into_inner().map_err(|e| anyhow::anyhow!("flushing CSV: {}", e.error()))?;
        inner.into_inner().map_err(|e| anyhow::anyhow!("flushing CSV: {}", e.error()))?.sync_all()?;
        Ok(())
    }
}

fn cell(values: &Values, row: usize) -> String {
    match values {
        Values::Text(v) | Values::Category(v) => v[row].as_deref().map(neutralise_formula).unwrap_or_default(),
        Values::Timestamp(v) => v[row].map(format_ts).unwrap_or_default(),
        Values::Date(v) => format_day(v[row]),
        Values::Int(v) => v[row].map(|x| x.to_string()).unwrap_or_default(),
        Values::Float(v) => v[row].map(|x| format!("{x:.3}")).unwrap_or_default(),
        Values::Bool(v) => v[row].map(|x| x.to_string()).unwrap_or_default(),
    }
}

/// Spreadsheets (Excel, LibreOffice, Google Sheets) evaluate a cell that starts with
/// `=`, `+`, `-`, `@`, tab or CR as a formula. Log text is attacker-controlled, so such
/// a cell gets a leading `'`, which spreadsheets show as text and never evaluate
/// (the OWASP CSV-injection advice).
pub fn neutralise_formula(s: &str) -> String {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{s}"),
        _ => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(neutralise_formula("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
        assert_eq!(neutralise_formula("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise_formula("\tcmd"), "'\tcmd");
        assert_eq!(neutralise_formula("/index.html"), "/index.html");
    }
}
