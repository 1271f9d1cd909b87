//! Output: table batches (one schema per table, shared by CSV and Parquet), the CSV and
//! Parquet writers, summary.json, and the terminal progress bar. Every file is written
//! under a temporary name and renamed into place only when complete.

pub mod blocklist;
pub mod csv_out;
pub mod parquet_out;
pub mod progress;
pub mod report;
pub mod summary;
pub mod table;
pub mod tables;
pub mod terminal;
pub mod writer;

use std::path::{Path, PathBuf};

/// Which table formats to write (`--format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Formats {
    pub csv: bool,
    pub parquet: bool,
}

impl From<crate::cli::OutputFormat> for Formats {
    fn from(f: crate::cli::OutputFormat) -> Self {
        use crate::cli::OutputFormat;
        Formats { csv: f != OutputFormat::Parquet, parquet: f != OutputFormat::Csv }
    }
}

/// The temporary name a file is written under before it is renamed to `path`.
pub fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(format!(".tmp-{}", std::process::id()));
    path.with_file_name(name)
}

/// Writes `bytes` to `path` atomically (temporary file, then rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use anyhow::Context;
    let tmp = temp_path(path);
    std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))
}
