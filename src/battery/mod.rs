//! The battery: streaming statistical tests that share one interface.
//!
//! A test is a small state machine. The runner creates its state for one stream
//! ([`Test::start`]), hands it every chunk of that stream in order ([`TestState::update`]) and
//! finally asks for its outcomes ([`TestState::finish`]). Chunks can have any length, and the
//! outcomes must not depend on where the stream was cut: a test that needs context across chunk
//! boundaries (runs, pairs, blocks) keeps the few symbols it needs in its state. A test knows
//! nothing of threads, files or reports.
//!
//! A state can also be read early ([`TestState::snapshot`]: the outcomes so far, and reading
//! goes on), merged with the state of the segment that follows it in the stream
//! ([`TestState::merge`]: exactly one pass over both), and saved and restored in a versioned
//! format ([`TestState::save`], [`Test::restore`]). Tests get these by writing their state as a
//! `Segment` ([`state`]), which says what the state keeps across a segment boundary.
//!
//! Every test is one file in this folder plus one line in a battery's list ([`DEFAULT`]). The
//! CLI, `rngaudit list`, the reports and the registry-wide tests at the bottom of this file pick
//! it up from there.

pub mod birthday_spacings;
pub mod bit_lanes;
pub mod block_weights;
pub mod brank;
pub mod chunk;
pub mod ent;
pub mod entropy;
pub mod float_frequency;
pub mod frequency;
pub mod gap16;
pub mod lag_differences;
pub mod lane_complexity;
pub mod lane_lags;
pub mod letter_windows;
pub mod longest_run;
pub mod mod3_tuples;
pub mod monobit;
pub mod nist;
pub(crate) mod radix;
pub mod runs;
pub mod serial;
pub mod serial_correlation;
pub mod state;
pub mod symbol_runs;
pub mod triple_collisions;
pub mod weight_dependence;

pub use chunk::{Chunk, Views, Workspace};
pub use state::{SavedState, StateError};

use crate::Error;

/// One figure a test reports besides its statistic (for example a min-entropy estimate).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Figure {
    /// The figure's name as reports print it (`min_entropy`, ...).
    pub name: &'static str,
    /// The figure's value, in the units its name states.
    pub value: f64,
}

/// What a test measured on one stream.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Measurement {
    /// The test statistic (a χ², a z-score, ...); reports print it beside the p-value.
    pub statistic: f64,
    /// The p-value, in [0, 1]. Upper tails are computed directly so tiny values keep their
    /// digits; a value that underflows the smallest double is 0 and reports say "< 1e-300".
    pub p_value: f64,
    /// Figures the test reports besides its statistic, in the order it added them.
    pub figures: Vec<Figure>,
}

/// One result of one test on one stream: a measurement, or the reason there is none.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// The name of the test that produced it ([`Test::name`]).
    pub test: &'static str,
    /// Names one of several results of the same test (a template, a state); empty otherwise.
    pub label: String,
    /// `Err` holds why the test was skipped (too little data, an alphabet it does not apply to).
    pub result: Result<Measurement, String>,
}

impl Outcome {
    /// A measured result with no label and no figures; `p_value` is clamped into [0, 1].
    pub fn measured(test: &'static str, statistic: f64, p_value: f64) -> Self {
        Outcome {
            test,
            label: String::new(),
            result: Ok(Measurement {
                statistic,
                p_value: crate::stats::clamp_probability(p_value),
                figures: Vec::new(),
            }),
        }
    }

    /// A result without a measurement: `reason` says why the test did not run on this stream.
    pub fn skipped(test: &'static str, reason: impl Into<String>) -> Self {
        Outcome {
            test,
            label: String::new(),
            result: Err(reason.into()),
        }
    }

    /// Names this result among several of the same test (a template, a state).
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// Adds a figure to a measured result; a skipped one stays as it is.
    pub fn with_figure(mut self, name: &'static str, value: f64) -> Self {
        if let Ok(measurement) = &mut self.result {
            measurement.figures.push(Figure { name, value });
        }
        self
    }

    /// The p-value, when the test ran.
    pub fn p_value(&self) -> Option<f64> {
        self.result.as_ref().ok().map(|m| m.p_value)
    }
}

/// Test parameters the user overrides from the CLI (`--param blockfrequency.M=256`), by
/// `test.NAME` keys; each test reads its own with a default, so unknown keys are caught by
/// [`Params::check`] against the keys the selected tests declare.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Params(pub std::collections::BTreeMap<String, u64>);

