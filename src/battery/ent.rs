//! ENT's five figures for a byte stream, computed the way John Walker's `ent` computes them, so
//! that `rngaudit file PATH --battery ent` prints what `ent PATH` prints, digit for digit.
//!
//! This module owns that reproduction and the `ent` battery built on it. The battery gives
//! figures, not verdicts ([`super::Consumes::Figures`]): ENT's figures are descriptive, its
//! chi-square "percentage" is its own approximation of a p-value, and people compare its output
//! with ENT's byte for byte. The default battery's tests
//! (`entropy`, `frequency`, `serial_correlation`) compute the same quantities with exact tails
//! for verdicts; this module reproduces ENT's arithmetic, including its choices:
//!
//! * entropy: Σ p log₂(1/p) over the 256 byte values (2 bit values with `-b`), with ENT's
//!   log₂ x = log₂10 · log₁₀ x;
//! * chi-square: Pearson's statistic against equal counts, summed in bin order in doubles;
//! * the chi-square percentage: ENT's `pochisq` (Hill & Pike, CACM Algorithm 299, with Gary
//!   Perlman's `poz`, Ibbetson's CACM Algorithm 209 polynomial for the normal), times 100; ENT
//!   prints it as "less than 0.01" below 0.0001 and "more than than 99.99" (sic) above 0.9999;
//! * the Monte Carlo value for π: every 6 bytes are two 24-bit coordinates (3 bytes each, most
//!   significant first); a point is inside when x² + y² ≤ (256³ − 1)²; π ≈ 4 · inside / points.
//!   Bytes left over after the last whole group are not used. With `-b` the same bytes are used;
//! * serial correlation: the circular coefficient over successive samples (bytes, or bits most
//!   significant first with `-b`), the last paired with the first, "undefined" when the
//!   denominator is 0 (all values equal).
//!
//! Sources: ENT 1.2 (fourmilab.ch, "January 28th, 2008", Debian package `ent` 1.2debian-3),
//! files `ent.c`, `randtest.c` and `chisq.c`; the known-answer tests compare with outputs of
//! `/usr/bin/ent` recorded in `tests/fixtures/ent/`.
//!
//! Where ENT divides 0 by 0 (an empty input; fewer than 6 bytes for the Monte Carlo) it prints
//! `-nan`; here those figures are `None` (JSON `null`), never NaN, and [`render_like_ent`] prints
//! the text `ent` prints for them. Sums are exact integers; ENT sums in doubles, which are exact
//! below 2^53, so the two agree for any input under about 10^11 bytes.

use crate::source::{Kind, SymbolStream};
use serde::ser::{Serialize, SerializeStruct, Serializer};
use std::f64::consts::{LOG2_10, PI};

/// Bytes per Monte Carlo point: two coordinates of three bytes (ENT's `MONTEN`).
const MONTE_BYTES: usize = 6;
/// (256³ − 1)²: a point (x, y) of 24-bit coordinates is inside the circle when x² + y² is at
/// most this (ENT's `incirc`).
const IN_CIRCLE: u64 = ((1 << 24) - 1) * ((1 << 24) - 1);
/// Bytes summed in u64 before they are added to the u128 totals: 2^20 · 255² < 2^37.
const BLOCK: usize = 1 << 20;

/// The streaming state: hand it the stream in pieces of any size with [`Ent::update`], then
/// read the figures with [`Ent::finish`]. The figures do not depend on where the stream was cut.
#[derive(Clone, Debug)]
pub struct Ent {
    bits: bool,
    /// Occurrences of each byte value (in bit mode too: bit counts derive from them).
    counts: [u64; 256],
    bytes: u64,
    /// The start of an incomplete Monte Carlo group carried over to the next update.
    pending: [u8; MONTE_BYTES],
    pending_len: usize,
    points: u64,
    inside: u64,
    /// Σ x_i x_{i+1} over neighbouring samples seen so far (the closing pair is added at the
    /// end). Σ x and Σ x² follow from `counts`.
    products: u128,
    first_byte: u8,
    last_byte: u8,
}

impl Ent {
    /// A fresh state; `bits` is ENT's `-b`: the samples are the bits of each byte, most
    /// significant first.
    pub fn new(bits: bool) -> Self {
        Ent {
            bits,
            counts: [0; 256],
            bytes: 0,
            pending: [0; MONTE_BYTES],
            pending_len: 0,
            points: 0,
            inside: 0,
            products: 0,
            first_byte: 0,
            last_byte: 0,
        }
    }

