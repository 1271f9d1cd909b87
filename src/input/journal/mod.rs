//! The systemd journal as a source: binary `.journal` files (`binary.rs`) and the text
//! dumps `journalctl -o export` / `-o json` make (`export.rs`). Each entry is rendered as
//! the syslog line rsyslog would have written for it (`2026-01-06T00:02:28.123456Z host
//! sshd[42]: message`, control characters as `#ooo`), so the same parsers, classifier and
//! per-pid attribution read it as an auth.log line, and the entry's index in its file is
//! its line number. The time comes from `__REALTIME_TIMESTAMP`: exact UTC, no year guess.

pub mod binary;
pub mod export;
pub mod field;
pub mod hash;

use std::borrow::Cow;
use std::hash::{Hash, Hasher};

use rustc_hash::{FxHashSet, FxHasher};

use crate::vocab::time::{write_ts, MICROS_PER_SEC};

/// How a journal source stores its entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JournalKind {
    /// A `.journal` / `.journal~` file written by journald or systemd-journal-remote.
    Binary,
    /// `journalctl -o export`: `FIELD=value` lines, binary-safe fields, blank line between entries.
    Export,
    /// `journalctl -o json`: one JSON object per line.
    Json,
}

impl JournalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JournalKind::Binary => "journal",
            JournalKind::Export => "journal_export",
            JournalKind::Json => "journal_json",
        }
    }
}

/// The fields of one entry that make its syslog line.
#[derive(Debug, Default)]
pub struct Record<'a> {
    pub realtime: Option<u64>,
    pub message: Option<Cow<'a, [u8]>>,
    pub hostname: Option<Cow<'a, [u8]>>,
    pub identifier: Option<Cow<'a, [u8]>>,
    pub comm: Option<Cow<'a, [u8]>>,
    pub unit: Option<Cow<'a, [u8]>>,
    pub syslog_pid: Option<Cow<'a, [u8]>>,
    pub pid: Option<Cow<'a, [u8]>>,
}

impl<'a> Record<'a> {
    /// Keeps `value` if `name` is a field the syslog line needs (the first of repeated ones).
    pub fn set(&mut self, name: &[u8], value: Cow<'a, [u8]>) {
        let slot = match name {
            b"MESSAGE" => &mut self.message,
            b"_HOSTNAME" => &mut self.hostname,
            b"SYSLOG_IDENTIFIER" => &mut self.identifier,
            b"_COMM" => &mut self.comm,
            b"_SYSTEMD_UNIT" => &mut self.unit,
            b"SYSLOG_PID" => &mut self.syslog_pid,
            b"_PID" => &mut self.pid,
            b"__REALTIME_TIMESTAMP" => {
                self.realtime = std::str::from_utf8(&value).ok().and_then(|s| s.trim().parse().ok());
                return;
            }
            _ => return,
        };
        if slot.is_none() {
            *slot = Some(value);
        }
    }

    /// True when a field of this name is one `set` keeps (readers skip decompressing others).
    pub fn wants(name: &[u8]) -> bool {
        Record::wanted(name).is_some()
    }

