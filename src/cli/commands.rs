//! One function per subcommand. Each builds a plan from its arguments, runs it through the
//! library and hands the report to the sinks; the exit code says whether every source came
//! out as expected.

use super::args::{Cli, Command, DumpArgs, ReportArgs, RunArgs};
use super::execute::{check_shard_flags, configure, execute, exit_code, run_shard, LookLines};
use super::formats::Outputs;
use super::output::{prepare_dir, print_stdout};
use super::status::{EXIT_OK, EXIT_STATISTICAL_FAILURE};
use anyhow::{Context, Result};
use rngaudit::battery::{self, Consumes};
use rngaudit::bench;
use rngaudit::report;
use rngaudit::source::{self, SOURCES};
use rngaudit::verify::calibration::{self, CalibrationPlan};
use rngaudit::verify::power;
use rngaudit::Audit;
use std::io::Write;
use std::process::ExitCode;

/// The default plan of `report`: every source, the default battery, 100 streams of 1 MiB
/// (`calibration::REPORT_STREAM_BYTES`).
pub const REPORT_STREAMS: u32 = 100;
/// `report --quick`: the same tests on 20 streams.
pub const QUICK_STREAMS: u32 = 20;
/// The longest length at which `report` looks for a control's first failure (2^30 bytes).
pub const POWER_MAX_BYTES: u64 = 1 << 30;
/// The longest length the deep battery's power search reads in `report`: PractRand's latest
/// first failure on these generators is at 32 MiB, and the deep battery's is below 1 MiB.
pub const DEEP_POWER_MAX_BYTES: u64 = 64 << 20;
/// The calibration every report carries (`calibration.csv`): the per-test part of a default
/// `rngaudit calibrate` (1000 streams of chacha20) and 20 mini-reports for the verdict rule.
/// 2000 MiB in all: 6.5 s of CPU time on the 2-core AMD EPYC VM where `report` was timed
/// (15 s wall while other builds shared it), against the minute the bench alone takes.
pub const CALIBRATION_STREAMS: u32 = 1000;
pub const CALIBRATION_REPORTS: u32 = 20;
/// `report --quick`: one mini-report's 100 streams.
pub const QUICK_CALIBRATION_STREAMS: u32 = 100;
pub const QUICK_CALIBRATION_REPORTS: u32 = 1;

pub fn dispatch(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::List => list(),
        Command::Run(args) => run(args),
        Command::Report(args) => report_command(args),
        Command::Dump(args) => dump(args),
        Command::Calibrate(args) => super::calibrate::run(args),
        Command::Power(args) => super::power::run(args),
        Command::File(args) => super::file::run(args),
        Command::Merge(args) => super::merge::run(args),
        Command::Bench(args) => super::bench::run(args),
        Command::Tokens(args) => super::tokens::run(args),
    }
}

fn list() -> Result<ExitCode> {
    let mut out = String::new();
    out.push_str("SOURCES (name, kind, alphabet, what it is; the tests expected to catch it)\n");
    let name_width = SOURCES.iter().map(|s| s.name.len()).max().unwrap_or(0);
    for source in SOURCES {
        let caught = match source.caught_by {
            [] => String::new(),
            tests => format!(" [caught by {}]", tests.join(", ")),
        };
        out.push_str(&format!(
            "  {:<name_width$} {:<8} {:>4}  {}{caught}\n",
            source.name,
            source.kind.as_str(),
            source.alphabet,
            source.summary
        ));
    }
    for battery in battery::BATTERIES {
        out.push_str(&format!(
            "\nBATTERY {} ({})\n",
            battery.name, battery.summary
        ));
        if battery.consumes == Consumes::Figures {
            out.push_str("  (figures from one pass over each input; no tests, no verdict)\n");
        }
        for test in battery.tests {
            out.push_str(&format!(
                "  {:<24} {}  [{}]\n",
                test.name, test.summary, test.reference
            ));
        }
    }
    out.push_str(
        "\nCALIBRATED LAWS (tables measured on a good generator, where no law is known)\n",
    );
    for table in battery::CALIBRATION_TABLES {
        out.push_str(&format!("  {:<24} {}\n", table.test, table.path));
        for line in table.provenance() {
            out.push_str(&format!("  {:<24}   {line}\n", ""));
        }
    }
    out.push_str("\nFORMATS (--format; files written under --out DIR)\n");
    for sink in report::FORMATS {
        out.push_str(&format!("  {:<12} {}\n", sink.name(), sink.summary()));
    }
    print_stdout(&out)?;
    Ok(ExitCode::from(EXIT_OK))
}

