//! Where each IPv4 address's statistics are in a worker's table: open addressing over
//! 8-byte slots, so the slot of an address is known from its hash alone and can be
//! prefetched a few lines before the line is counted (a general hash map only tells
//! where to look after a load, which stalls the line on busy logs' 40k addresses).

/// One slot: the address and its position plus one (0: free).
#[derive(Clone, Copy, Debug, Default)]
struct Slot {
    address: u32,
    position_plus_one: u32,
}

/// IPv4 address -> position. Linear probing, at most half full.
#[derive(Debug)]
pub struct V4Index {
    /// Empty, or a power of two long.
    slots: Vec<Slot>,
    len: usize,
    /// An odd multiplier drawn per index: which addresses share a slot run cannot be
    /// chosen in advance by whoever writes the log lines.
    multiplier: u64,
}

impl Default for V4Index {
    fn default() -> Self {
        use std::hash::{BuildHasher, RandomState};
        V4Index { slots: Vec::new(), len: 0, multiplier: RandomState::new().hash_one(0x6b6e_6f63u32) | 1 }
    }
}

impl V4Index {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline]
    fn home(&self, address: u32) -> usize {
        // Multiply-shift: the top bits of the product are the well-mixed ones.
        let bits = self.slots.len().trailing_zeros();
        ((u64::from(address).wrapping_mul(self.multiplier)) >> (64 - bits)) as usize
    }

    /// Asks the CPU to load the slot where `address` starts its probe. A hint only.
    #[inline]
    pub fn prefetch(&self, address: u32) {
        if self.slots.len() >= 2 {
            crate::vocab::prefetch::prefetch(&self.slots[self.home(address)], 1);
        }
    }

    /// The slot holding `address`, or the free slot where it belongs.
    #[inline]
    fn find(&self, address: u32) -> usize {
        let mask = self.slots.len() - 1;
        let mut i = self.home(address);
        loop {
            let slot = self.slots[i];
            if slot.position_plus_one == 0 || slot.address == address {
                return i;
            }
            i = (i + 1) & mask;
        }
    }

    pub fn get(&self, address: u32) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let slot = self.slots[self.find(address)];
        slot.position_plus_one.checked_sub(1)
    }

    /// The position of `address`, given `next` when it is new.
    #[inline]
    pub fn get_or_insert(&mut self, address: u32, next: u32) -> u32 {
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let i = self.find(address);
        let slot = &mut self.slots[i];
        if slot.position_plus_one == 0 {
            *slot = Slot { address, position_plus_one: next + 1 };
            self.len += 1;
        }
        slot.position_plus_one - 1
    }

    fn grow(&mut self) {
        let capacity = (self.slots.len() * 2).max(16);
        let old = std::mem::replace(&mut self.slots, vec![Slot::default(); capacity]);
        for slot in old.into_iter().filter(|s| s.position_plus_one != 0) {
            let i = self.find(slot.address);
            self.slots[i] = slot;
        }
    }

    /// Every (address, position), in slot order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.slots.iter().filter(|s| s.position_plus_one != 0).map(|s| (s.address, s.position_plus_one - 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_positions_across_growth() {
        let mut index = V4Index::default();
        assert_eq!(index.get(7), None);
        // 0.0.0.0 is an address like any other (a free slot is marked by its position).
        let addresses: Vec<u32> = (1..5000u32).map(|i| i.wrapping_mul(2_654_435_761)).chain([0]).collect();
        for (n, &a) in addresses.iter().enumerate() {
            assert_eq!(index.get_or_insert(a, n as u32), n as u32);
        }
        for (n, &a) in addresses.iter().enumerate() {
            assert_eq!(index.get_or_insert(a, 999_999), n as u32);
            assert_eq!(index.get(a), Some(n as u32));
            index.prefetch(a);
        }
        assert_eq!(index.len(), addresses.len());
        let mut seen: Vec<(u32, u32)> = index.iter().collect();
        seen.sort_by_key(|&(_, n)| n);
        assert_eq!(seen, addresses.iter().enumerate().map(|(n, &a)| (a, n as u32)).collect::<Vec<_>>());
        assert_eq!(index.get(12345), None);
    }
}
