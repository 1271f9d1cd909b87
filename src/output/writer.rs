//! One output table written in batches to CSV and/or Parquet under temporary names,
//! renamed into place by `finish` only once every batch is written; and the `events`
//! table a scan streams into while it reads (and, with `--timeline`, the timeline's
//! spool beside it).

use std::path::Path;

use anyhow::Context;

use super::csv_out::CsvTable;
use super::out_dir::{OutputDir, WriteErrors};
use super::parquet_out::ParquetTable;
use super::table::Batch;
use super::timeline::TimelineSpool;
use super::Formats;
use crate::vocab::files::PendingFile;

/// A table's files while they are written. Dropped before `finish` (an error
/// elsewhere), the pending files remove their temporary files.
pub struct TableWriter {
    name: &'static str,
    csv: Option<(CsvTable, PendingFile)>,
    parquet: Option<(ParquetTable, PendingFile)>,
    rows: u64,
}

impl TableWriter {
    pub fn create(dir: &Path, name: &'static str, formats: Formats) -> anyhow::Result<Self> {
        let csv = if formats.csv {
            let (file, pending) = PendingFile::create(&dir.join(format!("{name}.csv")))?;
            Some((CsvTable::new(file), pending))
        } else {
            None
        };
        let parquet = if formats.parquet {
            let (file, pending) = PendingFile::create(&dir.join(format!("{name}.parquet")))?;
            Some((ParquetTable::new(file), pending))
        } else {
            None
        };
        Ok(TableWriter { name, csv, parquet, rows: 0 })
    }

