//! Longest Run of Ones in a Block, NIST SP 800-22 Rev 1a §2.4.
//!
//! The bits (most significant first) are cut into N blocks of M bits; each block's longest run
//! of ones falls into one of K + 1 classes, and χ² = Σ (ν_i − Nπ_i)² / (Nπ_i) over the classes
//! is χ²(K): P-value = igamc(K/2, χ²/2). M, K and the class boundaries follow the standard's
//! table by n (§2.4.2): M = 8 from 128 bits, M = 128 from 6,272, M = 10⁴ from 750,000.
//!
//! The π here are exact: the distribution of the longest run of ones in M fair bits, computed
//! once by dynamic programming over the length of the current run. STS 2.1.2 (and the SP
//! 800-22 table) use rounded constants that are off by up to 0.0016 for M = 10⁴ (π₀ = 0.0882
//! against the exact 0.086632); on a 1 MiB stream that costs nothing, but χ² grows with N and
//! at 4 GiB (3.4 million blocks) a perfect generator fails with p ≈ 1e-29. The NIST battery
//! (`battery/nist`) keeps STS's constants, since there the point is to reproduce STS.
//!
//! The stream's length need not be known in advance, so all three block sizes are counted in
//! the one pass and `finish` picks the one the bit count calls for. Once 750,000 bits have gone
//! by, only M = 10⁴ can still be chosen, and the two shorter counts stop. The pass works on
//! 128-bit units (u128, big-endian so bit order is stream order):
//! - M = 8: for every byte at once, x & x<<1 & x<<2 ... within byte lanes says whether a run of
//!   2, 3, 4 ones ends at each bit; a byte has such a run iff its lane is non-zero.
//! - M = 128: the unit is the block; the same masks over the whole unit give runs of 5..=9.
//! - M = 10⁴: runs cross words, so the ones at the end of each 64-bit word carry to the next;
//!   only runs of 11 or more change the class, and a word holds one so rarely that their exact
//!   length is measured only then. Words go in groups of four: a group with no run of 11 in it
//!   (checked on each word and on the 64 bits around each boundary) only passes its run on.
//!
//! For merging, a segment starts its blocks at the first multiple of 10,000 bytes (16-byte units
//! and 10⁴-bit blocks both end there) and keeps the bytes before it aside; the segment before reads
//! those to close its last blocks, then adds the later segment's block counts.

use super::chunk::{dispatch, fast_x86, kernel};
use super::state::{Segment, Segmented};
use super::{needs_bytes, Chunk, Outcome, Test};
use crate::stats::chi_square;
use std::sync::OnceLock;

/// The `longest_run` test's entry in the default battery: its name, summary, reference and parameters,
/// and how it starts on a stream.
pub const TEST: Test = Test {
    name: "longest_run",
    summary: "longest run of ones within blocks of bits",
    reference:
        "NIST SP 800-22 Rev 1a §2.4 (Longest Run of Ones in a Block), exact class probabilities",
    params: &[],
    applies_to: needs_bytes,
    start: |setup| {
        Segmented::start(setup, |setup| LongestRun {
            start: setup.offset,
            ..LongestRun::default()
        })
    },
    restore: Segmented::<LongestRun>::restore,
};

/// One row of SP 800-22 §2.4.2's table.
struct BlockSpec {
    block_bits: u64,
    /// The row applies from this many bits on.
    min_bits: u64,
    /// Longest runs up to this length share the first class; each longer length has its own
    /// class, and the last class takes everything from `lowest + K` on.
    lowest: u32,
    /// K + 1.
    classes: usize,
}

