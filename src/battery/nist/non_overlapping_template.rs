//! Non-overlapping template matching test, SP 800-22 Rev 1a §2.7; STS 2.1.2
//! `NonOverlappingTemplateMatchings()`.
//!
//! The sequence is cut into N = 8 blocks of M = n/8 bits; for each template B of m bits (the
//! parameter `m`, default 9) W_j counts B's occurrences in block j, the window jumping past each
//! match. With μ = (M − m + 1)/2^m and σ² = M (1/2^m − (2m − 1)/2^{2m}),
//! χ² = Σ_j (W_j − μ)²/σ² and P = igamc(N/2, χ²/2), one P-value per template.
//!
//! The templates are STS's: the aperiodic words of m bits (no proper prefix equal to the suffix
//! of that length), in increasing order, which for m = 9 is STS's `template9` file line for line
//! (148 templates). For m ≥ 10 STS keeps at most 148: it reads every SKIP-th template,
//! SKIP = count/148 (integer division), and so does this test.
//!
//! Two occurrences of an aperiodic template never overlap, so the jumping count equals the plain
//! count of windows equal to B: one histogram of all m-bit windows per block gives every
//! template's W_j at once, instead of one pass per template.
//!
//! Condition: μ ≥ 5, i.e. M ≥ 5 · 2^m + m − 1 and n ≥ 8 (5 · 2^m + m − 1): 20,544 bits for
//! m = 9. SP 800-22 §2.7.7 bounds only N (N ≤ 100, M > 0.01n, which N = 8 always meets) and
//! says nothing of n, but χ² ~ χ²(N) needs each W_j close to normal, and W_j is a count with
//! mean μ: on 1,000 bits (M = 125, μ = 0.23) most blocks hold no match at all, and 200 of 200
//! runs of 20 good sequences failed. The bound is the rule SP 800-22 itself applies to its χ²
//! tests, an expected count of at least 5 (§2.8.7: "N · (min π_i) > 5"). At the bound, 2,000
//! ChaCha20 sequences of 20,544 bits cut into groups of 20 gave a cell P-value (the family-wise
//! rule's) of at most 0.01 for 0.80% of the 14,800 (group, template) cells, where exactly uniform
//! P-values give 0.69%.
//!
//! For merging, a segment starts at a multiple of the block length n/8 (and of 64 bits) and keeps
//! the bytes before it aside, for the segment before to close its last block; it counts its blocks
//! at their index in the sequence, and a merge takes the later segment's columns. When n/8 is not a
//! multiple of 64 that period reaches past the sequence, and a later segment keeps all of its bytes
//! aside: exact, but no cheaper than one pass.

use std::sync::OnceLock;

use super::bits::{for_each_window, Blocks};
use super::{packed_bits_only, skip_all, BitTest, Conditions, MinLength, NEEDS_LENGTH};
use crate::battery::{Outcome, Params, Setup, Test};
use crate::stats::chi_square;

/// The `NonOverlappingTemplate` test's entry in the NIST SP 800-22 battery: its name, summary, reference and parameters,
/// and how it starts on a stream.
pub const TEST: Test = Test {
    name: "NonOverlappingTemplate",
    summary: "occurrences of each aperiodic m-bit template in 8 blocks",
    reference: "NIST SP 800-22 Rev 1a §2.7; STS 2.1.2 NonOverlappingTemplateMatchings",
    params: &["m"],
    applies_to: packed_bits_only,
    start: |setup: &Setup| super::start(setup, NonOverlapping::new),
    restore: super::restore::<NonOverlapping>,
};

const DEFAULT_M: u64 = 9;
/// STS ships template files for m = 2..=21.
const M_RANGE: std::ops::RangeInclusive<u64> = 2..=21;
const BLOCKS: u64 = 8;
const MAX_TEMPLATES: usize = 148;

/// The least expected count of a template per block, μ = (M − m + 1)/2^m.
const LEAST_MEAN: u64 = 5;

/// The least length for valid P-values with the template length `params` give.
pub(crate) fn min_length(params: &Params) -> Result<MinLength, String> {
    let m = params.get(TEST.name, "m", DEFAULT_M);
    if !M_RANGE.contains(&m) {
        return Err(out_of_range(m));
    }
    // μ = (M − m + 1)/2^m ≥ 5 ⇔ M ≥ 5·2^m + m − 1, with M = ⌊n/8⌋.
    let block = LEAST_MEAN * (1 << m) + m - 1;
    Ok(MinLength {
        what: format!("{} m={m}", TEST.name),
        condition: Some(format!(
            "an expected count μ = (M − m + 1)/2^m ≥ {LEAST_MEAN} per block of M = n/{BLOCKS} bits"
        )),
        bits: BLOCKS * block,
        source: "the χ² rule of SP 800-22 §2.8.7; §2.7.7 is silent".into(),
    })
}

fn out_of_range(m: u64) -> String {
    format!(
        "template length m = {m} outside STS's {}..={}",
        M_RANGE.start(),
        M_RANGE.end()
    )
}

