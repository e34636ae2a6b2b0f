//! Second differences of words at power-of-two lags: the lattice of a linear congruential
//! generator with a power-of-two modulus, which PractRand's `TMFn` also looks for (this is a
//! statistic of its own, not a port).
//!
//! What the test sees: the stream as little-endian words of 16, 32 and 64 bits, and for each
//! word size and each lag L = 2^k words (k = 0, 1, ... while the lag is at most
//! [`MAX_LAG_BYTES`] bytes) the second differences d_i = w_{i+2L} − 2·w_{i+L} + w_i modulo the
//! word size. It histograms the low 8 bits of d_i (256 cells) and computes Pearson's χ² against
//! the uniform law. The low 8 bits of a wrapping difference depend only on the low 8 bits of
//! the words, which are the words' first bytes, so the test reads one byte per word.
//!
//! Why it catches power-of-two LCGs: for x_{n+1} = a·x_n + c mod 2^m with a ≡ 1 mod 4,
//! a^{2^k} ≡ 1 mod 2^{k+2}, and the second difference at lag L = 2^k is
//! x_{i+2L} − 2x_{i+L} + x_i = (a^L − 1)²·x_i + (a^L − 1)·c_L, where 2^{2k+4} divides
//! (a^L − 1)²: its low 2k + 4 bits are one constant for every i. A generator that outputs the
//! top bits x >> s keeps that constant in the low 2k + 4 − s bits of the words' second
//! difference, up to the borrows from the dropped low bits (a few values). The MMIX LCG's top
//! 32 bits (s = 32) fail from k = 15 on (at k = 16 the low 4 bits take
//! at most 4 of their 16 values: a quarter of the cells); java.util.Random
//! (m = 48, s = 16) from k = 7 on. First differences have a coefficient divisible by 2^{k+2}
//! only, so they need lags 2^{k} with k ≥ 30 for the same generator and add nothing here.
//!
//! The law: for independent uniform words, the d_i at one lag are exactly independent and
//! uniform modulo 2^{bits}. Ordered by their newest index, d_i = w_{i+2L} + f(older words):
//! given every word before w_{i+2L} (which fixes d_1, ..., d_{i−1} and f), d_i is a uniform word
//! shifted by a constant, so uniform, whatever the earlier d's are. Their low 8 bits are then
//! independent and uniform over 256 cells, the histogram is multinomial, and the χ² is
//! asymptotically χ² with 255 degrees of freedom (Pearson 1900). A lag is measured once it has
//! [`MIN_SAMPLES`] = 20 · 256 differences (20 expected per cell); below that it is not
//! counted. Five per cell (Cochran's rule) is not enough this far in the tail: 10^6 multinomial
//! histograms of n samples in 256 equal cells (numpy 2.4, seed 12345, p from scipy's chi2.sf;
//! the figures are also in the commit message) gave, for p below 1e-3 / 1e-4 / 1e-5, 1118 / 128 / 15
//! at n = 5·256 (1.12, 1.28 and 1.5 times the nominal 1000 / 100 / 10), 1012 / 98 / 13 at
//! 10·256 and 996 / 96 / 8 at 20·256.
//!
//! Which differences are counted: those whose newest word starts in a counted block of
//! [`SAMPLE_BYTES`] = 64 KiB of the stream: every block of the first MiB ([`DENSE_BLOCKS`]),
//! and for blocks b in [D·2^(k−1), D·2^k) the multiples of 2^min(k, 6): every second block up
//! to 2 MiB, every fourth up to 4 MiB, ..., every 256th from 128 MiB on. The choice is by absolute
//! position only, so the counted differences are still independent and uniform (a subset
//! chosen without looking at the data), every lag keeps its exact law, and outcomes do not
//! depend on segment cuts or threads. The weak controls fail inside the first MiB (the MMIX
//! LCG's lag of 2^16 words needs 512 KiB of history); later data are a sample, at a 256th of the
//! cost per byte.
//!
//! Implementation: a lag of L bytes is one difference for every word size it is a lag of
//! (2, 4 or 8 bytes): the cell of the word at byte p is b_p − 2·b_{p−L} + b_{p−2L}, and a
//! size s counts the p ≡ 0 mod s. So each byte lag histograms the even positions once, in four
//! classes by p mod 8, and the sizes add the classes they count.
//!
//! Outcomes: one per word size, the smallest p-value over its measured lags with Šidák's
//! correction 1 − (1 − p_min)^m, labelled with the lag that gave it. Šidák is exact for
//! independent lags; the lags of one stream are dependent, and the ChaCha20 rejection rate
//! (measured in the tests below and in the commit message) is the check that the combination
//! holds its level.
//!
//! State and merging: the histograms (counts only), the last `2 · MAX_LAG_BYTES` bytes before
//! the next unread word (the *tail*, the oldest word of a difference lies at most that far
//! back) and the segment's first `2 · MAX_LAG_BYTES` bytes (the *front*). A segment counts only
//! differences whose three words all lie in it; merging with the following segment counts the
//! differences that straddle the boundary (newest word in the next segment's front, oldest in
//! this segment's tail), adds the next segment's histograms and takes its tail. Segments start
//! at multiples of 8 bytes (the alignment), so every word size's words start at the same
//! positions in every segment. The tail and front are saved as hex text, 4 MiB each at most.

