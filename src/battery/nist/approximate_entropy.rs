//! Approximate entropy test, SP 800-22 Rev 1a §2.12; STS 2.1.2 `ApproximateEntropy()`.
//!
//! With the sequence read cyclically, C_i^m = (count of the m-bit pattern i)/n and
//! φ(m) = Σ_i C_i^m ln C_i^m; ApEn(m) = φ(m) − φ(m+1), χ² = 2n (ln 2 − ApEn(m)) and
//! P = igamc(2^{m−1}, χ²/2). The block length is the parameter `m` (STS's default 10).
//!
//! One pass counts the (m+1)-bit patterns; the m-bit counts are their sums in pairs.
//!
//! Condition: m < ⌊log2 n⌋ − 5 (SP 800-22 §2.12.7), i.e. n ≥ 2^{m+6}: at least 32 expected
//! occurrences of each (m+1)-bit pattern; 65,536 bits for m = 10. On 10,000 bits (m = 10,
//! fewer than 5 per pattern) 198 of 200 runs of 20 good sequences failed. At the bound single
//! P-values are still somewhat liberal (P < 0.01 for 1.62% of 10,000 ChaCha20 sequences of
//! 65,536 bits), but groups of 20 of them gave a cell P-value (the family-wise rule's) of at
//! most 0.01 in 4 of 500, where exactly uniform P-values give 0.69%.
//!
//! For merging, a segment keeps its first word and its last 64 bits: the windows across the
//! boundary are counted from the earlier segment's last bits and the later one's first m, and the
//! wrap-around at the end uses the merged sequence's first word.

use super::bits::{fold_counts, CyclicPatterns};
use super::{packed_bits_only, skip_all, BitTest, Conditions, MinLength};
use crate::battery::{Outcome, Params, Setup, Test};
use crate::stats::chi_square;

/// The `ApproximateEntropy` test's entry in the NIST SP 800-22 battery: its name, summary, reference and parameters,
/// and how it starts on a stream.
pub const TEST: Test = Test {
    name: "ApproximateEntropy",
    summary: "frequency of overlapping m- and (m+1)-bit patterns",
    reference: "NIST SP 800-22 Rev 1a §2.12; STS 2.1.2 ApproximateEntropy",
    params: &["m"],
    applies_to: packed_bits_only,
    start: |setup: &Setup| super::start(setup, ApproximateEntropy::new),
    restore: super::restore::<ApproximateEntropy>,
};

const DEFAULT_M: u64 = 10;
/// Counting (m+1)-bit patterns takes 2^{m+1} counters; 2^21 (8 MiB) is the most we allow.
const MAX_M: u64 = 20;

/// The least length for a valid P-value with the block length `params` give.
pub(crate) fn min_length(params: &Params) -> Result<MinLength, String> {
    let m = params.get(TEST.name, "m", DEFAULT_M);
    if m > MAX_M {
        return Err(too_long(m));
    }
    Ok(MinLength {
        what: format!("{} m={m}", TEST.name),
        condition: Some("m < ⌊log2 n⌋ − 5".into()),
        // ⌊log2 n⌋ ≥ m + 6 ⇔ n ≥ 2^{m+6}.
        bits: 1 << (m + 6),
        source: "SP 800-22 §2.12.7".into(),
    })
}

fn too_long(m: u64) -> String {
    format!("block length m = {m} above the {MAX_M} supported")
}

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct ApproximateEntropy {
    m: u32,
    conditions: Conditions,
    unusable: Option<String>,
    patterns: CyclicPatterns,
}

impl ApproximateEntropy {
    fn new(setup: &Setup) -> Self {
        let m = setup.params.get(TEST.name, "m", DEFAULT_M);
        let unusable = (m > MAX_M).then(|| too_long(m));
        let m = m.min(MAX_M) as u32;
        ApproximateEntropy {
            m,
            conditions: Conditions::new(&setup.params, min_length(&setup.params)),
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
    const MERGEABLE: bool = true;

    fn absorb(&mut self, next: Self) {
        self.patterns.absorb(next.patterns);
    }

    #[inline]
    fn push(&mut self, word: u64, len: u32) {
        self.patterns.push(word, len);
    }

    fn labels(&self, _n: u64) -> Vec<String> {
        vec![format!("m={}", self.m)]
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
    use super::super::testing::{chacha_bits, p_of, run_chunked, run_str, run_str_sts};
    use super::*;
    use crate::battery::Params;
    use crate::stats::tolerance::SIX_DECIMALS;

    #[test]
    fn sp800_22_examples() {
        // worked_examples.csv "ApproximateEntropy n=10 m=3" (§2.12.4): χ² = 10.043859 (the
        // document prints 0.502193 by mistake), STS 0.261961. Neither example meets §2.12.7
        // (m = 3 needs 512 bits, m = 2 needs 256).
        let short = run_str_sts(&TEST, "0100110101", &[("m", 3)]);
        assert_eq!(short[0].label, "m=3");
        let chi2 = short[0].result.as_ref().unwrap().statistic;
        assert!((chi2 - 10.043_859).abs() < 1e-6, "{chi2}");
        assert!((p_of(&short, 0) - 0.261_961).abs() < SIX_DECIMALS);
        // "n=100 m=2" (§2.12.8): ApEn = 0.665393, χ² = 5.550792, STS 0.235301.
        let pi100 = "1100100100001111110110101010001000100001011010001100001000110100110001001100011001100010100010111000";
        let pi = run_str_sts(&TEST, pi100, &[("m", 2)]);
        let m = pi[0].result.as_ref().unwrap();
        assert!((m.statistic - 5.550_792).abs() < 1e-6);
        assert!((m.figures[0].value - 0.665_393).abs() < 1e-6);
        assert!((p_of(&pi, 0) - 0.235_301).abs() < SIX_DECIMALS);
    }

    #[test]
    fn oversized_block_is_skipped() {
        assert!(run_str(&TEST, "0101", &[("m", 40)])[0].result.is_err());
        assert!(run_str_sts(&TEST, "0101", &[("m", 40)])[0].result.is_err());
    }

    #[test]
    fn m_must_be_below_log2_n_minus_5() {
        let data = chacha_bits(9, 65_536);
        let short = run_chunked(&TEST, &data, 10_000, &Params::default(), 1000);
        assert_eq!(
            short[0].result.as_ref().unwrap_err(),
            "ApproximateEntropy m=10 needs m < ⌊log2 n⌋ − 5, i.e. n ≥ 65,536 bits \
             (SP 800-22 §2.12.7); the sequence has 10,000"
        );
        let short = run_chunked(&TEST, &data, 65_535, &Params::default(), 1000);
        assert!(short[0].result.is_err());
        let enough = run_chunked(&TEST, &data, 65_536, &Params::default(), 1000);
        assert!(p_of(&enough, 0) <= 1.0);
        // A user's m = 11 breaks it on 65,536 bits; m = 9 meets it on 32,768.
        let mut params = Params::default();
        params.0.insert("ApproximateEntropy.m".into(), 11);
        let reason = run_chunked(&TEST, &data, 65_536, &params, 1000)[0]
            .result
            .clone()
            .unwrap_err();
        assert!(reason.starts_with("ApproximateEntropy m=11 needs") && reason.contains("131,072"));
        params.0.insert("ApproximateEntropy.m".into(), 9);
        assert!(run_chunked(&TEST, &data, 32_768, &params, 1000)[0]
            .result
            .is_ok());
    }
}
