//! The exact null distribution of Pearson's χ² for m observations over k equiprobable cells:
//! the law of the uniformity test of SP 800-22 §4.2.2 (k = 10 bins of p-values) when m is small.
//!
//! STS takes the χ² approximation with k − 1 degrees of freedom, igamc((k − 1)/2, χ²/2). With
//! 20 sequences that puts 2 expected counts in a bin, and the approximation is several times too
//! liberal in the far tail where a family-wise rule looks (P(p < 2.7e-5) is about 1.0e-4 for
//! m = 20): enough to fail good generators far more often than the rule promises. The exact law
//! is cheap for the m a report uses, so the verdict rule takes it (see `second_level`).
//!
//! χ² = (k/m)·Σ cᵢ² − m is increasing in T = Σ cᵢ², so P(χ² ≥ observed) = P(T ≥ T_obs). T's
//! distribution comes from placing the observations bin by bin: bin j (of k) takes c of the n
//! still unplaced with probability Binomial(n, 1/(k − j)), which is the multinomial law written
//! as a chain of binomials. The state is (unplaced, Σ c² so far); the last bin takes the rest.
//! Upper tails are summed from the top, never as 1 − cdf.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// The largest m for which [`upper_tail`] computes the exact law; above it the χ² approximation
/// is used by callers (expected counts of 10 and more per bin for k = 10). The work grows as
/// k·m³·m / 2 in the worst case: about 0.1 s for m = 100, k = 10, once per process and m.
pub const MAX_EXACT_OBSERVATIONS: usize = 100;

/// Per (m, k), P(T ≥ s) for s = 0 ..= m².
type Tails = Arc<Vec<f64>>;

fn cache() -> &'static Mutex<HashMap<(usize, usize), Tails>> {
    static CACHE: OnceLock<Mutex<HashMap<(usize, usize), Tails>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// P(T = s) for T = Σ cᵢ² of a multinomial(m; 1/k, …, 1/k), s = 0 ..= m².
fn point_masses(m: usize, k: usize) -> Vec<f64> {
    let width = m * m + 1;
    let ln_factorial: Vec<f64> = std::iter::once(0.0)
        .chain((1..=m).scan(0.0, |sum, i| {
            *sum += (i as f64).ln();
            Some(*sum)
        }))
        .collect();
    // layer[n * width + s]: probability that n observations are still unplaced and the bins
    // filled so far have Σ c² = s.
    let mut layer = vec![0.0; (m + 1) * width];
    layer[m * width] = 1.0;
    for bin in 0..k - 1 {
        let p = 1.0 / (k - bin) as f64;
        let (ln_p, ln_q) = (p.ln(), (1.0 - p).ln());
        let mut next = vec![0.0; (m + 1) * width];
        for n in 0..=m {
            let pmf: Vec<f64> = (0..=n)
                .map(|c| {
                    let ln_choose = ln_factorial[n] - ln_factorial[c] - ln_factorial[n - c];
                    (ln_choose + c as f64 * ln_p + (n - c) as f64 * ln_q).exp()
                })
                .collect();
            for s in 0..width {
                let mass = layer[n * width + s];
                if mass == 0.0 {
                    continue;
                }
                for (c, &weight) in pmf.iter().enumerate() {
                    let square = c * c;
                    if s + square < width {
                        next[(n - c) * width + s + square] += mass * weight;
                    }
                }
            }
        }
        layer = next;
    }
    // The last bin takes every observation still unplaced.
    let mut masses = vec![0.0; width];
    for n in 0..=m {
        for s in 0..width {
            let mass = layer[n * width + s];
            if mass != 0.0 && s + n * n < width {
                masses[s + n * n] += mass;
            }
        }
    }
    masses
}

fn tails(m: usize, k: usize) -> Tails {
    let mut cache = match cache().lock() {
        Ok(guard) => guard,
        // A panic elsewhere cannot leave a half-built entry (entries are inserted whole).
        Err(poisoned) => poisoned.into_inner(),
    };
    cache
        .entry((m, k))
        .or_insert_with(|| {
            let masses = point_masses(m, k);
            let mut tail = vec![0.0; masses.len() + 1];
            for s in (0..masses.len()).rev() {
                tail[s] = tail[s + 1] + masses[s];
            }
            tail.truncate(masses.len());
            Arc::new(tail)
        })
        .clone()
}

