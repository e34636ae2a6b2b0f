//! The pipeline behind one call: input → battery → second level → [`Report`].
//!
//! [`Audit`] is a builder. Pick the input (a built-in source by name, a `rand` generator, a
//! closure that fills bytes, a factory of seeded generators, or any [`std::io::Read`]), pick
//! the battery and the amount of data, and [`Audit::run`] returns the same [`Report`] the
//! command line prints: every outcome, cell, verdict, p-value, skip reason and the provenance.
//! Every battery goes through the same call; how a battery reads its input (streams of bytes,
//! or the NIST battery's fixed-length bit sequences) is the registry's business
//! ([`crate::battery::Consumes`]), not the caller's.
//!
//! Gate on [`Report::passed`]: it is false when nothing was measured, so a battery that
//! silently skipped every test cannot pass a check. A battery that cannot run on the input at
//! all is an [`Error::NotApplicable`], not a report.

use crate::battery::ent::{Ent, EntResult};
use crate::battery::{self, Consumes, Params, Setup, Test};
use crate::report::Report;
use crate::runner::{
    self, run_factory, run_segments, run_sequences, BitSource, GeneratedBits, Plan, SequencePlan,
    StreamReport,
};
use crate::second_level::checkpoints::{is_checkpoint, Checkpoint};
use crate::second_level::Verdict;
use crate::seeds::stream_seed;
use crate::shard::{PlanInput, Shard, ShardError, ShardPlan, ShardRun, ShardState};
use crate::source::external::{ExternalInput, Format};
use crate::source::{self, Kind, SymbolStream};
use crate::Error;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Bytes per stream when none is given, for generators: what `rngaudit run` uses.
pub const DEFAULT_BYTES: u64 = 1 << 20;
/// Streams when none is given, for generators: what `rngaudit run` uses.
pub const DEFAULT_STREAMS: u32 = 10;
/// Bits per NIST sequence when none is given: STS's recommended 10^6.
pub const DEFAULT_SEQ_BITS: u64 = 1_000_000;
/// NIST sequences when none is given: STS's recommended 100.
pub const DEFAULT_SEQS: usize = 100;

/// A generator boxed as a stream, read on the thread that made it.
type Stream = Box<dyn SymbolStream>;
/// A factory of seeded streams, called from the worker threads.
type Factory = Box<dyn Fn(u64) -> Stream + Sync>;
/// Told of each look at a stream read with checkpoints, as it is taken.
type LookCallback = Box<dyn FnMut(&Checkpoint)>;
/// The progress callback: bytes analysed since the last call.
type Progress = Box<dyn Fn(u64) + Sync>;

/// What the audit reads.
enum Input {
    /// Built-in sources, by name (see `rngaudit list` or [`crate::source::SOURCES`]).
    Sources(Vec<String>),
    /// One generator, read forward: several streams are consecutive segments of it.
    Stream(Stream),
    /// A generator per stream, each from its own seed.
    Seeded(Factory),
    /// Finite input: a reader, a file, stdin.
    External(ExternalInput),
}

/// An audit of one input by one battery. Build it with one of the input constructors, adjust
/// it, then [`Audit::run`] it.
///
/// Defaults: the `default` battery; for generators 10 streams of 1 MiB, for a reader all of it
/// as one stream; the NIST battery reads 100 sequences of 10^6 bits; master seed 0; one
/// worker thread per core (results do not depend on the thread count).
pub struct Audit {
    input: Input,
    name: Option<String>,
    battery: String,
    tests: Option<Vec<String>>,
    params: Params,
    word: Option<u32>,
    bytes: Option<u64>,
    streams: Option<u32>,
    seed: u64,
    threads: usize,
    seq_bits: u64,
    seqs: usize,
    ent_bits: bool,
    stop: Option<Arc<AtomicBool>>,
    checkpoints: bool,
    keep_going: bool,
    on_checkpoint: Option<LookCallback>,
    progress: Option<Progress>,
}

/// A generator's stream that ends once its flag is raised.
struct StoppableStream {
    stream: Stream,
    flag: Arc<AtomicBool>,
}

impl SymbolStream for StoppableStream {
    fn fill(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.flag.load(Ordering::Relaxed) {
            return Ok(0);
        }
        self.stream.fill(out)
    }
}

/// A generator that fills bytes through a closure.
struct FillStream<F>(F);

impl<F: FnMut(&mut [u8])> SymbolStream for FillStream<F> {
    fn fill(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        (self.0)(out);
        Ok(out.len())
    }
}

/// A `rand_core` 0.10 generator, fallible or not; its error ends the audit as a read error.
struct TryRngStream<R>(R);

