//! The uniformity of p-values (SP 800-22 Rev 1a §4.2.2; STS `assess.c`): ten equal bins on
//! [0, 1] and Pearson's χ² against equal counts. Two readings of the same statistic: STS's χ²
//! approximation with 9 degrees of freedom ([`uniformity_p`], which STS's report layout shows),
//! and its exact multinomial tail for up to 100 p-values ([`uniformity_p_exact`], which the
//! verdict rule uses).

use super::{chi_square, equiprobable_chi_square};

/// Fewest p-values for which the uniformity is computed (as STS does).
pub const MIN_STREAMS_FOR_UNIFORMITY: usize = 10;

/// The bin of `p` among `bins` equal bins on [0, 1], as STS's `assess.c` bins p-values: bin
/// ⌊p · bins⌋, with a p-value of exactly 1 in the last bin. Every p-value histogram of the crate
/// (uniformity, STS's C1..C10, the charts) bins through here.
pub fn p_value_bin(p: f64, bins: usize) -> usize {
    ((p * bins as f64) as usize).min(bins - 1)
}

/// NIST's uniformity P-value of p-values (SP 800-22 §4.2.2; STS `assess.c`): ten equal bins on
/// [0, 1] (a p-value of exactly 1 goes in the last), χ² against m/10 each, igamc(9/2, χ²/2).
pub fn uniformity_p(p_values: &[f64]) -> Option<f64> {
    if p_values.len() < MIN_STREAMS_FOR_UNIFORMITY {
        return None;
    }
    let mut bins = [0u64; 10];
    for &p in p_values {
        bins[p_value_bin(p, 10)] += 1;
    }
    let expected = p_values.len() as f64 / 10.0;
    let chi2: f64 = bins
        .iter()
        .map(|&count| (count as f64 - expected).powi(2) / expected)
        .sum();
    Some(chi_square::igamc(4.5, chi2 / 2.0))
}

/// The uniformity p-value the verdict rule uses: the same ten bins and χ² statistic as
/// [`uniformity_p`], with its exact tail (the multinomial law,
/// [`upper_tail`](super::equiprobable_chi_square::upper_tail)) up to
/// [`MAX_EXACT_OBSERVATIONS`](super::equiprobable_chi_square::MAX_EXACT_OBSERVATIONS) p-values and STS's χ² approximation above.
/// With 20 sequences STS's approximation is several times too liberal where a family-wise rule
/// looks (P(p < 2.7e-5) ≈ 1.0e-4), which failed good generators too often; STS's own
/// `finalAnalysisReport.txt` rendering keeps [`uniformity_p`], to stay equal to STS.
pub fn uniformity_p_exact(p_values: &[f64]) -> Option<f64> {
    if p_values.len() < MIN_STREAMS_FOR_UNIFORMITY {
        return None;
    }
    let mut bins = [0u64; 10];
    for &p in p_values {
        bins[p_value_bin(p, 10)] += 1;
    }
    equiprobable_chi_square::upper_tail(&bins).or_else(|| uniformity_p(p_values))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniformity_by_hand() {
        // Hand-worked: 20 p-values, two in each of the ten bins, gives χ² = 0 and P = igamc(4.5, 0) = 1.
        let even: Vec<f64> = (0..20).map(|i| (i / 2) as f64 / 10.0 + 0.05).collect();
        assert_eq!(uniformity_p(&even), Some(1.0));
        // All 10 in the first bin: χ² = (10-1)²/1 + 9·(0-1)²/1 = 90; igamc(4.5, 45) is
        // 1.62807e-15 by mpmath (gammainc(4.5, 45, inf, regularized=True) = 1.628070471965621e-15).
        let bunched = vec![0.001; 10];
        let p = uniformity_p(&bunched).unwrap();
        assert!((p / 1.628_070_471_965_621e-15 - 1.0).abs() < 1e-9, "{p}");
        // Fewer than ten streams: not computed.
        assert_eq!(uniformity_p(&[0.5; 9]), None);
        // A p-value of exactly 1 lands in the last bin rather than out of range.
        assert!(uniformity_p(&[1.0; 10]).is_some());
    }
}
