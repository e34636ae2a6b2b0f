//! The NIST SP 800-22 Rev 1a battery, p-value for p-value equal to NIST STS 2.1.2.
//!
//! # Input convention
//! The NIST tests consume **packed bits**: each byte of a chunk carries 8 bits, most significant
//! first (STS's binary input, mode 1). [`Setup::alphabet`] is 2 ("packed bits", the only alphabet
//! these tests accept) and [`Setup::length`] is the sequence length **in bits**, always `Some(n)`
//! for this battery: bits after the n-th in the last byte are ignored, and a stream that ends
//! before n bits gives skipped outcomes. ASCII `0`/`1` input (STS mode 0) is packed first by
//! [`sequences::Ascii01Packer`]; [`sequences::run_sequence`] drives the tests over one sequence.
//!
//! # What "equal to STS" means here
//! Every test reproduces STS 2.1.2 with its default parameters, including the places where STS
//! departs from the text of SP 800-22 (tests/fixtures/nist-sts/README.md lists them): rounded
//! probability constants (LongestRun, LinearComplexity, RandomExcursions), truncating integer
//! division in CumulativeSums, the DFT threshold sqrt(2.995732274 n) with the DC term counted,
//! OverlappingTemplate's class probabilities from STS's own `Pr()`, NonOverlappingTemplate with
//! N = 8 blocks and STS's 148 templates, and random excursions that are not applicable with too
//! few cycles. Where STS writes 0 for a test that does not apply (random excursions) the outcome
//! here is skipped, so the second level leaves it out of proportion and uniformity as STS does;
//! where STS computes a failing p-value of 0 (Runs without its frequency prerequisite) so does
//! this battery. Test names and labels are STS's (those of `reference_pvalues.csv`).
//!
//! # Input-size conditions
//! STS computes every test on any length (it only prints "Results are inaccurate!"), and on short
//! sequences its approximations fail good generators: NonOverlappingTemplate on 1,000 bits and
//! ApproximateEntropy m = 10 on 10,000 bits fail every run. Here a test runs only where the
//! conditions under which its P-value is valid hold, and is otherwise skipped with a reason that
//! names the condition and the length it needs; the second level leaves skipped outcomes out of
//! the proportion and the uniformity. The conditions are SP 800-22 Rev 1a's "Input Size
//! Recommendation" (§2.x.7) and parameter constraints, each cited beside its check.
//! Recommendations there that are not validity conditions of the approximation are not applied,
//! each said and measured in its test's documentation: BlockFrequency's "M > 0.01n, N < 100",
//! and the n ≥ 10^6 of OverlappingTemplate, LinearComplexity and the random excursion tests,
//! whose validity conditions N · min π > 5, N ≥ 200 blocks and J ≥ 500 cycles are applied.
//! Where SP 800-22 is silent, or its length too short for the second level, this battery adds a
//! condition, documented and measured: NonOverlappingTemplate's expected count per block of at
//! least 5 (SP 800-22's own χ² rule), and FFT's n ≥ 10,000 where §2.6.7 says 1,000 (below it
//! the P-value takes too few values). With STS's default parameters every condition holds at
//! n = 10^6, so the STS reference P-values are unchanged.
//!
//! [`SIZE_CONDITIONS`] turns the conditions off, so that the tests compute wherever STS does; it
//! exists to reproduce STS and SP 800-22's worked examples (10 and 100 bits) and is not offered
//! on the command line.
//!
//! # Streaming
//! A test sees the sequence as 64-bit words (`BitTest::push`), most significant bit first, cut
//! at fixed positions of the sequence whatever the chunking, so outcomes cannot depend on chunk
//! boundaries. Tests keep counters, a block or a window; only the DFT buffers the sequence (as
//! packed words, 1/8 byte per bit).
//!
//! The second level (proportion of passing sequences, uniformity of p-values, STS's
//! `finalAnalysisReport.txt`) is [`crate::second_level::final_analysis`]: the battery measures,
//! the layer above judges.

pub mod approximate_entropy;
pub(crate) mod bits;
pub mod block_frequency;
pub mod cumulative_sums;
pub mod fft;
pub mod frequency;
pub mod linear_complexity;
pub mod longest_run;
pub mod non_overlapping_template;
pub mod overlapping_template;
pub mod random_excursions;
pub mod random_excursions_variant;
pub mod rank;
pub mod runs;
pub mod sequences;
pub mod serial;
pub mod universal;

