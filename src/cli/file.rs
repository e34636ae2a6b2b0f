//! `rngaudit file PATH|-`: a battery on bytes the user brings. The input is read once, in
//! chunks; with `--streams K` it is cut into K consecutive segments that get the second-level
//! analysis, and with one stream the family-wise rule decides across the battery's tests.

use super::args::{FileArgs, InputFormatArg};
use super::execute::{configure, execute, exit_code};
use super::formats::Outputs;
use anyhow::Result;
use rngaudit::battery;
use rngaudit::source::external::{ExternalInput, Format};
use rngaudit::Audit;
use std::process::ExitCode;

pub fn run(args: FileArgs) -> Result<ExitCode> {
    let format = match args.input_format {
        InputFormatArg::Bin => Format::Bin,
        InputFormatArg::Ascii01 => Format::Ascii01,
    };
    let battery = battery::find_battery(&args.battery)?;
    let outputs = Outputs::plan(&args.common, battery.consumes)?;
    let input = ExternalInput::open(&args.path, format)?;
    let mut audit = Audit::external(input)
        .battery(battery.name)
        .streams(args.streams)
        .seq_bits(args.nist.seq_bits)
        .seqs(args.nist.seqs)
        .ent_bits(args.bits);
    if let Some(bytes) = args.bytes {
        audit = audit.bytes(bytes);
    }
    let audit = configure(audit, args.tests.as_deref(), &args.common)?;
    let report = execute(audit)?;
    outputs.deliver(&report)?;
    Ok(exit_code(&report))
}
