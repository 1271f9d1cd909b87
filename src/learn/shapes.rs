//! What the scan's unjudged requests looked like, counted per request SHAPE (one table
//! per worker thread, merged at the end), not per address: a benign line costs one hash
//! of its shape key and one map probe. Each shape keeps the addresses that requested
//! it with their counts, up to `SAMPLE` of them (those with the smallest address
//! hash: a uniform sample, and the same whatever the thread count or chunk order); with
//! the verdicts known at the end, they tell attacker from benign use.
//!
//! A shape requested by more than `SAMPLE` distinct addresses is *saturated*: its
//! counts of attacker and benign addresses are those of the sample, which the
//! suggestions scale up into estimates (see `suggest::Tally::attacker_estimate`).

use std::cell::RefCell;

use hashbrown::HashTable;

use super::seen::{shape_key, EXAMPLE_BYTES};
use crate::vocab::address::{canonical, AddrKey};

/// Distinct addresses remembered per shape.
pub const SAMPLE: usize = 64;

/// Distinct shapes per thread: a crawler-heavy log cannot blow memory; lines of shapes
/// past the cap count in `overflow` (reported).
pub const MAX_SHAPES: usize = 1 << 20;

/// An address as learning keys it: a well-mixed 64-bit hash of its value (IPv4, IPv6,
/// or the canonical spelling of anything else). Uniform, so the smallest ids of a shape
/// are a uniform sample of its addresses; collisions among the few hundred thousand
/// addresses of a scan are vanishingly rare (and would only merge two addresses'
/// counts for learning).
pub type AddrId = u64;

pub fn addr_id(key: AddrKey) -> AddrId {
    let (hi, lo) = match key {
        AddrKey::V4(a) => (0, 0xffff_0000_0000 | u64::from(a)),
        AddrKey::V6(a) => ((a >> 64) as u64, a as u64),
        AddrKey::Text(t) => {
            use std::hash::BuildHasher;
            (0x0100 << 48, rustc_hash::FxBuildHasher.hash_one(canonical(t).as_bytes()))
        }
    };
    // 0 marks a free slot in `AddrSet`.
    mix(lo ^ mix(hi)).max(1)
}

/// splitmix64's finaliser.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// One access-log line as learning needs it.
pub struct Request<'a> {
    pub ts: Option<i64>,
    pub path: &'a [u8],
    pub user_agent: &'a [u8],
    pub allowed_user: bool,
    /// The line itself was judged suspicious (a scanner's agent or referer, or a probe
    /// whose path no rule knows).
    pub suspicious_line: bool,
    /// HTTP status (0: none).
    pub status: u16,
    pub raw_line: &'a [u8],
}

/// One address's use of a shape.
#[derive(Clone, Debug, PartialEq)]
pub struct AddrUse {
    pub addr: AddrId,
    pub hits: u32,
    /// Hits by an allowed user (`--allow-user`).
    pub allowed_user_hits: u32,
    /// UTC micros; `i64::MAX`/`i64::MIN` while unknown.
    first: i64,
    last: i64,
}

impl AddrUse {
    fn new(addr: AddrId) -> AddrUse {
        AddrUse { addr, hits: 0, allowed_user_hits: 0, first: i64::MAX, last: i64::MIN }
    }

    pub fn first(&self) -> Option<i64> {
        (self.first != i64::MAX).then_some(self.first)
    }

    pub fn last(&self) -> Option<i64> {
        (self.last != i64::MIN).then_some(self.last)
    }

    #[inline]
    fn count(&mut self, r: &Request) {
        self.hits = self.hits.saturating_add(1);
        self.allowed_user_hits = self.allowed_user_hits.saturating_add(u32::from(r.allowed_user));
        if let Some(ts) = r.ts {
            self.first = self.first.min(ts);
            self.last = self.last.max(ts);
        }
    }

    fn absorb(&mut self, o: &AddrUse) {
        self.hits = self.hits.saturating_add(o.hits);
        self.allowed_user_hits = self.allowed_user_hits.saturating_add(o.allowed_user_hits);
        self.first = self.first.min(o.first);
        self.last = self.last.max(o.last);
    }
}

