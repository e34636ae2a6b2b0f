//! Residues modulo 3 of consecutive words as a Markov chain: does a word's residue depend on
//! the residues of the five words before it? (PractRand's `mod3n` looks at residues modulo 3
//! too, with other windows; this is a statistic of its own, not a port.)
//!
//! What the test sees: two sequences of letters in {0, 1, 2}: every little-endian 32-bit word
//! modulo 3 (`32-bit`), and every byte modulo 3 (`bytes`). Each counts its overlapping windows
//! of [`WINDOW`] = 6 letters (3^6 = 729 cells) and measures the transition χ² of a residue given
//! the five before it ([`crate::stats::markov`]).
//!
//! Why it catches what it catches: a residue modulo 3 mixes every bit of a word (2^i mod 3
//! alternates 1, 2), so it sees structure that no bit lane or weight shows, such as the
//! lattice of an LCG or a generator whose words are sums of earlier ones: x = y + z with y, z
//! earlier words ties x mod 3 to y mod 3 and z mod 3 up to the carry out of the word, which
//! windows of consecutive residues show when the lags are short. None of the weak controls
//! (xorshift32, java_random, glibc_random_lo16, lcg64_top32, randu_top, seed 1) nor mt19937
//! fails it within 64 MiB: their defects are caught by the other deep tests, and this one is
//! there for the lattice and additive structure that shows in residues only.
//!
//! The law: for iid uniform words the residues are iid with P(0) = ⌈2^b/3⌉/2^b and
//! P(1) = P(2) = ⌊2^b/3⌋/2^b (2^b ≡ 1 mod 3 for even b, so 0 has the one extra value):
//! 1,431,655,766 and 1,431,655,765 of 2^32 for words, 86 and 85 of 256 for bytes. The transition
//! χ² is asymptotically χ² with 3^5·2 = 486 degrees of freedom (Anderson & Goodman 1957,
//! Billingsley 1961); a lane is measured once every cell expects 5 windows (3,645 windows), and
//! each lane is one labelled outcome.
//!
//! Sampling: both lanes read all of the stream's first 4 MiB; beyond, `32-bit` reads 1/8 of
//! every MiB and `bytes` 1/64 (the schedule of [`super::letter_windows`], by absolute position).
//!
//! State and merging: a [`Lane`] per sequence and the bytes of an unfinished word; segments
//! start at multiples of 4 bytes (the alignment) and merge as lanes do.

use super::chunk::{dispatch, fast_x86, kernel, whole_units};
use super::letter_windows::{feed, Lane, Schedule};
use super::state::{Segment, Segmented};
use super::weight_dependence::lane_outcome;
use super::{needs_bytes, Chunk, Outcome, Setup, Test};

/// The `mod3_tuples` test's entry in the deep battery.
pub const TEST: Test = Test {
    name: "mod3_tuples",
    summary: "residue mod 3 of a 32-bit word / byte given the 5 before it: transition chi-square",
    reference: "PractRand mod3n (idea); exact law: Anderson & Goodman 1957, Billingsley 1961 (transition chi-square of a Markov chain)",
    params: &[],
    applies_to: needs_bytes,
    start: |setup| Segmented::start(setup, Mod3Tuples::new),
    restore: Segmented::<Mod3Tuples>::restore,
};

/// Letters in a window.
pub const WINDOW: u32 = 6;

/// The lanes: label, unit in bytes, schedule shift, and the residue law.
const LANES: [(&str, usize, u32, [f64; 3]); 2] = [
    (
        "32-bit",
        4,
        3,
        [
            1_431_655_766.0 / 4_294_967_296.0,
            1_431_655_765.0 / 4_294_967_296.0,
            1_431_655_765.0 / 4_294_967_296.0,
        ],
    ),
    ("bytes", 1, 6, [86.0 / 256.0, 85.0 / 256.0, 85.0 / 256.0]),
];

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Mod3Tuples {
    /// The absolute position of the next byte handled (after `pending`'s).
    position: u64,
    /// The bytes of an unfinished word.
    pending: Vec<u8>,
    lanes: Vec<Lane>,
    /// The word size `--word` narrowed the lanes to, if any (a lane's unit is its word size):
    /// the others are not fed.
    #[serde(default)]
    only_word: Option<u32>,
}