impl<R> SymbolStream for TryRngStream<R>
where
    R: rand::TryRng,
    R::Error: Send + Sync + 'static,
{
    fn fill(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        self.0.try_fill_bytes(out).map_err(std::io::Error::other)?;
        Ok(out.len())
    }
}

impl Audit {
    fn with_input(input: Input) -> Self {
        Audit {
            input,
            name: None,
            battery: "default".to_string(),
            tests: None,
            params: Params::default(),
            word: None,
            bytes: None,
            streams: None,
            seed: 0,
            threads: 0,
            seq_bits: DEFAULT_SEQ_BITS,
            seqs: DEFAULT_SEQS,
            ent_bits: false,
            stop: None,
            checkpoints: false,
            keep_going: false,
            on_checkpoint: None,
            progress: None,
        }
    }

    /// A built-in source by name (`"chacha20"`, `"pcg64"`, `"randu"`, ...). Streams are seeded
    /// from the master seed, the name and the stream index, as `rngaudit run` seeds them.
    pub fn source(name: &str) -> Self {
        Audit::sources([name])
    }

    /// Several built-in sources, audited together: one report, one verdict per source, with
    /// Holm's procedure over all their cells.
    pub fn sources<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> Self {
        Audit::with_input(Input::Sources(
            names.into_iter().map(|n| n.as_ref().to_string()).collect(),
        ))
    }

    /// Any `rand_core` 0.10 generator: an infallible [`rand::Rng`] or a fallible
    /// [`rand::TryRng`], whose error stops the audit as [`Error::Read`]. Its bytes are read in
    /// its own `fill_bytes` order; several streams are consecutive segments of its output.
    pub fn rng<R>(rng: R) -> Self
    where
        R: rand::TryRng + 'static,
        R::Error: Send + Sync + 'static,
    {
        Audit::with_input(Input::Stream(Box::new(TryRngStream(rng))))
    }

    /// A closure that fills a buffer with the generator's next bytes, for generators of other
    /// `rand_core` versions or other crates. It must fill the whole buffer each call.
    pub fn fill(fill: impl FnMut(&mut [u8]) + 'static) -> Self {
        Audit::with_input(Input::Stream(Box::new(FillStream(fill))))
    }

    /// A factory of generators: each stream gets `factory(seed)` with its own seed, derived
    /// from the master seed, the input's name and the stream index (the report records each
    /// seed, so a failing stream can be replayed). Streams run in parallel. The NIST battery
    /// reads the first stream, cut into sequences.
    pub fn seeded<R, F>(factory: F) -> Self
    where
        F: Fn(u64) -> R + Sync + 'static,
        R: rand::TryRng + 'static,
        R::Error: Send + Sync + 'static,
    {
        Audit::with_input(Input::Seeded(Box::new(move |seed| {
            Box::new(TryRngStream(factory(seed))) as Stream
        })))
        .name("seeded")
    }

    /// Any reader of raw bytes, read forward once until it ends (or until [`Audit::bytes`]).
    /// Reading from a reader of unknown length into several streams needs [`Audit::bytes`].
    pub fn reader(reader: impl std::io::Read + Send + 'static) -> Self {
        Audit::external(ExternalInput::from_reader("reader", reader, Format::Bin))
    }

    /// An input already opened ([`ExternalInput::open`]: a file or stdin, raw bytes or ASCII
    /// `0`/`1`). Its name is the one reports show.
    pub fn external(input: ExternalInput) -> Self {
        Audit::with_input(Input::External(input))
    }

    /// The name reports show for the input (default: `rng`, `fill`, `seeded` or `reader` by
    /// the constructor; built-in sources keep their own names). For a seeded factory it is
    /// also part of every stream's seed.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The battery, by name: `default` or `nist` (see [`crate::battery::BATTERIES`]).
    pub fn battery(mut self, name: &str) -> Self {
        self.battery = name.to_string();
        self
    }