impl Params {
    /// The value of `test.name`, or `default` when the user did not set it.
    pub fn get(&self, test: &str, name: &str, default: u64) -> u64 {
        self.0
            .get(&format!("{test}.{name}"))
            .copied()
            .unwrap_or(default)
    }

    /// Parses `test.NAME=VALUE`.
    pub fn parse_assignment(text: &str) -> Result<(String, u64), Error> {
        let bad = || Error::InvalidParam {
            param: text.to_string(),
            reason: "expected TEST.NAME=VALUE",
        };
        let (key, value) = text.split_once('=').ok_or_else(bad)?;
        if !key.contains('.') {
            return Err(bad());
        }
        let value = value.trim().parse().map_err(|_| bad())?;
        Ok((key.trim().to_string(), value))
    }

    /// The word size `--word` narrows the word-reading tests to (8, 16, 32 or 64 bits), if it
    /// was given: PractRand tries every word size, as these tests do by default, so that a user
    /// piping a generator in need not know its word size; one who does narrows the search (and
    /// the multiple-testing correction with it).
    pub fn word_bits(&self) -> Option<u32> {
        self.0.get(WORD_KEY).map(|&bits| bits as u32)
    }

    /// Whether tests try words of `bits` bits: every size unless `--word` narrowed them.
    pub fn tries_word(&self, bits: u32) -> bool {
        self.word_bits().is_none_or(|only| only == bits)
    }

    /// Narrows the word-reading tests to words of `bits` bits (8, 16, 32 or 64).
    pub fn set_word_bits(&mut self, bits: u32) -> Result<(), Error> {
        if !WORD_SIZES.contains(&bits) {
            return Err(Error::InvalidSetting {
                setting: "word",
                reason: format!("must be one of 8, 16, 32, 64 (bits), not {bits}"),
            });
        }
        self.0.insert(WORD_KEY.to_string(), u64::from(bits));
        Ok(())
    }

    /// Rejects keys that no selected test reads.
    pub fn check(&self, tests: &[&Test]) -> Result<(), Error> {
        for key in self.0.keys().filter(|key| *key != WORD_KEY) {
            let known = tests
                .iter()
                .any(|t| t.params.iter().any(|p| key == &format!("{}.{}", t.name, p)));
            if !known {
                return Err(Error::InvalidParam {
                    param: key.clone(),
                    reason: "no selected test has that parameter",
                });
            }
        }
        Ok(())
    }
}

/// The word sizes, in bits, that `--word` may narrow the tests to.
pub const WORD_SIZES: [u32; 4] = [8, 16, 32, 64];

/// Where [`Params`] keeps `--word`: a key without a dot, so that no `--param TEST.NAME=VALUE`
/// can set it, and carried with the parameters into every setup, merge check and saved state.
const WORD_KEY: &str = "word";

/// The outcome a word-size lane gives when `--word` leaves it out: skipped with the reason,
/// which is not a lack of data, so the report counts it as not applicable.
pub fn word_not_tried(test: &'static str, label: &str, bits: u32, params: &Params) -> Outcome {
    lane_left_out(test, label, bits, params.word_bits().unwrap_or(bits))
}

/// [`word_not_tried`] for a state that keeps only the word size it was narrowed to (`only`).
pub fn lane_left_out(test: &'static str, label: &str, bits: u32, only: u32) -> Outcome {
    Outcome::skipped(
        test,
        format!("not tried: --word {only} narrows the tests to {only}-bit words; this lane reads {bits}-bit ones"),
    )
    .with_label(label)
}

/// What a test knows about the stream it is started on.
#[derive(Clone, Debug)]
pub struct Setup {
    /// Number of distinct symbol values (256 for bytes).
    pub alphabet: u16,
    /// The stream's length in symbols when it is known in advance (generated streams and fixed
    /// NIST sequences); `None` for input of unknown length such as a pipe.
    pub length: Option<u64>,
    /// Parameter overrides the user gave; tests read theirs with [`Params::get`].
    pub params: Params,
    /// Symbols of the stream before the segment this state is started on (0 for a whole
    /// stream): a segment's state is merged into the state of the segment before it
    /// ([`TestState::merge`]), and block tests need to know where their blocks start. For
    /// packed bits (the NIST battery), symbols are the bytes `update` reads.
    pub offset: u64,
}

impl Setup {
    /// A setup with no parameter overrides.
    pub fn new(alphabet: u16, length: Option<u64>) -> Self {
        Setup {
            alphabet,
            length,
            params: Params::default(),
            offset: 0,
        }
    }
}

