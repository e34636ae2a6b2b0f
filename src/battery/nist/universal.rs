//! Maurer's "universal statistical" test, SP 800-22 Rev 1a §2.9; STS 2.1.2 `Universal()`.
//!
//! L is chosen from n as STS does (L = 6 from n = 387,840, 7 from 904,960, ... 16 from
//! 1,059,061,760; shorter sequences are not tested); Q = 10·2^L initialisation blocks and
//! K = ⌊n/L⌋ − Q test blocks of L bits. For each test block i the distance to the previous
//! occurrence of its pattern is added as log2(i − T\[pattern\]); f_n = sum / K.
//! c = 0.7 − 0.8/L + (4 + 32/L) K^{−3/L} / 15, σ = c sqrt(variance(L)/K) and
//! P = erfc(|f_n − expected(L)| / (√2 σ)), with STS's tables of expected value and variance.
//!
//! Condition: n ≥ 387,840 (SP 800-22 §2.9.7's table, L = 6), where STS starts too; below it
//! there are not enough blocks to initialise the table (Q = 10 · 2^L) and to test
//! (K ≈ 1000 · 2^L).
//!
//! The sum is kept exact, as a histogram of the distances (an integer count per distance), and
//! Σ log2 is taken from it only for the outcome, in increasing order of distance: the same
//! counts give the same bits however the stream was cut and merged. (Adding logarithms block by
//! block, as STS does, would make the last bits depend on the order of the additions.)
//!
//! For merging, a segment starts at a multiple of L bits (and of 64), so that it counts whole
//! blocks at their index in the sequence. A segment that does not start the sequence does not
//! know where each pattern was last seen before it: it records, per pattern, the index of its
//! first occurrence among the test blocks (the distance from there is unknown yet) and counts
//! the distances from later occurrences, which lie inside it. A merge resolves the later
//! segment's first occurrences against the earlier state's last occurrences; a pattern the earlier
//! state never saw stays unresolved, at its position, unless the earlier state starts the
//! sequence, where "never seen" is distance i as in STS. Initialisation blocks (i ≤ Q) only set
//! last occurrences and blocks past Q + K are discarded, by their index in the sequence. A
//! segment's state is bounded by 2^L patterns and by its histogram, which has at most one entry
//! per distinct distance (at most one per block).
//!
//! The compensated sum over the histogram is, on the sequences checked, the correctly rounded
//! sum of the same logarithms (Python's `math.fsum`); the block-by-block sum of earlier versions
//! was about 5·10⁻¹³ higher in f_n on 1,000,000 bits, which moved P-values by up to 1.5·10⁻¹⁰.

use super::{packed_bits_only, skip_all, BitTest, Conditions, MinLength, NEEDS_LENGTH};
use crate::battery::{Outcome, Params, Setup, Test};
use crate::stats::normal;

/// The `Universal` test's entry in the NIST SP 800-22 battery: its name, summary, reference and parameters,
/// and how it starts on a stream.
pub const TEST: Test = Test {
    name: "Universal",
    summary: "Maurer's compressibility statistic over L-bit blocks",
    reference: "NIST SP 800-22 Rev 1a §2.9; STS 2.1.2 Universal",
    params: &[],
    applies_to: packed_bits_only,
    start: |setup: &Setup| {
        super::start(setup, |setup: &Setup| {
            let mut test = Universal::new(setup.length, 8 * setup.offset);
            test.conditions = Conditions::new(&setup.params, min_length(&setup.params));
            test
        })
    },
    restore: super::restore::<Universal>,
};

/// The least length for a valid P-value: the first row of §2.9.7's table.
pub(crate) fn min_length(_params: &Params) -> Result<MinLength, String> {
    Ok(MinLength {
        what: TEST.name.to_string(),
        condition: Some("L ≥ 6 with Q = 10 · 2^L and K ≈ 1000 · 2^L blocks of L bits".into()),
        bits: FROM_N[0],
        source: "SP 800-22 §2.9.7".into(),
    })
}

