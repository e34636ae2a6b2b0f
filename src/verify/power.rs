//! Power: how much data the default battery needs to catch a generator, in the form PractRand
//! reports ("fails at 2^N bytes"), so the two can be set side by side.
//!
//! One stream per source (seeded from the master seed as `run` seeds stream 0), or a user's
//! input (a file, stdin), is read once up to the maximum and judged at every checkpoint 2^10,
//! 2^11, ... bytes (symbols, for sources over a smaller alphabet) by the checkpoint rule of
//! [`crate::second_level::checkpoints`]: look k by Holm at α / (k (k + 1)), so that looking at
//! every doubling keeps a good generator's chance of being "caught" anywhere below α = 0.01.
//! The first look that fails is the detection length, and reading stops there. Nothing is read
//! twice; sources are searched in parallel.
use super::log2_floor;
use crate::audit::{checkpointed, LookPlan};
use crate::battery::{Setup, Test, DEFAULT};
use crate::report::write_atomically;
use crate::runner;
use crate::second_level::checkpoints::is_checkpoint;
use crate::second_level::Verdict;
use crate::seeds::stream_seed;
use crate::size::format_size;
use crate::source::{Kind, Source, SymbolStream, SOURCES};
use crate::Error;
use rayon::prelude::*;
use std::path::Path;

/// The shortest length tried, 2^10 bytes, where PractRand starts too.
pub const MIN_LOG2: u32 = 10;
/// The default longest length, 2^30 bytes.
pub const DEFAULT_MAX_LOG2: u32 = 30;
/// File name of the detection table, inside the output directory.
pub const DETECTION_FILE: &str = "detection.csv";
/// Columns of [`DETECTION_FILE`], one row per source searched.
pub const DETECTION_HEADER: [&str; 4] = ["source", "fails_at_bytes", "log2", "first_failing_tests"];

/// What the search found for one source.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Detection {
    /// The source's name (or the input's: a path, `stdin`).
    pub source: String,
    /// The shortest power-of-two length at which the battery said `fail`; `None` if it never
    /// did up to `tested_up_to`.
    pub fails_at: Option<u64>,
    /// The failing cells at that length, by display name.
    pub failing_tests: Vec<String>,
    /// The longest length tried.
    pub tested_up_to: u64,
}

impl Detection {
    /// log2 of the detection length.
    pub fn log2(&self) -> Option<u32> {
        self.fails_at.and_then(log2_floor)
    }
}

/// Every built-in control, in registry order.
pub fn controls() -> Vec<&'static Source> {
    SOURCES.iter().filter(|s| s.kind == Kind::Control).collect()
}

/// Finds, for each of `sources`, the first checkpoint from 2^10 up to `max_bytes` (rounded
/// down to a power of two) at which the default battery fails one stream seeded from
/// `master_seed`. `threads` as in [`crate::runner::Plan`] (0: one per core). Results follow
/// `sources`' order.
///
/// This is the entry point `report` calls: `detect(&controls(), 1 << 30, seed, threads)`.
pub fn detect(
    sources: &[&'static Source],
    max_bytes: u64,
    master_seed: u64,
    threads: usize,
) -> Result<Vec<Detection>, Error> {
    let max_bytes = checked_max(max_bytes)?;
    let search_one = |source: &&'static Source, threads| {
        let seed = stream_seed(master_seed, source.name, 0);
        let mut stream = (source.open)(seed);
        search(
            stream.as_mut(),
            (source.name, source.kind, source.alphabet),
            max_bytes,
            threads,
        )
    };
    let pool = runner::thread_pool(threads)?;
    if sources.len() < pool.current_num_threads() {
        // Too few sources to fill the threads: each stream is cut into segments analysed on
        // all of them, one source after another.
        return sources.iter().map(|s| search_one(s, threads)).collect();
    }
    pool.install(|| sources.par_iter().map(|s| search_one(s, 1)).collect())
}

/// The largest power of two up to `max_bytes`, which must reach the first checkpoint.
fn checked_max(max_bytes: u64) -> Result<u64, Error> {
    match log2_floor(max_bytes) {
        Some(log2) if log2 >= MIN_LOG2 => Ok(1 << log2),
        _ => Err(Error::InvalidSetting {
            setting: "max_bytes",
            reason: format!(
                "must be at least {} (2^{MIN_LOG2} bytes)",
                format_size(1 << MIN_LOG2)
            ),
        }),
    }
}

/// The first failing checkpoint of one stream (a source's, or a user's input of `Kind::External`)
/// read once up to `max_bytes`, rounded down to a power of two. An input that ends earlier is
/// searched as far as its last whole checkpoint. The stream's segments are analysed on `threads`
/// worker threads (0: one per core); results do not depend on it.
pub fn search(
    stream: &mut dyn SymbolStream,
    (name, kind, alphabet): (&str, Kind, u16),
    max_bytes: u64,
    threads: usize,
) -> Result<Detection, Error> {
    let max_bytes = checked_max(max_bytes)?;
    let tests: Vec<&'static Test> = DEFAULT.iter().collect();
    let mut plan = LookPlan {
        keep_going: false,
        callback: None,
        progress: &|_| {},
        threads,
    };
    let (_, looks) = checkpointed(
        stream,
        (name, kind),
        max_bytes,
        &tests,
        &Setup::new(alphabet, None),
        &mut plan,
    )?;
    // Power speaks of doublings: the end of an input shorter than the maximum is not one.
    let doublings = || looks.iter().filter(|look| is_checkpoint(look.bytes));
    let first_fail = doublings().find(|look| look.verdict == Verdict::Fail);
    Ok(Detection {
        source: name.to_string(),
        fails_at: first_fail.map(|look| look.bytes),
        failing_tests: first_fail
            .map(|look| {
                look.failing
                    .iter()
                    .map(|(test, _, _)| test.clone())
                    .collect()
            })
            .unwrap_or_default(),
        tested_up_to: doublings().next_back().map_or(0, |look| look.bytes),
    })
}

