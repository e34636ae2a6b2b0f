//! Linear complexity of single bit lanes by Berlekamp–Massey (TestU01 `scomp_LinearComp`;
//! NIST SP 800-22 Rev 1a §2.10 runs it on the whole bit stream in short blocks).
//!
//! What the test sees: five lanes of bits, each cut into spans ([`SPAN_BITS`] = 40,960 bits for
//! the word lanes, [`STREAM_SPAN_BITS`] = 16,384 for `stream`):
//! - `bit0/32` and `bit31/32`: bit 0 and bit 31 of every little-endian 32-bit word;
//! - `bit0/64` and `bit63/64`: bit 0 and bit 63 of every little-endian 64-bit word;
//! - `stream`: every bit, most significant bit of each byte first.
//!
//! A generator that is linear over GF(2) with a state of k bits gives every bit lane a linear
//! complexity of at most k (each lane is a linear function of a state that a fixed matrix
//! steps), while a random span of L bits has complexity close to L/2. MT19937's lanes have
//! complexity 19,937 (its characteristic polynomial is primitive of degree 19,937); a span of
//! 40,960 bits expects 20,480, and Berlekamp–Massey finds a recurrence of degree k from 2k bits,
//! so one span puts MT19937 543 below the mean, where the probability is about 2^{−1,087}
//! (below the smallest double). A 32-bit lane gets a span from 160 KiB of stream and a 64-bit
//! lane from 320 KiB, so every word lane of MT19937 fails within 1 MiB. The `stream` lane sees
//! generators whose whole output is a short recurrence (xorshift64: at most 64 × 64 = 4,096,
//! which a span of 16,384 bits, four times that, shows; MT19937's whole stream, about
//! 32 × 19,937, is beyond a span's reach).
//!
//! The law (Rueppel, "Analysis and Design of Stream Ciphers", 1986, ch. 4; the mean and
//! variance are in NIST SP 800-22 §3.10): of the 2^L sequences of L bits, one has linear
//! complexity 0, 2^{2k−1} have complexity k for 1 ≤ k ≤ L/2, and 2^{2(L−k)} for
//! L/2 < k ≤ L. With L even and h = L/2, the p-value of an observed complexity k is exact and
//! two-sided in the deviation t = |k − h|, from the tails in closed form
//! P(LC ≤ j) = (2^{2j+1} + 1) / (3 · 2^L) for j < h and
//! P(LC ≥ j) = 2^{L−2j} · (4/3) · (1 − 4^{−(L−j+1)}) for j > h.
//!
//! The law is discrete: LC = L/2 alone has probability 1/2. A p-value that is 1 half of the
//! time would pile up in the top bin of the second level's uniformity check and fail a good
//! generator on ten streams, so the p-value is randomized within its atom:
//! P(deviation > t) + u · P(deviation = t), which is uniform under randomness when u is
//! uniform and independent of LC. u is a hash of the span's bits: reproducible, and independent
//! of LC as far as a hash can tell (`atom_uniform`). Where the test matters (MT19937's spans)
//! both terms are below the smallest double and u changes nothing.
//!
//! Spans per lane are combined by their smallest p-value with Šidák's correction,
//! 1 − (1 − p_min)^m over the m spans tested, exact (uniform) for independent spans, as spans
//! of a random stream are.
//!
//! Cost: Berlekamp–Massey on L bits takes about L²/256 word operations for the discrepancies
//! (an AND of the connection polynomial with the reversed sequence, word by word, and one
//! parity) and half as many for the updates (C ← C + x^d·B, each word of C from two words of B,
//! a loop without a carried dependence); the word loops are compiled twice (`kernel!`), with
//! AVX2 and without. A span of 2^16 bits took 20 ms before, 5 ms now (AVX2, one core), and
//! cost grows as L², so the word lanes' spans are 40,960 bits (about 2 ms), just long enough
//! for MT19937, and the `stream` lane's 16,384 (about 0.6 ms). Spans are tested on a schedule
//! by their index from the start of the stream: span 0 and spans 8^j − 1 (7, 63, 511, ...), the
//! same for every lane; a lane reads the bits of a scheduled span only and skips the words of
//! the others. A linear generator fails on its first span; the later spans are a check that a
//! stream does not turn linear as it goes, at a cost that grows with log₈ of its length: 256 MiB
//! test 4 spans in each word lane and 6 in `stream` (22 in all), 4 GiB 5 and 7.
//!
//! Merging: every lane's spans end at multiples of a 64-bit lane's span (SPAN_BITS × 8 bytes =
//! 320 KiB, a multiple of the other lanes' spans), which is the alignment; at such a position
//! each lane's state is its count of spans tested and its smallest p-value, and merging takes
//! the smaller (the earlier one on ties).