/// A shape's addresses: open addressing on the address id (already uniformly mixed,
/// so its low bits are the slot) with linear probing over 32-byte entries. A lookup
/// touches one cache line in the common case; a general hash map touches its control
/// bytes, then the bucket (on the 1 GB bench that probe was half of learning's cost).
#[derive(Clone, Debug, Default)]
struct AddrSet {
    /// Empty, or a power of two long; `addr == EMPTY` marks a free slot.
    slots: Vec<AddrUse>,
    len: usize,
}

/// Equal when they hold the same uses, whatever the slot order.
impl PartialEq for AddrSet {
    fn eq(&self, other: &AddrSet) -> bool {
        let sorted = |set: &AddrSet| {
            let mut v: Vec<AddrUse> = set.iter().cloned().collect();
            v.sort_by_key(|u| u.addr);
            v
        };
        self.len == other.len && sorted(self) == sorted(other)
    }
}

/// `addr_id` never returns it.
const EMPTY: AddrId = 0;

impl AddrSet {
    fn get_or_insert(&mut self, id: AddrId) -> &mut AddrUse {
        // At most 3/4 full, so probe runs stay short.
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.resize((self.slots.len() * 2).max(4));
        }
        let i = self.find(id);
        if self.slots[i].addr == EMPTY {
            self.slots[i] = AddrUse::new(id);
            self.len += 1;
        }
        &mut self.slots[i]
    }

    /// Asks the CPU to load the slot where `id`'s probe starts. A hint only.
    #[inline]
    fn prefetch(&self, id: AddrId) {
        if !self.slots.is_empty() {
            crate::vocab::prefetch::prefetch(&self.slots[id as usize & (self.slots.len() - 1)], 1);
        }
    }

    /// The slot holding `id`, or the free slot where it belongs.
    #[inline]
    fn find(&self, id: AddrId) -> usize {
        let mask = self.slots.len() - 1;
        let mut i = id as usize & mask;
        while self.slots[i].addr != id && self.slots[i].addr != EMPTY {
            i = (i + 1) & mask;
        }
        i
    }

    fn resize(&mut self, capacity: usize) {
        let old = std::mem::replace(&mut self.slots, vec![AddrUse::new(EMPTY); capacity]);
        self.len = 0;
        for u in old.into_iter().filter(|u| u.addr != EMPTY) {
            let i = self.find(u.addr);
            self.slots[i] = u;
            self.len += 1;
        }
    }

    fn iter(&self) -> impl Iterator<Item = &AddrUse> {
        self.slots.iter().filter(|u| u.addr != EMPTY)
    }

    /// Keeps the addresses with an id up to `threshold`.
    fn retain_upto(&mut self, threshold: AddrId) {
        let kept: Vec<AddrUse> = self.iter().filter(|u| u.addr <= threshold).cloned().collect();
        *self = AddrSet::default();
        for u in &kept {
            self.absorb(u);
        }
    }

    fn absorb(&mut self, u: &AddrUse) {
        let mine = self.get_or_insert(u.addr);
        mine.absorb(u);
    }
}

/// Everything known about one request shape.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ShapeEvidence {
    pub hits: u64,
    /// More than `SAMPLE` distinct addresses requested it: `uses` holds the sample.
    pub saturated: bool,
    /// Addresses with a larger id are not counted (`u64::MAX`: all are): lowered to
    /// the `SAMPLE`-th smallest id when `uses` grows past twice the sample, so
    /// trimming is amortised, and what stays is exactly every address up to it.
    threshold: u64,
    uses: AddrSet,
    /// The earliest (time, then text) line of this shape that was flagged or answered
    /// with an error: attackers' lines, not a copy of every benign request. Only what
    /// the line itself shows counts, so the choice cannot depend on how the lines were
    /// split between threads (asking whether its address had been suspicious before,
    /// in one thread's view, did).
    example: Option<Box<(i64, Box<str>)>>,
}

impl ShapeEvidence {
    fn new() -> ShapeEvidence {
        ShapeEvidence { threshold: u64::MAX, ..Default::default() }
    }

    /// The addresses (all of them, or after `ShapeTable::finish` the sample of a
    /// saturated shape), in no particular order.
    pub fn sample(&self) -> impl Iterator<Item = &AddrUse> {
        self.uses.iter()
    }

