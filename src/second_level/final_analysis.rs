//! The second level of the NIST battery as STS 2.1.2 does it (SP 800-22 Rev 1a §4.2; STS
//! `assess.c`, `computeMetrics` and `finalAnalysisReport.txt`).
//!
//! For each (test, outcome index, label) over the K sequences run:
//! - the p-values of the sequences where the test was measured (skipped ones — random excursions
//!   without enough cycles — are left out, as STS leaves out its zeros);
//! - C1..C10, the p-values in ten equal bins;
//! - the proportion of p-values ≥ α = 0.01 and its acceptable range p̂ ± 3 sqrt(p̂(1 − p̂)/m),
//!   p̂ = 0.99 ([`proportion_bounds`]); STS converts both ends to whole pass counts by
//!   truncation, so for 100 sequences 96 passes and 95 fails;
//! - the uniformity P-value of the p-values ([`uniformity_p`]: χ² over the ten bins with 9
//!   degrees of freedom), not computed for fewer than 10 sequences and flagged below 0.0001;
//! - the verdict: `fail` when the pass count is outside the range or uniformity is flagged
//!   (where STS prints `*`), `skipped` when no sequence was measured, else `pass`.
//!
//! The rendering marks a row that no sequence measured `skipped` (no counts, no P-VALUE), lists
//! every skip reason under the table, and says so when no test was computed at all, so that a
//! run of sequences too short for every test cannot be read as a pass.
//!
//! The proportion bounds and the uniformity P-value are the crate's second-level functions; one
//! difference from STS remains there: STS takes the expected count per bin as m/10 in integer
//! arithmetic, which differs from m/10 when m is not a multiple of 10.

use crate::battery::Outcome;
use crate::second_level::{p_value_bin, proportion_bounds, uniformity_p, Verdict, ALPHA};

/// Uniformity P-values below this are flagged, as STS marks them with `*`.
pub const UNIFORMITY_FLAG_BELOW: f64 = 0.0001;

/// One line of the final analysis: one outcome of one test over all sequences.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct FinalRow {
    /// The test's name, as STS's report lists it.
    pub test: &'static str,
    /// Position of this outcome among the test's outcomes on a sequence (STS's `dataK.txt` is
    /// index K-1).
    pub index: usize,
    /// Names this outcome among the test's several (a template, a state); empty otherwise.
    pub label: String,
    /// C1..C10: measured p-values in [0, 0.1), [0.1, 0.2), ... [0.9, 1].
    pub bins: [u64; 10],
    /// Sequences on which the test was measured.
    pub sequences: usize,
    /// Sequences on which it was skipped.
    pub skipped: usize,
    /// Measured p-values ≥ α.
    pub passed: usize,
    /// `passed / sequences`, in [0, 1]; `None` when no sequence was measured.
    pub proportion: Option<f64>,
    /// The acceptable range of the proportion, and as whole pass counts (STS's truncation).
    pub bounds: Option<(f64, f64)>,
    /// The acceptable range as whole pass counts, inclusive (STS's truncation of `bounds`).
    pub pass_range: Option<(usize, usize)>,
    /// P-value in [0, 1] of the uniformity of the measured p-values over the 10 bins; `None`
    /// with too few sequences.
    pub uniformity_p: Option<f64>,
    /// Whether `uniformity_p` is below [`UNIFORMITY_FLAG_BELOW`] (STS's `*`).
    pub uniformity_flagged: bool,
    /// `fail` when the pass count is outside `pass_range` or uniformity is flagged, `skipped`
    /// when no sequence was measured, `pass` otherwise.
    pub verdict: Verdict,
    /// The first skip reason seen, for rows where some sequence was skipped.
    pub skip_reason: Option<String>,
}

impl FinalRow {
    /// Whether the pass count lies outside STS's range.
    pub fn proportion_flagged(&self) -> bool {
        self.pass_range
            .is_some_and(|(low, high)| self.passed < low || self.passed > high)
    }
}

/// STS's pass-count range for `m` sequences: the proportion bounds times m, truncated.
pub fn pass_range(m: usize) -> (usize, usize) {
    let (low, high) = proportion_bounds(m);
    ((low * m as f64) as usize, (high * m as f64) as usize)
}

