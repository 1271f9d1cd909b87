//! A per-thread memo of what the signatures say about a field value. User agents,
//! referers and request targets repeat: a site's visitors share a few hundred browser
//! strings and fetch the same pages and assets. Remembering the verdict per distinct
//! value turns the automaton pass (a dependent table load per byte, ~2 ns/byte) into a
//! hash of five words and one comparison for most lines.
//!
//! Direct-mapped, the full value stored and compared: a collision (even one an attacker
//! crafts) only costs a recomputation, never a wrong verdict. Values longer than a
//! slot are not memoised. Each thread's memo belongs to one classifier at a time (by
//! id) and is emptied when another one uses it.

use super::crawlers::Crawler;
use super::matcher::Best;
use std::cell::RefCell;

/// One remembered value and its verdict.
#[derive(Clone)]
struct Slot<const KEY: usize, V> {
    /// Length of the value; `u16::MAX` for an empty slot.
    len: u16,
    /// Bit 0: the caller's flag; bit 1: `RECENT`.
    flag: u8,
    verdict: V,
    key: [u8; KEY],
}

/// What is remembered of a user agent: its signature verdict and the crawler it
/// claims to be (one automaton pass each, both paid once per distinct agent).
#[derive(Clone, Copy, Debug)]
pub struct AgentVerdict {
    pub best: Best,
    pub claim: Option<Crawler>,
}

impl Default for AgentVerdict {
    fn default() -> Self {
        AgentVerdict { best: Best::NONE, claim: None }
    }
}

pub struct FieldMemo<const KEY: usize, V = Best> {
    slots: Vec<Slot<KEY, V>>,
}

impl<const KEY: usize, V: Copy + Default> FieldMemo<KEY, V> {
    const fn new() -> Self {
        FieldMemo { slots: Vec::new() }
    }

    fn reset(&mut self, size: usize) {
        let empty = Slot { len: u16::MAX, flag: 0, verdict: V::default(), key: [0; KEY] };
        self.slots.clear();
        self.slots.resize(size, empty);
    }

    /// The verdict for `value` (with `flag`, a bit of context the verdict depends on),
    /// computed by `compute` unless remembered. Two-way: a value may sit in either slot
    /// of its pair, and a new one replaces the less recently used of the two, so two
    /// hot values that hash alike do not evict each other on every line.
    #[inline]
    pub fn get(&mut self, value: &[u8], flag: u8, compute: impl FnOnce() -> V) -> V {
        if value.len() > KEY || self.slots.is_empty() {
            return compute();
        }
        let first = hash(value, flag) as usize & (self.slots.len() - 2);
        let pair = &mut self.slots[first..first + 2];
        for way in 0..2 {
            let slot = &pair[way];
            if slot.len as usize == value.len() && slot.flag & 1 == flag && slot.key[..value.len()] == *value {
                let verdict = slot.verdict;
                pair[way].flag |= RECENT;
                pair[1 - way].flag &= !RECENT;
                return verdict;
            }
        }
        let verdict = compute();
        let way = if pair[0].flag & RECENT != 0 { 1 } else { 0 };
        pair[1 - way].flag &= !RECENT;
        let slot = &mut pair[way];
        slot.len = value.len() as u16;
        slot.flag = flag | RECENT;
        slot.verdict = verdict;
        slot.key[..value.len()].copy_from_slice(value);
        verdict
    }
}

/// Set in `Slot::flag` on the more recently used slot of a pair.
const RECENT: u8 = 2;

/// Five words of the value (start, quarters, end) and its length: distinct values of
/// one field differ somewhere in the middle as often as at the ends.
#[inline]
fn hash(value: &[u8], flag: u8) -> u64 {
    const MUL: u64 = 0x9E37_79B9_7F4A_7C15;
    let n = value.len();
    let mut h = (n as u64) << 8 | flag as u64;
    if n >= 8 {
        // Whole 8-byte loads (a partial copy into a zeroed word stalls store forwarding).
        for at in [0, n / 4, n / 2, 3 * n / 4, n - 8] {
            let at = at.min(n - 8);
            let word = u64::from_le_bytes(value[at..at + 8].try_into().expect("8 bytes"));
            h = (h.rotate_left(23) ^ word).wrapping_mul(MUL);
        }
    } else {
        for &b in value {
            h = (h.rotate_left(8) ^ b as u64).wrapping_mul(MUL);
        }
    }
    h ^ (h >> 31)
}

/// The memos of one thread.
pub struct Memos {
    owner: u64,
    pub agent: FieldMemo<160, AgentVerdict>,
    pub referer: FieldMemo<160>,
    pub path: FieldMemo<80>,
}

thread_local! {
    static MEMOS: RefCell<Memos> = const {
        RefCell::new(Memos { owner: 0, agent: FieldMemo::new(), referer: FieldMemo::new(), path: FieldMemo::new() })
    };
}

/// Runs `f` with this thread's memos, emptied first if another classifier (`owner`,
/// never 0) filled them.
#[inline]
pub fn with_memos<R>(owner: u64, f: impl FnOnce(&mut Memos) -> R) -> R {
    MEMOS.with(|cell| {
        // A nested use (not done by this crate) falls back to no memo rather than panic.
        let Ok(mut memos) = cell.try_borrow_mut() else {
            let mut scratch =
                Memos { owner, agent: FieldMemo::new(), referer: FieldMemo::new(), path: FieldMemo::new() };
            return f(&mut scratch);
        };
        if memos.owner != owner {
            memos.owner = owner;
            memos.agent.reset(512);
            memos.referer.reset(512);
            memos.path.reset(2048);
        }
        f(&mut memos)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_and_recomputes_on_collision() {
        let mut memo = FieldMemo::<16>::new();
        memo.reset(2); // one pair: every value collides
        let mut calls = 0;
        let mut get = |memo: &mut FieldMemo<16>, v: &[u8], flag: u8, rank: u8| {
            memo.get(v, flag, || {
                calls += 1;
                let mut b = Best::NONE;
                b.offer(rank, 7);
                b
            })
            .rank()
        };
        assert_eq!(get(&mut memo, b"/a", 0, 3), 3);
        assert_eq!(get(&mut memo, b"/a", 0, 9), 3); // remembered
        assert_eq!(get(&mut memo, b"/a", 1, 5), 5); // other flag: computed
        assert_eq!(get(&mut memo, b"/b", 1, 6), 6); // other value: computed, evicts /a 0
        assert_eq!(get(&mut memo, b"/a", 1, 8), 5); // still there (most recent before /b)
        assert_eq!(get(&mut memo, b"/a", 0, 9), 9); // evicted: computed again
        assert_eq!(get(&mut memo, &[b'x'; 17], 0, 4), 4); // too long: computed
        assert_eq!(calls, 5);
    }
}