use super::chunk::{dispatch, fast_x86, kernel};
use super::state::{Segment, Segmented};
use super::{needs_bytes, Chunk, Outcome, Test};

/// The `lag_differences` test's entry in the deep battery.
pub const TEST: Test = Test {
    name: "lag_differences",
    summary: "chi-square of the low 8 bits of second differences of 16/32/64-bit words at lags 2^k (power-of-two LCG lattices)",
    reference: "PractRand TMFn (idea); exact law: second differences of iid uniform words are iid uniform; Pearson chi-square",
    params: &[],
    applies_to: needs_bytes,
    start: |setup| {
        Segmented::start(setup, |setup| LagDifferences {
            only_word: setup.params.word_bits(),
            ..LagDifferences::new(setup.offset, MAX_LAG_BYTES)
        })
    },
    restore: Segmented::<LagDifferences>::restore,
};

/// The longest lag, in bytes: 2^18 32-bit words, 2^19 16-bit and 2^17 64-bit words. The MMIX
/// LCG's top 32 bits need 2^16 words (256 KiB); the longer lags are for generators with more
/// dropped bits, at a state of 4 MiB of history.
pub const MAX_LAG_BYTES: usize = 1 << 20;

/// Differences a lag needs before it is measured: 20 expected per cell.
pub const MIN_SAMPLES: u64 = 20 * 256;

/// Differences are counted by the block of [`SAMPLE_BYTES`] their newest word starts in.
pub const SAMPLE_BYTES: u64 = 1 << 16;
/// Every block below this index is counted (1 MiB of stream).
pub const DENSE_BLOCKS: u64 = 16;
/// Beyond [`DENSE_BLOCKS`], the stride between counted blocks doubles with the length up to
/// 2^LOG_MAX_STRIDE.
pub const LOG_MAX_STRIDE: u32 = 8;

/// Whether the differences whose newest word starts in block `block` (of [`SAMPLE_BYTES`],
/// numbered from the start of the stream) are counted: every block below D =
/// [`DENSE_BLOCKS`], and for blocks in [D·2^(k−1), D·2^k) the multiples of 2^min(k,
/// [`LOG_MAX_STRIDE`]).
fn counted(block: u64) -> bool {
    if block < DENSE_BLOCKS {
        return true;
    }
    let k = u64::BITS - (block / DENSE_BLOCKS).leading_zeros();
    block.is_multiple_of(1u64 << k.min(LOG_MAX_STRIDE))
}

/// The parts of the stream positions `start..end` whose block is counted.
fn scheduled(start: u64, end: u64) -> impl Iterator<Item = std::ops::Range<u64>> {
    let blocks = if start < end {
        start / SAMPLE_BYTES..(end - 1) / SAMPLE_BYTES + 1
    } else {
        0..0
    };
    blocks
        .filter(|&b| counted(b))
        .map(move |b| (b * SAMPLE_BYTES).max(start)..((b + 1) * SAMPLE_BYTES).min(end))
}

/// Word sizes in bytes, in the order of the outcomes, with their labels.
const SIZES: [(usize, &str); 3] = [(2, "16-bit"), (4, "32-bit"), (8, "64-bit")];

