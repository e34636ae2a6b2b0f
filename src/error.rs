//! The library's error kinds. The binary wraps them in `anyhow` and turns each into one line on
//! stderr with exit code 2: every variant here is a problem with what the user asked for or gave,
//! never a statistical finding.

use crate::suggest::did_you_mean;
use std::path::PathBuf;

/// Everything the library can refuse or fail at; each variant is a problem with the request or its input, never a test result.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A source name (`--source`) that no source answers to.
    #[error("unknown source '{name}'{hint} (run `rngaudit list` to see the sources)", hint = did_you_mean(.suggestion))]
    UnknownSource {
        /// The name the user gave.
        name: String,
        /// The closest known name, when one is close enough to be a likely typo.
        suggestion: Option<String>,
    },
    /// A test name (`--tests`) that the selected battery does not have.
    #[error("unknown test '{name}'{hint} (battery {battery} has: {known})", hint = did_you_mean(.suggestion))]
    UnknownTest {
        /// The name the user gave.
        name: String,
        /// The battery that was searched.
        battery: &'static str,
        /// The closest test name, when one is close enough to be a likely typo.
        suggestion: Option<String>,
        /// The battery's test names, comma-separated.
        known: String,
    },
    /// A battery name (`--battery`) that names no battery.
    #[error("unknown battery '{name}'{hint} (known: {known})", hint = did_you_mean(.suggestion))]
    UnknownBattery {
        /// The name the user gave.
        name: String,
        /// The closest battery name, when one is close enough to be a likely typo.
        suggestion: Option<String>,
        /// The known battery names, comma-separated.
        known: String,
    },
    /// A size the user wrote (`4096`, `64K`, `256MiB`, ...) that does not parse or is out of range.
    #[error("invalid size '{input}': {reason}")]
    InvalidSize {
        /// The text the user wrote.
        input: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A request that makes no sense as given (a malformed `--param`, conflicting flags); the message says what.
    #[error("{0}")]
    Usage(String),
    // The I/O cause is the error's `source`: `{:#}` (as the binary prints errors) appends it
    // once, so the message itself leaves it out.
    /// A report, chart or other file could not be written.
    #[error("cannot write {}", path.display())]
    Write {
        /// The file that could not be written.
        path: PathBuf,
        /// The I/O error behind it.
        source: std::io::Error,
    },
    /// An input (file, pipe, command output) could not be read.
    #[error("cannot read {what}")]
    Read {
        /// What was being read, as the message names it (an input's name, `source NAME`).
        what: String,
        /// The I/O error behind it.
        source: std::io::Error,
    },
    /// The battery cannot run on this input at all (the NIST battery reads bits and the input
    /// emits symbols over another alphabet, or no selected test applies to any input). Returned
    /// instead of a report in which every test is skipped, which would read as nothing wrong.
    #[error("the {battery} battery cannot run on {input}: {reason}")]
    NotApplicable {
        /// The battery asked for.
        battery: String,
        /// The input's name as reports show it.
        input: String,
        /// What the battery needs that the input lacks.
        reason: String,
    },
    /// A report format no sink writes.
    #[error("unknown format '{name}'{hint} (known: {known})", hint = did_you_mean(.suggestion))]
    UnknownFormat {
        /// The name asked for.
        name: String,
        /// The closest known name, when one is close.
        suggestion: Option<String>,
        /// Every known name, comma-separated.
        known: String,
    },
    /// A format that cannot show this battery's report (a chart of ENT's figures).
    #[error("format {format} cannot show this report: {reason}")]
    FormatNotApplicable {
        /// The format asked for.
        format: &'static str,
        /// Why not.
        reason: String,
    },
    /// A count of the plan is zero or otherwise unusable.
    #[error("{setting} {reason}")]
    InvalidSetting {
        /// Which setting (`streams`, `seq_bits`, `seqs`).
        setting: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// Input of unknown length cannot be cut into several streams without a length limit.
    #[error("cutting {input} into {streams} streams needs a byte limit: its length is unknown")]
    UnknownLength {
        /// The input's name.
        input: String,
        /// The streams asked for.
        streams: u32,
    },
    /// Input too short to be cut into the streams asked for.
    #[error("{bytes} bytes cannot be cut into {streams} streams")]
    TooShortToCut {
        /// The bytes there are (or the limit).
        bytes: u64,
        /// The streams asked for.
        streams: u32,
    },
    /// The input ended before one whole bit sequence (NIST battery).
    #[error("{input} has {bits} bits; one sequence needs {needed}")]
    TooShortForSequence {
        /// The input's name.
        input: String,
        /// The bits it had.
        bits: u64,
        /// The bits of one sequence.
        needed: u64,
    },
    /// The input held no data the battery can read.
    #[error("{input} {what}: there is nothing to test")]
    NothingToTest {
        /// The input's name.
        input: String,
        /// What it held instead (`is empty`, ...).
        what: String,
    },
}
