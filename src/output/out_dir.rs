//! `--out` as one set of files from one run, or the previous set untouched: a run
//! locks the directory, removes what killed runs left in it, writes every file into a
//! private staging directory inside it, and at the end switches the set in: each file
//! renamed over its final name, then `manifest.json` (run id, time, every file with its
//! size and SHA-256) last. A run that fails before the switch only removes its staging
//! directory; one that fails during the switch moves the previous files back.
//!
//! `--out` is shared with whoever else can write into it, so every name in it is
//! treated as planted: it is opened by file descriptor (not by a path that could be
//! swapped for a symlink meanwhile), files are only ever created new in the staging
//! directory (mode 0700, owned by this process's user) and renamed out of it, which
//! replaces a planted symlink instead of following it.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::Context;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::vocab::files::{write_atomic, TEMP_MARK};
use crate::vocab::text::for_terminal;

/// The file that names the set in `--out`, written last.
pub const MANIFEST: &str = "manifest.json";
/// Held locked (flock) for the whole run, so that two runs never write one `--out`.
pub const LOCK: &str = ".knocklog.lock";
/// A staging directory's name: this prefix, the owner's pid, `-`, a random part.
pub const STAGING_PREFIX: &str = ".knocklog-staging-";
/// Where the switch moves the previous set's files, inside the staging directory, until
/// the new manifest is in (or back, when the switch fails).
const PREVIOUS: &str = ".previous";
/// A leftover of a run whose process still exists is removed anyway once this old: the
/// pid may belong to an unrelated process by now.
pub const STALE_AFTER: Duration = Duration::from_secs(24 * 60 * 60);
const MANIFEST_FORMAT: u32 = 1;

/// `--out` cannot be used as given (a symlink, inside a scanned path, another run
/// holds it): a usage error, exit code 1.
#[derive(Debug)]
pub struct UnusableOutDir(pub String);

impl std::fmt::Display for UnusableOutDir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UnusableOutDir {}

/// The outputs could not be written (exit code 3); the chain below says why.
#[derive(Debug)]
pub struct OutputsNotWritten {
    dir: String,
    previous_kept: bool,
}

impl std::fmt::Display for OutputsNotWritten {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.previous_kept {
            write!(
                f,
                "the outputs could not be written into {} (its previous files and manifest are untouched)",
                self.dir
            )
        } else {
            write!(f, "the outputs could not be written into {} (it holds no manifest.json now)", self.dir)
        }
    }
}

impl std::error::Error for OutputsNotWritten {}

/// Marks `e` as a failure to write the outputs into `dir`, unless it is marked already.
pub fn not_written(e: anyhow::Error, dir: &Path) -> anyhow::Error {
    if e.downcast_ref::<OutputsNotWritten>().is_some() {
        return e;
    }
    e.context(OutputsNotWritten { dir: shown(dir), previous_kept: true })
}

/// Marks errors of a run's writes as `OutputsNotWritten`, naming files as the user
/// knows them: `/proc/self/fd/N/events.csv` becomes `OUT/.knocklog-staging-.../events.csv`.
#[derive(Clone, Debug)]
pub struct WriteErrors {
    dir: PathBuf,
    /// (descriptor path + `/`, the same shown as named + `/`).
    by_fd: Vec<(String, String)>,
}

impl WriteErrors {
    pub fn not_written(&self, e: anyhow::Error) -> anyhow::Error {
        if e.downcast_ref::<OutputsNotWritten>().is_some() {
            return e;
        }
        let mut text = format!("{e:#}");
        for (fd_path, named) in &self.by_fd {
            text = text.replace(fd_path, named);
        }
        not_written(anyhow::Error::msg(text), &self.dir)
    }
}

