//! The library's error kinds. The binary wraps them in `anyhow` and turns each into one line on
//! stderr with exit code 2: every variant here is a problem with what the user asked for or gave,
//! never a statistical finding.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("unknown source '{0}' (run `rngaudit list` to see the sources)")]
    UnknownSource(String),
    #[error("unknown test '{0}' (run `rngaudit list` to see the tests)")]
    UnknownTest(String),
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
