//! The systemd journal as a source: real `.journal` files made by systemd-journal-remote
//! from export text (sshd brute force, invalid users on `sshd-session`, an IPv6 attacker,
//! log-injection usernames, a field long enough to be stored compressed), the export and
//! JSON dumps journalctl makes of them (plain and gzipped), a truncated `~` copy, a tree
//! with the same events in auth.log too, and fail2ban's journal-style sshd lines.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::util::{corpora, read_csv, scan, Run};

/// 2026-01-06T00:02:28Z
const T0: u64 = 1_767_657_748_000_000;

pub struct Entry {
    secs: u64,
    micros: u64,
    program: &'static str,
    pid: u32,
    message: String,
}

pub fn entry(secs: u64, program: &'static str, pid: u32, message: impl Into<String>) -> Entry {
    Entry { secs, micros: 250_000, program, pid, message: message.into() }
}

fn long_name() -> String {
    "z".repeat(1000)
}

/// The attack: what each entry is and whom it must be attributed to.
pub fn entries() -> Vec<Entry> {
    let mut v = Vec::new();
    for i in 0..6 {
        if i == 5 {
            // PAM's side of the attempt sshd reports on the next line
            v.push(entry(
                i,
                "sshd",
                1001,
                "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.7  user=root",
            ));
        }
        v.push(entry(i, "sshd", 1001, format!("Failed password for root from 203.0.113.7 port {} ssh2", 40000 + i)));
    }
    v.push(entry(10, "sshd-session", 2002, "Invalid user admin from 198.51.100.23 port 5555"));
    v.push(entry(
        11,
        "sshd-session",
        2002,
        "Connection closed by invalid user admin 198.51.100.23 port 5555 [preauth]",
    ));
    v.push(entry(20, "sshd", 3003, "Failed password for invalid user test from 2001:db8::dead:beef port 2222 ssh2"));
    // Log injection: the username carries a fake address; the newline one comes as a
    // binary field in the export text and must stay one line.
    v.push(entry(30, "sshd", 4004, "Invalid user x from 8.8.8.8 port 22 from 192.0.2.99 port 4242"));
    v.push(entry(31, "sshd", 4005, "Invalid user evil\nfrom 8.8.4.4 port 22 from 192.0.2.100 port 5000"));
    // Longer than journald's 512-byte threshold: stored compressed.
    v.push(entry(40, "sshd", 5005, format!("Invalid user {} from 198.51.100.77 port 6000", long_name())));
    v.push(entry(50, "CRON", 6006, "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)"));
    v
}

/// (ip, event, user) every entry must give, in entry order. The PAM line is the PAM
/// side of sshd's next failure (an event that does not count: the attempt counts once,
/// from sshd's line); CRON gives none.
pub fn expected() -> Vec<(String, &'static str, String)> {
    let mut v: Vec<(String, &str, String)> = Vec::new();
    for i in 0..6 {
        if i == 5 {
            v.push(("203.0.113.7".into(), "pam_auth_failure", "root".into()));
        }
        v.push(("203.0.113.7".into(), "failed_password", "root".into()));
    }
    v.push(("198.51.100.23".into(), "invalid_user", "admin".into()));
    v.push(("198.51.100.23".into(), "connection_closed_preauth", "admin".into()));
    v.push(("2001:db8::dead:beef".into(), "failed_password", "test".into()));
    v.push(("192.0.2.99".into(), "invalid_user", "x from 8.8.8.8 port 22".into()));
    v.push(("192.0.2.100".into(), "invalid_user", "evil#012from 8.8.4.4 port 22".into()));
    v.push(("198.51.100.77".into(), "invalid_user", long_name()));
    v
}

/// `journalctl -o export` text of the entries (binary-safe form for values with a newline).
pub fn export_text(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let t = T0 + e.secs * 1_000_000 + e.micros;
        write!(
            out,
            "__CURSOR=s=0;i={i}\n__REALTIME_TIMESTAMP={t}\n__MONOTONIC_TIMESTAMP={}\n_BOOT_ID=0123456789abcdef0123456789abcdef\n\
             _HOSTNAME=srv1\nSYSLOG_IDENTIFIER={}\n_PID={}\n_COMM={}\n_SYSTEMD_UNIT=ssh.service\n",
            1000 + i,
            e.program,
            e.pid,
            e.program
        )
        .unwrap();
        if e.message.contains('\n') {
            out.extend_from_slice(b"MESSAGE\n");
            out.extend_from_slice(&(e.message.len() as u64).to_le_bytes());
            out.extend_from_slice(e.message.as_bytes());
            out.push(b'\n');
        } else {
            writeln!(out, "MESSAGE={}", e.message).unwrap();
        }
        out.push(b'\n');
    }
    out
}

