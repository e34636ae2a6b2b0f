//! Test for the longest run of ones in a block, SP 800-22 Rev 1a §2.4; STS 2.1.2
//! `LongestRunOfOnes()`.
//!
//! The block length M and the classes follow n as in STS (§2.4.2's table): n ≥ 128: M = 8,
//! classes ≤1, 2, 3, ≥4; n ≥ 6272: M = 128, ≤4 .. ≥9; n ≥ 750000: M = 10000, ≤10 .. ≥16.
//! N = n / M blocks; χ² = Σ (ν_i − Nπ_i)² / (Nπ_i), P = igamc(K/2, χ²/2), with STS's
//! probabilities, which for M = 10000 are rounded to 4 decimals (0.0882, ...): exact values
//! would give other P-values (data.pi: 0.024390 in STS, 0.027295 exact).
//!
//! The longest run inside a word is found by repeated `x &= x << 1`; runs that cross words are
//! carried from one word's trailing ones to the next word's leading ones.
//!
//! Condition: n ≥ 128, the first row of §2.4.2's table (§2.4.7 refers to it), as STS. The
//! smallest expected class count there is 16 · 0.1875 = 3, under the usual 5 of a χ² test; the
//! table's other rows start where it is about 5 (49 · 0.1124 = 5.5 and 75 · 0.0675 = 5.1), and
//! SP 800-22 states the length, so it is applied as written.
//!
//! For merging, a segment starts its blocks at a multiple of M bits (and of 64) and keeps the bytes
//! before it aside, for the segment before to close its last block; the class counts add.

use super::bits::Blocks;
use super::{packed_bits_only, skip_all, BitTest, Conditions, MinLength, NEEDS_LENGTH};
use crate::battery::{Outcome, Params, Setup, Test};
use crate::stats::chi_square;

/// The `LongestRun` test's entry in the NIST SP 800-22 battery: its name, summary, reference and parameters,
/// and how it starts on a stream.
pub const TEST: Test = Test {
    name: "LongestRun",
    summary: "longest run of ones within blocks",
    reference: "NIST SP 800-22 Rev 1a §2.4; STS 2.1.2 LongestRunOfOnes",
    params: &[],
    applies_to: packed_bits_only,
    start: |setup: &Setup| super::start(setup, LongestRun::new),
    restore: super::restore::<LongestRun>,
};

/// The least length for a valid P-value: the first row of §2.4.2's table.
pub(crate) fn min_length(_params: &Params) -> Result<MinLength, String> {
    MinLength::bits(
        TEST.name,
        SCHEMES[SCHEMES.len() - 1].from_n,
        "SP 800-22 §2.4.2",
    )
}

/// One row of §2.4.2's table as STS codes it.
struct Scheme {
    from_n: u64,
    m: usize,
    /// The run lengths of the classes: the first class is "≤ v[0]", the last "≥ v[K]".
    v: &'static [u32],
    pi: &'static [f64],
}

const SCHEMES: [Scheme; 3] = [
    Scheme {
        from_n: 750_000,
        m: 10_000,
        v: &[10, 11, 12, 13, 14, 15, 16],
        pi: &[0.0882, 0.2092, 0.2483, 0.1933, 0.1208, 0.0675, 0.0727],
    },
    Scheme {
        from_n: 6_272,
        m: 128,
        v: &[4, 5, 6, 7, 8, 9],
        pi: &[
            0.1174035788,
            0.242955959,
            0.249363483,
            0.17517706,
            0.102701071,
            0.112398847,
        ],
    },
    Scheme {
        from_n: 128,
        m: 8,
        v: &[1, 2, 3, 4],
        pi: &[0.21484375, 0.3671875, 0.23046875, 0.1875],
    },
];

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct LongestRun {
    /// `None` when the length is unknown or below 128 bits (the reason is given at the end).
    #[serde(with = "scheme_by_length")]
    scheme: Option<&'static Scheme>,
    blocks: Blocks,
    nu: [u64; 7],
    n_blocks: u64,
    conditions: Conditions,
}

/// A saved [`LongestRun`] names its scheme by the length it starts at (`from_n`).
mod scheme_by_length {
    use super::{Scheme, SCHEMES};
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(super) fn serialize<S: Serializer>(
        scheme: &Option<&'static Scheme>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        scheme.map(|scheme| scheme.from_n).serialize(serializer)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<&'static Scheme>, D::Error> {
        Option::<u64>::deserialize(deserializer)?
            .map(|from_n| {
                SCHEMES
                    .iter()
                    .find(|scheme| scheme.from_n == from_n)
                    .ok_or_else(|| D::Error::custom(format!("no scheme starts at {from_n} bits")))
            })
            .transpose()
    }
}

impl LongestRun {
    fn new(setup: &Setup) -> Self {
        let scheme = setup
            .length
            .and_then(|n| SCHEMES.iter().find(|s| n >= s.from_n));
        LongestRun {
            scheme,
            blocks: Blocks::new(scheme.map_or(0, |s| s.m)),
            nu: [0; 7],
            n_blocks: 0,
            conditions: Conditions::new(&setup.params, min_length(&setup.params)),
        }
    }
}

/// Length of the longest run of ones in a block packed from bit 0 (bits after it zero).
fn longest_run_of_ones(block: &[u64]) -> u32 {
    let (mut best, mut run) = (0u32, 0u32);
    for &word in block {
        if word == !0 {
            run += 64;
            continue;
        }
        run += word.leading_ones();
        best = best.max(run);
        let mut x = word;
        let mut inside = 0;
        while x != 0 {
            x &= x << 1;
            inside += 1;
        }
        best = best.max(inside);
        run = word.trailing_ones();
    }
    best.max(run)
}

impl BitTest for LongestRun {
    const NAME: &'static str = "LongestRun";
    const MERGEABLE: bool = true;