impl BlockSpec {
    /// The exact class probabilities π_0 ..= π_K, computed on first use.
    fn pi(&'static self) -> &'static [f64] {
        static BYTE: OnceLock<Vec<f64>> = OnceLock::new();
        static UNIT: OnceLock<Vec<f64>> = OnceLock::new();
        static LONG: OnceLock<Vec<f64>> = OnceLock::new();
        let cell = match self.block_bits {
            8 => &BYTE,
            128 => &UNIT,
            _ => &LONG,
        };
        cell.get_or_init(|| class_probabilities(self.block_bits, self.lowest, self.classes))
    }
}

/// P(the longest run of ones in `bits` fair coin flips is at most `longest`): the flips are
/// walked once while tracking the probability of each length of the current run of ones
/// (runs longer than `longest` drop out).
fn probability_longest_at_most(bits: u64, longest: u32) -> f64 {
    let mut by_current_run = vec![0.0f64; longest as usize + 1];
    by_current_run[0] = 1.0;
    for _ in 0..bits {
        let alive: f64 = by_current_run.iter().sum();
        // A one extends every run by one; the longest possible run falls off the end.
        by_current_run.rotate_right(1);
        by_current_run[0] = alive;
        for probability in by_current_run.iter_mut() {
            *probability *= 0.5;
        }
    }
    by_current_run.iter().sum()
}

/// π_0 = P(L ≤ lowest), π_j = P(L = lowest + j), π_K = P(L ≥ lowest + K).
fn class_probabilities(bits: u64, lowest: u32, classes: usize) -> Vec<f64> {
    let at_most: Vec<f64> = (0..classes as u32 - 1)
        .map(|j| probability_longest_at_most(bits, lowest + j))
        .collect();
    let mut pi = Vec::with_capacity(classes);
    pi.push(at_most[0]);
    pi.extend(at_most.windows(2).map(|pair| pair[1] - pair[0]));
    pi.push(1.0 - at_most[classes - 2]);
    pi
}

const BYTE_BLOCKS: BlockSpec = BlockSpec {
    block_bits: 8,
    min_bits: 128,
    lowest: 1,
    classes: 4,
};

const UNIT_BLOCKS: BlockSpec = BlockSpec {
    block_bits: 128,
    min_bits: 6272,
    lowest: 4,
    classes: 6,
};

const LONG_BLOCKS: BlockSpec = BlockSpec {
    block_bits: 10_000,
    min_bits: 750_000,
    lowest: 10,
    classes: 7,
};

/// Blocks counted by their longest run; `at_least[j]` counts those whose longest run is at least
/// `lowest + 1 + j`, so the classes are differences of neighbours and the pass only adds 0 or 1.
#[derive(Clone, Default, serde::Serialize, serde::Deserialize)]
struct BlockCounts {
    blocks: u64,
    at_least: [u64; 6],
}

impl BlockCounts {
    fn add_block(&mut self, longest_run: u32, spec: &BlockSpec) {
        self.blocks += 1;
        for (j, count) in self.at_least[..spec.classes - 1].iter_mut().enumerate() {
            *count += u64::from(longest_run > spec.lowest + j as u32);
        }
    }

    /// ν_0 ..= ν_K.
    fn add_counts(&mut self, other: &BlockCounts) {
        self.blocks += other.blocks;
        for (count, other) in self.at_least.iter_mut().zip(other.at_least) {
            *count += other;
        }
    }

    fn classes(&self, spec: &BlockSpec) -> Vec<u64> {
        let k = spec.classes - 1;
        let mut classes = Vec::with_capacity(k + 1);
        classes.push(self.blocks - self.at_least[0]);
        for j in 1..k {
            classes.push(self.at_least[j - 1] - self.at_least[j]);
        }
        classes.push(self.at_least[k - 1]);
        classes
    }
}

const UNIT_BYTES: usize = 16;

/// From this many bytes on the stream is long enough for M = 10⁴, whatever follows.
const SHORT_BLOCKS_UNTIL_BYTES: u64 = LONG_BLOCKS.min_bits / 8;

#[derive(Clone, Default, serde::Serialize, serde::Deserialize)]
struct LongestRun {
    /// The start of a unit that the last chunk left unfinished.
    pending: [u8; UNIT_BYTES],
    pending_len: usize,
    /// Bytes of the stream before this segment's first unit. Past the first
    /// [`SHORT_BLOCKS_UNTIL_BYTES`] of a stream only M = 10⁴ can be chosen, so a segment that
    /// starts there does not count the short blocks at all (they cost four times the long ones).
    start: u64,
    bytes: u64,
    byte_blocks: BlockCounts,
    unit_blocks: BlockCounts,
    long_blocks: LongBlocks,
}

impl LongestRun {
    /// Counts whole units (`bytes` is a multiple of 16 long).
    fn units(&mut self, bytes: &[u8], short_blocks_matter: bool) {
        if short_blocks_matter {
            for unit in bytes.chunks_exact(UNIT_BYTES) {
                self.unit(u128::from_be_bytes(unit.try_into().expect("chunks of 16")));
            }
        } else {
            dispatch!(fast_x86(), long_words(&mut self.long_blocks, bytes));
        }
    }

