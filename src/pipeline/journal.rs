//! Journal sources in the scan: entries are rendered in batches as syslog lines (see
//! `input::journal`) and each batch goes through the same `scan_chunk` as a chunk of
//! auth.log, on the reading thread, while the next batch is being rendered. The batches'
//! deduplication keys are gathered for the text logs read after the journals.
//!
//! A history run resumes a journal by entry count (`ReadSpan::lines_before`): the
//! entries already held are rendered (their keys still deduplicate the text logs) but
//! not scanned; entries come in append order, so those are the file's first ones.

use std::io::{BufRead, BufReader};
use std::sync::Mutex;

use super::thread_tables::ThreadTables;
use super::worker::{scan_chunk, ChunkOutput, FileCtx};
use super::{ChunkMessage, ReadSpan, SharedCollector};
use crate::input::journal::binary::{BinaryReader, Bytes};
use crate::input::journal::export::TextReader;
use crate::input::journal::{Batch, JournalKeys, JournalKind};
use crate::input::LogFile;
use crate::vocab::event::EventSink;
use crate::vocab::progress::BytesRead;

/// Rendered text per batch handed to the scanner.
const BATCH_BYTES: usize = 4 << 20;

/// A source of rendered entries, whichever its storage.
trait Entries: Send {
    fn next_batch(&mut self, batch: &mut Batch) -> bool;
    fn take_warnings(&mut self) -> Vec<String>;
}

impl Entries for BinaryReader {
    fn next_batch(&mut self, batch: &mut Batch) -> bool {
        BinaryReader::next_batch(self, batch, BATCH_BYTES)
    }
    fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }
}

impl<R: BufRead + Send> Entries for TextReader<R> {
    fn next_batch(&mut self, batch: &mut Batch) -> bool {
        TextReader::next_batch(self, batch, BATCH_BYTES)
    }
    fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }
}

/// Reads one journal source, sending each batch's result to the collector (and a final
/// one, even on error) and adding the batches' keys to `keys`. The first
/// `span.lines_before` entries are skipped; `span.end == Some(0)` reads nothing.
pub fn read_journal<S: EventSink + Send>(
    file: &LogFile,
    kind: JournalKind,
    span: ReadSpan,
    ctx: &FileCtx,
    tables: &ThreadTables,
    collector: &SharedCollector<S>,
    keys: &Mutex<JournalKeys>,
) {
    let send = |chunk: u32, last: bool, output: ChunkOutput, warnings: Vec<String>| {
        collector.submit(ChunkMessage { file: ctx.file, chunk, last, output, warnings });
    };
    if span.end == Some(0) {
        return send(0, true, ChunkOutput::default(), Vec::new());
    }
    let mut reader = match open(file, kind, ctx.bytes_read) {
        Ok(r) => r,
        Err(why) => return send(0, true, ChunkOutput::default(), vec![why]),
    };
    let mut skip = Skip { left: span.lines_before, seen: 0 };
    let mut current = Batch::default();
    if !reader.next_batch(&mut current) {
        let mut warnings = reader.take_warnings();
        warnings.extend(skip.shortfall(span.lines_before));
        return send(0, true, ChunkOutput::default(), warnings);
    }
    let mut base = skip.apply(&mut current);
    let mut spare = Batch::default();
    let mut index = 0u32;
    loop {
        spare.clear();
        // Scan this batch while the next one is being rendered.
        let (output, more) = rayon::join(
            || tables.with(|ips| scan_chunk(ctx, &current.text, base, ips)),
            || reader.next_batch(&mut spare),
        );
        base += current.text.len() as u64;
        if !current.keys.is_empty() {
            keys.lock().unwrap_or_else(|p| p.into_inner()).extend(&current.keys);
        }
        let warnings = if more {
            Vec::new()
        } else {
            let mut w = reader.take_warnings();
            w.extend(skip.shortfall(span.lines_before));
            w
        };
        send(index, !more, output, warnings);
        if !more {
            return;
        }
        std::mem::swap(&mut current, &mut spare);
        base += skip.apply(&mut current);
        index += 1;
    }
}

/// The entries still to skip (those a history store already holds).
struct Skip {
    left: u64,
    seen: u64,
}

impl Skip {
    /// Drops the text of the batch's first entries still to skip (one entry is one
    /// line), keeping their keys. Returns the bytes dropped.
    fn apply(&mut self, batch: &mut Batch) -> u64 {
        self.seen += batch.entries;
        let n = self.left.min(batch.entries);
        if n == 0 {
            return 0;
        }
        let cut = memchr::memchr_iter(b'\n', &batch.text).nth(n as usize - 1).map_or(batch.text.len(), |i| i + 1);
        batch.text.drain(..cut);
        batch.entries -= n;
        self.left -= n;
        cut as u64
    }

    /// A warning when the source ended before the entries to skip did.
    fn shortfall(&self, held: u64) -> Option<String> {
        (self.left > 0).then(|| {
            format!(
                "has {} entries, fewer than the {held} the history store already holds from it (a truncated \
                 copy?): nothing read from it",
                self.seen
            )
        })
    }
}

fn open(file: &LogFile, kind: JournalKind, read: &BytesRead) -> Result<Box<dyn Entries>, String> {
    if kind == JournalKind::Binary {
        // Archived and put-aside (`@` in the name) files are final; `system.journal` may
        // be in the middle of a write.
        let data = Bytes::load(file.source_path()).map_err(|e| format!("cannot read: {e}"))?;
        read.add(data.len() as u64);
        return Ok(Box::new(BinaryReader::new(data)?));
    }
    let handle = crate::input::source::open_regular(file.source_path()).map_err(|e| format!("cannot open: {e}"))?;
    read.add(file.size);
    let input = file.compression.decoder(BufReader::new(handle)).map_err(|e| format!("cannot read: {e}"))?;
    Ok(Box::new(TextReader::new(BufReader::with_capacity(1 << 16, input), kind)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(text: &[u8], entries: u64, keys: &[u128]) -> Batch {
        let mut b = Batch::default();
        (b.text, b.entries, b.keys) = (text.to_vec(), entries, keys.to_vec());
        b
    }

    #[test]
    fn skipping_drops_whole_entries_across_batches_and_keeps_their_keys() {
        let mut skip = Skip { left: 3, seen: 0 };
        let mut a = batch(b"one\n\ntwo\n", 3, &[7]);
        assert_eq!(skip.apply(&mut a), 9);
        assert_eq!((a.text.as_slice(), a.entries, a.keys.as_slice()), (&b""[..], 0, &[7u128][..]));
        let mut b = batch(b"three\nfour\n", 2, &[]);
        assert_eq!(skip.apply(&mut b), 0);
        assert_eq!((b.text.as_slice(), b.entries), (&b"three\nfour\n"[..], 2));
        assert_eq!(skip.shortfall(3), None);

        let mut skip = Skip { left: 4, seen: 0 };
        let mut c = batch(b"a\nb\nc\n", 3, &[]);
        skip.apply(&mut c);
        assert!(c.text.is_empty());
        assert!(skip.shortfall(4).is_some_and(|w| w.contains("has 3 entries, fewer than the 4")));
    }
}
