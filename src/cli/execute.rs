//! Running a configured audit for the commands that read a battery (`run`, `file`, NIST's
//! sequences) and turning its report into the exit status. Kept out of `commands.rs` because
//! those commands live in their own files and `commands.rs` dispatches to them: importing
//! back from the dispatcher would close a circle.

use super::args::CommonArgs;
use super::output::{print_stdout, progress_bar};
use super::status::{EXIT_OK, EXIT_STATISTICAL_FAILURE, EXIT_USAGE};
use anyhow::Result;
use rngaudit::battery::Params;
use rngaudit::report::{self, Report};
use rngaudit::second_level::Verdict;
use rngaudit::Audit;
use std::process::ExitCode;

/// The settings `run` and `file` share: tests, parameters, threads.
pub(super) fn configure(
    mut audit: Audit,
    tests: Option<&str>,
    common: &CommonArgs,
) -> Result<Audit> {
    if let Some(list) = tests {
        audit = audit.tests(list.split(','));
    }
    for assignment in &common.params {
        let (key, value) = Params::parse_assignment(assignment)?;
        audit = audit.param(&key, value);
    }
    if let Some(bits) = common.word {
        audit = audit.word(bits);
    }
    Ok(audit.threads(common.threads))
}

/// Whether each checkpoint's line goes to stdout as it is taken.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum LookLines {
    /// No lines (stdout holds a document, or nothing is read with checkpoints).
    Quiet,
    /// One input: the line as it is.
    Plain,
    /// Several sources: each line starts with its source's name.
    Named,
}

/// Runs an audit with a progress bar on stderr (when it is a terminal), which names the last
/// checkpoint passed. Each checkpoint's line goes to stdout as it is taken as `lines` says (the
/// bar steps aside for it).
pub(super) fn execute(audit: Audit, lines: LookLines) -> Result<Report> {
    let bar = progress_bar(audit.planned_bytes()?.unwrap_or(0));
    let counter = bar.clone();
    let status = bar.clone();
    let audit = audit.on_checkpoint(move |look| {
        status.set_message(format!(
            "; last checkpoint {}: {}",
            rngaudit::size::format_size(look.bytes),
            look.verdict.as_str()
        ));
        let line = match lines {
            LookLines::Quiet => return,
            LookLines::Plain => look.line(),
            LookLines::Named => format!("{}: {}", look.source, look.line()),
        };
        // A closed stdout ends the lines; the report's own writing says so.
        status.suspend(|| {
            let _ = print_stdout(&format!("{line}\n"));
        });
    });
    let mut report = audit.progress(move |bytes| counter.inc(bytes)).run()?;
    bar.finish_and_clear();
    report.command = Some(command_line());
    Ok(report)
}

/// `--shard I/N --state-out FILE`: runs the audit's shard and writes its state; says on stderr
/// what it covered. A shard judges nothing: its status is 0 once its state is written.
pub(super) fn run_shard(
    audit: Audit,
    shard: &str,
    state_out: &std::path::Path,
) -> Result<ExitCode> {
    let shard = rngaudit::shard::Shard::parse(shard)?;
    let state = audit.run_shard(shard)?;
    state.write(state_out)?;
    eprintln!(
        "rngaudit: {}; state written to {}",
        state.summary(),
        state_out.display()
    );
    Ok(ExitCode::from(EXIT_OK))
}

/// A shard writes a state, not a report: flags that ask for a report are refused with it, and
/// `--shard` and `--state-out` come together.
pub(super) fn check_shard_flags(
    shard: Option<&str>,
    state_out: Option<&std::path::Path>,
    common: &CommonArgs,
) -> Result<()> {
    match (shard, state_out) {
        (None, None) => return Ok(()),
        (Some(_), None) => {
            anyhow::bail!("--shard I/N needs --state-out FILE, where the shard's state goes")
        }
        (None, Some(_)) => {
            anyhow::bail!("--state-out FILE needs --shard I/N: only a shard writes a state")
        }
        (Some(_), Some(_)) => {}
    }
    let output = &common.output;
    if output.out.is_some() || !output.formats.is_empty() || output.json {
        anyhow::bail!(
            "--shard writes a partial state (--state-out), not a report; give --out, --format \
             or --json to `rngaudit merge`"
        );
    }
    Ok(())
}

