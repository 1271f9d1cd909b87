//! The history store (`scan --history DIR`): per-day tables in the hive layout
//! (`TABLE/day=YYYY-MM-DD/data.parquet`), a ledger of what was read from which source
//! file, and `manifest.json`, the one file that says what the store holds.
//!
//! Crash safety: a run writes every new day file under a pending name first, then
//! swaps in a new manifest (write + fsync + rename: the commit point), then renames
//! the pending files over the day files. Whoever opens the store next finishes an
//! interrupted rename step from the manifest, and deletes pending files no manifest
//! mentions. A kill -9 at any moment thus leaves the store as before or after the run.
//! One fixed file name per day means a reader globbing `*.parquet` never sees a day
//! twice.

pub mod compact;
pub mod dns;
pub mod fleet;
pub mod fleet_report;
pub mod ingest;
pub mod ledger;
pub mod period;
pub mod report;
pub mod tables;
pub mod verify;

use std::collections::BTreeMap;
use std::fs::File;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

pub use ledger::Source;

pub const MANIFEST: &str = "manifest.json";
const LOCK: &str = ".lock";
const FORMAT_VERSION: u32 = 1;
/// The file name of every day partition.
pub const DAY_FILE: &str = "data.parquet";
/// The tables a store holds.
pub const TABLES: [&str; 4] = ["events", "daily", "sessions", "requests"];

/// What the store holds: the ledger, the runs, and every day file with its size.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub runs: Vec<Run>,
    pub sources: Vec<Source>,
    /// table -> day (YYYY-MM-DD) -> file.
    pub tables: BTreeMap<String, BTreeMap<String, DayFile>>,
    /// Renames still to do after the commit: (pending file, day file), relative paths.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub renames: Vec<(String, String)>,
    /// Files to delete after the renames (pruned days), relative paths.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deletes: Vec<String>,
}

/// One `scan --history` run that added something.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Run {
    pub id: u64,
    /// When it ran (UTC, RFC 3339).
    pub at: String,
    /// Lines read (new lines only).
    pub lines: u64,
    /// Suspicious events added.
    pub events: u64,
    /// Lines with an address but no usable time: counted in the run's --out tables, not
    /// placed in any day of the store.
    #[serde(default)]
    pub untimed: u64,
    /// Session gap the sessions were built with, in seconds.
    pub session_gap_s: i64,
}

/// One day partition of one table.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DayFile {
    pub rows: u64,
    pub bytes: u64,
    /// The run that last wrote it.
    pub run: u64,
}

/// An open store, locked for this process (an exclusive lock on `DIR/.lock`,
/// released by the kernel even on kill -9).
pub struct Store {
    pub dir: PathBuf,
    pub manifest: Manifest,
    _lock: File,
}

impl Store {
    /// Opens (creating if `create`) the store in `dir`, waiting for any other writer,
    /// and finishes a run that was interrupted after its commit.
    pub fn open(dir: &Path, create: bool) -> anyhow::Result<Store> {
        if create {
            std::fs::create_dir_all(dir).with_context(|| format!("creating history store {}", dir.display()))?;
        } else if !dir.join(MANIFEST).is_file() {
            anyhow::bail!("{}: not a knocklog history store (no {MANIFEST})", dir.display());
        }
        let lock = lock_dir(dir)?;
        let manifest = match std::fs::read(dir.join(MANIFEST)) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .with_context(|| format!("{}: damaged manifest", dir.join(MANIFEST).display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Manifest { format: FORMAT_VERSION, ..Default::default() }
            }
            Err(e) => return Err(e).context(format!("reading {}", dir.join(MANIFEST).display())),
        };
        anyhow::ensure!(
            manifest.format <= FORMAT_VERSION,
            "{}: written by a newer knocklog (format {})",
            dir.display(),
            manifest.format
        );
        let mut store = Store { dir: dir.to_owned(), manifest, _lock: lock };
        store.recover()?;
        Ok(store)
    }

    /// Finishes the committed renames and deletes, then removes pending files that no
    /// committed manifest names (a run killed before its commit).
    fn recover(&mut self) -> anyhow::Result<()> {
        if !self.manifest.renames.is_empty() || !self.manifest.deletes.is_empty() {
            self.finish_commit()?;
        }
        for table in TABLES {
            let dir = self.dir.join(table);
            let Ok(days) = std::fs::read_dir(&dir) else { continue };
            for day in days.flatten() {
                let Ok(files) = std::fs::read_dir(day.path()) else { continue };
                for f in files.flatten() {
                    // Pending day files of a run that never committed, and the temporary
                    // files of one killed while writing them.
                    let name = f.file_name().to_string_lossy().into_owned();
                    if name.contains(".pending-") || name.contains(crate::vocab::files::TEMP_MARK) {
                        std::fs::remove_file(f.path()).with_context(|| format!("removing {}", f.path().display()))?;
                    }
                }
                // A day directory made for a run that never committed.
                let _ = std::fs::remove_dir(day.path());
            }
        }
        Ok(())
    }

