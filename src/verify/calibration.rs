//! Calibration: the default battery on many independent streams of a good seeded generator,
//! to measure what the battery promises rather than assume it.
//!
//! Per test (and label), over the first `streams` streams:
//! - the rejection rate at α = 0.01, with its exact (Clopper–Pearson) 99.9% interval; a
//!   calibrated test's interval contains 0.01;
//! - the Kolmogorov–Smirnov test of the p-values' uniformity (D_n and its p-value, see
//!   [`crate::stats::kolmogorov`]). Rates only look at the 1% tail; KS sees a discrete
//!   statistic, a wrong tail or wrong degrees of freedom anywhere in [0, 1].
//!
//! A row is `ok` when both hold. With both checks at 0.001 a calibrated test is flagged with
//! probability at most 0.002 (the interval's coverage is at least 99.9%, the KS test is exact
//! or nearly so), so a default battery of 7 measured tests raises a false alarm in at most
//! about 1.4% of calibration runs.
//!
//! Then the verdict rule itself: the streams are cut into mini-reports of
//! [`STREAMS_PER_REPORT`] streams (a default report's streams per source), each judged by
//! [`second_level::summarize`] at [`FAMILY_ALPHA`] over its cells exactly as a report judges a
//! source, and the share of mini-reports in which any cell fails is the measured false-fail
//! rate of the rule, with its exact 95% interval. The goal is at most 1%; Holm guarantees it
//! only if every cell p-value is valid, which is what this measures.
//!
//! Streams come in batches of [`BATCH_STREAMS`] run by the ordinary runner. Batch 0 uses the
//! master seed itself, so its streams are those of `rngaudit run SOURCE --seed MASTER --streams
//! 1000` and can be replayed one by one; batch b > 0 uses a master seed derived from the
//! master and b. Memory holds one batch of outcomes at a time plus one p-value per stream and
//! test.

#[cfg(feature = "charts")]
use super::chart;
use super::clopper_pearson;
// The results' types live in the leaf `types.rs`, which the chart imports too: here they would
// close a circle with `chart.rs`, which this file calls to draw them.
pub use super::types::{
    Calibrated, Calibration, RuleCalibration, TestCalibration, BAND_CONFIDENCE, KS_FLAG_BELOW,
    RULE_CONFIDENCE,
};
use crate::battery::{Battery, Params};
use crate::report::csv::exact;
use crate::report::{format_p, write_atomically};
use crate::runner::{self, Plan, StreamReport};
use crate::second_level::{self, Verdict, ALPHA, FAMILY_ALPHA};
use crate::seeds::stream_seed;
use crate::size::format_size;
use crate::source::{self, Kind, Source, SymbolStream};
use crate::stats::kolmogorov;
use crate::Error;
use rand::{Rng, SeedableRng};
use std::path::Path;

/// Streams per test by default: enough for a 99.9% band of about ±0.01 around the rate.
pub const DEFAULT_STREAMS: u32 = 1000;
/// Mini-reports simulated by default: with none failing, the 95% upper bound of the rule's
/// false-fail rate is 0.74%, below the 1% goal.
pub const DEFAULT_REPORTS: u32 = 500;
/// Streams per source in a default report (`rngaudit report`; `REPORT_STREAMS` in the CLI).
pub const STREAMS_PER_REPORT: u32 = 100;
/// Bytes per stream in a default report (`rngaudit report`), and so the stream length the
/// calibration defaults to: its mini-reports stand for default reports. Kept in the library so
/// the CLI's commands share it without importing one another.
pub const REPORT_STREAM_BYTES: u64 = 1 << 20;
/// The calibration's default master seed; any fixed value would do.
pub const DEFAULT_SEED: u64 = 0xCA11_B8A7E;
/// Streams per runner call.
pub const BATCH_STREAMS: u32 = 1000;
/// The family-wise levels at which the rule's false-fail rate is also shown: a valid rule
/// stays at or below each of them.
pub const RULE_LEVELS: [f64; 3] = [FAMILY_ALPHA, 0.05, 0.10];

/// File name of the per-test table, inside the output directory.
pub const CALIBRATION_FILE: &str = "calibration.csv";
/// File name of the verdict rule's false-fail table, inside the output directory.
pub const RULE_FILE: &str = "verdict_rule.csv";
/// File name of the p-value chart, inside the output directory (with the `charts` feature).
pub const CHART_FILE: &str = "calibration.png";

