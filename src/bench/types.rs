//! The bench's data: the rows it measures ([`Row`], [`BatteryRow`]), the whole run
//! ([`Bench`]) and how their figures are rounded and written. A leaf below every other bench
//! module but the timing and the generators, so that the output, the chart, Python's rows and
//! the battery's rows can all use these types without importing `bench/mod.rs`, which imports
//! them in turn to run the bench.

use super::generators;
use super::timing::Stats;
use crate::source;

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
    /// The test's name, or [`super::battery::ONE_PASS`] for the whole battery in one pass.
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

/// `value` with its unit, in the unit's natural scale: `3.91 GB/s`, `640 ns`, `12.3 µs`.
pub fn with_unit(value: f64, unit: &str) -> String {
    match unit {
        "ns" if value >= 1e6 => format!("{} ms", three_digits(value / 1e6)),
        "ns" if value >= 1e3 => format!("{} µs", three_digits(value / 1e3)),
        _ => format!("{} {unit}", three_digits(value)),
    }
}

/// Three significant digits, without an exponent: 0.0123, 1.23, 12.3, 123, 1234.
pub fn three_digits(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude >= 100.0 || magnitude == 0.0 || !value.is_finite() {
        format!("{value:.0}")
    } else if magnitude >= 10.0 {
        format!("{value:.1}")
    } else if magnitude >= 1.0 {
        format!("{value:.2}")
    } else {
        let decimals = 2 - magnitude.log10().floor() as i32;
        format!("{value:.*}", decimals.clamp(0, 12) as usize)
    }
}