    /// Consumes the next bytes of the stream.
    pub fn update(&mut self, data: &[u8]) {
        let Some(&head) = data.first() else {
            return;
        };
        if self.bytes == 0 {
            self.first_byte = head;
        } else {
            self.products += u128::from(self.pair_product(self.last_byte, head));
        }
        for &byte in data {
            self.counts[usize::from(byte)] += 1;
        }
        // Neighbouring pairs inside this piece, summed in u64 over blocks, then widened.
        let mut start = 0;
        while start + 1 < data.len() {
            let end = (start + BLOCK).min(data.len() - 1);
            let sum: u64 = data[start..end]
                .iter()
                .zip(&data[start + 1..=end])
                .map(|(&a, &b)| self.pair_product(a, b))
                .sum();
            self.products += u128::from(sum);
            start = end;
        }
        if self.bits {
            // Pairs of neighbouring bits inside each byte; the pairs across byte boundaries
            // were counted above.
            let inside: u64 = data
                .iter()
                .map(|&b| u64::from((b & (b >> 1)).count_ones()))
                .sum();
            self.products += u128::from(inside);
        }
        self.monte_carlo(data);
        self.last_byte = data[data.len() - 1];
        self.bytes += data.len() as u64;
    }

    /// The product of two neighbouring samples that straddle bytes `a` then `b`: the bytes
    /// themselves, or in bit mode the last bit of `a` and the first bit of `b`.
    fn pair_product(&self, a: u8, b: u8) -> u64 {
        if self.bits {
            u64::from(a & 1 & (b >> 7))
        } else {
            u64::from(a) * u64::from(b)
        }
    }

    fn monte_carlo(&mut self, mut data: &[u8]) {
        if self.pending_len > 0 {
            let take = (MONTE_BYTES - self.pending_len).min(data.len());
            self.pending[self.pending_len..self.pending_len + take].copy_from_slice(&data[..take]);
            self.pending_len += take;
            data = &data[take..];
            if self.pending_len < MONTE_BYTES {
                return;
            }
            let group = self.pending;
            self.point(&group);
            self.pending_len = 0;
        }
        let mut groups = data.chunks_exact(MONTE_BYTES);
        for group in &mut groups {
            self.point(group);
        }
        let rest = groups.remainder();
        self.pending[..rest.len()].copy_from_slice(rest);
        self.pending_len = rest.len();
    }

    fn point(&mut self, group: &[u8]) {
        let coordinate = |bytes: &[u8]| {
            bytes
                .iter()
                .fold(0u64, |value, &b| (value << 8) | u64::from(b))
        };
        let (x, y) = (coordinate(&group[..3]), coordinate(&group[3..6]));
        self.points += 1;
        // Both squares are below 2^48, so the sum is exact, as it is in ENT's doubles.
        if x * x + y * y <= IN_CIRCLE {
            self.inside += 1;
        }
    }

    /// The figures of everything seen so far.
    pub fn finish(&self) -> EntFigures {
        let (bins, counts): (usize, Vec<u64>) = if self.bits {
            let ones: u64 = (0..256)
                .map(|v| u64::from((v as u8).count_ones()) * self.counts[v])
                .sum();
            (2, vec![self.bytes * 8 - ones, ones])
        } else {
            (256, self.counts.to_vec())
        };
        let samples: u64 = counts.iter().sum();
        let total = samples as f64;

        // ENT: prob[i] = ccount[i] / totalc, ent += prob[i] * log2(1 / prob[i]) for prob > 0.
        // A fold from +0.0 as ENT's loop (`Sum` for floats starts at −0.0, which would print
        // as "-0.000000" for an empty input).
        let entropy = counts
            .iter()
            .filter(|&&count| count > 0)
            .fold(0.0, |sum, &count| {
                let p = count as f64 / total;
                sum + p * ent_log2(1.0 / p)
            });
        let full = if self.bits { 1.0 } else { 8.0 };
        // ENT's `(short)` cast truncates toward zero, as `as` does.
        let compression_percent = (100.0 * (full - entropy) / full) as i16;

        let (chi_square, chi_square_probability, mean) = if samples == 0 {
            (None, None, None)
        } else {
            let expected = total / bins as f64;
            let chi_square = counts.iter().fold(0.0, |sum, &count| {
                let deviation = count as f64 - expected;
                sum + deviation * deviation / expected
            });
            let data_sum = counts.iter().enumerate().fold(0.0, |sum, (value, &count)| {
                sum + value as f64 * count as f64
            });
            let df = if self.bits { 1 } else { 255 };
            (
                Some(chi_square),
                Some(ent_chi_square_probability(chi_square, df)),
                Some(data_sum / total),
            )
        };

        let (monte_carlo_pi, monte_carlo_error_percent) = if self.points == 0 {
            (None, None)
        } else {
            let pi = 4.0 * (self.inside as f64 / self.points as f64);
            (Some(pi), Some(100.0 * ((PI - pi).abs() / PI)))
        };

        EntFigures {
            samples,
            entropy,
            compression_percent,
            chi_square,
            chi_square_probability,
            chi_square_percent: chi_square_probability.map(|p| p * 100.0),
            mean,
            monte_carlo_pi,
            monte_carlo_error_percent,
            serial_correlation: self.serial_correlation(&counts),
        }
    }

