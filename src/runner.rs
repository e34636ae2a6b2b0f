//! The runner: the one place that knows about threads.
//!
//! It turns a plan into (source, stream) jobs, generates each stream once, and hands it chunk by
//! chunk to every selected test in a single pass, so memory stays flat however long the stream
//! is. Jobs run in parallel on a rayon pool of the requested size; results are collected in job
//! order and every stream's seed is derived from the master seed, the source name and the stream
//! index (see [`crate::seeds`]), so output does not depend on the thread count. When there are
//! fewer streams than threads (one long stream: a file, a pipe, `run --streams 1`), each stream
//! is read in order and cut into segments that the threads analyse at once, merged back in
//! order exactly ([`analyse_looking`]).

use crate::battery::nist::sequences::{run_sequence, SequenceSplitter};
use crate::battery::{Chunk, Outcome, Params, Setup, Test, TestState, Views, Workspace};
use crate::second_level::checkpoints::next_checkpoint;
use crate::seeds::stream_seed;
use crate::source::external::ExternalInput;
use crate::source::{Kind, PositionedSymbols, Source, SymbolStream};
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

/// Symbols per segment when one stream is analysed on several threads: large enough that
/// starting and merging a segment's states costs little beside analysing it, small enough that
/// the segments in flight (two per thread) keep memory flat. Results do not depend on it.
pub const SEGMENT_SYMBOLS: usize = 4 << 20;

/// The shortest segment a stream is cut into to spread the stretch up to a checkpoint over the
/// threads (short streams, early checkpoints). Results do not depend on it.
const MIN_SEGMENT_SYMBOLS: u64 = 1 << 18;

/// Each test's state on one stream or segment, or why the test does not apply.
pub(crate) type States = Vec<Result<Box<dyn TestState>, String>>;

