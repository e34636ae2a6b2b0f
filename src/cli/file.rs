//! `rngaudit file PATH|-`: a battery on bytes the user brings. The input is read once, in
//! chunks; with `--streams K` it is cut into K consecutive segments that get the second-level
//! analysis, and with one stream the family-wise rule decides across the battery's tests.

use super::args::{FileArgs, FormatArg};
use super::execute::{configure, execute, exit_code};
use super::output::{prepare_dir, print_stdout};
use anyhow::Result;
use rngaudit::battery::{self, Consumes, Selection};
use rngaudit::provenance::Provenance;
use rngaudit::report::{self, Report, Sink};
use rngaudit::second_level::Verdict;
use rngaudit::source::external::{ExternalInput, Format};
use rngaudit::Audit;
use serde_json::json;
use std::process::ExitCode;

pub fn run(args: FileArgs) -> Result<ExitCode> {
    let format = match args.format {
        FormatArg::Bin => Format::Bin,
        FormatArg::Ascii01 => Format::Ascii01,
    };
    let battery = match battery::resolve(&args.battery)? {
        Selection::Figures => return ent(&args, format),
        Selection::Tests(battery) => battery,
    };
    if args.streams == 0 {
        anyhow::bail!("--streams must be at least 1");
    }
    let input = ExternalInput::open(&args.path, format)?;
    let mut audit = Audit::external(input)
        .battery(battery.name)
        .streams(args.streams)
        .seq_bits(args.nist.seq_bits)
        .seqs(args.nist.seqs);
    if let Some(bytes) = args.bytes {
        audit = audit.bytes(bytes);
    }
    let audit = configure(audit, args.tests.as_deref(), &args.common)?;
    let report = execute(audit)?;
    if battery.consumes == Consumes::BitSequences {
        return super::nist::finish(&report, args.nist.seq_bits, &args.common);
    }
    if let Some(dir) = &args.common.out {
        prepare_dir(dir)?;
        report::csv::CsvSink.write(&report, dir)?;
    }
    if args.common.json {
        let document = json_document(&report);
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
fn json_document(report: &Report) -> serde_json::Value {
    let analysed: u64 = report.results.iter().map(|r| r.bytes).sum();
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
    Ok(ExitCode::from(super::status::EXIT_OK))
}
