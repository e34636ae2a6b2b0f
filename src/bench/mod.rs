//! The bench: what randomness costs, measured on this machine, beside Python's own calls.
//!
//! "Secure randomness is slower" is the claim users want quantified before they choose a
//! generator, so `rngaudit bench` measures it for every built-in source (controls included, for
//! scale) in the two ways programs use randomness: in bulk (GB/s filling 1 MiB buffers, on one
//! thread and on all of them) and one small request at a time (ns per 16-byte read or per
//! token, made the way Python makes it). When `python3` is on PATH, Python's own calls are
//! timed in the same run, and the battery's cost per test is measured too, so that the chart
//! and the CSV put every figure next to the ones it is compared with.
//!
//! One file per concern: [`timing`] (runs, median, spread), [`generators`] (the sources),
//! [`python`] (the subprocess), [`battery`] (the tests), [`output`] (CSV, JSON, table) and
//! [`chart`] (the PNG). This file holds the types in between and the order things run in.
//! Speed is never asserted by a test: timings are figures to read, not facts to check.

pub mod battery;
#[cfg(feature = "charts")]
pub mod chart;
pub mod generators;
pub mod output;
pub mod python;
pub mod timing;

use crate::source::{self, Source, SOURCES};
use crate::Error;
use std::path::Path;
use timing::{Budget, Stats};

/// How a row's request was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// One thread filling 1 MiB buffers.
    Bulk,
    /// Every thread filling 1 MiB buffers at once, each with its own generator.
    BulkAllThreads,
    /// One 16-byte request (for `os`, one getrandom call).
    Call16,
    /// One token made as Python makes it.
    Token,
}

impl Mode {
    /// The name CSV and JSON use (`bulk`, `bulk_all_threads`, `call16`, `token`).
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Bulk => "bulk",
            Mode::BulkAllThreads => "bulk_all_threads",
            Mode::Call16 => "call16",
            Mode::Token => "token",
        }
    }

    /// Bulk rows are rates (GB/s); the others are costs per call (ns).
    pub fn is_bulk(self) -> bool {
        matches!(self, Mode::Bulk | Mode::BulkAllThreads)
    }
}

/// What produced a row: a source's kind, or Python.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RowKind {
    /// A seeded, reproducible generator.
    Seeded,
    /// A cryptographically secure generator.
    Secure,
    /// A token generator.
    Token,
    /// Python's own generators, timed through `python3`.
    Python,
    /// A deliberately bad control generator.
    Control,
    /// An external program's output.
    External,
}

impl RowKind {
    /// The lowercase name CSV and JSON use.
    pub fn as_str(self) -> &'static str {
        match self {
            RowKind::Seeded => "seeded",
            RowKind::Secure => "secure",
            RowKind::Token => "token",
            RowKind::Python => "python",
            RowKind::Control => "control",
            RowKind::External => "external",
        }
    }
}

impl From<source::Kind> for RowKind {
    fn from(kind: source::Kind) -> Self {
        match kind {
            source::Kind::Seeded => RowKind::Seeded,
            source::Kind::Secure => RowKind::Secure,
            source::Kind::Token => RowKind::Token,
            source::Kind::Control => RowKind::Control,
            source::Kind::External => RowKind::External,
        }
    }
}

/// One measured row of `throughput.csv` (and of the JSON, with the same names). Bulk rows
/// carry a rate and no cost per call, the others the reverse; `min` and `max` are in the unit
/// of the row's median.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Row {
    /// The source's name (or Python's function, for Python rows).
    pub source: String,
    /// What produced the row.
    pub kind: RowKind,
    /// How it was measured.
    pub mode: Mode,
    /// Bytes per request: 1 MiB for bulk modes, 16 otherwise.
    pub request_bytes: u64,
    /// Median rate in GB/s (10^9 bytes per second), for bulk modes; `None` otherwise.
    pub median_gb_per_s: Option<f64>,
    /// Median cost of one call in ns, for per-call modes; `None` otherwise.
    pub median_ns_per_call: Option<f64>,
    /// The smallest figure over the runs, in the unit of the median.
    pub min: f64,
    /// The largest figure over the runs, in the unit of the median.
    pub max: f64,
    /// Timed runs the median is taken over.
    pub runs: u32,
}