    /// Runs only these tests of the battery, in this order.
    pub fn tests<S: AsRef<str>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.tests = Some(names.into_iter().map(|n| n.as_ref().to_string()).collect());
        self
    }

    /// Sets a test parameter, `test.NAME` = `value` (`"BlockFrequency.M"`, 256). A key that
    /// no selected test reads is an error when the audit runs.
    pub fn param(mut self, key: &str, value: u64) -> Self {
        self.params.0.insert(key.to_string(), value);
        self
    }

    /// Narrows the tests that read words (bit lanes, word differences) to words of `bits` bits:
    /// 8, 16, 32 or 64 (`--word`); by default every size is tried. Another value is an error
    /// when the audit runs.
    pub fn word(mut self, bits: u32) -> Self {
        self.word = Some(bits);
        self
    }

    /// Bytes per stream (generators), or at most this many bytes in all (a reader).
    pub fn bytes(mut self, bytes: u64) -> Self {
        self.bytes = Some(bytes);
        self
    }

    /// Streams per source; the second level needs 10 or more for its uniformity test.
    pub fn streams(mut self, streams: u32) -> Self {
        self.streams = Some(streams);
        self
    }

    /// The master seed every stream's seed derives from (built-in sources, seeded factories).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Worker threads; 0 (the default) means one per core. Results do not depend on it.
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }

    /// Bits per sequence, for batteries that read bit sequences (NIST).
    pub fn seq_bits(mut self, bits: u64) -> Self {
        self.seq_bits = bits;
        self
    }

    /// Sequences, for batteries that read bit sequences (NIST); fewer when a reader ends first.
    pub fn seqs(mut self, sequences: usize) -> Self {
        self.seqs = sequences;
        self
    }

    /// For the `ent` battery: count bits rather than bytes, as `ent -b` does.
    pub fn ent_bits(mut self, bits: bool) -> Self {
        self.ent_bits = bits;
        self
    }

    /// Ends the input early once `flag` is raised (by a SIGINT handler, say): reading stops
    /// at the next chunk and the report covers what was read, with
    /// [`Report::interrupted`](crate::report::Report::interrupted) set. Applies to a reader
    /// and to one generator read forward ([`Audit::reader`], [`Audit::rng`], [`Audit::fill`]);
    /// built-in sources and seeded factories run their plan whole.
    pub fn stop_on(mut self, flag: Arc<AtomicBool>) -> Self {
        self.stop = Some(flag);
        self
    }

    /// Judges one stream read forward (a reader, one generator: one stream; or each built-in
    /// source's stream, with one stream per source) at every doubling of its length from 2^10
    /// bytes and at its end, in one pass, under the family-wise rule of
    /// [`crate::second_level::checkpoints`]; the report holds every look
    /// ([`Report::checkpoints`](crate::report::Report::checkpoints)) and each source's final
    /// verdict is its last look's. Reading a stream stops at its first look that fails unless
    /// [`Audit::keep_going`] says otherwise. Seeded factories and several streams per source
    /// ignore it: their verdict comes from the second level across streams.
    pub fn checkpoints(mut self, on: bool) -> Self {
        self.checkpoints = on;
        self
    }

    /// With [`Audit::checkpoints`]: read on after a look fails (to the end or the limit).
    pub fn keep_going(mut self, on: bool) -> Self {
        self.keep_going = on;
        self
    }

    /// With [`Audit::checkpoints`]: called on this thread with each look as it is taken, for
    /// a line per doubling while an endless pipe is read.
    pub fn on_checkpoint(mut self, callback: impl FnMut(&Checkpoint) + 'static) -> Self {
        self.on_checkpoint = Some(Box::new(callback));
        self
    }

    /// Called, from any worker thread, with the number of bytes just analysed: for a progress
    /// bar sized by [`Audit::planned_bytes`].
    pub fn progress(mut self, progress: impl Fn(u64) + Sync + 'static) -> Self {
        self.progress = Some(Box::new(progress));
        self
    }

    /// The bytes the audit will analyse, when that is known before reading (not for a reader
    /// of unknown length without a limit).
    pub fn planned_bytes(&self) -> Result<Option<u64>, Error> {
        let inputs = match &self.input {
            Input::Sources(names) => names.len() as u64,
            _ => 1,
        };
        let per_input = match (find_battery(&self.battery)?.consumes, &self.input) {
            (Consumes::Streams, Input::External(input)) => external_total(input, self.bytes),
            (Consumes::Streams, _) => Some(
                self.stream_bytes()
                    .saturating_mul(u64::from(self.stream_count())),
            ),
            (Consumes::BitSequences, _) => {
                Some((self.seq_bits / 8).saturating_mul(self.seqs as u64))
            }
            (Consumes::Figures, Input::External(input)) => external_total(input, self.bytes),
            (Consumes::Figures, _) => Some(self.stream_bytes()),
        };
        Ok(per_input.map(|bytes| bytes.saturating_mul(inputs)))
    }

    fn stream_bytes(&self) -> u64 {
        self.bytes.unwrap_or(DEFAULT_BYTES)
    }

    fn stream_count(&self) -> u32 {
        match self.input {
            Input::External(_) => self.streams.unwrap_or(1),
            _ => self.streams.unwrap_or(DEFAULT_STREAMS),
        }
    }

    /// The input's name as reports show it.
    fn input_name(&self) -> String {
        if let Some(name) = &self.name {
            return name.clone();
        }
        match &self.input {
            Input::Sources(names) => names.join(", "),
            Input::Stream(_) => "rng".to_string(),
            Input::Seeded(_) => "seeded".to_string(),
            Input::External(input) => input.name.clone(),
        }
    }

    /// Runs the audit and returns its report. Errors are about the request or the input (an
    /// unknown name, a battery that cannot run on the input, input that cannot be read),
    /// never statistical findings: those are in the report.
    pub fn run(mut self) -> Result<Report, Error> {
        let battery = find_battery(&self.battery)?;
        let tests = match &self.tests {
            None => battery.tests.iter().collect(),
            Some(names) => battery::select_names(battery, names.iter().map(String::as_str))?,
        };
        if let Some(bits) = self.word {
            self.params.set_word_bits(bits)?;
        }
        self.params.check(&tests)?;
        let progress = self.progress.take().unwrap_or_else(|| Box::new(|_| {}));
        // Only what is read forward can be stopped early and still reported: a reader, or one
        // generator's stream. Built-in sources and seeded factories run their plan whole.
        let stop = self
            .stop
            .take()
            .filter(|_| matches!(self.input, Input::External(_) | Input::Stream(_)));
        if let Some(flag) = &stop {
            self.input = match self.input {
                Input::External(mut input) => {
                    input.stop_on(Arc::clone(flag));
                    Input::External(input)
                }
                Input::Stream(stream) => Input::Stream(Box::new(StoppableStream {
                    stream,
                    flag: Arc::clone(flag),
                })),
                other => other,
            };
        }
        let mut report = match battery.consumes {
            Consumes::Streams => self.run_streams(battery, tests, progress.as_ref()),
            Consumes::BitSequences => self.run_sequences(battery, tests, progress.as_ref()),
            Consumes::Figures => self.run_figures(battery, progress.as_ref()),
        }?;
        report.interrupted = stop.is_some_and(|flag| flag.load(Ordering::Relaxed));
        Ok(report)
    }

    /// Runs shard `shard` of this audit instead of all of it, and returns the shard's partial
    /// state ([`crate::shard`]): write it with [`ShardState::write`] and merge the states of
    /// every shard with [`crate::shard::merge`] into the report [`Audit::run`] would give.
    /// Built-in sources (several streams per source, or one stream of sources that seek) and
    /// a regular file read as one stream can be cut into shards; a shard judges nothing.
    pub fn run_shard(mut self, shard: Shard) -> Result<ShardState, Error> {
        let battery = find_battery(&self.battery)?;
        if battery.consumes != Consumes::Streams {
            return Err(ShardError::NotShardable(format!(
                "the {} battery does not read streams of symbols; only batteries of stream tests (default, deep) can be cut into shards",
                battery.name
            ))
            .into());
        }
        let tests: Vec<&'static Test> = match &self.tests {
            None => battery.tests.iter().collect(),
            Some(names) => battery::select_names(battery, names.iter().map(String::as_str))?,
        };
        if let Some(bits) = self.word {
            self.params.set_word_bits(bits)?;
        }
        self.params.check(&tests)?;
        let streams = self.stream_count();
        if streams == 0 {
            return Err(Error::InvalidSetting {
                setting: "streams",
                reason: "must be at least 1".to_string(),
            });
        }
        let progress = self.progress.take().unwrap_or_else(|| Box::new(|_| {}));
        let plan = |input, bytes, looks| ShardPlan {
            rngaudit: env!("CARGO_PKG_VERSION").to_string(),
            battery: battery.name.to_string(),
            tests: tests.iter().map(|t| t.name.to_string()).collect(),
            params: self.params.0.clone(),
            input,
            bytes,
            streams,
            master_seed: self.seed,
            looks,
            keep_going: self.keep_going,
            shards: shard.count,
        };
        let run = |plan| ShardRun {
            plan,
            index: shard.index,
            tests: tests.clone(),
            params: self.params.clone(),
            threads: self.threads,
            progress: progress.as_ref(),
        };
        match &self.input {
            Input::Sources(names) => {
                let sources = names
                    .iter()
                    .map(|n| source::find(n))
                    .collect::<Result<Vec<_>, _>>()?;
                if let Some(source) = sources.first() {
                    if !sources
                        .iter()
                        .any(|s| tests.iter().any(|t| (t.applies_to)(s.alphabet).is_ok()))
                    {
                        return Err(not_applicable(
                            battery,
                            source.name,
                            &tests,
                            source.alphabet,
                        ));
                    }
                }
                let input =
                    PlanInput::Sources(sources.iter().map(|s| s.name.to_string()).collect());
                let looks = self.checkpoints && streams == 1;
                let plan = plan(input, self.stream_bytes(), looks);
                crate::shard::run_sources(run(plan), sources)
            }
            Input::External(input) => {
                if streams == 1 && !self.checkpoints {
                    return Err(ShardError::NotShardable(format!(
                        "{} can be cut into shards as one stream only when it is judged at \
                         every checkpoint",
                        input.name
                    ))
                    .into());
                }
                let total = match (input.format(), input.file_bytes) {
                    (Format::Bin, Some(_)) => external_total(input, self.bytes).unwrap_or(0),
                    _ => {
                        return Err(ShardError::NotShardable(format!(
                            "{} is not a regular file of raw bytes: only such a file can be cut into shards",
                            input.name
                        ))
                        .into())
                    }
                };
                if total == 0 {
                    return Err(nothing_to_test(&input.name, input.format()));
                }
                if streams > 1 {
                    // Cut as one machine cuts it: `streams` segments of total / streams bytes.
                    let segment = total / u64::from(streams);
                    if segment == 0 {
                        return Err(Error::TooShortToCut {
                            bytes: total,
                            streams,
                        });
                    }
                    let plan = plan(PlanInput::File(input.name.clone()), segment, false);
                    return crate::shard::run_file_streams(run(plan), input);
                }
                let plan = plan(PlanInput::File(input.name.clone()), total, true);
                crate::shard::run_file(run(plan), input)
            }
            Input::Stream(_) | Input::Seeded(_) => Err(ShardError::NotShardable(
                "only built-in sources and regular files can be cut into shards".to_string(),
            )
            .into()),
        }
    }

    /// ENT's figures of each source's first stream (of each input), read once.
    fn run_figures(
        self,
        battery: &'static battery::Battery,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Report, Error> {
        let name = self.input_name();
        let bytes = self.stream_bytes();
        let figures_of = |stream: &mut dyn SymbolStream, limit, origin| {
            ent_figures(stream, limit, self.ent_bits, origin, progress)
        };
        let mut figures = Vec::new();
        match self.input {
            Input::Sources(ref names) => {
                let sources = names
                    .iter()
                    .map(|n| source::find(n))
                    .collect::<Result<Vec<_>, _>>()?;
                if let Some(source) = sources.iter().find(|s| s.alphabet != 256) {
                    return Err(Error::NotApplicable {
                        battery: battery.name.to_string(),
                        input: source.name.to_string(),
                        reason: format!(
                            "ENT reads bytes, and {} emits symbols over an alphabet of {}",
                            source.name, source.alphabet
                        ),
                    });
                }
                for source in sources {
                    let seed = stream_seed(self.seed, source.name, 0);
                    let mut stream = (source.open)(seed);
                    let seed = source.kind.is_reproducible().then_some(seed);
                    figures.push(figures_of(
                        stream.as_mut(),
                        Some(bytes),
                        (source.name, source.kind, seed),
                    )?);
                }
            }
            Input::Stream(mut stream) => {
                let origin = (name.as_str(), Kind::External, None);
                figures.push(figures_of(stream.as_mut(), Some(bytes), origin)?);
            }
            Input::Seeded(ref factory) => {
                let seed = stream_seed(self.seed, &name, 0);
                let origin = (name.as_str(), Kind::Seeded, Some(seed));
                figures.push(figures_of(factory(seed).as_mut(), Some(bytes), origin)?);
            }
            Input::External(mut input) => {
                let origin = (name.as_str(), Kind::External, None);
                figures.push(figures_of(&mut input, self.bytes, origin)?);
            }
        }
        let read = figures.first().map_or(0, |f| f.bytes);
        let mut report = Report::from_results(battery.name, read, 1, self.seed, 1, Vec::new());
        report.ent = figures;
        Ok(report)
    }

    fn run_streams(
        mut self,
        battery: &'static battery::Battery,
        tests: Vec<&'static Test>,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Report, Error> {
        let streams = self.stream_count();
        if streams == 0 {
            return Err(Error::InvalidSetting {
                setting: "streams",
                reason: "must be at least 1".to_string(),
            });
        }
        let name = self.input_name();
        let bytes = self.stream_bytes();
        let setup = Setup {
            alphabet: 256,
            length: Some(bytes),
            params: self.params.clone(),
            offset: 0,
        };
        let report = |results, bytes, threads| {
            Report::from_results(battery.name, bytes, streams, self.seed, threads, results)
        };
        let looking = self.checkpoints && streams == 1;
        let mut look_plan = LookPlan {
            keep_going: self.keep_going,
            callback: self.on_checkpoint.take(),
            progress,
            threads: self.threads,
        };
        match self.input {
            Input::Stream(mut stream) if looking => {
                let limit = self.bytes.unwrap_or(u64::MAX);
                let (result, looks) = checkpointed(
                    stream.as_mut(),
                    (&name, Kind::External),
                    limit,
                    &tests,
                    &setup,
                    &mut look_plan,
                )?;
                Ok(looked_report(
                    battery.name,
                    self.seed,
                    self.threads,
                    result,
                    looks,
                ))
            }
            Input::External(mut input) if looking => {
                let format = input.format();
                let limit = self.bytes.unwrap_or(u64::MAX);
                let (result, looks) = checkpointed(
                    &mut input,
                    (&name, Kind::External),
                    limit,
                    &tests,
                    &setup,
                    &mut look_plan,
                )?;
                if result.bytes == 0 {
                    return Err(nothing_to_test(&name, format));
                }
                Ok(looked_report(
                    battery.name,
                    self.seed,
                    self.threads,
                    result,
                    looks,
                ))
            }
            Input::Sources(ref names) => {
                let sources = names
                    .iter()
                    .map(|n| source::find(n))
                    .collect::<Result<Vec<_>, _>>()?;
                if let Some(source) = sources.first() {
                    let applies = |s: &source::Source| {
                        tests.iter().any(|t| (t.applies_to)(s.alphabet).is_ok())
                    };
                    if !sources.iter().any(|s| applies(s)) {
                        return Err(not_applicable(
                            battery,
                            source.name,
                            &tests,
                            source.alphabet,
                        ));
                    }
                }
                if looking {
                    // One stream per source: each is judged at every checkpoint, one source
                    // after another, its segments on every thread.
                    let mut looked = Vec::with_capacity(sources.len());
                    for source in sources {
                        let seed = stream_seed(self.seed, source.name, 0);
                        let mut stream = (source.open)(seed);
                        let setup = Setup {
                            alphabet: source.alphabet,
                            ..setup.clone()
                        };
                        let (mut result, looks) = checkpointed(
                            stream.as_mut(),
                            (source.name, source.kind),
                            bytes,
                            &tests,
                            &setup,
                            &mut look_plan,
                        )?;
                        result.seed = source.kind.is_reproducible().then_some(seed);
                        looked.push((result, looks));
                    }
                    return Ok(Report::from_looks(
                        battery.name,
                        bytes,
                        self.seed,
                        self.threads,
                        looked,
                    ));
                }
                let plan = Plan {
                    sources,
                    tests,
                    bytes,
                    streams,
                    master_seed: self.seed,
                    threads: self.threads,
                    params: self.params.clone(),
                };
                let results = runner::run(&plan, progress)?;
                Ok(report(results, bytes, self.threads))
            }
            Input::Stream(mut stream) => {
                let results = run_segments(
                    stream.as_mut(),
                    &setup,
                    &tests,
                    streams,
                    bytes,
                    (&name, Kind::External),
                    self.threads,
                    progress,
                )?;
                Ok(report(results, bytes, self.threads))
            }
            Input::Seeded(ref factory) => {
                let results = run_factory(
                    (&name, Kind::Seeded),
                    factory.as_ref(),
                    &setup,
                    &tests,
                    streams,
                    self.seed,
                    self.threads,
                    progress,
                )?;
                Ok(report(results, bytes, self.threads))
            }
            Input::External(mut input) => {
                let results = external_segments(
                    &mut input,
                    &name,
                    (self.bytes, streams),
                    &tests,
                    &setup,
                    self.threads,
                    progress,
                )?;
                let (segment, results) = results;
                let analysed: u64 = results.iter().map(|r| r.bytes).sum();
                let streams = results.len() as u32;
                Ok(Report::from_results(
                    battery.name,
                    segment.min(analysed),
                    streams,
                    self.seed,
                    self.threads,
                    results,
                ))
            }
        }
    }

    fn run_sequences(
        self,
        battery: &'static battery::Battery,
        tests: Vec<&'static Test>,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Report, Error> {
        for (setting, zero) in [("seq_bits", self.seq_bits == 0), ("seqs", self.seqs == 0)] {
            if zero {
                return Err(Error::InvalidSetting {
                    setting,
                    reason: "must be at least 1".to_string(),
                });
            }
        }
        let plan = SequencePlan {
            tests,
            seq_bits: self.seq_bits,
            sequences: self.seqs,
            params: self.params.clone(),
            threads: self.threads,
        };
        // run_sequences counts bits; the callback counts bytes, as for every other battery.
        let progress_bits = |bits: u64| progress(bits / 8);
        let name = self.input_name();
        let mut results = Vec::new();
        let threads = self.threads;
        match self.input {
            Input::Sources(ref names) => {
                let sources = names
                    .iter()
                    .map(|n| source::find(n))
                    .collect::<Result<Vec<_>, _>>()?;
                // Every source is checked before any runs: a late error would waste the others.
                if let Some(source) = sources.iter().find(|s| s.alphabet != 256) {
                    return Err(reads_bits(battery, source.name, source.alphabet));
                }
                for source in sources {
                    let seed = stream_seed(self.seed, source.name, 0);
                    let mut bits = GeneratedBits((source.open)(seed));
                    let origin = (
                        source.name,
                        source.kind,
                        source.kind.is_reproducible().then_some(seed),
                    );
                    results.extend(run_sequences(&mut bits, &plan, origin, &progress_bits)?);
                }
            }
            Input::Stream(stream) => {
                let mut bits = GeneratedBits(stream);
                let origin = (name.as_str(), Kind::External, None);
                results = run_sequences(&mut bits, &plan, origin, &progress_bits)?;
            }
            Input::Seeded(ref factory) => {
                let seed = stream_seed(self.seed, &name, 0);
                let mut bits = GeneratedBits(factory(seed));
                let origin = (name.as_str(), Kind::Seeded, Some(seed));
                results = run_sequences(&mut bits, &plan, origin, &progress_bits)?;
            }
            Input::External(mut input) => {
                let origin = (name.as_str(), Kind::External, None);
                results = run_sequences(
                    &mut input as &mut dyn BitSource,
                    &plan,
                    origin,
                    &progress_bits,
                )?;
            }
        }
        let sequences = sequences_per_source(&results);
        let mut report = Report::from_results(
            battery.name,
            self.seq_bits.div_ceil(8),
            sequences,
            self.seed,
            threads,
            results,
        );
        report.sequence_bits = Some(self.seq_bits);
        Ok(report)
    }
}

