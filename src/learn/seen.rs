//! What one address requested that no rule judged (per-address, per-thread, merged at
//! the end): one entry per distinct request shape, so learning works on aggregates and
//! never re-reads the logs.
//!
//! A request shape is the path without its query string, the query parameter names and
//! the user agent's product token. Query values are dropped on purpose: they are where
//! the per-line noise is (ids, cache busters, search terms), and no pattern is learned
//! from them. Candidate patterns (prefixes, file, extension...) are derived from the
//! shapes only once, at the end, so the hot loop does one hash lookup per access line.

use std::cell::RefCell;

use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};

/// Distinct request shapes kept per address and thread. A crawler walking a large site
/// stops adding shapes here (its later requests still count in `overflow`); attackers
/// rarely come near it, and the cap bounds memory on a 1 GB log with millions of
/// distinct benign paths to about `addresses x MAX_SHAPES` entries at worst.
pub const MAX_SHAPES: usize = 4096;

/// Example lines kept per address once it has done something suspicious: examples are
/// shown for attackers' requests, and a busy site's millions of benign requests must
/// not each keep a copy of their line. Before that, only a few error responses (an
/// attacker's first misses often come before its first flagged line) keep one.
const EXAMPLES_PER_ADDRESS: u32 = 32;
const EXAMPLES_BEFORE_SUSPICION: u32 = 4;

/// An address keeps its shapes in a vector searched linearly (by hash first) up to this
/// many (most addresses make a handful of distinct requests: no hash table to build),
/// in a hash map beyond.
const FEW: usize = 8;

/// Longest example line kept (bytes).
pub const EXAMPLE_BYTES: usize = 400;

/// Counts of one request shape by one address.
#[derive(Clone, Debug, PartialEq)]
pub struct ShapeCount {
    pub hits: u64,
    /// Hits by an allowed user (`--allow-user`): evidence against a pattern whatever
    /// the address did otherwise.
    pub allowed_user_hits: u32,
    /// First and last time (UTC micros); `i64::MAX`/`i64::MIN` while none is known
    /// (see `first()`/`last()`): one entry exists per address and request, so its size
    /// counts.
    first: i64,
    last: i64,
    /// One raw line with this shape (lossless text, truncated), when kept (a thin
    /// pointer: most entries have none).
    example: Option<Box<Box<str>>>,
}

impl Default for ShapeCount {
    fn default() -> Self {
        ShapeCount { hits: 0, allowed_user_hits: 0, first: i64::MAX, last: i64::MIN, example: None }
    }
}

impl ShapeCount {
    pub fn first(&self) -> Option<i64> {
        (self.first != i64::MAX).then_some(self.first)
    }

    pub fn last(&self) -> Option<i64> {
        (self.last != i64::MIN).then_some(self.last)
    }

    pub fn example(&self) -> Option<&str> {
        self.example.as_deref().map(|b| &**b)
    }
}

/// A shape key, shared by every address of a thread that made the same request: one
/// allocation per distinct request, not per address and request.
type Key = Arc<[u8]>;

#[derive(Clone, Debug, PartialEq)]
enum Shapes {
    /// Hashes of the keys (searched first: contiguous, no pointer to follow), keys.
    Few(Vec<u64>, Vec<(Key, ShapeCount)>),
    Many(FxHashMap<Key, ShapeCount>),
}

impl Default for Shapes {
    fn default() -> Self {
        Shapes::Few(Vec::new(), Vec::new())
    }
}

/// The unjudged requests of one address.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Seen {
    /// Key: `path \0 param names joined by & \0 agent token` (see `shape_key`).
    shapes: Shapes,
    /// Lines whose shape was not kept because of `MAX_SHAPES`.
    pub overflow: u64,
    examples: u32,
}

/// One access-log line as learning needs it.
pub struct Request<'a> {
    pub ts: Option<i64>,
    pub path: &'a [u8],
    pub user_agent: &'a [u8],
    pub allowed_user: bool,
    /// The address had already done something suspicious (in this thread's view).
    pub suspicious_address: bool,
    /// HTTP status (0: none).
    pub status: u16,
    pub raw_line: &'a [u8],
}

thread_local! {
    static KEY: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// This thread's distinct shape keys (freed with the thread: the scan's pool).
    static INTERNED: RefCell<FxHashSet<Key>> = RefCell::new(FxHashSet::default());
}

fn intern(key: &[u8]) -> Key {
    INTERNED.with_borrow_mut(|set| match set.get(key) {
        Some(k) => k.clone(),
        None => {
            let k: Key = key.into();
            set.insert(k.clone());
            k
        }
    })
}

