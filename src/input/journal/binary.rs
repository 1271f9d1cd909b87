//! A forensic reader of binary journal files (systemd's documented JOURNAL_FILE_FORMAT):
//! the header, then every object of the arena in file order, keeping the ENTRY objects and
//! the DATA objects they point to (regular and compact files). Walking the objects, instead
//! of following the entry arrays, still reads every complete entry of a file whose indexes
//! are stale or cut off (an `.journal~` file journald put aside, a copy taken while it was
//! written); the first structurally damaged object ends the walk with a warning naming its
//! offset. A file is read as one that may be hostile: every field read is checked against
//! the hash stored with it, compressed fields are inflated within `Limits`, and what was
//! cut, skipped or found damaged is said in one warning per kind at the end.

use std::borrow::Cow;
use std::io::Read;

use super::field::{self, Field};
use super::hash::DataHash;
use super::{Batch, Record};

pub const SIGNATURE: &[u8; 8] = b"LPKSHHRH";
const HEADER_MIN: usize = 208;
const INCOMPATIBLE_KEYED_HASH: u32 = 1 << 2;
const INCOMPATIBLE_COMPACT: u32 = 1 << 4;
const OBJECT_DATA: u8 = 1;
const OBJECT_ENTRY: u8 = 3;
const OBJECT_TYPE_MAX: u8 = 7;

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
        let mut bytes = Vec::new();
        crate::input::source::open_regular(path)?.read_to_end(&mut bytes)?;
        Ok(Bytes(bytes))
    }

    pub fn from_vec(bytes: Vec<u8>) -> Bytes {
        Bytes(bytes)
    }
}

/// What the reader allows a file's fields, against a file built to exhaust memory or CPU.
/// journald accepts fields up to 768 MiB (DATA_SIZE_MAX, for core dumps) and 1024 fields
/// from a client per entry (ENTRY_FIELD_COUNT_MAX), far more than a syslog line needs.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// A MESSAGE is kept up to this many bytes (the scan cuts lines at 1 MiB anyway,
    /// counting the rest as an over-long line).
    pub message: usize,
    /// The other fields a line is made of (host, program, unit, pid: tens of bytes).
    pub other_field: usize,
    /// A compressed field inflates to at most this many times its stored size...
    pub inflate_ratio: usize,
    /// ...or to this many bytes, whichever is more (short fields of one repeated byte
    /// inflate a hundredfold and more).
    pub inflate_floor: usize,
    /// Items read per entry: journald's 1024 client fields and its own few dozen fit.
    pub entry_items: usize,
    /// Bytes one entry's fields may inflate to in all, the names read to skip fields
    /// included: twice a MESSAGE at its cap, room for it and the rest of the line.
    pub entry_inflated: usize,
    /// Bytes a whole file's fields may come to, plain or inflated: this many...
    pub file_inflated_base: u64,
    /// ...plus this many times the file's size. Without it, entries of a few bytes each
    /// pointing at one field (stored plain at the cap, or made to inflate to it) would
    /// cost the cap every time. Real journals render to a fraction of their size.
    pub file_inflated_per_byte: u64,
}

impl Limits {
    pub const DEFAULT: Limits = Limits {
        message: 4 << 20,
        other_field: 64 << 10,
        inflate_ratio: 1024,
        inflate_floor: 64 << 10,
        entry_items: 2048,
        entry_inflated: 8 << 20,
        file_inflated_base: 256 << 20,
        file_inflated_per_byte: 16,
    };

    fn field_cap(&self, name: &[u8]) -> usize {
        if name == b"MESSAGE" {
            self.message
        } else {
            self.other_field
        }
    }
}

/// A MESSAGE whose bytes do not match their stored hash is not used: a changed digit of
/// an address would put someone else's address in the events and the blocklist. Its
/// entry keeps its line (line numbers stay entry numbers) with this text instead, so
/// that `knocklog explain` and the unparsed counts show the damage where it is.
pub const DAMAGED_MESSAGE: &[u8] = b"(knocklog: this entry's MESSAGE is damaged in the journal file: not read)";

/// What the reader knows of a DATA object from an earlier entry (entries share objects:
/// the host, the program, the unit are each stored once).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Known {
    /// A field no syslog line needs: skipped without reading it again.
    Unwanted,
    /// Read whole and its hash matched.
    Verified,
    /// Cut at a cap (already counted; never checked against its hash).
    Cut,
    /// Its bytes do not match the hash or do not decompress (already counted).
    Damaged(Lost),
}