fn run(args: RunArgs) -> Result<ExitCode> {
    let sources = if args.sources.is_empty() {
        SOURCES.iter().collect()
    } else {
        args.sources
            .iter()
            .map(|name| source::find(name))
            .collect::<Result<Vec<_>, _>>()?
    };
    let battery = battery::find_battery(&args.battery)?;
    check_shard_flags(
        args.shard.as_deref(),
        args.state_out.as_deref(),
        &args.common,
    )?;
    let audit = Audit::sources(sources.iter().map(|s| s.name))
        .battery(battery.name)
        .bytes(args.bytes)
        .streams(args.streams)
        .seed(args.seed)
        .seq_bits(args.nist.seq_bits)
        .seqs(args.nist.seqs)
        // One stream per source is judged at every doubling, as `file` judges its input;
        // several streams per source get the second level across them (one look).
        .checkpoints(true)
        .keep_going(args.keep_going);
    let audit = configure(audit, args.tests.as_deref(), &args.common)?;
    if let (Some(shard), Some(state_out)) = (&args.shard, &args.state_out) {
        return run_shard(audit, shard, state_out);
    }
    let outputs = Outputs::plan(&args.common.output, battery.consumes)?;
    let lines = if outputs.shows_terminal() && args.streams == 1 {
        LookLines::Named
    } else {
        LookLines::Quiet
    };
    let report = execute(audit, lines)?;
    outputs.deliver(&report)?;
    Ok(exit_code(&report))
}

fn report_command(args: ReportArgs) -> Result<ExitCode> {
    let audit = Audit::sources(SOURCES.iter().map(|s| s.name))
        .battery("default")
        .bytes(calibration::REPORT_STREAM_BYTES)
        .streams(if args.quick {
            QUICK_STREAMS
        } else {
            REPORT_STREAMS
        })
        .seed(args.seed)
        .threads(args.threads);
    // A bad --out is found before the run, not after it.
    prepare_dir(&args.out)?;
    let mut report = execute(audit, LookLines::Quiet)?;
    report.command = Some(report::markdown::REGENERATE.to_string());
    let mut deep_as_expected = true;
    publish(&args.out, |staging| {
        let default = power::stream_battery("default")?;
        let mut detections = power::detect(
            default,
            &power::controls_judged_by(default),
            POWER_MAX_BYTES,
            args.seed,
            args.threads,
        )?;
        // Every built-in source through the deep battery: its verdict and, for what it
        // catches, the first length, beside PractRand's first failures.
        let deep = power::stream_battery("deep")?;
        let every_source: Vec<_> = rngaudit::source::SOURCES.iter().collect();
        eprintln!(
            "rngaudit: searching every source with the deep battery, up to {}",
            rngaudit::size::format_size(DEEP_POWER_MAX_BYTES)
        );
        let judgements = power::judge(
            deep,
            &every_source,
            DEEP_POWER_MAX_BYTES,
            args.seed,
            args.threads,
        )?;
        // The power section shows where what must be caught was caught; detection.csv has
        // every search, the sound generators' included.
        let mut caught_rows = detections.clone();
        caught_rows.extend(
            judgements
                .iter()
                .filter(|j| j.expected == power::Expectation::Caught)
                .filter_map(|j| j.detection.clone()),
        );
        detections.extend(judgements.iter().filter_map(|j| j.detection.clone()));
        power::write_verdicts_csv(&judgements, staging)?;
        deep_as_expected = judgements.iter().all(power::Judgement::as_expected);
        power::write_csv(&detections, staging)?;
        report.appendix.push(power_section(&caught_rows));
        report.appendix.push(deep_section(&judgements));
        eprintln!("rngaudit: calibrating the battery on chacha20 for calibration.csv");
        let (streams, reports) = if args.quick {
            (QUICK_CALIBRATION_STREAMS, QUICK_CALIBRATION_REPORTS)
        } else {
            (CALIBRATION_STREAMS, CALIBRATION_REPORTS)
        };
        let plan = CalibrationPlan {
            battery: rngaudit::battery::find_battery("default")?,
            source: calibration::find_source("chacha20")?,
            streams,
            bytes: calibration::REPORT_STREAM_BYTES,
            reports,
            master_seed: calibration::DEFAULT_SEED,
            threads: args.threads,
        };
        let calibrated = calibration::calibrate(&plan, &|_| {})?;
        calibration::write_files(&calibrated, staging)?;
        report.appendix.push(calibration::markdown_section(
            &calibrated,
            &calibrate_command(&plan),
        ));
        eprintln!("rngaudit: timing the generators for throughput.csv");
        let speed = bench::run_for_report(staging, args.quick)?;
        for note in &speed.notes {
            eprintln!("rngaudit: {note}");
        }
        for warning in bench::output::spread_warnings(&speed) {
            eprintln!("rngaudit: {warning}");
        }
        report.appendix.push(speed_section(&speed));
        for sink in report::sinks_for(report::REPORT_FORMATS, Consumes::Streams)? {
            sink.write(&report, staging)?;
        }
        Ok(())
    })?;
    print_stdout(&report::terminal::render(&report))?;
    eprintln!("rngaudit: reports written to {}", args.out.display());
    if !deep_as_expected {
        eprintln!(
            "rngaudit: a source did not come out of the deep battery as expected ({})",
            power::VERDICTS_FILE
        );
        return Ok(ExitCode::from(EXIT_STATISTICAL_FAILURE));
    }
    Ok(exit_code(&report))
}

