//! The scan pipeline: year plans for yearless syslog files, then every file read in
//! parallel (plain files as many pread ranges, archives decompressing one chunk while
//! the previous one is parsed), with a shared collector putting results back in input
//! order. Problems with one file become warnings on that file, never an abort.

pub mod collector;
pub mod journal;
pub mod pam_pairing;
pub mod test_hold;
pub mod thread_tables;
pub mod worker;

use std::collections::BTreeMap;
use std::fs::File;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use rayon::prelude::*;

use crate::aggregate::history_lines::HistoryLines;
use crate::aggregate::ip_stats::MergedIps;
use crate::aggregate::FileStats;
use crate::detect::policy::Policy;
use crate::detect::{Classifier, Judge};
use crate::input::journal::JournalKeys;
use crate::input::source::{self, DecodedChunks};
use crate::input::years::{copied_times, plan_group, MonthScan, YearAnchor, YearPlan};
use crate::input::LogFile;
use crate::vocab::event::EventSink;
use crate::vocab::event::Format;
use crate::vocab::progress::BytesRead;
use crate::vocab::time::{format_ts, year_month_of, LocalZone};
pub use collector::{ChunkMessage, Collector, SharedCollector};
use thread_tables::ThreadTables;
use worker::{scan_chunk, ChunkOutput, FileCtx};

/// Plain files are cut into ranges of about this size; compressed streams into chunks of it.
const CHUNK_BYTES: u64 = 8 << 20;

/// A decompressed chunk is parsed in this many pieces (of about 2 MB), for idle workers to share.
const GZ_PIECES: usize = 4;

#[derive(Clone, Debug)]
pub struct ScanOptions {
    pub policy: Policy,
    pub zone: LocalZone,
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub all_events: bool,
    /// Where the readers count the bytes they read (for a progress display).
    pub bytes_read: BytesRead,
    /// Count unjudged requests for learning (off with `--no-learn`).
    pub learn: bool,
    /// Longest line read whole (`source::MAX_LINE_BYTES` unless configured).
    pub max_line: usize,
    /// Where the years of yearless syslog stamps come from (`--year`, `--year-of-newest`).
    pub years: YearAnchor,
    /// Keep a row for every address, quiet ones too (`--all-ips`).
    pub all_ips: bool,
    /// Count what `--history` keeps of every line: the lines that become no event are
    /// counted by the workers, and the sink sees every line that does (the lines the
    /// collector attributes by sshd pid become events).
    pub history: bool,
}

pub struct ScanOutcome<S> {
    pub files: Vec<FileStats>,
    /// The addresses: rows in no particular order (`assess` orders them), and the
    /// counts of the quiet ones.
    pub ips: MergedIps,
    pub sink: S,
    pub elapsed: Duration,
    /// The unjudged request shapes, for learning.
    pub learned: crate::learn::shapes::ShapeTable,
    /// With `ScanOptions::history`, what the store keeps of the lines that became no event.
    pub history: HistoryLines,
}

/// The part of a file to read: all of it by default; a history scan resumes after the
/// lines it already holds and stops before a live file's unfinished last line. A
/// journal source is resumed by entry count: only `lines_before` counts (its first
/// entries are skipped), and `end == Some(0)` reads nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadSpan {
    /// Content offset (decompressed, for an archive) to start at: 0 or just after a newline.
    pub start: u64,
    /// Lines before `start`, so that line numbers stay those of the whole file.
    pub lines_before: u64,
    /// Content offset to stop at (exclusive); None: the end of the file.
    pub end: Option<u64>,
}

/// Reads every file and returns per-file statistics, the IP table and the sink that
/// received the kept events. Runs on the current rayon pool.
pub fn scan_files<S: EventSink + Send>(
    files: &[LogFile],
    opts: &ScanOptions,
    classifier: &Classifier,
    sink: S,
) -> anyhow::Result<ScanOutcome<S>> {
    scan_file_spans(files, &[], opts, classifier, sink)
}

