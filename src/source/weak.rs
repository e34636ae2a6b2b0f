//! Well-known weak generators, as PractRand's reference runs define them
//! (`first_fail.csv` in issue #12): each has a structural defect (GF(2)-linearity, a lattice,
//! short-period low bits, an additive recurrence) that the default battery does not see and the
//! deep battery must. Each is seeded as its own library seeds it, so `rngaudit dump NAME --seed S`
//! gives the very stream PractRand was run on: `--seed 2463534242` for xorshift32, `--seed 42`
//! for java.util.Random (`new Random(42)`), `--seed 1` for the others.
//!
//! Outputs are written as little-endian words of the generator's own width (16 bits for the
//! glibc control, which keeps the low half of each output; one byte for RANDU's top byte).

use super::{Kind, Source, SymbolStream};

/// `ctl_xorshift32`: linear over GF(2), so binary matrix rank sees it.
pub const XORSHIFT32: Source = Source {
    name: "ctl_xorshift32",
    kind: Kind::Control,
    alphabet: 256,
    summary: "Marsaglia's xorshift32 (13/17/5), 32-bit words; PractRand's seed 2463534242",
    caught_by: &["brank"],
    seek: None,
    open: xorshift32,
};

/// `ctl_java_random`: a 48-bit LCG whose outputs' low bits have short periods, seen in lanes at
/// lags.
pub const JAVA_RANDOM: Source = Source {
    name: "ctl_java_random",
    kind: Kind::Control,
    alphabet: 256,
    summary: "java.util.Random's nextInt(), 32-bit words; PractRand's seed 42 (new Random(42))",
    caught_by: &["lag_differences", "lane_lags"],
    seek: None,
    open: java_random,
};

/// `ctl_glibc_random_lo16`: an additive lagged Fibonacci generator (lags 3 and 31), whose
/// lanes obey the recurrence at those lags.
pub const GLIBC_RANDOM_LO16: Source = Source {
    name: "ctl_glibc_random_lo16",
    kind: Kind::Control,
    alphabet: 256,
    summary: "glibc random() (TYPE_3), low 16 bits of each output; PractRand's seed 1 (srandom(1))",
    caught_by: &["lane_lags"],
    seek: None,
    open: glibc_random_lo16,
};

/// `ctl_lcg64_top32`: the top half of a 64-bit LCG, whose lattice shows in differences at lags.
pub const LCG64_TOP32: Source = Source {
    name: "ctl_lcg64_top32",
    kind: Kind::Control,
    alphabet: 256,
    summary:
        "64-bit LCG with Knuth's MMIX constants, top 32 bits of each state; PractRand's seed 1",
    caught_by: &["lag_differences"],
    seek: None,
    open: lcg64_top32,
};

/// `ctl_randu_top`: RANDU's top byte; its outputs lie on 15 planes in three dimensions.
pub const RANDU_TOP: Source = Source {
    name: "ctl_randu_top",
    kind: Kind::Control,
    alphabet: 256,
    summary: "IBM's RANDU, top byte of each 31-bit output; PractRand's seed 1",
    caught_by: &["lag_differences", "triple_collisions"],
    seek: None,
    open: randu_top,
};

/// A generator of fixed-width outputs, written as little-endian words.
trait WordGenerator {
    /// Bytes per output (1, 2 or 4).
    const BYTES: usize;
    /// The next output, in the low `8 * BYTES` bits.
    fn next_word(&mut self) -> u32;
}

/// A word generator as a byte stream: a request that ends inside a word keeps the rest of it
/// for the next request, so the bytes never depend on how the stream is read.
pub struct WordStream<G> {
    generator: G,
    pending: [u8; 4],
    pending_len: usize,
}

impl<G> WordStream<G> {
    fn new(generator: G) -> Self {
        WordStream {
            generator,
            pending: [0; 4],
            pending_len: 0,
        }
    }
}

impl<G: WordGenerator> SymbolStream for WordStream<G> {
    fn fill(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let mut at = 0;
        while at < out.len() && self.pending_len > 0 {
            out[at] = self.pending[G::BYTES - self.pending_len];
            self.pending_len -= 1;
            at += 1;
        }
        let whole = (out.len() - at) / G::BYTES * G::BYTES;
        for word in out[at..at + whole].chunks_exact_mut(G::BYTES) {
            let bytes = self.generator.next_word().to_le_bytes();
            word.copy_from_slice(&bytes[..G::BYTES]);
        }
        at += whole;
        if at < out.len() {
            let bytes = self.generator.next_word().to_le_bytes();
            self.pending[..G::BYTES].copy_from_slice(&bytes[..G::BYTES]);
            self.pending_len = G::BYTES;
            while at < out.len() {
                out[at] = self.pending[G::BYTES - self.pending_len];
                self.pending_len -= 1;
                at += 1;
            }
        }
        Ok(out.len())
    }
}

