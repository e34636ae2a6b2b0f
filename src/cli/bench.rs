//! `rngaudit bench`: turns the arguments into a bench plan, runs it with a spinner on stderr,
//! prints the table or the JSON, and writes the files when `--out` is given. Everything it
//! prints comes from `rngaudit::bench::output`; what the bench could not do (no python3) is
//! one line on stderr, and the bench goes on.

use super::args::BenchArgs;
use super::status::EXIT_OK;
use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use rngaudit::bench::{self, output, Plan};
use rngaudit::source;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

pub fn run(args: BenchArgs) -> Result<ExitCode> {
    let mut plan = Plan::all(args.quick);
    if !args.sources.is_empty() {
        plan.sources = args
            .sources
            .iter()
            .map(|name| source::find(name))
            .collect::<Result<Vec<_>, _>>()?;
    }
    plan.threads = args.threads;
    let spinner = spinner();
    let bench = bench::run(&plan, &|step| spinner.set_message(step.to_string()));
    spinner.finish_and_clear();
    let bench = bench?;
    for note in &bench.notes {
        eprintln!("rngaudit: {note}");
    }
    for warning in output::spread_warnings(&bench) {
        eprintln!("rngaudit: {warning}");
    }
    if let Some(dir) = &args.out {
        output::write_files(&bench, dir)?;
    }
    if args.json {
        let document = serde_json::to_string_pretty(&output::json(&bench))?;
        print_stdout(&format!("{document}\n"))?;
    } else {
        print_stdout(&output::table(&bench))?;
    }
    if let Some(dir) = &args.out {
        eprintln!("rngaudit: bench written to {}", dir.display());
    }
    Ok(ExitCode::from(EXIT_OK))
}

/// What is being timed, on stderr when it is a terminal; hidden otherwise, so pipes and
/// tests see only the result.
fn spinner() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let spinner = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} [{elapsed_precise}] timing {msg}") {
        spinner.set_style(style);
    }
    spinner.enable_steady_tick(Duration::from_millis(120));
    spinner
}

fn print_stdout(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        // The reader closed the pipe (`| head`): that ends the output, it is not an error.
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(error).context("writing to stdout")
        }
        _ => Ok(()),
    }
}
