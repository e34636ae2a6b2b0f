//! The library's error kinds. The binary wraps them in `anyhow` and turns each into one line on
//! stderr with exit code 2: every variant here is a problem with what the user asked for or gave,
//! never a statistical finding.
//!
//! Messages name settings as the library knows them (`streams`, `seq_bits`, a test's parameter),
//! never a command-line flag: the library has callers other than the binary, and the binary
//! words the errors a flag set with that flag (`flag_wording` in `src/cli/execute.rs`).

use crate::suggest::did_you_mean;
use std::path::PathBuf;

/// Everything the library can refuse or fail at; each variant is a problem with the request or its input, never a test result.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A source name that no source answers to.
    #[error("unknown source '{name}'{hint} (run `rngaudit list` to see the sources)", hint = did_you_mean(.suggestion))]
    UnknownSource {
        /// The name the user gave.
        name: String,
        /// The closest known name, when one is close enough to be a likely typo.
        suggestion: Option<String>,
    },
    /// A test name that the selected battery does not have.
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
    /// A battery name that names no battery.
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
    /// A request that makes no sense as given (a directory where a file belongs, a control
    /// where a good generator is needed); the message says what.
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
        #[source]
        source: std::io::Error,
    },
    /// An input (file, pipe, command output) could not be read.
    #[error("cannot read {what}")]
    Read {
        /// What was being read, as the message names it (an input's name, `source NAME`).
        what: String,
        /// The I/O error behind it.
        #[source]
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
    /// A source whose stream cannot be started at a position without generating what comes
    /// before it (no jump-ahead formula), asked to start there.
    #[error("{name} cannot start its stream at a position (it has no jump ahead); the sources that can: {seekable}")]
    CannotSeek {
        /// The source.
        name: String,
        /// The sources that can, comma-separated.
        seekable: String,
    },
    /// A count of the plan is zero or otherwise unusable.
    #[error("{setting} {reason}")]
    InvalidSetting {
        /// Which setting (`streams`, `seq_bits`, `seqs`, `max_bytes`), as the library's plans
        /// and builders name it.
        setting: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A test parameter override (`TEST.NAME=VALUE`) that is malformed or that no selected
    /// test reads.
    #[error("parameter '{param}': {reason}")]
    InvalidParam {
        /// The assignment or key as given.
        param: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A test selection that names no test at all (an empty list).
    #[error("the test selection names no test")]
    NoTests,
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
    /// A test's saved streaming state that cannot be restored or merged.
    #[error(transparent)]
    State(#[from] crate::battery::StateError),
    /// Shards that cannot be run or merged ([`crate::shard`]).
    #[error(transparent)]
    Shard(crate::shard::ShardError),
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How many variants there are; `position` gives each its own index below it, with an
    /// exhaustive match, so a new variant does not compile until it gets the next index, and
    /// the test fails until this count and `samples` include it.
    const VARIANTS: usize = 20;

    fn position(error: &Error) -> usize {
        match error {
            Error::UnknownSource { .. } => 0,
            Error::UnknownTest { .. } => 1,
            Error::UnknownBattery { .. } => 2,
            Error::InvalidSize { .. } => 3,
            Error::Usage(_) => 4,
            Error::Write { .. } => 5,
            Error::Read { .. } => 6,
            Error::NotApplicable { .. } => 7,
            Error::UnknownFormat { .. } => 8,
            Error::FormatNotApplicable { .. } => 16,
            Error::InvalidSetting { .. } => 9,
            Error::InvalidParam { .. } => 10,
            Error::NoTests => 11,
            Error::UnknownLength { .. } => 12,
            Error::TooShortToCut { .. } => 13,
            Error::TooShortForSequence { .. } => 14,
            Error::NothingToTest { .. } => 15,
            Error::State(_) => 17,
            Error::CannotSeek { .. } => 18,
            Error::Shard(_) => 19,
        }
    }

    fn io() -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::NotFound, "not found")
    }

    fn samples() -> Vec<Error> {
        vec![
            Error::UnknownSource {
                name: "chacha2".into(),
                suggestion: Some("chacha20".into()),
            },
            Error::UnknownTest {
                name: "monobitt".into(),
                battery: "default",
                suggestion: Some("monobit".into()),
                known: "monobit, runs".into(),
            },
            Error::UnknownBattery {
                name: "nits".into(),
                suggestion: Some("nist".into()),
                known: "default, nist, ent".into(),
            },
            Error::InvalidSize {
                input: "12Q".into(),
                reason: "unknown suffix".into(),
            },
            Error::Usage("data.bin is a directory; give a file or - for stdin".into()),
            Error::Write {
                path: PathBuf::from("out/results.csv"),
                source: io(),
            },
            Error::Read {
                what: "data.bin".into(),
                source: io(),
            },
            Error::NotApplicable {
                battery: "nist".into(),
                input: "tokens.txt".into(),
                reason: "it reads bits".into(),
            },
            Error::UnknownFormat {
                name: "jsn".into(),
                suggestion: Some("json".into()),
                known: "terminal, json".into(),
            },
            Error::FormatNotApplicable {
                format: "png",
                reason: "ENT's figures have no verdicts to show".into(),
            },
            Error::InvalidSetting {
                setting: "streams",
                reason: "must be at least 1".into(),
            },
            Error::InvalidParam {
                param: "monobit.nope".into(),
                reason: "no selected test has that parameter",
            },
            Error::NoTests,
            Error::UnknownLength {
                input: "stdin".into(),
                streams: 4,
            },
            Error::TooShortToCut {
                bytes: 3,
                streams: 4,
            },
            Error::TooShortForSequence {
                input: "stdin".into(),
                bits: 80,
                needed: 1000,
            },
            Error::NothingToTest {
                input: "stdin".into(),
                what: "is empty".into(),
            },
            Error::State(crate::battery::StateError::WrongVersion {
                test: "serial",
                expected: 1,
                found: 2,
            }),
            Error::CannotSeek {
                name: "mt19937".into(),
                seekable: "chacha20, pcg64".into(),
            },
            Error::Shard(crate::shard::ShardError::BadState {
                path: "shard-1.json".into(),
                problem: "is damaged: cut short or altered (checksum mismatch)".into(),
            }),
        ]
    }

    /// The library has callers other than the binary: its messages name settings, not the
    /// binary's flags (the binary adds those).
    #[test]
    fn no_message_names_a_flag() {
        let samples = samples();
        let mut seen = [false; VARIANTS];
        for error in &samples {
            seen[position(error)] = true;
            let message = error.to_string();
            assert!(!message.contains("--"), "names a flag: {message}");
            assert!(!message.is_empty(), "{error:?}");
        }
        assert!(seen.iter().all(|&s| s), "a variant has no sample: {seen:?}");
    }

    /// An I/O failure keeps its cause as the error's source, and the message leaves the cause
    /// to the chain, so that it is printed once.
    #[test]
    fn io_errors_keep_their_source() {
        for error in samples() {
            if matches!(error, Error::Write { .. } | Error::Read { .. }) {
                let source = std::error::Error::source(&error).map(|s| s.to_string());
                assert_eq!(source.as_deref(), Some("not found"), "{error}");
                assert!(!error.to_string().contains("not found"), "{error}");
            }
        }
    }
}
