//! The ledger: which source files were read, and how far. A file is known by its
//! content, never by its name: a hash of its first decompressed bytes (64 KiB, fewer
//! while the file is smaller), so access.log -> access.log.1 -> access.log.2.gz is one
//! source, and only the lines beyond those already read are added. A live file that
//! was truncated (copytruncate) no longer matches its old fingerprint and is read as a
//! new source; its old content is recognised in the rotated copy.
//!
//! Journal sources are counted in entries (one entry, one rendered line). A binary
//! journal's first bytes are its header, rewritten on every append, so it is known by
//! the header's `file_id` instead, which it keeps when journald archives it
//! (`system.journal` -> `system@...journal`) or puts it aside (`.journal~`). Entries
//! are walked in append order, so a grown or archived file resumes after the entries
//! already held. Export/JSON dumps are append-only text: known by their first bytes
//! like any log, resumed by entry count.

use std::fs::File;
use std::os::unix::fs::{FileExt, MetadataExt};

use serde::{Deserialize, Serialize};

use crate::aggregate::FileStats;
use crate::input::journal::binary::Header;
use crate::input::journal::JournalKind;
use crate::input::source::read_head;
use crate::input::LogFile;
use crate::pipeline::ReadSpan;
use crate::vocab::text::lossless;

/// Content bytes hashed to recognise a file.
pub const FINGERPRINT_BYTES: usize = 64 * 1024;

/// One source file, however it is named or compressed today.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Source {
    pub id: u64,
    /// blake3 of the first `fp_len` content bytes (decompressed), hex.
    pub fingerprint: String,
    pub fp_len: u64,
    /// Its first line (shortened), for people reading the manifest.
    pub first_line: String,
    /// Content bytes and lines read so far: always whole lines. For a journal source,
    /// `lines` counts entries and `bytes` is the file's size on disk when last read.
    pub bytes: u64,
    pub lines: u64,
    /// Journal sources: `journal`, `journal_export` or `journal_json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// A binary journal's header `file_id` (hex): the file's identity for its whole
    /// life (its `fingerprint` is empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journal_id: Option<String>,
    /// Where it was last read, and that file's inode (to tell a file truncated in
    /// place from a renamed one).
    pub path: String,
    #[serde(default)]
    pub inode: u64,
    /// Size on disk of the final file it was last read from (a compressed archive, an archived
    /// journal), when read to its end: the same file is then not read again.
    #[serde(default, alias = "complete_gz_size", skip_serializing_if = "Option::is_none")]
    pub complete_size: Option<u64>,
    pub first_run: u64,
    pub last_run: u64,
}

/// What a discovered file is to the ledger.
#[derive(Clone, Debug, PartialEq)]
pub enum Role {
    /// Nothing to read (empty, or the same content as another file of this run).
    Skip,
    /// A known source (index into the ledger).
    Known(usize),
    /// Not seen before.
    New,
}

/// The plan of one history run: per discovered file, what it is to the ledger and
/// what to read of it.
pub struct Plan {
    /// One per discovered file, in the scan's order.
    pub files: Vec<FilePlan>,
    /// Things the user should know (truncated files, duplicates).
    pub notes: Vec<String>,
}

/// One discovered file's part in a history run.
pub struct FilePlan {
    pub role: Role,
    pub span: ReadSpan,
    /// Its first content bytes, for the fingerprint (none for a binary journal).
    head: Vec<u8>,
    inode: u64,
    /// Binary journals: the header's file_id (hex) and entry count at planning time.
    journal_id: Option<(String, u64)>,
    /// Plain files: where the readable content ends (a live file's last complete line).
    end: Option<u64>,
}

impl FilePlan {
    fn skip() -> FilePlan {
        FilePlan { role: Role::Skip, span: NOTHING, head: Vec::new(), inode: 0, journal_id: None, end: None }
    }

    /// Journal entries at planning time (0 for other files).
    fn entries(&self) -> u64 {
        self.journal_id.as_ref().map_or(0, |j| j.1)
    }
}

/// A span that reads nothing.
const NOTHING: ReadSpan = ReadSpan { start: 0, lines_before: 0, end: Some(0) };

