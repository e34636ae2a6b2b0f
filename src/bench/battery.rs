//! The batteries' own cost: MB/s of each test of the default battery, and of the whole battery
//! in one pass through [`runner::analyse`], then of each test of the deep battery, on bytes
//! generated beforehand, so the cost of each defect class is visible.
//!
//! Pre-generated data (ChaCha8 from a fixed seed) keeps the generator's cost out of the
//! figure, so a test's row says what analysing a megabyte costs whatever the source; the
//! one-pass row is what `rngaudit run` pays per stream on top of generating it. Data is fed in
//! the runner's chunk size, as in a real run. `benches/battery.rs` measures the same things
//! under criterion.

use super::timing::{self, Budget};
use super::types::BatteryRow;
use crate::battery::{Chunk, Setup, Test, Workspace, DEEP, DEFAULT};
use crate::runner::{self, CHUNK_SYMBOLS};
use crate::source::SymbolStream;
use rand::{Rng, SeedableRng};
use std::io;

/// Bytes analysed per run: 16 MiB, as `benches/battery.rs`; `--quick` uses 2 MiB.
pub const DATA_BYTES: usize = 16 << 20;
/// Bytes analysed per run with `--quick`: 2 MiB.
pub const QUICK_DATA_BYTES: usize = 2 << 20;
const SEED: u64 = 0x5EED;
/// The row of the whole battery in one pass.
pub const ONE_PASS: &str = "default_battery_one_pass";
/// The row of the whole deep battery in one pass, on [`DEEP_DATA_BYTES`].
pub const DEEP_ONE_PASS: &str = "deep_battery_one_pass";
/// Bytes the deep tests are timed on: 256 MiB, the length issue #12 compares with PractRand
/// at. Their costly parts thin out along a stream, so a shorter run would overstate their cost
/// per byte (16 MiB are read whole by most of them).
pub const DEEP_DATA_BYTES: usize = 256 << 20;

/// Timed runs of a deep test: one run over 16 MiB takes about a second, so three give a median
/// without making `report` (which runs the bench) much longer.
const DEEP_BUDGET: Budget = Budget {
    runs: 3,
    run_time: std::time::Duration::ZERO,
};

/// One row per test of the default battery, then the one-pass row, then one row per test of
/// the deep battery and its one-pass row (on 256 MiB; the quick bench uses the same 2 MiB for
/// all).
pub fn measure(quick: bool) -> io::Result<Vec<BatteryRow>> {
    let budget = Budget::new(quick);
    let bytes = chacha8_bytes(if quick { QUICK_DATA_BYTES } else { DATA_BYTES });
    let symbols_62 = alphabet_62(&bytes);
    let mut rows = Vec::with_capacity(DEFAULT.len() + 1);
    for test in DEFAULT {
        // A test that does not apply to bytes (symbol_runs) is timed on 62 symbols, the other
        // alphabet the sources produce.
        let (alphabet, data) = if (test.applies_to)(256).is_ok() {
            (256, &bytes)
        } else {
            (62, &symbols_62)
        };
        let stats = timing::rate(budget, 1e6, || {
            run_test(test, alphabet, data);
            Ok::<u64, io::Error>(data.len() as u64)
        })?;
        rows.push(BatteryRow::new(test.name, stats));
    }
    let tests: Vec<&'static Test> = DEFAULT.iter().collect();
    let setup = Setup::new(256, Some(bytes.len() as u64));
    let stats = timing::rate(budget, 1e6, || {
        let mut stream = InMemory { data: &bytes };
        let (read, outcomes) = runner::analyse(&mut stream, &setup, &tests, bytes.len() as u64)?;
        std::hint::black_box(outcomes);
        Ok::<u64, io::Error>(read)
    })?;
    rows.push(BatteryRow::new(ONE_PASS, stats));
    let deep_budget = if quick { Budget::QUICK } else { DEEP_BUDGET };
    let deep_bytes = if quick {
        bytes
    } else {
        chacha8_bytes(DEEP_DATA_BYTES)
    };
    for test in DEEP {
        let stats = timing::rate(deep_budget, 1e6, || {
            run_test(test, 256, &deep_bytes);
            Ok::<u64, io::Error>(deep_bytes.len() as u64)
        })?;
        rows.push(BatteryRow::new(test.name, stats));
    }
    let tests: Vec<&'static Test> = DEEP.iter().collect();
    let setup = Setup::new(256, Some(deep_bytes.len() as u64));
    let stats = timing::rate(deep_budget, 1e6, || {
        let mut stream = InMemory { data: &deep_bytes };
        let (read, outcomes) =
            runner::analyse(&mut stream, &setup, &tests, deep_bytes.len() as u64)?;
        std::hint::black_box(outcomes);
        Ok::<u64, io::Error>(read)
    })?;
    rows.push(BatteryRow::new(DEEP_ONE_PASS, stats));
    Ok(rows)
}

fn chacha8_bytes(len: usize) -> Vec<u8> {
    let mut data = vec![0u8; len];
    rand_chacha::ChaCha8Rng::seed_from_u64(SEED).fill_bytes(&mut data);
    data
}

/// Uniform symbols below 62 from bytes, by rejection (as `benches/battery.rs` makes them).
fn alphabet_62(bytes: &[u8]) -> Vec<u8> {
    bytes
        .iter()
        .filter(|&&b| b < 248)
        .map(|&b| b % 62)
        .collect()
}

fn run_test(test: &Test, alphabet: u16, symbols: &[u8]) {
    let mut state = (test.start)(&Setup::new(alphabet, Some(symbols.len() as u64)));
    // Chunks with the test's own views only, in one workspace, as the runner makes them: each
    // test pays for what it reads and nothing else.
    let (views, mut workspace) = (state.reads(), Workspace::new());
    for chunk in symbols.chunks(CHUNK_SYMBOLS) {
        state.update_chunk(&Chunk::new(chunk, views, &mut workspace));
    }
    std::hint::black_box(state.finish());
}

/// Bytes already in memory as a stream, so the one-pass row has no generator in it.
struct InMemory<'a> {
    data: &'a [u8],
}

impl SymbolStream for InMemory<'_> {
    fn fill(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = out.len().min(self.data.len());
        out[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_row_per_default_test_and_one_for_the_pass() {
        let rows = measure(true).unwrap();
        let names: Vec<&str> = rows.iter().map(|row| row.test.as_str()).collect();
        let mut expected: Vec<&str> = DEFAULT.iter().map(|test| test.name).collect();
        expected.push(ONE_PASS);
        expected.extend(DEEP.iter().map(|test| test.name));
        expected.push(DEEP_ONE_PASS);
        assert_eq!(names, expected);
        for row in &rows {
            assert_eq!(row.runs, Budget::QUICK.runs);
            assert!(row.min <= row.median_mb_per_s && row.median_mb_per_s <= row.max);
        }
    }

    #[test]
    fn rejection_keeps_symbols_below_62() {
        let symbols = alphabet_62(&(0..=255).collect::<Vec<u8>>());
        assert_eq!(symbols.len(), 248);
        assert!(symbols.iter().all(|&s| s < 62));
    }
}
