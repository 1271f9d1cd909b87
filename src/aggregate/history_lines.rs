//! What `--history` keeps of the lines that do not become events: line counts per
//! (file, day, address, kind, status), the requests the behaviour rules read, and the
//! lines without a usable time. Each worker counts into its own table, keyed by the
//! address's slot in its own address table: integers only, so a benign line costs one
//! small hash lookup instead of an event built, queued, replayed and keyed by its
//! address text (that made a first `--history` run 3x a plain scan).

use std::collections::BTreeMap;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::ip_stats::Slot;
use crate::vocab::address::AddrKey;
use crate::vocab::event::LogKind;
use crate::vocab::time::day_of;

/// A row of the store's `requests` table: an access line a behaviour rule may count (a
/// 400/403/404 answer or a POST), kept whatever the rules' settings so that a report
/// can judge the period with its own (see `aggregate::behaviour`).
#[derive(Clone, Debug, PartialEq)]
pub struct RequestRow {
    pub file: u32,
    pub ts: i64,
    pub ip: String,
    pub method: String,
    /// Without its query string (the rules ignore it).
    pub path: String,
    pub status: u16,
}

impl RequestRow {
    /// True for a line the rules read: an access line with a 400, 403 or 404, or a POST.
    pub fn wanted(kind: LogKind, method: &[u8], status: u16) -> bool {
        kind == LogKind::Access && (matches!(status, 400 | 403 | 404) || method.eq_ignore_ascii_case(b"POST"))
    }

    /// The row of a wanted line; `path` loses its query string.
    pub fn new(file: u32, ts: i64, ip: String, method: String, path: &str, status: u16) -> Self {
        let path = path.split('?').next().unwrap_or_default().to_owned();
        RequestRow { file, ts, ip, method, path, status }
    }

    /// A total order (time first), so that rows gathered by several threads are stored
    /// the same way whatever thread counted which.
    pub fn sort(rows: &mut [RequestRow]) {
        rows.sort_unstable_by(|a, b| {
            (a.ts, &a.ip, &a.method, &a.path, a.status, a.file)
                .cmp(&(b.ts, &b.ip, &b.method, &b.path, b.status, b.file))
        });
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct DayKey {
    file: u32,
    day: i32,
    slot: u32,
    kind: u8,
    status: u16,
}

/// Lines of one (file, day, address, kind, status), and the first and last of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DayLines {
    pub lines: u64,
    pub first: i64,
    pub last: i64,
}

/// A count and the place of its address's previous count (0: none).
#[derive(Clone, Copy, Debug)]
struct DayEntry {
    key: DayKey,
    next: u32,
    lines: DayLines,
}

/// How many of an address's newest counts a line looks through before it starts a
/// new one. Lines of an address mostly come together (one day, a few statuses), so the
/// count sought is nearly always the newest; a key that fell further back gets a second
/// entry, summed with the first when the day is stored.
const CHAIN_LOOK: usize = 8;

/// Counts are kept in blocks of this many: a block once filled never moves (a vector
/// of hundreds of MB grown by doubling is copied each time).
const BLOCK: usize = 1 << 16;

/// One worker's counts, keyed by its own address slots. Each address's counts are a
/// chain, newest first, through blocks filled in line order: a line costs a look at its
/// address's newest counts, where a hash map of every (file, day, address, kind,
/// status) cost a cache miss, a probe and its rehashing per line (on a busy site, with
/// 1.8 lines per address and day, nearly one entry per line).
#[derive(Debug, Default)]
pub struct WorkerHistory {
    /// Per slot, the place of its newest count (1-based; 0: none).
    heads: Vec<u32>,
    blocks: Vec<Vec<DayEntry>>,
    requests: Vec<RequestRow>,
    untimed: u64,
}

impl WorkerHistory {
    #[inline]
    pub fn count(&mut self, file: u32, ts: i64, slot: Slot, kind: LogKind, status: u16) {
        let key = DayKey { file, day: day_of(ts), slot: slot.index(), kind: kind.index() as u8, status };
        let s = slot.index() as usize;
        if s >= self.heads.len() {
            self.heads.resize((s + 1).max(self.heads.len() * 2), 0);
        }
        let mut place = self.heads[s];
        for _ in 0..CHAIN_LOOK {
            let Some(entry) = self.entry_mut(place) else { break };
            if entry.key == key {
                let d = &mut entry.lines;
                d.lines += 1;
                d.first = d.first.min(ts);
                d.last = d.last.max(ts);
                return;
            }
            place = entry.next;
        }
        self.push(key, DayLines { lines: 1, first: ts, last: ts });
    }