use super::chunk::{dispatch, fast_x86, kernel, whole_units};
use super::state::{Segment, Segmented};
use super::{needs_bytes, Chunk, Outcome, Setup, Test};

/// The `lane_complexity` test's entry in the deep battery.
pub const TEST: Test = Test {
    name: "lane_complexity",
    summary: "Berlekamp-Massey linear complexity of bit lanes (bit 0, top bit of 32/64-bit words) in 40,960-bit spans, of the whole bit stream in 16,384-bit spans",
    reference: "TestU01 scomp_LinearComp; law of the linear complexity: Rueppel 1986, NIST SP 800-22 §3.10",
    params: &[],
    applies_to: needs_bytes,
    start: |setup| {
        Segmented::start(setup, |setup| {
            LaneComplexity::new(setup, SPAN_BITS, STREAM_SPAN_BITS)
        })
    },
    restore: Segmented::<LaneComplexity>::restore,
};

/// Bits per span of a word lane: above twice MT19937's 19,937 (by 1,086), and a whole number
/// of 64-bit words (640).
pub const SPAN_BITS: u64 = 40_960;

/// Bits per span of the `stream` lane: four times the largest complexity it is there for
/// (xorshift64's whole stream, at most 4,096), a power of two.
pub const STREAM_SPAN_BITS: u64 = 1 << 14;

/// The lanes, in the order of the outcomes: label, and which bits of each 64-bit word.
const LANES: [(&str, Take); 5] = [
    ("bit0/32", Take::OfHalves(0)),
    ("bit31/32", Take::OfHalves(31)),
    ("bit0/64", Take::Bit(0)),
    ("bit63/64", Take::Bit(63)),
    ("stream", Take::Stream),
];

/// Which bits of each little-endian 64-bit word a lane takes.
#[derive(Clone, Copy)]
enum Take {
    /// Bit k of each of the word's two 32-bit halves, the low half first.
    OfHalves(u32),
    /// Bit k of the word.
    Bit(u32),
    /// Every bit, in stream order: the bytes in order, each most significant bit first.
    Stream,
}

impl Take {
    /// Lane bits per 64-bit word of the stream.
    fn bits_per_word(self) -> u64 {
        match self {
            Take::OfHalves(_) => 2,
            Take::Bit(_) => 1,
            Take::Stream => 64,
        }
    }

    /// The word size the lane reads, for `--word`; `None` for the whole stream, which every
    /// word size shares.
    fn word_bits(self) -> Option<u32> {
        match self {
            Take::OfHalves(_) => Some(32),
            Take::Bit(_) => Some(64),
            Take::Stream => None,
        }
    }

    /// Bytes of stream per lane bit, 0 for the whole stream (as the figures and skips say).
    fn bytes_per_bit(self) -> u64 {
        match self {
            Take::OfHalves(_) => 4,
            Take::Bit(_) => 8,
            Take::Stream => 0,
        }
    }
}

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct LaneComplexity {
    /// Bits per span of the word lanes, and of the `stream` lane.
    span_bits: u64,
    stream_span_bits: u64,
    /// The bytes of an unfinished 64-bit word.
    pending: Vec<u8>,
    /// The index, from the start of the stream, of the next whole 64-bit word.
    word: u64,
    lanes: Vec<Lane>,
    /// The word size `--word` narrowed the lanes to, if any: the others are not read.
    #[serde(default)]
    only_word: Option<u32>,
}

