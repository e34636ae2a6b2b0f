//! Linear complexity test, SP 800-22 Rev 1a §2.10; STS 2.1.2 `LinearComplexity()`.
//!
//! N = n / M blocks of M bits (the parameter `M`, STS's default 500); L_i is the linear
//! complexity of block i (Berlekamp–Massey). With
//! μ = M/2 + (9 + (−1)^{M+1})/36 − (M/3 + 2/9)/2^M and T_i = (−1)^M (L_i − μ) + 2/9, the T_i fall
//! in 7 classes (≤ −2.5, (−2.5, −1.5], ..., > 2.5); χ² = Σ (ν_k − Nπ_k)²/(Nπ_k) with STS's
//! rounded π = 0.01047, 0.03125, 0.125, 0.5, 0.25, 0.0625, 0.020833, P = igamc(3, χ²/2).
//!
//! Berlekamp–Massey runs on packed words: the block and the connection polynomials are
//! fixed-width bit vectors aligned so that each bit costs one AND-parity, one XOR and one shift
//! over M/64 + 1 words (9 for M = 500) instead of O(L) bit operations.
//!
//! Conditions (SP 800-22 §2.10.7): 500 ≤ M ≤ 5000, and N ≥ 200 blocks "for the χ² result to be
//! valid", so n ≥ 200 M: 100,000 bits with M = 500.
//!
//! Not applied: §2.10.7's "Choose n ≥ 10^6". The condition the section gives for validity is
//! N ≥ 200; n ≥ 10^6 is the length the suite was designed around. Measured with
//! `contrib/nist_false_fails.sh` (200 runs of 20 ChaCha20 sequences), at 100,000 bits (N = 200)
//! the test ran in every run and no run failed on it; and 4,000 sequences of 100,000 bits cut
//! into groups of 20 gave a cell P-value (the family-wise rule's) of at most 0.01 in 1 of 200
//! groups, where exactly uniform P-values give 0.69%.
//!
//! For merging, a segment starts its blocks at a multiple of M bits (and of 64) and keeps the bytes
//! before it aside, for the segment before to close its last block; the class counts add.

use super::bits::Blocks;
use super::{packed_bits_only, parameter_unmet, skip_all, BitTest, Conditions, MinLength};
use crate::battery::{Outcome, Params, Setup, Test};
use crate::stats::chi_square;

/// The `LinearComplexity` test's entry in the NIST SP 800-22 battery: its name, summary, reference and parameters,
/// and how it starts on a stream.
pub const TEST: Test = Test {
    name: "LinearComplexity",
    summary: "linear complexity (Berlekamp-Massey) of blocks of M bits",
    reference: "NIST SP 800-22 Rev 1a §2.10; STS 2.1.2 LinearComplexity",
    params: &["M"],
    applies_to: packed_bits_only,
    start: |setup: &Setup| super::start(setup, LinearComplexity::new),
    restore: super::restore::<LinearComplexity>,
};

const DEFAULT_M: u64 = 500;
/// The work per block grows as M²/64; SP 800-22 recommends 500 ≤ M ≤ 5000.
const MAX_M: u64 = 1 << 16;
const PI: [f64; 7] = [
    0.01047, 0.03125, 0.12500, 0.50000, 0.25000, 0.06250, 0.020833,
];

/// Shifts the bit vector `v` (bit i in word i/64, bit i%64) up by one.
#[inline(always)]
fn shift_up(v: &mut [u64]) {
    for j in (1..v.len()).rev() {
        v[j] = (v[j] << 1) | (v[j - 1] >> 63);
    }
    v[0] <<= 1;
}

/// Berlekamp–Massey over the `bits` bits of a block packed from bit 0, on bit vectors of
/// `c.len()` words (at least ⌈bits/64⌉ + 1).
///
/// Polynomials are kept in the time frame of the sequence: at step N, coefficient i of C sits
/// at position N − i, next to s_{N−i}, so the discrepancy Σ c_i s_{N−i} is the parity of
/// C AND S. B, last set at step m, sits with coefficient j at m − j, which is exactly where
/// B·x^{N−m} lands in C's frame at step N: the update C ← C + B·x^{N−m} is a plain XOR, and
/// the only shift per step is C's move to the next frame. Position p is stored at bit p + 64
/// (deg C ≤ L ≤ N + 1 puts C's last coefficient as low as position −1).
#[inline(always)]
fn massey(block: &[u64], bits: usize, s: &mut [u64], c: &mut [u64], b: &mut [u64]) -> usize {
    let words = bits.div_ceil(64);
    for (slot, word) in s[1..=words].iter_mut().zip(block) {
        *slot = word.reverse_bits();
    }
    c[1] = 1; // C = 1 at step 0: position 0
    b[0] = 1 << 63; // B = 1 set at m = −1: position −1
    let mut l = 0usize;
    for n in 0..bits {
        let parity = c
            .iter()
            .zip(s.iter())
            .fold(0u64, |acc, (&c, &s)| acc ^ (c & s));
        // Branch-free: the discrepancy is a coin toss on random data.
        let discrepancy = u64::from(parity.count_ones() & 1);
        let lengthens = discrepancy & u64::from(2 * l <= n);
        let (update, swap) = (discrepancy.wrapping_neg(), lengthens.wrapping_neg());
        for (c, b) in c.iter_mut().zip(b.iter_mut()) {
            let old = *c;
            *c ^= *b & update;
            *b ^= (*b ^ old) & swap;
        }
        if lengthens == 1 {
            l = n + 1 - l;
        }
        shift_up(c);
    }
    l
}

