//! Text dumps of a journal made elsewhere: `journalctl -o export` (`FIELD=value` lines,
//! a binary-safe `FIELD\n<u64 LE length><bytes>\n` form for values with control
//! characters, a blank line after each entry) and `journalctl -o json` (one object per
//! line; a value is a string, an array of byte values, an array of several values, or
//! null when too large). Read as a stream, plain or gzip, in batches of entries.

use std::borrow::Cow;
use std::io::{BufRead, Read};

use serde::Deserialize;
use serde_json::Value;

use super::{Batch, JournalKind, Record};
use crate::input::source::MAX_LINE_BYTES;

/// Longest binary field accepted in an export stream; a larger length is damage.
const MAX_FIELD_BYTES: u64 = 64 << 20;

/// Tells a journal text dump from the first bytes of a file's content.
pub fn sniff(head: &[u8]) -> Option<JournalKind> {
    let mut lines = head.split(|&c| c == b'\n').filter(|l| !l.is_empty());
    let first = lines.next()?;
    if first.starts_with(b"{") {
        let v: serde_json::Map<String, Value> = serde_json::from_slice(first).ok()?;
        return (v.contains_key("__REALTIME_TIMESTAMP") || v.contains_key("__CURSOR")).then_some(JournalKind::Json);
    }
    // Export: an entry opens with its cursor or its timestamps, as journalctl writes them.
    let is_field = |l: &[u8]| {
        let name_len = l.iter().take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || **c == b'_').count();
        name_len > 0 && l.get(name_len) == Some(&b'=')
    };
    let opens = first.starts_with(b"__CURSOR=") || first.starts_with(b"__REALTIME_TIMESTAMP=");
    (opens && is_field(first) && lines.next().is_some_and(is_field)).then_some(JournalKind::Export)
}

/// Reads entries from an export or JSON stream.
pub struct TextReader<R> {
    input: R,
    kind: JournalKind,
    line: Vec<u8>,
    done: bool,
    /// 1-based number of the text line being read, for messages.
    line_no: u64,
    pub entries: u64,
    pub warnings: Vec<String>,
}

/// The fields of a `-o json` object that make the syslog line; others are ignored.
#[derive(Deserialize)]
struct JsonEntry {
    #[serde(rename = "__REALTIME_TIMESTAMP")]
    realtime: Option<Value>,
    #[serde(rename = "MESSAGE")]
    message: Option<Value>,
    #[serde(rename = "_HOSTNAME")]
    hostname: Option<Value>,
    #[serde(rename = "SYSLOG_IDENTIFIER")]
    identifier: Option<Value>,
    #[serde(rename = "_COMM")]
    comm: Option<Value>,
    #[serde(rename = "_SYSTEMD_UNIT")]
    unit: Option<Value>,
    #[serde(rename = "SYSLOG_PID")]
    syslog_pid: Option<Value>,
    #[serde(rename = "_PID")]
    pid: Option<Value>,
}

/// A JSON field value as bytes: a string, an array of bytes, or the first of several.
fn json_bytes(v: Option<Value>) -> Option<Cow<'static, [u8]>> {
    match v? {
        Value::String(s) => Some(Cow::Owned(s.into_bytes())),
        Value::Array(items) if items.iter().all(Value::is_u64) => {
            Some(Cow::Owned(items.iter().filter_map(Value::as_u64).map(|b| b as u8).collect()))
        }
        Value::Array(items) => json_bytes(items.into_iter().next()),
        Value::Number(n) => Some(Cow::Owned(n.to_string().into_bytes())),
        _ => None,
    }
}

impl<R: BufRead> TextReader<R> {
    pub fn new(input: R, kind: JournalKind) -> Self {
        TextReader { input, kind, line: Vec::new(), done: false, line_no: 0, entries: 0, warnings: Vec::new() }
    }

    /// Appends entries to `batch` until it holds about `max_bytes` of text. False when
    /// the stream has no more entries.
    pub fn next_batch(&mut self, batch: &mut Batch, max_bytes: usize) -> bool {
        while !self.done && batch.text.len() < max_bytes {
            match self.kind {
                JournalKind::Json => self.json_entry(batch),
                _ => self.export_entry(batch),
            }
        }
        batch.entries > 0
    }

