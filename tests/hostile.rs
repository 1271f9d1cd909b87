//! Hostile and damaged input: every case runs the real binary and checks its exit code,
//! its warnings and its peak memory (the child's own, from wait4), so that a file built
//! to exhaust memory or to hide lines is caught.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::Stdio;

use crate::util::knocklog;

/// A finished scan: exit code, stderr, summary.json and the child's peak RSS in MiB.
struct Hostile {
    code: i32,
    stderr: String,
    summary: serde_json::Value,
    peak_mib: f64,
}

fn scan_hostile(paths: &[&Path]) -> Hostile {
    let out = tempfile::tempdir().unwrap();
    let mut cmd = knocklog();
    cmd.arg("scan").args(paths).arg("--out").arg(out.path());
    cmd.args(["--timezone", "utc", "--quiet", "--no-learn", "--threads", "2"]);
    let child = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let pid = child.id() as libc::pid_t;
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.unwrap(), &mut stderr).unwrap();
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 reaps exactly this child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(reaped, pid);
    let code = if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { -libc::WTERMSIG(status) };
    let summary = fs::read_to_string(out.path().join("summary.json"))
        .map(|s| serde_json::from_str(&s).unwrap())
        .unwrap_or(serde_json::Value::Null);
    Hostile { code, stderr, summary, peak_mib: usage.ru_maxrss as f64 / 1024.0 }
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
