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
//! Merging is not supported yet (it is in `MERGE_NOT_YET`): a later segment does not know the
//! walk's level where it starts, so it cannot tell which state each visit is to.

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
        super::start(setup, |_| Variant {
            walk: Walk { sum: 0 },
            visits: [0; 19],
        })
    },
    restore: super::restore::<Variant>,
};

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Variant {
    walk: Walk<9>,
    /// Visits to S = −9..=9, indexed by S + 9 (index 9, the returns to 0, counts cycles).
    visits: [u64; 19],
}

impl BitTest for Variant {
    const NAME: &'static str = "RandomExcursionsVariant";

    #[inline]
    fn push(&mut self, word: u64, len: u32) {
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
}
