//! Checks of the battery itself, not of a generator: does it keep its promises?
//!
//! - [`calibration`]: on a good generator each test's p-values must be uniform, each test must
//!   reject about α of the streams, and the verdict rule must fail a good source in at most
//!   about 1% of default-sized reports. A test that misses these is a bug in the test (a
//!   discrete statistic, a wrong tail, wrong degrees of freedom), whatever it says about
//!   generators.
//! - [`power`]: how much data the battery needs before it catches each known-bad control,
//!   reported the way PractRand reports failures ("fails at 2^N bytes"), so the two tools can
//!   be compared.
//!
//! Both drive the ordinary pipeline (runner, battery, second level) and only add the counting
//! on top, so what they measure is what `run`, `report` and `file` do.

pub mod calibration;
#[cfg(feature = "charts")]
mod chart;
pub mod power;

use crate::stats::binomial;

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
        bisect(|p| binomial::upper_tail(successes, trials, p) >= tail)
    };
    // P(X ≤ k | p) = 1 − P(X ≥ k + 1 | p) falls with p: the upper bound is where it falls
    // to the tail.
    let high = if successes == trials {
        1.0
    } else {
        bisect(|p| binomial::upper_tail(successes + 1, trials, p) >= 1.0 - tail)
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

/// The power of two at or below `bytes`, as its exponent (`None` for 0).
pub fn log2_floor(bytes: u64) -> Option<u32> {
    (bytes > 0).then(|| 63 - bytes.leading_zeros())
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn powers_of_two() {
        assert_eq!(log2_floor(1024), Some(10));
        assert_eq!(log2_floor(1025), Some(10));
        assert_eq!(log2_floor(1 << 30), Some(30));
        assert_eq!(log2_floor(0), None);
    }
}
