//! Random excursions test, SP 800-22 Rev 1a §2.14; STS 2.1.2 `RandomExcursions()`.
//!
//! The ±1 random walk is cut into J cycles at its returns to 0 (a walk that does not end at 0
//! closes one last cycle). For each state x = −4..−1, +1..+4, ν_k(x) counts the cycles that visit
//! x exactly k times (k = 0..4, and ≥5); χ²(x) = Σ_k (ν_k(x) − Jπ_k(x))² / (Jπ_k(x)) and
//! P = igamc(5/2, χ²/2), with STS's π table (rounded to 10 decimals).
//!
//! With J < max(0.005 √n, 500) the test is not applicable: STS writes 0 for every state, its
//! final analysis then leaves those zeros out; here each state's outcome is skipped.
//!
//! Condition: that J rule, which is what keeps every expected count Jπ_k(x) at 5 or more
//! (500 · 0.0104675 = 5.2); a random sequence has about sqrt(2n/π) cycles, 500 from about
//! 392,700 bits. Not applied: §2.14.7's "a minimum of 1,000,000 bits", the length at which
//! J ≥ 500 is the usual case, not a further condition of the approximation. Measured on 20,000
//! ChaCha20 sequences of 100,000 bits (`rngaudit run chacha20 --battery nist --tests
//! RandomExcursions --seq-bits 100000 --seqs 20000 --seed 1`): the 2,249 with J ≥ 500 gave
//! P < 0.01 for 1.12% of their 17,992 state P-values, as 4,000 sequences of 10^6 bits did
//! (1.12% of 19,360); and in 200 runs of 20 sequences of 100,000 bits, where the test ran in 186,
//! no run failed on it (`contrib/nist_false_fails.sh`).
//!
//! The walk skips a whole word when it is too far from 0 for any step of the word to reach a
//! state of interest, and a byte likewise; only near 0 does it step bit by bit.
//!
//! For merging, a segment that does not start the sequence keeps its bits, packed, and walks
//! none of them: where its cycles begin and end depends on the walk's level at its start, which
//! only the segments before it know, and any level may be the one. A merge into a state that
//! starts the sequence walks them from where that state stands; a merge of two later segments
//! joins their bits. The bits kept are at most the sequence's n (1/8 byte per bit, as the
//! input; a saved state writes each 64-bit word as a JSON number, about 2.5 times that), since
//! the test reads no bit past the n-th. (Keeping cycle counts relative to every
//! level a segment's walk reaches instead would cost about 60 counters per level, more than the
//! bits for a walk that strays far.)

use super::{packed_bits_only, skip_all, BitTest};
use crate::battery::{Outcome, Setup, Test};
use crate::stats::chi_square;

/// The `RandomExcursions` test's entry in the NIST SP 800-22 battery: its name, summary, reference and parameters,
/// and how it starts on a stream.
pub const TEST: Test = Test {
    name: "RandomExcursions",
    summary: "visits to states -4..4 per cycle of the ±1 random walk",
    reference: "NIST SP 800-22 Rev 1a §2.14; STS 2.1.2 RandomExcursions",
    params: &[],
    applies_to: packed_bits_only,
    start: |setup: &Setup| {
        super::start(setup, |setup| RandomExcursions {
            // A segment after the first does not know the level its walk starts from.
            deferred: (setup.offset > 0).then(Deferred::default),
            ..RandomExcursions::default()
        })
    },
    restore: super::restore::<RandomExcursions>,
};

const STATES: [i64; 8] = [-4, -3, -2, -1, 1, 2, 3, 4];