    /// ENT's arithmetic, operation for operation: t1 = Σ x_i x_{i+1} (circular), t2 = (Σ x)²,
    /// t3 = Σ x², C = (n t1 − t2) / (n t3 − t2), undefined when the denominator is 0.
    fn serial_correlation(&self, counts: &[u64]) -> Option<f64> {
        if self.bytes == 0 {
            return None;
        }
        let (sum, squares): (u128, u128) = if self.bits {
            let ones = u128::from(counts[1]);
            (ones, ones)
        } else {
            counts
                .iter()
                .enumerate()
                .fold((0, 0), |(sum, squares), (value, &count)| {
                    let value = value as u128;
                    (
                        sum + value * u128::from(count),
                        squares + value * value * u128::from(count),
                    )
                })
        };
        let closing = u128::from(self.pair_product(self.last_byte, self.first_byte));
        let n = counts.iter().sum::<u64>() as f64;
        let t1 = (self.products + closing) as f64;
        let t2 = sum as f64 * sum as f64;
        let t3 = squares as f64;
        let denominator = n * t3 - t2;
        if denominator == 0.0 {
            None
        } else {
            Some((n * t1 - t2) / denominator)
        }
    }
}

/// ENT's figures for one stream. `None` marks a figure ENT prints as `-nan` (0/0: no input, or
/// fewer than 6 bytes for the Monte Carlo) or, for the serial correlation, as "undefined (all
/// values equal!)". Serialises as `{"battery":"ent","entropy":..,"chi_square":..,
/// "chi_square_percent":..,"mean":..,"monte_carlo_pi":..,"monte_carlo_error_percent":..,
/// "serial_correlation":..}`, `None` as `null`.
#[derive(Clone, Debug, PartialEq)]
pub struct EntFigures {
    /// Samples counted: bytes, or bits with `-b`.
    pub samples: u64,
    /// Bits per sample.
    pub entropy: f64,
    /// ENT's "Optimum compression would reduce the size ... by N percent".
    pub compression_percent: i16,
    /// Pearson's χ² of the sample counts against uniform (255 degrees of freedom for bytes, 1 for
    /// bits); `None` where ENT prints `-nan` (no input).
    pub chi_square: Option<f64>,
    /// ENT's approximation of P(χ² > statistic) with 255 (or 1) degrees of freedom (its `chip`).
    pub chi_square_probability: Option<f64>,
    /// The same in percent, the number ENT prints (`chip * 100`).
    pub chi_square_percent: Option<f64>,
    /// Arithmetic mean of the samples: near 127.5 for random bytes, 0.5 for random bits; `None`
    /// with no input.
    pub mean: Option<f64>,
    /// π estimated from each 6 bytes read as a point (two 24-bit coordinates): the share that
    /// falls inside the quarter circle is π/4. `None` with fewer than 6 bytes.
    pub monte_carlo_pi: Option<f64>,
    /// The estimate's absolute error, in percent of π.
    pub monte_carlo_error_percent: Option<f64>,
    /// Correlation of each sample with the next, in [-1, 1]: near 0 for random data; `None`
    /// when all values are equal.
    pub serial_correlation: Option<f64>,
}

impl EntFigures {
    /// Every figure by the name the JSON and CSV outputs give it, in ENT's order; `None` where
    /// ENT prints `-nan` or "undefined".
    pub fn named(&self) -> Vec<(&'static str, Option<f64>)> {
        vec![
            ("samples", Some(self.samples as f64)),
            ("entropy", Some(self.entropy)),
            (
                "compression_percent",
                Some(f64::from(self.compression_percent)),
            ),
            ("chi_square", self.chi_square),
            ("chi_square_percent", self.chi_square_percent),
            ("mean", self.mean),
            ("monte_carlo_pi", self.monte_carlo_pi),
            ("monte_carlo_error_percent", self.monte_carlo_error_percent),
            ("serial_correlation", self.serial_correlation),
        ]
    }
}

