//! Hostile and damaged binary journals: files written here object by object (a field that
//! inflates to a gigabyte, an entry whose thousands of items point at one large field) and
//! real files from systemd-journal-remote with one byte changed. Every scan runs the real
//! binary as a child under a time bound, and its peak memory is the child's own (VmHWM at
//! its exit, as in hostile.rs).

use std::fs;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use crate::hostile::run_measured;
use crate::journal::{entries, export_text, has_journal_tools};
use crate::util::knocklog;

/// A finished scan: exit code, stderr, summary.json, peak RSS in MiB and wall time.
struct Bounded {
    code: i32,
    stderr: String,
    summary: serde_json::Value,
    peak_mib: f64,
    wall: Duration,
    events: String,
}

/// Scans `dir` in a child that is killed (and the test failed) past `limit`.
fn scan_bounded(dir: &Path, limit: Duration) -> Bounded {
    let out = tempfile::tempdir().unwrap();
    let mut cmd = knocklog();
    cmd.arg("scan").arg(dir).arg("--out").arg(out.path());
    cmd.args(["--timezone", "utc", "--quiet", "--no-learn", "--threads", "2", "--format", "csv"]);
    let (code, stderr, peak_mib, wall) = run_measured(cmd, limit);
    let summary = fs::read_to_string(out.path().join("summary.json"))
        .map(|s| serde_json::from_str(&s).unwrap())
        .unwrap_or(serde_json::Value::Null);
    let events = fs::read_to_string(out.path().join("events.csv")).unwrap_or_default();
    eprintln!("knocklog tests: scan of {}: exit {code}, peak {peak_mib:.0} MiB, {wall:.2?}", dir.display());
    Bounded { code, stderr, summary, peak_mib, wall, events }
}

const INCOMPATIBLE_COMPRESSED_XZ: u32 = 1 << 0;
const INCOMPATIBLE_KEYED_HASH: u32 = 1 << 2;
const INCOMPATIBLE_COMPRESSED_ZSTD: u32 = 1 << 3;
const OBJECT_COMPRESSED_XZ: u8 = 1;
const OBJECT_COMPRESSED_ZSTD: u8 = 4;
/// 2026-01-06T00:02:28Z
const T0: u64 = 1_767_657_748_000_000;

/// A regular-format journal file written object by object, as the documented format
/// lays it out: the header, DATA objects (hashed with siphash24 keyed by the file id, as
/// journald does when it sets KEYED_HASH), then ENTRY objects pointing at them.
struct HandMade {
    bytes: Vec<u8>,
    file_id: [u8; 16],
    entries: u64,
    tail: u64,
}

impl HandMade {
    fn new(incompatible_flags: u32) -> HandMade {
        let header_size = 256usize;
        let mut bytes = vec![0u8; header_size];
        bytes[..8].copy_from_slice(b"LPKSHHRH");
        bytes[12..16].copy_from_slice(&(incompatible_flags | INCOMPATIBLE_KEYED_HASH).to_le_bytes());
        let file_id = *b"hand-made-journl";
        bytes[24..40].copy_from_slice(&file_id);
        bytes[88..96].copy_from_slice(&(header_size as u64).to_le_bytes());
        HandMade { bytes, file_id, entries: 0, tail: 0 }
    }

    fn object(&mut self, kind: u8, flags: u8, body: &[u8]) -> u64 {
        let at = self.bytes.len().next_multiple_of(8);
        self.bytes.resize(at, 0);
        self.bytes.push(kind);
        self.bytes.push(flags);
        self.bytes.extend_from_slice(&[0; 6]);
        self.bytes.extend_from_slice(&((16 + body.len()) as u64).to_le_bytes());
        self.bytes.extend_from_slice(body);
        self.tail = at as u64;
        at as u64
    }

    /// A DATA object holding `field` (`NAME=value`), stored as `stored` under `flags`.
    fn data(&mut self, field: &[u8], stored: &[u8], flags: u8) -> u64 {
        self.data_in_pieces(&[field], stored, flags)
    }

