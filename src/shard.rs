//! Shards and merge: one audit cut into parts that run anywhere (Slurm array tasks, say), each
//! writing a partial state, and those states merged into exactly the report one machine would
//! have written. This module owns the plan of the parts, the partial state and its file, and
//! the merge; the CLI only parses `--shard I/N`, `--state-out` and `merge` and calls here.
//!
//! The plan ([`ShardPlan`]) is what the one-machine run would do, and shard `I` of `N` does a
//! deterministic part of it:
//!
//! - several streams per source: the jobs (source, stream) in report order are cut into `N`
//!   consecutive ranges, and a shard runs its jobs whole. A finished stream needs nothing more
//!   than its outcomes, so that is what the state keeps of it (a deep state at 16 MiB is 15 MB
//!   of JSON, its outcomes a few KB).
//! - one stream per source: the stream's bytes are cut into `N` consecutive stretches at
//!   multiples of [`BOUNDARY`] (a runner segment boundary, legal for every test: states merge
//!   exactly at any position, and at these the generators' words are whole). A shard starts
//!   its sources at its stretch without generating what comes before (sources need a jump
//!   ahead, [`crate::source::open_at`]) and keeps its tests' states at its end and at every
//!   checkpoint (2^k bytes) inside its stretch. Merge rebuilds each checkpoint's state from the
//!   end states of the shards before it and the shard's own state there, judges the looks in
//!   order exactly as one machine does (stopping at the first failure unless the plan keeps
//!   going), and the stream's final state from every end state. The first shard's looks need
//!   no merge, so it keeps their outcomes rather than states; a later stretch ends about twice
//!   as far into the stream as it starts at most, so it holds one checkpoint or two, and its
//!   state two or three sets of states.
//!
//! The state file is JSON: a fixed prefix with the format version and an FNV-1a checksum of
//! the body, then the body. It holds no time, host or path of its own, so a shard run again
//! writes the same bytes; it is written to a temporary file and renamed into place.

use crate::battery::{self, Figure, Measurement, Outcome, SavedState, Setup, Test};
use crate::report::Report;
use crate::runner::{self, States, StreamReport};
use crate::second_level::checkpoints::{is_checkpoint, next_checkpoint, Checkpoint};
use crate::second_level::Verdict;
use crate::source::{self, Kind, Source, SymbolStream};
use crate::Error;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The version of the state file's layout; a build reads only its own.
pub const FORMAT_VERSION: u32 = 1;

/// Stretches of one stream start at multiples of this many bytes: a boundary the runner
/// itself may cut a stream at (a multiple of its chunk), and one at which every generator's
/// words are whole, so that a shard's requests read the very bytes one machine reads.
pub const BOUNDARY: u64 = runner::CHUNK_SYMBOLS as u64;

/// What the first line of a state file says it is.
const MAGIC: &str = "rngaudit shard state";

/// Why shards cannot be run or merged. Messages name the file and the problem.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ShardError {
    /// A shard that is not `I/N` with `0 <= I < N`.
    #[error("invalid shard '{text}': {reason}")]
    BadSpec {
        /// What was given.
        text: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The audit cannot be cut into shards (a battery of bit sequences, a pipe, a source
    /// without a jump ahead on one stream).
    #[error("{0}")]
    NotShardable(String),
    /// A state file that cannot be merged: damaged, of another plan or version, a repeat.
    #[error("{path}: {problem}")]
    BadState {
        /// The file.
        path: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The states given do not cover the plan.
    #[error("{0}")]
    Incomplete(String),
}

impl From<ShardError> for Error {
    fn from(error: ShardError) -> Self {
        Error::Shard(error)
    }
}

/// One part of a plan cut into `count`: `index` counts from 0 (Slurm's
/// `$SLURM_ARRAY_TASK_ID` of `--array=0-(N-1)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// Which part, from 0.
    pub index: u32,
    /// How many parts.
    pub count: u32,
}

impl Shard {
    /// Parses `I/N` with `0 <= I < N`.
    pub fn parse(text: &str) -> Result<Shard, Error> {
        let bad = |reason: &str| ShardError::BadSpec {
            text: text.to_string(),
            reason: reason.to_string(),
        };
        let (index, count) = text
            .split_once('/')
            .ok_or_else(|| bad("expected I/N, the shard's index from 0 and the shard count"))?;
        let number = |part: &str| part.trim().parse::<u32>().ok();
        let (Some(index), Some(count)) = (number(index), number(count)) else {
            return Err(bad("I and N must be whole numbers (I/N, as 2/4)").into());
        };
        if count == 0 {
            return Err(bad("N must be at least 1").into());
        }
        if index >= count {
            return Err(bad("I counts from 0, so it must be below N").into());
        }
        Ok(Shard { index, count })
    }
}

/// What the input of a plan is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanInput {
    /// Built-in sources, by name, in report order.
    Sources(Vec<String>),
    /// A regular file, by the name reports show.
    File(String),
}

/// The one-machine run that shards cut up: every shard of one plan has the same.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardPlan {
    /// The rngaudit version that wrote the state: states of another version are not merged.
    pub rngaudit: String,
    /// The battery.
    pub battery: String,
    /// The tests, in report order.
    pub tests: Vec<String>,
    /// Parameter overrides (`--param`, `--word`).
    pub params: BTreeMap<String, u64>,
    /// What is read.
    pub input: PlanInput,
    /// Bytes per stream (for a file: the bytes analysed).
    pub bytes: u64,
    /// Streams per source (1: one long stream, cut into stretches).
    pub streams: u32,
    /// The master seed.
    pub master_seed: u64,
    /// Whether one stream is judged at every checkpoint.
    pub looks: bool,
    /// Whether reading goes on after a look fails.
    pub keep_going: bool,
    /// How many shards the plan is cut into.
    pub shards: u32,
}

