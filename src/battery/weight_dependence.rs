//! Hamming weights of consecutive units as a Markov chain: does the weight class of a byte or
//! word depend on the weights of the units before it? (PractRand's `DC6` family asks the same
//! question with other windows and classes; this is a statistic of its own, not a port.)
//!
//! What the test sees: four sequences of letters (lanes), each letter the weight class of a
//! unit, the units in stream order:
//!
//! - `bytes`: every byte, its popcount classed {0–2}, {3}, {4}, {5}, {6–8};
//! - `16-bit`: every little-endian 16-bit word, classed {0–6}, {7}, {8}, {9}, {10–16};
//! - `32-bit`: every 32-bit word, classed {0–13}, {14–15}, {16}, {17–18}, {19–32};
//! - `bit0/16`: bit 0 of 8 consecutive 16-bit words (16 bytes) as one byte, classed {0–3},
//!   {4}, {5–8}.
//!
//! Each class has probability between 0.14 and 0.39 (binomial sums, [`weight_classes`]).
//! A lane counts its overlapping windows of t letters (t = 4; t = 5 for `bit0/16`) and measures
//! the transition χ² of each window's last letter given the t − 1 before it, against the class
//! law ([`crate::stats::markov`]).
//!
//! Why it catches Hamming-weight dependence: additive lagged Fibonacci generators (glibc's
//! `random()`: r_i = r_{i−3} + r_{i−31}), small chaotic generators and the low bits of LCGs
//! produce words whose weights are correlated with the weights of recent words, which the
//! class of the next unit given the classes before it shows as a transition law that depends on
//! the context. For glibc's low 16 bits, bit 0 of each word is bit 1 of r_i = bit 1 of
//! r_{i−3} ⊕ bit 1 of r_{i−31} ⊕ a carry: the weight of 8 such bits is tied to the weights of
//! the 8-bit groups 3 and 31 words back, which a window of 5 packed bytes (40 words) spans.
//! Of the classings and windows tried on glibc (seed 1) — five classes with t = 4 or 5, three
//! with t = 5, 6 or 7, two with t = 8 or 10 — three classes with t = 5 gave the smallest
//! p-values at every length from 256 KiB to 4 MiB (5e-9 at 256 KiB, 1e-21 at 512 KiB) and need
//! the least data (3,400 windows, 54 KiB). First failures (seed 1, `rngaudit dump CTL --seed 1
//! --bytes 64M | rngaudit file - --battery deep --tests weight_dependence`): glibc_random_lo16
//! at 256 KiB (`bit0/16`; PractRand 1 MiB), xorshift32 at 1 MiB (`16-bit`), randu_top at
//! 512 KiB (`bytes`); java_random, lcg64_top32 and mt19937 pass 64 MiB.
//!
//! The law: for iid uniform bytes the letters of a lane are iid with the class law, and the
//! transition χ² is asymptotically χ² with k^(t−1)·(k − 1) degrees of freedom (k classes:
//! 500 for the word lanes, 162 for `bit0/16`; Anderson & Goodman
//! 1957, Billingsley 1961; see [`crate::stats::markov`]). A lane is measured once every cell
//! expects [`crate::stats::markov::MIN_EXPECTED`] = 5 windows (Cochran); before that it is
//! skipped with the windows and bytes it needs. Each lane is one outcome, labelled.
//!
//! Sampling: every lane reads all of the stream's first 4 MiB; beyond, `bytes` reads 1/32 of
//! each MiB, `16-bit` 1/16, `32-bit` 1/8 and `bit0/16` 1/4 (the schedule of
//! [`super::letter_windows`], by absolute position, so outcomes do not depend on chunks,
//! segments or threads).
//!
//! State and merging: one [`Lane`] per sequence (counts, context, front) and the bytes of an
//! unfinished 16-byte group; segments start at multiples of 16 bytes (the alignment), where
//! every lane is at a unit boundary, and merge as lanes do.

