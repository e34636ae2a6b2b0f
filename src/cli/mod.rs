//! Command-line interface: argument parsing with clap and one function per subcommand. This is
//! the only layer that prints; everything it prints comes from a report sink.

mod args;
mod bench;
mod calibrate;
mod commands;
mod file;
mod nist;
mod power;
mod tokens;

use anyhow::Result;
use clap::Parser;
use std::process::ExitCode;

/// Exit status when every source came out as expected.
pub const EXIT_OK: u8 = 0;
/// Exit status for a statistical failure (a good source failed, or a control passed).
pub const EXIT_STATISTICAL_FAILURE: u8 = 1;
/// Exit status for bad usage or unreadable input.
pub const EXIT_USAGE: u8 = 2;
/// Exit status of `tokens` when the sample is too small for a verdict (no test failed, and the
/// certifying tests lacked the tokens to check some position): not a pass, not a failure.
pub const EXIT_INSUFFICIENT: u8 = 3;

pub fn main() -> Result<ExitCode> {
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return Ok(clap_exit(error)),
    };
    commands::dispatch(cli)
}

/// `--help` and `--version` print in full; a usage error prints its first line only (clap's
/// own message names the bad argument) and exits with 2.
fn clap_exit(error: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match error.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = error.print();
            ExitCode::from(EXIT_OK)
        }
        _ => {
            let rendered = error.render().to_string();
            let first = rendered
                .lines()
                .find(|line| !line.trim().is_empty())
                .unwrap_or("invalid arguments");
            eprintln!(
                "rngaudit: {} (see rngaudit --help)",
                first.trim_start_matches("error: ")
            );
            ExitCode::from(EXIT_USAGE)
        }
    }
}
