//! The `rngaudit` binary: parses the command line, runs the library, and maps every error to one
//! line on stderr with exit code 2. Statistical failures are not errors: they are exit code 1.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::main() {
        Ok(code) => code,
        Err(error) => {
            eprintln!("rngaudit: {}", one_line(&error));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes on one line, as `anyhow`'s alternate format gives them.
fn one_line(error: &anyhow::Error) -> String {
    format!("{error:#}").replace('\n', " ")
}