    /// The name as a `&'static` when it is one `set` keeps (a reader may hold on to it
    /// while the bytes it was read from are gone).
    pub fn wanted(name: &[u8]) -> Option<&'static [u8]> {
        Some(match name {
            b"MESSAGE" => b"MESSAGE",
            b"_HOSTNAME" => b"_HOSTNAME",
            b"SYSLOG_IDENTIFIER" => b"SYSLOG_IDENTIFIER",
            b"_COMM" => b"_COMM",
            b"_SYSTEMD_UNIT" => b"_SYSTEMD_UNIT",
            b"SYSLOG_PID" => b"SYSLOG_PID",
            b"_PID" => b"_PID",
            b"__REALTIME_TIMESTAMP" => b"__REALTIME_TIMESTAMP",
            _ => return None,
        })
    }

    /// True when `set` would ignore a field of this name now: it keeps the first of
    /// repeated ones (so a reader need not decompress the others).
    pub fn has(&self, name: &[u8]) -> bool {
        match name {
            b"MESSAGE" => self.message.is_some(),
            b"_HOSTNAME" => self.hostname.is_some(),
            b"SYSLOG_IDENTIFIER" => self.identifier.is_some(),
            b"_COMM" => self.comm.is_some(),
            b"_SYSTEMD_UNIT" => self.unit.is_some(),
            b"SYSLOG_PID" => self.syslog_pid.is_some(),
            b"_PID" => self.pid.is_some(),
            _ => false,
        }
    }

    /// The program as rsyslog names it: SYSLOG_IDENTIFIER, else _COMM, else the unit.
    fn program(&self) -> &[u8] {
        if let Some(p) = self.identifier.as_deref().or(self.comm.as_deref()).filter(|p| !p.is_empty()) {
            return p;
        }
        match self.unit.as_deref() {
            Some(u) => u.strip_suffix(b".service").unwrap_or(u),
            None => b"journal",
        }
    }

    /// SYSLOG_PID (what the program itself said), else the sender's _PID.
    fn pid_digits(&self) -> Option<&[u8]> {
        [self.syslog_pid.as_deref(), self.pid.as_deref()]
            .into_iter()
            .flatten()
            .find(|p| !p.is_empty() && p.len() <= 10 && p.iter().all(u8::is_ascii_digit))
    }
}

/// Entries rendered as syslog lines, ready for the line scanner, with the
/// deduplication keys of the entries whose programs matter.
#[derive(Debug, Default)]
pub struct Batch {
    pub text: Vec<u8>,
    pub entries: u64,
    pub keys: Vec<u128>,
    /// `YYYY-MM-DDTHH:MM:SS` of the last second stamped (entries come seconds apart
    /// at most, so the date is formatted once per second, not once per entry).
    stamp: (i64, String),
}

impl Batch {
    pub fn clear(&mut self) {
        self.text.clear();
        self.entries = 0;
        self.keys.clear();
    }

    /// Appends one entry as one line. An entry without MESSAGE becomes a blank line, so
    /// that line numbers stay entry numbers.
    pub fn push(&mut self, r: &Record) {
        self.entries += 1;
        let Some(message) = r.message.as_deref() else {
            self.text.push(b'\n');
            return;
        };
        if let Some(t) = r.realtime.and_then(|t| i64::try_from(t).ok()) {
            self.push_stamp(t);
        }
        let host_at = self.text.len();
        match r.hostname.as_deref().filter(|h| !h.is_empty()) {
            Some(h) => push_token(&mut self.text, h),
            None => self.text.extend_from_slice(b"localhost"),
        }
        let host_end = self.text.len();
        self.text.push(b' ');
        let program = r.program();
        push_token(&mut self.text, program);
        let pid = r.pid_digits();
        if let Some(pid) = pid {
            self.text.push(b'[');
            self.text.extend_from_slice(pid);
            self.text.push(b']');
        }
        self.text.extend_from_slice(b": ");
        let message_at = self.text.len();
        push_escaped(&mut self.text, message);
        self.text.push(b'\n');
        if let (Some(t), true) = (r.realtime, is_auth_program(program)) {
            let pid = pid.and_then(|p| std::str::from_utf8(p).ok()?.parse().ok());
            let host = &self.text[host_at..host_end];
            let msg = &self.text[message_at..self.text.len() - 1];
            self.keys.push(dedup_key(t as i64, host, program, pid, msg));
        }
    }
}

/// Calls `f` with each entry's number (from 1) and the syslog line a scan makes of it,
/// until `f` breaks; returns how many entries it saw. None when the file is not a
/// journal source. For `knocklog explain --file F --line N`.
pub fn each_entry_line(
    path: &std::path::Path,
    mut f: impl FnMut(u64, &[u8]) -> std::ops::ControlFlow<()>,
) -> Result<Option<u64>, String> {
    let head = crate::input::source::read_head(path, 64 * 1024).map_err(|e| format!("cannot read: {e}"))?;
    let mut reader: Box<dyn FnMut(&mut Batch) -> bool> = if head.bytes.starts_with(binary::SIGNATURE) {
        let data = binary::Bytes::load(path).map_err(|e| format!("cannot read: {e}"))?;
        let mut r = binary::BinaryReader::new(data)?;
        Box::new(move |b| r.next_batch(b, 1 << 20))
    } else if let Some(kind) = export::sniff(&head.bytes) {
        let file = std::fs::File::open(path).map_err(|e| format!("cannot open: {e}"))?;
        let input = head.compression.decoder(std::io::BufReader::new(file)).map_err(|e| format!("cannot read: {e}"))?;
        let mut r = export::TextReader::new(std::io::BufReader::new(input), kind);
        Box::new(move |b| r.next_batch(b, 1 << 20))
    } else {
        return Ok(None);
    };
    let mut batch = Batch::default();
    let mut seen = 0u64;
    while reader(&mut batch) {
        for line in batch.text.split_inclusive(|&c| c == b'\n') {
            seen += 1;
            if f(seen, line.strip_suffix(b"\n").unwrap_or(line)).is_break() {
                return Ok(Some(seen));
            }
        }
        batch.clear();
    }
    Ok(Some(seen))
}