    /// Reads one line into `self.line` (without its newline); false at the end. A line
    /// longer than `MAX_LINE_BYTES` keeps that much and the rest is skipped with a
    /// warning: a dump can be gigabytes without a newline, and a line is held whole.
    fn read_line(&mut self) -> bool {
        self.line.clear();
        let cap = MAX_LINE_BYTES as u64 + 1;
        match (&mut self.input).take(cap).read_until(b'\n', &mut self.line) {
            Ok(0) => false,
            Ok(_) => {
                self.line_no += 1;
                if self.line.last() == Some(&b'\n') {
                    self.line.pop();
                } else if self.line.len() as u64 == cap {
                    self.line.truncate(MAX_LINE_BYTES);
                    let skipped = self.skip_line() + 1;
                    self.warnings.push(format!(
                        "line {}: longer than {MAX_LINE_BYTES} bytes: that much was read, {skipped} bytes skipped",
                        self.line_no
                    ));
                }
                true
            }
            Err(e) => {
                self.warnings
                    .push(format!("read error after line {}: {e}; the entries before it were read", self.line_no));
                false
            }
        }
    }

    /// Drops the input up to and including the next newline; returns how many bytes.
    fn skip_line(&mut self) -> u64 {
        let mut skipped = 0u64;
        loop {
            let (used, done) = match self.input.fill_buf() {
                Ok([]) => return skipped,
                Ok(buf) => match memchr::memchr(b'\n', buf) {
                    Some(i) => (i + 1, true),
                    None => (buf.len(), false),
                },
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => return skipped,
            };
            self.input.consume(used);
            skipped += used as u64;
            if done {
                return skipped;
            }
        }
    }

    fn json_entry(&mut self, batch: &mut Batch) {
        if !self.read_line() {
            self.done = true;
            return;
        }
        if self.line.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        match serde_json::from_slice::<JsonEntry>(&self.line) {
            Ok(e) => {
                let mut r = Record {
                    message: json_bytes(e.message),
                    hostname: json_bytes(e.hostname),
                    identifier: json_bytes(e.identifier),
                    comm: json_bytes(e.comm),
                    unit: json_bytes(e.unit),
                    syslog_pid: json_bytes(e.syslog_pid),
                    pid: json_bytes(e.pid),
                    ..Default::default()
                };
                if let Some(t) = json_bytes(e.realtime) {
                    r.set(b"__REALTIME_TIMESTAMP", t);
                }
                self.entries += 1;
                batch.push(&r);
            }
            Err(err) => {
                // One entry is lost, not the rest: keep its place as a line knocklog
                // reports as unparsed.
                self.warnings.push(format!("line {}: not a journal JSON object ({err})", self.line_no));
                self.entries += 1;
                batch.entries += 1;
                batch.text.extend_from_slice(b"(unreadable journal JSON entry)\n");
            }
        }
    }

    fn export_entry(&mut self, batch: &mut Batch) {
        let mut r = Record::default();
        let mut fields = 0usize;
        loop {
            if !self.read_line() {
                self.done = true;
                break;
            }
            if self.line.is_empty() {
                if fields == 0 {
                    continue;
                }
                break;
            }
            fields += 1;
            if let Some(eq) = memchr::memchr(b'=', &self.line) {
                let (name, value) = (&self.line[..eq], &self.line[eq + 1..]);
                if Record::wants(name) {
                    r.set(name, Cow::Owned(value.to_vec()));
                }
                continue;
            }
            // Binary-safe form: the name alone on its line, then length and bytes.
            let name = std::mem::take(&mut self.line);
            match self.binary_value() {
                Some(value) => {
                    if Record::wants(&name) {
                        r.set(&name, Cow::Owned(value));
                    }
                }
                None => {
                    self.warnings.push(format!(
                        "line {}: binary field {} cut off or malformed; reading stopped there",
                        self.line_no,
                        String::from_utf8_lossy(&name)
                    ));
                    // The cut entry is incomplete: drop it rather than count half of it.
                    self.done = true;
                    return;
                }
            }
        }
        if fields > 0 {
            self.entries += 1;
            batch.push(&r);
        }
    }

