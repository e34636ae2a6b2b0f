//! Serial correlation coefficient of consecutive symbol values, exactly as `ent` computes it.
//!
//! Read circularly (the last symbol is paired with the first, as ENT does):
//!   C = (n Σ x_i x_{i+1} − (Σ x_i)²) / (n Σ x_i² − (Σ x_i)²)
//! (John Walker, ENT, fourmilab.ch, 2008, `randtest.c`). For independent uniform values C is
//! near-normal with Knuth's moments for the circular coefficient, μ = −1/(n − 1),
//! σ² = n² / ((n − 1)² (n − 2)) (Knuth, TAOCP vol 2, 3rd ed., §3.3.2 K), which give a two-sided
//! p-value. A constant stream, where ENT prints "undefined (all values equal!)", is reported as
//! C = 1 (every value predicts the next perfectly) with p-value 0.
//!
//! The three sums are exact integers, and each chunk's come from its shared views
//! ([`super::chunk`]): read off the pair table and byte histogram when other tests want those
//! (Σ x_i·x_{i+1} = Σ_ab a·b·ν_ab), else formed in one vectorised pass over the neighbours.
//!
//! For merging, a segment keeps its first and last symbols: the product across the boundary is
//! added from those two, and the closing pair (last, first) is the merged stream's.

use super::state::{Segment, Segmented};
use super::{any_alphabet, Chunk, Outcome, Test, Views};
use crate::stats::normal;

/// The `serial_correlation` test's entry in the default battery: its name, summary, reference and parameters,
/// and how it starts on a stream.
pub const TEST: Test = Test {
    name: "serial_correlation",
    summary: "correlation of each symbol value with the next (ENT's coefficient)",
    reference: "ENT serial correlation coefficient; Knuth TAOCP vol 2 §3.3.2 K (its moments)",
    params: &[],
    applies_to: any_alphabet,
    start: |setup| Segmented::start(setup, |_| SerialCorrelation::default()),
    restore: Segmented::<SerialCorrelation>::restore,
};

/// Knuth's moments hold for n > 2; the normal shape takes more. 100 as for the bit tests.
const MIN_SYMBOLS: u64 = 100;

#[derive(Clone, Default, serde::Serialize, serde::Deserialize)]
struct SerialCorrelation {
    symbols: u64,
    sum: u64,
    sum_of_squares: u64,
    /// Σ x_i x_{i+1} over the pairs seen so far (the closing pair is added at the end).
    sum_of_products: u64,
    first: u8,
    previous: u8,
}

impl Segment for SerialCorrelation {
    const NAME: &'static str = TEST.name;
    const VERSION: u32 = 1;
    const READS: Views = Views::SUMS;

    fn absorb(&mut self, next: Self) {
        if next.symbols == 0 {
            return;
        }
        if self.symbols > 0 {
            self.sum_of_products += u64::from(self.previous) * u64::from(next.first);
        } else {
            self.first = next.first;
        }
        self.sum += next.sum;
        self.sum_of_squares += next.sum_of_squares;
        self.sum_of_products += next.sum_of_products;
        self.symbols += next.symbols;
        self.previous = next.previous;
    }

    fn update(&mut self, chunk: &Chunk<'_>) {
        let symbols = chunk.symbols();
        let Some(&head) = symbols.first() else {
            return;
        };
        if self.symbols == 0 {
            self.first = head;
        } else {
            self.sum_of_products += u64::from(self.previous) * u64::from(head);
        }
        let sums = chunk.sums();
        self.sum += sums.sum;
        self.sum_of_squares += sums.squares;
        self.sum_of_products += sums.products;
        self.previous = symbols[symbols.len() - 1];
        self.symbols += symbols.len() as u64;
    }

    fn outcomes(self) -> Vec<Outcome> {
        vec![serial_correlation_outcome(&self)]
    }
}

