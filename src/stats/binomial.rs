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
}
