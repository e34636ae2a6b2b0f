//! Cumulative sums (cusum) test, SP 800-22 Rev 1a §2.13; STS 2.1.2 `CumulativeSums()`.
//!
//! The ±1 random walk S_k; z = max_k |S_k| (forward, mode 0) and the same maximum for the walk
//! taken from the end (reverse, mode 1: max_k |S_n − S_k|, k = 0..n). The P-value is §2.13.4's
//! series
//!   P = 1 − Σ_{k=(−n/z+1)/4}^{(n/z−1)/4} [Φ((4k+1)z/√n) − Φ((4k−1)z/√n)]
//!         + Σ_{k=(−n/z−3)/4}^{(n/z−1)/4} [Φ((4k+3)z/√n) − Φ((4k+1)z/√n)]
//! with STS's truncating integer division in the summation limits. The k = 0 term of the first
//! sum is 1 − 2Q(z/√n); cancelling the 1 by hand and writing every other difference of Φ as a
//! difference of normal upper tails Q keeps far-tail P-values accurate (STS's `1 − sum1 + sum2`
//! loses them below ~1e-16).
//!
//! The walk advances a byte at a time through a table of each byte's net step and its highest
//! and lowest partial sums.
//!
//! Condition: n ≥ 100 (SP 800-22 §2.13.7), for the Brownian approximation of the walk.
//!
//! For merging, a segment keeps its walk's end, maximum and minimum (its walk starts at 0): the
//! later segment's extremes, shifted by the earlier one's end, join the earlier ones.

use super::{packed_bits_only, skip_all, BitTest, Conditions, MinLength};
use crate::battery::{Outcome, Params, Setup, Test};
use crate::stats::normal;

/// The `CumulativeSums` test's entry in the NIST SP 800-22 battery: its name, summary, reference and parameters,
/// and how it starts on a stream.
pub const TEST: Test = Test {
    name: "CumulativeSums",
    summary: "maximal excursion of the ±1 random walk, from the start and from the end",
    reference: "NIST SP 800-22 Rev 1a §2.13; STS 2.1.2 CumulativeSums",
    params: &[],
    applies_to: packed_bits_only,
    start: |setup: &Setup| {
        super::start(setup, |setup: &Setup| CumulativeSums {
            sum: 0,
            sup: 0,
            inf: 0,
            conditions: Conditions::new(&setup.params, min_length(&setup.params)),
        })
    },
    restore: super::restore::<CumulativeSums>,
};

/// The least length for a valid P-value.
pub(crate) fn min_length(_params: &Params) -> Result<MinLength, String> {
    // §2.13.7: "a minimum of 100 bits (i.e., n ≥ 100)".
    MinLength::bits(TEST.name, 100, "SP 800-22 §2.13.7")
}

/// Per byte value: (net step, highest partial sum, lowest partial sum) over its 8 steps.
const BYTE_STEPS: [(i8, i8, i8); 256] = byte_steps();

const fn byte_steps() -> [(i8, i8, i8); 256] {
    let mut table = [(0i8, 0i8, 0i8); 256];
    let mut value = 0;
    while value < 256 {
        let (mut sum, mut high, mut low) = (0i8, i8::MIN, i8::MAX);
        let mut bit = 0;
        while bit < 8 {
            sum += if (value >> (7 - bit)) & 1 == 1 { 1 } else { -1 };
            if sum > high {
                high = sum;
            }
            if sum < low {
                low = sum;
            }
            bit += 1;
        }
        table[value] = (sum, high, low);
        value += 1;
    }
    table
}

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct CumulativeSums {
    sum: i64,
    /// Highest and lowest partial sums, S_0 = 0 included (as STS starts them).
    sup: i64,
    inf: i64,
    conditions: Conditions,
}

impl CumulativeSums {
    #[inline]
    fn step_byte(&mut self, byte: u8) {
        let (delta, high, low) = BYTE_STEPS[byte as usize];
        self.sup = self.sup.max(self.sum + i64::from(high));
        self.inf = self.inf.min(self.sum + i64::from(low));
        self.sum += i64::from(delta);
    }
}

impl BitTest for CumulativeSums {
    const NAME: &'static str = "CumulativeSums";
    const MERGEABLE: bool = true;

    fn absorb(&mut self, next: Self) {
        // Next's walk started at 0 where this one stands at `sum`.
        self.sup = self.sup.max(self.sum + next.sup);
        self.inf = self.inf.min(self.sum + next.inf);
        self.sum += next.sum;
    }

    #[inline]
    fn push(&mut self, word: u64, len: u32) {
        let bytes = word.to_be_bytes();
        let whole = (len / 8) as usize;
        for &byte in &bytes[..whole] {
            self.step_byte(byte);
        }
        for i in 8 * whole as u32..len {
            self.sum += if (word >> (63 - i)) & 1 == 1 { 1 } else { -1 };
            self.sup = self.sup.max(self.sum);
            self.inf = self.inf.min(self.sum);
        }
    }

