//! Seeded PRNGs: the generators a simulation uses because they are fast and reproducible.
//!
//! The `rand` family is seeded with `SeedableRng::seed_from_u64`, the documented portable way,
//! and emits bytes in the generator's own `fill_bytes` order. `mt19937` is seeded exactly as
//! CPython's `random.Random(seed)`: `init_by_array` over the seed's 32-bit words, least
//! significant first (Modules/_randommodule.c, `random_seed`), and emits each 32-bit output
//! little-endian, which is `random.getrandbits(32).to_bytes(4, "little")`.

use super::{Kind, RngBytes, Seek, Source, SymbolStream};
use rand::SeedableRng;

macro_rules! rand_source {
    ($constant:ident, $name:literal, $rng:ty, $summary:literal) => {
        rand_source!($constant, $name, $rng, $summary, None);
    };
    ($constant:ident, $name:literal, $rng:ty, $summary:literal, $seek:expr) => {
        #[doc = concat!("`", $name, "`: ", $summary, ", seeded with `seed_from_u64`.")]
        pub const $constant: Source = Source {
            name: $name,
            kind: Kind::Seeded,
            alphabet: 256,
            summary: $summary,
            caught_by: &[],
            seek: $seek,
            open: |seed| Box::new(RngBytes(<$rng>::seed_from_u64(seed))),
        };
    };
}

/// ChaCha's keystream is a counter of 32-bit words: `set_word_pos` starts it at any word.
macro_rules! chacha_seek {
    ($rng:ty) => {
        Some(Seek {
            word_bytes: 4,
            open_at_word: |seed, word| {
                let mut rng = <$rng>::seed_from_u64(seed);
                rng.set_word_pos(u128::from(word));
                Box::new(RngBytes(rng))
            },
        })
    };
}

/// A PCG is an LCG under its output function: `advance` jumps its state by any number of
/// steps in O(log n) (Brown's jump-ahead), one step per word of output.
macro_rules! pcg_seek {
    ($rng:ty, $word_bytes:literal) => {
        Some(Seek {
            word_bytes: $word_bytes,
            open_at_word: |seed, word| {
                let mut rng = <$rng>::seed_from_u64(seed);
                rng.advance(word.into());
                Box::new(RngBytes(rng))
            },
        })
    };
}

rand_source!(
    CHACHA8,
    "chacha8",
    rand_chacha::ChaCha8Rng,
    "ChaCha with 8 rounds (rand_chacha)",
    chacha_seek!(rand_chacha::ChaCha8Rng)
);
rand_source!(
    CHACHA12,
    "chacha12",
    rand_chacha::ChaCha12Rng,
    "ChaCha with 12 rounds (rand_chacha)",
    chacha_seek!(rand_chacha::ChaCha12Rng)
);
rand_source!(
    CHACHA20,
    "chacha20",
    rand_chacha::ChaCha20Rng,
    "ChaCha with 20 rounds (rand_chacha)",
    chacha_seek!(rand_chacha::ChaCha20Rng)
);
rand_source!(
    STDRNG,
    "stdrng",
    rand::rngs::StdRng,
    "rand's StdRng (ChaCha12 in rand 0.10)"
);
rand_source!(
    SMALLRNG,
    "smallrng",
    rand::rngs::SmallRng,
    "rand's SmallRng (Xoshiro256++ on 64-bit)"
);
rand_source!(
    PCG32,
    "pcg32",
    rand_pcg::Pcg32,
    "PCG XSH RR 64/32 (rand_pcg)",
    pcg_seek!(rand_pcg::Pcg32, 4)
);
rand_source!(
    PCG64,
    "pcg64",
    rand_pcg::Pcg64,
    "PCG XSL RR 128/64 (rand_pcg)",
    pcg_seek!(rand_pcg::Pcg64, 8)
);
rand_source!(
    PCG64MCG,
    "pcg64mcg",
    rand_pcg::Pcg64Mcg,
    "PCG XSL RR 128/64 MCG (rand_pcg)",
    pcg_seek!(rand_pcg::Pcg64Mcg, 8)
);
rand_source!(
    XOSHIRO256PP,
    "xoshiro256pp",
    rand_xoshiro::Xoshiro256PlusPlus,
    "Xoshiro256++ (rand_xoshiro)"
);

