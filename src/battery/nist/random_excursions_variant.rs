//! Random excursions variant test, SP 800-22 Rev 1a §2.15; STS 2.1.2
//! `RandomExcursionsVariant()`.
//!
//! ξ(x) counts all visits of the ±1 random walk to state x = −9..−1, +1..+9 and J its cycles
//! (returns to 0, plus one if the walk does not end at 0);
//! P(x) = erfc(|ξ(x) − J| / sqrt(2J(4|x| − 2))). Not applicable, as in STS, when
//! J < max(0.005 √n, 500): every state's outcome is skipped (STS writes 0).
//!
//! Condition: that J rule, as for the random excursions test ([`super::random_excursions`]),
//! whose module says why §2.15.7's "a minimum of 1,000,000 bits" is not applied on top of it.
//! Measured as there, on 100,000-bit sequences with J ≥ 500: P < 0.01 for 0.68% of 40,482
//! state P-values.
//!
//! For merging, a segment that does not start the sequence does not know the level its walk starts
//! from, so it counts the visits to every level it reaches (memory grows with the walk's range,
//! about the square root of the segment's bits for random data, all of them for constant data); a
//! merge shifts those by the earlier segment's final level and keeps the states −9..=9.

use super::random_excursions::{cycles_needed, too_few_cycles, Walk};
use super::{packed_bits_only, skip_all, BitTest};
use crate::battery::{Outcome, Setup, Test};
use crate::stats::normal;

/// The `RandomExcursionsVariant` test's entry in the NIST SP 800-22 battery: its name, summary, reference and parameters,
/// and how it starts on a stream.
pub const TEST: Test = Test {
    name: "RandomExcursionsVariant",
    summary: "total visits to states -9..9 of the ±1 random walk",
    reference: "NIST SP 800-22 Rev 1a §2.15; STS 2.1.2 RandomExcursionsVariant",
    params: &[],
    applies_to: packed_bits_only,
    start: |setup: &Setup| {
        super::start(setup, |setup| Variant {
            walk: Walk { sum: 0 },
            visits: [0; 19],
            // A segment after the first does not know the level its walk starts from.
            levels: (setup.offset > 0).then(Levels::default),
        })
    },
    restore: super::restore::<Variant>,
};

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Variant {
    walk: Walk<9>,
    /// Visits to S = −9..=9, indexed by S + 9 (index 9, the returns to 0, counts cycles).
    visits: [u64; 19],
    /// On a segment that does not start the sequence: the visits to every level of its walk,
    /// counted from its own start, since which of them are −9..=9 depends on the level where
    /// it starts, known only when it is merged.
    levels: Option<Levels>,
}

/// Visits to every level a walk reached: `counts[i]` is for level `lowest + i`.
#[derive(Clone, Default, serde::Serialize, serde::Deserialize)]
struct Levels {
    lowest: i64,
    counts: Vec<u64>,
}

impl Levels {
    fn add(&mut self, level: i64, count: u64) {
        if self.counts.is_empty() {
            self.lowest = level;
        }
        if level < self.lowest {
            // At least doubled, so that a walk going ever lower costs amortised O(1) a step.
            let more = ((self.lowest - level) as usize).max(self.counts.len());
            self.counts.splice(0..0, std::iter::repeat_n(0, more));
            self.lowest -= more as i64;
        }
        let index = (level - self.lowest) as usize;
        if index >= self.counts.len() {
            self.counts
                .resize((index + 1).max(2 * self.counts.len()), 0);
        }
        self.counts[index] += count;
    }

    fn iter(&self) -> impl Iterator<Item = (i64, u64)> + '_ {
        (self.lowest..).zip(self.counts.iter().copied())
    }
}

impl BitTest for Variant {
    const NAME: &'static str = "RandomExcursionsVariant";

    const MERGEABLE: bool = true;

    fn absorb(&mut self, next: Self) {
        let start = self.walk.sum;
        match (&mut self.levels, next.levels) {
            // Next's levels shifted by where this walk stands.
            (None, Some(levels)) => {
                for (level, count) in levels.iter() {
                    let global = start + level;
                    if (-9..=9).contains(&global) {
                        self.visits[(global + 9) as usize] += count;
                    }
                }
            }
            (Some(mine), Some(levels)) => {
                for (level, count) in levels.iter().filter(|&(_, count)| count > 0) {
                    mine.add(start + level, count);
                }
            }
            // Both start the sequence, so this one is empty: its counts are all 0.
            (None, None) => {
                for (count, more) in self.visits.iter_mut().zip(next.visits) {
                    *count += more;
                }
            }
            // Merges only join consecutive segments, and next would start before this one.
            (Some(_), None) => unreachable!("a segment at offset 0 follows a later one"),
        }
        self.walk.sum += next.walk.sum;
    }

