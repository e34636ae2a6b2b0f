//! Frequency test within a block, SP 800-22 Rev 1a §2.2; STS 2.1.2 `BlockFrequency()`.
//!
//! N = n / M blocks of M bits (the rest discarded), π_i = ones_i / M,
//! χ² = 4M Σ (π_i − 1/2)², P-value = igamc(N/2, χ²/2). χ² is kept exact as Σ (2·ones_i − M)² / M.
//! The block length is the parameter `M` (STS's default 128).
//!
//! Conditions (SP 800-22 §2.2.7): n ≥ 100, M ≥ 20 (so that each block's count of ones is close
//! to normal and each term of χ² close to χ²(1)), and n ≥ MN with N ≥ 1, so n ≥ max(100, M):
//! 128 bits with M = 128.
//!
//! Not applied: §2.2.7 also asks for "M > .01n and N < 100". That is advice on choosing M
//! (few long blocks), not a condition of the approximation: χ² is a sum of N independent terms
//! that are each close to χ²(1) once M ≥ 20, so igamc(N/2, χ²/2) holds for any N. STS's own
//! default M = 128 breaks it from n = 12,800 on, including the reference n = 10^6 (N = 7,812).
//! Measured with `contrib/nist_false_fails.sh` (200 runs of 20 ChaCha20 sequences, M = 128): no
//! run failed on BlockFrequency at 10,000, 100,000 or 1,000,000 bits (N = 78, 781 and 7,812).
//!
//! For merging, a segment starts its blocks at a multiple of M bits (and of 64) and keeps the bytes
//! before it aside, for the segment before to close its last block; the closed blocks' sums add.

use super::{packed_bits_only, parameter_unmet, skip_all, BitTest, Conditions, MinLength};
use crate::battery::{Outcome, Params, Setup, Test};
use crate::stats::chi_square;

/// The `BlockFrequency` test's entry in the NIST SP 800-22 battery: its name, summary, reference and parameters,
/// and how it starts on a stream.
pub const TEST: Test = Test {
    name: "BlockFrequency",
    summary: "proportion of ones within blocks of M bits",
    reference: "NIST SP 800-22 Rev 1a §2.2; STS 2.1.2 BlockFrequency",
    params: &["M"],
    applies_to: packed_bits_only,
    start: |setup: &Setup| super::start(setup, BlockFrequency::new),
    restore: super::restore::<BlockFrequency>,
};

const DEFAULT_M: u64 = 128;
/// §2.2.7: "M ≥ 20".
const LEAST_M: u64 = 20;
/// §2.2.7: "a minimum of 100 bits (i.e., n ≥ 100)".
const LEAST_N: u64 = 100;

/// The least length for a valid P-value with the block length `params` give, or why no length
/// will do.
pub(crate) fn min_length(params: &Params) -> Result<MinLength, String> {
    let m = params.get(TEST.name, "M", DEFAULT_M);
    let what = format!("{} M={m}", TEST.name);
    if m < LEAST_M {
        return Err(parameter_unmet(
            &what,
            &format!("M ≥ {LEAST_M}"),
            "SP 800-22 §2.2.7",
        ));
    }
    Ok(MinLength {
        what,
        // n ≥ MN with at least one block, and n ≥ 100.
        condition: Some("n ≥ 100 and at least one block of M bits".into()),
        bits: m.max(LEAST_N),
        source: "SP 800-22 §2.2.7".into(),
    })
}

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct BlockFrequency {
    m: u64,
    conditions: Conditions,
    /// Position in the current block and its ones so far.
    filled: u64,
    ones: u64,
    blocks: u64,
    /// Σ (2·ones − M)² over complete blocks.
    #[serde(with = "crate::battery::state::u128_text")]
    sum: u128,
}

impl BlockFrequency {
    fn new(setup: &Setup) -> Self {
        BlockFrequency {
            m: setup.params.get(TEST.name, "M", DEFAULT_M),
            conditions: Conditions::new(&setup.params, min_length(&setup.params)),
            filled: 0,
            ones: 0,
            blocks: 0,
            sum: 0,
        }
    }

    fn close_block(&mut self) {
        let d = (2 * self.ones).abs_diff(self.m);
        self.sum += u128::from(d) * u128::from(d);
        self.blocks += 1;
        self.filled = 0;
        self.ones = 0;
    }
}

impl BitTest for BlockFrequency {
    const NAME: &'static str = "BlockFrequency";
    const MERGEABLE: bool = true;

    fn alignment_bits(&self) -> u64 {
        self.m.max(1)
    }