use battery::find_battery;

/// ENT's figures of the first `limit` bytes of `stream` (all of it when `None`), read in
/// 64 KiB pieces so memory stays flat.
fn ent_figures(
    stream: &mut dyn SymbolStream,
    limit: Option<u64>,
    bits: bool,
    (source, kind, seed): (&str, Kind, Option<u64>),
    progress: &(dyn Fn(u64) + Sync),
) -> Result<EntResult, Error> {
    let mut state = Ent::new(bits);
    let mut buffer = vec![0u8; 1 << 16];
    let mut remaining = limit.unwrap_or(u64::MAX);
    let mut read = 0u64;
    while remaining > 0 {
        let want = remaining.min(buffer.len() as u64) as usize;
        let got = stream
            .fill(&mut buffer[..want])
            .map_err(|error| Error::Read {
                what: source.to_string(),
                source: error,
            })?;
        if got == 0 {
            break;
        }
        state.update(&buffer[..got]);
        progress(got as u64);
        remaining -= got as u64;
        read += got as u64;
    }
    Ok(EntResult {
        source: source.to_string(),
        kind,
        seed,
        bytes: read,
        bits,
        figures: state.finish(),
    })
}

/// Sequences of the first source: all sources read the same number unless an input ended.
fn sequences_per_source(results: &[StreamReport]) -> u32 {
    results
        .iter()
        .take_while(|r| {
            results
                .first()
                .is_some_and(|first| first.source == r.source)
        })
        .count() as u32
}