/// Whether the m-bit word `b` overlaps itself (some proper prefix equals the suffix as long).
fn is_periodic(b: u32, m: u32) -> bool {
    (1..m).any(|k| b >> (m - k) == b & ((1 << k) - 1))
}

/// STS's templates for `m`, in STS order.
pub fn templates(m: u32) -> &'static [u32] {
    static CACHE: [OnceLock<Vec<u32>>; 22] = [const { OnceLock::new() }; 22];
    CACHE[m as usize].get_or_init(|| {
        let all: Vec<u32> = (0..1u32 << m).filter(|&b| !is_periodic(b, m)).collect();
        let skip = (all.len() / MAX_TEMPLATES).max(1);
        all.into_iter().step_by(skip).take(MAX_TEMPLATES).collect()
    })
}

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct NonOverlapping {
    m: u32,
    conditions: Conditions,
    /// Why the test cannot run with these parameters or this length, if it cannot.
    unusable: Option<String>,
    block_bits: usize,
    blocks: Blocks,
    histogram: Vec<u32>,
    /// W_j per template, block by block.
    counts: Vec<[u32; BLOCKS as usize]>,
    done: usize,
}

impl NonOverlapping {
    fn new(setup: &Setup) -> Self {
        let m = setup.params.get(TEST.name, "m", DEFAULT_M);
        let conditions = Conditions::new(&setup.params, min_length(&setup.params));
        let mut unusable = None;
        if !M_RANGE.contains(&m) {
            unusable = Some(out_of_range(m));
        }
        let block_bits = match setup.length {
            Some(n) => (n / BLOCKS) as usize,
            None => {
                unusable.get_or_insert_with(|| NEEDS_LENGTH.to_string());
                0
            }
        };
        if unusable.is_none() && (block_bits as u64) < m {
            unusable = Some(format!(
                "needs at least {} bits (8 blocks of m = {m}), got {}",
                BLOCKS * m,
                setup.length.unwrap_or(0)
            ));
        }
        let m = if unusable.is_none() { m as u32 } else { 1 };
        let ready = unusable.is_none();
        NonOverlapping {
            m,
            conditions,
            unusable,
            block_bits,
            blocks: Blocks::new(if ready { block_bits } else { 0 }),
            histogram: vec![0; if ready { 1 << m } else { 0 }],
            counts: vec![[0; BLOCKS as usize]; if ready { templates(m).len() } else { 0 }],
            // A segment that starts later in the sequence (at a block boundary) starts at the
            // index of its block.
            done: if ready {
                (8 * setup.offset / block_bits as u64).min(BLOCKS) as usize
            } else {
                0
            },
        }
    }
}

impl BitTest for NonOverlapping {
    const NAME: &'static str = "NonOverlappingTemplate";
    const MERGEABLE: bool = true;

    fn alignment_bits(&self) -> u64 {
        self.blocks.bits()
    }

    fn absorb(&mut self, next: Self) {
        // At a block boundary: next started counting at this block index; take its blocks'
        // counts and its open block.
        let (from, to) = (self.done, next.done);
        for (count, more) in self.counts.iter_mut().zip(&next.counts) {
            count[from..to].copy_from_slice(&more[from..to]);
        }
        self.done = to;
        self.blocks = next.blocks;
    }

    #[inline]
    fn push(&mut self, word: u64, len: u32) {
        if self.unusable.is_some() || self.done == BLOCKS as usize {
            return;
        }
        let (m, bits) = (self.m, self.block_bits);
        let (histogram, counts, done) = (&mut self.histogram, &mut self.counts, &mut self.done);
        self.blocks.push(word, len, |block| {
            if *done == BLOCKS as usize {
                return;
            }
            histogram.fill(0);
            for_each_window(block, bits, m, |pattern| histogram[pattern as usize] += 1);
            for (template, count) in templates(m).iter().zip(counts.iter_mut()) {
                count[*done] = histogram[*template as usize];
            }
            *done += 1;
        });
    }

    fn labels(&self, _n: u64) -> Vec<String> {
        if self.unusable.is_some() {
            return vec![String::new()];
        }
        let m = self.m as usize;
        templates(self.m)
            .iter()
            .map(|t| format!("m={m} N={BLOCKS} B={t:0m$b}"))
            .collect()
    }

