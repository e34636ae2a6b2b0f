//! The runner: the one place that knows about threads.
//!
//! It turns a plan into (source, stream) jobs, generates each stream once, and hands it chunk by
//! chunk to every selected test in a single pass, so memory stays flat however long the stream
//! is. Jobs run in parallel on a rayon pool of the requested size; results are collected in job
//! order and every stream's seed is derived from the master seed, the source name and the stream
//! index (see [`crate::seeds`]), so output does not depend on the thread count.

use crate::battery::{Outcome, Params, Setup, Test};
use crate::seeds::stream_seed;
use crate::source::{Kind, Source, SymbolStream};
use crate::Error;
use rayon::prelude::*;

/// Symbols handed to the tests at a time: large enough to amortise the per-chunk calls, small
/// enough to stay in L2 while every test reads it. Results do not depend on it.
pub const CHUNK_SYMBOLS: usize = 1 << 16;

/// What to run.
#[derive(Debug, Clone)]
pub struct Plan {
    pub sources: Vec<&'static Source>,
    pub tests: Vec<&'static Test>,
    /// Symbols per stream (bytes, for byte sources).
    pub bytes: u64,
    pub streams: u32,
    pub master_seed: u64,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    pub params: Params,
}

/// Everything measured on one stream.
#[derive(Debug, Clone)]
pub struct StreamReport {
    pub source: String,
    pub kind: Kind,
    pub stream: u32,
    /// The stream's seed, for reproducible kinds (replay it with `rngaudit dump --seed`).
    pub seed: Option<u64>,
    /// Symbols actually analysed.
    pub bytes: u64,
    pub outcomes: Vec<Outcome>,
}

/// Reads up to `limit` symbols of `stream` once, feeding every test, and returns the number of
/// symbols read and the tests' outcomes in `tests` order. Tests that do not apply to the
/// alphabet are reported as skipped with their reason.
pub fn analyse(
    stream: &mut dyn SymbolStream,
    setup: &Setup,
    tests: &[&'static Test],
    limit: u64,
) -> std::io::Result<(u64, Vec<Outcome>)> {
    let mut states: Vec<_> = tests
        .iter()
        .map(|test| (test.applies_to)(setup.alphabet).map(|()| (test.start)(setup)))
        .collect();
    let mut buffer = vec![0u8; CHUNK_SYMBOLS];
    let mut read = 0u64;
    while read < limit {
        let want = (limit - read).min(CHUNK_SYMBOLS as u64) as usize;
        let got = stream.fill(&mut buffer[..want])?;
        if got == 0 {
            break;
        }
        for state in states.iter_mut().flatten() {
            state.update(&buffer[..got]);
        }
        read += got as u64;
    }
    let outcomes = tests
        .iter()
        .zip(states)
        .flat_map(|(test, state)| match state {
            Ok(state) => state.finish(),
            Err(reason) => vec![Outcome::skipped(test.name, reason)],
        })
        .collect();
    Ok((read, outcomes))
}

/// Runs the plan. `progress` is called with the number of symbols each finished job analysed.
pub fn run(plan: &Plan, progress: &(dyn Fn(u64) + Sync)) -> Result<Vec<StreamReport>, Error> {
    if plan.streams == 0 {
        return Err(Error::Usage("--streams must be at least 1".to_string()));
    }
    let jobs: Vec<(&'static Source, u32)> = plan
        .sources
        .iter()
        .flat_map(|&source| (0..plan.streams).map(move |index| (source, index)))
        .collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(plan.threads)
        .build()
        .map_err(|error| Error::Usage(format!("cannot start {} threads: {error}", plan.threads)))?;
    pool.install(|| {
        jobs.par_iter()
            .map(|&(source, index)| {
                let seed = stream_seed(plan.master_seed, source.name, index);
                let mut stream = (source.open)(seed);
                let setup = Setup {
                    alphabet: source.alphabet,
                    length: Some(plan.bytes),
                    params: plan.params.clone(),
                };
                let (bytes, outcomes) = analyse(stream.as_mut(), &setup, &plan.tests, plan.bytes)
                    .map_err(|error| Error::Read {
                    what: format!("source {}", source.name),
                    source: error,
                })?;
                progress(bytes);
                Ok(StreamReport {
                    source: source.name.to_string(),
                    kind: source.kind,
                    stream: index,
                    seed: source.kind.is_reproducible().then_some(seed),
                    bytes,
                    outcomes,
                })
            })
            .collect()
    })
}
