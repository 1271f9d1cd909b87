//! Output: findings written whole (`write`): table batches (one schema per table,
//! shared by CSV and Parquet) and their writers, summary.json, report.html, the
//! blocklists, the terminal summary and progress bar. A run writes its files into a
//! staging directory in `--out` and switches them in together (`out_dir`).

pub mod blocklist;
pub mod colour;
pub mod columns;
pub mod csv_out;
pub mod frame;
pub mod out_dir;
pub mod parquet_out;
pub mod progress;
pub mod report;
pub mod summary;
pub mod table;
pub mod tables;
pub mod terminal;
pub mod timeline;
pub mod write;
pub mod writer;

pub use write::{write, OutputSettings};

/// Which table formats to write (`--format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Formats {
    pub csv: bool,
    pub parquet: bool,
}