/// The smallest n for each L = 6..=16 (STS's table; n ≥ 1010·2^L·L roughly).
const FROM_N: [u64; 11] = [
    387_840,
    904_960,
    2_068_480,
    4_654_080,
    10_342_400,
    22_753_280,
    49_643_520,
    107_560_960,
    231_669_760,
    496_435_200,
    1_059_061_760,
];
/// expected(L) and variance(L) for L = 6..=16, as STS has them.
const EXPECTED: [f64; 11] = [
    5.2177052, 6.1962507, 7.1836656, 8.1764248, 9.1723243, 10.170032, 11.168765, 12.168070,
    13.167693, 14.167488, 15.167379,
];
const VARIANCE: [f64; 11] = [
    2.954, 3.125, 3.238, 3.311, 3.356, 3.384, 3.401, 3.410, 3.416, 3.419, 3.421,
];

/// Natural logarithms of small distances, which are most of them (the mean distance is 2^L).
const LN_TABLE_SIZE: usize = 1 << 12;

fn ln_table() -> &'static [f64] {
    static TABLE: std::sync::OnceLock<Vec<f64>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| (0..LN_TABLE_SIZE).map(|d| (d.max(1) as f64).ln()).collect())
}

fn ln(distance: u64) -> f64 {
    match ln_table().get(distance as usize) {
        Some(&ln) => ln,
        None => (distance as f64).ln(),
    }
}

/// How many test blocks had each distance to their pattern's previous occurrence: the exact
/// form of Σ log2(distance), which any order of merging adds up to the same counts.
#[derive(Clone, Default, serde::Serialize, serde::Deserialize)]
struct Distances {
    /// `dense[d]` for distances below `32 · 2^L`, grown as far as the largest seen: nearly all
    /// of them (a random pattern recurs after 2^L blocks on average; one in e^32 waits longer).
    dense: Vec<u64>,
    dense_limit: u64,
    /// The longer distances, one entry each, so that a sequence built to spread its distances
    /// cannot make the state grow past one entry per block.
    sparse: std::collections::BTreeMap<u64, u64>,
}

impl Distances {
    fn new(l: u32) -> Self {
        Distances {
            dense: Vec::new(),
            dense_limit: 32 << l,
            sparse: std::collections::BTreeMap::new(),
        }
    }

    #[inline]
    fn add(&mut self, distance: u64, count: u64) {
        if distance < self.dense_limit {
            let index = distance as usize;
            if index >= self.dense.len() {
                self.dense.resize(index + 1, 0);
            }
            self.dense[index] += count;
        } else {
            *self.sparse.entry(distance).or_insert(0) += count;
        }
    }

    fn absorb(&mut self, next: Distances) {
        for (distance, &count) in next.dense.iter().enumerate() {
            if count > 0 {
                self.add(distance as u64, count);
            }
        }
        for (distance, count) in next.sparse {
            self.add(distance, count);
        }
    }

    /// Σ count · ln(distance), in increasing order of distance, with Neumaier's compensation.
    fn sum_ln(&self) -> f64 {
        let dense = self.dense.iter().enumerate().map(|(d, &c)| (d as u64, c));
        let sparse = self.sparse.iter().map(|(&d, &c)| (d, c));
        let (mut sum, mut compensation) = (0.0f64, 0.0f64);
        for (distance, count) in dense.chain(sparse).filter(|&(_, c)| c > 0) {
            let term = count as f64 * ln(distance);
            let total = sum + term;
            compensation += if sum.abs() >= term.abs() {
                (sum - total) + term
            } else {
                (term - total) + sum
            };
            sum = total;
        }
        sum + compensation
    }
}

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Universal {
    /// (L, Q, K) when the length is known and long enough.
    plan: Option<(u32, u64, u64)>,
    /// Bits not yet cut into a block, at the top.
    #[serde(with = "crate::battery::state::u128_text")]
    pending: u128,
    pending_bits: u32,
    /// 1-based index in the sequence of the next block.
    next_block: u64,
    /// Each pattern's last block so far (0: none yet, in this segment).
    last_seen: Vec<u64>,
    /// On a segment that does not start the sequence: each pattern's first test block in it,
    /// whose distance depends on the blocks before the segment (0: none, or resolved).
    first_unresolved: Option<Vec<u64>>,
    /// The distances of the test blocks whose previous occurrence is known.
    distances: Distances,
    conditions: Conditions,
}