fn hash_hex(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

/// The end of the last complete line among a live file's first `size` bytes: a line
/// still being written is left for the next run.
fn complete_lines_end(file: &File, size: u64) -> std::io::Result<u64> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut end = size;
    while end > 0 {
        let start = end.saturating_sub(buf.len() as u64);
        let n = (end - start) as usize;
        file.read_exact_at(&mut buf[..n], start)?;
        if let Some(i) = memchr::memrchr(b'\n', &buf[..n]) {
            return Ok(start + i as u64 + 1);
        }
        end = start;
    }
    Ok(0)
}

/// The identity of a binary journal: (file_id as hex, entries its header counts).
fn journal_identity(path: &std::path::Path) -> Option<(String, u64)> {
    let head = read_head(path, 4096).ok()?;
    let header = Header::parse(&head.bytes).ok()?;
    Some((header.file_id.iter().map(|b| format!("{b:02x}")).collect(), header.n_entries))
}

/// Decides, for each discovered file, which source it is and what is left to read.
pub fn plan(files: &[LogFile], sources: &[Source]) -> Plan {
    let mut notes = Vec::new();
    let mut plans: Vec<FilePlan> = files.iter().map(|f| identify(f, sources, &mut notes)).collect();
    read_each_content_once(files, &mut plans, &mut notes);
    for (f, p) in files.iter().zip(&mut plans) {
        p.span = span_to_read(f, p, sources, &mut notes);
    }
    Plan { files: plans, notes }
}

/// Which source a file is: by its journal's file_id, or by the fingerprint of its
/// first content bytes.
fn identify(f: &LogFile, sources: &[Source], notes: &mut Vec<String>) -> FilePlan {
    let path = f.path.display().to_string();
    let inode = std::fs::metadata(&f.path).map(|m| m.ino()).unwrap_or(0);
    if f.journal == Some(JournalKind::Binary) {
        let journal_id = journal_identity(&f.path);
        let role = match &journal_id {
            // Unreadable: the scan itself reports it.
            None => Role::Skip,
            Some((id, _)) => match sources.iter().position(|s| s.journal_id.as_ref() == Some(id)) {
                Some(i) => Role::Known(i),
                None => Role::New,
            },
        };
        return FilePlan { role, span: ReadSpan::default(), head: Vec::new(), inode, journal_id, end: None };
    }
    // Unreadable: the scan itself reports it.
    let Ok(head) = read_head(&f.path, FINGERPRINT_BYTES) else { return FilePlan::skip() };
    let mut bytes = head.bytes;
    let end = match head.compression {
        c if c.is_compressed() => None,
        _ => {
            let end = if f.is_live() {
                File::open(&f.path).and_then(|h| complete_lines_end(&h, f.size)).unwrap_or(0)
            } else {
                f.size
            };
            bytes.truncate(end.min(bytes.len() as u64) as usize);
            Some(end)
        }
    };
    let known = sources
        .iter()
        .enumerate()
        .filter(|(_, s)| s.fp_len > 0 && s.fp_len as usize <= bytes.len())
        .filter(|(_, s)| hash_hex(&bytes[..s.fp_len as usize]) == s.fingerprint)
        .max_by_key(|(_, s)| s.fp_len)
        .map(|(i, _)| i);
    // copytruncate: the same file (inode) at the same path, with other content now.
    for (j, s) in sources.iter().enumerate() {
        if s.path == path && s.inode == inode && inode != 0 && Some(j) != known {
            notes.push(format!(
                "{path} was truncated in place since the last run (copytruncate rotation): its new lines are \
                 read as a new source; the {} lines already held are recognised in its rotated copy",
                s.lines
            ));
        }
    }
    let role = match known {
        Some(i) => Role::Known(i),
        None if bytes.is_empty() => Role::Skip,
        None => Role::New,
    };
    FilePlan { role, span: ReadSpan::default(), head: bytes, inode, journal_id: None, end }
}

/// One file per source: two files with the same content (a copy, a hard link, a
/// copytruncate caught half-way, a journal file and a copy of it) are read once,
/// from the most complete of them.
fn read_each_content_once(files: &[LogFile], plans: &mut [FilePlan], notes: &mut Vec<String>) {
    let rank = |i: usize| {
        let p = &plans[i];
        (p.end.is_some(), p.entries(), p.end.unwrap_or(files[i].size), p.head.len())
    };
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_by(|&a, &b| rank(b).cmp(&rank(a)).then(a.cmp(&b)));
    let mut chosen: Vec<usize> = Vec::new();
    for i in order {
        if plans[i].role == Role::Skip {
            continue;
        }
        let same = chosen.iter().copied().find(|&j| same_source(&plans[i], &plans[j]));
        match same {
            Some(j) => {
                notes.push(format!(
                    "{} has the same content as {}: read once, from the latter",
                    files[i].path.display(),
                    files[j].path.display()
                ));
                plans[i].role = Role::Skip;
            }
            None => chosen.push(i),
        }
    }
}

