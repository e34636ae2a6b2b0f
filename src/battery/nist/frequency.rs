//! Frequency (monobit) test, SP 800-22 Rev 1a §2.1; STS 2.1.2 `Frequency()`.
//!
//! S_n = #ones − #zeros, s_obs = |S_n| / sqrt(n), P-value = erfc(s_obs / sqrt 2). One popcount
//! per 64-bit word.
//!
//! Condition: n ≥ 100 (SP 800-22 §2.1.7), for the normal approximation of S_n.
//!
//! Merging segments adds their counts of ones; no boundary context is needed.

use super::{packed_bits_only, BitTest, Conditions, MinLength};
use crate::battery::{Outcome, Params, Setup, Test};
use crate::stats::normal;

/// The `Frequency` test's entry in the NIST SP 800-22 battery: its name, summary, reference and parameters,
/// and how it starts on a stream.
pub const TEST: Test = Test {
    name: "Frequency",
    summary: "proportion of ones in the sequence",
    reference: "NIST SP 800-22 Rev 1a §2.1; STS 2.1.2 Frequency",
    params: &[],
    applies_to: packed_bits_only,
    start: |setup: &Setup| {
        super::start(setup, |setup: &Setup| Frequency {
            ones: 0,
            conditions: Conditions::new(&setup.params, min_length(&setup.params)),
        })
    },
    restore: super::restore::<Frequency>,
};

/// The least length for a valid P-value.
pub(crate) fn min_length(_params: &Params) -> Result<MinLength, String> {
    // §2.1.7: "a minimum of 100 bits (i.e., n ≥ 100)".
    MinLength::bits(TEST.name, 100, "SP 800-22 §2.1.7")
}

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Frequency {
    ones: u64,
    conditions: Conditions,
}

impl BitTest for Frequency {
    const NAME: &'static str = "Frequency";
    const MERGEABLE: bool = true;

    fn absorb(&mut self, next: Self) {
        self.ones += next.ones;
    }

    #[inline]
    fn push(&mut self, word: u64, _len: u32) {
        self.ones += u64::from(word.count_ones());
    }

    fn labels(&self, n: u64) -> Vec<String> {
        vec![format!("n={n}")]
    }

    fn finish(self, n: u64) -> Vec<Outcome> {
        let label = self.labels(n).remove(0);
        if let Some(reason) = self.conditions.unmet(n) {
            return vec![Outcome::skipped(Self::NAME, reason).with_label(label)];
        }
        if n == 0 {
            return vec![
                Outcome::skipped(Self::NAME, "needs at least 1 bit, got 0").with_label(label)
            ];
        }
        let sum = 2.0 * self.ones as f64 - n as f64;
        let s_obs = sum.abs() / (n as f64).sqrt();
        vec![
            Outcome::measured(Self::NAME, s_obs, normal::two_sided(s_obs))
                .with_figure("S_n", sum)
                .with_label(label),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{p_of, run_str, run_str_sts};
    use super::*;
    use crate::stats::tolerance::SIX_DECIMALS;

    #[test]
    fn sp800_22_examples() {
        // worked_examples.csv rows "Frequency n=10" (§2.1.4) and "n=100" (§2.1.8): STS 2.1.2
        // prints 0.527089 and 0.109599. The 10-bit example is below §2.1.7's 100 bits.
        let short = run_str_sts(&TEST, "1011010101", &[]);
        assert_eq!(short[0].label, "n=10");
        assert!((p_of(&short, 0) - 0.527_089).abs() < SIX_DECIMALS);
        let pi100 = "1100100100001111110110101010001000100001011010001100001000110100110001001100011001100010100010111000";
        assert!((p_of(&run_str(&TEST, pi100, &[]), 0) - 0.109_599).abs() < SIX_DECIMALS);
    }

    #[test]
    fn fewer_than_100_bits_are_skipped() {
        let outcomes = run_str(&TEST, &"10".repeat(49), &[]);
        let reason = outcomes[0].result.as_ref().unwrap_err();
        assert_eq!(
            reason,
            "Frequency needs n ≥ 100 bits (SP 800-22 §2.1.7); the sequence has 98"
        );
    }
}