use super::state::{Segment, Segmented};
use super::{Chunk, Outcome, Params, Setup, Test, TestState};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The 15 tests in STS order (the order of STS's `finalAnalysisReport.txt`).
pub static TESTS: &[Test] = &[
    frequency::TEST,
    block_frequency::TEST,
    cumulative_sums::TEST,
    runs::TEST,
    longest_run::TEST,
    rank::TEST,
    fft::TEST,
    non_overlapping_template::TEST,
    overlapping_template::TEST,
    universal::TEST,
    approximate_entropy::TEST,
    random_excursions::TEST,
    random_excursions_variant::TEST,
    serial::TEST,
    linear_complexity::TEST,
];

/// The least sequence length, in bits, at which `test` (one of [`TESTS`]) meets its input-size
/// conditions with `params`: `Ok(None)` for the random excursion tests, whose condition is on
/// the sequence's cycles, not its length; `Err` says why no length will do (a parameter breaks a
/// condition) or that `test` is not of this battery.
pub fn minimum_bits(test: &Test, params: &Params) -> Result<Option<u64>, String> {
    Ok(min_length(test.name, params)?.map(|min| min.bits))
}

/// [`minimum_bits`] with what the skip reason says about it.
pub(crate) fn min_length(test: &str, params: &Params) -> Result<Option<MinLength>, String> {
    let min = match test {
        "Frequency" => frequency::min_length(params),
        "BlockFrequency" => block_frequency::min_length(params),
        "CumulativeSums" => cumulative_sums::min_length(params),
        "Runs" => runs::min_length(params),
        "LongestRun" => longest_run::min_length(params),
        "Rank" => rank::min_length(params),
        "FFT" => fft::min_length(params),
        "NonOverlappingTemplate" => non_overlapping_template::min_length(params),
        "OverlappingTemplate" => overlapping_template::min_length(params),
        "Universal" => universal::min_length(params),
        "ApproximateEntropy" => approximate_entropy::min_length(params),
        "Serial" => serial::min_length(params),
        "LinearComplexity" => linear_complexity::min_length(params),
        "RandomExcursions" | "RandomExcursionsVariant" => return Ok(None),
        other => return Err(format!("{other} is not a NIST SP 800-22 test")),
    };
    min.map(Some)
}

/// The alphabet that means "packed bits" in a [`Setup`] for this battery.
pub const PACKED_BITS: u16 = 2;

/// `applies_to` of every NIST test: packed bits only.
pub fn packed_bits_only(alphabet: u16) -> Result<(), String> {
    if alphabet == PACKED_BITS {
        Ok(())
    } else {
        Err(format!(
            "NIST SP 800-22 tests read packed bits (alphabet 2), not an alphabet of {alphabet} symbols"
        ))
    }
}

/// The setup of one NIST sequence of `n_bits` bits.
pub fn setup(n_bits: u64, params: &Params) -> Setup {
    Setup {
        alphabet: PACKED_BITS,
        length: Some(n_bits),
        params: params.clone(),
        offset: 0,
    }
}

/// One NIST test as it sees the sequence: 64-bit words, first bit in the most significant place.
pub(crate) trait BitTest: Clone + Send + Serialize + DeserializeOwned + 'static {
    const NAME: &'static str;
    /// The version of the saved layout ([`super::SavedState`]): bump it when the fields change.
    const VERSION: u32 = 1;
    /// Whether [`BitTest::absorb`] is implemented (see [`super::state::Segment::MERGEABLE`]).
    const MERGEABLE: bool = false;
    /// The next `len` bits (1..=64) of the sequence in the top `len` bits of `word`, the rest zero.
    /// Every word but the last has `len == 64`.
    fn push(&mut self, word: u64, len: u32);
    /// The outcomes for the `n` bits pushed, in STS's order.
    fn finish(self, n: u64) -> Vec<Outcome>;
    /// The labels of the outcomes [`BitTest::finish`] gives for `n` bits, so that a test that
    /// cannot run still reports one (skipped) outcome per label.
    fn labels(&self, n: u64) -> Vec<String>;
    /// Bits between the positions where the state holds only counts and boundary context (a
    /// block test's block); words are 64 bits, so merges also happen only at multiples of 64.
    fn alignment_bits(&self) -> u64 {
        64
    }
    /// Takes in the state of the segment that starts where this one ends, at an aligned
    /// position, after at least one word was pushed to it. Only called when
    /// [`BitTest::MERGEABLE`].
    fn absorb(&mut self, next: Self) {
        let _ = next;
        unreachable!("{} does not merge, and says so in MERGEABLE", Self::NAME)
    }
}