/// π_k(x) for |x| = 1..4, k = 0..5 (SP 800-22 §3.14's table as STS codes it).
const PI: [[f64; 6]; 4] = [
    [
        0.5000000000,
        0.25000000000,
        0.12500000000,
        0.06250000000,
        0.03125000000,
        0.0312500000,
    ],
    [
        0.7500000000,
        0.06250000000,
        0.04687500000,
        0.03515625000,
        0.02636718750,
        0.0791015625,
    ],
    [
        0.8333333333,
        0.02777777778,
        0.02314814815,
        0.01929012346,
        0.01607510288,
        0.0803755144,
    ],
    [
        0.8750000000,
        0.01562500000,
        0.01367187500,
        0.01196289063,
        0.01046752930,
        0.0732727051,
    ],
];

/// Net step of each byte value: ones minus zeros.
pub(crate) const BYTE_STEP: [i8; 256] = byte_steps();

const fn byte_steps() -> [i8; 256] {
    let mut table = [0i8; 256];
    let mut value = 0;
    while value < 256 {
        table[value] = 2 * (value as u32).count_ones() as i8 - 8;
        value += 1;
    }
    table
}

/// A ±1 walk that only looks closely where it can reach |S| ≤ `NEAR`.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Walk<const NEAR: i64> {
    pub sum: i64,
}

impl<const NEAR: i64> Walk<NEAR> {
    /// Walks the `len` bits of `word`, calling `step(S)` after each step that lands on
    /// |S| ≤ NEAR (0 included).
    #[inline]
    pub fn push(&mut self, word: u64, len: u32, mut step: impl FnMut(i64)) {
        if self.sum.abs() > NEAR + i64::from(len) {
            self.sum += 2 * i64::from(word.count_ones()) - i64::from(len);
            return;
        }
        let whole = len / 8;
        for byte in word.to_be_bytes().into_iter().take(whole as usize) {
            if self.sum.abs() > NEAR + 8 {
                self.sum += i64::from(BYTE_STEP[byte as usize]);
                continue;
            }
            for b in 0..8 {
                self.sum += if (byte >> (7 - b)) & 1 == 1 { 1 } else { -1 };
                if self.sum.abs() <= NEAR {
                    step(self.sum);
                }
            }
        }
        for b in 8 * whole..len {
            self.sum += if (word >> (63 - b)) & 1 == 1 { 1 } else { -1 };
            if self.sum.abs() <= NEAR {
                step(self.sum);
            }
        }
    }
}

#[derive(Default, Clone, serde::Serialize, serde::Deserialize)]
struct Cycles {
    /// Visits to each state in the current cycle.
    visits: [u32; 8],
    /// ν_k(x): cycles with k visits (k = 5 for five or more), per state.
    nu: [[u64; 8]; 6],
    cycles: u64,
}

impl Cycles {
    fn close(&mut self) {
        for (state, visits) in self.visits.iter_mut().enumerate() {
            self.nu[(*visits as usize).min(5)][state] += 1;
            *visits = 0;
        }
        self.cycles += 1;
    }
}

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct RandomExcursions {
    walk: Walk<4>,
    cycles: Cycles,
    /// On a segment that does not start the sequence: its bits, not walked yet.
    deferred: Option<Deferred>,
}

impl Default for RandomExcursions {
    fn default() -> Self {
        RandomExcursions {
            walk: Walk { sum: 0 },
            cycles: Cycles::default(),
            deferred: None,
        }
    }
}

/// Bits kept to be walked later, 64 to a word, the first in the most significant place.
#[derive(Clone, Default, serde::Serialize, serde::Deserialize)]
struct Deferred {
    words: Vec<u64>,
    bits: u64,
}

impl Deferred {
    /// Keeps `len` more bits (the top of `word`); only the last push may be short of 64.
    fn push(&mut self, word: u64, len: u32) {
        debug_assert!(self.bits.is_multiple_of(64), "bits after a short word");
        self.words.push(word);
        self.bits += u64::from(len);
    }

    /// Every bit kept, as [`BitTest::push`] takes them.
    fn words(&self) -> impl Iterator<Item = (u64, u32)> + '_ {
        let bits = self.bits;
        self.words
            .iter()
            .enumerate()
            .map(move |(i, &word)| (word, (bits - 64 * i as u64).min(64) as u32))
    }
}

