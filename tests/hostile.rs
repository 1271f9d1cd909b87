//! Hostile and damaged input: every case runs the real binary and checks its exit code,
//! its warnings and its peak memory (the child's own, from wait4), so that a file built
//! to exhaust memory or to hide lines is caught.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::util::{knocklog, read_csv, skip};

/// A finished scan: exit code, stderr, summary.json, the child's peak RSS in MiB and
/// its wall time.
struct Hostile {
    code: i32,
    stderr: String,
    summary: serde_json::Value,
    peak_mib: f64,
    elapsed: Duration,
    out: tempfile::TempDir,
}

impl Hostile {
    fn skipped(&self, name: &str) -> &serde_json::Value {
        let skipped = self.summary["skipped"].as_array().unwrap();
        skipped
            .iter()
            .find(|s| s["path"].as_str().unwrap().ends_with(name))
            .unwrap_or_else(|| panic!("{name} is not in skipped: {}\n{}", self.summary["skipped"], self.stderr))
    }
}

/// A scan that has not ended by then is killed: a blocked open or an endless read fails
/// the test instead of hanging it.
const SCAN_LIMIT: Duration = Duration::from_secs(120);

fn scan_hostile(paths: &[&Path]) -> Hostile {
    scan_hostile_with(paths, &[], false)
}

/// `scan_hostile` with more arguments; `no_read_override` runs the child without the
/// capabilities that let root read any file, so that a mode-000 file is unreadable to
/// it as to any user (the tests run as root here).
fn scan_hostile_with(paths: &[&Path], extra: &[&str], no_read_override: bool) -> Hostile {
    let out = tempfile::tempdir().unwrap();
    let mut cmd = knocklog();
    cmd.arg("scan").args(paths).arg("--out").arg(out.path());
    cmd.args(["--timezone", "utc", "--quiet", "--no-learn", "--threads", "2"]).args(extra);
    if no_read_override {
        drop_read_override(&mut cmd);
    }
    let (code, stderr, peak_mib, elapsed) = run_measured(cmd, SCAN_LIMIT);
    let summary = fs::read_to_string(out.path().join("summary.json"))
        .map(|s| serde_json::from_str(&s).unwrap())
        .unwrap_or(serde_json::Value::Null);
    Hostile { code, stderr, summary, peak_mib, elapsed, out }
}

/// Runs `cmd` to its end (the journal tests share it): exit code (minus the signal that killed it), stderr, peak RSS
/// in MiB and wall time. The peak is the child's own: its VmHWM, read when it stops at
/// its exit under ptrace. (wait4's ru_maxrss is not: a child started with vfork, as
/// Command does, carries the peak of the test process that spawned it, and one started
/// with fork carries that process's size at the fork.) A child that runs past
/// `limit` is killed, so a blocked open fails the test instead of hanging it.
pub(crate) fn run_measured(mut cmd: std::process::Command, limit: Duration) -> (i32, String, f64, Duration) {
    // SAFETY: between fork and exec only ptrace, which is async-signal-safe.
    unsafe {
        cmd.pre_exec(|| match libc::ptrace(libc::PTRACE_TRACEME, 0, NO_ARG, NO_ARG) {
            0 => Ok(()),
            _ => Err(std::io::Error::last_os_error()),
        });
    }
    let started = Instant::now();
    let mut child = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let pid = child.id() as libc::pid_t;
    let mut pipe = child.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut pipe, &mut text).unwrap();
        text
    });
    let reaped_flag = Arc::new(AtomicBool::new(false));
    let watchdog = {
        let reaped_flag = reaped_flag.clone();
        std::thread::spawn(move || {
            while started.elapsed() < limit {
                if reaped_flag.load(Ordering::SeqCst) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            // SAFETY: the child is not reaped yet (the flag is set only after it is).
            unsafe { libc::kill(pid, libc::SIGKILL) };
        })
    };
    // Only this thread may drive the tracee (it spawned it, so it is its tracer).
    let mut peak_kib = None;
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 and ptrace act on exactly this child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        assert_eq!(reaped, pid, "wait4: {}", std::io::Error::last_os_error());
        if !libc::WIFSTOPPED(status) {
            break;
        }
        let forward = match (libc::WSTOPSIG(status), status >> 16) {
            // The stop after exec: from now on, stop once more at exit.
            (libc::SIGTRAP, 0) if peak_kib.is_none() => {
                let options = libc::PTRACE_O_TRACEEXIT | libc::PTRACE_O_EXITKILL;
                unsafe { libc::ptrace(libc::PTRACE_SETOPTIONS, pid, NO_ARG, options as usize as *mut libc::c_void) };
                peak_kib = Some(0);
                0
            }
            (libc::SIGTRAP, libc::PTRACE_EVENT_EXIT) => {
                peak_kib = vm_hwm_kib(pid).or(peak_kib);
                0
            }
            (signal, _) => signal,
        };
        unsafe { libc::ptrace(libc::PTRACE_CONT, pid, NO_ARG, forward as usize as *mut libc::c_void) };
    }
    reaped_flag.store(true, Ordering::SeqCst);
    watchdog.join().unwrap();
    let elapsed = started.elapsed();
    let code = if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { -libc::WTERMSIG(status) };
    assert!(code != -libc::SIGKILL || elapsed < limit, "the scan ran past {limit:?} and was killed");
    let peak_kib = peak_kib.filter(|&k| k > 0).unwrap_or(usage.ru_maxrss as u64);
    (code, stderr.join().unwrap(), peak_kib as f64 / 1024.0, elapsed)
}