/// `scan_files`, reading only `spans[i]` of file i (the whole file where `spans` has
/// no entry).
pub fn scan_file_spans<S: EventSink + Send>(
    files: &[LogFile],
    spans: &[ReadSpan],
    opts: &ScanOptions,
    classifier: &Classifier,
    sink: S,
) -> anyhow::Result<ScanOutcome<S>> {
    let started = Instant::now();
    let (years, year_notes) = plan_years(files, opts.max_line, opts.years);
    let mut stats: Vec<FileStats> = files.iter().map(initial_stats).collect();
    for (i, note) in year_notes {
        stats[i].notes.push(note);
    }

    let tables = ThreadTables::new(rayon::current_num_threads());
    let judge = Judge::new(classifier, &opts.policy);
    let mut collector = Collector::new(stats, sink, opts.all_events || opts.history, judge);
    collector.line_starts = spans.iter().map(|s| s.lines_before).collect();
    let shared = SharedCollector::new(collector);
    // Journals are read first, gathering the keys of their auth entries; the text logs
    // read after them skip the lines that repeat one. Which copy counts is thus fixed
    // (the journal's, with its exact time) whatever the thread count and file order.
    let keys = Mutex::new(JournalKeys::default());
    let (journals, texts): (Vec<usize>, Vec<usize>) = (0..files.len()).partition(|&i| files[i].journal.is_some());
    let run = |order: &[usize], journal_keys: Option<&JournalKeys>| {
        // Files are handed out in order, one at a time per idle worker, so results reach
        // the collector nearly in order (a plain par_iter would start the second half of
        // the list at once and hold all its results until the first half is done).
        // Inside a file, work is split further and idle workers steal from it.
        let next_file = AtomicUsize::new(0);
        rayon::scope(|scope| {
            for _ in 0..rayon::current_num_threads() {
                scope.spawn(|_| {
                    while let Some(&i) = order.get(next_file.fetch_add(1, Ordering::Relaxed)) {
                        let file = &files[i];
                        let ctx = FileCtx {
                            file: i as u32,
                            judge,
                            format: file.format,
                            years: years[i].as_ref(),
                            fallback_year: match opts.years {
                                YearAnchor::FileTimes => year_month_of(file.mtime).0,
                                YearAnchor::Oldest(year) | YearAnchor::Newest(year) => year,
                            },
                            zone: &opts.zone,
                            since: opts.since,
                            until: opts.until,
                            all_events: opts.all_events,
                            history: opts.history,
                            journal_keys,
                            learn: opts.learn,
                            bytes_read: &opts.bytes_read,
                            max_line: opts.max_line,
                        };
                        let span = spans.get(i).copied().unwrap_or_default();
                        match file.journal {
                            Some(kind) => journal::read_journal(file, kind, span, &ctx, &tables, &shared, &keys),
                            None => read_file(file, span, &ctx, &tables, &shared),
                        }
                    }
                });
            }
        });
    };
    run(&journals, None);
    let gathered = std::mem::take(&mut *keys.lock().unwrap_or_else(|p| p.into_inner()));
    run(&texts, (!gathered.is_empty()).then_some(&gathered));
    let mut collector = shared.into_inner();
    if let Some(e) = collector.sink_error.take() {
        return Err(e.context("writing the events table"));
    }
    anyhow::ensure!(collector.is_complete(), "internal error: some chunks were never collected");
    let spans = std::mem::take(&mut collector.ts_span);
    let mut stats = std::mem::take(&mut collector.stats);
    for (fs, (first, last)) in stats.iter_mut().zip(spans) {
        (fs.first_micros, fs.last_micros) = (first, last);
        fs.first_ts = first.map(format_ts);
        fs.last_ts = last.map(format_ts);
    }
    let (ips, learned, history) = tables.merge(std::mem::take(&mut collector.ips), opts.all_ips);
    Ok(ScanOutcome { files: stats, ips, sink: collector.into_sink(), elapsed: started.elapsed(), learned, history })
}

fn initial_stats(f: &LogFile) -> FileStats {
    FileStats {
        path: f.path.display().to_string(),
        family: f.family.as_str().to_owned(),
        format: f.journal.map_or(f.format.as_str(), |k| k.as_str()).to_owned(),
        compressed: f.compression.is_compressed(),
        compression: f.compression.name().map(str::to_owned),
        bytes: f.size,
        ..Default::default()
    }
}

