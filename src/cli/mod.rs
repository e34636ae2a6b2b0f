//! Command-line interface: argument parsing with clap and one function per subcommand. This is
//! the only layer that prints; everything it prints comes from a report sink.

mod args;
mod bench;
mod calibrate;
mod commands;
mod execute;
mod file;
mod formats;
mod merge;
mod output;
mod power;
mod status;
mod tokens;

use anyhow::Result;
use clap::Parser;
use status::{EXIT_OK, EXIT_USAGE};
use std::process::ExitCode;

pub fn main() -> Result<ExitCode> {
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return Ok(clap_exit(error)),
    };
    commands::dispatch(cli).map_err(execute::flag_wording)
}

/// `--help` and `--version` print in full and exit 0. A bare `rngaudit` (no subcommand) prints
/// the usage on stderr and exits 2, as any other usage error. A usage error prints one line:
/// clap's own first line (it names the bad argument) with what clap knows to help, the valid
/// values and the closest name, then exits 2.
fn clap_exit(error: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = error.print();
            ExitCode::from(EXIT_OK)
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand | ErrorKind::MissingSubcommand => {
            // clap renders the help it would print; a missing subcommand is a usage error.
            eprint!("{}", error.render());
            ExitCode::from(EXIT_USAGE)
        }
        _ => {
            eprintln!("rngaudit: {} (see rngaudit --help)", one_line(&error));
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// clap's first line, less its `error: ` prefix, followed by the valid values (for a bad
/// `--format`, say) and clap's suggestion of the closest subcommand, flag or value.
fn one_line(error: &clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue};
    let rendered = error.render().to_string();
    let mut line = rendered
        .lines()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("invalid arguments")
        .trim_start_matches("error: ")
        .to_string();
    let names = |kind| match error.get(kind) {
        Some(ContextValue::Strings(values)) if !values.is_empty() => Some(values.clone()),
        Some(ContextValue::String(value)) => Some(vec![value.clone()]),
        _ => None,
    };
    if let Some(valid) = names(ContextKind::ValidValue) {
        line.push_str(&format!("; possible values: {}", valid.join(", ")));
    }
    for kind in [
        ContextKind::SuggestedSubcommand,
        ContextKind::SuggestedArg,
        ContextKind::SuggestedValue,
    ] {
        if let Some(suggestions) = names(kind) {
            // clap may offer several equally close names: 'power' or 'report'.
            line.push_str(&format!("; did you mean '{}'?", suggestions.join("' or '")));
        }
    }
    line
}
