//! Frequency test over the stream's alphabet: Pearson's chi-square of the symbol counts.
//!
//! With k symbols and n observations, X² = Σ (ν_i − n/k)² / (n/k) = (k Σ ν_i² − n²) / n, which is
//! χ²(k − 1) distributed for a uniform source (Pearson 1900; Knuth, TAOCP vol 2, §3.3.1 B; it is
//! also the chi-square that `ent` prints for bytes). Unlike monobit it sees every symbol value,
//! so it catches a generator that favours some byte values while keeping its bits balanced.
//!
//! This file also owns `SymbolCounts`, the running histogram the entropy test keeps as well;
//! both add up the chunk's shared histogram ([`super::chunk`]), which is counted once per
//! chunk for both (or read off the pair table that the serial test needs anyway).
//!
//! Merging segments adds their counts; no boundary context is needed.

use super::state::{Segment, Segmented};
use super::{any_alphabet, Chunk, Outcome, Setup, Test, Views};
use crate::stats::chi_square;

/// The `frequency` test's entry in the default battery: its name, summary, reference and parameters,
/// and how it starts on a stream.
pub const TEST: Test = Test {
    name: "frequency",
    summary: "chi-square of symbol counts over the stream's alphabet",
    reference: "Pearson chi-square goodness of fit, df = k - 1 (Knuth TAOCP vol 2 §3.3.1 B)",
    params: &[],
    applies_to: any_alphabet,
    start: |setup| Segmented::start(setup, Frequency::new),
    restore: Segmented::<Frequency>::restore,
};

/// The usual rule for the chi-square approximation: at least five expected per cell.
pub(crate) const MIN_EXPECTED_PER_CELL: u64 = 5;

/// How many times each symbol value occurred, added up from each chunk's histogram (the one
/// [`Views::HISTOGRAM`] that frequency and entropy share).
#[derive(Clone, serde::Serialize, serde::Deserialize)]
#[serde(into = "Vec<u64>", try_from = "Vec<u64>")]
pub(crate) struct SymbolCounts {
    counts: [u64; 256],
}

impl SymbolCounts {
    pub(crate) fn new() -> Self {
        SymbolCounts { counts: [0; 256] }
    }

    /// Adds a chunk's histogram.
    pub(crate) fn add(&mut self, histogram: &[u32; 256]) {
        for (count, &add) in self.counts.iter_mut().zip(histogram) {
            *count += u64::from(add);
        }
    }

    /// Adds the counts of `other`, as if its symbols had been added here.
    pub(crate) fn add_counts(&mut self, other: &SymbolCounts) {
        for (count, other) in self.counts.iter_mut().zip(&other.counts) {
            *count += other;
        }
    }

    /// The counts of symbols `0..alphabet`.
    pub(crate) fn counts(&self, alphabet: u16) -> Vec<u64> {
        self.counts[..usize::from(alphabet).min(256)].to_vec()
    }
}

// Saved as the 256 counts (the layout of version 1, when four interleaved tables were summed).
impl From<SymbolCounts> for Vec<u64> {
    fn from(counts: SymbolCounts) -> Self {
        counts.counts.to_vec()
    }
}

impl TryFrom<Vec<u64>> for SymbolCounts {
    type Error = String;

    fn try_from(counts: Vec<u64>) -> Result<Self, String> {
        let counts: [u64; 256] = counts
            .try_into()
            .map_err(|counts: Vec<u64>| format!("expected 256 counts, got {}", counts.len()))?;
        Ok(SymbolCounts { counts })
    }
}

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Frequency {
    alphabet: u16,
    counts: Box<SymbolCounts>,
}

impl Frequency {
    fn new(setup: &Setup) -> Self {
        Frequency {
            alphabet: setup.alphabet,
            counts: Box::new(SymbolCounts::new()),
        }
    }
}

impl Segment for Frequency {
    const NAME: &'static str = TEST.name;
    const VERSION: u32 = 1;

    const READS: Views = Views::HISTOGRAM;

    fn update(&mut self, chunk: &Chunk<'_>) {
        self.counts.add(chunk.histogram());
    }

    fn outcomes(self) -> Vec<Outcome> {
        vec![frequency_outcome(&self.counts.counts(self.alphabet))]
    }

    fn absorb(&mut self, next: Self) {
        self.counts.add_counts(&next.counts);
    }
}