impl Mod3Tuples {
    fn new(setup: &Setup) -> Self {
        Mod3Tuples {
            position: setup.offset,
            pending: Vec::new(),
            lanes: LANES.iter().map(|_| Lane::new(3, WINDOW)).collect(),
            only_word: setup.params.word_bits(),
        }
    }

    fn handle(&mut self, bytes: &[u8]) {
        let fast = fast_x86();
        let mut scratch = Vec::with_capacity(bytes.len());
        let only_word = self.only_word;
        for (index, (&(_, unit, shift, _), lane)) in LANES.iter().zip(&mut self.lanes).enumerate() {
            if only_word.is_some_and(|only| only != 8 * unit as u32) {
                continue;
            }
            feed(
                lane,
                Schedule { shift },
                self.position,
                bytes,
                unit,
                &mut scratch,
                |piece, out| {
                    out.resize(piece.len() / unit, 0);
                    if index == 0 {
                        dispatch!(fast, residues32(piece, out));
                    } else {
                        dispatch!(fast, residues8(piece, out));
                    }
                },
            );
        }
        self.position += bytes.len() as u64;
    }
}

kernel! {
    /// Every little-endian 32-bit word modulo 3.
    residues32(bytes: &[u8], out: &mut [u8]) {
        for (o, w) in out.iter_mut().zip(bytes.chunks_exact(4)) {
            *o = (u32::from_le_bytes([w[0], w[1], w[2], w[3]]) % 3) as u8;
        }
    }
}

kernel! {
    /// Every byte modulo 3.
    residues8(bytes: &[u8], out: &mut [u8]) {
        for (o, &b) in out.iter_mut().zip(bytes) {
            *o = b % 3;
        }
    }
}

impl Segment for Mod3Tuples {
    const NAME: &'static str = "mod3_tuples";
    const VERSION: u32 = 1;

    fn alignment(&self) -> u64 {
        4
    }

    fn update(&mut self, chunk: &Chunk<'_>) {
        let mut pending = std::mem::take(&mut self.pending);
        whole_units(&mut pending, chunk.symbols(), 4, |bytes| self.handle(bytes));
        self.pending = pending;
    }

    fn outcomes(self) -> Vec<Outcome> {
        LANES
            .iter()
            .zip(&self.lanes)
            .map(|(&(label, unit, _, probs), lane)| match self.only_word {
                Some(only) if only != 8 * unit as u32 => {
                    crate::battery::lane_left_out(TEST.name, label, 8 * unit as u32, only)
                }
                _ => lane_outcome(TEST.name, label, lane, &probs, unit),
            })
            .collect()
    }