impl ShardPlan {
    /// Whether shards run whole streams (several per source) rather than stretches of one.
    fn by_streams(&self) -> bool {
        self.streams > 1
    }

    fn sources(&self) -> Vec<String> {
        match &self.input {
            PlanInput::Sources(names) => names.clone(),
            PlanInput::File(name) => vec![name.clone()],
        }
    }

    /// What shard `index` covers: jobs (several streams) or bytes of each stream (one).
    pub fn cover(&self, index: u32) -> (u64, u64) {
        let (total, unit) = if self.by_streams() {
            (self.sources().len() as u64 * u64::from(self.streams), 1)
        } else {
            (self.bytes, BOUNDARY)
        };
        let start = |i: u32| {
            if i >= self.shards {
                return total;
            }
            let units = total / unit;
            (u128::from(units) * u128::from(i) / u128::from(self.shards)) as u64 * unit
        };
        (start(index), start(index + 1))
    }

    /// The first field in which `other` differs, in words.
    fn difference(&self, other: &ShardPlan) -> Option<String> {
        let fields: [(&str, String, String); 10] = [
            (
                "rngaudit version",
                self.rngaudit.clone(),
                other.rngaudit.clone(),
            ),
            ("battery", self.battery.clone(), other.battery.clone()),
            ("tests", self.tests.join(","), other.tests.join(",")),
            (
                "parameters",
                format!("{:?}", self.params),
                format!("{:?}", other.params),
            ),
            (
                "input",
                format!("{:?}", self.input),
                format!("{:?}", other.input),
            ),
            ("bytes", self.bytes.to_string(), other.bytes.to_string()),
            (
                "streams",
                self.streams.to_string(),
                other.streams.to_string(),
            ),
            (
                "seed",
                self.master_seed.to_string(),
                other.master_seed.to_string(),
            ),
            (
                "looks",
                format!("{}/{}", self.looks, self.keep_going),
                format!("{}/{}", other.looks, other.keep_going),
            ),
            (
                "shard count",
                self.shards.to_string(),
                other.shards.to_string(),
            ),
        ];
        fields
            .into_iter()
            .find(|(_, mine, theirs)| mine != theirs)
            .map(|(field, mine, theirs)| format!("{field} {theirs}, not {mine}"))
    }
}

/// A test's outcome as data, exactly: doubles as their bits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct SavedOutcome {
    test: String,
    label: String,
    result: Result<SavedMeasurement, String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct SavedMeasurement {
    statistic: u64,
    p_value: u64,
    figures: Vec<(String, u64)>,
}

/// One whole stream a shard ran (several streams per source).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct StreamPart {
    source: String,
    stream: u32,
    seed: Option<u64>,
    bytes: u64,
    outcomes: Vec<SavedOutcome>,
}

/// A checkpoint inside a shard's stretch: the outcomes there (the first shard's, whose
/// stretch starts the stream) or the states of the stretch up to there.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct SavedLook {
    at: u64,
    outcomes: Option<Vec<SavedOutcome>>,
    states: Option<Vec<Option<SavedState>>>,
}

/// A shard's stretch of one source's stream: the looks inside it and the states at its end,
/// one per test (`None` where the test does not apply to the alphabet).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Stretch {
    source: String,
    looks: Vec<SavedLook>,
    states: Vec<Option<SavedState>>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Parts {
    Streams(Vec<StreamPart>),
    Stretches(Vec<Stretch>),
}

/// A shard's partial state: its plan, which part it covers, and what it found there.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ShardState {
    /// The plan it is a part of.
    pub plan: ShardPlan,
    /// Which shard, from 0.
    pub index: u32,
    /// Where its part starts: a job (several streams) or a byte of each stream (one).
    pub start: u64,
    /// Where its part ends, exclusive.
    pub end: u64,
    parts: Parts,
}

impl ShardState {
    /// One line on what the shard covered, for the command's output.
    pub fn summary(&self) -> String {
        let (start, end) = (self.start, self.end);
        let what = if self.plan.by_streams() {
            let streams = u64::from(self.plan.streams);
            let job = |k: u64| {
                let sources = self.plan.sources();
                let source = sources
                    .get((k / streams) as usize)
                    .cloned()
                    .unwrap_or_default();
                format!("{source} stream {}", k % streams)
            };
            if start == end {
                "no stream".to_string()
            } else {
                format!(
                    "streams {start}..{end} of {} ({} to {})",
                    self.plan.sources().len() as u64 * streams,
                    job(start),
                    job(end - 1)
                )
            }
        } else {
            format!(
                "bytes {start}..{end} of {} of {}'s stream",
                self.plan.bytes,
                self.plan.sources().join(", ")
            )
        };
        format!("shard {}/{} covered {what}", self.index, self.plan.shards)
    }

    /// Writes the state to `path` atomically (a temporary file renamed into place).
    pub fn write(&self, path: &Path) -> Result<(), Error> {
        let body = serde_json::to_vec(self)
            .unwrap_or_else(|error| unreachable!("a shard state serialises to JSON: {error}"));
        let header = header(checksum(&body));
        crate::report::write_atomically(path, |out| {
            out.write_all(header.as_bytes())?;
            out.write_all(&body)?;
            out.write_all(b"}\n")
        })
    }

    /// Reads a state [`ShardState::write`] wrote; a damaged file (cut short, altered, not a
    /// state at all) or one of another format version is refused, naming the file.
    pub fn read(path: &Path) -> Result<ShardState, Error> {
        read_verified(path)
    }

    /// The plan of the state at `path`, checked as [`ShardState::read`] checks the file, without
    /// keeping what the shard found.
    pub fn read_plan(path: &Path) -> Result<ShardPlan, Error> {
        read_verified::<ShardHead>(path).map(|head| head.plan)
    }
}