/// The streaming state of one test on one stream, or on one segment of it.
pub trait TestState: Send {
    /// The views of a chunk that this test reads besides its symbols ([`chunk`]); a caller
    /// feeding several states makes each chunk with the union of theirs.
    fn reads(&self) -> Views {
        Views::NONE
    }
    /// Consumes the next symbols of the stream, a chunk made with at least the views that
    /// [`TestState::reads`] declared.
    fn update_chunk(&mut self, chunk: &Chunk<'_>);
    /// Consumes the next symbols of the stream, for a caller that feeds this state alone: they
    /// go to [`TestState::update_chunk`] as chunks with this state's own views.
    fn update(&mut self, symbols: &[u8]) {
        let views = self.reads();
        let mut workspace = Workspace::new();
        for piece in symbols.chunks(chunk::MAX_SYMBOLS) {
            self.update_chunk(&Chunk::new(piece, views, &mut workspace));
        }
    }
    /// The outcomes on everything seen so far, leaving the state to read on: one pass can
    /// report at every doubling of length. On a segment that does not start the stream, the
    /// outcomes of that segment's symbols from its first block boundary on.
    fn snapshot(&self) -> Vec<Outcome>;
    /// Turns everything seen into outcomes (one, or several labelled ones); the same as
    /// [`TestState::snapshot`], without copying the state.
    fn finish(self: Box<Self>) -> Vec<Outcome>;
    /// Joins the state of the segment that starts where this one ends (started with the same
    /// setup and `offset` = this one's offset plus the symbols it read): afterwards this state
    /// is exactly the state of one pass over both segments.
    fn merge(&mut self, next: Box<dyn TestState>) -> Result<(), StateError>;
    /// The state as data, in the test's versioned format; [`Test::restore`] reads it back.
    fn save(&self) -> SavedState;
    /// The state as [`std::any::Any`], so that a merge can check it is of its own type.
    fn into_any(self: Box<Self>) -> Box<dyn std::any::Any>;
}

/// How a test restores a saved state ([`Test::restore`]).
pub type Restore = fn(setup: &Setup, saved: &SavedState) -> Result<Box<dyn TestState>, Error>;

/// One registered test.
pub struct Test {
    /// The name `--tests` selects it by and reports show.
    pub name: &'static str,
    /// One line for `rngaudit list`: what the test looks at.
    pub summary: &'static str,
    /// Where the statistic and its distribution come from.
    pub reference: &'static str,
    /// Names of the parameters the user may override (`--param NAME.PARAM=VALUE`).
    pub params: &'static [&'static str],
    /// `Err(reason)` when the test does not apply to streams over this alphabet.
    pub applies_to: fn(alphabet: u16) -> Result<(), String>,
    /// Creates the test's streaming state for one stream, or one segment of it.
    pub start: fn(setup: &Setup) -> Box<dyn TestState>,
    /// Restores a state [`TestState::save`] gave; a state of another test or of another format
    /// version is refused ([`StateError`]).
    pub restore: Restore,
}

impl std::fmt::Debug for Test {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Test").field("name", &self.name).finish()
    }
}

/// How a battery consumes its input. The pipeline ([`crate::audit`]) routes on this, so that no
/// caller needs to know which battery wants what.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Consumes {
    /// Streams of symbols over the source's alphabet, `streams` of `bytes` each, summarised by
    /// the second level.
    Streams,
    /// Consecutive sequences of a fixed number of bits (NIST SP 800-22): only byte sources
    /// apply, and each source's first stream is cut into sequences as STS cuts its input.
    BitSequences,
    /// Each source's first stream, read once for descriptive figures that carry no verdict
    /// (ENT's, [`ent`]): the report holds the figures, and no cell or source verdict.
    Figures,
}

/// A named list of tests that `--battery` selects.
pub struct Battery {
    /// The name a user selects it by.
    pub name: &'static str,
    /// One line for `rngaudit list`.
    pub summary: &'static str,
    /// Its tests, in the order reports list them.
    pub tests: &'static [Test],
    /// The shape of input its tests read.
    pub consumes: Consumes,
}

impl std::fmt::Debug for Battery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Battery").field("name", &self.name).finish()
    }
}

/// The default battery (v1): frequency, serial, runs, entropy and correlation tests.
pub static DEFAULT: &[Test] = &[
    frequency::TEST,
    serial::TEST,
    monobit::TEST,
    runs::TEST,
    longest_run::TEST,
    symbol_runs::TEST,
    entropy::TEST,
    serial_correlation::TEST,
];