/// P(χ² ≥ observed) for the observed `counts` of m = Σ counts observations over
/// `counts.len()` equiprobable cells, exactly; `None` when m is above
/// [`MAX_EXACT_OBSERVATIONS`] or there are fewer than 2 cells.
pub fn upper_tail(counts: &[u64]) -> Option<f64> {
    let k = counts.len();
    let m: u64 = counts.iter().sum();
    if k < 2 || m as usize > MAX_EXACT_OBSERVATIONS {
        return None;
    }
    let observed: u64 = counts.iter().map(|&c| c * c).sum();
    let tail = tails(m as usize, k);
    Some(super::clamp_probability(
        tail.get(observed as usize).copied().unwrap_or(0.0),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Relative agreement with the exact rationals, printed to 8–10 significant digits.
    const EXACT_RATIONAL: f64 = 1e-8;

    fn close(got: f64, want: f64) {
        assert!(
            (got - want).abs() <= EXACT_RATIONAL * want,
            "got {got:e}, want {want:e}"
        );
    }

    #[test]
    fn a_perfectly_even_sample_has_tail_one() {
        assert_eq!(upper_tail(&[2; 10]), Some(1.0));
        assert_eq!(upper_tail(&[0; 10]), Some(1.0));
    }

    #[test]
    fn point_masses_sum_to_one() {
        for (m, k) in [(1, 2), (7, 3), (20, 10), (55, 10), (100, 10)] {
            let total: f64 = point_masses(m, k).iter().sum();
            assert!((total - 1.0).abs() < 1e-12, "m = {m}, k = {k}: {total}");
        }
    }

    #[test]
    fn matches_exact_rational_enumeration() {
        // Python 3.11, fractions.Fraction: every composition of m = 12 into 10 parts with its
        // multinomial probability 12!/(Π cᵢ!)/10^12, summing those with Σ cᵢ² ≥ T (brute force,
        // an independent method from the chain of binomials here), printed as float():
        //   T ≥ 28 → 0.303676372, T ≥ 32 → 0.116233732, T ≥ 50 → 0.0009395992,
        //   T ≥ 80 → 1.7029e-06.
        for (counts, want) in [
            ([3, 3, 2, 2, 1, 1, 0, 0, 0, 0], 0.303676372),
            ([4, 3, 2, 1, 1, 1, 0, 0, 0, 0], 0.116233732),
            ([6, 3, 2, 1, 0, 0, 0, 0, 0, 0], 0.0009395992),
            ([8, 4, 0, 0, 0, 0, 0, 0, 0, 0], 1.7029e-06),
        ] {
            close(upper_tail(&counts).unwrap(), want);
        }
        // All 20 observations in one bin (T = 400, the maximum): 10 ways of 10^-20 each.
        close(upper_tail(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap(), 1e-19);
    }

    #[test]
    fn agrees_with_the_chi_square_approximation_where_it_holds() {
        // 100 observations, 10 per bin expected: the exact and asymptotic tails are close in
        // the body of the distribution (χ² = 9.0 here, igamc(4.5, 4.5) = 0.4373).
        let counts = [13, 7, 10, 10, 12, 8, 10, 10, 11, 9];
        let exact = upper_tail(&counts).unwrap();
        let chi2: f64 = counts
            .iter()
            .map(|&c| (c as f64 - 10.0).powi(2) / 10.0)
            .sum();
        let approx = crate::stats::chi_square::igamc(4.5, chi2 / 2.0);
        assert!((exact - approx).abs() < 0.03, "{exact} vs {approx}");
    }

    #[test]
    fn too_many_observations_fall_back_to_the_caller() {
        assert_eq!(upper_tail(&[11; 10]), None);
        assert_eq!(upper_tail(&[5]), None);
    }
}
