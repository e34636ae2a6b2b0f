//! Gaps between repeats of 16-bit values, in the stream's 16-bit words and in its low-bit lanes
//! (PractRand's `Gap-16` idea; this is a statistic of its own, not a port).
//!
//! What the test sees: four lanes of 16-bit values ([`super::bit_lanes`]): the stream's 16-bit
//! words, and the streams of the low bit of every byte, of every 16-bit word and of every 32-bit
//! word, packed 16 bits to a value; for speed, the words of the stream's first [`RAW_LIMIT`] =
//! 4 MiB and the low bits of its first [`LOW_LIMIT`] = 64 MiB only (by absolute position, so
//! merges stay exact). At each position i of a lane (i values before it) it finds the gap G_i = i − j to the
//! latest j < i holding the same value, or notes that the value has not occurred yet (G_i > i,
//! *censored*), and counts G_i in a histogram of [`BINS`] bins of equal width w plus one top
//! cell for G_i > [`BINS`]·w and for censored positions.
//!
//! Why it catches power-of-two LCGs: bit k of such a generator's state has period 2^{k+1}, so
//! the low bit of java.util.Random's outputs (state bit 16) repeats every 2^17 outputs: its lane
//! of one bit per 32-bit word repeats every 8192 values, from then on every gap is at most 8192,
//! where random values have gaps of mean 65,536. The top bits of an LCG's outputs are fine, and
//! the whole word dilutes the low bits among them: the low-bit lanes isolate them.
//!
//! The law, and where it is not known: for independent uniform values, G_i is exactly
//! geometric, P(G_i = g) = p(1 − p)^{g−1} with p = 2^{−16}, for g ≤ i, and P(G_i > i) =
//! (1 − p)^i (the position's value did not occur among the i before it); so every cell's
//! expected count at n positions is an exact sum (`expected`). The cells are not a multinomial
//! sample, though: the gaps of different positions overlap and are dependent (one value's gaps
//! add up to the distance between its first and last occurrence), so Pearson's χ² over the
//! cells is not χ²-distributed and its law has no closed form that we know of. It is therefore
//! calibrated: `assets/calibration/gap16.csv` holds the mean and variance of the χ² of a lane of
//! n values of ChaCha20 output, over 2000 fixed seeds, at the lane lengths listed there (the
//! command that writes it is in its header), and the p-value is that of a scaled χ², a·χ²(ν),
//! with the same mean and variance (Satterthwaite 1946, "An approximate distribution of
//! estimates of variance components"): a = var / (2·mean), ν = 2·mean² / var. Between two
//! calibrated lengths of the same bin layout, mean and variance are interpolated linearly in
//! log₂ n; past the last one (2^24 values) the last row holds, as the χ² of a stationary
//! sequence of cells tends to one law as n grows (the rows from 2^20 on agree within their
//! sampling error). The tails beyond 1/2000 are the scaled χ²'s extrapolation, not measured.
//!
//! The bins: with n values in [2^j, 2^{j+1}) the width is w = 2^{j−5} for 13 ≤ j ≤ 16 (16 bins
//! up to half the shortest length of the layout, each with tens of expected counts or more)
//! and w = 4096 (bins up to 65,536) from j = 17 on; so the layout, and the law, depend on n
//! only. A lane is measured from 2^13 values on; below that it is skipped with the length it
//! needs.
//!
//! Outcomes: one per lane, labelled with it: the calibrated p-value of its χ², with the lane's
//! values and the calibrated mean as figures. A lane skipped (too short, or the stream's words
//! past [`RAW_LIMIT`]) says so.
//!
//! State and merging: per lane, the histogram of gaps found, the number of positions, and two
//! tables of 65,536 positions: each value's last occurrence, and its first occurrence in the
//! segment (whose gap reaches into the segment before). Merging adds the histograms, finds the
//! gaps of next's first occurrences from this segment's last ones (censored if this segment
//! never saw the value either), and takes next's last occurrences where it has them; so a
//! merge is exactly one pass. Segments start at multiples of 64 bytes (the alignment), where
//! every lane starts a whole value. The tables are saved as decimal text.

use super::bit_lanes::{self, GROUP, LANES};
use super::chunk::whole_units;
use super::state::{Segment, Segmented};
use super::{needs_bytes, Chunk, Outcome, Setup, Test};

/// The `gap16` test's entry in the deep battery.
pub const TEST: Test = Test {
    name: "gap16",
    summary: "gaps between repeats of 16-bit values in 16-bit words and in the low bit of bytes/16/32-bit words (power-of-two LCG low bits)",
    reference: "PractRand Gap-16 (idea); exact geometric marginals; law of the chi-square calibrated on ChaCha20 (assets/calibration/gap16.csv)",
    params: &[],
    applies_to: needs_bytes,
    start: |setup| Segmented::start(setup, Gap16::new),
    restore: Segmented::<Gap16>::restore,
};