    fn absorb(&mut self, next: Self) {
        // At a block boundary: add next's closed blocks, take its open one.
        self.blocks += next.blocks;
        self.sum += next.sum;
        self.filled = next.filled;
        self.ones = next.ones;
    }

    #[inline]
    fn push(&mut self, mut word: u64, mut len: u32) {
        if self.m == 0 {
            return;
        }
        while len > 0 {
            let take = u64::from(len).min(self.m - self.filled) as u32;
            self.ones += u64::from((word & super::bits::top_mask(take)).count_ones());
            self.filled += u64::from(take);
            word = if take == 64 { 0 } else { word << take };
            len -= take;
            if self.filled == self.m {
                self.close_block();
            }
        }
    }

    fn labels(&self, _n: u64) -> Vec<String> {
        vec![format!("M={}", self.m)]
    }

    fn finish(self, n: u64) -> Vec<Outcome> {
        if self.m == 0 {
            return skip_all(
                Self::NAME,
                self.labels(n),
                "block length M must be at least 1",
            );
        }
        if let Some(reason) = self.conditions.unmet(n) {
            return skip_all(Self::NAME, self.labels(n), &reason);
        }
        if self.blocks == 0 {
            let reason = format!("needs at least M = {} bits, got {n}", self.m);
            return skip_all(Self::NAME, self.labels(n), &reason);
        }
        let chi2 = self.sum as f64 / self.m as f64;
        let p = chi_square::igamc(self.blocks as f64 / 2.0, chi2 / 2.0);
        vec![Outcome::measured(Self::NAME, chi2, p)
            .with_figure("N", self.blocks as f64)
            .with_label(self.labels(n).remove(0))]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{chacha_bits, p_of, run_chunked, run_str, run_str_sts};
    use super::*;
    use crate::stats::tolerance::SIX_DECIMALS;

    #[test]
    fn sp800_22_examples() {
        // worked_examples.csv "BlockFrequency n=10 M=3" (§2.2.4): χ² = 1, STS 0.801252. Both
        // examples have M < 20, below §2.2.7's condition.
        let short = run_str_sts(&TEST, "0110011010", &[("M", 3)]);
        assert_eq!(short[0].label, "M=3");
        assert!((short[0].result.as_ref().unwrap().statistic - 1.0).abs() < 1e-12);
        assert!((p_of(&short, 0) - 0.801_252).abs() < SIX_DECIMALS);
        // "BlockFrequency n=100 M=10" (§2.2.8): STS 0.706438.
        let pi100 = "1100100100001111110110101010001000100001011010001100001000110100110001001100011001100010100010111000";
        let p = p_of(&run_str_sts(&TEST, pi100, &[("M", 10)]), 0);
        assert!((p - 0.706_438).abs() < SIX_DECIMALS, "{p}");
    }

    #[test]
    fn too_short_or_zero_block_is_skipped() {
        assert!(run_str_sts(&TEST, "0101", &[("M", 5)])[0].result.is_err());
        assert!(run_str_sts(&TEST, "0101", &[("M", 0)])[0].result.is_err());
    }

    #[test]
    fn a_block_length_below_20_is_skipped_whatever_the_length() {
        let data = chacha_bits(5, 100_000);
        let mut params = Params::default();
        params.0.insert("BlockFrequency.M".into(), 19);
        let outcomes = run_chunked(&TEST, &data, 100_000, &params, 4096);
        let reason = outcomes[0].result.as_ref().unwrap_err();
        assert_eq!(
            reason,
            "BlockFrequency M=19 needs M ≥ 20 (SP 800-22 §2.2.7), whatever the sequence's length"
        );
        params.0.insert("BlockFrequency.M".into(), 20);
        assert!(run_chunked(&TEST, &data, 100_000, &params, 4096)[0]
            .result
            .is_ok());
    }

    #[test]
    fn at_least_100_bits_and_one_block() {
        // M = 20: 100 bits are needed, 99 are not enough although they hold four blocks.
        let reason = run_str(&TEST, &"01".repeat(50)[..99], &[("M", 20)])[0]
            .result
            .clone()
            .unwrap_err();
        assert!(reason.contains("n ≥ 100 bits"), "{reason}");
        assert!(run_str(&TEST, &"01".repeat(50), &[("M", 20)])[0]
            .result
            .is_ok());
        // M = 128: one block, 128 bits.
        let reason = run_str(&TEST, &"0110".repeat(32)[..127], &[])[0]
            .result
            .clone()
            .unwrap_err();
        assert!(reason.contains("n ≥ 128 bits"), "{reason}");
        assert!(run_str(&TEST, &"0110".repeat(32), &[])[0].result.is_ok());
    }
}
