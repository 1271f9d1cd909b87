//! A forensic reader of binary journal files (systemd's documented JOURNAL_FILE_FORMAT):
//! the header, then every object of the arena in file order, keeping the ENTRY objects and
//! the DATA objects they point to (xz, lz4 and zstd payloads decompressed; regular and
//! compact files). Walking the objects, instead of following the entry arrays, still reads
//! every complete entry of a file whose indexes are stale or cut off (an `.journal~` file
//! journald put aside, a copy taken while it was written); the first damaged object ends
//! the walk with a warning naming its offset.

use std::borrow::Cow;
use std::io::Read;

use super::{Batch, Record};

pub const SIGNATURE: &[u8; 8] = b"LPKSHHRH";
const HEADER_MIN: usize = 208;
const INCOMPATIBLE_COMPACT: u32 = 1 << 4;
const OBJECT_DATA: u8 = 1;
const OBJECT_ENTRY: u8 = 3;
const OBJECT_TYPE_MAX: u8 = 7;
const COMPRESSED_XZ: u8 = 1;
const COMPRESSED_LZ4: u8 = 2;
const COMPRESSED_ZSTD: u8 = 4;
/// Larger decompressed fields are refused (a journal field is at most a few MB).
const MAX_FIELD_BYTES: u64 = 64 << 20;

/// What the header says about a journal file.
#[derive(Clone, Copy, Debug, Default)]
pub struct Header {
    pub incompatible_flags: u32,
    /// 0 offline, 1 online (being written), 2 archived.
    pub state: u8,
    /// Random, set when the file is created and kept for its whole life, archived or
    /// put aside: what the history store knows the file by.
    pub file_id: [u8; 16],
    pub header_size: u64,
    pub arena_size: u64,
    pub tail_object_offset: u64,
    pub n_entries: u64,
    pub head_realtime: u64,
    pub tail_realtime: u64,
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

impl Header {
    /// Reads the header from the first bytes of a file; an error says why it is not one.
    pub fn parse(b: &[u8]) -> Result<Header, String> {
        if !b.starts_with(SIGNATURE) {
            return Err("not a journal file (no LPKSHHRH signature)".into());
        }
        if b.len() < HEADER_MIN {
            return Err(format!("journal header cut off after {} bytes", b.len()));
        }
        let h = Header {
            incompatible_flags: u32_at(b, 12).unwrap_or(0),
            state: b[16],
            file_id: b[24..40].try_into().unwrap_or_default(),
            header_size: u64_at(b, 88).unwrap_or(0),
            arena_size: u64_at(b, 96).unwrap_or(0),
            tail_object_offset: u64_at(b, 136).unwrap_or(0),
            n_entries: u64_at(b, 152).unwrap_or(0),
            head_realtime: u64_at(b, 184).unwrap_or(0),
            tail_realtime: u64_at(b, 192).unwrap_or(0),
        };
        if h.header_size < HEADER_MIN as u64 || !h.header_size.is_multiple_of(8) || h.header_size > 1 << 20 {
            return Err(format!("implausible journal header size {}", h.header_size));
        }
        Ok(h)
    }