/// Bytes the state handles at once: the alignment, a whole word of every size.
const GROUP: usize = 8;

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct LagDifferences {
    max_lag: usize,
    /// The segment's first position in the stream, a multiple of [`GROUP`].
    offset: u64,
    /// Bytes of the segment before `window[0]`.
    window_start: u64,
    /// The stream from `window_start` on: at least `2 · max_lag` bytes before `done` (or all of
    /// the segment), then the bytes not yet handled.
    #[serde(with = "hex_bytes")]
    window: Vec<u8>,
    /// Bytes of the segment handled, a multiple of [`GROUP`].
    done: u64,
    /// The segment's first `2 · max_lag` bytes (all of them while it is shorter).
    #[serde(with = "hex_bytes")]
    front: Vec<u8>,
    /// Per word size, per lag 2^k words: the histogram of the low byte of the differences.
    counts: Vec<Vec<Vec<u64>>>,
    /// The word size `--word` narrowed the outcomes to, if any. The byte lags are shared by
    /// every word size, so the counting costs the same; only the outcomes are left out.
    #[serde(default)]
    only_word: Option<u32>,
}

/// Lags (in words) of a word size: 2^k words while at most `max_lag` bytes.
fn lags(size: usize, max_lag: usize) -> impl Iterator<Item = usize> {
    (0..usize::BITS)
        .map(|k| 1usize << k)
        .take_while(move |&lag| lag * size <= max_lag)
}

impl LagDifferences {
    fn new(offset: u64, max_lag: usize) -> Self {
        debug_assert!(max_lag.is_power_of_two() && max_lag >= GROUP);
        debug_assert!(offset.is_multiple_of(GROUP as u64));
        LagDifferences {
            max_lag,
            offset,
            window_start: 0,
            window: Vec::new(),
            done: 0,
            front: Vec::new(),
            counts: SIZES
                .iter()
                .map(|&(size, _)| lags(size, max_lag).map(|_| vec![0u64; 256]).collect())
                .collect(),
            only_word: None,
        }
    }

    fn history(&self) -> usize {
        2 * self.max_lag
    }

    /// Counts the differences whose newest word starts at a position in `from..to` of `bytes`
    /// (positions relative to the word grid, so `from` is a multiple of 8), for every word size
    /// and lag, where the rule `keep` (asked with the lag in bytes) allows it and the block of
    /// the stream position (`bytes[0]` is at stream position `at`) is counted.
    ///
    /// A lag of L bytes is the same difference for every word size it is a lag of: the word at
    /// byte p has the cell bytes[p] − 2·bytes[p − L] + bytes[p − 2L], and a word size s counts
    /// the positions p ≡ 0 mod s. So each byte lag histograms the even positions once, by
    /// p mod 8, and the 64-bit words take the class 0, the 32-bit ones the classes 0 and 4,
    /// the 16-bit ones all four.
    #[allow(clippy::too_many_arguments)]
    fn tally(
        counts: &mut [Vec<Vec<u64>>],
        max_lag: usize,
        bytes: &[u8],
        at: u64,
        from: usize,
        to: usize,
        keep: impl Fn(usize) -> std::ops::Range<usize>,
    ) {
        debug_assert!(at.is_multiple_of(GROUP as u64));
        for (m, lag) in (1..usize::BITS)
            .map(|m| (m, 1usize << m))
            .take_while(|&(_, l)| l <= max_lag)
        {
            let range = keep(lag);
            let (start, end) = (range.start.max(from), range.end.min(to));
            if start >= end {
                continue;
            }
            let mut parts = scheduled(at + start as u64, at + end as u64).peekable();
            if parts.peek().is_none() {
                // Nothing counted here (most of a long stream): no histograms to clear or add.
                continue;
            }
            // Per class p mod 8 = 0, 2, 4, 6: the histogram of the cells.
            let mut classes = [[0u32; 256]; 4];
            for part in parts {
                let (start, end) = ((part.start - at) as usize, (part.end - at) as usize);
                dispatch!(fast_x86(), histogram(bytes, start, end, lag, &mut classes));
            }
            let m = m as usize;
            for (size_index, &(size, _)) in SIZES.iter().enumerate() {
                if lag < size {
                    continue;
                }
                let hist = &mut counts[size_index][m - size.trailing_zeros() as usize];
                // Size 2: all classes; 4: classes 0 and 4; 8: class 0.
                let taken: &[usize] = match size {
                    2 => &[0, 1, 2, 3],
                    4 => &[0, 2],
                    _ => &[0],
                };
                for &class in taken {
                    for (cell, &count) in hist.iter_mut().zip(&classes[class]) {
                        *cell += u64::from(count);
                    }
                }
            }
        }
    }

