//! Writing a file whole or not at all, safely in a directory that others can write: the
//! bytes go to a new file under an unpredictable temporary name beside the final one
//! (created exclusively and never through a symlink), which is renamed over the final
//! name once complete. A reader never sees half a file, and a symlink or file planted
//! at either name is replaced, never written through: the final name is never opened.
//! Also reading the small files a user names (settings, pattern files, SQL): regular
//! files only, and bounded.

use std::fs::File;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context;

/// What every temporary name holds, followed by the writer's pid and a random part:
/// `.NAME.knocklog-tmp-PID-RANDOM`. The pid tells a later run whether the writer is
/// gone (see `output::out_dir`); the leading dot keeps the file out of `*` globs.
pub const TEMP_MARK: &str = ".knocklog-tmp-";

/// Random characters in a temporary name: guessing them is hopeless, and a guessed
/// name could only make the exclusive create retry, never redirect it.
const RANDOM_CHARS: usize = 12;

/// A file written under a temporary name that becomes `path` on `commit`, or is
/// removed when dropped uncommitted (an error elsewhere).
pub struct PendingFile {
    temp: tempfile::TempPath,
    path: PathBuf,
}

impl PendingFile {
    /// Creates the temporary file for `path` in `path`'s directory (`O_EXCL |
    /// O_NOFOLLOW`; mode 0666 less the umask, as any new file: the outputs are read by
    /// other users and programs), and returns it open for writing.
    pub fn create(path: &Path) -> anyhow::Result<(File, PendingFile)> {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let name = path.file_name().with_context(|| format!("{}: not a file name", path.display()))?;
        let prefix = format!(".{}{TEMP_MARK}{}-", name.to_string_lossy(), std::process::id());
        let temp = tempfile::Builder::new()
            .prefix(&prefix)
            .rand_bytes(RANDOM_CHARS)
            .make_in(dir, |candidate| {
                std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o666)
                    .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
                    .open(candidate)
            })
            .with_context(|| format!("creating a temporary file for {} in {}", path.display(), dir.display()))?;
        let (file, temp) = temp.into_parts();
        Ok((file, PendingFile { temp, path: path.to_owned() }))
    }

    /// The final name.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Renames the complete file over the final name. rename(2) replaces whatever is
    /// there, a symlink included, without following it.
    pub fn commit(self) -> anyhow::Result<()> {
        let PendingFile { temp, path } = self;
        if let Some(fault) = injected_fault() {
            return Err(fault).with_context(|| format!("writing {}", path.display()));
        }
        temp.persist(&path).map_err(|e| e.error).with_context(|| format!("renaming into {}", path.display()))
    }
}

/// Writes `bytes` to `path` whole or not at all (see the module).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let (mut file, pending) = PendingFile::create(path)?;
    file.write_all(bytes).with_context(|| format!("writing {}", path.display()))?;
    drop(file);
    pending.commit()
}

/// The same, and synced to disk before the rename, for files that must survive a crash
/// (the history store's).
pub fn write_durable(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let (mut file, pending) = PendingFile::create(path)?;
    file.write_all(bytes).and_then(|()| file.sync_all()).with_context(|| format!("writing {}", path.display()))?;
    drop(file);
    pending.commit()
}

/// Fault injection for the tests of what a failed run leaves behind: with `n` > 0 the
/// n-th file committed by this process fails as a full disk would (`scan
/// --debug-fail-write N`, a hidden flag). 0, the default, never fails.
pub fn fail_nth_write(n: u64) {
    FAIL_AT.store(n, Ordering::SeqCst);
}

static FAIL_AT: AtomicU64 = AtomicU64::new(0);
static COMMITTED: AtomicU64 = AtomicU64::new(0);

fn injected_fault() -> Option<std::io::Error> {
    let fail_at = FAIL_AT.load(Ordering::SeqCst);
    let this = COMMITTED.fetch_add(1, Ordering::SeqCst) + 1;
    (fail_at > 0 && this == fail_at).then(|| std::io::Error::from_raw_os_error(libc::ENOSPC))
}

/// Reads a file the user named as input to knocklog itself (a settings or pattern
/// file, a query): it must be a regular file (after symlinks) and at most `max` bytes.
/// `--config /dev/zero` or a FIFO would otherwise be read forever.
pub fn read_small_file(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::{Error, ErrorKind, Read};
    // Non-blocking, so that opening a FIFO returns at once instead of waiting for a
    // writer (it is refused below); for a regular file the flag changes nothing.
    let file = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(Error::new(ErrorKind::InvalidInput, "not a regular file"));
    }
    let mut bytes = Vec::with_capacity(meta.len().min(max) as usize);
    file.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(Error::new(ErrorKind::InvalidData, format!("larger than {} bytes", max)));
    }
    Ok(bytes)
}

/// The most a settings, pattern or query file may hold.
pub const MAX_INPUT_FILE_BYTES: u64 = 16 << 20;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_input_files_are_regular_and_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let ok = dir.path().join("ok.txt");
        std::fs::write(&ok, b"/wp-login.php\n").unwrap();
        assert_eq!(read_small_file(&ok, 100).unwrap(), b"/wp-login.php\n");
        let big = dir.path().join("big.txt");
        std::fs::write(&big, vec![b'x'; 101]).unwrap();
        assert!(read_small_file(&big, 100).unwrap_err().to_string().contains("larger than 100 bytes"));
        assert!(read_small_file(Path::new("/dev/zero"), 100).unwrap_err().to_string().contains("not a regular file"));
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid C string naming a path in our own temporary directory.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        assert!(
            read_small_file(&fifo, 100).unwrap_err().to_string().contains("not a regular file"),
            "no writer: must not block"
        );
        assert!(read_small_file(dir.path(), 100).is_err(), "a directory");
    }

    /// The name the writer before this one used for its temporary file: predictable,
    /// and opened following symlinks, so a planted link there made root write anywhere.
    fn old_temp_name(path: &Path) -> PathBuf {
        let mut name = path.file_name().unwrap().to_os_string();
        name.push(format!(".tmp-{}", std::process::id()));
        path.with_file_name(name)
    }

    #[test]
    fn planted_symlinks_are_replaced_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let path = out.join("summary.json");
        std::os::unix::fs::symlink(&victim, &path).unwrap();
        std::os::unix::fs::symlink(&victim, old_temp_name(&path)).unwrap();

        write_atomic(&path, b"{}").unwrap();

        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert!(std::fs::symlink_metadata(&path).unwrap().file_type().is_file(), "the link itself was replaced");
        assert_eq!(std::fs::read(&path).unwrap(), b"{}");
        let left: Vec<String> =
            std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        assert_eq!(left.len(), 2, "only the file and the planted old-style link remain: {left:?}");
    }

    #[test]
    fn temporary_names_are_unpredictable_and_carry_the_pid() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.html");
        let (_a, first) = PendingFile::create(&path).unwrap();
        let (_b, second) = PendingFile::create(&path).unwrap();
        let name = |p: &PendingFile| p.temp.file_name().unwrap().to_string_lossy().into_owned();
        let mark = format!(".report.html{TEMP_MARK}{}-", std::process::id());
        assert!(name(&first).starts_with(&mark), "{}", name(&first));
        assert_ne!(name(&first), name(&second));
        assert_eq!(name(&first).len(), mark.len() + RANDOM_CHARS);
    }

    #[test]
    fn an_uncommitted_file_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (mut file, pending) = PendingFile::create(&dir.path().join("events.csv")).unwrap();
        file.write_all(b"half").unwrap();
        drop(pending);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