/// Skipped outcomes, one per label, all with `reason`.
pub(crate) fn skip_all(test: &'static str, labels: Vec<String>, reason: &str) -> Vec<Outcome> {
    labels
        .into_iter()
        .map(|label| Outcome::skipped(test, reason).with_label(label))
        .collect()
}

/// Turns packed bytes into the words a [`BitTest`] reads, stopping at the sequence's length.
#[derive(Clone, Serialize, Deserialize)]
struct Packed<T> {
    test: T,
    /// Bits the sequence has (`u64::MAX` when the setup did not say).
    limit: u64,
    announced: Option<u64>,
    /// Bits of the sequence before this segment.
    start: u64,
    /// Bits handed to the test so far, counted from the start of the sequence.
    pushed: u64,
    /// Bytes waiting to fill a word, in the low `8 * pending` bits.
    partial: u64,
    pending: u32,
}

impl<T: BitTest> Packed<T> {
    #[inline]
    fn emit_full(&mut self, word: u64) {
        self.test.push(word, 64);
        self.pushed += 64;
    }
}

impl<T: BitTest> Segment for Packed<T> {
    const NAME: &'static str = T::NAME;
    const VERSION: u32 = T::VERSION;
    const MERGEABLE: bool = T::MERGEABLE;

    fn alignment(&self) -> u64 {
        // Bytes: a whole number of words and of the test's own period.
        let bits = self.test.alignment_bits().max(1);
        let words = bits / gcd(bits, 64) * 64;
        words / 8
    }

    fn absorb(&mut self, next: Self) {
        // Here no byte is pending unless the sequence ended inside the last word, in which case
        // next's bytes all lie past the end and it kept none of them.
        if next.pushed > next.start {
            self.test.absorb(next.test);
            self.pushed = next.pushed;
        }
        if self.pending == 0 {
            self.partial = next.partial;
            self.pending = next.pending;
        }
    }

    fn update(&mut self, chunk: &Chunk<'_>) {
        let bytes = chunk.symbols();
        let accepted_bits = self.pushed + 8 * u64::from(self.pending);
        let room_bytes = self.limit.saturating_sub(accepted_bits).div_ceil(8);
        let mut rest = &bytes[..bytes
            .len()
            .min(usize::try_from(room_bytes).unwrap_or(usize::MAX))];
        while self.pending > 0 && self.pending < 8 && !rest.is_empty() {
            self.partial = (self.partial << 8) | u64::from(rest[0]);
            self.pending += 1;
            rest = &rest[1..];
        }
        // A full word is handed over only when all its 64 bits belong to the sequence; the word
        // that holds the sequence's end stays pending and goes out, trimmed, in `finish`.
        if self.pending == 8 && self.pushed + 64 <= self.limit {
            let word = self.partial;
            self.emit_full(word);
            self.partial = 0;
            self.pending = 0;
        }
        if self.pending == 0 {
            let mut words = rest.chunks_exact(8);
            for chunk in &mut words {
                let word = u64::from_be_bytes(chunk.try_into().expect("chunks of 8"));
                if self.pushed + 64 <= self.limit {
                    self.emit_full(word);
                } else {
                    self.partial = word;
                    self.pending = 8;
                    return;
                }
            }
            for &byte in words.remainder() {
                self.partial = (self.partial << 8) | u64::from(byte);
                self.pending += 1;
            }
        }
    }