    /// Whether no counted difference reads any of the next `take` bytes or the unhandled ones
    /// before them: they all lie before the history of the next counted block (a difference's
    /// oldest word is at most `history` bytes before its newest, which lies in a counted block).
    /// Past the first MiBs most of the stream is such (every 256th block is counted), and is
    /// neither copied nor kept.
    fn unread(&self, take: usize) -> bool {
        let unhandled = self.offset + self.done;
        let end = self.offset + self.window_start + (self.window.len() + take) as u64;
        let mut block = unhandled / SAMPLE_BYTES;
        while !counted(block) {
            block += 1;
        }
        end + self.history() as u64 <= block * SAMPLE_BYTES
    }

    /// Moves past bytes that [`Self::unread`] found no count reads: the window keeps only the
    /// unfinished group at their end.
    fn pass_over(&mut self, bytes: &[u8]) {
        let end = self.window_start + (self.window.len() + bytes.len()) as u64;
        let done = end - end % GROUP as u64;
        let keep = (end - done) as usize;
        if keep <= bytes.len() {
            self.window.clear();
            self.window.extend_from_slice(&bytes[bytes.len() - keep..]);
        } else {
            // The unfinished group began in the window (a piece shorter than a group).
            self.window.extend_from_slice(bytes);
            let from = self.window.len() - keep;
            self.window.drain(..from);
        }
        self.window_start = done;
        self.done = done;
    }

    /// Handles the whole groups in the window past `done`, then drops what no lag reaches.
    fn handle(&mut self) {
        let end = self.window_start + self.window.len() as u64;
        let to_segment = end - end % GROUP as u64;
        if to_segment > self.done {
            let base = self.window_start;
            let from = (self.done - base) as usize;
            let to = (to_segment - base) as usize;
            // A difference counts when its oldest word lies in the segment: position ≥ 2·lag.
            Self::tally(
                &mut self.counts,
                self.max_lag,
                &self.window,
                self.offset + base,
                from,
                to,
                |lag| {
                    let first = (2 * lag as u64).saturating_sub(base) as usize;
                    first..usize::MAX
                },
            );
            self.done = to_segment;
        }
        // Keep `history` bytes before `done`; drop the rest once as much again has piled up,
        // so each byte is moved about once.
        let keep_from = self.done.saturating_sub(self.history() as u64);
        // (After bytes passed over unread, the window may start later than that.)
        let droppable = keep_from.saturating_sub(self.window_start) as usize;
        if droppable >= self.history() {
            self.window.drain(..droppable);
            self.window_start = keep_from;
        }
    }
}

impl Segment for LagDifferences {
    const NAME: &'static str = "lag_differences";
    const VERSION: u32 = 2;

    fn alignment(&self) -> u64 {
        GROUP as u64
    }

    fn update(&mut self, chunk: &Chunk<'_>) {
        let mut rest = chunk.symbols();
        let missing = self
            .history()
            .saturating_sub(self.front.len())
            .min(rest.len());
        self.front.extend_from_slice(&rest[..missing]);
        // Pieces of at most the history, so the window stays below three histories.
        while !rest.is_empty() {
            let take = rest.len().min(self.history());
            if self.unread(take) {
                self.pass_over(&rest[..take]);
            } else {
                self.window.extend_from_slice(&rest[..take]);
                self.handle();
            }
            rest = &rest[take..];
        }
    }

    fn outcomes(self) -> Vec<Outcome> {
        self.snapshot_outcomes()
    }