/// What `manifest.json` says: which run made the set, when, and every file of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// Unique per run: the UTC time it started and a random part.
    pub run_id: String,
    /// When the run started (UTC, RFC 3339).
    pub generated: String,
    pub knocklog: String,
    /// The subcommand (`scan`, `report`), what it read (the paths scanned, or the
    /// history store) and the whole command line, so a set says how to make it again.
    #[serde(default)]
    pub command: String,
    #[serde(default)]
    pub inputs: Vec<String>,
    #[serde(default)]
    pub arguments: Vec<String>,
    pub files: Vec<ManifestFile>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ManifestFile {
    pub name: String,
    pub bytes: u64,
    pub sha256: String,
}

/// A directory opened once and then reached through its descriptor: `path` is
/// `/proc/self/fd/N` where that resolves to it (whatever is renamed or planted at its
/// name afterwards), else the name it was opened by.
struct DirHandle {
    _file: File,
    path: PathBuf,
}

impl DirHandle {
    fn open(path: &Path, follow_symlink: bool) -> std::io::Result<DirHandle> {
        let nofollow = if follow_symlink { 0 } else { libc::O_NOFOLLOW };
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_DIRECTORY | libc::O_CLOEXEC | nofollow)
            .open(path)?;
        let by_fd = PathBuf::from(format!("/proc/self/fd/{}", file.as_raw_fd()));
        let opened = file.metadata()?;
        let same = std::fs::metadata(&by_fd).is_ok_and(|m| m.dev() == opened.dev() && m.ino() == opened.ino());
        Ok(DirHandle { path: if same { by_fd } else { path.to_owned() }, _file: file })
    }
}

/// `--out`, locked, with this run's staging directory in it.
///
/// The fields drop in order: the staging directory is removed through `dir`'s
/// descriptor, so that one must close after it.
pub struct OutputDir {
    staging: Option<tempfile::TempDir>,
    staging_handle: DirHandle,
    dir: DirHandle,
    /// As the user named it, for messages.
    given: PathBuf,
    run_id: String,
    /// The subcommand and what it read, for the manifest (`record_inputs`).
    command: String,
    inputs: Vec<String>,
    _lock: File,
}