/// The stream's 16-bit words are read from its first 4 MiB only (2^21 values): a random access
/// per value costs about as much as the rest of the test, and the low-bit lanes see the long
/// streams.
pub const RAW_LIMIT: u64 = 4 << 20;

/// The low-bit lanes are read from the stream's first 64 MiB (2^22 values of the low bit of
/// bytes, 2^20 of the low bit of 32-bit words): past that, the test costs more than it is likely
/// to find, and the lanes' positions stay far below 2^32 (the tables hold 32-bit positions).
pub const LOW_LIMIT: u64 = 64 << 20;

/// Bins of gaps below the top cell.
pub const BINS: usize = 16;

/// The fewest values a lane is measured at: 2^13.
pub const MIN_VALUES: u64 = 1 << MIN_LOG;
const MIN_LOG: u32 = 13;
/// From 2^17 values on the bins are 4096 wide and reach 65,536 (p = 2^{−16}: a gap's mean).
const FIXED_LOG: u32 = 17;

const VALUES: usize = 1 << 16;

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Gap16 {
    /// Stream bytes before the segment (a multiple of [`GROUP`]).
    start: u64,
    /// The bytes of an unfinished group.
    pending: Vec<u8>,
    /// Groups handled.
    groups: u64,
    lanes: Vec<GapLane>,
    /// The word size `--word` narrowed the test to, if any: the other lanes are not read.
    #[serde(default)]
    word: Option<u32>,
    /// Values of the three low-bit lanes not fed to their lanes yet (see [`Gap16::flush`]).
    #[serde(default)]
    queued: [Vec<u16>; 3],
}

/// The low-bit lanes' values are fed to their tables in batches of up to this many values of
/// the low bit of bytes (1 MiB of stream), and at every power of two and multiple of
/// [`FLUSH_BYTES`] of the stream. Why: a 64 KiB chunk gives only 4,096 values to a lane whose
/// table of last positions is 256 KiB, and the other tests' work on the chunk evicts the table
/// from the cache between chunks, so fed chunk by chunk nearly every value missed the cache.
const FLUSH_VALUES: usize = 1 << 16;
/// See [`FLUSH_VALUES`].
const FLUSH_BYTES: u64 = 1 << 20;

/// The word size each lane reads, in the order of [`LANES`] (for `--word`): the stream's
/// 16-bit words, the low bit of bytes, of 16-bit words, of 32-bit words.
const LANE_WORD_BITS: [u32; 4] = [16, 8, 16, 32];

/// One lane of one segment.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct GapLane {
    /// Positions seen.
    n: u64,
    /// Per value: 1 + its last position in the segment, 0 when it has not occurred.
    #[serde(with = "table_text")]
    last: Vec<u32>,
    /// Per value: 1 + its first position in the segment, 0 when it has not occurred; its gap
    /// is not counted yet (it reaches into the segment before).
    #[serde(with = "table_text")]
    first: Vec<u32>,
    /// Gaps found, in cells of [`CELL`]: cell k holds the gaps g with (g − 1) >> 8 == k, for
    /// g ≤ 65,536, and the last cell the longer ones. Every layout's bins are unions of cells.
    cells: Vec<u64>,
}

/// The width of a cell of gaps: the narrowest layout's bin (2^{13−5}).
const CELL: u64 = 256;
/// Cells of gaps up to 65,536, and one for the longer ones.
const CELLS: usize = (VALUES as u64 / CELL) as usize + 1;

/// The cell of a gap. Without branches: about a third of all gaps lie beyond the last bin
/// (P(G > 65,536) = e^−1), so a branch to the top cell is mispredicted on a third of the values.
#[inline(always)]
fn cell_of(gap: u64) -> usize {
    std::hint::select_unpredictable(gap <= VALUES as u64, ((gap - 1) >> 8) as usize, CELLS - 1)
}

impl GapLane {
    pub(crate) fn new() -> Self {
        GapLane {
            n: 0,
            last: vec![0; VALUES],
            first: vec![0; VALUES],
            cells: vec![0; CELLS],
        }
    }

