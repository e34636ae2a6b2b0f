//! `rngaudit file PATH|-`: a battery on bytes the user brings. The input is read once, in
//! chunks; with `--streams K` it is cut into K consecutive segments that get the second-level
//! analysis, and with one stream the family-wise rule decides across the battery's tests.

use super::args::{FileArgs, InputFormatArg};
use super::execute::{check_shard_flags, configure, execute, exit_code, run_shard, LookLines};
use super::formats::Outputs;
use super::status::EXIT_INTERRUPTED;
use anyhow::Result;
use rngaudit::battery;
use rngaudit::source::external::{ExternalInput, Format};
use rngaudit::Audit;
use signal_hook::consts::SIGINT;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

pub fn run(args: FileArgs) -> Result<ExitCode> {
    let format = match args.input_format {
        InputFormatArg::Bin => Format::Bin,
        InputFormatArg::Ascii01 => Format::Ascii01,
    };
    let battery = battery::find_battery(&args.battery)?;
    check_shard_flags(
        args.shard.as_deref(),
        args.state_out.as_deref(),
        &args.common,
    )?;
    let input = ExternalInput::open(&args.path, format)?;
    let mut audit = Audit::external(input)
        .battery(battery.name)
        .streams(args.streams)
        .seq_bits(args.nist.seq_bits)
        .seqs(args.nist.seqs)
        .ent_bits(args.bits)
        // One stream is judged at every doubling, PractRand's way; each look prints a line as
        // it is taken when stdout shows the table.
        .checkpoints(true)
        .keep_going(args.keep_going);
    if let Some(bytes) = args.bytes {
        audit = audit.bytes(bytes);
    }
    if let (Some(shard), Some(state_out)) = (&args.shard, &args.state_out) {
        // No Ctrl-C handling: a shard stopped early has no state to write, and the state is
        // written whole or not at all.
        let audit = configure(audit, args.tests.as_deref(), &args.common)?;
        return run_shard(audit, shard, state_out);
    }
    let outputs = Outputs::plan(&args.common.output, battery.consumes)?;
    // Ctrl-C ends the input where it is (an endless pipe is the everyday case) and the report
    // covers what was read; a second Ctrl-C exits at once.
    let stop = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register_conditional_shutdown(
        SIGINT,
        EXIT_INTERRUPTED.into(),
        Arc::clone(&stop),
    )?;
    signal_hook::flag::register(SIGINT, Arc::clone(&stop))?;
    let audit = configure(audit.stop_on(stop), args.tests.as_deref(), &args.common)?;
    let lines = if outputs.shows_terminal() {
        LookLines::Plain
    } else {
        LookLines::Quiet
    };
    let report = execute(audit, lines)?;
    outputs.deliver(&report)?;
    if report.interrupted {
        eprintln!(
            "rngaudit: interrupted: the report covers the {} bytes read before Ctrl-C",
            report.bytes_analysed()
        );
        return Ok(ExitCode::from(EXIT_INTERRUPTED));
    }
    Ok(exit_code(&report))
}
