//! The FNV-1a hasher, for the small maps replay looks up for nearly every string it fills.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A map keyed by short strings (placeholders, ids) that a replay looks up for nearly every
/// string it fills: hashed with FNV-1a, which is several times faster than the default hasher on
/// keys this short. The keys come from a cassette and the client, not from an adversary.
pub(super) type ShortKeys<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

/// The FNV-1a hash.
#[derive(Clone, Copy)]
pub(super) struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_as_the_published_fnv_1a_vectors() {
        let hash = |bytes: &[u8]| {
            let mut fnv = Fnv::default();
            fnv.write(bytes);
            fnv.finish()
        };
        assert_eq!(hash(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(hash(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(hash(b"foobar"), 0x8594_4171_f739_67e8);
    }
}
