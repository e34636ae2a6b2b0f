//! Running a configured audit for the commands that read a battery (`run`, `file`, NIST's
//! sequences) and turning its report into the exit status. Kept out of `commands.rs` because
//! those commands live in their own files and `commands.rs` dispatches to them: importing
//! back from the dispatcher would close a circle.

use super::args::CommonArgs;
use super::output::progress_bar;
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
    Ok(audit.threads(common.threads))
}

/// Runs an audit with a progress bar on stderr (when it is a terminal). The library words its
/// errors without the command line's flags; the ones a flag set are worded with the flag here.
pub(super) fn execute(audit: Audit) -> Result<Report> {
    let bar = progress_bar(audit.planned_bytes()?.unwrap_or(0));
    let counter = bar.clone();
    let mut report = audit
        .progress(move |bytes| counter.inc(bytes))
        .run()
        .map_err(flag_wording)?;
    bar.finish_and_clear();
    report.command = Some(command_line());
    Ok(report)
}

/// This process's command line as a shell would take it back: `rngaudit` and each argument,
/// quoted where the shell would otherwise split or expand it.
fn command_line() -> String {
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

fn flag_wording(error: rngaudit::Error) -> anyhow::Error {
    match error {
        rngaudit::Error::InvalidSetting { setting, reason } => {
            anyhow::anyhow!("--{} {reason}", setting.replace('_', "-"))
        }
        error @ rngaudit::Error::TooShortForSequence { .. } => {
            anyhow::anyhow!("{error} (lower --seq-bits or bring more data)")
        }
        rngaudit::Error::UnknownLength { input, streams } => anyhow::anyhow!(
            "--streams {streams} on {input} needs --bytes to know where to cut the input"
        ),
        other => other.into(),
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
