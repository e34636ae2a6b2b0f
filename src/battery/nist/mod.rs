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
//! Minimum lengths follow STS: a test is skipped (with the length it needs) only where STS
//! refuses to compute, not where SP 800-22 merely recommends more data.
//!
//! # Streaming
//! A test sees the sequence as 64-bit words ([`BitTest::push`]), most significant bit first, cut
//! at fixed positions of the sequence whatever the chunking, so outcomes cannot depend on chunk
//! boundaries. Tests keep counters, a block or a window; only the DFT buffers the sequence (as
//! packed words, 1/8 byte per bit).
//!
//! The second level (proportion of passing sequences, uniformity of p-values, STS's
//! `finalAnalysisReport.txt`) is [`final_analysis`].

pub mod approximate_entropy;
pub(crate) mod bits;
pub mod block_frequency;
pub mod cumulative_sums;
pub mod fft;
pub mod final_analysis;
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

use super::{Outcome, Params, Setup, Test, TestState};

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
    }
}

/// One NIST test as it sees the sequence: 64-bit words, first bit in the most significant place.
pub(crate) trait BitTest: Send + Sized + 'static {
    const NAME: &'static str;
    /// The next `len` bits (1..=64) of the sequence in the top `len` bits of `word`, the rest zero.
    /// Every word but the last has `len == 64`.
    fn push(&mut self, word: u64, len: u32);
    /// The outcomes for the `n` bits pushed, in STS's order.
    fn finish(self, n: u64) -> Vec<Outcome>;
    /// The labels of the outcomes [`BitTest::finish`] gives for `n` bits, so that a test that
    /// cannot run still reports one (skipped) outcome per label.
    fn labels(&self, n: u64) -> Vec<String>;
}

/// Skipped outcomes, one per label, all with `reason`.
pub(crate) fn skip_all(test: &'static str, labels: Vec<String>, reason: &str) -> Vec<Outcome> {
    labels
        .into_iter()
        .map(|label| Outcome::skipped(test, reason).with_label(label))
        .collect()
}

/// Turns packed bytes into the words a [`BitTest`] reads, stopping at the sequence's length.
struct Packed<T> {
    test: T,
    /// Bits the sequence has (`u64::MAX` when the setup did not say).
    limit: u64,
    announced: Option<u64>,
    /// Bits handed to the test so far.
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

impl<T: BitTest> TestState for Packed<T> {
    fn update(&mut self, bytes: &[u8]) {
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

    fn finish(self: Box<Self>) -> Vec<Outcome> {
        let mut this = *self;
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

/// Starts `test` on the sequence `setup` describes.
pub(crate) fn start<T: BitTest>(test: T, setup: &Setup) -> Box<dyn TestState> {
    Box::new(Packed {
        test,
        limit: setup.length.unwrap_or(u64::MAX),
        announced: setup.length,
        pushed: 0,
        partial: 0,
        pending: 0,
    })
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

    /// Runs `test` on a '0'/'1' string with `params` (`NAME=VALUE` pairs for this test).
    pub fn run_str(test: &Test, bits: &str, params: &[(&str, u64)]) -> Vec<Outcome> {
        let (packed, n) = pack(bits);
        let mut p = Params::default();
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
        for n in [0u64, 1, 5, 64, 100] {
            let data = chacha_bits(3, n);
            for test in TESTS {
                for outcome in run_chunked(test, &data, n, &Params::default(), 3) {
                    if let Ok(m) = &outcome.result {
                        assert!((0.0..=1.0).contains(&m.p_value), "{}", test.name);
                    }
                }
            }
        }
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
