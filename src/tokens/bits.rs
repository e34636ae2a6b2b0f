//! Bit-level tests of one position: its characters re-encoded as bits, then FIPS 140-2's four
//! tests on 20,000-bit blocks and a test of correlation between the bits of each character.
//!
//! Encoding rule: only a position whose observed set has a power-of-two size k = 2^b (b ≥ 1) is
//! encoded, each character as its rank in the sorted set in b bits, most significant first,
//! tokens in input order. Uniform characters then give independent fair bits, which is what bit
//! tests assume. Any other size (62, say) has no such encoding: b = ⌈log₂ k⌉ bits would leave
//! 2^b − k codes unused and bias the bits of perfect tokens, so those positions get only the
//! character-level tests.
//!
//! FIPS 140-2 §4.9.1 (statistical random number generator tests) defines four tests on one block
//! of 20,000 bits, each with a published acceptance interval. These are the intervals of the
//! standard as corrected by Change Notice 1 (10 October 2001), the ones rng-tools' `rngtest`
//! applies (the May 2001 text printed narrower runs intervals, 2343–2657 ... 111–201; a later
//! change notice struck the power-up statistical tests from the standard altogether):
//!   monobit: the number of ones X, 9725 < X < 10275;
//!   poker: 5000 4-bit segments with counts f(i), X = (16/5000) Σ f(i)² − 5000, 2.16 < X < 46.17;
//!   runs: runs of each length 1, 2, 3, 4, 5, 6+ of zeros and of ones, all twelve counts within
//!     2315–2685, 1114–1386, 527–723, 240–384, 103–209, 103–209 (inclusive);
//!   long run: no run of 26 or more equal bits.
//! The intervals are defined for 20,000-bit blocks only: a position gives ⌊n b / 20000⌋ blocks
//! (the remaining bits are not used) and a position with fewer than 20,000 bits is not tested.
//!
//! FIPS meant the tests for one block at power-up, where any failure is a failure. Over many
//! blocks a good source fails some by chance, so the count of failed blocks is judged instead:
//! a block of fair bits fails one of the four tests with probability at most [`BLOCK_FAILURE`],
//! and a position's p-value is the binomial tail P(X ≥ failed | blocks, BLOCK_FAILURE). Using a
//! bound keeps the p-value conservative.
//!
//! The correlation test: for every pair of bits (j, k) of a character, S = Σ s_j s_k over the
//! tokens with s = ±1; under independent fair bits S/√n is asymptotically standard normal and
//! the pairs are uncorrelated, so Σ S²/n is χ² with b(b − 1)/2 degrees of freedom. It is the
//! part of the uniformity χ² (whose Walsh components are all products of bits) that a
//! correlated generator disturbs most, tested on its own so that it keeps its power.

use super::Measured;
use crate::stats::{binomial, chi_square};

/// Bits in one FIPS 140-2 block.
pub const BLOCK_BITS: usize = 20_000;

/// Probability that a block of fair bits fails at least one test, bounded from above by the sum
/// of the four tests' probabilities (each computed by us with python3, scipy 1.17, numpy 2.4):
///   monobit 1.0350e-4: exact, binom.cdf(9725, 20000, .5) + binom.sf(10274, 20000, .5)
///     = 1.034970030067967e-4;
///   poker 1.06e-4: the upper end of a 99.9% Clopper–Pearson interval from 2·10^7 simulated
///     blocks (multinomial(5000, 1/16), 1962 failures, rate 9.81e-5; χ²(15) gives 9.92e-5);
///   runs 3.00e-4: the union bound over the twelve counts of their exact marginal tails, from a
///     dynamic program over run lengths (2 Σ_k P(count_k outside its interval)
///     = 2.9956536826e-4);
///   long run 2.977e-4: exact, a dynamic program over the current run length
///     (2.97621411016e-4).
pub const BLOCK_FAILURE: f64 = 1.035e-4 + 1.06e-4 + 3.0e-4 + 2.977e-4;

const MONOBIT_LOW: u32 = 9725;
const MONOBIT_HIGH: u32 = 10_275;
/// The poker bounds 2.16 < X < 46.17 as exact integers: X = 16 Σf²/5000 − 5000, so
/// 5000 (5000 + 2.16) < 16 Σf² < 5000 (5000 + 46.17).
const POKER_LOW: u64 = 25_010_800;
const POKER_HIGH: u64 = 25_230_850;
/// Inclusive intervals for runs of length 1, 2, 3, 4, 5 and 6 or more.
const RUN_INTERVALS: [(u32, u32); 6] = [
    (2315, 2685),
    (1114, 1386),
    (527, 723),
    (240, 384),
    (103, 209),
    (103, 209),
];
const LONG_RUN: u32 = 26;

