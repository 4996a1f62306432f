//! The table of vocabulary words of at most 8 bytes, keyed by the word's bytes
//! packed into an integer. Read-only after compilation, so a linear-probing table
//! kept at most a quarter full finds a word in one multiply and about one compare,
//! cheaper than a general-purpose map's group probing on the per-word hot path.

/// A word of at most 8 bytes as an integer, first byte lowest. Words never contain
/// NUL, so the zero padding keeps the packing one-to-one; only "" packs to 0.
#[inline]
pub(crate) fn pack_short(word: &str) -> Option<u64> {
    let b = word.as_bytes();
    let n = b.len();
    Some(match n {
        0 => 0,
        // Two overlapping loads cover every byte; the overlap holds the same bytes.
        1..=3 => {
            u64::from(b[0])
                | u64::from(b[n / 2]) << (8 * (n / 2))
                | u64::from(b[n - 1]) << (8 * (n - 1))
        }
        4..=8 => {
            let low = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            let high = u32::from_le_bytes([b[n - 4], b[n - 3], b[n - 2], b[n - 1]]);
            u64::from(low) | u64::from(high) << (8 * (n - 4))
        }
        _ => return None,
    })
}

#[derive(Debug, Clone)]
pub(crate) struct ShortWords<V> {
    /// Packed words and their values, side by side so that a found key's value
    /// needs no second table (nor its bounds check); key 0 marks an empty slot (no
    /// looked-up word packs to 0).
    slots: Box<[(u64, V)]>,
    shift: u32,
}

impl<V: Copy + Default> ShortWords<V> {
    pub(crate) fn new(entries: Vec<(u64, V)>) -> Self {
        let slots = (entries.len() * 4).next_power_of_two().max(16);
        let mut table = Self {
            slots: vec![(0, V::default()); slots].into_boxed_slice(),
            shift: 64 - slots.trailing_zeros(),
        };
        let mask = slots - 1;
        for (key, value) in entries {
            let mut slot = table.home(key);
            while table.slots[slot].0 != 0 && table.slots[slot].0 != key {
                slot = (slot + 1) & mask;
            }
            table.slots[slot] = (key, value);
        }
        table
    }

    fn home(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// The value stored for `key`. The table always has empty slots, so the probe ends.
    #[inline]
    pub(crate) fn get(&self, key: u64) -> Option<&V> {
        let mask = self.slots.len() - 1;
        let mut slot = self.home(key);
        loop {
            let (found, value) = self.slots.get(slot)?;
            if *found == 0 {
                return None;
            }
            if *found == key {
                return Some(value);
            }
            slot = (slot + 1) & mask;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pack_by_folding(word: &str) -> u64 {
        word.bytes()
            .rev()
            .fold(0u64, |packed, b| (packed << 8) | u64::from(b))
    }

    #[test]
    fn packing_matches_byte_by_byte_for_every_length() {
        let letters = "abcdefghi";
        for n in 0..=8 {
            assert_eq!(
                pack_short(&letters[..n]),
                Some(pack_by_folding(&letters[..n]))
            );
        }
        assert_eq!(pack_short(letters), None);
        assert_eq!(pack_short("zé"), Some(pack_by_folding("zé")));
    }

    #[test]
    fn finds_every_stored_word_and_nothing_else() {
        let words: Vec<String> = (0..500).map(|i| format!("w{i}")).collect();
        let table = ShortWords::new(
            words
                .iter()
                .enumerate()
                .map(|(i, w)| (pack_short(w).unwrap_or(0), i))
                .collect(),
        );
        for (i, w) in words.iter().enumerate() {
            assert_eq!(table.get(pack_short(w).unwrap_or(0)), Some(&i));
        }
        for absent in ["x", "w500", "w-1", ""] {
            assert_eq!(table.get(pack_short(absent).unwrap_or(0)), None);
        }
    }
}