/// Reads one file, sending each chunk's result (and a final one, even on error).
fn read_file<S: EventSink + Send>(
    file: &LogFile,
    span: ReadSpan,
    ctx: &FileCtx,
    tables: &ThreadTables,
    collector: &SharedCollector<S>,
) {
    let send = |chunk: u32, last: bool, output: ChunkOutput, warnings: Vec<String>| {
        collector.submit(ChunkMessage { file: ctx.file, chunk, last, output, warnings });
    };
    let handle = match source::open_regular(file.source_path()) {
        Ok(h) => h,
        Err(e) => return send(0, true, ChunkOutput::default(), vec![format!("cannot open: {e}")]),
    };
    if file.compression.is_compressed() {
        let mut chunks = match decode(file, handle, ctx.max_line, ctx.bytes_read.clone()) {
            Ok(c) => c,
            Err(e) => return send(0, true, ChunkOutput::default(), vec![archive_warning(file, &e, 0, 0)]),
        };
        let mut index = 0u32;
        let hole = chunks.leading_nuls;
        let mut base = hole;
        let mut current = chunks.next_chunk();
        if let Some(first) = &current {
            test_hold::after_first_chunk(&file.path, hole + first.as_slice().len() as u64);
        }
        if current.is_none() {
            let warnings = chunks
                .error
                .take()
                .map(|e| vec![archive_warning(file, &e, 0, chunks.cut_line_bytes)])
                .unwrap_or_default();
            return send(0, true, ChunkOutput::default(), warnings);
        }
        while let Some(data) = current {
            // The part of this chunk inside the span (chunks before it are inflated and
            // skipped, which sends empty results).
            let len = data.as_slice().len() as u64;
            let from = span.start.saturating_sub(base).min(len);
            let to = span.end.map_or(len, |e| e.saturating_sub(base).min(len)).max(from);
            let part = &data.as_slice()[from as usize..to as usize];
            // Parse this chunk while the next one is being inflated. The chunk is parsed
            // in pieces that an idle worker can take: a file's chunks come one after
            // the other, so without them the last file of a scan kept one core busy
            // and the other inflating only (up to a third of a second on the bench).
            let (mut outputs, next) = rayon::join(
                || {
                    source::line_pieces(part, GZ_PIECES)
                        .into_par_iter()
                        .map(|r| tables.with(|t| scan_chunk(ctx, &part[r.clone()], base + from + r.start as u64, t)))
                        .collect::<Vec<ChunkOutput>>()
                },
                || chunks.next_chunk(),
            );
            base += len + data.skipped_after;
            if data.skipped_after > 0 {
                let output = outputs.last_mut();
                if let Some(counts) = output.map(|o| &mut o.counts) {
                    counts.overlong_lines += 1;
                    counts.overlong_bytes_skipped += data.skipped_after;
                }
            }
            chunks.recycle(data);
            if outputs.is_empty() {
                outputs.push(ChunkOutput::default());
            }
            if index == 0 {
                outputs[0].counts.leading_nul_bytes = hole;
            }
            let pieces = outputs.len();
            for (i, output) in outputs.into_iter().enumerate() {
                let last = next.is_none() && i + 1 == pieces;
                let warnings = if last {
                    chunks
                        .error
                        .take()
                        .map(|e| vec![archive_warning(file, &e, base, chunks.cut_line_bytes)])
                        .unwrap_or_default()
                } else {
                    Vec::new()
                };
                send(index, last, output, warnings);
                index += 1;
            }
            current = next;
        }
        return;
    }
    // Plain: read up to the size at discovery, even if the file grows meanwhile.
    let size = match handle.metadata() {
        Ok(m) if m.len() < file.size => m.len(),
        _ => file.size,
    };
    let mut warnings = Vec::new();
    if size < file.size {
        warnings
            .push(format!("file shrank from {} to {size} bytes while scanning (truncated by rotation?)", file.size));
    }
    let end = span.end.map_or(size, |e| e.min(size));
    // A copytruncate hole at the start is skipped (the lines after it are read).
    let hole = if span.start == 0 { source::leading_nuls(&handle, end).unwrap_or(0) } else { 0 };
    let ranges = match source::plain_ranges_from(&handle, span.start.max(hole).min(end), end, CHUNK_BYTES, ctx.max_line)
    {
        Ok(r) if !r.is_empty() => r,
        Ok(_) => return send(0, true, ChunkOutput::default(), warnings),
        Err(e) => {
            warnings.push(format!("read error: {e}"));
            return send(0, true, ChunkOutput::default(), warnings);
        }
    };
    let n = ranges.len();
    let shrank = std::sync::atomic::AtomicBool::new(false);
    // The last range's result waits for the others: only then is the file checked
    // again, and its warnings go with the file's last chunk.
    let last_chunk = Mutex::new(None);
    ranges.into_par_iter().enumerate().for_each(|(i, range)| {
        let (start, end) = (range.start, range.end);
        let mut chunk_warnings = Vec::new();
        let mut output = match source::with_range(&handle, start, end, |bytes| {
            ctx.bytes_read.add(end - start);
            tables.with(|t| scan_chunk(ctx, bytes, start, t))
        }) {
            Ok((output, got, cut_line_bytes)) => {
                if got < end - start && !shrank.swap(true, std::sync::atomic::Ordering::Relaxed) {
                    chunk_warnings.push(shrank_warning(start + got, size, cut_line_bytes));
                }
                output
            }
            Err(e) => {
                chunk_warnings.push(format!("read error at byte {start}: {e}; {} bytes skipped", end - start));
                ChunkOutput::default()
            }
        };
        if range.skipped_after > 0 {
            output.counts.overlong_lines += 1;
            output.counts.overlong_bytes_skipped += range.skipped_after;
        }
        if i == 0 {
            output.counts.leading_nul_bytes = hole;
            test_hold::after_first_chunk(&file.path, end);
        }
        if i + 1 == n {
            *last_chunk.lock().unwrap_or_else(|e| e.into_inner()) = Some((output, chunk_warnings));
        } else {
            send(i as u32, false, output, chunk_warnings);
        }
    });
    let (output, chunk_warnings) = last_chunk.into_inner().unwrap_or_else(|e| e.into_inner()).unwrap_or_default();
    warnings.extend(chunk_warnings);
    // The file's end, once every range is read: a live log truncated meanwhile (the
    // rotation's copytruncate) lost what the scan had not reached yet.
    if let (Ok(now), false) = (handle.metadata(), shrank.into_inner()) {
        if now.len() < size {
            warnings.push(shrank_warning(now.len(), size, 0));
        }
    }
    send(n as u32 - 1, true, output, warnings);
}