/// The four FIPS 140-2 statistics of one 20,000-bit block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// Ones among the block's 20,000 bits.
    pub ones: u32,
    /// Σ f(i)² over the 16 poker counts.
    pub poker_squares: u64,
    /// Runs of each length 1..5 and 6+, for zeros (`[0]`) and ones (`[1]`).
    pub runs: [[u32; 6]; 2],
    /// The longest run of equal bits, zeros or ones.
    pub longest_run: u32,
}

impl Block {
    /// Computes the statistics of `bits` (each 0 or 1), which must be [`BLOCK_BITS`] long.
    pub fn new(bits: &[u8]) -> Block {
        debug_assert_eq!(bits.len(), BLOCK_BITS);
        let ones = bits.iter().map(|&b| u32::from(b)).sum();
        let mut poker = [0u64; 16];
        for nibble in bits.chunks_exact(4) {
            let value = nibble
                .iter()
                .fold(0usize, |v, &b| (v << 1) | usize::from(b));
            poker[value] += 1;
        }
        let mut runs = [[0u32; 6]; 2];
        let mut longest_run = 0;
        let mut start = 0;
        while start < bits.len() {
            let value = bits[start];
            let length = bits[start..].iter().take_while(|&&b| b == value).count();
            runs[usize::from(value)][length.min(6) - 1] += 1;
            longest_run = longest_run.max(length as u32);
            start += length;
        }
        Block {
            ones,
            poker_squares: poker.iter().map(|f| f * f).sum(),
            runs,
            longest_run,
        }
    }

    /// Monobit test: more than 9,725 and fewer than 10,275 ones.
    pub fn monobit_passes(&self) -> bool {
        MONOBIT_LOW < self.ones && self.ones < MONOBIT_HIGH
    }

    /// FIPS's poker statistic X, for people; the verdict compares exact integers.
    pub fn poker_statistic(&self) -> f64 {
        16.0 * self.poker_squares as f64 / 5000.0 - 5000.0
    }

    /// Poker test: 2.16 < X < 46.17 over the 5,000 4-bit nibbles, compared in exact integers.
    pub fn poker_passes(&self) -> bool {
        let scaled = 16 * self.poker_squares;
        POKER_LOW < scaled && scaled < POKER_HIGH
    }

    /// Runs test: the runs of each length, of zeros and of ones, within FIPS's intervals.
    pub fn runs_pass(&self) -> bool {
        self.runs.iter().all(|counts| {
            counts
                .iter()
                .zip(RUN_INTERVALS)
                .all(|(&count, (low, high))| (low..=high).contains(&count))
        })
    }

    /// Long run test: no run of 26 or more equal bits.
    pub fn long_run_passes(&self) -> bool {
        self.longest_run < LONG_RUN
    }

    /// Whether the block passes all four tests.
    pub fn passes(&self) -> bool {
        self.monobit_passes() && self.poker_passes() && self.runs_pass() && self.long_run_passes()
    }
}

/// FIPS 140-2 over all whole blocks of one position.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Fips {
    /// Whole 20,000-bit blocks tested; bits that do not fill a block are left out.
    pub blocks: u64,
    /// Blocks that failed at least one test.
    pub failed_blocks: u64,
    /// Blocks that failed the monobit test.
    pub monobit_failures: u64,
    /// Blocks that failed the poker test.
    pub poker_failures: u64,
    /// Blocks that failed the runs test.
    pub runs_failures: u64,
    /// Blocks that failed the long run test.
    pub long_run_failures: u64,
    /// P(X ≥ failed_blocks) for X ~ Binomial(blocks, BLOCK_FAILURE).
    pub p_value: f64,
}

/// Runs FIPS 140-2 on the bits of `ranks` (each below 2^`width`), `width` bits per character.
pub fn fips(ranks: &[u32], width: u32) -> Result<Fips, String> {
    let total_bits = ranks.len() as u64 * u64::from(width);
    if total_bits < BLOCK_BITS as u64 {
        let tokens_needed = (BLOCK_BITS as u64).div_ceil(u64::from(width));
        return Err(format!(
            "FIPS 140-2 §4.9.1 defines its intervals for 20,000-bit blocks; this position \
             gives {total_bits} bits ({width} per token), needs {tokens_needed} tokens"
        ));
    }
    let mut result = Fips {
        blocks: 0,
        failed_blocks: 0,
        monobit_failures: 0,
        poker_failures: 0,
        runs_failures: 0,
        long_run_failures: 0,
        p_value: 1.0,
    };
    let mut buffer = Vec::with_capacity(BLOCK_BITS + 32);
    for &rank in ranks {
        for shift in (0..width).rev() {
            buffer.push(((rank >> shift) & 1) as u8);
        }
        if buffer.len() >= BLOCK_BITS {
            let block = Block::new(&buffer[..BLOCK_BITS]);
            result.blocks += 1;
            result.monobit_failures += u64::from(!block.monobit_passes());
            result.poker_failures += u64::from(!block.poker_passes());
            result.runs_failures += u64::from(!block.runs_pass());
            result.long_run_failures += u64::from(!block.long_run_passes());
            result.failed_blocks += u64::from(!block.passes());
            buffer.drain(..BLOCK_BITS);
        }
    }
    result.p_value = binomial::upper_tail(result.failed_blocks, result.blocks, BLOCK_FAILURE);
    Ok(result)
}

