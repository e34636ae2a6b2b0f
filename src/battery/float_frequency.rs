//! Floating-point frequency of 16-bit values: their leading zeros as an exponent and the bits
//! after the leading one as a mantissa, in the stream's 16-bit words and in its low-bit lanes
//! (PractRand's `FPF` idea; this is a statistic of its own, not a port).
//!
//! What the test sees: the four lanes of [`super::bit_lanes`] (the stream's 16-bit words, and
//! the low bit of every byte, 16-bit word and 32-bit word packed 16 to a value), each value w
//! read as a float: its exponent e is the number of leading zeros of w, capped at [`CAP`] = 8,
//! and its mantissa the 7 bits after the leading one (for e = 8, the top 8 bits are all zero,
//! and the mantissa is the low 7 bits: those after the zeros and the bit that follows them, as
//! for the other exponents). The values are *non-overlapping* windows of each lane. The
//! stream's words are read in the first [`EVERY_BLOCK_UNTIL`] bytes and then in every
//! [`BLOCK_STRIDE`]-th 64 KiB block, and the low-bit lanes in the first
//! [`LOW_EVERY_BLOCK_UNTIL`] bytes and then in every [`LOW_BLOCK_STRIDE`]-th block (by absolute
//! position in the stream, so merges are exact; the law does not depend on which windows are
//! read).
//!
//! Why it catches LCG low bits: a power-of-two LCG's bit k has period 2^{k+1} and its low bits
//! are nearly a shift register, so a lane of them is far from uniform in how its windows start
//! (runs of zeros: the exponent) and in the bits that follow (the mantissa, per exponent);
//! RANDU's top byte's low bit (state bit 23) is such a lane, and PractRand catches it by FPF on
//! that lane at 64 KiB.
//!
//! The law: for independent uniform 16-bit values, P(e) = 2^{−(e+1)} for e < 8 and 2^{−8} for
//! e = 8, and given e the mantissa is uniform over 128 values, independent of everything else:
//! the (exponent, mantissa) counts of n non-overlapping windows are exactly multinomial. Two
//! kinds of Pearson χ² are taken (Pearson 1900; asymptotically χ² with cells − 1 degrees of
//! freedom): the exponents' counts against P(e) (9 cells, df 8), and per exponent (a *platter*,
//! in PractRand's word) the mantissas' counts against the uniform law given the platter's count
//! (128 cells, df 127). Given the platter counts, the platters' mantissas are independent
//! multinomials, and each platter's χ² tends to χ²(127) whatever the counts, so the χ²s are
//! asymptotically independent. A χ² is taken once every cell expects 5 (Cochran's rule): the
//! exponents' from n ≥ 1280 values, platter e's from n·P(e) ≥ 640.
//!
//! Outcomes: one per lane, labelled with it: the smallest p-value over its χ²s with Šidák's
//! correction 1 − (1 − p_min)^m (exact for independent p-values), with the χ² that gave it
//! (`platter` −1 for the exponents, else e) and the number of χ²s as figures.
//!
//! State and merging: the counts of every lane (9 × 128 cells) and the bytes of an unfinished
//! 64-byte group; segments start at multiples of 64 bytes (the alignment), where every lane
//! starts a whole value, and merging adds the counts.

use super::bit_lanes::{self, GROUP, LANES};
use super::chunk::whole_units;
use super::state::{Segment, Segmented};
use super::{needs_bytes, Chunk, Outcome, Setup, Test};

/// The `float_frequency` test's entry in the deep battery.
pub const TEST: Test = Test {
    name: "float_frequency",
    summary: "exponent (leading zeros) and mantissa of 16-bit values of the stream and of its low-bit lanes (LCG low bits)",
    reference: "PractRand FPF (idea); exact multinomial law of non-overlapping windows; Pearson chi-square, Sidak",
    params: &[],
    applies_to: needs_bytes,
    start: |setup| Segmented::start(setup, FloatFrequency::new),
    restore: Segmented::<FloatFrequency>::restore,
};

/// The largest exponent: values with 8 or more leading zeros share it.
pub const CAP: u32 = 8;
/// Mantissa bits.
const MANTISSA: u32 = 7;
const PLATTERS: usize = CAP as usize + 1;
const CELLS: usize = PLATTERS << MANTISSA;

/// The stream's words are read in every 64 KiB block of the first 4 MiB...
pub const EVERY_BLOCK_UNTIL: u64 = 4 << 20;
/// ... and then in every 64th block.
pub const BLOCK_STRIDE: u64 = 64;
const BLOCK: u64 = 1 << 16;

/// Expected count per cell before a χ² is taken.
const MIN_EXPECTED: f64 = 5.0;

