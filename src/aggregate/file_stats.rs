//! Per-file reading statistics for summary.json: lines, what each line was (with an
//! address, of a known format without one, or unparsed, with the shapes of those),
//! time span, warnings.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::vocab::text::lossless;
use crate::vocab::time::format_ts;

/// How many unparsed lines are kept as examples per file.
pub const UNPARSED_EXAMPLES: usize = 5;

#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct UnparsedExample {
    pub line_no: u64,
    pub text: String,
}

/// How the lines of a file (or a chunk of it) fared.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq)]
pub struct LineCounts {
    /// Bytes of text read (decompressed).
    pub content_bytes: u64,
    pub lines: u64,
    pub blank: u64,
    /// Lines starting with `#` (log headers and annotations).
    pub comments: u64,
    pub parsed: u64,
    pub unparsed: u64,
    /// Parsed lines outside --since/--until.
    pub out_of_range: u64,
    /// Parsed lines whose time could not be read as a valid date.
    pub bad_time: u64,
    /// Lines of a text log that repeat a journal entry read in the same scan (skipped).
    pub duplicates: u64,
    /// Lines that name a remote address, or whose sshd process named one earlier: the
    /// lines that become events (whatever their verdict, date range or duplication).
    pub with_address: u64,
    /// Lines of a known format that name no remote address (cron, kernel, an sshd
    /// session line of a process whose address is unknown), blank lines and comments.
    /// `with_address + no_address + unparsed == lines`.
    pub no_address: u64,
    /// Lines longer than the line cap (`--max-line-bytes`): their first bytes were read
    /// as the line, the rest skipped (`overlong_bytes_skipped`).
    pub overlong_lines: u64,
    pub overlong_bytes_skipped: u64,
    /// NUL bytes skipped at the start of the content: the hole a copytruncate leaves.
    pub leading_nul_bytes: u64,
    /// Of `no_address`: lines where client text forged a second address where the
    /// daemon writes one, so that none is taken (`ParsedLine::ambiguous_address`).
    pub ambiguous_address: u64,
    /// Access lines whose client came from X-Forwarded-For: through a trusted proxy,
    /// or from a log that writes the header as its client field.
    pub forwarded_clients: u64,
}

impl LineCounts {
    pub fn add(&mut self, o: &LineCounts) {
        self.content_bytes += o.content_bytes;
        self.lines += o.lines;
        self.blank += o.blank;
        self.comments += o.comments;
        self.parsed += o.parsed;
        self.unparsed += o.unparsed;
        self.out_of_range += o.out_of_range;
        self.bad_time += o.bad_time;
        self.duplicates += o.duplicates;
        self.with_address += o.with_address;
        self.no_address += o.no_address;
        self.overlong_lines += o.overlong_lines;
        self.overlong_bytes_skipped += o.overlong_bytes_skipped;
        self.leading_nul_bytes += o.leading_nul_bytes;
        self.ambiguous_address += o.ambiguous_address;
        self.forwarded_clients += o.forwarded_clients;
    }
}

/// How many distinct keys (programs, shapes) a file keeps; a tree of attacker-named
/// programs or of random garbage must not grow a file's statistics without bound.
pub const MAX_KEYS: usize = 64;

/// The key that counts whatever comes after `MAX_KEYS` distinct ones.
pub const OTHER_KEY: &str = "(other)";

/// No-address lines per program (the syslog tag, the Apache module, else the format):
/// a person sees at once that the 40 000 such lines of syslog are cron and kernel.
#[derive(Clone, Debug, Default)]
pub struct NoAddressPrograms {
    counts: FxHashMap<Box<[u8]>, u64>,
    other: u64,
}

impl NoAddressPrograms {
    #[inline]
    pub fn count(&mut self, program: &[u8], n: u64) {
        if let Some(c) = self.counts.get_mut(program) {
            *c += n;
        } else if self.counts.len() < MAX_KEYS {
            self.counts.insert(program.into(), n);
        } else {
            self.other += n;
        }
    }

    pub fn add(&mut self, o: &NoAddressPrograms) {
        for (program, n) in &o.counts {
            self.count(program, *n);
        }
        self.other += o.other;
    }

    /// Program name -> lines, for summary.json (names escaped as everywhere).
    pub fn to_map(&self) -> BTreeMap<String, u64> {
        let mut map: BTreeMap<String, u64> = self.counts.iter().map(|(p, n)| (lossless(p), *n)).collect();
        if self.other > 0 {
            *map.entry(OTHER_KEY.to_owned()).or_default() += self.other;
        }
        map
    }
}