impl Universal {
    /// The test on a sequence of `length` bits, for the segment that starts `start_bits` into it
    /// (a multiple of L when the test runs).
    fn new(length: Option<u64>, start_bits: u64) -> Self {
        let plan = length.and_then(|n| {
            let l = FROM_N.iter().rposition(|&from| n >= from)? as u32 + 6;
            let q = 10u64 << l;
            let k = (n / u64::from(l)).checked_sub(q)?;
            Some((l, q, k))
        });
        let patterns = plan.map_or(0, |(l, _, _)| 1usize << l);
        Universal {
            plan,
            pending: 0,
            pending_bits: 0,
            next_block: plan.map_or(1, |(l, _, _)| start_bits / u64::from(l) + 1),
            last_seen: vec![0; patterns],
            first_unresolved: (start_bits > 0).then(|| vec![0; patterns]),
            distances: Distances::new(plan.map_or(0, |(l, _, _)| l)),
            // STS's table alone; `start` puts the caller's conditions in.
            conditions: Conditions::off(),
        }
    }
}

impl BitTest for Universal {
    const NAME: &'static str = "Universal";
    /// 2: distances as a histogram, not a sum of logarithms; first occurrences for merging.
    const VERSION: u32 = 2;
    const MERGEABLE: bool = true;

    fn alignment_bits(&self) -> u64 {
        self.plan.map_or(64, |(l, _, _)| u64::from(l))
    }

    fn absorb(&mut self, next: Self) {
        let Some((_, q, k)) = self.plan else {
            return;
        };
        debug_assert_eq!(self.pending_bits, 0, "merged at a block boundary");
        let firsts = next
            .first_unresolved
            .unwrap_or_else(|| vec![0; self.last_seen.len()]);
        for (pattern, (&first, &last)) in firsts.iter().zip(&next.last_seen).enumerate() {
            if first > 0 {
                debug_assert!(first > q && first <= q + k, "only test blocks wait");
                let before = self.last_seen[pattern];
                match &mut self.first_unresolved {
                    Some(mine) if before == 0 => mine[pattern] = first,
                    _ => self.distances.add(first - before, 1),
                }
            }
            if last > 0 {
                self.last_seen[pattern] = last;
            }
        }
        self.distances.absorb(next.distances);
        self.pending = next.pending;
        self.pending_bits = next.pending_bits;
        self.next_block = next.next_block;
    }

    #[inline]
    fn push(&mut self, word: u64, len: u32) {
        let Some((l, q, k)) = self.plan else {
            return;
        };
        if self.next_block > q + k {
            return;
        }
        self.pending |= (u128::from(word) << 64) >> self.pending_bits;
        self.pending_bits += len;
        while self.pending_bits >= l {
            let pattern = (self.pending >> (128 - l)) as usize;
            self.pending <<= l;
            self.pending_bits -= l;
            let i = self.next_block;
            if i > q {
                if i > q + k {
                    break;
                }
                let last = self.last_seen[pattern];
                match &mut self.first_unresolved {
                    Some(firsts) if last == 0 => firsts[pattern] = i,
                    _ => self.distances.add(i - last, 1),
                }
            }
            self.last_seen[pattern] = i;
            self.next_block += 1;
        }
    }

    fn labels(&self, n: u64) -> Vec<String> {
        let plan = self.plan.or_else(|| Universal::new(Some(n), 0).plan);
        vec![match plan {
            Some((l, q, _)) => format!("L={l} Q={q}"),
            None => String::new(),
        }]
    }