    fn compact(&self) -> bool {
        self.incompatible_flags & INCOMPATIBLE_COMPACT != 0
    }
}

/// A journal file's bytes, read into memory whole. Not mapped: a mapped file that is
/// truncated under the scan (a put-aside `.journal~`, a copy being replaced) kills the
/// process with SIGBUS, and files are at most a few hundred MB.
pub struct Bytes(Vec<u8>);

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl Bytes {
    pub fn load(path: &std::path::Path) -> std::io::Result<Bytes> {
        // Only a regular file: a FIFO put in a journal's place must not block the scan.
        let mut bytes = Vec::new();
        crate::input::source::open_regular(path)?.read_to_end(&mut bytes)?;
        Ok(Bytes(bytes))
    }

    pub fn from_vec(bytes: Vec<u8>) -> Bytes {
        Bytes(bytes)
    }
}

/// Walks one journal file's objects, a batch of entries at a time.
pub struct BinaryReader {
    data: Bytes,
    header: Header,
    pos: usize,
    done: bool,
    pub entries: u64,
    pub warnings: Vec<String>,
}

impl BinaryReader {
    /// Takes the whole file's bytes (journal files are at most a few hundred MB).
    pub fn new(data: Bytes) -> Result<BinaryReader, String> {
        let header = Header::parse(&data)?;
        let mut warnings = Vec::new();
        if header.tail_object_offset as usize >= data.len() && header.tail_object_offset != 0 {
            warnings.push(format!(
                "journal file is {} bytes but its last object starts at byte {}: truncated copy; the entries before the cut were read",
                data.len(),
                header.tail_object_offset
            ));
        }
        Ok(BinaryReader { pos: header.header_size as usize, data, header, done: false, entries: 0, warnings })
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Appends entries to `batch` until it holds about `max_bytes` of text. False when
    /// the file has no more entries.
    pub fn next_batch(&mut self, batch: &mut Batch, max_bytes: usize) -> bool {
        while !self.done && batch.text.len() < max_bytes {
            self.step(batch);
        }
        !batch.text.is_empty() || batch.entries > 0
    }

    /// Reads the object at `pos` and moves past it.
    fn step(&mut self, batch: &mut Batch) {
        let at = self.pos;
        let tail = self.header.tail_object_offset as usize;
        let Some((kind, size)) = self.object_header(at) else {
            // Zeroes or garbage: the normal end after the last object, damage before it.
            if at <= tail && tail != 0 && at + 16 <= self.data.len() {
                self.warn_damage(at, "no valid object");
            }
            self.done = true;
            return;
        };
        if kind == OBJECT_ENTRY {
            match self.entry(at, size).map(|record| batch.push(&record)) {
                Ok(()) => self.entries += 1,
                Err(why) => {
                    self.warn_damage(at, &why);
                    self.done = true;
                    return;
                }
            }
        }
        self.pos = (at + size).next_multiple_of(8);
    }

    fn warn_damage(&mut self, at: usize, why: &str) {
        let expected = self.header.n_entries;
        self.warnings
            .push(format!("journal file damaged at byte {at} ({why}); {} of {expected} entries read", self.entries));
    }

    /// (type, size) of a plausible object at `at`, None at the end or on garbage.
    fn object_header(&self, at: usize) -> Option<(u8, usize)> {
        let kind = *self.data.get(at)?;
        let size = u64_at(&self.data, at + 8)?;
        if kind == 0 || kind > OBJECT_TYPE_MAX || size < 16 || size > (self.data.len() - at) as u64 {
            return None;
        }
        Some((kind, size as usize))
    }

    /// The fields of the ENTRY object at `at`.
    fn entry(&self, at: usize, size: usize) -> Result<Record<'_>, String> {
        let obj = &self.data[at..at + size];
        let realtime = u64_at(obj, 24).ok_or("entry object too short")?;
        let mut record = Record { realtime: Some(realtime), ..Default::default() };
        let item_size = if self.header.compact() { 4 } else { 16 };
        let items = obj.get(64..).ok_or("entry object too short")?;
        for item in items.chunks_exact(item_size) {
            let offset = if self.header.compact() { u32_at(item, 0).map(u64::from) } else { u64_at(item, 0) };
            let offset = offset.unwrap_or(0) as usize;
            let (name, value) = self.data_field(offset)?;
            if Record::wants(name.as_ref()) {
                record.set(name.as_ref(), value);
            }
        }
        Ok(record)
    }

    /// (name, value) of the DATA object at `at`, decompressed.
    fn data_field(&self, at: usize) -> Result<Field<'_>, String> {
        match self.object_header(at) {
            Some((OBJECT_DATA, size)) => {
                let start = if self.header.compact() { 72 } else { 64 };
                let payload =
                    self.data.get(at + start..at + size).ok_or_else(|| format!("data object at {at} too short"))?;
                let flags = self.data[at + 1];
                let payload = decompress(flags, payload).map_err(|e| format!("data object at {at}: {e}"))?;
                Ok(split_field(payload))
            }
            _ => Err(format!("entry points to byte {at}, which holds no data object")),
        }
    }
}

/// A field's (name, value).
type Field<'a> = (Cow<'a, [u8]>, Cow<'a, [u8]>);

