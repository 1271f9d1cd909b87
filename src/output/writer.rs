//! One output table written in batches to CSV and/or Parquet under temporary names,
//! renamed into place by `finish` only once every batch is written.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::csv_out::CsvTable;
use super::parquet_out::ParquetTable;
use super::table::Batch;
use super::{temp_path, Formats};

pub struct TableWriter {
    name: &'static str,
    csv: Option<(CsvTable, PathBuf, PathBuf)>,
    parquet: Option<(ParquetTable, PathBuf, PathBuf)>,
    rows: u64,
}

impl TableWriter {
    pub fn create(dir: &Path, name: &'static str, formats: Formats) -> anyhow::Result<Self> {
        let csv = if formats.csv {
            let path = dir.join(format!("{name}.csv"));
            let tmp = temp_path(&path);
            Some((CsvTable::create(&tmp)?, tmp, path))
        } else {
            None
        };
        let parquet = if formats.parquet {
            let path = dir.join(format!("{name}.parquet"));
            let tmp = temp_path(&path);
            Some((ParquetTable::create(&tmp)?, tmp, path))
        } else {
            None
        };
        Ok(TableWriter { name, csv, parquet, rows: 0 })
    }

    pub fn write(&mut self, batch: &Batch) -> anyhow::Result<()> {
        self.rows += batch.rows() as u64;
        if let Some((w, ..)) = &mut self.csv {
            w.write(batch).with_context(|| format!("writing {}.csv", self.name))?;
        }
        if let Some((w, ..)) = &mut self.parquet {
            w.write(batch).with_context(|| format!("writing {}.parquet", self.name))?;
        }
        Ok(())
    }

    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Completes both files and renames them into place. `empty` is a zero-row batch
    /// with the table's columns, for tables that received no rows.
    pub fn finish(mut self, empty: &Batch) -> anyhow::Result<u64> {
        if let Some((mut w, tmp, path)) = self.csv.take() {
            if self.rows == 0 {
                w.write(empty)?;
            }
            w.finish().with_context(|| format!("finishing {}", path.display()))?;
            std::fs::rename(&tmp, &path).with_context(|| format!("renaming into {}", path.display()))?;
        }
        if let Some((w, tmp, path)) = self.parquet.take() {
            w.finish(empty).with_context(|| format!("finishing {}", path.display()))?;
            std::fs::rename(&tmp, &path).with_context(|| format!("renaming into {}", path.display()))?;
        }
        Ok(self.rows)
    }

    /// Writes a whole table at once.
    pub fn write_table(dir: &Path, name: &'static str, formats: Formats, batch: &Batch) -> anyhow::Result<u64> {
        let mut w = TableWriter::create(dir, name, formats)?;
        w.write(batch)?;
        w.finish(batch)
    }
}

impl Drop for TableWriter {
    /// A writer dropped before `finish` (an error elsewhere) leaves no temporary files.
    fn drop(&mut self) {
        if let Some((_, tmp, _)) = &self.csv {
            let _ = std::fs::remove_file(tmp);
        }
        if let Some((_, tmp, _)) = &self.parquet {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// The `events` table fed by the scan's collector in input order, flushed every
/// `EVENT_BATCH_ROWS` rows so the table is never held whole in memory.
pub struct EventsWriter {
    writer: TableWriter,
    buffer: Vec<crate::event::Event>,
    source_files: Vec<String>,
    rules: Vec<(String, crate::detect::Category)>,
}

pub const EVENT_BATCH_ROWS: usize = 16 * 1024;

impl EventsWriter {
    pub fn create(
        dir: &Path,
        formats: Formats,
        source_files: Vec<String>,
        rules: Vec<(String, crate::detect::Category)>,
    ) -> anyhow::Result<Self> {
        Ok(EventsWriter {
            writer: TableWriter::create(dir, "events", formats)?,
            buffer: Vec::new(),
            source_files,
            rules,
        })
    }

    fn flush(&mut self) -> anyhow::Result<()> {
        if !self.buffer.is_empty() {
            let batch = super::tables::events_batch(&self.buffer, &self.source_files, &self.rules);
            self.buffer.clear();
            self.writer.write(&batch)?;
        }
        Ok(())
    }

    pub fn finish(mut self) -> anyhow::Result<u64> {
        self.flush()?;
        let empty = super::tables::events_batch(&[], &self.source_files, &self.rules);
        self.writer.finish(&empty)
    }
}

impl crate::pipeline::EventSink for EventsWriter {
    fn write(&mut self, mut events: Vec<crate::event::Event>) -> anyhow::Result<()> {
        if self.buffer.is_empty() {
            self.buffer = events;
        } else {
            self.buffer.append(&mut events);
        }
        if self.buffer.len() >= EVENT_BATCH_ROWS {
            self.flush()?;
        }
        Ok(())
    }
}
