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
//! [`chart`] (the PNG); [`types`] holds the rows and the run they make up, [`headline`] the
//! ratios quoted from them. This file holds the order things run in.
//! Speed is never asserted by a test: timings are figures to read, not facts to check.

pub mod battery;
#[cfg(feature = "charts")]
pub mod chart;
pub mod generators;
pub mod headline;
pub mod output;
pub mod python;
pub mod timing;
pub mod types;

use crate::source::{Source, SOURCES};
use crate::Error;
use std::path::Path;
use timing::Budget;

// The types live in the leaf `types.rs` (and the ratios in `headline.rs`) so that the modules
// this one runs can use them without importing this file back; re-exported here, where callers
// have always found them.
pub use headline::{headlines, Headline};
pub use types::{round_significant, BatteryRow, Bench, Mode, Row, RowKind};

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

#[cfg(test)]
mod tests {
    use super::timing::Stats;
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