    /// Reads the next values of the lane.
    #[inline]
    pub(crate) fn feed(&mut self, values: &[u16]) {
        let (last, first, cells) = (&mut self.last[..], &mut self.first[..], &mut self.cells[..]);
        let cells: &mut [u64; CELLS] = cells.try_into().expect("cells");
        let last: &mut [u32; VALUES] = last.try_into().expect("a table");
        // Positions fit 32 bits: the lanes stop at LOW_LIMIT, RAW_LIMIT (2^22 values at most),
        // and the calibration's 2^24.
        debug_assert!(self.n + values.len() as u64 <= u64::from(u32::MAX));
        let mut n = self.n as u32;
        for &value in values {
            let v = usize::from(value);
            n += 1;
            let prev = last[v];
            last[v] = n;
            if prev == 0 {
                first[v] = n;
            } else {
                cells[cell_of(u64::from(n - prev))] += 1;
            }
        }
        self.n = u64::from(n);
    }

    /// Takes in the lane of the segment that follows.
    fn absorb(&mut self, next: &GapLane) {
        if next.n == 0 {
            // Nothing seen (a segment past the lanes' limits): no occurrences, no gaps.
            return;
        }
        let own = self.n as u32;
        for v in 0..VALUES {
            let first = next.first[v];
            if first != 0 {
                if self.last[v] != 0 {
                    self.cells[cell_of(u64::from(own + first - self.last[v]))] += 1;
                } else {
                    self.first[v] = own + first;
                }
            }
            if next.last[v] != 0 {
                self.last[v] = own + next.last[v];
            }
        }
        for (mine, theirs) in self.cells.iter_mut().zip(&next.cells) {
            *mine += theirs;
        }
        self.n += next.n;
    }

    /// The counts of the layout for this lane's length: [`BINS`] bins and the top cell (gaps
    /// beyond the bins, and the censored positions: values whose first occurrence has no gap).
    pub(crate) fn cells(&self) -> Option<(u64, Vec<u64>)> {
        let width = width(self.n)?;
        let mut cells = vec![0u64; BINS + 1];
        let censored = self.first.iter().filter(|&&f| f != 0).count() as u64;
        let per_bin = (width / CELL) as usize;
        for (k, cell) in cells.iter_mut().take(BINS).enumerate() {
            *cell = self.cells[k * per_bin..(k + 1) * per_bin].iter().sum();
        }
        let counted: u64 = cells.iter().sum();
        cells[BINS] = self.n - counted;
        debug_assert_eq!(
            self.cells.iter().sum::<u64>() + censored,
            self.n,
            "every position has a gap or is censored"
        );
        Some((width, cells))
    }
}

/// The bin width at n values, `None` below [`MIN_VALUES`].
fn width(n: u64) -> Option<u64> {
    if n < MIN_VALUES {
        return None;
    }
    let j = n.ilog2();
    Some(if j >= FIXED_LOG { 4096 } else { 1 << (j - 5) })
}

/// The expected count of gaps in a..=b over n positions of independent uniform 16-bit values:
/// Σ_{i<n} P(a ≤ G_i ≤ min(b, i)), with P(a ≤ G ≤ c) = q^{a−1} − q^c, q = 1 − 2^{−16}. Positions
/// a ≤ i < b reach part of the bin, the later ones all of it:
/// (m − a)·q^{a−1} − (q^a − q^m)/(1 − q) + (n − b)⁺·(q^{a−1} − q^b), m = min(max(n, a), b).
pub(crate) fn expected(a: u64, b: u64, n: u64) -> f64 {
    let p = (-16.0f64).exp2();
    let ln_q = (-p).ln_1p();
    let pow = |x: u64| (x as f64 * ln_q).exp();
    let m = n.clamp(a, b);
    let partial = (m - a) as f64 * pow(a - 1) - pow(a) * -((m - a) as f64 * ln_q).exp_m1() / p;
    let whole = n.saturating_sub(b) as f64 * (pow(a - 1) - pow(b));
    partial + whole
}

/// Pearson's χ² of a lane's cells at n positions, the top cell's expectation the rest of n.
pub(crate) fn chi_square(width: u64, cells: &[u64], n: u64) -> f64 {
    let mut total_expected = 0.0;
    let mut chi2 = 0.0;
    for (k, &count) in cells.iter().take(BINS).enumerate() {
        let e = expected(k as u64 * width + 1, (k as u64 + 1) * width, n);
        total_expected += e;
        chi2 += (count as f64 - e).powi(2) / e;
    }
    let e = n as f64 - total_expected;
    chi2 + (cells[BINS] as f64 - e).powi(2) / e
}

/// One row of the calibration table: the χ²'s mean and variance at `n` values.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Row {
    n: u64,
    mean: f64,
    var: f64,
}

/// The committed calibration table ([`write_calibration`](tests) writes it).
const CALIBRATION: &str = include_str!("../../assets/calibration/gap16.csv");

