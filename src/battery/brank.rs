//! Binary matrix rank over GF(2) at growing sizes (Marsaglia's rank test; TestU01
//! `smarsa_MatrixRank`; PractRand's `BRank`).
//!
//! What the test sees: the stream cut into square N×N bit matrices, each filled from N²/8
//! consecutive bytes, one row after another. A row of 32 bits is one little-endian 32-bit word,
//! a row of 64 or more bits is N/64 consecutive little-endian 64-bit words: how bytes map onto
//! columns does not matter, since permuting columns leaves the rank as it is, and this mapping
//! lets a row be loaded without moving bits. A generator that is linear over GF(2) (xorshift,
//! LFSRs, the Mersenne Twister, ...) has output whose bits are linear functions of its state; a
//! matrix with more rows than the state has bits, or rows whose recurrence is short, is rank
//! deficient far more often than chance allows (or, for a state exactly as wide as a row, full
//! rank far more often: xorshift32's 32×32 matrices are all invertible).
//!
//! The law: for a random n×n matrix over GF(2),
//! P(rank = r) = 2^{r(2n−r)−n²} ∏_{i=0}^{r−1} (1 − 2^{i−n})² / (1 − 2^{i−r})
//! (Marsaglia & Tsay, "Matrices and the structure of random number sequences", Linear Algebra
//! Appl. 67, 1985; NIST SP 800-22 Rev 1a §3.5 derives it). With deficiency d = n − r the power
//! of two is 2^{−d²}, so beyond d ≈ 40 the probabilities are below the smallest double; they
//! are computed in logarithms for d = 0 ..= 64 and taken as 0 beyond.
//!
//! The outcome per size, labelled `32x32`, ...:
//! - from 64 matrices on, a χ² over the classes full rank, n−1, n−2 and ≤ n−3, the rarest
//!   classes pooled into their neighbour until every class expects at least 5 matrices
//!   (df = classes − 1; at 64 matrices three classes expect 18, 37 and 8.6; the fourth class
//!   joins from about 950 matrices on). With three classes the statistic takes few values (at 64
//!   matrices its p-value was far from uniform: KS p 2e-26 over 20,000 streams), so there its
//!   exact law under the multinomial replaces the χ² law: every outcome (n₀, n₁, m − n₀ − n₁) is
//!   summed directly, and the p-value is randomized within its atom, P(X² > x) + u · P(X² = x),
//!   with u from the matrices' hash as below. With four classes the asymptotic χ² law is used.
//!   The pooled last class cannot tell a deficiency of 3 from one of 300, so P(the largest
//!   deficiency among m matrices is at least the one observed) = 1 − (1 − P(d ≥ observed))^m,
//!   exact from the law, replaces the p-value when it is smaller and below 1e-6. Under
//!   randomness that happens with probability below 1e-6, so the p-value stays uniform to
//!   within that (a Šidák combination of the two would be valid too, but not uniform: the
//!   second level's uniformity check would see it).
//! - with 1 to 63 matrices (large N on short streams), an exact test of the total deficiency
//!   D = Σ (n − rank) over the m matrices: its law is the m-fold convolution of the law of one
//!   matrix's deficiency, computed with totals beyond the observed one kept as one bucket so
//!   the upper tail is summed directly. The law is discrete (one 1024×1024 matrix is full rank
//!   with probability 0.29), so the p-value is randomized within its atom:
//!   q = P(D > observed) + u · P(D = observed) is uniform under randomness, and the two-sided
//!   p-value is 2 · min(q, 1 − q). u comes from the XOR of a hash of every matrix: reproducible,
//!   the same however the stream was cut, and independent of the deficiencies as far as a hash
//!   can tell.
//! - with no complete matrix, the size is skipped and says how many bytes it needs.
//!
//! Sizes: 32, 64, ..., 1024 always (a 1024×1024 matrix is 128 KiB); on a stream whose length is
//! known, doubling on up to the largest size that gets at least one matrix, at most
//! [`LARGEST`]; on a stream of unknown length (a pipe) every size up to [`LARGEST`], the ones
//! that get no matrix skipped.
//!
//! Cost: 32×32 and 64×64 matrices are eliminated row by row in one word a row, 128×128 column
//! by column in two; from 256×256 on, by the method of four Russians (Arlazarov, Dinic,
//! Kronrod & Faradzev 1970; as in M4RI, Albrecht, Bard & Hart, ACM TOMS 37, 2010): 32 columns at
//! a time, their pivots found and reduced against each other, then every row below is cleared
//! of them by XORing four entries of tables holding all 256 combinations of each byte's pivots,
//! one pass over the rows for 32 columns (compiled with AVX2 and without, `kernel!`). One
//! 4096×4096 matrix went from 100 ms to 11 ms, 1024×1024 from 4.3 ms to 0.6 ms. Still, ranking
//! every matrix costs up to n/48 word operations per byte, so matrices are ranked on a schedule
//! by their index from the start of the stream (`schedule`): all of the first 2^h, then 2^h
//! in every g-th doubling of the stream (h = 9 for 32×32 down to 0 for the largest sizes, g = 1
//! for the smallest up to 4 for 4096×4096), so each size's cost grows with the logarithm of the
//! stream's length. The ranked matrices are disjoint pieces of the stream, so the law is the
//! same whichever are ranked; a generator linear over GF(2) with a state smaller than n bits
//! fails every n×n matrix, the first ones included, so little power is lost. 256 MiB rank
//! 6,656, 3,072, 112, 56, 24, 12, 4 and 2 matrices of the eight sizes.
//!
//! Merging: the matrices of every size end at multiples of the largest size's N²/8 bytes (the
//! sizes are powers of two, so the byte counts are powers of four), so that is the alignment; at
//! such a position a size's state is its histogram of deficiencies, and histograms add.

use super::chunk::{dispatch, fast_x86, kernel};
use super::state::{Segment, Segmented};
use super::{needs_bytes, Chunk, Outcome, Setup, Test};
use crate::stats::chi_square;
use std::collections::BTreeMap;