impl Row {
    /// A row from the statistics of its unit (GB/s for bulk modes, ns per call otherwise),
    /// rounded to four significant digits: run-to-run noise is far larger than that, and the
    /// CSV and the JSON then print the same numbers.
    pub fn new(source: &str, kind: RowKind, mode: Mode, stats: Stats) -> Row {
        let median = Some(round_significant(stats.median, 4));
        let (median_gb_per_s, median_ns_per_call) = if mode.is_bulk() {
            (median, None)
        } else {
            (None, median)
        };
        let request_bytes = if mode.is_bulk() {
            generators::BULK_BYTES
        } else {
            generators::REQUEST_BYTES
        };
        Row {
            source: source.to_string(),
            kind,
            mode,
            request_bytes: request_bytes as u64,
            median_gb_per_s,
            median_ns_per_call,
            min: round_significant(stats.min, 4),
            max: round_significant(stats.max, 4),
            runs: stats.runs,
        }
    }

    /// The row's median in its own unit.
    pub fn median(&self) -> f64 {
        self.median_gb_per_s
            .or(self.median_ns_per_call)
            .unwrap_or(f64::NAN)
    }

    /// `GB/s` or `ns`.
    pub fn unit(&self) -> &'static str {
        if self.mode.is_bulk() {
            "GB/s"
        } else {
            "ns"
        }
    }
}

/// One row of `battery_throughput.csv`: MB/s (10^6 bytes per second) of one test, or of the
/// whole battery in one pass, on bytes already in memory.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct BatteryRow {
    /// The test's name, or [`battery::ONE_PASS`] for the whole battery in one pass.
    pub test: String,
    /// Median throughput in MB/s (10^6 bytes per second).
    pub median_mb_per_s: f64,
    /// The lowest MB/s over the runs.
    pub min: f64,
    /// The highest MB/s over the runs.
    pub max: f64,
    /// Timed runs the median is taken over.
    pub runs: u32,
}

impl BatteryRow {
    /// A row from the statistics of its runs, in MB/s, rounded to four significant digits.
    pub fn new(test: &str, stats: Stats) -> BatteryRow {
        BatteryRow {
            test: test.to_string(),
            median_mb_per_s: round_significant(stats.median, 4),
            min: round_significant(stats.min, 4),
            max: round_significant(stats.max, 4),
            runs: stats.runs,
        }
    }
}

/// Everything one bench run measured, and where.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Bench {
    /// One row per source and mode, in plan order, Python's last.
    pub results: Vec<Row>,
    /// Throughput of each battery test and of the whole battery.
    pub battery: Vec<BatteryRow>,
    /// The CPU model, from /proc/cpuinfo where there is one.
    pub cpu: String,
    /// Threads of the all-threads rows (1: there are none).
    pub threads: usize,
    /// Whether the run was shortened (`--quick`): fewer and shorter timed runs.
    pub quick: bool,
    /// What the run could not do (no python3, for one), one line each, for stderr.
    pub notes: Vec<String>,
    /// Which rngaudit measured, when and where.
    pub provenance: crate::provenance::Provenance,
}

/// What to measure.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The sources to bench, in row order.
    pub sources: Vec<&'static Source>,
    /// Whether to shorten the run (`--quick`): fewer and shorter timed runs, noisier figures.
    pub quick: bool,
    /// Threads for the all-threads rows; 0 means one per core, 1 leaves those rows out.
    pub threads: usize,
    /// The Python interpreter to time Python's calls with.
    pub python: String,
}

impl Plan {
    /// Every built-in source, one thread per core, `python3` from PATH.
    pub fn all(quick: bool) -> Plan {
        Plan {
            sources: SOURCES.iter().collect(),
            quick,
            threads: 0,
            python: python::PROGRAM.to_string(),
        }
    }
}

/// Runs the bench. `progress` is told what is being measured, for a spinner.
pub fn run(plan: &Plan, progress: &dyn Fn(&str)) -> Result<Bench, Error> {
    let budget = Budget::new(plan.quick);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(plan.threads)
        .build()
        .map_err(|error| Error::Usage(format!("cannot start {} threads: {error}", plan.threads)))?;
    let threads = pool.current_num_threads();
    let failed = |source: &Source| {
        let what = format!("source {}", source.name);
        move |source| Error::Read { what, source }
    };
    let mut results = Vec::new();
    for &source in &plan.sources {
        let kind = RowKind::from(source.kind);
        progress(&format!("{}: bulk", source.name));
        let stats = generators::bulk(source, budget).map_err(failed(source))?;
        results.push(Row::new(source.name, kind, Mode::Bulk, stats));
        if threads > 1 {
            progress(&format!("{}: bulk on {threads} threads", source.name));
            let stats =
                generators::bulk_all_threads(source, budget, &pool).map_err(failed(source))?;
            results.push(Row::new(source.name, kind, Mode::BulkAllThreads, stats));
        }
        if let Some(mut request) = generators::SmallRequest::new(source) {
            let mode = if request.is_token() {
                Mode::Token
            } else {
                Mode::Call16
            };
            progress(&format!("{}: {}", source.name, mode.as_str()));
            let stats =
                timing::per_call(budget, |calls| request.time(calls)).map_err(failed(source))?;
            results.push(Row::new(source.name, kind, mode, stats));
        }
    }
    let mut notes = Vec::new();
    progress("python");
    match python::measure(&plan.python, budget) {
        Ok(rows) => results.extend(rows),
        Err(note) => notes.push(note),
    }
    progress("battery");
    let battery = battery::measure(plan.quick).map_err(|source| Error::Read {
        what: "the battery's input".to_string(),
        source,
    })?;
    Ok(Bench {
        results,
        battery,
        cpu: cpu_model(),
        threads,
        quick: plan.quick,
        notes,
        provenance: crate::provenance::Provenance::collect(threads),
    })
}

