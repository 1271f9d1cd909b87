//! One per-IP table per worker thread. A chunk counts into its thread's table, so a
//! scan builds as many tables as threads (merged once at the end) instead of one per
//! chunk: with tens of thousands of addresses, per-chunk tables cost more to build,
//! queue and merge than the parsing itself.

use std::sync::Mutex;

use crate::aggregate::PartialIpTable;

pub struct ThreadTables {
    /// One slot per pool thread, plus one for callers outside the pool.
    slots: Vec<Mutex<PartialIpTable>>,
}

impl ThreadTables {
    pub fn new(threads: usize) -> Self {
        ThreadTables { slots: (0..=threads).map(|_| Mutex::new(PartialIpTable::default())).collect() }
    }

    /// Runs `f` with the calling thread's table. `f` must not call into rayon: a
    /// stolen job on this thread would then try to take the same slot.
    pub fn with<R>(&self, f: impl FnOnce(&mut PartialIpTable) -> R) -> R {
        let slot = rayon::current_thread_index().filter(|&i| i + 1 < self.slots.len()).unwrap_or(self.slots.len() - 1);
        let mut table = self.slots[slot].lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut table)
    }

    pub fn into_partials(self) -> impl Iterator<Item = PartialIpTable> {
        self.slots.into_iter().map(|m| m.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner()))
    }
}