impl OutputDir {
    /// Opens `dir` (creating it if missing): refuses a symlink unless `follow_symlink`,
    /// locks it (failing at once when another run holds it), removes stale leftovers of
    /// killed runs, and creates this run's staging directory.
    pub fn open(dir: &Path, follow_symlink: bool) -> anyhow::Result<OutputDir> {
        match std::fs::symlink_metadata(dir) {
            Ok(m) if m.file_type().is_symlink() && !follow_symlink => {
                return Err(UnusableOutDir(format!(
                    "--out {} is a symlink: knocklog does not write through one (pass --out-follow-symlink if the link and its target are yours)",
                    shown(dir)
                ))
                .into())
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => std::fs::create_dir_all(dir)
                .with_context(|| format!("creating output directory {}", dir.display()))
                .map_err(|e| not_written(e, dir))?,
            Err(e) => return Err(e).with_context(|| format!("reading --out {}", dir.display())),
        }
        let handle = DirHandle::open(dir, follow_symlink).map_err(|e| {
            let why = match e.raw_os_error() {
                Some(libc::ENOTDIR) => "not a directory".to_owned(),
                Some(libc::ELOOP) => "it became a symlink".to_owned(),
                _ => e.to_string(),
            };
            UnusableOutDir(format!("--out {}: {why}", shown(dir)))
        })?;
        // Before the lock file is made: a history store is left exactly as it is.
        refuse_other_manifest(&handle.path, dir)?;
        let lock = lock(&handle.path, dir)?;
        sweep_leftovers(&handle.path, dir);
        let pid = std::process::id();
        let staging = tempfile::Builder::new()
            .prefix(&format!("{STAGING_PREFIX}{pid}-"))
            .rand_bytes(12)
            .permissions(std::fs::Permissions::from_mode(0o700))
            .tempdir_in(&handle.path)
            .with_context(|| format!("creating a staging directory in {}", dir.display()))
            .map_err(|e| not_written(e, dir))?;
        let staging_handle = open_private_dir(staging.path(), dir).map_err(|e| not_written(e, dir))?;
        let random = staging.path().file_name().and_then(|n| n.to_str()).and_then(|n| n.rsplit('-').next());
        let started = crate::vocab::time::format_ts(crate::vocab::time::now_micros() / 1_000_000 * 1_000_000);
        let run_id = format!("{}-{}", started.replace([':', '-'], ""), random.unwrap_or_default());
        Ok(OutputDir {
            staging: Some(staging),
            staging_handle,
            dir: handle,
            given: dir.to_owned(),
            run_id,
            command: String::new(),
            inputs: Vec::new(),
            _lock: lock,
        })
    }

    /// Names the subcommand and what it read (paths as given), for the manifest.
    pub fn record_inputs(&mut self, command: &str, inputs: impl IntoIterator<Item = String>) {
        self.command = command.to_owned();
        self.inputs = inputs.into_iter().collect();
    }

    /// Where this run writes its files (under their final names) until `commit`.
    pub fn staging(&self) -> &Path {
        &self.staging_handle.path
    }

    /// `--out` as the user named it.
    pub fn given(&self) -> &Path {
        &self.given
    }

    /// How this run's write errors are marked and worded.
    pub fn write_errors(&self) -> WriteErrors {
        let named = |name: Option<&std::ffi::OsStr>| match name {
            Some(name) => format!("{}/", self.given.join(name).display()),
            None => format!("{}/", self.given.display()),
        };
        let staging_name = self.staging.as_ref().and_then(|s| s.path().file_name());
        let mut by_fd = vec![(format!("{}/", self.staging_handle.path.display()), named(staging_name))];
        by_fd.push((format!("{}/", self.dir.path.display()), named(None)));
        WriteErrors { dir: self.given.clone(), by_fd }
    }

    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// Switches the staged files in: writes the manifest of what the staging directory
    /// holds, moves the previous set aside, moves each staged file over its final name
    /// and the manifest last, then removes the staging directory with the previous
    /// files. On an error before the manifest is in, the previous set is moved back.
    pub fn commit(mut self, generated_micros: i64) -> anyhow::Result<Manifest> {
        let mut names = staged_names(self.staging())?;
        // The manifest is written below, of the others, and switched in last.
        names.retain(|name| name != MANIFEST);
        let files = names
            .par_iter()
            .map(|name| describe(&self.staging().join(name), name))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let manifest = Manifest {
            format: MANIFEST_FORMAT,
            run_id: self.run_id.clone(),
            generated: crate::vocab::time::format_ts(generated_micros),
            knocklog: env!("CARGO_PKG_VERSION").to_owned(),
            command: self.command.clone(),
            inputs: self.inputs.clone(),
            arguments: std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect(),
            files,
        };
        let mut json = serde_json::to_vec_pretty(&manifest).context("encoding manifest.json")?;
        json.push(b'\n');
        write_atomic(&self.staging().join(MANIFEST), &json)?;
        let previous = previous_names(&self.dir.path, &names);
        let mut switch = Switch::new(&self.dir.path, self.staging(), &self.given)?;
        if let Err(e) = switch.run(&names, &previous) {
            return Err(match switch.undo() {
                Ok(()) => e,
                Err(undo) => e
                    .context(format!("moving the previous files back failed too: {undo:#}"))
                    .context(OutputsNotWritten { dir: shown(&self.given), previous_kept: false }),
            });
        }
        if let Some(staging) = self.staging.take() {
            // What is left is the previous set's files: nothing to keep.
            staging.close().with_context(|| format!("removing the staging directory in {}", self.given.display()))?;
        }
        Ok(manifest)
    }
}

/// Creates (or opens) and locks `LOCK` in `dir`; fails at once when another run holds
/// it. The file is never written: it may be a hard link someone planted.
fn lock(dir: &Path, given: &Path) -> anyhow::Result<File> {
    let path = dir.join(LOCK);
    // O_NONBLOCK: a FIFO planted at the name must not hang the open.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(&path)
        .map_err(|e| UnusableOutDir(format!("--out {}: cannot open its lock file {LOCK}: {e}", shown(given))))?;
    let is_file = file.metadata().is_ok_and(|m| m.file_type().is_file());
    if !is_file {
        return Err(UnusableOutDir(format!("--out {}: {LOCK} is not a regular file", shown(given))).into());
    }
    // std's lock is flock(2) on Linux: advisory, exclusive, and released by the kernel
    // when the process dies, as the history store's.
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => {
            let holder = running_staging_owner(dir).map(|pid| format!(" (pid {pid})")).unwrap_or_default();
            Err(UnusableOutDir(format!(
                "--out {}: another knocklog run{holder} is writing into it; try again when it has finished",
                shown(given)
            ))
            .into())
        }
        Err(std::fs::TryLockError::Error(e)) => Err(e).with_context(|| format!("locking {}", given.display())),
    }
}