/// Fewest tokens for the normal approximation of the correlation sums.
pub const MIN_CORRELATION_TOKENS: u64 = 100;

/// The χ² test of correlation between the `width` bits of each character.
pub fn bit_correlation(ranks: &[u32], width: u32) -> Result<Measured, String> {
    if width < 2 {
        return Err("one bit per character: no pairs of bits".to_string());
    }
    let n = ranks.len() as u64;
    if n < MIN_CORRELATION_TOKENS {
        return Err(format!(
            "needs {MIN_CORRELATION_TOKENS} tokens with this position, has {n}"
        ));
    }
    let pairs: Vec<(u32, u32)> = (0..width)
        .flat_map(|j| (j + 1..width).map(move |k| (j, k)))
        .collect();
    let mut sums = vec![0i64; pairs.len()];
    for &rank in ranks {
        for (sum, &(j, k)) in sums.iter_mut().zip(&pairs) {
            // s_j s_k = +1 when the two bits agree, −1 when they differ.
            let agree = ((rank >> j) ^ (rank >> k)) & 1 == 0;
            *sum += if agree { 1 } else { -1 };
        }
    }
    let statistic: f64 = sums
        .iter()
        .map(|&s| (s as f64) * (s as f64) / n as f64)
        .sum();
    let df = pairs.len() as f64;
    Ok(Measured {
        statistic,
        df,
        p_value: chi_square::upper_tail(statistic, df),
        detail: format!("{} pairs of bits over {n} tokens", pairs.len()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A crafted 20,000-bit block: 5000 runs of ones alternating with 5000 runs of zeros, each
    /// value's run lengths being 1 ×2500, 2 ×1250, 3 ×625, 4 ×312, 5 ×156, 6 ×2 and 7 ×155
    /// (10,000 bits each), taken in the orders k·1021 mod 5000 (ones) and k·3001 mod 5000
    /// (zeros) for k = 0, 1, ..., 4999.
    fn crafted_block() -> Vec<u8> {
        let mut lengths = Vec::with_capacity(5000);
        for (length, times) in [
            (1, 2500),
            (2, 1250),
            (3, 625),
            (4, 312),
            (5, 156),
            (6, 2),
            (7, 155),
        ] {
            lengths.extend(std::iter::repeat_n(length, times));
        }
        let mut bits = Vec::with_capacity(BLOCK_BITS);
        for k in 0..5000 {
            bits.extend(std::iter::repeat_n(1u8, lengths[k * 1021 % 5000]));
            bits.extend(std::iter::repeat_n(0u8, lengths[k * 3001 % 5000]));
        }
        bits
    }

    #[test]
    fn a_crafted_block_passes_all_four_tests() {
        // By construction: 10,000 ones; runs of each value 2500, 1250, 625, 312, 156 and
        // 2 + 155 = 157 of length 6 or more; longest run 7. The poker counts, from an
        // independent python3 computation of the same block: [309, 303, 307, 317, 329, 315,
        // 337, 343, 311, 315, 313, 303, 289, 299, 297, 313], Σf² = 1,565,536, X = 9.7152.
        let block = Block::new(&crafted_block());
        assert_eq!(block.ones, 10_000);
        assert_eq!(block.runs, [[2500, 1250, 625, 312, 156, 157]; 2]);
        assert_eq!(block.longest_run, 7);
        assert_eq!(block.poker_squares, 1_565_536);
        assert!((block.poker_statistic() - 9.7152).abs() < 1e-9);
        assert!(block.monobit_passes() && block.poker_passes());
        assert!(block.runs_pass() && block.long_run_passes() && block.passes());
        // Its first 26 bits set to one make a run of at least 26: the long-run test fails.
        let mut long = crafted_block();
        long[..26].iter_mut().for_each(|b| *b = 1);
        assert!(!Block::new(&long).long_run_passes());
    }

    #[test]
    fn monobit_interval_is_strict() {
        // Ones first, then zeros (the other tests fail on such a block; only X matters here).
        let block = |ones: usize| {
            let mut bits = vec![1u8; ones];
            bits.resize(BLOCK_BITS, 0);
            Block::new(&bits)
        };
        assert!(!block(9725).monobit_passes());
        assert!(block(9726).monobit_passes());
        assert!(block(10_274).monobit_passes());
        assert!(!block(10_275).monobit_passes());
    }

    #[test]
    fn poker_bounds_by_hand() {
        // The nibbles 0, 1, ..., 15 in turn: 5000 segments = 312 × 16 + 8, so the values 0..7
        // occur 313 times and 8..15 occur 312 times: Σf² = 8·313² + 8·312² = 1,562,504,
        // 16 Σf² = 25,000,064 and X = 25,000,064/5000 − 5000 = 0.0128, below 2.16: a block this
        // regular fails (FIPS rejects too-perfect data).
        let mut bits = Vec::with_capacity(BLOCK_BITS);
        for i in 0..5000usize {
            let value = i % 16;
            for shift in (0..4).rev() {
                bits.push(((value >> shift) & 1) as u8);
            }
        }
        let block = Block::new(&bits);
        assert_eq!(block.poker_squares, 1_562_504);
        assert!((block.poker_statistic() - 0.0128).abs() < 1e-9);
        assert!(!block.poker_passes());
        // Σf² exactly at the bounds: X = 2.16 ⇔ 16Σf² = 25,010,800 (fails, the interval is
        // open); one more unit of Σf² passes.
        let at = |squares: u64| Block {
            ones: 10_000,
            poker_squares: squares,
            runs: [[2500, 1250, 625, 312, 156, 156]; 2],
            longest_run: 10,
        };
        assert!(!at(25_010_800 / 16).poker_passes());
        assert!(at(25_010_800 / 16 + 1).poker_passes());
        assert!(at(25_230_850 / 16).poker_passes());
        assert!(!at(25_230_850 / 16 + 1).poker_passes());
    }

    #[test]
    fn runs_and_long_run_intervals() {
        let good = Block {
            ones: 10_000,
            poker_squares: 1_570_000,
            runs: [[2500, 1250, 625, 312, 156, 156]; 2],
            longest_run: 25,
        };
        assert!(good.passes());
        let mut edge = good.clone();
        edge.runs[0] = [2315, 1114, 527, 240, 103, 103];
        edge.runs[1] = [2685, 1386, 723, 384, 209, 209];
        assert!(edge.runs_pass(), "the interval ends are inside");
        let mut low = good.clone();
        low.runs[1][3] = 239;
        assert!(!low.runs_pass());
        let mut high = good.clone();
        high.runs[0][5] = 210;
        assert!(!high.runs_pass());
        let mut long = good;
        long.longest_run = 26;
        assert!(!long.long_run_passes() && !long.passes());
    }

    #[test]
    fn a_run_of_26_is_found_across_the_block() {
        // Alternating bits (odd positions 1), then zeros at 100..=125 between ones at 99 and
        // 126: a run of exactly 26.
        let mut bits: Vec<u8> = (0..BLOCK_BITS).map(|i| (i % 2) as u8).collect();
        for b in &mut bits[100..126] {
            *b = 0;
        }
        bits[126] = 1;
        assert_eq!(Block::new(&bits).longest_run, 26);
        bits[125] = 1;
        assert_eq!(Block::new(&bits).longest_run, 25);
    }

    #[test]
    fn fewer_than_20000_bits_are_not_tested() {
        let ranks = vec![0u32; 4999];
        assert_eq!(
            fips(&ranks, 4).unwrap_err(),
            "FIPS 140-2 §4.9.1 defines its intervals for 20,000-bit blocks; this position gives \
             19996 bits (4 per token), needs 5000 tokens"
        );
        let summary = fips(&vec![0u32; 5000], 4).unwrap();
        assert_eq!((summary.blocks, summary.failed_blocks), (1, 1));
        assert_eq!(summary.monobit_failures, 1);
        // One block failed out of one: p = BLOCK_FAILURE.
        assert!((summary.p_value - BLOCK_FAILURE).abs() < 1e-15);
    }

    #[test]
    fn correlation_by_hand() {
        // Two bits, four tokens 00, 01, 10, 11: they agree twice and differ twice, S = 0,
        // statistic 0, p = 1. Tokens 00, 11 repeated: S = n, statistic = n.
        let balanced: Vec<u32> = (0..100).map(|i| i % 4).collect();
        let m = bit_correlation(&balanced, 2).unwrap();
        assert_eq!((m.statistic, m.df, m.p_value), (0.0, 1.0, 1.0));
        let copied: Vec<u32> = (0..100).map(|i| if i % 2 == 0 { 0 } else { 3 }).collect();
        let m = bit_correlation(&copied, 2).unwrap();
        assert_eq!(m.statistic, 100.0);
        assert!(m.p_value < 1e-20);
        // Three bits of 0..8 in turn: every pair agrees exactly half the time.
        let m = bit_correlation(&(0..800).map(|i| i % 8).collect::<Vec<_>>(), 3).unwrap();
        assert_eq!((m.statistic, m.df), (0.0, 3.0));
        assert!(bit_correlation(&balanced, 1).is_err());
    }
}