    /// Counts one unit at every block size.
    fn unit(&mut self, unit: u128) {
        self.count_byte_blocks(unit);
        let runs = RunMasks::of(unit);
        self.unit_blocks.blocks += 1;
        let unit_thresholds = [runs.five, runs.six, runs.seven, runs.eight, runs.nine];
        for (count, mask) in self.unit_blocks.at_least.iter_mut().zip(unit_thresholds) {
            *count += u64::from(mask != 0);
        }
        self.long_blocks.words(&unit.to_be_bytes());
    }

    /// Takes in the unfinished unit: it still holds whole bytes (blocks for M = 8) and may
    /// complete a block of 10⁴ bits. Its missing bytes read as zeros, which count towards nothing.
    fn end_of_stream(&mut self) {
        if self.pending_len > 0 {
            let mut padded = [0u8; UNIT_BYTES];
            padded[..self.pending_len].copy_from_slice(&self.pending[..self.pending_len]);
            let unit = u128::from_be_bytes(padded);
            self.count_byte_blocks(unit);
            let valid = 8 * self.pending_len as u32;
            self.long_blocks.feed((unit >> 64) as u64, valid.min(64));
            if valid > 64 {
                self.long_blocks.feed(unit as u64, valid - 64);
            }
            self.pending_len = 0;
        }
        self.byte_blocks.blocks = self.bytes;
    }

    fn count_byte_blocks(&mut self, unit: u128) {
        for word in [(unit >> 64) as u64, unit as u64] {
            for (count, bytes) in self.byte_blocks.at_least.iter_mut().zip(byte_runs(word)) {
                *count += bytes;
            }
        }
    }
}

/// For each of 2, 3 and 4: how many bytes of `word` hold a run of that many ones.
fn byte_runs(word: u64) -> [u64; 3] {
    // Shifting by s moves bits across byte lanes too; the masks drop the s bits that came
    // from the neighbouring byte.
    let two = word & (word << 1) & 0xFEFE_FEFE_FEFE_FEFE;
    let three = two & (word << 2) & 0xFCFC_FCFC_FCFC_FCFC;
    let four = three & (word << 3) & 0xF8F8_F8F8_F8F8_F8F8;
    [two, three, four].map(non_zero_bytes)
}

fn non_zero_bytes(word: u64) -> u64 {
    // Adding 0x7F to a byte's low seven bits carries into its top bit iff one of them is set,
    // and never out of the byte.
    const LOW_SEVEN: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    let top_bits = (((word & LOW_SEVEN) + LOW_SEVEN) | word) & !LOW_SEVEN;
    u64::from(top_bits.count_ones())
}

/// Bit i of `k` is set when bits i, i−1, ..., i−k+1 of the unit are all ones (a run of at
/// least k ends there, counting towards the least significant end).
struct RunMasks {
    five: u128,
    six: u128,
    seven: u128,
    eight: u128,
    nine: u128,
}

impl RunMasks {
    fn of(x: u128) -> Self {
        let two = x & x << 1;
        let four = two & two << 2;
        let five = four & x << 4;
        let six = five & x << 5;
        let seven = six & x << 6;
        let eight = seven & x << 7;
        let nine = eight & x << 8;
        RunMasks {
            five,
            six,
            seven,
            eight,
            nine,
        }
    }
}

/// Whether `word` holds a run of at least 11 ones: by doubling to 8, then a run of 8 ending at
/// bit i and a run of 4 ending at bit i − 7 overlap in one bit and cover i − 10 ..= i.
#[inline(always)]
fn has_run_of_eleven(word: u64) -> bool {
    run_of_eleven_ends(word) != 0
}

/// The bits of `word` where a run of at least 11 ones ends (towards the least significant end).
#[inline(always)]
fn run_of_eleven_ends(word: u64) -> u64 {
    let two = word & word << 1;
    let four = two & two << 2;
    let eight = four & four << 4;
    eight & four << 7
}

/// The longest run of ones in `word`, by peeling one bit off every run per step; only called
/// on the rare word that holds a run of 11 or more.
fn longest_run_in(mut word: u64) -> u32 {
    let mut length = 0;
    while word != 0 {
        word &= word << 1;
        length += 1;
    }
    length
}

/// The state of the M = 10⁴ count, whose blocks are not aligned to units; it reads 64-bit
/// words, most significant bit first.
#[derive(Clone, Default, serde::Serialize, serde::Deserialize)]
struct LongBlocks {
    bits_in_block: u32,
    /// Ones at the end of what the current block has shown so far.
    run: u32,
    /// The longest run that ended in the current block, where it can matter (≥ 11): shorter
    /// runs inside a group of words are not looked at.
    longest: u32,
    counts: BlockCounts,
}

impl LongBlocks {
    const BLOCK_BITS: u32 = LONG_BLOCKS.block_bits as u32;