/// Refuses a `dir` whose manifest.json is not an output set's: a history store's
/// (`--out` pointed at `--history`), which the switch would replace and so destroy.
fn refuse_other_manifest(dir: &Path, given: &Path) -> Result<(), UnusableOutDir> {
    let Ok(bytes) = std::fs::read(dir.join(MANIFEST)) else { return Ok(()) };
    if serde_json::from_slice::<Manifest>(&bytes).is_ok() {
        return Ok(());
    }
    let json: Option<serde_json::Value> = serde_json::from_slice(&bytes).ok();
    let a_store = json.is_some_and(|v| v.get("runs").is_some() && v.get("tables").is_some());
    if a_store {
        return Err(UnusableOutDir(format!(
            "--out {} is a history store (its {MANIFEST} is the store's): choose another --out",
            shown(given)
        )));
    }
    Ok(())
}

/// The manifest of the output set in `dir`, when it holds one.
pub fn read_manifest(dir: &Path) -> Option<Manifest> {
    serde_json::from_slice(&std::fs::read(dir.join(MANIFEST)).ok()?).ok()
}

/// Whether `dir` holds an output set (its manifest.json is one), rather than, say, a
/// history store.
pub fn is_output_set(dir: &Path) -> bool {
    std::fs::read(dir.join(MANIFEST)).is_ok_and(|bytes| serde_json::from_slice::<Manifest>(&bytes).is_ok())
}

/// The pid of a live process that owns a staging directory in `dir`, if any: the lock
/// holder names itself that way.
fn running_staging_owner(dir: &Path) -> Option<u32> {
    std::fs::read_dir(dir).ok()?.flatten().find_map(|entry| {
        let name = entry.file_name();
        let pid = staging_pid(name.to_str()?)?;
        pid_alive(pid).then_some(pid)
    })
}

/// Opens the staging directory just created and checks that it is the one made: ours,
/// and private to us.
fn open_private_dir(path: &Path, given: &Path) -> anyhow::Result<DirHandle> {
    let handle = DirHandle::open(path, false).with_context(|| format!("opening {}", path.display()))?;
    let meta = std::fs::metadata(&handle.path).with_context(|| format!("reading {}", path.display()))?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    anyhow::ensure!(
        meta.uid() == me && meta.mode() & 0o077 == 0,
        "the staging directory in {} was replaced by someone else's",
        given.display()
    );
    Ok(handle)
}

/// The staged files, sorted: every regular file whose name does not start with `.`.
fn staged_names(staging: &Path) -> anyhow::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(staging).with_context(|| format!("listing {}", staging.display()))? {
        let entry = entry.with_context(|| format!("listing {}", staging.display()))?;
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else { continue };
        if !name.starts_with('.') && entry.file_type().is_ok_and(|t| t.is_file()) {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

fn describe(path: &Path, name: &str) -> anyhow::Result<ManifestFile> {
    let mut file = File::open(path).with_context(|| format!("reading {name} back"))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buf).with_context(|| format!("reading {name} back"))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        bytes += n as u64;
    }
    let sha256 = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok(ManifestFile { name: name.to_owned(), bytes, sha256 })
}

