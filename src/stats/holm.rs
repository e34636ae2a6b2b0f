//! Holm's step-down procedure (Holm, "A simple sequentially rejective multiple test
//! procedure", Scand. J. Statist. 6, 1979): family-wise error control under any dependence,
//! used by the verdict rule and by the token analysis.

/// Holm-adjusted p-values (Holm 1979): sorted ascending, p̃₍ᵢ₎ = max over j ≤ i of
/// min(1, (m − j + 1) p₍ⱼ₎). Rejecting where p̃ ≤ α is Holm's procedure at level α.
pub fn holm_adjusted(p_values: &[f64]) -> Vec<f64> {
    let m = p_values.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p_values[a].total_cmp(&p_values[b]));
    let mut adjusted = vec![1.0; m];
    let mut running = 0.0f64;
    for (rank, &index) in order.iter().enumerate() {
        running = running.max(((m - rank) as f64 * p_values[index]).min(1.0));
        adjusted[index] = running;
    }
    adjusted
}

/// Holm's step-down procedure: which of `p_values` are rejected at family-wise level `alpha`
/// (those whose Holm-adjusted p-value is at most `alpha`).
pub fn holm_rejections(p_values: &[f64], alpha: f64) -> Vec<bool> {
    holm_adjusted(p_values)
        .into_iter()
        .map(|adjusted| adjusted <= alpha)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holm_adjusted_by_hand() {
        // Holm at 0.05 over (0.01, 0.04, 0.03, 0.005): sorted 0.005, 0.01, 0.03, 0.04 times
        // 4, 3, 2, 1 give 0.02, 0.03, 0.06, 0.04; running maxima 0.02, 0.03, 0.06, 0.06.
        let adjusted = holm_adjusted(&[0.01, 0.04, 0.03, 0.005]);
        let expected = [0.03, 0.06, 0.06, 0.02];
        for (a, e) in adjusted.iter().zip(expected) {
            assert!((a - e).abs() < 1e-15, "{adjusted:?}");
        }
        // The rejections are exactly the step-down rule's: p₍ᵢ₎ ≤ α/(m − i + 1) for every i up
        // to the one rejected.
        let p = [0.01, 0.04, 0.03, 0.005, 0.2, 1e-9];
        let adjusted = holm_adjusted(&p);
        for alpha in [0.001, 0.01, 0.05, 0.1] {
            let mut sorted: Vec<f64> = p.to_vec();
            sorted.sort_by(f64::total_cmp);
            let rejected_by_steps = sorted
                .iter()
                .enumerate()
                .take_while(|&(i, &q)| q <= alpha / (p.len() - i) as f64)
                .count();
            let rejected: Vec<bool> = holm_rejections(&p, alpha);
            assert_eq!(
                rejected.iter().filter(|&&r| r).count(),
                rejected_by_steps,
                "{alpha}"
            );
            assert!(adjusted
                .iter()
                .zip(&rejected)
                .all(|(&a, &r)| (a <= alpha) == r));
        }
    }

    #[test]
    fn holm_by_hand() {
        // Holm at 0.05 over (0.01, 0.04, 0.03, 0.005): sorted 0.005 ≤ 0.05/4, 0.01 ≤ 0.05/3,
        // 0.03 > 0.05/2 stops: the first two are rejected.
        assert_eq!(
            holm_rejections(&[0.01, 0.04, 0.03, 0.005], 0.05),
            vec![true, false, false, true]
        );
    }
}