    fn finish(self, n: u64) -> Vec<Outcome> {
        if let Some(reason) = self.conditions.unmet(n) {
            return skip_all(Self::NAME, self.labels(n), &reason);
        }
        let Some((l, _, k)) = self.plan else {
            let reason = if n < FROM_N[0] {
                format!("needs at least {} bits (L = 6), got {n}", FROM_N[0])
            } else {
                NEEDS_LENGTH.to_string()
            };
            return skip_all(Self::NAME, self.labels(n), &reason);
        };
        let index = (l - 6) as usize;
        let (l_f, k_f) = (f64::from(l), k as f64);
        let label = self.labels(n).remove(0);
        let mut distances = self.distances;
        // A segment on its own (a snapshot of a later segment) counts its first occurrences
        // from the start of the sequence, as if nothing came before it.
        for &first in self.first_unresolved.iter().flatten() {
            if first > 0 {
                distances.add(first, 1);
            }
        }
        let f_n = distances.sum_ln() / std::f64::consts::LN_2 / k_f;
        let c = 0.7 - 0.8 / l_f + (4.0 + 32.0 / l_f) * k_f.powf(-3.0 / l_f) / 15.0;
        let sigma = c * (VARIANCE[index] / k_f).sqrt();
        let z = (f_n - EXPECTED[index]) / sigma;
        vec![Outcome::measured(Self::NAME, f_n, normal::two_sided(z)).with_label(label)]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{data_e, p_of, run_chunked, run_merged, run_str, run_str_sts};
    use super::*;
    use crate::battery::Params;

    #[test]
    fn reference_row() {
        // reference_pvalues.csv "data.e,Universal,0,L=7 Q=1280": 0.28256794782574407 (also
        // SP 800-22 Appendix B: 0.282568).
        let (packed, n) = data_e(1_000_000);
        let outcomes = run_chunked(&TEST, &packed, n, &Params::default(), 1 << 16);
        assert_eq!(outcomes[0].label, "L=7 Q=1280");
        assert!((p_of(&outcomes, 0) - 0.282_567_947_825_744_07).abs() < 1e-6);
    }

    #[test]
    fn later_segments_resolve_first_occurrences_on_merge() {
        // data.e cut at block boundaries (56 bytes = 64 blocks of L = 7) into an initialisation
        // part, one lone aligned unit in which most patterns do not occur (their first
        // occurrences in the third segment wait through the second), and the rest; merged left
        // to right, and the two later segments first.
        let (packed, n) = data_e(1_000_000);
        let one_pass = run_chunked(&TEST, &packed, n, &Params::default(), 1 << 16);
        for cuts in [
            [0, 56 * 200, 56 * 201],
            [0, 56 * 3, 56 * 4],
            [0, 5, 56 * 2000],
        ] {
            for later_first in [false, true] {
                assert_eq!(
                    run_merged(&TEST, &packed, n, &cuts, later_first),
                    one_pass,
                    "{cuts:?}, later first: {later_first}"
                );
            }
        }
    }

    #[test]
    fn block_length_follows_n() {
        assert_eq!(
            Universal::new(Some(1_000_000), 0).plan,
            Some((7, 1280, 141_577))
        );
        assert_eq!(
            Universal::new(Some(387_840), 0).plan,
            Some((6, 640, 64_000))
        );
        assert_eq!(Universal::new(Some(387_839), 0).plan, None);
        assert_eq!(Universal::new(None, 0).plan, None);
    }

    #[test]
    fn short_sequences_are_skipped_with_the_length_needed() {
        // worked_examples.csv "Universal n=20 L=2 Q=4" (§2.9.4) is not runnable in STS.
        let outcomes = run_str(&TEST, "01011010011101010111", &[]);
        let reason = outcomes[0].result.as_ref().unwrap_err();
        assert!(
            reason.contains("n ≥ 387,840 bits (SP 800-22 §2.9.7)"),
            "{reason}"
        );
        // STS refuses it too.
        let outcomes = run_str_sts(&TEST, "01011010011101010111", &[]);
        let reason = outcomes[0].result.as_ref().unwrap_err();
        assert!(reason.contains("387840"), "{reason}");
        // At the table's first row it runs, with L = 6.
        let (packed, _) = data_e(387_840);
        let short = run_chunked(&TEST, &packed, 387_839, &Params::default(), 1 << 12);
        let reason = short[0].result.as_ref().unwrap_err();
        assert!(reason.ends_with("the sequence has 387,839"), "{reason}");
        let enough = run_chunked(&TEST, &packed, 387_840, &Params::default(), 1 << 12);
        assert_eq!(enough[0].label, "L=6 Q=640");
        assert!(p_of(&enough, 0) <= 1.0);
    }
}