use super::chunk::{dispatch, fast_x86, kernel, whole_units};
use super::letter_windows::{feed, weight_classes, Lane, Schedule};
use super::state::{Segment, Segmented};
use super::{needs_bytes, Chunk, Outcome, Setup, Test};
use std::sync::OnceLock;

/// The `weight_dependence` test's entry in the deep battery.
pub const TEST: Test = Test {
    name: "weight_dependence",
    summary: "weight class of a byte / 16-bit / 32-bit word / bit-0 byte given the 3-4 before it: transition chi-square (Hamming-weight dependence)",
    reference: "PractRand DC6 (idea); exact law: Anderson & Goodman 1957, Billingsley 1961 (transition chi-square of a Markov chain)",
    params: &[],
    applies_to: needs_bytes,
    start: |setup| Segmented::start(setup, WeightDependence::new),
    restore: Segmented::<WeightDependence>::restore,
};

/// Bytes handled at once: the alignment, 8 words of 16 bits.
const GROUP: usize = 16;

/// A lane: its label, unit in bytes, window length, schedule shift, and how its letters are
/// made.
struct Kind {
    label: &'static str,
    unit: usize,
    t: u32,
    shift: u32,
    /// The unit's bits and the first weights of classes 1, 2, ... (at most 4).
    bits: u32,
    cuts: &'static [u32],
    /// The word size the lane reads, which `--word` selects by.
    word_bits: u32,
}

const KINDS: [Kind; 4] = [
    Kind {
        label: "bytes",
        unit: 1,
        t: 4,
        shift: 5,
        bits: 8,
        cuts: &[3, 4, 5, 6],
        word_bits: 8,
    },
    Kind {
        label: "16-bit",
        unit: 2,
        t: 4,
        shift: 4,
        bits: 16,
        cuts: &[7, 8, 9, 10],
        word_bits: 16,
    },
    Kind {
        label: "32-bit",
        unit: 4,
        t: 4,
        shift: 3,
        bits: 32,
        cuts: &[14, 16, 17, 19],
        word_bits: 32,
    },
    Kind {
        label: "bit0/16",
        unit: 16,
        t: 5,
        shift: 2,
        bits: 8,
        cuts: &[4, 5],
        word_bits: 16,
    },
];

/// Each lane's class of every weight and its class law.
struct Laws {
    probs: Vec<Vec<f64>>,
}

fn laws() -> &'static Laws {
    static LAWS: OnceLock<Laws> = OnceLock::new();
    LAWS.get_or_init(|| {
        let probs = KINDS
            .iter()
            .map(|kind| weight_classes(kind.bits, kind.cuts).1)
            .collect();
        Laws { probs }
    })
}

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct WeightDependence {
    /// The absolute position of the next byte handled (after `pending`'s).
    position: u64,
    /// The bytes of an unfinished group.
    pending: Vec<u8>,
    lanes: Vec<Lane>,
    /// The word size `--word` narrowed the lanes to, if any: the others are not fed.
    #[serde(default)]
    only_word: Option<u32>,
}

impl WeightDependence {
    fn new(setup: &Setup) -> Self {
        WeightDependence {
            position: setup.offset,
            pending: Vec::new(),
            lanes: KINDS
                .iter()
                .map(|kind| Lane::new(kind.cuts.len() as u32 + 1, kind.t))
                .collect(),
            only_word: setup.params.word_bits(),
        }
    }

    /// Whether `--word` leaves a lane in.
    fn tries(&self, kind: &Kind) -> bool {
        self.only_word.is_none_or(|only| only == kind.word_bits)
    }

    /// Whole groups from `self.position` on.
    fn handle(&mut self, bytes: &[u8]) {
        let fast = fast_x86();
        let mut scratch = Vec::with_capacity(bytes.len());
        let only_word = self.only_word;
        for (index, (kind, lane)) in KINDS.iter().zip(&mut self.lanes).enumerate() {
            if only_word.is_some_and(|only| only != kind.word_bits) {
                continue;
            }
            let schedule = Schedule { shift: kind.shift };
            let cuts = padded(kind.cuts);
            let at = self.position;
            let unit = kind.unit;
            feed(
                lane,
                schedule,
                at,
                bytes,
                unit,
                &mut scratch,
                |piece, out| {
                    out.resize(piece.len() / unit, 0);
                    match index {
                        0 => dispatch!(fast, classes8(piece, out, cuts)),
                        1 => dispatch!(fast, classes16(piece, out, cuts)),
                        2 => dispatch!(fast, classes32(piece, out, cuts)),
                        _ => dispatch!(fast, classes_bit0(piece, out, cuts)),
                    }
                },
            );
        }
        self.position += bytes.len() as u64;
    }
}