/// True when two planned files are the same source.
fn same_source(a: &FilePlan, b: &FilePlan) -> bool {
    match (&a.role, &b.role) {
        (Role::Known(x), Role::Known(y)) => x == y,
        (Role::New, Role::New) => match (&a.journal_id, &b.journal_id) {
            (Some(x), Some(y)) => x.0 == y.0,
            (None, None) => b.head.starts_with(&a.head) || a.head.starts_with(&b.head),
            _ => false,
        },
        _ => false,
    }
}

/// What is left to read of a file: all of a new source, what follows the lines the
/// store holds of a known one, nothing of a skipped or shrunken one (which then is
/// skipped).
fn span_to_read(f: &LogFile, p: &mut FilePlan, sources: &[Source], notes: &mut Vec<String>) -> ReadSpan {
    match p.role {
        Role::Skip => NOTHING,
        Role::New if f.journal.is_some() => ReadSpan::default(),
        Role::New => ReadSpan { start: 0, lines_before: 0, end: p.end },
        // Journals resume by entry count: the reader skips `lines_before` entries.
        Role::Known(s) if f.journal.is_some() => {
            let s = &sources[s];
            let held = ReadSpan { start: 0, lines_before: s.lines, end: None };
            match p.journal_id {
                Some((_, n_entries)) if n_entries < s.lines => {
                    notes.push(format!(
                        "{} holds {n_entries} journal entries, fewer than the {} already read from this journal \
                         file: nothing read from it (a truncated copy?)",
                        f.path.display(),
                        s.lines
                    ));
                    p.role = Role::Skip;
                    NOTHING
                }
                // Archived journals and compressed dumps never change: once read to their
                // end, they are not read again.
                _ if is_final(f) && s.complete_size == Some(f.size) => ReadSpan { end: Some(0), ..held },
                _ => held,
            }
        }
        Role::Known(s) => {
            let s = &sources[s];
            match p.end {
                Some(end) if end < s.bytes => {
                    notes.push(format!(
                        "{} is shorter ({end} bytes) than the {} bytes already read from it: nothing read",
                        f.path.display(),
                        s.bytes
                    ));
                    p.role = Role::Skip;
                    NOTHING
                }
                Some(end) => ReadSpan { start: s.bytes, lines_before: s.lines, end: Some(end) },
                None if s.complete_size == Some(f.size) => {
                    ReadSpan { start: s.bytes, lines_before: s.lines, end: Some(s.bytes) }
                }
                None => ReadSpan { start: s.bytes, lines_before: s.lines, end: None },
            }
        }
    }
}

/// A file that is never written again: a compressed archive, an archived or put-aside
/// journal file (`system@...journal`, `.journal~`).
fn is_final(f: &LogFile) -> bool {
    f.compression.is_compressed() || (f.journal == Some(JournalKind::Binary) && !f.is_live())
}

impl Plan {
    /// True when file `i` contributes to the store.
    pub fn reads(&self, i: usize) -> bool {
        self.files[i].role != Role::Skip
    }

    /// What to read of each file, in the scan's order.
    pub fn spans(&self) -> Vec<ReadSpan> {
        self.files.iter().map(|p| p.span).collect()
    }

    /// After the scan: a file read with a warning (read error, truncated while read)
    /// or that no longer starts as it did (a live file replaced meanwhile) cannot be
    /// trusted: its lines stay out of the store and the ledger, to be read again next
    /// run. A final file (`is_final`) stays as it is: what it holds is read and kept.
    /// Returns, per file, whether it is trusted, and the messages for the dropped ones.
    pub fn verify(&self, files: &[LogFile], stats: &[FileStats]) -> (Vec<bool>, Vec<String>) {
        let mut trusted = vec![false; files.len()];
        let mut messages = Vec::new();
        for (i, f) in files.iter().enumerate() {
            if !self.reads(i) {
                continue;
            }
            let head = &self.files[i].head;
            let unchanged = match &self.files[i].journal_id {
                // Still the same journal file: entries are only ever appended to it.
                Some((id, _)) => journal_identity(&f.path).is_some_and(|now| &now.0 == id),
                None => {
                    f.compression.is_compressed()
                        || read_head(&f.path, head.len())
                            .is_ok_and(|now| now.bytes.len() >= head.len() && now.bytes[..head.len()] == head[..])
                }
            };
            let warned = !stats[i].warnings.is_empty() && (!is_final(f) || stats[i].counts.content_bytes == 0);
            if !warned && unchanged {
                trusted[i] = true;
            } else {
                messages.push(format!(
                    "{}: not added to the history this time (it could not be read whole, or changed while it was \
                     read); it will be read again next run",
                    f.path.display()
                ));
            }
        }
        (trusted, messages)
    }

