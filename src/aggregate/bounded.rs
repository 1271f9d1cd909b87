//! What one address targeted (usernames, paths, user agents), bounded: the keys kept
//! are the `MAX_KEYS` smallest seen, each cut to `MAX_KEY_BYTES`, and whatever falls
//! outside is counted, not stored. One address sending a million distinct usernames
//! took 865 MB; now it takes a thousand keys and a count.
//!
//! The smallest keys rather than the first or the commonest, because that set does not
//! depend on the order the lines came in: a key evicted (or refused) is larger than
//! `MAX_KEYS` keys already seen, so it can never be among the smallest of all, and the
//! counts of the keys kept are exact. Two threads' halves merge to what one thread
//! would have built, so outputs stay the same for any thread count.

use std::collections::BTreeMap;

use crate::vocab::text::lossless;

/// Distinct keys kept per address and kind.
pub const MAX_KEYS: usize = 1000;

/// Longest key kept (longer ones are cut at a character boundary): a username or user
/// agent can be as long as a line.
pub const MAX_KEY_BYTES: usize = 512;

/// Something counted per key: the count is what falls outside when a key is refused.
pub trait Tally: Default {
    fn total(&self) -> u64;
    fn absorb(&mut self, other: &Self);
}

impl Tally for u64 {
    fn total(&self) -> u64 {
        *self
    }
    fn absorb(&mut self, other: &u64) {
        *self += other;
    }
}

/// Keys held in a plain vector before the ordered map takes over: most addresses
/// target a handful, and a one-key map node costs ten times a one-key vector (with a
/// million attackers that was 700 MB).
const SMALL: usize = 16;

/// Counts per key for at most `MAX_KEYS` keys, and the count of the rest.
#[derive(Clone, Debug, Default)]
pub struct BoundedCounts<V> {
    /// The keys while there are at most `SMALL`, in no order; then empty.
    small: Vec<(String, V)>,
    kept: BTreeMap<String, V>,
    /// The total (`Tally::total`) of the lines whose key was not kept.
    pub beyond: u64,
}

impl<V: PartialEq> PartialEq for BoundedCounts<V> {
    /// The same keys and counts, however they are held.
    fn eq(&self, other: &Self) -> bool {
        fn sorted<V>(b: &BoundedCounts<V>) -> Vec<(&String, &V)> {
            let mut all: Vec<(&String, &V)> = b.small.iter().map(|(k, v)| (k, v)).chain(b.kept.iter()).collect();
            all.sort_by(|x, y| x.0.cmp(y.0));
            all
        }
        self.beyond == other.beyond && sorted(self) == sorted(other)
    }
}

impl<V: Tally> BoundedCounts<V> {
    /// The entry for a key given as log bytes (escaped as everywhere), or None when the
    /// key is not kept: then `weight` is added to `beyond`.
    pub fn entry(&mut self, bytes: &[u8], weight: u64) -> Option<&mut V> {
        let bytes = &bytes[..bytes.len().min(MAX_KEY_BYTES)];
        match std::str::from_utf8(bytes) {
            Ok(text) => self.entry_str(text, weight),
            // Cut inside its last character: the whole characters before it.
            Err(e) if e.error_len().is_none() => {
                let text = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default();
                self.entry_str(text, weight)
            }
            Err(_) => self.entry_str(&lossless(bytes), weight),
        }
    }

    /// `entry` for a key already in text form (another table's, when merging).
    pub fn entry_str(&mut self, text: &str, weight: u64) -> Option<&mut V> {
        if self.kept.is_empty() {
            if let Some(i) = self.small.iter().position(|(k, _)| k == text) {
                return Some(&mut self.small[i].1);
            }
            if self.small.len() < SMALL {
                super::reserve_first(&mut self.small);
                self.small.push((text.to_owned(), V::default()));
                return self.small.last_mut().map(|(_, v)| v);
            }
            self.kept.extend(self.small.drain(..));
            self.small.shrink_to_fit();
        }
        if self.kept.contains_key(text) {
            return self.kept.get_mut(text);
        }
        if self.kept.len() >= MAX_KEYS {
            let largest = self.kept.last_key_value().map(|(k, _)| k.as_str()).unwrap_or_default();
            if text > largest {
                self.beyond += weight;
                return None;
            }
            if let Some((_, evicted)) = self.kept.pop_last() {
                self.beyond += evicted.total();
            }
        }
        Some(self.kept.entry(text.to_owned()).or_default())
    }

