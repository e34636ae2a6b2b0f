//! Entropy figures and collisions: what a position contributes when it fails, what the
//! effective entropy predicts about duplicates, and the test of observed duplicates against it.
//!
//! * Min-entropy of a failing position: NIST SP 800-90B §6.3.1, the Most Common Value estimate,
//!   p̂ = max count / N, p_u = min(1, p̂ + 2.576 √(p̂(1 − p̂)/(N − 1))), H = −log₂ p_u. It is a
//!   lower estimate (an upper confidence bound on the likeliest character), which suits a
//!   position that has already shown it is not uniform.
//! * Min-entropy of a failing position given what came before it: the same bound on the share
//!   of characters a predictor guesses right, where the predictor guesses, for each previous
//!   character (the same position in the previous token, or the previous position in the same
//!   token), the character that most often followed it in the sample: p̂ = Σ_i max_j n_ij / N.
//!   This is SP 800-90B §6.3.9's MultiMMC predictor of order 1 without its running update: fitted
//!   to the whole sample it is scored on, it can only guess better than it would on new tokens,
//!   so the estimate errs low. A counter's digit, which its predecessor determines, gets ~0 bits;
//!   the uniform but predictable positions that fail the transitions or the order test get what
//!   their predictability leaves.
//! * Collisions under E bits of entropy (tokens uniform over 2^E values): each of the
//!   n(n − 1)/2 pairs is equal with probability 2^−E, so n(n − 1)/2 · 2^−E pairs are expected,
//!   and a first collision becomes 50% likely at about √(2 ln 2 · 2^E) tokens (the birthday
//!   bound; von Mises 1939, Feller vol. 1 §II.3).
//! * The collision test: the number of equal pairs is a sum of rare, weakly dependent events,
//!   close to Poisson (Arratia, Goldstein & Gordon, Ann. Probab. 17, 1989); its p-value is the
//!   binomial tail P(X ≥ observed) for X ~ Binomial(n(n − 1)/2, 2^−E), which is that Poisson tail
//!   to within the approximation. A generator whose positions all look uniform but which
//!   repeats tokens (a small seed space, a short cycle) fails here.
//!
//! Everything is computed in logarithms where 2^E would overflow: E can exceed 1024 bits.

use crate::stats::binomial;

/// SP 800-90B §6.3.1: the normal quantile of a 99% upper confidence bound.
const MCV_Z: f64 = 2.576;

/// The Most Common Value min-entropy estimate of `counts`, in bits; 0 for a constant position
/// or fewer than two observations.
pub fn mcv_min_entropy(counts: &[u64]) -> f64 {
    let total: u64 = counts.iter().sum();
    if total < 2 {
        return 0.0;
    }
    let p_hat = counts.iter().copied().max().unwrap_or(0) as f64 / total as f64;
    bound_to_bits(p_hat, total)
}

/// The min-entropy left to a character once the one before it is known (see the module
/// documentation): −log₂ of the 99% upper bound on the share that the best in-sample predictor
/// from `pairs` (previous, current) guesses right; 0 for fewer than two pairs.
pub fn predictor_min_entropy(pairs: &[(u32, u32)]) -> f64 {
    let n = pairs.len() as u64;
    if n < 2 {
        return 0.0;
    }
    // Sorted pairs put each previous character's successors in runs: no k × k table, which a
    // position with thousands of distinct characters could not afford.
    let mut sorted = pairs.to_vec();
    sorted.sort_unstable();
    let mut correct = 0u64;
    let mut start = 0;
    while start < sorted.len() {
        let previous = sorted[start].0;
        let mut best = 0u64;
        let mut i = start;
        while i < sorted.len() && sorted[i].0 == previous {
            let run = sorted[i..]
                .iter()
                .take_while(|&&pair| pair == sorted[i])
                .count();
            best = best.max(run as u64);
            i += run;
        }
        correct += best;
        start = i;
    }
    bound_to_bits(correct as f64 / n as f64, n)
}