impl Seen {
    /// Counts one unjudged request; allocates only for a new shape.
    pub fn record(&mut self, r: &Request) {
        KEY.with_borrow_mut(|key| {
            shape_key(r.path, r.user_agent, key);
            let hash = hash_of(key);
            if let Some(c) = self.get_hashed(hash, key) {
                count(c, r);
                return;
            }
            if self.len() >= MAX_SHAPES {
                self.overflow += 1;
                return;
            }
            let mut c = ShapeCount::default();
            let keep = if r.suspicious_address {
                self.examples < EXAMPLES_PER_ADDRESS
            } else {
                r.status >= 400 && self.examples < EXAMPLES_BEFORE_SUSPICION
            };
            if keep {
                self.examples += 1;
                c.example = Some(Box::new(example_text(r.raw_line)));
            }
            count(&mut c, r);
            self.insert(hash, intern(key), c);
        })
    }

    pub fn len(&self) -> usize {
        match &self.shapes {
            Shapes::Few(_, v) => v.len(),
            Shapes::Many(m) => m.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every shape key with its counts (in no particular order).
    pub fn iter(&self) -> Box<dyn Iterator<Item = (&[u8], &ShapeCount)> + '_> {
        match &self.shapes {
            Shapes::Few(_, v) => Box::new(v.iter().map(|(k, c)| (&**k, c))),
            Shapes::Many(m) => Box::new(m.iter().map(|(k, c)| (&**k, c))),
        }
    }

    pub fn get(&self, key: &[u8]) -> Option<&ShapeCount> {
        match &self.shapes {
            Shapes::Few(_, v) => v.iter().find(|(k, _)| **k == *key).map(|(_, c)| c),
            Shapes::Many(m) => m.get(key),
        }
    }

    fn get_hashed(&mut self, hash: u64, key: &[u8]) -> Option<&mut ShapeCount> {
        match &mut self.shapes {
            Shapes::Few(hashes, v) => {
                let i = hashes.iter().zip(v.iter()).position(|(h, (k, _))| *h == hash && **k == *key)?;
                Some(&mut v[i].1)
            }
            Shapes::Many(m) => m.get_mut(key),
        }
    }

    fn insert(&mut self, hash: u64, key: Key, c: ShapeCount) {
        match &mut self.shapes {
            Shapes::Few(hashes, v) if v.len() < FEW => {
                hashes.push(hash);
                v.push((key, c));
            }
            Shapes::Few(_, v) => {
                let mut m: FxHashMap<Key, ShapeCount> = std::mem::take(v).into_iter().collect();
                m.insert(key, c);
                self.shapes = Shapes::Many(m);
            }
            Shapes::Many(m) => {
                m.insert(key, c);
            }
        }
    }

    pub fn merge(&mut self, other: Seen) {
        self.overflow += other.overflow;
        self.examples += other.examples;
        let theirs: Vec<(Key, ShapeCount)> = match other.shapes {
            Shapes::Few(_, v) => v,
            Shapes::Many(m) => m.into_iter().collect(),
        };
        for (k, c) in theirs {
            let hash = hash_of(&k);
            match self.get_hashed(hash, &k) {
                Some(mine) => {
                    mine.hits += c.hits;
                    mine.allowed_user_hits = mine.allowed_user_hits.saturating_add(c.allowed_user_hits);
                    mine.first = mine.first.min(c.first);
                    mine.last = mine.last.max(c.last);
                    if mine.example.is_none() {
                        mine.example = c.example;
                    }
                }
                // Shapes from other threads are kept even past the cap: the cap bounds
                // the hot loop's growth, the merge only adds what the threads already hold.
                None => self.insert(hash, k, c),
            }
        }
    }
}

fn hash_of(key: &[u8]) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(key)
}

fn count(c: &mut ShapeCount, r: &Request) {
    c.hits += 1;
    c.allowed_user_hits = c.allowed_user_hits.saturating_add(u32::from(r.allowed_user));
    if let Some(ts) = r.ts {
        c.first = c.first.min(ts);
        c.last = c.last.max(ts);
    }
}

/// Lossless text of a raw line, cut at `EXAMPLE_BYTES` on a character boundary.
fn example_text(line: &[u8]) -> Box<str> {
    let text = crate::text::lossless(&line[..line.len().min(EXAMPLE_BYTES)]);
    text.into_boxed_str()
}