/// The `brank` test's entry in the deep battery.
pub const TEST: Test = Test {
    name: "brank",
    summary: "rank over GF(2) of square bit matrices, 32x32 to 1024x1024 and larger on long streams",
    reference: "Marsaglia & Tsay 1985 (rank law; NIST SP 800-22 §3.5); TestU01 smarsa_MatrixRank; PractRand BRank",
    params: &[],
    applies_to: needs_bytes,
    start: |setup| Segmented::start(setup, BinaryRank::new),
    restore: Segmented::<BinaryRank>::restore,
};

/// The smallest matrix, and the sizes every stream is tested at (reported as skipped when the
/// stream is too short for them).
const SMALLEST: u32 = 32;
const ALWAYS_UP_TO: u32 = 1024;
/// The largest matrix: 4096×4096 bits, 2 MiB. Larger ones would cost twice as much per byte
/// again for each doubling and hold segments' heads of 8 MiB and more.
pub const LARGEST: u32 = 4096;

/// Deficiencies beyond this have probability below 2^{−4096}: zero in doubles.
const LAW_DEFICIENCIES: usize = 64;
/// Matrices a χ² needs: every pooled class must expect at least this many.
const MIN_EXPECTED: f64 = 5.0;
/// Below this many matrices the exact total-deficiency test is used: its p-value is uniform
/// (randomized within its atom), while a χ² over two or three classes of a few dozen matrices
/// takes few values. At 64 matrices the χ² has three classes expecting 18, 37 and 8.6.
const EXACT_BELOW: u64 = 64;
/// The largest-deficiency tail replaces the χ² p-value only when it is below this: under
/// randomness that happens with probability below 1e-6, so the p-value stays uniform (to
/// within that) while a matrix of absurd deficiency fails the size whatever the classes say.
const OVERRIDE_BELOW: f64 = 1e-6;

/// Which matrices of size n×n are ranked, as (h, g): every one of the first 2^h, and past
/// them, in each range of indices [2^m, 2^{m+1}) with m − h ≡ g − 1 (mod g), the 2^h whose index
/// is a multiple of 2^{m−h}; in the other ranges none. So 2^h matrices are ranked in every g-th
/// doubling of the stream: their share falls as the stream grows, and each size costs a fixed
/// amount per g doublings. Measured costs of one matrix (one core, ranked as in [`SizeState::count`]):
/// 32×32 0.4 µs, 64×64 1 µs, 128×128 40 µs, 256×256 0.1 ms, 512×512 0.22 ms, 1024×1024 0.6 ms,
/// 2048×2048 2.3 ms, 4096×4096 11 ms.
fn schedule(n: u32) -> (u32, u32) {
    match n {
        ..=32 => (9, 1),
        64 => (8, 1),
        128 => (4, 2),
        256 => (3, 2),
        512 => (2, 2),
        1024 => (1, 2),
        2048 => (0, 3),
        _ => (0, 4),
    }
}

/// Whether the matrix with this index (from the start of the stream) of size n is ranked
/// ([`schedule`]): a choice by position alone, so that every segment of a stream makes the same
/// one.
fn ranked(n: u32, matrix: u64) -> bool {
    let (h, g) = schedule(n);
    if matrix < 1 << h {
        return true;
    }
    let e = matrix.ilog2() - h;
    e % g == g - 1 && matrix.trailing_zeros() >= e
}

/// Rows of up to this many words are combined under a mask rather than a branch ([`rank`]).
#[cfg(test)]
const MASKED_UP_TO_WORDS: usize = 16;

/// Bytes of one n×n matrix.
fn matrix_bytes(n: u32) -> u64 {
    u64::from(n) * u64::from(n) / 8
}

/// The sizes a stream of `length` bytes is tested at.
fn sizes(length: Option<u64>) -> Vec<u32> {
    let top = match length {
        Some(length) => {
            let mut top = ALWAYS_UP_TO;
            while top < LARGEST && matrix_bytes(2 * top) <= length {
                top *= 2;
            }
            top
        }
        None => LARGEST,
    };
    std::iter::successors(Some(SMALLEST), |&n| Some(2 * n))
        .take_while(|&n| n <= top)
        .collect()
}

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct BinaryRank {
    sizes: Vec<SizeState>,
}

/// One matrix size: the bytes of its unfinished matrix and the matrices counted by deficiency.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct SizeState {
    n: u32,
    /// The index, from the start of the stream, of the matrix being filled.
    matrix: u64,
    /// Bytes of that matrix seen so far.
    filled: u64,
    /// Those bytes, when the matrix is one that is ranked ([`ranked`]); empty otherwise.
    pending: Vec<u8>,
    /// Deficiency n − rank → matrices.
    deficiencies: BTreeMap<u32, u64>,
    /// The XOR of every counted matrix's hash: the uniform that randomizes the exact test's
    /// p-value within its atom (XOR, so that merged segments give one pass's value).
    hash: u64,
    /// The matrix being eliminated, reused between matrices.
    #[serde(skip)]
    scratch: Vec<u64>,
    /// The tables of combinations of pivots ([`four_russians`]), reused between matrices.
    #[serde(skip)]
    table: Vec<u64>,
    /// [`deficiency_law`] of this size, computed at the first look and kept for the later ones.
    #[serde(skip)]
    law: std::sync::OnceLock<Vec<f64>>,
}

impl BinaryRank {
    fn new(setup: &Setup) -> Self {
        BinaryRank {
            sizes: sizes(setup.length)
                .into_iter()
                .map(|n| SizeState {
                    n,
                    // A segment starts at a multiple of the largest matrix, so of every one.
                    matrix: setup.offset / matrix_bytes(n),
                    filled: 0,
                    pending: Vec::new(),
                    deficiencies: BTreeMap::new(),
                    hash: 0,
                    scratch: Vec::new(),
                    table: Vec::new(),
                    law: std::sync::OnceLock::new(),
                })
                .collect(),
        }
    }
}

impl Segment for BinaryRank {
    const NAME: &'static str = "brank";
    const VERSION: u32 = 3;

    fn alignment(&self) -> u64 {
        self.sizes
            .iter()
            .map(|s| matrix_bytes(s.n))
            .max()
            .unwrap_or(1)
    }

    fn update(&mut self, chunk: &Chunk<'_>) {
        for size in &mut self.sizes {
            size.update(chunk.symbols());
        }
    }