    fn outcomes(self) -> Vec<Outcome> {
        let mut this = self;
        if this.pending > 0 {
            let held = 8 * this.pending;
            let valid = u64::from(held).min(this.limit - this.pushed) as u32;
            if valid > 0 {
                let word = (this.partial << (64 - held)) & bits::top_mask(valid);
                this.test.push(word, valid);
                this.pushed += u64::from(valid);
            }
        }
        match this.announced {
            Some(n) if this.pushed < n => {
                let labels = this.test.labels(n);
                skip_all(
                    T::NAME,
                    labels,
                    &format!("the sequence ended after {} of its {n} bits", this.pushed),
                )
            }
            _ => {
                let n = this.pushed;
                this.test.finish(n)
            }
        }
    }
}

/// The greatest common divisor, for [`Segment::alignment`].
fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// Starts `test` on the sequence (or the segment of it) `setup` describes; `new` builds the
/// test from the setup.
pub(crate) fn start<T: BitTest>(setup: &Setup, new: impl Fn(&Setup) -> T) -> Box<dyn TestState> {
    Segmented::start(setup, |setup| Packed {
        test: new(setup),
        limit: setup.length.unwrap_or(u64::MAX),
        announced: setup.length,
        start: 8 * setup.offset,
        pushed: 8 * setup.offset,
        partial: 0,
        pending: 0,
    })
}

/// Restores a saved state of the test `T` ([`super::Test::restore`]).
pub(crate) fn restore<T: BitTest>(
    setup: &Setup,
    saved: &super::SavedState,
) -> Result<Box<dyn TestState>, crate::Error> {
    Segmented::<Packed<T>>::restore(setup, saved)
}

/// The [`Params`] key that, set to 0, turns the input-size conditions off (module
/// documentation): every test then computes wherever STS 2.1.2 computes, as it does for
/// SP 800-22's worked examples of 10 and 100 bits. Such P-values are not evidence about a
/// generator, so the command line does not take this key ([`Params::check`] accepts only the
/// parameters tests declare).
pub const SIZE_CONDITIONS: &str = "nist.size_conditions";

/// `params` with the input-size conditions turned off ([`SIZE_CONDITIONS`]).
pub fn without_size_conditions(params: &Params) -> Params {
    let mut params = params.clone();
    params.0.insert(SIZE_CONDITIONS.to_string(), 0);
    params
}

/// Whether the input-size conditions apply under `params` (they do unless turned off).
pub(crate) fn size_conditions_apply(params: &Params) -> bool {
    params.0.get(SIZE_CONDITIONS) != Some(&0)
}

/// `n` with thousands separated by commas, as skip reasons write lengths.
pub(crate) fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// The least length at which a test's input-size conditions hold, with what the skip reason
/// says about it.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct MinLength {
    /// The test and the parameters the condition depends on ("ApproximateEntropy m=10").
    pub what: String,
    /// The condition in SP 800-22's terms ("m < ⌊log2 n⌋ − 5"); `None` when it is the length
    /// itself.
    pub condition: Option<String>,
    /// Bits needed (`u64::MAX` when no length would do in 64 bits).
    pub bits: u64,
    /// Where the condition comes from ("SP 800-22 §2.12.7").
    pub source: String,
}

impl MinLength {
    /// A condition that is the length itself: `test` needs `bits` bits, per `source`.
    pub fn bits(test: &str, bits: u64, source: &'static str) -> Result<MinLength, String> {
        Ok(MinLength {
            what: test.to_string(),
            condition: None,
            bits,
            source: source.to_string(),
        })
    }

    /// `None` when `n` bits are enough, else the reason to skip, e.g. "ApproximateEntropy m=10
    /// needs m < ⌊log2 n⌋ − 5, i.e. n ≥ 65,536 bits (SP 800-22 §2.12.7); the sequence has
    /// 10,000".
    pub fn unmet(&self, n: u64) -> Option<String> {
        if n >= self.bits {
            return None;
        }
        let needed = format!("n ≥ {} bits", grouped(self.bits));
        Some(match &self.condition {
            Some(condition) => format!(
                "{} needs {condition}, i.e. {needed} ({}); the sequence has {}",
                self.what,
                self.source,
                grouped(n)
            ),
            None => format!(
                "{} needs {needed} ({}); the sequence has {}",
                self.what,
                self.source,
                grouped(n)
            ),
        })
    }
}

/// A test's input-size conditions as it was started: its least length, or the reason no length
/// will do (a parameter breaks a condition), and whether the conditions apply at all.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct Conditions {
    applies: bool,
    min: Result<MinLength, String>,
}