impl Batch {
    /// `YYYY-MM-DDTHH:MM:SS[.ffffff]Z ` of a realtime stamp.
    fn push_stamp(&mut self, t: i64) {
        let (second, micros) = (t.div_euclid(MICROS_PER_SEC), t.rem_euclid(MICROS_PER_SEC));
        if self.stamp.0 != second || self.stamp.1.is_empty() {
            self.stamp.1.clear();
            write_ts(&mut self.stamp.1, second * MICROS_PER_SEC);
            self.stamp.1.pop(); // the `Z`
            self.stamp.0 = second;
        }
        self.text.extend_from_slice(self.stamp.1.as_bytes());
        if micros != 0 {
            let m = micros as u32;
            self.text.push(b'.');
            self.text.extend((0..6).rev().map(|i| b'0' + (m / 10u32.pow(i) % 10) as u8));
        }
        self.text.extend_from_slice(b"Z ");
    }
}

/// Programs whose lines are deduplicated against auth.log/syslog copies: those that
/// make security events (every program whose messages the parsers read an address
/// from, which a test in `parse` holds to). Other programs' entries keep no key,
/// which bounds memory.
pub fn is_auth_program(program: &[u8]) -> bool {
    matches!(
        program,
        b"sshd"
            | b"sshd-session"
            | b"sshd-auth"
            | b"sudo"
            | b"su"
            | b"login"
            | b"dropbear"
            | b"polkitd"
            | b"systemd-logind"
            | b"haproxy"
            | b"suhosin"
            | b"vsftpd"
            | b"proftpd"
            | b"pure-ftpd"
            | b"wu-ftpd"
            | b"ftpd"
            | b"in.ftpd"
            | b"klogind"
            | b"audit"
    ) || program.ends_with(b"/sshd")
        || memchr::memmem::find(program, b"pam").is_some()
        || [&b"nginx"[..], b"openresty", b"httpd", b"apache", b"lighttpd", b"php"]
            .iter()
            .any(|p| program.starts_with(p))
}

/// The identity of a line across sources: (UTC second, host, program, pid, message),
/// the host name without its domain (an address as it is), hashed to 128 bits (two independent 64-bit hashes; a false match is never seen).
pub fn dedup_key(ts_micros: i64, host: &[u8], program: &[u8], pid: Option<u32>, message: &[u8]) -> u128 {
    let second = ts_micros.div_euclid(MICROS_PER_SEC);
    // rsyslog writes the short host name where the journal may have the full one.
    let host = match memchr::memchr(b'.', host) {
        Some(dot) if host.iter().any(u8::is_ascii_alphabetic) && !host.contains(&b':') => &host[..dot],
        _ => host,
    };
    let mut a = FxHasher::default();
    #[allow(deprecated)]
    let mut b = std::hash::SipHasher::new_with_keys(0x6b6e_6f63_6b6c_6f67, 0x6a6f_7572_6e61_6c00);
    for h in [&mut a as &mut dyn Hasher, &mut b as &mut dyn Hasher] {
        second.hash(&mut HashAdapter(h));
        host.hash(&mut HashAdapter(h));
        program.hash(&mut HashAdapter(h));
        pid.hash(&mut HashAdapter(h));
        message.hash(&mut HashAdapter(h));
    }
    ((a.finish() as u128) << 64) | b.finish() as u128
}

