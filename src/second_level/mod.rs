//! Second-level analysis: from one outcome per stream to one verdict per (source, test).
//!
//! For each cell (a source and one test result label) over its streams this computes what NIST
//! STS's final analysis report shows (SP 800-22 Rev 1a §4.2): the proportion of streams whose
//! p-value is at least α = 0.01, with the bounds p̂ ± 3·sqrt(p̂(1 − p̂)/m), p̂ = 1 − α, and the
//! uniformity of the p-values (10 bins, Pearson's χ²; only with at least 10 streams). STS reads
//! the χ² with 9 degrees of freedom, P = igamc(9/2, χ²/2); the verdict rule takes the statistic's
//! exact multinomial tail up to 100 streams ([`uniformity_p_exact`]), because with few streams
//! STS's approximation is too liberal in the tail a family-wise rule looks at.
//!
//! The verdict rule, written out in the README, controls the family-wise error over the whole
//! run so that a good generator rarely fails anywhere in a report:
//! 1. each cell gets one p-value `cell_p`: with m ≥ 10 streams, twice the smaller of the
//!    binomial tail P(X ≥ failures | m, α) and the (exact) uniformity p-value (Bonferroni over
//!    the two);
//!    with fewer streams, m times the smallest stream p-value (Bonferroni over the streams);
//! 2. Holm's step-down procedure at `family_alpha` (0.01 by default) runs over every cell of
//!    the run; the cells it rejects are `fail`;
//! 3. a cell it keeps with `cell_p` below [`WEAK_BELOW`] is `weak` (worth a longer run);
//!    the rest `pass`. A cell with no measured stream is `skipped`.
//!
//! Each cell keeps its Holm-adjusted p-value (`holm_p`) beside `cell_p`, so that every report
//! prints the number the verdict was decided on: a cell fails exactly when `holm_p` ≤
//! `family_alpha`.
//!
//! A source passes only when every test that applies to it was measured: one whose tests
//! partly lacked data is `incomplete` (see [`SourceSummary::verdict_name`]), and one with no
//! measured test at all is `skipped`, never `pass`.
//!
//! Holm controls the family-wise error rate under any dependence between cells (Holm 1979), so
//! the chance that any good source gets a `fail` in a report is at most `family_alpha`.

pub mod checkpoints;
pub mod final_analysis;

use crate::battery::Outcome;
use crate::runner::StreamReport;
use crate::source::Kind;
use crate::stats::binomial;

/// The first-level significance level, as in NIST STS.
pub const ALPHA: f64 = 0.01;
/// The default family-wise error rate of `fail` verdicts over a whole run.
pub const FAMILY_ALPHA: f64 = 0.01;
/// Cells that survive Holm but have a p-value below this are `weak`.
pub const WEAK_BELOW: f64 = 0.001;
/// Fewest streams for which the uniformity of p-values is computed (as STS does).
pub use crate::stats::uniformity::MIN_STREAMS_FOR_UNIFORMITY;

/// The judgement on one cell or one source; reports sort and colour by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Nothing found: the cell survived Holm and its `cell_p` is at least [`WEAK_BELOW`].
    Pass,
    /// Not rejected, but `cell_p` is below [`WEAK_BELOW`]: worth a longer run, not a failure.
    Weak,
    /// Rejected by Holm's procedure at the family α (or, per stream, p < [`ALPHA`]).
    Fail,
    /// No stream was measured (the test does not apply, or there was too little data).
    Skipped,
}

impl Verdict {
    /// The lowercase name reports and JSON use (`pass`, `weak`, `fail`, `skipped`).
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Weak => "weak",
            Verdict::Fail => "fail",
            Verdict::Skipped => "skipped",
        }
    }

    /// The verdict of one p-value at level α, for per-stream rows.
    pub fn of_p_value(p: f64) -> Verdict {
        if p >= ALPHA {
            Verdict::Pass
        } else {
            Verdict::Fail
        }
    }
}

