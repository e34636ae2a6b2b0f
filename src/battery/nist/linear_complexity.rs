//! Linear complexity test, SP 800-22 Rev 1a §2.10; STS 2.1.2 `LinearComplexity()`.
//!
//! N = n / M blocks of M bits (the parameter `M`, STS's default 500); L_i is the linear
//! complexity of block i (Berlekamp–Massey). With
//! μ = M/2 + (9 + (−1)^{M+1})/36 − (M/3 + 2/9)/2^M and T_i = (−1)^M (L_i − μ) + 2/9, the T_i fall
//! in 7 classes (≤ −2.5, (−2.5, −1.5], ..., > 2.5); χ² = Σ (ν_k − Nπ_k)²/(Nπ_k) with STS's
//! rounded π = 0.01047, 0.03125, 0.125, 0.5, 0.25, 0.0625, 0.020833, P = igamc(3, χ²/2).
//!
//! Berlekamp–Massey runs on packed words: the connection polynomials C and B are bit vectors
//! (coefficient i in bit i), and the block is stored reversed so that the discrepancy
//! Σ_i c_i s_{N−i} is the parity of C AND a 64-bit-aligned read of the block — O(L/64) word
//! operations per bit instead of O(L).

use super::bits::Blocks;
use super::{packed_bits_only, skip_all, BitTest};
use crate::battery::{Outcome, Setup, Test};
use crate::stats::chi_square;

pub const TEST: Test = Test {
    name: "LinearComplexity",
    summary: "linear complexity (Berlekamp-Massey) of blocks of M bits",
    reference: "NIST SP 800-22 Rev 1a §2.10; STS 2.1.2 LinearComplexity",
    params: &["M"],
    applies_to: packed_bits_only,
    start: |setup: &Setup| super::start(LinearComplexity::new(setup), setup),
};

const DEFAULT_M: u64 = 500;
/// Blocks of up to a million bits keep the per-block work (O(M²/64)) within reason.
const MAX_M: u64 = 1 << 20;
const PI: [f64; 7] = [
    0.01047, 0.03125, 0.12500, 0.50000, 0.25000, 0.06250, 0.020833,
];

/// Reusable buffers for Berlekamp–Massey on blocks of a fixed length.
struct Massey {
    bits: usize,
    /// The block in reversed word order: bit k (from the least significant bit of word 0) is
    /// s_{P−1−k}, P = 64·words of the block.
    reversed: Vec<u64>,
    c: Vec<u64>,
    b: Vec<u64>,
    t: Vec<u64>,
}

impl Massey {
    fn new(bits: usize) -> Self {
        let words = bits.div_ceil(64);
        Massey {
            bits,
            reversed: vec![0; 2 * words + 4],
            c: vec![0; words + 3],
            b: vec![0; words + 3],
            t: vec![0; words + 3],
        }
    }

    /// The linear complexity of a block packed from bit 0 (`block` holds at least the block's
    /// words).
    fn complexity(&mut self, block: &[u64]) -> usize {
        let words = self.bits.div_ceil(64);
        let top = 64 * words - 1;
        for (slot, &word) in self.reversed.iter_mut().zip(block[..words].iter().rev()) {
            *slot = word;
        }
        let poly_words = self.c.len();
        self.c.fill(0);
        self.b.fill(0);
        self.c[0] = 1;
        self.b[0] = 1;
        let (mut c_len, mut b_len) = (1usize, 1usize);
        let mut l = 0usize;
        let mut last_change = -1isize;
        for n in 0..self.bits {
            // Bits o.. of `reversed` are s_N, s_{N−1}, ...; past s_0 they are zero.
            let o = top - n;
            let mut acc = 0u64;
            for (i, &c) in self.c[..c_len].iter().enumerate() {
                let pos = o + 64 * i;
                let (q, r) = (pos / 64, (pos % 64) as u32);
                let window = if r == 0 {
                    self.reversed[q]
                } else {
                    (self.reversed[q] >> r) | (self.reversed[q + 1] << (64 - r))
                };
                acc ^= c & window;
            }
            if acc.count_ones() & 1 == 0 {
                continue;
            }
            let lengthens = 2 * l <= n;
            let t_len = c_len;
            if lengthens {
                self.t[..c_len].copy_from_slice(&self.c[..c_len]);
            }
            let shift = (n as isize - last_change) as usize;
            let (q, r) = (shift / 64, (shift % 64) as u32);
            for j in 0..b_len {
                let word = self.b[j];
                if j + q < poly_words {
                    self.c[j + q] ^= word << r;
                }
                if r > 0 && j + q + 1 < poly_words {
                    self.c[j + q + 1] ^= word >> (64 - r);
                }
            }
            c_len = c_len.max(b_len + q + 1).min(poly_words);
            if lengthens {
                l = n + 1 - l;
                last_change = n as isize;
                std::mem::swap(&mut self.b, &mut self.t);
                b_len = t_len;
            }
        }
        l
    }
}

struct LinearComplexity {
    m: u64,
    unusable: Option<String>,
    blocks: Blocks,
    massey: Massey,
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
            unusable,
            blocks: Blocks::new(bits),
            massey: Massey::new(bits),
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

    #[inline]
    fn push(&mut self, word: u64, len: u32) {
        if self.unusable.is_some() {
            return;
        }
        let (massey, nu, n_blocks, m) =
            (&mut self.massey, &mut self.nu, &mut self.n_blocks, self.m);
        self.blocks.push(word, len, |block| {
            nu[class_of(massey.complexity(block), m)] += 1;
            *n_blocks += 1;
        });
    }

    fn labels(&self, _n: u64) -> Vec<String> {
        vec![format!("M={} K=6", self.m)]
    }

    fn finish(self, n: u64) -> Vec<Outcome> {
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
        assert_eq!(Massey::new(13).complexity(&packed(&s)), 4);
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
                    Massey::new(len).complexity(&packed(&s)),
                    plain_complexity(&s),
                    "{s:?}"
                );
            }
        }
        // An impulse at the end of M bits has complexity M; all zeros, 0.
        let mut s = vec![0u8; 500];
        assert_eq!(Massey::new(500).complexity(&packed(&s)), 0);
        s[499] = 1;
        assert_eq!(Massey::new(500).complexity(&packed(&s)), 500);
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
