//! Binary matrix rank test, SP 800-22 Rev 1a §2.5; STS 2.1.2 `Rank()`.
//!
//! N = n / 1024 disjoint 32×32 matrices, rows filled from consecutive bits; F_32, F_31 and
//! F_≤30 count full rank, rank 31 and lower ranks. χ² = Σ (F − Np)² / (Np) with STS's
//! probabilities p_32 = Π_{i<32} (1 − 2^{i−32})² / (1 − 2^{i−32}) and p_31 = 2^{−1} Π_{i<31}
//! (1 − 2^{i−32})² / (1 − 2^{i−31}) (≈ 0.2888, 0.5776), p_30 = 1 − p_32 − p_31; with two degrees
//! of freedom P = e^{−χ²/2}.
//!
//! A row is a `u32` and the rank comes from XOR elimination against a basis kept by leading bit; 1024 bits are exactly 16 words, so a
//! matrix never straddles the words the test receives.
//!
//! Condition: at least 38 matrices, n ≥ 38 · 1024 = 38,912 (SP 800-22 §2.5.7), where the
//! smallest expected count, 38 · p_30 = 5.08, reaches the usual 5 of a χ² test.
//!
//! For merging, a segment starts its matrices at a multiple of 1,024 bits and keeps the bytes
//! before it aside, for the segment before to complete its last matrix; the rank counts add.

use super::{packed_bits_only, skip_all, BitTest, Conditions, MinLength};
use crate::battery::{Outcome, Params, Setup, Test};
use crate::stats::chi_square;

/// The `Rank` test's entry in the NIST SP 800-22 battery: its name, summary, reference and parameters,
/// and how it starts on a stream.
pub const TEST: Test = Test {
    name: "Rank",
    summary: "rank distribution of 32x32 binary matrices",
    reference: "NIST SP 800-22 Rev 1a §2.5; STS 2.1.2 Rank",
    params: &[],
    applies_to: packed_bits_only,
    start: |setup: &Setup| {
        super::start(setup, |setup: &Setup| Rank {
            rows: [0; SIDE],
            words: 0,
            full: 0,
            one_less: 0,
            matrices: 0,
            conditions: Conditions::new(&setup.params, min_length(&setup.params)),
        })
    },
    restore: super::restore::<Rank>,
};

const SIDE: usize = 32;
const MATRIX_BITS: u64 = (SIDE * SIDE) as u64;
/// §2.5.7: "n ≥ 38MQ (i.e., at least 38 matrices are created)".
const LEAST_MATRICES: u64 = 38;

/// The least length for a valid P-value.
pub(crate) fn min_length(_params: &Params) -> Result<MinLength, String> {
    Ok(MinLength {
        what: TEST.name.to_string(),
        condition: Some(format!("{LEAST_MATRICES} matrices of 32x32 bits")),
        bits: LEAST_MATRICES * MATRIX_BITS,
        source: "SP 800-22 §2.5.7".into(),
    })
}

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Rank {
    conditions: Conditions,
    rows: [u32; SIDE],
    /// Words of the current matrix received (two rows each).
    words: usize,
    full: u64,
    one_less: u64,
    matrices: u64,
}

/// The rank over GF(2) of the matrix whose rows are `rows`: each row is reduced against a basis
/// kept by leading bit, and joins it if something is left.
fn rank_gf2(rows: [u32; SIDE]) -> u32 {
    let mut basis = [0u32; SIDE];
    let mut rank = 0;
    for mut row in rows {
        while row != 0 {
            let lead = (31 - row.leading_zeros()) as usize;
            if basis[lead] == 0 {
                basis[lead] = row;
                rank += 1;
                break;
            }
            row ^= basis[lead];
        }
    }
    rank
}

/// STS's p_r for 32×32 matrices: 2^{r(64−r)−1024} Π_{i<r} (1 − 2^{i−32})² / (1 − 2^{i−r}).
fn rank_probability(r: i32) -> f64 {
    let mut product = 1.0;
    for i in 0..r {
        let row = 1.0 - 2f64.powi(i - 32);
        product *= row * row / (1.0 - 2f64.powi(i - r));
    }
    2f64.powi(r * (64 - r) - 1024) * product
}

impl BitTest for Rank {
    const NAME: &'static str = "Rank";
    const MERGEABLE: bool = true;

    fn alignment_bits(&self) -> u64 {
        MATRIX_BITS
    }