/// One (source, test, label) cell over all its streams.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CellSummary {
    /// The source's name.
    pub source: String,
    /// The source's kind, which sets the verdict it is expected to get.
    pub kind: Kind,
    /// The test's name.
    pub test: &'static str,
    /// Names one of several results of the same test (a template, a state); empty otherwise.
    pub label: String,
    /// Streams on which the test was measured (skipped streams are left out).
    pub streams: usize,
    /// Measured streams whose p-value is at least [`ALPHA`].
    pub passed: usize,
    /// `passed / streams`, in [0, 1]; `None` when no stream was measured.
    pub pass_proportion: Option<f64>,
    /// NIST's acceptable range of the pass proportion for this many streams.
    pub proportion_bounds: Option<(f64, f64)>,
    /// P-value in [0, 1] of the χ² test that the streams' p-values are uniform (10 bins); `None`
    /// with fewer than [`MIN_STREAMS_FOR_UNIFORMITY`] streams.
    pub uniformity_p: Option<f64>,
    /// The cell's single p-value in [0, 1] before Holm's adjustment (see the module docs for how
    /// it combines the streams); `None` when nothing was measured.
    pub cell_p: Option<f64>,
    /// `cell_p` adjusted by Holm's procedure over every measured cell of the run: the cell
    /// fails exactly when this is at most the family α.
    pub holm_p: Option<f64>,
    /// The cell's verdict.
    pub verdict: Verdict,
    /// The verdict expected of the cell: `pass`, `fail`, or `either` (not judged), by
    /// [`crate::source::expected_of_cell`] from the source's kind and the tests expected to
    /// catch it.
    pub expected: &'static str,
    /// Why the test did not run, when it never did.
    pub skip_reason: Option<String>,
}

impl CellSummary {
    /// `test` or `test[label]`, the name reports show.
    pub fn display_name(&self) -> String {
        if self.label.is_empty() {
            self.test.to_string()
        } else {
            format!("{}[{}]", self.test, self.label)
        }
    }
}

/// One source over all its cells.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SourceSummary {
    /// The source's name.
    pub source: String,
    /// The source's kind.
    pub kind: Kind,
    /// The worst verdict over its cells; see also [`SourceSummary::verdict_name`].
    pub verdict: Verdict,
    /// The verdict expected of the source: `pass`, `fail`, or `either` for a control whose
    /// catching tests ([`crate::source::Source::caught_by`]) are none of the run's (see
    /// [`SourceSummary::not_judged`]). Without such a list, the kind's rule (controls `fail`).
    pub expected: &'static str,
    /// Cells that failed, by display name.
    pub failing: Vec<String>,
    /// Cells with at least one measured stream.
    pub measured: usize,
    /// Cells of tests that apply to the source but had too little data to run on any stream,
    /// by display name.
    pub untested: Vec<String>,
}

impl SourceSummary {
    /// Whether the source came out as the report expects (controls caught, the rest not
    /// failed). A source with no measured test meets no expectation: untested data is neither
    /// a pass nor a caught control.
    ///
    /// A source not judged (`either`, see [`SourceSummary::not_judged`]) counts as expected, so
    /// that a weak control the battery was not built to see does not fail a report. A seeded
    /// source expected to fail some tests (MT19937 and its linearity) must fail there and
    /// nowhere else.
    pub fn as_expected(&self) -> bool {
        match (self.expected, self.verdict) {
            (_, Verdict::Skipped) => false,
            ("either", _) => true,
            ("fail", Verdict::Fail) if self.kind == Kind::Control => true,
            ("fail", Verdict::Fail) => {
                let catching = crate::source::caught_by(&self.source, self.kind);
                self.failing.iter().all(|cell| {
                    // `test[label]` names a cell of `test`.
                    let test = cell.split('[').next().unwrap_or(cell);
                    catching.contains(&test)
                })
            }
            ("fail", _) => false,
            (_, verdict) => verdict != Verdict::Fail,
        }
    }

    /// Why a source's verdict is not judged, when it is not: "not judged: needs brank" for a
    /// control whose catching tests are none of the run's.
    pub fn not_judged(&self) -> Option<String> {
        (self.expected == "either").then(|| {
            let needs = crate::source::caught_by(&self.source, self.kind).join(" or ");
            format!("not judged: needs {needs}")
        })
    }

    /// Whether every test that applies to the source was measured.
    pub fn complete(&self) -> bool {
        self.untested.is_empty()
    }