/// What [`merge`]'s first pass reads of a state: its plan and part, not what it found there
/// (which the second pass reads one state at a time, so a merge holds one state in memory
/// rather than every shard's).
#[derive(Deserialize)]
struct ShardHead {
    plan: ShardPlan,
    index: u32,
    start: u64,
    end: u64,
}

impl ShardHead {
    fn of(state: &ShardState) -> ShardHead {
        ShardHead {
            plan: state.plan.clone(),
            index: state.index,
            start: state.start,
            end: state.end,
        }
    }
}

/// Reads the body of the state file at `path` as `T` once its format, version and checksum
/// are checked; a damaged file or one of another format version is refused, naming it.
fn read_verified<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, Error> {
    let name = path.display().to_string();
    let bad = |problem: String| ShardError::BadState {
        path: name.clone(),
        problem,
    };
    let bytes = std::fs::read(path).map_err(|source| Error::Read {
        what: name.clone(),
        source,
    })?;
    let opening = format!("{{\"format\":\"{MAGIC}\",\"version\":");
    let rest = bytes
        .strip_prefix(opening.as_bytes())
        .ok_or_else(|| bad("is not a shard state of rngaudit".to_string()))?;
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let version: u32 = std::str::from_utf8(&rest[..digits])
        .ok()
        .and_then(|text| text.parse().ok())
        .ok_or_else(|| bad("is not a shard state of rngaudit".to_string()))?;
    if version != FORMAT_VERSION {
        return Err(bad(format!(
            "has state format version {version}; this build reads version {FORMAT_VERSION}"
        ))
        .into());
    }
    let head = header(0);
    let damaged = || bad("is damaged: cut short or altered (checksum mismatch)".to_string());
    if bytes.len() < head.len() + 2 || !bytes.ends_with(b"}\n") {
        return Err(damaged().into());
    }
    let body = &bytes[head.len()..bytes.len() - 2];
    // The opening holds the body's checksum: it is the one this body would be written with.
    if header(checksum(body)).as_bytes() != &bytes[..head.len()] {
        return Err(damaged().into());
    }
    serde_json::from_slice(body).map_err(|error| bad(format!("is damaged: {error}")).into())
}

/// The file's opening up to its body: format, version and the body's checksum, of fixed length.
fn header(checksum: u64) -> String {
    format!(
        "{{\"format\":\"{MAGIC}\",\"version\":{FORMAT_VERSION},\"checksum\":\"fnv1a64:{checksum:016x}\",\"body\":"
    )
}

/// FNV-1a, 64 bits: enough to tell a damaged file from a whole one (not an adversary's).
fn checksum(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xCBF2_9CE4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

fn save_outcomes(outcomes: &[Outcome]) -> Vec<SavedOutcome> {
    outcomes
        .iter()
        .map(|outcome| SavedOutcome {
            test: outcome.test.to_string(),
            label: outcome.label.clone(),
            result: match &outcome.result {
                Ok(m) => Ok(SavedMeasurement {
                    statistic: m.statistic.to_bits(),
                    p_value: m.p_value.to_bits(),
                    figures: m
                        .figures
                        .iter()
                        .map(|f| (f.name.to_string(), f.value.to_bits()))
                        .collect(),
                }),
                Err(reason) => Err(reason.clone()),
            },
        })
        .collect()
}

/// A figure's name as the `&'static str` outcomes carry: each distinct name read is kept once
/// for the life of the process (tests have a handful; a file naming thousands is damaged).
fn intern(name: &str) -> Option<&'static str> {
    static NAMES: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
    let mut names = NAMES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(known) = names.iter().find(|known| **known == name) {
        return Some(known);
    }
    if names.len() >= 1024 {
        return None;
    }
    let kept: &'static str = Box::leak(name.to_string().into_boxed_str());
    names.push(kept);
    Some(kept)
}

