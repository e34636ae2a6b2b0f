//! Šidák's combination: the smallest of m independent p-values, as one p-value.
//!
//! If p_1, ..., p_m are independent and uniform, P(min p_i ≤ x) = 1 − (1 − x)^m (Šidák 1967,
//! "On the multivariate normal distribution"; exact for independent tests, conservative for the
//! positively dependent ones the deep tests combine). Computed as −expm1(m · ln1p(−x)) so that a
//! tiny minimum keeps its digits: 1 − (1 − 1e-20)^5 would round to 0.

/// The probability that the smallest of `m` independent uniform p-values is at most `p_min`.
pub fn sidak(p_min: f64, m: u64) -> f64 {
    super::clamp_probability(-(m as f64 * (-p_min).ln_1p()).exp_m1())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::tolerance::MPMATH;

    #[test]
    fn known_values() {
        // mpmath, 30 digits: 1 - (1 - 0.01)**20 = 0.182093062402769129110801339455, and
        // 1 - (1 - 1e-20)**5 = 4.99999999998726...e-20 (1e-20 as mpmath's decimal).
        assert!((sidak(0.01, 20) - 0.182_093_062_402_769_13).abs() < MPMATH);
        assert!((sidak(1e-20, 5) / 5e-20 - 1.0).abs() < MPMATH);
        // One p-value is itself; a minimum of 1 stays 1, of 0 stays 0.
        assert!((sidak(0.3, 1) - 0.3).abs() < 1e-15);
        assert_eq!(sidak(1.0, 7), 1.0);
        assert_eq!(sidak(0.0, 7), 0.0);
    }
}