/// The table in the registry of calibrated laws ([`super::CALIBRATION_TABLES`]).
pub const CALIBRATION_TABLE: super::CalibrationTable = super::CalibrationTable {
    test: "gap16",
    path: "assets/calibration/gap16.csv",
    text: CALIBRATION,
};

/// The table's rows, in order of n; lines starting with `#` are its header.
fn rows() -> &'static [Row] {
    static ROWS: std::sync::OnceLock<Vec<Row>> = std::sync::OnceLock::new();
    ROWS.get_or_init(|| parse_rows(CALIBRATION))
}

fn parse_rows(text: &str) -> Vec<Row> {
    let mut rows: Vec<Row> = text
        .lines()
        .filter(|line| !line.starts_with('#') && !line.starts_with("n,") && !line.is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            let number = |k: usize| -> f64 {
                fields
                    .get(k)
                    .and_then(|f| f.trim().parse().ok())
                    .unwrap_or_else(|| panic!("assets/calibration/gap16.csv: bad line {line:?}"))
            };
            Row {
                n: number(0) as u64,
                mean: number(1),
                var: number(2),
            }
        })
        .collect();
    rows.sort_by_key(|row| row.n);
    rows
}

/// The calibrated mean and variance at n values: interpolated in log₂ n between the rows of
/// the same layout around it, the nearest row of its layout at either end.
fn calibrated(rows: &[Row], n: u64) -> Option<(f64, f64)> {
    let layout = |m: u64| width(m);
    let same: Vec<&Row> = rows.iter().filter(|r| layout(r.n) == layout(n)).collect();
    let below = same.iter().rev().find(|r| r.n <= n);
    let above = same.iter().find(|r| r.n >= n);
    match (below, above) {
        (Some(lo), Some(hi)) if hi.n > lo.n => {
            let t = ((n as f64).log2() - (lo.n as f64).log2())
                / ((hi.n as f64).log2() - (lo.n as f64).log2());
            Some((
                lo.mean + t * (hi.mean - lo.mean),
                lo.var + t * (hi.var - lo.var),
            ))
        }
        (Some(row), _) | (None, Some(row)) => Some((row.mean, row.var)),
        (None, None) => None,
    }
}

/// P(a·χ²(ν) > x) for the scaled χ² with the given mean and variance.
fn scaled_upper_tail(x: f64, mean: f64, var: f64) -> f64 {
    let a = var / (2.0 * mean);
    let nu = 2.0 * mean * mean / var;
    crate::stats::chi_square::upper_tail(x / a, nu)
}

impl Gap16 {
    fn new(setup: &Setup) -> Self {
        Gap16 {
            start: setup.offset,
            pending: Vec::new(),
            groups: 0,
            lanes: (0..LANES.len()).map(|_| GapLane::new()).collect(),
            word: setup.params.word_bits(),
            queued: Default::default(),
        }
    }

    /// Feeds the queued values of the low-bit lanes to their lanes, in order: the same tables
    /// and cells as feeding them as they came.
    fn flush(&mut self) {
        for (lane, queue) in self.lanes[1..].iter_mut().zip(&mut self.queued) {
            if !queue.is_empty() {
                lane.feed(queue);
                queue.clear();
            }
        }
    }

    fn has_queued(&self) -> bool {
        self.queued.iter().any(|queue| !queue.is_empty())
    }

    /// Which lanes are read: all, unless `--word` narrowed the test to one word size.
    fn tried(&self) -> [bool; 4] {
        LANE_WORD_BITS.map(|bits| self.word.is_none_or(|only| only == bits))
    }

    fn groups(&mut self, bytes: &[u8]) {
        let groups = (bytes.len() / GROUP) as u64;
        let first = self.start + self.groups * GROUP as u64;
        // The stream's words only before RAW_LIMIT.
        let tried = self.tried();
        let raw_bytes = RAW_LIMIT.saturating_sub(first).min(bytes.len() as u64) as usize;
        if raw_bytes > 0 && tried[0] {
            let words: Vec<u16> = bytes[..raw_bytes]
                .chunks_exact(2)
                .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
                .collect();
            self.lanes[0].feed(&words);
        }
        // The low-bit lanes only before LOW_LIMIT.
        let low_bytes = LOW_LIMIT.saturating_sub(first).min(bytes.len() as u64) as usize;
        if low_bytes > 0 && tried[1..].contains(&true) {
            let [low8, low16, low32] = &mut self.queued;
            bit_lanes::low_lanes(&bytes[..low_bytes], low8, low16, low32);
            for (queue, &tried) in self.queued.iter_mut().zip(&tried[1..]) {
                if !tried {
                    queue.clear();
                }
            }
        }
        self.groups += groups;
        let position = self.start + self.groups * GROUP as u64;
        if self.queued[0].len() >= FLUSH_VALUES
            || position.is_power_of_two()
            || position.is_multiple_of(FLUSH_BYTES)
        {
            self.flush();
        }
    }
}

