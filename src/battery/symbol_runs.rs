//! Runs above and below the middle of the alphabet, for alphabets that are not a power of two.
//!
//! Each symbol becomes low (s < k/2) or high; with n₁ lows, n₂ highs and R runs of equal
//! neighbours, the Wald–Wolfowitz runs test (A. Wald and J. Wolfowitz, "On a test whether two
//! samples are from the same population", Ann. Math. Statist. 11, 1940; NIST/SEMATECH
//! e-Handbook of Statistical Methods §1.3.5.13) takes
//!   μ = 2n₁n₂/n + 1,   σ² = 2n₁n₂(2n₁n₂ − n) / (n²(n − 1)),   z = (R − μ)/σ,
//! and a two-sided normal p-value. The counts n₁, n₂ are the observed ones, so an alphabet of odd
//! size (more highs than lows) needs no correction.
//!
//! Over a power-of-two alphabet the split is just the top bit of every symbol, which the
//! bit-level runs test already sees together with all the others, so this test declines those.
//!
//! For merging, a segment keeps whether its first and last symbols are high: the change across the
//! boundary is counted from those two.

use super::state::{Segment, Segmented};
use super::{Chunk, Outcome, Setup, Test};
use crate::stats::normal;

/// The `symbol_runs` test's entry in the default battery: its name, summary, reference and parameters,
/// and how it starts on a stream.
pub const TEST: Test = Test {
    name: "symbol_runs",
    summary: "runs of symbols above and below the middle of the alphabet",
    reference: "Wald & Wolfowitz 1940 runs test (NIST/SEMATECH e-Handbook §1.3.5.13)",
    params: &[],
    applies_to: not_a_power_of_two,
    start: |setup| Segmented::start(setup, SymbolRuns::new),
    restore: Segmented::<SymbolRuns>::restore,
};

fn not_a_power_of_two(alphabet: u16) -> Result<(), String> {
    if alphabet.is_power_of_two() {
        Err(format!(
            "an alphabet of {alphabet} symbols is a whole number of bits; power-of-two alphabets are covered by the bit-level runs test"
        ))
    } else {
        Ok(())
    }
}

/// The normal approximation to the number of runs wants both groups well populated; the
/// e-Handbook's tables stop at 20 per group, and 100 symbols put about 50 in each.
const MIN_SYMBOLS: u64 = 100;

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct SymbolRuns {
    /// Whether the first symbol is high, for the change at the boundary when the segment
    /// before is merged.
    first_is_high: bool,
    alphabet: u16,
    symbols: u64,
    highs: u64,
    /// Neighbours on different sides of the middle; R is one more.
    changes: u64,
    last_is_high: bool,
}

impl SymbolRuns {
    fn new(setup: &Setup) -> Self {
        SymbolRuns {
            alphabet: setup.alphabet,
            first_is_high: false,
            symbols: 0,
            highs: 0,
            changes: 0,
            last_is_high: false,
        }
    }
}

impl Segment for SymbolRuns {
    const NAME: &'static str = TEST.name;
    const VERSION: u32 = 1;

    fn absorb(&mut self, next: Self) {
        if next.symbols == 0 {
            return;
        }
        if self.symbols > 0 {
            self.changes += u64::from(self.last_is_high != next.first_is_high);
        } else {
            self.first_is_high = next.first_is_high;
        }
        self.changes += next.changes;
        self.highs += next.highs;
        self.symbols += next.symbols;
        self.last_is_high = next.last_is_high;
    }

    fn update(&mut self, chunk: &Chunk<'_>) {
        let symbols = chunk.symbols();
        let Some(&head) = symbols.first() else {
            return;
        };
        // s ≥ k/2 exactly when s ≥ ⌈k/2⌉, odd k included.
        let threshold = self.alphabet.div_ceil(2);
        let is_high = |symbol: u8| u16::from(symbol) >= threshold;
        if self.symbols > 0 {
            self.changes += u64::from(self.last_is_high != is_high(head));
        } else {
            self.first_is_high = is_high(head);
        }
        // u32 sums over blocks, so the compiler can keep them in vector lanes.
        for block in symbols.chunks(1 << 16) {
            let highs: u32 = block.iter().map(|&s| u32::from(is_high(s))).sum();
            let changes: u32 = block
                .iter()
                .zip(&block[1..])
                .map(|(&a, &b)| u32::from(is_high(a) != is_high(b)))
                .sum();
            self.highs += u64::from(highs);
            self.changes += u64::from(changes);
        }
        // Neighbours that straddle two blocks of this chunk.
        for boundary in (1 << 16..symbols.len()).step_by(1 << 16) {
            self.changes += u64::from(is_high(symbols[boundary - 1]) != is_high(symbols[boundary]));
        }
        self.last_is_high = is_high(symbols[symbols.len() - 1]);
        self.symbols += symbols.len() as u64;
    }

