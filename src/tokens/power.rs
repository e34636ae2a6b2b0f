//! How many tokens a test needs before its pass means anything: the sample sizes behind the
//! `insufficient` verdict.
//!
//! A test that passes on a small sample has not shown that a position is good; it may only have
//! been unable to see a defect. So the tests that certify a position's bits (see the module
//! documentation of [`super`]) each come with a defect of stated size and the number of tokens
//! at which they catch it with probability [`POWER`], at the strictest level Holm's procedure
//! can use, α/m for a family of m tests (Holm's first step is Bonferroni's; every later step is
//! less strict, so the real power is at least this):
//!
//! * uniformity over k characters: the likeliest character twice as likely as it should be
//!   (2/k, the others sharing the rest equally), so that the position is worth one bit less than
//!   log₂ k in min-entropy. Pearson's statistic is then noncentral χ² with k − 1 degrees of
//!   freedom and noncentrality λ = N k Σ (p_i − 1/k)² = N / (k − 1) (Cohen, Statistical Power
//!   Analysis for the Behavioral Sciences, 2nd ed. 1988, ch. 7: λ = N w²), and the test needs
//!   the smallest N with P(χ²(k − 1, λ) > χ²_{α/m}(k − 1)) ≥ POWER, and at least 5 per character
//!   for the χ² approximation to hold at all;
//! * order (Spearman's ρ between the character and the line number): a correlation of
//!   [`ORDER_RHO`] in absolute value. Under the null hypothesis ρ√(n − 1) is close to standard
//!   normal ([`super::order`]); taking the same variance under the alternative gives
//!   n = 1 + ((z_{α/2m} + z_{1−POWER}) / ρ)², which overstates n when ρ is large (the variance
//!   of ρ shrinks as |ρ| grows), so it errs on the side of asking for more tokens;
//! * FIPS 140-2: its intervals are defined for 20,000-bit blocks only, so a position of b bits
//!   needs ⌈20000 / b⌉ tokens; the standard fixes that size, there is nothing to compute.
//!
//! The noncentral χ² upper tail is the Poisson mixture of central upper tails,
//! Σ_j e^(−λ/2) (λ/2)^j / j! · Q(k/2 + j, x/2) (Johnson, Kotz & Balakrishnan, Continuous
//! Univariate Distributions vol. 2, 2nd ed. 1995, ch. 29 eq. 29.2), summed directly (never as
//! 1 − cdf). Quantiles are found by bisection on the upper tails.

use crate::stats::{chi_square, normal};
use statrs::function::gamma::ln_gamma;

/// The probability with which a certifying test must catch its stated defect.
pub const POWER: f64 = 0.9;
/// The order test's stated defect: |ρ| between a position and the line number. A counter or a
/// clock shows |ρ| near 1 on the positions it moves slowly.
pub const ORDER_RHO: f64 = 0.5;
/// Fewest tokens for the normal approximation of Spearman's ρ (see [`super::order`]).
pub const MIN_ORDER_TOKENS: u64 = 10;

/// P(X > x) for X noncentral χ² with `df` degrees of freedom and noncentrality `nc`.
pub fn noncentral_chi_square_upper_tail(x: f64, df: f64, nc: f64) -> f64 {
    if nc <= 0.0 {
        return chi_square::upper_tail(x, df);
    }
    if x <= 0.0 {
        return 1.0;
    }
    // Poisson weights around their mode, out to where they fall below 1e-20 of the total: 12
    // standard deviations on either side and a margin for small means.
    let mean = nc / 2.0;
    let spread = 12.0 * mean.sqrt() + 30.0;
    let low = (mean - spread).max(0.0).floor() as u64;
    let high = (mean + spread).ceil() as u64;
    let mut total = 0.0;
    for j in low..=high {
        let j = j as f64;
        let log_weight = -mean + j * mean.ln() - ln_gamma(j + 1.0);
        total += log_weight.exp() * chi_square::igamc(df / 2.0 + j, x / 2.0);
    }
    total.clamp(0.0, 1.0)
}

/// The x with P(χ²(df) > x) = `level`.
pub fn chi_square_critical(level: f64, df: f64) -> f64 {
    let mut high = df + 10.0 * (2.0 * df).sqrt() + 100.0;
    while chi_square::upper_tail(high, df) > level {
        high *= 2.0;
    }
    bisect(0.0, high, |x| chi_square::upper_tail(x, df) > level)
}

/// The z with P(|Z| > z) = `level` for a standard normal Z.
pub fn normal_critical_two_sided(level: f64) -> f64 {
    bisect(0.0, 40.0, |z| normal::two_sided(z) > level)
}

/// The z with P(Z > z) = `level`.
pub fn normal_critical(level: f64) -> f64 {
    bisect(-40.0, 40.0, |z| normal::upper_tail(z) > level)
}

/// The boundary between `below(x) == true` (low x) and false (high x), to double precision.
fn bisect(mut low: f64, mut high: f64, below: impl Fn(f64) -> bool) -> f64 {
    for _ in 0..200 {
        let middle = 0.5 * (low + high);
        if middle <= low || middle >= high {
            break;
        }
        if below(middle) {
            low = middle;
        } else {
            high = middle;
        }
    }
    0.5 * (low + high)
}

/// The noncentrality at which a χ² test with `df` degrees of freedom at `level` has power
/// [`POWER`].
pub fn noncentrality_for_power(level: f64, df: f64) -> f64 {
    let critical = chi_square_critical(level, df);
    let power = |nc: f64| noncentral_chi_square_upper_tail(critical, df, nc);
    let mut high = 1.0;
    while power(high) < POWER {
        high *= 2.0;
    }
    bisect(0.0, high, |nc| power(nc) < POWER)
}