    fn entry_mut(&mut self, place: u32) -> Option<&mut DayEntry> {
        let i = (place as usize).checked_sub(1)?;
        self.blocks.get_mut(i / BLOCK)?.get_mut(i % BLOCK)
    }

    fn push(&mut self, key: DayKey, lines: DayLines) {
        let head = &mut self.heads[key.slot as usize];
        if self.blocks.last().is_none_or(|b| b.len() == BLOCK) {
            self.blocks.push(Vec::with_capacity(BLOCK));
        }
        let full_blocks = self.blocks.len() - 1;
        let block = self.blocks.last_mut().expect("a block with room was just made");
        block.push(DayEntry { key, next: *head, lines });
        let counts = full_blocks * BLOCK + block.len();
        // Past four billion counts (200 GB of them) a count is kept but not chained:
        // the next line of its key starts another, summed with it when stored.
        *head = u32::try_from(counts).unwrap_or(0);
    }

    /// How many counts each day has.
    fn rows_per_day(&self) -> BTreeMap<i32, usize> {
        let mut days: BTreeMap<i32, usize> = BTreeMap::new();
        // Counts come in line order, so days come in runs: one map lookup a run.
        let mut run: Option<(i32, usize)> = None;
        for day in self.blocks.iter().flatten().map(|e| e.key.day) {
            match &mut run {
                Some((d, n)) if *d == day => *n += 1,
                _ => {
                    if let Some((d, n)) = run.replace((day, 1)) {
                        *days.entry(d).or_default() += n;
                    }
                }
            }
        }
        if let Some((d, n)) = run {
            *days.entry(d).or_default() += n;
        }
        days
    }

    /// Every count, in the order they were made.
    fn drain(&mut self) -> impl Iterator<Item = DayEntry> {
        self.heads = Vec::new();
        std::mem::take(&mut self.blocks).into_iter().flatten()
    }

    pub fn request(&mut self, row: RequestRow) {
        self.requests.push(row);
    }

    pub fn count_untimed(&mut self) {
        self.untimed += 1;
    }

    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty() && self.requests.is_empty() && self.untimed == 0
    }
}

/// One count of the merged tables: `name` indexes `HistoryLines::names`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DayRow {
    pub file: u32,
    pub name: u32,
    pub kind: LogKind,
    pub status: u16,
    pub lines: DayLines,
}

/// Every worker's counts, naming addresses by their place in `names`. A thread's rows
/// of one address are not summed with another thread's here: the store adds them up
/// day by day.
#[derive(Debug, Default)]
pub struct HistoryLines {
    /// Each address once, canonically spelled, in text order: rows sorted by `name`
    /// are sorted by address, as the store's day files are.
    pub names: Names,
    /// The rows of each UTC day.
    pub days: BTreeMap<i32, Vec<DayRow>>,
    pub requests: Vec<RequestRow>,
    pub untimed: u64,
}

/// Spellings of addresses in one buffer, in text order. The store reads a day's rows in
/// that order, so it reads the buffer front to back (a `String` each, scattered over the
/// heap, cost a cache miss per row).
#[derive(Debug, Default)]
pub struct Names {
    text: String,
    /// Where each spelling ends in `text`.
    ends: Vec<usize>,
}

impl Names {
    fn with_capacity(names: usize, bytes: usize) -> Self {
        Names { text: String::with_capacity(bytes), ends: Vec::with_capacity(names) }
    }

    fn push(&mut self, name: &str) {
        self.text.push_str(name);
        self.ends.push(self.text.len());
    }

    /// The spelling of the `i`th address.
    pub fn get(&self, i: u32) -> &str {
        let i = i as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }

    fn last(&self) -> Option<&str> {
        self.len().checked_sub(1).map(|i| self.get(i as u32))
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len() as u32).map(|i| self.get(i))
    }
}

/// The first 16 bytes of `s` as a big-endian integer (zero-padded): integers ordered as
/// the texts are, where they differ in those bytes.
fn text_prefix(s: &str) -> u128 {
    let mut bytes = [0u8; 16];
    let n = s.len().min(16);
    bytes[..n].copy_from_slice(&s.as_bytes()[..n]);
    u128::from_be_bytes(bytes)
}

