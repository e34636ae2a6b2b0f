//! Linear complexity of single bit lanes by Berlekamp–Massey (TestU01 `scomp_LinearComp`;
//! NIST SP 800-22 Rev 1a §2.10 runs it on the whole bit stream in short blocks).
//!
//! What the test sees: five lanes of bits, each cut into spans of [`SPAN_BITS`] bits:
//! - `bit0/32` and `bit31/32`: bit 0 and bit 31 of every little-endian 32-bit word;
//! - `bit0/64` and `bit63/64`: bit 0 and bit 63 of every little-endian 64-bit word;
//! - `stream`: every bit, most significant bit of each byte first.
//!
//! A generator that is linear over GF(2) with a state of k bits gives every bit lane a linear
//! complexity of at most k (each lane is a linear function of a state that a fixed matrix
//! steps), while a random span of L bits has complexity close to L/2. MT19937's lanes have
//! complexity 19,937; a span of 2^16 = 65,536 bits expects 32,768, so one span already puts
//! MT19937 about 12,800 below the mean, where the probability is below 2^{−25,000}. A 32-bit
//! lane gets 2^16 bits from 256 KiB of stream and a 64-bit lane from 512 KiB, so every word
//! lane of MT19937 fails within 1 MiB. The `stream` lane sees generators whose whole output is
//! a short recurrence (xorshift64: at most 64 × 64 = 4,096; MT19937's whole stream, about
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
//! parity) and as many for the updates; for L = 2^16 that measured 18 ms a span (41 ms before
//! the window was read from pre-shifted copies), so testing every span of the four word lanes
//! (12 spans per MiB) runs at about 4 MiB/s, and the `stream` lane's 128 spans per MiB would
//! cost ten times that. So spans are tested on a schedule: a word lane tests its first
//! `EVERY_SPAN_UNTIL` spans (1 MiB of stream for a 32-bit lane, 2 MiB for a 64-bit one), and
//! from then on the spans numbered 2^j − 1; the `stream` lane tests spans 0, 1, 3, 7, ... from
//! the start. A linear generator fails on its first span; the later spans are a check that a
//! stream does not turn linear as it goes, at a cost that grows with log₂ of its length: on
//! 16 MiB the test ran at 5.6 MiB/s when word lanes tested their first 16 spans, and now tests
//! 42 spans in all (8 in each 32-bit lane, 7 in each 64-bit one, 12 in `stream`); 256 MiB get
//! 58.
//!
//! Merging: every lane's spans end at multiples of a 64-bit lane's span (SPAN_BITS × 8 bytes =
//! 512 KiB), which is the alignment; at such a position each lane's state is its count of spans
//! tested and its smallest p-value, and merging takes the smaller (the earlier one on ties).

use super::chunk::whole_units;
use super::state::{Segment, Segmented};
use super::{needs_bytes, Chunk, Outcome, Setup, Test};

/// The `lane_complexity` test's entry in the deep battery.
pub const TEST: Test = Test {
    name: "lane_complexity",
    summary: "Berlekamp-Massey linear complexity of bit lanes (bit 0, top bit of 32/64-bit words, all bits) in 65,536-bit spans",
    reference: "TestU01 scomp_LinearComp; law of the linear complexity: Rueppel 1986, NIST SP 800-22 §3.10",
    params: &[],
    applies_to: needs_bytes,
    start: |setup| Segmented::start(setup, |setup| LaneComplexity::new(setup, SPAN_BITS)),
    restore: Segmented::<LaneComplexity>::restore,
};

/// Bits per span: above twice MT19937's 19,937 with room to spare, and a power of two so every
/// lane's spans end at whole words.
pub const SPAN_BITS: u64 = 1 << 16;

/// The lanes, in the order of the outcomes: label, and bytes of stream per lane bit (0 for the
/// whole stream, 8 bits a byte).
const LANES: [(&str, u64); 5] = [
    ("bit0/32", 4),
    ("bit31/32", 4),
    ("bit0/64", 8),
    ("bit63/64", 8),
    ("stream", 0),
];

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct LaneComplexity {
    span_bits: u64,
    /// The bytes of an unfinished 64-bit word.
    pending: Vec<u8>,
    lanes: Vec<Lane>,
}

