//! Known-bad controls: generators with a defect every report must catch. If a control passes,
//! the battery (or the verdict rule) has lost power, and `report` exits with status 1.
//!
//! Each is seeded (from ChaCha8 where it needs randomness) so that CI sees the same streams.

use super::{Kind, Seek, Source, SymbolStream};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `ctl_randu`: IBM's RANDU, the low byte of each output; caught by its odd, short-period low
/// bits.
pub const RANDU: Source = Source {
    name: "ctl_randu",
    kind: Kind::Control,
    alphabet: 256,
    summary: "IBM's RANDU, x <- 65539·x mod 2^31, low byte of each output",
    caught_by: &[],
    // x_n = 65539^n · x_0 mod 2^31: the state n bytes on is one modular power away.
    seek: Some(Seek {
        word_bytes: 1,
        open_at_word: |seed, byte| {
            let start = Randu::new(seed).state;
            let jump = power_mod_2_32(65_539, byte);
            Box::new(Randu {
                state: start.wrapping_mul(jump) & 0x7FFF_FFFF,
            })
        },
    }),
    open: |seed| Box::new(Randu::new(seed)),
};

/// `ctl_counter`: an incrementing 32-bit counter starting at the seed, little-endian.
pub const COUNTER: Source = Source {
    name: "ctl_counter",
    kind: Kind::Control,
    alphabet: 256,
    summary: "an incrementing 32-bit counter, little-endian",
    caught_by: &[],
    // Word n of the counter is the seed plus n.
    seek: Some(Seek {
        word_bytes: 4,
        open_at_word: |seed, word| Box::new(Counter::new((seed as u32).wrapping_add(word as u32))),
    }),
    open: |seed| Box::new(Counter::new(seed as u32)),
};

/// `ctl_bias52`: independent bits that are 1 with probability 0.52, a small bias the frequency
/// tests must catch.
pub const BIAS52: Source = Source {
    name: "ctl_bias52",
    kind: Kind::Control,
    alphabet: 256,
    summary: "independent bits that are 1 with probability 0.52",
    caught_by: &[],
    // Each byte takes eight ChaCha8 words, so byte n starts at word 8n of its keystream.
    seek: Some(Seek {
        word_bytes: 1,
        open_at_word: |seed, byte| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_word_pos(u128::from(byte) * 8);
            Box::new(Biased { rng })
        },
    }),
    open: |seed| Box::new(Biased::new(seed)),
};

/// `ctl_modulo62`: `byte % 62` over 62 symbols, the modulo bias of a naive token generator.
pub const MODULO62: Source = Source {
    name: "ctl_modulo62",
    kind: Kind::Control,
    alphabet: 62,
    summary: "alphabet[byte % 62]: modulo-biased choice of 62 characters",
    caught_by: &[],
    // One symbol per keystream byte: ChaCha8 started at the word.
    seek: Some(Seek {
        word_bytes: 4,
        open_at_word: |seed, word| Box::new(Modulo62(chacha8_at(seed, word))),
    }),
    open: |seed| Box::new(Modulo62(ChaCha8Rng::seed_from_u64(seed))),
};

/// `ctl_nibble`: bytes with equal nibbles, so bits balance but each byte carries 4 bits of
/// entropy instead of 8.
pub const NIBBLE: Source = Source {
    name: "ctl_nibble",
    kind: Kind::Control,
    alphabet: 256,
    summary:
        "bytes drawn from only 16 values (0x00, 0x11, ..., 0xFF): balanced bits, 4 bits of entropy",
    caught_by: &[],
    // One byte per keystream byte: ChaCha8 started at the word.
    seek: Some(Seek {
        word_bytes: 4,
        open_at_word: |seed, word| Box::new(Nibble(chacha8_at(seed, word))),
    }),
    open: |seed| Box::new(Nibble(ChaCha8Rng::seed_from_u64(seed))),
};

/// ChaCha8 from `seed`, started at keystream word `word`.
fn chacha8_at(seed: u64, word: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_word_pos(u128::from(word));
    rng
}

/// `base^exponent mod 2^32`, by squaring: RANDU's jump ahead (its modulus 2^31 divides 2^32).
fn power_mod_2_32(mut base: u32, mut exponent: u64) -> u32 {
    let mut result = 1u32;
    while exponent > 0 {
        if exponent & 1 == 1 {
            result = result.wrapping_mul(base);
        }
        base = base.wrapping_mul(base);
        exponent >>= 1;
    }
    result
}

/// RANDU (IBM System/360 SSP, 1960s): every output is odd and the low bits have tiny periods.
pub struct Randu {
    state: u32,
}

