//! The runner: the one place that knows about threads.
//!
//! It turns a plan into (source, stream) jobs, generates each stream once, and hands it chunk by
//! chunk to every selected test in a single pass, so memory stays flat however long the stream
//! is. Jobs run in parallel on a rayon pool of the requested size; results are collected in job
//! order and every stream's seed is derived from the master seed, the source name and the stream
//! index (see [`crate::seeds`]), so output does not depend on the thread count.

use crate::battery::nist::sequences::{run_sequence, SequenceSplitter};
use crate::battery::{Chunk, Outcome, Params, Setup, Test, Views, Workspace};
use crate::seeds::stream_seed;
use crate::source::external::ExternalInput;
use crate::source::{Kind, Source, SymbolStream};
use crate::Error;
use rayon::prelude::*;

/// Symbols handed to the tests at a time: large enough to amortise the per-chunk calls, small
/// enough to stay in L2 while every test reads it. Results do not depend on it.
pub const CHUNK_SYMBOLS: usize = 1 << 16;

/// What to run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The sources to test, in report order.
    pub sources: Vec<&'static Source>,
    /// The tests run on every stream of every source.
    pub tests: Vec<&'static Test>,
    /// Symbols per stream (bytes, for byte sources).
    pub bytes: u64,
    /// Streams per source; each gets its own seed and its own outcome per test.
    pub streams: u32,
    /// The seed every stream's seed is derived from (with the source name and stream index), so
    /// a run can be repeated exactly.
    pub master_seed: u64,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// Parameter overrides for the tests (`--param`).
    pub params: Params,
}

/// Everything measured on one stream.
#[derive(Debug, Clone)]
pub struct StreamReport {
    /// The source's name.
    pub source: String,
    /// The source's kind.
    pub kind: Kind,
    /// The stream's index within its source, from 0.
    pub stream: u32,
    /// The stream's seed, for reproducible kinds (replay it with `rngaudit dump --seed`).
    pub seed: Option<u64>,
    /// Symbols actually analysed.
    pub bytes: u64,
    /// The tests' outcomes, in the plan's test order.
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
    analyse_looking(stream, setup, tests, limit, None, &|_| {})
}

/// A look at a stream while it is read: called at each checkpoint (2^10, 2^11, ... symbols) with
/// the symbols read and the tests' outcomes so far; returns true to stop reading there.
pub type Look<'a> = &'a mut dyn FnMut(u64, Vec<Outcome>) -> bool;

