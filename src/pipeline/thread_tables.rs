//! One per-IP table and one learning table per worker thread. A chunk counts into its
//! thread's tables, so a scan builds as many as threads (merged once at the end)
//! instead of one per chunk: with tens of thousands of addresses, per-chunk tables
//! cost more to build, queue and merge than the parsing itself.

use std::sync::Mutex;

use crate::aggregate::history_lines::{HistoryLines, WorkerHistory};
use crate::aggregate::ip_stats::MergedIps;
use crate::aggregate::{IpTable, PartialIpTable};
use crate::learn::shapes::ShapeTable;

/// What one worker thread counts into.
#[derive(Debug, Default)]
pub struct WorkerTables {
    pub ips: PartialIpTable,
    /// The thread's unjudged request shapes, for learning (per shape, not per address).
    pub learn: ShapeTable,
    /// The thread's counts for `--history` of the lines that are no event.
    pub history: WorkerHistory,
}

pub struct ThreadTables {
    /// One slot per pool thread, plus one for callers outside the pool.
    slots: Vec<Mutex<WorkerTables>>,
}

impl ThreadTables {
    pub fn new(threads: usize) -> Self {
        ThreadTables { slots: (0..=threads).map(|_| Mutex::new(WorkerTables::default())).collect() }
    }

    /// Runs `f` with the calling thread's tables. `f` must not call into rayon: a
    /// stolen job on this thread would then try to take the same slot.
    pub fn with<R>(&self, f: impl FnOnce(&mut WorkerTables) -> R) -> R {
        let slot = rayon::current_thread_index().filter(|&i| i + 1 < self.slots.len()).unwrap_or(self.slots.len() - 1);
        let mut tables = self.slots[slot].lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut tables)
    }

    /// The workers' tables and the collector's (lines attributed after the fact)
    /// merged: the final per-address rows (quiet addresses' too with `keep_quiet`),
    /// every shape learned, and the counts for `--history`.
    pub fn merge(self, collected: IpTable, keep_quiet: bool) -> (MergedIps, ShapeTable, HistoryLines) {
        let mut workers: Vec<WorkerTables> =
            self.slots.into_iter().map(|m| m.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner())).collect();
        // The history counts name addresses by the slots of their own thread's table:
        // named before the address tables merge.
        let counted = workers.iter_mut().filter(|t| !t.history.is_empty());
        let history =
            HistoryLines::gather(counted.map(|t| (std::mem::take(&mut t.history), t.ips.slot_keys())).collect());
        // Largest address table first, the order the address tables are merged in.
        workers.sort_by_key(|t| std::cmp::Reverse(t.ips.len()));
        let (ips, shapes): (Vec<PartialIpTable>, Vec<ShapeTable>) =
            workers.into_iter().map(|t| (t.ips, t.learn)).unzip();
        let mut learned = ShapeTable::default();
        for table in shapes {
            learned.merge(table);
        }
        (collected.merge(ips, keep_quiet), learned, history)
    }
}