fn dump(args: DumpArgs) -> Result<ExitCode> {
    let source = source::find(&args.source)?;
    // --skip starts the stream there through the source's jump ahead, never by generating and
    // dropping the bytes before (a dump from 1 TiB on costs what a dump from 0 does).
    let mut stream = match args.skip {
        Some(skip) => source::open_at(source, args.seed, skip)?,
        None => (source.open)(args.seed),
    };
    let mut buffer = vec![0u8; 1 << 16];
    let mut remaining = args.bytes.unwrap_or(u64::MAX);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    while remaining > 0 {
        let want = remaining.min(buffer.len() as u64) as usize;
        let got = stream
            .fill(&mut buffer[..want])
            .with_context(|| format!("reading source {}", source.name))?;
        match out.write_all(&buffer[..got]) {
            Ok(()) => {}
            // The reader closed the pipe (`| head`): that ends a dump, it is not an error.
            Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => {
                return Ok(ExitCode::from(EXIT_OK))
            }
            Err(error) => return Err(error).context("writing to stdout"),
        }
        remaining -= got as u64;
    }
    match out.flush() {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(error).context("writing to stdout")
        }
        _ => Ok(ExitCode::from(EXIT_OK)),
    }
}

/// Writes a set of report files into a staging directory inside `out`, then renames each into
/// place: a run that is killed or fails before the end leaves the previous reports untouched
/// (at worst a `.staging-PID` directory behind), and readers never see a half-written file.
pub(super) fn publish(
    out: &std::path::Path,
    write: impl FnOnce(&std::path::Path) -> Result<()>,
) -> Result<()> {
    let staging = out.join(format!(".staging-{}", std::process::id()));
    std::fs::create_dir_all(&staging)
        .with_context(|| format!("cannot create output directory {}", staging.display()))?;
    let result = write(&staging).and_then(|()| {
        for entry in std::fs::read_dir(&staging)? {
            let entry = entry?;
            let target = out.join(entry.file_name());
            std::fs::rename(entry.path(), &target)
                .with_context(|| format!("cannot write {}", target.display()))?;
        }
        Ok(())
    });
    let _ = std::fs::remove_dir_all(&staging);
    result
}

/// `reports/README.md`'s section on power: where each control is first caught.
fn power_section(detections: &[power::Detection]) -> String {
    let mut text = String::from(
        "## Power: where each control is first caught\n\n\
         One stream per control, read once and judged at every doubling from 2^10 bytes (look k \
         by Holm at α/(k(k+1)), so that looking often keeps false alarms under α); the first \
         length at which the battery says `fail` (as `rngaudit power` prints it; \
         `detection.csv`). The controls the default battery is meant to catch are searched \
         with it; the weak generators and MT19937, whose defects only the deep battery sees, \
         with the deep battery (its tests are the ones named), beside PractRand 0.95's first \
         failure with `-te 1 -tf 2` on the same generator (its reference seed, not this \
         stream's). For orientation, PractRand 0.95 also catches a 32-bit counter and RANDU's \
         low byte at 2^10 bytes and 0.51-biased bits at 2^14–2^16.\n\n\
         | control | fails at | first failing tests | PractRand |\n| --- | --- | --- | --- |\n",
    );
    for detection in detections {
        let at = match (detection.fails_at, detection.log2()) {
            (Some(bytes), Some(log2)) => format!("2^{log2} bytes ({bytes})"),
            (Some(bytes), None) => format!("{bytes} bytes"),
            _ => format!(
                "not caught up to {}",
                rngaudit::size::format_size(detection.tested_up_to)
            ),
        };
        let practrand = match detection.practrand() {
            Some(run) => match run.fails_at {
                Some(bytes) => rngaudit::size::format_size(bytes),
                None => format!(
                    "no failure up to {}",
                    rngaudit::size::format_size(run.tested_up_to)
                ),
            },
            None => String::new(),
        };
        text.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            detection.source,
            at,
            detection.failing_tests.join(", "),
            practrand
        ));
    }
    text
}