/// [`massey`] on stack arrays of `W` words, which the compiler unrolls and vectorises.
fn massey_fixed<const W: usize>(block: &[u64], bits: usize) -> usize {
    let (mut s, mut c, mut b) = ([0u64; W], [0u64; W], [0u64; W]);
    massey(block, bits, &mut s, &mut c, &mut b)
}

/// The linear complexity of a block of `bits` bits packed from bit 0.
fn linear_complexity(block: &[u64], bits: usize) -> usize {
    match bits.div_ceil(64) + 1 {
        0..=2 => massey_fixed::<2>(block, bits),
        3..=4 => massey_fixed::<4>(block, bits),
        5..=9 => massey_fixed::<9>(block, bits),
        10..=17 => massey_fixed::<17>(block, bits),
        18..=33 => massey_fixed::<33>(block, bits),
        34..=81 => massey_fixed::<81>(block, bits),
        words => {
            let mut vectors = vec![0u64; 3 * words];
            let (s, rest) = vectors.split_at_mut(words);
            let (c, b) = rest.split_at_mut(words);
            massey(block, bits, s, c, b)
        }
    }
}

/// §2.10.7: "The value of M must be in the range 500 ≤ M ≤ 5000".
const M_RANGE: std::ops::RangeInclusive<u64> = 500..=5000;
/// §2.10.7: "N ≥ 200 for the χ² result to be valid".
const LEAST_BLOCKS: u64 = 200;

/// The least length for a valid P-value with the block length `params` give, or why no length
/// will do.
pub(crate) fn min_length(params: &Params) -> Result<MinLength, String> {
    let m = params.get(TEST.name, "M", DEFAULT_M);
    let what = format!("{} M={m}", TEST.name);
    if !M_RANGE.contains(&m) {
        return Err(parameter_unmet(
            &what,
            &format!("{} ≤ M ≤ {}", M_RANGE.start(), M_RANGE.end()),
            "SP 800-22 §2.10.7",
        ));
    }
    Ok(MinLength {
        what,
        condition: Some(format!("N ≥ {LEAST_BLOCKS} blocks of M bits")),
        bits: LEAST_BLOCKS * m,
        source: "SP 800-22 §2.10.7".into(),
    })
}

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct LinearComplexity {
    m: u64,
    conditions: Conditions,
    unusable: Option<String>,
    blocks: Blocks,
    nu: [u64; 7],
    n_blocks: u64,
}

impl LinearComplexity {
    fn new(setup: &Setup) -> Self {
        let m = setup.params.get(TEST.name, "M", DEFAULT_M);
        let unusable = (!(1..=MAX_M).contains(&m))
            .then(|| format!("block length M = {m} outside 1..={MAX_M}"));
        let bits = if unusable.is_some() { 0 } else { m as usize };
        LinearComplexity {
            m,
            conditions: Conditions::new(&setup.params, min_length(&setup.params)),
            unusable,
            blocks: Blocks::new(bits),
            nu: [0; 7],
            n_blocks: 0,
        }
    }
}

/// STS's class of a block of `m` bits with linear complexity `l`.
fn class_of(l: usize, m: u64) -> usize {
    let m_f = m as f64;
    let sign = if (m + 1).is_multiple_of(2) { -1.0 } else { 1.0 };
    let mean = m_f / 2.0 + (9.0 + sign) / 36.0 - (m_f / 3.0 + 2.0 / 9.0) / 2f64.powf(m_f);
    let sign = if m.is_multiple_of(2) { 1.0 } else { -1.0 };
    let t = sign * (l as f64 - mean) + 2.0 / 9.0;
    // STS's bins: ≤ −2.5, (−2.5, −1.5], (−1.5, −0.5], (−0.5, 0.5], (0.5, 1.5], (1.5, 2.5], > 2.5.
    [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5]
        .iter()
        .position(|&edge| t <= edge)
        .unwrap_or(6)
}

