//! Serial test: are overlapping pairs of consecutive symbols uniform over the k² possible pairs?
//!
//! A Pearson statistic over overlapping pairs is not chi-square distributed (neighbouring pairs
//! share a symbol). Good's generalized serial statistic is: with the stream read circularly (the
//! pair (last, first) closes it, so there are exactly n pairs and every symbol starts one and ends
//! one),
//!
//!   ψ²₂ = (k²/n) Σ ν_ab² − n,   ψ²₁ = (k/n) Σ ν_a² − n,   ∇ψ² = ψ²₂ − ψ²₁ ~ χ²(k² − k)
//!
//! (I. J. Good, "The serial test for sampling numbers and other tests for randomness", Proc.
//! Cambridge Philos. Soc. 49, 1953; NIST SP 800-22 Rev 1a §2.11 is the case k = 2, m = 2, from
//! which the known answer below comes; Knuth TAOCP vol 2 §3.3.2 B).
//!
//! One table of 65,536 u32 pair counts (256 KiB) serves every alphabet: the index is the pair
//! itself, so no symbol can reach outside it and no multiplication by k is needed. The single
//! symbol counts ν_a are the table's row sums, so they cost nothing during the pass. Each chunk's
//! pairs are counted once for every test that reads them ([`super::chunk`], whose table layout
//! this one shares) and added here cell by cell.
//!
//! For merging, a segment keeps its first and last symbols: the pair across the boundary is counted
//! from those two, and the wrap-around pair is the merged stream's.

use super::chunk::pair_index;
use super::state::{Segment, Segmented};
use super::{any_alphabet, Chunk, Outcome, Setup, Test, Views};
use crate::stats::chi_square;

/// The `serial` test's entry in the default battery: its name, summary, reference and parameters,
/// and how it starts on a stream.
pub const TEST: Test = Test {
    name: "serial",
    summary: "overlapping pairs of consecutive symbols (Good's generalized serial statistic)",
    reference:
        "Good 1953, generalized serial test ∇ψ², df = k² − k (cf. NIST SP 800-22 Rev 1a §2.11)",
    params: &[],
    applies_to: any_alphabet,
    start: |setup| Segmented::start(setup, Serial::new),
    restore: Segmented::<Serial>::restore,
};

/// The chi-square approximation wants at least five expected per cell, here per pair.
const MIN_EXPECTED_PER_PAIR: u64 = 5;

const PAIR_CELLS: usize = 1 << 16;

/// Pairs counted into the u32 table before it is folded into wide totals, so no cell overflows.
const FOLD_EVERY: u64 = u32::MAX as u64;

#[derive(Clone, serde::Serialize, serde::Deserialize)]
#[serde(into = "SavedSerial", try_from = "SavedSerial")]
struct Serial {
    alphabet: u16,
    /// Count of each pair, indexed by [`pair_index`] (the chunk's pair table's layout).
    pairs: Box<[u32; PAIR_CELLS]>,
    /// Counts folded out of `pairs` on streams longer than 4 G symbols; absent on all others.
    folded: Option<Box<[u64; PAIR_CELLS]>>,
    pairs_since_fold: u64,
    symbols: u64,
    first: u8,
    previous: u8,
}

impl Serial {
    fn new(setup: &Setup) -> Self {
        Serial {
            alphabet: setup.alphabet,
            pairs: zeroed_table(),
            folded: None,
            pairs_since_fold: 0,
            symbols: 0,
            first: 0,
            previous: 0,
        }
    }

    /// Counts one pair.
    fn count_pair(&mut self, previous: u8, symbol: u8) {
        if self.pairs_since_fold + 1 > FOLD_EVERY {
            self.fold();
        }
        self.pairs[pair_index(previous, symbol)] += 1;
        self.pairs_since_fold += 1;
    }

    fn fold(&mut self) {
        let folded = self.folded.get_or_insert_with(zeroed_table);
        for (total, count) in folded.iter_mut().zip(self.pairs.iter_mut()) {
            *total += u64::from(std::mem::take(count));
        }
        self.pairs_since_fold = 0;
    }

    fn pair_count(&self, index: usize) -> u64 {
        let folded = self.folded.as_ref().map_or(0, |folded| folded[index]);
        folded + u64::from(self.pairs[index])
    }
}

fn zeroed_table<T: Clone + Default, const N: usize>() -> Box<[T; N]> {
    // Built on the heap: a 256 KiB array literal would pass through the stack first.
    vec![T::default(); N]
        .into_boxed_slice()
        .try_into()
        .unwrap_or_else(|_| unreachable!("the vector has exactly N elements"))
}

