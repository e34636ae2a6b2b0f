//! The order test: does a position's character follow the line order? A counter or a clock in a
//! token moves slowly with the line number on its leading varying positions; uniformity cannot
//! see that (every digit of a counter is uniform over a whole cycle) and the transitions test
//! sees it only where the position changes often.
//!
//! Statistic: Spearman's rank correlation ρ (Spearman, Am. J. Psychol. 15, 1904, 72–101)
//! between the character (its rank in the position's sorted set, which orders fixed-width
//! numerals by value) and the line number, computed as Pearson's correlation of the midranks
//! (tied characters share the mean of their ranks; the line numbers have no ties).
//!
//! Null distribution: when the characters are independent of the line order, every order of
//! them is equally likely, and under that permutation distribution the correlation of any two
//! fixed score sequences has mean 0 and variance exactly 1/(n − 1), ties or not (Pitman, J. R.
//! Statist. Soc. Suppl. 4, 1937, 225–232), and z = ρ √(n − 1) tends to the standard normal by
//! the combinatorial central limit theorem (Wald & Wolfowitz, Ann. Math. Statist. 15, 1944,
//! 358–372; Hoeffding, Ann. Math. Statist. 22, 1951, 558–566). The p-value is two-sided,
//! erfc(|z|/√2): a position may rise or fall with the line number.
//!
//! Below [`MIN_ORDER_TOKENS`] the test does not run: the approximation is not trusted on so few
//! tokens, and there |z| ≤ 3 could not reach a family-wise level anyway.

use super::power::MIN_ORDER_TOKENS;
use super::Measured;
use crate::stats::normal;

/// Spearman's ρ between `ranks` (each below `k`, in line order) and the line number, with the
/// two-sided p-value of z = ρ √(n − 1). `Err` says why it cannot run.
pub fn line_order(ranks: &[u32], k: usize) -> Result<Measured, String> {
    let n = ranks.len() as u64;
    if n < MIN_ORDER_TOKENS {
        return Err(format!(
            "needs {MIN_ORDER_TOKENS} tokens for the normal approximation of Spearman's ρ, \
             has {n}"
        ));
    }
    let mut counts = vec![0u64; k];
    for &r in ranks {
        counts[r as usize] += 1;
    }
    if counts.iter().filter(|&&c| c > 0).count() < 2 {
        return Err("one character only: nothing to correlate".to_string());
    }
    // Midrank of each character: the ranks 1..=n of its tied block, averaged.
    let mut midrank = vec![0.0f64; k];
    let mut before = 0u64;
    for (m, &c) in midrank.iter_mut().zip(&counts) {
        *m = before as f64 + (c as f64 + 1.0) / 2.0;
        before += c;
    }
    // Both rank sequences have mean (n + 1)/2; centred sums keep the digits.
    let centre = (n as f64 + 1.0) / 2.0;
    let (mut sxy, mut sxx, mut syy) = (0.0f64, 0.0f64, 0.0f64);
    for (line, &r) in ranks.iter().enumerate() {
        let x = midrank[r as usize] - centre;
        let y = line as f64 + 1.0 - centre;
        sxy += x * y;
        sxx += x * x;
        syy += y * y;
    }
    let rho = (sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0);
    let z = rho * ((n - 1) as f64).sqrt();
    Ok(Measured {
        statistic: rho,
        df: 0.0,
        p_value: normal::two_sided(z),
        detail: format!("Spearman's ρ = {rho:.4} with the line number over {n} tokens, z = {z:.2}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spearman_known_values() {
        // The first 30 decimal digits of π as one position, in line order (ties throughout).
        // scipy 1.17.1: r = scipy.stats.spearmanr(x, range(30)).statistic = 0.06920131435979185,
        // z = r * sqrt(29) = 0.37266048269780266, p = 2 * scipy.stats.norm.sf(abs(z))
        // = 0.7094011513752745.
        let pi: Vec<u32> = [
            3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3, 2, 3, 8, 4, 6, 2, 6, 4, 3, 3, 8, 3, 2,
            7,
        ]
        .to_vec();
        let m = line_order(&pi, 10).unwrap();
        assert!(
            (m.statistic - 0.069_201_314_359_791_85).abs() < 1e-13,
            "{}",
            m.statistic
        );
        assert!(
            (m.p_value - 0.709_401_151_375_274_5).abs() < 1e-12,
            "{}",
            m.p_value
        );
        // A falling position, (40 − i) div 7 for i = 0..40: spearmanr gives
        // -0.986113716902957, z = -6.158278188252171, p = 7.354009298040268e-10.
        let falling: Vec<u32> = (0..40u32).map(|i| (40 - i) / 7).collect();
        let m = line_order(&falling, 6).unwrap();
        assert!((m.statistic + 0.986_113_716_902_957).abs() < 1e-13);
        assert!((m.p_value / 7.354_009_298_040_268e-10 - 1.0).abs() < 1e-9);
        // A counter's slow digit, i div 5 for i = 0..40: 0.9924669360421842.
        let slow: Vec<u32> = (0..40u32).map(|i| i / 5).collect();
        let m = line_order(&slow, 8).unwrap();
        assert!((m.statistic - 0.992_466_936_042_184_2).abs() < 1e-13);
    }

    #[test]
    fn too_few_or_constant_do_not_run() {
        assert!(line_order(&[0, 1, 0, 1, 0, 1, 0, 1, 0], 2)
            .unwrap_err()
            .starts_with("needs 10 tokens"));
        assert!(line_order(&[1; 12], 2).is_err());
        // Strictly increasing, no ties: ρ = 1 exactly.
        let up: Vec<u32> = (0..12).collect();
        assert_eq!(line_order(&up, 12).unwrap().statistic, 1.0);
    }
}