    fn outcomes(self) -> Vec<Outcome> {
        vec![symbol_runs_outcome(self.symbols, self.highs, self.changes)]
    }
}

fn symbol_runs_outcome(symbols: u64, highs: u64, changes: u64) -> Outcome {
    if symbols < MIN_SYMBOLS {
        return Outcome::skipped(
            TEST.name,
            format!("needs at least {MIN_SYMBOLS} symbols, got {symbols}"),
        );
    }
    let runs = (changes + 1) as f64;
    let lows = symbols - highs;
    if lows == 0 || highs == 0 {
        // Never crossing the middle of the alphabet in this many symbols is as far from random
        // as a stream gets; σ would be 0.
        return Outcome::measured(TEST.name, runs, 0.0);
    }
    let n = symbols as f64;
    let twice_product = 2.0 * lows as f64 * highs as f64;
    let mean = twice_product / n + 1.0;
    let variance = twice_product * (twice_product - n) / (n * n * (n - 1.0));
    let z = (runs - mean) / variance.sqrt();
    Outcome::measured(TEST.name, runs, normal::two_sided(z))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::battery::run_chunked;
    use crate::stats::tolerance::MPMATH;
    use rand::{RngExt, SeedableRng};

    /// The first 120 decimal digits of π (mpmath 1.3: nstr(pi, 125) at 130 digits).
    const PI_DIGITS: &str = "314159265358979323846264338327950288419716939937510582097494459230781640628620899862803482534211706798214808651328230664";

    #[test]
    fn known_answer_digits_of_pi() {
        // Alphabet 10, low = 0..=4: mpmath 1.3 at 30 digits gives n₁ = 61, n₂ = 59, R = 63,
        // μ = 2*61*59/120 + 1 = 60.98333…, σ² = 29.7312348272642390289449112979,
        // z = 0.369851723093932648167633929337, erfc(|z|/sqrt(2)) = 0.711492974053483225772551294024
        let digits: Vec<u8> = PI_DIGITS.bytes().map(|c| c - b'0').collect();
        for chunk in [1, 7, 120] {
            let outcome = &run_chunked(&TEST, 10, &digits, chunk)[0];
            let measured = outcome.result.as_ref().unwrap();
            assert_eq!(measured.statistic, 63.0);
            assert!(
                (measured.p_value - 0.711_492_974_053_483_2).abs() < MPMATH,
                "{measured:?}"
            );
        }
    }

    #[test]
    fn applies_only_to_alphabets_that_are_not_whole_bits() {
        assert!((TEST.applies_to)(62).is_ok());
        assert!((TEST.applies_to)(10).is_ok());
        for bits in [2u16, 16, 256] {
            let reason = (TEST.applies_to)(bits).unwrap_err();
            assert!(
                reason.contains("power-of-two alphabets are covered by the bit-level runs test")
            );
        }
    }

    #[test]
    fn one_sided_and_alternating_streams_fail() {
        // Only low symbols: one run, p = 0.
        let outcome = &run_chunked(&TEST, 62, &[3; 1000], 64)[0];
        assert_eq!(outcome.p_value(), Some(0.0));
        // Strict alternation of 0 and 61: R = n, far above n/2.
        let alternating: Vec<u8> = (0..1000).map(|i| if i % 2 == 0 { 0 } else { 61 }).collect();
        let p = run_chunked(&TEST, 62, &alternating, 64)[0]
            .p_value()
            .unwrap();
        assert!(p < 1e-6, "{p}");
    }

    #[test]
    fn counts_agree_with_the_definition_across_blocks_and_chunks() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(62);
        let symbols: Vec<u8> = (0..200_003).map(|_| rng.random_range(0..61u8)).collect();
        let high: Vec<bool> = symbols.iter().map(|&s| 2 * u16::from(s) >= 61).collect();
        let expected_changes = high.windows(2).filter(|w| w[0] != w[1]).count() as u64;
        let expected_highs = high.iter().filter(|&&h| h).count() as u64;
        for chunk in [1usize, 7, 65_535, 65_536, 200_003] {
            let mut state = SymbolRuns::new(&Setup::new(61, None));
            for piece in symbols.chunks(chunk) {
                state.update_symbols(piece);
            }
            assert_eq!(
                (state.highs, state.changes),
                (expected_highs, expected_changes),
                "{chunk}"
            );
        }
    }

    #[test]
    fn too_few_symbols_are_skipped_with_the_number_needed() {
        let outcome = &run_chunked(&TEST, 62, &[1, 40, 2], 2)[0];
        assert_eq!(
            outcome.result,
            Err("needs at least 100 symbols, got 3".into())
        );
    }
}