/// [`Serial`] as saved: the pair counts summed, since the split into a u32 table and a folded
/// u64 table is a speed trick, not state.
#[derive(serde::Serialize, serde::Deserialize)]
struct SavedSerial {
    alphabet: u16,
    symbols: u64,
    first: u8,
    previous: u8,
    pairs: Vec<u64>,
}

impl From<Serial> for SavedSerial {
    fn from(serial: Serial) -> Self {
        SavedSerial {
            alphabet: serial.alphabet,
            symbols: serial.symbols,
            first: serial.first,
            previous: serial.previous,
            pairs: (0..PAIR_CELLS)
                .map(|saved| serial.pair_count(table_index(saved)))
                .collect(),
        }
    }
}

impl TryFrom<SavedSerial> for Serial {
    type Error = String;

    fn try_from(saved: SavedSerial) -> Result<Self, String> {
        if saved.pairs.len() != PAIR_CELLS {
            return Err(format!(
                "expected {PAIR_CELLS} pair counts, got {}",
                saved.pairs.len()
            ));
        }
        let mut folded: Box<[u64; PAIR_CELLS]> = zeroed_table();
        for (saved_index, &count) in saved.pairs.iter().enumerate() {
            folded[table_index(saved_index)] = count;
        }
        Ok(Serial {
            alphabet: saved.alphabet,
            pairs: zeroed_table(),
            folded: Some(folded),
            pairs_since_fold: 0,
            symbols: saved.symbols,
            first: saved.first,
            previous: saved.previous,
        })
    }
}

/// The table's index of the pair that a saved state lists at `saved` (previous symbol << 8 |
/// symbol, the layout of version 1, kept so saved states stay readable).
fn table_index(saved: usize) -> usize {
    pair_index((saved >> 8) as u8, saved as u8)
}

impl Segment for Serial {
    const NAME: &'static str = TEST.name;
    const VERSION: u32 = 1;
    const READS: Views = Views::PAIRS;

    fn absorb(&mut self, next: Self) {
        if next.symbols == 0 {
            return;
        }
        if self.symbols == 0 {
            *self = next;
            return;
        }
        // The pair across the boundary, then next's pairs, in the u64 table so nothing wraps.
        self.count_pair(self.previous, next.first);
        self.fold();
        let folded = self.folded.get_or_insert_with(zeroed_table);
        for (index, total) in folded.iter_mut().enumerate() {
            *total += next.pair_count(index);
        }
        self.previous = next.previous;
        self.symbols += next.symbols;
    }

    fn update(&mut self, chunk: &Chunk<'_>) {
        let symbols = chunk.symbols();
        let Some(&head) = symbols.first() else {
            return;
        };
        if self.symbols == 0 {
            // The first symbol has no predecessor yet; it is paired with the last one at the end.
            self.first = head;
        } else {
            self.count_pair(self.previous, head);
        }
        // A chunk holds at most 2^16 pairs, so checking for a fold once per chunk is enough.
        if self.pairs_since_fold + symbols.len() as u64 > FOLD_EVERY {
            self.fold();
        }
        chunk.add_pairs(&mut self.pairs);
        self.pairs_since_fold += symbols.len() as u64;
        self.previous = symbols[symbols.len() - 1];
        self.symbols += symbols.len() as u64;
    }

    fn outcomes(mut self) -> Vec<Outcome> {
        let alphabet = u64::from(self.alphabet);
        let needed = MIN_EXPECTED_PER_PAIR * alphabet * alphabet;
        if alphabet < 2 {
            return vec![Outcome::skipped(
                TEST.name,
                "needs an alphabet of at least 2 symbols",
            )];
        }
        if self.symbols < needed {
            return vec![Outcome::skipped(
                TEST.name,
                format!(
                    "needs at least {needed} symbols ({MIN_EXPECTED_PER_PAIR} per pair of symbol values), got {}",
                    self.symbols
                ),
            )];
        }
        self.count_pair(self.previous, self.first);
        vec![serial_outcome(&self, alphabet)]
    }
}