impl Serialize for EntFigures {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut document = serializer.serialize_struct("EntFigures", 8)?;
        document.serialize_field("battery", "ent")?;
        document.serialize_field("entropy", &self.entropy)?;
        document.serialize_field("chi_square", &self.chi_square)?;
        document.serialize_field("chi_square_percent", &self.chi_square_percent)?;
        document.serialize_field("mean", &self.mean)?;
        document.serialize_field("monte_carlo_pi", &self.monte_carlo_pi)?;
        document.serialize_field("monte_carlo_error_percent", &self.monte_carlo_error_percent)?;
        document.serialize_field("serial_correlation", &self.serial_correlation)?;
        document.end()
    }
}

/// ENT's figures of one input, as a report of the `ent` battery holds them.
#[derive(Clone, Debug, PartialEq)]
pub struct EntResult {
    /// The source or input, as reports name it.
    pub source: String,
    /// What kind of source it is.
    pub kind: Kind,
    /// The stream's seed, for reproducible sources.
    pub seed: Option<u64>,
    /// Bytes read.
    pub bytes: u64,
    /// Whether the samples were bits (`ent -b`) rather than bytes.
    pub bits: bool,
    /// The figures.
    pub figures: EntFigures,
}

/// The name the `ent` battery is selected by.
pub const BATTERY_NAME: &str = "ent";
/// What `rngaudit list` says of it.
pub const SUMMARY: &str = "ENT's five figures as `ent` prints them (entropy, chi-square, mean, \
Monte Carlo pi, serial correlation); figures, not a verdict: exit 0 whenever the input was read";

/// The figures of the first `limit` bytes of `stream` (all of it when `None`), read in 64 KiB
/// pieces so memory stays flat.
pub fn of_stream(
    stream: &mut dyn SymbolStream,
    limit: Option<u64>,
    bits: bool,
) -> std::io::Result<EntFigures> {
    let mut state = Ent::new(bits);
    let mut buffer = vec![0u8; 1 << 16];
    let mut remaining = limit.unwrap_or(u64::MAX);
    while remaining > 0 {
        let want = remaining.min(buffer.len() as u64) as usize;
        let got = stream.fill(&mut buffer[..want])?;
        if got == 0 {
            break;
        }
        state.update(&buffer[..got]);
        remaining -= got as u64;
    }
    Ok(state.finish())
}

/// The figures of a whole buffer in one call.
pub fn analyse(data: &[u8], bits: bool) -> EntFigures {
    let mut state = Ent::new(bits);
    state.update(data);
    state.finish()
}

/// The report `ent FILE` (or `ent -b FILE` when `bits`) prints for these figures, line for
/// line and digit for digit (C's `%f` and Rust's `{:.6}` both round the exact binary value).
/// `bits` must be the mode the figures were computed in.
pub fn render_like_ent(figures: &EntFigures, bits: bool) -> String {
    // What glibc's printf shows for ENT's 0/0 results: a negative NaN, and its absolute value.
    const NEGATIVE_NAN: &str = "-nan";
    const NAN: &str = "nan";
    let sample = if bits { "bit" } else { "byte" };
    let fixed = |value: Option<f64>, decimals: usize, missing: &'static str| match value {
        Some(v) => format!("{v:.decimals$}"),
        None => missing.to_string(),
    };
    let mut out = String::new();
    out.push_str(&format!(
        "Entropy = {:.6} bits per {sample}.\n\n",
        figures.entropy
    ));
    out.push_str("Optimum compression would reduce the size\n");
    out.push_str(&format!(
        "of this {} {sample} file by {} percent.\n\n",
        figures.samples, figures.compression_percent
    ));
    out.push_str(&format!(
        "Chi square distribution for {} samples is {}, and randomly\n",
        figures.samples,
        fixed(figures.chi_square, 2, NEGATIVE_NAN)
    ));
    // ENT decides on the probability, then prints the percentage.
    let exceed = match figures.chi_square_probability {
        Some(p) if p < 0.0001 => "less than 0.01".to_string(),
        Some(p) if p > 0.9999 => "more than than 99.99".to_string(),
        _ => fixed(figures.chi_square_percent, 2, NAN),
    };
    out.push_str(&format!(
        "would exceed this value {exceed} percent of the times.\n\n"
    ));
    out.push_str(&format!(
        "Arithmetic mean value of data {sample}s is {} ({} = random).\n",
        fixed(figures.mean, 4, NEGATIVE_NAN),
        if bits { "0.5" } else { "127.5" }
    ));
    out.push_str(&format!(
        "Monte Carlo value for Pi is {} (error {} percent).\n",
        fixed(figures.monte_carlo_pi, 9, NEGATIVE_NAN),
        fixed(figures.monte_carlo_error_percent, 2, NAN)
    ));
    match figures.serial_correlation {
        Some(c) => out.push_str(&format!(
            "Serial correlation coefficient is {c:.6} (totally uncorrelated = 0.0).\n"
        )),
        None => out.push_str("Serial correlation coefficient is undefined (all values equal!).\n"),
    }
    out
}

