//! Birthday spacings: repeated spacings between sorted 32-bit "birthdays" made of one word, of
//! the top halves of two words and of the top bytes of four words (TestU01's
//! `smarsa_BirthdaySpacings`, Knuth TAOCP vol. 2 §3.3.2 J; this is our own code).
//!
//! What the test sees: 64 KiB blocks of the stream as 32-bit little-endian words, on a schedule
//! by absolute position (every block of the first [`EVERY_BLOCK_UNTIL`] bytes, then every
//! [`BLOCK_STRIDE`]-th), and in each block three samples of m = 4096 birthdays among
//! d = 2^32 days (t-dimensional points cut to 32 bits, as TestU01 makes them):
//! - `32-bit words`: the block's first 4096 words (t = 1);
//! - `top 16 bits of 2 words`: (w_{2k} >> 16, w_{2k+1} >> 16) as one day (t = 2);
//! - `top 8 bits of 4 words`: the top bytes of w_{4k}, ..., w_{4k+3} (t = 4).
//!
//! Each sample's days are sorted, Y_1 ≤ ... ≤ Y_m, the spacings S_j = Y_{j+1} − Y_j and the
//! circular S_m = Y_1 + d − Y_m sorted, and R counts the j with S_(j) = S_(j−1): spacings equal
//! to a smaller-indexed one.
//!
//! Why it catches lattices: the t-tuples of an LCG lie on a lattice, so their days are sums of a
//! few lattice vectors and their spacings repeat far more often than chance; RANDU's triples
//! lie on 15 planes (its top bytes, four to a word in `ctl_randu_top`, are the t = 4 case of a
//! word), and lagged Fibonacci generators such as glibc's random() fail it (L'Ecuyer & Simard,
//! "TestU01", ACM TOMS 33(4), 2007, §3 and its tables).
//!
//! The law: for independent uniform days, R is asymptotically Poisson with mean
//! λ = m³/(4d) = 4 (Knuth §3.3.2 J, after Marsaglia; L'Ecuyer & Simard 2007), and the samples
//! are independent, so the total over N samples is Poisson(4N). The approximation's error at
//! this (m, d) was measured by simulation: 500,000 samples of NumPy 2.4's PCG64 (seed 12345)
//! gave a mean R of 3.9975 ± 0.0028 and a variance of 3.994 (Poisson: 4 and 4), and the
//! frequencies of R = 0..11 within their sampling error of Poisson(4)'s (e.g. 0.01852 for
//! 0.01832, 0.19611 for 0.19537); `poisson_approximation` below repeats the check on ChaCha20.
//! A bias of 0.003 per sample moves the total's z-score by 0.003·√N: 0.03 at N = 95. The p-value is the upper tail, P(T > t) + u·P(T = t) with u
//! uniform in [0, 1) from a hash of the samples (randomised within the atom, so that it is
//! uniform under the null: a Poisson count's plain tail is not), computed directly as the
//! regularized lower incomplete gamma P(t + 1, Λ).
//!
//! Outcomes: one per kind of birthday, labelled with it: the total R, its p-value, and the
//! number of samples and Λ as figures.
//!
//! Cost and schedule: two sorts of 4096 words per sample, about 0.1 ms; testing every block
//! would cost more than the rest of the deep battery, so blocks are sampled: all of the first
//! 2 MiB (32 blocks, 96 samples), then one block in 64 (each 4 MiB). 256 MiB give 95 blocks.
//!
//! State and merging: per kind, the samples tested, the total R and a wrapping sum of the
//! samples' hashes (so the sum does not depend on how segments were grouped); and the bytes of
//! an unfinished scheduled block. Segments start at multiples of 64 KiB (the alignment), where
//! the state is counts only, and merging adds them.

use super::state::{Segment, Segmented};
use super::{needs_bytes, Chunk, Outcome, Setup, Test};

/// The `birthday_spacings` test's entry in the deep battery.
pub const TEST: Test = Test {
    name: "birthday_spacings",
    summary: "repeated spacings of 4096 sorted 32-bit birthdays (1 word, top 16 of 2, top 8 of 4) per 64 KiB block, Poisson (lattices, lagged Fibonacci)",
    reference: "TestU01 smarsa_BirthdaySpacings; Knuth TAOCP 2 §3.3.2 J: repeats ~ Poisson(m^3/(4d))",
    params: &[],
    applies_to: needs_bytes,
    start: |setup| Segmented::start(setup, BirthdaySpacings::new),
    restore: Segmented::<BirthdaySpacings>::restore,
};

