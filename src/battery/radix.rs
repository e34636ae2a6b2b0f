//! The least-significant-digit radix sort that `birthday_spacings` and `triple_collisions`
//! sort their samples with: branch-free counting passes that stay in the first-level cache for
//! the few thousand words a sample holds, where a comparison sort mispredicts half its
//! branches and a table of every possible value misses the cache.

/// Sorts `values` ascending by their low `PASSES · log2(BUCKETS)` bits, through `scratch` of
/// the same length: a counting sort per digit of log2(`BUCKETS`) bits, stable, least
/// significant first. Bits above those digits must be zero for the order to be the full order.
pub(crate) fn radix_sort<const BUCKETS: usize, const PASSES: usize>(
    values: &mut [u32],
    scratch: &mut [u32],
) {
    const { assert!(BUCKETS.is_power_of_two() && BUCKETS > 1 && PASSES > 0) };
    let digit = BUCKETS.trailing_zeros();
    debug_assert!(digit as usize * PASSES <= 32);
    debug_assert_eq!(values.len(), scratch.len());
    // Every digit's counts in one read.
    let mut counts = [[0u32; BUCKETS]; PASSES];
    for &value in values.iter() {
        for (pass, count) in counts.iter_mut().enumerate() {
            count[((value >> (digit * pass as u32)) as usize) & (BUCKETS - 1)] += 1;
        }
    }
    let (mut from, mut to) = (&mut *values, &mut *scratch);
    for (pass, count) in counts.iter_mut().enumerate() {
        let shift = digit * pass as u32;
        // Counts to starting offsets.
        let mut offset = 0u32;
        for slot in count.iter_mut() {
            let n = *slot;
            *slot = offset;
            offset += n;
        }
        for &value in from.iter() {
            let digit = ((value >> shift) as usize) & (BUCKETS - 1);
            to[count[digit] as usize] = value;
            count[digit] += 1;
        }
        std::mem::swap(&mut from, &mut to);
    }
    if PASSES % 2 == 1 {
        // An odd number of passes leaves the sorted words in `scratch`; bring them back.
        values.copy_from_slice(scratch);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// Both layouts the battery uses order what `sort_unstable` orders: random words, words
    /// with many equal values, the extremes, and short and empty slices.
    #[test]
    fn radix_sort_matches_a_comparison_sort() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
        let cases: Vec<Vec<u32>> = vec![
            (0..4096).map(|_| rng.next_u32()).collect(),
            (0..4096).map(|_| rng.next_u32() % 50).collect(),
            (0..4096).map(|_| rng.next_u32() << 21).collect(),
            vec![u32::MAX, 0, u32::MAX, 1 << 31, 7],
            vec![5],
            vec![],
        ];
        for values in cases {
            let mut expected = values.clone();
            expected.sort_unstable();
            let mut scratch = vec![0u32; values.len()];
            let mut three = values.clone();
            radix_sort::<2048, 3>(&mut three, &mut scratch);
            assert_eq!(three, expected);
            // Two passes of 12 bits order 24-bit values.
            let mut low: Vec<u32> = values.iter().map(|v| v & 0xFF_FFFF).collect();
            let mut expected_low = low.clone();
            expected_low.sort_unstable();
            radix_sort::<4096, 2>(&mut low, &mut scratch);
            assert_eq!(low, expected_low);
        }
    }
}