/// [`analyse`] with `progress` told of every chunk, and at every checkpoint (see [`crate::second_level::checkpoints`]) hands the
/// tests' snapshot to `look`, which may stop the reading there. Nothing is read twice.
pub fn analyse_looking(
    stream: &mut dyn SymbolStream,
    setup: &Setup,
    tests: &[&'static Test],
    limit: u64,
    mut look: Option<Look<'_>>,
    progress: &(dyn Fn(u64) + Sync),
) -> std::io::Result<(u64, Vec<Outcome>)> {
    use crate::second_level::checkpoints::next_checkpoint;
    let mut states: Vec<_> = tests
        .iter()
        .map(|test| (test.applies_to)(setup.alphabet).map(|()| (test.start)(setup)))
        .collect();
    // Each chunk is made once, with the views of it that every test reads (`battery::chunk`).
    let views = states
        .iter()
        .flatten()
        .fold(Views::NONE, |views, state| views | state.reads());
    let mut workspace = Workspace::new();
    let mut buffer = vec![0u8; CHUNK_SYMBOLS];
    let mut read = 0u64;
    let mut checkpoint = next_checkpoint(0);
    while read < limit {
        let mut want = (limit - read).min(CHUNK_SYMBOLS as u64);
        if look.is_some() {
            // A chunk ends at the next checkpoint, so that the look sees exactly 2^k symbols.
            want = want.min(checkpoint - read);
        }
        let got = stream.fill(&mut buffer[..want as usize])?;
        if got == 0 {
            break;
        }
        let chunk = Chunk::new(&buffer[..got], views, &mut workspace);
        for state in states.iter_mut().flatten() {
            state.update_chunk(&chunk);
        }
        read += got as u64;
        progress(got as u64);
        if read == checkpoint {
            checkpoint = next_checkpoint(read);
            if let Some(look) = look.as_mut() {
                let outcomes = tests
                    .iter()
                    .zip(&states)
                    .flat_map(|(test, state)| match state {
                        Ok(state) => state.snapshot(),
                        Err(reason) => vec![Outcome::skipped(test.name, reason.clone())],
                    })
                    .collect();
                if look(read, outcomes) {
                    break;
                }
            }
        }
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
        return Err(Error::InvalidSetting {
            setting: "streams",
            reason: "must be at least 1".to_string(),
        });
    }
    let jobs: Vec<(&'static Source, u32)> = plan
        .sources
        .iter()
        .flat_map(|&source| (0..plan.streams).map(move |index| (source, index)))
        .collect();
    let pool = thread_pool(plan.threads)?;
    pool.install(|| {
        jobs.par_iter()
            .map(|&(source, index)| {
                let seed = stream_seed(plan.master_seed, source.name, index);
                let mut stream = (source.open)(seed);
                let setup = Setup {
                    alphabet: source.alphabet,
                    length: Some(plan.bytes),
                    params: plan.params.clone(),
                    offset: 0,
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

/// One generator's streams, opened by `open` from seeds derived as [`run`] derives them (master
/// seed, `name`, stream index), analysed in parallel: the plan of [`run`] for a generator that is
/// not in the registry (a user's seeded factory). Results come back in stream order.
#[allow(clippy::too_many_arguments)]
pub fn run_factory(
    origin: (&str, Kind),
    open: &(dyn Fn(u64) -> Box<dyn SymbolStream> + Sync),
    setup: &Setup,
    tests: &[&'static Test],
    streams: u32,
    master_seed: u64,
    threads: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<StreamReport>, Error> {
    let (name, kind) = origin;
    let limit = setup.length.unwrap_or(u64::MAX);
    let pool = thread_pool(threads)?;
    pool.install(|| {
        (0..streams)
            .into_par_iter()
            .map(|index| {
                let seed = stream_seed(master_seed, name, index);
                let mut stream = open(seed);
                let (bytes, outcomes) =
                    analyse(stream.as_mut(), setup, tests, limit).map_err(|error| Error::Read {
                        what: name.to_string(),
                        source: error,
                    })?;
                progress(bytes);
                Ok(StreamReport {
                    source: name.to_string(),
                    kind,
                    stream: index,
                    seed: Some(seed),
                    bytes,
                    outcomes,
                })
            })
            .collect()
    })
}

/// Where NIST sequences come from: packed bits, most significant first.
pub trait BitSource {
    /// Appends the next packed bits to `out` and returns how many; 0 at the end of the input.
    fn next_bits(&mut self, out: &mut Vec<u8>) -> std::io::Result<u64>;
}

impl BitSource for ExternalInput {
    fn next_bits(&mut self, out: &mut Vec<u8>) -> std::io::Result<u64> {
        ExternalInput::next_bits(self, out)
    }
}

/// A generator's bytes as bits, for the NIST battery on a generator.
pub struct GeneratedBits(pub Box<dyn SymbolStream>);

impl BitSource for GeneratedBits {
    fn next_bits(&mut self, out: &mut Vec<u8>) -> std::io::Result<u64> {
        let start = out.len();
        out.resize(start + CHUNK_SYMBOLS, 0);
        let got = self.0.fill(&mut out[start..])?;
        out.truncate(start + got);
        Ok(8 * got as u64)
    }
}

/// A NIST SP 800-22 run: `sequences` consecutive sequences of `seq_bits` bits each.
#[derive(Debug, Clone)]
pub struct SequencePlan {
    /// The NIST tests to run on every sequence.
    pub tests: Vec<&'static Test>,
    /// Bits per sequence (STS's `n`).
    pub seq_bits: u64,
    /// At most this many sequences; fewer when the input ends first.
    pub sequences: usize,
    /// Parameter overrides for the tests (`--param`).
    pub params: Params,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
}

/// Cuts `bits` into sequences and runs the NIST tests on each, several sequences at a time in
/// parallel. Sequences are read in order and results come back in sequence order, so output
/// does not depend on the thread count; memory holds one batch of sequences at a time.
pub fn run_sequences(
    bits: &mut dyn BitSource,
    plan: &SequencePlan,
    origin: (&str, Kind, Option<u64>),
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<StreamReport>, Error> {
    let (name, kind, seed) = origin;
    if plan.seq_bits == 0 {
        return Err(Error::InvalidSetting {
            setting: "seq_bits",
            reason: "must be at least 1".to_string(),
        });
    }
    if plan.sequences == 0 {
        return Err(Error::InvalidSetting {
            setting: "seqs",
            reason: "must be at least 1".to_string(),
        });
    }
    let pool = thread_pool(plan.threads)?;
    let batch_size = 2 * pool.current_num_threads();
    let mut splitter = SequenceSplitter::new(plan.seq_bits);
    let mut reports = Vec::with_capacity(plan.sequences);
    let mut scratch = Vec::with_capacity(CHUNK_SYMBOLS);
    let mut ended = false;
    while reports.len() < plan.sequences {
        let mut batch = Vec::with_capacity(batch_size);
        while batch.len() < batch_size && reports.len() + batch.len() < plan.sequences {
            if let Some(sequence) = splitter.next_sequence() {
                batch.push(sequence);
                continue;
            }
            if ended {
                break;
            }
            scratch.clear();
            let got = bits.next_bits(&mut scratch).map_err(|source| Error::Read {
                what: name.to_string(),
                source,
            })?;
            if got == 0 {
                ended = true;
            }
            splitter.push_bits(&scratch, got);
        }
        if batch.is_empty() {
            break;
        }
        let first = reports.len() as u32;
        let outcomes: Vec<Vec<Outcome>> = pool.install(|| {
            batch
                .par_iter()
                .map(|sequence| {
                    let outcomes = run_sequence(&plan.tests, sequence, plan.seq_bits, &plan.params);
                    progress(plan.seq_bits);
                    outcomes
                })
                .collect()
        });
        for (offset, outcomes) in outcomes.into_iter().enumerate() {
            reports.push(StreamReport {
                source: name.to_string(),
                kind,
                stream: first + offset as u32,
                seed,
                bytes: plan.seq_bits.div_ceil(8),
                outcomes,
            });
        }
    }
    if reports.is_empty() {
        return Err(Error::TooShortForSequence {
            input: name.to_string(),
            bits: splitter.pending_bits(),
            needed: plan.seq_bits,
        });
    }
    Ok(reports)
}

/// Cuts one input into `segments` consecutive streams of `segment_bytes` each and runs the
/// tests on every segment in one pass. The input is read once, in order; segments are
/// analysed one after the other because the input cannot be read out of order (a pipe).
pub fn run_segments(
    input: &mut dyn SymbolStream,
    setup: &Setup,
    tests: &[&'static Test],
    segments: u32,
    segment_bytes: u64,
    origin: (&str, Kind),
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<StreamReport>, Error> {
    let (name, kind) = origin;
    let mut reports = Vec::with_capacity(segments as usize);
    for index in 0..segments {
        let (bytes, outcomes) =
            analyse(input, setup, tests, segment_bytes).map_err(|source| Error::Read {
                what: name.to_string(),
                source,
            })?;
        progress(bytes);
        if bytes == 0 && index > 0 {
            break;
        }
        reports.push(StreamReport {
            source: name.to_string(),
            kind,
            stream: index,
            seed: None,
            bytes,
            outcomes,
        });
        if bytes < segment_bytes {
            break;
        }
    }
    Ok(reports)
}

pub(crate) fn thread_pool(threads: usize) -> Result<rayon::ThreadPool, Error> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|error| Error::Usage(format!("cannot start {threads} threads: {error}")))
}
