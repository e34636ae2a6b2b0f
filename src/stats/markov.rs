//! Pearson's statistic of a letter given the letters before it, against a specified law: the
//! test that consecutive letters of a sequence are independent draws from a known distribution
//! p, seen through overlapping windows of t letters.
//!
//! Letters x_1, x_2, ... take k values; a window is t consecutive letters, its *context* c the
//! first t − 1 and its last letter x. N(c, x) counts the windows (overlapping: one ending at
//! every letter from the t-th on), N(c) = Σ_x N(c, x), and
//!
//!   X² = Σ_c Σ_x (N(c, x) − N(c) p(x))² / (N(c) p(x)),
//!
//! over the contexts with N(c) > 0. If the letters are independent with law p, X² is
//! asymptotically χ² with k^(t−1)·(k − 1) degrees of freedom, whatever p is: it is the
//! statistic for testing that a Markov chain of order t − 1 has the specified transition
//! probabilities p(x | c) = p(x) (Anderson & Goodman, "Statistical inference about Markov
//! chains", Ann. Math. Stat. 28, 1957, §3.3 (eq. 3.22), for order one; Billingsley, "Statistical
//! methods in Markov chains", Ann. Math. Stat. 32, 1961, §2–3, for any order, which is order
//! one on the chain of contexts). The reason is a martingale one: given every letter before it,
//! the last letter of a window is a draw from p, so the counts of each context grow like a
//! multinomial sample with probabilities p, one letter at a time, and the normalised
//! deviations of different contexts are asymptotically independent. (The plain χ² of the
//! overlapping window counts against their expected counts is not χ²: overlapping windows
//! are dependent, which is why Good's serial test takes differences of such sums.)
//!
//! The approximation needs enough windows per cell: a verdict is given only when every cell's
//! expected count, windows · P(c) · p(x), is at least [`MIN_EXPECTED`] (Cochran's rule of five,
//! applied to the smallest cell, P(c)·p(x) = p_min^t); [`windows_needed`] gives the windows that
//! takes.

/// The smallest expected count of a cell for the χ² law to be used.
pub const MIN_EXPECTED: f64 = 5.0;

/// X² and its degrees of freedom.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Transition {
    /// The statistic X².
    pub statistic: f64,
    /// k^(t−1)·(k − 1).
    pub df: f64,
    /// Windows counted, Σ N(c, x).
    pub windows: u64,
}

impl Transition {
    /// The upper tail of χ²(df) at X².
    pub fn p_value(&self) -> f64 {
        super::chi_square::upper_tail(self.statistic, self.df)
    }
}

/// X² of window counts: `counts` has k^t cells, the window (x_1, ..., x_t) at index
/// Σ x_i·k^(t−i) (the oldest letter most significant, so a context's k cells are consecutive),
/// and `probs` is the law p of one letter (k values summing to 1, all positive).
pub fn transition_chi_square(counts: &[u64], probs: &[f64]) -> Transition {
    let k = probs.len();
    debug_assert!(k >= 2 && counts.len().is_multiple_of(k));
    let contexts = counts.len() / k;
    let mut statistic = 0.0;
    let mut windows = 0u64;
    for row in counts.chunks_exact(k) {
        let total: u64 = row.iter().sum();
        windows += total;
        if total == 0 {
            continue;
        }
        let total = total as f64;
        for (&count, &p) in row.iter().zip(probs) {
            let expected = total * p;
            let deviation = count as f64 - expected;
            statistic += deviation * deviation / expected;
        }
    }
    Transition {
        statistic,
        df: (contexts * (k - 1)) as f64,
        windows,
    }
}

/// The windows of `t` letters with law `probs` it takes for every cell to expect at least
/// [`MIN_EXPECTED`] counts.
pub fn windows_needed(probs: &[f64], t: u32) -> u64 {
    let smallest = probs.iter().copied().fold(f64::INFINITY, f64::min);
    (MIN_EXPECTED / smallest.powi(t as i32)).ceil() as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::tolerance::MPMATH;

    /// A hand count. Letters 0 1 1 0 1 0 0 1 (k = 2, p = (1/4, 3/4)), windows of t = 2:
    /// 01 11 10 01 10 00 01, so N(0,0) = 1, N(0,1) = 3, N(1,0) = 2, N(1,1) = 1, N(0) = 4,
    /// N(1) = 3. X² = (1 − 1)²/1 + (3 − 3)²/3 + (2 − 3/4)²/(3/4) + (1 − 9/4)²/(9/4)
    /// = 0 + 0 + 25/12 + 25/36 = 25/9, with 2 degrees of freedom; χ²(2) at 25/9 has the upper
    /// tail exp(−25/18) = 0.249352208777296 (mpmath 1.3, `exp(-mpf(25)/18)`).
    #[test]
    fn hand_count() {
        let letters = [0usize, 1, 1, 0, 1, 0, 0, 1];
        let mut counts = [0u64; 4];
        for pair in letters.windows(2) {
            counts[pair[0] * 2 + pair[1]] += 1;
        }
        assert_eq!(counts, [1, 3, 2, 1]);
        let fit = transition_chi_square(&counts, &[0.25, 0.75]);
        assert!((fit.statistic - 25.0 / 9.0).abs() < 1e-12, "{fit:?}");
        assert_eq!((fit.df, fit.windows), (2.0, 7));
        assert!((fit.p_value() - 0.249_352_208_777_296).abs() < MPMATH);
    }

    /// Three letters, t = 2, one context never seen (it adds nothing and keeps its degrees of
    /// freedom). p = (1/2, 1/4, 1/4); rows N(0,·) = (2, 1, 1), N(1,·) = (0, 0, 0),
    /// N(2,·) = (1, 3, 0): X² = 0 + 0 + 0 + (1 − 2)²/2 + (3 − 1)²/1 + (0 − 1)²/1 = 11/2, with
    /// 3·2 = 6 degrees of freedom; mpmath 1.3 `gammainc(3, mpf(11)/4, inf, regularized=True)`
    /// = 0.481456704713016.
    #[test]
    fn empty_context() {
        let counts = [2u64, 1, 1, 0, 0, 0, 1, 3, 0];
        let fit = transition_chi_square(&counts, &[0.5, 0.25, 0.25]);
        assert!((fit.statistic - 5.5).abs() < 1e-12, "{fit:?}");
        assert_eq!(fit.df, 6.0);
        assert!((fit.p_value() - 0.481_456_704_713_016).abs() < MPMATH);
    }

    /// Five expected in the smallest cell: p_min = 1/4, t = 3 gives 5·64 = 320 windows.
    #[test]
    fn needed() {
        assert_eq!(windows_needed(&[0.25, 0.75], 3), 320);
        assert_eq!(windows_needed(&[0.5, 0.5], 1), 10);
    }
}