/// The (exponent, mantissa) cell of a value, exponent-major.
#[inline(always)]
fn cell(w: u16) -> usize {
    let e = (w.leading_zeros()).min(CAP);
    let mantissa = ((u32::from(w) << (e + 1)) & 0xFFFF) >> (16 - MANTISSA);
    ((e << MANTISSA) | mantissa) as usize
}

/// P(exponent = e) for a uniform 16-bit value.
fn platter_probability(e: usize) -> f64 {
    if e < CAP as usize {
        (-(e as f64 + 1.0)).exp2()
    } else {
        (-(CAP as f64)).exp2()
    }
}

/// Whether the stream's words of the 64 KiB block starting at byte `at` are read.
fn block_read(at: u64) -> bool {
    at < EVERY_BLOCK_UNTIL || (at / BLOCK).is_multiple_of(BLOCK_STRIDE)
}

/// The low-bit lanes are read in every block of the first 16 MiB, then in every 8th.
pub const LOW_EVERY_BLOCK_UNTIL: u64 = 16 << 20;
/// See [`LOW_EVERY_BLOCK_UNTIL`].
pub const LOW_BLOCK_STRIDE: u64 = 8;

/// Whether the low bits of the 64 KiB block starting at byte `at` are read.
fn low_block_read(at: u64) -> bool {
    at < LOW_EVERY_BLOCK_UNTIL || (at / BLOCK).is_multiple_of(LOW_BLOCK_STRIDE)
}

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct FloatFrequency {
    /// Stream bytes before the segment (a multiple of [`GROUP`]).
    start: u64,
    /// The bytes of an unfinished group.
    pending: Vec<u8>,
    /// Groups handled.
    groups: u64,
    /// Per lane, the counts of its cells.
    counts: Vec<Vec<u64>>,
    /// The word size `--word` narrowed the outcomes to, if any. The lanes come from one pass
    /// ([`bit_lanes::low_lanes`]), so only their outcomes are left out.
    #[serde(default)]
    only_word: Option<u32>,
}

/// The word size each of [`LANES`] reads, for `--word`.
const LANE_WORD_BITS: [u32; 4] = [16, 8, 16, 32];

impl FloatFrequency {
    fn new(setup: &Setup) -> Self {
        FloatFrequency {
            start: setup.offset,
            pending: Vec::new(),
            groups: 0,
            counts: vec![vec![0; CELLS]; LANES.len()],
            only_word: setup.params.word_bits(),
        }
    }

    fn groups(&mut self, bytes: &[u8]) {
        let mut at = self.start + self.groups * GROUP as u64;
        let mut rest = bytes;
        while !rest.is_empty() {
            // Up to the end of this 64 KiB block.
            let take = ((BLOCK - at % BLOCK) as usize).min(rest.len());
            let (piece, tail) = rest.split_at(take);
            self.piece(piece, block_read(at), low_block_read(at));
            at += take as u64;
            rest = tail;
        }
        self.groups += (bytes.len() / GROUP) as u64;
    }

    /// Whole groups inside one block.
    fn piece(&mut self, bytes: &[u8], words: bool, low: bool) {
        let [raw, low8, low16, low32] = &mut self.counts[..] else {
            unreachable!("four lanes")
        };
        if words {
            let raw: &mut [u64; CELLS] = raw.as_mut_slice().try_into().expect("cells");
            for pair in bytes.chunks_exact(2) {
                raw[cell(u16::from_le_bytes([pair[0], pair[1]]))] += 1;
            }
        }
        if !low {
            return;
        }
        let capacity = bytes.len() / GROUP;
        let (mut v8, mut v16, mut v32) = (
            Vec::with_capacity(4 * capacity),
            Vec::with_capacity(2 * capacity),
            Vec::with_capacity(capacity),
        );
        bit_lanes::low_lanes(bytes, &mut v8, &mut v16, &mut v32);
        for (counts, values) in [(low8, v8), (low16, v16), (low32, v32)] {
            let counts: &mut [u64; CELLS] = counts.as_mut_slice().try_into().expect("cells");
            for v in values {
                counts[cell(v)] += 1;
            }
        }
    }
}

/// Pearson's χ² of counts against equal expected counts summing to their total.
fn chi_square_uniform(counts: &[u64]) -> f64 {
    let total: u64 = counts.iter().sum();
    let expected = total as f64 / counts.len() as f64;
    counts
        .iter()
        .map(|&c| (c as f64 - expected).powi(2))
        .sum::<f64>()
        / expected
}