/// An archive's content in newline-aligned chunks, its compressed bytes counted in `read`.
fn decode(file: &LogFile, handle: File, max_line: usize, read: BytesRead) -> std::io::Result<DecodedChunks> {
    DecodedChunks::open(handle, file.size, file.compression, CHUNK_BYTES as usize, max_line, read)
}

/// A plain file that ended at `at` while the scan was reading up to `planned`.
fn shrank_warning(at: u64, planned: u64, cut_line_bytes: u64) -> String {
    let cut = match cut_line_bytes {
        0 => String::new(),
        n => format!("; the {n} bytes of the line it cuts off were dropped"),
    };
    format!(
        "changed while being read: it ends at byte {at}, not {planned} (truncated?); every line before that was read{cut}"
    )
}

fn archive_warning(file: &LogFile, e: &std::io::Error, decompressed: u64, cut_line_bytes: u64) -> String {
    let kind = file.compression.name().unwrap_or("compressed");
    if source::is_trailing_garbage(e) {
        return format!("{kind} archive: {e}, after {decompressed} decompressed bytes; every line was read");
    }
    let cut = match cut_line_bytes {
        0 => String::new(),
        n => format!("; the {n} bytes of the line it cuts off were dropped"),
    };
    format!("{kind} stream ends early or is corrupt after {decompressed} decompressed bytes ({e}); all complete lines before that point were read{cut}")
}

/// Plans the years of every syslog file with yearless stamps, group by group; with the
/// years taken from file times, a note (file index, text) for each group whose times
/// look like a copy's.
fn plan_years(files: &[LogFile], max_line: usize, anchor: YearAnchor) -> (Vec<Option<YearPlan>>, Vec<(usize, String)>) {
    let scans: Vec<Option<MonthScan>> = files
        .par_iter()
        .map(|f| (f.format == Format::Syslog && f.journal.is_none()).then(|| scan_months(f, max_line)))
        .collect();
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, f) in files.iter().enumerate() {
        if scans[i].is_some() {
            groups.entry(f.group.as_str()).or_default().push(i);
        }
    }
    let mut plans = vec![None; files.len()];
    let mut notes = Vec::new();
    for members in groups.values() {
        let input: Vec<(MonthScan, SystemTime)> =
            members.iter().map(|&i| (scans[i].clone().unwrap_or_default(), files[i].mtime)).collect();
        let planned = plan_group(&input, anchor);
        if anchor == YearAnchor::FileTimes {
            if let (Some(why), Some(&newest)) = (copied_times(&input, &planned), members.last()) {
                let year = planned.iter().flatten().last().map_or(0, |p| p.first_year + p.rollovers.len() as i32);
                notes.push((
                    newest,
                    format!("the years of its yearless lines come from file times that look like a copy's ({why}); its last line was taken to be in {year}: if it is not, give --year-of-newest YYYY (or --year YYYY for the first line)"),
                ));
            }
        }
        for (&i, plan) in members.iter().zip(planned) {
            plans[i] = plan;
        }
    }
    (plans, notes)
}

/// Reads a file once for its months only (cheap: a newline scan and three bytes a line).
fn scan_months(file: &LogFile, max_line: usize) -> MonthScan {
    let mut scan = MonthScan::default();
    let Ok(handle) = source::open_regular(file.source_path()) else {
        return scan;
    };
    if file.compression.is_compressed() {
        // Not counted as read: the scan proper reads the file again.
        let Ok(mut chunks) = decode(file, handle, max_line, BytesRead::default()) else { return scan };
        let mut base = 0u64;
        while let Some(data) = chunks.next_chunk() {
            scan.feed(data.as_slice(), base);
            base += data.as_slice().len() as u64 + data.skipped_after;
            chunks.recycle(data);
        }
    } else if let Ok(ranges) = source::plain_ranges(&handle, file.size, CHUNK_BYTES, max_line) {
        for r in ranges {
            let _ = source::with_range(&handle, r.start, r.end, |bytes| scan.feed(bytes, r.start));
        }
    }
    scan
}