/// The files of the previous set (as its manifest names them) that this run does not
/// write again: they leave with it, so no file of an older run stays beside the new set.
/// Only plain file names of files (or links) count: the manifest may be forged, and a
/// directory is never knocklog's.
fn previous_names(dir: &Path, staged: &[String]) -> Vec<String> {
    let Ok(bytes) = std::fs::read(dir.join(MANIFEST)) else { return Vec::new() };
    let Ok(old) = serde_json::from_slice::<Manifest>(&bytes) else { return Vec::new() };
    let not_a_dir = |name: &str| std::fs::symlink_metadata(dir.join(name)).is_ok_and(|m| !m.is_dir());
    old.files
        .into_iter()
        .map(|f| f.name)
        .filter(|name| is_plain_name(name) && name != MANIFEST && !staged.contains(name) && not_a_dir(name))
        .collect()
}

fn is_plain_name(name: &str) -> bool {
    !name.is_empty() && !name.starts_with('.') && !name.contains('/') && !name.contains('\0')
}

/// The switch's moves, remembered so that a failure can undo them.
struct Switch<'a> {
    dir: &'a Path,
    staging: &'a Path,
    previous: PathBuf,
    given: &'a Path,
    done: Vec<Move>,
}

enum Move {
    /// A previous file moved from `--out` into `PREVIOUS`.
    Aside(String),
    /// A staged file moved over its final name.
    In(String),
}

impl<'a> Switch<'a> {
    fn new(dir: &'a Path, staging: &'a Path, given: &'a Path) -> anyhow::Result<Switch<'a>> {
        let previous = staging.join(PREVIOUS);
        std::fs::create_dir(&previous).with_context(|| format!("creating {PREVIOUS} in the staging directory"))?;
        Ok(Switch { dir, staging, previous, given, done: Vec::new() })
    }

    fn run(&mut self, staged: &[String], previous_only: &[String]) -> anyhow::Result<()> {
        // The old manifest leaves first: from now until the new one is in, `--out` has
        // none, so a reader never takes a half-switched directory for a set.
        self.aside(MANIFEST)?;
        for name in staged {
            self.aside(name)?;
            self.move_in(name)?;
        }
        for name in previous_only {
            self.aside(name)?;
        }
        self.move_in(MANIFEST)
    }

    fn aside(&mut self, name: &str) -> anyhow::Result<()> {
        let current = self.dir.join(name);
        if std::fs::symlink_metadata(&current).is_err() {
            return Ok(());
        }
        std::fs::rename(&current, self.previous.join(name))
            .with_context(|| format!("moving the previous {} aside", self.given.join(name).display()))?;
        self.done.push(Move::Aside(name.to_owned()));
        Ok(())
    }

    fn move_in(&mut self, name: &str) -> anyhow::Result<()> {
        std::fs::rename(self.staging.join(name), self.dir.join(name))
            .with_context(|| format!("moving {} into place", self.given.join(name).display()))?;
        self.done.push(Move::In(name.to_owned()));
        Ok(())
    }

    /// Moves everything back as it was, newest move first.
    fn undo(&mut self) -> anyhow::Result<()> {
        while let Some(step) = self.done.pop() {
            let (from, to, name) = match &step {
                Move::In(name) => (self.dir.join(name), self.staging.join(name), name),
                Move::Aside(name) => (self.previous.join(name), self.dir.join(name), name),
            };
            std::fs::rename(&from, &to).with_context(|| format!("moving {name} back"))?;
        }
        Ok(())
    }
}

/// Removes what killed runs left in `dir`: staging directories and temporary files
/// whose owning process is gone (or that are older than `STALE_AFTER`), and the
/// `NAME.tmp-PID` files of knocklog versions before staging. A leftover that cannot be
/// removed is reported and skipped: it is in the way of nothing.
pub fn sweep_leftovers(dir: &Path, given: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(leftover_pid) else { continue };
        // DirEntry::metadata does not follow a symlink: a planted link is removed as a
        // link, never what it points to.
        let Ok(meta) = entry.metadata() else { continue };
        let old = meta.modified().ok().and_then(|m| now.duration_since(m).ok()).is_some_and(|age| age > STALE_AFTER);
        if pid_alive(pid) && !old {
            continue;
        }
        let path = dir.join(&name);
        let removed = if meta.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
        if let Err(e) = removed {
            let what = shown(&given.join(&name));
            eprintln!("knocklog: could not remove {what}, left by an earlier run: {e}");
        }
    }
}