/// `NAME=value` split at the first `=`.
fn split_field(payload: Cow<'_, [u8]>) -> Field<'_> {
    let eq = memchr::memchr(b'=', &payload).unwrap_or(payload.len());
    match payload {
        Cow::Borrowed(b) => (Cow::Borrowed(&b[..eq]), Cow::Borrowed(b.get(eq + 1..).unwrap_or_default())),
        Cow::Owned(v) => (Cow::Owned(v[..eq].to_vec()), Cow::Owned(v.get(eq + 1..).unwrap_or_default().to_vec())),
    }
}

/// A DATA payload as stored: plain, or compressed as the object's flags say.
fn decompress(flags: u8, payload: &[u8]) -> Result<Cow<'_, [u8]>, String> {
    match flags & (COMPRESSED_XZ | COMPRESSED_LZ4 | COMPRESSED_ZSTD) {
        0 => Ok(Cow::Borrowed(payload)),
        COMPRESSED_LZ4 => {
            // journald stores the decompressed size as 8 bytes before the LZ4 block.
            let size = u64_at(payload, 0).ok_or("lz4 payload too short")?;
            if size > MAX_FIELD_BYTES {
                return Err(format!("lz4 field of {size} bytes is implausible"));
            }
            lz4::block::decompress(&payload[8..], Some(size as i32)).map(Cow::Owned).map_err(|e| format!("lz4: {e}"))
        }
        COMPRESSED_ZSTD => {
            let mut out = Vec::new();
            zstd::stream::read::Decoder::new(payload)
                .and_then(|d| d.take(MAX_FIELD_BYTES).read_to_end(&mut out))
                .map_err(|e| format!("zstd: {e}"))?;
            Ok(Cow::Owned(out))
        }
        COMPRESSED_XZ => {
            // Capped like the others: a few KB of xz can inflate to gigabytes.
            let mut out = CappedVec(Vec::new());
            lzma_rs::xz_decompress(&mut std::io::BufReader::new(payload), &mut out)
                .map_err(|e| format!("xz: {e:?}"))?;
            Ok(Cow::Owned(out.0))
        }
        other => Err(format!("unknown compression flags {other:#x}")),
    }
}

/// A buffer that refuses to grow past `MAX_FIELD_BYTES`.
struct CappedVec(Vec<u8>);

impl std::io::Write for CappedVec {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if (self.0.len() + buf.len()) as u64 > MAX_FIELD_BYTES {
            return Err(std::io::Error::other(format!("field longer than {MAX_FIELD_BYTES} bytes")));
        }
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal regular-format file: header, one DATA object per field, one ENTRY.
    fn tiny_journal(fields: &[(&[u8], u8)], truncate_to: Option<usize>) -> Vec<u8> {
        let header_size = 256usize;
        let mut f = vec![0u8; header_size];
        f[..8].copy_from_slice(SIGNATURE);
        f[88..96].copy_from_slice(&(header_size as u64).to_le_bytes());
        let mut data_offsets = Vec::new();
        for (payload, flags) in fields {
            let at = f.len();
            let size = 64 + payload.len();
            let mut obj = vec![0u8; size];
            obj[0] = OBJECT_DATA;
            obj[1] = *flags;
            obj[8..16].copy_from_slice(&(size as u64).to_le_bytes());
            obj[64..].copy_from_slice(payload);
            f.extend_from_slice(&obj);
            f.resize(f.len().next_multiple_of(8), 0);
            data_offsets.push(at as u64);
        }
        let entry_at = f.len();
        let size = 64 + 16 * data_offsets.len();
        let mut obj = vec![0u8; size];
        obj[0] = OBJECT_ENTRY;
        obj[8..16].copy_from_slice(&(size as u64).to_le_bytes());
        obj[24..32].copy_from_slice(&1_767_657_748_000_000u64.to_le_bytes());
        for (i, off) in data_offsets.iter().enumerate() {
            obj[64 + 16 * i..72 + 16 * i].copy_from_slice(&off.to_le_bytes());
        }
        f.extend_from_slice(&obj);
        f[136..144].copy_from_slice(&(entry_at as u64).to_le_bytes());
        f[152..160].copy_from_slice(&1u64.to_le_bytes());
        if let Some(n) = truncate_to {
            f.truncate(n);
        }
        f
    }