/// Columns of [`CALIBRATION_FILE`], one row per test and label.
pub const CALIBRATION_HEADER: [&str; 10] = [
    "test",
    "label",
    "streams",
    "rejections",
    "rate",
    "band_low",
    "band_high",
    "ks_statistic",
    "ks_p",
    "verdict",
];
/// Columns of [`RULE_FILE`], one row per level of [`RULE_LEVELS`].
pub const RULE_HEADER: [&str; 7] = [
    "family_alpha",
    "reports",
    "streams_per_report",
    "failed_reports",
    "rate",
    "ci_low",
    "ci_high",
];

/// ChaCha20 mapped onto 62 symbols without bias (bytes of 248 and above are dropped, the rest
/// taken mod 62), as `secrets.choice` over 62 characters would give from a seeded generator:
/// the tests that only apply to alphabets that are not a power of two (`symbol_runs`) need a
/// good source of that kind, and the built-in `choice62` reads the OS generator.
pub static CHACHA20_62: Source = Source {
    name: "chacha20_62",
    kind: Kind::Seeded,
    alphabet: 62,
    summary: "ChaCha20 bytes below 248, mod 62: unbiased symbols over 62 (calibration only)",
    caught_by: &[],
    seek: None,
    open: |seed| {
        Box::new(Uniform62 {
            rng: rand_chacha::ChaCha20Rng::seed_from_u64(seed),
            buffer: vec![0; 4096],
            position: 4096,
        })
    },
};

struct Uniform62 {
    rng: rand_chacha::ChaCha20Rng,
    buffer: Vec<u8>,
    position: usize,
}

impl SymbolStream for Uniform62 {
    fn fill(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        for symbol in out.iter_mut() {
            loop {
                if self.position == self.buffer.len() {
                    self.rng.fill_bytes(&mut self.buffer);
                    self.position = 0;
                }
                let byte = self.buffer[self.position];
                self.position += 1;
                if byte < 248 {
                    *symbol = byte % 62;
                    break;
                }
            }
        }
        Ok(out.len())
    }
}

/// The sources `calibrate` accepts: every built-in source except the controls (bad by
/// design), and [`CHACHA20_62`].
pub fn find_source(name: &str) -> Result<&'static Source, Error> {
    if name == CHACHA20_62.name {
        return Ok(&CHACHA20_62);
    }
    let found = source::find(name)?;
    if found.kind == Kind::Control {
        return Err(Error::Usage(format!(
            "{name} is a control, bad by design; calibrate on a good generator such as chacha20"
        )));
    }
    Ok(found)
}

/// What to calibrate.
#[derive(Debug, Clone)]
pub struct CalibrationPlan {
    /// The battery calibrated: one that reads streams (`default`, `deep`).
    pub battery: &'static Battery,
    /// The good generator to calibrate on; controls are refused.
    pub source: &'static Source,
    /// Streams per test for the rates and KS tests.
    pub streams: u32,
    /// Symbols per stream.
    pub bytes: u64,
    /// Mini-reports of [`STREAMS_PER_REPORT`] streams for the verdict rule (0: none).
    pub reports: u32,
    /// The seed every stream's seed is derived from, so a calibration can be repeated exactly.
    pub master_seed: u64,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
}

impl CalibrationPlan {
    /// Streams generated in all: the per-test streams and the mini-reports' share the first
    /// ones.
    pub fn total_streams(&self) -> u64 {
        u64::from(self.streams).max(u64::from(self.reports) * u64::from(STREAMS_PER_REPORT))
    }
}

/// The master seed of batch `index`: the master itself for the first, so those streams are
/// `rngaudit run`'s.
fn batch_seed(master: u64, index: u64) -> u64 {
    if index == 0 {
        master
    } else {
        stream_seed(master, "calibration batch", index as u32)
    }
}