    /// Reads the histograms only: no copy of the window or the front.
    fn snapshot_outcomes(&self) -> Vec<Outcome> {
        SIZES
            .iter()
            .zip(&self.counts)
            .map(|(&(size, label), per_lag)| {
                let bits = 8 * size as u32;
                if let Some(only) = self.only_word.filter(|&only| only != bits) {
                    return crate::battery::lane_left_out(TEST.name, label, bits, only);
                }
                let mut measured = 0u64;
                // (p, χ², lag in words, samples) of the smallest p-value, the shorter lag on ties.
                let mut worst: Option<(f64, f64, usize, u64)> = None;
                for (lag, hist) in lags(size, self.max_lag).zip(per_lag) {
                    let samples: u64 = hist.iter().sum();
                    if samples < MIN_SAMPLES {
                        continue;
                    }
                    measured += 1;
                    let chi2 = chi_square(hist, samples);
                    let p = crate::stats::chi_square::upper_tail(chi2, 255.0);
                    if worst.is_none_or(|(worst_p, ..)| p < worst_p) {
                        worst = Some((p, chi2, lag, samples));
                    }
                }
                let Some((p, chi2, lag, samples)) = worst else {
                    // The shortest lag (one word) needs 2 words of history and MIN_SAMPLES more.
                    let needs = (MIN_SAMPLES + 2) * size as u64;
                    return Outcome::skipped(
                        TEST.name,
                        format!(
                            "needs {needs} bytes for {MIN_SAMPLES} second differences of {label} words"
                        ),
                    )
                    .with_label(label);
                };
                // Šidák over the measured lags: 1 − (1 − p_min)^m, accurate for tiny p.
                let combined = crate::stats::sidak::sidak(p, measured);
                Outcome::measured(TEST.name, chi2, combined)
                    .with_figure("lag_words", lag as f64)
                    .with_figure("samples", samples as f64)
                    .with_figure("lags_tested", measured as f64)
                    .with_label(label)
            })
            .collect()
    }

    fn absorb(&mut self, next: Self) {
        debug_assert_eq!(self.done, self.window_start + self.window.len() as u64);
        debug_assert_eq!(self.done % GROUP as u64, 0);
        debug_assert_eq!(self.offset + self.done, next.offset);
        let own = self.done;
        // The straddling differences: newest word at position p < 2·lag of `next`, oldest at
        // p − 2·lag ≥ −own, on this segment's tail followed by next's front.
        let front_whole = next.done.min(next.front.len() as u64) as usize;
        let mut joined = std::mem::take(&mut self.window);
        let tail = joined.len();
        joined.extend_from_slice(&next.front[..front_whole]);
        Self::tally(
            &mut self.counts,
            self.max_lag,
            &joined,
            self.offset + self.window_start,
            tail,
            tail + front_whole,
            // In `joined`, next's position p is tail + p; the tail holds all of this segment
            // or at least the history, so the oldest word lies in it when tail + p ≥ 2·lag.
            |lag| tail.max(2 * lag)..tail + 2 * lag,
        );
        for (mine, theirs) in self.counts.iter_mut().zip(&next.counts) {
            for (mine, theirs) in mine.iter_mut().zip(theirs) {
                for (mine, theirs) in mine.iter_mut().zip(theirs) {
                    *mine += theirs;
                }
            }
        }
        let missing = self.history().saturating_sub(self.front.len());
        let take = missing.min(next.front.len());
        self.front.extend_from_slice(&next.front[..take]);
        if next.window_start == 0 {
            // Next's window is all of it: it follows this segment's tail.
            joined.truncate(tail);
            joined.extend_from_slice(&next.window);
            self.window = joined;
        } else {
            self.window = next.window;
            self.window_start = own + next.window_start;
        }
        self.done = own + next.done;
        // Drop what no lag reaches any more.
        self.handle();
    }
}

kernel! {
    /// Adds the cells bytes[p] − 2·bytes[p − lag] + bytes[p − 2·lag] of the even positions p in
    /// `start..end` (start even, at least 2·lag) to `classes[(p mod 8) / 2]`.
    histogram(bytes: &[u8], start: usize, end: usize, lag: usize, classes: &mut [[u32; 256]; 4]) {
        let cell = |p: usize| {
            bytes[p]
                .wrapping_sub(bytes[p - lag].wrapping_mul(2))
                .wrapping_add(bytes[p - 2 * lag])
        };
        let mut p = start;
        while p < end && !p.is_multiple_of(8) {
            classes[(p % 8) / 2][usize::from(cell(p))] += 1;
            p += 2;
        }
        let whole = p + (end.saturating_sub(p)) / 8 * 8;
        if p < whole {
            let newest = &bytes[p..whole];
            let middle = &bytes[p - lag..whole - lag];
            let oldest = &bytes[p - 2 * lag..whole - 2 * lag];
            let [c0, c2, c4, c6] = classes;
            // The four even bytes of 8 at once, each in a 16-bit lane of a u64: a − 2b + c +
            // 512 lies in [2, 1022] per lane, so nothing borrows or carries between lanes, and
            // each lane's low byte is the cell (a − 2b + c mod 256).
            const EVEN: u64 = 0x00FF_00FF_00FF_00FF;
            const BIAS: u64 = 0x0200_0200_0200_0200;
            let word = |eight: &[u8]| u64::from_le_bytes(eight.try_into().expect("8 bytes")) & EVEN;
            for ((a, b), c) in newest
                .chunks_exact(8)
                .zip(middle.chunks_exact(8))
                .zip(oldest.chunks_exact(8))
            {
                let d = (word(a) + BIAS + word(c)) - 2 * word(b);
                c0[(d & 0xFF) as usize] += 1;
                c2[((d >> 16) & 0xFF) as usize] += 1;
                c4[((d >> 32) & 0xFF) as usize] += 1;
                c6[((d >> 48) & 0xFF) as usize] += 1;
            }
            p = whole;
        }
        while p < end {
            classes[(p % 8) / 2][usize::from(cell(p))] += 1;
            p += 2;
        }
    }
}

