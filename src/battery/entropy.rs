//! Entropy test: Shannon entropy per symbol, judged by a G-test, plus a min-entropy estimate.
//!
//! H = −Σ p_i log₂ p_i (bits per symbol, p_i = ν_i/N) is the statistic, the figure `ent` prints
//! for bytes. Its shortfall from log₂ k is the G-test (log-likelihood ratio) statistic of the
//! counts against the uniform distribution, G = 2 Σ ν_i ln(ν_i k / N) = 2 N ln 2 (log₂ k − H),
//! which is χ²(k − 1) for a uniform source (Wilks 1938; Sokal & Rohlf, Biometry, §17.1).
//!
//! The figure `min_entropy_mcv` is NIST SP 800-90B §6.3.1's Most Common Value estimate:
//! p̂ = max ν_i / N, p_u = min(1, p̂ + 2.576 √(p̂(1 − p̂)/(N − 1))), H_min = −log₂ p_u. It is an
//! estimate for entropy-source assessment, not a hypothesis test, so it is reported beside the
//! p-value rather than folded into it.
//!
//! Merging segments adds their counts; no boundary context is needed.

use super::frequency::SymbolCounts;
use super::state::{Segment, Segmented};
use super::{any_alphabet, Chunk, Outcome, Setup, Test, Views};
use crate::stats::chi_square;

/// The `entropy` test's entry in the default battery: its name, summary, reference and parameters,
/// and how it starts on a stream.
pub const TEST: Test = Test {
    name: "entropy",
    summary: "Shannon entropy per symbol (G-test) and most-common-value min-entropy",
    reference: "G-test against χ²(k − 1); NIST SP 800-90B §6.3.1 (Most Common Value estimate)",
    params: &[],
    applies_to: any_alphabet,
    start: |setup| Segmented::start(setup, Entropy::new),
    restore: Segmented::<Entropy>::restore,
};

/// The G statistic's χ² approximation is liberal with few symbols per value (a calibration run
/// of 10,000 ChaCha20 streams rejected 4% at α = 0.01 with 5 per value, and 1.4% at 16 without
/// correction); with Williams' correction it is calibrated from 16 per value on.
const MIN_EXPECTED_PER_CELL: u64 = 16;

/// SP 800-90B §6.3.1: the upper bound of a 99% confidence interval on the most common value's
/// probability.
const MCV_Z: f64 = 2.576;

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Entropy {
    alphabet: u16,
    counts: Box<SymbolCounts>,
}

impl Entropy {
    fn new(setup: &Setup) -> Self {
        Entropy {
            alphabet: setup.alphabet,
            counts: Box::new(SymbolCounts::new()),
        }
    }
}

impl Segment for Entropy {
    const NAME: &'static str = TEST.name;
    const VERSION: u32 = 1;

    const READS: Views = Views::HISTOGRAM;

    fn update(&mut self, chunk: &Chunk<'_>) {
        self.counts.add(chunk.histogram());
    }

    fn outcomes(self) -> Vec<Outcome> {
        vec![entropy_outcome(&self.counts.counts(self.alphabet))]
    }

    fn absorb(&mut self, next: Self) {
        self.counts.add_counts(&next.counts);
    }
}

fn entropy_outcome(counts: &[u64]) -> Outcome {
    let cells = counts.len() as u64;
    let total: u64 = counts.iter().sum();
    let needed = MIN_EXPECTED_PER_CELL * cells;
    if cells < 2 {
        return Outcome::skipped(TEST.name, "needs an alphabet of at least 2 symbols");
    }
    if total < needed {
        return Outcome::skipped(
            TEST.name,
            format!(
                "needs at least {needed} symbols ({MIN_EXPECTED_PER_CELL} per symbol value), got {total}"
            ),
        );
    }
    let n = total as f64;
    let shannon_bits: f64 = counts
        .iter()
        .filter(|&&count| count > 0)
        .map(|&count| {
            let p = count as f64 / n;
            -p * p.log2()
        })
        .sum();
    // G from the counts rather than from log₂ k − H: for a good generator that difference is
    // ~k/N, and subtracting two numbers near log₂ k would leave few of its digits. Each term is
    // ν ln(1 + (kν − N)/N), with kν − N exact.
    let g: f64 = 2.0
        * counts
            .iter()
            .filter(|&&count| count > 0)
            .map(|&count| {
                let excess = i128::from(cells) * i128::from(count) - i128::from(total);
                count as f64 * (excess as f64 / n).ln_1p()
            })
            .sum::<f64>();
    // Williams' correction (Williams 1976, Biometrika 63: q = 1 + (k + 1)/(6N) for a
    // goodness-of-fit G with k cells) brings the statistic's mean to k − 1 to second order.
    let williams = 1.0 + (cells + 1) as f64 / (6.0 * n);
    let p_value = chi_square::upper_tail(g.max(0.0) / williams, (cells - 1) as f64);
    Outcome::measured(TEST.name, shannon_bits, p_value)
        .with_figure("entropy_bits_per_symbol", shannon_bits)
        .with_figure(
            "min_entropy_mcv",
            most_common_value_min_entropy(counts, total),
        )
}