/// The pid in the name of a run's leftover, if `name` is one.
fn leftover_pid(name: &str) -> Option<u32> {
    if let Some(pid) = staging_pid(name) {
        return Some(pid);
    }
    if let Some((_, rest)) = name.split_once(TEMP_MARK) {
        return rest.split_once('-')?.0.parse().ok();
    }
    let (stem, pid) = name.rsplit_once(".tmp-")?;
    (legacy_output_name(stem) && pid.bytes().all(|b| b.is_ascii_digit())).then(|| pid.parse().ok())?
}

fn staging_pid(name: &str) -> Option<u32> {
    name.strip_prefix(STAGING_PREFIX)?.split_once('-')?.0.parse().ok()
}

/// A file name knocklog writes into `--out` (the only names whose old-style temporary
/// files are swept: a user's own `x.tmp-1` is left alone).
fn legacy_output_name(name: &str) -> bool {
    let tables = ["events", "ips", "sessions", "usernames", "daily", "patterns", "attackers"];
    let table =
        name.strip_suffix(".csv").or_else(|| name.strip_suffix(".parquet")).is_some_and(|stem| tables.contains(&stem));
    let others = ["summary.json", "report.json", "report.html", "report-fragment.html", crate::learn::SUGGESTIONS_FILE];
    table || others.contains(&name) || super::blocklist::FILES.contains(&name)
}

/// Whether a process with this pid exists (signal 0 checks without sending anything).
pub fn pid_alive(pid: u32) -> bool {
    // 0 and negative values address process groups, not one process.
    let Ok(pid) = i32::try_from(pid) else { return false };
    if pid <= 0 {
        return false;
    }
    // SAFETY: kill with signal 0 only checks for the process; it has no preconditions.
    let sent = unsafe { libc::kill(pid, 0) } == 0;
    sent || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Refuses an `--out` inside one of the scanned paths: the next scan would read the
/// outputs of this one as logs.
pub fn refuse_inside_scanned(out: &Path, scanned: &[PathBuf]) -> Result<(), UnusableOutDir> {
    let out_resolved = resolve_missing_tail(out);
    for path in scanned {
        let Ok(scanned_dir) = std::fs::canonicalize(path) else { continue };
        if out_resolved.starts_with(&scanned_dir) {
            return Err(UnusableOutDir(format!(
                "--out {} is inside the scanned path {}: the scan would read its own outputs; choose an --out outside it",
                shown(out),
                shown(path)
            )));
        }
    }
    Ok(())
}

/// Refuses an `--out` that is the `--history` store: both keep a manifest.json.
pub fn refuse_same_dir(out: &Path, store: &Path) -> Result<(), UnusableOutDir> {
    if resolve_missing_tail(out) == resolve_missing_tail(store) {
        return Err(UnusableOutDir(format!(
            "--out {} is the --history store: give them different directories",
            shown(out)
        )));
    }
    Ok(())
}

/// `path` made absolute with symlinks resolved, as far as it exists; the missing
/// rest (an --out still to be created) appended as given.
fn resolve_missing_tail(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let mut existing = absolute.as_path();
    let mut missing = Vec::new();
    loop {
        if let Ok(resolved) = std::fs::canonicalize(existing) {
            return missing.iter().rev().fold(resolved, |p, part| p.join(part));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                missing.push(name.to_owned());
                existing = parent;
            }
            _ => return absolute,
        }
    }
}