/// Pearson's χ² of a histogram against equal expected counts.
fn chi_square(hist: &[u64], samples: u64) -> f64 {
    let expected = samples as f64 / hist.len() as f64;
    hist.iter()
        .map(|&count| {
            let deviation = count as f64 - expected;
            deviation * deviation
        })
        .sum::<f64>()
        / expected
}

/// Serde for bytes as hex text: a JSON array of numbers would take about four characters a byte.
mod hex_bytes {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut text = String::with_capacity(2 * bytes.len());
        for &byte in bytes {
            text.push(char::from(DIGITS[usize::from(byte >> 4)]));
            text.push(char::from(DIGITS[usize::from(byte & 15)]));
        }
        serializer.serialize_str(&text)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        if !text.len().is_multiple_of(2) {
            return Err(D::Error::custom("hex text of odd length"));
        }
        let digit = |c: u8| -> Result<u8, D::Error> {
            match c {
                b'0'..=b'9' => Ok(c - b'0'),
                b'a'..=b'f' => Ok(c - b'a' + 10),
                _ => Err(D::Error::custom("not a lowercase hex digit")),
            }
        };
        text.as_bytes()
            .chunks_exact(2)
            .map(|pair| Ok(digit(pair[0])? << 4 | digit(pair[1])?))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::battery::{run_chunked, Setup, TestState};
    use crate::source::{weak, SymbolStream};
    use rand::{Rng, RngExt, SeedableRng};

    /// χ² and its upper tail on hand-made histograms; the values are exact fractions, and the
    /// tails are from mpmath 1.3 at 40 digits:
    /// `gammainc(mpf(255)/2, chi2/2, inf, regularized=True)`.
    #[test]
    fn known_answer() {
        let mut hist = vec![5u64; 256];
        hist[..16].fill(15);
        let chi2 = chi_square(&hist, 1440);
        assert!((chi2 - 800.0 / 3.0).abs() < 1e-9, "{chi2}");
        let p = crate::stats::chi_square::upper_tail(chi2, 255.0);
        assert!((p - 0.295_168_035_179_018_3).abs() < 1e-10, "{p}");
        let mut hist = vec![4u64; 256];
        hist[..32].fill(13);
        let chi2 = chi_square(&hist, 1312);
        assert!((chi2 - 18_144.0 / 41.0).abs() < 1e-9, "{chi2}");
        let p = crate::stats::chi_square::upper_tail(chi2, 255.0);
        assert!((p / 2.968_315_242_560_59e-12 - 1.0).abs() < 1e-8, "{p}");
    }