    /// Whole words, big-endian, from `bytes` (a multiple of 8 long).
    #[inline(always)]
    fn words(&mut self, bytes: &[u8]) {
        let mut rest = bytes;
        while rest.len() >= 8 {
            // Nearly every word ends before its block does: those are read with the run and
            // the longest run in registers (not in `self`, which the call to `feed` would keep
            // in memory), and the word that reaches the block's end goes to `feed`.
            let before_end = (Self::BLOCK_BITS - self.bits_in_block).saturating_sub(64);
            let inside = (before_end.div_ceil(64) as usize).min(rest.len() / 8);
            let (mut run, mut longest) = (self.run, self.longest);
            let mut groups = rest[..8 * inside].chunks_exact(32);
            for group in &mut groups {
                let words: [u64; 4] = std::array::from_fn(|i| {
                    u64::from_be_bytes(group[8 * i..8 * i + 8].try_into().expect("8 bytes"))
                });
                // A run of 11 inside the group lies inside one word, or crosses a boundary
                // between two words, where it is the trailing ones of one and the leading ones
                // of the next (a run through a whole word has 11 inside it). Without one, only
                // the run coming in can reach 11 (with the group's leading ones), and `longest`
                // is only needed from 11 on.
                let inside = words
                    .iter()
                    .fold(0, |found, &word| found | run_of_eleven_ends(word));
                let across = [0, 1, 2].iter().fold(false, |found, &i| {
                    found | (words[i].trailing_ones() + words[i + 1].leading_ones() >= 11)
                });
                if inside == 0 && !across {
                    longest = longest.max(run + words[0].leading_ones());
                    run = words[3].trailing_ones();
                } else {
                    for word in words {
                        scan(&mut run, &mut longest, word, 64);
                    }
                }
            }
            for word in groups.remainder().chunks_exact(8) {
                let word = u64::from_be_bytes(word.try_into().expect("chunks of 8"));
                scan(&mut run, &mut longest, word, 64);
            }
            (self.run, self.longest) = (run, longest);
            self.bits_in_block += 64 * inside as u32;
            rest = &rest[8 * inside..];
            if let Some(word) = rest.get(..8) {
                self.feed(u64::from_be_bytes(word.try_into().expect("8 bytes")), 64);
                rest = &rest[8..];
            }
        }
    }

    /// Takes the `valid` (1..=64) most significant bits of `word`; the rest must be zero.
    fn feed(&mut self, word: u64, valid: u32) {
        let room = Self::BLOCK_BITS - self.bits_in_block;
        if valid < room {
            self.scan(word, valid);
            self.bits_in_block += valid;
            return;
        }
        let head = word & !u64::MAX.checked_shr(room).unwrap_or(0);
        self.scan(head, room);
        self.close_block();
        let rest = valid - room;
        if rest > 0 {
            self.scan(word << room, rest);
        }
        self.bits_in_block = rest;
    }

    fn scan(&mut self, word: u64, valid: u32) {
        scan(&mut self.run, &mut self.longest, word, valid);
    }

    fn close_block(&mut self) {
        let longest = self.longest.max(self.run);
        self.counts.add_block(longest, &LONG_BLOCKS);
        self.run = 0;
        self.longest = 0;
    }
}

/// Reads the `valid` (1..=64) most significant bits of `word` (the rest zero) into the run of
/// ones at the end of what the block has shown and the longest run that ended in it.
#[inline(always)]
fn scan(run: &mut u32, longest: &mut u32, word: u64, valid: u32) {
    let leading = word.leading_ones();
    if leading >= valid {
        *run += valid;
        return;
    }
    *longest = (*longest).max(*run + leading);
    if has_run_of_eleven(word) {
        *longest = (*longest).max(longest_run_in(word));
    }
    *run = (word >> (64 - valid)).trailing_ones();
}

kernel! {
    /// [`LongBlocks::words`], the loop that reads all but the first 93,750 bytes of a stream,
    /// compiled for lzcnt and tzcnt as well ([`super::chunk`]): it counts leading and trailing
    /// ones of every word.
    long_words(blocks: &mut LongBlocks, bytes: &[u8]) {
        blocks.words(bytes);
    }
}

/// Bytes between the positions where no unit is pending and no block of any size is open: the
/// least common multiple of a 16-byte unit and a 10⁴-bit (1,250-byte) block.
const ALIGNMENT_BYTES: u64 = 10_000;

impl Segment for LongestRun {
    const NAME: &'static str = TEST.name;
    const VERSION: u32 = 2;