fn serial_outcome(serial: &Serial, alphabet: u64) -> Outcome {
    let mut pair_squares: u128 = 0;
    let mut symbol_squares: u128 = 0;
    for first in 0..256 {
        let mut row = 0u128;
        for second in 0..256 {
            let count = u128::from(serial.pair_count(pair_index(first as u8, second as u8)));
            pair_squares += count * count;
            row += count;
        }
        symbol_squares += row * row;
    }
    // ∇ψ² = (k² Σν_ab² − k Σν_a²) / n: the two "− n" cancel, and the numerator is an exact
    // integer (non-negative by Cauchy–Schwarz, since ν_a = Σ_b ν_ab over k cells) as long as
    // k² n² < 2^128, i.e. for any stream below 2^56 symbols.
    let k = u128::from(alphabet);
    let numerator = k * k * pair_squares - k * symbol_squares;
    let statistic = numerator as f64 / serial.symbols as f64;
    let degrees_of_freedom = (alphabet * alphabet - alphabet) as f64;
    let p_value = chi_square::upper_tail(statistic, degrees_of_freedom);
    Outcome::measured(TEST.name, statistic, p_value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::battery::run_chunked;
    use crate::battery::runs::sts_data_bits;
    use crate::stats::tolerance::{MPMATH, SIX_DECIMALS};

    #[test]
    fn sp800_22_serial_example_is_the_binary_case() {
        // SP 800-22 Rev 1a §2.11.8: the first 1,000,000 bits of e, m = 2: ∇ψ²₂ = 0.339764 and
        // P-value1 = 0.843764 (STS 2.1.2 agrees; tests/fixtures/nist-sts/worked_examples.csv).
        // Good's statistic on a binary alphabet with pairs is exactly that ∇ψ²₂, with df 2.
        let bits = sts_data_bits("data.e", 1_000_000);
        let outcome = &run_chunked(&TEST, 2, &bits, 65_536)[0];
        let measured = outcome.result.as_ref().unwrap();
        assert!(
            (measured.statistic - 0.339_764).abs() < SIX_DECIMALS,
            "{measured:?}"
        );
        assert!(
            (measured.p_value - 0.843_764).abs() < SIX_DECIMALS,
            "{measured:?}"
        );
    }

    #[test]
    fn known_answer_three_symbols() {
        // k = 3: the de Bruijn sequence 0 0 1 0 2 1 1 2 2 repeated five times (45 symbols). Read
        // circularly each of the 9 pairs occurs 5 times and each symbol 15 times: ∇ψ² = 0, p = 1.
        let base = [0u8, 0, 1, 0, 2, 1, 1, 2, 2];
        let mut stream: Vec<u8> = base.iter().copied().cycle().take(45).collect();
        let outcome = &run_chunked(&TEST, 3, &stream, 4)[0];
        assert_eq!(outcome.result.as_ref().unwrap().statistic, 0.0);
        assert_eq!(outcome.p_value(), Some(1.0));
        // Symbol 4 changed from 2 to 0 turns pairs (0,2),(2,1) into (0,0),(0,1): ν_ab is 6 for
        // 00 and 01, 4 for 02 and 21, 5 elsewhere, Σν_ab² = 229; ν_a = 16, 15, 14, Σν_a² = 677;
        // ∇ψ² = (9·229 − 3·677) / 45 = 2/3 (python3: collections.Counter over the 45 circular
        // pairs, fractions.Fraction for the statistic, agrees). mpmath 1.3 at 30 digits:
        // gammainc(3, mpf(1)/3, inf, regularized=True) = 0.995182375796929514480005690174139
        stream[4] = 0;
        let outcome = &run_chunked(&TEST, 3, &stream, 7)[0];
        let measured = outcome.result.as_ref().unwrap();
        assert!(
            (measured.statistic - 2.0 / 3.0).abs() < MPMATH,
            "{measured:?}"
        );
        assert!((measured.p_value - 0.995_182_375_796_929_5).abs() < MPMATH);
    }

    #[test]
    fn constant_stream_fails() {
        // The registry-wide constant-stream check uses 256 KiB, below this test's minimum for
        // bytes, so the check is made here at the minimum length.
        let data = vec![0x5Au8; 5 * 256 * 256];
        let outcome = &run_chunked(&TEST, 256, &data, 65_536)[0];
        assert!(outcome.p_value().unwrap() < 1e-6, "{outcome:?}");
    }

    #[test]
    fn too_few_symbols_are_skipped_with_the_number_needed() {
        let outcome = &run_chunked(&TEST, 256, &[7; 1000], 64)[0];
        assert_eq!(
            outcome.result,
            Err("needs at least 327680 symbols (5 per pair of symbol values), got 1000".into())
        );
    }

    #[test]
    fn folding_keeps_counts() {
        let mut serial = Serial::new(&Setup::new(256, None));
        serial.update_symbols(&[1, 2, 3, 1, 2]);
        serial.fold();
        serial.update_symbols(&[3, 1]);
        assert_eq!(serial.pair_count(pair_index(1, 2)), 2);
        assert_eq!(serial.pair_count(pair_index(3, 1)), 2);
        assert_eq!(serial.pair_count(pair_index(2, 3)), 2);
    }
}
