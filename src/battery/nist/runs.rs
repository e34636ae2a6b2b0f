//! Runs test, SP 800-22 Rev 1a §2.3; STS 2.1.2 `Runs()`.
//!
//! π = ones / n. When the frequency prerequisite |π − 1/2| ≥ τ = 2/√n fails (STS tests `>`), the
//! test is not run and STS writes P-value 0 (§2.3.4 step 2: "the test need not be performed"):
//! so does this battery, which counts it as a failure as STS's final analysis does. Otherwise
//! V_n = 1 + #{k : ε_k ≠ ε_{k+1}} and P = erfc(|V_n − 2nπ(1−π)| / (2√(2n) π(1−π))).
//! Transitions are counted a word at a time: popcount(w XOR (w >> 1 with the previous bit)).
//!
//! Condition: n ≥ 100 (SP 800-22 §2.3.7), for the normal approximation of V_n.
//!
//! For merging, a segment keeps its first and last bits: the transition across the boundary is
//! counted from the earlier segment's last bit and the later one's first.

use super::{packed_bits_only, skip_all, BitTest, Conditions, MinLength};
use crate::battery::{Outcome, Params, Setup, Test};
use crate::stats::normal;
use std::f64::consts::SQRT_2;

/// The `Runs` test's entry in the NIST SP 800-22 battery: its name, summary, reference and parameters,
/// and how it starts on a stream.
pub const TEST: Test = Test {
    name: "Runs",
    summary: "number of runs of identical bits",
    reference: "NIST SP 800-22 Rev 1a §2.3; STS 2.1.2 Runs",
    params: &[],
    applies_to: packed_bits_only,
    start: |setup: &Setup| {
        super::start(setup, |setup: &Setup| Runs {
            ones: 0,
            transitions: 0,
            last: None,
            first: None,
            conditions: Conditions::new(&setup.params, min_length(&setup.params)),
        })
    },
    restore: super::restore::<Runs>,
};

/// The least length for a valid P-value.
pub(crate) fn min_length(_params: &Params) -> Result<MinLength, String> {
    // §2.3.7: "a minimum of 100 bits (i.e., n ≥ 100)".
    MinLength::bits(TEST.name, 100, "SP 800-22 §2.3.7")
}

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Runs {
    ones: u64,
    transitions: u64,
    /// The last bit seen, once there is one.
    last: Option<u64>,
    /// The first bit, for the transition across the boundary when the segment before is merged.
    first: Option<u64>,
    conditions: Conditions,
}

impl BitTest for Runs {
    const NAME: &'static str = "Runs";
    const MERGEABLE: bool = true;

    fn absorb(&mut self, next: Self) {
        match (self.last, next.first) {
            (Some(last), Some(first)) => self.transitions += last ^ first,
            (None, _) => self.first = next.first,
            (Some(_), None) => {}
        }
        self.transitions += next.transitions;
        self.ones += next.ones;
        self.last = next.last.or(self.last);
    }

    #[inline]
    fn push(&mut self, word: u64, len: u32) {
        self.ones += u64::from(word.count_ones());
        // The first bit of the sequence has no predecessor: pretend it repeats itself.
        let before = match self.last {
            Some(last) => last,
            None => {
                self.first = Some(word >> 63);
                word >> 63
            }
        };
        let shifted = (word >> 1) | (before << 63);
        self.transitions += u64::from(((word ^ shifted) & super::bits::top_mask(len)).count_ones());
        self.last = Some((word >> (64 - len)) & 1);
    }

    fn labels(&self, _n: u64) -> Vec<String> {
        vec![String::new()]
    }

    fn finish(self, n: u64) -> Vec<Outcome> {
        if let Some(reason) = self.conditions.unmet(n) {
            return skip_all(Self::NAME, self.labels(n), &reason);
        }
        if n == 0 {
            return skip_all(Self::NAME, self.labels(n), "needs at least 1 bit, got 0");
        }
        let n_f = n as f64;
        let pi = self.ones as f64 / n_f;
        let v_obs = (self.transitions + 1) as f64;
        let spread = pi * (1.0 - pi);
        let p = if (pi - 0.5).abs() > 2.0 / n_f.sqrt() || spread == 0.0 {
            0.0
        } else {
            let arg = (v_obs - 2.0 * n_f * spread).abs() / (2.0 * (2.0 * n_f).sqrt() * spread);
            // erfc(arg) is the two-sided normal tail at arg·√2.
            normal::two_sided(arg * SQRT_2)
        };
        vec![Outcome::measured(Self::NAME, v_obs, p).with_figure("pi", pi)]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{p_of, run_str, run_str_sts};
    use super::*;
    use crate::stats::tolerance::SIX_DECIMALS;

    #[test]
    fn sp800_22_examples() {
        // worked_examples.csv "Runs n=10" (§2.3.4): V_n = 7, STS 0.147232 (below §2.3.7's 100
        // bits).
        let short = run_str_sts(&TEST, "1001101011", &[]);
        assert_eq!(short[0].result.as_ref().unwrap().statistic, 7.0);
        assert!((p_of(&short, 0) - 0.147_232).abs() < SIX_DECIMALS);
        // "Runs n=100" (§2.3.8): STS 0.500798.
        let pi100 = "1100100100001111110110101010001000100001011010001100001000110100110001001100011001100010100010111000";
        assert!((p_of(&run_str(&TEST, pi100, &[]), 0) - 0.500_798).abs() < SIX_DECIMALS);
    }

    #[test]
    fn fewer_than_100_bits_are_skipped() {
        let reason = run_str(&TEST, &"1001".repeat(25)[..99], &[])[0]
            .result
            .clone()
            .unwrap_err();
        assert_eq!(
            reason,
            "Runs needs n ≥ 100 bits (SP 800-22 §2.3.7); the sequence has 99"
        );
    }

    #[test]
    fn failed_prerequisite_gives_zero() {
        // 90 ones in 100 bits: |0.9 − 0.5| > 2/√100, STS writes 0.
        let bits = format!("{}{}", "1".repeat(90), "0".repeat(10));
        assert_eq!(p_of(&run_str(&TEST, &bits, &[]), 0), 0.0);
    }
}