    /// The histograms of one pass over whole words, second differences computed on the words
    /// themselves (wrapping, at the word's width) and their low byte taken: checks that reading
    /// the first byte of each word is the same.
    fn reference(bytes: &[u8], max_lag: usize) -> Vec<Vec<Vec<u64>>> {
        SIZES
            .iter()
            .map(|&(size, _)| {
                let mask = if size == 8 {
                    u64::MAX
                } else {
                    (1u64 << (8 * size)) - 1
                };
                let words: Vec<u64> = bytes
                    .chunks_exact(size)
                    .take(bytes.len() / GROUP * GROUP / size)
                    .map(|w| {
                        let mut full = [0u8; 8];
                        full[..size].copy_from_slice(w);
                        u64::from_le_bytes(full)
                    })
                    .collect();
                lags(size, max_lag)
                    .map(|lag| {
                        let mut hist = vec![0u64; 256];
                        for i in 2 * lag..words.len() {
                            if !counted((i * size) as u64 / SAMPLE_BYTES) {
                                continue;
                            }
                            let d = words[i]
                                .wrapping_sub(words[i - lag].wrapping_mul(2))
                                .wrapping_add(words[i - 2 * lag])
                                & mask;
                            hist[(d & 0xFF) as usize] += 1;
                        }
                        hist
                    })
                    .collect()
            })
            .collect()
    }

    fn chacha_bytes(seed: u64, len: usize) -> Vec<u8> {
        let mut data = vec![0u8; len];
        rand_chacha::ChaCha20Rng::seed_from_u64(seed).fill_bytes(&mut data);
        data
    }

    /// The schedule: every block of the first MiB, then every second, fourth, ... by absolute
    /// index, every 256th from 128 MiB on.
    #[test]
    fn schedule_by_position() {
        assert!((0..DENSE_BLOCKS).all(counted));
        let kept: Vec<u64> = (16..24).filter(|&b| counted(b)).collect();
        assert_eq!(kept, [16, 18, 20, 22]);
        assert_eq!((1024..2048).filter(|&b| counted(b)).count(), 8);
        assert_eq!(
            (1 << 20..(1 << 20) + 1024).filter(|&b| counted(b)).count(),
            4
        );
        // 256 MiB: 16 blocks, then 8 in each doubling.
        assert_eq!((0..4096).filter(|&b| counted(b)).count(), 16 + 8 * 8);
        let parts: Vec<_> = scheduled(SAMPLE_BYTES * 16 + 8, SAMPLE_BYTES * 19 + 16).collect();
        assert_eq!(
            parts,
            [
                SAMPLE_BYTES * 16 + 8..SAMPLE_BYTES * 17,
                SAMPLE_BYTES * 18..SAMPLE_BYTES * 19
            ]
        );
    }

    /// One pass at a small longest lag (so the window is trimmed many times) counts what the
    /// word-by-word reference counts, in the dense first MiB and past it.
    #[test]
    fn counts_match_the_reference() {
        let data = chacha_bytes(4, 20_003);
        for max_lag in [8usize, 64, 1024] {
            let mut state = LagDifferences::new(0, max_lag);
            for piece in data.chunks(777) {
                state.update_symbols(piece);
            }
            assert_eq!(state.counts, reference(&data, max_lag), "max_lag {max_lag}");
            assert!(state.window.len() <= 3 * 2 * max_lag + GROUP);
        }
        // Past the dense blocks, at strides 2, 4 and 8: most bytes are passed over unread, in
        // pieces of every size.
        let data = chacha_bytes(5, (SAMPLE_BYTES * 80) as usize + 3);
        for (max_lag, piece) in [(4096, 300_001), (4096, 7), (64, 65_536)] {
            let mut state = LagDifferences::new(0, max_lag);
            for piece in data.chunks(piece) {
                state.update_symbols(piece);
            }
            assert_eq!(state.counts, reference(&data, max_lag), "{max_lag} {piece}");
        }
    }

    fn started(max_lag: usize, offset: u64, length: u64) -> Box<dyn TestState> {
        let setup = Setup {
            offset,
            ..Setup::new(256, Some(length))
        };
        Segmented::start(&setup, |setup| LagDifferences::new(setup.offset, max_lag))
    }

    /// Segments merged at small lags (segments shorter and longer than the history, cut
    /// inside words), left to right and right first, equal one pass: the registry-wide test's
    /// streams are shorter than the real history, so its trimming is checked here.
    #[test]
    fn merges_at_small_lags() {
        // A short stream, and one past the dense first MiB (cut where blocks are skipped).
        for (len, trials) in [
            (30_000, 40),
            ((SAMPLE_BYTES * 19) as usize + 100, 4),
            ((SAMPLE_BYTES * 70) as usize + 5, 4),
        ] {
            merges_at_small_lags_on(len, trials);
        }
    }