    /// The verdict as reports name it: `pass`, `weak`, `fail`, `skipped` (nothing measured),
    /// or `incomplete` when nothing failed but some tests lacked data, so that data which was
    /// only partly tested is never called a pass.
    pub fn verdict_name(&self) -> &'static str {
        if self.verdict == Verdict::Pass && !self.complete() {
            "incomplete"
        } else {
            self.verdict.as_str()
        }
    }
}

/// Whether a skip reason says the stream was too short (rather than that the test does not
/// apply to the alphabet). Every test of the crate words a shortfall as "needs at least N
/// symbols|bits …" or "needs N bytes …", a length first; `battery`'s tests hold every test of
/// the stream batteries to that.
pub fn lacks_data(reason: &str) -> bool {
    needed_symbols(reason).is_some()
}

/// The stream length, in symbols (one byte each), that a test skipped for lack of data asks
/// for, read from its reason ("needs at least 1280 symbols …", "needs at least 100 bits …",
/// NIST's "needs at least M = 128 bits …", the deep tests' "needs 5128 bytes for …"); bits are
/// rounded up to whole bytes, as the bit tests read bytes. `None` when the reason names no
/// length.
pub fn needed_symbols(reason: &str) -> Option<u64> {
    let rest = reason.strip_prefix("needs ")?;
    let rest = rest.strip_prefix("at least ").unwrap_or(rest);
    let rest = rest.strip_prefix("M = ").unwrap_or(rest);
    let digits_end = rest.find(|c: char| !c.is_ascii_digit())?;
    let amount: u64 = rest[..digits_end].parse().ok()?;
    let unit = rest[digits_end..].trim_start();
    if unit.starts_with("bit") {
        Some(amount.div_ceil(8))
    } else if unit.starts_with("symbol") || unit.starts_with("byte") {
        Some(amount)
    } else {
        None
    }
}

pub use crate::stats::holm::{holm_adjusted, holm_rejections};
pub use crate::stats::uniformity::{p_value_bin, uniformity_p, uniformity_p_exact};

/// NIST's proportion bounds (SP 800-22 §4.2.1) for `m` streams at this battery's level α.
pub fn proportion_bounds(m: usize) -> (f64, f64) {
    crate::stats::proportion::nist_bounds(m, ALPHA)
}

/// The cell's single p-value (rule step 1 in the module documentation).
fn cell_p_value(p_values: &[f64], failures: usize, uniformity: Option<f64>) -> f64 {
    let m = p_values.len();
    match uniformity {
        Some(uniformity) => {
            let proportion_p = binomial::upper_tail(failures as u64, m as u64, ALPHA);
            (2.0 * proportion_p.min(uniformity)).min(1.0)
        }
        None => {
            let smallest = p_values.iter().copied().fold(1.0, f64::min);
            (m as f64 * smallest).min(1.0)
        }
    }
}

/// Groups stream reports into cells, in first-seen order, and decides every verdict.
pub fn summarize(reports: &[StreamReport], family_alpha: f64) -> Vec<CellSummary> {
    let mut cells: Vec<(CellSummary, Vec<f64>)> = Vec::new();
    for report in reports {
        for outcome in &report.outcomes {
            let position = cells.iter().position(|(cell, _)| {
                cell.source == report.source
                    && cell.test == outcome.test
                    && cell.label == outcome.label
            });
            let index = position.unwrap_or_else(|| {
                cells.push((empty_cell(report, outcome), Vec::new()));
                cells.len() - 1
            });
            let (cell, p_values) = &mut cells[index];
            match &outcome.result {
                Ok(measurement) => p_values.push(measurement.p_value),
                Err(reason) => {
                    cell.skip_reason.get_or_insert_with(|| reason.clone());
                }
            }
        }
    }
    let mut summaries: Vec<CellSummary> = cells
        .into_iter()
        .map(|(mut cell, p_values)| {
            if p_values.is_empty() {
                return cell;
            }
            let m = p_values.len();
            let passed = p_values.iter().filter(|&&p| p >= ALPHA).count();
            let uniformity = uniformity_p_exact(&p_values);
            cell.streams = m;
            cell.passed = passed;
            cell.pass_proportion = Some(passed as f64 / m as f64);
            cell.proportion_bounds = Some(proportion_bounds(m));
            cell.uniformity_p = uniformity;
            cell.cell_p = Some(cell_p_value(&p_values, m - passed, uniformity));
            cell
        })
        .collect();
    let measured: Vec<usize> = (0..summaries.len())
        .filter(|&i| summaries[i].cell_p.is_some())
        .collect();
    let cell_ps: Vec<f64> = measured
        .iter()
        .filter_map(|&i| summaries[i].cell_p)
        .collect();
    // The adjusted p-values are kept on the cells, and the rejections are read off them (Holm
    // at α rejects exactly where p̃ ≤ α), so the number every report prints is the one the
    // verdict was decided on.
    for (&index, holm_p) in measured.iter().zip(holm_adjusted(&cell_ps)) {
        let cell = &mut summaries[index];
        let p = cell.cell_p.unwrap_or(1.0);
        cell.holm_p = Some(holm_p);
        cell.verdict = if holm_p <= family_alpha {
            Verdict::Fail
        } else if p < WEAK_BELOW {
            Verdict::Weak
        } else {
            Verdict::Pass
        };
    }
    summaries
}

