//! Standard normal tails, from `libm::erfc` (accurate to a few ulp across its range; statrs'
//! `erfc` is only good to ~1e-11 relative, which ruins p-values in the far tail).

use std::f64::consts::SQRT_2;

/// P(Z > z) for a standard normal Z.
pub fn upper_tail(z: f64) -> f64 {
    super::clamp_probability(0.5 * libm::erfc(z / SQRT_2))
}

/// P(|Z| > |z|): the two-sided p-value of a standard normal statistic, `erfc(|z|/sqrt 2)` as in
/// SP 800-22 §2.1.4.
pub fn two_sided(z: f64) -> f64 {
    super::clamp_probability(libm::erfc(z.abs() / SQRT_2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::tolerance::MPMATH;

    #[test]
    fn known_values() {
        // mpmath: erfc(mpf(1)/sqrt(2)) = 0.31731050786291410283...
        assert!((two_sided(1.0) - 0.317_310_507_862_914_1).abs() < MPMATH);
        assert!((two_sided(-1.0) - 0.317_310_507_862_914_1).abs() < MPMATH);
        // mpmath: erfc(10/sqrt(2)) = 1.5239706048320...e-23; relative accuracy matters here.
        let far = two_sided(10.0);
        assert!(
            (far / 1.523_970_604_832_105e-23 - 1.0).abs() < 1e-12,
            "{far}"
        );
        // mpmath: erfc(40/sqrt(2))/2 = 3.655893540915e-350 underflows to 0, honestly.
        assert_eq!(upper_tail(40.0), 0.0);
        assert_eq!(upper_tail(0.0), 0.5);
    }
}