impl Serialize for NoAddressPrograms {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_map().serialize(s)
    }
}

/// Unparsed lines grouped by shape (`shape_of`), each with its first line: "these 300
/// lines look like this" says more than five first lines that may all be alike.
#[derive(Clone, Debug, Default)]
pub struct UnparsedShapes {
    shapes: FxHashMap<String, UnparsedShape>,
    other: u64,
}

/// One shape of unparsed line in a file.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct UnparsedShape {
    pub shape: String,
    pub lines: u64,
    /// The first line of this shape (1-based) and its text, shortened.
    pub line_no: u64,
    pub example: String,
}

/// How many shapes summary.json lists per file (the commonest).
pub const SHAPES_LISTED: usize = 8;

/// Longest text kept of an example or a shape.
const EXAMPLE_BYTES: usize = 300;
const SHAPE_CHARS: usize = 60;

impl UnparsedShapes {
    pub fn count(&mut self, line_no: u64, line: &[u8]) {
        let shape = shape_of(line);
        if let Some(s) = self.shapes.get_mut(&shape) {
            s.lines += 1;
        } else if self.shapes.len() < MAX_KEYS {
            let example = lossless(&line[..line.len().min(EXAMPLE_BYTES)]);
            self.shapes.insert(shape.clone(), UnparsedShape { shape, lines: 1, line_no, example });
        } else {
            self.other += 1;
        }
    }

    /// Adds a later chunk's shapes, whose line numbers start after `shift` lines.
    pub fn add(&mut self, o: UnparsedShapes, shift: u64) {
        for (shape, mut seen) in o.shapes {
            if let Some(s) = self.shapes.get_mut(&shape) {
                s.lines += seen.lines;
            } else if self.shapes.len() < MAX_KEYS {
                seen.line_no += shift;
                self.shapes.insert(shape, seen);
            } else {
                self.other += seen.lines;
            }
        }
        self.other += o.other;
    }

    /// The commonest shapes, most lines first (ties: earliest first).
    pub fn top(&self, n: usize) -> Vec<UnparsedShape> {
        let mut all: Vec<&UnparsedShape> = self.shapes.values().collect();
        all.sort_by(|a, b| b.lines.cmp(&a.lines).then(a.line_no.cmp(&b.line_no)));
        all.into_iter().take(n).cloned().collect()
    }
}

impl Serialize for UnparsedShapes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.top(SHAPES_LISTED).serialize(s)
    }
}

/// A line's shape: digit runs become `0`, space runs one space, other control and
/// non-ASCII bytes `?`, cut to 60 characters. Lines of one template share a shape
/// (stamps, pids and addresses differ only in digits) while different templates
/// keep their words apart.
pub fn shape_of(line: &[u8]) -> String {
    let mut shape = String::with_capacity(SHAPE_CHARS);
    let mut last = 0u8;
    for &c in line {
        if shape.len() >= SHAPE_CHARS {
            break;
        }
        let mapped = match c {
            b'0'..=b'9' => b'0',
            b' ' | b'\t' => b' ',
            0x21..=0x7e => c,
            _ => b'?',
        };
        if (mapped == b'0' || mapped == b' ') && last == mapped {
            continue;
        }
        shape.push(mapped as char);
        last = mapped;
    }
    shape
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct FileStats {
    pub path: String,
    pub family: String,
    pub format: String,
    pub compressed: bool,
    /// `gzip`, `bzip2`, `xz` or `zstd` for an archive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compression: Option<String>,
    /// Bytes on disk (compressed size for .gz files).
    pub bytes: u64,
    #[serde(flatten)]
    pub counts: LineCounts,
    pub unparsed_examples: Vec<UnparsedExample>,
    /// The commonest shapes of the unparsed lines (`SHAPES_LISTED` at most).
    pub unparsed_shapes: UnparsedShapes,
    /// The lines of `counts.no_address` per program.
    pub no_address_by_program: NoAddressPrograms,
    pub first_ts: Option<String>,
    pub last_ts: Option<String>,
    pub warnings: Vec<String>,
    /// What the reader wants the user to know that is no failure (the exit code stays 0).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    #[serde(skip)]
    pub first_micros: Option<i64>,
    #[serde(skip)]
    pub last_micros: Option<i64>,
}

/// The first and last timestamps over all files, as written in the outputs.
pub fn time_span(files: &[FileStats]) -> (Option<String>, Option<String>) {
    (
        files.iter().filter_map(|f| f.first_micros).min().map(format_ts),
        files.iter().filter_map(|f| f.last_micros).max().map(format_ts),
    )
}