/// Tokens the uniformity test over `k` characters needs, at Holm's strictest `level`, to catch
/// the likeliest character at twice its share with probability [`POWER`] (λ = N / (k − 1)); and
/// never fewer than [`super::chars::MIN_EXPECTED`] per character.
pub fn uniformity_tokens(k: usize, level: f64) -> u64 {
    let df = (k - 1) as f64;
    let nc = noncentrality_for_power(level, df);
    let for_power = (nc * df).ceil() as u64;
    for_power.max(super::chars::MIN_EXPECTED * k as u64)
}

/// Tokens the order test needs to catch |ρ| = [`ORDER_RHO`] with probability [`POWER`] at
/// Holm's strictest `level` (two-sided).
pub fn order_tokens(level: f64) -> u64 {
    let z = normal_critical_two_sided(level) + normal_critical(1.0 - POWER);
    let n = 1.0 + (z / ORDER_RHO).powi(2);
    (n.ceil() as u64).max(MIN_ORDER_TOKENS)
}

/// Tokens FIPS 140-2 needs at `width` bits per token: one whole 20,000-bit block.
pub fn fips_tokens(width: u32) -> u64 {
    (super::bits::BLOCK_BITS as u64).div_ceil(u64::from(width))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64, relative: f64) -> bool {
        (actual - expected).abs() <= relative * expected.abs()
    }

    #[test]
    fn noncentral_upper_tail_known_values() {
        // scipy 1.17.1: scipy.stats.ncx2.sf(30.0, 15, 20.0) = 0.6584317043384553; mpmath at 30
        // digits, the Poisson mixture nsum(exp(-10) 10^j/j! gammainc((15+2j)/2, 15, inf,
        // regularized=True)) = 0.658431704338455718708171814993.
        let p = noncentral_chi_square_upper_tail(30.0, 15.0, 20.0);
        assert!(close(p, 0.658_431_704_338_455_7, 1e-10), "{p}");
        // ncx2.sf(3.0, 1, 0.5) = 0.1600555730601739 (mpmath 0.160055573060173859645782033289).
        let p = noncentral_chi_square_upper_tail(3.0, 1.0, 0.5);
        assert!(close(p, 0.160_055_573_060_173_86, 1e-10), "{p}");
        // ncx2.sf(110.0, 61, 75.0) = 0.9029837451261037; ncx2.sf(4000.0, 3721, 300.0)
        // = 0.5865259351724277 (many degrees of freedom, a large noncentrality).
        let p = noncentral_chi_square_upper_tail(110.0, 61.0, 75.0);
        assert!(close(p, 0.902_983_745_126_103_7, 1e-9), "{p}");
        let p = noncentral_chi_square_upper_tail(4000.0, 3721.0, 300.0);
        assert!(close(p, 0.586_525_935_172_427_7, 1e-8), "{p}");
        // No noncentrality: the central tail.
        assert_eq!(
            noncentral_chi_square_upper_tail(9.0, 9.0, 0.0),
            chi_square::upper_tail(9.0, 9.0)
        );
    }

    #[test]
    fn quantiles_known_values() {
        // scipy 1.17.1: chi2.isf(1e-4, 15) = 44.26322494417498; chi2.isf(0.01/193, 61)
        // = 113.51590481860161; norm.isf(0.1) = 1.2815515655446004; norm.isf(0.5e-4)
        // = 3.890591886413094 (the two-sided critical value at 1e-4).
        assert!(close(
            chi_square_critical(1e-4, 15.0),
            44.263_224_944_174_98,
            1e-10
        ));
        assert!(close(
            chi_square_critical(0.01 / 193.0, 61.0),
            113.515_904_818_601_61,
            1e-10
        ));
        assert!(close(normal_critical(0.1), 1.281_551_565_544_600_4, 1e-12));
        assert!(close(
            normal_critical_two_sided(1e-4),
            3.890_591_886_413_094,
            1e-12
        ));
    }

    #[test]
    fn tokens_needed_known_values() {
        // scipy 1.17.1: with c = chi2.isf(level, k-1), brentq(lambda l: ncx2.sf(c, k-1, l) - 0.9,
        // 1e-6, 1e6) gives the noncentrality, times k − 1 the tokens (at least 5k):
        //   level 0.01/100: k = 16: λ = 47.58788855096937, N = 714; k = 62: λ = 75.60197303750685,
        //   N = 4612; k = 2: λ = 26.751067887628857, N = 27; k = 10: N = 373.
        assert!(close(
            noncentrality_for_power(1e-4, 15.0),
            47.587_888_550_969_37,
            1e-8
        ));
        assert_eq!(uniformity_tokens(16, 1e-4), 714);
        assert_eq!(uniformity_tokens(62, 1e-4), 4612);
        assert_eq!(uniformity_tokens(2, 1e-4), 27);
        assert_eq!(uniformity_tokens(10, 1e-4), 373);
        // Order at level 1e-4: 1 + ((norm.isf(0.5e-4) + norm.isf(0.1)) / 0.5)**2
        // = 1 + 107.00427155051543, rounded up to 109 tokens.
        assert_eq!(order_tokens(1e-4), 109);
        // FIPS: one 20,000-bit block.
        assert_eq!(fips_tokens(4), 5000);
        assert_eq!(fips_tokens(6), 3334);
        assert_eq!(fips_tokens(1), 20_000);
    }
}
