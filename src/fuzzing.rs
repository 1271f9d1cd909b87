//! Fuzz entry points: each takes arbitrary bytes, drives one parser or reader the way a
//! scan does, and panics where the bytes break something the scan relies on (beyond
//! the reader itself panicking or hanging). The libFuzzer targets of `fuzz/` and the
//! mutation test (tests/mutation.rs) call these same functions, so a run on stable
//! exercises exactly the code a nightly fuzzer does.

use std::io::{Cursor, Read};

use crate::input::journal::{binary, export, Batch, JournalKind};
use crate::input::source::{Compression, DecodedChunks, READ_PAST_CARRY};
use crate::parse::{self, LineReading};
use crate::vocab::address::{self, AddrKey};
use crate::vocab::event::{Format, ParsedLine};
use crate::vocab::time::{self, LocalZone};

/// The line cap and chunk size of the archive entry points: the scan's (1 MiB lines in
/// 8 MiB chunks) scaled down, so that an input of a few KB crosses chunk boundaries and
/// reaches the cut of an over-long line.
pub const ARCHIVE_MAX_LINE: usize = 4096;
pub const ARCHIVE_CHUNK: usize = 16 * 1024;
/// The longest chunk `DecodedChunks` may hand out (see `source::READ_PAST_CARRY`).
pub const ARCHIVE_CHUNK_BOUND: usize =
    if ARCHIVE_CHUNK > 2 * READ_PAST_CARRY { ARCHIVE_CHUNK } else { 2 * READ_PAST_CARRY } + READ_PAST_CARRY;
/// Decompressed bytes an archive entry point looks at before it stops: a few KB can
/// inflate to gigabytes (the scan reads those too, in bounded memory: tests/hostile.rs),
/// and an input must stay quick to run.
pub const DECODED_LIMIT: usize = 32 << 20;
/// Text a journal entry point asks for per batch (the scan asks for 1 MiB; smaller here
/// so that a small input spans several batches).
const JOURNAL_BATCH_BYTES: usize = 4096;

/// `parse::parse_line` in `format`, and what a scan does next with a parsed line.
pub fn parse_line_in(format: Format, line: &[u8]) {
    if let Some(parsed) = parse::parse_line(format, line) {
        check_parsed(format, &parsed);
        // A scan tries the file's format first: a line that parses in it is read in it.
        match parse::read_line(Some(format), line) {
            LineReading::Parsed { format: read_as, .. } => {
                assert_eq!(read_as, format, "read_line took another format than the one that parses the line")
            }
            LineReading::Blank | LineReading::Comment => {}
            LineReading::Unparsed => panic!("parse_line({format:?}) parses the line but read_line does not"),
        }
    }
}

/// `parse::read_line` without a file format (the first format that parses the line), as
/// `knocklog explain` reads a line given alone.
pub fn read_line_any(line: &[u8]) {
    if let LineReading::Parsed { format, kind, parsed } = parse::read_line(None, line) {
        assert_eq!(kind, parse::line_kind(format, &parsed));
        check_parsed(format, &parsed);
    }
}

/// The programs `syslog_program` puts in the header: every one whose messages knocklog
/// reads an address from, under its usual spellings, and two it reads none from.
pub const SYSLOG_PROGRAMS: &[&str] = &[
    "sshd",
    "sshd-session",
    "sshd-auth",
    "/usr/sbin/sshd",
    "sudo",
    "su",
    "login",
    "dropbear",
    "haproxy",
    "suhosin",
    "php-fpm",
    "vsftpd",
    "proftpd",
    "pure-ftpd",
    "wu-ftpd",
    "in.ftpd",
    "klogind",
    "audit",
    "nginx",
    "openresty",
    "httpd",
    "apache2",
    "lighttpd",
    "nginx_access",
    "apache-error",
    "systemd-logind",
    "CRON",
];