    fn finish(self, n: u64) -> Vec<Outcome> {
        if let Some(reason) = self.conditions.unmet(n) {
            return skip_all(Self::NAME, self.labels(n), &reason);
        }
        if let Some(reason) = &self.unusable {
            return skip_all(Self::NAME, self.labels(n), reason);
        }
        let m = f64::from(self.m);
        let block = self.block_bits as f64;
        let mean = (block - m + 1.0) / 2f64.powf(m);
        let variance = block * (1.0 / 2f64.powf(m) - (2.0 * m - 1.0) / 2f64.powf(2.0 * m));
        self.counts
            .iter()
            .zip(self.labels(n))
            .map(|(w, label)| {
                let chi2: f64 = w
                    .iter()
                    .map(|&count| (f64::from(count) - mean).powi(2) / variance)
                    .sum();
                let p = chi_square::igamc(BLOCKS as f64 / 2.0, chi2 / 2.0);
                Outcome::measured(Self::NAME, chi2, p).with_label(label)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_counts_are_stss() {
        // STS 2.1.2's numOfTemplates table for m = 2..=21.
        let counts = [
            2usize, 4, 6, 12, 20, 40, 74, 148, 284, 568, 1116, 2232, 4424, 8848, 17622, 35244,
            70340, 140680, 281076, 562152,
        ];
        for (m, &count) in (2u32..=21).zip(&counts) {
            let all = (0..1u32 << m).filter(|&b| !is_periodic(b, m)).count();
            assert_eq!(all, count, "m = {m}");
        }
        assert_eq!(templates(9).len(), 148);
        assert_eq!(templates(9)[0], 0b000000001);
        assert_eq!(templates(9)[147], 0b111111110);
        assert_eq!(templates(10).len(), 148);
        // m = 11: SKIP = 568/148 = 3, every third of the 568.
        assert_eq!(templates(11).len(), 148);
    }

    #[test]
    fn sp800_22_statistic_by_hand() {
        // §2.7.4 (worked_examples.csv "NonOverlappingTemplate n=20 m=3 B=001 N=2"; not runnable
        // in STS, whose N is 8): blocks of M = 10 hold B = 001 twice and once; μ = 1,
        // σ² = 0.46875, χ² = 2.133333, P = igamc(1, 1.066667) = 0.344154.
        let (mean, variance) = (1.0, 10.0 * (1.0 / 8.0 - 5.0 / 64.0));
        assert_eq!(variance, 0.46875);
        let chi2: f64 = [2.0f64, 1.0]
            .iter()
            .map(|w| (w - mean).powi(2) / variance)
            .sum();
        assert!((chi2 - 2.133_333).abs() < 1e-6);
        assert!((chi_square::igamc(1.0, chi2 / 2.0) - 0.344_154).abs() < 1e-6);
        // And the window count for that block: 1010010010 has 001 at offsets 3 and 6.
        let mut seen = 0;
        for_each_window(&[0b1010010010 << 54, 0], 10, 3, |w| {
            seen += u32::from(w == 1)
        });
        assert_eq!(seen, 2);
    }

    #[test]
    fn reference_rows() {
        // reference_pvalues.csv "data.e,NonOverlappingTemplate,0,m=9 N=8 B=000000001":
        // 0.078790132676663377, and index 147 (B=111111110).
        use super::super::testing::{data_e, p_of, run_chunked};
        let (packed, n) = data_e(1_000_000);
        let outcomes = run_chunked(&TEST, &packed, n, &Default::default(), 1 << 16);
        assert_eq!(outcomes.len(), 148);
        assert!((p_of(&outcomes, 0) - 0.078_790_132_676_663_38).abs() < 1e-6);
        assert!((p_of(&outcomes, 147) - 0.227_870_498_803_673_85).abs() < 1e-6);
    }

    #[test]
    fn fewer_than_five_expected_matches_per_block_are_skipped() {
        use super::super::testing::{chacha_bits, run_chunked};
        // m = 9: μ ≥ 5 from M = 2568, n = 20,544; every template's outcome is skipped, each
        // with its label.
        let data = chacha_bits(8, 20_544);
        let short = run_chunked(&TEST, &data, 20_543, &Default::default(), 4096);
        assert_eq!(short.len(), 148);
        assert_eq!(short[0].label, "m=9 N=8 B=000000001");
        let reason = short[0].result.as_ref().unwrap_err();
        assert!(
            reason.starts_with("NonOverlappingTemplate m=9 needs an expected count")
                && reason.contains("n ≥ 20,544 bits")
                && reason.ends_with("the sequence has 20,543"),
            "{reason}"
        );
        assert!(short.iter().all(|o| o.result.is_err()));
        let enough = run_chunked(&TEST, &data, 20_544, &Default::default(), 4096);
        assert!(enough.iter().all(|o| o.result.is_ok()));
        // A user's m = 10 needs 8 · (5 · 1024 + 9) = 41,032 bits.
        let mut params = Params::default();
        params.0.insert("NonOverlappingTemplate.m".into(), 10);
        assert_eq!(min_length(&params).map(|m| m.bits), Ok(41_032));
        let outcomes = run_chunked(&TEST, &data, 20_544, &params, 4096);
        let reason = outcomes[0].result.as_ref().unwrap_err();
        assert!(reason.contains("n ≥ 41,032 bits"), "{reason}");
    }

    #[test]
    fn labels_name_every_template() {
        let test = NonOverlapping::new(&super::super::setup(1_000_000, &Default::default()));
        let labels = test.labels(1_000_000);
        assert_eq!(labels.len(), 148);
        assert_eq!(labels[0], "m=9 N=8 B=000000001");
        assert_eq!(labels[147], "m=9 N=8 B=111111110");
    }
}
