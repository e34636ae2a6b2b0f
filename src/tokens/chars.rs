//! Character-level tests of one position (or a pair of positions), on characters numbered by
//! rank in the position's sorted observed set.
//!
//! * Uniformity: Pearson's χ² of the counts against equal frequencies over the observed set,
//!   k − 1 degrees of freedom (Pearson 1900). Pooling the counts of positions that share a set
//!   is the same test on the sums.
//! * Independence: Pearson's χ² of a two-way table against the product of its margins,
//!   (r − 1)(c − 1) degrees of freedom. For two positions of the same token the pairs are
//!   independent draws and this is the classical contingency test (Pearson 1904; Fisher 1922
//!   for the degrees of freedom). For one position in successive tokens the pairs overlap
//!   (t, t + 1), (t + 1, t + 2), ...; the same statistic on the transition counts is Anderson &
//!   Goodman's test that a Markov chain is of order 0 against order 1 (Ann. Math. Statist. 28,
//!   1957, §3.3: asymptotically χ² with (r − 1)² degrees of freedom), so it stays calibrated
//!   although the pairs share tokens.
//!
//! Both need counts large enough for the χ² approximation: at least [`MIN_EXPECTED`] per cell on
//! average, the rule the battery uses. A table that would be sparser is made coarser by merging
//! neighbouring ranks into fewer classes (class = rank · g / k). A function of independent
//! characters is independent, so the merged test keeps its level and loses only some power.

use super::Measured;
use crate::stats::chi_square;

/// Fewest observations per cell, on average, for the χ² approximation.
pub const MIN_EXPECTED: u64 = 5;

/// Pearson's χ² of `counts` against equal frequencies; `Err` says why it cannot run.
pub fn uniformity(counts: &[u64]) -> Result<Measured, String> {
    let k = counts.len() as u64;
    let total: u64 = counts.iter().sum();
    if k < 2 {
        return Err("one character only: nothing to compare".to_string());
    }
    let needed = MIN_EXPECTED * k;
    if total < needed {
        return Err(format!(
            "needs {needed} tokens ({MIN_EXPECTED} per observed character), has {total}"
        ));
    }
    // X² = Σ (k c − N)² / (k N): the numerator is an exact integer, so the statistic is one
    // rounding away from exact however close the counts are to equal.
    let numerator: i128 = counts
        .iter()
        .map(|&c| {
            let deviation = i128::from(k) * i128::from(c) - i128::from(total);
            deviation * deviation
        })
        .sum();
    let statistic = numerator as f64 / (k as f64 * total as f64);
    let df = (k - 1) as f64;
    Ok(Measured {
        statistic,
        df,
        p_value: chi_square::upper_tail(statistic, df),
        detail: format!("{k} characters, {total} observations"),
    })
}