/// One lane's χ²s: (platter or −1 for the exponents, χ², df, p), those with enough data.
fn lane_chi_squares(counts: &[u64]) -> Vec<(i32, f64, f64, f64)> {
    let n: u64 = counts.iter().sum();
    let platters: Vec<u64> = counts
        .chunks_exact(1 << MANTISSA)
        .map(|c| c.iter().sum())
        .collect();
    let mut out = Vec::new();
    let smallest = n as f64 * platter_probability(CAP as usize);
    if smallest >= MIN_EXPECTED {
        let chi2: f64 = platters
            .iter()
            .enumerate()
            .map(|(e, &c)| {
                let expected = n as f64 * platter_probability(e);
                (c as f64 - expected).powi(2) / expected
            })
            .sum();
        let df = (PLATTERS - 1) as f64;
        out.push((-1, chi2, df, crate::stats::chi_square::upper_tail(chi2, df)));
    }
    for (e, cells) in counts.chunks_exact(1 << MANTISSA).enumerate() {
        let expected = n as f64 * platter_probability(e) / cells.len() as f64;
        if expected < MIN_EXPECTED {
            continue;
        }
        let chi2 = chi_square_uniform(cells);
        let df = (cells.len() - 1) as f64;
        out.push((
            e as i32,
            chi2,
            df,
            crate::stats::chi_square::upper_tail(chi2, df),
        ));
    }
    out
}

/// Values a lane needs for its first χ²: the last platter expects 5.
pub const MIN_VALUES: u64 = 1280;

impl Segment for FloatFrequency {
    const NAME: &'static str = "float_frequency";
    const VERSION: u32 = 1;

    fn alignment(&self) -> u64 {
        GROUP as u64
    }

    fn update(&mut self, chunk: &Chunk<'_>) {
        let mut pending = std::mem::take(&mut self.pending);
        whole_units(&mut pending, chunk.symbols(), GROUP, |bytes| {
            self.groups(bytes)
        });
        self.pending = pending;
    }

    fn outcomes(self) -> Vec<Outcome> {
        self.counts
            .iter()
            .zip(LANES)
            .zip(LANE_WORD_BITS)
            .map(|((counts, (label, per_group)), bits)| {
                if let Some(only) = self.only_word.filter(|&only| only != bits) {
                    return crate::battery::lane_left_out(TEST.name, label, bits, only);
                }
                let chis = lane_chi_squares(counts);
                // The smallest p, the first (exponents, then platters in order) on ties.
                let Some(&(platter, chi2, _, p)) =
                    chis.iter()
                        .reduce(|best, c| if c.3 < best.3 { c } else { best })
                else {
                    let needs = MIN_VALUES.div_ceil(per_group as u64) * GROUP as u64;
                    return Outcome::skipped(
                        TEST.name,
                        format!("needs {needs} bytes for {MIN_VALUES} values of the lane"),
                    )
                    .with_label(label);
                };
                let values: u64 = counts.iter().sum();
                Outcome::measured(
                    TEST.name,
                    chi2,
                    crate::stats::sidak::sidak(p, chis.len() as u64),
                )
                .with_figure("platter", f64::from(platter))
                .with_figure("chi_squares", chis.len() as f64)
                .with_figure("values", values as f64)
                .with_label(label)
            })
            .collect()
    }

