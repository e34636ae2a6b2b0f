//! The Kolmogorov–Smirnov test of uniformity on [0, 1]: the statistic D_n and its upper tail
//! P(D_n ≥ d). Calibration uses it to ask whether a test's p-values on a good generator are
//! uniform, which is what a p-value promises; a discrete statistic, a wrong tail or wrong degrees
//! of freedom all show up as a large D_n.
//!
//! The tail follows Simard & L'Ecuyer, "Computing the two-sided Kolmogorov-Smirnov
//! distribution", J. Stat. Softw. 39(11), 2011, in the same regimes as scipy's `kstwo`
//! (`scipy/stats/_ksstats.py`, `_kolmogn`), so the known-answer test can hold us to scipy:
//! - exact closed forms at the ends of the range (Ruben & Gambino 1982): n·d ≤ 1 and
//!   n·d ≥ n − 1;
//! - for d ≥ 1/2, exactly twice the one-sided tail, and for n·d² ≥ 2.2 (n > 140) or ≥ 4
//!   (n ≤ 140), twice the one-sided tail as Miller (1956) approximates it; the error is about
//!   2·exp(−8·n·d²), below 5e-8 absolute at n·d² = 2.2. The one-sided tail is the exact
//!   Birnbaum–Tingey (1951) sum;
//! - elsewhere 1 − P(D_n < d) by the exact matrix method of Durbin (1973) as Marsaglia, Tsang
//!   and Wang implement it ("Evaluating Kolmogorov's distribution", J. Stat. Softw. 8(18),
//!   2003), while its matrix stays small (n up to about 10^4 in this regime);
//! - beyond that, Kolmogorov's limiting distribution at Stephens' (1970) corrected argument
//!   (√n + 0.12 + 0.11/√n)·d (as in Numerical Recipes, §14.3), good to about three digits,
//!   which is plenty for a calibration check on so many p-values.

/// Largest matrix order of the exact method; order m costs about m³·2·log2(n) flops.
const MAX_EXACT_ORDER: usize = 301;