    /// `<u64 LE length><bytes>\n` after a binary field's name.
    fn binary_value(&mut self) -> Option<Vec<u8>> {
        let mut len = [0u8; 8];
        self.input.read_exact(&mut len).ok()?;
        let len = u64::from_le_bytes(len);
        if len > MAX_FIELD_BYTES {
            return None;
        }
        let mut value = vec![0u8; len as usize + 1];
        self.input.read_exact(&mut value).ok()?;
        if value.pop() != Some(b'\n') {
            return None;
        }
        // The value may hold newlines: count them so later line numbers stay right.
        self.line_no += 1 + memchr::memchr_iter(b'\n', &value).count() as u64;
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(kind: JournalKind, text: &[u8]) -> (String, u64, Vec<String>) {
        let mut r = TextReader::new(text, kind);
        let mut batch = Batch::default();
        while r.next_batch(&mut batch, 1 << 20) && !r.done {}
        (String::from_utf8_lossy(&batch.text).into_owned(), r.entries, r.warnings)
    }

    /// A field with no end (a dump cut or built to exhaust memory) keeps the scan's line
    /// cap and is said; the entries after it are read.
    #[test]
    fn an_endless_export_line_is_cut_at_the_line_cap() {
        let mut text = b"__CURSOR=s=1\n__REALTIME_TIMESTAMP=1767657748000001\nMESSAGE=".to_vec();
        text.extend(std::iter::repeat_n(b'A', 3 * MAX_LINE_BYTES));
        text.extend_from_slice(b"\n\n__CURSOR=s=2\n__REALTIME_TIMESTAMP=1767657749000000\nMESSAGE=after\n\n");
        let mut reader = TextReader::new(&text[..], JournalKind::Export);
        let mut batch = Batch::default();
        reader.next_batch(&mut batch, 64 << 20);
        let (out, entries, warnings) = (String::from_utf8(batch.text).unwrap(), reader.entries, reader.warnings);
        assert_eq!(entries, 2);
        assert!(out.ends_with("localhost journal: after\n"), "{}", &out[out.len() - 60..]);
        let first = out.lines().next().unwrap();
        assert_eq!(first.len(), first.find(": AAA").unwrap() + 2 + MAX_LINE_BYTES - "MESSAGE=".len());
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        let skipped = 3 * MAX_LINE_BYTES + "MESSAGE=".len() - MAX_LINE_BYTES + 1;
        assert!(warnings[0].contains(&format!("line 3: longer than {MAX_LINE_BYTES} bytes")), "{warnings:?}");
        assert!(warnings[0].contains(&format!("{skipped} bytes skipped")), "{warnings:?}");
    }

    #[test]
    fn export_with_a_binary_field() {
        let mut text = b"__CURSOR=s=1\n__REALTIME_TIMESTAMP=1767657748000001\n_HOSTNAME=srv\nSYSLOG_IDENTIFIER=sshd\n_PID=7\nMESSAGE\n".to_vec();
        let msg = b"Invalid user a\nb from 1.2.3.4 port 22";
        text.extend_from_slice(&(msg.len() as u64).to_le_bytes());
        text.extend_from_slice(msg);
        text.extend_from_slice(b"\n\n__CURSOR=s=2\n__REALTIME_TIMESTAMP=1767657749000000\nMESSAGE=second\n\n");
        assert_eq!(sniff(&text), Some(JournalKind::Export));
        let mut reader = TextReader::new(&text[..], JournalKind::Export);
        let mut batch = Batch::default();
        reader.next_batch(&mut batch, 64 << 20);
        let (out, entries, warnings) = (String::from_utf8(batch.text).unwrap(), reader.entries, reader.warnings);
        assert_eq!(entries, 2);
        assert!(warnings.is_empty());
        assert_eq!(
            out,
            "2026-01-06T00:02:28.000001Z srv sshd[7]: Invalid user a#012b from 1.2.3.4 port 22\n\
             2026-01-06T00:02:29Z localhost journal: second\n"
        );
        let cut = &text[..text.len() - 60];
        let (_, entries, warnings) = read(JournalKind::Export, cut);
        assert_eq!((entries, warnings.len()), (1, 1), "{warnings:?}");
    }

    #[test]
    fn json_lines_with_byte_arrays() {
        let text = br#"{"__CURSOR":"s=1","__REALTIME_TIMESTAMP":"1767657748000000","_HOSTNAME":"srv","SYSLOG_IDENTIFIER":"sshd","_PID":"9","MESSAGE":[97,10,98]}
not json
{"__REALTIME_TIMESTAMP":"1767657748000000","MESSAGE":null}
"#;
        assert_eq!(sniff(text), Some(JournalKind::Json));
        let (out, entries, warnings) = read(JournalKind::Json, text);
        assert_eq!(entries, 3);
        assert_eq!(warnings.len(), 1);
        assert_eq!(out, "2026-01-06T00:02:28Z srv sshd[9]: a#012b\n(unreadable journal JSON entry)\n\n");
        assert_eq!(sniff(b"Jan  6 00:02:28 host sshd[1]: x\n"), None);
        assert_eq!(sniff(b"{\"a\":1}\n"), None);
    }
}
