//! Overlapping windows of letters, counted for the transition χ² of [`crate::stats::markov`]:
//! the part that `weight_dependence`, `block_weights` and `mod3_tuples` share. Each of them
//! turns the stream into one or more sequences of letters (a weight class, a residue), and a
//! [`Lane`] counts the windows of `t` consecutive letters of one sequence.
//!
//! Sampling: counting a window costs one scattered increment, and a lane with a letter per
//! byte would cost more than the deep battery can spend on long streams. A lane is therefore
//! read in full over the first [`FULL_BYTES`] of the stream and, beyond, over the first
//! 1/2^shift of every stretch of [`STRETCH_BYTES`] ([`Schedule`]). The schedule is a function of
//! the absolute position in the stream, so it does not depend on chunks, segments or threads;
//! a letter outside it is a gap, and only windows of letters that are consecutive in the stream
//! and all sampled are counted. Under the null hypothesis the sampled runs are independent
//! stretches of the same iid sequence, and the transition χ² holds over any collection of such
//! runs (each counted window's last letter is still a fresh draw given everything before it).
//!
//! Merging: a lane keeps its counts, its last t − 1 letters (the context, as a radix-k number,
//! with how many of them are known) and its first t − 1 letter positions (the *front*, gaps
//! marked). Absorbing the lane of the following segment replays that segment's front through
//! this lane's context, which counts exactly the windows that straddle the boundary (the
//! following lane could not count them: its context was empty), then adds its counts and takes
//! its context.

use crate::stats::markov::{self, Transition};
use std::ops::Range;

/// A letter position outside the schedule, in a lane's front.
const GAP: u8 = u8::MAX;

/// Every lane is read in full over the stream's first 4 MiB (the weak controls' first failures
/// in the three tests that use it all lie within it: 256 KiB to 4 MiB).
pub const FULL_BYTES: u64 = 4 << 20;

/// Beyond [`FULL_BYTES`], a lane with shift s reads the first `STRETCH_BYTES >> s` bytes of
/// every stretch of this many bytes (stretches start at multiples of it).
pub const STRETCH_BYTES: u64 = 1 << 20;

/// Which bytes of the stream a lane reads: all of the first [`FULL_BYTES`], then the first
/// 1/2^shift of every stretch.
#[derive(Clone, Copy, Debug)]
pub struct Schedule {
    /// 0 reads everything.
    pub shift: u32,
}

impl Schedule {
    /// Splits the bytes `range` (absolute positions) into maximal pieces read or skipped, in
    /// order: `piece(range, read)`.
    pub fn pieces(self, range: Range<u64>, mut piece: impl FnMut(Range<u64>, bool)) {
        let mut at = range.start;
        if self.shift == 0 {
            if at < range.end {
                piece(range, true);
            }
            return;
        }
        let read_len = STRETCH_BYTES >> self.shift;
        while at < range.end {
            let (end, read) = if at < FULL_BYTES {
                (FULL_BYTES, true)
            } else {
                let stretch = at - at % STRETCH_BYTES;
                if at - stretch < read_len {
                    (stretch + read_len, true)
                } else {
                    (stretch + STRETCH_BYTES, false)
                }
            };
            let end = end.min(range.end);
            piece(at..end, read);
            at = end;
        }
    }

    /// The share of a long stream's bytes that is read.
    pub fn share(self) -> f64 {
        (-(self.shift as f64)).exp2()
    }
}

/// The windows of `t` consecutive letters (k values, k^t ≤ 2^16) of one sequence.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Lane {
    k: u32,
    t: u32,
    /// N(window), the window at index Σ x_i·k^(t−i), oldest letter most significant.
    counts: Vec<u64>,
    /// The last `known` letters as a radix-k number.
    context: u32,
    /// Letters at the end that are consecutive and read, at most t − 1.
    known: u32,
    /// Letter positions seen, read or not.
    positions: u64,
    /// The letters at the first t − 1 positions, [`GAP`] where not read.
    front: Vec<u8>,
}

impl Lane {
    /// An empty lane of windows of `t` letters from `k` values.
    pub fn new(k: u32, t: u32) -> Self {
        let cells = k.pow(t);
        assert!((2..GAP as u32).contains(&k) && t >= 2 && cells <= 1 << 16);
        Lane {
            k,
            t,
            counts: vec![0; cells as usize],
            context: 0,
            known: 0,
            positions: 0,
            front: Vec::new(),
        }
    }

    fn context_cells(&self) -> u32 {
        self.k.pow(self.t - 1)
    }