    /// `data` of a field given in pieces (hashed one after the other, never held whole).
    fn data_in_pieces(&mut self, field: &[&[u8]], stored: &[u8], flags: u8) -> u64 {
        let mut hasher = siphasher::sip::SipHasher24::new_with_key(&self.file_id);
        field.iter().for_each(|piece| std::hash::Hasher::write(&mut hasher, piece));
        let mut body = std::hash::Hasher::finish(&hasher).to_le_bytes().to_vec();
        body.extend_from_slice(&[0; 40]); // hash chain, field chain, entry links
        body.extend_from_slice(stored);
        self.object(1, flags, &body)
    }

    fn plain(&mut self, field: &[u8]) -> u64 {
        self.data(field, field, 0)
    }

    /// An ENTRY object at `secs` after T0 whose items point at `items`.
    fn entry(&mut self, secs: u64, items: &[u64]) -> u64 {
        self.entries += 1;
        let mut body = self.entries.to_le_bytes().to_vec();
        body.extend_from_slice(&(T0 + secs * 1_000_000).to_le_bytes());
        body.extend_from_slice(&[0; 32]); // monotonic, boot id, xor hash
        for item in items {
            body.extend_from_slice(&item.to_le_bytes());
            body.extend_from_slice(&0u64.to_le_bytes());
        }
        self.object(3, 0, &body)
    }

    fn write(mut self, path: &Path) {
        let arena = self.bytes.len() as u64 - 256;
        self.bytes[96..104].copy_from_slice(&arena.to_le_bytes());
        self.bytes[136..144].copy_from_slice(&self.tail.to_le_bytes());
        self.bytes[152..160].copy_from_slice(&self.entries.to_le_bytes());
        self.bytes.resize(self.bytes.len().next_multiple_of(8), 0);
        fs::write(path, &self.bytes).unwrap();
    }
}

/// The syslog fields of an sshd entry, as plain DATA objects.
fn sshd_fields(j: &mut HandMade, message: &str) -> Vec<u64> {
    vec![j.plain(b"_HOSTNAME=srv1"), j.plain(b"SYSLOG_IDENTIFIER=sshd"), j.plain(message.as_bytes())]
}

fn file_warnings(summary: &serde_json::Value) -> String {
    summary["files"]
        .as_array()
        .map(|files| files.iter().map(|f| f["warnings"].to_string()).collect())
        .unwrap_or_default()
}

/// A MESSAGE that xz inflates to 1 GiB (150 KB stored): memory stays bounded, the field
/// is cut with a warning naming the file and its offset, and the next entry is read.
#[test]
fn an_xz_field_inflating_to_a_gigabyte_stays_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let mut j = HandMade::new(INCOMPATIBLE_COMPRESSED_XZ);
    let mut xz = liblzma::write::XzEncoder::new(Vec::new(), 0);
    let head = b"MESSAGE=Failed password for root from 203.0.113.50 port 22 ssh2 ";
    xz.write_all(head).unwrap();
    let block = vec![b'A'; 1 << 20];
    for _ in 0..1024 {
        xz.write_all(&block).unwrap();
    }
    let stored = xz.finish().unwrap();
    // Hashed as a real file would be, over the whole inflated field, without holding it:
    // a child started from this process counts this process's peak memory as its own.
    let mut pieces = vec![&head[..]];
    pieces.extend(std::iter::repeat_n(&block[..], 1024));
    let bomb = j.data_in_pieces(&pieces, &stored, OBJECT_COMPRESSED_XZ);
    let mut items = sshd_fields(&mut j, "MESSAGE=Failed password for root from 203.0.113.51 port 22 ssh2");
    j.entry(0, &[items[0], items[1], bomb]);
    items = sshd_fields(&mut j, "MESSAGE=Failed password for root from 203.0.113.52 port 22 ssh2");
    j.entry(1, &items);
    j.write(&dir.path().join("system.journal"));

    let run = scan_bounded(dir.path(), Duration::from_secs(120));
    assert!(run.peak_mib < 200.0, "peak {:.0} MiB for one field", run.peak_mib);
    assert_eq!(run.code, 2, "a field not read whole makes exit 2: {}", run.stderr);
    let warnings = file_warnings(&run.summary);
    assert!(warnings.contains(&format!("byte {bomb}")), "the warning names the field's offset: {warnings}");
    assert!(run.stderr.contains("system.journal") && run.stderr.contains("cut"), "{}", run.stderr);
    assert!(run.events.contains("203.0.113.52"), "the entry after the bomb is read:\n{}", run.events);
}