fn reads_bits(battery: &battery::Battery, input: &str, alphabet: u16) -> Error {
    Error::NotApplicable {
        battery: battery.name.to_string(),
        input: input.to_string(),
        reason: format!("it reads bits, and {input} emits symbols over an alphabet of {alphabet}"),
    }
}

fn not_applicable(
    battery: &battery::Battery,
    input: &str,
    tests: &[&Test],
    alphabet: u16,
) -> Error {
    let reason = tests
        .iter()
        .find_map(|t| {
            (t.applies_to)(alphabet)
                .err()
                .map(|r| format!("{}: {r}", t.name))
        })
        .unwrap_or_else(|| "no test selected".to_string());
    Error::NotApplicable {
        battery: battery.name.to_string(),
        input: input.to_string(),
        reason: format!("no selected test applies ({reason})"),
    }
}

/// The bytes a reader will give: the limit, the file's size, the smaller of both, or unknown.
/// ASCII `0`/`1` input has no byte count before it is read.
fn external_total(input: &ExternalInput, limit: Option<u64>) -> Option<u64> {
    let known = match input.format() {
        Format::Bin => input.file_bytes,
        Format::Ascii01 => None,
    };
    match (limit, known) {
        (Some(limit), Some(size)) => Some(limit.min(size)),
        (limit, size) => limit.or(size),
    }
}