    fn absorb(&mut self, next: Self) {
        // At a matrix boundary: add next's ranked matrices, take its open one.
        self.full += next.full;
        self.one_less += next.one_less;
        self.matrices += next.matrices;
        self.rows = next.rows;
        self.words = next.words;
    }

    #[inline]
    fn push(&mut self, word: u64, len: u32) {
        if len < 64 {
            // Only the sequence's last word can be partial, and a matrix needs whole words.
            return;
        }
        self.rows[2 * self.words] = (word >> 32) as u32;
        self.rows[2 * self.words + 1] = word as u32;
        self.words += 1;
        if self.words == SIDE / 2 {
            match rank_gf2(self.rows) {
                32 => self.full += 1,
                31 => self.one_less += 1,
                _ => {}
            }
            self.matrices += 1;
            self.words = 0;
        }
    }

    fn labels(&self, n: u64) -> Vec<String> {
        let matrices = n / MATRIX_BITS;
        vec![format!(
            "32x32 matrices N={matrices} ({} bits discarded)",
            n - matrices * MATRIX_BITS
        )]
    }

    fn finish(self, n: u64) -> Vec<Outcome> {
        if let Some(reason) = self.conditions.unmet(n) {
            return skip_all(Self::NAME, self.labels(n), &reason);
        }
        if self.matrices == 0 {
            let reason = format!("needs at least {MATRIX_BITS} bits (one 32x32 matrix), got {n}");
            return skip_all(Self::NAME, self.labels(n), &reason);
        }
        let total = self.matrices as f64;
        let p32 = rank_probability(32);
        let p31 = rank_probability(31);
        let p30 = 1.0 - (p32 + p31);
        let rest = total - (self.full + self.one_less) as f64;
        let chi2 = (self.full as f64 - total * p32).powi(2) / (total * p32)
            + (self.one_less as f64 - total * p31).powi(2) / (total * p31)
            + (rest - total * p30).powi(2) / (total * p30);
        let p = chi_square::upper_tail(chi2, 2.0);
        vec![Outcome::measured(Self::NAME, chi2, p)
            .with_figure("F_32", self.full as f64)
            .with_figure("F_31", self.one_less as f64)
            .with_label(self.labels(n).remove(0))]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{chacha_bits, data_e, p_of, run_chunked};
    use super::*;
    use crate::battery::Params;

    #[test]
    fn probabilities_are_stss() {
        // SP 800-22 §3.5: p_32 ≈ 0.2888, p_31 ≈ 0.5776, p_30 ≈ 0.1336.
        assert!((rank_probability(32) - 0.288_788).abs() < 1e-6);
        assert!((rank_probability(31) - 0.577_576).abs() < 1e-6);
    }

    #[test]
    fn ranks_by_hand() {
        let mut identity = [0u32; 32];
        for (i, row) in identity.iter_mut().enumerate() {
            *row = 1 << i;
        }
        assert_eq!(rank_gf2(identity), 32);
        identity[5] = identity[3] ^ identity[7];
        assert_eq!(rank_gf2(identity), 31);
        assert_eq!(rank_gf2([0; 32]), 0);
        assert_eq!(rank_gf2([0xFFFF_FFFF; 32]), 1);
    }

    #[test]
    fn fewer_than_38_matrices_are_skipped() {
        let data = chacha_bits(6, 38_912);
        let short = run_chunked(&TEST, &data, 38_911, &Params::default(), 512);
        assert_eq!(
            short[0].result.as_ref().unwrap_err(),
            "Rank needs 38 matrices of 32x32 bits, i.e. n ≥ 38,912 bits (SP 800-22 §2.5.7); \
             the sequence has 38,911"
        );
        let enough = run_chunked(&TEST, &data, 38_912, &Params::default(), 512);
        assert!(p_of(&enough, 0) <= 1.0);
    }

    #[test]
    fn sp800_22_example() {
        // worked_examples.csv "Rank first 100,000 bits of data.e" (§2.5.8): N = 97, F_32 = 23,
        // F_31 = 60, χ² = 1.2619656, STS 0.532069.
        let (packed, n) = data_e(100_000);
        let outcomes = run_chunked(&TEST, &packed, n, &Params::default(), 999);
        assert_eq!(
            outcomes[0].label,
            "32x32 matrices N=97 (672 bits discarded)"
        );
        let m = outcomes[0].result.as_ref().unwrap();
        assert_eq!((m.figures[0].value, m.figures[1].value), (23.0, 60.0));
        assert!((m.statistic - 1.261_965_6).abs() < 1e-6);
        assert!((p_of(&outcomes, 0) - 0.532_069).abs() < 1e-6);
    }
}
