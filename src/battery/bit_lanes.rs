//! The 16-bit lanes that `gap16` and `float_frequency` read: the stream's own 16-bit words, and
//! streams made of one low bit per byte, per 16-bit word and per 32-bit word, packed in order.
//!
//! PractRand runs its tests on such derived streams as well as on the input (its `[Low1/8]`,
//! `[Low1/16]`, `[Low1/32]` transforms): the low bits of a power-of-two LCG's outputs have short
//! periods, which a test of the whole word dilutes among the good high bits. A lane's bits come
//! in stream order: the low bit of the k-th byte (or word) is bit k mod 8 of the lane's byte
//! k / 8; the lane's 16-bit values are its bytes read as little-endian pairs. Every lane is a
//! function of whole groups of `GROUP` bytes, so a segment that starts at a multiple of
//! `GROUP` bytes starts on a whole value of every lane.

/// Stream bytes that make a whole number of values in every lane: one value of the 32-bit lane.
pub(crate) const GROUP: usize = 64;

/// The lanes in the order of the outcomes: their labels, and values per [`GROUP`] bytes.
pub(crate) const LANES: [(&str, usize); 4] = [
    ("16-bit words", 32),
    ("low bit of bytes", 4),
    ("low bit of 16-bit words", 2),
    ("low bit of 32-bit words", 1),
];

/// The bit-0s of 8 bytes (a little-endian u64) as one byte, byte k's bit at bit k: the eight
/// masked bits sit at 8k, the multiplier adds copies shifted by 56 − 7k, and the copy of byte
/// k's bit lands on 56 + k. No two partial products share a position (8j − 7k = 8j' − 7k'
/// forces j = j', k = k'), so nothing carries and the top byte is the packed bits.
#[inline(always)]
pub(crate) fn low_bits_of_bytes(word: u64) -> u8 {
    ((word & 0x0101_0101_0101_0101).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u8
}

/// The bit-0s of the four 16-bit words of a little-endian u64 as 4 bits, word k's at bit k:
/// the multiplier moves bit 16k to 60 + k, and as for bytes no partial products collide.
#[inline(always)]
fn low_bits_of_halves(word: u64) -> u64 {
    (word & 0x0001_0001_0001_0001).wrapping_mul(0x1000_2000_4000_8000) >> 60
}

/// Appends the values of the three low-bit lanes of `bytes` (whole groups of [`GROUP`]) to
/// `low8` (bit 0 of bytes), `low16` (of 16-bit words) and `low32` (of 32-bit words).
pub(crate) fn low_lanes(
    bytes: &[u8],
    low8: &mut Vec<u16>,
    low16: &mut Vec<u16>,
    low32: &mut Vec<u16>,
) {
    debug_assert!(bytes.len().is_multiple_of(GROUP));
    for group in bytes.chunks_exact(GROUP) {
        let mut bits8 = 0u64;
        let mut bits16 = 0u64;
        let mut bits32 = 0u64;
        for (i, eight) in group.chunks_exact(8).enumerate() {
            let x = u64::from_le_bytes(eight.try_into().expect("8 bytes"));
            bits8 |= u64::from(low_bits_of_bytes(x)) << (8 * i);
            bits16 |= low_bits_of_halves(x) << (4 * i);
            bits32 |= ((x & 1) | ((x >> 31) & 2)) << (2 * i);
        }
        low8.extend_from_slice(&[
            bits8 as u16,
            (bits8 >> 16) as u16,
            (bits8 >> 32) as u16,
            (bits8 >> 48) as u16,
        ]);
        low16.extend_from_slice(&[bits16 as u16, (bits16 >> 16) as u16]);
        low32.push(bits32 as u16);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// Every lane against its definition, bit by bit.
    #[test]
    fn lanes_match_their_definition() {
        let mut data = vec![0u8; 64 * 50];
        rand_chacha::ChaCha20Rng::seed_from_u64(3).fill_bytes(&mut data);
        let lane = |unit: usize| -> Vec<u16> {
            let bits: Vec<u16> = data
                .chunks_exact(unit)
                .map(|u| u16::from(u[0] & 1))
                .collect();
            bits.chunks_exact(16)
                .map(|b| b.iter().enumerate().fold(0, |v, (k, &bit)| v | bit << k))
                .collect()
        };
        let (mut low8, mut low16, mut low32) = (Vec::new(), Vec::new(), Vec::new());
        low_lanes(&data, &mut low8, &mut low16, &mut low32);
        assert_eq!(low8, lane(1));
        assert_eq!(low16, lane(2));
        assert_eq!(low32, lane(4));
    }
}