/// The auth.log line rsyslog writes for an entry (`--timezone utc`).
fn auth_log_line(e: &Entry) -> String {
    let s = e.secs + 28;
    format!(
        "Jan  6 00:{:02}:{:02} srv1 {}[{}]: {}\n",
        2 + s / 60,
        s % 60,
        e.program,
        e.pid,
        e.message.replace('\n', "#012")
    )
}

fn tool(name: &str) -> Option<PathBuf> {
    let candidates = [format!("/lib/systemd/{name}"), format!("/usr/lib/systemd/{name}"), format!("/usr/bin/{name}")];
    candidates.iter().map(PathBuf::from).find(|p| p.exists())
}

/// True when systemd-journal-remote and journalctl are here to make and read real
/// journal files; else `test` is skipped (see `util::skip`).
pub fn has_journal_tools(test: &str) -> bool {
    let found = tool("systemd-journal-remote").is_some() && tool("journalctl").is_some();
    if !found {
        crate::util::skip(
            test,
            "systemd-journal-remote is not installed (Debian: apt-get install systemd-journal-remote; .ci/run installs it)",
        );
    }
    found
}

/// Converts export text into a binary journal file with systemd-journal-remote.
pub fn make_journal(export: &[u8], path: &Path) {
    make_journal_with_env(export, path, &[]);
}

/// `make_journal` with variables of the systemd writer's environment set (such as
/// `SYSTEMD_JOURNAL_KEYED_HASH=0` for a file hashed the old way).
pub fn make_journal_with_env(export: &[u8], path: &Path, env: &[(&str, &str)]) {
    let mut child = Command::new(tool("systemd-journal-remote").expect("checked by has_journal_tools"))
        .envs(env.iter().copied())
        .arg("-o")
        .arg(path)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running systemd-journal-remote");
    child.stdin.take().unwrap().write_all(export).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "systemd-journal-remote: {}", String::from_utf8_lossy(&out.stderr));
}