    fn alignment(&self) -> u64 {
        ALIGNMENT_BYTES
    }

    fn absorb(&mut self, next: Self) {
        // Here nothing is pending and no block is open: add next's blocks, take its open ones.
        // Next counted the short blocks from its own start, perhaps past the point where one
        // pass stops (and not at all when it starts past it); they are read only when the
        // whole stream is shorter than that point, and then every segment counted all of them.
        self.bytes += next.bytes;
        self.byte_blocks.add_counts(&next.byte_blocks);
        self.unit_blocks.add_counts(&next.unit_blocks);
        self.long_blocks.counts.add_counts(&next.long_blocks.counts);
        self.pending = next.pending;
        self.pending_len = next.pending_len;
        self.long_blocks.bits_in_block = next.long_blocks.bits_in_block;
        self.long_blocks.run = next.long_blocks.run;
        self.long_blocks.longest = next.long_blocks.longest;
    }

    fn update(&mut self, chunk: &Chunk<'_>) {
        let bytes = chunk.symbols();
        // Decided per chunk: counting a little past the point where the short counts stop
        // mattering is harmless, and it keeps the check out of the loop.
        let short_blocks_matter = self.start + self.bytes < SHORT_BLOCKS_UNTIL_BYTES;
        self.bytes += bytes.len() as u64;
        let mut rest = bytes;
        if self.pending_len > 0 {
            let take = (UNIT_BYTES - self.pending_len).min(rest.len());
            self.pending[self.pending_len..self.pending_len + take].copy_from_slice(&rest[..take]);
            self.pending_len += take;
            rest = &rest[take..];
            if self.pending_len < UNIT_BYTES {
                return;
            }
            let pending = self.pending;
            self.units(&pending, short_blocks_matter);
            self.pending_len = 0;
        }
        let whole_units = rest.len() / UNIT_BYTES * UNIT_BYTES;
        self.units(&rest[..whole_units], short_blocks_matter);
        let tail = &rest[whole_units..];
        self.pending[..tail.len()].copy_from_slice(tail);
        self.pending_len = tail.len();
    }