/// The deep battery (issue #12): tests that catch what the default battery passes: generators
/// linear over GF(2), lagged recurrences in bit lanes, power-of-two LCG lattices, planes.
pub static DEEP: &[Test] = &[
    brank::TEST,
    lane_complexity::TEST,
    lane_lags::TEST,
    lag_differences::TEST,
    triple_collisions::TEST,
    gap16::TEST,
    float_frequency::TEST,
    birthday_spacings::TEST,
    weight_dependence::TEST,
    block_weights::TEST,
    mod3_tuples::TEST,
];

/// A committed table in which a test's null law was calibrated on a good generator, because
/// its statistic's law is not known in closed form (overlapping windows), as PractRand does.
/// Its header lines (`# ...`) record how it was made: generator, seeds, command, version, date.
pub struct CalibrationTable {
    /// The test whose law it holds.
    pub test: &'static str,
    /// Where it lives in the repository.
    pub path: &'static str,
    /// Its text, compiled in.
    pub text: &'static str,
}

impl CalibrationTable {
    /// The header's lines, without their `# `: the table's provenance.
    pub fn provenance(&self) -> impl Iterator<Item = &'static str> {
        self.text
            .lines()
            .take_while(|line| line.starts_with('#'))
            .map(|line| line.trim_start_matches('#').trim())
    }
}

/// Every calibrated law, for `rngaudit list`: each test whose p-value reads a table.
pub static CALIBRATION_TABLES: &[CalibrationTable] = &[gap16::CALIBRATION_TABLE];

/// Every battery `--battery` accepts.
pub static BATTERIES: &[Battery] = &[
    Battery {
        name: "default",
        summary:
            "chi-square, runs, entropy and serial-correlation tests over the source's alphabet",
        tests: DEFAULT,
        consumes: Consumes::Streams,
    },
    Battery {
        name: "nist",
        summary: "NIST SP 800-22 Rev 1a, the 15 tests of STS 2.1.2 over packed-bit sequences",
        tests: nist::TESTS,
        consumes: Consumes::BitSequences,
    },
    Battery {
        name: "deep",
        summary: "structure the default battery cannot see: GF(2) rank and linear complexity, lagged bit-lane recurrences, power-of-two lattices, byte-triple collisions",
        tests: DEEP,
        consumes: Consumes::Streams,
    },
    Battery {
        name: ent::BATTERY_NAME,
        summary: ent::SUMMARY,
        // ENT's figures come from one streaming state ([`ent::Ent`]), not from a list of tests.
        tests: &[],
        consumes: Consumes::Figures,
    },
];

/// Looks a battery up by name.
pub fn find_battery(name: &str) -> Result<&'static Battery, Error> {
    BATTERIES
        .iter()
        .find(|b| b.name == name)
        .ok_or_else(|| Error::UnknownBattery {
            name: name.to_string(),
            suggestion: crate::suggest::closest(name, battery_names()).map(str::to_string),
            known: battery_names().collect::<Vec<_>>().join(", "),
        })
}

/// Every name `--battery` accepts.
pub fn battery_names() -> impl Iterator<Item = &'static str> {
    BATTERIES.iter().map(|b| b.name)
}