/// A lane's cuts for the kernels: four, the missing ones beyond every weight.
fn padded(cuts: &[u32]) -> [u8; 4] {
    let mut padded = [u8::MAX; 4];
    for (slot, &cut) in padded.iter_mut().zip(cuts) {
        *slot = cut as u8;
    }
    padded
}

/// The class of weight `w`: how many of the classes' first weights it reaches.
#[inline(always)]
fn class(w: u8, cuts: [u8; 4]) -> u8 {
    u8::from(w >= cuts[0])
        + u8::from(w >= cuts[1])
        + u8::from(w >= cuts[2])
        + u8::from(w >= cuts[3])
}

kernel! {
    /// The weight class of every byte.
    classes8(bytes: &[u8], out: &mut [u8], cuts: [u8; 4]) {
        for (o, &b) in out.iter_mut().zip(bytes) {
            *o = class(b.count_ones() as u8, cuts);
        }
    }
}

kernel! {
    /// The weight class of every little-endian 16-bit word.
    classes16(bytes: &[u8], out: &mut [u8], cuts: [u8; 4]) {
        for (o, w) in out.iter_mut().zip(bytes.chunks_exact(2)) {
            *o = class((w[0].count_ones() + w[1].count_ones()) as u8, cuts);
        }
    }
}

kernel! {
    /// The weight class of every 32-bit word.
    classes32(bytes: &[u8], out: &mut [u8], cuts: [u8; 4]) {
        for (o, w) in out.iter_mut().zip(bytes.chunks_exact(4)) {
            let word = u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
            *o = class(word.count_ones() as u8, cuts);
        }
    }
}

kernel! {
    /// The weight class of bit 0 of 8 consecutive 16-bit words (bit 0 of their even bytes;
    /// the weight does not depend on the bits' order).
    classes_bit0(bytes: &[u8], out: &mut [u8], cuts: [u8; 4]) {
        const LOW: u64 = 0x0001_0001_0001_0001;
        for (o, g) in out.iter_mut().zip(bytes.chunks_exact(GROUP)) {
            let a = u64::from_le_bytes([g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7]]);
            let b = u64::from_le_bytes([g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]]);
            *o = class(((a & LOW).count_ones() + (b & LOW).count_ones()) as u8, cuts);
        }
    }
}

impl Segment for WeightDependence {
    const NAME: &'static str = "weight_dependence";
    const VERSION: u32 = 1;

    fn alignment(&self) -> u64 {
        GROUP as u64
    }

    fn update(&mut self, chunk: &Chunk<'_>) {
        let mut pending = std::mem::take(&mut self.pending);
        whole_units(&mut pending, chunk.symbols(), GROUP, |bytes| {
            self.handle(bytes)
        });
        self.pending = pending;
    }