fn serial_correlation_outcome(state: &SerialCorrelation) -> Outcome {
    let n = state.symbols;
    if n < MIN_SYMBOLS {
        return Outcome::skipped(
            TEST.name,
            format!("needs at least {MIN_SYMBOLS} symbols, got {n}"),
        );
    }
    let closing = u64::from(state.previous) * u64::from(state.first);
    // Exact in i128 for any stream below 2^48 symbols (n · 255² · n < 2^127).
    let sum_squared = i128::from(state.sum) * i128::from(state.sum);
    let numerator = i128::from(n) * i128::from(state.sum_of_products + closing) - sum_squared;
    let denominator = i128::from(n) * i128::from(state.sum_of_squares) - sum_squared;
    if denominator == 0 {
        return Outcome::measured(TEST.name, 1.0, 0.0);
    }
    let coefficient = numerator as f64 / denominator as f64;
    let n = n as f64;
    let mean = -1.0 / (n - 1.0);
    let sigma = n / ((n - 1.0) * (n - 2.0).sqrt());
    let p_value = normal::two_sided((coefficient - mean) / sigma);
    Outcome::measured(TEST.name, coefficient, p_value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::battery::frequency::ent_fixture;
    use crate::battery::run_chunked;
    use crate::stats::tolerance::{MPMATH, SIX_DECIMALS};

    #[test]
    fn coefficient_matches_ent() {
        // `ent -t fixture.bin` (/usr/bin/ent, "January 28th, 2008") on ent_fixture() (see
        // frequency.rs) prints 1,4096,6.975293,4245.000000,123.807373,3.149560,0.045780:
        // Serial-Correlation, the last field, is 0.045780.
        //
        // The p-value: python3 with fractions.Fraction gives C = 0.0457798369548901145… exactly
        // from the sums (507115, 86065983, 63850395); mpmath 1.3 at 30 digits,
        // z = (C + 1/4095) / (4096 / (4095 * sqrt(4094))) = 2.94410021736319450418336770545,
        // erfc(z / sqrt(2)) = 0.00323895099851449102647086820131.
        for chunk in [1, 7, 4096] {
            let outcome = &run_chunked(&TEST, 256, &ent_fixture(), chunk)[0];
            let measured = outcome.result.as_ref().unwrap();
            assert!(
                (measured.statistic - 0.045_780).abs() < SIX_DECIMALS,
                "{measured:?}"
            );
            assert!(
                (measured.statistic - 0.045_779_836_954_890_116).abs() < MPMATH,
                "{measured:?}"
            );
            assert!(
                (measured.p_value / 0.003_238_950_998_514_491 - 1.0).abs() < MPMATH,
                "{measured:?}"
            );
        }
    }

    #[test]
    fn constant_stream_is_perfectly_correlated() {
        // `ent` on 1000 bytes of 0x5A prints "Serial correlation coefficient is undefined (all
        // values equal!)"; here that is C = 1 with p-value 0, not NaN.
        let outcome = &run_chunked(&TEST, 256, &[0x5A; 1000], 64)[0];
        let measured = outcome.result.as_ref().unwrap();
        assert_eq!((measured.statistic, measured.p_value), (1.0, 0.0));
    }

    #[test]
    fn sums_cross_blocks_and_chunks() {
        const BLOCK: usize = crate::battery::chunk::MAX_SYMBOLS;
        // Against a plain loop over neighbours: with a block boundary inside the stream
        // (BLOCK + 3 symbols) and chunks that end off the block grid, every neighbour is
        // paired exactly once.
        let symbols: Vec<u8> = (0..BLOCK + 3).map(|i| (i % 7) as u8).collect();
        let mut whole = SerialCorrelation::default();
        whole.update_symbols(&symbols);
        let expected: u64 = symbols
            .windows(2)
            .map(|w| u64::from(w[0]) * u64::from(w[1]))
            .sum();
        assert_eq!(whole.sum_of_products, expected);
        let mut pieces = SerialCorrelation::default();
        for piece in symbols.chunks(BLOCK - 1) {
            pieces.update_symbols(piece);
        }
        assert_eq!(
            (pieces.sum, pieces.sum_of_squares, pieces.sum_of_products),
            (whole.sum, whole.sum_of_squares, whole.sum_of_products)
        );
    }

    #[test]
    fn too_few_symbols_are_skipped_with_the_number_needed() {
        let outcome = &run_chunked(&TEST, 256, &[1, 2, 3], 2)[0];
        assert_eq!(
            outcome.result,
            Err("needs at least 100 symbols, got 3".into())
        );
    }
}