/// ptrace's pointer-sized arguments, where a request has no use for one.
const NO_ARG: *mut libc::c_void = std::ptr::null_mut();

/// The peak resident size of a live process, from /proc.
fn vm_hwm_kib(pid: libc::pid_t) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// linux/capability.h: bypass file permission checks; bypass read and search checks.
const CAP_DAC_OVERRIDE: libc::c_ulong = 1;
const CAP_DAC_READ_SEARCH: libc::c_ulong = 2;

/// Makes `cmd` run without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, dropped from the
/// bounding set so that exec does not grant them back to root.
fn drop_read_override(cmd: &mut std::process::Command) {
    // SAFETY: between fork and exec only prctl, which is async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            for cap in [CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH] {
                if libc::prctl(libc::PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
}

fn can_drop_read_override() -> bool {
    let mut probe = std::process::Command::new("/bin/sh");
    probe.args(["-c", "exit 0"]);
    drop_read_override(&mut probe);
    probe.status().is_ok_and(|s| s.success())
}

fn file_entry<'a>(summary: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    summary["files"].as_array().unwrap().iter().find(|f| f["path"].as_str().unwrap().ends_with(name)).unwrap()
}

const LINE: &str = "Jan  5 10:00:00 web sshd[7]: Failed password for root from 203.0.113.70 port 4000 ssh2\n";

/// A gzip archive whose valid lines are followed by 2 GiB of NUL bytes and no newline
/// (2 MB compressed): memory stays bounded, the lines before are read, the rest is
/// skipped and counted.
#[test]
fn a_gzip_bomb_of_one_endless_line_stays_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("auth.log.2.gz");
    let mut enc = flate2::write::GzEncoder::new(fs::File::create(&path).unwrap(), flate2::Compression::fast());
    for _ in 0..3 {
        enc.write_all(LINE.as_bytes()).unwrap();
    }
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..2048 {
        enc.write_all(&zeros).unwrap();
    }
    enc.write_all(b"\n").unwrap();
    enc.write_all(LINE.as_bytes()).unwrap();
    enc.finish().unwrap();
    let run = scan_hostile(&[dir.path()]);
    let f = file_entry(&run.summary, "auth.log.2.gz");
    assert_eq!((f["overlong_lines"].as_u64(), f["with_address"].as_u64()), (Some(1), Some(4)), "{f}\n{}", run.stderr);
    assert_eq!(f["overlong_bytes_skipped"].as_u64(), Some((2048 << 20) + 1 - (1 << 20)), "{f}");
    assert!(run.stderr.contains("longer than --max-line-bytes"), "{}", run.stderr);
    assert_eq!(run.code, 2, "a file not read whole: {}", run.stderr);
    assert!(run.peak_mib < 400.0, "peak {:.0} MiB", run.peak_mib);
}

/// The same endless line in a plain file.
#[test]
fn a_plain_endless_line_stays_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("auth.log.1");
    let mut f = fs::File::create(&path).unwrap();
    f.write_all(LINE.as_bytes()).unwrap();
    let junk = vec![b'A'; 1 << 20];
    for _ in 0..300 {
        f.write_all(&junk).unwrap();
    }
    f.write_all(b"\n").unwrap();
    f.write_all(LINE.as_bytes()).unwrap();
    drop(f);
    let run = scan_hostile(&[dir.path()]);
    let f = file_entry(&run.summary, "auth.log.1");
    assert_eq!((f["overlong_lines"].as_u64(), f["with_address"].as_u64()), (Some(1), Some(2)), "{f}\n{}", run.stderr);
    assert_eq!(f["lines"].as_u64(), Some(3), "{f}");
    assert!(run.peak_mib < 250.0, "peak {:.0} MiB", run.peak_mib);
}

/// NUL bytes inside a line do not make a log binary: the line is read (its NULs kept
/// as characters), and the attack behind them is found.
#[test]
fn stray_nuls_inside_lines_hide_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("Jan  5 09:00:00 web cron[1]: tick\0\0 x\n{LINE}");
    fs::write(dir.path().join("auth.log"), text).unwrap();
    let run = scan_hostile(&[dir.path()]);
    let f = file_entry(&run.summary, "auth.log");
    assert_eq!((f["lines"].as_u64(), f["with_address"].as_u64()), (Some(2), Some(1)), "{f}\n{}", run.stderr);
    assert_eq!(run.summary["skipped"].as_array().unwrap().len(), 0, "{}", run.summary);
}

