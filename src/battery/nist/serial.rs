//! Serial test, SP 800-22 Rev 1a §2.11; STS 2.1.2 `Serial()`.
//!
//! With the sequence read cyclically and ν_i the counts of the m-bit patterns,
//! ψ²_m = (2^m / n) Σ ν_i² − n (ψ²_0 = ψ²_{−1} = 0), ∇ψ²_m = ψ²_m − ψ²_{m−1},
//! ∇²ψ²_m = ψ²_m − 2ψ²_{m−1} + ψ²_{m−2}; P1 = igamc(2^{m−2}, ∇ψ²_m/2) and
//! P2 = igamc(2^{m−3}, ∇²ψ²_m/2). The block length is the parameter `m` (STS's default 16).
//!
//! One pass counts the m-bit patterns; the shorter counts are sums of them. Σ ν_i² is exact in
//! integers.
//!
//! Condition: m < ⌊log2 n⌋ − 2 (SP 800-22 §2.11.7), i.e. n ≥ 2^{m+3}: at least 8 expected
//! occurrences of each m-bit pattern; 524,288 bits for m = 16.
//!
//! For merging, a segment keeps its first word and its last 64 bits: the windows across the
//! boundary are counted from the earlier segment's last bits and the later one's first m−1, and the
//! wrap-around at the end uses the merged sequence's first word.

use super::bits::{fold_counts, CyclicPatterns};
use super::{packed_bits_only, skip_all, BitTest, Conditions, MinLength};
use crate::battery::{Outcome, Params, Setup, Test};
use crate::stats::chi_square;

/// The `Serial` test's entry in the NIST SP 800-22 battery: its name, summary, reference and parameters,
/// and how it starts on a stream.
pub const TEST: Test = Test {
    name: "Serial",
    summary: "frequency of all overlapping m-bit patterns",
    reference: "NIST SP 800-22 Rev 1a §2.11; STS 2.1.2 Serial",
    params: &["m"],
    applies_to: packed_bits_only,
    start: |setup: &Setup| super::start(setup, Serial::new),
    restore: super::restore::<Serial>,
};

const DEFAULT_M: u64 = 16;
/// 2^m counters; 2^21 (8 MiB) is the most we allow.
const MAX_M: u64 = 21;

/// The least length for valid P-values with the block length `params` give.
pub(crate) fn min_length(params: &Params) -> Result<MinLength, String> {
    let m = params.get(TEST.name, "m", DEFAULT_M);
    if !(1..=MAX_M).contains(&m) {
        return Err(out_of_range(m));
    }
    Ok(MinLength {
        what: format!("{} m={m}", TEST.name),
        condition: Some("m < ⌊log2 n⌋ − 2".into()),
        // ⌊log2 n⌋ ≥ m + 3 ⇔ n ≥ 2^{m+3}.
        bits: 1 << (m + 3),
        source: "SP 800-22 §2.11.7".into(),
    })
}

fn out_of_range(m: u64) -> String {
    format!("block length m = {m} outside 1..={MAX_M}")
}

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Serial {
    m: u32,
    conditions: Conditions,
    unusable: Option<String>,
    patterns: CyclicPatterns,
}

impl Serial {
    fn new(setup: &Setup) -> Self {
        let m = setup.params.get(TEST.name, "m", DEFAULT_M);
        let unusable = (!(1..=MAX_M).contains(&m)).then(|| out_of_range(m));
        let m = m.clamp(1, MAX_M) as u32;
        Serial {
            m,
            conditions: Conditions::new(&setup.params, min_length(&setup.params)),
            patterns: CyclicPatterns::new(if unusable.is_some() { 1 } else { m }),
            unusable,
        }
    }
}

/// ψ² for the counts of the `counts.len()`-many patterns over n positions.
fn psi_squared(counts: &[u32], n: u64) -> f64 {
    let squares: u128 = counts.iter().map(|&c| u128::from(c) * u128::from(c)).sum();
    let scaled = squares * counts.len() as u128;
    let n2 = u128::from(n) * u128::from(n);
    // (2^m Σν² − n²)/n, the difference taken exactly (Σν² ≥ n²/2^m by Cauchy–Schwarz).
    scaled.saturating_sub(n2) as f64 / n as f64
}

impl BitTest for Serial {
    const NAME: &'static str = "Serial";
    const MERGEABLE: bool = true;

    fn absorb(&mut self, next: Self) {
        self.patterns.absorb(next.patterns);
    }

    #[inline]
    fn push(&mut self, word: u64, len: u32) {
        self.patterns.push(word, len);
    }

