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
//! Uneven margins (a small sample, a skewed position) can leave some cells far below the average,
//! so a two-way table must also meet Cochran's rule (no expected count below 1, at most a fifth
//! below 5) and is merged further until it does; a table that fails it even as 2×2 is not
//! tested: on a tiny sample the test is skipped, not trusted to judge.

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
/// have fewer than [`MIN_EXPECTED`] pairs per cell, and further until Cochran's rule holds.
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
        if !shrink(&mut g_rows, &mut g_columns) {
            break;
        }
    }
    // Five per cell on average still leaves cells with small expected counts when the margins
    // are uneven, as on a small sample they are; then the χ² approximation does not hold and
    // the table is merged further, down to 2×2, after which the test does not run.
    loop {
        let table = Table::new(pairs, (rows, g_rows), (columns, g_columns));
        if table.used_rows < 2 || table.used_columns < 2 {
            return Err("one side shows a single class in these pairs".to_string());
        }
        if table.meets_cochran() {
            return Ok(table.measure(rows, columns));
        }
        if !shrink(&mut g_rows, &mut g_columns) {
            return Err(format!(
                "{n} pairs are too few for the χ² approximation even as a 2×2 table (Cochran: \
                 every expected count at least 1, at most a fifth below {MIN_EXPECTED})"
            ));
        }
    }
}

/// Takes one class from the larger side (rows first on a tie), keeping at least two on each;
/// `false` when both sides are down to two.
fn shrink(g_rows: &mut u64, g_columns: &mut u64) -> bool {
    if *g_rows >= *g_columns && *g_rows > 2 {
        *g_rows -= 1;
    } else if *g_columns > 2 {
        *g_columns -= 1;
    } else {
        return false;
    }
    true
}

/// A two-way table of merged classes with its margins.
struct Table {
    n: u64,
    width: usize,
    shape: (u64, u64),
    counts: Vec<u64>,
    row_sums: Vec<u64>,
    column_sums: Vec<u64>,
    used_rows: usize,
    used_columns: usize,
}

impl Table {
    fn new(
        pairs: &[(u32, u32)],
        (rows, g_rows): (usize, u64),
        (columns, g_columns): (usize, u64),
    ) -> Table {
        let class =
            |rank: u32, groups: u64, size: usize| (u64::from(rank) * groups / size as u64) as usize;
        let width = g_columns as usize;
        let mut counts = vec![0u64; g_rows as usize * width];
        for &(a, b) in pairs {
            counts[class(a, g_rows, rows) * width + class(b, g_columns, columns)] += 1;
        }
        let mut row_sums = vec![0u64; g_rows as usize];
        let mut column_sums = vec![0u64; width];
        for (i, row) in counts.chunks(width).enumerate() {
            for (j, &count) in row.iter().enumerate() {
                row_sums[i] += count;
                column_sums[j] += count;
            }
        }
        let used_rows = row_sums.iter().filter(|&&s| s > 0).count();
        let used_columns = column_sums.iter().filter(|&&s| s > 0).count();
        Table {
            n: pairs.len() as u64,
            width,
            shape: (g_rows, g_columns),
            counts,
            row_sums,
            column_sums,
            used_rows,
            used_columns,
        }
    }

