//! A pause point for tests that change a file while it is scanned: with
//! `KNOCKLOG_TEST_HOLD=RELEASE` set, a reader stops after the first chunk of each file,
//! says so on stderr and waits until the file RELEASE exists (a minute at most).
//!
//! Why an environment hook: the truncation tests must cut a file between two reads of
//! the same scan, and only the reader knows when that moment is. The hook only waits
//! and prints; it never writes, and without the variable it costs one lookup per run.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const LONGEST_HOLD: Duration = Duration::from_secs(60);

fn release_path() -> Option<&'static Path> {
    static RELEASE: OnceLock<Option<PathBuf>> = OnceLock::new();
    RELEASE.get_or_init(|| std::env::var_os("KNOCKLOG_TEST_HOLD").map(PathBuf::from)).as_deref()
}

/// Waits, if a test asked for it, after `path` was read up to content byte `at`.
pub fn after_first_chunk(path: &Path, at: u64) {
    let Some(release) = release_path() else { return };
    eprintln!("knocklog: test hold: {} read up to byte {at}", path.display());
    let started = Instant::now();
    while !release.exists() && started.elapsed() < LONGEST_HOLD {
        std::thread::sleep(Duration::from_millis(5));
    }
}