/// −log₂ of SP 800-90B's upper bound p̂ + 2.576 √(p̂(1 − p̂)/(N − 1)), capped at 1.
fn bound_to_bits(p_hat: f64, n: u64) -> f64 {
    let p_upper = (p_hat + MCV_Z * (p_hat * (1.0 - p_hat) / (n - 1) as f64).sqrt()).min(1.0);
    // log₂(1/p) rather than −log₂ p so that p = 1 gives +0, not −0.
    (1.0 / p_upper).log2()
}

/// Pairs among `tokens` tokens: n(n − 1)/2.
pub fn pairs(tokens: u64) -> u64 {
    tokens / 2 * tokens.saturating_sub(1) + tokens % 2 * (tokens.saturating_sub(1) / 2)
}

/// Expected equal pairs among `tokens` tokens uniform over 2^`bits` values.
pub fn expected_collisions(tokens: f64, bits: f64) -> f64 {
    if tokens < 2.0 {
        return 0.0;
    }
    let log2_pairs = tokens.log2() + (tokens - 1.0).log2() - 1.0;
    (log2_pairs - bits).exp2()
}

/// Tokens at which a collision becomes 50% likely: √(2 ln 2 · 2^E) = √(2 ln 2) · 2^(E/2),
/// saturating at the largest double rather than overflowing to infinity.
pub fn tokens_for_half_chance(bits: f64) -> f64 {
    let tokens = (2.0 * std::f64::consts::LN_2).sqrt() * (bits / 2.0).exp2();
    tokens.min(f64::MAX)
}

/// P(X ≥ observed) for the number X of equal pairs among `tokens` tokens uniform over
/// 2^`bits` values.
pub fn collision_p_value(tokens: u64, observed_pairs: u64, bits: f64) -> f64 {
    binomial::upper_tail(observed_pairs, pairs(tokens), (-bits).exp2())
}