/// One lane: the scheduled span being filled, and what its tested spans gave.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Lane {
    /// The bits so far of the span being filled, bit i of the span at bit i % 64 of word
    /// i / 64, when that span is one the schedule tests; empty otherwise.
    bits: Vec<u64>,
    tested: u64,
    /// The smallest p-value so far, with its span's linear complexity and index.
    worst: Option<Worst>,
}

#[derive(Clone, Copy, serde::Serialize, serde::Deserialize)]
struct Worst {
    p: f64,
    complexity: u64,
    span: u64,
}

impl LaneComplexity {
    fn new(setup: &Setup, span_bits: u64, stream_span_bits: u64) -> Self {
        debug_assert!(span_bits.is_multiple_of(64) && stream_span_bits.is_multiple_of(64));
        let lanes = LANES
            .iter()
            .map(|_| Lane {
                bits: Vec::new(),
                tested: 0,
                worst: None,
            })
            .collect();
        LaneComplexity {
            span_bits,
            stream_span_bits,
            pending: Vec::new(),
            // A segment starts at a multiple of every lane's span (the alignment), so of 8.
            word: setup.offset / 8,
            lanes,
            only_word: setup.params.word_bits(),
        }
    }

    /// Whether `--word` leaves this lane in.
    fn tries(&self, take: Take) -> bool {
        match (take.word_bits(), self.only_word) {
            (Some(bits), Some(only)) => bits == only,
            _ => true,
        }
    }

    /// Bits per span of a lane.
    fn lane_span_bits(&self, take: Take) -> u64 {
        match take {
            Take::Stream => self.stream_span_bits,
            _ => self.span_bits,
        }
    }

    /// Stream words per span of a lane.
    fn span_words(&self, take: Take) -> u64 {
        self.lane_span_bits(take) / take.bits_per_word()
    }

    /// Takes whole little-endian 64-bit words of the stream (`bytes`, a multiple of 8 long).
    /// A lane reads the words of the spans its schedule tests and skips the others.
    fn words(&mut self, bytes: &[u8]) {
        let count = (bytes.len() / 8) as u64;
        for (index, &(_, take)) in LANES.iter().enumerate() {
            if !self.tries(take) {
                continue;
            }
            let span_bits = self.lane_span_bits(take);
            let span_words = self.span_words(take);
            let lane = &mut self.lanes[index];
            let mut at = 0u64;
            while at < count {
                let position = self.word + at;
                let (span, within) = (position / span_words, position % span_words);
                let take_words = (span_words - within).min(count - at);
                if scheduled(span) {
                    if within == 0 {
                        lane.bits = vec![0; (span_bits / 64) as usize];
                    }
                    let from = (8 * at) as usize;
                    let piece = &bytes[from..from + 8 * take_words as usize];
                    fill(&mut lane.bits, take, within * take.bits_per_word(), piece);
                    if within + take_words == span_words {
                        lane.close(span_bits, span);
                    }
                }
                at += take_words;
            }
        }
        self.word += count;
    }
}

/// Sets the lane bits of the whole words `bytes` into `bits`, the first at lane bit `from`
/// of the span (the span's bits start out zero).
fn fill(bits: &mut [u64], take: Take, from: u64, bytes: &[u8]) {
    let words = bytes
        .chunks_exact(8)
        .map(|word| word.try_into().expect("chunks of 8"));
    match take {
        Take::Stream => {
            // The big-endian word read from bit 63 down, which reversed puts the first bit at
            // bit 0.
            let first = (from / 64) as usize;
            for (slot, bytes) in bits[first..].iter_mut().zip(words) {
                *slot = u64::from_be_bytes(bytes).reverse_bits();
            }
        }
        Take::OfHalves(k) => {
            for (i, bytes) in words.enumerate() {
                let word = u64::from_le_bytes(bytes);
                let at = from + 2 * i as u64;
                let pair = ((word >> k) & 1) | (((word >> (32 + k)) & 1) << 1);
                bits[(at / 64) as usize] |= pair << (at % 64);
            }
        }
        Take::Bit(k) => {
            for (i, bytes) in words.enumerate() {
                let at = from + i as u64;
                bits[(at / 64) as usize] |= ((u64::from_le_bytes(bytes) >> k) & 1) << (at % 64);
            }
        }
    }
}

