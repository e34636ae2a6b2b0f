//! The CSV sink: `results.csv` (one row per source × stream × outcome), `summary.csv` (one row
//! per cell) and `figures.csv` (the extra figures tests report besides their statistic).
//!
//! These files are what people load into a notebook or diff between two runs, so the columns
//! are fixed (a header change breaks their scripts), numbers are printed so they read back as
//! the same double, and rows follow the report's own order, so identical reports give
//! identical bytes.

use super::{write_atomically, Report, Sink};
use crate::battery::Consumes;
use crate::second_level::Verdict;
use crate::Error;
use std::io::{self, Write};
use std::path::Path;

/// File name of the per-stream rows, inside the output directory.
pub const RESULTS_FILE: &str = "results.csv";
/// File name of the per-cell rows (one per source, test and label), inside the output
/// directory.
pub const SUMMARY_FILE: &str = "summary.csv";
/// File name of the figures tests report besides their statistics, inside the output
/// directory.
pub const FIGURES_FILE: &str = "figures.csv";

/// Columns of [`RESULTS_FILE`].
pub const RESULTS_HEADER: [&str; 9] = [
    "source",
    "kind",
    "stream",
    "seed",
    "bytes",
    "test",
    "statistic",
    "p_value",
    "verdict",
];
/// `cell_p` and `holm_p` came later than the rest and are appended, so that scripts reading
/// the older columns by position keep working.
pub const SUMMARY_HEADER: [&str; 10] = [
    "source",
    "kind",
    "test",
    "streams",
    "pass_proportion",
    "uniformity_p",
    "verdict",
    "expected",
    "cell_p",
    "holm_p",
];
/// Columns of [`FIGURES_FILE`].
pub const FIGURES_HEADER: [&str; 5] = ["source", "stream", "test", "figure", "value"];

/// Writes `results.csv`, `summary.csv` and `figures.csv`.
#[derive(Clone, Copy, Debug, Default)]
pub struct CsvSink;

impl Sink for CsvSink {
    fn name(&self) -> &'static str {
        "csv"
    }

    fn summary(&self) -> &'static str {
        "rows for notebooks and diffs; results.csv, summary.csv, figures.csv"
    }

    fn files(&self) -> &'static [&'static str] {
        &[RESULTS_FILE, SUMMARY_FILE, FIGURES_FILE]
    }

    fn accepts(&self, _consumes: Consumes) -> Result<(), String> {
        // ENT's figures go to figures.csv, as every test's figures do.
        Ok(())
    }

    fn write(&self, report: &Report, dir: &Path) -> Result<(), Error> {
        write_atomically(&dir.join(RESULTS_FILE), |out| write_results(report, out))?;
        write_atomically(&dir.join(SUMMARY_FILE), |out| write_summary(report, out))?;
        write_atomically(&dir.join(FIGURES_FILE), |out| write_figures(report, out))
    }
}

/// Field order must match [`RESULTS_HEADER`]: the writer emits values only, so that the header
/// is written even when there are no rows.
#[derive(serde::Serialize)]
struct ResultRow<'a> {
    source: &'a str,
    kind: &'static str,
    stream: u32,
    seed: Option<u64>,
    bytes: u64,
    test: String,
    statistic: Option<String>,
    p_value: Option<String>,
    verdict: &'static str,
}

#[derive(serde::Serialize)]
struct SummaryRow<'a> {
    source: &'a str,
    kind: &'static str,
    test: String,
    streams: usize,
    pass_proportion: Option<String>,
    uniformity_p: Option<String>,
    verdict: &'static str,
    expected: &'static str,
    cell_p: Option<String>,
    holm_p: Option<String>,
}

#[derive(serde::Serialize)]
struct FigureRow<'a> {
    source: &'a str,
    stream: u32,
    test: String,
    figure: &'static str,
    value: String,
}

fn writer(out: &mut dyn Write) -> ::csv::Writer<&mut dyn Write> {
    ::csv::WriterBuilder::new()
        .has_headers(false)
        .terminator(::csv::Terminator::Any(b'\n'))
        .from_writer(out)
}