/// Marsaglia's xorshift32 with shifts 13/17/5 (Marsaglia 2003, "Xorshift RNGs").
pub struct Xorshift32 {
    state: u32,
}

impl Xorshift32 {
    /// The state is the low 32 bits of `seed`; a zero state (which would stay zero) becomes
    /// Marsaglia's example seed 2463534242.
    pub fn new(seed: u64) -> Self {
        let state = match seed as u32 {
            0 => 2_463_534_242,
            state => state,
        };
        Xorshift32 { state }
    }
}

impl WordGenerator for Xorshift32 {
    const BYTES: usize = 4;

    fn next_word(&mut self) -> u32 {
        let mut x = self.state;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.state = x;
        x
    }
}

/// java.util.Random's `nextInt()`: a 48-bit LCG (multiplier 0x5DEECE66D, increment 11), whose
/// top 32 bits are each output.
pub struct JavaRandom {
    state: u64,
}

const JAVA_MULTIPLIER: u64 = 0x5_DEEC_E66D;
const JAVA_MASK: u64 = (1 << 48) - 1;

impl JavaRandom {
    /// `new Random(seed)`: the seed is scrambled with the multiplier, as Java does.
    pub fn new(seed: u64) -> Self {
        JavaRandom {
            state: (seed ^ JAVA_MULTIPLIER) & JAVA_MASK,
        }
    }
}

impl WordGenerator for JavaRandom {
    const BYTES: usize = 4;

    fn next_word(&mut self) -> u32 {
        self.state = (self.state.wrapping_mul(JAVA_MULTIPLIER).wrapping_add(0xB)) & JAVA_MASK;
        (self.state >> 16) as u32
    }
}

/// glibc's `random()` with its default TYPE_3 state: `r[i] = r[i−3] + r[i−31] mod 2^32`, output
/// `r[i] >> 1`, seeded by `srandom` (a Lehmer generator fills the table, then 310 outputs are
/// discarded). Keeps the low 16 bits of each output.
pub struct GlibcRandomLow16 {
    table: [u32; 34],
    at: usize,
}

impl GlibcRandomLow16 {
    /// `srandom(seed)` with the low 32 bits of `seed` (0 is taken as 1, as glibc does).
    pub fn new(seed: u64) -> Self {
        let mut r = [0i64; 34];
        r[0] = match seed as u32 {
            0 => 1,
            seed => i64::from(seed as i32),
        };
        for i in 1..31 {
            // glibc computes 16807 · r mod (2^31 − 1) with Schrage's method on signed 32-bit
            // words, which is this remainder taken towards zero, made non-negative.
            let word = (16_807 * r[i - 1]) % 2_147_483_647;
            r[i] = if word < 0 { word + 2_147_483_647 } else { word };
        }
        for i in 31..34 {
            r[i] = r[i - 31];
        }
        let mut generator = GlibcRandomLow16 {
            table: r.map(|value| value as u32),
            at: 0,
        };
        for _ in 0..310 {
            generator.next_output();
        }
        generator
    }

    /// The next `r[i] >> 1`, keeping the last 34 values of r in a ring.
    fn next_output(&mut self) -> u32 {
        let slot = self.at % 34;
        let value = self.table[(self.at + 31) % 34].wrapping_add(self.table[(self.at + 3) % 34]);
        self.table[slot] = value;
        self.at = (self.at + 1) % 34;
        value >> 1
    }
}

impl WordGenerator for GlibcRandomLow16 {
    const BYTES: usize = 2;

    fn next_word(&mut self) -> u32 {
        self.next_output() & 0xFFFF
    }
}

/// A 64-bit LCG with Knuth's MMIX constants, the top 32 bits of each state.
pub struct Lcg64Top32 {
    state: u64,
}

impl Lcg64Top32 {
    /// The state starts at `seed`.
    pub fn new(seed: u64) -> Self {
        Lcg64Top32 { state: seed }
    }
}

impl WordGenerator for Lcg64Top32 {
    const BYTES: usize = 4;

    fn next_word(&mut self) -> u32 {
        self.state = self
            .state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.state >> 32) as u32
    }
}

/// IBM's RANDU, x ← 65539·x mod 2^31, keeping bits 23..30 (its top byte).
pub struct RanduTop {
    state: u32,
}

impl RanduTop {
    /// The low 31 bits of `seed`, forced odd (RANDU needs an odd seed).
    pub fn new(seed: u64) -> Self {
        RanduTop {
            state: ((seed as u32) & 0x7FFF_FFFF) | 1,
        }
    }
}