    fn outcomes(self) -> Vec<Outcome> {
        self.snapshot_outcomes()
    }

    /// Reads only the deficiency counts: no copy of the unfinished matrices or the scratch.
    fn snapshot_outcomes(&self) -> Vec<Outcome> {
        self.sizes.iter().map(SizeState::outcome).collect()
    }

    fn absorb(&mut self, next: Self) {
        for (size, next) in self.sizes.iter_mut().zip(next.sizes) {
            // This state ends at an aligned position, between matrices; next may end inside
            // one, whose bytes so far are now this state's unfinished matrix.
            debug_assert_eq!(size.filled, 0);
            for (deficiency, count) in next.deficiencies {
                *size.deficiencies.entry(deficiency).or_default() += count;
            }
            size.hash ^= next.hash;
            size.matrix = next.matrix;
            size.filled = next.filled;
            size.pending = next.pending;
        }
    }
}

impl SizeState {
    fn update(&mut self, symbols: &[u8]) {
        let whole = matrix_bytes(self.n);
        let mut rest = symbols;
        if self.filled > 0 {
            let take = (whole - self.filled).min(rest.len() as u64) as usize;
            if ranked(self.n, self.matrix) {
                self.pending.extend_from_slice(&rest[..take]);
            }
            self.filled += take as u64;
            rest = &rest[take..];
            if self.filled < whole {
                return;
            }
            if ranked(self.n, self.matrix) {
                let pending = std::mem::take(&mut self.pending);
                self.count(&pending);
                // Keep the allocation for the next matrix.
                self.pending = pending;
                self.pending.clear();
            }
            self.matrix += 1;
            self.filled = 0;
        }
        let mut matrices = rest.chunks_exact(whole as usize);
        for matrix in &mut matrices {
            if ranked(self.n, self.matrix) {
                self.count(matrix);
            }
            self.matrix += 1;
        }
        let tail = matrices.remainder();
        if !tail.is_empty() {
            if ranked(self.n, self.matrix) {
                self.pending.extend_from_slice(tail);
            }
            self.filled = tail.len() as u64;
        }
    }

    /// Ranks one matrix's bytes and counts its deficiency.
    fn count(&mut self, bytes: &[u8]) {
        let n = self.n as usize;
        let words = n.div_ceil(64);
        self.scratch.clear();
        if n < 64 {
            // One row per little-endian word of n bits (n = 32).
            let row_bytes = n / 8;
            self.scratch
                .extend(bytes.chunks_exact(row_bytes).map(|row| {
                    let mut word = [0u8; 8];
                    word[..row_bytes].copy_from_slice(row);
                    u64::from_le_bytes(word)
                }));
        } else {
            self.scratch.extend(
                bytes
                    .chunks_exact(8)
                    .map(|word| u64::from_le_bytes(word.try_into().expect("chunks of 8"))),
            );
        }
        // Hashed before elimination destroys the matrix.
        let hash = self.scratch.iter().fold(0u64, |hash, &word| {
            (hash ^ word).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        });
        self.hash ^= finalize(hash);
        let full = match words {
            1 => rank_of_words(&mut self.scratch),
            2 => rank_of_rows::<2>(&mut self.scratch),
            _ => dispatch!(
                fast_x86(),
                four_russians(&mut self.scratch, words, &mut self.table)
            ),
        };
        let deficiency = (n - full) as u32;
        *self.deficiencies.entry(deficiency).or_default() += 1;
    }

    fn outcome(&self) -> Outcome {
        let label = format!("{0}x{0}", self.n);
        let matrices: u64 = self.deficiencies.values().sum();
        if matrices == 0 {
            return Outcome::skipped(
                TEST.name,
                format!(
                    "needs {} bytes for one {label} matrix, got {}",
                    matrix_bytes(self.n),
                    self.filled
                ),
            )
            .with_label(label);
        }
        let law = self.law.get_or_init(|| deficiency_law(self.n));
        let chi_square = if matrices >= EXACT_BELOW {
            class_chi_square(&self.deficiencies, matrices, law)
        } else {
            None
        };
        let u = (self.hash >> 11) as f64 * (-53.0f64).exp2();
        let measured = match chi_square {
            Some(ClassChiSquare {
                statistic,
                df,
                p,
                probabilities,
                observed,
            }) => {
                // Three classes (fewer than about 950 matrices): the statistic takes few
                // values, so its exact law, randomized within the atom, replaces the χ² law.
                let p_classes = match (&probabilities[..], &observed[..]) {
                    (&[p0, p1, p2], &[o0, o1, o2]) => {
                        exact_chi_square_p(&[p0, p1, p2], &[o0, o1, o2], u)
                    }
                    _ => p,
                };
                let worst = *self.deficiencies.keys().next_back().expect("a matrix");
                let p_worst = max_deficiency_p(worst, matrices, law);
                let p = if p_worst < OVERRIDE_BELOW {
                    p_classes.min(p_worst)
                } else {
                    p_classes
                };
                Outcome::measured(TEST.name, statistic, p)
                    .with_figure("matrices", matrices as f64)
                    .with_figure("df", df as f64)
                    .with_figure("max_deficiency", f64::from(worst))
            }
            None => {
                let total: u64 = self
                    .deficiencies
                    .iter()
                    .map(|(&d, &c)| u64::from(d) * c)
                    .sum();
                let p = total_deficiency_p(total, matrices, law, u);
                Outcome::measured(TEST.name, total as f64, p)
                    .with_figure("matrices", matrices as f64)
            }
        };
        measured
            .with_figure(
                "full_rank_share",
                *self.deficiencies.get(&0).unwrap_or(&0) as f64 / matrices as f64,
            )
            .with_label(label)
    }
}