impl RandomExcursions {
    /// Walks the bits a later segment kept, from this walk's level.
    fn walk_deferred(&mut self, deferred: &Deferred) {
        for (word, len) in deferred.words() {
            self.push(word, len);
        }
    }
}

/// The least number of cycles for which STS applies the random excursion tests.
pub(crate) fn cycles_needed(n: u64) -> f64 {
    (0.005 * (n as f64).sqrt()).max(500.0)
}

/// The reason both random excursion tests give with `j` cycles where `needed` are required
/// (`section` is SP 800-22's input-size section of the test).
pub(crate) fn too_few_cycles(j: u64, needed: f64, section: &str) -> String {
    format!(
        "not applicable: J = {j} cycles, fewer than the {needed} STS requires \
         (J ≥ max(0.005 √n, 500), STS writes 0); a random sequence has about √(2n/π) cycles, \
         500 from about n = 392,700 bits, and {section} recommends n ≥ 1,000,000"
    )
}

impl BitTest for RandomExcursions {
    const NAME: &'static str = "RandomExcursions";
    /// 2: a later segment's deferred bits.
    const VERSION: u32 = 2;
    const MERGEABLE: bool = true;

    fn absorb(&mut self, next: Self) {
        match (&mut self.deferred, next.deferred) {
            (None, Some(deferred)) => self.walk_deferred(&deferred),
            (Some(mine), Some(deferred)) => {
                for (word, len) in deferred.words() {
                    mine.push(word, len);
                }
            }
            // Both start the sequence, so this one has seen nothing.
            (None, None) => {
                *self = RandomExcursions {
                    deferred: None,
                    ..next
                }
            }
            // Merges only join consecutive segments, and next would start before this one.
            (Some(_), None) => unreachable!("a segment at offset 0 follows a later one"),
        }
    }

    #[inline]
    fn push(&mut self, word: u64, len: u32) {
        if let Some(deferred) = &mut self.deferred {
            deferred.push(word, len);
            return;
        }
        let cycles = &mut self.cycles;
        self.walk.push(word, len, |s| {
            if s == 0 {
                cycles.close();
            } else {
                let index = if s < 0 { s + 4 } else { s + 3 };
                cycles.visits[index as usize] += 1;
            }
        });
    }

    fn labels(&self, _n: u64) -> Vec<String> {
        STATES.iter().map(|x| format!("x={x:+}")).collect()
    }