/// ENT's log₂: log₂10 · log₁₀ x (its own definition, kept for digit-for-digit agreement).
fn ent_log2(x: f64) -> f64 {
    LOG2_10 * x.log10()
}

/// ENT's `pochisq`: P(χ²(df) > x) by Hill & Pike's series (CACM Algorithm 299, 1967, with the
/// rounding remark of ACM TOMS, June 1985), as Gary Perlman coded it for ENT's `chisq.c`.
///
/// This is reproduced, not used: the crate's p-values come from `crate::stats`, whose upper
/// tails are exact. ENT's value differs from the exact tail only through `poz`'s six-digit
/// polynomial (odd df with x < 36) and the exp(−20) cut-off, which is why it is kept apart.
fn ent_chi_square_probability(x: f64, df: u32) -> f64 {
    // exp(x) below which ENT's `ex` returns 0.
    const BIG_X: f64 = 20.0;
    const LOG_SQRT_PI: f64 = 0.572_364_942_924_700_1;
    const INVERSE_SQRT_PI: f64 = 0.564_189_583_547_756_3;
    let ex = |v: f64| if v < -BIG_X { 0.0 } else { v.exp() };
    if x <= 0.0 || df < 1 {
        return 1.0;
    }
    let a = 0.5 * x;
    let even = df.is_multiple_of(2);
    let y = if df > 1 { ex(-a) } else { 0.0 };
    let mut s = if even {
        y
    } else {
        2.0 * ent_normal_probability(-x.sqrt())
    };
    if df <= 2 {
        return s;
    }
    let last = 0.5 * (f64::from(df) - 1.0);
    let mut z = if even { 1.0 } else { 0.5 };
    if a > BIG_X {
        // Terms in logarithms: a^z e^−a / Γ(z + 1), the log-gamma built up term by term.
        let mut e = if even { 0.0 } else { LOG_SQRT_PI };
        let c = a.ln();
        while z <= last {
            e += z.ln();
            s += ex(c * z - a - e);
            z += 1.0;
        }
        s
    } else {
        let mut e = if even {
            1.0
        } else {
            INVERSE_SQRT_PI / a.sqrt()
        };
        let mut c = 0.0;
        while z <= last {
            e *= a / z;
            c += e;
            z += 1.0;
        }
        c * y + s
    }
}