/// For `rngaudit report`: benches every source and writes `throughput.csv`, `throughput.png`
/// and `battery_throughput.csv` into `out_dir`. The caller prints the returned notes (one line
/// each on stderr, such as "python3 not found") and may print [`output::table`].
pub fn run_for_report(out_dir: &Path, quick: bool) -> Result<Bench, Error> {
    let bench = run(&Plan::all(quick), &|_| {})?;
    output::write_files(&bench, out_dir)?;
    Ok(bench)
}

/// The CPU model, as every report names it ([`crate::provenance::cpu_model`]).
pub fn cpu_model() -> String {
    crate::provenance::cpu_model()
}

/// One ratio worth quoting, from figures measured in the same run.
#[derive(Clone, Debug, PartialEq)]
pub struct Headline {
    /// The first of the two figures compared, as the headline names it.
    pub first: String,
    /// The figure it is compared with.
    pub second: String,
    /// How they were compared: "per 16-byte request", "in bulk on one thread".
    pub context: &'static str,
    /// How many times longer the first takes than the second for the same work (below 1:
    /// the first is faster).
    pub ratio: f64,
    /// The two medians, for the reader to check.
    pub figures: String,
}

impl Headline {
    /// "os is 33.8× slower than threadrng per 16-byte request (928 ns vs 27.5 ns)".
    pub fn sentence(&self) -> String {
        let (factor, comparison) = if self.ratio >= 1.0 {
            (self.ratio, "slower")
        } else {
            (1.0 / self.ratio, "faster")
        };
        format!(
            "{} is {}× {comparison} than {} {} ({})",
            self.first,
            output::three_digits(factor),
            self.second,
            self.context,
            self.figures
        )
    }
}

/// The ratios the README quotes, for the rows present: the OS generator against ThreadRng per
/// 16-byte call, ChaCha20 against Xoshiro256++ in bulk, and each Python call against the Rust
/// code that does the same work.
pub fn headlines(rows: &[Row]) -> Vec<Headline> {
    let find = |kind: Option<RowKind>, source: &str, mode: Mode| {
        rows.iter().find(|row| {
            row.source == source && row.mode == mode && kind.is_none_or(|k| row.kind == k)
        })
    };
    let mut headlines = Vec::new();
    let mut compare = |first: Option<&Row>, second: Option<&Row>, context: &'static str| {
        let (Some(first), Some(second)) = (first, second) else {
            return;
        };
        let (a, b) = (first.median(), second.median());
        // A rate is slow when it is small, a cost when it is large.
        let ratio = if first.mode.is_bulk() { b / a } else { a / b };
        if ratio.is_finite() && ratio > 0.0 {
            let name = |row: &Row| match row.kind {
                RowKind::Python => format!("Python's {}", row.source),
                _ => row.source.clone(),
            };
            headlines.push(Headline {
                first: name(first),
                second: name(second),
                context,
                ratio,
                figures: format!(
                    "{} vs {}",
                    output::with_unit(a, first.unit()),
                    output::with_unit(b, second.unit())
                ),
            });
        }
    };
    compare(
        find(None, "os", Mode::Call16),
        find(None, "threadrng", Mode::Call16),
        "per 16-byte request",
    );
    compare(
        find(None, "chacha20", Mode::Bulk),
        find(None, "xoshiro256pp", Mode::Bulk),
        "in bulk on one thread",
    );
    for case in python::CASES {
        let Some(rust) = case.rust else {
            continue;
        };
        let rust_row = rows
            .iter()
            .find(|row| row.source == rust && row.mode == case.mode && row.kind != RowKind::Python);
        compare(
            find(Some(RowKind::Python), case.name, case.mode),
            rust_row,
            "per call",
        );
    }
    headlines
}