    fn absorb(&mut self, next: Self) {
        debug_assert!(self.pending.is_empty());
        for (mine, theirs) in self.counts.iter_mut().zip(&next.counts) {
            for (mine, theirs) in mine.iter_mut().zip(theirs) {
                *mine += theirs;
            }
        }
        self.groups += next.groups;
        self.pending = next.pending;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::battery::run_chunked;
    use crate::source::{weak, SymbolStream};
    use rand::{Rng, SeedableRng};

    /// Cells by hand: 0x8000 is exponent 0 mantissa 0; 0xFFFF exponent 0 mantissa 127;
    /// 0x0001 exponent 8 (15 zeros, capped) mantissa 1; 0x00FF exponent 8 mantissa 127;
    /// 0x1234 = 0b0001_0010_0011_0100: 3 zeros, then 0010001 = 17.
    #[test]
    fn cells_by_hand() {
        assert_eq!(cell(0x8000), 0);
        assert_eq!(cell(0xFFFF), 127);
        assert_eq!(cell(0x0001), 8 * 128 + 1);
        assert_eq!(cell(0x00FF), 8 * 128 + 127);
        assert_eq!(cell(0x0000), 8 * 128);
        assert_eq!(cell(0x1234), 3 * 128 + 17);
        // Every cell holds exactly 65536 · P(e) / 128 of the 65536 values: the law is exact.
        let mut counts = vec![0u64; CELLS];
        for w in 0..=u16::MAX {
            counts[cell(w)] += 1;
        }
        for (e, cells) in counts.chunks_exact(128).enumerate() {
            let expected = (65_536.0 * platter_probability(e) / 128.0) as u64;
            assert!(cells.iter().all(|&c| c == expected), "platter {e}");
        }
    }

    /// χ² values are exact fractions; the tails are mpmath 1.3 (30 digits),
    /// `gammainc(df/2, chi2/2, inf, regularized=True)`.
    #[test]
    fn known_answer() {
        // All 65536 values once: every χ² is 0 and every p is 1.
        let mut counts = vec![0u64; CELLS];
        for w in 0..=u16::MAX {
            counts[cell(w)] += 1;
        }
        let chis = lane_chi_squares(&counts);
        // Platters 6, 7 and 8 expect 4, 2 and 2 per cell: the exponents and platters 0..=5.
        assert_eq!(chis.len(), 1 + 6);
        assert!(chis.iter().all(|c| c.1 == 0.0 && c.3 == 1.0));
        // A platter of 128 cells of 10 but cell 0 holding 100: E = 1370/128, and
        // χ² = ((100 − E)² + 127·(10 − E)²)/E = 102870/137 (exact, Python's fractions);
        // p = 3.46819393343520557...e-89.
        let mut platter = vec![10u64; 128];
        platter[0] = 100;
        let chi2 = chi_square_uniform(&platter);
        assert!((chi2 - 102_870.0 / 137.0).abs() < 1e-9, "{chi2}");
        let p = crate::stats::chi_square::upper_tail(chi2, 127.0);
        assert!((p / 3.468_193_933_435_206e-89 - 1.0).abs() < 1e-8, "{p}");
    }

    fn stream_bytes(mut stream: Box<dyn SymbolStream>, len: usize) -> Vec<u8> {
        let mut data = vec![0u8; len];
        let mut at = 0;
        while at < len {
            at += stream.fill(&mut data[at..]).expect("a generator fills");
        }
        data
    }

    fn chacha_bytes(seed: u64, len: usize) -> Vec<u8> {
        let mut data = vec![0u8; len];
        rand_chacha::ChaCha20Rng::seed_from_u64(seed).fill_bytes(&mut data);
        data
    }

    fn p_of(outcomes: &[Outcome], label: &str) -> f64 {
        outcomes
            .iter()
            .find(|o| o.label == label)
            .and_then(Outcome::p_value)
            .unwrap_or_else(|| panic!("{label} measured: {outcomes:?}"))
    }

    /// RANDU's top byte fails on the low bit of its bytes at 512 KiB (PractRand, whose FPF
    /// reads overlapping windows at every bit offset: 64 KiB); ChaCha20 passes every lane.
    #[test]
    fn randu_fails_and_chacha20_passes() {
        let randu = run_chunked(&TEST, 256, &stream_bytes(weak::randu_top(1), 1 << 19), 4096);
        assert!(p_of(&randu, "low bit of bytes") < 1e-9, "{randu:?}");
        let chacha = run_chunked(&TEST, 256, &chacha_bytes(21, 4 << 20), 65_536);
        for (label, _) in LANES {
            assert!(p_of(&chacha, label) > 1e-3, "{chacha:?}");
        }
    }

    /// The schedule of the stream's words is by absolute position: 4 MiB, then every 64th
    /// block.
    #[test]
    fn schedule() {
        assert!(block_read(0) && block_read(EVERY_BLOCK_UNTIL - 1));
        assert!(!block_read(EVERY_BLOCK_UNTIL + BLOCK));
        assert!(block_read(BLOCK * BLOCK_STRIDE * 65));
        assert!(
            low_block_read(LOW_EVERY_BLOCK_UNTIL - 1)
                && !low_block_read(LOW_EVERY_BLOCK_UNTIL + BLOCK)
        );
        assert!(low_block_read(
            LOW_EVERY_BLOCK_UNTIL + BLOCK * LOW_BLOCK_STRIDE
        ));
    }

    #[test]
    fn short_streams_are_skipped() {
        let outcomes = run_chunked(&TEST, 256, &chacha_bytes(1, 50_000), 1000);
        assert!(outcomes[0].result.is_ok());
        assert_eq!(
            outcomes[3].result,
            Err("needs 81920 bytes for 1280 values of the lane".into())
        );
    }

    /// Rejection rate at 1% over seeds: `cargo test --release --lib
    /// float_frequency::tests::chacha20_rejection_rate -- --ignored --nocapture`
    /// (FPF_SEEDS, FPF_BYTES).
    #[test]
    #[ignore]
    fn chacha20_rejection_rate() {
        let seeds: u64 = std::env::var("FPF_SEEDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(200);
        let bytes: usize = std::env::var("FPF_BYTES")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(1 << 20);
        let mut rejected = [0u32; 4];
        for seed in 0..seeds {
            let outcomes = run_chunked(&TEST, 256, &chacha_bytes(7000 + seed, bytes), 1 << 16);
            for (count, outcome) in rejected.iter_mut().zip(&outcomes) {
                if outcome.p_value().is_some_and(|p| p < 0.01) {
                    *count += 1;
                }
            }
        }
        println!("{seeds} seeds of {bytes} bytes: rejected at 1% per lane {rejected:?}");
    }
}