impl Conditions {
    pub fn new(params: &Params, min: Result<MinLength, String>) -> Self {
        Conditions {
            applies: size_conditions_apply(params),
            min,
        }
    }

    /// No conditions: the test computes wherever STS does.
    pub fn off() -> Self {
        Conditions {
            applies: false,
            min: Err(String::new()),
        }
    }

    /// `Some(reason)` when the test must be skipped on `n` bits.
    pub fn unmet(&self, n: u64) -> Option<String> {
        if !self.applies {
            return None;
        }
        match &self.min {
            Ok(min) => min.unmet(n),
            Err(reason) => Some(reason.clone()),
        }
    }
}

/// The reason a test skips when a parameter breaks a condition that no length can meet.
pub(crate) fn parameter_unmet(what: &str, condition: &str, source: &str) -> String {
    format!("{what} needs {condition} ({source}), whatever the sequence's length")
}

/// The reason a test that must know the sequence length in advance gives without it.
pub(crate) const NEEDS_LENGTH: &str =
    "needs the sequence length in bits in advance (Setup.length), as every NIST sequence has";

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers for the tests of this battery.

    use super::*;

    /// Packs a string of '0'/'1' (other characters ignored) MSB-first; returns bytes and bits.
    pub fn pack(bits: &str) -> (Vec<u8>, u64) {
        super::sequences::pack_ascii01(bits.as_bytes())
    }

    /// Runs `test` over `packed` (n bits) fed in chunks of `chunk` bytes.
    pub fn run_chunked(
        test: &Test,
        packed: &[u8],
        n: u64,
        params: &Params,
        chunk: usize,
    ) -> Vec<Outcome> {
        let mut state = (test.start)(&setup(n, params));
        for piece in packed.chunks(chunk.max(1)) {
            state.update(piece);
        }
        state.finish()
    }

    /// Runs `test` over `packed` (n bits, default parameters) as segments starting at `cuts`
    /// (the first 0), each analysed on its own; merges the last two first when `later_first`,
    /// else left to right.
    pub fn run_merged(
        test: &Test,
        packed: &[u8],
        n: u64,
        cuts: &[usize],
        later_first: bool,
    ) -> Vec<Outcome> {
        let mut segments: Vec<Box<dyn TestState>> = cuts
            .iter()
            .enumerate()
            .map(|(index, &at)| {
                let end = cuts.get(index + 1).copied().unwrap_or(packed.len());
                let mut segment = (test.start)(&Setup {
                    offset: at as u64,
                    ..setup(n, &Params::default())
                });
                segment.update(&packed[at..end]);
                segment
            })
            .collect();
        if later_first && segments.len() > 2 {
            let last = segments.pop().expect("three segments");
            let at = segments.len() - 1;
            segments[at].merge(last).expect("merges");
        }
        let mut merged = segments.remove(0);
        for next in segments {
            merged.merge(next).expect("merges");
        }
        merged.finish()
    }

    /// Runs `test` on a '0'/'1' string with `params` (`NAME=VALUE` pairs for this test).
    pub fn run_str(test: &Test, bits: &str, params: &[(&str, u64)]) -> Vec<Outcome> {
        let (packed, n) = pack(bits);
        let mut p = Params::default();
        for (name, value) in params {
            p.0.insert(format!("{}.{name}", test.name), *value);
        }
        run_chunked(test, &packed, n, &p, packed.len().max(1))
    }

    /// [`run_str`] with the input-size conditions off, for SP 800-22's worked examples of 10 and
    /// 100 bits, which STS computes.
    pub fn run_str_sts(test: &Test, bits: &str, params: &[(&str, u64)]) -> Vec<Outcome> {
        let (packed, n) = pack(bits);
        let mut p = without_size_conditions(&Params::default());
        for (name, value) in params {
            p.0.insert(format!("{}.{name}", test.name), *value);
        }
        run_chunked(test, &packed, n, &p, packed.len().max(1))
    }

    /// The p-value of the only (or `index`-th) outcome, panicking with the skip reason.
    pub fn p_of(outcomes: &[Outcome], index: usize) -> f64 {
        let outcome = &outcomes[index];
        outcome.p_value().unwrap_or_else(|| {
            panic!(
                "{}[{}] skipped: {:?}",
                outcome.test, outcome.label, outcome.result
            )
        })
    }

    /// The first `bits` binary digits of e from STS's data.e, packed.
    pub fn data_e(bits: u64) -> (Vec<u8>, u64) {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/nist-sts/data.e"
        );
        let text = std::fs::read(path).expect("tests/fixtures/nist-sts/data.e");
        let mut packer = super::sequences::Ascii01Packer::new();
        let mut out = Vec::new();
        packer.push_limited(&text, bits, &mut out);
        let n = packer.finish(&mut out);
        (out, n)
    }

    /// `bits` bits of a fixed ChaCha20 stream.
    pub fn chacha_bits(seed: u64, bits: u64) -> Vec<u8> {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
        let mut out = vec![0u8; bits.div_ceil(8) as usize];
        rng.fill_bytes(&mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    const MILLION: u64 = 1_000_000;

    #[test]
    fn tests_are_in_sts_order_with_unique_names() {
        let names: Vec<_> = TESTS.iter().map(|t| t.name).collect();
        assert_eq!(
            names,
            [
                "Frequency",
                "BlockFrequency",
                "CumulativeSums",
                "Runs",
                "LongestRun",
                "Rank",
                "FFT",
                "NonOverlappingTemplate",
                "OverlappingTemplate",
                "Universal",
                "ApproximateEntropy",
                "RandomExcursions",
                "RandomExcursionsVariant",
                "Serial",
                "LinearComplexity"
            ]
        );
        for test in TESTS {
            assert!((test.applies_to)(PACKED_BITS).is_ok(), "{}", test.name);
            assert!((test.applies_to)(256).is_err(), "{}", test.name);
        }
    }

    #[test]
    fn every_test_gives_probabilities_on_a_fixed_stream() {
        let data = chacha_bits(11, MILLION);
        for test in TESTS {
            let outcomes = run_chunked(test, &data, MILLION, &Params::default(), 65_536);
            assert!(!outcomes.is_empty(), "{}", test.name);
            for outcome in outcomes {
                assert_eq!(outcome.test, test.name);
                match outcome.p_value() {
                    Some(p) => assert!((0.0..=1.0).contains(&p), "{}: p = {p}", test.name),
                    None => panic!("{} skipped 1,000,000 bits: {:?}", test.name, outcome.result),
                }
            }
        }
    }

    #[test]
    fn outcomes_do_not_depend_on_chunk_boundaries() {
        // An odd length, so the last byte carries bits past the sequence's end (set here: they
        // must be ignored).
        let n = MILLION + 3;
        let mut data = chacha_bits(12, n + 8);
        data.truncate(n.div_ceil(8) as usize);
        *data.last_mut().unwrap() |= 0x1F;
        for test in TESTS {
            let whole = run_chunked(test, &data, n, &Params::default(), data.len());
            for chunk in [1usize, 7, 8, 4093] {
                assert_eq!(
                    run_chunked(test, &data, n, &Params::default(), chunk),
                    whole,
                    "{} depends on chunk size {chunk}",
                    test.name
                );
            }
        }
    }

    #[test]
    fn constant_sequences_fail_every_test() {
        // All zeros and all ones are as far from random as a sequence gets: each outcome either
        // fails outright or is skipped with its reason (random excursions see no cycles).
        for byte in [0x00u8, 0xFF] {
            let data = vec![byte; (MILLION / 8) as usize];
            for test in TESTS {
                for outcome in run_chunked(test, &data, MILLION, &Params::default(), 4096) {
                    match &outcome.result {
                        Ok(m) => assert!(
                            m.p_value < 1e-6,
                            "{}[{}] on constant 0x{byte:02x}: p = {}",
                            test.name,
                            outcome.label,
                            m.p_value
                        ),
                        Err(reason) => assert!(
                            test.name.starts_with("RandomExcursions"),
                            "{} skipped: {reason}",
                            test.name
                        ),
                    }
                }
            }
        }
    }

    #[test]
    fn short_and_empty_sequences_are_skipped_not_panics() {
        // With the conditions off too, where the tests compute on as few bits as STS does.
        let off = without_size_conditions(&Params::default());
        for n in [0u64, 1, 5, 64, 100] {
            let data = chacha_bits(3, n);
            for test in TESTS {
                for params in [&Params::default(), &off] {
                    for outcome in run_chunked(test, &data, n, params, 3) {
                        if let Ok(m) = &outcome.result {
                            assert!((0.0..=1.0).contains(&m.p_value), "{}", test.name);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn default_minimum_lengths() {
        // The README's table.
        let expected: [(&str, Option<u64>); 15] = [
            ("Frequency", Some(100)),
            ("BlockFrequency", Some(128)),
            ("CumulativeSums", Some(100)),
            ("Runs", Some(100)),
            ("LongestRun", Some(128)),
            ("Rank", Some(38_912)),
            ("FFT", Some(10_000)),
            ("NonOverlappingTemplate", Some(20_544)),
            ("OverlappingTemplate", Some(74_304)),
            ("Universal", Some(387_840)),
            ("ApproximateEntropy", Some(65_536)),
            ("RandomExcursions", None),
            ("RandomExcursionsVariant", None),
            ("Serial", Some(524_288)),
            ("LinearComplexity", Some(100_000)),
        ];
        for (test, (name, bits)) in TESTS.iter().zip(expected) {
            assert_eq!(test.name, name);
            assert_eq!(minimum_bits(test, &Params::default()), Ok(bits), "{name}");
        }
    }

    #[test]
    fn each_test_is_skipped_one_bit_short_of_its_minimum_and_runs_at_it() {
        // On the first bits of data.e. Every outcome just below is skipped with a reason that
        // names the length needed; at the minimum every outcome is measured. (The random
        // excursion tests have no length condition; their own tests cover the cycles.)
        let (packed, _) = data_e(MILLION);
        for test in TESTS {
            let Some(bits) = minimum_bits(test, &Params::default()).expect("default parameters")
            else {
                continue;
            };
            let needed = format!("n ≥ {} bits", grouped(bits));
            let below = bits - 1;
            let short = run_chunked(test, &packed, below, &Params::default(), 4096);
            for outcome in &short {
                let reason = outcome.result.as_ref().unwrap_err();
                assert!(
                    reason.starts_with(test.name)
                        && reason.contains(&needed)
                        && reason.contains("SP 800-22 §")
                        && reason.ends_with(&format!("the sequence has {}", grouped(below))),
                    "{}: {reason}",
                    test.name
                );
            }
            let enough = run_chunked(test, &packed, bits, &Params::default(), 4096);
            assert_eq!(enough.len(), short.len(), "{}", test.name);
            for outcome in enough {
                assert!(
                    outcome.result.is_ok(),
                    "{}: {:?}",
                    test.name,
                    outcome.result
                );
            }
        }
    }

    #[test]
    fn conditions_off_compute_where_sts_does() {
        // 1,000 bits: ApproximateEntropy, NonOverlappingTemplate, Serial and LinearComplexity are
        // skipped under SP 800-22's conditions and computed, as STS computes them, without.
        let data = chacha_bits(13, 1000);
        let off = without_size_conditions(&Params::default());
        for name in [
            "ApproximateEntropy",
            "NonOverlappingTemplate",
            "Serial",
            "LinearComplexity",
        ] {
            let test = TESTS.iter().find(|t| t.name == name).unwrap();
            let on = run_chunked(test, &data, 1000, &Params::default(), 64);
            assert!(on.iter().all(|o| o.result.is_err()), "{name}");
            let computed = run_chunked(test, &data, 1000, &off, 64);
            assert_eq!(computed.len(), on.len(), "{name}");
            assert!(computed.iter().all(|o| o.result.is_ok()), "{name}");
        }
    }

    #[test]
    fn lengths_are_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(65_536), "65,536");
        assert_eq!(grouped(1_000_000), "1,000,000");
    }

    #[test]
    fn a_stream_shorter_than_announced_is_skipped_with_labels() {
        let data = chacha_bits(4, 2_000);
        let outcomes = run_chunked(&TESTS[2], &data, 4_000, &Params::default(), 100);
        assert_eq!(outcomes.len(), 2);
        assert_eq!(outcomes[1].label, "reverse (mode 1)");
        assert!(outcomes.iter().all(|o| o.result.is_err()));
    }
}