impl Segment for Gap16 {
    const NAME: &'static str = "gap16";
    const VERSION: u32 = 1;

    fn alignment(&self) -> u64 {
        GROUP as u64
    }

    fn update(&mut self, chunk: &Chunk<'_>) {
        let mut pending = std::mem::take(&mut self.pending);
        whole_units(&mut pending, chunk.symbols(), GROUP, |bytes| {
            self.groups(bytes)
        });
        self.pending = pending;
    }

    fn outcomes(mut self) -> Vec<Outcome> {
        self.flush();
        self.snapshot_outcomes()
    }

    /// Reads the gap cells and the lanes' first occurrences: no copy of the tables of last
    /// positions (values are queued only between checkpoints, so a look at a checkpoint finds
    /// none; a look elsewhere copies the lanes to feed them).
    fn snapshot_outcomes(&self) -> Vec<Outcome> {
        if self.has_queued() {
            let mut flushed = self.clone();
            flushed.flush();
            return flushed.snapshot_outcomes();
        }
        let tried = self.tried();
        let mut params = super::Params::default();
        if let Some(bits) = self.word {
            // The size came from a Setup's params, so it is one of the allowed ones.
            let _ = params.set_word_bits(bits);
        }
        self.lanes
            .iter()
            .zip(LANES)
            .enumerate()
            .map(|(index, (lane, (label, per_group)))| {
                if !tried[index] {
                    return super::word_not_tried(TEST.name, label, LANE_WORD_BITS[index], &params);
                }
                let Some((width, cells)) = lane.cells() else {
                    let needs = MIN_VALUES.div_ceil(per_group as u64) * GROUP as u64;
                    let reason = if index == 0 && needs > RAW_LIMIT.saturating_sub(self.start) {
                        format!(
                            "reads the stream's 16-bit words in its first {RAW_LIMIT} bytes only"
                        )
                    } else {
                        format!("needs {needs} bytes for {MIN_VALUES} values of the lane")
                    };
                    return Outcome::skipped(TEST.name, reason).with_label(label);
                };
                let chi2 = chi_square(width, &cells, lane.n);
                let Some((mean, var)) = calibrated(rows(), lane.n) else {
                    return Outcome::skipped(TEST.name, "no calibration for this length")
                        .with_label(label);
                };
                Outcome::measured(TEST.name, chi2, scaled_upper_tail(chi2, mean, var))
                    .with_figure("values", lane.n as f64)
                    .with_figure("bin_width", width as f64)
                    .with_figure("calibrated_mean", mean)
                    .with_label(label)
            })
            .collect()
    }

    fn absorb(&mut self, mut next: Self) {
        debug_assert!(self.pending.is_empty());
        self.flush();
        next.flush();
        for (mine, theirs) in self.lanes.iter_mut().zip(&next.lanes) {
            mine.absorb(theirs);
        }
        self.groups += next.groups;
        self.pending = next.pending;
    }
}