fn restore_outcomes(
    tests: &[&'static Test],
    saved: &[SavedOutcome],
) -> Result<Vec<Outcome>, String> {
    saved
        .iter()
        .map(|outcome| {
            let test = tests
                .iter()
                .find(|t| t.name == outcome.test)
                .ok_or_else(|| {
                    format!(
                        "holds an outcome of {}, a test not in the plan",
                        outcome.test
                    )
                })?
                .name;
            let result = match &outcome.result {
                Ok(m) => Ok(Measurement {
                    statistic: f64::from_bits(m.statistic),
                    p_value: f64::from_bits(m.p_value),
                    figures: m
                        .figures
                        .iter()
                        .map(|(name, value)| {
                            intern(name)
                                .map(|name| Figure {
                                    name,
                                    value: f64::from_bits(*value),
                                })
                                .ok_or_else(|| "names too many figures".to_string())
                        })
                        .collect::<Result<_, _>>()?,
                }),
                Err(reason) => Err(reason.clone()),
            };
            Ok(Outcome {
                test,
                label: outcome.label.clone(),
                result,
            })
        })
        .collect()
}

fn save_states(states: &States) -> Vec<Option<SavedState>> {
    states
        .iter()
        .map(|state| state.as_ref().ok().map(|state| state.save()))
        .collect()
}

/// The states saved of `tests` on a stream over `alphabet`; a test that does not apply has
/// none, and its reason is what it says again.
fn restore_states(
    tests: &[&'static Test],
    saved: &[Option<SavedState>],
    alphabet: u16,
) -> Result<States, String> {
    if saved.len() != tests.len() {
        return Err(format!(
            "holds states of {} tests, not of the plan's {}",
            saved.len(),
            tests.len()
        ));
    }
    let setup = Setup::new(alphabet, None);
    tests
        .iter()
        .zip(saved)
        .map(|(test, saved)| match ((test.applies_to)(alphabet), saved) {
            (Ok(()), Some(saved)) => (test.restore)(&setup, saved)
                .map(Ok)
                .map_err(|error| error.to_string()),
            (Err(reason), None) => Ok(Err(reason)),
            (Ok(()), None) => Err(format!("lacks the state of {}", test.name)),
            (Err(_), Some(_)) => Err(format!(
                "holds a state of {}, which does not apply",
                test.name
            )),
        })
        .collect()
}

/// `next`, the states of the stretch that follows, taken into `states`.
fn merge_states(states: &mut States, next: States) -> Result<(), String> {
    for (into, state) in states.iter_mut().zip(next) {
        if let (Ok(into), Ok(state)) = (into, state) {
            into.merge(state).map_err(|error| error.to_string())?;
        }
    }
    Ok(())
}

/// A copy of `states`, through their saved form.
fn copy_states(tests: &[&'static Test], states: &States, alphabet: u16) -> Result<States, String> {
    restore_states(tests, &save_states(states), alphabet)
}

/// What a shard is to run: the plan and the tests resolved, and how.
pub(crate) struct ShardRun<'a> {
    pub plan: ShardPlan,
    pub index: u32,
    pub tests: Vec<&'static Test>,
    pub params: battery::Params,
    pub threads: usize,
    pub progress: &'a (dyn Fn(u64) + Sync),
}

/// Runs a shard of a plan of built-in sources.
pub(crate) fn run_sources(
    run: ShardRun<'_>,
    sources: Vec<&'static Source>,
) -> Result<ShardState, Error> {
    let (start, end) = run.plan.cover(run.index);
    let parts = if run.plan.by_streams() {
        let plan = runner::Plan {
            sources,
            tests: run.tests.clone(),
            bytes: run.plan.bytes,
            streams: run.plan.streams,
            master_seed: run.plan.master_seed,
            threads: run.threads,
            params: run.params.clone(),
        };
        let results = runner::run_jobs(&plan, start..end, run.progress)?;
        Parts::Streams(
            results
                .into_iter()
                .map(|r| StreamPart {
                    source: r.source,
                    stream: r.stream,
                    seed: r.seed,
                    bytes: r.bytes,
                    outcomes: save_outcomes(&r.outcomes),
                })
                .collect(),
        )
    } else {
        if let Some(source) = sources.iter().find(|s| !s.seeks()) {
            return Err(ShardError::NotShardable(format!(
                "{} cannot start its stream at a position (it has no jump ahead), so its one \
                 stream cannot be cut into shards; shard a plan of several streams per source \
                 instead (sources that can: {})",
                source.name,
                source::SOURCES
                    .iter()
                    .filter(|s| s.seeks())
                    .map(|s| s.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .into());
        }
        let pool = runner::thread_pool(run.threads)?;
        let mut stretches = Vec::with_capacity(sources.len());
        for source in sources {
            let seed = crate::seeds::stream_seed(run.plan.master_seed, source.name, 0);
            let mut stream = source::open_at(source, seed, start)?;
            stretches.push(stretch(
                &run,
                &pool,
                stream.as_mut(),
                (source.name, source.alphabet),
                (start, end),
            )?);
        }
        Parts::Stretches(stretches)
    };
    Ok(ShardState {
        plan: run.plan,
        index: run.index,
        start,
        end,
        parts,
    })
}

/// Runs a shard of a plan of one regular file, one stream.
pub(crate) fn run_file(
    run: ShardRun<'_>,
    input: &crate::source::external::ExternalInput,
) -> Result<ShardState, Error> {
    let (start, end) = run.plan.cover(run.index);
    let mut window = input.window(start, end).ok_or_else(|| {
        ShardError::NotShardable(format!(
            "{} is not a regular file of raw bytes: only such a file can be cut into shards",
            input.name
        ))
    })?;
    let pool = runner::thread_pool(run.threads)?;
    let stretch = stretch(&run, &pool, &mut window, (&input.name, 256), (start, end))?;
    Ok(ShardState {
        plan: run.plan,
        index: run.index,
        start,
        end,
        parts: Parts::Stretches(vec![stretch]),
    })
}

/// Runs a shard of a plan of one regular file cut into several streams: its range of the
/// file's consecutive segments, each read at its position, as `file --streams K` reads them.
pub(crate) fn run_file_streams(
    run: ShardRun<'_>,
    input: &crate::source::external::ExternalInput,
) -> Result<ShardState, Error> {
    let (start, end) = run.plan.cover(run.index);
    let segment = run.plan.bytes;
    let setup = Setup {
        alphabet: 256,
        length: Some(segment),
        params: run.params.clone(),
        offset: 0,
    };
    let pool = runner::thread_pool(run.threads)?;
    let mut parts = Vec::new();
    for job in start..end {
        let mut window = input
            .window(job * segment, (job + 1) * segment)
            .ok_or_else(|| {
                ShardError::NotShardable(format!(
                    "{} is not a regular file of raw bytes: only such a file can be cut into \
                     shards",
                    input.name
                ))
            })?;
        let (bytes, outcomes) = runner::analyse_on(
            &pool,
            &mut window,
            &setup,
            &run.tests,
            segment,
            None,
            &|_| {},
        )
        .map_err(|source| Error::Read {
            what: input.name.clone(),
            source,
        })?;
        (run.progress)(bytes);
        if bytes < segment {
            return Err(ShardError::NotShardable(format!(
                "{} ended {bytes} bytes into its stream {job} of {segment}: it is shorter than \
                 the plan",
                input.name
            ))
            .into());
        }
        parts.push(StreamPart {
            source: input.name.clone(),
            stream: job as u32,
            seed: None,
            bytes,
            outcomes: save_outcomes(&outcomes),
        });
    }
    Ok(ShardState {
        plan: run.plan,
        index: run.index,
        start,
        end,
        parts: Parts::Streams(parts),
    })
}

/// Analyses bytes `start..end` of one stream (standing at `start`), keeping the looks inside.
fn stretch(
    run: &ShardRun<'_>,
    pool: &rayon::ThreadPool,
    stream: &mut dyn SymbolStream,
    (name, alphabet): (&str, u16),
    (start, end): (u64, u64),
) -> Result<Stretch, Error> {
    let setup = Setup {
        alphabet,
        // As one machine reads it: told nothing of the length when it may stop at a look.
        length: (!run.plan.looks).then_some(run.plan.bytes),
        params: run.params.clone(),
        offset: start,
    };
    let tests = &run.tests;
    let mut looks = Vec::new();
    let mut keep = |at: u64, states: &States| {
        if at < end {
            looks.push(if start == 0 {
                SavedLook {
                    at,
                    outcomes: Some(save_outcomes(&runner::snapshot(tests, states))),
                    states: None,
                }
            } else {
                SavedLook {
                    at,
                    outcomes: None,
                    states: Some(save_states(states)),
                }
            });
        }
        false
    };
    let look: Option<runner::StatesLook<'_>> = if run.plan.looks {
        Some(&mut keep)
    } else {
        None
    };
    let (read, states) =
        runner::analyse_shard_states(pool, stream, &setup, tests, end - start, look, run.progress)
            .map_err(|source| Error::Read {
                what: name.to_string(),
                source,
            })?;
    if read < end - start {
        return Err(ShardError::NotShardable(format!(
            "{name} ended {read} bytes into the shard's {} (at byte {}): it is shorter than \
             the plan",
            end - start,
            start + read
        ))
        .into());
    }
    Ok(Stretch {
        source: name.to_string(),
        looks,
        states: save_states(&states),
    })
}

/// The checkpoints strictly inside `start..end`.
fn checkpoints_inside(start: u64, end: u64) -> Vec<u64> {
    let mut at = next_checkpoint(start);
    let mut inside = Vec::new();
    while at < end {
        inside.push(at);
        at = next_checkpoint(at);
    }
    inside
}

/// Merges the states of every shard of one plan into the report one machine would have
/// written. `states` are the files' names (for messages) and their states, in any order. Every
/// shard must be there once and belong to the same plan of this rngaudit version; otherwise
/// nothing is merged and the error names the file and the problem. `threads` is recorded in
/// the report's provenance.
pub fn merge(states: Vec<(String, ShardState)>, threads: usize) -> Result<Report, Error> {
    let heads = states
        .iter()
        .map(|(path, state)| (path.clone(), ShardHead::of(state)))
        .collect();
    let (plan, order) = check_set(heads)?;
    let mut given: Vec<Option<(String, ShardState)>> = states.into_iter().map(Some).collect();
    merge_in_order(&plan, threads, |index| {
        given[order[index as usize]]
            .take()
            .ok_or_else(|| ShardError::Incomplete(format!("shard {index} given twice")).into())
    })
}

/// [`merge`] of the state files at `paths`, in any order, holding one state in memory at a
/// time: a first pass reads every file's plan and part and checks the set (nothing of what
/// the shards found is kept), a second reads the states in shard order and merges each into
/// the report as it comes. A file that changed between the two passes (a shard run again
/// meanwhile) is refused like a foreign one. The merge's memory is that of one state and the
/// report, however many shards there are.
pub fn merge_files(paths: &[std::path::PathBuf], threads: usize) -> Result<Report, Error> {
    let heads = paths
        .iter()
        .map(|path| {
            Ok((
                path.display().to_string(),
                read_verified::<ShardHead>(path)?,
            ))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let expected: Vec<(u32, u64, u64)> = heads
        .iter()
        .map(|(_, head)| (head.index, head.start, head.end))
        .collect();
    let (plan, order) = check_set(heads)?;
    merge_in_order(&plan, threads, |index| {
        let position = order[index as usize];
        let path = &paths[position];
        let name = path.display().to_string();
        let state = ShardState::read(path)?;
        if state.plan != plan || (state.index, state.start, state.end) != expected[position] {
            return Err(ShardError::BadState {
                path: name,
                problem: "changed while it was being merged".to_string(),
            }
            .into());
        }
        Ok((name, state))
    })
}

/// Checks that `heads` (file names and what each state says it is) are every shard of one
/// plan exactly once, of this rngaudit version; gives the plan and, for each shard index, the
/// position of its state in `heads`.
fn check_set(heads: Vec<(String, ShardHead)>) -> Result<(ShardPlan, Vec<usize>), Error> {
    let bad = |path: &str, problem: String| -> Error {
        ShardError::BadState {
            path: path.to_string(),
            problem,
        }
        .into()
    };
    // The plan most states share is the audit's: a stray state is named, whichever comes first.
    let shared = |plan: &ShardPlan| heads.iter().filter(|(_, h)| &h.plan == plan).count();
    let Some((first_path, plan)) = heads
        .iter()
        .rev()
        .max_by_key(|(_, head)| shared(&head.plan))
        .map(|(path, head)| (path.clone(), head.plan.clone()))
    else {
        return Err(ShardError::Incomplete("no shard state given".to_string()).into());
    };
    let first_path = first_path.as_str();
    let version = env!("CARGO_PKG_VERSION");
    let mut by_index: Vec<Option<(String, usize)>> = vec![None; plan.shards as usize];
    for (position, (path, state)) in heads.into_iter().enumerate() {
        if state.plan.rngaudit != version {
            return Err(bad(
                &path,
                format!(
                    "was written by rngaudit {}; this is rngaudit {version}, which merges only its own",
                    state.plan.rngaudit
                ),
            ));
        }
        if let Some(difference) = plan.difference(&state.plan) {
            let problem = if state.plan.shards != plan.shards
                && plan
                    .difference(&ShardPlan {
                        shards: plan.shards,
                        ..state.plan.clone()
                    })
                    .is_none()
            {
                format!(
                    "is shard {}/{} of the plan that {first_path} cuts into {} shards: their parts overlap",
                    state.index, state.plan.shards, plan.shards
                )
            } else {
                format!("belongs to another plan than {first_path}: {difference}")
            };
            return Err(bad(&path, problem));
        }
        if state.index >= plan.shards || (state.start, state.end) != plan.cover(state.index) {
            return Err(bad(
                &path,
                "is damaged: its part is not the plan's".to_string(),
            ));
        }
        let slot = &mut by_index[state.index as usize];
        if let Some((other, _)) = slot {
            return Err(bad(
                &path,
                format!(
                    "repeats shard {}/{}, already given in {other}",
                    state.index, plan.shards
                ),
            ));
        }
        *slot = Some((path, position));
    }
    let missing: Vec<String> = by_index
        .iter()
        .enumerate()
        .filter(|(_, slot)| slot.is_none())
        .map(|(index, _)| {
            let (start, end) = plan.cover(index as u32);
            let unit = if plan.by_streams() {
                "streams"
            } else {
                "bytes"
            };
            format!("{index}/{} ({unit} {start}..{end})", plan.shards)
        })
        .collect();
    if !missing.is_empty() {
        return Err(ShardError::Incomplete(format!(
            "the shards given do not cover the plan of {first_path}: missing shard{} {}",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", ")
        ))
        .into());
    }
    let order = by_index
        .into_iter()
        .flatten()
        .map(|(_, position)| position)
        .collect();
    Ok((plan, order))
}

/// Merges the shards of `plan` that `next` gives by index, 0 first, into the report.
fn merge_in_order(
    plan: &ShardPlan,
    threads: usize,
    next: impl FnMut(u32) -> Result<(String, ShardState), Error>,
) -> Result<Report, Error> {
    let bad = |problem: String| -> Error {
        ShardError::BadState {
            path: "the shards' plan".to_string(),
            problem,
        }
        .into()
    };
    let battery =
        battery::find_battery(&plan.battery).map_err(|error| bad(format!("names {error}")))?;
    let tests = battery::select_names(battery, plan.tests.iter().map(String::as_str))
        .map_err(|error| bad(format!("names {error}")))?;
    if plan.by_streams() {
        merge_streams(plan, &tests, next, threads)
    } else {
        merge_stretches(plan, &tests, next, threads)
    }
}

/// The kind and alphabet of a plan's input by name.
fn origin(plan: &ShardPlan, name: &str) -> Result<(Kind, u16), Error> {
    match plan.input {
        PlanInput::Sources(_) => source::find(name).map(|s| (s.kind, s.alphabet)),
        PlanInput::File(_) => Ok((Kind::External, 256)),
    }
}

/// The error for the state file `path`, read whole and checked, whose content does not hold
/// together: `problem` says how.
fn damaged_state(path: &str, problem: &str) -> Error {
    ShardError::BadState {
        path: path.to_string(),
        problem: format!("is damaged: {problem}"),
    }
    .into()
}

fn merge_streams(
    plan: &ShardPlan,
    tests: &[&'static Test],
    mut next: impl FnMut(u32) -> Result<(String, ShardState), Error>,
    threads: usize,
) -> Result<Report, Error> {
    let sources = plan.sources();
    let streams = u64::from(plan.streams);
    let mut results = Vec::new();
    for index in 0..plan.shards {
        let (path, shard) = next(index)?;
        let damaged = |problem: String| damaged_state(&path, &problem);
        let Parts::Streams(parts) = shard.parts else {
            return Err(damaged("it holds stretches of one stream".to_string()));
        };
        if parts.len() as u64 != shard.end - shard.start {
            return Err(damaged(format!("it holds {} streams", parts.len())));
        }
        for (job, part) in (shard.start..shard.end).zip(parts) {
            let expected = &sources[(job / streams) as usize];
            if &part.source != expected || u64::from(part.stream) != job % streams {
                return Err(damaged(format!(
                    "it holds {} stream {} where {expected} stream {} belongs",
                    part.source,
                    part.stream,
                    job % streams
                )));
            }
            let (kind, _) = origin(plan, &part.source)?;
            let outcomes = restore_outcomes(tests, &part.outcomes).map_err(damaged)?;
            results.push(StreamReport {
                source: part.source,
                kind,
                stream: part.stream,
                seed: part.seed,
                bytes: part.bytes,
                outcomes,
            });
        }
    }
    Ok(Report::from_results(
        &plan.battery,
        plan.bytes,
        plan.streams,
        plan.master_seed,
        threads,
        results,
    ))
}

fn merge_stretches(
    plan: &ShardPlan,
    tests: &[&'static Test],
    mut next: impl FnMut(u32) -> Result<(String, ShardState), Error>,
    threads: usize,
) -> Result<Report, Error> {
    let sources = plan.sources();
    let mut streams = sources
        .iter()
        .map(|name| StreamMerge::new(plan, name))
        .collect::<Result<Vec<_>, Error>>()?;
    for index in 0..plan.shards {
        let (path, shard) = next(index)?;
        let damaged = |problem: &str| damaged_state(&path, problem);
        let Parts::Stretches(stretches) = shard.parts else {
            return Err(damaged("it holds whole streams"));
        };
        if stretches.len() != sources.len() {
            return Err(damaged(
                "it holds stretches of other sources than the plan's",
            ));
        }
        let expected = if plan.looks {
            checkpoints_inside(shard.start, shard.end)
        } else {
            Vec::new()
        };
        for ((stretch, name), stream) in stretches.into_iter().zip(&sources).zip(&mut streams) {
            let looks_fit = stretch.looks.len() == expected.len()
                && stretch.looks.iter().zip(&expected).all(|(look, &at)| {
                    look.at == at
                        && look.outcomes.is_some() == (shard.start == 0)
                        && look.states.is_some() != (shard.start == 0)
                });
            if &stretch.source != name || !looks_fit {
                return Err(damaged("its stretch is not the plan's"));
            }
            stream.take(plan, tests, index, &path, stretch)?;
        }
    }
    let mut looked: Vec<(StreamReport, Vec<Checkpoint>)> = streams
        .into_iter()
        .map(|stream| stream.finish(plan, tests))
        .collect();
    let seed_of = |name: &str| crate::seeds::stream_seed(plan.master_seed, name, 0);
    for (result, _) in &mut looked {
        result.seed = result
            .kind
            .is_reproducible()
            .then(|| seed_of(&result.source));
    }
    if !plan.looks {
        let results = looked.into_iter().map(|(result, _)| result).collect();
        return Ok(Report::from_results(
            &plan.battery,
            plan.bytes,
            1,
            plan.master_seed,
            threads,
            results,
        ));
    }
    let bytes = match plan.input {
        // A file's report gives the bytes read, as one machine's does.
        PlanInput::File(_) => looked.first().map_or(0, |(result, _)| result.bytes),
        PlanInput::Sources(_) => plan.bytes,
    };
    Ok(Report::from_looks(
        &plan.battery,
        bytes,
        plan.master_seed,
        threads,
        looked,
    ))
}

/// One source's stream merged from its shards' stretches as they come, in order: every look
/// judged as one machine judges it, up to the first that fails unless the plan keeps going
/// (stretches after that are accepted and not read), then the stream's result where the
/// reading stopped.
struct StreamMerge<'a> {
    name: &'a str,
    kind: Kind,
    alphabet: u16,
    looks: Vec<Checkpoint>,
    /// The states of every stretch taken so far, merged.
    merged: Option<States>,
    /// Where the reading stopped, and what was found there.
    stop: Option<(u64, Vec<Outcome>)>,
}

impl<'a> StreamMerge<'a> {
    fn new(plan: &ShardPlan, name: &'a str) -> Result<Self, Error> {
        let (kind, alphabet) = origin(plan, name)?;
        Ok(StreamMerge {
            name,
            kind,
            alphabet,
            looks: Vec::new(),
            merged: None,
            stop: None,
        })
    }

    /// The one machine's look at `bytes`: judged in order; the reading stops there when it
    /// fails, unless the plan keeps going.
    fn judge(&mut self, plan: &ShardPlan, bytes: u64, outcomes: Vec<Outcome>) {
        let look = self.looks.len() as u32 + 1;
        let checkpoint = Checkpoint::judge(self.name, self.kind, bytes, look, outcomes.clone());
        let failed = checkpoint.verdict == Verdict::Fail;
        self.looks.push(checkpoint);
        if failed && !plan.keep_going {
            self.stop = Some((bytes, outcomes));
        }
    }

    /// Takes shard `index`'s stretch of this stream (read from `path`).
    fn take(
        &mut self,
        plan: &ShardPlan,
        tests: &[&'static Test],
        index: u32,
        path: &str,
        stretch: Stretch,
    ) -> Result<(), Error> {
        if self.stop.is_some() {
            return Ok(());
        }
        let damaged = |problem: String| damaged_state(path, &problem);
        let alphabet = self.alphabet;
        let (start, end) = plan.cover(index);
        for look in &stretch.looks {
            let outcomes = match (&look.outcomes, &look.states) {
                (Some(outcomes), _) => restore_outcomes(tests, outcomes).map_err(damaged)?,
                (None, Some(states)) => {
                    let states_there = match &self.merged {
                        Some(before) => {
                            let mut copy = copy_states(tests, before, alphabet).map_err(damaged)?;
                            let own = restore_states(tests, states, alphabet).map_err(damaged)?;
                            merge_states(&mut copy, own).map_err(damaged)?;
                            copy
                        }
                        None => restore_states(tests, states, alphabet).map_err(damaged)?,
                    };
                    runner::snapshot(tests, &states_there)
                }
                (None, None) => return Err(damaged("a look holds nothing".to_string())),
            };
            self.judge(plan, look.at, outcomes);
            if self.stop.is_some() {
                return Ok(());
            }
        }
        let own = restore_states(tests, &stretch.states, alphabet).map_err(damaged)?;
        match &mut self.merged {
            Some(states) => merge_states(states, own).map_err(damaged)?,
            None => self.merged = Some(own),
        }
        if plan.looks && end > start && is_checkpoint(end) {
            let states = self
                .merged
                .as_ref()
                .ok_or_else(|| damaged("no states".to_string()))?;
            let outcomes = runner::snapshot(tests, states);
            self.judge(plan, end, outcomes);
        }
        Ok(())
    }

    /// The stream's result, where the reading stopped or at its end, and its looks.
    fn finish(
        mut self,
        plan: &ShardPlan,
        tests: &[&'static Test],
    ) -> (StreamReport, Vec<Checkpoint>) {
        let (bytes, outcomes) = match self.stop.take() {
            Some(stopped) => stopped,
            None => {
                let states = self.merged.take().unwrap_or_else(|| {
                    runner::start_states(tests, &Setup::new(self.alphabet, None))
                });
                let outcomes = runner::finish(tests, states);
                let bytes = plan.bytes;
                // The end is a look of its own unless it fell on a checkpoint, which was
                // looked at.
                if plan.looks && bytes > 0 && !is_checkpoint(bytes) {
                    self.judge(plan, bytes, outcomes.clone());
                }
                (bytes, outcomes)
            }
        };
        let result = StreamReport {
            source: self.name.to_string(),
            kind: self.kind,
            stream: 0,
            seed: None,
            bytes,
            outcomes,
        };
        (result, self.looks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_as_index_over_count() {
        assert_eq!(Shard::parse("2/4").unwrap(), Shard { index: 2, count: 4 });
        assert_eq!(Shard::parse("0/1").unwrap(), Shard { index: 0, count: 1 });
        for bad in ["4/4", "1/0", "x/2", "2", "-1/3", "1/2/3", ""] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }

    fn plan(bytes: u64, streams: u32, shards: u32) -> ShardPlan {
        ShardPlan {
            rngaudit: env!("CARGO_PKG_VERSION").to_string(),
            battery: "default".into(),
            tests: vec!["monobit".into()],
            params: BTreeMap::new(),
            input: PlanInput::Sources(vec!["chacha20".into(), "pcg64".into()]),
            bytes,
            streams,
            master_seed: 1,
            looks: streams == 1,
            keep_going: false,
            shards,
        }
    }

    /// The parts of a plan are consecutive, cover it exactly once, and stretches start at
    /// boundaries; checkpoints inside a stretch are those strictly between its ends.
    #[test]
    fn parts_cover_the_plan_once_at_boundaries() {
        for (bytes, streams, shards) in [
            (64 << 20, 1, 4),
            (64 << 20, 1, 3),
            (5000, 1, 3),
            (1 << 20, 7, 3),
            (1 << 20, 64, 4),
        ] {
            let plan = plan(bytes, streams, shards);
            let total = if streams > 1 {
                2 * u64::from(streams)
            } else {
                bytes
            };
            let mut at = 0;
            for index in 0..shards {
                let (start, end) = plan.cover(index);
                assert_eq!(start, at);
                assert!(end >= start);
                if streams == 1 {
                    assert_eq!(start % BOUNDARY, 0);
                }
                at = end;
            }
            assert_eq!(at, total);
        }
        assert_eq!(checkpoints_inside(0, 4096), vec![1024, 2048]);
        assert_eq!(checkpoints_inside(1 << 20, 3 << 20), vec![2 << 20]);
        assert!(checkpoints_inside(1 << 21, 1 << 22).is_empty());
    }

    #[test]
    fn plans_name_their_first_difference() {
        let a = plan(1 << 20, 64, 4);
        assert_eq!(a.difference(&a.clone()), None);
        let b = ShardPlan {
            master_seed: 2,
            ..a.clone()
        };
        assert_eq!(a.difference(&b).as_deref(), Some("seed 2, not 1"));
    }

    /// Through the library: shards of one stream written, read back and merged in any order give
    /// the report of [`crate::Audit::run`]; a state file read back is refused once its body no
    /// longer parses, though its checksum is right, or once it is cut short.
    #[test]
    fn states_written_read_and_merged_give_the_one_machine_outcomes() {
        let audit = || {
            crate::Audit::source("pcg64")
                .streams(1)
                .bytes((3 << 20) + 100)
                .seed(9)
                .checkpoints(true)
                .threads(2)
        };
        let one = audit().run().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut states = Vec::new();
        for index in [2, 0, 1] {
            let state = audit().run_shard(Shard { index, count: 3 }).unwrap();
            let path = dir.path().join(format!("{index}.json"));
            state.write(&path).unwrap();
            let back = ShardState::read(&path).unwrap();
            states.push((path.display().to_string(), back));
        }
        let merged = merge(states, 2).unwrap();
        assert_eq!(
            battery::exact(&merged.results[0].outcomes),
            battery::exact(&one.results[0].outcomes)
        );
        assert_eq!(merged.results[0].bytes, one.results[0].bytes);
        let looks = |report: &Report| -> Vec<(u64, u32, String)> {
            report
                .checkpoints
                .iter()
                .map(|c| (c.bytes, c.look, c.verdict.as_str().to_string()))
                .collect()
        };
        assert_eq!(looks(&merged), looks(&one));
        assert_eq!(merged.sources[0].verdict, one.sources[0].verdict);

        let path = dir.path().join("odd.json");
        let body = b"{\"plan\": 1}";
        let mut bytes = header(checksum(body)).into_bytes();
        bytes.extend_from_slice(body);
        bytes.extend_from_slice(b"}\n");
        std::fs::write(&path, &bytes).unwrap();
        let error = ShardState::read(&path).unwrap_err().to_string();
        assert!(error.contains("odd.json: is damaged"), "{error}");
        std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        let error = ShardState::read(&path).unwrap_err().to_string();
        assert!(error.contains("cut short or altered"), "{error}");
        let error = merge(Vec::new(), 1).unwrap_err().to_string();
        assert!(error.contains("no shard state"), "{error}");
    }

    #[test]
    fn outcomes_round_trip_exactly() {
        let tests: Vec<&'static Test> = battery::DEFAULT.iter().collect();
        let outcomes = vec![
            Outcome::measured("monobit", -0.0, 1e-300).with_figure("S_n", f64::MAX),
            Outcome::skipped("runs", "needs 100 bytes").with_label("x"),
        ];
        let saved = save_outcomes(&outcomes);
        let text = serde_json::to_string(&saved).unwrap();
        let back: Vec<SavedOutcome> = serde_json::from_str(&text).unwrap();
        let restored = restore_outcomes(&tests, &back).unwrap();
        assert_eq!(battery::exact(&restored), battery::exact(&outcomes));
        assert!(restore_outcomes(&tests[..1], &back).is_err());
    }
}