/// The entropy that would make `observed_pairs` equal pairs among `tokens` tokens the expected
/// number: log₂(n(n − 1)/2 / observed). Used as a ceiling when the collision test fails.
pub fn entropy_from_collisions(tokens: u64, observed_pairs: u64) -> f64 {
    if observed_pairs == 0 {
        return f64::MAX;
    }
    (pairs(tokens) as f64 / observed_pairs as f64)
        .log2()
        .max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::tolerance::MPMATH;

    #[test]
    fn mcv_by_hand() {
        // Counts 30, 50, 20 (N = 100): p̂ = 0.5, p_u = 0.5 + 2.576 · √(0.25/99)
        // = 0.629449...; mpmath at 30 digits:
        // -log(mpf('0.5') + mpf('2.576')*sqrt(mpf('0.25')/99), 2)
        // = 0.667838900612424167477200653587.
        assert!((mcv_min_entropy(&[30, 50, 20]) - 0.667_838_900_612_424_2).abs() < MPMATH);
        assert_eq!(mcv_min_entropy(&[100]), 0.0);
        assert_eq!(mcv_min_entropy(&[1]), 0.0);
        assert!(mcv_min_entropy(&[1, 1]).is_sign_positive());
    }

    #[test]
    fn predictor_by_hand() {
        // 100 pairs: after 0, 30 zeros and 20 ones; after 1, 10 zeros and 40 ones. The predictor
        // guesses 0 after 0 and 1 after 1, right 30 + 40 = 70 times: p̂ = 0.7; mpmath at 30
        // digits: -log(mpf(7)/10 + mpf('2.576')*sqrt(mpf('0.21')/99), 2)
        // = 0.288695674480882668976699488226.
        let mut pairs = Vec::new();
        for (a, b, n) in [(0, 0, 30), (0, 1, 20), (1, 0, 10), (1, 1, 40)] {
            pairs.extend(std::iter::repeat_n((a, b), n));
        }
        // Order does not matter to the count; interleave to be sure.
        pairs.sort_by_key(|&(a, b)| (a * 7 + b * 3) % 5);
        let h = predictor_min_entropy(&pairs);
        assert!((h - 0.288_695_674_480_882_7).abs() < MPMATH, "{h}");
        // A counter's last digit: 0 → 1 → ... → 9 → 0; its predecessor decides it: 0 bits.
        let counter: Vec<(u32, u32)> = (0..1000u32).map(|i| (i % 10, (i + 1) % 10)).collect();
        assert_eq!(predictor_min_entropy(&counter), 0.0);
        assert!(predictor_min_entropy(&counter).is_sign_positive());
        assert_eq!(predictor_min_entropy(&[(0, 1)]), 0.0);
    }

    #[test]
    fn pairs_by_hand() {
        assert_eq!(pairs(0), 0);
        assert_eq!(pairs(1), 0);
        assert_eq!(pairs(2), 1);
        assert_eq!(pairs(5), 10);
        assert_eq!(pairs(20_000), 199_990_000);
        assert_eq!(pairs(4_000_000_001), 4_000_000_001 * 2_000_000_000);
    }

    #[test]
    fn birthday_figures() {
        // token_urlsafe(5): 40 bits. mpmath at 30 digits: sqrt(2*log(2)*mpf(2)**40)
        // = 1234603.89176918638960214731806 (the "about 1.2 million" of the birthday bound).
        assert!((tokens_for_half_chance(40.0) / 1_234_603.891_769_186_4 - 1.0).abs() < MPMATH);
        // 10^6 tokens at 40 bits: mpmath 10**6*(10**6-1)/2/mpf(2)**40
        // = 0.45474689613911323249340057373.
        assert!((expected_collisions(1e6, 40.0) / 0.454_746_896_139_113_2 - 1.0).abs() < MPMATH);
        // 20,000 tokens at 128 bits: mpmath mpf(199990000)/mpf(2)**128
        // = 5.87717788052373196796669050198e-31.
        let expected = expected_collisions(20_000.0, 128.0);
        assert!((expected / 5.877_177_880_523_732e-31 - 1.0).abs() < MPMATH);
        // Enormous entropies neither overflow nor give NaN.
        assert_eq!(tokens_for_half_chance(5000.0), f64::MAX);
        assert_eq!(expected_collisions(1e9, 5000.0), 0.0);
        assert_eq!(expected_collisions(1.0, 10.0), 0.0);
    }

    #[test]
    fn collision_test_by_hand() {
        // No pair observed: p = 1. One pair among 20,000 tokens at 20 bits: expected
        // λ = 199,990,000 / 2^20 ≈ 190.7, so one pair is no surprise (p ≈ 1); 400 pairs are
        // (Poisson tail far below 1e-20).
        assert_eq!(collision_p_value(20_000, 0, 128.0), 1.0);
        assert!(collision_p_value(20_000, 1, 20.0) > 0.999);
        assert!(collision_p_value(20_000, 400, 20.0) < 1e-20);
        // One pair among 20,000 tokens at 40 bits: P(X ≥ 1) = 1 − (1 − 2^−40)^199,990,000,
        // mpmath at 30 digits: 0.000181873304452611875249247561223. The crate's binomial tail
        // (statrs' regularized incomplete beta) is good to about 1e-6 relative this far out.
        let p = collision_p_value(20_000, 1, 40.0);
        assert!((p / 1.818_733_044_526_118_8e-4 - 1.0).abs() < 1e-5, "{p}");
        // At 128 bits any collision is damning, and the tail stays a number.
        let p = collision_p_value(20_000, 1, 128.0);
        assert!(p > 0.0 && p < 1e-29, "{p}");
        assert_eq!(entropy_from_collisions(20_000, 0), f64::MAX);
        assert!((entropy_from_collisions(20_000, 199_990_000) - 0.0).abs() < 1e-12);
    }
}
