//! The ledger: which source files were read, and how far. A file is known by its
//! content, never by its name: a hash of its first decompressed bytes (64 KiB, fewer
//! while the file is smaller), so access.log -> access.log.1 -> access.log.2.gz is one
//! source, and only the lines beyond those already read are added. A live file that
//! was truncated (copytruncate) no longer matches its old fingerprint and is read as a
//! new source; its old content is recognised in the rotated copy.

use std::fs::File;
use std::os::unix::fs::{FileExt, MetadataExt};

use serde::{Deserialize, Serialize};

use crate::aggregate::FileStats;
use crate::input::source::{read_head, Compression};
use crate::input::LogFile;
use crate::pipeline::ReadSpan;
use crate::text::lossless;

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
    /// Content bytes and lines read so far: always whole lines.
    pub bytes: u64,
    pub lines: u64,
    /// Where it was last read, and that file's inode (to tell a file truncated in
    /// place from a renamed one).
    pub path: String,
    #[serde(default)]
    pub inode: u64,
    /// Size on disk of the gzip file it was last read from, when read to its end: the
    /// same file is then skipped without inflating it again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complete_gz_size: Option<u64>,
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

/// The plan of one history run: per discovered file, its role, the span to read and
/// its first content bytes (for the fingerprint).
pub struct Plan {
    pub roles: Vec<Role>,
    pub spans: Vec<ReadSpan>,
    heads: Vec<Vec<u8>>,
    inodes: Vec<u64>,
    /// Things the user should know (truncated files, duplicates).
    pub notes: Vec<String>,
}

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

/// Decides, for each discovered file, which source it is and what is left to read.
pub fn plan(files: &[LogFile], sources: &[Source]) -> Plan {
    let mut plan =
        Plan { roles: Vec::new(), spans: Vec::new(), heads: Vec::new(), inodes: Vec::new(), notes: Vec::new() };
    // (file, readable end for plain files) of files not matched to a known source.
    let mut ends: Vec<Option<u64>> = Vec::new();
    for f in files {
        let path = f.path.display().to_string();
        let head = match read_head(&f.path, FINGERPRINT_BYTES) {
            Ok(h) => h,
            Err(_) => {
                // Unreadable: the scan itself reports it.
                plan.roles.push(Role::Skip);
                plan.spans.push(ReadSpan::default());
                plan.heads.push(Vec::new());
                plan.inodes.push(0);
                ends.push(None);
                continue;
            }
        };
        let mut bytes = head.bytes;
        let end = match head.compression {
            Compression::Gzip => None,
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
        let inode = std::fs::metadata(&f.path).map(|m| m.ino()).unwrap_or(0);
        for (j, s) in sources.iter().enumerate() {
            if s.path == path && s.inode == inode && inode != 0 && Some(j) != known {
                plan.notes.push(format!(
                    "{path} was truncated in place since the last run (copytruncate rotation): its new lines are \
                     read as a new source; the {} lines already held are recognised in its rotated copy",
                    s.lines
                ));
            }
        }
        plan.inodes.push(inode);
        let role = match known {
            Some(i) => Role::Known(i),
            None if bytes.is_empty() => Role::Skip,
            None => Role::New,
        };
        plan.roles.push(role);
        plan.spans.push(ReadSpan::default());
        plan.heads.push(bytes);
        ends.push(end);
    }
    // One file per source: two files with the same content (a copy, a hard link, a
    // copytruncate caught half-way) are read once, from the most complete of them.
    let n = files.len();
    let rank = |i: usize| (ends[i].is_some(), ends[i].unwrap_or(files[i].size), plan.heads[i].len());
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| rank(b).cmp(&rank(a)).then(a.cmp(&b)));
    let mut chosen: Vec<usize> = Vec::new();
    for i in order {
        if plan.roles[i] == Role::Skip {
            continue;
        }
        let same = chosen.iter().copied().find(|&j| match (&plan.roles[i], &plan.roles[j]) {
            (Role::Known(a), Role::Known(b)) => a == b,
            (Role::New, Role::New) => {
                let (a, b) = (&plan.heads[i], &plan.heads[j]);
                b.starts_with(a) || a.starts_with(b)
            }
            _ => false,
        });
        match same {
            Some(j) => {
                plan.notes.push(format!(
                    "{} has the same content as {}: read once, from the latter",
                    files[i].path.display(),
                    files[j].path.display()
                ));
                plan.roles[i] = Role::Skip;
            }
            None => chosen.push(i),
        }
    }
    for i in 0..n {
        let f = &files[i];
        plan.spans[i] = match &plan.roles[i] {
            Role::Skip => ReadSpan { start: 0, lines_before: 0, end: Some(0) },
            Role::New => ReadSpan { start: 0, lines_before: 0, end: ends[i] },
            Role::Known(s) => {
                let s = &sources[*s];
                match ends[i] {
                    Some(end) if end < s.bytes => {
                        plan.notes.push(format!(
                            "{} is shorter ({end} bytes) than the {} bytes already read from it: nothing read",
                            f.path.display(),
                            s.bytes
                        ));
                        plan.roles[i] = Role::Skip;
                        ReadSpan { start: 0, lines_before: 0, end: Some(0) }
                    }
                    Some(end) => ReadSpan { start: s.bytes, lines_before: s.lines, end: Some(end) },
                    None if s.complete_gz_size == Some(f.size) => {
                        ReadSpan { start: s.bytes, lines_before: s.lines, end: Some(s.bytes) }
                    }
                    None => ReadSpan { start: s.bytes, lines_before: s.lines, end: None },
                }
            }
        };
    }
    plan
}