    /// One letter read.
    fn push(&mut self, letter: u8) {
        debug_assert!(u32::from(letter) < self.k);
        if self.positions < u64::from(self.t - 1) {
            self.front.push(letter);
        }
        self.positions += 1;
        let window = self.context * self.k + u32::from(letter);
        if self.known == self.t - 1 {
            self.counts[window as usize] += 1;
        } else {
            self.known += 1;
        }
        self.context = window % self.context_cells();
    }

    /// `n` letter positions not read: the context is lost.
    pub fn skip(&mut self, n: u64) {
        let missing = u64::from(self.t - 1).saturating_sub(self.positions).min(n);
        self.front
            .extend(std::iter::repeat_n(GAP, missing as usize));
        self.positions += n;
        self.known = 0;
        self.context = 0;
    }

    /// Letters read, consecutive in the stream and following the last position seen.
    pub fn run(&mut self, letters: &[u8]) {
        // The first t − 1 letter by letter (which fills the context); every later window lies
        // in `letters`.
        let slow = (self.t - 1) as usize;
        let (first, rest) = letters.split_at(slow.min(letters.len()));
        for &letter in first {
            self.push(letter);
        }
        if rest.is_empty() {
            return;
        }
        let windows = letters;
        match (self.k, self.t) {
            (3, 5) => count::<3, 5>(&mut self.counts, windows),
            (3, 6) => count::<3, 6>(&mut self.counts, windows),
            (4, 4) => count::<4, 4>(&mut self.counts, windows),
            (5, 4) => count::<5, 4>(&mut self.counts, windows),
            (5, 5) => count::<5, 5>(&mut self.counts, windows),
            _ => {
                for window in windows.windows(self.t as usize) {
                    let index = window
                        .iter()
                        .fold(0u32, |index, &x| index * self.k + u32::from(x));
                    self.counts[index as usize] += 1;
                }
            }
        }
        self.positions += rest.len() as u64;
        let tail = &letters[letters.len() + 1 - self.t as usize..];
        self.context = tail
            .iter()
            .fold(0u32, |index, &x| index * self.k + u32::from(x));
        self.known = self.t - 1;
    }

    /// Takes in the lane of the segment that follows this one's last position.
    pub fn absorb(&mut self, next: &Lane) {
        debug_assert_eq!((self.k, self.t), (next.k, next.t));
        for &letter in &next.front {
            if letter == GAP {
                self.skip(1);
            } else {
                self.push(letter);
            }
        }
        // The front is at most t − 1 positions; the rest of `next` is its own.
        let replayed = next.front.len() as u64;
        for (mine, theirs) in self.counts.iter_mut().zip(&next.counts) {
            *mine += theirs;
        }
        if next.positions > replayed {
            self.positions += next.positions - replayed;
            self.context = next.context;
            self.known = next.known;
        }
    }

    /// The transition χ² of the windows counted, against the letter law `probs`.
    pub fn fit(&self, probs: &[f64]) -> Transition {
        debug_assert_eq!(probs.len(), self.k as usize);
        markov::transition_chi_square(&self.counts, probs)
    }