pub fn journalctl(file: &Path, format: &str) -> Vec<u8> {
    let out = Command::new(tool("journalctl").expect("checked by has_journal_tools"))
        .arg("--file")
        .arg(file)
        .args(["-o", format])
        .output()
        .unwrap();
    assert!(out.status.success(), "journalctl: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

fn gzip(data: &[u8], path: &Path) {
    let mut enc = flate2::write::GzEncoder::new(std::fs::File::create(path).unwrap(), flate2::Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap();
}

/// (ts, ip, event, user, line_no) of the events of one source file, in order.
fn events_of(run: &Run, file: &str) -> Vec<HashMap<String, String>> {
    run.table("events").into_iter().filter(|e| e["source_file"].ends_with(file)).collect()
}

fn check_events(run: &Run, file: &str) {
    let events = events_of(run, file);
    let got: Vec<(String, String, String)> =
        events.iter().map(|e| (e["ip"].clone(), e["event"].clone(), e["user"].clone())).collect();
    let want: Vec<(String, String, String)> =
        expected().into_iter().map(|(ip, ev, user)| (ip, ev.to_owned(), user)).collect();
    assert_eq!(got, want, "{file}");
    // Exact UTC from __REALTIME_TIMESTAMP, line numbers are entry numbers.
    let all = entries();
    let sources = all.iter().enumerate().filter(|(_, e)| e.program != "CRON");
    for (e, src) in events.iter().zip(sources) {
        let s = src.1.secs + 28;
        assert_eq!(e["ts"], format!("2026-01-06T00:{:02}:{:02}.250000Z", 2 + s / 60, s % 60), "{file}");
        assert_eq!(e["line_no"], (src.0 + 1).to_string(), "{file}");
        assert_eq!(e["host"], "srv1");
        assert_eq!(e["program"], src.1.program);
    }
    let ips: Vec<String> = run.table("ips").into_iter().map(|r| r["ip"].clone()).collect();
    for fake in ["8.8.8.8", "8.8.4.4"] {
        assert!(!ips.contains(&fake.to_owned()), "{fake} comes from a username, not the peer: {ips:?}");
    }
}

#[test]
fn binary_journal_gives_every_event_and_attribution() {
    if !has_journal_tools("journal::binary_journal_gives_every_event_and_attribution") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("system.journal");
    make_journal(&export_text(&entries()), &journal);
    let run = scan(&[dir.path()], &["--timezone", "utc"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    check_events(&run, "system.journal");
    let summary = run.summary();
    let f = &summary["files"][0];
    assert_eq!((f["family"].as_str(), f["format"].as_str()), (Some("journal"), Some("journal")));
    assert_eq!(f["lines"], entries().len() as u64);
    assert_eq!(f["unparsed"], 0);
    // The long field really is stored compressed (the installed systemd's choice).
    let header = Command::new(tool("journalctl").expect("checked by has_journal_tools"))
        .arg("--file")
        .arg(&journal)
        .arg("--header")
        .output()
        .unwrap();
    let header = String::from_utf8_lossy(&header.stdout);
    assert!(header.contains("COMPRESSED-"), "journal written without compression:\n{header}");
    let blocked: Vec<String> =
        run.table("ips").into_iter().filter(|r| r["verdict"] == "block").map(|r| r["ip"].clone()).collect();
    assert!(blocked.contains(&"203.0.113.7".to_owned()), "{blocked:?}");
}

#[test]
fn export_and_json_dumps_plain_and_gzipped_read_like_the_journal() {
    if !has_journal_tools("journal::export_and_json_dumps_plain_and_gzipped_read_like_the_journal") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("made.journal");
    make_journal(&export_text(&entries()), &journal);
    for format in ["export", "json"] {
        let text = journalctl(&journal, format);
        let sub = tempfile::tempdir().unwrap();
        std::fs::write(sub.path().join(format!("dump-{format}.txt")), &text).unwrap();
        gzip(&text, &sub.path().join(format!("dump-{format}.gz")));
        let run = scan(&[sub.path()], &["--timezone", "utc"]);
        assert_eq!(run.code, 0, "{format}: {}", run.stderr);
        check_events(&run, &format!("dump-{format}.txt"));
        check_events(&run, &format!("dump-{format}.gz"));
        let summary = run.summary();
        let formats: Vec<&str> =
            summary["files"].as_array().unwrap().iter().map(|f| f["format"].as_str().unwrap()).collect();
        assert_eq!(formats, vec![format!("journal_{format}"); 2], "{format}");
    }
}

#[test]
fn truncated_tilde_copy_gives_what_it_can_and_a_warning() {
    if !has_journal_tools("journal::truncated_tilde_copy_gives_what_it_can_and_a_warning") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("made.journal");
    make_journal(&export_text(&entries()), &journal);
    let data = std::fs::read(&journal).unwrap();
    // Cut among the last objects (tail_object_offset at 136): the hash tables written
    // first take most of the file, the entries are at its end.
    let tail = u64::from_le_bytes(data[136..144].try_into().unwrap()) as usize;
    let sub = tempfile::tempdir().unwrap();
    let copy = sub.path().join("system@0005f1a2b3c4d5e6-0123456789abcdef.journal~");
    std::fs::write(&copy, &data[..tail - 1500]).unwrap();
    let run = scan(&[sub.path()], &["--timezone", "utc"]);
    assert_eq!(run.code, 2, "a truncated journal must make the exit code 2");
    let summary = run.summary();
    let f = &summary["files"][0];
    let warnings = f["warnings"].to_string();
    assert!(warnings.contains("truncated") || warnings.contains("damaged"), "{warnings}");
    assert!(run.stderr.contains("journal~"), "the warning names the file: {}", run.stderr);
    let events = events_of(&run, "journal~");
    assert!(!events.is_empty() && events.len() < expected().len(), "{} events", events.len());
    // What was read is right.
    let want = expected();
    for (e, w) in events.iter().zip(&want) {
        assert_eq!((&e["ip"], &e["user"]), (&w.0, &w.2));
    }
}

#[test]
fn auth_log_and_journal_with_the_same_events_count_each_once() {
    if !has_journal_tools("journal::auth_log_and_journal_with_the_same_events_count_each_once") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let all = entries();
    make_journal(&export_text(&all), &dir.path().join("system.journal"));
    let mut auth: String = all.iter().filter(|e| e.program != "CRON").map(auth_log_line).collect();
    // One line only auth.log has: counted from there.
    auth.push_str("Jan  6 00:03:50 srv1 sshd[7007]: Invalid user solo from 192.0.2.200 port 7000\n");
    std::fs::write(dir.path().join("auth.log"), &auth).unwrap();
    let mut outputs = Vec::new();
    for threads in ["1", "2"] {
        let run = scan(&[dir.path()], &["--timezone", "utc", "--threads", threads]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let events = run.table("events");
        assert_eq!(events.len(), expected().len() + 1, "threads {threads}");
        let from_auth: Vec<&HashMap<String, String>> =
            events.iter().filter(|e| e["source_file"].ends_with("auth.log")).collect();
        assert_eq!(from_auth.len(), 1);
        assert_eq!(from_auth[0]["ip"], "192.0.2.200");
        let summary = run.summary();
        let auth_stats = summary["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"].as_str().unwrap().ends_with("auth.log"))
            .unwrap()
            .clone();
        assert_eq!(
            auth_stats["duplicates"],
            (all.len() - 1) as u64,
            "every auth.log line but the last is in the journal"
        );
        let ips = run.table("ips");
        let brute = ips.iter().find(|r| r["ip"] == "203.0.113.7").unwrap();
        assert_eq!(brute["suspicious_events"], "6", "six failures, once each");
        outputs.push(std::fs::read(run.out.join("events.csv")).unwrap());
        outputs.push(std::fs::read(run.out.join("ips.csv")).unwrap());
    }
    assert!(outputs[0] == outputs[2] && outputs[1] == outputs[3], "--threads 1 and 2 differ");
}

/// fail2ban's journal-style sshd lines (`host sshd[pid]: message`, no time): every line
/// its annotations attribute is attributed to the same host, written as it is written.
#[test]
fn fail2ban_sshd_journal_lines_are_attributed_as_written() {
    let Some(corpus) = corpora("journal::fail2ban_sshd_journal_lines_are_attributed_as_written") else { return };
    let dir = corpus.join("fail2ban/annotated");
    let run = scan(&[&dir.join("logs/sshd-journal")], &["--all-events", "--timezone", "utc"]);
    let by_line: HashMap<String, (String, String)> =
        run.table("events").into_iter().map(|e| (e["line_no"].clone(), (e["ip"].clone(), e["user"].clone()))).collect();
    let mut checked = 0;
    for row in read_csv(&dir.join("truth.csv")) {
        if row["file"] != "sshd-journal" || row["expected_match"] != "true" || row["host"].is_empty() {
            continue;
        }
        let want = knocklog::vocab::address::canonical(row["host"].as_bytes());
        let got = by_line.get(&row["line_no"]).map(|g| g.0.clone());
        assert_eq!(got.as_deref(), Some(want.as_str()), "sshd-journal:{}", row["line_no"]);
        checked += 1;
    }
    assert!(checked > 30, "only {checked} annotated lines");
    let ips: Vec<String> = run.table("ips").into_iter().map(|r| r["ip"].clone()).collect();
    for as_written in ["192.030.0.6", "example.com"] {
        assert!(ips.contains(&as_written.to_owned()), "{as_written} missing from {ips:?}");
    }
    assert!(!ips.contains(&"192.30.0.6".to_owned()), "a host with leading zeros was guessed into an address");
}

/// An archived file comes before the live one (by its first entry's time, not by name:
/// `system.journal` sorts before `system@...` as a path).
#[test]
fn archived_journals_are_read_before_the_live_one() {
    if !has_journal_tools("journal::archived_journals_are_read_before_the_live_one") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let all = entries();
    let (old, new) = all.split_at(6);
    make_journal(
        &export_text(old),
        &dir.path().join("system@00000000000000000000000000000001-0000000000000001-0006479d7c7ac000.journal"),
    );
    make_journal(&export_text(new), &dir.path().join("system.journal"));
    let run = scan(&[dir.path()], &["--timezone", "utc"]);
    let summary = run.summary();
    let paths: Vec<&str> = summary["files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert!(paths.len() == 2 && paths[0].contains('@') && paths[1].ends_with("/system.journal"), "{paths:?}");
    let ips: Vec<String> = run.table("events").into_iter().map(|e| e["ts"].clone()).collect();
    let mut sorted = ips.clone();
    sorted.sort();
    assert_eq!(ips, sorted, "events in time order across the two files");
}

/// `knocklog explain --file F --line N` on a journal shows entry N as a scan reads it.
#[test]
fn explain_reads_a_journal_entry() {
    if !has_journal_tools("journal::explain_reads_a_journal_entry") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("system.journal");
    make_journal(&export_text(&entries()), &journal);
    let out = crate::util::knocklog()
        .args(["explain", "--timezone", "utc", "--file"])
        .arg(&journal)
        .args(["--line", "12"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("evil#012from 8.8.4.4 port 22 from 192.0.2.100 port 5000"), "{text}");
    assert!(text.contains("192.0.2.100") && text.contains("2026-01-06T00:02:59.250000Z"), "{text}");
}
