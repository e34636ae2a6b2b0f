//! rngaudit: a statistical randomness test harness.
//!
//! The crate owns one path that data takes: a [`source`] produces a stream of symbols, the
//! [`runner`] hands that stream chunk by chunk to every test of the [`battery`] in a single pass,
//! [`second_level`] turns per-stream outcomes into pass proportions, uniformity and verdicts, and a
//! [`report`] sink writes them in one format. Each layer knows nothing of the layers around it
//! except the small types in between (`SymbolStream`, `Outcome`, `CellSummary`).
//!
//! An audit too long for one machine is cut into parts by [`shard`], run anywhere, and their
//! partial states merged into the report one machine would have written.
//!
//! Statistical tests find non-randomness; they never prove a generator secure.
//!
//! # Auditing a generator from Rust
//!
//! [`Audit`] runs that whole path in one call and returns the [`report::Report`] the command
//! line prints. Gate on [`report::Report::passed`]: it is true only when tests were measured and
//! none failed, so a run where every test was skipped is not a pass.
//!
//! Marsaglia's xorshift32 (shifts 13, 17, 5) is linear over GF(2), and the NIST battery's
//! binary matrix Rank test catches it: every 32×32 matrix of its output has full rank. Four
//! sequences of 10^5 bits (97 matrices each) are plenty here and keep the example under a
//! second; a real audit reads STS's 100 sequences of 10^6 bits, the defaults. The generator is
//! handed over as a closure that fills bytes, as a generator of any crate can be:
//!
//! ```
//! use rngaudit::second_level::Verdict;
//! use rngaudit::Audit;
//!
//! let mut state: u32 = 2_463_534_242;
//! let report = Audit::fill(move |buf: &mut [u8]| {
//!     for chunk in buf.chunks_mut(4) {
//!         state ^= state << 13;
//!         state ^= state >> 17;
//!         state ^= state << 5;
//!         chunk.copy_from_slice(&state.to_le_bytes()[..chunk.len()]);
//!     }
//! })
//! .name("xorshift32")
//! .battery("nist")
//! .seq_bits(100_000)
//! .seqs(4)
//! .run()?;
//!
//! assert!(!report.passed());
//! assert_eq!(report.sources[0].verdict, Verdict::Fail);
//! assert!(report.sources[0].failing.iter().any(|cell| cell.starts_with("Rank")));
//! # Ok::<(), rngaudit::Error>(())
//! ```
//!
//! ChaCha20, through the `rand_core` 0.10 [`rand::Rng`] it implements, passes the same audit:
//!
//! ```
//! use rand::SeedableRng;
//! use rngaudit::Audit;
//!
//! let report = Audit::rng(rand_chacha::ChaCha20Rng::seed_from_u64(2024))
//!     .battery("nist")
//!     .seq_bits(100_000)
//!     .seqs(4)
//!     .run()?;
//! assert!(report.passed());
//! # Ok::<(), rngaudit::Error>(())
//! ```
#![warn(missing_docs)]

pub mod audit;
pub mod battery;
pub mod bench;
#[cfg(feature = "charts")]
mod chart;

pub mod error;
pub mod provenance;
pub mod report;
pub mod runner;
pub mod second_level;
pub mod seeds;
pub mod shard;
pub mod size;
pub mod source;
pub mod stats;
pub mod suggest;
pub mod tokens;
pub mod verify;

pub use audit::Audit;
pub use error::Error;
