//! rngaudit: a statistical randomness test harness.
//!
//! The crate owns one path that data takes: a [`source`] produces a stream of symbols, the
//! [`runner`] hands that stream chunk by chunk to every test of the [`battery`] in a single pass,
//! [`second_level`] turns per-stream outcomes into pass proportions, uniformity and verdicts, and a
//! [`report`] sink writes them in one format. Each layer knows nothing of the layers around it
//! except the small types in between (`SymbolStream`, `Outcome`, `CellSummary`).
//!
//! Statistical tests find non-randomness; they never prove a generator secure.

pub mod audit;
pub mod battery;
pub mod bench;
pub mod ent;
pub mod error;
pub mod provenance;
pub mod report;
pub mod runner;
pub mod second_level;
pub mod seeds;
pub mod size;
pub mod source;
pub mod stats;
pub mod suggest;
pub mod tokens;
pub mod verify;

pub use audit::Audit;
pub use error::Error;