impl Randu {
    /// A RANDU stream from the low 31 bits of `seed`, forced odd.
    pub fn new(seed: u64) -> Self {
        // RANDU needs an odd seed below 2^31.
        Randu {
            state: ((seed as u32) & 0x7FFF_FFFF) | 1,
        }
    }
}

impl SymbolStream for Randu {
    fn fill(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        for byte in out.iter_mut() {
            self.state = self.state.wrapping_mul(65_539) & 0x7FFF_FFFF;
            *byte = self.state as u8;
        }
        Ok(out.len())
    }
}

/// Counts up from the seed, one 32-bit value every four bytes.
pub struct Counter {
    next: u32,
    pending: [u8; 4],
    pending_len: usize,
}

impl Counter {
    /// A counter whose first value is `start`.
    pub fn new(start: u32) -> Self {
        Counter {
            next: start,
            pending: [0; 4],
            pending_len: 0,
        }
    }
}

impl SymbolStream for Counter {
    fn fill(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        for byte in out.iter_mut() {
            if self.pending_len == 0 {
                self.pending = self.next.to_le_bytes();
                self.next = self.next.wrapping_add(1);
                self.pending_len = 4;
            }
            *byte = self.pending[4 - self.pending_len];
            self.pending_len -= 1;
        }
        Ok(out.len())
    }
}

/// Each bit is 1 when a uniform 32-bit draw falls below round(0.52 · 2^32).
pub struct Biased {
    rng: ChaCha8Rng,
}

/// round(0.52 · 2^32): P(1) = 0.5200000000186...
const ONE_BELOW: u32 = 2_233_382_994;

impl Biased {
    /// A biased stream whose draws come from ChaCha8 seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Biased {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }
}

impl SymbolStream for Biased {
    fn fill(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        for byte in out.iter_mut() {
            *byte = (0..8).fold(0u8, |acc, _| {
                (acc << 1) | u8::from(self.rng.next_u32() < ONE_BELOW)
            });
        }
        Ok(out.len())
    }
}

/// Emits the index into A–Z a–z 0–9 that `alphabet[byte % 62]` would pick: indices 0..=7 come
/// up 5 times in 256, the others 4 times.
pub struct Modulo62(ChaCha8Rng);

impl SymbolStream for Modulo62 {
    fn fill(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        self.0.fill_bytes(out);
        for symbol in out.iter_mut() {
            *symbol %= 62;
        }
        Ok(out.len())
    }
}

/// A random nibble repeated in both halves of the byte.
pub struct Nibble(ChaCha8Rng);

impl SymbolStream for Nibble {
    fn fill(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        self.0.fill_bytes(out);
        for byte in out.iter_mut() {
            *byte = (*byte & 0x0F) * 0x11;
        }
        Ok(out.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn take(source: &Source, seed: u64, n: usize) -> Vec<u8> {
        let mut out = vec![0u8; n];
        (source.open)(seed).fill(&mut out).unwrap();
        out
    }

    #[test]
    fn randu_by_hand() {
        // Seed 1: 65539, 65539² mod 2^31 = 393225, then 1769499 (Knuth TAOCP vol. 2 §3.3.4
        // discusses RANDU; the values follow from x <- 65539·x mod 2^31).
        // Low bytes: 65539 = 0x10003 -> 0x03; 393225 = 0x60009 -> 0x09; 1769499 = 0x1B001B -> 0x1B.
        assert_eq!(take(&RANDU, 1, 3), vec![0x03, 0x09, 0x1B]);
    }

    #[test]
    fn counter_is_little_endian() {
        assert_eq!(take(&COUNTER, 0xFF, 8), vec![0xFF, 0, 0, 0, 0x00, 1, 0, 0]);
    }

    #[test]
    fn biased_bits_come_up_at_52_percent() {
        // 2^23 bits: the standard error of the proportion is 0.00017, so ±0.002 is ±11σ.
        let ones: u32 = take(&BIAS52, 3, 1 << 20)
            .iter()
            .map(|b| b.count_ones())
            .sum();
        let rate = f64::from(ones) / f64::from(1u32 << 23);
        assert!((rate - 0.52).abs() < 0.002, "{rate}");
    }

    #[test]
    fn modulo62_and_nibble_have_their_defects() {
        let symbols = take(&MODULO62, 4, 1 << 16);
        assert!(symbols.iter().all(|&s| s < 62));
        let nibbles = take(&NIBBLE, 4, 1 << 12);
        assert!(nibbles.iter().all(|&b| b % 0x11 == 0));
    }
}