/// `test` or `test[label]`, as `CellSummary::display_name` spells it.
fn display_name(test: &str, label: &str) -> String {
    if label.is_empty() {
        test.to_string()
    } else {
        format!("{test}[{label}]")
    }
}

/// Prints a double so that parsing the text gives the same double back: Rust's shortest
/// round-trip form, in plain decimals where that stays short and in exponent form for the tiny
/// p-values that matter most (a plain `{}` would print 1e-300 with 300 zeros). Exactly 0 (an
/// underflowed p-value) is printed as `0`.
pub fn exact(value: f64) -> String {
    let magnitude = value.abs();
    if value == 0.0 {
        "0".to_string()
    } else if !value.is_finite() || (1e-4..1e15).contains(&magnitude) {
        format!("{value}")
    } else {
        format!("{value:e}")
    }
}

/// Writes `results.csv` to `out`.
pub fn write_results(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut csv = writer(out);
    csv.write_record(RESULTS_HEADER)?;
    for stream in &report.results {
        for outcome in &stream.outcomes {
            let (statistic, p_value, verdict) = match &outcome.result {
                Ok(m) => (
                    Some(exact(m.statistic)),
                    Some(exact(m.p_value)),
                    Verdict::of_p_value(m.p_value),
                ),
                Err(_) => (None, None, Verdict::Skipped),
            };
            csv.serialize(ResultRow {
                source: &stream.source,
                kind: stream.kind.as_str(),
                stream: stream.stream,
                seed: stream.seed,
                bytes: stream.bytes,
                test: display_name(outcome.test, &outcome.label),
                statistic,
                p_value,
                verdict: verdict.as_str(),
            })?;
        }
    }
    csv.flush()
}

/// Writes `summary.csv` to `out`.
pub fn write_summary(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut csv = writer(out);
    csv.write_record(SUMMARY_HEADER)?;
    for cell in &report.cells {
        csv.serialize(SummaryRow {
            source: &cell.source,
            kind: cell.kind.as_str(),
            test: cell.display_name(),
            streams: cell.streams,
            pass_proportion: cell.pass_proportion.map(exact),
            uniformity_p: cell.uniformity_p.map(exact),
            verdict: cell.verdict.as_str(),
            expected: cell.expected,
            cell_p: cell.cell_p.map(exact),
            holm_p: cell.holm_p.map(exact),
        })?;
    }
    csv.flush()
}