/// Builds the shape key of a request into `key`.
pub fn shape_key(path: &[u8], user_agent: &[u8], key: &mut Vec<u8>) {
    key.clear();
    let (bare, query) = match memchr::memchr(b'?', path) {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => (path, &b""[..]),
    };
    key.extend_from_slice(bare);
    key.push(0);
    let mut first = true;
    for pair in query.split(|&c| c == b'&' || c == b';') {
        let name = pair.split(|&c| c == b'=').next().unwrap_or_default();
        if name.is_empty() {
            continue;
        }
        if !first {
            key.push(b'&');
        }
        first = false;
        key.extend_from_slice(name);
    }
    key.push(0);
    key.extend_from_slice(agent_token(user_agent));
}

/// The user agent's product token: `python-requests` of `python-requests/2.31.0`,
/// `Mozilla` of `Mozilla/5.0 (...)`; empty for `-` or an agent that does not start with
/// a plain token.
pub fn agent_token(ua: &[u8]) -> &[u8] {
    let end = ua.iter().position(|&c| !is_token_byte(c)).unwrap_or(ua.len());
    let token = &ua[..end];
    let next = ua.get(end).copied();
    let ends_well = matches!(next, None | Some(b'/') | Some(b' ') | Some(b'(') | Some(b';'));
    if token.len() < 2 || token.len() > 64 || !ends_well || !token[0].is_ascii_alphabetic() {
        return b"";
    }
    token
}

fn is_token_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.')
}

/// Splits a shape key back into (path, param names, agent token).
pub fn split_key(key: &[u8]) -> (&[u8], &[u8], &[u8]) {
    let mut parts = key.splitn(3, |&c| c == 0);
    let path = parts.next().unwrap_or_default();
    let params = parts.next().unwrap_or_default();
    let agent = parts.next().unwrap_or_default();
    (path, params, agent)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(path: &str, ua: &str) -> Vec<u8> {
        let mut k = Vec::new();
        shape_key(path.as_bytes(), ua.as_bytes(), &mut k);
        k
    }

    #[test]
    fn shapes_drop_query_values() {
        assert_eq!(key("/a/b.php?id=1&x=2", "curl/8.0"), b"/a/b.php\0id&x\0curl");
        assert_eq!(key("/a/b.php?id=99&x=", "curl/7.1"), key("/a/b.php?id=1&x=2", "curl/8.0"));
        assert_eq!(key("/", "-"), b"/\0\0");
        assert_eq!(key("/?&=&a", ""), b"/\0a\0");
        let k = key("/x?q=1", "Mozilla/5.0 (X11)");
        assert_eq!(split_key(&k), (&b"/x"[..], &b"q"[..], &b"Mozilla"[..]));
    }

    #[test]
    fn agent_tokens() {
        assert_eq!(agent_token(b"python-requests/2.31.0"), b"python-requests");
        assert_eq!(agent_token(b"zgrab"), b"zgrab");
        assert_eq!(agent_token(b"-"), b"");
        assert_eq!(agent_token(b"() { :; }; /bin/bash"), b"");
        assert_eq!(agent_token(b"${jndi:ldap://x/a}"), b"");
        assert_eq!(agent_token(b"\xff\xfeabc"), b"");
        assert_eq!(agent_token(b"abc\xff"), b"");
    }

    #[test]
    fn counts_merge_and_cap() {
        let req = |path: &'static str, ts| Request {
            ts: Some(ts),
            path: path.as_bytes(),
            user_agent: b"xy/1",
            allowed_user: false,
            suspicious_address: false,
            status: 200,
            raw_line: path.as_bytes(),
        };
        let mut a = Seen::default();
        a.record(&req("/a?x=1", 5));
        a.record(&req("/a?x=2", 3));
        let mut b = Seen::default();
        b.record(&req("/a", 9));
        b.record(&req("/a?x=3", 1));
        a.merge(b);
        let c = a.get(b"/a\0x\0xy").unwrap();
        assert_eq!((c.hits, c.first(), c.last()), (3, Some(1), Some(5)));
        assert_eq!(a.get(b"/a\0\0xy").unwrap().hits, 1);
        let mut big = Seen::default();
        let paths: Vec<String> = (0..MAX_SHAPES + 10).map(|i| format!("/p{i}")).collect();
        for p in &paths {
            big.record(&Request {
                ts: None,
                path: p.as_bytes(),
                user_agent: b"",
                allowed_user: false,
                suspicious_address: false,
                status: 200,
                raw_line: b"x",
            });
        }
        assert_eq!((big.len(), big.overflow), (MAX_SHAPES, 10));
        assert_eq!(big.get(b"/p4000\0\0").unwrap().hits, 1);
        // No example for an address that did nothing suspicious.
        assert!(big.iter().all(|(_, c)| c.example.is_none()));
    }
}
