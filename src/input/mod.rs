//! Input: finding log files under the given paths, grouping rotated siblings,
//! opening them (pread ranges for plain files, streaming decompression) and cutting them into
//! newline-aligned chunks for the parsers.

pub mod discover;
pub mod journal;
pub mod lines;
pub mod rotation;
pub mod source;
pub mod spool;
pub mod years;

pub use discover::{discover, Discovery, Family, LogFile, Skipped};
