//! The shared vocabulary at the bottom of the tree: canonical addresses, the event
//! types every stage passes on (log kinds, formats, categories, parsed lines, event
//! rows and their sink), address labels, calendar time, safe text, whole-file writes and
//! cache hints. Nothing here imports any other folder of the crate.

pub mod address;
pub mod event;
pub mod files;
pub mod host;
pub mod labels;
pub mod prefetch;
pub mod progress;
pub mod text;
pub mod time;