impl BitTest for LinearComplexity {
    const NAME: &'static str = "LinearComplexity";
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
        let (nu, n_blocks, m) = (&mut self.nu, &mut self.n_blocks, self.m);
        self.blocks.push(word, len, |block| {
            nu[class_of(linear_complexity(block, m as usize), m)] += 1;
            *n_blocks += 1;
        });
    }

    fn labels(&self, _n: u64) -> Vec<String> {
        vec![format!("M={} K=6", self.m)]
    }

    fn finish(self, n: u64) -> Vec<Outcome> {
        if let Some(reason) = self.conditions.unmet(n) {
            return skip_all(Self::NAME, self.labels(n), &reason);
        }
        if let Some(reason) = &self.unusable {
            return skip_all(Self::NAME, self.labels(n), reason);
        }
        if self.n_blocks == 0 {
            let reason = format!("needs at least M = {} bits, got {n}", self.m);
            return skip_all(Self::NAME, self.labels(n), &reason);
        }
        let blocks = self.n_blocks as f64;
        let chi2: f64 = PI
            .iter()
            .zip(self.nu)
            .map(|(&pi, count)| (count as f64 - blocks * pi).powi(2) / (blocks * pi))
            .sum();
        let p = chi_square::igamc(3.0, chi2 / 2.0);
        vec![Outcome::measured(Self::NAME, chi2, p).with_label(self.labels(n).remove(0))]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{data_e, p_of, run_chunked};
    use super::*;
    use crate::battery::Params;

    /// Berlekamp–Massey bit by bit, as SP 800-22 §2.10.4 step 2 and STS write it.
    fn plain_complexity(s: &[u8]) -> usize {
        let n = s.len();
        let (mut c, mut b) = (vec![0u8; n + 1], vec![0u8; n + 1]);
        c[0] = 1;
        b[0] = 1;
        let (mut l, mut m) = (0usize, -1isize);
        for i in 0..n {
            let d = (0..=l).fold(0u8, |d, j| d ^ (c[j] & s[i - j]));
            if d == 1 {
                let t = c.clone();
                let shift = (i as isize - m) as usize;
                for j in 0..=n - shift {
                    c[j + shift] ^= b[j];
                }
                if 2 * l <= i {
                    l = i + 1 - l;
                    m = i as isize;
                    b = t;
                }
            }
        }
        l
    }

    fn packed(s: &[u8]) -> Vec<u64> {
        let mut words = vec![0u64; s.len().div_ceil(64) + 1];
        for (i, &bit) in s.iter().enumerate() {
            words[i / 64] |= u64::from(bit) << (63 - i % 64);
        }
        words
    }

    #[test]
    fn sp800_22_worked_complexity() {
        // §2.10.4 step 2 / the SP's example: 1101011110001 has linear complexity 4.
        let s = [1u8, 1, 0, 1, 0, 1, 1, 1, 1, 0, 0, 0, 1];
        assert_eq!(linear_complexity(&packed(&s), 13), 4);
        assert_eq!(plain_complexity(&s), 4);
    }

    #[test]
    fn packed_massey_agrees_with_the_plain_one() {
        let mut state = 0x1234_5678_9ABC_DEF1u64;
        for len in [1usize, 2, 63, 64, 65, 127, 200, 500] {
            for _ in 0..20 {
                let s: Vec<u8> = (0..len)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        (state >> 40) as u8 & 1
                    })
                    .collect();
                assert_eq!(
                    linear_complexity(&packed(&s), len),
                    plain_complexity(&s),
                    "{s:?}"
                );
            }
        }
        // An impulse at the end of M bits has complexity M; all zeros, 0.
        let mut s = vec![0u8; 500];
        assert_eq!(linear_complexity(&packed(&s), 500), 0);
        s[499] = 1;
        assert_eq!(linear_complexity(&packed(&s), 500), 500);
    }

    #[test]
    fn fewer_than_200_blocks_or_m_out_of_range_are_skipped() {
        let (packed, _) = data_e(100_000);
        let short = run_chunked(&TEST, &packed, 99_999, &Params::default(), 4096);
        assert_eq!(
            short[0].result.as_ref().unwrap_err(),
            "LinearComplexity M=500 needs N ≥ 200 blocks of M bits, i.e. n ≥ 100,000 bits \
             (SP 800-22 §2.10.7); the sequence has 99,999"
        );
        let enough = run_chunked(&TEST, &packed, 100_000, &Params::default(), 4096);
        assert!(p_of(&enough, 0) <= 1.0);
        for (m, ok) in [(499, false), (500, true), (5000, true), (5001, false)] {
            let mut params = Params::default();
            params.0.insert("LinearComplexity.M".into(), m);
            match min_length(&params) {
                Ok(min) => assert!(ok && min.bits == 200 * m, "M = {m}"),
                Err(reason) => assert!(
                    !ok && reason.contains("500 ≤ M ≤ 5000") && reason.contains("§2.10.7"),
                    "{reason}"
                ),
            }
        }
    }

    #[test]
    fn sp800_22_data_e_example() {
        // worked_examples.csv "LinearComplexity first 1,000,000 bits of data.e M=1000"
        // (§2.10.8): ν = 11, 31, 116, 501, 258, 57, 26, χ² = 2.700348, STS 0.845406.
        let (packed, n) = data_e(1_000_000);
        let mut params = Params::default();
        params.0.insert("LinearComplexity.M".into(), 1000);
        let outcomes = run_chunked(&TEST, &packed, n, &params, 1 << 16);
        assert_eq!(outcomes[0].label, "M=1000 K=6");
        let chi2 = outcomes[0].result.as_ref().unwrap().statistic;
        assert!((chi2 - 2.700_348).abs() < 1e-6, "{chi2}");
        assert!((p_of(&outcomes, 0) - 0.845_406).abs() < 1e-6);
    }
}
