//! Results at every doubling of length, and the rule that keeps looking often from inflating
//! false alarms.
//!
//! One stream read once is judged at checkpoints of 2^10, 2^11, ... bytes and at its end, as
//! PractRand reports (`length= 2^20 bytes`): the tests' states are read without being consumed
//! ([`crate::battery::TestState::snapshot`]), so no byte is read twice. Each look is a chance
//! of a false alarm, and a stream read to 1 GiB is looked at 21 times: judging every look at
//! the usual family-wise 0.01 would fail a good generator far more often than 1% of the time.
//!
//! The rule (alpha spending over looks): look k (k = 1 for 2^10 bytes, 2 for 2^11, ..., and the
//! end of the input as the look after the last checkpoint it passed) runs Holm's procedure over
//! the tests at level α_k = α / (k (k + 1)), α = [`super::FAMILY_ALPHA`]. The α_k sum to α over
//! any number of looks (Σ 1/(k(k+1)) telescopes to 1), so by the union bound the chance that a
//! good generator fails at any look, however long the input, is at most α, and Holm keeps each
//! look's family-wise rate under its α_k whatever the dependence between tests and looks. The
//! price is a stricter level at long lengths (α_21 = 2.2e-5 at 1 GiB), which real defects pay
//! easily: their p-values fall exponentially with the length, so one more doubling suffices.
//! Because looks on one stream are strongly dependent, the actual false-alarm rate is below α.

use super::{by_source, summarize, CellSummary, Verdict, FAMILY_ALPHA};
use crate::battery::Outcome;
use crate::runner::StreamReport;
use crate::source::Kind;

/// The first checkpoint: 2^10 bytes, where PractRand's most sensitive setting starts.
pub const FIRST_LOG2: u32 = 10;

/// The family-wise level of look `k` (1 for the first): α / (k (k + 1)).
pub fn look_alpha(look: u32) -> f64 {
    let k = f64::from(look.max(1));
    FAMILY_ALPHA / (k * (k + 1.0))
}

/// The look number of a stream's end after `checkpoints` checkpoints: its own look, unless it
/// fell exactly on the last checkpoint.
pub fn looks_for(checkpoints: u32, end_is_checkpoint: bool) -> u32 {
    if end_is_checkpoint {
        checkpoints
    } else {
        checkpoints + 1
    }
}

/// Whether `bytes` is a checkpoint: a power of two of at least 2^[`FIRST_LOG2`].
pub fn is_checkpoint(bytes: u64) -> bool {
    bytes.is_power_of_two() && bytes >= 1 << FIRST_LOG2
}

/// The checkpoint after `bytes` (the first one when `bytes` is below it).
pub fn next_checkpoint(bytes: u64) -> u64 {
    let first = 1u64 << FIRST_LOG2;
    if bytes < first {
        first
    } else {
        bytes
            .checked_add(1)
            .and_then(u64::checked_next_power_of_two)
            .unwrap_or(u64::MAX)
    }
}

/// What one look found.
#[derive(Clone, Debug)]
pub struct Checkpoint {
    /// The stream's source (a built-in source's name, a path, `stdin`).
    pub source: String,
    /// Bytes read when the look was taken.
    pub bytes: u64,
    /// Which look it is (1 for the first).
    pub look: u32,
    /// The look's family-wise level, [`look_alpha`].
    pub family_alpha: f64,
    /// Tests that could be measured at this length.
    pub measured: usize,
    /// `fail` when Holm at the look's level rejects a test, `weak` when a kept test's p-value is
    /// below [`super::WEAK_BELOW`], `skipped` when nothing could be measured yet, else `pass`.
    pub verdict: Verdict,
    /// Each cell that failed, with its p-value and Holm-adjusted p-value, worst first.
    pub failing: Vec<(String, f64, f64)>,
    /// Every cell of the look, as the second level summarised it.
    pub cells: Vec<CellSummary>,
}