/// `reports/README.md`'s section on the deep battery: every built-in source's verdict, where it
/// was first caught, and PractRand's first failure beside it (`deep_verdicts.csv`).
fn deep_section(judgements: &[power::Judgement]) -> String {
    let mut text = format!(
        "## The deep battery on every source\n\n\
         One stream per source, read once up to {} and judged at every doubling from 2^10 \
         bytes, stopping at the first failing look (`rngaudit power --battery deep SOURCE`; \
         `deep_verdicts.csv`). Controls must be caught; sound generators must pass. MT19937 is \
         expected to fail its linearity test (lane_complexity) and pass the others, which are \
         searched on their own: the README's warning that it is predictable, made measurable. \
         A pass means only that these tests found nothing at this length.\n\n\
         | source | expected | fails at | first failing tests | PractRand | verdict |\n\
         | --- | --- | --- | --- | --- | --- |\n",
        rngaudit::size::format_size(DEEP_POWER_MAX_BYTES)
    );
    for judgement in judgements {
        let expected = match &judgement.expected {
            power::Expectation::Caught => "fail",
            power::Expectation::Passes => "pass",
            power::Expectation::NotJudged(_) => "-",
        };
        let (at, tests) = match &judgement.detection {
            Some(d) => match d.fails_at {
                Some(bytes) => (
                    rngaudit::size::format_size(bytes),
                    d.failing_tests.join(", "),
                ),
                None => (
                    format!("> {}", rngaudit::size::format_size(d.tested_up_to)),
                    String::new(),
                ),
            },
            None => (String::new(), String::new()),
        };
        let mut verdict = judgement.verdict_text();
        if let Some(rest) = &judgement.rest {
            verdict.push_str(&match rest.fails_at {
                Some(bytes) => format!(
                    "; its other tests fail at {}",
                    rngaudit::size::format_size(bytes)
                ),
                None => format!(
                    "; passes the other tests to {}",
                    rngaudit::size::format_size(rest.tested_up_to)
                ),
            });
        }
        let practrand =
            power::practrand(judgement.source).map_or_else(String::new, |run| match run.fails_at {
                Some(bytes) => rngaudit::size::format_size(bytes),
                None => format!("> {}", rngaudit::size::format_size(run.tested_up_to)),
            });
        text.push_str(&format!(
            "| {} | {expected} | {at} | {tests} | {practrand} | {verdict} |\n",
            judgement.source
        ));
    }
    text
}

/// The `calibrate` command line that repeats a report's calibration, every setting spelled out
/// so that a later change of `calibrate`'s defaults does not change what it reproduces.
fn calibrate_command(plan: &CalibrationPlan) -> String {
    format!(
        "cargo run --release -- calibrate --source {} --streams {} --bytes {} --reports {} \
         --seed {}",
        plan.source.name,
        plan.streams,
        rngaudit::size::format_size(plan.bytes),
        plan.reports,
        plan.master_seed
    )
}

/// `reports/README.md`'s section on speed: the chart and this run's headline ratios.
fn speed_section(speed: &bench::Bench) -> String {
    let mut text = format!(
        "## Secure vs seeded: what randomness costs\n\n\
         Measured on {} ({} runs per figure, medians; `throughput.csv`, \
         `battery_throughput.csv`). Bars on a log axis: bulk rates on the left, cost per \
         16-byte request or per token on the right; Python's own calls beside Rust's.\n\n\
         ![throughput](throughput.png)\n\n",
        speed.cpu,
        speed.results.first().map_or(0, |row| row.runs)
    );
    if let Some(warning) = bench::output::spread_warnings(speed).first() {
        // The reader of the page should see what stderr said: these figures were disturbed.
        text.push_str(&format!(
            "Not steady: {}.\n\n",
            warning.trim_start_matches("warning: ")
        ));
    }
    for headline in bench::headlines(&speed.results) {
        text.push_str(&format!("- {}\n", headline.sentence()));
    }
    if let Some(whole) = speed
        .battery
        .iter()
        .find(|row| row.test == bench::battery::ONE_PASS)
    {
        text.push_str(&format!(
            "- the default battery analyses {:.0} MB/s on one core, in one pass over data in memory\n",
            whole.median_mb_per_s
        ));
    }
    if let Some(whole) = speed
        .battery
        .iter()
        .find(|row| row.test == bench::battery::DEEP_ONE_PASS)
    {
        text.push_str(&format!(
            "- the deep battery analyses {:.0} MB/s on one core, in one pass over 256 MiB in memory\n",
            whole.median_mb_per_s
        ));
    }
    text
}