/// Reads up to `limit` symbols of `stream` once, feeding every test, and returns the number of
/// symbols read and the tests' outcomes in `tests` order. Tests that do not apply to the
/// alphabet are reported as skipped with their reason.
pub fn analyse(
    stream: &mut dyn SymbolStream,
    setup: &Setup,
    tests: &[&'static Test],
    limit: u64,
) -> std::io::Result<(u64, Vec<Outcome>)> {
    analyse_serial(stream, setup, tests, limit, None, &|_| {})
}

/// A look at a stream while it is read: called at each checkpoint (2^10, 2^11, ... symbols) with
/// the symbols read and the tests' outcomes so far; returns true to stop reading there.
pub type Look<'a> = &'a mut dyn FnMut(u64, Vec<Outcome>) -> bool;

/// [`analyse`] on `threads` worker threads (0: one per core), with `progress` told of the
/// symbols analysed as they are, and at every checkpoint (see
/// [`crate::second_level::checkpoints`]) the tests' snapshot handed to `look`, which may stop
/// the reading there. Nothing is read twice.
///
/// With one thread the stream is read and analysed chunk by chunk on this thread. With more,
/// this thread reads the stream in order (it may be a pipe) into segments of at most
/// [`SEGMENT_SYMBOLS`], the pool analyses them, each from fresh states started at its offset,
/// and this thread merges their states into the stream's in stream order
/// ([`crate::battery::TestState::merge`], exact) while it reads the next ones. Segments end at
/// checkpoints, so a look sees exactly 2^k symbols; at most two segments per thread are in
/// flight, so memory does not grow with the stream. Outcomes are bit-identical at any thread
/// count. `look` and `progress` are called on this thread.
pub fn analyse_looking(
    stream: &mut dyn SymbolStream,
    setup: &Setup,
    tests: &[&'static Test],
    limit: u64,
    threads: usize,
    look: Option<Look<'_>>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(u64, Vec<Outcome>), Error> {
    let read_error = |source| Error::Read {
        what: "the stream".to_string(),
        source,
    };
    if threads == 1 {
        return analyse_serial(stream, setup, tests, limit, look, progress).map_err(read_error);
    }
    let pool = thread_pool(threads)?;
    analyse_on(&pool, stream, setup, tests, limit, look, progress).map_err(read_error)
}

/// [`analyse_looking`] on a pool already started: segments in parallel when the pool has more
/// than one thread and every test merges, else chunk by chunk on this thread. Call it from
/// outside the pool: this thread reads and merges while the pool analyses.
pub(crate) fn analyse_on(
    pool: &rayon::ThreadPool,
    stream: &mut dyn SymbolStream,
    setup: &Setup,
    tests: &[&'static Test],
    limit: u64,
    look: Option<Look<'_>>,
    progress: &(dyn Fn(u64) + Sync),
) -> std::io::Result<(u64, Vec<Outcome>)> {
    finished(tests, look, |look| {
        analyse_on_states(pool, stream, setup, tests, limit, look, progress)
    })
}

/// Runs `analyse` (a reader that leaves the states unfinished) with `look` shown the tests'
/// outcomes at each checkpoint, and finishes the states it returns.
fn finished(
    tests: &[&'static Test],
    look: Option<Look<'_>>,
    analyse: impl FnOnce(Option<StatesLook<'_>>) -> std::io::Result<(u64, States)>,
) -> std::io::Result<(u64, Vec<Outcome>)> {
    let (read, states) = match look {
        Some(look) => {
            let mut look_at_states =
                |read: u64, states: &States| look(read, snapshot(tests, states));
            analyse(Some(&mut look_at_states))?
        }
        None => analyse(None)?,
    };
    Ok((read, finish(tests, states)))
}

/// A look at the tests' states themselves at each checkpoint (the symbols read from the start
/// of the stream, and the states); returns true to stop reading there.
pub(crate) type StatesLook<'a> = &'a mut dyn FnMut(u64, &States) -> bool;

/// [`analyse_on`] from the position `setup.offset` of a stream (a shard's part of it, the
/// stream standing there): reads up to `limit` symbols, shows `look` the states at every
/// checkpoint reached (counted from the start of the stream), and returns the symbols read and
/// the states, unfinished, to be saved or merged.
pub(crate) fn analyse_on_states(
    pool: &rayon::ThreadPool,
    stream: &mut dyn SymbolStream,
    setup: &Setup,
    tests: &[&'static Test],
    limit: u64,
    look: Option<StatesLook<'_>>,
    progress: &(dyn Fn(u64) + Sync),
) -> std::io::Result<(u64, States)> {
    let spread = pool.current_num_threads();
    analyse_spread(pool, stream, setup, tests, (limit, spread), look, progress)
}

/// The thread count a shard's segments are sized for, whatever its pool: a test's state may
/// keep its buffers differently after different cuts (the same outcomes, other bytes), and a
/// shard run again, on a machine of another size too, must write the same state.
const SHARD_SPREAD: usize = 16;

/// [`analyse_on_states`] for a shard: the stretch is always cut into the segments a pool of
/// [`SHARD_SPREAD`] threads would get, and merged in order, so the states do not depend on the
/// threads this machine has.
pub(crate) fn analyse_shard_states(
    pool: &rayon::ThreadPool,
    stream: &mut dyn SymbolStream,
    setup: &Setup,
    tests: &[&'static Test],
    limit: u64,
    look: Option<StatesLook<'_>>,
    progress: &(dyn Fn(u64) + Sync),
) -> std::io::Result<(u64, States)> {
    analyse_spread(
        pool,
        stream,
        setup,
        tests,
        (limit, SHARD_SPREAD),
        look,
        progress,
    )
}

/// Up to `limit` symbols cut into the segments a pool of `spread` threads gets, analysed on
/// `pool` and merged in order, when `spread` is above 1 and every test merges; else on this
/// thread in one pass.
fn analyse_spread(
    pool: &rayon::ThreadPool,
    stream: &mut dyn SymbolStream,
    setup: &Setup,
    tests: &[&'static Test],
    (limit, spread): (u64, usize),
    look: Option<StatesLook<'_>>,
    progress: &(dyn Fn(u64) + Sync),
) -> std::io::Result<(u64, States)> {
    if spread > 1 && all_merge(tests, setup) {
        analyse_segments(pool, stream, setup, tests, (limit, spread), look, progress)
    } else {
        analyse_serial_states(stream, setup, tests, limit, look, progress)
    }
}

/// Starts every test on the stream or segment `setup` describes.
pub(crate) fn start_states(tests: &[&'static Test], setup: &Setup) -> States {
    tests
        .iter()
        .map(|test| (test.applies_to)(setup.alphabet).map(|()| (test.start)(setup)))
        .collect()
}

/// Hands `symbols` to every test, in pieces of at most [`CHUNK_SYMBOLS`] so that each piece
/// stays in cache while every test reads it: the one place where symbols reach the tests. Each
/// piece is made once into a [`Chunk`] with the views of it that every test reads
/// (`battery::chunk`), so what several tests share is computed once.
fn feed(states: &mut States, symbols: &[u8], workspace: &mut Workspace) {
    let views = states
        .iter()
        .flatten()
        .fold(Views::NONE, |views, state| views | state.reads());
    for piece in symbols.chunks(CHUNK_SYMBOLS) {
        let chunk = Chunk::new(piece, views, workspace);
        for state in states.iter_mut().flatten() {
            state.update_chunk(&chunk);
        }
    }
}

/// The tests' outcomes on what `states` have read, in `tests` order, leaving them to read on.
pub(crate) fn snapshot(tests: &[&'static Test], states: &States) -> Vec<Outcome> {
    tests
        .iter()
        .zip(states)
        .flat_map(|(test, state)| match state {
            Ok(state) => state.snapshot(),
            Err(reason) => vec![Outcome::skipped(test.name, reason.clone())],
        })
        .collect()
}

/// The tests' final outcomes, in `tests` order.
pub(crate) fn finish(tests: &[&'static Test], states: States) -> Vec<Outcome> {
    tests
        .iter()
        .zip(states)
        .flat_map(|(test, state)| match state {
            Ok(state) => state.finish(),
            Err(reason) => vec![Outcome::skipped(test.name, reason)],
        })
        .collect()
}

/// Whether every test that applies merges states of segments: a test that cannot yet refuses
/// to merge even two empty states, and then the stream is read in one piece.
pub(crate) fn all_merge(tests: &[&'static Test], setup: &Setup) -> bool {
    tests
        .iter()
        .filter(|test| (test.applies_to)(setup.alphabet).is_ok())
        .all(|test| (test.start)(setup).merge((test.start)(setup)).is_ok())
}

/// One stream, chunk by chunk, on this thread.
fn analyse_serial(
    stream: &mut dyn SymbolStream,
    setup: &Setup,
    tests: &[&'static Test],
    limit: u64,
    look: Option<Look<'_>>,
    progress: &(dyn Fn(u64) + Sync),
) -> std::io::Result<(u64, Vec<Outcome>)> {
    finished(tests, look, |look| {
        analyse_serial_states(stream, setup, tests, limit, look, progress)
    })
}

/// [`analyse_serial`] from `setup.offset` on, leaving the states unfinished; positions the look
/// sees count from the start of the stream.
fn analyse_serial_states(
    stream: &mut dyn SymbolStream,
    setup: &Setup,
    tests: &[&'static Test],
    limit: u64,
    mut look: Option<StatesLook<'_>>,
    progress: &(dyn Fn(u64) + Sync),
) -> std::io::Result<(u64, States)> {
    let base = setup.offset;
    let mut states = start_states(tests, setup);
    let mut workspace = Workspace::new();
    let mut buffer = vec![0u8; CHUNK_SYMBOLS];
    let mut read = 0u64;
    let mut checkpoint = next_checkpoint(base);
    while read < limit {
        let mut want = (limit - read).min(CHUNK_SYMBOLS as u64);
        if look.is_some() {
            // A chunk ends at the next checkpoint, so that the look sees exactly 2^k symbols.
            want = want.min(checkpoint - (base + read));
        }
        let got = stream.fill(&mut buffer[..want as usize])?;
        if got == 0 {
            break;
        }
        feed(&mut states, &buffer[..got], &mut workspace);
        read += got as u64;
        progress(got as u64);
        if base + read == checkpoint {
            checkpoint = next_checkpoint(base + read);
            if let Some(look) = look.as_mut() {
                if look(base + read, &states) {
                    break;
                }
            }
        }
    }
    Ok((read, states))
}

/// A segment analysed by a worker: its index in the stream, the symbols it was to hold and those
/// it held, its states (or the panic of a test, raised again on the reading thread, or the error
/// of a positioned read), and its buffer to be read into again (none when the worker read the
/// segment itself).
type Analysed = (
    u64,
    (u64, u64),
    std::thread::Result<std::io::Result<States>>,
    Option<Vec<u8>>,
);

/// Symbols a worker reads at a time from a positioned stream: the buffer each worker keeps,
/// small enough to stay in the core's L2 cache between the copy and the tests' reads (at 1 MiB
/// two threads ran 1.7 times one thread on a 256 MiB file here, at 256 KiB 1.9 times).
const POSITIONED_READ_SYMBOLS: usize = 1 << 18;

/// Symbols per segment when the workers read their segments themselves: no segment is held in
/// memory, so segments can be long, which makes starting and merging states rarer. Results do
/// not depend on it.
const POSITIONED_SEGMENT_SYMBOLS: u64 = 16 << 20;

thread_local! {
    /// A worker's read buffer and chunk workspace, kept from one segment to the next.
    static WORKER_MEMORY: std::cell::RefCell<(Vec<u8>, Workspace)> =
        std::cell::RefCell::new((Vec::new(), Workspace::new()));
}

/// Reads `length` symbols of `symbols` from `offset` on into fresh states, on a worker; returns
/// the symbols read (short only at the end of the stream) and the states.
fn analyse_positioned(
    symbols: &dyn PositionedSymbols,
    (offset, length): (u64, u64),
    tests: &[&'static Test],
    setup: &Setup,
) -> std::io::Result<(u64, States)> {
    let mut states = start_states(tests, setup);
    WORKER_MEMORY.with(|memory| {
        let (buffer, workspace) = &mut *memory.borrow_mut();
        buffer.resize(POSITIONED_READ_SYMBOLS, 0);
        let mut read = 0;
        while read < length {
            let want = (length - read).min(POSITIONED_READ_SYMBOLS as u64) as usize;
            let got = symbols.read_at(offset + read, &mut buffer[..want])?;
            feed(&mut states, &buffer[..got], workspace);
            read += got as u64;
            if got < want {
                break;
            }
        }
        Ok((read, states))
    })
}

/// One stream cut into segments analysed on `pool` and merged in order on this thread (see
/// [`analyse_looking`]). A stream that can be read at any position ([`PositionedSymbols`], a
/// regular file) is read by the workers, each its own segment; any other is read in order by
/// this thread and its segments handed to the workers.
fn analyse_segments(
    pool: &rayon::ThreadPool,
    stream: &mut dyn SymbolStream,
    setup: &Setup,
    tests: &[&'static Test],
    (mut limit, spread): (u64, usize),
    mut look: Option<StatesLook<'_>>,
    progress: &(dyn Fn(u64) + Sync),
) -> std::io::Result<(u64, States)> {
    // Counts below are from where the stream stands; checkpoints and the tests' offsets count
    // from the start of the stream, `base` symbols before (a shard's part of a stream).
    let base = setup.offset;
    let positioned = stream.positioned();
    let longest_segment = match &positioned {
        Some(symbols) => {
            limit = limit.min(symbols.length());
            POSITIONED_SEGMENT_SYMBOLS
        }
        None => SEGMENT_SYMBOLS as u64,
    };
    // Segments are sized for `spread` threads; at most two per thread of the pool are in flight.
    let most_in_flight = 2 * pool.current_num_threads();
    let mut merged_states = start_states(tests, setup);
    let (done, finished) = std::sync::mpsc::channel::<Analysed>();
    let mut buffers: Vec<Vec<u8>> = Vec::new();
    // Segments analysed but not yet merged: (length asked for, length read, states).
    let mut waiting: std::collections::BTreeMap<u64, (u64, u64, States)> = Default::default();
    let (mut next_index, mut next_to_merge, mut in_flight) = (0u64, 0u64, 0usize);
    // Symbols handed to the pool, and merged into the stream's states.
    let (mut read, mut merged) = (0u64, 0u64);
    let (mut ended, mut stopped) = (false, false);
    let mut look_at = next_checkpoint(base);
    let mut failure: Option<std::io::Error> = None;
    pool.in_place_scope(|scope| -> std::io::Result<()> {
        loop {
            // Merge what is ready, in stream order, looking at every checkpoint reached.
            while let Some((asked, length, states)) = waiting.remove(&next_to_merge) {
                next_to_merge += 1;
                if stopped {
                    continue;
                }
                for (into, state) in merged_states.iter_mut().zip(states) {
                    if let (Ok(into), Ok(state)) = (into, state) {
                        into.merge(state).unwrap_or_else(|error| {
                            unreachable!("consecutive segments of one setup merge: {error}")
                        });
                    }
                }
                merged += length;
                progress(length);
                // A positioned stream that ends early (a file cut short while it is read) ends
                // here: the segments after it, read or not, are not merged.
                if length < asked {
                    (ended, stopped) = (true, true);
                }
                if base + merged == look_at {
                    look_at = next_checkpoint(base + merged);
                    if let Some(look) = look.as_mut() {
                        stopped |= look(base + merged, &merged_states);
                    }
                }
            }
            if failure.is_none() && !ended && !stopped && read < limit && in_flight < most_in_flight
            {
                let want = segment_length(base + read, base + limit, spread, longest_segment);
                let segment_setup = Setup {
                    offset: base + read,
                    ..setup.clone()
                };
                let (index, done) = (next_index, done.clone());
                let handed = match &positioned {
                    Some(symbols) => {
                        if symbols.stop_requested() {
                            ended = true;
                            continue;
                        }
                        let (symbols, offset) = (std::sync::Arc::clone(symbols), read);
                        scope.spawn(move |_| {
                            let analysed =
                                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                                    analyse_positioned(
                                        symbols.as_ref(),
                                        (offset, want),
                                        tests,
                                        &segment_setup,
                                    )
                                }));
                            let length = match &analysed {
                                Ok(Ok((length, _))) => *length,
                                _ => 0,
                            };
                            let states = analysed.map(|result| result.map(|(_, states)| states));
                            let _ = done.send((index, (want, length), states, None));
                        });
                        want
                    }
                    None => {
                        let mut buffer = buffers
                            .pop()
                            .unwrap_or_else(|| Vec::with_capacity(SEGMENT_SYMBOLS));
                        buffer.resize(want as usize, 0);
                        let got = fill_all(stream, &mut buffer)?;
                        if got < buffer.len() {
                            ended = true;
                        }
                        if got == 0 {
                            buffers.push(buffer);
                            continue;
                        }
                        buffer.truncate(got);
                        let got = got as u64;
                        scope.spawn(move |_| {
                            // A test that panics must not leave the reading thread waiting.
                            let states =
                                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                                    let mut states = start_states(tests, &segment_setup);
                                    feed(&mut states, &buffer, &mut Workspace::new());
                                    Ok(states)
                                }));
                            let _ = done.send((index, (got, got), states, Some(buffer)));
                        });
                        got
                    }
                };
                next_index += 1;
                in_flight += 1;
                read += handed;
                continue;
            }
            if in_flight == 0 {
                return Ok(());
            }
            let (index, (asked, length), states, buffer) = finished
                .recv()
                .unwrap_or_else(|_| unreachable!("a worker holds a sender until it sends"));
            in_flight -= 1;
            buffers.extend(buffer);
            match states.unwrap_or_else(|panic| std::panic::resume_unwind(panic)) {
                Ok(states) => {
                    waiting.insert(index, (asked, length, states));
                }
                // The first error is reported once every worker has finished.
                Err(error) => {
                    failure.get_or_insert(error);
                }
            }
        }
    })?;
    if let Some(error) = failure {
        return Err(error);
    }
    if positioned.is_some() {
        // The workers read past the stream's position; a caller reading on (the next of
        // `file --streams K`'s segments) must start after what they read.
        stream.advance_past(merged);
    }
    Ok((merged, merged_states))
}

/// The length of the segment starting at `read`: it ends at the next checkpoint (so that a look
/// sees exactly 2^k symbols) and at the limit, holds at most `longest`, and the stretch up to a
/// short checkpoint is shared among the threads. Apart from the limit, segments end at
/// checkpoints or at multiples of [`CHUNK_SYMBOLS`], multiples of 2^10 as one thread's requests
/// are: a generator whose `fill` drops the rest of a word at the end of a request (rand's
/// `fill_bytes` for 64-bit generators) gives the same bytes at any thread count.
fn segment_length(read: u64, limit: u64, threads: usize, longest: u64) -> u64 {
    let checkpoint = next_checkpoint(read);
    let chunk = CHUNK_SYMBOLS as u64;
    let shared = (checkpoint / 2 / threads as u64 / chunk * chunk).max(MIN_SEGMENT_SYMBOLS);
    (checkpoint - read)
        .min(limit - read)
        .min(longest)
        .min(shared)
}

/// Fills `buffer` from `stream` as far as it goes: short only at the end of the stream.
fn fill_all(stream: &mut dyn SymbolStream, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        let got = stream.fill(&mut buffer[filled..])?;
        if got == 0 {
            break;
        }
        filled += got;
    }
    Ok(filled)
}

/// Runs the plan. `progress` is called with the number of symbols each finished job analysed.
pub fn run(plan: &Plan, progress: &(dyn Fn(u64) + Sync)) -> Result<Vec<StreamReport>, Error> {
    let jobs = plan.sources.len() as u64 * u64::from(plan.streams);
    run_jobs(plan, 0..jobs, progress)
}

/// The jobs `range` of the plan (job `k` is stream `k % streams` of source `k / streams`), as
/// [`run`] runs them: a shard's part of a plan of several streams.
pub(crate) fn run_jobs(
    plan: &Plan,
    range: std::ops::Range<u64>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<StreamReport>, Error> {
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
        .skip(range.start as usize)
        .take(range.end.saturating_sub(range.start) as usize)
        .collect();
    let pool = thread_pool(plan.threads)?;
    let job = |&(source, index): &(&'static Source, u32), segments: Option<&rayon::ThreadPool>| {
        let seed = stream_seed(plan.master_seed, source.name, index);
        let mut stream = (source.open)(seed);
        let setup = Setup {
            alphabet: source.alphabet,
            length: Some(plan.bytes),
            params: plan.params.clone(),
            offset: 0,
        };
        let analysed = match segments {
            Some(pool) => analyse_on(
                pool,
                stream.as_mut(),
                &setup,
                &plan.tests,
                plan.bytes,
                None,
                &|_| {},
            ),
            None => analyse(stream.as_mut(), &setup, &plan.tests, plan.bytes),
        };
        let (bytes, outcomes) = analysed.map_err(|error| Error::Read {
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
    };
    if (plan.streams as usize) < pool.current_num_threads() {
        // Too few streams per source to fill the threads: each stream is cut into segments
        // analysed on all of them, one stream after another.
        return jobs.iter().map(|j| job(j, Some(&pool))).collect();
    }
    pool.install(|| jobs.par_iter().map(|j| job(j, None)).collect())
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
    let job = |index: u32, segments: Option<&rayon::ThreadPool>| {
        let seed = stream_seed(master_seed, name, index);
        let mut stream = open(seed);
        let analysed = match segments {
            Some(pool) => analyse_on(pool, stream.as_mut(), setup, tests, limit, None, &|_| {}),
            None => analyse(stream.as_mut(), setup, tests, limit),
        };
        let (bytes, outcomes) = analysed.map_err(|error| Error::Read {
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
    };
    if (streams as usize) < pool.current_num_threads() {
        // As in [`run`]: too few streams to fill the threads, so each is cut into segments.
        return (0..streams).map(|i| job(i, Some(&pool))).collect();
    }
    pool.install(|| (0..streams).into_par_iter().map(|i| job(i, None)).collect())
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
/// tests on every segment in one pass. The input is read once, in order; the streams are
/// analysed one after the other because the input cannot be read out of order (a pipe), each
/// of them on `threads` worker threads (0: one per core) as [`analyse_looking`] does.
#[allow(clippy::too_many_arguments)]
pub fn run_segments(
    input: &mut dyn SymbolStream,
    setup: &Setup,
    tests: &[&'static Test],
    segments: u32,
    segment_bytes: u64,
    origin: (&str, Kind),
    threads: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<StreamReport>, Error> {
    let (name, kind) = origin;
    let pool = thread_pool(threads)?;
    let mut reports = Vec::with_capacity(segments as usize);
    for index in 0..segments {
        let (bytes, outcomes) =
            analyse_on(&pool, input, setup, tests, segment_bytes, None, &|_| {}).map_err(
                |source| Error::Read {
                    what: name.to_string(),
                    source,
                },
            )?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::battery::{exact, DEFAULT};

    /// Bytes in memory read forward, in reads of uneven lengths (as a pipe gives them), and,
    /// when `positioned` is given, also at any position, as a regular file is.
    struct Uneven {
        bytes: Vec<u8>,
        at: usize,
        reads: usize,
        positioned: Option<std::sync::Arc<InMemory>>,
    }

    /// Bytes read at any position by the workers: `length` may claim more than there is (a
    /// file cut short while it is read), a read from `fail_from` on fails, and a stop is asked
    /// for once `stop_after` reads have been made.
    struct InMemory {
        bytes: Vec<u8>,
        length: u64,
        fail_from: Option<u64>,
        stop_after: Option<usize>,
        reads: std::sync::atomic::AtomicUsize,
    }

    impl InMemory {
        fn new(bytes: &[u8]) -> Self {
            InMemory {
                bytes: bytes.to_vec(),
                length: bytes.len() as u64,
                fail_from: None,
                stop_after: None,
                reads: Default::default(),
            }
        }
    }

    impl PositionedSymbols for InMemory {
        fn read_at(&self, offset: u64, out: &mut [u8]) -> std::io::Result<usize> {
            self.reads
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if self
                .fail_from
                .is_some_and(|from| offset + out.len() as u64 > from)
            {
                return Err(std::io::Error::other("the disk is gone"));
            }
            let start = (offset as usize).min(self.bytes.len());
            let take = out.len().min(self.bytes.len() - start);
            out[..take].copy_from_slice(&self.bytes[start..start + take]);
            Ok(take)
        }

        fn length(&self) -> u64 {
            self.length
        }

        fn stop_requested(&self) -> bool {
            self.stop_after
                .is_some_and(|after| self.reads.load(std::sync::atomic::Ordering::Relaxed) >= after)
        }
    }

    impl SymbolStream for Uneven {
        fn fill(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            self.reads += 1;
            let take = out
                .len()
                .min(1 + (self.reads * 7919) % 100_000)
                .min(self.bytes.len() - self.at);
            out[..take].copy_from_slice(&self.bytes[self.at..self.at + take]);
            self.at += take;
            Ok(take)
        }

        fn positioned(&mut self) -> Option<std::sync::Arc<dyn PositionedSymbols>> {
            self.positioned
                .clone()
                .map(|symbols| symbols as std::sync::Arc<dyn PositionedSymbols>)
        }
    }

    /// Every look (length and outcomes as bits), the symbols read, the final outcomes as bits
    /// and the symbols `progress` was told of.
    type Looked = (Vec<(u64, Vec<String>)>, u64, Vec<String>, u64);

    /// [`Looked`] of one stream read on `threads`, stopping at the look `stop_at` when given.
    fn looked(
        bytes: &[u8],
        alphabet: u16,
        threads: usize,
        limit: u64,
        stop_at: Option<u64>,
    ) -> Looked {
        looked_from(bytes, None, alphabet, threads, limit, stop_at).unwrap()
    }

    /// [`looked_from`] with the default battery's tests.
    fn looked_from(
        bytes: &[u8],
        positioned: Option<InMemory>,
        alphabet: u16,
        threads: usize,
        limit: u64,
        stop_at: Option<u64>,
    ) -> Result<Looked, Error> {
        let tests: Vec<&'static Test> = DEFAULT.iter().collect();
        looked_with(
            &tests,
            bytes,
            positioned,
            alphabet,
            threads,
            (limit, stop_at),
        )
    }

    /// [`looked`] with `tests`, the workers reading `positioned` when given.
    fn looked_with(
        tests: &[&'static Test],
        bytes: &[u8],
        positioned: Option<InMemory>,
        alphabet: u16,
        threads: usize,
        (limit, stop_at): (u64, Option<u64>),
    ) -> Result<Looked, Error> {
        let mut stream = Uneven {
            bytes: bytes.to_vec(),
            at: 0,
            reads: 0,
            positioned: positioned.map(std::sync::Arc::new),
        };
        let mut looks = Vec::new();
        let mut look = |read: u64, outcomes: Vec<Outcome>| {
            looks.push((read, exact(&outcomes)));
            Some(read) == stop_at
        };
        let told = std::sync::atomic::AtomicU64::new(0);
        let progress = |bytes: u64| {
            told.fetch_add(bytes, std::sync::atomic::Ordering::Relaxed);
        };
        let (read, outcomes) = analyse_looking(
            &mut stream,
            &Setup::new(alphabet, None),
            tests,
            limit,
            threads,
            Some(&mut look),
            &progress,
        )?;
        Ok((looks, read, exact(&outcomes), told.into_inner()))
    }

    /// Issue #11 §3: one stream cut into segments analysed on 2 or 3 threads and merged gives
    /// every checkpoint's outcomes and the final ones bit-identical to one thread, whether it
    /// runs to its end, to a limit between checkpoints, or stops at a look.
    #[test]
    fn one_stream_on_several_threads_equals_one_thread_bit_for_bit() {
        let mut bytes = vec![0u8; (9 << 20) + 12_345];
        let mut generator = (crate::source::find("chacha20").unwrap().open)(7);
        generator.fill(&mut bytes).unwrap();
        let symbols62: Vec<u8> = bytes[..3 << 20].iter().map(|b| b % 62).collect();
        for (data, alphabet, limit, stop_at) in [
            (&bytes, 256u16, u64::MAX, None),
            (&bytes, 256, (5 << 20) + 999, None),
            (&bytes, 256, u64::MAX, Some(1 << 21)),
            (&symbols62, 62, u64::MAX, None),
        ] {
            let one = looked(data, alphabet, 1, limit, stop_at);
            let expected_end = stop_at.unwrap_or(limit.min(data.len() as u64));
            assert_eq!(one.1, expected_end);
            assert_eq!(one.3, expected_end, "progress counts what was analysed");
            assert!(one.0.len() >= 11, "{} looks", one.0.len());
            for threads in [2, 3] {
                let many = looked(data, alphabet, threads, limit, stop_at);
                assert_eq!(
                    many, one,
                    "{threads} threads, alphabet {alphabet}, limit {limit}"
                );
                // The same when the workers read their segments themselves (a regular file).
                let read_by_workers = looked_from(
                    &[],
                    Some(InMemory::new(data)),
                    alphabet,
                    threads,
                    limit,
                    stop_at,
                )
                .unwrap();
                assert_eq!(
                    read_by_workers, one,
                    "{threads} threads reading at positions, alphabet {alphabet}, limit {limit}"
                );
            }
        }
    }

    /// The deep battery's tests keep unfinished matrices and spans across segments whose
    /// alignment (2 MiB for brank's largest matrices) is longer than the early segments: the
    /// stream's first segment ends inside them and is merged into an empty state. One thread,
    /// several, and several reading at positions give the same looks and outcomes.
    #[test]
    fn deep_battery_on_several_threads_equals_one_thread_bit_for_bit() {
        let mut bytes = vec![0u8; (5 << 20) + 777];
        let mut generator = (crate::source::find("chacha20").unwrap().open)(9);
        generator.fill(&mut bytes).unwrap();
        let tests: Vec<&'static Test> = crate::battery::DEEP.iter().collect();
        let whole = (u64::MAX, None);
        let one = looked_with(&tests, &bytes, None, 256, 1, whole).unwrap();
        assert_eq!(one.1, bytes.len() as u64);
        let two = looked_with(&tests, &bytes, None, 256, 2, whole).unwrap();
        assert_eq!(two, one, "2 threads reading in order");
        let positioned = Some(InMemory::new(&bytes));
        let three = looked_with(&tests, &[], positioned, 256, 3, whole).unwrap();
        assert_eq!(three, one, "3 threads reading at positions");
    }

    /// A positioned stream that holds less than it claimed (a file cut short while it is read)
    /// ends where its data ends, with the outcomes of one thread on what there was; a failed
    /// read is the run's error; a stop asked for ends the reading early.
    #[test]
    fn workers_reading_at_positions_stop_at_a_short_read_an_error_or_a_stop() {
        let mut bytes = vec![0u8; (6 << 20) + 4321];
        let mut generator = (crate::source::find("chacha20").unwrap().open)(8);
        generator.fill(&mut bytes).unwrap();
        let one = looked(&bytes, 256, 1, u64::MAX, None);
        let cut_short = InMemory {
            length: 40 << 20,
            ..InMemory::new(&bytes)
        };
        let read = looked_from(&[], Some(cut_short), 256, 2, u64::MAX, None).unwrap();
        assert_eq!(read, one);

        let failing = InMemory {
            fail_from: Some(3 << 20),
            ..InMemory::new(&bytes)
        };
        let error = looked_from(&[], Some(failing), 256, 2, u64::MAX, None).unwrap_err();
        match error {
            Error::Read { source, .. } => assert_eq!(source.to_string(), "the disk is gone"),
            other => panic!("not a read error: {other}"),
        }

        let stopping = InMemory {
            stop_after: Some(3),
            ..InMemory::new(&bytes)
        };
        let (looks, read, _, _) = looked_from(&[], Some(stopping), 256, 2, u64::MAX, None).unwrap();
        assert!(read < bytes.len() as u64, "stopped after {read} symbols");
        assert_eq!(
            looks,
            one.0[..looks.len()].to_vec(),
            "the looks before the stop"
        );
    }

    /// A stream with fewer streams than threads is cut into segments; its outcomes are those of
    /// one thread.
    #[test]
    fn run_with_one_stream_per_source_does_not_depend_on_threads() {
        let plan = |threads| Plan {
            sources: vec![
                crate::source::find("pcg64").unwrap(),
                crate::source::find("ctl_bias52").unwrap(),
            ],
            tests: DEFAULT.iter().collect(),
            bytes: (3 << 20) + 17,
            streams: 1,
            master_seed: 5,
            threads,
            params: Params::default(),
        };
        let outcomes = |threads| -> Vec<(u64, Vec<String>)> {
            run(&plan(threads), &|_| {})
                .unwrap()
                .iter()
                .map(|r| (r.bytes, exact(&r.outcomes)))
                .collect()
        };
        let one = outcomes(1);
        assert_eq!(outcomes(2), one);
        assert_eq!(outcomes(3), one);
    }
}