/// Per-test p-values gathered in first-seen order.
#[derive(Default)]
struct Gathered {
    tests: Vec<(&'static str, String, Vec<f64>, Option<String>)>,
}

impl Gathered {
    fn add(&mut self, report: &StreamReport) {
        for outcome in &report.outcomes {
            let index = match self
                .tests
                .iter()
                .position(|(t, l, _, _)| *t == outcome.test && *l == outcome.label)
            {
                Some(index) => index,
                None => {
                    self.tests
                        .push((outcome.test, outcome.label.clone(), Vec::new(), None));
                    self.tests.len() - 1
                }
            };
            let entry = &mut self.tests[index];
            match &outcome.result {
                Ok(measurement) => entry.2.push(measurement.p_value),
                Err(reason) => {
                    entry.3.get_or_insert_with(|| reason.clone());
                }
            }
        }
    }
}

/// Rates, bands and KS for one test's p-values.
pub fn judge_test(
    test: &'static str,
    label: String,
    mut p_values: Vec<f64>,
    skip_reason: Option<String>,
) -> TestCalibration {
    p_values.sort_by(f64::total_cmp);
    let streams = p_values.len();
    if streams == 0 {
        return TestCalibration {
            test,
            label,
            streams,
            rejections: 0,
            rate: None,
            band: None,
            ks_statistic: None,
            ks_p: None,
            verdict: Calibrated::Skipped,
            skip_reason,
            p_values,
        };
    }
    let rejections = p_values.iter().filter(|&&p| p < ALPHA).count();
    let band = clopper_pearson(rejections as u64, streams as u64, BAND_CONFIDENCE);
    let ks_statistic = kolmogorov::statistic(&p_values);
    let ks_p = ks_statistic.map(|d| kolmogorov::upper_tail(streams as u64, d));
    let verdict = if band.0 > ALPHA {
        Calibrated::Liberal
    } else if band.1 < ALPHA {
        Calibrated::Conservative
    } else if ks_p.is_none_or(|p| p < KS_FLAG_BELOW) {
        Calibrated::NotUniform
    } else {
        Calibrated::Ok
    };
    TestCalibration {
        test,
        label,
        streams,
        rejections,
        rate: Some(rejections as f64 / streams as f64),
        band: Some(band),
        ks_statistic,
        ks_p,
        verdict,
        skip_reason,
        p_values,
    }
}

/// Judges one mini-report as a report would and records its smallest adjusted p-value and
/// its cell p-values.
fn judge_report(group: &[StreamReport], rule: &mut RuleCalibration) {
    let cells = second_level::summarize(group, FAMILY_ALPHA);
    let cell_ps: Vec<f64> = cells.iter().filter_map(|c| c.cell_p).collect();
    let smallest = cell_ps.iter().copied().fold(1.0, f64::min);
    rule.adjusted_minima
        .push((smallest * cell_ps.len() as f64).min(1.0));
    rule.cell_p_values.extend(&cell_ps);
    rule.reports += 1;
    if cells.iter().any(|c| c.verdict == Verdict::Fail) {
        rule.failed_reports += 1;
    }
}

/// Runs the calibration. `progress` is called with the symbols each finished stream analysed.
pub fn calibrate(
    plan: &CalibrationPlan,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Calibration, Error> {
    if plan.streams == 0 {
        return Err(Error::InvalidSetting {
            setting: "streams",
            reason: "must be at least 1".to_string(),
        });
    }
    let total = plan.total_streams();
    let report_streams = u64::from(plan.reports) * u64::from(STREAMS_PER_REPORT);
    let mut gathered = Gathered::default();
    let mut rule = RuleCalibration {
        reports: 0,
        streams_per_report: STREAMS_PER_REPORT,
        failed_reports: 0,
        adjusted_minima: Vec::new(),
        cell_p_values: Vec::new(),
    };
    let mut group: Vec<StreamReport> = Vec::with_capacity(STREAMS_PER_REPORT as usize);
    let mut done = 0u64;
    let mut batch = 0u64;
    while done < total {
        let count = (total - done).min(u64::from(BATCH_STREAMS)) as u32;
        let batch_plan = Plan {
            sources: vec![plan.source],
            tests: plan.battery.tests.iter().collect(),
            bytes: plan.bytes,
            streams: count,
            master_seed: batch_seed(plan.master_seed, batch),
            threads: plan.threads,
            params: Params::default(),
        };
        for report in runner::run(&batch_plan, progress)? {
            if done < u64::from(plan.streams) {
                gathered.add(&report);
            }
            if done < report_streams {
                group.push(report);
                if group.len() == STREAMS_PER_REPORT as usize {
                    judge_report(&group, &mut rule);
                    group.clear();
                }
            }
            done += 1;
        }
        batch += 1;
    }
    let tests = gathered
        .tests
        .into_iter()
        .map(|(test, label, p_values, reason)| judge_test(test, label, p_values, reason))
        .collect();
    Ok(Calibration {
        battery: plan.battery.name,
        source: plan.source.name,
        alphabet: plan.source.alphabet,
        bytes: plan.bytes,
        master_seed: plan.master_seed,
        tests,
        rule,
    })
}

/// Writes `calibration.csv`, `verdict_rule.csv` and `calibration.png` into `dir`, each
/// through a temporary file renamed into place.
pub fn write_files(calibration: &Calibration, dir: &Path) -> Result<(), Error> {
    write_atomically(&dir.join(CALIBRATION_FILE), |out| {
        let mut csv = csv_writer(out);
        csv.write_record(CALIBRATION_HEADER)?;
        for row in &calibration.tests {
            let optional = |value: Option<f64>| value.map(exact).unwrap_or_default();
            csv.write_record([
                row.test.to_string(),
                row.label.clone(),
                row.streams.to_string(),
                row.rejections.to_string(),
                optional(row.rate),
                optional(row.band.map(|b| b.0)),
                optional(row.band.map(|b| b.1)),
                optional(row.ks_statistic),
                optional(row.ks_p),
                row.verdict.as_str().to_string(),
            ])?;
        }
        csv.flush()
    })?;
    write_atomically(&dir.join(RULE_FILE), |out| {
        let mut csv = csv_writer(out);
        csv.write_record(RULE_HEADER)?;
        for level in RULE_LEVELS {
            let (rate, (low, high)) = calibration.rule.rate_at(level);
            csv.write_record([
                exact(level),
                calibration.rule.reports.to_string(),
                calibration.rule.streams_per_report.to_string(),
                calibration.rule.failures_at(level).to_string(),
                exact(rate),
                exact(low),
                exact(high),
            ])?;
        }
        csv.flush()
    })?;
    // Without the `charts` feature there is no plotting library: the CSVs carry the numbers.
    #[cfg(feature = "charts")]
    chart::write(calibration, &dir.join(CHART_FILE))?;
    Ok(())
}

/// The calibration as text for the terminal: one row per test, then the verdict rule.
pub fn render(calibration: &Calibration) -> String {
    let mut out = format!(
        "Calibration of the {} battery on {} ({} symbols), {} bytes per stream, master seed {}\n\
         Per test: streams rejected at α = {ALPHA} with the exact (Clopper–Pearson) {}% band of the \
         rate, and the Kolmogorov–Smirnov test of the p-values' uniformity.\n\n",
        calibration.battery,
        calibration.source,
        calibration.alphabet,
        format_size(calibration.bytes),
        calibration.master_seed,
        BAND_CONFIDENCE * 100.0
    );
    let header = [
        "test",
        "streams",
        "rejected",
        "rate",
        "99.9% band",
        "KS D",
        "KS p",
        "verdict",
    ]
    .map(String::from);
    let rows: Vec<[String; 8]> = calibration
        .tests
        .iter()
        .map(|t| match (t.rate, t.band) {
            (Some(rate), Some((low, high))) => [
                display_name(t),
                t.streams.to_string(),
                t.rejections.to_string(),
                format!("{rate:.4}"),
                format!("[{low:.4}, {high:.4}]"),
                t.ks_statistic
                    .map_or_else(String::new, |d| format!("{d:.4}")),
                t.ks_p.map_or_else(String::new, format_p),
                t.verdict.as_str().to_string(),
            ],
            _ => [
                display_name(t),
                "0".to_string(),
                "-".to_string(),
                "-".to_string(),
                "-".to_string(),
                "-".to_string(),
                "-".to_string(),
                format!(
                    "skipped: {}",
                    t.skip_reason.as_deref().unwrap_or("never measured")
                ),
            ],
        })
        .collect();
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (i, (cell, width)) in row.iter().zip(widths).enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else if i == 0 || i == 4 {
                line.push_str(&format!("{cell:<width$}  "));
            } else {
                line.push_str(&format!("{cell:>width$}  "));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    let rule = &calibration.rule;
    if rule.reports == 0 {
        out.push_str("\nVerdict rule: not simulated (--reports 0).\n");
    } else {
        let cells = rule.cell_p_values.len();
        out.push_str(&format!(
            "\nVerdict rule: {} mini-reports of {} streams, each judged as a report judges one \
             source (Holm over its {} cells):\n",
            rule.reports,
            rule.streams_per_report,
            cells / rule.reports
        ));
        for level in RULE_LEVELS {
            let (rate, (low, high)) = rule.rate_at(level);
            out.push_str(&format!(
                "  family α {level:<4}: {} failed, rate {rate:.4}, {}% CI [{low:.4}, {high:.4}] \
                 (Clopper–Pearson)\n",
                rule.failures_at(level),
                RULE_CONFIDENCE * 100.0
            ));
        }
        for level in [ALPHA, 0.001] {
            let below = rule.cells_at_or_below(level);
            let (low, high) = clopper_pearson(below as u64, cells as u64, BAND_CONFIDENCE);
            out.push_str(&format!(
                "  cell p-values ≤ {level}: {below} of {cells} ({:.4}, 99.9% band [{low:.4}, \
                 {high:.4}]; a valid cell p-value is at most {level})\n",
                below as f64 / cells.max(1) as f64
            ));
        }
    }
    let flagged: Vec<String> = calibration
        .tests
        .iter()
        .filter(|t| !matches!(t.verdict, Calibrated::Ok | Calibrated::Skipped))
        .map(|t| format!("{} ({})", display_name(t), t.verdict.as_str()))
        .collect();
    out.push('\n');
    if flagged.is_empty() {
        out.push_str("Every measured test is calibrated");
    } else {
        out.push_str(&format!("MISCALIBRATED: {}", flagged.join(", ")));
    }
    let (_, (low, _)) = rule.rate_at(FAMILY_ALPHA);
    if rule.reports > 0 && low > FAMILY_ALPHA {
        out.push_str("; the verdict rule fails good sources more often than 1%");
    } else if rule.reports > 0 {
        out.push_str("; the verdict rule's false-fail rate is consistent with at most 1%");
    }
    out.push_str(".\n");
    out
}

/// The section of a report's `README.md` on its own calibration: per test the rejection rate
/// with its band, the KS p-value and the verdict, then the verdict rule's false-fail rate, with
/// `reproduce`, the command that gives the same figures.
pub fn markdown_section(calibration: &Calibration, reproduce: &str) -> String {
    let streams = calibration
        .tests
        .iter()
        .map(|t| t.streams)
        .max()
        .unwrap_or(0);
    let mut text = format!(
        "## Calibration: this report's own false-alarm rate\n\n\
         The default battery, as this binary runs it, on {streams} streams of {} from {}, a good \
         generator, so every rejection is a false alarm (`{CALIBRATION_FILE}`, `{RULE_FILE}`, \
         `{CHART_FILE}`). Per test: the share of streams rejected at α = {ALPHA} with its exact \
         (Clopper–Pearson) {}% band, which contains {ALPHA} for a calibrated test, and the \
         Kolmogorov–Smirnov p-value of the p-values' uniformity. Reproduce it with \
         `{reproduce}`.\n\n\
         | test | streams | rejected | rate | {}% band | KS p | verdict |\n\
         |---|---:|---:|---:|---|---:|---|\n",
        format_size(calibration.bytes),
        calibration.source,
        BAND_CONFIDENCE * 100.0,
        BAND_CONFIDENCE * 100.0,
    );
    for test in &calibration.tests {
        let row = match (test.rate, test.band) {
            (Some(rate), Some((low, high))) => format!(
                "| {} | {} | {} | {rate:.4} | [{low:.4}, {high:.4}] | {} | {} |",
                display_name(test),
                test.streams,
                test.rejections,
                test.ks_p.map_or_else(|| "-".to_string(), format_p),
                test.verdict.as_str()
            ),
            _ => format!("| {} | 0 | - | - | - | - | skipped |", display_name(test)),
        };
        text.push_str(&row);
        text.push('\n');
    }
    let rule = &calibration.rule;
    text.push('\n');
    if rule.reports == 0 {
        text.push_str("The verdict rule was not simulated.\n\n");
    } else {
        let (rate, (low, high)) = rule.rate_at(FAMILY_ALPHA);
        text.push_str(&format!(
            "Verdict rule: {} mini-report{} of {} streams, each judged as this report judges one \
             source (Holm over its cells at a family-wise α of {FAMILY_ALPHA}): {} failed, a \
             false-fail rate of {rate:.4} with {}% CI [{low:.4}, {high:.4}]. The goal is at most \
             {FAMILY_ALPHA}",
            rule.reports,
            if rule.reports == 1 { "" } else { "s" },
            rule.streams_per_report,
            rule.failures_at(FAMILY_ALPHA),
            RULE_CONFIDENCE * 100.0,
        ));
        if high > FAMILY_ALPHA {
            text.push_str(&format!(
                "; so few mini-reports bound the rate only loosely, and `rngaudit calibrate` \
                 ({DEFAULT_REPORTS} mini-reports) bounds it below {FAMILY_ALPHA} when none \
                 fails.\n\n"
            ));
        } else {
            text.push_str(", and the interval lies below it.\n\n");
        }
    }
    let flagged: Vec<String> = calibration
        .tests
        .iter()
        .filter(|t| !matches!(t.verdict, Calibrated::Ok | Calibrated::Skipped))
        .map(|t| format!("{} ({})", display_name(t), t.verdict.as_str()))
        .collect();
    if flagged.is_empty() {
        text.push_str("Every measured test is calibrated.\n\n");
    } else {
        text.push_str(&format!("**Miscalibrated**: {}.\n\n", flagged.join(", ")));
    }
    text.push_str(&format!("![calibration]({CHART_FILE})\n"));
    text
}

/// The JSON document of `rngaudit calibrate --json`: `tests` and `verdict_rule` with the
/// column names of `calibration.csv` and `verdict_rule.csv`, one object per CSV row (`null`
/// for an empty cell), and whether the calibration came out as expected, in the envelope every
/// `--json` document shares (`kind: "calibration"`, with `provenance`).
pub fn json_document(
    calibration: &Calibration,
    provenance: &crate::provenance::Provenance,
) -> serde_json::Value {
    use serde_json::json;
    let tests: Vec<_> = calibration
        .tests
        .iter()
        .map(|row| {
            json!({
                "test": row.test,
                "label": row.label,
                "streams": row.streams,
                "rejections": row.rejections,
                "rate": row.rate,
                "band_low": row.band.map(|b| b.0),
                "band_high": row.band.map(|b| b.1),
                "ks_statistic": row.ks_statistic,
                "ks_p": row.ks_p,
                "verdict": row.verdict.as_str(),
                "skip_reason": row.skip_reason,
            })
        })
        .collect();
    let rule: Vec<_> = RULE_LEVELS
        .iter()
        .map(|&level| {
            let (rate, (low, high)) = calibration.rule.rate_at(level);
            json!({
                "family_alpha": level,
                "reports": calibration.rule.reports,
                "streams_per_report": calibration.rule.streams_per_report,
                "failed_reports": calibration.rule.failures_at(level),
                "rate": rate,
                "ci_low": low,
                "ci_high": high,
            })
        })
        .collect();
    let body = json!({
        "battery": calibration.battery,
        "source": calibration.source,
        "alphabet": calibration.alphabet,
        "bytes": calibration.bytes,
        "master_seed": calibration.master_seed,
        "tests": tests,
        "verdict_rule": rule,
        "as_expected": calibration.as_expected(),
    });
    crate::report::json::document(
        crate::report::json::DocumentKind::Calibration,
        body,
        provenance,
    )
}

fn display_name(test: &TestCalibration) -> String {
    if test.label.is_empty() {
        test.test.to_string()
    } else {
        format!("{}[{}]", test.test, test.label)
    }
}

fn csv_writer(out: &mut dyn std::io::Write) -> ::csv::Writer<&mut dyn std::io::Write> {
    ::csv::WriterBuilder::new()
        .has_headers(false)
        .terminator(::csv::Terminator::Any(b'\n'))
        .from_writer(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform62_is_unbiased_and_seeded() {
        let mut first = vec![0u8; 62 * 4000];
        let mut again = vec![0u8; 62 * 4000];
        (CHACHA20_62.open)(9).fill(&mut first).unwrap();
        (CHACHA20_62.open)(9).fill(&mut again).unwrap();
        assert_eq!(first, again);
        let mut counts = [0u64; 62];
        for &symbol in &first {
            counts[usize::from(symbol)] += 1;
        }
        // Expected 4000 per symbol, σ ≈ 63: a modulo bias (5/4 on eight symbols) would put
        // eight counts near 5000; ±400 is ±6σ.
        assert!(
            counts.iter().all(|&c| (3600..=4400).contains(&c)),
            "{counts:?}"
        );
    }

    #[test]
    fn controls_cannot_be_calibrated() {
        assert!(find_source("ctl_randu").is_err());
        assert!(find_source("nope").is_err());
        assert_eq!(find_source("chacha20").unwrap().name, "chacha20");
        assert_eq!(find_source("chacha20_62").unwrap().alphabet, 62);
    }

    #[test]
    fn judging_flags_each_kind_of_miscalibration() {
        // 1000 evenly spread p-values: exactly uniform, 9 below 0.01.
        let even: Vec<f64> = (0..1000).map(|i| (i as f64 + 0.5) / 1000.0).collect();
        let row = judge_test("even", String::new(), even, None);
        assert_eq!((row.rejections, row.verdict), (10, Calibrated::Ok));
        // Every p-value quartered: four times the rejections.
        let quartered: Vec<f64> = (0..1000).map(|i| (i as f64 + 0.5) / 4000.0).collect();
        let row = judge_test("quartered", String::new(), quartered, None);
        assert_eq!(row.verdict, Calibrated::Liberal);
        // Pushed up towards 1: no rejections at all.
        let pushed: Vec<f64> = (0..1000).map(|i| 0.02 + (i as f64) / 1020.0).collect();
        let row = judge_test("pushed", String::new(), pushed, None);
        assert_eq!(row.verdict, Calibrated::Conservative);
        // A discrete statistic: p-values only at 0.1, 0.2, ..., 1 besides the right tail mass
        // (D ≈ 0.099, far beyond the 99.9% critical value of about 0.062).
        let discrete: Vec<f64> = (0..1000)
            .map(|i| {
                if i < 10 {
                    0.005
                } else {
                    ((i % 10) + 1) as f64 / 10.0
                }
            })
            .collect();
        let row = judge_test("discrete", String::new(), discrete, None);
        assert_eq!(row.verdict, Calibrated::NotUniform);
        let row = judge_test("none", String::new(), Vec::new(), Some("why".into()));
        assert_eq!(row.verdict, Calibrated::Skipped);
    }

    /// `calibrate --battery deep` runs the deep battery's tests through the same plan: every
    /// one of its outcomes gets a row, and the rendering names the battery.
    #[test]
    fn the_deep_battery_calibrates_through_the_same_plan() {
        let plan = CalibrationPlan {
            battery: crate::battery::find_battery("deep").unwrap(),
            source: find_source("chacha20").unwrap(),
            streams: 12,
            bytes: 64 * 1024,
            reports: 0,
            master_seed: 3,
            threads: 0,
        };
        let calibration = calibrate(&plan, &|_| {}).unwrap();
        assert_eq!(calibration.battery, "deep");
        for test in crate::battery::DEEP {
            assert!(
                calibration.tests.iter().any(|row| row.test == test.name),
                "{} has no row",
                test.name
            );
        }
        let brank = calibration
            .tests
            .iter()
            .find(|row| row.test == "brank" && row.label == "32x32")
            .expect("brank's 32x32 row");
        assert_eq!(brank.streams, 12);
        assert!(render(&calibration).starts_with("Calibration of the deep battery on chacha20"));
    }

    /// A small calibration end to end: chacha20, 200 streams of 64 KiB, two mini-reports.
    /// Alpha: each row is flagged with probability at most 0.002 when the test is calibrated;
    /// the seed is fixed, so the outcome is deterministic and was checked once.
    #[test]
    fn small_calibration_runs_and_writes_its_files() {
        let plan = CalibrationPlan {
            battery: crate::battery::find_battery("default").unwrap(),
            source: find_source("chacha20").unwrap(),
            streams: 200,
            bytes: 64 * 1024,
            reports: 3,
            master_seed: 7,
            threads: 0,
        };
        let calibration = calibrate(&plan, &|_| {}).unwrap();
        assert_eq!(calibration.rule.reports, 3);
        assert_eq!(calibration.rule.adjusted_minima.len(), 3);
        let serial = calibration
            .tests
            .iter()
            .find(|t| t.test == "serial")
            .unwrap();
        assert_eq!(serial.verdict, Calibrated::Skipped, "64 KiB is too short");
        let frequency = calibration
            .tests
            .iter()
            .find(|t| t.test == "frequency")
            .unwrap();
        assert_eq!(frequency.streams, 200);
        for row in &calibration.tests {
            assert!(
                matches!(row.verdict, Calibrated::Ok | Calibrated::Skipped),
                "{} {:?} rate {:?} KS p {:?}",
                row.test,
                row.verdict,
                row.rate,
                row.ks_p
            );
        }
        let dir = tempfile::tempdir().unwrap();
        write_files(&calibration, dir.path()).unwrap();
        let csv = std::fs::read_to_string(dir.path().join(CALIBRATION_FILE)).unwrap();
        assert!(csv.starts_with(&CALIBRATION_HEADER.join(",")));
        assert_eq!(csv.lines().count(), 1 + calibration.tests.len());
        let png = std::fs::read(dir.path().join(CHART_FILE)).unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");
    }

    #[test]
    fn markdown_section_has_rates_ks_rule_and_command() {
        let even: Vec<f64> = (0..1000).map(|i| (i as f64 + 0.5) / 1000.0).collect();
        let quartered: Vec<f64> = even.iter().map(|p| p / 4.0).collect();
        let calibration = Calibration {
            battery: "default",
            source: "chacha20",
            alphabet: 256,
            bytes: 1 << 20,
            master_seed: 1,
            tests: vec![
                judge_test("frequency", String::new(), even, None),
                judge_test("monobit", String::new(), quartered, None),
                judge_test(
                    "symbol_runs",
                    String::new(),
                    Vec::new(),
                    Some("bits".into()),
                ),
            ],
            rule: RuleCalibration {
                reports: 20,
                streams_per_report: STREAMS_PER_REPORT,
                failed_reports: 0,
                adjusted_minima: vec![0.5; 20],
                cell_p_values: vec![0.5; 140],
            },
        };
        let text = markdown_section(&calibration, "rngaudit calibrate --reports 20");
        assert!(text.starts_with("## Calibration: this report's own false-alarm rate\n"));
        assert!(
            text.contains("on 1000 streams of 1M from chacha20"),
            "{text}"
        );
        assert!(text.contains("`rngaudit calibrate --reports 20`"), "{text}");
        assert!(
            text.contains("| frequency | 1000 | 10 | 0.0100 | [0.0027, 0.0251] | 1.000000 | ok |"),
            "{text}"
        );
        assert!(text.contains("| monobit | 1000 | 40 |"), "{text}");
        assert!(text.contains("| symbol_runs | 0 | - | - | - | - | skipped |"));
        assert!(text.contains("20 mini-reports of 100 streams"), "{text}");
        assert!(text.contains("bound the rate only loosely"), "{text}");
        assert!(
            text.contains("0 failed, a false-fail rate of 0.0000"),
            "{text}"
        );
        assert!(
            text.contains("**Miscalibrated**: monobit (liberal)."),
            "{text}"
        );
        assert!(text.trim_end().ends_with("![calibration](calibration.png)"));
        // Every table row has the header's columns.
        for line in text.lines().filter(|l| l.starts_with('|')) {
            assert_eq!(line.matches('|').count(), 8, "{line}");
        }
    }

    #[test]
    fn json_rows_use_the_csv_column_names() {
        let even: Vec<f64> = (0..1000).map(|i| (i as f64 + 0.5) / 1000.0).collect();
        let calibration = Calibration {
            battery: "default",
            source: "chacha20",
            alphabet: 256,
            bytes: 1 << 20,
            master_seed: 1,
            tests: vec![
                judge_test("frequency", String::new(), even, None),
                judge_test(
                    "symbol_runs",
                    String::new(),
                    Vec::new(),
                    Some("bits".into()),
                ),
            ],
            rule: RuleCalibration {
                reports: 2,
                streams_per_report: STREAMS_PER_REPORT,
                failed_reports: 0,
                adjusted_minima: vec![0.5, 0.005],
                cell_p_values: vec![0.5; 14],
            },
        };
        let document = json_document(&calibration, &crate::provenance::fixture());
        assert_eq!(document["kind"], "calibration");
        assert_eq!(
            document["schema_version"],
            crate::report::json::SCHEMA_VERSION
        );
        assert_eq!(document["provenance"]["cpu"], "Test CPU");
        let keys = |value: &serde_json::Value| {
            let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
            keys.sort_unstable();
            keys
        };
        let mut header: Vec<String> = CALIBRATION_HEADER.iter().map(|h| h.to_string()).collect();
        header.push("skip_reason".to_string());
        header.sort_unstable();
        assert_eq!(keys(&document["tests"][0]), header);
        assert_eq!(document["tests"][0]["rejections"], 10);
        assert!(document["tests"][1]["rate"].is_null());
        assert_eq!(document["tests"][1]["verdict"], "skipped");
        let mut header: Vec<String> = RULE_HEADER.iter().map(|h| h.to_string()).collect();
        header.sort_unstable();
        assert_eq!(keys(&document["verdict_rule"][0]), header);
        // One of the two mini-reports fails at 0.01 (0.005 ≤ 0.01).
        assert_eq!(document["verdict_rule"][0]["failed_reports"], 1);
        assert_eq!(
            document["verdict_rule"].as_array().unwrap().len(),
            RULE_LEVELS.len()
        );
    }

    #[test]
    fn no_streams_is_an_invalid_setting() {
        let plan = CalibrationPlan {
            battery: crate::battery::find_battery("default").unwrap(),
            source: &CHACHA20_62,
            streams: 0,
            bytes: 1024,
            reports: 0,
            master_seed: 1,
            threads: 1,
        };
        assert!(matches!(
            calibrate(&plan, &|_| {}),
            Err(Error::InvalidSetting {
                setting: "streams",
                ..
            })
        ));
    }
}
