//! `rngaudit calibrate`: a battery (`--battery`, the default one unless told) on many streams of a good generator, to measure
//! each test's rejection rate and p-value uniformity and the verdict rule's false-fail rate
//! (the library part is `rngaudit::verify::calibration`). Exit code 1 when a test is
//! miscalibrated or the rule fails good sources more often than 1%.

use super::args::CalibrateArgs;
use super::output::{prepare_dir, print_stdout, progress_bar};
use super::status::{EXIT_OK, EXIT_STATISTICAL_FAILURE};
use anyhow::Result;
use rngaudit::provenance::Provenance;
use rngaudit::verify::calibration::{self, CalibrationPlan};
use std::process::ExitCode;

/// `calibrate --quick`: enough streams for each test's rate, few mini-reports (1 GiB in all).
const QUICK_STREAMS: u32 = 1000;
const QUICK_REPORTS: u32 = 10;

pub fn run(args: CalibrateArgs) -> Result<ExitCode> {
    let source = calibration::find_source(&args.source)?;
    let bytes = args.bytes.unwrap_or(calibration::REPORT_STREAM_BYTES);
    let (default_streams, default_reports) = if args.quick {
        (QUICK_STREAMS, QUICK_REPORTS)
    } else {
        (calibration::DEFAULT_STREAMS, calibration::DEFAULT_REPORTS)
    };
    let battery = rngaudit::battery::find_battery(&args.battery)?;
    if battery.consumes != rngaudit::battery::Consumes::Streams {
        return Err(rngaudit::Error::Usage(format!(
            "calibrate runs batteries of streaming tests (default, deep); {} is not one",
            battery.name
        ))
        .into());
    }
    let plan = CalibrationPlan {
        battery,
        source,
        streams: args.streams.unwrap_or(default_streams),
        bytes,
        reports: args.reports.unwrap_or(default_reports),
        master_seed: args.seed,
        threads: args.threads,
    };
    // An unusable output directory is found before minutes of work, not after.
    if let Some(dir) = &args.out {
        prepare_dir(dir)?;
    }
    let bar = progress_bar(bytes.saturating_mul(plan.total_streams()));
    let result = calibration::calibrate(&plan, &|symbols| bar.inc(symbols))?;
    bar.finish_and_clear();
    if let Some(dir) = &args.out {
        calibration::write_files(&result, dir)?;
    }
    if args.json {
        let document = calibration::json_document(&result, &Provenance::collect(args.threads));
        print_stdout(&format!("{}\n", serde_json::to_string_pretty(&document)?))?;
    } else {
        print_stdout(&calibration::render(&result))?;
    }
    if let Some(dir) = &args.out {
        eprintln!("rngaudit: calibration written to {}", dir.display());
    }
    Ok(ExitCode::from(if result.as_expected() {
        EXIT_OK
    } else {
        EXIT_STATISTICAL_FAILURE
    }))
}