    /// Addresses with a larger id are not in the sample (`u64::MAX` while unsaturated).
    pub fn threshold(&self) -> u64 {
        self.threshold
    }

    pub fn example(&self) -> Option<(i64, &str)> {
        self.example.as_deref().map(|(ts, text)| (*ts, &**text))
    }

    #[inline]
    fn add(&mut self, id: AddrId, r: &Request) {
        self.hits += 1;
        if r.suspicious_line || r.status >= 400 {
            self.offer_example(r.ts.unwrap_or(i64::MAX), r.raw_line);
        }
        if id > self.threshold {
            return;
        }
        self.uses.get_or_insert(id).count(r);
        if self.uses.len > 2 * SAMPLE {
            self.trim();
        }
    }

    /// Keeps the `SAMPLE` addresses with the smallest ids.
    fn trim(&mut self) {
        if self.uses.len <= SAMPLE {
            return;
        }
        let mut ids: Vec<AddrId> = self.uses.iter().map(|u| u.addr).collect();
        let (_, &mut kth, _) = ids.select_nth_unstable(SAMPLE - 1);
        self.uses.retain_upto(kth);
        self.threshold = kth;
        self.saturated = true;
    }

    fn offer_example(&mut self, ts: i64, line: &[u8]) {
        let line = &line[..line.len().min(EXAMPLE_BYTES)];
        let better = match &self.example {
            None => true,
            Some(e) if ts < e.0 => true,
            // Ties (same second) are common on a busy shape: compare without a copy.
            Some(e) if ts == e.0 => match std::str::from_utf8(line) {
                Ok(text) => text < &*e.1,
                Err(_) => crate::vocab::text::lossless(line).as_str() < &*e.1,
            },
            Some(_) => false,
        };
        if better {
            self.example = Some(Box::new((ts, crate::vocab::text::lossless(line).into_boxed_str())));
        }
    }

    /// Every address up to the lower threshold is in one side or both (each side
    /// holds all of its addresses up to its own threshold), so the merged sample is
    /// the same whatever the split between threads.
    fn merge(&mut self, other: ShapeEvidence) {
        self.hits += other.hits;
        self.saturated |= other.saturated;
        if let Some(e) = other.example {
            match &self.example {
                Some(mine) if (mine.0, &mine.1) <= (e.0, &e.1) => {}
                _ => self.example = Some(e),
            }
        }
        let threshold = self.threshold.min(other.threshold);
        if threshold < self.threshold {
            self.uses.retain_upto(threshold);
        }
        for u in other.uses.iter().filter(|u| u.addr <= threshold) {
            self.uses.absorb(u);
        }
        self.threshold = threshold;
        if self.uses.len > 2 * SAMPLE {
            self.trim();
        }
    }
}

/// One thread's (then the scan's) shapes. The keys sit end to end in one buffer and
/// the evidence in one vector, both indexed by shape number; the hash table holds only
/// the numbers. A lookup thus compares against a dense buffer instead of following a
/// pointer to one small allocation per key, which missed the cache on most access
/// lines (4% of a scan's CPU on the 1 GB bench).
#[derive(Clone, Debug, Default)]
pub struct ShapeTable {
    /// Keys: `path \0 param names joined by & \0 agent token` (see `seen::shape_key`).
    keys: Vec<u8>,
    /// Where each shape's key ends in `keys`.
    key_ends: Vec<usize>,
    /// Each shape's key hash, for growing the table without hashing the keys again.
    hashes: Vec<u64>,
    evidence: Vec<ShapeEvidence>,
    index: HashTable<u32>,
    /// Lines whose shape was not kept because of `MAX_SHAPES`.
    pub overflow: u64,
}

thread_local! {
    static KEY: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

fn hash_key(key: &[u8]) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(key)
}

/// Key number `i` of a table's key buffer.
fn key_at<'k>(keys: &'k [u8], ends: &[usize], i: u32) -> &'k [u8] {
    let i = i as usize;
    let start = if i == 0 { 0 } else { ends[i - 1] };
    &keys[start..ends[i]]
}