    fn read_all(data: Vec<u8>) -> (String, Vec<String>) {
        let mut r = BinaryReader::new(Bytes::from_vec(data)).unwrap();
        let mut batch = Batch::default();
        while r.next_batch(&mut batch, 1 << 20) {
            if r.done {
                break;
            }
        }
        (String::from_utf8(batch.text).unwrap(), r.warnings)
    }

    #[test]
    fn reads_plain_and_lz4_fields() {
        let message = b"MESSAGE=Failed password for root from 2001:db8::1 port 22 ssh2".to_vec();
        let mut lz4_payload = (message.len() as u64).to_le_bytes().to_vec();
        lz4_payload.extend(lz4::block::compress(&message, None, false).unwrap());
        let fields: [(&[u8], u8); 3] =
            [(b"_HOSTNAME=srv", 0), (b"SYSLOG_IDENTIFIER=sshd", 0), (&lz4_payload, COMPRESSED_LZ4)];
        let (text, warnings) = read_all(tiny_journal(&fields, None));
        assert_eq!(text, "2026-01-06T00:02:28Z srv sshd: Failed password for root from 2001:db8::1 port 22 ssh2\n");
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn reads_xz_and_zstd_fields() {
        let message = b"MESSAGE=Invalid user a from 192.0.2.1 port 22".to_vec();
        let mut xz = Vec::new();
        lzma_rs::xz_compress(&mut &message[..], &mut xz).unwrap();
        let zst = zstd::stream::encode_all(&b"_HOSTNAME=srv"[..], 3).unwrap();
        let fields: [(&[u8], u8); 2] = [(&zst, COMPRESSED_ZSTD), (&xz, COMPRESSED_XZ)];
        let (text, warnings) = read_all(tiny_journal(&fields, None));
        assert_eq!(text, "2026-01-06T00:02:28Z srv journal: Invalid user a from 192.0.2.1 port 22\n");
        assert!(warnings.is_empty(), "{warnings:?}");
        let (_, warnings) = read_all(tiny_journal(&[(b"garbage", COMPRESSED_ZSTD)], None));
        assert!(warnings[0].contains("zstd"), "{warnings:?}");
    }

    /// An xz field that inflates past the field cap is damage, not a reason to hold it
    /// (zstd and lz4 fields were capped already; xz had no cap).
    #[test]
    fn an_xz_field_past_the_cap_is_refused() {
        use std::io::Write;
        let mut field = liblzma::write::XzEncoder::new(Vec::new(), 0);
        field.write_all(b"MESSAGE=").unwrap();
        let zeros = vec![b'0'; 1 << 20];
        for _ in 0..MAX_FIELD_BYTES >> 20 {
            field.write_all(&zeros).unwrap();
        }
        let field = field.finish().unwrap();
        let (text, warnings) = read_all(tiny_journal(&[(&field, COMPRESSED_XZ)], None));
        assert_eq!(text, "");
        assert!(
            warnings.len() == 1 && warnings[0].contains("xz") && warnings[0].contains("longer than"),
            "{warnings:?}"
        );
    }

    #[test]
    fn any_damaged_byte_is_survived() {
        let fields: [(&[u8], u8); 2] = [(b"MESSAGE=Invalid user a from 192.0.2.1 port 22", 0), (b"_PID=1", 0)];
        let good = tiny_journal(&fields, None);
        for at in 0..good.len() {
            for value in [0x00, 0x07, 0xff] {
                let mut bad = good.clone();
                bad[at] = value;
                if let Ok(mut r) = BinaryReader::new(Bytes::from_vec(bad)) {
                    let mut batch = Batch::default();
                    while r.next_batch(&mut batch, 1 << 20) && !r.done {}
                }
            }
        }
    }

    #[test]
    fn a_cut_file_warns() {
        let fields: [(&[u8], u8); 1] = [(b"MESSAGE=x", 0)];
        let full = tiny_journal(&fields, None);
        let (text, warnings) = read_all(tiny_journal(&fields, Some(full.len() - 10)));
        assert_eq!(text, "");
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(Header::parse(b"LPKSHHRH").is_err());
        assert!(Header::parse(&[0u8; 300]).is_err());
    }
}