#[cfg(test)]
/// The rank over GF(2) of the `rows` × `columns` matrix in `matrix`, `words` u64 per row with
/// column c at bit c % 64 of word c / 64; the matrix is destroyed (reduced to echelon form).
fn rank(matrix: &mut [u64], rows: usize, words: usize, columns: usize) -> usize {
    let mut rank = 0;
    for column in 0..columns {
        if rank == rows {
            break;
        }
        let word = column / 64;
        let bit = 1u64 << (column % 64);
        // Rows from `rank` on are zero in every column before this one: each such column either
        // had a pivot, whose row cleared it below, or was zero there already. So rows are
        // swapped and combined from this column's word on.
        let Some(pivot) = (rank..rows).find(|&r| matrix[r * words + word] & bit != 0) else {
            continue;
        };
        if pivot != rank {
            for k in word..words {
                matrix.swap(rank * words + k, pivot * words + k);
            }
        }
        let (top, below) = matrix.split_at_mut((rank + 1) * words);
        let pivot_row = &top[rank * words + word..];
        // The rows between `rank` and `pivot` had a zero in this column.
        let skip = (pivot - rank).saturating_sub(1) * words;
        if words <= MASKED_UP_TO_WORDS {
            // Half the rows take the pivot, at random: a branch would be mispredicted half the
            // time, which on short rows costs more than combining every row under a mask.
            for row in below[skip..].chunks_exact_mut(words) {
                let mask = u64::from(row[word] & bit != 0).wrapping_neg();
                for (target, &source) in row[word..].iter_mut().zip(pivot_row) {
                    *target ^= source & mask;
                }
            }
        } else {
            for row in below[skip..].chunks_exact_mut(words) {
                if row[word] & bit != 0 {
                    for (target, &source) in row[word..].iter_mut().zip(pivot_row) {
                        *target ^= source;
                    }
                }
            }
        }
        rank += 1;
    }
    rank
}

/// The rank of a matrix of at most 64 columns, one u64 per row; the matrix is destroyed. Row by
/// row: a row that earlier pivots left non-zero adds one to the rank, and its lowest set bit
/// is cleared from the rows after it, with a mask instead of a branch (half the rows take it,
/// at random, so a branch would be mispredicted half the time).
fn rank_of_words(rows: &mut [u64]) -> usize {
    let mut rank = 0;
    for i in 0..rows.len() {
        let (done, rest) = rows.split_at_mut(i + 1);
        let pivot = done[i];
        if pivot == 0 {
            continue;
        }
        rank += 1;
        let lowest = pivot & pivot.wrapping_neg();
        for row in rest {
            *row ^= pivot & u64::from(*row & lowest != 0).wrapping_neg();
        }
    }
    rank
}

/// [`rank`] for square matrices of W words a row (W × 64 columns), with rows of a fixed length
/// so that combining two is a few unrolled vector operations; every row below the pivot is
/// combined under a mask, since a branch would be mispredicted half the time.
fn rank_of_rows<const W: usize>(matrix: &mut [u64]) -> usize {
    let rows = matrix.len() / W;
    let mut rank = 0;
    for column in 0..64 * W {
        if rank == rows {
            break;
        }
        let (word, bit) = (column / 64, 1u64 << (column % 64));
        let Some(pivot) = (rank..rows).find(|&r| matrix[r * W + word] & bit != 0) else {
            continue;
        };
        if pivot != rank {
            for k in 0..W {
                matrix.swap(rank * W + k, pivot * W + k);
            }
        }
        let (top, below) = matrix.split_at_mut((rank + 1) * W);
        let pivot_row: &[u64; W] = top[rank * W..].try_into().expect("one row");
        for row in below.chunks_exact_mut(W) {
            let row: &mut [u64; W] = row.try_into().expect("one row");
            let mask = u64::from(row[word] & bit != 0).wrapping_neg();
            for k in 0..W {
                row[k] ^= pivot_row[k] & mask;
            }
        }
        rank += 1;
    }
    rank
}

/// Columns a block of the method of four Russians takes at once ([`four_russians`]): four
/// bytes of a word, each with its own table of 256 combinations of pivots.
const BLOCK_BYTES: usize = 4;

kernel! {
    /// The rank over GF(2) of the n × n matrix in `matrix` (`words` u64 a row, column c at bit
    /// c % 64 of word c / 64, n a multiple of 32) by the method of four Russians; the matrix is
    /// destroyed. `table` is scratch for the blocks' tables.
    four_russians(matrix: &mut [u64], words: usize, table: &mut Vec<u64>) -> usize {
        const COLUMNS: usize = 8 * BLOCK_BYTES;
        let n = matrix.len() / words;
        let mut rank = 0;
        for block in 0..n / COLUMNS {
            if rank == n {
                break;
            }
            let (word, shift) = (block * COLUMNS / 64, block * COLUMNS % 64);
            let width = words - word;
            let pattern = |row: &[u64]| ((row[word] >> shift) & ((1u64 << COLUMNS) - 1)) as usize;
            // Pivots of the block's columns among rows rank.., kept reduced against each
            // other: pivot row `at[j]` has a one in column j of the block and zeros in the
            // other pivot columns, so a row is reduced by XORing the pivots of its set bits.
            let mut at = [usize::MAX; COLUMNS];
            let (mut found, mut mask) = (0usize, 0usize);
            for j in 0..COLUMNS {
                let mut candidate = None;
                for r in rank + found..n {
                    let mut bits = pattern(&matrix[r * words..]) & mask;
                    while bits != 0 {
                        let p = at[bits.trailing_zeros() as usize];
                        bits &= bits - 1;
                        let (head, tail) = matrix.split_at_mut(r * words);
                        let source = &head[p * words + word..p * words + words];
                        for (t, &s) in tail[word..words].iter_mut().zip(source) {
                            *t ^= s;
                        }
                    }
                    if pattern(&matrix[r * words..]) >> j & 1 == 1 {
                        candidate = Some(r);
                        break;
                    }
                }
                let Some(r) = candidate else { continue };
                let target = rank + found;
                if r != target {
                    for k in word..words {
                        matrix.swap(r * words + k, target * words + k);
                    }
                }
                // Clear column j from the earlier pivots (all rows before `target`).
                let (head, tail) = matrix.split_at_mut(target * words);
                let new = &tail[word..words];
                for &p in at.iter().filter(|&&p| p != usize::MAX) {
                    let row = &mut head[p * words + word..p * words + words];
                    if (row[0] >> shift) >> j & 1 == 1 {
                        for (t, &s) in row.iter_mut().zip(new) {
                            *t ^= s;
                        }
                    }
                }
                at[j] = target;
                mask |= 1 << j;
                found += 1;
            }
            if found == 0 {
                continue;
            }
            // For each byte of the block, every combination of its pivots by the bits it
            // clears: entry x is entry x without its lowest bit, plus the pivot of that bit
            // (nothing for a column without one).
            // Every entry but the first (no pivots: zero) is written from earlier ones, so only
            // the first is cleared; clearing the whole table doubled its writes (512 KiB a
            // block for 4096×4096).
            let size = BLOCK_BYTES * 256 * width;
            if table.len() < size {
                table.resize(size, 0);
            }
            for (byte, part) in table[..size].chunks_exact_mut(256 * width).enumerate() {
                part[..width].fill(0);
                for x in 1..256usize {
                    let low = x.trailing_zeros() as usize;
                    let (done, rest) = part.split_at_mut(x * width);
                    let entry = &mut rest[..width];
                    entry.copy_from_slice(&done[(x & (x - 1)) * width..][..width]);
                    let p = at[8 * byte + low];
                    if p != usize::MAX {
                        let source = &matrix[p * words + word..p * words + words];
                        for (t, &s) in entry.iter_mut().zip(source) {
                            *t ^= s;
                        }
                    }
                }
            }
            let (t0, rest) = table.split_at(256 * width);
            let (t1, rest) = rest.split_at(256 * width);
            let (t2, t3) = rest.split_at(256 * width);
            for row in matrix[(rank + found) * words..].chunks_exact_mut(words) {
                let x = pattern(row);
                if x == 0 {
                    continue;
                }
                let at = |b: usize| ((x >> (8 * b)) & 0xFF) * width;
                let (a0, a1, a2, a3) = (at(0), at(1), at(2), at(3));
                let (e0, e1) = (&t0[a0..a0 + width], &t1[a1..a1 + width]);
                let (e2, e3) = (&t2[a2..a2 + width], &t3[a3..a3 + width]);
                for ((((t, &a), &b), &c), &d) in row[word..].iter_mut().zip(e0).zip(e1).zip(e2).zip(e3) {
                    *t ^= a ^ b ^ c ^ d;
                }
            }
            rank += found;
        }
        rank
    }
}