/// Bytes of stream per span of a lane.
fn span_bytes(span_bits: u64, bytes_per_bit: u64) -> u64 {
    if bytes_per_bit == 0 {
        span_bits / 8
    } else {
        span_bits * bytes_per_bit
    }
}

/// Whether a lane tests its span number `span` (from the start of the stream): span 0 and the
/// spans numbered 8^j − 1 (7, 63, 511, ...).
fn scheduled(span: u64) -> bool {
    let next = span + 1;
    span == 0 || (next.is_power_of_two() && next.trailing_zeros().is_multiple_of(3))
}

impl Lane {
    /// Tests the span just filled.
    fn close(&mut self, span_bits: u64, span: u64) {
        let complexity = linear_complexity(&self.bits);
        let p = complexity_p(complexity, span_bits, atom_uniform(&self.bits));
        self.tested += 1;
        let candidate = Worst {
            p,
            complexity,
            span,
        };
        self.worst = Some(pick_worst(self.worst, candidate));
        self.bits.clear();
    }
}

/// The smaller p-value, the earlier span on ties, so merging in any grouping gives the same.
fn pick_worst(current: Option<Worst>, candidate: Worst) -> Worst {
    match current {
        Some(current) if current.p <= candidate.p => current,
        _ => candidate,
    }
}

/// The least common multiple, for the alignment.
fn lcm(a: u64, b: u64) -> u64 {
    let (mut x, mut y) = (a, b);
    while y != 0 {
        (x, y) = (y, x % y);
    }
    a / x * b
}

impl Segment for LaneComplexity {
    const NAME: &'static str = "lane_complexity";
    const VERSION: u32 = 2;

    fn alignment(&self) -> u64 {
        LANES.iter().fold(8, |alignment, &(_, take)| {
            lcm(
                alignment,
                span_bytes(self.lane_span_bits(take), take.bytes_per_bit()),
            )
        })
    }

    fn update(&mut self, chunk: &Chunk<'_>) {
        let mut pending = std::mem::take(&mut self.pending);
        whole_units(&mut pending, chunk.symbols(), 8, |words| self.words(words));
        self.pending = pending;
    }

    fn outcomes(self) -> Vec<Outcome> {
        self.lanes
            .iter()
            .zip(LANES)
            .map(|(lane, (label, take))| {
                let span_bits = self.lane_span_bits(take);
                if let (false, Some(bits), Some(only)) =
                    (self.tries(take), take.word_bits(), self.only_word)
                {
                    return crate::battery::lane_left_out(TEST.name, label, bits, only);
                }
                let Some(worst) = lane.worst else {
                    return Outcome::skipped(
                        TEST.name,
                        format!(
                            "needs {} bytes for one span of {} bits of this lane",
                            span_bytes(span_bits, take.bytes_per_bit()),
                            span_bits
                        ),
                    )
                    .with_label(label);
                };
                // Šidák over the spans tested: 1 − (1 − p_min)^m, kept accurate for tiny p.
                let p = crate::stats::sidak::sidak(worst.p, lane.tested);
                let deviation = worst.complexity as f64 - (span_bits / 2) as f64;
                Outcome::measured(TEST.name, deviation, p)
                    .with_figure("linear_complexity", worst.complexity as f64)
                    .with_figure("span_bits", span_bits as f64)
                    .with_figure("spans_tested", lane.tested as f64)
                    .with_label(label)
            })
            .collect()
    }

    fn absorb(&mut self, next: Self) {
        // This state ends at an aligned position, between spans of every lane; next may end
        // inside a word and a span, which this state then continues.
        debug_assert!(self.pending.is_empty());
        for (lane, next) in self.lanes.iter_mut().zip(next.lanes) {
            debug_assert!(lane.bits.is_empty(), "merged at a span boundary");
            lane.tested += next.tested;
            if let Some(candidate) = next.worst {
                lane.worst = Some(pick_worst(lane.worst, candidate));
            }
            lane.bits = next.bits;
        }
        self.word = next.word;
        self.pending = next.pending;
    }
}