fn frequency_outcome(counts: &[u64]) -> Outcome {
    let cells = counts.len() as u64;
    let n: u64 = counts.iter().sum();
    let needed = MIN_EXPECTED_PER_CELL * cells;
    if cells < 2 {
        return Outcome::skipped(TEST.name, "needs an alphabet of at least 2 symbols");
    }
    if n < needed {
        return Outcome::skipped(
            TEST.name,
            format!("needs at least {needed} symbols ({MIN_EXPECTED_PER_CELL} per symbol value), got {n}"),
        );
    }
    // k Σν² − n² is an exact integer (and never negative, by Cauchy–Schwarz); forming it in
    // u128 keeps the statistic exact where the textbook Σ(ν − n/k)²/(n/k) would round n/k.
    let sum_of_squares: u128 = counts.iter().map(|&c| u128::from(c) * u128::from(c)).sum();
    let excess = u128::from(cells) * sum_of_squares - u128::from(n) * u128::from(n);
    let statistic = excess as f64 / n as f64;
    let p_value = chi_square::upper_tail(statistic, (cells - 1) as f64);
    Outcome::measured(TEST.name, statistic, p_value)
}

/// The 4096-byte fixture that the `ent` known answers of this folder were recorded from: byte i
/// is (i² + 7i) mod 251, a deterministic stream that never uses the values 251..=255. The same
/// bytes come from `python3 -c "import sys; sys.stdout.buffer.write(bytes((i*i+7*i)%251 for i in
/// range(4096)))" > fixture.bin`.
#[cfg(test)]
pub(crate) fn ent_fixture() -> Vec<u8> {
    (0u32..4096)
        .map(|i| ((i * i + 7 * i) % 251) as u8)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::battery::run_chunked;
    use crate::stats::tolerance::{MPMATH, SIX_DECIMALS};

    fn stream_with_counts(counts: &[usize]) -> Vec<u8> {
        // Interleaves the symbols so the stream is not sorted; the test only sees counts anyway.
        let mut stream = Vec::new();
        let mut left = counts.to_vec();
        while left.iter().any(|&c| c > 0) {
            for (symbol, remaining) in left.iter_mut().enumerate() {
                if *remaining > 0 {
                    stream.push(symbol as u8);
                    *remaining -= 1;
                }
            }
        }
        stream
    }

    #[test]
    fn known_answer_small_alphabet() {
        // Hand computation: counts 10, 20, 30, 40 over k = 4, n = 100: expected 25 each,
        // X² = (225 + 25 + 25 + 225) / 25 = 20. mpmath 1.3 at 30 digits:
        // gammainc(mpf(3)/2, 10, inf, regularized=True) = 0.000169742435552826430795944494494
        // (scipy 1.17: chi2.sf(20, 3) = 0.00016974243555282632).
        let stream = stream_with_counts(&[10, 20, 30, 40]);
        let outcome = &run_chunked(&TEST, 4, &stream, 7)[0];
        let measured = outcome.result.as_ref().unwrap();
        assert_eq!(measured.statistic, 20.0);
        assert!(
            (measured.p_value / 0.000_169_742_435_552_826_43 - 1.0).abs() < MPMATH,
            "{}",
            measured.p_value
        );
    }

    #[test]
    fn statistic_matches_ent_chi_square() {
        // ent's chi-square is the same Pearson sum over all 256 byte values. Recorded with
        //   ent -t fixture.bin    # /usr/bin/ent, "January 28th, 2008"; fixture: ent_fixture()
        // which prints 1,4096,6.975293,4245.000000,123.807373,3.149560,0.045780 (Chi-square is the
        // fourth field).
        let outcome = &run_chunked(&TEST, 256, &ent_fixture(), 4093)[0];
        let statistic = outcome.result.as_ref().unwrap().statistic;
        assert!(
            (statistic - ENT_CHI_SQUARE).abs() < SIX_DECIMALS,
            "{statistic}"
        );
        assert!(outcome.p_value().unwrap() < 1e-6);
    }

    const ENT_CHI_SQUARE: f64 = 4245.0;

    #[test]
    fn too_few_symbols_are_skipped_with_the_number_needed() {
        let outcome = &run_chunked(&TEST, 256, &[1, 2, 3], 8)[0];
        assert_eq!(
            outcome.result,
            Err("needs at least 1280 symbols (5 per symbol value), got 3".to_string())
        );
    }

    #[test]
    fn counts_add_up_chunk_histograms() {
        let symbols: Vec<u8> = (0u32..1003).map(|i| (i * 37 % 256) as u8).collect();
        let mut counts = SymbolCounts::new();
        let mut workspace = crate::battery::Workspace::new();
        for piece in [&symbols[..5], &symbols[5..]] {
            counts.add(Chunk::new(piece, Views::HISTOGRAM, &mut workspace).histogram());
        }
        let mut plain = vec![0u64; 256];
        for &s in &symbols {
            plain[usize::from(s)] += 1;
        }
        assert_eq!(counts.counts(256), plain);
        assert_eq!(counts.counts(62), plain[..62].to_vec());
    }
}
