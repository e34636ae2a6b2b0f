//! Frequency test within a block, SP 800-22 Rev 1a §2.2; STS 2.1.2 `BlockFrequency()`.
//!
//! N = n / M blocks of M bits (the rest discarded), π_i = ones_i / M,
//! χ² = 4M Σ (π_i − 1/2)², P-value = igamc(N/2, χ²/2). χ² is kept exact as Σ (2·ones_i − M)² / M.
//! The block length is the parameter `M` (STS's default 128).

use super::{packed_bits_only, skip_all, BitTest};
use crate::battery::{Outcome, Setup, Test};
use crate::stats::chi_square;

pub const TEST: Test = Test {
    name: "BlockFrequency",
    summary: "proportion of ones within blocks of M bits",
    reference: "NIST SP 800-22 Rev 1a §2.2; STS 2.1.2 BlockFrequency",
    params: &["M"],
    applies_to: packed_bits_only,
    start: |setup: &Setup| super::start(BlockFrequency::new(setup), setup),
};

const DEFAULT_M: u64 = 128;

struct BlockFrequency {
    m: u64,
    /// Position in the current block and its ones so far.
    filled: u64,
    ones: u64,
    blocks: u64,
    /// Σ (2·ones − M)² over complete blocks.
    sum: u128,
}

impl BlockFrequency {
    fn new(setup: &Setup) -> Self {
        BlockFrequency {
            m: setup.params.get(TEST.name, "M", DEFAULT_M),
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
    use super::super::testing::{p_of, run_str};
    use super::*;
    use crate::stats::tolerance::SIX_DECIMALS;

    #[test]
    fn sp800_22_examples() {
        // worked_examples.csv "BlockFrequency n=10 M=3" (§2.2.4): χ² = 1, STS 0.801252.
        let short = run_str(&TEST, "0110011010", &[("M", 3)]);
        assert_eq!(short[0].label, "M=3");
        assert!((short[0].result.as_ref().unwrap().statistic - 1.0).abs() < 1e-12);
        assert!((p_of(&short, 0) - 0.801_252).abs() < SIX_DECIMALS);
        // "BlockFrequency n=100 M=10" (§2.2.8): STS 0.706438.
        let pi100 = "1100100100001111110110101010001000100001011010001100001000110100110001001100011001100010100010111000";
        let p = p_of(&run_str(&TEST, pi100, &[("M", 10)]), 0);
        assert!((p - 0.706_438).abs() < SIX_DECIMALS, "{p}");
    }

    #[test]
    fn too_short_or_zero_block_is_skipped() {
        assert!(run_str(&TEST, "0101", &[("M", 5)])[0].result.is_err());
        assert!(run_str(&TEST, "0101", &[("M", 0)])[0].result.is_err());
    }
}