/// One lane: the span being filled, and what its tested spans gave.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Lane {
    /// The span's bits so far, bit i of the span at bit i % 64 of word i / 64.
    bits: Vec<u64>,
    filled: u64,
    /// The index (from the start of the stream) of the span being filled.
    span: u64,
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
    fn new(setup: &Setup, span_bits: u64) -> Self {
        debug_assert!(span_bits.is_power_of_two() && span_bits >= 64);
        let lanes = LANES
            .iter()
            .map(|&(_, bytes_per_bit)| {
                let span_bytes = span_bytes(span_bits, bytes_per_bit);
                Lane {
                    bits: Vec::new(),
                    filled: 0,
                    // A segment starts at a multiple of every lane's span (the alignment).
                    span: setup.offset / span_bytes,
                    tested: 0,
                    worst: None,
                }
            })
            .collect();
        LaneComplexity {
            span_bits,
            pending: Vec::new(),
            lanes,
        }
    }

    /// Takes one little-endian 64-bit word of the stream (its bytes in stream order).
    fn word(&mut self, bytes: [u8; 8]) {
        let word = u64::from_le_bytes(bytes);
        let span_bits = self.span_bits;
        let [low, top, low64, top64, stream] = &mut self.lanes[..] else {
            unreachable!("five lanes")
        };
        low.push(word & 1, span_bits);
        low.push((word >> 32) & 1, span_bits);
        top.push((word >> 31) & 1, span_bits);
        top.push(word >> 63, span_bits);
        low64.push(word & 1, span_bits);
        top64.push(word >> 63, span_bits);
        // Stream order is the bytes in order, each most significant bit first: the big-endian
        // word read from bit 63 down, which reversed puts the first bit at bit 0.
        stream.push_word(u64::from_be_bytes(bytes).reverse_bits(), span_bits);
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

/// Word lanes test every one of their first this many spans.
const EVERY_SPAN_UNTIL: u64 = 4;

/// Whether a lane tests its span number `span`: a word lane its first [`EVERY_SPAN_UNTIL`],
/// and every lane spans 2^j − 1 (`doubling` is the `stream` lane, which has only those).
fn scheduled(doubling: bool, span: u64) -> bool {
    (!doubling && span < EVERY_SPAN_UNTIL) || (span + 1).is_power_of_two()
}

impl Lane {
    /// Appends one bit of a word lane.
    fn push(&mut self, bit: u64, span_bits: u64) {
        let at = self.filled as usize;
        if at.is_multiple_of(64) {
            self.bits.push(bit);
        } else {
            *self.bits.last_mut().expect("a word") |= bit << (at % 64);
        }
        self.filled += 1;
        if self.filled == span_bits {
            self.close(false, span_bits);
        }
    }

    /// Appends 64 bits of the `stream` lane, the first at bit 0.
    fn push_word(&mut self, word: u64, span_bits: u64) {
        self.bits.push(word);
        self.filled += 64;
        if self.filled == span_bits {
            self.close(true, span_bits);
        }
    }

    /// Ends the span, and tests it if the lane's schedule says so.
    fn close(&mut self, doubling: bool, span_bits: u64) {
        if scheduled(doubling, self.span) {
            let complexity = linear_complexity(&self.bits);
            let p = complexity_p(complexity, span_bits, atom_uniform(&self.bits));
            self.tested += 1;
            let candidate = Worst {
                p,
                complexity,
                span: self.span,
            };
            self.worst = Some(pick_worst(self.worst, candidate));
        }
        self.bits.clear();
        self.filled = 0;
        self.span += 1;
    }
}

/// The smaller p-value, the earlier span on ties, so merging in any grouping gives the same.
fn pick_worst(current: Option<Worst>, candidate: Worst) -> Worst {
    match current {
        Some(current) if current.p <= candidate.p => current,
        _ => candidate,
    }
}

impl Segment for LaneComplexity {
    const NAME: &'static str = "lane_complexity";
    const VERSION: u32 = 1;

    fn alignment(&self) -> u64 {
        span_bytes(self.span_bits, 8)
    }

    fn update(&mut self, chunk: &Chunk<'_>) {
        let mut pending = std::mem::take(&mut self.pending);
        whole_units(&mut pending, chunk.symbols(), 8, |words| {
            for word in words.chunks_exact(8) {
                self.word(word.try_into().expect("chunks of 8"));
            }
        });
        self.pending = pending;
    }

    fn outcomes(self) -> Vec<Outcome> {
        self.lanes
            .iter()
            .zip(LANES)
            .map(|(lane, (label, bytes_per_bit))| {
                let Some(worst) = lane.worst else {
                    return Outcome::skipped(
                        TEST.name,
                        format!(
                            "needs {} bytes for one span of {} bits of this lane",
                            span_bytes(self.span_bits, bytes_per_bit),
                            self.span_bits
                        ),
                    )
                    .with_label(label);
                };
                // Šidák over the spans tested: 1 − (1 − p_min)^m, kept accurate for tiny p.
                let p = crate::stats::sidak::sidak(worst.p, lane.tested);
                let deviation = worst.complexity as f64 - (self.span_bits / 2) as f64;
                Outcome::measured(TEST.name, deviation, p)
                    .with_figure("linear_complexity", worst.complexity as f64)
                    .with_figure("span_bits", self.span_bits as f64)
                    .with_figure("spans_tested", lane.tested as f64)
                    .with_label(label)
            })
            .collect()
    }

    fn absorb(&mut self, next: Self) {
        // This state ends at an aligned position; next may end inside a word and a span,
        // which this state then continues.
        debug_assert!(self.pending.is_empty());
        for (lane, next) in self.lanes.iter_mut().zip(next.lanes) {
            debug_assert_eq!(lane.filled, 0, "merged at a span boundary");
            lane.tested += next.tested;
            if let Some(candidate) = next.worst {
                lane.worst = Some(pick_worst(lane.worst, candidate));
            }
            lane.bits = next.bits;
            lane.filled = next.filled;
            lane.span = next.span;
        }
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
    let words = bits.len();
    let total = 64 * words;
    // Reversed, with a zero word after it for the shifts below.
    let mut reversed = vec![0u64; words + 1];
    for (k, &word) in bits.iter().enumerate() {
        reversed[words - 1 - k] = word.reverse_bits();
    }
    // The reversed sequence shifted down by 0..64 bits, each `words` long: the window of step n
    // is a plain slice of one of them, so the discrepancy is an AND and XOR over aligned words
    // that the compiler vectorizes. Past the end of the sequence (s_{n−i} with i > n) the
    // window reads zeros, which contribute nothing, so the loop stops there.
    let mut shifted = vec![0u64; 64 * words];
    for (shift, copy) in shifted.chunks_exact_mut(words).enumerate() {
        for (w, word) in copy.iter_mut().enumerate() {
            *word = if shift == 0 {
                reversed[w]
            } else {
                (reversed[w] >> shift) | (reversed[w + 1] << (64 - shift))
            };
        }
    }
    // C and B have degree at most L ≤ n + 1 ≤ total, so words + 2 holds them and a shift.
    let mut c = vec![0u64; words + 2];
    let mut b = vec![0u64; words + 2];
    let mut t = vec![0u64; words + 2];
    c[0] = 1;
    b[0] = 1;
    let (mut complexity, mut degree_c, mut degree_b) = (0usize, 0usize, 0usize);
    let mut last_change: isize = -1;
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
        let distance = (n as isize - last_change) as usize;
        let lengthens = 2 * complexity <= n;
        if lengthens {
            t[..=top].copy_from_slice(&c[..=top]);
        }
        // C ← C + x^distance · B.
        let (word_shift, bit_shift) = (distance / 64, distance % 64);
        for k in 0..=degree_b / 64 {
            c[k + word_shift] ^= b[k] << bit_shift;
            if bit_shift != 0 {
                c[k + word_shift + 1] ^= b[k] >> (64 - bit_shift);
            }
        }
        let new_degree = degree_c.max(degree_b + distance);
        if lengthens {
            complexity = n + 1 - complexity;
            last_change = n as isize;
            std::mem::swap(&mut b, &mut t);
            degree_b = degree_c;
        }
        degree_c = new_degree;
    }
    complexity as u64
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
        let word: Vec<u64> = (0..70).filter(|&span| scheduled(false, span)).collect();
        let mut expected: Vec<u64> = (0..4).collect();
        expected.extend([7, 15, 31, 63]);
        assert_eq!(word, expected);
        let stream: Vec<u64> = (0..70).filter(|&span| scheduled(true, span)).collect();
        assert_eq!(stream, [0, 1, 3, 7, 15, 31, 63]);
    }

    /// The test's state at a small span, on a segment starting at `offset`.
    fn started(span_bits: u64, offset: u64, length: u64) -> Box<dyn TestState> {
        let setup = Setup {
            offset,
            ..Setup::new(256, Some(length))
        };
        Segmented::start(&setup, |setup| LaneComplexity::new(setup, span_bits))
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
