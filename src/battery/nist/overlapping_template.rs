//! Overlapping template matching test, SP 800-22 Rev 1a §2.8; STS 2.1.2
//! `OverlappingTemplateMatchings()`.
//!
//! The template is m ones (the parameter `m`, default 9). N = n / 1032 blocks of M = 1032 bits;
//! W counts the (overlapping) windows of m ones inside a block, classed 0, 1, 2, 3, 4, ≥5.
//! With λ = (M − m + 1)/2^m and η = λ/2 the class probabilities are STS's `Pr(u, η)`:
//! π_0 = e^{−η}, π_u = e^{−η} 2^{−u} Σ_{l=1}^{u} C(u−1, l−1) η^l / l! (u = 1..4),
//! π_5 = 1 − Σ π_u — for m = 9: 0.367879, 0.183940, 0.137955, 0.099634, 0.069935, 0.140657,
//! which are not the corrected values of SP 800-22 §3.8 (STS 2.1.2 uses these).
//! χ² = Σ (ν_u − Nπ_u)²/(Nπ_u), P = igamc(5/2, χ²/2).
//!
//! Windows of m ones are found a word at a time: AND the block with itself shifted by 1..m−1.
//!
//! Condition: N · min π_i > 5 (SP 800-22 §2.8.7), N ≥ 72 blocks and n ≥ 74,304 bits for m = 9
//! (min π_i = π_4 = 0.069935).
//!
//! Not applied: §2.8.7's "a minimum of 10^6 bits". It states why K, M and N were chosen, not a
//! condition of the approximation; for other values it asks only n ≥ MN and N · min π_i > 5
//! (its advice λ ≈ 2, m ≈ log2 M, K ≈ 2λ is about choosing m for power). Measured with
//! `contrib/nist_false_fails.sh` (200 runs of 20 ChaCha20 sequences), at 100,000 bits (N = 96)
//! the test ran in every run and no run failed on it; and 10,000 sequences of 74,304 bits
//! (N = 72) cut into groups of 20 gave a cell P-value (the family-wise rule's) of at most 0.01 in
//! 2 of 500 groups, where exactly uniform P-values give 0.69%.
//!
//! For merging, a segment starts its blocks at a multiple of 1,032 bits (and of 64) and keeps the
//! bytes before it aside, for the segment before to close its last block; the class counts add.

use super::bits::Blocks;
use super::{packed_bits_only, parameter_unmet, skip_all, BitTest, Conditions, MinLength};
use crate::battery::{Outcome, Params, Setup, Test};
use crate::stats::chi_square;

/// The `OverlappingTemplate` test's entry in the NIST SP 800-22 battery: its name, summary, reference and parameters,
/// and how it starts on a stream.
pub const TEST: Test = Test {
    name: "OverlappingTemplate",
    summary: "occurrences of a run of m ones, overlapping, in blocks of 1032 bits",
    reference: "NIST SP 800-22 Rev 1a §2.8; STS 2.1.2 OverlappingTemplateMatchings",
    params: &["m"],
    applies_to: packed_bits_only,
    start: |setup: &Setup| super::start(setup, Overlapping::new),
    restore: super::restore::<Overlapping>,
};

const DEFAULT_M: u64 = 9;
const BLOCK_BITS: usize = 1032;
const CLASSES: usize = 6;

/// SP 800-22 §2.8.7: "N should be chosen so that N · (min π_i) > 5".
const LEAST_EXPECTED: f64 = 5.0;

/// The least length for a valid P-value with the template length `params` give, or why no
/// length will do.
pub(crate) fn min_length(params: &Params) -> Result<MinLength, String> {
    let m = params.get(TEST.name, "m", DEFAULT_M);
    if !(1..=64).contains(&m) {
        return Err(out_of_range(m));
    }
    let what = format!("{} m={m}", TEST.name);
    let smallest = class_probabilities(m as u32)
        .into_iter()
        .fold(f64::INFINITY, f64::min);
    if smallest.is_nan() || smallest <= 0.0 {
        return Err(parameter_unmet(
            &what,
            &format!("a class probability above 0 in blocks of {BLOCK_BITS} bits"),
            "SP 800-22 §2.8.7",
        ));
    }
    // The least N with N · min π > 5; a value past u64 saturates, which no sequence reaches.
    let blocks = (LEAST_EXPECTED / smallest).floor() + 1.0;
    let bits = (blocks * BLOCK_BITS as f64).min(u64::MAX as f64) as u64;
    Ok(MinLength {
        what,
        condition: Some(format!(
            "N · min π_i > {LEAST_EXPECTED} (min π_i = {smallest:.6}, N = n/{BLOCK_BITS} blocks)"
        )),
        bits,
        source: "SP 800-22 §2.8.7".into(),
    })
}