fn shown(path: &Path) -> String {
    for_terminal(&path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pid no process can have: above the kernel's maximum.
    fn dead_pid() -> u32 {
        let max = std::fs::read_to_string("/proc/sys/kernel/pid_max").ok().and_then(|s| s.trim().parse().ok());
        max.unwrap_or(4_194_304) + 1
    }

    #[test]
    fn leftovers_are_recognised_by_name() {
        assert_eq!(leftover_pid(".knocklog-staging-123-abcdef"), Some(123));
        assert_eq!(leftover_pid(".events.csv.knocklog-tmp-77-xyz"), Some(77));
        assert_eq!(leftover_pid("summary.json.tmp-4242"), Some(4242));
        assert_eq!(leftover_pid("blocklist.nft.tmp-9"), Some(9));
        assert_eq!(leftover_pid("notes.txt.tmp-9"), None, "not a knocklog output");
        assert_eq!(leftover_pid("events.csv"), None);
        assert_eq!(leftover_pid("events.csv.tmp-x1"), None);
    }

    #[test]
    fn pids_that_address_groups_or_nobody_are_not_alive() {
        assert!(pid_alive(std::process::id()));
        assert!(!pid_alive(0));
        assert!(!pid_alive(u32::MAX), "-1 would address every process");
        assert!(!pid_alive(dead_pid()));
    }

    #[test]
    fn an_out_inside_a_scanned_path_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let logs = dir.path().join("logs");
        std::fs::create_dir(&logs).unwrap();
        let refused = refuse_inside_scanned(&logs.join("not-yet/out"), std::slice::from_ref(&logs));
        assert!(refused.is_err_and(|e| e.0.contains("inside the scanned path")));
        assert!(refuse_inside_scanned(&logs, std::slice::from_ref(&logs)).is_err());
        assert!(refuse_inside_scanned(&dir.path().join("out"), &[logs.clone()]).is_ok());
        assert!(refuse_inside_scanned(&dir.path().join("logs-out"), &[logs]).is_ok(), "a sibling, not inside");
    }

    #[test]
    fn a_history_store_is_no_out_dir() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(MANIFEST), r#"{"format":1,"runs":[],"sources":[],"tables":{}}"#).unwrap();
        let refused = OutputDir::open(dir.path(), false).err().unwrap();
        assert!(refused.to_string().contains("is a history store"), "{refused}");
        assert!(!is_output_set(dir.path()));
        assert_eq!(std::fs::read(dir.path().join(MANIFEST)).unwrap().len(), 47, "the store's manifest is untouched");
    }

    #[test]
    fn a_failed_switch_puts_the_previous_set_back() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let first = OutputDir::open(&out, false).unwrap();
        write_atomic(&first.staging().join("a.csv"), b"old a").unwrap();
        write_atomic(&first.staging().join("b.csv"), b"old b").unwrap();
        first.commit(0).unwrap();
        let before = std::fs::read(out.join(MANIFEST)).unwrap();

        let second = OutputDir::open(&out, false).unwrap();
        write_atomic(&second.staging().join("a.csv"), b"new a").unwrap();
        write_atomic(&second.staging().join("b.csv"), b"new b").unwrap();
        // The second file's move fails (it vanished from staging, as a disk error would
        // make it fail) after the first one and the old manifest were moved.
        let staging = second.staging().to_owned();
        let mut switch = Switch::new(&second.dir.path, &staging, &out).unwrap();
        std::fs::remove_file(staging.join("b.csv")).unwrap();
        write_atomic(&staging.join(MANIFEST), b"{}").unwrap();
        let names = vec!["a.csv".to_owned(), "b.csv".to_owned()];
        assert!(switch.run(&names, &[]).is_err());
        switch.undo().unwrap();
        assert_eq!(std::fs::read(out.join("a.csv")).unwrap(), b"old a");
        assert_eq!(std::fs::read(out.join("b.csv")).unwrap(), b"old b");
        assert_eq!(std::fs::read(out.join(MANIFEST)).unwrap(), before);
    }
}