/// A live log that starts with the NUL hole copytruncate leaves (the writer went on at
/// its old offset): the hole is skipped and counted, the lines after it are read.
#[test]
fn a_copytruncate_hole_is_skipped_and_what_follows_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = vec![0u8; 3 << 20];
    for _ in 0..5 {
        text.extend_from_slice(LINE.as_bytes());
    }
    fs::write(dir.path().join("auth.log"), &text).unwrap();
    let run = scan_hostile(&[dir.path()]);
    let f = file_entry(&run.summary, "auth.log");
    assert_eq!(f["leading_nul_bytes"].as_u64(), Some(3 << 20), "{f}\n{}", run.stderr);
    assert_eq!((f["lines"].as_u64(), f["with_address"].as_u64()), (Some(5), Some(5)), "{f}");
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// A file that reads as no log and looks binary is skipped with a warning (it may be a
/// log someone made unreadable), named on stderr.
#[test]
fn a_binary_file_is_skipped_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let bytes: Vec<u8> = (0..8192u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8 & 0x0f).collect();
    fs::write(dir.path().join("secure"), bytes).unwrap();
    fs::write(dir.path().join("auth.log"), LINE).unwrap();
    let run = scan_hostile(&[dir.path()]);
    let skipped = run.summary["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1, "{}", run.summary);
    assert_eq!(
        (skipped[0]["reason"].as_str(), skipped[0]["warning"].as_bool()),
        (Some("binary content, not a text log"), Some(true))
    );
    assert!(run.stderr.contains("secure: binary content"), "{}", run.stderr);
    assert_eq!(run.code, 2, "a file that may be a log was not read");
}