/// The two-sided statistic D_n = sup |F_n(u) − u| of `values` against the uniform
/// distribution on [0, 1]. `None` for no values or any value that is not a number.
pub fn statistic(values: &[f64]) -> Option<f64> {
    if values.is_empty() || values.iter().any(|v| v.is_nan()) {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len() as f64;
    let d = sorted
        .iter()
        .enumerate()
        .map(|(i, &u)| {
            let u = u.clamp(0.0, 1.0);
            ((i + 1) as f64 / n - u).max(u - i as f64 / n)
        })
        .fold(0.0, f64::max);
    Some(d)
}

/// P(D_n ≥ d) for n uniform values: the p-value of a Kolmogorov–Smirnov statistic `d`.
pub fn upper_tail(n: u64, d: f64) -> f64 {
    if n == 0 || d.is_nan() || d <= 0.0 {
        return 1.0;
    }
    if d >= 1.0 {
        return 0.0;
    }
    let nf = n as f64;
    let t = nf * d;
    if t <= 0.5 {
        return 1.0;
    }
    if t <= 1.0 {
        // Ruben–Gambino: P(D_n < d) = n!/n^n · (2t − 1)^n for 1/(2n) ≤ d ≤ 1/n.
        let log_cdf = libm::lgamma(nf + 1.0) - nf * nf.ln() + nf * (2.0 * t - 1.0).ln();
        return super::clamp_probability(1.0 - log_cdf.exp());
    }
    if t >= nf - 1.0 {
        // Ruben–Gambino: P(D_n ≥ d) = 2 (1 − d)^n for d ≥ 1 − 1/n.
        return super::clamp_probability(2.0 * (1.0 - d).powf(nf));
    }
    let n_d_squared = t * d;
    let miller_from = if n <= 140 { 4.0 } else { 2.2 };
    if d >= 0.5 || n_d_squared >= miller_from {
        return super::clamp_probability(2.0 * one_sided_upper_tail(n, d));
    }
    let order = 2 * (t as usize + 1) - 1;
    if order <= MAX_EXACT_ORDER {
        super::clamp_probability(1.0 - durbin_cdf(n, d))
    } else {
        let lambda = (nf.sqrt() + 0.12 + 0.11 / nf.sqrt()) * d;
        limiting_upper_tail(lambda)
    }
}

/// P(D_n⁺ ≥ d), the one-sided tail, by the Birnbaum–Tingey sum
/// d · Σ_{j=0}^{⌊n(1−d)⌋} C(n, j) (1 − d − j/n)^{n−j} (d + j/n)^{j−1}, term by term in logs:
/// every term is positive, so nothing cancels.
pub fn one_sided_upper_tail(n: u64, d: f64) -> f64 {
    if d <= 0.0 {
        return 1.0;
    }
    if d >= 1.0 {
        return 0.0;
    }
    let nf = n as f64;
    let log_n_factorial = libm::lgamma(nf + 1.0);
    let last = (nf * (1.0 - d)).floor() as u64;
    let mut sum = 0.0;
    for j in 0..=last.min(n) {
        let jf = j as f64;
        let below = 1.0 - d - jf / nf;
        if below <= 0.0 && j < n {
            // (1 − d − j/n)^(n−j) with a zero base: the term vanishes.
            continue;
        }
        let log_choose = log_n_factorial - libm::lgamma(jf + 1.0) - libm::lgamma(nf - jf + 1.0);
        let log_term = log_choose
            + if j < n { (nf - jf) * below.ln() } else { 0.0 }
            + (jf - 1.0) * (d + jf / nf).ln();
        sum += log_term.exp();
    }
    super::clamp_probability(d * sum)
}

/// Kolmogorov's limiting tail Q(λ) = 2 Σ_{k≥1} (−1)^{k−1} exp(−2k²λ²).
fn limiting_upper_tail(lambda: f64) -> f64 {
    if lambda < 0.2 {
        // The series converges slowly here and the tail is 1 to double precision.
        return 1.0;
    }
    let mut sum = 0.0;
    let mut sign = 1.0;
    for k in 1..=100 {
        let kf = f64::from(k);
        let term = (-2.0 * kf * kf * lambda * lambda).exp();
        sum += sign * term;
        if term < 1e-18 {
            break;
        }
        sign = -sign;
    }
    super::clamp_probability(2.0 * sum)
}

/// Square matrices in row-major order.
fn multiply(a: &[f64], b: &[f64], order: usize) -> Vec<f64> {
    let mut product = vec![0.0; order * order];
    for i in 0..order {
        for k in 0..order {
            let left = a[i * order + k];
            if left == 0.0 {
                continue;
            }
            let row = &b[k * order..(k + 1) * order];
            let out = &mut product[i * order..(i + 1) * order];
            for (o, &r) in out.iter_mut().zip(row) {
                *o += left * r;
            }
        }
    }
    product
}

/// Powers with the decimal exponent kept apart, as Marsaglia, Tsang and Wang's `mPower` does:
/// the entries of H^n overflow a double long before n = 1000.
fn power(matrix: &[f64], order: usize, exponent: u64, centre: usize) -> (Vec<f64>, i32) {
    if exponent == 1 {
        return (matrix.to_vec(), 0);
    }
    let (half, half_scale) = power(matrix, order, exponent / 2, centre);
    let mut result = multiply(&half, &half, order);
    let mut scale = 2 * half_scale;
    if exponent % 2 == 1 {
        result = multiply(matrix, &result, order);
    }
    if result[centre] > 1e140 {
        for value in &mut result {
            *value *= 1e-140;
        }
        scale += 140;
    }
    (result, scale)
}

/// P(D_n < d) exactly, by Durbin's matrix method (Marsaglia, Tsang & Wang 2003, `K(n, d)`).
fn durbin_cdf(n: u64, d: f64) -> f64 {
    let nf = n as f64;
    let k = (nf * d) as usize + 1;
    let order = 2 * k - 1;
    let h = k as f64 - nf * d;
    let mut matrix = vec![0.0; order * order];
    for i in 0..order {
        for j in 0..order {
            if i + 1 >= j {
                matrix[i * order + j] = 1.0;
            }
        }
    }
    for i in 0..order {
        matrix[i * order] -= h.powi(i as i32 + 1);
        matrix[(order - 1) * order + i] -= h.powi((order - i) as i32);
    }
    if 2.0 * h - 1.0 > 0.0 {
        matrix[(order - 1) * order] += (2.0 * h - 1.0).powi(order as i32);
    }
    for i in 0..order {
        for j in 0..order {
            if i + 1 > j {
                for g in 1..=(i + 1 - j) {
                    matrix[i * order + j] /= g as f64;
                }
            }
        }
    }
    let centre = (k - 1) * order + k - 1;
    let (result, mut scale) = power(&matrix, order, n, centre);
    let mut s = result[centre];
    for i in 1..=n {
        s *= i as f64 / nf;
        if s < 1e-140 {
            s *= 1e140;
            scale -= 140;
        }
    }
    (s * 10f64.powi(scale)).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64, relative: f64) -> bool {
        (actual - expected).abs() <= relative * expected.abs()
    }

    #[test]
    fn tail_agrees_with_scipy_kstwo() {
        // scipy 1.17.1, scipy.stats.kstwo.sf(d, n). Where scipy computes exactly (Ruben–Gambino,
        // Durbin/Pomeranz for n ≤ 140, twice the one-sided tail) we agree to 1e-10; where it
        // uses the Pelz–Good asymptotic series (n > 140 and n·d^1.5 > 1.4 below n·d² = 2.2)
        // our exact value may differ from it in the 7th digit.
        let exact: &[(u64, f64, f64)] = &[
            (1, 0.7, 0.600_000_000_000_000_1),
            (5, 0.3, 0.664),
            (10, 0.274, 0.371_520_384_543_495_7),
            (100, 0.05, 0.953_215_971_063_572_5),
            (100, 0.2, 0.000_555_192_732_798_877_5),
            (1000, 0.06, 0.001_428_597_887_952_891),
            (1000, 0.1, 3.703_687_096_817_711e-9),
            (1000, 0.3, 2.590_715_705_736_845e-80),
            (20, 0.6, 2.048_301_164_971_985_3e-7),
        ];
        for &(n, d, expected) in exact {
            let p = upper_tail(n, d);
            assert!(close(p, expected, 1e-10), "n={n} d={d}: {p} vs {expected}");
        }
        let pelz_good: &[(u64, f64, f64)] = &[
            (1000, 0.02, 0.810_897_165_689_557_7),
            (1000, 0.043, 0.048_110_987_651_926_56),
            (1000, 0.01, 0.999_949_674_537_061_1),
        ];
        for &(n, d, expected) in pelz_good {
            let p = upper_tail(n, d);
            assert!(close(p, expected, 1e-6), "n={n} d={d}: {p} vs {expected}");
        }
        // Where scipy's kstwo switches to Pelz–Good we hold ourselves to its exact method:
        // 1 - scipy.stats._ksstats._kolmogn_DMTW(141, 0.11874342087037917, cdf=True)
        // = 0.034432893555687418 (kstwo.sf itself says 0.0344...; Pelz–Good is off by 2e-5).
        let p = upper_tail(141, 0.118_743_420_870_379_17);
        assert!(close(p, 0.034_432_893_555_687_42, 1e-10), "{p}");
        // scipy: kstwo.sf(0.01, 50) = 1.0 (n·d ≤ 1/2: D_50 is never below 1/100).
        assert_eq!(upper_tail(50, 0.01), 1.0);
        assert_eq!(upper_tail(10, 1.0), 0.0);
        assert_eq!(upper_tail(10, 0.0), 1.0);
    }

    #[test]
    fn large_samples_use_the_corrected_limit() {
        // scipy 1.17.1: kstwo.sf(0.006, 50000) = 0.05442749636006261 (Pelz–Good there too);
        // Stephens' corrected limit is good to about three digits.
        let p = upper_tail(50_000, 0.006);
        assert!(close(p, 0.054_427_496_360_062_61, 2e-3), "{p}");
        // Just inside the exact method's reach: scipy kstwo.sf(0.012, 10000) =
        // 0.11135257403749388 (Pelz–Good, hence the looser tolerance).
        let p = upper_tail(10_000, 0.012);
        assert!(close(p, 0.111_352_574_037_493_88, 1e-6), "{p}");
    }

    #[test]
    fn statistic_agrees_with_scipy_kstest() {
        // scipy 1.17.1: kstest([0.1, 0.4, 0.35, 0.8, 0.95], 'uniform') gives statistic 0.2
        // (at 0.4 and 0.8: 3/5 − 0.4 and 0.8 − 3/5) and p-value 0.9616 (exact for n = 5).
        let values = [0.1, 0.4, 0.35, 0.8, 0.95];
        let d = statistic(&values).unwrap();
        assert!((d - 0.2).abs() < 1e-15, "{d}");
        assert!(close(upper_tail(5, d), 0.9616, 1e-10));
        assert_eq!(statistic(&[]), None);
        assert_eq!(statistic(&[0.5, f64::NAN]), None);
    }
}