impl Checkpoint {
    /// Judges the outcomes of one look at a stream of `bytes` bytes.
    pub fn judge(source: &str, kind: Kind, bytes: u64, look: u32, outcomes: Vec<Outcome>) -> Self {
        let stream = StreamReport {
            source: source.to_string(),
            kind,
            stream: 0,
            seed: None,
            bytes,
            outcomes,
        };
        let family_alpha = look_alpha(look);
        let cells = summarize(std::slice::from_ref(&stream), family_alpha);
        let measured = cells.iter().filter(|c| c.streams > 0).count();
        let mut failing: Vec<(String, f64, f64)> = cells
            .iter()
            .filter(|c| c.verdict == Verdict::Fail)
            .map(|c| {
                (
                    c.display_name(),
                    c.cell_p.unwrap_or(0.0),
                    c.holm_p.unwrap_or(0.0),
                )
            })
            .collect();
        failing.sort_by(|a, b| a.1.total_cmp(&b.1));
        // The one source's verdict, as every report folds its cells.
        let verdict = by_source(&cells)
            .first()
            .map_or(Verdict::Skipped, |source| source.verdict);
        Checkpoint {
            source: source.to_string(),
            bytes,
            look,
            family_alpha,
            measured,
            verdict,
            failing,
            cells,
        }
    }

    /// One line, as PractRand prints its lengths: `length= 2^20 bytes (1 MiB): no anomalies
    /// in 7 tests (Holm at 4.8e-4)`, or the failing tests with their p-values.
    pub fn line(&self) -> String {
        let length = if self.bytes.is_power_of_two() {
            format!(
                "2^{} bytes ({})",
                self.bytes.trailing_zeros(),
                crate::size::format_size(self.bytes)
            )
        } else {
            format!(
                "{} bytes ({}, the end)",
                self.bytes,
                crate::size::format_size(self.bytes)
            )
        };
        let level = format!("Holm at {:.2e}", self.family_alpha);
        match self.verdict {
            Verdict::Skipped => format!("length= {length}: too short for any test yet"),
            Verdict::Fail => {
                let tests: Vec<String> = self
                    .failing
                    .iter()
                    .map(|(name, p, _)| format!("{name} p = {}", crate::report::format_p(*p)))
                    .collect();
                format!(
                    "length= {length}: FAIL in {} of {} tests ({level}): {}",
                    self.failing.len(),
                    self.measured,
                    tests.join(", ")
                )
            }
            Verdict::Weak => format!(
                "length= {length}: unusual but kept in {} tests ({level})",
                self.measured
            ),
            Verdict::Pass => format!(
                "length= {length}: no anomalies in {} tests ({level})",
                self.measured
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_levels_spend_exactly_alpha_over_any_number_of_looks() {
        // Σ_{k=1}^{n} 1/(k(k+1)) = 1 − 1/(n+1): the partial sums stay below α and reach it.
        let spent = |n: u32| (1..=n).map(look_alpha).sum::<f64>();
        assert!((spent(21) - FAMILY_ALPHA * (1.0 - 1.0 / 22.0)).abs() < 1e-15);
        assert!(spent(10_000) < FAMILY_ALPHA);
        assert!(spent(10_000) > FAMILY_ALPHA * 0.9998);
        // 2^10 bytes is look 1 (α/2), 1 GiB is look 21 (α/462).
        assert_eq!(look_alpha(1), FAMILY_ALPHA / 2.0);
        assert!((look_alpha(21) - FAMILY_ALPHA / 462.0).abs() < 1e-18);
    }

    #[test]
    fn checkpoints_are_the_doublings_from_one_kibibyte() {
        assert_eq!(next_checkpoint(0), 1024);
        assert_eq!(next_checkpoint(1023), 1024);
        assert_eq!(next_checkpoint(1024), 2048);
        assert_eq!(next_checkpoint(3000), 4096);
        assert!(is_checkpoint(1 << 30) && !is_checkpoint(512) && !is_checkpoint(3 << 20));
        assert_eq!(looks_for(5, true), 5);
        assert_eq!(looks_for(5, false), 6);
    }

    #[test]
    fn a_look_fails_only_below_its_own_level() {
        let outcome = |p| vec![Outcome::measured("monobit", 1.0, p)];
        // Look 1 judges at α/2 = 0.005: 0.004 fails there, and passes (weak) at look 21.
        let early = Checkpoint::judge("x", Kind::External, 1024, 1, outcome(0.004));
        assert_eq!(early.verdict, Verdict::Fail);
        assert!(early
            .line()
            .starts_with("length= 2^10 bytes (1K): FAIL in 1 of 1 tests"));
        let late = Checkpoint::judge("x", Kind::External, 1 << 30, 21, outcome(0.004));
        assert_ne!(late.verdict, Verdict::Fail);
        let none = Checkpoint::judge("x", Kind::External, 1024, 1, vec![]);
        assert_eq!(none.verdict, Verdict::Skipped);
    }
}