    fn alignment_bits(&self) -> u64 {
        self.blocks.bits()
    }

    fn absorb(&mut self, next: Self) {
        // At a block boundary: add next's closed blocks, take its open one.
        for (count, more) in self.nu.iter_mut().zip(next.nu) {
            *count += more;
        }
        self.n_blocks += next.n_blocks;
        self.blocks = next.blocks;
    }

    #[inline]
    fn push(&mut self, word: u64, len: u32) {
        let Some(scheme) = self.scheme else {
            return;
        };
        let (nu, n_blocks) = (&mut self.nu, &mut self.n_blocks);
        self.blocks.push(word, len, |block| {
            let longest = longest_run_of_ones(block);
            let k = scheme.v.len() - 1;
            let class = scheme.v.iter().position(|&v| longest <= v).unwrap_or(k);
            nu[class] += 1;
            *n_blocks += 1;
        });
    }

    fn labels(&self, n: u64) -> Vec<String> {
        let scheme = self
            .scheme
            .or_else(|| SCHEMES.iter().find(|s| n >= s.from_n));
        vec![match scheme {
            Some(s) => format!("M={} K={} (n>={})", s.m, s.v.len() - 1, s.from_n),
            None => String::new(),
        }]
    }

    fn finish(self, n: u64) -> Vec<Outcome> {
        if let Some(reason) = self.conditions.unmet(n) {
            return skip_all(Self::NAME, self.labels(n), &reason);
        }
        let Some(scheme) = self.scheme else {
            let reason = if n < 128 {
                format!("needs at least 128 bits, got {n}")
            } else {
                NEEDS_LENGTH.to_string()
            };
            return skip_all(Self::NAME, self.labels(n), &reason);
        };
        let blocks = self.n_blocks as f64;
        let chi2: f64 = scheme
            .pi
            .iter()
            .zip(self.nu)
            .map(|(&pi, count)| (count as f64 - blocks * pi).powi(2) / (blocks * pi))
            .sum();
        let k = (scheme.v.len() - 1) as f64;
        let p = chi_square::igamc(k / 2.0, chi2 / 2.0);
        vec![Outcome::measured(Self::NAME, chi2, p).with_label(self.labels(n).remove(0))]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{p_of, run_str};
    use super::*;
    use crate::stats::tolerance::SIX_DECIMALS;

    #[test]
    fn sp800_22_example() {
        // worked_examples.csv "LongestRun n=128 M=8 K=3" (§2.4.8): ν = [4, 9, 3, 0], STS
        // 0.180609. The document's χ² = 4.882605 uses π rounded to 4 decimals; with STS's
        // exact π = 0.21484375, 0.3671875, 0.23046875, 0.1875 it is
        // (4−3.4375)²/3.4375 + (9−5.875)²/5.875 + (3−3.6875)²/3.6875 + (0−3)²/3 = 4.8824575.
        let bits = "11001100000101010110110001001100111000000000001001001101010100010001001111010110100000001101011111001100111001101101100010110010";
        let outcomes = run_str(&TEST, bits, &[]);
        assert_eq!(outcomes[0].label, "M=8 K=3 (n>=128)");
        let chi2 = outcomes[0].result.as_ref().unwrap().statistic;
        assert!((chi2 - 4.882_457_5).abs() < 1e-6, "{chi2}");
        assert!((p_of(&outcomes, 0) - 0.180_609).abs() < SIX_DECIMALS);
    }

    #[test]
    fn runs_across_words() {
        // Ones from bit 60 to bit 75 of the block: a run of 16 across the word boundary.
        assert_eq!(longest_run_of_ones(&[0xF, 0xFFF0_0000_0000_0000, 0]), 16);
        assert_eq!(longest_run_of_ones(&[0x0F0F, 0]), 4);
        assert_eq!(longest_run_of_ones(&[!0, !0, 0x8000_0000_0000_0000]), 129);
    }

    #[test]
    fn too_short_is_skipped() {
        let reason = run_str(&TEST, &"10".repeat(60), &[])[0]
            .result
            .clone()
            .unwrap_err();
        assert_eq!(
            reason,
            "LongestRun needs n ≥ 128 bits (SP 800-22 §2.4.2); the sequence has 120"
        );
    }
}