/// Serde for a table of positions as one decimal text, comma-separated: far smaller than a
/// JSON array of 65,536 numbers held as a `serde_json::Value`.
mod table_text {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        table: &[u32],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let mut text = String::with_capacity(table.len() * 2);
        for (k, value) in table.iter().enumerate() {
            if k > 0 {
                text.push(',');
            }
            text.push_str(&value.to_string());
        }
        serializer.serialize_str(&text)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<u32>, D::Error> {
        let text = String::deserialize(deserializer)?;
        let table = text
            .split(',')
            .map(|field| field.parse().map_err(D::Error::custom))
            .collect::<Result<Vec<u32>, _>>()?;
        if table.len() != super::VALUES {
            return Err(D::Error::custom("a table of positions has 65536 entries"));
        }
        Ok(table)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::battery::{run_chunked, TestState};
    use crate::source::{weak, SymbolStream};
    use rand::{Rng, RngExt, SeedableRng};

    /// The cells of gaps at the edges of the bins: 256 gaps a cell, everything beyond 65,536
    /// in the last.
    #[test]
    fn cells_of_gaps_at_their_edges() {
        let cases = [
            (1u64, 0usize),
            (256, 0),
            (257, 1),
            (65_280, 254),
            (65_281, 255),
            (65_536, 255),
            (65_537, 256),
            (65_793, 256),
            (1 << 31, 256),
            (u64::from(u32::MAX), 256),
        ];
        for (gap, cell) in cases {
            assert_eq!(cell_of(gap), cell, "gap {gap}");
        }
    }

    /// The expected counts against their definition summed position by position, and against
    /// mpmath 1.3 (30 digits):
    /// `fsum(q**(a-1) - q**min(b, i) for i in range(a, n))` with q = 1 - mpf(2)**-16.
    #[test]
    fn expected_counts_known_answer() {
        let q = 1.0 - (-16.0f64).exp2();
        for (a, b, n) in [
            (1u64, 256, 8192),
            (257, 512, 300),
            (4097, 8192, 100_000),
            (1, 4096, 4000),
        ] {
            let brute: f64 = (a..n)
                .map(|i| q.powi(a as i32 - 1) - q.powi(b.min(i) as i32))
                .sum();
            let formula = expected(a, b, n);
            assert!(
                (formula - brute).abs() < 1e-9 * brute.max(1.0),
                "{a} {b} {n}"
            );
        }
        // mpmath: a = 1, b = 256, n = 8192 → 31.4371715400718083...;
        // a = 4097, b = 8192, n = 100000 → 5343.14577453978075...
        assert!((expected(1, 256, 8192) / 31.437_171_540_071_81 - 1.0).abs() < 1e-12);
        assert!((expected(4097, 8192, 100_000) / 5_343.145_774_539_781 - 1.0).abs() < 1e-12);
    }

    /// The scaled χ²'s tail against mpmath 1.3 (30 digits):
    /// a = var/(2 mean), ν = 2 mean²/var, `gammainc(nu/2, x/(2a), inf, regularized=True)`.
    #[test]
    fn scaled_tail_known_answer() {
        // mean 16, var 32: the χ²(16) itself; x = 32 → 0.00999978095310479...
        assert!(
            (scaled_upper_tail(32.0, 16.0, 32.0) / 0.009_999_780_953_104_79 - 1.0).abs() < 1e-10
        );
        // mean 15.5, var 36: a = 36/31, ν = 13.347...; x = 40 → 0.00124970187190654...
        assert!(
            (scaled_upper_tail(40.0, 15.5, 36.0) / 0.001_249_701_871_906_537_9 - 1.0).abs() < 1e-9
        );
    }

    /// Gaps by their definition, position by position, into the same cells.
    fn reference(values: &[u16]) -> Vec<u64> {
        let mut cells = vec![0u64; CELLS];
        for i in 0..values.len() {
            if let Some(j) = (0..i).rev().find(|&j| values[j] == values[i]) {
                let gap = (i - j) as u64;
                cells[(((gap - 1) / 256) as usize).min(256)] += 1;
            }
        }
        cells
    }

    #[test]
    fn gaps_match_the_reference() {
        // Values from a small range, so gaps of every size occur.
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(2);
        let values: Vec<u16> = (0..30_000)
            .map(|_| rng.random_range(0..5000u16) * 13)
            .collect();
        let mut lane = GapLane::new();
        for piece in values.chunks(999) {
            lane.feed(piece);
        }
        assert_eq!(lane.cells, reference(&values));
        // Split anywhere and absorbed: the same lane.
        for cut in [0usize, 1, 7000, 29_999] {
            let (mut a, mut b) = (GapLane::new(), GapLane::new());
            a.feed(&values[..cut]);
            b.feed(&values[cut..]);
            a.absorb(&b);
            assert_eq!(a.cells, lane.cells);
            assert_eq!(a.last, lane.last);
            assert_eq!(a.first, lane.first);
        }
    }

    /// The layouts: 16 bins of 2^{j−5} from 2^13 values, 4096 from 2^17; hand-counted cells.
    #[test]
    fn layouts_and_cells() {
        assert_eq!(width(8191), None);
        assert_eq!(width(8192), Some(256));
        assert_eq!(width(65_535), Some(1024));
        assert_eq!(width(65_536), Some(2048));
        assert_eq!(width(1 << 17), Some(4096));
        assert_eq!(width(1 << 30), Some(4096));
        // 8192 values of a period-4 sequence: 4 censored, every other gap 4 (bin 0).
        let values: Vec<u16> = (0..8192).map(|i| (i % 4) as u16).collect();
        let mut lane = GapLane::new();
        lane.feed(&values);
        let (w, cells) = lane.cells().expect("measured");
        assert_eq!(w, 256);
        assert_eq!(cells[0], 8188);
        assert_eq!(cells[BINS], 4);
        assert_eq!(cells.iter().sum::<u64>(), 8192);
    }

    /// Interpolation in log₂ n within a layout, the nearest row at the ends.
    #[test]
    fn calibration_lookup() {
        let rows = parse_rows("# header\nn,mean,var\n131072,16,32\n524288,18,40\n8192,10,20\n");
        assert_eq!(calibrated(&rows, 262_144), Some((17.0, 36.0)));
        assert_eq!(calibrated(&rows, 1 << 30), Some((18.0, 40.0)));
        assert_eq!(calibrated(&rows, 9000), Some((10.0, 20.0)));
        assert_eq!(calibrated(&rows, 20_000), None);
        // The committed table covers every layout from 2^13 on.
        for j in MIN_LOG..30 {
            assert!(calibrated(rows_committed(), 1 << j).is_some(), "2^{j}");
        }
    }

    fn rows_committed() -> &'static [Row] {
        rows()
    }