impl Plan {
    /// True when file `i` contributes to the store.
    pub fn reads(&self, i: usize) -> bool {
        self.roles[i] != Role::Skip
    }

    /// After the scan: a file read with a warning (read error, truncated archive,
    /// truncated while read) or that no longer starts as it did (a live file replaced
    /// meanwhile) cannot be trusted: its lines stay out of the store and the ledger,
    /// to be read again next run. Returns, per file, whether it is trusted, and the
    /// messages for the dropped ones.
    pub fn verify(&self, files: &[LogFile], stats: &[FileStats]) -> (Vec<bool>, Vec<String>) {
        let mut trusted = vec![false; files.len()];
        let mut messages = Vec::new();
        for (i, f) in files.iter().enumerate() {
            if !self.reads(i) {
                continue;
            }
            let head = &self.heads[i];
            let unchanged = f.compression == Compression::Gzip
                || read_head(&f.path, head.len())
                    .is_ok_and(|now| now.bytes.len() >= head.len() && now.bytes[..head.len()] == head[..]);
            // A truncated archive stays as it is: what it holds is read and kept.
            let warned = !stats[i].warnings.is_empty()
                && (f.compression != Compression::Gzip || stats[i].counts.content_bytes == 0);
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
            let span = self.spans[i];
            let bytes = span.start + stats[i].counts.content_bytes;
            let lines = span.lines_before + stats[i].counts.lines;
            let head = &self.heads[i];
            let fp_len = (bytes as usize).min(head.len()).min(FINGERPRINT_BYTES);
            let read_to_end = span.end.is_none() || span.end == Some(span.start);
            let complete_gz_size = (f.compression == Compression::Gzip && read_to_end).then_some(f.size);
            let path = f.path.display().to_string();
            match self.roles[i] {
                Role::Known(s) => {
                    let s = &mut sources[s];
                    if fp_len as u64 > s.fp_len {
                        s.fingerprint = hash_hex(&head[..fp_len]);
                        s.fp_len = fp_len as u64;
                    }
                    if bytes > s.bytes {
                        s.last_run = run;
                    }
                    (s.bytes, s.lines, s.path, s.inode, s.complete_gz_size) =
                        (bytes, lines, path, self.inodes[i], complete_gz_size);
                }
                Role::New if bytes > 0 => {
                    let first_line = head.split(|&b| b == b'\n').next().unwrap_or_default();
                    let mut first_line = lossless(&first_line[..first_line.len().min(200)]);
                    first_line.retain(|c| !c.is_control());
                    let id = sources.iter().map(|s| s.id).max().unwrap_or(0) + 1;
                    sources.push(Source {
                        id,
                        fingerprint: hash_hex(&head[..fp_len]),
                        fp_len: fp_len as u64,
                        first_line,
                        bytes,
                        lines,
                        path,
                        inode: self.inodes[i],
                        complete_gz_size,
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