fn empty_cell(report: &StreamReport, outcome: &Outcome) -> CellSummary {
    CellSummary {
        source: report.source.clone(),
        kind: report.kind,
        test: outcome.test,
        label: outcome.label.clone(),
        streams: 0,
        passed: 0,
        pass_proportion: None,
        proportion_bounds: None,
        uniformity_p: None,
        cell_p: None,
        holm_p: None,
        verdict: Verdict::Skipped,
        expected: crate::source::expected_of_cell(
            report.kind,
            crate::source::caught_by(&report.source, report.kind),
            outcome.test,
        ),
        skip_reason: None,
    }
}

/// One verdict per source: `fail` if any cell failed, else `weak` if any was weak, else `pass`
/// (`skipped` when nothing ran), with the cells that lacked data named. Sources keep their
/// first-seen order.
///
/// The source's expectation follows its cells': `fail` when any cell is expected to fail (a
/// test that catches it ran); otherwise `pass`, or `either` (not judged) when no cell is judged
/// at all, as for a weak control in a battery without the tests that see it.
pub fn by_source(cells: &[CellSummary]) -> Vec<SourceSummary> {
    let mut sources: Vec<SourceSummary> = Vec::new();
    for cell in cells {
        let index = match sources.iter().position(|s| s.source == cell.source) {
            Some(index) => index,
            None => {
                sources.push(SourceSummary {
                    source: cell.source.clone(),
                    kind: cell.kind,
                    verdict: Verdict::Skipped,
                    expected: cell.expected,
                    failing: Vec::new(),
                    measured: 0,
                    untested: Vec::new(),
                });
                sources.len() - 1
            }
        };
        let source = &mut sources[index];
        source.expected = match (source.expected, cell.expected) {
            ("fail", _) | (_, "fail") => "fail",
            ("pass", _) | (_, "pass") => "pass",
            _ => "either",
        };
        source.verdict = match (source.verdict, cell.verdict) {
            (_, Verdict::Fail) | (Verdict::Fail, _) => Verdict::Fail,
            (_, Verdict::Weak) | (Verdict::Weak, _) => Verdict::Weak,
            (_, Verdict::Pass) | (Verdict::Pass, _) => Verdict::Pass,
            _ => Verdict::Skipped,
        };
        if cell.verdict == Verdict::Fail {
            source.failing.push(cell.display_name());
        }
        if cell.streams > 0 {
            source.measured += 1;
        } else if cell.skip_reason.as_deref().is_some_and(lacks_data) {
            source.untested.push(cell.display_name());
        }
    }
    sources
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One stream of one source with the given outcomes.
    fn stream(source: &str, kind: Kind, outcomes: Vec<Outcome>) -> StreamReport {
        StreamReport {
            source: source.to_string(),
            kind,
            stream: 0,
            seed: None,
            bytes: 100,
            outcomes,
        }
    }

    #[test]
    fn cells_keep_the_holm_adjusted_p_value_their_verdict_was_decided_on() {
        // One stream each, so cell_p is the stream's p-value. Holm over (0.001, 0.004, 0.5):
        // sorted times 3, 2, 1 give 0.003, 0.008, 0.5, already increasing.
        let reports = [stream(
            "a",
            Kind::Seeded,
            vec![
                Outcome::measured("x", 1.0, 0.004),
                Outcome::measured("y", 1.0, 0.001),
                Outcome::measured("z", 1.0, 0.5),
                Outcome::skipped("w", "needs at least 100 bits, got 8"),
            ],
        )];
        let cells = summarize(&reports, 0.005);
        let holm: Vec<Option<f64>> = cells.iter().map(|c| c.holm_p).collect();
        assert_eq!(holm.len(), 4);
        for (got, want) in holm.iter().zip([Some(0.008), Some(0.003), Some(0.5), None]) {
            match (got, want) {
                (Some(g), Some(w)) => assert!((g - w).abs() < 1e-15, "{holm:?}"),
                (g, w) => assert_eq!(*g, w),
            }
        }
        // At α = 0.005 only the cell whose adjusted p-value is ≤ α fails: 0.004 alone is below
        // α, but Holm adjusts it to 0.008 and keeps it, and it is not below WEAK_BELOW.
        let verdicts: Vec<Verdict> = cells.iter().map(|c| c.verdict).collect();
        assert_eq!(
            verdicts,
            [
                Verdict::Pass,
                Verdict::Fail,
                Verdict::Pass,
                Verdict::Skipped
            ]
        );
    }

    #[test]
    fn partly_and_wholly_untested_sources_are_never_a_pass() {
        let short = "needs at least 1280 symbols (5 per symbol value), got 100";
        let foreign = "works on bits; an alphabet of 62 symbols is not a whole number of bits";
        let reports = [
            stream(
                "partly",
                Kind::External,
                vec![
                    Outcome::measured("monobit", 0.1, 0.9),
                    Outcome::skipped("frequency", short),
                ],
            ),
            stream(
                "whole",
                Kind::Seeded,
                vec![
                    Outcome::measured("monobit", 0.1, 0.9),
                    Outcome::skipped("runs", foreign),
                ],
            ),
            stream(
                "none",
                Kind::External,
                vec![Outcome::skipped("frequency", short)],
            ),
            stream(
                "control",
                Kind::Control,
                vec![Outcome::skipped("runs", foreign)],
            ),
        ];
        let sources = by_source(&summarize(&reports, FAMILY_ALPHA));
        let names: Vec<&str> = sources.iter().map(|s| s.verdict_name()).collect();
        // A test that does not apply leaves nothing untested; one that lacked data does.
        assert_eq!(names, ["incomplete", "pass", "skipped", "skipped"]);
        assert_eq!(sources[0].untested, ["frequency"]);
        assert_eq!((sources[0].measured, sources[1].measured), (1, 1));
        assert!(sources[1].untested.is_empty());
        // Untested sources meet no expectation, whatever their kind; partly tested ones are
        // judged on what ran.
        let expected: Vec<bool> = sources.iter().map(SourceSummary::as_expected).collect();
        assert_eq!(expected, [true, true, false, false]);
    }

    #[test]
    fn expectations_follow_the_tests_expected_to_catch_a_source() {
        // Hand-built outcomes under real names: ctl_xorshift32 is caught by brank alone,
        // mt19937 by lane_complexity alone, ctl_counter (no list) by every battery.
        let run = |source: &str, kind: Kind, outcomes: &[(&'static str, f64)]| {
            let outcomes = outcomes
                .iter()
                .map(|&(test, p)| Outcome::measured(test, 1.0, p))
                .collect();
            let cells = summarize(&[stream(source, kind, outcomes)], FAMILY_ALPHA);
            let expected: Vec<&str> = cells.iter().map(|c| c.expected).collect();
            (expected, by_source(&cells).remove(0))
        };
        let (bad, good) = (1e-12, 0.5);

        // A weak control in a battery without its test: cells and source not judged, whatever
        // the verdict, and it counts as expected (so `report` does not exit 1 on it).
        for p in [good, bad] {
            let (cells, source) = run("ctl_xorshift32", Kind::Control, &[("runs", p)]);
            assert_eq!(cells, ["either"]);
            assert_eq!(source.expected, "either");
            assert!(source.as_expected());
            assert_eq!(source.not_judged().unwrap(), "not judged: needs brank");
        }
        // With its test: expected to fail, and a miss is a miss.
        let (cells, source) = run(
            "ctl_xorshift32",
            Kind::Control,
            &[("brank", bad), ("lane_complexity", good)],
        );
        assert_eq!(cells, ["fail", "either"]);
        assert_eq!((source.expected, source.as_expected()), ("fail", true));
        assert_eq!(source.not_judged(), None);
        let (_, missed) = run(
            "ctl_xorshift32",
            Kind::Control,
            &[("brank", good), ("lane_complexity", good)],
        );
        assert_eq!((missed.expected, missed.as_expected()), ("fail", false));

        // MT19937: fails its linearity test and nothing else.
        let (cells, source) = run(
            "mt19937",
            Kind::Seeded,
            &[("brank", good), ("lane_complexity", bad)],
        );
        assert_eq!(cells, ["pass", "fail"]);
        assert_eq!((source.expected, source.as_expected()), ("fail", true));
        let (_, elsewhere) = run(
            "mt19937",
            Kind::Seeded,
            &[("brank", bad), ("lane_complexity", bad)],
        );
        assert!(!elsewhere.as_expected());
        let (_, uncaught) = run(
            "mt19937",
            Kind::Seeded,
            &[("brank", good), ("lane_complexity", good)],
        );
        assert!(!uncaught.as_expected());
        // In a battery without lane_complexity it is expected to pass, as before.
        let (cells, source) = run("mt19937", Kind::Seeded, &[("runs", good)]);
        assert_eq!(
            (cells[0], source.expected, source.as_expected()),
            ("pass", "pass", true)
        );
        let (_, source) = run("mt19937", Kind::Seeded, &[("runs", bad)]);
        assert!(!source.as_expected());

        // Controls without a list keep today's rule: every battery must catch them.
        let (cells, source) = run("ctl_counter", Kind::Control, &[("runs", good)]);
        assert_eq!((cells[0], source.expected), ("fail", "fail"));
        assert!(!source.as_expected());
        // A file named like a built-in borrows nothing: external data is expected to pass.
        let (cells, _) = run("mt19937", Kind::External, &[("lane_complexity", bad)]);
        assert_eq!(cells, ["pass"]);
    }

    #[test]
    fn needed_lengths_are_read_from_skip_reasons() {
        let cases = [
            (
                "needs at least 1280 symbols (5 per symbol value), got 100",
                Some(1280),
            ),
            ("needs at least 100 bits, got 8", Some(13)),
            ("needs at least 128 bits, got 0", Some(16)),
            ("needs at least M = 128 bits, got 64", Some(16)),
            ("needs at least 1 bit, got 0", Some(1)),
            (
                "needs 5128 bytes for 1280 second differences of 32-bit words",
                Some(5128),
            ),
            ("needs 128 bytes for one 32x32 matrix, got 10", Some(128)),
            ("needs an alphabet of at least 2 symbols", None),
            ("needs bytes", None),
            ("not applicable", None),
        ];
        for (reason, want) in cases {
            assert_eq!(needed_symbols(reason), want, "{reason}");
            assert_eq!(lacks_data(reason), want.is_some(), "{reason}");
        }
    }

    #[test]
    fn every_stream_test_words_a_shortfall_so_that_it_is_recognised() {
        // The reports tell "too short" from "does not apply" by the wording of the skip reason;
        // a test that words a shortfall differently would be taken for one that does not apply,
        // and data it never tested could be called a pass.
        for test in crate::battery::DEFAULT.iter().chain(crate::battery::DEEP) {
            for alphabet in [256u16, 62] {
                if let Err(reason) = (test.applies_to)(alphabet) {
                    assert!(!lacks_data(&reason), "{}: {reason}", test.name);
                    continue;
                }
                for length in [0usize, 1, 12, 99, 3000] {
                    let symbols: Vec<u8> = (0..length).map(|i| (i % 62) as u8).collect();
                    for outcome in crate::battery::run_chunked(test, alphabet, &symbols, 7) {
                        if let Err(reason) = &outcome.result {
                            assert!(
                                needed_symbols(reason).is_some_and(|n| n > length as u64),
                                "{} over {alphabet} on {length}: {reason}",
                                test.name
                            );
                        }
                    }
                }
            }
        }
    }
}