    #[inline]
    fn push(&mut self, word: u64, len: u32) {
        if let Some(levels) = &mut self.levels {
            for b in 0..len {
                self.walk.sum += if (word >> (63 - b)) & 1 == 1 { 1 } else { -1 };
                levels.add(self.walk.sum, 1);
            }
            return;
        }
        let visits = &mut self.visits;
        self.walk.push(word, len, |s| visits[(s + 9) as usize] += 1);
    }

    fn labels(&self, _n: u64) -> Vec<String> {
        (-9i64..=9)
            .filter(|&x| x != 0)
            .map(|x| format!("x={x:+}"))
            .collect()
    }

    fn finish(self, n: u64) -> Vec<Outcome> {
        let j = self.visits[9] + u64::from(n > 0 && self.walk.sum != 0);
        // STS casts the bound to int here (it is 500 below n = 10^10 anyway).
        let needed = cycles_needed(n).trunc();
        if (j as f64) < needed {
            let reason = too_few_cycles(j, needed, "SP 800-22 §2.15.7");
            return skip_all(Self::NAME, self.labels(n), &reason);
        }
        let j_f = j as f64;
        (-9i64..=9)
            .filter(|&x| x != 0)
            .zip(self.labels(n))
            .map(|(x, label)| {
                let xi = self.visits[(x + 9) as usize] as f64;
                // erfc(|ξ − J| / sqrt(2J(4|x| − 2))) is the two-sided normal tail at
                // |ξ − J| / sqrt(J(4|x| − 2)).
                let z = (xi - j_f) / (j_f * (4.0 * x.abs() as f64 - 2.0)).sqrt();
                Outcome::measured(Self::NAME, xi, normal::two_sided(z))
                    .with_figure("J", j_f)
                    .with_label(label)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{data_e, p_of, run_chunked, run_str};
    use super::*;
    use crate::battery::Params;

    #[test]
    fn too_few_cycles_is_not_applicable() {
        // worked_examples.csv "RandomExcursionsVariant n=10" (§2.15.4): J = 3, STS writes 0.
        let outcomes = run_str(&TEST, "0110110101", &[]);
        assert_eq!(outcomes.len(), 18);
        assert_eq!(outcomes[0].label, "x=-9");
        assert!(outcomes.iter().all(|o| o.result.is_err()));
    }

    #[test]
    fn visits_by_hand() {
        // §2.15.4: 0110110101 walks -1 0 1 0 1 2 1 2 1 2: ξ(+1) = 4, ξ(+2) = 3, ξ(−1) = 1.
        let mut test = Variant {
            walk: Walk { sum: 0 },
            visits: [0; 19],
            levels: None,
        };
        test.push(0b0110110101 << 54, 10);
        assert_eq!(
            (test.visits[10], test.visits[11], test.visits[8]),
            (4, 3, 1)
        );
    }

    #[test]
    fn sp800_22_data_e_example() {
        // worked_examples.csv "RandomExcursionsVariant first 1,000,000 bits of data.e"
        // (§2.15.8), J = 1490: ξ(−9) = 1450 → 0.858946, ξ(+1) = 1409 → 0.137861,
        // ξ(+9) = 1610 → 0.593930.
        let (packed, n) = data_e(1_000_000);
        let outcomes = run_chunked(&TEST, &packed, n, &Params::default(), 1 << 16);
        let first = outcomes[0].result.as_ref().unwrap();
        assert_eq!((first.statistic, first.figures[0].value), (1450.0, 1490.0));
        for (index, expected) in [(0, 0.858_946), (9, 0.137_861), (17, 0.593_930)] {
            assert!((p_of(&outcomes, index) - expected).abs() < 1e-6, "{index}");
        }
    }

    #[test]
    fn levels_grow_both_ways() {
        // A walk that goes ever lower, then jumps high: every level keeps its own count.
        let mut levels = Levels::default();
        let mut expected = std::collections::BTreeMap::new();
        for level in (-100i64..=3).rev().chain([7, 7, -100, 0]) {
            levels.add(level, 1);
            *expected.entry(level).or_insert(0u64) += 1;
        }
        let seen: std::collections::BTreeMap<i64, u64> =
            levels.iter().filter(|&(_, count)| count > 0).collect();
        assert_eq!(seen, expected);
    }
}