impl ShapeTable {
    /// Counts one unjudged request of address `addr`; allocates only for a new shape.
    /// `known` is the request's shape if `find_ahead` found it already.
    #[inline]
    pub fn record(&mut self, addr: AddrKey, r: &Request, known: Option<u32>) {
        let id = addr_id(addr);
        if let Some(shape) = known {
            self.evidence[shape as usize].add(id, r);
            return;
        }
        KEY.with_borrow_mut(|key| {
            shape_key(r.path, r.user_agent, key);
            let hash = hash_key(key);
            let shape = match self.find(hash, key) {
                Some(shape) => shape,
                None if self.evidence.len() >= MAX_SHAPES => {
                    self.overflow += 1;
                    return;
                }
                None => self.push(key, hash, ShapeEvidence::new()),
            };
            self.evidence[shape as usize].add(id, r);
        })
    }

    /// The shape of a request read ahead of its turn (None if the table has no such
    /// shape yet), with the slot where its address would be counted on its way into the
    /// cache. Changes nothing but timing; `record` counts the line.
    #[inline]
    pub fn find_ahead(&self, addr: AddrKey, path: &[u8], user_agent: &[u8]) -> Option<u32> {
        let shape = KEY.with_borrow_mut(|key| {
            shape_key(path, user_agent, key);
            self.find(hash_key(key), key)
        })?;
        let evidence = &self.evidence[shape as usize];
        let id = addr_id(addr);
        if id <= evidence.threshold {
            evidence.uses.prefetch(id);
        }
        Some(shape)
    }

    fn find(&self, hash: u64, key: &[u8]) -> Option<u32> {
        let (keys, ends) = (&self.keys, &self.key_ends);
        self.index.find(hash, |&i| key_at(keys, ends, i) == key).copied()
    }

    fn push(&mut self, key: &[u8], hash: u64, evidence: ShapeEvidence) -> u32 {
        let shape = self.evidence.len() as u32;
        self.keys.extend_from_slice(key);
        self.key_ends.push(self.keys.len());
        self.hashes.push(hash);
        self.evidence.push(evidence);
        let hashes = &self.hashes;
        self.index.insert_unique(hash, shape, |&i| hashes[i as usize]);
        shape
    }

    pub fn len(&self) -> usize {
        self.evidence.len()
    }

    pub fn is_empty(&self) -> bool {
        self.evidence.is_empty()
    }

    pub fn get(&self, key: &[u8]) -> Option<&ShapeEvidence> {
        self.find(hash_key(key), key).map(|i| &self.evidence[i as usize])
    }

    /// Every shape with its evidence (in no particular order).
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &ShapeEvidence)> {
        self.evidence.iter().enumerate().map(|(i, e)| (key_at(&self.keys, &self.key_ends, i as u32), e))
    }

    /// Trims every shape's addresses to its sample (after the last merge).
    pub fn finish(&mut self) {
        for e in &mut self.evidence {
            e.trim();
        }
    }

    pub fn merge(&mut self, other: ShapeTable) {
        self.overflow += other.overflow;
        if self.is_empty() {
            let overflow = self.overflow;
            *self = other;
            self.overflow = overflow;
            return;
        }
        // Shapes from other threads are kept even past the cap: the cap bounds the hot
        // loop's growth, the merge only adds what the threads already hold.
        let ShapeTable { keys, key_ends, hashes, evidence, .. } = other;
        for (i, (e, hash)) in evidence.into_iter().zip(hashes).enumerate() {
            let key = key_at(&keys, &key_ends, i as u32);
            match self.find(hash, key) {
                Some(shape) => self.evidence[shape as usize].merge(e),
                None => {
                    self.push(key, hash, e);
                }
            }
        }
    }
}