/// P(deficiency = d) for a random n×n matrix over GF(2), d = 0 ..= min(n, 64).
fn deficiency_law(n: u32) -> Vec<f64> {
    let n = n as usize;
    let ln2 = std::f64::consts::LN_2;
    // tail[j] = Σ_{k=j}^{n} ln (1 − 2^{−k}), summed from the smallest terms up (they vanish in
    // doubles past k ≈ 1075). The product over i < r is 2 Σ_{k=d+1}^{n} − Σ_{k=1}^{r} in these
    // terms, so the law costs O(n) instead of O(64 n) logarithms.
    let mut tail = vec![0.0f64; n + 2];
    for k in (1..=n).rev() {
        tail[k] = tail[k + 1] + (-(-(k as f64) * ln2).exp()).ln_1p();
    }
    (0..=n.min(LAW_DEFICIENCIES))
        .map(|d| {
            let r = n - d;
            let ln_p = -((d * d) as f64) * ln2 + 2.0 * tail[d + 1] - (tail[1] - tail[r + 1]);
            ln_p.exp()
        })
        .collect()
}

/// The χ² over rank classes (full, n−1, n−2, ≤ n−3), the rarest pooled into their neighbour
/// until each expects [`MIN_EXPECTED`]; `None` when fewer than two classes would be left.
fn class_chi_square(
    deficiencies: &BTreeMap<u32, u64>,
    matrices: u64,
    law: &[f64],
) -> Option<ClassChiSquare> {
    let mut probabilities: Vec<f64> = law.iter().take(3).copied().collect();
    // The last class is summed directly, not taken as 1 minus the others.
    probabilities.push(law.iter().skip(3).sum());
    let mut observed = [0u64; 4];
    for (&d, &count) in deficiencies {
        observed[(d as usize).min(3)] += count;
    }
    let mut observed = observed[..probabilities.len()].to_vec();
    let m = matrices as f64;
    while probabilities.len() > 1 && probabilities.last().expect("non-empty") * m < MIN_EXPECTED {
        let p = probabilities.pop().expect("non-empty");
        let o = observed.pop().expect("non-empty");
        *probabilities.last_mut().expect("non-empty") += p;
        *observed.last_mut().expect("non-empty") += o;
    }
    if probabilities.len() < 2 || probabilities.iter().any(|&p| p * m < MIN_EXPECTED) {
        return None;
    }
    let statistic: f64 = probabilities
        .iter()
        .zip(&observed)
        .map(|(&p, &o)| {
            let expected = p * m;
            (o as f64 - expected).powi(2) / expected
        })
        .sum();
    let df = probabilities.len() - 1;
    let p = chi_square::upper_tail(statistic, df as f64);
    Some(ClassChiSquare {
        statistic,
        df,
        p,
        probabilities,
        observed,
    })
}

/// A χ² over pooled rank classes: the statistic, its degrees of freedom and asymptotic p-value,
/// and the classes' probabilities and counts.
struct ClassChiSquare {
    statistic: f64,
    df: usize,
    p: f64,
    probabilities: Vec<f64>,
    observed: Vec<u64>,
}

/// χ² values closer than this (relative) are taken as equal in [`exact_chi_square_p`]: the
/// statistic's distinct values differ by far more, and rounding by far less.
const TIE: f64 = 1e-9;