/// `value` rounded to `digits` significant digits (0 and non-finite values as they are).
pub fn round_significant(value: f64, digits: i32) -> f64 {
    if value == 0.0 || !value.is_finite() {
        return value;
    }
    let shift = digits - 1 - value.abs().log10().floor() as i32;
    // Multiplying or dividing by an exact power of ten keeps the result the nearest double
    // to the decimal (a negative power such as 0.1 is not exact).
    if shift >= 0 {
        let scale = 10f64.powi(shift);
        (value * scale).round() / scale
    } else {
        let scale = 10f64.powi(-shift);
        (value / scale).round() * scale
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(median: f64) -> Stats {
        Stats {
            median,
            min: median * 0.9,
            max: median * 1.1,
            runs: 3,
        }
    }

    #[test]
    fn rounding_keeps_four_significant_digits() {
        assert_eq!(round_significant(3.912_345, 4), 3.912);
        assert_eq!(round_significant(12_345.6, 4), 12_350.0);
        assert_eq!(round_significant(0.000_123_456, 4), 0.000_123_5);
        assert_eq!(round_significant(-2.5, 4), -2.5);
        assert_eq!(round_significant(0.0, 4), 0.0);
    }

    #[test]
    fn bulk_rows_carry_a_rate_and_call_rows_a_cost() {
        let bulk = Row::new("pcg32", RowKind::Seeded, Mode::Bulk, stats(2.0));
        assert_eq!(bulk.median_gb_per_s, Some(2.0));
        assert_eq!(bulk.median_ns_per_call, None);
        assert_eq!(bulk.request_bytes, 1 << 20);
        let call = Row::new("os", RowKind::Secure, Mode::Call16, stats(600.0));
        assert_eq!(call.median_gb_per_s, None);
        assert_eq!(call.median_ns_per_call, Some(600.0));
        assert_eq!((call.min, call.max, call.request_bytes), (540.0, 660.0, 16));
    }

    #[test]
    fn headlines_are_ratios_of_the_same_run() {
        let rows = vec![
            Row::new("os", RowKind::Secure, Mode::Call16, stats(600.0)),
            Row::new("threadrng", RowKind::Secure, Mode::Call16, stats(20.0)),
            Row::new("chacha20", RowKind::Seeded, Mode::Bulk, stats(1.5)),
            Row::new("xoshiro256pp", RowKind::Seeded, Mode::Bulk, stats(6.0)),
            Row::new("token_hex16", RowKind::Token, Mode::Token, stats(700.0)),
            Row::new(
                "secrets.token_hex(16)",
                RowKind::Python,
                Mode::Token,
                stats(1400.0),
            ),
        ];
        let found = headlines(&rows);
        let ratios: Vec<f64> = found.iter().map(|h| h.ratio).collect();
        assert_eq!(ratios, vec![30.0, 4.0, 2.0]);
        assert_eq!(
            found[0].sentence(),
            "os is 30.0× slower than threadrng per 16-byte request (600 ns vs 20.0 ns)"
        );
        assert_eq!(
            found[1].sentence(),
            "chacha20 is 4.00× slower than xoshiro256pp in bulk on one thread \
             (1.50 GB/s vs 6.00 GB/s)"
        );
        let faster = Headline {
            ratio: 0.5,
            ..found[2].clone()
        };
        assert!(faster.sentence().contains("is 2.00× faster than"));
        // Nothing to compare: no headlines, no panic.
        assert!(headlines(&rows[..1]).is_empty());
    }

    #[test]
    fn run_for_report_writes_its_three_files() {
        let dir = tempfile::tempdir().unwrap();
        let bench = run_for_report(dir.path(), true).unwrap();
        for file in [output::THROUGHPUT_FILE, output::BATTERY_FILE, chart::FILE] {
            let bytes = std::fs::read(dir.path().join(file)).unwrap();
            assert!(!bytes.is_empty(), "{file}");
        }
        // Every source has its bulk row and its small-request row; nothing else is left behind.
        for mode in [Mode::Bulk, Mode::Call16] {
            let sources = bench
                .results
                .iter()
                .filter(|row| row.kind != RowKind::Python);
            let rows = sources.filter(|row| {
                row.mode == mode || (mode == Mode::Call16 && row.mode == Mode::Token)
            });
            assert_eq!(rows.count(), SOURCES.len(), "{mode:?}");
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 3);
    }

    #[test]
    fn cpu_model_is_never_empty() {
        assert!(!cpu_model().is_empty());
    }
}