/// The linear complexity of the sequence whose bit i is bit i % 64 of `bits[i / 64]` (a whole
/// number of words), by Berlekamp–Massey over words.
///
/// The discrepancy at step n is s_n + Σ_{i=1}^{L} c_i s_{n−i}, the parity of C AND the
/// sequence read backwards from s_n. With the sequence stored reversed (bit j = s_{N−1−j}),
/// that window starts at bit N − 1 − n: each of its words is two neighbouring words shifted
/// together, so the discrepancy is an AND, an XOR into one accumulator and one parity at the end.
fn linear_complexity(bits: &[u64]) -> u64 {
    dispatch!(fast_x86(), berlekamp_massey(bits))
}

kernel! {
    /// Berlekamp–Massey over words ([`linear_complexity`]), compiled twice for [`dispatch!`].
    berlekamp_massey(bits: &[u64]) -> u64 {
        let words = bits.len();
        let total = 64 * words;
        // Reversed, with a zero word after it for the shifts below.
        let mut reversed = vec![0u64; words + 1];
        for (k, &word) in bits.iter().enumerate() {
            reversed[words - 1 - k] = word.reverse_bits();
        }
        // The reversed sequence shifted down by 0..64 bits, each `words` long: the window of
        // step n is a plain slice of one of them, so the discrepancy is an AND and XOR over
        // aligned words that the compiler vectorizes. Past the end of the sequence (s_{n−i}
        // with i > n) the window reads zeros, which contribute nothing, so the loop stops there.
        let mut shifted = vec![0u64; 64 * words];
        shifted[..words].copy_from_slice(&reversed[..words]);
        for shift in 1..64 {
            let copy = &mut shifted[shift * words..(shift + 1) * words];
            for (w, word) in copy.iter_mut().enumerate() {
                *word = (reversed[w] >> shift) | (reversed[w + 1] << (64 - shift));
            }
        }
        // C, and B and T one word up (word k + 1 holds bits 64k..64k+63, word 0 is zero), so
        // that C ← C + x^d · B reads two neighbouring words of B for each word of C and writes
        // each word of C once: a loop without a carried dependence, which vectorizes.
        let mut c = vec![0u64; words + 2];
        let mut b = vec![0u64; words + 3];
        let mut t = vec![0u64; words + 3];
        c[0] = 1;
        b[1] = 1;
        let (mut complexity, mut degree_c, mut degree_b) = (0usize, 0usize, 0usize);
        let mut last_change = 0usize;
        for n in 0..total {
            let offset = total - 1 - n;
            let (first, shift) = (offset / 64, offset % 64);
            let top = degree_c / 64;
            let window = &shifted[shift * words + first..(shift + 1) * words];
            let parity = c[..=top]
                .iter()
                .zip(window)
                .fold(0u64, |parity, (&ck, &sk)| parity ^ (ck & sk));
            if parity.count_ones() & 1 == 0 {
                continue;
            }
            // n + 1 − (the step of the last length change + 1), with step −1 before any.
            let distance = n + 1 - last_change;
            let lengthens = 2 * complexity <= n;
            if lengthens {
                t[1..=top + 1].copy_from_slice(&c[..=top]);
                t[top + 2] = 0;
            }
            // C ← C + x^distance · B: word j of C takes bits of words j − ws and j − ws − 1 of
            // B, which are b[j − ws + 1] and b[j − ws] one word up.
            let (word_shift, bit_shift) = (distance / 64, distance % 64);
            let span = degree_b / 64 + 1;
            let target = &mut c[word_shift..word_shift + span + 1];
            if bit_shift == 0 {
                for (ck, &bk) in target.iter_mut().zip(&b[1..=span + 1]) {
                    *ck ^= bk;
                }
            } else {
                for (ck, pair) in target.iter_mut().zip(b[..=span + 1].windows(2)) {
                    *ck ^= (pair[1] << bit_shift) | (pair[0] >> (64 - bit_shift));
                }
            }
            let new_degree = degree_c.max(degree_b + distance);
            if lengthens {
                complexity = n + 1 - complexity;
                last_change = n + 1;
                std::mem::swap(&mut b, &mut t);
                degree_b = degree_c;
            }
            degree_c = new_degree;
        }
        complexity as u64
    }
}