/// An entry whose 20 000 items all point at one field of 4 MiB (zstd, 400 bytes stored)
/// that no syslog line needs: it is not inflated 20 000 times, the items past the bound
/// are counted in a warning, and the entry's own MESSAGE is read.
#[test]
fn an_entry_of_many_items_at_one_large_field_is_read_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let mut j = HandMade::new(INCOMPATIBLE_COMPRESSED_ZSTD);
    let mut field = b"COREDUMP=".to_vec();
    field.resize(4 << 20, b'x');
    let stored = zstd::stream::encode_all(&field[..], 3).unwrap();
    let big = j.data(&field, &stored, OBJECT_COMPRESSED_ZSTD);
    let mut items = sshd_fields(&mut j, "MESSAGE=Failed password for root from 203.0.113.60 port 22 ssh2");
    items.extend(std::iter::repeat_n(big, 20_000));
    j.entry(0, &items);
    j.write(&dir.path().join("system.journal"));

    let run = scan_bounded(dir.path(), Duration::from_secs(20));
    assert!(run.wall < Duration::from_secs(20));
    assert!(run.events.contains("203.0.113.60"), "{}\n{}", run.events, run.stderr);
    assert_eq!(run.code, 2, "items not read make exit 2: {}", run.stderr);
    assert!(file_warnings(&run.summary).contains("items"), "{}", run.stderr);
}

/// Real journals (keyed siphash24 and compact; Jenkins lookup3 and regular) read clean,
/// every field checked against its stored hash; the same files with one digit of an
/// address changed inside a MESSAGE keep that entry's place but not the forged address,
/// and say where the damage is.
#[test]
fn a_changed_byte_in_a_real_journal_is_caught_by_its_hash() {
    if !has_journal_tools("journal_hostile::a_changed_byte_in_a_real_journal_is_caught_by_its_hash") {
        return;
    }
    let target = b"MESSAGE=Failed password for root from 203.0.113.7 port 40003 ssh2";
    for env in [&[][..], &[("SYSTEMD_JOURNAL_KEYED_HASH", "0"), ("SYSTEMD_JOURNAL_COMPACT", "0")][..]] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("system.journal");
        crate::journal::make_journal_with_env(&export_text(&entries()), &path, env);
        let clean = scan_bounded(dir.path(), Duration::from_secs(60));
        assert_eq!(clean.code, 0, "{env:?}: an undamaged file reads clean: {}", clean.stderr);

        let mut bytes = fs::read(&path).unwrap();
        let at = memchr::memmem::find(&bytes, target).expect("the MESSAGE is stored uncompressed");
        let digit = at + target.len() - " port 40003 ssh2".len() - 1;
        assert_eq!(bytes[digit], b'7');
        bytes[digit] = b'9';
        fs::write(&path, &bytes).unwrap();
        let run = scan_bounded(dir.path(), Duration::from_secs(60));
        assert_eq!(run.code, 2, "{env:?}: damage makes exit 2: {}", run.stderr);
        assert!(!run.events.contains("203.0.113.9"), "{env:?}: the changed address was used:\n{}", run.events);
        let warnings = file_warnings(&run.summary);
        assert!(warnings.contains("hash") && warnings.contains("1 data object"), "{env:?}: {warnings}");
        // The object starts 64 bytes before its payload (regular) or 72 (compact).
        let object = if env.is_empty() { at - 72 } else { at - 64 };
        assert!(warnings.contains(&format!("byte {object}")), "{env:?}: {warnings}");
        let f = &run.summary["files"][0];
        assert_eq!(f["lines"], entries().len() as u64, "{env:?}: every entry keeps its line");
    }
}