fn out_of_range(m: u64) -> String {
    format!("template length m = {m} outside 1..=64")
}

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Overlapping {
    m: u32,
    conditions: Conditions,
    unusable: Option<String>,
    blocks: Blocks,
    nu: [u64; CLASSES],
    n_blocks: u64,
}

impl Overlapping {
    fn new(setup: &Setup) -> Self {
        let m = setup.params.get(TEST.name, "m", DEFAULT_M);
        let unusable = (!(1..=64).contains(&m)).then(|| out_of_range(m));
        Overlapping {
            m: m.clamp(1, 64) as u32,
            conditions: Conditions::new(&setup.params, min_length(&setup.params)),
            unusable,
            blocks: Blocks::new(BLOCK_BITS),
            nu: [0; CLASSES],
            n_blocks: 0,
        }
    }
}

/// Windows of `m` ones (1..=64) in a block packed from bit 0, zero after its end and with a spare
/// zero word.
fn windows_of_ones(block: &[u64], m: u32) -> u32 {
    let mut total = 0;
    for pair in block.windows(2) {
        let (word, next) = (pair[0], pair[1]);
        let mut all = word;
        for shift in 1..m {
            all &= (word << shift) | (next >> (64 - shift));
        }
        total += all.count_ones();
    }
    total
}

/// STS's `Pr(u, η)`.
fn class_probability(u: u32, eta: f64) -> f64 {
    if u == 0 {
        return (-eta).exp();
    }
    let mut sum = 0.0;
    let mut binomial = 1.0; // C(u−1, l−1)
    let mut power_over_factorial = 1.0; // η^l / l!
    for l in 1..=u {
        power_over_factorial *= eta / f64::from(l);
        sum += binomial * power_over_factorial;
        binomial *= f64::from(u - l) / f64::from(l);
    }
    (-eta).exp() * sum / 2f64.powi(u as i32)
}

/// The six class probabilities for templates of `m` ones in blocks of 1032 bits.
fn class_probabilities(m: u32) -> [f64; CLASSES] {
    let lambda = (BLOCK_BITS as f64 - f64::from(m) + 1.0) / 2f64.powi(m as i32);
    let eta = lambda / 2.0;
    let mut pi = [0.0; CLASSES];
    for u in 0..CLASSES as u32 - 1 {
        pi[u as usize] = class_probability(u, eta);
    }
    pi[CLASSES - 1] = 1.0 - pi[..CLASSES - 1].iter().sum::<f64>();
    pi
}

