//! Approximate entropy test, SP 800-22 Rev 1a §2.12; STS 2.1.2 `ApproximateEntropy()`.
//!
//! With the sequence read cyclically, C_i^m = (count of the m-bit pattern i)/n and
//! φ(m) = Σ_i C_i^m ln C_i^m; ApEn(m) = φ(m) − φ(m+1), χ² = 2n (ln 2 − ApEn(m)) and
//! P = igamc(2^{m−1}, χ²/2). The block length is the parameter `m` (STS's default 10).
//!
//! One pass counts the (m+1)-bit patterns; the m-bit counts are their sums in pairs.

use super::bits::{fold_counts, CyclicPatterns};
use super::{packed_bits_only, skip_all, BitTest};
use crate::battery::{Outcome, Setup, Test};
use crate::stats::chi_square;

pub const TEST: Test = Test {
    name: "ApproximateEntropy",
    summary: "frequency of overlapping m- and (m+1)-bit patterns",
    reference: "NIST SP 800-22 Rev 1a §2.12; STS 2.1.2 ApproximateEntropy",
    params: &["m"],
    applies_to: packed_bits_only,
    start: |setup: &Setup| super::start(ApproximateEntropy::new(setup), setup),
};

const DEFAULT_M: u64 = 10;
/// Counting (m+1)-bit patterns takes 2^{m+1} counters; 2^21 (8 MiB) is the most we allow.
const MAX_M: u64 = 20;

struct ApproximateEntropy {
    m: u32,
    unusable: Option<String>,
    patterns: CyclicPatterns,
}

impl ApproximateEntropy {
    fn new(setup: &Setup) -> Self {
        let m = setup.params.get(TEST.name, "m", DEFAULT_M);
        let unusable =
            (m > MAX_M).then(|| format!("block length m = {m} above the {MAX_M} supported"));
        let m = m.min(MAX_M) as u32;
        ApproximateEntropy {
            m,
            patterns: CyclicPatterns::new(if unusable.is_some() { 1 } else { m + 1 }),
            unusable,
        }
    }
}

/// φ for pattern counts over n positions: Σ (c/n) ln(c/n).
fn phi(counts: &[u32], n: f64) -> f64 {
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let c = f64::from(c);
            c * (c / n).ln()
        })
        .sum::<f64>()
        / n
}

impl BitTest for ApproximateEntropy {
    const NAME: &'static str = "ApproximateEntropy";

    #[inline]
    fn push(&mut self, word: u64, len: u32) {
        self.patterns.push(word, len);
    }

    fn labels(&self, _n: u64) -> Vec<String> {
        vec![format!("m={}", self.m)]
    }

    fn finish(self, n: u64) -> Vec<Outcome> {
        if let Some(reason) = &self.unusable {
            return skip_all(Self::NAME, self.labels(n), reason);
        }
        if n == 0 {
            return skip_all(Self::NAME, self.labels(n), "needs at least 1 bit, got 0");
        }
        let label = self.labels(n).remove(0);
        let longer = self.patterns.finish();
        let n_f = n as f64;
        // φ(0) is 0 by STS's definition (a single empty pattern).
        let phi_m = if self.m == 0 {
            0.0
        } else {
            phi(&fold_counts(&longer), n_f)
        };
        let ap_en = phi_m - phi(&longer, n_f);
        let chi2 = 2.0 * n_f * (std::f64::consts::LN_2 - ap_en);
        let p = chi_square::igamc(2f64.powi(self.m as i32 - 1), chi2 / 2.0);
        vec![Outcome::measured(Self::NAME, chi2, p)
            .with_figure("ApEn", ap_en)
            .with_label(label)]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{p_of, run_str};
    use super::*;
    use crate::stats::tolerance::SIX_DECIMALS;

    #[test]
    fn sp800_22_examples() {
        // worked_examples.csv "ApproximateEntropy n=10 m=3" (§2.12.4): χ² = 10.043859 (the
        // document prints 0.502193 by mistake), STS 0.261961.
        let short = run_str(&TEST, "0100110101", &[("m", 3)]);
        assert_eq!(short[0].label, "m=3");
        let chi2 = short[0].result.as_ref().unwrap().statistic;
        assert!((chi2 - 10.043_859).abs() < 1e-6, "{chi2}");
        assert!((p_of(&short, 0) - 0.261_961).abs() < SIX_DECIMALS);
        // "n=100 m=2" (§2.12.8): ApEn = 0.665393, χ² = 5.550792, STS 0.235301.
        let pi100 = "1100100100001111110110101010001000100001011010001100001000110100110001001100011001100010100010111000";
        let pi = run_str(&TEST, pi100, &[("m", 2)]);
        let m = pi[0].result.as_ref().unwrap();
        assert!((m.statistic - 5.550_792).abs() < 1e-6);
        assert!((m.figures[0].value - 0.665_393).abs() < 1e-6);
        assert!((p_of(&pi, 0) - 0.235_301).abs() < SIX_DECIMALS);
    }

    #[test]
    fn oversized_block_is_skipped() {
        assert!(run_str(&TEST, "0101", &[("m", 40)])[0].result.is_err());
    }
}
