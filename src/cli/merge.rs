//! `rngaudit merge FILE...`: the partial states of every shard of one audit (`run`/`file`
//! with `--shard I/N --state-out FILE`) merged into the report one machine would have written,
//! written as `run` writes it. The library checks the states and merges them
//! ([`rngaudit::shard::merge`]); nothing is written unless every state belongs and merges.

use super::args::MergeArgs;
use super::execute::{command_line, exit_code};
use super::formats::Outputs;
use super::output::print_stdout;
use anyhow::Result;
use rngaudit::battery::Consumes;
use rngaudit::shard::{PlanInput, ShardState};
use std::process::ExitCode;

pub fn run(args: MergeArgs) -> Result<ExitCode> {
    let (by_file, one_stream) = match args.states.first() {
        Some(path) => {
            let plan = ShardState::read_plan(path)?;
            (
                matches!(plan.input, PlanInput::File(_)),
                plan.streams == 1 && plan.looks,
            )
        }
        None => (false, false),
    };
    // One state in memory at a time: the library checks the set, then merges in shard order.
    let mut report = rngaudit::shard::merge_files(&args.states, 0)?;
    report.command = Some(command_line());
    // The output directory is made only now, once every state has been read and merged.
    let outputs = Outputs::plan(&args.output, Consumes::Streams)?;
    if outputs.shows_terminal() && one_stream {
        // The lines one machine prints as it takes each look, before its table.
        let mut lines = String::new();
        for look in &report.checkpoints {
            if by_file {
                lines.push_str(&format!("{}\n", look.line()));
            } else {
                lines.push_str(&format!("{}: {}\n", look.source, look.line()));
            }
        }
        print_stdout(&lines)?;
    }
    outputs.deliver(&report)?;
    Ok(exit_code(&report))
}