    fn finish(mut self, n: u64) -> Vec<Outcome> {
        // A segment on its own (a snapshot of a later segment) walks from 0, as if nothing
        // came before it.
        if let Some(deferred) = self.deferred.take() {
            self.walk_deferred(&deferred);
        }
        if n > 0 && self.walk.sum != 0 {
            self.cycles.close();
        }
        let j = self.cycles.cycles;
        let needed = cycles_needed(n);
        if (j as f64) < needed {
            let reason = too_few_cycles(j, needed, "SP 800-22 §2.14.7");
            return skip_all(Self::NAME, self.labels(n), &reason);
        }
        let j_f = j as f64;
        STATES
            .iter()
            .enumerate()
            .zip(self.labels(n))
            .map(|((i, x), label)| {
                let pi = &PI[(x.unsigned_abs() - 1) as usize];
                let chi2: f64 = (0..6)
                    .map(|k| {
                        let expected = j_f * pi[k];
                        (self.cycles.nu[k][i] as f64 - expected).powi(2) / expected
                    })
                    .sum();
                Outcome::measured(Self::NAME, chi2, chi_square::igamc(2.5, chi2 / 2.0))
                    .with_figure("J", j_f)
                    .with_label(label)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{data_e, p_of, run_chunked, run_merged, run_str};
    use super::*;
    use crate::battery::Params;

    #[test]
    fn too_few_cycles_is_not_applicable() {
        // worked_examples.csv "RandomExcursions n=10" (§2.14.4): J = 3 < 500, STS writes 0; the
        // document's 0.502529 ignores the constraint.
        let outcomes = run_str(&TEST, "0110110101", &[]);
        assert_eq!(outcomes.len(), 8);
        assert_eq!(outcomes[4].label, "x=+1");
        for outcome in &outcomes {
            assert_eq!(
                outcome.result.as_ref().unwrap_err(),
                "not applicable: J = 3 cycles, fewer than the 500 STS requires \
                 (J ≥ max(0.005 √n, 500), STS writes 0); a random sequence has about √(2n/π) \
                 cycles, 500 from about n = 392,700 bits, and SP 800-22 §2.14.7 recommends \
                 n ≥ 1,000,000"
            );
        }
    }

    #[test]
    fn cycles_decide_not_the_length() {
        // 500 cycles of "01" and "10" (each returns to 0 after two bits): J = 500 in 1,000 bits,
        // so the test runs; one cycle fewer and it does not.
        let bits: String = (0..500)
            .map(|i| if i % 2 == 0 { "01" } else { "10" })
            .collect();
        assert!(run_str(&TEST, &bits, &[]).iter().all(|o| o.result.is_ok()));
        let outcomes = run_str(&TEST, &bits[..998], &[]);
        let reason = outcomes[0].result.as_ref().unwrap_err();
        assert!(
            reason.starts_with("not applicable: J = 499 cycles"),
            "{reason}"
        );
    }

    #[test]
    fn cycles_by_hand() {
        // §2.14.4: 0110110101 walks -1 0 1 0 1 2 1 2 1 2, J = 3 cycles; state +1 is visited
        // 0, 1 and 3 times (ν_0 = ν_1 = ν_3 = 1), state +2 0, 0 and 3 times.
        let mut test = RandomExcursions::default();
        test.push(0b0110110101 << 54, 10);
        test.cycles.close();
        assert_eq!(test.cycles.cycles, 3);
        let plus_one: Vec<u64> = (0..6).map(|k| test.cycles.nu[k][4]).collect();
        assert_eq!(plus_one, vec![1, 1, 0, 1, 0, 0]);
        let plus_two: Vec<u64> = (0..6).map(|k| test.cycles.nu[k][5]).collect();
        assert_eq!(plus_two, vec![2, 0, 0, 1, 0, 0]);
    }

    #[test]
    fn later_segments_walk_from_the_level_before_them() {
        // data.e in three segments, the middle one a single word (and one that starts inside a
        // word), merged left to right and the two later segments first: the later segments'
        // bits are walked only once the first segment's level is known.
        let (packed, n) = data_e(1_000_000);
        let one_pass = run_chunked(&TEST, &packed, n, &Params::default(), 1 << 16);
        for cuts in [[0, 8 * 1000, 8 * 1001], [0, 3, 8 * 5000], [0, 8, 16]] {
            for later_first in [false, true] {
                assert_eq!(
                    run_merged(&TEST, &packed, n, &cuts, later_first),
                    one_pass,
                    "{cuts:?}, later first: {later_first}"
                );
            }
        }
    }

    #[test]
    fn sp800_22_data_e_example() {
        // worked_examples.csv "RandomExcursions first 1,000,000 bits of data.e" (§2.14.8),
        // J = 1490; STS 2.1.2: x=-4 0.573306, x=-1 0.007779, x=+1 0.786868, x=+4 0.778186.
        let (packed, n) = data_e(1_000_000);
        let outcomes = run_chunked(&TEST, &packed, n, &Params::default(), 1 << 16);
        let m = outcomes[0].result.as_ref().unwrap();
        assert_eq!(m.figures[0].value, 1490.0);
        for (index, expected) in [
            (0, 0.573_306),
            (3, 0.007_779),
            (4, 0.786_868),
            (7, 0.778_186),
        ] {
            assert!((p_of(&outcomes, index) - expected).abs() < 1e-6, "{index}");
        }
    }
}