    /// Adds another address table's counts for the same address.
    pub fn merge(&mut self, other: &BoundedCounts<V>) {
        for (key, value) in other.iter() {
            if let Some(mine) = self.entry_str(key, value.total()) {
                mine.absorb(value);
            }
        }
        self.beyond += other.beyond;
    }

    pub fn len(&self) -> usize {
        self.small.len() + self.kept.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The keys and their counts, in no particular order.
    pub fn iter(&self) -> Iter<'_, V> {
        let pair: fn(&(String, V)) -> (&String, &V) = |(k, v)| (k, v);
        self.small.iter().map(pair).chain(self.kept.iter())
    }

    pub fn get(&self, key: &str) -> Option<&V> {
        self.small.iter().find(|(k, _)| k == key).map(|(_, v)| v).or_else(|| self.kept.get(key))
    }

    /// Sets a key's value (within the bound, as `entry_str`).
    pub fn insert(&mut self, key: &str, value: V) {
        let weight = value.total();
        if let Some(slot) = self.entry_str(key, weight) {
            *slot = value;
        }
    }
}

/// The iterator of `BoundedCounts::iter`.
pub type Iter<'a, V> = std::iter::Chain<
    std::iter::Map<std::slice::Iter<'a, (String, V)>, fn(&(String, V)) -> (&String, &V)>,
    std::collections::btree_map::Iter<'a, String, V>,
>;

impl<'a, V: Tally> IntoIterator for &'a BoundedCounts<V> {
    type Item = (&'a String, &'a V);
    type IntoIter = Iter<'a, V>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_keys_are_the_smallest_with_exact_counts_whatever_the_order() {
        let keys: Vec<String> = (0..3000u32).map(|i| format!("user{:05}", (i * 7919) % 3000)).collect();
        let mut forward = BoundedCounts::<u64>::default();
        let mut backward = BoundedCounts::<u64>::default();
        let (mut half_a, mut half_b) = (BoundedCounts::<u64>::default(), BoundedCounts::<u64>::default());
        for (i, k) in keys.iter().enumerate() {
            for _ in 0..2 {
                *forward.entry(k.as_bytes(), 1).unwrap_or(&mut 0) += 1;
            }
            let half = if i % 2 == 0 { &mut half_a } else { &mut half_b };
            *half.entry(k.as_bytes(), 2).unwrap_or(&mut 0) += 2;
        }
        for k in keys.iter().rev() {
            *backward.entry(k.as_bytes(), 2).unwrap_or(&mut 0) += 2;
        }
        half_a.merge(&half_b);
        for table in [&forward, &backward, &half_a] {
            assert_eq!(table.len(), MAX_KEYS);
            assert_eq!(table.beyond, 2 * 2000);
            let keys: Vec<&String> = table.iter().map(|(k, _)| k).collect();
            assert_eq!(
                (keys.iter().min().unwrap().as_str(), keys.iter().max().unwrap().as_str()),
                ("user00000", "user00999")
            );
            assert_eq!(table.get("user00000"), Some(&2));
        }
        assert_eq!(forward, backward);
        assert_eq!(forward, half_a);
    }

    #[test]
    fn long_keys_are_cut_at_a_character() {
        let mut t = BoundedCounts::<u64>::default();
        let long = "é".repeat(400);
        *t.entry(long.as_bytes(), 1).unwrap() += 1;
        let (key, _) = t.iter().next().unwrap();
        assert_eq!(key.len(), MAX_KEY_BYTES, "256 whole characters of 2 bytes");
        assert!(key.chars().all(|c| c == 'é'));
    }
}