/// Files the user names as knocklog's own input (settings, pattern files) and the
/// thread count are checked before anything is read: `/dev/zero` read forever, and
/// `--threads 100000` hung. Each is a usage error (exit 1) that names what is wrong.
#[test]
fn endless_settings_files_and_absurd_thread_counts_are_usage_errors() {
    let out = tempfile::tempdir().unwrap();
    let sample = crate::util::repo().join("sample-logs");
    let cases: [(&[&str], &str); 3] = [
        (&["--config", "/dev/zero"], "cannot read /dev/zero: not a regular file"),
        (&["--attack-patterns", "/dev/zero"], "/dev/zero"),
        (&["--threads", "100000"], "--threads 100000 is more than"),
    ];
    for (args, message) in cases {
        let o = knocklog()
            .arg("scan")
            .arg(&sample)
            .args(args)
            .arg("--out")
            .arg(out.path().join("o"))
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
}

/// One address trying 300 000 distinct usernames: what it targeted is bounded (the
/// 1000 smallest usernames kept, the rest counted), so memory is the events' only.
/// Before the bound this scan peaked at about 390 MiB, after at about 280 MiB.
#[test]
fn one_address_with_endless_usernames_is_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::with_capacity(300_000 * 80);
    for i in 0..300_000u32 {
        text.push_str(&format!(
            "Jan  5 10:{:02}:{:02} web sshd[7]: Invalid user u{i:07} from 203.0.113.70 port 4000\n",
            (i / 60) % 60,
            i % 60
        ));
    }
    fs::write(dir.path().join("auth.log"), text).unwrap();
    let run = scan_hostile(&[dir.path()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.peak_mib < 340.0, "peak {:.0} MiB", run.peak_mib);
}

fn mkfifo(path: &Path) {
    let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) }, 0, "mkfifo {}", path.display());
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// A botnet of distinct IPv6 addresses, one failed login each: what each further
/// attacker costs is its statistics, not a share of whole tables built at once. The
/// cost is the slope between 100k and 300k attackers, so that what every scan needs
/// (threads, buffers, the events table's batches) cancels out. Before the per-address
/// tables were written in batches and first pushes reserved one element, a further
/// attacker cost about 3 KB (a million peaked at 2.75 GB); now about 1.3 KB.
#[test]
fn each_further_ipv6_attacker_costs_its_statistics_only() {
    let peak_mib = |n: u32| {
        let dir = tempfile::tempdir().unwrap();
        let mut text = String::with_capacity(n as usize * 90);
        for i in 0..n {
            text.push_str(&format!(
                "Nov  1 10:{:02}:{:02} web sshd[7]: Invalid user admin from 2001:db8:{:x}:{:x}::1 port 4000\n",
                (i / 60) % 60,
                i % 60,
                i >> 16,
                i & 0xffff
            ));
        }
        fs::write(dir.path().join("auth.log"), text).unwrap();
        let run = scan_hostile(&[dir.path()]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(run.summary["totals"]["ips"].as_u64(), Some(n as u64), "{}", run.summary);
        run.peak_mib
    };
    let (small, large) = (peak_mib(100_000), peak_mib(300_000));
    let per_attacker = (large - small) * 1024.0 * 1024.0 / 200_000.0;
    assert!(per_attacker < 2000.0, "{per_attacker:.0} bytes per attacker ({small:.0} -> {large:.0} MiB)");
}

/// `n` failed sshd logins, one address each.
fn auth_lines(n: usize) -> Vec<u8> {
    (0..n)
        .flat_map(|i| {
            format!(
                "Jan  5 10:{:02}:{:02} web sshd[{i}]: Failed password for root from 203.0.113.{} port 4000 ssh2\n",
                i / 60 % 60,
                i % 60,
                i % 250
            )
            .into_bytes()
        })
        .collect()
}

/// Empty files of every kind are notes, never errors; the run reads the rest (exit 0).
/// With nothing but empty files there is nothing to read at all: exit 2.
#[test]
fn empty_files_are_notes_and_nothing_but_them_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["auth.log", "syslog.1.gz", "system.journal"] {
        fs::write(dir.path().join(name), b"").unwrap();
    }
    fs::write(dir.path().join("access.log.2.gz"), gzip(b"")).unwrap();
    let run = scan_hostile(&[dir.path()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.lines().last().unwrap().contains("exit 2: no log files"), "{}", run.stderr);
    fs::write(dir.path().join("secure"), LINE).unwrap();
    let run = scan_hostile(&[dir.path()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for name in ["auth.log", "syslog.1.gz", "system.journal", "access.log.2.gz"] {
        let s = run.skipped(name);
        assert_eq!((s["reason"].as_str(), s["warning"].as_bool()), (Some("empty"), Some(false)), "{name}");
    }
    assert!(run.peak_mib < 150.0, "peak {:.0} MiB", run.peak_mib);
}

/// A FIFO in a tree is never opened (an open waits for a writer that never comes): a
/// note. Named on the command line it is a stream, read without waiting for a writer:
/// with none, a warning (exit 2). Before, the first was passed over without a word and
/// the second dropped silently with exit 0.
#[test]
fn a_fifo_never_blocks_the_scan() {
    let dir = tempfile::tempdir().unwrap();
    mkfifo(&dir.path().join("auth.log"));
    fs::write(dir.path().join("secure"), LINE).unwrap();
    let run = scan_hostile(&[dir.path()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let fifo = run.skipped("auth.log");
    assert_eq!(fifo["warning"].as_bool(), Some(false), "{fifo}");
    assert!(fifo["reason"].as_str().unwrap().contains("a FIFO"), "{fifo}");
    assert_eq!(file_entry(&run.summary, "secure")["with_address"].as_u64(), Some(1));

    let named = dir.path().join("auth.log");
    let run = scan_hostile(&[&named, &dir.path().join("secure")]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("auth.log: no bytes came from it (nothing wrote to it)"), "{}", run.stderr);
    assert!(run.elapsed < Duration::from_secs(30), "{:?}", run.elapsed);
}

/// Symlinks to endless devices: inside the tree not followed (a note), named on the
/// command line refused with a warning, never read.
#[test]
fn links_to_dev_zero_and_urandom_are_never_read() {
    let dir = tempfile::tempdir().unwrap();
    symlink("/dev/zero", dir.path().join("syslog")).unwrap();
    symlink("/dev/urandom", dir.path().join("messages")).unwrap();
    fs::write(dir.path().join("secure"), LINE).unwrap();
    let run = scan_hostile(&[dir.path()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for name in ["syslog", "messages"] {
        let s = run.skipped(name);
        assert_eq!(s["reason"].as_str(), Some("symbolic link inside the tree, not followed"), "{s}");
        assert_eq!(s["warning"].as_bool(), Some(false));
    }
    let zero = dir.path().join("syslog");
    let random = dir.path().join("messages");
    let run = scan_hostile(&[&zero, &random, &dir.path().join("secure")]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    for name in ["syslog", "messages"] {
        let s = run.skipped(name);
        assert_eq!(s["reason"].as_str(), Some("not a regular file but a character device, not read"), "{s}");
        assert_eq!(s["warning"].as_bool(), Some(true));
    }
    assert!(run.peak_mib < 150.0, "peak {:.0} MiB", run.peak_mib);
    assert!(run.elapsed < Duration::from_secs(30), "{:?}", run.elapsed);
}

/// Symlink loops, of files and of a directory: not followed in the tree; named, a
/// broken link (a warning).
#[test]
fn symlink_loops_end() {
    let dir = tempfile::tempdir().unwrap();
    symlink("b.log", dir.path().join("a.log")).unwrap();
    symlink("a.log", dir.path().join("b.log")).unwrap();
    let sub = dir.path().join("nginx");
    fs::create_dir(&sub).unwrap();
    symlink("..", sub.join("up")).unwrap();
    fs::write(sub.join("access.log"), b"203.0.113.5 - - [06/Jan/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 404 1\n")
        .unwrap();
    let run = scan_hostile(&[dir.path()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for name in ["a.log", "b.log", "up"] {
        assert_eq!(run.skipped(name)["warning"].as_bool(), Some(false));
    }
    assert_eq!(run.summary["files"].as_array().unwrap().len(), 1, "the tree is read once: {}", run.summary["files"]);
    let run = scan_hostile(&[&dir.path().join("a.log"), &sub]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let s = run.skipped("a.log");
    assert!(s["reason"].as_str().unwrap().starts_with("broken link: "), "{s}");
    assert_eq!(run.summary["files"].as_array().unwrap().len(), 1, "{}", run.summary["files"]);
}

/// 100 000 one-line files (a tree built to make per-file costs explode): every one
/// read, in bounded time and memory.
#[test]
fn a_hundred_thousand_tiny_files_stay_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let line = LINE.as_bytes();
    for d in 0..100 {
        let sub = dir.path().join(format!("host{d}"));
        fs::create_dir(&sub).unwrap();
        for i in 0..1000 {
            fs::write(sub.join(format!("app{i}.log")), line).unwrap();
        }
    }
    let run = scan_hostile(&[dir.path()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.summary["files"].as_array().unwrap().len(), 100_000);
    assert_eq!(run.summary["totals"]["lines"].as_u64(), Some(100_000));
    assert!(run.elapsed < Duration::from_secs(60), "{:?}", run.elapsed);
    assert!(run.peak_mib < 500.0, "peak {:.0} MiB", run.peak_mib);
}

/// A file the scan may not read (mode 000) and a directory it may not list are named
/// in warnings and make the exit code 2; the rest is read. Root reads any file, so the
/// scan runs without the two capabilities that allow it.
#[test]
fn unreadable_files_and_directories_are_warnings() {
    let dir = tempfile::tempdir().unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    fs::write(dir.path().join("auth.log"), LINE).unwrap();
    fs::write(dir.path().join("secure"), LINE).unwrap();
    fs::set_permissions(dir.path().join("auth.log"), fs::Permissions::from_mode(0o000)).unwrap();
    let locked = dir.path().join("apache2");
    fs::create_dir(&locked).unwrap();
    fs::write(locked.join("access.log"), b"x\n").unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    if root && !can_drop_read_override() {
        let why = "root here may not drop CAP_DAC_OVERRIDE (no CAP_SETPCAP), so it reads a mode-000 file";
        return skip("unreadable_files_and_directories_are_warnings", why);
    }
    let run = scan_hostile_with(&[dir.path()], &[], root);
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(run.code, 2, "{}", run.stderr);
    let file = run.skipped("auth.log");
    assert!(file["reason"].as_str().unwrap().contains("Permission denied"), "{file}");
    let listing = run.skipped("apache2");
    assert!(listing["reason"].as_str().unwrap().starts_with("cannot list directory"), "{listing}");
    assert!([&file, &listing].iter().all(|s| s["warning"] == true));
    assert_eq!(file_entry(&run.summary, "secure")["with_address"].as_u64(), Some(1));
    assert!(run.stderr.lines().last().unwrap().starts_with("knocklog: exit 2"), "{}", run.stderr);
}

/// CRLF line ends are not part of the line, and bytes that are no UTF-8 are kept as
/// `\xNN` escapes in the CSV: nothing is lost or mangled into U+FFFD.
#[test]
fn crlf_and_invalid_utf8_are_kept_exactly() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("auth.log"),
        b"Jan  5 10:00:00 web sshd[7]: Invalid user \xff\xfeadm\xc3 from 203.0.113.71 port 4001\r\n\
          Jan  5 10:00:01 web sshd[7]: Failed password for root from 203.0.113.70 port 4000 ssh2\r\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("access.log"),
        b"203.0.113.9 - - [06/Jan/2026:10:00:00 +0000] \"GET /\xff\xfe.php HTTP/1.1\" 404 9 \"-\" \"x\xc0\"\r\n",
    )
    .unwrap();
    let run = scan_hostile_with(&[dir.path()], &["--all-events"], false);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let events = read_csv(&run.out.path().join("events.csv"));
    let by_line = |file: &str, n: &str| {
        events.iter().find(|e| e["source_file"].ends_with(file) && e["line_no"] == n).unwrap().clone()
    };
    let bad_user = by_line("auth.log", "1");
    assert_eq!(bad_user["user"], "\\xff\\xfeadm\\xc3");
    assert_eq!(bad_user["message"], "Invalid user \\xff\\xfeadm\\xc3 from 203.0.113.71 port 4001");
    assert_eq!(by_line("auth.log", "2")["message"], "Failed password for root from 203.0.113.70 port 4000 ssh2");
    let request = by_line("access.log", "1");
    assert_eq!((request["path"].as_str(), request["user_agent"].as_str()), ("/\\xff\\xfe.php", "x\\xc0"));
    assert_eq!(run.summary["totals"]["unparsed"].as_u64(), Some(0), "{}", run.summary["totals"]);
}

/// Concatenated gzip members (one of them empty) are one file read whole; a gzip, zstd,
/// xz or bzip2 archive cut short gives its lines before the cut (and the part of the
/// line it cut) and a warning naming the compression (exit 2), in bounded memory.
#[test]
fn concatenated_and_truncated_archives() {
    let dir = tempfile::tempdir().unwrap();
    let text = auth_lines(20_000);
    let members = [gzip(&text[..text.len() / 2]), gzip(b""), gzip(&text[text.len() / 2..])].concat();
    fs::write(dir.path().join("auth.log.1"), members).unwrap();
    let run = scan_hostile(&[dir.path()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(file_entry(&run.summary, "auth.log.1")["lines"].as_u64(), Some(20_000));

    let dir = tempfile::tempdir().unwrap();
    let bz2 = {
        let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
        e.write_all(&text).unwrap();
        e.finish().unwrap()
    };
    let xz = {
        let mut e = liblzma::write::XzEncoder::new(Vec::new(), 1);
        e.write_all(&text).unwrap();
        e.finish().unwrap()
    };
    let archives = [
        ("auth.log.2.gz", "gzip", gzip(&text)),
        ("auth.log.3.zst", "zstd", zstd::stream::encode_all(&text[..], 3).unwrap()),
        ("auth.log.4.xz", "xz", xz),
        ("auth.log.5.bz2", "bzip2", bz2),
    ];
    for (name, _, bytes) in &archives {
        fs::write(dir.path().join(name), &bytes[..bytes.len() * 2 / 3]).unwrap();
    }
    let run = scan_hostile(&[dir.path()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    for (name, kind, _) in &archives {
        let f = file_entry(&run.summary, name);
        let lines = f["lines"].as_u64().unwrap();
        assert!((1000..20_000).contains(&lines), "{name}: {lines} lines before the cut\n{}", run.stderr);
        let warnings = f["warnings"].as_array().unwrap();
        assert_eq!(warnings.len(), 1, "{name}: {warnings:?}");
        assert!(warnings[0].as_str().unwrap().starts_with(&format!("{kind} stream ends early")), "{warnings:?}");
        // The line the cut went through is kept as far as it goes (it may still name
        // its address); every line before it is whole.
        let whole = f["with_address"].as_u64().unwrap();
        assert!(whole + 1 >= lines && f["unparsed"].as_u64() <= Some(1), "{name}: {f}");
    }
    assert!(run.peak_mib < 200.0, "peak {:.0} MiB", run.peak_mib);
}

/// A `journalctl -o export` dump whose MESSAGE never ends (512 MiB, 0.5 MB gzipped):
/// before, the reader held the line whole (a 1 GiB one peaked at 3.1 GB); now it keeps
/// the line cap, warns, and reads the entry after it.
#[test]
fn an_export_dump_with_an_endless_field_stays_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let mut enc = flate2::write::GzEncoder::new(
        fs::File::create(dir.path().join("journal.export.gz")).unwrap(),
        flate2::Compression::fast(),
    );
    enc.write_all(
        b"__CURSOR=s=1\n__REALTIME_TIMESTAMP=1767657748000001\n_HOSTNAME=web\nSYSLOG_IDENTIFIER=sshd\nMESSAGE=",
    )
    .unwrap();
    let junk = vec![b'A'; 1 << 20];
    for _ in 0..512 {
        enc.write_all(&junk).unwrap();
    }
    enc.write_all(b"\n\n__CURSOR=s=2\n__REALTIME_TIMESTAMP=1767657749000000\n_HOSTNAME=web\nSYSLOG_IDENTIFIER=sshd\n")
        .unwrap();
    enc.write_all(b"_PID=7\nMESSAGE=Failed password for root from 203.0.113.70 port 4000 ssh2\n\n").unwrap();
    enc.finish().unwrap();
    let run = scan_hostile(&[dir.path()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let f = file_entry(&run.summary, "journal.export.gz");
    assert_eq!((f["lines"].as_u64(), f["with_address"].as_u64()), (Some(2), Some(1)), "{f}\n{}", run.stderr);
    assert!(run.stderr.contains("longer than 1048576 bytes"), "{}", run.stderr);
    assert!(run.peak_mib < 250.0, "peak {:.0} MiB", run.peak_mib);
}

/// The peak memory of three hostile shapes, for the README's figures; slow (about a
/// minute), so run on demand: `cargo test --release -- --ignored hostile::peak_rss`.
#[test]
#[ignore]
fn peak_rss_of_hostile_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let one_line = dir.path().join("long").join("auth.log");
    fs::create_dir(one_line.parent().unwrap()).unwrap();
    let mut f = fs::File::create(&one_line).unwrap();
    f.write_all(LINE.as_bytes()).unwrap();
    let junk = vec![b'A'; 1 << 20];
    for _ in 0..100 {
        f.write_all(&junk).unwrap();
    }
    f.write_all(b"\n").unwrap();
    f.write_all(LINE.as_bytes()).unwrap();
    drop(f);
    let shapes = [
        ("a 100 MB single line (plain)", one_line.parent().unwrap().to_owned(), 3),
        (
            "1 M distinct IPv6 attackers, one failed sshd line each",
            lines_dir(dir.path(), "v6", |i| {
                format!(
                    "Jan  5 10:00:00 web sshd[7]: Failed password for root from 2001:db8:{:x}:{:x}::1 port 4000 ssh2\n",
                    i >> 16,
                    i & 0xffff
                )
            }),
            1_000_000,
        ),
        (
            "1 M distinct usernames from one address",
            lines_dir(dir.path(), "users", |i| {
                format!("Jan  5 10:00:00 web sshd[7]: Invalid user u{i:07} from 203.0.113.5 port 4000\n")
            }),
            1_000_000,
        ),
    ];
    for (what, path, lines) in shapes {
        let run = scan_hostile(&[&path]);
        let totals = &run.summary["totals"];
        assert_eq!(totals["lines"].as_u64(), Some(lines), "{what}: {totals}\n{}", run.stderr);
        let _ = writeln!(
            std::io::stderr(),
            "knocklog peak RSS: {what}: {:.0} MiB in {:.1} s (exit {})",
            run.peak_mib,
            run.elapsed.as_secs_f64(),
            run.code
        );
    }
}

/// `dir/name/auth.log` of a million lines `line(i)`.
fn lines_dir(dir: &Path, name: &str, line: impl Fn(u32) -> String) -> std::path::PathBuf {
    let sub = dir.join(name);
    fs::create_dir(&sub).unwrap();
    let mut out = std::io::BufWriter::new(fs::File::create(sub.join("auth.log")).unwrap());
    for i in 0..1_000_000 {
        out.write_all(line(i).as_bytes()).unwrap();
    }
    out.flush().unwrap();
    sub
}

/// A sparse file costs no disk however long it reads: a line, a 1 TiB hole of NULs,
/// a line. The hole is jumped over, not read (before, a 20 GiB one took 30 s: a
/// terabyte was an afternoon).
#[test]
fn a_terabyte_sparse_hole_is_jumped_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("auth.log");
    let f = fs::File::create(&path).unwrap();
    std::os::unix::fs::FileExt::write_all_at(&f, LINE.as_bytes(), 0).unwrap();
    let hole = 1u64 << 40;
    if f.set_len(hole).is_err() {
        return skip("a_terabyte_sparse_hole_is_jumped_not_read", "the temporary directory holds no 1 TiB file");
    }
    std::os::unix::fs::FileExt::write_all_at(&f, LINE.as_bytes(), hole).unwrap();
    drop(f);
    let run = scan_hostile(&[dir.path()]);
    assert_eq!(run.code, 2, "an over-long line: {}", run.stderr);
    let f = file_entry(&run.summary, "auth.log");
    assert_eq!((f["lines"].as_u64(), f["overlong_lines"].as_u64()), (Some(2), Some(1)), "{f}");
    assert!(run.elapsed < Duration::from_secs(30), "{:?}", run.elapsed);
    assert!(run.peak_mib < 150.0, "peak {:.0} MiB", run.peak_mib);
}

/// `n` failed sshd logins for distinct made-up users: lines that compress about 3:1, so
/// that an archive of them is read a piece at a time, not in one buffered gulp.
fn varied_auth_lines(n: usize) -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    (0..n)
        .flat_map(|i| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            format!(
                "Jan  5 10:{:02}:{:02} web sshd[{i}]: Failed password for invalid user u{state:016x} from 203.0.113.{} port 4000 ssh2\n",
                i / 60 % 60,
                i % 60,
                i % 250
            )
            .into_bytes()
        })
        .collect()
}

/// Scans `dir` on one thread (so that a file's chunks are read in order), holding the
/// reader after the first chunk of `name` until `cut` has changed the file.
fn scan_cut_midway(
    dir: &Path,
    name: &str,
    cut: impl FnOnce(&Path),
) -> (i32, String, serde_json::Value, tempfile::TempDir) {
    let out = tempfile::tempdir().unwrap();
    let release = out.path().join("release");
    let mut child = knocklog()
        .arg("scan")
        .arg(dir)
        .arg("--out")
        .arg(out.path().join("tables"))
        .args(["--timezone", "utc", "--quiet", "--no-learn", "--threads", "1"])
        .env("KNOCKLOG_TEST_HOLD", &release)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (lines, held) = std::sync::mpsc::channel();
    let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        for line in std::io::BufRead::lines(stderr) {
            let line = line.unwrap();
            if line.contains("test hold:") {
                let _ = lines.send(line.clone());
            }
            text.push_str(&line);
            text.push('\n');
        }
        text
    });
    let target = dir.join(name);
    loop {
        let line = held.recv_timeout(SCAN_LIMIT).expect("the reader never reached its hold point");
        if line.contains(&target.display().to_string()) {
            break;
        }
        // Another file's hold: let it go on (each file holds once).
        fs::write(&release, b"").unwrap();
        fs::remove_file(&release).unwrap();
    }
    cut(&target);
    fs::write(&release, b"").unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > SCAN_LIMIT {
            child.kill().unwrap();
            panic!("the scan did not end after the file changed");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stderr = reader.join().unwrap();
    let code = status.code().unwrap_or_else(|| panic!("killed by a signal: {status:?}\n{stderr}"));
    let summary = fs::read_to_string(out.path().join("tables/summary.json"))
        .map(|s| serde_json::from_str(&s).unwrap())
        .unwrap_or_else(|e| panic!("no summary.json ({e})\n{stderr}"));
    (code, stderr, summary, out)
}

/// Files truncated while the scan reads them (by a copytruncate rotation, or an
/// administrator's `: > file`): before, a rotated plain file or archive killed the
/// process with SIGBUS (its mapping lost its pages), and a live file cut short was
/// read partially with exit code 0 and no word. Now every line read before the cut
/// is kept, the file is named with what happened, the exit code is 2, and the
/// output set is complete with nothing temporary left beside it.
#[test]
fn files_truncated_while_scanned_keep_what_was_read() {
    let text = varied_auth_lines(250_000); // about 30 MB: four 8 MiB chunks
    let total = 250_000u64;
    let cases: [(&str, Vec<u8>, &str); 3] = [
        ("auth.log.1", text.clone(), "changed while being read"),
        ("auth.log", text.clone(), "changed while being read"),
        ("auth.log.2.gz", gzip(&text), "gzip stream ends early"),
    ];
    for (name, bytes, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(name), &bytes).unwrap();
        let (code, stderr, summary, out) = scan_cut_midway(dir.path(), name, |path| {
            fs::OpenOptions::new().write(true).open(path).unwrap().set_len(100_000).unwrap();
        });
        assert_eq!(code, 2, "{name}\n{stderr}");
        let f = file_entry(&summary, name);
        let lines = f["lines"].as_u64().unwrap();
        // At least the first chunk (8 MiB, some 64 000 lines) was read and kept; not all.
        assert!((60_000..total).contains(&lines), "{name}: {lines} lines\n{stderr}");
        assert_eq!(f["with_address"].as_u64(), Some(lines), "{name}: {f}");
        let warnings = f["warnings"].to_string();
        assert!(warnings.contains(expected), "{name}: {warnings}");
        assert!(
            stderr.contains(name) && stderr.contains(expected),
            "{name}: the file and its fate are named\n{stderr}"
        );
        assert!(stderr.lines().last().unwrap().contains("exit 2"), "{name}\n{stderr}");
        let left: Vec<String> = fs::read_dir(out.path().join("tables"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != ".knocklog.lock" && (n.starts_with('.') || n.contains("tmp")))
            .collect();
        assert!(left.is_empty(), "{name}: temporary files left: {left:?}");
    }
}

/// A 40,000-byte request target stays whole in events.parquet, and its CSV cell is cut
/// to what a spreadsheet cell holds, with a marker saying so.
#[test]
fn csv_cells_stay_within_a_spreadsheet_cell_and_parquet_keeps_the_text() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    fs::create_dir(&logs).unwrap();
    let target = format!("/wp-login.php?x={}", "A".repeat(40_000));
    let line =
        format!("203.0.113.9 - - [06/Jan/2026:10:00:00 +0000] \"GET {target} HTTP/1.1\" 404 0 \"-\" \"curl/8\"\n");
    fs::write(logs.join("access.log"), line).unwrap();
    let run = crate::util::scan(&[&logs], &["--timezone", "utc"]);
    let events = run.table("events");
    let path = &events[0]["path"];
    assert!(path.encode_utf16().count() <= 32_767, "{} units", path.len());
    assert!(path.starts_with("/wp-login.php?x=AAAA"));
    assert!(path.ends_with(&format!("…[cut: {} bytes in all; the Parquet table has it whole]", target.len())));
    let query = knocklog()
        .args(["query", "--json", "--sql", "SELECT length(path) AS n FROM events", "--data"])
        .arg(&run.out)
        .output()
        .unwrap();
    let row: serde_json::Value = serde_json::from_slice(&query.stdout).expect("one JSON row");
    assert_eq!(row["n"], target.len(), "the Parquet table keeps the whole target");
}