/// Bytes per block: the largest sample (4 words per birthday).
pub const BLOCK: u64 = 1 << 16;
/// Birthdays per sample.
pub const BIRTHDAYS: usize = 4096;
/// Every block of the first 2 MiB is tested...
pub const EVERY_BLOCK_UNTIL: u64 = 2 << 20;
/// ... then every 64th.
pub const BLOCK_STRIDE: u64 = 64;
/// The expected count of repeats per sample, m³/(4d) with m = 2^12, d = 2^32.
pub const LAMBDA: f64 = 4.0;

/// The kinds of birthday, in the order of the outcomes: their labels and words per birthday.
const KINDS: [(&str, usize); 3] = [
    ("32-bit words", 1),
    ("top 16 bits of 2 words", 2),
    ("top 8 bits of 4 words", 4),
];

fn scheduled(block: u64) -> bool {
    block * BLOCK < EVERY_BLOCK_UNTIL || block.is_multiple_of(BLOCK_STRIDE)
}

#[derive(Clone, Default, serde::Serialize, serde::Deserialize)]
struct Kind {
    samples: u64,
    repeats: u64,
    hash_sum: u64,
}

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct BirthdaySpacings {
    /// Stream bytes before the segment (a multiple of [`BLOCK`]).
    start: u64,
    /// Bytes of the segment read.
    seen: u64,
    /// The bytes of the scheduled block being read.
    #[serde(with = "hex_bytes")]
    buffer: Vec<u8>,
    kinds: Vec<Kind>,
    /// The word size `--word` narrowed the tests to, if any: every kind of birthday reads
    /// 32-bit words, so another size leaves them all out.
    #[serde(default)]
    only_word: Option<u32>,
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The days of one kind from a block's words.
fn days(words: &[u32], per_day: usize) -> Vec<u32> {
    match per_day {
        1 => words[..BIRTHDAYS].to_vec(),
        2 => words
            .chunks_exact(2)
            .take(BIRTHDAYS)
            .map(|w| (w[0] & 0xFFFF_0000) | (w[1] >> 16))
            .collect(),
        _ => words
            .chunks_exact(4)
            .take(BIRTHDAYS)
            .map(|w| (w[0] >> 24) << 24 | (w[1] >> 24) << 16 | (w[2] >> 24) << 8 | (w[3] >> 24))
            .collect(),
    }
}

/// R for one sample: spacings of the sorted days (the last one circular, modulo 2^32) equal to
/// another, counted as sorted spacings equal to the one before.
fn repeats(mut days: Vec<u32>) -> u64 {
    let m = days.len();
    let mut scratch = vec![0u32; m];
    radix_sort(&mut days, &mut scratch);
    if days[0] == days[m - 1] {
        // Every day the same: m − 1 spacings of 0 and one of d.
        return m as u64 - 2;
    }
    let mut spacings: Vec<u32> = days.windows(2).map(|p| p[1] - p[0]).collect();
    spacings.push(days[0].wrapping_sub(days[m - 1]));
    radix_sort(&mut spacings, &mut scratch);
    spacings.windows(2).filter(|p| p[0] == p[1]).count() as u64
}

/// Sorts a sample's words: three passes of 11 bits (about three times faster than a
/// comparison sort for 4096 words).
fn radix_sort(values: &mut [u32], scratch: &mut [u32]) {
    super::radix::radix_sort::<2048, 3>(values, scratch);
}

/// P(T > t) + u·P(T = t) for T ~ Poisson(λ): the tail as the regularized lower incomplete gamma
/// P(t + 1, λ), the atom from its logarithm.
fn poisson_p(t: u64, lambda: f64, u: f64) -> f64 {
    use statrs::function::gamma::{checked_gamma_lr, ln_gamma};
    let above = checked_gamma_lr(t as f64 + 1.0, lambda).unwrap_or(0.0);
    let atom = (t as f64 * lambda.ln() - lambda - ln_gamma(t as f64 + 1.0)).exp();
    crate::stats::clamp_probability(above + u * atom)
}

impl BirthdaySpacings {
    fn new(setup: &Setup) -> Self {
        BirthdaySpacings {
            start: setup.offset,
            seen: 0,
            buffer: Vec::new(),
            kinds: vec![Kind::default(); KINDS.len()],
            only_word: setup.params.word_bits(),
        }
    }

    fn sample(&mut self, block: u64) {
        let words: Vec<u32> = self
            .buffer
            .chunks_exact(4)
            .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
            .collect();
        for (kind, &(_, per_day)) in self.kinds.iter_mut().zip(&KINDS) {
            let days = days(&words, per_day);
            let hash = days.iter().fold(mix(block ^ per_day as u64), |h, &d| {
                mix(h.wrapping_add(u64::from(d)))
            });
            kind.repeats += repeats(days);
            kind.samples += 1;
            kind.hash_sum = kind.hash_sum.wrapping_add(hash);
        }
    }
}

impl Segment for BirthdaySpacings {
    const NAME: &'static str = "birthday_spacings";
    const VERSION: u32 = 1;

    fn alignment(&self) -> u64 {
        BLOCK
    }

    fn update(&mut self, chunk: &Chunk<'_>) {
        let mut rest = chunk.symbols();
        while !rest.is_empty() {
            let at = self.start + self.seen;
            let take = ((BLOCK - at % BLOCK) as usize).min(rest.len());
            let block = at / BLOCK;
            if scheduled(block) {
                self.buffer.extend_from_slice(&rest[..take]);
                if self.buffer.len() as u64 == BLOCK {
                    self.sample(block);
                    self.buffer.clear();
                }
            }
            self.seen += take as u64;
            rest = &rest[take..];
        }
    }

    fn outcomes(self) -> Vec<Outcome> {
        self.kinds
            .iter()
            .zip(KINDS)
            .map(|(kind, (label, _))| {
                if let Some(only) = self.only_word.filter(|&only| only != 32) {
                    return crate::battery::lane_left_out(TEST.name, label, 32, only);
                }
                if kind.samples == 0 {
                    return Outcome::skipped(
                        TEST.name,
                        format!("needs {BLOCK} bytes for one sample of {BIRTHDAYS} birthdays"),
                    )
                    .with_label(label);
                }
                let lambda = LAMBDA * kind.samples as f64;
                let u = (mix(kind.hash_sum) >> 11) as f64 * (-53.0f64).exp2();
                Outcome::measured(
                    TEST.name,
                    kind.repeats as f64,
                    poisson_p(kind.repeats, lambda, u),
                )
                .with_figure("samples", kind.samples as f64)
                .with_figure("expected", lambda)
                .with_label(label)
            })
            .collect()
    }

    fn absorb(&mut self, next: Self) {
        debug_assert!(self.buffer.is_empty());
        for (mine, theirs) in self.kinds.iter_mut().zip(&next.kinds) {
            mine.samples += theirs.samples;
            mine.repeats += theirs.repeats;
            mine.hash_sum = mine.hash_sum.wrapping_add(theirs.hash_sum);
        }
        self.seen += next.seen;
        self.buffer = next.buffer;
    }
}

/// Serde for bytes as hex text.
mod hex_bytes {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        let text: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        serializer.serialize_str(&text)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        if !text.len().is_multiple_of(2) || text.len() as u64 > 2 * super::BLOCK {
            return Err(D::Error::custom(
                "hex text of odd length or longer than a block",
            ));
        }
        (0..text.len())
            .step_by(2)
            .map(|k| u8::from_str_radix(&text[k..k + 2], 16).map_err(D::Error::custom))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::battery::run_chunked;
    use crate::source::{weak, SymbolStream};
    use rand::{Rng, SeedableRng};

    /// R by hand: days {0, 1, 3, 5, 6} on a circle of 2^32: spacings 1, 2, 2, 1 and 2^32 − 6:
    /// sorted 1, 1, 2, 2, big: two repeats. Equal days give spacings 0 that repeat too.
    #[test]
    fn repeats_by_hand() {
        assert_eq!(repeats(vec![6, 0, 5, 3, 1]), 2);
        // 7, 7, 7, 9: spacings 0, 0, 2 and 2^32 − 2: one repeat.
        assert_eq!(repeats(vec![7, 9, 7, 7]), 1);
        // All equal: 0, 0, 0 and d itself (not 0 modulo 2^32): two repeats.
        assert_eq!(repeats(vec![5, 5, 5, 5]), 2);
        assert_eq!(repeats(vec![0, u32::MAX]), 0);
    }

    /// The Poisson tail against scipy 1.17.1, `poisson.sf(t, lam)` and `poisson.pmf(t, lam)`,
    /// and mpmath 1.3 (30 digits) `gammainc(801, 0, 400, regularized=True)` for the far tail.
    #[test]
    fn poisson_known_answer() {
        let close = |a: f64, b: f64| (a / b - 1.0).abs() < 1e-10;
        // sf(3, 4) = 0.566529879633291, pmf(3, 4) = 0.19536681481316454.
        assert!(close(poisson_p(3, 4.0, 0.0), 0.566_529_879_633_291));
        assert!(close(
            poisson_p(3, 4.0, 1.0),
            0.566_529_879_633_291 + 0.195_366_814_813_164_54
        ));
        assert!(close(
            poisson_p(3, 4.0, 0.5),
            0.566_529_879_633_291 + 0.097_683_407_406_582_27
        ));
        // sf(420, 400) = 0.15275411775380748; sf(800, 400) = 1.0989061924264008e-69.
        assert!(close(poisson_p(420, 400.0, 0.0), 0.152_754_117_753_807_48));
        assert!((poisson_p(800, 400.0, 0.0) / 1.098_906_192_426_400_8e-69 - 1.0).abs() < 1e-8);
    }

    fn stream_bytes(mut stream: Box<dyn SymbolStream>, len: usize) -> Vec<u8> {
        let mut data = vec![0u8; len];
        let mut at = 0;
        while at < len {
            at += stream.fill(&mut data[at..]).expect("a generator fills");
        }
        data
    }

    fn chacha_bytes(seed: u64, len: usize) -> Vec<u8> {
        let mut data = vec![0u8; len];
        rand_chacha::ChaCha20Rng::seed_from_u64(seed).fill_bytes(&mut data);
        data
    }

    fn p_of(outcomes: &[Outcome], label: &str) -> f64 {
        outcomes
            .iter()
            .find(|o| o.label == label)
            .and_then(Outcome::p_value)
            .unwrap_or_else(|| panic!("{label} measured: {outcomes:?}"))
    }

    /// RANDU's top bytes fail as 32-bit days at 64 KiB; ChaCha20 passes.
    #[test]
    fn randu_fails_and_chacha20_passes() {
        let randu = run_chunked(&TEST, 256, &stream_bytes(weak::randu_top(1), 1 << 16), 4096);
        assert!(p_of(&randu, "32-bit words") < 1e-20, "{randu:?}");
        let chacha = run_chunked(&TEST, 256, &chacha_bytes(22, 2 << 20), 65_536);
        for (label, _) in KINDS {
            assert!(p_of(&chacha, label) > 1e-3, "{chacha:?}");
        }
    }

    #[test]
    fn short_streams_are_skipped() {
        let outcomes = run_chunked(&TEST, 256, &chacha_bytes(1, 65_535), 1000);
        assert_eq!(
            outcomes[0].result,
            Err("needs 65536 bytes for one sample of 4096 birthdays".into())
        );
    }

    #[test]
    fn schedule() {
        assert!(scheduled(0) && scheduled(31) && !scheduled(32) && scheduled(64));
        assert!(!scheduled(65) && scheduled(4032));
    }

    /// The mean of R per sample on ChaCha20 (the Poisson approximation's check):
    /// `cargo test --release --lib birthday_spacings::tests::poisson_approximation -- --ignored
    /// --nocapture` (BDAY_SAMPLES overrides 20,000).
    #[test]
    #[ignore]
    fn poisson_approximation() {
        let samples: u64 = std::env::var("BDAY_SAMPLES")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(20_000);
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(77);
        let (mut sum, mut squares) = (0.0, 0.0);
        for _ in 0..samples {
            let days: Vec<u32> = (0..BIRTHDAYS).map(|_| rng.next_u32()).collect();
            let r = repeats(days) as f64;
            sum += r;
            squares += r * r;
        }
        let mean = sum / samples as f64;
        let var = squares / samples as f64 - mean * mean;
        println!(
            "{samples} samples: mean R {mean:.4} ± {:.4}, variance {var:.4} (Poisson: 4, 4)",
            (var / samples as f64).sqrt()
        );
    }
}