/// ENT's `poz`: P(Z < z) for a standard normal Z, by Ibbetson's polynomial (CACM Algorithm
/// 209, 1963), good to about six digits and saturated at |z| ≥ 6.
fn ent_normal_probability(z: f64) -> f64 {
    const Z_MAX: f64 = 6.0;
    let x = if z == 0.0 {
        0.0
    } else {
        let y = 0.5 * z.abs();
        if y >= Z_MAX * 0.5 {
            1.0
        } else if y < 1.0 {
            let w = y * y;
            let poly = [
                0.000_124_818_987,
                -0.001_075_204_047,
                0.005_198_775_019,
                -0.019_198_292_004,
                0.059_054_035_642,
                -0.151_968_751_364,
                0.319_152_932_694,
                -0.531_923_007_300,
                0.797_884_560_593,
            ]
            .iter()
            .fold(0.0, |acc, &k| acc * w + k);
            poly * y * 2.0
        } else {
            let y = y - 2.0;
            [
                -0.000_045_255_659,
                0.000_152_529_290,
                -0.000_019_538_132,
                -0.000_676_904_986,
                0.001_390_604_284,
                -0.000_794_620_820,
                -0.002_034_254_874,
                0.006_549_791_214,
                -0.010_557_625_006,
                0.011_630_447_319,
                -0.009_279_453_341,
                0.005_353_579_108,
                -0.002_141_268_741,
                0.000_535_310_849,
                0.999_936_657_524,
            ]
            .iter()
            .fold(0.0, |acc, &k| acc * y + k)
        }
    };
    if z > 0.0 {
        (x + 1.0) * 0.5
    } else {
        (1.0 - x) * 0.5
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::chi_square;

    /// The fixtures and, beside each, what `/usr/bin/ent` (Debian 1.2debian-3) printed for it;
    /// the first line of every expected file is the command that made it.
    const FIXTURES: &[(&str, &[u8], [&str; 4])] = &[
        (
            "random.bin",
            include_bytes!("../../tests/fixtures/ent/random.bin"),
            [
                include_str!("../../tests/fixtures/ent/random.bin.ent.txt"),
                include_str!("../../tests/fixtures/ent/random.bin.ent-b.txt"),
                include_str!("../../tests/fixtures/ent/random.bin.ent-t.txt"),
                include_str!("../../tests/fixtures/ent/random.bin.ent-bt.txt"),
            ],
        ),
        (
            "biased.bin",
            include_bytes!("../../tests/fixtures/ent/biased.bin"),
            [
                include_str!("../../tests/fixtures/ent/biased.bin.ent.txt"),
                include_str!("../../tests/fixtures/ent/biased.bin.ent-b.txt"),
                include_str!("../../tests/fixtures/ent/biased.bin.ent-t.txt"),
                include_str!("../../tests/fixtures/ent/biased.bin.ent-bt.txt"),
            ],
        ),
        (
            "english.txt",
            include_bytes!("../../tests/fixtures/ent/english.txt"),
            [
                include_str!("../../tests/fixtures/ent/english.txt.ent.txt"),
                include_str!("../../tests/fixtures/ent/english.txt.ent-b.txt"),
                include_str!("../../tests/fixtures/ent/english.txt.ent-t.txt"),
                include_str!("../../tests/fixtures/ent/english.txt.ent-bt.txt"),
            ],
        ),
    ];

    /// Splits a recorded output into the command line and what the command printed.
    fn recorded(text: &str) -> (&str, &str) {
        text.split_once('\n')
            .expect("a command line, then the output")
    }

    #[test]
    fn reports_match_ent_on_the_fixtures() {
        for (name, data, [plain, bits, _, _]) in FIXTURES {
            for (expected, bit_mode, command) in [
                (plain, false, format!("ent {name}")),
                (bits, true, format!("ent -b {name}")),
            ] {
                let (line, output) = recorded(expected);
                assert_eq!(line, command);
                let ours = render_like_ent(&analyse(data, bit_mode), bit_mode);
                assert_eq!(ours, output, "{command}");
            }
        }
    }

    #[test]
    fn figures_match_ent_terse_output_to_six_decimals() {
        // `ent -t` prints entropy, chi-square, mean, π and the correlation with `%f`, which
        // gives the chi-square and the mean more digits than the report does.
        for (name, data, [_, _, terse, terse_bits]) in FIXTURES {
            for (expected, bit_mode, command) in [
                (terse, false, format!("ent -t {name}")),
                (terse_bits, true, format!("ent -b -t {name}")),
            ] {
                let (line, output) = recorded(expected);
                assert_eq!(line, command);
                let fields: Vec<&str> = output.lines().nth(1).unwrap().split(',').collect();
                let figures = analyse(data, bit_mode);
                let ours = [
                    figures.samples.to_string(),
                    format!("{:.6}", figures.entropy),
                    format!("{:.6}", figures.chi_square.unwrap()),
                    format!("{:.6}", figures.mean.unwrap()),
                    format!("{:.6}", figures.monte_carlo_pi.unwrap()),
                    format!("{:.6}", figures.serial_correlation.unwrap()),
                ];
                assert_eq!(&fields[1..], &ours, "{command}");
            }
        }
    }

    #[test]
    fn figures_do_not_depend_on_how_the_stream_is_cut() {
        for (name, data, _) in FIXTURES {
            for bits in [false, true] {
                let whole = analyse(data, bits);
                for chunk in [1usize, 5, 6, 7, 4096] {
                    let mut state = Ent::new(bits);
                    for piece in data.chunks(chunk) {
                        state.update(piece);
                        state.update(&[]);
                    }
                    assert_eq!(state.finish(), whole, "{name}, bits {bits}, chunk {chunk}");
                }
            }
        }
    }

    /// What `ent FILE` and `ent -b FILE` printed for tiny files (recorded from /usr/bin/ent):
    /// the empty file, "aaaa", "ab", "UUUUUU" and the 256 byte values in order.
    const TINY: &[(&[u8], &str, &str)] = &[
        (
            b"",
            "Entropy = 0.000000 bits per byte.\n\nOptimum compression would reduce the size\n\
             of this 0 byte file by 100 percent.\n\n\
             Chi square distribution for 0 samples is -nan, and randomly\n\
             would exceed this value nan percent of the times.\n\n\
             Arithmetic mean value of data bytes is -nan (127.5 = random).\n\
             Monte Carlo value for Pi is -nan (error nan percent).\n\
             Serial correlation coefficient is undefined (all values equal!).\n",
            "Entropy = 0.000000 bits per bit.\n\nOptimum compression would reduce the size\n\
             of this 0 bit file by 100 percent.\n\n\
             Chi square distribution for 0 samples is -nan, and randomly\n\
             would exceed this value nan percent of the times.\n\n\
             Arithmetic mean value of data bits is -nan (0.5 = random).\n\
             Monte Carlo value for Pi is -nan (error nan percent).\n\
             Serial correlation coefficient is undefined (all values equal!).\n",
        ),
        (
            b"aaaa",
            "Entropy = 0.000000 bits per byte.\n\nOptimum compression would reduce the size\n\
             of this 4 byte file by 100 percent.\n\n\
             Chi square distribution for 4 samples is 1020.00, and randomly\n\
             would exceed this value less than 0.01 percent of the times.\n\n\
             Arithmetic mean value of data bytes is 97.0000 (127.5 = random).\n\
             Monte Carlo value for Pi is -nan (error nan percent).\n\
             Serial correlation coefficient is undefined (all values equal!).\n",
            "Entropy = 0.954434 bits per bit.\n\nOptimum compression would reduce the size\n\
             of this 32 bit file by 4 percent.\n\n\
             Chi square distribution for 32 samples is 2.00, and randomly\n\
             would exceed this value 15.73 percent of the times.\n\n\
             Arithmetic mean value of data bits is 0.3750 (0.5 = random).\n\
             Monte Carlo value for Pi is -nan (error nan percent).\n\
             Serial correlation coefficient is -0.066667 (totally uncorrelated = 0.0).\n",
        ),
        (
            b"ab",
            "Entropy = 1.000000 bits per byte.\n\nOptimum compression would reduce the size\n\
             of this 2 byte file by 87 percent.\n\n\
             Chi square distribution for 2 samples is 254.00, and randomly\n\
             would exceed this value 50.59 percent of the times.\n\n\
             Arithmetic mean value of data bytes is 97.5000 (127.5 = random).\n\
             Monte Carlo value for Pi is -nan (error nan percent).\n\
             Serial correlation coefficient is -1.000000 (totally uncorrelated = 0.0).\n",
            "Entropy = 0.954434 bits per bit.\n\nOptimum compression would reduce the size\n\
             of this 16 bit file by 4 percent.\n\n\
             Chi square distribution for 16 samples is 1.00, and randomly\n\
             would exceed this value 31.73 percent of the times.\n\n\
             Arithmetic mean value of data bits is 0.3750 (0.5 = random).\n\
             Monte Carlo value for Pi is -nan (error nan percent).\n\
             Serial correlation coefficient is -0.066667 (totally uncorrelated = 0.0).\n",
        ),
        (
            b"UUUUUU",
            "Entropy = 0.000000 bits per byte.\n\nOptimum compression would reduce the size\n\
             of this 6 byte file by 100 percent.\n\n\
             Chi square distribution for 6 samples is 1530.00, and randomly\n\
             would exceed this value less than 0.01 percent of the times.\n\n\
             Arithmetic mean value of data bytes is 85.0000 (127.5 = random).\n\
             Monte Carlo value for Pi is 4.000000000 (error 27.32 percent).\n\
             Serial correlation coefficient is undefined (all values equal!).\n",
            "Entropy = 1.000000 bits per bit.\n\nOptimum compression would reduce the size\n\
             of this 48 bit file by 0 percent.\n\n\
             Chi square distribution for 48 samples is 0.00, and randomly\n\
             would exceed this value more than than 99.99 percent of the times.\n\n\
             Arithmetic mean value of data bits is 0.5000 (0.5 = random).\n\
             Monte Carlo value for Pi is 4.000000000 (error 27.32 percent).\n\
             Serial correlation coefficient is -1.000000 (totally uncorrelated = 0.0).\n",
        ),
    ];

    #[test]
    fn tiny_and_degenerate_inputs_match_ent() {
        for (data, plain, bits) in TINY {
            assert_eq!(render_like_ent(&analyse(data, false), false), *plain);
            assert_eq!(render_like_ent(&analyse(data, true), true), *bits);
        }
        // `ent` on the 256 byte values 0, 1, ..., 255 in order.
        let ramp: Vec<u8> = (0..=255).collect();
        let plain = render_like_ent(&analyse(&ramp, false), false);
        assert!(plain.contains(
            "for 256 samples is 0.00, and randomly\n\
             would exceed this value more than than 99.99 percent"
        ));
        assert!(plain.contains("Monte Carlo value for Pi is 2.857142857 (error 9.05 percent)."));
        assert!(plain.contains("Serial correlation coefficient is 0.976654 (totally"));
        let bits = render_like_ent(&analyse(&ramp, true), true);
        assert!(bits.contains("Serial correlation coefficient is 0.000000 (totally"));
    }

    #[test]
    fn no_figure_is_ever_nan() {
        for data in [
            &b""[..],
            b"a",
            b"aaaaaaa",
            b"\xff\xff\xff\xff\xff\xff",
            b"\0",
        ] {
            for bits in [false, true] {
                let f = analyse(data, bits);
                let all = [
                    Some(f.entropy),
                    f.chi_square,
                    f.chi_square_probability,
                    f.chi_square_percent,
                    f.mean,
                    f.monte_carlo_pi,
                    f.monte_carlo_error_percent,
                    f.serial_correlation,
                ];
                assert!(
                    all.iter().flatten().all(|v| v.is_finite()),
                    "{data:?}: {f:?}"
                );
            }
        }
    }

    #[test]
    fn json_has_exactly_the_documented_keys() {
        let figures = analyse(FIXTURES[0].1, false);
        let json = serde_json::to_value(&figures).unwrap();
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut expected = vec![
            "battery",
            "entropy",
            "chi_square",
            "chi_square_percent",
            "mean",
            "monte_carlo_pi",
            "monte_carlo_error_percent",
            "serial_correlation",
        ];
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        expected.sort_unstable();
        assert_eq!(sorted, expected);
        assert_eq!(json["battery"], "ent");
        // Undefined figures are null, never NaN (which JSON cannot carry).
        let empty = serde_json::to_value(analyse(b"", false)).unwrap();
        assert!(empty["mean"].is_null() && empty["serial_correlation"].is_null());
        assert_eq!(empty["entropy"], 0.0);
    }

    #[test]
    fn ent_chi_square_probability_follows_the_exact_tail() {
        // mpmath 1.3 at 30 digits, gammainc(mpf(255)/2, mpf(x)/2, inf, regularized=True):
        //   x = 200: 0.995425444541951895268653400299
        //   x = 255: 0.488222521770406343367402380913
        //   x = 270.702315: 0.238570772127995384460721620038 (random.bin; ent prints 23.86)
        //   x = 300: 0.0277275220539048298889927257425
        //   x = 400: 0.0000000166000252441245176601504296317
        // For 255 degrees of freedom ENT's series is exact but for the terms it drops (those
        // below e^−20 ≈ 2e−9) and rounding: its six-digit normal polynomial is saturated
        // (sqrt(x) >= 6) here.
        for (x, exact) in [
            (200.0, 0.995_425_444_541_951_9),
            (255.0, 0.488_222_521_770_406_3),
            (270.702_315, 0.238_570_772_127_995_4),
            (300.0, 0.027_727_522_053_904_83),
            (400.0, 1.660_002_524_412_451_8e-8),
        ] {
            let ent = ent_chi_square_probability(x, 255);
            assert!((ent - exact).abs() < 1e-8, "x = {x}: {ent}");
            assert!((chi_square::upper_tail(x, 255.0) / exact - 1.0).abs() < 1e-10);
        }
        // One degree of freedom goes through `poz`, good to about 1e-7 here: mpmath
        // erfc(sqrt(1/2)) = 0.317310507862914102829534908736, erfc(1) = 0.157299207050285...
        assert!((ent_chi_square_probability(1.0, 1) - 0.317_310_507_862_914_1).abs() < 1e-6);
        assert!((ent_chi_square_probability(2.0, 1) - 0.157_299_207_050_285_1).abs() < 1e-6);
        assert_eq!(ent_chi_square_probability(0.0, 255), 1.0);
        // ENT's own boundaries of `poz`: 0 at z = 0 gives one half; |z| >= 6 saturates.
        assert_eq!(ent_normal_probability(0.0), 0.5);
        assert_eq!(ent_normal_probability(-7.0), 0.0);
        assert_eq!(ent_normal_probability(7.0), 1.0);
    }

    #[test]
    fn monte_carlo_uses_whole_six_byte_groups_and_the_inclusive_radius() {
        // Hand computation: (0xFFFFFF, 0) lies exactly on the radius 256³ − 1, so it is
        // inside (ENT compares with <=); (0xFFFFFF, 1) is outside. One trailing byte is unused.
        let figures = analyse(
            &[0xFF, 0xFF, 0xFF, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0, 0, 1, 7],
            false,
        );
        assert_eq!(figures.monte_carlo_pi, Some(2.0));
    }
}