/// The syslog program parsers: the first input byte picks a program, the second a
/// header, the rest is the message, so that the fuzzer spends its time inside the
/// message parsers (sshd, PAM, sudo, the FTP daemons, web servers through syslog ...)
/// rather than rediscovering a header.
pub fn syslog_program(data: &[u8]) {
    let [program, header, message @ ..] = data else { return };
    let program = SYSLOG_PROGRAMS[*program as usize % SYSLOG_PROGRAMS.len()];
    let pid = if header & 0x80 == 0 { "[4242]" } else { "" };
    let head = match header & 3 {
        0 => format!("Jan  5 10:00:00 web {program}{pid}: "),
        1 => format!("2026-01-05T10:00:00.123456+01:00 web {program}{pid}: "),
        2 => format!("<38>1 2026-01-05T10:00:00Z web {program} 4242 - - "),
        _ => format!("web {program}{pid}: "),
    };
    let mut line = head.into_bytes();
    line.extend_from_slice(message);
    if let Some(parsed) = parse::syslog::parse(&line) {
        check_parsed(Format::Syslog, &parsed);
    }
}

/// What the scan does with a parsed line that must never fail: key and spell its address,
/// convert its time in every kind of zone, name its kind.
fn check_parsed(format: Format, parsed: &ParsedLine) {
    if let Some(v4) = parsed.ip_v4 {
        assert_eq!(address::parse_v4(parsed.ip), Some(v4), "ip_v4 is not the address in ip");
    }
    let key = AddrKey::of(parsed.ip);
    let spelled = address::canonical(parsed.ip);
    if let AddrKey::V4(v4) = key {
        assert_eq!(spelled, std::net::Ipv4Addr::from(v4).to_string(), "key and spelling disagree");
    }
    let _ = address::is_loopback(&spelled);
    if let Some(t) = parsed.time {
        for zone in zones() {
            if let Some(micros) = t.to_utc_micros(2026, zone) {
                let _ = time::format_ts(micros);
                let _ = time::day_of(micros);
            }
        }
    }
    let _ = parse::line_kind(format, parsed);
}

/// UTC, a fixed offset and a zone with daylight saving (its gaps and repeated hours).
fn zones() -> &'static [LocalZone] {
    static ZONES: std::sync::OnceLock<Vec<LocalZone>> = std::sync::OnceLock::new();
    ZONES.get_or_init(|| ["utc", "-11:30", "Europe/Berlin"].iter().filter_map(|z| LocalZone::parse(z)).collect())
}

/// An archive of `compression` read through `DecodedChunks` as a scan reads it, checked
/// against the plain decoder's output: chunks end on newlines (but the last), stay
/// within their size, and together with the skipped bytes of over-long lines are the
/// decompressed content, nothing lost, nothing doubled.
pub fn archive(compression: Compression, data: &[u8]) {
    let Ok(mut chunks) =
        DecodedChunks::from_reader(Cursor::new(data.to_vec()), compression, ARCHIVE_CHUNK, ARCHIVE_MAX_LINE)
    else {
        return;
    };
    let reference = reference_decode(compression, data);
    let mut at = chunks.leading_nuls as usize;
    if at > 0 && at <= reference.bytes.len() {
        assert!(reference.bytes[..at].iter().all(|&c| c == 0), "leading NULs that are not NULs");
    }
    let mut last_ended_line = true;
    while let Some(chunk) = chunks.next_chunk() {
        assert!(last_ended_line, "a chunk before the last ends mid-line");
        let bytes = chunk.as_slice();
        assert!(!bytes.is_empty(), "an empty chunk");
        assert!(bytes.len() <= ARCHIVE_CHUNK_BOUND, "a chunk of {} bytes", bytes.len());
        if chunk.skipped_after > 0 {
            // The over-long line's first `max_line` bytes, the rest skipped.
            let line_start = memchr::memrchr(b'\n', bytes).map_or(0, |i| i + 1);
            assert_eq!(bytes.len() - line_start, ARCHIVE_MAX_LINE, "an over-long line is not cut at the cap");
        }
        let end = (at + bytes.len()).min(reference.bytes.len());
        if at < end {
            assert!(bytes[..end - at] == reference.bytes[at..end], "chunk at {at} differs from the decoded content");
        }
        let skipped = chunk.skipped_after as usize;
        let rest = reference.bytes.get(at + bytes.len()..).unwrap_or_default();
        let rest = &rest[..skipped.min(rest.len())];
        if let Some(i) = memchr::memchr(b'\n', rest) {
            assert_eq!(i + 1, skipped, "the skip of an over-long line runs past its newline");
        }
        last_ended_line = bytes.ends_with(b"\n") || skipped > 0;
        at += bytes.len() + skipped;
        chunks.recycle(chunk);
        if at > DECODED_LIMIT {
            return;
        }
    }
    if reference.complete && chunks.error.is_none() {
        assert_eq!(at, reference.bytes.len(), "decoded length differs");
    }
}