    fn absorb(&mut self, next: Self) {
        debug_assert!(self.pending.is_empty());
        for (mine, theirs) in self.lanes.iter_mut().zip(&next.lanes) {
            mine.absorb(theirs);
        }
        self.position = next.position;
        self.pending = next.pending;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::battery::{run_chunked, TestState};
    use rand::{Rng, RngExt, SeedableRng};

    /// The residue laws are the counts of each residue among 0 ..= 2^b − 1, and the kernels
    /// give the residues.
    #[test]
    fn laws_and_residues() {
        for &(_, unit, _, probs) in &LANES {
            let b = 8 * unit as u32;
            let total = (b as f64).exp2();
            // Residue 0 has ⌈2^b/3⌉ values, 1 and 2 have ⌊2^b/3⌋.
            let floor = ((1u64 << b) / 3) as f64;
            assert_eq!(probs, [(floor + 1.0) / total, floor / total, floor / total]);
        }
        let bytes: Vec<u8> = (0..=255).collect();
        let mut out = vec![0u8; 256];
        residues8::portable(&bytes, &mut out);
        assert!(out.iter().zip(0u32..).all(|(&r, b)| u32::from(r) == b % 3));
        let words = [0u32, 1, 2, 3, u32::MAX, u32::MAX - 1, 0x8000_0000];
        let word_bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        let mut out = vec![0u8; words.len()];
        residues32::portable(&word_bytes, &mut out);
        // 2^32 − 1 ≡ 0, 2^32 − 2 ≡ 2, 2^31 ≡ 2 (mod 3).
        assert_eq!(out, [0, 1, 2, 0, 0, 2, 2]);
    }

    fn chacha_bytes(seed: u64, len: usize) -> Vec<u8> {
        let mut data = vec![0u8; len];
        rand_chacha::ChaCha20Rng::seed_from_u64(seed).fill_bytes(&mut data);
        data
    }

    /// Segments cut anywhere (inside words, near the 4 MiB mark), merged in any order, equal
    /// one pass.
    #[test]
    fn merges_equal_one_pass() {
        let full = crate::battery::letter_windows::FULL_BYTES as usize;
        let len = full + (2 << 20) + 3;
        let data = chacha_bytes(9, len);
        let started = |offset: u64| -> Box<dyn TestState> {
            let setup = Setup {
                offset,
                ..Setup::new(256, Some(len as u64))
            };
            Segmented::start(&setup, Mod3Tuples::new)
        };
        let one_pass = {
            let mut state = started(0);
            state.update(&data);
            crate::battery::exact(&state.finish())
        };
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        for trial in 0..3 {
            let mut cuts: Vec<usize> = (0..4).map(|_| rng.random_range(0..len)).collect();
            cuts.push(full - 3 + trial);
            cuts.push(rng.random_range(0..30));
            cuts.extend([0, len]);
            cuts.sort_unstable();
            cuts.dedup();
            let mut segments: Vec<Box<dyn TestState>> = cuts
                .windows(2)
                .map(|pair| {
                    let mut segment = started(pair[0] as u64);
                    segment.update(&data[pair[0]..pair[1]]);
                    segment
                })
                .collect();
            while segments.len() > 1 {
                let at = rng.random_range(0..segments.len() - 1);
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

    /// ChaCha20 passes both lanes at 2 MiB; a short stream is skipped with the length needed.
    #[test]
    fn chacha20_passes_and_short_streams_are_skipped() {
        let chacha = run_chunked(&TEST, 256, &chacha_bytes(22, 2 << 20), 65_536);
        for outcome in &chacha {
            assert!(outcome.p_value().is_some_and(|p| p > 1e-3), "{chacha:?}");
        }
        let short = run_chunked(&TEST, 256, &chacha_bytes(3, 3000), 100);
        let needed = crate::stats::markov::windows_needed(&LANES[1].3, WINDOW);
        assert_eq!(
            short[1].result,
            Err(format!(
                "needs {} bytes for {needed} windows of 6 bytes letters, got 2995",
                needed + 5
            ))
        );
    }

    /// Rejection rate at 1% over seeds and KS uniformity of the p-values: `cargo test
    /// --release --lib mod3_tuples::tests::chacha20_rejection_rate -- --ignored --nocapture`
    /// (H2_SEEDS and H2_BYTES override 200 seeds of 1 MiB).
    #[test]
    #[ignore]
    fn chacha20_rejection_rate() {
        let (seeds, bytes) = super::super::letter_windows::calibration_setting();
        let mut p_values = vec![Vec::new(); LANES.len()];
        for seed in 0..seeds {
            let outcomes = run_chunked(&TEST, 256, &chacha_bytes(3000 + seed, bytes), 1 << 16);
            for (ps, outcome) in p_values.iter_mut().zip(&outcomes) {
                ps.extend(outcome.p_value());
            }
        }
        for (lane, ps) in LANES.iter().zip(&p_values) {
            super::super::letter_windows::print_calibration(lane.0, ps, seeds, bytes);
        }
    }
}