/// Pearson's χ² test of independence on `pairs` of ranks (first in `0..rows`, second in
/// `0..columns`), with classes merged as the module documentation says when the table would
/// have fewer than [`MIN_EXPECTED`] pairs per cell.
pub fn independence(pairs: &[(u32, u32)], rows: usize, columns: usize) -> Result<Measured, String> {
    let n = pairs.len() as u64;
    let smallest = MIN_EXPECTED * 4;
    if rows < 2 || columns < 2 {
        return Err("one side has a single character".to_string());
    }
    if n < smallest {
        return Err(format!(
            "needs {smallest} pairs (a 2×2 table with {MIN_EXPECTED} per cell), has {n}"
        ));
    }
    let (mut g_rows, mut g_columns) = (rows as u64, columns as u64);
    while MIN_EXPECTED * g_rows * g_columns > n {
        if g_rows >= g_columns && g_rows > 2 {
            g_rows -= 1;
        } else if g_columns > 2 {
            g_columns -= 1;
        } else {
            break;
        }
    }
    let class =
        |rank: u32, groups: u64, size: usize| (u64::from(rank) * groups / size as u64) as usize;
    let width = g_columns as usize;
    let mut table = vec![0u64; g_rows as usize * width];
    for &(a, b) in pairs {
        table[class(a, g_rows, rows) * width + class(b, g_columns, columns)] += 1;
    }
    let mut row_sums = vec![0u64; g_rows as usize];
    let mut column_sums = vec![0u64; width];
    for (i, row) in table.chunks(width).enumerate() {
        for (j, &count) in row.iter().enumerate() {
            row_sums[i] += count;
            column_sums[j] += count;
        }
    }
    let used_rows = row_sums.iter().filter(|&&s| s > 0).count();
    let used_columns = column_sums.iter().filter(|&&s| s > 0).count();
    if used_rows < 2 || used_columns < 2 {
        return Err("one side shows a single class in these pairs".to_string());
    }
    let total = n as f64;
    let mut statistic = 0.0;
    for (i, row) in table.chunks(width).enumerate() {
        for (j, &count) in row.iter().enumerate() {
            if row_sums[i] == 0 || column_sums[j] == 0 {
                continue;
            }
            let expected = row_sums[i] as f64 * column_sums[j] as f64 / total;
            let deviation = count as f64 - expected;
            statistic += deviation * deviation / expected;
        }
    }
    let df = ((used_rows - 1) * (used_columns - 1)) as f64;
    let merged = if (g_rows, g_columns) == (rows as u64, columns as u64) {
        String::new()
    } else {
        format!(" (merged from {rows}×{columns} for {MIN_EXPECTED} pairs per cell)")
    };
    Ok(Measured {
        statistic,
        df,
        p_value: chi_square::upper_tail(statistic, df),
        detail: format!("{g_rows}×{g_columns} table of {n} pairs{merged}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::tolerance::MPMATH;

    #[test]
    fn uniformity_by_hand() {
        // Hand computation: counts 8, 12, 10 over k = 3, N = 30, expected 10 each:
        // X² = (4 + 4 + 0) / 10 = 0.8, df 2, p = exp(−0.4) (χ² with 2 d.f. is exponential):
        // mpmath exp(-0.4) = 0.670320046035639300744432925148.
        let m = uniformity(&[8, 12, 10]).unwrap();
        assert!((m.statistic - 0.8).abs() < 1e-15);
        assert_eq!(m.df, 2.0);
        assert!((m.p_value - 0.670_320_046_035_639_3).abs() < MPMATH);
    }

    #[test]
    fn two_symbols_by_hand() {
        // Counts 60 and 40: X² = (20² + 20²) / (2 · 100) = 4, df 1; p = erfc(sqrt(2)):
        // mpmath erfc(sqrt(2)) = 0.0455002638963584144005652743331.
        let m = uniformity(&[60, 40]).unwrap();
        assert_eq!(m.statistic, 4.0);
        assert!((m.p_value - 0.045_500_263_896_358_41).abs() < MPMATH);
    }

    #[test]
    fn uniformity_needs_five_per_character() {
        assert_eq!(
            uniformity(&[3, 4, 4]),
            Err("needs 15 tokens (5 per observed character), has 11".to_string())
        );
        assert!(uniformity(&[7]).is_err());
    }

    #[test]
    fn independence_by_hand() {
        // 2×2 table [[30, 10], [10, 30]] (n = 80): every margin is 40, expected 20 per cell,
        // X² = 4 · 10² / 20 = 20, df 1; mpmath erfc(sqrt(10)) = 7.74421643104408e-6
        // (scipy.stats.chi2_contingency(correction=False) gives the same statistic and p).
        let mut pairs = Vec::new();
        for (a, b, n) in [(0, 0, 30), (0, 1, 10), (1, 0, 10), (1, 1, 30)] {
            pairs.extend(std::iter::repeat_n((a, b), n));
        }
        let m = independence(&pairs, 2, 2).unwrap();
        assert!((m.statistic - 20.0).abs() < 1e-12);
        assert_eq!(m.df, 1.0);
        assert!((m.p_value / 7.744_216_431_044_08e-6 - 1.0).abs() < 1e-9);
        assert_eq!(m.detail, "2×2 table of 80 pairs");
    }

    #[test]
    fn sparse_tables_are_merged_into_fewer_classes() {
        // 100 pairs over 10×10 ranks: 5 per cell needs 20 cells at most, so the larger side
        // shrinks first, the sides taking turns: 10×10 → 9×10 → 9×9 → ... → 5×5 → 4×5 (20
        // cells), each class a run of neighbouring ranks.
        let pairs: Vec<(u32, u32)> = (0..100u32).map(|i| (i % 10, (i * 7 + 3) % 10)).collect();
        let m = independence(&pairs, 10, 10).unwrap();
        assert_eq!(
            m.detail,
            "4×5 table of 100 pairs (merged from 10×10 for 5 pairs per cell)"
        );
        assert_eq!(m.df, 12.0);
    }

    #[test]
    fn independence_needs_twenty_pairs() {
        let pairs = vec![(0, 1); 19];
        assert!(independence(&pairs, 2, 2)
            .unwrap_err()
            .starts_with("needs 20 pairs"));
    }
}
