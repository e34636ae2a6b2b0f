//! Runs test, NIST SP 800-22 Rev 1a §2.3: do ones and zeros alternate as often as they should?
//!
//! π = (#ones)/n; V_n = 1 + #{k : ε_k ≠ ε_k+1}; P-value = erfc(|V_n − 2nπ(1−π)| / (2√(2n) π(1−π))).
//! The test presumes the frequency test passed: when |π − 1/2| > 2/√n it gives P-value 0.0
//! without looking at runs, as STS 2.1.2's `Runs()` does. The document writes "≥"; STS compares
//! with a strict "greater than" in doubles, and STS is what the reference values come from.
//!
//! Bits are read most-significant first. Eight bytes are loaded as one little-endian word, with
//! no byte swap: inside byte lanes, w ^ (w >> 1) compares each bit with the next one in stream
//! order, and (w << 7) ^ (w >> 8) compares the last bit of each byte with the first of the
//! byte after it. One popcount per word then counts every transition in it; only the last bit
//! crosses words and chunks. The word loop is compiled for the popcount instruction as well and
//! picked at run time ([`super::chunk`]); the ones come from the chunk's shared count.
//!
//! For merging, a segment keeps its first and last bits: the transition across the boundary is
//! counted from the earlier segment's last bit and the later one's first.

use super::chunk::{dispatch, fast_x86, kernel};
use super::state::{Segment, Segmented};
use super::{needs_bytes, Chunk, Outcome, Test, Views};
use crate::stats::normal;

/// The `runs` test's entry in the default battery: its name, summary, reference and parameters,
/// and how it starts on a stream.
pub const TEST: Test = Test {
    name: "runs",
    summary: "number of runs of identical bits",
    reference: "NIST SP 800-22 Rev 1a §2.3 (Runs)",
    params: &[],
    applies_to: needs_bytes,
    start: |setup| Segmented::start(setup, |_| Runs::default()),
    restore: Segmented::<Runs>::restore,
};

/// SP 800-22 §2.3.7 recommends at least 100 bits.
const MIN_BITS: u64 = 100;

#[derive(Clone, Default, serde::Serialize, serde::Deserialize)]
struct Runs {
    /// The first bit, for the transition at the boundary when the segment before is merged.
    first_bit: u64,
    ones: u64,
    bits: u64,
    /// Places where a bit differs from the one before it; V_n is one more.
    transitions: u64,
    /// The last bit seen (0 or 1).
    last_bit: u64,
}

/// In a little-endian word, bits 0..=6 of each byte: where a bit is compared with the next bit
/// of the same byte.
const WITHIN_BYTES: u64 = 0x7F7F_7F7F_7F7F_7F7F;
/// Bit 7 of bytes 0..=6: where the last bit of a byte is compared with the first of the next.
const ACROSS_BYTES: u64 = 0x0080_8080_8080_8080;

impl Runs {
    /// Counts the transitions of one byte, for the bytes that do not fill a word.
    fn push_byte(&mut self, byte: u8) {
        let byte = u64::from(byte);
        let first_bit = byte >> 7;
        self.transitions += u64::from(((byte ^ (byte >> 1)) & 0x7F).count_ones());
        self.transitions += self.last_bit ^ first_bit;
        self.last_bit = byte & 1;
    }
}

kernel! {
    /// Transitions in whole little-endian words of `bytes` (a multiple of 8 long) after a last
    /// bit `last_bit`, and the last bit they leave.
    word_transitions(bytes: &[u8], last_bit: u64) -> (u64, u64) {
        let (mut transitions, mut last_bit) = (0, last_bit);
        for word in bytes.chunks_exact(8) {
            let word = u64::from_le_bytes(word.try_into().expect("chunks of 8"));
            let changes = ((word ^ (word >> 1)) & WITHIN_BYTES)
                | (((word << 7) ^ (word >> 8)) & ACROSS_BYTES);
            transitions += u64::from(changes.count_ones()) + ((last_bit ^ (word >> 7)) & 1);
            last_bit = word >> 56 & 1;
        }
        (transitions, last_bit)
    }
}

impl Segment for Runs {
    const NAME: &'static str = TEST.name;
    const VERSION: u32 = 1;
    const READS: Views = Views::ONES;

    fn absorb(&mut self, next: Self) {
        if next.bits == 0 {
            return;
        }
        if self.bits > 0 {
            self.transitions += self.last_bit ^ next.first_bit;
        } else {
            self.first_bit = next.first_bit;
        }
        self.transitions += next.transitions;
        self.ones += next.ones;
        self.bits += next.bits;
        self.last_bit = next.last_bit;
    }

    fn update(&mut self, chunk: &Chunk<'_>) {
        let bytes = chunk.symbols();
        let Some(&head) = bytes.first() else {
            return;
        };
        if self.bits == 0 {
            // The first bit has no predecessor: pretend it had itself, which adds no transition.
            self.last_bit = u64::from(head >> 7);
            self.first_bit = self.last_bit;
        }
        let whole = bytes.len() / 8 * 8;
        let (transitions, last_bit) =
            dispatch!(fast_x86(), word_transitions(&bytes[..whole], self.last_bit));
        self.transitions += transitions;
        self.last_bit = last_bit;
        for &byte in &bytes[whole..] {
            self.push_byte(byte);
        }
        self.ones += chunk.ones();
        self.bits += 8 * bytes.len() as u64;
    }

    fn outcomes(self) -> Vec<Outcome> {
        vec![runs_outcome(&self)]
    }
}