/// The detections as one JSON document (`rngaudit power --json`), in the envelope every
/// `--json` document shares (`kind: "power"`, with `caveat` and `provenance`).
pub fn to_json(
    detections: &[Detection],
    provenance: &crate::provenance::Provenance,
) -> serde_json::Value {
    let rows: Vec<_> = detections
        .iter()
        .map(|d| {
            serde_json::json!({
                "source": d.source,
                "fails_at_bytes": d.fails_at,
                "log2": d.log2(),
                "first_failing_tests": d.failing_tests,
                "tested_up_to_bytes": d.tested_up_to,
            })
        })
        .collect();
    let body = serde_json::json!({
        "command": "power",
        "detections": rows,
    });
    crate::report::json::document(crate::report::json::DocumentKind::Power, body, provenance)
}

/// The detections as a table for the terminal.
pub fn render(detections: &[Detection]) -> String {
    let rows: Vec<[String; 4]> = detections
        .iter()
        .map(|d| match d.fails_at {
            Some(bytes) => [
                d.source.clone(),
                format_size(bytes),
                d.log2().map_or_else(String::new, |l| format!("2^{l}")),
                d.failing_tests.join(", "),
            ],
            None => [
                d.source.clone(),
                format!("> {}", format_size(d.tested_up_to)),
                "-".to_string(),
                "not caught".to_string(),
            ],
        })
        .collect();
    let header = [
        "source".to_string(),
        "fails at".to_string(),
        "log2".to_string(),
        "first failing tests".to_string(),
    ];
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let line = format!(
            "{:<w0$}  {:>w1$}  {:>w2$}  {}",
            row[0],
            row[1],
            row[2],
            row[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Writes `detection.csv` into `dir` through a temporary file renamed into place; a source
/// never caught has empty `fails_at_bytes` and `log2`.
pub fn write_csv(detections: &[Detection], dir: &Path) -> Result<(), Error> {
    write_atomically(&dir.join(DETECTION_FILE), |out| {
        let mut csv = ::csv::WriterBuilder::new()
            .has_headers(false)
            .terminator(::csv::Terminator::Any(b'\n'))
            .from_writer(out);
        csv.write_record(DETECTION_HEADER)?;
        for d in detections {
            csv.write_record([
                d.source.clone(),
                d.fails_at.map(|b| b.to_string()).unwrap_or_default(),
                d.log2().map(|l| l.to_string()).unwrap_or_default(),
                d.failing_tests.join(";"),
            ])?;
        }
        csv.flush()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_control_is_caught_within_a_mebibyte() {
        // Fixed seed, so deterministic. The controls' defects are gross: each is caught at a
        // few KiB (see detection.csv); 1 MiB leaves room for a change of seed.
        let detections = detect(&controls(), 1 << 20, 0, 0).unwrap();
        assert_eq!(detections.len(), controls().len());
        for d in &detections {
            assert!(d.fails_at.is_some(), "{} not caught by 1M", d.source);
            assert!(!d.failing_tests.is_empty());
            assert_eq!(d.tested_up_to, d.fails_at.unwrap_or(0));
        }
        let table = render(&detections);
        assert!(table.starts_with("source"));
        assert_eq!(table.lines().count(), 1 + detections.len());
    }

    #[test]
    fn a_good_generator_is_not_caught() {
        // chacha20 at 2^10 ... 2^16 bytes: seven looks whose levels sum to under 0.01, so a
        // false alarm has probability below 1% for a fresh seed; this seed is fixed.
        let chacha = crate::source::find("chacha20").unwrap();
        let detections = detect(&[chacha], 1 << 16, 0, 1).unwrap();
        assert_eq!(detections[0].fails_at, None, "{:?}", detections[0]);
        assert_eq!(detections[0].tested_up_to, 1 << 16);
        assert!(render(&detections).contains("not caught"));
    }

    #[test]
    fn too_small_a_maximum_is_an_invalid_setting() {
        assert!(matches!(
            detect(&controls(), 1000, 0, 1),
            Err(Error::InvalidSetting {
                setting: "max_bytes",
                ..
            })
        ));
    }

    #[test]
    fn csv_has_one_row_per_source() {
        let dir = tempfile::tempdir().unwrap();
        let rows = [
            Detection {
                source: "a".to_string(),
                fails_at: Some(4096),
                failing_tests: vec!["frequency".into(), "runs".into()],
                tested_up_to: 4096,
            },
            Detection {
                source: "b".to_string(),
                fails_at: None,
                failing_tests: Vec::new(),
                tested_up_to: 1 << 30,
            },
        ];
        write_csv(&rows, dir.path()).unwrap();
        let document = to_json(&rows, &crate::provenance::fixture());
        assert_eq!(document["kind"], "power");
        assert_eq!(document["command"], "power");
        assert_eq!(document["caveat"], crate::report::json::CAVEAT);
        assert_eq!(document["provenance"]["cpu"], "Test CPU");
        assert_eq!(document["detections"][0]["log2"], 12);
        assert!(document["detections"][1]["fails_at_bytes"].is_null());
        let text = std::fs::read_to_string(dir.path().join(DETECTION_FILE)).unwrap();
        assert_eq!(
            text,
            "source,fails_at_bytes,log2,first_failing_tests\na,4096,12,frequency;runs\nb,,,\n"
        );
    }
}