impl WordGenerator for RanduTop {
    const BYTES: usize = 1;

    fn next_word(&mut self) -> u32 {
        self.state = self.state.wrapping_mul(65_539) & 0x7FFF_FFFF;
        self.state >> 23
    }
}

/// Opens a weak generator's stream.
pub fn xorshift32(seed: u64) -> Box<dyn SymbolStream> {
    Box::new(WordStream::new(Xorshift32::new(seed)))
}

/// Opens java.util.Random's `nextInt()` stream.
pub fn java_random(seed: u64) -> Box<dyn SymbolStream> {
    Box::new(WordStream::new(JavaRandom::new(seed)))
}

/// Opens glibc `random()`'s low-16-bit stream.
pub fn glibc_random_lo16(seed: u64) -> Box<dyn SymbolStream> {
    Box::new(WordStream::new(GlibcRandomLow16::new(seed)))
}

/// Opens the MMIX LCG's top-32-bit stream.
pub fn lcg64_top32(seed: u64) -> Box<dyn SymbolStream> {
    Box::new(WordStream::new(Lcg64Top32::new(seed)))
}

/// Opens RANDU's top-byte stream.
pub fn randu_top(seed: u64) -> Box<dyn SymbolStream> {
    Box::new(WordStream::new(RanduTop::new(seed)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words<G: WordGenerator>(mut generator: G, count: usize) -> Vec<u32> {
        (0..count).map(|_| generator.next_word()).collect()
    }

    #[test]
    fn xorshift32_matches_marsaglias_paper() {
        // Marsaglia (2003): from y = 2463534242, 13/17/5 (his C, compiled with gcc 12 here).
        assert_eq!(words(Xorshift32::new(2_463_534_242), 1), [723_471_715]);
    }

    #[test]
    fn java_random_matches_java() {
        // `new java.util.Random(42).nextInt()` three times (OpenJDK 17.0.15, run here).
        let expected = [-1_170_105_035i32, 234_785_527, -1_360_544_799];
        assert_eq!(
            words(JavaRandom::new(42), 3),
            expected.map(|value| value as u32)
        );
    }

    #[test]
    fn glibc_random_matches_glibc() {
        // `srandom(1); random()` five times (Debian 12 glibc, gcc 12, run here), low 16 bits kept.
        let full = [
            1_804_289_383u32,
            846_930_886,
            1_681_692_777,
            1_714_636_915,
            1_957_747_793,
        ];
        assert_eq!(
            words(GlibcRandomLow16::new(1), 5),
            full.map(|value| value & 0xFFFF)
        );
    }

    #[test]
    fn lcg64_and_randu_follow_their_recurrences() {
        let state = 6_364_136_223_846_793_005u64.wrapping_add(1_442_695_040_888_963_407);
        assert_eq!(words(Lcg64Top32::new(1), 1), [(state >> 32) as u32]);
        // RANDU from 1: 65539, 65539² mod 2^31 = 393225, ...; the top bytes of the first outputs.
        let mut x = 1u64;
        let expected: Vec<u32> = (0..5)
            .map(|_| {
                x = x * 65_539 % (1 << 31);
                (x >> 23) as u32
            })
            .collect();
        assert_eq!(words(RanduTop::new(1), 5), expected);
    }

    #[test]
    fn registered_controls_give_practrands_reference_streams() {
        // `rngaudit dump ctl_java_random --seed 42` must be the stream PractRand was run on.
        let mut bytes = [0u8; 4];
        (super::super::find("ctl_java_random").unwrap().open)(42)
            .fill(&mut bytes)
            .unwrap();
        assert_eq!(u32::from_le_bytes(bytes), -1_170_105_035i32 as u32);
        (super::super::find("ctl_xorshift32").unwrap().open)(2_463_534_242)
            .fill(&mut bytes)
            .unwrap();
        assert_eq!(u32::from_le_bytes(bytes), 723_471_715);
    }

    #[test]
    fn streams_do_not_depend_on_how_they_are_read() {
        for open in [
            xorshift32,
            java_random,
            glibc_random_lo16,
            lcg64_top32,
            randu_top,
        ] {
            let mut whole = vec![0u8; 1000];
            open(9).fill(&mut whole).unwrap();
            let mut pieces = vec![0u8; 1000];
            let mut stream = open(9);
            let mut at = 0;
            for length in [1usize, 3, 2, 7, 5].iter().cycle() {
                let end = (at + length).min(pieces.len());
                stream.fill(&mut pieces[at..end]).unwrap();
                at = end;
                if at == pieces.len() {
                    break;
                }
            }
            assert_eq!(pieces, whole);
        }
    }
}