/// P(LC = k) for a random sequence of `span_bits` bits (Rueppel's counts over 2^L).
fn complexity_mass(k: u64, span_bits: u64) -> f64 {
    let l = span_bits as f64;
    if k > span_bits {
        0.0
    } else if k == 0 {
        (-l).exp2()
    } else if 2 * k <= span_bits {
        (2.0 * k as f64 - 1.0 - l).exp2()
    } else {
        (l - 2.0 * k as f64).exp2()
    }
}

/// P(LC ≤ j) for j < L/2, in closed form: (2^{2j+1} + 1) / (3 · 2^L).
fn complexity_at_most(j: u64, span_bits: u64) -> f64 {
    let l = span_bits as f64;
    ((2.0 * j as f64 + 1.0 - l).exp2() + (-l).exp2()) / 3.0
}

/// P(LC ≥ j) for j > L/2, in closed form: 2^{L−2j} · (4/3) · (1 − 4^{−(L−j+1)}); 0 beyond L.
fn complexity_at_least(j: u64, span_bits: u64) -> f64 {
    if j > span_bits {
        return 0.0;
    }
    let l = span_bits as f64;
    (l - 2.0 * j as f64).exp2()
        * (4.0 / 3.0)
        * -(-2.0 * (span_bits - j + 1) as f64 * std::f64::consts::LN_2).exp_m1()
}

/// The p-value of linear complexity `complexity` over `span_bits` (even) random bits, two-sided
/// in the deviation t = |LC − L/2| and randomized within its atom:
/// P(|LC − L/2| > t) + u · P(|LC − L/2| = t), for u in [0, 1).
fn complexity_p(complexity: u64, span_bits: u64, u: f64) -> f64 {
    let half = span_bits / 2;
    let t = complexity.abs_diff(half);
    let beyond_below = if t < half {
        complexity_at_most(half - t - 1, span_bits)
    } else {
        0.0
    };
    let beyond = beyond_below + complexity_at_least(half + t + 1, span_bits);
    let at = if t == 0 {
        complexity_mass(half, span_bits)
    } else {
        complexity_mass(half - t, span_bits) + complexity_mass(half + t, span_bits)
    };
    (beyond + u * at).min(1.0)
}