struct Decoded {
    bytes: Vec<u8>,
    /// The stream ended cleanly within `DECODED_LIMIT`.
    complete: bool,
}

/// `data` through the plain decoder, read to its end (or first error).
fn reference_decode(compression: Compression, data: &[u8]) -> Decoded {
    let mut bytes = Vec::new();
    let Ok(decoder) = compression.decoder(Cursor::new(data)) else { return Decoded { bytes, complete: false } };
    let mut limited = decoder.take(DECODED_LIMIT as u64 + 1);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match limited.read(&mut buf) {
            Ok(0) => return Decoded { complete: bytes.len() <= DECODED_LIMIT, bytes },
            Ok(n) => bytes.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return Decoded { bytes, complete: false },
        }
    }
}

/// A binary journal file read whole, as the scan reads it.
pub fn journal_binary(data: &[u8]) {
    let _ = binary::Header::parse(data);
    let Ok(mut reader) = binary::BinaryReader::new(binary::Bytes::from_vec(data.to_vec())) else { return };
    let mut batch = Batch::default();
    let mut entries = 0;
    while reader.next_batch(&mut batch, JOURNAL_BATCH_BYTES) {
        check_batch(&batch);
        entries += batch.entries;
        batch.clear();
    }
    assert_eq!(entries, reader.entries, "entries rendered and counted differ");
}

/// A `journalctl -o export` or `-o json` dump (the first input byte picks which), as
/// the scan reads it.
pub fn journal_text(data: &[u8]) {
    let [pick, text @ ..] = data else { return };
    let _ = export::sniff(text);
    let kind = if pick & 1 == 0 { JournalKind::Export } else { JournalKind::Json };
    let mut reader = export::TextReader::new(Cursor::new(text), kind);
    let mut batch = Batch::default();
    let mut entries = 0;
    while reader.next_batch(&mut batch, JOURNAL_BATCH_BYTES) {
        check_batch(&batch);
        entries += batch.entries;
        batch.clear();
    }
    assert_eq!(entries, reader.entries, "entries rendered and counted differ");
}

/// Every entry is exactly one line (an injected newline stays inside it), and each line
/// goes through the syslog parsers a scan hands it to.
fn check_batch(batch: &Batch) {
    let lines = memchr::memchr_iter(b'\n', &batch.text).count() as u64;
    assert_eq!(lines, batch.entries, "a batch of {} entries rendered as {lines} lines", batch.entries);
    assert!(batch.text.is_empty() || batch.text.ends_with(b"\n"), "a batch ends mid-line");
    assert!(batch.keys.len() as u64 <= batch.entries, "more dedup keys than entries");
    for line in batch.text.split(|&c| c == b'\n') {
        if let LineReading::Parsed { format, parsed, .. } = parse::read_line(Some(Format::Syslog), line) {
            check_parsed(format, &parsed);
        }
    }
}