fn runs_outcome(runs: &Runs) -> Outcome {
    let n = runs.bits;
    if n < MIN_BITS {
        return Outcome::skipped(
            TEST.name,
            format!("needs at least {MIN_BITS} bits, got {n}"),
        );
    }
    let observed_runs = (runs.transitions + 1) as f64;
    let n = n as f64;
    let proportion = runs.ones as f64 / n;
    // The same expression in doubles as STS, so the borderline case falls the same way.
    if (proportion - 0.5).abs() > 2.0 / n.sqrt() {
        return Outcome::measured(TEST.name, observed_runs, 0.0);
    }
    let balance = proportion * (1.0 - proportion);
    let z = (observed_runs - 2.0 * n * balance) / (2.0 * n.sqrt() * balance);
    Outcome::measured(TEST.name, observed_runs, normal::two_sided(z))
}

/// The first `n` bits of an STS 2.1.2 data file (`data.e`, `data.pi`) in
/// tests/fixtures/nist-sts, one 0/1 value per bit.
#[cfg(test)]
pub(crate) fn sts_data_bits(file: &str, n: usize) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/nist-sts/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read(&path).unwrap_or_else(|error| panic!("{path}: {error}"));
    let bits: Vec<u8> = text
        .iter()
        .filter(|&&c| c == b'0' || c == b'1')
        .map(|&c| c - b'0')
        .take(n)
        .collect();
    assert_eq!(bits.len(), n, "{path} is shorter than {n} bits");
    bits
}

/// Packs 0/1 values into bytes, most significant bit first (a whole number of bytes).
#[cfg(test)]
pub(crate) fn pack_bits(bits: &[u8]) -> Vec<u8> {
    assert_eq!(bits.len() % 8, 0);
    bits.chunks(8)
        .map(|byte| byte.iter().fold(0u8, |acc, &bit| acc << 1 | bit))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::battery::run_chunked;
    use crate::stats::tolerance::SIX_DECIMALS;

    /// Against STS 2.1.2's own doubles (`p_value_full`, 17 digits): our erfc is not STS's, so
    /// the last few digits may differ.
    const STS_FULL_DIGITS: f64 = 1e-12;

    /// Counts a bit string that need not fill whole bytes: the whole bytes through `update`, the
    /// last few bits by the definition.
    fn runs_of_bit_string(text: &str) -> Runs {
        let bits: Vec<u8> = text.bytes().map(|c| c - b'0').collect();
        let whole = bits.len() / 8 * 8;
        let mut runs = Runs::default();
        runs.update_symbols(&pack_bits(&bits[..whole]));
        for &bit in &bits[whole..] {
            let bit = u64::from(bit);
            if runs.bits > 0 {
                runs.transitions += runs.last_bit ^ bit;
            }
            runs.ones += bit;
            runs.last_bit = bit;
            runs.bits += 1;
        }
        runs
    }

    #[test]
    fn sp800_22_examples() {
        // SP 800-22 Rev 1a §2.3.8: the first 100 bits of data.pi, P-value = 0.500798 (STS 2.1.2
        // agrees; tests/fixtures/nist-sts/worked_examples.csv). V_n(obs) = 52 by counting
        // (python3: 1 + sum(e[i] != e[i+1] for i in range(99))).
        let epsilon = "1100100100001111110110101010001000100001011010001100001000110100110001001100011001100010100010111000";
        let outcome = runs_outcome(&runs_of_bit_string(epsilon));
        let measured = outcome.result.unwrap();
        assert_eq!(measured.statistic, 52.0);
        assert!(
            (measured.p_value - 0.500_798).abs() < SIX_DECIMALS,
            "{measured:?}"
        );
        // §2.3.4: 1001101011 has only 10 bits, below the 100 the test needs: skipped rather
        // than computed (the document's value there is 0.147232).
        assert!(runs_outcome(&runs_of_bit_string("1001101011"))
            .result
            .is_err());
    }

    #[test]
    fn sts_million_bit_files() {
        // STS 2.1.2 on the first 1,000,000 bits of data.e and data.pi (p_value_full column of
        // tests/fixtures/nist-sts/reference_pvalues.csv): 0.56191688503025439 and
        // 0.41926842044315493.
        for (file, expected) in [
            ("data.e", 0.561_916_885_030_254_4),
            ("data.pi", 0.419_268_420_443_154_93),
        ] {
            let bytes = pack_bits(&sts_data_bits(file, 1_000_000));
            let p = run_chunked(&TEST, 256, &bytes, 4093)[0].p_value().unwrap();
            assert!((p - expected).abs() < STS_FULL_DIGITS, "{file}: {p}");
        }
    }

    #[test]
    fn unbalanced_stream_fails_the_prerequisite() {
        // 0x01 bytes: π = 1/8, far beyond 2/√n; STS gives 0.0 without counting runs.
        let outcome = &run_chunked(&TEST, 256, &[0x01; 1000], 64)[0];
        assert_eq!(outcome.p_value(), Some(0.0));
    }

    #[test]
    fn transitions_cross_words_and_chunks() {
        // 0xF0 0x0F 0xFF = 11110000 00001111 11111111: transitions after bit 4, 12: V_n = 3.
        let mut runs = Runs::default();
        runs.update_symbols(&[0xF0]);
        runs.update_symbols(&[0x0F, 0xFF]);
        assert_eq!((runs.transitions, runs.ones, runs.bits), (2, 16, 24));
        // Eight bytes then one: the word path and the tail path meet at bit 64, where 1 meets 1;
        // the only transitions are 0→1 at bit 63 and 1→0 after bit 64.
        let mut runs = Runs::default();
        runs.update_symbols(&[0, 0, 0, 0, 0, 0, 0, 1, 0x80]);
        assert_eq!(runs.transitions, 2);
    }
}