/// The final analysis of `per_sequence` (one list of outcomes per sequence, as
/// [`crate::battery::nist::sequences::run_sequence`] returns them), rows in first-seen order.
pub fn final_analysis(per_sequence: &[Vec<Outcome>]) -> Vec<FinalRow> {
    let mut rows: Vec<(FinalRow, Vec<f64>)> = Vec::new();
    for outcomes in per_sequence {
        let mut seen_of_test: Vec<(&'static str, usize)> = Vec::new();
        for outcome in outcomes {
            let index = match seen_of_test.iter_mut().find(|(t, _)| *t == outcome.test) {
                Some((_, count)) => {
                    *count += 1;
                    *count - 1
                }
                None => {
                    seen_of_test.push((outcome.test, 1));
                    0
                }
            };
            let position = rows.iter().position(|(row, _)| {
                row.test == outcome.test && row.index == index && row.label == outcome.label
            });
            let (row, p_values) = match position {
                Some(i) => &mut rows[i],
                None => {
                    rows.push((empty_row(outcome, index), Vec::new()));
                    rows.last_mut().expect("just pushed")
                }
            };
            match &outcome.result {
                Ok(measurement) => p_values.push(measurement.p_value),
                Err(reason) => {
                    row.skipped += 1;
                    row.skip_reason.get_or_insert_with(|| reason.clone());
                }
            }
        }
    }
    rows.into_iter()
        .map(|(row, p_values)| complete(row, &p_values))
        .collect()
}

fn empty_row(outcome: &Outcome, index: usize) -> FinalRow {
    FinalRow {
        test: outcome.test,
        index,
        label: outcome.label.clone(),
        bins: [0; 10],
        sequences: 0,
        skipped: 0,
        passed: 0,
        proportion: None,
        bounds: None,
        pass_range: None,
        uniformity_p: None,
        uniformity_flagged: false,
        verdict: Verdict::Skipped,
        skip_reason: None,
    }
}

fn complete(mut row: FinalRow, p_values: &[f64]) -> FinalRow {
    let m = p_values.len();
    row.sequences = m;
    if m == 0 {
        return row;
    }
    for &p in p_values {
        // STS: pos = floor(p·10), a p-value of exactly 1 in the last bin.
        row.bins[p_value_bin(p, 10)] += 1;
    }
    row.passed = p_values.iter().filter(|&&p| p >= ALPHA).count();
    row.proportion = Some(row.passed as f64 / m as f64);
    row.bounds = Some(proportion_bounds(m));
    row.pass_range = Some(pass_range(m));
    row.uniformity_p = uniformity_p(p_values);
    row.uniformity_flagged = row.uniformity_p.is_some_and(|u| u < UNIFORMITY_FLAG_BELOW);
    row.verdict = if row.proportion_flagged() || row.uniformity_flagged {
        Verdict::Fail
    } else {
        Verdict::Pass
    };
    row
}

/// The test and its label, as the last column shows them.
fn row_name(row: &FinalRow) -> String {
    if row.label.is_empty() {
        row.test.to_string()
    } else {
        format!("{} {}", row.test, row.label)
    }
}

/// One line per test and skip reason: how many of its rows and sequences were skipped, and why
/// (the first reason seen; random excursions give each sequence's own count of cycles).
fn skipped_section(rows: &[FinalRow]) -> String {
    let mut groups: Vec<(&str, &str, usize, usize, usize)> = Vec::new();
    for row in rows {
        let Some(reason) = row.skip_reason.as_deref() else {
            continue;
        };
        let total = row.sequences + row.skipped;
        match groups
            .iter_mut()
            .find(|(test, why, ..)| *test == row.test && *why == reason)
        {
            Some((_, _, count, skipped, of)) => {
                *count += 1;
                *skipped = (*skipped).max(row.skipped);
                *of = (*of).max(total);
            }
            None => groups.push((row.test, reason, 1, row.skipped, total)),
        }
    }
    if groups.is_empty() {
        return String::new();
    }
    let mut out =
        String::from("\nSkipped (left out of the proportions and the uniformity P-VALUEs):\n");
    for (test, reason, count, skipped, of) in groups {
        let rows = if count == 1 { "row" } else { "rows" };
        out.push_str(&format!(
            "  {test} ({count} {rows}, {skipped} of {of} sequences): {reason}\n"
        ));
    }
    out
}

const RULE: &str = "------------------------------------------------------------------------------";
const DOTTED: &str =
    "- - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -";

fn is_random_excursion(test: &str) -> bool {
    test.starts_with("RandomExcursions")
}

/// The final analysis as STS lays out `finalAnalysisReport.txt`: one line per row with
/// C1..C10, the uniformity P-VALUE, the PROPORTION passed/measured and the test (with its
/// label), `*` after a flagged value, then STS's footnotes on the minimum pass rates.
pub fn render_final_analysis(rows: &[FinalRow], generator: &str) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "{RULE}\nRESULTS FOR THE UNIFORMITY OF P-VALUES AND THE PROPORTION OF PASSING SEQUENCES\n\
         {RULE}\n   generator is <{generator}>\n{RULE}\n \
         C1  C2  C3  C4  C5  C6  C7  C8  C9 C10  P-VALUE  PROPORTION  STATISTICAL TEST\n{RULE}\n"
    ));
    for row in rows {
        if row.sequences == 0 {
            // Nothing was measured: no counts, no P-VALUE, and "skipped" where the proportion
            // would be, so that the row cannot be read as a pass; the reason follows the table.
            out.push_str(&"  - ".repeat(10));
            out.push_str(&format!("    ----     skipped     {}\n", row_name(row)));
            continue;
        }
        for count in row.bins {
            out.push_str(&format!("{count:3} "));
        }
        match row.uniformity_p {
            None => out.push_str("    ----    "),
            Some(u) if row.uniformity_flagged => out.push_str(&format!(" {u:8.6} * ")),
            Some(u) => out.push_str(&format!(" {u:8.6}   ")),
        }
        let mark = if row.proportion_flagged() { '*' } else { ' ' };
        out.push_str(&format!(
            "{:4}/{:<4} {mark}  {}\n",
            row.passed,
            row.sequences,
            row_name(row)
        ));
    }
    if !rows.is_empty() && rows.iter().all(|r| r.sequences == 0) {
        out.push_str(
            "\nNO TEST WAS COMPUTED: every test was skipped on these sequences (reasons below),\n\
             so nothing was tested and nothing passed.\n",
        );
    }
    out.push_str(&skipped_section(rows));
    let sample = |random_excursion: bool| {
        rows.iter()
            .filter(|r| is_random_excursion(r.test) == random_excursion)
            .map(|r| r.sequences)
            .max()
    };
    out.push_str(&format!("\n\n{DOTTED}\n"));
    if let Some(m) = sample(false) {
        out.push_str("The minimum pass rate for each statistical test with the exception of the\n");
        if m == 0 {
            out.push_str("random excursion (variant) test is undefined.\n\n");
        } else {
            out.push_str(&format!(
                "random excursion (variant) test is approximately = {} for a\n\
                 sample size = {m} binary sequences.\n\n",
                pass_range(m).0
            ));
        }
    }
    if let Some(m) = sample(true) {
        if m == 0 {
            out.push_str(
                "The minimum pass rate for the random excursion (variant) test is undefined.\n\n",
            );
        } else {
            out.push_str(&format!(
                "The minimum pass rate for the random excursion (variant) test\n\
                 is approximately = {} for a sample size = {m} binary sequences.\n\n",
                pass_range(m).0
            ));
        }
    }
    out.push_str(
        "P-VALUE is the uniformity of the p-values over C1..C10 (chi-square, 9 degrees of\n\
         freedom; not computed for fewer than 10 sequences); * marks a P-VALUE below 0.0001 or\n\
         a PROPORTION outside p^ +- 3 sqrt(p^(1-p^)/m), p^ = 0.99 (SP 800-22 Rev 1a 4.2).\n",
    );
    out.push_str(&format!("{DOTTED}\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(test: &'static str, label: &str, p: Option<f64>) -> Outcome {
        match p {
            Some(p) => Outcome::measured(test, 0.0, p).with_label(label),
            None => Outcome::skipped(test, "not applicable").with_label(label),
        }
    }

    /// Ten sequences, three cells, worked by hand:
    /// - Frequency: p = 0.005, 0.15, 0.25, ..., 0.95: one p-value per bin, χ² = 0, uniformity
    ///   igamc(4.5, 0) = 1; 9 of 10 pass. For m = 10 the bounds are
    ///   0.99 ± 3 sqrt(0.99·0.01/10) = 0.99 ± 0.0943928 → (0.8956072, 1) → pass counts 8..=10
    ///   (8.956 truncated): pass.
    /// - Runs: all ten p = 0.001: C1 = 10, χ² = (10 − 1)²/1 + 9·(0 − 1)²/1 = 90, uniformity
    ///   igamc(4.5, 45) = 1.628e-15 < 0.0001 (flagged); 0 of 10 pass (< 8): fail.
    /// - RandomExcursions x=+1: 3 sequences measured with p = 0.5, 7 skipped: m = 3, no
    ///   uniformity; bounds 0.99 ± 3 sqrt(0.0099/3) = 0.99 ± 0.1723369 → 2.45 → at least 2 of 3;
    ///   3 pass: pass.
    fn hand_case() -> Vec<Vec<Outcome>> {
        (0..10)
            .map(|i| {
                let frequency = if i == 0 {
                    0.005
                } else {
                    i as f64 / 10.0 + 0.05
                };
                vec![
                    outcome("Frequency", "n=100", Some(frequency)),
                    outcome("Runs", "", Some(0.001)),
                    outcome("RandomExcursions", "x=+1", (i < 3).then_some(0.5)),
                ]
            })
            .collect()
    }

    #[test]
    fn hand_worked_case() {
        let rows = final_analysis(&hand_case());
        assert_eq!(rows.len(), 3);
        let frequency = &rows[0];
        assert_eq!(frequency.bins, [1; 10]);
        assert_eq!((frequency.passed, frequency.sequences), (9, 10));
        assert_eq!(frequency.uniformity_p, Some(1.0));
        assert_eq!(frequency.pass_range, Some((8, 10)));
        let (low, high) = frequency.bounds.unwrap();
        assert!((low - 0.895_607_2).abs() < 1e-7 && high == 1.0);
        assert_eq!(frequency.verdict, Verdict::Pass);

        let runs = &rows[1];
        assert_eq!(runs.bins, [10, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert!(runs.uniformity_flagged && runs.proportion_flagged());
        assert!((runs.uniformity_p.unwrap() / 1.628_070_471_965_621e-15 - 1.0).abs() < 1e-9);
        assert_eq!(runs.verdict, Verdict::Fail);

        let excursion = &rows[2];
        assert_eq!((excursion.sequences, excursion.skipped), (3, 7));
        assert_eq!(excursion.uniformity_p, None);
        assert_eq!(excursion.pass_range, Some((2, 3)));
        assert_eq!(excursion.verdict, Verdict::Pass);
    }

    #[test]
    fn sts_minimum_for_100_sequences_is_96() {
        // tests/fixtures/nist-sts/README.md item 1: 96 of 100 is the minimum.
        assert_eq!(pass_range(100).0, 96);
    }

    #[test]
    fn outcomes_of_one_test_are_told_apart_by_index() {
        let per_sequence = vec![vec![
            outcome("Serial", "a", Some(0.5)),
            outcome("Serial", "a", Some(0.6)),
        ]];
        let rows = final_analysis(&per_sequence);
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].index, rows[1].index), (0, 1));
    }

    #[test]
    fn never_measured_is_skipped() {
        let rows = final_analysis(&[vec![outcome("RandomExcursions", "x=-4", None)]]);
        assert_eq!(rows[0].verdict, Verdict::Skipped);
        assert_eq!(rows[0].skip_reason.as_deref(), Some("not applicable"));
    }

    #[test]
    fn a_run_where_everything_was_skipped_does_not_read_as_a_pass() {
        let reason = "ApproximateEntropy m=10 needs m < ⌊log2 n⌋ − 5, i.e. n ≥ 65,536 bits \
                      (SP 800-22 §2.12.7); the sequence has 10,000";
        let per_sequence: Vec<Vec<Outcome>> = (0..20)
            .map(|_| {
                vec![
                    Outcome::skipped("ApproximateEntropy", reason).with_label("m=10"),
                    Outcome::skipped("Universal", "too short").with_label(""),
                ]
            })
            .collect();
        let rows = final_analysis(&per_sequence);
        assert!(rows.iter().all(|r| r.verdict == Verdict::Skipped));
        let report = render_final_analysis(&rows, "short");
        let lines: Vec<&str> = report.lines().collect();
        assert_eq!(
            lines[7],
            "  -   -   -   -   -   -   -   -   -   -     ----     skipped     ApproximateEntropy m=10"
        );
        assert!(lines[8].ends_with("skipped     Universal"));
        assert!(!report.contains("/20"), "{report}");
        assert!(report.contains("NO TEST WAS COMPUTED"), "{report}");
        assert!(report.contains(&format!(
            "  ApproximateEntropy (1 row, 20 of 20 sequences): {reason}\n"
        )));
        assert!(report.contains("  Universal (1 row, 20 of 20 sequences): too short\n"));
        assert!(report.contains("random excursion (variant) test is undefined."));
    }

    #[test]
    fn partly_skipped_rows_say_how_many_sequences() {
        let report = render_final_analysis(&final_analysis(&hand_case()), "hand case");
        assert!(!report.contains("NO TEST WAS COMPUTED"));
        assert!(report.contains("  RandomExcursions (1 row, 7 of 10 sequences): not applicable\n"));
    }

    #[test]
    fn report_reads_like_sts() {
        let report = render_final_analysis(&final_analysis(&hand_case()), "hand case");
        let lines: Vec<&str> = report.lines().collect();
        assert_eq!(lines[3], "   generator is <hand case>");
        assert_eq!(
            lines[5],
            " C1  C2  C3  C4  C5  C6  C7  C8  C9 C10  P-VALUE  PROPORTION  STATISTICAL TEST"
        );
        assert_eq!(
            lines[7],
            "  1   1   1   1   1   1   1   1   1   1  1.000000      9/10      Frequency n=100"
        );
        assert_eq!(
            lines[8],
            " 10   0   0   0   0   0   0   0   0   0  0.000000 *    0/10   *  Runs"
        );
        assert_eq!(
            lines[9],
            "  0   0   0   0   0   3   0   0   0   0     ----       3/3       RandomExcursions x=+1"
        );
        assert!(report.contains("is approximately = 8 for a\nsample size = 10 binary sequences."));
        assert!(report.contains("is approximately = 2 for a sample size = 3 binary sequences."));
    }
}
