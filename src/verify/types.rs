//! What a calibration measured ([`Calibration`] and its parts) and the confidence levels its
//! verdicts use. A leaf: [`super::calibration`] computes and writes these and the chart draws
//! them, and neither has to import the other for the types. Re-exported from
//! [`super::calibration`], where callers find them.

use super::clopper_pearson;
use crate::second_level::FAMILY_ALPHA;

/// Confidence of the per-test rejection-rate band.
pub const BAND_CONFIDENCE: f64 = 0.999;
/// A KS p-value below this flags the test's p-values as not uniform.
pub const KS_FLAG_BELOW: f64 = 0.001;
/// Confidence of the verdict rule's false-fail interval.
pub const RULE_CONFIDENCE: f64 = 0.95;

/// Whether a test's p-values behave on a good generator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Calibrated {
    /// The rate's band contains α and the p-values look uniform.
    Ok,
    /// The whole band lies above α: good generators fail this test too often.
    Liberal,
    /// The whole band lies below α: the test rejects too rarely and loses power.
    Conservative,
    /// The rate is fine but the p-values are not uniform elsewhere in [0, 1].
    NotUniform,
    /// The test never ran on these streams.
    Skipped,
}

impl Calibrated {
    /// The name CSV uses (`ok`, `liberal`, `conservative`, `not_uniform`, `skipped`).
    pub fn as_str(self) -> &'static str {
        match self {
            Calibrated::Ok => "ok",
            Calibrated::Liberal => "liberal",
            Calibrated::Conservative => "conservative",
            Calibrated::NotUniform => "not_uniform",
            Calibrated::Skipped => "skipped",
        }
    }
}

/// One test (and label) over the calibration streams.
#[derive(Clone, Debug)]
pub struct TestCalibration {
    /// The test's name.
    pub test: &'static str,
    /// Names one of several results of the same test (a template, a state); empty otherwise.
    pub label: String,
    /// Streams on which the test was measured.
    pub streams: usize,
    /// Streams with p < α.
    pub rejections: usize,
    /// `rejections / streams`, in [0, 1]: near α on a good generator; `None` when nothing was
    /// measured.
    pub rate: Option<f64>,
    /// Clopper–Pearson interval of the rejection rate at [`BAND_CONFIDENCE`].
    pub band: Option<(f64, f64)>,
    /// Kolmogorov–Smirnov distance between the p-values and the uniform distribution, in [0, 1].
    pub ks_statistic: Option<f64>,
    /// P-value in [0, 1] of that KS test; below [`KS_FLAG_BELOW`] the test is `not_uniform`.
    pub ks_p: Option<f64>,
    /// Whether the test is calibrated.
    pub verdict: Calibrated,
    /// Why the test did not run, when it did not.
    pub skip_reason: Option<String>,
    /// The p-values, sorted, for the chart.
    pub p_values: Vec<f64>,
}

/// The verdict rule measured on mini-reports of one good source.
#[derive(Clone, Debug)]
pub struct RuleCalibration {
    /// Mini-reports run.
    pub reports: usize,
    /// Streams in each mini-report ([`STREAMS_PER_REPORT`](super::calibration::STREAMS_PER_REPORT)).
    pub streams_per_report: u32,
    /// Mini-reports in which [`crate::second_level::summarize`] failed some cell.
    pub failed_reports: usize,
    /// Per mini-report, Holm's adjusted p-value of its smallest cell (cells × smallest cell
    /// p-value, at most 1): the report fails at family level a exactly when this is ≤ a.
    pub adjusted_minima: Vec<f64>,
    /// Every cell p-value of every mini-report.
    pub cell_p_values: Vec<f64>,
}

impl RuleCalibration {
    /// Mini-reports that would fail at family level `alpha`.
    pub fn failures_at(&self, alpha: f64) -> usize {
        self.adjusted_minima.iter().filter(|&&p| p <= alpha).count()
    }

    /// The false-fail rate at `alpha` and its interval at [`RULE_CONFIDENCE`].
    pub fn rate_at(&self, alpha: f64) -> (f64, (f64, f64)) {
        let failed = self.failures_at(alpha) as u64;
        let reports = self.reports as u64;
        let rate = if reports == 0 {
            0.0
        } else {
            failed as f64 / reports as f64
        };
        (rate, clopper_pearson(failed, reports, RULE_CONFIDENCE))
    }

    /// Cells whose p-value is at most `level`: a valid cell p-value does so at most that often.
    pub fn cells_at_or_below(&self, level: f64) -> usize {
        self.cell_p_values.iter().filter(|&&p| p <= level).count()
    }
}

/// Everything a calibration measured.
#[derive(Clone, Debug)]
pub struct Calibration {
    /// The battery calibrated.
    pub battery: &'static str,
    /// The source calibrated on.
    pub source: &'static str,
    /// Its number of distinct symbol values.
    pub alphabet: u16,
    /// Symbols per stream.
    pub bytes: u64,
    /// The seed every stream's seed was derived from.
    pub master_seed: u64,
    /// One entry per test and label, in report order.
    pub tests: Vec<TestCalibration>,
    /// The verdict rule's false-fail measurements.
    pub rule: RuleCalibration,
}

impl Calibration {
    /// Whether every measured test is calibrated and the rule's false-fail interval reaches
    /// down to the 1% goal.
    pub fn as_expected(&self) -> bool {
        let tests = self
            .tests
            .iter()
            .all(|t| matches!(t.verdict, Calibrated::Ok | Calibrated::Skipped));
        let (_, (low, _)) = self.rule.rate_at(FAMILY_ALPHA);
        tests && low <= FAMILY_ALPHA
    }
}