/// The exact p-value of the χ² statistic over three classes, randomized within its atom:
/// P(X² > x) + u · P(X² = x) under the multinomial law of `m` matrices over the classes, by
/// summing the probability of every outcome (n₀, n₁, m − n₀ − n₁) directly (both terms are
/// sums of small terms, so tiny p-values keep their digits). Uniform under randomness when u is
/// uniform and independent of the counts. About m²/2 terms: used below a few thousand matrices.
fn exact_chi_square_p(probabilities: &[f64; 3], observed: &[u64; 3], u: f64) -> f64 {
    let m: u64 = observed.iter().sum();
    let mf = m as f64;
    let chi = |counts: [u64; 3]| -> f64 {
        counts
            .iter()
            .zip(probabilities)
            .map(|(&o, &p)| (o as f64 - p * mf).powi(2) / (p * mf))
            .sum()
    };
    let x = chi(*observed);
    let tolerance = TIE * x.max(1.0);
    // ln k! for k = 0..=m.
    let mut ln_factorial = vec![0.0f64; m as usize + 1];
    for k in 1..=m as usize {
        ln_factorial[k] = ln_factorial[k - 1] + (k as f64).ln();
    }
    let ln_p = probabilities.map(f64::ln);
    let (mut beyond, mut at) = (0.0f64, 0.0f64);
    for n0 in 0..=m {
        for n1 in 0..=m - n0 {
            let n2 = m - n0 - n1;
            let value = chi([n0, n1, n2]);
            if value < x - tolerance {
                continue;
            }
            let ln_mass = ln_factorial[m as usize]
                - ln_factorial[n0 as usize]
                - ln_factorial[n1 as usize]
                - ln_factorial[n2 as usize]
                + n0 as f64 * ln_p[0]
                + n1 as f64 * ln_p[1]
                + n2 as f64 * ln_p[2];
            if value > x + tolerance {
                beyond += ln_mass.exp();
            } else {
                at += ln_mass.exp();
            }
        }
    }
    (beyond + u * at).min(1.0)
}

/// P(the largest deficiency among `matrices` random matrices is at least `worst`):
/// 1 − (1 − P(d ≥ worst))^m, computed so that tiny values keep their digits.
fn max_deficiency_p(worst: u32, matrices: u64, law: &[f64]) -> f64 {
    let tail: f64 = law.iter().skip(worst as usize).sum();
    crate::stats::sidak::sidak(tail, matrices)
}

/// The exact two-sided p-value of a total deficiency `total` over `matrices` matrices, from
/// the m-fold convolution of `law`, randomized within its atom by `u` in [0, 1):
/// q = P(D > total) + u · P(D = total) is uniform under randomness, and so is 2 · min(q, 1 − q).
fn total_deficiency_p(total: u64, matrices: u64, law: &[f64], u: f64) -> f64 {
    // Under the law (truncated at LAW_DEFICIENCIES) no total beyond this has any mass, and the
    // cap bounds the work on absurd totals (constant streams).
    let top = total.min(matrices * (law.len() as u64 - 1) + 1) as usize;
    let beyond = top + 1;
    // distribution[t] = P(D = t) for t ≤ top, distribution[beyond] = P(D > top): sums that pass
    // the observed total stay in one bucket, so both tails are sums of small terms.
    let mut distribution = vec![0.0f64; beyond + 1];
    distribution[0] = 1.0;
    for _ in 0..matrices {
        let mut next = vec![0.0f64; beyond + 1];
        next[beyond] = distribution[beyond];
        for (t, &p) in distribution[..beyond].iter().enumerate() {
            if p == 0.0 {
                continue;
            }
            for (d, &q) in law.iter().enumerate() {
                next[(t + d).min(beyond)] += p * q;
            }
        }
        distribution = next;
    }
    let at = distribution[top];
    let upper = distribution[beyond] + u * at;
    let lower: f64 = distribution[..top].iter().sum::<f64>() + (1.0 - u) * at;
    (2.0 * lower.min(upper)).min(1.0)
}