/// Lets `Hash::hash` write into a `&mut dyn Hasher`.
struct HashAdapter<'a>(&'a mut dyn Hasher);

impl Hasher for HashAdapter<'_> {
    fn finish(&self) -> u64 {
        self.0.finish()
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0.write(bytes)
    }
}

/// The keys of every journal entry of an auth program, filled while the journals are
/// read and consulted, read-only, while the text logs are read afterwards.
#[derive(Debug, Default)]
pub struct JournalKeys {
    set: FxHashSet<u128>,
}

impl JournalKeys {
    pub fn extend(&mut self, keys: &[u128]) {
        self.set.extend(keys.iter().copied());
    }

    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    pub fn len(&self) -> usize {
        self.set.len()
    }

    /// True when a text line is a copy of a journal entry.
    pub fn contains(&self, ts_micros: i64, host: &[u8], program: &[u8], pid: Option<u32>, message: &[u8]) -> bool {
        is_auth_program(program) && self.set.contains(&dedup_key(ts_micros, host, program, pid, message))
    }
}

/// A host or program name as one syslog token: spaces, brackets and colons would change
/// how the line splits, so they (and control characters) become `_`.
fn push_token(out: &mut Vec<u8>, b: &[u8]) {
    out.extend(b.iter().map(|&c| if c <= b' ' || matches!(c, b'[' | b']' | b':' | 0x7f) { b'_' } else { c }));
}

/// Control characters as rsyslog writes them (`#012` for a newline), so a message with
/// an embedded newline stays one line and reads exactly as its auth.log copy.
fn push_escaped(out: &mut Vec<u8>, b: &[u8]) {
    let b = b.strip_suffix(b"\n").unwrap_or(b);
    for &c in b {
        if c < 0x20 || c == 0x7f {
            out.extend_from_slice(&[b'#', b'0' + (c >> 6), b'0' + ((c >> 3) & 7), b'0' + (c & 7)]);
        } else {
            out.push(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(message: &'static [u8]) -> Record<'static> {
        let mut r = Record::default();
        r.set(b"__REALTIME_TIMESTAMP", Cow::Borrowed(b"1767657748123456"));
        r.set(b"_HOSTNAME", Cow::Borrowed(b"web 1"));
        r.set(b"SYSLOG_IDENTIFIER", Cow::Borrowed(b"sshd"));
        r.set(b"_PID", Cow::Borrowed(b"42"));
        r.set(b"MESSAGE", Cow::Borrowed(message));
        r
    }

    #[test]
    fn renders_an_entry_as_one_syslog_line() {
        let mut batch = Batch::default();
        batch.push(&record(b"Invalid user a\nb from 1.2.3.4 port 22"));
        assert_eq!(
            String::from_utf8(batch.text.clone()).unwrap(),
            "2026-01-06T00:02:28.123456Z web_1 sshd[42]: Invalid user a#012b from 1.2.3.4 port 22\n"
        );
        assert_eq!(batch.keys.len(), 1);
        let mut keys = JournalKeys::default();
        keys.extend(&batch.keys);
        // The auth.log copy: same second, no fraction.
        assert!(keys.contains(
            1_767_657_748_000_000,
            b"web_1",
            b"sshd",
            Some(42),
            b"Invalid user a#012b from 1.2.3.4 port 22"
        ));
        assert!(!keys.contains(
            1_767_657_749_000_000,
            b"web_1",
            b"sshd",
            Some(42),
            b"Invalid user a#012b from 1.2.3.4 port 22"
        ));
        assert!(!keys.contains(
            1_767_657_748_000_000,
            b"web_1",
            b"sshd",
            Some(43),
            b"Invalid user a#012b from 1.2.3.4 port 22"
        ));
    }

    #[test]
    fn entry_without_message_is_a_blank_line_and_other_programs_keep_no_key() {
        let mut batch = Batch::default();
        batch.push(&Record::default());
        let mut r = record(b"started");
        r.identifier = Some(Cow::Borrowed(b"cron"));
        batch.push(&r);
        assert_eq!(batch.entries, 2);
        assert!(batch.text.starts_with(b"\n2026-01-06T00:02:28.123456Z web_1 cron[42]: started\n"));
        assert!(batch.keys.is_empty());
    }
}
