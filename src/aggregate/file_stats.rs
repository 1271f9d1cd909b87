//! Per-file reading statistics for summary.json: lines, parsed and unparsed (with a few
//! examples), time span, warnings.

use serde::Serialize;

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
        self.forwarded_clients += o.forwarded_clients;
    }
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
    pub first_ts: Option<String>,
    pub last_ts: Option<String>,
    pub warnings: Vec<String>,
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