    fn stream_bytes(mut stream: Box<dyn SymbolStream>, len: usize) -> Vec<u8> {
        let mut data = vec![0u8; len];
        let mut at = 0;
        while at < len {
            at += stream.fill(&mut data[at..]).expect("a generator fills");
        }
        data
    }

    fn chacha_bytes(seed: u64, len: usize) -> Vec<u8> {
        let mut data = vec![0u8; len];
        rand_chacha::ChaCha20Rng::seed_from_u64(seed).fill_bytes(&mut data);
        data
    }

    fn p_of(outcomes: &[Outcome], label: &str) -> f64 {
        outcomes
            .iter()
            .find(|o| o.label == label)
            .and_then(Outcome::p_value)
            .unwrap_or_else(|| panic!("{label} measured: {outcomes:?}"))
    }

    /// java.util.Random fails on the low bit of its words at 1 MiB (PractRand: 512 KiB);
    /// ChaCha20 passes every lane.
    #[test]
    fn java_random_fails_and_chacha20_passes() {
        let java = run_chunked(
            &TEST,
            256,
            &stream_bytes(weak::java_random(42), 1 << 20),
            4096,
        );
        assert!(p_of(&java, "low bit of 32-bit words") < 1e-20, "{java:?}");
        let chacha = run_chunked(&TEST, 256, &chacha_bytes(20, 4 << 20), 65_536);
        for (label, _) in LANES {
            assert!(p_of(&chacha, label) > 1e-3, "{chacha:?}");
        }
    }

    #[test]
    fn short_streams_are_skipped() {
        let outcomes = run_chunked(&TEST, 256, &chacha_bytes(1, 100_000), 1000);
        assert!(outcomes[0].result.is_ok());
        assert_eq!(
            outcomes[3].result,
            Err("needs 524288 bytes for 8192 values of the lane".into())
        );
    }

    fn started(offset: u64, length: u64) -> Box<dyn TestState> {
        let setup = Setup {
            offset,
            ..Setup::new(256, Some(length))
        };
        Segmented::start(&setup, Gap16::new)
    }

    /// Segments across RAW_LIMIT merged equal one pass (the registry-wide test's streams are
    /// far shorter than the limit): the words' lane stops at the same absolute position.
    #[test]
    fn merges_across_the_raw_limit() {
        let data = chacha_bytes(9, 1 << 20);
        let base = RAW_LIMIT - (1 << 19) + 3;
        let length = base + data.len() as u64;
        let whole = {
            let mut state = started(base, length);
            state.update(&data);
            crate::battery::exact(&state.finish())
        };
        let mut a = started(base, length);
        a.update(&data[..300_001]);
        let mut b = started(base + 300_001, length);
        b.update(&data[300_001..]);
        a.merge(b).expect("merges");
        assert_eq!(crate::battery::exact(&a.finish()), whole);
    }

