//! Checks of the battery itself, not of a generator: does it keep its promises?
//!
//! - [`calibration`]: on a good generator each test's p-values must be uniform, each test must
//!   reject about α of the streams, and the verdict rule must fail a good source in at most
//!   about 1% of default-sized reports. A test that misses these is a bug in the test (a
//!   discrete statistic, a wrong tail, wrong degrees of freedom), whatever it says about
//!   generators.
//! - [`power`]: how much data the battery needs before it catches each known-bad control,
//!   reported the way PractRand reports failures ("fails at 2^N bytes"), so the two tools can
//!   be compared.
//!
//! Both drive the ordinary pipeline (runner, battery, second level) and only add the counting
//! on top, so what they measure is what `run`, `report` and `file` do.

pub mod calibration;
#[cfg(feature = "charts")]
mod chart;
pub mod power;
mod types;

pub use crate::stats::binomial::clopper_pearson;

/// The power of two at or below `bytes`, as its exponent (`None` for 0).
pub fn log2_floor(bytes: u64) -> Option<u32> {
    (bytes > 0).then(|| 63 - bytes.leading_zeros())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn powers_of_two() {
        assert_eq!(log2_floor(1024), Some(10));
        assert_eq!(log2_floor(1025), Some(10));
        assert_eq!(log2_floor(1 << 30), Some(30));
        assert_eq!(log2_floor(0), None);
    }
}