    /// The ledger after this run: the trusted sources are advanced past what was read
    /// and moved to where they are now; new ones are added.
    pub fn advance(
        &self,
        files: &[LogFile],
        stats: &[FileStats],
        trusted: &[bool],
        sources: &mut Vec<Source>,
        run: u64,
    ) {
        for (i, f) in files.iter().enumerate() {
            if !trusted[i] {
                continue;
            }
            let plan = &self.files[i];
            let span = plan.span;
            let lines = span.lines_before + stats[i].counts.lines;
            let read_to_end = span.end.is_none() || span.end == Some(span.start);
            let complete_size = (is_final(f) && read_to_end).then_some(f.size);
            let head = &plan.head;
            // A journal source is read whole each time (its entry count is the
            // position); a text file up to `bytes`, whole lines.
            let (bytes, head_read) = match f.journal {
                Some(_) => (f.size, head.len()),
                None => {
                    (span.start + stats[i].counts.content_bytes, (span.start + stats[i].counts.content_bytes) as usize)
                }
            };
            let fp_len = head_read.min(head.len()).min(FINGERPRINT_BYTES);
            let path = f.path.display().to_string();
            match plan.role {
                Role::Known(s) => {
                    let s = &mut sources[s];
                    if fp_len as u64 > s.fp_len {
                        s.fingerprint = hash_hex(&head[..fp_len]);
                        s.fp_len = fp_len as u64;
                    }
                    if lines > s.lines {
                        s.last_run = run;
                    }
                    (s.bytes, s.lines, s.path, s.inode, s.complete_size) =
                        (bytes, lines, path, plan.inode, complete_size);
                }
                Role::New if lines > 0 => {
                    let first_line = match f.journal {
                        Some(JournalKind::Binary) => b"(binary journal)".as_slice(),
                        _ => head.split(|&b| b == b'\n').next().unwrap_or_default(),
                    };
                    let mut first_line = lossless(&first_line[..first_line.len().min(200)]);
                    first_line.retain(|c| !c.is_control());
                    let id = sources.iter().map(|s| s.id).max().unwrap_or(0) + 1;
                    sources.push(Source {
                        id,
                        fingerprint: if fp_len > 0 { hash_hex(&head[..fp_len]) } else { String::new() },
                        fp_len: fp_len as u64,
                        first_line,
                        bytes,
                        lines,
                        kind: f.journal.map(|k| k.as_str().to_owned()),
                        journal_id: plan.journal_id.as_ref().map(|j| j.0.clone()),
                        path,
                        inode: plan.inode,
                        complete_size,
                        first_run: run,
                        last_run: run,
                    });
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_manifest_source_from_before_journals_still_loads() {
        let old = r#"{"id":1,"fingerprint":"ab","fp_len":2,"first_line":"x","bytes":9,"lines":1,"path":"a.gz",
            "inode":3,"complete_gz_size":40,"first_run":1,"last_run":1}"#;
        let s: Source = serde_json::from_str(old).unwrap();
        assert_eq!((s.complete_size, s.kind, s.journal_id), (Some(40), None, None));
    }

    #[test]
    fn a_live_file_is_read_up_to_its_last_complete_line() {
        let mut tmp = tempfile::NamedTempFile::new().unwrap();
        let long = "x".repeat(100_000);
        tmp.write_all(format!("a\n{long}\nunfinished").as_bytes()).unwrap();
        let f = File::open(tmp.path()).unwrap();
        let size = f.metadata().unwrap().len();
        assert_eq!(complete_lines_end(&f, size).unwrap(), 2 + 100_001);
        assert_eq!(complete_lines_end(&f, 1).unwrap(), 0);
        assert_eq!(complete_lines_end(&f, 2).unwrap(), 2);
    }
}