/// SP 800-90B §6.3.1, in bits per symbol; `total` is at least 2.
fn most_common_value_min_entropy(counts: &[u64], total: u64) -> f64 {
    let most_common = counts.iter().copied().max().unwrap_or(0) as f64;
    let p_hat = most_common / total as f64;
    let p_upper = (p_hat + MCV_Z * (p_hat * (1.0 - p_hat) / (total - 1) as f64).sqrt()).min(1.0);
    // log₂(1/p) rather than −log₂ p, so a constant stream reads 0 rather than −0.
    (1.0 / p_upper).log2()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::battery::frequency::ent_fixture;
    use crate::battery::run_chunked;
    use crate::stats::tolerance::{MPMATH, SIX_DECIMALS};

    fn figure(outcome: &Outcome, name: &str) -> f64 {
        let measured = outcome.result.as_ref().unwrap();
        measured
            .figures
            .iter()
            .find(|f| f.name == name)
            .unwrap()
            .value
    }

    #[test]
    fn known_answer_small_alphabet() {
        // mpmath 1.3 at 30 digits, counts c = [10, 20, 30, 40], k = 4, N = 100:
        //   H = -sum(c/100 * log(c/100, 2)) = 1.84643934467101549343419774631
        //   G = 2*sum(c*log(c/25)) = 21.2880270572446303304556961534 (= 2*N*ln2*(2 - H))
        //   Williams' q = 1 + (k+1)/(6N) = 1.00833..., G/q = 21.1120929493335176830965581686,
        //   gammainc(mpf(3)/2, G/q/2, inf, regularized=True) = 0.0000997812071185636817221099
        //   (scipy 1.17 power_divergence(c, lambda_="log-likelihood") gives the same G)
        //   MCV: p_u = 0.4 + 2.576*sqrt(0.4*0.6/99) = 0.526833472305104447809361576193,
        //   -log(p_u, 2) = 0.924581084914634844105367566187
        let counts = [10u64, 20, 30, 40];
        let outcome = entropy_outcome(&counts);
        let measured = outcome.result.as_ref().unwrap();
        assert!(
            (measured.statistic - EXPECTED_H).abs() < MPMATH,
            "{measured:?}"
        );
        assert!(
            (measured.p_value / EXPECTED_P - 1.0).abs() < MPMATH,
            "{measured:?}"
        );
        assert!((figure(&outcome, "min_entropy_mcv") - EXPECTED_MCV).abs() < MPMATH);
        assert_eq!(
            figure(&outcome, "entropy_bits_per_symbol"),
            measured.statistic
        );
    }

    const EXPECTED_H: f64 = 1.846_439_344_671_015_5;
    const EXPECTED_P: f64 = 0.000_099_781_207_118_563_68;
    const EXPECTED_MCV: f64 = 0.924_581_084_914_634_9;

    #[test]
    fn entropy_matches_ent() {
        // `ent -t fixture.bin` on ent_fixture() (see frequency.rs) prints
        // 1,4096,6.975293,4245.000000,123.807373,3.149560,0.045780: Entropy is the third field.
        let outcome = &run_chunked(&TEST, 256, &ent_fixture(), 4093)[0];
        let h = outcome.result.as_ref().unwrap().statistic;
        assert!((h - 6.975_293).abs() < SIX_DECIMALS, "{h}");
    }

    #[test]
    fn constant_stream_has_no_entropy() {
        let outcome = &run_chunked(&TEST, 256, &[0x5A; 4096], 100)[0];
        let measured = outcome.result.as_ref().unwrap();
        assert_eq!(measured.statistic, 0.0);
        assert_eq!(measured.p_value, 0.0);
        assert_eq!(figure(outcome, "min_entropy_mcv"), 0.0);
    }

    #[test]
    fn too_few_symbols_are_skipped_with_the_number_needed() {
        let outcome = &run_chunked(&TEST, 62, &[1; 300], 64)[0];
        assert_eq!(
            outcome.result,
            Err("needs at least 992 symbols (16 per symbol value), got 300".into())
        );
    }
}
