//! The 64-bit hash a journal file stores in each DATA object, over the field's
//! uncompressed `NAME=value` bytes: siphash24 keyed with the file's id when the header
//! sets KEYED_HASH (every file systemd writes since v246), else Bob Jenkins' lookup3
//! `hashlittle2` with both seeds 0, the primary half high (systemd's `jenkins_hash64`).

/// Which hash a file's DATA objects carry, from its header.
#[derive(Clone, Copy, Debug)]
pub enum DataHash {
    Keyed { file_id: [u8; 16] },
    Jenkins,
}

impl DataHash {
    pub fn of(&self, field: &[u8]) -> u64 {
        match self {
            DataHash::Keyed { file_id } => siphasher::sip::SipHasher24::new_with_key(file_id).hash(field),
            DataHash::Jenkins => jenkins_hash64(field),
        }
    }
}

/// lookup3's `hashlittle2(data, len, &c = 0, &b = 0)` as `(c << 32) | b`. Written here from
/// the public-domain reference because no maintained crate offers `hashlittle2` (the
/// Jenkins crates implement lookup2 or the 32-bit `hashlittle` only). Its byte-at-a-time
/// form: the reference's word reads give the same result on little-endian data.
pub fn jenkins_hash64(data: &[u8]) -> u64 {
    let start = 0xdead_beef_u32.wrapping_add(data.len() as u32);
    let (mut a, mut b, mut c) = (start, start, start);
    let mut rest = data;
    while rest.len() > 12 {
        a = a.wrapping_add(le32(&rest[0..4]));
        b = b.wrapping_add(le32(&rest[4..8]));
        c = c.wrapping_add(le32(&rest[8..12]));
        mix(&mut a, &mut b, &mut c);
        rest = &rest[12..];
    }
    if rest.is_empty() {
        // Only an empty key ends here (a longer one keeps 1..=12 bytes): no final mixing.
        return ((c as u64) << 32) | b as u64;
    }
    let mut last = [0u8; 12];
    last[..rest.len()].copy_from_slice(rest);
    a = a.wrapping_add(le32(&last[0..4]));
    b = b.wrapping_add(le32(&last[4..8]));
    c = c.wrapping_add(le32(&last[8..12]));
    final_mix(&mut a, &mut b, &mut c);
    ((c as u64) << 32) | b as u64
}

fn le32(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

fn mix(a: &mut u32, b: &mut u32, c: &mut u32) {
    *a = a.wrapping_sub(*c) ^ c.rotate_left(4);
    *c = c.wrapping_add(*b);
    *b = b.wrapping_sub(*a) ^ a.rotate_left(6);
    *a = a.wrapping_add(*c);
    *c = c.wrapping_sub(*b) ^ b.rotate_left(8);
    *b = b.wrapping_add(*a);
    *a = a.wrapping_sub(*c) ^ c.rotate_left(16);
    *c = c.wrapping_add(*b);
    *b = b.wrapping_sub(*a) ^ a.rotate_left(19);
    *a = a.wrapping_add(*c);
    *c = c.wrapping_sub(*b) ^ b.rotate_left(4);
    *b = b.wrapping_add(*a);
}

fn final_mix(a: &mut u32, b: &mut u32, c: &mut u32) {
    *c = (*c ^ *b).wrapping_sub(b.rotate_left(14));
    *a = (*a ^ *c).wrapping_sub(c.rotate_left(11));
    *b = (*b ^ *a).wrapping_sub(a.rotate_left(25));
    *c = (*c ^ *b).wrapping_sub(b.rotate_left(16));
    *a = (*a ^ *c).wrapping_sub(c.rotate_left(4));
    *b = (*b ^ *a).wrapping_sub(a.rotate_left(14));
    *c = (*c ^ *b).wrapping_sub(b.rotate_left(24));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference's own test vectors (lookup3.c, driver5, both seeds 0): the empty
    /// key, which is not mixed, and a 30-byte one (two blocks and a partial third).
    #[test]
    fn jenkins_matches_the_lookup3_vectors() {
        assert_eq!(jenkins_hash64(b""), 0xdead_beef_dead_beef);
        assert_eq!(jenkins_hash64(b"Four score and seven years ago"), 0x1777_0551_ce72_26e6);
        assert_ne!(jenkins_hash64(b"MESSAGE=a"), jenkins_hash64(b"MESSAGE=b"));
    }

    /// siphash24 with the file id as its 16-byte key, as systemd's `siphash24(data, size,
    /// file_id)`: the reference vector of the SipHash paper (key 00..0f, message 00..0e).
    #[test]
    fn keyed_hash_is_siphash24_of_the_file_id() {
        let key: [u8; 16] = std::array::from_fn(|i| i as u8);
        let message: Vec<u8> = (0..15).collect();
        assert_eq!(DataHash::Keyed { file_id: key }.of(&message), 0xa129_ca61_49be_45e5);
    }
}