/// Cuts finite input into `streams` consecutive segments and runs the tests on each; returns
/// the segment length and the results. One stream reads everything up to the limit.
fn external_segments(
    input: &mut ExternalInput,
    name: &str,
    (limit, streams): (Option<u64>, u32),
    tests: &[&'static Test],
    setup: &Setup,
    threads: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(u64, Vec<StreamReport>), Error> {
    let total = external_total(input, limit);
    let segment_bytes = if streams == 1 {
        total.unwrap_or(u64::MAX)
    } else {
        let total = total.ok_or_else(|| Error::UnknownLength {
            input: name.to_string(),
            streams,
        })?;
        match total / u64::from(streams) {
            0 => {
                return Err(Error::TooShortToCut {
                    bytes: total,
                    streams,
                })
            }
            segment => segment,
        }
    };
    let setup = Setup {
        length: (segment_bytes != u64::MAX).then_some(segment_bytes),
        ..setup.clone()
    };
    let format = input.format();
    let results = run_segments(
        input,
        &setup,
        tests,
        streams,
        segment_bytes,
        (name, Kind::External),
        threads,
        progress,
    )?;
    if results.iter().all(|r| r.bytes == 0) {
        return Err(nothing_to_test(name, format));
    }
    Ok((segment_bytes, results))
}

fn nothing_to_test(name: &str, format: Format) -> Error {
    let what = match format {
        Format::Bin => "is empty",
        Format::Ascii01 => "has no whole byte of 0/1 digits (ascii01 reads only '0' and '1')",
    };
    Error::NothingToTest {
        input: name.to_string(),
        what: what.to_string(),
    }
}

/// How a stream read with checkpoints is looked at.
pub(crate) struct LookPlan<'a> {
    /// Read on after a look fails.
    pub keep_going: bool,
    /// Told of each look as it is taken.
    pub callback: Option<LookCallback>,
    /// Told of the symbols analysed as they are.
    pub progress: &'a (dyn Fn(u64) + Sync),
    /// Worker threads the stream's segments are analysed on (0: one per core); results do not
    /// depend on it.
    pub threads: usize,
}

/// Reads one stream once, judging it at every checkpoint and at its end; returns the stream's
/// result (as far as it was read) and every look. `file`, `run` with one stream per source and
/// `power` all read through it.
pub(crate) fn checkpointed(
    stream: &mut dyn SymbolStream,
    (name, kind): (&str, Kind),
    limit: u64,
    tests: &[&'static Test],
    setup: &Setup,
    plan: &mut LookPlan<'_>,
) -> Result<(StreamReport, Vec<Checkpoint>), Error> {
    let mut looks: Vec<Checkpoint> = Vec::new();
    let callback = &mut plan.callback;
    let mut take_look = |bytes: u64, outcomes: Vec<battery::Outcome>| {
        let look = looks.len() as u32 + 1;
        let checkpoint = Checkpoint::judge(name, kind, bytes, look, outcomes);
        if let Some(callback) = callback.as_mut() {
            callback(&checkpoint);
        }
        let failed = checkpoint.verdict == Verdict::Fail;
        looks.push(checkpoint);
        failed
    };
    // The tests are told nothing of the length: reading may stop at any checkpoint.
    let setup = Setup {
        length: None,
        ..setup.clone()
    };
    let keep_going = plan.keep_going;
    let mut look = |bytes: u64, outcomes| take_look(bytes, outcomes) && !keep_going;
    let pool = runner::thread_pool(plan.threads)?;
    let (bytes, outcomes) = runner::analyse_on(
        &pool,
        stream,
        &setup,
        tests,
        limit,
        Some(&mut look),
        plan.progress,
    )
    .map_err(|source| Error::Read {
        what: name.to_string(),
        source,
    })?;
    // The end is a look of its own unless it fell on a checkpoint, which was looked at.
    if bytes > 0 && !is_checkpoint(bytes) {
        take_look(bytes, outcomes.clone());
    }
    let result = StreamReport {
        source: name.to_string(),
        kind,
        stream: 0,
        seed: None,
        bytes,
        outcomes,
    };
    Ok((result, looks))
}

/// The report of a stream read with checkpoints: its final verdict is its last look's, at that
/// look's level, so that the family-wise rule covers every look.
fn looked_report(
    battery: &str,
    seed: u64,
    threads: usize,
    result: StreamReport,
    looks: Vec<Checkpoint>,
) -> Report {
    Report::from_looks(battery, result.bytes, seed, threads, vec![(result, looks)])
}