    /// Path of a day file, relative to the store.
    pub fn day_path(table: &str, day: &str) -> String {
        format!("{table}/day={day}/{DAY_FILE}")
    }

    /// The pending name a run writes a day file under before its commit.
    pub fn pending_path(table: &str, day: &str, run: u64) -> String {
        format!("{table}/day={day}/{DAY_FILE}.pending-{run}")
    }

    /// Commits `next`: its `renames` (pending files already written and synced) and
    /// `deletes` are recorded in the manifest, which replaces the old one atomically;
    /// then they are carried out. A crash before the manifest rename leaves the old
    /// store; after it, the next `open` finishes the job.
    pub fn commit(&mut self, next: Manifest) -> anyhow::Result<()> {
        self.write_manifest(&next)?;
        self.manifest = next;
        self.finish_commit()
    }

    fn finish_commit(&mut self) -> anyhow::Result<()> {
        for (pending, day_file) in &self.manifest.renames {
            let (from, to) = (self.dir.join(pending), self.dir.join(day_file));
            if from.exists() {
                std::fs::rename(&from, &to)
                    .with_context(|| format!("renaming {} to {}", from.display(), to.display()))?;
            } else {
                anyhow::ensure!(to.exists(), "{}: committed file {} is missing", self.dir.display(), to.display());
            }
        }
        for rel in &self.manifest.deletes {
            let path = self.dir.join(rel);
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e).context(format!("removing {}", path.display())),
            }
            if let Some(parent) = path.parent() {
                let _ = std::fs::remove_dir(parent);
            }
        }
        let mut done = self.manifest.clone();
        done.renames.clear();
        done.deletes.clear();
        self.write_manifest(&done)?;
        self.manifest = done;
        Ok(())
    }

    /// Replaces the manifest: written and synced under a new temporary name, renamed.
    fn write_manifest(&self, m: &Manifest) -> anyhow::Result<()> {
        let mut bytes = serde_json::to_vec_pretty(m).context("encoding the manifest")?;
        bytes.push(b'\n');
        crate::vocab::files::write_durable(&self.dir.join(MANIFEST), &bytes)?;
        sync_dir(&self.dir)
    }

    /// Days held by any table, sorted.
    pub fn days(&self) -> Vec<String> {
        let mut days: Vec<String> = self.manifest.tables.values().flat_map(|t| t.keys().cloned()).collect();
        days.sort();
        days.dedup();
        days
    }

    /// Drops every day before `first_kept` (YYYY-MM-DD) from every table (with
    /// `dry_run`, only finds them). Returns the days dropped. The ledger is kept: pruned
    /// lines are never read again.
    pub fn prune_before(&mut self, first_kept: &str, dry_run: bool) -> anyhow::Result<Vec<String>> {
        let mut next = self.manifest.clone();
        let mut dropped = Vec::new();
        for (table, days) in &mut next.tables {
            let old: Vec<String> = days.keys().filter(|d| d.as_str() < first_kept).cloned().collect();
            for day in old {
                days.remove(&day);
                next.deletes.push(Store::day_path(table, &day));
                dropped.push(day);
            }
        }
        dropped.sort();
        dropped.dedup();
        if !dropped.is_empty() && !dry_run {
            self.commit(next)?;
        }
        Ok(dropped)
    }
}

/// Makes a rename inside `dir` durable.
/// An exclusive lock on `DIR/.lock`, waiting for its holder: released by the kernel
/// when the process dies.
pub fn lock_dir(dir: &Path) -> anyhow::Result<File> {
    // Never through a symlink (a dangling one would make root create its target),
    // and never blocking on a planted FIFO. The file is never written.
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(dir.join(LOCK))
        .with_context(|| format!("opening {}", dir.join(LOCK).display()))?;
    // std's lock is flock(2) on Linux: advisory and exclusive.
    lock.lock().with_context(|| format!("locking {}", dir.display()))?;
    Ok(lock)
}

pub fn sync_dir(dir: &Path) -> anyhow::Result<()> {
    File::open(dir).and_then(|d| d.sync_all()).with_context(|| format!("syncing {}", dir.display()))
}
