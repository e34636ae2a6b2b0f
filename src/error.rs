//! The library's error kinds. The binary wraps them in `anyhow` and turns each into one line on
//! stderr with exit code 2: every variant here is a problem with what the user asked for or gave,
//! never a statistical finding.

use crate::suggest::did_you_mean;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("unknown source '{name}'{hint} (run `rngaudit list` to see the sources)", hint = did_you_mean(.suggestion))]
    UnknownSource {
        name: String,
        /// The closest known name, when one is close enough to be a likely typo.
        suggestion: Option<String>,
    },
    #[error("unknown test '{name}'{hint} (battery {battery} has: {known})", hint = did_you_mean(.suggestion))]
    UnknownTest {
        name: String,
        battery: &'static str,
        suggestion: Option<String>,
        /// The battery's test names, comma-separated.
        known: String,
    },
    #[error("unknown battery '{name}'{hint} (known: {known})", hint = did_you_mean(.suggestion))]
    UnknownBattery {
        name: String,
        suggestion: Option<String>,
        known: String,
    },
    #[error("invalid size '{input}': {reason}")]
    InvalidSize { input: String, reason: String },
    #[error("{0}")]
    Usage(String),
    // The I/O cause is the error's `source`: `{:#}` (as the binary prints errors) appends it
    // once, so the message itself leaves it out.
    #[error("cannot write {}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read {what}")]
    Read {
        what: String,
        source: std::io::Error,
    },
}