    /// Writes the batch to both files side by side (on the current rayon pool): written
    /// one after the other, the last of a scan's tables left one core encoding Parquet
    /// for tens of milliseconds while the other had nothing left to do.
    pub fn write(&mut self, batch: &Batch) -> anyhow::Result<()> {
        self.rows += batch.rows() as u64;
        let name = self.name;
        let (csv, parquet) = rayon::join(
            || match &mut self.csv {
                Some((w, _)) => w.write(batch).with_context(|| format!("writing {name}.csv")),
                None => Ok(()),
            },
            || match &mut self.parquet {
                Some((w, _)) => w.write(batch).with_context(|| format!("writing {name}.parquet")),
                None => Ok(()),
            },
        );
        csv.and(parquet)
    }

    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Completes both files and renames them into place. `empty` is a zero-row batch
    /// with the table's columns, for tables that received no rows.
    pub fn finish(mut self, empty: &Batch) -> anyhow::Result<u64> {
        if let Some((mut w, pending)) = self.csv.take() {
            if self.rows == 0 {
                w.write(empty)?;
            }
            w.finish().with_context(|| format!("finishing {}", pending.path().display()))?;
            pending.commit()?;
        }
        if let Some((w, pending)) = self.parquet.take() {
            w.finish(empty).with_context(|| format!("finishing {}", pending.path().display()))?;
            pending.commit()?;
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

/// The `events` table fed by the scan's collector in input order, flushed every
/// `EVENT_BATCH_ROWS` rows so the table is never held whole in memory.
///
/// Batches are encoded and written on a thread of their own, one batch ahead at most.
/// On a scan worker, which holds the collector while it writes, the encoding's waits
/// (rayon blocks, polars' pool) let rayon run other chunks nested inside it, and the
/// worker's share of the scan stood still meanwhile.
pub struct EventsWriter {
    /// A failure here is a failure to write the outputs (exit 3).
    errors: WriteErrors,
    buffer: Vec<crate::vocab::event::Event>,
    source_files: Vec<String>,
    rules: Vec<(String, crate::vocab::event::Category)>,
    /// With `--timeline`, the events of each batch go with it, for the spool.
    timeline: bool,
    batches: Option<std::sync::mpsc::SyncSender<(Batch, Vec<Event>)>>,
    writer: Option<std::thread::JoinHandle<anyhow::Result<Written>>>,
}

type Event = crate::vocab::event::Event;
/// What the writer thread hands back: the table, and the timeline's spool.
type Written = (TableWriter, Option<TimelineSpool>);
/// A finished events table: its rows, and the timeline's spool to finish.
pub type FinishedEvents = (u64, Option<TimelineSpool>);

pub const EVENT_BATCH_ROWS: usize = 16 * 1024;

impl EventsWriter {
    /// Starts the table in `out`'s staging directory, and with `timeline` the
    /// timeline's spool, written on the same thread.
    pub fn create(
        out: &OutputDir,
        formats: Formats,
        source_files: Vec<String>,
        rules: Vec<(String, crate::vocab::event::Category)>,
        timeline: bool,
    ) -> anyhow::Result<Self> {
        let errors = out.write_errors();
        let mut table = TableWriter::create(out.staging(), "events", formats).map_err(|e| errors.not_written(e))?;
        let mut spool =
            timeline.then(|| TimelineSpool::create(out.staging())).transpose().map_err(|e| errors.not_written(e))?;
        let (batches, received) = std::sync::mpsc::sync_channel::<(Batch, Vec<Event>)>(1);
        let (files, names) = (source_files.clone(), rules.clone());
        let writer = std::thread::Builder::new()
            .name("knocklog-events".into())
            .spawn(move || {
                for (batch, events) in received {
                    table.write(&batch)?;
                    if let Some(spool) = &mut spool {
                        spool.append(&events, &files, &names)?;
                    }
                }
                Ok((table, spool))
            })
            .context("starting the events writer thread")?;
        Ok(EventsWriter {
            errors,
            buffer: Vec::new(),
            source_files,
            rules,
            timeline,
            batches: Some(batches),
            writer: Some(writer),
        })
    }

    fn flush(&mut self) -> anyhow::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let batch = super::tables::events_batch(&self.buffer, &self.source_files, &self.rules);
        let events = if self.timeline { std::mem::take(&mut self.buffer) } else { Vec::new() };
        self.buffer.clear();
        let sent = self.batches.as_ref().is_some_and(|b| b.send((batch, events)).is_ok());
        if !sent {
            // The writer stopped on an error: that error is the one to report.
            return Err(self.join().err().unwrap_or_else(|| anyhow::anyhow!("the events writer stopped")));
        }
        Ok(())
    }

    /// Waits for the writer thread to write what it was sent, and takes its table (and
    /// spool) back.
    fn join(&mut self) -> anyhow::Result<Written> {
        self.batches = None;
        let writer = self.writer.take().context("the events writer already stopped")?;
        writer.join().map_err(|_| anyhow::anyhow!("the events writer thread panicked"))?
    }

    /// Completes the table; gives its rows and the timeline's spool (with `--timeline`),
    /// to be finished once the addresses are judged.
    pub fn finish(mut self) -> anyhow::Result<FinishedEvents> {
        let finished = self.flush().and_then(|()| {
            let (table, spool) = self.join()?;
            let empty = super::tables::events_batch(&[], &self.source_files, &self.rules);
            Ok((table.finish(&empty)?, spool))
        });
        finished.map_err(|e| self.errors.not_written(e))
    }
}

impl EventsWriter {
    /// `finish` on a thread of its own (mostly waiting for the writer thread and the
    /// disk), so that the rest of the outputs are written meanwhile.
    pub fn finish_in_background(self) -> anyhow::Result<PendingTable> {
        let thread = std::thread::Builder::new()
            .name("knocklog-finish".into())
            .spawn(move || self.finish())
            .context("starting a thread")?;
        Ok(PendingTable(Some(thread)))
    }
}

/// The events table finishing in the background; `finish` waits for it and gives the
/// rows written, and the timeline's spool.
pub struct PendingTable(Option<std::thread::JoinHandle<anyhow::Result<FinishedEvents>>>);

impl PendingTable {
    pub fn finish(mut self) -> anyhow::Result<FinishedEvents> {
        let thread = self.0.take().context("the events table was finished already")?;
        thread.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }
}

impl Drop for PendingTable {
    /// Dropped unfinished (an error elsewhere): the table still ends before the run.
    fn drop(&mut self) {
        if let Some(thread) = self.0.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for EventsWriter {
    /// A writer dropped before `finish` (an error elsewhere) lets its thread end, which
    /// removes the temporary files.
    fn drop(&mut self) {
        if self.writer.is_some() {
            let _ = self.join();
        }
    }
}

impl crate::vocab::event::EventSink for EventsWriter {
    fn write(&mut self, mut events: Vec<crate::vocab::event::Event>) -> anyhow::Result<()> {
        if self.buffer.is_empty() {
            self.buffer = events;
        } else {
            self.buffer.append(&mut events);
        }
        if self.buffer.len() >= EVENT_BATCH_ROWS {
            self.flush().map_err(|e| self.errors.not_written(e))?;
        }
        Ok(())
    }
}