/// Which field a damaged object held, as far as it can be told.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lost {
    /// A MESSAGE: its entries show `DAMAGED_MESSAGE`.
    Message,
    Other,
    /// Not even its name decompresses: an entry it leaves without a MESSAGE shows
    /// `DAMAGED_MESSAGE` (entries nearly always have one: it was most likely this).
    Unnamed,
}

/// Objects met in a file that it should not hold, of one kind: how many, where the
/// first is, and the items they cost (for entries over a bound).
#[derive(Debug, Default)]
struct Tally {
    count: u64,
    first_at: usize,
    items: u64,
}

impl Tally {
    fn add(&mut self, at: usize, items: u64) {
        if self.count == 0 {
            self.first_at = at;
        }
        self.count += 1;
        self.items += items;
    }
}

#[derive(Debug, Default)]
struct Troubles {
    hash_mismatch: Tally,
    undecodable: Tally,
    /// The reason of the first object that does not decompress.
    undecodable_why: String,
    cut: Tally,
    too_many_items: Tally,
    entry_budget: Tally,
    file_budget: Tally,
}

/// The offsets of one entry's items seen so far. journald writes an entry's items
/// sorted and without repeats, so a strictly rising offset is new and needs no lookup;
/// only after the first that is not is every offset looked up in a set.
#[derive(Debug, Default)]
struct SeenOffsets {
    rising: Vec<usize>,
    set: rustc_hash::FxHashSet<usize>,
    hashed: bool,
}

impl SeenOffsets {
    fn clear(&mut self) {
        self.rising.clear();
        self.set.clear();
        self.hashed = false;
    }

    /// True the first time `offset` is seen in this entry.
    fn first_time(&mut self, offset: usize) -> bool {
        if !self.hashed {
            if self.rising.last().is_none_or(|&last| offset > last) {
                self.rising.push(offset);
                return true;
            }
            self.set.extend(self.rising.drain(..));
            self.hashed = true;
        }
        self.set.insert(offset)
    }
}

/// Most objects remembered across entries; past it the memory starts over.
const KNOWN_MAX: usize = 1 << 18;

/// Walks one journal file's objects, a batch of entries at a time.
pub struct BinaryReader {
    data: Bytes,
    header: Header,
    hash: DataHash,
    limits: Limits,
    pos: usize,
    done: bool,
    known: rustc_hash::FxHashMap<usize, Known>,
    seen: SeenOffsets,
    /// What the file's fields may still inflate to (`Limits::file_inflated_*`).
    file_inflate_left: u64,
    /// Every byte inflated, names read to skip fields included.
    inflated_total: u64,
    troubles: Troubles,
    pub entries: u64,
    pub warnings: Vec<String>,
}

impl BinaryReader {
    /// Takes the whole file's bytes (journal files are at most a few hundred MB).
    pub fn new(data: Bytes) -> Result<BinaryReader, String> {
        BinaryReader::with_limits(data, Limits::DEFAULT)
    }