/// Writes `figures.csv` to `out`.
pub fn write_figures(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut csv = writer(out);
    csv.write_record(FIGURES_HEADER)?;
    for stream in &report.results {
        for outcome in &stream.outcomes {
            let Ok(measurement) = &outcome.result else {
                continue;
            };
            for figure in &measurement.figures {
                csv.serialize(FigureRow {
                    source: &stream.source,
                    stream: stream.stream,
                    test: display_name(outcome.test, &outcome.label),
                    figure: figure.name,
                    value: exact(figure.value),
                })?;
            }
        }
    }
    for entry in &report.ent {
        for (figure, value) in entry.figures.named() {
            csv.serialize(FigureRow {
                source: &entry.source,
                stream: 0,
                test: crate::battery::ent::BATTERY_NAME.to_string(),
                figure,
                // A figure ENT prints as "-nan" or "undefined" is an empty field.
                value: value.map(exact).unwrap_or_default(),
            })?;
        }
    }
    csv.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    fn render(write: fn(&Report, &mut dyn Write) -> io::Result<()>, report: &Report) -> String {
        let mut bytes = Vec::new();
        write(report, &mut bytes).unwrap();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn results_have_exact_columns_and_rows() {
        let text = render(write_results, &fixtures::small());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "source,kind,stream,seed,bytes,test,statistic,p_value,verdict"
        );
        // 2 sources × 3 streams × 2 outcomes.
        assert_eq!(lines.len(), 1 + 12);
        assert_eq!(
            lines[1],
            format!(
                "chacha20,seeded,0,{},1048576,monobit,1.5,0.42,pass",
                0x9e37_79b9_7f4a_7c15u64
            )
        );
        assert!(
            lines.contains(&"counter,control,0,11400714819323198485,1048576,monobit,1.5,0,fail")
        );
        assert!(lines
            .contains(&"counter,control,1,11400714819323198484,1048576,monobit,2.5,1e-310,fail"));
        // The skipped outcome: no statistic, no p-value, and the label in the test name.
        assert!(
            lines.contains(&"chacha20,seeded,2,11400714819323198487,1048576,serial[m=2],,,skipped")
        );
    }

    #[test]
    fn non_reproducible_sources_have_no_seed() {
        let mut report = fixtures::small();
        for stream in &mut report.results {
            stream.seed = None;
        }
        let text = render(write_results, &report);
        assert!(text
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("chacha20,seeded,0,,1048576,"));
    }

    #[test]
    fn summary_and_figures_have_exact_columns() {
        let report = fixtures::small();
        let summary = render(write_summary, &report);
        let lines: Vec<&str> = summary.lines().collect();
        assert_eq!(
            lines[0],
            "source,kind,test,streams,pass_proportion,uniformity_p,verdict,expected,cell_p,holm_p"
        );
        assert_eq!(lines.len(), 1 + report.cells.len());
        // Two measured streams of three: the skipped one is not counted; fewer than ten streams
        // leaves uniformity empty. Cell p-values are m times the smallest stream p-value:
        // 3 × 0.15 (monobit), 2 × 0.5 = 1 (serial), and 0 for both counter cells, which hold a
        // p-value of exactly 0. Holm over (0.45, 1, 0, 0): sorted 0, 0, 0.45, 1 times 4, 3, 2, 1
        // give 0, 0, 0.9, 1.
        assert!(lines.contains(&"chacha20,seeded,serial[m=2],2,1,,pass,pass,1,1"));
        assert!(lines.contains(&"counter,control,monobit,3,0,,fail,fail,0,0"));
        let monobit = lines
            .iter()
            .find(|l| l.starts_with("chacha20,seeded,monobit,"))
            .unwrap();
        let numbers: Vec<f64> = monobit
            .rsplit(',')
            .take(2)
            .map(|n| n.parse().unwrap())
            .collect();
        assert!((numbers[0] - 0.9).abs() < 1e-12, "{monobit}");
        assert!((numbers[1] - 0.45).abs() < 1e-12, "{monobit}");
        let figures = render(write_figures, &report);
        let lines: Vec<&str> = figures.lines().collect();
        assert_eq!(lines[0], "source,stream,test,figure,value");
        assert_eq!(lines[1], "chacha20,0,monobit,ones_fraction,0.5001");
        assert_eq!(lines.len(), 1 + 6);
    }

    #[test]
    fn numbers_round_trip() {
        for value in [
            0.42,
            1e-310,
            5e-324,
            1e-12,
            0.1 + 0.2,
            3.0,
            123_456.789,
            1e300,
            -2.5e-7,
        ] {
            let text = exact(value);
            assert_eq!(text.parse::<f64>().unwrap(), value, "{text}");
            assert!(text.len() < 26, "{text}");
        }
        assert_eq!(exact(0.0), "0");
        assert_eq!(exact(-0.0), "0");
    }

    #[test]
    fn identical_reports_give_identical_bytes() {
        let report = fixtures::realistic(12);
        for write in [write_results, write_summary, write_figures] {
            assert_eq!(render(write, &report), render(write, &report.clone()));
        }
    }

    #[test]
    fn sink_writes_its_files_and_reports_unwritable_directories() {
        let dir = tempfile::tempdir().unwrap();
        CsvSink.write(&fixtures::small(), dir.path()).unwrap();
        for name in CsvSink.files() {
            let text = std::fs::read_to_string(dir.path().join(name)).unwrap();
            assert!(text.lines().count() > 1, "{name}");
        }
        let missing = dir.path().join("no").join("such");
        match CsvSink.write(&fixtures::small(), &missing) {
            Err(Error::Write { path, .. }) => assert!(path.starts_with(&missing)),
            other => panic!("expected Error::Write, got {other:?}"),
        }
    }
}