    /// Writes `assets/calibration/gap16.csv`: the mean and variance of one lane's χ² over 2000
    /// ChaCha20 seeds at the lengths the layouts need (two per layout below 2^17, each power of
    /// two from 2^17 to 2^24). `cargo test --release --lib battery::gap16::tests::write_calibration
    /// -- --ignored --nocapture` (GAP16_SEEDS overrides 2000; GAP16_OUT the path).
    #[test]
    #[ignore]
    fn write_calibration() {
        let seeds: u64 = std::env::var("GAP16_SEEDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(2000);
        let out = std::env::var("GAP16_OUT")
            .unwrap_or_else(|_| "assets/calibration/gap16.csv".to_string());
        let mut lengths: Vec<u64> = Vec::new();
        for j in MIN_LOG..FIXED_LOG {
            lengths.extend([1u64 << j, (1u64 << (j + 1)) - 1]);
        }
        lengths.extend((FIXED_LOG..=24).map(|j| 1u64 << j));
        let mut sums = vec![(0.0f64, 0.0f64); lengths.len()];
        for seed in 1..=seeds {
            let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
            let mut lane = GapLane::new();
            let mut buffer = vec![0u8; 1 << 16];
            let (mut values, mut used) = (Vec::<u16>::new(), 0usize);
            for (k, &n) in lengths.iter().enumerate() {
                while lane.n < n {
                    if used == values.len() {
                        rng.fill_bytes(&mut buffer);
                        values = buffer
                            .chunks_exact(2)
                            .map(|p| u16::from_le_bytes([p[0], p[1]]))
                            .collect();
                        used = 0;
                    }
                    let take = ((n - lane.n) as usize).min(values.len() - used);
                    lane.feed(&values[used..used + take]);
                    used += take;
                }
                let (w, cells) = lane.cells().expect("measured");
                let chi2 = chi_square(w, &cells, n);
                sums[k].0 += chi2;
                sums[k].1 += chi2 * chi2;
            }
        }
        let mut text = format!(
            "# gap16 calibration: mean and variance of the chi-square of one lane of n 16-bit values\n\
             # of ChaCha20 (rand_chacha ChaCha20Rng::seed_from_u64(seed), seeds 1..={seeds}, bytes as\n\
             # little-endian pairs), written by rngaudit {} on {} with\n\
             # cargo test --release --lib battery::gap16::tests::write_calibration -- --ignored\n\
             n,mean,var\n",
            env!("CARGO_PKG_VERSION"),
            std::env::var("GAP16_DATE").unwrap_or_else(|_| "(date not given)".into()),
        );
        for (&n, &(sum, squares)) in lengths.iter().zip(&sums) {
            let mean = sum / seeds as f64;
            let var = (squares - seeds as f64 * mean * mean) / (seeds as f64 - 1.0);
            text.push_str(&format!("{n},{mean:.6},{var:.6}\n"));
        }
        print!("{text}");
        std::fs::write(&out, text).expect("writes the table");
    }

    /// Rejection rate at 1% over seeds: `cargo test --release --lib
    /// gap16::tests::chacha20_rejection_rate -- --ignored --nocapture` (GAP_SEEDS, GAP_BYTES).
    #[test]
    #[ignore]
    fn chacha20_rejection_rate() {
        let seeds: u64 = std::env::var("GAP_SEEDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(200);
        let bytes: usize = std::env::var("GAP_BYTES")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(1 << 20);
        let mut rejected = [0u32; 4];
        for seed in 0..seeds {
            let outcomes = run_chunked(&TEST, 256, &chacha_bytes(5000 + seed, bytes), 1 << 16);
            for (count, outcome) in rejected.iter_mut().zip(&outcomes) {
                if outcome.p_value().is_some_and(|p| p < 0.01) {
                    *count += 1;
                }
            }
        }
        println!("{seeds} seeds of {bytes} bytes: rejected at 1% per lane {rejected:?}");
    }

    /// `--word 32` leaves only the lanes of 32-bit words measured; the others say why they were
    /// left out, and the measured lanes equal those of a run over every lane (segments cut
    /// and merged included).
    #[test]
    fn word_32_measures_only_32_bit_lanes() {
        let mut data = vec![0u8; 1 << 20];
        rand_chacha::ChaCha20Rng::seed_from_u64(21).fill_bytes(&mut data);
        let mut setup = Setup::new(256, None);
        setup.params.set_word_bits(32).expect("a word size");
        let cut = 4096 * 3;
        let mut first = (TEST.start)(&setup);
        first.update(&data[..cut]);
        let mut second = (TEST.start)(&Setup {
            offset: cut as u64,
            ..setup.clone()
        });
        second.update(&data[cut..]);
        first.merge(second).expect("consecutive segments merge");
        let narrowed = first.finish();
        let all = crate::battery::run_chunked(&TEST, 256, &data, 10_000);
        let expected: &[&str] = &["low bit of 32-bit words"];
        assert_eq!(narrowed.len(), all.len());
        for (narrow, every) in narrowed.iter().zip(&all) {
            let label = narrow.label.clone();
            if expected.contains(&label.as_str()) {
                assert!(narrow.p_value().is_some(), "{narrow:?}");
                assert_eq!(narrow.p_value(), every.p_value(), "{label}");
            } else {
                let reason = narrow.result.as_ref().expect_err("left out");
                assert!(reason.contains("--word 32"), "{label}: {reason}");
            }
        }
    }
}