/// Selects tests of `battery` by a comma-separated list of names; `None` selects all of them.
pub fn select(battery: &'static Battery, list: Option<&str>) -> Result<Vec<&'static Test>, Error> {
    match list {
        None => Ok(battery.tests.iter().collect()),
        Some(list) => select_names(battery, list.split(',')),
    }
}

/// Selects tests of `battery` by name, in the order given, each once; blank names are ignored
/// and an unknown one is an error that names the closest test.
pub fn select_names<'a>(
    battery: &'static Battery,
    names: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<&'static Test>, Error> {
    let mut chosen = Vec::new();
    for name in names.into_iter().map(str::trim).filter(|n| !n.is_empty()) {
        let test = battery
            .tests
            .iter()
            .find(|t| t.name == name)
            .ok_or_else(|| Error::UnknownTest {
                name: name.to_string(),
                battery: battery.name,
                suggestion: crate::suggest::closest(name, battery.tests.iter().map(|t| t.name))
                    .map(str::to_string),
                known: battery
                    .tests
                    .iter()
                    .map(|t| t.name)
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
        if !chosen.iter().any(|t: &&Test| t.name == test.name) {
            chosen.push(test);
        }
    }
    if chosen.is_empty() {
        return Err(Error::NoTests);
    }
    Ok(chosen)
}

/// For tests on bits: they read each byte most-significant bit first, so they need bytes.
pub fn needs_bytes(alphabet: u16) -> Result<(), String> {
    if alphabet == 256 {
        Ok(())
    } else {
        Err(format!(
            "works on bits; an alphabet of {alphabet} symbols is not a whole number of bits"
        ))
    }
}

/// For tests that apply to any alphabet.
pub fn any_alphabet(_alphabet: u16) -> Result<(), String> {
    Ok(())
}

/// Outcomes as bits, for unit tests that demand bit-identical results: p-values, statistics and
/// figures compared by `to_bits`, so that -0.0, NaN and the last digit all count.
#[cfg(test)]
pub(crate) fn exact(outcomes: &[Outcome]) -> Vec<String> {
    outcomes
        .iter()
        .map(|outcome| match &outcome.result {
            Ok(m) => format!(
                "{} [{}] {:016x} {:016x} {:?}",
                outcome.test,
                outcome.label,
                m.statistic.to_bits(),
                m.p_value.to_bits(),
                m.figures
                    .iter()
                    .map(|f| (f.name, f.value.to_bits()))
                    .collect::<Vec<_>>()
            ),
            Err(reason) => format!("{} [{}] skipped: {reason}", outcome.test, outcome.label),
        })
        .collect()
}

/// Runs one test over `symbols` fed in chunks of `chunk` symbols; a helper for unit tests.
#[cfg(test)]
pub(crate) fn run_chunked(
    test: &Test,
    alphabet: u16,
    symbols: &[u8],
    chunk: usize,
) -> Vec<Outcome> {
    let mut state = (test.start)(&Setup::new(alphabet, Some(symbols.len() as u64)));
    for piece in symbols.chunks(chunk.max(1)) {
        state.update(piece);
    }
    state.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, RngExt, SeedableRng};

    fn seeded_bytes(seed: u64, len: usize) -> Vec<u8> {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
        let mut out = vec![0u8; len];
        rng.fill_bytes(&mut out);
        out
    }

    fn all_tests() -> impl Iterator<Item = &'static Test> {
        BATTERIES.iter().flat_map(|b| b.tests.iter())
    }

    #[test]
    fn word_narrows_every_size_but_one_and_no_param_can_set_it() {
        let mut params = Params::default();
        assert!(WORD_SIZES.iter().all(|&bits| params.tries_word(bits)));
        params.set_word_bits(32).unwrap();
        assert_eq!(params.word_bits(), Some(32));
        assert!(params.tries_word(32) && !params.tries_word(16) && !params.tries_word(64));
        assert!(params.set_word_bits(12).is_err());
        // The key is not a TEST.NAME, so `--param` cannot name it, and `check` passes it.
        assert!(Params::parse_assignment("word=16").is_err());
        assert!(params.check(&DEEP.iter().collect::<Vec<_>>()).is_ok());
        let skipped = word_not_tried("lane_lags", "bit0/16", 16, &params);
        let reason = skipped.result.unwrap_err();
        assert!(reason.contains("--word 32") && !crate::second_level::lacks_data(&reason));
    }

    /// `--word` leaves lanes out and changes nothing else: every outcome of a narrowed run is
    /// the whole run's outcome of the same label, or "not tried"; some lane is left out at every
    /// size but not every lane at 32 bits.
    #[test]
    fn word_leaves_lanes_out_and_changes_nothing_else() {
        let data = seeded_bytes(21, 3 << 20);
        for test in DEEP {
            let run = |params: Params| {
                let mut state = (test.start)(&Setup {
                    params,
                    ..Setup::new(256, None)
                });
                state.update(&data);
                state.finish()
            };
            let whole = run(Params::default());
            for bits in WORD_SIZES {
                let mut params = Params::default();
                params.set_word_bits(bits).unwrap();
                let narrowed = run(params);
                assert_eq!(narrowed.len(), whole.len(), "{} --word {bits}", test.name);
                for (narrow, full) in narrowed.iter().zip(&whole) {
                    assert_eq!(narrow.label, full.label);
                    match &narrow.result {
                        Err(reason) if reason.starts_with("not tried: --word") => {}
                        _ => assert_eq!(narrow, full, "{} --word {bits}", test.name),
                    }
                }
            }
        }
    }

    #[test]
    fn every_calibration_table_says_how_it_was_made() {
        for table in CALIBRATION_TABLES {
            assert!(DEEP.iter().any(|t| t.name == table.test), "{}", table.test);
            let provenance: Vec<_> = table.provenance().collect();
            let text = provenance.join(" ");
            assert!(text.contains("seed") && text.contains("cargo"), "{text}");
            let on_disk = std::fs::read_to_string(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(table.path),
            )
            .unwrap();
            assert_eq!(
                on_disk, table.text,
                "{} is the compiled-in table",
                table.path
            );
        }
    }

    #[test]
    fn test_names_are_unique_within_a_battery() {
        for battery in BATTERIES {
            let mut names: Vec<_> = battery.tests.iter().map(|t| t.name).collect();
            names.sort();
            names.dedup();
            assert_eq!(names.len(), battery.tests.len(), "{}", battery.name);
        }
    }

    #[test]
    fn every_test_gives_probabilities_on_a_fixed_stream() {
        let data = seeded_bytes(11, 1 << 20);
        for test in all_tests() {
            for alphabet in [256u16, 62] {
                if (test.applies_to)(alphabet).is_err() {
                    continue;
                }
                let symbols: Vec<u8> = if alphabet == 256 {
                    data.clone()
                } else {
                    data.iter().filter(|&&b| b < 248).map(|&b| b % 62).collect()
                };
                for outcome in run_chunked(test, alphabet, &symbols, 65_536) {
                    let p = outcome.p_value().unwrap_or_else(|| {
                        panic!("{} skipped a 1 MiB stream: {:?}", test.name, outcome.result)
                    });
                    assert!((0.0..=1.0).contains(&p), "{}: p = {p}", test.name);
                }
            }
        }
    }

    #[test]
    fn outcomes_do_not_depend_on_chunk_boundaries() {
        let data = seeded_bytes(12, 300_007);
        for test in all_tests().filter(|t| (t.applies_to)(256).is_ok()) {
            let whole = run_chunked(test, 256, &data, data.len());
            for chunk in [1usize, 7, 8, 4093, 65_536] {
                assert_eq!(
                    run_chunked(test, 256, &data, chunk),
                    whole,
                    "{} depends on chunk size {chunk}",
                    test.name
                );
            }
        }
    }

    #[test]
    fn constant_streams_fail_every_applicable_test() {
        // A stream of one repeated byte is as non-random as data gets; a test that passes it
        // (or errors on it) is broken. 0x5A keeps bit tests from passing by balance alone.
        for byte in [0x00u8, 0xFF, 0x5A] {
            let data = vec![byte; 1 << 18];
            for test in all_tests().filter(|t| (t.applies_to)(256).is_ok()) {
                for outcome in run_chunked(test, 256, &data, 4096) {
                    if let Ok(m) = &outcome.result {
                        assert!(
                            m.p_value < 1e-6 || test_tolerates_constant(test.name, byte),
                            "{} on constant 0x{byte:02x}: p = {}",
                            test.name,
                            m.p_value
                        );
                    }
                }
            }
        }
    }

    /// Tests that by construction see only one property of the data may pass some constant
    /// streams: monobit cannot tell 0x5A (four ones in eight) from random bits.
    fn test_tolerates_constant(name: &str, byte: u8) -> bool {
        byte.count_ones() == 4 && matches!(name, "monobit")
    }

    /// Tests whose states cannot be merged yet: every merge of theirs is refused with
    /// [`StateError::Unsupported`]. `every_test_merges_snapshots_and_saves_exactly` checks that
    /// this list is exactly the set of such tests, so it can only shrink on purpose. Empty: every
    /// registered test merges. It stays, so that a test that cannot merge yet is added on
    /// purpose, listed here, and not by a merge silently refused.
    const MERGE_NOT_YET: &[&str] = &[];

    /// A test's stream for the registry-wide state tests: its setup, the symbols it reads, and
    /// how many of them are its length (NIST sequences end inside their last byte).
    fn stream_for(test: &Test, bytes: &[u8], trim_bits: u64) -> (Setup, Vec<u8>) {
        if (test.applies_to)(256).is_ok() {
            (Setup::new(256, Some(bytes.len() as u64)), bytes.to_vec())
        } else if (test.applies_to)(62).is_ok() {
            let symbols: Vec<u8> = bytes.iter().map(|&b| b % 62).collect();
            (Setup::new(62, Some(symbols.len() as u64)), symbols)
        } else {
            assert!(
                (test.applies_to)(nist::PACKED_BITS).is_ok(),
                "{}",
                test.name
            );
            let bits = 8 * bytes.len() as u64 - trim_bits;
            (nist::setup(bits, &Params::default()), bytes.to_vec())
        }
    }

    /// Feeds `symbols` to `state` in random chunks (empty ones included), each made with the
    /// views the state reads plus random others, as the runner makes them for several tests:
    /// a view must not depend on which others were computed with it.
    fn feed(state: &mut dyn TestState, symbols: &[u8], rng: &mut impl Rng) {
        let mut workspace = Workspace::new();
        let mut rest = symbols;
        while !rest.is_empty() {
            let take = match rng.random_range(0..4) {
                0 => rng.random_range(0..=3),
                1 => rng.random_range(0..=80),
                _ => rng.random_range(0..=rest.len()),
            }
            .min(rest.len())
            .min(chunk::MAX_SYMBOLS);
            let views = [Views::HISTOGRAM, Views::SUMS, Views::PAIRS, Views::ONES]
                .into_iter()
                .filter(|_| rng.random_bool(0.5))
                .fold(state.reads(), |views, view| views | view);
            state.update_chunk(&Chunk::new(&rest[..take], views, &mut workspace));
            rest = &rest[take..];
        }
    }

    /// `count` sorted cut points in 0..=len, some of them 0..=3 after the one before (tiny
    /// segments, cuts inside words and blocks).
    fn cuts(len: usize, count: usize, rng: &mut impl Rng) -> Vec<usize> {
        let mut cuts: Vec<usize> = Vec::with_capacity(count);
        for _ in 0..count {
            let cut = match (cuts.last(), rng.random_range(0..3)) {
                (Some(&last), 0) => (last + rng.random_range(0..=3)).min(len),
                _ => rng.random_range(0..=len),
            };
            cuts.push(cut);
            cuts.sort_unstable();
        }
        cuts
    }

    /// Saves a state, writes it as JSON text, reads it back and restores it.
    fn round_trip(test: &Test, setup: &Setup, state: &dyn TestState) -> Box<dyn TestState> {
        let text = serde_json::to_string(&state.save()).expect("a saved state writes as JSON");
        let saved: SavedState = serde_json::from_str(&text).expect("and reads back");
        assert_eq!(saved.test, test.name);
        (test.restore)(setup, &saved).unwrap_or_else(|e| panic!("{}: {e}", test.name))
    }

    /// The registry-wide check of issue #11 part 1, over every registered test: a stream cut at
    /// random points into k = 2..=8 segments (tiny ones and cuts inside words and blocks
    /// included), each analysed on its own from its offset (some of them saved and restored on
    /// the way) and merged, left to right or neighbours in a random order, gives outcomes
    /// bit-identical to one pass; snapshots taken along one pass equal one pass over the
    /// prefix and leave the final outcomes as they were; a state saved, written as JSON, read
    /// back and restored mid-stream reads on to the same outcomes. Tests in [`MERGE_NOT_YET`]
    /// (and only they) refuse merges instead.
    #[test]
    fn every_test_merges_snapshots_and_saves_exactly() {
        let mut refusing = Vec::new();
        for (index, test) in all_tests().enumerate() {
            // Long enough that every test computes (longest_run's 10⁴-bit blocks, NIST's
            // Universal), once with a NIST sequence that ends inside a byte and once with one
            // whose 8 NonOverlappingTemplate blocks are whole words (so segments start at
            // its block boundaries), and a short stream for the paths of small lengths.
            for (round, (len, trim_bits)) in [(131_072usize, 5u64), (131_072, 0), (1_203, 0)]
                .into_iter()
                .enumerate()
            {
                let seed = 1000 + 10 * index as u64 + round as u64;
                let (setup, symbols) = stream_for(test, &seeded_bytes(seed, len), trim_bits);
                let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
                let one_pass = {
                    let mut state = (test.start)(&setup);
                    state.update(&symbols);
                    exact(&state.finish())
                };

                // Snapshots along the way equal one pass over the prefix, and change nothing.
                let mut state = (test.start)(&setup);
                let mut at = 0;
                for cut in cuts(symbols.len(), 3, &mut rng) {
                    feed(state.as_mut(), &symbols[at..cut], &mut rng);
                    at = cut;
                    let prefix = {
                        let mut fresh = (test.start)(&setup);
                        fresh.update(&symbols[..cut]);
                        exact(&fresh.finish())
                    };
                    assert_eq!(
                        exact(&state.snapshot()),
                        prefix,
                        "{}: snapshot at {cut}",
                        test.name
                    );
                }
                feed(state.as_mut(), &symbols[at..], &mut rng);
                assert_eq!(
                    exact(&state.finish()),
                    one_pass,
                    "{}: after snapshots",
                    test.name
                );

                // Saved mid-stream, through JSON text, restored, and read on.
                let mid = rng.random_range(0..=symbols.len());
                let mut state = (test.start)(&setup);
                feed(state.as_mut(), &symbols[..mid], &mut rng);
                let mut state = round_trip(test, &setup, state.as_ref());
                feed(state.as_mut(), &symbols[mid..], &mut rng);
                assert_eq!(
                    exact(&state.finish()),
                    one_pass,
                    "{}: saved at {mid}",
                    test.name
                );

                // Split into segments, analysed apart, merged left to right.
                for trial in 0..6 {
                    let k = rng.random_range(2..=8);
                    let mut bounds = vec![0];
                    bounds.extend(cuts(symbols.len(), k - 1, &mut rng));
                    bounds.push(symbols.len());
                    let mut segments: Vec<Box<dyn TestState>> = Vec::new();
                    for pair in bounds.windows(2) {
                        let segment_setup = Setup {
                            offset: pair[0] as u64,
                            ..setup.clone()
                        };
                        let mut segment = (test.start)(&segment_setup);
                        feed(segment.as_mut(), &symbols[pair[0]..pair[1]], &mut rng);
                        if rng.random_range(0..3) == 0 {
                            segment = round_trip(test, &segment_setup, segment.as_ref());
                        }
                        segments.push(segment);
                    }
                    // Half the time the segments are merged into an empty state started at
                    // the beginning, as the runner does: it then takes in a first segment
                    // that starts at an aligned position and ends inside a block.
                    if trial % 4 < 2 {
                        segments.insert(0, (test.start)(&setup));
                    }
                    // Even trials merge left to right; odd ones merge random neighbours, so
                    // that later segments are also merged with each other before the first
                    // takes them in.
                    let mut refused = false;
                    while segments.len() > 1 {
                        let at = if trial % 2 == 0 {
                            0
                        } else {
                            rng.random_range(0..segments.len() - 1)
                        };
                        let next = segments.remove(at + 1);
                        match segments[at].merge(next) {
                            Ok(()) => {}
                            Err(StateError::Unsupported { test: name }) => {
                                assert_eq!(name, test.name);
                                refused = true;
                                break;
                            }
                            Err(error) => panic!("{}: {error}", test.name),
                        }
                    }
                    if refused {
                        if !refusing.contains(&test.name) {
                            refusing.push(test.name);
                        }
                        break;
                    }
                    let merged = segments.pop().expect("at least one segment");
                    assert_eq!(
                        exact(&merged.finish()),
                        one_pass,
                        "{}: len {len}, trial {trial}, segments at {bounds:?}",
                        test.name
                    );
                }
            }
        }
        assert_eq!(refusing, MERGE_NOT_YET, "the tests that refuse to merge");
    }

    /// Merges and restores that cannot be right are refused with a typed error, not mixed up.
    #[test]
    fn mismatched_states_are_refused() {
        let data = seeded_bytes(13, 4096);
        let setup = Setup::new(256, Some(8192));
        let started = |test: &Test, setup: &Setup, symbols: &[u8]| {
            let mut state = (test.start)(setup);
            state.update(symbols);
            state
        };
        let mut first = started(&frequency::TEST, &setup, &data);
        let next_setup = Setup {
            offset: 4096,
            ..setup.clone()
        };
        let other_test = started(&serial::TEST, &next_setup, &data);
        assert_eq!(
            first.merge(other_test),
            Err(StateError::DifferentTest {
                expected: "frequency",
                found: "another test".into()
            })
        );
        let other_alphabet = started(
            &frequency::TEST,
            &Setup {
                alphabet: 62,
                ..next_setup.clone()
            },
            &[1, 2],
        );
        assert_eq!(
            first.merge(other_alphabet),
            Err(StateError::DifferentSetup { test: "frequency" })
        );
        let gap = started(
            &frequency::TEST,
            &Setup {
                offset: 4097,
                ..setup.clone()
            },
            &data,
        );
        assert_eq!(
            first.merge(gap),
            Err(StateError::NotConsecutive {
                test: "frequency",
                expected: 4096,
                found: 4097
            })
        );
        let mut saved = first.save();
        saved.version += 1;
        assert!(matches!(
            (frequency::TEST.restore)(&setup, &saved),
            Err(Error::State(StateError::WrongVersion {
                test: "frequency",
                ..
            }))
        ));
        saved.version -= 1;
        assert!(matches!(
            (serial::TEST.restore)(&setup, &saved),
            Err(Error::State(StateError::WrongTest {
                expected: "serial",
                ..
            }))
        ));
        saved.state = serde_json::json!({"offset": "nonsense"});
        assert!(matches!(
            (frequency::TEST.restore)(&setup, &saved),
            Err(Error::State(StateError::Malformed {
                test: "frequency",
                ..
            }))
        ));
    }
}