impl HistoryLines {
    /// Gathers the workers' counts; `keys[slot]` is the address in that slot of the
    /// worker's address table.
    pub fn gather<'t>(workers: Vec<(WorkerHistory, Vec<AddrKey<'t>>)>) -> HistoryLines {
        // Each address gets one place, found by its key (integers, for IP addresses):
        // spelling and sorting then happen once per address, not once per thread.
        // At least the largest table's addresses are distinct: sized for them at once.
        let most = workers.iter().map(|(_, keys)| keys.len()).max().unwrap_or(0);
        let mut place: FxHashMap<AddrKey<'t>, u32> = FxHashMap::with_capacity_and_hasher(most, Default::default());
        let mut unique: Vec<AddrKey<'t>> = Vec::with_capacity(most);
        let slot_places: Vec<Vec<u32>> = workers
            .iter()
            .map(|(_, keys)| {
                keys.iter()
                    .map(|&key| {
                        *place.entry(key).or_insert_with(|| {
                            unique.push(key);
                            unique.len() as u32 - 1
                        })
                    })
                    .collect()
            })
            .collect();
        drop(place);
        let spelled: Vec<String> = unique.into_par_iter().map(AddrKey::canonical).collect();
        // Sorted by the first 16 bytes as an integer, the text only where those tie: a
        // comparison of two spellings is two cache misses (900 k addresses, 0.3 s).
        let mut order: Vec<(u128, u32)> = spelled.iter().zip(0..).map(|(s, i)| (text_prefix(s), i)).collect();
        order
            .par_sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| spelled[a.1 as usize].cmp(&spelled[b.1 as usize])));
        // Two keys may share a spelling (a host name written as an address): one name.
        let mut rank = vec![0u32; spelled.len()];
        let mut names = Names::with_capacity(spelled.len(), spelled.iter().map(String::len).sum());
        for &(_, i) in &order {
            let name = spelled[i as usize].as_str();
            if names.last() != Some(name) {
                names.push(name);
            }
            rank[i as usize] = names.len() as u32 - 1;
        }
        drop(spelled);
        // Each worker's rows are put in days on a thread of their own (millions of
        // rows on a busy site), each day's vector sized by a first count (grown by
        // doubling, they were copied and faulted in again and again), then the days
        // joined: a day one worker alone counted is moved, not copied.
        let per_worker: Vec<(BTreeMap<i32, Vec<DayRow>>, WorkerHistory)> = workers
            .into_par_iter()
            .zip(slot_places)
            .map(|((mut worker, _), places)| {
                let mut days: BTreeMap<i32, Vec<DayRow>> = BTreeMap::new();
                for (day, rows) in worker.rows_per_day() {
                    days.insert(day, Vec::with_capacity(rows));
                }
                for DayEntry { key: k, lines, .. } in worker.drain() {
                    let name = rank[places[k.slot as usize] as usize];
                    let kind = LogKind::ALL[k.kind as usize];
                    let row = DayRow { file: k.file, name, kind, status: k.status, lines };
                    days.get_mut(&k.day).expect("every day was counted").push(row);
                }
                (days, worker)
            })
            .collect();
        let mut all = HistoryLines { names, ..Default::default() };
        for (days, worker) in per_worker {
            for (day, mut rows) in days {
                match all.days.entry(day) {
                    std::collections::btree_map::Entry::Vacant(e) => {
                        e.insert(rows);
                    }
                    std::collections::btree_map::Entry::Occupied(mut e) => e.get_mut().append(&mut rows),
                }
            }
            all.requests.extend(worker.requests);
            all.untimed += worker.untimed;
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_one_key_add_up_and_keep_their_first_and_last_time() {
        let mut w = WorkerHistory::default();
        let day = 86_400_000_000i64;
        for ts in [day + 5, day + 1, day + 9] {
            w.count(2, ts, Slot::at(0), LogKind::Access, 200);
        }
        w.count(2, day + 3, Slot::at(0), LogKind::Access, 404);
        w.count(2, 2 * day, Slot::at(1), LogKind::Auth, 0);
        w.count_untimed();
        let mut other = WorkerHistory::default();
        other.count(3, day + 7, Slot::at(0), LogKind::Access, 200);
        let text = AddrKey::Text(b"host.example");
        other.count(3, day + 8, Slot::at(1), LogKind::Access, 200);
        // Thread 2's slot 0 is thread 1's slot 1: one name, whichever thread counted.
        let v6 = AddrKey::of(b"2001:db8::1");
        let all = HistoryLines::gather(vec![(w, vec![AddrKey::V4(0xC000_0201), v6]), (other, vec![v6, text])]);
        assert!(all.names.iter().eq(["192.0.2.1", "2001:db8::1", "host.example"]), "{:?}", all.names);
        let mut rows: Vec<(i32, DayRow)> =
            all.days.iter().flat_map(|(&day, rows)| rows.iter().map(move |&r| (day, r))).collect();
        rows.sort_by_key(|(day, r)| (*day, r.name, r.status));
        let summary: Vec<_> = rows.iter().map(|(day, r)| (*day, all.names.get(r.name), r.status, r.lines)).collect();
        assert_eq!(
            summary,
            [
                (1, "192.0.2.1", 200, DayLines { lines: 3, first: day + 1, last: day + 9 }),
                (1, "192.0.2.1", 404, DayLines { lines: 1, first: day + 3, last: day + 3 }),
                (1, "2001:db8::1", 200, DayLines { lines: 1, first: day + 7, last: day + 7 }),
                (1, "host.example", 200, DayLines { lines: 1, first: day + 8, last: day + 8 }),
                (2, "2001:db8::1", 0, DayLines { lines: 1, first: 2 * day, last: 2 * day }),
            ]
        );
        assert_eq!(all.untimed, 1);
    }

    /// An address whose lines cycle through more statuses than a line looks back over
    /// gets a second count of a key: none of its lines is lost, and each key's first
    /// and last time survive the split.
    #[test]
    fn counts_past_the_look_back_are_kept_in_further_rows() {
        let mut w = WorkerHistory::default();
        let statuses: Vec<u16> = (0..CHAIN_LOOK as u16 + 4).map(|i| 200 + i).collect();
        for round in 0..3i64 {
            for (i, &status) in statuses.iter().enumerate() {
                w.count(0, round * 100 + i as i64, Slot::at(0), LogKind::Access, status);
            }
        }
        w.count(0, 1_000, Slot::at(1), LogKind::Access, 200);
        let all = HistoryLines::gather(vec![(w, vec![AddrKey::V4(1), AddrKey::V4(2)])]);
        let rows = &all.days[&0];
        assert!(rows.len() > statuses.len() + 1, "the cycle outran the look-back: {} rows", rows.len());
        let mut summed: BTreeMap<(u32, u16), DayLines> = BTreeMap::new();
        for r in rows {
            let d = summed.entry((r.name, r.status)).or_insert(DayLines { lines: 0, first: i64::MAX, last: i64::MIN });
            d.lines += r.lines.lines;
            d.first = d.first.min(r.lines.first);
            d.last = d.last.max(r.lines.last);
        }
        for (i, &status) in statuses.iter().enumerate() {
            let i = i as i64;
            assert_eq!(summed[&(0, status)], DayLines { lines: 3, first: i, last: 200 + i }, "status {status}");
        }
        assert_eq!(summed[&(1, 200)], DayLines { lines: 1, first: 1_000, last: 1_000 });
        assert_eq!(summed.len(), statuses.len() + 1);
    }

    /// Counts made in one block are found again from the next.
    #[test]
    fn counts_are_found_across_blocks() {
        let mut w = WorkerHistory::default();
        let slots = BLOCK as u32 + 10;
        for pass in 0..2 {
            for slot in 0..slots {
                w.count(0, pass, Slot::at(slot), LogKind::Access, 200);
            }
        }
        assert_eq!(
            w.blocks.iter().map(Vec::len).sum::<usize>(),
            slots as usize,
            "each slot's second line found its first count"
        );
        let keys: Vec<AddrKey> = (0..slots).map(AddrKey::V4).collect();
        let all = HistoryLines::gather(vec![(w, keys)]);
        assert!(all.days[&0].iter().all(|r| r.lines == DayLines { lines: 2, first: 0, last: 1 }));
    }

    /// Names sort as their texts do, also where the first 16 bytes tie or one is a
    /// prefix of another.
    #[test]
    fn names_are_in_text_order_past_their_first_bytes() {
        let texts = ["2001:db8:aaaa:bbbb::2", "2001:db8:aaaa:bbbb::10", "2001:db8:aaaa:bbb::1", "10.0.0.1", "9.0.0.1"];
        let keys: Vec<AddrKey> = texts.iter().map(|t| AddrKey::of(t.as_bytes())).collect();
        let mut worker = WorkerHistory::default();
        for slot in 0..keys.len() as u32 {
            worker.count(0, 1, Slot::at(slot), LogKind::Access, 200);
        }
        let all = HistoryLines::gather(vec![(worker, keys)]);
        let mut sorted: Vec<String> = texts.iter().map(|t| crate::vocab::address::canonical(t.as_bytes())).collect();
        sorted.sort();
        assert!(all.names.iter().eq(sorted.iter().map(String::as_str)), "{:?}", all.names);
        assert_eq!(all.names.len(), 5);
    }

    #[test]
    fn only_the_requests_the_rules_read_are_kept_without_their_query() {
        assert!(!RequestRow::wanted(LogKind::Access, b"GET", 200));
        assert!(RequestRow::wanted(LogKind::Access, b"GET", 404));
        assert!(RequestRow::wanted(LogKind::Access, b"post", 200));
        assert!(!RequestRow::wanted(LogKind::Error, b"GET", 404));
        assert_eq!(RequestRow::new(0, 1, "192.0.2.1".into(), "GET".into(), "/a?b=c", 404).path, "/a");
    }
}
