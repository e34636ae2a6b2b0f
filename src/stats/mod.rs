//! The distributions behind every p-value, one file per distribution (as statrs lays them out).
//!
//! Rules every function here keeps: upper tails are computed directly (`erfc`, the upper
//! regularized gamma), never as `1 - cdf`, so p-values far below 1e-16 keep their digits; results
//! are clamped into [0, 1]; and no function returns NaN for a finite statistic.

pub mod binomial;
pub mod chi_square;
pub mod equiprobable_chi_square;
pub mod holm;
pub mod kolmogorov;
pub mod markov;
pub mod normal;
pub mod proportion;
pub mod sidak;
pub mod uniformity;

/// Clamps a computed tail probability into [0, 1]. A NaN (which only a bug can produce) becomes
/// 0 in release builds so that a broken statistic shows up as a failure, never as a silent pass.
pub(crate) fn clamp_probability(p: f64) -> f64 {
    debug_assert!(!p.is_nan(), "p-value computed as NaN");
    if p.is_nan() {
        0.0
    } else {
        p.clamp(0.0, 1.0)
    }
}

/// Tolerances used by the known-answer tests across the crate, named so a reader sees which
/// comparison is meant to be exact and which is limited by a published table's rounding.
#[cfg(test)]
pub(crate) mod tolerance {
    /// Against values we computed ourselves with mpmath at 30 digits.
    pub const MPMATH: f64 = 1e-12;
    /// Against a published table printed with 6 decimals (SP 800-22, STS `%f` output).
    pub const SIX_DECIMALS: f64 = 1e-6;
}