impl BitTest for Overlapping {
    const NAME: &'static str = "OverlappingTemplate";
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
        if self.unusable.is_some() {
            return;
        }
        let (m, nu, n_blocks) = (self.m, &mut self.nu, &mut self.n_blocks);
        self.blocks.push(word, len, |block| {
            let w = windows_of_ones(block, m) as usize;
            nu[w.min(CLASSES - 1)] += 1;
            *n_blocks += 1;
        });
    }

    fn labels(&self, n: u64) -> Vec<String> {
        vec![format!(
            "m={} B={} M={BLOCK_BITS} N={} K={}",
            self.m,
            "1".repeat(self.m as usize),
            n / BLOCK_BITS as u64,
            CLASSES - 1
        )]
    }

    fn finish(self, n: u64) -> Vec<Outcome> {
        if let Some(reason) = self.conditions.unmet(n) {
            return skip_all(Self::NAME, self.labels(n), &reason);
        }
        if let Some(reason) = &self.unusable {
            return skip_all(Self::NAME, self.labels(n), reason);
        }
        if self.n_blocks == 0 {
            let reason = format!("needs at least {BLOCK_BITS} bits (one block), got {n}");
            return skip_all(Self::NAME, self.labels(n), &reason);
        }
        let pi = class_probabilities(self.m);
        if pi.iter().any(|&p| p.is_nan() || p <= 0.0) {
            // For long templates P(W ≥ 5) is below double precision and 1 − Σπ_u rounds to 0.
            let reason = format!(
                "template length m = {} leaves a class probability at 0 in blocks of {BLOCK_BITS} bits",
                self.m
            );
            return skip_all(Self::NAME, self.labels(n), &reason);
        }
        let blocks = self.n_blocks as f64;
        let chi2: f64 = pi
            .iter()
            .zip(self.nu)
            .map(|(&pi, count)| (count as f64 - blocks * pi).powi(2) / (blocks * pi))
            .sum();
        let p = chi_square::igamc((CLASSES - 1) as f64 / 2.0, chi2 / 2.0);
        vec![Outcome::measured(Self::NAME, chi2, p).with_label(self.labels(n).remove(0))]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{data_e, p_of, run_chunked};
    use super::*;
    use crate::battery::Params;

    #[test]
    fn probabilities_are_stss() {
        // tests/fixtures/nist-sts/README.md item 3: STS's Pr() for m = 9.
        let expected = [0.367879, 0.183940, 0.137955, 0.099634, 0.069935, 0.140657];
        for (pi, e) in class_probabilities(9).iter().zip(expected) {
            assert!((pi - e).abs() < 5e-7, "{pi} vs {e}");
        }
    }

    #[test]
    fn every_template_length_gives_a_probability() {
        // Long templates push P(W ≥ 5) below double precision; whatever 1 − Σπ_u rounds to,
        // the outcome is a p-value in [0, 1] or skipped with a reason, never NaN.
        let (packed, n) = data_e(2_064);
        for m in 1..=64 {
            let mut params = super::super::without_size_conditions(&Params::default());
            params.0.insert("OverlappingTemplate.m".into(), m);
            if let Ok(measured) = &run_chunked(&TEST, &packed, n, &params, 100)[0].result {
                assert!((0.0..=1.0).contains(&measured.p_value), "m = {m}");
            }
        }
    }

    #[test]
    fn fewer_than_72_blocks_are_skipped() {
        // 71 · 0.069935 = 4.97, 72 · 0.069935 = 5.04: 72 blocks of 1032 bits, 74,304 bits.
        let (packed, _) = data_e(74_304);
        let short = run_chunked(&TEST, &packed, 74_303, &Params::default(), 1000);
        let reason = short[0].result.as_ref().unwrap_err();
        assert!(
            reason.starts_with("OverlappingTemplate m=9 needs N · min π_i > 5")
                && reason.contains("n ≥ 74,304 bits (SP 800-22 §2.8.7)"),
            "{reason}"
        );
        let enough = run_chunked(&TEST, &packed, 74_304, &Params::default(), 1000);
        assert!(p_of(&enough, 0) <= 1.0);
        // Every template length either has a least length or says why none will do.
        for m in 1..=64 {
            let mut params = Params::default();
            params.0.insert("OverlappingTemplate.m".into(), m);
            match min_length(&params) {
                Ok(min) => assert!(min.bits >= BLOCK_BITS as u64, "m = {m}"),
                Err(reason) => assert!(reason.contains("class probability"), "{reason}"),
            }
        }
    }

    #[test]
    fn windows_by_hand() {
        // 0111 1110 ...: six ones hold four windows of three ones.
        assert_eq!(windows_of_ones(&[0x7E00_0000_0000_0000, 0], 3), 4);
        // Ones across a word boundary: bits 62..=65 hold two windows of three.
        assert_eq!(windows_of_ones(&[0b11, 0xC000_0000_0000_0000, 0], 3), 2);
        assert_eq!(windows_of_ones(&[!0, 0], 64), 1);
    }

    #[test]
    fn sp800_22_example() {
        // worked_examples.csv "OverlappingTemplate first 1,000,000 bits of data.e" (§2.8.8):
        // STS counts ν = 329, 164, 150, 111, 78, 136, χ² = 8.965859, P = 0.110434.
        let (packed, n) = data_e(1_000_000);
        let outcomes = run_chunked(&TEST, &packed, n, &Params::default(), 1 << 16);
        assert_eq!(outcomes[0].label, "m=9 B=111111111 M=1032 N=968 K=5");
        let chi2 = outcomes[0].result.as_ref().unwrap().statistic;
        assert!((chi2 - 8.965_859).abs() < 1e-6, "{chi2}");
        assert!((p_of(&outcomes, 0) - 0.110_434).abs() < 1e-6);
    }
}