/// `mt19937`: the Mersenne Twister seeded and serialised as Python's `random.Random(seed)`.
pub const MT19937: Source = Source {
    name: "mt19937",
    kind: Kind::Seeded,
    alphabet: 256,
    summary: "Mersenne Twister seeded as Python's random.Random(seed)",
    caught_by: &["lane_complexity"],
    seek: None,
    open: |seed| Box::new(PythonMt::new(seed)),
};

/// MT19937 seeded and serialised as CPython's `random` module does it.
pub struct PythonMt {
    mt: rand_mt::Mt,
    /// Bytes of the last 32-bit output not yet handed out, so any buffer length works.
    pending: [u8; 4],
    pending_len: usize,
}

impl PythonMt {
    /// Seeds the generator as `random.Random(seed)` does (`init_by_array` over the seed's 32-bit
    /// words, least significant first).
    pub fn new(seed: u64) -> Self {
        // CPython splits abs(seed) into 32-bit words, least significant first, and keeps at
        // least one word (so seed 0 is the key [0]).
        let low = seed as u32;
        let high = (seed >> 32) as u32;
        let mt = if high == 0 {
            rand_mt::Mt::new_with_key([low])
        } else {
            rand_mt::Mt::new_with_key([low, high])
        };
        PythonMt {
            mt,
            pending: [0; 4],
            pending_len: 0,
        }
    }
}

impl SymbolStream for PythonMt {
    fn fill(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let mut written = 0;
        while self.pending_len > 0 && written < out.len() {
            out[written] = self.pending[4 - self.pending_len];
            self.pending_len -= 1;
            written += 1;
        }
        let mut words = out[written..].chunks_exact_mut(4);
        for word in &mut words {
            word.copy_from_slice(&self.mt.next_u32().to_le_bytes());
        }
        let tail = words.into_remainder();
        if !tail.is_empty() {
            self.pending = self.mt.next_u32().to_le_bytes();
            tail.copy_from_slice(&self.pending[..tail.len()]);
            self.pending_len = 4 - tail.len();
        }
        Ok(out.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_bytes(source: &Source, seed: u64, n: usize) -> Vec<u8> {
        let mut out = vec![0u8; n];
        (source.open)(seed).fill(&mut out).unwrap();
        out
    }

    #[test]
    fn mt19937_matches_python_random() {
        // CPython 3.11.7:
        //   r = random.Random(42)
        //   b''.join(r.getrandbits(32).to_bytes(4, 'little') for _ in range(4)).hex()
        //   == '9d79b1a37f31801cd11a6706fb40d6bd'
        // and random.Random(2**40 + 5) (a two-word key) starts with bytes '24111f81'; random.Random(0) with 'cd072cd8'.
        assert_eq!(
            first_bytes(&MT19937, 42, 16),
            hex("9d79b1a37f31801cd11a6706fb40d6bd")
        );
        assert_eq!(first_bytes(&MT19937, (1 << 40) + 5, 4), hex("24111f81"));
        assert_eq!(first_bytes(&MT19937, 0, 4), hex("cd072cd8"));
    }

    #[test]
    fn mt19937_is_independent_of_buffer_splits() {
        let whole = first_bytes(&MT19937, 42, 64);
        let mut stream = (MT19937.open)(42);
        let mut pieces = Vec::new();
        for size in [1usize, 3, 5, 7, 2, 13, 33] {
            let mut buf = vec![0u8; size];
            stream.fill(&mut buf).unwrap();
            pieces.extend_from_slice(&buf);
        }
        assert_eq!(&whole[..pieces.len()], &pieces[..]);
    }

    #[test]
    fn rand_family_values_are_pinned() {
        // Value-stability (as rand does): a dependency bump that changes a stream must be seen.
        let pinned: [(&Source, &str); 3] = [
            (&CHACHA20, PINNED_CHACHA20),
            (&PCG32, PINNED_PCG32),
            (&XOSHIRO256PP, PINNED_XOSHIRO),
        ];
        for (source, expected) in pinned {
            let got: String = first_bytes(source, 1, 8)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(got, expected, "{}", source.name);
        }
    }

    // Recorded from rand_chacha 0.10.0, rand_pcg 0.10.3 and rand_xoshiro 0.8.2, seed_from_u64(1).
    const PINNED_CHACHA20: &str = "9a3744504560639e";
    const PINNED_PCG32: &str = "e60ba733eef3bc7d";
    const PINNED_XOSHIRO: &str = "9bc2036f7fd0c5cf";

    fn hex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }
}
