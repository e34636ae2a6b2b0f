//! `rngaudit file PATH|-`: a battery on bytes the user brings. The input is read once, in
//! chunks; with `--streams K` it is cut into K consecutive segments that get the second-level
//! analysis, and with one stream the family-wise rule decides across the battery's tests.

use super::args::{FileArgs, FormatArg};
use super::commands::{
    build_report, exit_code, parse_params, prepare_dir, print_stdout, progress_bar,
};
use anyhow::Result;
use rngaudit::battery::{self, Setup};
use rngaudit::provenance::Provenance;
use rngaudit::report::{self, Report, Sink};
use rngaudit::runner::run_segments;
use rngaudit::second_level::Verdict;
use rngaudit::source::external::{ExternalInput, Format};
use rngaudit::source::Kind;
use serde_json::json;
use std::process::ExitCode;

pub fn run(args: FileArgs) -> Result<ExitCode> {
    let format = match args.format {
        FormatArg::Bin => Format::Bin,
        FormatArg::Ascii01 => Format::Ascii01,
    };
    if args.battery == battery::ENT_BATTERY {
        return ent(&args, format);
    }
    let battery = battery::find_battery(&args.battery)?;
    let tests = battery::select(battery, args.tests.as_deref())?;
    let params = parse_params(&args.common, &tests)?;
    if args.streams == 0 {
        anyhow::bail!("--streams must be at least 1");
    }
    let mut input = ExternalInput::open(&args.path, format)?;
    if battery.name == "nist" {
        return super::nist::run_on_input(input, tests, params, &args.nist, &args.common);
    }
    let known_bytes = match format {
        Format::Bin => input.file_bytes,
        Format::Ascii01 => None,
    };
    let total = match (args.bytes, known_bytes) {
        (Some(limit), Some(size)) => Some(limit.min(size)),
        (limit, size) => limit.or(size),
    };
    let segment_bytes = if args.streams == 1 {
        total.unwrap_or(u64::MAX)
    } else {
        let Some(total) = total else {
            anyhow::bail!(
                "--streams {} on {} needs --bytes to know where to cut the input",
                args.streams,
                input.name
            );
        };
        let segment = total / u64::from(args.streams);
        if segment == 0 {
            anyhow::bail!(
                "{} bytes cannot be cut into {} streams",
                total,
                args.streams
            );
        }
        segment
    };
    let setup = Setup {
        alphabet: 256,
        length: (segment_bytes != u64::MAX).then_some(segment_bytes),
        params,
    };
    let bar = progress_bar(total.unwrap_or(0));
    let name = input.name.clone();
    let results = run_segments(
        &mut input,
        &setup,
        &tests,
        args.streams,
        segment_bytes,
        (&name, Kind::External),
        &|bytes| bar.inc(bytes),
    )?;
    bar.finish_and_clear();
    let analysed: u64 = results.iter().map(|r| r.bytes).sum();
    if analysed == 0 {
        match format {
            Format::Bin => anyhow::bail!("{name} is empty: there is nothing to test"),
            Format::Ascii01 => anyhow::bail!(
                "{name} has no whole byte of 0/1 digits (ascii01 reads only '0' and '1'): \
                 there is nothing to test"
            ),
        }
    }
    let streams = results.len() as u32;
    let report = build_report(
        battery.name,
        segment_bytes.min(analysed),
        streams,
        0,
        // The segments are read and analysed one after another, on this thread.
        1,
        results,
    );
    if let Some(dir) = &args.common.out {
        prepare_dir(dir)?;
        report::csv::CsvSink.write(&report, dir)?;
    }
    if args.common.json {
        let document = json_document(&report, analysed);
        print_stdout(&format!("{}\n", serde_json::to_string_pretty(&document)?))?;
    } else {
        print_stdout(&report::terminal::render(&report))?;
    }
    Ok(exit_code(&report))
}

/// `{"source", "bytes", "streams", "verdict", "tests": [{"test", "statistic", "p_value",
/// "holm_p", "verdict"}]}`: with one stream a test's statistic and p-value are the stream's;
/// with several the p-value is the cell's second-level p-value and the statistic is left out.
/// `holm_p` is the p-value adjusted over every measured test, the number the verdict follows.
/// The top-level verdict is `incomplete` when tests lacked data and none failed, and
/// `skipped` when none could run.
fn json_document(report: &Report, analysed: u64) -> serde_json::Value {
    let single = report.results.len() == 1;
    let tests: Vec<_> = report
        .cells
        .iter()
        .map(|cell| {
            let measured = report.results[0]
                .outcomes
                .iter()
                .find(|o| o.test == cell.test && o.label == cell.label)
                .and_then(|o| o.result.as_ref().ok());
            let mut row = json!({
                "test": cell.display_name(),
                "statistic": if single { measured.map(|m| m.statistic) } else { None },
                "p_value": if single { measured.map(|m| m.p_value) } else { cell.cell_p },
                "holm_p": cell.holm_p,
                "verdict": cell.verdict.as_str(),
            });
            if let Some(reason) = &cell.skip_reason {
                if cell.verdict == Verdict::Skipped {
                    row["skipped"] = json!(reason);
                }
            }
            row
        })
        .collect();
    let verdict = report
        .sources
        .first()
        .map_or(Verdict::Skipped.as_str(), |s| s.verdict_name());
    json!({
        "source": report.results[0].source,
        "bytes": analysed,
        "streams": report.results.len(),
        "verdict": verdict,
        "tests": tests,
        "caveat": report::json::CAVEAT,
        "provenance": report.provenance.to_json(),
    })
}

/// `--battery ent`: ENT's five figures, printed as `ent` prints them (or as JSON). ENT gives no
/// verdict, so the exit status is 0 whenever the input could be read.
fn ent(args: &FileArgs, format: Format) -> Result<ExitCode> {
    let mut input = ExternalInput::open(&args.path, format)?;
    let figures =
        rngaudit::ent::of_stream(&mut input, args.bytes, args.bits).map_err(|source| {
            rngaudit::Error::Read {
                what: input.name.clone(),
                source,
            }
        })?;
    if args.common.json {
        let mut document = serde_json::to_value(&figures)?;
        // ENT reads the input once, on this thread.
        Provenance::collect(1).attach(&mut document);
        print_stdout(&format!("{}\n", serde_json::to_string_pretty(&document)?))?;
    } else {
        print_stdout(&rngaudit::ent::render_like_ent(&figures, args.bits))?;
    }
    Ok(ExitCode::from(super::EXIT_OK))
}