/// splitmix64's finalizer: spreads a matrix's folded words over all 64 bits.
fn finalize(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::battery::run_chunked;
    use rand::{Rng, SeedableRng};

    /// Every n×n matrix over GF(2) for n = 1..=4, ranked by the test's elimination: the counts
    /// by rank, over 2^{n²}, are the law's probabilities, computed from the product formula on
    /// one side and by enumeration on the other.
    #[test]
    fn law_matches_enumeration_of_small_matrices() {
        for n in 1..=4usize {
            let mut by_deficiency = vec![0u64; n + 1];
            for bits in 0u64..1 << (n * n) {
                let mut rows: Vec<u64> =
                    (0..n).map(|i| (bits >> (i * n)) & ((1 << n) - 1)).collect();
                let mut copy = rows.clone();
                let r = rank(&mut rows, n, 1, n);
                assert_eq!(rank_of_words(&mut copy), r);
                by_deficiency[n - r] += 1;
            }
            let law = deficiency_law(n as u32);
            let total = (1u64 << (n * n)) as f64;
            for (d, &count) in by_deficiency.iter().enumerate() {
                let expected = count as f64 / total;
                assert!(
                    (law[d] - expected).abs() <= 1e-14,
                    "n = {n}, d = {d}: law {} against {expected}",
                    law[d]
                );
            }
        }
        // |GL(3, 2)| = 168 and |GL(4, 2)| = 20160: the invertible matrices.
        assert!((deficiency_law(3)[0] - 168.0 / 512.0).abs() < 1e-15);
        assert!((deficiency_law(4)[0] - 20160.0 / 65536.0).abs() < 1e-15);
    }

    /// The law for large n tends to the limits 0.2888, 0.5776, 0.1284, 0.0052 (SP 800-22 §2.5
    /// rounds them so for 32×32) and sums to 1.
    #[test]
    fn law_for_large_matrices() {
        for n in [32u32, 1024, 4096] {
            let law = deficiency_law(n);
            assert!((law.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            assert!((law[0] - 0.2888).abs() < 1e-4, "{}", law[0]);
            assert!((law[1] - 0.5776).abs() < 1e-4, "{}", law[1]);
            assert!((law[2] - 0.1284).abs() < 1e-4, "{}", law[2]);
        }
    }

    #[test]
    fn rank_of_known_matrices() {
        let mut identity: Vec<u64> = (0..64).map(|i| 1u64 << i).collect();
        assert_eq!(rank(&mut identity, 64, 1, 64), 64);
        // 128×128: the identity with row 5 replaced by row 3 xor row 7.
        let mut matrix = vec![0u64; 256];
        for i in 0..128 {
            matrix[2 * i + i / 64] = 1 << (i % 64);
        }
        matrix[10] = (1 << 3) | (1 << 7);
        matrix[11] = 0;
        let mut copy = matrix.clone();
        assert_eq!(rank(&mut matrix, 128, 2, 128), 127);
        assert_eq!(rank_of_rows::<2>(&mut copy), 127);
        // Random 256×256 and 1024×1024 matrices: the fixed-width ranks agree with the general one.
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
        for (n, words) in [(256usize, 4usize), (1024, 16)] {
            for _ in 0..4 {
                let mut matrix: Vec<u64> = (0..n * words).map(|_| rng.next_u64()).collect();
                // Make some rows dependent, so that the ranks are not all full or n − 1.
                for r in 0..3 {
                    let (a, b) = matrix.split_at_mut((n - 1 - r) * words);
                    b[..words].copy_from_slice(&a[r * words..(r + 1) * words]);
                }
                let mut copy = matrix.clone();
                let expected = rank(&mut matrix, n, words, n);
                let got = if words == 4 {
                    rank_of_rows::<4>(&mut copy)
                } else {
                    rank_of_rows::<16>(&mut copy)
                };
                assert_eq!(got, expected, "{n}x{n}");
                assert!(expected <= n - 3);
            }
        }
    }

    /// The method of four Russians against the plain elimination, on random matrices made
    /// deficient by copying and combining rows, and on matrices with whole blocks of columns
    /// without a pivot; both compiled variants.
    #[test]
    fn four_russians_agrees_with_plain_elimination() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(8);
        let mut table = Vec::new();
        for n in [64usize, 128, 256, 512, 1024] {
            let words = n / 64;
            for case in 0..6 {
                let mut matrix: Vec<u64> = (0..n * words).map(|_| rng.next_u64()).collect();
                // Case c makes c rows combinations of others.
                for r in 0..case {
                    let (a, b) = matrix.split_at_mut((n - 1 - r) * words);
                    for k in 0..words {
                        b[k] = a[r * words + k] ^ a[(r + 1) * words + k];
                    }
                }
                if case == 5 {
                    // Columns 32..96 zero in every row: blocks with no pivot at all.
                    for row in matrix.chunks_exact_mut(words) {
                        row[0] &= u64::from(u32::MAX);
                        if words > 1 {
                            row[1] &= !u64::from(u32::MAX);
                        }
                    }
                }
                let expected = rank(&mut matrix.clone(), n, words, n);
                let portable = four_russians::portable(&mut matrix.clone(), words, &mut table);
                assert_eq!(portable, expected, "{n}x{n}, case {case}");
                if fast_x86() {
                    // SAFETY: fast_x86() said the CPU has the features `fast` is built with.
                    let fast =
                        unsafe { four_russians::fast(&mut matrix.clone(), words, &mut table) };
                    assert_eq!(fast, expected, "{n}x{n}, case {case}");
                }
                if case > 0 && case < 5 {
                    assert!(expected <= n - case, "{n}x{n}, case {case}: {expected}");
                }
            }
        }
        let mut identity = vec![0u64; 256 * 4];
        for i in 0..256 {
            identity[4 * i + i / 64] = 1 << (i % 64);
        }
        assert_eq!(four_russians::portable(&mut identity, 4, &mut table), 256);
    }

    /// The exact χ² p-value over three classes against a direct enumeration of every outcome
    /// in mpmath (40 digits; ties within 1e-20): probabilities (0.3, 0.5, 0.2), u = 0 giving
    /// P(X² > x) and u = 1 giving P(X² ≥ x).
    #[test]
    fn exact_chi_square_known_values() {
        let p = [0.3, 0.5, 0.2];
        let cases = [
            ([5u64, 0, 0], 0.00032, 0.00515),
            ([20, 35, 9], 0.475995105206976, 0.4832218348266694),
            // (1, 3, 1) ties (2, 2, 1) at the smallest value: P(X² ≥ x) = 1.
            ([1, 3, 1], 0.715, 1.0),
        ];
        for (observed, beyond, at_least) in cases {
            let low = exact_chi_square_p(&p, &observed, 0.0);
            let high = exact_chi_square_p(&p, &observed, 1.0);
            assert!(
                (low - beyond).abs() < 1e-12,
                "{observed:?}: {low} against {beyond}"
            );
            assert!(
                (high - at_least).abs() < 1e-12,
                "{observed:?}: {high} against {at_least}"
            );
        }
    }

    /// The exact total-deficiency p-value on one and two matrices, at both ends of its atom.
    #[test]
    fn exact_tails_on_few_matrices() {
        let law = deficiency_law(1024);
        let at_least_3: f64 = law[3..].iter().sum();
        let at_least_4: f64 = law[4..].iter().sum();
        assert!((total_deficiency_p(3, 1, &law, 1.0) - 2.0 * at_least_3).abs() < 1e-15);
        assert!((total_deficiency_p(3, 1, &law, 0.0) - 2.0 * at_least_4).abs() < 1e-15);
        // Full rank: the lower tail P(D < 0) + (1 − u) P(D = 0).
        assert!((total_deficiency_p(0, 1, &law, 0.0) - 2.0 * law[0]).abs() < 1e-15);
        assert_eq!(total_deficiency_p(0, 1, &law, 1.0), 0.0);
        // Two matrices, total 2, u = 1: q = P(D ≥ 2) = 1 − P(0,0) − 2 P(0,1), 1 − q the rest.
        let lower = law[0] * law[0] + 2.0 * law[0] * law[1];
        let upper = 1.0 - lower;
        let p = total_deficiency_p(2, 2, &law, 1.0);
        assert!((p - 2.0 * lower.min(upper)).abs() < 1e-12);
        // Absurd totals are capped, and their p-value is 0.
        assert_eq!(total_deficiency_p(1 << 40, 3, &law, 0.5), 0.0);
    }

    /// On random matrices the randomized p-value is uniform: its mean over many small batches
    /// is near 1/2 and no tenth of [0, 1] is far from its share.
    #[test]
    fn exact_test_is_uniform_on_random_data() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(77);
        let mut bins = [0u32; 10];
        let runs = 400;
        for _ in 0..runs {
            let mut data = vec![0u8; 3 * 8192];
            rng.fill_bytes(&mut data);
            let outcomes = run_chunked(&TEST, 256, &data, 8192);
            let p = by_label(&outcomes, "256x256");
            bins[((p * 10.0) as usize).min(9)] += 1;
        }
        for (bin, &count) in bins.iter().enumerate() {
            assert!(
                (15..=70).contains(&count),
                "bin {bin}: {count} of {runs}: {bins:?}"
            );
        }
    }

    fn xorshift32_bytes(len: usize) -> Vec<u8> {
        let mut state: u32 = 2_463_534_242;
        let mut out = Vec::with_capacity(len);
        while out.len() < len {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            out.extend_from_slice(&state.to_le_bytes());
        }
        out.truncate(len);
        out
    }

    fn by_label(outcomes: &[Outcome], label: &str) -> f64 {
        outcomes
            .iter()
            .find(|o| o.label == label)
            .and_then(Outcome::p_value)
            .unwrap_or_else(|| panic!("{label}: {outcomes:?}"))
    }

    /// The schedule by hand: every matrix of the first 2^h, then 2^h evenly spaced in every
    /// g-th doubling; and the count of ranked matrices follows from the stream's length alone.
    #[test]
    fn matrices_are_ranked_on_the_schedule() {
        let listed = |n: u32, below: u64| -> Vec<u64> {
            (0..below).filter(|&index| ranked(n, index)).collect()
        };
        // 4096×4096, (h, g) = (0, 4): index 0, then 8 in [8, 16), 128 in [128, 256), ...
        assert_eq!(listed(4096, 3000), [0, 8, 128, 2048]);
        // 2048×2048, (0, 3): 0, then 4, 32, 256.
        assert_eq!(listed(2048, 512), [0, 4, 32, 256]);
        // 1024×1024, (1, 2): 0 and 1, then two in [4, 8), two in [16, 32), ...
        assert_eq!(listed(1024, 64), [0, 1, 4, 6, 16, 24]);
        // 32×32, (9, 1): the first 512, then 512 in every doubling.
        assert_eq!(listed(32, 1 << 12).len(), 512 + 512 + 512 + 512);
        assert!(ranked(32, 1024) && !ranked(32, 1025) && ranked(32, 1026));

        let bytes = (3 << 20) + 5000;
        let mut data = vec![0u8; bytes];
        rand_chacha::ChaCha20Rng::seed_from_u64(5).fill_bytes(&mut data);
        let mut state = (TEST.start)(&Setup::new(256, None));
        state.update(&data);
        let outcomes = state.finish();
        for n in [32u32, 64, 128, 512, 1024] {
            let complete = bytes as u64 / matrix_bytes(n);
            let expected = listed(n, complete).len() as f64;
            let label = format!("{n}x{n}");
            let outcome = outcomes.iter().find(|o| o.label == label).expect("a size");
            let figures = &outcome.result.as_ref().expect("measured").figures;
            assert_eq!(figures[0].name, "matrices");
            assert_eq!(figures[0].value, expected, "{label}");
        }
    }

    /// xorshift32's state is one 32-bit word and every output a linear image of it: 32
    /// consecutive outputs are always independent (its recurrence has degree 32), so every
    /// 32×32 matrix is invertible, and a 64×64 one has rank at most 32. Four KiB (32 matrices)
    /// are enough to fail 32×32.
    #[test]
    fn xorshift32_fails_within_four_kib() {
        let outcomes = run_chunked(&TEST, 256, &xorshift32_bytes(4096), 4096);
        let p = by_label(&outcomes, "32x32");
        assert!(p < 1e-10, "32x32: p = {p}");
        let p = by_label(&outcomes, "64x64");
        assert!(p < 1e-10, "64x64: p = {p}");
    }

    #[test]
    fn chacha20_passes() {
        let mut data = vec![0u8; 1 << 20];
        rand_chacha::ChaCha20Rng::seed_from_u64(20).fill_bytes(&mut data);
        let outcomes = run_chunked(&TEST, 256, &data, 65_536);
        let labels: Vec<&str> = outcomes.iter().map(|o| o.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "32x32",
                "64x64",
                "128x128",
                "256x256",
                "512x512",
                "1024x1024",
                "2048x2048"
            ]
        );
        for outcome in &outcomes {
            let p = outcome.p_value().expect("measured");
            assert!(p > 1e-3, "{}: p = {p}", outcome.label);
        }
    }

    #[test]
    fn short_streams_skip_sizes_with_no_matrix() {
        let outcomes = run_chunked(&TEST, 256, &[7u8; 1000], 100);
        assert!(outcomes[0].p_value().is_some());
        assert!(outcomes[1].p_value().is_some());
        let skipped = outcomes[2]
            .result
            .as_ref()
            .expect_err("128x128 needs 2048 bytes");
        assert!(skipped.contains("needs 2048 bytes"), "{skipped}");
        assert_eq!(outcomes.len(), 6);
        // Unknown length: every size up to the largest, the long ones skipped.
        let mut state = (TEST.start)(&Setup::new(256, None));
        state.update(&[1u8; 100]);
        let outcomes = state.finish();
        assert_eq!(outcomes.last().expect("sizes").label, "4096x4096");
    }
}

#[cfg(test)]
mod timing {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// Seconds per size on 256 MiB: `cargo test --release --lib brank::timing -- --ignored
    /// --nocapture`.
    #[test]
    #[ignore]
    fn seconds_per_size() {
        let mut data = vec![0u8; 256 << 20];
        rand_chacha::ChaCha8Rng::seed_from_u64(1).fill_bytes(&mut data);
        for n in sizes(Some(data.len() as u64)) {
            let mut size = SizeState {
                n,
                matrix: 0,
                filled: 0,
                pending: Vec::new(),
                deficiencies: BTreeMap::new(),
                hash: 0,
                scratch: Vec::new(),
                table: Vec::new(),
                law: std::sync::OnceLock::new(),
            };
            let start = std::time::Instant::now();
            for chunk in data.chunks(1 << 16) {
                size.update(chunk);
            }
            let seconds = start.elapsed().as_secs_f64();
            let ranked: u64 = size.deficiencies.values().sum();
            println!(
                "{n}x{n}: {ranked} matrices, {seconds:.3} s, {:.1} µs a matrix",
                1e6 * seconds / ranked as f64
            );
        }
    }
}