    fn labels(&self, _n: u64) -> Vec<String> {
        let m = self.m;
        vec![
            format!("m={m} P-value1 (del psi^2_m)"),
            format!("m={m} P-value2 (del^2 psi^2_m)"),
        ]
    }

    fn finish(self, n: u64) -> Vec<Outcome> {
        if let Some(reason) = self.conditions.unmet(n) {
            return skip_all(Self::NAME, self.labels(n), &reason);
        }
        if let Some(reason) = &self.unusable {
            return skip_all(Self::NAME, self.labels(n), reason);
        }
        if n == 0 {
            return skip_all(Self::NAME, self.labels(n), "needs at least 1 bit, got 0");
        }
        let labels = self.labels(n);
        let m = self.m as i32;
        let counts_m = self.patterns.finish();
        let psi_m = psi_squared(&counts_m, n);
        let (psi_m1, psi_m2) = if m >= 2 {
            let counts_m1 = fold_counts(&counts_m);
            let psi_m2 = if m >= 3 {
                psi_squared(&fold_counts(&counts_m1), n)
            } else {
                0.0
            };
            (psi_squared(&counts_m1, n), psi_m2)
        } else {
            (0.0, 0.0)
        };
        let del1 = psi_m - psi_m1;
        let del2 = psi_m - 2.0 * psi_m1 + psi_m2;
        let p1 = chi_square::igamc(2f64.powi(m - 1) / 2.0, del1 / 2.0);
        let p2 = chi_square::igamc(2f64.powi(m - 2) / 2.0, del2 / 2.0);
        vec![
            Outcome::measured(Self::NAME, del1, p1).with_label(labels[0].clone()),
            Outcome::measured(Self::NAME, del2, p2).with_label(labels[1].clone()),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{chacha_bits, data_e, p_of, run_chunked, run_str, run_str_sts};
    use super::*;
    use crate::battery::Params;
    use crate::stats::tolerance::SIX_DECIMALS;

    #[test]
    fn sp800_22_examples() {
        // worked_examples.csv "Serial n=10 m=3" (§2.11.6): STS 0.808792 and 0.670320 (m = 3
        // needs 64 bits under §2.11.7).
        let short = run_str_sts(&TEST, "0011011101", &[("m", 3)]);
        assert_eq!(short[0].label, "m=3 P-value1 (del psi^2_m)");
        assert!((p_of(&short, 0) - 0.808_792).abs() < SIX_DECIMALS);
        assert!((p_of(&short, 1) - 0.670_320).abs() < SIX_DECIMALS);
    }

    #[test]
    fn m_must_be_below_log2_n_minus_2() {
        let short = run_str(&TEST, "0011011101", &[("m", 3)]);
        assert_eq!(short.len(), 2);
        for outcome in &short {
            assert_eq!(
                outcome.result.as_ref().unwrap_err(),
                "Serial m=3 needs m < ⌊log2 n⌋ − 2, i.e. n ≥ 64 bits (SP 800-22 §2.11.7); \
                 the sequence has 10"
            );
        }
        // The default m = 16 needs 2^19 = 524,288 bits.
        let data = chacha_bits(10, 524_288);
        let short = run_chunked(&TEST, &data, 524_287, &Params::default(), 1 << 14);
        let reason = short[1].result.as_ref().unwrap_err();
        assert!(reason.contains("n ≥ 524,288 bits"), "{reason}");
        let enough = run_chunked(&TEST, &data, 524_288, &Params::default(), 1 << 14);
        assert!(p_of(&enough, 0) <= 1.0 && p_of(&enough, 1) <= 1.0);
    }

    #[test]
    fn sp800_22_data_e_example() {
        // worked_examples.csv "Serial first 1,000,000 bits of data.e m=2" (§2.11.8):
        // ∇ψ² = 0.339764, ∇²ψ² = 0.336400, STS 0.843764 and 0.561915.
        let (packed, n) = data_e(1_000_000);
        let mut params = Params::default();
        params.0.insert("Serial.m".into(), 2);
        let outcomes = run_chunked(&TEST, &packed, n, &params, 1 << 16);
        let del1 = outcomes[0].result.as_ref().unwrap().statistic;
        let del2 = outcomes[1].result.as_ref().unwrap().statistic;
        assert!((del1 - 0.339_764).abs() < 1e-6 && (del2 - 0.336_400).abs() < 1e-6);
        assert!((p_of(&outcomes, 0) - 0.843_764).abs() < SIX_DECIMALS);
        assert!((p_of(&outcomes, 1) - 0.561_915).abs() < SIX_DECIMALS);
    }
}