    fn labels(&self, _n: u64) -> Vec<String> {
        vec!["forward (mode 0)".into(), "reverse (mode 1)".into()]
    }

    fn finish(self, n: u64) -> Vec<Outcome> {
        if let Some(reason) = self.conditions.unmet(n) {
            return skip_all(Self::NAME, self.labels(n), &reason);
        }
        if n == 0 {
            return skip_all(Self::NAME, self.labels(n), "needs at least 1 bit, got 0");
        }
        let forward = self.sup.max(-self.inf);
        let reverse = (self.sup - self.sum).max(self.sum - self.inf);
        let n = n as i64;
        let labels = self.labels(0);
        [forward, reverse]
            .into_iter()
            .zip(labels)
            .map(|(z, label)| {
                Outcome::measured(Self::NAME, z as f64, cusum_p_value(n, z)).with_label(label)
            })
            .collect()
    }
}

/// §2.13.4 step 4 for a walk of `n` steps whose largest excursion is `z` (1 ≤ z ≤ n).
fn cusum_p_value(n: i64, z: i64) -> f64 {
    let root_n = (n as f64).sqrt();
    // Φ(hi·z/√n) − Φ(lo·z/√n) for hi > lo of one sign, from the tail on that side.
    let phi_difference = |hi: i64, lo: i64| -> f64 {
        let (a, b) = ((hi * z) as f64 / root_n, (lo * z) as f64 / root_n);
        if lo >= 0 {
            normal::upper_tail(b) - normal::upper_tail(a)
        } else {
            normal::upper_tail(-a) - normal::upper_tail(-b)
        }
    };
    let mut p = 2.0 * normal::upper_tail(z as f64 / root_n);
    for k in (-n / z + 1) / 4..=(n / z - 1) / 4 {
        if k != 0 {
            p -= phi_difference(4 * k + 1, 4 * k - 1);
        }
    }
    for k in (-n / z - 3) / 4..=(n / z - 1) / 4 {
        p += phi_difference(4 * k + 3, 4 * k + 1);
    }
    p
}

#[cfg(test)]
mod tests {
    use super::super::testing::{p_of, run_str, run_str_sts};
    use super::*;

    const PI100: &str = "1100100100001111110110101010001000100001011010001100001000110100110001001100011001100010100010111000";

    #[test]
    fn sp800_22_examples() {
        // worked_examples.csv "CumulativeSums n=10 forward" (§2.13.4): z = 4, STS 0.4116586
        // (the document prints 0.4116588; STS's 0.41165862 is what we match).
        // The 10-bit example is below §2.13.7's 100 bits.
        let short = run_str_sts(&TEST, "1011010111", &[]);
        assert_eq!(short[0].result.as_ref().unwrap().statistic, 4.0);
        assert!(
            (p_of(&short, 0) - 0.411_658_6).abs() < 1e-7,
            "{}",
            p_of(&short, 0)
        );
        // "n=100 forward/reverse" (§2.13.8): z = 16 and 19, STS 0.219194 and 0.114866.
        let pi = run_str(&TEST, PI100, &[]);
        assert_eq!(pi[0].result.as_ref().unwrap().statistic, 16.0);
        assert_eq!(pi[1].result.as_ref().unwrap().statistic, 19.0);
        assert!((p_of(&pi, 0) - 0.219_194).abs() < 1e-6);
        assert!((p_of(&pi, 1) - 0.114_866).abs() < 1e-6);
    }

    #[test]
    fn fewer_than_100_bits_are_skipped() {
        let outcomes = run_str(&TEST, &PI100[..99], &[]);
        assert_eq!(outcomes.len(), 2);
        for outcome in outcomes {
            let reason = outcome.result.unwrap_err();
            assert!(reason.contains("n ≥ 100 bits") && reason.contains("§2.13.7"));
        }
    }

    #[test]
    fn byte_table_agrees_with_bit_steps() {
        // 0xC9 = 11001001: sums 1 2 1 0 1 0 -1 0 -> net 0, highest 2, lowest -1.
        assert_eq!(BYTE_STEPS[0xC9], (0, 2, -1));
        assert_eq!(BYTE_STEPS[0x00], (-8, -1, -8));
    }

    #[test]
    fn far_tail_keeps_its_digits() {
        // A walk that never turns: z = n = 100. The first sum has only k = 0, the second k = -1
        // and 0, so P = 2Q(10) + 2[Q(10) − Q(30)] = 2·erfc(10/√2) − 2Q(30)
        // = 3.04794120966421e-23 (erfc(10/√2) = 1.523970604832105e-23, mpmath; Q(30) ≈ 5e-198),
        // which STS's `1 − sum1 + sum2` rounds to 0.
        let p = cusum_p_value(100, 100);
        assert!((p / 3.047_941_209_664_21e-23 - 1.0).abs() < 1e-9, "{p}");
    }
}