    /// The windows counted.
    pub fn windows(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// N(window) by index Σ x_i·k^(t−i).
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// The window length t.
    pub fn length(&self) -> u32 {
        self.t
    }
}

/// Feeds `bytes`, whole units of `unit` bytes from the absolute position `at`, to `lane`: the
/// pieces `schedule` reads as the letters `letters` writes for their bytes (one per unit, into
/// a cleared `scratch`), the others as gaps.
pub fn feed(
    lane: &mut Lane,
    schedule: Schedule,
    at: u64,
    bytes: &[u8],
    unit: usize,
    scratch: &mut Vec<u8>,
    letters: impl Fn(&[u8], &mut Vec<u8>),
) {
    debug_assert!(bytes.len().is_multiple_of(unit));
    feed_units(
        lane,
        schedule,
        at,
        unit,
        bytes.len() / unit,
        scratch,
        |units, out| letters(&bytes[units.start * unit..units.end * unit], out),
    );
}

/// Feeds `n` units of `unit` bytes from the absolute position `at` to `lane`: the units
/// `schedule` reads as the letters `letters` writes for them (given their index range, into a
/// cleared `scratch`), the others as gaps.
pub fn feed_units(
    lane: &mut Lane,
    schedule: Schedule,
    at: u64,
    unit: usize,
    n: usize,
    scratch: &mut Vec<u8>,
    letters: impl Fn(Range<usize>, &mut Vec<u8>),
) {
    debug_assert!(at.is_multiple_of(unit as u64));
    let unit = unit as u64;
    schedule.pieces(at..at + n as u64 * unit, |range, read| {
        let units = ((range.start - at) / unit) as usize..((range.end - at) / unit) as usize;
        if read {
            scratch.clear();
            let len = units.len();
            letters(units, scratch);
            debug_assert_eq!(scratch.len(), len);
            lane.run(scratch);
        } else {
            lane.skip(units.len() as u64);
        }
    });
}

/// The letter law of a weight class: `cuts` are the first weights of classes 1, 2, ... of a
/// unit of `bits` uniform bits; `table[w]` is the class of weight w, `probs` the classes'
/// probabilities from the binomial law C(bits, w)/2^bits, exact sums for up to 52 bits.
pub fn weight_classes(bits: u32, cuts: &[u32]) -> (Vec<u8>, Vec<f64>) {
    assert!(bits <= 52);
    let table: Vec<u8> = (0..=bits)
        .map(|w| cuts.iter().filter(|&&c| w >= c).count() as u8)
        .collect();
    let mut probs = vec![0.0; cuts.len() + 1];
    let mut binomial = 1.0f64; // C(bits, w), exact below 2^53
    for w in 0..=bits {
        probs[usize::from(table[w as usize])] += binomial;
        binomial = binomial * f64::from(bits - w) / f64::from(w + 1);
    }
    let total = f64::from(bits).exp2();
    for p in &mut probs {
        *p /= total;
    }
    (table, probs)
}

/// Counts every window of `T` letters of `letters` (each below `K`) into `counts`.
fn count<const K: u32, const T: usize>(counts: &mut [u64], letters: &[u8]) {
    const BLOCK: usize = 1024;
    let size = K.pow(T as u32) as usize;
    let counts = &mut counts[..size];
    let windows = letters.len() + 1 - T;
    // Long runs count into four tables of 32-bit cells, one per window mod 4, added up at the
    // end: the letters' law is far from uniform, so a window's cell is often one of the last
    // few, and in one table each increment would wait on the store of the one before
    // (store-to-load forwarding). 32 bits suffice: a run is one piece of one chunk.
    let mut tables =
        (windows >= 2 * size && windows < u32::MAX as usize).then(|| vec![0u32; 4 * size]);
    let mut indices = [0u16; BLOCK];
    let mut at = 0;
    while at < windows {
        let n = BLOCK.min(windows - at);
        let part = &letters[at..at + n + T - 1];
        // The indices first (independent of each other, so they vectorise), then the
        // increments.
        for (i, slot) in indices[..n].iter_mut().enumerate() {
            let mut index = 0u32;
            for r in 0..T {
                index = index * K + u32::from(part[i + r]);
            }
            *slot = index as u16;
        }
        if let Some(tables) = tables.as_mut() {
            let (t0, rest) = tables.split_at_mut(size);
            let (t1, rest) = rest.split_at_mut(size);
            let (t2, t3) = rest.split_at_mut(size);
            let mut quads = indices[..n].chunks_exact(4);
            for quad in &mut quads {
                t0[usize::from(quad[0])] += 1;
                t1[usize::from(quad[1])] += 1;
                t2[usize::from(quad[2])] += 1;
                t3[usize::from(quad[3])] += 1;
            }
            for &index in quads.remainder() {
                t0[usize::from(index)] += 1;
            }
        } else {
            for &index in &indices[..n] {
                counts[usize::from(index)] += 1;
            }
        }
        at += n;
    }
    if let Some(tables) = tables {
        for (cell, count) in counts.iter_mut().enumerate() {
            *count += (0..4)
                .map(|copy| u64::from(tables[copy * size + cell]))
                .sum::<u64>();
        }
    }
}

/// The seeds and bytes of the ignored rejection-rate tests: H2_SEEDS and H2_BYTES, or 200
/// seeds of 1 MiB.
#[cfg(test)]
pub(crate) fn calibration_setting() -> (u64, usize) {
    let seeds = std::env::var("H2_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let bytes = std::env::var("H2_BYTES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1 << 20);
    (seeds, bytes)
}

/// Prints the rejection rate at 1% and the Kolmogorov–Smirnov p-value of uniformity of one
/// outcome's p-values over seeds.
#[cfg(test)]
pub(crate) fn print_calibration(label: &str, p_values: &[f64], seeds: u64, bytes: usize) {
    let rejected = p_values.iter().filter(|&&p| p < 0.01).count();
    let ks = crate::stats::kolmogorov::statistic(p_values)
        .map(|d| crate::stats::kolmogorov::upper_tail(p_values.len() as u64, d));
    println!(
        "{label}: {seeds} seeds of {bytes} bytes, {} measured, rejected at 1%: {rejected}, KS uniformity p = {ks:?}",
        p_values.len()
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    /// Counts by the definition: every window of t read letters, gaps breaking them.
    fn reference(k: u32, t: u32, letters: &[Option<u8>]) -> Vec<u64> {
        let mut counts = vec![0u64; k.pow(t) as usize];
        for window in letters.windows(t as usize) {
            if window.iter().all(Option::is_some) {
                let index = window
                    .iter()
                    .fold(0u32, |index, x| index * k + u32::from(x.expect("read")));
                counts[index as usize] += 1;
            }
        }
        counts
    }

    fn feed(lane: &mut Lane, letters: &[Option<u8>]) {
        let mut at = 0;
        while at < letters.len() {
            let read = letters[at].is_some();
            let end = (at..letters.len())
                .find(|&i| letters[i].is_some() != read)
                .unwrap_or(letters.len());
            if read {
                let run: Vec<u8> = letters[at..end].iter().map(|x| x.expect("read")).collect();
                lane.run(&run);
            } else {
                lane.skip((end - at) as u64);
            }
            at = end;
        }
    }

    fn random_letters(seed: u64, k: u32, n: usize) -> Vec<Option<u8>> {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        (0..n)
            .map(|_| {
                if rng.random_range(0..20) == 0 {
                    None
                } else {
                    Some(rng.random_range(0..k) as u8)
                }
            })
            .collect()
    }

    /// Long runs (counted in four tables) count what the definition counts, for every
    /// kernel's (k, t), with letters skewed so that cells repeat.
    #[test]
    fn long_runs_match_the_definition() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        for (k, t) in [(3u32, 5u32), (3, 6), (4, 4), (5, 4), (5, 5)] {
            let letters: Vec<u8> = (0..20_003)
                .map(|_| (rng.random_range(0..k * k) % k).min(rng.random_range(0..k)) as u8)
                .collect();
            let expected = reference(k, t, &letters.iter().map(|&l| Some(l)).collect::<Vec<_>>());
            let mut lane = Lane::new(k, t);
            lane.run(&letters);
            assert_eq!(lane.counts, expected, "k {k} t {t}");
        }
    }

    /// Runs and gaps of any length, fed in pieces, and segments merged, count what the
    /// definition counts, for the kernels' (k, t) and the generic path.
    #[test]
    fn counts_and_merges_match_the_definition() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for (k, t) in [(3u32, 5u32), (3, 6), (4, 4), (5, 4), (5, 5), (2, 3), (7, 2)] {
            for trial in 0..20u64 {
                let letters = random_letters(trial * 31 + u64::from(k * t), k, 5000);
                let expected = reference(k, t, &letters);
                let mut whole = Lane::new(k, t);
                for piece in letters.chunks(1 + trial as usize * 37) {
                    feed(&mut whole, piece);
                }
                assert_eq!(whole.counts, expected, "k {k} t {t}");
                // Cut into segments (some shorter than t), merged left to right.
                let mut cuts: Vec<usize> = (0..rng.random_range(1..10))
                    .map(|_| rng.random_range(0..letters.len()))
                    .collect();
                cuts.extend((0..3).map(|_| rng.random_range(0..12)));
                cuts.extend([0, letters.len()]);
                cuts.sort_unstable();
                cuts.dedup();
                let mut merged = Lane::new(k, t);
                for pair in cuts.windows(2) {
                    let mut segment = Lane::new(k, t);
                    feed(&mut segment, &letters[pair[0]..pair[1]]);
                    merged.absorb(&segment);
                }
                assert_eq!(merged, whole, "k {k} t {t} cuts {cuts:?}");
            }
        }
    }

    /// The schedule's pieces: all of the first 4 MiB, then the first share of each stretch.
    #[test]
    fn schedule_pieces() {
        let mut seen = Vec::new();
        Schedule { shift: 2 }.pieces(
            FULL_BYTES - 10..FULL_BYTES + 2 * STRETCH_BYTES,
            |r, read| seen.push((r, read)),
        );
        let s = FULL_BYTES;
        let q = STRETCH_BYTES / 4;
        assert_eq!(
            seen,
            vec![
                (s - 10..s, true),
                (s..s + q, true),
                (s + q..s + STRETCH_BYTES, false),
                (s + STRETCH_BYTES..s + STRETCH_BYTES + q, true),
                (s + STRETCH_BYTES + q..s + 2 * STRETCH_BYTES, false),
            ]
        );
        let mut all = Vec::new();
        Schedule { shift: 0 }.pieces(5..FULL_BYTES * 3, |r, read| all.push((r, read)));
        assert_eq!(all, vec![(5..FULL_BYTES * 3, true)]);
    }
}