    /// Expected counts of the cells whose row and column were observed.
    fn expected(&self) -> impl Iterator<Item = (u64, f64)> + '_ {
        let total = self.n as f64;
        self.counts
            .chunks(self.width)
            .enumerate()
            .flat_map(move |(i, row)| {
                row.iter()
                    .enumerate()
                    .filter(move |&(j, _)| self.row_sums[i] > 0 && self.column_sums[j] > 0)
                    .map(move |(j, &count)| {
                        let expected = self.row_sums[i] as f64 * self.column_sums[j] as f64;
                        (count, expected / total)
                    })
            })
    }

    /// Cochran's rule for the χ² approximation (Biometrics 10, 1954, 417–451): no expected
    /// count below 1 and no more than a fifth of them below 5.
    fn meets_cochran(&self) -> bool {
        let (mut cells, mut small) = (0usize, 0usize);
        for (_, expected) in self.expected() {
            if expected < 1.0 {
                return false;
            }
            cells += 1;
            small += usize::from(expected < MIN_EXPECTED as f64);
        }
        5 * small <= cells
    }

    fn measure(&self, rows: usize, columns: usize) -> Measured {
        let statistic: f64 = self
            .expected()
            .map(|(count, expected)| {
                let deviation = count as f64 - expected;
                deviation * deviation / expected
            })
            .sum();
        let df = ((self.used_rows - 1) * (self.used_columns - 1)) as f64;
        let (g_rows, g_columns) = self.shape;
        let merged = if self.shape == (rows as u64, columns as u64) {
            String::new()
        } else {
            format!(" (merged from {rows}×{columns} for the χ² approximation)")
        };
        Measured {
            statistic,
            df,
            p_value: chi_square::upper_tail(statistic, df),
            detail: format!("{g_rows}×{g_columns} table of {} pairs{merged}", self.n),
        }
    }
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
        // 100 pairs over 10×10 ranks, each rank 10 times on either side: 5 per cell needs 20
        // cells at most, so the larger side shrinks first, the sides taking turns: 10×10 → 9×10
        // → 9×9 → ... → 5×5 → 4×5 (20 cells), each class a run of neighbouring ranks. Classes of
        // 3, 2, 3, 2 ranks make rows of 30, 20, 30, 20 against columns of 20: expected 6 and 4,
        // half the cells below 5, against Cochran's fifth. So 4×4 (columns 30, 20, 30, 20:
        // four cells of 16 expect 4, a quarter) and then 3×4 (rows of ranks 0-3, 4-6, 7-9: 40,
        // 30, 30; the smallest expected count 30 · 20 / 100 = 6).
        let pairs: Vec<(u32, u32)> = (0..100u32).map(|i| (i % 10, (i * 7 + 3) % 10)).collect();
        let m = independence(&pairs, 10, 10).unwrap();
        assert_eq!(
            m.detail,
            "3×4 table of 100 pairs (merged from 10×10 for the χ² approximation)"
        );
        assert_eq!(m.df, 6.0);
    }

    #[test]
    fn uneven_margins_merge_further_or_skip() {
        // 60 pairs, rows of 10, 20 and 30, columns of 20 each: five per cell on average, but the
        // first row's cells expect 10 · 20 / 60 = 3.3, a third of the table below 5 (Cochran
        // allows a fifth). Merging rows 0 and 1 gives rows of 30 and 30, every cell 10.
        let mut pairs = Vec::new();
        for (row, count) in [(0u32, 10u32), (1, 20), (2, 30)] {
            pairs.extend((0..count).map(|i| (row, i % 3)));
        }
        let m = independence(&pairs, 3, 3).unwrap();
        assert_eq!(
            m.detail,
            "2×3 table of 60 pairs (merged from 3×3 for the χ² approximation)"
        );
        assert_eq!(m.df, 2.0);
        // 20 pairs with rows of 16 and 4, columns of 10 and 10: expected 8, 8, 2, 2 even as
        // 2×2: skipped, not judged.
        let mut pairs = Vec::new();
        for (row, count) in [(0u32, 16u32), (1, 4)] {
            pairs.extend((0..count).map(|i| (row, i % 2)));
        }
        assert!(independence(&pairs, 2, 2)
            .unwrap_err()
            .contains("too few for the χ² approximation even as a 2×2 table"));
    }

    #[test]
    fn independence_needs_twenty_pairs() {
        let pairs = vec![(0, 1); 19];
        assert!(independence(&pairs, 2, 2)
            .unwrap_err()
            .starts_with("needs 20 pairs"));
    }
}
