//! The binomial upper tail, used by the second level: the chance that `k` or more of `n`
//! independent streams fail at level `p` when the generator is good.

use statrs::function::beta::checked_beta_reg;

/// P(X >= k) for X ~ Binomial(n, p), via the identity P(X >= k) = I_p(k, n - k + 1)
/// (Abramowitz & Stegun 26.5.24), so the tail keeps its digits.
pub fn upper_tail(k: u64, n: u64, p: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n {
        return 0.0;
    }
    let tail = checked_beta_reg(k as f64, (n - k + 1) as f64, p).unwrap_or(0.0);
    super::clamp_probability(tail)
}

/// The Clopper–Pearson ("exact") two-sided interval for a binomial proportion after
/// `successes` in `trials`, at `confidence` (0.999 for 99.9%): the bounds are where the
/// binomial tails equal (1 − confidence)/2 (Clopper & Pearson, Biometrika 26, 1934). Its
/// coverage is at least `confidence` for every true proportion. `(0, 1)` for no trials.
pub fn clopper_pearson(successes: u64, trials: u64, confidence: f64) -> (f64, f64) {
    if trials == 0 {
        return (0.0, 1.0);
    }
    let successes = successes.min(trials);
    let tail = (1.0 - confidence) / 2.0;
    // P(X ≥ k | p) grows with p: the lower bound is where it reaches the tail.
    let low = if successes == 0 {
        0.0
    } else {
        bisect(|p| upper_tail(successes, trials, p) >= tail)
    };
    // P(X ≤ k | p) = 1 − P(X ≥ k + 1 | p) falls with p: the upper bound is where it falls
    // to the tail.
    let high = if successes == trials {
        1.0
    } else {
        bisect(|p| upper_tail(successes + 1, trials, p) >= 1.0 - tail)
    };
    (low, high)
}

/// The boundary in [0, 1] of a predicate that is false below it and true above it, to well
/// below the resolution of a double near any bound a calibration prints.
fn bisect(above: impl Fn(f64) -> bool) -> f64 {
    let (mut low, mut high) = (0.0f64, 1.0f64);
    for _ in 0..200 {
        let middle = 0.5 * (low + high);
        if middle <= low || middle >= high {
            break;
        }
        if above(middle) {
            high = middle;
        } else {
            low = middle;
        }
    }
    0.5 * (low + high)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // Hand computation: P(X >= 1) for n = 1 is p.
        assert!((upper_tail(1, 1, 0.01) - 0.01).abs() < 1e-15);
        // P(X >= 1), n = 100, p = 0.01: 1 - 0.99^100 = 0.633967658726771...
        assert!((upper_tail(1, 100, 0.01) - 0.633_967_658_726_771).abs() < 1e-12);
        // P(X >= 5), n = 100, p = 0.01: scipy 1.x: binom.sf(4, 100, 0.01) = 0.0034323215877545207
        assert!((upper_tail(5, 100, 0.01) / 0.003_432_321_587_754_520_7 - 1.0).abs() < 1e-10);
        assert_eq!(upper_tail(0, 10, 0.5), 1.0);
        assert_eq!(upper_tail(11, 10, 0.5), 0.0);
    }

    fn close(actual: f64, expected: f64, relative: f64) -> bool {
        (actual - expected).abs() <= relative * expected.abs()
    }

    #[test]
    fn clopper_pearson_agrees_with_scipy() {
        // scipy 1.17.1: binomtest(k, n).proportion_ci(0.999, method='exact').
        let cases: &[(u64, u64, f64, f64)] = &[
            (0, 1000, 0.0, 0.007_572_088_650_244_376),
            (
                10,
                1000,
                0.002_707_575_599_131_900_6,
                0.025_063_433_141_640_692,
            ),
            (25, 1000, 0.011_803_209_030_495_424, 0.045_619_318_292_070_7),
            (
                3,
                100,
                0.001_511_070_638_794_910_6,
                0.131_941_943_952_564_76,
            ),
            (1000, 1000, 0.992_427_911_349_755_6, 1.0),
        ];
        for &(k, n, low, high) in cases {
            let (l, h) = clopper_pearson(k, n, 0.999);
            assert!(close(l, low, 1e-9), "{k}/{n}: low {l} vs {low}");
            assert!(close(h, high, 1e-9), "{k}/{n}: high {h} vs {high}");
        }
        assert_eq!(clopper_pearson(0, 0, 0.999), (0.0, 1.0));
    }
}