/// A number in [0, 1) from a hash of the span's bits (splitmix64's finalizer over the words).
/// Under randomness it is uniform and independent of the span's complexity, as far as a hash
/// can tell: every complexity with a probability above 2^{−60} is shared by at least 2^{30}
/// sequences, which the hash spreads over [0, 1).
fn atom_uniform(bits: &[u64]) -> f64 {
    let mix = |mut z: u64| {
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let hash = bits.iter().fold(0x9E37_79B9_7F4A_7C15u64, |hash, &word| {
        mix(hash.wrapping_add(word).wrapping_add(0x9E37_79B9_7F4A_7C15))
    });
    (hash >> 11) as f64 * (-53.0f64).exp2()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::battery::{run_chunked, TestState};
    use rand::{Rng, RngExt, SeedableRng};

    /// Packs bits (0/1, first bit first) into words, padded with zeros to a whole word.
    fn pack(bits: &[u8]) -> Vec<u64> {
        let mut words = vec![0u64; bits.len().div_ceil(64)];
        for (i, &bit) in bits.iter().enumerate() {
            words[i / 64] |= u64::from(bit) << (i % 64);
        }
        words
    }

    /// Plain Berlekamp–Massey over single bits (as in SP 800-22 §2.10.4), for comparison.
    fn reference_complexity(s: &[u8]) -> usize {
        let n = s.len();
        let (mut c, mut b) = (vec![0u8; n + 1], vec![0u8; n + 1]);
        c[0] = 1;
        b[0] = 1;
        let (mut l, mut m) = (0usize, -1isize);
        for i in 0..n {
            let mut d = s[i];
            for j in 1..=l {
                d ^= c[j] & s[i - j];
            }
            if d == 1 {
                let t = c.clone();
                let shift = (i as isize - m) as usize;
                for j in 0..=n - shift {
                    c[j + shift] ^= b[j];
                }
                if 2 * l <= i {
                    l = i + 1 - l;
                    m = i as isize;
                    b = t;
                }
            }
        }
        l
    }

    /// SP 800-22 §2.10.8's example, 1101011110001, has L = 4; the word version sees the bits
    /// followed by zeros, so it is checked on whole words against the bitwise reference.
    #[test]
    fn known_sequences() {
        let example = [1u8, 1, 0, 1, 0, 1, 1, 1, 1, 0, 0, 0, 1];
        assert_eq!(reference_complexity(&example), 4);
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
        for len in [64usize, 128, 192, 640] {
            let bits: Vec<u8> = (0..len).map(|_| rng.random_range(0..2)).collect();
            assert_eq!(
                linear_complexity(&pack(&bits)) as usize,
                reference_complexity(&bits),
                "random, {len} bits"
            );
            let mut padded = example.to_vec();
            padded.resize(len, 0);
            assert_eq!(
                linear_complexity(&pack(&padded)) as usize,
                reference_complexity(&padded)
            );
        }
        // An LFSR of degree 31 (x^31 + x^3 + 1, primitive) from a non-zero seed: complexity 31.
        let mut s: Vec<u8> = (0..31).map(|i| u8::from(i % 3 == 0)).collect();
        for i in 31..4096 {
            let bit = s[i - 31] ^ s[i - 28];
            s.push(bit);
        }
        assert_eq!(linear_complexity(&pack(&s)), 31);
        assert_eq!(linear_complexity(&[0; 4]), 0);
        // Both compiled variants of the word loops agree.
        let bits: Vec<u64> = (0..100).map(|_| rng.next_u64()).collect();
        let portable = berlekamp_massey::portable(&bits);
        assert_eq!(portable, linear_complexity(&bits));
        if fast_x86() {
            // SAFETY: fast_x86() said the CPU has the features `fast` is built with.
            assert_eq!(unsafe { berlekamp_massey::fast(&bits) }, portable);
        }
        // A single one at the end needs a register as long as the sequence.
        assert_eq!(linear_complexity(&[0, 1 << 63]), 128);
    }

    /// The closed-form tails against the counts of sequences by complexity, summed directly.
    #[test]
    fn law_matches_the_counts() {
        for l in [2u64, 4, 10, 20] {
            // Sequences of l bits with complexity k (Rueppel).
            let count = |k: u64| -> f64 {
                if k == 0 {
                    1.0
                } else if 2 * k <= l {
                    ((2 * k - 1) as f64).exp2()
                } else {
                    ((2 * (l - k)) as f64).exp2()
                }
            };
            let total: f64 = (0..=l).map(count).sum();
            assert_eq!(total, (l as f64).exp2());
            for k in 0..=l {
                let t = k.abs_diff(l / 2);
                let sum = |keep: &dyn Fn(u64) -> bool| {
                    (0..=l).filter(|&j| keep(j)).map(count).sum::<f64>() / total
                };
                let beyond = sum(&|j| j.abs_diff(l / 2) > t);
                let at_least = sum(&|j| j.abs_diff(l / 2) >= t);
                for (u, expected) in [(0.0, beyond), (1.0, at_least)] {
                    let p = complexity_p(k, l, u);
                    assert!(
                        (p - expected).abs() < 1e-15,
                        "L = {l}, k = {k}, u = {u}: {p} against {expected}"
                    );
                }
            }
        }
        // Far below the mean the p-value underflows to 0: MT19937's lanes.
        assert_eq!(complexity_p(19_937, SPAN_BITS, 1.0), 0.0);
    }

    /// xorshift64 (13, 7, 17) is linear with a 64-bit state: each bit lane has complexity at
    /// most 64, and the whole stream, 64 such lanes interleaved, at most 64 × 64 = 4,096; the
    /// `stream` lane's first span (8 KiB) sees it.
    #[test]
    fn xorshift64_fails_the_stream_lane() {
        let mut state: u64 = 88_172_645_463_325_252;
        let mut data = Vec::new();
        while data.len() < 16 << 10 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            data.extend_from_slice(&state.to_le_bytes());
        }
        let outcomes = run_chunked(&TEST, 256, &data, 4096);
        let stream = outcomes
            .iter()
            .find(|o| o.label == "stream")
            .expect("a lane");
        let p = stream.p_value().expect("measured");
        assert!(p < 1e-300, "p = {p}");
        let measured = stream.result.as_ref().expect("measured");
        assert!(
            measured.figures[0].value <= 4096.0,
            "{:?}",
            measured.figures
        );
    }

    #[test]
    fn schedule() {
        let spans: Vec<u64> = (0..5000).filter(|&span| scheduled(span)).collect();
        assert_eq!(spans, [0, 7, 63, 511, 4095]);
    }

    /// The test's state at a small span, on a segment starting at `offset`.
    fn started(span_bits: u64, offset: u64, length: u64) -> Box<dyn TestState> {
        let stream_span_bits = 2 * span_bits;
        let setup = Setup {
            offset,
            ..Setup::new(256, Some(length))
        };
        Segmented::start(&setup, |setup| {
            LaneComplexity::new(setup, span_bits, stream_span_bits)
        })
    }

    fn mt19937_bytes(len: usize) -> Vec<u8> {
        let mut mt = rand_mt::Mt::new(5489);
        let mut out = Vec::with_capacity(len);
        while out.len() < len {
            out.extend_from_slice(&mt.next_u32().to_le_bytes());
        }
        out
    }

    #[test]
    fn mt19937_fails_every_word_lane_within_one_mib_and_chacha20_passes() {
        let outcomes = run_chunked(&TEST, 256, &mt19937_bytes(1 << 20), 65_536);
        for outcome in &outcomes[..4] {
            let p = outcome.p_value().expect("measured");
            assert!(p < 1e-100, "mt19937 {}: p = {p}", outcome.label);
            // Every lane of MT19937 has the complexity of its recurrence, 19,937: the lanes are
            // taken from the right bits.
            let figures = &outcome.result.as_ref().expect("measured").figures;
            assert_eq!(figures[0].value, 19_937.0, "{}", outcome.label);
        }
        let mut data = vec![0u8; 1 << 20];
        rand_chacha::ChaCha20Rng::seed_from_u64(20).fill_bytes(&mut data);
        for outcome in run_chunked(&TEST, 256, &data, 65_536) {
            let p = outcome.p_value().expect("measured");
            assert!(p > 1e-3, "chacha20 {}: p = {p}", outcome.label);
        }
    }

    /// Segments merged at small spans (so that many spans cross segments) give one pass's
    /// outcomes: the registry-wide test only reaches the `stream` lane at 128 KiB.
    #[test]
    fn merges_at_small_spans() {
        let mut data = vec![0u8; 40_000];
        rand_chacha::ChaCha20Rng::seed_from_u64(9).fill_bytes(&mut data);
        let length = data.len() as u64;
        let one_pass = {
            let mut state = started(128, 0, length);
            state.update(&data);
            format!("{:?}", state.finish())
        };
        for cuts in [
            vec![0, 1000, 1001, 20_003, 40_000],
            vec![0, 7, 39_999, 40_000],
        ] {
            let mut segments: Vec<Box<dyn TestState>> = cuts
                .windows(2)
                .map(|pair| {
                    let mut segment = started(128, pair[0] as u64, length);
                    segment.update(&data[pair[0]..pair[1]]);
                    segment
                })
                .collect();
            while segments.len() > 1 {
                let next = segments.pop().expect("two");
                segments
                    .last_mut()
                    .expect("one")
                    .merge(next)
                    .expect("merges");
            }
            let merged = segments.pop().expect("one");
            assert_eq!(format!("{:?}", merged.finish()), one_pass, "{cuts:?}");
        }
    }

    /// Seconds per span of Berlekamp–Massey: `cargo test --release --lib
    /// lane_complexity::tests::seconds_per_span -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn seconds_per_span() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        for span_bits in [1u64 << 14, 1 << 15, 1 << 16, 1 << 17] {
            let bits: Vec<u64> = (0..span_bits / 64).map(|_| rng.next_u64()).collect();
            let start = std::time::Instant::now();
            let rounds = 8;
            for _ in 0..rounds {
                std::hint::black_box(linear_complexity(std::hint::black_box(&bits)));
            }
            let seconds = start.elapsed().as_secs_f64() / rounds as f64;
            println!("{span_bits} bits: {:.2} ms a span", 1e3 * seconds);
        }
    }
}