/// This process's command line as a shell would take it back: `rngaudit` and each argument,
/// quoted where the shell would otherwise split or expand it.
pub(super) fn command_line() -> String {
    let quote = |arg: String| {
        let plain = !arg.is_empty()
            && arg
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-./=:,+@%".contains(c));
        if plain {
            arg
        } else {
            format!("'{}'", arg.replace('\'', r"'\''"))
        }
    };
    std::iter::once("rngaudit".to_string())
        .chain(std::env::args().skip(1).map(quote))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The library words its errors without the command line's flags (it has other callers); every
/// command's error passes through here on its way to stderr, and the ones a flag set are worded
/// with that flag. Only a library error at the top of the chain is reworded: one under a
/// context is printed with that context, which already says where it came from.
pub(super) fn flag_wording(error: anyhow::Error) -> anyhow::Error {
    let on_top = error
        .chain()
        .next()
        .is_some_and(|top| top.is::<rngaudit::Error>());
    if !on_top {
        return error;
    }
    match error.downcast::<rngaudit::Error>() {
        Ok(error) => library_error(error),
        Err(error) => error,
    }
}

fn library_error(error: rngaudit::Error) -> anyhow::Error {
    use rngaudit::Error;
    // Exhaustive on purpose: a new kind of library error has to be looked at here, to decide
    // whether a flag set what it is about.
    match error {
        Error::InvalidSetting { setting, reason } => {
            anyhow::anyhow!("{} {reason}", flag(setting))
        }
        Error::InvalidParam { param, reason } => anyhow::anyhow!("--param '{param}': {reason}"),
        Error::NoTests => anyhow::anyhow!("--tests names no test"),
        error @ Error::TooShortForSequence { .. } => {
            anyhow::anyhow!("{error} (lower --seq-bits or bring more data)")
        }
        Error::UnknownLength { input, streams } => anyhow::anyhow!(
            "--streams {streams} on {input} needs --bytes to know where to cut the input"
        ),
        // These name what the user wrote (a source, test or battery name, a size, a path) or
        // what the input lacks, which the user recognises without the flag.
        error @ (Error::UnknownSource { .. }
        | Error::UnknownTest { .. }
        | Error::UnknownBattery { .. }
        | Error::InvalidSize { .. }
        | Error::Usage(_)
        | Error::Write { .. }
        | Error::Read { .. }
        | Error::NotApplicable { .. }
        | Error::UnknownFormat { .. }
        | Error::FormatNotApplicable { .. }
        | Error::TooShortToCut { .. }
        | Error::NothingToTest { .. }
        // A saved test state: no flag reads one yet.
        | Error::CannotSeek { .. }
        | Error::Shard(_)
        | Error::State(_)) => error.into(),
    }
}

/// The flag that sets a library setting: the setting's name with dashes (`seq_bits` is
/// `--seq-bits`), except where the flag is shorter than the library's name.
fn flag(setting: &str) -> String {
    match setting {
        "max_bytes" => "--max".to_string(),
        other => format!("--{}", other.replace('_', "-")),
    }
}

/// The exit status of a finished run: 1 when a source that was tested did not come out as
/// expected, else 2 when a source could not be tested at all (too little data, or no selected
/// test applies), saying why in one line on stderr, else 0. Untested data is never a silent
/// success: a CI gate fed a truncated capture stops.
pub(super) fn exit_code(report: &Report) -> ExitCode {
    let failed = report
        .sources
        .iter()
        .any(|s| s.verdict != Verdict::Skipped && !s.as_expected());
    if failed {
        return ExitCode::from(EXIT_STATISTICAL_FAILURE);
    }
    let untested: Vec<String> = report
        .sources
        .iter()
        .filter(|s| s.verdict == Verdict::Skipped)
        .map(|s| {
            format!(
                "{}: {}",
                s.source,
                report::terminal::untested_reason(report, s)
            )
        })
        .collect();
    if untested.is_empty() {
        ExitCode::from(EXIT_OK)
    } else {
        eprintln!("rngaudit: {}", untested.join("; "));
        ExitCode::from(EXIT_USAGE)
    }
}