    pub fn with_limits(data: Bytes, limits: Limits) -> Result<BinaryReader, String> {
        let header = Header::parse(&data)?;
        let mut warnings = Vec::new();
        if header.tail_object_offset as usize >= data.len() && header.tail_object_offset != 0 {
            warnings.push(format!(
                "journal file is {} bytes but its last object starts at byte {}: truncated copy; the entries before the cut were read",
                data.len(),
                header.tail_object_offset
            ));
        }
        let hash = match header.incompatible_flags & INCOMPATIBLE_KEYED_HASH {
            0 => DataHash::Jenkins,
            _ => DataHash::Keyed { file_id: header.file_id },
        };
        let file_inflate_left =
            limits.file_inflated_base.saturating_add(limits.file_inflated_per_byte.saturating_mul(data.len() as u64));
        Ok(BinaryReader {
            pos: header.header_size as usize,
            data,
            header,
            hash,
            limits,
            done: false,
            known: Default::default(),
            seen: SeenOffsets::default(),
            file_inflate_left,
            inflated_total: 0,
            troubles: Troubles::default(),
            entries: 0,
            warnings,
        })
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Appends entries to `batch` until it holds about `max_bytes` of text. False when
    /// the file has no more entries.
    pub fn next_batch(&mut self, batch: &mut Batch, max_bytes: usize) -> bool {
        while !self.done && batch.text.len() < max_bytes {
            self.step(batch);
            if self.done {
                self.report_troubles();
            }
        }
        !batch.text.is_empty() || batch.entries > 0
    }

    /// Reads the object at `pos` and moves past it.
    fn step(&mut self, batch: &mut Batch) {
        let at = self.pos;
        let tail = self.header.tail_object_offset as usize;
        let Some((kind, size)) = object_header(&self.data, at) else {
            // Zeroes or garbage: the normal end after the last object, damage before it.
            if at <= tail && tail != 0 && at + 16 <= self.data.len() {
                self.warn_damage(at, "no valid object");
            }
            self.done = true;
            return;
        };
        if kind == OBJECT_ENTRY {
            let mut reading = EntryReading {
                data: &self.data,
                compact: self.header.compact(),
                hash: self.hash,
                limits: &self.limits,
                known: &mut self.known,
                seen: &mut self.seen,
                file_inflate_left: &mut self.file_inflate_left,
                inflated_total: &mut self.inflated_total,
                troubles: &mut self.troubles,
            };
            match reading.entry(at, size).map(|record| batch.push(&record)) {
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

    /// One warning per kind of trouble met, once the walk is over.
    fn report_troubles(&mut self) {
        let t = std::mem::take(&mut self.troubles);
        let l = self.limits;
        if t.hash_mismatch.count > 0 {
            self.warnings.push(format!(
                "{} not match the hash stored with it (damaged bytes; the first at byte {}): not used, a damaged MESSAGE leaves its entry a line saying so",
                counted(t.hash_mismatch.count, "data object does", "data objects do"),
                t.hash_mismatch.first_at
            ));
        }
        if t.undecodable.count > 0 {
            self.warnings.push(format!(
                "{} not decompress (the first at byte {}: {}): not used",
                counted(t.undecodable.count, "data object does", "data objects do"),
                t.undecodable.first_at,
                t.undecodable_why
            ));
        }
        if t.cut.count > 0 {
            self.warnings.push(format!(
                "{} past a cap (MESSAGE {}, other fields {}, at most {} times the stored size and {} per entry; \
                 the first at byte {}): cut there, unchecked against the stored hash",
                counted(t.cut.count, "field goes", "fields go"),
                size(l.message as u64),
                size(l.other_field as u64),
                l.inflate_ratio,
                size(l.entry_inflated as u64),
                t.cut.first_at
            ));
        }
        if t.too_many_items.count > 0 {
            self.warnings.push(format!(
                "{} more than {} items (the first at byte {}): {} not read",
                counted(t.too_many_items.count, "entry has", "entries have"),
                l.entry_items,
                t.too_many_items.first_at,
                counted(t.too_many_items.items, "item past that was", "items past those were")
            ));
        }
        if t.entry_budget.count > 0 {
            self.warnings.push(format!(
                "{} fields that inflate past {} together (the first at byte {}): {} not read",
                counted(t.entry_budget.count, "entry has", "entries have"),
                size(l.entry_inflated as u64),
                t.entry_budget.first_at,
                counted(t.entry_budget.items, "item past that was", "items past that were")
            ));
        }
        if t.file_budget.count > 0 {
            self.warnings.push(format!(
                "the file's fields come to more than {} in all ({} and {} times the file's size): {} after that \
                 were not read (the first at byte {})",
                size(
                    l.file_inflated_base
                        .saturating_add(l.file_inflated_per_byte.saturating_mul(self.data.len() as u64))
                ),
                size(l.file_inflated_base),
                l.file_inflated_per_byte,
                counted(t.file_budget.count, "field", "fields"),
                t.file_budget.first_at
            ));
        }
    }
}

/// `4 MiB`, `64 KiB`, `1000 bytes`.
fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

/// `1 entry has`, `3 entries have`.
fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// (type, size) of a plausible object at `at`, None at the end or on garbage.
fn object_header(data: &[u8], at: usize) -> Option<(u8, usize)> {
    let kind = *data.get(at)?;
    let size = u64_at(data, at + 8)?;
    if kind == 0 || kind > OBJECT_TYPE_MAX || size < 16 || size > (data.len() - at) as u64 {
        return None;
    }
    Some((kind, size as usize))
}

/// The reader's state one entry works with, borrowed apart from the file's bytes so that
/// the entry's fields can borrow those while the state changes.
struct EntryReading<'r> {
    data: &'r [u8],
    compact: bool,
    hash: DataHash,
    limits: &'r Limits,
    known: &'r mut rustc_hash::FxHashMap<usize, Known>,
    seen: &'r mut SeenOffsets,
    file_inflate_left: &'r mut u64,
    inflated_total: &'r mut u64,
    troubles: &'r mut Troubles,
}

impl<'r> EntryReading<'r> {
    /// The fields of the ENTRY object at `at`. Each DATA object is read at most once per
    /// entry, a field no syslog line needs is skipped on its name, and the items and
    /// bytes inflated are bounded (`Limits`). An error is damage that ends the walk.
    fn entry(&mut self, at: usize, size: usize) -> Result<Record<'r>, String> {
        let obj = &self.data[at..at + size];
        let realtime = u64_at(obj, 24).ok_or("entry object too short")?;
        let mut record = Record { realtime: Some(realtime), ..Default::default() };
        let item_size = if self.compact { 4 } else { 16 };
        let items = obj.get(64..).ok_or("entry object too short")?;
        let n_items = items.len() / item_size;
        if n_items > self.limits.entry_items {
            self.troubles.too_many_items.add(at, (n_items - self.limits.entry_items) as u64);
        }
        if self.known.len() > KNOWN_MAX {
            self.known.clear();
        }
        self.seen.clear();
        let mut inflated = 0usize;
        let mut lost_unnamed = false;
        let read = n_items.min(self.limits.entry_items);
        for (i, item) in items.chunks_exact(item_size).take(read).enumerate() {
            if inflated >= self.limits.entry_inflated {
                self.troubles.entry_budget.add(at, (read - i) as u64);
                break;
            }
            let offset = if self.compact { u32_at(item, 0).map(u64::from) } else { u64_at(item, 0) };
            let offset = offset.unwrap_or(0) as usize;
            if !self.seen.first_time(offset) {
                // The same object again: `set` keeps the first, so it adds nothing.
                continue;
            }
            let (flags, stored_hash, payload) = data_object(self.data, self.compact, offset)?;
            // A plain object's name is read for nothing: only the wanted ones are looked
            // up (to skip hashing them again); a compressed one is looked up first, as
            // even its name costs a decoder.
            let compressed = field::is_compressed(flags);
            let mut known = if compressed { self.known.get(&offset).copied() } else { None };
            if self.skip_known(known, &mut record, &mut lost_unnamed) {
                continue;
            }
            let field = match Field::open(flags, payload) {
                Ok(f) => f,
                Err(why) => {
                    self.undecodable(offset, why, Lost::Unnamed);
                    lost_unnamed = true;
                    continue;
                }
            };
            inflated += field.inflated();
            *self.inflated_total += field.inflated() as u64;
            let Some(name) = field.name().and_then(Record::wanted) else {
                if compressed {
                    self.known.insert(offset, Known::Unwanted);
                }
                continue;
            };
            if record.has(name) {
                continue;
            }
            if !compressed {
                known = self.known.get(&offset).copied();
                if self.skip_known(known, &mut record, &mut lost_unnamed) {
                    continue;
                }
            }
            let mut limit = self.limits.field_cap(name);
            // The file's budget holds plain fields too: entries of a few bytes each can
            // point at one stored 4 MiB MESSAGE, and each would be rendered whole.
            let file_left = usize::try_from(*self.file_inflate_left).unwrap_or(usize::MAX);
            if file_left <= name.len() + 1 {
                self.troubles.file_budget.add(offset, 0);
                continue;
            }
            limit = limit.min(file_left);
            if field.is_compressed() {
                // A budget that no longer holds the name and its `=` holds no field.
                let entry_left = self.limits.entry_inflated.saturating_sub(inflated);
                if entry_left <= name.len() + 1 {
                    self.troubles.entry_budget.add(at, (read - i) as u64);
                    break;
                }
                let by_ratio = payload.len().saturating_mul(self.limits.inflate_ratio).max(self.limits.inflate_floor);
                limit = limit.min(by_ratio).min(entry_left);
            }
            let head_len = field.inflated();
            let value = match field.read(limit) {
                Ok(v) => v,
                Err(why) => {
                    let lost = if name == b"MESSAGE" { Lost::Message } else { Lost::Other };
                    self.undecodable(offset, why, lost);
                    if lost == Lost::Message {
                        record.message = Some(Cow::Borrowed(DAMAGED_MESSAGE));
                    }
                    continue;
                }
            };
            if compressed {
                let more = value.bytes.len().saturating_sub(head_len);
                inflated += more;
                *self.inflated_total += more as u64;
            }
            *self.file_inflate_left = self.file_inflate_left.saturating_sub(value.bytes.len() as u64);
            if value.cut {
                if known != Some(Known::Cut) {
                    self.troubles.cut.add(offset, 0);
                    self.known.insert(offset, Known::Cut);
                }
            } else if known != Some(Known::Verified) {
                if self.hash.of(&value.bytes) != stored_hash {
                    self.troubles.hash_mismatch.add(offset, 0);
                    let lost = if name == b"MESSAGE" { Lost::Message } else { Lost::Other };
                    self.known.insert(offset, Known::Damaged(lost));
                    if lost == Lost::Message {
                        record.message = Some(Cow::Borrowed(DAMAGED_MESSAGE));
                    }
                    continue;
                }
                // A MESSAGE is nearly always its entry's own: remembering each would cost
                // more than hashing a short one again if it ever comes back.
                if compressed || name != b"MESSAGE" || value.bytes.len() > 4096 {
                    self.known.insert(offset, Known::Verified);
                }
            }
            record.set(name, field_value(value.bytes));
        }
        if lost_unnamed && !record.has(b"MESSAGE") {
            record.message = Some(Cow::Borrowed(DAMAGED_MESSAGE));
        }
        Ok(record)
    }

    /// True when what is known of an object already settles it: a field no line needs,
    /// or one damaged (a MESSAGE leaves the marker, an unnamed one may).
    fn skip_known(&self, known: Option<Known>, record: &mut Record<'r>, lost_unnamed: &mut bool) -> bool {
        match known {
            Some(Known::Unwanted) => true,
            Some(Known::Damaged(lost)) => {
                if lost == Lost::Message && !record.has(b"MESSAGE") {
                    record.message = Some(Cow::Borrowed(DAMAGED_MESSAGE));
                }
                *lost_unnamed |= lost == Lost::Unnamed;
                true
            }
            _ => false,
        }
    }

    fn undecodable(&mut self, offset: usize, why: String, lost: Lost) {
        if self.troubles.undecodable.count == 0 {
            self.troubles.undecodable_why = why;
        }
        self.troubles.undecodable.add(offset, 0);
        self.known.insert(offset, Known::Damaged(lost));
    }
}

/// (flags, stored hash, payload) of the DATA object at `at`.
fn data_object(data: &[u8], compact: bool, at: usize) -> Result<(u8, u64, &[u8]), String> {
    match object_header(data, at) {
        Some((OBJECT_DATA, size)) => {
            let start = if compact { 72 } else { 64 };
            let payload = data.get(at + start..at + size).ok_or_else(|| format!("data object at {at} too short"))?;
            let stored_hash = u64_at(data, at + 16).ok_or_else(|| format!("data object at {at} too short"))?;
            Ok((data[at + 1], stored_hash, payload))
        }
        _ => Err(format!("entry points to byte {at}, which holds no data object")),
    }
}

/// The value of `NAME=value`, after the first `=`.
fn field_value(field: Cow<'_, [u8]>) -> Cow<'_, [u8]> {
    let eq = memchr::memchr(b'=', &field).map_or(field.len(), |i| i + 1);
    match field {
        Cow::Borrowed(b) => Cow::Borrowed(&b[eq..]),
        Cow::Owned(mut v) => {
            v.drain(..eq);
            Cow::Owned(v)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::field::{COMPRESSED_LZ4, COMPRESSED_XZ, COMPRESSED_ZSTD};
    use super::*;
    use std::io::Write;

    /// A journal file written object by object: the header, DATA objects hashed as the
    /// header says, ENTRY objects (regular or compact) pointing at them.
    struct Journal {
        f: Vec<u8>,
        hash: DataHash,
        compact: bool,
        entries: u64,
    }

    const T0: u64 = 1_767_657_748_000_000;

    impl Journal {
        fn new(incompatible_flags: u32) -> Journal {
            let mut f = vec![0u8; 256];
            f[..8].copy_from_slice(SIGNATURE);
            f[12..16].copy_from_slice(&incompatible_flags.to_le_bytes());
            let file_id = *b"0123456789abcdef";
            f[24..40].copy_from_slice(&file_id);
            f[88..96].copy_from_slice(&256u64.to_le_bytes());
            let hash = if incompatible_flags & INCOMPATIBLE_KEYED_HASH != 0 {
                DataHash::Keyed { file_id }
            } else {
                DataHash::Jenkins
            };
            Journal { f, hash, compact: incompatible_flags & INCOMPATIBLE_COMPACT != 0, entries: 0 }
        }

        fn object(&mut self, kind: u8, flags: u8, body: &[u8]) -> u64 {
            let at = self.f.len().next_multiple_of(8);
            self.f.resize(at, 0);
            self.f.extend_from_slice(&[kind, flags, 0, 0, 0, 0, 0, 0]);
            self.f.extend_from_slice(&((16 + body.len()) as u64).to_le_bytes());
            self.f.extend_from_slice(body);
            self.f[136..144].copy_from_slice(&(at as u64).to_le_bytes());
            at as u64
        }

        /// A DATA object of `field`, stored compressed as `flags` say.
        fn data(&mut self, field: &[u8], flags: u8) -> u64 {
            let stored = match flags {
                0 => field.to_vec(),
                COMPRESSED_XZ => {
                    let mut e = liblzma::write::XzEncoder::new(Vec::new(), 1);
                    e.write_all(field).unwrap();
                    e.finish().unwrap()
                }
                COMPRESSED_LZ4 => {
                    let mut v = (field.len() as u64).to_le_bytes().to_vec();
                    v.extend(lz4::block::compress(field, None, false).unwrap());
                    v
                }
                COMPRESSED_ZSTD => zstd::stream::encode_all(field, 3).unwrap(),
                other => unreachable!("{other}"),
            };
            self.stored(field, &stored, flags)
        }

        fn stored(&mut self, field: &[u8], stored: &[u8], flags: u8) -> u64 {
            let mut body = self.hash.of(field).to_le_bytes().to_vec();
            body.resize(if self.compact { 56 } else { 48 }, 0);
            body.extend_from_slice(stored);
            self.object(OBJECT_DATA, flags, &body)
        }

        fn entry(&mut self, items: &[u64]) -> u64 {
            let mut body = vec![0u8; 48];
            body[8..16].copy_from_slice(&T0.to_le_bytes());
            for item in items {
                if self.compact {
                    body.extend_from_slice(&(*item as u32).to_le_bytes());
                } else {
                    body.extend_from_slice(&item.to_le_bytes());
                    body.extend_from_slice(&[0; 8]);
                }
            }
            self.entries += 1;
            self.f[152..160].copy_from_slice(&self.entries.to_le_bytes());
            self.object(OBJECT_ENTRY, 0, &body)
        }

        fn bytes(&self) -> Vec<u8> {
            let mut f = self.f.clone();
            f.resize(f.len().next_multiple_of(8), 0);
            f
        }
    }

    fn read_all(data: Vec<u8>) -> (String, Vec<String>) {
        let (text, warnings, _) = read_with(data, Limits::DEFAULT);
        (text, warnings)
    }

    /// The text, the warnings and the bytes inflated.
    fn read_with(data: Vec<u8>, limits: Limits) -> (String, Vec<String>, u64) {
        let mut r = BinaryReader::with_limits(Bytes::from_vec(data), limits).unwrap();
        let mut batch = Batch::default();
        while r.next_batch(&mut batch, 1 << 20) {
            if r.done {
                break;
            }
        }
        (String::from_utf8(batch.text).unwrap(), r.warnings, r.inflated_total)
    }

    /// An sshd entry: host and program plain, MESSAGE stored as `flags` say; the
    /// MESSAGE object's offset.
    fn sshd_entry(j: &mut Journal, message: &[u8], flags: u8) -> u64 {
        let items = [j.data(b"_HOSTNAME=srv", 0), j.data(b"SYSLOG_IDENTIFIER=sshd", 0), j.data(message, flags)];
        j.entry(&items);
        items[2]
    }

    const LINE: &str = "2026-01-06T00:02:28Z srv sshd: ";

    #[test]
    fn reads_every_codec_in_regular_and_compact_files_with_either_hash() {
        for flags in [0, INCOMPATIBLE_KEYED_HASH, INCOMPATIBLE_COMPACT | INCOMPATIBLE_KEYED_HASH] {
            let mut j = Journal::new(flags);
            for codec in [0, COMPRESSED_XZ, COMPRESSED_LZ4, COMPRESSED_ZSTD] {
                sshd_entry(&mut j, format!("MESSAGE=Invalid user a from 192.0.2.{codec} port 22").as_bytes(), codec);
            }
            let (text, warnings) = read_all(j.bytes());
            let want: String =
                [0, 1, 2, 4].map(|c| format!("{LINE}Invalid user a from 192.0.2.{c} port 22\n")).concat();
            assert_eq!(text, want, "flags {flags:#x}");
            assert!(warnings.is_empty(), "flags {flags:#x}: {warnings:?}");
        }
    }

    #[test]
    fn a_field_that_does_not_decompress_is_dropped_and_the_walk_goes_on() {
        let mut j = Journal::new(0);
        let garbage = j.stored(b"MESSAGE=x", b"garbage", COMPRESSED_ZSTD);
        let host = j.data(b"_HOSTNAME=srv", 0);
        j.entry(&[host, garbage]);
        sshd_entry(&mut j, b"MESSAGE=next", 0);
        let (text, warnings) = read_all(j.bytes());
        assert_eq!(
            text,
            format!("2026-01-06T00:02:28Z srv journal: {}\n{LINE}next\n", String::from_utf8_lossy(DAMAGED_MESSAGE))
        );
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].starts_with(&format!("1 data object does not decompress (the first at byte {garbage}: zstd")),
            "{warnings:?}"
        );
    }

    /// A changed byte inside a field: the field is not used (a MESSAGE leaves the marker
    /// line), the object is counted once however many entries point at it.
    #[test]
    fn a_field_that_does_not_match_its_hash_is_not_used() {
        for flags in [0, INCOMPATIBLE_KEYED_HASH | INCOMPATIBLE_COMPACT] {
            let mut j = Journal::new(flags);
            let message = sshd_entry(&mut j, b"MESSAGE=Failed password for root from 203.0.113.7 port 22 ssh2", 0);
            let host = j.data(b"_HOSTNAME=srv", 0);
            j.entry(&[host, message]);
            let mut f = j.bytes();
            let digit = memchr::memmem::find(&f, b"113.7").unwrap() + 4;
            f[digit] = b'9';
            let (text, warnings) = read_all(f);
            let marker = String::from_utf8_lossy(DAMAGED_MESSAGE);
            assert_eq!(text, format!("{LINE}{marker}\n2026-01-06T00:02:28Z srv journal: {marker}\n"), "{flags:#x}");
            assert_eq!(warnings.len(), 1, "{warnings:?}");
            let want = format!(
                "1 data object does not match the hash stored with it (damaged bytes; the first at byte {message})"
            );
            assert!(warnings[0].starts_with(&want), "{warnings:?}");
        }
    }

    #[test]
    fn a_field_inflating_past_its_caps_is_cut_and_the_walk_goes_on() {
        let limits = Limits { message: 10_000, inflate_floor: 1000, inflate_ratio: 4, ..Limits::DEFAULT };
        for codec in [COMPRESSED_XZ, COMPRESSED_LZ4, COMPRESSED_ZSTD] {
            let mut j = Journal::new(INCOMPATIBLE_KEYED_HASH);
            let mut big = b"MESSAGE=Invalid user ".to_vec();
            big.resize(1 << 20, b'a');
            let message = sshd_entry(&mut j, &big, codec);
            sshd_entry(&mut j, b"MESSAGE=next", 0);
            let (text, warnings, inflated) = read_with(j.bytes(), limits);
            let lines: Vec<&str> = text.lines().collect();
            // 4 times the stored size, not under the floor, not over the MESSAGE cap (lz4
            // stores it in 4 KB: its cap cuts it; xz and zstd in a few hundred bytes).
            let stored = u64::from_le_bytes(j.f[message as usize + 8..][..8].try_into().unwrap()) as usize - 64;
            let limit = (4 * stored).clamp(1000, 10_000);
            assert_eq!(lines[0].len(), LINE.len() + limit - "MESSAGE=".len(), "{codec}");
            assert_eq!(lines[1], format!("{LINE}next"));
            assert!(inflated as usize <= limit + 100, "{codec}: {inflated} bytes inflated");
            assert_eq!(warnings.len(), 1, "{warnings:?}");
            assert!(
                warnings[0]
                    .starts_with("1 field goes past a cap (MESSAGE 10000 bytes, other fields 64 KiB, at most 4 times"),
                "{warnings:?}"
            );
            assert!(warnings[0].contains(&format!("the first at byte {message})")), "{warnings:?}");
        }
    }

    /// The item behind a thousand items is inflated once; a field no line needs is never
    /// inflated past its name.
    #[test]
    fn one_object_behind_many_items_is_inflated_once_and_unwanted_fields_not_at_all() {
        let mut j = Journal::new(INCOMPATIBLE_KEYED_HASH);
        let mut message = b"MESSAGE=Invalid user ".to_vec();
        message.resize(10_000, b'a');
        let message = j.data(&message, COMPRESSED_ZSTD);
        let mut core = b"COREDUMP=".to_vec();
        core.resize(1 << 20, b'c');
        let core = j.data(&core, COMPRESSED_XZ);
        let mut items = vec![j.data(b"_HOSTNAME=srv", 0)];
        items.extend([message, core].repeat(1000));
        j.entry(&items);
        let (text, warnings, inflated) = read_with(j.bytes(), Limits::DEFAULT);
        assert_eq!(text.len(), "2026-01-06T00:02:28Z srv journal: ".len() + 10_000 - 8 + 1);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert!(inflated < 10_000 + 2 * 65, "{inflated} bytes inflated");
    }

    #[test]
    fn items_and_bytes_per_entry_and_per_file_are_bounded() {
        // Items: 15 where 10 are read.
        let mut j = Journal::new(0);
        let mut items: Vec<u64> = (0..14).map(|i| j.data(format!("F{i}=x").as_bytes(), 0)).collect();
        items.push(j.data(b"MESSAGE=late", 0));
        j.entry(&items);
        let limits = Limits { entry_items: 10, ..Limits::DEFAULT };
        let (text, warnings, _) = read_with(j.bytes(), limits);
        assert_eq!(text, "\n", "the MESSAGE is past the items read");
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].starts_with("1 entry has more than 10 items (the first at byte "), "{warnings:?}");
        assert!(warnings[0].ends_with(": 5 items past those were not read"), "{warnings:?}");

        // Bytes per entry: three compressed fields of 600 bytes where 1000 may inflate.
        let mut j = Journal::new(0);
        let fields: Vec<u64> = ["_COMM=", "_HOSTNAME=", "MESSAGE="]
            .iter()
            .map(|name| {
                let mut f = name.as_bytes().to_vec();
                f.resize(600, b'v');
                j.data(&f, COMPRESSED_ZSTD)
            })
            .collect();
        j.entry(&fields);
        let limits = Limits { entry_inflated: 1000, ..Limits::DEFAULT };
        let (text, warnings, inflated) = read_with(j.bytes(), limits);
        assert!(inflated <= 1000, "{inflated}");
        assert_eq!(text, "\n", "the MESSAGE is past the bytes an entry may inflate");
        assert!(
            warnings.iter().any(|w| w.starts_with("1 entry has fields that inflate past 1000 bytes together")),
            "{warnings:?}"
        );
        assert!(warnings.iter().any(|w| w.ends_with(": 1 item past that was not read")), "{warnings:?}");

        // Bytes per file: each entry's MESSAGE inflates to 800 bytes, the file may 1000.
        let mut j = Journal::new(0);
        let mut f = b"MESSAGE=".to_vec();
        f.resize(800, b'm');
        let message = j.data(&f, COMPRESSED_ZSTD);
        for _ in 0..3 {
            j.entry(&[message]);
        }
        let limits = Limits { file_inflated_base: 1000, file_inflated_per_byte: 0, ..Limits::DEFAULT };
        let (text, warnings, inflated) = read_with(j.bytes(), limits);
        let lengths: Vec<usize> = text.lines().map(str::len).collect();
        let prefix = "2026-01-06T00:02:28Z localhost journal: ".len();
        assert_eq!(lengths, [prefix + 792, prefix + 200 - 8, 0], "{text}");
        assert!(inflated <= 1000 + 3 * 65, "{inflated}");
        assert!(
            warnings.iter().any(|w| w.contains("the file's fields come to more than 1000 bytes in all")),
            "{warnings:?}"
        );
        assert!(warnings.iter().any(|w| w.starts_with("1 field goes past a cap")), "{warnings:?}");
    }

    #[test]
    fn entries_pointing_at_one_big_plain_field_are_bounded_by_the_file_budget() {
        // 2000 entries of 16 bytes each name one plain MESSAGE of 100 KB: 200 MB of
        // lines from a 0.1 MB file, were every entry rendered whole.
        let mut j = Journal::new(0);
        let mut f = b"MESSAGE=".to_vec();
        f.resize(100_000, b'm');
        let message = j.data(&f, 0);
        for _ in 0..2000 {
            j.entry(&[message]);
        }
        let limits = Limits { file_inflated_base: 1_000_000, file_inflated_per_byte: 0, ..Limits::DEFAULT };
        let (text, warnings, _) = read_with(j.bytes(), limits);
        assert!(text.len() < 1_100_000, "{} bytes of lines", text.len());
        assert_eq!(text.lines().count(), 2000, "every entry keeps its line");
        assert!(warnings.iter().any(|w| w.contains("the file's fields come to more than")), "{warnings:?}");
    }

    #[test]
    fn any_damaged_byte_is_survived() {
        let mut j = Journal::new(INCOMPATIBLE_KEYED_HASH);
        sshd_entry(&mut j, b"MESSAGE=Invalid user a from 192.0.2.1 port 22", COMPRESSED_ZSTD);
        sshd_entry(&mut j, b"MESSAGE=Invalid user b from 192.0.2.1 port 22", COMPRESSED_LZ4);
        let good = j.bytes();
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
        let mut j = Journal::new(0);
        j.entry(&[]);
        let full = j.bytes();
        let (text, warnings) = read_all(full[..full.len() - 10].to_vec());
        assert_eq!(text, "");
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(Header::parse(b"LPKSHHRH").is_err());
        assert!(Header::parse(&[0u8; 300]).is_err());
    }
}