    fn outcomes(mut self) -> Vec<Outcome> {
        let bits = 8 * self.bytes;
        if self.start >= SHORT_BLOCKS_UNTIL_BYTES && bits < LONG_BLOCKS.min_bits {
            // A segment read on its own, far into a stream: its short blocks were not counted.
            return vec![Outcome::skipped(
                TEST.name,
                format!(
                    "a segment from byte {} on needs at least {} bits of its own, got {bits}",
                    self.start, LONG_BLOCKS.min_bits
                ),
            )];
        }
        if bits < BYTE_BLOCKS.min_bits {
            return vec![Outcome::skipped(
                TEST.name,
                format!("needs at least {} bits, got {bits}", BYTE_BLOCKS.min_bits),
            )];
        }
        self.end_of_stream();
        let (spec, counts) = if bits >= LONG_BLOCKS.min_bits {
            (&LONG_BLOCKS, &self.long_blocks.counts)
        } else if bits >= UNIT_BLOCKS.min_bits {
            (&UNIT_BLOCKS, &self.unit_blocks)
        } else {
            (&BYTE_BLOCKS, &self.byte_blocks)
        };
        vec![longest_run_outcome(spec, counts)]
    }
}

fn longest_run_outcome(spec: &'static BlockSpec, counts: &BlockCounts) -> Outcome {
    let blocks = counts.blocks as f64;
    let statistic: f64 = counts
        .classes(spec)
        .iter()
        .zip(spec.pi())
        .map(|(&observed, &pi)| {
            let expected = blocks * pi;
            (observed as f64 - expected).powi(2) / expected
        })
        .sum();
    let degrees_of_freedom = (spec.classes - 1) as f64;
    let p_value = chi_square::upper_tail(statistic, degrees_of_freedom);
    Outcome::measured(TEST.name, statistic, p_value)
        .with_figure("block_bits", spec.block_bits as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::battery::run_chunked;
    use crate::battery::runs::{pack_bits, sts_data_bits};
    use crate::stats::tolerance::{MPMATH, SIX_DECIMALS};
    use rand::{Rng, SeedableRng};

    #[test]
    fn sp800_22_example() {
        // SP 800-22 Rev 1a §2.4.8: n = 128, M = 8: ν = [4, 9, 3, 0], P-value = 0.180609 (STS
        // 2.1.2 agrees; tests/fixtures/nist-sts/worked_examples.csv). The document's
        // χ² = 4.882605 comes from its 4-digit π; with the exact π (which STS also uses for
        // M = 8), python3
        // sum((nu[i] - 16*pi[i])**2 / (16*pi[i]) for i in range(4)) = 4.882457463200341.
        let epsilon = "11001100000101010110110001001100111000000000001001001101010100010001001111010110100000001101011111001100111001101101100010110010";
        let bits: Vec<u8> = epsilon.bytes().map(|c| c - b'0').collect();
        let bytes = pack_bits(&bits);
        let mut state = Box::<LongestRun>::default();
        state.update_symbols(&bytes);
        assert_eq!(state.byte_blocks.at_least, [9 + 3, 3, 0, 0, 0, 0]);
        let outcome = &state.outcomes()[0];
        let measured = outcome.result.as_ref().unwrap();
        assert!(
            (measured.statistic - 4.882_457_463_200_341).abs() < MPMATH,
            "{measured:?}"
        );
        assert!(
            (measured.p_value - 0.180_609).abs() < SIX_DECIMALS,
            "{measured:?}"
        );
        // 120 bits are below the 128 the table starts at.
        let outcome = &run_chunked(&TEST, 256, &bytes[..15], 4)[0];
        assert_eq!(
            outcome.result,
            Err("needs at least 128 bits, got 120".into())
        );
    }

    #[test]
    fn exact_class_probabilities() {
        // Exact fractions from python3 (big integers): count_at_most(M, r) counts the M-bit
        // strings whose longest run of ones is <= r by the same walk over the current run
        // length, then π_j = differences / 2^M, printed as float(π_j) (shortest round-trip). M = 8 gives SP 800-22
        // §3.4's exact 0.2148, 0.3672, 0.2305, 0.1875; for M = 10^4 the standard prints 0.0882
        // where the exact value is 0.086632.
        let expected: [(&BlockSpec, &[f64]); 3] = [
            (&BYTE_BLOCKS, &[0.21484375, 0.3671875, 0.23046875, 0.1875]),
            (
                &UNIT_BLOCKS,
                &[
                    0.11740357883779323,
                    0.24295595927745486,
                    0.24936348317907797,
                    0.17517706034678235,
                    0.10270107130405369,
                    0.1123988470548379,
                ],
            ),
            (
                &LONG_BLOCKS,
                &[
                    0.08663231107995278,
                    0.2082006483876034,
                    0.24841858194169955,
                    0.19391278674165693,
                    0.12145848508900442,
                    0.06801108930393995,
                    0.07336609745614298,
                ],
            ),
        ];
        for (spec, pi) in expected {
            for (computed, exact) in spec.pi().iter().zip(pi) {
                assert!((computed - exact).abs() < 1e-14, "M = {}", spec.block_bits);
            }
        }
    }

    #[test]
    fn million_bit_files_use_blocks_of_ten_thousand() {
        // The first 1,000,000 bits of data.e and data.pi, 100 blocks of 10^4 bits; python3 over
        // the digits gives ν = [11, 18, 23, 16, 16, 9, 7] for e and [8, 12, 25, 20, 14, 15, 6]
        // for pi; with the exact π above, mpmath 1.3 (30 digits)
        // gammainc(3, chi2/2, inf, regularized=True) = 0.718365838014833712 (e) and
        // 0.0272949234295678590 (pi). tests/fixtures/nist-sts/README.md (item 4) quotes the
        // pi value, 0.027295, as what exact constants give; STS's rounded ones give 0.024390.
        for (file, expected) in [
            ("data.e", 0.718_365_838_014_833_7),
            ("data.pi", 0.02729492342956786),
        ] {
            let bytes = pack_bits(&sts_data_bits(file, 1_000_000));
            let outcome = &run_chunked(&TEST, 256, &bytes, 4093)[0];
            let measured = outcome.result.as_ref().unwrap();
            assert!(
                (measured.p_value - expected).abs() < MPMATH,
                "{file}: {measured:?}"
            );
            assert_eq!(measured.figures[0].value, 10_000.0);
        }
    }

    #[test]
    fn blocks_of_128_on_the_first_100000_bits_of_e() {
        // python3, a plain per-bit loop over the first 100,000 bits of data.e: N = 781 blocks,
        // longest run per block, classes <=4, 5, 6, 7, 8, >=9 with the exact π:
        // ν = [98, 165, 214, 133, 68, 103], χ² = sum((nu[i] - N*pi[i])**2/(N*pi[i])) =
        // 10.1664908703755249; mpmath 1.3 at 30 digits:
        // gammainc(mpf(5)/2, chi2/2, inf, regularized=True) = 0.0706529274176385832
        let bytes = pack_bits(&sts_data_bits("data.e", 100_000));
        let mut state = Box::<LongestRun>::default();
        for piece in bytes.chunks(7) {
            state.update_symbols(piece);
        }
        assert_eq!(
            state.unit_blocks.classes(&UNIT_BLOCKS),
            [98, 165, 214, 133, 68, 103]
        );
        let outcome = &state.outcomes()[0];
        let measured = outcome.result.as_ref().unwrap();
        assert_eq!(measured.figures[0].value, 128.0);
        assert!(
            (measured.statistic - 10.166_490_870_375_525).abs() < MPMATH,
            "{measured:?}"
        );
        assert!(
            (measured.p_value - 0.070_652_927_417_638_58).abs() < MPMATH,
            "{measured:?}"
        );
    }

    /// SP 800-22's definition, bit by bit: the class counts ν for blocks of `block_bits`.
    fn classes_by_definition(bytes: &[u8], spec: &BlockSpec) -> Vec<u64> {
        let bits: Vec<u8> = bytes
            .iter()
            .flat_map(|&byte| (0..8).rev().map(move |i| (byte >> i) & 1))
            .collect();
        let k = spec.classes - 1;
        let mut classes = vec![0u64; k + 1];
        for block in bits.chunks_exact(spec.block_bits as usize) {
            let (mut run, mut longest) = (0u32, 0u32);
            for &bit in block {
                run = if bit == 1 { run + 1 } else { 0 };
                longest = longest.max(run);
            }
            let class = longest.clamp(spec.lowest, spec.lowest + k as u32) - spec.lowest;
            classes[class as usize] += 1;
        }
        classes
    }

    #[test]
    fn runs_of_eleven_are_found_anywhere_in_a_word() {
        for length in [10u32, 11, 12] {
            for shift in 0..=64 - length {
                let word = (u64::MAX >> (64 - length)) << shift;
                assert_eq!(has_run_of_eleven(word), length >= 11, "{length} at {shift}");
                assert_eq!(longest_run_in(word), length);
            }
        }
    }

    #[test]
    fn word_tricks_agree_with_the_definition_at_every_block_size() {
        // Random bytes, with long runs of ones planted so the rare exact path is taken (runs
        // that cross words among them, whose ones on each side add up to the run), at
        // lengths that end mid-unit and mid-block, fed in awkward chunk sizes. The short
        // counts are checked on streams short enough to use them.
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let mut data = vec![0u8; 250_003];
        rng.fill_bytes(&mut data);
        for start in (0..data.len() - 8).step_by(997) {
            // Some runs cover a whole 64-bit word and cross both of its boundaries.
            let length = if start % 7 == 0 { 17 } else { 1 + start % 5 };
            data[start..start + length].fill(0xFF);
        }
        for length in [783, 93_749, 250_003] {
            let data = &data[..length];
            for chunk in [1usize, 5, 16, 4093] {
                let mut state = Box::<LongestRun>::default();
                for piece in data.chunks(chunk) {
                    state.update_symbols(piece);
                }
                state.end_of_stream();
                let long = state.long_blocks.counts.classes(&LONG_BLOCKS);
                assert_eq!(long, classes_by_definition(data, &LONG_BLOCKS));
                if length < 93_750 {
                    let unit = state.unit_blocks.classes(&UNIT_BLOCKS);
                    let byte = state.byte_blocks.classes(&BYTE_BLOCKS);
                    assert_eq!(unit, classes_by_definition(data, &UNIT_BLOCKS));
                    assert_eq!(byte, classes_by_definition(data, &BYTE_BLOCKS));
                }
            }
        }
    }
}