    fn merges_at_small_lags_on(len: usize, trials: usize) {
        let data = chacha_bytes(9, len);
        let length = data.len() as u64;
        let max_lag = 256;
        let one_pass = {
            let mut state = started(max_lag, 0, length);
            state.update(&data);
            crate::battery::exact(&state.finish())
        };
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
        for trial in 0..trials {
            let mut cuts: Vec<usize> = (0..rng.random_range(1..8))
                .map(|_| {
                    if rng.random_range(0..2) == 0 {
                        rng.random_range(0..data.len())
                    } else {
                        rng.random_range(0..2000)
                    }
                })
                .collect();
            cuts.extend([0, data.len()]);
            cuts.sort_unstable();
            cuts.dedup();
            let mut segments: Vec<Box<dyn TestState>> = cuts
                .windows(2)
                .map(|pair| {
                    let mut segment = started(max_lag, pair[0] as u64, length);
                    segment.update(&data[pair[0]..pair[1]]);
                    segment
                })
                .collect();
            while segments.len() > 1 {
                let at = if trial % 2 == 0 {
                    0
                } else {
                    rng.random_range(0..segments.len() - 1)
                };
                let next = segments.remove(at + 1);
                segments[at].merge(next).expect("merges");
            }
            let merged = segments.pop().expect("one");
            assert_eq!(
                crate::battery::exact(&merged.finish()),
                one_pass,
                "{cuts:?}"
            );
        }
    }

    fn stream_bytes(mut stream: Box<dyn SymbolStream>, len: usize) -> Vec<u8> {
        let mut data = vec![0u8; len];
        let mut at = 0;
        while at < len {
            at += stream.fill(&mut data[at..]).expect("a generator fills");
        }
        data
    }

    fn p_of(outcomes: &[Outcome], label: &str) -> f64 {
        outcomes
            .iter()
            .find(|o| o.label == label)
            .and_then(Outcome::p_value)
            .unwrap_or_else(|| panic!("{label} measured: {outcomes:?}"))
    }

    /// The power-of-two LCGs fail their 32-bit outcome well within PractRand's lengths (32 MiB
    /// for the MMIX LCG's top 32 bits, 512 KiB for java.util.Random); ChaCha20 passes.
    #[test]
    fn lcgs_fail_and_chacha20_passes() {
        let lcg = run_chunked(
            &TEST,
            256,
            &stream_bytes(weak::lcg64_top32(1), 1 << 20),
            65_536,
        );
        assert!(p_of(&lcg, "32-bit") < 1e-20, "{lcg:?}");
        let java = run_chunked(
            &TEST,
            256,
            &stream_bytes(weak::java_random(42), 64 << 10),
            4096,
        );
        assert!(p_of(&java, "32-bit") < 1e-20, "{java:?}");
        let chacha = run_chunked(&TEST, 256, &chacha_bytes(20, 1 << 20), 65_536);
        for label in ["16-bit", "32-bit", "64-bit"] {
            assert!(p_of(&chacha, label) > 1e-3, "{chacha:?}");
        }
    }

    /// Too short for a lag of one word: skipped with the length it needs.
    #[test]
    fn short_streams_are_skipped() {
        let outcomes = run_chunked(&TEST, 256, &chacha_bytes(1, 12_000), 100);
        assert!(outcomes[0].result.is_ok());
        assert_eq!(
            outcomes[1].result,
            Err("needs 20488 bytes for 5120 second differences of 32-bit words".into())
        );
    }

    /// Rejection rate at 1% over seeds: `cargo test --release --lib
    /// lag_differences::tests::chacha20_rejection_rate -- --ignored --nocapture`
    /// (LAG_SEEDS and LAG_BYTES override 200 seeds of 1 MiB).
    #[test]
    #[ignore]
    fn chacha20_rejection_rate() {
        let seeds: u64 = std::env::var("LAG_SEEDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(200);
        let bytes: usize = std::env::var("LAG_BYTES")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(1 << 20);
        let mut rejected = [0u32; 3];
        for seed in 0..seeds {
            let outcomes = run_chunked(&TEST, 256, &chacha_bytes(1000 + seed, bytes), 1 << 18);
            for (count, outcome) in rejected.iter_mut().zip(&outcomes) {
                if outcome.p_value().is_some_and(|p| p < 0.01) {
                    *count += 1;
                }
            }
        }
        println!("{seeds} seeds of {bytes} bytes: rejected at 1% (16/32/64-bit) {rejected:?}");
    }
}