    fn outcomes(self) -> Vec<Outcome> {
        let laws = laws();
        KINDS
            .iter()
            .zip(&self.lanes)
            .zip(&laws.probs)
            .map(|((kind, lane), probs)| match self.only_word {
                Some(only) if !self.tries(kind) => {
                    crate::battery::lane_left_out(TEST.name, kind.label, kind.word_bits, only)
                }
                _ => lane_outcome(TEST.name, kind.label, lane, probs, kind.unit),
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

/// A lane's outcome: its transition χ², or a skip with the windows (and bytes, read in full)
/// it needs.
pub(crate) fn lane_outcome(
    test: &'static str,
    label: &str,
    lane: &Lane,
    probs: &[f64],
    unit: usize,
) -> Outcome {
    let t = lane.length();
    let needed = crate::stats::markov::windows_needed(probs, t);
    let windows = lane.windows();
    if windows < needed {
        let bytes = (needed + u64::from(t) - 1) * unit as u64;
        return Outcome::skipped(
            test,
            format!(
                "needs {bytes} bytes for {needed} windows of {t} {label} letters, got {windows}"
            ),
        )
        .with_label(label);
    }
    let fit = lane.fit(probs);
    Outcome::measured(test, fit.statistic, fit.p_value())
        .with_figure("windows", windows as f64)
        .with_figure("df", fit.df)
        .with_label(label)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::battery::{run_chunked, TestState};
    use crate::source::{weak, SymbolStream};
    use rand::{Rng, RngExt, SeedableRng};

    /// The class laws are exact binomial sums: bytes 37, 56, 70, 56, 37 of 256; 16-bit words
    /// (1+16+120+560+1820+4368+8008 = 14893), 11440, 12870, 11440, 14893 of 65536.
    #[test]
    fn class_laws() {
        let laws = laws();
        let bytes: Vec<f64> = [37.0, 56.0, 70.0, 56.0, 37.0]
            .iter()
            .map(|c| c / 256.0)
            .collect();
        assert_eq!(laws.probs[0], bytes);
        let words: Vec<f64> = [14893.0, 11440.0, 12870.0, 11440.0, 14893.0]
            .iter()
            .map(|c| c / 65536.0)
            .collect();
        assert_eq!(laws.probs[1], words);
        // 32 bits: C(32,16) = 601080390 of 2^32 in the middle class.
        assert_eq!(laws.probs[2][2], 601_080_390.0 / 4_294_967_296.0);
        assert!((laws.probs[2].iter().sum::<f64>() - 1.0).abs() < 1e-15);
        // The kernels' comparisons give the tables' classes.
        for kind in &KINDS {
            let (table, _) = weight_classes(kind.bits, kind.cuts);
            for (w, &expected) in table.iter().enumerate() {
                assert_eq!(class(w as u8, padded(kind.cuts)), expected);
            }
        }
        let (bytes_table, _) = weight_classes(8, KINDS[0].cuts);
        assert_eq!((bytes_table[2], bytes_table[3], bytes_table[8]), (0, 1, 4));
    }

    /// A hand-made stream: the bytes 0x00, 0x07, 0x0F, 0x1F, 0xFF repeated have classes
    /// 0 1 2 3 4, so the bytes lane's windows of 4 are the 5 rotations of (0 1 2 3 4), each
    /// counted (n − 3)/5 times.
    #[test]
    fn hand_counted_bytes_lane() {
        let pattern = [0x00u8, 0x07, 0x0F, 0x1F, 0xFF];
        let data: Vec<u8> = pattern.iter().copied().cycle().take(160).collect();
        let mut state = WeightDependence::new(&Setup::new(256, None));
        state.update_symbols(&data);
        let lane = &state.lanes[0];
        assert_eq!(lane.windows(), 157);
        // Window (0,1,2,3) is index 0·125 + 1·25 + 2·5 + 3 = 38; it starts at 0, 5, ..., 155.
        assert_eq!(lane.counts()[38], 32);
        let fit = lane.fit(&laws().probs[0]);
        // Each of the 5 contexts seen has all its windows on one letter x, N(c) = N(c, x):
        // X² = Σ_c N(c)·(1 − p(x))/p(x).
        let p = &laws().probs[0];
        let per_context = [32.0, 32.0, 31.0, 31.0, 31.0]; // windows ending in letter 3, 4, 0, 1, 2
        let last = [3usize, 4, 0, 1, 2];
        let expected: f64 = per_context
            .iter()
            .zip(last)
            .map(|(n, x)| n * (1.0 - p[x]) / p[x])
            .sum();
        assert!(
            (fit.statistic - expected).abs() < 1e-9,
            "{fit:?} {expected}"
        );
    }

    fn chacha_bytes(seed: u64, len: usize) -> Vec<u8> {
        let mut data = vec![0u8; len];
        rand_chacha::ChaCha20Rng::seed_from_u64(seed).fill_bytes(&mut data);
        data
    }

    fn stream_bytes(mut stream: Box<dyn SymbolStream>, len: usize) -> Vec<u8> {
        let mut data = vec![0u8; len];
        let mut at = 0;
        while at < len {
            at += stream.fill(&mut data[at..]).expect("a generator fills");
        }
        data
    }

    /// Segments cut anywhere (inside groups, around the 4 MiB mark where sampling starts)
    /// merged in any order equal one pass.
    #[test]
    fn merges_equal_one_pass() {
        let len = (crate::battery::letter_windows::FULL_BYTES + (3 << 20)) as usize;
        let data = chacha_bytes(7, len);
        let started = |offset: u64| -> Box<dyn TestState> {
            let setup = Setup {
                offset,
                ..Setup::new(256, Some(len as u64))
            };
            Segmented::start(&setup, WeightDependence::new)
        };
        let one_pass = {
            let mut state = started(0);
            state.update(&data);
            crate::battery::exact(&state.finish())
        };
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
        let full = crate::battery::letter_windows::FULL_BYTES as usize;
        for trial in 0..4 {
            let mut cuts: Vec<usize> = (0..4).map(|_| rng.random_range(0..len)).collect();
            cuts.push(full - 7 + trial);
            cuts.push(rng.random_range(0..100));
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

    fn p_of(outcomes: &[Outcome], label: &str) -> f64 {
        outcomes
            .iter()
            .find(|o| o.label == label)
            .and_then(Outcome::p_value)
            .unwrap_or_else(|| panic!("{label} measured: {outcomes:?}"))
    }

    /// glibc's `random()` (low 16 bits) fails the `bit0/16` lane at 512 KiB (PractRand: 1 MiB); ChaCha20 passes
    /// every lane.
    #[test]
    fn glibc_fails_and_chacha20_passes() {
        let glibc = run_chunked(
            &TEST,
            256,
            &stream_bytes(weak::glibc_random_lo16(1), 512 << 10),
            65_536,
        );
        assert!(p_of(&glibc, "bit0/16") < 1e-10, "{glibc:?}");
        let chacha = run_chunked(&TEST, 256, &chacha_bytes(20, 2 << 20), 65_536);
        for kind in &KINDS {
            assert!(p_of(&chacha, kind.label) > 1e-3, "{chacha:?}");
        }
    }

    /// Too short: skipped with the length needed.
    #[test]
    fn short_streams_are_skipped() {
        let outcomes = run_chunked(&TEST, 256, &chacha_bytes(1, 5000), 100);
        assert!(outcomes[0].result.is_err());
        assert!(outcomes.iter().all(|o| o.result.is_err()), "{outcomes:?}");
        let needed = crate::stats::markov::windows_needed(&laws().probs[0], 4);
        assert_eq!(
            outcomes[0].result,
            Err(format!(
                "needs {} bytes for {needed} windows of 4 bytes letters, got 4989",
                needed + 3
            ))
        );
    }

    /// Rejection rate at 1% over seeds, and the KS distance of the p-values from uniform:
    /// `cargo test --release --lib weight_dependence::tests::chacha20_rejection_rate --
    /// --ignored --nocapture` (H2_SEEDS and H2_BYTES override 200 seeds of 1 MiB).
    #[test]
    #[ignore]
    fn chacha20_rejection_rate() {
        let (seeds, bytes) = super::super::letter_windows::calibration_setting();
        let mut p_values = vec![Vec::new(); KINDS.len()];
        for seed in 0..seeds {
            let outcomes = run_chunked(&TEST, 256, &chacha_bytes(1000 + seed, bytes), 1 << 16);
            for (ps, outcome) in p_values.iter_mut().zip(&outcomes) {
                ps.extend(outcome.p_value());
            }
        }
        for (kind, ps) in KINDS.iter().zip(&p_values) {
            super::super::letter_windows::print_calibration(kind.label, ps, seeds, bytes);
        }
    }
}
