//! How far a scan has read: a counter the readers add to and a progress display reads,
//! handed to both (one per scan, so two scans in one process never share it).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Bytes read from disk so far, over all files (compressed bytes for gzip files).
#[derive(Clone, Debug, Default)]
pub struct BytesRead(Arc<AtomicU64>);

impl BytesRead {
    #[inline]
    pub fn add(&self, bytes: u64) {
        self.0.fetch_add(bytes, Ordering::Relaxed);
    }

    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}