/// Equal when they hold the same shapes with the same evidence, whatever the order.
impl PartialEq for ShapeTable {
    fn eq(&self, other: &ShapeTable) -> bool {
        self.overflow == other.overflow
            && self.len() == other.len()
            && self.iter().all(|(key, e)| other.get(key) == Some(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req<'a>(path: &'a str, ts: i64, status: u16) -> Request<'a> {
        Request {
            ts: Some(ts),
            path: path.as_bytes(),
            user_agent: b"xy/1",
            allowed_user: false,
            suspicious_line: false,
            status,
            raw_line: path.as_bytes(),
        }
    }

    #[test]
    fn counts_per_shape_and_address() {
        let mut t = ShapeTable::default();
        t.record(AddrKey::V4(1), &req("/a?x=1", 5, 200), None);
        t.record(AddrKey::V4(1), &req("/a?x=2", 3, 200), None);
        t.record(AddrKey::V4(2), &req("/a?x=3", 9, 404), None);
        let e = t.get(b"/a\0x\0xy").unwrap();
        assert_eq!((e.hits, e.sample().count(), e.saturated), (3, 2, false));
        let one = e.sample().find(|u| u.addr == addr_id(AddrKey::V4(1))).unwrap();
        assert_eq!((one.hits, one.first(), one.last()), (2, Some(3), Some(5)));
        assert_eq!(e.example(), Some((9, "/a?x=3")));
    }

    /// A shape found ahead counts exactly as one looked up when the line is counted.
    #[test]
    fn shapes_found_ahead_count_the_same() {
        let lines = [(1u32, "/a?x=1"), (2, "/a?y=2"), (1, "/b"), (3, "/a?x=9"), (2, "/b")];
        let (mut direct, mut ahead) = (ShapeTable::default(), ShapeTable::default());
        for (i, &(a, path)) in lines.iter().enumerate() {
            let r = req(path, i as i64, 404);
            direct.record(AddrKey::V4(a), &r, None);
            let found = ahead.find_ahead(AddrKey::V4(a), r.path, r.user_agent);
            // Unknown shapes are left to `record`, which adds them.
            assert_eq!(
                found.is_some(),
                ahead
                    .get(&{
                        let mut k = Vec::new();
                        shape_key(r.path, r.user_agent, &mut k);
                        k
                    })
                    .is_some()
            );
            ahead.record(AddrKey::V4(a), &r, found);
        }
        assert_eq!(direct, ahead);
        assert_eq!(direct.get(b"/a\0x\0xy").map(|e| e.hits), Some(2));
    }

    /// The sample and saturation do not depend on how lines are split between threads
    /// nor in which order the tables merge.
    #[test]
    fn samples_merge_independently_of_split_and_order() {
        let lines: Vec<(u32, i64)> = (0..6000u32).map(|i| (i % 3000, i64::from(i))).collect();
        let build = |order: &[usize], split: usize, reverse: bool| {
            let mut parts: Vec<ShapeTable> = [&order[..split], &order[split..]]
                .iter()
                .map(|part| {
                    let mut t = ShapeTable::default();
                    for &i in *part {
                        let (a, ts) = lines[i];
                        t.record(AddrKey::V4(a), &req("/p", ts, 404), None);
                    }
                    t
                })
                .collect();
            if reverse {
                parts.reverse();
            }
            let mut all = ShapeTable::default();
            for p in parts {
                all.merge(p);
            }
            all.finish();
            let mut flat: Vec<(Vec<u8>, u64, bool, Vec<AddrUse>)> = all
                .iter()
                .map(|(k, e)| {
                    let mut uses: Vec<AddrUse> = e.sample().cloned().collect();
                    uses.sort_by_key(|u| u.addr);
                    (k.to_vec(), e.hits, e.saturated, uses)
                })
                .collect();
            flat.sort_by(|a, b| a.0.cmp(&b.0));
            (all, flat)
        };
        let straight: Vec<usize> = (0..lines.len()).collect();
        let shuffled: Vec<usize> = (0..lines.len()).map(|i| (i * 7) % lines.len()).collect();
        let (a, fa) = build(&straight, 10, false);
        let (_, fb) = build(&shuffled, 2000, true);
        assert_eq!(fa, fb);
        let e = a.get(b"/p\0\0xy").unwrap();
        assert!(e.saturated);
        assert_eq!((e.hits, e.sample().count()), (6000, SAMPLE));
        assert!(e.sample().all(|u| u.hits == 2));
        // The sample is the addresses with the smallest ids.
        let mut ids: Vec<AddrId> = (0..3000u32).map(|a| addr_id(AddrKey::V4(a))).collect();
        ids.sort_unstable();
        assert!(e.sample().all(|u| u.addr <= ids[SAMPLE - 1]));
        // Fewer addresses than the sample: exact, unsaturated.
        let mut small = ShapeTable::default();
        for a in 0..SAMPLE as u32 {
            small.record(AddrKey::V4(a), &req("/q", 1, 200), None);
        }
        assert!(!small.get(b"/q\0\0xy").unwrap().saturated);
    }
}
